"""The backup routeros_apply takes before its first write: the managed paths as read (`{path, data}`, data as
community.routeros api_info returns it, unset values included, which a restore makes the path exactly), and
`/export terse` over SSH (paramiko), in a new private directory per run; retention deletes only older backups
this toolkit wrote, inside the router's own folder. Also here: how a backed-up path is restored."""

from __future__ import annotations

import datetime
import os
import re
import shutil
from pathlib import Path
from typing import Any

import paramiko
import yaml
from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.community.routeros.plugins.module_utils._api_data import PATHS, split_path

# How a backup directory this toolkit wrote is named (UTC time to the microsecond) and what it holds.
_NAME = re.compile(r"\d{8}T\d{6}\.\d{6}Z")
_DOCUMENT = "backup.yml"
_EXPORT = "export.rsc"
# Beside backup.yml when a restore took the backup (naming the backup it restores): restore.yml's default, the
# newest backup, skips these (filter_plugins/routeros_backups.py).
_RESTORING = "restoring.txt"


def as_api_info(row: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """One printed entry exactly as community.routeros api_info returns it with the toolkit's options
    (handle_disabled: exclamation, hide_defaults: true, include_read_only: false, not unfiltered): its `.id`,
    the fields api_modify knows, every field the router left unset as `!field: null` (so that a restore unsets
    it), values at their default left out, write-only and read-only values dropped."""
    shown: dict[str, Any] = {key: value for key, value in row.items() if key == ".id" or key in fields}
    for key, field in fields.items():
        if field.write_only:
            shown.pop(key, None)
        elif key not in shown:
            shown[f"!{key}"] = None
    for key, field in fields.items():
        if field.default is not None and key in shown and shown[key] == field.default:
            del shown[key]
        if field.absent_value and key not in shown:
            shown[key] = field.absent_value
        if field.read_only:
            shown.pop(key, None)
    return shown


def path_fields(path: str, version: str) -> Any:
    """community.routeros's description of a path on this RouterOS version."""
    versioned = PATHS[tuple(split_path(path))]
    if versioned.needs_version:
        versioned.provide_version(version)
    return versioned.get_data()


def document(
    reads: dict[tuple[str, ...], list[dict[str, Any]]], plan: list[dict[str, Any]], version: str
) -> Any:
    """Every planned path, in plan order, as read before any write: `{path, data}` with `data` what api_info
    returns for that path (no dynamic or builtin entries)."""
    items, seen = [], set()
    for entry in plan:
        path = entry["path"]
        if path in seen:
            continue
        seen.add(path)
        fields = path_fields(path, version).fields
        rows = reads.get(tuple(split_path(path)), [])
        data = [
            as_api_info(row, fields)
            for row in rows
            if not row.get("dynamic", False) and not row.get("builtin", False)
        ]
        items.append({"path": path, "data": data})
    return items


def _private_directory(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def _write_private(path: Path, content: str) -> None:
    """Opened 0600 from the start, so the file is never readable by others, even briefly."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)


def _new_run_folder(folder: Path) -> Path:
    """A folder no other run has: two runs in the same microsecond cannot both create one name."""
    while True:
        target = folder / datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        try:
            target.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return target


def export(backup: dict[str, Any], settings: dict[str, Any]) -> str:
    """`/export terse` over SSH (paramiko); host keys checked in ~/.ssh/known_hosts unless told not to."""
    client = paramiko.SSHClient()
    if boolean(backup.get("ssh_host_key_checking", True)):
        client.load_system_host_keys()
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
    else:
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # the inventory opted out (the lab)
    user = f"{settings['username']}{backup.get('ssh_login_options', '')}"
    try:
        client.connect(
            str(settings["hostname"]),
            port=int(backup.get("ssh_port", 22)),
            username=user,
            password=settings.get("password", ""),
            look_for_keys=False,
            allow_agent=False,
            timeout=int(settings.get("timeout", 10)),
        )
        _, stdout, _ = client.exec_command("/export terse", timeout=60)
        text = stdout.read().decode("utf-8", errors="replace")
    except (paramiko.SSHException, OSError) as error:
        raise AnsibleActionFail(
            f"routeros_backup_export: the export over SSH to {settings['hostname']} port "
            f"{backup.get('ssh_port', 22)} failed before any change: {error}; fix SSH (host key in "
            "~/.ssh/known_hosts, port routeros_backup_ssh_port) or set routeros_backup_export: false"
        ) from None
    finally:
        client.close()
    return text.strip() + "\n"


def check_keep(backup: dict[str, Any]) -> int:
    """How many backups to keep, checked with the other inputs: a run with nothing to change takes no backup,
    and a bad value must not wait for the first run that does."""
    keep = backup.get("keep", 10)
    text = str(keep) if isinstance(keep, int) and not isinstance(keep, bool) else keep
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or int(text) < 1:
        raise AnsibleActionFail(
            f"routeros_backup_keep: {keep!r} is not valid; expected a whole number, 1 or more"
        )
    return int(text)


def save(host: str, backup: dict[str, Any], items: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """A new directory <dir>/<host>/<UTC time>, then retention among this toolkit's own backups only."""
    keep = check_keep(backup)
    if host in ("", ".", "..") or "/" in host or "\\" in host:
        raise AnsibleActionFail(
            f"inventory_hostname: {host!r} is not valid as the router's backup folder; expected a name "
            "without '/' or '\\' that is not '.' or '..'"
        )
    root = Path(str(backup["dir"]))
    if not root.exists():
        _private_directory(root)
    folder = root / host
    _private_directory(folder)
    target = _new_run_folder(folder)
    try:
        _write_private(
            target / _DOCUMENT, yaml.safe_dump(items, allow_unicode=True, sort_keys=False, indent=2)
        )
        if backup.get("restoring"):
            _write_private(target / _RESTORING, f"{backup['restoring']}\n")
        if boolean(backup.get("export", True)):
            _write_private(target / _EXPORT, export(backup, settings))
    except BaseException:
        # A half-written backup is no backup: nothing of it stays, and the run stops before any write.
        shutil.rmtree(target)
        raise
    ours = sorted(
        p for p in folder.iterdir() if p.is_dir() and _NAME.fullmatch(p.name) and (p / _DOCUMENT).is_file()
    )
    removed = ours[: max(len(ours) - keep, 0)]
    for old in removed:
        shutil.rmtree(old)
    return {"path": str(target), "removed": [str(p) for p in removed]}


# What a path's read shows that is the router's state, not its configuration: a restore never writes it back.
# The clock's date and time are the moment of the backup (the clock would be turned back); its gmt-offset is
# what its time zone gives (RouterOS 7's `/system clock set` takes no gmt-offset: the lab's command tree).
READINGS = {"system clock": frozenset({"date", "time", "gmt-offset"})}


def restore_entry(entry: dict[str, Any], fields: dict[str, Any], path: str = "") -> dict[str, Any]:
    """A backed-up entry as api_modify's input: without its `.id` (an entry added again gets another), with
    `!field` kept only where RouterOS can unset the field; other fields the router left unset (read-only,
    hardware it lacks) are not the configuration's and cannot be written. A backup from before unset values
    were recorded has no `!field`: the restore's handle_entries_content `remove` unsets them all the same."""
    restored = {}
    for key, value in entry.items():
        name = key[1:] if key.startswith("!") else key
        field = fields.get(name)
        if key == ".id" or field is None or field.read_only or name in READINGS.get(path, ()):
            continue
        if key.startswith("!") and (not field.can_disable or name in entry):
            continue
        restored[key] = value
    return restored


def restore_options(path_info: Any, path: str = "") -> dict[str, Any]:
    """api_modify's options that make a whole path exactly its backup: every entry not in it removed, every
    value not in it reset, entries in its order; a path of factory entries (ports, services) keeps its
    entries, and a single-value path (identity, DNS settings) is one entry."""
    removable = not path_info.fixed_entries and not path_info.single_value
    return {
        "handle_absent_entries": "remove" if removable else "ignore",
        # A path with readings keeps them: they are neither in the restored entry nor removable.
        "handle_entries_content": "remove_as_much_as_possible" if path in READINGS else "remove",
        "ensure_order": removable,
    }

"""Which backup `playbooks/restore.yml` restores, on the controller, before any connection: the one the
operator names, or the router's newest that a restore did not take (a restore backs the router up first, and
restoring that backup would undo the restore) and that holds no users (a first contact's)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from ansible.errors import AnsibleFilterError

# As roles/routeros_apply/action_plugins/_routeros_backup.py writes them: a folder named by its UTC time to
# the microsecond, holding backup.yml, and restoring.txt when a restore took it.
_FOLDER = re.compile(r"\d{8}T\d{6}\.\d{6}Z")
DOCUMENT = "backup.yml"
TAKEN_BY_RESTORE = "restoring.txt"
# Users are managed as the bootstrap user (playbooks/users.yml); restore.yml logs in as the toolkit's own
# user, which may not manage them, and restoring users from before a first contact would remove that user.
NOT_RESTORED = ("user", "user group")


def _holds_users(document: Path) -> bool:
    items = yaml.safe_load(document.read_text()) or []
    return any(isinstance(item, dict) and item.get("path") in NOT_RESTORED for item in items)


def backup_file(restore_from: str, directory: str, host: str) -> str:
    """The backup.yml to restore `host` from: `restore_from` is a backup folder's name in the router's own
    backup folder, or the path of a backup folder or of its backup.yml; empty means the newest backup of the
    router that no restore took."""
    folder = Path(str(directory)) / str(host)
    if not str(restore_from or ""):
        ours = sorted(
            p
            for p in (folder.iterdir() if folder.is_dir() else [])
            if _FOLDER.fullmatch(p.name)
            and (p / DOCUMENT).is_file()
            and not (p / TAKEN_BY_RESTORE).exists()
            and not _holds_users(p / DOCUMENT)
        )
        if not ours:
            raise AnsibleFilterError(
                f"restore_from: empty, and {folder} holds no backup of {host} that restore.yml restores "
                "(a folder named by its UTC time with a backup.yml, taken by no restore, of no users); "
                "expected a backup folder or backup.yml to name"
            )
        return str((ours[-1] / DOCUMENT).resolve())
    named = Path(str(restore_from))
    for candidate in (folder / named, named):
        if candidate.is_dir() and (candidate / DOCUMENT).is_file():
            return str((candidate / DOCUMENT).resolve())
        if candidate.name == DOCUMENT and candidate.is_file():
            return str(candidate.resolve())
    raise AnsibleFilterError(
        f"restore_from: {str(restore_from)!r} is not valid for {host}; expected the name of a folder in "
        f"{folder}, or the path of a backup folder or of its {DOCUMENT}"
    )


def backup_items(document: Any, source: str) -> list[dict[str, Any]]:
    """A backup.yml's items, refused by name unless each is a `{path, data}` with a list of entries."""
    if not isinstance(document, list) or not document:
        raise AnsibleFilterError(f"{source}: expected a list of {{path, data}} items, as a backup writes it")
    for index, item in enumerate(document):
        if (
            not isinstance(item, dict)
            or set(item) != {"path", "data"}
            or not isinstance(item["path"], str)
            or not isinstance(item["data"], list)
            or not all(isinstance(entry, dict) for entry in item["data"])
        ):
            raise AnsibleFilterError(
                f"{source}[{index}]: {item!r} is not valid; expected "
                "{path: <a RouterOS path>, data: [entries]}"
            )
        if item["path"] in NOT_RESTORED:
            raise AnsibleFilterError(
                f"{source}[{index}].path: {item['path']!r} is not restored by restore.yml (users are managed "
                "as the bootstrap user: playbooks/users.yml); expected a backup of the baseline or alerting"
            )
    return document


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"routeros_backup_file": backup_file, "routeros_backup_items": backup_items}

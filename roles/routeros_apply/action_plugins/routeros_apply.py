"""Bring a router to its planned state over one API session, inside the controller's own worker process.

The roles plan (each adds `{path, data, ...}` entries, api_modify's options); this action applies the whole
plan: it reads each path once, computes every change with community.routeros api_modify's own functions, so
its semantics are the module's (ownership by `restrict`, `handle_absent_entries`, `handle_entries_content`,
`ensure_order`, check mode and diff), refuses a change that would cut the play off the router, backs the
router up only when something is about to change (from that same read, plus `/export terse` over SSH), and
only then writes. A rerun with nothing to change costs one login, one read of the router's version (refused
before any write when this toolkit does not support it) and one print per path.

api_modify's functions are module internals, not a public interface: requirements.yml pins community.routeros
to exactly the version checked here, and tests/test_apply.py compares this action with the module itself.
"""

from __future__ import annotations

import copy
import importlib.util
import ipaddress
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible_collections.community.routeros.plugins.module_utils import _api_helper
from ansible_collections.community.routeros.plugins.module_utils._api_data import PATHS, split_path
from ansible_collections.community.routeros.plugins.module_utils.api import create_api
from ansible_collections.community.routeros.plugins.modules import api_modify
from librouteros.exceptions import LibRouterosError

# The community.routeros release whose api_modify internals this action drives (requirements.yml pins it).
COLLECTION_VERSION = "3.14.0"
OPTIONS = ("handle_absent_entries", "handle_entries_content", "ensure_order", "restrict")
# What a plan entry may say besides api_modify's options: the guards, what collides on its path, a restore.
GUARDS = ("keep_address", "keep_service", "existing", "collide", "handmade_alerting", "restore")


def _sibling(name: str, where: Path | None = None) -> ModuleType:
    """A helper next to this file (Ansible loads each action plugin file on its own), or in `where`."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, (where or Path(__file__).parent) / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _plain(value: Any) -> Any:
    """Task arguments as plain Python values: Ansible hands over tagged str/dict/list subclasses, which YAML
    dumping and librouteros should not have to know."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


class _Done(Exception):
    """api_modify's functions end with exit_json or fail_json; here those end one path's computation."""

    def __init__(self, result: dict[str, Any], failed: bool) -> None:
        super().__init__(result.get("msg", ""))
        self.result = result
        self.failed = failed


class _Module:
    """What api_modify's functions use of an AnsibleModule: params, check mode, diff, exit and fail."""

    def __init__(self, params: dict[str, Any], check_mode: bool) -> None:
        self.params = params
        self.check_mode = check_mode
        self._diff = True

    def exit_json(self, **result: Any) -> None:
        raise _Done(result, failed=False)

    def fail_json(self, msg: str, **result: Any) -> None:
        raise _Done({**result, "msg": msg}, failed=True)


class _ReadOnce:
    """The API, serving each path's first print from the read already made, so that computing the changes
    and applying them cost one print per path; with `keep`, every print (a dry pass over reads as they will
    be once adopted entries are marked and hand-made alerting is removed)."""

    def __init__(
        self, api: Any, reads: dict[tuple[str, ...], list[dict[str, Any]]], keep: bool = False
    ) -> None:
        self._api = api
        self._reads = reads
        self._keep = keep

    def path(self, *path: str) -> Any:
        return _PathReadOnce(self._api.path(*path), self._reads, tuple(path), self._keep)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


class _PathReadOnce:
    def __init__(
        self,
        real: Any,
        reads: dict[tuple[str, ...], list[dict[str, Any]]],
        key: tuple[str, ...],
        keep: bool = False,
    ) -> None:
        self._real = real
        self._reads = reads
        self._key = key
        self._keep = keep

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self._key in self._reads:
            rows = self._reads[self._key] if self._keep else self._reads.pop(self._key)
            return iter(copy.deepcopy(rows))
        rows = list(self._real)
        return iter(copy.deepcopy(rows))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._real(*args, **kwargs)

    def join(self, *parts: str) -> Any:
        """api_modify builds its path part by part (`api.path().join('ip').join('address')`)."""
        return type(self)(self._real.join(*parts), self._reads, self._key + parts, self._keep)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _Recorder:
    """The API during the dry pass: prints go to the router and are kept; writes never happen (check mode)."""

    def __init__(self, api: Any) -> None:
        self._api = api
        self.reads: dict[tuple[str, ...], list[dict[str, Any]]] = {}

    def path(self, *path: str) -> Any:
        return _PathRecorder(self._api.path(*path), self.reads, tuple(path))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


class _PathRecorder(_PathReadOnce):
    def __iter__(self) -> Iterator[dict[str, Any]]:
        rows = list(self._real)
        self._reads.setdefault(self._key, copy.deepcopy(rows))
        return iter(rows)


class _Writes:
    """The API during the apply pass: every write the router accepted, in order, as (path, action, entry), so
    that a run failing halfway can say exactly what it changed."""

    def __init__(self, api: Any, reads: dict[tuple[str, ...], list[dict[str, Any]]]) -> None:
        self._api = api
        self.log: list[dict[str, Any]] = []
        # Each entry as last read, by path and id: what a set or a remove changed.
        self._rows: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}
        for key, rows in reads.items():
            self.remember(key, rows)

    def remember(self, key: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._rows[key, str(row.get(".id"))] = copy.deepcopy(row)

    def record(self, key: tuple[str, ...], action: str, entry: dict[str, Any], row_id: str = "") -> None:
        write = {"path": " ".join(key), "action": action, "entry": _plain(entry)}
        if row_id and (key, row_id) in self._rows:
            write["was"] = _plain(self._rows[key, row_id])
        self.log.append(write)

    def path(self, *path: str) -> Any:
        return _PathWrites(self._api.path(*path), self, tuple(path))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


class _PathWrites:
    def __init__(self, real: Any, writes: _Writes, key: tuple[str, ...]) -> None:
        self._real = real
        self._writes = writes
        self._key = key

    def join(self, *parts: str) -> Any:
        return type(self)(self._real.join(*parts), self._writes, self._key + parts)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rows = list(self._real)
        self._writes.remember(self._key, rows)
        return iter(rows)

    def add(self, **data: Any) -> str:
        new_id = str(self._real.add(**data))
        self._writes.record(self._key, "add", {**data, ".id": new_id})
        return new_id

    def update(self, **data: Any) -> None:
        self._real.update(**data)
        self._writes.record(self._key, "set", data, str(data.get(".id", "")))

    def remove(self, *ids: str) -> None:
        self._real.remove(*ids)
        for row_id in ids:
            self._writes.record(self._key, "remove", {".id": row_id}, row_id)

    def __call__(self, command: str, **arguments: Any) -> Iterator[dict[str, Any]]:
        replies = list(self._real(command, **arguments))
        if command != "print":
            self._writes.record(self._key, command, arguments, str(arguments.get("numbers", "")))
        return iter(replies)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _Connection:
    """What create_api needs of a module; a failed login becomes an action failure naming the router."""

    def __init__(self, settings: dict[str, Any]) -> None:
        port = int(settings.get("port") or 0)
        self.params = {
            "hostname": settings["hostname"],
            "username": settings["username"],
            "password": settings.get("password", ""),
            "port": port or None,
            "tls": boolean(settings.get("tls", False)),
            "force_no_cert": False,
            "validate_certs": boolean(settings.get("validate_certs", True)),
            "validate_cert_hostname": boolean(settings.get("validate_cert_hostname", False)),
            "ca_path": settings.get("ca_path") or None,
            "encoding": "UTF-8",
            "timeout": int(settings.get("timeout", 10)),
        }

    def fail_json(self, msg: str, **_: Any) -> None:
        raise AnsibleActionFail(f"routeros_api_hostname {self.params['hostname']}: {msg}")


def _sync(api: Any, entry: dict[str, Any], check_mode: bool, version: str) -> dict[str, Any]:
    """api_modify for one path: its result (changed, old_data, new_data, diff), or a failure naming it. An
    entry marked `restore` holds a backup of the whole path (api_info's output): the path is made exactly
    that."""
    path = entry["path"]
    versioned = PATHS.get(tuple(split_path(path)))
    if versioned is None:
        raise AnsibleActionFail(f"plan: the path {path!r} is not one community.routeros knows")
    if versioned.needs_version:
        supported, why = versioned.provide_version(version)
        if not supported:
            raise AnsibleActionFail(f"plan: the path {path!r} is not supported on RouterOS {version}: {why}")
    path_info = versioned.get_data()
    data = copy.deepcopy(entry.get("data") or [])
    options = {key: entry[key] for key in OPTIONS if key in entry}
    if boolean(entry.get("restore", False)):
        store = _sibling("_routeros_backup")
        spelled = " ".join(split_path(path))
        data = [store.restore_entry(row, path_info.fields, spelled) for row in data]
        options = store.restore_options(path_info, spelled)
    params = {
        "path": path,
        "data": data,
        "handle_absent_entries": options.get("handle_absent_entries", "ignore"),
        "handle_entries_content": options.get("handle_entries_content", "ignore"),
        "ensure_order": boolean(options.get("ensure_order", False)),
        "handle_read_only": "error",
        "handle_write_only": "create_only",
        "restrict": [
            {"match_disabled": False, "invert": False, "values": None, "regex": None, **rule}
            for rule in options.get("restrict") or []
        ]
        or None,
    }
    module = _Module(params, check_mode)
    backend = api_modify.get_backend(path_info)
    try:
        restrict = _api_helper.validate_and_prepare_restrict(module, path_info)
        backend(module, api, split_path(path), path_info, restrict)
    except _Done as done:
        if done.failed:
            raise AnsibleActionFail(f"{path}: {done.result['msg']}") from None
        return done.result
    raise AnsibleActionFail(f"{path}: community.routeros api_modify ended without a result")


def _removed_addresses(result: dict[str, Any]) -> list[dict[str, Any]]:
    kept = {(e.get("address"), e.get("interface")) for e in result.get("new_data", [])}
    return [e for e in result.get("old_data", []) if (e.get("address"), e.get("interface")) not in kept]


def _check_existing(entry: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Entries a router cannot create (its factory ports) must name one it has: refused before any write,
    naming the inventory field (`existing: {field, key}`), rather than by the router halfway through."""
    existing = entry.get("existing")
    if not existing:
        return
    key = existing["key"]
    present = sorted(str(row.get(key)) for row in rows if row.get(key) is not None)
    for index, wanted in enumerate(entry.get("data") or []):
        if wanted.get(key) is not None and str(wanted[key]) not in present:
            raise AnsibleActionFail(
                f"{existing['field']}[{index}].{key}: {wanted[key]!r} is not valid; expected one the router "
                f"has: {', '.join(present)}"
            )


def _check_names(api: Any, entry: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """A factory port renamed to a name another interface has is refused before any write, naming the
    inventory field (`existing: {field, key, names}`), rather than by the router halfway through. Only a plan
    that renames reads the router's interfaces (`names`, one print more). api_modify renames in the router's
    order, so a port's old name is free for the ports after it in that order, not for those before."""
    existing = entry.get("existing") or {}
    if not existing.get("names"):
        return
    key = existing["key"]
    current = {str(row.get(key)): str(row.get("name")) for row in rows}
    order = [str(row.get(key)) for row in rows]
    renames = sorted(
        (
            (index, wanted)
            for index, wanted in enumerate(entry.get("data") or [])
            if wanted.get("name") is not None
            and current.get(str(wanted.get(key))) not in (None, str(wanted["name"]))
        ),
        key=lambda rename: order.index(str(rename[1][key])),
    )
    if not renames:
        return
    taken = {str(row.get("name")): row for row in api.path(*str(existing["names"]).split())}
    for index, wanted in renames:
        name = str(wanted["name"])
        other = taken.get(name)
        if other is not None and str(other.get(key)) != str(wanted[key]):
            raise AnsibleActionFail(
                f"{existing['field']}[{index}].name: {name!r} is not valid; expected a name no other "
                f"interface on the router has (the {other.get('type', '')} interface "
                f"{other.get(key) or name} has it)"
            )
        taken.pop(current[str(wanted[key])], None)
        taken[name] = {key: wanted[key]}


class _Reach:
    """How this play reaches the router, as the router sees it: the service it uses, on which port, from which
    address (the API socket's own end: behind NAT the router sees another one, which no guard can know)."""

    def __init__(self, api: Any, settings: dict[str, Any]) -> None:
        sock = api.protocol.transport.sock
        self.hostname = str(settings["hostname"])
        self.service = "api-ssl" if boolean(settings.get("tls", False)) else "api"
        self.port = int(sock.getpeername()[1])
        self.source = ipaddress.ip_address(str(sock.getsockname()[0]))


def _guard(entry: dict[str, Any], result: dict[str, Any], reach: _Reach) -> None:
    """Refuse a change that would cut this play off the router before anything is written."""
    if entry.get("keep_address") and entry["path"] == "ip address":
        for removed in _removed_addresses(result):
            if str(removed.get("address", "")).split("/", maxsplit=1)[0] == entry["keep_address"]:
                raise AnsibleActionFail(
                    f"routeros_addresses_entries: removing {removed.get('address')} on "
                    f"{removed.get('interface')} would cut this play off from the router it connects to at "
                    f"{reach.hostname}; keep it in routeros_addresses_entries or set "
                    "routeros_addresses_allow_management_change: true"
                )
    if boolean(entry.get("keep_service", False)) and entry["path"] == "ip service":
        _guard_service(entry.get("data") or [], reach)


def _guard_service(data: list[dict[str, Any]], reach: _Reach) -> None:
    """The service the play uses must stay on the port it connects to and let its address in."""
    allow = "or set routeros_api_service_allow_management_change: true to make the change anyway"
    for index, wanted in enumerate(data):
        if wanted.get("name") != reach.service:
            continue
        field = f"routeros_api_service_services[{index}]"
        if wanted.get("port") is not None and int(wanted["port"]) != reach.port:
            raise AnsibleActionFail(
                f"{field}.port: {wanted['port']!r} would move {reach.service}, the service this play "
                f"connects through, off port {reach.port}, and cut the play off the router; keep port "
                f"{reach.port}, "
                f"{allow} (then set routeros_api_port to the new port for later runs)"
            )
        prefixes = [p for p in str(wanted.get("address") or "").split(",") if p]
        if prefixes and not any(
            reach.source in ipaddress.ip_network(prefix, strict=False) for prefix in prefixes
        ):
            raise AnsibleActionFail(
                f"{field}.address: {prefixes!r} would shut this play out of {reach.service}: the router sees "
                f"it come from {reach.source}, which none of these prefixes holds; add a prefix that holds "
                f"{reach.source}, {allow}"
            )


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset({"roles", "connection", "backup", "lock", "inputs_only", "adopt", "preflight"})

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = _plain(self._task.args)
        roles = [str(role) for role in args.get("roles") or []]
        inputs = _sibling("_routeros_inputs")
        plan: list[dict[str, Any]] = _plain(inputs.plan(self._templar, task_vars or {}, roles))
        preflight = [dict(entry) for entry in args.get("preflight") or []]
        for index, entry in enumerate([*plan, *preflight]):
            unknown = set(entry) - {"path", "data", *GUARDS, *OPTIONS}
            if "path" not in entry or unknown:
                raise AnsibleActionFail(
                    f"plan[{index}]: needs a path and api_modify's options, not {sorted(unknown)}"
                )
            if PATHS.get(tuple(split_path(str(entry["path"])))) is None:
                raise AnsibleActionFail(
                    f"plan[{index}].path: {entry['path']!r} is not valid; expected a path community.routeros "
                    "knows, e.g. 'ip address' (checked before connecting)"
                )
        adopt = args.get("adopt", False)
        _sibling("_routeros_collisions").check_setting(
            adopt, lambda path: PATHS.get(tuple(split_path(path))) is not None
        )
        if args.get("backup"):
            _sibling("_routeros_backup").check_keep(dict(args["backup"]))
        settings = dict(args.get("connection") or {})
        if boolean(args.get("inputs_only", False)):
            return {**result, "changed": False, "msg": f"inputs checked: {', '.join(roles)}"}
        check_mode = bool(self._task.check_mode)
        host = str((task_vars or {}).get("inventory_hostname", settings.get("hostname")))
        api = create_api(_Connection(settings))
        try:
            # The supported range lives with the connection settings, in roles/routeros_api; Ansible hands a
            # role's module_utils to modules only, and this action runs in the controller.
            versions = _sibling(
                "routeros_version", Path(__file__).resolve().parents[2] / "routeros_api/module_utils"
            )
            version = versions.read(api)
            try:
                warning = versions.judge(version, f"routeros_api_hostname {settings['hostname']} ({host})")
            except versions.UnsupportedVersion as error:
                raise AnsibleActionFail(str(error)) from None
            run = _Run(
                api,
                plan,
                host,
                settings,
                dict(args.get("backup") or {}),
                version=version.split(" ", 1)[0],
                adopt=adopt,
                preflight=preflight,
            )
            outcome = {**result, **run.apply(dict(args.get("lock") or {}), check_mode=check_mode)}
            return {**outcome, "warnings": [*outcome.get("warnings", []), warning]} if warning else outcome
        finally:
            api.close()


class _Run:
    """One router's plan over one session: the dry pass, the guards, then (only if something changes) the
    run lock, a second dry pass under it, the backup and the writes."""

    def __init__(
        self,
        api: Any,
        plan: list[dict[str, Any]],
        host: str,
        settings: dict[str, Any],
        backup: dict[str, Any],
        *,
        version: str,
        adopt: Any = False,
        preflight: list[dict[str, Any]] | None = None,
    ) -> None:
        self.api = api
        self.adopt = adopt
        self.preflight = preflight or []
        # What the dry pass found to write before the plan: adopted entries to mark, hand-made alerting to
        # remove.
        self.takeover: list[tuple[tuple[str, ...], str, dict[str, Any]]] = []
        self.plan = plan
        self.host = host
        self.settings = settings
        self.backup = backup
        self.reach = _Reach(api, settings)
        self.version = version

    def dry(self) -> tuple[_Recorder, list[dict[str, Any]], dict[str, Any]]:
        """What each path would change, from one print per path, refused before any write if unsafe."""
        recorder = _Recorder(self.api)
        dry = []
        for entry in self.plan:
            try:
                dry.append(_sync(recorder, entry, True, self.version))
            finally:
                # Named after the inventory field, whether or not api_modify noticed first.
                _check_existing(entry, recorder.reads.get(tuple(split_path(entry["path"])), []))
        for entry in self.plan:
            _check_names(self.api, entry, recorder.reads.get(tuple(split_path(entry["path"])), []))
        takeover, notes = self.collisions(recorder)
        if self.takeover:
            # The plan as it will meet the router once the takeover is written: adopted entries owned,
            # hand-made alerting gone.
            seeded = _ReadOnce(self.api, takeover, keep=True)
            dry = [_sync(seeded, entry, True, self.version) for entry in self.plan]
        for entry, outcome in zip(self.plan, dry, strict=True):
            _guard(entry, outcome, self.reach)
        changing = [entry for entry, outcome in zip(self.plan, dry, strict=True) if outcome.get("changed")]
        summary: dict[str, Any] = {
            "changed": bool(changing or self.takeover),
            "diff": [
                *notes.pop("diff"),
                *(
                    {**outcome["diff"], "before_header": entry["path"], "after_header": entry["path"]}
                    for entry, outcome in zip(self.plan, dry, strict=True)
                    if outcome.get("changed") and "diff" in outcome
                ),
            ],
            "paths": list(dict.fromkeys([*notes.pop("paths"), *(e["path"] for e in changing)])),
            **{key: value for key, value in notes.items() if value},
        }
        return recorder, dry, summary

    def collisions(
        self, recorder: _Recorder
    ) -> tuple[dict[tuple[str, ...], list[dict[str, Any]]], dict[str, Any]]:
        """What collides with the plan and the hand-made alerting, from the dry pass's reads: refused before
        any write unless adopted; else the takeover to write first (`self.takeover`), the reads as they will
        be after it, and what to report (diff items, paths, adopted, removed, warnings)."""
        found = _sibling("_routeros_collisions")

        def read(path: str) -> list[dict[str, Any]]:
            key = tuple(split_path(path))
            if key not in recorder.reads:
                list(recorder.path(*key))
            return recorder.reads[key]

        # Preflight entries are what a later play will meet: checked here, taken over by that play.
        for entry in self.preflight:
            read(entry["path"])
        handmade, remove = found.handmade([*self.plan, *self.preflight], read)
        reads = copy.deepcopy(recorder.reads)
        removed = handmade if remove else []
        for item in removed:
            key = tuple(split_path(item.path))
            reads[key] = [row for row in reads[key] if row.get(".id") != item.entry.get(".id")]
        collisions = found.find([*self.plan, *self.preflight], reads, split_path)
        refused = [c for c in collisions if not found.adopted(self.adopt, c.path)]
        if refused:
            raise AnsibleActionFail(found.refusal(refused, handmade))
        planned = {entry["path"] for entry in self.plan}
        collisions = [c for c in collisions if c.path in planned]
        if not any(entry.get("handmade_alerting") for entry in self.plan):
            handmade, removed = [], []
        self.takeover = []
        diff: list[dict[str, Any]] = []
        for item in removed:
            key = tuple(split_path(item.path))
            self.takeover.append((key, "remove", {".id": item.entry[".id"]}))
            diff.append(
                {
                    "before_header": f"{item.path} (hand-made Telegram alerting, removed)",
                    "after_header": item.path,
                    "before": {"data": [found.redacted(_plain(item.entry))]},
                    "after": {"data": []},
                }
            )
        for collision in collisions:
            key = tuple(split_path(collision.path))
            comment = str(collision.planned.get("comment", ""))
            self.takeover.append((key, "set", {".id": collision.existing[".id"], "comment": comment}))
            for row in reads[key]:
                if row.get(".id") == collision.existing[".id"]:
                    row["comment"] = comment
            diff.append(
                {
                    "before_header": f"{collision.path} (adopted)",
                    "after_header": collision.path,
                    "before": {"data": [_plain(collision.existing)]},
                    "after": {"data": [{**_plain(collision.existing), "comment": comment}]},
                }
            )
        notes = {
            "diff": diff,
            "paths": [" ".join(key) for key, _, _ in self.takeover],
            "adopted": [c.describe() for c in collisions],
            "removed": [item.describe() for item in removed],
            "warnings": found.warnings(handmade, remove),
        }
        return reads, notes

    def apply(self, lock: dict[str, Any], *, check_mode: bool) -> dict[str, Any]:
        # Reading is safe beside another run: only a run with something to change takes the router's lock,
        # and then reads again under it, since the other run may have changed the router meanwhile.
        _, _, summary = self.dry()
        if not summary["changed"] or check_mode:
            return summary
        with _sibling("_routeros_lock").held(self.api, self.host, lock):
            recorder, dry, summary = self.dry()
            if not summary["changed"]:
                return summary
            if boolean(self.backup.get("enabled", False)):
                store = _sibling("_routeros_backup")
                document = store.document(recorder.reads, self.plan, self.version)
                summary["backup"] = store.save(self.host, self.backup, document, self.settings)
            return self.write(recorder, dry, summary)

    def write(
        self, recorder: _Recorder, dry: list[dict[str, Any]], summary: dict[str, Any]
    ) -> dict[str, Any]:
        # A write can change other paths (a renamed port is renamed in every reference to it): the first path
        # to change uses the read already made, every later path is read again before it is applied.
        writes = _Writes(self.api, recorder.reads)
        applied: list[str] = []
        # The takeover first (adopted entries marked, hand-made alerting removed); then every path is read
        # again, as it now is.
        for key, action, data in self.takeover:
            try:
                if action == "remove":
                    writes.path(*key).remove(data[".id"])
                else:
                    writes.path(*key).update(**data)
            except (LibRouterosError, OSError) as failure:
                return self.failed(summary, f"{' '.join(key)}: {failure}", writes.log)
            applied.append(" ".join(key))
        first = next((index for index, outcome in enumerate(dry) if outcome.get("changed")), len(dry))
        fresh = _ReadOnce(writes, {} if self.takeover else dict(recorder.reads))
        for entry in self.plan[0 if self.takeover else first :]:
            try:
                outcome = _sync(fresh if not applied else writes, entry, False, self.version)
            except (AnsibleActionFail, LibRouterosError, OSError) as failure:
                return self.failed(summary, str(getattr(failure, "message", failure)), writes.log)
            if outcome.get("changed"):
                applied.append(entry["path"])
        summary.update({"changed": bool(applied), "paths": list(dict.fromkeys(applied))})
        return summary

    def failed(self, summary: dict[str, Any], message: str, log: list[dict[str, Any]]) -> dict[str, Any]:
        """A failure halfway is reported with what it changed: `changed` and every write the router took."""
        paths = list(dict.fromkeys(write["path"] for write in log))
        done = (
            f"{len(log)} writes were made before this failure, on {', '.join(paths)} (listed in `writes`)"
            if log
            else "nothing was written before this failure"
        )
        where = (
            f"the router as it was before this run is saved in {summary['backup']['path']}"
            if "backup" in summary
            else "no backup was taken (routeros_backup_enabled is false)"
        )
        return {
            **summary,
            "failed": True,
            "changed": bool(log),
            "paths": paths,
            "writes": log,
            "msg": f"{message} ({done}; {where}; fix the cause and rerun to finish, or restore: see "
            "README.md, 'When a run fails')",
        }

"""Bring a router to its planned state over one API session, inside the controller's own worker process.

The roles plan (each adds `{path, data, ...}` entries, api_modify's options); this action applies the whole
plan: it reads each path once, computes every change with community.routeros api_modify's own functions, so
its semantics are the module's (ownership by `restrict`, `handle_absent_entries`, `handle_entries_content`,
`ensure_order`, check mode and diff), refuses a change that would cut the play off the router, backs the
router up only when something is about to change (from that same read, plus `/export terse` over SSH), and
only then writes. A rerun with nothing to change costs one login and one print per path.

api_modify's functions are module internals, not a public interface: requirements.yml pins community.routeros
to exactly the version checked here, and tests/test_apply.py compares this action with the module itself.
"""

from __future__ import annotations

import copy
import importlib.util
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

# The community.routeros release whose api_modify internals this action drives (requirements.yml pins it).
COLLECTION_VERSION = "3.14.0"
OPTIONS = ("handle_absent_entries", "handle_entries_content", "ensure_order", "restrict")


def _sibling(name: str) -> ModuleType:
    """The backup helper, next to this file: Ansible loads each action plugin file on its own."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
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
    and applying them cost one print per path."""

    def __init__(self, api: Any, reads: dict[tuple[str, ...], list[dict[str, Any]]]) -> None:
        self._api = api
        self._reads = reads

    def path(self, *path: str) -> Any:
        return _PathReadOnce(self._api.path(*path), self._reads, tuple(path))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


class _PathReadOnce:
    def __init__(
        self, real: Any, reads: dict[tuple[str, ...], list[dict[str, Any]]], key: tuple[str, ...]
    ) -> None:
        self._real = real
        self._reads = reads
        self._key = key

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self._key in self._reads:
            return iter(copy.deepcopy(self._reads.pop(self._key)))
        rows = list(self._real)
        return iter(copy.deepcopy(rows))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._real(*args, **kwargs)

    def join(self, *parts: str) -> Any:
        """api_modify builds its path part by part (`api.path().join('ip').join('address')`)."""
        return type(self)(self._real.join(*parts), self._reads, self._key + parts)

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
    """api_modify for one path: its result (changed, old_data, new_data, diff), or a failure naming it."""
    path = entry["path"]
    params = {
        "path": path,
        "data": copy.deepcopy(entry.get("data") or []),
        "handle_absent_entries": entry.get("handle_absent_entries", "ignore"),
        "handle_entries_content": entry.get("handle_entries_content", "ignore"),
        "ensure_order": boolean(entry.get("ensure_order", False)),
        "handle_read_only": "error",
        "handle_write_only": "create_only",
        "restrict": [
            {"match_disabled": False, "invert": False, "values": None, "regex": None, **rule}
            for rule in entry.get("restrict") or []
        ]
        or None,
    }
    module = _Module(params, check_mode)
    versioned = PATHS.get(tuple(split_path(path)))
    if versioned is None:
        raise AnsibleActionFail(f"plan: the path {path!r} is not one community.routeros knows")
    if versioned.needs_version:
        supported, why = versioned.provide_version(version)
        if not supported:
            raise AnsibleActionFail(f"plan: the path {path!r} is not supported on RouterOS {version}: {why}")
    path_info = versioned.get_data()
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


def _guard(entry: dict[str, Any], result: dict[str, Any], host: str) -> None:
    """Refuse a change that would cut this play off the router before anything is written."""
    if entry.get("keep_address") and entry["path"] == "ip address":
        for removed in _removed_addresses(result):
            if str(removed.get("address", "")).split("/", maxsplit=1)[0] == entry["keep_address"]:
                raise AnsibleActionFail(
                    f"routeros_addresses_entries: removing {removed.get('address')} on "
                    f"{removed.get('interface')} would cut this play off from the router it connects to at "
                    f"{host}; keep it in routeros_addresses_entries or set "
                    "routeros_addresses_allow_management_change: true"
                )


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset({"roles", "connection", "backup"})

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = _plain(self._task.args)
        roles = [str(role) for role in args.get("roles") or []]
        inputs = _sibling("_routeros_inputs")
        plan: list[dict[str, Any]] = _plain(inputs.plan(self._templar, task_vars or {}, roles))
        for index, entry in enumerate(plan):
            unknown = set(entry) - {"path", "data", "keep_address", "existing", *OPTIONS}
            if "path" not in entry or unknown:
                raise AnsibleActionFail(
                    f"plan[{index}]: needs a path and api_modify's options, not {sorted(unknown)}"
                )
        settings = dict(args.get("connection") or {})
        backup = dict(args.get("backup") or {})
        check_mode = bool(self._task.check_mode)
        host = str((task_vars or {}).get("inventory_hostname", settings.get("hostname")))
        api = create_api(_Connection(settings))
        try:
            return {**result, **self._apply(api, plan, backup, host, settings, check_mode=check_mode)}
        finally:
            api.close()

    def _apply(
        self,
        api: Any,
        plan: list[dict[str, Any]],
        backup: dict[str, Any],
        host: str,
        settings: dict[str, Any],
        *,
        check_mode: bool,
    ) -> dict[str, Any]:
        version = api_modify.get_api_version(api) if any(self._needs_version(e) for e in plan) else ""
        recorder = _Recorder(api)
        dry = []
        for entry in plan:
            try:
                dry.append(_sync(recorder, entry, True, version))
            finally:
                # Named after the inventory field, whether or not api_modify noticed first.
                _check_existing(entry, recorder.reads.get(tuple(split_path(entry["path"])), []))
        for entry, outcome in zip(plan, dry, strict=True):
            _guard(entry, outcome, str(settings["hostname"]))
        changing = [entry for entry, outcome in zip(plan, dry, strict=True) if outcome.get("changed")]
        diffs = [
            {**outcome["diff"], "before_header": entry["path"], "after_header": entry["path"]}
            for entry, outcome in zip(plan, dry, strict=True)
            if outcome.get("changed") and "diff" in outcome
        ]
        summary: dict[str, Any] = {
            "changed": bool(changing),
            "diff": diffs,
            "paths": [e["path"] for e in changing],
        }
        store = _sibling("_routeros_backup")
        wanted = boolean(backup.get("enabled", False)) and bool(changing)
        if wanted and not check_mode:
            document = store.document(recorder.reads, plan, version)
            summary["backup"] = store.save(host, backup, document, settings)
        if not changing or check_mode:
            return summary
        # A write can change other paths (a renamed port is renamed in every reference to it): the first path
        # to change uses the read already made, every later path is read again before it is applied.
        first = plan.index(changing[0])
        applied: list[str] = []
        fresh = _ReadOnce(api, {key: rows for key, rows in recorder.reads.items()})
        for entry in plan[first:]:
            try:
                outcome = _sync(fresh if not applied else api, entry, False, version)
            except AnsibleActionFail as failure:
                done = ", ".join(applied) or "nothing"
                raise AnsibleActionFail(
                    f"{failure.message} (already applied before this failure: {done})"
                ) from None
            if outcome.get("changed"):
                applied.append(entry["path"])
        summary.update({"changed": bool(applied), "paths": applied})
        return summary

    @staticmethod
    def _needs_version(entry: dict[str, Any]) -> bool:
        versioned = PATHS.get(tuple(split_path(entry["path"])))
        return versioned is not None and versioned.needs_version

"""One emulated router: its state, its menus' behaviour, and the commands that act on them.

Front ends (the API session, the script engine, SSH) call `execute`; they never touch state directly.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab import errors, policies, storage
from lab.clock import Clock
from lab.faults import ApiFaults
from lab.jobs import JobTable, ScriptRunner
from lab.menus import registry
from lab.menus.base import ID_WORDS, MenuSpec, Props, Result, convert
from lab.model import Item, State
from lab.network import Network, Uplink
from lab.schema import Command, tree
from lab.stats import ApiStats, FileStats

# Menus that list what happens rather than what is configured: `dump` leaves them out.
_ACTIVITY = ("log", "system/script/job")


@dataclass
class Router:
    index: int
    address: str
    version: str = "7.21.4"
    state_path: Path | None = None
    admin_user: str = "admin"
    admin_password: str = "lab-admin"
    state: State = field(default_factory=State)
    booted_at: float = field(default_factory=time.monotonic)
    uplink: Uplink = field(default_factory=Uplink)
    # The lab's virtual network (shared by the lab's routers): monitored hosts and the virtual Internet.
    network: Network = field(default_factory=Network)
    clock: Clock = field(default_factory=Clock)
    log_limit: int = 1000
    # Volatile results of Netwatch probes by entry id; a reboot clears them.
    netwatch_results: dict[str, Props] = field(default_factory=dict)
    # Scripts run in worker threads, as RouterOS runs them beside the API; every command takes this lock.
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Set by lab.script.runner.install: (router, source, variables, user, policies=None, *, job=None).
    script_runner: ScriptRunner | None = None
    # The scripts running now (/system/script/job); a boot stops them all.
    script_jobs: JobTable = field(default_factory=JobTable)
    on_reboot: list[Callable[[Router], None]] = field(default_factory=list)
    # What API clients asked of this router, for `ctl stats`; kept across reboots.
    api_stats: ApiStats = field(default_factory=ApiStats)
    # API commands to refuse once (`ctl refuse`), to test how a client fails halfway; kept across reboots.
    api_faults: ApiFaults = field(default_factory=ApiFaults)
    # What the router wrote to its files, for `ctl stats`; kept across reboots.
    file_stats: FileStats = field(default_factory=FileStats)
    # File changes a write-back cache may still hold (`ctl powercut` spoils them); a boot forgets them.
    file_journal: storage.FileJournal = field(default_factory=storage.FileJournal)
    # The board `serve --board` asks for (lab.storage.BOARDS); empty keeps the one the saved state names.
    board: str = ""

    def __post_init__(self) -> None:
        self.clock.version = self.version
        if not self.uplink.lease_address:
            # Documentation range (RFC 5737): a lease on the virtual uplink, never a real network.
            self.uplink.lease_address = f"198.51.100.{10 + self.index % 240}/24"
            self.uplink.gateway = "198.51.100.1"
            self.uplink.dns = "198.51.100.1"
        loaded = State.load(self.state_path) if self.state_path else None
        if loaded is None:
            self.factory_defaults()
        else:
            self.state = loaded
        if self.board:
            storage.set_board(self.state, self.board, self.clock.stamp())
        self.boot("router started")

    # ----- lifecycle

    def factory_defaults(self) -> None:
        self.state = State()
        for spec in registry.SPECS.values():
            if spec.initial is None:
                continue
            for props in spec.initial(self):
                if spec.single:
                    self.state.single(spec.storage).update(props)
                else:
                    table = self.state.table(spec.storage)
                    table.items.append(Item(id=table.new_id(), props=dict(props)))

    def boot(self, reason: str = "router rebooted") -> None:
        self.script_jobs.stop_all(self)
        self.state.drop_dynamic()
        self.netwatch_results.clear()
        self.booted_at = time.monotonic()
        for spec in registry.SPECS.values():
            if spec.boot is not None:
                spec.boot(self)
        self.log("system,info", reason)

    def reboot(self) -> None:
        with self.lock:
            self.save()
            for callback in list(self.on_reboot):
                callback(self)
            self.boot()

    def save(self) -> None:
        if self.state_path is not None:
            self.state.save(self.state_path)

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.version.split(".") if part.isdigit())

    @property
    def uptime_ms(self) -> int:
        return int((time.monotonic() - self.booted_at) * 1000)

    # ----- users

    def authenticate(self, name: str, password: str, policy: str = "api", peer: str | None = None) -> bool:
        """Whether `name` may log in with `password` by the service whose login `policy` (api, ssh) the
        user's group must grant, from `peer` when the user has an `address` list (manual, User: "address -
        host or network address from which the user is allowed to log in")."""
        user = self.find_by(registry.SPECS["user"], "name", name)
        if user is None or user.props.get("disabled") == "true":
            return False
        if user.props.get("password", "") != password:
            return False
        allowed = [part for part in user.props.get("address", "").split(",") if part]
        if peer is not None and allowed:
            source = ipaddress.ip_address(peer)
            if not any(source in ipaddress.ip_network(part, strict=False) for part in allowed):
                return False
        group = self.find_by(registry.SPECS["user/group"], "name", user.props.get("group", ""))
        return group is not None and policy in policies.granted(group.props.get("policy", ""))

    # ----- reading

    def spec(self, path: str) -> MenuSpec:
        spec = registry.SPECS.get(path)
        if spec is None:
            raise errors.not_supported(f"/{path}")
        return spec

    def items(self, spec: MenuSpec) -> list[Item]:
        items = self.state.table(spec.storage).items
        if spec.type_filter:
            return [item for item in items if item.props.get("type") == spec.type_filter]
        return list(items)

    def find_by(self, spec: MenuSpec, prop: str, value: str) -> Item | None:
        return next((item for item in self.items(spec) if item.props.get(prop) == value), None)

    def printed(self, spec: MenuSpec, item: Item | None) -> Props:
        stored = self.state.single(spec.storage) if item is None else item.props
        row: Props = {} if item is None else {".id": item.id}
        row.update(spec.defaults)
        row.update({k: v for k, v in stored.items() if k not in spec.secret})
        if item is not None:
            row["dynamic"] = "true" if item.dynamic else "false"
        if spec.derive is not None and item is not None:
            row.update(spec.derive(self, item))
        elif spec.derive is not None:
            row.update(spec.derive(self, Item(id="", props=stored)))
        visible = set(tree().printable(spec.segments))
        if visible:
            row = {k: v for k, v in row.items() if k == ".id" or k in visible}
        lacking = tree().lacking(spec.segments)
        return {k: v for k, v in row.items() if k not in lacking} if lacking else row

    def rows(self, path: str) -> list[Props]:
        spec = self.spec(path)
        with self.lock:
            if spec.single:
                return [self.printed(spec, None)]
            return [self.printed(spec, item) for item in self.items(spec)]

    def resolve(self, spec: MenuSpec, reference: str) -> Item:
        """An item named by its id (`*1A`) or, where the menu has names, by its name."""
        for item in self.items(spec):
            if item.id == reference or (reference and item.props.get("name") == reference):
                return item
        raise errors.no_such_item()

    def names(self, kind: str) -> set[str]:
        spec = registry.SPECS[registry.REFERENCE_MENUS[kind]]
        found = {item.props.get("name", "") for item in self.items(spec)}
        return found | registry.BUILTIN_NAMES.get(kind, set())

    # ----- commands

    def implements(self, path: str, command: str) -> bool:
        """Whether `command` of the menu at `path` is one the lab carries out (a registered menu names it as
        generic or custom); every other command of the command tree is refused as not supported in the lab."""
        spec = registry.SPECS.get(path)
        return spec is not None and spec.implements(command) and _tree_command(path, command) is not None

    def execute(self, path: str, command: str, args: Props) -> Result:
        spec = registry.SPECS.get(path)
        if spec is not None and command in spec.unlocked:
            return self._execute(path, command, args)
        with self.lock:
            return self._execute(path, command, args)

    def _execute(self, path: str, command: str, args: Props) -> Result:
        schema_command = _tree_command(path, command)
        if schema_command is None:
            raise errors.no_such_command()
        spec = registry.SPECS.get(path)
        if spec is None or not spec.implements(command):
            raise errors.not_supported(command_name(path, command))
        _check_options(spec, schema_command, args)
        if command in spec.commands:
            return _as_result(spec.commands[command](self, args))
        handlers: dict[str, Callable[[MenuSpec, Command, Props], Result]] = {
            "print": self._print,
            "add": self._add,
            "set": self._set,
            "remove": self._remove,
            "enable": self._enable,
            "disable": self._disable,
            "comment": self._comment,
            "move": self._move,
            "unset": self._unset,
            "get": self._get,
            "find": self._find,
        }
        result = handlers[command](spec, schema_command, args)
        if command not in ("print", "get", "find"):
            self.save()
        return result

    def _print(self, spec: MenuSpec, command: Command, args: Props) -> Result:
        """Every row, or those `from=` names; the firewall's `static`/`dynamic` and `chain=` filter (with
        none of them the API prints dynamic rules too). `count-only` and `proplist` shape the API's reply
        (lab.api); the console forms (`detail`, `terse`, ...) change nothing in rows."""
        rows = self.rows(spec.path)
        if "from" in args:
            wanted = {self.resolve(spec, ref).id for ref in args["from"].split(",") if ref}
            rows = [row for row in rows if row.get(".id") in wanted]
        if "static" in args and "dynamic" not in args and "all" not in args:
            rows = [row for row in rows if row.get("dynamic") != "true"]
        elif "dynamic" in args and "static" not in args and "all" not in args:
            rows = [row for row in rows if row.get("dynamic") == "true"]
        if "chain" in args:
            rows = [row for row in rows if row.get("chain") == args["chain"]]
        return Result(rows=rows)

    def _find(self, spec: MenuSpec, command: Command, args: Props) -> Result:
        return Result(ret=";".join(row[".id"] for row in self.rows(spec.path)))

    def _get(self, spec: MenuSpec, command: Command, args: Props) -> Result:
        name = args.get("value-name", "")
        if spec.single:
            row = self.printed(spec, None)
        else:
            row = self.printed(spec, self.resolve(spec, _target(args)))
        if name not in row:
            raise errors.no_match("value-name")
        return Result(ret=row[name])

    def _validated(self, spec: MenuSpec, command: Command, args: Props) -> tuple[Props, list[str]]:
        """Arguments as the router stores them, and the names to unset (`!name` on the API)."""
        clean: Props = {}
        unset: list[str] = []
        for name, raw in args.items():
            if name in ID_WORDS or (name == "place-before" and command.name == "add"):
                continue
            if name.startswith("!"):
                if name[1:] not in command.arguments:
                    raise errors.unknown_parameter(name[1:])
                unset.append(name[1:])
                continue
            argument = command.arguments.get(name)
            if argument is None:
                raise errors.unknown_parameter(name)
            value = convert(spec, argument, name, raw)
            if name == "comment" and value == "":
                # An empty comment is no comment: a router's print lists none (lab/README.md, "Comments").
                unset.append(name)
                continue
            kind = spec.refs.get(name)
            if kind and value and value not in self.names(kind):
                raise errors.no_match(name)
            clean[name] = value
        return clean, unset

    def _add(self, spec: MenuSpec, command: Command, args: Props) -> Result:
        props, _ = self._validated(spec, command, args)
        for name in command.required:
            if name not in props:
                raise errors.missing_value(name)
        if "name" in command.arguments and "name" not in props and spec.unnamed != "optional":
            if spec.unnamed == "refuse":
                raise errors.not_supported(f"{command_name(spec.path, 'add')} without name=")
            taken = {item.props.get("name") for item in self.state.table(spec.storage).items}
            props["name"] = next(
                f"{spec.unnamed}{n}" for n in range(1, len(taken) + 2) if f"{spec.unnamed}{n}" not in taken
            )
        if "copy-from" in props:
            source = self.resolve(spec, props.pop("copy-from"))
            props = {**source.props, **props}
        if spec.type_filter:
            props["type"] = spec.type_filter
        # `place-before`: the new item goes before the one named, as `move` would put it.
        before = self.resolve(spec, args["place-before"]) if args.get("place-before") else None
        self._check(spec, props, None)
        table = self.state.table(spec.storage)
        item = Item(id=table.new_id(), props=props)
        table.items.insert(table.items.index(before) if before is not None else len(table.items), item)
        if spec.after is not None:
            spec.after(self, item, "add")
        return Result(ret=item.id)

    def _set(self, spec: MenuSpec, command: Command, args: Props) -> Result:
        props, unset = self._validated(spec, command, args)
        if spec.single:
            current = self.state.single(spec.storage)
            merged = {k: v for k, v in {**current, **props}.items() if k not in unset}
            self._check(spec, merged, None)
            current.clear()
            current.update(merged)
            if spec.after is not None:
                spec.after(self, Item(id="", props=current), "set")
            return Result()
        targets = [self.resolve(spec, ref) for ref in _targets(args)]
        for item in targets:
            if item.dynamic:
                raise errors.failure(spec.dynamic_refusal)
            merged = {k: v for k, v in {**item.props, **props}.items() if k not in unset}
            self._check(spec, merged, item)
        for item in targets:
            old_name = item.props.get("name")
            item.props = {k: v for k, v in {**item.props, **props}.items() if k not in unset}
            if old_name and item.props.get("name") != old_name:
                self._rename(spec, old_name, item.props["name"])
            if spec.after is not None:
                spec.after(self, item, "set")
        return Result()

    def _unset(self, spec: MenuSpec, command: Command, args: Props) -> Result:
        """`unset value-name=x` is `set !x=`: the properties it may clear are those `set` takes."""
        names = [n for n in args.get("value-name", "").split(",") if n]
        setter = tree().command(spec.segments, "set")
        if setter is None or not names:
            raise errors.missing_value("value-name")
        kept = {k: v for k, v in args.items() if k != "value-name"}
        return self._set(spec, setter, {**kept, **{f"!{n}": "" for n in names}})

    def _remove(self, spec: MenuSpec, command: Command, args: Props) -> Result:
        targets = [self.resolve(spec, ref) for ref in _targets(args)]
        for item in targets:
            if item.dynamic:
                raise errors.failure("can not remove dynamic item")
            reason = spec.protect(item) if spec.protect else None
            if reason:
                raise errors.failure(reason)
        table = self.state.table(spec.storage)
        for item in targets:
            table.items.remove(item)
            if spec.after is not None:
                spec.after(self, item, "remove")
        return Result()

    def _toggle(self, spec: MenuSpec, command: Command, args: Props, disabled: str) -> Result:
        for item in [self.resolve(spec, ref) for ref in _targets(args)]:
            if item.dynamic:
                raise errors.failure(spec.dynamic_refusal)
            item.props["disabled"] = disabled
            if spec.after is not None:
                spec.after(self, item, "set")
        return Result()

    def _enable(self, spec: MenuSpec, command: Command, args: Props) -> Result:
        return self._toggle(spec, command, args, "false")

    def _disable(self, spec: MenuSpec, command: Command, args: Props) -> Result:
        return self._toggle(spec, command, args, "true")

    def _comment(self, spec: MenuSpec, command: Command, args: Props) -> Result:
        for item in [self.resolve(spec, ref) for ref in _targets(args)]:
            item.props["comment"] = args.get("comment", "")
        return Result()

    def _move(self, spec: MenuSpec, command: Command, args: Props) -> Result:
        moving = [self.resolve(spec, ref) for ref in _targets(args)]
        table = self.state.table(spec.storage)
        destination = args.get("destination")
        anchor = self.resolve(spec, destination) if destination else None
        remaining = [item for item in table.items if item not in moving]
        position = remaining.index(anchor) if anchor is not None and anchor in remaining else len(remaining)
        table.items = remaining[:position] + moving + remaining[position:]
        return Result()

    def _check(self, spec: MenuSpec, props: Props, current: Item | None) -> None:
        for rule in spec.unique:
            key = tuple(props.get(f) for f in rule.fields)
            if any(part is None for part in key):
                continue
            for other in self.items(spec):
                if other is current:
                    continue
                if tuple(other.props.get(f) for f in rule.fields) == key:
                    raise errors.failure(rule.message)
        if spec.check is not None:
            spec.check(self, props, current)

    def _rename(self, spec: MenuSpec, old: str, new: str) -> None:
        """References follow a rename, as on a router, where they point at the item and not its name."""
        kind = registry.kind_of(spec)
        if kind is None:
            return
        for other in registry.SPECS.values():
            fields = [name for name, target in other.refs.items() if target == kind]
            if not fields or other.single:
                continue
            for item in self.state.table(other.storage).items:
                for name in fields:
                    if item.props.get(name) == old:
                        item.props[name] = new

    # ----- helpers for menu behaviour

    def add_dynamic(self, path: str, props: Props, owner: str) -> Item:
        spec = self.spec(path)
        table = self.state.table(spec.storage)
        item = Item(id=table.new_id(), props=props, dynamic=True, owner=owner)
        table.items.append(item)
        return item

    def drop_owned(self, owner: str) -> None:
        for table in self.state.tables.values():
            table.items = [item for item in table.items if item.owner != owner]

    def log(self, topics: str, message: str) -> None:
        table = self.state.table("log")
        clock = self.clock.stamp()
        table.items.append(
            Item(id=table.new_id(), props={"time": clock, "topics": topics, "message": message}, dynamic=True)
        )
        if len(table.items) > self.log_limit:
            del table.items[0]

    def dump(self) -> dict[str, Any]:
        """The whole configuration as the API prints it, menu by menu."""
        with self.lock:
            return {
                path: self.rows(path)[0] if spec.single else self.rows(path)
                for path, spec in registry.SPECS.items()
                if path not in _ACTIVITY and tree().command(spec.segments, "print") is not None
            }


def command_name(path: str, command: str) -> str:
    """How a refusal names a command: `/ip/address/export`, `/ping` at the root."""
    return f"/{path}/{command}" if path else f"/{command}"


def _tree_command(path: str, command: str) -> Command | None:
    return tree().command(tuple(part for part in path.split("/") if part), command)


def _check_options(spec: MenuSpec, command: Command, args: Props) -> None:
    """An argument the command tree does not give the command is unknown, as on a router; one it gives but the
    lab does not implement (a print option such as `follow`, fetch's `user`) is refused, naming it."""
    implemented = spec.implemented_options(command.name)
    for name in args:
        if name in ID_WORDS:
            continue
        bare = name[1:] if name.startswith("!") and command.name == "set" else name
        if bare not in command.arguments:
            raise errors.unknown_parameter(bare)
        if implemented is not None and bare not in implemented:
            raise errors.not_supported(f"{command_name(spec.path, command.name)} {bare}")


def _targets(args: Props) -> list[str]:
    for word in ID_WORDS:
        if word in args:
            return [part for part in args[word].split(",") if part]
    raise errors.missing_value("numbers")


def _target(args: Props) -> str:
    """The one item a command names; `get [find ...]` that found nothing names none, as on a router."""
    targets = _targets(args)
    if not targets:
        raise errors.no_such_item()
    return targets[0]


def _as_result(value: Any) -> Result:
    if isinstance(value, Result):
        return value
    if value is None:
        return Result()
    if isinstance(value, list):
        return Result(rows=value)
    return Result(ret=str(value))

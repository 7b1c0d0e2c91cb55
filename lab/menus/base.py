"""What a menu is: the declarative description every lab menu fills in, the value checks they share, and
what a menu may ask of the router it runs on (RouterView).

The menus sit below lab.router, which carries out their commands: they name the router they act on by the
RouterView protocol, which lab.router.Router implements, and never import lab.router.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from lab import errors, values
from lab.jobs import JobHost
from lab.model import Item, Props
from lab.network import Network, Uplink
from lab.schema import Argument
from lab.stats import FileStats
from lab.storage import FileJournal

__all__ = ["Props", "Result", "RouterView"]


@dataclass
class Result:
    """What a command answers: rows (print, fetch), or a value (`ret`: an id, a count), or nothing."""

    rows: list[Props] | None = None
    ret: str | None = None


class RouterView(JobHost, Protocol):
    """What menus (and lab.fetch, which /tool/fetch runs) ask of a router; lab.router.Router is one."""

    address: str
    version: str
    admin_user: str
    admin_password: str
    uplink: Uplink
    network: Network
    netwatch_results: dict[str, Props]
    file_journal: FileJournal
    file_stats: FileStats

    @property
    def version_tuple(self) -> tuple[int, ...]: ...

    @property
    def uptime_ms(self) -> int: ...

    def spec(self, path: str) -> MenuSpec: ...

    def items(self, spec: MenuSpec) -> list[Item]: ...

    def find_by(self, spec: MenuSpec, prop: str, value: str) -> Item | None: ...

    def printed(self, spec: MenuSpec, item: Item | None) -> Props: ...

    def resolve(self, spec: MenuSpec, reference: str) -> Item: ...

    def names(self, kind: str) -> set[str]: ...

    def execute(self, path: str, command: str, args: Props) -> Result: ...

    def save(self) -> None: ...

    def drop_owned(self, owner: str) -> None: ...


Check = Callable[[RouterView, Props, Item | None], None]
Derive = Callable[[RouterView, Item], Props]
Hook = Callable[[RouterView, Item, str], None]
CommandHandler = Callable[[RouterView, Props], Any]

# Value kinds a menu can name for a property where the command tree's type text is not enough.
KINDS = (
    "bool",
    "duration",
    "int",
    "ipv4",
    "ip",
    "ip-list",
    "address",
    "prefix",
    "enum",
    "enum-list",
    "state-list",
    "address-list",
    "port-range",
    "text",
)

# The commands lab.router implements for any menu from its MenuSpec (a menu takes those `generic` names).
GENERIC = frozenset(
    {"print", "add", "set", "remove", "enable", "disable", "comment", "move", "unset", "get", "find"}
)
READ_ONLY = frozenset({"print", "get", "find"})
# Words that name items rather than being arguments: every command takes them.
ID_WORDS = (".id", "numbers", "number")
# Arguments of print the lab implements. Over the API, `detail`, `brief`, `terse`, `without-paging` and
# `as-value` change nothing (an API reply always carries every property); `count-only` and `proplist` shape
# the reply (lab.api); `from` keeps the items it names; the firewall's `all`, `static`, `dynamic` and `chain`
# filter. Everything else (`follow`, `interval`, `file`, `where` as an argument, `value-list`, `stats`, ...)
# is refused.
PRINT_OPTIONS = frozenset(
    {
        "as-value",
        "without-paging",
        "detail",
        "brief",
        "terse",
        "count-only",
        "proplist",
        "from",
        "all",
        "static",
        "dynamic",
        "chain",
    }
)
# The arguments of generic commands that are options rather than properties, as far as the lab implements
# them; add, set, unset, remove, enable, disable, comment and move take properties and item numbers only
# (add's `copy-from` and `place-before` are implemented), so every argument the tree gives them is.
GENERIC_OPTIONS: dict[str, frozenset[str]] = {
    "print": PRINT_OPTIONS,
    # Over the API `find` takes nothing the lab implements (scripts run their own find with conditions).
    "find": frozenset(),
    # `as-string`: the API's `ret` is text already; a script gets the text as a string (lab.script.menu).
    "get": frozenset({"value-name", "as-string"}),
}


@dataclass(frozen=True)
class Unique:
    fields: tuple[str, ...]
    message: str


@dataclass
class MenuSpec:
    path: str
    single: bool = False
    # Storage shared by several views (all /interface menus share one table, as interface ids do on a router).
    table: str = ""
    type_filter: str = ""
    defaults: Props = field(default_factory=dict)
    # property -> one of KINDS: how `convert` checks an argument; "text" also tells scripts to read the
    # property as a string whatever it holds (lab.script.properties), read-only properties included.
    kinds: dict[str, str] = field(default_factory=dict)
    # property -> what it names: "interface", "interface-list", "bridge", "user-group"
    refs: dict[str, str] = field(default_factory=dict)
    unique: tuple[Unique, ...] = ()
    # Properties printed only while set; everything else prints its default.
    check: Check | None = None
    derive: Derive | None = None
    after: Hook | None = None
    initial: Callable[[RouterView], list[Props]] | None = None
    boot: Callable[[RouterView], None] | None = None
    commands: dict[str, CommandHandler] = field(default_factory=dict)
    # Custom commands that wait on the (virtual) network: they take the router lock only around state access,
    # so the router keeps answering while a fetch waits.
    unlocked: frozenset[str] = frozenset()
    # Why an item may not be removed, or None.
    protect: Callable[[Item], str | None] | None = None
    # What the router answers when a command would change a dynamic item of this menu.
    dynamic_refusal: str = "can not change dynamic"
    # Properties never printed (a user's password) or kept only for the lab's own bookkeeping.
    secret: frozenset[str] = frozenset()
    # The generic commands (GENERIC) this menu takes; a command of the command tree that neither this set nor
    # `commands` names is refused as not supported in the lab (read-only menus take READ_ONLY).
    generic: frozenset[str] = GENERIC
    # What `add` without `name=` does where the command tree does not require a name: "optional" (items may
    # have none), "refuse" (the lab does not know how RouterOS names the item, so it refuses), or the prefix
    # RouterOS numbers from 1 (`bridge` gives bridge1, then bridge2).
    unnamed: str = "optional"
    # For each custom command, the arguments (besides item numbers) its handler implements; the router refuses
    # the command tree's other arguments as not supported. A custom command not listed here takes no arguments
    # but item numbers.
    options: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))

    @property
    def storage(self) -> str:
        return self.table or self.path

    def implements(self, command: str) -> bool:
        return command in self.commands or command in self.generic

    def implemented_options(self, command: str) -> frozenset[str] | None:
        """The options of `command` the lab implements, or None when every argument the tree gives it is."""
        if command in self.commands:
            return self.options.get(command, frozenset())
        return GENERIC_OPTIONS.get(command)


def reset_counters(path: str) -> CommandHandler:
    """`reset-counters`: the lab forwards no packets, so every counter is 0 already; the items must exist."""

    def reset(router: RouterView, args: Props) -> None:
        references = next((args[word] for word in ID_WORDS if word in args), None)
        if references is None:
            raise errors.missing_value("numbers")
        spec = router.spec(path)
        for reference in (part for part in references.split(",") if part):
            router.resolve(spec, reference)

    return reset


def reset_all_counters(router: RouterView, args: Props) -> None:
    """`reset-counters-all` of the firewall: every counter is 0 in the lab already."""


def convert(spec: MenuSpec, argument: Argument | None, name: str, raw: str) -> str:
    """Normalise one value as the router stores and prints it, or raise the router's error."""
    kind = spec.kinds.get(name, "") or (
        argument.gap if argument is not None and argument.gap != "enum" else ""
    )
    try:
        if kind == "bool" or (not kind and argument is not None and argument.is_bool):
            # The command tree lists yes/no as a closed enumeration; true/false are accepted as synonyms.
            try:
                return values.to_bool(raw)
            except ValueError:
                raise errors.no_match(name) from None
        if kind == "duration":
            printed = values.to_duration(raw)
            # The release's tree gives the range (Netwatch interval 1s..71w2h27m52s950ms, lab.schema).
            if argument is not None and not argument.admits_duration(values.parse_duration_ms(raw)):
                raise errors.invalid_value(name, raw)
            return printed
        if kind == "port-range":
            return values.to_port_range(raw)
        if kind == "ipv4":
            return values.to_ipv4(raw)
        if kind == "ip":
            return values.to_ip(raw)
        if kind == "ip-list":
            return values.to_ip_list(raw)
        if kind == "address":
            return values.to_interface_address(raw)[0]
        if kind == "prefix":
            return values.to_prefix(raw)
        if kind == "enum-list":
            allowed = _listed_values(argument)
            parts = [part for part in raw.split(",") if part]
            for part in parts:
                if part not in allowed:
                    raise errors.no_match(name)
            return ",".join(parts)
        if kind == "state-list":
            return _state_list(argument, name, raw)
        if kind == "enum":
            if argument is not None and raw not in argument.values:
                raise errors.no_match(name)
            return raw
        if kind == "address-list":
            return ",".join(_prefix_or_address(part) for part in raw.split(",") if part)
        if kind == "text":
            return raw
    except ValueError:
        raise errors.invalid_value(name, raw) from None
    if argument is None:
        return raw
    if argument.closed and argument.values and raw not in argument.values:
        raise errors.no_match(name)
    bounds = argument.int_range()
    if bounds is not None:
        try:
            return values.to_int(raw, *bounds)
        except ValueError:
            raise errors.invalid_value(name, raw) from None
    if argument.type_text == "A.B.C.D (IP address)":
        try:
            return values.to_ipv4(raw)
        except ValueError:
            raise errors.invalid_value(name, raw) from None
    return raw


def _listed_values(argument: Argument | None) -> set[str]:
    """The values a list argument takes. The tree lists a type's placeholder word among them (`State` in
    `a|b|c[,State*]`, `Protocol`), which is no value: every value RouterOS lists there is lower case."""
    return {value for value in (argument.values if argument else ()) if not value[:1].isupper()}


def _state_list(argument: Argument | None, name: str, raw: str) -> str:
    """A firewall matcher's `[!]State; a|b|c[,State*]` (connection-state, connection-nat-state): a list of the
    tree's values, negated as a whole by one leading `!`."""
    parts = raw.removeprefix("!").split(",")
    if any(part not in _listed_values(argument) for part in parts):
        raise errors.no_match(name)
    return raw


def _prefix_or_address(text: str) -> str:
    """An entry of an allowed-address list: `192.168.88.0/24`, `2001:db8::/32` or a single address (RouterOS
    takes IPv6 prefixes there too, manual "Services": "IP/IPv6 prefixes")."""
    if ":" in text:
        return values.to_ipv6_prefix(text)
    return values.to_prefix(text) if "/" in text else values.to_ipv4(text)

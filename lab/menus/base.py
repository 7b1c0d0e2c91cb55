"""What a menu is: the declarative description every lab menu fills in, and the value checks they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lab import errors, values
from lab.schema import Argument

if TYPE_CHECKING:
    from lab.model import Item
    from lab.router import Router

Props = dict[str, str]
Check = Callable[["Router", Props, "Item | None"], None]
Derive = Callable[["Router", "Item"], Props]
Hook = Callable[["Router", "Item", str], None]
CommandHandler = Callable[["Router", Props], Any]

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
    "address-list",
    "text",
)


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
    initial: Callable[[Router], list[Props]] | None = None
    boot: Callable[[Router], None] | None = None
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

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))

    @property
    def storage(self) -> str:
        return self.table or self.path


def convert(spec: MenuSpec, argument: Argument | None, name: str, raw: str) -> str:
    """Normalise one value as the router stores and prints it, or raise the router's error."""
    kind = spec.kinds.get(name, "")
    try:
        if kind == "bool" or (not kind and argument is not None and argument.is_bool):
            # The command tree lists yes/no as a closed enumeration; true/false are accepted as synonyms.
            try:
                return values.to_bool(raw)
            except ValueError:
                raise errors.no_match(name) from None
        if kind == "duration":
            return values.to_duration(raw)
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
            allowed = set(argument.values) if argument else set()
            parts = [part for part in raw.split(",") if part]
            for part in parts:
                if part not in allowed:
                    raise errors.no_match(name)
            return ",".join(parts)
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


def _prefix_or_address(text: str) -> str:
    """An entry of an allowed-address list: `192.168.88.0/24` or a single address."""
    return values.to_prefix(text) if "/" in text else values.to_ipv4(text)

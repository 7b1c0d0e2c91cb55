"""The one place that knows routeros-lsp: the real RouterOS 7 command tree, asked about menus and arguments.

Everything else in the lab asks this module, so a routeros-lsp upgrade touches only this file. The tree lacks
a few facts the manual documents (GAPS, below); they are applied here, so the lab and the controller's checks
(filter_plugins/routeros_schema.json, exported from this module by scripts/routeros_schema.py) see one
schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from routeros_lsp.schema.schema import Schema, match_name


@dataclass(frozen=True)
class Gap:
    """A fact the command tree lacks for one argument, as the RouterOS manual documents it.

    kind "enum": the tree lists the values only as completions (no `x`), yet a router answers `input does not
    match any value` for any other word; "duration": the tree names the type (`Ttl`) without saying it is a
    time; "port-range": the tree types it as one number, yet a router takes `8000-8080` (NAT to-ports).
    """

    kind: str
    source: str


# (menu, argument) -> the fact; menu "" applies to every menu with that argument.
GAPS: dict[tuple[str, str], Gap] = {
    ("", "arp"): Gap("enum", "manual, Ethernet and Bridge: arp is one of the listed ARP modes"),
    ("interface/bridge", "protocol-mode"): Gap("enum", "manual, Bridging: protocol-mode none|rstp|stp|mstp"),
    ("ip/firewall/nat", "action"): Gap("enum", "manual, NAT: the action list is closed"),
    ("ip/firewall/filter", "action"): Gap("enum", "manual, Filter: the action list is closed"),
    ("ip/dhcp-client", "add-default-route"): Gap("enum", "manual, DHCP client: yes|no|special-classless"),
    ("ip/dns/static", "type"): Gap("enum", "manual, DNS static: the record types listed"),
    ("ip/dns/static", "ttl"): Gap("duration", "manual, DNS static: ttl (time; default 1d)"),
    ("ip/firewall/nat", "to-ports"): Gap("port-range", "manual, NAT: to-ports takes a port or a range"),
}


@dataclass(frozen=True)
class Argument:
    name: str
    type_text: str
    values: tuple[str, ...]
    closed: bool  # True when `values` is the complete list a router accepts
    flag: bool
    gap: str = ""  # GAPS' kind for this argument, if any

    @property
    def is_bool(self) -> bool:
        return self.closed and set(self.values) == {"no", "yes"}

    def int_range(self) -> tuple[int, int] | None:
        if self.gap:
            return None
        found = re.fullmatch(r"Num; (\d+)\.\.(\d+) \(integer number\)", self.type_text)
        return (int(found.group(1)), int(found.group(2))) if found else None

    def facts(self) -> dict[str, Any]:
        """What a value must be, as plain data: the kind (bool, int, enum, duration, port-range or text),
        the values of an enumeration, the range of a number."""
        bounds = self.int_range()
        if self.is_bool:
            return {"kind": "bool"}
        if self.gap and self.gap != "enum":
            return {"kind": self.gap}
        if self.closed and self.values:
            return {"kind": "enum", "values": list(self.values)}
        if bounds is not None:
            return {"kind": "int", "range": list(bounds)}
        return {"kind": "text"}


@dataclass(frozen=True)
class Command:
    menu: tuple[str, ...]
    name: str
    arguments: dict[str, Argument]
    required: tuple[str, ...]


class CommandTree:
    def __init__(self, schema: Schema) -> None:
        self._root: dict[str, Any] = schema.root
        self.version = schema.version

    def _node(self, path: tuple[str, ...]) -> dict[str, Any] | None:
        node = self._root
        for part in path:
            child = node.get("c", {}).get(part)
            if child is None:
                return None
            node = child
        return node

    def is_menu(self, path: tuple[str, ...]) -> bool:
        node = self._node(path)
        return node is not None and not node.get("k")

    def split(self, words: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
        """Split an absolute command path into (menu, command) using exact names, as the API requires."""
        if not words:
            return None
        menu, command = words[:-1], words[-1]
        node = self._node(menu)
        if node is None or node.get("k"):
            return None
        child = node.get("c", {}).get(command)
        if child is None or not child.get("k"):
            return None
        return menu, command

    def resolve_prefix(self, menu: tuple[str, ...], word: str) -> str | None:
        """Scripts and the console accept an unambiguous prefix of a menu or command name."""
        node = self._node(menu)
        if node is None:
            return None
        found = match_name(node.get("c"), word)
        return found.name if found.kind == "found" else None

    def commands(self, menu: tuple[str, ...]) -> list[str]:
        node = self._node(menu) or {}
        return [name for name, child in node.get("c", {}).items() if child.get("k")]

    def submenus(self, menu: tuple[str, ...]) -> list[str]:
        node = self._node(menu) or {}
        return [name for name, child in node.get("c", {}).items() if not child.get("k")]

    def menus(self) -> list[tuple[str, ...]]:
        """Every menu of the tree, the root `()` first, each before the menus below it."""
        found: list[tuple[str, ...]] = []
        pending: list[tuple[str, ...]] = [()]
        while pending:
            menu = pending.pop(0)
            found.append(menu)
            pending.extend((*menu, name) for name in sorted(self.submenus(menu)))
        return found

    def command(self, menu: tuple[str, ...], name: str) -> Command | None:
        node = self._node((*menu, name))
        if node is None or not node.get("k"):
            return None
        where = "/".join(menu)
        args = {}
        for arg, info in node.get("a", {}).items():
            gap = GAPS.get((where, arg)) or GAPS.get(("", arg))
            args[arg] = Argument(
                name=arg,
                type_text=str(info.get("t", "")),
                values=tuple(info.get("e", ())),
                closed=bool(info.get("x")) or (gap is not None and gap.kind == "enum"),
                flag=bool(info.get("f")),
                gap=gap.kind if gap else "",
            )
        return Command(menu=menu, name=name, arguments=args, required=tuple(node.get("r", ())))

    def printable(self, menu: tuple[str, ...]) -> tuple[str, ...]:
        """Every property `print` can show, from the enumeration of its group-by argument."""
        command = self.command(menu, "print")
        if command is None or "group-by" not in command.arguments:
            return ()
        return command.arguments["group-by"].values


@cache
def tree() -> CommandTree:
    schema = Schema.bundled()
    if schema is None:
        raise RuntimeError("routeros-lsp ships no command database; reinstall the pinned routeros-lsp")
    return CommandTree(schema)

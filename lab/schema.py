"""The one place that knows routeros-lsp: the real RouterOS 7 command tree, asked about menus and arguments.

Everything else in the lab asks this module, so a routeros-lsp upgrade touches only this file. The tree lacks
a few facts the manual documents (GAPS, below); they are applied here, so the lab and the controller's checks
(filter_plugins/routeros_schema.json, exported from this module by scripts/routeros_schema.py) see one
schema.

The tree is RouterOS 7.21.4's. A lab running another release (`serve --ros-version`) sees it as that release's
captured tree has it (lab/data/routeros_versions.json.gz, written by scripts/routeros_versions.py from
tikoci/restraml's captures): what the release lacks is gone, what only it has is added, so every front end
refuses a command or argument the release lacks with the texts it gives for an unknown one.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from routeros_lsp.schema.schema import Schema, match_name

from lab import values

VERSIONS_FILE = Path(__file__).resolve().parent / "data" / "routeros_versions.json.gz"
_VERSION = re.compile(r"7\.(\d+)(?:\.(\d+))?")


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
    # A duration's accepted range as the release's tree describes it (`1s..71w2h27m52s950ms`, `20ms..`).
    span: str = ""

    @property
    def is_bool(self) -> bool:
        return self.closed and set(self.values) == {"no", "yes"}

    def int_range(self) -> tuple[int, int] | None:
        if self.gap:
            return None
        found = re.fullmatch(r"Num; (\d+)\.\.(\d+) \(integer number\)", self.type_text)
        return (int(found.group(1)), int(found.group(2))) if found else None

    def duration_bounds(self) -> tuple[int, int | None] | None:
        """The range of a duration in milliseconds (no upper end for `20ms..`), when the tree gives one."""
        if not self.span:
            return None
        low, _, high = self.span.partition("..")
        return values.parse_duration_ms(low or "0s"), values.parse_duration_ms(high) if high else None

    def admits_duration(self, milliseconds: int) -> bool:
        bounds = self.duration_bounds()
        if bounds is None:
            return True
        low, high = bounds
        return low <= milliseconds and (high is None or milliseconds <= high)

    def facts(self) -> dict[str, Any]:
        """What a value must be, as plain data: the kind (bool, int, enum, duration, port-range or text),
        the values of an enumeration, the range of a number."""
        bounds = self.int_range()
        if self.is_bool:
            return {"kind": "bool"}
        if self.span:
            low, _, high = self.span.partition("..")
            return {"kind": "duration", "range": [low, high]}
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
    """The command tree of one release: `version` is the release the lab runs, `capture` the captured tree
    it follows (the newest at or below it, Releases.capture_for)."""

    def __init__(self, root: dict[str, Any], version: str, capture: str) -> None:
        self._root = root
        self.version = version
        self.capture = capture
        # Built once per command: the ticker asks for `print` of every Netwatch entry on every tick.
        self._commands: dict[tuple[tuple[str, ...], str], Command | None] = {}
        self._lacking: dict[tuple[str, ...], frozenset[str]] = {}

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
        key = (menu, name)
        if key not in self._commands:
            self._commands[key] = self._build_command(menu, name)
        return self._commands[key]

    def _build_command(self, menu: tuple[str, ...], name: str) -> Command | None:
        node = self._node((*menu, name))
        if node is None or not node.get("k"):
            return None
        where = "/".join(menu)
        spans = releases().ranges
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
                span=spans.get("/".join((*menu, name, arg)), ""),
            )
        return Command(menu=menu, name=name, arguments=args, required=tuple(node.get("r", ())))

    def printable(self, menu: tuple[str, ...]) -> tuple[str, ...]:
        """Every property `print` can show, from the enumeration of its group-by argument."""
        command = self.command(menu, "print")
        if command is None or "group-by" not in command.arguments:
            return ()
        return command.arguments["group-by"].values

    def lacking(self, menu: tuple[str, ...]) -> frozenset[str]:
        """The properties of the menu that the lab's own release sets and this older one does not have, so
        `print` must not show them (the lab keeps one model of every menu, its own release's)."""
        if menu not in self._lacking:
            newest = _tree_at(bundled().version)
            self._lacking[menu] = frozenset(
                name
                for verb in ("set", "add")
                for name in _argument_names(newest.command(menu, verb))
                if self.capture != bundled().version and name not in _argument_names(self.command(menu, verb))
            )
        return self._lacking[menu]


def _argument_names(command: Command | None) -> set[str]:
    return set(command.arguments) if command is not None else set()


def version_key(version: str) -> tuple[int, int, int]:
    """`7.15` → (7, 15, 0), `7.21.4` → (7, 21, 4); ValueError for anything but a RouterOS 7 release."""
    found = _VERSION.fullmatch(version)
    if found is None:
        raise ValueError(
            f"RouterOS version {version!r}: expected a RouterOS 7 release such as 7.15 or 7.21.4"
        )
    return 7, int(found.group(1)), int(found.group(2) or 0)


@dataclass(frozen=True)
class Releases:
    """The derived table (scripts/routeros_versions.py): the captured releases, oldest first; for each path
    (`tool/fetch/idle-timeout`) whose releases differ from its parent's, the runs of captures it exists in;
    the paths the lab's tree lacks, with their kind; and the ranges of durations."""

    captures: tuple[str, ...]
    present: dict[str, list[list[str]]]
    added: dict[str, list[str]]
    ranges: dict[str, str]

    def capture_for(self, version: str) -> str:
        """The newest capture at or below `version`; releases older than every capture follow the oldest."""
        wanted = version_key(version)
        below = [capture for capture in self.captures if version_key(capture) <= wanted]
        return below[-1] if below else self.captures[0]

    def exists(self, path: tuple[str, ...], capture: str) -> bool:
        at = version_key(capture)
        for end in range(1, len(path) + 1):
            runs = self.present.get("/".join(path[:end]))
            if runs is not None and not any(
                version_key(first) <= at <= version_key(last) for first, last in runs
            ):
                return False
        return True


@cache
def releases() -> Releases:
    table = json.loads(gzip.decompress(VERSIONS_FILE.read_bytes()))
    return Releases(
        captures=tuple(table["captures"]),
        present=table["present"],
        added=table["added"],
        ranges=table["ranges"],
    )


@cache
def bundled() -> Schema:
    schema = Schema.bundled()
    if schema is None:
        raise RuntimeError("routeros-lsp ships no command database; reinstall the pinned routeros-lsp")
    return schema


def _enumeration(description: str) -> list[str]:
    """`trusted|not-trusted` (or `a|b[,Name*]`, a list of them) as its values; [] for any other text."""
    words = description.split("[", 1)[0]
    parts = words.split("|")
    return parts if len(parts) > 1 and all(re.fullmatch(r"[a-z0-9.-]+", part) for part in parts) else []


def _root_at(capture: str) -> dict[str, Any]:
    """The lab's tree as the capture has it: paths it lacks removed, paths only it has added."""
    table = releases()
    root: dict[str, Any] = copy.deepcopy(bundled().root)
    for text in table.present:
        path = tuple(text.split("/"))
        if not table.exists(path, capture):
            parent = root
            for part in path[:-1]:
                parent = parent.get("c", {}).get(part, {})
            parent.get("c", {}).pop(path[-1], None)
            parent.get("a", {}).pop(path[-1], None)
    # Sorted paths put a parent before its children.
    for text, entry in table.added.items():
        path = tuple(text.split("/"))
        if not table.exists(path, capture):
            continue
        parent = root
        for part in path[:-1]:
            parent = parent.get("c", {}).get(part, {})
        kind = entry[0]
        if kind == "arg":
            description = entry[1] if len(entry) > 1 else ""
            info: dict[str, Any] = {"t": description}
            if _enumeration(description):
                info["e"] = _enumeration(description)
            parent.setdefault("a", {})[path[-1]] = info
        else:
            parent.setdefault("c", {})[path[-1]] = {"k": 1} if kind == "cmd" else {}
    return root


@cache
def _tree_at(version: str) -> CommandTree:
    capture = releases().capture_for(version)
    if version == bundled().version:
        # The lab's own release: its tree as routeros-lsp has it, menus the CHR lacks included.
        return CommandTree(bundled().root, version, bundled().version)
    return CommandTree(_root_at(capture), version, capture)


_selected: list[str] = []


def select(version: str) -> None:
    """The release every router of this lab process runs (`serve --ros-version`): `tree()` answers for it."""
    version_key(version)
    _selected[:] = [version]


def tree(version: str | None = None) -> CommandTree:
    """The command tree of `version`, or of the release `select` chose (the lab's own, 7.21.4, by default)."""
    return _tree_at(version or (_selected[0] if _selected else bundled().version))

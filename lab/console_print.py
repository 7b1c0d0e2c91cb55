"""What `print` shows on the RouterOS 7 console: the flags legend, item numbers, `;;;` comments, and the
rows as a table (plain `print`), as `name=value` lists (`print detail`, and plain `print` of menus that have
no table) or one line each (`print terse`); single-value menus as `name: value` lines; `/log` as its lines.

The shapes come from console captures of RouterOS 7 (ntc-templates' test fixtures and pasted sessions):

    Flags: D - DYNAMIC                      plain print: only the flags some shown row has, in capitals,
    Columns: ADDRESS, NETWORK, INTERFACE    then the columns some shown row fills, then the header;
    #   ADDRESS           NETWORK       INTERFACE
    ;;; lan                                 a comment on its own line before its row;
    0   192.168.88.1/24   192.168.88.0  bridge
    1 D 198.51.100.11/24  198.51.100.0  ether1        cells padded, numbers right-aligned, two spaces apart

    Flags: X - disabled, I - invalid; D - dynamic      detail: every flag of the menu; one column per
     0    ;;; defconf: accept ICMP                     group of flags (`;` ends a group), numbers at
          chain=input action=accept protocol=icmp      least two wide, text in quotes, a blank line after
                                                       each item
     0 D   name=ether1 default-name=ether1 mtu=1500    terse: no legend, comment first, values as they are

Item numbers count the shown rows from 0 (a `print where` numbers what it shows, as a captured
`/interface print where type~"wifi"` does), except /ip/route's dynamic routes, which RouterOS 7 leaves
unnumbered. Which columns a menu's table has, and which menus print lists instead, is recorded per menu
below with where it comes from; the lab README lists the choices no capture confirms.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.errors import not_supported
from lab.export import quote
from lab.menus import registry
from lab.menus.base import Props
from lab.script.properties import is_text

# Never shown as a property: the item's id, and the comment (its own `;;;` line).
_HIDDEN = frozenset({".id", "comment"})
_TRUE_FALSE = {"true": "yes", "false": "no"}


@dataclass(frozen=True)
class Flag:
    letter: str
    prop: str
    name: str


@dataclass(frozen=True)
class Layout:
    # Groups of flags; each group is one column of the flags field (one letter at most per group).
    flags: tuple[tuple[Flag, ...], ...] = ()
    # The columns of plain `print`; a menu without any prints `name=value` lists, as `print detail` does.
    columns: tuple[str, ...] = ()
    # /ip/route in RouterOS 7: dynamic routes carry no number.
    unnumbered_dynamic: bool = False


def _flags(*groups: str) -> tuple[tuple[Flag, ...], ...]:
    """`"X disabled, R running"`: one group; letters and property names, legend name = property name."""
    result = []
    for group in groups:
        flags = []
        for part in group.split(","):
            letter, prop = part.split()
            flags.append(Flag(letter, prop, prop))
        result.append(tuple(flags))
    return tuple(result)


LAYOUTS: dict[str, Layout] = {
    # Captured (RouterOS 7 print detail and plain print of /interface).
    "interface": Layout(
        _flags("D dynamic", "X disabled, R running", "S slave", "P passthrough"),
        ("name", "type", "actual-mtu", "l2mtu", "max-l2mtu", "mac-address"),
    ),
    # Captured in RouterOS 6 (columns and flags); assumed unchanged in 7.
    "interface/ethernet": Layout(
        _flags("X disabled, R running", "S slave"), ("name", "mtu", "mac-address", "arp", "switch")
    ),
    # Captured (RouterOS 7 plain print: ADDRESS, NETWORK, INTERFACE; X, I and D share one column).
    "ip/address": Layout(_flags("X disabled, I invalid, D dynamic"), ("address", "network", "interface")),
    # Captured (RouterOS 6 and 7 firewall print: lists, flags X, I; D).
    "ip/firewall/filter": Layout(_flags("X disabled, I invalid", "D dynamic")),
    "ip/firewall/nat": Layout(_flags("X disabled, I invalid", "D dynamic")),
    # Captured in RouterOS 6 (NAME, GROUP, ADDRESS, LAST-LOGGED-IN).
    "user": Layout(_flags("X disabled"), ("name", "group", "address", "last-logged-in")),
    # The lab's choices (no capture found): see the lab README.
    "interface/wifi": Layout(_flags("X disabled, R running", "S slave")),
    "interface/bridge": Layout(_flags("D dynamic", "X disabled, R running")),
    "interface/bridge/port": Layout(
        _flags("X disabled, I inactive", "D dynamic"),
        ("interface", "bridge", "hw", "pvid", "priority", "path-cost", "internal-path-cost", "horizon"),
    ),
    "interface/list": Layout(_flags("* builtin, D dynamic"), ("name", "include", "exclude")),
    "interface/list/member": Layout(_flags("X disabled", "D dynamic"), ("list", "interface")),
    "ip/dhcp-client": Layout(
        _flags("X disabled, I invalid", "D dynamic"),
        ("interface", "use-peer-dns", "add-default-route", "status", "address"),
    ),
    "ip/pool": Layout((), ("name", "ranges")),
    "ip/dhcp-server": Layout(
        _flags("X disabled, I invalid", "D dynamic"), ("name", "interface", "address-pool", "lease-time")
    ),
    "ip/dhcp-server/network": Layout(_flags("D dynamic"), ("address", "gateway", "dns-server")),
    "ip/dns/static": Layout(_flags("X disabled", "D dynamic"), ("name", "regexp", "type", "address", "ttl")),
    "ip/route": Layout(
        _flags("D dynamic", "X disabled, I inactive, A active", "c connect, s static, d dhcp"),
        ("dst-address", "gateway", "routing-table", "distance"),
        unnumbered_dynamic=True,
    ),
    "ip/firewall/address-list": Layout(
        _flags("X disabled", "D dynamic"), ("list", "address", "creation-time", "timeout")
    ),
    "ip/service": Layout(
        _flags("X disabled, I invalid", "D dynamic"),
        ("name", "port", "address", "certificate", "vrf", "max-sessions"),
    ),
    "system/script": Layout(_flags("I invalid")),
    "system/scheduler": Layout(
        _flags("X disabled"), ("name", "start-date", "start-time", "interval", "on-event", "run-count")
    ),
    "system/logging": Layout(_flags("X disabled, I invalid, * default"), ("topics", "action", "prefix")),
    "system/script/job": Layout((), ("script", "owner", "started")),
    "tool/netwatch": Layout(
        _flags("X disabled"), ("name", "type", "host", "timeout", "interval", "status", "since")
    ),
    "user/group": Layout(),
    "file": Layout((), ("name", "type", "size", "last-modified")),
    "certificate": Layout(
        _flags("K private-key", "L crl", "A authority", "I issued, R revoked", "E expired", "T trusted"),
        ("name", "common-name", "fingerprint"),
    ),
}

FORMS = ("plain", "detail", "terse")


@dataclass(frozen=True)
class Printed:
    lines: list[str]
    # The ids of the rows that got numbers, in number order (what `set 0` then names).
    numbered: list[str]


def render(menu: str, form: str, rows: list[Props]) -> Printed:
    """The console text of `print` (form "plain"), `print detail` or `print terse` of these rows."""
    spec = registry.SPECS.get(menu)
    if spec is not None and spec.single:
        return Printed(_single(menu, rows[0] if rows else {}), [])
    if menu == "log":
        return Printed(_log(menu, form, rows), [])
    layout = LAYOUTS.get(menu)
    if layout is None:
        raise not_supported(f"/{menu}/print on the console (print as-value and count-only work)")
    numbers = _numbers(layout, rows)
    numbered = [row.get(".id", "") for row, number in zip(rows, numbers, strict=True) if number is not None]
    if form == "terse":
        return Printed(_terse(menu, layout, rows, numbers), numbered)
    if form == "plain" and layout.columns:
        return Printed(_table(menu, layout, rows, numbers), numbered)
    return Printed(_listing(menu, layout, rows, numbers), numbered)


def numbered_ids(menu: str, rows: list[Props]) -> list[str]:
    """The ids a `print` of all these rows would number: what a number means before any `print`."""
    layout = LAYOUTS.get(menu, Layout())
    return [
        row.get(".id", "")
        for row, number in zip(rows, _numbers(layout, rows), strict=True)
        if number is not None
    ]


def _numbers(layout: Layout, rows: list[Props]) -> list[int | None]:
    numbers: list[int | None] = []
    count = 0
    for row in rows:
        if layout.unnumbered_dynamic and row.get("dynamic") == "true":
            numbers.append(None)
        else:
            numbers.append(count)
            count += 1
    return numbers


def console_value(menu: str, prop: str, text: str) -> str:
    """A value as the console prints it: booleans as yes/no, everything else as the API prints it."""
    if text in _TRUE_FALSE and not is_text(menu, prop):
        return _TRUE_FALSE[text]
    return text


def _flag_props(layout: Layout) -> frozenset[str]:
    return frozenset(flag.prop for group in layout.flags for flag in group)


def _flag_letter(group: tuple[Flag, ...], row: Props) -> str:
    return next((flag.letter for flag in group if row.get(flag.prop) == "true"), " ")


def _index_width(numbers: list[int | None], minimum: int) -> int:
    largest = max((number for number in numbers if number is not None), default=0)
    return max(minimum, len(str(largest)))


def _index(number: int | None, width: int) -> str:
    return " " * width if number is None else str(number).rjust(width)


# ----- plain print: a table


def _table(menu: str, layout: Layout, rows: list[Props], numbers: list[int | None]) -> list[str]:
    if not rows:
        return []
    groups = [group for group in layout.flags if any(_flag_letter(group, row) != " " for row in rows)]
    columns = [column for column in layout.columns if any(row.get(column, "") != "" for row in rows)]
    cells = [[console_value(menu, column, row.get(column, "")) for column in columns] for row in rows]
    widths = [
        max([len(column), *(len(line[position]) for line in cells)])
        for position, column in enumerate(columns)
    ]
    numeric = [
        all(line[position].isdigit() for line in cells if line[position]) for position in range(len(columns))
    ]
    width = _index_width(numbers, 1)
    lines: list[str] = []
    if groups:
        used = [
            [flag for flag in group if any(row.get(flag.prop) == "true" for row in rows)] for group in groups
        ]
        legend = "; ".join(
            ", ".join(f"{flag.letter} - {flag.name.upper()}" for flag in group) for group in used
        )
        lines.append(f"Flags: {legend}")
    lines.append("Columns: " + ", ".join(column.upper() for column in columns))
    flag_field = " " * len(groups) + " " if groups else ""
    header = [column.upper().ljust(size) for column, size in zip(columns, widths, strict=True)]
    lines.append("#".rjust(width) + " " + flag_field + "  ".join(header))
    for row, number, line in zip(rows, numbers, cells, strict=True):
        if row.get("comment"):
            lines.append(f";;; {row['comment']}")
        flags = "".join(_flag_letter(group, row) for group in groups) + " " if groups else ""
        values = [
            cell.rjust(size) if right else cell.ljust(size)
            for cell, size, right in zip(line, widths, numeric, strict=True)
        ]
        lines.append(_index(number, width) + " " + flags + "  ".join(values))
    return lines


# ----- print detail (and plain print of list menus): name=value lists


def _legend(layout: Layout) -> list[str]:
    if not layout.flags:
        return []
    groups = "; ".join(", ".join(f"{flag.letter} - {flag.name}" for flag in group) for group in layout.flags)
    return [f"Flags: {groups} "]


def _detail_value(menu: str, prop: str, text: str) -> str:
    if text == "":
        return '""'
    if is_text(menu, prop):
        quoted = quote(text)
        return quoted if quoted.startswith('"') else f'"{quoted}"'
    return console_value(menu, prop, text)


def _properties(menu: str, layout: Layout, row: Props, form: str) -> str:
    hidden = _HIDDEN | _flag_props(layout)
    pairs = []
    if form == "terse" and row.get("comment"):
        pairs.append(f"comment={row['comment']}")
    for prop, text in row.items():
        if prop in hidden:
            continue
        if form == "terse":
            value = console_value(menu, prop, text) if text != "" else '""'
        else:
            value = _detail_value(menu, prop, text)
        pairs.append(f"{prop}={value}")
    return " ".join(pairs)


def _listing(menu: str, layout: Layout, rows: list[Props], numbers: list[int | None]) -> list[str]:
    lines = _legend(layout)
    width = _index_width(numbers, 2)
    for row, number in zip(rows, numbers, strict=True):
        prefix = _index(number, width) + " "
        if layout.flags:
            prefix += "".join(_flag_letter(group, row) for group in layout.flags) + " "
        properties = _properties(menu, layout, row, "detail")
        if row.get("comment"):
            lines.append(f"{prefix};;; {row['comment']}")
            lines.append(" " * len(prefix) + properties)
        else:
            lines.append(prefix + properties)
        lines.append("")
    return lines


def _terse(menu: str, layout: Layout, rows: list[Props], numbers: list[int | None]) -> list[str]:
    width = _index_width(numbers, 1)
    lines = []
    for row, number in zip(rows, numbers, strict=True):
        prefix = _index(number, width) + " "
        if layout.flags:
            prefix += "".join(_flag_letter(group, row) for group in layout.flags) + " "
        lines.append(prefix + _properties(menu, layout, row, "terse"))
    return lines


# ----- single-value menus and the log


def _single(menu: str, row: Props) -> list[str]:
    """`  name: MikroTik`: names right-aligned, the longest after two spaces."""
    shown = [(prop, text) for prop, text in row.items() if prop not in _HIDDEN]
    width = max((len(prop) for prop, _ in shown), default=0) + 2
    return [f"{prop.rjust(width)}: {console_value(menu, prop, text)}".rstrip() for prop, text in shown]


def _log(menu: str, form: str, rows: list[Props]) -> list[str]:
    """`/log print`: `time topics message` per line, unnumbered; detail (captured in RouterOS 6) and terse
    as `time=... topics=... message="..."`."""
    if form == "plain":
        return [f"{row.get('time', '')} {row.get('topics', '')} {row.get('message', '')}" for row in rows]
    lines = []
    for row in rows:
        message = _detail_value(menu, "message", row.get("message", ""))
        lines.append(f" time={row.get('time', '')} topics={row.get('topics', '')} message={message}")
        if form == "detail":
            lines.append("")
    return lines

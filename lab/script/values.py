"""Script values: the RouterOS types, their print form, and the conversions the `:to*` commands perform.

Strings are byte strings on a router (`:len` counts bytes; `\\F0\\9F\\94\\B4` is four bytes making one emoji).
The engine keeps them as Python str holding one code point per byte (latin-1), so slicing, `:len` and `\\XX`
escapes work on bytes. `from_text` and `to_text` convert at the engine's edges (script source, variables,
router.execute, output) to and from the rest of the lab, which keeps text as UTF-8 decoded with
surrogateescape, as the API layer does.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lab import values as router_values

if TYPE_CHECKING:
    from lab.script.syntax import Statement

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ScriptError(Exception):
    """A runtime error that stops the script unless `:do on-error` or `:onerror` catches it.

    Some errors carry attributes beside the message (a fetch's HTTP status `code` and `http-headers`, from
    7.22), which `:onerror err,attr` gives a script. They come with the error or with the router's error it
    stands for: the one it was raised from (`raise ScriptError(...) from error`, or `from None` inside the
    `except` that caught it, which keeps that error as the context). An error raised while another was being
    handled (`:error` in an on-error block) has no attributes of that other one.
    """

    def __init__(self, message: str, attributes: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self._attributes = attributes

    @property
    def attributes(self) -> dict[str, str] | None:
        if self._attributes is not None:
            return self._attributes
        origin = self.__cause__ or (self.__context__ if self.__suppress_context__ else None)
        found = getattr(origin, "attributes", None)
        return found if isinstance(found, dict) else None


class ReturnSignal(Exception):
    """`:return`: unwinds to the function call or the script run that gives the value back."""

    def __init__(self, value: Value) -> None:
        super().__init__("return")
        self.value = value


def not_supported(what: str) -> ScriptError:
    return ScriptError(f"{what}: not supported in the lab")


class _Singleton:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# A variable that was never set holds nothing; `:tonum "x"` and friends answer nil.
NOTHING = _Singleton("nothing")
NIL = _Singleton("nil")


@dataclass(frozen=True)
class Duration:
    ms: int


@dataclass(frozen=True)
class ItemId:
    text: str


@dataclass(eq=False)
class Code:
    """A function body (`do={...}`); called with `$name arg name=value`."""

    body: list[Statement]


@dataclass
class ScriptArray:
    """Positional elements (keys 0..n-1) first, then named elements in key order, as RouterOS keeps them."""

    items: list[Value] = field(default_factory=list)
    named: dict[str, Value] = field(default_factory=dict)

    def keys(self) -> list[int | str]:
        return [*range(len(self.items)), *sorted(self.named)]

    def entries(self) -> list[tuple[int | str, Value]]:
        return [(key, self.get(key)) for key in self.keys()]

    def values(self) -> list[Value]:
        return [value for _, value in self.entries()]

    def get(self, key: int | str) -> Value:
        if isinstance(key, int):
            return self.items[key] if 0 <= key < len(self.items) else NOTHING
        return self.named.get(key, NOTHING)

    def put(self, key: int | str, value: Value) -> None:
        if isinstance(key, str):
            self.named[key] = value
        elif 0 <= key < len(self.items):
            self.items[key] = value
        elif key == len(self.items):
            self.items.append(value)
        else:
            raise not_supported(f"setting array index {key} beyond the end ({len(self.items)} elements)")

    def __len__(self) -> int:
        return len(self.items) + len(self.named)

    def copy(self) -> ScriptArray:
        return ScriptArray(items=list(self.items), named=dict(self.named))


Value = str | int | bool | IPAddress | IPNetwork | Duration | ItemId | Code | ScriptArray | _Singleton

# ----- bytes at the edges


def from_text(text: str) -> str:
    """Lab text (UTF-8 + surrogateescape) to the engine's one-code-point-per-byte form."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def to_text(data: str) -> str:
    """The engine's byte string back to lab text."""
    return data.encode("latin-1").decode("utf-8", "surrogateescape")


# ----- type names and print form


def typeof(value: Value) -> str:
    if value is NOTHING:
        return "nothing"
    if value is NIL:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "num"
    if isinstance(value, str):
        return "str"
    if isinstance(value, ipaddress.IPv4Address):
        return "ip"
    if isinstance(value, ipaddress.IPv6Address):
        return "ip6"
    if isinstance(value, ipaddress.IPv4Network):
        return "ip-prefix"
    if isinstance(value, ipaddress.IPv6Network):
        return "ip6-prefix"
    if isinstance(value, Duration):
        return "time"
    if isinstance(value, ItemId):
        return "id"
    if isinstance(value, Code):
        return "code"
    return "array"


def format_time(ms: int) -> str:
    """`:put` form of a time: `1w2d03:04:05` with `.mmm` when there are milliseconds."""
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    weeks, days = divmod(days, 7)
    text = (
        (f"{weeks}w" if weeks else "")
        + (f"{days}d" if days else "")
        + f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    )
    return sign + text + (f".{millis:03d}" if millis else "")


def tostr(value: Value) -> str:
    if value is NOTHING or value is NIL:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Duration):
        return format_time(value.ms)
    if isinstance(value, ItemId):
        return value.text
    if isinstance(value, Code):
        return "(code)"
    if isinstance(value, ScriptArray):
        return ";".join(
            f"{key}={tostr(item)}" if isinstance(key, str) else tostr(item) for key, item in value.entries()
        )
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return value.with_prefixlen
    return str(value)


# ----- literals and conversions

_INT = re.compile(r"-?[0-9]+|0x[0-9a-fA-F]+")
_IPV4 = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3}){3}")
# Two or three parts are inet_addr's short forms, which RouterOS reads too: the last part fills the low
# octets (`10.1` is 10.0.0.1, `32.16.8` is 32.16.0.8; the manual's :convert and a forum session of
# `:local val 16.8; :put [:typeof $val]` answering ip). An octet written with a leading zero (`008`) is
# text in that session, as Python's ipaddress refuses it too.
_OCTET = r"(?:0|[1-9][0-9]{0,2})"
_SHORT_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}(?:\.{_OCTET})?")
_TIME_START = re.compile(r"[0-9]")


def parse_int(text: str) -> int | None:
    if not _INT.fullmatch(text):
        return None
    return int(text, 16) if text.startswith("0x") else int(text)


def parse_ip(text: str) -> IPAddress | None:
    if _IPV4.fullmatch(text):
        try:
            return ipaddress.IPv4Address(text)
        except ValueError:
            return None
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    return None


def parse_short_ipv4(text: str) -> ipaddress.IPv4Address | None:
    """`10.1` and `32.16.8`: two or three parts, each 0..255, the last one the lowest octet."""
    if not _SHORT_IPV4.fullmatch(text):
        return None
    parts = [int(part) for part in text.split(".")]
    if any(part > 255 for part in parts):
        return None
    octets = [*parts[:-1], *[0] * (4 - len(parts)), parts[-1]]
    return ipaddress.IPv4Address(".".join(str(octet) for octet in octets))


def parse_prefix(text: str) -> IPNetwork | None:
    address, slash, length = text.partition("/")
    if not slash or not length.isdigit() or parse_ip(address) is None:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


_HOURS_MINUTES = re.compile(r"([0-9]{1,2}):([0-9]{2})")


def parse_time(text: str) -> Duration | None:
    """`10s`, `1h30m`, `00:05:00`, `1d02:00:00`, `10:00` (hours and minutes: the manual's
    `:tonsec value=10:00` is 36000000000000); a bare number is a num, not a time."""
    if not _TIME_START.match(text) or parse_int(text) is not None:
        return None
    short = _HOURS_MINUTES.fullmatch(text)
    if short:
        return Duration((int(short[1]) * 60 + int(short[2])) * 60_000)
    try:
        return Duration(router_values.parse_duration_ms(text))
    except ValueError:
        return None


def literal(word: str, short_ipv4: bool = True) -> Value:
    """The type RouterOS gives an unquoted word in an expression or a `:` command argument. `short_ipv4`
    False leaves `7.21.4` text, as a property a router prints (a version) is."""
    number = parse_int(word)
    if number is not None:
        return number
    if word in ("true", "false"):
        return word == "true"
    parsers = (
        (parse_ip, parse_short_ipv4, parse_prefix, parse_time)
        if short_ipv4
        else (parse_ip, parse_prefix, parse_time)
    )
    for parser in parsers:
        parsed = parser(word)
        if parsed is not None:
            return parsed
    return word


_INT64 = range(-(2**63), 2**63)
_ITEM_ID = re.compile(r"\*[0-9A-Fa-f]{1,8}")


def parse_text(text: str) -> Value:
    """Text typed as RouterOS types it where it parses a value automatically: `:convert` without `from=`
    (manual: "001" becomes 1, "10.1" becomes 10.0.0.1), each element of `:toarray`, and every JSON string
    `:deserialize` reads unless told `options=json.no-string-conversion`.

    A num (decimal with leading zeros, `0x` hex; 64-bit signed, as the manual's data types say), a bool
    (`true`, `false`, `yes`, `no`), an id (`*1A`), an IPv4 address (short forms too), an IPv6 address, an
    IP or IPv6 prefix, a time (`1h`, `12:30`, `00:00:05`, `1d2h3m`); anything else stays the text it is:
    the empty string, text with blanks around it, `1e3` (RouterOS has no fractions or exponents), dates
    (there is no date type), `[]`, words."""
    number = parse_int(text)
    if number is not None:
        return number if number in _INT64 else text
    if text in ("true", "yes", "false", "no"):
        return text in ("true", "yes")
    if _ITEM_ID.fullmatch(text):
        return ItemId(text.upper())
    return literal(text)


def tonum(value: Value) -> Value:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Duration):
        return value.ms // 1000
    if isinstance(value, ipaddress.IPv4Address):
        return int(value)
    if isinstance(value, str):
        number = parse_int(value.strip())
        return NIL if number is None else number
    return NIL


def tobool(value: Value) -> Value:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.lower() in ("true", "yes", "false", "no"):
        return value.lower() in ("true", "yes")
    return NIL


def toip(value: Value) -> Value:
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    if isinstance(value, str):
        parsed = parse_ip(value)
        return NIL if parsed is None else parsed
    return NIL


def toip6(value: Value) -> Value:
    """`:toip6`: an IPv6 address, or nil when the value is none (an IPv4 address or a prefix included)."""
    if isinstance(value, ipaddress.IPv6Address):
        return value
    if isinstance(value, str):
        parsed = parse_ip(value.strip())
        return parsed if isinstance(parsed, ipaddress.IPv6Address) else NIL
    return NIL


def toid(value: Value) -> Value:
    """`:toid`: an internal id (`*1A`), or nil when the text is none. What a number converts to is not
    documented, so the lab refuses it."""
    if isinstance(value, ItemId):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise not_supported(":toid of a num")
    if isinstance(value, str) and _ITEM_ID.fullmatch(value.strip()):
        return ItemId(value.strip())
    return NIL


def tonsec(value: Value) -> Value:
    """`:tonsec`: a time in nanoseconds (`:tonsec value=10:00` is 36000000000000), nil for text that is no
    time. The lab keeps times in milliseconds. What a num converts to is not documented: refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise not_supported(":tonsec of a num")
    if isinstance(value, str):
        parsed = parse_time(value.strip())
        value = NIL if parsed is None else parsed
    if isinstance(value, Duration):
        return value.ms * 1_000_000
    return NIL


def totime(value: Value) -> Value:
    if isinstance(value, Duration):
        return value
    if isinstance(value, bool):
        return NIL
    if isinstance(value, int):
        return Duration(value * 1000)
    if isinstance(value, str):
        if parse_int(value) is not None:
            return Duration(int(value) * 1000)
        parsed = parse_time(value)
        return NIL if parsed is None else parsed
    return NIL


def toarray(value: Value, delimiter: str = ",") -> ScriptArray:
    if isinstance(value, ScriptArray):
        return value
    if value is NOTHING or value is NIL:
        return ScriptArray()
    if isinstance(value, str):
        if not value:
            return ScriptArray()
        return ScriptArray(items=[parse_text(part) for part in value.split(delimiter)])
    return ScriptArray(items=[value])


def from_router(text: str) -> Value:
    """A value printed by a lab menu, typed as a script sees it (ids, booleans, numbers, times, addresses)."""
    if re.fullmatch(r"\*[0-9A-F]+", text):
        return ItemId(text)
    if text in ("true", "false"):
        return text == "true"
    typed = literal(text, short_ipv4=False)
    if isinstance(typed, ipaddress.IPv4Network | ipaddress.IPv6Network) and typed.with_prefixlen != text:
        # An interface address keeps its host bits (192.168.1.1/24); only a real prefix becomes ip-prefix.
        return from_text(text)
    return from_text(text) if isinstance(typed, str) else typed


def to_router(value: Value) -> str:
    """A value in the print form `router.execute` takes."""
    if isinstance(value, Duration):
        return router_values.format_duration(value.ms)
    if isinstance(value, ScriptArray):
        return ",".join(to_router(item) for item in value.values())
    return to_text(tostr(value))

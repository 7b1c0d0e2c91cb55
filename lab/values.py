"""Parsing and printing of RouterOS value types (booleans, durations, numbers, addresses).

Values are kept as the strings the API prints; these functions turn what a client wrote into that form,
or raise ValueError.
"""

from __future__ import annotations

import ipaddress
import re

_TRUE = {"yes", "true"}
_FALSE = {"no", "false"}

_UNITS_MS = {"w": 604_800_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
# RouterOS reads ASCII digits only: `\d` and int() would also take full-width and other Unicode digits.
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|w|d|h|m|s)")
_CLOCK = re.compile(r"(?:([0-9]+)d)?([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,3}))?")
_NUMBER = re.compile(r"-?[0-9]+")


def to_bool(text: str) -> str:
    lowered = text.lower()
    if lowered in _TRUE:
        return "true"
    if lowered in _FALSE:
        return "false"
    raise ValueError(text)


def is_true(text: str | None) -> bool:
    return (text or "").lower() in _TRUE


def parse_duration_ms(text: str) -> int:
    """Milliseconds in `10s`, `1m30s`, `50ms`, `1d02:00:00`, `00:01:30` or a bare number of seconds."""
    text = text.strip()
    if re.fullmatch(r"[0-9]+", text):
        return int(text) * 1000
    clock = _CLOCK.fullmatch(text)
    if clock:
        days, hours, minutes, seconds, fraction = clock.groups()
        total = ((int(days or 0) * 24 + int(hours)) * 60 + int(minutes)) * 60 + int(seconds)
        return total * 1000 + int((fraction or "0").ljust(3, "0"))
    position, total_ms = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            raise ValueError(text)
        total_ms += float(match.group(1)) * _UNITS_MS[match.group(2)]
        position = match.end()
    if position != len(text) or not text:
        raise ValueError(text)
    return int(total_ms)


def format_duration(ms: int) -> str:
    """RouterOS 7 prints durations as `1w2d3h4m5s` with milliseconds last, and zero as `0s`."""
    if ms == 0:
        return "0s"
    parts = []
    for unit in ("w", "d", "h", "m", "s", "ms"):
        size = _UNITS_MS[unit]
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def to_duration(text: str) -> str:
    return format_duration(parse_duration_ms(text))


def to_int(text: str, low: int, high: int) -> str:
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
        value = int(text, 16)
    elif _NUMBER.fullmatch(text):
        value = int(text)
    else:
        raise ValueError(text)
    if not low <= value <= high:
        raise ValueError(text)
    return str(value)


def to_ipv4(text: str) -> str:
    return str(ipaddress.IPv4Address(text))


def to_ip(text: str) -> str:
    return str(ipaddress.ip_address(text))


def to_interface_address(text: str) -> tuple[str, str]:
    """`192.168.1.1/24` (or a bare address, meaning /32) → (printed address, network)."""
    address, _, prefix = text.partition("/")
    host = ipaddress.IPv4Address(address)
    if prefix and not _NUMBER.fullmatch(prefix):
        raise ValueError(text)
    length = int(prefix) if prefix else 32
    if not 0 <= length <= 32:
        raise ValueError(text)
    network = ipaddress.IPv4Network(f"{host}/{length}", strict=False)
    return f"{host}/{length}", str(network.network_address)


def to_prefix(text: str) -> str:
    """A destination such as `0.0.0.0/0`; host bits must be zero, as a route table demands."""
    return str(ipaddress.IPv4Network(text if "/" in text else f"{text}/32", strict=True))


_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*")


def is_hostname(text: str) -> bool:
    """A DNS name such as `pool.ntp.org` (letters, digits, hyphens; dot-separated labels)."""
    return _HOSTNAME.fullmatch(text) is not None


def to_ipv6_prefix(text: str) -> str:
    """`2001:db8::/32` or a single address, host bits zero, printed compressed in lower case."""
    if not text.isascii():
        raise ValueError(text)
    if "/" not in text:
        return str(ipaddress.IPv6Address(text))
    return str(ipaddress.IPv6Network(text, strict=True))


def to_port_range(text: str) -> str:
    """`80` or `8000-8080`: ports 0-65535, the range low to high."""
    bounds = text.split("-")
    if len(bounds) > 2 or not all(_NUMBER.fullmatch(b) and 0 <= int(b) <= 65535 for b in bounds):
        raise ValueError(text)
    if len(bounds) == 2 and int(bounds[0]) > int(bounds[1]):
        raise ValueError(text)
    return "-".join(str(int(b)) for b in bounds)


def to_ip_list(text: str) -> str:
    if text == "":
        return ""
    return ",".join(to_ip(part) for part in text.split(","))

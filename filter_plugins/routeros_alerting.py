"""The alerting model: the hosts Netwatch watches and how the router tells Telegram, checked and turned into
router data on the controller before any connection.

Checks raise AnsibleFilterError naming every bad field, its value and what is accepted. Data filters assume
checked input and print values the way RouterOS prints them, so a rerun finds nothing to change.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ansible.errors import AnsibleFilterError


def _sibling(name: str) -> ModuleType:
    """Ansible loads each filter file on its own, so a shared helper module is loaded by path."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    if spec is None or spec.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_validate = _sibling("routeros_validate")
_data = _sibling("routeros_data")
_script = _sibling("routeros_script")
Problems = _validate.Problems

PROBE_TYPES = ("icmp", "simple", "tcp-conn", "http-get", "https-get")
# Probe properties by type, as /tool netwatch takes them; every type also takes _COMMON.
_COMMON = ("type", "interval", "timeout")
_BY_TYPE = {
    "icmp": (
        "packet-count",
        "packet-interval",
        "packet-size",
        "thr-loss-percent",
        "thr-loss-count",
        "thr-avg",
        "thr-max",
        "thr-jitter",
        "thr-stdev",
    ),
    "simple": (),
    "tcp-conn": ("port", "thr-tcp-conn-time"),
    "http-get": ("port", "http-codes", "thr-http-time"),
    "https-get": ("port", "http-codes", "thr-http-time"),
}
PROBE_KEYS = tuple(dict.fromkeys(_COMMON + tuple(k for keys in _BY_TYPE.values() for k in keys)))
_DURATIONS = frozenset(
    {
        "interval",
        "timeout",
        "packet-interval",
        "thr-avg",
        "thr-max",
        "thr-jitter",
        "thr-stdev",
        "thr-tcp-conn-time",
        "thr-http-time",
    }
)
_INTEGERS = {
    "packet-count": (1, 100),
    "packet-size": (54, 1400),
    "thr-loss-count": (0, 100),
    "port": (1, 65535),
}
_DEFAULT_PORTS = {"tcp-conn": None, "http-get": 80, "https-get": 443}
HOST_KEYS = ("name", "address", "comment", "parent", "mute", "profile", *PROBE_KEYS)
# Deeper chains are a modelling mistake, and the router walks them on every status change.
MAX_PARENT_DEPTH = 8
NAME_BYTES = 200
COMMENT_BYTES = 1000
# Text that arrives in Telegram exactly as written may hold line breaks and tabs, never other control bytes.
_FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# The ranges /tool netwatch takes, from the release's command tree (scripts/routeros_schema.py exports them):
# a router refuses `interval=500ms` (1s..) or `packet-interval=10ms` (20ms..), so the controller does first.
NETWATCH_RANGES: dict[str, dict[str, Any]] = json.loads(_data.SCHEMA_FILE.read_text(encoding="utf-8"))[
    "netwatch"
]

# Named probe settings (routeros_netwatch_profile, or a host's `profile`). Latency thresholds equal the
# timeout, so only an unanswered host is down; thr-loss-percent 95 with 10 packets fails only when all 10 are
# lost, whether RouterOS fails at or only past the threshold (lab/README.md, Netwatch). `light` probes 30x
# less often rather than with fewer packets: a probe of n packets falsely fails on a lossy link with
# probability loss**n, so fewer packets would cost more false alerts than the traffic they save.
PROFILES: dict[str, dict[str, Any]] = {
    "fast": {
        "type": "icmp",
        "interval": "1s",
        "timeout": "1s",
        "packet-count": 10,
        "packet-interval": "50ms",
        "thr-loss-percent": 95,
        "thr-avg": "1s",
        "thr-max": "1s",
        "thr-jitter": "1s",
        "thr-stdev": "1s",
    },
    "light": {
        "type": "icmp",
        "interval": "30s",
        "timeout": "2s",
        "packet-count": 10,
        # Spread over 1.8 s, so a burst of loss shorter than that cannot take all ten.
        "packet-interval": "200ms",
        "thr-loss-percent": 95,
        "thr-avg": "2s",
        "thr-max": "2s",
        "thr-jitter": "2s",
        "thr-stdev": "2s",
    },
}

# What one echo costs on an Ethernet link. Netwatch's `packet-size` is "the total size of the IP ICMP
# packet", 54 bytes by default for IPv4 and IPv6 (RouterOS manual, Netwatch, ICMP probe options,
# https://help.mikrotik.com/docs/x/iAB-); the manual gives no size for `simple`, taken to be the same. A frame
# adds 14 bytes of header and 4 of FCS (64 bytes at least), the wire 8 of preamble and 12 of inter-frame gap.
ICMP_PACKET_SIZE = 54
_FRAME_OVERHEAD = 14 + 4
_FRAME_MIN = 64
_WIRE_OVERHEAD = 8 + 12
TRAFFIC_DAYS = 30

_UNITS = {"w": 604800.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_DURATION = re.compile(r"(\d+)(ms|w|d|h|m|s)")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})")


# ----- values


def seconds(value: Any) -> float | None:
    """Seconds in a RouterOS duration (`1s`, `50ms`, `1m30s`, `00:00:10`, or a bare number of seconds)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    if not isinstance(value, str) or not value:
        return None
    if value.isdigit():
        return float(value)
    clock = _CLOCK.fullmatch(value)
    if clock:
        hours, minutes, secs = (int(part) for part in clock.groups())
        return float(hours * 3600 + minutes * 60 + secs) if minutes < 60 and secs < 60 else None
    total, position = 0.0, 0
    for match in _DURATION.finditer(value):
        if match.start() != position:
            return None
        total += int(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    return total if position == len(value) else None


def duration_text(value: Any) -> str:
    """A duration as RouterOS prints it: `1m30s`, `50ms`, `0s`."""
    total = round((seconds(value) or 0.0) * 1000)
    if total == 0:
        return "0s"
    parts = []
    for unit, size in (("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{unit}")
    if total:
        parts.append(f"{total}ms")
    return "".join(parts)


def _percent(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    text = str(value).strip().removesuffix("%")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if 0 <= number <= 100 else None


def _is_ca(path: Any) -> bool:
    """Whether `path` is a readable file that holds a PEM certificate (what the router will import)."""
    try:
        return "-----BEGIN CERTIFICATE-----" in Path(str(path)).read_text(encoding="ascii", errors="replace")
    except OSError:
        return False


def _integer(value: Any, low: int, high: int) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return isinstance(value, int) and low <= value <= high


def is_alert_text(value: Any, limit: int) -> bool:
    """Names and comments travel to Telegram as written: any text, line breaks and emoji included."""
    return (
        isinstance(value, str)
        and _FORBIDDEN_CONTROL.search(value) is None
        and len(value.encode("utf-8")) <= limit
    )


def host_key(host: dict[str, Any], probe: dict[str, Any]) -> str:
    """How the router-side notifier names a watched host: its address, and the port for port probes."""
    settings = {**_base(host, probe), **host}
    address = str(ipaddress.ip_address(str(host["address"])))
    port = _port(settings)
    return f"{address}:{port}" if port else address


def _port(settings: dict[str, Any]) -> int | None:
    kind = settings.get("type", "icmp")
    if kind not in _DEFAULT_PORTS:
        return None
    given = settings.get("port")
    return int(given) if given not in (None, "") else _DEFAULT_PORTS[kind]


# ----- checks


def _check_probe_value(problems: Any, path: str, key: str, value: Any) -> None:
    if key == "type":
        if value not in PROBE_TYPES:
            problems.add(path, value, f"one of {', '.join(PROBE_TYPES)}")
    elif key in _DURATIONS:
        _check_duration(problems, path, key, value)
    elif key in _INTEGERS:
        low, high = _INTEGERS[key]
        if not _integer(value, low, high):
            problems.add(path, value, f"a whole number from {low} to {high}")
    elif key == "thr-loss-percent":
        if _percent(value) is None:
            problems.add(path, value, "a percentage from 0 to 100, e.g. 100 or 85.5%")
    elif key == "http-codes" and not re.fullmatch(r"[1-5]\d\d(-[1-5]\d\d)?", str(value)):
        problems.add(path, value, "an HTTP status or range such as 200 or 200-299")


# Durations that RouterOS reads as microseconds when they have no unit.
_MICROSECONDS = frozenset({"thr-tcp-conn-time"})


def _check_duration(problems: Any, path: str, key: str, value: Any) -> None:
    """A duration, within the range the router's /tool netwatch takes for `key` when its tree gives one."""
    given = seconds(value)
    bounds = NETWATCH_RANGES.get(key, {}).get("range")
    if key in _MICROSECONDS and re.fullmatch(r"\d+", str(value).strip()):
        # The manual: a bare number here is microseconds; elsewhere the toolkit reads it as seconds.
        problems.add(
            path,
            value,
            f"a duration with its unit, such as 500ms or 1s (RouterOS reads a bare {key} as microseconds)",
        )
    elif given is None:
        problems.add(path, value, "a duration such as 1s, 500ms, 1m30s or 00:00:10")
    elif bounds is not None:
        low, high = bounds
        if given < (seconds(low) or 0.0) or (high and given > (seconds(high) or 0.0)):
            upper = f"to {high}" if high else "or more"
            problems.add(path, value, f"a duration from {low} {upper} (what RouterOS takes for {key})")


def _check_settings(problems: Any, path: str, settings: dict[str, Any], own: dict[str, Any]) -> None:
    """The probe keys `own` sets, and whether the merged settings make a probe the type can run."""
    for key in PROBE_KEYS:
        if key in own and own[key] is not None:
            _check_probe_value(problems, f"{path}.{key}", key, own[key])
    kind = settings.get("type", "icmp")
    if kind in PROBE_TYPES:
        for key, value in own.items():
            if key in PROBE_KEYS and key not in _COMMON and key not in _BY_TYPE[kind]:
                problems.add(f"{path}.{key}", value, f"a setting of the probe type {kind} (not {key})")
        if kind == "tcp-conn" and _port(settings) is None:
            problems.add(f"{path}.port", settings.get("port"), "a port (1-65535): a tcp-conn probe needs one")


def check_probe(probe: Any, field: str = "routeros_netwatch_probe") -> Any:
    problems = Problems()
    if not isinstance(probe, dict):
        problems.add(field, probe, "a dict of Netwatch probe settings")
    else:
        _validate._only(problems, field, probe, PROBE_KEYS)
        for key, value in probe.items():
            if key in PROBE_KEYS:
                _check_probe_value(problems, f"{field}.{key}", key, value)
    problems.raise_if_any("invalid probe defaults")
    return probe


def check_profile(name: Any, field: str = "routeros_netwatch_profile") -> Any:
    problems = Problems()
    _check_profile(problems, field, name)
    problems.raise_if_any("invalid probe profile")
    return name


def _check_profile(problems: Any, field: str, name: Any) -> None:
    if not isinstance(name, str) or name not in PROFILES:
        problems.add(field, name, f"a probe profile: {', '.join(PROFILES)}")


def profile_probe(name: str, probe: dict[str, Any] | None) -> dict[str, Any]:
    """The probe settings every host gets: the named profile, then routeros_netwatch_probe over it."""
    return {**PROFILES[check_profile(name)], **(probe or {})}


def _base(host: dict[str, Any], probe: dict[str, Any]) -> dict[str, Any]:
    """The settings under a host's own: its profile when it names one (routeros_netwatch_probe then does not
    apply to it), else the defaults every host gets."""
    name = host.get("profile")
    return PROFILES[name] if isinstance(name, str) and name in PROFILES else probe


def check_netwatch_settings(startup_delay: Any, notify: Any, prefix: str = "routeros_netwatch_") -> bool:
    problems = Problems()
    _check_duration(problems, f"{prefix}startup_delay", "startup-delay", startup_delay)
    if not _validate.is_bool(notify):
        problems.add(f"{prefix}notify", notify, "true or false")
    problems.raise_if_any("invalid Netwatch settings")
    return True


def check_hosts(hosts: Any, probe: dict[str, Any], field: str = "routeros_netwatch_hosts") -> Any:
    problems = Problems()
    entries = _validate._entries(problems, field, hosts)
    names: list[tuple[str, Any]] = []
    keys: list[tuple[str, Any]] = []
    parents: dict[str, str] = {}
    for path, host in entries:
        _validate._only(problems, path, host, HOST_KEYS)
        name_ok = _validate._require(
            problems,
            path,
            host,
            "name",
            lambda v: is_alert_text(v, NAME_BYTES) and bool(v.strip()),
            f"a name of up to {NAME_BYTES} bytes (any text, line breaks too, no other control characters)",
        )
        address_ok = _validate._require(
            problems, path, host, "address", _validate.is_ip, "an IPv4 or IPv6 address"
        )
        _validate._optional(
            problems,
            path,
            host,
            "comment",
            lambda v: is_alert_text(v, COMMENT_BYTES),
            f"text of up to {COMMENT_BYTES} bytes (line breaks allowed, no other control characters)",
        )
        _validate._optional(problems, path, host, "mute", _validate.is_bool, "true or false")
        if host.get("profile") is not None:
            _check_profile(problems, f"{path}.profile", host["profile"])
        _check_settings(problems, path, {**_base(host, probe), **host}, host)
        if name_ok:
            names.append((f"{path}.name", host["name"]))
        if address_ok:
            keys.append((f"{path}.address", host_key(host, probe)))
        parent = host.get("parent")
        if parent not in (None, "") and name_ok:
            parents[host["name"]] = parent
    _validate._duplicates(problems, field, names, "host name")
    _validate._duplicates(problems, field, keys, "watched address (and port)")
    known = {name for _, name in names}
    for path, host in entries:
        parent = host.get("parent")
        if parent in (None, "") or host.get("name") not in known:
            continue
        if parent not in known or parent == host["name"]:
            problems.add(f"{path}.parent", parent, "the name of another host in this list")
        elif _ancestors(host["name"], parents) is None:
            problems.add(
                f"{path}.parent",
                parent,
                f"a parent chain without loops, at most {MAX_PARENT_DEPTH} levels deep",
            )
    problems.raise_if_any("invalid watched hosts")
    return hosts


def _ancestors(name: str, parents: dict[str, str]) -> list[str] | None:
    """Parent, grandparent, ...; None for a loop or a chain deeper than MAX_PARENT_DEPTH."""
    chain: list[str] = []
    current = parents.get(name)
    while current is not None:
        if current == name or current in chain or len(chain) >= MAX_PARENT_DEPTH:
            return None
        chain.append(current)
        current = parents.get(current)
    return chain


# ----- router data


def _probe_value(key: str, value: Any) -> Any:
    if key in _DURATIONS:
        return duration_text(value)
    if key in _INTEGERS:
        return int(value)
    if key == "thr-loss-percent":
        return f"{_percent(value):.1f}%"
    return str(value)


def _settings(host: dict[str, Any], probe: dict[str, Any]) -> dict[str, Any]:
    """The probe settings that apply to this host's type: the defaults, then its own."""
    own = {k: v for k, v in host.items() if k in PROBE_KEYS and v is not None}
    merged = {**_base(host, probe), **own}
    kind = merged.get("type", "icmp")
    wanted = _COMMON + _BY_TYPE[kind]
    settings = {key: _probe_value(key, merged[key]) for key in wanted if key in merged}
    settings["type"] = kind
    port = _port(merged)
    if port is not None:
        settings["port"] = port
    return settings


def netwatch_data(
    hosts: list[dict[str, Any]], probe: dict[str, Any], marker: str, hook: str, startup_delay: Any
) -> list[dict[str, Any]]:
    """One /tool netwatch entry per host; a muted host is watched but rings no bell."""
    data = []
    for host in hosts or []:
        bell = "" if _data._bool(host.get("mute", False)) else hook
        entry = {
            "host": str(ipaddress.ip_address(str(host["address"]))),
            "name": host["name"],
            "comment": _data.owned_comment(host.get("comment"), marker),
            **_settings(host, probe),
            "startup-delay": duration_text(startup_delay),
            "up-script": bell,
            "down-script": bell,
        }
        data.append(entry)
    return data


def _spread(settings: dict[str, Any]) -> float:
    """Seconds from a probe's first packet to its last (0 for a probe of one exchange)."""
    if settings.get("type", "icmp") != "icmp":
        return 0.0
    count = int(settings.get("packet-count", 10))
    return (count - 1) * (seconds(settings.get("packet-interval", "50ms")) or 0.05)


def _period(settings: dict[str, Any]) -> float:
    """Seconds between two probes: a probe starts one interval after the one before began, never before it
    ends (a host that answers at once)."""
    return max(seconds(settings.get("interval", "10s")) or 10.0, _spread(settings))


def down_after(settings: dict[str, Any]) -> tuple[float, float]:
    """Seconds from a host's last answer to Netwatch calling it down, at best and at worst: the probe that
    sees it sends its packets and waits the timeout for the last; at worst the host stopped just after a probe
    began, which its first packets still pass."""
    failing = _spread(settings) + (seconds(settings.get("timeout", "3s")) or 3.0)
    return round(failing, 3), round(_period(settings) + failing, 3)


def netwatch_keys(hosts: Any) -> list[dict[str, str]]:
    """What a probe of each watched host is known by (its `host`), for a play that checks, before its first
    write, what the alerting play will meet (playbooks/baseline.yml); the alerting play checks the hosts."""
    return [
        {"host": str(host.get("address"))}
        for host in hosts or []
        if isinstance(host, dict) and host.get("address") is not None
    ]


def _cycle(settings: dict[str, Any]) -> int:
    """Seconds from a change at the host to the end of the probe that sees it, at worst."""
    return math.ceil(down_after(settings)[1])


def _frame(ip_bytes: int) -> int:
    return max(ip_bytes + _FRAME_OVERHEAD, _FRAME_MIN) + _WIRE_OVERHEAD


def _false_down(settings: dict[str, Any], count: int, loss: float) -> float:
    """Chance that a probe of a healthy host fails on loss alone: `loss` per packet, each packet on its own;
    a measure fails only past its threshold, as the lab does (the stricter reading)."""
    percent = _percent(settings.get("thr-loss-percent", 85)) if settings.get("type") == "icmp" else 0.0
    most = int(settings.get("thr-loss-count", 2**32 - 1)) if settings.get("type") == "icmp" else 2**32 - 1
    return sum(
        math.comb(count, lost) * loss**lost * (1 - loss) ** (count - lost)
        for lost in range(count + 1)
        if lost * 100 / count > (percent or 0.0) or lost > most
    )


def traffic(settings: Any, loss_percent: Any = 30) -> dict[str, Any]:
    """What one watched host costs over 30 days with these probe settings (Netwatch's names; its defaults for
    what is missing), while it answers: probes, packets both ways (echo request and reply), bytes of the IP
    packets (what a metered uplink counts), bytes on an Ethernet wire, how soon a dead host is DOWN (best,
    worst, seconds), and how many probes fail on a link losing `loss_percent` of its packets."""
    if not isinstance(settings, dict) or settings.get("type", "icmp") not in ("icmp", "simple"):
        kind = settings.get("type") if isinstance(settings, dict) else settings
        raise AnsibleFilterError(
            f"routeros_netwatch_traffic: type {kind!r} is not valid; expected an icmp or simple probe"
        )
    settings = {**settings, "type": settings.get("type", "icmp")}
    icmp = settings["type"] == "icmp"
    count = int(settings.get("packet-count", 10)) if icmp else 1
    size = int(settings.get("packet-size", ICMP_PACKET_SIZE)) if icmp else ICMP_PACKET_SIZE
    probes = math.floor(TRAFFIC_DAYS * 86400 / _period(settings))
    packets = probes * count * 2
    return {
        "probes": probes,
        "packets": packets,
        "ip_bytes": packets * size,
        "wire_bytes": packets * _frame(size),
        "down_after": list(down_after(settings)),
        "false_downs": probes * _false_down(settings, count, (_percent(loss_percent) or 0.0) / 100),
    }


def hosts_map(hosts: list[dict[str, Any]], probe: dict[str, Any]) -> list[dict[str, Any]]:
    """What the notifier needs to know of each host, keyed as the router names it (host_key): the parent's
    key, the hosts behind it, how long to wait for a parent to fail too (w) and for the hosts behind it to
    come back (s), in seconds, and whether it is muted."""
    by_name = {host["name"]: host for host in hosts or []}
    parents = {name: host["parent"] for name, host in by_name.items() if host.get("parent")}
    cycles = {name: _cycle(_settings(host, probe)) for name, host in by_name.items()}
    keys = {name: host_key(host, probe) for name, host in by_name.items()}
    behind: dict[str, list[str]] = {name: [] for name in by_name}
    for name in by_name:
        for ancestor in _ancestors(name, parents) or []:
            behind[ancestor].append(name)
    rows = []
    for name, host in by_name.items():
        chain = _ancestors(name, parents) or []
        rows.append(
            {
                "key": keys[name],
                "parent": keys[chain[0]] if chain else "",
                "wait": max((cycles[a] for a in chain), default=0) + 1 if chain else 0,
                "settle": max((cycles[b] for b in behind[name]), default=0) + 1 if behind[name] else 0,
                "behind": [keys[b] for b in behind[name]],
                "mute": _data._bool(host.get("mute", False)),
            }
        )
    return rows


# ----- the Telegram notifier

TOKEN_SHAPE = re.compile(r"[0-9]{8,10}:[A-Za-z0-9_-]{35}")
_CHANNEL = re.compile(r"@[A-Za-z][A-Za-z0-9_]{4,31}")
_API_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
LANGUAGES = ("id", "en")
# How the router trusts the Bot API's CA: auto (the built-in store from RouterOS 7.21, else a CA certificate).
TRUST = ("auto", "builtin", "certificate")
# What a chat of routeros_telegram_chats may say.
CHAT_KEYS = ("id", "topic", "silent", "verify")
# Each message part and the placeholders it may use (the send script fills them in).
TEXT_PLACEHOLDERS = {
    "router": ("router",),
    "test": (),
    "down": ("name", "address"),
    "up": ("name", "address"),
    "comment": ("comment",),
    "at": ("date", "time", "zone"),
    "down_for": ("duration",),
    "behind": ("hosts",),
    "still_down": ("hosts",),
    "delayed": ("time", "delay"),
    "dropped": ("count",),
}
UNITS = ("d", "h", "m", "s")
# Telegram takes 4096 characters of text; the router counts bytes, markup included, and stays well below.
MAX_BUDGET = 3800
# The default texts' longest alert (the Indonesian one, with the time zone) fits with room for short names.
MIN_BUDGET = 600
_DURATION_SETTINGS = (
    "delayed_after",
    "batch_window",
    "send_timeout",
    "retry_first",
    "retry_max",
    "flood_wait",
    "tick",
)


# Longest value a placeholder other than a text can take (bytes): an IPv6 address, a date, a time, a count of
# dropped alerts (queue_max is at most 10000), a time zone (the longest tz database name is 32 bytes; an
# offset is `UTC+05:45`).
_VALUE_BYTES = {"address": 39, "date": 10, "time": 8, "zone": 32, "count": 5}
# Longest texts the notifier puts in a message: the names and comments the checks let through, the hosts
# behind a parent, the router's identity. A smaller budget cuts them (with an ellipsis) in proportion.
TEXT_MAX = {"name": NAME_BYTES, "comment": COMMENT_BYTES, "hosts": 1000, "router": 64}
# Below this a cut name or comment says too little to be worth sending.
_SMALLEST_CAP = 16


def _duration_bytes(units: dict[str, str]) -> int:
    """The longest span the router writes: up to 99999 days, then hours, minutes, seconds, spaces between."""
    return 5 + 3 * 2 + sum(len(units[unit].encode("utf-8")) for unit in UNITS) + 3


def _part(template: str, sizes: dict[str, int]) -> tuple[int, dict[str, int]]:
    """A message part's bytes without its text placeholders, and how often it uses each text."""
    pieces = _script.PLACEHOLDER.split(template)
    fixed = sum(len(piece.encode("utf-8")) for piece in pieces[0::2])
    uses = {kind: 0 for kind in TEXT_MAX}
    for name in pieces[1::2]:
        if name in uses:
            uses[name] += 1
        else:
            fixed += sizes[name]
    return fixed, uses


def _worst_alert(texts: dict[str, Any]) -> tuple[int, dict[str, int]]:
    """Bytes of the longest message holding one alert, without its texts, and the uses of each text: the
    router's line, the dropped alerts, the test mark, DOWN or UP, comment, time, duration, hosts, delay, with
    the line breaks between them. Markup is counted although Telegram does not count it: a safe side."""
    duration = _duration_bytes(texts["units"])
    sizes = {**_VALUE_BYTES, "duration": duration, "delay": duration}
    lines = [("router",), ("dropped",), ("test",), ("down", "up"), ("comment",), ("at",), ("down_for",)]
    lines += [("behind", "still_down"), ("delayed",)]
    fixed = 2 + 2 + len(lines) - 3
    uses = {kind: 0 for kind in TEXT_MAX}
    for alternatives in lines:
        parts = [_part(texts[key], sizes) for key in alternatives]
        fixed += max(part[0] for part in parts)
        for kind in uses:
            uses[kind] += max(part[1][kind] for part in parts)
    return fixed, uses


def telegram_caps(texts: dict[str, Any], budget: Any) -> dict[str, int]:
    """The most bytes of each text (name, comment, hosts, router) that the router puts in a message, so that
    one alert alone always fits in `budget`: the maxima, or, when the budget is smaller, _SMALLEST_CAP each
    and what is left shared in proportion to the maxima. None when even that does not fit."""
    fixed, uses = _worst_alert(texts)
    wanted = sum(uses[kind] * TEXT_MAX[kind] for kind in TEXT_MAX)
    room = int(budget) - fixed
    if wanted <= room:
        return dict(TEXT_MAX)
    extra = room - sum(uses[kind] * _SMALLEST_CAP for kind in TEXT_MAX)
    if extra < 0:
        return {}
    spread = sum(uses[kind] * (TEXT_MAX[kind] - _SMALLEST_CAP) for kind in TEXT_MAX)
    return {kind: _SMALLEST_CAP + (TEXT_MAX[kind] - _SMALLEST_CAP) * extra // spread for kind in TEXT_MAX}


def _check_budget(problems: Any, field: str, texts: dict[str, Any], budget: Any) -> None:
    if not telegram_caps(texts, budget):
        fixed, uses = _worst_alert(texts)
        least = fixed + sum(uses[kind] * _SMALLEST_CAP for kind in TEXT_MAX)
        problems.add(
            field,
            budget,
            f"at least {least} for these message texts: one alert's message takes {fixed} bytes besides the "
            f"names, comment and router, which need {_SMALLEST_CAP} bytes each at least",
        )


def _chat_id(value: Any) -> str | None:
    """A chat id as the Bot API takes it: a user (positive), a group (negative), or a @channel."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value != 0 else None
    if isinstance(value, str) and (re.fullmatch(r"-?[1-9][0-9]{0,15}", value) or _CHANNEL.fullmatch(value)):
        return value
    return None


def tested(chats: list[dict[str, Any]]) -> list[bool]:
    """Which chats get playbooks/verify.yml's test alerts: those marked `verify: true`; when no chat says
    `verify` at all, the first one, so that a fresh one-chat setup is verified out of the box."""
    chats = chats or []
    if not any("verify" in chat and chat["verify"] is not None for chat in chats):
        return [index == 0 for index in range(len(chats))]
    return [_data._bool(chat.get("verify", False)) for chat in chats]


def chat_rows(chats: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chats as the send script takes them, with what keeps within Telegram's limits: `gap` seconds at
    least between two messages to a chat (about one a second), and for a group or channel (twenty a minute)
    a budget of 5 messages refilled one every `every` seconds, so no 60 seconds ever hold more than 20;
    `file` names its state file on the router; `test` says whether verify.yml's test alerts go there;
    `group` whether it is a basic group, the one kind of chat Telegram may upgrade to a supergroup."""
    rows = []
    marks = tested(chats)
    for index, chat in enumerate(chats or []):
        chat_id = _chat_id(chat["id"]) or ""
        private = not chat_id.startswith(("-", "@"))
        topic = "" if chat.get("topic") in (None, "") else str(int(chat["topic"]))
        rows.append(
            {
                "id": chat_id,
                "topic": topic,
                "silent": _data._bool(chat.get("silent", False)),
                "gap": 1,
                "every": 0 if private else 4,
                "file": _chat_file(chat_id, topic),
                "test": marks[index],
                "group": chat_id.startswith("-") and not chat_id.startswith("-100"),
            }
        )
    return rows


def _chat_file(chat_id: str, topic: str) -> str:
    """The name of a chat's state file on the router: `@` (channels only) becomes `_`, which no numeric id
    holds, and a topic follows after `-t`, which no id holds: one file per chat and topic."""
    name = chat_id.replace("@", "_")
    return f"{name}-t{topic}" if topic else name


def chat_keys(chats: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each chat as the router's notifier names it in its files (`key`: percent-encoded id, slash, topic)
    and as an operator names it (`name`)."""
    keys = []
    for row in chat_rows(chats):
        key = f"{_script.url_encode(row['id'])}/{row['topic']}"
        name = f"{row['id']} topic {row['topic']}" if row["topic"] else row["id"]
        keys.append({"key": key, "name": name, "id": row["id"], "topic": row["topic"], "test": row["test"]})
    return keys


def probe_data(probe: dict[str, Any]) -> dict[str, Any]:
    """The probe defaults as a Netwatch entry takes them (for playbooks/verify.yml's temporary probe)."""
    return _settings({}, probe)


def _check_chats(problems: Any, field: str, chats: Any) -> None:
    entries = _validate._entries(problems, field, chats)
    if not entries and isinstance(chats, list | type(None)):
        problems.add(field, chats, "at least one chat ({id: ..., topic: ..., silent: ...})")
    seen: list[tuple[str, Any]] = []
    for path, chat in entries:
        _validate._only(problems, path, chat, CHAT_KEYS)
        chat_id = _chat_id(chat.get("id"))
        if chat_id is None:
            problems.add(
                f"{path}.id",
                chat.get("id"),
                "a chat id: a user (123456789), a group (-4000000001), a supergroup (-100...) or @channel",
            )
        topic = chat.get("topic")
        if topic not in (None, ""):
            if not _integer(topic, 1, 2**31 - 1):
                problems.add(f"{path}.topic", topic, "a forum topic id (message_thread_id), a whole number")
            elif chat_id is not None and not chat_id.startswith("-100"):
                problems.add(f"{path}.topic", topic, "no topic: only a forum supergroup (-100...) has topics")
        _validate._optional(problems, path, chat, "silent", _validate.is_bool, "true or false")
        _validate._optional(
            problems, path, chat, "verify", _validate.is_bool, "true or false (gets verify.yml's test alerts)"
        )
        if chat_id is not None:
            seen.append((path, (chat_id, str(topic or ""))))
    _validate._duplicates(problems, field, seen, "chat (and topic)")


def _check_texts(problems: Any, field: str, texts: Any) -> None:
    if not isinstance(texts, dict):
        problems.add(field, texts, "the message texts, a dict with the keys " + ", ".join(TEXT_PLACEHOLDERS))
        return
    for key, placeholders in TEXT_PLACEHOLDERS.items():
        variables = {name: f"${name}" for name in placeholders}
        try:
            _script.form_expression(texts.get(key), variables, f"{field}.{key}")
        except AnsibleFilterError as problem:
            problems.messages.append(str(problem.message))
    units = texts.get("units")
    if not isinstance(units, dict) or any(not isinstance(units.get(u), str) for u in UNITS):
        problems.add(
            f"{field}.units", units, "the words for days, hours, minutes and seconds: {d:, h:, m:, s:}"
        )


def check_telegram(settings: Any, prefix: str = "routeros_telegram_") -> Any:
    """The notifier's settings, given as a dict of the role's variables without their prefix."""
    problems = Problems()
    token = settings.get("token")
    if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
        shown = f"<hidden, {len(token)} characters>" if isinstance(token, str) and token else token
        problems.messages.append(
            f"{prefix}token: {shown!r} is not valid; expected the bot token BotFather gave (8 to 10 digits, "
            "a colon, 35 letters, digits, _ or -), kept in Ansible Vault"
        )
    _check_chats(problems, f"{prefix}chats", settings.get("chats"))
    language = settings.get("language")
    texts_ok = False
    if language not in LANGUAGES:
        problems.add(f"{prefix}language", language, f"one of {', '.join(LANGUAGES)}")
    else:
        texts = settings.get("texts")
        before = len(problems.messages)
        _check_texts(
            problems, f"{prefix}texts.{language}", texts.get(language) if isinstance(texts, dict) else texts
        )
        texts_ok = len(problems.messages) == before
    url = settings.get("api_url")
    if not isinstance(url, str) or not _API_URL.fullmatch(url):
        problems.add(
            f"{prefix}api_url", url, "the Bot API's base URL without a path, e.g. https://api.telegram.org"
        )
    if settings.get("trust") not in TRUST:
        problems.add(f"{prefix}trust", settings.get("trust"), ", ".join(TRUST))
    elif settings.get("trust") == "certificate" and not settings.get("ca_file"):
        problems.add(
            f"{prefix}ca_file", settings.get("ca_file"), "a PEM file with the CA (trust is certificate)"
        )
    elif settings.get("trust") != "builtin" and "ca_path" in settings and not _is_ca(settings["ca_path"]):
        problems.add(
            f"{prefix}ca_file",
            settings.get("ca_file"),
            f"a readable PEM certificate (read from {settings['ca_path']}; a relative path is read from the "
            "inventory's folder)",
        )
    for key in ("check_certificate",):
        if not _validate.is_bool(settings.get(key)):
            problems.add(f"{prefix}{key}", settings.get(key), "true or false")
    for key in _DURATION_SETTINGS:
        if seconds(settings.get(key)) is None:
            problems.add(f"{prefix}{key}", settings.get(key), "a duration such as 300ms, 5s or 1m")
    if not _integer(settings.get("queue_max"), 1, 10000):
        problems.add(f"{prefix}queue_max", settings.get("queue_max"), "a whole number from 1 to 10000")
    if not _integer(settings.get("message_budget"), MIN_BUDGET, MAX_BUDGET):
        problems.add(
            f"{prefix}message_budget",
            settings.get("message_budget"),
            f"a whole number from {MIN_BUDGET} to {MAX_BUDGET}",
        )
    elif texts_ok:
        _check_budget(
            problems, f"{prefix}message_budget", settings["texts"][language], settings["message_budget"]
        )
    storage = settings.get("storage")
    if not isinstance(storage, str) or not re.fullmatch(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*", storage):
        problems.add(
            f"{prefix}storage", storage, "a directory name such as netwatch-telegram or flash/netwatch"
        )
    problems.raise_if_any("invalid Telegram notifier settings")
    return settings


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "routeros_check_netwatch_probe": check_probe,
            "routeros_check_netwatch_hosts": check_hosts,
            "routeros_check_netwatch_settings": check_netwatch_settings,
            "routeros_netwatch_data": netwatch_data,
            "routeros_netwatch_keys": netwatch_keys,
            "routeros_netwatch_map": hosts_map,
            "routeros_check_telegram": check_telegram,
            "routeros_telegram_chat_rows": chat_rows,
            "routeros_telegram_chat_keys": chat_keys,
            "routeros_telegram_caps": telegram_caps,
            "routeros_netwatch_probe_data": probe_data,
            "routeros_check_netwatch_profile": check_profile,
            "routeros_netwatch_profile_probe": profile_probe,
            "routeros_netwatch_traffic": traffic,
            "routeros_duration": duration_text,
            "routeros_seconds": seconds,
        }

"""Checks of the baseline inventory model, run on the controller before any connection to a router.

Each filter takes the role's variable and returns it unchanged when it is valid, or raises AnsibleFilterError
with every problem found, each naming the field path, the value and what would be accepted. What a property
takes (booleans, numbers and their ranges, enumerations, times) comes from the command tree through
routeros_data.SCHEMA; the checks here add what only the inventory model knows (references, duplicates, which
keys go together). Values a router would print differently (`/024`, `080`) are refused with the form to write,
so every accepted inventory reruns with no change. No input makes a check fail otherwise than by naming it.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
import sys
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import available_timezones

from ansible.errors import AnsibleFilterError


def _sibling(name: str) -> ModuleType:
    """Ansible loads each filter file on its own, so a shared module is loaded by path."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    if spec is None or spec.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# The keys each kind of entry may have are listed once, beside the data they become.
_data = _sibling("routeros_data")

# RouterOS takes almost any text as an interface name; these are the names a person can type in every tool.
_INTERFACE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,62}")
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*"
)
# C0, DEL and C1: a C1 byte such as U+009B (a terminal's CSI) acts as a control sequence in an SSH prompt.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# ASCII digits as RouterOS writes numbers: no sign, no leading zero (a router would print `024` as `24`).
_NUMBER = re.compile(r"0|[1-9][0-9]*")
# A firewall chain: the built-in ones or a custom chain's name.
_CHAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_BOOL_WORDS = {"yes": True, "true": True, "no": False, "false": False}

BUILTIN_LISTS = ("all", "none", "dynamic", "static")
NAT_CHAINS = ("srcnat", "dstnat")
# The command tree's list (routeros_data.SCHEMA); the role's argument spec offers the same choices.
NAT_ACTIONS = tuple(_data.SCHEMA["nat"]["action"]["values"])
PORT_PROTOCOLS = ("tcp", "udp", "udp-lite", "dccp", "sctp")
PROTOCOLS = (
    "tcp",
    "udp",
    "icmp",
    "gre",
    "ipsec-esp",
    "ipsec-ah",
    "ospf",
    "udp-lite",
    "dccp",
    "sctp",
    "icmpv6",
)
SERVICES = ("api", "api-ssl", "ftp", "ssh", "telnet", "winbox", "www", "www-ssl")
# The record types the role can describe: FWD, MX, NS and SRV need keys routeros_data.KEYS does not pass.
DNS_TYPES = ("A", "AAAA", "CNAME", "NXDOMAIN", "TXT")
# What each type needs, and the record keys it must not have.
DNS_DATA = {"A": "address", "AAAA": "address", "CNAME": "cname", "TXT": "text", "NXDOMAIN": None}


class Problems:
    """Collects every problem in one model, so a person fixes them in one pass rather than one per run."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, field: str, value: Any, accepted: str) -> None:
        self.messages.append(f"{field}: {value!r} is not valid; expected {accepted}")

    def raise_if_any(self, what: str) -> None:
        if self.messages:
            raise AnsibleFilterError(f"{what}: " + "; ".join(self.messages))


# ----- value checks, shared by the models and unit-tested on their own


def is_interface_address(value: Any) -> bool:
    """`192.168.88.1/24`: a host address with its prefix length 1-32, as /ip address takes it; not 0.0.0.0,
    a multicast, reserved or broadcast address, which no interface can have."""
    if not isinstance(value, str) or value.count("/") != 1:
        return False
    host, length = value.split("/")
    if not _NUMBER.fullmatch(length) or not 1 <= int(length) <= 32 or not is_ipv4(host):
        return False
    address = ipaddress.IPv4Address(host)
    return not (address.is_unspecified or address.is_multicast or address.is_reserved)


def is_ipv4(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", value):
        return False
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def is_ipv6(value: Any) -> bool:
    """In the form RouterOS prints (`2001:db8::1`, lower case, zeros compressed), so reruns compare equal."""
    if not isinstance(value, str) or ":" not in value or not value.isascii():
        return False
    try:
        return str(ipaddress.IPv6Address(value)) == value
    except ValueError:
        return False


def is_ip(value: Any) -> bool:
    return is_ipv4(value) or is_ipv6(value)


def is_prefix(value: Any) -> bool:
    """`10.0.0.0/8` with no host bits set, or a single address (a /32)."""
    if is_ipv4(value):
        return True
    if not isinstance(value, str) or value.count("/") != 1:
        return False
    host, length = value.split("/")
    if not is_ipv4(host) or not _NUMBER.fullmatch(length) or not 0 <= int(length) <= 32:
        return False
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        return False
    return True


def is_ipv6_prefix(value: Any) -> bool:
    """`2001:db8::/32` or `::/0` with no host bits set, or a single address, in the form RouterOS prints."""
    if is_ipv6(value):
        return True
    if not isinstance(value, str) or value.count("/") != 1 or not value.isascii():
        return False
    host, length = value.split("/")
    if not is_ipv6(host) or not _NUMBER.fullmatch(length) or not 0 <= int(length) <= 128:
        return False
    try:
        ipaddress.IPv6Network(value, strict=True)
    except ValueError:
        return False
    return True


def is_address_range(value: Any) -> bool:
    """What firewall src-address/dst-address take: an address, a prefix or `A-B`, maybe negated with `!`."""
    if not isinstance(value, str):
        return False
    text = value.removeprefix("!")
    if "-" in text:
        first, _, last = text.partition("-")
        return (
            is_ipv4(first) and is_ipv4(last) and ipaddress.IPv4Address(first) <= ipaddress.IPv4Address(last)
        )
    return is_prefix(text)


def is_port_spec(value: Any) -> bool:
    """`80`, `8000-8080`, `80,443,8000-8080`: ports 1-65535, ranges low to high, at most 15 parts."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 1 <= value <= 65535
    if not isinstance(value, str) or not value or value.count(",") >= 15:
        return False
    for part in value.split(","):
        bounds = part.split("-")
        if len(bounds) > 2 or not all(_NUMBER.fullmatch(b) and 1 <= int(b) <= 65535 for b in bounds):
            return False
        if len(bounds) == 2 and int(bounds[0]) > int(bounds[1]):
            return False
    return True


def is_interface_name(value: Any) -> bool:
    return isinstance(value, str) and _INTERFACE_NAME.fullmatch(value) is not None


def is_hostname(value: Any) -> bool:
    return isinstance(value, str) and _HOSTNAME.fullmatch(value) is not None


def is_text(value: Any) -> bool:
    """A comment or identity: any printable text (quotes, `$`, emoji included), no control characters."""
    return isinstance(value, str) and _CONTROL.search(value) is None


def is_bool(value: Any) -> bool:
    return isinstance(value, bool) or (isinstance(value, str) and value.lower() in _BOOL_WORDS)


# ----- helpers for walking a model


def _entries(problems: Problems, field: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(value, list):
        problems.add(field, value, "a list of dicts ([] for none)")
        return []
    found = []
    for index, entry in enumerate(value):
        path = f"{field}[{index}]"
        if isinstance(entry, dict):
            found.append((path, entry))
        else:
            problems.add(path, entry, "a dict of RouterOS properties")
    return found


def _require(  # noqa: PLR0917 - one call shape for every field check keeps the models readable
    problems: Problems,
    path: str,
    entry: dict[str, Any],
    key: str,
    check: Callable[[Any], bool],
    accepted: str,
) -> bool:
    if key not in entry or entry[key] in (None, ""):
        problems.add(f"{path}.{key}", entry.get(key), f"{accepted} (required)")
        return False
    if not check(entry[key]):
        problems.add(f"{path}.{key}", entry[key], accepted)
        return False
    return True


def _optional(  # noqa: PLR0917 - same shape as _require
    problems: Problems,
    path: str,
    entry: dict[str, Any],
    key: str,
    check: Callable[[Any], bool],
    accepted: str,
) -> None:
    if key in entry and entry[key] is not None and not check(entry[key]):
        problems.add(f"{path}.{key}", entry[key], accepted)


def _only(problems: Problems, path: str, entry: dict[str, Any], allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for key, value in entry.items():
        if key not in allowed:
            problems.add(f"{path}.{key}", value, f"no such key here; known keys: {', '.join(allowed)}")


def _keys(problems: Problems, path: str, entry: dict[str, Any], kind: str, own: Iterable[str] = ()) -> None:
    """Every key of an entry: one routeros_data.KEYS allows for its kind, with a value the command tree allows
    (routeros_data.SCHEMA); free text has no control characters unless the model checks it itself (`own`)."""
    allowed = _data.KEYS[kind]
    own = (*own, "ports", "members")
    _only(problems, path, entry, allowed)
    for key, value in entry.items():
        field = f"{path}.{key}"
        if key not in allowed or value is None:
            continue
        if _data.SCHEMA[kind].get(key, {"kind": "text"})["kind"] != "text":
            try:
                _data.normalise(kind, key, value)
            except ValueError:
                problems.add(field, value, _data.accepted(kind, key))
        elif key not in own and not is_text(value):
            problems.add(field, value, "text without control characters")


def _known_interface(problems: Problems, field: str, value: Any, known: list[str]) -> None:
    name = value.removeprefix("!") if isinstance(value, str) else value
    if not is_interface_name(name):
        problems.add(field, value, "an interface name (letters, digits, . _ @ -)")
    elif known and name not in known:
        problems.add(field, value, f"an interface the inventory knows: {', '.join(sorted(known))}")


def _duplicates(problems: Problems, field: str, keyed: list[tuple[str, Any]], what: str) -> None:
    seen: dict[Any, str] = {}
    for path, key in keyed:
        if not isinstance(key, Hashable):
            continue  # a list or dict where a name belongs: reported as not valid already
        if key in seen:
            problems.add(path, key, f"a {what} used once (also at {seen[key]})")
        else:
            seen[key] = path


# ----- the models, one per role


def check_identity(name: Any, field: str = "routeros_identity_name") -> Any:
    problems = Problems()
    if not isinstance(name, str) or not name.strip() or not is_text(name) or len(name) > 255:
        problems.add(
            field, name, "a router name up to 255 characters, not only spaces, no control characters"
        )
    problems.raise_if_any("invalid identity")
    return name


def interface_names(ethernet: Any, bridges: Any = None, other: Any = None) -> list[str]:
    """Every interface name the inventory knows once the interfaces role has run: used to check references."""
    names = []
    for entry in ethernet if isinstance(ethernet, list) else []:
        if isinstance(entry, dict):
            names.append(entry.get("name") or entry.get("default-name"))
    bridge_list = bridges if isinstance(bridges, list) else []
    names.extend(entry.get("name") for entry in bridge_list if isinstance(entry, dict))
    names.extend(other if isinstance(other, list) else [])
    return [name for name in names if isinstance(name, str)]


def check_interfaces(
    ethernet: Any, bridges: Any, lists: Any, other: Any, prefix: str = "routeros_interfaces"
) -> Any:
    problems = Problems()
    all_names: list[tuple[str, Any]] = []
    default_names: list[tuple[str, Any]] = []
    for path, entry in _entries(problems, f"{prefix}_ethernet", ethernet):
        _keys(problems, path, entry, "ethernet", own=("default-name", "name"))
        if _require(
            problems, path, entry, "default-name", is_interface_name, "the port's factory name, e.g. ether1"
        ):
            default_names.append((f"{path}.default-name", entry["default-name"]))
        _optional(
            problems, path, entry, "name", is_interface_name, "an interface name (letters, digits, . _ @ -)"
        )
        all_names.append((f"{path}.name", entry.get("name") or entry.get("default-name")))
    _duplicates(problems, f"{prefix}_ethernet", default_names, "port")
    if not isinstance(other, list | None) or not all(is_interface_name(n) for n in other or []):
        problems.add(f"{prefix}_other", other, "a list of interface names")
    known = interface_names(ethernet, bridges, other if isinstance(other, list) else [])
    ports: list[tuple[str, Any]] = []
    for path, entry in _entries(problems, f"{prefix}_bridges", bridges):
        _keys(problems, path, entry, "bridge", own=("name",))
        _require(problems, path, entry, "name", is_interface_name, "a bridge name (letters, digits, . _ @ -)")
        all_names.append((f"{path}.name", entry.get("name")))
        port_list = entry.get("ports") or []
        if not isinstance(port_list, list):
            problems.add(f"{path}.ports", port_list, "a list of interface names")
            continue
        for index, port in enumerate(port_list):
            _known_interface(problems, f"{path}.ports[{index}]", port, known)
            if port == entry.get("name"):
                problems.add(
                    f"{path}.ports[{index}]", port, "another interface (a bridge is not its own port)"
                )
            ports.append((f"{path}.ports[{index}]", port))
    _duplicates(problems, prefix, [n for n in all_names if n[1] is not None], "interface name")
    _duplicates(problems, f"{prefix}_bridges", ports, "bridge port")
    list_names: list[tuple[str, Any]] = []
    for path, entry in _entries(problems, f"{prefix}_lists", lists):
        _keys(problems, path, entry, "list", own=("name",))
        if _require(
            problems, path, entry, "name", is_interface_name, "a list name (letters, digits, . _ @ -)"
        ):
            if entry["name"] in BUILTIN_LISTS:
                problems.add(
                    f"{path}.name",
                    entry["name"],
                    f"a name other than the built-in {', '.join(BUILTIN_LISTS)}",
                )
            list_names.append((f"{path}.name", entry["name"]))
        members = entry.get("members") or []
        if not isinstance(members, list):
            problems.add(f"{path}.members", members, "a list of interface names")
            continue
        for index, member in enumerate(members):
            _known_interface(problems, f"{path}.members[{index}]", member, known)
        _duplicates(
            problems,
            f"{path}.members",
            [(f"{path}.members[{i}]", m) for i, m in enumerate(members)],
            "member",
        )
    _duplicates(problems, f"{prefix}_lists", list_names, "list name")
    problems.raise_if_any("invalid interfaces")
    return ethernet


def check_addresses(addresses: Any, known: list[str], field: str = "routeros_addresses_entries") -> Any:
    problems = Problems()
    hosts: list[tuple[str, Any]] = []
    for path, entry in _entries(problems, field, addresses):
        _keys(problems, path, entry, "address", own=("address", "interface"))
        if _require(
            problems,
            path,
            entry,
            "address",
            is_interface_address,
            "an interface address A.B.C.D/N with N from 1 to 32 written as a router prints it (no leading "
            "zeros), not 0.0.0.0, multicast or reserved, e.g. 192.168.88.1/24",
        ):
            hosts.append((f"{path}.address", entry["address"].split("/")[0]))
        if _require(problems, path, entry, "interface", is_interface_name, "an interface name"):
            _known_interface(problems, f"{path}.interface", entry["interface"], known)
    _duplicates(problems, field, hosts, "host address")
    problems.raise_if_any("invalid addresses")
    return addresses


def check_dhcp_clients(clients: Any, known: list[str], field: str = "routeros_dhcp_client_interfaces") -> Any:
    problems = Problems()
    interfaces: list[tuple[str, Any]] = []
    for path, entry in _entries(problems, field, clients):
        _keys(problems, path, entry, "dhcp_client", own=("interface",))
        if _require(problems, path, entry, "interface", is_interface_name, "an interface name"):
            _known_interface(problems, f"{path}.interface", entry["interface"], known)
            interfaces.append((f"{path}.interface", entry["interface"]))
    _duplicates(problems, field, interfaces, "interface (one DHCP client per interface)")
    problems.raise_if_any("invalid DHCP clients")
    return clients


def check_dns(servers: Any, allow_remote: Any, static: Any, prefix: str = "routeros_dns") -> Any:
    problems = Problems()
    # Unset (None): the router's servers stay as they are.
    if servers is not None and not isinstance(servers, list):
        problems.add(f"{prefix}_servers", servers, "a list of IP addresses, or null to leave them")
    elif servers is not None:
        for index, server in enumerate(servers):
            if not is_ip(server):
                problems.add(f"{prefix}_servers[{index}]", server, "an IPv4 or IPv6 address, e.g. 1.1.1.1")
        _duplicates(
            problems,
            f"{prefix}_servers",
            [(f"{prefix}_servers[{i}]", s) for i, s in enumerate(servers)],
            "server",
        )
    if allow_remote is not None and not is_bool(allow_remote):
        problems.add(f"{prefix}_allow_remote_requests", allow_remote, "true or false, or null to leave it")
    names: list[tuple[str, Any]] = []
    for path, entry in _entries(problems, f"{prefix}_static", static):
        _keys(problems, path, entry, "dns_static", own=("name", "address", "type", "cname", "text"))
        record = entry.get("type") or "A"
        if _require(problems, path, entry, "name", is_hostname, "a host name such as nas.lan"):
            names.append((f"{path}.name", (entry["name"].lower(), str(record))))
        if record not in DNS_TYPES:
            problems.add(f"{path}.type", record, f"one of {', '.join(DNS_TYPES)}")
            continue
        needed = DNS_DATA[record]
        if record == "A":
            _require(problems, path, entry, "address", is_ipv4, "an IPv4 address (type A)")
        elif record == "AAAA":
            _require(
                problems, path, entry, "address", is_ipv6, "an IPv6 address as printed, e.g. 2001:db8::1"
            )
        elif record == "CNAME":
            _require(problems, path, entry, "cname", is_hostname, "a host name (type CNAME)")
        elif record == "TXT":
            _require(
                problems,
                path,
                entry,
                "text",
                is_text,
                "the record's text (type TXT), text without control characters",
            )
        for key in ("address", "cname", "text"):
            if key != needed and entry.get(key) is not None:
                problems.add(
                    f"{path}.{key}",
                    entry[key],
                    f"no {key} for type {record} (it takes {needed or 'none of them'})",
                )
    _duplicates(problems, f"{prefix}_static", names, "name and type")
    problems.raise_if_any("invalid DNS settings")
    return servers


# A tz database name as RouterOS lists them (`Asia/Jakarta`, `America/Argentina/Buenos_Aires`, `UTC`).
_ZONE = re.compile(r"[A-Z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}")


def is_time_zone(value: Any) -> bool:
    """A name of the tz database (checked against the controller's copy when it has one) or `manual`."""
    if not isinstance(value, str) or not (value == "manual" or _ZONE.fullmatch(value)):
        return False
    known = available_timezones()
    return not known or value in known or value == "manual"


def check_clock(servers: Any, zone: Any, prefix: str = "routeros_clock") -> Any:
    problems = Problems()
    if not isinstance(servers, list):
        problems.add(f"{prefix}_ntp_servers", servers, "a list of NTP servers ([] to leave the client alone)")
    else:
        for index, server in enumerate(servers):
            if not (is_ip(server) or (is_hostname(server) and "_" not in server)):
                problems.add(
                    f"{prefix}_ntp_servers[{index}]",
                    server,
                    "an IPv4 or IPv6 address or a DNS name, e.g. pool.ntp.org",
                )
        _duplicates(
            problems,
            f"{prefix}_ntp_servers",
            [(f"{prefix}_ntp_servers[{i}]", s) for i, s in enumerate(servers)],
            "server",
        )
    if zone not in ("", None) and not is_time_zone(zone):
        problems.add(
            f"{prefix}_time_zone_name",
            zone,
            "a tz database name such as Asia/Jakarta or UTC, manual, or empty to leave the zone alone",
        )
    problems.raise_if_any("invalid clock settings")
    return servers


def check_nat(rules: Any, known: list[str], lists: list[str], field: str = "routeros_nat_rules") -> Any:
    problems = Problems()
    seen: list[tuple[str, Any]] = []
    for path, rule in _entries(problems, field, rules):
        own = ("chain", "jump-target", "protocol", "src-port", "dst-port", "in-interface", "out-interface")
        own += ("in-interface-list", "out-interface-list", "src-address", "dst-address", "to-addresses")
        _keys(problems, path, rule, "nat", own=own)
        chain_ok = _require(problems, path, rule, "chain", lambda v: v in NAT_CHAINS, " or ".join(NAT_CHAINS))
        action = rule.get("action") or "accept"
        if chain_ok and action in ("masquerade", "src-nat") and rule["chain"] != "srcnat":
            problems.add(f"{path}.chain", rule["chain"], f"srcnat (action {action} works only there)")
        elif chain_ok and action in ("dst-nat", "redirect") and rule["chain"] != "dstnat":
            problems.add(f"{path}.chain", rule["chain"], f"dstnat (action {action} works only there)")
        if action in ("dst-nat", "src-nat"):
            _require(problems, path, rule, "to-addresses", is_address_range, "the address to translate to")
        if action == "jump":
            _require(
                problems,
                path,
                rule,
                "jump-target",
                lambda v: isinstance(v, str) and _CHAIN.fullmatch(v),
                "the chain to jump to (action jump)",
            )
        elif rule.get("jump-target") is not None:
            problems.add(f"{path}.jump-target", rule["jump-target"], "no jump-target unless action is jump")
        protocol = rule.get("protocol")
        if protocol is not None and protocol not in PROTOCOLS:
            problems.add(f"{path}.protocol", protocol, f"one of {', '.join(PROTOCOLS)}")
        for key in ("src-port", "dst-port", "to-ports"):
            if rule.get(key) is None:
                continue
            if key != "to-ports" and not is_port_spec(rule[key]):
                problems.add(
                    f"{path}.{key}", rule[key], "ports 1-65535 without leading zeros: 80, 8000-8080 or 80,443"
                )
            elif protocol not in PORT_PROTOCOLS:
                problems.add(
                    f"{path}.protocol", protocol, f"one of {', '.join(PORT_PROTOCOLS)} when {key} is set"
                )
        for key in ("src-address", "dst-address", "to-addresses"):
            _optional(
                problems, path, rule, key, is_address_range, "an address, a prefix A.B.C.D/N or a range A-B"
            )
        for key in ("in-interface", "out-interface"):
            if rule.get(key) is not None:
                _known_interface(problems, f"{path}.{key}", rule[key], known)
        for key in ("in-interface-list", "out-interface-list"):
            value = rule.get(key)
            if value is not None and str(value).removeprefix("!") not in (*lists, *BUILTIN_LISTS):
                problems.add(
                    f"{path}.{key}", value, f"an interface list: {', '.join((*lists, *BUILTIN_LISTS))}"
                )
        seen.append((path, tuple(sorted((str(k), str(v)) for k, v in rule.items() if k != "comment"))))
    _duplicates(problems, field, seen, "rule (another rule matches the same traffic)")
    problems.raise_if_any("invalid NAT rules")
    return rules


def check_services(services: Any, field: str = "routeros_api_service_services") -> Any:
    problems = Problems()
    names: list[tuple[str, Any]] = []
    for path, entry in _entries(problems, field, services):
        _keys(problems, path, entry, "service", own=("name", "address"))
        if _require(problems, path, entry, "name", lambda v: v in SERVICES, f"one of {', '.join(SERVICES)}"):
            names.append((f"{path}.name", entry["name"]))
        addresses = entry.get("address")
        if addresses is not None:
            if not isinstance(addresses, list):
                problems.add(f"{path}.address", addresses, "a list of addresses or prefixes")
            else:
                for index, address in enumerate(addresses):
                    if not (is_prefix(address) or is_ipv6_prefix(address)):
                        problems.add(
                            f"{path}.address[{index}]",
                            address,
                            "an address or a prefix: A.B.C.D/N, or IPv6 as printed, e.g. 2001:db8::/32",
                        )
    _duplicates(problems, field, names, "service")
    problems.raise_if_any("invalid services")
    return services


def check_connection(connection: Any, marker: Any) -> Any:
    """The connection settings (routeros_api_connection) and the ownership marker, before the first login."""
    problems = Problems()
    settings = connection if isinstance(connection, dict) else {}
    if not isinstance(connection, dict):
        problems.add("routeros_api_connection", connection, "the routeros_api role's connection settings")
    hostname = settings.get("hostname")
    if not isinstance(hostname, str) or not hostname.strip() or not is_text(hostname):
        problems.add("routeros_api_hostname", hostname, "the router's address or host name")
    for key, low, high, meaning in (
        ("port", 0, 65535, "0 for the default (8728, or 8729 with TLS)"),
        ("timeout", 1, 3600, "seconds"),
    ):
        value = settings.get(key)
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(text, str) or not _NUMBER.fullmatch(text) or not low <= int(text) <= high:
            problems.add(f"routeros_api_{key}", value, f"a whole number from {low} to {high}, {meaning}")
    # The marker starts every owned comment and is matched as `^marker( |$)`: one line of visible text.
    if not isinstance(marker, str) or not marker.strip() or not is_text(marker) or marker != marker.strip():
        problems.add(
            "routeros_api_owner_marker",
            marker,
            "one line of text without control characters or surrounding spaces, e.g. [ansible]",
        )
    problems.raise_if_any("invalid connection settings")
    return connection


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "routeros_check_identity": check_identity,
            "routeros_check_interfaces": check_interfaces,
            "routeros_check_addresses": check_addresses,
            "routeros_check_dhcp_clients": check_dhcp_clients,
            "routeros_check_dns": check_dns,
            "routeros_check_clock": check_clock,
            "routeros_check_nat": check_nat,
            "routeros_check_services": check_services,
            "routeros_check_connection": check_connection,
            "routeros_interface_names": interface_names,
        }

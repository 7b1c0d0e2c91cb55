"""Turn the (already validated) inventory model into `data` for community.routeros.api_modify.

Entries the toolkit owns carry a marker at the start of their comment; the roles pass the same marker to
`restrict`, so api_modify removes owned entries the inventory no longer lists and never sees hand-made ones.
Also here: the safety checks that need the router's current state (the address and service the play uses).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleFilterError

_TRUE = {"yes", "true"}

# What the inventory may say of each kind of entry, with RouterOS property names (and `ports`/`members`, which
# become bridge ports and list members): the one table both the checks (routeros_validate.py) and the data
# below use. MENUS says where each kind lives on the router, so its properties' types, ranges and values come
# from the command tree (SCHEMA).
MENUS = {
    "ethernet": "interface/ethernet",
    "bridge": "interface/bridge",
    "list": "interface/list",
    "address": "ip/address",
    "dhcp_client": "ip/dhcp-client",
    "dns_static": "ip/dns/static",
    "nat": "ip/firewall/nat",
    "service": "ip/service",
}
KEYS = {
    "ethernet": ("default-name", "name", "comment", "disabled", "mtu", "arp"),
    "bridge": ("name", "comment", "disabled", "ports", "protocol-mode", "vlan-filtering"),
    "list": ("name", "comment", "members"),
    "address": ("address", "interface", "comment", "disabled"),
    "dhcp_client": (
        "interface",
        "comment",
        "disabled",
        "add-default-route",
        "use-peer-dns",
        "use-peer-ntp",
        "default-route-distance",
    ),
    "dns_static": ("name", "address", "type", "cname", "text", "ttl", "comment", "disabled"),
    "nat": (
        "chain",
        "action",
        "jump-target",
        "protocol",
        "src-address",
        "dst-address",
        "src-port",
        "dst-port",
        "in-interface",
        "out-interface",
        "in-interface-list",
        "out-interface-list",
        "to-addresses",
        "to-ports",
        "comment",
        "disabled",
        "log",
        "log-prefix",
    ),
    "service": ("name", "disabled", "address", "port"),
}
# Keys the router does not take as properties of the entry itself.
_NOT_PROPERTIES = frozenset({"comment", "ports", "members", "address"})

# For each kind, what the command tree (RouterOS 7.21.4, with lab/schema.py's documented gaps) says each
# property takes: {"kind": bool|int|enum|duration|port-range|text, "values": [...], "range": [low, high]}.
# Exported from the tree by scripts/routeros_schema.py; tests/test_routeros_schema.py keeps it equal to it.
SCHEMA_FILE = Path(__file__).with_name("routeros_schema.json")
SCHEMA: dict[str, dict[str, dict[str, Any]]] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["kinds"]

_DURATION_UNITS = (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
_DURATION = re.compile(r"(?:[0-9]+(?:w|d|h|m|s))+|[0-9]+")
_NUMBER = re.compile(r"[0-9]+")


def duration(value: Any) -> str:
    """A time as RouterOS prints it (`90m` prints `1h30m`, a bare number is seconds), or ValueError.
    Whole seconds only: the toolkit passes no finer times."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _DURATION.fullmatch(text):
        raise ValueError(value)
    seconds = sum(
        int(number) * dict(_DURATION_UNITS).get(unit, 1)
        for number, unit in re.findall(r"([0-9]+)([a-z]?)", text)
    )
    parts = []
    for unit, size in _DURATION_UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def port_range(value: Any) -> str:
    """`80` or `8000-8080` as RouterOS prints it; ValueError otherwise."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str):
        raise ValueError(value)
    bounds = text.split("-")
    if len(bounds) > 2 or not all(_NUMBER.fullmatch(b) and int(b) <= 65535 for b in bounds):
        raise ValueError(value)
    if len(bounds) == 2 and int(bounds[0]) > int(bounds[1]):
        raise ValueError(value)
    return "-".join(str(int(b)) for b in bounds)


def normalise(kind: str, key: str, value: Any) -> Any:
    """One property's value as the router prints it and librouteros reads it back (bool, int, text), so that
    an accepted value never looks changed on a rerun; ValueError when the router would refuse it."""
    facts = SCHEMA.get(kind, {}).get(key, {"kind": "text"})
    if facts["kind"] == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("yes", "true", "no", "false"):
            return value.lower() in _TRUE
        raise ValueError(value)
    if facts["kind"] == "int":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(value)
        if isinstance(value, str) and not _NUMBER.fullmatch(value):
            raise ValueError(value)
        low, high = facts["range"]
        if not low <= int(value) <= high:
            raise ValueError(value)
        return int(value)
    if facts["kind"] == "enum":
        # An enumeration with yes and no in it (add-default-route) takes a boolean for those two.
        if {"yes", "no"} <= set(facts["values"]) and (
            isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false"))
        ):
            value = "yes" if _bool(value) else "no"
        if not isinstance(value, str) or value not in facts["values"]:
            raise ValueError(value)
        return value
    if facts["kind"] == "duration":
        return duration(value)
    if facts["kind"] == "port-range":
        return port_range(value)
    return value


def accepted(kind: str, key: str) -> str:
    """What `normalise` takes for a property, in words for an error message."""
    facts = SCHEMA.get(kind, {}).get(key, {"kind": "text"})
    return {
        "bool": "true or false (yes or no)",
        "int": "a whole number from {} to {}".format(*facts.get("range", (0, 0))),
        "enum": "one of " + ", ".join(facts.get("values", ())),
        "duration": "a time such as 1d, 2h30m or 90s",
        "port-range": "a port 0-65535 or a range such as 8000-8080",
    }.get(facts["kind"], "text without control characters")


def properties(kind: str, keep: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The keys of a kind that go to the router as they are (comment, ports, members are shaped apart)."""
    return tuple(key for key in KEYS[kind] if key not in _NOT_PROPERTIES or key in keep)


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in _TRUE


def owned_comment(comment: Any, marker: str) -> str:
    """`[ansible] LAN bridge`: the marker first, so a person reading the router sees who owns the entry."""
    return f"{marker} {comment}" if comment else marker


def marker_regex(marker: str) -> str:
    return "^" + re.escape(marker) + "( |$)"


def _copy(entry: dict[str, Any], keys: tuple[str, ...], kind: str) -> dict[str, Any]:
    return {key: normalise(kind, key, entry[key]) for key in keys if key in entry and entry[key] is not None}


def ethernet_data(ethernet: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Factory ports are keyed by default-name and belong to the router: only listed properties are set."""
    return [_copy(entry, properties("ethernet", keep=("comment",)), "ethernet") for entry in ethernet or []]


def bridge_data(bridges: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    data = []
    for bridge in bridges or []:
        entry = _copy(bridge, properties("bridge"), "bridge")
        entry["comment"] = owned_comment(bridge.get("comment"), marker)
        data.append(entry)
    return data


def bridge_port_data(bridges: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    return [
        {"bridge": bridge["name"], "interface": port, "comment": marker}
        for bridge in bridges or []
        for port in bridge.get("ports") or []
    ]


def list_data(lists: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    return [
        {"name": entry["name"], "comment": owned_comment(entry.get("comment"), marker)}
        for entry in lists or []
    ]


def list_member_data(lists: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    return [
        {"list": entry["name"], "interface": member, "comment": marker}
        for entry in lists or []
        for member in entry.get("members") or []
    ]


def owned_data(
    entries: list[dict[str, Any]], marker: str, kind: str, keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    data = []
    for source in entries or []:
        entry = _copy(source, keys, kind)
        entry["comment"] = owned_comment(source.get("comment"), marker)
        data.append(entry)
    return data


def address_data(addresses: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    return owned_data(addresses, marker, "address", properties("address", keep=("address",)))


def dhcp_client_data(clients: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    data = owned_data(clients, marker, "dhcp_client", properties("dhcp_client"))
    for entry in data:
        # librouteros reads the printed yes/no of add-default-route as a boolean; special-classless stays.
        if "add-default-route" in entry and entry["add-default-route"] != "special-classless":
            entry["add-default-route"] = _bool(entry["add-default-route"])
    return data


def dns_settings(servers: list[str] | None, allow_remote_requests: Any) -> dict[str, Any]:
    """Only the settings the inventory gives: one left unset (null) stays as the router has it."""
    settings: dict[str, Any] = {}
    if servers is not None:
        settings["servers"] = ",".join(servers)
    if allow_remote_requests is not None:
        settings["allow-remote-requests"] = _bool(allow_remote_requests)
    return settings


def clock_plan(servers: list[str], zone: str) -> list[dict[str, Any]]:
    """Only what the inventory lists: the NTP client when servers are given, the zone when one is named (with
    autodetection off, or MikroTik's cloud would set the zone it guesses)."""
    plan: list[dict[str, Any]] = []
    if servers:
        client = {"enabled": True, "mode": "unicast", "servers": ",".join(servers)}
        plan.append({"path": "system ntp client", "data": [client]})
    if zone:
        plan.append(
            {"path": "system clock", "data": [{"time-zone-name": zone, "time-zone-autodetect": False}]}
        )
    return plan


def dns_static_data(static: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    data = owned_data(static, marker, "dns_static", properties("dns_static", keep=("address",)))
    for entry in data:
        # RouterOS prints type A as unset; sending it would look like a change on every run.
        if entry.get("type") == "A":
            del entry["type"]
    return data


def nat_data(rules: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    data = owned_data(rules, marker, "nat", properties("nat"))
    for entry in data:
        for key in ("src-port", "dst-port"):
            if key in entry:
                entry[key] = str(entry[key])
    return data


def service_data(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    data = []
    for service in services or []:
        entry = _copy(service, properties("service"), "service")
        if service.get("address") is not None:
            entry["address"] = ",".join(service["address"])
        data.append(entry)
    return data


# ----- safety: changes that would cut the play off from the router


def guard_addresses(
    desired: list[dict[str, Any]], current: list[dict[str, Any]], connect_host: str, marker: str, allowed: Any
) -> list[dict[str, Any]]:
    """Refuse to remove an owned address the play reaches the router through, unless allowed."""
    if _bool(allowed):
        return desired
    wanted = {(entry["address"], entry["interface"]) for entry in desired}
    pattern = re.compile(marker_regex(marker))
    for entry in current or []:
        address = str(entry.get("address", ""))
        owned = pattern.match(str(entry.get("comment") or "")) is not None
        used = address.split("/", maxsplit=1)[0] == connect_host
        if owned and used and (address, entry.get("interface")) not in wanted:
            raise AnsibleFilterError(
                f"routeros_addresses_entries: removing {address} on {entry.get('interface')} would cut "
                f"this play off from the router it connects to at {connect_host}; keep it in "
                "routeros_addresses_entries or set routeros_addresses_allow_management_change: true"
            )
    return desired


def guard_services(desired: list[dict[str, Any]], tls: Any, allowed: Any) -> list[dict[str, Any]]:
    """Refuse to disable the API service (api, or api-ssl with TLS) the play itself connects through."""
    if _bool(allowed):
        return desired
    connected = "api-ssl" if _bool(tls) else "api"
    for index, entry in enumerate(desired or []):
        if entry.get("name") == connected and _bool(entry.get("disabled", False)):
            raise AnsibleFilterError(
                f"routeros_api_service_services[{index}].disabled: {entry.get('disabled')!r} would disable "
                f"{connected}, the service this play connects through; set "
                "routeros_api_service_allow_management_change: true to do it anyway"
            )
    return desired


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "routeros_owned_comment": owned_comment,
            "routeros_marker_regex": marker_regex,
            "routeros_ethernet_data": ethernet_data,
            "routeros_bridge_data": bridge_data,
            "routeros_bridge_port_data": bridge_port_data,
            "routeros_list_data": list_data,
            "routeros_list_member_data": list_member_data,
            "routeros_address_data": address_data,
            "routeros_dhcp_client_data": dhcp_client_data,
            "routeros_dns_settings": dns_settings,
            "routeros_clock_plan": clock_plan,
            "routeros_dns_static_data": dns_static_data,
            "routeros_nat_data": nat_data,
            "routeros_service_data": service_data,
            "routeros_guard_addresses": guard_addresses,
            "routeros_guard_services": guard_services,
        }

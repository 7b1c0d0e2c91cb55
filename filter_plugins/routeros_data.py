"""Turn the (already validated) inventory model into `data` for community.routeros.api_modify.

Entries the toolkit owns carry a marker at the start of their comment; the roles pass the same marker to
`restrict`, so api_modify removes owned entries the inventory no longer lists and never sees hand-made ones.
Also here: the safety checks that need the router's current state (the address and service the play uses).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleFilterError

_TRUE = {"yes", "true"}

# What the inventory may say of each kind of entry, with RouterOS property names (and `ports`/`members`, which
# become bridge ports and list members): the one table both the checks (routeros_validate.py) and the data
# below use.
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
    "dns_static": ("name", "address", "type", "cname", "ttl", "comment", "disabled"),
    "nat": (
        "chain",
        "action",
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


def _copy(
    entry: dict[str, Any], keys: tuple[str, ...], bools: tuple[str, ...] = ("disabled",)
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in keys:
        if key in entry and entry[key] is not None:
            data[key] = _bool(entry[key]) if key in bools else entry[key]
    return data


def ethernet_data(ethernet: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Factory ports are keyed by default-name and belong to the router: only listed properties are set."""
    return [_copy(entry, properties("ethernet", keep=("comment",))) for entry in ethernet or []]


def bridge_data(bridges: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    data = []
    for bridge in bridges or []:
        entry = _copy(bridge, properties("bridge"), bools=("disabled", "vlan-filtering"))
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
    entries: list[dict[str, Any]], marker: str, keys: tuple[str, ...], bools: tuple[str, ...] = ("disabled",)
) -> list[dict[str, Any]]:
    data = []
    for source in entries or []:
        entry = _copy(source, keys, bools)
        entry["comment"] = owned_comment(source.get("comment"), marker)
        data.append(entry)
    return data


def address_data(addresses: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    return owned_data(addresses, marker, properties("address", keep=("address",)))


def dhcp_client_data(clients: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    data = owned_data(
        clients,
        marker,
        properties("dhcp_client"),
        bools=("disabled", "use-peer-dns", "use-peer-ntp"),
    )
    for entry in data:
        # RouterOS prints add-default-route as yes/no/special-classless, not as a boolean.
        if "add-default-route" in entry and entry["add-default-route"] != "special-classless":
            entry["add-default-route"] = _bool(entry["add-default-route"])
        if "default-route-distance" in entry:
            entry["default-route-distance"] = int(entry["default-route-distance"])
    return data


def dns_settings(servers: list[str], allow_remote_requests: Any) -> dict[str, Any]:
    return {"servers": ",".join(servers or []), "allow-remote-requests": _bool(allow_remote_requests)}


def dns_static_data(static: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    data = owned_data(static, marker, properties("dns_static", keep=("address",)))
    for entry in data:
        # RouterOS prints type A as unset; sending it would look like a change on every run.
        if entry.get("type") == "A":
            del entry["type"]
    return data


def nat_data(rules: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    data = owned_data(rules, marker, properties("nat"), bools=("disabled", "log"))
    for entry in data:
        for key in ("src-port", "dst-port", "to-ports"):
            if key in entry:
                entry[key] = str(entry[key])
    return data


def service_data(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    data = []
    for service in services or []:
        entry = _copy(service, properties("service"))
        if "port" in entry:
            entry["port"] = int(entry["port"])
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


def backup_document(read: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """routeros_read_paths' answer (path: api_info's entries) as `{path, data}` items, in the order read,
    that api_modify can take back to restore."""
    return [
        {"path": path, "data": [{k: v for k, v in entry.items() if k != ".id"} for entry in entries]}
        for path, entries in read.items()
    ]


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
            "routeros_dns_static_data": dns_static_data,
            "routeros_nat_data": nat_data,
            "routeros_service_data": service_data,
            "routeros_guard_addresses": guard_addresses,
            "routeros_guard_services": guard_services,
            "routeros_backup_document": backup_document,
        }

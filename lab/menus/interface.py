"""/interface and its views: ethernet ports, wireless, bridges, bridge ports, interface lists.

All interfaces share one table (and so one id space), as on a router; each view shows the ones of its type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab import errors
from lab.menus.base import MenuSpec, Props, RouterView, Unique, reset_counters

if TYPE_CHECKING:
    from lab.model import Item

ETHERNET_PORTS = 5


def _mac(router: RouterView, port: int) -> str:
    # Locally administered addresses, unique per lab router and port.
    return f"02:00:00:{router.index // 256:02X}:{router.index % 256:02X}:{port:02X}"


def _factory_interfaces(router: RouterView) -> list[Props]:
    ports: list[Props] = []
    for port in range(1, ETHERNET_PORTS + 1):
        ports.append(
            {
                "name": f"ether{port}",
                "default-name": f"ether{port}",
                "type": "ether",
                "mac-address": _mac(router, port),
            }
        )
    # RouterOS 7.21's command tree has the wifi package (/interface/wifi); the port keeps its classic name.
    ports.append(
        {"name": "wlan1", "default-name": "wlan1", "type": "wifi", "mac-address": _mac(router, 0x10)}
    )
    return ports


def _common(router: RouterView, item: Item) -> Props:
    disabled = item.props.get("disabled") == "true"
    mtu = item.props.get("mtu", "1500")
    return {
        "actual-mtu": "1500" if mtu == "auto" else mtu,
        "running": "false" if disabled else "true",
        "slave": "true" if _is_bridge_port(router, item.props.get("name", "")) else "false",
        "disabled": "true" if disabled else "false",
    }


# The traffic counters /interface prints over the API, in the order of a captured RouterOS 7.1.3 row (names
# the 7.21.4 command tree lists as printable; the manual's "Interface stats" page shows them too). The lab
# forwards no packets, so they stay at zero; `reset-counters` accepts the interfaces it is given, which stay
# at zero. No link goes down in the lab: link-downs stays 0 and the last-link-*-time fields are not printed.
COUNTERS = (
    "link-downs",
    "rx-byte",
    "tx-byte",
    "rx-packet",
    "tx-packet",
    "rx-drop",
    "tx-drop",
    "tx-queue-drop",
    "rx-error",
    "tx-error",
    "fp-rx-byte",
    "fp-tx-byte",
    "fp-rx-packet",
    "fp-tx-packet",
)


def _interface_derive(router: RouterView, item: Item) -> Props:
    return {**_common(router, item), **dict.fromkeys(COUNTERS, "0")}


def _is_bridge_port(router: RouterView, name: str) -> bool:
    return router.find_by(router.spec("interface/bridge/port"), "interface", name) is not None


def _check_name(router: RouterView, props: Props, current: Item | None) -> None:
    name = props.get("name", "")
    if not name:
        return
    for other in router.state.table("interface").items:
        if other is not current and other.props.get("name") == name:
            raise errors.failure("already have interface with such name")


INTERFACE = MenuSpec(
    path="interface",
    table="interface",
    defaults={"mtu": "1500", "l2mtu": "1598"},
    check=_check_name,
    derive=_interface_derive,
    initial=_factory_interfaces,
    protect=lambda item: "can not remove interface" if item.props.get("default-name") else None,
    commands={"reset-counters": reset_counters("interface")},
)

ETHERNET = MenuSpec(
    path="interface/ethernet",
    table="interface",
    type_filter="ether",
    defaults={
        "mtu": "1500",
        "l2mtu": "1598",
        "arp": "enabled",
        "arp-timeout": "auto",
        "auto-negotiation": "true",
        "loop-protect": "default",
        "rx-flow-control": "off",
        "tx-flow-control": "off",
        "advertise": (
            "10M-baseT-half,10M-baseT-full,100M-baseT-half,100M-baseT-full,1G-baseT-half,1G-baseT-full"
        ),
    },
    kinds={"mac-address": "text"},
    check=_check_name,
    derive=_common,
    secret=frozenset({"type"}),
    commands={"reset-counters": reset_counters("interface/ethernet")},
)

WIFI = MenuSpec(
    path="interface/wifi",
    table="interface",
    type_filter="wifi",
    unnamed="refuse",
    defaults={"mtu": "1500", "l2mtu": "1560", "arp": "enabled", "arp-timeout": "auto"},
    kinds={"mac-address": "text"},
    check=_check_name,
    derive=_common,
    secret=frozenset({"type"}),
)

BRIDGE = MenuSpec(
    path="interface/bridge",
    table="interface",
    type_filter="bridge",
    unnamed="bridge",
    defaults={
        "mtu": "auto",
        "arp": "enabled",
        "arp-timeout": "auto",
        "auto-mac": "true",
        "ageing-time": "5m",
        "protocol-mode": "rstp",
        "priority": "0x8000",
        "vlan-filtering": "false",
        "igmp-snooping": "false",
        "dhcp-snooping": "false",
        "fast-forward": "true",
        "frame-types": "admit-all",
        "ingress-filtering": "true",
        "pvid": "1",
        "forward-delay": "15s",
        "max-message-age": "20s",
        "transmit-hold-count": "6",
    },
    kinds={
        "ageing-time": "duration",
        "forward-delay": "duration",
        "max-message-age": "duration",
        "admin-mac": "text",
    },
    check=_check_name,
    derive=lambda router, item: {
        **_common(router, item),
        "l2mtu": "65535",
        "mac-address": _mac(router, 0x80 + int(item.id[1:], 16) % 0x7F),
    },
)


def _check_port(router: RouterView, props: Props, current: Item | None) -> None:
    bridges = {i.props.get("name") for i in router.items(router.spec("interface/bridge"))}
    if props.get("bridge") not in bridges:
        raise errors.no_match("bridge")
    if props.get("interface") == props.get("bridge"):
        raise errors.failure("can not add bridge as its own port")


BRIDGE_PORT = MenuSpec(
    path="interface/bridge/port",
    defaults={
        "pvid": "1",
        "horizon": "none",
        "edge": "auto",
        "point-to-point": "auto",
        "learn": "auto",
        "hw": "true",
        "path-cost": "10",
        "priority": "0x80",
        "frame-types": "admit-all",
        "ingress-filtering": "true",
        "trusted": "false",
        "bpdu-guard": "false",
        "disabled": "false",
    },
    refs={"interface": "interface", "bridge": "interface"},
    unique=(Unique(("interface",), "device already added as bridge port"),),
    check=_check_port,
    derive=lambda router, item: {"inactive": "false", "status": "in-bridge"},
)

BUILTIN_LISTS = ("all", "none", "dynamic", "static")

INTERFACE_LIST = MenuSpec(
    path="interface/list",
    defaults={"builtin": "false", "include": "", "exclude": ""},
    unique=(Unique(("name",), "list with such name already exists"),),
    initial=lambda router: [{"name": name, "builtin": "true"} for name in BUILTIN_LISTS],
    protect=lambda item: "can not remove builtin list" if item.props.get("builtin") == "true" else None,
)


def _check_member(router: RouterView, props: Props, current: Item | None) -> None:
    if props.get("list") in BUILTIN_LISTS:
        raise errors.failure("can not add members to builtin list")


INTERFACE_LIST_MEMBER = MenuSpec(
    path="interface/list/member",
    defaults={"disabled": "false"},
    refs={"interface": "interface", "list": "interface-list"},
    unique=(Unique(("list", "interface"), "already have such entry"),),
    check=_check_member,
)

SPECS = (INTERFACE, ETHERNET, WIFI, BRIDGE, BRIDGE_PORT, INTERFACE_LIST, INTERFACE_LIST_MEMBER)

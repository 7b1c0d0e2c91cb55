"""/ip/pool, /ip/dhcp-server and /ip/dhcp-server/network: the LAN side of RouterOS's factory configuration.

Configuration only: the lab has no LAN clients, so no server hands out a lease and `/ip/dhcp-server/lease` is
not emulated. What is checked is what a router checks when the entries are made (manual, DHCP: "IP/DHCP
Server" and "IP pools").
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from lab import errors
from lab.menus.base import MenuSpec, Props, RouterView, Unique

if TYPE_CHECKING:
    from lab.model import Item


def _pool_range(text: str) -> None:
    """One part of `ranges`: an address, `first-last` (first not after last) or a prefix."""
    if "-" in text:
        first, last = (ipaddress.IPv4Address(part) for part in text.split("-", 1))
        if int(last) < int(first):
            raise ValueError(text)
    elif "/" in text:
        ipaddress.IPv4Network(text, strict=False)
    else:
        ipaddress.IPv4Address(text)


def _check_pool(router: RouterView, props: Props, current: Item | None) -> None:
    ranges = props.get("ranges", "")
    try:
        for part in ranges.split(","):
            _pool_range(part)
    except ValueError:
        raise errors.invalid_value("ranges", ranges) from None


POOL = MenuSpec(
    path="ip/pool",
    defaults={"next-pool": "none"},
    kinds={"name": "text", "next-pool": "text"},
    refs={"next-pool": "ip-pool"},
    # Uncertain: the router's words for a second pool of one name (the manual is silent); the lab refuses it.
    unique=(Unique(("name",), "already have pool with such name"),),
    check=_check_pool,
    unnamed="pool",
)

SERVER = MenuSpec(
    path="ip/dhcp-server",
    defaults={
        "address-pool": "static-only",
        "lease-time": "30m",
        "authoritative": "yes",
        "add-arp": "false",
        "always-broadcast": "false",
        "bootp-support": "static",
        "use-radius": "no",
        "conflict-detection": "true",
        "disabled": "false",
    },
    # address-pool names a pool or `static-only`: a reference, not the tree's one-word list.
    kinds={"address-pool": "text", "lease-time": "duration", "bootp-lease-time": "text"},
    refs={"interface": "interface", "address-pool": "ip-pool"},
    # Uncertain, the texts (no capture found): a name is one server's, and a router runs one server per
    # interface (manual, DHCP Server: "The router supports an individual server for each Ethernet-like
    # interface").
    unique=(
        Unique(("name",), "already have server with such name"),
        Unique(("interface",), "already have server on this interface"),
    ),
    derive=lambda router, item: {"invalid": "false"},
    unnamed="dhcp",
)

NETWORK = MenuSpec(
    path="ip/dhcp-server/network",
    defaults={"dns-none": "false", "ntp-none": "false"},
    kinds={"address": "prefix", "dns-server": "ip-list", "ntp-server": "ip-list", "wins-server": "ip-list"},
    unique=(Unique(("address",), "already have such network"),),
)

SPECS = (POOL, SERVER, NETWORK)

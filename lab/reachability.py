"""What a probe from a router to an address sees right now: whether it answers, its loss and its delay.

Three rules, in this order:
- A router answers for itself: its own addresses (any address of an enabled /ip address entry, and the
  loopback range) answer at once with no loss, whatever the host table says, uplink or not.
- RFC 5737 documentation addresses (lab.network.DOCUMENTATION_NETWORKS) never answer, even if a host record
  exists: tests and playbooks rely on them for a host that is certainly down.
- Any other address follows the router's host table (lab.network): a host answers while it is up and the
  router reaches it, on a LAN network of its own or through the uplink while the uplink is up.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, NamedTuple

from lab.network import documentation_network

if TYPE_CHECKING:
    from lab.router import Router


class Reach(NamedTuple):
    answers: bool
    loss_percent: float
    delay_ms: float


SELF = Reach(True, 0.0, 0.0)
SILENT = Reach(False, 100.0, 0.0)


def reachable(router: Router, address: str) -> Reach:
    if is_own_address(router, address):
        return SELF
    if documentation_network(address) is not None:
        return SILENT
    host = router.network.host(router.index, address)
    if host is None or not host.up:
        return SILENT
    if not router.uplink.up and not on_lan(router, address):
        return SILENT
    return Reach(True, host.loss_percent, host.delay_ms)


def _enabled_interfaces(
    router: Router,
) -> list[tuple[str, ipaddress.IPv4Interface | ipaddress.IPv6Interface]]:
    """(interface name, address/network) of every enabled /ip address entry, dynamic ones included."""
    found = []
    for row in router.rows("ip/address"):
        if row.get("disabled") == "true":
            continue
        try:
            found.append((row.get("interface", ""), ipaddress.ip_interface(row.get("address", ""))))
        except ValueError:
            continue
    return found


def is_own_address(router: Router, address: str) -> bool:
    try:
        target = ipaddress.ip_address(address)
    except ValueError:
        return False
    return target.is_loopback or any(entry.ip == target for _, entry in _enabled_interfaces(router))


def on_lan(router: Router, address: str) -> bool:
    """A host in a network the router has an address on (other than the uplink's) does not need the uplink."""
    try:
        target = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(
        target in entry.network
        for interface, entry in _enabled_interfaces(router)
        if interface != router.uplink.interface
    )

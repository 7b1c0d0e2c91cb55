"""What a probe from a router to an address sees right now: whether it answers, its loss and its delay, and
what a TCP or DNS service on it does.

Three rules, in this order:
- A router answers for itself: its own addresses (any address of an enabled /ip address entry, and the
  loopback range) answer at once with no loss, whatever the host table says, uplink or not.
- RFC 5737 documentation addresses (lab.network.DOCUMENTATION_NETWORKS) never answer, even if a host record
  exists: tests and playbooks rely on them for a host that is certainly down.
- Any other address follows the router's host table (lab.network): a host answers while it is up and the
  router reaches it, on a LAN network of its own or through the uplink while the uplink is up.

Services (`service_at`): the router itself accepts TCP on the ports of its enabled /ip service entries; a
host accepts TCP on every port `ctl host ... port P closed` has not closed, and answers HTTP with its status.
The virtual ISP's DNS server (the one the DHCP lease names) answers DNS queries while the uplink is up,
although it answers nothing else (`dns_server`).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, NamedTuple

from lab.network import DEFAULT_HTTP_STATUS, documentation_network

if TYPE_CHECKING:
    from lab.router import Router


class Reach(NamedTuple):
    answers: bool
    loss_percent: float
    delay_ms: float


SELF = Reach(True, 0.0, 0.0)
SILENT = Reach(False, 100.0, 0.0)
# The delay of the virtual ISP's DNS server, which has no host record.
ISP_DELAY_MS = 1.0


class Service(NamedTuple):
    """What a TCP (or DNS) service at an address and port does for a probe."""

    reach: Reach
    # Accepts the connection (or query); a closed port answers at once with a reset (port unreachable).
    open: bool
    # What a GET is answered with.
    http_status: int = DEFAULT_HTTP_STATUS
    # The router itself.
    own: bool = False


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


def service_at(router: Router, address: str, port: int) -> Service:
    if is_own_address(router, address):
        return Service(SELF, port in _service_ports(router), own=True)
    reach = reachable(router, address)
    host = router.network.host(router.index, address) if reach.answers else None
    if host is None:
        return Service(reach, False)
    return Service(reach, host.accepts(port), host.http_status)


def dns_server(router: Router, address: str, port: int) -> Service:
    """A DNS server as a probe of it sees it: the virtual ISP's server answers while the uplink is up."""
    if address == router.uplink.dns and not is_own_address(router, address):
        reach = Reach(True, 0.0, ISP_DELAY_MS) if router.uplink.up else SILENT
        return Service(reach, router.uplink.up)
    return service_at(router, address, port)


def _service_ports(router: Router) -> set[int]:
    """The ports the router listens on: those of its enabled /ip service entries."""
    return {
        int(row["port"])
        for row in router.rows("ip/service")
        if row.get("dynamic") != "true" and row.get("disabled") != "true" and row.get("port", "").isdigit()
    }


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

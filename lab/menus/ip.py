"""/ip: addresses, the DHCP client on the uplink, DNS, routes, firewall NAT, filter and address lists,
services."""

from __future__ import annotations

import ipaddress
import threading
import time
from typing import TYPE_CHECKING

from lab import errors, values
from lab.menus.base import MenuSpec, Props, RouterView, Unique, reset_all_counters, reset_counters

if TYPE_CHECKING:
    from lab.model import Item


def _address_derive(router: RouterView, item: Item) -> Props:
    _, network = values.to_interface_address(item.props["address"])
    interface = router.find_by(router.spec("interface"), "name", item.props.get("interface", ""))
    disabled_interface = interface is not None and interface.props.get("disabled") == "true"
    return {
        "network": item.props.get("network", network),
        "actual-interface": item.props.get("interface", ""),
        "invalid": "true" if disabled_interface else "false",
        "disabled": item.props.get("disabled", "false"),
    }


ADDRESS = MenuSpec(
    path="ip/address",
    defaults={"disabled": "false"},
    kinds={"address": "address", "network": "ipv4"},
    refs={"interface": "interface"},
    unique=(Unique(("address", "interface"), "already have such address"),),
    derive=_address_derive,
)

# ----- DHCP client: binds on the lab's virtual uplink, then adds a dynamic address, route and DNS servers.


def _interface_default_name(router: RouterView, name: str) -> str:
    item = router.find_by(router.spec("interface"), "name", name)
    return item.props.get("default-name", "") if item else ""


def dhcp_rebind(router: RouterView, item: Item) -> None:
    owner = f"dhcp-client:{item.id}"
    router.drop_owned(owner)
    item.props.pop("status", None)
    if item.props.get("disabled") == "true":
        return
    uplink = router.uplink
    on_uplink = _interface_default_name(router, item.props.get("interface", "")) == uplink.interface
    if not (on_uplink and uplink.up):
        return
    interface = item.props["interface"]
    router.add_dynamic("ip/address", {"address": uplink.lease_address, "interface": interface}, owner)
    if item.props.get("add-default-route", "yes") != "no":
        router.add_dynamic(
            "ip/route",
            {
                "dst-address": "0.0.0.0/0",
                "gateway": uplink.gateway,
                "distance": item.props.get("default-route-distance", "1"),
                "dhcp": "true",
            },
            owner,
        )
    router.log("dhcp,info", f"dhcp-client on {interface} got IP address {uplink.lease_address.split('/')[0]}")


def _dhcp_bound(router: RouterView, item: Item) -> bool:
    owner = f"dhcp-client:{item.id}"
    return any(i.owner == owner for i in router.state.table("ip/address").items)


def _dhcp_derive(router: RouterView, item: Item) -> Props:
    if item.props.get("disabled") == "true":
        return {"status": "stopped", "invalid": "false"}
    if not _dhcp_bound(router, item):
        return {"status": "searching...", "invalid": "false"}
    uplink = router.uplink
    bound: Props = {
        "status": "bound",
        "address": uplink.lease_address,
        "gateway": uplink.gateway,
        "dhcp-server": uplink.gateway,
        "expires-after": "23h59m",
        "invalid": "false",
    }
    if item.props.get("use-peer-dns") != "false":
        bound["primary-dns"] = uplink.dns
    return bound


def _dhcp_boot(router: RouterView) -> None:
    for item in router.state.table("ip/dhcp-client").items:
        dhcp_rebind(router, item)


def _dhcp_after(router: RouterView, item: Item, event: str) -> None:
    if event == "remove":
        router.drop_owned(f"dhcp-client:{item.id}")
    else:
        dhcp_rebind(router, item)


def _dhcp_renew(router: RouterView, args: Props) -> None:
    for reference in args.get("numbers", args.get(".id", "")).split(","):
        dhcp_rebind(router, router.resolve(router.spec("ip/dhcp-client"), reference))


DHCP_CLIENT = MenuSpec(
    path="ip/dhcp-client",
    defaults={
        "add-default-route": "yes",
        "default-route-distance": "1",
        "default-route-tables": "default",
        "use-peer-dns": "true",
        "use-peer-ntp": "true",
        "dhcp-options": "hostname,clientid",
        "use-broadcast": "both",
        "check-gateway": "none",
        "allow-reconfigure": "false",
        "disabled": "false",
    },
    kinds={"dhcp-options": "enum-list"},
    refs={"interface": "interface"},
    unique=(Unique(("interface",), "dhcp-client on that interface already exists"),),
    derive=_dhcp_derive,
    after=_dhcp_after,
    boot=_dhcp_boot,
    commands={"renew": _dhcp_renew, "release": _dhcp_renew},
)

# ----- DNS


def _dns_derive(router: RouterView, item: Item) -> Props:
    dynamic = []
    for client in router.state.table("ip/dhcp-client").items:
        if client.props.get("use-peer-dns") != "false" and _dhcp_bound(router, client):
            dynamic.append(router.uplink.dns)
    return {"dynamic-servers": ",".join(dict.fromkeys(dynamic)), "cache-used": "24KiB"}


DNS = MenuSpec(
    path="ip/dns",
    single=True,
    defaults={
        "servers": "",
        "allow-remote-requests": "false",
        "max-udp-packet-size": "4096",
        "query-server-timeout": "2s",
        "query-total-timeout": "10s",
        "max-concurrent-queries": "100",
        "max-concurrent-tcp-sessions": "20",
        "cache-size": "2048KiB",
        "cache-max-ttl": "1w",
        "address-list-extra-time": "0s",
        "vrf": "main",
        "use-doh-server": "",
        "verify-doh-cert": "false",
        "doh-max-server-connections": "5",
        "doh-max-concurrent-queries": "50",
        "doh-timeout": "5s",
        "mdns-repeat-ifaces": "",
    },
    kinds={
        "servers": "ip-list",
        "query-server-timeout": "duration",
        "query-total-timeout": "duration",
        "cache-max-ttl": "duration",
        "doh-timeout": "duration",
        "address-list-extra-time": "duration",
    },
    derive=_dns_derive,
)


def _check_static(router: RouterView, props: Props, current: Item | None) -> None:
    if not props.get("name") and not props.get("regexp"):
        raise errors.failure("name or regexp must be set")
    record = props.get("type", "A")
    needs = {
        "A": "address",
        "AAAA": "address",
        "CNAME": "cname",
        "FWD": "forward-to",
        "NS": "ns",
        "TXT": "text",
    }
    wanted = needs.get(record)
    if wanted and not props.get(wanted):
        raise errors.failure(f"{wanted} must be set")


DNS_STATIC = MenuSpec(
    path="ip/dns/static",
    defaults={"ttl": "1d", "disabled": "false"},
    # ttl is a duration and type a closed list: lab.schema.GAPS says so for the lab and the controller.
    kinds={"address": "ip"},
    check=_check_static,
)

# ----- routes


def _route_derive(router: RouterView, item: Item) -> Props:
    derived: Props = {
        "distance": item.props.get("distance", "1"),
        "scope": item.props.get("scope", "30"),
        "target-scope": item.props.get("target-scope", "10"),
        "routing-table": item.props.get("routing-table", "main"),
        "active": "false" if item.props.get("disabled") == "true" else "true",
        "static": "false" if item.dynamic else "true",
        "inactive": "false",
        "disabled": item.props.get("disabled", "false"),
    }
    if item.dynamic:
        derived["dhcp"] = "true"
    return derived


def _check_route(router: RouterView, props: Props, current: Item | None) -> None:
    if "dst-address" not in props:
        props["dst-address"] = "0.0.0.0/0"


ROUTE = MenuSpec(
    path="ip/route",
    defaults={"suppress-hw-offload": "false"},
    kinds={"dst-address": "prefix", "pref-src": "ipv4"},
    check=_check_route,
    derive=_route_derive,
)

# ----- firewall

_RULE_DEFAULTS: Props = {"disabled": "false", "log": "false", "log-prefix": ""}
_RULE_REFS = {
    "in-interface": "interface",
    "out-interface": "interface",
    "in-interface-list": "interface-list",
    "out-interface-list": "interface-list",
}


def _rule_derive(router: RouterView, item: Item) -> Props:
    return {"bytes": "0", "packets": "0", "invalid": "false", "action": item.props.get("action", "accept")}


def _check_nat(router: RouterView, props: Props, current: Item | None) -> None:
    _check_rule_refs(router, props)
    action, chain = props.get("action", "accept"), props.get("chain", "")
    if action == "masquerade" and chain != "srcnat":
        raise errors.failure("masquerade action is only valid in srcnat chain")
    if action == "dst-nat" and chain != "dstnat":
        raise errors.failure("dst-nat action is only valid in dstnat chain")
    if props.get("to-ports") and props.get("protocol") not in ("tcp", "udp", "6", "17"):
        raise errors.failure("to-ports requires protocol tcp or udp")
    _check_ports(props)


def _check_filter(router: RouterView, props: Props, current: Item | None) -> None:
    _check_rule_refs(router, props)
    _check_ports(props)


def _check_ports(props: Props) -> None:
    for name in ("dst-port", "src-port"):
        if props.get(name) and props.get("protocol") not in (
            "tcp",
            "udp",
            "6",
            "17",
            "sctp",
            "dccp",
            "udp-lite",
        ):
            raise errors.failure(f"{name} requires protocol tcp, udp, udp-lite, dccp or sctp")


def _check_rule_refs(router: RouterView, props: Props) -> None:
    # Firewall matchers may be negated with "!", so the generic reference check cannot see them.
    for name, kind in _RULE_REFS.items():
        value = props.get(name, "").removeprefix("!")
        if value and value not in router.names(kind):
            raise errors.no_match(name)


# `action` is a closed list by lab.schema.GAPS.
_RULE_KINDS = {
    "log": "bool",
    "address-list-timeout": "duration",
    "connection-state": "state-list",
    "connection-nat-state": "state-list",
}

NAT = MenuSpec(
    path="ip/firewall/nat",
    defaults=dict(_RULE_DEFAULTS),
    kinds=dict(_RULE_KINDS),
    check=_check_nat,
    derive=_rule_derive,
    commands={"reset-counters": reset_counters("ip/firewall/nat"), "reset-counters-all": reset_all_counters},
)

FILTER = MenuSpec(
    path="ip/firewall/filter",
    defaults=dict(_RULE_DEFAULTS),
    kinds=dict(_RULE_KINDS),
    check=_check_filter,
    derive=_rule_derive,
    commands={
        "reset-counters": reset_counters("ip/firewall/filter"),
        "reset-counters-all": reset_all_counters,
    },
)

# ----- address lists
#
# An entry added with `timeout=` is dynamic and goes when the timeout runs out (counted on the router's
# uptime, not its clock); `timeout` prints the time left. Dynamic entries are not configuration: a reboot
# drops them and they are never saved. Unlike most dynamic items they can be removed (scripts clear lists
# with `remove [find list=...]`).

ADDRESS_LIST_PATH = "ip/firewall/address-list"
# When a dynamic entry runs out, on the monotonic clock; lab bookkeeping, never printed.
_EXPIRES = "lab-expires"


def _list_address(text: str) -> str:
    """An address (`10.0.0.1`), a network (`10.0.0.0/24`; `/32` prints as the address) or a range
    (`10.0.0.1-10.0.0.9`). A DNS name, which RouterOS resolves into dynamic entries, is not emulated."""
    try:
        if "-" in text:
            first, last = (ipaddress.IPv4Address(part) for part in text.split("-", 1))
            if int(last) < int(first):
                raise ValueError(text)
            return f"{first}-{last}"
        network = ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        if text and not text[0].isdigit():
            raise errors.not_supported(f"/ip/firewall/address-list address={text} (a DNS name)") from None
        raise errors.invalid_value("address", text) from None
    return str(network.network_address) if network.prefixlen == 32 else str(network)


def _address_list_check(router: RouterView, props: Props, current: Item | None) -> None:
    if not props.get("address"):
        raise errors.missing_value("address")
    props["address"] = _list_address(props["address"])
    for other in router.items(ADDRESS_LIST):
        if other is not current and (other.props.get("list"), other.props.get("address")) == (
            props.get("list"),
            props["address"],
        ):
            raise errors.failure("already have such entry")
    if current is None:
        props["creation-time"] = router.clock.stamp()
        if props.get("timeout"):
            seconds = values.parse_duration_ms(props["timeout"]) / 1000
            props[_EXPIRES] = f"{time.monotonic() + seconds:.6f}"
    elif props.get("timeout") != current.props.get("timeout"):
        raise errors.not_supported("/ip/firewall/address-list set timeout= on an existing entry")


def _address_list_after(router: RouterView, item: Item, action: str) -> None:
    if action != "add":
        return
    if item.props.pop("dynamic", "false") == "true" or _EXPIRES in item.props:
        item.dynamic = True
    if _EXPIRES in item.props:
        delay = max(float(item.props[_EXPIRES]) - time.monotonic(), 0.0)
        timer = threading.Timer(delay, _expire, (router, item.id, item.props[_EXPIRES]))
        timer.daemon = True
        timer.start()


def _expire(router: RouterView, item_id: str, expires: str) -> None:
    with router.lock:
        table = router.state.table(ADDRESS_LIST_PATH)
        item = table.get(item_id)
        if item is not None and item.props.get(_EXPIRES) == expires:
            table.items.remove(item)


def _address_list_derive(router: RouterView, item: Item) -> Props:
    if _EXPIRES not in item.props:
        return {}
    left_ms = max(int((float(item.props[_EXPIRES]) - time.monotonic()) * 1000), 0)
    # Whole seconds, rounded up: an entry added with timeout=1m shows 1m until a second has gone.
    return {"timeout": values.format_duration((left_ms + 999) // 1000 * 1000)}


def _remove_list_entries(router: RouterView, args: Props) -> None:
    """Removes entries, dynamic ones too."""
    reference = args.get(".id") or args.get("numbers") or args.get("number") or ""
    targets = [router.resolve(ADDRESS_LIST, part) for part in reference.split(",") if part]
    if not reference:
        raise errors.missing_value("numbers")
    table = router.state.table(ADDRESS_LIST_PATH)
    table.items = [item for item in table.items if item not in targets]
    router.save()


ADDRESS_LIST = MenuSpec(
    path=ADDRESS_LIST_PATH,
    defaults={"disabled": "false"},
    kinds={"list": "text", "timeout": "duration", "dynamic": "bool"},
    check=_address_list_check,
    derive=_address_list_derive,
    after=_address_list_after,
    commands={"remove": _remove_list_entries},
    secret=frozenset({_EXPIRES}),
)

# ----- services

_SERVICES = (
    ("telnet", "23"),
    ("ftp", "21"),
    ("www", "80"),
    ("ssh", "22"),
    ("www-ssl", "443"),
    ("api", "8728"),
    ("winbox", "8291"),
    ("api-ssl", "8729"),
)


_TLS_SERVICES = ("api-ssl", "www-ssl")

_SERVICE_DEFAULTS: Props = {
    "address": "",
    "disabled": "false",
    "vrf": "main",
    "max-sessions": "20",
}

# RouterOS 7.19 lists every open TCP connection in /ip/service as a dynamic row named after its service
# (changelog "ip-service - show all TCP/UDP connections on the system"), so a name matches two rows or more.
CONNECTIONS_SINCE = (7, 19)


def _service_factory(router: RouterView) -> list[Props]:
    return [
        {"name": name, "port": port, **({"disabled": "true"} if name == "www-ssl" else {})}
        for name, port in _SERVICES
    ]


def _service_derive(router: RouterView, item: Item) -> Props:
    if item.dynamic:
        # A connection row carries none of the service settings, only where it comes from.
        return {"proto": "tcp", "invalid": "false", "connection": "true"}
    derived = {key: item.props.get(key, value) for key, value in _SERVICE_DEFAULTS.items()}
    derived.update({"proto": "tcp", "invalid": "false"})
    if item.props.get("name") in _TLS_SERVICES:
        derived["certificate"] = item.props.get("certificate", "none")
        derived["tls-version"] = item.props.get("tls-version", "any")
    return derived


def service_connection_opened(router: RouterView, service: str, local: str, remote: str) -> str | None:
    """Show one accepted connection as the router does from 7.19 on; the owner to drop when it closes."""
    if router.version_tuple < CONNECTIONS_SINCE:
        return None
    with router.lock:
        ports = [i.props.get("port", "") for i in router.items(SERVICE) if i.props.get("name") == service]
        props = {"name": service, "port": ports[0] if ports else "", "local": local, "remote": remote}
        owner = f"connection:{service}:{remote}"
        router.add_dynamic(SERVICE.path, props, owner)
        return owner


def service_connection_closed(router: RouterView, owner: str | None) -> None:
    if owner is not None:
        with router.lock:
            router.drop_owned(owner)


SERVICE = MenuSpec(
    path="ip/service",
    # The tree lists only `none` for certificate; a router takes the name of any /certificate entry.
    kinds={"address": "address-list", "name": "text", "certificate": "text", "tls-version": "enum"},
    refs={"certificate": "certificate"},
    initial=_service_factory,
    derive=_service_derive,
    # The text a 7.19+ router answers when `set [find name=api]` also hits a connection row.
    dynamic_refusal="this is configured elsewhere",
)

SPECS = (ADDRESS, DHCP_CLIENT, DNS, DNS_STATIC, ROUTE, NAT, FILTER, ADDRESS_LIST, SERVICE)

"""/ip: addresses, the DHCP client on the uplink, DNS, routes, firewall NAT and filter, services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab import errors, values
from lab.menus.base import MenuSpec, Props, Unique

if TYPE_CHECKING:
    from lab.model import Item
    from lab.router import Router


def _address_derive(router: Router, item: Item) -> Props:
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


def _interface_default_name(router: Router, name: str) -> str:
    item = router.find_by(router.spec("interface"), "name", name)
    return item.props.get("default-name", "") if item else ""


def dhcp_rebind(router: Router, item: Item) -> None:
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


def _dhcp_bound(router: Router, item: Item) -> bool:
    owner = f"dhcp-client:{item.id}"
    return any(i.owner == owner for i in router.state.table("ip/address").items)


def _dhcp_derive(router: Router, item: Item) -> Props:
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


def _dhcp_boot(router: Router) -> None:
    for item in router.state.table("ip/dhcp-client").items:
        dhcp_rebind(router, item)


def _dhcp_after(router: Router, item: Item, event: str) -> None:
    if event == "remove":
        router.drop_owned(f"dhcp-client:{item.id}")
    else:
        dhcp_rebind(router, item)


def _dhcp_renew(router: Router, args: Props) -> None:
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


def _dns_derive(router: Router, item: Item) -> Props:
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


def _check_static(router: Router, props: Props, current: Item | None) -> None:
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
    kinds={"ttl": "duration", "address": "ip", "type": "enum"},
    check=_check_static,
)

# ----- routes


def _route_derive(router: Router, item: Item) -> Props:
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


def _check_route(router: Router, props: Props, current: Item | None) -> None:
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


def _rule_derive(router: Router, item: Item) -> Props:
    return {"bytes": "0", "packets": "0", "invalid": "false", "action": item.props.get("action", "accept")}


def _check_nat(router: Router, props: Props, current: Item | None) -> None:
    _check_rule_refs(router, props)
    action, chain = props.get("action", "accept"), props.get("chain", "")
    if action == "masquerade" and chain != "srcnat":
        raise errors.failure("masquerade action is only valid in srcnat chain")
    if action == "dst-nat" and chain != "dstnat":
        raise errors.failure("dst-nat action is only valid in dstnat chain")
    if props.get("to-ports") and props.get("protocol") not in ("tcp", "udp", "6", "17"):
        raise errors.failure("to-ports requires protocol tcp or udp")
    _check_ports(props)


def _check_filter(router: Router, props: Props, current: Item | None) -> None:
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


def _check_rule_refs(router: Router, props: Props) -> None:
    # Firewall matchers may be negated with "!", so the generic reference check cannot see them.
    for name, kind in _RULE_REFS.items():
        value = props.get(name, "").removeprefix("!")
        if value and value not in router.names(kind):
            raise errors.no_match(name)


_RULE_KINDS = {"action": "enum", "log": "bool", "address-list-timeout": "duration"}

NAT = MenuSpec(
    path="ip/firewall/nat",
    defaults=dict(_RULE_DEFAULTS),
    kinds=dict(_RULE_KINDS),
    check=_check_nat,
    derive=_rule_derive,
)

FILTER = MenuSpec(
    path="ip/firewall/filter",
    defaults=dict(_RULE_DEFAULTS),
    kinds=dict(_RULE_KINDS),
    check=_check_filter,
    derive=_rule_derive,
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


def _service_factory(router: Router) -> list[Props]:
    return [
        {"name": name, "port": port, **({"disabled": "true"} if name == "www-ssl" else {})}
        for name, port in _SERVICES
    ]


def _service_derive(router: Router, item: Item) -> Props:
    if item.dynamic:
        # A connection row carries none of the service settings, only where it comes from.
        return {"proto": "tcp", "invalid": "false", "connection": "true"}
    derived = {key: item.props.get(key, value) for key, value in _SERVICE_DEFAULTS.items()}
    derived.update({"proto": "tcp", "invalid": "false"})
    if item.props.get("name") in _TLS_SERVICES:
        derived["certificate"] = item.props.get("certificate", "none")
        derived["tls-version"] = item.props.get("tls-version", "any")
    return derived


def service_connection_opened(router: Router, service: str, local: str, remote: str) -> str | None:
    """Show one accepted connection as the router does from 7.19 on; the owner to drop when it closes."""
    if router.version_tuple < CONNECTIONS_SINCE:
        return None
    with router.lock:
        ports = [i.props.get("port", "") for i in router.items(SERVICE) if i.props.get("name") == service]
        props = {"name": service, "port": ports[0] if ports else "", "local": local, "remote": remote}
        owner = f"connection:{service}:{remote}"
        router.add_dynamic(SERVICE.path, props, owner)
        return owner


def service_connection_closed(router: Router, owner: str | None) -> None:
    if owner is not None:
        with router.lock:
            router.drop_owned(owner)


SERVICE = MenuSpec(
    path="ip/service",
    kinds={"address": "address-list", "name": "text"},
    initial=_service_factory,
    derive=_service_derive,
    # The text a 7.19+ router answers when `set [find name=api]` also hits a connection row.
    dynamic_refusal="this is configured elsewhere",
)

SPECS = (ADDRESS, DHCP_CLIENT, DNS, DNS_STATIC, ROUTE, NAT, FILTER, SERVICE)

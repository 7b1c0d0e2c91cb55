"""/tool netwatch: configuration, defaults by probe type, and the result fields a probe fills in."""

from __future__ import annotations

import ipaddress
import math
import re
from typing import TYPE_CHECKING

from lab import errors, values
from lab.menus.base import MenuSpec, Props, RouterView
from lab.schema import tree

if TYPE_CHECKING:
    from lab.model import Item

# What every probe type prints for its own options while they are unset ("Default Netwatch values are always
# used - even if they were not defined by the user", the manual; the defaults are the manual's).
DEFAULT_HTTP_CODES = "100-299"
DEFAULT_PORTS = {"tcp-conn": "80", "http-get": "80", "https-get": "443"}
_TYPE_DEFAULTS: dict[str, Props] = {
    "icmp": {
        "packet-count": "10",
        "packet-interval": "50ms",
        "packet-size": "54",
        "thr-loss-percent": "85.0%",
        "thr-loss-count": "4294967295",
        "thr-avg": "100ms",
        "thr-max": "1s",
        "thr-jitter": "1s",
        "thr-stdev": "250ms",
        "ttl": "255",
        "accept-icmp-time-exceeded": "false",
    },
    "tcp-conn": {"port": DEFAULT_PORTS["tcp-conn"], "thr-tcp-conn-time": "1s"},
    "http-get": {
        "port": DEFAULT_PORTS["http-get"],
        "thr-http-time": "10s",
        "http-codes": DEFAULT_HTTP_CODES,
    },
    "https-get": {
        "port": DEFAULT_PORTS["https-get"],
        "thr-http-time": "10s",
        "http-codes": DEFAULT_HTTP_CODES,
        "check-certificate": "false",
    },
    "dns": {"record-type": "A"},
}

# Results a probe writes into the entry; the prober (lab.netwatch) keeps them under these names.
RESULT_FIELDS = (
    "status",
    "since",
    "done-tests",
    "failed-tests",
    "sent-count",
    "response-count",
    "loss-count",
    "loss-percent",
    "rtt-avg",
    "rtt-min",
    "rtt-max",
    "rtt-jitter",
    "rtt-stdev",
    "tcp-connect-time",
    "http-status-code",
    "http-resp-time",
    "ip",
)

_DOMAIN_NAME = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_-]+\.?"
)
_CODE_RANGE = re.compile(r"(\d{3})(?:-(\d{3}))?")


def probe_address(host: str) -> str:
    """The address a probe goes to: `10.0.0.1@main` is 10.0.0.1 in the main routing table."""
    return host.partition("@")[0]


def http_code_ranges(text: str) -> list[tuple[int, int]]:
    """`200-299,301` as [(200, 299), (301, 301)]; ValueError for anything else."""
    ranges = []
    for part in text.split(","):
        found = _CODE_RANGE.fullmatch(part.strip())
        if found is None:
            raise ValueError(text)
        low = int(found.group(1))
        high = int(found.group(2) or low)
        if not 100 <= low <= high <= 599:
            raise ValueError(text)
        ranges.append((low, high))
    return ranges


def tcp_threshold_ms(text: str) -> float:
    """thr-tcp-conn-time in milliseconds: "the configuration uses microseconds, if the time unit is not
    specified" (the manual), so `500000` is 500 ms."""
    if text.isdigit():
        return int(text) / 1000
    return float(values.parse_duration_ms(text))


def _loss_percent(text: str) -> str:
    """thr-loss-percent as the router prints it, with one decimal as the manual's default `85.0%` shows."""
    return f"{float(text.rstrip('%')):.1f}%"


def _check_host(host: str, kind: str) -> None:
    """The formats of the manual: ipv4, ipv4@vrf, ipv6, ipv6@vrf, ipv6-linklocal%interface, and a domain name
    for type=dns."""
    if "%" in host:
        raise errors.not_supported(f"host={host} (an IPv6 link-local address with its interface)")
    address, at, vrf = host.partition("@")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        if at or kind != "dns" or not _DOMAIN_NAME.fullmatch(address):
            raise errors.invalid_value("host", host) from None
        return
    if at and vrf != "main":
        raise errors.not_supported(f"host={host} (VRF {vrf}: the lab has only the main VRF)")


def _netwatch_check(router: RouterView, props: Props, current: Item | None) -> None:
    kind = props.get("type", "simple")
    if props.get("host"):
        _check_host(props["host"], kind)
    percent = props.get("thr-loss-percent")
    if percent is not None:
        try:
            if not 0 <= float(percent.removesuffix("%")) <= 100:
                raise ValueError(percent)
        except ValueError:
            raise errors.invalid_value("thr-loss-percent", percent) from None
    codes = props.get("http-codes")
    if codes is not None:
        try:
            http_code_ranges(codes)
        except ValueError:
            raise errors.invalid_value("http-codes", codes) from None
    threshold = props.get("thr-tcp-conn-time")
    if threshold is not None:
        # Not a `duration` kind (a bare number is microseconds), so its range (0s..30s) is checked here.
        argument = tree().command(("tool", "netwatch"), "add")
        try:
            milliseconds = tcp_threshold_ms(threshold)
            if argument is not None and not argument.arguments["thr-tcp-conn-time"].admits_duration(
                math.ceil(milliseconds)
            ):
                raise ValueError(threshold)
        except ValueError:
            raise errors.invalid_value("thr-tcp-conn-time", threshold) from None
    record = props.get("record-type", "A")
    if record != "A":
        raise errors.not_supported(f"record-type={record} (the lab's DNS has A records only)")


def _netwatch_derive(router: RouterView, item: Item) -> Props:
    kind = item.props.get("type", "simple")
    derived: Props = {k: v for k, v in _TYPE_DEFAULTS.get(kind, {}).items() if k not in item.props}
    if kind != "icmp":
        derived.setdefault("timeout", item.props.get("timeout", "3s"))
    if "thr-loss-percent" in item.props:
        derived["thr-loss-percent"] = _loss_percent(item.props["thr-loss-percent"])
    if "thr-tcp-conn-time" in item.props:
        derived["thr-tcp-conn-time"] = values.format_duration(
            round(tcp_threshold_ms(item.props["thr-tcp-conn-time"]))
        )
    results = router.netwatch_results.get(item.id, {})
    derived["status"] = results.get("status", "unknown")
    derived["done-tests"] = results.get("done-tests", "0")
    derived["failed-tests"] = results.get("failed-tests", "0")
    derived.update({k: v for k, v in results.items() if k not in derived})
    return derived


NETWATCH = MenuSpec(
    path="tool/netwatch",
    defaults={
        "type": "simple",
        "interval": "10s",
        "start-delay": "3s",
        "startup-delay": "5m",
        "disabled": "false",
        "up-script": "",
        "down-script": "",
        "test-script": "",
        "ignore-initial-up": "false",
        "ignore-initial-down": "false",
    },
    kinds={
        "src-address": "ip",
        "dns-server": "ip",
        "interval": "duration",
        "timeout": "duration",
        "start-delay": "duration",
        "startup-delay": "duration",
        "packet-interval": "duration",
        "thr-avg": "duration",
        "thr-max": "duration",
        "thr-jitter": "duration",
        "thr-stdev": "duration",
        "thr-http-time": "duration",
        "up-script": "text",
        "down-script": "text",
        "test-script": "text",
        "type": "enum",
        "record-type": "enum",
    },
    check=_netwatch_check,
    derive=_netwatch_derive,
)

SPECS = (NETWATCH,)

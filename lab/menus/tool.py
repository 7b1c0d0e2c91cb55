"""/tool netwatch: configuration, defaults by probe type, and the result fields a probe fills in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab.menus.base import MenuSpec, Props

if TYPE_CHECKING:
    from lab.model import Item
    from lab.router import Router

_ICMP_DEFAULTS: Props = {
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
)


def _netwatch_derive(router: Router, item: Item) -> Props:
    derived: Props = {}
    if item.props.get("type", "simple") == "icmp":
        derived.update({k: v for k, v in _ICMP_DEFAULTS.items() if k not in item.props})
    else:
        derived.setdefault("timeout", item.props.get("timeout", "3s"))
    results = router.netwatch_results.get(item.id, {})
    derived["status"] = results.get("status", "unknown")
    derived["done-tests"] = results.get("done-tests", "0")
    derived["failed-tests"] = results.get("failed-tests", "0")
    derived.update({k: v for k, v in results.items() if k not in derived})
    return derived


def _loss_percent(text: str) -> str:
    return f"{float(text.rstrip('%')):.1f}%"


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
        "host": "ip",
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
        "thr-tcp-conn-time": "duration",
        "up-script": "text",
        "down-script": "text",
        "test-script": "text",
        "type": "enum",
    },
    derive=_netwatch_derive,
)

SPECS = (NETWATCH,)

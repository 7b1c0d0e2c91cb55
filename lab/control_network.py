"""ctl verbs for the virtual network and the clock: monitored hosts, Internet stand-ins, the router's time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lab.control import LabView, UsageError, verb
from lab.network import TLS_MODES

if TYPE_CHECKING:
    from lab.router import Router

_HOST_USAGE = "host ROUTER|all ADDRESS up|down|loss PERCENT|delay MS|port PORT open|closed|http STATUS"
# How many words each action takes after ADDRESS.
_HOST_ACTIONS = {"up": 1, "down": 1, "loss": 2, "delay": 2, "port": 3, "http": 2}


def _routers(lab: LabView, reference: str) -> list[Router]:
    return list(lab.routers) if reference == "all" else [lab.router(reference)]


def _number(text: str, what: str, low: float, high: float) -> float:
    try:
        value = float(text.rstrip("%").removesuffix("ms"))
    except ValueError:
        raise UsageError(f"{what} must be a number {low:g}..{high:g}, got {text!r}") from None
    if not low <= value <= high:
        raise UsageError(f"{what} must be {low:g}..{high:g}, got {text!r}")
    return value


@verb(
    "host",
    _HOST_USAGE,
    "make a monitored host answer or not, lose PERCENT of packets, answer after MS, refuse TCP on a PORT "
    "(open by default) or answer HTTP GETs with STATUS (200 by default) "
    "(not an RFC 5737 documentation address: those never answer)",
)
def _host(lab: LabView, args: list[str]) -> list[dict[str, str]]:
    if len(args) < 3 or args[2] not in _HOST_ACTIONS or len(args) != 2 + _HOST_ACTIONS[args[2]]:
        raise UsageError(f"usage: {_HOST_USAGE}")
    action = args[2]
    if action == "port" and args[4] not in ("open", "closed"):
        raise UsageError(f"usage: {_HOST_USAGE}")
    changed = []
    for router in _routers(lab, args[0]):
        host = router.network.ensure_host(router.index, args[1])
        with router.network.lock:
            if action in ("up", "down"):
                host.up = action == "up"
            elif action == "loss":
                host.loss_percent = _number(args[3], "loss", 0, 100)
            elif action == "delay":
                host.delay_ms = _number(args[3], "delay", 0, 3_600_000)
            elif action == "port":
                port = _whole(args[3], "port", 1, 65535)
                if args[4] == "closed":
                    host.closed_ports.add(port)
                else:
                    host.closed_ports.discard(port)
            else:
                host.http_status = _whole(args[3], "http status", 100, 599)
        changed.append({"router": str(router.index), **host.describe()})
    return changed


def _whole(text: str, what: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise UsageError(f"{what} must be a whole number {low}..{high}, got {text!r}")
    return int(text)


@verb(
    "hosts",
    "hosts ROUTER",
    "the hosts the router's virtual network knows (with their closed ports and HTTP status when set); "
    "any other address never answers",
)
def _hosts(lab: LabView, args: list[str]) -> list[dict[str, str]]:
    if len(args) != 1:
        raise UsageError("usage: hosts ROUTER")
    router = lab.router(args[0])
    return [host.describe() for host in router.network.hosts_of(router.index).values()]


@verb(
    "service",
    f"service NAME PORT 127.x.y.z:PORT {'|'.join(TLS_MODES)}",
    "point an Internet name and port (api.telegram.org 443) at a loopback stand-in",
)
def _service(lab: LabView, args: list[str]) -> dict[str, str]:
    usage = f"usage: service NAME PORT 127.x.y.z:PORT {'|'.join(TLS_MODES)}"
    if (
        len(args) != 4
        or ":" not in args[2]
        or not args[1].isdigit()
        or not args[2].rpartition(":")[2].isdigit()
    ):
        raise UsageError(usage)
    target_host, _, target_port = args[2].rpartition(":")
    service = lab.network.set_service(args[0], int(args[1]), target_host, int(target_port), args[3])
    return service.describe()


@verb(
    "services",
    "services",
    "the virtual Internet: every name and port fetch can reach, and where it really goes",
)
def _services(lab: LabView, args: list[str]) -> list[dict[str, str]]:
    with lab.network.lock:
        return [service.describe() for service in lab.network.services.values()]


@verb(
    "clock",
    "clock ROUTER set ISO-DATETIME|unsync|offset SECONDS",
    "set the router's clock, make it an unsynced clock (1970-01-02), or shift it from real time",
)
def _clock(lab: LabView, args: list[str]) -> dict[str, Any]:
    usage = "usage: clock ROUTER set ISO-DATETIME|unsync|offset SECONDS"
    if (
        len(args) < 2
        or len(args) != (2 if args[1] == "unsync" else 3)
        or args[1] not in ("set", "unsync", "offset")
    ):
        raise UsageError(usage)
    router = lab.router(args[0])
    with router.lock:
        if args[1] == "unsync":
            router.clock.unsync()
        elif args[1] == "offset":
            router.clock.unsynced_since = None
            router.clock.offset = _number(args[2], "offset", -1e10, 1e10)
        else:
            try:
                moment = datetime.fromisoformat(args[2])
            except ValueError:
                raise UsageError(
                    f"clock set wants an ISO date-time such as 2024-01-31T12:00:00, got {args[2]!r}"
                ) from None
            router.clock.set(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        return {"router": router.index, "now": router.clock.stamp()}

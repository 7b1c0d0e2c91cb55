"""Netwatch: probes simulated from the virtual network, status changes and the up/down/test scripts.

`Prober.tick(router, now)` is called often (lab.ticker) with monotonic seconds. Configuration is read afresh
on every tick, so add/set/disable/remove take effect at once. A probe's outcome is drawn when it starts and
applied when a real probe would have finished (after the reply's delay, or the timeout), so alert latency is
real time.

Every probe type of the manual is simulated (lab/README.md, "Netwatch"): `simple` and `icmp` ping the
host, `tcp-conn` opens a TCP connection, `http-get`/`https-get` add a GET request, `dns` asks a DNS server for
a name. What a host answers comes from lab.reachability and the host table (lab.network); a probe the lab
cannot simulate (an HTTP probe of the router itself) is never run: the router log says it is not supported in
the lab, and the status stays unknown.
"""

from __future__ import annotations

import ipaddress
import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lab import dns, errors, jobs, values
from lab.errors import CommandError
from lab.fetch import trust_anchors
from lab.menus.base import Props
from lab.menus.tool import (
    DEFAULT_HTTP_CODES,
    DEFAULT_PORTS,
    http_code_ranges,
    probe_address,
    tcp_threshold_ms,
)
from lab.network import chain_problem
from lab.reachability import SILENT, Reach, dns_server, is_own_address, reachable, service_at

if TYPE_CHECKING:
    from lab.router import Router

# Netwatch scripts run as this internal user, limited to read, write, test and reboot (BRIEF §5).
SCRIPT_USER = "*sys"
PATH = "tool/netwatch"
# Every probe type the command tree lists.
SIMULATED = ("simple", "icmp", "tcp-conn", "http-get", "https-get", "dns")
# The result fields each probe type fills in; every probe replaces those of the one before.
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "icmp": (
        "sent-count",
        "response-count",
        "loss-count",
        "loss-percent",
        "rtt-avg",
        "rtt-min",
        "rtt-max",
        "rtt-jitter",
        "rtt-stdev",
    ),
    "tcp-conn": ("tcp-connect-time",),
    "http-get": ("http-status-code", "http-resp-time"),
    "https-get": ("http-status-code", "http-resp-time"),
    "dns": ("ip",),
}
DNS_PORT = 53


@dataclass
class Result:
    ok: bool
    done_at: float
    fields: Props = field(default_factory=dict)


@dataclass
class Probe:
    """What one entry is doing between ticks (volatile: a reboot forgets it)."""

    target: tuple[str, str]
    next_at: float
    pending: Result | None = None
    # Set once the lab has refused to run this probe (and said so in the router log).
    refused: bool = False


def _ms(props: Props, name: str, default: str = "0s") -> float:
    return float(values.parse_duration_ms(props.get(name) or default))


def _format_ms(ms: float) -> str:
    return values.format_duration(round(ms))


class Prober:
    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random()
        self.probes: dict[int, dict[str, Probe]] = {}
        self.boots: dict[int, float] = {}

    def tick(self, router: Router, now: float) -> None:
        launches: list[tuple[str, dict[str, str], str]] = []
        with router.lock:
            if self.boots.get(router.index) != router.booted_at:
                self.boots[router.index] = router.booted_at
                self.probes[router.index] = {}
            probes = self.probes[router.index]
            spec = router.spec(PATH)
            seen = set()
            for item in router.items(spec):
                seen.add(item.id)
                props = router.printed(spec, item)
                if props.get("disabled") == "true":
                    probes.pop(item.id, None)
                    router.netwatch_results.pop(item.id, None)
                    continue
                launches += self._step(router, item.id, props, probes, now)
            for gone in set(probes) - seen:
                del probes[gone]
                router.netwatch_results.pop(gone, None)
        for source, variables, origin in launches:
            jobs.launch(router, source, variables, SCRIPT_USER, origin)

    def _step(
        self, router: Router, item_id: str, props: Props, probes: dict[str, Probe], now: float
    ) -> list[tuple[str, dict[str, str], str]]:
        target = (props.get("host", ""), props.get("type", "simple"))
        probe = probes.get(item_id)
        if probe is None or probe.target != target:
            # Added, enabled, retargeted or booted: wait start-delay, never before startup-delay after boot.
            first = max(
                router.booted_at + _ms(props, "startup-delay") / 1000, now + _ms(props, "start-delay") / 1000
            )
            probe = probes[item_id] = Probe(target=target, next_at=first)
            router.netwatch_results[item_id] = {}
        launches: list[tuple[str, dict[str, str], str]] = []
        if probe.pending is not None and now >= probe.pending.done_at:
            launches = self._apply(router, item_id, props, probe.pending)
            probe.pending = None
        if probe.pending is None and now >= probe.next_at and target[1] in SIMULATED and not probe.refused:
            try:
                probe.pending = self._draw(router, props, now)
            except CommandError as refusal:
                # Never a quiet wrong answer: the probe does not run, and the router log says why.
                probe.refused = True
                router.log("netwatch,error", f"netwatch {_origin(props)}: {refusal.message}")
                return launches
            probe.next_at = max(now + _ms(props, "interval") / 1000, probe.pending.done_at)
        return launches

    # ----- drawing one probe's outcome

    def _draw(self, router: Router, props: Props, now: float) -> Result:
        kind = props.get("type", "simple")
        timeout = _ms(props, "timeout", "3s") / 1000
        source = props.get("src-address", "")
        # The manual: "If the address is not configured on the router or was lost, then the host will be
        # considered as down": nothing leaves the router, as if no answer came.
        source_lost = bool(source) and not is_own_address(router, source)
        if kind == "dns":
            return self._dns(router, props, now, timeout, source_lost)
        if kind in ("tcp-conn", "http-get", "https-get"):
            return self._tcp(router, props, now, timeout, source_lost)
        address = probe_address(props.get("host", ""))
        reach = SILENT if source_lost else reachable(router, address)
        if kind != "icmp":
            ok = self._answered(reach, timeout)
            return Result(ok=ok, done_at=now + (reach.delay_ms / 1000 if ok else timeout))
        return self._icmp(props, reach, now, timeout)

    def _answered(self, reach: Reach, timeout: float) -> bool:
        """One exchange of packets: the answer comes back (not lost) within the timeout."""
        if not reach.answers or reach.delay_ms / 1000 > timeout:
            return False
        return self.rng.random() * 100 >= reach.loss_percent

    def _icmp(self, props: Props, reach: Reach, now: float, timeout: float) -> Result:
        answers, loss, delay = reach
        count = int(props.get("packet-count", "10"))
        spacing = _ms(props, "packet-interval") / 1000
        rtts = [
            delay
            for _ in range(count)
            if answers and self.rng.random() * 100 >= loss and delay / 1000 <= timeout
        ]
        lost = count - len(rtts)
        last_wait = timeout if lost else delay / 1000
        fields: Props = {
            "sent-count": str(count),
            "response-count": str(len(rtts)),
            "loss-count": str(lost),
            "loss-percent": f"{100 * lost / count:.1f}%",
        }
        # No answer at all fails only through the loss thresholds (lab/README.md, Netwatch: the strictest).
        ok = self._within_thresholds(props, rtts, lost, count)
        if rtts:
            average = sum(rtts) / len(rtts)
            deviation = math.sqrt(sum((r - average) ** 2 for r in rtts) / len(rtts))
            jitter = max(rtts) - min(rtts)
            fields.update(
                {
                    "rtt-avg": _format_ms(average),
                    "rtt-min": _format_ms(min(rtts)),
                    "rtt-max": _format_ms(max(rtts)),
                    "rtt-jitter": _format_ms(jitter),
                    "rtt-stdev": _format_ms(deviation),
                }
            )
        return Result(ok=ok, done_at=now + (count - 1) * spacing + last_wait, fields=fields)

    def _tcp(self, router: Router, props: Props, now: float, timeout: float, source_lost: bool) -> Result:
        """tcp-conn: the three-way handshake; http-get and https-get: then a GET and its answer."""
        kind = props.get("type", "simple")
        address = probe_address(props.get("host", ""))
        port = int(props.get("port") or DEFAULT_PORTS[kind])
        service = service_at(router, address, port)
        if service.own and kind != "tcp-conn":
            raise errors.not_supported(f"{kind} of the router's own address {address}")
        reach = SILENT if source_lost else service.reach
        delay = reach.delay_ms / 1000
        if not self._answered(reach, timeout):
            return Result(ok=False, done_at=now + timeout)
        if not service.open:
            # A closed port answers the SYN with a reset: the probe fails at once, with no connect time.
            return Result(ok=False, done_at=now + delay)
        if kind == "tcp-conn":
            fields = {"tcp-connect-time": _format_ms(reach.delay_ms)}
            ok = reach.delay_ms <= tcp_threshold_ms(props.get("thr-tcp-conn-time", "1s"))
            return Result(ok=ok, done_at=now + delay, fields=fields)
        if 2 * delay > timeout:
            return Result(ok=False, done_at=now + timeout)
        if kind == "https-get" and props.get("check-certificate") == "true":
            anchors = trust_anchors(router, "netwatch")
            problem = chain_problem(router.network.ca.leaf(address), anchors, router.clock.now().timestamp())
            if problem is not None:
                return Result(ok=False, done_at=now + 2 * delay)
        status = service.http_status
        fields = {"http-status-code": str(status), "http-resp-time": _format_ms(reach.delay_ms)}
        codes = http_code_ranges(props.get("http-codes") or DEFAULT_HTTP_CODES)
        ok = any(low <= status <= high for low, high in codes) and reach.delay_ms <= _ms(
            props, "thr-http-time", "10s"
        )
        return Result(ok=ok, done_at=now + 2 * delay, fields=fields)

    def _dns(self, router: Router, props: Props, now: float, timeout: float, source_lost: bool) -> Result:
        """Asks `dns-server` (else the first server of /ip dns) for the A record of `host`."""
        name = props.get("host", "")
        server = props.get("dns-server") or _configured_dns_server(router)
        if not server:
            return Result(ok=False, done_at=now + timeout)
        if is_own_address(router, server) and not source_lost:
            # The router's own resolver: static entries first, then the virtual Internet through the uplink.
            try:
                resolved = dns.resolve(router, name)
            except CommandError as error:
                if error.message.endswith("not supported in the lab"):
                    raise
                return Result(ok=False, done_at=now)
            return Result(ok=True, done_at=now, fields={"ip": resolved})
        service = dns_server(router, server, DNS_PORT)
        reach = SILENT if source_lost else service.reach
        if not self._answered(reach, timeout):
            return Result(ok=False, done_at=now + timeout)
        delay = reach.delay_ms / 1000
        if not service.open:
            return Result(ok=False, done_at=now + delay)
        found = _virtual_internet_address(router, name)
        if found is None:
            return Result(ok=False, done_at=now + delay)
        return Result(ok=True, done_at=now + delay, fields={"ip": found})

    @staticmethod
    def _within_thresholds(props: Props, rtts: list[float], lost: int, count: int) -> bool:
        """A test fails when any measure goes past its threshold (thr-*); the round-trip measures exist only
        when some packet came back."""
        loss = (
            (100 * lost / count, float(props.get("thr-loss-percent", "85%").rstrip("%"))),
            (lost, int(props.get("thr-loss-count", "4294967295"))),
        )
        if not rtts:
            return all(measure <= limit for measure, limit in loss)
        average = sum(rtts) / len(rtts)
        deviation = math.sqrt(sum((r - average) ** 2 for r in rtts) / len(rtts))
        checks = (
            *loss,
            (average, _ms(props, "thr-avg")),
            (max(rtts), _ms(props, "thr-max")),
            (max(rtts) - min(rtts), _ms(props, "thr-jitter")),
            (deviation, _ms(props, "thr-stdev")),
        )
        return all(measure <= limit for measure, limit in checks)

    # ----- applying it

    def _apply(
        self, router: Router, item_id: str, props: Props, result: Result
    ) -> list[tuple[str, dict[str, str], str]]:
        results = router.netwatch_results.setdefault(item_id, {})
        for name in TYPE_FIELDS.get(props.get("type", "simple"), ()):
            results.pop(name, None)
        results.update(result.fields)
        results["done-tests"] = str(int(results.get("done-tests", "0")) + 1)
        results["failed-tests"] = str(int(results.get("failed-tests", "0")) + (0 if result.ok else 1))
        before = results.get("status", "unknown")
        after = "up" if result.ok else "down"
        scripts: list[str] = []
        if after != before:
            results["status"] = after
            results["since"] = router.clock.stamp()
            ignored = before == "unknown" and props.get(f"ignore-initial-{after}") == "true"
            if not ignored:
                scripts.append(f"{after}-script")
        scripts.append("test-script")
        variables = {
            "host": props.get("host", ""),
            "name": props.get("name", ""),
            "comment": props.get("comment", ""),
            "type": props.get("type", "simple"),
            **results,
        }
        origin = f"netwatch {_origin(props)}"
        return [
            (props.get(name, ""), dict(variables), f"{origin} {name}") for name in scripts if props.get(name)
        ]


def _origin(props: Props) -> str:
    return props.get("name") or props.get("host", "")


def _configured_dns_server(router: Router) -> str:
    """The first server of /ip dns: the static `servers`, then the ones the DHCP client brought."""
    row = router.rows("ip/dns")[0]
    servers = [part for key in ("servers", "dynamic-servers") for part in row.get(key, "").split(",") if part]
    return servers[0] if servers else ""


def _virtual_internet_address(router: Router, name: str) -> str | None:
    """What a DNS server of the virtual Internet answers for the A record of `name` (an address: itself)."""
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return router.network.address_of(name.rstrip("."))

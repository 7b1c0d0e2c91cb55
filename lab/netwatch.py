"""Netwatch: probes simulated from the virtual network, status changes and the up/down/test scripts.

`Prober.tick(router, now)` is called often (lab.ticker) with monotonic seconds. Configuration is read afresh
on every tick, so add/set/disable/remove take effect at once. A probe's outcome is drawn when it starts and
applied when a real probe would have finished (after the reply's delay, or the timeout), so alert latency is
real time.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lab import jobs, values
from lab.menus.base import Props
from lab.reachability import reachable

if TYPE_CHECKING:
    from lab.router import Router

# Netwatch scripts run as this internal user, limited to read, write, test and reboot (BRIEF §5).
SCRIPT_USER = "*sys"
PATH = "tool/netwatch"
# Probe types the lab simulates; others keep status unknown, as an unanswered probe would.
SIMULATED = ("simple", "icmp")


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
        if probe.pending is None and now >= probe.next_at and target[1] in SIMULATED:
            probe.pending = self._draw(router, props, now)
            probe.next_at = max(now + _ms(props, "interval") / 1000, probe.pending.done_at)
        return launches

    def _draw(self, router: Router, props: Props, now: float) -> Result:
        answers, loss, delay = reachable(router, props.get("host", ""))
        timeout = _ms(props, "timeout", "3s") / 1000
        if props.get("type") != "icmp":
            ok = answers and self.rng.random() * 100 >= loss and delay / 1000 <= timeout
            return Result(ok=ok, done_at=now + (delay / 1000 if ok else timeout))
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
        ok = bool(rtts) and self._within_thresholds(props, rtts, lost, count)
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

    @staticmethod
    def _within_thresholds(props: Props, rtts: list[float], lost: int, count: int) -> bool:
        """A test fails when any measure goes past its threshold (thr-*)."""
        average = sum(rtts) / len(rtts)
        deviation = math.sqrt(sum((r - average) ** 2 for r in rtts) / len(rtts))
        checks = (
            (100 * lost / count, float(props.get("thr-loss-percent", "85%").rstrip("%"))),
            (lost, int(props.get("thr-loss-count", "4294967295"))),
            (average, _ms(props, "thr-avg")),
            (max(rtts), _ms(props, "thr-max")),
            (max(rtts) - min(rtts), _ms(props, "thr-jitter")),
            (deviation, _ms(props, "thr-stdev")),
        )
        return all(measure <= limit for measure, limit in checks)

    def _apply(
        self, router: Router, item_id: str, props: Props, result: Result
    ) -> list[tuple[str, dict[str, str], str]]:
        results = router.netwatch_results.setdefault(item_id, {})
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
        origin = f"netwatch {props.get('name') or props.get('host', '')}"
        return [
            (props.get(name, ""), dict(variables), f"{origin} {name}") for name in scripts if props.get(name)
        ]

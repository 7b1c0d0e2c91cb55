"""/system scheduler: running on-event at start-time and every interval, as the entry's owner.

`start-time=startup` counts from boot on the monotonic clock: with an interval it first runs one interval
after boot (BRIEF §5), without one a few seconds after boot. A start-time of day counts on the router's
clock, so `ctl clock` moves it. run-count and next-run live in the entry's props, where the menu prints them
from; they count this boot only, so a boot puts run-count back to 0, as a router does. The event runs with
the entry's policies (manual, Scripting, "Script permissions"); one naming a script runs it as that script's
job, so `:jobname` and /system/script/job show the script's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from lab import errors, jobs, values
from lab.menus.base import Props
from lab.menus.system import count_run

if TYPE_CHECKING:
    from lab.model import Item
    from lab.router import Router

PATH = "system/scheduler"
# A startup entry without an interval runs this long after boot.
STARTUP_RUN_SECONDS = 3.0


@dataclass
class Plan:
    """When one entry runs next: on the monotonic clock (startup) or the router's clock (a time of day)."""

    config: tuple[str, str, str]
    monotonic_at: float | None = None
    clock_at: datetime | None = None


def _start_moment(router: Router, props: Props) -> datetime:
    hour, minute, second = (int(part) for part in props.get("start-time", "00:00:00").split(":"))
    date = props.get("start-date", "")
    now = router.clock.now()
    year, month, day = router.clock.parse_date(date) if date else (now.year, now.month, now.day)
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _next_clock_run(start: datetime, interval_ms: int, now: datetime) -> datetime | None:
    if now <= start:
        return start
    if interval_ms <= 0:
        return None
    step = timedelta(milliseconds=interval_ms)
    periods = (now - start) // step + 1
    return start + periods * step


class Scheduler:
    def __init__(self) -> None:
        self.plans: dict[int, dict[str, Plan]] = {}
        self.boots: dict[int, float] = {}
        self.last_clock: dict[int, datetime] = {}

    def tick(self, router: Router, now: float) -> None:
        launches: list[Launch] = []
        with router.lock:
            clock = router.clock.now()
            booted = self.boots.get(router.index) != router.booted_at
            # A clock set backwards makes every time-of-day entry recompute its next run.
            clock_jumped = clock < self.last_clock.get(router.index, clock)
            self.last_clock[router.index] = clock
            if booted:
                self.boots[router.index] = router.booted_at
                self.plans[router.index] = {}
            plans = self.plans[router.index]
            spec = router.spec(PATH)
            seen = set()
            for item in router.items(spec):
                seen.add(item.id)
                if booted:
                    item.props["run-count"] = "0"
                if item.props.get("disabled") == "true":
                    plans.pop(item.id, None)
                    item.props.pop("next-run", None)
                    continue
                props = router.printed(spec, item)
                plan = plans.get(item.id)
                config = (
                    props.get("start-time", ""),
                    props.get("start-date", ""),
                    props.get("interval", "0s"),
                )
                if plan is None or plan.config != config or (clock_jumped and plan.clock_at is not None):
                    plan = plans[item.id] = self._plan(router, props, config, now, booted)
                if self._due(plan, now, clock):
                    launches.append(self._launch(router, props))
                    item.props["run-count"] = str(int(item.props.get("run-count", "0")) + 1)
                    self._advance(router, plan, props, now, clock)
                self._show_next(router, item, plan, now)
            for gone in set(plans) - seen:
                del plans[gone]
        for launch in launches:
            origin = f"scheduler {launch.entry}"
            if launch.policies is None:
                with router.lock:
                    router.log("script,error", f"{origin}: script error: {errors.NOT_ENOUGH_PERMISSIONS}")
                continue
            jobs.launch(
                router,
                launch.source,
                {},
                launch.owner,
                origin,
                script=launch.script,
                policies=launch.policies,
            )

    @staticmethod
    def _plan(router: Router, props: Props, config: tuple[str, str, str], now: float, at_boot: bool) -> Plan:
        """The first run: counted from boot for entries the router boots with, from now for later ones."""
        interval = values.parse_duration_ms(config[2]) / 1000
        if config[0] == "startup":
            if interval > 0:
                return Plan(config, monotonic_at=(router.booted_at if at_boot else now) + interval)
            return Plan(config, monotonic_at=router.booted_at + STARTUP_RUN_SECONDS if at_boot else None)
        try:
            start = _start_moment(router, props)
        except ValueError:
            return Plan(config)
        return Plan(config, clock_at=_next_clock_run(start, round(interval * 1000), router.clock.now()))

    @staticmethod
    def _due(plan: Plan, now: float, clock: datetime) -> bool:
        if plan.monotonic_at is not None:
            return now >= plan.monotonic_at
        return plan.clock_at is not None and clock >= plan.clock_at

    @staticmethod
    def _advance(router: Router, plan: Plan, props: Props, now: float, clock: datetime) -> None:
        interval_ms = values.parse_duration_ms(props.get("interval", "0s"))
        if plan.monotonic_at is not None:
            plan.monotonic_at = plan.monotonic_at + interval_ms / 1000 if interval_ms else None
            if plan.monotonic_at is not None and plan.monotonic_at <= now:
                plan.monotonic_at = now + interval_ms / 1000
            return
        plan.clock_at = _next_clock_run(
            _start_moment(router, props), interval_ms, clock + timedelta(milliseconds=1)
        )

    @staticmethod
    def _show_next(router: Router, item: Item, plan: Plan, now: float) -> None:
        moment: datetime | None = plan.clock_at
        if plan.monotonic_at is not None:
            moment = router.clock.now() + timedelta(seconds=plan.monotonic_at - now)
        if moment is None:
            item.props.pop("next-run", None)
        else:
            item.props["next-run"] = f"{router.clock.date_text(moment)} {router.clock.time_text(moment)}"

    @staticmethod
    def _launch(router: Router, props: Props) -> Launch:
        """on-event names a /system script or is itself the source, as on a router."""
        event = props.get("on-event", "")
        policies = frozenset(part for part in props.get("policy", "").split(",") if part)
        owner, entry = props.get("owner", ""), props.get("name", "")
        spec = router.spec("system/script")
        script = router.find_by(spec, "name", event)
        if script is None:
            return Launch(event, owner, entry, None, policies)
        row = router.printed(spec, script)
        granted = jobs.named_run_policies(policies, row)
        if granted is not None:
            count_run(script)
        return Launch(row.get("source", ""), owner, entry, event, granted)


@dataclass(frozen=True)
class Launch:
    """A due entry's run, decided under the router lock and started after it is released."""

    source: str
    owner: str
    entry: str
    # The /system/script entry on-event names, if it names one.
    script: str | None
    # None when the entry's policies may not run that script.
    policies: frozenset[str] | None

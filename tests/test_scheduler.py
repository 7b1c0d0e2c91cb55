"""/system scheduler in the lab: startup entries first run one interval after boot, time-of-day entries
follow the router's clock, run-count counts this boot, and on-event runs as the entry's owner (a script
name runs that script).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from lab.router import Router
from lab.scheduler import Scheduler


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Condition()

    def __call__(
        self, router: Router, source: str, variables: dict[str, str], user: str, policies=None, *, job=None
    ) -> None:
        with self.lock:
            self.calls.append((source, user))
            self.lock.notify_all()

    def wait_for(self, count: int) -> list[tuple[str, str]]:
        with self.lock:
            self.lock.wait_for(lambda: len(self.calls) >= count, timeout=5)
            return list(self.calls)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def router(recorder: Recorder) -> Router:
    made = Router(index=1, address="127.0.0.1")
    made.script_runner = recorder
    return made


def entry(router: Router, name: str) -> dict[str, str]:
    return next(row for row in router.rows("system/scheduler") if row["name"] == name)


def test_startup_with_interval_first_runs_one_interval_after_boot(router: Router, recorder: Recorder) -> None:
    router.execute(
        "system/scheduler", "add", {"name": "flush", "interval": "2s", "on-event": ":log info tick"}
    )
    router.reboot()
    scheduler, boot = Scheduler(), router.booted_at
    scheduler.tick(router, boot + 0.1)
    scheduler.tick(router, boot + 1.9)
    assert entry(router, "flush")["run-count"] == "0"
    scheduler.tick(router, boot + 2.0)
    assert entry(router, "flush")["run-count"] == "1"
    scheduler.tick(router, boot + 4.0)
    assert entry(router, "flush")["run-count"] == "2"
    assert recorder.wait_for(2) == [(":log info tick", "admin")] * 2
    router.reboot()
    scheduler.tick(router, router.booted_at + 0.1)
    assert entry(router, "flush")["run-count"] == "0"


def test_startup_without_interval_runs_once_after_boot(router: Router, recorder: Recorder) -> None:
    router.execute("system/scheduler", "add", {"name": "once", "on-event": "X"})
    router.reboot()
    scheduler, boot = Scheduler(), router.booted_at
    for offset in (0.1, 3.0, 10.0, 100.0):
        scheduler.tick(router, boot + offset)
    assert entry(router, "once")["run-count"] == "1"


def test_an_entry_added_later_counts_its_interval_from_now(router: Router) -> None:
    scheduler, boot = Scheduler(), router.booted_at
    scheduler.tick(router, boot + 0.1)
    router.execute("system/scheduler", "add", {"name": "later", "interval": "5s", "on-event": "X"})
    scheduler.tick(router, boot + 10)
    scheduler.tick(router, boot + 14.9)
    assert entry(router, "later")["run-count"] == "0"
    scheduler.tick(router, boot + 15)
    assert entry(router, "later")["run-count"] == "1"


def test_time_of_day_follows_the_router_clock(router: Router) -> None:
    router.clock.set(datetime(2024, 1, 31, 11, 59, 58, tzinfo=UTC))
    router.execute(
        "system/scheduler",
        "add",
        {
            "name": "noon",
            "start-time": "12:00:00",
            "start-date": "2024-01-31",
            "interval": "1d",
            "on-event": "X",
        },
    )
    scheduler = Scheduler()
    scheduler.tick(router, router.booted_at + 1)
    assert entry(router, "noon")["run-count"] == "0"
    assert entry(router, "noon")["next-run"] == "2024-01-31 12:00:00"
    router.clock.set(datetime(2024, 1, 31, 12, 0, 1, tzinfo=UTC))
    scheduler.tick(router, router.booted_at + 2)
    row = entry(router, "noon")
    assert (row["run-count"], row["next-run"]) == ("1", "2024-02-01 12:00:00")


def test_on_event_naming_a_script_runs_it_as_the_owner(router: Router, recorder: Recorder) -> None:
    router.execute("system/script", "add", {"name": "send", "source": ":put sent"})
    router.execute("system/scheduler", "add", {"name": "s", "interval": "1s", "on-event": "send"})
    scheduler = Scheduler()
    scheduler.tick(router, router.booted_at + 0.5)
    scheduler.tick(router, router.booted_at + 1.6)
    assert recorder.wait_for(1) == [(":put sent", "admin")]


def test_disabled_entries_do_not_run(router: Router) -> None:
    router.execute(
        "system/scheduler", "add", {"name": "off", "interval": "1s", "on-event": "X", "disabled": "yes"}
    )
    scheduler = Scheduler()
    for offset in (0.5, 1.5, 2.5):
        scheduler.tick(router, router.booted_at + offset)
    assert entry(router, "off")["run-count"] == "0"

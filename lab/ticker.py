"""One background thread per lab: it drives every router's Netwatch probes and scheduler entries."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lab.netwatch import Prober
from lab.scheduler import Scheduler

if TYPE_CHECKING:
    from lab.router import Router

log = logging.getLogger("lab.ticker")

# Probe results land within this much of when a real probe would finish (Netwatch counts in whole seconds).
TICK_SECONDS = 0.05


class Ticker:
    def __init__(self, routers: Sequence[Router], period: float = TICK_SECONDS) -> None:
        self.routers = routers
        self.period = period
        self.prober = Prober()
        self.scheduler = Scheduler()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lab ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def tick(self, now: float) -> None:
        for router in self.routers:
            try:
                self.prober.tick(router, now)
                self.scheduler.tick(router, now)
            except Exception:
                # One broken entry must not stop every other router's probes.
                log.exception("lab bug while ticking router %s", router.index)

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.tick(time.monotonic())

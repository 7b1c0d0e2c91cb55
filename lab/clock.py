"""The router's clock: wall time plus an offset that `set` or `ctl clock` moves, or an unsynced 1970 clock."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# A router without NTP or RTC boots at this moment and counts from there.
UNSYNCED_EPOCH = datetime(1970, 1, 2, tzinfo=UTC)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(" ", maxsplit=1)[0].split(".") if part.isdigit())


@dataclass
class Clock:
    offset: float = 0.0
    unsynced_since: float | None = None
    version: str = "7.21.4"

    def now(self) -> datetime:
        if self.unsynced_since is not None:
            return UNSYNCED_EPOCH + timedelta(seconds=time.monotonic() - self.unsynced_since)
        return datetime.fromtimestamp(time.time() + self.offset, UTC)

    def set(self, moment: datetime) -> None:
        self.unsynced_since = None
        self.offset = moment.timestamp() - time.time()

    def unsync(self) -> None:
        self.unsynced_since = time.monotonic()

    def date_text(self, moment: datetime | None = None) -> str:
        moment = moment or self.now()
        if _version_tuple(self.version) >= (7, 10):
            return moment.strftime("%Y-%m-%d")
        return f"{_MONTHS[moment.month - 1]}/{moment.day:02d}/{moment.year}"

    def time_text(self, moment: datetime | None = None) -> str:
        return (moment or self.now()).strftime("%H:%M:%S")

    def stamp(self) -> str:
        moment = self.now()
        return f"{self.date_text(moment)} {self.time_text(moment)}"

    def parse_date(self, text: str) -> tuple[int, int, int]:
        """Accepts `2024-01-31` and the older `jan/31/2024`, as RouterOS 7.10+ does."""
        if "/" in text:
            month, day, year = text.split("/")
            return int(year), _MONTHS.index(month.lower()) + 1, int(day)
        year, month, day = text.split("-")
        return int(year), int(month), int(day)

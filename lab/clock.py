"""The router's clock: wall time plus an offset that `set` or `ctl clock` moves, or an unsynced 1970 clock.
What it prints (date, time, stamps) is local time in its time zone (`/system clock time-zone-name`, from the
system's tz database; `manual` is UTC in the lab, whose manual offset is 0)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

# A router without NTP or RTC boots at this moment and counts from there.
UNSYNCED_EPOCH = datetime(1970, 1, 2, tzinfo=UTC)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@cache
def zone_names() -> frozenset[str]:
    """The names `time-zone-name` takes: the tz database's, and `manual`."""
    return frozenset({*available_timezones(), "manual"})


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(" ", maxsplit=1)[0].split(".") if part.isdigit())


@dataclass
class Clock:
    offset: float = 0.0
    unsynced_since: float | None = None
    version: str = "7.21.4"
    zone: str = "manual"

    def now(self) -> datetime:
        if self.unsynced_since is not None:
            return UNSYNCED_EPOCH + timedelta(seconds=time.monotonic() - self.unsynced_since)
        return datetime.fromtimestamp(time.time() + self.offset, UTC)

    def set(self, moment: datetime) -> None:
        self.unsynced_since = None
        self.offset = moment.timestamp() - time.time()

    def unsync(self) -> None:
        self.unsynced_since = time.monotonic()

    def local(self, moment: datetime | None = None) -> datetime:
        moment = moment or self.now()
        return moment if self.zone == "manual" else moment.astimezone(ZoneInfo(self.zone))

    def gmt_offset(self) -> str:
        """`+07:00`, as /system clock prints gmt-offset."""
        seconds = int((self.local().utcoffset() or timedelta()).total_seconds())
        sign = "-" if seconds < 0 else "+"
        hours, minutes = divmod(abs(seconds) // 60, 60)
        return f"{sign}{hours:02d}:{minutes:02d}"

    def date_text(self, moment: datetime | None = None) -> str:
        moment = self.local(moment)
        if _version_tuple(self.version) >= (7, 10):
            return moment.strftime("%Y-%m-%d")
        return f"{_MONTHS[moment.month - 1]}/{moment.day:02d}/{moment.year}"

    def time_text(self, moment: datetime | None = None) -> str:
        return self.local(moment).strftime("%H:%M:%S")

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

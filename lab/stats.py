"""How much a client asked of one router over the API (connections, logins and sentences by command word),
and what the router wrote to its files.

Instrumentation for benchmarks (`ctl stats`), not router state: it is neither saved nor reset by a reboot.
Only the event loop thread touches ApiStats (the API sessions count, the ctl verbs read), so it needs no lock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiStats:
    connections: int = 0
    logins: int = 0
    login_failures: int = 0
    commands: Counter[str] = field(default_factory=Counter)

    def count(self, command: str) -> None:
        self.commands[command] += 1

    def reset(self) -> None:
        self.connections = self.logins = self.login_failures = 0
        self.commands.clear()

    def report(self) -> dict[str, Any]:
        return {
            "connections": self.connections,
            "logins": self.logins,
            "login-failures": self.login_failures,
            "sentences": sum(self.commands.values()),
            "commands": dict(sorted(self.commands.items())),
        }


@dataclass
class FileStats:
    """What the router wrote to its files, a flash-wear figure: file writes (/file add, set, and the lab's own
    writers: fetch, `:execute file=`, exports) and the bytes of contents they wrote. Touched under the router
    lock by writers, read without it by `ctl stats` (plain counters)."""

    writes: int = 0
    bytes_written: int = 0

    def count(self, written: int) -> None:
        self.writes += 1
        self.bytes_written += written

    def reset(self) -> None:
        self.writes = self.bytes_written = 0

    def report(self) -> dict[str, Any]:
        return {"file-writes": self.writes, "file-bytes-written": self.bytes_written}

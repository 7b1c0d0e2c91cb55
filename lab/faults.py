"""Refusals injected with `ctl refuse`: the router answers a chosen API command with a `!trap`, as a router
does when it refuses a write halfway through a client's run (a full disk, a value another client just took).

Instrumentation for tests, not router state: neither saved nor cleared by a reboot. Only the event loop thread
touches it (the API sessions take, the ctl verbs arm), so it needs no lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What a refused command answers unless the ctl call gives a text: RouterOS's general failure wording.
DEFAULT_MESSAGE = "failure: refused by the lab (ctl refuse)"


@dataclass
class Refusal:
    command: str
    # Matching commands let through before the one refused.
    skip: int
    message: str


@dataclass
class ApiFaults:
    pending: list[Refusal] = field(default_factory=list)

    def arm(self, command: str, skip: int, message: str) -> None:
        self.pending.append(Refusal("/" + command.strip("/"), skip, message))

    def clear(self) -> None:
        self.pending.clear()

    def take(self, command: str) -> str | None:
        """The refusal text if this command is to be refused now; each refusal answers once."""
        for refusal in self.pending:
            if refusal.command != command:
                continue
            if refusal.skip > 0:
                refusal.skip -= 1
                return None
            self.pending.remove(refusal)
            return refusal.message
        return None

    def report(self) -> list[dict[str, str | int]]:
        return [{"command": r.command, "skip": r.skip, "message": r.message} for r in self.pending]

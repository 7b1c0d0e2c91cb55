"""Item numbers of a console session: what `print` numbered, so that `set 0 ...` and `remove 1` name items.

The manual (Console, "Item Names and Numbers"): numbers are assigned by `print`, per session and
separately for every menu; they stay until the console is left or the next `print` of that menu, also
across add, remove and move; a number used before any `print` is assigned as if `print` had run. The
console (lab.console) opens a session for the lines a user types; scripts run elsewhere (scheduler,
Netwatch, the API) have none, and a number there is refused rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from lab.script.values import ScriptError, not_supported

_NUMBERS = re.compile(r"[0-9]+(,[0-9]+)*")


@dataclass
class ItemNumbers:
    """One console session's numbering: menu path -> the ids its last `print` numbered, in order."""

    printed: dict[str, list[str]] = field(default_factory=dict)

    def remember(self, menu: str, ids: list[str]) -> None:
        self.printed[menu] = list(ids)

    def item(self, menu: str, number: int, numbered_now: Callable[[], list[str]]) -> str:
        ids = self.printed.get(menu)
        if ids is None:
            ids = numbered_now()
            self.remember(menu, ids)
        if number >= len(ids):
            raise ScriptError("no such item")
        return ids[number]


_session: ContextVar[ItemNumbers | None] = ContextVar("lab_console_item_numbers", default=None)


@contextmanager
def console_session(numbers: ItemNumbers) -> Iterator[None]:
    """Runs the body as console input: prints number what they show, numbers name what was printed."""
    token = _session.set(numbers)
    try:
        yield
    finally:
        _session.reset(token)


def current() -> ItemNumbers | None:
    return _session.get()


def is_numbers(text: str) -> bool:
    """`0`, `1,3`: item numbers rather than ids (`*1A`) or names."""
    return _NUMBERS.fullmatch(text) is not None


def resolve(menu: str, text: str, numbered_now: Callable[[], list[str]]) -> str:
    """Item numbers as the ids they name in this console session (comma separated, as written)."""
    numbers = current()
    if numbers is None:
        raise not_supported(f"item number {text} outside a console session (name the item, or use [find])")
    return ",".join(numbers.item(menu, int(part), numbered_now) for part in text.split(","))

"""A router's file storage as real hardware keeps it: the 4095-byte limit of /file contents, boards whose root
is a RAM disk with only `flash/` kept, and the write-back cache a power cut spoils.

Pure data over the router's State and a journal of recent file changes; lab.menus.system (/file) records into
the journal and lab.control_storage (`ctl board`, `ctl powercut`) acts on it. lab/README.md, "Storage", gives
the sources.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from lab.model import Item, Props, State, Table

# eworm-de/routeros-scripts, backup-email.rsc, warns that `/file/add` is limited to 4095 bytes; the lab takes
# it for `set contents=` too and for what a read of `contents` gives back.
CONTENTS_LIMIT = 4095
# `flat`: the whole /file survives a reboot (CHR, most current boards). `ram-root`: the manual's board with a
# `flash` disk, outside which everything is a RAM disk lost on reboot.
BOARDS = ("flat", "ram-root")
FLASH = "flash"
# The manual's write-back delay is "up to 40 seconds"; the journal keeps ten times that, so `ctl powercut`
# may ask for a longer window than a router ever has.
POWERCUT_SECONDS = 40.0
JOURNAL_SECONDS = 400.0
POWERCUT_MODES = ("lose", "truncate", "mixed")

_BOARD_KEY = "lab/board"


def encoded(text: str) -> bytes:
    """File contents as the bytes a router stores (the lab keeps raw bytes as surrogate escapes)."""
    return text.encode("utf-8", errors="surrogateescape")


def decoded(data: bytes) -> str:
    return data.decode("utf-8", errors="surrogateescape")


def within_limit(contents: str) -> str:
    """What `/file add|set contents=` keeps: the first 4095 bytes, cut silently (no error to catch)."""
    data = encoded(contents)
    return contents if len(data) <= CONTENTS_LIMIT else decoded(data[:CONTENTS_LIMIT])


# ----- boards


def board(state: State) -> str:
    return state.single(_BOARD_KEY).get("board", "flat")


def set_board(state: State, chosen: str, stamp: str) -> None:
    """Makes the router a `flat` or `ram-root` board: a ram-root board lists `flash` as a disk (the manual's
    print shows `name=flash type=disk`); going back to flat leaves a directory where flash/ holds files."""
    if chosen not in BOARDS:
        raise ValueError(f"board {chosen!r} is not one of {', '.join(BOARDS)}")
    table = state.table("file")
    existing = next((item for item in table.items if item.props.get("name") == FLASH), None)
    if chosen == "ram-root":
        if existing is not None and existing.props.get("type") not in ("directory", "disk"):
            raise ValueError(f"router has a file named {FLASH!r}; remove it before making the board ram-root")
        if existing is None:
            table.items.insert(0, Item(id=table.new_id(), props={"name": FLASH, "last-modified": stamp}))
            existing = table.items[0]
        existing.props["type"] = "disk"
    elif existing is not None and existing.props.get("type") == "disk":
        if any(item.props.get("name", "").startswith(FLASH + "/") for item in table.items):
            existing.props["type"] = "directory"
        else:
            table.items.remove(existing)
    state.single(_BOARD_KEY)["board"] = chosen


def on_flash(name: str) -> bool:
    return name == FLASH or name.startswith(FLASH + "/")


def ram_files(state: State) -> list[str]:
    """The files a reboot of this board loses: on a ram-root board, everything outside flash/."""
    if board(state) != "ram-root":
        return []
    return [
        item.props.get("name", "")
        for item in state.table("file").items
        if not on_flash(item.props.get("name", ""))
    ]


def drop_ram_files(state: State) -> None:
    lost = set(ram_files(state))
    if lost:
        table = state.table("file")
        table.items = [item for item in table.items if item.props.get("name", "") not in lost]


# ----- the journal of recent changes


@dataclass(frozen=True)
class Change:
    """One file written, made or removed: its properties before and after (None: absent)."""

    at: float
    name: str
    before: Props | None
    after: Props | None


@dataclass
class FileJournal:
    """The file changes of the last JOURNAL_SECONDS, oldest first: what a write-back cache may still hold.
    Volatile, as that cache is: a reboot forgets it."""

    changes: list[Change] = field(default_factory=list)
    # A file as /file's `check` saw it before a change, by item id, until `after` records the change: both run
    # in one command under the router lock.
    pending: dict[str, Props | None] = field(default_factory=dict)

    def record(self, name: str, before: Props | None, after: Props | None) -> None:
        now = time.monotonic()
        self.changes.append(
            Change(
                now, name, None if before is None else dict(before), None if after is None else dict(after)
            )
        )
        horizon = now - JOURNAL_SECONDS
        while self.changes and self.changes[0].at < horizon:
            del self.changes[0]

    def recent(self, seconds: float) -> dict[str, tuple[Props | None, Props | None, Props]]:
        """Per file changed within the last `seconds`: how it was before its first change there, after its
        last one (None: absent), and the newest form it had in the window (for a removal: what it removed)."""
        horizon = time.monotonic() - seconds
        found: dict[str, tuple[Props | None, Props | None, Props]] = {}
        for change in self.changes:
            if change.at >= horizon:
                first = found[change.name][0] if change.name in found else change.before
                # A change has a side that is not None: a write has `after`, a removal `before`.
                newest = change.after if change.after is not None else change.before or {}
                found[change.name] = (first, change.after, newest)
        return found

    def clear(self) -> None:
        self.changes.clear()
        self.pending.clear()


# ----- power cut


def power_cut(
    state: State, journal: FileJournal, *, seconds: float, mode: str, seed: int, stamp: str
) -> list[Props]:
    """Undoes (`lose`) or spoils (`truncate`: the newest contents cut to nothing or to their first half) every
    file change of the last `seconds`; `mixed` picks one of the two per file. Every choice is drawn from
    `seed` and the file's name, so a seed replays the same cut. Answers what happened to each file."""
    if mode not in POWERCUT_MODES:
        raise ValueError(f"powercut mode {mode!r} is not one of {', '.join(POWERCUT_MODES)}")
    table = state.table("file")
    report: list[Props] = []
    for name, (before, after, newest) in sorted(journal.recent(seconds).items()):
        draw = random.Random(f"{seed}/{name}")
        chosen = mode if mode != "mixed" else ("lose" if draw.random() < 0.5 else "truncate")
        current = next((item for item in table.items if item.props.get("name") == name), None)
        if chosen == "lose":
            outcome = _put_back(table, current, before)
        else:
            outcome = _spoil(table, current, newest, removed=after is None, empty=draw.random() < 0.5)
        report.append({"name": name, "mode": chosen, "result": outcome})
    _remake_parents(table, stamp)
    journal.clear()
    return report


def _put_back(table: Table, current: Item | None, before: Props | None) -> str:
    if before is None:
        if current is not None:
            table.items.remove(current)
        return "gone (made within the window)"
    if current is None:
        table.items.append(Item(id=table.new_id(), props=dict(before)))
        return "back as before (removed within the window)"
    current.props = dict(before)
    return "back as before (changed within the window)"


def _spoil(table: Table, current: Item | None, newest: Props, *, removed: bool, empty: bool) -> str:
    """The file in the newest form it had (a removal did not reach the flash either), with contents cut to
    nothing or to their first half: the "empty or zero-length files" of a sudden power loss."""
    props = dict(newest)
    if props.get("type") in ("directory", "disk"):
        outcome = "kept (a directory)"
    else:
        data = encoded(props.get("contents", ""))
        kept = b"" if empty else data[: len(data) // 2]
        props["contents"] = decoded(kept)
        outcome = f"cut to {len(kept)} of {len(data)} bytes"
    if removed:
        outcome += " (its removal within the window is lost)"
    if current is None:
        table.items.append(Item(id=table.new_id(), props=props))
    else:
        current.props = props
    return outcome


def _remake_parents(table: Table, stamp: str) -> None:
    """A file whose directory a cut took away gets it back, as every file name's directories exist."""
    names = {item.props.get("name", "") for item in table.items}
    for item in list(table.items):
        parts = [part for part in item.props.get("name", "").split("/") if part]
        for end in range(1, len(parts)):
            parent = "/".join(parts[:end])
            if parent not in names:
                directory = {"name": parent, "type": "directory", "last-modified": stamp}
                table.items.insert(table.items.index(item), Item(id=table.new_id(), props=directory))
                names.add(parent)

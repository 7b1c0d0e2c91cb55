"""ctl verbs for a router's storage: the board (whole /file kept, or a RAM root with only flash/ kept) and a
power cut that spoils the file changes a write-back cache still held (lab.storage; lab/README.md, Storage)."""

from __future__ import annotations

from typing import Any

from lab import storage
from lab.control import LabView, UsageError, verb

_BOARD_USAGE = f"board ROUTER [{'|'.join(storage.BOARDS)}]"
_POWERCUT_USAGE = f"powercut ROUTER [SECONDS] [{'|'.join(storage.POWERCUT_MODES)}] [SEED]"


@verb(
    "board",
    _BOARD_USAGE,
    "the router's board: flat (every file survives a reboot) or ram-root (a `flash` disk; files outside "
    "flash/ are lost on reboot and power cut); without a board, the current one",
)
def _board(lab: LabView, args: list[str]) -> dict[str, Any]:
    if len(args) not in (1, 2):
        raise UsageError(f"usage: {_BOARD_USAGE}")
    router = lab.router(args[0])
    with router.lock:
        if len(args) == 2:
            if args[1] not in storage.BOARDS:
                raise UsageError(f"board {args[1]!r} is not one of {', '.join(storage.BOARDS)}")
            storage.set_board(router.state, args[1], router.clock.stamp())
            router.save()
        return {"router": router.index, "board": storage.board(router.state)}


@verb(
    "powercut",
    _POWERCUT_USAGE,
    "cut the router's power: every file change of the last SECONDS (40) is lost (lose), its contents cut to "
    "nothing or half (truncate) or either per file (mixed, the default, drawn from SEED, 0); then it boots "
    "as after `reboot` (a ram-root board also loses files outside flash/); answers what became of each file",
)
def _powercut(lab: LabView, args: list[str]) -> dict[str, Any]:
    if not 1 <= len(args) <= 4:
        raise UsageError(f"usage: {_POWERCUT_USAGE}")
    router = lab.router(args[0])
    seconds = _seconds(args[1]) if len(args) > 1 else storage.POWERCUT_SECONDS
    mode = args[2] if len(args) > 2 else "mixed"
    if mode not in storage.POWERCUT_MODES:
        raise UsageError(f"powercut mode {mode!r} is not one of {', '.join(storage.POWERCUT_MODES)}")
    seed = _seed(args[3]) if len(args) > 3 else 0
    with router.lock:
        cut = storage.power_cut(
            router.state,
            router.file_journal,
            seconds=seconds,
            mode=mode,
            seed=seed,
            stamp=router.clock.stamp(),
        )
        # What lies on the RAM disk is gone whatever the cut did to it.
        lost = storage.ram_files(router.state)
        files = [change for change in cut if change["name"] not in lost]
        files += [
            {"name": name, "mode": "ram", "result": "gone (outside flash/ on a ram-root board)"}
            for name in lost
        ]
        router.reboot()
    return {"router": router.index, "seconds": seconds, "mode": mode, "seed": seed, "files": files}


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= storage.JOURNAL_SECONDS:
        raise UsageError(f"powercut SECONDS {text!r} is not a number 0..{storage.JOURNAL_SECONDS:g}")
    return value


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"powercut SEED {text!r} is not a whole number") from None

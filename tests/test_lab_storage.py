"""The lab's /file storage as strict as real routers (issue 16); lab/README.md, "Storage", lists each fact.

- Contents written by `/file add|set contents=` are cut to 4095 bytes, silently: eworm-de/routeros-scripts,
  backup-email.rsc and backup-upload.rsc, warn in a comment that `/file/add` is limited to 4095 bytes (they
  write bigger files with `:execute ... file=`). A read of `contents` of a bigger file gives ""
  (uncertain: the manual, Files, says "It is possible to retrieve content and edit files up to 60KB in size";
  the lab takes the strictest reading). `size` stays the true size.
- Manual, Files: "If the device has a directory named "flash" in its file list, then files which you want to
  be kept after the system reboot/power cycle must be stored within it. As anything outside of it is kept
  within a RAM disk and will be lost upon reboot"; its print shows `name=flash type=disk`.
- Manual, Files: on multi-core devices with NAND flash RouterOS caches file changes in RAM; "the writing can
  be delayed by up to 40 seconds ... this can cause empty or zero-length files when a device experiences a
  sudden power loss" (`ctl powercut`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import librouteros
import pytest
from librouteros.exceptions import TrapError

from lab import storage
from lab.errors import CommandError
from lab.menus.system import store_file
from lab.router import Router
from lab.script.runner import install, run_script
from lab.testing import RunningLab, new_lab


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def put(router: Router, source: str) -> list[str]:
    result = run_script(router, source, {}, "admin")
    assert result.error is None, result.error
    return result.output


def contents(router: Router, name: str) -> str:
    return router.execute("file", "get", {"number": name, "value-name": "contents"}).ret or ""


def size(router: Router, name: str) -> int:
    return int(router.execute("file", "get", {"number": name, "value-name": "size"}).ret or "")


# ----- 4095 bytes


def test_add_and_set_keep_the_first_4095_bytes_without_an_error(router: Router) -> None:
    text = "a" * 4000 + "b" * 1000
    router.execute("file", "add", {"name": "big.txt", "contents": text})
    assert size(router, "big.txt") == 4095
    assert contents(router, "big.txt") == text[:4095]
    router.execute("file", "set", {"numbers": "big.txt", "contents": "c" * 5000})
    assert contents(router, "big.txt") == "c" * 4095
    # Nothing a script could catch: the write succeeds, only a read-back shows what was kept.
    assert put(
        router,
        ':onerror e in={ /file set big.txt contents=[:rndstr length=6000 from="xyz"] } do={ :put "caught" }\n'
        ":put [/file get big.txt size]; :put [:len [/file get big.txt contents]]",
    ) == ["4095", "4095"]


def test_the_limit_counts_bytes_so_a_character_may_be_cut_in_two(router: Router) -> None:
    router.execute("file", "add", {"name": "utf8.txt", "contents": "é" * 3000})
    assert size(router, "utf8.txt") == 4095
    assert storage.encoded(contents(router, "utf8.txt")) == ("é" * 3000).encode()[:4095]


def test_a_file_bigger_than_4095_bytes_reads_back_empty_but_keeps_its_size(router: Router) -> None:
    """fetch `output=file` and `:execute file=` write files of any size; reading their contents gives ""."""
    store_file(router, "fetched.txt", "z" * 5000)
    assert put(router, ":put [:len [/file get fetched.txt contents]]; :put [/file get fetched.txt size]") == [
        "0",
        "5000",
    ]
    row = next(row for row in router.rows("file") if row["name"] == "fetched.txt")
    assert row["contents"] == ""
    store_file(router, "limit.txt", "y" * 4095)
    assert contents(router, "limit.txt") == "y" * 4095
    # A rename writes no contents, so nothing is cut: the file is still whole, and still unreadable.
    router.execute("file", "set", {"numbers": "fetched.txt", "name": "renamed.txt"})
    assert size(router, "renamed.txt") == 5000


def test_the_routers_own_writers_are_not_cut_to_4095_bytes(router: Router) -> None:
    """fetch `output=file` and certificate export write whole files (eworm's scripts write big files with
    the router's own writers rather than `/file add`): store_file keeps every byte."""
    store_file(router, "dir/export.rsc", "# export\n" * 600)
    assert size(router, "dir/export.rsc") == 5400
    assert next(row for row in router.rows("file") if row["name"] == "dir")["type"] == "directory"
    with pytest.raises(CommandError, match="a directory cannot be written as a file"):
        store_file(router, "dir", "x")


# ----- boards


def test_a_ram_root_board_lists_flash_as_a_disk_that_cannot_be_removed(router: Router) -> None:
    storage.set_board(router.state, "ram-root", router.clock.stamp())
    flash = next(row for row in router.rows("file") if row["name"] == "flash")
    assert flash["type"] == "disk"
    assert "size" not in flash
    assert put(
        router,
        ':onerror e in={ /file remove flash } do={ :put "refused" }\n'
        ':onerror e in={ /file set flash contents="x" } do={ :put "refused" }\n'
        ':onerror e in={ /file add name=flash2 type=disk } do={ :put "refused" }',
    ) == ["refused", "refused", "refused"]
    put(router, '/file add name=flash/notes/a.txt contents="kept"')
    assert {row["name"]: row["type"] for row in router.rows("file")} == {
        "flash": "disk",
        "flash/notes": "directory",
        "flash/notes/a.txt": "file",
    }


def test_a_ram_root_board_loses_what_lies_outside_flash_on_reboot(router: Router) -> None:
    put(router, '/file add name=before.txt contents="on a flat board"')
    storage.set_board(router.state, "ram-root", router.clock.stamp())
    put(router, '/file add name=ram.txt contents="gone"; /file add name=flash/state.txt contents="kept"')
    put(router, '/file add name=tmp/x.txt contents="gone too"')
    router.reboot()
    assert {row["name"]: row.get("contents") for row in router.rows("file")} == {
        "flash": None,
        "flash/state.txt": "kept",
    }


def test_a_flat_board_keeps_every_file_and_going_back_to_flat_leaves_a_directory(router: Router) -> None:
    storage.set_board(router.state, "ram-root", router.clock.stamp())
    put(router, '/file add name=flash/state.txt contents="kept"')
    storage.set_board(router.state, "flat", router.clock.stamp())
    put(router, '/file add name=anywhere.txt contents="kept"')
    router.reboot()
    assert {row["name"]: row["type"] for row in router.rows("file")} == {
        "flash": "directory",
        "flash/state.txt": "file",
        "anywhere.txt": "file",
    }


# ----- through the lab: ctl board, powercut, stats, serve --board


def _api(lab: RunningLab, index: int) -> librouteros.api.Api:
    return librouteros.connect(lab.address(index), "admin", "lab-admin")


def _files(lab: RunningLab, index: int) -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in lab.ctl("dump", str(index))["file"]}


def _file_id(api: librouteros.api.Api, name: str) -> str:
    return str(next(row[".id"] for row in api.path("file") if row["name"] == name))


@pytest.fixture(scope="module")
def lab3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("lab"), routers=3)
    running.start()
    yield running
    running.stop()


def test_ctl_board_makes_one_router_ram_root(lab3: RunningLab) -> None:
    assert lab3.ctl("board", "1") == {"router": 1, "board": "flat"}
    assert lab3.ctl("board", "1", "ram-root") == {"router": 1, "board": "ram-root"}
    api = _api(lab3, 1)
    files = api.path("file")
    assert [row["type"] for row in files if row["name"] == "flash"] == ["disk"]
    with pytest.raises(TrapError, match="a disk cannot be removed"):
        files.remove(_file_id(api, "flash"))
    files.add(name="flash/keep.txt", contents="kept")
    files.add(name="ram.txt", contents="lost")
    api.close()
    lab3.ctl("reboot", "1")
    assert sorted(_files(lab3, 1)) == ["flash", "flash/keep.txt"]
    assert "flash" not in _files(lab3, 2)
    with pytest.raises(RuntimeError, match=r"board 'ssd' is not one of flat, ram-root"):
        lab3.ctl("board", "1", "ssd")


def _write(lab: RunningLab, index: int, changes: list[tuple[str, str, str]]) -> None:
    api = _api(lab, index)
    files = api.path("file")
    for action, name, text in changes:
        if action == "add":
            files.add(name=name, contents=text)
        elif action == "set":
            files.update(**{".id": _file_id(api, name), "contents": text})
        else:
            files.remove(_file_id(api, name))
    api.close()


OLD = [("add", "old.txt", "old contents"), ("add", "keep.txt", "first"), ("add", "still.txt", "untouched")]
RECENT = [("add", "new.txt", "0123456789"), ("set", "keep.txt", "second version"), ("remove", "old.txt", "")]


# The cut's window in these tests, and how long before it the older writes are made.
WINDOW = "3"
PAUSE = 5.0


def _older_then_recent(lab: RunningLab, index: int) -> None:
    """Writes made well before the window, then writes inside it."""
    _write(lab, index, OLD)
    time.sleep(PAUSE)
    _write(lab, index, RECENT)


def test_powercut_lose_undoes_every_change_of_the_window_and_reboots(lab3: RunningLab) -> None:
    lab3.ctl("board", "2", "flat")
    _older_then_recent(lab3, 2)
    answer = lab3.ctl("powercut", "2", WINDOW, "lose")
    assert {(row["name"], row["mode"]) for row in answer["files"]} == {
        ("new.txt", "lose"),
        ("keep.txt", "lose"),
        ("old.txt", "lose"),
    }
    files = _files(lab3, 2)
    assert "new.txt" not in files
    assert files["keep.txt"]["contents"] == "first"
    assert files["old.txt"]["contents"] == "old contents"
    assert files["still.txt"]["contents"] == "untouched"
    api = _api(lab3, 2)
    assert "router rebooted" in [row["message"] for row in api.path("log")]
    api.close()
    # The cut emptied the write-back cache: a second one finds nothing to spoil.
    assert lab3.ctl("powercut", "2", "40", "lose")["files"] == []


def test_powercut_truncate_keeps_files_with_their_contents_cut_and_replays_by_seed(lab3: RunningLab) -> None:
    answers = []
    for index in ("2", "3"):
        api = _api(lab3, int(index))
        for name in ("old.txt", "keep.txt", "still.txt", "new.txt"):
            if any(row["name"] == name for row in api.path("file")):
                api.path("file").remove(_file_id(api, name))
        api.close()
        _older_then_recent(lab3, int(index))
        answers.append(lab3.ctl("powercut", index, WINDOW, "truncate", "1")["files"])
    assert answers[0] == answers[1], "the same seed spoils the same files the same way"
    written = {"new.txt": "0123456789", "keep.txt": "second version", "old.txt": "old contents"}
    files = _files(lab3, 3)
    for row in answers[1]:
        kept = int(row["result"].split()[2])
        assert row["mode"] == "truncate"
        assert kept in (0, len(written[row["name"]]) // 2), row
        assert files[row["name"]]["contents"] == written[row["name"]][:kept]
    assert {int(row["result"].split()[2]) == 0 for row in answers[1]} == {True, False}, answers[1]
    assert files["still.txt"]["contents"] == "untouched"


def test_powercut_mixed_picks_per_file_from_the_seed(lab3: RunningLab) -> None:
    names = [f"m{number}.txt" for number in range(8)]
    _write(lab3, 3, [("add", "m-old.txt", "older")])
    time.sleep(PAUSE)
    _write(lab3, 3, [("add", name, "mixed contents") for name in names])
    answer = lab3.ctl("powercut", "3", WINDOW, "mixed", "3")
    assert answer["mode"] == "mixed" and answer["seed"] == 3
    modes = {row["name"]: row["mode"] for row in answer["files"]}
    assert set(modes) == set(names)
    assert set(modes.values()) == {"lose", "truncate"}
    files = _files(lab3, 3)
    for name, mode in modes.items():
        assert (name in files) == (mode == "truncate")
    assert files["m-old.txt"]["contents"] == "older"


def test_powercut_on_a_ram_root_board_also_loses_the_ram_disk(lab3: RunningLab) -> None:
    lab3.ctl("board", "1", "ram-root")
    _write(lab3, 1, [("add", "flash/cut.txt", "abcdef"), ("add", "scratch.txt", "x")])
    answer = lab3.ctl("powercut", "1", "40", "truncate", "1")
    assert {row["name"]: row["mode"] for row in answer["files"]} == {
        "flash/cut.txt": "truncate",
        "scratch.txt": "ram",
    }
    assert "scratch.txt" not in _files(lab3, 1)


def test_powercut_names_what_it_accepts(lab3: RunningLab) -> None:
    with pytest.raises(RuntimeError, match=r"powercut mode 'half' is not one of lose, truncate, mixed"):
        lab3.ctl("powercut", "1", "40", "half")
    with pytest.raises(RuntimeError, match=r"powercut SECONDS 'soon' is not a number 0\.\.400"):
        lab3.ctl("powercut", "1", "soon")
    with pytest.raises(RuntimeError, match=r"powercut SEED 'x' is not a whole number"):
        lab3.ctl("powercut", "1", "40", "lose", "x")


def test_stats_count_file_writes_and_bytes_until_reset(lab3: RunningLab) -> None:
    lab3.ctl("stats", "reset")
    _write(lab3, 2, [("add", "counted.txt", "0123456789"), ("set", "counted.txt", "x" * 5000)])
    report = lab3.ctl("stats", "2")["2"]
    assert (report["file-writes"], report["file-bytes-written"]) == (2, 10 + 4095)
    assert lab3.ctl("stats", "3")["3"]["file-writes"] == 0
    lab3.ctl("stats", "reset")
    assert lab3.ctl("stats", "2")["2"]["file-bytes-written"] == 0


def test_serve_board_ram_root_survives_restarts_and_a_restart_is_a_power_cycle(tmp_path: Path) -> None:
    lab = new_lab(tmp_path, routers=1, extra_args=["--board", "ram-root"])
    lab.start()
    try:
        _write(lab, 1, [("add", "flash/kept.txt", "kept"), ("add", "ram.txt", "lost")])
        # Without --board the router keeps the board its state names.
        lab.extra_args = [arg for arg in lab.extra_args if arg not in ("--board", "ram-root")]
        lab.restart()
        assert sorted(_files(lab, 1)) == ["flash", "flash/kept.txt"]
        assert lab.ctl("board", "1") == {"router": 1, "board": "ram-root"}
    finally:
        lab.stop()

"""`ctl stats` counts what API clients asked of each router (the provisioning benchmark's round trips):
connections, logins, failed logins and sentences by command word, per router, until `stats reset`."""

from __future__ import annotations

from collections.abc import Iterator

import librouteros
import pytest
from librouteros.exceptions import TrapError

from lab.testing import RunningLab, new_lab


@pytest.fixture(scope="module")
def lab2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("lab"), routers=2)
    running.start()
    yield running
    running.stop()


def test_stats_count_logins_and_sentences_by_command_per_router(lab2: RunningLab):
    lab2.ctl("stats", "reset")
    api = librouteros.connect(lab2.address(1), "admin", "lab-admin")
    list(api.path("interface"))
    list(api.path("ip", "address"))
    list(api.path("interface"))
    api.close()
    with pytest.raises(TrapError):
        librouteros.connect(lab2.address(1), "admin", "wrong-password")

    first = lab2.ctl("stats", "1")["1"]
    assert first["connections"] == 2
    assert first["logins"] == 1
    assert first["login-failures"] == 1
    assert first["commands"]["/interface/print"] == 2
    assert first["commands"]["/ip/address/print"] == 1
    assert first["commands"]["/login"] == 2
    assert first["sentences"] == sum(first["commands"].values())

    untouched = lab2.ctl("stats", "all")["2"]
    assert untouched == {
        "connections": 0,
        "logins": 0,
        "login-failures": 0,
        "sentences": 0,
        "commands": {},
        "file-writes": 0,
        "file-bytes-written": 0,
    }


def test_stats_reset_clears_every_router(lab2: RunningLab):
    for index in (1, 2):
        librouteros.connect(lab2.address(index), "admin", "lab-admin").close()
    assert lab2.ctl("stats", "all")["2"]["logins"] == 1

    lab2.ctl("stats", "reset")

    assert all(
        report["sentences"] == 0 and report["logins"] == 0 for report in lab2.ctl("stats", "all").values()
    )


def test_stats_names_what_it_accepts(lab2: RunningLab):
    with pytest.raises(RuntimeError, match=r"usage: stats ROUTER\|all\|reset"):
        lab2.ctl("stats")
    with pytest.raises(RuntimeError, match="no router '9'"):
        lab2.ctl("stats", "9")

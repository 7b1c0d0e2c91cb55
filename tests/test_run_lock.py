"""The router's run lock (routeros_apply's _routeros_lock.py) against a lab router, without Ansible: of two
takers exactly one holds it at a time, a second waits while the first holds it and gets it once released, or
refuses after its wait naming the holder; the lock is gone once released."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from types import ModuleType

import librouteros
import pytest
from ansible.errors import AnsibleActionFail
from ansible_run import ROOT


@pytest.fixture(scope="module")
def lock() -> ModuleType:
    name = "_routeros_lock"
    path = ROOT / "roles" / "routeros_apply" / "action_plugins" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


def _files(lab, name):
    return [row for row in lab.ctl("dump", "1")["file"] if row.get("name") == name]


def test_a_second_taker_waits_for_the_first_then_holds_the_lock_alone(lab, lock):
    first = librouteros.connect(lab.address(1), "admin", "lab-admin")
    second = librouteros.connect(lab.address(1), "admin", "lab-admin")
    holding: list[str] = []
    taken = threading.Event()

    def hold_briefly() -> None:
        with lock.held(first, "r1", {"wait": 0, "expire": 60}):
            holding.append("first")
            taken.set()
            time.sleep(2)
            holding.remove("first")

    worker = threading.Thread(target=hold_briefly)
    worker.start()
    taken.wait(10)
    started = time.monotonic()
    with lock.held(second, "r1", {"wait": 10, "expire": 60}) as holder:
        assert holding == [], "the second taker got the lock while the first held it"
        assert time.monotonic() - started >= 1
        assert len(_files(lab, lock.NAME)) == 1
    worker.join()
    assert holder["expires"] > holder["since"]
    assert _files(lab, lock.NAME) == []


def test_a_taker_that_cannot_wait_refuses_naming_the_holder_and_touches_nothing(lab, lock):
    first = librouteros.connect(lab.address(1), "admin", "lab-admin")
    second = librouteros.connect(lab.address(1), "admin", "lab-admin")
    with lock.held(first, "r1", {"wait": 0, "expire": 60}) as holder:
        with (
            pytest.raises(AnsibleActionFail, match="another run is changing this router") as refused,
            lock.held(second, "r1", {"wait": 0, "expire": 60}),
        ):
            pytest.fail("two holders at once")
        assert f"process {holder['pid']}, since {holder['since']}" in str(refused.value)
        assert len(_files(lab, lock.NAME)) == 1
    assert _files(lab, lock.NAME) == []

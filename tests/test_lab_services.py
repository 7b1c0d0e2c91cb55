"""/ip service `port=` moves the service, as on a router (manual, IP Services: "port - the port particular
service listens on"): the lab's API listener follows the configured port, whoever changes it."""

from __future__ import annotations

import socket
import time

import librouteros
import pytest

from lab.testing import RunningLab, free_port


def _connect(lab: RunningLab, port: int) -> librouteros.api.Api:
    return librouteros.connect(host=lab.address(2), username="admin", password="lab-admin", port=port)


def _accepts(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


def _wait_for(address: str, port: int, accepting: bool) -> None:
    deadline = time.monotonic() + 5
    while _accepts(address, port) != accepting:
        assert time.monotonic() < deadline, f"{address}:{port} still {'closed' if accepting else 'open'}"
        time.sleep(0.05)


def test_changing_the_api_port_moves_the_listener_and_keeps_open_sessions(lab: RunningLab) -> None:
    """After `set api port=P` the API answers on P and no longer on 8728; the session that made the change
    stays open; setting the port back moves the listener back."""
    moved = free_port()
    api = _connect(lab, 8728)
    services = api.path("ip", "service")
    [row] = [r for r in services if r["name"] == "api" and not r.get("dynamic")]
    services.update(**{".id": row[".id"], "port": moved})
    _wait_for(lab.address(2), moved, accepting=True)
    _wait_for(lab.address(2), 8728, accepting=False)
    assert next(iter(api.path("system", "identity")))["name"], "the open session still answers"
    other = _connect(lab, moved)
    other.path("ip", "service").update(**{".id": row[".id"], "port": 8728})
    other.close()
    api.close()
    _wait_for(lab.address(2), 8728, accepting=True)
    _wait_for(lab.address(2), moved, accepting=False)
    with pytest.raises(OSError):
        _connect(lab, moved)

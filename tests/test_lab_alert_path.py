"""The whole alert path inside one running lab, with nothing faked but the network:
a host goes down, Netwatch runs the down-script as *sys with its variables, the script's /tool fetch reaches
the fake Telegram over the virtual Internet, the host comes back and the up-script announces it."""

from __future__ import annotations

import time

import librouteros
import pytest

from lab.testing import new_lab

TOKEN = "123456789:LAB-telegram-token-0000000000000000"
CHAT = "111111111"
HOST = "192.168.88.10"

# What an operator would write by hand: the JSON body built in the script, sent with fetch.
SCRIPT = (
    ':local text ("$status $host $name " . [:tostr $"failed-tests"]);'
    f' /tool fetch url="https://api.telegram.org/bot{TOKEN}/sendMessage" http-method=post'
    ' http-header-field="Content-Type: application/json"'
    f' http-data=("{{\\"chat_id\\":{CHAT},\\"text\\":\\"" . $text . "\\"}}") output=user as-value'
)


def _wait_for(predicate, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def alert_lab(tmp_path):
    lab = new_lab(tmp_path, routers=1)
    lab.start()
    yield lab
    lab.stop()


def _texts(lab) -> list[str]:
    return [message["text"] for message in lab.ctl("telegram", "messages", CHAT)]


def test_down_and_up_reach_telegram_through_netwatch_scripts(alert_lab):
    lab = alert_lab
    lab.ctl("host", "1", HOST, "up")
    api = librouteros.connect(host=lab.address(1), username="admin", password="lab-admin")
    api.path("ip", "address").add(address="192.168.88.1/24", interface="ether2")
    api.path("tool", "netwatch").add(
        host=HOST,
        name="server-1",
        interval="1s",
        timeout="300ms",
        **{"startup-delay": "0s", "start-delay": "0s"},
        **{"up-script": SCRIPT, "down-script": SCRIPT},
    )
    # ignore-initial-up defaults to no: the first good probe already announces the host.
    _wait_for(lambda: f"up {HOST} server-1 0" in _texts(lab))

    lab.ctl("host", "1", HOST, "down")
    down = _wait_for(lambda: [t for t in _texts(lab) if t.startswith(f"down {HOST} server-1")])
    assert down == [f"down {HOST} server-1 1"]

    lab.ctl("host", "1", HOST, "up")
    _wait_for(lambda: _texts(lab).count(f"up {HOST} server-1 1") == 1)

    status = next(iter(api.path("tool", "netwatch")))
    assert status["status"] == "up"
    assert status["done-tests"] >= 3
    api.close()


def test_a_failed_fetch_writes_its_url_and_so_the_token_into_the_log(alert_lab):
    lab = alert_lab
    lab.ctl("uplink", "1", "down")
    api = librouteros.connect(host=lab.address(1), username="admin", password="lab-admin")
    api.path("system", "script").add(name="send", source=SCRIPT.replace("$status $host $name", "test"))
    # The API answers the run when the script has ended, here with the script's error.
    with pytest.raises(librouteros.exceptions.TrapError, match="could not resolve dns name"):
        tuple(api.path("system", "script")("run", number="send"))
    log = [r["message"] for r in api.path("log") if "FAILED" in r.get("message", "")]
    assert TOKEN in log[0]
    assert _texts(lab) == []
    api.close()

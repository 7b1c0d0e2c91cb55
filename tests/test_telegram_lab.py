"""`python -m lab serve` runs the fake Telegram beside the routers, with ctl verbs and command-line
settings."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.testing import RunningLab, free_port, new_lab

TOKEN = "1234567890:abcdefghijABCDEFGHIJ0123456789_-xyz"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(
        tmp_path_factory.mktemp("lab"),
        extra_args=[
            "--telegram-port",
            str(free_port()),
            "--telegram-token",
            TOKEN,
            "--telegram-chat=-1003000000001:7=Ops",
            "--telegram-chat",
            "222222222",
            "--telegram-limits",
            "off",
        ],
    )
    running.start()
    yield running
    running.stop()


def call(lab: RunningLab, method: str, params: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{lab.telegram_port}/bot{TOKEN}/{method}",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: dict[str, object] = json.loads(response.read())
    except urllib.error.HTTPError as error:
        answer = json.loads(error.read())
    return answer


def test_command_line_chats_and_token_are_the_ones_known(lab: RunningLab) -> None:
    info = lab.ctl("telegram", "info")
    assert info["tokens"] == [TOKEN]
    assert info["chats"] == [
        {"id": -1003000000001, "type": "supergroup", "title": "Ops", "topics": [7]},
        {"id": 222222222, "type": "private", "title": "Lab chat 222222222", "topics": []},
    ]
    assert info["limits"]["enabled"] is False
    answer = call(lab, "sendMessage", {"chat_id": -1003000000001, "message_thread_id": 7, "text": "up"})
    assert answer["ok"] is True
    assert (
        call(lab, "sendMessage", {"chat_id": -4000000001, "text": "x"})["description"]
        == "Bad Request: chat not found"
    )


def test_ctl_verbs_drive_faults_and_show_messages(lab: RunningLab) -> None:
    lab.ctl("telegram", "reset")
    lab.ctl("telegram", "fault", "429=3", "1")
    refused = call(lab, "sendMessage", {"chat_id": 222222222, "text": "first"})
    assert refused["parameters"] == {"retry_after": 3}
    assert call(lab, "sendMessage", {"chat_id": 222222222, "text": "second"})["ok"] is True
    assert [m["text"] for m in lab.ctl("telegram", "messages", "222222222")] == ["second"]
    assert [a["fault"] for a in lab.ctl("telegram", "attempts")] == ["429"]
    lab.ctl("telegram", "fault", "500")
    assert call(lab, "getMe", {})["error_code"] == 500
    assert lab.ctl("telegram", "clear") == "telegram faults cleared"
    assert call(lab, "getMe", {})["ok"] is True
    with pytest.raises(RuntimeError, match="fault kind 'teapot' is unknown"):
        lab.ctl("telegram", "fault", "teapot")


def test_a_malformed_token_on_the_command_line_is_refused(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "lab", "serve", "--state", str(tmp_path), "--telegram-token", "12:bad"]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 2
    assert "does not have Telegram's shape" in result.stderr

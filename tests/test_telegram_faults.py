"""Faults injected with the `telegram` ctl verb spoil the next requests as asked, then Telegram recovers."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from lab.control import VERBS, UsageError
from lab.telegram import ctl as telegram_ctl
from tests.telegram_fake import FORUM, GROUP, PRIVATE, TOKEN, RunningTelegram, running_telegram


@pytest.fixture(scope="module")
def fake() -> Iterator[RunningTelegram]:
    with running_telegram() as running:
        yield running


def ctl(fake: RunningTelegram, *args: str) -> Any:
    """The `telegram` verb as the control endpoint runs it, for a lab whose only part is this server."""
    assert VERBS["telegram"].run is telegram_ctl.telegram_verb
    lab = SimpleNamespace(telegram=fake.server)
    return fake.call_in_loop(VERBS["telegram"].run, lab, list(args))


@pytest.fixture(autouse=True)
def clean(fake: RunningTelegram) -> Iterator[None]:
    yield
    ctl(fake, "clear")
    ctl(fake, "reset")


def send(fake: RunningTelegram, chat: int = GROUP) -> tuple[int, dict[str, Any]]:
    return fake.api("sendMessage", {"chat_id": chat, "text": "alert"})


@pytest.mark.parametrize(
    ("kind", "chat", "status", "answer"),
    [
        ("500", GROUP, 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}),
        (
            "429=7",
            GROUP,
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
        ),
        (
            "429",
            GROUP,
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 5",
                "parameters": {"retry_after": 5},
            },
        ),
        (
            "400-chat-not-found",
            GROUP,
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
        ),
        ("401", GROUP, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}),
        (
            "403",
            GROUP,
            403,
            {"ok": False, "error_code": 403, "description": "Forbidden: bot was kicked from the group chat"},
        ),
        (
            "403",
            PRIVATE,
            403,
            {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
        ),
    ],
)
def test_json_faults_answer_once_then_telegram_recovers(
    fake: RunningTelegram, kind: str, chat: int, status: int, answer: dict[str, Any]
) -> None:
    ctl(fake, "fault", kind, "1")
    assert send(fake, chat) == (status, answer)
    assert send(fake, chat)[0] == 200
    attempts = ctl(fake, "attempts")
    assert (
        len(attempts) == 1
        and attempts[0]["fault"] == kind.split("=", maxsplit=1)[0]
        and attempts[0]["error_code"] == status
    )
    assert [m["text"] for m in ctl(fake, "messages")] == ["alert"]


@pytest.mark.parametrize(
    ("chat", "description"),
    [
        (GROUP, "Forbidden: bot was kicked from the group chat"),
        (FORUM, "Forbidden: bot was kicked from the supergroup chat"),
    ],
)
def test_403_answers_get_chat_as_for_a_bot_removed_from_the_chat(
    fake: RunningTelegram, chat: int, description: str
) -> None:
    ctl(fake, "fault", "403", "1")
    assert fake.api("getChat", {"chat_id": chat}) == (
        403,
        {"ok": False, "error_code": 403, "description": description},
    )
    attempts = ctl(fake, "attempts")
    assert [(a["method"], a["fault"], a["error_code"]) for a in attempts] == [("getChat", "403", 403)]
    # The fault was spent: the chat answers again.
    assert fake.api("getChat", {"chat_id": chat})[0] == 200


@pytest.mark.parametrize(("kind", "status"), [("500", 500), ("429=3", 429), ("401", 401), ("502", 502)])
def test_every_fault_spoils_get_chat_too(fake: RunningTelegram, kind: str, status: int) -> None:
    ctl(fake, "fault", kind, "1")
    got, _, _ = fake.request("GET", f"/bot{TOKEN}/getChat?chat_id={GROUP}")
    assert got == status
    assert fake.api("getChat", {"chat_id": GROUP})[0] == 200


def test_a_fault_queue_is_shared_by_get_chat_and_send_message(fake: RunningTelegram) -> None:
    ctl(fake, "fault", "500", "1")
    assert fake.api("getChat", {"chat_id": GROUP})[0] == 500
    assert send(fake)[0] == 200


def test_502_is_nginxs_html_page(fake: RunningTelegram) -> None:
    ctl(fake, "fault", "502", "1")
    status, headers, body = fake.request(
        "POST",
        f"/bot{TOKEN}/sendMessage",
        json.dumps({"chat_id": GROUP, "text": "x"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 502 and headers["content-type"] == "text/html" and b"502 Bad Gateway" in body


def test_migrate_points_at_a_supergroup_the_bot_can_then_use(fake: RunningTelegram) -> None:
    ctl(fake, "fault", "migrate", "1")
    status, answer = send(fake, GROUP)
    assert status == 400
    assert answer["description"] == "Bad Request: group chat was upgraded to a supergroup chat"
    target = answer["parameters"]["migrate_to_chat_id"]
    assert target == -1004000000001
    status, moved = send(fake, target)
    assert status == 200 and moved["result"]["chat"]["type"] == "supergroup"


def test_a_fault_without_count_lasts_until_cleared(fake: RunningTelegram) -> None:
    ctl(fake, "fault", "500")
    assert [send(fake)[0] for _ in range(3)] == [500, 500, 500]
    assert ctl(fake, "faults") == [{"kind": "500", "value": None, "remaining": None}]
    ctl(fake, "clear")
    assert send(fake)[0] == 200


def test_faults_queue_in_order(fake: RunningTelegram) -> None:
    ctl(fake, "fault", "500", "2")
    ctl(fake, "fault", "429=1", "1")
    assert [send(fake)[0] for _ in range(4)] == [500, 500, 429, 200]


def test_timeout_never_answers_until_the_client_gives_up(fake: RunningTelegram) -> None:
    ctl(fake, "fault", "timeout", "1")
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=0.5)
    connection.request(
        "POST",
        f"/bot{TOKEN}/sendMessage",
        json.dumps({"chat_id": GROUP, "text": "lost"}),
        {"Content-Type": "application/json"},
    )
    with pytest.raises(socket.timeout):
        connection.getresponse()
    connection.close()
    assert ctl(fake, "messages") == []
    assert ctl(fake, "attempts")[0]["fault"] == "timeout" and ctl(fake, "attempts")[0]["error_code"] is None
    assert send(fake)[0] == 200


def test_timeout_with_seconds_holds_then_delivers(fake: RunningTelegram) -> None:
    ctl(fake, "fault", "timeout=1", "1")
    started = time.monotonic()
    assert send(fake)[0] == 200 and time.monotonic() - started >= 0.9
    assert ctl(fake, "messages")[0]["text"] == "alert"


def test_the_verb_refuses_what_it_does_not_know(fake: RunningTelegram) -> None:
    for args in (
        ["fault", "418"],
        ["fault", "500", "0"],
        ["fault", "403=2"],
        ["limits", "chat=fast"],
        ["dance"],
    ):
        with pytest.raises((ValueError, UsageError), match=r"telegram|usage"):
            ctl(fake, *args)


def test_limits_can_be_changed_at_run_time(fake: RunningTelegram) -> None:
    ctl(fake, "limits", "on", "burst=1", "chat=0.5")
    try:
        assert [send(fake, PRIVATE)[0] for _ in range(2)] == [200, 429]
    finally:
        ctl(fake, "limits", "off", "burst=3", "chat=1")
    info = ctl(fake, "info")
    assert info["tokens"] == [TOKEN] and {c["type"] for c in info["chats"]} == {
        "private",
        "group",
        "supergroup",
    }

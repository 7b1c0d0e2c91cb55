"""The fake Telegram Bot API answers as Telegram does: shapes, errors, parse modes, flood control,
inspection."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from lab.telegram.config import Limits
from tests.telegram_fake import FORUM, GROUP, PRIVATE, TOKEN, RunningTelegram, running_telegram

UNKNOWN_TOKEN = "987654321:" + "x" * 35


@pytest.fixture(scope="module")
def fake() -> Iterator[RunningTelegram]:
    with running_telegram() as running:
        yield running


@pytest.fixture(autouse=True)
def clean(fake: RunningTelegram) -> None:
    fake.call_in_loop(fake.state.reset)


def test_get_me_describes_the_bot_of_the_token(fake: RunningTelegram) -> None:
    status, answer = fake.api("getMe")
    assert status == 200
    assert answer["ok"] is True
    assert answer["result"]["id"] == 123456789
    assert answer["result"]["is_bot"] is True
    assert answer["result"]["username"] == "lab_123456789_bot"


def test_send_message_answers_with_the_message_as_telegram_shapes_it(fake: RunningTelegram) -> None:
    before = int(time.time())
    status, answer = fake.api("sendMessage", {"chat_id": PRIVATE, "text": "host DOWN"})
    assert status == 200 and answer["ok"] is True
    message = answer["result"]
    assert message["message_id"] == 1
    assert before <= message["date"] <= int(time.time())
    assert message["chat"] == {"id": PRIVATE, "first_name": "Lab Operator", "type": "private"}
    assert message["from"]["id"] == 123456789 and message["from"]["is_bot"] is True
    assert message["text"] == "host DOWN"
    assert "entities" not in message and "message_thread_id" not in message
    _, second = fake.api("sendMessage", {"chat_id": str(PRIVATE), "text": "again"})
    assert second["result"]["message_id"] == 2


def test_group_and_forum_topic_chats_have_their_own_shapes(fake: RunningTelegram) -> None:
    _, group = fake.api("sendMessage", {"chat_id": GROUP, "text": "g"})
    assert group["result"]["chat"] == {
        "id": GROUP,
        "title": "Lab NOC",
        "type": "group",
        "all_members_are_administrators": True,
    }
    _, topic = fake.api("sendMessage", {"chat_id": FORUM, "text": "t", "message_thread_id": 2})
    assert topic["result"]["chat"] == {
        "id": FORUM,
        "title": "Lab NOC Forum",
        "type": "supergroup",
        "is_forum": True,
    }
    assert topic["result"]["message_thread_id"] == 2 and topic["result"]["is_topic_message"] is True
    status, missing = fake.api("sendMessage", {"chat_id": FORUM, "text": "t", "message_thread_id": 9})
    assert (status, missing["description"]) == (400, "Bad Request: message thread not found")


GIFTS = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels")


def test_get_chat_answers_each_chat_as_a_chat_full_info(fake: RunningTelegram) -> None:
    # ChatFullInfo: the chat's Chat object plus the fields Telegram always sends with it.
    status, private = fake.api("getChat", {"chat_id": PRIVATE})
    assert status == 200 and private["ok"] is True
    assert private["result"] == {
        "id": PRIVATE,
        "type": "private",
        "first_name": "Lab Operator",
        "can_send_gift": True,
        "accepted_gift_types": dict.fromkeys(GIFTS, True),
        "max_reaction_count": 11,
        "accent_color_id": PRIVATE % 7,
    }
    _, group = fake.api("getChat", {"chat_id": str(GROUP)})
    assert {key: group["result"][key] for key in ("id", "type", "title")} == {
        "id": GROUP,
        "type": "group",
        "title": "Lab NOC",
    }
    assert "is_forum" not in group["result"] and "first_name" not in group["result"]
    assert group["result"]["accepted_gift_types"] == dict.fromkeys(GIFTS, False)
    assert group["result"]["permissions"]["can_send_messages"] is True
    _, forum = fake.api("getChat", {"chat_id": FORUM}, form=True)
    assert {key: forum["result"][key] for key in ("id", "type", "title", "is_forum")} == {
        "id": FORUM,
        "type": "supergroup",
        "title": "Lab NOC Forum",
        "is_forum": True,
    }
    # Telegram derives the colour from the supergroup's own id, the digits after -100.
    assert forum["result"]["accent_color_id"] == 2000000001 % 7


def test_get_chat_over_get_with_the_query_string(fake: RunningTelegram) -> None:
    status, _, raw = fake.request("GET", f"/bot{TOKEN}/getchat?chat_id={GROUP}")
    assert status == 200 and json.loads(raw)["result"]["title"] == "Lab NOC"


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"chat_id": 42}, "Bad Request: chat not found"),
        ({"chat_id": "@lab_noc"}, "Bad Request: chat not found"),
        ({}, "Bad Request: chat_id is empty"),
        ({"chat_id": ""}, "Bad Request: chat_id is empty"),
    ],
)
def test_get_chat_refuses_what_telegram_refuses(
    fake: RunningTelegram, params: dict[str, Any], description: str
) -> None:
    assert fake.api("getChat", params) == (
        400,
        {"ok": False, "error_code": 400, "description": description},
    )
    attempts = fake.lab("GET", "/lab/attempts")
    assert attempts[-1]["method"] == "getChat" and attempts[-1]["description"] == description


def test_get_chat_sends_nothing_and_spends_no_flood_budget() -> None:
    with running_telegram(Limits(per_chat_per_second=0.1, burst=1)) as fake:
        assert [fake.api("getChat", {"chat_id": PRIVATE})[0] for _ in range(5)] == [200] * 5
        assert fake.api("sendMessage", {"chat_id": PRIVATE, "text": "x"})[0] == 200
        assert [m["text"] for m in fake.lab("GET", "/lab/messages")] == ["x"]


def test_form_body_and_query_string_work_like_json(fake: RunningTelegram) -> None:
    status, answer = fake.api(
        "sendMessage", {"chat_id": GROUP, "text": "a&b #1 + ü", "disable_notification": "true"}, form=True
    )
    assert status == 200 and answer["result"]["text"] == "a&b #1 + ü"
    query = "chat_id=-4000000001&text=%F0%9F%94%B4%20via%20GET"
    status, _, raw = fake.request("GET", f"/bot{TOKEN}/sendmessage?{query}")
    assert status == 200 and json.loads(raw)["result"]["text"] == "🔴 via GET"
    recorded = fake.lab("GET", f"/lab/messages?chat_id={GROUP}")
    assert [m["text"] for m in recorded] == ["a&b #1 + ü", "🔴 via GET"]
    assert recorded[0]["disable_notification"] is True and recorded[1]["disable_notification"] is False


def test_inspection_lists_accepted_messages_with_receive_time(fake: RunningTelegram) -> None:
    fake.api(
        "sendMessage", {"chat_id": FORUM, "text": "<b>x</b>", "parse_mode": "HTML", "message_thread_id": 3}
    )
    fake.api("sendMessage", {"chat_id": PRIVATE, "text": "p"})
    everything = fake.lab("GET", "/lab/messages")
    assert [m["chat_id"] for m in everything] == [FORUM, PRIVATE]
    first = everything[0]
    assert first["text"] == "x" and first["parse_mode"] == "HTML" and first["message_thread_id"] == 3
    assert first["message_id"] == 1 and isinstance(first["received_at"], float)
    assert abs(first["received_at"] - time.time()) < 60 and first["date"] == int(first["received_at"])
    assert fake.lab("DELETE", "/lab/messages") is True
    assert fake.lab("GET", "/lab/messages") == []


@pytest.mark.parametrize(
    ("params", "token", "status", "description"),
    [
        ({"chat_id": 42, "text": "x"}, TOKEN, 400, "Bad Request: chat not found"),
        ({"chat_id": "@nobody", "text": "x"}, TOKEN, 400, "Bad Request: chat not found"),
        ({"text": "x"}, TOKEN, 400, "Bad Request: chat_id is empty"),
        ({"chat_id": PRIVATE}, TOKEN, 400, "Bad Request: message text is empty"),
        ({"chat_id": PRIVATE, "text": "  \n "}, TOKEN, 400, "Bad Request: message text is empty"),
        ({"chat_id": PRIVATE, "text": "x" * 4097}, TOKEN, 400, "Bad Request: message is too long"),
        (
            {"chat_id": PRIVATE, "text": "x", "parse_mode": "BBCode"},
            TOKEN,
            400,
            "Bad Request: unsupported parse_mode",
        ),
        ({"chat_id": PRIVATE, "text": "x"}, UNKNOWN_TOKEN, 401, "Unauthorized"),
        ({"chat_id": PRIVATE, "text": "x"}, "123:short", 404, "Not Found"),
    ],
)
def test_refusals_carry_telegrams_code_and_text(
    fake: RunningTelegram, params: dict[str, Any], token: str, status: int, description: str
) -> None:
    got_status, answer = fake.api("sendMessage", params, token=token)
    assert got_status == status
    assert answer == {"ok": False, "error_code": status, "description": description}
    attempts = fake.lab("GET", "/lab/attempts")
    assert attempts[-1]["error_code"] == status and attempts[-1]["description"] == description
    assert fake.lab("GET", "/lab/messages") == []


def test_unknown_method_and_path_are_not_found(fake: RunningTelegram) -> None:
    assert fake.api("sendPigeon", {}) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, _, raw = fake.request("GET", "/favicon.ico")
    assert status == 404 and json.loads(raw)["description"] == "Not Found"


def test_the_length_limit_counts_text_after_entity_parsing(fake: RunningTelegram) -> None:
    text = "<b>" + "x" * 4096 + "</b>"
    status, answer = fake.api("sendMessage", {"chat_id": PRIVATE, "text": text, "parse_mode": "HTML"})
    assert status == 200 and answer["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 4096}]


def test_a_bad_json_body_is_a_bad_request(fake: RunningTelegram) -> None:
    status, _, raw = fake.request(
        "POST", f"/bot{TOKEN}/sendMessage", b"{not json", {"Content-Type": "application/json"}
    )
    assert status == 400 and json.loads(raw)["description"] == "Bad Request: can't parse JSON object"


def test_parse_modes_give_entities_and_plain_text(fake: RunningTelegram) -> None:
    _, html = fake.api(
        "sendMessage",
        {"chat_id": PRIVATE, "text": "<b>DOWN</b> &lt;srv&gt; 🔴 <i>x</i>", "parse_mode": "HTML"},
    )
    assert html["result"]["text"] == "DOWN <srv> 🔴 x"
    assert html["result"]["entities"] == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 14, "length": 1},
    ]
    _, markdown = fake.api(
        "sendMessage", {"chat_id": PRIVATE, "text": "*DOWN* 10\\.0\\.0\\.1", "parse_mode": "MarkdownV2"}
    )
    assert markdown["result"]["text"] == "DOWN 10.0.0.1"
    assert markdown["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 4}]


@pytest.mark.parametrize(
    ("mode", "text", "error"),
    [
        (
            "MarkdownV2",
            "Version 1.0",
            "Character '.' is reserved and must be escaped with the preceding '\\'",
        ),
        ("MarkdownV2", "up - down", "Character '-' is reserved and must be escaped with the preceding '\\'"),
        ("MarkdownV2", "*bold", "Can't find end of Bold entity at byte offset 0"),
        ("HTML", "<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("HTML", "<font>x</font>", 'Unsupported start tag "font" at byte offset 0'),
        ("HTML", "a < b", 'Unsupported start tag "" at byte offset 2'),
        ("HTML", "<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("Markdown", "*bold", "Can't find end of the entity starting at byte offset 0"),
    ],
)
def test_markup_errors_are_telegrams(fake: RunningTelegram, mode: str, text: str, error: str) -> None:
    # Telegram parses markup before it looks the chat up: an unknown chat still gets the parse error.
    status, answer = fake.api("sendMessage", {"chat_id": 42, "text": text, "parse_mode": mode})
    assert status == 400
    assert answer["description"] == f"Bad Request: can't parse entities: {error}"


def test_get_updates_is_empty_and_bounded(fake: RunningTelegram) -> None:
    fake.api("sendMessage", {"chat_id": PRIVATE, "text": "mine"})
    assert fake.api("getUpdates", {"offset": 5, "limit": 10}) == (200, {"ok": True, "result": []})
    started = time.monotonic()
    assert fake.api("getUpdates", {"timeout": 1})[1]["result"] == []
    assert time.monotonic() - started >= 0.9


def test_keep_alive_connection_serves_several_requests(fake: RunningTelegram) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    try:
        for text in ("one", "two"):
            connection.request(
                "POST",
                f"/bot{TOKEN}/sendMessage",
                json.dumps({"chat_id": GROUP, "text": text}),
                {"Content-Type": "application/json"},
            )
            assert json.loads(connection.getresponse().read())["result"]["text"] == text
    finally:
        connection.close()


def test_flood_control_answers_429_with_retry_after() -> None:
    with running_telegram(Limits(per_chat_per_second=0.5, burst=2, per_group_per_minute=3)) as fake:
        assert [fake.api("sendMessage", {"chat_id": PRIVATE, "text": str(i)})[0] for i in range(2)] == [
            200,
            200,
        ]
        status, answer = fake.api("sendMessage", {"chat_id": PRIVATE, "text": "third"})
        assert status == 429
        assert answer == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 2",
            "parameters": {"retry_after": 2},
        }
        # Another chat has its own bucket.
        assert fake.api("sendMessage", {"chat_id": GROUP, "text": "g"})[0] == 200
        assert fake.lab("GET", "/lab/attempts")[-1]["error_code"] == 429
        assert [m["text"] for m in fake.lab("GET", "/lab/messages")] == ["0", "1", "g"]


def test_a_group_gets_its_per_minute_limit() -> None:
    with running_telegram(Limits(per_chat_per_second=100, burst=100, per_group_per_minute=3)) as fake:
        statuses = [fake.api("sendMessage", {"chat_id": GROUP, "text": str(i)})[0] for i in range(4)]
        assert statuses == [200, 200, 200, 429]
        retry_after = fake.lab("GET", "/lab/attempts")[-1]["description"].rsplit(" ", 1)[1]
        assert 55 <= int(retry_after) <= 60
        # A private chat has no per-minute window.
        assert [fake.api("sendMessage", {"chat_id": PRIVATE, "text": str(i)})[0] for i in range(4)] == [
            200
        ] * 4


def test_the_bot_wide_limit_spans_chats() -> None:
    with running_telegram(Limits(per_chat_per_second=100, burst=100, per_bot_per_second=2)) as fake:
        statuses = [
            fake.api("sendMessage", {"chat_id": chat, "text": "x"})[0] for chat in (PRIVATE, GROUP, FORUM)
        ]
        assert statuses == [200, 200, 429]

"""The fake Telegram's getUpdates: what the operator does in Telegram (`telegram join|say|migrate`) reaches
the bot as the Bot API shapes it, stays until an offset confirms it, and an upgraded group behaves as the Bot
API server makes it behave."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from lab.control import VERBS, UsageError
from lab.telegram import ctl as telegram_ctl
from tests.telegram_fake import FORUM, GROUP, PRIVATE, RunningTelegram, running_telegram

NEW_GROUP = -4000000077


@pytest.fixture
def fake() -> Iterator[RunningTelegram]:
    with running_telegram() as running:
        yield running


def ctl(fake: RunningTelegram, *args: str) -> Any:
    """The `telegram` verb as the control endpoint runs it, for a lab whose only part is this server."""
    assert VERBS["telegram"].run is telegram_ctl.telegram_verb
    lab = SimpleNamespace(telegram=fake.server)
    return fake.call_in_loop(VERBS["telegram"].run, lab, list(args))


def updates(fake: RunningTelegram, **params: Any) -> list[dict[str, Any]]:
    status, answer = fake.api("getUpdates", params)
    assert status == 200 and answer["ok"], answer
    result: list[dict[str, Any]] = answer["result"]
    return result


def test_adding_the_bot_to_a_new_group_shows_as_my_chat_member_with_the_group(fake):
    ctl(fake, "join", f"{NEW_GROUP}=Branch 2 NOC")
    [update] = updates(fake)
    change = update["my_chat_member"]
    assert change["chat"] == {
        "id": NEW_GROUP,
        "title": "Branch 2 NOC",
        "type": "group",
        "all_members_are_administrators": True,
    }
    assert change["old_chat_member"]["status"] == "left"
    assert change["new_chat_member"]["status"] == "member"
    assert change["new_chat_member"]["user"]["is_bot"] is True
    # The bot can now send there.
    assert fake.api("sendMessage", {"chat_id": NEW_GROUP, "text": "hello"})[0] == 200


def test_a_private_chat_starts_with_the_start_command(fake):
    ctl(fake, "join", str(PRIVATE))
    [update] = updates(fake)
    assert update["message"]["text"] == "/start"
    assert update["message"]["chat"]["type"] == "private"
    assert update["message"]["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]


def test_privacy_mode_lets_only_commands_and_mentions_through_in_groups(fake):
    assert ctl(fake, "say", str(GROUP), "good morning") == []
    ctl(fake, "say", str(GROUP), "/status")
    ctl(fake, "say", str(GROUP), "hi @lab_123456789_bot")
    ctl(fake, "say", str(PRIVATE), "anything at all")
    texts = [(u["message"]["chat"]["id"], u["message"]["text"]) for u in updates(fake)]
    assert texts == [(GROUP, "/status"), (GROUP, "hi @lab_123456789_bot"), (PRIVATE, "anything at all")]


def test_a_message_in_a_forum_topic_names_the_topic(fake):
    ctl(fake, "say", f"{FORUM}:2", "/ping")
    [update] = updates(fake)
    message = update["message"]
    assert message["message_thread_id"] == 2 and message["is_topic_message"] is True
    assert message["chat"]["is_forum"] is True
    assert message["reply_to_message"]["forum_topic_created"]["name"] == "Topic 2"
    with pytest.raises(UsageError, match="no forum topic 9"):
        ctl(fake, "say", f"{FORUM}:9", "/ping")


def test_updates_stay_until_an_offset_confirms_them(fake):
    ctl(fake, "say", str(PRIVATE), "one")
    ctl(fake, "say", str(PRIVATE), "two")
    first = updates(fake)
    assert [u["message"]["text"] for u in first] == ["one", "two"]
    assert first[1]["update_id"] == first[0]["update_id"] + 1
    # Read again without offset: nothing was confirmed.
    assert updates(fake) == first
    assert updates(fake, limit=1) == first[:1]
    assert updates(fake, offset=first[1]["update_id"]) == first[1:]
    # The offset above confirmed the first one for good.
    assert updates(fake) == first[1:]
    assert updates(fake, offset=first[1]["update_id"] + 1) == []


def test_a_negative_offset_takes_the_last_updates_and_forgets_the_others(fake):
    for text in ("one", "two", "three"):
        ctl(fake, "say", str(PRIVATE), text)
    assert [u["message"]["text"] for u in updates(fake, offset=-1)] == ["three"]
    assert [u["message"]["text"] for u in updates(fake)] == ["three"]


def test_an_upgraded_group_refuses_sends_naming_the_supergroup_and_both_chats_tell_it(fake):
    moved = ctl(fake, "migrate", str(GROUP))
    target = moved["supergroup"]
    assert target == -1004000000001
    status, answer = fake.api("sendMessage", {"chat_id": GROUP, "text": "alert"})
    assert (status, answer) == (
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: group chat was upgraded to a supergroup chat",
            "parameters": {"migrate_to_chat_id": target},
        },
    )
    # Listing the members needs the group active: the same answer. Reading the chat does not.
    assert fake.api("getChatAdministrators", {"chat_id": GROUP})[1].get("parameters") == {
        "migrate_to_chat_id": target
    }
    assert fake.api("getChat", {"chat_id": GROUP})[1]["result"]["type"] == "group"
    assert fake.api("getChat", {"chat_id": target})[1]["result"]["type"] == "supergroup"
    assert fake.api("sendMessage", {"chat_id": target, "text": "alert"})[0] == 200
    service = [u["message"] for u in updates(fake)]
    assert [
        (m["chat"]["id"], m.get("migrate_to_chat_id"), m.get("migrate_from_chat_id")) for m in service
    ] == [
        (GROUP, target, None),
        (target, None, GROUP),
    ]
    assert ctl(fake, "info")["upgraded"] == {str(GROUP): target}
    with pytest.raises(UsageError, match="not a basic group"):
        ctl(fake, "migrate", str(GROUP))


def test_only_basic_groups_can_be_upgraded(fake):
    with pytest.raises(UsageError, match="not a basic group"):
        ctl(fake, "migrate", str(FORUM))
    with pytest.raises(UsageError, match="unknown to the fake"):
        ctl(fake, "migrate", "-4000000999")

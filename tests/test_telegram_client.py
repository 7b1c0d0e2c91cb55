"""The real client library, python-telegram-bot, takes the fake's answers and raises its usual exceptions."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import Iterator

import pytest
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.request import HTTPXRequest

from lab.telegram.config import Limits
from lab.telegram.state import parse_fault
from tests.telegram_fake import FORUM, GROUP, PRIVATE, TOKEN, RunningTelegram, running_telegram


@pytest.fixture(scope="module")
def fake() -> Iterator[RunningTelegram]:
    with running_telegram(Limits(per_chat_per_second=0.2, burst=2)) as running:
        yield running


def bot_for(fake: RunningTelegram, token: str = TOKEN) -> Bot:
    # Never a proxy from the environment: the fake is on loopback.
    request = HTTPXRequest(httpx_kwargs={"trust_env": False})
    return Bot(
        token, base_url=f"http://127.0.0.1:{fake.port}/bot", request=request, get_updates_request=request
    )


def test_get_me_and_send_message_parse_into_library_objects(fake: RunningTelegram) -> None:
    async def scenario() -> None:
        async with bot_for(fake) as bot:
            me = await bot.get_me()
            assert (me.id, me.is_bot, me.username) == (123456789, True, "lab_123456789_bot")
            sent = await bot.send_message(GROUP, "<b>DOWN</b> core-sw", parse_mode=ParseMode.HTML)
            assert sent.text == "DOWN core-sw" and sent.chat.type == "group" and sent.chat.title == "Lab NOC"
            assert sent.from_user is not None and sent.from_user.id == me.id
            assert sent.entities[0].type == "bold" and sent.parse_entity(sent.entities[0]) == "DOWN"
            assert isinstance(sent.date, dtm.datetime)
            topic = await bot.send_message(FORUM, "t", message_thread_id=3, disable_notification=True)
            assert topic.message_thread_id == 3 and topic.is_topic_message
            assert await bot.get_updates(timeout=0) == ()

    asyncio.run(scenario())
    recorded = fake.lab("GET", f"/lab/messages?chat_id={FORUM}")
    assert recorded[-1]["disable_notification"] is True


def test_get_chat_parses_into_the_librarys_chat_full_info(fake: RunningTelegram) -> None:
    async def scenario() -> None:
        async with bot_for(fake) as bot:
            forum = await bot.get_chat(FORUM)
            assert (forum.id, forum.type, forum.title, forum.is_forum) == (
                FORUM,
                "supergroup",
                "Lab NOC Forum",
                True,
            )
            assert forum.max_reaction_count == 11 and forum.permissions is not None
            private = await bot.get_chat(PRIVATE)
            assert (private.type, private.first_name) == ("private", "Lab Operator")
            assert private.accepted_gift_types.unlimited_gifts is True
            with pytest.raises(BadRequest, match=r"(?i)chat not found"):
                await bot.get_chat(42)
            fake.call_in_loop(fake.state.faults.append, parse_fault("403", "1"))
            with pytest.raises(Forbidden, match="kicked from the group chat"):
                await bot.get_chat(GROUP)

    asyncio.run(scenario())


def test_flood_control_raises_retry_after(fake: RunningTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    # The library's coming behaviour: retry_after as a timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")

    async def scenario() -> RetryAfter:
        async with bot_for(fake) as bot:
            await bot.send_message(PRIVATE, "one")
            await bot.send_message(PRIVATE, "two")
            with pytest.raises(RetryAfter) as raised:
                await bot.send_message(PRIVATE, "three")
            return raised.value

    error = asyncio.run(scenario())
    assert error.retry_after == dtm.timedelta(seconds=5)


def test_errors_map_to_the_library_exceptions(fake: RunningTelegram) -> None:
    async def scenario() -> None:
        async with bot_for(fake) as bot:
            with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
                await bot.send_message(GROUP, "v1.0", parse_mode=ParseMode.MARKDOWN_V2)
            with pytest.raises(BadRequest, match=r"(?i)chat not found"):
                await bot.send_message(42, "x")
            for kind, expected in (("403", Forbidden), ("502", NetworkError), ("500", NetworkError)):
                fake.call_in_loop(fake.state.faults.append, parse_fault(kind, "1"))
                with pytest.raises(expected):
                    await bot.send_message(GROUP, "x")
            fake.call_in_loop(fake.state.faults.append, parse_fault("migrate", "1"))
            with pytest.raises(ChatMigrated) as migrated:
                await bot.send_message(GROUP, "x")
            assert migrated.value.new_chat_id == -1004000000001
        with pytest.raises(InvalidToken):
            async with bot_for(fake, "987654321:" + "y" * 35):
                pass

    asyncio.run(scenario())

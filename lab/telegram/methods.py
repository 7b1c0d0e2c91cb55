"""Bot API methods the lab answers (getMe, getChat, getChatAdministrators, sendMessage, getUpdates) and the
errors Telegram gives for them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from lab.telegram.chats import chat_object, full_info
from lab.telegram.config import ChatSpec
from lab.telegram.entities import PARSERS, EntityError, utf16_length
from lab.telegram.state import Bot, Message, TelegramState
from lab.telegram.updates import MAX_LIMIT, OPERATOR

MAX_TEXT = 4096
# What tdlib trims off both ends of a message text after parsing entities.
TRIMMED = " \t\r\n\v\f"


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            payload["parameters"] = self.parameters
        return payload


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def find_chat(state: TelegramState, value: Any) -> ChatSpec:
    try:
        chat_id = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        chat_id = None
    chat = state.chats.get(chat_id) if chat_id is not None else None
    if chat is None:
        raise bad_request("chat not found")
    return chat


def _thread(chat: ChatSpec, value: Any) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        thread = int(value)
    except (TypeError, ValueError):
        raise bad_request("message thread not found") from None
    if thread not in chat.topics:
        raise bad_request("message thread not found")
    return thread


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Drop surrounding whitespace as Telegram does, moving and clipping the entities with the text."""
    stripped = text.strip(TRIMMED)
    if not stripped:
        return "", []
    start = utf16_length(text[: len(text) - len(text.lstrip(TRIMMED))])
    end = start + utf16_length(stripped)
    kept = []
    for entity in entities:
        first, last = max(entity["offset"], start), min(entity["offset"] + entity["length"], end)
        if last > first:
            kept.append({**entity, "offset": first - start, "length": last - first})
    return stripped, kept


def _parse_text(params: dict[str, Any]) -> tuple[str, list[dict[str, Any]], str | None]:
    raw = params.get("text")
    source = "" if raw is None else str(raw)
    parse_mode = params.get("parse_mode") or None
    entities: list[dict[str, Any]] = []
    if parse_mode is not None:
        parser = PARSERS.get(str(parse_mode).lower())
        if parser is None:
            raise bad_request("unsupported parse_mode")
        try:
            source, entities = parser(source)
        except EntityError as problem:
            raise bad_request(f"can't parse entities: {problem}") from None
    text, entities = _trim(source, entities)
    if not text:
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, entities, parse_mode


@dataclass
class Context:
    state: TelegramState
    bot: Bot
    params: dict[str, Any]


async def get_me(context: Context) -> dict[str, Any]:
    return {
        **context.bot.user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def require_chat_id(params: dict[str, Any]) -> Any:
    """The chat_id parameter; the Bot API checks that it is there before anything else about the chat."""
    value = params.get("chat_id")
    if value in (None, ""):
        raise bad_request("chat_id is empty")
    return value


def _upgraded(state: TelegramState, chat: ChatSpec) -> None:
    """What the Bot API server (Client::check_chat_access) answers a request that needs to write to, or list
    the members of, a basic group that was upgraded: 400 naming the supergroup. Reading the chat (getChat)
    still answers for the old group."""
    target = state.migrated.get(chat.id)
    if target is not None:
        raise ApiError(
            400, "Bad Request: group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": target}
        )


async def get_chat_administrators(context: Context) -> list[dict[str, Any]]:
    """The chat's administrators: in the lab, the operator who made every group."""
    chat = find_chat(context.state, require_chat_id(context.params))
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    _upgraded(context.state, chat)
    return [{"user": dict(OPERATOR), "status": "creator", "is_anonymous": False}]


async def get_chat(context: Context) -> dict[str, Any]:
    """The chat's ChatFullInfo; an unknown chat (or any `@username`) is not found, as for sendMessage."""
    return full_info(find_chat(context.state, require_chat_id(context.params)))


async def send_message(context: Context) -> dict[str, Any]:
    state, params = context.state, context.params
    require_chat_id(params)
    # Telegram parses the markup before it looks the chat up.
    text, entities, parse_mode = _parse_text(params)
    chat = find_chat(state, params.get("chat_id"))
    _upgraded(state, chat)
    thread = _thread(chat, params.get("message_thread_id"))
    retry_after = state.flood.retry_after(context.bot.id, chat)
    if retry_after is not None:
        raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
    state.flood.spend(context.bot.id, chat)
    received_at = time.time()
    message = Message(
        chat_id=chat.id,
        message_id=state.next_message_id(chat.id),
        date=int(received_at),
        text=text,
        entities=entities,
        parse_mode=parse_mode,
        message_thread_id=thread,
        disable_notification=_flag(params.get("disable_notification", False)),
        bot_id=context.bot.id,
        received_at=received_at,
    )
    state.add_message(message)
    result: dict[str, Any] = {"message_id": message.message_id}
    if thread is not None:
        result.update(message_thread_id=thread, is_topic_message=True)
    result.update({"from": context.bot.user(), "chat": chat_object(chat), "date": message.date, "text": text})
    if entities:
        result["entities"] = entities
    return result


def _number(params: dict[str, Any], name: str, default: float) -> float:
    try:
        return float(params.get(name) or default)
    except (TypeError, ValueError):
        return default


async def get_updates(context: Context) -> list[dict[str, Any]]:
    """What the lab's operator did that reaches the bot (lab/telegram/users.py), never the bot's own messages.
    An offset confirms every update below it; a negative one takes the last ones; limit is 1 to 100 (default
    100); with none pending, `timeout` waits for one, at most the lab's long-poll cap. allowed_updates is
    accepted and changes nothing: every kind the lab makes is one Telegram sends by default."""
    params, state, bot = context.params, context.state, context.bot
    offset = int(_number(params, "offset", 0)) or None
    limit = min(max(int(_number(params, "limit", MAX_LIMIT)), 1), MAX_LIMIT)
    deadline = time.monotonic() + min(_number(params, "timeout", 0), state.config.long_poll_cap)
    while True:
        found = state.updates.select(bot.id, offset, limit)
        if found or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(0.05)


METHODS: dict[str, Callable[[Context], Awaitable[Any]]] = {
    "getme": get_me,
    "getchat": get_chat,
    "getchatadministrators": get_chat_administrators,
    "sendmessage": send_message,
    "getupdates": get_updates,
}

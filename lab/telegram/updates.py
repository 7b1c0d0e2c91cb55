"""What the bot receives through getUpdates: the updates the lab's users cause (the bot added to a chat, a
message, a group upgraded to a supergroup), kept until getUpdates confirms them with a higher offset.

Shapes follow the Bot API documentation (Update, Message, ChatMemberUpdated) and its server
(tdlib/telegram-bot-api, Client::JsonMessage): a message carries `chat`, `from`, `date` and its content; a
basic group's upgrade leaves a service message with `migrate_to_chat_id` in the group and one with
`migrate_from_chat_id` in the new supergroup; a message in a forum topic carries `message_thread_id`,
`is_topic_message` and, as `reply_to_message`, the topic's creation (`forum_topic_created`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from lab.telegram.chats import chat_object
from lab.telegram.config import ChatSpec

# The Bot API's limit on updates per getUpdates call, and its default.
MAX_LIMIT = 100
# Telegram keeps an update this long unconfirmed (Bot API: "will not be kept longer than 24 hours").
KEPT_SECONDS = 24 * 3600
# Update ids grow by one; Telegram starts each bot's sequence at a number of its own.
FIRST_UPDATE_ID = 700000001
# The lab's human user: the operator who adds the bot to chats and writes to it (the default private chat).
OPERATOR = {"id": 111111111, "is_bot": False, "first_name": "Lab Operator", "language_code": "en"}
# Forum topics' icon colour when the creator picked none (the first of the colours the Bot API lists).
TOPIC_COLOR = 7322096


@dataclass
class Updates:
    """Pending updates, oldest first, per bot: confirmed ones are gone for good."""

    pending: dict[int, list[tuple[float, dict[str, Any]]]] = field(default_factory=dict)
    next_id: int = FIRST_UPDATE_ID

    def add(self, bot_id: int, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self.next_id, kind: payload}
        self.next_id += 1
        self.pending.setdefault(bot_id, []).append((time.time(), update))
        return update

    def select(self, bot_id: int, offset: int | None, limit: int) -> list[dict[str, Any]]:
        """getUpdates' answer: an offset confirms every update below it; a negative one starts that many
        updates from the end and forgets all before them (Bot API, getUpdates)."""
        kept = [
            (at, update) for at, update in self.pending.get(bot_id, []) if time.time() - at < KEPT_SECONDS
        ]
        if offset is not None and offset > 0:
            kept = [(at, update) for at, update in kept if update["update_id"] >= offset]
        elif offset is not None and offset < 0:
            kept = kept[offset:]
        self.pending[bot_id] = kept
        return [update for _, update in kept][:limit]

    def records(self, bot_id: int | None = None) -> list[dict[str, Any]]:
        return [
            update
            for bot, pending in self.pending.items()
            if bot_id is None or bot == bot_id
            for _, update in pending
        ]

    def clear(self) -> None:
        self.pending.clear()


def message(chat: ChatSpec, message_id: int, content: dict[str, Any], thread: int | None) -> dict[str, Any]:
    """A Message from the lab's operator in `chat` (in forum topic `thread` when given)."""
    body: dict[str, Any] = {
        "message_id": message_id,
        "from": dict(OPERATOR),
        "chat": chat_object(chat),
        "date": int(time.time()),
    }
    if thread is not None:
        body.update(
            message_thread_id=thread,
            is_topic_message=True,
            reply_to_message={
                "message_id": thread,
                "from": dict(OPERATOR),
                "chat": chat_object(chat),
                "date": int(time.time()),
                "message_thread_id": thread,
                "forum_topic_created": {"name": f"Topic {thread}", "icon_color": TOPIC_COLOR},
            },
        )
    body.update(content)
    return body


def member_change(chat: ChatSpec, bot: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """ChatMemberUpdated for the bot itself (my_chat_member): the operator changed its status in `chat`."""
    return {
        "chat": chat_object(chat),
        "from": dict(OPERATOR),
        "date": int(time.time()),
        "old_chat_member": {"user": bot, "status": old},
        "new_chat_member": {"user": bot, "status": new},
    }


def reaches_bot(chat: ChatSpec, text: str, username: str) -> bool:
    """Privacy mode, on by default for every bot: in a group the bot receives only commands and messages that
    mention it; in a private chat it receives everything (Bot API, "Privacy mode")."""
    if chat.type == "private":
        return True
    return text.startswith("/") or f"@{username}" in text

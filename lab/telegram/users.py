"""What the lab's operator does in Telegram, and what each bot then finds in getUpdates: adding the bot to a
chat, writing in a chat, upgrading a basic group to a supergroup (the `telegram join|say|migrate` verbs)."""

from __future__ import annotations

from typing import Any

from lab.telegram.config import ChatSpec, parse_chat
from lab.telegram.state import TelegramState
from lab.telegram.updates import member_change, message, reaches_bot

# A supergroup's Bot API id is -100 followed by its channel id; the lab's upgrade keeps the group's digits.
SUPERGROUP_PREFIX = "-100"


def _chat(state: TelegramState, value: str) -> ChatSpec:
    try:
        chat = state.chats.get(int(value))
    except ValueError:
        chat = None
    if chat is None:
        known = ", ".join(str(chat_id) for chat_id in state.chats)
        raise ValueError(f"telegram chat {value!r} is unknown to the fake; known: {known}")
    return chat


def join(state: TelegramState, spec: str) -> list[dict[str, Any]]:
    """The operator adds every bot to the chat SPEC (`ID[:TOPICS][=TITLE]`, made if the fake does not know
    it yet) or, for a private chat, starts a conversation with it: a my_chat_member update in a group, the
    `/start` message in a private chat."""
    chat = parse_chat(spec)
    if chat.id in state.migrated:
        raise ValueError(f"telegram chat {chat.id} was upgraded to the supergroup {state.migrated[chat.id]}")
    state.chats.setdefault(chat.id, chat)
    chat = state.chats[chat.id]
    added = []
    for bot in state.bots.values():
        if chat.type == "private":
            content = {"text": "/start", "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]}
            payload = message(chat, state.next_message_id(chat.id), content, None)
            added.append(state.updates.add(bot.id, "message", payload))
        else:
            added.append(
                state.updates.add(bot.id, "my_chat_member", member_change(chat, bot.user(), "left", "member"))
            )
    return added


def say(state: TelegramState, where: str, text: str) -> list[dict[str, Any]]:
    """The operator writes `text` in chat `where` (`ID` or `ID:TOPIC` for a forum topic); each bot receives
    it when privacy mode lets it through (a private chat, a command, a mention)."""
    number, _, topic = where.partition(":")
    chat = _chat(state, number)
    thread = int(topic) if topic else None
    if thread is not None and thread not in chat.topics:
        raise ValueError(
            f"telegram chat {chat.id} has no forum topic {topic}; its topics: {sorted(chat.topics)}"
        )
    message_id = state.next_message_id(chat.id)
    return [
        state.updates.add(bot.id, "message", message(chat, message_id, {"text": text}, thread))
        for bot in state.bots.values()
        if reaches_bot(chat, text, bot.username)
    ]


def migrate(state: TelegramState, old: str, new: str | None) -> dict[str, Any]:
    """The operator upgrades the basic group `old` to a supergroup (id `new`, else -100 and the group's
    digits): from then on the group answers sendMessage with 400 and migrate_to_chat_id, and both chats hold
    the upgrade's service message."""
    group = _chat(state, old)
    if group.type != "group" or group.id in state.migrated:
        raise ValueError(
            f"telegram chat {group.id} is not a basic group that can be upgraded (a {group.type})"
        )
    target = int(new) if new else int(f"{SUPERGROUP_PREFIX}{abs(group.id)}")
    supergroup = ChatSpec(id=target, title=group.title)
    if supergroup.type != "supergroup" or target in state.chats:
        raise ValueError(f"telegram chat {new!r}: expected a new supergroup id (-100...)")
    state.chats[target] = supergroup
    state.migrated[group.id] = target
    for bot in state.bots.values():
        to_old = message(group, state.next_message_id(group.id), {"migrate_to_chat_id": target}, None)
        state.updates.add(bot.id, "message", to_old)
        to_new = message(supergroup, state.next_message_id(target), {"migrate_from_chat_id": group.id}, None)
        state.updates.add(bot.id, "message", to_new)
    return {"group": group.id, "supergroup": target}

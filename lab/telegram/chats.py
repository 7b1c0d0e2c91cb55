"""Chats as the Bot API shows them: the short Chat object inside a message, and getChat's ChatFullInfo.

The shapes follow the Bot API server (tdlib/telegram-bot-api, Client::JsonChat): ChatFullInfo is the Chat
object plus the fields the documentation marks as always present (accent_color_id, max_reaction_count,
accepted_gift_types) and, for groups and supergroups, the members' default permissions.
"""

from __future__ import annotations

from typing import Any

from lab.telegram.config import ChatSpec

# Telegram's default limit of distinct reactions on one message (tdlib's reactions_uniq_max).
MAX_REACTION_COUNT = 11
# Without a colour the owner picked, Telegram derives the accent colour from the peer's own id (0..6).
ACCENT_COLORS = 7
# A supergroup's Bot API id is -100 followed by its channel id.
SUPERGROUP_OFFSET = 1_000_000_000_000
# What a chat lets its members do, as the Bot API's ChatPermissions lists it. The lab's groups have every
# right (their Chat object says all_members_are_administrators), which is also a fresh group's default.
PERMISSIONS = (
    "can_send_messages",
    "can_send_media_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
GIFT_TYPES = (
    "unlimited_gifts",
    "limited_gifts",
    "unique_gifts",
    "premium_subscription",
    "gifts_from_channels",
)


def chat_object(chat: ChatSpec) -> dict[str, Any]:
    """The Chat object of a message's `chat` field."""
    if chat.type == "private":
        return {"id": chat.id, "first_name": chat.title, "type": "private"}
    if chat.type == "group":
        return {"id": chat.id, "title": chat.title, "type": "group", "all_members_are_administrators": True}
    return {
        "id": chat.id,
        "title": chat.title,
        "type": "supergroup",
        **({"is_forum": True} if chat.topics else {}),
    }


def _peer_id(chat: ChatSpec) -> int:
    """The id Telegram itself uses for the peer: the user, the basic group, or the supergroup's channel."""
    if chat.type == "supergroup":
        return -chat.id - SUPERGROUP_OFFSET
    return abs(chat.id)


def full_info(chat: ChatSpec) -> dict[str, Any]:
    """getChat's answer: a ChatFullInfo for a user the bot knows or a group the bot is a member of."""
    info = chat_object(chat)
    # A user accepts every kind of gift by default; groups take none (the server writes all false for a
    # basic group, and a supergroup that cannot receive gifts gets the same).
    accepts = chat.type == "private"
    info["accepted_gift_types"] = dict.fromkeys(GIFT_TYPES, accepts)
    if chat.type == "private":
        info["can_send_gift"] = True
    else:
        info["permissions"] = dict.fromkeys(PERMISSIONS, True)
    info["max_reaction_count"] = MAX_REACTION_COUNT
    info["accent_color_id"] = _peer_id(chat) % ACCENT_COLORS
    return info

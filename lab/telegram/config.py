"""What the fake Telegram knows at start: its address, bot tokens, chats and rate limits.

The command line of `python -m lab serve` and the ctl verbs describe these with short text specs;
the parsers here turn them into values and refuse bad specs with a message naming the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN_SHAPE = re.compile(r"^[0-9]{8,10}:[A-Za-z0-9_-]{35}$")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8081
DEFAULT_TOKEN = "123456789:LAB-telegram-token-0000000000000000"
# A private chat (positive id), a basic group (negative id), a forum supergroup (-100...) with topics 2, 3.
DEFAULT_CHATS = ("111111111=Lab Operator", "-4000000001=Lab NOC", "-1002000000001:2,3=Lab NOC Forum")


@dataclass(frozen=True)
class ChatSpec:
    id: int
    title: str
    topics: frozenset[int] = frozenset()

    @property
    def type(self) -> str:
        if self.id > 0:
            return "private"
        return "supergroup" if str(self.id).startswith("-100") else "group"


@dataclass
class Limits:
    """Telegram's flood control: about 1 message/s per chat (small bursts), 20/min per group, 30/s per bot."""

    enabled: bool = True
    per_chat_per_second: float = 1.0
    burst: int = 3
    per_group_per_minute: int = 20
    per_bot_per_second: int = 30


def default_chats() -> list[ChatSpec]:
    return [parse_chat(spec) for spec in DEFAULT_CHATS]


@dataclass
class TelegramConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    tokens: list[str] = field(default_factory=lambda: [DEFAULT_TOKEN])
    chats: list[ChatSpec] = field(default_factory=default_chats)
    limits: Limits = field(default_factory=Limits)
    # getUpdates never holds a long poll longer than this, whatever timeout the client asks for.
    long_poll_cap: float = 3.0


def check_token(token: str) -> str:
    if not TOKEN_SHAPE.match(token):
        raise ValueError(
            f"telegram token {token!r} does not have Telegram's shape: 8-10 digits, ':', "
            "then 35 of A-Z a-z 0-9 _ -"
        )
    return token


def parse_chat(spec: str) -> ChatSpec:
    """`ID[:TOPIC,TOPIC...][=TITLE]`: positive ids are private chats, `-100...` supergroups, other
    negative ids groups.

    A chat listed with topics is a forum supergroup that accepts those message_thread_id values.
    """
    head, _, title = spec.partition("=")
    number, _, topic_list = head.partition(":")
    usage = "expected ID[:TOPIC,TOPIC...][=TITLE], for example -1002000000001:2,3=NOC"
    try:
        chat_id = int(number)
        topics = frozenset(int(topic) for topic in topic_list.split(",")) if topic_list else frozenset()
    except ValueError:
        raise ValueError(f"telegram chat {spec!r}: {usage}") from None
    if chat_id == 0 or any(topic <= 0 for topic in topics):
        raise ValueError(
            f"telegram chat {spec!r}: the chat id and topics must be non-zero, topics positive; {usage}"
        )
    chat = ChatSpec(id=chat_id, title=title or f"Lab chat {chat_id}", topics=topics)
    if topics and chat.type != "supergroup":
        raise ValueError(f"telegram chat {spec!r}: only a supergroup (id -100...) can have forum topics")
    return chat


def check_limit(word: str) -> str:
    """One `parse_limits` word, checked on its own (for the command line)."""
    parse_limits([word], Limits())
    return word


def parse_limits(words: list[str], limits: Limits) -> Limits:
    """`off`, `on`, or any of `chat=PER_SECOND burst=N group=PER_MINUTE bot=PER_SECOND`, set on `limits`."""
    usage = "expected off, on, or chat=PER_SECOND burst=N group=PER_MINUTE bot=PER_SECOND"
    for word in words:
        if word in ("off", "on"):
            limits.enabled = word == "on"
            continue
        name, _, value = word.partition("=")
        try:
            if name == "chat":
                limits.per_chat_per_second = float(value)
            elif name == "burst":
                limits.burst = int(value)
            elif name == "group":
                limits.per_group_per_minute = int(value)
            elif name == "bot":
                limits.per_bot_per_second = int(value)
            else:
                raise ValueError(name)
        except ValueError:
            raise ValueError(f"telegram limit {word!r}: {usage}") from None
        if float(value) <= 0:
            raise ValueError(f"telegram limit {word!r} must be positive; {usage}")
    return limits

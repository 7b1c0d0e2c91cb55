"""The fake Telegram's state: bots, chats, accepted messages, rejected attempts, flood control, queued
faults."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from lab.telegram.config import ChatSpec, Limits, TelegramConfig
from lab.telegram.updates import Updates

FAULT_KINDS = ("timeout", "500", "502", "429", "400-chat-not-found", "401", "403", "migrate")


@dataclass(frozen=True)
class Bot:
    token: str

    @property
    def id(self) -> int:
        return int(self.token.split(":", 1)[0])

    @property
    def username(self) -> str:
        return f"lab_{self.id}_bot"

    def user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": True, "first_name": "Lab Alerts", "username": self.username}


@dataclass
class Message:
    chat_id: int
    message_id: int
    date: int
    text: str
    entities: list[dict[str, Any]]
    parse_mode: str | None
    message_thread_id: int | None
    disable_notification: bool
    bot_id: int
    received_at: float

    def record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Attempt:
    """A request the fake answered with an error, or did not answer: what the client sent and what it got."""

    method: str
    params: dict[str, Any]
    error_code: int | None
    description: str
    fault: str | None
    received_at: float

    def record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Fault:
    kind: str
    # timeout: seconds to hold before answering normally (None: never answer); 429: retry_after.
    value: int | None = None
    # Requests left to spoil; None spoils every request until `telegram clear`.
    remaining: int | None = None

    def describe(self) -> dict[str, Any]:
        return asdict(self)


def parse_fault(kind_word: str, count_word: str | None) -> Fault:
    """`KIND[=VALUE] [COUNT]`, as the `telegram fault` verb takes it."""
    kind, _, value = kind_word.partition("=")
    if kind not in FAULT_KINDS:
        raise ValueError(f"telegram fault kind {kind!r} is unknown; known: {', '.join(FAULT_KINDS)}")
    if value and kind not in ("timeout", "429"):
        raise ValueError(
            f"telegram fault {kind_word!r}: only timeout=SECONDS and 429=RETRY_AFTER take a value"
        )
    try:
        number = int(value) if value else None
        count = int(count_word) if count_word is not None else None
    except ValueError:
        raise ValueError(
            f"telegram fault {kind_word} {count_word or ''}: VALUE and COUNT are whole numbers"
        ) from None
    if (number is not None and number < 0) or (count is not None and count < 1):
        raise ValueError(f"telegram fault {kind_word} {count_word or ''}: VALUE must be >= 0 and COUNT >= 1")
    return Fault(kind=kind, value=number, remaining=count)


class FloodControl:
    """Per-chat token buckets, a per-group minute window, a per-bot second window, as Telegram throttles."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.buckets: dict[tuple[int, int], tuple[float, float]] = {}
        self.group_sends: dict[tuple[int, int], deque[float]] = {}
        self.bot_sends: dict[int, deque[float]] = {}

    def reset(self) -> None:
        self.buckets.clear()
        self.group_sends.clear()
        self.bot_sends.clear()

    def _bucket(self, key: tuple[int, int], now: float) -> float:
        tokens, last = self.buckets.get(key, (float(self.limits.burst), now))
        return min(float(self.limits.burst), tokens + (now - last) * self.limits.per_chat_per_second)

    @staticmethod
    def _window(sends: deque[float], now: float, span: float) -> None:
        while sends and sends[0] <= now - span:
            sends.popleft()

    def retry_after(self, bot_id: int, chat: ChatSpec, now: float | None = None) -> int | None:
        """Seconds the bot must wait before this chat accepts a message, or None when it may send now."""
        if not self.limits.enabled:
            return None
        now = time.monotonic() if now is None else now
        waits = []
        tokens = self._bucket((bot_id, chat.id), now)
        if tokens < 1:
            waits.append((1 - tokens) / self.limits.per_chat_per_second)
        if chat.type != "private":
            sends = self.group_sends.setdefault((bot_id, chat.id), deque())
            self._window(sends, now, 60.0)
            if len(sends) >= self.limits.per_group_per_minute:
                waits.append(sends[0] + 60.0 - now)
        bot_sends = self.bot_sends.setdefault(bot_id, deque())
        self._window(bot_sends, now, 1.0)
        if len(bot_sends) >= self.limits.per_bot_per_second:
            waits.append(bot_sends[0] + 1.0 - now)
        if not waits:
            return None
        return max(1, math.ceil(max(waits)))

    def spend(self, bot_id: int, chat: ChatSpec, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.buckets[(bot_id, chat.id)] = (self._bucket((bot_id, chat.id), now) - 1, now)
        if chat.type != "private":
            self.group_sends.setdefault((bot_id, chat.id), deque()).append(now)
        self.bot_sends.setdefault(bot_id, deque()).append(now)


@dataclass
class TelegramState:
    config: TelegramConfig
    bots: dict[str, Bot] = field(default_factory=dict)
    chats: dict[int, ChatSpec] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    # Message ids count per chat, as in Telegram's groups and private chats.
    last_message_id: dict[int, int] = field(default_factory=dict)
    # What the bot has to fetch with getUpdates.
    updates: Updates = field(default_factory=Updates)
    # Basic groups upgraded to a supergroup: the group's id -> the supergroup's.
    migrated: dict[int, int] = field(default_factory=dict)
    flood: FloodControl = field(init=False)

    def __post_init__(self) -> None:
        self.bots = {token: Bot(token) for token in self.config.tokens}
        self.chats = {chat.id: chat for chat in self.config.chats}
        self.flood = FloodControl(self.config.limits)

    def add_bot(self, token: str) -> None:
        """Know one more bot (a lab scenario's hand-made one), keeping the ones known."""
        self.bots.setdefault(token, Bot(token))

    def add_message(self, message: Message) -> None:
        self.messages.append(message)

    def next_message_id(self, chat_id: int) -> int:
        self.last_message_id[chat_id] = self.last_message_id.get(chat_id, 0) + 1
        return self.last_message_id[chat_id]

    def record_attempt(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)

    def take_fault(self) -> Fault | None:
        """The fault that spoils the next request, counting it down; None when Telegram behaves."""
        if not self.faults:
            return None
        fault = self.faults[0]
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining == 0:
                self.faults.popleft()
        return fault

    def message_records(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [m.record() for m in self.messages if chat_id is None or m.chat_id == chat_id]

    def clear_messages(self) -> None:
        self.messages.clear()

    def reset(self) -> None:
        """Forget messages, attempts, pending updates and flood-control history; faults stay until `telegram
        clear`, upgraded groups stay upgraded."""
        self.updates.clear()
        self.messages.clear()
        self.attempts.clear()
        self.last_message_id.clear()
        self.flood.reset()

"""The `telegram` ctl verb: inject faults, change limits, and read what the fake Telegram received."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lab.control import LabView, UsageError, verb
from lab.telegram.config import parse_limits
from lab.telegram.state import FAULT_KINDS, parse_fault
from lab.telegram.users import join, migrate, say

if TYPE_CHECKING:
    from lab.telegram.service import TelegramServer

USAGE = (
    "telegram info|fault KIND[=VALUE] [COUNT]|faults|clear|limits SETTING...|messages [CHAT]|attempts|reset"
    "|join CHAT_SPEC|say CHAT[:TOPIC] TEXT...|migrate GROUP [SUPERGROUP]|updates"
)
HELP = (
    f"the fake Telegram Bot API; fault kinds: {', '.join(FAULT_KINDS)} (timeout=SECONDS holds then answers, "
    "429=RETRY_AFTER); COUNT requests, default until clear; limits: off, on, chat=PER_S burst=N "
    "group=PER_MIN bot=PER_S; join, say and migrate are what the operator does in Telegram (getUpdates "
    "shows them); updates lists what the bots have not confirmed"
)


def _server(lab: LabView) -> TelegramServer:
    if lab.telegram is None:
        raise UsageError("the lab's Telegram server is not running")
    return lab.telegram


@verb("telegram", USAGE, HELP)
def telegram_verb(lab: LabView, args: list[str]) -> Any:
    server = _server(lab)
    state = server.state
    action, rest = (args[0], args[1:]) if args else ("", [])
    if action == "info":
        return {
            "url": server.base_url,
            "tokens": list(state.bots),
            "chats": [
                {"id": c.id, "type": c.type, "title": c.title, "topics": sorted(c.topics)}
                for c in state.chats.values()
            ],
            "limits": vars(state.flood.limits),
            "upgraded": {str(group): supergroup for group, supergroup in state.migrated.items()},
        }
    if action == "fault" and 1 <= len(rest) <= 2:
        fault = parse_fault(rest[0], rest[1] if len(rest) == 2 else None)
        state.faults.append(fault)
        return [queued.describe() for queued in state.faults]
    if action == "faults" and not rest:
        return [queued.describe() for queued in state.faults]
    if action == "clear" and not rest:
        state.faults.clear()
        return "telegram faults cleared"
    if action == "limits":
        return vars(parse_limits(rest, state.flood.limits))
    if action == "messages" and len(rest) <= 1:
        try:
            chat_id = int(rest[0]) if rest else None
        except ValueError:
            raise UsageError(f"telegram messages: CHAT_ID {rest[0]!r} is not a number") from None
        return state.message_records(chat_id)
    if action == "attempts" and not rest:
        return [attempt.record() for attempt in state.attempts]
    if action in ("join", "say", "migrate") and rest:
        try:
            if action == "join" and len(rest) == 1:
                return join(state, rest[0])
            if action == "say" and len(rest) >= 2:
                return say(state, rest[0], " ".join(rest[1:]))
            if action == "migrate" and len(rest) <= 2:
                return migrate(state, rest[0], rest[1] if len(rest) == 2 else None)
        except ValueError as problem:
            raise UsageError(str(problem)) from None
    if action == "updates" and not rest:
        return state.updates.records()
    if action == "reset" and not rest:
        state.reset()
        return "telegram messages, attempts, pending updates and flood history forgotten"
    raise UsageError(f"usage: {USAGE}")

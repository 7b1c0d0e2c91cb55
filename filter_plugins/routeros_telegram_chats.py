"""The chats a Telegram bot can see, for playbooks/chats.yml: read from the bot's pending updates (getUpdates)
and from what Telegram answers about the inventory's groups, turned into a table an operator copies ids from.

Nothing here ever holds the token: the playbook asks Telegram, these filters read the answers.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any


def _sibling(name: str) -> ModuleType:
    """Ansible loads each filter file on its own, so a shared helper module is loaded by path."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    if spec is None or spec.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_alerting = _sibling("routeros_alerting")

# Update fields that carry a Message, and those that carry a chat of their own (Bot API, Update).
_MESSAGES = ("message", "edited_message", "channel_post", "edited_channel_post", "business_message")
_CHAT_EVENTS = ("my_chat_member", "chat_member", "chat_join_request", "message_reaction", "chat_boost")
# What each HTTP status of getUpdates means to an operator, and what to do.
_UPDATES_ERRORS = {
    401: "Telegram answers 401 Unauthorized: the bot token is wrong or was revoked -> put the token "
    "BotFather gave into routeros_telegram_token (Ansible Vault)",
    404: "Telegram answers 404 Not Found: the token has the wrong shape or routeros_telegram_api_url is not "
    "the Bot API -> check both",
    409: "Telegram answers 409 Conflict: a webhook is set for this bot, or another program is polling its "
    "updates -> stop that program (or delete the webhook with deleteWebhook) and rerun",
}


def check_bot(token: Any, api_url: Any) -> bool:
    """The token and the API URL before anything is asked; a message names the field, never the token."""
    problems = _alerting.Problems()
    if not isinstance(token, str) or not _alerting.TOKEN_SHAPE.fullmatch(token):
        shown = f"<hidden, {len(token)} characters>" if isinstance(token, str) and token else token
        problems.messages.append(
            f"routeros_telegram_token: {shown!r} is not valid; expected the bot token BotFather gave (8 to "
            "10 digits, a colon, 35 letters, digits, _ or -), kept in Ansible Vault"
        )
    if not isinstance(api_url, str) or not _alerting._API_URL.fullmatch(api_url):
        problems.add(
            "routeros_telegram_api_url",
            api_url,
            "the Bot API's base URL without a path, e.g. https://api.telegram.org",
        )
    problems.raise_if_any("cannot ask Telegram for the bot's chats")
    return True


def updates_error(status: Any) -> str:
    """Why getUpdates failed, and the fix; "" when it answered."""
    code = int(status or 0)
    if code == 200:
        return ""
    if code <= 0:
        return (
            "Telegram cannot be reached from the controller -> check its Internet access and "
            "routeros_telegram_api_url"
        )
    return _UPDATES_ERRORS.get(code, f"Telegram answers HTTP {code} -> rerun later")


def _name(chat: dict[str, Any]) -> str:
    if chat.get("title"):
        return str(chat["title"])
    person = " ".join(str(chat[key]) for key in ("first_name", "last_name") if chat.get(key))
    return person or (f"@{chat['username']}" if chat.get("username") else "")


class _Seen:
    """Every chat found in the updates, in the order first seen."""

    def __init__(self) -> None:
        self.chats: dict[int, dict[str, Any]] = {}

    def chat(self, chat: Any) -> dict[str, Any] | None:
        if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
            return None
        row = self.chats.setdefault(
            chat["id"],
            {"id": chat["id"], "kind": chat.get("type", "?"), "title": "", "topics": {}, "notes": []},
        )
        row["kind"] = chat.get("type", row["kind"])
        row["title"] = _name(chat) or row["title"]
        return row

    def message(self, message: dict[str, Any]) -> None:
        row = self.chat(message.get("chat"))
        if row is None:
            return
        thread = message.get("message_thread_id")
        if message.get("is_topic_message") and isinstance(thread, int):
            created = message.get("forum_topic_created") or (message.get("reply_to_message") or {}).get(
                "forum_topic_created"
            )
            row["topics"][thread] = (created or {}).get("name") or row["topics"].get(thread, "")
        if isinstance(message.get("migrate_to_chat_id"), int):
            row["migrated_to"] = message["migrate_to_chat_id"]
        if isinstance(message.get("migrate_from_chat_id"), int):
            self.chats.setdefault(
                message["migrate_from_chat_id"],
                {
                    "id": message["migrate_from_chat_id"],
                    "kind": "group",
                    "title": row["title"],
                    "topics": {},
                    "notes": [],
                },
            )["migrated_to"] = row["id"]

    def member(self, change: dict[str, Any]) -> None:
        row = self.chat(change.get("chat"))
        status = (change.get("new_chat_member") or {}).get("status")
        if row is not None and status:
            row["bot"] = status


def seen_chats(updates: Any, probes: Any = None) -> list[dict[str, Any]]:
    """The chats in getUpdates' `result` (a list of Update objects) and in `probes` (the results of asking
    getChatAdministrators about each inventory group: `item` the chat id, `status`, `json`): id, kind, title,
    forum topics, the bot's status where an update told it, and the supergroup a group was upgraded to."""
    seen = _Seen()
    for update in updates or []:
        if not isinstance(update, dict):
            continue
        for key in _MESSAGES:
            if isinstance(update.get(key), dict):
                seen.message(update[key])
        if isinstance(update.get("my_chat_member"), dict):
            seen.member(update["my_chat_member"])
        for key in _CHAT_EVENTS[1:]:
            if isinstance(update.get(key), dict):
                seen.chat(update[key].get("chat"))
    for answer in probes or []:
        chat_id = int(answer["item"])
        status = int(answer.get("status") or 0)
        body = answer.get("json") or {}
        target = (body.get("parameters") or {}).get("migrate_to_chat_id")
        if status == 200 and chat_id not in seen.chats:
            # A group that answers as it is tells nothing the updates did not.
            continue
        row = seen.chats.setdefault(
            chat_id, {"id": chat_id, "kind": "group", "title": "", "topics": {}, "notes": []}
        )
        if isinstance(target, int):
            row["migrated_to"] = target
        elif status == 403:
            row["bot"] = "kicked"
        elif status == 400:
            row["notes"].append(f"Telegram does not know it ({body.get('description', 'HTTP 400')})")
    rows = []
    for row in seen.chats.values():
        rows.append({**row, "topics": [{"id": k, "name": v} for k, v in sorted(row["topics"].items())]})
    return rows


def _note(row: dict[str, Any]) -> str:
    if row.get("migrated_to"):
        return f"upgraded to the supergroup {row['migrated_to']}: use id {row['migrated_to']}"
    if row.get("bot") in ("left", "kicked"):
        return "the bot was removed from it: add it again"
    notes = list(row.get("notes", []))
    if row["kind"] == "channel":
        notes.append("a channel: the bot must be one of its administrators")
    if row["topics"]:
        notes.append("topics: " + ", ".join(f"{t['id']} {t['name']}".strip() for t in row["topics"]))
    return "; ".join(notes)


def chats_table(rows: list[dict[str, Any]], configured: Any = None) -> list[str]:
    """What playbooks/chats.yml shows: a line per chat (id, kind, title, in the inventory or not, a note),
    then how to use the ids."""
    listed = {str(chat.get("id")) for chat in configured or [] if isinstance(chat, dict)}
    if not rows:
        return [
            "The bot sees no chat yet. Telegram keeps a bot's updates for 24 hours only:",
            "- a group: add the bot to it, then write /start@<bot username> there (privacy mode hides other "
            "messages from bots)",
            "- your private chat: open the bot in Telegram and press Start",
            "then rerun playbooks/chats.yml.",
        ]
    lines = [f"{'id':<16} {'kind':<11} {'title':<24} {'inventory':<9} note"]
    for row in rows:
        title = row["title"] if len(row["title"]) <= 24 else row["title"][:23] + "…"
        known = "yes" if str(row["id"]) in listed else "no"
        lines.append(f"{row['id']:<16} {row['kind']:<11} {title:<24} {known:<9} {_note(row)}".rstrip())
    for chat in configured or []:
        moved = next(
            (r["migrated_to"] for r in rows if str(r["id"]) == str(chat.get("id")) and r.get("migrated_to")),
            None,
        )
        if moved:
            lines.append(
                f"routeros_telegram_chats: the group {chat['id']} became the supergroup {moved} -> put "
                f"id: {moved} in its place and rerun site.yml (the routers already send there)"
            )
    lines += [
        "Put the ids in routeros_telegram_chats ({id: ..., topic: N for a forum topic}); a group's id starts "
        "with -, a supergroup's and a channel's with -100, a person's is positive.",
        "Mark one chat of the operators verify: true: playbooks/verify.yml's test alerts go there only.",
    ]
    return lines


def probe_targets(chats: Any) -> list[str]:
    """The inventory's basic groups: the only chats Telegram may upgrade (and so change their id)."""
    if not isinstance(chats, list):
        return []
    entries = [chat for chat in chats if isinstance(chat, dict) and chat.get("id") is not None]
    return [row["id"] for row in _alerting.chat_rows(entries) if row["group"]]


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "routeros_telegram_check_bot": check_bot,
            "routeros_telegram_updates_error": updates_error,
            "routeros_telegram_seen_chats": seen_chats,
            "routeros_telegram_chats_table": chats_table,
            "routeros_telegram_probe_targets": probe_targets,
        }

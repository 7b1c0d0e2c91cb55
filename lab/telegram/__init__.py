"""A fake Telegram Bot API for the lab: getMe, getChat, getChatAdministrators, sendMessage and getUpdates with
Telegram's answers, errors, flood control and injectable faults, plus endpoints that show what it received.

Modules: `wire` (HTTP), `config` (tokens, chats, limits), `state`, `chats` (chat objects), `updates` (what a
bot receives), `users` (what the lab's operator does in Telegram), `entities` (parse modes), `methods`
(behaviour), `service` (the server), `ctl` (the `telegram` ctl verb).
"""

from lab.telegram.config import TelegramConfig
from lab.telegram.service import TelegramServer

__all__ = ["TelegramConfig", "TelegramServer"]

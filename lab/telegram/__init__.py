"""A fake Telegram Bot API for the lab: getMe, sendMessage and getUpdates with Telegram's answers, errors,
flood control and injectable faults, plus endpoints that show what it received.

Modules: `wire` (HTTP), `config` (tokens, chats, limits), `state`, `entities` (parse modes), `methods`
(behaviour), `service` (the server), `ctl` (the `telegram` ctl verb).
"""

from lab.telegram.config import TelegramConfig
from lab.telegram.service import TelegramServer

__all__ = ["TelegramConfig", "TelegramServer"]

"""An emulated RouterOS v7 router and a fake Telegram Bot API, for tests and demos without hardware."""

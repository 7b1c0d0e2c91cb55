"""The demo's last act: a watched host of lab-r1 stops answering and comes back; print the two Telegram
messages as the fake Telegram received them, with how long each took."""

from __future__ import annotations

import sys
import time
from typing import Any

from lab import control

HOST = "10.10.10.10"
NAME = "file server"
CHAT = "-4000000001"


def ctl(verb: str, *args: str) -> Any:
    return control.call("127.0.0.1", 8780, verb, list(args))["result"]


def wait_for(text: str, since: float) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in ctl("telegram", "messages", CHAT):
            if message["received_at"] >= since and text in message["text"]:
                return dict(message)
        time.sleep(0.1)
    sys.exit(f"no message with {text!r} reached the fake Telegram within 30 s")


def main() -> None:
    for verb, title in (("down", "DOWN"), ("up", "UP")):
        time.sleep(2)
        started = time.time()
        ctl("host", "1", HOST, verb)
        message = wait_for(f"{title} · {NAME}", started)
        print(f"-- in Telegram {message['received_at'] - started:.1f} s after the host went {verb}:")
        print("   " + message["text"].replace("\n", "\n   "))


if __name__ == "__main__":
    main()

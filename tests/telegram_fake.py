"""A fake Telegram server on a free loopback port in a background event loop, and an HTTP client for it."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lab.telegram.config import DEFAULT_TOKEN, Limits, TelegramConfig, default_chats
from lab.telegram.service import TelegramServer

TOKEN = DEFAULT_TOKEN
PRIVATE, GROUP, FORUM = 111111111, -4000000001, -1002000000001


class RunningTelegram:
    def __init__(self, server: TelegramServer, loop: asyncio.AbstractEventLoop) -> None:
        self.server = server
        self.loop = loop

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def state(self) -> Any:
        return self.server.state

    def call_in_loop(self, function: Any, *args: Any) -> Any:
        """Run a state change on the server's own loop, as the ctl endpoint does in a real lab."""

        async def run() -> Any:
            return function(*args)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(5)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def api(
        self, method: str, params: dict[str, Any] | None = None, token: str = TOKEN, form: bool = False
    ) -> tuple[int, dict[str, Any]]:
        """POST a Bot API call with a JSON body, or an urlencoded one when `form` is true."""
        if form:
            body = urllib.parse.urlencode(params or {}).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            body = json.dumps(params or {}).encode()
            content_type = "application/json"
        status, _, raw = self.request("POST", f"/bot{token}/{method}", body, {"Content-Type": content_type})
        answer: dict[str, Any] = json.loads(raw)
        return status, answer

    def lab(self, method: str, path: str) -> Any:
        status, _, raw = self.request(method, path)
        assert status == 200, raw
        return json.loads(raw)["result"]


@contextmanager
def running_telegram(limits: Limits | None = None) -> Iterator[RunningTelegram]:
    config = TelegramConfig(port=0, chats=default_chats(), limits=limits or Limits(enabled=False))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = TelegramServer(config)
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(5)
    try:
        yield RunningTelegram(server, loop)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()

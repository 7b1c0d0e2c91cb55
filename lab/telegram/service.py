"""The fake Telegram Bot API server: routes `/bot<token>/<method>` and `/lab/...`, applies faults, keeps
attempts."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from typing import Any

from lab.telegram.config import TOKEN_SHAPE, ChatSpec, TelegramConfig
from lab.telegram.methods import METHODS, ApiError, Context, bad_request, find_chat
from lab.telegram.state import Attempt, Fault, TelegramState
from lab.telegram.wire import BodyError, Request, Response, WireError, encode_response, read_request

BOT_PATH = re.compile(r"^/bot([^/]*)/([^/]+)/?$")
NOT_FOUND = ApiError(404, "Not Found")
# What nginx in front of the Bot API answers when the backend is gone: HTML, not JSON.
BAD_GATEWAY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n"
    b"<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)
DEFAULT_RETRY_AFTER = 5


def ok(result: Any) -> Response:
    return Response.json(200, {"ok": True, "result": result})


def failure(error: ApiError) -> Response:
    return Response.json(error.code, error.payload())


class TelegramServer:
    def __init__(self, config: TelegramConfig) -> None:
        self.config = config
        self.state = TelegramState(config)
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.StreamWriter] = set()
        self.stopping = asyncio.Event()

    @property
    def port(self) -> int:
        """The port it listens on (the configured one, or the one the system chose for port 0)."""
        if self.server is None or not self.server.sockets:
            return self.config.port
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    async def start(self) -> None:
        self.stopping.clear()
        self.server = await asyncio.start_server(
            self.handle, self.config.host, self.config.port, reuse_address=True
        )

    async def stop(self) -> None:
        self.stopping.set()
        if self.server is not None:
            self.server.close()
        for writer in list(self.connections):
            writer.close()
        if self.server is not None:
            with contextlib.suppress(Exception):
                await self.server.wait_closed()

    # ----- connections

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.add(writer)
        try:
            while not self.stopping.is_set():
                try:
                    request = await read_request(reader)
                except WireError as problem:
                    text = f"{problem}\n".encode()
                    writer.write(
                        encode_response(Response(problem.status, text, "text/plain"), keep_alive=False)
                    )
                    break
                if request is None:
                    break
                response = await self.answer(request, reader)
                if response is None:
                    break
                writer.write(encode_response(response, request.keep_alive))
                await writer.drain()
                if not request.keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.connections.discard(writer)
            writer.close()

    async def _hold(self, reader: asyncio.StreamReader) -> None:
        """Answer nothing until the client gives up (closes) or the lab stops."""
        closed = asyncio.ensure_future(reader.read())
        stopping = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({closed, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (closed, stopping):
            waiter.cancel()

    # ----- requests

    async def answer(self, request: Request, reader: asyncio.StreamReader) -> Response | None:
        """The response to one request; None means the connection gets no answer at all."""
        if request.path.startswith("/lab/"):
            return self.inspect(request)
        matched = BOT_PATH.match(request.path)
        if matched is None:
            return failure(NOT_FOUND)
        token, method = matched.groups()
        try:
            params = request.params()
        except BodyError as problem:
            return self._reject(method, {}, bad_request(str(problem)), None)
        fault = self.state.take_fault()
        if fault is not None:
            if fault.kind == "timeout" and fault.value is None:
                self._record(method, params, None, "no answer: timeout fault", fault)
                await self._hold(reader)
                return None
            if fault.kind == "timeout" and fault.value is not None:
                await asyncio.sleep(fault.value)
            else:
                return self._faulted(method, params, fault)
        if not TOKEN_SHAPE.match(token):
            return self._reject(method, params, NOT_FOUND, None)
        bot = self.state.bots.get(token)
        if bot is None:
            return self._reject(method, params, ApiError(401, "Unauthorized"), None)
        handler = METHODS.get(method.lower())
        if handler is None:
            return self._reject(method, params, NOT_FOUND, None)
        try:
            return ok(await handler(Context(self.state, bot, params)))
        except ApiError as error:
            return self._reject(method, params, error, None)

    def _record(
        self, method: str, params: dict[str, Any], code: int | None, text: str, fault: Fault | None
    ) -> None:
        self.state.record_attempt(
            Attempt(
                method=method,
                params=params,
                error_code=code,
                description=text,
                fault=fault.kind if fault else None,
                received_at=time.time(),
            )
        )

    def _reject(self, method: str, params: dict[str, Any], error: ApiError, fault: Fault | None) -> Response:
        self._record(method, params, error.code, error.description, fault)
        return failure(error)

    def _faulted(self, method: str, params: dict[str, Any], fault: Fault) -> Response:
        if fault.kind == "502":
            self._record(method, params, 502, "502 Bad Gateway (HTML page)", fault)
            return Response(502, BAD_GATEWAY_PAGE, "text/html")
        chat = self._known_chat(params.get("chat_id"))
        if fault.kind == "500":
            error = ApiError(500, "Internal Server Error")
        elif fault.kind == "429":
            retry_after = DEFAULT_RETRY_AFTER if fault.value is None else fault.value
            error = ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        elif fault.kind == "400-chat-not-found":
            error = bad_request("chat not found")
        elif fault.kind == "401":
            error = ApiError(401, "Unauthorized")
        elif fault.kind == "403":
            error = ApiError(403, _forbidden(chat))
        else:
            target = self._migrate(params.get("chat_id"), chat)
            error = ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": target},
            )
        return self._reject(method, params, error, fault)

    def _known_chat(self, value: Any) -> ChatSpec | None:
        try:
            return find_chat(self.state, value)
        except ApiError:
            return None

    def _migrate(self, value: Any, chat: ChatSpec | None) -> int:
        """The supergroup a group moved to: `-100` then the group's digits; the bot can send to it."""
        digits = str(abs(chat.id)) if chat else "".join(c for c in str(value) if c.isdigit()) or "1"
        target = int(f"-100{digits}")
        title = chat.title if chat else f"Lab chat {target}"
        self.state.chats.setdefault(target, ChatSpec(id=target, title=title))
        return target

    # ----- inspection

    def inspect(self, request: Request) -> Response:
        what = request.path.rstrip("/")
        if what == "/lab/messages" and request.method == "GET":
            chat = request.query.get("chat_id")
            try:
                chat_id = int(chat) if chat else None
            except ValueError:
                return failure(bad_request(f"chat_id {chat!r} is not a number"))
            return ok(self.state.message_records(chat_id))
        if what == "/lab/messages" and request.method == "DELETE":
            self.state.clear_messages()
            return ok(True)
        if what == "/lab/attempts" and request.method == "GET":
            return ok([attempt.record() for attempt in self.state.attempts])
        if what == "/lab/attempts" and request.method == "DELETE":
            self.state.attempts.clear()
            return ok(True)
        return failure(NOT_FOUND)


def _forbidden(chat: ChatSpec | None) -> str:
    """The 403 of a bot removed from the chat (or blocked by the user), for every method, getChat included.

    For getChat the Bot API server (Client::check_chat_access, read access) gives the supergroup text itself;
    for a basic group or a private chat it lets the request through to Telegram, whose answer there is not
    confirmed: the lab gives the same text as for sendMessage.
    """
    if chat is not None and chat.type == "private":
        return "Forbidden: bot was blocked by the user"
    if chat is not None and chat.type == "supergroup":
        return "Forbidden: bot was kicked from the supergroup chat"
    return "Forbidden: bot was kicked from the group chat"

"""HTTP/1.1 on asyncio streams, as much as Bot API clients use: requests in, JSON answers out.

Keep-alive, Content-Length and chunked bodies; parameters from the query string, urlencoded forms and JSON
objects.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAX_HEAD = 16 * 1024
MAX_BODY = 1024 * 1024


class WireError(Exception):
    """A request that is not HTTP we can read; the connection answers `status` and closes."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class BodyError(ValueError):
    """A body that is HTTP but not parameters: the Bot API answers it as a Bad Request."""


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""
    keep_alive: bool = True

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    def params(self) -> dict[str, Any]:
        """Query-string parameters, overridden by those of a JSON or urlencoded body."""
        params: dict[str, Any] = self.query
        if not self.body:
            return params
        content_type = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            try:
                decoded = json.loads(self.body)
            except ValueError:
                raise BodyError("can't parse JSON object") from None
            if not isinstance(decoded, dict):
                raise BodyError("JSON body must be an object")
            params.update(decoded)
        elif content_type.startswith("multipart/"):
            raise BodyError("the lab's Telegram reads JSON and urlencoded bodies, not multipart")
        else:
            try:
                params.update(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                raise BodyError("urlencoded body is not UTF-8") from None
        return params


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: dict[str, Any]) -> Response:
        return cls(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))


async def _read_line(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\r\n")
    except asyncio.LimitOverrunError:
        raise WireError(431, "request head too large") from None


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = (await _read_line(reader)).split(b";")[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise WireError(400, f"bad chunk size {size_line!r}") from None
        if size == 0:
            while (await _read_line(reader)) != b"\r\n":
                pass
            return bytes(body)
        if len(body) + size > MAX_BODY:
            raise WireError(413, f"body larger than {MAX_BODY} bytes")
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on the connection, or None when the client closed it between requests."""
    try:
        line = await _read_line(reader)
    except asyncio.IncompleteReadError:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise WireError(400, f"bad request line {line[:80]!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    size = len(line)
    while (header := await _read_line(reader)) != b"\r\n":
        size += len(header)
        name, colon, value = header.decode("latin-1").partition(":")
        if not colon or size > MAX_HEAD:
            raise WireError(400 if not colon else 431, "bad or oversized header")
        headers[name.strip().lower()] = value.strip()
    connection = headers.get("connection", "").lower()
    keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            raise WireError(400, "bad Content-Length") from None
        if length > MAX_BODY:
            raise WireError(413, f"body larger than {MAX_BODY} bytes")
        body = await reader.readexactly(length) if length else b""
    return Request(method=method.upper(), target=target, headers=headers, body=body, keep_alive=keep_alive)


def encode_response(response: Response, keep_alive: bool) -> bytes:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    head = [
        f"HTTP/1.1 {response.status} {reason}",
        "Server: nginx/1.18.0",
        f"Content-Type: {response.content_type}",
        f"Content-Length: {len(response.body)}",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
        *(f"{name}: {value}" for name, value in response.headers.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body

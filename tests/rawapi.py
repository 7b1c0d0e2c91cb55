"""A minimal API client over a raw socket, to see every reply word (librouteros hides !empty and tags)."""

from __future__ import annotations

import socket
import ssl

from lab.protocol import decode_length, encode_sentence, length_size


class RawClient:
    def __init__(self, host: str, port: int = 8728, context: ssl.SSLContext | None = None) -> None:
        sock = socket.create_connection((host, port), timeout=10)
        self.sock = context.wrap_socket(sock, server_hostname=host) if context else sock

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def read_sentence(self) -> list[str]:
        words = []
        while True:
            first = self._exactly(1)
            size = length_size(first[0])
            prefix = first + (self._exactly(size - 1) if size > 1 else b"")
            length = decode_length(prefix)
            if length == 0:
                return words
            words.append(self._exactly(length).decode())

    def send(self, *words: str) -> None:
        self.sock.sendall(encode_sentence(list(words)))

    def talk(self, *words: str) -> list[list[str]]:
        """Send one sentence and read replies up to and including !done (or !fatal)."""
        self.send(*words)
        replies = []
        while True:
            sentence = self.read_sentence()
            replies.append(sentence)
            if sentence[0] in ("!done", "!fatal"):
                return replies

    def login(self, user: str = "admin", password: str = "lab-admin") -> list[list[str]]:
        return self.talk("/login", f"=name={user}", f"=password={password}")

    def close(self) -> None:
        self.sock.close()

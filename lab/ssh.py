"""SSH transport for the command line of each lab router (paramiko): login, exec requests and interactive
shells. What a typed line does is lab.console's business; this module carries bytes.
"""

from __future__ import annotations

import logging
import queue
import re
import selectors
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import paramiko

from lab.console import Console, Runner
from lab.router import Router
from lab.script.runner import run_script

log = logging.getLogger("lab.ssh")

HOST_KEY_FILE = "lab-ssh-host.key"
AUTH_SUCCESSFUL: int = paramiko.AUTH_SUCCESSFUL
AUTH_FAILED: int = paramiko.AUTH_FAILED
OPEN_SUCCEEDED: int = paramiko.OPEN_SUCCEEDED
OPEN_PROHIBITED: int = paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

# RouterOS console login options: `admin+cet1024w` logs in as admin (no colours, dumb terminal, no terminal
# detection, 1024 columns). Each option is a lowercase letter, optionally preceded by a number.
_LOGIN_OPTIONS = re.compile(r"(?P<user>.+)\+(?:[0-9]*[a-z])+")


def login_user(login: str) -> str:
    """The user name in a console login name, without the `+options` RouterOS reads for the terminal."""
    found = _LOGIN_OPTIONS.fullmatch(login)
    return found["user"] if found else login


def host_key(directory: Path) -> paramiko.PKey:
    path = directory / HOST_KEY_FILE
    if path.exists():
        return paramiko.ECDSAKey.from_private_key_file(str(path))
    key = paramiko.ECDSAKey.generate()
    key.write_private_key_file(str(path))
    return key


class _Server(paramiko.ServerInterface):  # type: ignore[misc]  # paramiko ships no type hints
    def __init__(self, router: Router, peer: str) -> None:
        self.router = router
        self.peer = peer
        self.user = ""
        # One entry per channel a client opens: its exec command, or None for an interactive shell.
        self.requests: queue.Queue[tuple[paramiko.Channel, bytes | None]] = queue.Queue()

    def check_auth_password(self, username: str, password: str) -> int:
        user = login_user(username)
        if self.router.authenticate(user, password, policy="ssh", peer=self.peer):
            self.user = user
            return AUTH_SUCCESSFUL
        return AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return OPEN_SUCCEEDED if kind == "session" else OPEN_PROHIBITED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        self.requests.put((channel, command))
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        self.requests.put((channel, None))
        return True

    def check_channel_pty_request(self, *args: object) -> bool:
        return True


@dataclass
class SshService:
    routers: list[Router]
    port: int
    key_directory: Path
    runner: Runner
    _sockets: dict[socket.socket, Router] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        key = host_key(self.key_directory)
        for router in self.routers:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((router.address, self.port))
            listener.listen(16)
            listener.setblocking(False)
            self._sockets[listener] = router
        self._thread = threading.Thread(target=self._accept_loop, args=(key,), name="lab-ssh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for listener in self._sockets:
            listener.close()

    def _accept_loop(self, key: paramiko.PKey) -> None:
        with selectors.DefaultSelector() as selector:
            for listener in self._sockets:
                selector.register(listener, selectors.EVENT_READ)
            while not self._stop.is_set():
                for ready, _ in selector.select(timeout=0.2):
                    listener = ready.fileobj  # type: ignore[assignment]  # we registered sockets only
                    try:
                        connection, _ = listener.accept()
                    except BlockingIOError:
                        continue
                    connection.setblocking(True)
                    router = self._sockets[listener]
                    threading.Thread(
                        target=self._serve,
                        args=(connection, router, key),
                        name="lab-ssh-session",
                        daemon=True,
                    ).start()

    def _serve(self, connection: socket.socket, router: Router, key: paramiko.PKey) -> None:
        transport = paramiko.Transport(connection)
        transport.add_server_key(key)
        server = _Server(router, connection.getpeername()[0])
        try:
            transport.start_server(server=server)
            while transport.is_active() and not self._stop.is_set():
                try:
                    channel, command = server.requests.get(timeout=0.5)
                except queue.Empty:
                    continue
                console = Console(router, server.user, self.runner)
                if command is not None:
                    self._exec(channel, console, command.decode("utf-8", errors="replace"))
                else:
                    self._shell(channel, console)
        except (paramiko.SSHException, EOFError, OSError):
            log.debug("ssh session ended", exc_info=True)
        finally:
            transport.close()

    def _exec(self, channel: paramiko.Channel, console: Console, command: str) -> None:
        channel.sendall(_crlf(console.run(command)))
        channel.send_exit_status(0)
        channel.close()

    def _shell(self, channel: paramiko.Channel, console: Console) -> None:
        reader = channel.makefile("rb")
        channel.sendall(
            _crlf("\n\n  MikroTik RouterOS " + console.router.version + " (lab)\n\n")
            + console.prompt.encode()
        )
        buffer = b""
        while True:
            byte = reader.read(1)
            if not byte:
                return
            if byte in (b"\r", b"\n"):
                line = buffer.decode("utf-8", errors="replace")
                buffer = b""
                channel.sendall(b"\r\n")
                if line.strip() in ("/quit", "quit"):
                    channel.sendall(b"interrupted\r\n")
                    channel.close()
                    return
                output = console.run(line)
                channel.sendall(_crlf(output) + console.prompt.encode())
            elif byte in (b"\x7f", b"\x08"):
                buffer = buffer[:-1]
            else:
                buffer += byte
                channel.sendall(byte)


def _crlf(text: str) -> bytes:
    if text and not text.endswith("\n"):
        text += "\n"
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8", errors="surrogateescape")


def engine_runner(router: Router, source: str, user: str) -> str:
    """Run console input through the script engine; print its output, then its error as the console does."""
    result = run_script(router, source, {}, user)
    lines = list(result.output)
    if result.error is not None:
        lines.append(result.error)
    return "\n".join(lines)

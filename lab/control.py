"""The lab's control endpoint: one JSON object per line in, one per line out, on loopback.

Request: {"verb": "dump", "args": ["1"]}.
Answer: {"ok": true, "result": ...} or {"ok": false, "error": "..."}.
Verbs register themselves in VERBS with the words they take, so `ctl help` can list them. A verb acts on the
running lab through LabView, which lab.server.Lab implements: lab.server builds on this module (and on the
modules whose verbs register here), never the other way round.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from lab.faults import DEFAULT_MESSAGE
from lab.menus.ip import dhcp_rebind
from lab.network import Network
from lab.router import Router
from lab.schema import tree
from lab.telegram.service import TelegramServer


class Ports(Protocol):
    """The lab's listening ports a verb reports (lab.server.LabConfig)."""

    @property
    def api_port(self) -> int: ...

    @property
    def api_ssl_port(self) -> int: ...


class LabView(Protocol):
    """What verbs ask of the running lab (lab.server.Lab)."""

    @property
    def config(self) -> Ports: ...

    @property
    def routers(self) -> list[Router]: ...

    @property
    def network(self) -> Network: ...

    @property
    def telegram(self) -> TelegramServer | None: ...

    def router(self, reference: str) -> Router:
        """A router by index (`1`), address (`127.0.1.1`) or identity; KeyError when there is none."""
        ...


@dataclass(frozen=True)
class Verb:
    usage: str
    help: str
    run: Callable[[LabView, list[str]], Any]


VERBS: dict[str, Verb] = {}


def verb(name: str, usage: str, help_text: str) -> Callable[[Callable[[LabView, list[str]], Any]], Any]:
    def register(function: Callable[[LabView, list[str]], Any]) -> Callable[[LabView, list[str]], Any]:
        VERBS[name] = Verb(usage=usage, help=help_text, run=function)
        return function

    return register


class UsageError(Exception):
    pass


def _one_router(args: list[str], usage: str) -> str:
    if len(args) != 1:
        raise UsageError(f"usage: {usage}")
    return args[0]


@verb("ping", "ping", "answers pong when the lab is up")
def _ping(lab: LabView, args: list[str]) -> str:
    return "pong"


@verb(
    "routers",
    "routers",
    "every router with its index, address, identity, version and the captured command tree it follows",
)
def _routers(lab: LabView, args: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "index": r.index,
            "address": r.address,
            "identity": r.rows("system/identity")[0].get("name"),
            "version": r.version,
            "command-tree": tree().capture,
            "api": lab.config.api_port,
            "api-ssl": lab.config.api_ssl_port,
        }
        for r in lab.routers
    ]


@verb("dump", "dump ROUTER", "the router's whole configuration as JSON, menu by menu, as the API prints it")
def _dump(lab: LabView, args: list[str]) -> dict[str, Any]:
    return lab.router(_one_router(args, "dump ROUTER")).dump()


@verb("reboot", "reboot ROUTER", "reboot: sessions drop, dynamic entries and globals go, configuration stays")
def _reboot(lab: LabView, args: list[str]) -> str:
    router = lab.router(_one_router(args, "reboot ROUTER"))
    router.reboot()
    return f"router {router.index} rebooted"


@verb("uplink", "uplink ROUTER up|down", "connect or cut the virtual ISP behind the router's ether1")
def _uplink(lab: LabView, args: list[str]) -> str:
    if len(args) != 2 or args[1] not in ("up", "down"):
        raise UsageError("usage: uplink ROUTER up|down")
    router = lab.router(args[0])
    router.uplink.up = args[1] == "up"
    for item in router.state.table("ip/dhcp-client").items:
        dhcp_rebind(router, item)
    return f"router {router.index} uplink {args[1]}"


@verb(
    "stats",
    "stats ROUTER|all|reset",
    "API connections, logins and sentences by command word, file writes and bytes of contents written, "
    "since the lab started or the last reset",
)
def _stats(lab: LabView, args: list[str]) -> dict[str, Any] | str:
    reference = _one_router(args, "stats ROUTER|all|reset")
    if reference == "reset":
        for router in lab.routers:
            router.api_stats.reset()
            router.file_stats.reset()
        return f"stats reset on {len(lab.routers)} routers"
    chosen = lab.routers if reference == "all" else [lab.router(reference)]
    return {
        str(router.index): {**router.api_stats.report(), **router.file_stats.report()} for router in chosen
    }


@verb(
    "refuse",
    "refuse ROUTER COMMAND [SKIP] [MESSAGE] | refuse ROUTER list|clear",
    "answer an API command (e.g. /ip/firewall/nat/add) with a !trap once, after letting SKIP of them through",
)
def _refuse(lab: LabView, args: list[str]) -> Any:
    usage = "usage: refuse ROUTER COMMAND [SKIP] [MESSAGE] | refuse ROUTER list|clear"
    if len(args) < 2:
        raise UsageError(usage)
    faults = lab.router(args[0]).api_faults
    if args[1] == "list":
        return faults.report()
    if args[1] == "clear":
        faults.clear()
        return "refusals cleared"
    if not args[1].startswith("/") or len(args) > 4 or (len(args) > 2 and not args[2].isdigit()):
        raise UsageError(usage)
    faults.arm(args[1], int(args[2]) if len(args) > 2 else 0, args[3] if len(args) > 3 else DEFAULT_MESSAGE)
    return faults.report()


@verb("help", "help", "this list")
def _help(lab: LabView, args: list[str]) -> dict[str, str]:
    return {v.usage: v.help for v in VERBS.values()}


class ControlServer:
    def __init__(self, lab: LabView) -> None:
        self.lab = lab

    def answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            name, args = request["verb"], [str(a) for a in request.get("args", [])]
        except (ValueError, KeyError, TypeError):
            return {"ok": False, "error": 'expected one JSON object per line: {"verb": "...", "args": [...]}'}
        found = VERBS.get(name)
        if found is None:
            return {"ok": False, "error": f"unknown verb {name!r}; known: {', '.join(sorted(VERBS))}"}
        try:
            return {"ok": True, "result": found.run(self.lab, args)}
        except (UsageError, KeyError, ValueError) as problem:
            return {"ok": False, "error": str(problem).strip("'\"")}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                writer.write(json.dumps(self.answer(line), ensure_ascii=False).encode() + b"\n")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


def call(host: str, port: int, name: str, args: list[str], timeout: float = 10.0) -> dict[str, Any]:
    """Client side, for `python -m lab ctl` and for tests."""
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(json.dumps({"verb": name, "args": args}).encode() + b"\n")
        buffer = b""
        while not buffer.endswith(b"\n"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            buffer += chunk
    answer: dict[str, Any] = json.loads(buffer)
    return answer

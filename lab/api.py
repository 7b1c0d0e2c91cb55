"""One API connection: login, then sentences turned into router commands and replies turned into sentences.

Knows the wire conventions (tags, .proplist, queries, !empty); knows nothing of what a menu means.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from lab import jobs, policies, protocol
from lab.errors import NOT_ENOUGH_PERMISSIONS, CommandError
from lab.menus.base import Result
from lab.query import compile_query
from lab.router import Router
from lab.schema import tree

log = logging.getLogger("lab.api")

EMPTY_SINCE = (7, 18)


@dataclass
class Request:
    command: str
    args: dict[str, str] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)
    tag: str | None = None
    proplist: list[str] | None = None


def parse_sentence(words: list[str]) -> Request:
    request = Request(command=words[0])
    for word in words[1:]:
        if word.startswith("="):
            name, _, value = word[1:].partition("=")
            if name == ".proplist":
                request.proplist = [p for p in value.split(",") if p]
            else:
                request.args[name] = value
        elif word.startswith(".tag="):
            request.tag = word[5:]
        elif word.startswith("?"):
            request.queries.append(word)
        else:
            # RouterOS ignores API attribute words it does not recognise in this position.
            continue
    return request


def _version(router: Router) -> tuple[int, ...]:
    return tuple(int(p) for p in router.version.split(".") if p.isdigit())


class Session:
    def __init__(self, router: Router, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.router = router
        self.reader = reader
        self.writer = writer
        self.user: str | None = None
        # What the user's group granted at login; every command is checked against it (lab.policies).
        self.policies: frozenset[str] = frozenset()
        router.api_stats.connections += 1

    def send(self, reply: str, attributes: dict[str, str] | None = None, tag: str | None = None) -> None:
        words = [reply] + [f"={k}={v}" for k, v in (attributes or {}).items()]
        if tag is not None:
            words.append(f".tag={tag}")
        self.writer.write(protocol.encode_sentence(words))

    def trap(self, error: CommandError, tag: str | None) -> None:
        attributes = {} if error.category is None else {"category": str(error.category)}
        attributes["message"] = error.message
        self.send("!trap", attributes, tag)
        self.send("!done", tag=tag)

    async def run(self) -> None:
        try:
            while True:
                words = await protocol.read_sentence(self.reader)
                if not words:
                    continue
                if not await self.handle(parse_sentence(words)):
                    break
                await self.writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except protocol.ProtocolError as problem:
            self.writer.write(protocol.encode_sentence(["!fatal", str(problem)]))
        finally:
            with contextlib.suppress(Exception):
                await self.writer.drain()
                self.writer.close()

    async def handle(self, request: Request) -> bool:
        """Answer one sentence; False when the connection must close."""
        self.router.api_stats.count(request.command)
        if request.command == "/quit":
            self.writer.write(protocol.encode_sentence(["!fatal", "session terminated on request"]))
            return False
        if request.command == "/login":
            self.login(request)
            return True
        if self.user is None:
            self.trap(CommandError("not logged in", 5), request.tag)
            return True
        refusal = self.router.api_faults.take(request.command)
        if refusal is not None:
            self.trap(CommandError(refusal), request.tag)
            return True
        if request.command == "/cancel":
            # Every command here completes before the next sentence is read, so nothing is left to cancel.
            self.send("!done", tag=request.tag)
            return True
        try:
            # In a worker thread: a command may wait (a fetch), and scripts hold the router lock meanwhile.
            loop = asyncio.get_running_loop()
            self.send_result(request, await loop.run_in_executor(None, self.execute, request))
        except CommandError as error:
            self.trap(error, request.tag)
        except Exception:
            log.exception("lab bug while handling %s", request.command)
            self.trap(CommandError("lab internal error; see the lab log", 4), request.tag)
        return True

    def login(self, request: Request) -> None:
        name, password = request.args.get("name", ""), request.args.get("password", "")
        peer = self.writer.get_extra_info("peername")[0]
        if self.router.authenticate(name, password, peer=peer):
            self.user = name
            self.policies = jobs.user_policies(self.router, name)
            self.router.api_stats.logins += 1
            self.router.log("system,info,account", f"user {name} logged in via api")
            self.send("!done", tag=request.tag)
        else:
            self.router.api_stats.login_failures += 1
            self.router.log("system,error,critical", f"login failure for user {name} via api")
            self.trap(CommandError("invalid user name or password (6)"), request.tag)

    def execute(self, request: Request) -> Result:
        words = tuple(part for part in request.command.split("/") if part)
        split = tree().split(words)
        if split is None:
            menu_known = tree().is_menu(words[:-1]) if words else False
            raise CommandError("no such command" if menu_known else "no such command prefix", 0)
        menu, command = split
        if policies.required("/".join(menu), command) - self.policies:
            raise CommandError(NOT_ENOUGH_PERMISSIONS)
        args = dict(request.args)
        # Menus that answer per user (script run, environment) learn from this whose command it is.
        with jobs.acting_as(self.user):
            result = self.router.execute("/".join(menu), command, args)
        if command == "print" and result.rows is not None:
            rows = result.rows
            if request.queries:
                matches = compile_query(request.queries, "/".join(menu))
                rows = [row for row in rows if matches(row)]
            if "count-only" in args:
                return Result(ret=str(len(rows)))
            # `.proplist` as the API manual writes it, or print's own `proplist` argument.
            proplist = request.proplist
            if proplist is None and "proplist" in args:
                proplist = [name for name in args["proplist"].split(",") if name]
            if proplist is not None:
                rows = [{k: row[k] for k in proplist if k in row} for row in rows]
            return Result(rows=rows)
        return result

    def send_result(self, request: Request, result: Result) -> None:
        for row in result.rows or []:
            self.send("!re", row, request.tag)
        if result.rows is not None and not result.rows and _version(self.router) >= EMPTY_SINCE:
            self.send("!empty", tag=request.tag)
        self.send("!done", {"ret": result.ret} if result.ret is not None else None, request.tag)

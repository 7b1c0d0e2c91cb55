"""The running lab: N routers on 127.0.1.i (API and API-SSL), the control endpoint, and clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from lab import (  # noqa: F401 - control_* register their ctl verbs on import
    control_fetch,
    control_network,
    control_scenario,
    control_storage,
    scenarios,
    tls,
)
from lab.api import Session
from lab.control import ControlServer
from lab.menus import ip as ip_menus
from lab.network import Network
from lab.router import Router
from lab.script import runner as script_runner
from lab.ssh import SshService, engine_runner
from lab.telegram import TelegramConfig, TelegramServer
from lab.telegram import ctl as telegram_ctl  # noqa: F401 - registers the `telegram` ctl verb on import
from lab.ticker import Ticker

log = logging.getLogger("lab.server")

API_PORT = 8728
API_SSL_PORT = 8729
CONTROL_PORT = 8780
# Not 22: a lab must run without root, and 22 is usually the laptop's own sshd.
SSH_PORT = 2222

# The services the lab listens for on each router address, and how often it looks for a moved port.
_LISTENED = ("api", "api-ssl")
_PORT_POLL_SECONDS = 0.2

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class LabConfig:
    routers: int = 1
    state_dir: Path = Path(".lab")
    base_address: str = "127.0.1.0"
    control_host: str = "127.0.0.1"
    control_port: int = CONTROL_PORT
    api_port: int = API_PORT
    api_ssl_port: int = API_SSL_PORT
    ssh_port: int = SSH_PORT
    user: str = "admin"
    password: str = "lab-admin"
    version: str = "7.21.4"
    # lab.storage.BOARDS, or empty: each router keeps the board its saved state names.
    board: str = ""
    # lab.scenarios.NAMES: what a router without saved state starts with (`empty`: the bare factory state).
    scenario: str = scenarios.EMPTY
    telegram: TelegramConfig = field(default_factory=TelegramConfig)


def router_address(base: str, index: int) -> str:
    return str(ipaddress.IPv4Address(base) + index)


@dataclass
class Lab:
    config: LabConfig
    routers: list[Router] = field(default_factory=list)
    servers: list[asyncio.Server] = field(default_factory=list)
    # The API listeners by (router index, service): the port each listens on and its server. They follow
    # `/ip service set port=` (lab._follow_ports), as a router's services do.
    listeners: dict[tuple[int, str], tuple[int, asyncio.Server]] = field(default_factory=dict)
    # A port a service was moved to that could not be bound, so it is not tried again until it changes.
    unbound: dict[tuple[int, str], int] = field(default_factory=dict)
    sessions: dict[int, set[asyncio.StreamWriter]] = field(default_factory=dict)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    telegram: TelegramServer | None = None
    network: Network = field(default_factory=Network)
    ticker: Ticker | None = None
    ssh: SshService | None = None
    loop: asyncio.AbstractEventLoop | None = None
    port_follower: asyncio.Task[None] | None = None

    def build_routers(self) -> None:
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        self.network.state_dir = self.config.state_dir
        # Written at start, so that a user can import it into a router before anything fetches (README).
        _ = self.network.ca
        self.network.serve_telegram_at(self.config.telegram.host, self.config.telegram.port)
        for index in range(1, self.config.routers + 1):
            state_path = self.config.state_dir / f"router{index}.json"
            fresh = not state_path.exists()
            router = Router(
                index=index,
                address=router_address(self.config.base_address, index),
                version=self.config.version,
                board=self.config.board,
                state_path=state_path,
                admin_user=self.config.user,
                admin_password=self.config.password,
                network=self.network,
            )
            router.on_reboot.append(self._drop_sessions)
            script_runner.install(router)
            if fresh and self.config.scenario != scenarios.EMPTY:
                scenarios.apply(router, self.config.scenario)
            self.routers.append(router)
            self.sessions[index] = set()

    def router(self, reference: str) -> Router:
        """A router by index (`1`), address (`127.0.1.1`) or identity."""
        for router in self.routers:
            identity = router.rows("system/identity")[0].get("name")
            if reference in (str(router.index), router.address, identity):
                return router
        known = ", ".join(str(r.index) for r in self.routers)
        raise KeyError(
            f"no router {reference!r}; the lab has routers {known} (by index, address or identity)"
        )

    def _drop_sessions(self, router: Router) -> None:
        """Called on reboot, which a script thread may trigger: the writers belong to the event loop."""

        def close_all() -> None:
            for writer in list(self.sessions[router.index]):
                writer.close()
            self.sessions[router.index].clear()

        if self.loop is None:
            close_all()
        else:
            self.loop.call_soon_threadsafe(close_all)

    def _service_allows(self, router: Router, service: str, peer: str) -> bool:
        rows = (r for r in router.rows("ip/service") if r.get("dynamic") != "true")
        row = next((r for r in rows if r.get("name") == service), None)
        if row is None or row.get("disabled") == "true":
            return False
        allowed = [part for part in row.get("address", "").split(",") if part]
        if not allowed:
            return True
        address = ipaddress.IPv4Address(peer)
        return any(address in ipaddress.IPv4Network(part, strict=False) for part in allowed)

    def _handler(self, router: Router, service: str) -> Handler:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            peer = writer.get_extra_info("peername")[0]
            if not self._service_allows(router, service, peer):
                writer.close()
                return
            remote = "{}:{}".format(*writer.get_extra_info("peername")[:2])
            local = writer.get_extra_info("sockname")[0]
            if service == "api-ssl" and not await _handshake(router, writer):
                return
            self.sessions[router.index].add(writer)
            connection = ip_menus.service_connection_opened(router, service, local, remote)
            try:
                await Session(router, reader, writer).run()
            finally:
                self.sessions[router.index].discard(writer)
                ip_menus.service_connection_closed(router, connection)

        return handle

    def _port(self, router: Router, service: str) -> int:
        """Where the lab listens for a service: the router's configured port, shifted as much as `--api-port`
        (or `--api-ssl-port`) shifts the factory port."""
        factory, lab_port = {
            "api": (API_PORT, self.config.api_port),
            "api-ssl": (API_SSL_PORT, self.config.api_ssl_port),
        }[service]
        with router.lock:
            configured = next(
                (
                    item.props.get("port", str(factory))
                    for item in router.items(router.spec("ip/service"))
                    if not item.dynamic and item.props.get("name") == service
                ),
                str(factory),
            )
        return int(configured) - factory + lab_port

    async def _listen(self, router: Router, service: str, port: int) -> None:
        server = await asyncio.start_server(
            self._handler(router, service), router.address, port, reuse_address=True
        )
        previous = self.listeners.get((router.index, service))
        self.listeners[(router.index, service)] = (port, server)
        if previous is not None:
            # Connections already open stay; only the listening socket moves.
            previous[1].close()

    async def _follow_ports(self) -> None:
        """Moves a listener when its service's port changes, by any means (API, console, script)."""
        while True:
            await asyncio.sleep(_PORT_POLL_SECONDS)
            for router in self.routers:
                for service in _LISTENED:
                    key = (router.index, service)
                    port = self._port(router, service)
                    if port == self.listeners[key][0] or port == self.unbound.get(key):
                        continue
                    try:
                        await self._listen(router, service, port)
                        self.unbound.pop(key, None)
                    except OSError as problem:
                        self.unbound[key] = port
                        log.warning(
                            "router %s: %s cannot listen on port %s: %s", router.index, service, port, problem
                        )

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.build_routers()
        for router in self.routers:
            for service in _LISTENED:
                await self._listen(router, service, self._port(router, service))
        self.port_follower = asyncio.create_task(self._follow_ports())
        self.ticker = Ticker(self.routers)
        self.ticker.start()
        self.ssh = SshService(self.routers, self.config.ssh_port, self.config.state_dir, engine_runner)
        self.ssh.start()
        control = ControlServer(self)
        self.servers.append(
            await asyncio.start_server(
                control.handle, self.config.control_host, self.config.control_port, reuse_address=True
            )
        )
        known = self.config.telegram.tokens
        known += [token for token in scenarios.bot_tokens(self.config.scenario) if token not in known]
        self.telegram = TelegramServer(self.config.telegram)
        await self.telegram.start()

    async def stop(self) -> None:
        if self.telegram is not None:
            await self.telegram.stop()
        if self.ticker is not None:
            self.ticker.stop()
        if self.ssh is not None:
            self.ssh.stop()
        if self.port_follower is not None:
            self.port_follower.cancel()
        self.servers += [server for _, server in self.listeners.values()]
        for server in self.servers:
            server.close()
        for writers in self.sessions.values():
            for writer in writers:
                writer.close()
        for server in self.servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()
        for router in self.routers:
            router.save()


async def _handshake(router: Router, writer: asyncio.StreamWriter) -> bool:
    """TLS with what api-ssl presents now (lab.tls); False, the connection closed, when it fails or the router
    would refuse it."""
    context = tls.api_ssl_context(router)
    if context is not None:
        try:
            await writer.start_tls(context)
            return True
        except (ssl.SSLError, ConnectionError, OSError):
            log.debug("api-ssl handshake with router %s failed", router.index, exc_info=True)
    writer.close()
    return False

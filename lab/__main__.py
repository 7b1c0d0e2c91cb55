"""`python -m lab serve ...` runs the lab; `python -m lab ctl ...` talks to a running one."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from lab import control, scenarios, schema, storage
from lab.server import API_PORT, API_SSL_PORT, CONTROL_PORT, SSH_PORT, Lab, LabConfig
from lab.telegram import config as telegram

T = TypeVar("T")


def _checked(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type that shows the parser's own message for a bad value."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as problem:
            raise argparse.ArgumentTypeError(str(problem)) from None

    return convert


def _release(text: str) -> str:
    schema.version_key(text)
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run lab routers in the foreground until SIGTERM or Ctrl-C")
    serve.add_argument("--routers", type=int, default=1, help="how many routers (default 1)")
    serve.add_argument(
        "--state", type=Path, default=Path(".lab"), help="folder for configuration and TLS files"
    )
    serve.add_argument("--base-address", default="127.0.1.0", help="router i listens on this address + i")
    serve.add_argument("--api-port", type=int, default=API_PORT)
    serve.add_argument("--api-ssl-port", type=int, default=API_SSL_PORT)
    serve.add_argument(
        "--ssh-port", type=int, default=SSH_PORT, help=f"SSH command line (default {SSH_PORT})"
    )
    serve.add_argument("--control-port", type=int, default=CONTROL_PORT)
    serve.add_argument("--user", default="admin", help="login of the factory user (default admin)")
    serve.add_argument(
        "--password", default="lab-admin", help="password of the factory user (default lab-admin)"
    )
    serve.add_argument(
        "--ros-version",
        "--version",
        dest="ros_version",
        default="7.21.4",
        type=_checked(_release),
        help="RouterOS 7 release the routers run (default 7.21.4): its commands and arguments, no others",
    )
    serve.add_argument(
        "--board",
        choices=storage.BOARDS,
        default="",
        help="the routers' board: flat (every file survives a reboot) or ram-root (only flash/ does); "
        "by default each keeps the board its saved state names, flat for a new one",
    )
    serve.add_argument(
        "--scenario",
        choices=scenarios.NAMES,
        default=scenarios.EMPTY,
        help="what a router without saved state starts with: empty (the bare factory state, the default), "
        "defconf (RouterOS's factory default configuration) or seed-paper (hand-made Netwatch alerting)",
    )
    serve.add_argument("--telegram-host", default=telegram.DEFAULT_HOST, help="fake Telegram Bot API address")
    serve.add_argument("--telegram-port", type=int, default=telegram.DEFAULT_PORT)
    serve.add_argument(
        "--telegram-token",
        action="append",
        type=_checked(telegram.check_token),
        metavar="TOKEN",
        help=f"a bot token it accepts (repeatable, replaces the default {telegram.DEFAULT_TOKEN})",
    )
    serve.add_argument(
        "--telegram-chat",
        action="append",
        type=_checked(telegram.parse_chat),
        metavar="ID[:TOPICS][=TITLE]",
        help="a chat it knows (repeatable, replaces the default chats)",
    )
    serve.add_argument(
        "--telegram-limits",
        nargs="+",
        default=[],
        metavar="SETTING",
        type=_checked(telegram.check_limit),
        help="flood control: off, or chat=PER_S burst=N group=PER_MIN bot=PER_S",
    )
    ctl = commands.add_parser(
        "ctl", help="inspect a running lab or inject faults; `ctl help` lists the verbs"
    )
    ctl.add_argument("--control-port", type=int, default=CONTROL_PORT)
    ctl.add_argument("verb")
    ctl.add_argument("args", nargs="*")
    return parser


async def _serve(config: LabConfig) -> int:
    if not 1 <= config.routers <= 254:
        print(f"--routers must be 1..254, got {config.routers}", file=sys.stderr)
        return 2
    lab = Lab(config)
    try:
        await lab.start()
    except OSError as problem:
        print(f"lab cannot listen: {problem}", file=sys.stderr)
        await lab.stop()
        return 1
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lab.stopping.set)
    print("lab ready", flush=True)
    await lab.stopping.wait()
    await lab.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if arguments.command == "serve":
        schema.select(arguments.ros_version)
        config = LabConfig(
            routers=arguments.routers,
            state_dir=arguments.state,
            base_address=arguments.base_address,
            api_port=arguments.api_port,
            api_ssl_port=arguments.api_ssl_port,
            ssh_port=arguments.ssh_port,
            control_port=arguments.control_port,
            user=arguments.user,
            password=arguments.password,
            version=arguments.ros_version,
            board=arguments.board,
            scenario=arguments.scenario,
            telegram=telegram.TelegramConfig(
                host=arguments.telegram_host,
                port=arguments.telegram_port,
                tokens=arguments.telegram_token or [telegram.DEFAULT_TOKEN],
                chats=arguments.telegram_chat or telegram.default_chats(),
                limits=telegram.parse_limits(arguments.telegram_limits, telegram.Limits()),
            ),
        )
        return asyncio.run(_serve(config))
    try:
        answer = control.call("127.0.0.1", arguments.control_port, arguments.verb, arguments.args)
    except OSError as problem:
        print(f"no lab answers on 127.0.0.1:{arguments.control_port}: {problem}", file=sys.stderr)
        return 1
    if not answer.get("ok"):
        print(answer.get("error"), file=sys.stderr)
        return 2
    result = answer["result"]
    print(result if isinstance(result, str) else json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

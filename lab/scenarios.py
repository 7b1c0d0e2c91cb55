"""Scenarios: what a lab router holds when it starts, besides RouterOS's bare factory state.

`empty` is the bare state (`/system reset-configuration no-defaults=yes`); every other scenario is a RouterOS
script in lab/data/scenarios/NAME.rsc, run after that reset by the router's own script engine as the factory
user, so each entry is checked exactly as a router checks it, and what a router refuses afterwards (a second
bridge port for ether2, a second DHCP client on ether1) the lab refuses too. Then the router boots, as a
router does after a reset. See lab/README.md, "Scenarios".

The lab's virtual world follows the scenario: the hosts its Netwatch entries watch answer (a new host record
is up), and a bot token its scripts hold is a bot the fake Telegram knows, as the real Telegram knows the bot
an operator pasted into those scripts.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import TYPE_CHECKING

from lab import storage

if TYPE_CHECKING:
    from lab.router import Router

DIRECTORY = Path(__file__).resolve().parent / "data" / "scenarios"
EMPTY = "empty"
NAMES = (EMPTY, "defconf", "seed-paper")
# Telegram's token shape (lab.telegram.config.TOKEN_SHAPE), found anywhere in a scenario's text.
_TOKEN = re.compile(r"\b[0-9]{8,10}:[A-Za-z0-9_-]{35}\b")


def check(name: str) -> str:
    if name not in NAMES:
        raise ValueError(f"scenario {name!r} is not known; expected one of {', '.join(NAMES)}")
    return name


def source(name: str) -> str:
    """The scenario's RouterOS script ("" for `empty`)."""
    if check(name) == EMPTY:
        return ""
    return (DIRECTORY / f"{name}.rsc").read_text(encoding="utf-8")


def bot_tokens(name: str) -> list[str]:
    """The bot tokens the scenario's scripts carry in clear text."""
    return list(dict.fromkeys(_TOKEN.findall(source(name))))


def apply(router: Router, name: str) -> None:
    """Reset the router's configuration to the scenario, then boot it. The board stays (it is hardware);
    everything else goes, files and certificates too. Raises ValueError, naming the line, when the router
    refuses a command of the scenario: a scenario the lab's own routers refuse is a lab bug."""
    text = source(name)
    runner = router.script_runner
    if text and runner is None:
        raise ValueError(f"router {router.index} has no script engine to run scenario {name!r}")
    with router.lock:
        board = storage.board(router.state)
        router.factory_defaults()
        storage.set_board(router.state, board, router.clock.stamp())
        if text and runner is not None:
            result = runner(router, text, {}, router.admin_user)
            if result.error is not None:
                raise ValueError(f"scenario {name!r} on router {router.index}: {result.error}")
        for item in router.state.table("tool/netwatch").items:
            _answering(router, item.props.get("host", "").partition("@")[0])
        router.reboot()


def _answering(router: Router, host: str) -> None:
    """A watched address answers unless the lab already has a record of it; names (type=dns) and RFC 5737
    addresses, which never answer, are left as they are."""
    try:
        ipaddress.ip_address(host)
        router.network.ensure_host(router.index, host)
    except ValueError:
        return

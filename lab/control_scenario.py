"""The `scenario` ctl verb: reset a running router's configuration to a scenario (lab.scenarios), as
`/system reset-configuration` followed by a boot does on a router."""

from __future__ import annotations

from lab import scenarios
from lab.control import LabView, UsageError, verb
from lab.router import Router

_USAGE = f"scenario ROUTER|all {'|'.join(scenarios.NAMES)}"


def use(lab: LabView, router: Router, name: str) -> None:
    """Apply the scenario; the fake Telegram then knows the bots its scripts carry."""
    scenarios.apply(router, name)
    if lab.telegram is not None:
        for token in scenarios.bot_tokens(name):
            lab.telegram.state.add_bot(token)


@verb(
    "scenario",
    _USAGE,
    "reset the router's configuration to a scenario (empty, defconf: RouterOS's factory default "
    "configuration, seed-paper: hand-made Netwatch alerting with the bot token in clear text), then boot it",
)
def _scenario(lab: LabView, args: list[str]) -> str:
    if len(args) != 2:
        raise UsageError(f"usage: {_USAGE}")
    name = scenarios.check(args[1])
    chosen = lab.routers if args[0] == "all" else [lab.router(args[0])]
    for router in chosen:
        use(lab, router, name)
    return f"{', '.join(f'router {r.index}' for r in chosen)}: scenario {name}, rebooted"

"""ctl verbs for what `/tool fetch` meets beyond the uplink: whether a router can get certificate revocation
lists."""

from __future__ import annotations

from lab.control import LabView, UsageError, verb

_CRL_USAGE = "crl ROUTER|all fail|ok"


@verb(
    "crl",
    _CRL_USAGE,
    "make the router unable to get certificate revocation lists (every https fetch with "
    "check-certificate=yes then fails the handshake; yes-without-crl and no still work), or able again "
    "(ok, the default)",
)
def _crl(lab: LabView, args: list[str]) -> list[dict[str, str]]:
    if len(args) != 2 or args[1] not in ("fail", "ok"):
        raise UsageError(f"usage: {_CRL_USAGE}")
    chosen = list(lab.routers) if args[0] == "all" else [lab.router(args[0])]
    for router in chosen:
        with router.lock:
            router.uplink.crl_available = args[1] == "ok"
    return [{"router": str(router.index), "crl": args[1]} for router in chosen]

"""What the router's DNS answers for a name (`:resolve`): /ip dns static first, then the virtual Internet.

The lab runs no DNS server. A name of the virtual Internet (lab.network, `ctl services`) resolves to the
loopback address of its stand-in, the address /tool fetch connects to for that name. Asking for it needs the
DNS servers behind the uplink, so with the uplink down only static entries answer, as on a router whose ISP
is gone.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from lab import errors
from lab.menus.base import Props

if TYPE_CHECKING:
    from lab.router import Router


def resolve(router: Router, name: str) -> str:
    """The address `name` resolves to on this router, or the router's DNS error."""
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        pass
    wanted = name.lower()
    static = _static(router.rows("ip/dns/static"), wanted)
    if static is not None:
        return static
    if not router.uplink.up:
        raise errors.dns_server_failure()
    found = router.network.address_of(wanted)
    if found is None:
        raise errors.dns_name_does_not_exist()
    return found


def _static(rows: list[Props], name: str) -> str | None:
    """The address of the enabled static A entry for `name`; other kinds of entry the lab does not answer
    from, and says so rather than skip them."""
    for row in rows:
        if row.get("disabled") == "true":
            continue
        pattern = row.get("regexp", "")
        if row.get("name", "").lower() != name and not (pattern and _matches(pattern, name)):
            continue
        record = row.get("type", "A")
        if pattern or record != "A" or not row.get("address"):
            what = f"regexp {pattern}" if pattern else f"type={record} {row.get('name', '')}"
            raise errors.not_supported(f":resolve through the static DNS entry {what}")
        return row["address"]
    return None


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False

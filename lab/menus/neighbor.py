"""Who may find and reach the router below IP: /ip/neighbor/discovery-settings and the MAC server
(/tool/mac-server, /tool/mac-server/mac-winbox). Settings only: the lab sends no discovery packets and
accepts no MAC-Telnet or MAC-Winbox session. RouterOS's factory default configuration limits all three to
the LAN interface list; without it they are the values its revert script sets back (manual, "Neighbor
discovery" and "MAC server"; lab/README.md, "Scenarios")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab import errors
from lab.menus.base import Check, MenuSpec, Props, RouterView

if TYPE_CHECKING:
    from lab.model import Item


def _list_setting(name: str, negatable: bool) -> Check:
    """A setting that names one interface list (builtin ones too), `!list` where the tree allows it."""

    def check(router: RouterView, props: Props, current: Item | None) -> None:
        value = props.get(name, "")
        wanted = value.removeprefix("!") if negatable else value
        if value and wanted not in router.names("interface-list"):
            raise errors.no_match(name)

    return check


DISCOVERY = MenuSpec(
    path="ip/neighbor/discovery-settings",
    single=True,
    defaults={
        "discover-interface-list": "!dynamic",
        "discover-interval": "30s",
        "mode": "tx-and-rx",
        "protocol": "cdp,lldp,mndp",
    },
    kinds={"discover-interface-list": "text", "discover-interval": "duration", "protocol": "enum-list"},
    check=_list_setting("discover-interface-list", negatable=True),
)

MAC_SERVER = MenuSpec(
    path="tool/mac-server",
    single=True,
    defaults={"allowed-interface-list": "all"},
    kinds={"allowed-interface-list": "text"},
    check=_list_setting("allowed-interface-list", negatable=False),
)

MAC_WINBOX = MenuSpec(
    path="tool/mac-server/mac-winbox",
    single=True,
    defaults={"allowed-interface-list": "all"},
    kinds={"allowed-interface-list": "text"},
    check=_list_setting("allowed-interface-list", negatable=False),
)

SPECS = (DISCOVERY, MAC_SERVER, MAC_WINBOX)

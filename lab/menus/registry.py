"""Every menu the lab emulates, by path, and what a reference of each kind points at."""

from __future__ import annotations

from lab.menus import (
    certificates,
    dhcp_server,
    environment,
    fetch,
    interface,
    ip,
    neighbor,
    system,
    tool,
    user,
)
from lab.menus.base import MenuSpec

SPECS: dict[str, MenuSpec] = {
    spec.path: spec
    for module in (interface, ip, dhcp_server, neighbor, system, environment, certificates, tool, fetch, user)
    for spec in module.SPECS
}

# A reference of this kind must name an item of this menu.
REFERENCE_MENUS = {
    "interface": "interface",
    "interface-list": "interface/list",
    "user-group": "user/group",
    "certificate": "certificate",
    "ip-pool": "ip/pool",
}

# Names a reference accepts although no item carries them.
BUILTIN_NAMES: dict[str, set[str]] = {"certificate": {"none"}, "ip-pool": {"none", "static-only"}}


def kind_of(spec: MenuSpec) -> str | None:
    """What kind of reference names an item of this menu, if any (a rename must follow into them)."""
    for kind, path in REFERENCE_MENUS.items():
        if SPECS[path].storage == spec.storage:
            return kind
    return None

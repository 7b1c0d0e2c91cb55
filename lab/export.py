"""`/export` and `/export terse`: the configuration as RouterOS console commands that rebuild it.

Only what differs from factory defaults is written, in the order RouterOS writes its sections, so that
importing the text into a router fresh from factory defaults reproduces the configuration. A menu's own
`export` (`/ip firewall export`) writes the sections of that menu and the menus below it. Sensitive
properties (wifi passphrases) are left out unless `show-sensitive` is given, as RouterOS 7 does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lab.menus import registry
from lab.menus.base import MenuSpec, Props
from lab.model import Item
from lab.router import Router

# Printed by the API, never written back by a console command.
_COMPUTED = {
    ".id",
    "dynamic",
    "invalid",
    "running",
    "slave",
    "actual-mtu",
    "actual-interface",
    "network",
    "status",
    "active",
    "static",
    "inactive",
    "bytes",
    "packets",
    "run-count",
    "last-started",
    "creation-time",
    "owner",
    "mac-address",
    "default-name",
    "builtin",
    "default",
    "dhcp",
    "since",
    "done-tests",
    "failed-tests",
    "size",
    "last-modified",
    "expired",
    "private-key",
    "fingerprint",
    "invalid-before",
    "invalid-after",
    "issuer",
    "ca",
    "common-name",
    "pem",
    "l2mtu",
}


@dataclass(frozen=True)
class Section:
    path: str
    # How an existing entry is addressed: "" for single-value menus, else the property that finds it.
    find_by: str = ""
    adds: bool = True


# RouterOS writes sections roughly from layer 2 up; references must exist before they are used.
SECTIONS = (
    Section("interface/bridge"),
    Section("interface/ethernet", find_by="default-name", adds=False),
    Section("interface/wifi", find_by="default-name", adds=False),
    Section("interface/list"),
    Section("interface/bridge/port"),
    Section("interface/list/member"),
    Section("ip/pool"),
    Section("ip/dhcp-server"),
    Section("ip/neighbor/discovery-settings", find_by=""),
    Section("certificate/settings", find_by=""),
    Section("ip/address"),
    Section("ip/dhcp-client"),
    Section("ip/dhcp-server/network"),
    Section("ip/dns", find_by=""),
    Section("ip/dns/static"),
    Section("ip/firewall/address-list"),
    Section("ip/firewall/filter"),
    Section("ip/firewall/nat"),
    Section("ip/route"),
    Section("ip/service", find_by="name", adds=False),
    Section("system/clock", find_by=""),
    Section("system/identity", find_by=""),
    Section("system/ntp/client", find_by=""),
    Section("system/logging"),
    Section("system/scheduler"),
    Section("system/script"),
    Section("tool/mac-server", find_by=""),
    Section("tool/mac-server/mac-winbox", find_by=""),
    Section("tool/netwatch"),
    Section("user/group"),
)

# Registered menus whose rows no export writes: /interface's rows are written by its views (ethernet, wifi,
# bridge); the others hold activity, computed state, files or certificates, which RouterOS keeps out of an
# export, or users (the lab's choice, see lab/README.md).
NOT_EXPORTED = frozenset(
    {
        "interface",
        "log",
        "system/script/job",
        "system/script/environment",
        "system/resource",
        "certificate",
        "certificate/builtin",
        "file",
        "tool",
        "user",
    }
)
# Written only with `show-sensitive` (RouterOS 7 hides sensitive values by default).
SENSITIVE = frozenset({"security.passphrase", "security.eap-password"})

# `!` too: RouterOS writes a negated matcher bare (`in-interface-list=!LAN`, `connection-nat-state=!dstnat`).
_BARE = re.compile(r"[A-Za-z0-9_.:/,*+@!-]+")


def quote(value: str) -> str:
    """A value as the console reads it back: bare when safe, else quoted with RouterOS escapes."""
    if value and _BARE.fullmatch(value):
        return value
    escaped = []
    for character in value:
        if character in '"\\$?':
            escaped.append("\\" + character)
        elif character == "\n":
            escaped.append("\\n")
        elif character == "\r":
            escaped.append("\\r")
        elif character == "\t":
            escaped.append("\\t")
        elif " " <= character <= "~":
            escaped.append(character)
        else:
            escaped.extend(f"\\{byte:02X}" for byte in character.encode("utf-8", errors="surrogateescape"))
    return '"' + "".join(escaped) + '"'


def _console_value(value: str) -> str:
    return {"true": "yes", "false": "no"}.get(value, value)


def _changed(spec: MenuSpec, props: Props, factory: Props, sensitive: bool = False) -> Props:
    changed: Props = {}
    for name, value in props.items():
        if name in _COMPUTED or name in spec.secret or (name == "type" and spec.storage == "interface"):
            continue
        if name in SENSITIVE and not sensitive:
            continue
        baseline = factory.get(name, spec.defaults.get(name))
        if value != baseline:
            changed[name] = value
    return changed


def _words(props: Props) -> str:
    return " ".join(f"{name}={quote(_console_value(value))}" for name, value in props.items())


def _factory_items(router: Router, spec: MenuSpec) -> dict[str, Props]:
    """Factory entries of the menu's table (interface views share the one table /interface fills)."""
    owners = [s for s in registry.SPECS.values() if s.storage == spec.storage and s.initial is not None]
    if not owners or owners[0].initial is None:
        return {}
    key = "default-name" if spec.storage == "interface" else "name"
    return {props.get(key, ""): props for props in owners[0].initial(router)}


def _section_lines(router: Router, section: Section, sensitive: bool) -> list[str]:
    spec = router.spec(section.path)
    if spec.single:
        initial = {k: v for props in (spec.initial(router) if spec.initial else []) for k, v in props.items()}
        changed = _changed(spec, router.state.single(spec.storage), initial, sensitive)
        return [f"set {_words(changed)}"] if changed else []
    lines: list[str] = []
    factory = _factory_items(router, spec)
    items: list[Item] = [i for i in router.items(spec) if not i.dynamic]
    for item in items:
        key = item.props.get(section.find_by, "") if section.find_by else ""
        if key and key in factory:
            changed = _changed(spec, item.props, factory[key], sensitive)
            if changed:
                finder = (
                    f"[ find {section.find_by}={quote(key)} ]" if section.find_by != "name" else quote(key)
                )
                lines.append(f"set {finder} {_words(changed)}")
        elif section.adds and not _is_factory_entry(spec, item):
            lines.append(f"add {_words(_changed(spec, item.props, {}, sensitive))}")
    return lines


def _is_factory_entry(spec: MenuSpec, item: Item) -> bool:
    return (
        item.props.get("builtin") == "true"
        or item.props.get("default") == "true"
        or (spec.path == "user/group" and item.props.get("name") in ("read", "write", "full"))
    )


def _below(path: str, menu: str) -> bool:
    return not menu or path == menu or path.startswith(menu + "/")


def exportable(menu: str) -> bool:
    """Whether the lab writes the whole configuration of `menu` (a path, "" for the root) and the menus below
    it: every registered menu there is a section or one no export writes. A menu the lab does not register
    holds no configuration in the lab, so its export is rightly empty."""
    sections = {section.path for section in SECTIONS}
    return all(path in sections or path in NOT_EXPORTED for path in registry.SPECS if _below(path, menu))


def export(router: Router, terse: bool = False, menu: str = "", sensitive: bool = False) -> str:
    """The export of the whole configuration, or of `menu` and the menus below it."""
    with router.lock:
        header = [f"# {router.clock.stamp()} by RouterOS {router.version}", "# software id = LAB-0000", "#"]
        body: list[str] = []
        for section in SECTIONS:
            if not _below(section.path, menu):
                continue
            lines = _section_lines(router, section, sensitive)
            if not lines:
                continue
            heading = "/" + section.path.replace("/", " ")
            if terse:
                body.extend(f"{heading} {line}" for line in lines)
            else:
                body.append(heading)
                body.extend(lines)
    return "\n".join(header + body) + "\n"

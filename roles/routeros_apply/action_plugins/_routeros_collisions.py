"""What on a router collides with the plan, and the hand-made Telegram alerting on it, found from the reads
the dry pass already made.

The roles own only entries with the marker in their comment (`restrict`), so an entry made by hand or by
RouterOS's factory configuration is invisible to api_modify: the plan would add a second masquerade, or the
router would refuse a port already in another bridge halfway through a run. A plan entry says what collides
on its path (`collide`); each collision either stops the run before any write, naming the entry and the
setting that resolves it, or, when adopted, the entry gets the planned comment (so the marker) and is managed
from then on. Scripts, schedules and Netwatch entries made by hand that call the Telegram Bot API are found
when a plan entry asks (`handmade_alerting`): always reported (a token there is in clear text), removed when
asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean

# Properties that name an interface: an existing entry is compared under the names the plan gives its ports.
_INTERFACE_FIELDS = ("interface", "in-interface", "out-interface")
# Where a hand-made alert lives: the script text of each path's entries.
_SCRIPT_FIELDS = {
    "system script": ("source",),
    "system scheduler": ("on-event",),
    "tool netwatch": ("up-script", "down-script", "test-script"),
}
_TELEGRAM = re.compile(r"api\.telegram\.org|/bot[0-9]{5,}:", re.IGNORECASE)
_TOKEN = re.compile(r"[0-9]{8,10}:[A-Za-z0-9_-]{35}")
_SRCNAT_ACTIONS = ("masquerade", "src-nat")


@dataclass
class Collision:
    path: str
    existing: dict[str, Any]
    planned: dict[str, Any]
    keys: tuple[str, ...]

    def describe(self) -> str:
        shown = {key: self.existing.get(key) for key in self.keys if self.existing.get(key) is not None}
        return (
            f"{self.path}: the entry {self.existing.get('.id')} "
            f"{_show({**shown, 'comment': self.existing.get('comment', '')})} collides with the planned "
            f"{_show({key: self.planned.get(key) for key in self.keys if self.planned.get(key) is not None})}"
        )


@dataclass
class Handmade:
    """A hand-made entry that calls the Telegram Bot API; `token`: a bot token is in it, in clear text."""

    path: str
    entry: dict[str, Any]
    token: bool
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = str(self.entry.get("name") or self.entry.get("host") or self.entry.get(".id"))

    def describe(self) -> str:
        return f"{self.path} {self.name!r} ({self.entry.get('.id')})"


def _show(values: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{key}={value!r}" for key, value in values.items()) + "}"


def _owned(row: dict[str, Any], entry: dict[str, Any]) -> bool:
    """Whether the plan entry's `restrict` already takes this row (then api_modify manages it)."""
    for rule in entry.get("restrict") or []:
        value = row.get(rule["field"])
        if rule.get("values") is not None and str(value) not in [str(v) for v in rule["values"]]:
            return False
        if rule.get("regex") is not None and not re.match(str(rule["regex"]), str(value or "")):
            return False
    return bool(entry.get("restrict"))


def renames(plan: list[dict[str, Any]], reads: dict[tuple[str, ...], list[dict[str, Any]]]) -> dict[str, str]:
    """Each port's name now -> the name the plan gives it, so that an existing entry on `ether1` is compared
    with a planned one on `ether1-isp` when the plan renames ether1."""
    wanted = {
        str(row["default-name"]): str(row["name"])
        for entry in plan
        if entry["path"] == "interface ethernet"
        for row in entry.get("data") or []
        if row.get("name") is not None and row.get("default-name") is not None
    }
    return {
        str(row.get("name")): wanted[str(row.get("default-name"))]
        for row in reads.get(("interface", "ethernet"), [])
        if str(row.get("default-name")) in wanted
    }


def _value(row: dict[str, Any], key: str, names: dict[str, str]) -> str:
    value = str(row.get(key) or "")
    if key in _INTERFACE_FIELDS:
        return names.get(value, value)
    if key == "address":
        return value.split("/", maxsplit=1)[0]
    return value


def _collides(
    kind: str, keys: tuple[str, ...], row: dict[str, Any], planned: dict[str, Any], names: dict[str, str]
) -> bool:
    if kind == "srcnat":
        # A hand-made source NAT that already covers the planned rule's way out: the same out-interface and
        # list, or none at all (it covers every way out).
        if planned.get("chain") != "srcnat" or planned.get("action") not in _SRCNAT_ACTIONS:
            return False
        if row.get("chain") != "srcnat" or row.get("action") not in _SRCNAT_ACTIONS:
            return False
        if not any(row.get(key) for key in keys):
            return True
    return all(_value(row, key, names) == _value(planned, key, {}) for key in keys)


def find(
    plan: list[dict[str, Any]], reads: dict[tuple[str, ...], list[dict[str, Any]]], split: Any
) -> list[Collision]:
    """Every unowned, non-dynamic entry that collides with a planned one, per plan entry's `collide`."""
    names = renames(plan, reads)
    found: list[Collision] = []
    for entry in plan:
        spec = entry.get("collide")
        if not spec:
            continue
        keys = tuple(str(key) for key in spec["keys"])
        kind = str(spec.get("kind", "same"))
        for row in reads.get(tuple(split(entry["path"])), []):
            if boolean(row.get("dynamic", False)) or boolean(row.get("builtin", False)) or _owned(row, entry):
                continue
            for planned in entry.get("data") or []:
                if _collides(kind, keys, row, planned, names):
                    found.append(Collision(entry["path"], row, planned, keys))
                    break
    return found


def adopted(setting: Any, path: str) -> bool:
    """`routeros_apply_adopt`: true (every path), false, or a list of the paths whose collisions to adopt."""
    if isinstance(setting, list):
        return path in setting
    return boolean(setting)


def check_setting(setting: Any, known: Any) -> None:
    """`routeros_apply_adopt` is true, false or a list of paths community.routeros knows (`known(path)`)."""
    if isinstance(setting, list):
        unknown = [path for path in setting if not known(str(path))]
        if unknown:
            raise AnsibleActionFail(
                f"routeros_apply_adopt: {unknown!r} is not valid; expected true, false or a list of paths, "
                "such as ['ip firewall nat', 'interface bridge port']"
            )
        return
    try:
        boolean(setting)
    except TypeError:
        raise AnsibleActionFail(
            f"routeros_apply_adopt: {setting!r} is not valid; expected true, false or a list of paths"
        ) from None


def _count(collisions: list[Collision]) -> str:
    return "1 entry collides" if len(collisions) == 1 else f"{len(collisions)} entries collide"


def refusal(collisions: list[Collision], found: list[Handmade]) -> str:
    """The run's failure: each collision and the settings that resolve it; hand-made Telegram alerting among
    them is named as such, and any token it exposed is reported even though the run stops."""
    paths = list(dict.fromkeys(c.path for c in collisions))
    alerting = {(item.path, item.entry.get(".id")) for item in found}
    described = [
        c.describe()
        + (
            " (hand-made Telegram alerting: routeros_alerting_remove_handmade: true removes it)"
            if (c.path, c.existing.get(".id")) in alerting
            else ""
        )
        for c in collisions
    ]
    message = (
        f"{_count(collisions)} on the router, not made by this toolkit, with the plan; nothing "
        f"was written: {'; '.join(described)}. To take them over (they get the planned comment, with the "
        "ownership marker, and are managed from then on) set routeros_apply_adopt: true, or list their "
        f"paths: routeros_apply_adopt: {paths!r}; or remove them from the router"
    )
    return " ".join([message, *(f"Also: {text}." for text in warnings(found, remove=False))])


def handmade(plan: list[dict[str, Any]], read: Any) -> tuple[list[Handmade], bool]:
    """Hand-made entries calling the Telegram Bot API on the paths a plan entry's `handmade_alerting` names,
    and whether to remove them. `read(path)` prints a path (once per run, from the dry pass's reads)."""
    specs = [entry["handmade_alerting"] for entry in plan if entry.get("handmade_alerting")]
    if not specs:
        return [], False
    marker = re.compile(str(specs[0]["marker"]))
    found: list[Handmade] = []
    for path, fields in _SCRIPT_FIELDS.items():
        for row in read(path):
            if re.match(marker, str(row.get("comment") or "")) or boolean(row.get("dynamic", False)):
                continue
            text = "\n".join(str(row.get(key) or "") for key in fields)
            if _TELEGRAM.search(text):
                found.append(Handmade(path, row, bool(_TOKEN.search(text))))
    # A schedule or Netwatch entry that only runs a hand-made alerting script is part of that alerting too.
    scripts = {item.name for item in found if item.path == "system script"}
    for path in ("system scheduler", "tool netwatch"):
        for row in read(path):
            if any(item.entry is row for item in found) or re.match(marker, str(row.get("comment") or "")):
                continue
            text = " ".join(str(row.get(key) or "") for key in _SCRIPT_FIELDS[path])
            if any(re.search(rf"(^|[\s;{{]){re.escape(name)}($|[\s;}}])", text) for name in scripts):
                found.append(Handmade(path, row, False))
    return found, any(boolean(spec.get("remove", False)) for spec in specs)


def redacted(entry: dict[str, Any]) -> dict[str, Any]:
    """A hand-made entry as the diff shows it: any bot token in it hidden, as from every other output."""
    return {
        key: _TOKEN.sub("<bot token hidden>", value) if isinstance(value, str) else value
        for key, value in entry.items()
    }


def warnings(found: list[Handmade], remove: bool) -> list[str]:
    if not found:
        return []
    leaked = [item.describe() for item in found if item.token]
    listed = ", ".join(item.describe() for item in found)
    what = (
        f"hand-made Telegram alerting removed: {listed}"
        if remove
        else f"hand-made Telegram alerting found, left in place (alerts may go out twice): {listed}; set "
        "routeros_alerting_remove_handmade: true to remove it"
    )
    if leaked:
        what += (
            f". A bot token is written in clear text in {', '.join(leaked)}: it was exposed to everyone who "
            "can read the router's configuration or its exports; revoke it with @BotFather (/revoke) and put "
            "the new one in the vault"
        )
    return [what]

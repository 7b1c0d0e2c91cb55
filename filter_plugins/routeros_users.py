"""RouterOS groups and users from the inventory (roles/routeros_users): checks, `data` for api_modify, and the
guard that keeps the play and the router reachable.

Users and groups the toolkit creates carry the owner marker in their comment; only those are updated or
removed. Passwords pass through here into the plan and are never part of a message.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ansible.errors import AnsibleFilterError


def _sibling(name: str) -> ModuleType:
    """Ansible loads each filter file on its own, so a shared module is loaded by path."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    if spec is None or spec.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_data = _sibling("routeros_data")
_validate = _sibling("routeros_validate")

# Every policy a RouterOS 7 group can hold (manual, User: "User Groups"), in the order the router lists them.
POLICIES = (
    "local",
    "telnet",
    "ssh",
    "ftp",
    "reboot",
    "read",
    "write",
    "policy",
    "test",
    "winbox",
    "password",
    "web",
    "sniff",
    "sensitive",
    "api",
    "romon",
    "rest-api",
)
BUILTIN_GROUPS = ("read", "write", "full")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
GROUP_KEYS = ("name", "policy", "comment")
USER_KEYS = ("name", "group", "password", "address", "comment", "disabled")


def policy_text(policies: list[str]) -> str:
    """A group's policy as the router prints it, so a rerun compares equal: the granted ones, then every other
    one denied (`!local`), each in the router's order."""
    granted = set(policies)
    return ",".join([p for p in POLICIES if p in granted] + [f"!{p}" for p in POLICIES if p not in granted])


def check_groups(groups: Any, field: str = "routeros_users_groups") -> Any:
    problems = _validate.Problems()
    names: list[tuple[str, Any]] = []
    for index, entry in enumerate(groups or []):
        path = f"{field}[{index}]"
        if not isinstance(entry, dict):
            problems.add(path, entry, "a dict with name and policy")
            continue
        for key in sorted(set(entry) - set(GROUP_KEYS)):
            problems.add(f"{path}.{key}", entry[key], f"one of the keys {', '.join(GROUP_KEYS)}")
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name) or name in BUILTIN_GROUPS:
            problems.add(
                f"{path}.name", name, "a group name (letters, digits, . _ @ -) other than read, write, full"
            )
        else:
            names.append((f"{path}.name", name))
        policy = entry.get("policy")
        if not isinstance(policy, list) or not policy:
            problems.add(f"{path}.policy", policy, f"a list of policies from {', '.join(POLICIES)}")
        else:
            for position, item in enumerate(policy):
                if item not in POLICIES:
                    problems.add(f"{path}.policy[{position}]", item, f"one of {', '.join(POLICIES)}")
        if entry.get("comment") is not None and not _validate.is_text(entry["comment"]):
            problems.add(f"{path}.comment", entry["comment"], "text without control characters")
    _validate._duplicates(problems, field, names, "group")
    problems.raise_if_any("invalid user groups")
    return groups


def check_users(users: Any, groups: list[str], field: str = "routeros_users_users") -> Any:
    """The password is never part of a message: a bad one is named by its field alone."""
    problems = _validate.Problems()
    names: list[tuple[str, Any]] = []
    known = [*BUILTIN_GROUPS, *groups]
    for index, entry in enumerate(users or []):
        path = f"{field}[{index}]"
        if not isinstance(entry, dict):
            problems.messages.append(f"{path}: is not valid; expected a dict with name, group and password")
            continue
        for key in sorted(set(entry) - set(USER_KEYS)):
            problems.messages.append(
                f"{path}.{key}: is not valid; expected one of the keys {', '.join(USER_KEYS)}"
            )
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            problems.add(f"{path}.name", name, "a user name (letters, digits, . _ @ -)")
        else:
            names.append((f"{path}.name", name))
        if entry.get("group") not in known:
            problems.add(f"{path}.group", entry.get("group"), f"one of {', '.join(known)}")
        password = entry.get("password")
        if not isinstance(password, str) or not password or _validate._CONTROL.search(password):
            problems.messages.append(
                f"{path}.password: is not valid (value hidden); expected a non-empty text from Ansible Vault"
            )
        addresses = entry.get("address")
        if addresses is not None and (
            not isinstance(addresses, list) or not all(_validate.is_prefix(a) for a in addresses)
        ):
            problems.add(f"{path}.address", addresses, "a list of addresses or prefixes A.B.C.D/N")
        if entry.get("comment") is not None and not _validate.is_text(entry["comment"]):
            problems.add(f"{path}.comment", entry["comment"], "text without control characters")
        if entry.get("disabled") is not None and not _validate.is_bool(entry["disabled"]):
            problems.add(f"{path}.disabled", entry["disabled"], "true or false")
    _validate._duplicates(problems, field, names, "user")
    problems.raise_if_any("invalid users")
    return users


def group_data(groups: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    return [
        {
            "name": group["name"],
            "policy": policy_text(group["policy"]),
            "comment": _data.owned_comment(group.get("comment"), marker),
        }
        for group in groups or []
    ]


def user_data(users: list[dict[str, Any]], marker: str) -> list[dict[str, Any]]:
    data = []
    for user in users or []:
        entry: dict[str, Any] = {
            "name": user["name"],
            "group": user["group"],
            "password": user["password"],
            "comment": _data.owned_comment(user.get("comment"), marker),
        }
        if user.get("address") is not None:
            entry["address"] = ",".join(user["address"])
        if user.get("disabled") is not None:
            entry["disabled"] = _data._bool(user["disabled"])
        data.append(entry)
    return data


def guard_users(
    users: list[dict[str, Any]],
    current: list[dict[str, Any]],
    connected: str,
    marker: str,
    field: str = "routeros_users_users",
) -> list[dict[str, Any]]:
    """Refuse, before any write, a plan that would touch the user this play is logged in as (never listed, so
    never changed, demoted or removed) or leave the router without a user of the full group."""
    for index, user in enumerate(users or []):
        if user.get("name") == connected:
            raise AnsibleFilterError(
                f"{field}[{index}].name: {connected!r} is the user this play is logged in as "
                "(routeros_api_bootstrap_username on a first contact); the toolkit never changes, demotes or "
                "removes it: manage it by hand or log in as another full user"
            )
    owned = re.compile(_data.marker_regex(marker))
    # Users without the marker, and the one logged in (the plan's `restrict` leaves it out), stay as they are.
    kept = [
        row
        for row in current or []
        if row.get("name") == connected or not owned.match(str(row.get("comment") or ""))
    ]
    full = [row.get("name") for row in kept if row.get("group") == "full"]
    full += [user["name"] for user in users or [] if user.get("group") == "full"]
    if not full:
        raise AnsibleFilterError(
            f"{field}: after this run no user of the group full would remain (RouterOS needs one); "
            "keep a full user in the list or make one by hand first"
        )
    return users


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "routeros_users_check_groups": check_groups,
            "routeros_users_check_users": check_users,
            "routeros_users_group_data": group_data,
            "routeros_users_user_data": user_data,
            "routeros_users_guard": guard_users,
        }

"""/user and /user/group: who may log in, and with which policies (lab.policies says what each needs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab import errors, policies
from lab.menus.base import MenuSpec, Props, RouterView, Unique

if TYPE_CHECKING:
    from lab.model import Item

# The builtin groups as RouterOS 7 has them (a REST capture of `read`: every policy but ftp, write and policy;
# the manual's /user group print: `write` adds write, `full` has all).
_NOT_READ = {"ftp", "write", "policy"}
BUILTIN_GROUPS = {
    "read": ",".join(p for p in policies.ORDER if p not in _NOT_READ),
    "write": ",".join(p for p in policies.ORDER if p not in _NOT_READ - {"write"}),
    "full": ",".join(policies.ORDER),
}


def _users(router: RouterView) -> list[Props]:
    return [{"name": router.admin_user, "group": "full", "password": router.admin_password}]


def _check_user(router: RouterView, props: Props, current: Item | None) -> None:
    if current is not None and current.props.get("name") != props.get("name"):
        return
    if current is not None and props.get("group") != "full" and current.props.get("group") == "full":
        full = [u for u in router.items(router.spec("user")) if u.props.get("group") == "full"]
        if len(full) == 1:
            raise errors.failure("can not remove last full user")


USER = MenuSpec(
    path="user",
    defaults={
        "address": "",
        "disabled": "false",
        "expired": "false",
        "inactivity-timeout": "10m",
        "inactivity-policy": "none",
    },
    kinds={"address": "address-list", "password": "text", "inactivity-timeout": "duration"},
    refs={"group": "user-group"},
    unique=(Unique(("name",), "user with the same name already exists"),),
    check=_check_user,
    initial=_users,
    secret=frozenset({"password"}),
)


def _check_group(router: RouterView, props: Props, current: Item | None) -> None:
    if current is not None and current.props.get("name") in BUILTIN_GROUPS:
        raise errors.failure("can not change builtin group")
    policies.check(props.get("policy", ""))


def _group_derive(router: RouterView, item: Item) -> Props:
    return {"policy": policies.printed(policies.granted(item.props.get("policy", "")))}


USER_GROUP = MenuSpec(
    path="user/group",
    unnamed="refuse",
    defaults={"skin": "default"},
    # `!name` forms are policies too (lab.policies); the command tree's list holds only the bare names.
    kinds={"policy": "text"},
    unique=(Unique(("name",), "group with the same name already exists"),),
    check=_check_group,
    derive=_group_derive,
    initial=lambda router: [{"name": n, "policy": p} for n, p in BUILTIN_GROUPS.items()],
    protect=lambda item: "can not remove builtin group" if item.props.get("name") in BUILTIN_GROUPS else None,
)

SPECS = (USER, USER_GROUP)

"""/user and /user/group: who may log in, and with which policies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab import errors
from lab.menus.base import MenuSpec, Props, RouterView, Unique

if TYPE_CHECKING:
    from lab.model import Item

_CONSOLE = "local,telnet,ssh,ftp,reboot,read,write,policy,test,winbox,password,web"
FULL = f"{_CONSOLE},sniff,sensitive,api,romon,rest-api"
READ = "local,telnet,ssh,reboot,read,test,winbox,password,web,sniff,api,romon,rest-api"
WRITE = "local,telnet,ssh,reboot,read,write,test,winbox,password,web,sniff,api,romon,rest-api"
BUILTIN_GROUPS = {"read": READ, "write": WRITE, "full": FULL}


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


USER_GROUP = MenuSpec(
    path="user/group",
    unnamed="refuse",
    defaults={"skin": "default"},
    kinds={"policy": "enum-list"},
    unique=(Unique(("name",), "group with the same name already exists"),),
    check=_check_group,
    initial=lambda router: [{"name": n, "policy": p} for n, p in BUILTIN_GROUPS.items()],
    protect=lambda item: "can not remove builtin group" if item.props.get("name") in BUILTIN_GROUPS else None,
)

SPECS = (USER, USER_GROUP)

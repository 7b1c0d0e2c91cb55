"""One run at a time per router: a lock the router itself holds, so it works across controllers.

The lock is the file `routeros-apply.lock` on the router, created with `/file add`: a router holds one file
per name and refuses to create a second (the lab answers `failure: file already exists`), so of two runs that
try at once exactly one gets it. The file names its holder (controller, user, process, since when, until
when) and is read back after the add, so a router that let a second add through without creating it still has
one holder. Files are not part of `/export`, so the lock never lands in a backup's export.

A run that died leaves its lock behind: the lock says when it expires (the holder's clock), after which the
next run removes it by its id and takes the router.
"""

from __future__ import annotations

import datetime
import getpass
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from ansible.errors import AnsibleActionFail
from librouteros.exceptions import LibRouterosError
from librouteros.query import Key

NAME = "routeros-apply.lock"
# How often a waiting run looks again.
_POLL = 1.0


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def _read(api: Any) -> dict[str, Any] | None:
    rows = list(api.path("file").select(Key(".id"), Key("name"), Key("contents")).where(Key("name") == NAME))
    return rows[0] if rows else None


def _holder(row: dict[str, Any]) -> dict[str, Any]:
    try:
        holder = json.loads(str(row.get("contents", "")))
    except ValueError:
        holder = None
    return holder if isinstance(holder, dict) else {}


def _expired(holder: dict[str, Any]) -> bool:
    """A lock without a readable expiry was not written by this toolkit: it never expires by itself."""
    try:
        return datetime.datetime.fromisoformat(str(holder["expires"])) <= _now()
    except (KeyError, ValueError, TypeError):
        return False


def _describe(holder: dict[str, Any]) -> str:
    if not holder:
        return "a file of that name this toolkit did not write"
    return (
        f"controller {holder.get('controller')}, user {holder.get('user')}, process {holder.get('pid')}, "
        f"since {holder.get('since')}"
    )


def _acquire(api: Any, host: str, wait: int, mine: str) -> None:
    deadline = time.monotonic() + wait
    missing = 0
    while True:
        try:
            api.path("file").add(name=NAME, contents=mine)
        except LibRouterosError as error:
            refusal: LibRouterosError | None = error
        else:
            refusal = None
        current = _read(api)
        if current is not None and str(current.get("contents", "")) == mine:
            return
        if current is None:
            # Released between our add and our read: try again; no lock to show thrice is the router's doing.
            missing += 1
            if missing > 2:
                raise AnsibleActionFail(
                    f"{host}: the run lock /file {NAME} could not be created on the router: "
                    f"{refusal or 'the file did not appear'}; the API user needs the ftp policy to write "
                    "files"
                )
            continue
        holder = _holder(current)
        if _expired(holder):
            # By its id: if another waiter already replaced it, this removes nothing of theirs.
            with suppress(LibRouterosError):
                api.path("file").remove(str(current[".id"]))
            continue
        if time.monotonic() >= deadline:
            until = (
                f"it expires at {holder['expires']} (routeros_apply_lock_expire)"
                if "expires" in holder
                else "it never expires by itself"
            )
            raise AnsibleActionFail(
                f"{host}: another run is changing this router ({_describe(holder)}); waited {wait} s "
                f"(routeros_apply_lock_wait) and changed nothing. If that run has died, {until}, or remove "
                f"the lock on the router: /file remove {NAME}"
            )
        time.sleep(_POLL)


def _release(api: Any, mine: str) -> None:
    """Only our own lock; if the session is gone the lock stays until it expires."""
    try:
        current = _read(api)
        if current is not None and str(current.get("contents", "")) == mine:
            api.path("file").remove(str(current[".id"]))
    except (LibRouterosError, OSError):
        pass


@contextmanager
def held(api: Any, host: str, settings: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The router's run lock, waited for at most `wait` seconds, for the time of the block."""
    wait = int(settings.get("wait", 120))
    expire = int(settings.get("expire", 900))
    if wait < 0 or expire < 1:
        raise AnsibleActionFail(
            f"routeros_apply_lock_wait: {wait!r}, routeros_apply_lock_expire: {expire!r} are not valid; "
            "expected a wait of 0 or more seconds and an expiry of 1 or more"
        )
    since = _now()
    holder = {
        "run": uuid.uuid4().hex,
        "controller": socket.gethostname(),
        "user": getpass.getuser(),
        # The ansible-playbook process: the worker running this action is its child.
        "pid": os.getppid(),
        "since": since.isoformat(),
        "expires": (since + datetime.timedelta(seconds=expire)).isoformat(),
    }
    mine = json.dumps(holder, sort_keys=True)
    _acquire(api, host, wait, mine)
    try:
        yield holder
    finally:
        _release(api, mine)

"""User policies (manual, User: "User Groups"): what a group's `policy` list grants, how the router prints it,
and which policies a command needs, for every front end (API, SSH console, scripts).

Pure functions: the router, the menus and the script engine all ask this module.
"""

from __future__ import annotations

from lab import errors

# The order RouterOS prints policies in (its internal order, as /user group print shows it).
ORDER = (
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
_READING = frozenset({"print", "get", "find", "export"})


def granted(text: str) -> frozenset[str]:
    """The policies a `policy` value grants: `read,write,api`, or the router's printed form with `!name` for
    each policy not granted (`!name` takes a policy away, so both forms read the same)."""
    parts = [part for part in text.split(",") if part]
    given = {part for part in parts if not part.startswith("!")}
    taken = {part[1:] for part in parts if part.startswith("!")}
    return frozenset(given - taken)


def check(text: str) -> None:
    """Refuses a policy list naming something that is no policy, as the router refuses it."""
    for part in (part for part in text.split(",") if part):
        if part.removeprefix("!") not in ORDER:
            raise errors.no_match("policy")


def printed(policies: frozenset[str]) -> str:
    """As RouterOS 7 prints a group: the granted policies in its order, then `!name` for every other one (a
    REST capture of the builtin read group: `local,telnet,...,rest-api,!ftp,!write,!policy`)."""
    given = [name for name in ORDER if name in policies]
    return ",".join(given + [f"!{name}" for name in ORDER if name not in policies])


def required(path: str, command: str) -> frozenset[str]:
    """The policies a command of the menu at `path` needs (manual, User: the policy list's descriptions):
    reading needs read, changing needs write; files also need ftp ("to read/write/erase files ... together
    with read/write policies"); users and groups need policy to change; reboot and shutdown need reboot;
    fetch needs test beside read and write."""
    if path == "system" and command in ("reboot", "shutdown"):
        return frozenset({"reboot"})
    if path == "tool" and command == "fetch":
        return frozenset({"read", "write", "test"})
    if path == "file" or path.startswith("file/"):
        reading = command in _READING or command == "read"
        return frozenset({"read" if reading else "write", "ftp"})
    if command in _READING or (path == "system/script" and command == "run"):
        return frozenset({"read"})
    if path == "user" or path.startswith("user/"):
        return frozenset({"write", "policy"})
    return frozenset({"write"})

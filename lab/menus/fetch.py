"""/tool fetch: a command on the /tool menu, arguments checked against the tree; lab.fetch does the work."""

from __future__ import annotations

from lab import errors, fetch
from lab.menus.base import MenuSpec, Props, RouterView, convert
from lab.schema import tree

# Flags the API sends with an empty value; they shape the answer, not the transfer.
_FLAGS = ("as-value", "once", "without-paging")


def _fetch(router: RouterView, args: Props) -> list[Props]:
    command = tree().command(TOOL.segments, "fetch")
    if command is None:
        raise errors.no_such_command()
    clean: Props = {}
    for name, raw in args.items():
        argument = command.arguments.get(name)
        if argument is None:
            raise errors.unknown_parameter(name)
        clean[name] = raw if name in _FLAGS else convert(TOOL, argument, name, raw)
    # The API shows the final progress line as one row; a script's `as-value` turns it into an array.
    return [fetch.run(router, clean)]


TOOL = MenuSpec(
    path="tool",
    kinds={
        "check-certificate": "enum",
        "http-method": "enum",
        "mode": "enum",
        "output": "enum",
        "http-data": "text",
        "http-header-field": "text",
        "url": "text",
        "duration": "duration",
        # Result properties, not arguments: what was downloaded is text to a script (`data` = "42" is a str).
        "data": "text",
        "http-headers": "text",
    },
    commands={"fetch": _fetch},
    # What lab.fetch carries out; the tree's other arguments (user, password, upload, src-address, host,
    # http-auth-scheme, http-content-encoding, http-max-redirect-count, certificate, ascii, proplist) are
    # refused.
    options={
        "fetch": frozenset(
            {
                "address",
                "as-value",
                "check-certificate",
                "dst-path",
                "duration",
                "http-data",
                "http-header-field",
                "http-method",
                "http-percent-encoding",
                "idle-timeout",
                "keep-result",
                "mode",
                "once",
                "output",
                "port",
                "src-path",
                "url",
                "without-paging",
            }
        )
    },
    unlocked=frozenset({"fetch"}),
)

SPECS = (TOOL,)

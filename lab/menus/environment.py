"""/system/script/environment: the global variables of the user who asks, read from the script engine.

The manual (Scripting, "Environment"): it "contains all user-defined variables and their assigned values",
with the read-only properties name, user and value; Scripting Tips and Tricks removes variables with
`/system script environment remove`. The rows are the script engine's globals (lab.jobs.Environment) of the
acting user (lab.jobs.acting_user: the API user, or the user a script runs as), so they are not router
state: a reboot clears them with the engine's globals, and `ctl dump` shows none. `set value=` types the
text as a script types a word (`123` is a num), as the API manual says the engine determines the type.
"""

from __future__ import annotations

from lab import errors, jobs
from lab.menus.base import MenuSpec, Props, RouterView
from lab.schema import tree

PATH = "system/script/environment"
_ID_WORDS = (".id", "numbers", "number")


def _caller(router: RouterView) -> str:
    return jobs.acting_user() or router.admin_user


def _rows(router: RouterView) -> list[Props]:
    environment = router.script_jobs.environment
    if environment is None:
        return []
    rows: list[Props] = []
    for item_id, name, value in environment.variables(_caller(router)):
        row: Props = {".id": item_id, "name": name}
        if value is not None:
            row["value"] = value
        rows.append(row)
    return rows


def _check_arguments(command: str, args: Props) -> None:
    found = tree().command(tuple(PATH.split("/")), command)
    known = found.arguments if found is not None else {}
    for name in args:
        if name not in known and name not in _ID_WORDS:
            raise errors.unknown_parameter(name)


def _references(args: Props) -> list[str]:
    for word in _ID_WORDS:
        if word in args:
            return [part for part in args[word].split(",") if part]
    raise errors.missing_value("numbers")


def _resolve(router: RouterView, reference: str) -> Props:
    for row in _rows(router):
        if reference in (row[".id"], row["name"]):
            return row
    raise errors.no_such_item()


def _print(router: RouterView, args: Props) -> list[Props]:
    _check_arguments("print", args)
    return _rows(router)


def _find(router: RouterView, args: Props) -> str:
    _check_arguments("find", args)
    return ";".join(row[".id"] for row in _rows(router))


def _get(router: RouterView, args: Props) -> str:
    _check_arguments("get", args)
    references = _references(args)
    if not references:
        raise errors.no_such_item()
    row = _resolve(router, references[0])
    name = args.get("value-name", "")
    if name == "value" and "value" not in row:
        raise errors.not_supported(f"the value of {row['name']}, a function (RouterOS shows it compiled)")
    if name not in row:
        raise errors.no_match("value-name")
    return row[name]


def _remove(router: RouterView, args: Props) -> None:
    _check_arguments("remove", args)
    environment = router.script_jobs.environment
    rows = [_resolve(router, reference) for reference in _references(args)]
    for row in rows:
        if environment is not None:
            environment.remove(_caller(router), row["name"])


def _comment(router: RouterView, args: Props) -> None:
    raise errors.not_supported("/system/script/environment comment")


def _set(router: RouterView, args: Props) -> None:
    _check_arguments("set", args)
    if "comment" in args:
        raise errors.not_supported("/system/script/environment comment")
    environment = router.script_jobs.environment
    rows = [_resolve(router, reference) for reference in _references(args)]
    if "value" not in args:
        return
    for row in rows:
        if environment is not None:
            environment.assign(_caller(router), row["name"], args["value"])


ENVIRONMENT = MenuSpec(
    path=PATH,
    kinds={"name": "text", "value": "text"},
    commands={
        "print": _print,
        "find": _find,
        "get": _get,
        "remove": _remove,
        "set": _set,
        "comment": _comment,
    },
    options={
        "print": frozenset(
            {"as-value", "without-paging", "detail", "brief", "terse", "count-only", "proplist"}
        ),
        # Over the API find takes no condition; scripts filter `print as-value`.
        "find": frozenset(),
        "get": frozenset({"value-name", "as-string"}),
        "set": frozenset({"value", "comment"}),
        "comment": frozenset({"comment"}),
    },
)

SPECS = (ENVIRONMENT,)

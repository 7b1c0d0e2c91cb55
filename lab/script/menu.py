"""Menu commands inside scripts (`/ip address add ...`, `[find where ...]`, `get`, `print as-value`), run
through router.execute with arguments in print form, and the policies each one needs.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from lab import values as router_values
from lab.errors import NOT_ENOUGH_PERMISSIONS, CommandError
from lab.jobs import named_run_policies
from lab.menus import registry
from lab.schema import tree
from lab.script import program
from lab.script.properties import property_value, row_value
from lab.script.syntax import Element, Named, StringLit, Word
from lab.script.values import (
    NOTHING,
    ItemId,
    ScriptArray,
    ScriptError,
    Value,
    from_router,
    not_supported,
    to_router,
    to_text,
    tostr,
)

if TYPE_CHECKING:
    from lab.menus.base import Props
    from lab.router import Result
    from lab.script.evaluator import Interpreter
    from lab.script.scope import Scope

_READING = frozenset({"print", "get", "find", "export"})
# Commands whose unnamed arguments name items first, then (for get and unset) a property.
_ITEM_COMMANDS = frozenset({"get", "set", "remove", "enable", "disable", "comment", "unset", "move"})


@cache
def root_commands() -> frozenset[str]:
    return frozenset(tree().commands(()))


def resolves(menu_path: tuple[str, ...], word: str) -> bool:
    """Whether a word starting a line names a menu, or (outside the root) a command of the current one."""
    first = word.split("/", maxsplit=1)[0]
    found = tree().resolve_prefix(menu_path, first)
    if found is None:
        return False
    return tree().is_menu((*menu_path, found)) or bool(menu_path)


def required_policies(path: str, command: str) -> frozenset[str]:
    if path == "system" and command in ("reboot", "shutdown"):
        return frozenset({"reboot"})
    if path == "tool" and command == "fetch":
        return frozenset({"read", "write", "test"})
    if path == "file" or path.startswith("file/"):
        # ftp grants "to read/write/erase files ... together with read/write policies" (manual, User).
        reading = command in _READING or command == "read"
        return frozenset({"read" if reading else "write", "ftp"})
    if command in _READING or (path == "system/script" and command == "run"):
        return frozenset({"read"})
    if path == "user" or path.startswith("user/"):
        return frozenset({"write", "policy"})
    return frozenset({"write"})


def run(
    it: Interpreter, elements: list[Element], scope: Scope, base: tuple[str, ...]
) -> tuple[Value, tuple[str, ...]]:
    """Runs a menu command line; a line that only names a menu returns that menu as the new current one."""
    path = base
    for position, element in enumerate(elements):
        if not isinstance(element, Word):
            raise ScriptError(f"bad command name: expected a menu or command name, found a {element.kind}")
        segments = [part for part in element.text.split("/") if part]
        for number, segment in enumerate(segments):
            if segment == "..":
                path = path[:-1]
                continue
            name = tree().resolve_prefix(path, segment)
            if name is None:
                raise ScriptError(f"bad command name {to_text(segment)} (in /{'/'.join(path)})")
            if tree().is_menu((*path, name)):
                path = (*path, name)
                continue
            if number != len(segments) - 1:
                raise ScriptError(
                    f"bad command name {to_text('/'.join(segments[number + 1 :]))} after {name}"
                )
            return _command(it, path, name, elements[position + 1 :], scope=scope, base=path), base
    return NOTHING, path


def _command(
    it: Interpreter,
    path: tuple[str, ...],
    command: str,
    rest: list[Element],
    *,
    scope: Scope,
    base: tuple[str, ...],
) -> Value:
    """`base` is the command's own menu: `[find]` in an argument searches there (`/ip address set [find]`)."""
    menu = "/".join(path)
    missing = required_policies(menu, command) - it.context.policies
    if missing:
        raise ScriptError(NOT_ENOUGH_PERMISSIONS)
    positional: list[Element] = [element for element in rest if not isinstance(element, Named)]
    named = [element for element in rest if isinstance(element, Named)]
    if command == "find":
        return _find(it, menu, rest, scope, base)
    if command == "print":
        return _print(it, menu, rest, scope, base)
    if menu == "system/script" and command == "run":
        return _run_script(it, positional, named, scope, base)
    args: dict[str, str] = {}
    for element in named:
        args[_key(element)] = _argument(it, element.value, scope, base)
    # Flag arguments (`as-value`, `detail`) are written without a value.
    flags = _flags(menu, command)
    for flag in [e for e in positional if isinstance(e, Word) and to_text(e.text) in flags]:
        args[to_text(flag.text)] = ""
        positional.remove(flag)
    positional_names = _positional_names(menu, command)
    if len(positional) > len(positional_names):
        extra = positional[len(positional_names)]
        raise not_supported(f"an unnamed argument ({extra.kind}) to /{menu}/{command}")
    for name, value in zip(positional_names, positional, strict=False):
        args[name] = _argument(it, value, scope, base)
    if command == "get" and "value-name" not in args:
        return _whole_item(it, menu, args.get("numbers"))
    result = _execute(it, menu, command, args)
    if result.rows is not None and "as-value" in args:
        # A command that reports a row (fetch) gives it to the script as an array of its properties.
        return row_value(menu, result.rows[0]) if result.rows else ScriptArray()
    if result.ret is None:
        return NOTHING
    if command == "get":
        return property_value(menu, args["value-name"], result.ret)
    return from_router(result.ret)


def _flags(menu: str, command: str) -> frozenset[str]:
    """Arguments a bare word may name: flags, and (the command tree does not mark every flag, e.g. fetch's
    as-value) arguments that take no typed value at all."""
    found = tree().command(tuple(menu.split("/")), command)
    if found is None:
        return frozenset()
    return frozenset(
        name
        for name, argument in found.arguments.items()
        if argument.flag or (not argument.type_text and not argument.values and name in _BARE_FLAGS)
    )


_BARE_FLAGS = frozenset({"as-value", "without-paging", "once", "detail", "ascii", "append"})


def _positional_names(menu: str, command: str) -> tuple[str, ...]:
    spec_single = menu in _single_menus()
    if command in ("get", "unset"):
        return ("value-name",) if spec_single else ("numbers", "value-name")
    if command in _ITEM_COMMANDS:
        return () if spec_single else ("numbers",)
    if menu == "log":
        return ("message",)
    return ()


@cache
def _single_menus() -> frozenset[str]:
    return frozenset(path for path, spec in registry.SPECS.items() if spec.single)


def _key(named: Named) -> str:
    return to_text(named.name.text if isinstance(named.name, Word) else named.name.value)


def _argument(it: Interpreter, element: Element | None, scope: Scope, base: tuple[str, ...]) -> str:
    """A bare word goes to the router as written (`address=10.0.0.1/24`); anything else is evaluated first."""
    if element is None:
        return ""
    if isinstance(element, Word):
        return to_text(element.text)
    return to_router(it.value(element, scope, base))


def _execute(it: Interpreter, menu: str, command: str, args: Props) -> Result:
    try:
        return it.context.router.execute(menu, command, args)
    except CommandError as error:
        raise ScriptError(error.message) from None


def _rows(it: Interpreter, menu: str) -> list[Props]:
    result = _execute(it, menu, "print", {})
    return list(result.rows or [])


def _whole_item(it: Interpreter, menu: str, reference: str | None) -> Value:
    rows = _rows(it, menu)
    if reference is None:
        return row_value(menu, rows[0]) if rows else NOTHING
    for row in rows:
        if reference in (row.get(".id"), row.get("name")):
            return row_value(menu, row)
    raise ScriptError("no such item")


# ----- find and print


def _find(it: Interpreter, menu: str, rest: list[Element], scope: Scope, base: tuple[str, ...]) -> Value:
    """`[find]`, `[find name=x]`, `[find where name=x and !disabled]`: one id, or an array of ids."""
    matches = _filter(it, _rows(it, menu), rest, scope, base)
    ids: list[Value] = [ItemId(row[".id"]) for row in matches if ".id" in row]
    if len(ids) == 1:
        return ids[0]
    return ScriptArray(items=ids)


def _print(it: Interpreter, menu: str, rest: list[Element], scope: Scope, base: tuple[str, ...]) -> Value:
    flags = {element.text for element in rest if isinstance(element, Word)}
    if "where" in flags:
        position = next(i for i, e in enumerate(rest) if isinstance(e, Word) and e.text == "where")
        flags, conditions = {e.text for e in rest[:position] if isinstance(e, Word)}, rest[position:]
    else:
        conditions = []
    if not flags & {"as-value", "count-only"} or flags - {"as-value", "count-only", "without-paging"}:
        raise not_supported(
            f"/{menu}/print {' '.join(sorted(flags))} in a script (use print as-value or count-only)"
        )
    rows = _filter(it, _rows(it, menu), conditions, scope, base)
    if "count-only" in flags:
        return len(rows)
    return ScriptArray(items=[row_value(menu, row) for row in rows])


def _filter(
    it: Interpreter, rows: list[Props], elements: list[Element], scope: Scope, base: tuple[str, ...]
) -> list[Props]:
    """Rows matching `name=value` pairs and, after `where`, conditions joined by `and`/`or` (`and` first)."""
    alternatives: list[list[tuple[str, str, str]]] = [[]]
    position = 0
    while position < len(elements):
        element = elements[position]
        position += 1
        if isinstance(element, Named):
            alternatives[-1].append(("=", _key(element), _argument(it, element.value, scope, base)))
        elif isinstance(element, Word) and element.text in ("where", "and", "&&"):
            continue
        elif isinstance(element, Word) and element.text in ("or", "||"):
            alternatives.append([])
        elif isinstance(element, Word) and element.text.endswith("~") and position < len(elements):
            pattern = _argument(it, elements[position], scope, base)
            position += 1
            alternatives[-1].append(("~", element.text[:-1], pattern))
        elif isinstance(element, Word) and re.fullmatch(r"!?[a-z][a-z0-9-]*", element.text):
            negated = element.text.startswith("!")
            alternatives[-1].append(("!" if negated else "?", element.text.lstrip("!"), ""))
        else:
            text = element.text if isinstance(element, Word | StringLit) else element.kind  # type: ignore[union-attr]
            raise not_supported(f"the find/print condition {to_text(str(text))!r}")
    return [
        row for row in rows if any(all(_holds(row, c) for c in conjunction) for conjunction in alternatives)
    ]


def _holds(row: Props, condition: tuple[str, str, str]) -> bool:
    operator, name, expected = condition
    actual = row.get(name)
    if operator == "?":
        return actual == "true"
    if operator == "!":
        return actual != "true"
    if actual is None:
        return False
    if operator == "~":
        return re.search(expected, actual) is not None
    if actual == expected:
        return True
    try:
        return router_values.to_bool(actual) == router_values.to_bool(expected)
    except ValueError:
        return False


# ----- /system script run, inside a script


def _run_script(
    it: Interpreter, positional: list[Element], named: list[Named], scope: Scope, base: tuple[str, ...]
) -> Value:
    """Runs a stored script in this thread as a job of its own under the caller's, with the policies the
    manual's "Script permissions" give it (lab.jobs.named_run_policies)."""
    flag = "use-script-permissions"
    own = any(isinstance(e, Word) and e.text == flag for e in positional)
    references = [e for e in positional if not (isinstance(e, Word) and e.text == flag)]
    for element in named:
        if _key(element) == "number" and element.value is not None:
            references.append(element.value)
        elif _key(element) == flag:
            own = _argument(it, element.value, scope, base) in ("", "yes", "true")
        else:
            raise ScriptError(f"unknown parameter {_key(element)}")
    if len(references) != 1:
        raise ScriptError("/system/script/run takes one script name or id")
    reference = to_text(tostr(it.value(references[0], scope, base)))
    row = next((r for r in _rows(it, "system/script") if reference in (r.get(".id"), r.get("name"))), None)
    if row is None:
        raise ScriptError("no such item")
    policies = named_run_policies(it.context.policies, row, own=own)
    if policies is None:
        raise ScriptError(NOT_ENOUGH_PERMISSIONS)
    return program.run_nested(it, row.get("source", ""), row.get("name", reference), policies)

"""Menu commands inside scripts (`/ip address add ...`, `[find where ...]`, `get`, `print as-value`), run
through router.execute with arguments in print form, and the policies each one needs.

The engine carries out `find` and `print` itself (conditions, console forms), `export` (lab.export) and, in
a script, `/system script run`; everything else is router.execute's, which refuses what the lab does not
implement. `implements` says which commands a script can run, for the command-tree walk in the tests.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from lab import console_print, export
from lab.errors import NOT_ENOUGH_PERMISSIONS, CommandError
from lab.jobs import named_run_policies
from lab.menus import registry
from lab.menus.system import count_run, store_file
from lab.policies import required as required_policies
from lab.router import command_name
from lab.schema import tree
from lab.script import numbering, program
from lab.script.commands import COMMANDS, command
from lab.script.conditions import compile_condition
from lab.script.properties import property_value, row_value
from lab.script.syntax import Brace, Element, Named, SourcedBrace, Word
from lab.script.values import (
    NOTHING,
    ItemId,
    ScriptArray,
    ScriptError,
    Value,
    from_router,
    from_text,
    not_supported,
    to_router,
    to_text,
    tostr,
)

if TYPE_CHECKING:
    from lab.menus.base import Props, Result
    from lab.router import Router
    from lab.script.evaluator import Call, Interpreter
    from lab.script.scope import Scope

# Commands whose unnamed arguments name items first, then (for get and unset) a property.
_ITEM_COMMANDS = frozenset({"get", "set", "remove", "enable", "disable", "comment", "unset", "move"})


@cache
def root_commands() -> frozenset[str]:
    return frozenset(tree().commands(()))


# Commands the engine runs itself on any menu the router emulates (it reads the rows through `print`).
_ENGINE_COMMANDS = frozenset({"find", "print"})


def implements(router: Router, path: tuple[str, ...], command_word: str) -> bool:
    """Whether a script can run `command_word` of the menu at `path`: a root command the engine has (`/put`
    is `:put`), find and print of an emulated menu, export where lab.export writes the whole menu, or a
    command the router implements. Anything else is refused as not supported in the lab."""
    menu = "/".join(path)
    if not path:
        return command_word in COMMANDS
    if command_word in _ENGINE_COMMANDS:
        return router.implements(menu, "print")
    if command_word == "export":
        return tree().command(path, "export") is not None and export.exportable(menu)
    return router.implements(menu, command_word)


def resolves(menu_path: tuple[str, ...], word: str) -> bool:
    """Whether a word starting a line names a menu, or (outside the root) a command of the current one."""
    first = word.split("/", maxsplit=1)[0]
    found = tree().resolve_prefix(menu_path, first)
    if found is None:
        return False
    return tree().is_menu((*menu_path, found)) or bool(menu_path)


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
            if not path:
                # A root command written with `/` (`/put`, `/export`) is the `:` command of that name.
                return it.command(name, elements[position + 1 :], scope, base), base
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
    if not implements(it.context.router, path, command):
        raise not_supported(command_name(menu, command))
    positional: list[Element] = [element for element in rest if not isinstance(element, Named)]
    named = [element for element in rest if isinstance(element, Named)]
    if command == "find":
        return _find(it, menu, rest, scope, base)
    if command == "print":
        return _print(it, menu, rest, scope, base)
    if command == "export":
        return _export(it, menu, positional, {_key(e): e.value for e in named}, scope=scope, base=base)
    if menu == "system/script" and command == "run":
        return _run_script(it, positional, named, scope, base)
    args: dict[str, str] = {}
    for element in named:
        if _is_code(element.value):
            # `source={ :log info x }`: RouterOS stores a block given to a property as its text.
            if not isinstance(element.value, SourcedBrace):
                raise not_supported(f"a block {{ }} of code as the value of {_key(element)}=")
            args[_key(element)] = to_text(element.value.text)
            continue
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
    if _takes_items(menu, command):
        _item_numbers(it, menu, args)
    if command == "get" and "value-name" not in args:
        return _whole_item(it, menu, args.get("numbers"))
    result = _execute(it, menu, command, args)
    if result.rows is not None and "as-value" in args:
        # A command that reports a row (fetch) gives it to the script as an array of its properties.
        return row_value(menu, result.rows[0]) if result.rows else ScriptArray()
    if result.ret is None:
        return NOTHING
    if command == "get" and "as-string" in args:
        return from_text(result.ret)
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


_BARE_FLAGS = frozenset({"as-value", "without-paging", "once", "detail", "ascii", "append", "as-string"})


def _positional_names(menu: str, command: str) -> tuple[str, ...]:
    spec_single = menu in _single_menus()
    if command in ("get", "unset"):
        return ("value-name",) if spec_single else ("numbers", "value-name")
    if _takes_items(menu, command):
        return () if spec_single else ("numbers",)
    if menu == "log":
        return ("message",)
    if menu == "tool" and command == "fetch":
        # `/tool/fetch "https://..."`: the command tree gives fetch one unnamed argument, the URL.
        return ("url",)
    return ()


def _takes_items(menu: str, command: str) -> bool:
    """Whether the command's unnamed argument names items: the generic ones, and those the command tree
    gives a `numbers` (`reset-counters 0`, `renew ether1`) or `number` argument (`/certificate sign ca`)."""
    if command in _ITEM_COMMANDS:
        return True
    found = tree().command(tuple(menu.split("/")), command)
    return found is not None and bool({"numbers", "number"} & set(found.arguments))


@cache
def _single_menus() -> frozenset[str]:
    return frozenset(path for path, spec in registry.SPECS.items() if spec.single)


def _is_code(element: Element | None) -> bool:
    """`source={ :log info x }`: braces holding commands rather than array elements; `{1;2}` and `{"a"=1}`
    stay arrays."""
    if not isinstance(element, Brace):
        return False
    return element.role == "block" or any(
        line.prefix is not None or len(line.elements) != 1 for line in element.body
    )


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
    matches = _matching(it, menu, rest, scope, base)
    ids: list[Value] = [ItemId(row[".id"]) for row in matches if ".id" in row]
    if len(ids) == 1:
        return ids[0]
    return ScriptArray(items=ids)


# print's own words the lab implements; `brief` is what plain print shows, `without-paging` changes nothing
# where no terminal pages; `all`, `static` and `dynamic` are the firewall's (its print shows static rules
# unless told otherwise: manual, Common Firewall Matchers and Actions, "Other Useful Commands").
_PRINT_WORDS = frozenset({"as-value", "count-only", "detail", "terse", "brief", "without-paging"})
_KINDS_OF_RULES = frozenset({"all", "static", "dynamic"})


def _print(it: Interpreter, menu: str, rest: list[Element], scope: Scope, base: tuple[str, ...]) -> Value:
    """`print as-value` and `count-only` give values; `print`, `print detail` and `print terse` print what
    the console shows (lab.console_print) and, in a console session, number the rows they show."""
    position = next((i for i, e in enumerate(rest) if isinstance(e, Word) and e.text == "where"), len(rest))
    words: set[str] = set()
    proplist: list[str] | None = None
    pairs: list[Element] = []
    for element in rest[:position]:
        name = _print_argument(menu, element)
        if name == "proplist" and isinstance(element, Named):
            proplist = [part for part in _argument(it, element.value, scope, base).split(",") if part]
        elif name == "chain" and isinstance(element, Named):
            pairs.append(element)  # the firewall's `print chain=input`: rules of that chain
        elif name in _PRINT_WORDS | _KINDS_OF_RULES and not isinstance(element, Named):
            words.add(name)
        else:
            raise not_supported(f"/{menu}/print {name}")
    rows = _matching(it, menu, [*pairs, *rest[position:]], scope, base)
    if "static" in _print_arguments(menu) and not words & {"all", "dynamic"}:
        rows = [row for row in rows if row.get("dynamic") != "true"]
    elif "dynamic" in words:
        rows = [row for row in rows if row.get("dynamic") == "true"]
    if "count-only" in words:
        return len(rows)
    if proplist is not None:
        rows = [{k: v for k, v in row.items() if k == ".id" or k in proplist} for row in rows]
    if "as-value" in words:
        return ScriptArray(items=[row_value(menu, row) for row in rows])
    form = "terse" if "terse" in words else "detail" if "detail" in words else "plain"
    if proplist is not None and form == "plain":
        raise not_supported(f"/{menu}/print proplist= without detail, terse or as-value")
    try:
        printed = console_print.render(menu, form, rows)
    except CommandError as error:
        raise ScriptError(error.message) from None
    session = numbering.current()
    if session is not None:
        session.remember(menu, printed.numbered)
    it.context.output.extend(printed.lines)
    return NOTHING


def _print_arguments(menu: str) -> list[str]:
    command = tree().command(tuple(menu.split("/")), "print")
    return list(command.arguments) if command is not None else []


def _print_argument(menu: str, element: Element) -> str:
    """The print argument a word or `name=` names, unambiguous prefixes resolved as the console does."""
    if isinstance(element, Named):
        written = _key(element)
    elif isinstance(element, Word):
        written = to_text(element.text)
    else:
        raise not_supported(f"a {element.kind} among /{menu}/print's arguments")
    names = _print_arguments(menu)
    if written in names:
        return written
    candidates = [name for name in names if name.startswith(written)]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise not_supported(f"the ambiguous /{menu}/print argument {written}")
    raise ScriptError(f"unknown parameter {written}")


def _matching(
    it: Interpreter, menu: str, elements: list[Element], scope: Scope, base: tuple[str, ...]
) -> list[Props]:
    """The menu's rows that meet `name=value` pairs and a `where` condition (lab.script.conditions)."""
    condition = compile_condition(elements, lambda node: it.value(node, scope, base))
    rows = _rows(it, menu)
    known = set(tree().printable(tuple(menu.split("/"))))
    if known:
        known |= {".id", *(prop for row in rows for prop in row)}
        unknown = sorted(condition.properties() - known)
        if unknown:
            raise not_supported(f"a condition on {unknown[0]}, which /{menu} does not print")
    return [row for row in rows if condition.matches(menu, row)]


def _item_numbers(it: Interpreter, menu: str, args: Props) -> None:
    """`set 0`, `remove 1,2`, `move 3 destination=0`: item numbers of this console session as ids. A
    number that is also an item's name (a file called `10`) stays the name."""
    for argument in ("numbers", "destination"):
        text = args.get(argument)
        if text is None or not numbering.is_numbers(text) or menu in _single_menus():
            continue
        rows = _rows(it, menu)
        names = {row.get("name") for row in rows}
        numbered = console_print.numbered_ids(menu, rows)
        args[argument] = ",".join(
            part if part in names else numbering.resolve(menu, part, numbered.copy)
            for part in text.split(",")
        )


# ----- export


# `compact` and `hide-sensitive` are what RouterOS 7 does anyway; `verbose` and `where` are not supported.
_EXPORT_WORDS = frozenset({"terse", "compact", "hide-sensitive", "show-sensitive"})


@command("export")
def _root_export(it: Interpreter, call: Call) -> Value:
    return _export(it, "", call.positional, call.named, scope=call.scope, base=call.menu)


def _export(
    it: Interpreter,
    menu: str,
    positional: list[Element],
    named: dict[str, Element | None],
    *,
    scope: Scope,
    base: tuple[str, ...],
) -> Value:
    """`/export`, `/ip firewall export terse`, `/export file=backup`: the configuration as console commands
    (lab.export) into the script's output, or into the file NAME.rsc."""
    name = command_name(menu, "export")
    words: set[str] = set()
    for element in positional:
        if not isinstance(element, Word) or to_text(element.text) not in _EXPORT_WORDS:
            written = to_text(element.text) if isinstance(element, Word) else f"a {element.kind}"
            raise not_supported(f"{name} {written}")
        words.add(to_text(element.text))
    for key in named:
        if key != "file":
            raise not_supported(f"{name} {to_text(key)}=")
    file = _argument(it, named["file"], scope, base) if "file" in named else None
    if "show-sensitive" in words and "sensitive" not in it.context.policies:
        raise ScriptError(NOT_ENOUGH_PERMISSIONS)
    if not export.exportable(menu):
        raise not_supported(name)
    text = export.export(it.context.router, "terse" in words, menu, sensitive="show-sensitive" in words)
    if file is None:
        it.context.output.extend(text.splitlines())
        return NOTHING
    target = file if file.endswith(".rsc") else f"{file}.rsc"
    router = it.context.router
    if "ftp" not in it.context.policies:
        raise ScriptError(NOT_ENOUGH_PERMISSIONS)
    with router.lock:
        try:
            # The router's own writer, without /file add's 4095-byte limit.
            store_file(router, target, text)
        except CommandError as error:
            raise ScriptError(error.message) from None
    return NOTHING


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
    router = it.context.router
    with router.lock:
        count_run(router.resolve(router.spec("system/script"), row[".id"]))
    return program.run_nested(it, row.get("source", ""), row.get("name", reference), policies)

"""The `:` commands about code and jobs: `:execute` (start code as a job), `:jobname` (the running script's
name) and `:parse` (source text to a function), as the RouterOS scripting manual describes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab.script import program
from lab.script.commands import command
from lab.script.syntax import Brace, Element, Statement, Word, parse
from lab.script.values import (
    NOTHING,
    Code,
    ItemId,
    ScriptError,
    Value,
    from_text,
    not_supported,
    to_text,
    tostr,
)

if TYPE_CHECKING:
    from lab.script.evaluator import Call, Interpreter

_EXECUTE_ARGUMENTS = frozenset({"script", "file", "as-string"})


def _given(call: Call, name: str, positional: list[Element]) -> Element | None:
    """The element given as `name=` or, failing that, as the first unnamed argument."""
    if name in call.named:
        return call.named[name]
    return positional[0] if positional else None


def _statements(it: Interpreter, call: Call, element: Element | None) -> list[Statement]:
    """Code given as a block (`{...}`, kept as written, not made an array), a function, or source text."""
    if element is None:
        raise ScriptError(f":{call.name}: missing value(s) of argument(s) script")
    if isinstance(element, Brace):
        return element.body
    value = it.value(element, call.scope, call.menu)
    if isinstance(value, Code):
        return value.body
    parsed = parse(tostr(value))
    if parsed.error is not None:
        raise ScriptError(parsed.error)
    return parsed.statements


@command("execute")
def _execute(it: Interpreter, call: Call) -> Value:
    """Without as-string: a background job, its id returned at once. With as-string the caller waits for
    the printed output. `file=` writes the output to a .txt file."""
    unknown = sorted(set(call.named) - _EXECUTE_ARGUMENTS)
    if unknown:
        raise ScriptError(f"unknown parameter {unknown[0]}")
    flags = [e for e in call.positional if isinstance(e, Word) and e.text == "as-string"]
    positional = [e for e in call.positional if e not in flags]
    if len(positional) > (0 if "script" in call.named else 1):
        raise ScriptError(":execute takes one script")
    as_string = bool(flags)
    if "as-string" in call.named:
        given = tostr(it.optional(call.named["as-string"], call.scope, call.menu))
        as_string = given in ("", "yes", "true")
    statements = _statements(it, call, _given(call, "script", positional))
    file = None
    if "file" in call.named:
        file = to_text(tostr(it.optional(call.named["file"], call.scope, call.menu)))
    if not as_string:
        return ItemId(program.start(it, statements, file).id)
    lines = program.capture(it, statements)
    if file is not None:
        program.write_output(it.context.router, file, lines)
    return from_text(program.output_text(lines))


@command("jobname")
def _jobname(it: Interpreter, call: Call) -> Value:
    """The name of the /system/script entry the code runs in (the innermost, for one run from another)."""
    name = it.context.job.script_name
    if name is None:
        raise not_supported(":jobname in code that no /system/script entry runs (Netwatch, :execute)")
    return from_text(name)


@command("parse")
def _parse(it: Interpreter, call: Call) -> Value:
    """A function of the text: called like one (`$f 1 a=2`), it runs as its caller, as `do={...}` does."""
    element = _given(call, "value", call.positional)
    source = NOTHING if element is None else it.value(element, call.scope, call.menu)
    parsed = parse(tostr(source))
    if parsed.error is not None:
        raise ScriptError(parsed.error)
    return Code(parsed.statements)

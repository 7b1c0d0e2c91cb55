"""Evaluation of the syntax tree: statements, blocks, expressions, strings and function calls.

What a `:` command or a menu command does lives in lab.script.commands and lab.script.menu; this module
decides which one a statement is and turns its elements into values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from lab.schema import tree

# jobcommands registers :execute, :jobname and :parse among the `:` commands.
from lab.script import commands, jobcommands, menu  # noqa: F401
from lab.script.operators import binary, unary
from lab.script.scope import Globals, Scope
from lab.script.syntax import (
    PRECEDENCE,
    Binary,
    Brace,
    CommandPart,
    Element,
    EscapePart,
    Expr,
    ExpressionPart,
    Group,
    Missing,
    Named,
    Statement,
    StringLit,
    Subst,
    TextPart,
    Unary,
    Variable,
    VariablePart,
    Word,
)
from lab.script.values import (
    NIL,
    NOTHING,
    Code,
    Duration,
    ReturnSignal,
    ScriptArray,
    ScriptError,
    Value,
    literal,
    not_supported,
    to_text,
    tostr,
    typeof,
)

if TYPE_CHECKING:
    from lab.jobs import Job
    from lab.router import Router

# RouterOS stops runaway recursion too; the lab must stay well inside Python's own stack.
MAX_CALL_DEPTH = 50


@dataclass
class Context:
    """What one script run shares across its blocks and function calls."""

    router: Router
    user: str
    policies: frozenset[str]
    globals: Globals
    # The /system/script/job row this code runs as. When it is removed or the router reboots, the script
    # stops at its next statement, as it does on a router.
    job: Job
    output: list[str] = field(default_factory=list)
    depth: int = 0


@dataclass
class Call:
    """A command's arguments, unevaluated: `do=`, `in=`, `on-error=` hold code that runs later or never."""

    name: str
    positional: list[Element]
    named: dict[str, Element | None]
    scope: Scope
    menu: tuple[str, ...]


def key_text(named: Named) -> str:
    return named.name.text if isinstance(named.name, Word) else named.name.value


class Interpreter:
    def __init__(self, context: Context) -> None:
        self.context = context

    # ----- blocks and statements

    def run_block(self, statements: list[Statement], scope: Scope, menu_path: tuple[str, ...]) -> Value:
        """Runs statements in order; a line naming only a menu (`/ip address`) is current for what follows."""
        result: Value = NOTHING
        for statement in statements:
            if self.context.job.stopped:
                raise ScriptError("interrupted")
            result, menu_path = self.statement(statement, scope, menu_path)
        return result

    def run_child(self, statements: list[Statement], scope: Scope, menu_path: tuple[str, ...]) -> Value:
        return self.run_block(statements, scope.child(), menu_path)

    def statement(
        self, statement: Statement, scope: Scope, menu_path: tuple[str, ...]
    ) -> tuple[Value, tuple[str, ...]]:
        elements = statement.elements
        if statement.prefix == "/" and not elements:
            return NOTHING, ()
        if not elements:
            return NOTHING, menu_path
        head = elements[0]
        if statement.prefix == ":":
            if not isinstance(head, Word):
                raise ScriptError("expected a command name after ':'")
            return self.command(head.text, elements[1:], scope, menu_path), menu_path
        block = self.menu_block(statement, scope, menu_path)
        if block is not None:
            return block
        if statement.prefix == "/":
            return menu.run(self, elements, scope, ())
        if isinstance(head, Word):
            if menu.resolves(menu_path, head.text) or head.text not in commands.COMMANDS:
                return menu.run(self, elements, scope, menu_path)
            return self.command(head.text, elements[1:], scope, menu_path), menu_path
        if isinstance(head, Group) and len(elements) > 1:
            # `($functions->$name) arg`: a function kept in an array, called as `$name arg` calls one
            # (eworm-de/routeros-scripts' SendNotification2 calls its notification functions so).
            target = self.value(head, scope, menu_path)
            return self.call_value(None, target, elements[1:], scope, menu_path), menu_path
        if len(elements) > 1 and not isinstance(head, Variable):
            raise ScriptError(f"bad command name: a {head.kind} cannot start a command")
        if isinstance(head, Variable):
            return self.variable_statement(head, elements[1:], scope, menu_path), menu_path
        if isinstance(head, Brace):
            return self.run_child(head.body, scope, menu_path), menu_path
        return self.value(head, scope, menu_path), menu_path

    def menu_block(
        self, statement: Statement, scope: Scope, menu_path: tuple[str, ...]
    ) -> tuple[Value, tuple[str, ...]] | None:
        """`/system scheduler { add ...; print }`: the commands in the braces run in the menu the words name
        (the manual's scheduler example writes `/system scheduler {... enable x}`), as a block with its own
        local scope. Afterwards the current menu is what it would be after a command written with that path.
        None when the statement is not a menu followed by a block."""
        elements = statement.elements
        if len(elements) < 2 or not isinstance(elements[-1], Brace):
            return None
        words = elements[:-1]
        if not all(isinstance(word, Word) for word in words):
            return None
        base = () if statement.prefix == "/" else menu_path
        path = _menu_path(base, [word.text for word in words if isinstance(word, Word)])
        if path is None:
            return None
        value = self.run_child(elements[-1].body, scope, path)
        return value, base

    def command(self, name: str, rest: list[Element], scope: Scope, menu_path: tuple[str, ...]) -> Value:
        handler = commands.COMMANDS.get(name)
        if handler is None:
            if name in menu.root_commands():
                raise not_supported(f":{name}")
            raise ScriptError(f"bad command name {name}")
        positional: list[Element] = [element for element in rest if not isinstance(element, Named)]
        named = {key_text(element): element.value for element in rest if isinstance(element, Named)}
        return handler(self, Call(name, positional, named, scope, menu_path))

    def variable_statement(
        self, head: Variable, rest: list[Element], scope: Scope, menu_path: tuple[str, ...]
    ) -> Value:
        return self.call_value(head.name, scope.lookup(head.name), rest, scope, menu_path)

    def call_value(
        self, name: str | None, target: Value, rest: list[Element], scope: Scope, menu_path: tuple[str, ...]
    ) -> Value:
        """Calls `target` with the arguments when it is a function. `$0` is the word that called it, `$name`
        with its `$` (eworm-de/routeros-scripts tells functions from scripts by that `$` in `$0`); a function
        reached through an array (`name` None) takes its first argument as `$0`, which is why their
        SendNotification2 passes the array path as that argument and the function reads its value as `$1`."""
        if isinstance(target, Code):
            positional = [self.value(e, scope, menu_path) for e in rest if not isinstance(e, Named)]
            named = {
                key_text(e): self.optional(e.value, scope, menu_path) for e in rest if isinstance(e, Named)
            }
            arguments: list[Value] = positional if name is None else ["$" + name, *positional]
            return self.call(name, target, arguments, named)
        if rest:
            # `$F arg` where F holds no function: RouterOS does nothing, which is why a *sys script calling
            # another user's global function stays silent.
            return NOTHING
        return target

    def call(self, name: str | None, code: Code, arguments: list[Value], named: dict[str, Value]) -> Value:
        """Runs a function with `$0`, `$1`, ... from `arguments` and the named ones as locals."""
        if self.context.depth >= MAX_CALL_DEPTH:
            called = "a function" if name is None else f"function {name}"
            raise ScriptError(f"{called} nested deeper than {MAX_CALL_DEPTH} calls")
        scope = Scope(self.context.globals, self.context.user)
        for number, value in enumerate(arguments):
            scope.declare_local(str(number), value)
        for key, value in named.items():
            scope.declare_local(key, value)
        self.context.depth += 1
        try:
            return self.run_block(code.body, scope, ())
        except ReturnSignal as returned:
            return returned.value
        finally:
            self.context.depth -= 1

    def for_job(
        self,
        job: Job,
        *,
        policies: frozenset[str] | None = None,
        output: list[str] | None = None,
        nested: bool = True,
    ) -> Interpreter:
        """An interpreter for code that runs as `job`: same user and globals; a nested run counts toward
        the depth limit, so a script that runs itself stops with an error instead of exhausting the stack."""
        depth = self.context.depth + 1 if nested else 0
        if depth > MAX_CALL_DEPTH:
            raise ScriptError(f"scripts nested deeper than {MAX_CALL_DEPTH} runs")
        context = replace(
            self.context,
            job=job,
            policies=self.context.policies if policies is None else policies,
            output=self.context.output if output is None else output,
            depth=depth,
        )
        return Interpreter(context)

    # ----- values

    def optional(self, element: Element | None, scope: Scope, menu_path: tuple[str, ...]) -> Value:
        """The value of `name=` with nothing after the `=` is an empty string."""
        return "" if element is None else self.value(element, scope, menu_path)

    def value(self, element: Element | Expr, scope: Scope, menu_path: tuple[str, ...]) -> Value:
        if isinstance(element, Word):
            return literal(element.text)
        if isinstance(element, StringLit):
            return self.string(element, scope, menu_path)
        if isinstance(element, Variable):
            return scope.lookup(element.name)
        if isinstance(element, Subst):
            return self.run_child(element.body, scope, menu_path)
        if isinstance(element, Group):
            return self.group(element, scope, menu_path)
        if isinstance(element, Brace):
            return Code(element.body) if element.role == "block" else self.array(element, scope, menu_path)
        if isinstance(element, Binary):
            return self.binary(element, scope, menu_path)
        if isinstance(element, Unary):
            return unary(element.op, self.value(element.operand, scope, menu_path))
        if isinstance(element, Missing):
            raise ScriptError("expected a value")
        raise ScriptError(f"unexpected {element.kind} where a value belongs")

    def group(self, group: Group, scope: Scope, menu_path: tuple[str, ...]) -> Value:
        if not group.exprs:
            return NOTHING
        for expr in group.exprs:
            _refuse_address_division(expr)
        if len(group.exprs) > 1:
            return self.value(_regroup(group.exprs), scope, menu_path)
        return self.value(group.exprs[0], scope, menu_path)

    def binary(self, node: Binary, scope: Scope, menu_path: tuple[str, ...]) -> Value:
        left = self.value(node.left, scope, menu_path)
        if node.op in ("&&", "and") and left is False:
            return False
        if node.op in ("||", "or") and left is True:
            return True
        return binary(node.op, left, self.value(node.right, scope, menu_path))

    def string(self, literal_node: StringLit, scope: Scope, menu_path: tuple[str, ...]) -> str:
        pieces: list[str] = []
        for part in literal_node.parts:
            if isinstance(part, TextPart | EscapePart):
                pieces.append(part.text)
            elif isinstance(part, VariablePart):
                pieces.append(tostr(scope.lookup(part.name)))
            elif isinstance(part, ExpressionPart):
                pieces.append(tostr(self.group(part.group, scope, menu_path)))
            elif isinstance(part, CommandPart):
                pieces.append(tostr(self.run_child(part.subst.body, scope, menu_path)))
        return "".join(pieces)

    def array(self, brace: Brace, scope: Scope, menu_path: tuple[str, ...]) -> ScriptArray:
        """`{1;2;3}`, `{"a"=1;"b"=2}`: each line of the braces is one element."""
        result = ScriptArray()
        for line in brace.body:
            if len(line.elements) != 1 or line.prefix is not None:
                raise ScriptError("an array element must be one value or one key=value")
            element = line.elements[0]
            if isinstance(element, Named):
                result.put(key_text(element), self.optional(element.value, scope, menu_path))
            elif isinstance(element, Brace):
                # `{{1;2};{3;4}}`: the parser calls a brace alone on its line a block; in an array it is one.
                result.put(len(result.items), self.array(element, scope, menu_path))
            else:
                result.put(len(result.items), self.value(element, scope, menu_path))
        return result

    # ----- helpers for commands

    def code_of(self, element: Element | None, what: str) -> list[Statement]:
        if isinstance(element, Brace):
            return element.body
        raise ScriptError(f"{what} must be a block in {{ }}")

    def condition(self, element: Element | None, scope: Scope, menu_path: tuple[str, ...]) -> bool:
        """A bool, or what real scripts test besides: a num (true unless 0, as `:tobool` says) and nothing or
        nil (false), so `:if ([:find $text "="]) do={...}` (eworm-de/routeros-scripts' ParseKeyValueStore)
        runs as it does on a router. Anything else is not a condition."""
        value = self.optional(element, scope, menu_path)
        if isinstance(value, int) and not isinstance(value, bool):
            return value != 0
        if value is NOTHING or value is NIL:
            return False
        if not isinstance(value, bool):
            raise ScriptError(f"conditional not boolean (got {typeof(value)})")
        return value


# ----- menus named before a block


def _menu_path(base: tuple[str, ...], words: list[str]) -> tuple[str, ...] | None:
    """The menu the words name from `base` (prefixes and `..` allowed), or None when one names no menu."""
    path = base
    for word in words:
        for segment in (part for part in word.split("/") if part):
            if segment == "..":
                path = path[:-1]
                continue
            name = tree().resolve_prefix(path, to_text(segment))
            if name is None or not tree().is_menu((*path, name)):
                return None
            path = (*path, name)
    return path


# ----- division written without spaces

# `10/2`: "for the division to work you have to use braces or spaces around the dividend so it is not mistaken
# as an IP address" (manual, Arithmetic Operators).
_ADDRESS_LIKE = re.compile(r"[0-9]+/[0-9]+")


def _leaves(expr: Expr) -> list[Expr]:
    if isinstance(expr, Binary):
        return [*_leaves(expr.left), *_leaves(expr.right)]
    return [expr]


def _refuse_address_division(expr: Expr) -> None:
    for leaf in _leaves(expr):
        if isinstance(leaf, Word) and _ADDRESS_LIKE.fullmatch(leaf.text):
            dividend, divisor = leaf.text.split("/")
            raise not_supported(
                f"({to_text(leaf.text)}) without spaces, which RouterOS reads as an address and not as a "
                f"division (the manual writes ({dividend} / {divisor}) or (({dividend})/{divisor}))"
            )


def _tokens(expr: Expr) -> list[Expr | str]:
    """An expression as its operands and operators in written order; ( ), [ ] and unary operators stay one
    operand, as they bind tighter than any binary operator."""
    if isinstance(expr, Binary):
        return [*_tokens(expr.left), expr.op, *_tokens(expr.right)]
    return [expr]


def _dividend(token: Expr | str) -> Word | None:
    """`1000/` (a num or a time written right before `/`): the word of the dividend, else None."""
    if not isinstance(token, Word) or len(token.text) < 2 or not token.text.endswith("/"):
        return None
    typed = literal(token.text[:-1])
    if isinstance(typed, bool) or not isinstance(typed, int | Duration):
        return None
    return Word(start=token.start, end=token.end - 1, text=token.text[:-1])


def _regroup(exprs: list[Expr]) -> Expr:
    """`(1000/$i)`: the parser reads `1000/` as one word and `$i` as the next value beside it (a number, a
    slash and more word characters read as one word). RouterOS divides: the slash after a number with a
    value right behind it is the operator, and the whole expression is grouped again by precedence
    (`1000/$i*2` is `(1000 / $i) * 2`). Values side by side in any other way are not supported."""
    written: list[Expr | str] = [token for expr in exprs for token in _tokens(expr)]
    tokens: list[Expr | str] = []
    for position, token in enumerate(written):
        word = _dividend(token)
        following = written[position + 1] if position + 1 < len(written) else None
        if word is not None and following is not None and not isinstance(following, str):
            tokens.extend([word, "/"])
        else:
            tokens.append(token)
    alternating = all(isinstance(token, str) == (position % 2 == 1) for position, token in enumerate(tokens))
    if not alternating or len(tokens) % 2 == 0:
        raise not_supported("several values side by side inside ( )")
    grouped, _ = _climb(tokens, 0, 0)
    return grouped


def _climb(tokens: list[Expr | str], position: int, lowest: int) -> tuple[Expr, int]:
    """Precedence climbing over operand, operator, operand, ...; every binary operator groups to the left."""
    left = tokens[position]
    assert not isinstance(left, str)
    position += 1
    while position < len(tokens):
        operator = tokens[position]
        assert isinstance(operator, str)
        if PRECEDENCE[operator] < lowest:
            break
        right, position = _climb(tokens, position + 1, PRECEDENCE[operator] + 1)
        left = Binary(start=left.start, end=right.end, op=operator, op_start=left.end, left=left, right=right)
    return left, position

"""The one place importing routeros-lsp's script parser: the syntax tree the engine evaluates, syntax errors.

An upgrade of routeros-lsp touches this file only; the rest of lab.script imports node classes from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from routeros_lsp.syntax.ast import (
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
    Operator,
    Statement,
    StringLit,
    Subst,
    TextPart,
    Unary,
    Variable,
    VariablePart,
    Word,
)
from routeros_lsp.syntax.parser import PRECEDENCE as _PRECEDENCE
from routeros_lsp.syntax.parser import parse as _parse
from routeros_lsp.syntax.walk import visit

# How tightly each binary operator binds (higher first), as the parser groups them (measured on 7.21.4); the
# evaluator regroups operands the parser left side by side (`1000/$i`) with it.
PRECEDENCE: dict[str, int] = dict(_PRECEDENCE)

# Diagnostics that describe style, not a script RouterOS refuses: a router runs these scripts.
_ACCEPTED_RULES = frozenset({"syntax/stray-backslash", "syntax/stray-closer"})

__all__ = [
    "PRECEDENCE",
    "Binary",
    "Brace",
    "CommandPart",
    "Element",
    "EscapePart",
    "Expr",
    "ExpressionPart",
    "Group",
    "Missing",
    "Named",
    "Operator",
    "Parsed",
    "SourcedBrace",
    "Statement",
    "StringLit",
    "Subst",
    "TextPart",
    "Unary",
    "Variable",
    "VariablePart",
    "Word",
    "parse",
]


@dataclass(slots=True, eq=False, kw_only=True)
class SourcedBrace(Brace):
    """Braces given as the value of a named argument (`source={ :log info x }`), with the text between them
    as written: a menu command stores a block of code it is given as that text (lab.script.menu); anywhere
    else it is a Brace like any other."""

    text: str


def _keep_block_texts(statements: list[Statement], source: str) -> None:
    def keep(node: object, parent: object) -> None:
        if isinstance(node, Named) and type(node.value) is Brace:
            brace = node.value
            inner_end = brace.end - 1 if brace.closed else brace.end
            node.value = SourcedBrace(
                start=brace.start,
                end=brace.end,
                body=brace.body,
                role=brace.role,
                closed=brace.closed,
                text=source[brace.start + 1 : inner_end],
            )

    for statement in statements:
        visit(statement, keep)


# What routeros-lsp reports of a line that does not start with a command name.
_NOT_A_COMMAND = frozenset({"syntax/statement-starts-with-pair", "syntax/expected-command"})


def _array_elements(statements: list[Statement]) -> set[int]:
    """Where the elements start (and the `=` of each `name=value` stands) of braces that are lines of an
    array literal.

    routeros-lsp calls a brace alone on its line a block wherever it stands, so the elements of
    `:global L { { url="x"; cert="y" }; { "a"; "b" } }` look like lines that do not start with a command,
    and it reports them. RouterOS reads arrays there (eworm-de/routeros-scripts' global-config.rsc, run on
    thousands of routers, writes its `FwAddrLists` and `DailyPskSecrets` so), as the lab's evaluator does
    (an array's brace element is an array). A brace is an array literal when it is a value (not a block)
    or an element of one, and every line in it is one element."""
    found: set[int] = set()

    def is_array(brace: Brace) -> bool:
        return all(line.prefix is None and len(line.elements) == 1 for line in brace.body)

    def elements_of(brace: Brace, nested: bool) -> None:
        for line in brace.body:
            element = line.elements[0]
            if nested:
                found.add(element.start)
                if isinstance(element, Named):
                    found.add(element.equals_at)
            value = element.value if isinstance(element, Named) else element
            if isinstance(value, Brace) and is_array(value):
                elements_of(value, nested or value.role == "block")

    def visit_node(node: object, parent: object) -> bool:
        if isinstance(node, Brace) and node.role != "block" and is_array(node):
            elements_of(node, nested=False)
            return False
        return True

    for statement in statements:
        visit(statement, visit_node)
    return found


@dataclass(frozen=True)
class Parsed:
    statements: list[Statement]
    # RouterOS's wording, `syntax error (line N column M)`, for the first error; None when the script parses.
    error: str | None
    # The parser's explanation of that error, for the lab log and for people reading test failures.
    detail: str | None


def parse(source: str) -> Parsed:
    result = _parse(source)
    _keep_block_texts(result.script.statements, source)
    array_elements = _array_elements(result.script.statements)
    errors = [
        d
        for d in result.diagnostics
        if d.rule not in _ACCEPTED_RULES and not (d.rule in _NOT_A_COMMAND and d.start in array_elements)
    ]
    if not errors:
        return Parsed(result.script.statements, None, None)
    first = errors[0]
    line = source.count("\n", 0, first.start) + 1
    column = first.start - (source.rfind("\n", 0, first.start) + 1) + 1
    return Parsed(result.script.statements, f"syntax error (line {line} column {column})", first.message)

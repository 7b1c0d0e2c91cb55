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


@dataclass(frozen=True)
class Parsed:
    statements: list[Statement]
    # RouterOS's wording, `syntax error (line N column M)`, for the first error; None when the script parses.
    error: str | None
    # The parser's explanation of that error, for the lab log and for people reading test failures.
    detail: str | None


def parse(source: str) -> Parsed:
    result = _parse(source)
    errors = [d for d in result.diagnostics if d.rule not in _ACCEPTED_RULES]
    if not errors:
        return Parsed(result.script.statements, None, None)
    first = errors[0]
    line = source.count("\n", 0, first.start) + 1
    column = first.start - (source.rfind("\n", 0, first.start) + 1) + 1
    return Parsed(result.script.statements, f"syntax error (line {line} column {column})", first.message)

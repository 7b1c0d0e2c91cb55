"""API print queries (`?name=x`, `?-name`, `?<name=x`, `?#|&!`): a stack machine over printed rows, as the
API manual ("Queries") describes it.

The stack starts with an endless supply of true values; a query fails for a row when a false value is on
the stack at the end. `?name=x` compares the printed text; `?<` and `?>` compare as the console's `where`
does (lab.script.conditions): numbers as numbers, times as times, addresses as addresses, names and
comments as text.
"""

from __future__ import annotations

from collections.abc import Callable

from lab.errors import CommandError
from lab.script.conditions import ordered

Row = dict[str, str]
Predicate = Callable[[Row], bool]


def _word_predicate(word: str, menu: str | None) -> Predicate | None:
    body = word[1:]
    if body.startswith("#"):
        return None
    if body.startswith("-"):
        name = body[1:]
        return lambda row: name not in row
    if body.startswith("<") or body.startswith(">"):
        name, _, value = body[1:].partition("=")
        op = body[0]

        def compare(row: Row) -> bool:
            text = row.get(name)
            return text is not None and ordered(menu, name, text, value, op)

        return compare
    body = body.removeprefix("=")
    name, equals, value = body.partition("=")
    if not equals:
        return lambda row: name in row
    return lambda row: row.get(name) == value


def compile_query(words: list[str], menu: str | None = None) -> Predicate:
    """Turn the query words of one sentence into a predicate; an empty query matches every row. `menu`
    (`ip/address`) types the properties `?<`/`?>` compare; without it, only name and comment are text."""
    steps: list[Predicate | str] = []
    for word in words:
        predicate = _word_predicate(word, menu)
        steps.append(predicate if predicate is not None else word[2:])

    def evaluate(row: Row) -> bool:
        stack = _Stack()
        for step in steps:
            if isinstance(step, str):
                stack.run(step)
            else:
                stack.push(step(row))
        return all(stack.values)

    return evaluate


class _Stack:
    """Booleans over an endless supply of true values; index 0 is the top."""

    def __init__(self) -> None:
        self.values: list[bool] = []

    def push(self, value: bool) -> None:
        self.values.append(value)

    def pop(self) -> bool:
        return self.values.pop() if self.values else True

    def at(self, index: int) -> bool:
        return self.values[-1 - index] if index < len(self.values) else True

    def run(self, ops: str) -> None:
        """`?#` operations, left to right: an index followed by another character pushes a copy of that
        value, an index ending the word replaces the whole stack with it; `!` negates the top; `&` and `|`
        pop two values and push the result; `.` after an index does nothing, elsewhere copies the top."""
        position = 0
        after_index = False
        while position < len(ops):
            op = ops[position]
            if op.isdigit():
                end = position
                while end < len(ops) and ops[end].isdigit():
                    end += 1
                value = self.at(int(ops[position:end]))
                if end == len(ops):
                    self.values = [value]
                else:
                    self.push(value)
                position, after_index = end, True
                continue
            if op == "!":
                self.push(not self.pop())
            elif op in "|&":
                right, left = self.pop(), self.pop()
                self.push(left or right if op == "|" else left and right)
            elif op == ".":
                if not after_index:
                    self.push(self.at(0))
            else:
                raise CommandError(f"unknown query operation {op}", 5)
            after_index = False
            position += 1

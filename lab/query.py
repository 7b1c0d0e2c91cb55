"""API print queries (`?name=x`, `?-name`, `?<name=x`, `?#|&!`): a small stack machine over printed rows."""

from __future__ import annotations

from collections.abc import Callable

from lab.errors import CommandError

Row = dict[str, str]
Predicate = Callable[[Row], bool]


def _compare(value: str | None, other: str, less: bool) -> bool:
    if value is None:
        return False
    try:
        left, right = float(value), float(other)
    except ValueError:
        return value < other if less else value > other
    return left < right if less else left > right


def _word_predicate(word: str) -> Predicate | None:
    body = word[1:]
    if body.startswith("#"):
        return None
    if body.startswith("-"):
        name = body[1:]
        return lambda row: name not in row
    if body.startswith("<") or body.startswith(">"):
        name, _, value = body[1:].partition("=")
        less = body.startswith("<")
        return lambda row: _compare(row.get(name), value, less)
    body = body.removeprefix("=")
    name, equals, value = body.partition("=")
    if not equals:
        return lambda row: name in row
    return lambda row: row.get(name) == value


def compile_query(words: list[str]) -> Predicate:
    """Turn the query words of one sentence into a predicate; an empty query matches every row."""
    steps: list[tuple[str, Predicate | str]] = []
    for word in words:
        predicate = _word_predicate(word)
        steps.append(("push", predicate) if predicate is not None else ("ops", word[2:]))

    def evaluate(row: Row) -> bool:
        stack: list[bool] = []
        for kind, step in steps:
            if kind == "push" and callable(step):
                stack.append(step(row))
            elif isinstance(step, str):
                _run_ops(stack, step)
        return all(stack)

    return evaluate


def _run_ops(stack: list[bool], ops: str) -> None:
    position = 0
    while position < len(ops):
        op = ops[position]
        if op.isdigit():
            end = position
            while end < len(ops) and ops[end].isdigit():
                end += 1
            index = int(ops[position:end])
            stack.append(stack[index] if index < len(stack) else False)
            position = end
            continue
        if op == "!":
            _need(stack, 1)
            stack.append(not stack.pop())
        elif op in "|&":
            _need(stack, 2)
            right, left = stack.pop(), stack.pop()
            stack.append(left or right if op == "|" else left and right)
        elif op == ".":
            _need(stack, 1)
            stack.append(stack[-1])
        else:
            raise CommandError(f"unknown query operation {op}", 5)
        position += 1


def _need(stack: list[bool], count: int) -> None:
    if len(stack) < count:
        raise CommandError("query stack underflow", 5)

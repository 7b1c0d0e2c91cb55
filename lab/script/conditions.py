"""Conditions of `find` and `print`: `name=value` pairs, and after `where` RouterOS's condition language,
evaluated against printed rows with typed comparisons.

How routeros-lsp hands a `where` clause over: as the command line's flat list of elements, cut where its
lexer cuts words. Operators written against a name stay inside a Word (`name~`, `mtu>1400`, `!disabled`,
`&&`); `name!="x"` and `mtu>=1500` become a Named whose key ends with the operator (`name!`, `mtu>`); a `=`
between spaces is an Operator; `and`, `or`, `not`, `in` are Words. Only parentheses hold a parsed
expression (a Group of Binary and Unary nodes, where `default-name` reads as `default - name`). This module
turns both shapes into one token stream, parses it with the grammar below and evaluates it row by row:

    condition   := conjunction (("or" | "||") conjunction)*
    conjunction := negation (["and" | "&&"] negation)*
    negation    := ("!" | "not") negation | "(" condition ")" | comparison
    comparison  := property [("=" | "!=" | "<" | ">" | "<=" | ">=" | "~" | "in") value]

A property alone holds when it is true (a boolean) or set (anything else). Values compare as RouterOS types
them: the property by its type (lab.script.properties: free text is a string, whatever it holds), an unquoted
value by the property's type (`mtu>1400` numerically, `interval<30s` as times, `address<10.0.0.9` as
addresses, `disabled=no` as a boolean), a quoted string, `$variable`, `[command]` or `(expression)` with the
type it evaluates to. Anything else is refused as not supported in the lab, never answered.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lab.script.operators import binary
from lab.script.properties import property_value
from lab.script.syntax import (
    Binary,
    Brace,
    Element,
    Expr,
    Group,
    Missing,
    Named,
    Operator,
    StringLit,
    Subst,
    Unary,
    Variable,
    Word,
)
from lab.script.values import (
    Duration,
    ItemId,
    ScriptError,
    Value,
    from_router,
    literal,
    not_supported,
    parse_ip,
    parse_prefix,
    to_text,
    tobool,
    tostr,
)

if TYPE_CHECKING:
    from lab.menus.base import Props

# Evaluates a value the condition names but does not spell out: "text", $var, [cmd], (expression).
Evaluate = Callable[[Element | Expr], Value]

COMPARISONS = frozenset({"=", "!=", "<", ">", "<=", ">=", "~", "in"})
_AND = frozenset({"and", "&&"})
_OR = frozenset({"or", "||"})
_NOT = frozenset({"!", "not"})
_KEYWORDS = frozenset({"and", "or", "not", "in"})
# Operators a word can carry glued to a name or a value (longest first).
_GLUED = re.compile(r"(!=|<=|>=|&&|\|\||[!<>~])")
_NUMBER = re.compile(r"[0-9]+")


# ----- the condition tree


@dataclass(frozen=True)
class Operand:
    """What a property is compared with: a word as written (typed by the property), or a value."""

    word: str | None = None
    value: Value = ""


@dataclass(frozen=True)
class Present:
    prop: str


@dataclass(frozen=True)
class Compare:
    prop: str
    op: str
    operand: Operand


@dataclass(frozen=True)
class Negation:
    inner: Node


@dataclass(frozen=True)
class Conjunction:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Disjunction:
    parts: tuple[Node, ...]


Node = Present | Compare | Negation | Conjunction | Disjunction


@dataclass(frozen=True)
class Condition:
    """A compiled condition; `None` matches every row (`[find]`, a print without `where`)."""

    root: Node | None

    def matches(self, menu: str, row: Props) -> bool:
        return self.root is None or _holds(self.root, menu, row)

    def properties(self) -> set[str]:
        """Every property the condition names."""
        found: set[str] = set()
        pending = [] if self.root is None else [self.root]
        while pending:
            node = pending.pop()
            if isinstance(node, Present | Compare):
                found.add(node.prop)
            elif isinstance(node, Negation):
                pending.append(node.inner)
            else:
                pending.extend(node.parts)
        return found


def compile_condition(elements: list[Element], evaluate: Evaluate) -> Condition:
    """The condition of `find`/`print` arguments: `name=value` pairs (each one must hold), then optionally
    `where` and a condition. Values written as `$var`, `[cmd]`, `"..."` or `(...)` are evaluated once."""
    pairs: list[Node] = []
    position = 0
    while position < len(elements):
        element = elements[position]
        if isinstance(element, Word) and element.text == "where":
            break
        if not isinstance(element, Named):
            raise not_supported(f"the find/print argument {_describe(element)!r} before where")
        pairs.append(Compare(_key_text(element), "=", _named_operand(element, evaluate)))
        position += 1
    parts = list(pairs)
    if position < len(elements):
        tokens = _tokens(elements[position + 1 :])
        if not tokens:
            raise not_supported("`where` without a condition")
        parser = _Parser(tokens, evaluate)
        parts.append(parser.condition())
        parser.expect_end()
    if not parts:
        return Condition(None)
    return Condition(parts[0] if len(parts) == 1 else Conjunction(tuple(parts)))


# ----- tokens


@dataclass(frozen=True)
class _Token:
    # "op" (operator or keyword), "word" (a name or a bare value), "value" (a node to evaluate),
    # "group" (parentheses: a sub-condition, or a value where a value belongs)
    kind: str
    text: str
    start: int
    end: int
    node: Element | Expr | None = None


def _key_text(named: Named) -> str:
    return to_text(named.name.text if isinstance(named.name, Word) else named.name.value)


def _describe(element: Element | Expr) -> str:
    if isinstance(element, Word):
        return to_text(element.text)
    if isinstance(element, StringLit):
        return '"' + to_text(element.value) + '"'
    if isinstance(element, Named):
        return _key_text(element) + "=..."
    return f"({element.kind})"


def _named_operand(named: Named, evaluate: Evaluate) -> Operand:
    value = named.value
    if value is None:
        return Operand(value="")
    if isinstance(value, Word):
        return Operand(word=value.text)
    return Operand(value=evaluate(value))


def _split_word(text: str, start: int) -> list[_Token]:
    """A word cut at the operators glued into it: `mtu>1400` is mtu, >, 1400."""
    tokens: list[_Token] = []
    position = 0
    for piece in _GLUED.split(text):
        if piece:
            at = start + position
            if _GLUED.fullmatch(piece) or piece in _KEYWORDS:
                tokens.append(_Token("op", piece, at, at + len(piece)))
            else:
                tokens.append(_Token("word", piece, at, at + len(piece)))
        position += len(piece)
    return tokens


def _tokens(elements: list[Element]) -> list[_Token]:
    tokens: list[_Token] = []
    for element in elements:
        if isinstance(element, Word):
            tokens.extend(_split_word(element.text, element.start))
        elif isinstance(element, Named):
            name = element.name
            if isinstance(name, Word):
                tokens.extend(_split_word(name.text, name.start))
            else:
                tokens.append(_Token("word", name.value, name.start, name.end))
            tokens.append(_Token("op", "=", element.equals_at, element.equals_at + 1))
            value = element.value
            if value is None:
                tokens.append(_Token("value", "", element.end, element.end))
            elif isinstance(value, Word):
                tokens.extend(_split_word(value.text, value.start))
            else:
                tokens.append(_node_token(value))
        elif isinstance(element, Operator):
            tokens.append(_Token("op", element.op, element.start, element.end))
        else:
            tokens.append(_node_token(element))
    return _merged(tokens)


def _node_token(node: Element | Expr) -> _Token:
    if isinstance(node, Group):
        return _Token("group", "(", node.start, node.end, node)
    if isinstance(node, StringLit | Variable | Subst):
        return _Token("value", "", node.start, node.end, node)
    raise not_supported(f"a {node.kind} in a find/print condition")


def _expression_tokens(expr: Expr) -> list[_Token]:
    """Tokens of an expression inside parentheses, in source order."""
    if isinstance(expr, Binary):
        op = _Token("op", expr.op, expr.op_start, expr.op_start + len(expr.op))
        return [*_expression_tokens(expr.left), op, *_expression_tokens(expr.right)]
    if isinstance(expr, Unary):
        return [_Token("op", expr.op, expr.start, expr.start + 1), *_expression_tokens(expr.operand)]
    if isinstance(expr, Word):
        return [_Token("op" if expr.text in _KEYWORDS else "word", expr.text, expr.start, expr.end)]
    if isinstance(expr, Missing):
        raise ScriptError("expected a value")
    if isinstance(expr, Brace):
        raise not_supported("braces in a find/print condition")
    return [_node_token(expr)]


def _merged(tokens: list[_Token]) -> list[_Token]:
    """Joins what the expression parser cut apart (`default` `-` `name`, `-` `1`) and what a Named cut off
    (`!` `=`, `<` `=`, `>` `=`), when the pieces touch."""
    result: list[_Token] = []
    for token in tokens:
        last = result[-1] if result else None
        if last is not None and last.end == token.start:
            if last.kind == token.kind == "op" and last.text in ("!", "<", ">") and token.text == "=":
                result[-1] = _Token("op", last.text + "=", last.start, token.end)
                continue
            if token.kind == "word" and last.kind == "op" and last.text == "-":
                before = result[-2] if len(result) > 1 else None
                if before is not None and before.kind == "word" and before.end == last.start:
                    result[-2:] = [_Token("word", f"{before.text}-{token.text}", before.start, token.end)]
                else:
                    result[-1] = _Token("word", f"-{token.text}", last.start, token.end)
                continue
        result.append(token)
    return result


# ----- parsing


class _Parser:
    def __init__(self, tokens: list[_Token], evaluate: Evaluate) -> None:
        self.tokens = tokens
        self.position = 0
        self.evaluate = evaluate

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def at_op(self, ops: frozenset[str]) -> bool:
        token = self.peek()
        return token is not None and token.kind == "op" and token.text in ops

    def at_condition(self) -> bool:
        token = self.peek()
        return token is not None and (token.kind in ("word", "group") or self.at_op(_NOT))

    def expect_end(self) -> None:
        token = self.peek()
        if token is not None:
            raise not_supported(f"the find/print condition near {_token_text(token)!r}")

    def condition(self) -> Node:
        parts = [self.conjunction()]
        while self.at_op(_OR):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Disjunction(tuple(parts))

    def conjunction(self) -> Node:
        """Conditions side by side must all hold, as `and` says: real scripts write them so
        (eworm-de/routeros-scripts: `find where name="global-scripts" on-event!=$OnEvent`,
        `find where comment~(...) type=A`)."""
        parts = [self.negation()]
        while self.at_op(_AND) or self.at_condition():
            if self.at_op(_AND):
                self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else Conjunction(tuple(parts))

    def negation(self) -> Node:
        if self.at_op(_NOT):
            self.take()
            return Negation(self.negation())
        token = self.peek()
        if token is None:
            raise not_supported("a find/print condition that ends after an operator")
        if token.kind == "group":
            self.take()
            return self.group(token)
        if token.kind != "word":
            raise not_supported(f"the find/print condition near {_token_text(token)!r}")
        self.take()
        prop = to_text(token.text)
        if not self.at_op(COMPARISONS):
            return Present(prop)
        op = self.take().text
        return Compare(prop, op, self.operand(op))

    def group(self, token: _Token) -> Node:
        assert isinstance(token.node, Group)
        tokens: list[_Token] = []
        for expr in token.node.exprs:
            tokens.extend(_expression_tokens(expr))
        if not tokens:
            raise ScriptError("expected a condition inside ( )")
        inner = _Parser(_merged(tokens), self.evaluate)
        node = inner.condition()
        inner.expect_end()
        return node

    def operand(self, op: str) -> Operand:
        token = self.peek()
        if token is None:
            raise not_supported(f"a find/print condition that ends after {op!r}")
        self.take()
        if token.kind == "word":
            return Operand(word=token.text)
        if token.kind in ("value", "group"):
            return Operand(value="" if token.node is None else self.evaluate(token.node))
        raise not_supported(f"the find/print condition near {_token_text(token)!r} after {op!r}")


def _token_text(token: _Token) -> str:
    if token.node is not None:
        return _describe(token.node)
    return to_text(token.text)


# ----- evaluation


def _holds(node: Node, menu: str, row: Props) -> bool:
    if isinstance(node, Conjunction):
        return all(_holds(part, menu, row) for part in node.parts)
    if isinstance(node, Disjunction):
        return any(_holds(part, menu, row) for part in node.parts)
    if isinstance(node, Negation):
        return not _holds(node.inner, menu, row)
    if isinstance(node, Present):
        text = row.get(node.prop)
        if text is None:
            return False
        value = property_value(menu, node.prop, text)
        return value if isinstance(value, bool) else text != ""
    return compare(menu, row, node.prop, node.op, node.operand)


def compare(menu: str, row: Props, prop: str, op: str, operand: Operand) -> bool:
    """One comparison of a row's property with an operand, typed as RouterOS types them."""
    text = row.get(prop)
    if text is None:
        # An unset property equals only the empty string (`comment=""`) and is never ordered or matched.
        if op in ("=", "!="):
            empty = (operand.word if operand.word is not None else tostr(operand.value)) == ""
            return empty if op == "=" else not empty
        return False
    left = property_value(menu, prop, text)
    if op == "~":
        pattern = operand.word if operand.word is not None else tostr(operand.value)
        try:
            return re.search(pattern, _console_text(left)) is not None
        except re.error as problem:
            raise ScriptError(f"invalid regular expression {to_text(pattern)!r}: {problem}") from None
    if op == "in":
        return _inside(left, literal(operand.word) if operand.word is not None else operand.value, prop)
    right = _typed_operand(left, prop, operand)
    if op in ("=", "!="):
        equal = _equal(left, right)
        return equal if op == "=" else not equal
    result = binary(op, left, right)
    return bool(result)


def _typed_operand(left: Value, prop: str, operand: Operand) -> Value:
    """The operand in the property's type where RouterOS would read it so."""
    if operand.word is not None:
        word = operand.word
        if isinstance(left, str):
            if _host_prefix(word):
                # 10.0.0.1/24 unquoted: the router reads `/` and `:` outside quotes as operators, not as text.
                raise not_supported(f"the unquoted value {to_text(word)} in a condition (quote it)")
            return word
        if isinstance(left, bool):
            truth = tobool(word)
            if not isinstance(truth, bool):
                raise not_supported(f"comparing the boolean {prop} with {to_text(word)}")
            return truth
        if isinstance(left, ItemId):
            return ItemId(word) if word.startswith("*") else word
        right = literal(word)
    else:
        right = operand.value
    if isinstance(left, Duration) and isinstance(right, int) and not isinstance(right, bool):
        return Duration(right * 1000)
    if isinstance(left, bool) and isinstance(right, str) and operand.word is not None:
        return tobool(right)
    return right


def _host_prefix(word: str) -> bool:
    """An address with host bits and a prefix length (`10.0.0.1/24`), which is no ip-prefix literal."""
    address, slash, length = word.partition("/")
    if not slash or not _NUMBER.fullmatch(length) or parse_ip(address) is None:
        return False
    try:
        ipaddress.ip_network(word, strict=True)
    except ValueError:
        return True
    return False


def _equal(left: Value, right: Value) -> bool:
    if type(left) is type(right):
        return left == right
    if isinstance(right, str):
        # A quoted string against a typed property compares with the text the console prints for it.
        return _console_text(left) == right
    if isinstance(left, str):
        return left == tostr(right)
    return False


def _console_text(value: Value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return tostr(value)


def _inside(left: Value, right: Value, prop: str) -> bool:
    if not isinstance(right, ipaddress.IPv4Network | ipaddress.IPv6Network):
        raise not_supported(f"'in' with a right side that is no ip prefix ({tostr(right)!r})")
    if isinstance(left, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return left in right
    if isinstance(left, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return left.version == right.version and left.subnet_of(right)  # type: ignore[arg-type]
    if isinstance(left, str):
        # An interface address keeps its host bits (192.168.88.1/24): the address itself is what lies inside.
        network = parse_prefix(left)
        host = parse_ip(left.partition("/")[0])
        if network is not None and host is not None:
            return host in right
    raise not_supported(f"'in' on {prop}, which holds no address")


# ----- API query words (lab.query) share the typing


def typed_text(menu: str | None, prop: str, text: str) -> Value:
    """A printed value typed as a condition compares it; without a menu only name and comment are text."""
    if menu is not None:
        return property_value(menu, prop, text)
    return text if prop in ("name", "comment") else from_router(text)


def ordered(menu: str | None, prop: str, text: str, other: str, op: str) -> bool:
    """`?<name=x` and `?>name=x`: typed when both sides have one type that orders, else as text."""
    left, right = typed_text(menu, prop, text), typed_text(menu, prop, other)
    if isinstance(left, Duration) and isinstance(right, int) and not isinstance(right, bool):
        right = Duration(right * 1000)
    if type(left) is type(right) and not isinstance(left, bool | str | ItemId):
        try:
            return bool(binary(op, left, right))
        except ScriptError:
            pass
    return text < other if op == "<" else text > other

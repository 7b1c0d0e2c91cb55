"""Unary and binary operators on script values, with the type rules RouterOS applies."""

from __future__ import annotations

import ipaddress
import re

from lab.script.values import (
    NIL,
    NOTHING,
    Duration,
    ItemId,
    ScriptArray,
    ScriptError,
    Value,
    literal,
    not_supported,
    toarray,
    tostr,
    typeof,
)

_ORDERED = (int, str, Duration, ipaddress.IPv4Address, ipaddress.IPv6Address)


def unary(op: str, value: Value) -> Value:
    if op == "!" and isinstance(value, bool):
        return not value
    if op == "-" and isinstance(value, int) and not isinstance(value, bool):
        return -value
    if op == "-" and isinstance(value, Duration):
        return Duration(-value.ms)
    if op == "~" and isinstance(value, ipaddress.IPv4Address):
        return ipaddress.IPv4Address(~int(value) & 0xFFFFFFFF)
    if op == "~" and isinstance(value, int) and not isinstance(value, bool):
        return ~value
    raise ScriptError(f"cannot apply '{op}' to a value of type {typeof(value)}")


def _number(value: Value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _arithmetic(op: str, left: Value, right: Value) -> Value | None:
    if _number(left) and _number(right):
        a, b = int(left), int(right)  # type: ignore[arg-type]
        if op in "/%" and b == 0:
            raise ScriptError("division by zero")
        results = {"+": a + b, "-": a - b, "*": a * b, "/": int(a / b) if b else 0, "%": a % b if b else 0}
        return results[op]
    if isinstance(left, Duration) and isinstance(right, Duration) and op in "+-":
        return Duration(left.ms + right.ms if op == "+" else left.ms - right.ms)
    if isinstance(left, Duration) and _number(right) and op in "*/":
        factor = int(right)  # type: ignore[arg-type]
        if op == "/" and factor == 0:
            raise ScriptError("division by zero")
        return Duration(left.ms * factor if op == "*" else int(left.ms / factor))
    if isinstance(left, ipaddress.IPv4Address) and _number(right) and op in "+-":
        offset = int(right)  # type: ignore[arg-type]
        return left + offset if op == "+" else left - offset
    if isinstance(left, ipaddress.IPv4Address) and isinstance(right, ipaddress.IPv4Address) and op == "-":
        return int(left) - int(right)
    return None


def _bitwise(op: str, left: Value, right: Value) -> Value | None:
    both_ip = isinstance(left, ipaddress.IPv4Address) and isinstance(right, ipaddress.IPv4Address)
    shifted_ip = isinstance(left, ipaddress.IPv4Address) and _number(right) and op in ("<<", ">>")
    if not (both_ip or shifted_ip or (_number(left) and _number(right))):
        return None
    a, b = int(left), int(right)  # type: ignore[arg-type]
    results = {"&": a & b, "|": a | b, "^": a ^ b, "<<": a << b, ">>": a >> b}
    result = results[op]
    if isinstance(left, ipaddress.IPv4Address):
        return ipaddress.IPv4Address(result & 0xFFFFFFFF)
    return result


def _compare(op: str, left: Value, right: Value) -> bool:
    if op in ("=", "!=", "<>"):
        same = type(left) is type(right) and left == right
        if isinstance(left, ScriptArray) and isinstance(right, ScriptArray):
            same = left.entries() == right.entries()
        return same if op == "=" else not same
    if type(left) is not type(right) or not isinstance(left, _ORDERED) or isinstance(left, bool):
        raise ScriptError(f"cannot compare {typeof(left)} with {typeof(right)} using '{op}'")
    a: Value = left.ms if isinstance(left, Duration) else left
    b: Value = right.ms if isinstance(right, Duration) else right
    orders = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}  # type: ignore[operator]
    return orders[op]


def _contains(left: Value, right: Value) -> bool:
    if isinstance(right, ipaddress.IPv4Network | ipaddress.IPv6Network):
        if isinstance(left, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return left in right
        if isinstance(left, ipaddress.IPv4Network | ipaddress.IPv6Network):
            return left.version == right.version and left.subnet_of(right)  # type: ignore[arg-type]
    raise not_supported(
        f"'in' between {typeof(left)} and {typeof(right)} (the lab supports addresses in prefixes)"
    )


def index(container: Value, key: Value) -> Value:
    """`$array->key`: nothing when the key is absent."""
    if not isinstance(container, ScriptArray):
        return NOTHING
    if _number(key):
        return container.get(int(key))  # type: ignore[arg-type]
    if isinstance(key, str):
        return container.get(key)
    if isinstance(key, ItemId):
        return container.get(key.text)
    return NOTHING


def _element_key(key: Value) -> int | str:
    if _number(key):
        return int(key)  # type: ignore[arg-type]
    if isinstance(key, str):
        return key
    if isinstance(key, ItemId):
        return key.text
    raise not_supported(f"an array key of type {typeof(key)}")


def with_element(container: Value, keys: list[Value], value: Value) -> ScriptArray:
    """`:set ($a->"k"->"j") value`: a copy of the array with the element set, the arrays on the way copied
    too, so another variable holding the same array keeps its value. A missing key, or a variable holding
    nothing, becomes an array."""
    if container is NOTHING:
        result = ScriptArray()
    elif isinstance(container, ScriptArray):
        result = container.copy()
    else:
        raise not_supported(f"setting an element of a {typeof(container)} value")
    key = _element_key(keys[0])
    result.put(key, value if len(keys) == 1 else with_element(result.get(key), keys[1:], value))
    return result


def _elements(value: Value) -> ScriptArray:
    """An operand of `,` as an array: text splits at commas into words typed as a script's words are
    (`:toarray` parses its elements further, lab.script.values.parse_text)."""
    if isinstance(value, str) and value:
        return ScriptArray(items=[literal(part) for part in value.split(",")])
    return toarray(value)


def binary(op: str, left: Value, right: Value) -> Value:
    if op == ".":
        return tostr(left) + tostr(right)
    if op == ",":
        joined = _elements(left)
        combined = ScriptArray(items=list(joined.items), named=dict(joined.named))
        for key, value in _elements(right).entries():
            combined.put(len(combined.items) if isinstance(key, int) else key, value)
        return combined
    if op == "->":
        return index(left, right)
    if op in ("&&", "and", "||", "or"):
        if not isinstance(left, bool) or not isinstance(right, bool):
            raise ScriptError(f"'{op}' needs two bools, got {typeof(left)} and {typeof(right)}")
        return (left and right) if op in ("&&", "and") else (left or right)
    if op in ("=", "!=", "<>", "<", ">", "<=", ">="):
        return _compare(op, left, right)
    if op == "~":
        try:
            return re.search(tostr(right), tostr(left)) is not None
        except re.error as problem:
            raise ScriptError(f"invalid regular expression {tostr(right)!r}: {problem}") from None
    if op == "in":
        return _contains(left, right)
    if op == "+" and _number(left) and (right is NOTHING or right is NIL):
        # `(0 + [:tonum $2])` is how real scripts default a missing number to 0 (eworm-de/routeros-scripts'
        # InspectVarReturn, called with one argument).
        return left
    result = _arithmetic(op, left, right) if op in ("+", "-", "*", "/", "%") else _bitwise(op, left, right)
    if result is None:
        raise ScriptError(f"cannot apply '{op}' to {typeof(left)} and {typeof(right)}")
    return result

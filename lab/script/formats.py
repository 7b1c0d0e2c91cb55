"""`:convert` encodings, `:serialize`/`:deserialize` JSON on byte strings (see lab.script.values), and the
form `:environment print` shows values in."""

from __future__ import annotations

import base64
import binascii
import json
import urllib.parse
from typing import Any

from lab.script.values import (
    NIL,
    NOTHING,
    Code,
    ScriptArray,
    ScriptError,
    Value,
    from_text,
    not_supported,
    to_text,
    tostr,
)

ENCODINGS = ("raw", "hex", "base64", "url")


def _decode(data: bytes, encoding: str) -> bytes:
    try:
        if encoding == "hex":
            return binascii.unhexlify(data)
        if encoding == "base64":
            return base64.b64decode(data, validate=True)
        if encoding == "url":
            return urllib.parse.unquote_to_bytes(data)
    except (binascii.Error, ValueError):
        raise ScriptError(f"cannot convert from {encoding}: the input is not valid {encoding}") from None
    return data


def _encode(data: bytes, encoding: str) -> bytes:
    if encoding == "hex":
        return binascii.hexlify(data)
    if encoding == "base64":
        return base64.b64encode(data)
    if encoding == "url":
        # Percent-encode every byte outside the unreserved set (RFC 3986), so UTF-8 text survives a URL query.
        return urllib.parse.quote_from_bytes(data, safe="-._~").encode("ascii")
    return data


def convert(value: str, source: str, target: str) -> str:
    for name, encoding in (("from", source), ("to", target)):
        if encoding not in ENCODINGS:
            raise ScriptError(
                f"invalid value for argument {name}: {encoding} (the lab converts {', '.join(ENCODINGS)})"
            )
    data = _decode(value.encode("latin-1"), source)
    return _encode(data, target).decode("latin-1")


def _to_json(value: Value) -> Any:
    if value is NOTHING or value is NIL:
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, ScriptArray):
        if not value.named:
            return [_to_json(item) for item in value.items]
        return {str(key): _to_json(item) for key, item in value.entries()}
    return to_text(tostr(value))


def serialize(value: Value) -> str:
    return from_text(json.dumps(_to_json(value), ensure_ascii=False, separators=(",", ":")))


def _from_json(data: Any) -> Value:
    if data is None:
        return NIL
    if isinstance(data, bool | int):
        return data
    if isinstance(data, float):
        # RouterOS numbers are integers; a fraction stays readable as text.
        return str(data)
    if isinstance(data, str):
        return from_text(data)
    if isinstance(data, list):
        return ScriptArray(items=[_from_json(item) for item in data])
    return ScriptArray(named={from_text(key): _from_json(item) for key, item in data.items()})


def deserialize(text: str) -> Value:
    try:
        return _from_json(json.loads(to_text(text)))
    except json.JSONDecodeError as problem:
        raise ScriptError(f"failed to deserialize json: {problem.msg} at position {problem.pos}") from None


# ----- :environment print


def environment_value(value: Value) -> str:
    """A value as `:environment print` shows it (manual, Scripting and its Tips and Tricks): strings in double
    quotes, arrays in braces with `; ` between elements and `key=` before named ones, everything else in its
    print form: `a={x=5; y=2}`, `test={"el1"; "el2"}`, `array={}`, `myBps=71464`."""
    if isinstance(value, Code):
        raise not_supported(":environment print of a function (RouterOS shows its compiled form)")
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, ScriptArray):
        parts = [
            f"{key}={environment_value(item)}" if isinstance(key, str) else environment_value(item)
            for key, item in value.entries()
        ]
        return "{" + "; ".join(parts) + "}"
    return tostr(value)


def environment_column(value: Value) -> str | None:
    """A value as the `value` property of /system/script/environment: a string as it is, an array as
    `:environment print` shows it; None for a function (its compiled form is not emulated)."""
    if isinstance(value, Code):
        return None
    if isinstance(value, ScriptArray):
        try:
            return environment_value(value)
        except ScriptError:
            return None
    return tostr(value)

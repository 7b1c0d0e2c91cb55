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
    parse_text,
    to_text,
    tostr,
)

ENCODINGS = ("raw", "hex", "base64", "url")
# Formats RouterOS documents (manual, :convert; `num` and `byte-array` in later releases) that the lab lacks.
UNSUPPORTED_ENCODINGS = ("base32", "rot13", "num", "byte-array")


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
        if encoding in UNSUPPORTED_ENCODINGS:
            raise not_supported(f":convert {name}={encoding}")
        if encoding not in ENCODINGS:
            raise ScriptError(
                f"invalid value for argument {name}: {encoding} (the lab converts {', '.join(ENCODINGS)})"
            )
    data = _decode(value.encode("latin-1"), source)
    return _encode(data, target).decode("latin-1")


def _to_json(value: Value, convert_strings: bool) -> Any:
    if value is NOTHING or value is NIL:
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, ScriptArray):
        if not value.named:
            return [_to_json(item, convert_strings) for item in value.items]
        return {str(key): _to_json(item, convert_strings) for key, item in value.entries()}
    if convert_strings and isinstance(value, str):
        parsed = parse_text(value)
        if isinstance(parsed, int) and not isinstance(parsed, bool):
            return parsed
    return to_text(tostr(value))


def serialize(value: Value, convert_strings: bool = True) -> str:
    """JSON of a value. A string that reads as a number is written as a JSON number unless told not to
    (`options=json.no-string-conversion`, 7.17+): the option's existence says RouterOS converts by default;
    the lab converts numbers only (lab/README.md, Uncertain)."""
    return from_text(json.dumps(_to_json(value, convert_strings), ensure_ascii=False, separators=(",", ":")))


def _from_json(data: Any, convert_strings: bool) -> Value:
    if data is None:
        return NIL
    if isinstance(data, bool | int):
        return data
    if isinstance(data, float):
        # RouterOS numbers are integers; a fraction stays readable as text.
        return str(data)
    if isinstance(data, str):
        return parse_text(from_text(data)) if convert_strings else from_text(data)
    if isinstance(data, list):
        return ScriptArray(items=[_from_json(item, convert_strings) for item in data])
    # Keys name elements: they stay text whatever they look like.
    named = {from_text(key): _from_json(item, convert_strings) for key, item in data.items()}
    return ScriptArray(named=named)


def deserialize(text: str, convert_strings: bool = True) -> Value:
    """JSON to script values. RouterOS parses every JSON string as it parses text elsewhere (`"007"` is the
    num 7, `"10.1"` the ip 10.0.0.1) unless `options=json.no-string-conversion` (7.16+) keeps them text."""
    try:
        return _from_json(json.loads(to_text(text)), convert_strings)
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

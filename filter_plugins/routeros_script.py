"""Filters that put inventory text into RouterOS scripts as data, never as code.

RouterOS scripts are byte strings. Inside double quotes only `"`, `\\`, `$` and `?` are special and control
bytes need escapes; every other byte outside printable ASCII is written as `\\XX` (upper-case hex), so a
rendered script is plain ASCII whatever the operator typed. Message text is sent to Telegram as a form body,
so the notifier keeps its fixed texts percent-encoded and HTML-escaped here, on the controller, once.
"""

from __future__ import annotations

import html
import html.parser
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleFilterError

_SHORT_ESCAPES = {0x22: '\\"', 0x5C: "\\\\", 0x24: "\\$", 0x3F: "\\?", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def _text(value: Any, what: str) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        raise AnsibleFilterError(f"{what}: {value!r} is not text")
    return str(value)


def script_string(value: Any) -> str:
    """A RouterOS double-quoted string literal holding exactly the UTF-8 bytes of `value`."""
    out = ['"']
    for byte in _text(value, "routeros_script_string").encode("utf-8"):
        if byte in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[byte])
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:02X}")
    out.append('"')
    return "".join(out)


def url_encode(value: Any) -> str:
    """Percent-encoding of the UTF-8 bytes, as `:convert to=url` does on the router: unreserved bytes stay."""
    return urllib.parse.quote(_text(value, "routeros_url_encode").encode("utf-8"), safe="-._~")


def html_escape(value: Any) -> str:
    """What Telegram's HTML parse mode needs escaped in text: `&`, `<` and `>` only."""
    return html.escape(_text(value, "routeros_html_escape"), quote=False)


# The tags Telegram's HTML parse mode accepts (Bot API, "HTML style").
TELEGRAM_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre"}
    | {"blockquote", "tg-emoji"}
)
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class _Markup(html.parser.HTMLParser):
    """Finds what Telegram would refuse in a fixed message text: unknown tags, unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"<{tag}> is not a tag Telegram accepts")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes nothing open")
        else:
            self.open.pop()


def form_expression(template: Any, variables: dict[str, str], field: str) -> str:
    """A message part with placeholders (`<b>{name}</b>`) as a RouterOS expression building its form-body
    text: the fixed parts percent-encoded at render time, each placeholder a script variable that already
    holds encoded text. Unknown placeholders and markup Telegram refuses are reported with the field."""
    if not isinstance(template, str) or not template:
        raise AnsibleFilterError(f"{field}: {template!r} is not valid; expected a non-empty message text")
    pieces = PLACEHOLDER.split(template)
    fixed, names = pieces[0::2], pieces[1::2]
    unknown = sorted({name for name in names if name not in variables})
    if unknown:
        raise AnsibleFilterError(
            f"{field}: {template!r} is not valid; unknown placeholder(s) {', '.join(unknown)}; "
            f"expected only {', '.join('{' + name + '}' for name in sorted(variables))}"
        )
    checker = _Markup()
    checker.feed("".join(fixed))
    checker.close()
    problems = checker.problems + [f"<{tag}> is never closed" for tag in checker.open]
    if problems or any(brace in part for part in fixed for brace in "{}"):
        problems += ["{ and } may only surround a placeholder"] if not problems else []
        raise AnsibleFilterError(
            f"{field}: {template!r} is not valid; {'; '.join(problems)} (Telegram HTML: "
            f"{', '.join(sorted(TELEGRAM_TAGS))}; write &lt; &gt; &amp; for < > &)"
        )
    parts = []
    for index, text in enumerate(fixed):
        if text:
            parts.append(script_string(url_encode(text)))
        if index < len(names):
            parts.append(variables[names[index]])
    return "(" + " . ".join(parts) + ")"


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "routeros_script_string": script_string,
            "routeros_url_encode": url_encode,
            "routeros_html_escape": html_escape,
            "routeros_form_expression": form_expression,
        }

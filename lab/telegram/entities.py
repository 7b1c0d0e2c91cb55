"""Telegram's parse modes: HTML, MarkdownV2 and legacy Markdown turned into plain text plus message entities.

The rules and error texts follow the Bot API server's parser (tdlib's MessageEntity.cpp): entity offsets and
lengths count UTF-16 code units, error positions count UTF-8 bytes of the text as sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

HTML_TAGS = frozenset(
    (
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    )
)
HTML_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# The parser treats NUL as the end of the text, and tdlib counts it as a space.
SPACES = " \t\r\n\v\f\0"
MARKDOWN_V2_RESERVED = "_*[]()~`>#+-=|{}.!\n"
# How tdlib names an entity type in "Can't find end of ... entity" errors.
TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}


class EntityError(ValueError):
    """A parse error; str() is the text Telegram puts after `Bad Request: can't parse entities: `."""


def utf16_length(text: str) -> int:
    return sum(2 if ord(character) > 0xFFFF else 1 for character in text)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _at(text: str, index: int) -> str:
    return text[index] if index < len(text) else "\0"


def checked_link(url: str) -> str | None:
    """The URL a text link points to, or None when Telegram would drop the link silently."""
    if url.startswith(("tg://", "ton://")):
        return url
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "http", url
    if (
        scheme.lower() not in ("http", "https")
        or "." not in rest.split("/", 1)[0]
        or any(c in url for c in SPACES)
    ):
        return None
    return f"{scheme.lower()}://{rest if '/' in rest else rest + '/'}"


def _sorted(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda entity: (entity["offset"], -entity["length"]))


@dataclass
class _Output:
    """Parsed text as it grows, with its length in UTF-16 units for entity offsets."""

    parts: list[str] = field(default_factory=list)
    units: int = 0
    chars: int = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.units += utf16_length(text)
        self.chars += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def _html_entity(text: str, start: int) -> tuple[str, int] | None:
    """A character reference at `start` (`&lt;`, `&#60;`, `&#x3C;`, `;` optional) and the index after it."""
    end = start + 1
    if _at(text, end) == "#":
        end += 1
        hexadecimal = _at(text, end) == "x"
        end += hexadecimal
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        number_start = end
        while _at(text, end) in digits:
            end += 1
        number = int(text[number_start:end], 16 if hexadecimal else 10) if end > number_start else 0
        if number == 0 or number >= 0x10FFFF or end - start >= 10:
            return None
        character = chr(number)
    else:
        while _at(text, end).isascii() and _at(text, end).isalpha():
            end += 1
        named = NAMED_ENTITIES.get(text[start + 1 : end])
        if named is None:
            return None
        character = named
    return character, end + 1 if _at(text, end) == ";" else end


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int
    text_start: int
    expandable: bool = False


def _read_attribute_value(text: str, index: int) -> tuple[str, int]:
    quote = text[index]
    if quote not in "'\"":
        start = index
        while _at(text, index).isascii() and (_at(text, index).isalnum() or _at(text, index) in ".-"):
            index += 1
        if _at(text, index) not in SPACES + ">":
            raise EntityError(f"Unexpected end of name token at byte offset {_byte_offset(text, start)}")
        return text[start:index].lower(), index
    index += 1
    value: list[str] = []
    while index < len(text) and text[index] != quote:
        decoded = _html_entity(text, index) if text[index] == "&" else None
        if decoded is not None:
            value.append(decoded[0])
            index = decoded[1]
        else:
            value.append(text[index])
            index += 1
    return "".join(value), index + 1 if index < len(text) else index


def _open_tag(text: str, begin: int, out: _Output) -> tuple[_OpenTag, int]:
    index = begin + 1
    while _at(text, index) not in SPACES + ">":
        index += 1
    if index >= len(text):
        raise EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    name = text[begin + 1 : index].lower()

    def where() -> str:
        return f"at byte offset {_byte_offset(text, begin)}"

    if name not in HTML_TAGS:
        raise EntityError(f'Unsupported start tag "{name}" {where()}')
    tag = _OpenTag(name=name, argument="", offset=out.units, text_start=out.chars)
    while _at(text, index) != ">":
        while index < len(text) and text[index] in SPACES:
            index += 1
        if _at(text, index) == ">":
            break
        attribute_start = index
        while _at(text, index) not in SPACES + "=" and _at(text, index) != ">":
            index += 1
        attribute = text[attribute_start:index]
        if not attribute:
            raise EntityError(f'Empty attribute name in the tag "{name}" {where()}')
        if name == "blockquote" and attribute == "expandable" and _at(text, index) in SPACES + ">":
            tag.expandable = True
            continue
        while index < len(text) and text[index] in SPACES:
            index += 1
        if _at(text, index) != "=":
            raise EntityError(
                f'Expected equal sign in declaration of an attribute of the tag "{name}" {where()}'
            )
        index += 1
        while index < len(text) and text[index] in SPACES:
            index += 1
        if index >= len(text):
            raise EntityError(f'Unclosed start tag "{name}" {where()}')
        value, index = _read_attribute_value(text, index)
        if index >= len(text):
            raise EntityError(f"Unclosed start tag {where()}")
        if (name, attribute) in (("a", "href"), ("tg-emoji", "emoji-id")):
            tag.argument = value
        elif name == "code" and attribute == "class" and value.startswith("language-"):
            tag.argument = value.removeprefix("language-")
        elif name == "span" and attribute == "class" and value.startswith("tg-"):
            tag.argument = value.removeprefix("tg-")
    if name == "span" and tag.argument != "spoiler":
        raise EntityError(f'Tag "span" must have class "tg-spoiler" {where()}')
    return tag, index + 1


def _close_html_entity(tag: _OpenTag, out: _Output, entities: list[Entity]) -> None:
    if out.units <= tag.offset:
        return
    span = {"offset": tag.offset, "length": out.units - tag.offset}
    if tag.name in HTML_TYPES:
        entities.append({"type": HTML_TYPES[tag.name], **span})
    elif tag.name == "blockquote":
        entities.append({"type": "expandable_blockquote" if tag.expandable else "blockquote", **span})
    elif tag.name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            raise EntityError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", **span, "custom_emoji_id": tag.argument})
    elif tag.name == "a":
        url = checked_link(tag.argument or out.text()[tag.text_start :])
        if url is not None:
            entities.append({"type": "text_link", **span, "url": url})
    else:
        # <pre><code class="language-x"> (in either order) is one pre entity with a language.
        last = entities[-1] if entities else {}
        same_span = (last.get("offset"), last.get("length")) == (span["offset"], span["length"])
        if tag.name == "pre" and same_span and last["type"] == "code" and "language" in last:
            last["type"] = "pre"
        elif tag.name == "code" and same_span and last["type"] == "pre" and tag.argument:
            last["language"] = tag.argument
        elif tag.name == "pre":
            entities.append({"type": "pre", **span})
        else:
            entities.append({"type": "code", **span, **({"language": tag.argument} if tag.argument else {})})


def parse_html(text: str) -> tuple[str, list[Entity]]:
    out = _Output()
    entities: list[Entity] = []
    stack: list[_OpenTag] = []
    index = 0
    while index < len(text):
        character = text[index]
        decoded = _html_entity(text, index) if character == "&" else None
        if decoded is not None:
            out.add(decoded[0])
            index = decoded[1]
            continue
        if character != "<":
            out.add(character)
            index += 1
            continue
        if _at(text, index + 1) != "/":
            tag, index = _open_tag(text, index, out)
            stack.append(tag)
            continue
        begin = index
        if not stack:
            raise EntityError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
        end = index + 2
        while _at(text, end) not in SPACES + ">":
            end += 1
        name = text[index + 2 : end].lower()
        while end < len(text) and text[end] in SPACES:
            end += 1
        if _at(text, end) != ">":
            raise EntityError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
        tag = stack.pop()
        if name and name != tag.name:
            raise EntityError(
                f'Unmatched end tag at byte offset {_byte_offset(text, begin)}, expected "</{tag.name}>", '
                f'found "</{name}>"'
            )
        _close_html_entity(tag, out, entities)
        index = end + 1
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    parsed = out.text()
    if any(0xD800 <= ord(character) <= 0xDFFF for character in parsed):
        raise EntityError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
            "surrogate code units"
        )
    return parsed, _sorted(entities)


@dataclass
class _OpenMark:
    type: str
    offset: int
    source_index: int
    text_start: int
    language: str = ""

    def unclosed(self, text: str) -> EntityError:
        where = _byte_offset(text, self.source_index)
        return EntityError(f"Can't find end of {TYPE_NAMES[self.type]} entity at byte offset {where}")


def _reserved(character: str) -> EntityError:
    return EntityError(f"Character '{character}' is reserved and must be escaped with the preceding '\\'")


def _ends_markdown_v2(mark: _OpenMark, text: str, index: int) -> bool:
    character, following = text[index], _at(text, index + 1)
    if mark.type in ("pre", "pre_code"):
        return text.startswith("```", index)
    return {
        "bold": character == "*",
        "italic": character == "_" and following != "_",
        "underline": character == "_" and following == "_",
        "code": character == "`",
        "text_link": character == "]",
        "custom_emoji": character == "]",
        "strikethrough": character == "~",
        "spoiler": character == "|" and following == "|",
    }.get(mark.type, False)


def _link_target(text: str, index: int) -> tuple[str, int]:
    """The `(url)` after `]` at `index`, with `\\` escapes resolved, and the index of its `)`."""
    start = index = index + 2
    url: list[str] = []
    while index < len(text) and text[index] != ")":
        if text[index] == "\\" and "\0" < _at(text, index + 1) <= "~":
            url.append(text[index + 1])
            index += 2
            continue
        url.append(text[index])
        index += 1
    if index >= len(text):
        raise EntityError(f"Can't find end of a URL at byte offset {_byte_offset(text, start)}")
    return "".join(url), index


def _open_markdown_v2(text: str, index: int, out: _Output) -> tuple[_OpenMark | None, int]:
    """The entity starting at `index` (None for a line break) and the index of its last marker character."""
    character, following = text[index], _at(text, index + 1)
    start = index
    language = ""
    if character == "_":
        kind = "underline" if following == "_" else "italic"
        index += following == "_"
    elif character == "|" and following == "|":
        kind, index = "spoiler", index + 1
    elif character == "!" and following == "[":
        kind, index = "custom_emoji", index + 1
    elif character == "`" and text.startswith("```", index):
        kind, index = "pre", index + 3
        language_end = index
        while _at(text, language_end) not in SPACES + "`":
            language_end += 1
        if language_end > index and _at(text, language_end) not in "`\0":
            kind, language, index = "pre_code", text[index:language_end], language_end
        if _at(text, index) in "\r\n":
            pair = _at(text, index + 1) in "\r\n" and _at(text, index + 1) != text[index]
            index += 2 if pair else 1
        index -= 1
    elif character == ">" and index == 0:
        kind = "blockquote"
    elif character == "\n":
        out.add("\n")
        if following == ">":
            return _OpenMark("blockquote", out.units, start, out.chars), index + 1
        return None, index
    else:
        kind = {"*": "bold", "~": "strikethrough", "[": "text_link", "`": "code"}.get(character, "")
        if not kind:
            raise _reserved(character)
    return _OpenMark(kind, out.units, start, out.chars, language), index


def _close_markdown_v2(mark: _OpenMark, text: str, index: int, out: _Output, entities: list[Entity]) -> int:
    """Ends `mark` at `index`; returns the index of its last marker character."""
    entity: Entity = {"type": mark.type, "offset": mark.offset, "length": out.units - mark.offset}
    if mark.type in ("underline", "spoiler"):
        index += 1
    elif mark.type in ("pre", "pre_code"):
        index += 2
        entity["type"] = "pre"
        if mark.language:
            entity["language"] = mark.language
    elif mark.type == "text_link":
        if _at(text, index + 1) == "(":
            url, index = _link_target(text, index)
        else:
            url = out.text()[mark.text_start :]
        checked = checked_link(url)
        if checked is None:
            return index
        entity["url"] = checked
    elif mark.type == "custom_emoji":
        if _at(text, index + 1) != "(":
            raise EntityError("Custom emoji entity must contain a tg://emoji URL")
        url, index = _link_target(text, index)
        emoji_id = url.removeprefix("tg://emoji?id=")
        if not url.startswith("tg://emoji?id=") or not emoji_id.isdigit() or int(emoji_id) == 0:
            raise EntityError("Invalid custom emoji identifier specified")
        entity["custom_emoji_id"] = emoji_id
    if entity["length"] > 0:
        entities.append(entity)
    return index


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    out = _Output()
    entities: list[Entity] = []
    stack: list[_OpenMark] = []
    index = 0
    while index < len(text):
        character = text[index]
        if character == "\\" and "\0" < _at(text, index + 1) <= "~":
            out.add(text[index + 1])
            index += 2
            continue
        in_code = bool(stack) and stack[-1].type in ("code", "pre", "pre_code")
        if character not in ("`" if in_code else MARKDOWN_V2_RESERVED):
            out.add(character)
            index += 1
            continue
        quote_ends = (
            any(m.type == "blockquote" for m in stack) and character == "\n" and _at(text, index + 1) != ">"
        )
        if stack and (quote_ends or _ends_markdown_v2(stack[-1], text, index)):
            mark = stack[-1]
            if character == "\n" and mark.type != "blockquote":
                raise mark.unclosed(text)
            if mark.type == "blockquote":
                # The quote keeps the line break that ends it.
                empty = out.units == mark.offset
                out.add("\n")
                if not empty:
                    entities.append(
                        {"type": "blockquote", "offset": mark.offset, "length": out.units - mark.offset}
                    )
            else:
                index = _close_markdown_v2(mark, text, index, out, entities)
            stack.pop()
        else:
            opened, index = _open_markdown_v2(text, index, out)
            if opened is not None and not (
                opened.type == "blockquote" and any(m.type == "blockquote" for m in stack)
            ):
                stack.append(opened)
        index += 1
    if stack and stack[-1].type == "blockquote":
        mark = stack.pop()
        if out.units > mark.offset:
            entities.append({"type": "blockquote", "offset": mark.offset, "length": out.units - mark.offset})
    if stack:
        raise stack[-1].unclosed(text)
    return out.text(), _sorted(entities)


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: `*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````, `[text](url)`."""
    out = _Output()
    entities: list[Entity] = []
    index = 0
    while index < len(text):
        character = text[index]
        if character == "\\" and _at(text, index + 1) in "_*`[":
            out.add(text[index + 1])
            index += 2
            continue
        if character not in "_*`[":
            out.add(character)
            index += 1
            continue
        begin = index
        closing = "]" if character == "[" else character
        is_pre = text.startswith("```", index)
        language = ""
        index += 1
        if is_pre:
            index += 2
            language_end = index
            while _at(text, language_end) not in SPACES + "`":
                language_end += 1
            if language_end > index and _at(text, language_end) not in "`\0":
                language, index = text[index:language_end], language_end
            if _at(text, index) in "\r\n":
                pair = _at(text, index + 1) in "\r\n" and _at(text, index + 1) != text[index]
                index += 2 if pair else 1
        start_units = out.units
        while index < len(text) and (
            text[index] != closing or (is_pre and not text.startswith("```", index))
        ):
            out.add(text[index])
            index += 1
        if index >= len(text):
            raise EntityError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        span = {"offset": start_units, "length": out.units - start_units}
        if character == "[":
            url = text[begin + 1 : index]
            if _at(text, index + 1) == "(":
                close = text.find(")", index + 2)
                close = len(text) if close < 0 else close
                url, index = text[index + 2 : close], close
            checked = checked_link(url)
            if span["length"] and checked is not None:
                entities.append({"type": "text_link", **span, "url": checked})
        elif span["length"]:
            kind = {"_": "italic", "*": "bold"}.get(character, "pre" if is_pre else "code")
            entities.append({"type": kind, **span, **({"language": language} if language else {})})
        index += 3 if is_pre else 1
    return out.text(), _sorted(entities)


PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}

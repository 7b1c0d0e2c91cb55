"""Parse modes turn markup into Telegram's text and entities: UTF-16 offsets, nesting, escapes, edge cases."""

from __future__ import annotations

import pytest

from lab.telegram.entities import EntityError, parse_html, parse_markdown_v2


def test_offsets_count_utf16_units_so_an_emoji_counts_two() -> None:
    text, entities = parse_markdown_v2("🔴 *DOWN* srv")
    assert text == "🔴 DOWN srv"
    assert entities == [{"type": "bold", "offset": 3, "length": 4}]


def test_markdown_v2_escapes_nesting_links_and_code() -> None:
    text, entities = parse_markdown_v2("*b _i_* [a\\.b](http://example.com/x\\)y) `1.2-3` \\\\")
    assert text == "b i a.b 1.2-3 \\"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 3},
        {"type": "italic", "offset": 2, "length": 1},
        {"type": "text_link", "offset": 4, "length": 3, "url": "http://example.com/x)y"},
        {"type": "code", "offset": 8, "length": 5},
    ]


def test_markdown_v2_pre_with_language_and_blockquote() -> None:
    assert parse_markdown_v2("```sh\nping 10.0.0.1\n```") == (
        "ping 10.0.0.1\n",
        [{"type": "pre", "offset": 0, "length": 14, "language": "sh"}],
    )
    assert parse_markdown_v2(">one\n>two\nafter") == (
        "one\ntwo\nafter",
        [{"type": "blockquote", "offset": 0, "length": 8}],
    )


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("*a\n>b", "Can't find end of Bold entity at byte offset 0"),
        ("a>b", "Character '>' is reserved and must be escaped with the preceding '\\'"),
        ("_x", "Can't find end of Italic entity at byte offset 0"),
        ("é [x](http://a.b", "Can't find end of a URL at byte offset 7"),
        ("x | y", "Character '|' is reserved and must be escaped with the preceding '\\'"),
    ],
)
def test_markdown_v2_errors_name_the_character_or_the_byte_offset(source: str, error: str) -> None:
    with pytest.raises(EntityError) as raised:
        parse_markdown_v2(source)
    assert str(raised.value) == error


def test_html_decodes_character_references_and_keeps_unknown_ones() -> None:
    # Telegram supports &lt; &gt; &amp; &quot; and numeric references; any other `&` stays literal text.
    assert parse_html("&lt;b&gt; &amp; &quot; &#128308; &#x41; &nbsp; AT&T")[0] == '<b> & " 🔴 A &nbsp; AT&T'


def test_html_links_code_and_spoilers() -> None:
    text, entities = parse_html(
        '<a href="https://example.com?a=1&amp;b=2">x</a> <pre><code class="language-py">y</code></pre> '
        '<span class="tg-spoiler">z</span>'
    )
    assert text == "x y z"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 1, "url": "https://example.com?a=1&b=2/"},
        {"type": "pre", "offset": 2, "length": 1, "language": "py"},
        {"type": "spoiler", "offset": 4, "length": 1},
    ]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("é <b", "Unclosed start tag at byte offset 3"),
        ("<b>x</b></i>", "Unexpected end tag at byte offset 8"),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b x>y</b>", 'Expected equal sign in declaration of an attribute of the tag "b" at byte offset 0'),
        (
            "&#xD800;",
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units",
        ),
    ],
)
def test_html_errors_are_telegrams(source: str, error: str) -> None:
    with pytest.raises(EntityError) as raised:
        parse_html(source)
    assert str(raised.value) == error

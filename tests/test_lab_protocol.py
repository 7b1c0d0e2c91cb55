"""The API word encoding: every length size, both directions, and refusal of reserved control bytes."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab import protocol

# Boundaries of the five length encodings (BRIEF §5).
BOUNDARIES = [0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, 0x1FFFFF, 0x200000, 0xFFFFFFF, 0x10000000, 0xFFFFFFFF]


@pytest.mark.parametrize("length", BOUNDARIES)
def test_length_round_trips_at_every_size_boundary(length):
    encoded = protocol.encode_length(length)
    assert protocol.length_size(encoded[0]) == len(encoded)
    assert protocol.decode_length(encoded) == length


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (0x7F, b"\x7f"),
        (0x80, b"\x80\x80"),
        (0x4000, b"\xc0\x40\x00"),
        (0x200000, b"\xe0\x20\x00\x00"),
        (0x10000000, b"\xf0\x10\x00\x00\x00"),
    ],
)
def test_length_bytes_match_the_documented_layout(length, expected):
    assert protocol.encode_length(length) == expected


def test_reserved_control_byte_is_refused():
    with pytest.raises(protocol.ProtocolError):
        protocol.length_size(0xF8)


@given(st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=5))
def test_sentences_round_trip_through_a_stream(words):
    async def read_back() -> list[str]:
        reader = asyncio.StreamReader()
        reader.feed_data(protocol.encode_sentence(words))
        reader.feed_eof()
        return await protocol.read_sentence(reader)

    assert asyncio.run(read_back()) == words

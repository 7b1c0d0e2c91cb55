"""The RouterOS API wire format: length-prefixed words grouped into sentences.

Pure encoding and decoding; no knowledge of commands or state.
"""

from __future__ import annotations

import asyncio

MAX_WORD = 0xFFFFFFFF


class ProtocolError(Exception):
    """The peer sent bytes that are not a valid API sentence."""


def encode_length(length: int) -> bytes:
    if length < 0 or length > MAX_WORD:
        raise ProtocolError(f"word length {length} is outside 0..{MAX_WORD}")
    if length < 0x80:
        return length.to_bytes(1, "big")
    if length < 0x4000:
        return (length | 0x8000).to_bytes(2, "big")
    if length < 0x200000:
        return (length | 0xC00000).to_bytes(3, "big")
    if length < 0x10000000:
        return (length | 0xE0000000).to_bytes(4, "big")
    return b"\xf0" + length.to_bytes(4, "big")


def length_size(first: int) -> int:
    """How many bytes a length prefix takes, judged from its first byte."""
    if first < 0x80:
        return 1
    if first < 0xC0:
        return 2
    if first < 0xE0:
        return 3
    if first < 0xF0:
        return 4
    if first == 0xF0:
        return 5
    raise ProtocolError(f"reserved control byte 0x{first:02X} where a word length was expected")


def decode_length(prefix: bytes) -> int:
    size = length_size(prefix[0])
    if len(prefix) != size:
        raise ProtocolError(f"length prefix needs {size} bytes, got {len(prefix)}")
    if size == 5:
        return int.from_bytes(prefix[1:], "big")
    masks = {1: 0x7F, 2: 0x3FFF, 3: 0x1FFFFF, 4: 0x0FFFFFFF}
    return int.from_bytes(prefix, "big") & masks[size]


def encode_word(word: str) -> bytes:
    raw = word.encode("utf-8", errors="surrogateescape")
    return encode_length(len(raw)) + raw


def encode_sentence(words: list[str]) -> bytes:
    return b"".join(encode_word(w) for w in words) + b"\x00"


def decode_word(raw: bytes) -> str:
    # RouterOS words are bytes; clients that use another encoding still round-trip through surrogateescape.
    return raw.decode("utf-8", errors="surrogateescape")


async def read_word(reader: asyncio.StreamReader) -> str:
    first = await reader.readexactly(1)
    size = length_size(first[0])
    prefix = first + (await reader.readexactly(size - 1) if size > 1 else b"")
    length = decode_length(prefix)
    return decode_word(await reader.readexactly(length)) if length else ""


async def read_sentence(reader: asyncio.StreamReader) -> list[str]:
    """Read words up to the empty word that ends a sentence. Raises IncompleteReadError on EOF."""
    words: list[str] = []
    while True:
        word = await read_word(reader)
        if word == "":
            return words
        words.append(word)

"""Which menu properties a script reads as text: the menu's kinds and the command tree's type say so, not the
printed text. Everything else keeps its typing by text (numbers, booleans, times, addresses, ids)."""

from __future__ import annotations

import ipaddress

import pytest

from lab.script.properties import is_text, property_value, row_value
from lab.script.values import Duration, ItemId


@pytest.mark.parametrize(
    ("menu", "prop"),
    [
        ("tool/netwatch", "name"),  # tree: Name
        ("tool/netwatch", "comment"),  # tree: Comment
        ("tool/netwatch", "up-script"),  # kinds: text (tree: Script)
        ("system/script", "source"),
        ("system/scheduler", "on-event"),
        ("file", "contents"),
        ("file", "name"),  # no type in the tree: a name is text in every menu
        ("system/logging", "prefix"),  # tree: Prefix
        ("certificate", "common-name"),  # tree: CommonName
        ("log", "message"),  # read-only: kinds say text
        ("system/script/job", "script"),
        ("tool", "data"),  # what fetch downloaded
    ],
)
def test_free_text_properties_are_text(menu: str, prop: str) -> None:
    assert is_text(menu, prop)


@pytest.mark.parametrize(
    ("menu", "prop"),
    [
        ("tool/netwatch", "host"),
        ("tool/netwatch", "interval"),
        ("tool/netwatch", "done-tests"),
        ("ip/address", "address"),
        ("ip/route", "distance"),
        ("interface", "mtu"),
        ("system/clock", "time"),
        ("no/such/menu", "whatever"),
    ],
)
def test_typed_properties_are_not_text(menu: str, prop: str) -> None:
    assert not is_text(menu, prop)


def test_a_text_property_keeps_what_would_look_like_another_type() -> None:
    for text in ("1m", "10", "true", "10.0.0.1", "*1A", "10.0.0.0/8"):
        assert property_value("tool/netwatch", "comment", text) == text


def test_other_properties_keep_their_typing() -> None:
    row = row_value(
        "tool/netwatch",
        {
            ".id": "*1",
            "name": "5m",
            "host": "10.0.0.1",
            "interval": "5m",
            "done-tests": "3",
            "disabled": "false",
        },
    )
    assert row.named == {
        ".id": ItemId("*1"),
        "name": "5m",
        "host": ipaddress.IPv4Address("10.0.0.1"),
        "interval": Duration(300_000),
        "done-tests": 3,
        "disabled": False,
    }


def test_a_fetch_result_keeps_its_data_as_text() -> None:
    row = row_value("tool", {"status": "finished", "downloaded": "0", "duration": "1s", "data": "42"})
    assert row.named == {"status": "finished", "downloaded": 0, "duration": Duration(1000), "data": "42"}

"""Which chats get playbooks/verify.yml's test alerts, and which chats Telegram may upgrade: the chat rows
the notifier's scripts are rendered from, and the check that refuses a bad mark by its field."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "filter_plugins"))

import routeros_alerting as alerting

GROUP, FORUM, PRIVATE = "-4000000001", "-1002000000001", "111111111"


def _tests(chats: list[dict[str, object]]) -> list[bool]:
    return [row["test"] for row in alerting.chat_rows(chats)]


def test_without_any_mark_only_the_first_chat_gets_tests():
    assert _tests([{"id": GROUP}, {"id": FORUM, "topic": 2}, {"id": PRIVATE}]) == [True, False, False]


def test_with_marks_exactly_the_marked_chats_get_tests():
    chats = [{"id": GROUP}, {"id": FORUM, "topic": 2, "verify": True}, {"id": PRIVATE, "verify": "yes"}]
    assert _tests(chats) == [False, True, True]
    assert [key["test"] for key in alerting.chat_keys(chats)] == [False, True, True]


def test_a_chat_marked_false_everywhere_leaves_no_chat_for_tests():
    assert _tests([{"id": GROUP, "verify": False}, {"id": PRIVATE, "verify": False}]) == [False, False]


def test_only_a_basic_group_is_one_telegram_may_upgrade():
    rows = alerting.chat_rows([{"id": GROUP}, {"id": FORUM}, {"id": PRIVATE}, {"id": "@alerts_channel"}])
    assert [row["group"] for row in rows] == [True, False, False, False]


def test_a_mark_that_is_not_a_boolean_is_refused_by_its_field():
    settings = {
        "token": "123456789:LAB-telegram-token-0000000000000000",
        "chats": [{"id": GROUP}, {"id": PRIVATE, "verify": "sometimes"}],
    }
    with pytest.raises(AnsibleFilterError) as raised:
        alerting.check_telegram(settings)
    assert "routeros_telegram_chats[1].verify: 'sometimes' is not valid; expected true or false" in str(
        raised.value
    )

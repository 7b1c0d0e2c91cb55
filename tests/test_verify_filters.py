"""How playbooks/verify.yml judges what a router answered: every failure gets a reason and a fix an operator
can act on, and the lab's inbox is compared with what the router says Telegram accepted."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "filter_plugins"))

import routeros_verify as verify

CHATS = [{"key": "-4000000001/", "name": "-4000000001", "id": "-4000000001", "topic": ""}]
NOW = 1_795_000_000.0


def _raw(**changes):
    clock = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(NOW))
    leg = {
        "triggered_at": NOW,
        "probe": {"status": "down"},
        "receipts": {"-4000000001/": {"ok": True, "date": NOW + 1}},
    }
    raw = {
        "identity": "r1",
        "version": "7.21.4",
        "controller_time": NOW,
        "check": {
            "clock": clock,
            "offset": "+00:00",
            "token": True,
            "resolve": {"ok": True, "address": "149.154.167.220"},
            "getme": {"ok": True, "username": "bot"},
            "chats": {"-4000000001/": {"ok": True, "type": "group"}},
        },
        "down": leg,
        "up": {**leg, "probe": {"status": "up"}},
    }
    raw.update(changes)
    return raw


def test_a_router_that_passed_everything():
    verdict = verify.verdict(_raw(), "r1", CHATS)
    assert verdict["ok"] and verdict["down"] == {"delivered": True, "delay": 2, "reasons": []}


@pytest.mark.parametrize(
    ("error", "method", "reason", "fix"),
    [
        ("failure: Fetch failed with status 401", "getMe", "401 Unauthorized", "routeros_telegram_token"),
        ("failure: Status 400, Bad Request", "getChat", "(chat not found) for chat x", "add the bot"),
        ("failure: Fetch failed with status 403", "sendMessage", "removed from the chat", "add the bot"),
        ("failure: Fetch failed with status 429", "sendMessage", "429 Too Many Requests", "bot of its own"),
        ("failure: could not resolve dns name", "sendMessage", "cannot resolve", "uplink"),
        (
            "failure: SSL: handshake failed: unable to get local issuer certificate (6)",
            "getMe",
            "does not trust the Bot API's certificate",
            "routeros_telegram_trust",
        ),
        ("failure: SSL: handshake failed: certificate is not yet valid (6)", "getMe", "clock", "ntp"),
    ],
)
def test_each_error_has_a_reason_and_a_fix(error, method, reason, fix):
    found_reason, found_fix = verify.explain(error, method, "x")
    assert reason in found_reason and fix in found_fix


def test_an_unsynced_clock_is_named_with_what_it_says():
    raw = _raw()
    raw["check"]["clock"] = "1970-01-02 00:05:00"
    [problem] = [p for p in verify.verdict(raw, "r1", CHATS)["problems"] if p["check"] == "clock"]
    assert (
        problem["reason"] == "the router's clock is not set (1970-01-02 00:05:00: no NTP and no clock chip)"
    )


def test_a_clock_in_another_time_zone_is_compared_in_utc():
    raw = _raw()
    raw["check"]["clock"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(NOW + 7 * 3600))
    raw["check"]["offset"] = "+07:00"
    assert verify.verdict(raw, "r1", CHATS)["ok"]


def test_an_undelivered_down_skips_the_up_and_says_why():
    receipts = {"-4000000001/": {"ok": False, "final": False, "error": "failure: connection timeout"}}
    raw = _raw(down={"triggered_at": NOW, "probe": {"status": "down"}, "receipts": receipts}, up=None)
    verdict = verify.verdict(raw, "r1", CHATS)
    assert not verdict["ok"]
    assert verdict["down"]["reasons"] == [
        "Telegram did not answer in time (failure: connection timeout)"
        " (still retrying: the queue does not drain)"
    ]
    assert verdict["up"]["reasons"] == ["not tried: the test DOWN was not delivered"]


def test_a_probe_that_never_changed_is_named():
    raw = _raw(up={"triggered_at": NOW, "probe": {"status": "down", "host": "127.0.0.1"}, "receipts": {}})
    assert verify.verdict(raw, "r1", CHATS)["up"]["reasons"] == [
        "Netwatch saw the test probe towards 127.0.0.1 as down, not up"
    ]


def test_a_router_that_could_not_be_tested():
    verdict = verify.verdict({}, "r1", CHATS, "connection refused")
    assert not verdict["ok"] and "connection refused" in verdict["problems"][0]["reason"]


def test_the_table_has_a_line_per_router_and_every_reason_with_its_fix():
    good = verify.verdict(_raw(), "r1", CHATS)
    bad = verify.verdict({}, "r2", CHATS, "connection refused")
    lines = verify.table([good, bad]).splitlines()
    assert lines[1].split() == ["r1", "ok", "delivered", "within", "2", "s", "delivered", "within", "2", "s"]
    assert lines[2].split()[:2] == ["r2", "FAIL"]
    assert lines[3].startswith("r2: the test could not run: connection refused -> ")


def test_the_lab_inbox_must_hold_the_very_text_the_router_sent():
    raw = _raw()
    sent = "%F0%9F%96%A5%20%3Cb%3Er1%3C%2Fb%3E%0A%0A%3Ci%3Ea%20%26amp%3B%20b%3C%2Fi%3E"
    for leg in ("down", "up"):
        raw[leg]["receipts"]["-4000000001/"].update({"message_id": 7, "text": sent})
    inbox = [{"chat_id": -4000000001, "message_id": 7, "text": "🖥 r1\n\na & b"}]
    assert verify.inbox_problems(inbox, raw, CHATS) == []
    inbox[0]["text"] = "🖥 r1\n\na &amp; b"
    assert verify.inbox_problems(inbox, raw, CHATS) == [
        "the DOWN for chat -4000000001 arrived with another text",
        "the UP for chat -4000000001 arrived with another text",
    ]

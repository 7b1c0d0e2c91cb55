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
            "storage": {"dir": "netwatch-telegram", "flash": False},
            "write": {"bytes": 4000, "ok": True, "read": 4000},
            "roundtrip": {"ok": True, "stored": True, "changed": []},
            "refusal": {
                "ok": False,
                "error": "failure: 401 should contain www-authenticate header",
                "code": 401,
            },
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
        # Telegram's 401 carries no WWW-Authenticate header, so RouterOS words it without "status".
        (
            "failure: 401 should contain www-authenticate header",
            "getMe",
            "401 Unauthorized",
            "routeros_telegram_token",
        ),
        ("failure: Status 404, Not Found", "getMe", "404 Not Found", "routeros_telegram_api_url"),
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


def _problem(raw, name):
    verdict = verify.verdict(raw, "r1", CHATS)
    assert not verdict["ok"]
    [found] = [p for p in verdict["problems"] if p["check"] == name]
    return found


def test_every_assumption_that_holds_is_shown_as_holding():
    checks = verify.verdict(_raw(), "r1", CHATS)["checks"]
    assert checks["storage"] == "netwatch-telegram (kept across a reboot)"
    assert checks["file size"] == "4000 bytes read back whole"
    assert checks["stored text"] == "comes back verbatim"
    assert checks["refusal"] == "a refused token reads as HTTP 401"


def test_storage_outside_flash_on_a_ram_root_board_is_named():
    raw = _raw()
    raw["check"]["storage"] = {"dir": "netwatch-telegram", "flash": True}
    found = _problem(raw, "storage")
    assert (
        "netwatch-telegram, on the RAM disk" in found["reason"] and "lost at every reboot" in found["reason"]
    )
    assert "routeros_telegram_storage to flash/" in found["fix"]


def test_a_missing_token_names_the_file_it_looked_for():
    raw = _raw()
    raw["check"].update(token=False, storage={"dir": "flash/netwatch-telegram", "flash": True})
    raw["check"].pop("getme")
    assert (
        _problem(raw, "token")["reason"] == "no bot token in flash/netwatch-telegram/bot-token on the router"
    )


def test_a_file_cut_short_is_named_with_both_sizes():
    raw = _raw()
    raw["check"]["write"] = {"bytes": 4000, "ok": False, "read": 1024}
    found = _problem(raw, "file size")
    assert (
        "a file of 4000 bytes, the largest the notifier writes, reads back as 1024 bytes" in found["reason"]
    )
    assert "free space" in found["fix"]


def test_text_that_does_not_come_back_verbatim_is_named():
    raw = _raw()
    raw["check"]["roundtrip"] = {"ok": False, "stored": True, "changed": [{"sent": "007", "got": "7"}]}
    assert "'007' came back as '7'" in _problem(raw, "stored text")["reason"]


@pytest.mark.parametrize(
    ("refusal", "said"),
    [
        (
            {"ok": False, "error": "failure: connection reset", "code": 0},
            "failed with 'failure: connection reset'",
        ),
        ({"ok": True}, "was accepted"),
    ],
)
def test_a_refusal_not_read_as_401_is_named(refusal, said):
    raw = _raw()
    raw["check"]["refusal"] = refusal
    found = _problem(raw, "refusal")
    assert said in found["reason"] and "not 401" in found["reason"]


def test_a_refusal_is_not_judged_when_telegram_was_not_reached():
    raw = _raw()
    raw["check"]["getme"] = {"ok": False, "error": "failure: connection timeout", "code": 0}
    raw["check"]["refusal"] = {"ok": False, "error": "failure: connection timeout", "code": 0}
    assert "refusal" not in [p["check"] for p in verify.verdict(raw, "r1", CHATS)["problems"]]


def test_a_check_from_an_older_toolkit_asks_for_a_rerun():
    raw = _raw()
    for fact in ("storage", "write", "roundtrip", "refusal"):
        raw["check"].pop(fact)
    problems = verify.verdict(raw, "r1", CHATS)["problems"]
    assert [p["check"] for p in problems] == ["storage", "file size", "stored text", "refusal"]
    assert all(p["fix"].startswith("rerun site.yml") for p in problems)


def test_an_unsupported_version_is_the_only_problem_and_says_to_upgrade():
    message = "routeros_api_hostname 10.0.0.1: RouterOS 7.14.3 (stable) is not supported"
    verdict = verify.verdict({"run": "x", "unsupported": message}, "r1", CHATS)
    assert verdict["problems"] == [
        {
            "check": "version",
            "reason": message,
            "fix": "upgrade RouterOS on the router, then rerun playbooks/verify.yml",
        }
    ]


def test_a_newer_version_than_tested_is_shown_not_failed():
    verdict = verify.verdict(_raw(version_warning="r1: RouterOS 7.23 is newer than 7.22"), "r1", CHATS)
    assert verdict["ok"] and verdict["checks"]["version"] == "r1: RouterOS 7.23 is newer than 7.22"


def test_a_receipt_without_its_text_needs_the_test_probe_named_in_the_inbox():
    raw = _raw()
    for leg in ("down", "up"):
        raw[leg]["receipts"]["-4000000001/"]["message_id"] = 7
    inbox = [{"chat_id": -4000000001, "message_id": 7, "text": "🖥 r1\n\n🔴 DOWN · netwatch-telegram verify"}]
    assert verify.inbox_problems(inbox, raw, CHATS, "netwatch-telegram verify") == []
    inbox[0]["text"] = "🖥 r1\n\n🔴 DOWN · file server"
    assert verify.inbox_problems(inbox, raw, CHATS, "netwatch-telegram verify") == [
        "the DOWN for chat -4000000001 arrived with another text",
        "the UP for chat -4000000001 arrived with another text",
    ]

"""playbooks/verify.yml sends its test DOWN and UP only to the chat marked for tests, never into the other
chats; when Telegram has upgraded that chat (a basic group) to a supergroup, the test still proves delivery,
through the supergroup, and the report tells the operator which id to put in the inventory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from alerting_lab import FORUM_CHAT, GROUP_CHAT, AlertingLab, wait_for

from lab.testing import new_lab

SUPERGROUP = "-1004000000001"
OVERRIDES = {
    "routeros_verify_timeout": 15,
    "routeros_telegram_retry_first": "1s",
    "routeros_telegram_retry_max": "2s",
    "routeros_telegram_tick": "1s",
    # The operators' group gets alerts only; the forum's topic is where the tests go.
    "routeros_telegram_chats": [
        {"id": int(GROUP_CHAT), "verify": True},
        {"id": int(FORUM_CHAT), "topic": 2, "silent": True},
    ],
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertingLab]:
    directory = tmp_path_factory.mktemp("verify-chats")
    lab = new_lab(directory / "lab", routers=1)
    lab.start()
    overrides = {
        **OVERRIDES,
        "verify_lab_inbox": f"http://127.0.0.1:{lab.telegram_port}/lab/messages",
        "verify_reports_dir": str(directory / "reports"),
    }
    deployed = AlertingLab(lab, directory, [{"name": "file server", "address": "10.10.10.10"}], overrides)
    deployed.host("10.10.10.10", "up")
    result = deployed.deploy()
    assert result.returncode == 0, result.output[-3000:]
    wait_for(lambda: deployed.netwatch()["file server"].get("status") == "up", 30, "the host up")
    deployed.settled()
    yield deployed
    lab.stop()


def _verify(site: AlertingLab) -> tuple[dict[str, Any], str]:
    result = site.deploy(playbook="playbooks/verify.yml")
    assert result.returncode == 0, result.output[-4000:]
    report = sorted((site.directory / "reports").glob("verify-*.json"))[-1]
    [verdict] = json.loads(report.read_text())
    return verdict, report.with_suffix(".txt").read_text()


def _tests(site: AlertingLab, chat: str) -> list[str]:
    return [text for text in site.texts(chat) if "TEST" in text]


def test_the_test_alerts_go_only_to_the_chat_marked_for_them(site):
    verdict, _ = _verify(site)
    assert verdict["ok"] and verdict["down"]["delivered"] and verdict["up"]["delivered"], verdict
    tests = _tests(site, GROUP_CHAT)
    assert len(tests) == 2 and "🔴 DOWN · netwatch-telegram verify" in tests[0]
    assert "🟢 UP · netwatch-telegram verify" in tests[1]
    assert site.texts(FORUM_CHAT) == []
    site.settled()


def test_a_marked_group_telegram_upgraded_is_verified_through_its_supergroup(site):
    site.lab.ctl("telegram", "migrate", GROUP_CHAT)
    verdict, table = _verify(site)
    assert verdict["ok"], verdict
    assert len(_tests(site, SUPERGROUP)) == 2
    assert site.texts(GROUP_CHAT) == [] and site.texts(FORUM_CHAT) == []
    note = (
        f"lab-r1: Telegram upgraded the group {GROUP_CHAT} to the supergroup {SUPERGROUP}; the router "
        f"sends there already -> put id: {SUPERGROUP} in place of {GROUP_CHAT} in "
        "routeros_telegram_chats and rerun site.yml"
    )
    assert note in table.splitlines()
    site.settled()


def test_no_chat_marked_for_tests_fails_verify_naming_the_field(site):
    site.overrides["routeros_telegram_chats"] = [
        {"id": int(SUPERGROUP), "verify": False},
        {"id": int(FORUM_CHAT), "topic": 2, "verify": False},
    ]
    assert site.deploy().returncode == 0
    result = site.deploy(playbook="playbooks/verify.yml")
    assert result.returncode != 0
    assert "no chat in routeros_telegram_chats is marked for test alerts" in result.output
    assert site.texts(SUPERGROUP) == [] and site.texts(FORUM_CHAT) == []

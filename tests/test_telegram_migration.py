"""A Telegram group upgraded to a supergroup while the router alerts into it: the router follows Telegram's
upgrade, so the alert arrives in the supergroup once, the next ones go there directly, the log tells the
operator which id to put in the inventory, and the inventory updated so converges and then stays changed=0."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alerting_lab import FORUM_CHAT, GROUP_CHAT, AlertingLab, record, wait_for

from lab.testing import new_lab

SUPERGROUP = "-1004000000001"
HOSTS = [{"name": "file server", "address": "10.10.10.10", "comment": "rack 1"}]
OVERRIDES = {
    "routeros_telegram_retry_first": "1s",
    "routeros_telegram_retry_max": "2s",
    "routeros_telegram_tick": "1s",
}


@pytest.fixture(scope="module")
def alerting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertingLab]:
    directory = tmp_path_factory.mktemp("migration")
    lab = new_lab(directory / "lab", routers=1)
    lab.start()
    deployed = AlertingLab(lab, directory, HOSTS, dict(OVERRIDES))
    deployed.host("10.10.10.10", "up")
    result = deployed.deploy()
    assert result.returncode == 0, result.output[-3000:]
    wait_for(lambda: deployed.netwatch()["file server"].get("status") == "up", 30, "the host up")
    deployed.settled()
    yield deployed
    lab.stop()


def _sends(alerting: AlertingLab, chat: str) -> list[dict[str, object]]:
    attempts = alerting.lab.ctl("telegram", "attempts")
    return [a for a in attempts if a["method"] == "sendMessage" and str(a["params"].get("chat_id")) == chat]


def test_an_alert_into_an_upgraded_group_arrives_in_the_supergroup_once(alerting):
    moved = alerting.lab.ctl("telegram", "migrate", GROUP_CHAT)
    assert str(moved["supergroup"]) == SUPERGROUP
    alerting.host("10.10.10.10", "down")
    [down] = wait_for(lambda: alerting.texts(SUPERGROUP), 30, "the DOWN in the supergroup")
    assert "🔴 DOWN · file server (10.10.10.10)" in down
    # The other chat is not affected; the old group holds nothing; Telegram refused one send, the first.
    assert len(alerting.texts(FORUM_CHAT)) == 1
    assert alerting.texts(GROUP_CHAT) == []
    assert len(_sends(alerting, GROUP_CHAT)) == 1
    warning = [line for line in alerting.log() if "upgraded the group" in line]
    assert warning == [
        f"netwatch-telegram: Telegram upgraded the group {GROUP_CHAT} to the supergroup {SUPERGROUP}; "
        f"alerts for it go there from now on. Put id: {SUPERGROUP} in place of {GROUP_CHAT} in "
        "routeros_telegram_chats and rerun site.yml"
    ]
    # The supergroup is kept in the chat's file on the router, which survives a reboot.
    assert record(alerting.file(f"{alerting.storage}/chats/{GROUP_CHAT}"))["to"] == SUPERGROUP
    alerting.lab.ctl("reboot", "1")
    wait_for(lambda: alerting.netwatch()["file server"].get("status") == "down", 60, "the host down again")
    alerting.host("10.10.10.10", "up")
    wait_for(lambda: len(alerting.texts(SUPERGROUP)) == 2, 60, "the UP in the supergroup")
    assert "🟢 UP · file server (10.10.10.10)" in alerting.texts(SUPERGROUP)[1]
    # Sent straight to the supergroup: the old group was not tried again, so the warning (the log starts
    # afresh at boot) was not repeated.
    assert len(_sends(alerting, GROUP_CHAT)) == 1
    assert not [line for line in alerting.log() if "upgraded the group" in line]
    alerting.settled()


def test_the_inventory_updated_to_the_supergroup_converges_then_changes_nothing(alerting):
    alerting.overrides["routeros_telegram_chats"] = [
        {"id": int(SUPERGROUP)},
        {"id": int(FORUM_CHAT), "topic": 2, "silent": True, "verify": True},
    ]
    updated = alerting.deploy(playbook="site.yml")
    assert updated.returncode == 0, updated.output[-3000:]
    again = alerting.deploy(playbook="site.yml")
    assert again.returncode == 0 and again.recap("lab-r1")["changed"] == 0, again.output[-3000:]
    alerting.host("10.10.10.10", "down")
    [down] = wait_for(lambda: alerting.texts(SUPERGROUP), 30, "the DOWN in the supergroup")
    assert "🔴 DOWN · file server (10.10.10.10)" in down
    assert _sends(alerting, GROUP_CHAT) == []
    # The old group's state file went with it from the inventory.
    assert alerting.file(f"{alerting.storage}/chats/{GROUP_CHAT}") == ""
    alerting.host("10.10.10.10", "up")
    wait_for(lambda: len(alerting.texts(SUPERGROUP)) == 2, 30, "the UP")
    alerting.settled()

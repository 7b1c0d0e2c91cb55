"""playbooks/verify.yml against a three-router lab: a passing run proves each router's DOWN and UP reached
Telegram; each failure an operator meets is reported with its reason; nothing temporary stays behind, so
site.yml afterwards changes nothing."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import librouteros
import pytest
import yaml
from alerting_lab import release, wait_for
from ansible_run import BIN, ROOT, PlayResult, run_playbook

from lab.testing import RunningLab, new_lab

ROUTERS = ("lab-r1", "lab-r2", "lab-r3")
TAG = "netwatch-telegram verify"
OVERRIDES = {
    "routeros_verify_timeout": 10,
    "routeros_telegram_retry_first": "1s",
    "routeros_telegram_retry_max": "2s",
    "routeros_telegram_flood_wait": "3s",
    "routeros_telegram_tick": "1s",
}


class Site:
    def __init__(self, lab: RunningLab, directory: Path) -> None:
        self.lab = lab
        self.directory = directory
        self.inventory = directory / "inventory"
        self.inventory.mkdir()
        (self.inventory / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
        hosts = {name: {"ansible_host": lab.address(i)} for i, name in enumerate(ROUTERS, start=1)}
        (self.inventory / "hosts.yml").write_text(yaml.safe_dump({"routeros": {"hosts": hosts}}))
        self.settings: dict[str, Any] = {
            **OVERRIDES,
            "verify_lab_inbox": f"http://127.0.0.1:{lab.telegram_port}/lab/messages",
            "routeros_backup_dir": str(directory / "backups"),
            "verify_reports_dir": str(directory / "reports"),
        }

    def play(self, playbook: str, *extra: str, **settings: Any) -> PlayResult:
        values = self.directory / "settings.yml"
        values.write_text(yaml.safe_dump({**self.settings, **settings}))
        return run_playbook(ROOT / playbook, self.inventory, "-e", f"@{values}", *extra)

    def api(self, router: int = 1) -> Any:
        return librouteros.connect(host=self.lab.address(router), username="admin", password="lab-admin")

    def drained(self) -> None:
        """Router 1's queue empty again: alerts held back by an earlier broken run have gone out."""

        def empty() -> bool:
            api = self.api()
            queued = [
                r for r in api.path("file") if str(r.get("name", "")).startswith("netwatch-telegram/queue/")
            ]
            api.close()
            return not queued

        wait_for(empty, 60, "router 1's queue drained")

    def reports(self) -> list[Path]:
        return sorted((self.directory / "reports").glob("verify-*.json"))

    def leftovers(self, router: int) -> list[str]:
        api = self.api(router)
        found = [
            row["name"] for row in api.path("tool", "netwatch") if str(row.get("comment", "")).startswith(TAG)
        ]
        for row in api.path("file").select(".id", "name", "type", "contents"):
            name = str(row.get("name", ""))
            temporary = name.startswith("netwatch-telegram/verify/") and row.get("type") != "directory"
            # A queued alert is a record (key=value fields, each ended by the byte 1E); a test names its run.
            fields = str(row.get("contents", "")).split("\x1e")
            queued_test = name.startswith("netwatch-telegram/queue/") and any(
                f.startswith("v=2") for f in fields
            )
            if temporary or queued_test or name == "netwatch-telegram/check.json":
                found.append(name)
        api.close()
        return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp("verify")
    lab = new_lab(directory / "lab", routers=len(ROUTERS))
    lab.start()
    for address in ("10.10.10.10", "192.168.88.2"):
        lab.ctl("host", "all", address, "up")
    deployed = Site(lab, directory)
    first = deployed.play("site.yml")
    assert first.returncode == 0, first.output[-3000:]
    yield deployed
    lab.stop()


def _verdict(result: PlayResult, site: Site) -> dict[str, Any]:
    report = site.reports()[-1]
    return {item["router"]: item for item in json.loads(report.read_text())}


def test_a_passing_run_proves_every_router_and_leaves_nothing(site):
    before = len(site.reports())
    result = site.play("playbooks/verify.yml")
    assert result.returncode == 0, result.output[-4000:]
    assert len(site.reports()) == before + 1
    verdicts = _verdict(result, site)
    assert set(verdicts) == set(ROUTERS)
    table = site.reports()[-1].with_suffix(".txt").read_text()
    for name, verdict in verdicts.items():
        assert verdict["ok"] and verdict["problems"] == []
        assert verdict["down"]["delivered"] and verdict["up"]["delivered"]
        assert verdict["checks"]["token"] == "@lab_123456789_bot"
        assert f"{name:<20} ok     delivered within" in table
    # Each router told the chat marked for tests (the forum's topic) a test DOWN and a test UP, marked as a
    # test, and the operators' group nothing.
    assert not [m for m in site.lab.ctl("telegram", "messages", "-4000000001") if "TEST" in m["text"]]
    for chat in ("-1002000000001",):
        tests = [m["text"] for m in site.lab.ctl("telegram", "messages", chat) if "TEST" in m["text"]]
        for name in ROUTERS:
            assert (
                sum(t.startswith(f"🖥 {name}\n") and "🔴 DOWN · netwatch-telegram verify" in t for t in tests)
                == 1
            )
            assert (
                sum(t.startswith(f"🖥 {name}\n") and "🟢 UP · netwatch-telegram verify" in t for t in tests)
                == 1
            )
    assert all(site.leftovers(i) == [] for i in (1, 2, 3))
    again = site.play("site.yml")
    assert again.returncode == 0 and all(again.recap(name)["changed"] == 0 for name in ROUTERS), again.output[
        -3000:
    ]


def _untrust(site: Site) -> None:
    api = site.api()
    if release(site.lab) >= (7, 21):
        api.path("certificate", "settings").update(**{"builtin-trust-store": ""})
    else:
        # Before 7.19 there is no built-in store: the notifier trusts the CA it imported, which is taken back.
        certificates = api.path("certificate")
        for row in certificates:
            if row.get("name") == "netwatch-telegram-ca":
                certificates.update(**{".id": row[".id"], "trusted": False})
    api.close()


def _retrust(site: Site) -> None:
    assert site.play("playbooks/alerting.yml", "--limit", "lab-r1").returncode == 0


FAILURES = {
    "uplink down": (
        lambda s: s.lab.ctl("uplink", "1", "down"),
        lambda s: s.lab.ctl("uplink", "1", "up"),
        "cannot resolve the Bot API's name",
    ),
    "token refused": (
        lambda s: s.lab.ctl("telegram", "fault", "401"),
        lambda s: s.lab.ctl("telegram", "clear"),
        "401 Unauthorized: the bot token is wrong or was revoked",
    ),
    "chat not found": (
        lambda s: s.lab.ctl("telegram", "fault", "400-chat-not-found"),
        lambda s: s.lab.ctl("telegram", "clear"),
        "400 Bad Request",
    ),
    "flood control": (
        lambda s: s.lab.ctl("telegram", "fault", "429=3"),
        lambda s: s.lab.ctl("telegram", "clear"),
        "429 Too Many Requests",
    ),
    "clock not synced": (
        lambda s: s.lab.ctl("clock", "1", "unsync"),
        lambda s: s.lab.ctl("clock", "1", "offset", "0"),
        "the router's clock is not set (1970-01-02",
    ),
    "untrusted certificate": (_untrust, _retrust, "does not trust the Bot API's certificate"),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_each_failure_is_reported_with_its_reason_and_leaves_nothing(site, case):
    breaks, repairs, reason = FAILURES[case]
    site.drained()
    breaks(site)
    try:
        result = site.play("playbooks/verify.yml", "--limit", "lab-r1")
    finally:
        repairs(site)
    assert result.returncode != 0
    verdict = _verdict(result, site)["lab-r1"]
    assert not verdict["ok"] and not verdict["down"]["delivered"]
    reasons = [problem["reason"] for problem in verdict["problems"]]
    assert any(reason in found for found in reasons), reasons
    assert all(problem["fix"] for problem in verdict["problems"])
    assert "alerting does not work on: lab-r1" in result.output
    assert site.leftovers(1) == []


def test_a_chat_the_bot_is_not_in_is_named(site):
    site.drained()
    chats = [{"id": -4000000001}, {"id": 999999, "verify": True}]
    assert (
        site.play("playbooks/alerting.yml", "--limit", "lab-r1", routeros_telegram_chats=chats).returncode
        == 0
    )
    try:
        result = site.play("playbooks/verify.yml", "--limit", "lab-r1", routeros_telegram_chats=chats)
    finally:
        assert site.play("playbooks/alerting.yml", "--limit", "lab-r1").returncode == 0
    verdict = _verdict(result, site)["lab-r1"]
    reasons = [problem["reason"] for problem in verdict["problems"]]
    assert "Telegram answers 400 Bad Request (chat not found) for chat 999999" in reasons
    assert verdict["down"]["reasons"] == [
        "Telegram answers 400 Bad Request (chat not found, topic not found or text refused) for chat 999999"
    ]
    assert site.leftovers(1) == []


def test_a_reboot_during_the_test_is_reported_and_cleaned_up(site):
    settings = site.directory / "settings.yml"
    settings.write_text(yaml.safe_dump(site.settings))
    command = [
        str(BIN / "ansible-playbook"),
        "-i",
        str(site.inventory),
        "playbooks/verify.yml",
        "--limit",
        "lab-r1",
    ]
    running = subprocess.Popen(
        [*command, "-e", f"@{settings}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def probe_added() -> bool:
        api = site.api()
        found = any(str(row.get("comment", "")).startswith(TAG) for row in api.path("tool", "netwatch"))
        api.close()
        return found

    wait_for(probe_added, 30, "the test probe")
    site.lab.ctl("reboot", "1")
    output, _ = running.communicate(timeout=180)
    assert running.returncode != 0, output[-3000:]
    verdict = json.loads(site.reports()[-1].read_text())[0]
    assert any(p["reason"] == "the router rebooted during the test" for p in verdict["problems"]), verdict
    assert site.leftovers(1) == []


def test_site_after_failed_runs_changes_nothing(site):
    time.sleep(2)
    result = site.play("site.yml")
    assert result.returncode == 0 and all(result.recap(name)["changed"] == 0 for name in ROUTERS), (
        result.output[-3000:]
    )

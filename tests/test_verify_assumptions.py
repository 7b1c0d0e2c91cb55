"""playbooks/verify.yml proves on each router the notifier's assumptions about it, before its DOWN/UP test,
and names each one that does not hold with what to do. One three-router lab, set up by site.yml, then each
router broken in one way, and verify.yml run once:

- lab-r1 becomes a board whose root is a RAM disk (`ctl board 1 ram-root`): the notifier's files now belong
  under flash/, where no token was ever stored, so a reboot would leave it without one;
- lab-r2's self-check writes a file larger than the 4095 bytes RouterOS keeps of a file's contents
  (routeros_telegram_largest_file set to 5000 bytes): the router cuts it, as it would cut the notifier's;
- lab-r3 holds a token of the right shape that Telegram refuses: the router reads the refusal (RouterOS words
  Telegram's 401 `failure: 401 should contain www-authenticate header`, without "status") as 401.

A version outside the supported range is tests/test_version_check.py's; the verdict's wording for each
assumption, and for facts the lab cannot break (text that does not come back verbatim, a refusal read as
another code), is tests/test_verify_filters.py's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import librouteros
import pytest
import yaml
from ansible_run import ROOT, run_playbook

from lab.testing import RunningLab, new_lab

ROUTERS = ("lab-r1", "lab-r2", "lab-r3")
ASSUMPTIONS = ("storage", "file size", "stored text", "refusal")
REFUSED_TOKEN = "987654321:" + "R" * 35


def _api(lab: RunningLab, router: int) -> Any:
    return librouteros.connect(host=lab.address(router), username="admin", password="lab-admin")


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    directory = tmp_path_factory.mktemp("assumptions")
    lab = new_lab(directory / "lab", routers=len(ROUTERS))
    lab.start()
    try:
        for address in ("10.10.10.10", "192.168.88.2"):
            lab.ctl("host", "all", address, "up")
        inventory = directory / "inventory"
        inventory.mkdir()
        (inventory / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
        hosts: dict[str, dict[str, Any]] = {
            name: {"ansible_host": lab.address(i)} for i, name in enumerate(ROUTERS, start=1)
        }
        (inventory / "hosts.yml").write_text(yaml.safe_dump({"routeros": {"hosts": hosts}}))
        settings = directory / "settings.yml"
        settings.write_text(
            yaml.safe_dump(
                {
                    "routeros_verify_timeout": 5,
                    "verify_lab_inbox": f"http://127.0.0.1:{lab.telegram_port}/lab/messages",
                    "routeros_backup_dir": str(directory / "backups"),
                    "verify_reports_dir": str(directory / "reports"),
                }
            )
        )
        deployed = run_playbook(ROOT / "site.yml", inventory, "-e", f"@{settings}")
        assert deployed.returncode == 0, deployed.output[-3000:]

        # The notifier's largest file as 5000 bytes, on lab-r2 only (an extra var outranks the role's own).
        larger = run_playbook(
            ROOT / "playbooks" / "alerting.yml",
            inventory,
            "-e",
            f"@{settings}",
            "-e",
            "routeros_telegram_largest_file=5000",
            "--limit",
            "lab-r2",
        )
        assert larger.returncode == 0, larger.output[-3000:]
        lab.ctl("board", "1", "ram-root")
        api = _api(lab, 3)
        files = api.path("file")
        [token] = [row for row in files if row.get("name") == "netwatch-telegram/bot-token"]
        files.update(**{".id": token[".id"], "contents": REFUSED_TOKEN})
        api.close()

        verified = run_playbook(ROOT / "playbooks" / "verify.yml", inventory, "-e", f"@{settings}")
        assert verified.returncode != 0, "a broken router fails the run"
        reports = sorted((directory / "reports").glob("verify-*.json"))
        assert reports, verified.output[-4000:]
        [report] = reports
        yield {item["router"]: item for item in json.loads(report.read_text())}
    finally:
        lab.stop()


def _problems(verdict: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {problem["check"]: problem for problem in verdict["problems"]}


def _failed_assumptions(verdict: dict[str, Any]) -> list[str]:
    return [name for name in ASSUMPTIONS if name in _problems(verdict)]


def test_a_ram_root_board_without_the_token_on_flash(verdicts):
    verdict = verdicts["lab-r1"]
    assert not verdict["ok"]
    assert verdict["checks"]["storage"] == "flash/netwatch-telegram (on flash, which survives a reboot)"
    token = _problems(verdict)["token"]
    assert token["reason"] == "no bot token in flash/netwatch-telegram/bot-token on the router"
    assert token["fix"] == "rerun site.yml (routeros_telegram stores the token)"
    assert _failed_assumptions(verdict) == []


def test_a_router_that_cuts_the_largest_file(verdicts):
    verdict = verdicts["lab-r2"]
    problem = _problems(verdict)["file size"]
    assert (
        "a file of 5000 bytes, the largest the notifier writes, reads back as 4095 bytes" in problem["reason"]
    )
    assert "free space on the router's disk" in problem["fix"]
    assert _failed_assumptions(verdict) == ["file size"]
    assert verdict["checks"]["stored text"] == "comes back verbatim"
    assert verdict["checks"]["refusal"] == "a refused token reads as HTTP 401"


def test_a_refused_token_is_read_as_401(verdicts):
    verdict = verdicts["lab-r3"]
    token = _problems(verdict)["token"]
    assert token["reason"] == "Telegram answers 401 Unauthorized: the bot token is wrong or was revoked"
    assert "routeros_telegram_token" in token["fix"]
    assert verdict["checks"]["token"] == "failure: 401 should contain www-authenticate header"
    assert _failed_assumptions(verdict) == []

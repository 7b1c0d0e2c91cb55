"""The RouterOS versions the toolkit supports are stated once (routeros_api: module_utils/routeros_version.py,
repeated in README.md) and checked by every playbook on the session it already has, before any write: an
older router is refused naming itself, its version, the minimum and the remedy; the oldest and the newest
tested are accepted. A router set up on a supported version and then downgraded is refused by site.yml,
alerting.yml and verify.yml alike, with nothing written.

Labs started with --ros-version 7.14.3 (the last release without fetch's idle-timeout), 7.15, 7.22 and
7.23 (newer than the newest tested: a warning).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from ansible_run import ROOT, PlayResult, run_playbook

from lab.testing import RunningLab, new_lab

OLD, OLDEST, NEWEST, NEWER = "7.14.3", "7.15", "7.22", "7.23"


def _versions() -> ModuleType:
    path = ROOT / "roles" / "routeros_api" / "module_utils" / "routeros_version.py"
    spec = importlib.util.spec_from_file_location("routeros_version_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VERSIONS = _versions()


@pytest.fixture(scope="module")
def labs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[RunningLab, Path]]]:
    """One fresh one-router lab per version, each with a copy of inventory/lab pointing at it."""
    started: dict[str, tuple[RunningLab, Path]] = {}
    try:
        for version in (OLD, OLDEST, NEWEST, NEWER):
            lab = new_lab(tmp_path_factory.mktemp(f"lab-{version}"), 1, ["--ros-version", version])
            lab.start()
            inventory = tmp_path_factory.mktemp("inventory") / "lab"
            shutil.copytree(ROOT / "inventory" / "lab", inventory)
            hosts = {"routeros": {"hosts": {"lab-r1": {"ansible_host": lab.address(1)}}}}
            (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
            started[version] = (lab, inventory)
        yield started
    finally:
        for lab, _ in started.values():
            lab.stop()


def play(inventory: Path, playbook: str) -> PlayResult:
    return run_playbook(
        ROOT / playbook,
        inventory,
        "-e",
        f"routeros_backup_dir={inventory.parent / 'backups'}",
        "-e",
        f"verify_reports_dir={inventory.parent / 'reports'}",
        "-e",
        "routeros_verify_timeout=10",
    )


def written(lab: RunningLab) -> dict[str, list[dict[str, Any]]]:
    """What a run could have written: the configuration, without the log (a login is logged, not written)."""
    return {path: rows for path, rows in lab.configuration(1).items() if path != "log"}


def assert_refused(result: PlayResult, lab: RunningLab, version: str) -> None:
    output = " ".join(result.output.split())
    assert result.returncode != 0, result.output[-3000:]
    assert f"routeros_api_hostname {lab.address(1)}" in output, output[-3000:]
    assert f"RouterOS {version} (stable) is not supported" in output, output[-3000:]
    assert f"needs RouterOS {OLDEST} or newer (supported {OLDEST} to {NEWEST})" in output
    assert "nothing was written. Upgrade RouterOS" in output


def test_the_supported_range_is_stated_once_and_in_the_readme():
    assert f"{OLDEST} to {NEWEST}" == VERSIONS.RANGE_TEXT and VERSIONS.TESTED == (OLDEST, NEWEST)
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"RouterOS {OLDEST} to {NEWEST}" in readme, "README.md states the supported range"


@pytest.mark.parametrize(
    ("printed", "verdict"),
    [
        ("7.15 (stable)", ""),
        ("7.21.4 (stable)", ""),
        ("7.22.3 (stable)", ""),
        ("7.23beta2 (testing)", "newer"),
        ("8.0 (stable)", "newer"),
        ("7.14.3 (stable)", "refused"),
        ("6.49.10 (long-term)", "refused"),
        ("", "refused"),
    ],
)
def test_versions_are_judged_by_major_and_minor(printed: str, verdict: str):
    if verdict == "refused":
        with pytest.raises(VERSIONS.UnsupportedVersion, match="Upgrade RouterOS"):
            VERSIONS.judge(printed, "r1")
        return
    warning = VERSIONS.judge(printed, "r1")
    if verdict == "newer":
        assert warning.startswith(f"r1: RouterOS {printed} is newer than {NEWEST}"), warning
        assert "playbooks/verify.yml" in warning
    else:
        assert warning == ""


def test_an_older_router_is_refused_on_first_contact_before_any_write(labs):
    lab, inventory = labs[OLD]
    before = written(lab)
    refused = play(inventory, "site.yml")
    assert_refused(refused, lab, OLD)
    assert written(lab) == before, "nothing was written"


@pytest.mark.parametrize("version", [OLDEST, NEWEST])
def test_the_oldest_and_the_newest_tested_are_accepted(labs, version: str):
    """The baseline: the notifier's own needs on each version are tests/test_notifier_real_routers.py's."""
    _, inventory = labs[version]
    done = play(inventory, "playbooks/baseline.yml")
    assert done.returncode == 0, done.output[-4000:]
    assert "is not supported" not in done.output and "is newer than" not in done.output


def test_a_newer_router_than_tested_is_a_warning_not_a_failure(labs):
    _, inventory = labs[NEWER]
    done = play(inventory, "playbooks/baseline.yml")
    output = " ".join(done.output.split())
    assert done.returncode == 0, done.output[-4000:]
    assert f"RouterOS {NEWER} (stable) is newer than {NEWEST}, the newest this toolkit is tested on" in output
    assert "run playbooks/verify.yml to prove alerting works there" in output


def test_a_router_downgraded_after_its_set_up_is_refused_by_every_playbook(labs):
    """Set up on 7.22 (the previous test), then restarted as 7.14.3: the access probe skips its login (the
    certificate verifies), so the refusal comes from the first session of each playbook, before its writes:
    routeros_apply (site.yml), the token's module (alerting.yml), the verify module (verify.yml)."""
    lab, inventory = labs[NEWEST]
    lab.stop()
    lab.extra_args[lab.extra_args.index("--ros-version") + 1] = OLD
    lab.start()
    before = written(lab)
    for playbook in ("site.yml", "playbooks/alerting.yml", "playbooks/verify.yml"):
        refused = play(inventory, playbook)
        assert_refused(refused, lab, OLD)
        assert written(lab) == before, f"{playbook} wrote nothing"
    # verify.yml's report names the version as the router's one problem, and what to do.
    [report] = sorted((inventory.parent / "reports").glob("verify-*.json"))
    [verdict] = json.loads(report.read_text())
    [problem] = verdict["problems"]
    assert problem["check"] == "version" and f"RouterOS {OLD} (stable) is not supported" in problem["reason"]
    assert problem["fix"] == "upgrade RouterOS on the router, then rerun playbooks/verify.yml"

"""routeros_dns sets only what the inventory lists: a router whose resolver was set up by hand keeps its
servers and remote requests through `site.yml` when the inventory has no DNS settings, and reruns change
nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import librouteros
import pytest
import yaml
from ansible_run import ROOT, run_playbook

from lab.testing import RunningLab, new_lab

HAND_MADE = {"servers": "8.8.8.8,8.8.4.4", "allow-remote-requests": "true"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("lab"))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory, lab: RunningLab) -> Path:
    """inventory/lab for this lab's one router, without any DNS setting (static entries stay)."""
    target = tmp_path_factory.mktemp("inventory") / "lab"
    shutil.copytree(ROOT / "inventory" / "lab", target)
    (target / "hosts.yml").write_text(
        yaml.safe_dump({"routeros": {"hosts": {"lab-r1": {"ansible_host": lab.address(1)}}}})
    )
    baseline = target / "group_vars" / "routeros" / "baseline.yml"
    model = yaml.safe_load(baseline.read_text())
    del model["routeros_dns_servers"], model["routeros_dns_allow_remote_requests"]
    baseline.write_text(yaml.safe_dump(model, allow_unicode=True))
    return target


def _dns(lab: RunningLab) -> dict[str, str]:
    settings = lab.ctl("dump", "1")["ip/dns"]
    return {key: str(settings[key]) for key in HAND_MADE}


def test_a_hand_made_resolver_keeps_its_settings_and_reruns_change_nothing(lab, inventory):
    api = librouteros.connect(lab.address(1), "admin", "lab-admin", port=8728)
    api.path("ip", "dns").update(servers=HAND_MADE["servers"], **{"allow-remote-requests": True})
    api.close()
    assert _dns(lab) == HAND_MADE
    backups = f"routeros_backup_dir={inventory.parent / 'backups'}"
    first = run_playbook(ROOT / "site.yml", inventory, "-e", backups)
    assert first.returncode == 0, first.output[-3000:]
    assert _dns(lab) == HAND_MADE
    again = run_playbook(ROOT / "site.yml", inventory, "-e", backups)
    assert again.returncode == 0 and again.recap("lab-r1")["changed"] == 0, again.output[-3000:]
    assert _dns(lab) == HAND_MADE

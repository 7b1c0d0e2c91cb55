"""The light probe profile on a lab router, deployed by the real playbook: its Netwatch entry carries the
profile's settings, a rerun changes nothing, and the host going down and back up is told once each."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from alerting_lab import LAN_ADDRESS, AlertingLab, wait_for
from ansible_run import ROOT, run_playbook

from lab.testing import new_lab

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "filter_plugins"))

import routeros_alerting as alerting

HOST = {"name": "branch server", "address": "10.10.10.10", "profile": "light"}
# The worst DOWN (or UP) delay of the profile, then time for the notifier to send.
WAIT = alerting.down_after(alerting.PROFILES["light"])[1] + 15


@pytest.fixture(scope="module")
def light(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertingLab]:
    directory = tmp_path_factory.mktemp("light")
    lab = new_lab(directory / "lab")
    lab.start()
    deployed = AlertingLab(lab, directory, [HOST])
    deployed.host(HOST["address"], "up")
    api = deployed.api()
    api.path("ip", "address").add(address=LAN_ADDRESS, interface="ether3")
    api.close()
    result = deployed.deploy()
    assert result.returncode == 0, result.output[-3000:]
    yield deployed
    lab.stop()


def test_the_light_host_probe_carries_the_profiles_settings_and_a_rerun_changes_nothing(light):
    entry = light.netwatch()[HOST["name"]]
    wanted = alerting.probe_data(alerting.PROFILES["light"])
    assert {key: str(entry[key]) for key in wanted} == {key: str(value) for key, value in wanted.items()}
    rerun = light.deploy()
    assert rerun.returncode == 0 and rerun.recap("lab-r1")["changed"] == 0, rerun.output[-2000:]


def test_the_light_host_going_down_and_up_is_told_once_each(light):
    wait_for(lambda: light.netwatch()[HOST["name"]].get("status") == "up", WAIT, "the first probe")
    light.settled()
    light.host(HOST["address"], "down")
    [down] = wait_for(light.texts, WAIT, "the DOWN")
    assert "🔴 DOWN · branch server (10.10.10.10)" in down
    light.host(HOST["address"], "up")
    wait_for(lambda: len(light.texts()) == 2, WAIT, "the UP")
    assert "🟢 UP · branch server (10.10.10.10)" in light.texts()[1]


def test_an_unknown_profile_stops_the_play_before_any_connection(light, tmp_path):
    inventory = tmp_path / "hosts.yml"
    (tmp_path / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
    inventory.write_text(
        yaml.safe_dump({"routeros": {"hosts": {"lab-r1": {"ansible_host": light.lab.address(1)}}}})
    )
    light.lab.ctl("stats", "reset")
    hosts = [{**HOST, "profile": "eco"}]
    settings = json.dumps({"routeros_netwatch_profile": "slow", "routeros_netwatch_hosts": hosts})
    result = run_playbook(ROOT / "tests" / "playbooks" / "netwatch_alone.yml", inventory, "-e", settings)
    assert result.returncode != 0
    assert "routeros_netwatch_profile must be one of: fast, light, got: slow" in result.output
    assert "profile must be one of: fast, light, got: eco found in routeros_netwatch_hosts" in result.output
    assert light.lab.ctl("stats", "1")["1"]["logins"] == 0

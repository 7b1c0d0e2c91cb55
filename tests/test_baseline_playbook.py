"""`ansible-playbook site.yml` against a lab: it configures the routers, reruns change nothing,
inventory edits change exactly what was edited, hand-made entries survive, --check shows drift without
fixing it, and bad input stops before any connection.

The tests share one lab and run in file order, each starting from the state the previous one left.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import librouteros
import pytest
import yaml

from lab.testing import RunningLab, new_lab

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = ROOT / "site.yml"


@pytest.fixture(scope="module")
def lab3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("lab"), routers=3)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory, lab3: RunningLab) -> Path:
    """A copy of inventory/lab with lab-r1 and lab-r2 pointing at this test's lab."""
    target = tmp_path_factory.mktemp("inventory") / "lab"
    shutil.copytree(ROOT / "inventory" / "lab", target)
    hosts = {"routeros": {"hosts": {f"lab-r{i}": {"ansible_host": lab3.address(i)} for i in (1, 2)}}}
    (target / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return target


def play(inventory: Path, *extra: str) -> dict[str, Any]:
    backups = inventory.parent / "backups"
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
    }
    done = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "ansible-playbook"),
            str(PLAYBOOK),
            "-i",
            str(inventory),
            "-e",
            f"routeros_backup_dir={backups}",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"ansible-playbook printed no JSON report:\n{done.stdout}\n{done.stderr}")
    report["rc"] = done.returncode
    return report


def changed(report: dict[str, Any]) -> dict[str, int]:
    return {host: stats["changed"] for host, stats in report["stats"].items()}


def changed_tasks(report: dict[str, Any], host: str) -> list[str]:
    return [
        task["task"]["name"].split(" : ")[-1]
        for p in report["plays"]
        for task in p["tasks"]
        if task["hosts"].get(host, {}).get("changed")
    ]


def changed_paths(report: dict[str, Any], host: str) -> list[str]:
    """The paths routeros_apply changed (or, in check mode, would change) on a host, over the whole run."""
    return [
        path
        for p in report["plays"]
        for task in p["tasks"]
        if task["hosts"].get(host, {}).get("changed")
        for path in task["hosts"][host].get("paths", [])
    ]


def host_messages(report: dict[str, Any], host: str) -> str:
    return " ".join(
        str(task["hosts"][host].get("msg", ""))
        for p in report["plays"]
        for task in p["tasks"]
        if host in task["hosts"]
    )


def rows(lab: RunningLab, router: int, path: str) -> list[dict[str, str]]:
    found = lab.ctl("dump", str(router))[path]
    return [found] if isinstance(found, dict) else list(found)


def api(lab: RunningLab, router: int) -> Any:
    return librouteros.connect(lab.address(router), "admin", "lab-admin", port=8728)


def edit(inventory: Path, name: str, change: Any) -> None:
    path = inventory / "group_vars" / "routeros" / "baseline.yml"
    model = yaml.safe_load(path.read_text())
    change(model)
    path.write_text(yaml.safe_dump(model, allow_unicode=True))


def test_site_configures_every_router_and_backs_it_up_first(lab3: RunningLab, inventory: Path):
    api(lab3, 2).path("system", "identity").update(name="before-the-run")
    report = play(inventory)
    assert report["rc"] == 0, report["stats"]
    assert rows(lab3, 1, "system/identity")[0]["name"] == "lab-r1"
    assert rows(lab3, 2, "system/identity")[0]["name"] == "lab-r2"
    names = {row["default-name"]: row["name"] for row in rows(lab3, 1, "interface") if "default-name" in row}
    assert names["ether1"] == "ether1-isp" and names["ether2"] == "ether2-mgmt"
    nat = rows(lab3, 1, "ip/firewall/nat")
    assert [(r["chain"], r["action"]) for r in nat] == [("srcnat", "masquerade"), ("dstnat", "dst-nat")]
    addresses = {r["address"]: r["interface"] for r in rows(lab3, 1, "ip/address") if r["dynamic"] == "false"}
    assert addresses == {
        "192.168.10.1/24": "ether2-mgmt",
        "192.168.88.1/24": "bridge-lan",
        "10.10.10.1/24": "wlan1",
    }
    assert rows(lab3, 1, "ip/dhcp-client")[0]["status"] == "bound"
    # Each apply that changes something backs up first: the first contact's users, then the baseline's paths.
    backups = sorted((inventory.parent / "backups" / "lab-r1").glob("*/backup.yml"))
    backup = next(path for path in backups if "system identity" in path.read_text())
    saved = {entry["path"]: entry["data"] for entry in yaml.safe_load(backup.read_text())}
    assert saved["system identity"] == [{"name": "MikroTik"}], "the backup holds the state before the run"
    export = sorted((inventory.parent / "backups" / "lab-r2").glob("*/export.rsc"))[0]
    assert (export.parent / "backup.yml").exists()
    exported = export.read_text().splitlines()
    assert "/system identity set name=before-the-run" in exported, "the export is taken before the run"


def test_rerun_changes_nothing(inventory: Path):
    report = play(inventory)
    assert report["rc"] == 0
    assert changed(report) == {"lab-r1": 0, "lab-r2": 0}


def test_inventory_edits_change_exactly_that_and_spare_hand_made_entries(lab3: RunningLab, inventory: Path):
    api(lab3, 1).path("ip", "firewall", "nat").add(chain="srcnat", action="accept", comment="hand made")

    def rename_and_drop(model: dict[str, Any]) -> None:
        model["routeros_interfaces_ethernet"][1]["name"] = "ether2-admin"
        for entry in model["routeros_addresses_entries"]:
            entry["interface"] = entry["interface"].replace("ether2-mgmt", "ether2-admin")
        lan = next(entry for entry in model["routeros_interfaces_lists"] if entry["name"] == "LAN")
        lan["members"] = [m.replace("ether2-mgmt", "ether2-admin") for m in lan["members"]]
        model["routeros_nat_rules"] = [r for r in model["routeros_nat_rules"] if r["chain"] != "dstnat"]

    edit(inventory, "baseline.yml", rename_and_drop)
    hosts = yaml.safe_load((inventory / "hosts.yml").read_text())
    hosts["routeros"]["hosts"]["lab-r3"] = {"ansible_host": lab3.address(3)}
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))

    report = play(inventory)
    assert report["rc"] == 0
    for host in ("lab-r1", "lab-r2"):
        assert changed_paths(report, host) == ["interface ethernet", "ip firewall nat"]
    assert changed(report)["lab-r3"] > 0
    nat = rows(lab3, 1, "ip/firewall/nat")
    assert [(r["chain"], r["action"], r.get("comment")) for r in nat] == [
        ("srcnat", "masquerade", "[ansible] LAN to internet"),
        ("srcnat", "accept", "hand made"),
    ]
    assert any(r["name"] == "ether2-admin" for r in rows(lab3, 2, "interface"))
    assert rows(lab3, 3, "system/identity")[0]["name"] == "lab-r3"

    assert changed(play(inventory)) == {"lab-r1": 0, "lab-r2": 0, "lab-r3": 0}


def test_check_diff_shows_drift_and_changes_nothing(lab3: RunningLab, inventory: Path):
    api(lab3, 2).path("system", "identity").update(name="drifted")
    backups = inventory.parent / "backups" / "lab-r2"
    taken = sorted(backups.iterdir())
    report = play(inventory, "--check", "--diff", "--limit", "lab-r2")
    assert report["rc"] == 0
    assert changed_paths(report, "lab-r2") == ["system identity"]
    diffs = json.dumps(
        [
            t["hosts"]["lab-r2"].get("diff")
            for p in report["plays"]
            for t in p["tasks"]
            if t["hosts"].get("lab-r2", {}).get("changed")
        ]
    )
    assert "drifted" in diffs and "lab-r2" in diffs
    assert rows(lab3, 2, "system/identity")[0]["name"] == "drifted"
    assert sorted(backups.iterdir()) == taken, "check mode writes no backup and takes no export"


BAD_INPUTS = {
    "routeros_addresses_entries": ([{"address": "10.0.0.1/33", "interface": "wlan1"}], "'10.0.0.1/33'"),
    "routeros_nat_rules": (
        [{"action": "masquerade", "out-interface": "ether1-isp"}],
        "missing required arguments: chain found in routeros_nat_rules",
    ),
    "routeros_dns_servers": (["8.8.8"], "'8.8.8'"),
    "routeros_dhcp_client_interfaces": ([{"interface": "ether9"}], "'ether9'"),
    "routeros_identity_name": ("", "routeros_identity_name"),
    "routeros_dns_static": ([{"name": "nas.lan", "address": "10.0.0.1/24"}], "'10.0.0.1/24'"),
    # The service the play connects through: api-ssl (routeros_api_tls is on by default).
    "routeros_api_service_services": (
        [{"name": "api-ssl", "disabled": True}],
        "routeros_api_service_services[0].disabled",
    ),
    "routeros_interfaces_bridges": ([{"name": "br", "ports": ["ether1-isp", "ether1-isp"]}], "bridge port"),
    "routeros_interfaces_lists": ([{"name": "static"}], "'static'"),
    "routeros_interfaces_ethernet": ([{"default-name": "ether1", "name": "ether 1"}], "'ether 1'"),
    # The alerting play's inputs: site.yml checks them before the baseline's first connection (issue 17).
    "routeros_telegram_language": ("fr", "routeros_telegram_language must be one of: id, en, got: fr"),
    "routeros_netwatch_hosts": ([{"name": "nas", "address": "10.0.0.300"}], "'10.0.0.300'"),
    "routeros_telegram_ca_file": ("missing-ca.pem", "routeros_telegram_ca_file: 'missing-ca.pem'"),
}


def test_bad_input_fails_before_any_connection(tmp_path: Path, inventory: Path):
    """Every host points at a port nothing listens on: only a check on the controller can say these things,
    the alerting play's included, before the baseline play's first connection."""
    bad = tmp_path / "bad"
    shutil.copytree(inventory, bad)
    hosts = {
        name: {"ansible_host": "127.0.0.1", "routeros_api_port": 9, name: value}
        for name, (value, _) in BAD_INPUTS.items()
    }
    (bad / "hosts.yml").write_text(yaml.safe_dump({"routeros": {"hosts": hosts}}))
    report = play(bad)
    assert report["rc"] != 0
    for host, (_, expected) in BAD_INPUTS.items():
        assert report["stats"][host]["failures"] == 1, host
        messages = host_messages(report, host)
        assert host.split("[")[0] in messages and expected in messages, (host, messages)
        assert "Connection refused" not in messages

"""routeros_apply at run time, against one lab (issue 11): any identity the router takes survives later runs
and their SSH export; NAT rules end in inventory order; a run that fails halfway says what it wrote and where
the backup is; the lockout guards cover the API service's addresses and port; one run per router at a time.

The tests share one six-router lab, converged once with an unusual identity per router (the first run of the
identity test); each test then uses its own routers, so their order does not matter.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import librouteros
import pytest
import yaml
from ansible_run import ROOT, run_playbook_json

from lab.testing import RunningLab, new_lab

BASELINE = ROOT / "playbooks" / "baseline.yml"
MODEL = yaml.safe_load((ROOT / "inventory" / "lab" / "group_vars" / "routeros" / "baseline.yml").read_text())
LOCK = "routeros-apply.lock"
# The lab's factory user over the plain API: what these tests look at comes after the connection is made
# (tests/test_secure_access.py covers the toolkit's own user over API-SSL).
PLAIN = {"routeros_api_tls": False, "routeros_api_username": "admin", "routeros_api_password": "lab-admin"}
# What RouterOS takes as an identity and a console prompt, a command line or a regex could trip on.
IDENTITIES = (
    "Kasir: lantai 2",
    "中文主机",
    'rack "A" #1 > $x',
    "trailing spaces  ",
    "back\\slash;{}[]=?",
    "🖥 r1 ünïcode",
)


@pytest.fixture(scope="module")
def lab6(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    """Six lab routers, each converged to the lab inventory with its identity from IDENTITIES."""
    directory = tmp_path_factory.mktemp("lab")
    running = new_lab(directory / "lab", routers=len(IDENTITIES))
    running.start()
    first = _play(_inventory(running, directory, {index: {} for index in range(1, len(IDENTITIES) + 1)}))
    assert first["rc"] == 0, first["failures"]
    yield running
    running.stop()


def _inventory(lab: RunningLab, directory: Path, hosts: dict[int, dict[str, Any]]) -> Path:
    """inventory/lab's variables over the plain API for these routers (host id<N>, identity IDENTITIES[N-1],
    and the variables given); backups go beside it."""
    inventory = directory / "inventory"
    inventory.mkdir(exist_ok=True)
    if not (inventory / "group_vars").exists():
        (inventory / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
    variables = {
        f"id{index}": {
            **PLAIN,
            "ansible_host": lab.address(index),
            "routeros_identity_name": IDENTITIES[index - 1],
            **extra,
        }
        for index, extra in hosts.items()
    }
    (inventory / "hosts.yml").write_text(json.dumps({"routeros": {"hosts": variables}}))
    return inventory


def _play(inventory: Path, *extra: str) -> dict[str, Any]:
    """The JSON report of a baseline run, with its return code and each host's routeros_apply result."""
    report = run_playbook_json(
        BASELINE, inventory, "-e", f"routeros_backup_dir={inventory.parent / 'backups'}", *extra
    )
    report["failures"] = {
        host: f"{task['task']['name']}: {result.get('msg')}"
        for play in report["plays"]
        for task in play["tasks"]
        for host, result in task["hosts"].items()
        if result.get("failed")
    }
    report["apply"] = {
        host: result
        for play in report["plays"]
        for task in play["tasks"]
        if task["task"]["name"].endswith("Apply the planned state of the router")
        for host, result in task["hosts"].items()
    }
    return report


def _api(lab: RunningLab, index: int) -> Any:
    return librouteros.connect(lab.address(index), "admin", "lab-admin")


def _rows(lab: RunningLab, index: int, path: str) -> list[dict[str, Any]]:
    found = lab.ctl("dump", str(index))[path]
    return [found] if isinstance(found, dict) else list(found)


def _owned_nat(lab: RunningLab, index: int) -> list[str]:
    return [r["comment"] for r in _rows(lab, index, "ip/firewall/nat") if "[ansible]" in r.get("comment", "")]


def _locks(lab: RunningLab, index: int) -> list[dict[str, Any]]:
    return [row for row in _rows(lab, index, "file") if row.get("name") == LOCK]


def test_any_identity_the_router_takes_works_on_every_later_run_export_included(lab6, tmp_path):
    """An identity with `:`, quotes, `#`, `>`, `$`, trailing spaces or any Unicode is set (by the fixture's
    run), and the next run that changes something takes its backup (`/export terse` over SSH) and applies."""
    for index, name in enumerate(IDENTITIES, start=1):
        assert _rows(lab6, index, "system/identity")[0]["name"] == name
        dns = _api(lab6, index).path("ip", "dns", "static")
        dns.remove(*(row[".id"] for row in dns if row.get("name") == "router.lan"))
    inventory = _inventory(lab6, tmp_path, {index: {} for index in range(1, len(IDENTITIES) + 1)})
    second = _play(inventory)
    assert second["rc"] == 0, second["failures"]
    for index, name in enumerate(IDENTITIES, start=1):
        result = second["apply"][f"id{index}"]
        assert result["paths"] == ["ip dns static"]
        folder = Path(result["backup"]["path"])
        saved = {item["path"]: item["data"] for item in yaml.safe_load((folder / "backup.yml").read_text())}
        assert saved["system identity"] == [{"name": name}]
        assert "/system identity set name=" in (folder / "export.rsc").read_text()


def test_nat_rules_end_in_inventory_order_after_a_hand_reorder_and_after_a_failed_run(lab6, tmp_path):
    """Order is state: a rule moved by hand is moved back (and the run says changed); a run refused halfway
    reports changed with exactly the write it made and where the backup is; the next good run ends in
    inventory order."""
    inventory = _inventory(lab6, tmp_path, {1: {}})
    inventory_order = ["[ansible] LAN to internet", "[ansible] web server"]
    assert _owned_nat(lab6, 1) == inventory_order
    nat = _api(lab6, 1).path("ip", "firewall", "nat")
    first, second = (row[".id"] for row in nat if "[ansible]" in row.get("comment", ""))
    tuple(nat("move", numbers=second, destination=first))
    assert _owned_nat(lab6, 1) == inventory_order[::-1]
    restored = _play(inventory)
    assert restored["rc"] == 0
    assert restored["apply"]["id1"]["changed"] and restored["apply"]["id1"]["paths"] == ["ip firewall nat"]
    assert _owned_nat(lab6, 1) == inventory_order

    # The inventory drops the web server rule and puts a new rule first: the removal is made, then the add is
    # refused, as a router refuses a write halfway.
    guest = {"chain": "srcnat", "action": "masquerade", "out-interface": "ether1-isp", "comment": "guest out"}
    rules = json.dumps({"routeros_nat_rules": [guest, MODEL["routeros_nat_rules"][0]]})
    lab6.ctl("refuse", "1", "/ip/firewall/nat/add")
    failed = _play(inventory, "-e", rules)
    result = failed["apply"]["id1"]
    assert failed["rc"] != 0 and result["failed"]
    assert result["changed"] is True
    [write] = result["writes"]
    assert write["path"] == "ip firewall nat" and write["action"] == "remove"
    assert write["was"]["comment"] == "[ansible] web server"
    assert "refused by the lab" in result["msg"] and "1 writes were made" in result["msg"]
    assert f"saved in {result['backup']['path']}" in result["msg"]
    assert _owned_nat(lab6, 1) == ["[ansible] LAN to internet"]

    assert _play(inventory, "-e", rules)["rc"] == 0
    assert _owned_nat(lab6, 1) == ["[ansible] guest out", "[ansible] LAN to internet"]
    assert _play(inventory, "-e", rules)["stats"]["id1"]["changed"] == 0


def _plant_lock(lab: RunningLab, index: int, expires: datetime.datetime) -> None:
    holder = {
        "controller": "noc-ansible-2",
        "user": "budi",
        "pid": 4242,
        "since": "2026-01-01T00:00:00+00:00",
        "expires": expires.isoformat(),
    }
    _api(lab, index).path("file").add(name=LOCK, contents=json.dumps(holder))


def test_lockout_guards_and_another_run_s_lock_stop_a_run_before_any_write(lab6, tmp_path):
    """Refused before any write, naming the field, the value and why: limiting the API service the play uses
    to prefixes without the controller's address (router 2), moving it to another port (3). Another run's
    lock makes a run wait, then fail naming that run (4). A lock past its expiry, left by a run that died, is
    removed and the run goes on, leaving no lock behind (5). One run covers the four routers."""
    services = MODEL["routeros_api_service_services"]
    index = next(i for i, service in enumerate(services) if service["name"] == "api")

    def with_api(**change: Any) -> list[dict[str, Any]]:
        return [{**s, **change} if s["name"] == "api" else s for s in services]

    shut_out, moved = with_api(address=["10.0.0.0/8", "192.168.0.0/16"]), with_api(port=8000)
    inventory = _inventory(
        lab6,
        tmp_path,
        {
            2: {"routeros_api_service_services": shut_out},
            3: {"routeros_api_service_services": moved},
            4: {},
            5: {},
        },
    )
    now = datetime.datetime.now(datetime.UTC)
    _plant_lock(lab6, 4, now + datetime.timedelta(hours=1))
    _plant_lock(lab6, 5, now - datetime.timedelta(seconds=1))
    before = {router: lab6.configuration(router) for router in (2, 3, 4)}
    report = _play(inventory, "-e", "routeros_apply_lock_wait=2", "-e", "routeros_identity_name=changed")
    assert report["rc"] != 0
    field = f"routeros_api_service_services[{index}]"
    refused = report["apply"]["id2"]["msg"]
    assert f"{field}.address: ['10.0.0.0/8', '192.168.0.0/16'] would shut this play out of api" in refused
    assert "127.0.0.1" in refused and "routeros_api_service_allow_management_change" in refused
    refused = report["apply"]["id3"]["msg"]
    assert f"{field}.port: 8000 would move api" in refused and "off port 8728" in refused
    held = report["apply"]["id4"]
    assert held["failed"] and not held.get("changed")
    for word in (
        "noc-ansible-2",
        "budi",
        "4242",
        "waited 2 s (routeros_apply_lock_wait)",
        f"/file remove {LOCK}",
    ):
        assert word in held["msg"], held["msg"]
    assert {router: lab6.configuration(router) for router in (2, 3, 4)} == before
    assert report["stats"]["id5"]["failures"] == 0
    assert _rows(lab6, 5, "system/identity")[0]["name"] == "changed"
    assert _locks(lab6, 5) == []


def test_two_runs_at_once_against_one_router_both_end_well_and_leave_no_lock(lab6, tmp_path):
    """Two ansible-playbook runs with changes to make start together against one router: neither races the
    other (both succeed), the router ends as the inventory says, no lock is left, and a following run changes
    nothing."""
    inventory = _inventory(lab6, tmp_path, {6: {}})
    rules = [{**rule, "comment": f"{rule['comment']} (moved)"} for rule in MODEL["routeros_nat_rules"]]
    change = ("-e", json.dumps({"routeros_nat_rules": rules, "routeros_identity_name": "both"}))
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: _play(inventory, *change), range(2)))
    assert [r["rc"] for r in reports] == [0, 0], [r["apply"]["id6"].get("msg") for r in reports]
    # One applies; the other, reading again under the lock (or after), finds nothing left to do.
    assert sorted(r["apply"]["id6"]["changed"] for r in reports) == [False, True]
    assert _locks(lab6, 6) == []
    assert _owned_nat(lab6, 6) == ["[ansible] LAN to internet (moved)", "[ansible] web server (moved)"]
    assert _rows(lab6, 6, "system/identity")[0]["name"] == "both"
    assert _play(inventory, *change)["stats"]["id6"]["changed"] == 0

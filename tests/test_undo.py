"""Undo (issue 17) against a lab router: after a run that sets a comment on a factory port, changes a NAT
rule and then fails, `playbooks/restore.yml` puts every path the backup holds back exactly as
community.routeros api_info read it before that run (a value unset then is unset again), shows the same with
--check --diff without changing anything, and reruns changed=0; `playbooks/remove.yml` leaves nothing the
toolkit added and every hand-made entry as it was, and reruns changed=0. And an inventory without DNS
variables leaves the router's DNS settings alone.

The tests share one lab and run in file order, each starting from the state the previous one left.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import librouteros
import pytest
import yaml
from ansible_run import ROOT, run_playbook_json

from lab.testing import RunningLab, new_lab

MARKER = "[ansible]"


@pytest.fixture(scope="module")
def lab1(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("lab"), routers=1)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory, lab1: RunningLab) -> Path:
    """inventory/lab for lab-r1 only, at this test's lab; ether4 starts without a comment."""
    target = tmp_path_factory.mktemp("inventory") / "lab"
    shutil.copytree(ROOT / "inventory" / "lab", target)
    hosts = {"routeros": {"hosts": {"lab-r1": {"ansible_host": lab1.address(1)}}}}
    (target / "hosts.yml").write_text(yaml.safe_dump(hosts))
    edit(target, lambda model: model["routeros_interfaces_ethernet"][3].pop("comment"))
    return target


def edit(inventory: Path, change: Any) -> None:
    path = inventory / "group_vars" / "routeros" / "baseline.yml"
    model = yaml.safe_load(path.read_text())
    change(model)
    path.write_text(yaml.safe_dump(model, allow_unicode=True))


def play(inventory: Path, playbook: str, *extra: str) -> dict[str, Any]:
    backups = inventory.parent / "backups"
    return run_playbook_json(ROOT / playbook, inventory, "-e", f"routeros_backup_dir={backups}", *extra)


def changed(report: dict[str, Any]) -> int:
    return int(report["stats"]["lab-r1"]["changed"])


def results(report: dict[str, Any], task: str) -> list[dict[str, Any]]:
    return [
        t["hosts"]["lab-r1"]
        for p in report["plays"]
        for t in p["tasks"]
        if t["task"]["name"].endswith(task) and "lab-r1" in t["hosts"]
    ]


def api_info(inventory: Path, paths: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each path as community.routeros api_info returns it with its default options."""
    report = run_playbook_json(
        ROOT / "tests" / "playbooks" / "read_paths.yml", inventory, "-e", json.dumps({"read_paths": paths})
    )
    assert report["rc"] == 0, report["stats"]
    (read,) = results(report, "Read each path")
    return {item["item"]: item["result"] for item in read["results"]}


def without_ids(read: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Entries added again get new ids: everything else must be equal."""
    return {
        path: [{k: v for k, v in e.items() if k != ".id"} for e in entries] for path, entries in read.items()
    }


def backups(inventory: Path) -> list[Path]:
    return sorted((inventory.parent / "backups" / "lab-r1").iterdir())


def document(folder: Path) -> dict[str, list[dict[str, Any]]]:
    return {item["path"]: item["data"] for item in yaml.safe_load((folder / "backup.yml").read_text())}


def api(lab: RunningLab) -> Any:
    return librouteros.connect(lab.address(1), "admin", "lab-admin", port=8728)


def rows(lab: RunningLab, path: str) -> list[dict[str, Any]]:
    found = lab.ctl("dump", "1").get(path, [])
    return [found] if isinstance(found, dict) else list(found)


def test_restore_puts_every_path_back_as_api_info_read_it_before_a_failed_run(lab1, inventory):
    assert play(inventory, "playbooks/baseline.yml")["rc"] == 0
    # Hand-made, before the backup: the restore keeps them where they were. A port forward, which collides
    # with nothing the toolkit plans (a second masquerade would stop the run: tests/test_takeover.py).
    api(lab1).path("ip", "firewall", "nat").add(
        chain="dstnat",
        action="dst-nat",
        protocol="tcp",
        **{"dst-port": "8080", "to-addresses": "192.168.20.10"},
        comment="hand-made NAT",
    )
    paths = list(document(backups(inventory)[-1]))
    before = api_info(inventory, paths)

    def fail_later(model: dict[str, Any]) -> None:
        model["routeros_interfaces_ethernet"][3]["comment"] = "set by a run that then fails"
        model["routeros_nat_rules"][1]["dst-port"] = 8443
        model["routeros_api_service_services"][3]["address"].append("10.0.0.0/8")

    edit(inventory, fail_later)
    lab1.ctl("refuse", "1", "/ip/service/set")
    failed = play(inventory, "playbooks/baseline.yml")
    assert failed["rc"] != 0
    (apply,) = results(failed, "Apply the planned state of the router")
    assert apply["failed"] and {"interface ethernet", "ip firewall nat"} <= set(apply["paths"])
    ether4 = next(p for p in rows(lab1, "interface/ethernet") if p["default-name"] == "ether4")
    assert ether4["comment"] == "set by a run that then fails"

    # The backup taken before the failed run's first write is api_info's answer, unset values included.
    taken = backups(inventory)[-1]
    assert document(taken) == before
    stored = next(e for e in document(taken)["interface ethernet"] if e["default-name"] == "ether4")
    assert "!comment" in stored and stored["!comment"] is None

    untouched = lab1.configuration(1)
    check = play(inventory, "playbooks/restore.yml", "--check", "--diff")
    assert check["rc"] == 0 and changed(check) == 1, check["stats"]
    (dry,) = results(check, "Apply the planned state of the router")
    assert {"interface ethernet", "ip firewall nat"} <= set(dry["paths"])
    assert {d["before_header"] for d in dry["diff"]} == set(dry["paths"])
    assert lab1.configuration(1) == untouched

    restored = play(inventory, "playbooks/restore.yml")
    assert restored["rc"] == 0 and changed(restored) == 1, restored["stats"]
    (report,) = results(restored, "Report what the restore changed")
    assert str(taken / "backup.yml") in report["msg"] and "ip firewall nat" in report["msg"]
    assert without_ids(api_info(inventory, paths)) == without_ids(before)
    ether4 = next(p for p in rows(lab1, "interface/ethernet") if p["default-name"] == "ether4")
    assert "comment" not in ether4
    assert [r.get("comment") for r in rows(lab1, "ip/firewall/nat")][-1] == "hand-made NAT"

    # The restore backed the router up first; that backup is never the default, so a rerun changes nothing.
    assert (backups(inventory)[-1] / "restoring.txt").read_text().strip() == str(taken / "backup.yml")
    again = play(inventory, "playbooks/restore.yml")
    assert again["rc"] == 0 and changed(again) == 0, again["stats"]


def test_a_missing_backup_is_refused_by_name_before_any_connection(lab1, inventory):
    untouched = lab1.configuration(1)
    report = play(inventory, "playbooks/restore.yml", "-e", "restore_from=19990101T000000.000000Z")
    assert report["rc"] != 0
    (found,) = results(report, "Find the backup to restore")
    assert "restore_from: '19990101T000000.000000Z' is not valid for lab-r1" in found["msg"]
    assert lab1.configuration(1) == untouched


def owned(lab: RunningLab) -> dict[str, list[str]]:
    """Every entry whose comment carries the toolkit's marker, by path."""
    found: dict[str, list[str]] = {}
    for path, entries in lab.ctl("dump", "1").items():
        for entry in [entries] if isinstance(entries, dict) else entries:
            if str(entry.get("comment", "")).startswith(MARKER):
                found.setdefault(path, []).append(str(entry.get("name") or entry.get("address") or entry))
    return found


def test_remove_leaves_nothing_of_the_toolkit_and_every_hand_made_entry_as_it_was(lab1, inventory):
    assert play(inventory, "site.yml")["rc"] == 0
    router = api(lab1)
    router.path("system", "script").add(name="hand-made", source=":log info hand-made")
    router.path("system", "scheduler").add(name="hand-made", interval="1h", **{"on-event": "hand-made"})
    router.path("tool", "netwatch").add(host="192.0.2.7", comment="hand-made probe")
    router.path("file").add(name="hand-made.txt", contents="kept")
    assert {"tool/netwatch", "system/script", "system/scheduler", "ip/firewall/nat"} <= set(owned(lab1))
    assert any(r["name"].startswith("netwatch-telegram/") for r in rows(lab1, "file"))

    def hand_made() -> dict[str, list[dict[str, Any]]]:
        paths = ("system/script", "system/scheduler", "tool/netwatch", "ip/firewall/nat", "file")
        return {
            path: [
                {
                    k: v
                    for k, v in r.items()
                    if k not in ("since", "status", "last-started", "run-count", "next-run")
                }
                for r in rows(lab1, path)
                if "hand-made" in f"{r.get('name', '')}{r.get('comment', '')}"
            ]
            for path in paths
        }

    kept = hand_made()
    # Probes and the notifier keep running (their counters and queue change): what check mode could have
    # removed is compared, not the whole configuration.
    present = owned(lab1)
    check = play(inventory, "playbooks/remove.yml", "--check", "--diff")
    assert check["rc"] == 0 and changed(check) >= 1, check["stats"]
    (would,) = results(check, "Report what was removed")
    assert "would remove" in would["msg"] and "tool netwatch" in would["msg"] and "bot-token" in would["msg"]
    assert owned(lab1) == present
    assert any(r["name"].endswith("netwatch-telegram/bot-token") for r in rows(lab1, "file"))

    removed = play(inventory, "playbooks/remove.yml")
    assert removed["rc"] == 0 and changed(removed) >= 1, removed["stats"]
    # Only the toolkit's own user and group stay, so that it can still reach the router.
    assert set(owned(lab1)) == {"user", "user/group"}
    assert not [r["name"] for r in rows(lab1, "file") if "netwatch-telegram" in r["name"]]
    assert hand_made() == kept

    again = play(inventory, "playbooks/remove.yml")
    assert again["rc"] == 0 and changed(again) == 0, again["stats"]

    access = play(inventory, "playbooks/remove.yml", "-e", "remove_access=true")
    assert access["rc"] == 0, access["stats"]
    assert owned(lab1) == {}
    assert [r["name"] for r in rows(lab1, "certificate")] == []
    assert hand_made() == kept


def test_with_no_dns_variables_the_router_s_dns_settings_stay(lab1, inventory):
    """The README says only listed properties are set: an inventory without DNS variables leaves the router's
    servers and remote requests as they are (they used to be cleared and turned off)."""

    def forget_dns(model: dict[str, Any]) -> None:
        del model["routeros_dns_servers"], model["routeros_dns_allow_remote_requests"]

    edit(inventory, forget_dns)
    api(lab1).path("ip", "dns").update(servers="192.0.2.53", **{"allow-remote-requests": True})
    assert play(inventory, "playbooks/baseline.yml")["rc"] == 0
    [dns] = rows(lab1, "ip/dns")
    assert (dns["servers"], dns["allow-remote-requests"]) == ("192.0.2.53", "true")
    again = play(inventory, "playbooks/baseline.yml")
    assert again["rc"] == 0 and changed(again) == 0, again["stats"]

"""Taking over a router that is not empty: `site.yml` finds what collides with its plan before any write.

lab-r1 carries RouterOS's factory default configuration (the lab's `defconf` scenario, lab/README.md):
`--check --diff` names every collision, a run without `routeros_apply_adopt` stops before any write naming
each and the setting, and with it the run converges and a rerun changes nothing. lab-r2 carries the source
paper's hand-made alerting (a Netwatch entry and a schedule that call the Bot API with the token in clear
text): with `routeros_alerting_remove_handmade` the old entries go, each outage alerts once, and the run says
where the token was exposed without printing it. lab-r3 carries a probe made by hand for a watched host:
site.yml stops before its first write (in the baseline play, before the alerting play that would meet it),
or adopts it.

The tests share one lab and run in file order.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import librouteros
import pytest
import yaml
from alerting_lab import GROUP_CHAT, wait_for
from ansible_run import ROOT, run_playbook_json

from lab.testing import RunningLab, new_lab

SITE = ROOT / "site.yml"
# A token of Telegram's shape, as the source paper pastes its own into every script.
LEAKED = "987654321:HANDMADE-token-in-clear-text-000000"
FETCH = f'/tool fetch url="https://api.telegram.org/bot{LEAKED}/sendMessage?chat_id={GROUP_CHAT}&text='
HOSTS = [
    {"name": "Internet (Quad9)", "address": "9.9.9.9"},
    {"name": "file server", "address": "10.10.10.10"},
]
# The notifier's timings shortened, as in test_alerting.py, so that an outage is told within seconds.
OVERRIDES = {
    "routeros_netwatch_hosts": HOSTS,
    "routeros_telegram_tick": "1s",
    "routeros_telegram_retry_first": "1s",
    "routeros_telegram_retry_max": "2s",
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("lab"), routers=3)
    running.start()
    for router in ("1", "2", "3"):
        for address in ("9.9.9.9", "10.10.10.10"):
            running.ctl("host", router, address, "up")
    running.ctl("scenario", "1", "defconf")
    handmade(api(running, 2))
    hand_made_probe = api(running, 3)
    hand_made_probe.path("tool", "netwatch").add(host="10.10.10.10", comment="server, by hand")
    hand_made_probe.close()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory, lab: RunningLab) -> Path:
    target = tmp_path_factory.mktemp("inventory") / "lab"
    shutil.copytree(ROOT / "inventory" / "lab", target)
    hosts = {"routeros": {"hosts": {f"lab-r{i}": {"ansible_host": lab.address(i)} for i in (1, 2, 3)}}}
    (target / "hosts.yml").write_text(yaml.safe_dump(hosts))
    (target.parent / "overrides.yml").write_text(yaml.safe_dump(OVERRIDES))
    return target


def api(lab: RunningLab, router: int) -> Any:
    return librouteros.connect(lab.address(router), "admin", "lab-admin", port=8728)


def handmade(router: Any) -> None:
    """The source paper's alerting: a probe whose scripts call the Bot API, a script doing the same that a
    second probe runs, and a daily schedule; the token in clear text in each."""
    netwatch = router.path("tool", "netwatch")
    netwatch.add(
        host="9.9.9.9",
        interval="10s",
        **{"up-script": FETCH + 'internet%20up"', "down-script": FETCH + 'internet%20down"'},
    )
    router.path("system", "script").add(name="tg-server-down", source=FETCH + 'server%20down"')
    netwatch.add(host="10.10.10.10", **{"down-script": "/system script run tg-server-down"})
    router.path("system", "scheduler").add(
        name="daily-report", interval="1d", **{"on-event": FETCH + 'router%20alive"'}
    )
    router.close()


def play(inventory: Path, *extra: str) -> dict[str, Any]:
    return run_playbook_json(
        SITE,
        inventory,
        "-e",
        f"@{inventory.parent / 'overrides.yml'}",
        "-e",
        f"routeros_backup_dir={inventory.parent / 'backups'}",
        *extra,
    )


def results(report: dict[str, Any], host: str) -> list[dict[str, Any]]:
    return [task["hosts"][host] for p in report["plays"] for task in p["tasks"] if host in task["hosts"]]


def failure(report: dict[str, Any], host: str) -> str:
    return "\n".join(str(r.get("msg", "")) for r in results(report, host) if r.get("failed"))


# What a router's first contact writes (routeros_access: the toolkit's user and group, the api-ssl certificate
# and service), before any play checks its plan: no path the roles manage.
FIRST_CONTACT = {"certificate", "ip/service", "user", "user/group", "user/active"}


def written(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The paths a run changed, besides its first contact's."""
    return sorted(p for p in {*before, *after} - FIRST_CONTACT if before.get(p) != after.get(p))


COLLISIONS = [
    "interface bridge port: the entry",
    "{interface='ether3', comment='defconf'}",
    "{interface='ether4', comment='defconf'}",
    "interface list: the entry",
    "{name='WAN', comment='defconf'}",
    "{name='LAN', comment='defconf'}",
    "interface list member: the entry",
    "{list='WAN', interface='ether1', comment='defconf'}",
    "ip address: the entry",
    "{address='192.168.88.1/24', comment='defconf'}",
    "ip dhcp-client: the entry",
    "{interface='ether1', comment='defconf'}",
    "ip firewall nat: the entry",
    "{out-interface-list='WAN', comment='defconf: masquerade'}",
]


def test_check_diff_on_a_factory_router_names_every_collision(lab: RunningLab, inventory: Path):
    report = play(inventory, "--check", "--diff", "--limit", "lab-r1")
    message = failure(report, "lab-r1")
    for expected in COLLISIONS:
        assert expected in message
    assert "routeros_apply_adopt: true" in message


def test_a_run_without_adopt_stops_before_any_write_naming_each_collision(lab: RunningLab, inventory: Path):
    before = lab.configuration(1)
    report = play(inventory, "--limit", "lab-r1")
    assert report["rc"] != 0
    message = failure(report, "lab-r1")
    for expected in COLLISIONS:
        assert expected in message
    assert (
        "8 entries collide on the router, not made by this toolkit, with the plan; nothing was written"
        in (message)
    )
    assert written(before, lab.configuration(1)) == []


def test_with_adopt_the_factory_entries_are_taken_over_and_a_rerun_changes_nothing(
    lab: RunningLab, inventory: Path
):
    check = play(inventory, "--check", "--diff", "--limit", "lab-r1", "-e", "routeros_apply_adopt=true")
    assert check["rc"] == 0, failure(check, "lab-r1")
    adopted = [a for r in results(check, "lab-r1") for a in r.get("adopted", [])]
    assert len(adopted) == 8
    headers = json.dumps([r.get("diff") for r in results(check, "lab-r1")])
    assert "ip firewall nat (adopted)" in headers

    report = play(inventory, "--limit", "lab-r1", "-e", "routeros_apply_adopt=true")
    assert report["rc"] == 0, failure(report, "lab-r1")
    router = api(lab, 1)
    nat = list(router.path("ip", "firewall", "nat"))
    masquerades = [r for r in nat if r["action"] == "masquerade"]
    assert [(r["comment"], r.get("ipsec-policy")) for r in masquerades] == [
        ("[ansible] LAN to internet", None)
    ]
    clients = list(router.path("ip", "dhcp-client"))
    assert [(c["interface"], c["comment"]) for c in clients] == [("ether1-isp", "[ansible] ISP uplink")]
    ports = {r["interface"]: (r["bridge"], r["comment"]) for r in router.path("interface", "bridge", "port")}
    assert ports["ether3"] == ("bridge-lan", "[ansible]") and ports["ether5"] == ("bridge", "defconf")
    router.close()

    rerun = play(inventory, "--limit", "lab-r1", "-e", "routeros_apply_adopt=true")
    assert rerun["rc"] == 0 and rerun["stats"]["lab-r1"]["changed"] == 0
    # Adopted entries are owned now: without the setting nothing collides any more.
    assert play(inventory, "--limit", "lab-r1")["stats"]["lab-r1"]["changed"] == 0


def test_handmade_alerting_of_a_watched_host_stops_the_run_reporting_the_exposed_token(
    lab: RunningLab, inventory: Path
):
    before = lab.configuration(2)
    report = play(inventory, "--limit", "lab-r2")
    assert report["rc"] != 0
    assert LEAKED.split(":")[1] not in json.dumps(report)
    message = failure(report, "lab-r2")
    assert "tool netwatch: the entry" in message and "host='9.9.9.9'" in message
    assert "(hand-made Telegram alerting: routeros_alerting_remove_handmade: true removes it)" in message
    leaked = message.split("A bot token is written in clear text in ")[1].split(":")[0]
    assert leaked.split(", ") == [
        "system script 'tg-server-down' (*1)",
        "system scheduler 'daily-report' (*1)",
        "tool netwatch '9.9.9.9' (*1)",
    ]
    assert written(before, lab.configuration(2)) == []


def test_handmade_alerting_is_removed_reported_without_its_token_and_outages_alert_once(
    lab: RunningLab, inventory: Path
):
    before = lab.configuration(2)
    check = play(
        inventory, "--check", "--diff", "--limit", "lab-r2", "-e", "routeros_alerting_remove_handmade=true"
    )
    assert check["rc"] == 0, failure(check, "lab-r2")
    diffs = [d for r in results(check, "lab-r2") for d in r.get("diff") or [] if isinstance(d, dict)]
    removals = [
        d["before"]["data"][0]
        for d in diffs
        if "(hand-made Telegram alerting, removed)" in d["before_header"]
    ]
    assert len(removals) == 4
    assert LEAKED.split(":")[1] not in json.dumps(check)
    assert "<bot token hidden>" in json.dumps(removals)
    assert written(before, lab.configuration(2)) == []

    report = play(inventory, "--limit", "lab-r2", "-e", "routeros_alerting_remove_handmade=true")
    assert report["rc"] == 0, failure(report, "lab-r2")
    output = json.dumps(report)
    assert LEAKED not in output and LEAKED.split(":")[1] not in output
    warnings = " ".join(w for r in results(report, "lab-r2") for w in r.get("warnings", []))
    for entry in (
        "tool netwatch '9.9.9.9'",
        "system script 'tg-server-down'",
        "system scheduler 'daily-report'",
    ):
        assert entry in warnings
    assert "tool netwatch '10.10.10.10'" in warnings, "the probe that runs a hand-made script goes too"
    assert "A bot token is written in clear text in" in warnings and "revoke it" in warnings

    router = api(lab, 2)
    left = [
        row
        for path in (("system", "script"), ("system", "scheduler"), ("tool", "netwatch"))
        for row in router.path(*path)
        if not str(row.get("comment", "")).startswith("[ansible]")
    ]
    router.close()
    assert left == [], "nothing hand-made is left of the old alerting"

    wait_for(lambda: all(r.get("status") == "up" for r in netwatch(lab)), 30, "every probe up")
    time.sleep(3)
    lab.ctl("telegram", "clear")
    lab.ctl("host", "2", "10.10.10.10", "down")
    wait_for(lambda: told(lab, "lab-r2"), 15, "a DOWN message")
    time.sleep(3)
    [text] = told(lab, "lab-r2")
    assert "DOWN · file server (10.10.10.10)" in text


def told(lab: RunningLab, router: str) -> list[str]:
    """What the group chat received from one router (its alerts start with its name)."""
    texts = [str(m["text"]) for m in lab.ctl("telegram", "messages", GROUP_CHAT)]
    return [text for text in texts if text.startswith(f"🖥 {router}\n")]


def netwatch(lab: RunningLab) -> list[dict[str, Any]]:
    router = api(lab, 2)
    try:
        return list(router.path("tool", "netwatch"))
    finally:
        router.close()


def test_a_hand_made_probe_of_a_watched_host_stops_site_before_its_first_write(
    lab: RunningLab, inventory: Path
):
    before = lab.configuration(3)
    report = play(inventory, "--limit", "lab-r3")
    assert report["rc"] != 0
    message = failure(report, "lab-r3")
    assert "tool netwatch: the entry *1 {host='10.10.10.10', comment='server, by hand'}" in message
    assert "routeros_apply_adopt" in message
    assert written(before, lab.configuration(3)) == []

    adopted = play(inventory, "--limit", "lab-r3", "-e", '{"routeros_apply_adopt": ["tool netwatch"]}')
    assert adopted["rc"] == 0, failure(adopted, "lab-r3")
    router = api(lab, 3)
    probes = [(r["host"], r["comment"]) for r in router.path("tool", "netwatch")]
    router.close()
    assert sorted(probes) == [("10.10.10.10", "[ansible]"), ("9.9.9.9", "[ansible]")]
    rerun = play(inventory, "--limit", "lab-r3")
    assert rerun["rc"] == 0 and rerun["stats"]["lab-r3"]["changed"] == 0

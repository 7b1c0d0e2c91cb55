"""Netwatch to Telegram, end to end: the playbook deploys probes and the notifier on a lab router, hosts go
down and up in the lab's virtual network, and the fake Telegram shows what an operator would read."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import librouteros
import paramiko
import pytest
from alerting_lab import FORUM_CHAT, GROUP_CHAT, LAN_ADDRESS, TOKEN, AlertingLab, wait_for
from ansible_run import BIN, ROOT, run_playbook

from lab.testing import new_lab

NASTY_NAME = 'Kasir "lantai 2" $x \\ ; [:put 1] {y} <b>&amp; 🔴 中文\nbaris dua'
NASTY_COMMENT = "<i>not markup</i> & $(:error boom) \\n ✅"
CHILDREN = [f"10.10.40.{n}" for n in range(11, 16)]
BURST = [f"10.10.60.{n}" for n in range(1, 9)]
QUEUED = [f"10.10.50.{n}" for n in range(1, 6)]
LOSSY = [f"10.10.20.{n}" for n in range(1, 6)]
HOSTS = [
    {"name": "file server", "address": "10.10.10.10", "comment": "rack 1, behind wlan1"},
    {"name": NASTY_NAME, "address": "10.10.30.1", "comment": NASTY_COMMENT},
    {"name": "switch", "address": "10.10.40.1", "comment": "floor switch"},
    *({"name": f"desk {a}", "address": a, "parent": "switch"} for a in CHILDREN),
    *({"name": f"burst {a}", "address": a} for a in BURST),
    *({"name": f"queued {a}", "address": a} for a in QUEUED),
    *({"name": f"lossy {a}", "address": a} for a in LOSSY),
    {"name": "refused", "address": "10.10.70.1"},
    {"name": "flooded", "address": "10.10.80.1"},
    {"name": "muted", "address": "10.10.90.1", "mute": True},
]
OVERRIDES = {
    "routeros_telegram_delayed_after": "4s",
    "routeros_telegram_retry_first": "1s",
    "routeros_telegram_retry_max": "2s",
    "routeros_telegram_flood_wait": "3s",
    "routeros_telegram_tick": "1s",
}


@pytest.fixture(scope="module")
def alerting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertingLab]:
    directory = tmp_path_factory.mktemp("alerting")
    lab = new_lab(directory / "lab", routers=2)
    lab.start()
    deployed = AlertingLab(lab, directory, HOSTS, dict(OVERRIDES))
    for host in HOSTS:
        deployed.host(str(host["address"]), "up")
    api = deployed.api()
    api.path("ip", "address").add(address=LAN_ADDRESS, interface="ether3")
    api.close()
    result = deployed.deploy()
    assert result.returncode == 0, result.output[-3000:]
    wait_for(lambda: all(row.get("status") == "up" for row in deployed.netwatch().values()), 30, "all up")
    deployed.settled()
    yield deployed
    lab.stop()


@pytest.fixture(autouse=True)
def _recover(request: pytest.FixtureRequest, alerting: AlertingLab) -> Iterator[None]:
    """After a failed test, the lab as every test expects to find it: Telegram and the uplink working, every
    watched host up and told, the inbox empty. Without it one failure leaves alerts in flight that fail the
    tests after it."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        alerting.lab.ctl("telegram", "reset")
        alerting.lab.ctl("uplink", "1", "up")
        for host in HOSTS:
            alerting.host(str(host["address"]), "up")
            alerting.host(str(host["address"]), "loss", "0")
        wait_for(lambda: all(row.get("status") == "up" for row in alerting.netwatch().values()), 60, "all up")
        alerting.settled()


def _router_clock(alerting: AlertingLab) -> str:
    api = alerting.api()
    clock = next(iter(api.path("system", "clock")))
    api.close()
    return f"{clock['date']} {clock['time']}"


def _blocks(text: str) -> list[str]:
    """A message is the router's name, then one block per alert, separated by blank lines."""
    return text.split("\n\n")[1:]


def test_a_host_going_down_sends_one_down_with_every_field(alerting):
    alerting.host("10.10.10.10", "down")
    texts = wait_for(alerting.texts, 15, "a DOWN message")
    since = alerting.netwatch()["file server"]["since"]
    time.sleep(3)
    assert alerting.texts() == texts and len(texts) == 1
    assert texts[0] == (
        "🖥 MikroTik\n\n🔴 DOWN · file server (10.10.10.10)\nrack 1, behind wlan1\n🕒 "
        + since
        + " (UTC+00:00)"
    )
    # The forum topic gets the same alert, silently; both as HTML with the name in bold.
    [forum] = alerting.messages(FORUM_CHAT)
    assert forum["text"] == texts[0] and forum["message_thread_id"] == 2 and forum["disable_notification"]
    [message] = alerting.messages()
    assert message["parse_mode"] == "HTML"
    # Entity offsets count UTF-16 units, as Telegram's do.
    units = message["text"].encode("utf-16-le")
    bold = [e for e in message["entities"] if e["type"] == "bold"]
    assert [units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le") for e in bold] == [
        "MikroTik",
        "DOWN",
        "file server",
    ]


def test_the_host_back_up_sends_one_up_with_the_outage_duration(alerting):
    down_since = alerting.netwatch()["file server"]["since"]
    alerting.lab.ctl("telegram", "reset")
    alerting.host("10.10.10.10", "up")
    texts = wait_for(alerting.texts, 15, "an UP message")
    up_since = alerting.netwatch()["file server"]["since"]
    time.sleep(2)
    assert len(alerting.texts()) == 1
    seconds = _seconds_between(down_since, up_since)
    assert texts[0].startswith("🖥 MikroTik\n\n🟢 UP · file server (10.10.10.10)\nrack 1, behind wlan1\n")
    # The lab router's zone is set by hand (manual, offset 0): the alert says so.
    assert f"🕒 {up_since} (UTC+00:00)\n⏱ Down for {seconds}s" in texts[0]
    alerting.settled()


def _seconds_between(earlier: str, later: str) -> int:
    pattern = "%Y-%m-%d %H:%M:%S"
    return int((datetime.strptime(later, pattern) - datetime.strptime(earlier, pattern)).total_seconds())


def test_names_and_comments_arrive_exactly_as_written_and_never_run(alerting):
    alerting.host("10.10.30.1", "down")
    [text] = wait_for(alerting.texts, 15, "the DOWN of the oddly named host")
    assert f"🔴 DOWN · {NASTY_NAME} (10.10.30.1)\n{NASTY_COMMENT}\n" in text
    assert not any("boom" in line for line in alerting.log())
    alerting.host("10.10.30.1", "up")
    wait_for(lambda: len(alerting.texts()) == 2, 15, "its UP")
    assert f"🟢 UP · {NASTY_NAME} (10.10.30.1)" in alerting.texts()[1]
    alerting.settled()


def test_a_host_losing_30_percent_of_its_packets_sends_nothing(alerting):
    for address in LOSSY:
        alerting.host(address, "loss", "30")
    time.sleep(20)
    for address in LOSSY:
        alerting.host(address, "loss", "0")
    assert alerting.texts() == []
    rows = alerting.netwatch()
    assert all(rows[f"lossy {a}"]["status"] == "up" for a in LOSSY)
    assert min(int(rows[f"lossy {a}"]["done-tests"]) for a in LOSSY) >= 15


def test_a_parent_down_with_five_children_is_one_message_naming_them(alerting):
    for address in ["10.10.40.1", *CHILDREN]:
        alerting.host(address, "down")
    [text] = wait_for(alerting.texts, 20, "the switch's DOWN")
    time.sleep(6)
    assert len(alerting.texts()) == 1
    [block] = _blocks(text)
    assert block.startswith("🔴 DOWN · switch (10.10.40.1)\nfloor switch\n")
    assert block.endswith("⛓ Unreachable behind it: " + ", ".join(f"desk {a}" for a in CHILDREN))
    # The switch comes back, one desk does not: one UP that names it, then that desk's own UP.
    for address in ["10.10.40.1", *CHILDREN[:-1]]:
        alerting.host(address, "up")
    wait_for(lambda: len(alerting.texts()) == 2, 20, "the switch's UP")
    up = alerting.texts()[1]
    # The switch's UP waits for the hosts behind it to come back, so it may also carry the "delayed" line.
    assert "🟢 UP · switch (10.10.40.1)" in up and f"\n⚠️ Still down: desk {CHILDREN[-1]}" in up
    alerting.host(CHILDREN[-1], "up")
    wait_for(lambda: len(alerting.texts()) == 3, 20, "the last desk's UP")
    assert f"🟢 UP · desk {CHILDREN[-1]} ({CHILDREN[-1]})" in alerting.texts()[2]
    time.sleep(3)
    assert len(alerting.texts()) == 3
    alerting.settled()


def test_a_burst_of_changes_is_one_message_per_chat(alerting):
    for address in BURST:
        alerting.host(address, "down")
    wait_for(lambda: alerting.texts() and alerting.messages(FORUM_CHAT), 20, "the burst")
    time.sleep(5)
    for chat in (GROUP_CHAT, FORUM_CHAT):
        [text] = alerting.texts(chat)
        assert [block.split("\n")[0] for block in _blocks(text)] == [
            f"🔴 DOWN · burst {a} ({a})" for a in BURST
        ]
    for address in BURST:
        alerting.host(address, "up")
    wait_for(lambda: len(alerting.texts()) == 2, 20, "the burst's UPs")
    assert len(_blocks(alerting.texts()[1])) == len(BURST)
    alerting.settled()


def test_alerts_queued_while_the_uplink_is_cut_survive_a_reboot_and_arrive_in_order_marked_delayed(alerting):
    alerting.lab.ctl("uplink", "1", "down")
    expected = []
    for index, address in enumerate(QUEUED):
        alerting.host(address, "down")
        expected.append(f"🔴 DOWN · queued {address} ({address})")
        wait_for(lambda n=index: alerting.queue_size() == n + 1, 15, f"DOWN {index + 1} queued")
    alerting.lab.ctl("reboot", "1")
    for index, address in enumerate(QUEUED):
        alerting.host(address, "up")
        expected.append(f"🟢 UP · queued {address} ({address})")
        wait_for(lambda n=index: alerting.queue_size() == len(QUEUED) + n + 1, 20, f"UP {index + 1} queued")
    time.sleep(5)
    assert alerting.texts() == []
    alerting.lab.ctl("uplink", "1", "up")
    wait_for(lambda: alerting.queue_size() == 0, 30, "the queue sent")
    blocks = [block for text in alerting.texts() for block in _blocks(text)]
    assert [block.split("\n")[0] for block in blocks] == expected
    assert all(
        re.search(r"\n⏳ Delayed: sent \d\d:\d\d:\d\d, \d+s after it happened$", block) for block in blocks
    )
    alerting.settled()


def test_a_429_is_retried_no_sooner_than_asked(alerting):
    alerting.lab.ctl("telegram", "fault", "429=3", "1")
    alerting.host("10.10.80.1", "down")
    wait_for(lambda: alerting.texts() and alerting.messages(FORUM_CHAT), 30, "the DOWN after the 429")
    [refused] = alerting.lab.ctl("telegram", "attempts")
    assert refused["error_code"] == 429
    retried = [m for m in alerting.messages(str(refused["params"]["chat_id"]))]
    assert retried[0]["received_at"] - refused["received_at"] >= 3
    assert any("HTTP 429" in line for line in alerting.log())
    alerting.lab.ctl("telegram", "reset")
    alerting.host("10.10.80.1", "up")
    wait_for(lambda: alerting.texts() and alerting.messages(FORUM_CHAT), 20, "the UP")
    alerting.settled()


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("401", "unauthorized: the bot token is wrong or was revoked"),
        ("400-chat-not-found", "bad request: the chat or topic does not exist"),
    ],
)
def test_a_refusal_is_logged_with_its_reason_and_the_queue_moves_on(alerting, fault, reason):
    alerting.lab.ctl("telegram", "fault", fault, "1")
    alerting.host("10.10.70.1", "down")
    line = wait_for(lambda: [entry for entry in alerting.log() if reason in entry], 20, "the refusal logged")
    assert "netwatch-telegram: Telegram refused alerts" in line[-1]
    wait_for(lambda: alerting.queue_size() == 0, 20, "the queue moving on")
    # One chat refused it and dropped it; the other got it. The next alert reaches both.
    assert len(alerting.texts(GROUP_CHAT)) + len(alerting.texts(FORUM_CHAT)) == 1
    alerting.host("10.10.70.1", "up")
    wait_for(lambda: len(alerting.texts(GROUP_CHAT)) + len(alerting.texts(FORUM_CHAT)) == 3, 20, "the UP")
    alerting.settled()


def test_a_muted_host_is_watched_but_silent(alerting):
    alerting.host("10.10.90.1", "down")
    wait_for(lambda: alerting.netwatch()["muted"]["status"] == "down", 15, "the muted host down")
    time.sleep(3)
    alerting.host("10.10.90.1", "up")
    time.sleep(3)
    assert alerting.texts() == []


def test_a_rerun_changes_nothing_and_adding_a_host_touches_only_its_probe(alerting):
    rerun = alerting.deploy()
    assert rerun.returncode == 0 and rerun.recap("lab-r1")["changed"] == 0, rerun.output[-2000:]
    before = alerting.netwatch()
    alerting.host("10.10.99.1", "up")
    alerting.hosts.append({"name": "new printer", "address": "10.10.99.1"})
    checked = alerting.deploy("--check", "--diff")
    assert checked.recap("lab-r1")["changed"] >= 1 and "new printer" in checked.output
    assert "new printer" not in alerting.netwatch()
    added = alerting.deploy()
    assert added.recap("lab-r1")["changed"] == 1, added.output[-2000:]
    after = alerting.netwatch()
    assert set(after) == set(before) | {"new printer"}
    for name, row in before.items():
        assert after[name][".id"] == row[".id"] and after[name].get("since") == row.get("since"), name
        assert int(after[name]["done-tests"]) > int(row["done-tests"])
    alerting.hosts.pop()
    removed = alerting.deploy()
    assert removed.recap("lab-r1")["changed"] == 1 and "new printer" not in alerting.netwatch()


def test_indonesian_texts_and_a_full_queue_take_effect_on_a_rerun(alerting):
    alerting.overrides.update({"routeros_telegram_language": "id", "routeros_telegram_queue_max": 3})
    assert alerting.deploy().returncode == 0
    try:
        alerting.host("10.10.10.10", "down")
        wait_for(alerting.texts, 15, "the DOWN")
        alerting.host("10.10.10.10", "up")
        wait_for(lambda: len(alerting.texts()) == 2, 15, "the UP")
        down, up = alerting.texts()
        assert "🔴 DOWN · file server (10.10.10.10)\nrack 1, behind wlan1\n🕒 Tanggal " in down
        assert re.search(r"\n🕒 Tanggal \d{4}-\d\d-\d\d jam \d\d:\d\d:\d\d \(UTC\+00:00\)$", down)
        assert re.search(r"\n⏱ Terputus selama \d+ detik$", up)
        alerting.settled()
        alerting.lab.ctl("uplink", "1", "down")
        for address in QUEUED:
            alerting.host(address, "down")
        wait_for(lambda: any("the queue is full" in line for line in alerting.log()), 20, "the queue full")
        assert alerting.queue_size() == 3
        alerting.lab.ctl("uplink", "1", "up")
        [text] = wait_for(alerting.texts, 20, "the queue sent")
        blocks = _blocks(text)
        assert blocks[0] == "⚠️ 2 peringatan lama dibuang karena antrean router penuh"
        # The three newest stay; which hosts those are depends on the order Netwatch saw them fail.
        titles = {block.split("\n")[0] for block in blocks[1:]}
        assert len(titles) == 3 and titles < {f"🔴 DOWN · queued {a} ({a})" for a in QUEUED}
    finally:
        for address in QUEUED:
            alerting.host(address, "up")
        alerting.lab.ctl("uplink", "1", "up")
        alerting.overrides.pop("routeros_telegram_language")
        alerting.overrides.pop("routeros_telegram_queue_max")
        assert alerting.deploy().returncode == 0
    alerting.settled()


def test_the_probes_role_works_alone(alerting, tmp_path):
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "hosts.yml").write_text(
        f"routeros:\n  hosts:\n    lab-r2:\n      ansible_host: {alerting.lab.address(2)}\n"
        "      ansible_connection: local\n      ansible_python_interpreter: '{{ ansible_playbook_python }}'\n"
        # The role alone, without routeros_access: the lab's factory user over the plain API.
        "      routeros_api_username: admin\n      routeros_api_password: lab-admin\n"
        "      routeros_api_tls: false\n      routeros_backup_enabled: false\n"
    )
    playbook = Path(__file__).parent / "playbooks" / "netwatch_alone.yml"
    alone = [{"name": "alone", "address": "10.10.10.10"}]
    hosts = json.dumps({"routeros_netwatch_hosts": alone, "routeros_netwatch_notify": False})
    first = run_playbook(playbook, inventory, "-e", hosts)
    assert first.returncode == 0 and first.recap("lab-r2")["changed"] == 1, first.output[-2000:]
    again = run_playbook(playbook, inventory, "-e", hosts)
    assert again.recap("lab-r2")["changed"] == 0
    api = librouteros.connect(host=alerting.lab.address(2), username="admin", password="lab-admin")
    [probe] = [row for row in api.path("tool", "netwatch") if row.get("name") == "alone"]
    scripts = {row["name"] for row in api.path("system", "script")}
    api.close()
    assert probe["up-script"] == "" and probe["down-script"] == ""
    assert scripts == {"netwatch-telegram-hosts"}


def test_a_router_without_the_builtin_store_trusts_a_given_ca(alerting, tmp_path):
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
    (inventory / "hosts.yml").write_text(
        f"routeros:\n  hosts:\n    lab-r2:\n      ansible_host: {alerting.lab.address(2)}\n"
    )
    settings = {
        "routeros_backup_dir": str(tmp_path / "backups"),
        "routeros_netwatch_hosts": [],
        "routeros_telegram_trust": "certificate",
        "routeros_telegram_ca_file": str(alerting.lab.state / "lab-internet-ca.pem"),
    }
    done = run_playbook(ROOT / "playbooks" / "alerting.yml", inventory, "-e", json.dumps(settings))
    assert done.returncode == 0, done.output[-2000:]
    api = librouteros.connect(host=alerting.lab.address(2), username="admin", password="lab-admin")
    [ca] = [row for row in api.path("certificate") if row.get("name") == "netwatch-telegram-ca"]
    assert ca["trusted"] is True
    assert next(iter(api.path("certificate", "settings"))).get("builtin-trust-store", "") == ""
    check = (
        f':local r [/tool fetch url="https://api.telegram.org/bot{TOKEN}/getMe" check-certificate=yes'
        ' output=user as-value]; :put ($r->"status")'
    )
    api.path("system", "script").add(name="check-trust", source=check)
    tuple(api.path("system", "script")("run", number="check-trust"))
    time.sleep(1)
    failures = [row["message"] for row in api.path("log") if "FAILED" in row.get("message", "")]
    api.close()
    assert failures == []
    again = run_playbook(ROOT / "playbooks" / "alerting.yml", inventory, "-e", json.dumps(settings))
    assert again.recap("lab-r2")["changed"] == 0


def test_the_token_is_in_one_file_and_nowhere_else(alerting, tmp_path):
    assert alerting.file("netwatch-telegram/bot-token") == TOKEN
    loud = alerting.deploy("-vvvv", playbook="site.yml")
    assert loud.returncode == 0, loud.output[-3000:]
    assert TOKEN not in loud.output
    api = alerting.api()
    scripts = list(api.path("system", "script"))
    schedulers = list(api.path("system", "scheduler"))
    api.close()
    for row in [*alerting.netwatch().values(), *scripts, *schedulers]:
        assert TOKEN not in str(row)
    assert TOKEN not in _export(alerting)
    written = [p for p in (alerting.directory / "backups").rglob("*") if p.is_file()]
    assert written and not any(TOKEN in p.read_text(errors="replace") for p in written)
    assert not any(TOKEN in line for line in alerting.log() if "netwatch-telegram" in line)
    # The notifier's own state files hold no token either.
    state = {**alerting.files("hosts/"), **alerting.files("chats/"), **alerting.files("sequence")}
    assert alerting.host_records() and alerting.files("chats/")
    assert not any(TOKEN in text for text in state.values())


def _export(alerting: AlertingLab) -> str:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # the lab's throwaway key
    client.connect(alerting.lab.address(1), port=2222, username="admin", password="lab-admin", timeout=10)
    _, stdout, _ = client.exec_command("/export")
    text = stdout.read().decode()
    client.close()
    assert "/tool netwatch" in text
    return text


def test_every_rendered_script_passes_routeros_lsp(tmp_path):
    rendered = tmp_path / "scripts"
    root = Path(__file__).resolve().parent.parent
    for inventory in ("inventory/lab", "inventory/example"):
        command = [
            str(BIN / "ansible-playbook"),
            "-i",
            inventory,
            "tests/playbooks/render_scripts.yml",
            "-e",
            f"render_dir={rendered}",
            "--vault-password-file",
            "inventory/example/vault-password.txt",
        ]
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    scripts = sorted(rendered.rglob("*.rsc"))
    assert len(scripts) == 5 * 5  # five routers in the two inventories (2 + 3), five scripts each
    variables = ["host", "name", "comment", "status", "since", "type", "done-tests", "failed-tests"]
    lint = subprocess.run(
        [
            str(BIN / "routeros-lsp"),
            "check",
            "--strict",
            "--scope",
            "script",
            *(f"--context-variable={v}" for v in variables),
            *map(str, scripts),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr

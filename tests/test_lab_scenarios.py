"""A lab router can start like a real one (lab.scenarios): with RouterOS's factory default configuration
(`defconf`) or configured by hand as in the source paper (`seed-paper`), applied by the router's own command
handling so that it refuses afterwards what a router with that configuration refuses."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import librouteros
import paramiko
import pytest
from librouteros.exceptions import TrapError

from lab import scenarios
from lab.export import export
from lab.router import Router
from lab.script.runner import install, run_script
from lab.testing import RunningLab, new_lab

HAND_MADE_TOKEN = "987654321:HAND-made-token-0000000000000000000"
NOC_GROUP = "-4000000001"

# The defconf firewall of a RouterOS 7 router-mode board, in its order (lab/README.md, "Scenarios").
DEFCONF_FILTER = [
    ("input", "accept", "defconf: accept established,related,untracked"),
    ("input", "drop", "defconf: drop invalid"),
    ("input", "accept", "defconf: accept ICMP"),
    ("input", "accept", "defconf: accept to local loopback (for CAPsMAN)"),
    ("input", "drop", "defconf: drop all not coming from LAN"),
    ("forward", "accept", "defconf: accept in ipsec policy"),
    ("forward", "accept", "defconf: accept out ipsec policy"),
    ("forward", "fasttrack-connection", "defconf: fasttrack"),
    ("forward", "accept", "defconf: accept established,related, untracked"),
    ("forward", "drop", "defconf: drop invalid"),
    ("forward", "drop", "defconf: drop all from WAN not DSTNATed"),
]


def _api(lab: RunningLab, index: int = 1) -> Any:
    return librouteros.connect(host=lab.address(index), username="admin", password="lab-admin")


def _rows(api: Any, *path: str) -> list[dict[str, Any]]:
    return list(api.path(*path))


def _static(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in rows if not row.get("dynamic")]


def _wait_for(predicate: Any, seconds: float = 45.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


@pytest.fixture(scope="module")
def defconf_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("defconf"), routers=2, extra_args=["--scenario", "defconf"])
    running.start()
    yield running
    running.stop()


def assert_defconf(api: Any) -> None:
    """What the factory default configuration of a 5-port router-mode board holds, read over the API."""
    bridges = _rows(api, "interface", "bridge")
    assert [(b["name"], b["comment"], b["auto-mac"]) for b in bridges] == [("bridge", "defconf", False)]
    ether2 = next(row for row in _rows(api, "interface") if row["default-name"] == "ether2")
    assert bridges[0]["admin-mac"] == ether2["mac-address"]
    ports = _rows(api, "interface", "bridge", "port")
    assert [(p["bridge"], p["interface"], p["comment"]) for p in ports] == [
        ("bridge", f"ether{n}", "defconf") for n in range(2, 6)
    ]
    lists = [
        (row["name"], row.get("comment")) for row in _rows(api, "interface", "list") if not row["builtin"]
    ]
    assert lists == [("WAN", "defconf"), ("LAN", "defconf")]
    members = _rows(api, "interface", "list", "member")
    assert sorted((m["list"], m["interface"]) for m in members) == [("LAN", "bridge"), ("WAN", "ether1")]
    addresses = _static(_rows(api, "ip", "address"))
    assert [(a["address"], a["interface"], a["comment"]) for a in addresses] == [
        ("192.168.88.1/24", "bridge", "defconf")
    ]
    clients = _rows(api, "ip", "dhcp-client")
    assert [(c["interface"], c["comment"], c["status"]) for c in clients] == [("ether1", "defconf", "bound")]
    assert [(p["name"], p["ranges"]) for p in _rows(api, "ip", "pool")] == [
        ("default-dhcp", "192.168.88.10-192.168.88.254")
    ]
    servers = _rows(api, "ip", "dhcp-server")
    assert [(s["name"], s["interface"], s["address-pool"], s["disabled"]) for s in servers] == [
        ("defconf", "bridge", "default-dhcp", False)
    ]
    networks = _rows(api, "ip", "dhcp-server", "network")
    assert [(n["address"], n["gateway"], n["dns-server"]) for n in networks] == [
        ("192.168.88.0/24", "192.168.88.1", "192.168.88.1")
    ]
    assert _rows(api, "ip", "dns")[0]["allow-remote-requests"] is True
    static = _rows(api, "ip", "dns", "static")
    assert [(s["name"], s["address"], s["comment"]) for s in static] == [
        ("router.lan", "192.168.88.1", "defconf")
    ]
    nat = _rows(api, "ip", "firewall", "nat")
    assert [
        (r["chain"], r["action"], r["out-interface-list"], r["ipsec-policy"], r["comment"]) for r in nat
    ] == [("srcnat", "masquerade", "WAN", "out,none", "defconf: masquerade")]
    rules = _rows(api, "ip", "firewall", "filter")
    assert [(r["chain"], r["action"], r["comment"]) for r in rules] == DEFCONF_FILTER
    assert rules[-1]["connection-nat-state"] == "!dstnat"
    assert rules[4]["in-interface-list"] == "!LAN"
    assert _rows(api, "ip", "neighbor", "discovery-settings")[0]["discover-interface-list"] == "LAN"
    assert _rows(api, "tool", "mac-server")[0]["allowed-interface-list"] == "LAN"
    assert _rows(api, "tool", "mac-server", "mac-winbox")[0]["allowed-interface-list"] == "LAN"
    assert _rows(api, "system", "identity")[0]["name"] == "MikroTik"


@pytest.mark.parametrize("index", [1, 2])
def test_serve_with_defconf_gives_every_router_the_factory_default_configuration(
    defconf_lab: RunningLab, index: int
) -> None:
    api = _api(defconf_lab, index)
    try:
        assert_defconf(api)
    finally:
        api.close()


@pytest.mark.parametrize(
    ("path", "entry", "refusal"),
    [
        (
            ("interface", "bridge", "port"),
            {"bridge": "bridge", "interface": "ether2"},
            "device already added as bridge port",
        ),
        (("ip", "dhcp-client"), {"interface": "ether1"}, "dhcp-client on that interface already exists"),
        (
            ("ip", "address"),
            {"address": "192.168.88.1/24", "interface": "bridge"},
            "already have such address",
        ),
        (("interface", "list"), {"name": "WAN"}, "list with such name already exists"),
        (("interface", "list", "member"), {"list": "LAN", "interface": "bridge"}, "already have such entry"),
    ],
)
def test_a_defconf_router_refuses_what_collides_with_its_factory_entries(
    defconf_lab: RunningLab, path: tuple[str, ...], entry: dict[str, str], refusal: str
) -> None:
    before = defconf_lab.configuration(1)
    api = _api(defconf_lab)
    try:
        with pytest.raises(TrapError, match=refusal):
            api.path(*path).add(**entry)
    finally:
        api.close()
    assert defconf_lab.configuration(1) == before


def test_a_defconf_router_exports_its_factory_entries_over_ssh(defconf_lab: RunningLab) -> None:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # the lab's own throwaway key
    client.connect(
        defconf_lab.address(1),
        port=2222,
        username="admin",
        password="lab-admin",
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
    )
    try:
        _, stdout, _ = client.exec_command("/export terse")
        exported = stdout.read().decode()
    finally:
        client.close()
    assert "/interface bridge port add bridge=bridge interface=ether2 comment=defconf" in exported
    assert (
        "/ip firewall nat add chain=srcnat out-interface-list=WAN ipsec-policy=out,none action=masquerade"
        ' comment="defconf: masquerade"'
    ) in exported
    assert "/ip dhcp-server add name=defconf address-pool=default-dhcp interface=bridge" in exported


def test_the_scenario_survives_a_reboot_and_a_restart_is_not_applied_again(defconf_lab: RunningLab) -> None:
    before = defconf_lab.configuration(2)
    defconf_lab.ctl("reboot", "2")
    assert defconf_lab.configuration(2) == before
    api = _api(defconf_lab, 2)
    api.path("system", "identity").update(name="branch-2")
    api.close()
    defconf_lab.restart()
    after = defconf_lab.configuration(2)
    assert after["system/identity"] == [{"name": "branch-2"}]
    assert after["interface/bridge/port"] == before["interface/bridge/port"]


def test_ctl_scenario_resets_a_running_router(defconf_lab: RunningLab) -> None:
    api = _api(defconf_lab)
    api.path("ip", "address").add(address="10.1.1.1/24", interface="ether1")
    api.close()
    assert "scenario empty" in defconf_lab.ctl("scenario", "1", "empty")
    empty = defconf_lab.configuration(1)
    for path in ("interface/bridge", "ip/address", "ip/firewall/filter", "ip/firewall/nat", "ip/pool"):
        assert empty[path] == [], path
    assert empty["tool/mac-server"] == [{"allowed-interface-list": "all"}]
    assert empty["ip/neighbor/discovery-settings"][0]["discover-interface-list"] == "!dynamic"
    assert HAND_MADE_TOKEN not in defconf_lab.ctl("telegram", "info")["tokens"]
    defconf_lab.ctl("scenario", "1", "seed-paper")
    assert defconf_lab.configuration(1)["system/identity"] == [{"name": "Koperasi-MS"}]
    assert HAND_MADE_TOKEN in defconf_lab.ctl("telegram", "info")["tokens"]
    defconf_lab.ctl("scenario", "1", "defconf")
    api = _api(defconf_lab)
    try:
        assert_defconf(api)
    finally:
        api.close()
    with pytest.raises(RuntimeError, match="scenario 'nope' is not known; expected one of empty, defconf"):
        defconf_lab.ctl("scenario", "1", "nope")


@pytest.fixture(scope="module")
def paper_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("paper"), routers=1, scenario="seed-paper")
    running.start()
    yield running
    running.stop()


def test_seed_paper_router_carries_hand_made_alerting_with_the_token_in_clear(paper_lab: RunningLab) -> None:
    dump = paper_lab.ctl("dump", "1")
    assert dump["system/identity"]["name"] == "Koperasi-MS"
    probes = dump["tool/netwatch"]
    assert [(p["name"], p["host"]) for p in probes] == [
        ("server", "10.10.10.10"),
        ("switch", "192.168.88.2"),
        ("internet", "8.8.8.8"),
    ]
    assert all("comment" not in p for p in probes)
    assert all(HAND_MADE_TOKEN in p["up-script"] and HAND_MADE_TOKEN in p["down-script"] for p in probes)
    assert all("api.telegram.org/bot" in p["down-script"] for p in probes)
    [schedule] = dump["system/scheduler"]
    assert "api.telegram.org/bot" + HAND_MADE_TOKEN in schedule["on-event"]
    [nat] = dump["ip/firewall/nat"]
    assert (nat["action"], nat["out-interface"], nat.get("comment")) == ("masquerade", "ether1", None)
    assert HAND_MADE_TOKEN in paper_lab.ctl("telegram", "info")["tokens"]


def _hand_made(lab: RunningLab, text: str) -> list[dict[str, Any]]:
    return [
        message
        for message in lab.ctl("telegram", "messages", NOC_GROUP)
        if message["bot_id"] == 987654321 and text in message["text"]
    ]


def test_a_seed_paper_probe_alerts_through_the_fake_telegram(paper_lab: RunningLab) -> None:
    before = paper_lab.configuration(1)
    # After boot every healthy host gets its up-script (ignore-initial-up defaults to no), as the paper's did.
    _wait_for(lambda: _hand_made(paper_lab, "PING SERVER UP!"))
    paper_lab.ctl("host", "1", "10.10.10.10", "down")
    [alert] = _wait_for(lambda: _hand_made(paper_lab, "PING SERVER DOWN"))
    assert alert["text"].startswith("Tanggal: ")
    paper_lab.ctl("host", "1", "10.10.10.10", "up")
    # Probes and their alerts write nothing: RunningLab.configuration leaves their results out.
    assert paper_lab.configuration(1) == before


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def test_an_unknown_scenario_is_refused_naming_the_known_ones(router: Router) -> None:
    with pytest.raises(ValueError, match="scenario 'factory' is not known; expected one of empty, defconf, "):
        scenarios.apply(router, "factory")


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (
            "/ip firewall filter add chain=forward connection-state=established,bogus",
            "input does not match any value of connection-state",
        ),
        (
            "/ip firewall filter add chain=forward connection-nat-state=!dstnat,!srcnat",
            "input does not match any value of connection-nat-state",
        ),
        ("/ip pool add name=p ranges=192.168.88.20-192.168.88.10", "invalid value for argument ranges"),
        ("/ip dhcp-server add interface=ether2 address-pool=nope", "input does not match any value of"),
        ("/ip dhcp-server add interface=nope", "input does not match any value of interface"),
        ("/ip dhcp-server network add address=192.168.88.0/33", "invalid value for argument address"),
        (
            "/ip neighbor discovery-settings set discover-interface-list=!nope",
            "input does not match any value of discover-interface-list",
        ),
        (
            "/ip neighbor discovery-settings set protocol=cdp,Protocol",
            "input does not match any value of protocol",
        ),
        (
            "/tool mac-server set allowed-interface-list=!LAN",
            "input does not match any value of allowed-interface",
        ),
    ],
)
def test_the_menus_defconf_needs_refuse_what_a_router_refuses(
    router: Router, command: str, error: str
) -> None:
    result = run_script(router, command, {}, "admin")
    assert result.error is not None and error in result.error


def test_a_second_dhcp_server_on_one_interface_is_refused(router: Router) -> None:
    scenarios.apply(router, "defconf")
    result = run_script(router, "/ip dhcp-server add interface=bridge", {}, "admin")
    assert result.error == "failure: already have server on this interface"


def test_the_dhcp_server_follows_renames_of_its_pool_and_interface(router: Router) -> None:
    scenarios.apply(router, "defconf")
    source = "/ip pool set default-dhcp name=lan-pool; /interface bridge set bridge name=br-lan"
    assert run_script(router, source, {}, "admin").error is None
    [server] = router.rows("ip/dhcp-server")
    assert (server["address-pool"], server["interface"]) == ("lan-pool", "br-lan")


def test_a_defconf_export_imported_into_an_empty_router_reproduces_it(router: Router) -> None:
    scenarios.apply(router, "defconf")
    text = export(router)
    assert "add chain=input action=drop in-interface-list=!LAN comment=" in text
    copy = Router(index=1, address="127.0.1.1")
    install(copy)
    assert run_script(copy, text, {}, "admin").error is None
    assert export(copy).splitlines()[1:] == text.splitlines()[1:]

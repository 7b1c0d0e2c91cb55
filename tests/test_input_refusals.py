"""Issue 11, "Found when tried": every bad input is refused before the first write, naming the inventory
field, the value and what is accepted. What the controller can judge is refused by the filters, before any
connection (the unit tests); what needs the router's state (its ports, the names its interfaces have) right
after the read, with the router untouched (the playbook tests against the lab; a factory port the router
lacks is tests/test_apply.py's). No input makes a check fail in any other way than by naming it.
"""

# ruff: noqa: RUF001 - full-width and superscript digits are the very inputs under test

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import librouteros
import pytest
import yaml
from ansible.errors import AnsibleActionFail, AnsibleFilterError
from ansible_run import ROOT, run_playbook
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(ROOT / "filter_plugins"))

import routeros_data as data
import routeros_validate as check

KNOWN = ["ether1-isp", "ether2-mgmt", "bridge-lan", "wlan1"]
FORWARD = {"chain": "dstnat", "action": "dst-nat", "protocol": "tcp", "to-addresses": "10.10.10.10"}
CONNECTION = {"hostname": "192.0.2.1", "port": 0, "timeout": 10}
MODEL = ROOT / "inventory" / "lab" / "group_vars" / "routeros" / "baseline.yml"


def _refused(call: Any, field: str, value: str, accepted: str) -> None:
    with pytest.raises(AnsibleFilterError) as problem:
        call()
    message = str(problem.value)
    assert f"{field}: {value} is not valid; expected" in message, message
    assert accepted in message, message


FOUND_WHEN_TRIED = {
    "prefix with a leading zero": (
        lambda: check.check_addresses([{"address": "10.0.0.1/024", "interface": "wlan1"}], KNOWN),
        "routeros_addresses_entries[0].address",
        "'10.0.0.1/024'",
        "no leading zeros",
    ),
    "prefix in full-width digits": (
        lambda: check.check_addresses([{"address": "10.0.0.1/２４", "interface": "wlan1"}], KNOWN),
        "routeros_addresses_entries[0].address",
        "'10.0.0.1/２４'",
        "N from 1 to 32",
    ),
    "prefix with a superscript": (
        lambda: check.check_addresses([{"address": "10.0.0.1/2²", "interface": "wlan1"}], KNOWN),
        "routeros_addresses_entries[0].address",
        "'10.0.0.1/2²'",
        "N from 1 to 32",
    ),
    "0.0.0.0/0 as an interface address": (
        lambda: check.check_addresses([{"address": "0.0.0.0/0", "interface": "wlan1"}], KNOWN),
        "routeros_addresses_entries[0].address",
        "'0.0.0.0/0'",
        "not 0.0.0.0",
    ),
    "arp outside its enumeration": (
        lambda: check.check_interfaces([{"default-name": "ether1", "arp": "sometimes"}], [], [], []),
        "routeros_interfaces_ethernet[0].arp",
        "'sometimes'",
        "one of disabled, enabled, local-proxy-arp, proxy-arp, reply-only",
    ),
    "bridge protocol-mode outside its enumeration": (
        lambda: check.check_interfaces([], [{"name": "bridge1", "protocol-mode": "spanning"}], [], []),
        "routeros_interfaces_bridges[0].protocol-mode",
        "'spanning'",
        "one of mstp, none, rstp, stp",
    ),
    "AAAA record with an IPv4 address": (
        lambda: check.check_dns([], True, [{"name": "nas.lan", "type": "AAAA", "address": "10.0.0.2"}]),
        "routeros_dns_static[0].address",
        "'10.0.0.2'",
        "an IPv6 address",
    ),
    "A record with a cname": (
        lambda: check.check_dns([], True, [{"name": "nas.lan", "address": "10.0.0.2", "cname": "x.lan"}]),
        "routeros_dns_static[0].cname",
        "'x.lan'",
        "no cname for type A",
    ),
    "control characters in a NAT log-prefix": (
        lambda: check.check_nat(
            [{"chain": "srcnat", "action": "masquerade", "log-prefix": "nat\x1b[31m"}], KNOWN, []
        ),
        "routeros_nat_rules[0].log-prefix",
        "'nat\\x1b[31m'",
        "text without control characters",
    ),
    "control characters in a TXT record": (
        lambda: check.check_dns([], True, [{"name": "t.lan", "type": "TXT", "text": "a\tb"}]),
        "routeros_dns_static[0].text",
        "'a\\tb'",
        "text without control characters",
    ),
    "full-width digits in a NAT port": (
        lambda: check.check_nat([{**FORWARD, "dst-port": "８０"}], KNOWN, []),
        "routeros_nat_rules[0].dst-port",
        "'８０'",
        "ports 1-65535",
    ),
    "full-width digits in a service port": (
        lambda: check.check_services([{"name": "api", "port": "８７２８"}]),
        "routeros_api_service_services[0].port",
        "'８７２８'",
        "a whole number from 1 to 65535",
    ),
    "jump without jump-target": (
        lambda: check.check_nat([{"chain": "srcnat", "action": "jump"}], KNOWN, []),
        "routeros_nat_rules[0].jump-target",
        "None",
        "the chain to jump to",
    ),
    "identity of spaces only": (
        lambda: check.check_identity("   "),
        "routeros_identity_name",
        "'   '",
        "not only spaces",
    ),
    "mtu out of range": (
        lambda: check.check_interfaces([{"default-name": "ether1", "mtu": 70000}], [], [], []),
        "routeros_interfaces_ethernet[0].mtu",
        "70000",
        "a whole number from 0 to 65536",
    ),
    "mtu as text": (
        lambda: check.check_interfaces([{"default-name": "ether1", "mtu": "jumbo"}], [], [], []),
        "routeros_interfaces_ethernet[0].mtu",
        "'jumbo'",
        "a whole number from 0 to 65536",
    ),
    "ttl as text": (
        lambda: check.check_dns([], True, [{"name": "nas.lan", "address": "10.0.0.2", "ttl": "a day"}]),
        "routeros_dns_static[0].ttl",
        "'a day'",
        "a time such as 1d",
    ),
    "TXT record without text": (
        lambda: check.check_dns([], True, [{"name": "t.lan", "type": "TXT"}]),
        "routeros_dns_static[0].text",
        "None",
        "the record's text",
    ),
    "to-ports as a list": (
        lambda: check.check_nat([{**FORWARD, "dst-port": 8080, "to-ports": [80, 81]}], KNOWN, []),
        "routeros_nat_rules[0].to-ports",
        "[80, 81]",
        "a port 0-65535 or a range",
    ),
    "empty ownership marker": (
        lambda: check.check_connection(CONNECTION, ""),
        "routeros_api_owner_marker",
        "''",
        "one line of text",
    ),
    "multi-line ownership marker": (
        lambda: check.check_connection(CONNECTION, "[ansible]\nmanaged"),
        "routeros_api_owner_marker",
        "'[ansible]\\nmanaged'",
        "one line of text",
    ),
    "connection port 70000": (
        lambda: check.check_connection({**CONNECTION, "port": 70000}, "[ansible]"),
        "routeros_api_port",
        "70000",
        "a whole number from 0 to 65535",
    ),
    "connection timeout 0": (
        lambda: check.check_connection({**CONNECTION, "timeout": 0}, "[ansible]"),
        "routeros_api_timeout",
        "0",
        "a whole number from 1 to 3600",
    ),
    "identity with U+0085 (C1 next line)": (
        lambda: check.check_identity("branch\x85one"),
        "routeros_identity_name",
        "'branch\\x85one'",
        "no control characters",
    ),
    "identity with U+009B (a terminal's CSI)": (
        lambda: check.check_identity("branch\x9b31m"),
        "routeros_identity_name",
        "'branch\\x9b31m'",
        "no control characters",
    ),
    "IPv6 service prefix with host bits": (
        lambda: check.check_services([{"name": "ssh", "address": ["2001:db8::1/32"]}]),
        "routeros_api_service_services[0].address[0]",
        "'2001:db8::1/32'",
        "IPv6 as printed",
    ),
    "IPv6 service prefix not as printed": (
        lambda: check.check_services([{"name": "ssh", "address": ["2001:DB8::/32"]}]),
        "routeros_api_service_services[0].address[0]",
        "'2001:DB8::/32'",
        "IPv6 as printed",
    ),
    "routeros_nat_rules: null": (
        lambda: check.check_nat(None, KNOWN, []),
        "routeros_nat_rules",
        "None",
        "a list of dicts ([] for none)",
    ),
}


@pytest.mark.parametrize("case", FOUND_WHEN_TRIED.values(), ids=FOUND_WHEN_TRIED.keys())
def test_each_bad_input_found_is_refused_on_the_controller(case):
    """Each input of the issue's list is refused by the filters, which run before any connection."""
    _refused(*case)


def test_a_service_takes_ipv6_prefixes_as_routeros_does():
    """RouterOS takes IPv6 prefixes in a service's address list beside IPv4 ones (found when tried)."""
    services = [{"name": "ssh", "address": ["192.168.88.0/24", "::/0", "2001:db8::/32", "2001:db8::7"]}]
    assert check.check_services(services) is services


# A minimal valid entry of each kind, and the check that takes a list of them.
MINIMAL: dict[str, tuple[dict[str, Any], Any, str]] = {
    "ethernet": (
        {"default-name": "ether1"},
        lambda e: check.check_interfaces(e, [], [], []),
        "routeros_interfaces_ethernet",
    ),
    "bridge": (
        {"name": "bridge1"},
        lambda e: check.check_interfaces([], e, [], []),
        "routeros_interfaces_bridges",
    ),
    "list": ({"name": "LAN"}, lambda e: check.check_interfaces([], [], e, []), "routeros_interfaces_lists"),
    "address": (
        {"address": "10.0.0.1/24", "interface": "wlan1"},
        lambda e: check.check_addresses(e, KNOWN),
        "routeros_addresses_entries",
    ),
    "dhcp_client": (
        {"interface": "wlan1"},
        lambda e: check.check_dhcp_clients(e, KNOWN),
        "routeros_dhcp_client_interfaces",
    ),
    "dns_static": (
        {"name": "nas.lan", "address": "10.0.0.2"},
        lambda e: check.check_dns([], True, e),
        "routeros_dns_static",
    ),
    "nat": (
        {"chain": "srcnat", "action": "masquerade"},
        lambda e: check.check_nat(e, KNOWN, []),
        "routeros_nat_rules",
    ),
    "service": ({"name": "ssh"}, check.check_services, "routeros_api_service_services"),
}
SCHEMA_PROPERTIES = [
    (kind, key, facts) for kind, properties in data.SCHEMA.items() for key, facts in properties.items()
]


@pytest.mark.parametrize(
    ("kind", "key"),
    [(kind, key) for kind, key, facts in SCHEMA_PROPERTIES if facts["kind"] == "bool"],
)
def test_maybe_is_refused_for_every_boolean(kind, key):
    """`maybe` is no boolean: every yes/no property the roles pass refuses it, naming the field."""
    entry, call, field = MINIMAL[kind]
    _refused(lambda: call([{**entry, key: "maybe"}]), f"{field}[0].{key}", "'maybe'", "true or false")


@pytest.mark.parametrize(
    ("kind", "key", "facts"), SCHEMA_PROPERTIES, ids=[f"{k}.{p}" for k, p, _ in SCHEMA_PROPERTIES]
)
def test_every_property_takes_what_the_command_tree_says(kind, key, facts):
    """The values, ranges and types of every property come from the command tree: each accepts its own
    values and refuses a word outside its enumeration, a number outside its range, full-width digits."""
    if facts["kind"] == "enum":
        for value in facts["values"]:
            assert data.normalise(kind, key, value) in (value, value == "yes")
        bad = ["sometimes", "ＹＥＳ", 1]
    elif facts["kind"] == "int":
        low, high = facts["range"]
        assert data.normalise(kind, key, str(low)) == low
        assert data.normalise(kind, key, high) == high
        bad = [low - 1, high + 1, "１", "1e3", "0x10", True, 1.5, [low]]
    elif facts["kind"] == "bool":
        assert data.normalise(kind, key, "yes") is True
        assert data.normalise(kind, key, "false") is False
        bad = ["maybe", 1, None]
    elif facts["kind"] == "duration":
        assert data.normalise(kind, key, "90m") == "1h30m"
        bad = ["a day", "１d", "1d 2h", -1]
    elif facts["kind"] == "port-range":
        assert data.normalise(kind, key, 80) == "80"
        assert data.normalise(kind, key, "8000-8080") == "8000-8080"
        bad = ["８０", "80,81", "90-80", [80]]
    else:
        return
    for value in bad:
        with pytest.raises(ValueError):
            data.normalise(kind, key, value)


@given(st.integers(0, 4_000_000), st.sampled_from(["", "w", "d", "h", "m", "s"]))
def test_times_are_written_as_the_lab_prints_them(number, unit):
    """ttl is sent as the router prints it, so a rerun compares equal: the same form as the lab's printing."""
    from lab.values import to_duration  # noqa: PLC0415

    text = f"{number}{unit}"
    assert data.duration(text) == to_duration(text)


# ----- no check can crash

ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(
        ["２４", "2²", "٣", "10.0.0.1/２４", "10.0.0.1/2²", "maybe", "", " ", "\n", "8０", "1d²"]
    ),
)
KEYS = sorted({key for keys in data.KEYS.values() for key in keys})
ENTRY = st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6), st.integers()), ODD, max_size=6)
ODD_OR_ENTRIES = st.one_of(ODD, st.lists(st.one_of(ENTRY, ODD), max_size=4), st.dictionaries(st.text(), ODD))
FILTERS = {
    "routeros_check_identity": (check.check_identity, 1),
    "routeros_check_interfaces": (check.check_interfaces, 4),
    "routeros_check_addresses": (check.check_addresses, 2),
    "routeros_check_dhcp_clients": (check.check_dhcp_clients, 2),
    "routeros_check_dns": (check.check_dns, 3),
    "routeros_check_clock": (check.check_clock, 2),
    "routeros_check_nat": (check.check_nat, 3),
    "routeros_check_services": (check.check_services, 1),
    "routeros_check_connection": (check.check_connection, 2),
    "routeros_interface_names": (check.interface_names, 3),
}


def test_the_crash_test_covers_every_filter():
    assert set(FILTERS) == set(check.FilterModule().filters())


@pytest.mark.parametrize("name", FILTERS)
@settings(max_examples=150, deadline=None)
@given(arguments=st.lists(ODD_OR_ENTRIES, min_size=4, max_size=4))
def test_no_input_makes_a_check_crash(name, arguments):
    """Odd types, Unicode digits, superscripts and huge numbers anywhere: a check passes or raises
    AnsibleFilterError naming a routeros_* field, never any other exception."""
    function, arity = FILTERS[name]
    call_with = list(arguments[:arity])
    if name in ("routeros_check_addresses", "routeros_check_dhcp_clients"):
        call_with[1] = KNOWN
    if name == "routeros_check_nat":
        call_with[1:] = [KNOWN, ["LAN"]]
    try:
        function(*call_with)
    except AnsibleFilterError as problem:
        assert "routeros_" in str(problem), str(problem)


# ----- after the read, before any write: the lab


def _dump(lab: Any) -> dict[str, Any]:
    dump = lab.ctl("dump", "1")
    for volatile in ("system/resource", "system/clock"):
        dump.pop(volatile, None)
    return dump


@pytest.fixture(scope="module")
def inventory(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lab-r1 of the lab inventory, brought to its baseline once: refusals start from a configured router."""
    directory = tmp_path_factory.mktemp("refusals")
    (directory / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
    hosts = {"lab-r1": {"ansible_host": lab.address(1)}}
    (directory / "hosts.yml").write_text(yaml.safe_dump({"routeros": {"hosts": hosts}}))
    first = _baseline(directory)
    assert first.returncode == 0, first.output[-3000:]
    return directory


def _baseline(inventory: Path, **variables: Any) -> Any:
    """The baseline over the plain API as the lab's factory user (tests/test_secure_access.py covers the
    secure first contact), with `variables` as extra vars."""
    plain = {
        "routeros_api_username": "admin",
        "routeros_api_password": "lab-admin",
        "routeros_api_tls": False,
    }
    extra = ["-e", json.dumps({**plain, **variables})]
    return run_playbook(
        ROOT / "playbooks" / "baseline.yml",
        inventory,
        "-e",
        f"routeros_backup_dir={inventory.parent / 'backups'}",
        *extra,
    )


def test_the_lab_refuses_what_a_router_refuses(lab):
    """The lab reads the same schema: words outside an enumeration and Unicode digits are refused over the
    API as a router refuses them, and a NAT to-ports range is taken as a router takes it."""
    api = librouteros.connect(host=lab.address(1), username="admin", password="lab-admin", encoding="utf-8")
    try:
        ether = next(row for row in api.path("interface", "ethernet") if row["default-name"] == "ether5")
        refusals = [
            lambda: api.path("interface", "ethernet").update(**{".id": ether[".id"], "arp": "sometimes"}),
            lambda: api.path("interface", "bridge").add(name="b-refused", **{"protocol-mode": "spanning"}),
            lambda: api.path("ip", "address").add(address="10.77.0.1/２４", interface="ether5"),
            lambda: api.path("interface", "ethernet").update(**{".id": ether[".id"], "mtu": "１５００"}),
            lambda: api.path("ip", "dns", "static").add(name="t.lan", address="10.0.0.1", ttl="a day"),
        ]
        for refusal in refusals:
            with pytest.raises(librouteros.exceptions.TrapError):
                refusal()
        rule = {"chain": "dstnat", "action": "dst-nat", "protocol": "tcp", "dst-port": "9000-9010"}
        added = api.path("ip", "firewall", "nat").add(
            **rule, **{"to-addresses": "10.0.0.9", "to-ports": "9000-9010"}
        )
        assert [r["to-ports"] for r in api.path("ip", "firewall", "nat") if r[".id"] == added] == [
            "9000-9010"
        ]
        api.path("ip", "firewall", "nat").remove(added)
    finally:
        api.close()


def test_a_bad_value_stops_the_playbook_before_any_write(lab, inventory):
    """End to end: a value the router would refuse stops the baseline, naming the field; nothing written."""
    before = _dump(lab)
    lab.ctl("stats", "reset")
    model = yaml.safe_load(MODEL.read_text())
    entries = [dict(entry) for entry in model["routeros_addresses_entries"]]
    entries[1]["address"] = "192.168.88.1/024"
    result = _baseline(inventory, routeros_addresses_entries=entries)
    assert result.returncode != 0
    assert "routeros_addresses_entries[1].address: '192.168.88.1/024' is not valid; expected" in result.output
    commands = lab.ctl("stats", "1")["1"]["commands"]
    assert [c for c in commands if not c.endswith("/print") and c != "/login"] == [], commands
    assert _dump(lab) == before


def test_backup_keep_0_is_refused_before_any_write_even_with_nothing_to_change(lab, inventory):
    """routeros_backup_keep is an input like the others: refused with them, not only once a backup is due."""
    lab.ctl("stats", "reset")
    result = _baseline(inventory, routeros_backup_keep=0)
    assert result.returncode != 0
    assert "routeros_backup_keep: 0 is not valid; expected a whole number, 1 or more" in result.output
    assert not lab.ctl("stats", "1")["1"]["commands"]


def test_the_lab_takes_ipv6_prefixes_in_a_service_address_list(lab):
    """As RouterOS does: IPv6 prefixes and addresses beside IPv4 ones, printed compressed; host bits
    refused."""
    api = librouteros.connect(host=lab.address(1), username="admin", password="lab-admin", encoding="utf-8")
    try:
        services = api.path("ip", "service")
        telnet = next(row for row in services if row["name"] == "telnet")
        services.update(**{".id": telnet[".id"], "address": "10.0.0.0/8,::/0,2001:DB8::/32,2001:db8::7"})
        printed = next(row["address"] for row in services if row["name"] == "telnet")
        assert printed == "10.0.0.0/8,::/0,2001:db8::/32,2001:db8::7"
        with pytest.raises(librouteros.exceptions.TrapError):
            services.update(**{".id": telnet[".id"], "address": "2001:db8::1/32"})
        services.update(**{".id": telnet[".id"], "address": ""})
    finally:
        api.close()


def test_a_port_renamed_to_a_name_another_interface_has_is_refused_before_any_write(lab, inventory):
    """Only the router knows its other interfaces: the rename is refused right after the read, naming the
    field, the value and who has the name, and the router is left as it was."""
    before = _dump(lab)
    model = yaml.safe_load(
        (ROOT / "inventory" / "lab" / "group_vars" / "routeros" / "baseline.yml").read_text()
    )
    ports = [dict(port) for port in model["routeros_interfaces_ethernet"]]
    ports[4]["name"] = "wlan1"
    other = [name for name in model["routeros_interfaces_other"] if name != "wlan1"]
    result = _baseline(inventory, routeros_interfaces_ethernet=ports, routeros_interfaces_other=other)
    assert result.returncode != 0
    assert (
        "routeros_interfaces_ethernet[4].name: 'wlan1' is not valid; expected a name no other interface on "
        "the router has (the wifi interface wlan1 has it)"
    ) in result.output, result.output[-3000:]
    assert _dump(lab) == before


def test_values_a_router_would_rewrite_are_sent_as_it_prints_them(lab, inventory):
    """A ttl of 90m (printed 1h30m), an MTU and a port written as text, a boolean as yes: sent as the router
    prints them, so the rerun has nothing to change."""
    model = yaml.safe_load(MODEL.read_text())
    ports = [dict(port) for port in model["routeros_interfaces_ethernet"]]
    ports[2]["mtu"] = "1400"
    bridges = [{**model["routeros_interfaces_bridges"][0], "vlan-filtering": "yes"}]
    static = [{**model["routeros_dns_static"][0], "ttl": "90m"}, *model["routeros_dns_static"][1:]]
    rules = [dict(rule) for rule in model["routeros_nat_rules"]]
    rules[1]["to-ports"] = "80"
    changes = {
        "routeros_interfaces_ethernet": ports,
        "routeros_interfaces_bridges": bridges,
        "routeros_dns_static": static,
        "routeros_nat_rules": rules,
    }
    first = _baseline(inventory, **changes)
    assert first.returncode == 0 and first.recap("lab-r1")["changed"] == 1, first.output[-3000:]
    rerun = _baseline(inventory, **changes)
    assert rerun.returncode == 0 and rerun.recap("lab-r1")["changed"] == 0, rerun.output[-3000:]
    dump = _dump(lab)
    assert [row["ttl"] for row in dump["ip/dns/static"] if row["name"] == static[0]["name"]] == ["1h30m"]


def _apply_plugin() -> Any:
    path = ROOT / "roles" / "routeros_apply" / "action_plugins" / "routeros_apply.py"
    spec = importlib.util.spec_from_file_location("routeros_apply_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Interfaces:
    """The API as _check_names uses it: one print of /interface."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.rows = rows
        self.printed: list[tuple[str, ...]] = []

    def path(self, *words: str) -> list[dict[str, str]]:
        self.printed.append(words)
        return self.rows


def test_a_port_may_take_the_name_of_a_port_renamed_before_it_in_the_routers_order():
    """api_modify renames ports in the router's order: a port may take a name given up by a port before it,
    not by one after it (the router would refuse that halfway); a plan that renames nothing reads nothing."""
    plugin = _apply_plugin()
    ports = [{"default-name": f"ether{i}", "name": f"ether{i}", "type": "ether"} for i in (1, 2)]
    api = _Interfaces([*ports, {"default-name": "wlan1", "name": "wlan1", "type": "wifi"}])
    existing = {"field": "routeros_interfaces_ethernet", "key": "default-name", "names": "interface"}
    unchanged = {"existing": existing, "data": [{"default-name": "ether1", "name": "ether1"}]}
    plugin._check_names(api, unchanged, ports)
    assert api.printed == []
    shift = [{"default-name": "ether2", "name": "ether1"}, {"default-name": "ether1", "name": "uplink"}]
    plugin._check_names(api, {"existing": existing, "data": shift}, ports)
    swap = [{"default-name": "ether1", "name": "ether2"}, {"default-name": "ether2", "name": "lan"}]
    with pytest.raises(AnsibleActionFail) as refused:
        plugin._check_names(api, {"existing": existing, "data": swap}, ports)
    assert "routeros_interfaces_ethernet[0].name: 'ether2' is not valid" in str(refused.value)
    assert "(the ether interface ether2 has it)" in str(refused.value)

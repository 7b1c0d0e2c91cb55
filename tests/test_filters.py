"""The baseline's filters: bad inventory is refused on the controller naming the field, the value and what is
accepted; good inventory turns into the api_modify data the roles send."""

from __future__ import annotations

import ipaddress
import re
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "filter_plugins"))

import routeros_data as data
import routeros_validate as check

KNOWN = ["ether1-isp", "ether2-mgmt", "bridge-lan", "wlan1"]


@given(
    st.ip_addresses(v=4).filter(lambda a: not (a.is_unspecified or a.is_multicast or a.is_reserved)),
    st.integers(1, 32),
)
def test_every_ipv4_interface_address_is_accepted(address, length):
    assert check.is_interface_address(f"{address}/{length}")


@pytest.mark.parametrize(
    "text", ["0.0.0.0/0", "10.0.0.1/0", "224.0.0.1/24", "255.255.255.255/32", "0.0.0.0/8"]
)
def test_addresses_no_interface_can_have_are_refused(text):
    assert not check.is_interface_address(text)


@given(st.integers(33, 999))
def test_prefix_lengths_above_32_are_refused(length):
    assert not check.is_interface_address(f"192.168.1.1/{length}")


@given(st.ip_addresses(v=4).map(lambda a: ipaddress.ip_network(f"{a}/24", strict=False)))
def test_networks_are_prefixes_but_host_bits_are_not(network):
    assert check.is_prefix(str(network))
    assert not check.is_prefix(f"{network.network_address + 1}/24")


@pytest.mark.parametrize(
    "text",
    ["10.0.0.256/24", "10.0.0/24", "10.0.0.1/", "10.0.0.1/24/1", " 10.0.0.1/24", "x/24", "01.2.3.4.5/8"],
)
def test_malformed_addresses_are_refused(text):
    assert not check.is_interface_address(text)


@given(st.integers(1, 65535), st.integers(1, 65535))
def test_port_ranges_must_run_low_to_high(low, high):
    assert check.is_port_spec(f"{low}-{high}") == (low <= high)


@pytest.mark.parametrize("ports", [0, 65536, "0", "80,", "a", "1-2-3", True, ""])
def test_out_of_range_ports_are_refused(ports):
    assert not check.is_port_spec(ports)


@given(st.text())
def test_text_with_control_characters_is_refused_and_other_text_accepted(text):
    """C0, DEL and C1 (U+0080..U+009F, which terminals read as control sequences) are refused."""
    assert check.is_text(text) == all(ord(c) >= 32 and not 127 <= ord(c) <= 159 for c in text)


def _fails(call, *expected):
    with pytest.raises(AnsibleFilterError) as problem:
        call()
    for text in expected:
        assert text in str(problem.value)


BAD_INPUTS = [
    (
        lambda: check.check_addresses([{"address": "10.0.0.1/33", "interface": "wlan1"}], KNOWN),
        "routeros_addresses_entries[0].address",
        "'10.0.0.1/33'",
        "A.B.C.D/N",
    ),
    (
        lambda: check.check_addresses([{"address": "10.0.0.1/24", "interface": "ether9"}], KNOWN),
        "routeros_addresses_entries[0].interface",
        "'ether9'",
        "bridge-lan",
    ),
    (
        lambda: check.check_addresses(
            [
                {"address": "10.0.0.1/24", "interface": "wlan1"},
                {"address": "10.0.0.1/16", "interface": "bridge-lan"},
            ],
            KNOWN,
        ),
        "routeros_addresses_entries[1].address",
        "'10.0.0.1'",
        "also at routeros_addresses_entries[0].address",
    ),
    (
        lambda: check.check_dns(["1.1.1.300"], False, []),
        "routeros_dns_servers[0]",
        "'1.1.1.300'",
        "IPv4 or IPv6",
    ),
    (
        lambda: check.check_nat([{"action": "masquerade"}], KNOWN, []),
        "routeros_nat_rules[0].chain",
        "None",
        "srcnat or dstnat",
    ),
    (
        lambda: check.check_nat(
            [{"chain": "dstnat", "action": "dst-nat", "to-addresses": "10.0.0.5", "dst-port": "80"}],
            KNOWN,
            [],
        ),
        "routeros_nat_rules[0].protocol",
        "tcp",
    ),
    (
        lambda: check.check_nat(
            [{"chain": "srcnat", "action": "masquerade", "out-interface-list": "WAN"}], KNOWN, []
        ),
        "routeros_nat_rules[0].out-interface-list",
        "'WAN'",
    ),
    (
        lambda: check.check_nat([{"chain": "dstnat", "action": "masquerade"}], KNOWN, []),
        "routeros_nat_rules[0].chain",
        "'dstnat'",
        "srcnat (action masquerade",
    ),
    (
        lambda: check.check_dhcp_clients([{"interface": "wlan1"}, {"interface": "wlan1"}], KNOWN),
        "routeros_dhcp_client_interfaces[1].interface",
        "'wlan1'",
    ),
    (
        lambda: check.check_interfaces([{"default-name": "ether1", "name": "bad name"}], [], [], []),
        "routeros_interfaces_ethernet[0].name",
        "'bad name'",
    ),
    (
        lambda: check.check_interfaces([], [{"name": "b", "ports": ["ether7"]}], [], ["ether1"]),
        "routeros_interfaces_bridges[0].ports[0]",
        "'ether7'",
    ),
    (
        lambda: check.check_interfaces([], [], [{"name": "all"}], []),
        "routeros_interfaces_lists[0].name",
        "'all'",
    ),
    (
        lambda: check.check_services([{"name": "http"}]),
        "routeros_api_service_services[0].name",
        "'http'",
        "api-ssl",
    ),
    (lambda: check.check_identity("a\nb"), "routeros_identity_name", "'a\\nb'"),
    (lambda: check.check_dns([], "maybe", []), "routeros_dns_allow_remote_requests", "'maybe'"),
    (
        lambda: check.check_dns([], True, [{"name": "nas.lan", "address": "nas"}]),
        "routeros_dns_static[0].address",
        "'nas'",
    ),
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[str(i) for i in range(len(BAD_INPUTS))])
def test_bad_input_is_refused_naming_field_and_value(case):
    call, *expected = case
    _fails(call, *expected)


def test_every_problem_is_reported_at_once():
    with pytest.raises(AnsibleFilterError) as problem:
        check.check_addresses(
            [{"address": "x", "interface": "wlan1"}, {"address": "y", "interface": "wlan1"}], KNOWN
        )
    assert "[0].address" in str(problem.value) and "[1].address" in str(problem.value)


def test_legitimate_text_passes_unchanged():
    rules = [
        {
            "chain": "srcnat",
            "action": "masquerade",
            "out-interface": "ether1-isp",
            "comment": 'LAN "kantor" $1 \\ <b> 🔴',
        }
    ]
    assert check.check_nat(rules, KNOWN, []) is rules
    assert data.nat_data(rules, "[ansible]")[0]["comment"] == '[ansible] LAN "kantor" $1 \\ <b> 🔴'


def test_unknown_interfaces_are_not_checked_without_an_interface_model():
    entries = [{"address": "10.0.0.1/24", "interface": "vlan99"}]
    assert check.check_addresses(entries, []) is entries


def test_interface_names_follow_renames():
    names = check.interface_names(
        [{"default-name": "ether1", "name": "ether1-isp"}, {"default-name": "ether2"}],
        [{"name": "bridge-lan"}],
        ["wlan1"],
    )
    assert names == ["ether1-isp", "ether2", "bridge-lan", "wlan1"]


def test_owned_entries_carry_the_marker_and_the_restrict_regex_matches_only_them():
    pattern = re.compile(data.marker_regex("[ansible]"))
    assert pattern.match(data.owned_comment("LAN", "[ansible]"))
    assert pattern.match(data.owned_comment(None, "[ansible]"))
    assert not pattern.match("[ansible]x hand made")
    assert not pattern.match("hand made [ansible]")


def test_model_becomes_api_modify_data():
    bridges = [{"name": "bridge-lan", "comment": "LAN", "ports": ["ether3", "ether4"]}]
    assert data.bridge_data(bridges, "[a]") == [{"name": "bridge-lan", "comment": "[a] LAN"}]
    assert data.bridge_port_data(bridges, "[a]") == [
        {"bridge": "bridge-lan", "interface": "ether3", "comment": "[a]"},
        {"bridge": "bridge-lan", "interface": "ether4", "comment": "[a]"},
    ]
    assert data.dns_settings(["1.1.1.1", "9.9.9.9"], "yes") == {
        "servers": "1.1.1.1,9.9.9.9",
        "allow-remote-requests": True,
    }
    # Only what the inventory lists: unset keeps the router's setting, an empty list clears the servers.
    assert data.dns_settings(None, None) == {}
    assert data.dns_settings([], None) == {"servers": ""}
    assert data.dns_settings(None, False) == {"allow-remote-requests": False}
    assert check.check_dns(None, None, []) is None
    assert data.nat_data([{"chain": "dstnat", "dst-port": 8080, "disabled": "no"}], "[a]") == [
        {"chain": "dstnat", "dst-port": "8080", "disabled": False, "comment": "[a]"}
    ]
    assert data.service_data([{"name": "api", "address": ["10.0.0.0/8"], "port": "8728"}]) == [
        {"name": "api", "address": "10.0.0.0/8", "port": 8728}
    ]
    assert data.dns_static_data([{"name": "nas.lan", "type": "A", "address": "10.0.0.2"}], "[a]") == [
        {"name": "nas.lan", "address": "10.0.0.2", "comment": "[a]"}
    ]


def test_the_address_the_play_uses_cannot_be_removed_without_opting_in():
    current = [
        {"address": "192.168.10.1/24", "interface": "ether2", "comment": "[a] mgmt"},
        {"address": "192.168.20.1/24", "interface": "ether3", "comment": "[a] old"},
    ]
    desired = [{"address": "192.168.30.1/24", "interface": "ether2", "comment": "[a] mgmt"}]
    _fails(
        lambda: data.guard_addresses(desired, current, "192.168.10.1", "[a]", False),
        "192.168.10.1/24",
        "routeros_addresses_allow_management_change",
    )
    assert data.guard_addresses(desired, current, "192.168.10.1", "[a]", True) is desired
    assert data.guard_addresses(desired, current, "192.168.20.1", "[b]", False) is desired


def test_the_api_service_the_play_uses_cannot_be_disabled_without_opting_in():
    services = [{"name": "api", "disabled": True}, {"name": "api-ssl", "disabled": False}]
    _fails(
        lambda: data.guard_services(services, False, False),
        "routeros_api_service_services[0].disabled",
        "api",
    )
    assert data.guard_services(services, True, False) is services
    assert data.guard_services(services, False, True) is services


def test_dns_settings_the_inventory_leaves_unset_stay_as_the_router_has_them():
    """With no DNS variables the role sets nothing (issue 17: it used to clear the servers and turn remote
    requests off); an empty list still clears the servers."""
    assert check.check_dns(None, None, []) is None
    assert data.dns_settings(None, None) == {}
    assert data.dns_settings(None, True) == {"allow-remote-requests": True}
    assert data.dns_settings([], None) == {"servers": ""}

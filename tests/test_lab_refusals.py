"""The lab refuses what a router refuses, in the router's words: what it wrongly accepted would hide a bug."""

from __future__ import annotations

import librouteros
import pytest
from librouteros.exceptions import TrapError


@pytest.fixture(scope="module")
def api(lab):
    connection = librouteros.connect(host=lab.address(1), username="admin", password="lab-admin")
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("path", "args", "message"),
    [
        (
            ("ip", "address"),
            {"address": "10.1.1.1/24", "interface": "ether2", "colour": "red"},
            "unknown parameter colour",
        ),
        (
            ("tool", "netwatch"),
            {"host": "10.1.1.2", "type": "ping"},
            "input does not match any value of type",
        ),
        (
            ("ip", "address"),
            {"address": "10.1.1.1/24", "interface": "ether99"},
            "input does not match any value of interface",
        ),
        (
            ("ip", "address"),
            {"address": "10.1.1.300/24", "interface": "ether2"},
            "invalid value for argument address",
        ),
        (("ip", "address"), {"interface": "ether2"}, "missing value(s) of argument(s) address"),
        (("ip", "firewall", "nat"), {"action": "masquerade"}, "missing value(s) of argument(s) chain"),
        (("ip", "firewall", "nat"), {"chain": "dstnat", "action": "masquerade"}, "masquerade"),
        (
            ("ip", "dhcp-client"),
            {"interface": "ether2", "use-peer-dns": "maybe"},
            "input does not match any value of use-peer-dns",
        ),
        (
            ("tool", "netwatch"),
            {"host": "10.1.1.2", "interval": "soon"},
            "invalid value for argument interval",
        ),
        (("interface", "bridge", "port"), {"interface": "ether4", "bridge": "no-bridge"}, "bridge"),
        (
            ("user",),
            {"name": "ops", "group": "wizards", "password": "x"},
            "input does not match any value of group",
        ),
    ],
)
def test_bad_input_is_refused_with_the_router_text(api, path, args, message):
    with pytest.raises(TrapError, match=message.replace("(", r"\(").replace(")", r"\)")):
        api.path(*path).add(**args)


def test_duplicate_address_is_refused(api):
    addresses = api.path("ip", "address")
    addresses.add(address="10.2.2.1/24", interface="ether2")
    with pytest.raises(TrapError, match="failure: already have such address"):
        addresses.add(address="10.2.2.1/24", interface="ether2")


def test_duplicate_interface_name_is_refused(api):
    with pytest.raises(TrapError, match="failure: already have interface with such name"):
        api.path("interface").update(**{".id": "*2", "name": "ether1"})


def test_second_dhcp_client_on_one_interface_is_refused(api):
    clients = api.path("ip", "dhcp-client")
    clients.add(interface="ether5")
    with pytest.raises(TrapError, match="failure: dhcp-client on that interface already exists"):
        clients.add(interface="ether5")


def test_dynamic_entries_cannot_be_removed(api):
    api.path("ip", "dhcp-client").add(interface="ether1")
    dynamic = [r for r in api.path("ip", "address") if r["dynamic"]]
    assert dynamic, "a dhcp-client on the lab uplink binds and adds a dynamic address"
    with pytest.raises(TrapError, match="dynamic"):
        api.path("ip", "address").remove(dynamic[0][".id"])


def test_interfaces_cannot_be_added_or_removed(api):
    with pytest.raises(TrapError, match="no such command"):
        api.path("interface").add(name="ether9")
    with pytest.raises(TrapError, match="no such command"):
        tuple(api.path("interface")("remove", **{".id": "*1"}))


def test_unknown_item_is_no_such_item(api):
    with pytest.raises(TrapError, match="no such item"):
        api.path("ip", "address").update(**{".id": "*FFFF", "comment": "x"})


def test_not_emulated_menu_fails_loudly(api):
    with pytest.raises(TrapError, match="not supported in the lab"):
        list(api.path("ip", "arp"))

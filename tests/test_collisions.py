"""What routeros_apply counts as a collision and as hand-made Telegram alerting (_routeros_collisions.py), on
the controller, without a router: the cases the lab tests (tests/test_takeover.py) do not reach one by one."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

import pytest
from ansible.errors import AnsibleActionFail
from ansible_collections.community.routeros.plugins.module_utils._api_data import split_path
from ansible_run import ROOT

MARKER = r"^\[ansible\]( |$)"
OWNED = [{"field": "comment", "regex": MARKER}]
TOKEN = "987654321:HANDMADE-token-in-clear-text-000000"


@pytest.fixture(scope="module")
def collisions() -> ModuleType:
    name = "_routeros_collisions"
    path = ROOT / "roles" / "routeros_apply" / "action_plugins" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


def nat(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "path": "ip firewall nat",
        "data": [{"chain": "srcnat", "action": "masquerade", "comment": "[ansible] out", **rule}],
        "restrict": OWNED,
        "collide": {"kind": "srcnat", "keys": ["out-interface", "out-interface-list"]},
    }


@pytest.mark.parametrize(
    ("existing", "collides"),
    [
        ({"chain": "srcnat", "action": "masquerade", "out-interface-list": "WAN"}, True),
        (
            {"chain": "srcnat", "action": "src-nat", "out-interface-list": "WAN", "to-addresses": "1.2.3.4"},
            True,
        ),
        # No way out named: it covers every one, the planned one too.
        ({"chain": "srcnat", "action": "masquerade"}, True),
        ({"chain": "srcnat", "action": "masquerade", "out-interface-list": "LAN"}, False),
        ({"chain": "srcnat", "action": "accept", "out-interface-list": "WAN"}, False),
        ({"chain": "dstnat", "action": "dst-nat", "out-interface-list": "WAN"}, False),
        (
            {
                "chain": "srcnat",
                "action": "masquerade",
                "out-interface-list": "WAN",
                "comment": "[ansible] x",
            },
            False,
        ),
        ({"chain": "srcnat", "action": "masquerade", "out-interface-list": "WAN", "dynamic": True}, False),
    ],
)
def test_a_second_source_nat_collides_when_it_covers_the_planned_way_out(collisions, existing, collides):
    row = {".id": "*1", **existing}
    found = collisions.find(
        [nat({"out-interface-list": "WAN"})], {("ip", "firewall", "nat"): [row]}, split_path
    )
    assert bool(found) == collides


def test_an_entry_on_a_port_the_plan_renames_is_compared_under_the_new_name(collisions):
    plan = [
        {"path": "interface ethernet", "data": [{"default-name": "ether1", "name": "ether1-isp"}]},
        {
            "path": "ip dhcp-client",
            "data": [{"interface": "ether1-isp", "comment": "[ansible] ISP"}],
            "restrict": OWNED,
            "collide": {"keys": ["interface"]},
        },
    ]
    reads = {
        ("interface", "ethernet"): [{".id": "*1", "default-name": "ether1", "name": "ether1"}],
        ("ip", "dhcp-client"): [{".id": "*2", "interface": "ether1", "comment": "defconf"}],
    }
    [found] = collisions.find(plan, reads, split_path)
    assert found.describe() == (
        "ip dhcp-client: the entry *2 {interface='ether1', comment='defconf'} collides with the planned "
        "{interface='ether1-isp'}"
    )


def test_an_address_collides_on_any_interface_whatever_its_prefix_length(collisions):
    plan = [
        {
            "path": "ip address",
            "data": [{"address": "192.168.88.1/24", "interface": "bridge-lan"}],
            "restrict": OWNED,
            "collide": {"keys": ["address"]},
        }
    ]
    rows = [
        {".id": "*1", "address": "192.168.88.1/16", "interface": "bridge"},
        {".id": "*2", "address": "192.168.88.2/24", "interface": "bridge"},
    ]
    found = collisions.find(plan, {("ip", "address"): rows}, split_path)
    assert [c.existing[".id"] for c in found] == ["*1"]


@pytest.mark.parametrize(
    ("setting", "adopted"),
    [(True, True), ("yes", True), (False, False), (["ip firewall nat"], True), (["ip address"], False)],
)
def test_adopt_is_everything_nothing_or_the_paths_listed(collisions, setting, adopted):
    assert collisions.adopted(setting, "ip firewall nat") == adopted


@pytest.mark.parametrize("setting", [["ip nonsense"], "sometimes", 7])
def test_adopt_refuses_what_is_neither_a_boolean_nor_known_paths(collisions, setting):
    with pytest.raises(
        AnsibleActionFail, match=r"routeros_apply_adopt: .* is not valid; expected true, false"
    ):
        collisions.check_setting(setting, lambda path: path == "ip firewall nat")


def test_hand_made_alerting_is_what_calls_the_bot_api_or_runs_what_does(collisions):
    fetch = f'/tool fetch url="https://api.telegram.org/bot{TOKEN}/sendMessage?chat_id=-1&text=x"'
    reads = {
        "system script": [
            {".id": "*1", "name": "tg", "source": fetch},
            {".id": "*2", "name": "backup", "source": "/system backup save"},
            {".id": "*3", "name": "ours", "source": fetch, "comment": "[ansible] notifier"},
        ],
        "system scheduler": [
            {".id": "*4", "name": "run-tg", "on-event": "/system script run tg"},
            {".id": "*5", "name": "run-tg2", "on-event": "tg2"},
        ],
        "tool netwatch": [
            {".id": "*6", "host": "9.9.9.9", "down-script": ":do { tg } on-error={}"},
            {".id": "*7", "host": "1.1.1.1", "up-script": "/tool fetch url=https://example.com/"},
        ],
    }
    plan = [{"path": "tool netwatch", "handmade_alerting": {"marker": MARKER, "remove": "True"}}]
    found, remove = collisions.handmade(plan, lambda path: reads[path])
    assert remove is True
    assert [(item.describe(), item.token) for item in found] == [
        ("system script 'tg' (*1)", True),
        ("system scheduler 'run-tg' (*4)", False),
        ("tool netwatch '9.9.9.9' (*6)", False),
    ]
    [text] = collisions.warnings(found, remove)
    assert "A bot token is written in clear text in system script 'tg' (*1)" in text
    assert TOKEN.split(":")[1] not in text
    shown = collisions.redacted(found[0].entry)
    assert TOKEN not in str(shown) and "<bot token hidden>" in shown["source"]


def test_no_plan_entry_asking_means_no_search(collisions):
    def read(path: str) -> list[dict[str, Any]]:
        raise AssertionError(f"{path} was read")

    assert collisions.handmade([{"path": "tool netwatch"}], read) == ([], False)

"""The community.routeros modules work against the lab on every emulated menu, idempotently and in check mode.

If the lab printed a value differently from a router (a missing default, a wrong boolean), api_modify would
report a change on every run; the second run reporting changed=0 is what proves the lab prints like a router.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.testing import new_lab
from tests.ansible_run import run_playbook, write_inventory

PLAYBOOK = Path(__file__).parent / "playbooks" / "lab_modules.yml"


@pytest.fixture(scope="module")
def lab_inventory(tmp_path_factory):
    state = tmp_path_factory.mktemp("modules-lab")
    lab = new_lab(state, routers=1)
    lab.start()
    inventory = write_inventory(
        state / "inventory.json",
        {
            "lab-r1": {
                "ansible_host": lab.address(1),
                "ansible_connection": "local",
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            }
        },
    )
    yield lab, inventory
    lab.stop()


def test_check_mode_changes_nothing_on_the_router(lab_inventory):
    lab, inventory = lab_inventory
    before = lab.ctl("dump", "1")
    result = run_playbook(PLAYBOOK, inventory, "--check")
    after = lab.ctl("dump", "1")
    before.pop("system/resource"), after.pop("system/resource")
    before.pop("system/clock"), after.pop("system/clock")
    assert result.returncode == 0, result.output[-4000:]
    assert result.recap("lab-r1")["changed"] > 0
    assert after == before


def test_every_menu_applies_then_reruns_with_no_change(lab_inventory):
    lab, inventory = lab_inventory
    first = run_playbook(PLAYBOOK, inventory)
    assert first.returncode == 0, first.output[-4000:]
    assert first.recap("lab-r1")["changed"] >= 1
    second = run_playbook(PLAYBOOK, inventory)
    assert second.returncode == 0, second.output[-4000:]
    assert second.recap("lab-r1")["changed"] == 0, second.output[-6000:]
    dump = lab.ctl("dump", "1")
    assert dump["system/identity"]["name"] == "lab-modules"
    assert {r["name"] for r in dump["interface"]} >= {"ether1-isp", "ether2-mgmt", "bridge-lan"}
    assert [r["interval"] for r in dump["tool/netwatch"]] == ["10s"]
    assert [r["ttl"] for r in dump["ip/dns/static"]] == ["2h"]
    assert any(r.get("comment") == "LAN gateway ✓" for r in dump["ip/address"])

"""The baseline's promise, tried on generated inventories (hypothesis) against lab routers: every inventory
is either refused with the router untouched, or applied so that a rerun changes nothing. The inventories are
small (identity, a few addresses, DNS entries, NAT rules, port comments) and their text is any printable
Unicode, quotes, `$`, `#`, `;` and trailing spaces included.

Bounded for `make test`: a fixed number of examples, derandomized (the same ones on every run), no shrinking
(each example costs ansible-playbook runs); each example covers three routers at once in one run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_run import ROOT, run_playbook_json
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from lab.testing import RunningLab, new_lab

ROUTERS = 3
MODEL = yaml.safe_load((ROOT / "inventory" / "lab" / "group_vars" / "routeros" / "baseline.yml").read_text())
# The lab's factory user over the plain API (tests/test_secure_access.py covers the secure connection).
PLAIN = {"routeros_api_tls": False, "routeros_api_username": "admin", "routeros_api_password": "lab-admin"}
BASELINE = ROOT / "playbooks" / "baseline.yml"
# Inventory text: printable Unicode with spaces; `{` is left out because Ansible templates inventory strings.
TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"), blacklist_characters="{"),
    min_size=1,
    max_size=12,
)
OCTET = st.integers(0, 255)
PREFIXES = ["24", "16", "30"]


@st.composite
def _address(draw: st.DrawFn) -> str:
    return f"10.{draw(OCTET)}.{draw(OCTET)}.{draw(st.integers(1, 254))}"


@st.composite
def _inventory(draw: st.DrawFn) -> dict[str, Any]:
    """One router's inventory; about half of them hold one value the router would not keep as written."""
    odd = draw(st.sampled_from([None, None, None, "prefix-024", "prefix-33", "maybe"]))
    model: dict[str, Any] = {"routeros_identity_name": draw(TEXT)}
    model["routeros_interfaces_ethernet"] = [
        {**port, "comment": draw(TEXT)} if port["default-name"] in ("ether3", "ether4") else port
        for port in MODEL["routeros_interfaces_ethernet"]
    ]
    prefixes = {"prefix-024": "024", "prefix-33": "33"}
    model["routeros_addresses_entries"] = [
        {
            "address": f"{draw(_address())}/{prefixes.get(odd or '') or draw(st.sampled_from(PREFIXES))}",
            "interface": interface,
            "comment": draw(TEXT),
        }
        for interface in draw(st.lists(st.sampled_from(["wlan1", "bridge-lan"]), max_size=2, unique=True))
    ]
    model["routeros_dns_static"] = [
        {"name": name, "address": draw(_address()), "comment": draw(TEXT)}
        for name in draw(
            st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,8}\.lan", fullmatch=True), max_size=2, unique=True)
        )
    ]
    model["routeros_nat_rules"] = [
        {
            "chain": "dstnat",
            "action": "dst-nat",
            "protocol": "tcp",
            "in-interface": "ether1-isp",
            "dst-port": port,
            "to-addresses": draw(_address()),
            "to-ports": draw(st.integers(1, 65535)),
            "comment": draw(TEXT),
            "disabled": "maybe" if odd == "maybe" else draw(st.sampled_from([True, False, "yes", "no"])),
        }
        for port in draw(st.lists(st.integers(1, 65535), min_size=1, max_size=2, unique=True))
    ]
    model["routeros_nat_rules"].insert(0, {**MODEL["routeros_nat_rules"][0], "comment": draw(TEXT)})
    return model


@pytest.fixture(scope="module")
def routers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningLab, Path]]:
    """Three lab routers, already past their first contact and converged to the lab inventory."""
    directory = tmp_path_factory.mktemp("property")
    lab = new_lab(directory / "lab", routers=ROUTERS)
    lab.start()
    inventory = directory / "inventory"
    inventory.mkdir()
    (inventory / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
    _write_hosts(inventory, lab, [{} for _ in range(ROUTERS)])
    assert _play(inventory)["rc"] == 0
    yield lab, inventory
    lab.stop()


def _write_hosts(inventory: Path, lab: RunningLab, models: list[dict[str, Any]]) -> None:
    hosts = {
        f"p{i}": {"ansible_host": lab.address(i), **PLAIN, **model} for i, model in enumerate(models, start=1)
    }
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"routeros": {"hosts": hosts}}, allow_unicode=True))


def _play(inventory: Path) -> dict[str, Any]:
    return run_playbook_json(BASELINE, inventory, "-e", f"routeros_backup_dir={inventory.parent / 'backups'}")


@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=(HealthCheck.function_scoped_fixture, HealthCheck.too_slow),
)
@given(models=st.lists(_inventory(), min_size=ROUTERS, max_size=ROUTERS))
def test_a_generated_inventory_is_refused_untouched_or_converges(routers, models):
    """Refused: the router is as it was. Applied: a rerun reports changed=0 (every accepted value is one
    the router keeps as written, or the controller normalised it)."""
    lab, inventory = routers
    before = {index: lab.configuration(index) for index in range(1, ROUTERS + 1)}
    _write_hosts(inventory, lab, models)
    first = _play(inventory)
    applied = []
    for index in range(1, ROUTERS + 1):
        stats = first["stats"][f"p{index}"]
        if stats["failures"]:
            event("refused")
            assert lab.configuration(index) == before[index], models[index - 1]
        else:
            event("applied")
            applied.append(index)
    if applied:
        rerun = _play(inventory)
        for index in applied:
            assert rerun["stats"][f"p{index}"]["changed"] == 0, models[index - 1]

"""routeros_apply, the one-session baseline: it leaves a router exactly as the plain one-api_modify-per-path
playbook does (community.routeros's semantics, hand-made entries untouched, owned ones removed), in check
mode and for real; bad input is refused before any write; a rerun with nothing to change writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import librouteros
import pytest
import yaml
from ansible_run import ROOT, PlayResult, run_playbook

from lab.testing import RunningLab, new_lab

# Where the baseline writes, and what a comparison of two routers may ignore (ids, counters, leases).
PATHS = (
    "system/identity",
    "interface/ethernet",
    "interface/bridge",
    "interface/bridge/port",
    "interface/list",
    "interface/list/member",
    "ip/address",
    "ip/dhcp-client",
    "ip/dns",
    "ip/dns/static",
    "ip/firewall/nat",
    "ip/service",
)
VOLATILE = {".id", "address", "gateway", "expires-after", "network", "mac-address", "orig-mac-address"}


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningLab, Path]]:
    """Two lab routers in the same state, with hand-made entries and an owned entry the inventory dropped."""
    directory = tmp_path_factory.mktemp("apply")
    lab = new_lab(directory / "lab", routers=2)
    lab.start()
    for index in (1, 2):
        api = _api(lab, index)
        api.path("ip", "firewall", "nat").add(chain="srcnat", action="accept", comment="hand made")
        api.path("ip", "address").add(address="10.99.0.1/24", interface="ether5", comment="hand made")
        api.path("ip", "dns", "static").add(name="gone.lan", address="10.99.0.9", comment="[ansible] dropped")
        api.close()
    inventory = directory / "inventory"
    inventory.mkdir()
    (inventory / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
    hosts = {f"twin{i}": {"ansible_host": lab.address(i), "routeros_identity_name": "twin"} for i in (1, 2)}
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"routeros": {"hosts": hosts}}))
    yield lab, inventory
    lab.stop()


def _api(lab: RunningLab, index: int) -> Any:
    return librouteros.connect(host=lab.address(index), username="admin", password="lab-admin")


def _state(lab: RunningLab, index: int) -> dict[str, Any]:
    dump = lab.ctl("dump", str(index))
    state = {}
    for path in PATHS:
        rows = dump[path] if isinstance(dump[path], list) else [dump[path]]
        state[path] = [{k: v for k, v in row.items() if k not in VOLATILE} for row in rows]
    return state


# Both twins over the plain API as the lab's factory user: what is compared is how the plan is applied, and
# the plain playbook has no first contact (tests/test_secure_access.py covers the secure connection).
PLAIN_CONNECTION = (
    '{"routeros_api_username": "admin", "routeros_api_password": "lab-admin", "routeros_api_tls": false}'
)


def _play(playbook: str, inventory: Path, host: str, *extra: str) -> PlayResult:
    backups = inventory.parent / "backups"
    return run_playbook(
        ROOT / playbook,
        inventory,
        "--limit",
        host,
        "-e",
        f"routeros_backup_dir={backups}",
        "-e",
        PLAIN_CONNECTION,
        *extra,
    )


def test_check_mode_changes_nothing_and_predicts_what_plain_api_modify_predicts(twins):
    lab, inventory = twins
    before = _state(lab, 1)
    ours = _play("playbooks/baseline.yml", inventory, "twin1", "--check", "--diff")
    plain = _play("bench/plain_baseline.yml", inventory, "twin2", "--check", "--diff")
    assert ours.returncode == 0 and plain.returncode == 0, ours.output[-2000:] + plain.output[-2000:]
    assert _state(lab, 1) == before
    assert not (inventory.parent / "backups").exists(), "check mode takes no backup"
    # Every path plain api_modify would change, and only those, shows in our diff.
    for path in ("system identity", "interface ethernet", "ip address", "ip dns static", "ip firewall nat"):
        assert f"--- before: {path}" in ours.output, path


def test_the_router_ends_exactly_as_plain_api_modify_leaves_it(twins):
    lab, inventory = twins
    ours = _play("playbooks/baseline.yml", inventory, "twin1")
    plain = _play("bench/plain_baseline.yml", inventory, "twin2")
    assert ours.returncode == 0 and plain.returncode == 0, ours.output[-2000:] + plain.output[-2000:]
    assert _state(lab, 1) == _state(lab, 2)
    state = _state(lab, 1)
    assert {"chain": "srcnat", "action": "accept", "comment": "hand made"}.items() <= state[
        "ip/firewall/nat"
    ][0].items()
    assert any(row.get("comment") == "hand made" for row in state["ip/address"])
    assert not any(row.get("name") == "gone.lan" for row in state["ip/dns/static"])


def test_a_rerun_with_nothing_to_change_is_two_logins_and_no_backup(twins):
    lab, inventory = twins
    backups = inventory.parent / "backups" / "twin1"
    taken = sorted(backups.iterdir())
    assert len(taken) == 1, "the first run backed up once, before its changes"
    lab.ctl("stats", "reset")
    for _ in range(10):
        rerun = _play("playbooks/baseline.yml", inventory, "twin1")
        assert rerun.returncode == 0 and rerun.recap("twin1")["changed"] == 0, rerun.output[-2000:]
    assert sorted(backups.iterdir()) == taken
    stats = lab.ctl("stats", "1")["1"]
    # Per run: routeros_access proves the connection (a login), routeros_apply reads over one session.
    assert stats["logins"] == 20, stats
    # One print per managed path (and the version, read once per run), nothing else: no write.
    writes = [c for c in stats["commands"] if not c.endswith("/print") and c != "/login"]
    assert writes == [], stats["commands"]


def test_a_port_the_router_lacks_is_refused_before_any_write(twins):
    lab, inventory = twins
    _api(lab, 1).path("system", "identity").update(name="untouched")
    before = _state(lab, 1)
    model = yaml.safe_load(
        (ROOT / "inventory" / "lab" / "group_vars" / "routeros" / "baseline.yml").read_text()
    )
    ports = [*model["routeros_interfaces_ethernet"], {"default-name": "ether7", "comment": "no such port"}]
    result = _play(
        "playbooks/baseline.yml",
        inventory,
        "twin1",
        "-e",
        json.dumps({"routeros_interfaces_ethernet": ports}),
    )
    assert result.returncode != 0
    assert (
        "routeros_interfaces_ethernet[5].default-name: 'ether7' is not valid; expected one the router has"
        in (result.output)
    )
    assert _state(lab, 1) == before


def test_a_bad_boolean_is_refused_before_any_write(twins):
    lab, inventory = twins
    before = _state(lab, 1)
    result = _play(
        "playbooks/baseline.yml", inventory, "twin1", "-e", "routeros_addresses_allow_management_change=maybe"
    )
    assert result.returncode != 0
    assert "routeros_addresses_allow_management_change" in result.output
    assert _state(lab, 1) == before


def test_the_pinned_collection_is_the_one_routeros_apply_was_written_for():
    """routeros_apply drives community.routeros api_modify's internals: a new release must be looked at."""
    from ansible_collections.community.routeros.plugins.modules import api_modify  # noqa: PLC0415

    manifest = Path(api_modify.__file__).resolve().parents[2] / "MANIFEST.json"
    version = json.loads(manifest.read_text())["collection_info"]["version"]
    source = (ROOT / "roles" / "routeros_apply" / "action_plugins" / "routeros_apply.py").read_text()
    assert f'COLLECTION_VERSION = "{version}"' in source
    assert 'version: "==' + version + '"' in (ROOT / "requirements.yml").read_text()


def test_the_backup_holds_every_managed_path_as_it_was_privately(twins):
    _, inventory = twins
    [first] = sorted((inventory.parent / "backups" / "twin1").iterdir())
    saved = {item["path"]: item["data"] for item in yaml.safe_load((first / "backup.yml").read_text())}
    assert set(saved) == {p.replace("/", " ") for p in PATHS}
    assert saved["system identity"] == [{"name": "MikroTik"}], "the state before the first write"
    # As community.routeros api_info returns it: the entry's id, its values, what is unset as `!name: null`.
    [gone] = [entry for entry in saved["ip dns static"] if entry.get("name") == "gone.lan"]
    assert {k: v for k, v in gone.items() if not k.startswith(("!", "."))} == {
        "name": "gone.lan",
        "address": "10.99.0.9",
        "comment": "[ansible] dropped",
    }
    assert gone[".id"].startswith("*") and "!cname" in gone and gone["!cname"] is None
    assert "/ip dns static add" in (first / "export.rsc").read_text()
    assert first.stat().st_mode & 0o777 == 0o700
    assert (first / "backup.yml").stat().st_mode & 0o777 == 0o600

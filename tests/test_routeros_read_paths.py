"""roles/routeros_backup/library: routeros_read_paths answers, path by path, exactly what api_info answers
(so backup.yml stays api_modify input), and routeros_backup_store writes private files and keeps only the
newest backups.
"""

from __future__ import annotations

import importlib.util
import json
import stat
from pathlib import Path
from types import ModuleType

import librouteros
import pytest
import yaml

from lab.testing import new_lab
from tests.ansible_run import run_playbook, write_inventory

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "roles" / "routeros_backup" / "library"
PLAYBOOK = Path(__file__).parent / "playbooks" / "read_paths.yml"
PATHS = yaml.safe_load((ROOT / "roles" / "routeros_backup" / "defaults" / "main.yml").read_text())[
    "routeros_backup_paths"
]


def populate(host: str) -> None:
    """Something hand-made, non-default and dynamic on every path, so that each filter has work to do."""
    api = librouteros.connect(host, "admin", "lab-admin", port=8728, encoding="UTF-8")
    api.path("system", "identity").update(name="read-paths")
    ether2 = next(row for row in api.path("interface", "ethernet") if row["default-name"] == "ether2")
    api.path("interface", "ethernet").update(**{".id": ether2[".id"], "comment": "mgmt", "mtu": 1400})
    api.path("interface", "bridge").add(name="br1", comment="lan")
    api.path("interface", "bridge", "port").add(bridge="br1", interface="ether3")
    api.path("interface", "list").add(name="INSIDE")
    api.path("interface", "list", "member").add(list="INSIDE", interface="br1")
    api.path("ip", "address").add(address="192.168.88.1/24", interface="br1", comment="LAN ✓")
    api.path("ip", "dhcp-client").add(interface="ether1", comment="uplink")
    api.path("ip", "dns").update(servers="9.9.9.9", **{"allow-remote-requests": True})
    api.path("ip", "dns", "static").add(name="nas.lan", address="192.168.88.10", ttl="2h")
    api.path("ip", "firewall", "nat").add(chain="srcnat", action="masquerade", **{"out-interface": "ether1"})
    telnet = next(row for row in api.path("ip", "service") if row["name"] == "telnet")
    api.path("ip", "service").update(**{".id": telnet[".id"], "disabled": True})
    api.close()


def test_each_path_reads_as_api_info_reads_it(tmp_path: Path):
    lab = new_lab(tmp_path / "lab", routers=1)
    lab.start()
    try:
        populate(lab.address(1))
        lab.ctl("stats", "reset")
        inventory = write_inventory(
            tmp_path / "inventory.json",
            {
                "lab-r1": {
                    "ansible_host": lab.address(1),
                    "ansible_connection": "local",
                    "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                }
            },
        )
        out = tmp_path / "answers.json"
        result = run_playbook(
            PLAYBOOK,
            inventory,
            "-e",
            json.dumps({"read_paths": PATHS, "read_paths_out": str(out)}),
            env={"ANSIBLE_LIBRARY": str(LIBRARY)},
        )
        assert result.returncode == 0, result.output[-4000:]
        logins = lab.ctl("stats", "all")
    finally:
        lab.stop()
    answers = json.loads(out.read_text())
    assert list(answers["read_paths"]) == PATHS, "one answer per path, in the order asked"
    for path in PATHS:
        assert answers["read_paths"][path] == answers["api_info"][path], path
    addresses = answers["read_paths"]["ip address"]
    assert [entry["address"] for entry in addresses] == ["192.168.88.1/24"], "the DHCP address is dynamic"
    assert all(answers["read_paths"][path] for path in PATHS), "every path had entries to compare"
    assert sum(router["logins"] for router in logins.values()) == len(PATHS) + 1, "api_info's, then one"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, LIBRARY / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def store() -> ModuleType:
    return load("routeros_backup_store")


def test_store_writes_files_only_the_owner_can_read(store: ModuleType, tmp_path: Path):
    target = tmp_path / "backups" / "lab-r1" / "20260101T000000Z"
    target.mkdir(parents=True)
    store.write_private(target / "backup.yml", "- path: ip address\n")
    mode = stat.S_IMODE((target / "backup.yml").stat().st_mode)
    assert mode == 0o600 and (target / "backup.yml").read_text() == "- path: ip address\n"


def test_store_keeps_the_newest_backups_by_name(store: ModuleType, tmp_path: Path):
    names = ["20260103T000000Z", "20260101T000000Z", "20260102T000000Z", "20260104T000000Z"]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "backup.yml").write_text("[]\n")
    removed = store.prune(tmp_path, 2)
    assert sorted(Path(path).name for path in removed) == ["20260101T000000Z", "20260102T000000Z"]
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["20260103T000000Z", "20260104T000000Z"]
    assert store.prune(tmp_path, 2) == []

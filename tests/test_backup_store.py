"""The backup store (routeros_apply's _routeros_backup.py) on the controller (issue 11): retention deletes
only backups this toolkit wrote, inside the router's own folder; every run gets its own folder, even two in
the same second; folders are 0700 and files 0600; a host name cannot lead the store outside its folder."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ansible.errors import AnsibleActionFail, AnsibleFilterError
from ansible_run import ROOT

DOCUMENT = [{"path": "system identity", "data": [{"name": "r1"}]}]


@pytest.fixture(scope="module")
def store() -> ModuleType:
    name = "_routeros_backup"
    path = ROOT / "roles" / "routeros_apply" / "action_plugins" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


def _save(store: ModuleType, root: Path, host: str = "r1", keep: int = 1) -> Path:
    settings = {"dir": str(root), "keep": keep, "export": False}
    return Path(store.save(host, settings, DOCUMENT, {"hostname": "127.0.1.1"})["path"])


def test_retention_in_a_shared_directory_deletes_only_the_toolkit_s_own_backups(store, tmp_path):
    """keep 1 in a directory shared with other data: an unrelated folder holding a file, and a folder in
    the router's own folder that merely looks like a backup, survive every run."""
    shared = tmp_path / "shared"
    (shared / "unrelated").mkdir(parents=True)
    (shared / "unrelated" / "data.csv").write_text("a,b\n")
    (shared / "r1" / "20200101T000000.000000Z").mkdir(parents=True)
    (shared / "r1" / "20200101T000000.000000Z" / "notes.txt").write_text("not a backup\n")
    for _ in range(3):
        last = _save(store, shared)
    assert (shared / "unrelated" / "data.csv").read_text() == "a,b\n"
    assert (shared / "r1" / "20200101T000000.000000Z" / "notes.txt").exists()
    assert sorted(p.name for p in (shared / "r1").iterdir()) == ["20200101T000000.000000Z", last.name]


def test_runs_in_the_same_second_get_distinct_private_folders(store, tmp_path):
    """Two backups at once never share a folder; folders are 0700 and files 0600, the new root too."""
    root = tmp_path / "backups"
    first, second = _save(store, root, keep=10), _save(store, root, keep=10)
    assert first != second and (first / "backup.yml").exists() and (second / "backup.yml").exists()
    for folder in (root, root / "r1", first):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    assert (first / "backup.yml").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("host", ["..", ".", "../elsewhere", "a/b", ""])
def test_a_host_name_cannot_lead_the_backup_outside_its_folder(store, tmp_path, host):
    """Retention works in <dir>/<host>: a host name that is a path would point it elsewhere."""
    root = tmp_path / "backups"
    with pytest.raises(AnsibleActionFail, match="inventory_hostname"):
        _save(store, root, host=host)
    assert not root.exists() or list(root.iterdir()) == []


def _fields(path: str) -> Any:
    from ansible_collections.community.routeros.plugins.module_utils._api_data import PATHS  # noqa: PLC0415

    return PATHS[tuple(path.split())].get_data()


def test_a_restore_unsets_what_the_backup_records_as_unset_and_drops_what_cannot_be_written(store):
    """`.id` goes (an entry added again gets another), `!comment` stays (RouterOS unsets it), `!speed` goes
    (a port's speed cannot be unset); an old-format entry (no `.id`, no `!`) passes as it is."""
    port = {".id": "*4", "default-name": "ether4", "name": "ether4", "!comment": None, "!speed": None}
    ethernet = _fields("interface ethernet")
    assert store.restore_entry(port, ethernet.fields) == {
        "default-name": "ether4",
        "name": "ether4",
        "!comment": None,
    }
    old = {"default-name": "ether4", "name": "ether4"}
    assert store.restore_entry(old, ethernet.fields) == old


def test_a_restore_makes_a_path_exactly_its_backup_but_never_removes_factory_entries(store):
    nat, ports, identity = (_fields(p) for p in ("ip firewall nat", "interface ethernet", "system identity"))
    assert store.restore_options(nat) == {
        "handle_absent_entries": "remove",
        "handle_entries_content": "remove",
        "ensure_order": True,
    }
    for path in (ports, identity):
        assert store.restore_options(path)["handle_absent_entries"] == "ignore"
        assert store.restore_options(path)["ensure_order"] is False


def test_a_restore_leaves_the_clocks_reading_alone_and_puts_its_settings_back(store):
    """The clock's backup holds the moment it was taken and the offset its zone gave: a restore must not turn
    the clock back, nor write gmt-offset, which RouterOS 7 takes only from the zone; the zone is put back."""
    clock = _fields("system clock")
    read = {
        "date": "2026-12-08",
        "time": "00:45:51",
        "gmt-offset": "+00:00",
        "time-zone-autodetect": True,
        "time-zone-name": "manual",
    }
    assert store.restore_entry(read, clock.fields, "system clock") == {
        "time-zone-autodetect": True,
        "time-zone-name": "manual",
    }
    assert (
        store.restore_options(clock, "system clock")["handle_entries_content"] == "remove_as_much_as_possible"
    )


def _chooser() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "routeros_backups", ROOT / "filter_plugins" / "routeros_backups.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_restore_s_default_is_the_newest_backup_no_restore_took_and_of_no_users(store, tmp_path):
    """A restore backs up first: restoring that backup by default would undo the restore on the next run. A
    first contact's backup of users is not one restore.yml restores."""
    chooser = _chooser()
    settings = {"dir": str(tmp_path), "keep": 10, "export": False}
    users = [{"path": "user", "data": []}]
    store.save("r1", settings, users, {"hostname": "127.0.1.1"})
    with pytest.raises(AnsibleFilterError, match=r"restore_from: empty, and .* holds no backup of r1"):
        chooser.backup_file("", str(tmp_path), "r1")
    wanted = Path(store.save("r1", settings, DOCUMENT, {"hostname": "127.0.1.1"})["path"])
    store.save(
        "r1", {**settings, "restoring": str(wanted / "backup.yml")}, DOCUMENT, {"hostname": "127.0.1.1"}
    )
    assert chooser.backup_file("", str(tmp_path), "r1") == str(wanted / "backup.yml")
    assert chooser.backup_file(wanted.name, str(tmp_path), "r1") == str(wanted / "backup.yml")
    assert chooser.backup_file(str(wanted / "backup.yml"), str(tmp_path), "r1") == str(wanted / "backup.yml")
    with pytest.raises(AnsibleFilterError, match=r"restore_from: .nothing. is not valid for r1"):
        chooser.backup_file("nothing", str(tmp_path), "r1")
    with pytest.raises(AnsibleFilterError, match=r"\[0\].path: 'user' is not restored by restore.yml"):
        chooser.backup_items(users, "backup.yml")

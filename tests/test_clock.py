"""The clock baseline (roles/routeros_clock) and what the lab does with it: `/system clock time-zone-name`
takes the tz database's names and moves the printed time and gmt-offset with it; `/system ntp client` takes
addresses and DNS names; the role sets only what the inventory lists, and a rerun changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import librouteros
import pytest
import yaml
from ansible_run import ROOT, run_playbook

from lab.testing import RunningLab


def _api(lab: RunningLab) -> Any:
    return librouteros.connect(host=lab.address(1), username="admin", password="lab-admin", encoding="utf-8")


def _single(api: Any, *path: str) -> dict[str, Any]:
    return dict(next(iter(api.path(*path))))


def test_the_lab_clock_keeps_a_tz_database_zone_and_prints_local_time(lab: RunningLab):
    api = _api(lab)
    try:
        clock = api.path("system", "clock")
        utc = _single(api, "system", "clock")
        assert (utc["time-zone-name"], utc["gmt-offset"]) == ("manual", "+00:00")
        clock.update(**{"time-zone-name": "Asia/Jakarta"})
        local = _single(api, "system", "clock")
        assert (local["time-zone-name"], local["gmt-offset"]) == ("Asia/Jakarta", "+07:00")
        shown = datetime.fromisoformat(f"{local['date']}T{local['time']}")
        now_in_jakarta = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=7)
        assert abs(shown - now_in_jakarta) < timedelta(minutes=1)
        for refused in ("Mars/Olympus", "asia/jakarta", "+07:00"):
            with pytest.raises(librouteros.exceptions.TrapError, match="time-zone-name"):
                clock.update(**{"time-zone-name": refused})
        clock.update(**{"time-zone-name": "manual"})
    finally:
        api.close()


def test_the_lab_ntp_client_takes_addresses_and_dns_names_only(lab: RunningLab):
    api = _api(lab)
    try:
        ntp = api.path("system", "ntp", "client")
        assert _single(api, "system", "ntp", "client")["enabled"] is False
        ntp.update(servers="pool.ntp.org,10.0.0.1,2001:db8::123", enabled=True)
        client = _single(api, "system", "ntp", "client")
        assert (client["servers"], client["mode"], client["status"]) == (
            "pool.ntp.org,10.0.0.1,2001:db8::123",
            "unicast",
            "waiting",
        )
        with pytest.raises(librouteros.exceptions.TrapError):
            ntp.update(servers="pool..ntp.org")
        with pytest.raises(librouteros.exceptions.TrapError):
            ntp.update(mode="sometimes")
        ntp.update(servers="", enabled=False)
    finally:
        api.close()


def _clock_only(lab: RunningLab, directory: Path, **variables: Any) -> Any:
    """The routeros_clock role alone against router 1 over the plain API as the lab's factory user."""
    inventory = directory / "hosts.yml"
    inventory.write_text(
        yaml.safe_dump({"routeros": {"hosts": {"lab-r1": {"ansible_host": lab.address(1)}}}})
    )
    playbook = directory / "clock.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Clock alone",
                    "hosts": "routeros",
                    "gather_facts": False,
                    "roles": [{"role": "routeros_clock"}],
                }
            ]
        )
    )
    settings = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "routeros_api_username": "admin",
        "routeros_api_password": "lab-admin",
        "routeros_api_tls": False,
        "routeros_backup_dir": str(directory / "backups"),
        "routeros_backup_export": False,
        **variables,
    }
    return run_playbook(playbook, inventory, "-e", json.dumps(settings))


def test_the_role_sets_only_what_is_listed_and_reruns_change_nothing(lab: RunningLab, tmp_path: Path):
    nothing = _clock_only(lab, tmp_path)
    assert nothing.returncode == 0, nothing.output[-3000:]
    assert nothing.recap("lab-r1")["changed"] == 0
    zone_only = _clock_only(lab, tmp_path, routeros_clock_time_zone_name="Asia/Makassar")
    assert zone_only.returncode == 0 and zone_only.recap("lab-r1")["changed"] == 1, zone_only.output[-3000:]
    api = _api(lab)
    try:
        clock = _single(api, "system", "clock")
        assert (clock["time-zone-name"], clock["time-zone-autodetect"]) == ("Asia/Makassar", False)
        assert _single(api, "system", "ntp", "client")["enabled"] is False
    finally:
        api.close()
    servers = ["0.id.pool.ntp.org", "162.159.200.1"]
    both = {"routeros_clock_time_zone_name": "Asia/Makassar", "routeros_clock_ntp_servers": servers}
    first = _clock_only(lab, tmp_path, **both)
    assert first.returncode == 0 and first.recap("lab-r1")["changed"] == 1, first.output[-3000:]
    rerun = _clock_only(lab, tmp_path, **both)
    assert rerun.returncode == 0 and rerun.recap("lab-r1")["changed"] == 0, rerun.output[-3000:]
    api = _api(lab)
    try:
        client = _single(api, "system", "ntp", "client")
        assert (client["enabled"], client["servers"]) == (True, ",".join(servers))
    finally:
        api.close()


def test_a_bad_zone_or_server_is_refused_before_any_connection(lab: RunningLab, tmp_path: Path):
    lab.ctl("stats", "reset")
    done = _clock_only(
        lab, tmp_path, routeros_clock_time_zone_name="Jakarta", routeros_clock_ntp_servers=["pool..ntp.org"]
    )
    assert done.returncode != 0
    assert "routeros_clock_time_zone_name: 'Jakarta' is not valid; expected a tz database name" in done.output
    assert "routeros_clock_ntp_servers[0]: 'pool..ntp.org' is not valid; expected" in done.output
    assert not lab.ctl("stats", "1")["1"]["commands"]


def test_the_clock_role_is_in_the_baseline():
    baseline = yaml.safe_load((ROOT / "playbooks" / "baseline.yml").read_text())
    planned = [task["ansible.builtin.import_role"]["name"] for task in baseline[0]["tasks"][:-3]]
    assert "routeros_clock" in planned

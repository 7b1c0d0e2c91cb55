"""Configuration survives a reboot and a restart of the lab; dynamic entries are rebuilt, not restored."""

from __future__ import annotations

import librouteros

from lab.testing import new_lab


def _api(lab):
    return librouteros.connect(host=lab.address(1), username="admin", password="lab-admin")


def test_configuration_survives_reboot_and_restart(tmp_path):
    lab = new_lab(tmp_path, routers=1)
    lab.start()
    try:
        api = _api(lab)
        api.path("system", "identity").update(name="branch-1")
        api.path("ip", "address").add(address="192.168.50.1/24", interface="ether2")
        api.path("ip", "dhcp-client").add(interface="ether1")
        api.close()
        before = lab.ctl("dump", "1")
        assert any(row["dynamic"] == "true" for row in before["ip/address"])

        assert "rebooted" in lab.ctl("reboot", "1")
        after_reboot = lab.ctl("dump", "branch-1")
        assert after_reboot["system/identity"]["name"] == "branch-1"
        assert after_reboot["ip/address"] == before["ip/address"][:1] + after_reboot["ip/address"][1:]
        assert [r["address"] for r in after_reboot["ip/address"] if r["dynamic"] == "true"]

        assert lab.stop() == 0
        lab.start()
        restarted = lab.ctl("dump", "1")
        assert restarted["system/identity"]["name"] == "branch-1"
        static = [r for r in restarted["ip/address"] if r["dynamic"] == "false"]
        assert [r["address"] for r in static] == ["192.168.50.1/24"]
        assert restarted["ip/dhcp-client"][0]["status"] == "bound"
    finally:
        lab.stop()


def test_reboot_drops_api_sessions(tmp_path):
    lab = new_lab(tmp_path, routers=1)
    lab.start()
    try:
        api = _api(lab)
        lab.ctl("reboot", "1")
        try:
            list(api.path("system", "identity"))
            dropped = False
        except (ConnectionError, OSError, librouteros.exceptions.ConnectionClosed):
            dropped = True
        assert dropped
    finally:
        lab.stop()

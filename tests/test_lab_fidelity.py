"""A lab router prints what a real RouterOS 7 prints, for details found in captures of real routers.

Each test names its source. A difference here would hide from every other test a bug that only a real router
shows (for instance a `[find name=api]` that matches two rows on a router and one in the lab).
"""

from __future__ import annotations

import time

import librouteros
import pytest
from librouteros.exceptions import TrapError

from lab.menus import ip
from lab.router import Router


@pytest.fixture(scope="module")
def api(lab):
    connection = librouteros.connect(host=lab.address(1), username="admin", password="lab-admin")
    yield connection
    connection.close()


def _services(connection) -> list[dict]:
    return list(connection.path("ip", "service"))


def _connection_rows(connection) -> list[dict]:
    return [row for row in _services(connection) if row.get("dynamic")]


def test_open_api_connection_is_a_dynamic_service_row(api, lab):
    """RouterOS 7.19 lists every open connection in /ip/service, named after its service.

    Sources: terraform-routeros/terraform-provider-routeros issue #769 (quotes the 7.19 changelog
    "ip-service - show all TCP/UDP connections on the system" and a `print` with `D c` rows), and
    ansible-collections/community.routeros tests/unit/plugins/modules/test_api_find_and_modify.py
    (START_IP_SERVICE: a connection row has connection, dynamic, invalid, local, name, port, proto, remote,
    and no address, certificate, max-sessions or tls-version).
    """
    rows = [row for row in _connection_rows(api) if row.get("name") == "api"]
    assert rows, "the API connection of this test is not listed"
    row = rows[0]
    assert row["connection"] is True
    assert row["local"] == lab.address(1)
    assert row["port"] == 8728
    assert row["proto"] == "tcp"
    host, _, port = row["remote"].rpartition(":")
    assert host.startswith("127.") and port.isdigit()
    assert not {"address", "certificate", "max-sessions", "tls-version", "vrf", "disabled"} & set(row)
    names = [r["name"] for r in _services(api)]
    assert names.count("api") >= 2, "a name must match the service and its connections, as on a router"


def test_closed_connection_leaves_the_service_table(api, lab):
    other = librouteros.connect(host=lab.address(1), username="admin", password="lab-admin")
    before = {row["remote"] for row in _connection_rows(api)}
    other.close()
    # The server drops the row when it sees the close, a moment after the client's close returns.
    for _ in range(100):
        after = {row["remote"] for row in _connection_rows(api)}
        if len(after) < len(before):
            break
        time.sleep(0.02)
    assert len(after) == len(before) - 1


def test_changing_a_connection_row_is_refused_as_configured_elsewhere(api):
    """`set [find name=api]` hits the connection rows too; a router refuses them.

    Source: terraform-routeros/terraform-provider-routeros issue #769 ("failure: this is configured elsewhere"
    when a set on /ip/service reaches a dynamic connection entry).
    """
    dynamic_id = _connection_rows(api)[0][".id"]
    with pytest.raises(TrapError, match="failure: this is configured elsewhere"):
        api.path("ip", "service").update(**{".id": dynamic_id, "max-sessions": 5})


def test_setting_a_service_by_name_changes_the_configured_row(api):
    services = api.path("ip", "service")
    tuple(api("/ip/service/set", **{"numbers": "winbox", "max-sessions": "7"}))
    static = [row for row in services if row["name"] == "winbox" and not row["dynamic"]]
    assert static[0]["max-sessions"] == 7
    tuple(api("/ip/service/set", **{"numbers": "winbox", "max-sessions": "20"}))


def test_only_tls_services_print_certificate_and_tls_version(api):
    """Source: community.routeros test_api_find_and_modify.py START_IP_SERVICE: `api` has no certificate or
    tls-version, `api-ssl` has both."""
    static = {row["name"]: row for row in _services(api) if not row["dynamic"]}
    assert "tls-version" not in static["api"] and "certificate" not in static["api"]
    assert static["api-ssl"]["tls-version"] == "any"
    assert static["api-ssl"]["certificate"] == "none"
    assert static["api"]["vrf"] == "main" and static["api"]["proto"] == "tcp"


def test_no_connection_rows_before_7_19():
    router = Router(index=1, address="127.0.1.1", version="7.18.2")
    owner = ip.service_connection_opened(router, "api", "127.0.1.1", "127.0.0.1:50000")
    assert owner is None
    assert not [row for row in router.rows("ip/service") if row.get("dynamic") == "true"]


def test_connection_row_goes_with_its_connection_in_process():
    router = Router(index=1, address="127.0.1.1")
    owner = ip.service_connection_opened(router, "api-ssl", "127.0.1.1", "127.0.0.1:50001")
    rows = [row for row in router.rows("ip/service") if row.get("dynamic") == "true"]
    assert [(r["name"], r["port"], r["remote"]) for r in rows] == [("api-ssl", "8729", "127.0.0.1:50001")]
    ip.service_connection_closed(router, owner)
    assert not [row for row in router.rows("ip/service") if row.get("dynamic") == "true"]


def test_bridge_prints_its_stp_timers():
    """Source: community.routeros tests/unit/plugins/modules/fake_api.py (a bridge row as a router prints it:
    forward-delay 15s, max-message-age 20s, transmit-hold-count 6 beside ageing-time 5m, priority 0x8000)."""
    router = Router(index=1, address="127.0.1.1")
    router.execute("interface/bridge", "add", {"name": "br-fidelity", "forward-delay": "00:00:10"})
    row = next(r for r in router.rows("interface/bridge") if r["name"] == "br-fidelity")
    assert (row["forward-delay"], row["max-message-age"], row["transmit-hold-count"]) == ("10s", "20s", "6")
    assert (row["ageing-time"], row["priority"]) == ("5m", "0x8000")

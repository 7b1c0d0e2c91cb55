"""Netwatch probe types beyond ping (tcp-conn, http-get, https-get, dns), the host formats and src-address,
the interval the lab can keep, and how thresholds print: each test quotes the RouterOS manual's Netwatch page
("Netwatch", help.mikrotik.com, and its CLI reference /tool/netwatch) for what it protects.

The prober is driven with an explicit clock, as in test_netwatch.py; the last tests run the real lab and its
ctl verbs.
"""

from __future__ import annotations

import time

import librouteros
import pytest

from lab.errors import CommandError
from lab.netwatch import Prober
from lab.network import TELEGRAM_NAME
from lab.router import Router
from lab.testing import RunningLab

HOST = "10.20.0.5"


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.0.1")
    made.script_runner = None  # no scripts in these tests: the router log would say so, harmlessly
    made.network.ensure_host(made.index, HOST)
    return made


def add(router: Router, **props: str) -> str:
    args = {"host": HOST, "interval": "5s", "timeout": "1s", "startup-delay": "0s", "start-delay": "0s"}
    args.update({k.replace("_", "-"): v for k, v in props.items()})
    ret = router.execute("tool/netwatch", "add", args).ret
    assert ret is not None
    return ret


def row(router: Router, item_id: str) -> dict[str, str]:
    return next(r for r in router.rows("tool/netwatch") if r[".id"] == item_id)


def probe(router: Router, prober: Prober, at: float, settle: float = 1.05) -> None:
    """Starts every due probe at `at` and lets it finish (answer or timeout); probes are 5 s apart, so calls
    10 s apart run one probe each."""
    prober.tick(router, at)
    prober.tick(router, at + settle)


def log_messages(router: Router) -> list[str]:
    return [item.props["message"] for item in router.state.table("log").items]


# ----- tcp-conn


def test_tcp_conn_connects_and_reports_the_connect_time(router: Router) -> None:
    """Manual: "tcp-conn - test TCP connection (3-way handshake) to a server specified by IP and port";
    "tcp-connect-time: time taken to establish a TCP connection"; port default 80."""
    router.network.ensure_host(router.index, HOST).delay_ms = 20
    item = add(router, type="tcp-conn")
    assert (row(router, item)["port"], row(router, item)["thr-tcp-conn-time"]) == ("80", "1s")
    prober, t0 = Prober(), router.booted_at + 1
    prober.tick(router, t0)
    prober.tick(router, t0 + 0.01)
    assert row(router, item)["status"] == "unknown"  # the handshake takes one round trip
    prober.tick(router, t0 + 0.03)
    printed = row(router, item)
    assert (printed["status"], printed["tcp-connect-time"]) == ("up", "20ms")


def test_tcp_conn_to_a_closed_port_fails_at_once(router: Router) -> None:
    """A closed port answers the handshake with a reset: the probe fails without waiting for the timeout."""
    router.network.ensure_host(router.index, HOST).closed_ports.add(8443)
    item = add(router, type="tcp-conn", port="8443", timeout="3s")
    prober, t0 = Prober(), router.booted_at + 1
    prober.tick(router, t0)
    prober.tick(router, t0 + 0.01)
    assert row(router, item)["status"] == "down"
    assert "tcp-connect-time" not in row(router, item)


def test_tcp_conn_fails_past_thr_tcp_conn_time(router: Router) -> None:
    """Manual: "thr-tcp-conn-time: Fail threshold for tcp-connect-time" (default 1s), "the configuration uses
    microseconds, if the time unit is not specified", status pages show milliseconds."""
    router.network.ensure_host(router.index, HOST).delay_ms = 300
    item = add(router, type="tcp-conn", timeout="3s", thr_tcp_conn_time="200000")
    assert row(router, item)["thr-tcp-conn-time"] == "200ms"
    prober, t0 = Prober(), router.booted_at + 1
    probe(router, prober, t0, settle=0.31)
    printed = row(router, item)
    assert (printed["status"], printed["tcp-connect-time"]) == ("down", "300ms")


def test_the_router_answers_tcp_on_its_enabled_services_only(router: Router) -> None:
    """The router itself listens on the ports of its /ip service entries (api 8728; www-ssl 443 is off)."""
    api = add(router, host="127.0.0.1", type="tcp-conn", port="8728")
    https = add(router, host="127.0.0.1", type="tcp-conn", port="443")
    probe(router, Prober(), router.booted_at + 1, settle=0.01)
    assert (row(router, api)["status"], row(router, https)["status"]) == ("up", "down")


# ----- http-get and https-get


def test_http_get_status_code_against_http_codes(router: Router) -> None:
    """Manual: "http-get - do an HTTP Get request and test for a range of correct replies"; http-codes
    (default 100-299): a response "in the range ... is a probe pass/OK; outside - a probe fail"."""
    host = router.network.ensure_host(router.index, HOST)
    item = add(router, type="http-get")
    printed = row(router, item)
    assert (printed["port"], printed["http-codes"], printed["thr-http-time"]) == ("80", "100-299", "10s")
    prober, t0 = Prober(), router.booted_at + 1
    probe(router, prober, t0)
    printed = row(router, item)
    assert (printed["status"], printed["http-status-code"], printed["http-resp-time"]) == ("up", "200", "1ms")
    host.http_status = 404
    probe(router, prober, t0 + 10)
    assert (row(router, item)["status"], row(router, item)["http-status-code"]) == ("down", "404")
    router.execute("tool/netwatch", "set", {".id": item, "http-codes": "200-299,404"})
    probe(router, prober, t0 + 20)
    assert row(router, item)["status"] == "up"


def test_http_get_fails_past_thr_http_time(router: Router) -> None:
    """Manual: "thr-http-time: Fail threshold for http-resp-time"."""
    router.network.ensure_host(router.index, HOST).delay_ms = 400
    item = add(router, type="http-get", thr_http_time="300ms", timeout="3s")
    probe(router, Prober(), router.booted_at + 1)
    printed = row(router, item)
    assert (printed["status"], printed["http-status-code"], printed["http-resp-time"]) == (
        "down",
        "200",
        "400ms",
    )


def test_https_get_checks_the_chain_only_when_asked(router: Router) -> None:
    """Manual: https-get port default 443; "check-certificate: Enables trust chain validation from the local
    certificate store" (default no). The builtin store counts when builtin-trust-store names netwatch."""
    plain = add(router, type="https-get")
    checked = add(router, type="https-get", check_certificate="yes")
    assert (row(router, plain)["port"], row(router, plain)["check-certificate"]) == ("443", "false")
    prober, t0 = Prober(), router.booted_at + 1
    probe(router, prober, t0)
    assert (row(router, plain)["status"], row(router, checked)["status"]) == ("up", "down")
    router.execute("certificate/settings", "set", {"builtin-trust-store": "netwatch"})
    probe(router, prober, t0 + 10)
    assert row(router, checked)["status"] == "up"
    router.clock.unsync()  # a 1970 clock: the certificate is not yet valid, as on a router without NTP
    probe(router, prober, t0 + 20)
    assert row(router, checked)["status"] == "down"


def test_an_http_probe_of_the_router_itself_is_refused_in_the_log(router: Router) -> None:
    item = add(router, host="127.0.0.1", type="http-get", name="self")
    probe(router, Prober(), router.booted_at + 1)
    assert row(router, item)["status"] == "unknown"
    assert any("netwatch self: http-get of the router's own address" in m for m in log_messages(router))
    assert any(m.endswith("not supported in the lab") for m in log_messages(router))


# ----- dns


def test_dns_probe_resolves_a_host_name_through_the_servers_of_ip_dns(router: Router) -> None:
    """Manual: for type=dns, host is a "domain name"; "dns - do a specified DNS query for the domain name";
    dns-server: "if not specified, it will use the value from /ip/dns"; result "ip: ... the result of A
    record-type probe"."""
    item = add(router, type="dns", host=TELEGRAM_NAME)
    assert row(router, item)["record-type"] == "A"
    prober, t0 = Prober(), router.booted_at + 1
    probe(router, prober, t0)
    assert row(router, item)["status"] == "down"  # no DNS server yet
    router.execute("ip/dhcp-client", "add", {"interface": "ether1"})  # the ISP's server, as a dynamic one
    probe(router, prober, t0 + 10)
    printed = row(router, item)
    assert (printed["status"], printed["ip"]) == ("up", "127.0.0.1")
    router.uplink.up = False
    probe(router, prober, t0 + 20)
    assert row(router, item)["status"] == "down"
    assert "ip" not in row(router, item)


def test_dns_probe_asks_dns_server_and_fails_for_unknown_names(router: Router) -> None:
    known = add(router, type="dns", host=TELEGRAM_NAME, dns_server="8.8.8.8")
    unknown = add(router, type="dns", host="no-such-name.example", dns_server="8.8.8.8")
    silent = add(router, type="dns", host=TELEGRAM_NAME, dns_server="10.99.99.99")
    probe(router, Prober(), router.booted_at + 1)
    assert [row(router, i)["status"] for i in (known, unknown, silent)] == ["up", "down", "down"]


def test_dns_record_types_other_than_a_are_refused(router: Router) -> None:
    with pytest.raises(CommandError, match=r"record-type=MX.*not supported in the lab"):
        add(router, type="dns", host=TELEGRAM_NAME, record_type="MX")


def test_a_host_name_is_for_type_dns_only(router: Router) -> None:
    """Manual, host formats: "domain name (for type=dns)"."""
    with pytest.raises(CommandError, match="invalid value for argument host"):
        add(router, host=TELEGRAM_NAME)
    item = add(router, type="dns", host=TELEGRAM_NAME)
    with pytest.raises(CommandError, match="invalid value for argument host"):
        router.execute("tool/netwatch", "set", {".id": item, "type": "icmp"})


# ----- host formats, src-address, interval, thresholds


def test_host_with_a_vrf_is_accepted(router: Router) -> None:
    """Manual, host formats: "ipv4@vrf", "ipv6@vrf"."""
    item = add(router, host=f"{HOST}@main")
    probe(router, Prober(), router.booted_at + 1)
    assert (row(router, item)["host"], row(router, item)["status"]) == (f"{HOST}@main", "up")
    with pytest.raises(CommandError, match="not supported in the lab"):
        add(router, host=f"{HOST}@customers")


def test_a_src_address_the_router_does_not_have_makes_the_host_down(router: Router) -> None:
    """Manual: src-address: "If the address is not configured on the router or was lost, then the host will be
    considered as "down"."."""
    router.execute("ip/address", "add", {"address": "10.20.0.1/24", "interface": "ether2"})
    own = add(router, src_address="10.20.0.1")
    foreign = add(router, src_address="10.20.0.77")
    probe(router, Prober(), router.booted_at + 1)
    assert (row(router, own)["status"], row(router, foreign)["status"]) == ("up", "down")


def test_an_interval_under_a_second_is_refused_as_the_command_tree_says(router: Router) -> None:
    """RouterOS's tree (tikoci/restraml captures, 7.14 to 7.22): interval is `1s..71w2h27m52s950ms`, so the
    lab's 50 ms tick never has to keep a shorter one."""
    with pytest.raises(CommandError, match="invalid value for argument interval: 0s"):
        add(router, interval="0s")
    item = add(router)
    with pytest.raises(CommandError, match="invalid value for argument interval: 999ms"):
        router.execute("tool/netwatch", "set", {".id": item, "interval": "999ms"})
    router.execute("tool/netwatch", "set", {".id": item, "interval": "1s"})
    assert row(router, item)["interval"] == "1s"


def test_thr_loss_percent_prints_one_way_set_or_default(router: Router) -> None:
    """Manual: "thr-loss-percent (Default: 85.0%)": a set value prints the same way."""
    default = add(router, type="icmp")
    chosen = add(router, type="icmp", thr_loss_percent="30")
    assert (row(router, default)["thr-loss-percent"], row(router, chosen)["thr-loss-percent"]) == (
        "85.0%",
        "30.0%",
    )
    with pytest.raises(CommandError, match="thr-loss-percent"):
        add(router, type="icmp", thr_loss_percent="150")


# ----- the running lab: ctl verbs


def _wait(predicate: object, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_ctl_host_closes_ports_and_sets_the_http_status(lab: RunningLab) -> None:
    described = lab.ctl("host", "1", HOST, "port", "8080", "closed")
    assert described == [
        {"router": "1", "address": HOST, "state": "up", "loss": "0%", "delay": "1ms", "closed-ports": "8080"}
    ]
    assert lab.ctl("host", "1", HOST, "http", "503")[0]["http-status"] == "503"
    api = librouteros.connect(host=lab.address(1), username="admin", password="lab-admin")
    try:
        netwatch = api.path("tool", "netwatch")
        common = {"host": HOST, "interval": "1s", "timeout": "1s", "startup-delay": "0s", "start-delay": "0s"}
        netwatch.add(**common, type="tcp-conn", port="8080", comment="tcp")
        netwatch.add(**common, type="http-get", comment="http")

        def statuses() -> dict[str, str]:
            return {r["comment"]: r["status"] for r in lab.ctl("dump", "1")["tool/netwatch"]}

        assert _wait(lambda: statuses() == {"tcp": "down", "http": "down"})
        lab.ctl("host", "1", HOST, "port", "8080", "open")
        lab.ctl("host", "1", HOST, "http", "200")
        assert _wait(lambda: statuses() == {"tcp": "up", "http": "up"})
    finally:
        api.close()
    with pytest.raises(RuntimeError, match="port must be a whole number"):
        lab.ctl("host", "1", HOST, "port", "99999", "closed")

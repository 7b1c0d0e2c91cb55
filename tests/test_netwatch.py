"""Netwatch in the lab: probes simulated from the virtual network, status and counters, timing from
interval/timeout/start-delay/startup-delay, thresholds, ignore-initial-*, and scripts run as *sys with
their variables.

Most tests drive the prober with an explicit clock (monotonic seconds) so that timings are exact and
nothing sleeps; the last test runs the real lab and its ticker through ctl and the API.
"""

from __future__ import annotations

import threading
import time

import librouteros
import pytest

from lab.netwatch import Prober
from lab.network import Host
from lab.router import Router
from lab.testing import RunningLab

HOST = "10.20.0.5"


class Recorder:
    """A stand-in script engine: remembers every run."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str], str]] = []
        self.changed = threading.Condition()

    def __call__(
        self, router: Router, source: str, variables: dict[str, str], user: str, policies=None, *, job=None
    ) -> None:
        with self.changed:
            self.calls.append((source, variables, user))
            self.changed.notify_all()

    def wait_for(self, count: int) -> list[tuple[str, dict[str, str], str]]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.calls) >= count, timeout=5)
        return list(self.calls)

    def sources(self) -> list[str]:
        return [source for source, _, _ in self.calls]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def router(recorder: Recorder) -> Router:
    made = Router(index=1, address="127.0.0.1")
    made.script_runner = recorder
    made.network.ensure_host(made.index, HOST)
    return made


def add(router: Router, **props: str) -> str:
    args = {
        "host": HOST,
        "interval": "1s",
        "startup-delay": "0s",
        "start-delay": "0s",
        "up-script": "UP",
        "down-script": "DOWN",
    }
    args.update({k.replace("_", "-"): v for k, v in props.items()})
    ret = router.execute("tool/netwatch", "add", args).ret
    assert ret is not None
    return ret


def status(router: Router, item_id: str) -> dict[str, str]:
    return next(row for row in router.rows("tool/netwatch") if row[".id"] == item_id)


def test_up_then_down_after_the_timeout_with_script_variables(router: Router, recorder: Recorder) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    item = add(router, name="server", comment="rack 1")
    assert status(router, item)["status"] == "unknown"
    prober.tick(router, t0)
    prober.tick(router, t0 + 0.01)
    assert status(router, item)["status"] == "up"
    source, variables, user = recorder.wait_for(1)[0]
    assert (source, user) == ("UP", "*sys")
    assert variables["host"] == HOST and variables["name"] == "server" and variables["comment"] == "rack 1"
    assert variables["status"] == "up" and variables["type"] == "simple"
    assert variables["done-tests"] == "1" and variables["failed-tests"] == "0" and variables["since"]

    router.network.ensure_host(router.index, HOST).up = False
    prober.tick(router, t0 + 1.0)  # next probe starts one interval later
    prober.tick(router, t0 + 3.9)  # no answer yet, but the 3 s timeout has not passed
    assert status(router, item)["status"] == "up"
    prober.tick(router, t0 + 4.01)
    row = status(router, item)
    assert (row["status"], row["done-tests"], row["failed-tests"]) == ("down", "2", "1")
    assert recorder.wait_for(2)[1][0] == "DOWN"


def test_one_good_probe_brings_a_host_back_up(router: Router, recorder: Recorder) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    router.network.ensure_host(router.index, HOST).up = False
    item = add(router, timeout="1s")
    for step in range(0, 30):
        prober.tick(router, t0 + step * 0.1)
    assert status(router, item)["status"] == "down"
    router.network.ensure_host(router.index, HOST).up = True
    for step in range(30, 60):
        prober.tick(router, t0 + step * 0.1)
    assert status(router, item)["status"] == "up"
    assert recorder.wait_for(2) and recorder.sources() == ["DOWN", "UP"]


def test_an_unknown_address_never_answers(router: Router, recorder: Recorder) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    item = add(router, host="10.99.99.99", timeout="1s")
    prober.tick(router, t0)
    prober.tick(router, t0 + 1.01)
    assert status(router, item)["status"] == "down"
    assert recorder.wait_for(1)[0][0] == "DOWN"


def test_ignore_initial_up_skips_only_the_first_up(router: Router, recorder: Recorder) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    item = add(router, ignore_initial_up="yes", timeout="1s", test_script="")
    prober.tick(router, t0)
    prober.tick(router, t0 + 0.01)
    assert status(router, item)["status"] == "up"
    router.network.ensure_host(router.index, HOST).up = False
    prober.tick(router, t0 + 1)
    prober.tick(router, t0 + 2.01)
    router.network.ensure_host(router.index, HOST).up = True
    for moment in (3.01, 3.02, 3.05):  # the probe started while down ends, then the next one answers
        prober.tick(router, t0 + moment)
    assert recorder.wait_for(2) and recorder.sources() == ["DOWN", "UP"]


def test_ignore_initial_down(router: Router, recorder: Recorder) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    router.network.ensure_host(router.index, HOST).up = False
    item = add(router, ignore_initial_down="yes", timeout="1s", test_script="TEST")
    prober.tick(router, t0)
    prober.tick(router, t0 + 1.01)
    assert status(router, item)["status"] == "down"
    assert recorder.wait_for(1) and recorder.sources() == ["TEST"]


def test_startup_delay_counts_from_boot_and_start_delay_from_add(router: Router) -> None:
    prober = Prober()
    late = add(router, startup_delay="5m")  # the default, spelled out
    early = add(router, start_delay="3s")
    prober.tick(router, router.booted_at + 1)
    prober.tick(router, router.booted_at + 3.5)
    assert status(router, early)["status"] == "unknown"  # start-delay runs from add (at boot + 1 s)
    prober.tick(router, router.booted_at + 4.01)
    prober.tick(router, router.booted_at + 4.02)
    assert status(router, early)["status"] == "up"
    prober.tick(router, router.booted_at + 299)
    assert status(router, late)["status"] == "unknown"
    prober.tick(router, router.booted_at + 300)
    prober.tick(router, router.booted_at + 300.01)
    assert status(router, late)["status"] == "up"


def test_icmp_counts_and_thresholds(router: Router) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    host = router.network.ensure_host(router.index, HOST)
    host.delay_ms = 20
    item = add(router, type="icmp", interval="5s")
    prober.tick(router, t0)
    prober.tick(router, t0 + 9 * 0.05 + 0.01)  # ten packets 50 ms apart, the last answered 20 ms later
    assert status(router, item)["status"] == "unknown"
    prober.tick(router, t0 + 9 * 0.05 + 0.03)
    row = status(router, item)
    assert row["status"] == "up"
    assert (row["sent-count"], row["response-count"], row["loss-count"], row["loss-percent"]) == (
        "10",
        "10",
        "0",
        "0.0%",
    )
    assert row["rtt-avg"] == "20ms"
    host.delay_ms = 150  # past thr-avg (100ms): a slow host is down although it answers
    prober.tick(router, t0 + 5)
    prober.tick(router, t0 + 6)
    assert status(router, item)["status"] == "down"
    host.delay_ms, host.loss_percent = 1, 100
    prober.tick(router, t0 + 10)
    prober.tick(router, t0 + 14)
    row = status(router, item)
    assert (row["status"], row["loss-percent"], row["response-count"]) == ("down", "100.0%", "0")


def test_uplink_down_cuts_hosts_beyond_it_but_not_the_lan(router: Router) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    router.execute("ip/address", "add", {"address": "10.20.0.1/24", "interface": "ether2"})
    lan = add(router, timeout="1s")
    internet = add(router, host="8.8.8.8", timeout="1s")
    router.uplink.up = False
    prober.tick(router, t0)
    prober.tick(router, t0 + 1.01)
    assert status(router, lan)["status"] == "up"
    assert status(router, internet)["status"] == "down"


def probe_once(router: Router, prober: Prober, item: str, at: float, timeout: float = 1.0) -> str:
    """Runs the entry's next probe to its end and gives the status it left."""
    prober.tick(router, at)
    prober.tick(router, at + timeout + 0.01)
    return status(router, item)["status"]


def test_a_router_answers_probes_to_its_own_addresses_uplink_or_not(router: Router) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    router.execute("ip/address", "add", {"address": "10.30.0.1/24", "interface": "ether2"})
    # No host record says so, and one that says "down" does not count: the router answers for itself.
    router.network.ensure_host(router.index, "10.30.0.1").up = False
    own = add(router, host="10.30.0.1", timeout="1s")
    loopback = add(router, host="127.0.0.1", timeout="1s")
    router.uplink.up = False
    prober.tick(router, t0)
    prober.tick(router, t0 + 0.01)
    assert status(router, own)["status"] == "up" and status(router, loopback)["status"] == "up"


def test_probes_to_the_router_itself_have_no_loss_and_no_delay(router: Router) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    item = add(router, host="127.0.0.53", type="icmp", interval="5s")
    prober.tick(router, t0)
    prober.tick(router, t0 + 9 * 0.05 + 0.001)
    row = status(router, item)
    assert (row["status"], row["loss-percent"], row["rtt-avg"], row["rtt-max"]) == ("up", "0.0%", "0s", "0s")


def test_a_disabled_address_is_no_longer_the_routers_own(router: Router) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    entry = router.execute("ip/address", "add", {"address": "10.31.0.1/24", "interface": "ether2"}).ret
    item = add(router, host="10.31.0.1", timeout="1s")
    assert probe_once(router, prober, item, t0) == "up"
    router.execute("ip/address", "disable", {".id": str(entry)})
    assert probe_once(router, prober, item, t0 + 5) == "down"


def test_the_uplink_lease_in_test_net_2_answers_for_the_router(router: Router) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    router.execute("ip/dhcp-client", "add", {"interface": "ether1"})
    lease = router.uplink.lease_address.split("/")[0]
    assert lease.startswith("198.51.100.")
    item = add(router, host=lease, timeout="1s")
    assert probe_once(router, prober, item, t0) == "up"
    # Another address of the same range is not the router, and never answers.
    other = add(router, host="198.51.100.1", timeout="1s")
    assert probe_once(router, prober, other, t0) == "down"


@pytest.mark.parametrize("address", ["192.0.2.1", "198.51.100.200", "203.0.113.9"])
def test_documentation_addresses_never_answer_even_with_a_host_record(router: Router, address: str) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    # A record made behind ctl's back (ctl refuses them) changes nothing.
    router.network.hosts_of(router.index)[address] = Host(address)
    item = add(router, host=address, timeout="1s")
    assert probe_once(router, prober, item, t0) == "down"


@pytest.mark.parametrize("address", ["192.0.2.1", "198.51.100.7", "203.0.113.255"])
def test_a_host_record_for_a_documentation_address_is_refused(router: Router, address: str) -> None:
    with pytest.raises(ValueError, match=r"RFC 5737 documentation range: such addresses never answer"):
        router.network.ensure_host(router.index, address)
    assert address not in router.network.hosts_of(router.index)


def test_disable_remove_and_reboot_reset_results(router: Router) -> None:
    prober, t0 = Prober(), router.booted_at + 1
    item = add(router)
    prober.tick(router, t0)
    prober.tick(router, t0 + 0.01)
    assert status(router, item)["status"] == "up"
    router.execute("tool/netwatch", "disable", {".id": item})
    prober.tick(router, t0 + 0.02)
    assert status(router, item)["status"] == "unknown"
    router.execute("tool/netwatch", "enable", {".id": item})
    prober.tick(router, t0 + 0.03)
    prober.tick(router, t0 + 0.04)
    assert status(router, item)["done-tests"] == "1"
    router.reboot()
    assert status(router, item)["status"] == "unknown"
    prober.tick(router, router.booted_at + 0.5)
    prober.tick(router, router.booted_at + 0.51)
    assert status(router, item)["done-tests"] == "1"


def test_without_a_script_engine_the_router_log_says_so(router: Router) -> None:
    router.script_runner = None
    prober, t0 = Prober(), router.booted_at + 1
    add(router, name="server")
    prober.tick(router, t0)
    prober.tick(router, t0 + 0.01)
    messages = [item.props["message"] for item in router.state.table("log").items]
    assert any("netwatch server up-script" in m and "no script engine" in m for m in messages)


def _wait(predicate: object, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_running_lab_probes_follow_ctl_host(lab: RunningLab) -> None:
    lab.ctl("host", "2", HOST, "up")
    assert {"address": HOST, "state": "up", "loss": "0%", "delay": "1ms"} in lab.ctl("hosts", "2")
    api = librouteros.connect(host=lab.address(2), username="admin", password="lab-admin")
    try:
        api.path("tool", "netwatch").add(
            host=HOST, interval="1s", timeout="1s", **{"startup-delay": "0s", "start-delay": "0s"}
        )

        def current() -> str:
            return str(lab.ctl("dump", "2")["tool/netwatch"][0]["status"])

        assert _wait(lambda: current() == "up")
        lab.ctl("host", "2", HOST, "down")
        assert _wait(lambda: current() == "down")
    finally:
        api.close()
    with pytest.raises(RuntimeError, match="loss must be"):
        lab.ctl("host", "2", HOST, "loss", "150")


@pytest.mark.parametrize("action", [["up"], ["down"], ["delay", "5"]])
def test_ctl_host_refuses_documentation_addresses(lab: RunningLab, action: list[str]) -> None:
    with pytest.raises(RuntimeError, match=r"192\.0\.2\.1 is in TEST-NET-1 \(192\.0\.2\.0/24\).*RFC 5737"):
        lab.ctl("host", "all", "192.0.2.1", *action)
    assert not any(host["address"] == "192.0.2.1" for host in lab.ctl("hosts", "1"))


def test_running_lab_clock_verbs(lab: RunningLab) -> None:
    assert lab.ctl("clock", "1", "set", "2024-01-31T12:00:00")["now"].startswith("2024-01-31 12:00:0")
    assert lab.ctl("clock", "1", "unsync")["now"].startswith("1970-01-02 00:00:0")
    shifted = lab.ctl("clock", "1", "offset", "86400")["now"]
    assert shifted[:10] != time.strftime("%Y-%m-%d", time.gmtime())
    with pytest.raises(RuntimeError, match="ISO date-time"):
        lab.ctl("clock", "1", "set", "yesterday")

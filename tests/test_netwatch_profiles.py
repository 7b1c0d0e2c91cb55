"""Probe profiles: the operator picks fast or light for all hosts or one host, a host's own settings still
win, unknown names are refused naming the field, and the traffic and DOWN delay the role's README gives for
each profile are what routeros_netwatch_traffic computes from its settings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "filter_plugins"))

import routeros_alerting as alerting  # noqa: E402

# The source paper's probe: Netwatch's `simple` type with RouterOS's defaults (10 s interval, 3 s timeout).
SEED = {"type": "simple", "interval": "10s", "timeout": "3s"}
EN_DASH = "\N{EN DASH}"
README = ROOT / "roles" / "routeros_netwatch" / "README.md"


def _size(count: float) -> str:
    return f"{count / 1e9:.2f} GB" if count >= 1e9 else f"{count / 1e6:.1f} MB"


def _count(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2g}"


def table_row(label: str, settings: dict[str, Any]) -> str:
    """One row of the README's table, from routeros_netwatch_traffic alone."""
    cost = alerting.traffic(settings)
    best, worst = (f"{s:g}" for s in cost["down_after"])
    return (
        f"| {label} | {_count(cost['probes'])} | {_count(cost['packets'])} | {_size(cost['ip_bytes'])} | "
        f"{_size(cost['wire_bytes'])} | {best}{EN_DASH}{worst} s | {_count(cost['false_downs'])} |"
    )


@pytest.mark.parametrize(
    ("label", "settings"),
    [
        ("`fast` (default)", alerting.PROFILES["fast"]),
        ("`light`", alerting.PROFILES["light"]),
        ("source paper (`simple`, 10 s)", SEED),
    ],
)
def test_the_readme_table_is_what_the_traffic_filter_computes(label, settings):
    assert table_row(label, settings) in README.read_text(encoding="utf-8")


def test_fast_costs_gigabytes_a_month_and_light_a_thirtieth():
    fast = alerting.traffic(alerting.PROFILES["fast"])
    # 10 echo requests and 10 replies a second for 30 days, 54-byte IP packets in 92 bytes of Ethernet wire.
    assert fast["probes"] == 30 * 86400
    assert fast["packets"] == 30 * 86400 * 20
    assert fast["ip_bytes"] == fast["packets"] * 54
    assert fast["wire_bytes"] == fast["packets"] * (54 + 14 + 4 + 8 + 12)
    assert fast["down_after"] == [1.45, 2.45]
    light = alerting.traffic(alerting.PROFILES["light"])
    assert light["wire_bytes"] * 30 == fast["wire_bytes"]
    # 9 x 200 ms of packets, then the 2 s timeout; at worst one 30 s interval more.
    assert light["down_after"] == [3.8, 33.8]


def test_traffic_follows_packet_size_and_a_small_packet_is_padded_to_a_minimum_frame():
    big = alerting.traffic({**alerting.PROFILES["light"], "packet-size": 1400})
    assert big["wire_bytes"] == big["packets"] * (1400 + 38)
    small = alerting.traffic({"type": "icmp", "interval": "10s", "packet-size": 54})
    assert small["wire_bytes"] == small["packets"] * 92
    assert alerting._frame(40) == 64 + 20


def test_false_downs_count_only_probes_that_lose_past_the_threshold():
    # thr-loss-percent 95 of 10 packets: only all 10 lost fails, so 30 % loss fails 0.3**10 of the probes.
    light = alerting.traffic(alerting.PROFILES["light"], 30)
    assert light["false_downs"] == pytest.approx(86400 * 0.3**10)
    # With 4 packets and 95 %, 3 lost (75 %) passes and all 4 lost fails; with 75 % itself, 3 lost passes too
    # (a measure fails only past its threshold).
    four = {"type": "icmp", "interval": "10s", "packet-count": 4, "thr-loss-percent": 75}
    assert alerting.traffic(four, 50)["false_downs"] == pytest.approx(259200 * 0.5**4)
    # The seed's single packet: every lost packet is a DOWN.
    assert alerting.traffic(SEED, 30)["false_downs"] == pytest.approx(259200 * 0.3)


def test_traffic_refuses_probes_that_send_no_echo():
    with pytest.raises(AnsibleFilterError, match="type 'tcp-conn' is not valid; expected an icmp or simple"):
        alerting.traffic({"type": "tcp-conn", "port": 22})


def test_the_hosts_map_waits_as_long_as_the_worst_down_delay():
    assert alerting._cycle(alerting.PROFILES["light"]) == 34


def _data(hosts: list[dict[str, Any]], profile: str = "fast", probe: dict[str, Any] | None = None):
    defaults = alerting.profile_probe(profile, probe)
    alerting.check_hosts(hosts, defaults)
    return {row["name"]: row for row in alerting.netwatch_data(hosts, defaults, "[ansible]", "", "5m")}


def test_the_global_profile_applies_to_every_host_and_a_host_may_pick_its_own():
    rows = _data(
        [
            {"name": "lan", "address": "10.0.0.1"},
            {"name": "internet", "address": "9.9.9.9", "profile": "light"},
            {"name": "tuned", "address": "1.1.1.1", "profile": "light", "interval": "1m"},
        ]
    )
    assert rows["lan"]["interval"] == "1s" and rows["lan"]["packet-interval"] == "50ms"
    light = rows["internet"]
    assert (light["interval"], light["timeout"], light["packet-count"]) == ("30s", "2s", 10)
    assert (light["packet-interval"], light["thr-loss-percent"], light["thr-max"]) == ("200ms", "95.0%", "2s")
    assert rows["tuned"]["interval"] == "1m" and rows["tuned"]["packet-interval"] == "200ms"


def test_routeros_netwatch_probe_tunes_the_profile_but_not_a_host_that_names_its_own():
    hosts = [{"name": "lan", "address": "10.0.0.1"}, {"name": "wan", "address": "9.9.9.9", "profile": "fast"}]
    rows = _data(hosts, "light", {"interval": "1m"})
    assert rows["lan"]["interval"] == "1m" and rows["lan"]["timeout"] == "2s"
    assert rows["wan"]["interval"] == "1s"


def test_an_unknown_profile_is_refused_naming_the_field():
    with pytest.raises(AnsibleFilterError, match=r"routeros_netwatch_profile: 'slow' is not valid; expected"):
        alerting.check_profile("slow")
    host = {"name": "a", "address": "10.0.0.1", "profile": "eco"}
    with pytest.raises(AnsibleFilterError) as raised:
        alerting.check_hosts([host], alerting.PROFILES["fast"])
    expected = "routeros_netwatch_hosts[0].profile: 'eco' is not valid; expected a probe profile: fast, light"
    assert expected in str(raised.value)

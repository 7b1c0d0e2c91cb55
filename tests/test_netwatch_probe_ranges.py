"""Probe settings a router refuses are refused before any write (issue 16): the ranges of /tool netwatch's
durations come from the real command trees (tikoci/restraml's captures, 7.14 to 7.22: interval
`1s..71w2h27m52s950ms`, packet-interval `20ms..`, timeout `10ms..4w`, thr-tcp-conn-time `0s..30s`,
start-delay and startup-delay `0s..1h`), through filter_plugins/routeros_schema.json to the controller's
checks, and through lab/schema.py to the lab, which refuses the same values with its invalid-value text."""

from __future__ import annotations

import json
import sys

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_run import ROOT, run_playbook

from lab.errors import CommandError
from lab.router import Router
from lab.schema import tree

sys.path.insert(0, str(ROOT / "filter_plugins"))

import routeros_alerting as alerting

RANGES = {
    "interval": ("1s", "71w2h27m52s950ms"),
    "packet-interval": ("20ms", "71w2h27m52s950ms"),
    "timeout": ("10ms", "4w"),
    "thr-tcp-conn-time": ("0s", "30s"),
    "start-delay": ("0s", "1h"),
    "startup-delay": ("0s", "1h"),
}
# What each setting needs beside it for the router to take it.
TYPE_OF = {"packet-interval": "icmp", "thr-tcp-conn-time": "tcp-conn"}
# Values just outside each range, as an operator would write them.
OUTSIDE = {
    "interval": ("500ms", "71w2h27m52s951ms"),
    "packet-interval": ("10ms", "72w"),
    "timeout": ("5ms", "4w1ms"),
    "thr-tcp-conn-time": ("31s",),
    "start-delay": ("1h1s",),
    "startup-delay": ("2h",),
}


def test_the_ranges_are_the_command_trees() -> None:
    """The exported schema carries each range as lab/schema.py reads it from the derived table."""
    saved = json.loads((ROOT / "filter_plugins" / "routeros_schema.json").read_text(encoding="utf-8"))
    netwatch = tree().command(("tool", "netwatch"), "add")
    assert netwatch is not None
    for key, (low, high) in RANGES.items():
        assert saved["netwatch"][key] == {"kind": "duration", "range": [low, high]}
        assert netwatch.arguments[key].span == f"{low}..{high}"


# The toolkit passes every setting but start-delay (which keeps the router's default).
PASSED = [key for key in RANGES if key != "start-delay"]


def _refused_by_the_controller(key: str, value: str) -> str:
    with pytest.raises(AnsibleFilterError) as problem:
        if key == "startup-delay":
            alerting.check_netwatch_settings(value, True)
        else:
            alerting.check_probe({"type": TYPE_OF.get(key, "icmp"), key: value})
    return str(problem.value)


@pytest.mark.parametrize(("key", "value"), [(k, v) for k in PASSED for v in OUTSIDE[k]])
def test_the_controller_refuses_a_value_outside_the_range_naming_it(key: str, value: str) -> None:
    low, high = RANGES[key]
    message = _refused_by_the_controller(key, value)
    field = "routeros_netwatch_startup_delay" if key == "startup-delay" else f"routeros_netwatch_probe.{key}"
    assert f"{field}: {value!r} is not valid; expected a duration from {low} to {high}" in message


def test_per_host_settings_are_held_to_the_same_ranges() -> None:
    hosts = [{"name": "gw", "address": "192.0.2.1", "interval": "500ms", "packet-interval": "10ms"}]
    with pytest.raises(AnsibleFilterError) as problem:
        alerting.check_hosts(hosts, {"type": "icmp"})
    message = str(problem.value)
    assert "routeros_netwatch_hosts[0].interval: '500ms' is not valid; expected a duration from 1s" in message
    assert (
        "routeros_netwatch_hosts[0].packet-interval: '10ms' is not valid; expected a duration from 20ms"
        in (message)
    )


def test_a_tcp_threshold_without_its_unit_is_refused() -> None:
    """The manual: thr-tcp-conn-time without a unit is microseconds, where the toolkit reads a bare number as
    seconds elsewhere: `500` would be 500 s to the controller, 0.5 ms to the router. So a unit is needed."""
    message = _refused_by_the_controller("thr-tcp-conn-time", "500")
    assert (
        "routeros_netwatch_probe.thr-tcp-conn-time: '500' is not valid; expected a duration with its unit"
        in (message)
    )
    assert "reads a bare thr-tcp-conn-time as microseconds" in message


@pytest.mark.parametrize("key", PASSED)
def test_the_controller_takes_both_ends_of_a_range(key: str) -> None:
    for value in RANGES[key]:
        if key == "startup-delay":
            assert alerting.check_netwatch_settings(value, True)
        else:
            probe = {"type": TYPE_OF.get(key, "icmp"), key: value}
            assert alerting.check_probe(probe) == probe


@pytest.fixture
def router() -> Router:
    return Router(index=1, address="127.0.1.1")


def _add(router: Router, key: str, value: str) -> str | None:
    args = {"host": "192.0.2.1", "type": TYPE_OF.get(key, "simple"), key: value}
    return router.execute("tool/netwatch", "add", args).ret


@pytest.mark.parametrize(("key", "value"), [(k, v) for k, values in OUTSIDE.items() for v in values])
def test_the_lab_refuses_what_the_controller_refuses(router: Router, key: str, value: str) -> None:
    with pytest.raises(CommandError, match=f"^invalid value for argument {key}: {value}$"):
        _add(router, key, value)


@pytest.mark.parametrize("key", list(RANGES))
def test_the_lab_takes_both_ends_of_a_range(router: Router, key: str) -> None:
    for value in RANGES[key]:
        assert _add(router, key, value) is not None


def test_a_bad_probe_stops_the_play_before_any_connection(lab, tmp_path) -> None:
    inventory = tmp_path / "hosts.yml"
    (tmp_path / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
    inventory.write_text(
        yaml.safe_dump({"routeros": {"hosts": {"lab-r1": {"ansible_host": lab.address(1)}}}})
    )
    lab.ctl("stats", "reset")
    probe = {"type": "icmp", "interval": "500ms", "timeout": "5ms"}
    result = run_playbook(
        ROOT / "tests" / "playbooks" / "netwatch_alone.yml",
        inventory,
        "-e",
        json.dumps({"routeros_netwatch_probe": probe}),
    )
    assert result.returncode != 0
    assert (
        "routeros_netwatch_probe.interval: '500ms' is not valid; expected a duration from 1s" in result.output
    )
    assert "routeros_netwatch_probe.timeout: '5ms' is not valid; expected a duration from 10ms to 4w" in (
        result.output
    )
    assert lab.ctl("stats", "1")["1"]["logins"] == 0

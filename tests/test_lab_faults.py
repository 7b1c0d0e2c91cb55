"""`ctl refuse`: a lab router refuses a chosen API command once, after letting some through, as a router that
refuses a write halfway through a client's run; the other commands and the other routers are not touched."""

from __future__ import annotations

import librouteros
import pytest
from librouteros.exceptions import TrapError


def test_a_refusal_answers_the_chosen_command_once_after_skipping(lab):
    api = librouteros.connect(lab.address(1), "admin", "lab-admin")
    nat = api.path("ip", "firewall", "nat")
    armed = lab.ctl("refuse", "1", "/ip/firewall/nat/add", "1", "failure: disk full")
    assert armed == [{"command": "/ip/firewall/nat/add", "skip": 1, "message": "failure: disk full"}]
    nat.add(chain="srcnat", action="accept", comment="first passes")
    with pytest.raises(TrapError, match="failure: disk full"):
        nat.add(chain="srcnat", action="accept", comment="second refused")
    nat.add(chain="srcnat", action="accept", comment="third passes")
    assert [row["comment"] for row in nat] == ["first passes", "third passes"]
    assert lab.ctl("refuse", "1", "list") == []


def test_refusals_are_per_router_and_clear(lab):
    lab.ctl("refuse", "1", "/system/identity/set")
    other = librouteros.connect(lab.address(2), "admin", "lab-admin")
    other.path("system", "identity").update(name="untouched-by-router-1-refusals")
    assert lab.ctl("refuse", "1", "clear") == "refusals cleared"
    librouteros.connect(lab.address(1), "admin", "lab-admin").path("system", "identity").update(name="set")
    assert lab.ctl("dump", "1")["system/identity"]["name"] == "set"


def test_a_refusal_without_a_command_path_is_a_usage_error(lab):
    with pytest.raises(RuntimeError, match="usage: refuse"):
        lab.ctl("refuse", "1", "ip/firewall/nat/add", "x")

"""/interface prints its traffic counters and link-downs, and `reset-counters` works.

Sources: the manual's "Interface stats and monitor-traffic" page ("Every RouterOS interface contains various
counters, for example, the number of received and transmitted packets, Fast Path bytes, and link downs";
`print stats-detail` shows link-downs, rx-byte, tx-byte, rx-packet, tx-packet, tx-queue-drop and the fp-*
counters, an idle port `link-downs=0 rx-byte=0 ...`), a RouterOS 7.1.3 `/interface` row captured over the
API (quoted in a public collectd RouterOS plugin: link-downs, rx-byte, tx-byte, rx-packet, tx-packet, rx-drop,
tx-drop, tx-queue-drop, rx-error, tx-error, fp-rx-byte, fp-tx-byte, fp-rx-packet, fp-tx-packet), and the
7.21.4 command tree, whose `/interface` has `reset-counters`. The lab forwards no packets: every counter is 0.
"""

from __future__ import annotations

import librouteros
import pytest

from lab.errors import CommandError
from lab.router import Router
from lab.script.runner import install, run_script
from lab.testing import RunningLab

COUNTERS = (
    "link-downs",
    "rx-byte",
    "tx-byte",
    "rx-packet",
    "tx-packet",
    "rx-drop",
    "tx-drop",
    "tx-queue-drop",
    "rx-error",
    "tx-error",
    "fp-rx-byte",
    "fp-tx-byte",
    "fp-rx-packet",
    "fp-tx-packet",
)


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def test_every_interface_prints_its_counters(router: Router) -> None:
    router.execute("interface/bridge", "add", {"name": "bridge-lan"})
    for row in router.rows("interface"):
        assert {name: row.get(name) for name in COUNTERS} == dict.fromkeys(COUNTERS, "0"), row["name"]


def test_scripts_read_counters_as_numbers_and_reset_them(router: Router) -> None:
    source = (
        ":put [:typeof [/interface get ether1 rx-byte]];"
        " /interface reset-counters numbers=ether1,ether2;"
        " :put [/interface get ether1 tx-packet]; :put [/interface get [find name=ether2] link-downs]"
    )
    result = run_script(router, source, {}, "admin")
    assert (result.error, result.output) == (None, ["num", "0", "0"])


def test_reset_counters_names_existing_interfaces(router: Router) -> None:
    with pytest.raises(CommandError, match="no such item"):
        router.execute("interface", "reset-counters", {"numbers": "ether9"})
    router.execute("interface/ethernet", "reset-counters", {"numbers": "ether3"})


def test_counters_over_the_api(lab: RunningLab) -> None:
    api = librouteros.connect(host=lab.address(1), username="admin", password="lab-admin")
    try:
        ether1 = next(row for row in api.path("interface") if row["name"] == "ether1")
        assert {name: ether1[name] for name in COUNTERS} == dict.fromkeys(COUNTERS, 0)
        tuple(api.path("interface")("reset-counters", numbers=ether1[".id"]))
    finally:
        api.close()

"""/ip/firewall/address-list, as scripts use it (a list of addresses filled and read with `find where list=`),
following the RouterOS 7.21.4 command tree: `add` takes `list` (required), `address`, `timeout`, `comment`,
`disabled` and `dynamic`; `print` shows `creation-time`, `dynamic` and `timeout`.

An entry added with `timeout=` is dynamic and disappears when the timeout has run out; `timeout` prints the
time left. Dynamic entries are not configuration (a reboot drops them) and, as blacklist scripts rely on,
`remove [find list=...]` removes them too.
"""

from __future__ import annotations

import time

import pytest

from lab.errors import CommandError
from lab.router import Router
from lab.script.runner import install, run_script

PATH = "ip/firewall/address-list"


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def put(router: Router, source: str) -> list[str]:
    result = run_script(router, source, {}, "admin")
    assert result.error is None, result.error
    return result.output


def test_add_and_find_where_list(router: Router) -> None:
    out = put(
        router,
        "/ip firewall address-list\n"
        "add list=blocked address=203.0.113.7 comment=scanner\n"
        "add list=blocked address=198.51.100.0/24\n"
        "add list=trusted address=192.168.88.10\n"
        ':put [:len [find where list="blocked"]]\n'
        ':foreach e in=[print as-value where list="blocked"] do={\n'
        '  :put (($e->"address") . " " . ($e->"dynamic")) }',
    )
    assert out == ["2", "203.0.113.7 false", "198.51.100.0/24 false"]
    row = router.rows(PATH)[0]
    assert row["list"] == "blocked" and row["comment"] == "scanner" and row["disabled"] == "false"
    assert "creation-time" in row and "timeout" not in row


def test_timeout_makes_a_dynamic_entry_that_goes_when_it_runs_out(router: Router) -> None:
    put(router, "/ip firewall address-list add list=tmp address=10.9.9.9 timeout=1s")
    [row] = router.rows(PATH)
    assert row["dynamic"] == "true"
    assert row["timeout"] == "1s"
    assert put(router, ':put [/ip firewall address-list find where list="tmp" and dynamic]') == [row[".id"]]
    time.sleep(1.3)
    assert router.rows(PATH) == []


def test_dynamic_entries_can_be_removed_and_do_not_survive_a_reboot(router: Router) -> None:
    put(
        router,
        "/ip firewall address-list add list=tmp address=10.9.9.1 timeout=1h\n"
        "/ip firewall address-list add list=tmp address=10.9.9.2 timeout=1h\n"
        "/ip firewall address-list add list=keep address=10.9.9.3",
    )
    assert {row["timeout"] for row in router.rows(PATH) if row["dynamic"] == "true"} == {"1h"}
    put(router, '/ip firewall address-list remove [find where list="tmp" and address="10.9.9.1"]')
    assert [row["address"] for row in router.rows(PATH)] == ["10.9.9.2", "10.9.9.3"]
    router.reboot()
    assert [row["address"] for row in router.rows(PATH)] == ["10.9.9.3"]


def test_addresses_are_checked_and_one_address_is_listed_once_per_list(router: Router) -> None:
    router.execute(PATH, "add", {"list": "a", "address": "10.0.0.1/32"})
    assert router.rows(PATH)[0]["address"] == "10.0.0.1"
    router.execute(PATH, "add", {"list": "b", "address": "10.0.0.1"})
    router.execute(PATH, "add", {"list": "a", "address": "10.0.1.1-10.0.1.9"})
    with pytest.raises(CommandError, match="already have such entry"):
        router.execute(PATH, "add", {"list": "a", "address": "10.0.0.1"})
    with pytest.raises(CommandError, match="invalid value for argument address"):
        router.execute(PATH, "add", {"list": "a", "address": "10.0.0.300"})
    with pytest.raises(CommandError, match="missing value"):
        router.execute(PATH, "add", {"address": "10.0.0.2"})


def test_a_dns_name_is_refused_loudly(router: Router) -> None:
    # RouterOS resolves a name into dynamic entries; the lab does not emulate that.
    with pytest.raises(CommandError, match="not supported in the lab"):
        router.execute(PATH, "add", {"list": "a", "address": "example.com"})

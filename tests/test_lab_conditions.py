"""`find where` / `print where` conditions and API query words answer as RouterOS does, or refuse loudly.

The grammar is the manual's (Scripting, "Operators"; Console, `print where`): `=`, `!=`, `<`, `>`, `<=`, `>=`,
`~` (regular expression), `in` (address in a prefix), `and` / `or` / `not` and `&&` / `||` / `!`,
parentheses, spaces anywhere. Values compare typed: numbers as numbers, times as times, addresses as
addresses, booleans as booleans, free text as text. Issue 9 found that `name ~ "^eth"` and
`name != "ether1"` matched nothing, `a and b` matched nothing, and `name = "x"` and parentheses were refused.
"""

from __future__ import annotations

import pytest

from lab.query import compile_query
from lab.router import Router
from lab.script.runner import install, run_script


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def put(router: Router, source: str) -> list[str]:
    result = run_script(router, source, {}, "admin")
    assert result.error is None, result.error
    return result.output


def count(router: Router, menu: str, condition: str) -> int:
    """How many rows `[/menu find where condition]` names (`find` gives an id alone when there is one)."""
    found = put(router, f":local f [/{menu} find where {condition}]; :put [:len $f]; :put [:typeof $f]")
    return 1 if found[1] == "id" else int(found[0])


# ----- the grammar, with spaces anywhere


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ('name ~ "^eth"', 5),  # issue 9: matched nothing with spaces around ~
        ('name~"^eth"', 5),
        ('name != "ether1"', 5),  # issue 9: matched nothing
        ('name!="ether1"', 5),
        ('name = "ether3"', 1),  # issue 9: refused
        ("name=ether3", 1),
        ('type="ether" and name~"[12]\\$"', 2),  # issue 9: `a and b` matched nothing
        ('type=ether && name~"[12]\\$"', 2),
        ('(name="ether1" or name="wlan1") and !disabled', 2),  # issue 9: parentheses refused
        ('(name = "ether1" || name = "wlan1") && not disabled', 2),
        ('!(name="ether1")', 5),
        ('not (name="ether1" or name="ether2")', 4),
        ('name="ether1" || name="ether2" and name="ether2"', 2),  # and binds tighter than or
        ("running", 6),
        ("!running", 0),
        ('(default-name~"ether" and running)', 5),  # a property name with '-' inside parentheses
    ],
)
def test_where_conditions_of_the_manual(router, condition, expected):
    assert count(router, "interface", condition) == expected


def test_print_count_only_and_as_value_take_the_same_conditions(router):
    assert put(router, ':put [/interface print count-only where name ~ "^eth" and name != "ether1"]') == ["4"]
    names = put(
        router,
        ':foreach r in=[/interface print as-value where (name=ether2 or name=wlan1)] do={:put ($r->"name")}',
    )
    assert names == ["ether2", "wlan1"]


def test_find_pairs_and_where_together(router):
    assert put(router, ":put [/interface find default-name=ether2 where running]") == ["*2"]


# ----- typed comparisons


def test_numbers_compare_as_numbers_not_as_text(router):
    """mtu 900 is below 1000 (as text "900" sorts after "1000")."""
    put(router, "/interface ethernet set ether2 mtu=900")
    assert count(router, "interface", "mtu<1000") == 1
    assert count(router, "interface", "mtu >= 1500") == 5
    assert count(router, "interface", "mtu>1000 and mtu<=1500") == 5


def test_times_compare_as_times(router):
    """interval=1m is longer than 30s (as text "1m" sorts before "30s")."""
    put(router, "/tool netwatch add host=192.168.88.10 interval=5s")
    put(router, "/tool netwatch add host=192.168.88.11 interval=1m")
    assert count(router, "tool netwatch", "interval<30s") == 1
    assert count(router, "tool netwatch", "interval<=00:01:00") == 2
    assert count(router, "tool netwatch", "interval=60") == 1  # a bare number of a time is seconds


def test_addresses_compare_as_addresses_and_in_means_inside_a_prefix(router):
    """The manual's `in`: "(1.1.1.1/32 in 1.0.0.0/8)" is true."""
    put(router, "/ip dns static add name=a.lan address=192.168.88.9")
    put(router, "/ip dns static add name=b.lan address=192.168.88.10")
    assert count(router, "ip dns static", "address<192.168.88.10") == 1  # as text, .10 sorts before .9
    put(router, "/ip address add address=192.168.88.1/24 interface=ether2")
    put(router, "/ip address add address=10.1.1.1/24 interface=ether3")
    assert count(router, "ip address", "address in 192.168.0.0/16") == 1
    assert count(router, "ip address", "network in 10.0.0.0/8") == 1
    assert count(router, "ip address", 'address="10.1.1.1/24"') == 1


def test_booleans_compare_as_booleans(router):
    put(router, "/interface disable ether5")
    assert count(router, "interface", "disabled=yes") == 1
    assert count(router, "interface", "disabled=no") == 5
    assert count(router, "interface", "disabled") == 1
    assert count(router, "interface", 'disabled="no"') == 5  # quoted: the text the console prints


def test_free_text_stays_text_whatever_it_holds(router):
    """A Netwatch entry named 1m is the string "1m", not a time (lab README: free text is a string)."""
    put(router, "/tool netwatch add host=192.168.88.10 name=1m")
    assert count(router, "tool netwatch", 'name="1m"') == 1
    assert count(router, "tool netwatch", "name=1m") == 1


def test_a_property_alone_tests_that_it_is_set(router):
    put(router, "/ip address add address=192.168.88.1/24 interface=ether2 comment=lan")
    put(router, "/ip address add address=10.1.1.1/24 interface=ether3")
    assert count(router, "ip address", "comment") == 1
    assert count(router, "ip address", "!comment") == 1
    assert count(router, "ip address", 'comment=""') == 1


def test_values_from_variables_commands_and_expressions(router):
    """Production scripts write `name=$file`, `script=[:jobname]` and `name~("^" . $prefix)`."""
    assert put(router, ':local n "ether3"; :put [/interface print count-only where name=$n]') == ["1"]
    assert put(router, ':local p "eth"; :put [/interface print count-only where name~("^" . $p)]') == ["5"]
    assert put(router, ":put [/interface print count-only where name=[/interface get ether1 name]]") == ["1"]


def test_conditions_side_by_side_must_all_hold(router):
    """eworm-de/routeros-scripts, run on thousands of routers, writes `find where name="global-scripts"
    on-event!=$OnEvent` and `find where comment~(...) type=A`: no `and` between them."""
    assert count(router, "interface", 'name="ether1" name="ether2"') == 0
    assert count(router, "interface", 'name~"^ether" name!="ether1"') == 4
    assert count(router, "interface", 'name="ether1" mtu=1500 or name="ether2"') == 2


# ----- what the lab does not implement is refused, never answered


@pytest.mark.parametrize(
    "condition",
    [
        "mtu+1>1500",  # arithmetic on a property
        "address=10.1.1.1/24",  # an address with host bits unquoted
        "name in 10.0.0.0/8",  # 'in' on text
        "name=",  # nothing to compare with
    ],
)
def test_conditions_the_lab_cannot_answer_are_refused(router, condition):
    put(router, "/ip address add address=10.1.1.1/24 interface=ether3")
    menu = "ip address" if "address" in condition else "interface"
    result = run_script(router, f":put [/{menu} find where {condition}]", {}, "admin")
    if condition == "name=":
        # `name=` compares with the empty string: no interface is nameless.
        assert result.error is None and result.output == [""]
        return
    assert result.error is not None and result.error.endswith("not supported in the lab")


# ----- API query words: the manual's stack machine, typed comparisons


def _names(router: Router, menu: str, *words: str) -> list[str]:
    matches = compile_query(list(words), menu)
    return [row.get("name", row.get("host", "")) for row in router.rows(menu) if matches(row)]


def test_api_query_examples_of_the_manual(router):
    """API manual, Queries: "Get all ethernet and VLAN interfaces", "routes that have non-empty comment"."""
    assert len(_names(router, "interface", "?type=ether", "?type=vlan", "?#|")) == 5
    put(router, "/ip route add dst-address=10.0.0.0/8 gateway=192.168.88.254 comment=core")
    put(router, "/ip route add dst-address=10.1.0.0/16 gateway=192.168.88.254")
    commented = [r for r in router.rows("ip/route") if compile_query(["?>comment="], "ip/route")(r)]
    assert [r["dst-address"] for r in commented] == ["10.0.0.0/8"]


def test_api_query_stack_index_counts_from_the_top(router):
    """ "top value has index 0 ... index that is followed by the end of word replaces all values with the
    value at that index": `?#1` keeps only the value below the top."""
    assert _names(router, "interface", "?type=ether", "?name=wlan1", "?#1") == [
        f"ether{i}" for i in range(1, 6)
    ]
    assert _names(router, "interface", "?type=ether", "?name=wlan1", "?#0") == ["wlan1"]
    # "index that is followed by a character pushes copy of value at that index"
    assert _names(router, "interface", "?name=ether1", "?name=wlan1", "?#1|") == ["ether1"]


def test_api_query_stack_starts_with_endless_true_values(router):
    """ "Initially stack contains infinite amount of 'true' values": `|` on a lone value or `!` alone work."""
    assert len(_names(router, "interface", "?name=ether1", "?#|")) == 6
    assert _names(router, "interface", "?#!") == []


def test_api_less_and_greater_compare_typed(router):
    put(router, "/interface ethernet set ether2 mtu=900")
    assert _names(router, "interface", "?<mtu=1000") == ["ether2"]
    put(router, "/tool netwatch add host=192.168.88.10 interval=5s")
    put(router, "/tool netwatch add host=192.168.88.11 interval=1m")
    assert _names(router, "tool/netwatch", "?>interval=30s") == ["192.168.88.11"]
    # Without the menu (today's API session), only name and comment are text; the rest is typed by its text.
    assert [r["host"] for r in router.rows("tool/netwatch") if compile_query(["?>interval=30s"])(r)] == [
        "192.168.88.11"
    ]

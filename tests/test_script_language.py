"""The script language as the RouterOS scripting manual describes it: values, operators, escapes, flow.

Each test runs a script on an in-process router and checks what `:put` printed, as the manual's examples do.
"""

from __future__ import annotations

import pytest

from lab.router import Router
from lab.script.runner import RunResult, install, run_script


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def put(router: Router, source: str) -> list[str]:
    result = run_script(router, source, {}, "admin")
    assert result.error is None, result.error
    return result.output


def test_hex_escapes_and_control_characters_build_bytes(router: Router) -> None:
    # The manual's example: `\48\45\4C\4C\4F` is HELLO, and \r\n are real line breaks.
    assert put(router, r':put "\48\45\4C\4C\4F\r\nThis\r\nis\r\na\r\ntest"') == [
        "HELLO\r\nThis\r\nis\r\na\r\ntest"
    ]
    assert put(router, r':put "quote \" backslash \\ dollar \$ question \? tab\tend"') == [
        'quote " backslash \\ dollar $ question ? tab\tend'
    ]


def test_emoji_written_as_utf8_bytes_is_four_bytes_long_and_prints_as_the_emoji(router: Router) -> None:
    assert put(router, r':local e "\F0\9F\94\B4"; :put [:len $e]; :put $e') == ["4", "🔴"]
    assert put(router, ':put [:len "🔴"]') == ["4"]


def test_interpolation_of_variables_expressions_and_commands(router: Router) -> None:
    source = ':local a 2; :local b "x"; :put "a=$a b=$b sum=$($a + 3) type=$[:typeof $a]"'
    assert put(router, source) == ["a=2 b=x sum=5 type=num"]


def test_quoted_variable_names_hold_dashes(router: Router) -> None:
    result = run_script(router, ':put ($"done-tests" + 1)', {"done-tests": "4"}, "*sys")
    # Variables a Netwatch script receives are strings: "4" + 1 is not arithmetic.
    assert result.error is not None
    assert put(router, ':local "my-var" 5; :put ($"my-var" * 2)') == ["10"]


def test_types_of_literals(router: Router) -> None:
    source = (
        ':put [:typeof 4]; :put [:typeof "4"]; :put [:typeof true]; :put [:typeof 10.0.0.1];'
        " :put [:typeof 10.0.0.0/8]; :put [:typeof 1m30s]; :put [:typeof {1;2}]; :put [:typeof $nope];"
        ' :put [:typeof [:tonum "x"]]; :local f do={:put 1}; :put [:typeof $f]'
    )
    assert put(router, source) == [
        "num",
        "str",
        "bool",
        "ip",
        "ip-prefix",
        "time",
        "array",
        "nothing",
        "nil",
        "code",
    ]


def test_operator_precedence_and_concatenation(router: Router) -> None:
    assert put(
        router, ":put (2 + 3 * 4); :put ((2 + 3) * 4); :put (1 . 2 + 3); :put (7 / 2); :put (7 % 4)"
    ) == [
        "14",
        "20",
        "15",
        "3",
        "3",
    ]


def test_comparisons_logic_and_prefix_membership(router: Router) -> None:
    source = (
        ':put (1 < 2 && "a" = "a"); :put (3 != 3 || false); :put (!true);'
        " :put (10.0.2.3 in 10.0.2.0/24); :put (10.0.3.3 in 10.0.2.0/24); :put (1h > 30m)"
    )
    assert put(router, source) == ["true", "false", "false", "true", "false", "true"]


def test_time_and_address_arithmetic(router: Router) -> None:
    assert put(
        router, ":put (1h + 30m); :put (1d + 1s); :put (192.168.1.1 + 5); :put (10.0.0.9 & 255.255.255.0)"
    ) == [
        "01:30:00",
        "1d00:00:01",
        "192.168.1.6",
        "10.0.0.0",
    ]


def test_arrays_keys_sorted_and_accessed_with_arrow(router: Router) -> None:
    source = (
        ':local a {"b"=2;"a"=1}; :put $a; :put ($a->"b"); :local l {10;20;30}; :put ($l->1); :put [:len $l]'
    )
    assert put(router, source) == ["a=1;b=2", "2", "20", "3"]


def test_foreach_key_value_and_for_with_step(router: Router) -> None:
    source = (
        ':foreach k,v in={"x"=1;"y"=2} do={:put "$k:$v"}; :for i from=1 to=7 step=3 do={:put $i};'
        " :for i from=3 to=1 do={:put $i}"
    )
    assert put(router, source) == ["x:1", "y:2", "1", "4", "7", "3", "2", "1"]


def test_while_and_do_while(router: Router) -> None:
    assert put(router, ":local i 0; :while ($i < 3) do={:set i ($i + 1)}; :put $i") == ["3"]
    assert put(router, ":local i 0; :do {:set i ($i + 1)} while=($i < 5); :put $i") == ["5"]


def test_if_else(router: Router) -> None:
    assert put(router, ':local x 5; :if ($x > 3) do={:put "big"} else={:put "small"}') == ["big"]
    # A num or nothing is a condition: real scripts test `:if ([:find $text "="])` (eworm-de/routeros-scripts)
    assert put(router, ':if (1) do={:put "x"}; :if (0) do={:put "y"} else={:put "z"}') == ["x", "z"]
    assert put(router, ':if ([:find "abc" "x"]) do={:put "found"} else={:put "none"}') == ["none"]
    result = run_script(router, ':if ("yes") do={:put "x"}', {}, "admin")
    assert result.error is not None and "conditional not boolean" in result.error


def test_local_is_block_scoped(router: Router) -> None:
    assert put(router, ":local x 1; { :local x 2; :put $x }; :put $x; { :local y 3 }; :put [:typeof $y]") == [
        "2",
        "1",
        "nothing",
    ]


def test_functions_take_positional_and_named_arguments(router: Router) -> None:
    source = ':global add do={ :return ($1 + $2) }; :global greet do={ :return "hi $who" };'
    source += ' :put [$add 3 4]; :put [$greet who="ana"]'
    assert put(router, source) == ["7", "hi ana"]


def test_string_commands(router: Router) -> None:
    source = (
        ':put [:len "length=8"]; :put [:pick "abcde" 1 3]; :put [:pick "abcde" 2]; :put [:find "abcabc" "c"];'
        ' :put [:find "abcabc" "c" 2]; :put [:tostr 1.2.3.4]; :put ([:tonum "12"] + 1); :put [:toarray "a,b"]'
    )
    assert put(router, source) == ["8", "bc", "c", "2", "5", "1.2.3.4", "13", "a;b"]


def test_conversions(router: Router) -> None:
    source = ':put [:totime "10s"]; :put [:tobool "yes"]; :put [:typeof [:toip "1.2.3.4"]]; :put [:toip "x"]'
    assert put(router, source) == ["00:00:10", "true", "ip", ""]


def test_convert_to_url_encodes_utf8_bytes_and_emoji(router: Router) -> None:
    source = r':put [:convert to=url "Server DOWN & up #1 \F0\9F\94\B4 café"]'
    assert put(router, source) == ["Server%20DOWN%20%26%20up%20%231%20%F0%9F%94%B4%20caf%C3%A9"]
    assert put(
        router, ':put [:convert to=hex "AB"]; :put [:convert to=base64 "hi"]; :put [:convert from=hex "4142"]'
    ) == [
        "4142",
        "aGk=",
        "AB",
    ]


def test_json_round_trip(router: Router) -> None:
    source = (
        ':local v {"name"="r1 \\"core\\"";"up"=true;"count"=3;"list"={1;2;"x"};'
        ' "emoji"="\\F0\\9F\\94\\B4"};'
        " :local j [:serialize to=json $v]; :put $j; :local back [:deserialize from=json $j];"
        ' :put ($back->"name"); :put [:typeof ($back->"up")]; :put (($back->"list")->2);'
        ' :put ($back->"emoji");'
        " :put ([:serialize to=json $back] = $j)"
    )
    assert put(router, source) == [
        '{"count":3,"emoji":"🔴","list":[1,2,"x"],"name":"r1 \\"core\\"","up":true}',
        'r1 "core"',
        "bool",
        "x",
        "🔴",
        "true",
    ]


def test_error_stops_the_script_and_do_on_error_catches_it(router: Router) -> None:
    result = run_script(router, ':put "a"; :error "stop here"; :put "b"', {}, "admin")
    assert result == RunResult(output=["a"], error="stop here")
    assert put(router, ':do { :error "x" } on-error={ :put "caught" }; :put "after"') == ["caught", "after"]


def test_onerror_gives_the_message(router: Router) -> None:
    assert put(router, ':onerror e in={ :error "bad thing" } do={ :put "got: $e" }') == ["got: bad thing"]
    assert put(router, ':put [:onerror e in={ :put "fine" } do={ :put "no" }]') == ["fine", "false"]


def test_return_value_of_the_script(router: Router) -> None:
    assert run_script(router, ":return (6 * 7)", {}, "admin").value == "42"


def test_unsupported_command_fails_loudly(router: Router) -> None:
    result = run_script(router, ":beep frequency=440 length=1s", {}, "admin")
    assert result.error is not None and "not supported in the lab" in result.error


def test_syntax_error_reports_line_and_column_and_runs_nothing(router: Router) -> None:
    result = run_script(router, ':put "first"\n:put "x" )\n:put $', {}, "admin")
    assert result.output == []
    assert result.error is not None and result.error.startswith("syntax error (line ")


def test_delay_waits(router: Router) -> None:
    assert put(router, ":local t1 [:timestamp]; :delay 50ms; :put (([:timestamp] - $t1) >= 50ms)") == ["true"]

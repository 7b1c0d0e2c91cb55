"""`:parse` and array elements, as the RouterOS scripting manual describes them
(https://help.mikrotik.com/docs/spaces/ROS/pages/47579229/Scripting):

- "Global commands": `:parse` parses the string and returns parsed console commands, usable as a function
  (`:global myFunc [:parse ":put hello!"]; $myFunc`); "Functions": a script's source cloned with :parse
  takes named arguments (`$myFunc myVar=world`);
- "Operations with Arrays": the value of a single element is changed with `:set ($a->"x") 5`.
"""

from __future__ import annotations

import pytest

from lab.router import Router
from lab.script.runner import install, run_script


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def put(router: Router, source: str, policies: set[str] | None = None) -> list[str]:
    result = run_script(router, source, {}, "admin", policies)
    assert result.error is None, result.error
    return result.output


# ----- :parse


def test_parse_returns_a_function_of_positional_arguments(router: Router) -> None:
    source = ':local f [:parse ":return (\\$1 + 1)"]; :put [$f 2]; :put [:typeof $f]'
    assert put(router, source) == ["3", "code"]


def test_parse_manual_examples(router: Router) -> None:
    assert put(router, ':global myFunc [:parse ":put hello!"]; $myFunc') == ["hello!"]
    source = (
        '/system script add name=myScript source=":put \\"Hello \\$myVar !\\"";'
        " :global myFunc [:parse [/system script get myScript source]]; $myFunc myVar=world"
    )
    assert put(router, source) == ["Hello world !"]


def test_parsed_code_runs_as_its_caller(router: Router) -> None:
    # Same user (so the same globals) and the same policies as the code calling it.
    assert put(
        router, ':global shared 5; :local f [:parse ":global shared; :return \\$shared"]; :put [$f]'
    ) == ["5"]
    result = run_script(
        router,
        ':local f [:parse "/ip address add address=10.9.9.1/24 interface=ether1"]; $f',
        {},
        "admin",
        {"read"},
    )
    assert result.error == "not enough permissions (9)"


def test_parse_of_text_with_a_syntax_error_fails_with_it(router: Router) -> None:
    result = run_script(router, ':local f [:parse ":put ("]', {}, "admin")
    assert result.error is not None and result.error.startswith("syntax error (line 1 column ")


# ----- arrays


def test_set_changes_one_element(router: Router) -> None:
    # The manual's example.
    assert put(router, ':global a {x=1; y=2}; :set ($a->"x") 5; :put $a') == ["x=5;y=2"]
    assert put(router, ":local l {10;20;30}; :set ($l->1) 99; :put $l") == ["10;99;30"]


def test_set_adds_missing_keys_at_every_level(router: Router) -> None:
    source = ':local a {"x"=1}; :set ($a->"k"->"j") 7; :put ($a->"k"->"j"); :put [:typeof ($a->"k")]; :put $a'
    assert put(router, source) == ["7", "array", "k=j=7;x=1"]
    source = ':local l [:toarray ""]; :set ($l->[:len $l]) "a"; :set ($l->[:len $l]) "b"; :put $l'
    assert put(router, source) == ["a;b"]


def test_set_of_an_element_of_a_global_keeps_it_across_runs(router: Router) -> None:
    put(router, ':global cache {"n"=1}; :set ($cache->"n") 2')
    assert put(router, ':global cache; :put ($cache->"n")') == ["2"]


def test_set_of_an_element_of_a_string_fails_loudly(router: Router) -> None:
    result = run_script(router, ':local s "text"; :set ($s->0) 1', {}, "admin")
    assert result.error is not None and "not supported in the lab" in result.error


def test_set_of_an_element_needs_a_declared_variable(router: Router) -> None:
    result = run_script(router, ':set ($nowhere->"k") 1', {}, "admin")
    assert result.error is not None and "cannot :set nowhere" in result.error


def test_array_literals_holding_arrays(router: Router) -> None:
    assert put(router, ':local a {"k"={1;2}}; :put ($a->"k"->1); :put [:typeof ($a->"k")]') == ["2", "array"]
    assert put(router, ":local a {{1;2};{3;4}}; :put ($a->1->0); :put [:len $a]; :put [:typeof ($a->0)]") == [
        "3",
        "2",
        "array",
    ]
    assert put(router, ':local a {"a"={"b"=1}}; :put ($a->"a"->"b")') == ["1"]

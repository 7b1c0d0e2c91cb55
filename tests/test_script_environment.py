"""`:environment print` and /system/script/environment, as the RouterOS manual shows them:

- Scripting, "Global commands": `:environment print <start>` "print initialized variable information",
  example `:global myVar true; :environment print;`; "Operations with Arrays": after
  `:global a {x=1; y=2}` and `:set ($a->"x") 5`, `:environment print` shows `a={x=5; y=2}`;
- Scripting Tips and Tricks: `:global array [:toarray ""]` then `:environment print` shows `array={}`, after
  `:set ($array->"el0") "el0_val"` it shows `array={el0="el0_val"}`; `test={"el1"; "el2"; "el3_changed"}` and
  `test={{"11"; "12"; "13"}; {"21"; "22_changed"; "23"}}`; `myBps=71464`; "You can use
  `/system script environment remove` to delete unused variables; however, the preferred method is to unset
  the variable" with `:set myVar`, after which `/system script environment print` no longer lists it;
- Scripting, "Environment": the menu "contains all user-defined variables and their assigned values", with
  name, user and value; "global - accessible from all scripts created by the current user".

The API side (a user sees their own globals over the API) is in tests/test_script_run_context.py.
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


def put(router: Router, source: str, user: str = "admin") -> list[str]:
    result = run_script(router, source, {}, user)
    assert result.error is None, result.error
    return result.output


def test_environment_print_after_setting_an_array_element_the_manuals_example(router: Router) -> None:
    assert put(router, ':global a {x=1; y=2}; :set ($a->"x") 5; :environment print') == ["a={x=5; y=2}"]


def test_environment_print_of_the_tips_and_tricks_arrays(router: Router) -> None:
    assert put(router, ':global array [:toarray ""]; :environment print') == ["array={}"]
    put(router, ':global array; :set ($array->"el0") "el0_val"')
    put(router, ':global test { "el1"; "el2"; "el3" }; :set ($test->2) "el3_changed"')
    put(router, ':global grid {{"11";"12";"13"};{"21";"22";"23"}}; :set ($grid->1->1) "22_changed"')
    put(router, ":global myBps 71464; :global myVar true")
    assert put(router, ":environment print") == [
        'array={el0="el0_val"}',
        'test={"el1"; "el2"; "el3_changed"}',
        'grid={{"11"; "12"; "13"}; {"21"; "22_changed"; "23"}}',
        "myBps=71464",
        "myVar=true",
    ]


def test_the_menu_lists_the_globals_and_set_without_a_value_unsets_one(router: Router) -> None:
    put(router, ":global myVar 1")
    rows = put(
        router,
        ":foreach v in=[/system script environment print as-value] do={\n"
        '  :put (($v->"name") . "=" . ($v->"value")) }',
    )
    assert rows == ["myVar=1"]
    put(router, ":global myVar; :set myVar")
    assert put(router, ":put [:len [/system script environment print as-value]]; :environment print") == ["0"]


def test_remove_deletes_a_global_a_function_too(router: Router) -> None:
    put(router, ':global funChekUP do={ :put "check" }; :global keep "x"')
    put(router, "/system script environment remove [find where name=funChekUP]")
    assert put(router, ":environment print") == ['keep="x"']
    assert put(router, ":global funChekUP; :put [:typeof $funChekUP]") == ["nothing"]


def test_get_and_set_value_by_name(router: Router) -> None:
    put(router, ':global counter 1; :global label "a b"')
    assert put(router, ":put [/system script environment get counter value]") == ["1"]
    put(router, "/system script environment set counter value=41")
    # The engine types the text as it types a word: 41 is a num again.
    assert put(router, ":global counter; :put ($counter + 1)") == ["42"]
    assert put(router, ":put [/system script environment get label value]") == ["a b"]


def test_each_user_sees_only_their_own_globals(router: Router) -> None:
    router.execute("user", "add", {"name": "ops", "group": "full", "password": "x"})
    put(router, ':global adminOnly "secret"')
    put(router, ":global opsValue 7", user="ops")
    assert put(router, ":environment print", user="ops") == ["opsValue=7"]
    assert put(router, ":put [/system script environment print count-only]", user="ops") == ["1"]
    assert put(router, ":environment print") == ['adminOnly="secret"']


def test_a_function_cannot_be_shown_as_routeros_compiles_it(router: Router) -> None:
    put(router, ":global f do={ :put 1 }")
    error = run_script(router, ":environment print", {}, "admin").error
    assert error is not None and error.endswith("not supported in the lab")
    assert put(router, ":put [/system script environment print count-only where name=f]") == ["1"]


def test_a_reboot_clears_the_environment(router: Router) -> None:
    put(router, ":global survives 1")
    router.reboot()
    assert put(router, ":environment print") == []

"""Menu blocks, `:onerror` in each documented form and `:retry`, as the RouterOS scripting manual writes them
(https://help.mikrotik.com/docs/spaces/ROS/pages/47579229/Scripting and its mirror manual.mikrotik.com):

- a menu followed by a block runs the block's commands in that menu: the manual's scheduler example stores
  scripts with the source `/system scheduler {... enable x}`;
- `:onerror <var_name> in={<command>} do={<expression>}`: "The do={...} block is executed, when in={...} block
  has an error, and error details are written in <var_name> variable"; ":onerror will return false (if there
  is no error) and true (if there is an error) unless otherwise specified (with commands such as :return or
  :error)"; the code may also follow the variable without `in=` (`:onerror e {:put [:resolve
  www.example.com]} do={:put "resolver failed"}`, section "Catch run-time errors") and `do=` may be left out
  (`:onerror e {/system script job remove $j}`, the `:execute` example; changelog 7.15 "fixed :onerror
  behavior when do block is missing"); the Fetch page gives two variables, the second holding the error's
  attributes (tests/test_fetch_urls.py);
- `:retry`: ":onerror e {:retry command=<expr> delay=[num] max=[num]} do={<expr>}" - "Try to execute the given
  command "max" amount of times with a given "delay" between tries. On failure, execute the command in the
  do={} block", example `:onerror e {:retry command={abc} delay=1 max=2} do={:put "got error"}` printing
  `got error`; delay is "in seconds" (manual.mikrotik.com), scripts also write a time (`delay=500ms`), and
  the command tree gives `:retry` an `on-error=` block.
"""

from __future__ import annotations

import time

import pytest

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


def error_of(router: Router, source: str) -> str | None:
    return run_script(router, source, {}, "admin").error


# ----- menu blocks


def test_the_manuals_scheduler_block_runs_enable_in_that_menu(router: Router) -> None:
    # Manual (Scheduler examples): `add name=enable-x source={/system scheduler {... enable x}`.
    put(router, "/system scheduler add name=x interval=1h on-event=log-x disabled=yes")
    put(router, "/system scheduler {\n    enable x\n}")
    assert put(router, ":put [/system scheduler get x disabled]") == ["false"]


def test_a_block_after_a_menu_holds_several_commands_and_its_own_scope(router: Router) -> None:
    out = put(
        router,
        "/system/scheduler { add name=a on-event=x; :local n [print count-only]; :put $n }\n"
        ":put [/system scheduler get a on-event]\n"
        ":put [:typeof $n]",
    )
    assert out == ["1", "x", "nothing"]


def test_a_relative_menu_block_and_a_prefix_of_the_menu_name(router: Router) -> None:
    put(router, "/system scheduler add name=b on-event=y")
    assert put(router, "/system\nsched { :put [get b on-event] }") == ["y"]


# ----- :onerror


def test_onerror_puts_the_error_in_the_variable_the_manuals_example(router: Router) -> None:
    out = put(router, ':onerror errorName in={ :error "failure" } do={ :put "Critical $errorName" }')
    assert out == ["Critical failure"]


def test_onerror_with_the_code_after_the_variable_the_manuals_resolver_example(router: Router) -> None:
    out = put(
        router,
        ':onerror e {:put [:resolve www.example.com]} do={:put "resolver failed"}\n'
        ':put "print after failure"',
    )
    assert out == ["resolver failed", "print after failure"]
    assert put(router, ":onerror e {:resolve www.example.com} do={:put $e}") == [
        "failure: dns name does not exist"
    ]


def test_onerror_without_do_catches_the_error_and_the_script_goes_on(router: Router) -> None:
    assert put(router, ':onerror e {:error "gone"}; :put "still running"') == ["still running"]
    assert put(router, ':onerror e in={:error "gone"}; :put "still running"') == ["still running"]


def test_onerror_answers_whether_an_error_happened(router: Router) -> None:
    out = put(
        router,
        ':put [:onerror e in={ :error "test" } do={}]; :put [:onerror e in={ :put "ok" } do={}]\n'
        ':if ([:onerror e {:error "x"}]) do={ :put "caught" }',
    )
    assert out == ["true", "ok", "false", "caught"]


def test_error_in_do_and_return_go_on_as_usual(router: Router) -> None:
    assert error_of(router, ':onerror e in={:error "a"} do={:error ("again: " . $e)}') == "again: a"
    out = put(router, ":global f do={ :onerror e in={ :return 5 } do={ :return 6 } }; :put [$f]")
    assert out == ["5"]


def test_the_error_variable_is_local_to_do(router: Router) -> None:
    assert put(router, ':onerror e in={:error "x"} do={}; :put [:typeof $e]') == ["nothing"]


# ----- :retry


def test_retry_the_manuals_example_gives_up_after_max_tries(router: Router) -> None:
    started = time.monotonic()
    assert put(router, ':onerror e {:retry command={abc} delay=1 max=2} do={:put "got error"}') == [
        "got error"
    ]
    # Two tries with one delay of a second between them.
    assert time.monotonic() - started >= 1.0


def test_retry_tries_max_times_and_hands_on_the_last_error(router: Router) -> None:
    out = put(
        router,
        ":global tries 0\n"
        ':onerror e {:retry command={:set tries ($tries + 1); :error "try $tries failed"} delay=0 max=3}'
        " do={:put $e}\n:put $tries",
    )
    assert out == ["try 3 failed", "3"]


def test_retry_stops_at_the_first_success(router: Router) -> None:
    out = put(
        router,
        ":global tries 0\n"
        ':retry command={:set tries ($tries + 1); :if ($tries < 2) do={:error "not yet"}; :put "ok"}'
        " delay=500ms max=5\n:put $tries",
    )
    assert out == ["ok", "2"]


def test_retry_on_error_runs_when_every_try_failed(router: Router) -> None:
    out = put(router, ':retry command={:error "no"} delay=0 max=2 on-error={:put "gave up"}; :put "after"')
    assert out == ["gave up", "after"]
    assert error_of(router, ':retry command={:error "no"} delay=0 max=2') == "no"


def test_retry_without_delay_or_max_is_refused_loudly(router: Router) -> None:
    # The manual gives no defaults for them.
    for source in (":retry command={:put 1} max=2", ":retry command={:put 1} delay=1"):
        error = error_of(router, source)
        assert error is not None and error.endswith("not supported in the lab")

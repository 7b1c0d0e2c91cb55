"""/system/script/job, `:jobname` and `:execute`, as the RouterOS scripting manual describes them
(https://help.mikrotik.com/docs/spaces/ROS/pages/47579229/Scripting, "Job" and "Global commands"):

- every running script is a job, listed while it runs with the user running it (owner), the policies
  applied to it (policy) and when it started (started); one run from another names its caller's job
  (parent), and one that runs a /system/script entry names it (script);
- `:jobname` returns the current script's name, so that a script limits itself to one instance with
  `:if ([/system script job print count-only where script=[:jobname]] > 1) do={ :error ... }`;
- `:execute` runs code in the background and returns its job, which `/system script job remove` stops;
  with `as-string` the caller waits for the output; `file=` writes the output to a file.

`/system/script/run` over the API answers when the script has finished, so these tests run it in a thread of
its own (as an API client waiting for the answer) while they watch the job.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import pytest

from lab.errors import CommandError
from lab.jobs import SYSTEM_USER
from lab.netwatch import Prober
from lab.router import Router
from lab.scheduler import Scheduler
from lab.script.runner import install, run_script
from lab.testing import RunningLab
from tests.rawapi import RawClient

STARTED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def put(router: Router, source: str, user: str = "admin", policies: set[str] | None = None) -> list[str]:
    result = run_script(router, source, {}, user, policies)
    assert result.error is None, result.error
    return result.output


def add_script(router: Router, name: str, source: str, **props: str) -> str:
    args = {"name": name, "source": source, **{k.replace("_", "-"): v for k, v in props.items()}}
    ret = router.execute("system/script", "add", args).ret
    assert ret is not None
    return ret


def jobs(router: Router) -> list[dict[str, str]]:
    return router.rows("system/script/job")


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def log_messages(router: Router) -> list[str]:
    return [item.props["message"] for item in router.state.table("log").items]


class Run:
    """`/system/script/run` as an API client sends it, in a thread: it returns when the script has ended."""

    def __init__(self, router: Router, reference: str) -> None:
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, args=(router, reference), daemon=True)
        self.thread.start()

    def _run(self, router: Router, reference: str) -> None:
        try:
            router.execute("system/script", "run", {".id": reference})
        except CommandError as error:
            self.error = error.message

    def finished(self, timeout: float = 5.0) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()


def start_run(router: Router, name: str, jobs_expected: int = 1) -> Run:
    run = Run(router, name)
    assert wait_until(lambda: len(jobs(router)) >= jobs_expected)
    return run


# ----- rows while a script runs


def test_a_script_run_from_the_api_is_a_job_until_it_ends(router: Router) -> None:
    script = add_script(router, "slow", ":delay 1s")
    run = start_run(router, script)
    [row] = jobs(router)
    assert row["script"] == "slow"
    assert row["owner"] == "admin"
    assert "read" in row["policy"].split(",")
    assert STARTED.fullmatch(row["started"])
    assert "parent" not in row
    assert run.finished() and run.error is None
    assert jobs(router) == []


def test_rows_show_only_what_the_command_tree_prints(router: Router) -> None:
    add_script(router, "slow", ":delay 1s")
    run = start_run(router, "slow")
    [row] = jobs(router)
    printable = {"about", "comment", "owner", "parent", "policy", "script", "started", "trace", "type"}
    assert set(row) - {".id"} <= printable
    assert run.finished()


def test_a_script_run_from_a_script_is_a_job_under_its_caller(router: Router) -> None:
    add_script(router, "outer", "/system script run inner")
    add_script(
        router,
        "inner",
        ':local me [/system script job find where script="inner"];'
        ' :local caller [/system script job find where script="outer"];'
        " :put ([/system script job get $me parent] = $caller);"
        ' :put [/system script job print count-only where script="inner"];'
        ' :foreach row in=[/system script job print as-value where script="outer"] do={'
        ' :put ($row->"owner") }',
    )
    assert put(router, "/system script run outer") == ["true", "1", "admin"]
    assert jobs(router) == []


def test_rows_go_when_the_script_fails(router: Router) -> None:
    add_script(router, "fails", ':delay 500ms; :error "boom"')
    run = start_run(router, "fails")
    assert len(jobs(router)) == 1
    assert run.finished() and run.error == "boom"
    assert jobs(router) == []
    assert "script error: boom" in log_messages(router)
    result = run_script(router, "/system script run fails", {}, "admin")
    assert result.error == "boom"
    assert jobs(router) == []


def test_a_script_limits_itself_to_one_instance(router: Router) -> None:
    # The manual's single-instance pattern, with the row counted before the script's first statement.
    add_script(
        router,
        "guarded",
        ":if ([/system script job print count-only where script=[:jobname]] <= 1) do={"
        ' :log info "guarded ran"; :delay 1500ms }',
    )
    first = start_run(router, "guarded")
    assert wait_until(lambda: "guarded ran" in log_messages(router))
    # A second run while the first one waits sees two jobs and ends at once.
    router.execute("system/script", "run", {".id": "guarded"})
    assert first.finished()
    assert log_messages(router).count("guarded ran") == 1
    router.execute("system/script", "run", {".id": "guarded"})
    assert jobs(router) == []
    assert log_messages(router).count("guarded ran") == 2


def test_netwatch_scripts_are_jobs_of_sys(router: Router) -> None:
    router.network.ensure_host(router.index, "10.20.0.5")
    router.execute(
        "tool/netwatch",
        "add",
        {
            "host": "10.20.0.5",
            "interval": "1s",
            "startup-delay": "0s",
            "start-delay": "0s",
            "up-script": ":delay 1s",
        },
    )
    prober, t0 = Prober(), router.booted_at + 1
    prober.tick(router, t0)
    prober.tick(router, t0 + 0.01)
    [row] = jobs(router)
    assert row["owner"] == SYSTEM_USER
    assert set(row["policy"].split(",")) == {"read", "write", "test", "reboot"}
    assert "script" not in row
    assert wait_until(lambda: not jobs(router))


def test_scheduler_runs_a_named_script_as_its_job_with_the_entrys_policies(router: Router) -> None:
    # Manual, "Script permissions": a script called by name in on-event runs with the entry's policy.
    add_script(router, "tick", ':log info ("jobname " . [:jobname]); :delay 1s', policy="read,test")
    router.execute(
        "system/scheduler",
        "add",
        {"name": "every", "interval": "1s", "on-event": "tick", "policy": "read,write,test"},
    )
    scheduler = Scheduler()
    scheduler.tick(router, router.booted_at + 0.5)
    scheduler.tick(router, router.booted_at + 1.6)
    [row] = jobs(router)
    assert (row["script"], row["owner"], row["policy"]) == ("tick", "admin", "read,write,test")
    assert wait_until(lambda: "jobname tick" in log_messages(router))
    assert wait_until(lambda: not jobs(router))


def test_scheduler_may_not_run_a_script_needing_more_than_its_policies(router: Router) -> None:
    # Manual: an entry with policy=read calling a script with policy=read,write fails with not enough
    # permissions.
    add_script(router, "writer", ':log info "wrote"', policy="read,write")
    router.execute(
        "system/scheduler", "add", {"name": "weak", "interval": "1s", "on-event": "writer", "policy": "read"}
    )
    scheduler = Scheduler()
    scheduler.tick(router, router.booted_at + 0.5)
    scheduler.tick(router, router.booted_at + 1.6)
    assert "scheduler weak: script error: not enough permissions (9)" in log_messages(router)
    time.sleep(0.1)
    assert "wrote" not in log_messages(router)


# ----- stopping jobs


def test_remove_stops_the_script(router: Router) -> None:
    add_script(router, "forever", ':while (true) do={ :log info "tick"; :delay 20ms }')
    run = start_run(router, "forever")
    [row] = jobs(router)
    router.execute("system/script/job", "remove", {".id": row[".id"]})
    assert run.finished() and run.error == "interrupted"
    assert jobs(router) == []
    ticks = log_messages(router).count("tick")
    time.sleep(0.1)
    assert log_messages(router).count("tick") == ticks


def test_removing_a_caller_stops_the_script_it_runs(router: Router) -> None:
    add_script(router, "outer", "/system script run inner")
    # A long wait: the stop must wake the inner script, not wait for its next statement.
    add_script(router, "inner", ":while (true) do={ :delay 1h }")
    run = start_run(router, "outer", jobs_expected=2)
    outer = next(row for row in jobs(router) if row["script"] == "outer")
    router.execute("system/script/job", "remove", {".id": outer[".id"]})
    assert run.finished()
    assert jobs(router) == []


def test_a_reboot_drops_every_job_and_stops_its_script(router: Router) -> None:
    add_script(router, "forever", ':while (true) do={ :log info "tick"; :delay 20ms }')
    run = start_run(router, "forever")
    assert wait_until(lambda: "tick" in log_messages(router))
    router.reboot()
    assert run.finished()
    assert jobs(router) == []
    time.sleep(0.15)
    assert "tick" not in log_messages(router)


def test_jobs_are_not_configuration(router: Router) -> None:
    add_script(router, "slow", ":delay 1s")
    run = start_run(router, "slow")
    assert jobs(router)
    assert "system/script/job" not in router.dump()
    assert run.finished()


# ----- :jobname


def test_jobname_is_the_innermost_named_script(router: Router) -> None:
    add_script(router, "outer", ":put [:jobname]; /system script run inner; :put [:jobname]")
    add_script(router, "inner", ":put [:jobname]")
    assert put(router, "/system script run outer") == ["outer", "inner", "outer"]


def test_jobname_where_no_named_script_runs_fails_loudly(router: Router) -> None:
    result = run_script(router, ":put [:jobname]", {"host": "10.0.0.5"}, SYSTEM_USER)
    assert result.error is not None and "not supported in the lab" in result.error


# ----- :execute


def test_execute_returns_the_background_jobs_id_at_once(router: Router) -> None:
    # `get $j` finds the row: :execute returned while its job still ran, with the caller's user and policies.
    out = put(
        router,
        ':local j [:execute ":delay 1s"]; :put [:typeof $j];'
        " :put [/system script job get $j owner]; :put [/system script job get $j policy]",
        policies={"read", "write"},
    )
    assert out == ["id", "admin", "read,write"]
    assert wait_until(lambda: not jobs(router))


def test_execute_keeps_running_after_its_caller_ends(router: Router) -> None:
    put(router, ':execute ":delay 500ms; :global executed true"')
    [row] = jobs(router)
    assert "parent" not in row
    assert wait_until(lambda: not jobs(router))
    assert put(router, ":global executed; :put $executed") == ["true"]


def test_execute_takes_a_block_and_remove_stops_it(router: Router) -> None:
    # The manual's example: `:local j [:execute {...}]; :delay ...; /system script job remove $j`.
    put(
        router,
        ':local j [:execute {:while (true) do={ :log info "bg"; :delay 20ms }}]; :delay 100ms;'
        " /system script job remove $j",
    )
    assert wait_until(lambda: not jobs(router))
    assert "bg" in log_messages(router)


def test_execute_as_string_waits_and_returns_the_output(router: Router) -> None:
    # The lab ends each printed line with "\n", as :put ends it.
    assert put(
        router, ':local out [:execute ":put hi; :put there" as-string]; :put [:len $out]; :put $out'
    ) == [
        "9",
        "hi\nthere\n",
    ]
    assert jobs(router) == []


def test_execute_writes_its_output_to_a_txt_file(router: Router) -> None:
    # RouterOS adds .txt: community scripts run `:execute ... file="ddns.tmp"` and then read ddns.tmp.txt.
    put(router, ':execute ":put 10.1.1.1" file="ddns.tmp"')
    assert wait_until(lambda: not jobs(router))
    assert put(router, ':put [/file get [find name="ddns.tmp.txt"] contents]') == ["10.1.1.1\n"]
    put(router, ':put [:execute ":put again" as-string file=ddns.tmp.txt]')
    assert put(router, ':put [/file get [find name="ddns.tmp.txt"] contents]') == ["again\n"]


def test_execute_of_text_that_does_not_parse_fails_with_the_syntax_error(router: Router) -> None:
    result = run_script(router, ':execute ":put ("', {}, "admin")
    assert result.error is not None and result.error.startswith("syntax error (line 1 column ")


# ----- over the API


def test_jobs_over_the_api(lab: RunningLab) -> None:
    api = RawClient(lab.address(1))
    api.login()
    # The run answers when the script has ended: another connection waits for it meanwhile.
    runner = RawClient(lab.address(1))
    runner.login()
    answers: list[list[list[str]]] = []

    def listed() -> list[dict[str, str]]:
        replies = api.talk("/system/script/job/print", "?script=api-slow")
        return [dict(word[1:].split("=", 1) for word in reply[1:]) for reply in replies if reply[0] == "!re"]

    try:
        added = api.talk("/system/script/add", "=name=api-slow", "=source=:delay 5s")
        script_id = added[-1][1].removeprefix("=ret=")
        waiting = threading.Thread(
            target=lambda: answers.append(runner.talk("/system/script/run", f"=.id={script_id}"))
        )
        waiting.start()
        assert wait_until(lambda: len(listed()) == 1)
        [row] = listed()
        assert (row["script"], row["owner"]) == ("api-slow", "admin")
        count = api.talk("/system/script/job/print", "=count-only=", "?script=api-slow")
        assert count == [["!done", "=ret=1"]]
        assert api.talk("/system/script/job/remove", f"=.id={row['.id']}")[-1] == ["!done"]
        assert wait_until(lambda: listed() == [])
        waiting.join(timeout=5)
        assert answers and answers[0][0][0] == "!trap"
    finally:
        api.close()
        runner.close()

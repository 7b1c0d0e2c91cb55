"""Code running as a job: a whole script (its errors become RouterOS's messages and the router log), a named
script run from another one, and `:execute`'s runs, captured or in the background.

Each run's job row (lab.jobs) exists before the code's first statement and goes after its last, also when
it fails.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import TYPE_CHECKING

from lab import jobs
from lab.errors import CommandError
from lab.jobs import JobHost, RunResult
from lab.menus.system import store_file
from lab.script.scope import Scope
from lab.script.syntax import Statement, parse
from lab.script.values import NOTHING, ReturnSignal, ScriptError, Value, from_text, to_text, tostr

if TYPE_CHECKING:
    from lab.jobs import Job
    from lab.router import Router
    from lab.script.evaluator import Interpreter

log = logging.getLogger("lab.script")


def log_error(router: JobHost, message: str, detail: str | None = None) -> None:
    if detail:
        log.info("script on router %s: %s (%s)", router.index, message, detail)
    with router.lock:
        router.log("script,error", f"script error: {message}")


def run(it: Interpreter, statements: list[Statement], variables: dict[str, str]) -> RunResult:
    """Runs a whole script in the interpreter's job; never raises, as a router never crashes on a script."""
    context = it.context
    result = RunResult(output=context.output)
    scope = Scope(context.globals, context.user)
    for name, text in variables.items():
        scope.declare_local(name, from_text(text))
    value: Value = NOTHING
    try:
        # Menus that answer per user (/system/script/environment) see whose script this is.
        with jobs.acting_as(context.user):
            it.run_block(statements, scope, ())
    except ReturnSignal as returned:
        value = returned.value
    except ScriptError as error:
        result.error = to_text(error.message)
    except CommandError as error:
        result.error = error.message
    except RecursionError:
        result.error = "script nested too deeply"
    except Exception:
        log.exception("lab bug while running a script on router %s", context.router.index)
        result.error = "lab internal error while running the script; see the lab log"
    if result.error is not None:
        log_error(context.router, result.error)
        return result
    result.value = None if value is NOTHING else to_text(tostr(value))
    return result


def run_nested(it: Interpreter, source: str, script: str, policies: frozenset[str]) -> Value:
    """`/system script run` inside a script: in the caller's thread and output, as its own job under the
    caller's; an error in it is the caller's error. `source` is lab text, as the menu prints it."""
    parsed = parse(from_text(source))
    if parsed.error is not None:
        raise ScriptError(parsed.error)
    context = it.context
    jobs = context.router.script_jobs
    job = jobs.begin(context.router, context.user, policies, script, parent=context.job)
    try:
        nested = it.for_job(job, policies=policies)
        try:
            return nested.run_block(parsed.statements, Scope(context.globals, context.user), ())
        except ReturnSignal as returned:
            return returned.value
    finally:
        jobs.end(context.router, job)


def capture(it: Interpreter, statements: list[Statement]) -> list[str]:
    """`:execute as-string`: the caller waits, and gets the lines the code printed (lab text)."""
    context = it.context
    jobs = context.router.script_jobs
    job = jobs.begin(context.router, context.user, context.policies, parent=context.job)
    output: list[str] = []
    try:
        nested = it.for_job(job, output=output)
        with contextlib.suppress(ReturnSignal):
            nested.run_block(statements, Scope(context.globals, context.user), ())
    finally:
        jobs.end(context.router, job)
    return output


def start(it: Interpreter, statements: list[Statement], file: str | None) -> Job:
    """`:execute`: the code runs in its own thread as the caller's user with the caller's policies, and
    keeps running when the caller ends; what it prints goes to `file` when it ends, else nowhere."""
    context = it.context
    router = context.router
    job = router.script_jobs.begin(router, context.user, context.policies)
    background = it.for_job(job, output=[], nested=False)

    def work() -> None:
        try:
            result = run(background, statements, {})
            if file is not None:
                write_output(router, file, result.output)
        finally:
            router.script_jobs.end(router, job)

    threading.Thread(target=work, name=f"script-router{router.index} job {job.id}", daemon=True).start()
    return job


def output_file_name(name: str) -> str:
    """RouterOS stores command output as a .txt file: `file=ddns.tmp` writes ddns.tmp.txt."""
    return name if name.endswith(".txt") else f"{name}.txt"


def output_text(lines: list[str]) -> str:
    """Printed lines (lab text) as one text, each line ended as `:put` ends it."""
    return "".join(f"{line}\n" for line in lines)


def write_output(router: Router, name: str, lines: list[str]) -> None:
    target = output_file_name(name)
    contents = output_text(lines)
    with router.lock:
        try:
            # The router's own writer: the whole output, without /file add's 4095-byte limit (which is why
            # long-running real-world scripts write big files this way).
            store_file(router, target, contents)
        except CommandError as error:
            router.log("script,error", f"script error: cannot write {target}: {error.message}")

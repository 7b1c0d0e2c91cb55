"""Entry point: run a script as a user with policies, as a job, log its error as RouterOS does, never crash
the lab.

`install(router)` gives a router its engine: `router.script_runner` (used by Netwatch and the scheduler
through lab.jobs.launch, by `/system/script/run` over the API through lab.jobs.run_here) and the per-user
globals a reboot clears, which /system/script/environment shows (`router.script_jobs.environment`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab.jobs import SYSTEM_POLICIES, SYSTEM_USER, Job, JobHost, RunResult, ScriptRunner, user_policies
from lab.script import formats, program
from lab.script.evaluator import Context, Interpreter
from lab.script.scope import Globals
from lab.script.syntax import Statement, parse
from lab.script.values import from_text, literal, to_text

if TYPE_CHECKING:
    from lab.router import Router

__all__ = ["SYSTEM_POLICIES", "SYSTEM_USER", "Engine", "RunResult", "ScriptRunner", "install", "run_script"]


class Engine:
    """One router's script engine: its users' globals, which a reboot clears."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.globals = Globals()

    def reboot(self, router: Router) -> None:
        self.globals.clear()

    def run(
        self,
        router: JobHost,
        source: str,
        variables: dict[str, str],
        user: str,
        policies: set[str] | frozenset[str] | None = None,
        *,
        job: Job | None = None,
    ) -> RunResult:
        """Runs `source` as `job` when the caller listed one (lab.jobs.launch), else as a job of its own."""
        granted = frozenset(policies) if policies is not None else user_policies(router, user)
        parsed = parse(from_text(source))
        if parsed.error is not None:
            program.log_error(router, parsed.error, parsed.detail)
            return RunResult(error=parsed.error)
        if job is not None:
            return self._run(job, user, granted, parsed.statements, variables)
        own = router.script_jobs.begin(router, user, granted)
        try:
            return self._run(own, user, granted, parsed.statements, variables)
        finally:
            router.script_jobs.end(router, own)

    def _run(
        self,
        job: Job,
        user: str,
        policies: frozenset[str],
        statements: list[Statement],
        variables: dict[str, str],
    ) -> RunResult:
        context = Context(router=self.router, user=user, policies=policies, globals=self.globals, job=job)
        return program.run(Interpreter(context), statements, variables)


class EngineEnvironment:
    """The engine's globals as /system/script/environment shows them (lab.jobs.Environment); names and values
    cross into lab text here."""

    def __init__(self, globals_: Globals) -> None:
        self.globals = globals_

    def variables(self, user: str) -> list[tuple[str, str, str | None]]:
        listed: list[tuple[str, str, str | None]] = []
        for item_id, name, value in self.globals.listing(user):
            shown = formats.environment_column(value)
            listed.append((item_id, to_text(name), None if shown is None else to_text(shown)))
        return listed

    def remove(self, user: str, name: str) -> bool:
        return self.globals.remove(user, from_text(name))

    def assign(self, user: str, name: str, text: str) -> bool:
        key = from_text(name)
        if key not in self.globals.names(user):
            return False
        self.globals.set(user, key, literal(from_text(text)))
        return True


def install(router: Router) -> Engine:
    engine = Engine(router)
    router.script_runner = engine.run
    router.script_jobs.environment = EngineEnvironment(engine.globals)
    router.on_reboot.append(engine.reboot)
    return engine


def run_script(
    router: Router, source: str, variables: dict[str, str], user: str, policies: set[str] | None = None
) -> RunResult:
    """Runs through the router's installed engine, so globals persist between runs as on a router."""
    runner = router.script_runner or install(router).run
    return runner(router, source, variables, user, policies)

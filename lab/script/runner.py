"""Entry point: run a script as a user with policies, log its error as RouterOS does, never crash the lab.

`install(router)` gives a router its engine: `router.script_runner` (used by Netwatch, the scheduler and
`/system/script/run`) and the per-user globals a reboot clears.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from lab.errors import CommandError
from lab.script.evaluator import Context, Interpreter, ReturnSignal
from lab.script.scope import Globals, Scope
from lab.script.syntax import parse
from lab.script.values import NOTHING, ScriptError, Value, from_text, to_text, tostr

if TYPE_CHECKING:
    from lab.router import Router

log = logging.getLogger("lab.script")

# The internal user Netwatch scripts run as, and the only policies it has.
SYSTEM_USER = "*sys"
SYSTEM_POLICIES = frozenset({"read", "write", "test", "reboot"})


class ScriptRunner(Protocol):
    def __call__(
        self,
        router: Router,
        source: str,
        variables: dict[str, str],
        user: str,
        policies: set[str] | frozenset[str] | None = None,
    ) -> RunResult: ...


@dataclass
class RunResult:
    output: list[str] = field(default_factory=list)
    # The error as RouterOS words it (`syntax error (line 4 column 22)`), or None when the script finished.
    error: str | None = None
    # What `:return` gave at the top level, as text; None when the script returned nothing.
    value: str | None = None


class Engine:
    """One router's script engine: its users' globals, and the runs in flight that a reboot interrupts."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.globals = Globals()
        self._running: set[threading.Event] = set()
        self._lock = threading.Lock()

    def reboot(self, router: Router) -> None:
        with self._lock:
            for cancelled in self._running:
                cancelled.set()
        self.globals.clear()

    def run(
        self,
        router: Router,
        source: str,
        variables: dict[str, str],
        user: str,
        policies: set[str] | frozenset[str] | None = None,
    ) -> RunResult:
        granted = frozenset(policies) if policies is not None else self._default_policies(user)
        context = Context(router=router, user=user, policies=granted, globals=self.globals)
        with self._lock:
            self._running.add(context.cancelled)
        try:
            return self._run(context, source, variables)
        finally:
            with self._lock:
                self._running.discard(context.cancelled)

    def _default_policies(self, user: str) -> frozenset[str]:
        """A user's policies are those of their group; an unknown user has none."""
        if user == SYSTEM_USER:
            return SYSTEM_POLICIES
        with self.router.lock:
            users = self.router.rows("user")
            groups = self.router.rows("user/group")
        group = next((row.get("group") for row in users if row.get("name") == user), None)
        policy = next((row.get("policy", "") for row in groups if group and row.get("name") == group), "")
        return frozenset(part for part in policy.split(",") if part)

    def _run(self, context: Context, source: str, variables: dict[str, str]) -> RunResult:
        result = RunResult(output=context.output)
        parsed = parse(from_text(source))
        if parsed.error is not None:
            result.error = parsed.error
            self._log_error(parsed.error, parsed.detail)
            return result
        scope = Scope(self.globals, context.user)
        for name, text in variables.items():
            scope.declare_local(name, from_text(text))
        value: Value = NOTHING
        try:
            Interpreter(context).run_block(parsed.statements, scope, ())
        except ReturnSignal as returned:
            value = returned.value
        except ScriptError as error:
            result.error = to_text(error.message)
        except CommandError as error:
            result.error = error.message
        except RecursionError:
            result.error = "script nested too deeply"
        except Exception:
            log.exception("lab bug while running a script on router %s", self.router.index)
            result.error = "lab internal error while running the script; see the lab log"
        if result.error is not None:
            self._log_error(result.error, None)
            return result
        result.value = None if value is NOTHING else to_text(tostr(value))
        return result

    def _log_error(self, message: str, detail: str | None) -> None:
        if detail:
            log.info("script on router %s: %s (%s)", self.router.index, message, detail)
        with self.router.lock:
            self.router.log("script,error", f"script error: {message}")

    def start(
        self,
        source: str,
        variables: dict[str, str],
        user: str,
        policies: set[str] | frozenset[str] | None = None,
    ) -> threading.Thread:
        """Runs a script in its own thread, as RouterOS runs scripts beside everything else."""
        thread = threading.Thread(
            target=self.run,
            args=(self.router, source, variables, user, policies),
            daemon=True,
            name=f"script-router{self.router.index}",
        )
        thread.start()
        return thread


def install(router: Router) -> Engine:
    engine = Engine(router)
    router.script_runner = engine.run
    router.on_reboot.append(engine.reboot)
    return engine


def run_script(
    router: Router, source: str, variables: dict[str, str], user: str, policies: set[str] | None = None
) -> RunResult:
    """Runs through the router's installed engine, so globals persist between runs as on a router."""
    runner = router.script_runner or install(router).run
    return runner(router, source, variables, user, policies)

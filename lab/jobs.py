"""Script jobs: every script running on a router is a job, listed in /system/script/job while it runs.

A job's row is added before the script's first statement runs and removed after its last (or its error),
so a script can count its own running instances. Netwatch and the scheduler start scripts through `launch`,
each in its own thread, as RouterOS runs each beside everything else; `/system/script/run` over the API runs
the script in the API's own worker thread through `run_here` and answers when it has finished. The script
engine installs `router.script_runner`; until it does, runs are skipped and the router log says why.

Who is acting: a command reaches `router.execute` without saying who sent it, yet some menus answer per user
(/system/script/environment lists the caller's globals; /system/script/run runs as the caller). The API
session and the script engine therefore name the user for the commands they run in their thread
(`acting_as`), and such menus read it with `acting_user`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from lab import policies as policies_module
from lab.clock import Clock
from lab.errors import CommandError
from lab.model import Item, Props, State

log = logging.getLogger("lab.jobs")

PATH = "system/script/job"
# The internal user Netwatch scripts run as, and the only policies it has.
SYSTEM_USER = "*sys"
SYSTEM_POLICIES = frozenset({"read", "write", "test", "reboot"})


def policy_text(policies: frozenset[str]) -> str:
    known = [name for name in policies_module.ORDER if name in policies]
    return ",".join(known + sorted(policies - set(known)))


@dataclass(eq=False)
class Job:
    id: str
    # The /system/script entry this job runs, or None for code that is no named script (Netwatch's, :execute).
    script: str | None
    # The job this one runs inside, in the same thread (`/system script run` from a script).
    parent: Job | None = None
    # Set by `/system/script/job remove` and by a reboot; the script stops at its next statement.
    cancelled: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def stopped(self) -> bool:
        job: Job | None = self
        while job is not None:
            if job.cancelled.is_set():
                return True
            job = job.parent
        return False

    @property
    def script_name(self) -> str | None:
        """The innermost named script this code runs in, as `:jobname` answers."""
        job: Job | None = self
        while job is not None:
            if job.script is not None:
                return job.script
            job = job.parent
        return None

    def descends_from(self, ancestor: Job) -> bool:
        job: Job | None = self
        while job is not None:
            if job is ancestor:
                return True
            job = job.parent
        return False


@dataclass
class RunResult:
    """How a script run ended: what it printed (lab text), its error as RouterOS words it (`syntax error (line
    4 column 22)`) or None when it finished, and what a top-level `:return` gave, as text, or None."""

    output: list[str] = field(default_factory=list)
    error: str | None = None
    value: str | None = None


class ScriptRunner(Protocol):
    """The script engine a router runs scripts with (lab.script.runner installs it as
    `router.script_runner`): `source` as `user` with `policies` (the user's when None), the context
    `variables` as locals, as `job` when the caller began one, else as a job of its own."""

    def __call__(
        self,
        router: JobHost,
        source: str,
        variables: dict[str, str],
        user: str,
        policies: set[str] | frozenset[str] | None = None,
        *,
        job: Job | None = None,
    ) -> RunResult: ...


class JobHost(Protocol):
    """What jobs need of a router: lab.router.Router is one. A protocol, because the router, the menus and the
    script engine all sit above this module (the menus' fuller view is lab.menus.base.RouterView)."""

    index: int
    lock: threading.RLock
    clock: Clock
    state: State
    script_jobs: JobTable
    script_runner: ScriptRunner | None

    def log(self, topics: str, message: str) -> None: ...

    def rows(self, path: str) -> list[Props]: ...

    def add_dynamic(self, path: str, props: Props, owner: str) -> Item: ...


class Environment(Protocol):
    """The script engine's global variables of one router, as /system/script/environment shows them."""

    def variables(self, user: str) -> list[tuple[str, str, str | None]]:
        """(id, name, value as printed) of each global `user` has, in the order they were made; the value is
        None where the lab cannot print it as RouterOS does (a function, which RouterOS shows compiled)."""
        ...

    def remove(self, user: str, name: str) -> bool:
        """Forgets one global of `user`; False when there is none of that name."""
        ...

    def assign(self, user: str, name: str, text: str) -> bool:
        """Gives an existing global of `user` the value written as `text`, typed as a script types a word."""
        ...


class JobTable:
    """One router's running jobs. Rows live in router state as dynamic items, so print, get, find and where
    work as in every menu and a boot drops them; the table keeps what a row cannot hold (the stop signal).

    It also holds what the script engine exposes to menus while it runs: its globals (`environment`).
    """

    def __init__(self) -> None:
        self._running: dict[str, Job] = {}
        # Set by the script engine when it is installed (lab.script.runner); None means no engine, no globals.
        self.environment: Environment | None = None

    def begin(
        self,
        router: JobHost,
        owner: str,
        policies: frozenset[str],
        script: str | None = None,
        parent: Job | None = None,
    ) -> Job:
        props: Props = {"owner": owner, "policy": policy_text(policies)}
        if script is not None:
            props["script"] = script
        if parent is not None:
            props["parent"] = parent.id
        with router.lock:
            props["started"] = router.clock.stamp()
            item = router.add_dynamic(PATH, props, owner=PATH)
            job = Job(item.id, script, parent)
            if parent is not None and parent.stopped:
                # Started while its caller was being stopped: it must not outlive the stop.
                job.cancelled.set()
            self._running[job.id] = job
        return job

    def end(self, router: JobHost, job: Job) -> None:
        with router.lock:
            self._running.pop(job.id, None)
            table = router.state.table(PATH)
            table.items = [item for item in table.items if item.id != job.id]
        job.finished.set()

    def stop(self, router: JobHost, job_id: str) -> None:
        """Stops a job and the jobs running inside it; rows go when each script has unwound."""
        with router.lock:
            target = self._running.get(job_id)
            if target is None:
                return
            for job in self._running.values():
                if job.descends_from(target):
                    job.cancelled.set()

    def stop_all(self, router: JobHost) -> None:
        with router.lock:
            for job in self._running.values():
                job.cancelled.set()


_acting = threading.local()


@contextlib.contextmanager
def acting_as(user: str | None) -> Iterator[None]:
    """Commands this thread runs inside the block are the given user's (the API session's, the script's)."""
    previous = getattr(_acting, "user", None)
    _acting.user = user
    try:
        yield
    finally:
        _acting.user = previous


def acting_user() -> str | None:
    """The user on whose behalf this thread runs commands now; None for the lab's own calls (tests, ctl)."""
    user: str | None = getattr(_acting, "user", None)
    return user


def user_policies(router: JobHost, user: str) -> frozenset[str]:
    """A user's policies are those of their group; an unknown user has none."""
    if user == SYSTEM_USER:
        return SYSTEM_POLICIES
    with router.lock:
        users = router.rows("user")
        groups = router.rows("user/group")
    group = next((row.get("group") for row in users if row.get("name") == user), None)
    policy = next((row.get("policy", "") for row in groups if group and row.get("name") == group), "")
    return policies_module.granted(policy)


def named_run_policies(caller: frozenset[str], script: Props, *, own: bool = False) -> frozenset[str] | None:
    """The policies a /system/script entry runs with when code holding `caller` runs it by name, or None
    when the caller may not run it (manual, Scripting, "Script permissions"): the script's policies must be
    among the caller's, and it runs with the caller's unless `use-script-permissions` (`own`) asks for its
    own. `dont-require-permissions=yes` skips the check and runs it with its own policies, which is how a
    Netwatch script (four policies) runs a script that needs more."""
    policies = frozenset(part for part in script.get("policy", "").split(",") if part)
    if script.get("dont-require-permissions") == "true":
        return policies
    if not policies <= caller:
        return None
    return policies if own else caller


def launch(
    router: JobHost,
    source: str,
    variables: dict[str, str],
    user: str,
    origin: str,
    *,
    script: str | None = None,
    policies: frozenset[str] | None = None,
) -> Job | None:
    """Run `source` as `user` beside everything else; a script that waits (fetch, :delay) holds up nothing.

    The job's row exists when this returns, before the script's first statement runs.
    """
    if not source.strip():
        return None
    runner = router.script_runner
    if runner is None:
        with router.lock:
            router.log("script,error", f"{origin}: the lab has no script engine loaded; script not run")
        return None
    granted = user_policies(router, user) if policies is None else policies
    job = router.script_jobs.begin(router, user, granted, script)

    def run() -> None:
        try:
            runner(router, source, variables, user, policies=granted, job=job)
        except CommandError as error:
            with router.lock:
                router.log("script,error", f"{origin}: script error: {error.message}")
        except Exception:
            log.exception("lab bug while running a script for %s", origin)
            with router.lock:
                router.log(
                    "script,error", f"{origin}: lab internal error while running the script; see the lab log"
                )
        finally:
            router.script_jobs.end(router, job)

    threading.Thread(target=run, name=f"script router{router.index} {origin}", daemon=True).start()
    return job


def run_here(
    router: JobHost,
    source: str,
    user: str,
    origin: str,
    *,
    script: str | None = None,
    policies: frozenset[str] | None = None,
) -> RunResult | None:
    """Run `source` as `user` in this thread and return when it has finished (`/system/script/run` over the
    API answers only then). None when no script engine is loaded (the router log says so) or nothing runs."""
    runner = router.script_runner
    if runner is None:
        with router.lock:
            router.log("script,error", f"{origin}: the lab has no script engine loaded; script not run")
        return None
    if not source.strip():
        return None
    granted = user_policies(router, user) if policies is None else policies
    job = router.script_jobs.begin(router, user, granted, script)
    try:
        return runner(router, source, {}, user, policies=granted, job=job)
    finally:
        router.script_jobs.end(router, job)

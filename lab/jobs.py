"""Starting scripts for Netwatch and the scheduler: each in its own thread, as RouterOS runs each as a job.

The script engine installs `router.script_runner`; until it does, runs are skipped and the router log says
why.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from lab.errors import CommandError

if TYPE_CHECKING:
    from lab.router import Router

log = logging.getLogger("lab.jobs")


def launch(
    router: Router, source: str, variables: dict[str, str], user: str, origin: str
) -> threading.Thread | None:
    """Run `source` as `user` beside everything else; a script that waits (fetch, :delay) holds up nothing."""
    if not source.strip():
        return None
    runner = router.script_runner
    if runner is None:
        with router.lock:
            router.log("script,error", f"{origin}: the lab has no script engine loaded; script not run")
        return None

    def run() -> None:
        try:
            runner(router, source, variables, user)
        except CommandError as error:
            with router.lock:
                router.log("script,error", f"{origin}: script error: {error.message}")
        except Exception:
            log.exception("lab bug while running a script for %s", origin)
            with router.lock:
                router.log(
                    "script,error", f"{origin}: lab internal error while running the script; see the lab log"
                )

    thread = threading.Thread(target=run, name=f"script router{router.index} {origin}", daemon=True)
    thread.start()
    return thread

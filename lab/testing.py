"""Start and stop a lab in a subprocess: for tests, benchmarks and the demo.

Each lab gets its own address block and control port, so several can run side by side.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab import control, scenarios
from lab.menus.tool import RESULT_FIELDS

# Printed properties that change with time alone, not because anything wrote to the router.
_CHANGING_ON_ITS_OWN = frozenset({"expires-after", "next-run", "run-count", "last-started", *RESULT_FIELDS})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class RunningLab:
    state: Path
    routers: int
    base_address: str
    control_port: int
    process: subprocess.Popen[str] | None = None
    startup_seconds: float = 0.0
    extra_args: list[str] = field(default_factory=list)

    @property
    def telegram_port(self) -> int:
        """The fake Telegram's port, as new_lab chose it or the caller passed it with --telegram-port."""
        return int(self.extra_args[self.extra_args.index("--telegram-port") + 1])

    def address(self, index: int) -> str:
        prefix = self.base_address.rsplit(".", 1)[0]
        return f"{prefix}.{index}"

    def ctl(self, verb: str, *args: str) -> Any:
        answer = control.call("127.0.0.1", self.control_port, verb, list(args))
        if not answer.get("ok"):
            raise RuntimeError(f"ctl {verb} {' '.join(args)}: {answer.get('error')}")
        return answer["result"]

    def configuration(self, index: int) -> dict[str, list[dict[str, Any]]]:
        """A router's configuration, to tell whether anything wrote to it: its dump without what changes on
        its own (the clock, the uptime, a DHCP lease's time left, Netwatch's probe results, when a schedule or
        script ran and runs next) and without dynamic rows (among them the API connections themselves, which
        /ip/service lists)."""
        configuration = {}
        for path, found in self.ctl("dump", str(index)).items():
            if path in ("system/clock", "system/resource"):
                continue
            rows = [found] if isinstance(found, dict) else found
            configuration[path] = [
                {key: value for key, value in row.items() if key not in _CHANGING_ON_ITS_OWN}
                for row in rows
                if row.get("dynamic") != "true"
            ]
        return configuration

    def start(self, timeout: float = 60.0) -> None:
        command = [
            sys.executable,
            "-m",
            "lab",
            "serve",
            "--routers",
            str(self.routers),
            "--state",
            str(self.state),
            "--base-address",
            self.base_address,
            "--control-port",
            str(self.control_port),
            *self.extra_args,
        ]
        started = time.monotonic()
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        output = []
        while time.monotonic() - started < timeout:
            line = self.process.stdout.readline()
            if not line:
                break
            output.append(line)
            if line.strip() == "lab ready":
                self.startup_seconds = time.monotonic() - started
                return
        self.stop()
        raise RuntimeError("lab did not become ready:\n" + "".join(output))

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def restart(self) -> None:
        self.stop()
        self.start()


def new_lab(
    state: Path, routers: int = 1, extra_args: list[str] | None = None, scenario: str = ""
) -> RunningLab:
    """A lab on a random 127.x.y.0 block, so parallel test runs and a demo lab do not collide. `scenario`
    (lab.scenarios.NAMES) is what its routers start with, the same as `--scenario` in `extra_args`."""
    block = f"127.{random.randint(100, 250)}.{random.randint(1, 250)}.0"
    extra = list(extra_args or [])
    if scenario:
        extra += ["--scenario", scenarios.check(scenario)]
    version = os.environ.get("LAB_ROS_VERSION", "")
    if version and "--ros-version" not in extra:
        # The whole suite, or a part of it, against another RouterOS version (Makefile's `versions` target).
        extra += ["--ros-version", version]
    if "--telegram-port" not in extra:
        # Its own fake Telegram port too, so labs running side by side do not fight over 8081.
        extra += ["--telegram-port", str(free_port())]
    return RunningLab(
        state=state,
        routers=routers,
        base_address=block,
        control_port=free_port(),
        extra_args=extra,
    )

"""Provisioning: the baseline part of `site.yml` (playbooks/baseline.yml, what the plain approach does too)
against 1, 10 and 50 lab routers, first run and no-op rerun,
beside the plain approach (bench/plain_baseline.yml: one api_modify task per path, linear strategy, the
default 5 forks) measured in the same run, each on a fresh lab. Before the project's first run, its row
`contact` is the one-time first contact (playbooks/users.yml: the automation user and the api-ssl
certificate, what site.yml does by itself on a fresh router), so that `first` is the baseline itself.

Prints a table: wall time, CPU time of ansible-playbook and everything it started, CPU time of the lab,
and per router the API logins and sentences the lab counted (`ctl stats`).
Run: .venv/bin/python bench/provisioning.py [--routers 1,10,50] [--quick] [--budget SECONDS]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from lab.testing import RunningLab, new_lab

ROOT = Path(__file__).resolve().parent.parent

# The plain approach first: when the --budget runs out, the project's own runs are the ones cut short.
PLAYBOOKS = {"plain": ROOT / "bench" / "plain_baseline.yml", "baseline": ROOT / "playbooks" / "baseline.yml"}
# The plain approach runs with Ansible's default forks; the baseline with the project's ansible.cfg.
EXTRA_ENV = {"plain": {"ANSIBLE_FORKS": "5"}, "baseline": {}}
# Runs once before the first run, measured on a row of its own.
FIRST_CONTACT = {"baseline": ROOT / "playbooks" / "users.yml"}
QUICK_ROUTERS = (1,)


@dataclass
class Measured:
    routers: int
    approach: str
    run: str
    wall: float = 0.0
    cpu: float = 0.0
    lab_cpu: float = 0.0
    logins: float = 0.0
    sentences: float = 0.0
    changed: int = 0
    peak_mb: float = 0.0
    note: str = ""

    def line(self) -> str:
        if self.note and not self.wall:
            return f"{self.routers:>7} {self.approach:>9} {self.run:>6}  {self.note}"
        return (
            f"{self.routers:>7} {self.approach:>9} {self.run:>6} {self.wall:>8.1f} {self.cpu:>8.1f} "
            f"{self.lab_cpu:>7.1f} {self.logins:>8.1f} {self.sentences:>10.1f} {self.changed:>8} "
            f"{self.peak_mb:>8.0f}  {self.note}"
        )


HEADER = (
    f"{'routers':>7} {'approach':>9} {'run':>6} {'wall s':>8} {'CPU s':>8} {'lab s':>7} "
    f"{'logins/r':>8} {'sentences/r':>10} {'changed':>8} {'peak MB':>8}"
)


class PeakMemory:
    """The largest total resident memory of a process group (ansible-playbook and its workers), sampled."""

    def __init__(self, group: int) -> None:
        self.group = group
        self.peak_kb = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while not self.stopped.wait(0.2):
            total = 0
            for status in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = status.read_text().rsplit(")", 1)[1].split()
                    if int(fields[2]) == self.group:
                        total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
                except (OSError, IndexError, ValueError):
                    continue
            self.peak_kb = max(self.peak_kb, total)

    def stop(self) -> float:
        self.stopped.set()
        self.thread.join()
        return self.peak_kb / 1024


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds of a running process (the lab: it is waited for only when it stops)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_inventory(target: Path, lab: RunningLab) -> None:
    """inventory/lab's group_vars, with one host per lab router, each with an identity of its own."""
    shutil.copytree(ROOT / "inventory" / "lab" / "group_vars", target / "group_vars")
    names = [f"bench-r{index}" for index in range(1, lab.routers + 1)]
    hosts = {name: {"ansible_host": lab.address(index)} for index, name in enumerate(names, 1)}
    (target / "hosts.yml").write_text(yaml.safe_dump({"routeros": {"hosts": hosts}}))
    (target / "host_vars").mkdir()
    for index, name in enumerate(names, 1):
        identity = {"routeros_identity_name": f"branch-{index:02d}"}
        (target / "host_vars" / f"{name}.yml").write_text(yaml.safe_dump(identity))


def play(
    approach: str, playbook: Path, inventory: Path, backups: Path, timeout: float
) -> tuple[float, float, float, dict[str, Any]]:
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
        **EXTRA_ENV[approach],
    }
    command = [
        str(ROOT / ".venv" / "bin" / "ansible-playbook"),
        str(playbook),
        "-i",
        str(inventory),
        "-e",
        f"routeros_backup_dir={backups}",
    ]
    cpu_before, started = children_cpu(), time.monotonic()
    # A session of its own, so that a run over budget can be stopped with everything it started.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    memory = PeakMemory(process.pid)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    finally:
        peak = memory.stop()
    wall, cpu = time.monotonic() - started, children_cpu() - cpu_before
    try:
        report: dict[str, Any] = json.loads(stdout)
    except json.JSONDecodeError:
        raise RuntimeError(
            f"{approach}: ansible-playbook printed no JSON report:\n{stdout}\n{stderr}"
        ) from None
    report["rc"] = process.returncode
    return wall, cpu, peak, report


def measure(routers: int, approach: str, deadline: float) -> list[Measured]:
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-provisioning-") as scratch:
        work = Path(scratch)
        lab = new_lab(work / "lab", routers=routers)
        lab.start()
        try:
            assert lab.process is not None
            write_inventory(work / "inventory", lab)
            runs = [("first", PLAYBOOKS[approach]), ("rerun", PLAYBOOKS[approach])]
            if approach in FIRST_CONTACT:
                runs.insert(0, ("contact", FIRST_CONTACT[approach]))
            for run, playbook in runs:
                row = Measured(routers, approach, run)
                results.append(row)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    row.note = "skipped: over the --budget"
                    continue
                lab.ctl("stats", "reset")
                lab_before = process_cpu(lab.process.pid)
                try:
                    row.wall, row.cpu, row.peak_mb, report = play(
                        approach, playbook, work / "inventory", work / "backups", remaining
                    )
                except subprocess.TimeoutExpired:
                    row.note = f"stopped after {remaining:.0f} s: over the --budget"
                    continue
                row.lab_cpu = process_cpu(lab.process.pid) - lab_before
                stats = lab.ctl("stats", "all")
                row.logins = sum(s["logins"] for s in stats.values()) / routers
                row.sentences = sum(s["sentences"] for s in stats.values()) / routers
                row.changed = sum(host["changed"] for host in report["stats"].values())
                failed = sum(host["failures"] + host["unreachable"] for host in report["stats"].values())
                if report["rc"] != 0 or failed:
                    row.note = f"FAILED: rc {report['rc']}, {failed} failed or unreachable hosts"
        finally:
            lab.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--routers", default="1,10,50", help="comma-separated lab sizes (default 1,10,50)")
    parser.add_argument("--quick", action="store_true", help="only 1 router: a couple of minutes")
    parser.add_argument(
        "--budget", type=float, default=1200, help="stop after this many seconds (default 1200)"
    )
    options = parser.parse_args()
    try:
        sizes = QUICK_ROUTERS if options.quick else tuple(int(part) for part in options.routers.split(","))
    except ValueError:
        parser.error(
            f"--routers: {options.routers!r} is not a comma-separated list of numbers such as 1,10,50"
        )
    if not all(1 <= size <= 254 for size in sizes):
        parser.error(f"--routers: {options.routers!r}: every size must be 1..254 (one lab block)")
    deadline = time.monotonic() + options.budget
    print(f"{os.cpu_count()} CPUs; CPU s = ansible-playbook and its children, lab s = the lab process")
    print(HEADER, flush=True)
    for size in sizes:
        rows = {approach: measure(size, approach, deadline) for approach in PLAYBOOKS}
        for approach_rows in rows.values():
            for row in approach_rows:
                print(row.line(), flush=True)
        compared = [row for row in rows["baseline"] if row.run in ("first", "rerun")]
        for plain, ours in zip(rows["plain"], compared, strict=True):
            if plain.wall and ours.wall:
                print(
                    f"{size:>7} {'ratio':>9} {ours.run:>6} {plain.wall / ours.wall:>7.1f}x  plain wall / ours"
                )


if __name__ == "__main__":
    main()

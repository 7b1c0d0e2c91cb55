"""Notifier storage: what a scan pass costs with many watched hosts, and how much the notifier writes to
the router's storage (flash wear) while Telegram is down and hosts flap, for this tree's notifier and for an
earlier release's (the baseline, by default the last commit before issue 16), side by side in one run.

Each configuration gets its own lab router, deployed with its own `playbooks/alerting.yml` (the baseline
from a temporary `git worktree` of REVISION). Two measurements:

- scan pass: HOSTS watched hosts, all up and told; the scan script is run PASSES times over the API and the
  lab process's CPU time (user + system, from /proc), less what the lab spends meanwhile with no scan
  running (probing the hosts: its rate measured just before), is divided by the passes; that is the
  router-side cost of one pass (the lab evaluates the same statements a router would).
- writes: FLAPPING hosts while every Bot API request fails (the fake Telegram answers 502), each host down for
  DOWN_SECONDS once every PERIOD_SECONDS, staggered, for MINUTES minutes; the lab's `ctl stats` counts every
  file write and the bytes of contents written, extrapolated to one hour.

Both notifiers watch with this tree's probe settings (routeros_netwatch_probe's defaults).

Run: .venv/bin/python bench/notifier_storage.py [--hosts 250] [--passes 10] [--flapping 20] [--minutes 6]
     [--period 180] [--down 20] [--revision fa71800]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import librouteros
import yaml

from lab.testing import RunningLab, new_lab

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
CHAT = "-4000000001"
SCAN_SCRIPT = "netwatch-telegram-scan"
# Seconds of lab CPU measured with no scan running, to take the lab's own work off a pass's cost.
IDLE_SECONDS = 5
# The last commit before issue 16 changed the notifier's storage.
BASELINE_REVISION = "fa71800"
PROBE = yaml.safe_load((ROOT / "roles" / "routeros_netwatch" / "defaults" / "main.yml").read_text())[
    "routeros_netwatch_probe"
]


@dataclass
class Result:
    name: str
    scan_cpu_ms: float = float("nan")
    scan_wall_ms: float = float("nan")
    writes_per_hour: float = float("nan")
    bytes_per_hour: float = float("nan")
    queued: int = 0


def deploy(lab: RunningLab, root: Path, hosts: list[str], directory: Path) -> None:
    """The alerting playbook of `root` (this tree or the baseline's worktree), run the way a user runs it."""
    inventory = directory / "inventory"
    inventory.mkdir(parents=True)
    (inventory / "group_vars").symlink_to(root / "inventory" / "lab" / "group_vars")
    (inventory / "hosts.yml").write_text(
        yaml.safe_dump({"routeros": {"hosts": {"lab-r1": {"ansible_host": lab.address(1)}}}})
    )
    settings = {
        "routeros_netwatch_hosts": [{"name": f"bench {a}", "address": a} for a in hosts],
        # This tree's probe for both: the baseline's thr-loss-percent 100 never fails in the strict lab (a
        # loss threshold fails only when passed), so its hosts would never go down and it would write nothing.
        "routeros_netwatch_probe": PROBE,
        "routeros_telegram_chats": [{"id": int(CHAT)}],
        "routeros_backup_dir": str(directory / "backups"),
    }
    (directory / "bench.yml").write_text(yaml.safe_dump(settings))
    environment = {
        **os.environ,
        "ANSIBLE_CONFIG": str(root / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    completed = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            str(inventory),
            "playbooks/alerting.yml",
            "-e",
            f"@{directory / 'bench.yml'}",
        ],
        capture_output=True,
        text=True,
        env=environment,
        cwd=root,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"deploy from {root} failed:\n{(completed.stdout + completed.stderr)[-3000:]}")


def api(lab: RunningLab) -> Any:
    return librouteros.connect(host=lab.address(1), username="admin", password="lab-admin", encoding="utf-8")


def wait(predicate: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} not reached within {seconds} s")
        time.sleep(0.5)


def all_up(lab: RunningLab, count: int) -> bool:
    connection = api(lab)
    try:
        rows = list(connection.path("tool", "netwatch"))
    finally:
        connection.close()
    return sum(1 for row in rows if row.get("status") == "up") >= count


def queued(lab: RunningLab) -> int:
    connection = api(lab)
    try:
        return sum(1 for row in connection.path("file") if "/queue/" in str(row.get("name", "")))
    finally:
        connection.close()


def lab_cpu_seconds(lab: RunningLab) -> float:
    assert lab.process is not None
    fields = Path(f"/proc/{lab.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_scan(name: str, root: Path, args: argparse.Namespace, scratch: Path, result: Result) -> None:
    hosts = args.hosts
    addresses = [f"10.30.{n // 250}.{n % 250 + 1}" for n in range(hosts)]
    lab = new_lab(scratch / f"scan-{name}" / "lab", routers=1, extra_args=["--telegram-limits", "off"])
    lab.start()
    try:
        for address in addresses:
            lab.ctl("host", "1", address, "up")
        deploy(lab, root, addresses, scratch / f"scan-{name}")
        wait(lambda: all_up(lab, hosts), 120, f"{name}: all {hosts} hosts up")
        # Let the scheduler's passes tell what there was to tell before measuring steady passes.
        time.sleep(15)
        connection = api(lab)
        try:
            script = connection.path("system", "script")
            # What the lab spends meanwhile on everything else (probing the hosts, the scheduler), taken off.
            idle_cpu, idle_started = lab_cpu_seconds(lab), time.monotonic()
            time.sleep(IDLE_SECONDS)
            idle_rate = (lab_cpu_seconds(lab) - idle_cpu) / (time.monotonic() - idle_started)
            cpu = lab_cpu_seconds(lab)
            started = time.monotonic()
            for _ in range(args.passes):
                tuple(script("run", number=SCAN_SCRIPT))
            wall = time.monotonic() - started
            result.scan_wall_ms = wall / args.passes * 1000
            result.scan_cpu_ms = (lab_cpu_seconds(lab) - cpu - idle_rate * wall) / args.passes * 1000
        finally:
            connection.close()
    finally:
        lab.stop()


def flap(lab: RunningLab, address: str, offset: float, args: argparse.Namespace, until: float) -> None:
    next_down = time.monotonic() + offset
    while next_down + args.down < until:
        time.sleep(max(0.0, next_down - time.monotonic()))
        lab.ctl("host", "1", address, "down")
        time.sleep(args.down)
        lab.ctl("host", "1", address, "up")
        next_down += args.period


def measure_writes(name: str, root: Path, args: argparse.Namespace, scratch: Path, result: Result) -> None:
    addresses = [f"10.31.0.{n + 1}" for n in range(args.flapping)]
    lab = new_lab(scratch / f"writes-{name}" / "lab", routers=1, extra_args=["--telegram-limits", "off"])
    lab.start()
    try:
        for address in addresses:
            lab.ctl("host", "1", address, "up")
        deploy(lab, root, addresses, scratch / f"writes-{name}")
        wait(lambda: all_up(lab, len(addresses)), 60, f"{name}: all hosts up")
        time.sleep(10)
        lab.ctl("telegram", "fault", "502")
        lab.ctl("stats", "reset")
        seconds = args.minutes * 60
        until = time.monotonic() + seconds
        flappers = [
            threading.Thread(
                target=flap,
                args=(lab, address, index * args.period / len(addresses), args, until),
            )
            for index, address in enumerate(addresses)
        ]
        for flapper in flappers:
            flapper.start()
        time.sleep(max(0.0, until - time.monotonic()))
        for flapper in flappers:
            flapper.join()
        counters = lab.ctl("stats", "1")
        stats = counters.get("1", counters) if isinstance(counters, dict) else counters
        result.writes_per_hour = float(stats["file-writes"]) * 3600 / seconds
        result.bytes_per_hour = float(stats["file-bytes-written"]) * 3600 / seconds
        result.queued = queued(lab)
        lab.ctl("telegram", "clear")
    finally:
        lab.stop()


def baseline_tree(revision: str, scratch: Path) -> Path:
    tree = scratch / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), revision],
        check=True,
        capture_output=True,
    )
    (tree / ".venv").symlink_to(ROOT / ".venv")
    return tree


def run(args: argparse.Namespace) -> list[Result]:
    results = [Result("this tree"), Result(f"release {args.revision}")]
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        baseline = baseline_tree(args.revision, scratch)
        try:
            roots = [ROOT, baseline]
            for result, root in zip(results, roots, strict=True):
                measure_scan(result.name.split()[0], root, args, scratch, result)
            writers = [
                threading.Thread(
                    target=measure_writes, args=(result.name.split()[0], root, args, scratch, result)
                )
                for result, root in zip(results, roots, strict=True)
            ]
            for writer in writers:
                writer.start()
            for writer in writers:
                writer.join()
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)],
                check=False,
                capture_output=True,
            )
    return results


def report(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"Scan pass with {args.hosts} watched hosts ({args.passes} passes); writes while Telegram answers "
        f"502 for {args.minutes} min, {args.flapping} hosts each down {args.down} s every {args.period} s, "
        "per hour."
    )
    print(
        f"{'notifier':<18} {'scan CPU ms':>12} {'scan wall ms':>13} {'writes/h':>9} {'KB/h':>8} {'queued':>7}"
    )
    for result in results:
        print(
            f"{result.name:<18} {result.scan_cpu_ms:>12.1f} {result.scan_wall_ms:>13.1f} "
            f"{result.writes_per_hour:>9.0f} {result.bytes_per_hour / 1000:>8.1f} {result.queued:>7}"
        )
    ours, baseline = results
    print(
        f"{'baseline / ours':<18} {baseline.scan_cpu_ms / ours.scan_cpu_ms:>11.1f}x {'':>13} "
        f"{baseline.writes_per_hour / ours.writes_per_hour:>8.1f}x "
        f"{baseline.bytes_per_hour / ours.bytes_per_hour:>7.1f}x"
    )
    print(f"{'goal (ours)':<18} {'':>12} {'':>13} {'':>9} {'<= 300':>8}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--hosts", type=int, default=250, help="watched hosts for the scan pass (default 250)"
    )
    parser.add_argument("--passes", type=int, default=10, help="scan passes measured (default 10)")
    parser.add_argument("--flapping", type=int, default=20, help="flapping hosts (default 20)")
    parser.add_argument("--minutes", type=float, default=6, help="length of the outage measured (default 6)")
    parser.add_argument(
        "--period", type=float, default=180, help="seconds between a host's outages (default 180)"
    )
    parser.add_argument("--down", type=float, default=20, help="seconds each outage lasts (default 20)")
    parser.add_argument(
        "--revision", default=BASELINE_REVISION, help="the baseline release (default fa71800)"
    )
    args = parser.parse_args()
    report(run(args), args)


if __name__ == "__main__":
    main()

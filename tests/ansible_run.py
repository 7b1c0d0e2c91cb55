"""Run ansible-playbook against a running lab and read its recap, for the playbook tests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class PlayResult:
    returncode: int
    output: str

    def recap(self, host: str) -> dict[str, int]:
        match = re.search(rf"^{re.escape(host)}\s*:\s*(.*)$", self.output, re.MULTILINE)
        if match is None:
            raise AssertionError(f"no recap line for {host}:\n{self.output[-3000:]}")
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def write_inventory(path: Path, hosts: dict[str, dict[str, object]], group: str = "lab") -> Path:
    path.write_text(json.dumps({group: {"hosts": hosts}}, indent=1))
    return path


def run_playbook(
    playbook: Path, inventory: Path, *extra: str, env: dict[str, str] | None = None
) -> PlayResult:
    environment = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **(env or {}),
    }
    completed = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), *extra],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=False,
    )
    return PlayResult(completed.returncode, completed.stdout + completed.stderr)


def run_playbook_json(playbook: Path, inventory: Path, *extra: str) -> dict[str, Any]:
    """ansible-playbook's JSON report (the ansible.builtin.json callback) with its return code as `rc`."""
    environment = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    completed = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), *extra],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"no JSON report:\n{completed.stdout}\n{completed.stderr}") from None
    report["rc"] = completed.returncode
    return report

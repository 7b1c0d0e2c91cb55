"""docs/operator-guide.md, run as an operator would: every command of its ```sh blocks, in order, each one
succeeding, against a lab of four routers and its fake Telegram, in a copy of the repository.

What an operator does outside a command (editing the inventory, clicking in Telegram) is marked in the guide
by an `<!-- lab: NAME -->` comment where it happens; the test does it there (the functions in STEPS), and
checks the outcome at the marks that follow a run. The adaptations to the lab, all made by the test:

- the copy of the repository stands for the clone (`git init` so that `git add` has a repository); its pin
  files are dated like the shared `.venv`'s install stamp, so `make setup` finds nothing to do;
- the example's router addresses (192.168.1N.1) are the lab's routers, in the inventory and in the commands;
  the routers' SSH command line is the lab's port (2222), not 22; HOME is a temporary folder, so
  `ssh-keyscan` writes a known_hosts of its own, which the backup's host key check then reads;
- the controller reaches the routers from loopback, so each branch's management network is 127.0.0.0/8;
- `ansible-vault create` gets an EDITOR that writes the lab's secrets (its routers' admin password, the fake
  Telegram's token);
- what the operator does in Telegram (adding the bot to the group, pressing Start) is the lab's
  `ctl telegram join` for the example's two chats; the controller reaches the fake Telegram at its port
  (`chats_api_url`), the routers as api.telegram.org;
- the probes start at once (`routeros_netwatch_startup_delay: 0s`), as the lab's routers have just booted.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_run import ROOT, PlayResult

from lab.testing import RunningLab, new_lab

GUIDE = ROOT / "docs" / "operator-guide.md"
SITE = "koperasi"
BRANCHES = ("koperasi-bogor", "koperasi-depok", "koperasi-bekasi")
ADDED = "koperasi-cibinong"
# The example's management addresses, router by router (the guide's fourth is the router it adds).
EXAMPLE_ADDRESSES = ("192.168.11.1", "192.168.12.1", "192.168.13.1", "192.168.14.1")
GROUP = "-1001234567890"
PRIVATE = "123456789"
LAB_SSH_PORT = "2222"
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".ansible", ".lab", "backups", "reports", "pinned", "state"
)
PIN_FILES = ("requirements.txt", "requirements-dev.txt", "constraints.txt", "requirements.yml")


def guide_steps() -> list[tuple[str, str]]:
    """The guide's commands and marks, in order: ("command", line) or ("mark", name)."""
    text = GUIDE.read_text(encoding="utf-8")
    steps: list[tuple[str, str]] = []
    for match in re.finditer(r"```sh\n(.*?)```|<!-- lab: ([a-z-]+) -->", text, re.DOTALL):
        if match.group(2):
            steps.append(("mark", match.group(2)))
            continue
        for raw in match.group(1).splitlines():
            line = raw.strip()
            if line and not line.startswith("#"):
                steps.append(("command", line))
    return steps


@dataclass
class Operator:
    """The repository copy, the lab, and what the runs said."""

    lab: RunningLab
    repo: Path
    home: Path
    environment: dict[str, str]
    runs: list[PlayResult] = field(default_factory=list)
    # The fourth router's identity and clock before the toolkit configured it.
    factory: dict[str, str] = field(default_factory=dict)

    @property
    def site(self) -> Path:
        return self.repo / "inventory" / SITE

    def adapt(self, command: str) -> str:
        command = command.replace("<site>", SITE).replace(
            "ssh-keyscan -p 22 ", f"ssh-keyscan -p {LAB_SSH_PORT} "
        )
        for index, address in enumerate(EXAMPLE_ADDRESSES, start=1):
            command = re.sub(rf"\b{re.escape(address)}\b", self.lab.address(index), command)
        return command

    def run(self, command: str) -> PlayResult:
        # A terminal, as the operator has: ansible-vault opens an editor only on one.
        started = time.monotonic()
        terminal, end = os.openpty()
        process = subprocess.Popen(
            ["bash", "-c", self.adapt(command)],
            stdin=end,
            stdout=end,
            stderr=end,
            cwd=self.repo,
            env=self.environment,
        )
        os.close(end)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(terminal)
        output = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
        result = PlayResult(process.wait(timeout=600), output)
        print(f"{time.monotonic() - started:6.1f} s  {command}")
        assert result.returncode == 0, f"{command}\n{result.output[-6000:]}"
        self.runs.append(result)
        return result

    def host_vars(self, host: str) -> dict[str, Any]:
        return dict(yaml.safe_load((self.site / "host_vars" / f"{host}.yml").read_text()))

    def write_host_vars(self, host: str, values: dict[str, Any]) -> None:
        (self.site / "host_vars" / f"{host}.yml").write_text(yaml.safe_dump(values, allow_unicode=True))

    def rows(self, router: int, path: str) -> list[dict[str, str]]:
        found = self.lab.ctl("dump", str(router))[path]
        return [found] if isinstance(found, dict) else list(found)

    def identity(self, router: int) -> str:
        return self.rows(router, "system/identity")[0]["name"]

    def watched(self, router: int) -> set[str]:
        return {row["host"] for row in self.rows(router, "tool/netwatch")}


def _lab_secrets() -> str:
    lab = ROOT / "inventory" / "lab"
    password = (lab / "vault-password.txt").read_text().strip().encode()
    vault = VaultLib([("lab", VaultSecret(password))])
    secrets = yaml.safe_load(vault.decrypt((lab / "group_vars" / "routeros" / "vault.yml").read_bytes()))
    wanted = (
        "vault_routeros_api_password",
        "vault_routeros_api_bootstrap_password",
        "vault_routeros_telegram_token",
    )
    return yaml.safe_dump({name: secrets[name] for name in wanted})


def _copy_repository(target: Path) -> Path:
    repo = target / "netwatch-telegram"
    shutil.copytree(ROOT, repo, ignore=NOT_COPIED, symlinks=True)
    (repo / ".venv").symlink_to((ROOT / ".venv").resolve())
    stamp = (ROOT / ".venv" / ".installed").stat().st_mtime
    for name in PIN_FILES:
        os.utime(repo / name, (stamp - 60, stamp - 60))
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


@pytest.fixture(scope="module")
def operator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    if not (ROOT / ".venv" / ".installed").is_file():
        pytest.skip("needs `make setup` (the .venv the copy shares)")
    lab = new_lab(tmp_path_factory.mktemp("lab"), routers=len(EXAMPLE_ADDRESSES))
    lab.start()
    try:
        work = tmp_path_factory.mktemp("operator")
        home = work / "home"
        home.mkdir()
        editor = work / "editor.sh"
        secrets = work / "secrets.yml"
        secrets.write_text(_lab_secrets())
        editor.write_text(f'#!/bin/sh\ncat {shlex.quote(str(secrets))} > "$1"\n')
        editor.chmod(0o700)
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "VAULT_"))},
            "HOME": str(home),
            "EDITOR": str(editor),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
        }
        yield Operator(lab=lab, repo=_copy_repository(work), home=home, environment=environment)
    finally:
        lab.stop()


def inventory(op: Operator) -> None:
    """The operator's edits, for the lab: router addresses, management from loopback, SSH port, Telegram."""
    for index, host in enumerate(BRANCHES, start=1):
        values = op.host_vars(host)
        values["ansible_host"] = op.lab.address(index)
        values["koperasi_management_prefix"] = "127.0.0.0/8"
        op.write_host_vars(host, values)
    connection = op.site / "group_vars" / "routeros" / "connection.yml"
    values = yaml.safe_load(connection.read_text())
    values["routeros_backup_ssh_port"] = int(LAB_SSH_PORT)
    connection.write_text(yaml.safe_dump(values))
    lab_only = {
        "chats_api_url": f"http://127.0.0.1:{op.lab.telegram_port}",
        "routeros_netwatch_startup_delay": "0s",
    }
    (op.site / "group_vars" / "routeros" / "lab.yml").write_text(yaml.safe_dump(lab_only))


def telegram(op: Operator) -> None:
    """The bot added to the operators' supergroup, and Start pressed in the private chat."""
    op.lab.ctl("telegram", "join", f"{GROUP}=Koperasi NOC")
    op.lab.ctl("telegram", "join", PRIVATE)


def converged(op: Operator) -> None:
    """The check run failed nowhere; the real one gave each branch its identity and its own hosts."""
    check, applied = op.runs[-2:]
    for router, host in enumerate(BRANCHES, start=1):
        assert check.recap(host)["failed"] == 0 and applied.recap(host)["changed"] > 0
        assert op.identity(router) == host
        assert {h["address"] for h in op.host_vars(host)["koperasi_branch_hosts"]} <= op.watched(router)
    assert sorted(path.name for path in (op.site / "pinned").iterdir()) == [
        f"{h}.pem" for h in sorted(BRANCHES)
    ]


def verified(op: Operator) -> None:
    """verify.yml's test alerts went to the private chat only; the branches' own hosts (which never answer in
    the lab) brought real DOWN alerts to the group, each naming its router."""
    tests = [m["text"] for m in op.lab.ctl("telegram", "messages", PRIVATE)]
    assert tests and all("koperasi-" in text for text in tests)
    deadline = time.monotonic() + 60
    told: set[str] = set()
    while time.monotonic() < deadline and told != set(BRANCHES):
        texts = [m["text"] for m in op.lab.ctl("telegram", "messages", GROUP)]
        told = {host for host in BRANCHES if any(host in t and "DOWN" in t for t in texts)}
        time.sleep(1)
    assert told == set(BRANCHES)


def add_router(op: Operator) -> None:
    """The copied host_vars file made the fourth router's, and its hosts.yml line."""
    values = op.host_vars(ADDED)
    values["ansible_host"] = op.lab.address(4)
    values["koperasi_management_prefix"] = "127.0.0.0/8"
    op.write_host_vars(ADDED, values)
    hosts = yaml.safe_load((op.site / "hosts.yml").read_text())
    hosts["routeros"]["children"]["koperasi"]["hosts"][ADDED] = None
    (op.site / "hosts.yml").write_text(yaml.safe_dump(hosts))
    op.factory["identity"] = op.identity(4)
    op.factory["time-zone-name"] = op.rows(4, "system/clock")[0]["time-zone-name"]
    op.lab.ctl("stats", "reset")


def router_added(op: Operator) -> None:
    """Only the new router changed; the others were read, never written. The pins now in the inventory's
    folder are no inventory source Ansible fails to parse."""
    done = op.runs[-1]
    assert "Failed to parse" not in done.output
    assert [done.recap(host)["changed"] for host in BRANCHES] == [0, 0, 0]
    assert done.recap(ADDED)["changed"] > 0 and op.identity(4) == ADDED
    for router in range(1, len(BRANCHES) + 1):
        commands = op.lab.ctl("stats", str(router))[str(router)]["commands"]
        assert [c for c in commands if not c.endswith("/print") and c != "/login"] == [], commands


NEW_HOST = {"name": "Printer kasir", "address": "192.168.21.30", "comment": "ruang kasir"}


def add_host(op: Operator) -> None:
    values = op.host_vars(BRANCHES[0])
    values["koperasi_branch_hosts"].append(NEW_HOST)
    op.write_host_vars(BRANCHES[0], values)


def host_added(op: Operator) -> None:
    check, applied = op.runs[-2:]
    assert NEW_HOST["address"] not in op.watched(2)
    assert NEW_HOST["address"] in op.watched(1)
    assert [applied.recap(host)["changed"] for host in (*BRANCHES[1:], ADDED)] == [0, 0, 0]
    assert check.recap(BRANCHES[0])["changed"] > 0 and applied.recap(BRANCHES[0])["changed"] > 0


def restored(op: Operator) -> None:
    """The added router is back as it was before the toolkit configured it: its identity, its clock's zone, no
    probe."""
    assert op.identity(4) == op.factory["identity"] != ADDED, op.runs[-1].output[-3000:]
    assert op.rows(4, "system/clock")[0]["time-zone-name"] == op.factory["time-zone-name"]
    assert op.watched(4) == set()


# What remove.yml keeps without `-e remove_access=true`: the toolkit's user, its group and certificate.
ACCESS = ("user", "user/group", "certificate")


def removed(op: Operator) -> None:
    """Nothing with the toolkit's marker is left on any router but its access, and the probes are gone."""
    for router in range(1, len(EXAMPLE_ADDRESSES) + 1):
        assert op.watched(router) == set()
        dump = op.lab.ctl("dump", str(router))
        marked = [
            (path, row)
            for path, found in dump.items()
            if path not in ACCESS
            for row in ([found] if isinstance(found, dict) else found)
            if str(row.get("comment", "")).startswith("[ansible]")
        ]
        assert marked == []
        assert [path for path in ACCESS if any("[ansible]" in str(row) for row in dump.get(path, []))]


STEPS: dict[str, Callable[[Operator], None]] = {
    "inventory": inventory,
    "telegram": telegram,
    "converged": converged,
    "verified": verified,
    "add-router": add_router,
    "router-added": router_added,
    "add-host": add_host,
    "host-added": host_added,
    "restored": restored,
    "removed": removed,
}


def test_the_guide_names_only_steps_the_test_knows():
    marks = [name for kind, name in guide_steps() if kind == "mark"]
    assert sorted(marks) == sorted(STEPS), marks
    commands = [line for kind, line in guide_steps() if kind == "command"]
    assert any(line.startswith("make site") for line in commands)


def test_every_command_of_the_guide_succeeds_against_the_lab(operator: Operator):
    for kind, value in guide_steps():
        if kind == "command":
            operator.run(value)
        else:
            STEPS[value](operator)

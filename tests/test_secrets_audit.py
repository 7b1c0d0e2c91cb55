"""Secrets audit: with the lab inventory's secrets, `site.yml` and `verify.yml` at -vvvv print none of them,
and no file they write holds one (backups, exports, reports, Ansible's own home and temporary files, anything
they leave in the repository).

The secrets are every text in the lab inventory's vault and the passwords the inventory's connection settings
name, whatever they are: a secret added to the vault later is audited without touching this test. A hit names
the secret by where it comes from, never by its value.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from ansible.constants import DEFAULT_VAULT_ID_MATCH
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_run import ROOT, run_playbook

from lab.testing import new_lab

INVENTORY = ROOT / "inventory" / "lab"
# Written by the tools, not by the playbooks: never holds what a play printed or stored.
SKIPPED_IN_ROOT = {".git", ".venv", ".pytest_cache", ".mypy_cache", ".ruff_cache", "__pycache__"}
# Shorter texts (a port, `true`) are settings, not secrets, and would match by chance.
SHORTEST_SECRET = 6


def _texts(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{where}[{index}]")
    elif isinstance(value, str) and len(value) >= SHORTEST_SECRET and "{{" not in value:
        yield where, value


def lab_secrets() -> dict[str, str]:
    """{where it comes from: the secret}: every text of every vault file of the lab inventory, and every
    plain-text password setting."""
    password = (INVENTORY / "vault-password.txt").read_text().strip().encode()
    vault = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(password))])
    found: dict[str, str] = {}
    for path in sorted(INVENTORY.rglob("*.yml")):
        raw = path.read_bytes()
        name = str(path.relative_to(ROOT))
        if raw.lstrip().startswith(b"$ANSIBLE_VAULT"):
            found.update(_texts(yaml.safe_load(vault.decrypt(raw)), name))
            continue
        for key, value in (yaml.safe_load(raw) or {}).items():
            if "password" in key or "token" in key:
                found.update(_texts(value, f"{name}:{key}"))
    return found


def _written_since(root: Path, started: float) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name not in SKIPPED_IN_ROOT]
        for name in files:
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime >= started:
                yield path


def test_the_lab_inventory_has_the_secrets_the_audit_needs() -> None:
    """The audit below is only worth something if it looks for the API password and the bot token."""
    secrets = lab_secrets()
    assert any("telegram_token" in where for where in secrets), sorted(secrets)
    assert any("password" in where for where in secrets), sorted(secrets)


def test_no_secret_in_any_output_or_written_file(tmp_path: Path) -> None:
    secrets = lab_secrets()
    lab = new_lab(tmp_path / "lab", routers=1)
    lab.start()
    try:
        lab.ctl("host", "all", "10.10.10.10", "up")
        lab.ctl("host", "all", "192.168.88.2", "up")
        inventory = tmp_path / "inventory"
        inventory.mkdir()
        (inventory / "group_vars").symlink_to(INVENTORY / "group_vars")
        hosts = {"lab-r1": {"ansible_host": lab.address(1)}}
        (inventory / "hosts.yml").write_text(yaml.safe_dump({"routeros": {"hosts": hosts}}))
        written = tmp_path / "written"
        settings = tmp_path / "settings.yml"
        settings.write_text(
            yaml.safe_dump(
                {
                    "verify_lab_inbox": f"http://127.0.0.1:{lab.telegram_port}/lab/messages",
                    "routeros_backup_dir": str(written / "backups"),
                    "verify_reports_dir": str(written / "reports"),
                }
            )
        )
        environment = {
            "ANSIBLE_HOME": str(written / "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": str(written / "ansible-tmp"),
        }
        started = time.time() - 1
        printed = []
        for playbook in ("site.yml", "playbooks/verify.yml"):
            result = run_playbook(ROOT / playbook, inventory, "-vvvv", "-e", f"@{settings}", env=environment)
            assert result.returncode == 0, result.output[-3000:]
            printed.append((playbook, result.output))
    finally:
        lab.stop()

    assert (written / "backups").is_dir(), "the first run should have backed up before changing the router"
    files = [*_written_since(written, 0), *_written_since(ROOT, started)]
    hits = [
        f"{playbook} printed {where}"
        for playbook, output in printed
        for where, secret in secrets.items()
        if secret in output
    ]
    for path in files:
        content = path.read_bytes()
        hits += [f"{path} holds {where}" for where, secret in secrets.items() if secret.encode() in content]
    assert not hits, "\n".join(hits)

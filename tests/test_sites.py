"""The worked multi-router example (inventory/example: a site's group_vars, a host_vars file per router, its
own vault) run through `make site`'s wrapper against a lab: three branch routers converge, each with its own
identity, addresses and watched hosts; a fourth router added by one hosts.yml line and one host_vars file is
the only one a rerun touches; with the bootstrap password removed from the vault, routers already set up keep
working and a router that still needs its first contact stops, naming the variable.

Only the lab's own facts replace the example's: router addresses, the toolkit-wide connection settings of the
lab inventory (its CA, SSH port), the fake Telegram's chats and API-SSL reachable from loopback. The tests
share one lab and run in file order, each starting from the state the previous one left.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_run import ROOT, PlayResult

from lab.testing import RunningLab, new_lab

SITE_SCRIPT = ROOT / "scripts" / "site.py"
EXAMPLE = ROOT / "inventory" / "example"
LAB = ROOT / "inventory" / "lab"
BRANCHES = ("koperasi-bogor", "koperasi-depok", "koperasi-bekasi")
# Routers added later by an inventory edit, as the example's README says: a hosts.yml line, a host_vars file.
ADDED = ("koperasi-cibinong", "koperasi-cianjur")
SITE_PASSWORD = "a-site-password-of-its-own"
# The fake Telegram's group chat, which inventory/lab's chats start with.
CHAT = "-4000000001"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("lab"), routers=len(BRANCHES) + len(ADDED))
    running.start()
    yield running
    running.stop()


def _vault(secrets: dict[str, Any], password: str) -> bytes:
    vault = VaultLib([("site", VaultSecret(password.encode()))])
    return vault.encrypt(yaml.safe_dump(secrets), VaultSecret(password.encode()), vault_id="site")


def _lab_secrets() -> dict[str, Any]:
    password = (LAB / "vault-password.txt").read_text().strip().encode()
    vault = VaultLib([("lab", VaultSecret(password))])
    return dict(yaml.safe_load(vault.decrypt((LAB / "group_vars" / "routeros" / "vault.yml").read_bytes())))


def _host_vars(site: Path, host: str, address: str, template: str = "koperasi-bekasi") -> None:
    model = yaml.safe_load((EXAMPLE / "host_vars" / f"{template}.yml").read_text())
    (site / "host_vars" / f"{host}.yml").write_text(yaml.safe_dump({**model, "ansible_host": address}))


def _add_host(site: Path, host: str) -> None:
    hosts = yaml.safe_load((site / "hosts.yml").read_text())
    hosts["routeros"]["children"]["koperasi"]["hosts"][host] = None
    (site / "hosts.yml").write_text(yaml.safe_dump(hosts))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, lab: RunningLab) -> Path:
    """inventory/example as an operator copies it, with its own vault password, pointed at the lab."""
    site = tmp_path_factory.mktemp("inventory") / "koperasi"
    shutil.copytree(EXAMPLE, site, ignore=shutil.ignore_patterns("pinned"))
    for index, host in enumerate(BRANCHES, start=1):
        model = yaml.safe_load((site / "host_vars" / f"{host}.yml").read_text())
        model["ansible_host"] = lab.address(index)
        (site / "host_vars" / f"{host}.yml").write_text(yaml.safe_dump(model, allow_unicode=True))
    connection = site / "group_vars" / "routeros"
    for name in ("connection.yml", "api-ca.crt"):
        shutil.copy(LAB / "group_vars" / "routeros" / name, connection / name)
    (connection / "vault.yml").write_bytes(_vault(_lab_secrets(), SITE_PASSWORD))
    (site / "vault-password.txt").write_text(SITE_PASSWORD + "\n")
    lab_alerting = yaml.safe_load((LAB / "group_vars" / "routeros" / "alerting.yml").read_text())
    extra = {
        "routeros_telegram_chats": lab_alerting["routeros_telegram_chats"],
        "routeros_netwatch_startup_delay": "0s",
        # The controller reaches the lab from loopback, not from a branch's management network.
        "koperasi_management_prefix": "127.0.0.0/8",
        "routeros_backup_dir": str(site.parent / "backups"),
    }
    (site.parent / "lab.yml").write_text(yaml.safe_dump(extra))
    return site


def make_site(site: Path, *args: str, password_file: Path | None = None) -> PlayResult:
    """What `make site INVENTORY=<site> ARGS=...` runs (the Makefile's recipe, without make's setup)."""
    environment = {**os.environ, "INVENTORY": str(site), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}
    environment.pop("VAULT_PASSWORD_FILE", None)
    if password_file is not None:
        environment["VAULT_PASSWORD_FILE"] = str(password_file)
    done = subprocess.run(
        [sys.executable, str(SITE_SCRIPT), *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=False,
        timeout=600,
    )
    return PlayResult(done.returncode, done.stdout + done.stderr)


def run(site: Path) -> PlayResult:
    return make_site(site, "-e", f"@{site.parent / 'lab.yml'}")


def rows(lab: RunningLab, router: int, path: str) -> list[dict[str, str]]:
    found = lab.ctl("dump", str(router))[path]
    return [found] if isinstance(found, dict) else list(found)


def _expected_hosts(host: str) -> set[str]:
    model = yaml.safe_load((EXAMPLE / "host_vars" / f"{host}.yml").read_text())
    site = yaml.safe_load((EXAMPLE / "group_vars" / "koperasi" / "alerting.yml").read_text())
    return {h["address"] for h in site["koperasi_internet_hosts"] + model["koperasi_branch_hosts"]}


def _assert_router_is(lab: RunningLab, router: int, host: str, template: str | None = None) -> None:
    model = yaml.safe_load((EXAMPLE / "host_vars" / f"{template or host}.yml").read_text())
    assert rows(lab, router, "system/identity")[0]["name"] == host
    addresses = {row["address"] for row in rows(lab, router, "ip/address") if row.get("dynamic") != "true"}
    assert {entry["address"] for entry in model["routeros_addresses_entries"]} <= addresses
    watched = {row["host"] for row in rows(lab, router, "tool/netwatch")}
    assert watched == _expected_hosts(template or host)


def test_the_wrapper_refuses_a_published_vault_password(site: Path, tmp_path: Path):
    """A site whose vault password is the lab's (or the example's) published one is refused before any run,
    as is the lab inventory itself; the lab's password is never offered to a site's run."""
    published = tmp_path / "published.txt"
    shutil.copy(LAB / "vault-password.txt", published)
    refused = make_site(site, password_file=published)
    assert refused.returncode == 2
    assert "the vault password is the repository's published EXAMPLE password" in refused.output
    assert "PLAY" not in refused.output
    lab_inventory = make_site(LAB)
    assert lab_inventory.returncode == 2 and "is the lab, not a site" in lab_inventory.output
    line, environment = _wrapper().command(str(site), [], {})
    assert environment["ANSIBLE_VAULT_IDENTITY_LIST"] == f"site@{(site / 'vault-password.txt').resolve()}"
    assert line[-1].endswith("site.yml")


def test_ansible_vault_in_the_repository_encrypts_with_no_published_password(tmp_path: Path):
    """ansible.cfg offers the lab's password to decrypt only: `ansible-vault encrypt` (or create) with no
    vault id of its own stops and leaves the file as it was; with `--vault-id site@...` it uses that
    password."""
    secret = tmp_path / "vault.yml"
    secret.write_text("vault_routeros_api_password: not-yet-encrypted\n")
    vault = [str(Path(sys.executable).parent / "ansible-vault"), "encrypt", str(secret)]
    environment = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")}
    refused = subprocess.run(vault, cwd=ROOT, env=environment, capture_output=True, text=True, check=False)
    assert refused.returncode != 0
    assert "Did not find a match for --encrypt-vault-id=site" in refused.stderr
    assert secret.read_text() == "vault_routeros_api_password: not-yet-encrypted\n"
    password = tmp_path / "site-password.txt"
    password.write_text(SITE_PASSWORD)
    done = subprocess.run(
        [*vault, "--vault-id", f"site@{password}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert secret.read_text().startswith("$ANSIBLE_VAULT;1.2;AES256;site\n")
    decrypted = VaultLib([("site", VaultSecret(SITE_PASSWORD.encode()))]).decrypt(secret.read_bytes())
    assert decrypted == b"vault_routeros_api_password: not-yet-encrypted\n"


def _wrapper() -> Any:
    spec = importlib.util.spec_from_file_location("site_wrapper", SITE_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_three_branches_converge_each_with_its_own_identity_and_hosts(lab: RunningLab, site: Path):
    first = run(site)
    assert first.returncode == 0, first.output[-5000:]
    for router, host in enumerate(BRANCHES, start=1):
        assert first.recap(host)["changed"] > 0
        _assert_router_is(lab, router, host)
    again = run(site)
    assert again.returncode == 0, again.output[-5000:]
    assert [again.recap(host)["changed"] for host in BRANCHES] == [0, 0, 0]


def test_the_branches_keep_the_sites_clock_and_their_alerts_show_its_zone(lab: RunningLab, site: Path):
    """The site's NTP servers and time zone (group_vars/koperasi) on every branch, and a DOWN alert (the
    branch's own hosts never answer in the lab) that names the zone its time is in."""
    for router in range(1, len(BRANCHES) + 1):
        [clock] = rows(lab, router, "system/clock")
        assert (clock["time-zone-name"], clock["time-zone-autodetect"]) == ("Asia/Jakarta", "false")
        assert clock["gmt-offset"] == "+07:00"
        [ntp] = rows(lab, router, "system/ntp/client")
        assert (ntp["enabled"], ntp["servers"]) == ("true", "0.id.pool.ntp.org,1.id.pool.ntp.org")
    deadline = time.monotonic() + 60
    texts: list[str] = []
    while time.monotonic() < deadline and not any("koperasi-bogor" in text for text in texts):
        time.sleep(1)
        texts = [message["text"] for message in lab.ctl("telegram", "messages", CHAT)]
    [alert] = [text for text in texts if "koperasi-bogor" in text][:1]
    assert re.search(r"\n🕒 Tanggal \d{4}-\d\d-\d\d jam \d\d:\d\d:\d\d \(Asia/Jakarta\)", alert), alert


def test_a_fourth_router_is_one_hosts_line_and_one_host_vars_file(lab: RunningLab, site: Path):
    """The rerun configures the new router and touches none of the others."""
    lab.ctl("stats", "reset")
    added = ADDED[0]
    _host_vars(site, added, lab.address(len(BRANCHES) + 1))
    _add_host(site, added)
    done = run(site)
    assert done.returncode == 0, done.output[-5000:]
    assert [done.recap(host)["changed"] for host in BRANCHES] == [0, 0, 0]
    assert done.recap(added)["changed"] > 0
    _assert_router_is(lab, len(BRANCHES) + 1, added, template="koperasi-bekasi")
    for router in range(1, len(BRANCHES) + 1):
        commands = lab.ctl("stats", str(router))[str(router)]["commands"]
        assert [c for c in commands if not c.endswith("/print") and c != "/login"] == [], commands


def test_without_the_bootstrap_password_set_up_routers_work_and_a_new_one_is_told_what_is_missing(
    lab: RunningLab, site: Path
):
    """The README says to drop the bootstrap password from the vault once the routers are set up: reruns then
    work (nothing to change), and a router still needing its first contact fails naming the variable."""
    secrets = _lab_secrets()
    del secrets["vault_routeros_api_bootstrap_password"]
    (site / "group_vars" / "routeros" / "vault.yml").write_bytes(_vault(secrets, SITE_PASSWORD))
    fresh = ADDED[1]
    _host_vars(site, fresh, lab.address(len(BRANCHES) + 2))
    _add_host(site, fresh)
    done = run(site)
    assert done.returncode != 0
    assert [done.recap(host)["changed"] for host in (*BRANCHES, ADDED[0])] == [0, 0, 0, 0]
    assert [done.recap(host)["failed"] for host in (*BRANCHES, ADDED[0])] == [0, 0, 0, 0]
    assert done.recap(fresh)["failed"] == 1
    assert "routeros_api_bootstrap_password is empty" in done.output
    assert "is undefined" not in done.output

"""Secure access by default, against a fresh two-router lab (admin only, no certificate): one `site.yml` run
ends with the toolkit's least-privilege user and an api-ssl certificate the controller verifies; a rerun logs
in only as that user over API-SSL and changes nothing; trust on first use pins the router's own CA, and a
wrong pin fails the run with a message about the certificate before any login; a group missing a policy the
toolkit needs makes the run fail with the router's own refusal.

The tests share one lab and run in file order, each starting from the state the previous one left.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import ssl
import sys
from pathlib import Path
from typing import Any

import librouteros
import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_run import ROOT, PlayResult, run_playbook

from lab.testing import RunningLab

sys.path.insert(0, str(ROOT / "filter_plugins"))

import routeros_users as users

LAB_CA = ROOT / "inventory" / "lab" / "group_vars" / "routeros" / "api-ca.crt"
ACCESS_ONLY = ROOT / "tests" / "playbooks" / "access_only.yml"
# The toolkit's policies (roles/routeros_users/vars/main.yml), as the router lists them.
TOOLKIT_POLICY = {"api", "read", "write", "test", "ftp", "ssh"}


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory, lab: RunningLab) -> Path:
    """A copy of inventory/lab (its secure defaults unchanged) pointing at this module's fresh lab."""
    target = tmp_path_factory.mktemp("inventory") / "lab"
    shutil.copytree(ROOT / "inventory" / "lab", target)
    hosts = {"routeros": {"hosts": {f"lab-r{i}": {"ansible_host": lab.address(i)} for i in (1, 2)}}}
    (target / "hosts.yml").write_text(yaml.safe_dump(hosts))
    # The end state a real site wants: plain `api` off once API-SSL works (inventory/example does the same).
    baseline = target / "group_vars" / "routeros" / "baseline.yml"
    model = yaml.safe_load(baseline.read_text())
    model["routeros_api_service_services"] = [
        {**service, "disabled": True} if service["name"] == "api" else service
        for service in model["routeros_api_service_services"]
    ]
    baseline.write_text(yaml.safe_dump(model, allow_unicode=True))
    return target


def play(inventory: Path, playbook: Path, *extra: str) -> PlayResult:
    return run_playbook(
        playbook, inventory, "-e", f"routeros_backup_dir={inventory.parent / 'backups'}", *extra
    )


def admin(lab: RunningLab, router: int) -> Any:
    """The factory user, for the test to look (API-SSL, no certificate check: plain `api` is off)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return librouteros.connect(
        host=lab.address(router),
        username="admin",
        password="lab-admin",
        port=8729,
        ssl_wrapper=context.wrap_socket,
    )


def logins(lab: RunningLab, router: int) -> list[str]:
    api = admin(lab, router)
    messages = [
        str(row.get("message", "")) for row in api.path("log") if "logged in" in str(row.get("message"))
    ]
    api.close()
    return messages


def presented_verifies(address: str, ca: Path) -> bool:
    context = ssl.create_default_context(cafile=str(ca))
    try:
        with (
            socket.create_connection((address, 8729), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=address),
        ):
            return True
    except ssl.SSLError:
        return False


def test_fresh_router_reaches_the_secure_end_state_in_one_run(lab: RunningLab, inventory: Path):
    """From admin only and no certificate: the toolkit's group with exactly its policies and its user,
    api-ssl serving a certificate for the router's address from the inventory's CA, plain `api` off, the
    baseline applied, and the notifier's scripts and schedule owned by the toolkit's user, so they run with
    its policies (tests/test_verify.py proves they deliver)."""
    done = play(inventory, ROOT / "site.yml")
    assert done.returncode == 0, done.output[-4000:]
    for router in (1, 2):
        api = admin(lab, router)
        [group] = [row for row in api.path("user", "group") if row["name"] == "ansible-automation"]
        [user] = [row for row in api.path("user") if row["name"] == "ansible"]
        services = {row["name"]: row for row in api.path("ip", "service") if not row.get("dynamic")}
        identity = next(iter(api.path("system", "identity")))["name"]
        owners = {
            str(row["owner"])
            for menu in (("system", "script"), ("system", "scheduler"))
            for row in api.path(*menu)
            if str(row.get("name", "")).startswith("netwatch-telegram")
        }
        api.close()
        assert owners == {"ansible"}, owners
        assert {p for p in str(group["policy"]).split(",") if not p.startswith("!")} == TOOLKIT_POLICY
        assert user["group"] == "ansible-automation" and str(user["comment"]).startswith("[ansible]")
        assert services["api-ssl"]["certificate"] == "api-ssl"
        assert services["api"]["address"] == "127.0.0.0/8,192.168.10.0/24", (
            "plain api limited by the baseline"
        )
        assert identity == f"lab-r{router}"
        assert presented_verifies(lab.address(router), LAB_CA), "api-ssl shows a certificate for its address"


def test_rerun_logs_in_only_as_the_toolkit_user_over_api_ssl_and_changes_nothing(
    lab: RunningLab, inventory: Path
):
    """Plain `api` is off, so every login of the rerun went over API-SSL; the log names who logged in."""
    before = {router: len(logins(lab, router)) for router in (1, 2)}
    lab.ctl("stats", "reset")
    again = play(inventory, ROOT / "site.yml")
    assert again.returncode == 0, again.output[-4000:]
    assert again.recap("lab-r1")["changed"] == 0 and again.recap("lab-r2")["changed"] == 0
    stats = lab.ctl("stats", "all")
    for router in (1, 2):
        assert stats[str(router)]["login-failures"] == 0
        new = logins(lab, router)[before[router] :]
        # The last one is this check's own admin login.
        assert new[:-1] and all("user ansible " in message for message in new[:-1]), new


def test_trust_on_first_use_pins_the_routers_own_ca(lab: RunningLab, inventory: Path):
    """Mode tofu with nothing pinned: the router makes its CA, the controller pins its certificate, api-ssl
    then verifies against the pin only, and no key or exported file is left in /file."""
    done = play(
        inventory,
        ACCESS_ONLY,
        "--limit",
        "lab-r2",
        "-e",
        "routeros_certificate_mode=tofu",
        "-e",
        f"routeros_api_ca_path={inventory}/pinned/lab-r2.pem",
    )
    assert done.returncode == 0, done.output[-4000:]
    pinned = inventory / "pinned" / "lab-r2.pem"
    assert pinned.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert presented_verifies(lab.address(2), pinned), "api-ssl now shows a certificate from the pinned CA"
    assert not presented_verifies(lab.address(2), LAB_CA)
    api = admin(lab, 2)
    names = {row["name"] for row in api.path("certificate")}
    files = [row["name"] for row in api.path("file")]
    api.close()
    assert {"api-ssl", "api-ssl-ca"} <= names
    assert not [name for name in files if name.endswith((".key", ".crt"))], "no key or export left in /file"


def verifies_as(address: str, ca: Path, name: str) -> bool:
    """Whether what api-ssl at `address` presents verifies against `ca` for the name or IP `name`, as the
    controller checks it when it manages the router at `name`."""
    context = ssl.create_default_context(cafile=str(ca))
    try:
        with (
            socket.create_connection((address, 8729), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=name),
        ):
            return True
    except ssl.SSLCertVerificationError:
        return False


@pytest.mark.parametrize(("router", "mode"), [(1, "ca"), (2, "tofu")])
def test_addresses_listed_later_are_named_by_the_certificate_on_the_next_run(
    lab: RunningLab, inventory: Path, router: int, mode: str
):
    """routeros_certificate_addresses (a VPN address, a DNS name) added after the first contact: the next run
    signs the certificate anew for all of them over the secure connection, with no bootstrap password, so the
    router can be managed at any of them; a rerun changes nothing."""
    host = f"lab-r{router}"
    ca = LAB_CA if mode == "ca" else inventory / "pinned" / f"{host}.pem"
    extra = {
        "routeros_certificate_mode": mode,
        "routeros_api_ca_path": str(ca),
        "routeros_api_bootstrap_password": "",
        "routeros_certificate_addresses": ["10.8.0.1", "gw.vpn.example"],
    }
    assert not verifies_as(lab.address(router), ca, "10.8.0.1")
    first = play(inventory, ACCESS_ONLY, "--limit", host, "-e", json.dumps(extra))
    assert first.returncode == 0, first.output[-4000:]
    assert first.recap(host)["changed"] > 0, first.output[-6000:]
    for name in (lab.address(router), "10.8.0.1", "gw.vpn.example"):
        assert verifies_as(lab.address(router), ca, name), name
    assert not verifies_as(lab.address(router), ca, "10.8.0.2")
    again = play(inventory, ACCESS_ONLY, "--limit", host, "-e", json.dumps(extra))
    assert again.returncode == 0 and again.recap(host)["changed"] == 0, again.output[-4000:]


def test_a_wrong_pin_fails_before_any_login(lab: RunningLab, inventory: Path):
    """A pinned CA that did not sign what the router presents stops the run with both fingerprints, and no
    password is ever sent (the lab counts no login, not even a failed one)."""
    pinned = inventory / "pinned" / "lab-r2.pem"
    pinned.write_text(LAB_CA.read_text())
    lab.ctl("stats", "reset")
    failed = play(
        inventory,
        ACCESS_ONLY,
        "--limit",
        "lab-r2",
        "-e",
        "routeros_certificate_mode=tofu",
        "-e",
        f"routeros_api_ca_path={pinned}",
    )
    assert failed.returncode != 0
    pinned_fingerprint = hashlib.sha256(ssl.PEM_cert_to_DER_cert(LAB_CA.read_text())).hexdigest()
    assert "routeros_api_ca_path: the certificate" in failed.output
    assert "is not verified by" in failed.output and "No login was tried" in failed.output
    assert f"pinned/trusted SHA-256 {pinned_fingerprint}" in failed.output.replace("\n", " ")
    stats = lab.ctl("stats", "2")["2"]
    assert stats["logins"] == 0 and stats["login-failures"] == 0, stats


def test_a_group_missing_a_policy_fails_with_the_routers_refusal(lab: RunningLab, inventory: Path):
    """The toolkit's group without `write`: the baseline's change is refused by the router, in its words."""
    api = admin(lab, 1)
    [group] = [row for row in api.path("user", "group") if row["name"] == "ansible-automation"]
    api.path("user", "group").update(**{".id": group[".id"], "policy": "api,read,test,ftp,ssh"})
    api.path("system", "identity").update(name="drifted")
    api.close()
    failed = play(inventory, ROOT / "playbooks" / "baseline.yml", "--limit", "lab-r1")
    assert failed.returncode != 0
    assert "not enough permissions (9)" in failed.output, failed.output[-3000:]


def test_the_users_guard_keeps_the_play_and_a_full_user():
    """Refused before any write: listing the user the play is logged in as, or leaving no full user."""
    mine = [{"name": "ansible", "group": "ansible-automation", "password": "x"}]
    router = [
        {"name": "admin", "group": "full"},
        {"name": "old", "group": "full", "comment": "[ansible] made earlier"},
    ]
    assert users.guard_users(mine, router, "admin", "[ansible]") == mine
    with pytest.raises(
        AnsibleFilterError, match=r"routeros_users_users\[0\].name: 'admin' is the user this play"
    ):
        users.guard_users([{"name": "admin", "group": "read", "password": "x"}], router, "admin", "[ansible]")
    only_owned = [{"name": "netadmin", "group": "full", "comment": "[ansible] made earlier"}]
    with pytest.raises(AnsibleFilterError, match="no user of the group full would remain"):
        users.guard_users(mine, [*only_owned, {"name": "ro", "group": "read"}], "ro", "[ansible]")

"""User policies enforced as the RouterOS manual (User: "User Groups", "Users") describes them: logging in
over the API needs `api`, over SSH `ssh`; reading needs `read`, changing `write`, users and groups also
`policy`, files `ftp`, reboot `reboot`, fetch `test`, exporting a private key `sensitive`; a user's `address`
limits where it logs in from. Refusals carry the router's own text (`not enough permissions (9)`), as API
clients see it.
"""

from __future__ import annotations

import librouteros
import paramiko
import pytest
from librouteros.exceptions import TrapError

from lab.errors import CommandError
from lab.router import Router
from lab.testing import RunningLab

REFUSED = r"not enough permissions \(9\)"
BAD_LOGIN = r"invalid user name or password \(6\)"


def _login(lab: RunningLab, user: str, password: str, router: int = 1) -> librouteros.api.Api:
    return librouteros.connect(host=lab.address(router), username=user, password=password)


@pytest.fixture(scope="module")
def accounts(lab: RunningLab) -> None:
    """Groups and users made by admin over the API, as an operator (or the toolkit) would."""
    admin = _login(lab, "admin", "lab-admin")
    groups, users = admin.path("user", "group"), admin.path("user")
    groups.add(name="viewer", policy="api,read,ssh")
    groups.add(name="operator", policy="api,read,write,test,!ftp")
    groups.add(name="keeper", policy="api,read,write,policy")
    groups.add(name="offline", policy="read,write,ssh")
    users.add(name="viewer", group="viewer", password="viewer-pass")
    users.add(name="operator", group="operator", password="operator-pass")
    users.add(name="keeper", group="keeper", password="keeper-pass")
    users.add(name="offline", group="offline", password="offline-pass")
    users.add(name="elsewhere", group="full", password="elsewhere-pass", address="10.0.0.0/8")
    users.add(name="here", group="full", password="here-pass", address="127.0.0.0/8,10.0.0.1")
    admin.path("file").add(name="shared.txt", contents="for everyone with ftp")
    admin.close()


def test_groups_print_granted_policies_then_the_others_negated(lab: RunningLab, accounts: None) -> None:
    """RouterOS 7 prints a group's policy as the granted ones in its order, then `!name` for every other one
    (a REST capture of the builtin `read` group); `!name` in input takes a policy away."""
    admin = _login(lab, "admin", "lab-admin")
    printed = {row["name"]: row["policy"] for row in admin.path("user", "group")}
    with pytest.raises(TrapError, match="input does not match any value of policy"):
        admin.path("user", "group").add(name="typo", policy="api,raed")
    admin.close()
    assert printed["read"] == (
        "local,telnet,ssh,reboot,read,test,winbox,password,web,sniff,sensitive,api,romon,rest-api,"
        "!ftp,!write,!policy"
    )
    assert printed["full"] == (
        "local,telnet,ssh,ftp,reboot,read,write,policy,test,winbox,password,web,sniff,sensitive,api,romon,rest-api"
    )
    assert printed["operator"].startswith("read,write,test,api,!local,!telnet,!ssh,!ftp,")


def test_a_read_only_user_reads_and_is_refused_every_change(lab: RunningLab, accounts: None) -> None:
    """`read` allows print; `write` is missing, so add/set/remove trap with the router's text, and without
    `ftp` files cannot be listed."""
    api = _login(lab, "viewer", "viewer-pass")
    assert next(iter(api.path("system", "identity")))["name"]
    with pytest.raises(TrapError, match=REFUSED):
        api.path("ip", "address").add(address="10.9.9.1/24", interface="ether2")
    with pytest.raises(TrapError, match=REFUSED):
        api.path("system", "identity").update(name="taken-over")
    with pytest.raises(TrapError, match=REFUSED):
        tuple(api.path("file"))
    api.close()


def test_write_without_policy_cannot_touch_users_or_groups(lab: RunningLab, accounts: None) -> None:
    """`write` changes configuration, yet /user and /user/group need `policy` too; `ftp` taken away (`!ftp`)
    keeps files closed; reboot needs `reboot`."""
    api = _login(lab, "operator", "operator-pass")
    addresses = api.path("ip", "address")
    added = addresses.add(address="10.9.8.1/24", interface="ether2")
    addresses.remove(added)
    with pytest.raises(TrapError, match=REFUSED):
        api.path("user").add(name="mine", group="full", password="x")
    with pytest.raises(TrapError, match=REFUSED):
        api.path("user", "group").add(name="mine", policy="api,read,write,policy")
    with pytest.raises(TrapError, match=REFUSED):
        api.path("file").add(name="note.txt", contents="x")
    with pytest.raises(TrapError, match=REFUSED):
        tuple(api.path("system")("reboot"))
    api.close()


def test_policy_and_write_manage_users_and_the_new_user_logs_in(lab: RunningLab, accounts: None) -> None:
    """With `policy` and `write` a user makes groups and users (also with policies it does not hold itself:
    the manual sets no such limit), and the new user logs in with what its group grants."""
    api = _login(lab, "keeper", "keeper-pass")
    api.path("user", "group").add(name="made", policy="api,read,ftp")
    api.path("user").add(name="made", group="made", password="made-pass")
    api.close()
    made = _login(lab, "made", "made-pass")
    assert "shared.txt" in [row["name"] for row in made.path("file")], "ftp and read list the files"
    with pytest.raises(TrapError, match=REFUSED):
        made.path("ip", "address").add(address="10.9.7.1/24", interface="ether2")
    made.close()


def test_login_needs_the_services_policy(lab: RunningLab, accounts: None) -> None:
    """A group without `api` cannot log in over the API (the router's login trap); one without `ssh` cannot
    log in over SSH, one with it can."""
    with pytest.raises(TrapError, match=BAD_LOGIN):
        _login(lab, "offline", "offline-pass")
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # the lab's own throwaway key
    options = {"port": 2222, "look_for_keys": False, "allow_agent": False, "timeout": 10}
    with pytest.raises(paramiko.AuthenticationException):
        client.connect(lab.address(1), username="operator", password="operator-pass", **options)
    client.connect(lab.address(1), username="viewer", password="viewer-pass", **options)
    client.close()


def test_a_users_address_limits_where_it_logs_in_from(lab: RunningLab, accounts: None) -> None:
    """`address` lists the networks a user may log in from: outside them the login fails as a wrong password
    does; inside them it succeeds."""
    with pytest.raises(TrapError, match=BAD_LOGIN):
        _login(lab, "elsewhere", "elsewhere-pass")
    api = _login(lab, "here", "here-pass")
    api.close()


def test_admin_keeps_every_right(lab: RunningLab, accounts: None) -> None:
    """The full group is unaffected: it changes users, groups and files."""
    api = _login(lab, "admin", "lab-admin")
    api.path("file").add(name="admin-note.txt", contents="x")
    [note] = [row for row in api.path("file") if row["name"] == "admin-note.txt"]
    api.path("file").remove(note[".id"])
    [group] = [row for row in api.path("user", "group") if row["name"] == "viewer"]
    api.path("user", "group").update(**{".id": group[".id"], "comment": "read-only"})
    api.close()


def test_exporting_a_private_key_needs_sensitive() -> None:
    """`export-certificate` with a passphrase writes the key, which only a user with `sensitive` may take;
    the certificate alone needs no more than write and ftp (as the caller acting through the API)."""
    from lab.jobs import acting_as  # noqa: PLC0415 - only here

    router = Router(index=1, address="127.0.1.1")
    router.execute("user/group", "add", {"name": "certs", "policy": "api,read,write,ftp"})
    router.execute("user", "add", {"name": "certs", "group": "certs", "password": "p"})
    router.execute("certificate", "add", {"name": "c", "common-name": "c", "key-size": "prime256v1"})
    router.execute("certificate", "sign", {"number": "c"})
    with acting_as("certs"):
        router.execute("certificate", "export-certificate", {"numbers": "c"})
        with pytest.raises(CommandError, match=REFUSED):
            router.execute(
                "certificate", "export-certificate", {"numbers": "c", "export-passphrase": "secret-pass"}
            )
    with acting_as("admin"):
        router.execute(
            "certificate", "export-certificate", {"numbers": "c", "export-passphrase": "secret-pass"}
        )

"""Who a script runs as when a user runs it by name, over the API or on the console (manual, Scripting):

- "global - accessible from all scripts created by the current user" (Variables), and /system/script/run
  "Execute the specified script by ID or name using user permissions" (Script repository);
- "Script permissions": "Depending on how a script is called, it may use its own permissions [or] inherit
  caller permissions"; a user with full permissions runs a script with `policy=""`, it adds a DHCP client
  ("Added DHCP client on ether2!"), and `use-script-permissions` makes the same run fail with `not enough
  permissions (9)`; "A caller cannot run a script whose policy includes permissions the caller does not have";
  `dont-require-permissions` "Bypass permissions check when the script is being executed";
- Job: `owner` is "The user who is running the script";
- the API manual's trap categories: 3 "scripting related failure", 7 "value generated with :return command".

Over the API, /system/script/run answers when the script has finished.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from lab.router import Router
from lab.script.runner import install, run_script
from lab.ssh import engine_runner
from lab.testing import RunningLab
from tests.rawapi import RawClient

USER, PASSWORD = "ops", "ops-password"
READER = "reader"


def fields(reply: list[str]) -> dict[str, str]:
    return dict(word[1:].split("=", 1) for word in reply[1:] if word.startswith("="))


def rows(replies: list[list[str]]) -> list[dict[str, str]]:
    return [fields(reply) for reply in replies if reply[0] == "!re"]


def environment(api: RawClient) -> dict[str, str]:
    return {row["name"]: row.get("value", "") for row in rows(api.talk("/system/script/environment/print"))}


@pytest.fixture(scope="module")
def clients(lab: RunningLab) -> Iterator[tuple[RawClient, RawClient, RawClient]]:
    """Admin, a second full user (ops) and a user whose group lacks `write` (reader), logged in by API."""
    admin = RawClient(lab.address(1))
    admin.login()
    admin.talk("/user/group/add", "=name=readers", "=policy=read,test,api")
    admin.talk("/user/add", f"=name={USER}", "=group=full", f"=password={PASSWORD}")
    admin.talk("/user/add", f"=name={READER}", "=group=readers", f"=password={PASSWORD}")
    ops = RawClient(lab.address(1))
    ops.login(USER, PASSWORD)
    reader = RawClient(lab.address(1))
    reader.login(READER, PASSWORD)
    yield admin, ops, reader
    for client in (admin, ops, reader):
        client.close()


def add_script(api: RawClient, name: str, source: str, *extra: str) -> None:
    assert api.talk("/system/script/add", f"=name={name}", f"=source={source}", *extra)[-1][0] == "!done"


def test_a_script_run_over_the_api_runs_as_the_api_user_with_their_globals(
    clients: tuple[RawClient, RawClient, RawClient],
) -> None:
    admin, ops, _ = clients
    # Owned by admin, who added it; ops runs it.
    add_script(
        admin,
        "whoami",
        ":global ranAs [/system script job get [find where script=[:jobname]] owner]; :global seen; "
        ":global opsOnly; :set seen $opsOnly",
    )
    assert ops.talk("/system/script/run", "=number=whoami")[-1] == ["!done"]
    seen_by_ops = environment(ops)
    assert seen_by_ops["ranAs"] == USER
    assert "ranAs" not in environment(admin)


def test_the_script_sees_the_globals_of_the_user_who_runs_it(
    clients: tuple[RawClient, RawClient, RawClient],
) -> None:
    admin, ops, _ = clients
    add_script(admin, "greet", ':global greeting; :global reply ("hello " . $greeting)')
    add_script(admin, "set-greeting-ops", ':global greeting "from ops"')
    add_script(admin, "set-greeting-admin", ':global greeting "from admin"')
    ops.talk("/system/script/run", "=number=set-greeting-ops")
    admin.talk("/system/script/run", "=number=set-greeting-admin")
    ops.talk("/system/script/run", "=number=greet")
    admin.talk("/system/script/run", "=number=greet")
    assert environment(ops)["reply"] == "hello from ops"
    assert environment(admin)["reply"] == "hello from admin"


def test_the_script_runs_with_the_callers_rights(clients: tuple[RawClient, RawClient, RawClient]) -> None:
    admin, _, reader = clients
    add_script(
        admin, "needs-write", "/ip address add address=10.77.0.1/24 interface=ether2", "=policy=read,write"
    )
    # The owner (admin) could; the caller (reader, no write policy) cannot.
    replies = reader.talk("/system/script/run", "=number=needs-write")
    assert replies[0][0] == "!trap" and fields(replies[0])["message"] == "not enough permissions (9)"
    add_script(admin, "no-perms", "/ip address add address=10.77.1.1/24 interface=ether2", "=policy=")
    assert fields(reader.talk("/system/script/run", "=number=no-perms")[0])["message"] == (
        "not enough permissions (9)"
    )
    assert admin.talk("/system/script/run", "=number=no-perms")[-1] == ["!done"]
    add_script(
        admin,
        "trusted",
        "/ip address add address=10.77.2.1/24 interface=ether2",
        "=policy=read,write",
        "=dont-require-permissions=yes",
    )
    assert reader.talk("/system/script/run", "=number=trusted")[-1] == ["!done"]
    addresses = {row["address"] for row in rows(admin.talk("/ip/address/print"))}
    assert {"10.77.1.1/24", "10.77.2.1/24"} <= addresses and "10.77.0.1/24" not in addresses


def test_run_answers_when_the_script_has_finished(clients: tuple[RawClient, RawClient, RawClient]) -> None:
    admin, ops, _ = clients
    add_script(admin, "slow", ":delay 1500ms; :global slowDone true")
    started = time.monotonic()
    assert ops.talk("/system/script/run", "=number=slow")[-1] == ["!done"]
    assert time.monotonic() - started >= 1.4
    assert environment(ops)["slowDone"] == "true"
    assert rows(admin.talk("/system/script/job/print")) == []


def test_a_failing_script_and_a_returned_value_come_back_as_traps(
    clients: tuple[RawClient, RawClient, RawClient],
) -> None:
    admin, ops, _ = clients
    add_script(admin, "fails", ':error "boom"')
    replies = ops.talk("/system/script/run", "=number=fails")
    assert replies[0][0] == "!trap" and fields(replies[0]) == {"category": "3", "message": "boom"}
    add_script(admin, "answers", ":return 42")
    replies = ops.talk("/system/script/run", "=number=answers")
    assert replies[0][0] == "!trap" and fields(replies[0]) == {"category": "7", "message": "42"}


def test_the_job_is_listed_while_the_api_waits(
    lab: RunningLab, clients: tuple[RawClient, RawClient, RawClient]
) -> None:
    admin, _, _ = clients
    add_script(admin, "waits", ":delay 5s")
    runner = RawClient(lab.address(1))
    runner.login(USER, PASSWORD)
    answers: list[list[list[str]]] = []
    thread = threading.Thread(
        target=lambda: answers.append(runner.talk("/system/script/run", "=number=waits"))
    )
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while not (listed := rows(admin.talk("/system/script/job/print", "?script=waits"))):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        [job] = listed
        assert job["owner"] == USER
        assert admin.talk("/system/script/job/remove", f"=.id={job['.id']}")[-1] == ["!done"]
        thread.join(timeout=5)
        assert fields(answers[0][0])["message"] == "interrupted"
    finally:
        thread.join(timeout=5)
        runner.close()


# ----- the console (SSH) runs a line as the user logged in


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    made.execute("user", "add", {"name": USER, "group": "full", "password": PASSWORD})
    return made


def test_the_console_runs_a_script_as_the_logged_in_user(router: Router) -> None:
    router.execute(
        "system/script",
        "add",
        {
            "name": "whoami",
            "source": ":global mine; :put [/system script job get [find where script=[:jobname]] owner]\n"
            ":put $mine",
        },
    )
    engine_runner(router, ':global mine "ops value"', USER)
    engine_runner(router, ':global mine "admin value"', "admin")
    assert engine_runner(router, "/system script run whoami", USER) == "ops\nops value"


def test_the_manuals_script_permissions_example_on_the_console(router: Router) -> None:
    # Manual, "Script permissions": a full user runs a script with policy="", by its own rights; with
    # use-script-permissions the script's (none) apply.
    router.execute(
        "system/script",
        "add",
        {
            "name": "add-dhcp-no-perms",
            "policy": "",
            "source": '/ip dhcp-client add interface=ether2; :put "Added DHCP client on ether2!"',
        },
    )
    assert engine_runner(router, "system/script/run add-dhcp-no-perms use-script-permissions", USER) == (
        "not enough permissions (9)"
    )
    assert (
        engine_runner(router, "system/script/run add-dhcp-no-perms", USER) == "Added DHCP client on ether2!"
    )
    assert run_script(router, ":put [/ip dhcp-client print count-only]", {}, "admin").output == ["1"]

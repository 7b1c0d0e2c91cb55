"""Files from scripts: the policies they need, running a script with more policies from Netwatch, and
directories in file names.

- RouterOS's `ftp` policy is what grants reading, writing and deleting files (manual, User: "ftp - policy
  that grants full rights to log in remotely via FTP, to read/write/erase files and to transfer files
  from/to the router. Should be used together with read/write policies"); a script's /file commands need
  it besides read or write. Netwatch scripts run as *sys with read, write, test and reboot only, so they
  touch files through a script with `dont-require-permissions=yes` ("Bypass permissions check when the
  script is being executed, useful when scripts are being executed from services that have limited
  permissions, such as Netwatch", manual, Scripting, Script repository).
- Manual, Scripting, "Script permissions": a script run by name runs with its caller's permissions, or its
  own with `use-script-permissions`; either way the caller must hold every policy the script has.
- `/file add name=dir/sub/file.txt` makes the directories on the way (RouterOS 7.9+).
"""

from __future__ import annotations

import time

import pytest

from lab.jobs import SYSTEM_USER
from lab.netwatch import Prober
from lab.router import Router
from lab.script.runner import install, run_script


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def put(router: Router, source: str, user: str = "admin", policies: set[str] | None = None) -> list[str]:
    result = run_script(router, source, {}, user, policies)
    assert result.error is None, result.error
    return result.output


def error(router: Router, source: str, user: str = "admin", policies: set[str] | None = None) -> str | None:
    return run_script(router, source, {}, user, policies).error


def file_names(router: Router) -> list[str]:
    return [row["name"] for row in router.rows("file")]


# ----- the ftp policy


@pytest.mark.parametrize(
    "source",
    [
        "/file print count-only",
        ":put [/file find]",
        '/file add name=x.txt contents="y"',
        "/file read file=x.txt offset=0 chunk-size=10 as-value",
    ],
)
def test_netwatch_scripts_may_not_touch_files(router: Router, source: str) -> None:
    assert error(router, source, SYSTEM_USER) == "not enough permissions (9)"


def test_reading_files_needs_read_and_ftp_and_writing_needs_write_and_ftp(router: Router) -> None:
    put(router, '/file add name=note.txt contents="hi"')
    assert error(router, ":put [/file get note.txt contents]", policies={"read", "write"}) == (
        "not enough permissions (9)"
    )
    assert put(router, ":put [/file get note.txt contents]", policies={"read", "ftp"}) == ["hi"]
    for change in ("/file set note.txt contents=x", "/file remove note.txt", "/file add name=b.txt"):
        assert error(router, change, policies={"read", "ftp"}) == "not enough permissions (9)"
    put(router, "/file set note.txt contents=x; /file remove note.txt", policies={"read", "write", "ftp"})
    assert file_names(router) == []


def test_netwatch_writes_files_through_a_script_that_does_not_require_permissions(router: Router) -> None:
    put(
        router,
        '/system script add name=writer dont-require-permissions=yes policy=read,write,ftp source="'
        '/file add name=\\"seen-\\$host.txt\\" contents=[/system script job get'
        ' [find where script=writer] policy]"',
    )
    router.network.ensure_host(router.index, "10.20.0.5")
    router.execute(
        "tool/netwatch",
        "add",
        {
            "host": "10.20.0.5",
            "startup-delay": "0s",
            "start-delay": "0s",
            "up-script": ":global host; /system script run writer",
        },
    )
    prober, t0 = Prober(), router.booted_at + 1
    prober.tick(router, t0)
    prober.tick(router, t0 + 0.01)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not router.rows("file"):
        time.sleep(0.01)
    [row] = router.rows("file")
    # The script ran with its own policies, ftp among them, not *sys's four.
    assert row["contents"] == "ftp,read,write"


def test_without_dont_require_permissions_sys_may_not_run_a_script_with_more_policies(router: Router) -> None:
    put(router, '/system script add name=writer policy=read,write,ftp source="/file add name=x.txt"')
    assert error(router, "/system script run writer", SYSTEM_USER) == "not enough permissions (9)"
    assert file_names(router) == []


def test_a_script_run_by_name_runs_with_the_callers_permissions(router: Router) -> None:
    # The manual's example: a script with no policies run by a full user works, unless it is run with
    # use-script-permissions.
    put(
        router,
        '/system script add name=add-dhcp-no-perms policy="" source="/ip dhcp-client add interface=ether2;'
        ' :put \\"Added DHCP client on ether2!\\""',
    )
    assert error(router, "/system script run add-dhcp-no-perms use-script-permissions") == (
        "not enough permissions (9)"
    )
    assert put(router, "/system script run add-dhcp-no-perms") == ["Added DHCP client on ether2!"]


def test_unknown_arguments_to_script_run_are_refused(router: Router) -> None:
    put(router, '/system script add name=s source=":put 1"')
    assert error(router, "/system script run s bogus=1") == "unknown parameter bogus"


# ----- directories


def test_add_makes_the_directories_of_the_name(router: Router) -> None:
    put(router, '/file add name=dir/sub/file.txt contents="hello"')
    rows = {row["name"]: row for row in router.rows("file")}
    assert list(rows) == ["dir", "dir/sub", "dir/sub/file.txt"]
    assert [rows[name]["type"] for name in rows] == ["directory", "directory", "file"]
    assert "size" not in rows["dir"]
    assert put(router, ':put [/file get [find name="dir/sub/file.txt"] contents]') == ["hello"]
    put(router, '/file add name=dir/other.txt contents="x"')
    assert file_names(router) == ["dir", "dir/sub", "dir/sub/file.txt", "dir/other.txt"]


def test_add_of_an_existing_name_fails(router: Router) -> None:
    put(router, "/file add name=dir/a.txt")
    assert error(router, "/file add name=dir/a.txt") == "failure: file already exists"
    assert error(router, "/file add name=dir") == "failure: file already exists"


def test_a_directory_goes_only_with_what_it_holds(router: Router) -> None:
    put(router, "/file add name=dir/a.txt")
    message = error(router, "/file remove dir")
    assert message is not None and "not supported in the lab" in message
    put(router, "/file remove [find]")
    assert file_names(router) == []


def test_a_path_through_a_file_fails_loudly(router: Router) -> None:
    put(router, "/file add name=plain.txt")
    message = error(router, "/file add name=plain.txt/inner.txt")
    assert message is not None and "not supported in the lab" in message
    assert file_names(router) == ["plain.txt"]

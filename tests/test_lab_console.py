"""The console prints as RouterOS 7 does, and its item numbers name what the last `print` showed.

Issue 9: the SSH console refused every plain `print` (`/ip address print`, `/tool netwatch print`, `/log
print`) with a message about scripts. The shapes below are RouterOS 7 console captures (ntc-templates'
fixtures of `/ip address print` and `print detail`, firewall `print`); the numbering rules are the manual's
(Console, "Item Names and Numbers"): "Item numbers are assigned by the print command ... once assigned, item
numbers can be used even after add, remove and move operations ... Item numbers are assigned on a per
session basis ... numbers are assigned separately for every item list ... it is possible to use item numbers
without running print command. Numbers will be assigned just as if the print command was executed."
"""

from __future__ import annotations

import time

import paramiko
import pytest

from lab.console import Console
from lab.router import Router
from lab.script.runner import install, run_script
from lab.ssh import SshService, engine_runner
from lab.testing import free_port


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


@pytest.fixture
def console(router: Router) -> Console:
    return Console(router, "admin", engine_runner)


def lines(console: Console, line: str) -> list[str]:
    return console.run(line).split("\n")


def comments(router: Router) -> dict[str, str]:
    return {row["address"]: row.get("comment", "") for row in router.rows("ip/address")}


# ----- the forms of print


def test_plain_print_is_a_table_with_flags_columns_numbers_and_comments(router, console):
    """RouterOS 7: only the flags some row has, in capitals; `Columns:`; `;;;` comments on their own line."""
    console.run("/ip address add address=192.168.88.1/24 interface=ether2 comment=lan")
    console.run("/ip dhcp-client add interface=ether1")  # the uplink's lease: a dynamic address
    assert lines(console, "/ip address print") == [
        "Flags: D - DYNAMIC",
        "Columns: ADDRESS, NETWORK, INTERFACE",
        "#   ADDRESS           NETWORK       INTERFACE",
        ";;; lan",
        "0   192.168.88.1/24   192.168.88.0  ether2   ",
        "1 D 198.51.100.11/24  198.51.100.0  ether1   ",
    ]


def test_plain_print_right_aligns_numbers_and_leaves_out_flags_no_row_has(console):
    printed = lines(console, "/interface print")
    assert printed[0] == "Flags: R - RUNNING"
    assert printed[1] == "Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAC-ADDRESS"
    assert printed[2] == "#   NAME    TYPE   ACTUAL-MTU  L2MTU  MAC-ADDRESS      "
    assert printed[3] == "0 R ether1  ether        1500   1598  02:00:00:00:01:01"


def test_print_detail_lists_every_flag_and_name_value_pairs(console):
    """`Flags: X - disabled, I - invalid, D - dynamic `, two-wide numbers, a blank line after each item."""
    console.run("/ip address add address=192.168.88.1/24 interface=ether2 comment=lan")
    console.run("/ip dhcp-client add interface=ether1")
    printed = lines(console, "/ip address print detail")
    assert printed[0] == "Flags: X - disabled, I - invalid, D - dynamic "
    assert printed[1] == " 0   ;;; lan"
    assert printed[2].startswith("     address=192.168.88.1/24 ")
    assert "network=192.168.88.0" in printed[2] and "interface=ether2" in printed[2]
    assert printed[3] == ""
    assert printed[4].startswith(" 1 D address=198.51.100.11/24 ")
    assert "dynamic=" not in printed[4] and "disabled=" not in printed[4]  # flags are not properties


def test_print_detail_quotes_text_and_prints_booleans_as_yes_no(console):
    printed = lines(console, '/interface print detail where name="ether1"')
    assert printed[0] == "Flags: D - dynamic; X - disabled, R - running; S - slave; P - passthrough "
    assert printed[1].startswith(" 0  R   ") and 'name="ether1"' in printed[1]
    console.run("/tool netwatch add host=192.168.88.10 comment=nas")
    printed = lines(console, "/tool netwatch print detail")
    assert "ignore-initial-up=no" in printed[2]


def test_print_terse_is_one_line_per_item_comment_first(console):
    console.run("/ip address add address=192.168.88.1/24 interface=ether2 comment=lan")
    printed = lines(console, "/ip address print terse")
    assert printed[0].startswith("0   comment=lan address=192.168.88.1/24 ")


def test_lists_print_as_lists_as_firewall_rules_do(console):
    """RouterOS firewall `print`: flags legend, then `;;;` after the flags and the rule on the next line."""
    console.run(
        '/ip firewall filter add chain=input action=accept protocol=icmp comment="defconf: accept ICMP"'
    )
    printed = lines(console, "/ip firewall filter print")
    assert printed[0] == "Flags: X - disabled, I - invalid; D - dynamic "
    assert printed[1] == " 0    ;;; defconf: accept ICMP"
    assert printed[2].startswith("      ") and "chain=input action=accept protocol=icmp" in printed[2]


def test_the_menus_issue_9_names_print(router, console):
    console.run("/tool netwatch add host=192.168.88.10 interval=5s")
    netwatch = lines(console, "/tool netwatch print")
    assert netwatch[0].startswith("Columns: ") and "TYPE, HOST" in netwatch[0]
    assert netwatch[2].startswith("0 ") and netwatch[2].split()[1:3] == ["simple", "192.168.88.10"]
    log = lines(console, "/log print")
    assert log[0].endswith(" system,info router started")
    assert all("script" not in line or "error" not in line for line in log)
    assert lines(console, "/system identity print") == ["  name: MikroTik"]


def test_where_count_only_and_as_value_on_the_console(console):
    assert lines(console, '/interface print count-only where name~"^eth"') == ["5"]
    assert lines(console, "/interface print as-value") == [""]  # a value, printed only by :put
    printed = lines(console, '/interface print where name ~ "^eth" and name != "ether1"')
    assert [line.split()[2] for line in printed[3:]] == ["ether2", "ether3", "ether4", "ether5"]
    assert lines(console, "/interface print without-paging brief")[1].startswith("Columns: NAME")


def test_print_options_the_lab_does_not_implement_are_refused(console):
    for option in ("follow", "interval=1s", "file=out", "value-list"):
        assert console.run(f"/ip address print {option}").endswith("not supported in the lab")


# ----- item numbers


def test_numbers_name_what_the_last_print_showed(router, console):
    for number, interface in enumerate(("ether2", "ether3", "ether4"), start=1):
        console.run(f"/ip address add address=10.0.{number}.1/24 interface={interface}")
    console.run("/ip address print")
    assert console.run("/ip address set 1 comment=second") == ""
    assert comments(router)["10.0.2.1/24"] == "second"
    # `print where` numbers what it shows.
    console.run("/ip address print where interface=ether4")
    console.run("/ip address remove 0")
    assert set(comments(router)) == {"10.0.1.1/24", "10.0.2.1/24"}


def test_numbers_survive_remove_until_the_next_print(router, console):
    for number, interface in enumerate(("ether2", "ether3", "ether4"), start=1):
        console.run(f"/ip address add address=10.0.{number}.1/24 interface={interface}")
    console.run("/ip address print")
    console.run("/ip address remove 0")
    console.run("/ip address set 2 comment=third")  # still the third one printed
    assert comments(router)["10.0.3.1/24"] == "third"
    console.run("/ip address print")
    console.run("/ip address set 0,1 comment=again")  # renumbered by the new print
    assert set(comments(router).values()) == {"again"}


def test_numbers_are_per_menu_and_work_before_any_print(router, console):
    console.run("/ip address add address=10.0.1.1/24 interface=ether2")
    console.run("/interface print where name=ether5")
    console.run("/ip address set 0 comment=first")  # as if /ip address print had run
    assert comments(router)["10.0.1.1/24"] == "first"
    console.run("/interface disable 0")  # the one /interface print showed
    assert {row["name"] for row in router.rows("interface") if row["disabled"] == "true"} == {"ether5"}
    assert console.run("/ip address set 5 comment=x") == "no such item"


def test_numbers_belong_to_one_session(router, console):
    console.run("/ip address add address=10.0.1.1/24 interface=ether2")
    console.run("/ip address add address=10.0.2.1/24 interface=ether3")
    console.run("/ip address print where interface=ether3")
    other = Console(router, "admin", engine_runner)
    other.run("/ip address set 0 comment=other-session")
    assert comments(router)["10.0.1.1/24"] == "other-session"


def test_numbers_outside_a_console_are_refused(router):
    """Scripts (scheduler, Netwatch, API) have no console session: a number there names nothing."""
    run_script(router, "/ip address add address=10.0.1.1/24 interface=ether2", {}, "admin")
    result = run_script(router, "/ip address print; /ip address set 0 comment=x", {}, "admin")
    assert result.error is not None and result.error.endswith("not supported in the lab")


def test_a_script_prints_into_its_output_as_on_the_console(router):
    """`/system script run` from a terminal shows what the script prints; `:execute ... file=` keeps it."""
    run_script(router, "/ip address add address=10.0.1.1/24 interface=ether2", {}, "admin")
    result = run_script(router, "/ip address print", {}, "admin")
    assert result.error is None and result.output[-1].startswith("0 10.0.1.1/24")


# ----- over SSH


@pytest.fixture
def ssh(router, tmp_path):
    port = free_port()
    router.address = "127.0.0.1"
    service = SshService([router], port, tmp_path, engine_runner)
    service.start()
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # the lab's own throwaway key
    client.connect(
        "127.0.0.1", port=port, username="admin", password="lab-admin", look_for_keys=False, allow_agent=False
    )
    yield client
    client.close()
    service.stop()


def _until_prompt(shell: paramiko.Channel, prompts: int = 1) -> str:
    received = b""
    deadline = time.monotonic() + 10
    while received.count(b"[admin@MikroTik] > ") < prompts and time.monotonic() < deadline:
        received += shell.recv(65536)
    return received.decode()


def test_ssh_shell_prints_and_numbers_last_for_the_session(router, ssh):
    shell = ssh.invoke_shell()
    shell.settimeout(10)
    _until_prompt(shell)
    for line in (
        "/ip address add address=10.0.1.1/24 interface=ether2",
        "/ip address print",
        "/ip address set 0 comment=by-number",
        "/ip address print",
    ):
        shell.send(line.encode() + b"\r")
        output = _until_prompt(shell)
    assert ";;; by-number" in output
    assert "Columns: ADDRESS, NETWORK, INTERFACE" in output
    shell.send(b"/quit\r")  # the lab serves one channel of a connection at a time
    shell.recv(4096)
    _, stdout, _ = ssh.exec_command("/tool netwatch print count-only")
    assert stdout.read().decode().strip() == "0"


def test_firewall_print_takes_a_chain_and_all_static_dynamic(console):
    """Manual (Common Firewall Matchers and Actions): "By default print is equivalent to print static"."""
    console.run("/ip firewall filter add chain=input action=accept protocol=icmp")
    console.run("/ip firewall filter add chain=forward action=drop")
    printed = lines(console, "/ip firewall filter print chain=forward")
    assert printed[1].startswith(" 0    ") and "chain=forward" in printed[1] and len(printed) == 3
    assert lines(console, "/ip firewall filter print count-only all") == ["2"]
    assert lines(console, "/ip firewall filter print count-only dynamic") == ["0"]


def test_get_and_move_take_numbers_and_move_does_not_renumber(router, console):
    """Manual: "since version 3, move operation does not renumber items"."""
    for number in (1, 2, 3):
        console.run(f"/ip firewall filter add chain=input action=accept comment=r{number}")
    console.run("/ip firewall filter print")
    console.run("/ip firewall filter move 2 destination=0")
    assert [row["comment"] for row in router.rows("ip/firewall/filter")] == ["r3", "r1", "r2"]
    assert lines(console, ":put [/ip firewall filter get 1 comment]") == ["r2"]

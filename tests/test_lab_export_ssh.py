"""`/export` rebuilds a router: importing it into a factory-fresh lab router reproduces the configuration.
And the SSH command line reaches the same engine and the same export."""

from __future__ import annotations

import socket

import paramiko
import pytest
from test_apply_runtime import IDENTITIES

from lab.export import export, quote
from lab.router import Router
from lab.script.runner import install, run_script
from lab.ssh import SshService, engine_runner
from lab.testing import free_port

CONFIGURATION = r"""
/interface bridge add name=br-lan comment="LAN side"
/interface ethernet set [find default-name=ether1] name=ether1-isp comment="ISP \"modem\" \F0\9F\94\B4"
/interface set [find default-name=wlan1] name=wlan-servers
/interface bridge port add bridge=br-lan interface=ether3
/interface list add name=WAN
/interface list member add list=WAN interface=ether1-isp
/ip address add address=192.168.88.1/24 interface=br-lan
/ip dhcp-client add interface=ether1-isp use-peer-dns=no
/ip dns set servers=1.1.1.1,8.8.8.8 allow-remote-requests=yes
/ip dns static add name=router.lan address=192.168.88.1
/ip firewall nat add chain=srcnat action=masquerade out-interface-list=WAN comment="nat: masquerade"
/ip firewall filter add chain=input action=accept protocol=tcp dst-port=8728
/ip route add dst-address=10.0.0.0/8 gateway=192.168.88.254
/ip service set telnet disabled=yes
/system identity set name="Koperasi R1"
/system script add name=alert source=":log info \"down \$host\"\n:put \"a\\b\""
/system scheduler add name=tick interval=1m on-event=alert
/tool netwatch add host=192.168.88.10 type=icmp comment="server 1" down-script="/system script run alert"
/user group add name=automation policy=read,write,api,test
"""


def _router(index: int) -> Router:
    router = Router(index=index, address=f"127.0.1.{index}")
    install(router)
    return router


def _configuration(router: Router) -> dict:
    dump = router.dump()
    for volatile in ("system/resource", "system/clock"):
        dump.pop(volatile)
    return dump


def test_export_imported_into_a_fresh_router_reproduces_the_configuration():
    source = _router(1)
    assert run_script(source, CONFIGURATION, {}, "admin").error is None
    text = export(source)
    copy = _router(1)  # same index: MAC addresses and the DHCP lease derive from it
    result = run_script(copy, text, {}, "admin")
    assert result.error is None, result.error
    assert _configuration(copy) == _configuration(source)
    assert export(copy).splitlines()[1:] == text.splitlines()[1:]


def test_terse_export_puts_the_menu_on_every_line():
    router = _router(3)
    run_script(router, CONFIGURATION, {}, "admin")
    lines = [line for line in export(router, terse=True).splitlines() if not line.startswith("#")]
    assert lines and all(line.startswith("/") for line in lines)
    assert '/system identity set name="Koperasi R1"' in lines


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("plain", "plain"),
        ("two words", '"two words"'),
        ('say "hi" $x', r'"say \"hi\" \$x"'),
        ("🔴", r'"\F0\9F\94\B4"'),
        ("a\nb", r'"a\nb"'),
        ("", '""'),
    ],
)
def test_values_are_quoted_and_escaped_as_the_console_reads_them(value, written):
    assert quote(value) == written


@pytest.fixture
def ssh_router(tmp_path):
    router = _router(4)
    port = free_port()
    service = SshService([router], port, tmp_path, engine_runner)
    service.routers[0].address = "127.0.0.1"
    service.start()
    yield router, port
    service.stop()


def _client(port: int, password: str = "lab-admin", username: str = "admin") -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # the lab's own throwaway key
    client.connect(
        "127.0.0.1",
        port=port,
        username=username,
        password=password,
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
    )
    return client


def test_ssh_runs_commands_through_the_engine_and_exports(ssh_router):
    router, port = ssh_router
    client = _client(port)
    _, stdout, _ = client.exec_command('/system identity set name="via ssh"')
    stdout.channel.recv_exit_status()
    assert router.rows("system/identity")[0]["name"] == "via ssh"
    _, stdout, _ = client.exec_command("/export terse")
    assert '/system identity set name="via ssh"' in stdout.read().decode()
    _, stdout, _ = client.exec_command("/ip address add address=1.1.1.1/24 interface=nope")
    assert "input does not match any value of interface" in stdout.read().decode()
    client.close()


def test_ssh_shell_shows_the_routeros_prompt(ssh_router):
    _, port = ssh_router
    client = _client(port)
    shell = client.invoke_shell()
    shell.settimeout(10)
    received = b""
    while b"[admin@MikroTik] > " not in received:
        received += shell.recv(4096)
    shell.send(b":put [/system identity get name]\r")
    received = b""
    while received.count(b"[admin@MikroTik] > ") < 1:
        received += shell.recv(4096)
    assert b"MikroTik\r\n" in received
    client.close()


def test_ssh_login_options_after_plus_are_not_part_of_the_user_name(ssh_router):
    """community.routeros users log in as `admin+cet1024w`: RouterOS reads `+cet1024w` as terminal options."""
    _, port = ssh_router
    client = _client(port, username="admin+cet1024w")
    shell = client.invoke_shell()
    shell.settimeout(10)
    received = b""
    while not received.endswith(b"> "):
        received += shell.recv(4096)
    client.close()
    assert received.endswith(b"[admin@MikroTik] > ")
    with pytest.raises(paramiko.AuthenticationException):
        _client(port, username="admin+")
    with pytest.raises(paramiko.AuthenticationException):
        _client(port, username="admin+Cet")


def test_ssh_refuses_a_wrong_password(ssh_router):
    _, port = ssh_router
    with pytest.raises(paramiko.AuthenticationException):
        _client(port, password="wrong")


def test_nothing_listens_where_the_lab_did_not_bind(ssh_router):
    _, port = ssh_router
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.2", port)) != 0


@pytest.mark.parametrize("identity", IDENTITIES)
def test_any_identity_shows_in_the_prompt_and_survives_the_export_over_ssh(ssh_router, identity):
    """Identities an operator types (`Kasir: lantai 2`, `中文主机`, quotes, `#`, `>`, `$`, trailing spaces):
    the shell prompt is `[admin@<identity>] > ` as on RouterOS, and the export taken over SSH sets the same
    identity on a fresh router."""
    router, port = ssh_router
    router.execute("system/identity", "set", {"name": identity})
    client = _client(port)
    shell = client.invoke_shell()
    shell.settimeout(10)
    prompt = f"[admin@{identity}] > ".encode()
    received = b""
    while prompt not in received:
        received += shell.recv(4096)
    client.close()
    client = _client(port)
    _, stdout, _ = client.exec_command("/export terse")
    text = stdout.read().decode()
    client.close()
    copy = _router(4)
    assert run_script(copy, text, {}, "admin").error is None
    assert copy.rows("system/identity")[0]["name"] == identity

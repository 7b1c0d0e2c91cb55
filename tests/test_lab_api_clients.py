"""The lab speaks the real API protocol to real clients: librouteros, and a raw socket seeing every word."""

from __future__ import annotations

import threading

import librouteros
import pytest
from librouteros.exceptions import TrapError
from librouteros.login import plain
from librouteros.query import Key

from tests.rawapi import RawClient


def connect(lab, index=1, **kwargs):
    return librouteros.connect(host=lab.address(index), username="admin", password="lab-admin", **kwargs)


def test_login_with_wrong_password_gets_the_router_trap_text(lab):
    with pytest.raises(TrapError, match=r"invalid user name or password \(6\)"):
        librouteros.connect(host=lab.address(1), username="admin", password="wrong", login_method=plain)


def test_add_print_set_remove_round_trip(lab):
    api = connect(lab)
    addresses = api.path("ip", "address")
    new_id = addresses.add(address="10.20.0.1/24", interface="ether3", comment="lab test")
    assert new_id.startswith("*")
    row = next(r for r in addresses if r[".id"] == new_id)
    assert row["network"] == "10.20.0.0"
    assert row["disabled"] is False
    addresses.update(**{".id": new_id, "comment": "changed"})
    assert next(r for r in addresses if r[".id"] == new_id)["comment"] == "changed"
    addresses.remove(new_id)
    assert all(r[".id"] != new_id for r in addresses)
    api.close()


def test_queries_filter_rows_like_a_router(lab):
    api = connect(lab)
    interfaces = api.path("interface")
    names = {r["name"] for r in interfaces.select(Key("name")).where(Key("type") == "ether")}
    assert names == {"ether1", "ether2", "ether3", "ether4", "ether5"}
    either = interfaces.select(Key("name")).where(Key("name").In("ether2", "wlan1"))
    assert {r["name"] for r in either} == {"ether2", "wlan1"}
    raw = RawClient(lab.address(1))
    raw.login()
    replies = raw.talk("/interface/print", "?type=ether", "?name=ether1", "?#!", "?#&", "=.proplist=name")
    assert sorted(r[1] for r in replies if r[0] == "!re") == [f"=name=ether{i}" for i in range(2, 6)]
    replies = raw.talk("/interface/print", "?-comment", "?<mtu=1501", "=.proplist=.id")
    assert len([r for r in replies if r[0] == "!re"]) == 6
    raw.close()
    api.close()


def test_print_with_no_rows_answers_empty_then_done(lab):
    raw = RawClient(lab.address(1))
    raw.login()
    assert raw.talk("/ip/dns/static/print") == [["!empty"], ["!done"]]
    raw.close()


def test_tag_is_echoed_only_when_the_client_sends_one(lab):
    raw = RawClient(lab.address(1))
    raw.login()
    tagged = raw.talk("/system/identity/print", ".tag=7")
    assert all(sentence[-1] == ".tag=7" for sentence in tagged)
    untagged = raw.talk("/system/identity/print")
    assert not any(word.startswith(".tag") for sentence in untagged for word in sentence)
    raw.close()


def test_trap_carries_category_and_message_then_done(lab):
    raw = RawClient(lab.address(1))
    raw.login()
    replies = raw.talk("/ip/address/add", "=address=10.9.9.1/24", "=interface=nope", ".tag=x")
    assert replies[0][0] == "!trap"
    assert "=message=input does not match any value of interface" in replies[0]
    assert any(word.startswith("=category=") for word in replies[0])
    assert replies[1] == ["!done", ".tag=x"]
    assert raw.talk("/nothing/here")[0] == ["!trap", "=category=0", "=message=no such command prefix"]
    raw.close()


def test_add_returns_ret_and_count_only_counts(lab):
    raw = RawClient(lab.address(1))
    raw.login()
    done = raw.talk("/interface/list/add", "=name=COUNTED")[-1]
    assert done[0] == "!done" and done[1].startswith("=ret=*")
    counted = raw.talk("/interface/list/print", "=count-only=", "?name=COUNTED")
    assert counted[-1] == ["!done", "=ret=1"]
    raw.talk("/interface/list/remove", f"=.id={done[1][5:]}")
    raw.close()


def test_a_word_longer_than_16_kib_round_trips(lab):
    api = connect(lab)
    scripts = api.path("system", "script")
    source = ":log info " + ("x" * 40_000)
    new_id = scripts.add(name="long-word", source=source)
    assert next(r for r in scripts if r[".id"] == new_id)["source"] == source
    scripts.remove(new_id)
    api.close()


def test_quit_answers_fatal_and_closes(lab):
    raw = RawClient(lab.address(1))
    raw.login()
    assert raw.talk("/quit") == [["!fatal", "session terminated on request"]]
    with pytest.raises(ConnectionError):
        raw.read_sentence()


def test_cancel_is_answered(lab):
    raw = RawClient(lab.address(1))
    raw.login()
    assert raw.talk("/cancel", "=tag=3")[-1] == ["!done"]
    raw.close()


def test_commands_before_login_are_refused(lab):
    raw = RawClient(lab.address(1))
    replies = raw.talk("/system/identity/print")
    assert replies[0][0] == "!trap"
    raw.close()


def test_clients_that_just_close_do_not_disturb_others(lab):
    for _ in range(5):
        raw = RawClient(lab.address(1))
        raw.send("/login", "=name=admin")
        raw.close()
    api = connect(lab)
    assert list(api.path("system", "identity"))
    api.close()


def test_several_clients_at_once_share_state(lab):
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            api = connect(lab, index=2)
            api.path("interface", "list").add(name=f"PARALLEL{number}")
            api.close()
        except BaseException as problem:
            errors.append(problem)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    api = connect(lab, index=2)
    names = {r["name"] for r in api.path("interface", "list")}
    assert {f"PARALLEL{n}" for n in range(8)} <= names
    api.close()


def test_move_enable_disable_comment_unset_and_get(lab):
    raw = RawClient(lab.address(1))
    raw.login()
    ids = []
    for chain in ("first", "second", "third"):
        done = raw.talk("/ip/firewall/filter/add", f"=chain={chain}", "=action=accept", "=log=yes")[-1]
        ids.append(done[1][5:])
    raw.talk("/ip/firewall/filter/move", f"=numbers={ids[2]}", f"=destination={ids[0]}")
    order = [s[1] for s in raw.talk("/ip/firewall/filter/print", "=.proplist=chain") if s[0] == "!re"]
    assert order == ["=chain=third", "=chain=first", "=chain=second"]
    raw.talk("/ip/firewall/filter/disable", f"=numbers={ids[0]}")
    raw.talk("/ip/firewall/filter/comment", f"=numbers={ids[0]}", "=comment=paused")
    row = raw.talk("/ip/firewall/filter/print", f"?.id={ids[0]}")[0]
    assert "=disabled=true" in row and "=comment=paused" in row
    raw.talk("/ip/firewall/filter/enable", f"=numbers={ids[0]}")
    assert raw.talk("/ip/firewall/filter/unset", f"=numbers={ids[0]}", "=value-name=comment") == [["!done"]]
    row = raw.talk("/ip/firewall/filter/print", f"?.id={ids[0]}")[0]
    assert "=disabled=false" in row and not any(w.startswith("=comment=") for w in row)
    assert raw.talk("/ip/firewall/filter/get", f"=number={ids[1]}", "=value-name=chain")[-1] == [
        "!done",
        "=ret=second",
    ]
    raw.talk("/ip/firewall/filter/remove", f"=.id={','.join(ids)}")
    raw.close()


def test_the_ssh_command_line_of_a_served_router(lab):
    import paramiko  # noqa: PLC0415 - only this test needs it

    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # the lab's throwaway host key
    client.connect(
        lab.address(2),
        port=2222,
        username="admin",
        password="lab-admin",
        look_for_keys=False,
        allow_agent=False,
    )
    _, stdout, _ = client.exec_command(":put [/system resource get version]")
    assert stdout.read().decode().startswith("7.21.4")
    client.close()

"""Scripts acting on a router: menu commands, ids, policies, per-user globals, reboot, the seed's scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.network import TELEGRAM_NAME
from lab.router import Router
from lab.script.runner import SYSTEM_USER, install, run_script

SEED = Path("/work/shared/seed/000_841fee2bb3a00983.txt")


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def put(router: Router, source: str, user: str = "admin") -> list[str]:
    result = run_script(router, source, {}, user)
    assert result.error is None, result.error
    return result.output


def log_messages(router: Router) -> list[str]:
    return [item.props["message"] for item in router.state.table("log").items]


def test_add_returns_an_id_and_find_get_set_remove_use_it(router: Router) -> None:
    source = (
        ":local id [/ip address add address=10.9.0.1/24 interface=ether1 comment=lan];"
        " :put [:typeof $id]; :put [/ip address get $id address];"
        ' /ip address set [find where comment="lan"] comment=office;'
        ' :put [/ip address get [find comment="office"] interface];'
        " :put [:typeof [/ip address get $id disabled]];"
        " /ip address remove $id; :put [:len [/ip address find]]"
    )
    assert put(router, source) == ["id", "10.9.0.1/24", "ether1", "bool", "0"]


def test_relative_menu_navigation_and_prefixes(router: Router) -> None:
    source = "/ip addr\nadd address=10.1.0.1/24 interface=ether1\nadd address=10.2.0.1/24 interface=ether2\n"
    source += ":foreach i in=[find] do={ :put [get $i address] }\n:put [:typeof [find]]"
    assert put(router, source) == ["10.1.0.1/24", "10.2.0.1/24", "array"]


def test_print_as_value_returns_typed_rows(router: Router) -> None:
    put(router, "/ip address add address=10.3.0.1/24 interface=ether1")
    source = ":foreach row in=[/ip address print as-value] do={"
    source += ' :put (($row->"address") . " " . [:typeof ($row->".id")]) }'
    assert put(router, source) == ["10.3.0.1/24 id"]


def test_clock_values(router: Router) -> None:
    out = put(router, ":put [/system clock get date]; :put [:typeof [/system clock get time]]")
    assert len(out[0]) == 10 and out[0][4] == "-"
    assert out[1] == "time"


def test_menu_errors_are_the_routers_and_onerror_catches_them(router: Router) -> None:
    result = run_script(router, "/ip address add address=10.4.0.1/24 interface=nosuch", {}, "admin")
    assert result.error == "input does not match any value of interface"
    assert "script error: input does not match any value of interface" in log_messages(router)
    source = ':onerror e in={ /ip address add address=10.4.0.1/24 interface=nosuch } do={ :put "caught: $e" }'
    assert put(router, source) == ["caught: input does not match any value of interface"]


def test_unknown_menu_is_an_error(router: Router) -> None:
    result = run_script(router, "/ip nosuchmenu print", {}, "admin")
    assert result.error is not None and "bad command name nosuchmenu" in result.error


def test_sys_user_cannot_add_users(router: Router) -> None:
    result = run_script(router, "/user add name=eve group=full password=secret1", {}, SYSTEM_USER)
    assert result.error == "not enough permissions (9)"
    assert put(router, "/user add name=eve group=full password=secret1") == []


def test_policies_given_by_the_caller_limit_the_script(router: Router) -> None:
    result = run_script(router, "/ip address add address=10.5.0.1/24 interface=ether1", {}, "admin", {"read"})
    assert result.error == "not enough permissions (9)"
    assert run_script(router, ":put [:len [/ip address find]]", {}, "admin", {"read"}).output == ["0"]


def test_global_function_of_admin_is_invisible_to_sys(router: Router) -> None:
    put(router, ':global SendAlert do={ :log info "alert: $1"; :return "sent" }')
    assert put(router, ':global SendAlert; :put [$SendAlert "from admin"]') == ["sent"]
    # Netwatch runs as *sys: the same call finds nothing and silently does nothing.
    assert put(
        router, ':global SendAlert; :put [:typeof $SendAlert]; $SendAlert "from netwatch"', SYSTEM_USER
    ) == ["nothing"]
    assert "alert: from admin" in log_messages(router)
    assert "alert: from netwatch" not in log_messages(router)


def test_globals_persist_between_runs_and_vanish_on_reboot(router: Router) -> None:
    put(router, ":global counter 1")
    assert put(router, ":global counter; :set counter ($counter + 1); :put $counter") == ["2"]
    router.reboot()
    assert put(router, ":global counter; :put [:typeof $counter]") == ["nothing"]


def test_undeclared_global_is_not_visible(router: Router) -> None:
    put(router, ":global secret 1")
    assert put(router, ":put [:typeof $secret]") == ["nothing"]


def test_log_levels_reach_the_router_log(router: Router) -> None:
    put(router, ':log info "i"; :log warning "w"; :log error "e"')
    topics = [item.props["topics"] for item in router.state.table("log").items[-3:]]
    assert topics == ["script,info", "script,warning", "script,error"]


def test_netwatch_variables_are_strings(router: Router) -> None:
    result = run_script(
        router,
        ':put "$name $host $status"',
        {"host": "10.0.0.5", "name": "srv", "status": "down"},
        SYSTEM_USER,
    )
    assert result.output == ["srv 10.0.0.5 down"]


def test_system_script_run_inside_a_script_runs_synchronously(router: Router) -> None:
    put(router, '/system script add name=hello source=":put \\"from hello\\""')
    assert put(router, "/system script run hello; :put done") == ["from hello", "done"]


def test_system_script_run_needs_the_scripts_policies(router: Router) -> None:
    put(router, '/system script add name=admin-only policy=read,write,policy source=":put x"')
    result = run_script(router, "/system script run admin-only", {}, SYSTEM_USER)
    assert result.error == "not enough permissions (9)"


def test_system_script_run_from_the_api_has_run_the_script_when_it_answers(router: Router) -> None:
    put(router, '/system script add name=job source="/ip address add address=10.6.0.1/24 interface=ether1"')
    script_id = router.rows("system/script")[0][".id"]
    router.execute("system/script", "run", {".id": script_id})
    assert any(row.get("address") == "10.6.0.1/24" for row in router.rows("ip/address"))
    assert router.rows("system/script")[0]["run-count"] == "1"


def error_of(router: Router, source: str) -> str | None:
    return run_script(router, source, {}, "admin").error


def test_resolve_answers_from_static_dns_first(router: Router) -> None:
    put(router, "/ip dns static add name=nas.lab address=10.7.0.5")
    put(router, "/ip dns static add name=api.telegram.org address=10.7.0.9")
    assert put(router, ":put [:resolve nas.lab]; :put [:typeof [:resolve NAS.lab]]") == ["10.7.0.5", "ip"]
    # A static entry overrides the virtual Internet, and needs no uplink.
    router.uplink.up = False
    assert put(router, ":put [:resolve api.telegram.org]") == ["10.7.0.9"]
    put(router, "/ip dns static disable [find name=nas.lab]")
    assert error_of(router, ":resolve nas.lab") == "failure: dns server failure"


def test_resolve_gives_an_internet_name_the_address_fetch_connects_to(router: Router) -> None:
    stand_in = router.network.service(TELEGRAM_NAME, 443)
    assert stand_in is not None
    out = put(
        router, ":put [:resolve api.telegram.org]; :put [:typeof [:resolve domain-name=api.telegram.org]]"
    )
    assert out == [stand_in.target_host, "ip"]
    router.network.set_service(TELEGRAM_NAME, 443, "127.0.0.7", 9443, "lab")
    assert put(router, ":put [:resolve api.telegram.org]") == ["127.0.0.7"]


def test_resolve_of_an_address_is_the_address_even_without_uplink(router: Router) -> None:
    router.uplink.up = False
    assert put(router, ":put [:resolve 192.0.2.44]; :put [:typeof [:resolve 127.0.0.1]]") == [
        "192.0.2.44",
        "ip",
    ]


def test_resolve_failures_follow_the_uplink(router: Router) -> None:
    assert error_of(router, ":resolve example.com") == "failure: dns name does not exist"
    router.uplink.up = False
    # Without the ISP's DNS server nothing is known to exist or not: every non-static name fails alike.
    assert error_of(router, ":resolve api.telegram.org") == "failure: dns server failure"
    assert error_of(router, ":resolve example.com") == "failure: dns server failure"
    caught = ':onerror e in={ :resolve api.telegram.org } do={ :put "caught: $e" }'
    assert put(router, caught) == ["caught: failure: dns server failure"]
    router.uplink.up = True
    assert put(router, ":put [:resolve api.telegram.org]") != []


def test_resolve_refuses_what_the_lab_does_not_model(router: Router) -> None:
    put(router, "/ip dns static add name=alias.lab type=CNAME cname=nas.lab")
    assert error_of(router, ":resolve alias.lab") == (
        ":resolve through the static DNS entry type=CNAME alias.lab: not supported in the lab"
    )
    assert (
        error_of(router, ":resolve example.com server=1.1.1.1")
        == ":resolve server=: not supported in the lab"
    )
    assert error_of(router, ":resolve") == "missing value(s) of argument(s) domain-name"


def test_netwatch_name_and_comment_reach_a_script_as_strings(router: Router) -> None:
    # Guessed from the text, `1m` would be a time (printed 00:01:00) and `10` a number.
    put(router, "/tool netwatch add host=10.0.0.9 name=1m comment=10 interval=30s")
    source = (
        ':local id [/tool netwatch find where name="1m"];'
        " :put [:typeof [/tool netwatch get $id name]]; :put [:tostr [/tool netwatch get $id name]];"
        " :put [:typeof [/tool netwatch get $id comment]]; :put [/tool netwatch get $id comment];"
        " :put [:typeof [/tool netwatch get $id done-tests]];"
        " :put [:typeof [/tool netwatch get $id interval]];"
        " :put [:typeof [/tool netwatch get $id host]]"
    )
    assert put(router, source) == ["str", "1m", "str", "10", "num", "time", "ip"]


def test_print_as_value_and_whole_item_get_type_by_property(router: Router) -> None:
    put(router, "/tool netwatch add host=10.0.0.9 name=10.0.0.1 comment=true")
    source = (
        ":foreach row in=[/tool netwatch print as-value] do={"
        ' :put ([:typeof ($row->"name")] . " " . [:typeof ($row->"comment")] . " " . [:typeof ($row->"host")]'
        ' . " " . [:typeof ($row->"done-tests")] . " " . [:typeof ($row->".id")]) };'
        " :local item [/tool netwatch get [find]];"
        ' :put ([:typeof ($item->"comment")] . " " . ($item->"comment")'
        ' . " " . [:typeof ($item->"disabled")])'
    )
    assert put(router, source) == ["str str ip num id", "str true bool"]


def test_script_and_scheduler_text_stays_text(router: Router) -> None:
    put(router, '/system script add name=true source="10"')
    put(router, '/system scheduler add name=5 on-event="1h" interval=1m')
    source = (
        " :put [:typeof [/system script get true name]]; :put [:typeof [/system script get true source]];"
        " :put [:typeof [/system scheduler get 5 name]]; :put [:tostr [/system scheduler get 5 on-event]];"
        " :put [:typeof [/system scheduler get 5 interval]]"
    )
    assert put(router, source) == ["str", "str", "str", "1h", "time"]


def test_file_name_and_contents_are_strings(router: Router) -> None:
    put(router, '/file add name=10 contents="42"')
    out = put(router, ":put [:typeof [/file get 10 name]]; :put [:typeof [/file get 10 contents]]")
    assert out == ["str", "str"]


def _seed_scripts() -> list[str]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    scripts, current, inside = [], [], False
    for line in lines:
        if line.strip() == "```":
            if inside and any("/tool fetch" in part for part in current):
                scripts.append("\n".join(current))
            current, inside = [], not inside
        elif inside:
            current.append(line)
    return scripts


@pytest.mark.skipif(not SEED.exists(), reason="the seed paper is not in this checkout")
def test_seed_paper_scripts_fail_with_a_syntax_error_and_send_nothing(router: Router) -> None:
    scripts = _seed_scripts()
    assert len(scripts) == 2
    for source in scripts:
        result = run_script(router, source, {"host": "10.0.0.5"}, SYSTEM_USER)
        # `${/system clock get date}` is not interpolation: the router rejects the script before running it.
        assert result.error == "syntax error (line 4 column 27)"
        assert result.output == []
    assert log_messages(router).count("script error: syntax error (line 4 column 27)") == 2


def test_seed_script_fixed_with_command_substitution_parses(router: Router) -> None:
    source = (
        ':local datetime "Tanggal: $[/system clock get date] Jam: $[/system clock get time]"; :put $datetime'
    )
    out = put(router, source, SYSTEM_USER)
    assert out[0].startswith("Tanggal: ") and " Jam: " in out[0]


def test_get_of_a_find_that_found_nothing_is_no_such_item(router: Router) -> None:
    result = run_script(router, '/file get [find where name="missing"] contents', {}, "admin")
    assert result.error == "no such item"

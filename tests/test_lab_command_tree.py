"""The lab-wide rule, walked over the whole RouterOS 7.21.4 command tree: every command of every menu is
either implemented by the lab (a registered MenuSpec names it, as a generic command or a custom one; in
scripts also the engine's own find, print, export and root commands) or refused with `... not supported in the
lab`, naming it. Through router.execute (the API's path) and through a script (`/menu command`). Nothing
falls through to a default that answers wrongly.

Each command runs once with no arguments: an implemented one may answer or fail with the router's error (a
missing value, no such item), but never crash the lab. Then, for every implemented command, each argument of
the tree that is an option the lab does not implement (print's `follow`, fetch's `user`) is refused by name.
"""

from __future__ import annotations

import pytest

from lab.errors import CommandError
from lab.menus import registry
from lab.menus.base import ID_WORDS
from lab.router import Router, command_name
from lab.schema import tree
from lab.script import menu as script_menu
from lab.script.runner import install, run_script

SUFFIX = ": not supported in the lab"
# Root commands a script must not run with no arguments in a test: they wait, loop or stop the session.
_ROOT_SKIPPED = frozenset({"delay", "quit", "while", "for", "retry"})


@pytest.fixture(scope="module")
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def _commands() -> list[tuple[tuple[str, ...], str]]:
    return [(menu, command) for menu in tree().menus() for command in sorted(tree().commands(menu))]


def _names(menu: tuple[str, ...], command: str) -> tuple[str, ...]:
    """How a refusal may name the command: `/ip/arp/print`, and at the root `/ping` or `:ping`."""
    name = command_name("/".join(menu), command)
    return (name, f":{command}") if not menu else (name,)


def _refuses(message: str | None, menu: tuple[str, ...], command: str) -> bool:
    return message is not None and message in {f"{name}{SUFFIX}" for name in _names(menu, command)}


def test_the_walk_covers_the_whole_tree_and_every_registered_menu() -> None:
    commands = _commands()
    assert len(commands) > 3000
    walked = {"/".join(menu) for menu, _ in commands}
    assert set(registry.SPECS) <= walked


def test_every_command_is_implemented_or_refused_through_the_api_path(router: Router) -> None:
    wrong: list[str] = []
    implemented = 0
    for menu, command in _commands():
        path = "/".join(menu)
        try:
            router.execute(path, command, {})
            message = None
        except CommandError as error:
            message = error.message
        if router.implements(path, command):
            implemented += 1
            if _refuses(message, menu, command):
                wrong.append(f"{command_name(path, command)} is implemented, yet refused")
        elif not _refuses(message, menu, command):
            wrong.append(f"{command_name(path, command)}: {message!r}")
    assert not wrong, "\n".join(wrong)
    assert implemented > 200


def test_every_command_is_implemented_or_refused_in_a_script(router: Router) -> None:
    wrong: list[str] = []
    for menu, command in _commands():
        if not menu and command in _ROOT_SKIPPED:
            continue
        result = run_script(router, f"/{' '.join(menu)} {command}".replace("/ ", "/"), {}, "admin")
        assert result.error is None or "lab internal error" not in result.error, (menu, command)
        if script_menu.implements(router, menu, command):
            if _refuses(result.error, menu, command):
                wrong.append(f"{command_name('/'.join(menu), command)} is implemented, yet refused")
        elif not _refuses(result.error, menu, command):
            wrong.append(f"{command_name('/'.join(menu), command)}: {result.error!r}")
    assert not wrong, "\n".join(wrong)


def _unimplemented_options() -> list[tuple[str, str, str]]:
    """(menu, command, option) for every tree argument of an implemented command that the lab does not
    implement: for generic commands those GENERIC_OPTIONS leaves out, for custom ones those the menu's
    `options` leaves out."""
    found: list[tuple[str, str, str]] = []
    for path, spec in registry.SPECS.items():
        for command in tree().commands(spec.segments):
            implemented = spec.implemented_options(command) if spec.implements(command) else None
            if implemented is None:
                continue
            found_command = tree().command(spec.segments, command)
            assert found_command is not None
            found.extend(
                (path, command, argument)
                for argument in sorted(found_command.arguments)
                if argument not in implemented and argument not in ID_WORDS
            )
    return found


def test_options_the_lab_does_not_implement_are_refused_by_name(router: Router) -> None:
    options = _unimplemented_options()
    assert ("ip/address", "print", "follow") in options
    assert ("tool", "fetch", "user") in options
    wrong: list[str] = []
    for path, command, option in options:
        expected = f"{command_name(path, command)} {option}{SUFFIX}"
        try:
            router.execute(path, command, {option: "x"})
            message = None
        except CommandError as error:
            message = error.message
        if message != expected:
            wrong.append(f"{expected[: -len(SUFFIX)]}: {message!r}")
    assert not wrong, "\n".join(wrong)


def test_every_custom_command_with_arguments_says_which_it_implements() -> None:
    """A custom command's handler must declare its options, so that the router can refuse the rest."""
    undeclared = []
    for path, spec in registry.SPECS.items():
        for command in spec.commands:
            found = tree().command(spec.segments, command)
            arguments = set(found.arguments) - set(ID_WORDS) if found is not None else set()
            if arguments and command not in spec.options:
                undeclared.append(f"/{path}/{command}: {sorted(arguments)}")
    assert not undeclared, "\n".join(undeclared)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("/ip arp print", "/ip/arp/print: not supported in the lab"),
        ("/ip arp find", "/ip/arp/find: not supported in the lab"),
        ("/interface ethernet monitor ether1", "/interface/ethernet/monitor: not supported in the lab"),
        ("/ip address print follow", "/ip/address/print follow: not supported in the lab"),
        ("/ip address edit 0 address", "/ip/address/edit: not supported in the lab"),
        ("/ip address reset", "/ip/address/reset: not supported in the lab"),
        ("/ping 127.0.0.1", ":ping: not supported in the lab"),
        ("/export verbose", "/export verbose: not supported in the lab"),
        ("/tool fetch url=http://127.0.0.1/ user=a", "/tool/fetch user: not supported in the lab"),
    ],
)
def test_refusals_in_scripts_name_the_command(router: Router, source: str, error: str) -> None:
    assert run_script(router, source, {}, "admin").error == error


# ----- what the walk found, fixed: options that were ignored, and commands now carried out as RouterOS does


def _error(router: Router, path: str, command: str, args: dict[str, str]) -> str | None:
    try:
        router.execute(path, command, args)
    except CommandError as error:
        return error.message
    return None


@pytest.fixture
def fresh() -> Router:
    made = Router(index=2, address="127.0.1.2")
    install(made)
    return made


def _put(router: Router, source: str) -> list[str]:
    result = run_script(router, source, {}, "admin")
    assert result.error is None, result.error
    return result.output


def test_find_over_the_api_no_longer_ignores_its_arguments(fresh: Router) -> None:
    """It answered every id whatever it was given; now `where` is refused and a property is unknown."""
    assert _error(fresh, "interface", "find", {"where": "name=ether1"}) == (
        "/interface/find where: not supported in the lab"
    )
    assert _error(fresh, "interface", "find", {"name": "ether1"}) == "unknown parameter name"
    assert fresh.execute("interface", "find", {}).ret == "*1;*2;*3;*4;*5;*6"


def test_print_over_the_api_filters_as_its_options_say(fresh: Router) -> None:
    _put(fresh, "/ip firewall filter add chain=input action=accept; /ip firewall filter add chain=forward")
    chains = [
        row["chain"] for row in fresh.execute("ip/firewall/filter", "print", {"chain": "forward"}).rows or []
    ]
    assert chains == ["forward"]
    assert fresh.execute("ip/firewall/filter", "print", {"dynamic": ""}).rows == []
    assert [r[".id"] for r in fresh.execute("ip/firewall/filter", "print", {"from": "*2"}).rows or []] == [
        "*2"
    ]
    assert len(fresh.execute("ip/firewall/filter", "print", {"detail": ""}).rows or []) == 2
    assert _error(fresh, "ip/firewall/filter", "print", {"interval": "1s"}) == (
        "/ip/firewall/filter/print interval: not supported in the lab"
    )


def test_print_proplist_argument_over_the_api(fresh: Router) -> None:
    from lab.api import Request, Session  # noqa: PLC0415 - a server module, only for this one test
    from lab.jobs import user_policies  # noqa: PLC0415

    session = Session(fresh, None, None)  # type: ignore[arg-type]  # execute needs no connection
    session.policies = user_policies(fresh, "admin")
    result = session.execute(Request(command="/interface/print", args={"proplist": "name"}))
    assert result.rows is not None and result.rows[0] == {"name": "ether1"}


def test_add_place_before_puts_the_item_there_instead_of_storing_a_property(fresh: Router) -> None:
    _put(
        fresh, "/ip firewall filter add chain=input comment=a; /ip firewall filter add chain=input comment=b"
    )
    fresh.execute("ip/firewall/filter", "add", {"chain": "input", "comment": "first", "place-before": "*1"})
    rows = fresh.execute("ip/firewall/filter", "print", {}).rows or []
    assert [row["comment"] for row in rows] == ["first", "a", "b"]
    assert all("place-before" not in row for row in rows)


def test_add_without_a_name_names_as_routeros_does_or_is_refused(fresh: Router) -> None:
    assert _put(
        fresh, ":put [/interface bridge get [add] name]; :put [/interface bridge get [add] name]"
    ) == [
        "bridge1",
        "bridge2",
    ]
    assert _put(fresh, ':put [/system script get [add source=":put 1"] name]') == ["script1"]
    assert _error(fresh, "user/group", "add", {"policy": "read"}) == (
        "/user/group/add without name=: not supported in the lab"
    )


def test_firewall_counters_reset_and_are_zero(fresh: Router) -> None:
    _put(fresh, "/ip firewall filter add chain=input; /ip firewall filter reset-counters [find]")
    _put(fresh, "/ip firewall filter reset-counters-all")
    assert _put(fresh, ":put [/ip firewall filter get [find] bytes]") == ["0"]
    assert _error(fresh, "ip/firewall/filter", "reset-counters", {"numbers": "*9"}) == "no such item"


def test_get_as_string_gives_a_string(fresh: Router) -> None:
    assert _put(fresh, ":put [:typeof [/interface get ether1 mtu as-string]]") == ["str"]
    assert _put(fresh, ":put [:typeof [/interface get ether1 mtu]]") == ["num"]


def test_export_of_a_menu_and_into_a_file(fresh: Router) -> None:
    """`/ip firewall export` writes that menu's sections (address lists included), `file=` writes NAME.rsc."""
    _put(fresh, "/ip firewall address-list add list=blocked address=10.6.6.6")
    _put(fresh, "/ip address add address=10.1.1.1/24 interface=ether2")
    lines = _put(fresh, "/ip firewall export")
    assert lines[3:] == ["/ip firewall address-list", "add list=blocked address=10.6.6.6"]
    assert _put(fresh, "/ip firewall address-list export terse")[3:] == [
        "/ip firewall address-list add list=blocked address=10.6.6.6"
    ]
    _put(fresh, "/export file=backup")
    contents = _put(fresh, ":put [/file get backup.rsc contents]")[0].splitlines()
    assert contents[3:] == [
        "/ip address",
        "add address=10.1.1.1/24 interface=ether2",
        "/ip firewall address-list",
        "add list=blocked address=10.6.6.6",
    ]


def test_export_hides_sensitive_values_unless_asked(fresh: Router) -> None:
    _put(fresh, "/interface wifi set wlan1 security.passphrase=secret123 comment=ap")
    assert not any("secret123" in line for line in _put(fresh, "/export"))
    assert "set [ find default-name=wlan1 ] security.passphrase=secret123 comment=ap" in _put(
        fresh, "/interface wifi export show-sensitive"
    )


def test_the_console_export_refuses_what_it_does_not_implement(fresh: Router) -> None:
    from lab.console import Console  # noqa: PLC0415 - a server module, only for this one test
    from lab.ssh import engine_runner  # noqa: PLC0415

    console = Console(fresh, "admin", engine_runner)
    assert console.run("/export verbose") == "/export verbose: not supported in the lab"
    assert console.run("/export compact").startswith("# ")
    assert console.run("/system export terse").splitlines()[1] == "# software id = LAB-0000"

"""The lab runs the RouterOS release `serve --ros-version` names (issue 16): its commands and arguments, no
others, as tikoci/restraml's captures of real CHR builds show them (lab/data/routeros_versions.json.gz,
derived by scripts/routeros_versions.py). A command or argument the release lacks is refused with the texts
the lab gives for an unknown one, over the API, in scripts (`:` commands too) and on the SSH command line."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator

import paramiko
import pytest
from rawapi import RawClient

from lab import values
from lab.__main__ import main
from lab.schema import VERSIONS_FILE, bundled, releases, tree, version_key
from lab.testing import RunningLab, new_lab
from scripts import routeros_versions

# ----- the table


def test_the_table_is_well_formed() -> None:
    table = json.loads(gzip.decompress(VERSIONS_FILE.read_bytes()))
    captures = table["captures"]
    assert captures == sorted(captures, key=version_key) and len(set(captures)) == len(captures)
    assert re.fullmatch(r"tikoci/restraml .* at commit [0-9a-f]{40}", table["source"]["captures"])
    for path, runs in table["present"].items():
        assert runs, path
        for first, last in runs:
            assert captures.index(first) <= captures.index(last), (path, first, last)
    assert {entry[0] for entry in table["added"].values()} == {"dir", "cmd", "arg"}
    for path, span in table["ranges"].items():
        low, _, high = span.partition("..")
        assert high == "" or values.parse_duration_ms(low) <= values.parse_duration_ms(high), (path, span)


MIRROR = routeros_versions.DEFAULT_RESTRAML


@pytest.mark.skipif(not MIRROR.exists(), reason="no local clone of tikoci/restraml to derive the table from")
def test_the_script_reproduces_the_table_from_the_commit_it_names() -> None:
    source = json.loads(gzip.decompress(VERSIONS_FILE.read_bytes()))["source"]["captures"]
    commit = source.rsplit(" ", 1)[1]
    derived = routeros_versions.encode(routeros_versions.derive(MIRROR, commit))
    assert derived == VERSIONS_FILE.read_bytes(), "run .venv/bin/python scripts/routeros_versions.py"


# ----- the tree of a release

# (menu, command, argument or "" for the command itself, first release with it, last release with it or "")
WHEN = [
    (("tool",), "fetch", "idle-timeout", "7.15", ""),
    (("certificate", "settings"), "set", "builtin-trust-anchors", "7.19", "7.20"),
    (("certificate", "settings"), "set", "builtin-trust-store", "7.21", ""),
    (("tool", "netwatch"), "add", "ignore-initial-up", "7.17", ""),
    (("tool", "netwatch"), "set", "ignore-initial-down", "7.17", ""),
    ((), "deserialize", "options", "7.16", ""),
    (("certificate", "builtin"), "print", "", "7.19", ""),
]
RELEASES = ["7.14", "7.15", "7.15.1", "7.16", "7.17", "7.18.2", "7.19", "7.20.8", "7.21", "7.21.4", "7.22"]


@pytest.mark.parametrize(("menu", "command", "argument", "first", "last"), WHEN)
@pytest.mark.parametrize("release", RELEASES)
def test_a_release_has_what_its_capture_has(
    release: str, menu: tuple[str, ...], command: str, argument: str, first: str, last: str
) -> None:
    found = tree(release).command(menu, command)
    has = found is not None and (not argument or argument in found.arguments)
    minor = version_key(release)[:2]
    expected = version_key(first)[:2] <= minor and (not last or minor <= version_key(last)[:2])
    assert has == expected


def test_a_release_outside_the_captures_follows_the_nearest() -> None:
    assert (tree("7.10").capture, tree("7.15.2").capture, tree("7.99").capture) == (
        "7.14.3",
        "7.15",
        "7.22.3",
    )


def test_the_labs_own_release_keeps_the_whole_tree() -> None:
    """7.21.4 is routeros-lsp's tree as it is, menus the CHR lacks (irq rps) included; 7.22's capture lacks
    them."""
    assert tree("7.21.4").submenus(("system", "resource", "irq")) == ["rps"]
    assert tree("7.21.4").capture == bundled().version == "7.21.4"
    assert "rps" not in tree("7.22").submenus(("system", "resource", "irq"))


def test_an_argument_only_a_capture_has_takes_the_values_it_lists() -> None:
    """The lab's tree lacks what a release dropped before 7.21.4 or brought after it; the table adds it with
    the enumeration the capture's description lists (`a|b|c`)."""
    path, entry = next(
        (path, entry) for path, entry in releases().added.items() if entry[0] == "arg" and "|" in entry[-1]
    )
    *where, command, argument = path.split("/")
    capture = next(c for c in releases().captures if releases().exists(tuple(path.split("/")), c))
    found = tree(capture).command(tuple(where), command)
    assert found is not None and tree().command(tuple(where), command) != found
    assert set(found.arguments[argument].values) == set(entry[1].split("[", 1)[0].split("|"))


@pytest.mark.parametrize("version", ["6.49", "7", "7.x", "7.15beta2", "v7.15", ""])
def test_a_version_that_is_not_a_routeros_7_release_is_refused(version: str, capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--ros-version", version])
    assert stopped.value.code == 2
    assert (
        f"RouterOS version {version!r}: expected a RouterOS 7 release such as 7.15" in capsys.readouterr().err
    )


# ----- every front end of a lab running a release

# (front end, what is sent, the text a release without it answers, first release with it, last or "")
REFUSALS = [
    (
        "api",
        ("/tool/fetch", "=url=http://127.0.0.1:9/x", "=idle-timeout=5s", "=output=none"),
        "unknown parameter idle-timeout",
        "7.15",
        "",
    ),
    (
        "api",
        ("/tool/netwatch/add", "=host=10.0.0.1", "=ignore-initial-up=yes"),
        "unknown parameter",
        "7.17",
        "",
    ),
    (
        "api",
        ("/certificate/settings/set", "=builtin-trust-anchors=trusted"),
        "unknown parameter builtin-trust-anchors",
        "7.19",
        "7.20",
    ),
    ("api", ("/certificate/builtin/print",), "no such command prefix", "7.19", ""),
    (
        "ssh",
        ':put [:deserialize from=json options=json.no-string-conversion "[1]"]',
        "unknown parameter options",
        "7.16",
        "",
    ),
    (
        "ssh",
        "/certificate settings set builtin-trust-store=fetch",
        "unknown parameter builtin-trust-store",
        "7.21",
        "",
    ),
    (
        "script",
        "/tool netwatch add host=10.0.0.2 ignore-initial-down=yes",
        "unknown parameter ignore-initial-down",
        "7.17",
        "",
    ),
    (
        "script",
        ':put [:deserialize "[1]" from=json options=json.no-string-conversion]',
        "unknown parameter options",
        "7.16",
        "",
    ),
]


@pytest.fixture(scope="module", params=["7.14", "7.15", "7.19", "7.22"])
def release_lab(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("release"), extra_args=["--ros-version", request.param])
    running.start()
    yield running
    running.stop()


def _answer(lab: RunningLab, front: str, sent: str | tuple[str, ...]) -> str:
    """What the router answered: the API's trap message, the command line's output, a script's error."""
    if front == "ssh":
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # the lab's own throwaway key
        client.connect(
            lab.address(1),
            port=2222,
            username="admin",
            password="lab-admin",
            look_for_keys=False,
            allow_agent=False,
        )
        try:
            _, stdout, _ = client.exec_command(str(sent))
            return str(stdout.read().decode())
        finally:
            client.close()
    api = RawClient(lab.address(1))
    try:
        api.login()
        if front == "script":
            api.talk("/system/script/remove", "=numbers=probe")
            api.talk("/system/script/add", "=name=probe", f"=source={sent}")
            sent = ("/system/script/run", "=number=probe")
        replies = api.talk(*sent)
    finally:
        api.close()
    return " ".join(word for reply in replies for word in reply if word.startswith("=message="))


def test_a_lab_refuses_what_its_release_lacks_on_every_front_end(release_lab: RunningLab) -> None:
    (router,) = release_lab.ctl("routers")
    release = router["version"]
    assert router["command-tree"] == tree(release).capture
    minor = version_key(release)[:2]
    for front, sent, refusal, first, last in REFUSALS:
        has = version_key(first)[:2] <= minor and (not last or minor <= version_key(last)[:2])
        answer = _answer(release_lab, front, sent)
        assert (refusal not in answer) == has, (release, front, sent, answer)

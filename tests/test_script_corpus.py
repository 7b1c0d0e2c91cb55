"""A corpus of realistic multi-line scripts, written for this project from the RouterOS scripting manual's
idioms (global functions, arrays of arrays and key-value arrays, `:foreach` over `print as-value`, `:do
on-error` and `:onerror`, JSON, a scheduler-driven loop, a Netwatch script and its context variables, string
building, `:convert to=url`, address arithmetic, a function library kept as a script), run in the lab and
checked line by line.

Each tests/corpus/NAME.rsc runs in a fresh in-process router with the script engine and the ticker (so the
scheduler runs); its output must be tests/corpus/NAME.out. A line `# lab-run: user=U name=value ...` runs the
script once per such line as that user with those variables (Netwatch's context), the outputs one after the
other; `*sys` runs with Netwatch's policies. Without such a line the script runs once as admin. Every script
also passes `routeros-lsp check --strict --scope script`, the variables of its runs declared as context
variables.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.jobs import SYSTEM_POLICIES, SYSTEM_USER
from lab.router import Router
from lab.script.runner import install, run_script
from lab.ticker import Ticker

CORPUS = Path(__file__).parent / "corpus"
SCRIPTS = sorted(CORPUS.glob("*.rsc"))
CHECKER = Path(sys.executable).parent / "routeros-lsp"
RUN_MARK = "# lab-run:"


def _runs(source: str) -> list[tuple[str, dict[str, str]]]:
    """(user, variables) for each run the script asks for."""
    runs: list[tuple[str, dict[str, str]]] = []
    for line in source.splitlines():
        if line.startswith(RUN_MARK):
            variables = dict(word.split("=", 1) for word in shlex.split(line[len(RUN_MARK) :]))
            runs.append((variables.pop("user", "admin"), variables))
    return runs or [("admin", {})]


@pytest.fixture
def router() -> Iterator[Router]:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    ticker = Ticker([made])
    ticker.start()
    yield made
    ticker.stop()


def test_the_corpus_is_there() -> None:
    assert 8 <= len(SCRIPTS) <= 12
    for script in SCRIPTS:
        assert 10 <= len(script.read_text().splitlines()) <= 40, script.name
        assert script.with_suffix(".out").is_file(), f"{script.name} has no .out beside it"


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.stem for script in SCRIPTS])
def test_the_script_prints_what_it_should(router: Router, script: Path) -> None:
    source = script.read_text()
    output: list[str] = []
    for user, variables in _runs(source):
        policies = set(SYSTEM_POLICIES) if user == SYSTEM_USER else None
        result = run_script(router, source, variables, user, policies)
        assert result.error is None, f"{script.name} as {user} {variables}: {result.error}"
        output.extend(result.output)
    expected = script.with_suffix(".out").read_text().splitlines()
    assert output == expected


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.stem for script in SCRIPTS])
def test_the_script_passes_routeros_lsp_strict(script: Path) -> None:
    names = sorted({name for _, variables in _runs(script.read_text()) for name in variables})
    context = [option for name in names for option in ("--context-variable", name)]
    command = [str(CHECKER), "check", "--strict", "--scope", "script", *context, str(script)]
    checked = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


# ----- what writing the corpus found in the lab, fixed


def test_run_count_counts_every_run_of_a_script(router: Router) -> None:
    """run-count is how many times the script ran: run from a script, and run by the scheduler by name, count
    as `run` over the API always did (the corpus's scheduler loop read 0)."""
    assert run_script(router, '/system script add name=s source=":log info ran"', {}, "admin").error is None
    assert run_script(router, "/system script run s; /system script run s", {}, "admin").error is None
    router.execute("system/scheduler", "add", {"name": "every", "interval": "1s", "on-event": "s"})
    deadline = 50
    while router.rows("system/scheduler")[0].get("run-count") == "0" and deadline:
        time.sleep(0.1)
        deadline -= 1
    row = next(row for row in router.rows("system/script") if row.get("name") == "s")
    assert int(row["run-count"]) >= 3


def test_a_block_of_code_as_a_property_value_is_stored_as_its_text(router: Router) -> None:
    """`source={ ... }` (the manual's scheduler example: `add name=enable-x source={/system scheduler {...
    enable x}}`) stores the code between the braces as the property's text; before, the lab read the braces as
    an array (`an array element must be one value`). Braces of values stay an array."""
    source = '/system script add name=t source={\n    :global n\n    :put "run $n"\n}\n'
    source += ":global n 5\n/system script run t\n:put [/system script get t source]"
    assert run_script(router, source, {}, "admin").output == ["run 5", '\n    :global n\n    :put "run $n"\n']
    source = "/system scheduler add name=enable-x interval=1h on-event={/system scheduler {enable x}}"
    assert run_script(router, source, {}, "admin").error is None
    assert router.rows("system/scheduler")[0]["on-event"] == "/system scheduler {enable x}"
    assert run_script(router, '/ip dns set servers={"1.1.1.1";"9.9.9.9"}', {}, "admin").error is None
    assert router.rows("ip/dns")[0]["servers"] == "1.1.1.1,9.9.9.9"

"""The lab package's shape: its dependencies run one way, state below behaviour below the servers.

Read from the source with `ast`, every import counts: at the top of a module, inside a function, and under
`if TYPE_CHECKING:` (a type named from a higher layer is a dependency too). A module may import its own layer
or a lower one, never a higher one; behaviour is itself ordered (jobs, then the menus, then the router that
carries out their commands, then the script engine and what runs scripts). Where a lower module must name a
higher one's type it names a protocol of its own instead: lab.jobs.JobHost and lab.menus.base.RouterView for
the router, lab.control.LabView for the running lab.

Import cycles are refused too, except the ones listed in ALLOWED_CYCLE_EDGES with the reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

LAB = Path(__file__).resolve().parent.parent / "lab"

# Bottom to top. A module belongs to the first layer with a prefix that names it or a package above it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "state",
        (
            "lab",  # the package itself: a docstring
            "lab.errors",
            "lab.values",
            "lab.model",
            "lab.schema",
            "lab.clock",
            "lab.stats",
            "lab.storage",
            "lab.faults",
            "lab.network",
            "lab.policies",
        ),
    ),
    ("behaviour: jobs", ("lab.jobs",)),
    ("behaviour: menus", ("lab.menus", "lab.fetch")),
    ("behaviour: router", ("lab.router",)),
    (
        "behaviour: script engine and what runs scripts",
        (
            "lab.script",
            "lab.console_print",
            "lab.export",
            "lab.query",
            "lab.dns",
            "lab.reachability",
            "lab.netwatch",
            "lab.scheduler",
            "lab.ticker",
            "lab.scenarios",
        ),
    ),
    (
        "servers",
        (
            "lab.protocol",
            "lab.api",
            "lab.console",
            "lab.ssh",
            "lab.tls",
            "lab.telegram",
            "lab.control",
            "lab.control_network",
            "lab.control_storage",
            "lab.control_fetch",
            "lab.control_scenario",
            "lab.server",
            "lab.testing",
            "lab.__main__",
        ),
    ),
)

# Import edges that close a cycle, allowed with the reason. All are TYPE_CHECKING imports inside one layer.
ALLOWED_CYCLE_EDGES = {
    # The `:` commands and menu commands are handlers the evaluator looks up and calls with itself; they name
    # its types (Interpreter, Call) for mypy only, so the evaluator can import them to register them.
    ("lab.script.commands", "lab.script.evaluator"): "handlers name the evaluator that calls them",
    ("lab.script.jobcommands", "lab.script.evaluator"): "handlers name the evaluator that calls them",
    ("lab.script.menu", "lab.script.evaluator"): "handlers name the evaluator that calls them",
    ("lab.script.program", "lab.script.evaluator"): "runs code in an interpreter the evaluator defines",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(LAB.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(LAB.rglob("*.py"))}


def _imports(path: Path, known: set[str]) -> set[tuple[str, str]]:
    """(imported lab module, how: "top", "function" or "type-checking") for every import in the module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    how: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in ast.walk(node):
                how[id(inner)] = "type-checking"
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                how.setdefault(id(inner), "function")
    found: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from lab.script import menu` imports the module lab.script.menu; `from lab.x import f`, lab.x.
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [name if name in known else node.module for name in names]
        for name in names:
            if name == "lab" or name.startswith("lab."):
                found.add((name, how.get(id(node), "top")))
    return found


def _layer(module: str) -> int:
    best: tuple[int, int] | None = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            names_it = module == prefix or (prefix != "lab" and module.startswith(prefix + "."))
            if names_it and (best is None or len(prefix) > best[1]):
                best = (rank, len(prefix))
    assert best is not None, f"{module} belongs to no layer: add it to LAYERS in {Path(__file__).name}"
    return best[0]


def _graph() -> dict[str, set[tuple[str, str]]]:
    modules = _modules()
    known = set(modules)
    return {module: _imports(path, known) for module, path in modules.items()}


def test_every_module_has_a_layer() -> None:
    for module in _modules():
        _layer(module)


def test_no_module_imports_a_higher_layer() -> None:
    upward = []
    for module, imports in _graph().items():
        for imported, how in sorted(imports):
            if _layer(imported) > _layer(module):
                upward.append(
                    f"{module} ({LAYERS[_layer(module)][0]}) imports {imported} "
                    f"({LAYERS[_layer(imported)][0]}) at {how} level"
                )
    assert not upward, "\n".join(upward)


def test_no_import_cycles_but_the_documented_ones() -> None:
    edges = {
        module: {imported for imported, _ in imports if (module, imported) not in ALLOWED_CYCLE_EDGES}
        for module, imports in _graph().items()
    }
    cycles: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(edges.get(module, ())):
            if imported == module:
                continue
            if state.get(imported) == "open":
                cycles.append([*trail[trail.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*trail, imported])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_the_named_cycles_of_the_issue_are_gone() -> None:
    """Issue 9: `router.py` and `menus/` imported each other, and so did `server.py` and `control.py`."""
    graph = _graph()
    assert not any(
        imported == "lab.router"
        for module in graph
        if module.startswith("lab.menus")
        for imported, _ in graph[module]
    )
    assert not any(imported == "lab.server" for imported, _ in graph["lab.control"])


def test_the_import_reader_sees_every_kind_of_import(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from lab import errors\n"
        "import lab.model\n"
        "if TYPE_CHECKING:\n"
        "    from lab.router import Router\n"
        "def f():\n"
        "    from lab.script.runner import run_script\n"
    )
    known = {"lab.errors", "lab.model", "lab.router", "lab.script.runner"}
    assert _imports(source, known) == {
        ("lab.errors", "top"),
        ("lab.model", "top"),
        ("lab.router", "type-checking"),
        ("lab.script.runner", "function"),
    }

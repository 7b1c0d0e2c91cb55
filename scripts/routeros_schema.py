"""Write filter_plugins/routeros_schema.json: what RouterOS 7.21.4 takes for every property the baseline roles
pass (routeros_data.KEYS, at routeros_data.MENUS) and for Netwatch's probe settings (with the ranges of
lab/data/routeros_versions.json.gz), from the command tree as lab/schema.py reads it with its documented gaps.
The controller reads this small file instead of the whole tree, which would cost every Ansible worker a
quarter of a second; tests/test_routeros_schema.py fails when the two differ.

    .venv/bin/python scripts/routeros_schema.py
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lab.schema import tree  # noqa: E402 - the repository root is on the path only from here on


def _routeros_data() -> Any:
    spec = importlib.util.spec_from_file_location(
        "routeros_data", ROOT / "filter_plugins" / "routeros_data.py"
    )
    if spec is None or spec.loader is None:
        raise ImportError("routeros_data")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def export() -> dict[str, Any]:
    data = _routeros_data()
    kinds: dict[str, dict[str, Any]] = {}
    for kind, menu in data.MENUS.items():
        words = tuple(menu.split("/"))
        command = tree().command(words, "add") or tree().command(words, "set")
        if command is None:
            raise LookupError(f"{menu} has neither add nor set in the command tree")
        kinds[kind] = {
            key: command.arguments[key].facts() for key in data.KEYS[kind] if key in command.arguments
        }
    # The ranges of Netwatch's numbers and durations, which the controller checks probe settings against
    # (routeros_alerting).
    netwatch = tree().command(("tool", "netwatch"), "add")
    if netwatch is None:
        raise LookupError("tool/netwatch has no add in the command tree")
    probe = {
        name: facts
        for name, argument in sorted(netwatch.arguments.items())
        if (facts := argument.facts())["kind"] in ("duration", "int")
    }
    return {"routeros": tree().version, "kinds": kinds, "netwatch": probe}


def main() -> None:
    target = ROOT / "filter_plugins" / "routeros_schema.json"
    target.write_text(json.dumps(export(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

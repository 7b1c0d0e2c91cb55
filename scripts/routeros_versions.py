"""Write lab/data/routeros_versions.json.gz: in which RouterOS releases each menu, command and argument
exists, and the range each duration argument accepts.

Inputs, read offline:
- the command trees tikoci/restraml captured from CHR builds (`docs/<version>/inspect.json`, public domain),
  from a local clone of https://github.com/tikoci/restraml (default /work/.mirror/tikoci+restraml/repo, a bare
  repository is fine); the file names the commit it was read at;
- the lab's own tree: RouterOS 7.21.4 as routeros-lsp ships it (through lab/schema.py).

For every path of the lab's tree or of a capture, the table keeps the captures it exists in, written as runs
of consecutive captures, and only where that differs from its parent (a child exists where its parent does,
unless the table says otherwise). Paths the lab's tree lacks are listed with their kind (and an argument's
description), so the lab can serve them on the releases that have them. Paths of the lab's tree in no
capture (hardware menus the CHR lacks) are left out: the lab keeps them on every release.

    .venv/bin/python scripts/routeros_versions.py [--restraml PATH] [--commit SHA]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lab.schema import VERSIONS_FILE, bundled  # noqa: E402 - the repository root is on the path only from here on

DEFAULT_RESTRAML = Path("/work/.mirror/tikoci+restraml/repo")
# The plain release and the newest patch release of each minor the mirror holds, 7.14 (the last before the
# releases users run) to 7.22; 7.21.4 because it is the lab's own tree.
CAPTURES = (
    "7.14.3",
    "7.15",
    "7.15.3",
    "7.16",
    "7.16.2",
    "7.17",
    "7.17.1",
    "7.18",
    "7.18.2",
    "7.19",
    "7.19.6",
    "7.20",
    "7.20.8",
    "7.21",
    "7.21.4",
    "7.21.5",
    "7.22",
    "7.22.3",
)
# An argument's description carries a range like `1s..71w2h27m52s950ms    (time interval)` or `20ms..`.
_TIME_RANGE = re.compile(r"(\S*)\.\.(\S*)\s+\(time interval\)")

Path_ = tuple[str, ...]


def _git(repository: Path, *arguments: str) -> bytes:
    return subprocess.run(["git", "-C", str(repository), *arguments], capture_output=True, check=True).stdout


def _capture(repository: Path, commit: str, version: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(_git(repository, "show", f"{commit}:docs/{version}/inspect.json"))
    return found


def _walk_capture(node: dict[str, Any], into: dict[Path_, tuple[str, str]], path: Path_ = ()) -> None:
    """Every path below `node` with its kind (dir, cmd, arg) and description."""
    for name, child in node.items():
        if name.startswith("_") or not isinstance(child, dict):
            continue
        kind = "dir" if child.get("_type") == "path" else str(child.get("_type"))
        into[(*path, name)] = (kind, str(child.get("desc", "")))
        _walk_capture(child, into, (*path, name))


def _walk_lab(node: dict[str, Any], into: set[Path_], path: Path_ = ()) -> None:
    for name, child in node.get("c", {}).items():
        into.add((*path, name))
        _walk_lab(child, into, (*path, name))
    for name in node.get("a", {}):
        into.add((*path, name))


def _runs(indexes: list[int]) -> list[list[str]]:
    """Consecutive captures as [first, last] pairs."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][1] == index - 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return [[CAPTURES[first], CAPTURES[last]] for first, last in runs]


def derive(repository: Path, revision: str = "HEAD") -> dict[str, Any]:
    commit = _git(repository, "rev-parse", f"{revision}^{{commit}}").decode().strip()
    where: dict[Path_, set[int]] = {}
    kinds: dict[Path_, tuple[str, str]] = {}
    ranges: dict[Path_, str] = {}
    for index, version in enumerate(CAPTURES):
        found: dict[Path_, tuple[str, str]] = {}
        _walk_capture(_capture(repository, commit, version), found)
        for path, (kind, description) in found.items():
            where.setdefault(path, set()).add(index)
            # The newest capture's kind and description win: the table describes what a router runs now.
            kinds[path] = (kind, description)
            matched = _TIME_RANGE.fullmatch(description.strip())
            if matched:
                ranges[path] = f"{matched.group(1)}..{matched.group(2)}"
    lab: set[Path_] = set()
    _walk_lab(bundled().root, lab)
    every = set(range(len(CAPTURES)))
    present = {}
    for path, indexes in where.items():
        parent = where.get(path[:-1], every) if len(path) > 1 else every
        if indexes != parent:
            present["/".join(path)] = _runs(sorted(indexes))
    added = {}
    for path in where:
        if path not in lab:
            kind, description = kinds[path]
            added["/".join(path)] = [kind, description] if kind == "arg" and description else [kind]
    return {
        "source": {
            "captures": f"tikoci/restraml docs/<version>/inspect.json at commit {commit}",
            "lab-tree": f"routeros-lsp, RouterOS {bundled().version}",
            "script": "scripts/routeros_versions.py",
        },
        "captures": list(CAPTURES),
        "present": dict(sorted(present.items())),
        "added": dict(sorted(added.items())),
        "ranges": {"/".join(path): text for path, text in sorted(ranges.items())},
    }


def encode(table: dict[str, Any]) -> bytes:
    """The same table always gives the same bytes (no time stamp in the gzip header)."""
    text = json.dumps(table, sort_keys=False, separators=(",", ":"), ensure_ascii=False) + "\n"
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restraml", type=Path, default=DEFAULT_RESTRAML, help="a clone of tikoci/restraml")
    parser.add_argument("--commit", default="HEAD", help="the clone's commit to read (default HEAD)")
    parser.add_argument("--output", type=Path, default=VERSIONS_FILE)
    arguments = parser.parse_args(argv)
    arguments.output.write_bytes(encode(derive(arguments.restraml, arguments.commit)))
    print(f"wrote {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

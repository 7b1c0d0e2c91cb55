"""What taking over left on each router, besides what the default scenario's tests check (the same state as
on an empty router): no Netwatch entry, script or schedule the toolkit does not own, so no hand-made alerting
with its token in clear text, and nothing that still alerts a second time."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from testinfra.host import Host

_SPEC = importlib.util.spec_from_file_location(
    "molecule_default_tests", Path(__file__).resolve().parents[2] / "default" / "tests" / "test_default.py"
)
assert _SPEC is not None and _SPEC.loader is not None
default = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(default)


def test_every_probe_script_and_schedule_is_the_toolkits(host: Host) -> None:
    marker = default.marker(host)
    for path in ("tool netwatch", "system script", "system scheduler"):
        rows = default.read(host, path)
        assert rows, path
        assert [row for row in rows if not str(row.get("comment", "")).startswith(marker)] == [], path

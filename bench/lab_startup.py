"""How long `python -m lab serve --routers N` takes to say `lab ready`, and how much memory it then holds.

Prints a table; the goal for 50 routers is under 10 s and under 300 MB (issue 2).
Run: .venv/bin/python bench/lab_startup.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import librouteros

from lab.testing import new_lab


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(routers: int) -> tuple[float, float, float, float]:
    with tempfile.TemporaryDirectory() as state:
        lab = new_lab(Path(state), routers=routers)
        lab.start()
        try:
            assert lab.process is not None
            idle = resident_mb(lab.process.pid)
            started = time.monotonic()
            for index in range(1, routers + 1):
                api = librouteros.connect(host=lab.address(index), username="admin", password="lab-admin")
                list(api.path("interface"))
                api.close()
            per_router_ms = (time.monotonic() - started) * 1000 / routers
            busy = resident_mb(lab.process.pid)
            first_start = lab.startup_seconds
        finally:
            lab.stop()
        # A second start reuses the saved state and certificates, as a rerun of the demo does.
        lab.start()
        warm = lab.startup_seconds
        lab.stop()
    return first_start, warm, max(idle, busy), per_router_ms


def main() -> None:
    print(f"{'routers':>8} {'cold start s':>13} {'warm start s':>13} {'RSS MB':>8} {'login+print ms':>15}")
    for routers in (1, 10, 50):
        cold, warm, rss, per_router = measure(routers)
        print(f"{routers:>8} {cold:>13.2f} {warm:>13.2f} {rss:>8.1f} {per_router:>15.1f}")


if __name__ == "__main__":
    main()

"""Shared fixtures: a running lab in a subprocess, torn down after the test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lab.testing import RunningLab, new_lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("lab"), routers=2)
    running.start()
    yield running
    running.stop()

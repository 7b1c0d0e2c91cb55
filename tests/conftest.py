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


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Each phase's report on the test item (`item.report_call`), so that a fixture can tell whether its test
    failed and put a shared lab back in order: one failure must not fail every later test of the module."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report

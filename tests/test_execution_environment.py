"""The execution environment for AWX / Automation Platform: ansible-builder renders its build context offline
from the project's own pins, so the image runs exactly what `make test` tested."""

from __future__ import annotations

import subprocess

import yaml
from ansible_run import BIN, ROOT


def test_the_build_context_renders_offline_with_the_projects_pins(tmp_path):
    context = tmp_path / "context"
    done = subprocess.run(
        [str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(context)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    build = context / "_build"
    assert (build / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    assert yaml.safe_load((build / "requirements.yml").read_text()) == yaml.safe_load(
        (ROOT / "requirements.yml").read_text()
    )
    dockerfile = (context / "Dockerfile").read_text()
    core = next(
        line
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if line.startswith("ansible-core==")
    )
    assert core in dockerfile, "the image's ansible-core is the one constraints.txt pins"
    assert "python3.11" in dockerfile

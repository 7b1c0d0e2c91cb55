"""Each role's inputs, checked and turned into its plan inside routeros_apply, before any connection.

A play that applies many roles imports them for their variables only, so no per-role task checks them: a
task per role and router costs the controller a worker process and a full variable computation each, more
than the whole apply (bench/README.md). Here, in the one task, each role in turn gets what its own task would
have given: its meta/argument_specs.yml checked as Ansible checks it, then its cross-reference checks
(routeros_<role>_checks, in its vars), then its plan (routeros_<role>_plan).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

# The roles live side by side: this file is roles/routeros_apply/action_plugins/.
ROLES = Path(__file__).resolve().parents[2]


@cache
def argument_spec(role: str) -> dict[str, Any]:
    """The options of the role's main entry point; a role without one has nothing to check."""
    path = ROLES / role / "meta" / "argument_specs.yml"
    if not path.is_file():
        return {}
    specs = yaml.safe_load(path.read_text()) or {}
    return dict(((specs.get("argument_specs") or {}).get("main") or {}).get("options") or {})


def plan(templar: Any, task_vars: dict[str, Any], roles: list[str]) -> list[dict[str, Any]]:
    """Every role's plan entries, in role order, once all the roles' inputs have passed their checks."""
    for role in roles:
        spec = argument_spec(role)
        provided = templar.template({name: task_vars[name] for name in spec if name in task_vars})
        checked = ArgumentSpecValidator(spec).validate(provided, validate_role_argument_spec=True)
        if errors := checked.error_messages:
            raise AnsibleActionFail(f"{role}: validation of arguments failed:\n" + "\n".join(errors))
        if f"{role}_checks" in task_vars:
            templar.template(task_vars[f"{role}_checks"])
    entries: list[dict[str, Any]] = []
    for role in roles:
        entries.extend(templar.template(task_vars.get(f"{role}_plan", [])))
    return entries

"""Write one backup directory and prune the oldest ones, in a single module run on the controller.

The same work as file + copy + copy + find + file (each copy being two module runs): every module run is a
new Python process, and the backup runs for every router on every run of the baseline.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: routeros_backup_store
short_description: Write a router's backup files into a new directory and keep only the newest backups
description:
  - Creates O(path) (mode C(0700), parents as needed) and writes each of O(files) into it (mode C(0600)).
  - Then deletes the oldest sibling directories of O(path), by name, so that O(keep) remain. Backup directory
    names are UTC timestamps, so name order is age order.
version_added: "1.0.0"
author: netwatch-telegram-lab
options:
  path:
    description: The new backup directory, for example C(backups/<host>/<UTC timestamp>).
    type: path
    required: true
  files:
    description: File name (no directory part) to file content.
    type: dict
    required: true
  keep:
    description: How many backup directories to keep beside and including O(path); at least 1.
    type: int
    required: true
notes:
  - Does not support check mode; the role skips the backup in check mode.
"""

EXAMPLES = r"""
- name: Save the backup and keep the ten newest
  routeros_backup_store:
    path: "backups/{{ inventory_hostname }}/20260101T000000Z"
    files:
      backup.yml: "{{ document | to_nice_yaml(indent=2) }}"
    keep: 10
  delegate_to: localhost
"""

RETURN = r"""
path:
  description: The backup directory written.
  returned: success
  type: str
  sample: backups/lab-r1/20260101T000000Z
removed:
  description: Older backup directories deleted to keep O(keep).
  returned: success
  type: list
  elements: str
  sample: [backups/lab-r1/20251201T000000Z]
"""


def write_private(path: Path, content: str) -> None:
    """Written through a descriptor opened 0600, so the file is never readable by others, even briefly."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(path, 0o600)


def prune(parent: Path, keep: int) -> list[str]:
    backups = sorted(entry for entry in parent.iterdir() if entry.is_dir())
    doomed = backups[: max(len(backups) - keep, 0)]
    for directory in doomed:
        shutil.rmtree(directory)
    return [str(directory) for directory in doomed]


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "files": {"type": "dict", "required": True},
            "keep": {"type": "int", "required": True},
        },
        supports_check_mode=False,
    )
    target = Path(module.params["path"])
    files: dict[str, Any] = module.params["files"]
    keep: int = module.params["keep"]
    if keep < 1:
        module.fail_json(msg=f"keep: {keep} would delete the backup just written; expected 1 or more")
    for name in files:
        if not name or Path(name).name != name:
            module.fail_json(
                msg=f"files: {name!r} is not a plain file name; expected a name such as backup.yml"
            )
    try:
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        target.chmod(0o700)
        for name, content in files.items():
            write_private(target / name, str(content))
        removed = prune(target.parent, keep)
    except OSError as error:
        module.fail_json(msg=f"path: {str(target)!r}: {error}")
    module.exit_json(changed=True, path=str(target), removed=removed)


if __name__ == "__main__":
    main()

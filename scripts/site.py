"""`make site INVENTORY=inventory/<site> [ARGS="--check --diff"]`: site.yml against a real site, with that
site's vault password and no other.

The repository's ansible.cfg offers the lab's published vault password to every run (so that
`ansible-playbook site.yml` works against the lab with no flag). A real site must not lean on it: this wrapper
replaces it with the site's own password (`<inventory>/vault-password.txt` if it is there, gitignored, or
the file VAULT_PASSWORD_FILE names; else ansible-playbook asks for it), and refuses a password file that holds
one of the repository's published EXAMPLE passwords.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The vault passwords published with the repository: anyone can read them, so no real site may use them.
PUBLISHED = tuple(ROOT / "inventory" / name / "vault-password.txt" for name in ("lab", "example"))
USAGE = 'usage: make site INVENTORY=inventory/<site> [ARGS="--check --diff"]'


class Refused(Exception):
    """The run would not be safe or would not work; the message says what to do."""


def password_file(inventory: Path, environment: dict[str, str]) -> Path | None:
    """The site's vault password file, or None to have ansible-playbook ask for the password."""
    named = environment.get("VAULT_PASSWORD_FILE", "")
    if named:
        chosen = Path(named)
        if not chosen.is_file():
            raise Refused(
                f"VAULT_PASSWORD_FILE: {named!r} is not valid; expected a file holding the vault password"
            )
    else:
        chosen = inventory / "vault-password.txt"
        if not chosen.is_file():
            return None
    secret = chosen.read_text(encoding="utf-8").strip()
    for published in PUBLISHED:
        if secret == published.read_text(encoding="utf-8").strip():
            raise Refused(
                f"{chosen}: the vault password is the repository's published EXAMPLE password "
                f"({published.relative_to(ROOT)}), which anyone can read; expected a password of your own: "
                f"`ansible-vault rekey --vault-id {chosen} --new-vault-id site@prompt "
                f"{inventory}/group_vars/*/vault.yml`, then put the new password in {chosen} (gitignored)"
            )
    return chosen.resolve()


def command(
    inventory_text: str, args: list[str], environment: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    """The ansible-playbook command line and environment for the site, or Refused."""
    if not inventory_text:
        raise Refused(f"INVENTORY: '' is not valid; expected the site's inventory directory\n{USAGE}")
    inventory = Path(inventory_text).absolute()
    if not (inventory / "hosts.yml").is_file():
        raise Refused(
            f"INVENTORY: {inventory_text!r} is not valid; expected a directory with hosts.yml and "
            "group_vars/, such as a copy of inventory/example"
        )
    if inventory.resolve() == (ROOT / "inventory" / "lab").resolve():
        raise Refused(
            "INVENTORY: 'inventory/lab' is the lab, not a site; run `.venv/bin/ansible-playbook site.yml` "
            "for it"
        )
    chosen = password_file(inventory, environment)
    # The lab's password is not offered at all: a vault encrypted with it fails to decrypt here.
    identity = f"site@{chosen}" if chosen is not None else "site@prompt"
    run_environment = {
        **environment,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_VAULT_IDENTITY_LIST": identity,
    }
    binary = Path(sys.executable).parent / "ansible-playbook"
    return [str(binary), "-i", str(inventory), str(ROOT / "site.yml"), *args], run_environment


def main(args: list[str]) -> int:
    try:
        line, environment = command(os.environ.get("INVENTORY", ""), args, dict(os.environ))
    except Refused as refused:
        print(f"make site: {refused}", file=sys.stderr)
        return 2
    os.chdir(ROOT)
    os.execve(line[0], line, environment)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Put the Telegram notifier's private pieces on a RouterOS router over one API login: the bot token, in one
file that /export never shows, and trust in the certificate authority of the Bot API, so the router's fetch
can check the certificate. community.routeros.api_modify knows neither /file nor the 7.21 trust store.

The token is a `no_log` option: Ansible hides it in every output, and this module never returns it, not in
the diff either (it says whether the file changed, not what it holds).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.routeros_connection import CONNECTION_SPEC, connect
from ansible_collections.community.routeros.plugins.module_utils.api import check_has_library

try:
    from librouteros.exceptions import LibRouterosError
except ImportError:
    # check_has_library() reports the missing library; this name is then never reached.
    LibRouterosError = Exception

DOCUMENTATION = r"""
---
module: routeros_telegram_setup
short_description: Store the Telegram bot token on a RouterOS router and trust the Bot API's CA
description:
  - Writes O(token) into the router file O(token_file) (created if missing, rewritten only if different).
    On a board whose root is a RAM disk (its /file list has an entry named C(flash)), the file goes under
    C(flash/), where the notifier's scripts look for it too, unless O(token_file) already starts there.
  - With O(trust=auto), trusts the built-in store where the router has C(builtin-trust-store) (RouterOS 7.21
    and later), else imports O(ca_pem) as for O(trust=certificate). 7.19 and 7.20 name a store
    C(builtin-trust-anchors) whose values no source documents, so auto does not rely on it there.
  - With O(trust=builtin), makes fetch trust RouterOS's built-in CA store (C(builtin-trust-store) includes
    C(fetch) on 7.21+, C(builtin-trust-anchors=trusted) on 7.19 and 7.20).
  - With O(trust=certificate), imports O(ca_pem) as a trusted certificate named O(ca_name), replacing an
    older one of that name.
version_added: "1.0.0"
author: netwatch-telegram-lab
options:
  connection:
    description: The router's API connection settings (routeros_api_connection).
    type: dict
    required: true
  token_file:
    description: Router file that holds the token, for example C(netwatch-telegram/bot-token).
    type: str
    required: true
  token:
    description: The bot token. Never shown in any output.
    type: str
    required: true
  trust:
    description: Where the router's fetch finds the CA of the Bot API's certificate.
    type: str
    choices: [auto, builtin, certificate]
    default: auto
  ca_pem:
    description: The CA certificate (PEM) for O(trust=certificate), and for O(trust=auto) on a router without
      a built-in CA store.
    type: str
  ca_name:
    description: Name of the imported certificate, and of its file next to O(token_file).
    type: str
    default: netwatch-telegram-ca
notes:
  - Supports check mode and diff mode (the diff names what changes, never the token).
"""

EXAMPLES = r"""
- name: Store the token and trust the built-in CA store
  routeros_telegram_setup:
    connection: "{{ routeros_api_connection }}"
    token_file: netwatch-telegram/bot-token
    token: "{{ vault_telegram_token }}"
"""

RETURN = r"""
changes:
  description: What changed (or would change in check mode), in words.
  returned: always
  type: list
  elements: str
  sample: ["token file netwatch-telegram/bot-token written", "builtin-trust-store: fetch added"]
token_file:
  description: The router file that holds the token (under C(flash/) on a board whose root is a RAM disk).
  returned: always
  type: str
  sample: flash/netwatch-telegram/bot-token
trust:
  description: How the router trusts the Bot API's CA after this run, O(trust=auto) resolved.
  returned: always
  type: str
  sample: builtin
"""

# The manual (Files): on a device with a "flash" entry in its file list, only what lies within it survives a
# reboot; everything else is a RAM disk. The notifier's scripts (_storage.rsc.j2) decide the same way.
FLASH = "flash"


def on_disk(api: Any, name: str) -> str:
    """Where `name` must live to survive a reboot: under flash/ when the router has a flash entry."""
    if name.startswith(f"{FLASH}/"):
        return name
    has_flash = any(row.get("name") == FLASH for row in api.path("file").select(".id", "name"))
    return f"{FLASH}/{name}" if has_flash else name


def _one(rows: Any, key: str, value: str) -> dict[str, Any] | None:
    return next((row for row in rows if row.get(key) == value), None)


def ensure_file(api: Any, name: str, contents: str, check: bool) -> str | None:
    """Write a router file; answers what changed, or None."""
    files = api.path("file")
    row = _one(files.select(".id", "name", "contents"), "name", name)
    if row is not None and row.get("contents", "") == contents:
        return None
    if not check:
        if row is None:
            files.add(name=name, contents=contents)
        else:
            files.update(**{".id": row[".id"], "contents": contents})
    return f"file {name} {'created' if row is None else 'rewritten'}"


def builtin_store(api: Any) -> dict[str, Any] | None:
    """The router's certificate settings when it has a built-in CA store that names who uses it (7.21 and
    later), else None."""
    row = next(iter(api.path("certificate", "settings")), {})
    return row if "builtin-trust-store" in row else None


def ensure_builtin_trust(module: AnsibleModule, api: Any, check: bool) -> str | None:
    settings = api.path("certificate", "settings")
    row = next(iter(settings), {})
    if "builtin-trust-store" in row:
        store = [part for part in str(row["builtin-trust-store"]).split(",") if part]
        if "fetch" in store or "all" in store:
            return None
        if not check:
            settings.update(**{"builtin-trust-store": ",".join([*store, "fetch"])})
        return "builtin-trust-store: fetch added"
    if "builtin-trust-anchors" in row:
        if row["builtin-trust-anchors"] == "trusted":
            return None
        if not check:
            settings.update(**{"builtin-trust-anchors": "trusted"})
        return "builtin-trust-anchors: set to trusted"
    module.fail_json(
        msg="routeros_telegram_trust: 'builtin' needs RouterOS 7.19 or later (a built-in CA store); on this "
        "router set routeros_telegram_trust: auto (the CA the role ships for the Bot API) or certificate "
        "with routeros_telegram_ca_file"
    )
    return None


def ensure_certificate(api: Any, pem: str, name: str, directory: str, check: bool) -> list[str]:
    """Import the CA as a trusted certificate; a certificate of that name with another fingerprint goes."""
    changes = []
    fingerprint = _fingerprint(pem)
    certificates = api.path("certificate")
    row = _one(certificates.select(".id", "name", "fingerprint", "trusted"), "name", name)
    if row is not None and row.get("fingerprint") == fingerprint and row.get("trusted") in (True, "true"):
        return changes
    pem_file = f"{directory}/{name}.pem" if directory else f"{name}.pem"
    written = ensure_file(api, pem_file, pem, check)
    if written:
        changes.append(written)
    if not check:
        if row is not None:
            certificates.remove(row[".id"])
        tuple(certificates("import", **{"file-name": pem_file, "name": name, "trusted": "yes"}))
    changes.append(f"certificate {name} imported and trusted")
    return changes


def _fingerprint(pem: str) -> str:
    """SHA-256 of the DER certificate, as RouterOS prints `fingerprint`."""
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    return hashlib.sha256(base64.b64decode(body)).hexdigest()


def main() -> None:
    argument_spec: dict[str, Any] = {
        "token_file": {"type": "str", "required": True},
        "token": {"type": "str", "required": True, "no_log": True},
        "trust": {"type": "str", "choices": ["auto", "builtin", "certificate"], "default": "auto"},
        "ca_pem": {"type": "str"},
        "ca_name": {"type": "str", "default": "netwatch-telegram-ca"},
    }
    argument_spec.update(CONNECTION_SPEC)
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("trust", "certificate", ("ca_pem",)), ("trust", "auto", ("ca_pem",))],
    )
    check_has_library(module)
    try:
        api = connect(module.params["connection"])
    except ConnectionError as error:
        module.fail_json(msg=str(error))
    check = module.check_mode
    params = module.params
    changes: list[str] = []
    token_file = params["token_file"]
    trust = params["trust"]
    try:
        token_file = on_disk(api, token_file)
        written = ensure_file(api, token_file, params["token"], check)
        if written:
            changes.append(written.replace("file", "token file", 1))
        if trust == "auto":
            trust = "builtin" if builtin_store(api) is not None else "certificate"
        if trust == "builtin":
            trusted = ensure_builtin_trust(module, api, check)
            if trusted:
                changes.append(trusted)
        else:
            directory = token_file.rpartition("/")[0]
            changes += ensure_certificate(api, params["ca_pem"], params["ca_name"], directory, check)
    except (LibRouterosError, UnicodeEncodeError) as error:
        module.fail_json(msg=to_native(error))
    result: dict[str, Any] = {
        "changed": bool(changes),
        "changes": changes,
        "token_file": token_file,
        "trust": trust,
    }
    if module._diff:
        result["diff"] = {"before": "", "after": "".join(f"{change}\n" for change in changes)}
    module.exit_json(**result)


if __name__ == "__main__":
    main()

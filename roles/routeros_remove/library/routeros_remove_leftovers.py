"""Remove what the toolkit put on a RouterOS router outside api_modify's paths: the notifier's files (the bot
token, the alert queue, the Telegram CA's PEM), in `<prefix>/` and `flash/<prefix>/`, and certificates it
imported or made, by name. community.routeros.api_modify knows neither /file nor /certificate.

A file's contents (the token among them) are never read into the result: only names are returned.
"""

from __future__ import annotations

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
module: routeros_remove_leftovers
short_description: Remove the toolkit's files and certificates from a RouterOS router
description:
  - Removes every file named O(prefix) or under O(prefix)/, also under C(flash/), and the certificates
    named in O(certificates). With O(unbind_api_ssl), first sets C(/ip service api-ssl certificate=none)
    when api-ssl uses one of them, since RouterOS refuses to remove a certificate in use.
version_added: "1.0.0"
author: netwatch-telegram-lab
options:
  connection:
    description: The router's API connection settings (routeros_api_connection).
    type: dict
    required: true
  prefix:
    description: The folder of the notifier's files (routeros_alerting_prefix).
    type: str
    required: true
  certificates:
    description: Names of certificates to remove.
    type: list
    elements: str
    default: []
  unbind_api_ssl:
    description: Take a certificate to remove off api-ssl first.
    type: bool
    default: false
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Remove the notifier's files and its Telegram CA
  routeros_remove_leftovers:
    connection: "{{ routeros_api_connection }}"
    prefix: netwatch-telegram
    certificates: [netwatch-telegram-ca]
"""

RETURN = r"""
removed:
  description: What was removed (or would be in check mode), in words.
  returned: always
  type: list
  elements: str
  sample: ["file netwatch-telegram/bot-token", "certificate netwatch-telegram-ca"]
"""


def owned_file(name: str, prefix: str) -> bool:
    """The notifier's folder or anything in it, at the root or on flash."""
    return any(name == root or name.startswith(f"{root}/") for root in (prefix, f"flash/{prefix}"))


def main() -> None:
    argument_spec: dict[str, Any] = {
        "prefix": {"type": "str", "required": True},
        "certificates": {"type": "list", "elements": "str", "default": []},
        "unbind_api_ssl": {"type": "bool", "default": False},
    }
    argument_spec.update(CONNECTION_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    check_has_library(module)
    params = module.params
    if not params["prefix"].strip("/"):
        module.fail_json(
            msg=f"prefix: {params['prefix']!r} is not valid; expected a folder name, not the root"
        )
    try:
        api = connect(params["connection"])
    except ConnectionError as error:
        module.fail_json(msg=str(error))
    removed: list[str] = []
    try:
        files = api.path("file")
        # Deepest first: a folder goes after what it holds.
        doomed = sorted(
            (
                row
                for row in files.select(".id", "name")
                if owned_file(str(row.get("name", "")), params["prefix"])
            ),
            key=lambda row: -str(row["name"]).count("/"),
        )
        for row in doomed:
            if not module.check_mode:
                files.remove(row[".id"])
            removed.append(f"file {row['name']}")
        certificates = api.path("certificate")
        wanted = set(params["certificates"])
        rows = [row for row in certificates.select(".id", "name") if row.get("name") in wanted]
        if rows and params["unbind_api_ssl"]:
            services = api.path("ip", "service")
            for service in services.select(".id", "name", "certificate"):
                if service.get("name") == "api-ssl" and service.get("certificate") in wanted:
                    if not module.check_mode:
                        services.update(**{".id": service[".id"], "certificate": "none"})
                    removed.append(f"api-ssl certificate {service['certificate']} (now none)")
        for row in rows:
            if not module.check_mode:
                certificates.remove(row[".id"])
            removed.append(f"certificate {row['name']}")
    except (LibRouterosError, UnicodeEncodeError) as error:
        module.fail_json(
            msg=f"{to_native(error)} (removed before this failure: {', '.join(removed) or 'nothing'})"
        )
    result: dict[str, Any] = {"changed": bool(removed), "removed": removed}
    if module._diff:
        result["diff"] = {"before": "".join(f"{line}\n" for line in removed), "after": ""}
    module.exit_json(**result)


if __name__ == "__main__":
    main()

"""Read several RouterOS API paths over one connection, each filtered as community.routeros.api_info does.

community.routeros.api_info reads one path per module run, and every run is a new process and a new API
login (about half a CPU second on the controller). The backup needs a dozen paths, so this module logs in
once and reads them all.

The per-path field knowledge (which fields exist, their defaults, which are read-only) comes from
community.routeros's private module_utils `_api_data`, the same table api_info and api_modify use. That is
what keeps each answer equal to api_info's, and so valid api_modify input for a restore. Being private, its
interface may change in any release: this module is pinned to community.routeros 3.14, the range
requirements.yml asks for (>=3.14.0,<4), and tests/test_routeros_read_paths.py compares its answers with
api_info's against the lab.
"""

from __future__ import annotations

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.community.routeros.plugins.module_utils._api_data import (
    PATHS,
    join_path,
    split_path,
)
from ansible_collections.community.routeros.plugins.module_utils.api import (
    api_argument_spec,
    check_has_library,
    create_api,
    get_api_version,
)

try:
    from librouteros.exceptions import LibRouterosError
except ImportError:
    # check_has_library() reports the missing library; this name is then never reached.
    LibRouterosError = Exception

DOCUMENTATION = r"""
---
module: routeros_read_paths
short_description: Read several RouterOS API paths over one connection, filtered like api_info
description:
  - Logs in to the router once and prints every path in O(paths).
  - For each path the answer equals what C(community.routeros.api_info) returns for that path with
    C(handle_disabled=omit) and its other defaults, so each list is valid C(community.routeros.api_modify)
    data.
  - Dynamic and builtin entries are left out, fields unknown to community.routeros and read-only fields are
    dropped, and values equal to the field's default are hidden.
  - Uses community.routeros's private path table; pinned to community.routeros 3.14 (>=3.14.0,<4).
version_added: "1.0.0"
author: netwatch-telegram-lab
options:
  paths:
    description:
      - API paths to read, space-separated as in api_info, for example C(ip address).
      - Only paths community.routeros fully understands are accepted.
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - community.routeros.api
notes:
  - Reads only; supports check mode.
"""

EXAMPLES = r"""
- name: Read the addresses and the NAT rules with one login
  routeros_read_paths:
    hostname: 192.0.2.1
    username: admin
    password: "{{ router_password }}"
    encoding: UTF-8
    paths:
      - ip address
      - ip firewall nat
  register: read

- name: Restore the NAT rules later
  community.routeros.api_modify:
    hostname: 192.0.2.1
    username: admin
    password: "{{ router_password }}"
    path: ip firewall nat
    data: "{{ read.result['ip firewall nat'] | ansible.utils.remove_keys(target=['.id']) }}"
    handle_absent_entries: remove
"""

RETURN = r"""
result:
  description:
    - One item per requested path, in the order of O(paths).
    - Each value is the list api_info returns as RV(result) for that path, C(.id) included.
  returned: success
  type: dict
  sample:
    system identity:
      - .id: "*0"
        name: MikroTik
    ip address:
      - .id: "*1"
        address: 192.168.88.1/24
        interface: bridge-lan
"""

Entry = dict[str, Any]


def known_paths() -> list[str]:
    return sorted(join_path(path) for path, info in PATHS.items() if info.fully_understood)


def path_data(module: AnsibleModule, path: str, api_version: str) -> Any:
    """community.routeros's field table for one path on this router's version (read only when needed)."""
    versioned = PATHS[tuple(split_path(path))]
    if versioned.needs_version:
        supported, why = versioned.provide_version(api_version)
        if not supported:
            module.fail_json(
                msg=f"paths: {path!r} is not supported on RouterOS {api_version}"
                + (f": {why}" if why else "")
            )
    return versioned.get_data()


def filtered(entry: Entry, fields: dict[str, Any]) -> Entry:
    """One printed entry as api_info shows it: known writable fields only, defaults hidden, `.id` kept."""
    kept = {key: value for key, value in entry.items() if key == ".id" or key in fields}
    for key, field in fields.items():
        if field.default is not None and kept.get(key) == field.default:
            del kept[key]
        if field.absent_value and key not in kept:
            kept[key] = field.absent_value
        if field.read_only:
            kept.pop(key, None)
    return kept


def read_path(api: Any, path: str, fields: dict[str, Any]) -> list[Entry]:
    printed = api.path(*split_path(path))
    return [
        filtered(entry, fields)
        for entry in printed
        if not entry.get("dynamic", False) and not entry.get("builtin", False)
    ]


def main() -> None:
    argument_spec: dict[str, Any] = {
        "paths": {"type": "list", "elements": "str", "required": True, "choices": known_paths()},
    }
    argument_spec.update(api_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    check_has_library(module)
    api = create_api(module)
    paths: list[str] = module.params["paths"]
    try:
        needs_version = any(PATHS[tuple(split_path(path))].needs_version for path in paths)
        api_version = get_api_version(api) if needs_version else ""
        result = {path: read_path(api, path, path_data(module, path, api_version).fields) for path in paths}
    except (LibRouterosError, UnicodeEncodeError) as error:
        module.fail_json(msg=to_native(error))
    module.exit_json(changed=False, result=result)


if __name__ == "__main__":
    main()

"""One API connection for the toolkit's own modules, from the `routeros_api_connection` settings (assembled
once, in roles/routeros_api/vars/main.yml), through community.routeros's public create_api."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible.module_utils.routeros_version import UnsupportedVersion, judge, read
from ansible_collections.community.routeros.plugins.module_utils.api import create_api

# The module option every toolkit module takes for its connection. Only the password is secret: marking the
# whole dict no_log would mask every value in it (a port 0 would star out each "0" of the module's answer).
CONNECTION_SPEC: dict[str, Any] = {
    "connection": {
        "type": "dict",
        "required": True,
        "options": {
            "hostname": {"type": "str", "required": True},
            "username": {"type": "str", "required": True},
            "password": {"type": "str", "default": "", "no_log": True},
            "port": {"type": "int", "default": 0},
            "tls": {"type": "bool", "default": False},
            "validate_certs": {"type": "bool", "default": True},
            "validate_cert_hostname": {"type": "bool", "default": False},
            "ca_path": {"type": "str", "default": ""},
            "timeout": {"type": "int", "default": 10},
        },
    }
}


class _Settings:
    """What create_api reads of a module; a refused connection raises, so a caller may try again."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.params = {
            "hostname": settings["hostname"],
            "username": settings["username"],
            "password": settings.get("password", ""),
            "port": int(settings.get("port") or 0) or None,
            "tls": bool(settings.get("tls", False)),
            "force_no_cert": False,
            "validate_certs": bool(settings.get("validate_certs", True)),
            "validate_cert_hostname": bool(settings.get("validate_cert_hostname", False)),
            "ca_path": settings.get("ca_path") or None,
            "encoding": "UTF-8",
            "timeout": int(settings.get("timeout", 10)),
        }

    def fail_json(self, msg: str, **_: Any) -> None:
        raise ConnectionError(f"{self.params['hostname']}: {msg}")


def connect(settings: dict[str, Any], warn: Callable[[str], None] | None = None) -> Any:
    """An API session, or ConnectionError naming the router. The router's version is checked before the
    caller can write anything: an unsupported one closes the session and raises UnsupportedVersion; one newer
    than the newest tested goes to `warn`."""
    api = create_api(_Settings(settings))
    try:
        warning = judge(read(api), f"routeros_api_hostname {settings['hostname']}")
    except UnsupportedVersion:
        api.close()
        raise
    if warning and warn is not None:
        warn(warning)
    return api

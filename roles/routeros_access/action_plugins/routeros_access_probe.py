"""How can the play reach this router? Securely (API-SSL, the certificate verified, the toolkit's own user),
or only for a first contact (the bootstrap user), or not at all.

Runs in the controller's own worker process (an action, no new interpreter per router and play). The
certificate is checked on a handshake of its own before any password is sent: a router that presents a
certificate the CA file does not verify fails the run here, naming both fingerprints, with no login tried.
It answers which way works, never a password: the role builds the connection from the inventory.
"""

from __future__ import annotations

import hashlib
import importlib.util
import ipaddress
import socket
import ssl
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible_collections.community.routeros.plugins.module_utils.api import create_api

_API_PORT, _API_SSL_PORT = 8728, 8729


def _versions() -> ModuleType:
    """roles/routeros_api/module_utils/routeros_version.py, the supported range: Ansible hands a role's
    module_utils to modules only, and this action runs in the controller."""
    name = "routeros_version"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[2] / "routeros_api" / "module_utils" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


class _Login:
    """What create_api needs of a module; a refused connection or login raises, so the caller can decide."""

    def __init__(self, settings: dict[str, Any], username: str, password: str, tls: bool) -> None:
        port = int(settings.get("port") or 0) if tls else 0
        self.params = {
            "hostname": settings["hostname"],
            "username": username,
            "password": password,
            "port": port or None,
            "tls": tls,
            "force_no_cert": False,
            "validate_certs": boolean(settings.get("validate_certs", True)),
            "validate_cert_hostname": boolean(settings.get("validate_cert_hostname", True)),
            "ca_path": settings.get("ca_path") or None,
            "encoding": "UTF-8",
            "timeout": int(settings.get("timeout", 10)),
        }

    def fail_json(self, msg: str, **_: Any) -> None:
        raise ConnectionError(msg)


def _login(
    settings: dict[str, Any],
    username: str,
    password: str,
    tls: bool,
    *,
    verified: bool = True,
    warnings: list[str] | None = None,
) -> str | None:
    """None when the login works, else why not. The session this login opens also reads the router's
    version: one that is not supported fails the run here, before anything is written (a newer one than the
    newest tested is added to `warnings`)."""
    login = _Login(settings, username, password, tls)
    if not verified:
        login.params.update({"validate_certs": False, "ca_path": None})
    try:
        api = create_api(login)
    except ConnectionError as error:
        return str(error)
    versions = _versions()
    try:
        warning = versions.judge(versions.read(api), f"routeros_api_hostname {settings['hostname']}")
    except versions.UnsupportedVersion as error:
        raise AnsibleActionFail(str(error)) from None
    finally:
        api.close()
    if warning and warnings is not None:
        warnings.append(warning)
    return None


def _sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def _pem_fingerprints(path: str) -> list[str]:
    text = Path(path).read_text(encoding="ascii", errors="replace")
    return [_sha256(ssl.PEM_cert_to_DER_cert(f"-----BEGIN{block}")) for block in text.split("-----BEGIN")[1:]]


def _presented(host: str, port: int, timeout: float) -> bytes:
    """The certificate the router shows, taken without checking it (only to say what it is)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=timeout) as raw, context.wrap_socket(raw) as tls:
        return tls.getpeercert(binary_form=True) or b""


def _san(kind: str, value: str) -> str:
    """A subject-alt-name entry in one spelling, whichever side wrote it (`IP:10.0.0.1`, `DNS:router.lan`)."""
    if kind in ("IP", "IP Address"):
        return f"IP:{ipaddress.ip_address(value.strip())}"
    return f"DNS:{value.lower()}"


def missing_names(certificate: dict[str, Any], addresses: list[str]) -> list[str]:
    """The addresses (IP or DNS) a verified certificate does not name, so that it is signed anew."""
    named = {_san(kind, value) for kind, value in certificate.get("subjectAltName", ())}
    missing = []
    for address in addresses:
        try:
            wanted = _san("IP", address)
        except ValueError:
            wanted = _san("DNS", address)
        if wanted not in named:
            missing.append(address)
    return missing


def check_certificate(settings: dict[str, Any], addresses: list[str] | None = None) -> tuple[str, str]:
    """('verified' | 'unpinned' | 'unavailable' | 'incomplete', why). A certificate that does not verify fails
    right here; one that verifies but does not name every address in `addresses` is 'incomplete'."""
    host = str(settings["hostname"])
    port = int(settings.get("port") or 0) or _API_SSL_PORT
    timeout = float(settings.get("timeout", 10))
    ca_path = str(settings.get("ca_path") or "")
    if ca_path and not Path(ca_path).is_file():
        return "unpinned", f"no CA file {ca_path} yet"
    context = ssl.create_default_context(cafile=ca_path or None)
    if not boolean(settings.get("validate_certs", True)):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif not boolean(settings.get("validate_cert_hostname", True)):
        context.check_hostname = False
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            missing = missing_names(tls.getpeercert() or {}, addresses or [])
            if missing:
                return "incomplete", f"the certificate does not name {', '.join(missing)}"
            return "verified", ""
    except ssl.SSLCertVerificationError as error:
        reason = error.verify_message or str(error)
    except (ssl.SSLError, OSError) as error:
        # No certificate on api-ssl yet (the handshake fails), or api-ssl off or unreachable.
        return "unavailable", f"API-SSL on {host}:{port}: {error}"
    try:
        presented = _sha256(_presented(host, port, timeout))
    except (ssl.SSLError, OSError) as error:
        presented = f"(not readable: {error})"
    trusted = ", ".join(_pem_fingerprints(ca_path)) if ca_path else "the system's trust store"
    raise AnsibleActionFail(
        f"routeros_api_ca_path: the certificate {host}:{port} presents (SHA-256 {presented}) is not verified "
        f"by {ca_path or 'the system trust store'} (pinned/trusted SHA-256 {trusted}): {reason}. No login "
        "was tried. If the router was reset or its certificate replaced on purpose, remove the pinned file "
        "(trust on first use) or give it a certificate from your CA; otherwise something else answers at "
        "this address"
    )


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(
        {"connection", "bootstrap_username", "bootstrap_password", "after_first_contact", "addresses"}
    )

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        settings = dict(self._task.args.get("connection") or {})
        bootstrap_user = str(self._task.args.get("bootstrap_username") or "")
        bootstrap_password = str(self._task.args.get("bootstrap_password") or "")
        tls = boolean(settings.get("tls", True))
        addresses = [str(address) for address in self._task.args.get("addresses") or []]
        certificate, why = check_certificate(settings, addresses) if tls else ("off", "")
        after_first_contact = boolean(self._task.args.get("after_first_contact", False))
        warnings: list[str] = []
        # `incomplete`: verified, but an address listed since is not named; the role signs it anew over the
        # secure connection.
        if certificate in ("verified", "incomplete", "off"):
            # A verified certificate is only ever there after a first contact, which makes the user before the
            # certificate: the login is left to the task that needs it, so a rerun costs one login, not two.
            # Without TLS nothing but a login tells a fresh router from a set-up one.
            skip_login = certificate in ("verified", "incomplete") and not after_first_contact
            failed = (
                None
                if skip_login
                # After a first contact its own login has already warned about the version.
                else _login(
                    settings,
                    str(settings["username"]),
                    str(settings.get("password", "")),
                    tls,
                    warnings=None if after_first_contact else warnings,
                )
            )
            if failed is None:
                return {
                    **result,
                    "changed": False,
                    "state": "secure",
                    "certificate": certificate,
                    "warnings": warnings,
                    # A later play of the same run keeps the connection found here.
                    "ansible_facts": {"routeros_access_checked": True},
                }
            why = f"{settings['username']} cannot log in: {failed}"
        if after_first_contact:
            raise AnsibleActionFail(
                f"routeros_api_username {settings['username']!r}: the first contact made the user and the "
                f"certificate, but the secure connection to {settings['hostname']} still fails: {why}"
            )
        if not bootstrap_password:
            raise AnsibleActionFail(
                f"routeros_api_username {settings['username']!r}: no secure connection to "
                f"{settings['hostname']} ({why}) and routeros_api_bootstrap_password is empty; expected the "
                "password of a full user (routeros_api_bootstrap_username) for the first contact, from "
                "Ansible Vault"
            )
        # The first contact's way in, the best that works: API-SSL with the certificate verified; API-SSL
        # without checking a certificate nothing is pinned for yet (the first use, encrypted); the plain API.
        if certificate in ("verified", "incomplete"):
            ways = [(True, True)]
        elif certificate == "unpinned":
            ways = [(True, False), (False, False)]
        else:
            ways = [(False, False)]
        failures = []
        for over_tls, verified in ways:
            failed = _login(
                settings, bootstrap_user, bootstrap_password, over_tls, verified=verified, warnings=warnings
            )
            if failed is None:
                break
            failures.append(f"over {'API-SSL' if over_tls else 'the plain API'}: {failed}")
        else:
            raise AnsibleActionFail(
                f"routeros_api_bootstrap_username {bootstrap_user!r}: no secure connection to "
                f"{settings['hostname']} ({why}), and the first contact failed too: {'; '.join(failures)}"
            )
        return {
            **result,
            "changed": False,
            "state": "bootstrap",
            "certificate": certificate,
            "bootstrap_tls": over_tls,
            "bootstrap_verified": verified,
            "reason": why,
            "warnings": warnings,
        }

"""Give a RouterOS router a certificate for api-ssl, over one API session, and make api-ssl use it.

Mode `ca`: the controller makes the router's key and a certificate for the address it connects to, signed
with the operator's CA (its key stays on the controller), and imports both. Mode `tofu`: the router makes a CA
of its own and signs its api-ssl certificate with it; the CA's certificate (never its key) is returned, for
the controller to pin. community.routeros.api_modify knows neither /certificate nor its commands.

The CA key is a `no_log` option and never leaves the controller; the router's key exists on the controller
only in memory, and its file on the router is removed as soon as it is imported.
"""

from __future__ import annotations

import datetime
import ipaddress
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.routeros_connection import CONNECTION_SPEC, connect
from ansible_collections.community.routeros.plugins.module_utils.api import check_has_library

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:
    # ansible-core depends on cryptography; main() says so if it is missing.
    x509 = None

try:
    from librouteros.exceptions import LibRouterosError
except ImportError:
    # check_has_library() reports the missing library; this name is then never reached.
    LibRouterosError = Exception

DOCUMENTATION = r"""
---
module: routeros_certificate_setup
short_description: Give a RouterOS router a verified certificate for api-ssl
description:
  - O(mode=ca) signs a new key and certificate for O(address) with the operator's CA (O(ca_certificate),
    O(ca_key)) on the controller and imports them as O(name).
  - O(mode=tofu) makes a CA O(name)-ca on the router (once), signs O(name) for O(address) with it, and returns
    the CA's certificate to pin. With O(pinned), a router whose CA is not that certificate is refused.
  - Then sets C(/ip service api-ssl certificate=)O(name).
version_added: "1.0.0"
author: netwatch-telegram-lab
options:
  connection:
    description: The router's API connection settings (routeros_api_connection).
    type: dict
    required: true
  mode:
    description: Who signs the router's certificate.
    type: str
    choices: [ca, tofu]
    required: true
  name:
    description: Name of the router's certificate (and, with O(mode=tofu), of its CA with C(-ca) appended).
    type: str
    default: api-ssl
  address:
    description: The address or DNS name the controller connects to; the certificate's subject-alt-name.
    type: str
    required: true
  addresses:
    description:
      - More addresses or DNS names the certificate names besides O(address) (management, VPN), so that the
        controller verifies the router whichever of them it connects to.
    type: list
    elements: str
    default: []
  common_name:
    description: The certificate's common name (the inventory name).
    type: str
    required: true
  days:
    description: Days the router's certificate is valid.
    type: int
    default: 825
  ca_certificate:
    description: The operator's CA certificate (PEM), for O(mode=ca).
    type: str
  ca_key:
    description: The operator's CA private key (PEM, unencrypted), for O(mode=ca). Never shown.
    type: str
  pinned:
    description: The CA certificate pinned earlier (PEM), for O(mode=tofu).
    type: str
notes:
  - Supports check mode.
"""

EXAMPLES = r"""
- name: A certificate signed by the router's own CA, pinned on the controller
  routeros_certificate_setup:
    connection: "{{ routeros_api_connection }}"
    mode: tofu
    address: 192.168.10.1
    common_name: office-gw
"""

RETURN = r"""
ca_certificate:
  description: The certificate (PEM) of the CA that signed the router's api-ssl certificate.
  returned: success
  type: str
changes:
  description: What changed (or would change in check mode), in words.
  returned: always
  type: list
  elements: str
"""

_KEY_FILE_SUFFIX = ".key"
_CERT_FILE_SUFFIX = ".crt"


def _subject_alt_name(address: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(address))
    except ValueError:
        return x509.DNSName(address)


def _router_san(address: str) -> str:
    """One subject-alt-name as /certificate add takes it."""
    try:
        return f"IP:{ipaddress.ip_address(address)}"
    except ValueError:
        return f"DNS:{address.lower()}"


def names(params: dict[str, Any]) -> list[str]:
    """Every address the certificate names: the one the controller connects to first, then the others listed,
    each once."""
    found: list[str] = []
    for address in [params["address"], *(params.get("addresses") or [])]:
        if _router_san(address) not in map(_router_san, found):
            found.append(address)
    return found


def issue(ca_pem: str, ca_key_pem: str, addresses: list[str], common_name: str, days: int) -> tuple[str, str]:
    """(certificate PEM, key PEM) for the router, signed by the operator's CA on the controller."""
    ca_cert = x509.load_pem_x509_certificate(ca_pem.encode())
    ca_key = serialization.load_pem_private_key(ca_key_pem.encode(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName([_subject_alt_name(address) for address in addresses]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def fingerprint(pem: str) -> str:
    return x509.load_pem_x509_certificate(pem.encode()).fingerprint(hashes.SHA256()).hex()


class Router:
    def __init__(self, api: Any, check: bool) -> None:
        self.api = api
        self.check = check
        self.changes: list[str] = []

    def certificate(self, name: str) -> dict[str, Any] | None:
        return next((row for row in self.api.path("certificate") if row.get("name") == name), None)

    def remove_certificate(self, name: str) -> None:
        row = self.certificate(name)
        if row is not None:
            if not self.check:
                self.api.path("certificate").remove(row[".id"])
            self.changes.append(f"certificate {name} removed")

    def write_file(self, name: str, contents: str) -> None:
        files = self.api.path("file")
        for row in list(files):
            if row.get("name") == name:
                files.remove(row[".id"])
        files.add(name=name, contents=contents)

    def remove_file(self, name: str) -> None:
        files = self.api.path("file")
        for row in list(files):
            if row.get("name") == name:
                files.remove(row[".id"])

    def import_file(self, name: str, certificate: str) -> None:
        tuple(
            self.api.path("certificate")(
                "import", **{"file-name": name, "name": certificate, "passphrase": ""}
            )
        )

    def read_file(self, name: str) -> str:
        for row in self.api.path("file").select(".id", "name", "contents"):
            if row.get("name") == name:
                return str(row.get("contents", ""))
        raise LookupError(f"the router wrote no file {name}")

    def use_for_api_ssl(self, name: str) -> None:
        services = self.api.path("ip", "service")
        row = next(row for row in services if row.get("name") == "api-ssl")
        if row.get("certificate") == name and row.get("disabled") in (False, "false"):
            return
        if not self.check:
            services.update(**{".id": row[".id"], "certificate": name, "disabled": False})
        self.changes.append(f"api-ssl uses certificate {name}")


def setup_ca(router: Router, params: dict[str, Any]) -> str:
    """The controller signs; the router receives its key and certificate, and keeps no key file."""
    name = params["name"]
    addresses = names(params)
    certificate_pem, key_pem = issue(
        params["ca_certificate"], params["ca_key"], addresses, params["common_name"], params["days"]
    )
    router.remove_certificate(name)
    router.changes.append(
        f"certificate {name} for {', '.join(addresses)} signed by the operator's CA, imported"
    )
    if not router.check:
        cert_file, key_file = f"{name}{_CERT_FILE_SUFFIX}", f"{name}{_KEY_FILE_SUFFIX}"
        try:
            router.write_file(cert_file, certificate_pem)
            router.write_file(key_file, key_pem)
            router.import_file(cert_file, name)
            router.import_file(key_file, name)
        finally:
            router.remove_file(key_file)
            router.remove_file(cert_file)
    router.use_for_api_ssl(name)
    return str(params["ca_certificate"])


def _sign(router: Router, name: str, properties: dict[str, Any], ca: str | None) -> None:
    certificates = router.api.path("certificate")
    certificates.add(name=name, **properties)
    arguments = {"number": name, **({"ca": ca} if ca else {})}
    tuple(certificates("sign", **arguments))


def setup_tofu(module: AnsibleModule, router: Router, params: dict[str, Any]) -> str:
    """The router makes its CA once and signs with it; the controller gets the CA's certificate to pin."""
    name, ca_name, addresses = params["name"], f"{params['name']}-ca", names(params)
    wanted = {_router_san(address) for address in addresses}
    ca = router.certificate(ca_name)
    pinned = params.get("pinned")
    if ca is None:
        if pinned:
            module.fail_json(
                msg=f"routeros_api_ca_path: a CA is pinned for this router but it has no CA {ca_name} any "
                "more (reset or replaced?); nothing was changed. If that is expected, delete the pinned file "
                "and rerun to trust the router's new CA on first use"
            )
        router.changes.append(f"CA {ca_name} made on the router")
        if router.check:
            return ""
        _sign(
            router,
            ca_name,
            {
                "common-name": f"{params['common_name']} api-ssl CA",
                "key-usage": "key-cert-sign,crl-sign",
                "key-size": "prime256v1",
                "days-valid": 3650,
            },
            None,
        )
    ca_pem = export_certificate(router, ca_name)
    if pinned and fingerprint(pinned) != fingerprint(ca_pem):
        module.fail_json(
            msg=f"routeros_api_ca_path: the router's CA {ca_name} (SHA-256 {fingerprint(ca_pem)}) is not the "
            f"pinned one (SHA-256 {fingerprint(pinned)}); nothing was changed. If the router was reset on "
            "purpose, delete the pinned file and rerun"
        )
    current = router.certificate(name)
    # Kept only when this CA signed it on the router (`ca`) for every address listed; else signed anew.
    signed_here = current is not None and current.get("ca") == ca_name
    named = set(str((current or {}).get("subject-alt-name", "")).split(","))
    if not signed_here or not wanted <= named:
        router.remove_certificate(name)
        router.changes.append(f"certificate {name} for {', '.join(addresses)} signed by {ca_name}")
        if not router.check:
            _sign(
                router,
                name,
                {
                    "common-name": params["common_name"],
                    "subject-alt-name": ",".join(_router_san(address) for address in addresses),
                    "key-usage": "digital-signature,key-encipherment,tls-server",
                    "key-size": "prime256v1",
                    "days-valid": params["days"],
                },
                ca_name,
            )
    router.use_for_api_ssl(name)
    return ca_pem


def export_certificate(router: Router, name: str) -> str:
    """The certificate (never the key: no export passphrase) as PEM, through a file removed at once."""
    exported = f"{name}-export"
    certificates = router.api.path("certificate")
    tuple(certificates("export-certificate", numbers=name, **{"file-name": exported, "type": "pem"}))
    try:
        return router.read_file(f"{exported}{_CERT_FILE_SUFFIX}")
    finally:
        router.remove_file(f"{exported}{_CERT_FILE_SUFFIX}")


def main() -> None:
    argument_spec: dict[str, Any] = {
        "mode": {"type": "str", "choices": ["ca", "tofu"], "required": True},
        "name": {"type": "str", "default": "api-ssl"},
        "address": {"type": "str", "required": True},
        "addresses": {"type": "list", "elements": "str", "default": []},
        "common_name": {"type": "str", "required": True},
        "days": {"type": "int", "default": 825},
        "ca_certificate": {"type": "str"},
        "ca_key": {"type": "str", "no_log": True},
        "pinned": {"type": "str"},
    }
    argument_spec.update(CONNECTION_SPEC)
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("mode", "ca", ("ca_certificate", "ca_key"))],
    )
    check_has_library(module)
    if x509 is None:
        module.fail_json(msg="the Python package cryptography is missing on the controller")
    try:
        api = connect(module.params["connection"])
    except ConnectionError as error:
        module.fail_json(msg=str(error))
    router = Router(api, module.check_mode)
    try:
        if module.params["mode"] == "ca":
            ca_pem = setup_ca(router, module.params)
        else:
            ca_pem = setup_tofu(module, router, module.params)
    except (LibRouterosError, LookupError, ValueError, UnicodeEncodeError) as error:
        module.fail_json(msg=f"routeros_certificate_mode {module.params['mode']}: {to_native(error)}")
    finally:
        api.close()
    module.exit_json(changed=bool(router.changes), changes=router.changes, ca_certificate=ca_pem)


if __name__ == "__main__":
    main()

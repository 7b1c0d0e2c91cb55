"""/certificate/builtin (RouterOS 7.19+): the builtin trust store, read-only.

On a router it lists the root CAs the system ships. The lab's store holds one root: the lab's Internet root
(lab.network.InternetCA), which carries the subject of the real root that signs api.telegram.org, so that a
script looking that root up by name (`/certificate/builtin/find where common-name="Go Daddy Root Certificate
Authority - G2"`) finds it. Whether fetch and Netwatch trust it: `/certificate/settings builtin-trust-store`.

Its row is a dynamic item made at boot; what it prints is read from the certificate when printed, so a router
that never prints it never makes the lab's root (an RSA key) in tests that do not need one.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from lab.menus.base import READ_ONLY, MenuSpec, Props, RouterView
from lab.model import Item

PATH = "certificate/builtin"
# Printed as on a /certificate row (lab.menus.system): UTC, `YYYY-MM-DD HH:MM:SS`.
_STAMP = "%Y-%m-%d %H:%M:%S"
_SUBJECT_FIELDS = (
    ("common-name", NameOID.COMMON_NAME),
    ("organization", NameOID.ORGANIZATION_NAME),
    ("unit", NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("country", NameOID.COUNTRY_NAME),
    ("state", NameOID.STATE_OR_PROVINCE_NAME),
    ("locality", NameOID.LOCALITY_NAME),
)
# cryptography's KeyUsage attributes, by the names RouterOS prints.
_KEY_USAGES = (
    ("digital-signature", "digital_signature"),
    ("content-commitment", "content_commitment"),
    ("key-encipherment", "key_encipherment"),
    ("data-encipherment", "data_encipherment"),
    ("key-agreement", "key_agreement"),
    ("key-cert-sign", "key_cert_sign"),
    ("crl-sign", "crl_sign"),
)


def certificate_row(certificate: x509.Certificate) -> Props:
    """A certificate's properties as /certificate/builtin prints them (unset ones left out)."""
    row: Props = {}
    for prop, oid in _SUBJECT_FIELDS:
        found = certificate.subject.get_attributes_for_oid(oid)
        if found:
            row[prop] = str(found[0].value)
    # A self-signed root has no issuer to show (scripts test `issuer` for nothing to find the end of a chain).
    if certificate.issuer != certificate.subject:
        row["issuer"] = certificate.issuer.rfc4514_string()
    row["serial-number"] = f"{certificate.serial_number:X}"
    row["invalid-before"] = certificate.not_valid_before_utc.strftime(_STAMP)
    row["invalid-after"] = certificate.not_valid_after_utc.strftime(_STAMP)
    row["days-valid"] = str((certificate.not_valid_after_utc - certificate.not_valid_before_utc).days)
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        row["key-type"], row["key-size"] = "rsa", str(key.key_size)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        row["key-type"], row["key-size"] = "ec", key.curve.name
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        row["key-usage"] = ",".join(name for name, attribute in _KEY_USAGES if getattr(usage, attribute))
    except x509.ExtensionNotFound:
        pass
    try:
        skid = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        row["skid"] = skid.digest.hex()
    except x509.ExtensionNotFound:
        pass
    try:
        akid = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        if akid.key_identifier is not None:
            row["akid"] = akid.key_identifier.hex()
    except x509.ExtensionNotFound:
        pass
    return row


def _boot(router: RouterView) -> None:
    """The store's one row, made again at every boot (dynamic items do not survive one)."""
    table = router.state.table(PATH)
    table.items = [Item(id="*1", props={}, dynamic=True)]


def _derive(router: RouterView, item: Item) -> Props:
    return certificate_row(router.network.ca.certificate)


BUILTIN = MenuSpec(
    path=PATH,
    kinds={
        "common-name": "text",
        "organization": "text",
        "unit": "text",
        "country": "text",
        "state": "text",
        "locality": "text",
        "issuer": "text",
        "serial-number": "text",
        "skid": "text",
        "akid": "text",
        "key-usage": "text",
    },
    boot=_boot,
    derive=_derive,
    generic=READ_ONLY,
)

SPECS = (BUILTIN,)

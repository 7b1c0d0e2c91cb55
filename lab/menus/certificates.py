"""/certificate (templates, signing, export, import), /certificate/settings and /certificate/builtin.

/certificate, as the manual's Certificates page describes it: `add` makes a template (subject fields, key
size, key usage, days valid); `sign` makes its key and certificate, self-signed or signed by a CA on the
router (`ca=`), and the item becomes that certificate; `export-certificate` writes the certificate as PEM
into /file (and its key, encrypted, when given an `export-passphrase`); `import` reads certificates and
private keys from a /file entry, attaching a key to the certificate it belongs to. Keys and certificates are
real (`cryptography`), kept in the item as PEM (never printed), so a service that names the certificate
(/ip service api-ssl) can present it, and fetch and Netwatch can trust it.

/certificate/builtin (RouterOS 7.19+): the builtin trust store, read-only. On a router it lists the root CAs
the system ships. The lab's store holds one root: the lab's Internet root (lab.network.InternetCA), which
carries the subject of the real root that signs api.telegram.org, so that a script looking that root up by
name finds it. Its row is a dynamic item made at boot; what it prints is read from the certificate when
printed, so a router that never prints it never makes the lab's root (an RSA key) in tests that do not need
one.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from lab import errors, jobs, values
from lab.menus.base import ID_WORDS, READ_ONLY, MenuSpec, Props, Result, RouterView, Unique
from lab.menus.system import store_file
from lab.model import Item

PATH = "certificate"
BUILTIN_PATH = "certificate/builtin"
# Printed as RouterOS prints dates in 7.10+: UTC, `YYYY-MM-DD HH:MM:SS`.
_STAMP = "%Y-%m-%d %H:%M:%S"
_SUBJECT_FIELDS = (
    ("country", NameOID.COUNTRY_NAME),
    ("state", NameOID.STATE_OR_PROVINCE_NAME),
    ("locality", NameOID.LOCALITY_NAME),
    ("organization", NameOID.ORGANIZATION_NAME),
    ("unit", NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("common-name", NameOID.COMMON_NAME),
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
    ("encipher-only", "encipher_only"),
    ("decipher-only", "decipher_only"),
)
# The extended key usages RouterOS lists beside the key usages (manual, Certificates: key-usage).
_EXTENDED_USAGES = {
    "tls-server": ExtendedKeyUsageOID.SERVER_AUTH,
    "tls-client": ExtendedKeyUsageOID.CLIENT_AUTH,
    "code-sign": ExtendedKeyUsageOID.CODE_SIGNING,
    "email-protect": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timestamp": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocsp-sign": ExtendedKeyUsageOID.OCSP_SIGNING,
    "dvcs": ObjectIdentifier("1.3.6.1.5.5.7.3.10"),
}
_RSA_SIZES = ("1024", "1536", "2048", "4096", "8192")
_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "prime256v1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1,
}
_CURVE_NAMES = {"secp256r1": "prime256v1", "secp384r1": "secp384r1", "secp521r1": "secp521r1"}
# Manual, Certificates: the template's default key usage.
DEFAULT_KEY_USAGE = (
    "digital-signature,key-encipherment,data-encipherment,key-cert-sign,crl-sign,tls-server,tls-client"
)
# What the lab keeps in an item besides what a client set: the certificate and key as PEM, never printed.
CERTIFICATE_PEM = "pem"
KEY_PEM = "key"
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----", re.DOTALL)
_SAN_KINDS = ("DNS", "IP", "email")
# Properties a signed certificate still takes; its subject, key and validity are fixed once signed.
_SETTABLE_WHEN_SIGNED = frozenset({"name", "trusted", "trust-store"})


def certificate_row(certificate: x509.Certificate) -> Props:
    """A certificate's properties as /certificate and /certificate/builtin print them (unset ones omitted)."""
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
        row["key-type"], row["key-size"] = "ec", _CURVE_NAMES.get(key.curve.name, key.curve.name)
    usages: list[str] = []
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        usages += [name for name, attribute in _KEY_USAGES if _usage_set(usage, attribute)]
    except x509.ExtensionNotFound:
        pass
    try:
        extended = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        usages += [name for name, oid in _EXTENDED_USAGES.items() if oid in extended]
    except x509.ExtensionNotFound:
        pass
    if usages:
        row["key-usage"] = ",".join(usages)
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        row["subject-alt-name"] = ",".join(_san_text(name) for name in names)
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


def _usage_set(usage: x509.KeyUsage, attribute: str) -> bool:
    # cryptography refuses to read encipher_only/decipher_only unless key_agreement is set.
    if attribute in ("encipher_only", "decipher_only") and not usage.key_agreement:
        return False
    return bool(getattr(usage, attribute))


def _san_text(name: x509.GeneralName) -> str:
    if isinstance(name, x509.IPAddress):
        return f"IP:{name.value}"
    if isinstance(name, x509.RFC822Name):
        return f"email:{name.value}"
    return f"DNS:{name.value}"


def _is_authority(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def loaded(item: Item) -> x509.Certificate | None:
    """The certificate an item holds, or None for a template not signed yet."""
    pem = item.props.get(CERTIFICATE_PEM)
    return x509.load_pem_x509_certificate(pem.encode()) if pem else None


# ----- /certificate


def _check(router: RouterView, props: Props, current: Item | None) -> None:
    if current is not None and CERTIFICATE_PEM in current.props:
        changed = {k for k, v in props.items() if current.props.get(k) != v} - _SETTABLE_WHEN_SIGNED
        if changed:
            raise errors.failure("can not change signed certificate")
    size = props.get("key-size")
    if size is not None and size not in _RSA_SIZES and size not in _CURVES:
        raise errors.no_match("key-size")
    for part in (p for p in props.get("subject-alt-name", "").split(",") if p):
        kind, _, value = part.partition(":")
        try:
            if kind not in _SAN_KINDS or not value:
                raise ValueError(part)
            if kind == "IP":
                ipaddress.ip_address(value)
        except ValueError:
            raise errors.invalid_value("subject-alt-name", props["subject-alt-name"]) from None


def _derive(router: RouterView, item: Item) -> Props:
    """Flags and what the certificate says; a template prints only what was set and the defaults."""
    certificate = loaded(item)
    row: Props = {
        "private-key": "true" if item.props.get(KEY_PEM) else "false",
        "crl": "false",
        "smart-card-key": "false",
        "revoked": "false",
        "issued": "true" if item.props.get("ca") else "false",
        "authority": "false",
        "expired": "false",
    }
    if certificate is None:
        return row
    row.update(certificate_row(certificate))
    if certificate.issuer == certificate.subject:
        row["issuer"] = certificate.issuer.rfc4514_string()
    row["fingerprint"] = certificate.fingerprint(hashes.SHA256()).hex()
    row["authority"] = "true" if _is_authority(certificate) else "false"
    left = certificate.not_valid_after_utc - router.clock.now()
    row["expired"] = "true" if left.total_seconds() < 0 else "false"
    if left.total_seconds() > 0:
        row["expires-after"] = values.format_duration(int(left.total_seconds()) * 1000)
    return row


def _targets(router: RouterView, args: Props, word: str = "numbers") -> list[Item]:
    reference = next((args[w] for w in (*ID_WORDS, word) if w in args), None)
    if reference is None:
        raise errors.missing_value(word)
    items = [router.resolve(CERTIFICATE, part) for part in reference.split(",") if part]
    if not items:
        raise errors.no_such_item()
    return items


def _new_key(size: str) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    if size in _CURVES:
        return ec.generate_private_key(_CURVES[size]())
    return rsa.generate_private_key(public_exponent=65537, key_size=int(size))


def _subject(props: Props) -> x509.Name:
    attributes = [x509.NameAttribute(oid, props[prop]) for prop, oid in _SUBJECT_FIELDS if props.get(prop)]
    return x509.Name(attributes)


def _san(text: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for part in (p for p in text.split(",") if p):
        kind, _, value = part.partition(":")
        if kind == "IP":
            names.append(x509.IPAddress(ipaddress.ip_address(value)))
        elif kind == "email":
            names.append(x509.RFC822Name(value))
        else:
            names.append(x509.DNSName(value))
    return names


def _key_usage(usages: set[str]) -> x509.KeyUsage:
    flags = {attribute: name in usages for name, attribute in _KEY_USAGES}
    if (flags["encipher_only"] or flags["decipher_only"]) and not flags["key_agreement"]:
        raise errors.not_supported("key-usage encipher-only or decipher-only without key-agreement")
    return x509.KeyUsage(**flags)


def _sign(router: RouterView, args: Props) -> Result:
    """`sign NUMBER [ca=NAME] [ca-crl-host=HOST] [name=NEW]`: the template gets its key and certificate,
    valid from now on the router's clock for `days-valid` days, self-signed unless `ca=` names a certificate
    on this router that holds its private key. A certificate with key-cert-sign is a CA (self-signed ones
    become trusted, as a router marks them T); one signed by a CA here remembers it in `ca`."""
    [item] = _targets(router, args, "number")[:1]
    if CERTIFICATE_PEM in item.props:
        raise errors.failure("certificate is already signed")
    props = {**CERTIFICATE.defaults, **item.props}
    issuer_item = router.resolve(CERTIFICATE, args["ca"]) if args.get("ca") else None
    issuer = loaded(issuer_item) if issuer_item is not None else None
    if issuer_item is not None and (
        issuer is None or not issuer_item.props.get(KEY_PEM) or not _is_authority(issuer)
    ):
        raise errors.failure("ca certificate must have a private key and be a CA")
    new_name = args.get("name")
    if new_name and new_name != item.props.get("name") and router.find_by(CERTIFICATE, "name", new_name):
        raise errors.failure("certificate with the same name already exists")
    usages = {part for part in props.get("key-usage", "").split(",") if part}
    key = _new_key(props.get("key-size", "2048"))
    subject = _subject(props)
    now = router.clock.now().replace(microsecond=0)
    authority = "key-cert-sign" in usages
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=int(props.get("days-valid", "365"))))
        .add_extension(x509.BasicConstraints(ca=authority, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if usages & {name for name, _ in _KEY_USAGES}:
        builder = builder.add_extension(_key_usage(usages), critical=True)
    extended = [oid for name, oid in _EXTENDED_USAGES.items() if name in usages]
    if extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=False)
    if props.get("subject-alt-name"):
        builder = builder.add_extension(
            x509.SubjectAlternativeName(_san(props["subject-alt-name"])), critical=False
        )
    signing_key = key
    if issuer_item is not None and issuer is not None:
        loaded_key = serialization.load_pem_private_key(issuer_item.props[KEY_PEM].encode(), password=None)
        if not isinstance(loaded_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise errors.not_supported("a CA key that is neither RSA nor EC")
        signing_key = loaded_key
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(loaded_key.public_key()), critical=False
        )
    certificate = builder.sign(signing_key, hashes.SHA256())
    item.props[CERTIFICATE_PEM] = certificate.public_bytes(serialization.Encoding.PEM).decode()
    item.props[KEY_PEM] = _key_text(key)
    if issuer_item is not None:
        item.props["ca"] = issuer_item.props.get("name", issuer_item.id)
    else:
        item.props["trusted"] = "true" if authority else item.props.get("trusted", "false")
    if args.get("ca-crl-host"):
        item.props["ca-crl-host"] = args["ca-crl-host"]
    if new_name:
        _rename(router, item, new_name)
    router.save()
    return Result(rows=[{"progress": "done"}])


def _key_text(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _rename(router: RouterView, item: Item, new: str) -> None:
    old = item.props.get("name", "")
    item.props["name"] = new
    for other in router.items(CERTIFICATE):
        if other.props.get("ca") == old:
            other.props["ca"] = new
    for service in router.items(router.spec("ip/service")):
        if service.props.get("certificate") == old:
            service.props["certificate"] = new


def _caller_policies(router: RouterView) -> frozenset[str] | None:
    """The policies of whoever runs this command, or None when the lab itself calls (tests, ctl)."""
    user = jobs.acting_user()
    return None if user is None else jobs.user_policies(router, user)


def _export(router: RouterView, args: Props) -> None:
    """`export-certificate NUMBERS [file-name=] [type=pem] [export-passphrase=]`: `<file-name>.crt` (by
    default `cert_export_<name>.crt`) holds the certificate as PEM; with a passphrase, `<file-name>.key`
    holds its private key encrypted with it (a key never leaves the router unencrypted, and exporting it
    needs the `sensitive` policy)."""
    if args.get("type", "pem") != "pem":
        raise errors.not_supported(f"/certificate/export-certificate type={args['type']}")
    passphrase = args.get("export-passphrase", "")
    policies = _caller_policies(router)
    if passphrase and policies is not None and "sensitive" not in policies:
        raise errors.CommandError(errors.NOT_ENOUGH_PERMISSIONS)
    for item in _targets(router, args):
        certificate = item.props.get(CERTIFICATE_PEM)
        if certificate is None:
            raise errors.failure("certificate is not signed")
        base = args.get("file-name") or f"cert_export_{item.props.get('name', item.id)}"
        store_file(router, f"{base}.crt", certificate)
        if passphrase and item.props.get(KEY_PEM):
            key = serialization.load_pem_private_key(item.props[KEY_PEM].encode(), password=None)
            encrypted = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(passphrase.encode()),
            )
            store_file(router, f"{base}.key", encrypted.decode())


def _import(router: RouterView, args: Props) -> Result:
    """`import file-name=F [passphrase=] [name=] [trusted=]`: every certificate in the PEM file becomes an
    item (one already present, by fingerprint, is skipped), and every private key joins the certificate whose
    public key it matches. Answers with the counts RouterOS reports."""
    file_item = router.find_by(router.spec("file"), "name", args.get("file-name", ""))
    if file_item is None:
        raise errors.failure("no such file")
    text = file_item.props.get("contents", "")
    passphrase = args.get("passphrase", "")
    counts = dict.fromkeys(
        ("certificates-imported", "private-keys-imported", "decryption-failures", "keys-with-no-certificate"),
        0,
    )
    blocks = [match.group(0) for match in _PEM_BLOCK.finditer(text)]
    certificates = [b for b in blocks if "CERTIFICATE-----" in b.split("\n", 1)[0]]
    keys = [b for b in blocks if "PRIVATE KEY-----" in b.split("\n", 1)[0]]
    if not certificates and not keys:
        raise errors.failure("unable to load certificate")
    known = {
        found.fingerprint(hashes.SHA256())
        for item in router.items(CERTIFICATE)
        if (found := loaded(item)) is not None
    }
    table = router.state.table(PATH)
    trusted = "true" if args.get("trusted", "yes") in ("yes", "true") else "false"
    for pem in certificates:
        try:
            certificate = x509.load_pem_x509_certificate(pem.encode())
        except ValueError:
            raise errors.failure("unable to load certificate") from None
        if certificate.fingerprint(hashes.SHA256()) in known:
            continue
        number = counts["certificates-imported"]
        base = args.get("name") or f"{file_item.props['name']}_0"
        name = base if number == 0 else f"{base}_{number}"
        props: Props = {"name": name, "trusted": trusted}
        props[CERTIFICATE_PEM] = certificate.public_bytes(serialization.Encoding.PEM).decode()
        table.items.append(Item(id=table.new_id(), props=props))
        known.add(certificate.fingerprint(hashes.SHA256()))
        counts["certificates-imported"] += 1
    for pem in keys:
        try:
            key = serialization.load_pem_private_key(pem.encode(), password=passphrase.encode() or None)
        except (ValueError, TypeError):
            counts["decryption-failures"] += 1
            continue
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise errors.not_supported("a private key that is neither RSA nor EC")
        public = _public_bytes(key)
        owner = next(
            (
                item
                for item in router.items(CERTIFICATE)
                if (found := loaded(item)) is not None and _public_bytes(found) == public
            ),
            None,
        )
        if owner is None:
            counts["keys-with-no-certificate"] += 1
            continue
        owner.props[KEY_PEM] = _key_text(key)
        counts["private-keys-imported"] += 1
    router.save()
    return Result(rows=[{**{k: str(v) for k, v in counts.items()}, "files-imported": "1"}])


def _public_bytes(source: x509.Certificate | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    public = source.public_key()
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _after(router: RouterView, item: Item, action: str) -> None:
    """A service that used a removed certificate has none again (uncertain: see lab/README.md)."""
    if action != "remove":
        return
    for service in router.items(router.spec("ip/service")):
        if service.props.get("certificate") == item.props.get("name"):
            del service.props["certificate"]


CERTIFICATE = MenuSpec(
    path=PATH,
    unnamed="refuse",
    defaults={"trusted": "false", "key-usage": DEFAULT_KEY_USAGE, "days-valid": "365", "key-size": "2048"},
    kinds={"trusted": "bool", "key-size": "text", "subject-alt-name": "text", "key-usage": "enum-list"},
    refs={"ca": "certificate"},
    unique=(Unique(("name",), "certificate with the same name already exists"),),
    check=_check,
    derive=_derive,
    after=_after,
    commands={"import": _import, "sign": _sign, "export-certificate": _export},
    options={
        "import": frozenset({"file-name", "name", "trusted", "passphrase", "as-value"}),
        "sign": frozenset({"number", "ca", "ca-crl-host", "name", "as-value", "once"}),
        "export-certificate": frozenset({"numbers", "file-name", "type", "export-passphrase"}),
    },
    secret=frozenset({CERTIFICATE_PEM, KEY_PEM}),
)

SETTINGS = MenuSpec(
    path="certificate/settings",
    single=True,
    defaults={"builtin-trust-store": "", "crl-download": "false", "crl-store": "ram", "crl-use": "false"},
    kinds={"builtin-trust-store": "enum-list"},
)


# ----- /certificate/builtin


def _builtin_boot(router: RouterView) -> None:
    """The store's one row, made again at every boot (dynamic items do not survive one)."""
    table = router.state.table(BUILTIN_PATH)
    table.items = [Item(id="*1", props={}, dynamic=True)]


def _builtin_derive(router: RouterView, item: Item) -> Props:
    return certificate_row(router.network.ca.certificate)


BUILTIN = MenuSpec(
    path=BUILTIN_PATH,
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
    boot=_builtin_boot,
    derive=_builtin_derive,
    generic=READ_ONLY,
)

SPECS = (CERTIFICATE, SETTINGS, BUILTIN)

"""/certificate as the RouterOS manual (Certificates, IP Services) describes it, and the api-ssl listener that
presents what /ip service api-ssl names: templates, `sign` (self-signed or by a CA on the router),
`export-certificate` into /file, `import` of certificates and keys, and TLS with exactly that certificate.
"""

from __future__ import annotations

import datetime
import socket
import ssl
from pathlib import Path

import librouteros
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from librouteros.exceptions import TrapError

from lab.errors import CommandError
from lab.router import Router
from lab.testing import RunningLab

CA = {"common-name": "lab-r1 CA", "key-usage": "key-cert-sign,crl-sign", "key-size": "prime256v1"}


@pytest.fixture
def router() -> Router:
    return Router(index=1, address="127.0.1.1")


def _row(router: Router, name: str) -> dict[str, str]:
    return next(row for row in router.rows("certificate") if row.get("name") == name)


def _file(router: Router, name: str) -> str:
    item = router.find_by(router.spec("file"), "name", name)
    assert item is not None, f"no file {name}"
    return item.props["contents"]


def _make_ca_and_server(router: Router, address: str = "127.0.1.1") -> None:
    router.execute("certificate", "add", {"name": "ca-template", **CA, "days-valid": "3650"})
    router.execute("certificate", "sign", {"number": "ca-template", "name": "ca"})
    server = {
        "common-name": "router1",
        "subject-alt-name": f"IP:{address},DNS:router1",
        "key-size": "prime256v1",
    }
    router.execute(
        "certificate", "add", {"name": "server", **server, "key-usage": "digital-signature,tls-server"}
    )
    router.execute("certificate", "sign", {"number": "server", "ca": "ca"})


def test_a_template_prints_its_settings_and_defaults_until_signed(router: Router) -> None:
    """`add` makes a template: no key, no fingerprint; the manual's defaults for what was not set."""
    router.execute("certificate", "add", {"name": "t", "common-name": "x", "country": "LV"})
    row = _row(router, "t")
    assert row["common-name"] == "x" and row["country"] == "LV"
    assert row["key-size"] == "2048" and row["days-valid"] == "365" and row["trusted"] == "false"
    assert row["private-key"] == "false" and "fingerprint" not in row and "invalid-after" not in row


def test_sign_self_signed_ca_then_a_server_certificate_it_issues(router: Router) -> None:
    """A self-signed CA (key-cert-sign) is an authority, trusted, with its key; `sign ca=` issues a
    certificate whose issuer, `ca`, SAN, key usage and validity print as the router prints them, and `name=`
    renames."""
    _make_ca_and_server(router)
    assert router.find_by(router.spec("certificate"), "name", "ca-template") is None
    ca, server = _row(router, "ca"), _row(router, "server")
    assert (ca["authority"], ca["trusted"], ca["private-key"], ca["issued"]) == (
        "true",
        "true",
        "true",
        "false",
    )
    assert ca["key-type"] == "ec" and ca["key-size"] == "prime256v1" and ca["days-valid"] == "3650"
    assert server["issued"] == "true" and server["ca"] == "ca" and server["authority"] == "false"
    assert server["issuer"] == "CN=lab-r1 CA" and server["subject-alt-name"] == "IP:127.0.1.1,DNS:router1"
    assert server["key-usage"] == "digital-signature,tls-server"
    assert len(server["fingerprint"]) == 64 and server["expired"] == "false"
    assert "pem" not in server and "key" not in server, "keys and PEM are never printed"


def test_signing_refusals(router: Router) -> None:
    """A signed certificate cannot be signed again or have its subject changed; a CA must hold its key."""
    _make_ca_and_server(router)
    with pytest.raises(CommandError, match="already signed"):
        router.execute("certificate", "sign", {"number": "server"})
    with pytest.raises(CommandError, match="can not change signed certificate"):
        router.execute("certificate", "set", {"numbers": "server", "common-name": "other"})
    router.execute("certificate", "set", {"numbers": "server", "trusted": "yes"})
    router.execute("certificate", "add", {"name": "leaf", "common-name": "leaf"})
    with pytest.raises(CommandError, match="ca certificate must have a private key and be a CA"):
        router.execute("certificate", "sign", {"number": "leaf", "ca": "server"})
    with pytest.raises(CommandError, match="input does not match any value of key-size"):
        router.execute("certificate", "add", {"name": "bad", "key-size": "3000"})
    with pytest.raises(CommandError, match="invalid value for argument subject-alt-name"):
        router.execute("certificate", "add", {"name": "bad", "subject-alt-name": "IP:router"})


def test_export_writes_the_pem_and_an_encrypted_key_only_with_a_passphrase(router: Router) -> None:
    """`export-certificate` writes `cert_export_<name>.crt` (or `<file-name>.crt`); the key goes out only with
    `export-passphrase`, encrypted with it."""
    _make_ca_and_server(router)
    router.execute("certificate", "export-certificate", {"numbers": "ca"})
    exported = x509.load_pem_x509_certificate(_file(router, "cert_export_ca.crt").encode())
    assert exported.fingerprint(hashes.SHA256()).hex() == _row(router, "ca")["fingerprint"]
    assert router.find_by(router.spec("file"), "name", "cert_export_ca.key") is None
    router.execute(
        "certificate",
        "export-certificate",
        {"numbers": "server", "file-name": "srv", "export-passphrase": "0123456789"},
    )
    key = serialization.load_pem_private_key(_file(router, "srv.key").encode(), password=b"0123456789")
    certificate = x509.load_pem_x509_certificate(_file(router, "srv.crt").encode())
    assert key.public_key() == certificate.public_key()
    with pytest.raises(CommandError, match="not supported in the lab"):
        router.execute("certificate", "export-certificate", {"numbers": "ca", "type": "pkcs12"})


def test_import_a_certificate_then_its_key_and_a_chain(router: Router) -> None:
    """A PEM certificate becomes an item (named as asked); its key, imported later from another file with
    the passphrase, joins it; a chain file makes one item per certificate; a key without its certificate and
    a wrong passphrase are counted, as the router's import answer does."""
    source = Router(index=2, address="127.0.1.2")
    _make_ca_and_server(source)
    source.execute(
        "certificate",
        "export-certificate",
        {"numbers": "server", "file-name": "s", "export-passphrase": "pass"},
    )
    source.execute("certificate", "export-certificate", {"numbers": "ca", "file-name": "c"})
    router.execute("file", "add", {"name": "s.crt", "contents": _file(source, "s.crt")})
    router.execute("file", "add", {"name": "s.key", "contents": _file(source, "s.key")})
    router.execute(
        "file", "add", {"name": "chain.pem", "contents": _file(source, "s.crt") + _file(source, "c.crt")}
    )
    [answer] = router.execute("certificate", "import", {"file-name": "s.crt", "name": "api"}).rows or []
    assert answer["certificates-imported"] == "1" and answer["private-keys-imported"] == "0"
    assert _row(router, "api")["private-key"] == "false"
    [wrong] = router.execute("certificate", "import", {"file-name": "s.key", "passphrase": "nope"}).rows or []
    assert wrong["decryption-failures"] == "1"
    [keyed] = router.execute("certificate", "import", {"file-name": "s.key", "passphrase": "pass"}).rows or []
    assert keyed["private-keys-imported"] == "1" and _row(router, "api")["private-key"] == "true"
    [chain] = router.execute("certificate", "import", {"file-name": "chain.pem"}).rows or []
    assert chain["certificates-imported"] == "1", (
        "the server certificate is there already; only the CA is new"
    )
    assert _row(router, "chain.pem_0")["authority"] == "true"
    stray = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    router.execute("file", "add", {"name": "stray.key", "contents": stray.decode()})
    [alone] = router.execute("certificate", "import", {"file-name": "stray.key"}).rows or []
    assert alone["keys-with-no-certificate"] == "1"


def test_service_certificate_names_an_entry_and_follows_it(router: Router) -> None:
    """`/ip service set api-ssl certificate=` takes the name of a /certificate entry or `none` and refuses
    anything else as the router does; a rename follows, a removal leaves the service with none."""
    _make_ca_and_server(router)

    def api_ssl() -> dict[str, str]:
        return next(
            r for r in router.rows("ip/service") if r["name"] == "api-ssl" and r["dynamic"] == "false"
        )

    with pytest.raises(CommandError, match="input does not match any value of certificate"):
        router.execute("ip/service", "set", {"numbers": "api-ssl", "certificate": "missing"})
    with pytest.raises(CommandError, match="input does not match any value of tls-version"):
        router.execute("ip/service", "set", {"numbers": "api-ssl", "tls-version": "only-1.3"})
    router.execute(
        "ip/service", "set", {"numbers": "api-ssl", "certificate": "server", "tls-version": "only-1.2"}
    )
    assert (api_ssl()["certificate"], api_ssl()["tls-version"]) == ("server", "only-1.2")
    router.execute("certificate", "set", {"numbers": "server", "name": "api"})
    assert api_ssl()["certificate"] == "api"
    router.execute("certificate", "remove", {"numbers": "api"})
    assert api_ssl()["certificate"] == "none"


def test_certificates_and_keys_survive_a_restart(tmp_path: Path) -> None:
    """Keys and certificates are configuration: a router started again from its state has the same ones."""
    first = Router(index=1, address="127.0.1.1", state_path=tmp_path / "router1.json")
    _make_ca_and_server(first)
    again = Router(index=1, address="127.0.1.1", state_path=tmp_path / "router1.json")
    assert _row(again, "server") == {
        **_row(first, "server"),
        "expires-after": _row(again, "server")["expires-after"],
    }
    again.execute(
        "certificate", "export-certificate", {"numbers": "server", "export-passphrase": "0123456789"}
    )
    assert _file(again, "cert_export_server.key").startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


# ----- the api-ssl listener, over the network


def _admin(lab: RunningLab, router: int = 1, **kwargs: object) -> librouteros.api.Api:
    return librouteros.connect(host=lab.address(router), username="admin", password="lab-admin", **kwargs)


def _presented(lab: RunningLab, router: int) -> tuple[x509.Certificate, str | None]:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with (
        socket.create_connection((lab.address(router), 8729), timeout=5) as raw,
        context.wrap_socket(raw) as wrapped,
    ):
        der, version = wrapped.getpeercert(binary_form=True), wrapped.version()
    assert der is not None
    return x509.load_der_x509_certificate(der), version


def test_api_ssl_without_a_certificate_answers_only_anonymous_clients(lab: RunningLab) -> None:
    """Factory api-ssl has `certificate=none`: a client that checks certificates fails the handshake, one that
    asks for anonymous DH (librouteros' and community.routeros' `force_no_cert` recipe) logs in."""
    with pytest.raises(ssl.SSLError):
        _presented(lab, 2)
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.set_ciphers("ADH:@SECLEVEL=0")
    api = _admin(lab, 2, ssl_wrapper=context.wrap_socket, port=8729)
    assert next(iter(api.path("system", "identity")))["name"]
    api.close()


def test_api_ssl_presents_the_certificate_the_service_names(lab: RunningLab, tmp_path: Path) -> None:
    """Made over the API as a client would (add, sign, export, read the PEM back from /file), then named in
    /ip service: the next api-ssl connection shows exactly that certificate, verifiable with the exported CA
    and the router's address as host name; `tls-version=only-1.2` holds the next handshake to TLS 1.2."""
    api = _admin(lab)
    certificates = api.path("certificate")
    certificates.add(name="ca", **CA, **{"days-valid": "3650"})
    tuple(certificates("sign", number="ca"))
    san = {"subject-alt-name": f"IP:{lab.address(1)}", "key-usage": "digital-signature,tls-server"}
    certificates.add(name="api-ssl", **{"common-name": "lab-r1", "key-size": "prime256v1"}, **san)
    tuple(certificates("sign", number="api-ssl", ca="ca"))
    tuple(certificates("export-certificate", numbers="ca", **{"file-name": "pin", "type": "pem"}))
    [pem] = [
        row["contents"] for row in api.path("file").select("name", "contents") if row["name"] == "pin.crt"
    ]
    services = api.path("ip", "service")
    [row] = [r for r in services if r["name"] == "api-ssl" and not r.get("dynamic")]
    services.update(**{".id": row[".id"], "certificate": "api-ssl"})
    fingerprint = next(r for r in certificates if r["name"] == "api-ssl")["fingerprint"]
    presented, version = _presented(lab, 1)
    assert presented.fingerprint(hashes.SHA256()).hex() == fingerprint and version == "TLSv1.3"
    services.update(**{".id": row[".id"], "tls-version": "only-1.2"})
    assert _presented(lab, 1)[1] == "TLSv1.2"
    api.close()
    (tmp_path / "pin.pem").write_text(pem)
    context = ssl.create_default_context(cafile=str(tmp_path / "pin.pem"))
    verified = _admin(
        lab, ssl_wrapper=lambda s: context.wrap_socket(s, server_hostname=lab.address(1)), port=8729
    )
    assert next(iter(verified.path("system", "identity")))["name"]
    verified.close()
    with pytest.raises(ssl.SSLCertVerificationError):
        other = ssl.create_default_context()
        _admin(lab, ssl_wrapper=lambda s: other.wrap_socket(s, server_hostname=lab.address(1)), port=8729)


def test_api_ssl_refuses_the_handshake_for_a_certificate_without_its_key(lab: RunningLab) -> None:
    """A certificate imported without its key cannot serve TLS: the router names it, the handshake fails."""
    api = _admin(lab, 2)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "keyless")])
    moment = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(moment)
        .not_valid_after(moment + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    api.path("file").add(
        name="keyless.crt", contents=certificate.public_bytes(serialization.Encoding.PEM).decode()
    )
    tuple(api.path("certificate")("import", **{"file-name": "keyless.crt", "name": "keyless"}))
    services = api.path("ip", "service")
    [row] = [r for r in services if r["name"] == "api-ssl" and not r.get("dynamic")]
    services.update(**{".id": row[".id"], "certificate": "keyless"})
    try:
        with pytest.raises((ssl.SSLError, ConnectionError)):
            _presented(lab, 2)
    finally:
        services.update(**{".id": row[".id"], "certificate": "none"})
        api.close()


def test_a_trap_for_an_unknown_certificate_reaches_the_client(lab: RunningLab) -> None:
    """librouteros sees the router's refusal of `certificate=` naming nothing."""
    api = _admin(lab)
    services = api.path("ip", "service")
    [row] = [r for r in services if r["name"] == "www-ssl"]
    with pytest.raises(TrapError, match="input does not match any value of certificate"):
        services.update(**{".id": row[".id"], "certificate": "nothing-by-that-name"})
    api.close()

"""The builtin trust store (/certificate/builtin, RouterOS 7.19+) and the lab's stand-in chain for
api.telegram.org.

api.telegram.org is signed by "Go Daddy Secure Certificate Authority - G2", issued by "Go Daddy Root
Certificate Authority - G2" (openssl s_client output quoted in python-telegram-bot issue #64; the chain
Telegram still serves, judging by eworm-de/routeros-scripts, whose 2026 notification-telegram module checks
`$CertificateAvailable "Go Daddy Root Certificate Authority - G2" "fetch"` before every send, and whose
CertificateAvailable looks the root up with `/certificate/builtin/find where common-name=$CommonName or
unit=$CommonName` when `builtin-trust-store` names the use). The lab's Internet root carries that root's
subject and dates, with the lab's own key; `<state>/lab-internet-ca.pem` is that root.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import librouteros
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lab.errors import CommandError
from lab.network import INTERNET_CA_FILE, INTERNET_CA_KEY, TELEGRAM_NAME, InternetCA
from lab.router import Router
from lab.script.runner import install, run_script
from lab.testing import RunningLab

ROOT = "Go Daddy Root Certificate Authority - G2"


@pytest.fixture
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def test_a_script_finds_the_telegram_root_by_name_in_the_builtin_store(router: Router) -> None:
    source = (
        f':put ([:len [/certificate/builtin/find where common-name="{ROOT}" or unit="{ROOT}"]] > 0);'
        f' :put [/certificate/builtin/get [find common-name="{ROOT}"] organization]'
    )
    result = run_script(router, source, {}, "admin")
    assert (result.error, result.output) == (None, ["true", "GoDaddy.com, Inc."])


def test_the_builtin_row_is_read_only_and_prints_the_roots_properties(router: Router) -> None:
    (row,) = router.rows("certificate/builtin")
    assert {k: row.get(k) for k in ("common-name", "organization", "country", "state", "locality")} == {
        "common-name": ROOT,
        "organization": "GoDaddy.com, Inc.",
        "country": "US",
        "state": "Arizona",
        "locality": "Scottsdale",
    }
    assert (row["invalid-before"], row["invalid-after"]) == ("2009-09-01 00:00:00", "2037-12-31 23:59:59")
    assert (row["key-type"], row["key-size"], row["key-usage"]) == ("rsa", "2048", "key-cert-sign,crl-sign")
    assert "issuer" not in row  # self-signed
    for command in ("add", "set", "remove"):
        with pytest.raises(CommandError, match="no such command"):
            router.execute("certificate/builtin", command, {})
    router.reboot()
    assert [r["common-name"] for r in router.rows("certificate/builtin")] == [ROOT]


def test_the_stand_in_chain_for_api_telegram_org_ends_in_that_root(router: Router) -> None:
    root = router.network.ca.certificate
    leaf = router.network.ca.leaf(TELEGRAM_NAME)
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == ROOT
    assert leaf.issuer == root.subject
    leaf.verify_directly_issued_by(root)


def test_lab_internet_ca_pem_is_that_root_and_an_older_root_is_replaced(tmp_path: Path) -> None:
    # A root left by an older lab: another subject, an EC key.
    old_key = ec.generate_private_key(ec.SECP256R1())
    old_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "netwatch lab Internet root CA")])
    now = datetime.datetime.now(datetime.UTC)
    old = (
        x509.CertificateBuilder()
        .subject_name(old_name)
        .issuer_name(old_name)
        .public_key(old_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(old_key, hashes.SHA256())
    )
    (tmp_path / INTERNET_CA_FILE).write_bytes(old.public_bytes(serialization.Encoding.PEM))
    (tmp_path / INTERNET_CA_KEY).write_bytes(
        old_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    made = InternetCA.load_or_create(tmp_path)
    on_disk = x509.load_pem_x509_certificate((tmp_path / INTERNET_CA_FILE).read_bytes())
    assert on_disk == made.certificate
    assert on_disk.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == ROOT
    assert InternetCA.load_or_create(tmp_path).certificate == made.certificate  # kept across restarts


def test_the_running_lab_lists_the_root_of_lab_internet_ca_pem(lab: RunningLab) -> None:
    on_disk = x509.load_pem_x509_certificate((lab.state / INTERNET_CA_FILE).read_bytes())
    api = librouteros.connect(host=lab.address(1), username="admin", password="lab-admin")
    try:
        (row,) = tuple(api.path("certificate", "builtin"))
        assert row["common-name"] == ROOT
        assert (
            row["skid"]
            == on_disk.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex()
        )
    finally:
        api.close()

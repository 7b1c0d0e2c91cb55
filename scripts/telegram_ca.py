"""Write roles/routeros_telegram/files/telegram-bot-api-ca.pem: the root certificate authority that signs
api.telegram.org's certificate chain, for routers older than RouterOS 7.19, which have no built-in CA store
(roles/routeros_telegram/README.md, "Trust").

The certificate is public data. It is taken from the Mozilla CA bundle that the `certifi` package carries (in
the project's virtualenv), found by its subject, and written only if its SHA-256 fingerprint is the one the
CA publishes, so a changed or tampered bundle can never put another certificate into the role.

    .venv/bin/python scripts/telegram_ca.py [--bundle PATH] [--check]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lab.network import REAL_ROOT_SHA256  # noqa: E402 - the lab is found from the repository's root

TARGET = ROOT / "roles" / "routeros_telegram" / "files" / "telegram-bot-api-ca.pem"
# api.telegram.org's chain ends at this root (leaf, "Go Daddy Secure Certificate Authority - G2", root).
COMMON_NAME = "Go Daddy Root Certificate Authority - G2"
# As GoDaddy publishes it; the lab recognises the same certificate by it (lab/network.py).
FINGERPRINT = REAL_ROOT_SHA256


def find(bundle: Path) -> x509.Certificate:
    with warnings.catch_warnings():
        # Some roots of the bundle have a serial number RFC 5280 disallows; they are read, never used.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        certificates = x509.load_pem_x509_certificates(bundle.read_bytes())
    for certificate in certificates:
        names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if names and names[0].value == COMMON_NAME:
            fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
            if fingerprint != FINGERPRINT:
                raise SystemExit(
                    f"{bundle}: {COMMON_NAME!r} has fingerprint {fingerprint}, expected {FINGERPRINT}"
                )
            return certificate
    raise SystemExit(f"{bundle}: no certificate named {COMMON_NAME!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bundle", type=Path, default=Path(certifi.where()), help="a PEM bundle of CA certificates"
    )
    parser.add_argument("--check", action="store_true", help="fail if the role's file differs; write nothing")
    args = parser.parse_args()
    pem = find(args.bundle).public_bytes(serialization.Encoding.PEM).decode()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != pem:
            sys.exit(f"{TARGET.relative_to(ROOT)} differs from {args.bundle}: rerun without --check")
        return
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(pem)
    print(f"wrote {TARGET.relative_to(ROOT)} ({COMMON_NAME}, SHA-256 {FINGERPRINT})")


if __name__ == "__main__":
    main()

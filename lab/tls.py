"""What a router's API-SSL listener presents: the /certificate entry that /ip service api-ssl names.

A router serves api-ssl with the certificate and key its service names (`certificate=`), by the service's
`tls-version`. With `certificate=none`, RouterOS 7 still answers API-SSL with anonymous Diffie-Hellman (ADH)
cipher suites, for clients that ask for them (librouteros and community.routeros `force_no_cert` set
`ADH:@SECLEVEL=0`; mktxp restored that option in 2025 for RouterOS 7.19 users); a client that checks
certificates fails the handshake. A named certificate without its private key serves nothing: the handshake
is refused.

The choice is made per connection, from the router's configuration at that moment, so `/ip service set
api-ssl certificate=...` takes effect for the next connection, as on a router.
"""

from __future__ import annotations

import hashlib
import ssl
import tempfile
import threading
from pathlib import Path

from lab.menus import certificates
from lab.router import Router

# RFC 7919 group ffdhe2048: the anonymous DH suites need parameters, and a published group costs no
# generation time.
_DH_PARAMS = """-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
"""

# Contexts by (certificate, key, tls-version): a context is costly to build and the same for every connection
# until the service or the certificate changes.
_contexts: dict[str, ssl.SSLContext] = {}
_lock = threading.Lock()


def api_ssl_context(router: Router) -> ssl.SSLContext | None:
    """The context for one new api-ssl connection, or None when the router would refuse the handshake."""
    with router.lock:
        service = next(
            (
                item.props
                for item in router.items(router.spec("ip/service"))
                if not item.dynamic and item.props.get("name") == "api-ssl"
            ),
            {},
        )
        name = service.get("certificate", "none")
        version = service.get("tls-version", "any")
        if name == "none":
            certificate, key = "", ""
        else:
            item = router.find_by(certificates.CERTIFICATE, "name", name)
            if item is None or not item.props.get(certificates.KEY_PEM):
                return None
            certificate = item.props[certificates.CERTIFICATE_PEM]
            key = item.props[certificates.KEY_PEM]
    cache_key = hashlib.sha256(f"{certificate}\0{key}\0{version}".encode()).hexdigest()
    with _lock:
        if cache_key not in _contexts:
            _contexts[cache_key] = _build(certificate, key, version)
        return _contexts[cache_key]


def _build(certificate: str, key: str, version: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if version == "only-1.2":
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    # ssl loads keys and parameters from files only; they exist for the moment it reads them.
    with tempfile.TemporaryDirectory(prefix="lab-tls-") as folder:
        if not certificate:
            # TLS 1.3 has no anonymous suites; OpenSSL allows them only at security level 0.
            context.maximum_version = ssl.TLSVersion.TLSv1_2
            context.set_ciphers("aNULL:@SECLEVEL=0")
            params = Path(folder) / "dh.pem"
            params.write_text(_DH_PARAMS)
            context.load_dh_params(str(params))
            return context
        chain = Path(folder) / "chain.pem"
        chain.touch(mode=0o600)
        chain.write_text(certificate + key)
        context.load_cert_chain(str(chain))
    return context

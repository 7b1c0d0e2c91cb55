"""The lab's virtual network: the hosts a router can reach, and the Internet services its fetches can reach.

Nothing here sends a packet. Monitored hosts are records whose reachability, loss and delay the operator sets;
Internet names (api.telegram.org) resolve to services on 127.0.0.0/8 that stand in for them.
"""

from __future__ import annotations

import datetime
import ipaddress
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cryptography import exceptions, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

# The fake Telegram Bot API listens here unless the operator points the name elsewhere (`ctl service`).


@dataclass
class Uplink:
    """One router's side of the virtual ISP behind its uplink interface (a lease, a gateway, a DNS server)."""

    interface: str = "ether1"
    up: bool = True
    lease_address: str = ""
    gateway: str = ""
    dns: str = ""
    # Whether the certificate revocation lists of the virtual Internet can be had (`ctl crl`): fetch's
    # `check-certificate=yes` needs them, `yes-without-crl` does not.
    crl_available: bool = True


TELEGRAM_NAME = "api.telegram.org"
TELEGRAM_PORT = 8081

# How a virtual service's TLS is handled: "lab" means the lab plays the server's side of the handshake with a
# certificate from the lab Internet CA and talks plain HTTP to the stand-in; "real": the stand-in speaks TLS.
TLS_MODES = ("lab", "real", "none")

# Addresses every router reaches unless told otherwise: public resolvers users watch to judge the uplink.
DEFAULT_HOSTS = ("1.1.1.1", "8.8.8.8", "9.9.9.9")

# RFC 5737 documentation ranges. No real host has such an address, so in the lab they never answer: tests and
# playbooks use them for a host that is certainly down. A router's own address is the exception (the virtual
# uplink leases one from TEST-NET-2, and a router always answers for itself).
DOCUMENTATION_NETWORKS = {
    "TEST-NET-1": ipaddress.IPv4Network("192.0.2.0/24"),
    "TEST-NET-2": ipaddress.IPv4Network("198.51.100.0/24"),
    "TEST-NET-3": ipaddress.IPv4Network("203.0.113.0/24"),
}

INTERNET_CA_FILE = "lab-internet-ca.pem"
INTERNET_CA_KEY = "lab-internet-ca.key"

# The root CA that signs api.telegram.org's chain today (leaf <- "Go Daddy Secure Certificate Authority - G2"
# <- this root), as RouterOS scripts in the wild look it up by name. The lab's Internet root carries this
# subject and the real root's validity window with the lab's own key: a stand-in, not the real certificate.
ROOT_SUBJECT = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Arizona"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "Scottsdale"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "GoDaddy.com, Inc."),
        x509.NameAttribute(NameOID.COMMON_NAME, "Go Daddy Root Certificate Authority - G2"),
    ]
)
# SHA-256 of the real root's certificate, as its CA publishes it. A router that trusts that very certificate
# (imported from a PEM file, as before 7.19) trusts the lab's stand-in: the lab signs with its own key.
REAL_ROOT_SHA256 = "45140b3247eb9cc8c5b4f0d7b53091f73292089e6e5a63e2749dd3aca9198eda"
ROOT_NOT_BEFORE = datetime.datetime(2009, 9, 1, tzinfo=datetime.UTC)
ROOT_NOT_AFTER = datetime.datetime(2037, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)


# What an up host answers an HTTP GET with, unless `ctl host ... http STATUS` says otherwise.
DEFAULT_HTTP_STATUS = 200


@dataclass
class Host:
    """A monitored host as the virtual network sees it.

    While up, it accepts TCP connections on every port but the closed ones (a closed port answers with a
    reset), answers DNS queries from the virtual Internet (port 53, unless closed) and answers every HTTP GET
    with `http_status`.
    """

    address: str
    up: bool = True
    loss_percent: float = 0.0
    delay_ms: float = 1.0
    closed_ports: set[int] = field(default_factory=set)
    http_status: int = DEFAULT_HTTP_STATUS

    def accepts(self, port: int) -> bool:
        return port not in self.closed_ports

    def describe(self) -> dict[str, str]:
        described = {
            "address": self.address,
            "state": "up" if self.up else "down",
            "loss": f"{self.loss_percent:g}%",
            "delay": f"{self.delay_ms:g}ms",
        }
        # Only what differs from an ordinary host, so that the common case stays short.
        if self.closed_ports:
            described["closed-ports"] = ",".join(str(port) for port in sorted(self.closed_ports))
        if self.http_status != DEFAULT_HTTP_STATUS:
            described["http-status"] = str(self.http_status)
        return described


@dataclass(frozen=True)
class Service:
    """Where a (name, port) of the virtual Internet really is, on loopback."""

    name: str
    port: int
    target_host: str
    target_port: int
    tls: str

    def describe(self) -> dict[str, str]:
        return {
            "name": f"{self.name}:{self.port}",
            "target": f"{self.target_host}:{self.target_port}",
            "tls": self.tls,
        }


def documentation_network(address: str) -> str | None:
    """`TEST-NET-n (network)` when `address` is in an RFC 5737 documentation range, else None."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    for name, network in DOCUMENTATION_NETWORKS.items():
        if parsed in network:
            return f"{name} ({network})"
    return None


def require_loopback(address: str, what: str) -> str:
    """The lab's one network rule: it never leaves 127.0.0.0/8."""
    try:
        parsed = ipaddress.IPv4Address(address)
    except ValueError:
        raise ValueError(
            f"{what} {address!r} is not an IPv4 address; the lab only reaches 127.0.0.0/8"
        ) from None
    if not parsed.is_loopback:
        raise ValueError(f"{what} {address} is outside 127.0.0.0/8; the lab never leaves loopback")
    return str(parsed)


@dataclass
class InternetCA:
    """The root CA behind the certificates the lab shows for virtual Internet names (the builtin trust store).

    It carries the subject of the real root that signs api.telegram.org (ROOT_SUBJECT) with the lab's own RSA
    key, and signs the lab's stand-in certificate of every name directly (the real chain has an intermediate).
    """

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    _issued: dict[str, x509.Certificate] = field(default_factory=dict)

    @classmethod
    def load_or_create(cls, directory: Path | None) -> InternetCA:
        """The root kept in `directory`, made there if missing; without a directory (routers that tests make),
        one root for the whole process, so that two such routers print the same builtin store."""
        if directory is None:
            return _memory_ca()
        if (directory / INTERNET_CA_FILE).exists() and (directory / INTERNET_CA_KEY).exists():
            certificate = x509.load_pem_x509_certificate((directory / INTERNET_CA_FILE).read_bytes())
            key = serialization.load_pem_private_key(
                (directory / INTERNET_CA_KEY).read_bytes(), password=None
            )
            # A root made by an older lab (another subject, an EC key) is replaced.
            if isinstance(key, rsa.RSAPrivateKey) and certificate.subject == ROOT_SUBJECT:
                return cls(certificate=certificate, key=key)
        return cls._create(directory)

    @classmethod
    def _create(cls, directory: Path | None) -> InternetCA:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(ROOT_SUBJECT)
            .issuer_name(ROOT_SUBJECT)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(ROOT_NOT_BEFORE)
            .not_valid_after(ROOT_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / INTERNET_CA_FILE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
            key_path = directory / INTERNET_CA_KEY
            key_path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            key_path.chmod(0o600)
        return cls(certificate=certificate, key=key)

    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def leaf(self, name: str) -> x509.Certificate:
        """The certificate the lab presents for `name` (a host name or an address), made once per lab run."""
        found = self._issued.get(name)
        if found is not None:
            return found
        now = datetime.datetime.now(datetime.UTC)
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        try:
            alt_name: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(name))
        except ValueError:
            alt_name = x509.DNSName(name)
        found = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(self.certificate.subject)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([alt_name]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self._issued[name] = found
        return found


@cache
def _memory_ca() -> InternetCA:
    """The root of routers made without a state folder: one per process, made on first use."""
    return InternetCA._create(None)


def chain_problem(leaf: x509.Certificate, anchors: list[x509.Certificate], now: float) -> str | None:
    """Why a TLS client that trusts `anchors` refuses `leaf` at `now` (UNIX seconds, the router's clock), in
    OpenSSL's words, or None when it accepts it."""
    issuer = None
    for anchor in anchors:
        if anchor == leaf:
            issuer = anchor
            break
        try:
            leaf.verify_directly_issued_by(anchor)
        except (ValueError, TypeError, exceptions.InvalidSignature):
            continue
        issuer = anchor
        break
    if issuer is None:
        return "unable to get local issuer certificate"
    for certificate in (leaf, issuer):
        if now < certificate.not_valid_before_utc.timestamp():
            return "certificate is not yet valid"
        if now > certificate.not_valid_after_utc.timestamp():
            return "certificate has expired"
    return None


@dataclass
class Network:
    """One per lab: the virtual Internet (names, services, CA) and each router's monitored hosts."""

    state_dir: Path | None = None
    telegram_port: int = TELEGRAM_PORT
    services: dict[tuple[str, int], Service] = field(default_factory=dict)
    hosts: dict[int, dict[str, Host]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ca: InternetCA | None = None

    def __post_init__(self) -> None:
        if not self.services:
            self.serve_telegram_at("127.0.0.1", self.telegram_port)

    @property
    def ca(self) -> InternetCA:
        if self._ca is None:
            self._ca = InternetCA.load_or_create(self.state_dir)
        return self._ca

    # ----- virtual Internet

    def set_service(self, name: str, port: int, target_host: str, target_port: int, tls: str) -> Service:
        if tls not in TLS_MODES:
            raise ValueError(f"tls mode {tls!r} is not one of {', '.join(TLS_MODES)}")
        if not 1 <= port <= 65535 or not 1 <= target_port <= 65535:
            raise ValueError(f"ports must be 1..65535, got {port} and {target_port}")
        service = Service(
            name.lower(), port, require_loopback(target_host, "service target"), target_port, tls
        )
        with self.lock:
            self.services[(service.name, port)] = service
        return service

    def serve_telegram_at(self, host: str, port: int) -> None:
        """api.telegram.org on both ports is the fake Bot API (plain HTTP; the lab plays its TLS side)."""
        self.set_service(TELEGRAM_NAME, 443, host, port, "lab")
        self.set_service(TELEGRAM_NAME, 80, host, port, "none")

    def service(self, name: str, port: int) -> Service | None:
        with self.lock:
            return self.services.get((name.lower(), port))

    def address_of(self, name: str) -> str | None:
        """The address the virtual DNS gives `name`: where fetch connects for it (its https stand-in, else its
        http one, else the lowest port's), or None for a name the virtual Internet does not have."""
        with self.lock:
            ports = {
                port: service for (known, port), service in self.services.items() if known == name.lower()
            }
        for port in (443, 80, *sorted(ports)):
            if port in ports:
                return ports[port].target_host
        return None

    def knows_name(self, name: str) -> bool:
        with self.lock:
            return any(known == name.lower() for known, _ in self.services)

    # ----- monitored hosts

    def hosts_of(self, router_index: int) -> dict[str, Host]:
        """The router's host table (created with the default hosts the first time it is asked for)."""
        with self.lock:
            table = self.hosts.get(router_index)
            if table is None:
                table = {address: Host(address) for address in DEFAULT_HOSTS}
                self.hosts[router_index] = table
            return table

    def host(self, router_index: int, address: str) -> Host | None:
        return self.hosts_of(router_index).get(address)

    def ensure_host(self, router_index: int, address: str) -> Host:
        """The host record of `address`, made if new; documentation addresses are refused, because a record
        for them would be ignored (they never answer)."""
        parsed = str(ipaddress.ip_address(address))
        documentation = documentation_network(parsed)
        if documentation is not None:
            raise ValueError(
                f"{parsed} is in {documentation}, an RFC 5737 documentation range: such addresses never "
                "answer in the lab (only a router's own address answers, for itself); use another address"
            )
        table = self.hosts_of(router_index)
        with self.lock:
            return table.setdefault(parsed, Host(parsed))

"""The lab's virtual network: the hosts a router can reach, and the Internet services its fetches can reach.

Nothing here sends a packet. Monitored hosts are records whose reachability, loss and delay the operator sets;
Internet names (api.telegram.org) resolve to services on 127.0.0.0/8 that stand in for them.
"""

from __future__ import annotations

import datetime
import ipaddress
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# The fake Telegram Bot API listens here unless the operator points the name elsewhere (`ctl service`).
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


@dataclass
class Host:
    """A monitored host as the virtual network sees it."""

    address: str
    up: bool = True
    loss_percent: float = 0.0
    delay_ms: float = 1.0

    def describe(self) -> dict[str, str]:
        return {
            "address": self.address,
            "state": "up" if self.up else "down",
            "loss": f"{self.loss_percent:g}%",
            "delay": f"{self.delay_ms:g}ms",
        }


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
    """The CA behind the certificates the lab shows for virtual Internet names (the builtin trust store)."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    _issued: dict[str, x509.Certificate] = field(default_factory=dict)

    @classmethod
    def load_or_create(cls, directory: Path | None) -> InternetCA:
        if (
            directory is not None
            and (directory / INTERNET_CA_FILE).exists()
            and (directory / INTERNET_CA_KEY).exists()
        ):
            certificate = x509.load_pem_x509_certificate((directory / INTERNET_CA_FILE).read_bytes())
            key = serialization.load_pem_private_key(
                (directory / INTERNET_CA_KEY).read_bytes(), password=None
            )
            if isinstance(key, ec.EllipticCurvePrivateKey):
                return cls(certificate=certificate, key=key)
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "netwatch lab Internet root CA")])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
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
        """The certificate the lab presents for `name`, made once per lab run."""
        found = self._issued.get(name)
        if found is not None:
            return found
        now = datetime.datetime.now(datetime.UTC)
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        found = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(self.certificate.subject)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self._issued[name] = found
        return found


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

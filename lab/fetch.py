"""`/tool fetch` over HTTP(S): what the router decides (destination, trust, uplink) and the transfer itself.

`prepare` and `route` read router state and run under the router lock; `transfer` waits on the network and
must not; `finish` stores the outcome. Every real connection goes to 127.0.0.0/8: Internet names resolve
through the lab's virtual DNS (lab.network) to loopback stand-ins, and TLS for those names is checked
against the router's own certificate store with a certificate the lab CA issued for the name (see
docs/lab-network.md).
"""

from __future__ import annotations

import http.client
import ipaddress
import ssl
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from lab import errors, values
from lab.errors import CommandError
from lab.menus.base import Props, RouterView
from lab.menus.system import store_file
from lab.network import REAL_ROOT_SHA256, chain_problem

# What `output=user` hands back at most, as RouterOS cuts it.
USER_DATA_LIMIT = 64512
DEFAULT_IDLE_TIMEOUT_MS = 10_000
SUPPORTED_MODES = ("http", "https")
# "fetch - return error code and HTTP headers to :onerror script" (changelog 7.22).
ERROR_ATTRIBUTES_SINCE = (7, 22)


# ----- the router's error texts for fetch


class FetchError(CommandError):
    """A failed fetch; from 7.22 an HTTP answer outside 2xx also carries `code` and `http-headers`, which
    `:onerror err,attr` hands a script (manual, Fetch, "Return value to a variable", Example 2)."""

    def __init__(self, message: str, category: int | None, attributes: dict[str, str] | None) -> None:
        super().__init__(message, category)
        self.attributes = attributes


def status_failure(status: int, attributes: dict[str, str] | None = None, reason: str = "") -> CommandError:
    """Before 7.22 `failure: Fetch failed with status 404`; from 7.22, with the attributes, the text the
    manual's Fetch example prints: `failure: Status 404, Not Found`."""
    text = f"Fetch failed with status {status}" if attributes is None else f"Status {status}, {reason}"
    plain = errors.failure(text)
    return FetchError(plain.message, plain.category, attributes)


def dns_failure() -> CommandError:
    return errors.failure("could not resolve dns name")


def timeout_failure() -> CommandError:
    return errors.failure("connection timeout")


def refused_failure() -> CommandError:
    return errors.failure("connection refused")


def tls_failure(reason: str) -> CommandError:
    return errors.failure(f"SSL: handshake failed: {reason} (6)")


def unauthorized_without_challenge() -> CommandError:
    """A 401 that names no authentication scheme is, to RouterOS's HTTP client, a broken answer rather than a
    status: `Download from api.telegram.org FAILED: 401 should contain www-authenticate header` (eworm-de/
    routeros-scripts issue #80, 2024; Telegram's 401 carries no such header). No `code` attribute from 7.22
    either: the lab gives a script only the text, the strictest reading."""
    return errors.failure("401 should contain www-authenticate header")


def crl_failure() -> CommandError:
    """`check-certificate=yes` on a router that cannot get the CRL: OpenSSL's X509_V_ERR_UNABLE_TO_GET_CRL
    text in RouterOS's handshake wording (uncertain: no capture of it was found)."""
    return tls_failure("unable to get certificate CRL")


def outside_lab(destination: str) -> CommandError:
    return CommandError(
        f"fetch to {destination}: not in the lab's virtual Internet; the lab never leaves loopback "
        "(reachable: 127.0.0.0/8 and the names `ctl services` lists)",
        4,
    )


@dataclass
class Plan:
    """One fetch, decided: where the bytes really go, what to send, what the router concluded about TLS."""

    url: str
    method: str
    headers: dict[str, str]
    body: bytes | None
    output: str
    dst_path: str
    keep_result: bool
    connect_host: str
    connect_port: int
    host_header: str
    path: str
    # "none": plain HTTP; "real": TLS on the wire; "lab": the lab stands in for the server's TLS side.
    tls: str
    verify: bool
    # `check-certificate=yes` while the router cannot get the CRL (`ctl crl ROUTER fail`): a chain it would
    # otherwise accept fails the handshake; `yes-without-crl` skips the CRL check.
    crl_unavailable: bool = False
    anchors: list[x509.Certificate] = field(default_factory=list)
    server_name: str = ""
    # Decided in `prepare` for lab-side TLS; raised once the connection is up, where a handshake would fail.
    tls_error: CommandError | None = None
    timeout: float = DEFAULT_IDLE_TIMEOUT_MS / 1000
    clock_now: float = 0.0


@dataclass
class Outcome:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    duration_ms: int
    reason: str = ""


# ----- prepare (router lock held)


def _split_headers(text: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for part in (p for p in text.split(",") if p.strip()):
        name, colon, value = part.partition(":")
        if not colon or not name.strip():
            raise errors.invalid_value("http-header-field", part)
        headers[name.strip()] = value.strip()
    return headers


def _url(args: Props) -> str:
    if args.get("url"):
        return args["url"]
    mode = args.get("mode", "http")
    address = args.get("address", "")
    if not address:
        raise errors.missing_value("url")
    port = f":{args['port']}" if args.get("port") else ""
    return f"{mode}://{address}{port}/{args.get('src-path', '').lstrip('/')}"


def trust_anchors(router: RouterView, facility: str) -> list[x509.Certificate]:
    """What `facility` (fetch, netwatch) trusts: the /certificate entries marked trusted (the real root, when
    one of them is it, standing for the lab's Internet root), and the builtin store when /certificate settings
    builtin-trust-store names the facility (or all)."""
    found: list[x509.Certificate] = []
    for item in router.items(router.spec("certificate")):
        pem = item.props.get("pem", "")
        if item.props.get("trusted") == "true" and pem:
            certificate = x509.load_pem_x509_certificate(pem.encode())
            found.append(certificate)
            if certificate.fingerprint(hashes.SHA256()).hex() == REAL_ROOT_SHA256:
                found.append(router.network.ca.certificate)
    store = router.rows("certificate/settings")[0].get("builtin-trust-store", "").split(",")
    if facility in store or "all" in store:
        found.append(router.network.ca.certificate)
    return found


def _check_chain(
    leaf: x509.Certificate, anchors: list[x509.Certificate], now: float, crl_unavailable: bool
) -> CommandError | None:
    """The verdict a TLS client reaches on `leaf`, judged with the router's clock, then the CRL check."""
    problem = chain_problem(leaf, anchors, now)
    if problem is not None:
        return tls_failure(problem)
    return crl_failure() if crl_unavailable else None


# `http-percent-encoding=yes` "percent-encodes every character in the request path except alphanumeric and
# -._~/?^=:" (manual, /tool/fetch).
_PATH_KEPT = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/?^=:")


def _escaped(data: bytes, kept: Callable[[int], bool]) -> str:
    return "".join(chr(byte) if kept(byte) else f"%{byte:02X}" for byte in data)


def _on_the_wire(byte: int) -> bool:
    """Bytes an HTTP request line carries as they are: visible ASCII. A space, a control character or a byte
    of a UTF-8 character (`\\E2\\9D\\8C` in a script) cannot stand in a request line."""
    return 0x21 <= byte <= 0x7E


def request_target(path: str, query: str, percent_encoding: bool) -> str:
    """The path and query a fetch asks for, as they go on the wire.

    RouterOS sends the URL as the script wrote it (`http-percent-encoding` is `no` by default), and the
    seed paper's URLs, with spaces and UTF-8 emoji in the text, reached Telegram. The lab's servers, like any
    strict HTTP parser, cannot read a raw space or byte outside ASCII in a request line, so the lab sends
    those bytes percent-encoded: the server reads the same text. With `http-percent-encoding=yes` the path
    (the part before `?`) is encoded as the manual says; the query is treated as with `no`, so `&` and `=`
    keep separating parameters. Lab text is UTF-8 with surrogateescape: bytes that are no UTF-8 go out as
    they were.
    """
    raw_path = path.encode("utf-8", errors="surrogateescape")
    if percent_encoding:
        target = _escaped(raw_path, lambda byte: byte in _PATH_KEPT)
    else:
        target = _escaped(raw_path, _on_the_wire)
    if query:
        target += "?" + _escaped(query.encode("utf-8", errors="surrogateescape"), _on_the_wire)
    return target


def prepare(router: RouterView, args: Props) -> Plan:
    url = _url(args)
    parsed = urllib.parse.urlsplit(url)
    scheme = parsed.scheme.lower()
    if scheme not in SUPPORTED_MODES:
        raise errors.not_supported(f"/tool fetch mode {scheme or args.get('mode', '')}")
    name = (parsed.hostname or "").lower()
    if not name:
        raise errors.invalid_value("url", url)
    port = parsed.port or (443 if scheme == "https" else 80)
    method = args.get("http-method", "get").upper()
    check = args.get("check-certificate", "no")
    idle = args.get("idle-timeout", "")
    timeout_ms = DEFAULT_IDLE_TIMEOUT_MS if idle in ("", "none") else values.parse_duration_ms(idle)
    if args.get("duration"):
        timeout_ms = min(timeout_ms, values.parse_duration_ms(args["duration"]))
    path = request_target(
        parsed.path or "/", parsed.query, args.get("http-percent-encoding", "false") == "true"
    )
    plan = Plan(
        url=url,
        method=method,
        headers=_split_headers(args.get("http-header-field", "")),
        body=args["http-data"].encode("utf-8", errors="surrogateescape") if "http-data" in args else None,
        output=args.get("output", "file"),
        dst_path=args.get("dst-path", "") or (parsed.path.rsplit("/", 1)[-1] or "index.html"),
        keep_result=args.get("keep-result", "yes") in ("yes", "true"),
        connect_host=name,
        connect_port=port,
        host_header=parsed.netloc.rpartition("@")[2],
        path=path,
        tls="real" if scheme == "https" else "none",
        verify=scheme == "https" and check != "no",
        crl_unavailable=scheme == "https" and check == "yes" and not router.uplink.crl_available,
        server_name=name,
        timeout=max(timeout_ms, 1) / 1000,
        clock_now=router.clock.now().timestamp(),
    )
    if plan.verify:
        plan.anchors = trust_anchors(router, "fetch")
    return plan


def route(router: RouterView, plan: Plan) -> None:
    """Where the connection really goes: loopback as named, or a virtual Internet name's stand-in."""
    name = plan.connect_host
    try:
        literal: ipaddress.IPv4Address | None = ipaddress.IPv4Address(name)
    except ValueError:
        literal = None
    if literal is not None and literal.is_loopback:
        return
    if not router.uplink.up:
        raise dns_failure() if literal is None else timeout_failure()
    service = router.network.service(name, plan.connect_port) if literal is None else None
    if service is None:
        raise outside_lab(f"{name}:{plan.connect_port}")
    plan.connect_host, plan.connect_port = service.target_host, service.target_port
    if plan.tls == "none":
        return
    plan.tls = "real" if service.tls == "real" else "lab"
    if plan.tls == "lab" and plan.verify:
        plan.tls_error = _check_chain(
            router.network.ca.leaf(name), plan.anchors, plan.clock_now, plan.crl_unavailable
        )


# ----- transfer (no lock: it waits on the network)


def _context(plan: Plan) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if not plan.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    pems = "".join(a.public_bytes(serialization.Encoding.PEM).decode() for a in plan.anchors)
    if pems:
        context.load_verify_locations(cadata=pems)
    return context


def _connection(plan: Plan) -> http.client.HTTPConnection:
    if plan.tls == "real":
        return _TLSConnection(
            plan.connect_host, plan.connect_port, plan.server_name, _context(plan), plan.timeout
        )
    return http.client.HTTPConnection(plan.connect_host, plan.connect_port, timeout=plan.timeout)


class _TLSConnection(http.client.HTTPSConnection):
    """TLS to a loopback address while checking the certificate against the name the router asked for."""

    def __init__(
        self, host: str, port: int, server_name: str, context: ssl.SSLContext, timeout: float
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._server_name = server_name
        self._tls_context = context

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._tls_context.wrap_socket(self.sock, server_hostname=self._server_name)


def transfer(plan: Plan) -> Outcome:
    started = time.monotonic()
    connection = _connection(plan)
    try:
        connection.connect()
        if plan.tls_error is not None:
            raise plan.tls_error
        if plan.tls == "real" and plan.verify:
            _check_peer_dates(connection, plan)
            if plan.crl_unavailable:
                raise crl_failure()
        headers = {"Host": plan.host_header, "User-Agent": "MikroTik", **plan.headers}
        # Header text goes out as the bytes the script wrote (UTF-8), not as Python's latin-1.
        raw = {name: value.encode("utf-8", errors="surrogateescape") for name, value in headers.items()}
        connection.request(plan.method, plan.path, body=plan.body, headers=raw)
        response = connection.getresponse()
        body = response.read()
        duration_ms = int((time.monotonic() - started) * 1000)
        return Outcome(response.status, response.getheaders(), body, duration_ms, response.reason)
    except ssl.SSLCertVerificationError as problem:
        raise tls_failure(_verify_reason(problem)) from None
    except ssl.SSLError as problem:
        raise tls_failure(problem.reason or "handshake failure") from None
    except TimeoutError:
        raise timeout_failure() from None
    except ConnectionRefusedError:
        raise refused_failure() from None
    except (OSError, http.client.HTTPException) as problem:
        raise errors.failure(f"connection failed: {problem}") from None
    finally:
        connection.close()


def _verify_reason(problem: ssl.SSLCertVerificationError) -> str:
    if "hostname" in (problem.verify_message or "").lower():
        return "certificate does not match the host name"
    return problem.verify_message or "certificate verify failed"


def _check_peer_dates(connection: http.client.HTTPConnection, plan: Plan) -> None:
    """The host's clock accepted the certificate; the router judges it by its own clock."""
    sock = connection.sock
    if not isinstance(sock, ssl.SSLSocket):
        return
    der = sock.getpeercert(binary_form=True)
    if der is None:
        return
    leaf = x509.load_der_x509_certificate(der)
    if plan.clock_now < leaf.not_valid_before_utc.timestamp():
        raise tls_failure("certificate is not yet valid")
    if plan.clock_now > leaf.not_valid_after_utc.timestamp():
        raise tls_failure("certificate has expired")


# ----- finish (router lock held)


def log_failure(router: RouterView, plan: Plan, error: CommandError) -> None:
    """The line a failed fetch leaves: `fetch,info Download from api.telegram.org FAILED: Fetch failed with
    status 400` on a real router (eworm-de/routeros-scripts issue #60, 2024). That line names only the host;
    the lab writes the whole URL, the worst case: a bot token in the URL reaches the log (BRIEF §5)."""
    reason = error.message.removeprefix("failure: ")
    router.log("fetch,info", f"Download from {plan.url} FAILED: {reason}")


def finish(router: RouterView, plan: Plan, outcome: Outcome) -> Props:
    if outcome.status == 401 and not any(name.lower() == "www-authenticate" for name, _ in outcome.headers):
        raise unauthorized_without_challenge()
    if not 200 <= outcome.status < 300:
        attributes = None
        if router.version_tuple >= ERROR_ATTRIBUTES_SINCE:
            # As the manual prints them: `Cache-Control: no-store;Connection: Keep-Alive;...`.
            headers = ";".join(f"{name}: {value}" for name, value in outcome.headers)
            attributes = {"code": str(outcome.status), "http-headers": headers}
        raise status_failure(outcome.status, attributes, outcome.reason)
    kib = str(len(outcome.body) // 1024)
    row: Props = {
        "status": "finished",
        "downloaded": kib,
        "total": kib,
        "duration": values.format_duration(outcome.duration_ms // 1000 * 1000),
    }
    if plan.output in ("user", "user-with-headers"):
        row["data"] = outcome.body[:USER_DATA_LIMIT].decode("utf-8", errors="surrogateescape")
    if plan.output == "user-with-headers":
        row["http-headers"] = ";".join(f"{name}={value}" for name, value in outcome.headers)
    if plan.output == "file" and plan.keep_result:
        store_file(router, plan.dst_path, outcome.body.decode("utf-8", errors="surrogateescape"))
    return row


def run(router: RouterView, args: Props) -> Props:
    """The whole fetch, taking the router lock only around state."""
    with router.lock:
        plan = prepare(router, args)
    try:
        with router.lock:
            route(router, plan)
        outcome = transfer(plan)
        with router.lock:
            return finish(router, plan, outcome)
    except CommandError as error:
        with router.lock:
            log_failure(router, plan, error)
        raise

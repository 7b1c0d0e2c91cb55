"""/tool fetch in the lab: real HTTP(S) on loopback only, RouterOS results and error texts, the failure log
line (where a token in the URL leaks), the uplink, and certificate checks against the router's own trust
store.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lab.errors import CommandError
from lab.network import TELEGRAM_NAME
from lab.router import Router

TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"


class Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, object]]] = []

    def log_message(self, format: str, *args: object) -> None:
        return

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode() if length else ""
        Handler.seen.append(
            {"method": self.command, "path": self.path, "body": body, "headers": dict(self.headers)}
        )
        if "/bad" in self.path:
            status, payload = (
                400,
                {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            )
        elif "/big" in self.path:
            status, payload = 200, {"blob": "x" * 70000}
        else:
            status, payload = 200, {"ok": True, "echo": body}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer


def _serve(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def http_server() -> Iterator[ThreadingHTTPServer]:
    yield from _serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))


def _certificates(tmp: Path) -> tuple[str, Path, Path]:
    """A test CA (PEM) and a server certificate for 127.0.0.1 that it signed."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fetch test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "server.pem", tmp / "server.key"
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca.public_bytes(serialization.Encoding.PEM).decode(), cert_path, key_path


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadingHTTPServer, str]]:
    ca_pem, cert, key = _certificates(tmp_path_factory.mktemp("tls"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    for running in _serve(server):
        yield running, ca_pem


@pytest.fixture
def router(http_server: ThreadingHTTPServer) -> Router:
    made = Router(index=1, address="127.0.0.1")
    # api.telegram.org stands in on the test server, with the lab playing its TLS side.
    made.network.serve_telegram_at("127.0.0.1", http_server.server_address[1])
    return made


def fetch(router: Router, **args: str) -> dict[str, str]:
    result = router.execute("tool", "fetch", {k.replace("_", "-"): v for k, v in args.items()})
    assert result.rows is not None and len(result.rows) == 1
    return result.rows[0]


def log_messages(router: Router) -> list[str]:
    return [item.props["message"] for item in router.state.table("log").items]


def test_json_post_returns_the_answer_to_the_script(router: Router, http_server: ThreadingHTTPServer) -> None:
    port = http_server.server_address[1]
    row = fetch(
        router,
        url=f"http://127.0.0.1:{port}/send",
        http_method="post",
        output="user",
        as_value="",
        http_header_field="Content-Type: application/json,X-Test: 1",
        http_data='{"text":"Halo & #1"}',
    )
    assert row["status"] == "finished"
    assert json.loads(row["data"]) == {"ok": True, "echo": '{"text":"Halo & #1"}'}
    assert row["downloaded"] == "0" and "duration" in row
    request = Handler.seen[-1]
    assert request["method"] == "POST"
    assert request["headers"]["Content-Type"] == "application/json"  # type: ignore[index]
    assert request["headers"]["X-Test"] == "1"  # type: ignore[index]


def test_user_output_is_cut_at_64512_bytes(router: Router, http_server: ThreadingHTTPServer) -> None:
    row = fetch(router, url=f"http://127.0.0.1:{http_server.server_address[1]}/big", output="user")
    assert len(row["data"]) == 64512
    assert row["downloaded"] == str(70012 // 1024)


def test_default_output_writes_a_file(router: Router, http_server: ThreadingHTTPServer) -> None:
    fetch(router, url=f"http://127.0.0.1:{http_server.server_address[1]}/sendMessage")
    files = {row["name"]: row for row in router.rows("file")}
    assert json.loads(files["sendMessage"]["contents"])["ok"] is True


def test_non_2xx_is_a_script_error_and_the_url_with_its_token_reaches_the_log(router: Router) -> None:
    url = f"https://{TELEGRAM_NAME}/bot{TOKEN}/bad?chat_id=1&text=x"
    with pytest.raises(CommandError) as caught:
        fetch(router, url=url, output="user")
    assert caught.value.message == "failure: Fetch failed with status 400"
    assert any(url in message and TOKEN in message for message in log_messages(router))


def test_uplink_down_fails_like_a_router_without_internet(router: Router) -> None:
    router.uplink.up = False
    url = f"https://{TELEGRAM_NAME}/bot{TOKEN}/sendMessage"
    with pytest.raises(CommandError, match=r"^failure: could not resolve dns name$"):
        fetch(router, url=url, output="user")
    with pytest.raises(CommandError, match=r"^failure: connection timeout$"):
        fetch(router, url="http://203.0.113.7/", output="user")
    assert any(url in message for message in log_messages(router))


def test_uplink_down_leaves_loopback_reachable(router: Router, http_server: ThreadingHTTPServer) -> None:
    router.uplink.up = False
    assert (
        fetch(router, url=f"http://127.0.0.1:{http_server.server_address[1]}/x", output="none")["status"]
        == "finished"
    )


def test_the_lab_never_leaves_loopback(router: Router) -> None:
    for url in ("http://192.0.2.10/", "https://example.com/"):
        with pytest.raises(CommandError, match="never leaves loopback"):
            fetch(router, url=url, output="user")
    assert not [s for s in Handler.seen if "example" in str(s["headers"])]


def test_arguments_follow_the_command_tree(router: Router) -> None:
    with pytest.raises(CommandError, match=r"^unknown parameter bogus$"):
        fetch(router, url="http://127.0.0.1/", bogus="1")
    with pytest.raises(CommandError, match="check-certificate"):
        fetch(router, url="http://127.0.0.1/", check_certificate="maybe")


def test_virtual_https_needs_the_builtin_store_or_an_imported_ca(router: Router) -> None:
    url = f"https://{TELEGRAM_NAME}/bot{TOKEN}/getMe"
    assert fetch(router, url=url, output="user")["status"] == "finished"
    with pytest.raises(CommandError, match="unable to get local issuer certificate"):
        fetch(router, url=url, output="user", check_certificate="yes")
    router.execute("certificate/settings", "set", {"builtin-trust-store": "fetch"})
    assert fetch(router, url=url, output="user", check_certificate="yes")["status"] == "finished"
    router.execute("certificate/settings", "set", {"builtin-trust-store": ""})
    router.execute("file", "add", {"name": "telegram-ca.pem", "contents": router.network.ca.pem()})
    router.execute("certificate", "import", {"file-name": "telegram-ca.pem"})
    assert fetch(router, url=url, output="user", check_certificate="yes-without-crl")["status"] == "finished"


def test_certificate_check_uses_the_router_clock(router: Router) -> None:
    router.execute("certificate/settings", "set", {"builtin-trust-store": "all"})
    router.clock.unsync()
    with pytest.raises(CommandError, match="certificate is not yet valid"):
        fetch(router, url=f"https://{TELEGRAM_NAME}/getMe", output="user", check_certificate="yes")


def test_real_tls_on_loopback_checks_the_router_store(
    router: Router, https_server: tuple[ThreadingHTTPServer, str]
) -> None:
    server, ca_pem = https_server
    url = f"https://127.0.0.1:{server.server_address[1]}/x"
    assert fetch(router, url=url, output="user")["status"] == "finished"
    with pytest.raises(CommandError, match="SSL: handshake failed"):
        fetch(router, url=url, output="user", check_certificate="yes")
    router.execute("file", "add", {"name": "ca.pem", "contents": ca_pem})
    router.execute("certificate", "import", {"file-name": "ca.pem"})
    assert fetch(router, url=url, output="user", check_certificate="yes")["status"] == "finished"

"""/tool fetch's failures as real routers report them (issue 16), and certificate revocation lists.

Sources for the texts:
- `Download from api.telegram.org FAILED: 401 should contain www-authenticate header` (eworm-de/
  routeros-scripts issue #80, 2024-08-30): Telegram's 401 carries no WWW-Authenticate header, and RouterOS's
  HTTP client reports that rather than the status;
- `fetch,info Download from api.telegram.org FAILED: Fetch failed with status 400` (same project, issue #60,
  2024): the topics and the shape of the log line (the real one names only the host; the lab writes the whole
  URL, the worst case for a token in it);
- `failure: Fetch failed with status 405` (tty228/mikrotik-scripts issue #1, RouterOS 7.18.2) and, from 7.22,
  `failure: Status 404, ...` (eworm-de/routeros-scripts commit 22c3f70d, the manual's Fetch example);
- `check-certificate=yes-without-crl` "validates a certificate, but does not perform CRL check" (manual,
  Fetch): with `yes`, a router that cannot get the CRL fails the handshake. The text is OpenSSL's
  X509_V_ERR_UNABLE_TO_GET_CRL in RouterOS's handshake wording, unconfirmed.
"""

from __future__ import annotations

import ssl
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import librouteros
import pytest

from lab.network import TELEGRAM_NAME
from lab.router import Router
from lab.script.runner import install, run_script
from lab.testing import RunningLab, new_lab
from tests.test_fetch import _certificates

TOKEN = "123456789:LAB-telegram-token-0000000000000000"
UNKNOWN_TOKEN = "123456789:LAB-telegram-token-0000000000000001"
NO_CHALLENGE = "failure: 401 should contain www-authenticate header"
NO_CRL = "failure: SSL: handshake failed: unable to get certificate CRL (6)"


class Answers(BaseHTTPRequestHandler):
    """A path answers with the status its first all-digit part names; `challenge` in it adds a
    WWW-Authenticate header, `lower` the same header written in lower case."""

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")
        status = int(next(part for part in parts if part.isdigit()))
        body = b'{"ok":false}'
        self.send_response(status)
        if "challenge" in parts:
            self.send_header("WWW-Authenticate", 'Basic realm="lab"')
        if "lower" in parts:
            self.send_header("www-authenticate", "Bearer")
        if status == 302:
            self.send_header("Location", "/200")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    yield from _serve(ThreadingHTTPServer(("127.0.0.1", 0), Answers))


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadingHTTPServer, str]]:
    ca_pem, cert, key = _certificates(tmp_path_factory.mktemp("tls"))
    running = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    running.socket = context.wrap_socket(running.socket, server_side=True)
    for ready in _serve(running):
        yield ready, ca_pem


def make_router(server: ThreadingHTTPServer, version: str) -> Router:
    router = Router(index=1, address="127.0.0.1", version=version)
    install(router)
    # api.telegram.org stands in on the test server, the lab playing its TLS side.
    router.network.serve_telegram_at("127.0.0.1", server.server_address[1])
    return router


def caught(router: Router, url: str, check: str = "no") -> list[str]:
    """What `:onerror err,attr` sees of a fetch: the text, the type of the attributes and their code."""
    result = run_script(
        router,
        f':onerror err,attr in={{ /tool/fetch url="{url}" check-certificate={check} output=user as-value }}'
        ' do={ :put $err; :put [:typeof $attr]; :put ($attr->"code") }',
        {},
        "admin",
    )
    assert result.error is None, result.error
    return result.output


def fetched(router: Router, url: str, check: str) -> str:
    result = run_script(
        router,
        f':put ([/tool/fetch url="{url}" check-certificate={check} output=user as-value]->"status")',
        {},
        "admin",
    )
    assert result.error is None, result.error
    return result.output[-1]


# ----- HTTP answers, in process, on both sides of 7.22


@pytest.mark.parametrize("version", ["7.21.4", "7.22"])
def test_a_401_without_www_authenticate_is_the_routers_protocol_error(
    server: ThreadingHTTPServer, version: str
) -> None:
    router = make_router(server, version)
    url = f"http://127.0.0.1:{server.server_address[1]}/401"
    assert caught(router, url) == [NO_CHALLENGE, "nothing", ""]
    [line] = [row for row in router.rows("log") if "FAILED" in row["message"]]
    assert line["topics"] == "fetch,info"
    assert line["message"] == f"Download from {url} FAILED: 401 should contain www-authenticate header"


def test_a_401_with_www_authenticate_fails_by_its_status(server: ThreadingHTTPServer) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    old, new = make_router(server, "7.21.4"), make_router(server, "7.22")
    for path in ("/401/challenge", "/401/lower"):
        assert caught(old, base + path) == ["failure: Fetch failed with status 401", "nothing", ""]
        assert caught(new, base + path) == ["failure: Status 401, Unauthorized", "array", "401"]


def test_a_redirect_is_not_followed_and_fails_by_its_status(server: ThreadingHTTPServer) -> None:
    router = make_router(server, "7.21.4")
    url = f"http://127.0.0.1:{server.server_address[1]}/302"
    assert caught(router, url) == ["failure: Fetch failed with status 302", "nothing", ""]


def test_the_whole_url_and_its_token_reach_the_log(server: ThreadingHTTPServer) -> None:
    router = make_router(server, "7.21.4")
    url = f"https://{TELEGRAM_NAME}/bot{TOKEN}/401"
    assert caught(router, url)[0] == NO_CHALLENGE
    assert any(TOKEN in row["message"] for row in router.rows("log"))


# ----- CRLs, in process: lab-side TLS for a virtual name, and real TLS on loopback


def test_yes_fails_while_the_crl_cannot_be_had_and_the_other_checks_work(server: ThreadingHTTPServer) -> None:
    router = make_router(server, "7.21.4")
    router.execute("certificate/settings", "set", {"builtin-trust-store": "fetch"})
    url = f"https://{TELEGRAM_NAME}/200"
    assert fetched(router, url, "yes") == "finished"
    router.uplink.crl_available = False
    assert caught(router, url, "yes") == [NO_CRL, "nothing", ""]
    assert fetched(router, url, "yes-without-crl") == "finished"
    assert fetched(router, url, "no") == "finished"
    router.uplink.crl_available = True
    assert fetched(router, url, "yes") == "finished"


def test_crl_use_no_does_not_spare_yes(server: ThreadingHTTPServer) -> None:
    """Strictest reading: the manual ties the CRL check to fetch's `yes`, not to `/certificate settings
    crl-use` (which is `no` on a factory router)."""
    router = make_router(server, "7.21.4")
    router.execute("certificate/settings", "set", {"builtin-trust-store": "fetch", "crl-use": "no"})
    router.uplink.crl_available = False
    assert caught(router, f"https://{TELEGRAM_NAME}/200", "yes")[0] == NO_CRL


def test_a_chain_the_router_refuses_reports_the_chain_before_the_crl(server: ThreadingHTTPServer) -> None:
    router = make_router(server, "7.21.4")
    router.uplink.crl_available = False
    text = caught(router, f"https://{TELEGRAM_NAME}/200", "yes")[0]
    assert text == "failure: SSL: handshake failed: unable to get local issuer certificate (6)"


def test_real_tls_on_loopback_checks_the_crl_too(
    server: ThreadingHTTPServer, https_server: tuple[ThreadingHTTPServer, str]
) -> None:
    tls_server, ca_pem = https_server
    router = make_router(server, "7.21.4")
    router.execute("file", "add", {"name": "ca.pem", "contents": ca_pem})
    router.execute("certificate", "import", {"file-name": "ca.pem"})
    url = f"https://127.0.0.1:{tls_server.server_address[1]}/200"
    router.uplink.crl_available = False
    assert caught(router, url, "yes") == [NO_CRL, "nothing", ""]
    assert fetched(router, url, "yes-without-crl") == "finished"


# ----- a running lab and its fake Telegram, on both sides of 7.22


@pytest.fixture(scope="module", params=["7.21.4", "7.22"])
def versioned_lab(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningLab]:
    running = new_lab(tmp_path_factory.mktemp("lab"), extra_args=["--ros-version", request.param])
    running.start()
    yield running
    running.stop()


def run_in_lab(lab: RunningLab, source: str) -> list[str]:
    """Runs `source` on router 1 over the API and returns, in order, what its `:log` lines that begin with
    `MARK ` said (MARK is made unique per run)."""
    marker = uuid.uuid4().hex[:8]
    api = librouteros.connect(lab.address(1), "admin", "lab-admin")
    try:
        scripts = api.path("system", "script")
        scripts.add(name=f"s-{marker}", source=source.replace("MARK", marker))
        tuple(scripts("run", number=f"s-{marker}"))
        prefix = f"{marker} "
        return [row["message"][len(prefix) :] for row in api.path("log") if row["message"].startswith(prefix)]
    finally:
        api.close()


def lab_caught(lab: RunningLab, token: str, check: str = "no") -> list[str]:
    url = f"https://{TELEGRAM_NAME}/bot{token}/getMe"
    return run_in_lab(
        lab,
        f':onerror err,attr in={{ /tool/fetch url="{url}" check-certificate={check} output=user as-value }}'
        ' do={ :log info ("MARK " . $err); :log info ("MARK " . [:typeof $attr]); '
        ':log info ("MARK " . ($attr->"code")) }',
    )


def version_of(lab: RunningLab) -> str:
    return str(lab.ctl("routers")[0]["version"])


def test_telegrams_401_fault_reaches_a_script_as_the_real_text(versioned_lab: RunningLab) -> None:
    versioned_lab.ctl("telegram", "fault", "401", "1")
    assert lab_caught(versioned_lab, TOKEN) == [NO_CHALLENGE, "nothing", ""]


def test_an_unknown_token_reaches_a_script_as_the_real_text(versioned_lab: RunningLab) -> None:
    assert lab_caught(versioned_lab, UNKNOWN_TOKEN) == [NO_CHALLENGE, "nothing", ""]
    api = librouteros.connect(versioned_lab.address(1), "admin", "lab-admin")
    lines = [row["message"] for row in api.path("log") if UNKNOWN_TOKEN in row["message"]]
    api.close()
    assert lines == [
        f"Download from https://{TELEGRAM_NAME}/bot{UNKNOWN_TOKEN}/getMe FAILED: "
        "401 should contain www-authenticate header"
    ]


@pytest.mark.parametrize(
    ("fault", "status", "reason"),
    [
        ("400-chat-not-found", 400, "Bad Request"),
        ("403", 403, "Forbidden"),
        ("429", 429, "Too Many Requests"),
        ("500", 500, "Internal Server Error"),
    ],
)
def test_telegrams_other_errors_keep_their_status_texts(
    versioned_lab: RunningLab, fault: str, status: int, reason: str
) -> None:
    versioned_lab.ctl("telegram", "fault", fault, "1")
    if version_of(versioned_lab) == "7.22":
        expected = [f"failure: Status {status}, {reason}", "array", str(status)]
    else:
        expected = [f"failure: Fetch failed with status {status}", "nothing", ""]
    assert lab_caught(versioned_lab, TOKEN) == expected


def test_ctl_crl_fails_yes_until_ok(versioned_lab: RunningLab) -> None:
    api = librouteros.connect(versioned_lab.address(1), "admin", "lab-admin")
    api.path("certificate", "settings").update(**{"builtin-trust-store": "fetch"})
    api.close()
    assert versioned_lab.ctl("crl", "1", "fail") == [{"router": "1", "crl": "fail"}]
    try:
        assert lab_caught(versioned_lab, TOKEN, "yes") == [NO_CRL, "nothing", ""]
        assert lab_caught(versioned_lab, TOKEN, "yes-without-crl") == []
        versioned_lab.ctl("reboot", "1")
        assert lab_caught(versioned_lab, TOKEN, "yes") == [NO_CRL, "nothing", ""]
    finally:
        assert versioned_lab.ctl("crl", "all", "ok") == [{"router": "1", "crl": "ok"}]
    assert lab_caught(versioned_lab, TOKEN, "yes") == []


def test_ctl_crl_names_what_it_takes(versioned_lab: RunningLab) -> None:
    with pytest.raises(RuntimeError, match=r"usage: crl ROUTER\|all fail\|ok"):
        versioned_lab.ctl("crl", "1", "maybe")


def test_the_ctl_verb_is_listed(versioned_lab: RunningLab) -> None:
    assert "crl ROUTER|all fail|ok" in versioned_lab.ctl("help")

"""/tool fetch with the URLs scripts really write, and the forms the RouterOS manual documents:

- the seed paper's Netwatch scripts send `/tool fetch url="https://api.telegram.org/bot$bot/sendmessage?
  chat_id=$chat&text=$datetime WA:PING SERVER DOWN ... \\E2\\9D\\8C" keep-result=no`, a URL with spaces and
  the UTF-8 bytes of an emoji, and the paper reports that the messages arrived. `http-percent-encoding` is
  `no` by default (manual, Fetch: "Enables URL percent-encoding of the request path"; CLI reference:
  "Percent-encodes every character in the request path except alphanumeric and -._~/?^=:. Default: no"), so
  RouterOS sends the text as written; the lab carries it to the server intact (spaces and bytes outside ASCII
  percent-encoded on the wire, which is what a strict HTTP server needs to read it);
- the URL as the unnamed first argument: the command tree gives fetch one unnamed argument, and the manual's
  Fetch page writes `/tool/fetch http://127.0.0.1/error as-value`;
- `:onerror err,attr in={ /tool/fetch http://127.0.0.1/error as-value} do={:put $err;:put ($attr->"code");
  :put ($attr->"http-headers")}` printing `failure: Status 404, Not Found`, `404` and the headers
  (`Cache-Control: no-store;Connection: Keep-Alive;...`), from 7.22 ("fetch - return error code and HTTP
  headers to :onerror script").
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from lab.router import Router
from lab.script.runner import install, run_script
from lab.testing import RunningLab
from tests.rawapi import RawClient

TOKEN = "7877893281:AAEjUxre28qT6P9h0VXmWjuePDzBs-5AAAAAAAAAA"


class Recorder(BaseHTTPRequestHandler):
    """Answers 200 with a small JSON body, 404 for /error; keeps every request line it read."""

    lines: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        Recorder.lines.append(self.requestline)
        status = 404 if self.path.startswith("/error") else 200
        body = b'{"ok":true}' if status == 200 else b"no such page"
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    running = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def make_router(server: ThreadingHTTPServer, version: str = "7.21.4") -> Router:
    router = Router(index=1, address="127.0.0.1", version=version)
    install(router)
    # api.telegram.org stands in on the recording server (plain HTTP, the lab playing the TLS side).
    router.network.serve_telegram_at("127.0.0.1", server.server_address[1])
    return router


def base(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def last_target() -> str:
    return Recorder.lines[-1].split(" ")[1]


def run(
    router: Router, source: str, user: str = "admin", variables: dict[str, str] | None = None
) -> list[str]:
    result = run_script(router, source, variables or {}, user)
    assert result.error is None, result.error
    return result.output


def test_the_seed_papers_down_script_reaches_the_server_with_its_text_intact(
    server: ThreadingHTTPServer,
) -> None:
    router = make_router(server)
    # The paper's down-script, with `${...}` (a syntax error on RouterOS) written as `$[...]`.
    script = (
        ":local hh $host\n"
        f':local bot "{TOKEN}"\n'
        ':local chat "7728781095"\n'
        ':local datetime "Tanggal: $[/system clock get date] WA Jam: $[/system clock get time]"\n'
        '/tool fetch url="https://api.telegram.org/bot$bot/sendmessage?chat_id=$chat&text=$datetime WA:PING '
        'SERVER DOWN Kabel Putus/Internet Mati/Perangkat Error/Perangkat Mati \\E2\\9D\\8C" keep-result=no'
    )
    run(router, script, "*sys", {"host": "192.168.1.10"})
    target = last_target()
    assert " " not in target and target.isascii()
    query = parse_qs(urlsplit(target).query)
    assert query["chat_id"] == ["7728781095"]
    [text] = query["text"]
    assert text.startswith("Tanggal: ") and " WA Jam: " in text
    assert text.endswith("WA:PING SERVER DOWN Kabel Putus/Internet Mati/Perangkat Error/Perangkat Mati ❌")


def test_the_seed_papers_message_arrives_at_the_labs_telegram(lab: RunningLab) -> None:
    # The whole way: a script run over the API, the virtual api.telegram.org over HTTPS, the fake Telegram.
    token, chat = "123456789:LAB-telegram-token-0000000000000000", "111111111"
    script = (
        f':local bot "{token}"; :local chat "{chat}"\n'
        ':local datetime "Tanggal: 2025-01-02 WA Jam: 10:00:00"\n'
        '/tool fetch url="https://api.telegram.org/bot$bot/sendmessage?chat_id=$chat&text=$datetime WA:PING '
        'SERVER DOWN Kabel Putus/Internet Mati/Perangkat Error/Perangkat Mati \\E2\\9D\\8C" keep-result=no'
    )
    api = RawClient(lab.address(1))
    try:
        api.login()
        api.talk("/system/script/add", "=name=seed-down", f"=source={script}")
        assert api.talk("/system/script/run", "=number=seed-down")[-1] == ["!done"]
    finally:
        api.close()
    texts = [message["text"] for message in lab.ctl("telegram", "messages", chat)]
    assert texts[-1] == (
        "Tanggal: 2025-01-02 WA Jam: 10:00:00 WA:PING SERVER DOWN Kabel Putus/Internet Mati/Perangkat Error/"
        "Perangkat Mati ❌"
    )


def test_spaces_and_utf8_bytes_are_sent_percent_encoded_and_the_rest_as_written(
    server: ThreadingHTTPServer,
) -> None:
    router = make_router(server)
    run(
        router,
        f'/tool fetch url="{base(server)}/send msg?a=1&text=Server down \\F0\\9F\\94\\B4 50%25" output=none',
    )
    assert last_target() == "/send%20msg?a=1&text=Server%20down%20%F0%9F%94%B4%2050%25"


def test_a_byte_that_is_no_utf8_does_not_crash_the_fetch(server: ThreadingHTTPServer) -> None:
    router = make_router(server)
    out = run(
        router, f':put ([/tool fetch url="{base(server)}/x?text=UP!\\E2" output=user as-value]->"status")'
    )
    assert out == ["finished"]
    assert last_target() == "/x?text=UP!%E2"


def test_http_percent_encoding_yes_encodes_the_path_as_the_manual_lists(server: ThreadingHTTPServer) -> None:
    router = make_router(server)
    run(
        router,
        f'/tool fetch url="{base(server)}/a b(c)*!.txt?x=1&y=a b" http-percent-encoding=yes output=none',
    )
    assert last_target() == "/a%20b%28c%29%2A%21.txt?x=1&y=a%20b"


def test_the_url_as_the_unnamed_first_argument(server: ThreadingHTTPServer) -> None:
    router = make_router(server)
    out = run(
        router,
        f':put ([/tool/fetch "{base(server)}/quoted" output=user as-value]->"data")\n'
        f':put ([/tool fetch {base(server)}/bare output=user as-value]->"status")',
    )
    assert out == ['{"ok":true}', "finished"]
    assert last_target() == "/bare"


def test_onerror_gets_the_code_and_headers_of_an_http_error_from_7_22(server: ThreadingHTTPServer) -> None:
    router = make_router(server, version="7.22")
    out = run(
        router,
        f":onerror err,attr in={{ /tool/fetch {base(server)}/error as-value}} do={{:put $err;"
        ':put ($attr->"code");:put ($attr->"http-headers");:put [:typeof ($attr->"code")]}',
    )
    assert out[0] == "failure: Status 404, Not Found"
    assert out[1] == "404"
    headers = out[2].split(";")
    assert "Cache-Control: no-store" in headers and "Content-Type: text/plain" in headers
    assert out[3] == "num"


def test_before_7_22_the_error_has_no_attributes(server: ThreadingHTTPServer) -> None:
    router = make_router(server)
    out = run(
        router,
        f":onerror err,attr in={{ /tool/fetch {base(server)}/error as-value}}"
        " do={:put $err;:put [:typeof $attr]}",
    )
    assert out == ["failure: Fetch failed with status 404", "nothing"]

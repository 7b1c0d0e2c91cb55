"""The router-side notifier on what real routers do that a forgiving lab did not (issue 16): files hold at
most 4095 bytes, :deserialize turns strings that look like values into values (7.15 has no option against
it), fetch's error texts differ by release, boards whose root is a RAM disk keep only flash/, and a power cut
loses or empties the file changes of the last seconds. The lab does each of these as strictly as documented
(lab/README.md, "Storage" and "RouterOS releases"); the notifier must come through all of them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from alerting_lab import FORUM_CHAT, GROUP_CHAT, LAN_ADDRESS, AlertingLab, record, wait_for

from lab.network import REAL_ROOT_SHA256
from lab.testing import new_lab

CHATS = (GROUP_CHAT, FORUM_CHAT)
# Texts that a RouterOS value parse would take for a number, an address, a time, a date, a bool, an array.
LOOKALIKES = ["007", "10.1", "1h", "2026-01-31 12:00:00", "yes", "0x1F", "1e3", "[]", "12:30"]
FAST = {
    "routeros_telegram_delayed_after": "1h",
    "routeros_telegram_retry_first": "1s",
    "routeros_telegram_retry_max": "2s",
    "routeros_telegram_tick": "1s",
}
# A probe the lab answers cheaply, so that 250 of them leave the machine time for the notifier.
LIGHT_PROBE = {"type": "simple", "interval": "2s", "timeout": "1s"}


def _blocks(texts: list[str]) -> list[str]:
    """Every alert in these messages: a message is the router's line, then one block per alert."""
    return [block for text in texts for block in text.split("\n\n")[1:]]


def _titles(alerting: AlertingLab, chat: str) -> list[str]:
    return [block.split("\n")[0] for block in _blocks(alerting.texts(chat))]


def _start(
    directory: Any, hosts: list[dict[str, Any]], overrides: dict[str, Any], *args: str, storage: str = ""
) -> AlertingLab:
    lab = new_lab(directory / "lab", routers=1, extra_args=list(args))
    lab.start()
    alerting = AlertingLab(lab, directory, hosts, overrides)
    alerting.storage = storage or alerting.storage
    for host in hosts:
        alerting.host(str(host["address"]), "up")
    api = alerting.api()
    api.path("ip", "address").add(address=LAN_ADDRESS, interface="ether3")
    api.close()
    result = alerting.deploy()
    assert result.returncode == 0, result.output[-3000:]
    wait_for(lambda: all(r.get("status") == "up" for r in alerting.netwatch().values()), 60, "all up")
    alerting.settled()
    return alerting


# ----- 250 hosts on one router

MANY = [f"10.20.{n // 200}.{n % 200 + 1}" for n in range(250)]
FLAPPING = MANY[100:110]
# As long as a comment may be (1000 bytes), with characters of two bytes and markup to escape.
LONG_COMMENT = ("Ω long comment & <i>not markup</i> " * 40).encode()[:1000].decode("utf-8", "ignore")
BUDGET = 1200


@pytest.fixture(scope="class")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertingLab]:
    hosts: list[dict[str, Any]] = [{"name": f"host {a}", "address": a} for a in MANY]
    for index, text in enumerate(LOOKALIKES):
        hosts[index].update(name=text, comment=text)
    for host in hosts[200:208]:
        host["comment"] = LONG_COMMENT
    overrides = {**FAST, "routeros_netwatch_probe": LIGHT_PROBE, "routeros_telegram_message_budget": BUDGET}
    alerting = _start(tmp_path_factory.mktemp("crowded"), hosts, overrides)
    yield alerting
    alerting.lab.stop()


class TestCrowded:
    """One router watching 250 hosts; its lab stops after these tests, so that the others run unhurried."""

    def test_250_hosts_each_change_is_told_once_per_chat_from_small_files(self, crowded: AlertingLab) -> None:
        for address in FLAPPING:
            crowded.host(address, "down")
        expected = [f"🔴 DOWN · host {a} ({a})" for a in FLAPPING]
        for chat in CHATS:
            wait_for(lambda c=chat: len(_titles(crowded, c)) >= len(FLAPPING), 60, f"10 DOWNs in {chat}")
        for address in FLAPPING:
            crowded.host(address, "up")
        expected += [f"🟢 UP · host {a} ({a})" for a in FLAPPING]
        for chat in CHATS:
            wait_for(lambda c=chat: len(_titles(crowded, c)) >= len(expected), 60, f"10 UPs in {chat}")
        time.sleep(4)
        for chat in CHATS:
            assert sorted(_titles(crowded, chat)) == sorted(expected)
        # One file per host, each a small fraction of the 4095 bytes a router file holds.
        hosts = crowded.files("hosts/")
        assert len(hosts) == 250 and max(len(text.encode()) for text in hosts.values()) < 200
        assert all(record(text) for text in hosts.values())
        crowded.settled()

    def test_names_that_look_like_values_arrive_exactly_as_written(self, crowded: AlertingLab) -> None:
        lookalikes = MANY[: len(LOOKALIKES)]
        for address in lookalikes:
            crowded.host(address, "down")
        wanted = {
            f"🔴 DOWN · {text} ({a})\n{text}\n🕒 " for text, a in zip(LOOKALIKES, lookalikes, strict=True)
        }
        for chat in CHATS:
            wait_for(lambda c=chat: len(_blocks(crowded.texts(c))) == len(wanted), 30, f"the DOWNs in {chat}")
            assert {block[: block.index("🕒 ") + 2] for block in _blocks(crowded.texts(chat))} == wanted
        # What the scan stored reads back equal on every pass: nothing is written while nothing changes.
        wait_for(lambda: crowded.queue_size() == 0, 30, "the queue delivered")
        time.sleep(1)
        writes = crowded.lab.ctl("stats", "1")["1"]["file-writes"]
        time.sleep(4)
        assert crowded.lab.ctl("stats", "1")["1"]["file-writes"] == writes
        for address in lookalikes:
            crowded.host(address, "up")
        for chat in CHATS:
            wait_for(
                lambda c=chat: len(_blocks(crowded.texts(c))) == 2 * len(wanted), 30, f"the UPs in {chat}"
            )
        assert {block.split("\n")[0] for block in _blocks(crowded.texts())} >= {
            f"🟢 UP · {text} ({a})" for text, a in zip(LOOKALIKES, lookalikes, strict=True)
        }
        crowded.settled()

    def test_no_message_passes_the_budget_with_long_comments(self, crowded: AlertingLab) -> None:
        noisy = MANY[200:208]
        for address in noisy:
            crowded.host(address, "down")
        for chat in CHATS:
            wait_for(lambda c=chat: len(_blocks(crowded.texts(c))) == len(noisy), 30, f"the DOWNs in {chat}")
        for chat in CHATS:
            texts = crowded.texts(chat)
            # Telegram counts UTF-16 code units; the budget counts bytes, which are never fewer.
            assert len(texts) > 1 and all(len(text.encode("utf-16-le")) // 2 <= BUDGET for text in texts)
            comments = [block.split("\n")[1] for block in _blocks(texts)]
            assert all(c.endswith("…") and LONG_COMMENT.startswith(c[:-1]) for c in comments), comments
        for address in noisy:
            crowded.host(address, "up")
        ups = {f"🟢 UP · host {a} ({a})" for a in noisy}
        for chat in CHATS:
            wait_for(lambda c=chat: set(_titles(crowded, c)) >= ups, 60, f"the UPs in {chat}")
        crowded.settled()


# ----- the releases and boards users run


@pytest.fixture(
    scope="module",
    params=[("7.15", "ram-root"), ("7.22", "flat")],
    ids=["7.15-ram-root", "7.22-flat"],
)
def router(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertingLab]:
    version, board = request.param
    hosts = [
        {"name": text, "address": f"10.10.130.{n + 1}", "comment": text} for n, text in enumerate(LOOKALIKES)
    ]
    hosts += [{"name": f"burst {n}", "address": f"10.10.131.{n}"} for n in range(1, 9)]
    directory = tmp_path_factory.mktemp(f"router-{version}")
    # On a ram-root board the notifier finds flash/ by itself.
    storage = "flash/netwatch-telegram" if board == "ram-root" else ""
    alerting = _start(
        directory, hosts, dict(FAST), "--ros-version", version, "--board", board, storage=storage
    )
    yield alerting
    alerting.lab.stop()


def _trust(alerting: AlertingLab) -> tuple[list[str], str]:
    """The fingerprint of the CA the notifier imported, if any, and what the built-in store serves."""
    api = alerting.api()
    try:
        rows = api.path("certificate")
        trusted = [
            str(row["fingerprint"])
            for row in rows
            if row.get("name") == "netwatch-telegram-ca" and row.get("trusted") in (True, "true")
        ]
        settings = next(iter(api.path("certificate", "settings")))
        return trusted, str(settings.get("builtin-trust-store", "(none)"))
    finally:
        api.close()


def test_the_bot_api_is_trusted_as_the_release_allows_with_default_settings(router):
    """roles/routeros_telegram, trust auto: the built-in store from 7.21 on, the Bot API's real root (shipped
    with the role) imported before; the lab's Bot API answers only a router that trusts one of them."""
    trusted, store = _trust(router)
    if router.lab.extra_args[router.lab.extra_args.index("--ros-version") + 1] < "7.21":
        assert trusted == [REAL_ROOT_SHA256] and store == "(none)"
    else:
        assert trusted == [] and "fetch" in store.split(",")
    assert router.deploy().recap("lab-r1")["changed"] == 0


def test_a_router_on_7_18_alerts_with_the_default_settings(tmp_path):
    """Issue 17: RouterOS 7.18 has no built-in CA store; the defaults still bring its alerts to Telegram."""
    host = {"name": "gateway", "address": "10.10.132.1"}
    alerting = _start(tmp_path, [host], dict(FAST), "--ros-version", "7.18")
    try:
        assert _trust(alerting) == ([REAL_ROOT_SHA256], "(none)")
        alerting.host("10.10.132.1", "down")
        for chat in CHATS:
            wait_for(lambda c=chat: _titles(alerting, c), 30, f"the DOWN in {chat}")
            assert _titles(alerting, chat) == ["🔴 DOWN · gateway (10.10.132.1)"]
    finally:
        alerting.lab.stop()


def test_lookalike_names_arrive_verbatim_on_every_release(router):
    addresses = [f"10.10.130.{n + 1}" for n in range(len(LOOKALIKES))]
    for address in addresses:
        router.host(address, "down")
    for chat in CHATS:
        wait_for(lambda c=chat: len(_blocks(router.texts(c))) == len(addresses), 30, f"the DOWNs in {chat}")
        assert sorted(_titles(router, chat)) == sorted(
            f"🔴 DOWN · {t} ({a})" for t, a in zip(LOOKALIKES, addresses, strict=True)
        )
    for address in addresses:
        router.host(address, "up")
    for chat in CHATS:
        wait_for(lambda c=chat: len(_titles(router, c)) == 2 * len(addresses), 30, f"the UPs in {chat}")
    router.settled()


def test_a_revoked_token_is_logged_as_refused_and_the_queue_moves_on(router):
    router.lab.ctl("telegram", "fault", "401")
    try:
        router.host("10.10.131.1", "down")
        wait_for(
            lambda: router.queue_size() == 0 and router.lab.ctl("telegram", "attempts"), 30, "the refusal"
        )
        refused = [line for line in router.log() if "Telegram refused alerts" in line]
        assert refused and all("HTTP 401" in line and "revoked" in line for line in refused)
        # Refused for good: no retry follows once the queue is empty.
        attempts = len(router.lab.ctl("telegram", "attempts"))
        time.sleep(3)
        assert len(router.lab.ctl("telegram", "attempts")) == attempts
    finally:
        router.lab.ctl("telegram", "clear")
    router.host("10.10.131.1", "up")
    for chat in CHATS:
        wait_for(
            lambda c=chat: _titles(router, c) == ["🟢 UP · burst 1 (10.10.131.1)"], 30, f"the UP in {chat}"
        )
    router.settled()


def test_queue_and_token_survive_a_reboot(router):
    """On a ram-root board everything outside flash/ is lost on reboot: the notifier keeps its files there."""
    router.lab.ctl("uplink", "1", "down")
    burst = [f"10.10.131.{n}" for n in range(2, 5)]
    for address in burst:
        router.host(address, "down")
    wait_for(lambda: router.queue_size() == len(burst), 30, "the DOWNs queued")
    router.lab.ctl("reboot", "1")
    wait_for(lambda: router.queue_size() == len(burst), 30, "the queue back after the reboot")
    assert router.files("bot-token")
    router.lab.ctl("uplink", "1", "up")
    for chat in CHATS:
        wait_for(lambda c=chat: len(_titles(router, c)) == len(burst), 30, f"the queue sent to {chat}")
        assert sorted(_titles(router, chat)) == [f"🔴 DOWN · burst {a[-1]} ({a})" for a in burst]
    for address in burst:
        router.host(address, "up")
    for chat in CHATS:
        wait_for(lambda c=chat: len(_titles(router, c)) == 2 * len(burst), 30, f"the UPs in {chat}")
    router.settled()


@pytest.mark.parametrize("mode", ["lose", "truncate"])
def test_a_power_cut_during_a_burst_loses_no_change_and_repeats_nothing_delivered_before(router, mode):
    """The property: every change queued before the cut reaches every chat at least once after it, and no
    alert delivered before the cut's window (the last seconds whose file changes a power cut spoils) comes
    again."""
    window = 3
    burst = [f"10.10.131.{n}" for n in range(1, 9)]
    for address in burst:
        router.host(address, "down")
    for chat in CHATS:
        wait_for(lambda c=chat: len(_titles(router, c)) == len(burst), 30, f"the DOWNs in {chat}")
    time.sleep(window + 1)
    router.lab.ctl("telegram", "clear")
    router.lab.ctl("telegram", "reset")
    router.lab.ctl("uplink", "1", "down")
    for address in burst:
        router.host(address, "up")
    wait_for(lambda: router.queue_size() == len(burst), 30, "the UPs queued")
    cut = router.lab.ctl("powercut", "1", str(window), mode, "7")
    assert any("/queue/" in change["name"] for change in cut["files"])
    router.lab.ctl("uplink", "1", "up")
    expected = {f"🟢 UP · burst {a[-1]} ({a})" for a in burst}
    for chat in CHATS:
        wait_for(lambda c=chat: set(_titles(router, c)) >= expected, 60, f"every UP in {chat} after the cut")
    time.sleep(3)
    for chat in CHATS:
        assert set(_titles(router, chat)) == expected, "a DOWN delivered before the cut came again"
    router.settled()

"""The alerting filters: inventory text becomes RouterOS data that can never run as code, bad input is refused
naming the field, the value and what is accepted, and good input becomes the probes and the hosts map."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.router import Router
from lab.script.runner import install, run_script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "filter_plugins"))

import routeros_alerting as alerting
import routeros_script as script

PROBE = {
    "type": "icmp",
    "interval": "1s",
    "timeout": "1s",
    "packet-count": 10,
    "packet-interval": "50ms",
    "thr-loss-percent": 100,
}
NASTY = 'a "quoted" $name \\ back; [ :put 1 ] { x } <b>&amp; 🔴 中文\nsecond line ? ok'
TOKEN = "123456789:LAB-telegram-token-0000000000000000"
TEXTS = alerting.TEXT_PLACEHOLDERS


@pytest.fixture(scope="module")
def router() -> Router:
    made = Router(index=1, address="127.0.1.1")
    install(made)
    return made


def _put(router: Router, source: str) -> str:
    result = run_script(router, source, {}, "admin")
    assert result.error is None, result.error
    return "\n".join(result.output)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_text_becomes_a_literal_the_router_reads_back_exactly(router, text):
    literal = script.script_string(text)
    assert literal.isascii()
    assert _put(router, f":put {literal}") == text


def test_code_in_a_name_stays_text(router):
    assert _put(router, f":local x 1; :put {script.script_string(NASTY)}") == NASTY


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_url_encoding_matches_the_routers_convert(router, text):
    assert _put(router, f":put [:convert to=url {script.script_string(text)}]") == script.url_encode(text)


def test_form_expression_encodes_fixed_parts_and_keeps_placeholders_as_variables(router):
    expression = script.form_expression("🔴 <b>{name}</b> & co", {"name": "$n"}, "texts.down")
    assert "$n" in expression
    assert _put(router, f':local n "X"; :put {expression}') == script.url_encode("🔴 <b>") + "X" + (
        script.url_encode("</b> & co")
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{name} is {colour}", "unknown placeholder(s) colour"),
        ("<font>{name}</font>", "<font> is not a tag Telegram accepts"),
        ("<b>{name}", "<b> is never closed"),
        ("{name}</i>", "</i> closes nothing open"),
        ("{name} {", "{ and } may only surround a placeholder"),
        ("", "expected a non-empty message text"),
    ],
)
def test_message_texts_telegram_would_refuse_are_refused_naming_the_field(template, expected):
    with pytest.raises(AnsibleFilterError) as raised:
        script.form_expression(template, {"name": "$n"}, "routeros_telegram_texts.en.down")
    assert "routeros_telegram_texts.en.down" in str(raised.value)
    assert expected in str(raised.value)


def _hosts_error(hosts, probe=PROBE) -> str:
    with pytest.raises(AnsibleFilterError) as raised:
        alerting.check_hosts(hosts, probe)
    return str(raised.value)


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [
        ([{"name": "a", "address": "10.0.0.300"}], "routeros_netwatch_hosts[0].address: '10.0.0.300'"),
        ([{"name": "", "address": "10.0.0.1"}], "routeros_netwatch_hosts[0].name: ''"),
        ([{"name": "a\x07", "address": "10.0.0.1"}], "no other control characters"),
        ([{"name": "a", "address": "10.0.0.1", "colour": "red"}], "routeros_netwatch_hosts[0].colour"),
        (
            [{"name": "a", "address": "10.0.0.1"}, {"name": "a", "address": "10.0.0.2"}],
            "routeros_netwatch_hosts[1].name: 'a' is not valid; expected a host name used once",
        ),
        (
            [{"name": "a", "address": "10.0.0.1"}, {"name": "b", "address": "10.0.0.1"}],
            "routeros_netwatch_hosts[1].address: '10.0.0.1' is not valid; expected a watched address",
        ),
        ([{"name": "a", "address": "10.0.0.1", "parent": "z"}], "the name of another host in this list"),
        (
            [
                {"name": "a", "address": "10.0.0.1", "parent": "b"},
                {"name": "b", "address": "10.0.0.2", "parent": "a"},
            ],
            "a parent chain without loops",
        ),
        ([{"name": "a", "address": "10.0.0.1", "interval": "soon"}], "interval: 'soon'"),
        ([{"name": "a", "address": "10.0.0.1", "type": "ping"}], "one of icmp, simple, tcp-conn"),
        ([{"name": "a", "address": "10.0.0.1", "type": "simple", "packet-count": 3}], "probe type simple"),
        ([{"name": "a", "address": "10.0.0.1", "type": "tcp-conn"}], "a tcp-conn probe needs one"),
        ([{"name": "a", "address": "10.0.0.1", "thr-loss-percent": 120}], "a percentage from 0 to 100"),
        ("10.0.0.1", "a list of dicts"),
    ],
)
def test_bad_hosts_are_refused_naming_field_value_and_what_is_accepted(hosts, expected):
    assert expected in _hosts_error(hosts)


def test_every_problem_is_reported_at_once():
    message = _hosts_error([{"name": "", "address": "x"}, {"name": "b", "address": "y"}])
    assert "[0].name" in message and "[0].address" in message and "[1].address" in message


def test_names_and_comments_may_hold_any_text_and_line_breaks():
    hosts = [{"name": NASTY, "address": "10.0.0.1", "comment": NASTY}]
    assert alerting.check_hosts(hosts, PROBE) == hosts


def test_probes_print_as_the_router_prints_them():
    hosts = [
        {"name": "srv", "address": "10.0.0.10", "comment": "rack 1", "interval": "00:00:05"},
        {"name": "web", "address": "2001:DB8::1", "type": "https-get", "mute": True},
    ]
    data = alerting.netwatch_data(hosts, PROBE, "[ansible]", "HOOK", "5m")
    assert data[0] == {
        "host": "10.0.0.10",
        "name": "srv",
        "comment": "[ansible] rack 1",
        "type": "icmp",
        "interval": "5s",
        "timeout": "1s",
        "packet-count": 10,
        "packet-interval": "50ms",
        "thr-loss-percent": "100.0%",
        "startup-delay": "5m",
        "up-script": "HOOK",
        "down-script": "HOOK",
    }
    # A muted host is probed but rings no bell; icmp settings do not reach an https probe.
    assert data[1]["host"] == "2001:db8::1"
    assert data[1]["port"] == 443 and "packet-count" not in data[1]
    assert data[1]["up-script"] == "" and data[1]["down-script"] == ""


def test_the_hosts_map_names_parents_descendants_and_waits():
    hosts = [
        {"name": "uplink", "address": "9.9.9.9"},
        {"name": "switch", "address": "10.0.0.2", "parent": "uplink"},
        {"name": "server", "address": "10.0.0.10", "parent": "switch", "interval": "10s"},
    ]
    rows = {row["key"]: row for row in alerting.hosts_map(hosts, PROBE)}
    assert rows["9.9.9.9"]["behind"] == ["10.0.0.2", "10.0.0.10"]
    assert rows["10.0.0.10"]["parent"] == "10.0.0.2"
    # One icmp cycle of the defaults: 1 s interval + 9 x 50 ms + 1 s timeout, rounded up, plus a second.
    assert rows["10.0.0.2"]["wait"] == 4
    # The uplink waits for the slowest host behind it: 10 s + 0.45 s + 1 s.
    assert rows["9.9.9.9"]["settle"] == 13


def _telegram(**changes):
    settings_ = {
        "token": TOKEN,
        "chats": [{"id": -4000000001}],
        "language": "en",
        "texts": {"en": {key: " ".join(f"{{{n}}}" for n in names) or key for key, names in TEXTS.items()}},
        "api_url": "https://api.telegram.org",
        "check_certificate": True,
        "trust": "builtin",
        "ca_file": "",
        "storage": "netwatch-telegram",
        "queue_max": 200,
        "delayed_after": "1m",
        "batch_window": "300ms",
        "send_timeout": "5s",
        "retry_first": "5s",
        "retry_max": "1m",
        "flood_wait": "30s",
        "message_budget": 3500,
        "tick": "5s",
    }
    settings_["texts"]["en"]["units"] = {"d": "d", "h": "h", "m": "m", "s": "s"}
    settings_.update(changes)
    return settings_


def test_good_notifier_settings_pass():
    assert alerting.check_telegram(_telegram())["token"] == TOKEN


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"chats": []}, "routeros_telegram_chats: [] is not valid; expected at least one chat"),
        ({"chats": [{"id": "general"}]}, "routeros_telegram_chats[0].id: 'general'"),
        ({"chats": [{"id": -4000000001, "topic": 2}]}, "only a forum supergroup (-100...) has topics"),
        ({"chats": [{"id": 5}, {"id": 5}]}, "a chat (and topic) used once"),
        ({"language": "fr"}, "routeros_telegram_language: 'fr'"),
        ({"api_url": "https://api.telegram.org/bot"}, "routeros_telegram_api_url"),
        ({"trust": "certificate"}, "routeros_telegram_ca_file"),
        ({"trust": "store"}, "routeros_telegram_trust: 'store' is not valid; expected auto, builtin, ce"),
        ({"trust": "auto", "ca_file": "ca.pem", "ca_path": "/no/ca.pem"}, "read from /no/ca.pem"),
        ({"retry_first": "often"}, "routeros_telegram_retry_first: 'often'"),
        ({"storage": "../etc"}, "routeros_telegram_storage"),
    ],
)
def test_bad_notifier_settings_are_refused_naming_the_field(changes, expected):
    with pytest.raises(AnsibleFilterError) as raised:
        alerting.check_telegram(_telegram(**changes))
    assert expected in str(raised.value)


def test_a_bad_token_is_refused_without_showing_it():
    wrong = "123456789:short-secret-value"
    with pytest.raises(AnsibleFilterError) as raised:
        alerting.check_telegram(_telegram(token=wrong))
    assert "routeros_telegram_token: '<hidden, 28 characters>'" in str(raised.value)
    assert wrong not in str(raised.value) and "short-secret" not in str(raised.value)


def test_chat_rows_keep_groups_within_twenty_messages_a_minute():
    rows = alerting.chat_rows([{"id": 111}, {"id": "-1002000000001", "topic": "2", "silent": "yes"}])
    assert rows == [
        {
            "id": "111",
            "topic": "",
            "silent": False,
            "gap": 1,
            "every": 0,
            "file": "111",
            "test": True,
            "group": False,
        },
        {
            "id": "-1002000000001",
            "topic": "2",
            "silent": True,
            "gap": 1,
            "every": 4,
            "file": "-1002000000001-t2",
            "test": False,
            "group": False,
        },
    ]


def _default_texts() -> dict[str, Any]:
    defaults = Path(__file__).resolve().parent.parent / "roles/routeros_telegram/defaults/main.yml"
    return dict(yaml.safe_load(defaults.read_text())["routeros_telegram_texts"])


@pytest.mark.parametrize("budget", [alerting.MIN_BUDGET, 900, 2000, 3500, alerting.MAX_BUDGET])
@pytest.mark.parametrize("language", alerting.LANGUAGES)
def test_one_alert_at_its_longest_fits_the_budget(budget, language):
    """Every part of one message filled to its longest: names, comment, hosts and router at their caps, the
    other placeholders at their widest (an IPv6 address, 99999 days), the dropped and delayed lines too."""
    texts = _default_texts()[language]
    caps = alerting.telegram_caps(texts, budget)
    span = " ".join(f"{'9' * w}{texts['units'][u]}" for w, u in ((5, "d"), (2, "h"), (2, "m"), (2, "s")))
    values = {
        "name": "n" * caps["name"],
        "comment": "c" * caps["comment"],
        "hosts": "h" * caps["hosts"],
        "router": "r" * caps["router"],
        "address": "f" * 39,
        "date": "2026-01-31",
        "time": "12:00:00",
        "zone": "America/Argentina/ComodRivadavia",
        "count": "10000",
        "duration": span,
        "delay": span,
    }
    fill = {key: script.PLACEHOLDER.sub(lambda m: values[m.group(1)], texts[key]) for key in TEXTS}
    lines = ["test", ("down", "up"), "comment", "at", "down_for", ("behind", "still_down"), "delayed"]
    block = "\n".join(
        max((fill[k] for k in line), key=lambda text: len(text.encode()))
        if isinstance(line, tuple)
        else fill[line]
        for line in lines
    )
    message = "\n\n".join([fill["router"], fill["dropped"], block])
    assert len(message.encode("utf-8")) <= budget
    if budget >= 3500:
        assert caps == alerting.TEXT_MAX


def test_a_budget_too_small_for_the_texts_is_refused_naming_the_field():
    long = _telegram(message_budget=600)
    long["texts"]["en"]["at"] = "🕒 " + "at " * 150 + "{date} {time}"
    with pytest.raises(AnsibleFilterError) as raised:
        alerting.check_telegram(long)
    assert "routeros_telegram_message_budget: 600 is not valid; expected at least" in str(raised.value)
    assert alerting.check_telegram(_telegram(message_budget=600))

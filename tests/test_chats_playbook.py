"""playbooks/chats.yml against the fake Telegram, with no router at all: it lists the chats the bot can see
with the ids to copy (a group the operator just added the bot to, a forum supergroup and its topic, a private
chat), reports a group Telegram upgraded (from the updates, and by asking Telegram when the updates are gone),
confirms no update, and never shows the token, even at -vvvv."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from ansible_run import ROOT, PlayResult, run_playbook, run_playbook_json

from lab.control import VERBS
from lab.telegram import ctl as telegram_ctl
from tests.telegram_fake import FORUM, GROUP, PRIVATE, TOKEN, RunningTelegram, running_telegram

BRANCH = -4000000077
SUPERGROUP = -1004000000001
# No router answers here: the playbook must not need one.
NOWHERE = "127.0.9.9"


@pytest.fixture
def fake() -> Iterator[RunningTelegram]:
    with running_telegram() as running:
        yield running


def ctl(fake: RunningTelegram, *args: str) -> Any:
    assert VERBS["telegram"].run is telegram_ctl.telegram_verb
    return fake.call_in_loop(VERBS["telegram"].run, SimpleNamespace(telegram=fake.server), list(args))


def inventory(fake: RunningTelegram, tmp_path: Path, token: str = TOKEN) -> Path:
    path = tmp_path / "inventory.yml"
    settings = {
        "ansible_host": NOWHERE,
        "routeros_telegram_token": token,
        "routeros_telegram_chats": [{"id": GROUP}, {"id": FORUM, "topic": 2, "verify": True}],
        "chats_api_url": f"http://127.0.0.1:{fake.port}",
    }
    path.write_text(yaml.safe_dump({"routeros": {"hosts": {"lab-r1": settings}}}))
    return path


def chats(fake: RunningTelegram, tmp_path: Path, *extra: str, token: str = TOKEN) -> PlayResult:
    return run_playbook(ROOT / "playbooks" / "chats.yml", inventory(fake, tmp_path, token), *extra)


def table(fake: RunningTelegram, tmp_path: Path) -> list[str]:
    """The lines playbooks/chats.yml shows, from ansible-playbook's JSON report."""
    report = run_playbook_json(ROOT / "playbooks" / "chats.yml", inventory(fake, tmp_path))
    assert report["rc"] == 0, report
    [shown] = [t for t in report["plays"][0]["tasks"] if t["task"]["name"] == "Show the chats"]
    lines: list[str] = shown["hosts"]["lab-r1"]["msg"]
    return lines


def row(lines: list[str], chat: int) -> str:
    found = [line for line in lines if line.startswith(f"{chat} ")]
    assert len(found) == 1, lines
    return found[0]


def test_the_chats_the_bot_can_see_are_listed_with_their_ids_and_kinds(fake, tmp_path):
    ctl(fake, "join", f"{BRANCH}=Branch 2 NOC")
    ctl(fake, "say", f"{FORUM}:2", "/start@lab_123456789_bot")
    ctl(fake, "join", str(PRIVATE))
    ctl(fake, "migrate", str(GROUP))
    pending = fake.api("getUpdates")[1]["result"]
    lines = table(fake, tmp_path)
    assert lines[0].split() == ["id", "kind", "title", "inventory", "note"]
    assert row(lines, BRANCH).split() == ["-4000000077", "group", "Branch", "2", "NOC", "no"]
    assert row(lines, FORUM).split()[:6] == ["-1002000000001", "supergroup", "Lab", "NOC", "Forum", "yes"]
    assert row(lines, FORUM).endswith("topics: 2 Topic 2")
    assert row(lines, PRIVATE).split() == ["111111111", "private", "Lab", "Operator", "no"]
    assert row(lines, GROUP).split()[:4] == ["-4000000001", "group", "Lab", "NOC"]
    assert row(lines, GROUP).endswith(
        f"yes       upgraded to the supergroup {SUPERGROUP}: use id {SUPERGROUP}"
    )
    assert row(lines, SUPERGROUP).split()[:2] == ["-1004000000001", "supergroup"]
    assert (
        f"routeros_telegram_chats: the group {GROUP} became the supergroup {SUPERGROUP} -> put id: "
        f"{SUPERGROUP} in its place and rerun site.yml (the routers already send there)"
    ) in lines
    verbose = chats(fake, tmp_path, "-vvvv")
    assert verbose.returncode == 0, verbose.output[-3000:]
    assert (
        TOKEN not in verbose.output and TOKEN.split(":")[1] not in verbose.output
    )  # Nothing confirmed: the routers' notifier still finds the upgrade in the updates.
    assert fake.api("getUpdates")[1]["result"] == pending


def test_an_upgrade_is_reported_when_its_updates_are_gone(fake, tmp_path):
    ctl(fake, "migrate", str(GROUP))
    ctl(fake, "reset")
    assert row(table(fake, tmp_path), GROUP).endswith(
        f"upgraded to the supergroup {SUPERGROUP}: use id {SUPERGROUP}"
    )
    # Telegram was only asked, nothing was sent.
    assert ctl(fake, "messages") == []


def test_no_chat_yet_tells_how_to_make_the_bot_see_one(fake, tmp_path):
    lines = table(fake, tmp_path)
    assert lines[0].startswith("The bot sees no chat yet")
    assert any("press Start" in line for line in lines)


def test_a_revoked_token_fails_with_the_reason_and_without_the_token(fake, tmp_path):
    revoked = "987654321:" + "R" * 35
    result = chats(fake, tmp_path, "-vvvv", token=revoked)
    assert result.returncode != 0
    assert "Telegram answers 401 Unauthorized: the bot token is wrong or was revoked" in result.output
    assert revoked not in result.output and "R" * 35 not in result.output


def test_a_token_of_the_wrong_shape_is_refused_before_asking(fake, tmp_path):
    result = chats(fake, tmp_path, token="not-a-token-but-a-secret")
    assert result.returncode != 0
    assert "routeros_telegram_token: '<hidden, 24 characters>' is not valid" in result.output
    assert "not-a-token-but-a-secret" not in result.output
    assert ctl(fake, "attempts") == []

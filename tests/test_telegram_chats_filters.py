"""What playbooks/chats.yml reads from a bot's updates (filter_plugins/routeros_telegram_chats.py): every
kind of chat an update can name, the bot's removal, and upgrades seen from either side."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "filter_plugins"))

import routeros_telegram_chats as chats

CHANNEL = {"id": -1009000000001, "title": "Status page", "type": "channel"}
GROUP = {"id": -4000000001, "title": "NOC", "type": "group"}
PERSON = {"id": 42, "first_name": "Budi", "last_name": "Santoso", "type": "private"}


def test_a_channel_post_names_a_channel_and_says_the_bot_must_administer_it():
    [row] = chats.seen_chats(
        [{"update_id": 1, "channel_post": {"message_id": 1, "chat": CHANNEL, "date": 1}}]
    )
    assert (row["id"], row["kind"], row["title"]) == (-1009000000001, "channel", "Status page")
    assert "the bot must be one of its administrators" in chats.chats_table([row])[1]


def test_a_person_is_named_by_first_and_last_name():
    [row] = chats.seen_chats([{"update_id": 1, "message": {"message_id": 1, "chat": PERSON, "text": "hi"}}])
    assert row["title"] == "Budi Santoso" and row["kind"] == "private"


def test_the_bot_removed_from_a_group_is_told():
    removed = {
        "chat": GROUP,
        "new_chat_member": {"status": "kicked"},
        "old_chat_member": {"status": "member"},
    }
    [row] = chats.seen_chats([{"update_id": 1, "my_chat_member": removed}])
    assert chats.chats_table([row])[1].endswith("the bot was removed from it: add it again")


def test_an_upgrade_seen_only_in_the_supergroup_still_names_the_old_group():
    supergroup = {"id": -1004000000001, "title": "NOC", "type": "supergroup"}
    message = {"message_id": 1, "chat": supergroup, "migrate_from_chat_id": -4000000001}
    rows = {row["id"]: row for row in chats.seen_chats([{"update_id": 1, "message": message}])}
    assert rows[-4000000001]["migrated_to"] == -1004000000001


def test_a_group_telegram_does_not_know_is_told_from_the_probe():
    probe = {"item": "-4000000002", "status": 400, "json": {"description": "Bad Request: chat not found"}}
    [row] = chats.seen_chats([], [probe])
    assert row["notes"] == ["Telegram does not know it (Bad Request: chat not found)"]


def test_only_the_inventory_basic_groups_are_probed():
    configured = [{"id": -4000000001}, {"id": -1002000000001, "topic": 2}, {"id": 42}, {"id": "@alerts"}]
    assert chats.probe_targets(configured) == ["-4000000001"]

"""A lab router with the alerting roles deployed by the real playbook, and what the tests ask of it: hosts to
bring down and up, the fake Telegram's messages, the router's log and files."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import librouteros
import yaml
from ansible_run import ROOT, PlayResult, run_playbook

from lab.testing import RunningLab

T = TypeVar("T")
TOKEN = "123456789:LAB-telegram-token-0000000000000000"
GROUP_CHAT = "-4000000001"
FORUM_CHAT = "-1002000000001"
# The router's own address on the lab LAN, so that LAN hosts answer while the uplink is cut.
LAN_ADDRESS = "10.10.0.1/16"


def wait_for(predicate: Callable[[], T], seconds: float = 20.0, what: str = "condition") -> T:
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {seconds} s")
        time.sleep(0.1)


def release(lab: RunningLab) -> tuple[int, ...]:
    """The RouterOS release the lab's routers run (the lab's default, 7.21, unless --ros-version says)."""
    arguments = lab.extra_args
    version = arguments[arguments.index("--ros-version") + 1] if "--ros-version" in arguments else "7.21"
    return tuple(int(part) for part in version.split(".")[:2])


@dataclass
class AlertingLab:
    lab: RunningLab
    directory: Path
    hosts: list[dict[str, Any]]
    overrides: dict[str, Any] = field(default_factory=dict)
    # Where the notifier keeps its files: flash/netwatch-telegram on a board whose root is a RAM disk.
    storage: str = "netwatch-telegram"

    @property
    def inventory(self) -> Path:
        return self.directory / "inventory"

    def write_inventory(self) -> None:
        self.inventory.mkdir(parents=True, exist_ok=True)
        group_vars = self.inventory / "group_vars"
        if not group_vars.exists():
            group_vars.symlink_to(ROOT / "inventory" / "lab" / "group_vars")
        hosts = {"routeros": {"hosts": {"lab-r1": {"ansible_host": self.lab.address(1)}}}}
        (self.inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
        settings = {"routeros_netwatch_hosts": self.hosts, **self.overrides}
        (self.directory / "overrides.yml").write_text(yaml.safe_dump(settings, allow_unicode=True))

    def deploy(self, *extra: str, playbook: str = "playbooks/alerting.yml") -> PlayResult:
        self.write_inventory()
        return run_playbook(
            ROOT / playbook,
            self.inventory,
            "-e",
            f"@{self.directory / 'overrides.yml'}",
            "-e",
            f"routeros_backup_dir={self.directory / 'backups'}",
            *extra,
        )

    # ----- the lab

    def api(self) -> Any:
        return librouteros.connect(
            host=self.lab.address(1), username="admin", password="lab-admin", encoding="utf-8"
        )

    def host(self, address: str, *state: str) -> None:
        self.lab.ctl("host", "1", address, *state)

    def messages(self, chat: str = GROUP_CHAT) -> list[dict[str, Any]]:
        return list(self.lab.ctl("telegram", "messages", chat))

    def texts(self, chat: str = GROUP_CHAT) -> list[str]:
        return [message["text"] for message in self.messages(chat)]

    def log(self) -> list[str]:
        api = self.api()
        try:
            return [row["message"] for row in api.path("log")]
        finally:
            api.close()

    def netwatch(self) -> dict[str, dict[str, Any]]:
        api = self.api()
        try:
            return {row["name"]: row for row in api.path("tool", "netwatch")}
        finally:
            api.close()

    def file(self, name: str) -> str:
        api = self.api()
        try:
            for row in api.path("file"):
                if row.get("name") == name:
                    return str(row.get("contents", ""))
            return ""
        finally:
            api.close()

    def files(self, prefix: str) -> dict[str, str]:
        """The notifier's files under `prefix` (in its storage), by name: their contents."""
        api = self.api()
        try:
            return {
                str(row["name"]): str(row.get("contents", ""))
                for row in api.path("file")
                if str(row.get("name", "")).startswith(f"{self.storage}/{prefix}")
                and row.get("type") != "directory"
            }
        finally:
            api.close()

    def queue_size(self) -> int:
        return len(self.files("queue/"))

    def settled(self) -> None:
        """Every watched host told as it is (no alert waiting, no host held) and the fake's inbox empty."""
        wait_for(lambda: self.queue_size() == 0, 60, "an empty alert queue")
        wait_for(lambda: not any(r.get("hk") for r in self.host_records().values()), 60, "no host held")
        self.lab.ctl("telegram", "reset")
        self.lab.ctl("telegram", "clear")

    def host_records(self) -> dict[str, dict[str, str]]:
        """What the scan keeps of each watched host (one file each), by key."""
        records = (record(text) for text in self.files("hosts/").values())
        return {r["key"]: r for r in records if "key" in r}


def record(text: str) -> dict[str, str]:
    """A notifier record (key=value fields ended by the byte 1E, then "."); empty when cut short."""
    if not text.endswith("\x1e."):
        return {}
    fields = (field.partition("=") for field in text[:-1].split("\x1e") if field)
    return {key: value for key, _, value in fields}

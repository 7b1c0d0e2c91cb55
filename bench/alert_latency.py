"""Alert latency and false alerts: the seed paper's Netwatch settings against the shipped defaults, side by
side in one lab run.

Router 1 gets the seed paper's setup: Netwatch's defaults (simple probe, 10 s interval, 3 s timeout) and
up/down scripts that fetch Telegram directly (the paper's scripts do not parse as printed; here they are
fixed just enough to run). Router 2 gets what `playbooks/alerting.yml` deploys with the shipped defaults.
Latency is the time from the `ctl host ... down|up` verb to the message's arrival at the fake Telegram,
over CYCLES down/up cycles of HOSTS hosts per router; false alerts are the alerts sent for LOSSY hosts held
at 30 % packet loss for LOSS_SECONDS. The fake's flood control is off, so that the seed's unpaced sends are
not refused and its latency is detection plus one fetch.

Run: .venv/bin/python bench/alert_latency.py [--cycles 4] [--hosts 5] [--lossy 20] [--loss-seconds 30]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import librouteros
import yaml
from ansible_run import ROOT, run_playbook

from lab.testing import RunningLab, new_lab

TOKEN = "123456789:LAB-telegram-token-0000000000000000"
SEED_CHAT = "111111111"
OUR_CHAT = "-4000000001"
# The seed paper's scripts (shared/seed), made to parse: `$[...]` instead of `${...}`, the host in the text,
# underscores for spaces (a URL may not hold spaces), the token and chat as the paper hard-codes them.
SEED_SCRIPT = (
    ':local datetime ("Tanggal:" . [/system clock get date] . "_Jam:" . [/system clock get time]);'
    f' /tool fetch url=("https://api.telegram.org/bot{TOKEN}/sendmessage?chat_id={SEED_CHAT}&text="'
    ' . $datetime . "_" . $host . "_{status}") keep-result=no'
)


@dataclass
class Config:
    name: str
    router: int
    chat: str
    down: list[float] = field(default_factory=list)
    up: list[float] = field(default_factory=list)
    missed: int = 0
    false_alerts: int = 0

    def matches(self, text: str, address: str, status: str) -> bool:
        if self.router == 1:
            return f"_{address}_{status}" in text
        title = "🔴 DOWN" if status == "DOWN" else "🟢 UP"
        return f"{title} · bench {address} ({address})" in text


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Inbox:
    """The fake Telegram's messages, read by one poller (every waiter polling on its own would load the lab
    and slow down what is measured)."""

    def __init__(self, lab: RunningLab, chats: list[str]) -> None:
        self.lab = lab
        self.chats = chats
        self.messages: dict[str, list[dict[str, Any]]] = {chat: [] for chat in chats}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.poller = threading.Thread(target=self._poll, daemon=True)
        self.poller.start()

    def _poll(self) -> None:
        while not self.stopped.wait(0.05):
            for chat in self.chats:
                found = list(self.lab.ctl("telegram", "messages", chat))
                with self.lock:
                    self.messages[chat] = found

    def stop(self) -> None:
        self.stopped.set()
        self.poller.join()

    def _seen(self, config: Config) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.messages[config.chat])

    def wait(self, config: Config, address: str, status: str, since: float, seconds: float) -> float | None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in self._seen(config):
                if message["received_at"] >= since and config.matches(message["text"], address, status):
                    return float(message["received_at"]) - since
            time.sleep(0.05)
        return None

    def count(self, config: Config, addresses: list[str], since: float) -> int:
        return sum(
            1
            for message in self._seen(config)
            if message["received_at"] >= since
            for address in addresses
            for status in ("DOWN", "UP")
            if config.matches(message["text"], address, status)
        )


def deploy_seed(lab: RunningLab, hosts: list[str]) -> None:
    api = librouteros.connect(host=lab.address(1), username="admin", password="lab-admin")
    netwatch = api.path("tool", "netwatch")
    for address in hosts:
        netwatch.add(
            host=address,
            **{
                "startup-delay": "0s",
                "up-script": SEED_SCRIPT.replace("{status}", "UP"),
                "down-script": SEED_SCRIPT.replace("{status}", "DOWN"),
            },
        )
    api.close()


def deploy_ours(lab: RunningLab, hosts: list[str], directory: Path) -> None:
    inventory = directory / "inventory"
    inventory.mkdir()
    (inventory / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
    (inventory / "hosts.yml").write_text(
        yaml.safe_dump({"routeros": {"hosts": {"lab-r2": {"ansible_host": lab.address(2)}}}})
    )
    settings = {
        "routeros_netwatch_hosts": [{"name": f"bench {a}", "address": a} for a in hosts],
        "routeros_telegram_chats": [{"id": int(OUR_CHAT)}],
    }
    (directory / "bench.yml").write_text(yaml.safe_dump(settings))
    result = run_playbook(ROOT / "playbooks" / "alerting.yml", inventory, "-e", f"@{directory / 'bench.yml'}")
    if result.returncode != 0:
        raise SystemExit(result.output[-3000:])


def cycle_host(lab: RunningLab, inbox: Inbox, config: Config, address: str, cycles: int) -> None:
    rng = random.Random(address + config.name)
    for _ in range(cycles):
        time.sleep(rng.uniform(1.0, 3.0))
        for status, results in (("DOWN", config.down), ("UP", config.up)):
            verb = status.lower()
            started = time.time()
            lab.ctl("host", str(config.router), address, verb)
            latency = inbox.wait(config, address, status, started, 45)
            if latency is None:
                config.missed += 1
            else:
                results.append(latency)
            time.sleep(rng.uniform(1.0, 2.5))


def run(args: argparse.Namespace) -> list[Config]:
    latency_hosts = [f"10.20.0.{n}" for n in range(1, args.hosts + 1)]
    lossy_hosts = [f"10.21.0.{n}" for n in range(1, args.lossy + 1)]
    configs = [Config("seed paper", 1, SEED_CHAT), Config("shipped defaults", 2, OUR_CHAT)]
    with tempfile.TemporaryDirectory() as scratch:
        lab = new_lab(Path(scratch) / "lab", routers=2, extra_args=["--telegram-limits", "off"])
        lab.start()
        try:
            for address in latency_hosts + lossy_hosts:
                lab.ctl("host", "all", address, "up")
            deploy_seed(lab, latency_hosts + lossy_hosts)
            deploy_ours(lab, latency_hosts + lossy_hosts, Path(scratch))
            time.sleep(8)
            inbox = Inbox(lab, [config.chat for config in configs])
            workers = [
                threading.Thread(target=cycle_host, args=(lab, inbox, config, address, args.cycles))
                for config in configs
                for address in latency_hosts
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            time.sleep(3)
            started = time.time()
            for address in lossy_hosts:
                lab.ctl("host", "all", address, "loss", "30")
            time.sleep(args.loss_seconds)
            for address in lossy_hosts:
                lab.ctl("host", "all", address, "loss", "0")
            time.sleep(15)
            for config in configs:
                config.false_alerts = inbox.count(config, lossy_hosts, started)
            inbox.stop()
        finally:
            lab.stop()
    return configs


def report(configs: list[Config], args: argparse.Namespace) -> None:
    host_minutes = args.lossy * args.loss_seconds / 60
    print(
        f"Alert latency, {args.hosts} hosts x {args.cycles} down/up cycles per configuration; false alerts: "
        f"{args.lossy} hosts at 30 % loss for {args.loss_seconds} s ({host_minutes:g} host-minutes)."
    )
    print(
        f"{'configuration':<18} {'DOWN p50':>9} {'DOWN p95':>9} {'UP p50':>7} {'UP p95':>7} {'samples':>8} "
        f"{'missed':>7} {'false alerts':>13}"
    )
    for config in configs:
        print(
            f"{config.name:<18} {statistics.median(config.down):>8.2f}s "
            f"{percentile(config.down, 0.95):>8.2f}s {statistics.median(config.up):>6.2f}s "
            f"{percentile(config.up, 0.95):>6.2f}s {len(config.down) + len(config.up):>8} {config.missed:>7} "
            f"{config.false_alerts:>13}"
        )
    seed, ours = configs
    print(
        f"{'seed / shipped':<18} {statistics.median(seed.down) / statistics.median(ours.down):>8.1f}x "
        f"{percentile(seed.down, 0.95) / percentile(ours.down, 0.95):>8.1f}x "
        f"{statistics.median(seed.up) / statistics.median(ours.up):>6.1f}x"
    )
    print(f"{'goal (shipped)':<18} {'<= 3s':>9} {'<= 5s':>9} {'<= 3s':>7} {'':>7} {'':>8} {'':>7} {'0':>13}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cycles", type=int, default=4, help="down/up cycles per host (default 4)")
    parser.add_argument("--hosts", type=int, default=5, help="hosts cycled per configuration (default 5)")
    parser.add_argument("--lossy", type=int, default=20, help="hosts held at 30 %% loss (default 20)")
    parser.add_argument("--loss-seconds", type=int, default=30, help="how long they are lossy (default 30)")
    args = parser.parse_args()
    report(run(args), args)


if __name__ == "__main__":
    main()

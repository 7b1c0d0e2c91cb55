"""Prove a router's alerting works, right now, through Netwatch and the production notifier, over one API
session: run the notifier's self-check, then make a temporary probe go DOWN (towards an address that can
never answer) and UP (towards the router itself), and read the receipts in which the notifier keeps
Telegram's answer for each test alert. Everything temporary is removed at the end, whatever happened, and
leftovers of an interrupted run are removed first.

This module gathers facts; it judges nothing. filter_plugins/routeros_verify.py turns its answer into a
verdict with reasons and fixes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.routeros_connection import CONNECTION_SPEC, connect
from ansible.module_utils.routeros_version import UnsupportedVersion, judge
from ansible_collections.community.routeros.plugins.module_utils.api import check_has_library

try:
    from librouteros.exceptions import ConnectionClosed, FatalError, LibRouterosError, TrapError
except ImportError:
    # check_has_library() reports the missing library; these names are then never reached.
    ConnectionClosed = FatalError = LibRouterosError = TrapError = Exception

# What a dropped session looks like (a reboot): worth reconnecting; a refusal (a trap) is an answer.
_LOST = (ConnectionClosed, FatalError, OSError)

DOCUMENTATION = r"""
---
module: routeros_verify_run
short_description: Trigger a test DOWN and UP through Netwatch and read Telegram's answers from the router
description:
  - Removes what an earlier, interrupted run left (a probe whose comment starts with O(tag), the receipts in
    O(storage)/verify/, queued test alerts, the scan's host file of the test probe).
  - Runs the notifier's self-check script O(check_script) and returns what it wrote to O(storage)/check.json.
  - O(storage) is under flash/ on a board whose root is a RAM disk (it has a /file entry named flash), as the
    notifier's scripts find it.
  - Refuses a RouterOS version this toolkit does not support before anything is written, answering why.
  - Adds a Netwatch probe towards O(down_address), waits until the notifier has Telegram's answer for its
    DOWN for every chat in O(chats), then points it at O(up_address) and waits for the UP the same way.
  - Removes the probe, the receipts and any test alert still queued, also when something failed.
version_added: "1.0.0"
author: netwatch-telegram-lab
options:
  connection:
    description: The router's API connection settings (routeros_api_connection).
    type: dict
    required: true
  storage:
    description: The notifier's directory of files on the router.
    type: str
    required: true
  check_script:
    description: Name of the notifier's self-check script.
    type: str
    required: true
  send_script:
    description:
      - Name of the notifier's send script. At the end, while it still runs (a send of a test alert begun
        before the cleanup), the receipts it writes are removed too, for at most O(settle) seconds.
    type: str
    default: ""
  settle:
    description: Seconds to wait at the end for a send of a test alert already under way.
    type: int
    default: 15
  tag:
    description: Start of the temporary probe's comment and its name; the notifier marks its alerts as a test.
    type: str
    required: true
  run:
    description: This run's name, used in the probe's comment and the receipts' file names.
    type: str
    required: true
  hook:
    description: The up and down script of the probe (the one the watched hosts have).
    type: str
    required: true
  probe:
    description: Netwatch settings of the temporary probe (type, interval, timeout, ...).
    type: dict
    default: {}
  down_address:
    description: An address that never answers (RFC 5737 documentation range).
    type: str
    default: 192.0.2.1
  up_address:
    description: An address that always answers (the router itself).
    type: str
    default: 127.0.0.1
  chats:
    description:
      - The chats marked for test alerts, as the notifier names them (percent-encoded id, a slash, the topic).
      - Empty, no test alert is triggered.
    type: list
    elements: str
    required: true
  wait:
    description: Seconds to wait for Telegram's answers, for the DOWN and again for the UP.
    type: int
    default: 60
notes:
  - Changes nothing lasting on the router; check mode only reports what would be done.
"""

RETURN = r"""
result:
  description: What the router said and did, step by step (see filter_plugins/routeros_verify.py).
  returned: always
  type: dict
"""

RECONNECT_SECONDS = 90


class Router:
    """An API session that survives a reboot: each call reconnects if the connection dropped, and notices
    when the router's uptime went back (it rebooted)."""

    def __init__(self, module: AnsibleModule) -> None:
        self.connect = lambda: connect(module.params["connection"], module.warn)
        self.api: Any = self.connect()
        self.uptime = self._uptime()
        self.rebooted = False

    def _uptime(self) -> int:
        row = next(iter(self.api.path("system", "resource")))
        return _seconds(str(row.get("uptime", "0s")))

    def call(self, action: Callable[[Any], Any]) -> Any:
        deadline = time.monotonic() + RECONNECT_SECONDS
        while True:
            try:
                return action(self.api)
            except _LOST:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
                try:
                    self.api = self.connect()
                except OSError:
                    continue
                uptime = self._uptime()
                self.rebooted = self.rebooted or uptime < self.uptime
                self.uptime = uptime


def _seconds(text: str) -> int:
    total, number = 0, ""
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    for char in text:
        if char.isdigit():
            number += char
        elif char in units and number:
            total += int(number) * units[char]
            number = ""
    return total


def storage_dir(api: Any, storage: str) -> str:
    """Where the notifier keeps its files, found as its scripts find it (templates/_storage.rsc.j2)."""
    if storage.startswith("flash/"):
        return storage
    flash = any(row.get("name") == "flash" for row in api.path("file").select(".id", "name"))
    return f"flash/{storage}" if flash else storage


def files(api: Any, prefix: str) -> list[dict[str, Any]]:
    return [row for row in api.path("file") if str(row.get("name", "")).startswith(prefix)]


def read_json(api: Any, name: str) -> Any:
    for row in api.path("file").select(".id", "name", "contents"):
        if row.get("name") == name:
            try:
                return json.loads(str(row.get("contents", "")))
            except ValueError:
                return None
    return None


def cleanup(api: Any, storage: str, tag: str) -> int:
    """Remove every trace of verify runs; answers how many things were removed."""
    removed = 0
    netwatch = api.path("tool", "netwatch")
    for row in list(netwatch):
        if str(row.get("comment", "")).startswith(tag):
            netwatch.remove(row[".id"])
            removed += 1
    file_path = api.path("file")
    # check.json and the self-check's scratch files (check-*.txt), should it have stopped halfway.
    for row in files(api, f"{storage}/verify/") + files(api, f"{storage}/check"):
        if row.get("type") != "directory":
            file_path.remove(row[".id"])
            removed += 1
    for row in list(file_path.select(".id", "name", "contents")):
        name = str(row.get("name", ""))
        fields = record(str(row.get("contents", "")))
        # Queued test alerts (they name their run, `v`), and what the notifier's scan remembers of the test
        # probe (its host file, keyed by the probe's name): a later run's DOWN must be news to it again.
        test_alert = name.startswith(f"{storage}/queue/") and bool(fields.get("v"))
        test_host = name.startswith(f"{storage}/hosts/") and fields.get("key") == tag
        if test_alert or test_host:
            file_path.remove(row[".id"])
            removed += 1
    return removed


def record(contents: str) -> dict[str, Any]:
    """A notifier file's fields: a record, `key=value` fields each ended by the byte 1E, then "."
    (templates/_storage.rsc.j2), or JSON, which an earlier release of the notifier queued; {} for neither."""
    if contents.endswith("\x1e."):
        return {key: value for key, _, value in (f.partition("=") for f in contents[:-2].split("\x1e"))}
    try:
        found = json.loads(contents)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def settle(router: Router, storage: str, tag: str, script: str, timeout: float) -> None:
    """Clean up again until the notifier's send script no longer runs: a send begun before the cleanup
    writes its receipt when Telegram (or the lack of an uplink) answers, after the cleanup."""
    deadline = time.monotonic() + timeout
    while script and time.monotonic() < deadline:
        jobs = router.call(
            lambda api: [row for row in api.path("system", "script", "job") if row.get("script") == script]
        )
        router.call(lambda api: cleanup(api, storage, tag))
        if not jobs:
            return
        time.sleep(0.5)


def run_check(router: Router, storage: str, script: str, timeout: float) -> Any:
    result_file = f"{storage}/check.json"

    def start(api: Any) -> None:
        for row in files(api, result_file):
            api.path("file").remove(row[".id"])
        tuple(api.path("system", "script")("run", number=script))

    try:
        router.call(start)
    except TrapError as error:
        # A script run over the API answers when it ends, with its error as a trap.
        return {"missing": f"the script {script} failed: {error}"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = router.call(lambda api: read_json(api, result_file))
        if found is not None:
            return found
        time.sleep(0.5)
    return {"missing": f"the script {script} wrote no {result_file} within {timeout:.0f} s"}


def wait_receipts(router: Router, name: str, chats: list[str], timeout: float) -> dict[str, Any]:
    """Telegram's answer for every chat, or what there is when the time is up."""
    deadline = time.monotonic() + timeout
    receipts: dict[str, Any] = {}
    while time.monotonic() < deadline and not router.rebooted:
        receipts = router.call(lambda api: read_json(api, name)) or {}
        answered = [receipts.get(chat) or {} for chat in chats]
        if all(answer.get("ok") or answer.get("final") for answer in answered):
            break
        time.sleep(0.5)
    return receipts


def probe_state(api: Any, tag: str) -> dict[str, Any]:
    for row in api.path("tool", "netwatch"):
        if str(row.get("comment", "")).startswith(tag):
            return {"status": row.get("status"), "since": row.get("since"), "host": row.get("host")}
    return {}


def main() -> None:
    argument_spec: dict[str, Any] = {
        "storage": {"type": "str", "required": True},
        "check_script": {"type": "str", "required": True},
        "send_script": {"type": "str", "default": ""},
        "settle": {"type": "int", "default": 15},
        "tag": {"type": "str", "required": True},
        "run": {"type": "str", "required": True},
        "hook": {"type": "str", "required": True},
        "probe": {"type": "dict", "default": {}},
        "down_address": {"type": "str", "default": "192.0.2.1"},
        "up_address": {"type": "str", "default": "127.0.0.1"},
        "chats": {"type": "list", "elements": "str", "required": True},
        "wait": {"type": "int", "default": 60},
    }
    argument_spec.update(CONNECTION_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    check_has_library(module)
    params = module.params
    storage, tag, run = params["storage"], params["tag"], params["run"]
    result: dict[str, Any] = {"run": run}
    try:
        router = Router(module)
    except UnsupportedVersion as error:
        # An answer, not a broken test: the verdict names the version and says to upgrade.
        module.exit_json(changed=False, result={**result, "unsupported": to_native(error)})
    except (LibRouterosError, OSError) as error:
        module.fail_json(msg=f"the router's API does not answer: {to_native(error)}", result=result)
    if module.check_mode:
        module.exit_json(changed=False, result=result)
    try:
        storage = result["storage"] = router.call(lambda api: storage_dir(api, storage))
        result["leftovers"] = router.call(lambda api: cleanup(api, storage, tag))
        result["identity"] = router.call(lambda api: next(iter(api.path("system", "identity")))["name"])
        result["version"] = router.call(lambda api: next(iter(api.path("system", "resource"))).get("version"))
        result["controller_time"] = time.time()
        result["check"] = run_check(router, storage, params["check_script"], 30)
        # The version the router's own check reports, judged against the supported range: newer than the
        # newest tested is a warning the verdict shows (an older one was refused on connecting).
        reported = str(result["check"].get("version") or result["version"])
        result["version_warning"] = judge(
            reported, f"routeros_api_hostname {params['connection']['hostname']}"
        )
        entry = {
            "name": tag,
            "comment": f"{tag} {run}",
            **{key: value for key, value in params["probe"].items() if value is not None},
            "start-delay": "0s",
            "startup-delay": "0s",
            "up-script": params["hook"],
            "down-script": params["hook"],
        }
        # No chat marked for tests: nothing to send a test to (the verdict says how to mark one).
        legs = (("down", params["down_address"]), ("up", params["up_address"])) if params["chats"] else ()
        for kind, address in legs:
            triggered = time.time()
            if kind == "down":
                router.call(lambda api, e=entry, a=address: api.path("tool", "netwatch").add(host=a, **e))
            else:
                router.call(
                    lambda api, a=address: [
                        api.path("tool", "netwatch").update(**{".id": row[".id"], "host": a})
                        for row in api.path("tool", "netwatch")
                        if str(row.get("comment", "")).startswith(tag)
                    ]
                )
            receipt_file = f"{storage}/verify/{run}-{kind}.json"
            receipts = wait_receipts(router, receipt_file, params["chats"], params["wait"])
            result[kind] = {
                "triggered_at": triggered,
                "receipts": receipts,
                "probe": router.call(lambda api: probe_state(api, tag)),
            }
            delivered = all((receipts.get(chat) or {}).get("ok") for chat in params["chats"])
            if router.rebooted or not delivered:
                # An UP is told only after a delivered DOWN: without one there is nothing more to prove.
                break
    except (LibRouterosError, OSError) as error:
        result["error"] = to_native(error)
    finally:
        result["rebooted"] = router.rebooted
        try:
            router.call(lambda api: cleanup(api, storage, tag))
            settle(router, storage, tag, params["send_script"], params["settle"])
        except (LibRouterosError, OSError) as error:
            result["cleanup_error"] = to_native(error)
    module.exit_json(changed=False, result=result)


if __name__ == "__main__":
    main()

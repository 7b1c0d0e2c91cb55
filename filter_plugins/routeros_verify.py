"""Judge what routeros_verify_run saw on a router: pass or fail, and for every failure the reason in an
operator's words and what to do about it; then the summary table and the lab inbox check.

RouterOS does not hand a script the body of a Telegram answer that is not 2xx, so the router knows the HTTP
status, not Telegram's `description`: the reasons here name the status and what Telegram says with it
(Bot API documentation), e.g. 400 from getChat is "chat not found". The status is the one the router's own
check read from the error text (`code`), with the notifier's logic, else read here from the same text.

The self-check also proves, on the router, each assumption the notifier makes about it (where its files
live, that its largest file reads back whole, that stored text comes back verbatim, that a refused request
reads as 401): each one that does not hold is a problem naming the fact and what to do.
"""

from __future__ import annotations

import datetime
import html
import html.parser
import math
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

# Largest difference between the router's clock and the controller's that still counts as synced.
CLOCK_TOLERANCE = 120

_TRUST_FIX = (
    "give the router the Bot API's CA: routeros_telegram_trust: builtin (RouterOS 7.19+), or certificate "
    "with routeros_telegram_ca_file, then rerun site.yml"
)
_NTP_FIX = "set the router's clock, e.g. /system ntp client set enabled=yes servers=pool.ntp.org"
_UPLINK_FIX = "check the uplink (DHCP client bound, default route) and /ip dns servers on the router"


_REPORT_FIX = (
    "tell the toolkit's maintainers, with the router's RouterOS version (an issue with playbooks/verify.yml's"
    " report): the notifier must learn this router's behaviour"
)


def http_code(error: str) -> int:
    """The HTTP code in a fetch error as RouterOS words it: `failure: 401 should contain www-authenticate
    header` (Telegram's 401), `Fetch failed with status 404` (before 7.22), `Status 404, Not Found`
    (7.22+). The router's self-check reads it with the same rules."""
    found = re.match(r"(?:failure: )?(\d{3})\b", error) or re.search(r"[Ss]tatus (\d{3})\b", error)
    return int(found.group(1)) if found else 0


def explain(error: str, method: str, chat: str = "", code: int = 0) -> tuple[str, str]:
    """(reason, fix) for a fetch error as the router reported it (`code`: the HTTP code the router read)."""
    where = f" for chat {chat}" if chat else ""
    code = code if code > 0 else http_code(error)
    if code == 401:
        return (
            "Telegram answers 401 Unauthorized: the bot token is wrong or was revoked",
            "put the token BotFather gave into routeros_telegram_token (Ansible Vault) and rerun site.yml",
        )
    if code == 404:
        return (
            "Telegram answers 404 Not Found: the token is malformed or routeros_telegram_api_url is wrong",
            "check routeros_telegram_token and routeros_telegram_api_url",
        )
    if code == 400:
        what = "chat not found" if method == "getChat" else "chat not found, topic not found or text refused"
        return (
            f"Telegram answers 400 Bad Request ({what}){where}",
            "add the bot to the chat, or correct the chat id (and topic) in routeros_telegram_chats",
        )
    if code == 403:
        return (
            f"Telegram answers 403 Forbidden: the bot was removed from the chat or blocked{where}",
            "add the bot to the chat again (or unblock it) and rerun playbooks/verify.yml",
        )
    if code == 429:
        return (
            "Telegram answers 429 Too Many Requests: this bot sends too much",
            "wait a minute; give this toolkit a bot of its own if another program uses the same one",
        )
    if code >= 500:
        return (
            f"Telegram answers {code}: a Telegram outage",
            "nothing on the router; alerts wait in its queue",
        )
    lowered = error.lower()
    if "resolve" in lowered or "dns" in lowered:
        return (f"the router cannot resolve the Bot API's name ({error})", _UPLINK_FIX)
    if "issuer certificate" in lowered or "certificate verify" in lowered:
        return (f"the router does not trust the Bot API's certificate ({error})", _TRUST_FIX)
    if "not yet valid" in lowered or "expired" in lowered:
        return (f"the certificate check fails on the router's clock ({error})", _NTP_FIX)
    if "timeout" in lowered:
        return (f"Telegram did not answer in time ({error})", _UPLINK_FIX)
    return (f"sending failed: {error}", _UPLINK_FIX)


def _clock(check: dict[str, Any], controller_time: float) -> tuple[bool, str]:
    text = str(check.get("clock", ""))
    try:
        moment = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False, f"unreadable ({text!r})"
    offset = str(check.get("offset") or "+00:00")
    sign = -1 if offset.startswith("-") else 1
    hours, _, minutes = offset.lstrip("+-").partition(":")
    shift = sign * (int(hours or 0) * 3600 + int(minutes or 0) * 60)
    router_utc = moment.replace(tzinfo=datetime.UTC).timestamp() - shift
    drift = router_utc - controller_time
    if moment.year < 2000:
        return False, f"not set ({text}: no NTP and no clock chip)"
    if abs(drift) > CLOCK_TOLERANCE:
        return False, f"off by {drift:+.0f} s ({text})"
    return True, f"{text} (within {abs(drift):.0f} s)"


def assumptions(check: dict[str, Any], reached: bool) -> list[tuple[str, str, str]]:
    """(name, reason, fix) for each assumption the router's self-check tested; fix is "" when it holds.
    The refusal is judged only when the router reached Telegram (`reached`): otherwise its error says
    nothing about how a refusal reads."""
    found: list[tuple[str, str, str]] = []
    rerun = "rerun site.yml, so that the router runs this toolkit's self-check"
    storage = check.get("storage")
    if not isinstance(storage, dict):
        found.append(
            ("storage", "the router's self-check does not say where the notifier's files live", rerun)
        )
    elif storage.get("flash") and not str(storage.get("dir", "")).startswith("flash/"):
        found.append(
            (
                "storage",
                f"the notifier's files are in {storage.get('dir')}, on the RAM disk of a board that keeps "
                "only flash/ across a reboot: the queue, the state and the token are lost at every reboot",
                "set routeros_telegram_storage to flash/<directory> and rerun site.yml",
            )
        )
    else:
        where = "on flash, which survives a reboot" if storage.get("flash") else "kept across a reboot"
        found.append(("storage", f"{storage.get('dir')} ({where})", ""))
    write = check.get("write")
    if not isinstance(write, dict):
        found.append(("file size", "the router's self-check did not try the largest file", rerun))
    elif not write.get("ok"):
        found.append(
            (
                "file size",
                f"a file of {write.get('bytes')} bytes, the largest the notifier writes, reads back as "
                f"{write.get('read')} bytes: the router cuts or loses what the notifier stores (RouterOS "
                "keeps at most 4095 bytes of a file's contents; a full disk keeps less)",
                "free space on the router's disk (/system resource print: free-hdd-space) or set "
                f"routeros_telegram_storage to another disk; if the disk has room, {_REPORT_FIX}",
            )
        )
    else:
        found.append(("file size", f"{write.get('bytes')} bytes read back whole", ""))
    roundtrip = check.get("roundtrip")
    if not isinstance(roundtrip, dict):
        found.append(("stored text", "the router's self-check did not try stored text", rerun))
    elif not roundtrip.get("ok"):
        changed = ", ".join(
            f"{item.get('sent')!r} came back as {item.get('got')!r}"
            for item in roundtrip.get("changed") or []
        )
        found.append(
            (
                "stored text",
                "text the notifier stores does not come back verbatim: "
                + (changed or "the record could not be written"),
                f"names and comments would reach Telegram changed; {_REPORT_FIX}",
            )
        )
    else:
        found.append(("stored text", "comes back verbatim", ""))
    refusal = check.get("refusal")
    if not isinstance(refusal, dict):
        found.append(("refusal", "the router's self-check did not try a refused request", rerun))
    elif reached and (refusal.get("ok") or int(refusal.get("code") or 0) != 401):
        answer = "was accepted" if refusal.get("ok") else f"failed with {refusal.get('error')!r}"
        found.append(
            (
                "refusal",
                f"getMe with a token Telegram refuses {answer}, in which the notifier reads HTTP code "
                f"{refusal.get('code', 0)}, not 401: a revoked token would be retried for ever instead of "
                "reported",
                _REPORT_FIX,
            )
        )
    elif reached:
        found.append(("refusal", "a refused token reads as HTTP 401", ""))
    return found


def _leg(kind: str, leg: dict[str, Any] | None, chats: list[dict[str, str]]) -> dict[str, Any]:
    """One test alert (DOWN or UP): delivered to every chat, with Telegram's answer, or why not."""
    if not leg:
        return {"delivered": False, "delay": None, "reasons": ["not attempted"]}
    receipts = leg.get("receipts") or {}
    probe = leg.get("probe") or {}
    if not receipts and probe.get("status") != kind:
        seen = f"Netwatch saw the test probe towards {probe.get('host')} as {probe.get('status') or 'gone'}"
        return {"delivered": False, "delay": None, "reasons": [f"{seen}, not {kind}"]}
    delays, reasons = [], []
    for chat in chats:
        receipt = receipts.get(chat["key"])
        if receipt is None:
            reasons.append(
                f"no answer from Telegram for chat {chat['name']} in time: the alert is still queued"
            )
        elif receipt.get("ok"):
            # Telegram's date counts whole seconds: it accepted the message before date + 1.
            delays.append(max(0.0, float(receipt.get("date", 0)) + 1 - float(leg["triggered_at"])))
        else:
            reason, _ = explain(str(receipt.get("error", "")), "sendMessage", chat["name"])
            state = "" if receipt.get("final") else " (still retrying: the queue does not drain)"
            reasons.append(reason + state)
    return {
        "delivered": not reasons,
        "delay": math.ceil(max(delays)) if delays and not reasons else None,
        "reasons": reasons,
    }


def _upgraded(chat: str, target: Any) -> str:
    """What to do about a group Telegram upgraded, which the router already follows."""
    return (
        f"Telegram upgraded the group {chat} to the supergroup {target}; the router sends there already -> "
        f"put id: {target} in place of {chat} in routeros_telegram_chats and rerun site.yml"
    )


def verdict(
    raw: dict[str, Any], router: str, chats: list[dict[str, str]], failure: str = ""
) -> dict[str, Any]:
    """Pass or fail for one router, with a reason and a fix for every problem found."""
    problems: list[dict[str, str]] = []

    def problem(what: str, reason: str, fix: str) -> None:
        problems.append({"check": what, "reason": reason, "fix": fix})

    result: dict[str, Any] = {"router": router, "checks": {}, "notes": []}
    if raw.get("unsupported"):
        problem(
            "version", raw["unsupported"], "upgrade RouterOS on the router, then rerun playbooks/verify.yml"
        )
    elif failure or not raw:
        problem("api", f"the test could not run: {failure}", "check routeros_api_* and /ip service api")
    if problems:
        return {
            **result,
            "ok": False,
            "problems": problems,
            "down": _leg("down", None, chats),
            "up": _leg("up", None, chats),
        }
    result["identity"] = raw.get("identity")
    result["checks"]["api"] = f"answers (RouterOS {raw.get('version', '?')})"
    if raw.get("version_warning"):
        result["checks"]["version"] = raw["version_warning"]
    check = raw.get("check") or {}
    if "missing" in check:
        problem("check", check["missing"], "rerun site.yml so that the notifier's scripts are installed")
    else:
        synced, clock_text = _clock(check, float(raw.get("controller_time", 0)))
        result["checks"]["clock"] = clock_text
        if not synced:
            problem("clock", f"the router's clock is {clock_text}", _NTP_FIX)
        resolve = check.get("resolve") or {}
        result["checks"]["dns"] = resolve.get("address") or resolve.get("error")
        if not resolve.get("ok"):
            problem("dns", *explain(str(resolve.get("error", "")), "resolve"))
        storage = check.get("storage") or {}
        if not check.get("token"):
            problem(
                "token",
                f"no bot token in {storage.get('dir', 'the notifier storage')}/bot-token on the router",
                "rerun site.yml (routeros_telegram stores the token)",
            )
        me = check.get("getme") or {}
        result["checks"]["token"] = f"@{me['username']}" if me.get("ok") else me.get("error")
        if check.get("token") and not me.get("ok"):
            problem("token", *explain(str(me.get("error", "")), "getMe", code=int(me.get("code") or 0)))
        for chat in chats:
            answer = (check.get("chats") or {}).get(chat["key"]) or {}
            result["checks"][f"chat {chat['name']}"] = answer.get("type") or answer.get("error")
            if answer.get("to"):
                result["notes"].append(_upgraded(chat["id"], answer["to"]))
            if check.get("token") and me.get("ok") and not answer.get("ok"):
                reason, fix = explain(
                    str(answer.get("error", "")), "getChat", chat["name"], int(answer.get("code") or 0)
                )
                problem(f"chat {chat['name']}", reason, fix)
        for name, reason, fix in assumptions(check, reached=bool(me.get("ok"))):
            result["checks"][name] = reason
            if fix:
                problem(name, reason, fix)
    # The test alerts go only to the chats marked for them (verify: true, else the first chat).
    tested = [chat for chat in chats if chat.get("test", True)]
    for chat in tested:
        for leg in (raw.get("down") or {}, raw.get("up") or {}):
            moved = ((leg.get("receipts") or {}).get(chat["key"]) or {}).get("to")
            note = _upgraded(chat["id"], moved) if moved else ""
            if note and note not in result["notes"]:
                result["notes"].append(note)
    if not tested:
        problem(
            "tests",
            "no chat in routeros_telegram_chats is marked for test alerts: every chat says verify: false",
            "set verify: true on one chat (a chat of the operators, not the busy group) and rerun site.yml",
        )
    for kind in ("down", "up"):
        result[kind] = _leg(kind, raw.get(kind), tested)
        if kind == "up" and not raw.get("up") and not result["down"]["delivered"]:
            result[kind]["reasons"] = ["not tried: the test DOWN was not delivered"]
            continue
        for reason in result[kind]["reasons"]:
            problem(
                kind, f"the test {kind.upper()}: {reason}", "see the checks above; rerun playbooks/verify.yml"
            )
    if raw.get("rebooted"):
        problem("reboot", "the router rebooted during the test", "rerun playbooks/verify.yml once it is up")
    if raw.get("error"):
        problem("api", f"the API session broke: {raw['error']}", "rerun playbooks/verify.yml")
    result["leftovers_removed"] = raw.get("leftovers", 0)
    return {**result, "ok": not problems, "problems": problems}


def table(verdicts: list[dict[str, Any]]) -> str:
    """The summary an operator reads: one line per router, then every reason and its fix."""

    def delay(leg: dict[str, Any]) -> str:
        if leg.get("delivered"):
            return f"delivered within {leg['delay']} s" if leg.get("delay") is not None else "delivered"
        return "NOT delivered"

    lines = [f"{'router':<20} {'result':<6} {'DOWN':<24} UP"]
    for item in verdicts:
        lines.append(
            f"{item['router']:<20} {'ok' if item['ok'] else 'FAIL':<6} {delay(item['down']):<24} "
            + delay(item["up"])
        )
    for item in verdicts:
        for found in item["problems"]:
            lines.append(f"{item['router']}: {found['reason']} -> {found['fix']}")
        lines.extend(f"{item['router']}: {note}" for note in item.get("notes", []))
    return "\n".join(lines) + "\n"


class _Text(html.parser.HTMLParser):
    """The text Telegram shows for HTML markup: tags dropped, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown_text(form_text: str) -> str:
    parser = _Text()
    parser.feed(urllib.parse.unquote(form_text))
    parser.close()
    return html.unescape("".join(parser.parts)).strip()


def inbox_problems(
    messages: list[dict[str, Any]], raw: dict[str, Any], chats: list[dict[str, str]], tag: str = ""
) -> list[str]:
    """Against the lab: each test alert the router says Telegram accepted is in the fake's inbox, in that
    chat (and topic), with exactly the text the router sent when its receipt keeps it; a receipt kept
    short (the notifier keeps each file far below RouterOS's 4095 bytes) names the message by its id, and
    the message must then name the test probe, `tag`."""
    found = []
    for kind in ("down", "up"):
        receipts = (raw.get(kind) or {}).get("receipts") or {}
        for chat in chats:
            receipt = receipts.get(chat["key"]) or {}
            if not receipt.get("ok"):
                continue
            # A group Telegram upgraded is reached at its supergroup, which the receipt names.
            where = str(receipt.get("to") or chat["id"])
            match = [
                m
                for m in messages
                if str(m.get("chat_id")) == where and m.get("message_id") == receipt.get("message_id")
            ]
            if not match:
                found.append(f"the {kind.upper()} for chat {chat['name']} is not in the lab's inbox")
                continue
            message = match[0]
            if chat["topic"] and str(message.get("message_thread_id")) != chat["topic"]:
                found.append(f"the {kind.upper()} for chat {chat['name']} went to another topic")
            text = str(message.get("text", ""))
            if "text" in receipt:
                same = text == shown_text(str(receipt["text"]))
            else:
                same = bool(tag) and tag in text
            if not same:
                found.append(f"the {kind.upper()} for chat {chat['name']} arrived with another text")
    return found


def with_inbox(
    verdict_: dict[str, Any],
    messages: list[dict[str, Any]],
    raw: dict[str, Any],
    chats: list[dict[str, str]],
    tag: str = "",
) -> dict[str, Any]:
    """The verdict, failed by any disagreement between the router's receipts and the lab's inbox."""
    found = [
        {"check": "lab inbox", "reason": reason, "fix": "a bug in the notifier or in the lab"}
        for reason in inbox_problems(messages, raw, chats, tag)
    ]
    return {**verdict_, "ok": verdict_["ok"] and not found, "problems": verdict_["problems"] + found}


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "routeros_verify_verdict": verdict,
            "routeros_verify_table": table,
            "routeros_verify_with_inbox": with_inbox,
        }

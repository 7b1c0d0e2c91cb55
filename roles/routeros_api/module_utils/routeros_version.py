"""The RouterOS versions this toolkit supports: the one place that states them (README.md repeats them).

7.15 is the oldest because the notifier's /tool fetch passes `idle-timeout`, which RouterOS 7.14.3 does not
have (the command trees of tikoci/restraml, docs/7.14.3 and docs/7.15); `:onerror`, `:serialize` and
`:deserialize` came earlier, in 7.13. 7.22 is the newest the lab tests (as well as 7.15): a newer one is
warned about, not refused.

Used by the toolkit's modules (as ansible.module_utils.routeros_version) and, loaded by path, by the
controller-side actions and filters, so that every session checks the same range before its first write.
"""

from __future__ import annotations

import re
from typing import Any

OLDEST = (7, 15)
NEWEST_TESTED = (7, 22)
TESTED = ("7.15", "7.22")
RANGE_TEXT = f"{OLDEST[0]}.{OLDEST[1]} to {NEWEST_TESTED[0]}.{NEWEST_TESTED[1]}"


class UnsupportedVersion(ConnectionError):
    """The router runs a RouterOS this toolkit cannot work with; the message says what to do. A connection
    error, so that every module which reports a refused connection reports this one too."""


def release(text: str) -> tuple[int, int] | None:
    """Major and minor of a version as /system/resource prints it (`7.21.4 (stable)`, `7.23beta2`)."""
    found = re.match(r"\s*(\d+)\.(\d+)", text)
    return (int(found.group(1)), int(found.group(2))) if found else None


def judge(text: str, router: str) -> str:
    """'' for a supported version, a warning for one newer than the newest tested; an older or unreadable
    version raises UnsupportedVersion, naming the router, its version, the range and the remedy."""
    found = release(text)
    if found is None or found < OLDEST:
        raise UnsupportedVersion(
            f"{router}: RouterOS {text.strip() or '(no version)'} is not supported: this toolkit needs "
            f"RouterOS {OLDEST[0]}.{OLDEST[1]} or newer (supported {RANGE_TEXT}); nothing was written. "
            "Upgrade RouterOS on the router (System > Packages > Check For Updates, or /system package "
            "update install), then rerun"
        )
    if found > NEWEST_TESTED:
        return (
            f"{router}: RouterOS {text.strip()} is newer than {NEWEST_TESTED[0]}.{NEWEST_TESTED[1]}, the "
            f"newest this toolkit is tested on (supported {RANGE_TEXT}): run playbooks/verify.yml to prove "
            "alerting works there"
        )
    return ""


def read(api: Any) -> str:
    """The version a logged-in librouteros session's router reports (one print of /system/resource)."""
    return str(next(iter(api.path("system", "resource"))).get("version", ""))

"""/system (identity, resource, clock, scripts, scheduler, logging), /log and /file."""

from __future__ import annotations

from datetime import UTC

from lab import errors, jobs, storage, values
from lab.clock import zone_names
from lab.menus.base import ID_WORDS, READ_ONLY, MenuSpec, Props, RouterView, Unique
from lab.model import Item

IDENTITY = MenuSpec(path="system/identity", single=True, initial=lambda router: [{"name": "MikroTik"}])


def _resource(router: RouterView, item: Item) -> Props:
    return {
        "uptime": values.format_duration(router.uptime_ms // 1000 * 1000),
        "version": f"{router.version} (stable)",
        "build-time": "2026-01-01 00:00:00",
        "factory-software": "7.1",
        "free-memory": "200000000",
        "total-memory": "268435456",
        "cpu": "lab",
        "cpu-count": "1",
        "cpu-frequency": "1000",
        "cpu-load": "1",
        "free-hdd-space": "80000000",
        "total-hdd-space": "134217728",
        "architecture-name": "x86_64",
        "board-name": "CHR lab",
        "platform": "MikroTik",
    }


RESOURCE = MenuSpec(path="system/resource", single=True, derive=_resource)

# ----- clock: `set time=` and `set date=` move the router's clock; the other settings are stored.


def _clock_derive(router: RouterView, item: Item) -> Props:
    local = router.clock.local()
    return {
        "time": router.clock.time_text(),
        "date": router.clock.date_text(),
        "gmt-offset": router.clock.gmt_offset(),
        "dst-active": "true" if local.dst() else "false",
    }


def _clock_check(router: RouterView, props: Props, current: Item | None) -> None:
    # A router lists the tz database's names (the command tree's dump leaves the list empty).
    zone = props.get("time-zone-name")
    if zone is not None:
        if zone not in zone_names():
            raise errors.no_match("time-zone-name")
        router.clock.zone = zone
    # `time=` and `date=` are local time.
    moment = router.clock.local()
    if "date" in props:
        try:
            year, month, day = router.clock.parse_date(props.pop("date"))
            moment = moment.replace(year=year, month=month, day=day)
        except ValueError:
            raise errors.invalid_value("date", "") from None
    if "time" in props:
        try:
            hour, minute, second = (int(part) for part in props.pop("time").split(":"))
            moment = moment.replace(hour=hour, minute=minute, second=second)
        except ValueError:
            raise errors.invalid_value("time", "") from None
    if moment != router.clock.now():
        router.clock.set(moment.astimezone(UTC))


def _clock_boot(router: RouterView) -> None:
    for item in router.state.table("system/clock").items:
        router.clock.zone = item.props.get("time-zone-name", "manual")


CLOCK = MenuSpec(
    path="system/clock",
    single=True,
    # Autodetection asks MikroTik's cloud, which the lab has not: the zone stays what was set.
    defaults={"time-zone-autodetect": "true", "time-zone-name": "manual"},
    check=_clock_check,
    derive=_clock_derive,
    boot=_clock_boot,
)

# ----- NTP client (v7): the lab has no NTP server to ask, so its clock stays as set (`ctl clock`).


def _ntp_check(router: RouterView, props: Props, current: Item | None) -> None:
    servers = props.get("servers")
    if servers is None:
        return
    for server in (part for part in servers.split(",") if part):
        try:
            values.to_ip(server)
        except ValueError:
            if not values.is_hostname(server):
                raise errors.invalid_value("servers", servers) from None


def _ntp_derive(router: RouterView, item: Item) -> Props:
    enabled = values.is_true(item.props.get("enabled", "false"))
    return {"status": "waiting" if enabled else "stopped", "freq-drift": "0 PPM"}


NTP_CLIENT = MenuSpec(
    path="system/ntp/client",
    single=True,
    defaults={"enabled": "false", "mode": "unicast", "servers": "", "vrf": "main"},
    kinds={"servers": "text", "mode": "enum"},
    check=_ntp_check,
    derive=_ntp_derive,
)

# ----- scripts and scheduler (storage here; running them is the script engine's job)

ALL_POLICIES = "ftp,reboot,read,write,policy,test,password,sniff,sensitive,romon"


def _set_owner(router: RouterView, props: Props, current: Item | None) -> None:
    """A new script or schedule belongs to the user who adds it (the lab's own calls: admin), as on a router,
    so that what it runs later runs with that user's policies."""
    props.setdefault("owner", jobs.acting_user() or router.admin_user)


def _script_derive(router: RouterView, item: Item) -> Props:
    return {"run-count": item.props.get("run-count", "0"), "invalid": "false"}


def _references(args: Props) -> list[str]:
    reference = args.get(".id") or args.get("number") or args.get("numbers") or ""
    return [part for part in reference.split(",") if part]


def count_run(script: Item) -> None:
    """A run of a /system/script entry, however it was started (`run` over the API or in a script, the
    scheduler naming it): `run-count` is how many times the script was executed (manual, Scripting)."""
    script.props["run-count"] = str(int(script.props.get("run-count", "0")) + 1)


# API trap categories (API manual): a script that failed, and the value a script gave with `:return`.
SCRIPT_FAILURE = 3
RETURNED_VALUE = 7


def _run_script(router: RouterView, args: Props) -> None:
    """`/system/script/run` over the API: the script runs as the API user, with that user's globals and
    policies (limited by the script's own, manual "Script permissions"), as a job (lab.jobs) in the API's
    worker thread; the API answers when it has finished. Its error comes back as a trap (and goes to the log);
    a value it gave with a top-level `:return` comes back as a trap of category 7, as the API manual's
    categories describe.

    Inside a script, `/system script run` runs in the caller's thread instead (lab.script.menu). Called by
    the lab itself, with no user acting, the script runs as its owner.
    """
    with router.lock:
        item = router.resolve(SCRIPT, next(iter(_references(args)), ""))
        name = item.props.get("name", item.id)
        caller = jobs.acting_user() or item.props.get("owner", router.admin_user)
        own = args.get("use-script-permissions", "no") in ("", "yes", "true")
        row = router.printed(SCRIPT, item)
        source = item.props.get("source", "")
    policies = jobs.named_run_policies(jobs.user_policies(router, caller), row, own=own)
    if policies is None:
        raise errors.CommandError(errors.NOT_ENOUGH_PERMISSIONS)
    with router.lock:
        count_run(item)
    result = jobs.run_here(router, source, caller, f"script {name}", script=name, policies=policies)
    if result is None:
        return
    if result.error is not None:
        raise errors.CommandError(result.error, SCRIPT_FAILURE)
    if result.value is not None:
        raise errors.CommandError(result.value, RETURNED_VALUE)


SCRIPT = MenuSpec(
    path="system/script",
    unnamed="script",
    defaults={"source": "", "policy": ALL_POLICIES, "dont-require-permissions": "false"},
    kinds={"policy": "enum-list", "source": "text"},
    unique=(Unique(("name",), "script with such name already exists"),),
    check=_set_owner,
    derive=_script_derive,
    commands={"run": _run_script},
    options={"run": frozenset({"use-script-permissions"})},
    # A run lasts as long as the script: it takes the router lock only around state, as fetch does.
    unlocked=frozenset({"run"}),
)


def _remove_job(router: RouterView, args: Props) -> None:
    """Stops the script; its row goes when the script has stopped, at its next statement or wait."""
    if not any(word in args for word in ID_WORDS):
        raise errors.missing_value("numbers")
    for reference in _references(args):
        router.script_jobs.stop(router, router.resolve(SCRIPT_JOB, reference).id)


# Read-only rows of the scripts running now, kept by lab.jobs.
SCRIPT_JOB = MenuSpec(
    path=jobs.PATH, kinds={"script": "text"}, generic=READ_ONLY, commands={"remove": _remove_job}
)

SCHEDULER = MenuSpec(
    path="system/scheduler",
    defaults={
        "start-time": "startup",
        "interval": "0s",
        "on-event": "",
        "policy": ALL_POLICIES,
        "disabled": "false",
    },
    kinds={"interval": "duration", "policy": "enum-list", "on-event": "text"},
    unique=(Unique(("name",), "item with such name already exists"),),
    check=_set_owner,
    derive=lambda router, item: {"run-count": item.props.get("run-count", "0")},
)

_LOG_RULES = (("info", "memory"), ("error", "memory"), ("warning", "memory"), ("critical", "echo"))

LOGGING = MenuSpec(
    path="system/logging",
    defaults={"prefix": "", "disabled": "false", "invalid": "false", "default": "false", "regex": ""},
    kinds={"topics": "text"},
    initial=lambda router: [{"topics": t, "action": a, "default": "true"} for t, a in _LOG_RULES],
    protect=lambda item: (
        "can not remove default logging rule" if item.props.get("default") == "true" else None
    ),
)


_LOG_LEVELS = ("info", "warning", "error", "debug")


def _log_command(level: str) -> object:
    def handler(router: RouterView, args: Props) -> None:
        router.log(f"script,{level}", args.get("message", ""))

    return handler


LOG = MenuSpec(
    path="log",
    defaults={"buffer": "memory"},
    # Read-only, so the command tree has no argument to type them; a script reads them as text.
    kinds={"message": "text", "topics": "text"},
    generic=READ_ONLY,
    commands={level: _log_command(level) for level in _LOG_LEVELS},  # type: ignore[misc]
    options=dict.fromkeys(_LOG_LEVELS, frozenset({"message"})),
)

# ----- files
#
# Strict facts of real storage (lab.storage, lab/README.md "Storage"): `add`/`set` keep at most 4095 bytes of
# contents and a read of a larger file's contents gives ""; a ram-root board lists `flash` as a disk and
# loses what lies outside it on reboot; every change goes into the journal `ctl powercut` spoils.

# The key under which `check` leaves a new file's former state (none) for `after`; a file that exists goes by
# its id.
_NEW = ""


def _file_derive(router: RouterView, item: Item) -> Props:
    derived = {
        "type": item.props.get("type", "file"),
        "last-modified": item.props.get("last-modified", router.clock.stamp()),
    }
    if derived["type"] not in ("directory", "disk"):
        size = len(storage.encoded(item.props.get("contents", "")))
        derived["size"] = str(size)
        if size > storage.CONTENTS_LIMIT:
            derived["contents"] = ""
    return derived


def _file_check(router: RouterView, props: Props, current: Item | None) -> None:
    if props.get("type") == "disk" or (current is not None and current.props.get("type") == "disk"):
        raise errors.failure(f"/file {props.get('name', '')}: a disk cannot be made or changed")
    props["last-modified"] = router.clock.stamp()
    for parent in _parents(props.get("name", "")):
        found = router.find_by(FILE, "name", parent)
        if found is not None and found.props.get("type") not in ("directory", "disk"):
            raise errors.not_supported(f"/file name {props['name']}: a path through the file {parent}")
    key = current.id if current is not None else _NEW
    router.file_journal.pending[key] = None if current is None else dict(current.props)


def _parents(name: str) -> list[str]:
    parts = [part for part in name.split("/") if part]
    return ["/".join(parts[:end]) for end in range(1, len(parts))]


def _make_parents(router: RouterView, item: Item) -> None:
    """RouterOS 7.9+ makes the directories a new file's name passes through; they list as type=directory."""
    table = router.state.table("file")
    names = {other.props.get("name") for other in table.items}
    for parent in _parents(item.props.get("name", "")):
        if parent not in names:
            directory = {"name": parent, "type": "directory", "last-modified": router.clock.stamp()}
            table.items.insert(table.items.index(item), Item(id=table.new_id(), props=directory))
            names.add(parent)
            router.file_journal.record(parent, None, directory)


def _file_after(router: RouterView, item: Item, action: str) -> None:
    before = router.file_journal.pending.pop(item.id if action == "set" else _NEW, None)
    contents = item.props.get("contents")
    written = 0
    # Only contents this command wrote are cut: a rename leaves a bigger file (fetch's) as it is.
    if contents is not None and (before is None or before.get("contents") != contents):
        item.props["contents"] = storage.within_limit(contents)
        written = len(storage.encoded(item.props["contents"]))
    item.props["last-modified"] = router.clock.stamp()
    _make_parents(router, item)
    _journal(router, before, item.props)
    router.file_stats.count(written)


def _journal(router: RouterView, before: Props | None, after: Props | None) -> None:
    """A rename is the old name gone and the new one made, as a power cut sees two directory entries."""
    old = None if before is None else before.get("name", "")
    new = None if after is None else after.get("name", "")
    if old is not None and new is not None and old != new:
        router.file_journal.record(old, before, None)
        router.file_journal.record(new, None, after)
    else:
        router.file_journal.record(old or new or "", before, after)


def store_file(router: RouterView, name: str, contents: str) -> None:
    """Writes a whole file as the router's own writers do (fetch `output=file`, `:execute file=`, `/export
    file=`, certificate export): without the 4095-byte limit of `/file add|set contents=`, which only that
    command has. Makes the directories on the way; counted and journaled as any write."""
    existing = router.find_by(FILE, "name", name)
    if existing is not None and existing.props.get("type") in ("directory", "disk"):
        raise errors.failure(f"/file {name}: a {existing.props['type']} cannot be written as a file")
    before = None if existing is None else dict(existing.props)
    stamp = router.clock.stamp()
    if existing is None:
        table = router.state.table("file")
        existing = Item(id=table.new_id(), props={"name": name, "contents": contents, "last-modified": stamp})
        table.items.append(existing)
        _make_parents(router, existing)
    else:
        existing.props.update({"contents": contents, "last-modified": stamp})
    _journal(router, before, existing.props)
    router.file_stats.count(len(storage.encoded(contents)))
    router.save()


def _remove_files(router: RouterView, args: Props) -> None:
    """Removes files; a directory only together with what it holds (the lab does not empty directories);
    never a disk (the board's `flash`)."""
    table = router.state.table("file")
    targets = [router.resolve(FILE, reference) for reference in _references(args)]
    if not targets:
        raise errors.missing_value("numbers")
    for item in targets:
        inside = item.props.get("name", "") + "/"
        if item.props.get("type") == "disk":
            raise errors.failure(f"/file remove {item.props.get('name', '')}: a disk cannot be removed")
        if item.props.get("type") == "directory" and any(
            other.props.get("name", "").startswith(inside) and other not in targets for other in table.items
        ):
            raise errors.not_supported("/file remove of a directory that is not empty")
    table.items = [item for item in table.items if item not in targets]
    for item in targets:
        router.file_journal.record(item.props.get("name", ""), item.props, None)
    router.save()


def _file_boot(router: RouterView) -> None:
    """A boot empties the write-back cache (its journal) and, on a ram-root board, the RAM disk."""
    router.file_journal.clear()
    if storage.ram_files(router.state):
        storage.drop_ram_files(router.state)
        router.save()


FILE = MenuSpec(
    path="file",
    kinds={"contents": "text"},
    unique=(Unique(("name",), "file already exists"),),
    check=_file_check,
    derive=_file_derive,
    after=_file_after,
    boot=_file_boot,
    commands={"remove": _remove_files},
)

SPECS = (
    IDENTITY,
    RESOURCE,
    CLOCK,
    NTP_CLIENT,
    SCRIPT,
    SCRIPT_JOB,
    SCHEDULER,
    LOGGING,
    LOG,
    FILE,
)

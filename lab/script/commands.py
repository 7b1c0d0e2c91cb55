"""The global `:` commands: variables, control flow, conversions, output and the few that reach the router."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from typing import TYPE_CHECKING

from lab import dns, errors
from lab.errors import CommandError
from lab.script import formats
from lab.script.operators import with_element
from lab.script.syntax import Binary, Element, Expr, Group, StringLit, Variable, Word
from lab.script.values import (
    NIL,
    NOTHING,
    Code,
    Duration,
    ReturnSignal,
    ScriptArray,
    ScriptError,
    Value,
    from_router,
    not_supported,
    parse_ip,
    parse_text,
    to_text,
    toarray,
    tobool,
    toid,
    toip,
    toip6,
    tonsec,
    tonum,
    tostr,
    totime,
    typeof,
)

if TYPE_CHECKING:
    from lab.script.evaluator import Call, Interpreter

Handler = Callable[["Interpreter", "Call"], Value]
COMMANDS: dict[str, Handler] = {}

LOG_LEVELS = ("info", "warning", "error", "debug")


def command(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = handler
        return handler

    return register


def _arg(it: Interpreter, call: Call, position: int, name: str | None = None) -> Value:
    """The value given by position or, where RouterOS allows it, by name; nothing when absent."""
    if name is not None and name in call.named:
        return it.optional(call.named[name], call.scope, call.menu)
    if position < len(call.positional):
        return it.value(call.positional[position], call.scope, call.menu)
    return NOTHING


def _name(call: Call, what: str) -> str:
    """A variable name: a bare word or a quoted string, never evaluated."""
    element = call.positional[0] if call.positional else None
    if isinstance(element, Word):
        return element.text
    if isinstance(element, StringLit):
        return element.value
    raise ScriptError(f":{call.name} needs a {what} name as its first argument")


def _new_value(it: Interpreter, call: Call) -> Value | None:
    if len(call.positional) > 1:
        return it.value(call.positional[1], call.scope, call.menu)
    if "do" in call.named:
        return Code(it.code_of(call.named["do"], "do="))
    return None


# ----- variables


@command("local")
def _local(it: Interpreter, call: Call) -> Value:
    value = _new_value(it, call)
    call.scope.declare_local(_name(call, "variable"), NOTHING if value is None else value)
    return NOTHING


@command("global")
def _global(it: Interpreter, call: Call) -> Value:
    call.scope.declare_global(_name(call, "variable"), _new_value(it, call))
    return NOTHING


@command("set")
def _set(it: Interpreter, call: Call) -> Value:
    value = _new_value(it, call)
    new = NOTHING if value is None else value
    target = call.positional[0] if call.positional else None
    if isinstance(target, Group):
        name, keys = _element_path(it, call, target)
        call.scope.assign(name, with_element(call.scope.lookup(name), keys, new))
        return NOTHING
    # `:set $name value` names the variable as `:set name value` does: real scripts write it so
    # (eworm-de/routeros-scripts' InspectVarReturn, `:set $Return ($Return . ...)`).
    name = target.name if isinstance(target, Variable) else _name(call, "variable")
    if value is None:
        # "Set command without value will un-define the variable (remove from environment)" (manual).
        call.scope.unset(name)
        return NOTHING
    call.scope.assign(name, new)
    return NOTHING


def _element_path(it: Interpreter, call: Call, group: Group) -> tuple[str, list[Value]]:
    """`($a->"k"->0)`: the variable and the keys, evaluated left to right (manual, Operations with Arrays)."""
    nodes: list[Expr] = []
    node: Element | Expr = group
    while True:
        if isinstance(node, Group) and len(node.exprs) == 1:
            node = node.exprs[0]
        elif isinstance(node, Binary) and node.op == "->":
            nodes.append(node.right)
            node = node.left
        else:
            break
    if not isinstance(node, Variable) or not nodes:
        raise ScriptError(":set needs a variable name or ($variable->key) as its first argument")
    return node.name, [it.value(key, call.scope, call.menu) for key in reversed(nodes)]


# ----- control flow


@command("if")
def _if(it: Interpreter, call: Call) -> Value:
    if not call.positional:
        raise ScriptError(":if needs a condition in ( )")
    if it.condition(call.positional[0], call.scope, call.menu):
        return it.run_child(it.code_of(call.named.get("do"), "do="), call.scope, call.menu)
    if "else" in call.named:
        return it.run_child(it.code_of(call.named["else"], "else="), call.scope, call.menu)
    return NOTHING


@command("do")
def _do(it: Interpreter, call: Call) -> Value:
    body = it.code_of(call.positional[0] if call.positional else call.named.get("do"), "the :do body")
    if "while" in call.named:
        while True:
            it.run_child(body, call.scope, call.menu)
            if not it.condition(call.named["while"], call.scope, call.menu):
                return NOTHING
    if "on-error" not in call.named:
        return it.run_child(body, call.scope, call.menu)
    handler = it.code_of(call.named["on-error"], "on-error=")
    try:
        return it.run_child(body, call.scope, call.menu)
    except ScriptError:
        return it.run_child(handler, call.scope, call.menu)


@command("onerror")
def _onerror(it: Interpreter, call: Call) -> Value:
    """`:onerror e in={...} do={...}` (7.13+), as the manual writes it in every form: the code to try as `in=`
    or as the unnamed argument after the variable (`:onerror e {...} do={...}`), `do=` left out (the error is
    caught and nothing more happens, 7.15), and two variables (`:onerror err,attr in={...} do={...}`): the
    first gets the error text, the second the error's attributes as an array (a fetch's `code` and
    `http-headers`, 7.22), or nothing when the error has none. Answers whether an error happened; `:return`
    and `:error` in the blocks go on as usual."""
    names = _onerror_names(call)
    body = (
        call.named["in"] if "in" in call.named else (call.positional[1] if len(call.positional) > 1 else None)
    )
    if len(call.positional) > 2 or ("in" in call.named and len(call.positional) > 1):
        raise not_supported(":onerror with more unnamed arguments than the variable and the code")
    try:
        it.run_child(it.code_of(body, "in="), call.scope, call.menu)
    except ScriptError as error:
        if "do" not in call.named:
            return True
        scope = call.scope.child()
        scope.declare_local(names[0], error.message)
        if len(names) == 2:
            scope.declare_local(names[1], _attributes_value(error.attributes))
        it.run_block(it.code_of(call.named["do"], "do="), scope, call.menu)
        return True
    return False


def _onerror_names(call: Call) -> list[str]:
    text = _name(call, "variable")
    names = text.split(",")
    if len(names) > 2 or not all(names):
        raise ScriptError(
            f":onerror takes one variable, or two for the error's attributes (err,attr), got {text}"
        )
    return names


def _attributes_value(attributes: dict[str, str] | None) -> Value:
    if attributes is None:
        return NOTHING
    return ScriptArray(named={key: from_router(text) for key, text in attributes.items()})


@command("retry")
def _retry(it: Interpreter, call: Call) -> Value:
    """`:retry command={...} delay=[num] max=[num] on-error={...}` (7.4): runs the command up to `max` times,
    waiting `delay` seconds (or a time: `delay=500ms`) between tries, until it succeeds. When every try
    failed, `on-error=` runs instead, or else the last error goes on to the caller (to `:onerror`, as the
    manual's `:onerror e {:retry command={abc} delay=1 max=2} do={:put "got error"}` shows)."""
    unknown = sorted(set(call.named) - {"command", "delay", "max", "on-error"})
    if unknown:
        raise ScriptError(f"unknown parameter {unknown[0]}")
    command_element = call.named.get("command", call.positional[0] if call.positional else None)
    body = it.code_of(command_element, "command=")
    for given in ("delay", "max"):
        if given not in call.named:
            raise not_supported(f":retry without {given}= (RouterOS's default is not documented)")
    delay = _retry_delay(_arg(it, call, 99, "delay"))
    tries = _number(_arg(it, call, 99, "max"), "max=")
    if tries < 1:
        raise not_supported(f":retry max={tries}")
    job = it.context.job
    for attempt in range(1, tries + 1):
        try:
            return it.run_child(body, call.scope, call.menu)
        except ScriptError:
            if attempt == tries:
                if "on-error" in call.named:
                    return it.run_child(
                        it.code_of(call.named["on-error"], "on-error="), call.scope, call.menu
                    )
                raise
        if job.cancelled.wait(delay.ms / 1000) or job.stopped:
            raise ScriptError("interrupted")
    return NOTHING


def _retry_delay(value: Value) -> Duration:
    if isinstance(value, int) and not isinstance(value, bool):
        return Duration(value * 1000)
    converted = totime(value)
    if isinstance(converted, Duration) and converted.ms >= 0:
        return converted
    raise ScriptError(f"invalid value for argument delay: {tostr(value)}")


@command("foreach")
def _foreach(it: Interpreter, call: Call) -> Value:
    names = _name(call, "loop variable").split(",")
    if len(names) > 2 or not all(names):
        raise ScriptError(f":foreach takes one or two loop variables (k,v), got {','.join(names)}")
    collection = it.optional(call.named.get("in"), call.scope, call.menu)
    if isinstance(collection, ScriptArray):
        entries: list[tuple[Value, Value]] = list(collection.entries())
    elif collection is NOTHING:
        entries = []
    else:
        entries = [(0, collection)]
    body = it.code_of(call.named.get("do"), "do=")
    for key, value in entries:
        scope = call.scope.child()
        if len(names) == 2:
            scope.declare_local(names[0], key)
        scope.declare_local(names[-1], value)
        it.run_block(body, scope, call.menu)
    return NOTHING


def _number(value: Value, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    converted = tonum(value)
    if isinstance(converted, int) and not isinstance(converted, bool):
        return converted
    raise ScriptError(f"{what} must be a number, got {typeof(value)} {tostr(value)!r}")


@command("for")
def _for(it: Interpreter, call: Call) -> Value:
    name = _name(call, "loop variable")
    start = _number(_arg(it, call, 99, "from"), "from=")
    end = _number(_arg(it, call, 99, "to"), "to=")
    step = (
        _number(_arg(it, call, 99, "step"), "step=") if "step" in call.named else (1 if end >= start else -1)
    )
    if step == 0:
        raise ScriptError("step= must not be 0")
    body = it.code_of(call.named.get("do"), "do=")
    current = start
    while (step > 0 and current <= end) or (step < 0 and current >= end):
        scope = call.scope.child()
        scope.declare_local(name, current)
        it.run_block(body, scope, call.menu)
        current += step
    return NOTHING


@command("while")
def _while(it: Interpreter, call: Call) -> Value:
    condition = call.positional[0] if call.positional else None
    body = it.code_of(call.named.get("do"), "do=")
    while it.condition(condition, call.scope, call.menu):
        it.run_child(body, call.scope, call.menu)
    return NOTHING


@command("return")
def _return(it: Interpreter, call: Call) -> Value:
    raise ReturnSignal(_arg(it, call, 0, "value"))


@command("error")
def _error(it: Interpreter, call: Call) -> Value:
    raise ScriptError(tostr(_arg(it, call, 0, "message")))


# ----- output


@command("put")
def _put(it: Interpreter, call: Call) -> Value:
    it.context.output.append(to_text(tostr(_arg(it, call, 0, "message"))))
    return NOTHING


@command("log")
def _log(it: Interpreter, call: Call) -> Value:
    level = tostr(_arg(it, call, 0)) if call.positional else ""
    if level not in LOG_LEVELS:
        raise ScriptError(f"bad command name {level!r} for :log (use one of {', '.join(LOG_LEVELS)})")
    message = to_text(tostr(_arg(it, call, 1, "message")))
    it.context.router.execute("log", level, {"message": message})
    return NOTHING


# ----- strings, arrays and conversions


@command("len")
def _len(it: Interpreter, call: Call) -> Value:
    value = _arg(it, call, 0)
    if isinstance(value, ScriptArray):
        return len(value)
    return len(tostr(value))


def _slice_bounds(size: int, start: int, end: int | None) -> tuple[int, int]:
    start = max(start, 0)
    stop = start + 1 if end is None else min(end, size)
    return start, stop


@command("pick")
def _pick(it: Interpreter, call: Call) -> Value:
    value = _arg(it, call, 0)
    start = _number(_arg(it, call, 1), ":pick start")
    end = _number(_arg(it, call, 2), ":pick end") if len(call.positional) > 2 else None
    if isinstance(value, ScriptArray):
        values = value.values()
        low, high = _slice_bounds(len(values), start, end)
        if end is None:
            return values[low] if low < len(values) else NOTHING
        return ScriptArray(items=values[low:high])
    text = tostr(value)
    low, high = _slice_bounds(len(text), start, end)
    return text[low:high]


@command("find")
def _find(it: Interpreter, call: Call) -> Value:
    """Position of the first match after `start` (default -1: from the beginning); nil when there is none."""
    haystack = _arg(it, call, 0)
    needle = _arg(it, call, 1)
    start = _number(_arg(it, call, 2), ":find start") if len(call.positional) > 2 else -1
    if isinstance(haystack, ScriptArray):
        for position, item in enumerate(haystack.values()):
            if position > start and type(item) is type(needle) and item == needle:
                return position
        return NIL
    found = tostr(haystack).find(tostr(needle), start + 1)
    return NIL if found < 0 else found


@command("tostr")
def _tostr(it: Interpreter, call: Call) -> Value:
    return tostr(_arg(it, call, 0))


@command("tonum")
def _tonum(it: Interpreter, call: Call) -> Value:
    return tonum(_arg(it, call, 0))


@command("tocrlf")
def _tocrlf(it: Interpreter, call: Call) -> Value:
    """Line ends as CR LF (a CR LF already there stays one)."""
    return tostr(_arg(it, call, 0, "value")).replace("\r\n", "\n").replace("\n", "\r\n")


@command("tolf")
def _tolf(it: Interpreter, call: Call) -> Value:
    """Line ends as LF: each CR LF becomes LF."""
    return tostr(_arg(it, call, 0, "value")).replace("\r\n", "\n")


@command("tobool")
def _tobool(it: Interpreter, call: Call) -> Value:
    return tobool(_arg(it, call, 0))


@command("toip")
def _toip(it: Interpreter, call: Call) -> Value:
    return toip(_arg(it, call, 0))


@command("totime")
def _totime(it: Interpreter, call: Call) -> Value:
    return totime(_arg(it, call, 0))


@command("toip6")
def _toip6(it: Interpreter, call: Call) -> Value:
    return toip6(_arg(it, call, 0, "value"))


@command("toid")
def _toid(it: Interpreter, call: Call) -> Value:
    return toid(_arg(it, call, 0, "value"))


@command("tonsec")
def _tonsec(it: Interpreter, call: Call) -> Value:
    return tonsec(_arg(it, call, 0, "value"))


# ----- random values


@command("rndnum")
def _rndnum(it: Interpreter, call: Call) -> Value:
    """`:rndnum from=[num] to=[num]`: a random number from `from` to `to`, both included."""
    for name, position in (("from", 0), ("to", 1)):
        if name not in call.named and len(call.positional) <= position:
            raise ScriptError(errors.missing_value(name).message)
    low = _number(_arg(it, call, 0, "from"), "from=")
    high = _number(_arg(it, call, 1, "to"), "to=")
    if low > high:
        raise not_supported(f":rndnum from={low} to={high} (from greater than to)")
    return low + secrets.randbelow(high - low + 1)


# "defaults to all ASCII letters and numerals" (manual, :rndstr).
RNDSTR_ALPHABET = string.ascii_letters + string.digits
RNDSTR_LENGTH = 16


@command("rndstr")
def _rndstr(it: Interpreter, call: Call) -> Value:
    """`:rndstr from=[str] length=[num]`: `length` (16) characters drawn from `from` (letters and digits)."""
    alphabet = RNDSTR_ALPHABET
    if "from" in call.named or call.positional:
        alphabet = tostr(_arg(it, call, 0, "from"))
    length = RNDSTR_LENGTH
    if "length" in call.named or len(call.positional) > 1:
        length = _number(_arg(it, call, 1, "length"), "length=")
    if not alphabet:
        raise ScriptError("invalid value for argument from: it has no characters to draw from")
    if length < 0:
        raise ScriptError(f"invalid value for argument length: {length}")
    return "".join(secrets.choice(alphabet) for _ in range(length))


@command("toarray")
def _toarray(it: Interpreter, call: Call) -> Value:
    """`:toarray "a,b"` splits at commas (at `delimiter=`, 7.21+) and parses each element as RouterOS parses
    text (lab.script.values.parse_text)."""
    _parameters(it, call, TOARRAY_PARAMETERS, {"value", "delimiter"})
    delimiter = tostr(_arg(it, call, 99, "delimiter")) if "delimiter" in call.named else ","
    if not 1 <= len(delimiter) <= 3:
        raise ScriptError(f"invalid value for argument delimiter: {delimiter!r} (1 to 3 characters)")
    return toarray(_arg(it, call, 0, "value"), delimiter)


@command("typeof")
def _typeof(it: Interpreter, call: Call) -> Value:
    return typeof(_arg(it, call, 0))


@command("nothing")
def _nothing(it: Interpreter, call: Call) -> Value:
    return NOTHING


def _parameters(it: Interpreter, call: Call, known: dict[str, tuple[int, int]], emulated: set[str]) -> None:
    """Refuses a named argument the router's command does not have (those of `known` from the release its
    version names, from tikoci/restraml's command trees), and one the lab does not emulate by name."""
    version = it.context.router.version_tuple
    for name in call.named:
        since = known.get(name)
        if since is None or version < since:
            raise ScriptError(errors.unknown_parameter(name).message)
        if name not in emulated:
            raise not_supported(f":{call.name} {name}=")


# The release that brought each argument, from tikoci/restraml's command trees (docs/<version>/inspect.json).
CONVERT_PARAMETERS = {
    **dict.fromkeys(("value", "from", "to", "from-scheme", "to-scheme"), (7, 11)),
    **dict.fromkeys(("transform", "transform-scheme"), (7, 12)),
}
SERIALIZE_PARAMETERS = {
    **dict.fromkeys(("value", "to"), (7, 13)),
    **dict.fromkeys(("options", "delimiter", "order"), (7, 16)),
    "file-name": (7, 18),
}
DESERIALIZE_PARAMETERS = {
    **dict.fromkeys(("value", "from"), (7, 13)),
    **dict.fromkeys(("options", "delimiter"), (7, 16)),
}
TOARRAY_PARAMETERS = {"value": (7, 0), "delimiter": (7, 21)}
NO_STRING_CONVERSION = "json.no-string-conversion"
SERIALIZE_KEEPS_TEXT = (7, 17)


@command("convert")
def _convert(it: Interpreter, call: Call) -> Value:
    """Without `from=`, RouterOS converts "an automatically parsed value" (manual: "001" becomes 1, "10.1"
    becomes 10.0.0.1; `:put [:convert 001 to=hex]` is 31): the value itself without `to=`, else its print
    form encoded."""
    _parameters(it, call, CONVERT_PARAMETERS, {"value", "from", "to"})
    value = _arg(it, call, 0, "value")
    target = tostr(_arg(it, call, 99, "to")) if "to" in call.named else "raw"
    if "from" not in call.named:
        parsed = parse_text(value) if isinstance(value, str) else value
        return parsed if "to" not in call.named else formats.convert(tostr(parsed), "raw", target)
    return formats.convert(tostr(value), tostr(_arg(it, call, 99, "from")), target)


@command("serialize")
def _serialize(it: Interpreter, call: Call) -> Value:
    _parameters(it, call, SERIALIZE_PARAMETERS, {"value", "to", "options"})
    if tostr(_arg(it, call, 99, "to")) != "json":
        raise ScriptError("invalid value for argument to: the lab serializes to=json only")
    options = tostr(_arg(it, call, 99, "options")) if "options" in call.named else ""
    keeps_text = it.context.router.version_tuple >= SERIALIZE_KEEPS_TEXT
    if options and (options != NO_STRING_CONVERSION or not keeps_text):
        # 7.16 knows only json.pretty, which the lab does not emulate (restraml's trees).
        raise not_supported(f":serialize options={options}")
    return formats.serialize(_arg(it, call, 0, "value"), convert_strings=not options)


@command("deserialize")
def _deserialize(it: Interpreter, call: Call) -> Value:
    """`options=json.no-string-conversion` (7.16+) keeps JSON strings text; without it each is parsed as
    RouterOS parses text (lab.script.values.parse_text)."""
    _parameters(it, call, DESERIALIZE_PARAMETERS, {"value", "from", "options"})
    source = tostr(_arg(it, call, 99, "from"))
    if source == "dsv" and it.context.router.version_tuple >= DESERIALIZE_PARAMETERS["delimiter"]:
        raise not_supported(":deserialize from=dsv")
    if source != "json":
        raise ScriptError(f"invalid value for argument from: {source} (the lab deserializes from=json only)")
    options = tostr(_arg(it, call, 99, "options")) if "options" in call.named else ""
    if options not in ("", NO_STRING_CONVERSION):
        raise ScriptError(f"invalid value for argument options: {options} (accepted: {NO_STRING_CONVERSION})")
    return formats.deserialize(tostr(_arg(it, call, 0, "value")), convert_strings=not options)


# ----- time and the router


@command("timestamp")
def _timestamp(it: Interpreter, call: Call) -> Value:
    """Time since the Unix epoch by the router's clock (so an unsynced clock gives a small value)."""
    return Duration(int(it.context.router.clock.now().timestamp() * 1000))


@command("delay")
def _delay(it: Interpreter, call: Call) -> Value:
    wait = totime(_arg(it, call, 0, "delay-time"))
    if not isinstance(wait, Duration):
        raise ScriptError(
            f"invalid value for argument delay-time: {tostr(_arg(it, call, 0, 'delay-time'))!r}"
        )
    # Sleeps in the script's own thread, without the router lock, and stops early when the job is stopped
    # (a reboot, or `/system script job remove`).
    job = it.context.job
    if job.cancelled.wait(max(wait.ms, 0) / 1000) or job.stopped:
        raise ScriptError("interrupted")
    return NOTHING


@command("resolve")
def _resolve(it: Interpreter, call: Call) -> Value:
    """The router's DNS answer (lab.dns): /ip dns static, then the virtual Internet while the uplink is up."""
    for key in call.named:
        if key != "domain-name":
            raise not_supported(f":resolve {key}=")
    value = _arg(it, call, 0, "domain-name")
    if value is NOTHING:
        raise ScriptError(errors.missing_value("domain-name").message)
    try:
        address = dns.resolve(it.context.router, to_text(tostr(value)))
    except CommandError as error:
        raise ScriptError(error.message) from None
    typed = parse_ip(address)
    if typed is None:
        raise ScriptError(f"the DNS answer {address!r} is not an address")
    return typed


# ----- the environment


@command("environment")
def _environment(it: Interpreter, call: Call) -> Value:
    """`:environment print`: each global of the user running the script as `name=value` (manual:
    `a={x=5; y=2}`, `myBps=71464`), oldest first. `print <start>` and other words are not supported."""
    words = [e.text for e in call.positional if isinstance(e, Word)]
    if words != ["print"] or call.named:
        raise not_supported(f":environment {' '.join(words)}".rstrip())
    context = it.context
    for _, name, value in context.globals.listing(context.user):
        context.output.append(to_text(f"{name}={formats.environment_value(value)}"))
    return NOTHING

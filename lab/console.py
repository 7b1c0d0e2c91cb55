"""The RouterOS command line of one logged-in user: its prompt, and each line typed run as console input.

`/export` and `/export terse` are answered from the configuration (lab.export) as the whole text; everything
else (`/export file=x`, a menu's `export`, what the lab refuses) goes to the script engine as a one-line
script, so the console and scripts cannot disagree. What the console adds to a script run:

- item numbers: the session remembers what each menu's last `print` numbered, so `set 0 comment=x` and
  `remove 1` name those items (lab.script.numbering), for as long as the session lasts;
- a line that is one `print count-only` shows the count, as a router's console does (inside a script the
  command only returns it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lab.export import export
from lab.router import Router
from lab.schema import tree
from lab.script.numbering import ItemNumbers, console_session
from lab.script.syntax import Word, parse
from lab.script.values import from_text

# (router, source, user) -> console output
Runner = Callable[[Router, str, str], str]


@dataclass
class Console:
    """What one logged-in user types and reads."""

    router: Router
    user: str
    runner: Runner
    numbers: ItemNumbers = field(default_factory=ItemNumbers)

    @property
    def prompt(self) -> str:
        identity = self.router.rows("system/identity")[0].get("name", "MikroTik")
        return f"[{self.user}@{identity}] > "

    def run(self, line: str) -> str:
        words = line.strip().split()
        if not words:
            return ""
        if words[0] in ("/export", "export") and set(words[1:]) <= _PLAIN_EXPORT:
            return export(self.router, terse="terse" in words[1:])
        source = f":put [{line.strip().rstrip(';')}]" if _counts(line) else line
        with console_session(self.numbers):
            return self.runner(self.router, source, self.user)


# What RouterOS 7 does by default (`compact`, `hide-sensitive`), and `terse`.
_PLAIN_EXPORT = frozenset({"terse", "compact", "hide-sensitive"})


def _counts(line: str) -> bool:
    """Whether the line is one menu command `print count-only ...`, whose count the console shows."""
    parsed = parse(from_text(line))
    if parsed.error is not None or len(parsed.statements) != 1 or parsed.statements[0].prefix == ":":
        return False
    words = [element.text for element in parsed.statements[0].elements if isinstance(element, Word)]
    options = words[: words.index("where")] if "where" in words else words
    return "count-only" in options and _prints(words)


def _prints(words: list[str]) -> bool:
    """Whether the words before the first argument name a menu and its `print` command."""
    path: tuple[str, ...] = ()
    for word in words:
        for segment in (part for part in word.split("/") if part):
            name = tree().resolve_prefix(path, segment)
            if name is None:
                return False
            if tree().is_menu((*path, name)):
                path = (*path, name)
                continue
            return name == "print"
    return False

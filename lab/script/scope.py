"""Where variables live: block-scoped locals, and globals kept per user on each router until it reboots."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from lab.script.values import NOTHING, ScriptError, Value


class Globals:
    """Every user's globals on one router. Scripts run in parallel threads, so access takes a lock.

    Each global gets an internal id when it is made (`*1`, `*2`, ...), by which /system/script/environment
    names it; a global made again after `remove` or `:set name` (no value) gets a new one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_user: dict[str, dict[str, Value]] = {}
        self._ids: dict[tuple[str, str], str] = {}
        self._next_id = 1

    def get(self, user: str, name: str) -> Value:
        with self._lock:
            return self._by_user.get(user, {}).get(name, NOTHING)

    def set(self, user: str, name: str, value: Value) -> None:
        with self._lock:
            if (user, name) not in self._ids:
                self._ids[(user, name)] = f"*{self._next_id:X}"
                self._next_id += 1
            self._by_user.setdefault(user, {})[name] = value

    def remove(self, user: str, name: str) -> bool:
        """`:set name` without a value, or /system/script/environment remove: the global is gone."""
        with self._lock:
            self._ids.pop((user, name), None)
            values = self._by_user.get(user, {})
            if name not in values:
                return False
            del values[name]
            return True

    def names(self, user: str) -> dict[str, Value]:
        with self._lock:
            return dict(self._by_user.get(user, {}))

    def listing(self, user: str) -> list[tuple[str, str, Value]]:
        """(id, name, value) of each global of `user`, oldest first."""
        with self._lock:
            return [
                (self._ids[(user, name)], name, value) for name, value in self._by_user.get(user, {}).items()
            ]

    def clear(self) -> None:
        with self._lock:
            self._by_user.clear()
            self._ids.clear()


@dataclass
class Scope:
    """One block's variables. A name declared with `:global` here refers to the user's global of that name."""

    globals: Globals
    user: str
    parent: Scope | None = None
    locals: dict[str, Value] = field(default_factory=dict)
    global_names: set[str] = field(default_factory=set)

    def child(self) -> Scope:
        return Scope(self.globals, self.user, parent=self)

    def _owner(self, name: str) -> Scope | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.locals or name in scope.global_names:
                return scope
            scope = scope.parent
        return None

    def lookup(self, name: str) -> Value:
        """A variable nobody declared is nothing, as on a router (Netwatch scripts read `$host` so)."""
        owner = self._owner(name)
        if owner is None:
            return NOTHING
        if name in owner.locals:
            return owner.locals[name]
        return self.globals.get(self.user, name)

    def declare_local(self, name: str, value: Value) -> None:
        self.global_names.discard(name)
        self.locals[name] = value

    def declare_global(self, name: str, value: Value | None) -> None:
        self.locals.pop(name, None)
        self.global_names.add(name)
        if value is not None:
            self.globals.set(self.user, name, value)

    def assign(self, name: str, value: Value) -> None:
        owner = self._owner(name)
        if owner is None:
            raise ScriptError(
                f"cannot :set {name}: no :local or :global named {name} is declared in this scope"
            )
        if name in owner.locals:
            owner.locals[name] = value
        else:
            self.globals.set(self.user, name, value)

    def unset(self, name: str) -> None:
        """`:set name` with no value: "Set command without value will un-define the variable (remove from
        environment)" (manual, Variables). A local keeps its name and holds nothing."""
        owner = self._owner(name)
        if owner is None:
            raise ScriptError(
                f"cannot :set {name}: no :local or :global named {name} is declared in this scope"
            )
        if name in owner.locals:
            owner.locals[name] = NOTHING
        else:
            self.globals.remove(self.user, name)

"""Script values of menu properties, typed by the property rather than guessed from the printed text.

On a router a property has a type. A free-text one (a name, a comment, a script's source) reaches a script
as a string whatever it holds: a Netwatch entry named `1m` is the string `1m`, not a time. The lab keeps
every value as printed text, so it asks the property's type: the menu's `kinds` ("text") first, then the
command tree's type text for the property's argument (`Name`, `Comment`, `Script`, ...). Every other
property keeps the typing by its text (numbers, booleans, times, addresses, ids; lab.script.values).
"""

from __future__ import annotations

from functools import cache

from lab.menus import registry
from lab.menus.base import Props
from lab.schema import tree
from lab.script.values import ScriptArray, Value, from_router, from_text

# Type texts of the command tree that mean free text: what the user types is kept as written.
TEXT_TYPES = frozenset(
    {
        "Name",
        "Comment",
        "Script",
        "Source",
        "Contents",
        "Owner",
        "Password",
        "Text",
        "Prefix",
        "LogPrefix",
        "CommonName",
        "Country",
        "Locality",
        "Organization",
        "State",
        "Unit",
    }
)
# A name or a comment is text in every menu, also where the tree gives no type (a /file name) or the
# property is read-only and has no argument to ask.
ALWAYS_TEXT = frozenset({"name", "comment"})
# Commands whose arguments describe a menu's properties.
_DESCRIBING = ("set", "add")


@cache
def is_text(menu: str, prop: str) -> bool:
    """Whether `prop` of `menu` (a path such as `tool/netwatch`) is free text."""
    spec = registry.SPECS.get(menu)
    kind = spec.kinds.get(prop) if spec is not None else None
    if kind is not None:
        return kind == "text"
    if prop in ALWAYS_TEXT:
        return True
    for command_name in _DESCRIBING:
        command = tree().command(tuple(menu.split("/")), command_name)
        argument = command.arguments.get(prop) if command is not None else None
        if argument is not None:
            return argument.type_text in TEXT_TYPES
    return False


def property_value(menu: str, prop: str, text: str) -> Value:
    """One printed property as a script sees it."""
    return from_text(text) if is_text(menu, prop) else from_router(text)


def row_value(menu: str, row: Props) -> ScriptArray:
    """A printed row as the array `print as-value` and `get` give a script."""
    return ScriptArray(named={prop: property_value(menu, prop, text) for prop, text in row.items()})

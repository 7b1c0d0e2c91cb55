"""Router state: ordered tables of items and single-value menus, and their JSON form.

Pure data. What the data means (defaults, checks, dynamic entries) lives in lab.menus.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# An item's properties, as the API prints them: name -> text.
Props = dict[str, str]


@dataclass
class Item:
    id: str
    props: Props
    dynamic: bool = False
    # Dynamic entries remember who made them (the dhcp-client that bound), so they go when it goes.
    owner: str = ""


@dataclass
class Table:
    next_id: int = 1
    items: list[Item] = field(default_factory=list)

    def new_id(self) -> str:
        value = f"*{self.next_id:X}"
        self.next_id += 1
        return value

    def get(self, item_id: str) -> Item | None:
        return next((item for item in self.items if item.id == item_id), None)


@dataclass
class State:
    tables: dict[str, Table] = field(default_factory=dict)
    singles: dict[str, dict[str, str]] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        return self.tables.setdefault(name, Table())

    def single(self, name: str) -> dict[str, str]:
        return self.singles.setdefault(name, {})

    def drop_dynamic(self) -> None:
        for table in self.tables.values():
            table.items = [item for item in table.items if not item.dynamic]

    def to_json(self) -> dict[str, Any]:
        return {
            "tables": {
                name: {
                    "next_id": table.next_id,
                    "items": [{"id": i.id, "props": i.props} for i in table.items if not i.dynamic],
                }
                for name, table in sorted(self.tables.items())
            },
            "singles": dict(sorted(self.singles.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        state = cls()
        for name, table in data.get("tables", {}).items():
            state.tables[name] = Table(
                next_id=int(table["next_id"]),
                items=[Item(id=i["id"], props=dict(i["props"])) for i in table["items"]],
            )
        state.singles = {name: dict(values) for name, values in data.get("singles", {}).items()}
        return state

    def save(self, path: Path) -> None:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.to_json(), indent=1, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> State | None:
        if not path.exists():
            return None
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

"""The ``texts`` table: the few names every row repeats (device, center, service, catalog
version, language), each stored once and referred to by a small integer id.

Why ids and not the names: they are the same few values on thousands of rows, and a name of
20 bytes becomes one byte. Why the table is also mirrored in ``meta`` (:data:`META_TEXTS`):
every record depends on it, so a salvage must find it even when the page holding the table is
the damaged one; the mirror sits in another table's page and is written in the same
transaction. Ids are never changed or reused, so a copy of a row found anywhere is right.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping

META_TEXTS = "texts"
"""Meta key holding a copy of the whole table as JSON: ``{"id": "text", ...}``."""


class Texts:
    """One connection's view of the table, kept in memory: the table only ever grows, so what
    was read stays true, and an id this view lacks is looked up again."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._texts: dict[int, str] = {}

    def load(self, conn: sqlite3.Connection) -> Mapping[int, str]:
        """Read the whole table (after another connection may have added to it)."""
        rows = conn.execute("SELECT id, text FROM texts").fetchall()
        self._texts = {row[0]: row[1] for row in rows}
        self._ids = {text: text_id for text_id, text in self._texts.items()}
        return self._texts

    def known(self) -> Mapping[int, str]:
        return self._texts

    def forget(self) -> None:
        """A transaction that may have added texts was rolled back: read them again."""
        self._ids = {}
        self._texts = {}

    def code(self, conn: sqlite3.Connection, text: str) -> int:
        """The id of ``text``, added (with the mirror) if new; inside a write transaction."""
        found = self._ids.get(text)
        if found is not None:
            return found
        self.load(conn)
        found = self._ids.get(text)
        if found is None:
            cursor = conn.execute("INSERT INTO texts (text) VALUES (?)", (text,))
            found = cursor.lastrowid
            assert found is not None
            self._ids[text] = found
            self._texts[found] = text
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (META_TEXTS, mirror(self._texts)),
            )
        return found


def mirror(texts: Mapping[int, str]) -> str:
    return json.dumps({str(text_id): text for text_id, text in sorted(texts.items())})


def from_mirror(value: str | None) -> dict[int, str]:
    """The table as the mirror holds it; empty when the mirror cannot be read."""
    try:
        data = json.loads(value or "{}")
        return {int(key): text for key, text in data.items() if isinstance(text, str)}
    except (ValueError, TypeError, AttributeError):
        return {}

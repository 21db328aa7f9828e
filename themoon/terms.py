"""The owner's Korean names for stored English words: a bean's country, process and roast level.

The store keeps these as the owner typed them (English, or the café's codes W/N/Pb/Rh/SD/SC); in
Korean the dashboard shows a Korean name: the owner's (this table, `term_names`) if there is one,
else the built-in one (`themoon.ui.i18n.TERMS_KO`), else the word as stored.
"""

from __future__ import annotations

import sqlite3

from . import audit
from .db import transaction
from .models import ValidationError, parse_text

KINDS = ("country", "process", "roast_level")


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationError("kind", "error.must_be_one_of_2", kinds=", ".join(KINDS))
    return kind


def korean_names(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """{kind: {stored word: the owner's Korean name}} (only what the owner set)."""
    names: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    for row in conn.execute("SELECT kind, value, name_ko FROM term_names ORDER BY kind, value"):
        names[row[0]][row[1]] = row[2]
    return names


def set_korean_name(conn: sqlite3.Connection, kind: str, value: str, name_ko: str, *, user: str = "system") -> None:
    """Name a stored word in Korean (one transaction; an empty name removes the owner's name, so the
    built-in one shows again)."""
    kind = _kind(kind)
    value = parse_text("value", value, max_len=60, required=True)
    name = parse_text("name_ko", name_ko, max_len=60)
    with transaction(conn):
        old = conn.execute("SELECT name_ko FROM term_names WHERE kind = ? AND value = ?", (kind, value)).fetchone()
        if name:
            conn.execute(
                "INSERT INTO term_names (kind, value, name_ko) VALUES (?, ?, ?)"
                " ON CONFLICT (kind, value) DO UPDATE SET name_ko = excluded.name_ko",
                (kind, value, name),
            )
        else:
            conn.execute("DELETE FROM term_names WHERE kind = ? AND value = ?", (kind, value))
        audit.record(
            conn,
            user,
            "update" if name else "delete",
            "term_name",
            None,
            {"kind": kind, "value": value, "name_ko": old[0]} if old else None,
            {"kind": kind, "value": value, "name_ko": name},
        )

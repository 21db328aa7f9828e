"""Dashboard sessions in the store: the idle timeout the owner sets, and whether a signed-in
person is still who they were when they signed in (active, same role).

The dashboard asks `current_user` before every action (themoon.ui.context.Context.run, inside
the action's own transaction): a page opened before the owner deactivated or demoted someone
acts with the rights the store holds now, not the ones read at sign-in.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from . import audit
from .db import transaction
from .models import parse_int

IDLE_KEY = "session_idle_minutes"
DEFAULT_IDLE_MINUTES = 30
MAX_IDLE_MINUTES = 24 * 60  # a day; 0 means never (a device nobody else touches)


def idle_minutes(conn: sqlite3.Connection) -> int:
    """Minutes a signed-in page may sit idle before it signs itself out (0: never)."""
    try:
        row = conn.execute("SELECT value FROM app_settings WHERE key = ?", (IDLE_KEY,)).fetchone()
    except sqlite3.OperationalError:  # a store from before migration 0003
        return DEFAULT_IDLE_MINUTES
    if row is None:
        return DEFAULT_IDLE_MINUTES
    try:
        return parse_int(IDLE_KEY, row[0], minimum=0, maximum=MAX_IDLE_MINUTES)
    except ValueError:
        return DEFAULT_IDLE_MINUTES


def set_idle_minutes(conn: sqlite3.Connection, minutes: Any, *, user: str = "system") -> int:
    """Set the idle timeout (whole minutes, 0–1440; 0 = never); returns it."""
    value = parse_int("idle_minutes", minutes, minimum=0, maximum=MAX_IDLE_MINUTES)
    with transaction(conn):
        old = idle_minutes(conn)
        conn.execute(
            "INSERT INTO app_settings (key, value, updated_at, updated_by)"
            " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,"
            " updated_by = excluded.updated_by",
            (IDLE_KEY, str(value), str(user)[:40]),
        )
        audit.record(conn, user, "update", "app_setting", None, {IDLE_KEY: old}, {IDLE_KEY: value})
    return value


def current_user(conn: sqlite3.Connection, user: dict) -> dict | None:
    """The signed-in `user` as the store holds them now, or None when they may no longer act as
    they signed in: gone, deactivated, renamed or given another role."""
    row = conn.execute(
        "SELECT id, username, display_name, role, active FROM users WHERE id = ?", (int(user["id"]),)
    ).fetchone()
    if row is None or not row["active"] or row["role"] != user["role"] or row["username"] != user["username"]:
        return None
    return {k: row[k] for k in ("id", "username", "display_name", "role")}

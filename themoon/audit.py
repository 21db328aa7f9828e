"""The audit trail: who changed what, when, from what to what (and one log line per write,
emitted once the transaction has committed)."""

from __future__ import annotations

import json
import sqlite3
from functools import partial
from typing import Any

from .ops.logs import log_write


def record(
    conn: sqlite3.Connection,
    user: str,
    action: str,
    entity: str,
    entity_id: int | None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        "INSERT INTO audit_log (username, action, entity, entity_id, old_json, new_json) VALUES (?, ?, ?, ?, ?, ?)",
        (
            user,
            action,
            entity,
            entity_id,
            None if old is None else json.dumps(old, ensure_ascii=False, default=str),
            None if new is None else json.dumps(new, ensure_ascii=False, default=str),
        ),
    )
    line = partial(log_write, user, action, entity, entity_id)
    hooks = getattr(conn, "after_commit", None)
    if hooks is None:
        line()
    else:
        hooks.append(line)


def entries(conn: sqlite3.Connection, *, entity: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    sql = "SELECT * FROM audit_log"
    params: list[Any] = []
    if entity:
        sql += " WHERE entity = ?"
        params.append(entity)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [dict(r) for r in conn.execute(sql, params)]

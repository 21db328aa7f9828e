"""SQLite connection and schema migrations.

Migrations are the numbered `migrations/NNNN_*.sql` files; `PRAGMA user_version` records the
last one applied. Each runs inside one transaction. Before an existing database is migrated,
a copy is taken with SQLite's online backup API.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class SchemaTooNew(RuntimeError):
    """The database was written by a newer themoon than this one."""


class StoreConnection(sqlite3.Connection):
    """A connection that can run work once its transaction has committed (log lines of writes
    that really happened; nothing for a rolled-back one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after_commit: list[Callable[[], None]] = []


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, sql) of every migration shipped with the package, in order."""
    found = []
    for entry in resources.files("themoon.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, got {versions}")
    return found


def schema_version() -> int:
    """The schema version this code writes."""
    return len(migrations())


def connect(path: str | Path, *, migrate: bool = True, readonly: bool = False) -> sqlite3.Connection:
    """Open the store with the settings every connection needs, migrating it if asked."""
    path = Path(path)
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, factory=StoreConnection)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, factory=StoreConnection)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            apply_migrations(conn, path)
    return conn


def current_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def apply_migrations(conn: sqlite3.Connection, path: Path | None = None) -> list[str]:
    """Apply the migrations the database lacks; return the names applied."""
    have = current_version(conn)
    todo = [m for m in migrations() if m[0] > have]
    if have > schema_version():
        raise SchemaTooNew(f"database schema {have} is newer than this themoon ({schema_version()}); upgrade themoon")
    if not todo:
        return []
    if have > 0 and path is not None:
        backup_copy(conn, path.with_name(f"{path.stem}.pre-v{todo[0][0]}-{_stamp()}{path.suffix}"))
    applied = []
    for version, name, sql in todo:
        with transaction(conn):
            # Another process may have migrated while we waited for the write lock.
            if current_version(conn) >= version:
                continue
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(version)}")
        applied.append(name)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise RuntimeError(f"incomplete SQL statement in migration: {buffer[:80]!r}")
    return statements


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def backup_copy(conn: sqlite3.Connection, target: str | Path) -> Path:
    """A consistent copy of a live database, taken with SQLite's backup API (one read of `conn`'s,
    or of its open transaction's, snapshot). The copy is a rollback-journal file: opening it makes
    no -wal/-shm files beside it."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    dest = sqlite3.connect(target, isolation_level=None)
    try:
        conn.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()
    return target


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One unit of work: everything inside commits together or not at all.

    Nested use joins the outer transaction (a savepoint would let half of an action land).
    """
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    pending = getattr(conn, "after_commit", [])
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        pending.clear()
        raise
    conn.execute("COMMIT")
    done, pending[:] = list(pending), []
    for hook in done:
        hook()

"""Reading a database or backup file without changing it: is it SQLite, its tables and row counts,
its integrity, and an encrypted backup decrypted to a private temporary copy."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import crypto

SQLITE_HEADER = b"SQLite format 3\x00"


# A file without these is not a themoon database, whatever else it holds.
CORE_TABLES = frozenset({"beans", "blends", "purchases", "roast_batches", "roast_components", "cost_settings"})


class BackupError(RuntimeError):
    """A backup could not be made or verified, or a restore could not be done."""


class RestoreRefused(BackupError):
    """The file given to restore is unusable (missing, not a themoon database, the live file)."""


class NotThemoonDatabase(RestoreRefused):
    """The file is not a themoon database."""


class DatabaseBusy(BackupError):
    """The database is open in another process."""


@dataclass
class Inspection:
    """What a database file holds: schema version, rows per table, integrity_check result."""

    path: Path
    schema_version: int
    counts: dict[str, int]
    integrity: list[str]

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "schema_version": self.schema_version,
            "integrity": "ok" if self.ok else self.integrity,
            "rows": sum(self.counts.values()),
            "counts": self.counts,
        }


# --- reading a database file ----------------------------------------------------------------


def _open_ro(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=ro", uri=True, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    counts = {}
    for table in _tables(conn):
        quoted = table.replace('"', '""')
        counts[table] = conn.execute(f'SELECT count(*) FROM "{quoted}"').fetchone()[0]
    return counts


def is_sqlite_file(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def inspect(path: str | os.PathLike, *, integrity: bool = True) -> Inspection:
    """Schema version, row counts and integrity_check of a themoon database file (read-only).

    Raises NotThemoonDatabase for anything that is not one; a damaged themoon database is
    returned with the integrity_check messages (`.ok` is False).
    """
    path = Path(path)
    if not path.is_file():
        raise RestoreRefused(f"{path} does not exist or is not a file")
    if not is_sqlite_file(path):
        raise NotThemoonDatabase(f"{path} is not an SQLite database")
    try:
        conn = _open_ro(path)
    except sqlite3.Error as error:
        raise NotThemoonDatabase(f"{path} cannot be opened: {error}") from None
    try:
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = set(_tables(conn))
        except sqlite3.DatabaseError as error:
            raise NotThemoonDatabase(f"{path} is not a readable SQLite database: {error}") from None
        missing = CORE_TABLES - tables
        if version < 1 or missing:
            raise NotThemoonDatabase(
                f"{path} is not a themoon database (schema version {version}"
                + (f", missing tables {', '.join(sorted(missing))})" if missing else ")")
            )
        messages = ["ok"]
        if integrity:
            try:
                messages = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            except sqlite3.DatabaseError as error:
                messages = [str(error)]
        try:
            counts = _counts(conn)
        except sqlite3.DatabaseError as error:
            counts = {}
            if messages == ["ok"]:
                messages = [str(error)]
        return Inspection(path, version, counts, messages)
    finally:
        conn.close()


@contextmanager
def plaintext(
    path: str | os.PathLike, key_file: str | os.PathLike | None = None, *, temp_dir: Path | None = None
) -> Iterator[Path]:
    """The database file itself, or for an encrypted backup a private (mode 600) decrypted temp
    copy in `temp_dir` (default: beside it), removed afterwards. RestoreRefused when it cannot
    be decrypted (wrong key, changed file)."""
    path = Path(path)
    if not crypto.is_encrypted(path):
        yield path
        return
    folder = temp_dir or path.parent
    if not os.access(folder, os.W_OK):
        import tempfile

        folder = Path(tempfile.gettempdir())
    temp = folder / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.decrypted"
    try:
        try:
            crypto.decrypt_file(path, temp, crypto.load_key(key_file))
        except crypto.CryptoError as error:
            raise RestoreRefused(str(error)) from None
        yield temp
    finally:
        _remove_with_sidecars(temp)


def inspect_backup(path: str | os.PathLike, *, key_file: str | os.PathLike | None = None, integrity: bool = True):
    """`inspect` for any backup, decrypting an encrypted one first (into a temp file)."""
    with plaintext(path, key_file) as readable:
        found = inspect(readable, integrity=integrity)
    found.path = Path(path)
    return found


def _remove_with_sidecars(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)

"""DuckDB over the SQLite store, offline, and never on the live file.

DuckDB cannot download extensions here, so `duckdb` and `duckdb-extension-sqlite-scanner` are
pinned to the same version and the extension file shipped in the wheel is LOADed by path.

The scanner carries its own copy of SQLite. Two SQLite libraries must never open the same file
in one process: POSIX locks belong to the process, so when one library closes its descriptor
the other's locks vanish; another process then deletes the WAL under the live connection and
every later commit of ours is lost (sqlite.org, "How To Corrupt An SQLite Database File" §2.2).
So DuckDB only ever attaches a *private snapshot*: Python's `sqlite3` (the store's own library)
copies the store with the backup API into a file nobody else knows, the scanner reads that, and
the file is deleted when DuckDB lets go of it.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import duckdb_extension_sqlite_scanner

from .db import backup_copy

SNAPSHOT_PREFIX = "themoon-snapshot-"


def scanner_path() -> Path:
    """The sqlite scanner built for the installed duckdb (a mismatch fails loudly here)."""
    path = (
        Path(duckdb_extension_sqlite_scanner.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "sqlite_scanner.duckdb_extension"
    )
    if not path.is_file():
        raise RuntimeError(
            f"no sqlite scanner for duckdb {duckdb.__version__} in {path.parent.parent}; "
            "install duckdb-extension-sqlite-scanner of exactly the same version"
        )
    return path


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the sqlite scanner loaded (nothing attached)."""
    conn = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    conn.execute(f"LOAD '{scanner_path()}'")
    return conn


@contextmanager
def attached_snapshot(
    duck: duckdb.DuckDBPyConnection, source: sqlite3.Connection, workdir: Path, *, alias: str = "store"
) -> Iterator[Path]:
    """While inside, a private snapshot of `source`'s database is attached read-only to `duck` as
    `alias`; afterwards it is detached and deleted."""
    if not alias.isidentifier():
        raise ValueError(f"bad alias {alias!r}")
    workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = workdir / f"{SNAPSHOT_PREFIX}{uuid.uuid4().hex}.db"
    try:
        backup_copy(source, path)  # Python's sqlite3: the store's own library
        # ATTACH takes no bound parameters: quote the path as an SQL string literal.
        literal = "'" + str(path).replace("'", "''") + "'"
        duck.execute(f"ATTACH {literal} AS {alias} (TYPE sqlite, READ_ONLY)")
        try:
            yield path
        finally:
            duck.execute(f"DETACH {alias}")
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(f"{path}{suffix}")
            except FileNotFoundError:
                pass

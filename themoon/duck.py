"""DuckDB over the SQLite store, offline: the sqlite scanner is loaded from its PyPI wheel.

DuckDB cannot download extensions here, so `duckdb` and `duckdb-extension-sqlite-scanner` are
pinned to the same version and the extension file shipped in the wheel is LOADed by path.
The store is attached read-only; each kernel keeps its own in-memory DuckDB (never a shared file).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import duckdb_extension_sqlite_scanner


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


def connect_sqlite(db_path: str | Path, *, alias: str = "store") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the SQLite file attached read-only as `alias`."""
    conn = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    conn.execute(f"LOAD '{scanner_path()}'")
    if not alias.isidentifier():
        raise ValueError(f"bad alias {alias!r}")
    # ATTACH takes no bound parameters: quote the path as an SQL string literal.
    literal = "'" + str(db_path).replace("'", "''") + "'"
    conn.execute(f"ATTACH {literal} AS {alias} (TYPE sqlite, READ_ONLY)")
    return conn

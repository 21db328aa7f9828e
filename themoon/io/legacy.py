"""Import the old Streamlit app's SQLite database (`Data/roasting_data.db`, v2.0.0 and v0.14).

The old database is opened read-only and read completely before anything is written. The whole
import is one transaction: any unexpected error leaves the store untouched; a dry run does all the
work inside that transaction and rolls it back, so its report is exact.

Every quirk of the old data is reported, never copied silently (see `ImportReport.quirks`):
prices of 0 mean "unknown", recipes that the old app mapped wrongly are corrected to the café's
workbooks, roasting-log weights that were grams in `_kg` columns are rounded to whole grams, and
so on. Every created row is traceable to its old row: purchases, stock adjustments and roast
batches carry `external_id = legacy:<sha256 of the file, 12 hex>:<table>:<old id>`; beans and
blends are matched by code. Running the same file again creates nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

from .. import audit
from ..db import transaction
from ..models import ValidationError
from .legacy_catalog import _CatalogSteps
from .legacy_ledger import _LedgerSteps
from .legacy_outcome import ImportReport
from .legacy_outcome import Quirk as Quirk
from .legacy_source import (
    _CALCULATOR_BATCH_G,
    KIND,
    _read_legacy,
)


class _DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


# --- the import ------------------------------------------------------------------------------


def import_legacy(
    conn: sqlite3.Connection, path: str | Path, *, dry_run: bool = False, user: str = "import"
) -> ImportReport:
    """Import an old app database into the store; returns what was (or would be) done."""
    path = Path(path)
    data, columns = _read_legacy(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report = ImportReport(source=str(path), sha256=digest, dry_run=dry_run)
    if dry_run and conn.in_transaction:
        raise ValidationError("dry_run", "io.needs_its_own_transaction_the_connection")
    try:
        with transaction(conn):
            _Importer(conn, data, columns, digest, user, report).run()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


class _Importer(_CatalogSteps, _LedgerSteps):
    """One legacy import: the catalogue steps (legacy_catalog), then the ledger steps (legacy_ledger)."""

    def __init__(self, conn, data, columns, digest: str, user: str, report: ImportReport):
        self.conn = conn
        self.data = data
        self.columns = columns
        self.sha = digest
        self.tag = f"legacy:{digest[:12]}"
        self.user = user
        self.report = report
        self.bean_ids: dict[str, int] = {}  # our code → id
        self.old_bean: dict[int, str] = {}  # old beans.id → our code
        self.old_names: dict[int, str] = {}  # old beans.id → old name
        self.price: dict[str, int] = {}  # our code → last entered ₩/kg (known prices only)
        self.reorder: dict[int, int] = {}  # old beans.id → min stock g
        self.bean_added_for: dict[str, list[str]] = defaultdict(list)
        self.other_snapshot = 0
        self.batch_sizes = dict(_CALCULATOR_BATCH_G)

    # -- small utilities ---------------------------------------------------------------------

    def reject(self, what: str, why: str) -> None:
        self.report.rejected.append((what, why))

    def ext(self, table: str, old_id: Any, suffix: str = "") -> str:
        return f"{self.tag}:{table}:{old_id}{suffix}"

    def seen(self, table: str, old_table: str, old_id: Any, same: dict[str, Any]) -> str | None:
        """The external_id under which this old row was already imported: from this file, or (same
        content) from another snapshot of the same café's database. None if it was not."""
        mine = self.ext(old_table, old_id)
        if self.conn.execute(f"SELECT 1 FROM {table} WHERE external_id = ?", (mine,)).fetchone():
            return mine
        pattern = f"legacy:{'_' * 12}:{old_table}:{old_id}"
        where = " AND ".join(f"{column} = ?" for column in same)
        row = self.conn.execute(
            f"SELECT external_id FROM {table} WHERE external_id LIKE ? AND {where}", [pattern, *same.values()]
        ).fetchone()
        if row:
            self.other_snapshot += 1
            return row[0]
        return None

    def savepoint(self):
        return _Savepoint(self.conn)

    def rows(self, table: str) -> list[dict]:
        return self.data.get(table, [])

    # -- run ---------------------------------------------------------------------------------

    def run(self) -> None:
        has_logs = "roasting_logs" in self.data
        extra = {"users", "user_permissions", "audit_logs"} & set(self.data)
        self.report.schema = (
            "v0.14 (roasting_logs, users, warnings)"
            if has_logs and extra
            else "v0.14-like (roasting_logs)"
            if has_logs
            else "v2.0.0 (no roasting_logs)"
        )
        self.inventory()
        self.beans()
        self.blends()
        self.settings()
        self.transactions()
        self.roasting_logs()
        self.leftovers()
        self.money_quirk()
        self.added_beans_quirk()
        if self.other_snapshot:
            self.report.quirk(
                "already-imported-from-other-snapshot",
                f"{self.other_snapshot} rows match rows already imported from another copy of the old database"
                " (same old id and content, different file).",
                "Left as they are; not imported twice.",
            )
        self.record_import()

    def record_import(self) -> None:
        """One `imports` row per file: the first import of a file is recorded (and audited) once."""
        if self.conn.execute("SELECT 1 FROM imports WHERE kind = ? AND sha256 = ?", (KIND, self.sha)).fetchone():
            return
        summary = (
            f"{Path(self.report.source).name}: "
            + ", ".join(f"{k} {v}" for k, v in self.report.created.items())
            + f"; {len(self.report.rejected)} rejected; {len(self.report.quirks)} quirks"
        )
        import_id = self.conn.execute(
            "INSERT INTO imports (kind, sha256, summary) VALUES (?, ?, ?)", (KIND, self.sha, summary)
        ).lastrowid
        audit.record(
            self.conn,
            self.user,
            "import",
            "legacy_import",
            import_id,
            None,
            {"source": self.report.source, "sha256": self.sha, "created": self.report.created},
        )


class _Savepoint:
    """SAVEPOINT … RELEASE, with an explicit rollback of just this row."""

    _counter = 0

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        _Savepoint._counter += 1
        self.name = f"legacy_row_{_Savepoint._counter}"
        self.rolled_back = False

    def __enter__(self) -> _Savepoint:
        self.conn.execute(f"SAVEPOINT {self.name}")
        return self

    def rollback(self) -> None:
        self.conn.execute(f"ROLLBACK TO {self.name}")
        self.rolled_back = True

    def __exit__(self, *exc) -> None:
        self.conn.execute(f"RELEASE {self.name}")

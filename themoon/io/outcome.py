"""What an import did (or, with --dry-run, would do): one report type for the file importers.

`ImportReport` counts created / updated / unchanged / rejected rows per entity, lists every
rejected row with the reason, what matched what and what did not, and free-form notes. The
helpers below are shared by the importers in this package (excel, menu, workbook, artisan):
file fingerprints, the `imports` bookkeeping table, per-row savepoints, and the all-or-nothing
run with a dry-run that rolls the very same work back.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import audit
from ..db import transaction
from ..messages import Localized
from ..models import ValidationError

Progress = Callable[[int, int], None]
OUTCOMES = ("created", "updated", "unchanged", "rejected")


@dataclass(frozen=True)
class Rejected:
    """A row that was not imported: where it is, which field, why."""

    entity: str
    where: str  # e.g. "export.xlsx › roast_batches › row 12"
    field: str
    reason: str
    reason_ko: str = ""

    def text(self, lang: str = "en") -> str:
        reason = self.reason_ko if lang == "ko" and self.reason_ko else self.reason
        return f"{self.where}: {self.field}: {reason}" if self.field else f"{self.where}: {reason}"


@dataclass
class ImportReport:
    kind: str  # excel | menu | workbook | artisan
    source: str  # file name(s)
    dry_run: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sha256: str = ""

    # --- recording ---------------------------------------------------------------------------

    def add(self, entity: str, outcome: str, n: int = 1) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        row = self.counts.setdefault(entity, dict.fromkeys(OUTCOMES, 0))
        row[outcome] += n

    def reject(self, entity: str, where: str, field_: str, reason: str, reason_ko: str = "") -> None:
        self.add(entity, "rejected")
        self.rejected.append(Rejected(entity, where, field_, reason, reason_ko or reason))

    def reject_error(self, entity: str, where: str, error: ValidationError) -> None:
        self.reject(entity, where, error.field, error.message, error.message_ko)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # --- reading -----------------------------------------------------------------------------

    def total(self, outcome: str) -> int:
        return sum(row[outcome] for row in self.counts.values())

    @property
    def changed(self) -> bool:
        return self.total("created") + self.total("updated") > 0

    @property
    def ok(self) -> bool:
        return not self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "dry_run": self.dry_run,
            "counts": self.counts,
            "rejected": [r.__dict__ for r in self.rejected],
            "matched": self.matched,
            "unmatched": self.unmatched,
            "notes": self.notes,
        }

    def summary(self) -> str:
        """One line: what changed."""
        parts = [f"{k} {self.total(k):,}" for k in OUTCOMES]
        return f"{self.kind} import of {self.source}: " + ", ".join(parts)

    def text(self, lang: str = "en", *, limit: int = 200) -> str:
        """A readable report; long lists are cut at `limit` lines each (the count is kept)."""
        head = "DRY RUN — nothing was written" if self.dry_run else "import finished"
        if not self.ok and not self.dry_run:
            head = "import refused — nothing was written"
        lines = [f"{self.kind} import of {self.source}: {head}"]
        if self.counts:
            width = max(len(e) for e in self.counts)
            lines.append(f"  {'':<{width}}  " + "  ".join(f"{k:>9}" for k in OUTCOMES))
            for entity, row in self.counts.items():
                lines.append(f"  {entity:<{width}}  " + "  ".join(f"{row[k]:>9,}" for k in OUTCOMES))
        else:
            lines.append("  (no rows)")

        def block(title: str, items: list[str]) -> None:
            if not items:
                return
            lines.append(f"{title} ({len(items):,}):")
            lines.extend(f"  - {item}" for item in items[:limit])
            if len(items) > limit:
                lines.append(f"  … and {len(items) - limit:,} more")

        block("rejected", [r.text(lang) for r in self.rejected])
        block("matched", self.matched)
        block("not matched", self.unmatched)
        block("notes", self.notes)
        return "\n".join(lines)


class ImportRejected(ValidationError):
    """A real run found rejected rows: nothing was written; `.report` lists every one."""

    def __init__(self, report: ImportReport):
        self.report = report
        first = report.rejected[0]
        more = len(report.rejected) - 1
        super().__init__(
            f"{first.where} › {first.field}" if first.field else first.where,
            "io.rejected_and_more" if more else "io.rejected",
            reason=Localized(first.reason, first.reason_ko or first.reason),
            more=more,
        )


class _DryRun(Exception):
    """Raised inside the import transaction to roll a dry run back."""


# --- files -----------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_file(path: Any, *, max_bytes: int, what: str) -> Path:
    """The path exists, is a regular file and is not larger than `max_bytes` (checked before parsing)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(path.name or str(path), "io.file_not_found")
    size = path.stat().st_size
    if size > max_bytes:
        mb = 1024 * 1024
        raise ValidationError(
            path.name,
            "io.the_file_is_mb_the_limit",
            what=what,
            size_mb=size / mb,
            limit_mb=max_bytes / mb,
        )
    if size == 0:
        raise ValidationError(path.name, "io.the_file_is_empty")
    return path


# --- running an import -----------------------------------------------------------------------


@contextmanager
def row_savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    """Undo one failed row inside the import's transaction (the whole import still commits or not)."""
    conn.execute("SAVEPOINT import_row")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO import_row")
        conn.execute("RELEASE import_row")
        raise
    conn.execute("RELEASE import_row")


def run_import(
    conn: sqlite3.Connection,
    report: ImportReport,
    work: Callable[[], None],
    *,
    user: str = "system",
) -> ImportReport:
    """Run `work` in one transaction: all or nothing.

    - rejected rows: the transaction is rolled back; a real run raises `ImportRejected`, a dry run
      returns the report;
    - dry run: the same work runs and is then rolled back, so the report shows exactly what a real
      run would do;
    - a real run that changed something records the file in `imports` and one 'import' audit entry.
    """
    if conn.in_transaction:
        raise RuntimeError("an import needs its own transaction (the connection is already in one)")
    try:
        with transaction(conn):
            work()
            if report.rejected:
                raise ImportRejected(report)
            if report.dry_run:
                raise _DryRun
            if report.changed:
                _record(conn, report, user)
    except _DryRun:
        return report
    except ImportRejected:
        if report.dry_run:
            return report
        raise
    return report


def previous_import(conn: sqlite3.Connection, kind: str, sha256: str) -> str | None:
    row = conn.execute("SELECT at FROM imports WHERE kind = ? AND sha256 = ?", (kind, sha256)).fetchone()
    return row[0] if row else None


def _record(conn: sqlite3.Connection, report: ImportReport, user: str) -> None:
    summary = json.dumps({"source": report.source, "counts": report.counts}, ensure_ascii=False)
    sha = report.sha256 or hashlib.sha256(report.source.encode()).hexdigest()
    conn.execute(
        "INSERT INTO imports (kind, sha256, summary) VALUES (?, ?, ?)"
        " ON CONFLICT (kind, sha256) DO UPDATE SET at = strftime('%Y-%m-%dT%H:%M:%S', 'now'),"
        " summary = excluded.summary",
        (report.kind, sha, summary),
    )
    import_id = conn.execute("SELECT id FROM imports WHERE kind = ? AND sha256 = ?", (report.kind, sha)).fetchone()[0]
    audit.record(conn, user, "import", report.kind, import_id, None, {"source": report.source, "counts": report.counts})

"""Writing our Excel format: the whole store to .xlsx (XlsxWriter, constant memory) or one table to CSV."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..db import current_version
from ..models import (
    ValidationError,
)
from .excel_format import (
    DANGEROUS_START,
    DAY,
    FORMAT_NAME,
    FORMAT_VERSION,
    GRAMS,
    MINUTES,
    ORDER,
    PCT,
    SHEETS,
    WON,
    Column,
    _row_count,
    is_dangerous_text,
    sheet_rows,
)
from .outcome import (
    Progress,
)
from .xlsx_checks import gc_paused

# --- export ----------------------------------------------------------------------------------


def export_workbook(conn: sqlite3.Connection, path: Any, *, progress: Progress | None = None) -> dict[str, int]:
    """Write the whole store to one .xlsx in our format; returns rows written per sheet. The sheets
    are read in one transaction, so they agree with each other.

    Written with XlsxWriter in constant-memory mode (each row goes to disk as the next begins, so
    memory stays flat however many rows): 2–3× faster than openpyxl's write-only mode. Every value
    is written by type (`write_string`, `write_number`, `write_boolean`), never through `write()`,
    whose type guessing would make text starting with '=' a formula.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    partial = path.with_name(path.name + ".part")
    wb = xlsxwriter.Workbook(
        str(partial),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    try:
        with _snapshot(conn), gc_paused():
            total = sum(_row_count(conn, s) for s in SHEETS)
            done = 0
            formats = _Formats(wb)
            about = wb.add_worksheet("about")
            _widths(about, [16, 60])
            for r, (key, value) in enumerate(
                (
                    ("format", FORMAT_NAME),
                    ("version", FORMAT_VERSION),
                    ("schema", current_version(conn)),
                    ("note", "One sheet per table. Derived columns are recomputed on import. Dates are real dates."),
                )
            ):
                about.write_string(r, 0, key)
                _write(about, r, 1, value, None, formats)
            for sheet, columns in SHEETS.items():
                ws = wb.add_worksheet(sheet)
                if sheet == ORDER[0]:
                    ws.activate()  # the first data sheet
                ws.freeze_panes(1, 0)
                _widths(ws, [c.width for c in columns])
                for c, column in enumerate(columns):
                    ws.write_string(0, c, column.name, formats.header)
                styled = [formats.number(c) for c in columns]
                count = 0
                for count, values in enumerate(sheet_rows(conn, sheet), start=1):
                    for c, value in enumerate(values):
                        if value is not None and value != "":
                            _write(ws, count, c, value, styled[c], formats)
                    if progress and count % 5000 == 0:
                        progress(done + count, total)
                written[sheet] = count
                done += count
    finally:
        wb.close()
    partial.replace(path)
    if progress:
        progress(total, total)
    return written


class _Formats:
    """The workbook's cell formats, made once: the header's, one per number format, the quote
    prefix for text a spreadsheet would evaluate."""

    def __init__(self, wb: Any):
        self.header = wb.add_format({"bold": True, "bg_color": "#E8E2D0", "pattern": 1, "align": "center"})
        self.quoted = wb.add_format({"quote_prefix": True})
        self._by_code = {code: wb.add_format({"num_format": code}) for code in (WON, GRAMS, PCT, DAY, MINUTES)}
        self.day = self._by_code[DAY]

    def number(self, column: Column) -> Any:
        code = column.number_format
        return None if code is None else self._by_code[code]


_EXCEL_EPOCH = date(1899, 12, 30)


def _write(ws: Any, row: int, col: int, value: Any, styled: Any, formats: _Formats) -> None:
    """One value, written by its type: numbers with the column's format, dates as date serials
    with yyyy-mm-dd, booleans as booleans, text as text (the quote prefix on text a spreadsheet
    would evaluate; XlsxWriter escapes CR and '_xHHHH_' itself)."""
    cls = value.__class__
    if cls is str:
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)  # not representable in XML 1.0
        quoted = formats.quoted if value.startswith(DANGEROUS_START) else None
        if value.startswith("<r>") and value.endswith("</r>"):
            # XlsxWriter copies such a string into the XML unescaped (its own rich-text form):
            # written as three runs of plain text instead, it reads back as the same text.
            runs = (value[:1], value[1:2], value[2:])
            if ws.write_rich_string(row, col, *runs, *([quoted] if quoted else [])) != 0:
                raise ValidationError("text", "io.cannot_be_written", start=value[:40])
        else:
            ws.write_string(row, col, value, quoted)
    elif cls is bool:
        ws.write_boolean(row, col, value)
    elif cls is date:
        ws.write_number(row, col, (value - _EXCEL_EPOCH).days, formats.day)
    else:
        ws.write_number(row, col, value, styled)


@contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction (nothing is written): the row counts and rows of every sheet come from
    the same state of the store."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def _widths(ws: Any, widths: list[float]) -> None:
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)


def export_csv(conn: sqlite3.Connection, table: str, path: Any) -> int:
    """One sheet of the export as CSV (UTF-8 with BOM, so Excel reads Korean); returns rows written.

    Percentages are written as percent numbers (16.7), dates as ISO text, booleans as yes/no, and
    text that a spreadsheet would evaluate (=, +, -, @, tab, CR first) gets a leading apostrophe.
    """
    if table not in SHEETS:
        raise ValidationError("table", "io.must_be_one_of", sheets=", ".join(SHEETS))
    columns = SHEETS[table]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.name for c in columns])
        for values in sheet_rows(conn, table):
            writer.writerow([_csv_value(v, c) for v, c in zip(values, columns, strict=True)])
            count += 1
    return count


def _csv_value(value: Any, column: Column) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column.kind == "pct":
        text = f"{(Decimal(repr(value)) * 100).quantize(Decimal('0.01')):f}"
        return text.rstrip("0").rstrip(".")
    if isinstance(value, date):
        return value.isoformat()
    if is_dangerous_text(value):
        return "'" + value
    return value

"""Our own Excel format: `export_workbook` writes the whole store, `import_workbook` reads it back.

The workbook has one sheet per entity (`about`, `beans`, `blends`, `cost_settings`, `purchases`,
`stock_adjustments`, `roast_batches`, `menu_items`). Row 1 holds the column names (frozen);
money and grams are real numbers with number formats (₩ #,##0 / #,##0 "g" / 0.0 %), dates are
real dates. Blends have one row per component; roast batches one row per component, the batch
fields repeated and grouped by the `batch` number. Columns marked *derived* (e.g.
`green_cost_won`, `loss_pct`) are written for people and ignored on import: themoon recomputes
them with its own rules.

Text cells starting with =, +, -, @, a tab or a carriage return are written as plain strings with
Excel's "quote prefix" (the apostrophe): a spreadsheet never evaluates them, and their text
round-trips unchanged. CSV export (`export_csv`) prefixes such text with an apostrophe.

Import (`import_workbook`) is all-or-nothing and idempotent: rows are matched by code (beans,
blends, menu items), by effective date (cost settings), by `external_id`, or — for ledger rows
without one — by their full contents, so importing the same file twice changes nothing. Every
value goes through `themoon.models` parsers; formula cells, merged cells, wrong types, a
corrupted or truncated file, an oversized file or a zip bomb are refused with a
`ValidationError` naming the file, sheet, row and field.

The export is written with XlsxWriter in constant-memory mode (rows streamed to disk; every value
written by its type, never through `write()`'s type guessing). Before anything parses an
untrusted file, `check_xlsx` refuses one that is too large, not a zip, truncated, a zip bomb,
whose XML is not UTF-8, or that declares a DTD or entities; merged ranges are read from the raw
parts (`merged_ranges`). The cells of our format are then read by `themoon.io.xlsx`: a byte scan
of each sheet (formula and error cells, row order, extent), python-calamine for sheets of plain
rows, the standard library's C XML parser for the rest, openpyxl's cell rules for both. The café's
small workbooks are opened by openpyxl in normal mode (merged cells, formula text; menu.py).
New roast batches are written by `roasting.add_batches` (the same rules as `add_batch`, one pass
over each bean's ledger; tests compare it with `add_batch` row by row, table by table).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape

from ..models import (
    ValidationError,
    parse_int,
)
from .excel_export import export_csv, export_workbook
from .excel_format import (
    BULK_MIN_BATCHES,
    DANGEROUS_START,
    DAY,
    FORMAT_NAME,
    FORMAT_VERSION,
    GRAMS,
    MAX_COMPRESSION_RATIO,
    MAX_UNCOMPRESSED_BYTES,
    MAX_XLSX_BYTES,
    MAX_ZIP_MEMBERS,
    MINUTES,
    ORDER,
    PCT,
    SHEETS,
    WON,
    Column,
    is_dangerous_text,
    sheet_rows,
)
from .excel_rows import _ExcelImporter, _Row, create_batches
from .outcome import (
    ImportReport,
    Progress,
    file_sha256,
    previous_import,
    run_import,
)
from .xlsx import XlsxReader, open_xlsx, unreadable
from .xlsx_checks import check_xlsx, gc_paused, merged_ranges, open_workbook

# The format, the export and the file checks live beside this module; importers and tests reach
# them through it.
__all__ = [
    "BULK_MIN_BATCHES",
    "Column",
    "DANGEROUS_START",
    "DAY",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "GRAMS",
    "MAX_COMPRESSION_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_XLSX_BYTES",
    "MAX_ZIP_MEMBERS",
    "MINUTES",
    "ORDER",
    "PCT",
    "SHEETS",
    "WON",
    "check_xlsx",
    "create_batches",
    "export_csv",
    "export_workbook",
    "gc_paused",
    "import_workbook",
    "is_dangerous_text",
    "merged_ranges",
    "open_workbook",
    "sheet_rows",
]


# --- import ----------------------------------------------------------------------------------


def import_workbook(
    conn: sqlite3.Connection,
    path: Any,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    user: str = "system",
    bulk: bool | None = None,
) -> ImportReport:
    """Import a workbook in our export format (all or nothing; re-importing changes nothing).

    `bulk`: new roast batches go through `roasting.add_batches` (None/True) or `roasting.add_batch`
    one by one (False; tests compare both).
    """
    path = check_xlsx(path)
    report = ImportReport("excel", path.name, dry_run=dry_run, sha256=file_sha256(path))
    seen = previous_import(conn, "excel", report.sha256)
    if seen:
        report.note(f"this file was already imported on {seen}; rows already in the store are left unchanged")
    sheets = _read_file(path, report, progress)
    importer = _ExcelImporter(conn, path.name, report, user, bulk)
    return run_import(conn, report, lambda: importer.run(sheets), user=user)


def _read_file(path: Path, report: ImportReport, progress: Progress | None) -> dict[str, list[_Row]]:
    """Every data row of every known sheet, as {column: cell value}; structural problems raise."""
    name = path.name
    with open_xlsx(path) as reader, gc_paused():
        try:
            return _read_sheets(reader, path, report, progress)
        except ValidationError:
            raise
        except Exception as error:  # a part that cannot be parsed (corrupted, truncated, malformed)
            raise unreadable(name, error) from None


def _read_sheets(
    reader: XlsxReader, path: Path, report: ImportReport, progress: Progress | None
) -> dict[str, list[_Row]]:
    name = path.name
    parts = reader.parts
    titles = list(parts)
    if "about" in titles:
        _check_about(reader, name)
    else:
        report.note("no 'about' sheet: reading the sheets by name")
    known = [t for t in titles if t in SHEETS]
    for title in titles:
        if title not in SHEETS and title != "about":
            report.note(f"sheet '{title}' is not part of the format and was ignored")
    if not known:
        raise ValidationError(name, "io.has_none_of_the_sheets", sheets=", ".join(SHEETS))
    merges = merged_ranges(path, [parts[t] for t in known])
    sizes = {t: reader.archive.getinfo(parts[t]).file_size for t in known}
    total_bytes, done_bytes, done = sum(sizes.values()) or 1, 0, 0
    result: dict[str, list[_Row]] = {}
    for title in known:
        if parts[title] in merges:
            raise ValidationError(
                f"{name} › {title} › {merges[parts[title]][0]}",
                "io.merged_cells_are_not_part_of",
            )
        rows: list[_Row] = []
        for number, values, bad in _sheet_values(reader, name, title):
            if bad:
                column, ref, what = bad
                report.reject_error(
                    title,
                    f"{name} › {title} › row {number}",
                    ValidationError(column, "io.cell_not_a_value", ref=ref, what=what),
                )
                continue
            rows.append(_Row(number, values))
            done += 1
            if progress and done % 5000 == 0:  # the total estimated from the sheets' sizes
                progress(done, max(done, int(done * total_bytes / (done_bytes + sizes[title]))))
        done_bytes += sizes[title]
        result[title] = rows
    if progress:
        progress(done, done)
    return result


def _check_about(reader: XlsxReader, name: str) -> None:
    where = f"{name} › about"
    values: dict[str, Any] = {}
    for row in reader.rows("about", where):  # only the cells the sheet holds
        key = row.values.get(1)
        if key is not None:
            values[str(key).strip()] = row.values.get(2)
    if values.get("format") != FORMAT_NAME:
        raise ValidationError(where, "io.is_not_a_themoon_export_format", format=values.get("format"))
    version = parse_int(f"{where} › version", values.get("version"), minimum=1)
    if version > FORMAT_VERSION:
        raise ValidationError(
            f"{where} › version",
            "io.format_version_is_newer_than_this",
            version=version,
            supported=FORMAT_VERSION,
        )


def _sheet_values(reader: XlsxReader, name: str, title: str) -> Iterator[tuple[int, dict[str, Any], tuple | None]]:
    """(row number, {column: value}, (column, cell, what) of a formula/error cell or None) per
    non-empty row; only the columns up to the last header are read. A file's claimed size
    (<dimension>) is not used: only the cells it holds are read."""
    columns = SHEETS[title]
    rows = reader.rows(title, f"{name} › {title}")
    first = next(rows, None)
    index: dict[str, int] = {}
    if first is not None and first.number == 1:
        for column, value in sorted(first.values.items()):
            if isinstance(value, str) and value.strip():
                key = value.strip().lower()
                if key in index:
                    raise ValidationError(f"{name} › {title} › row 1", "io.column_appears_twice", key=key)
                index[key] = column
        first = None
    if not index:
        if first is None and next(rows, None) is None:
            return  # an empty sheet
        raise ValidationError(f"{name} › {title} › row 1", "io.the_header_row_is_missing")
    missing = [c.name for c in columns if c.name not in index and not c.optional]
    if missing:
        raise ValidationError(
            f"{name} › {title} › row 1",
            "io.missing_column_s",
            missing=", ".join(missing),
        )
    wanted = [(c.name, index[c.name]) for c in columns if c.name in index and not c.derived]
    known = {column: col_name for col_name, column in index.items()}
    last = max(index.values())
    for row in rows:
        cells = row.values
        bad = None
        if row.refused:
            column = min((c for c in row.refused if c <= last), default=None)
            if column is not None:
                ref = f"{get_column_letter(column)}{row.number}"
                bad = (known.get(column, "cell"), ref, row.refused[column])
        values: dict[str, Any] = {}
        empty = True
        for col_name, column in wanted:
            value = cells.get(column)
            if value.__class__ is str:
                value = value.strip() or None
                if value is not None and "_x" in value:
                    value = unescape(value)  # OOXML escapes (a carriage return is written _x000D_)
            values[col_name] = value
            if value is not None:
                empty = False
        if empty and bad is None:
            continue
        yield row.number, values, bad

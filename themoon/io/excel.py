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

import csv
import gc
import re
import sqlite3
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import xlsxwriter
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape

from .. import catalog, cost_settings, inventory, roasting
from ..costing import loss_pct, round_decimal
from ..db import current_version
from ..models import (
    ValidationError,
    parse_bool,
    parse_choice,
    parse_code,
    parse_date,
    parse_decimal,
    parse_grams,
    parse_int,
    parse_pct_bp,
    parse_text,
    parse_won,
)
from .outcome import (
    ImportReport,
    Progress,
    check_file,
    file_sha256,
    previous_import,
    row_savepoint,
    run_import,
)
from .xlsx import XlsxReader, open_xlsx, unreadable
from .xlsx import chunks as _chunks
from .xlsx import require_utf8 as _require_utf8

FORMAT_NAME = "themoon-export"
FORMAT_VERSION = 1

# Limits checked before any XML is parsed.
MAX_XLSX_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024  # all zip members together
MAX_COMPRESSION_RATIO = 200  # a member larger than 1 MB may not inflate more than this
MAX_ZIP_MEMBERS = 5000
# Writing a formula-free string cell: Excel treats these first characters as the start of a formula.
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")

WON = '"₩"#,##0'
GRAMS = '#,##0" g"'
PCT = "0.0%"
DAY = "yyyy-mm-dd"
MINUTES = "0.0"
BULK_MIN_BATCHES = 1  # new batches go through roasting.add_batches (bulk=False: add_batch one by one)


# --- the format ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | int | won | grams | pct | date | bool | real
    width: float = 14
    derived: bool = False  # written for people, ignored on import
    optional: bool = False  # may be missing from an imported sheet

    @property
    def number_format(self) -> str | None:
        return {"won": WON, "grams": GRAMS, "pct": PCT, "date": DAY, "real": MINUTES}.get(self.kind)


def _c(name: str, kind: str = "text", width: float = 14, **kw: Any) -> Column:
    return Column(name, kind, width, **kw)


SHEETS: dict[str, tuple[Column, ...]] = {
    "beans": (
        _c("code", width=24),
        _c("name_en", width=26),
        _c("name_ko", width=18),
        _c("country", width=12),
        _c("process", width=18),
        _c("roast_level", width=11),
        _c("reorder_point_g", "grams", 15),
        _c("expected_loss_pct", "pct", 17),
        _c("active", "bool", 8),
        _c("notes", width=40),
    ),
    "blends": (
        _c("code", width=16),
        _c("name_en", width=18),
        _c("name_ko", width=14),
        _c("description", width=40),
        _c("expected_loss_pct", "pct", 17),
        _c("active", "bool", 8),
        _c("bean", width=24),
        _c("parts", "int", 8),
    ),
    "cost_settings": (
        _c("effective_from", "date", 14),
        _c("expected_loss_pct", "pct", 17),
        _c("use_recent_loss", "bool", 15),
        _c("roasting_won_per_kg", "won", 19),
        _c("labour_won_per_hour", "won", 19),
        _c("labour_minutes_per_session", "int", 26),
        _c("energy_won_per_session", "won", 22),
        _c("misc_won_per_session", "won", 20),
        _c("planned_session_roasted_g", "grams", 25),
        _c("price_multiplier_pct", "int", 20),
    ),
    "purchases": (
        _c("purchased_on", "date", 13),
        _c("bean", width=24),
        _c("grams", "grams", 12),
        _c("total_won", "won", 14),
        _c("won_per_kg", "won", 12, derived=True, optional=True),
        _c("supplier", width=28),
        _c("lot_code", width=14),
        _c("notes", width=30),
        _c("external_id", width=24),
    ),
    "stock_adjustments": (
        _c("adjusted_on", "date", 13),
        _c("bean", width=24),
        _c("delta_g", "grams", 12),
        _c("reason", width=30),
        _c("external_id", width=24),
    ),
    "roast_batches": (
        _c("batch", "int", 8),
        _c("roasted_on", "date", 12),
        _c("product", width=22),
        _c("kind", width=7),
        _c("roasted_g", "grams", 12),
        _c("minutes", "real", 9),
        _c("operator", width=12),
        _c("notes", width=30),
        _c("source", width=9),
        _c("external_id", width=24),
        _c("bean", width=24),
        _c("green_g", "grams", 12),
        _c("green_cost_won", "won", 15, derived=True, optional=True),
        _c("loss_pct", "pct", 10, derived=True, optional=True),
    ),
    "menu_items": (
        _c("code", width=26),
        _c("name_en", width=34),
        _c("name_ko", width=24),
        _c("channel", width=10),
        _c("product", width=22),
        _c("kind", width=7),
        _c("dose_g", "grams", 10),
        _c("price_won", "won", 12),
        _c("extra_cost_won", "won", 15),
        _c("active", "bool", 8),
        _c("external_id", width=30),
    ),
}
ORDER = tuple(SHEETS)  # import order: references first


# --- reading the store into rows (shared by the xlsx and the CSV export) --------------------


def _bp_fraction(bp: int | None) -> float | None:
    """Basis points as the fraction Excel shows with a % format (1670 → 0.167)."""
    return None if bp is None else float(Decimal(bp) / 10_000)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def sheet_rows(conn: sqlite3.Connection, sheet: str) -> Iterator[tuple]:
    """The rows of one sheet, in export order, as Python values (dates, ints, floats, bools)."""
    if sheet == "beans":
        for b in conn.execute("SELECT * FROM beans ORDER BY id"):
            yield (
                b["code"],
                b["name_en"],
                b["name_ko"],
                b["country"],
                b["process"],
                b["roast_level"],
                b["reorder_point_g"],
                _bp_fraction(b["expected_loss_bp"]),
                bool(b["active"]),
                b["notes"],
            )
    elif sheet == "blends":
        sql = (
            "SELECT bl.*, be.code AS bean, c.parts FROM blends bl"
            " JOIN blend_components c ON c.blend_id = bl.id JOIN beans be ON be.id = c.bean_id"
            " ORDER BY bl.id, c.parts DESC, be.code"
        )
        for r in conn.execute(sql):
            yield (
                r["code"],
                r["name_en"],
                r["name_ko"],
                r["description"],
                _bp_fraction(r["expected_loss_bp"]),
                bool(r["active"]),
                r["bean"],
                r["parts"],
            )
    elif sheet == "cost_settings":
        for s in conn.execute("SELECT * FROM cost_settings ORDER BY effective_from"):
            yield (
                _day(s["effective_from"]),
                _bp_fraction(s["expected_loss_bp"]),
                bool(s["use_recent_loss"]),
                s["roasting_won_per_kg"],
                s["labour_won_per_hour"],
                s["labour_minutes_per_session"],
                s["energy_won_per_session"],
                s["misc_won_per_session"],
                s["planned_session_roasted_g"],
                s["price_multiplier_pct"],
            )
    elif sheet == "purchases":
        sql = (
            "SELECT p.*, b.code AS bean FROM purchases p JOIN beans b ON b.id = p.bean_id ORDER BY p.purchased_on, p.id"
        )
        for p in conn.execute(sql):
            per_kg = int(round_decimal(Fraction(p["total_won"] * 1000, p["grams"]), 0))
            yield (
                _day(p["purchased_on"]),
                p["bean"],
                p["grams"],
                p["total_won"],
                per_kg,
                p["supplier"],
                p["lot_code"],
                p["notes"],
                p["external_id"] or "",
            )
    elif sheet == "stock_adjustments":
        sql = (
            "SELECT a.*, b.code AS bean FROM stock_adjustments a JOIN beans b ON b.id = a.bean_id"
            " ORDER BY a.adjusted_on, a.id"
        )
        for a in conn.execute(sql):
            yield (_day(a["adjusted_on"]), a["bean"], a["delta_g"], a["reason"], a["external_id"] or "")
    elif sheet == "roast_batches":
        sql = """
            SELECT b.id, b.roasted_on, b.roasted_g, b.minutes, b.operator, b.notes, b.source, b.external_id,
                   COALESCE(bl.code, pb.code) AS product,
                   CASE WHEN b.blend_id IS NULL THEN 'bean' ELSE 'blend' END AS kind,
                   cb.code AS bean, c.green_g, c.green_cost_won,
                   SUM(c.green_g) OVER (PARTITION BY b.id) AS total_green
              FROM roast_batches b
              JOIN roast_components c ON c.batch_id = b.id
              JOIN beans cb ON cb.id = c.bean_id
              LEFT JOIN blends bl ON bl.id = b.blend_id
              LEFT JOIN beans pb ON pb.id = b.bean_id
             ORDER BY b.roasted_on, b.id, cb.code
        """
        number, last_id, loss = 0, None, 0.0
        for r in conn.execute(sql):
            if r["id"] != last_id:  # a batch's first component: its number and loss
                number, last_id = number + 1, r["id"]
                loss = float(round_decimal(loss_pct(r["total_green"], r["roasted_g"]) / 100, 6))
            yield (
                number,
                _day(r["roasted_on"]),
                r["product"],
                r["kind"],
                r["roasted_g"],
                r["minutes"],
                r["operator"],
                r["notes"],
                r["source"],
                r["external_id"] or "",
                r["bean"],
                r["green_g"],
                r["green_cost_won"],
                loss,
            )
    elif sheet == "menu_items":
        sql = (
            "SELECT m.*, COALESCE(bl.code, be.code) AS product,"
            " CASE WHEN m.blend_id IS NULL THEN 'bean' ELSE 'blend' END AS kind"
            " FROM menu_items m LEFT JOIN beans be ON be.id = m.bean_id LEFT JOIN blends bl ON bl.id = m.blend_id"
            " ORDER BY m.id"
        )
        for m in conn.execute(sql):
            yield (
                m["code"],
                m["name_en"],
                m["name_ko"],
                m["channel"],
                m["product"],
                m["kind"],
                m["dose_g"],
                m["price_won"],
                m["extra_cost_won"],
                bool(m["active"]),
                m["external_id"] or "",
            )
    else:
        raise ValidationError("table", "io.unknown_table", sheet=sheet)


def _row_count(conn: sqlite3.Connection, sheet: str) -> int:
    table = {"blends": "blend_components", "roast_batches": "roast_components"}.get(sheet, sheet)
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def is_dangerous_text(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(DANGEROUS_START)


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


# --- opening untrusted .xlsx files -------------------------------------------------------------

_FORBIDDEN_XML = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_XML_PARTS = (".xml", ".rels", ".vml")
_MERGE_CELL = re.compile(rb"""<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([^"'<>]*)["']""")


def check_xlsx(
    path: Any,
    *,
    max_bytes: int = MAX_XLSX_BYTES,
    max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
) -> Path:
    """Refuse, before openpyxl opens it, a file that is too large, not a zip, truncated, a zip bomb,
    that declares a DTD or entities in any part (never needed by .xlsx; openpyxl parses through
    defusedxml as well), or whose XML parts are not UTF-8 (Excel writes UTF-8; in another encoding
    a DTD could hide from the byte scan)."""
    path = check_file(path, max_bytes=max_bytes, what=".xlsx")
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ValidationError(
            name,
            "io.is_not_a_valid_xlsx_file",
        ) from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ValidationError(name, "io.is_a_zip_file_but_not")
    if len(members) > MAX_ZIP_MEMBERS:
        raise ValidationError(name, "io.has_parts_limit", members=len(members), limit=MAX_ZIP_MEMBERS)
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > 1024 * 1024 and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise ValidationError(
                name,
                "io.part_inflates_to_mb_zip_bomb",
                part=member.filename,
                ratio=member.file_size / max(member.compress_size, 1),
                size_mb=member.file_size / 1e6,
            )
    if total > max_uncompressed:
        raise ValidationError(
            name,
            "io.unpacks_to_mb_the_limit_is",
            size_mb=total / 1e6,
            limit_mb=max_uncompressed / 1e6,
        )
    with zipfile.ZipFile(path) as archive:
        for member in members:
            if _declares_dtd(archive, member.filename, name):
                raise ValidationError(
                    f"{name} › {member.filename}",
                    "io.contains_a_dtd_or_entity_declaration",
                )
    return path


def _declares_dtd(archive: zipfile.ZipFile, member: str, name: str) -> bool:
    keep = max(len(p) for p in _FORBIDDEN_XML) - 1
    tail = b""
    head = member.lower().endswith(_XML_PARTS)
    for chunk in _chunks(archive, member, name):
        if head:  # in UTF-16 (or a declared EBCDIC), a DTD would not show as these bytes
            _require_utf8(chunk, f"{name} › {member}")
            head = False
        data = tail + chunk
        if any(pattern in data for pattern in _FORBIDDEN_XML):
            return True
        tail = data[-keep:]
    return False


def merged_ranges(path: Path, members: Sequence[str] | None = None) -> dict[str, list[str]]:
    """{part: merged ranges ('B2:C2', …)} of the workbook's parts (default: all of them).

    Read from the raw parts, before openpyxl opens the file: its read-only mode does not report
    merged cells, and its normal mode creates a cell object for every cell a range covers.
    """
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as archive:
        for member in members if members is not None else archive.namelist():
            ranges: list[str] = []
            tail = b""
            for chunk in _chunks(archive, member, path.name):
                data = tail + chunk
                cut = data.rfind(b"<")  # tags before the last '<' are complete
                ranges += [m.decode("ascii", "replace") for m in _MERGE_CELL.findall(data, 0, max(cut, 0))]
                tail = data[cut:] if cut >= 0 else b""
                if len(tail) > 4096:  # one tag and a long text after it: a mergeCell tag is short
                    ranges += [m.decode("ascii", "replace") for m in _MERGE_CELL.findall(tail, 0, 4096)]
                    tail = b""
            ranges += [m.decode("ascii", "replace") for m in _MERGE_CELL.findall(tail)]
            if ranges:
                found[member] = ranges
    return found


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a large sheet is read or written (and back on after,
    if it was on). Parsing creates millions of short-lived objects, each collection walks the rows
    kept so far, and none of them forms a cycle: with the collector on, reading 100,000 rows takes
    twice as long."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def open_workbook(path: Path, *, read_only: bool, data_only: bool = False) -> Iterator[Any]:
    """openpyxl's workbook of a file `check_xlsx` accepted; anything openpyxl cannot read is a
    ValidationError naming the file."""
    with open(path, "rb") as handle:  # a handle: openpyxl would insist on the file name's extension
        try:
            wb = load_workbook(handle, read_only=read_only, data_only=data_only, keep_links=False)
        except Exception as error:
            raise unreadable(path.name, error) from None
        try:
            yield wb
        finally:
            wb.close()


# --- import ----------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int  # spreadsheet row number
    values: dict[str, Any]


@dataclass
class _Batch:
    where: str
    rows: list[_Row]
    product: tuple[str, int, str]  # kind, id, code
    roasted_on: date
    roasted_g: int
    minutes: float | None
    operator: str
    notes: str
    source: str
    external_id: str | None
    components: dict[int, int]  # bean id -> green g, file order
    component_codes: dict[int, str]

    def key(self) -> tuple:
        return _batch_key(
            self.product[0],
            self.product[1],
            self.roasted_on.isoformat(),
            self.roasted_g,
            self.minutes,
            self.operator,
            self.notes,
            self.source,
            self.components,
        )

    def api_values(self) -> dict[str, Any]:
        return {
            "product": f"{self.product[0]}:{self.product[2]}",
            "components": {self.component_codes[b]: g for b, g in self.components.items()},
            "roasted_g": self.roasted_g,
            "roasted_on": self.roasted_on,
            "minutes": self.minutes,
            "operator": self.operator,
            "notes": self.notes,
        }


def _batch_key(kind, product_id, day, roasted_g, minutes, operator, notes, source, components) -> tuple:
    return (
        kind,
        product_id,
        day,
        roasted_g,
        None if minutes is None else round(float(minutes), 6),
        operator,
        notes,
        source,
        tuple(sorted(components.items())),
    )


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


# --- value parsing ---------------------------------------------------------------------------


def _pct(field: str, value: Any) -> int | None:
    """A % cell: a number is the fraction Excel stores (0.167 = 16.7 %); text may say '16.7' or '16.7%'."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(field, "io.must_be_a_percentage")
    if isinstance(value, int | float):
        return parse_pct_bp(field, str(Decimal(repr(float(value))) * 100))
    return parse_pct_bp(field, value)


def _pct_text(bp: int | None) -> str | None:
    return None if bp is None else str(Decimal(bp) / 100)


def _bool(field: str, value: Any, default: bool = True) -> bool:
    return default if value is None else parse_bool(field, value)


def _text(field: str, value: Any, max_len: int = 120, required: bool = False) -> str:
    if isinstance(value, datetime | date) or isinstance(value, bool):
        raise ValidationError(field, "io.must_be_text")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return parse_text(field, value, max_len=max_len, required=required)


def _minutes(value: Any) -> float | None:
    if value is None:
        return None
    return float(parse_decimal("minutes", value, minimum=Decimal("0.1"), maximum=Decimal(240)))


class _ExcelImporter:
    def __init__(self, conn: sqlite3.Connection, fname: str, report: ImportReport, user: str, bulk: bool | None):
        self.conn = conn
        self.fname = fname
        self.report = report
        self.user = user
        self.bulk = bulk
        self.beans: dict[str, int] = {}  # code (upper) -> id
        self.blends: dict[str, int] = {}

    def where(self, sheet: str, row: _Row | int) -> str:
        number = row.number if isinstance(row, _Row) else row
        return f"{self.fname} › {sheet} › row {number}"

    def _load_codes(self) -> None:
        self.beans = {r[1].upper(): r[0] for r in self.conn.execute("SELECT id, code FROM beans")}
        self.blends = {r[1].upper(): r[0] for r in self.conn.execute("SELECT id, code FROM blends")}

    def bean_id(self, field: str, value: Any) -> int:
        code = _text(field, value, max_len=40, required=True)
        found = self.beans.get(code.upper())
        if found is None:
            raise ValidationError(field, "io.unknown_bean", code=code)
        return found

    def product(self, kind_value: Any, code_value: Any) -> tuple[str, int, str]:
        code = _text("product", code_value, max_len=40, required=True)
        kind = parse_choice("kind", kind_value, ("bean", "blend")) if kind_value is not None else None
        for k, table in (("blend", self.blends), ("bean", self.beans)):
            if kind in (None, k) and code.upper() in table:
                return k, table[code.upper()], code
        raise ValidationError("product", "io.unknown", kind=kind or "product", code=code)

    def attempt(self, entity: str, where: str, action: Callable[[], str | None]) -> None:
        """Run one row's work in a savepoint; count its outcome or record why it was rejected."""
        try:
            with row_savepoint(self.conn):
                outcome = action()
        except ValidationError as error:
            self.report.reject_error(entity, where, error)
            return
        if outcome:
            self.report.add(entity, outcome)

    def run(self, sheets: dict[str, list[_Row]]) -> None:
        self._load_codes()
        steps = {
            "beans": self.import_beans,
            "blends": self.import_blends,
            "cost_settings": self.import_settings,
            "purchases": self.import_purchases,
            "stock_adjustments": self.import_adjustments,
            "roast_batches": self.import_batches,
            "menu_items": self.import_menu,
        }
        for sheet in ORDER:
            if sheet in sheets:
                steps[sheet](sheets[sheet])
                self._load_codes()

    # --- catalog -----------------------------------------------------------------------------

    def import_beans(self, rows: list[_Row]) -> None:
        seen: set[str] = set()
        for row in rows:
            self.attempt("beans", self.where("beans", row), lambda row=row: self._bean(row, seen))

    def _bean(self, row: _Row, seen: set[str]) -> str:
        v = row.values
        clean = {
            "code": parse_code("code", v.get("code")),
            "name_en": _text("name_en", v.get("name_en"), required=True),
            "name_ko": _text("name_ko", v.get("name_ko")),
            "country": _text("country", v.get("country"), 60),
            "process": _text("process", v.get("process"), 60),
            "roast_level": _text("roast_level", v.get("roast_level"), 10),
            "reorder_point_g": parse_grams("reorder_point_g", v.get("reorder_point_g") or 0, allow_zero=True),
            "expected_loss_bp": _pct("expected_loss_pct", v.get("expected_loss_pct")),
            "active": int(_bool("active", v.get("active"))),
            "notes": _text("notes", v.get("notes"), 2000),
        }
        if clean["code"].upper() in seen:
            raise ValidationError("code", "io.appears_twice_in_the_sheet", code=clean["code"])
        seen.add(clean["code"].upper())
        api = {k: val for k, val in clean.items() if k != "expected_loss_bp"}
        api["expected_loss_pct"] = _pct_text(clean["expected_loss_bp"])
        existing = self.conn.execute("SELECT * FROM beans WHERE code = ? COLLATE NOCASE", (clean["code"],)).fetchone()
        if existing is None:
            if api["expected_loss_pct"] is None:
                api.pop("expected_loss_pct")
            catalog.add_bean(self.conn, user=self.user, **api)
            return "created"
        changes = {
            k: api[k if k != "expected_loss_bp" else "expected_loss_pct"] for k in clean if clean[k] != existing[k]
        }
        changes.pop("code", None)  # same code up to case: keep the stored spelling
        if not changes:
            return "unchanged"
        if "expected_loss_bp" in changes:
            changes["expected_loss_pct"] = changes.pop("expected_loss_bp") or ""
        catalog.update_bean(self.conn, existing["id"], user=self.user, **changes)
        return "updated"

    def import_blends(self, rows: list[_Row]) -> None:
        groups: dict[str, list[_Row]] = {}
        for row in rows:
            code = str(row.values.get("code") or "").strip().upper()
            groups.setdefault(code, []).append(row)
        for group in groups.values():
            where = self.where("blends", group[0])
            self.attempt("blends", where, lambda group=group: self._blend(group))

    def _blend(self, group: list[_Row]) -> str:
        first = group[0].values
        clean = {
            "code": parse_code("code", first.get("code")),
            "name_en": _text("name_en", first.get("name_en"), required=True),
            "name_ko": _text("name_ko", first.get("name_ko")),
            "description": _text("description", first.get("description"), 2000),
            "expected_loss_bp": _pct("expected_loss_pct", first.get("expected_loss_pct")),
            "active": int(_bool("active", first.get("active"))),
        }
        parts: dict[int, int] = {}
        codes: dict[int, str] = {}
        for row in group:
            v = row.values
            for key in ("name_en", "name_ko", "description", "expected_loss_pct", "active"):
                if v.get(key) != first.get(key):
                    raise ValidationError(
                        f"row {row.number} {key}",
                        "io.differs_from_the_blend_s_first",
                        first_row=group[0].number,
                    )
            if v.get("bean") is None and v.get("parts") is None:
                continue
            bean = self.bean_id(f"row {row.number} bean", v.get("bean"))
            if bean in parts:
                raise ValidationError(f"row {row.number} bean", "io.is_listed_twice")
            parts[bean] = parse_int(f"row {row.number} parts", v.get("parts"), minimum=1, maximum=1000)
            codes[bean] = str(v.get("bean")).strip()
        if not parts:
            raise ValidationError("bean", "io.a_blend_needs_at_least_one")
        api = {k: val for k, val in clean.items() if k != "expected_loss_bp"}
        api["expected_loss_pct"] = _pct_text(clean["expected_loss_bp"])
        components = {codes[b]: p for b, p in parts.items()}
        existing = self.conn.execute("SELECT * FROM blends WHERE code = ? COLLATE NOCASE", (clean["code"],)).fetchone()
        if existing is None:
            if api["expected_loss_pct"] is None:
                api.pop("expected_loss_pct")
            catalog.add_blend(self.conn, components=components, user=self.user, **api)
            return "created"
        changes: dict[str, Any] = {}
        for key in ("name_en", "name_ko", "description", "active"):
            if clean[key] != existing[key]:
                changes[key] = clean[key]
        if clean["expected_loss_bp"] != existing["expected_loss_bp"]:
            changes["expected_loss_pct"] = api["expected_loss_pct"] or ""
        stored = {c["bean_id"]: c["parts"] for c in catalog.blend_components(self.conn, existing["id"])}
        if stored != parts:
            changes["components"] = components
        if not changes:
            return "unchanged"
        catalog.update_blend(self.conn, existing["id"], user=self.user, **changes)
        return "updated"

    def import_settings(self, rows: list[_Row]) -> None:
        for row in rows:
            self.attempt("cost_settings", self.where("cost_settings", row), lambda row=row: self._settings(row))

    def _settings(self, row: _Row) -> str:
        v = row.values
        effective = parse_date("effective_from", v.get("effective_from"), today=date(9999, 12, 31))
        values = {
            "effective_from": effective,
            "expected_loss_bp": _pct("expected_loss_pct", v.get("expected_loss_pct")),
            "use_recent_loss": _bool("use_recent_loss", v.get("use_recent_loss"), default=False),
            "roasting_won_per_kg": parse_won("roasting_won_per_kg", v.get("roasting_won_per_kg")),
            "labour_won_per_hour": parse_won("labour_won_per_hour", v.get("labour_won_per_hour")),
            "labour_minutes_per_session": parse_int(
                "labour_minutes_per_session", v.get("labour_minutes_per_session"), minimum=0, maximum=24 * 60
            ),
            "energy_won_per_session": parse_won("energy_won_per_session", v.get("energy_won_per_session")),
            "misc_won_per_session": parse_won("misc_won_per_session", v.get("misc_won_per_session")),
            "planned_session_roasted_g": parse_int(
                "planned_session_roasted_g", v.get("planned_session_roasted_g"), minimum=1, maximum=1_000_000
            ),
            "price_multiplier_pct": parse_int(
                "price_multiplier_pct", v.get("price_multiplier_pct"), minimum=100, maximum=10_000
            ),
        }
        if values["expected_loss_bp"] is None:
            raise ValidationError("expected_loss_pct", "error.is_required")
        existing = self.conn.execute(
            "SELECT * FROM cost_settings WHERE effective_from = ?", (effective.isoformat(),)
        ).fetchone()
        if existing is not None:
            same = all(
                (int(values[k]) if isinstance(values[k], bool) else values[k]) == existing[k]
                for k in values
                if k != "effective_from"
            )
            if same:
                return "unchanged"
        cost_settings.save(self.conn, user=self.user, **values)
        return "created" if existing is None else "updated"

    # --- ledger ------------------------------------------------------------------------------

    def import_purchases(self, rows: list[_Row]) -> None:
        columns = ("purchased_on", "bean_id", "grams", "total_won", "supplier", "lot_code", "notes")
        self._import_ledger("purchases", columns, rows, self._purchase)

    def _purchase(self, row: _Row, stored: dict, natural: Counter, seen_ext: set[str]) -> str:
        v = row.values
        clean = {
            "purchased_on": parse_date("purchased_on", v.get("purchased_on")).isoformat(),
            "bean_id": self.bean_id("bean", v.get("bean")),
            "grams": parse_grams("grams", v.get("grams")),
            "total_won": parse_won("total_won", v.get("total_won")),
            "supplier": _text("supplier", v.get("supplier")),
            "lot_code": _text("lot_code", v.get("lot_code"), 60),
            "notes": _text("notes", v.get("notes"), 2000),
        }
        external = _text("external_id", v.get("external_id"), 200) or None
        key = tuple(clean.values())
        if not self._ledger_match(external, key, stored, natural, seen_ext, "purchase"):
            return "unchanged"
        bean = clean.pop("bean_id")
        inventory.add_purchase(self.conn, bean=bean, external_id=external, user=self.user, **clean)
        return "created"

    def _ledger_match(self, external, key, stored, natural, seen_ext, what: str) -> bool:
        """True when the row is new; False when the store already holds it; raises when it conflicts."""
        if external:
            if external in seen_ext:
                raise ValidationError("external_id", "io.appears_twice_in_the_sheet_2", external=external)
            seen_ext.add(external)
            if external in stored:
                if stored[external] != key:
                    raise ValidationError(
                        "external_id",
                        "io.the_stored_differs_an_import_never",
                        what=what,
                        external=external,
                    )
                return False
            return True
        if natural[key] > 0:
            natural[key] -= 1
            return False
        return True

    def import_adjustments(self, rows: list[_Row]) -> None:
        self._import_ledger(
            "stock_adjustments", ("adjusted_on", "bean_id", "delta_g", "reason"), rows, self._adjustment
        )

    def _import_ledger(self, table: str, columns: tuple[str, ...], rows: list[_Row], handle: Callable) -> None:
        """Rows of a ledger table, which an import only ever adds to: the store's rows indexed by
        external id (`stored`) and, without one, counted by their values (`natural`), so that
        `handle` can tell a row already held from a new one (`_ledger_match`)."""
        stored: dict[str, tuple] = {}
        natural: Counter = Counter()
        for r in self.conn.execute(f"SELECT * FROM {table}"):  # table: one of two fixed names
            key = tuple(r[c] for c in columns)
            if r["external_id"]:
                stored[r["external_id"]] = key
            else:
                natural[key] += 1
        seen_ext: set[str] = set()
        for row in rows:
            self.attempt(table, self.where(table, row), lambda row=row: handle(row, stored, natural, seen_ext))

    def _adjustment(self, row: _Row, stored: dict, natural: Counter, seen_ext: set[str]) -> str:
        v = row.values
        delta = parse_int("delta_g", v.get("delta_g"), minimum=-10_000_000, maximum=10_000_000)
        if delta == 0:
            raise ValidationError("delta_g", "error.must_not_be_zero")
        clean = {
            "adjusted_on": parse_date("adjusted_on", v.get("adjusted_on")).isoformat(),
            "bean_id": self.bean_id("bean", v.get("bean")),
            "delta_g": delta,
            "reason": _text("reason", v.get("reason"), 500, required=True),
        }
        external = _text("external_id", v.get("external_id"), 200) or None
        if not self._ledger_match(external, tuple(clean.values()), stored, natural, seen_ext, "adjustment"):
            return "unchanged"
        bean = clean.pop("bean_id")
        inventory.add_adjustment(self.conn, bean=bean, external_id=external, user=self.user, **clean)
        return "created"

    # --- roast batches -----------------------------------------------------------------------

    def import_batches(self, rows: list[_Row]) -> None:
        batches = self._parse_batches(rows)
        stored_ext: dict[str, tuple[int, tuple]] = {}
        natural: Counter = Counter()
        components: dict[int, dict[int, int]] = defaultdict(dict)
        for r in self.conn.execute(
            "SELECT batch_id, bean_id, green_g FROM roast_components ORDER BY batch_id, bean_id"
        ):
            components[r[0]][r[1]] = r[2]
        for r in self.conn.execute("SELECT * FROM roast_batches"):
            kind = "bean" if r["bean_id"] is not None else "blend"
            key = _batch_key(
                kind,
                r["bean_id"] or r["blend_id"],
                r["roasted_on"],
                r["roasted_g"],
                r["minutes"],
                r["operator"],
                r["notes"],
                r["source"],
                components[r["id"]],
            )
            if r["external_id"]:
                stored_ext[r["external_id"]] = (r["id"], key)
            else:
                natural[key] += 1
        del components
        new: list[_Batch] = []
        seen_ext: set[str] = set()
        for batch in batches:
            ext = batch.external_id
            if ext:
                if ext in seen_ext:
                    self.report.reject_error(
                        "roast_batches",
                        batch.where,
                        ValidationError("external_id", "io.external_id_twice", external=ext),
                    )
                    continue
                seen_ext.add(ext)
                if ext in stored_ext:
                    batch_id, key = stored_ext[ext]
                    if key == batch.key():
                        self.report.add("roast_batches", "unchanged")
                    else:
                        self.attempt("roast_batches", batch.where, lambda b=batch, i=batch_id: self._update_batch(b, i))
                    continue
            elif natural[batch.key()] > 0:
                natural[batch.key()] -= 1
                self.report.add("roast_batches", "unchanged")
                continue
            new.append(batch)
        if not new:
            return
        bulk = self.bulk if self.bulk is not None else len(new) >= BULK_MIN_BATCHES
        create_batches(self.conn, new, self.report, user=self.user, bulk=bulk, create_one=self._create_batch)

    def _create_batch(self, batch: _Batch) -> str:
        roasting.add_batch(
            self.conn, user=self.user, source=batch.source, external_id=batch.external_id, **batch.api_values()
        )
        return "created"

    def _update_batch(self, batch: _Batch, batch_id: int) -> str:
        roasting.update_batch(self.conn, batch_id, user=self.user, **batch.api_values())
        return "updated"

    def _parse_batches(self, rows: list[_Row]) -> list[_Batch]:
        groups: dict[Any, list[_Row]] = {}
        for row in rows:
            groups.setdefault(row.values.get("batch"), []).append(row)
        batches = []
        for number, group in groups.items():
            where = self.where("roast_batches", group[0])
            try:
                batches.append(self._parse_batch(where, number, group))
            except ValidationError as error:
                self.report.reject_error("roast_batches", where, error)
        return batches

    def _parse_batch(self, where: str, number: Any, group: list[_Row]) -> _Batch:
        parse_int("batch", number, minimum=1)
        first = group[0].values
        shared = ("roasted_on", "product", "kind", "roasted_g", "minutes", "operator", "notes", "source", "external_id")
        for row in group[1:]:
            for key in shared:
                if row.values.get(key) != first.get(key):
                    raise ValidationError(
                        f"row {row.number} {key}",
                        "io.differs_from_the_batch_s_first",
                        first_row=group[0].number,
                    )
        product = self.product(first.get("kind"), first.get("product"))
        components: dict[int, int] = {}
        codes: dict[int, str] = {}
        for row in group:
            field = f"row {row.number} bean" if len(group) > 1 else "bean"
            bean = self.bean_id(field, row.values.get("bean"))
            if bean in components:
                raise ValidationError(field, "io.is_listed_twice_in_the_batch")
            grams_field = f"row {row.number} green_g" if len(group) > 1 else "green_g"
            components[bean] = parse_grams(grams_field, row.values.get("green_g"))
            codes[bean] = str(row.values.get("bean")).strip()
        # the batch's own rules (recipe, weights, source, stock) are roasting's: checked when it is written
        return _Batch(
            where=where,
            rows=group,
            product=product,
            roasted_on=parse_date("roasted_on", first.get("roasted_on")),
            roasted_g=parse_grams("roasted_g", first.get("roasted_g")),
            minutes=_minutes(first.get("minutes")),
            operator=_text("operator", first.get("operator"), 60),
            notes=_text("notes", first.get("notes"), 2000),
            source=_text("source", first.get("source"), 40) or "excel",
            external_id=_text("external_id", first.get("external_id"), 200) or None,
            components=components,
            component_codes=codes,
        )

    # --- menu --------------------------------------------------------------------------------

    def import_menu(self, rows: list[_Row]) -> None:
        seen: set[str] = set()
        for row in rows:
            self.attempt("menu_items", self.where("menu_items", row), lambda row=row: self._menu_item(row, seen))

    def _menu_item(self, row: _Row, seen: set[str]) -> str:
        v = row.values
        kind, product_id, code = self.product(v.get("kind"), v.get("product"))
        clean = {
            "code": parse_code("code", v.get("code")),
            "name_en": _text("name_en", v.get("name_en"), required=True),
            "name_ko": _text("name_ko", v.get("name_ko")),
            "channel": parse_choice("channel", v.get("channel"), catalog.CHANNELS),
            "bean_id": product_id if kind == "bean" else None,
            "blend_id": product_id if kind == "blend" else None,
            "dose_g": parse_int("dose_g", v.get("dose_g"), minimum=1, maximum=100_000),
            "price_won": parse_won("price_won", v.get("price_won")),
            "extra_cost_won": parse_won("extra_cost_won", v.get("extra_cost_won") or 0),
            "active": int(_bool("active", v.get("active"))),
            "external_id": _text("external_id", v.get("external_id"), 200) or None,
        }
        if clean["code"].upper() in seen:
            raise ValidationError("code", "io.appears_twice_in_the_sheet", code=clean["code"])
        seen.add(clean["code"].upper())
        api = {k: val for k, val in clean.items() if k not in ("bean_id", "blend_id")}
        api["product"] = f"{kind}:{code}"
        existing = self.conn.execute(
            "SELECT * FROM menu_items WHERE code = ? COLLATE NOCASE", (clean["code"],)
        ).fetchone()
        if existing is None:
            catalog.add_menu_item(self.conn, user=self.user, **api)
            return "created"
        changes = {k: clean[k] for k in clean if k != "code" and clean[k] != existing[k]}
        if not changes:
            return "unchanged"
        if "bean_id" in changes or "blend_id" in changes:
            changes.pop("bean_id", None), changes.pop("blend_id", None)
            changes["product"] = api["product"]
        catalog.update_menu_item(self.conn, existing["id"], user=self.user, **changes)
        return "updated"


# --- new roast batches ----------------------------------------------------------------------


def create_batches(
    conn: sqlite3.Connection,
    new: list[_Batch],
    report: ImportReport,
    *,
    user: str,
    bulk: bool,
    create_one: Callable[[_Batch], str],
) -> None:
    """Record new batches: in one pass through `roasting.add_batches` when `bulk`, else one by one
    with `create_one` (the per-row API, each in a savepoint; the tests compare the two).

    Either way every bad batch is reported with its place in the file and the others are still
    checked (the import is then refused as a whole).
    """
    if bulk:

        def rejected(index: int, error: ValidationError) -> None:
            report.reject_error("roast_batches", new[index].where, error)

        rows = [{**b.api_values(), "source": b.source, "external_id": b.external_id} for b in new]
        created = sum(1 for i in roasting.add_batches(conn, rows, user=user, rejected=rejected) if i is not None)
        if created:
            report.add("roast_batches", "created", created)
        return
    for batch in new:
        try:
            with row_savepoint(conn):
                outcome = create_one(batch)
        except ValidationError as error:
            report.reject_error("roast_batches", batch.where, error)
            continue
        report.add("roast_batches", outcome)

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

Reading and writing .xlsx: `XlsxReader` streams sheets itself (a strict tokenizer for the plain
layout spreadsheet programs write, ElementTree for anything else; DTDs refused; sizes checked
before any parsing by `check_xlsx`) — openpyxl's read-only mode parses a sheet without a
<dimension> twice and through defusedxml's pure-Python parser, about 20× slower, and its normal
mode materialises every cell of a sheet that claims a million rows. The menu and workbook
importers use the same reader with formulas kept (`Formula`: text and saved value). The export
writes SpreadsheetML directly for the same reason (openpyxl's serialiser is ~10× slower);
openpyxl is still used for its date and formula helpers, and the tests read every export with it.
Big imports of new roast batches in date order take `bulk_add_batches`, which gives exactly the
per-row API's results (see its docstring; tests compare both paths table by table).
"""

from __future__ import annotations

import csv
import re
import sqlite3
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from .. import audit, catalog, cost_settings, inventory, roasting
from ..costing import loss_pct, moving_average, round_decimal
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
from .report import (
    ImportReport,
    Progress,
    check_file,
    file_sha256,
    previous_import,
    row_savepoint,
    run_import,
)

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
BULK_MIN_BATCHES = 50  # below this the per-row API is fast enough


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
        number, last_id = 0, None
        for r in conn.execute(sql):
            if r["id"] != last_id:
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
        raise ValidationError("table", f"unknown table '{sheet}'", f"'{sheet}' 표가 없습니다")


def _row_count(conn: sqlite3.Connection, sheet: str) -> int:
    table = {"blends": "blend_components", "roast_batches": "roast_components"}.get(sheet, sheet)
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def is_dangerous_text(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(DANGEROUS_START)


# --- export ----------------------------------------------------------------------------------


def export_workbook(conn: sqlite3.Connection, path: Any, *, progress: Progress | None = None) -> dict[str, int]:
    """Write the whole store to one .xlsx in our format; returns rows written per sheet.

    The SpreadsheetML is written directly (streamed into the zip): openpyxl's writer spends
    about 0.3 ms per row serialising cells, ten times what this takes, and 100,000 rows should
    not take half a minute. The file is plain Office Open XML that Excel, LibreOffice and openpyxl
    read (the tests read every export back with openpyxl).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    total = sum(_row_count(conn, s) for s in SHEETS)
    done = 0
    written: dict[str, int] = {}
    titles = ["about", *SHEETS]
    partial = path.with_name(path.name + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", _content_types(len(titles)))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook_xml(titles))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(titles)))
        archive.writestr("xl/styles.xml", _STYLES_XML)
        about_rows = [
            ("format", FORMAT_NAME),
            ("version", FORMAT_VERSION),
            ("schema", current_version(conn)),
            ("note", "One sheet per table. Derived columns are recomputed on import. Dates are real dates."),
        ]
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            _write_sheet(stream, [16, 60], None, [], iter(about_rows), len(about_rows), frozen=False)
        for number, (sheet, columns) in enumerate(SHEETS.items(), start=2):
            count = _row_count(conn, sheet)

            def tick(n: int, base: int = done) -> None:
                if progress and n % 5000 == 0:
                    progress(base + n, total)

            with archive.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as stream:
                written[sheet] = _write_sheet(
                    stream,
                    [c.width for c in columns],
                    [c.name for c in columns],
                    [_STYLE_IDS[c.number_format] for c in columns],
                    sheet_rows(conn, sheet),
                    count,
                    tick=tick,
                )
            done += written[sheet]
    partial.replace(path)
    if progress:
        progress(total, total)
    return written


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ROOT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
# cellXfs: 0 plain, 1 won, 2 grams, 3 %, 4 date, 5 minutes, 6 header, 7 text with the quote prefix
_STYLE_IDS: dict[str | None, int] = {None: 0, WON: 1, GRAMS: 2, PCT: 3, DAY: 4, MINUTES: 5}
_HEADER_STYLE, _QUOTED_STYLE = 6, 7


def _xml_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


_STYLES_XML = (
    f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="5">'
    + "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode="{_xml_attr(code)}"/>'
        for i, code in enumerate((WON, GRAMS, PCT, DAY, MINUTES))
    )
    + "</numFmts>"
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFE8E2D0"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    + "".join(
        f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        for i in range(5)
    )
    + '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"'
    ' applyAlignment="1"><alignment horizontal="center"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _content_types(sheets: int) -> str:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, sheets + 1)
    )
    return (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>"
    )


def _workbook_xml(titles: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{_xml_attr(title)}" sheetId="{i}" r:id="rId{i}"/>' for i, title in enumerate(titles, start=1)
    )
    return (
        f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f'<bookViews><workbookView activeTab="1"/></bookViews><sheets>{sheets}</sheets></workbook>'
    )


def _workbook_rels(sheets: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, sheets + 1)
    )
    styles = f'<Relationship Id="rId{sheets + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    return f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{rels}{styles}</Relationships>'


_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = date(1899, 12, 30)


def _text_cell(ref: str, text: str, style: int) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in escaped:
        escaped = escaped.replace("\r", "&#13;")  # a literal CR would be read back as LF
    if _ILLEGAL_XML.search(escaped):
        escaped = _ILLEGAL_XML.sub("\ufffd", escaped)  # not representable in XML 1.0
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    quoted = f' s="{_QUOTED_STYLE}"' if text.startswith(DANGEROUS_START) else (f' s="{style}"' if style else "")
    return f'<c r="{ref}"{quoted} t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def _write_sheet(
    stream,
    widths: list[float],
    header: list[str] | None,
    styles: list[int],
    rows: Iterator[tuple],
    count: int,
    *,
    frozen: bool = True,
    tick: Callable[[int], None] | None = None,
) -> int:
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(i) for i in range(1, len(widths) + 1)]
    last_row = count + (1 if header else 0)
    pane = (
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        if frozen
        else ""
    )
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>' for i, width in enumerate(widths, start=1)
    )
    head = (
        f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f'<dimension ref="A1:{letters[-1]}{max(last_row, 1)}"/>'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
    )
    stream.write(head.encode())
    chunk: list[str] = []
    number = 0
    if header:
        number = 1
        cells = "".join(_text_cell(f"{letters[i]}1", name, _HEADER_STYLE) for i, name in enumerate(header))
        chunk.append(f'<row r="1">{cells}</row>')
    written = 0
    for values in rows:
        number += 1
        row = str(number)
        parts = [f'<row r="{row}">']
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = letters[i] + row
            style = styles[i] if styles else 0
            if value is True or value is False:
                parts.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                s_attr = f' s="{style}"' if style else ""
                parts.append(f'<c r="{ref}"{s_attr}><v>{value!r}</v></c>')
            elif isinstance(value, date):
                parts.append(f'<c r="{ref}" s="{_STYLE_IDS[DAY]}"><v>{(value - _EXCEL_EPOCH).days}</v></c>')
            else:
                parts.append(_text_cell(ref, str(value), 0))
        parts.append("</row>")
        chunk.append("".join(parts))
        written += 1
        if len(chunk) >= 2000:
            stream.write("".join(chunk).encode())
            chunk.clear()
        if tick:
            tick(written)
    chunk.append(
        '</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>'
    )
    stream.write("".join(chunk).encode())
    return written


def export_csv(conn: sqlite3.Connection, table: str, path: Any) -> int:
    """One sheet of the export as CSV (UTF-8 with BOM, so Excel reads Korean); returns rows written.

    Percentages are written as percent numbers (16.7), dates as ISO text, booleans as yes/no, and
    text that a spreadsheet would evaluate (=, +, -, @, tab, CR first) gets a leading apostrophe.
    """
    if table not in SHEETS:
        raise ValidationError("table", f"must be one of {', '.join(SHEETS)}", f"{', '.join(SHEETS)} 중 하나여야 합니다")
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


def check_xlsx(
    path: Any,
    *,
    max_bytes: int = MAX_XLSX_BYTES,
    max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
) -> Path:
    """Refuse, before any parsing, a file that is too large, not a zip, truncated, or a zip bomb."""
    path = check_file(path, max_bytes=max_bytes, what=".xlsx")
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ValidationError(
            name,
            "is not a valid .xlsx file (corrupted or truncated)",
            "올바른 .xlsx 파일이 아닙니다 (손상되었거나 잘림)",
        ) from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ValidationError(name, "is a zip file but not an Excel workbook", "엑셀 통합 문서가 아닙니다")
    if len(members) > MAX_ZIP_MEMBERS:
        raise ValidationError(
            name, f"has {len(members):,} parts (limit {MAX_ZIP_MEMBERS:,})", "구성 요소가 너무 많습니다"
        )
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > 1024 * 1024 and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise ValidationError(
                name,
                f"part {member.filename} inflates {member.file_size / max(member.compress_size, 1):,.0f}× "
                f"to {member.file_size / 1e6:,.0f} MB (zip bomb?)",
                "압축 해제 크기가 비정상적으로 큽니다 (zip bomb?)",
            )
    if total > max_uncompressed:
        raise ValidationError(
            name,
            f"unpacks to {total / 1e6:,.0f} MB; the limit is {max_uncompressed / 1e6:,.0f} MB",
            f"압축 해제 크기 {total / 1e6:,.0f} MB 가 한도를 넘습니다",
        )
    return path


def unreadable(name: str, error: BaseException) -> ValidationError:
    detail = f"{type(error).__name__}: {error}"[:200]
    return ValidationError(
        name,
        f"cannot be read as an Excel workbook ({detail})",
        f"엑셀 파일을 읽을 수 없습니다 ({detail})",
    )


def scan_member(path: Path, member: str, patterns: Sequence[bytes]) -> set[bytes]:
    """Which of `patterns` occur in one zip member (streamed; no XML parsing)."""
    found: set[bytes] = set()
    keep = max(len(p) for p in patterns) - 1
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            for pattern in patterns:
                if pattern not in found and pattern in data:
                    found.add(pattern)
            tail = data[-keep:] if keep else b""
    return found


# --- a fast, safe reader for our own format ------------------------------------------------------


_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_FORBIDDEN_XML = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_LETTERS: dict[str, int] = {}


def _local(tag: str) -> str:
    return tag[tag.rfind("}") + 1 :]


def _column_index(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    index = _LETTERS.get(letters)
    if index is None:
        index = 0
        for ch in letters.upper():
            index = index * 26 + (ord(ch) - 64)
        _LETTERS[letters] = index
    return index


class Bad:
    """A cell an import refuses: a formula or an error value (what it held, for the message)."""

    __slots__ = ("what",)

    def __init__(self, what: str):
        self.what = what


class Formula:
    """A formula cell read with `keep_formulas`: its text ('=C2/0.83') and the value Excel saved with it."""

    __slots__ = ("text", "cached")

    def __init__(self, text: str, cached: Any):
        self.text = text
        self.cached = cached

    def __repr__(self) -> str:
        return f"Formula({self.text!r}, {self.cached!r})"


class XlsxReader:
    """Streams the sheets of an .xlsx with the C-accelerated ElementTree parser.

    openpyxl's read-only mode parses a sheet twice when it has no <dimension> element (files
    written by openpyxl itself) and goes through defusedxml's pure-Python parser, about 20× slower.
    Safety here: every part is checked for a DTD (<!DOCTYPE / <!ENTITY, never needed by .xlsx)
    before it is parsed, so no entity expansion can happen; the zip was already checked for size
    and inflation ratio (`check_xlsx`).
    """

    def __init__(self, path: Path):
        import xml.etree.ElementTree as ET

        self.ET = ET
        self.path = path
        self.name = path.name
        try:
            self.archive = zipfile.ZipFile(path)
            self.sheets = self._sheet_paths()
            self.shared = self._shared_strings()
            self.date_styles, self.epoch = self._styles()
        except ValidationError:
            raise
        except Exception as error:  # malformed parts of an untrusted file
            raise unreadable(self.name, error) from None

    def close(self) -> None:
        self.archive.close()

    @property
    def _convert(self) -> _Converter:
        from openpyxl.utils.datetime import from_excel

        if "_converter" not in self.__dict__:
            self.__dict__["_converter"] = _Converter(self.shared, self.date_styles, self.epoch, from_excel)
        return self.__dict__["_converter"]

    def _open(self, member: str):
        if scan_member(self.path, member, _FORBIDDEN_XML):
            raise ValidationError(
                f"{self.name} › {member}",
                "contains a DTD or entity declaration; refused",
                "DTD/엔티티 선언이 있어 거부합니다",
            )
        return self.archive.open(member)

    def _xml(self, member: str):
        with self._open(member) as stream:
            return self.ET.parse(stream).getroot()

    def _sheet_paths(self) -> dict[str, str]:
        root = self._xml("xl/workbook.xml")
        self.date1904 = any(
            (e.get("date1904") or "").lower() in ("1", "true") for e in root.iter() if _local(e.tag) == "workbookPr"
        )
        targets = {}
        if "xl/_rels/workbook.xml.rels" in self.archive.namelist():
            for rel in self._xml("xl/_rels/workbook.xml.rels"):
                target = rel.get("Target") or ""
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                targets[rel.get("Id")] = target
        sheets = {}
        names = set(self.archive.namelist())
        for element in root.iter():
            if _local(element.tag) == "sheet":
                rid = element.get(f"{{{_NS_REL}}}id") or element.get("id")
                if rid in targets:
                    if targets[rid] not in names:
                        raise ValidationError(
                            f"{self.name} › {element.get('name')}",
                            "the sheet's part is missing from the file (corrupted?)",
                            "시트 데이터가 없습니다 (손상된 파일?)",
                        )
                    sheets[element.get("name")] = targets[rid]
        return sheets

    def _shared_strings(self) -> list[str]:
        member = "xl/sharedStrings.xml"
        if member not in self.archive.namelist():
            return []
        strings: list[str] = []
        with self._open(member) as stream:
            for _event, element in self.ET.iterparse(stream, events=("end",)):
                if _local(element.tag) == "si":
                    strings.append(_text_of(element))
                    element.clear()
        return strings

    def _styles(self) -> tuple[set[int], Any]:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
        if "xl/styles.xml" not in self.archive.namelist():
            return set(), epoch
        root = self._xml("xl/styles.xml")
        custom = {}
        dates = set()
        for section in root:  # the top-level <numFmts> only (<dxfs> hold formats of their own)
            if _local(section.tag) == "numFmts":
                for element in section:
                    custom[int(element.get("numFmtId", "0"))] = element.get("formatCode") or ""
        for element in root.iter():
            if _local(element.tag) == "cellXfs":
                for index, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
                    fmt_id = int(xf.get("numFmtId", "0"))
                    code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, "General"))
                    if is_date_format(code):
                        dates.add(index)
        return dates, epoch

    def rows(self, sheet: str, *, keep_formulas: bool = False) -> Iterator[tuple[int, dict[int, Any]]]:
        """(row number, {column index: value}) per row; error cells come as `Bad`, formula cells as
        `Bad` too, or with `keep_formulas` as `Formula` (text, with shared formulas spelled out, and
        the cached value).

        Merged ranges are collected in `self.merges` (complete once the rows are exhausted). Sheets
        in the plain layout spreadsheet programs write (unprefixed SpreadsheetML, UTF-8, simple
        cells) go through a strict tokenizer about seven times faster than building elements;
        anything it does not recognise sends the whole sheet through ElementTree instead.
        """
        self.merges = []
        self._convert.keep_formulas = keep_formulas
        self._convert.shared_formulas = {}
        fast = self._fast_rows(self.sheets[sheet])
        if fast is not None:
            rows, self.merges = fast
            yield from rows
            return
        yield from self._slow_rows(self.sheets[sheet])

    def _fast_rows(self, member: str) -> tuple[list, list[str]] | None:
        convert = self._convert
        rows: list[tuple[int, dict[int, Any]]] = []
        last = 0
        try:
            with self._open(member) as stream:
                buffer = stream.read(1 << 22)
                head = buffer[:200]
                if b"encoding=" in head and not re.search(rb'encoding="utf-?8"', head, re.I):
                    return None
                start = buffer.find(b"<sheetData")
                while start == -1:
                    more = stream.read(1 << 22)
                    if not more or len(buffer) > 1 << 24:
                        return None
                    buffer += more
                    start = buffer.find(b"<sheetData")
                close = buffer.find(b">", start)
                while close == -1:
                    more = stream.read(1 << 22)
                    if not more:
                        return None
                    buffer += more
                    close = buffer.find(b">", start)
                if buffer[close - 1 : close] == b"/":  # <sheetData/>
                    tail = buffer[close:] + stream.read()
                    return rows, [m.decode() for m in _MERGE.findall(tail)]
                pos = close + 1
                eof = False
                while True:
                    match = _SPACE.match(buffer, pos)
                    pos = match.end()
                    if buffer.startswith(b"</sheetData>", pos):
                        tail = buffer[pos:] + stream.read()
                        return rows, [m.decode() for m in _MERGE.findall(tail)]
                    if not buffer.startswith(b"<row", pos):
                        if eof or len(buffer) - pos >= 16:
                            return None  # not a row: something only a real parser should judge
                        more = stream.read(1 << 22)
                        eof = not more
                        buffer, pos = buffer[pos:] + more, 0
                        continue
                    gt = buffer.find(b">", pos)
                    stop = -1 if gt == -1 or buffer[gt - 1] == 47 else buffer.find(b"</row>", gt)  # 47 = "/"
                    if gt == -1 or (stop == -1 and buffer[gt - 1] != 47):
                        if eof:
                            return None
                        more = stream.read(1 << 22)
                        eof = not more
                        buffer, pos = buffer[pos:] + more, 0
                        continue
                    start_tag = _ROW_START.fullmatch(buffer, pos, gt + 1)
                    if start_tag is None:
                        return None
                    number_match = _ROW_NUMBER.search(start_tag.group(1))
                    number = int(number_match.group(1)) if number_match else last + 1
                    last = number
                    if buffer[gt - 1] == 47:  # <row .../>
                        rows.append((number, {}))
                        pos = gt + 1
                        continue
                    cells = _fast_cells(buffer[gt + 1 : stop], convert)
                    if cells is None:
                        return None
                    rows.append((number, cells))
                    pos = stop + 6
        except ValidationError:
            raise
        except Exception as error:  # truncated or corrupted zip data
            raise unreadable(self.name, error) from None

    def _slow_rows(self, member: str) -> Iterator[tuple[int, dict[int, Any]]]:
        convert = self._convert
        names: dict[str, str] = {}
        last = 0
        try:
            with self._open(member) as stream:
                for _event, element in self.ET.iterparse(stream, events=("end",)):
                    tag = element.tag
                    name = names.get(tag)
                    if name is None:
                        name = names[tag] = _local(tag)
                    if name == "row":
                        number = int(element.get("r") or last + 1)
                        last = number
                        yield number, _element_cells(element, names, convert)
                        element.clear()
                    elif name == "mergeCell":
                        self.merges.append(element.get("ref") or "")
        except ValidationError:
            raise
        except Exception as error:  # truncated or corrupted XML or zip data
            raise unreadable(self.name, error) from None


_SPACE = re.compile(rb"\s*")
_ROW_START = re.compile(rb'<row((?:\s+[\w:]+="[^"<]*")*)\s*/?>')
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_FORMULA_PARTS = re.compile(rb"<f((?:\s+[\w:]+=\"[^\"<]*\")*)\s*(?:/>|>([^<]*)</f>)(?:<v>([^<]*)</v>)?", re.S)
_ATTRS = re.compile(r'([\w:]+)="([^"]*)"')
_MERGE = re.compile(rb'<mergeCell\s+ref="([^"]+)"')
_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _xml_text(raw: bytes) -> str | None:
    """XML character data as the parser would give it (None: something only a real parser should judge)."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        if "&" in _ENTITY.sub("", text):
            return None

        def one(match: re.Match) -> str:
            name = match.group(1)
            if name in _ENTITIES:
                return _ENTITIES[name]
            return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))

        text = _ENTITY.sub(one, text)
    return text


# One cell as spreadsheet programs write it (attributes r, s, t in this order; a value, an inline
# string, nothing, or a formula). A row whose cells do not all match is left to ElementTree.
_FAST_CELL = re.compile(
    rb'(<c r="([A-Z]{1,3})([0-9]+)"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?'
    rb'(?:\s*/>|>(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>'
    rb'|(<is><t(?: xml:space="preserve")?/></is>)|(<f[\s>/].*?))?</c>))',
    re.S,
)


def _fast_cells(body: bytes, convert: _Converter) -> dict[int, Any] | None:
    """The cells of one row body, or None when it holds anything but plain cells (then a parser decides)."""
    found = _FAST_CELL.findall(body)
    cells: dict[int, Any] = {}
    letters_index, dates, days = _LETTERS, convert.dates, convert.days
    covered = 0
    for whole, letters, digits, style, kind, raw, inline, empty, formula in found:
        covered += len(whole)
        column = letters_index.get(letters)
        if column is None:
            column = letters_index[letters] = _column_index(letters.decode())
        if formula:
            parts = _FORMULA_PARTS.match(formula)
            if parts is None:
                return None
            attrs, text, cached = parts.groups()
            text = _xml_text(text) if text else ""
            cached_text = _xml_text(cached) if cached else None
            if text is None or (cached and cached_text is None):
                return None
            cells[column] = convert.formula(
                dict(_ATTRS.findall(attrs.decode())),
                text,
                cached_text,
                kind.decode() or "n",
                f"{letters.decode()}{digits.decode()}",
                int(style) if style else None,
            )
        elif kind == b"inlineStr":
            if inline:
                value = _xml_text(inline) if (b"&" in inline or b"\r" in inline) else inline.decode()
                if value is None:
                    return None
                cells[column] = value
            elif empty:
                cells[column] = ""
        elif not kind or kind == b"n":
            if not raw:
                continue
            if style and int(style) in dates:
                value = days.get(raw)
                if value is None:
                    value = days[raw] = convert.from_excel(_number(raw.decode()), convert.epoch)
                cells[column] = value
            else:
                cells[column] = float(raw) if (b"." in raw or b"E" in raw or b"e" in raw) else int(raw)
        else:
            raw_text = None
            if raw:
                raw_text = _xml_text(raw) if (b"&" in raw or b"\r" in raw) else raw.decode()
                if raw_text is None:
                    return None
            value = convert(kind.decode(), raw_text, None, int(style) if style else None)
            if value is not None:
                cells[column] = value
    if covered != len(body) and body.strip():
        return None  # whitespace or other content between cells: let a real parser judge it
    return cells


def _element_cells(row, names: dict[str, str], convert: _Converter) -> dict[int, Any]:
    cells: dict[int, Any] = {}
    column = 0
    for c in row:
        ref = c.get("r")
        column = _column_index(ref) if ref else column + 1
        raw = formula = inline = None
        for child in c:
            name = names.get(child.tag)
            if name is None:
                name = names[child.tag] = _local(child.tag)
            if name == "v":
                raw = child.text
            elif name == "f":
                formula = child
            elif name == "is":
                inline = _text_of(child)
        style = c.get("s")
        style_id = None if style is None else int(style)
        if formula is not None:
            ref = c.get("r") or ""
            cells[column] = convert.formula(
                dict(formula.attrib), formula.text or "", raw, c.get("t") or "n", ref, style_id
            )
            continue
        value = convert(c.get("t") or "n", raw, inline, style_id)
        if value is not None:
            cells[column] = value
    return cells


class _Converter:
    """A cell's value from its type, raw text and style (dates by number format, like openpyxl)."""

    def __init__(self, shared: list[str], dates: set[int], epoch: Any, from_excel: Callable):
        self.shared, self.dates, self.epoch, self.from_excel = shared, dates, epoch, from_excel
        self.days: dict[str, Any] = {}
        self.keep_formulas = False
        self.shared_formulas: dict[str, tuple[str, str]] = {}  # si -> (master text, master cell)

    def formula(self, attrs: dict, text: str, cached: str | None, kind: str, ref: str, style: int | None) -> Any:
        """A formula cell: `Bad` for imports of data, else `Formula` with the text and the cached value."""
        shared_id = attrs.get("si")
        if attrs.get("t") == "shared" and shared_id is not None:
            if text:
                self.shared_formulas[shared_id] = (text, ref)
            elif shared_id in self.shared_formulas and ref:
                from openpyxl.formula.translate import Translator

                master, origin = self.shared_formulas[shared_id]
                try:
                    text = Translator("=" + master, origin=origin).translate_formula(ref)[1:]
                except Exception:  # an unparsable master formula: keep it as written
                    text = master
        shown = "=" + text
        if not self.keep_formulas:
            return Bad(f"the formula {shown[:40]}")
        value = None if cached is None else self(kind, cached, None, style)
        return Formula(shown, None if isinstance(value, Bad) else value)

    def __call__(self, kind: str, raw: str | None, inline: str | None, style: int | None) -> Any:
        if kind == "n":
            if not raw:
                return None
            if style is not None and style in self.dates:
                value = self.days.get(raw)
                if value is None:
                    value = self.days[raw] = self.from_excel(_number(raw), self.epoch)
                return value
            return _number(raw)
        if kind == "inlineStr":
            return inline if inline is not None else raw
        if kind == "s":
            return self.shared[int(raw)] if raw is not None else None
        if kind == "str":
            return raw or ""
        if kind == "b":
            return raw in ("1", "true")
        if kind == "e":
            return Bad(f"the error {raw}")
        if kind == "d":
            return datetime.fromisoformat(raw) if raw else None
        return raw


def _number(raw: str) -> int | float:
    return float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)


def _text_of(element) -> str:
    """The text of a shared/inline string (rich-text runs joined; phonetic hints <rPh> left out)."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


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

    `bulk`: None picks the bulk path for roast batches when it applies (many new batches in date
    order), True/False force it on/off (tests compare both).
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
    reader = XlsxReader(path)
    try:
        titles = list(reader.sheets)
        if "about" in titles:
            _check_about(reader)
        else:
            report.note("no 'about' sheet: reading the sheets by name")
        known = [t for t in titles if t in SHEETS]
        for title in titles:
            if title not in SHEETS and title != "about":
                report.note(f"sheet '{title}' is not part of the format and was ignored")
        if not known:
            raise ValidationError(
                name, f"has none of the sheets {', '.join(SHEETS)}", "가져올 시트가 없습니다 (형식이 다릅니다)"
            )
        sizes = {t: reader.archive.getinfo(reader.sheets[t]).file_size for t in known}
        total_bytes, done_bytes, done = sum(sizes.values()) or 1, 0, 0
        result: dict[str, list[_Row]] = {}
        for title in known:
            rows: list[_Row] = []
            for number, values, bad in _sheet_values(reader, title):
                if bad:
                    column, ref, what = bad
                    report.reject(
                        title,
                        f"{name} › {title} › row {number}",
                        column,
                        f"cell {ref} holds {what}: an import file holds values, not formulas or errors",
                        f"셀 {ref}: 수식이나 오류 값은 가져올 수 없습니다",
                    )
                    continue
                rows.append(_Row(number, values))
                done += 1
                if progress and done % 5000 == 0:  # total estimated from the share of XML read so far
                    progress(done, max(done, int(done * total_bytes / (done_bytes + sizes[title]))))
            if reader.merges:
                raise ValidationError(
                    f"{name} › {title} › {reader.merges[0]}",
                    "merged cells are not part of the format; unmerge them",
                    "병합된 셀은 허용되지 않습니다. 병합을 해제하세요",
                )
            done_bytes += sizes[title]
            result[title] = rows
        if progress:
            progress(done, done)
        return result
    finally:
        reader.close()


def _check_about(reader: XlsxReader) -> None:
    values: dict[str, Any] = {}
    for _number, cells in reader.rows("about"):
        key = cells.get(1)
        if key is not None and not isinstance(key, Bad):
            values[str(key).strip()] = cells.get(2)
    where = f"{reader.name} › about"
    if values.get("format") != FORMAT_NAME:
        raise ValidationError(
            where, f"is not a themoon export (format '{values.get('format')}')", "themoon 내보내기 파일이 아닙니다"
        )
    version = parse_int(f"{where} › version", values.get("version"), minimum=1)
    if version > FORMAT_VERSION:
        raise ValidationError(
            f"{where} › version",
            f"format version {version} is newer than this themoon reads ({FORMAT_VERSION})",
            "더 새로운 형식입니다. themoon을 업데이트하세요",
        )


def _sheet_values(reader: XlsxReader, title: str) -> Iterator[tuple[int, dict[str, Any], tuple | None]]:
    """(row number, {column: value}, (column, cell, what) of a formula/error cell or None) per non-empty row."""
    from openpyxl.utils import get_column_letter

    name = reader.name
    columns = SHEETS[title]
    rows = reader.rows(title)
    first = next(rows, None)
    if first is None:
        return
    number, header = first
    if number != 1:
        raise ValidationError(f"{name} › {title} › row 1", "the header row is missing", "머리글 행이 없습니다")
    index: dict[str, int] = {}
    for column, value in header.items():
        if isinstance(value, str) and value.strip():
            key = value.strip().lower()
            if key in index:
                raise ValidationError(f"{name} › {title} › row 1", f"column '{key}' appears twice", "열이 중복됩니다")
            index[key] = column
    missing = [c.name for c in columns if c.name not in index and not c.optional]
    if missing:
        raise ValidationError(
            f"{name} › {title} › row 1",
            f"missing column(s) {', '.join(missing)}",
            f"열이 없습니다: {', '.join(missing)}",
        )
    wanted = [(c.name, index[c.name]) for c in columns if c.name in index and not c.derived]
    known = {column: col_name for col_name, column in index.items()}
    for number, cells in rows:
        if not cells:
            continue
        bad = None
        values: dict[str, Any] = {}
        empty = True
        for col_name, column in wanted:
            value = cells.get(column)
            if value.__class__ is str:
                value = value.strip() or None
            values[col_name] = value
            if value is not None:
                empty = False
        for column, value in cells.items():
            if value.__class__ is Bad:
                bad = (known.get(column, "cell"), f"{get_column_letter(column)}{number}", value.what)
                break
        if empty and bad is None:
            continue
        yield number, values, bad


# --- value parsing ---------------------------------------------------------------------------


def _pct(field: str, value: Any) -> int | None:
    """A % cell: a number is the fraction Excel stores (0.167 = 16.7 %); text may say '16.7' or '16.7%'."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(field, "must be a percentage", "백분율이어야 합니다")
    if isinstance(value, int | float):
        return parse_pct_bp(field, str(Decimal(repr(float(value))) * 100))
    return parse_pct_bp(field, value)


def _pct_text(bp: int | None) -> str | None:
    return None if bp is None else str(Decimal(bp) / 100)


def _bool(field: str, value: Any, default: bool = True) -> bool:
    return default if value is None else parse_bool(field, value)


def _text(field: str, value: Any, max_len: int = 120, required: bool = False) -> str:
    if isinstance(value, datetime | date) or isinstance(value, bool):
        raise ValidationError(field, "must be text", "텍스트여야 합니다")
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
            raise ValidationError(field, f"unknown bean '{code}'", f"'{code}' 원두가 없습니다")
        return found

    def product(self, kind_value: Any, code_value: Any) -> tuple[str, int, str]:
        code = _text("product", code_value, max_len=40, required=True)
        kind = parse_choice("kind", kind_value, ("bean", "blend")) if kind_value is not None else None
        for k, table in (("blend", self.blends), ("bean", self.beans)):
            if kind in (None, k) and code.upper() in table:
                return k, table[code.upper()], code
        raise ValidationError("product", f"unknown {kind or 'product'} '{code}'", f"'{code}' 제품이 없습니다")

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
            raise ValidationError("code", f"'{clean['code']}' appears twice in the sheet", "같은 코드가 두 번 있습니다")
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
                        f"differs from the blend's first row (row {group[0].number})",
                        f"블렌드의 첫 행(행 {group[0].number})과 다릅니다",
                    )
            if v.get("bean") is None and v.get("parts") is None:
                continue
            bean = self.bean_id(f"row {row.number} bean", v.get("bean"))
            if bean in parts:
                raise ValidationError(f"row {row.number} bean", "is listed twice", "같은 원두가 두 번 있습니다")
            parts[bean] = parse_int(f"row {row.number} parts", v.get("parts"), minimum=1, maximum=1000)
            codes[bean] = str(v.get("bean")).strip()
        if not parts:
            raise ValidationError(
                "bean", "a blend needs at least one bean row", "블렌드에는 원두가 하나 이상 필요합니다"
            )
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
            raise ValidationError("expected_loss_pct", "is required", "필수 입력입니다")
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
        stored: dict[str, tuple] = {}
        natural: Counter = Counter()
        for r in self.conn.execute("SELECT * FROM purchases"):
            key = (
                r["purchased_on"],
                r["bean_id"],
                r["grams"],
                r["total_won"],
                r["supplier"],
                r["lot_code"],
                r["notes"],
            )
            if r["external_id"]:
                stored[r["external_id"]] = key
            else:
                natural[key] += 1
        seen_ext: set[str] = set()
        for row in rows:
            self.attempt(
                "purchases",
                self.where("purchases", row),
                lambda row=row: self._purchase(row, stored, natural, seen_ext),
            )

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
                raise ValidationError("external_id", f"'{external}' appears twice in the sheet", "외부 ID가 중복됩니다")
            seen_ext.add(external)
            if external in stored:
                if stored[external] != key:
                    raise ValidationError(
                        "external_id",
                        f"the stored {what} '{external}' differs; an import never rewrites the ledger "
                        f"(delete the stored {what} first)",
                        f"저장된 기록 '{external}'과 다릅니다. 가져오기는 기존 기록을 바꾸지 않습니다",
                    )
                return False
            return True
        if natural[key] > 0:
            natural[key] -= 1
            return False
        return True

    def import_adjustments(self, rows: list[_Row]) -> None:
        stored: dict[str, tuple] = {}
        natural: Counter = Counter()
        for r in self.conn.execute("SELECT * FROM stock_adjustments"):
            key = (r["adjusted_on"], r["bean_id"], r["delta_g"], r["reason"])
            if r["external_id"]:
                stored[r["external_id"]] = key
            else:
                natural[key] += 1
        seen_ext: set[str] = set()
        for row in rows:
            self.attempt(
                "stock_adjustments",
                self.where("stock_adjustments", row),
                lambda row=row: self._adjustment(row, stored, natural, seen_ext),
            )

    def _adjustment(self, row: _Row, stored: dict, natural: Counter, seen_ext: set[str]) -> str:
        v = row.values
        delta = parse_int("delta_g", v.get("delta_g"), minimum=-10_000_000, maximum=10_000_000)
        if delta == 0:
            raise ValidationError("delta_g", "must not be zero", "0이 아니어야 합니다")
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
                    self.report.reject(
                        "roast_batches",
                        batch.where,
                        "external_id",
                        f"'{ext}' appears twice in the sheet",
                        "외부 ID 중복",
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
        in_order = all(a.roasted_on <= b.roasted_on for a, b in zip(new, new[1:], strict=False))
        use_bulk = self.bulk if self.bulk is not None else len(new) >= BULK_MIN_BATCHES
        if use_bulk and not in_order and len(new) > PER_ROW_REPLAY_MAX:
            self.report.note(
                f"{len(new):,} new roast batches are not in date order: they go through the API one by one "
                "(slow); sort the sheet by roasted_on to import them at once"
            )
        create_batches(
            self.conn, new, self.report, user=self.user, bulk=use_bulk and in_order, create_one=self._create_batch
        )

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
                        f"differs from the batch's first row (row {group[0].number})",
                        f"배치의 첫 행(행 {group[0].number})과 다릅니다",
                    )
        product = self.product(first.get("kind"), first.get("product"))
        source = _text("source", first.get("source"), 40) or "excel"
        if source not in roasting.SOURCES:
            raise ValidationError("source", f"must be one of {', '.join(roasting.SOURCES)}", "알 수 없는 출처입니다")
        components: dict[int, int] = {}
        codes: dict[int, str] = {}
        recipe = self._recipe(product)
        for row in group:
            field = f"row {row.number} bean" if len(group) > 1 else "bean"
            bean = self.bean_id(field, row.values.get("bean"))
            if bean in components:
                raise ValidationError(field, "is listed twice in the batch", "같은 원두가 두 번 있습니다")
            if bean not in recipe:
                code = str(row.values.get("bean")).strip()
                raise ValidationError(field, f"{code} is not in {product[2]}", f"{code} 원두는 {product[2]}에 없습니다")
            grams_field = f"row {row.number} green_g" if len(group) > 1 else "green_g"
            components[bean] = parse_grams(grams_field, row.values.get("green_g"))
            codes[bean] = str(row.values.get("bean")).strip()
        roasted_g = parse_grams("roasted_g", first.get("roasted_g"))
        total = sum(components.values())
        if roasted_g >= total:
            raise ValidationError(
                "roasted_g",
                f"must be less than the green weight ({total:,} g)",
                f"생두량({total:,} g)보다 적어야 합니다",
            )
        return _Batch(
            where=where,
            rows=group,
            product=product,
            roasted_on=parse_date("roasted_on", first.get("roasted_on")),
            roasted_g=roasted_g,
            minutes=_minutes(first.get("minutes")),
            operator=_text("operator", first.get("operator"), 60),
            notes=_text("notes", first.get("notes"), 2000),
            source=source,
            external_id=_text("external_id", first.get("external_id"), 200) or None,
            components=components,
            component_codes=codes,
        )

    def _recipe(self, product: tuple[str, int, str]) -> set[int]:
        if product[0] == "bean":
            return {product[1]}
        cache = self.__dict__.setdefault("_recipes", {})
        if product[1] not in cache:
            cache[product[1]] = {
                r[0]
                for r in self.conn.execute("SELECT bean_id FROM blend_components WHERE blend_id = ?", (product[1],))
            }
        return cache[product[1]]

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
            raise ValidationError("code", f"'{clean['code']}' appears twice in the sheet", "같은 코드가 두 번 있습니다")
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


# --- many new roast batches at once ---------------------------------------------------------


PER_ROW_REPLAY_MAX = 2_000  # a refused bulk import is replayed row by row (exact messages) up to this size


@dataclass(frozen=True)
class Shortfall:
    """Where the running stock of a bean first goes negative once all new batches are in."""

    index: int  # the new batch (position in the list) whose consumption drives it below zero
    bean_id: int
    on_date: str
    balance_g: int


def create_batches(
    conn: sqlite3.Connection,
    new: list[_Batch],
    report: ImportReport,
    *,
    user: str,
    bulk: bool,
    create_one: Callable[[_Batch], str],
) -> None:
    """Record new batches (given in date order): at once when `bulk`, else one by one through the API.

    A bulk run the stock cannot cover is rolled back and replayed row by row, so the rejection
    names the row the per-row path names; above PER_ROW_REPLAY_MAX batches (hours of per-row
    work) the batch where the stock first runs out is rejected instead.
    """
    if bulk:
        shortfall = bulk_add_batches(conn, new, user=user)
        if shortfall is None:
            report.add("roast_batches", "created", len(new))
            return
        if len(new) > PER_ROW_REPLAY_MAX:
            batch = new[shortfall.index]
            code = catalog.get_bean(conn, shortfall.bean_id)["code"]
            report.reject(
                "roast_batches",
                batch.where,
                "green_g",
                f"the stock of {code} would fall to {shortfall.balance_g:,} g on {shortfall.on_date} with this batch "
                f"(all {len(new):,} new batches checked together)",
                f"이 배치로 {shortfall.on_date}에 {code} 재고가 {shortfall.balance_g:,} g 이 됩니다",
            )
            return
    for batch in new:
        try:
            with row_savepoint(conn):
                outcome = create_one(batch)
        except ValidationError as error:
            report.reject_error("roast_batches", batch.where, error)
            continue
        report.add("roast_batches", outcome)


def bulk_add_batches(conn: sqlite3.Connection, new: list[_Batch], *, user: str = "system") -> Shortfall | None:
    """Insert many new batches (in date order) at once, with exactly the per-row results.

    Returns None when they are in, else where the stock runs out (nothing written then).

    Why it is the same as calling `roasting.add_batch` row by row in file order:
    - stock: each row passes `available_g` iff, after all rows, no bean's running stock dips below
      zero (adding consumption only lowers balances), so one check per bean over the final ledger
      accepts exactly the same files;
    - frozen green cost: a batch on day d uses the moving average over purchases up to d, whose
      stock weights include only roasts before each purchase — all of them earlier rows, since
      rows are in date order — so one walk over each bean's ledger in ledger order gives the same
      averages (including `avg_cost_per_g`'s rule for stock of unknown cost);
    - ids, audit entries (through `audit.record`) and loss alerts are written in the same order
      with the same content (alerts re-evaluated once per product from its earliest new date).
    """
    conn.execute("SAVEPOINT bulk_batches")
    try:
        shortfall = _bulk_write(conn, new, user)
    except BaseException:
        conn.execute("ROLLBACK TO bulk_batches")
        conn.execute("RELEASE bulk_batches")
        raise
    if shortfall is not None:
        conn.execute("ROLLBACK TO bulk_batches")
    conn.execute("RELEASE bulk_batches")
    return shortfall


def _bulk_write(conn: sqlite3.Connection, new: list[_Batch], user: str) -> Shortfall | None:
    start = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM roast_batches").fetchone()[0]) + 1
    by_bean: dict[int, list[tuple[str, int, int, int]]] = defaultdict(list)  # bean -> [(day, id, grams, index)]
    for i, batch in enumerate(new):
        for bean, grams in batch.components.items():
            by_bean[bean].append((batch.roasted_on.isoformat(), start + i, grams, i))
    costs: dict[tuple[int, int], int] = {}
    for bean, entries in by_bean.items():
        ledger = conn.execute(
            "SELECT on_date, kind_order, ref_id, kind, delta_g, value_won FROM stock_ledger WHERE bean_id = ?"
            " ORDER BY on_date, kind_order, ref_id",
            (bean,),
        ).fetchall()
        merged = sorted(
            [(r[0], r[1], r[2], r[3], r[4], r[5], None) for r in ledger]
            + [(day, 1, batch_id, "new", -grams, None, index) for day, batch_id, grams, index in entries]
        )
        balance, avg = 0, None
        num, den = 0, 1  # the moving average as a fraction num/den (won per gram)
        last_new = entries[0][3]
        for on_date, _order, _ref, kind, delta, value, index in merged:
            if kind == "purchase":
                # as inventory.avg_cost_per_g: stock of unknown cost (before any purchase) takes the
                # first lot's price instead of weighing in at ₩0
                avg = moving_average(balance if avg is not None else 0, avg or Fraction(0), delta, value)
                num, den = avg.numerator, avg.denominator
            elif kind == "new":
                # = costing.green_cost_won(grams, avg): grams × avg rounded half-up, in integers
                costs[(index, bean)] = (-2 * delta * num + den) // (2 * den)
                last_new = index
            balance += delta
            if balance < 0:  # exactly what inventory.check_never_negative refuses
                return Shortfall(last_new, bean, on_date, balance)
    rows, components, payloads = [], [], []
    firsts: dict[tuple[str, int], date] = {}
    for i, batch in enumerate(new):
        kind, product_id, _code = batch.product
        row = {
            "roasted_on": batch.roasted_on.isoformat(),
            "bean_id": product_id if kind == "bean" else None,
            "blend_id": product_id if kind == "blend" else None,
            "roasted_g": batch.roasted_g,
            "minutes": batch.minutes,
            "operator": batch.operator,
            "notes": batch.notes,
            "source": batch.source,
            "external_id": batch.external_id,
        }
        frozen = {bean: (grams, costs[(i, bean)]) for bean, grams in batch.components.items()}
        rows.append((start + i, *row.values()))
        components.extend((start + i, bean, g, won) for bean, (g, won) in frozen.items())
        payloads.append({**row, "components": frozen})
        firsts.setdefault(batch.product[:2], batch.roasted_on)
    conn.executemany(
        "INSERT INTO roast_batches (id, roasted_on, bean_id, blend_id, roasted_g, minutes, operator, notes,"
        " source, external_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "INSERT INTO roast_components (batch_id, bean_id, green_g, green_cost_won) VALUES (?, ?, ?, ?)", components
    )
    for i, payload in enumerate(payloads):  # the entry (and log line) add_batch records for each batch
        audit.record(conn, user, "create", "roast_batch", start + i, None, payload)
    for (kind, product_id), since in firsts.items():
        roasting.reevaluate_alerts(conn, catalog.product_by_id(conn, kind, product_id), since)
    return None

"""POS sales exports (.csv, .xlsx) → sales per day and menu item (issue #13).

What a file may be: a Korean or English POS export, one row per day and item (a daily item
report) or one row per receipt line (a sales journal) — lines are summed per day and item.
CSV in UTF-8, UTF-8 with BOM, or CP949/EUC-KR (Korean POS software writes CP949); `.xlsx`
read through `io.xlsx` after `io.excel.check_xlsx` (same size, zip-bomb and DTD checks as every
other importer). The header row is found among the first rows by its words (`HEADERS`: date,
item, quantity, gross and/or net, optional discount and refund marker); preamble lines above
it (shop name, period) are ignored.

Rules: totals rows (`TOTAL_WORDS`: subtotal, total …) and blank lines are skipped and reported; a negative
quantity or amount needs a refund marker on its row (a refund line is subtracted, whatever
sign it is written with); a discount written negative is a discount; a date must be a past or
today's date; every bad row is named by its row number and the file is then refused whole.
Names are matched to menu items through `sales_name_map` (`--map "POS NAME=ITEM"`, stored per
source) or by being exactly an item's code or name; anything else is listed with its row count,
never guessed. The file's days replace the source's stored days (`sales.replace_days`), so a
second import of the same file changes nothing. Dry run: the same work, rolled back.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .. import sales
from ..messages import text
from ..models import MAX_WON, ValidationError
from ..reference_terms import POS_AMOUNT_MARKS as AMOUNT_MARKS
from ..reference_terms import POS_DATE as _DATE
from ..reference_terms import POS_FLAG_YES as FLAG_YES
from ..reference_terms import POS_HEADERS as HEADERS
from ..reference_terms import POS_REFUND_WORDS as REFUND_WORDS
from ..reference_terms import POS_TOTAL_WORDS as TOTAL_WORDS
from .excel import MAX_XLSX_BYTES, check_xlsx
from .limits import MAX_CSV_BYTES
from .menu import clean_text
from .outcome import ImportReport, Progress, file_sha256, previous_import, run_import
from .xlsx import open_xlsx

KIND = "sales"
ENTITY = "sales_daily"
MAX_ROWS = 1_000_000
HEADER_SCAN_ROWS = 30
FIELDS = ("date", "item", "qty", "gross", "discount", "net", "refund")


_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|（[^）]*）")
_PUNCT = re.compile(r"[\s_\-.:/*#]+")
_ENCODINGS = (("utf-8-sig", "UTF-8 with BOM"), ("utf-8", "UTF-8"), ("cp949", "CP949 (EUC-KR)"))


def header_key(value: Any) -> str:
    """A header cell as the vocabulary writes it: 'Gross Sales (KRW)' → 'grosssales', 'Sale_Date' → 'saledate'."""
    textual = unicodedata.normalize("NFKC", str(value or "")).casefold()
    return _PUNCT.sub("", _BRACKETED.sub("", textual))


_LOOKUP = {word: name for name, words in HEADERS.items() for word in words}


class Refused:
    """A cell the reader would not give a value for (a formula, an error)."""

    __slots__ = ("what",)

    def __init__(self, what: str):
        self.what = what


# --- reading the file ----------------------------------------------------------------------------------


@dataclass
class Table:
    rows: list[tuple[int, list[Any]]]  # (row number in the file, cells)
    note: str  # what was read: encoding, or sheet


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:65536]:
        raise ValidationError(path.name, "sales.binary")
    for encoding, label in _ENCODINGS:
        if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
            continue
        try:
            return data.decode(encoding), label
        except UnicodeDecodeError:
            continue
    raise ValidationError(path.name, "sales.encoding")


def _delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:HEADER_SCAN_ROWS] if line.strip()]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_csv(path: Path) -> Table:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise ValidationError(path.name, "sales.file_size", size_mb=size / 2**20, limit_mb=MAX_CSV_BYTES / 2**20)
    content, label = _decode(path, path.read_bytes())
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=_delimiter(content[:65536]))
    rows: list[tuple[int, list[Any]]] = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
            if len(rows) > MAX_ROWS:
                raise ValidationError(path.name, "sales.too_many_rows", limit=MAX_ROWS)
    except csv.Error as problem:
        raise ValidationError(path.name, "sales.csv_broken", detail=str(problem)[:120]) from None
    return Table(rows, text("sales.note.encoding", encoding=label))


def read_xlsx(path: Path) -> Table:
    """The first sheet that has a header row this importer knows (else the first sheet)."""
    path = check_xlsx(path, max_bytes=MAX_XLSX_BYTES)
    first: Table | None = None
    with open_xlsx(path) as reader:
        for title in reader.parts:
            rows: list[tuple[int, list[Any]]] = []
            for row in reader.rows(title, f"{path.name} › {title}"):
                width = max(row.values, default=0)
                cells: list[Any] = [row.values.get(c) for c in range(1, width + 1)]
                for column, what in row.refused.items():
                    cells[column - 1] = Refused(what)
                rows.append((row.number, cells))
                if len(rows) > MAX_ROWS:
                    raise ValidationError(path.name, "sales.too_many_rows", limit=MAX_ROWS)
            table = Table(rows, text("sales.note.sheet", sheet=title))
            if find_header(table.rows) is not None:
                return table
            first = first or table
    return first or Table([], "")


def read_table(path: Any) -> Table:
    path = Path(path)
    if not path.is_file():
        raise ValidationError(path.name or str(path), "sales.file_missing")
    if path.stat().st_size == 0:
        raise ValidationError(path.name, "sales.file_empty")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(path)
    if suffix == ".xlsx":
        return read_xlsx(path)
    raise ValidationError(path.name, "sales.file_type")


def find_header(rows: list[tuple[int, list[Any]]]) -> tuple[int, dict[str, int], list[str]] | None:
    """(index in rows, {field: column}, header texts) of the first row that names a date, an
    item, a quantity and an amount; None if none of the first rows does."""
    for index, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        for column, cell in enumerate(cells):
            if isinstance(cell, str):
                name = _LOOKUP.get(header_key(cell))
                if name is not None and name not in columns:
                    columns[name] = column
        if {"date", "item", "qty"} <= columns.keys() and ("gross" in columns or "net" in columns):
            return index, columns, [str(c).strip() if c is not None else "" for c in cells]
    return None


# --- one row ---------------------------------------------------------------------------------------------


@dataclass
class Line:
    row: int
    sold_on: date
    name: str
    qty: int
    gross: int
    discount: int
    net: int
    refund: bool


class BadCell(Exception):
    def __init__(self, column: str, problem: ValidationError):
        self.column = column
        self.problem = problem


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_sale_date(value: Any, today: date) -> date:
    found: date | None
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        raw = clean_text(value)
        match = _DATE.match(raw) or _COMPACT_DATE.match(raw)
        try:
            found = date(*(int(g) for g in match.groups())) if match else None
        except ValueError:
            found = None
    if found is None:
        raise ValidationError("date", "sales.bad_date", value=clean_text(value)[:40])
    if found > today:
        raise ValidationError("date", "sales.future_date", value=found.isoformat())
    if found.year < 2000:
        raise ValidationError("date", "sales.old_date", value=found.isoformat())
    return found


def _number(value: Any, message_id: str, field_: str) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError(field_, message_id, value=value)
    if isinstance(value, int | float):
        raw = str(value)
    else:
        raw = str(value).strip().casefold().replace(",", "").replace(" ", "")
        for mark in AMOUNT_MARKS:
            raw = raw.replace(mark, "")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(field_, message_id, value=str(value)[:40]) from None
    if not number.is_finite() or number != number.to_integral_value() or abs(number) > MAX_WON:
        raise ValidationError(field_, message_id, value=str(value)[:40])
    return number


def _whole(value: Any, message_id: str, field_: str) -> int | None:
    return None if _blank(value) else int(_number(value, message_id, field_))


def _is_refund(value: Any) -> bool:
    if _blank(value):
        return False
    word = header_key(value)
    return word in REFUND_WORDS or word in FLAG_YES


class RowParser:
    def __init__(self, columns: dict[str, int], headers: list[str], today: date):
        self.columns = columns
        self.headers = headers
        self.today = today

    def cell(self, cells: list[Any], name: str) -> Any:
        column = self.columns.get(name)
        if column is None or column >= len(cells):
            return None
        value = cells[column]
        if isinstance(value, Refused):
            raise BadCell(
                self.headers[column], ValidationError(self.headers[column], "sales.cell_refused", what=value.what)
            )
        return value

    def checked(self, cells: list[Any], name: str, parse) -> Any:
        try:
            return parse(self.cell(cells, name))
        except ValidationError as problem:
            raise BadCell(self.headers[self.columns[name]], problem) from None

    def is_total(self, cells: list[Any]) -> bool:
        for name in ("date", "item"):
            try:
                value = self.cell(cells, name)
            except BadCell:
                continue
            if isinstance(value, str) and header_key(value) in TOTAL_WORDS:
                return True
        return False

    def line(self, number: int, cells: list[Any]) -> Line:
        sold_on = self.checked(cells, "date", lambda v: parse_sale_date(v, self.today))
        name = clean_text(self.cell(cells, "item"))
        if not name:
            raise BadCell(self.headers[self.columns["item"]], ValidationError("item", "sales.no_item"))
        qty = self.checked(cells, "qty", lambda v: _whole(v, "sales.bad_qty", "qty"))
        if qty is None:
            raise BadCell(self.headers[self.columns["qty"]], ValidationError("qty", "sales.bad_qty", value=""))
        gross = self.amount(cells, "gross")
        net = self.amount(cells, "net")
        discount = abs(self.amount(cells, "discount") or 0)  # POS exports often write discounts negative
        refund = _is_refund(self.cell(cells, "refund"))
        if gross is None and net is None:
            column = self.columns.get("gross", self.columns.get("net", 0))
            raise BadCell(self.headers[column], ValidationError("amount", "sales.no_amount"))
        if refund:
            qty, gross, net = -abs(qty), None if gross is None else -abs(gross), None if net is None else -abs(net)
            discount = -discount
        else:
            for name_, value in (("qty", qty), ("gross", gross), ("net", net)):
                if value is not None and value < 0:
                    raise BadCell(
                        self.headers[self.columns[name_]], ValidationError(name_, "sales.negative", value=value)
                    )
        gross = gross if gross is not None else net + discount  # type: ignore[operator]
        net = net if net is not None else gross - discount
        return Line(number, sold_on, name, qty, gross, discount, net, refund)

    def amount(self, cells: list[Any], name: str) -> int | None:
        if name not in self.columns:
            return None
        return self.checked(cells, name, lambda v: _whole(v, "sales.bad_amount", name))


# --- the import --------------------------------------------------------------------------------------------


@dataclass
class Parsed:
    lines: list[Line] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    blank: int = 0


def parse_lines(
    table: Table, fname: str, report: ImportReport, today: date, progress: Progress | None = None
) -> Parsed:
    header = find_header(table.rows)
    if header is None:
        raise ValidationError(fname, "sales.no_header", rows=HEADER_SCAN_ROWS)
    index, columns, headers = header
    report.note(table.note)
    described = ", ".join(f"{name}={headers[column]!r}" for name, column in sorted(columns.items(), key=lambda x: x[1]))
    report.note(text("sales.note.header", row=table.rows[index][0], columns=described))
    parser = RowParser(columns, headers, today)
    parsed = Parsed()
    body = table.rows[index + 1 :]
    for done, (number, cells) in enumerate(body, start=1):
        if progress and (done % 5000 == 0 or done == len(body)):
            progress(done, len(body))
        if all(_blank(c) for c in cells):
            parsed.blank += 1
            continue
        if parser.is_total(cells):
            parsed.totals.append(number)
            continue
        try:
            parsed.lines.append(parser.line(number, cells))
        except BadCell as bad:
            report.reject(ENTITY, f"{fname} › row {number}", bad.column, bad.problem.message, bad.problem.message_ko)
    return parsed


def _rows_text(numbers: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" … (+{len(numbers) - limit:,})" if len(numbers) > limit else "")


class _Matcher:
    """Till names → menu item ids: a stored mapping of the source, else an item whose code,
    English or Korean name is exactly the name (normalised); nothing else."""

    def __init__(self, conn: sqlite3.Connection, source: str):
        self.mapped = sales.mappings(conn, source)
        names: dict[str, set[int]] = defaultdict(set)
        self.codes: dict[int, str] = {}
        for r in conn.execute("SELECT id, code, name_en, name_ko FROM menu_items"):
            self.codes[r["id"]] = r["code"]
            for value in (r["code"], r["name_en"], r["name_ko"]):
                if value:
                    names[sales.normalise_name(value)].add(r["id"])
        self.names = {k: next(iter(v)) for k, v in names.items() if len(v) == 1}

    def match(self, name: str) -> tuple[int | None, str]:
        key = sales.normalise_name(name)
        if key in self.mapped:
            return self.mapped[key], "mapped"
        if key in self.names:
            return self.names[key], "name"
        return None, ""


def import_sales(
    conn: sqlite3.Connection,
    path: Any,
    *,
    dry_run: bool = False,
    mappings: Iterable[str] | None = None,
    source: Any = sales.DEFAULT_SOURCE,
    progress: Progress | None = None,
    user: str = "system",
    today: date | None = None,
) -> ImportReport:
    """Import one POS export (all or nothing); `mappings` ('POS NAME=ITEM') are stored first."""
    source = sales.parse_source(source)
    pending = [sales.split_mapping(m) for m in mappings or []]
    table = read_table(path)
    fname = Path(path).name
    report = ImportReport(KIND, fname, dry_run=dry_run, sha256=file_sha256(Path(path)))
    seen = previous_import(conn, KIND, report.sha256)
    if seen:
        report.note(text("sales.note.seen", at=seen))
    parsed = parse_lines(table, fname, report, today or date.today(), progress)
    if parsed.totals:
        report.note(text("sales.note.totals", count=len(parsed.totals), rows=_rows_text(parsed.totals)))
    if parsed.blank:
        report.note(text("sales.note.blank", count=parsed.blank))
    refunds = sum(1 for line in parsed.lines if line.refund)
    if refunds:
        report.note(text("sales.note.refunds", count=refunds))
    if not parsed.lines and not report.rejected:
        raise ValidationError(fname, "sales.no_rows")

    def work() -> None:
        for name, item in pending:
            changed = sales.save_mapping(conn, source, name, item)
            if changed:
                report.note(text("sales.note.mapping", name=name, item=changed))
        rows = _resolve(conn, source, parsed.lines, fname, report)
        if report.rejected:
            return
        counts = sales.replace_days(conn, source, rows)
        for outcome in ("created", "updated", "unchanged"):
            if counts[outcome]:
                report.add(ENTITY, outcome, counts[outcome])
        if counts["removed"]:
            report.note(text("sales.note.removed", count=counts["removed"]))
        report.note(
            text("sales.note.summed", lines=len(parsed.lines), rows=len(rows), days=len({r.sold_on for r in rows}))
        )

    return run_import(conn, report, work, user=user)


def _resolve(
    conn: sqlite3.Connection, source: str, lines: list[Line], fname: str, report: ImportReport
) -> list[sales.SaleRow]:
    matcher = _Matcher(conn, source)
    found: dict[str, tuple[int | None, str]] = {}
    rows_of: dict[str, list[int]] = defaultdict(list)
    for line in lines:
        if line.name not in found:
            found[line.name] = matcher.match(line.name)
        rows_of[line.name].append(line.row)
    for name, (item_id, how) in found.items():
        count = len(rows_of[name])
        if item_id is None:
            problem = ValidationError("item", "sales.unknown_name", name=name, count=count)
            report.unmatched.append(problem.message)
            where = f"{fname} › rows {_rows_text(rows_of[name], 5)}"
            report.reject(ENTITY, where, "item", problem.message, problem.message_ko)
        else:
            report.matched.append(text("sales.matched", name=name, item=matcher.codes[item_id], how=how, count=count))
    if report.rejected:
        return []
    sums: dict[tuple[date, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for line in lines:
        item_id = found[line.name][0]
        total = sums[(line.sold_on, item_id)]  # type: ignore[index]
        for k, value in enumerate((line.qty, line.gross, line.discount, line.net)):
            total[k] += value
    return [sales.SaleRow(day, item_id, *values) for (day, item_id), values in sorted(sums.items())]

"""Reading the cells of an untrusted .xlsx (after `excel.check_xlsx` accepted it): python-calamine
where it is exact, the standard library's XML parser where it is not, openpyxl's rules for both.

python-calamine (Rust) reads a sheet of 100,000 rows 3–4× faster than our own ElementTree reader
and ~10× faster than openpyxl's read-only mode, but it takes a formula cell for its cached value
(it does not report formulas), reads error cells as empty, and allocates the whole rectangle its
cells span (the café's menu workbook has a value on row 1,048,576: 800 MB; A1 plus XFD1048576
would ask for 550 GB and abort the process). So every sheet's raw XML is scanned first, at the
byte level (`_fast_scan`): a sheet of "plain" rows only — each row numbered, in order, each cell
carrying its own reference and at most a style, a type among n/s/b/str/inlineStr and one value —
with a compact extent goes to calamine; anything else (a formula, an error cell, an ISO date, rich
or empty inline text, text calamine would trim or unescape, a number written 2.0 or 1E3, a
missing reference, a namespace prefix, other attributes, sparse far-away cells) is read by
`_exact_rows`, the hand-written reader: ElementTree's C parser over the part, shared strings and
date styles read from the workbook's own parts with openpyxl's public helpers. Both give the
values openpyxl's read-only mode gives (tests compare them on the café's workbooks, our export
and odd but valid XML); formula and error cells are reported, never read.

Every part parsed here was checked by `check_xlsx`: no DTD or entity declaration, UTF-8.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.etree.ElementTree import XMLPullParser

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601
from python_calamine import CalamineWorkbook

from ..models import ValidationError

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW_TAG, _CELL_TAG, _VALUE_TAG, _FORMULA_TAG = (_MAIN + t for t in ("row", "c", "v", "f"))
_INLINE_TAG, _TEXT_TAG, _RUN_TAG = (_MAIN + t for t in ("is", "t", "r"))
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}Override"
_SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_XML_DECLARATION = re.compile(rb"""<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]*)["']""")
_READ_CHUNK = 1 << 20

# A sheet for calamine: its rows all plain, and its cells within a rectangle at most MAX_SPREAD
# times larger than the cells it holds (or MIN_AREA cells, ~130 MB in calamine).
MAX_SPREAD = 4
MIN_AREA = 4_000_000
_PLAIN_ROW = re.compile(
    rb'<row r="([0-9]{1,7})"(?: [^>/]*)?(?:/>|>'
    rb'(?:<c r="[A-Z]{1,3}\1"(?: s="[0-9]{1,5}")?(?: t="(?:n|s|b|str|inlineStr)")? ?'
    rb'(?:/>|>(?:<v>[^<]*</v>|<is><t xml:space="preserve">[^<]+</t></is>|<is><t>[^<\s](?:[^<]*[^<\s])?</t></is>)</c>))*'
    rb"</row>)"
)
# numbers openpyxl reads as float while calamine's value is whole (2.0, 1E3), or not exact (>15 digits)
_ODD_NUMBER = re.compile(rb"<v>(?:-?[0-9]*\.0*|[^<]*[eE][^<]*|-?[0-9]{16,})</v>")
_OOXML_ESCAPE = re.compile(rb"_x[0-9A-Fa-f]{4}_")  # calamine unescapes these, openpyxl leaves them
_TRIMMED_TEXT = re.compile(rb"<t>\s|<t>[^<]*\s</t>")  # calamine trims text without xml:space
_MULTI_LETTER = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')


@dataclass(slots=True)
class CellRow:
    """One row of a worksheet: its number, {column: value} of the cells it holds (columns from 1),
    and {column: what} of its formula and error cells (their value is None)."""

    number: int
    values: dict[int, Any]
    refused: dict[int, str]


def unreadable(name: str, error: BaseException) -> ValidationError:
    detail = f"{type(error).__name__}: {error}"[:200]
    return ValidationError(
        name,
        "io.cannot_be_read_as_an_excel",
        detail=detail,
    )


def chunks(archive: zipfile.ZipFile, member: str, name: str, size: int = _READ_CHUNK) -> Iterator[bytes]:
    """One part of the zip, decompressed in chunks (corrupted data: a ValidationError)."""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(size):
                yield chunk
    except ValidationError:
        raise
    except Exception as error:  # corrupted or truncated zip data
        raise unreadable(name, error) from None


def require_utf8(head: bytes, where: str) -> None:
    """A part read by a parser must be UTF-8, so that `check_xlsx`'s byte scan for
    <!DOCTYPE / <!ENTITY cannot miss one written in UTF-16 or a declared single-byte encoding."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    declared = _XML_DECLARATION.match(head) if head.startswith(b"<?xml") else None
    if (
        head.startswith((b"\xff\xfe", b"\xfe\xff"))
        or b"\x00" in head[:4]
        or (head.startswith(b"<?xml") and (declared is None and b"encoding" in head.split(b"?>", 1)[0]))
        or (declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"))
    ):
        raise ValidationError(where, "io.is_not_utf_8_xml_refused")


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)  # openpyxl accepts "2.0"; anything else is not a row number
        if not number.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(number)


def _out_of_order(where: str, number: int, previous: int) -> ValidationError:
    return ValidationError(f"{where} › row {number}", "io.comes_after_row_rows_out_of", previous=previous)


def _parse(archive: zipfile.ZipFile, member: str, name: str) -> ElementTree.Element:
    data = archive.read(member)
    require_utf8(data[:256], f"{name} › {member}")
    return ElementTree.fromstring(data)


# --- the workbook ----------------------------------------------------------------------------------


@dataclass
class _Styles:
    """What openpyxl reads from the workbook's own parts to type a cell: shared strings, the
    style ids with a date or duration number format, the date epoch."""

    shared: list[str]
    dates: frozenset[int]
    spans: frozenset[int]
    epoch: datetime


class XlsxReader:
    """An accepted .xlsx opened for reading cells: `parts` ({sheet title: zip part}, workbook
    order) and `rows(title, where)`. calamine opens the file only when a plain sheet is read."""

    def __init__(self, path: Path):
        self.path = path
        self.name = path.name
        self.archive = zipfile.ZipFile(path)
        self._book: Any = None
        self._styles: _Styles | None = None
        self._plain_strings: bool | None = None
        try:
            self.parts = self._sheet_parts()
        except ValidationError:
            self.close()
            raise
        except Exception as error:
            self.close()
            raise unreadable(self.name, error) from None

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
        self.archive.close()

    def _sheet_parts(self) -> dict[str, str]:
        book = _parse(self.archive, "xl/workbook.xml", self.name)
        rels = _parse(self.archive, "xl/_rels/workbook.xml.rels", self.name)
        targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter(_PACKAGE_REL)}
        parts: dict[str, str] = {}
        for sheet in book.iter(_MAIN + "sheet"):
            target, title = targets.get(sheet.get(_REL_ID)), sheet.get("name")
            if target is not None and title is not None:
                parts[title] = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
        return parts

    def _shared_strings_part(self) -> str | None:
        types = _parse(self.archive, "[Content_Types].xml", self.name)
        for override in types.iter(_CONTENT_TYPES):
            if override.get("ContentType") == _SHARED_STRINGS:
                return (override.get("PartName") or "").lstrip("/")
        return None

    def plain_strings(self) -> bool:
        """The shared strings read the same by calamine and openpyxl (the usual part, no text
        calamine would trim or unescape, no phonetic runs)."""
        if self._plain_strings is None:
            part = self._shared_strings_part()
            names = set(self.archive.namelist())
            usual = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else None
            if part != usual and (part in names or usual is not None):
                self._plain_strings = False  # calamine and openpyxl might read different parts
            elif usual is None:
                self._plain_strings = True
            else:
                data = self.archive.read(usual)
                self._plain_strings = not (
                    _OOXML_ESCAPE.search(data) or _TRIMMED_TEXT.search(data) or b"<rPh" in data or b":t>" in data
                )
        return self._plain_strings

    def styles(self) -> _Styles:
        """Shared strings, date styles and epoch as openpyxl reads them (its public helpers)."""
        if self._styles is None:
            self._styles = self._read_styles()
        return self._styles

    def _read_styles(self) -> _Styles:
        names = set(self.archive.namelist())
        shared: list[str] = []
        part = self._shared_strings_part()
        if part in names:
            for item in _parse(self.archive, part, self.name).iter(_MAIN + "si"):
                shared.append(_text_content(item).replace("x005F_", ""))
        dates: set[int] = set()
        spans: set[int] = set()
        if "xl/styles.xml" in names:
            sheet = _parse(self.archive, "xl/styles.xml", self.name)
            custom = {int(n.get("numFmtId", "-1")): n.get("formatCode") for n in sheet.iter(_MAIN + "numFmt")}
            xfs = sheet.find(_MAIN + "cellXfs")
            for index, xf in enumerate(xfs.iter(_MAIN + "xf") if xfs is not None else ()):
                number = int(xf.get("numFmtId", "0"))
                code = custom.get(number) if number in custom else BUILTIN_FORMATS.get(number)
                if is_date_format(code):
                    dates.add(index)
                if is_timedelta_format(code):
                    spans.add(index)
        properties = _parse(self.archive, "xl/workbook.xml", self.name).find(_MAIN + "workbookPr")
        mac = properties is not None and properties.get("date1904", "").lower() in ("1", "true")
        return _Styles(shared, frozenset(dates), frozenset(spans), CALENDAR_MAC_1904 if mac else CALENDAR_WINDOWS_1900)

    def _calamine(self) -> Any:
        if self._book is None:
            self._book = CalamineWorkbook.from_path(str(self.path))
        return self._book

    def plain(self, title: str, where: str = "") -> bool:
        """Whether calamine reads this sheet (`_fast_scan`: plain rows, in order, a compact extent)."""
        extent = _fast_scan(self.archive, self.parts[title], where or title, self.plain_strings())
        return extent is not None and extent[0] * extent[1] <= max(MIN_AREA, MAX_SPREAD * extent[2])

    def rows(self, title: str, where: str) -> Iterator[CellRow]:
        """Every row of a sheet that holds a value, a formula or an error, with the values openpyxl's
        read-only mode gives its cells; rows out of order are refused (openpyxl would drop one)."""
        part = self.parts[title]
        if self.plain(title, where):
            try:
                grid = self._calamine().get_sheet_by_name(title).to_python(skip_empty_area=False)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # calamine's own errors (a boolean '2'…), a panic in its Rust code
                grid = None
            if grid is not None:
                yield from _calamine_rows(grid)
                return
        yield from _exact_rows(self.archive, part, where, self.styles())


@contextmanager
def open_xlsx(path: Path) -> Iterator[XlsxReader]:
    """The cell reader of a file `check_xlsx` accepted."""
    reader = XlsxReader(path)
    try:
        yield reader
    finally:
        reader.close()


# --- the fast path: a byte scan, then calamine -------------------------------------------------------


def _sheet_data(archive: zipfile.ZipFile, part: str, where: str) -> Iterator[bytes]:
    """The part's bytes inside <sheetData>…</sheetData>, in pieces that end before a <row (so a
    piece holds whole rows); one piece that is not plain when there is no plain <sheetData>."""
    tail = b""
    head, inside = True, False
    for chunk in chunks(archive, part, where):
        if head:
            require_utf8(chunk, where)
            head = False
        data = tail + chunk
        if not inside:
            start = data.find(b"<sheetData")
            close = data.find(b">", start) if start >= 0 else -1
            if close < 0:
                tail = data[-64:] if start < 0 else data[start:]
                continue
            if data[close - 1 : close] == b"/":  # <sheetData/>: no cells
                return
            data, inside = data[close + 1 :], True
        end = data.find(b"</sheetData>")
        if end >= 0:
            yield data[:end]
            return
        cut = data.rfind(b"<row")
        if cut <= 0:
            tail = data
            continue
        yield data[:cut]
        tail = data[cut:]
    yield tail if inside else b"<no sheetData>"


def _fast_scan(archive: zipfile.ZipFile, part: str, where: str, plain_strings: bool) -> tuple[int, int, int] | None:
    """(last row, last column, cells) of a sheet whose rows are all plain (`_PLAIN_ROW`), its rows
    checked to be in order; None as soon as something is not plain — `_exact_rows` reads it."""
    previous = cells = 0
    max_column = 26
    for piece in _sheet_data(archive, part, where):
        position = 0
        for match in _PLAIN_ROW.finditer(piece):
            if match.start() != position:
                return None
            position = match.end()
            number = int(match.group(1))
            if number <= previous:
                raise _out_of_order(where, number, previous)
            previous = number
        if (
            position != len(piece)
            or b"&#" in piece
            or _ODD_NUMBER.search(piece)
            or _OOXML_ESCAPE.search(piece)
            or (not plain_strings and b't="s"' in piece)
        ):
            return None
        cells += piece.count(b'<c r="')
        if _MULTI_LETTER.search(piece):
            max_column = max(max_column, *(column_index_from_string(m.decode()) for m in _MULTI_LETTER.findall(piece)))
    return previous, max_column, cells


def _calamine_value(value: Any) -> Any:
    """calamine's value of a cell as openpyxl gives it: whole numbers as int, dates as datetime."""
    if value.__class__ is float:
        return int(value) if value.is_integer() else value
    if value.__class__ is date:
        return datetime(value.year, value.month, value.day)
    return value


_CONVERT = frozenset((float, date))


def _calamine_rows(grid: list[list[Any]]) -> Iterator[CellRow]:
    convert = _CONVERT
    for index, raw in enumerate(grid):
        values = {c: (_calamine_value(v) if v.__class__ in convert else v) for c, v in enumerate(raw, 1) if v != ""}
        if values:
            yield CellRow(index + 1, values, {})


# --- the exact path: ElementTree and openpyxl's rules ------------------------------------------------


def _exact_rows(archive: zipfile.ZipFile, part: str, where: str, styles: _Styles) -> Iterator[CellRow]:
    """Every <row> holding a value, a formula or an error, with openpyxl's reading of each cell
    (`WorkSheetParser.parse_cell`; the row is the <row>'s, as in openpyxl's read-only mode),
    streamed through ElementTree's C parser."""
    shared, date_styles, span_styles, epoch = styles.shared, styles.dates, styles.spans, styles.epoch
    columns: dict[str, int] = {}
    dates: dict[tuple[Any, int], Any] = {}
    digits = "0123456789"
    parser = XMLPullParser(("end",))
    number = 0
    head = True
    for chunk in chain(chunks(archive, part, where, 1 << 16), (b"",)):
        if head:
            require_utf8(chunk, where)
            head = False
        if chunk:
            parser.feed(chunk)
        else:
            parser.close()
        for _event, element in parser.read_events():
            if element.tag != _ROW_TAG:
                continue
            r = element.get("r")
            previous, number = number, (number + 1 if r is None else _row_number(r))
            if number <= previous:
                raise _out_of_order(where, number, previous)
            values: dict[int, Any] = {}
            refused: dict[int, str] = {}
            column = 0
            for cell in element:
                if cell.tag != _CELL_TAG:
                    continue
                ref = cell.get("r")
                if ref is None:
                    column += 1
                else:
                    letters = ref.rstrip(digits)
                    column = columns.get(letters) or columns.setdefault(letters, column_index_from_string(letters))
                kind = cell.get("t", "n")
                formula = cell.find(_FORMULA_TAG)
                if formula is not None:
                    refused[column] = f"the formula ={formula.text or ''}"[:52]
                    values[column] = None
                    continue
                value = None if kind == "inlineStr" else (cell.findtext(_VALUE_TAG) or None)
                if value is not None:
                    if kind == "n":
                        value = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                        style = cell.get("s")
                        style = int(style) if style else 0
                        if style in date_styles:
                            key = (value, style)
                            found = dates.get(key)
                            if found is None:
                                try:
                                    found = from_excel(value, epoch, timedelta=style in span_styles)
                                except (OverflowError, ValueError):
                                    found = "#VALUE!"  # openpyxl: an error cell
                                if len(dates) > 50_000:
                                    dates.clear()
                                dates[key] = found
                            value = found
                            if found == "#VALUE!":
                                kind = "e"
                    elif kind == "s":
                        value = shared[int(value)]
                    elif kind == "b":
                        value = bool(int(value))
                    elif kind == "d":
                        value = from_ISO8601(value)
                elif kind == "inlineStr":
                    inline = cell.find(_INLINE_TAG)
                    if inline is not None:
                        value = _text_content(inline)
                if kind == "e":
                    refused[column] = f"the error {value}"
                    values[column] = None
                    continue
                values[column] = value
                if refused:
                    refused.pop(column, None)  # a later cell for the same column replaces it
            element.clear()
            if refused or any(v is not None for v in values.values()):
                yield CellRow(number, values, refused)


def _text_content(node: Any) -> str:
    """A string item's text as openpyxl's `Text.content` gives it: the plain <t>, then the <t> of
    each rich-text run (phonetic runs left out)."""
    plain = None
    runs = []
    for child in node:
        if child.tag == _TEXT_TAG:
            plain = child.text
        elif child.tag == _RUN_TAG:
            text = None
            for part in child:
                if part.tag == _TEXT_TAG:
                    text = part.text
            if text is not None:
                runs.append(text)
    return "".join(([plain] if plain is not None else []) + runs)

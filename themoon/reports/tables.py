"""A report is a titled set of tables (pandas DataFrames) with a unit for every column.

The same `Report` object feeds the notebook (`Table._repr_html_`: formatted HTML), the charts
(`themoon.reports.charts`), the `.xlsx` (`Report.to_xlsx`: real numbers with number formats)
and the tests, so a number shown in the HTML is the number in the workbook.

Units ("kinds") follow the column name unless a table says otherwise:

| suffix / name                          | kind  | in the DataFrame        | in Excel                |
|----------------------------------------|-------|-------------------------|-------------------------|
| `_won`                                 | won   | whole won (int/float)   | `"₩"#,##0`              |
| `_kg`                                  | kg    | kilograms (float)       | `#,##0.000" kg"`        |
| `_g`                                   | g     | grams                   | `#,##0" g"`             |
| `_pct`                                 | pct   | percent (18.14 = 18.14 %) | fraction 0.1814, `0.00%` |
| `_pts`, `variance_pct`                 | pts   | percentage points       | `+0.00" pt"`            |
| `_rate`                                | ratio | fraction (0.25)         | `0.0%`                  |
| dates (`_on`, `_date`, `period`, ...)  | date  | date / datetime64       | `yyyy-mm-dd`            |
| integer / bool / text dtypes           | int / bool / text |             | `#,##0` / TRUE / text   |

A table may carry a `unit` column instead (one unit per row, e.g. the KPI summary): the kinds of
its `row_unit_columns` then come from that row.
"""

from __future__ import annotations

import html
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import formatting, messages
from ..messages import CAFE_NAME
from .periods import Period

KINDS = ("won", "kg", "g", "pct", "pts", "ratio", "date", "int", "float", "bool", "text")

EXCEL_FORMATS = {
    "won": '"₩"#,##0',
    "kg": '#,##0.000" kg"',
    "g": '#,##0" g"',
    "pct": "0.00%",
    "pts": '+0.00" pt";-0.00" pt";0.00" pt"',
    "ratio": "0.0%",
    "date": "yyyy-mm-dd",
    "int": "#,##0",
    "float": "#,##0.00",
}
_DATE_NAMES = {"period", "as_of", "day", "week", "month", "period_end"}
# (name suffix, kind), the first that matches wins ("variance_pct" is pts: kind_of looks first).
_SUFFIX_KINDS = (
    ("_won", "won"),
    ("_kg", "kg"),
    ("_g", "g"),
    ("_pts", "pts"),
    ("_pct", "pct"),
    ("_rate", "ratio"),
    (("_on", "_date", "_early", "_late"), "date"),
)
# How a number of each kind reads in the HTML (ratio: as percent).
_HTML_FORMATS = {
    "won": "₩{:,.0f}",
    "kg": "{:,.1f} kg",
    "g": "{:,.0f} g",
    "pct": "{:.2f} %",
    "pts": "{:+.2f} pt",
    "int": "{:,.0f}",
    "float": "{:,.2f}",
}
# Text a spreadsheet would evaluate (the same rule as themoon.io.excel).
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def kind_of(name: str, series: pd.Series | None = None) -> str:
    """The unit of a column from its name (and dtype when the name says nothing)."""
    if name == "variance_pct":
        return "pts"
    if name in _DATE_NAMES:
        return "date"
    for suffix, kind in _SUFFIX_KINDS:
        if name.endswith(suffix):
            return kind
    if series is not None:
        if pd.api.types.is_bool_dtype(series):
            return "bool"
        if pd.api.types.is_integer_dtype(series):
            return "int"
        if pd.api.types.is_float_dtype(series):
            return "float"
        if pd.api.types.is_datetime64_any_dtype(series):
            return "date"
    return "text"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    """numpy / pandas scalars → Python ones; missing → None."""
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def format_value(value: Any, kind: str, lang: str = "en") -> str:
    """How a value reads in the HTML report: money with the sign before the currency (−₩1,500,
    `themoon.formatting.won`, as the dashboard writes it), negatives with a minus sign."""
    value = _plain(value)
    if value is None:
        return "–"
    if kind == "bool" or isinstance(value, bool):
        return messages.text("report.yes", lang) if value else "–"
    if kind == "date":
        return value.date().isoformat() if isinstance(value, datetime) else str(value)[:10]
    if not isinstance(value, int | float):
        return str(value)
    if kind == "won":
        return formatting.won(value)
    if kind == "ratio":
        shown = f"{value * 100:.1f} %"
    elif kind == "pts" and lang == "ko":
        shown = f"{value:+.2f}%p"  # Korean writes percentage points as %p
    else:
        shown = _HTML_FORMATS[kind].format(value) if kind in _HTML_FORMATS else str(value)
    return shown.replace("-", formatting.MINUS, 1) if shown.startswith(("-", "+-")) else shown


# Columns whose text values are words of the domain (bean, cup, WARNING, star ...): shown in the
# report's language through the catalogue (report.value.<word>); other text is shown as stored.
WORD_COLUMNS = frozenset({"kind", "channel", "level", "direction", "alert", "status", "class"})


def value_words(value: str, lang: str) -> str:
    """'WARNING HIGH' → each known word in the report's language (report.value.warning ...)."""
    words = str(value).split(" ")
    return " ".join(
        messages.text(f"report.value.{w.lower()}", lang) if messages.known(f"report.value.{w.lower()}") else w
        for w in words
    )


def column_label(column: str, lang: str) -> str:
    """The header a person reads for a column key (report.col.<key>), in the report's language."""
    return messages.text(f"report.col.{column}", lang)


def one_language(columns: list[str], lang: str) -> list[str]:
    """Of a column and its Korean twin (name_en / name_ko, label / label_ko) only the one of the
    report's language, in the English one's place."""
    present = set(columns)
    shown = []
    for column in columns:
        if column.endswith("_ko"):
            base = column[:-3]
            if base in present or f"{base}_en" in present:
                continue
            shown.append(column)
            continue
        twin = (column[:-3] if column.endswith("_en") else column) + "_ko"
        shown.append(twin if lang == "ko" and twin in present else column)
    return shown


def display_label(column: str, lang: str) -> str:
    """The header of a shown column: a twin reads as its pair's plain name ('name', 'label')."""
    for suffix in ("_en", "_ko"):
        if column.endswith(suffix) and messages.known(f"report.col.{column[: -len(suffix)]}"):
            return column_label(column[: -len(suffix)], lang)
    return column_label(column, lang)


WIDE_COLUMNS = 8  # a table with more shown columns prints in a smaller font


@dataclass
class Table:
    """One table of a report: a sheet of the workbook and a block of the HTML."""

    name: str  # sheet name: [a-z0-9_], at most 31 characters
    title: str
    title_ko: str
    frame: pd.DataFrame
    note: str = ""  # a message id (report.note.*), shown under the title in the report's language
    kinds: dict[str, str] = field(default_factory=dict)  # overrides of kind_of()
    row_unit_columns: tuple[str, ...] = ()  # columns whose unit is the row's `unit` value
    note_values: dict[str, Any] = field(default_factory=dict)  # the values the note's text names
    shown: tuple[str, ...] = ()  # the columns the HTML shows (empty: all); the .xlsx has every one
    hidden: tuple[str, ...] = ()  # keys the HTML never shows (the .xlsx keeps them for scripts)
    lang: str = "en"  # the report's language (set by the report)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9_]{1,31}", self.name):
            raise ValueError(f"bad table name {self.name!r}")
        unknown = set(self.kinds.values()) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kinds {unknown}")

    def kind(self, column: str) -> str:
        if column in self.kinds:
            return self.kinds[column]
        return kind_of(column, self.frame[column] if column in self.frame else None)

    @property
    def column_kinds(self) -> dict[str, str]:
        """The unit of every column (computed once: a table is not changed after it is built)."""
        cached = self.__dict__.get("_column_kinds")
        if cached is None or list(cached) != list(self.frame.columns):
            cached = {c: self.kind(c) for c in self.frame.columns}
            self.__dict__["_column_kinds"] = cached
        return cached

    def cell_kind(self, row: Mapping[str, Any], column: str) -> str:
        if column in self.row_unit_columns and "unit" in row:
            unit = row["unit"]
            if column.startswith("change") and column != "change_pct" and unit == "pct":
                return "pts"
            if column == "change_pct":
                return "pct"
            return unit if unit in KINDS else "float"
        kinds = self.column_kinds
        return kinds[column] if column in kinds else self.kind(column)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def empty(self) -> bool:
        return self.frame.empty

    def records(self) -> list[dict[str, Any]]:
        """Rows as plain Python values (None for missing)."""
        return [{k: _plain(v) for k, v in row.items()} for row in self.frame.to_dict("records")]

    @property
    def heading(self) -> str:
        return self.title_ko if self.lang == "ko" else self.title

    def note_text(self) -> str:
        return messages.text(self.note, self.lang, **self.note_values) if self.note else ""

    def visible_columns(self) -> list[str]:
        """The columns the HTML shows, in the report's language (one of each twin)."""
        columns = [c for c in (self.shown or self.frame.columns) if c not in self.hidden]
        return one_language(columns, self.lang)

    def display_frame(self, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Every cell as the text the HTML shows."""
        columns = list(columns or self.frame.columns)
        words = [c for c in columns if c in WORD_COLUMNS]
        rows = []
        for row in self.frame.to_dict("records"):
            shown = {c: format_value(row[c], self.cell_kind(row, c), self.lang) for c in columns}
            for c in words:
                if row[c] is not None and shown[c] != "–":
                    shown[c] = value_words(shown[c], self.lang)
            rows.append(shown)
        return pd.DataFrame(rows, columns=columns)

    def to_html(self, columns: Iterable[str] | None = None, max_rows: int = 500) -> str:
        columns = list(columns or self.visible_columns())
        lang = self.lang
        heading = f"<h3>{html.escape(self.heading)}</h3>"
        note = self.note_text()
        note = f'<p class="themoon-note">{html.escape(note)}</p>' if note else ""
        if self.frame.empty:
            return f'{heading}{note}<p class="themoon-empty">({messages.text("report.none", lang)})</p>'
        shown = Table(
            self.name,
            self.title,
            self.title_ko,
            self.frame.head(max_rows),
            kinds=self.kinds,
            row_unit_columns=self.row_unit_columns,
            lang=lang,
        )
        body = shown.display_frame(columns)
        numeric = {c for c in columns if self.kind(c) not in ("text", "date", "bool")} | set(self.row_unit_columns)
        head = "".join(
            f'<th class="{"num" if c in numeric else ""}">{html.escape(display_label(c, lang))}</th>' for c in columns
        )
        lines = []
        for row in body.itertuples(index=False):
            cells = "".join(
                f'<td class="{"num" if c in numeric else ""}">{html.escape(str(v))}</td>'
                for c, v in zip(columns, row, strict=True)
            )
            lines.append(f"<tr>{cells}</tr>")
        more = ""
        if len(self.frame) > max_rows:
            said = messages.text("report.more_rows", lang, shown=max_rows, rows=len(self.frame))
            more = f'<p class="themoon-note">{html.escape(said)}</p>'
        wide = " themoon-table--wide" if len(columns) > WIDE_COLUMNS else ""
        return (
            f'<div class="themoon-block">{heading}{note}{_TABLE_CSS}<div class="themoon-scroll">'
            f'<table class="themoon-table{wide}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table></div>{more}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


_TABLE_CSS = (
    # JupyterLab right-aligns every cell of rendered HTML (specificity 0,2,1): ours is higher.
    "<style>"
    "div.themoon-scroll{overflow-x:auto;max-width:100%;margin:4px 0 18px 0}"
    "div.themoon-scroll table.themoon-table{border-collapse:collapse;font-size:12px;margin:0}"
    "div.themoon-scroll table.themoon-table th{background:#e8e2d0;padding:4px 8px;text-align:left;"
    "vertical-align:bottom;min-width:4em}"
    "div.themoon-scroll table.themoon-table.themoon-table--wide{font-size:11px}"
    "div.themoon-scroll table.themoon-table td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;"
    "white-space:nowrap}"
    "div.themoon-scroll table.themoon-table th.num,div.themoon-scroll table.themoon-table td.num{text-align:right;"
    "font-variant-numeric:tabular-nums}"
    ".themoon-note{color:#666;font-size:12px;margin:2px 0}"
    "</style>"
)


@dataclass
class Report:
    """The computed tables of one report for one period."""

    name: str
    title: str
    title_ko: str
    period: Period
    tables: dict[str, Table]
    parameters: dict[str, Any] = field(default_factory=dict)
    database: str = ""
    generated_at: datetime = field(default_factory=lambda: datetime.now().astimezone())
    notes: list[str] = field(default_factory=list)
    lang: str = "en"  # every title, header, note, chart and sentence of the report speaks it
    headlines: list[str] = field(default_factory=list)  # the letter's sentences, in `lang`

    def __post_init__(self) -> None:
        self.lang = messages.normalize(self.lang)
        for table in self.tables.values():
            table.lang = self.lang

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]

    @property
    def heading(self) -> str:
        return self.title_ko if self.lang == "ko" else self.title

    def header_html(self) -> str:
        p, lang = self.period, self.lang
        span = p.start.isoformat() if p.start == p.end else f"{p.start.isoformat()} – {p.end.isoformat()}"
        notes = "".join(f'<p class="themoon-note">{html.escape(n)}</p>' for n in self.notes)
        generated = messages.text(
            "report.generated",
            lang,
            at=self.generated_at.strftime("%Y-%m-%d %H:%M %Z"),
            database=Path(self.database).name,
        )
        return (
            f'<h1 class="themoon-title">{html.escape(self.heading)}</h1>'
            f"<p><b>{html.escape(p.describe_ko() if lang == 'ko' else p.describe())}</b> ({span})</p>"
            f'<p class="themoon-note">{CAFE_NAME} — {html.escape(generated)}</p>'
            f"{notes}"
        )

    def letter_html(self) -> str:
        """The headline sentences: what the owner should know first."""
        if not self.headlines:
            return ""
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.headlines)
        return f'<div class="themoon-letter"><ul>{items}</ul></div>'

    def section_html(self, key: str) -> str:
        """A section's title (report.section.<key>); printed pages break before it."""
        return f'<h2 class="themoon-section">{html.escape(messages.text(f"report.section.{key}", self.lang))}</h2>'

    def _repr_html_(self) -> str:
        return self.header_html() + self.letter_html()

    def header(self):
        """The title, the period and the letter's sentences (the notebook's first output)."""
        from IPython.display import HTML

        return HTML(self.header_html() + self.letter_html())

    def section(self, key: str):
        from IPython.display import HTML

        return HTML(self.section_html(key))

    def about_rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            ("report", self.name),
            ("title", self.heading),
            ("language", self.lang),
            ("period", self.period.label),
            ("from", self.period.start),
            ("to", self.period.end),
            ("generated_at", self.generated_at.replace(tzinfo=None, microsecond=0)),
            ("database", self.database),
        ]
        rows += [
            (f"parameter {k}", v if isinstance(v, int | float | str | bool) else str(v))
            for k, v in self.parameters.items()
        ]
        rows += [
            (f"sheet {t.name}", t.heading + (f" — {t.note_text()}" if t.note else "")) for t in self.tables.values()
        ]
        rows += [(f"headline {i}", line) for i, line in enumerate(self.headlines, start=1)]
        return rows

    def to_xlsx(self, path: str | os.PathLike) -> Path:
        """Write every table as a sheet (plus an `about` sheet) to `path`; returns the path."""
        return write_xlsx(self, path)


# --- the workbook ------------------------------------------------------------------------------


def _text_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _excel_value(value: Any, kind: str) -> Any:
    value = _plain(value)
    if value is None:
        return None
    if kind == "date":
        if isinstance(value, datetime):
            return value.date() if value.time() == datetime.min.time() else value.replace(tzinfo=None)
        if isinstance(value, date):
            return value
        return str(value)
    if isinstance(value, bool):
        return value
    if kind in ("pct", "pts") and isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value / 100 if kind == "pct" else value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int | float | str):
        return value
    return str(value)


def write_xlsx(report: Report, path: str | os.PathLike) -> Path:
    """The report's tables as an .xlsx: one sheet per table, row 1 the (frozen, filtered) column
    headers in the report's language (the `columns` sheet maps each to its key and unit), numbers
    as numbers with their unit's format, dates as dates, column widths to fit.
    Text that a spreadsheet would evaluate (=, +, -, @ ...) is written as a quoted string."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="FFE8E2D0")
    about = book.active
    about.title = "about"
    about.append(["field", "value"])
    for key, value in report.about_rows():
        about.append([key, None])
        cell = about.cell(row=about.max_row, column=2)
        _set(cell, value, "date" if isinstance(value, date) else "text")
    _finish_sheet(about, {"A": 24, "B": 70}, header_font, header_fill, Alignment)

    # Scripts read the sheets by key: this sheet maps every header to its column key and unit.
    keys = book.create_sheet("columns")
    keys.append(["sheet", "header", "key", "unit"])
    for table in report.tables.values():
        for column in table.frame.columns:
            keys.append([table.name, column_label(column, report.lang), column, table.kind(column)])
    _finish_sheet(keys, {"A": 20, "B": 36, "C": 32, "D": 8}, header_font, header_fill, Alignment)

    for table in report.tables.values():
        sheet = book.create_sheet(table.name)
        columns = list(table.frame.columns)
        labels = [column_label(c, report.lang) for c in columns]
        sheet.append(labels)
        widths = [_text_width(c) + 2 for c in labels]
        for r, row in enumerate(table.frame.to_dict("records"), start=2):
            for c, column in enumerate(columns, start=1):
                kind = table.cell_kind(row, column)
                cell = sheet.cell(row=r, column=c)
                _set(cell, row[column], kind)
                if r <= 202:  # widths from the first 200 rows
                    widths[c - 1] = max(widths[c - 1], _text_width(format_value(row[column], kind, report.lang)) + 2)
        _finish_sheet(
            sheet,
            {get_column_letter(i): min(max(w, 8), 60) for i, w in enumerate(widths, start=1)},
            header_font,
            header_fill,
            Alignment,
        )
        if columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(sheet.max_row, 1)}"
    path = Path(path)
    book.save(path)
    return path


def _set(cell, value: Any, kind: str) -> None:
    value = _excel_value(value, kind)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if value.startswith(_DANGEROUS):
            cell.quotePrefix = True
    elif value is not None and kind in EXCEL_FORMATS and not isinstance(value, bool):
        cell.number_format = EXCEL_FORMATS[kind]
    elif isinstance(value, date) and not isinstance(value, datetime):
        cell.number_format = EXCEL_FORMATS["date"]
    elif isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"


def _finish_sheet(sheet, widths: dict[str, float], font, fill, alignment) -> None:
    for cell in sheet[1]:
        cell.font = font
        cell.fill = fill
        cell.alignment = alignment(horizontal="center")
    sheet.freeze_panes = "A2"
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width

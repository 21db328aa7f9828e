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

from ..messages import CAFE_NAME, pair
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


def format_value(value: Any, kind: str) -> str:
    """How a value reads in the HTML report."""
    value = _plain(value)
    if value is None:
        return "–"
    if kind == "bool" or isinstance(value, bool):
        return "yes" if value else "–"
    if kind == "date":
        return value.date().isoformat() if isinstance(value, datetime) else str(value)[:10]
    if not isinstance(value, int | float):
        return str(value)
    if kind == "ratio":
        return f"{value * 100:.1f} %"
    return _HTML_FORMATS[kind].format(value) if kind in _HTML_FORMATS else str(value)


@dataclass
class Table:
    """One table of a report: a sheet of the workbook and a block of the HTML."""

    name: str  # sheet name: [a-z0-9_], at most 31 characters
    title: str
    title_ko: str
    frame: pd.DataFrame
    note: str = ""
    kinds: dict[str, str] = field(default_factory=dict)  # overrides of kind_of()
    row_unit_columns: tuple[str, ...] = ()  # columns whose unit is the row's `unit` value

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

    def display_frame(self, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Every cell as the text the HTML shows."""
        columns = list(columns or self.frame.columns)
        rows = []
        for row in self.frame.to_dict("records"):
            rows.append({c: format_value(row[c], self.cell_kind(row, c)) for c in columns})
        return pd.DataFrame(rows, columns=columns)

    def to_html(self, columns: Iterable[str] | None = None, max_rows: int = 500) -> str:
        columns = list(columns or self.frame.columns)
        heading = f"<h3>{html.escape(self.title)} · {html.escape(self.title_ko)}</h3>"
        note = f'<p class="themoon-note">{html.escape(self.note)}</p>' if self.note else ""
        if self.frame.empty:
            return f'{heading}{note}<p class="themoon-empty">({" · ".join(pair("report.none"))})</p>'
        shown = Table(
            self.name,
            self.title,
            self.title_ko,
            self.frame.head(max_rows),
            kinds=self.kinds,
            row_unit_columns=self.row_unit_columns,
        )
        body = shown.display_frame(columns)
        numeric = {c for c in columns if self.kind(c) not in ("text", "date", "bool")} | set(self.row_unit_columns)
        head = "".join(f'<th class="{"num" if c in numeric else ""}">{html.escape(c)}</th>' for c in columns)
        lines = []
        for row in body.itertuples(index=False):
            cells = "".join(
                f'<td class="{"num" if c in numeric else ""}">{html.escape(str(v))}</td>'
                for c, v in zip(columns, row, strict=True)
            )
            lines.append(f"<tr>{cells}</tr>")
        more = ""
        if len(self.frame) > max_rows:
            more = (
                f'<p class="themoon-note">first {max_rows:,} of {len(self.frame):,} rows; '
                "all of them are in the .xlsx</p>"
            )
        return (
            f'{heading}{note}{_TABLE_CSS}<div class="themoon-scroll"><table class="themoon-table">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table></div>{more}"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


_TABLE_CSS = (
    # JupyterLab right-aligns every cell of rendered HTML (specificity 0,2,1): ours is higher.
    "<style>"
    "div.themoon-scroll{overflow-x:auto;max-width:100%;margin:4px 0 18px 0}"
    "div.themoon-scroll table.themoon-table{border-collapse:collapse;font-size:12px;margin:0}"
    "div.themoon-scroll table.themoon-table th{background:#e8e2d0;padding:4px 8px;text-align:left;"
    "white-space:nowrap}"
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

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]

    def header_html(self) -> str:
        p = self.period
        span = p.start.isoformat() if p.start == p.end else f"{p.start.isoformat()} – {p.end.isoformat()}"
        notes = "".join(f'<p class="themoon-note">{html.escape(n)}</p>' for n in self.notes)
        return (
            f"<h1>{html.escape(self.title)} · {html.escape(self.title_ko)}</h1>"
            f"<p><b>{html.escape(p.describe())}</b> · {html.escape(p.describe_ko())} ({span})</p>"
            f'<p class="themoon-note">{CAFE_NAME} — generated '
            f"{self.generated_at.strftime('%Y-%m-%d %H:%M %Z')} from {html.escape(Path(self.database).name)}</p>"
            f"{notes}"
        )

    def _repr_html_(self) -> str:
        return self.header_html()

    def header(self):
        from IPython.display import HTML

        return HTML(self.header_html())

    def about_rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            ("report", self.name),
            ("title", f"{self.title} · {self.title_ko}"),
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
            (f"sheet {t.name}", f"{t.title} · {t.title_ko}" + (f" — {t.note}" if t.note else ""))
            for t in self.tables.values()
        ]
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
    names, numbers as numbers with their unit's format, dates as dates, column widths to fit.
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

    for table in report.tables.values():
        sheet = book.create_sheet(table.name)
        columns = list(table.frame.columns)
        sheet.append(columns)
        widths = [_text_width(c) + 2 for c in columns]
        for r, row in enumerate(table.frame.to_dict("records"), start=2):
            for c, column in enumerate(columns, start=1):
                kind = table.cell_kind(row, column)
                cell = sheet.cell(row=r, column=c)
                _set(cell, row[column], kind)
                if r <= 202:  # widths from the first 200 rows
                    widths[c - 1] = max(widths[c - 1], _text_width(format_value(row[column], kind)) + 2)
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

"""The café's menu workbook (the menu-board .xlsx): retail bean prices and drink prices → menu items.

What the workbook holds, sheet by sheet, and its Korean headers: `themoon.reference_terms`.

What is imported: the two price lists (channel `bag`, 200 g and 1 kg) and the newest copy of every
drink sheet (channel `cup`, regular 20 g / large 25 g by default — the owner sets real doses).
A line is matched to a bean or blend by name (Korean/English/code, normalised: spaces, brackets
and case ignored), or through a mapping stored in `import_name_map` (source 'menu',
`--map "LINE=PRODUCT"`). Lines that match nothing, or more than one product, are listed and never
guessed. Each price becomes a menu item with external_id `menu:<sheet>:<row>:<size>`, so a
re-import updates prices and otherwise changes nothing.

openpyxl (and numpy, which it imports) is imported only where a file is read, so the dashboard's
Import tab, which imports this module, opens without them.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import catalog
from ..models import Product, ValidationError, parse_won
from ..reference_terms import (
    MENU_DARK_MARK,
    MENU_HEADER_WORDS,
    MENU_LIGHT_MARK,
    MENU_PRICE_SHEETS,
    MENU_SIZE_COLUMN,
    MENU_SIZE_LABEL,
    MENU_STYLES,
)
from .excel import MAX_XLSX_BYTES, check_xlsx, merged_ranges, open_workbook
from .outcome import ImportReport, Progress, file_sha256, previous_import, row_savepoint, run_import

SOURCE = "menu"
# Files loaded fully (openpyxl's normal mode, for merged cells): a menu or roasting form unpacks
# to well under a megabyte.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
PRICE_SHEETS = MENU_PRICE_SHEETS
CUP_DOSE_G = {"regular": 20, "large": 25}
BAG_DOSE_G = {"200g": 200, "1kg": 1000}
LARGE_EXTRA_WON = 1000
HEADER_WORDS = MENU_HEADER_WORDS
SIZE_LABEL = MENU_SIZE_LABEL
STYLES = MENU_STYLES
_BRACKETS = "()[]{}<>（）【】「」『』〔〕"
_COPY = re.compile(r"\s*\((\d+)\)\s*$")
_SIMPLE_FORMULA = re.compile(r"^=\s*(?:SUM\s*\()?\s*\(?\s*([A-Z]{1,3})(\d+)\s*\+\s*(\d+)\s*\)?\s*\)?\s*$", re.I)


# --- names -----------------------------------------------------------------------------------


def normalise(text: Any) -> str:
    """Compare names: NFKC, case-folded, without whitespace and brackets."""
    value = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return "".join(ch for ch in value if not ch.isspace() and ch not in _BRACKETS)


def clean_text(text: Any) -> str:
    """Collapse runs of whitespace (the workbook pads names with spaces)."""
    return " ".join(str(text or "").split())


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def _long_enough(term: str) -> bool:
    return len(term) >= (2 if _has_hangul(term) else 3)


@dataclass
class Match:
    product: Product | None
    how: str = ""  # 'mapped', 'name', 'partial name …'
    candidates: list[Product] = field(default_factory=list)

    def describe(self) -> str:
        if self.product:
            return f"{self.product.kind}:{self.product.code} ({self.how})"
        if self.candidates:
            return "ambiguous: " + ", ".join(f"{p.kind}:{p.code}" for p in self.candidates)
        return "no bean or blend by that name"


class ProductMatcher:
    """Match free text from a file to one of our beans/blends, by name or by a stored mapping.

    Order: a mapping for exactly this text; a mapped name contained in the text (longest wins);
    a product whose code/English/Korean name equals the text; a product name contained in the
    text or the text contained in a product name. Several different products → ambiguous (no
    guess). Names come from the database, never from a hard-coded list.
    """

    def __init__(self, conn: sqlite3.Connection, source: str, extra: dict[str, Product] | None = None):
        self.conn = conn
        self.source = source
        self.names: list[tuple[str, Product]] = []
        for product in catalog.list_products(conn, active=None):
            row = conn.execute(
                f"SELECT code, name_en, name_ko FROM {product.kind}s WHERE id = ?", (product.id,)
            ).fetchone()
            for value in row:
                key = normalise(value)
                if key:
                    self.names.append((key, product))
        self.aliases: dict[str, Product] = {}
        for r in conn.execute(
            "SELECT name, bean_id, blend_id FROM import_name_map WHERE source = ?", (source,)
        ).fetchall():
            kind = "bean" if r["bean_id"] is not None else "blend"
            self.aliases[normalise(r["name"])] = catalog.product_by_id(conn, kind, r["bean_id"] or r["blend_id"])
        for name, product in (extra or {}).items():
            self.aliases[normalise(name)] = product

    def match(self, text: Any) -> Match:
        key = normalise(text)
        if not key:
            return Match(None)
        if key in self.aliases:
            return Match(self.aliases[key], "mapped")
        inside = [(a, p) for a, p in self.aliases.items() if _long_enough(a) and a in key]
        if inside:
            longest = max(len(a) for a, _ in inside)
            chosen = {p for a, p in inside if len(a) == longest}
            if len(chosen) == 1:
                alias = next(a for a, _ in inside if len(a) == longest)
                return Match(chosen.pop(), f"mapped name '{alias}'")
            return Match(None, candidates=sorted(chosen, key=lambda p: p.key))
        exact = {p for name, p in self.names if name == key}
        if len(exact) == 1:
            return Match(exact.pop(), "name")
        if len(exact) > 1:
            return Match(None, candidates=sorted(exact, key=lambda p: p.key))
        found: dict[Product, str] = {}
        for name, product in self.names:
            if _long_enough(name) and name in key:
                if len(name) > len(found.get(product, "")):
                    found[product] = name
            elif len(key) >= 2 and key in name and product not in found:
                found[product] = key
        if len(found) > 1:  # drop a product whose matched name is part of another one's (Sidamo vs Sidamo G4)
            terms = list(found.values())
            found = {p: t for p, t in found.items() if not any(t != o and t in o for o in terms)}
        if len(found) == 1:
            product, term = next(iter(found.items()))
            return Match(product, f"partial name '{term}'")
        return Match(None, candidates=sorted(found, key=lambda p: p.key))


def split_mappings(items: Iterable[str] | None) -> list[tuple[str, str]]:
    """['NAME=PRODUCT', …] → [(name, product ref)], checking only the form."""
    result = []
    for item in items or []:
        name, sep, ref = str(item).rpartition("=")
        if not sep or not name.strip() or not ref.strip():
            raise ValidationError("map", "io.must_look_like_name_product", item=item)
        result.append((clean_text(name), ref.strip()))
    return result


def parse_mappings(conn: sqlite3.Connection, items: Iterable[str] | None) -> dict[str, Product]:
    """['NAME=PRODUCT', …] → {name: Product}; PRODUCT is a bean/blend code or name ('bean:CODE' works)."""
    return {name: catalog.get_product(conn, ref) for name, ref in split_mappings(items)}


def store_mappings(conn: sqlite3.Connection, source: str, mappings: dict[str, Product]) -> list[str]:
    """Save mappings in import_name_map (asked once); returns what changed."""
    changed = []
    for name, product in mappings.items():
        row = conn.execute(
            "SELECT bean_id, blend_id FROM import_name_map WHERE source = ? AND name = ?", (source, name)
        )
        old = row.fetchone()
        new = (product.id if product.kind == "bean" else None, product.id if product.kind == "blend" else None)
        if old is not None and tuple(old) == new:
            continue
        conn.execute(
            "INSERT OR REPLACE INTO import_name_map (source, name, bean_id, blend_id) VALUES (?, ?, ?, ?)",
            (source, name, *new),
        )
        changed.append(f"'{name}' → {product.kind}:{product.code}")
    return changed


# --- reading the workbook --------------------------------------------------------------------


@dataclass
class Line:
    sheet: str
    row: int
    name: str
    detail: str
    style: str | None  # DARK | LIGHT | None
    prices: dict[str, Any]  # size -> raw cell value
    problems: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.sheet} › row {self.row}"


def _style(title: str) -> str | None:
    dark, light = MENU_DARK_MARK in title, MENU_LIGHT_MARK in title
    if dark and not light:
        return "DARK"
    if light and not dark:
        return "LIGHT"
    return None


CUP_WORDS = {word for word, size in HEADER_WORDS.items() if size not in BAG_DOSE_G}
MAX_FORM_CELLS = 200_000  # a menu or roasting form is a few thousand cells
MAX_MERGES = 5_000


class Bad:
    """A cell that holds an error value (#DIV/0!, #N/A, …): what it held, for messages."""

    __slots__ = ("what",)

    def __init__(self, what: str):
        self.what = what


class Formula:
    """A formula cell: its text ('=C2/0.83') and the value Excel saved with it (None if none)."""

    __slots__ = ("text", "cached")

    def __init__(self, text: str, cached: Any):
        self.text = text
        self.cached = cached

    def __repr__(self) -> str:
        return f"Formula({self.text!r}, {self.cached!r})"


class Grid:
    """One sheet of a human-made workbook: the cells that exist, merged ranges kept as ranges.

    `value(r, c)` reads a cell inside a merged range as the range's top-left value; `own(r, c)`
    is None for the hidden part of a range. Ranges are not expanded here (`load_grids` refuses a
    file whose ranges cover more cells than a form has, before openpyxl expands them).
    """

    def __init__(self, title: str, cells: dict[tuple[int, int], Any], merges: list[str]):
        self.title = title
        self.cells = cells
        self.ranges: list[tuple[int, int, int, int]] = []
        from openpyxl.utils.cell import range_boundaries  # imported late: see the module's docstring

        for ref in merges:
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
            except (ValueError, TypeError):
                continue
            self.ranges.append((min_row, min_col, max_row, max_col))
        self.by_row: dict[int, list[int]] = {}
        for r, c in sorted(cells):
            self.by_row.setdefault(r, []).append(c)

    def _range(self, r: int, c: int) -> tuple[int, int, int, int] | None:
        for rng in self.ranges:
            if rng[0] <= r <= rng[2] and rng[1] <= c <= rng[3]:
                return rng
        return None

    def own(self, r: int, c: int) -> Any:
        rng = self._range(r, c) if self.ranges else None
        if rng is not None and (rng[0], rng[1]) != (r, c):
            return None
        return self.cells.get((r, c))

    def value(self, r: int, c: int) -> Any:
        rng = self._range(r, c) if self.ranges else None
        if rng is not None:
            return self.cells.get((rng[0], rng[1]))
        return self.cells.get((r, c))

    def text(self, r: int, c: int) -> str:
        value = self.value(r, c)
        return clean_text(value) if isinstance(value, str) else ""

    def shown(self, r: int, c: int) -> Any:
        """What the cell shows: a formula's saved value, an error as None."""
        value = self.value(r, c)
        if isinstance(value, Formula):
            return value.cached
        return None if isinstance(value, Bad) else value


def load_grids(path: Path, sheets: Sequence[str] | None = None) -> dict[str, Grid]:
    """The sheets of a human-made workbook (menu, roasting log): openpyxl's normal mode (merged
    ranges, formulas as written), plus the values Excel saved with the formulas (read-only mode).

    Merged ranges are counted from the raw file first (normal mode creates a cell object for every
    cell a range covers), and a sheet holding more cells than a form is refused.
    """
    from openpyxl.utils.cell import range_boundaries  # imported late: see the module's docstring

    merges = [ref for refs in merged_ranges(path).values() for ref in refs]
    covered = 0
    for ref in merges:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        covered += (max_row - min_row + 1) * (max_col - min_col + 1)
    if len(merges) > MAX_MERGES or covered > MAX_FORM_CELLS:
        raise ValidationError(path.name, "io.has_too_many_merged_cells_not")
    grids: dict[str, Grid] = {}
    formulas: dict[str, list[tuple[int, int]]] = {}
    with open_workbook(path, read_only=False) as wb:
        for ws in wb.worksheets:
            if sheets is not None and ws.title not in sheets:
                continue
            # The cells the sheet holds. `iter_rows` would create a cell object for every coordinate
            # of the used rectangle: the café's price-tag sheets carry a styled cell on row 1,048,576.
            held = ws._cells
            if len(held) > MAX_FORM_CELLS:
                raise ValidationError(
                    f"{path.name} › {ws.title}",
                    "io.has_more_than_cells_not_a",
                    limit=MAX_FORM_CELLS,
                )
            cells: dict[tuple[int, int], Any] = {}
            for key in sorted(held):
                cell = held[key]
                if cell.value is None:
                    continue  # empty (styled only), or the hidden part of a merged range
                if cell.data_type == "f":
                    text = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", "")
                    cells[key] = Formula(str(text), None)
                    formulas.setdefault(ws.title, []).append(key)
                elif cell.data_type == "e":
                    cells[key] = Bad(f"the error {cell.value}")
                else:
                    cells[key] = cell.value
            grids[ws.title] = Grid(ws.title, cells, [str(r) for r in ws.merged_cells.ranges])
    if formulas:
        _saved_values(path, grids, formulas)
    return grids


def _saved_values(path: Path, grids: dict[str, Grid], formulas: dict[str, list[tuple[int, int]]]) -> None:
    """Fill in the value Excel saved with each formula (an error value counts as none)."""
    with open_workbook(path, read_only=True, data_only=True) as wb:
        for title, keys in formulas.items():
            ws = wb[title]
            ws.reset_dimensions()  # only the rows up to the last formula are read
            wanted = set(keys)
            first, last = min(r for r, _ in keys), max(r for r, _ in keys)
            for r, row in enumerate(ws.iter_rows(min_row=first, max_row=last, max_col=max(c for _, c in keys)), first):
                for c, cell in enumerate(row, start=1):
                    if (r, c) in wanted and cell.data_type != "e":
                        grids[title].cells[(r, c)].cached = cell.value


def _header_sizes(grid: Grid) -> bool:
    """Has drink-price columns (regular / large / ONE SIZE / price headers, HEADER_WORDS)."""
    return any(isinstance(v, str) and normalise(v) in CUP_WORDS for v in grid.cells.values())


def choose_sheets(grids: dict[str, Grid], requested: Sequence[str] | None, report: ImportReport) -> list[str]:
    """The price lists plus the newest copy ('(n)' suffix) of every other sheet with price columns."""
    titles = list(grids)
    if requested:
        missing = [s for s in requested if s not in titles]
        if missing:
            raise ValidationError("sheet", "io.no_sheet_named", sheets=", ".join(repr(s) for s in missing))
        return list(requested)
    chosen = [t for t in PRICE_SHEETS if t in titles]
    for title in PRICE_SHEETS:
        if title not in titles:
            report.note(f"price-list sheet '{title}' is missing")
    families: dict[str, list[tuple[int, str]]] = {}
    for title in titles:
        if title in PRICE_SHEETS:
            continue
        if not _header_sizes(grids[title]):
            report.note(f"sheet '{title}': no price columns (label, price tag or empty sheet) — not read")
            continue
        match = _COPY.search(title)
        family = _COPY.sub("", title).strip()
        families.setdefault(family, []).append((int(match.group(1)) if match else 1, title))
    newest_by_style: dict[str, str] = {}
    for copies in families.values():
        copies.sort()
        newest = copies[-1][1]
        chosen.append(newest)
        if _style(newest):
            newest_by_style[_style(newest)] = newest
        for _, older in copies[:-1]:
            report.note(f"sheet '{older}': an older copy of '{newest}' — not read")
    # A board naming both roasts (the combined drip board) next to revised separate light/dark boards is the
    # older combined board: it still lists beans the newer boards mark "Sold out" or replaced.
    if len(newest_by_style) == 2:
        for title in list(chosen):
            if MENU_DARK_MARK in title and MENU_LIGHT_MARK in title and title not in PRICE_SHEETS:
                chosen.remove(title)
                report.note(
                    f"sheet '{title}': a combined {STYLES['LIGHT'][1]}/{STYLES['DARK'][1]} board, superseded by "
                    f"'{newest_by_style['LIGHT']}' and '{newest_by_style['DARK']}' — not read (use --sheet to read it)"
                )
    return chosen


def read_lines(grids: dict[str, Grid], sheets: Sequence[str]) -> list[Line]:
    lines: list[Line] = []
    for title in sheets:
        grid = grids[title]
        columns: dict[int, str] = {}
        size_col: int | None = None
        for r, row_columns in grid.by_row.items():
            header = {}
            for c in row_columns:
                value = grid.own(r, c)
                if isinstance(value, str):
                    word = normalise(value)
                    if word in HEADER_WORDS:
                        header[c] = HEADER_WORDS[word]
                    elif word == MENU_SIZE_COLUMN:
                        size_col = c
            if header:
                columns = header
                if "price" not in header.values():
                    size_col = None
                continue
            if not columns:
                continue
            prices = {}
            for c, size in columns.items():
                value = grid.own(r, c)
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                prices[size] = (value, c)
            if not prices:
                continue
            first_price = min(c for _, c in prices.values())
            texts = []
            for c in range(1, first_price):
                value = grid.value(r, c)
                if isinstance(value, str) and value.strip() and clean_text(value) not in texts:
                    texts.append(clean_text(value))
            line = Line(title, r, texts[0] if texts else "", " / ".join(texts[1:]), _style(title), {})
            for size, (value, _col) in prices.items():
                line.prices[size] = _price_value(grid, value, line)
            if size_col is not None:
                size_text = grid.value(r, size_col)
                line.detail = clean_text(size_text) if size_text else line.detail
            lines.append(line)
    return lines


def _price_value(grid: Grid, value: Any, line: Line) -> Any:
    """A formula's saved value; without one, a simple '=G5+1000' is computed (and noted)."""
    if isinstance(value, Bad):
        return value.what
    if not isinstance(value, Formula):
        return value
    if value.cached is not None:
        return value.cached
    match = _SIMPLE_FORMULA.match(value.text)
    if match:
        from openpyxl.utils import column_index_from_string  # imported late: see the module's docstring

        base = grid.shown(int(match.group(2)), column_index_from_string(match.group(1).upper()))
        if isinstance(base, int | float) and not isinstance(base, bool):
            line.problems.append(f"computed {value.text} (the file has no saved value)")
            return base + int(match.group(3))
    return value.text


# --- import ----------------------------------------------------------------------------------


def import_menu(
    conn: sqlite3.Connection,
    path: Any,
    *,
    dry_run: bool = False,
    mappings: Iterable[str] | None = None,
    sheets: Sequence[str] | None = None,
    progress: Progress | None = None,
    user: str = "system",
) -> ImportReport:
    """Import retail bean prices and drink prices from the café's menu workbook."""
    path = check_xlsx(path, max_bytes=MAX_XLSX_BYTES, max_uncompressed=MAX_UNPACKED_BYTES)
    report = ImportReport("menu", path.name, dry_run=dry_run, sha256=file_sha256(path))
    seen = previous_import(conn, "menu", report.sha256)
    if seen:
        report.note(f"this file was already imported on {seen}")
    extra = parse_mappings(conn, mappings)
    grids = load_grids(path)
    chosen = choose_sheets(grids, sheets, report)
    lines = read_lines(grids, chosen)
    report.note("sheets read: " + ", ".join(f"'{s}'" for s in chosen))

    def work() -> None:
        for text in store_mappings(conn, SOURCE, extra):
            report.note(f"mapping saved: {text}")
        matcher = ProductMatcher(conn, SOURCE)
        _MenuImporter(conn, path.name, report, matcher, user).run(lines, progress)

    return run_import(conn, report, work, user=user)


def _won_text(n: int) -> str:
    return f"₩{n:,}"


class _MenuImporter:
    def __init__(self, conn, fname: str, report: ImportReport, matcher: ProductMatcher, user: str):
        self.conn = conn
        self.fname = fname
        self.report = report
        self.matcher = matcher
        self.user = user

    def run(self, lines: list[Line], progress: Progress | None) -> None:
        matched_prices = 0
        for number, line in enumerate(lines, start=1):
            matched_prices += self.line(line)
            if progress:
                progress(number, len(lines))
        matched_lines = len(self.report.matched)
        self.report.note(
            f"{len(lines)} priced lines: {matched_lines} matched ({matched_prices} prices), "
            f"{len(self.report.unmatched)} not matched"
        )

    def line(self, line: Line) -> int:
        label = f"{line.where}: '{line.name}'" + (f" [{line.detail}]" if line.detail else "")
        if "price" in line.prices:
            price = line.prices["price"]
            shown = _won_text(price) if isinstance(price, int) else repr(price)
            self.report.unmatched.append(
                f"{label} {shown}: a retail item sold by volume or count — no coffee dose known; add it by hand"
            )
            return 0
        if not line.name:
            self.report.unmatched.append(f"{label}: a price without a name")
            return 0
        match = self.matcher.match(line.name)
        if match.product is None:
            prices = ", ".join(
                f"{SIZE_LABEL[s][1]} {_won_text(v) if isinstance(v, int) else repr(v)}" for s, v in line.prices.items()
            )
            hint = f' — map it with --map "{line.name}=PRODUCT"'
            self.report.unmatched.append(f"{label} ({prices}): {match.describe()}{hint}")
            return 0
        clean: dict[str, int] = {}
        for size, raw in line.prices.items():
            where = f"{self.fname} › {line.where}"
            try:
                clean[size] = parse_won(f"{SIZE_LABEL[size][1]} price", raw)
            except ValidationError as error:
                self.report.reject_error("menu_items", where, error)
        for problem in line.problems:
            self.report.note(f"{line.where}: {problem}")
        self._check_rules(line, clean)
        shown = ", ".join(f"{SIZE_LABEL[s][1]} {_won_text(v)}" for s, v in clean.items())
        self.report.matched.append(f"{label} → {match.describe()}: {shown}")
        for size, price in clean.items():
            self.report.add("menu_items", self.upsert(line, match, size, price))
        return len(clean)

    def _check_rules(self, line: Line, prices: dict[str, int]) -> None:
        if "200g" in prices and "1kg" in prices and prices["1kg"] * 2 != prices["200g"] * 5:
            self.report.note(
                f"{line.where}: 1 kg {_won_text(prices['1kg'])} is not 2.5 × 200 g {_won_text(prices['200g'])}"
            )
        if "regular" in prices and "large" in prices and prices["large"] != prices["regular"] + LARGE_EXTRA_WON:
            self.report.note(
                f"{line.where}: large {_won_text(prices['large'])} is not regular + ₩1,000 "
                f"({_won_text(prices['regular'])})"
            )

    def upsert(self, line: Line, match: Match, size: str, price: int) -> str:
        product = match.product
        assert product is not None
        external_id = f"menu:{line.sheet}:{line.row}:{size}"
        existing = self.conn.execute("SELECT * FROM menu_items WHERE external_id = ?", (external_id,)).fetchone()
        column = "bean_id" if product.kind == "bean" else "blend_id"
        with row_savepoint(self.conn):
            if existing is not None:
                changes: dict[str, Any] = {}
                if existing["price_won"] != price:
                    changes["price_won"] = price
                if existing[column] != product.id:
                    changes["product"] = f"{product.kind}:{product.code}"
                if not changes:
                    return "unchanged"
                catalog.update_menu_item(self.conn, existing["id"], user=self.user, **changes)
                return "updated"
            values = self._new_item(line, match, size, price)
            self._note_duplicates(product, values)
            catalog.add_menu_item(self.conn, user=self.user, external_id=external_id, **values)
            return "created"

    def _new_item(self, line: Line, match: Match, size: str, price: int) -> dict[str, Any]:
        product = match.product
        assert product is not None
        bag = size in BAG_DOSE_G
        code_size, size_en, size_ko = SIZE_LABEL[size]
        style_en, style_ko = STYLES.get(line.style or "", ("", ""))
        base = f"{'BAG' if bag else 'CUP'}-{product.code}" + (f"-{line.style}" if line.style else "")
        code = self._free_code(f"{base}-{code_size}")
        by_origin = match.how != "mapped" and not match.how.startswith("mapped")
        if bag:
            name_en = f"{product.name_en} beans {size_en}"
        elif by_origin:
            name_en = f"{product.name_en} hand drip" + (" (large)" if size == "large" else "")
        else:
            name_en = line.name + (" (large)" if size == "large" else "")
        if style_en:
            name_en += f", {style_en}"
        tags = ", ".join(t for t in (style_ko, size_ko) if t)
        name_ko = f"{line.name} ({tags})"
        return {
            "code": code,
            "name_en": name_en[:120],
            "name_ko": name_ko[:120],
            "channel": "bag" if bag else "cup",
            "product": f"{product.kind}:{product.code}",
            "dose_g": BAG_DOSE_G[size] if bag else CUP_DOSE_G[size],
            "price_won": price,
            "extra_cost_won": 0,
        }

    def _free_code(self, code: str) -> str:
        code = re.sub(r"[^A-Za-z0-9_.\-]", "-", code)[:56]
        candidate, n = code, 1
        while self.conn.execute("SELECT 1 FROM menu_items WHERE code = ? COLLATE NOCASE", (candidate,)).fetchone():
            n += 1
            candidate = f"{code}-{n}"
        return candidate

    def _note_duplicates(self, product: Product, values: dict[str, Any]) -> None:
        column = "bean_id" if product.kind == "bean" else "blend_id"
        rows = self.conn.execute(
            f"SELECT code, price_won FROM menu_items WHERE {column} = ? AND channel = ? AND dose_g = ?"
            " AND (external_id IS NULL OR external_id NOT LIKE 'menu:%') AND active = 1",
            (product.id, values["channel"], values["dose_g"]),
        ).fetchall()
        for r in rows:
            self.report.note(
                f"{values['code']}: the menu already has {r['code']} ({_won_text(r['price_won'])}) for the same "
                "product and size — deactivate one of them if they are the same item"
            )


def sheet_summary(path: Any) -> list[dict[str, Any]]:
    """For people exploring a workbook: every sheet with its cells, merged ranges and formulas."""
    path = check_xlsx(Path(path), max_uncompressed=MAX_UNPACKED_BYTES)
    result = []
    for title, grid in load_grids(path).items():
        result.append(
            {
                "sheet": title,
                "cells": len(grid.cells),
                "rows": len(grid.by_row),
                "merged": len(grid.ranges),
                "formulas": sum(1 for v in grid.cells.values() if isinstance(v, Formula)),
                "has_price_columns": _header_sizes(grid),
            }
        )
    return result

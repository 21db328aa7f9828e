"""The café's roasting-log and analysis workbooks: bean list, blend recipes, the calculator's yield.

What the files hold, sheet by sheet, and their Korean headers: `themoon.reference_terms`.

What is imported: bean rows are matched to our beans (roast level code updated when it differs;
unknown beans are reported, or created with `--create-missing`); recipes update the blends' parts;
the calculator's yield (green = roasted / 0.83) becomes the expected loss (17 %) of the blends the
calculator covers — stored on those blends (`expected_loss_pct`) when they have none, not as a
cost-settings version, which would change the café-wide 16.7 % for every product. Names are
matched through `import_name_map` (source 'workbook', `--map "NAME=PRODUCT"`), then by name.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import catalog
from ..models import Product, ValidationError, parse_int, parse_text
from ..reference_terms import (
    WORKBOOK_BEAN_NAME,
    WORKBOOK_BLEND_WORDS,
    WORKBOOK_GREEN,
    WORKBOOK_PORTION,
    WORKBOOK_PRICE,
    WORKBOOK_ROASTED,
)
from .excel import check_xlsx
from .menu import (
    MAX_UNPACKED_BYTES,
    Formula,
    Grid,
    ProductMatcher,
    _has_hangul,
    clean_text,
    load_grids,
    normalise,
    split_mappings,
    store_mappings,
)
from .outcome import ImportReport, Progress, file_sha256, previous_import, row_savepoint, run_import

SOURCE = "workbook"
# The café's country codes (its own legend, as written on the roasting form).
COUNTRY_CODES = {
    "eth": "Ethiopia",
    "k": "Kenya",
    "co": "Colombia",
    "gu": "Guatemala",
    "cos": "Costa Rica",
    "br": "Brazil",
}
_BLEND_WORDS = WORKBOOK_BLEND_WORDS
_YIELD = re.compile(r"^=\s*\$?[A-Z]{1,3}\$?\d+\s*/\s*(\d*\.\d+|\d+)\s*$", re.I)


@dataclass
class BeanRow:
    where: str
    no: int
    country: str
    name: str
    roast_level: str


@dataclass
class Recipe:
    where: str
    name: str  # as written (the Korean blend name)
    parts: list[tuple[str, Any, int]] = field(default_factory=list)  # (name, parts cell, row)
    yield_: Decimal | None = None
    base_g: Any = None


@dataclass
class Contents:
    beans: list[BeanRow] = field(default_factory=list)
    recipes: list[Recipe] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) or (isinstance(value, float) and value.is_integer())


def read_contents(grids: dict[str, Grid], fname: str) -> Contents:
    found = Contents()
    seen_tables: set[tuple] = set()
    for grid in grids.values():
        for table in _bean_tables(grid, fname):
            key = tuple((b.no, normalise(b.name), b.roast_level) for b in table)
            if key in seen_tables:
                continue
            seen_tables.add(key)
            found.beans.extend(table)
        found.recipes.extend(_recipe_tables(grid, fname, found.notes))
        found.recipes.extend(_calculators(grid, fname, found.notes))
        _filled_form_lines(grid, found.notes)
    return found


def _bean_tables(grid: Grid, fname: str) -> list[list[BeanRow]]:
    """Runs of rows `1, 2, 3, …` with country code, name and a short roast-level code to the right."""
    tables = []
    used: set[tuple[int, int]] = set()
    for (r, c), value in sorted(grid.cells.items()):
        if (r, c) in used or not _is_int(value) or int(value) != 1:
            continue
        rows, country = [], ""
        n, row = 1, r
        while _is_int(grid.value(row, c)) and int(grid.value(row, c)) == n:
            cc, name, level = grid.text(row, c + 1), grid.text(row, c + 2), grid.text(row, c + 3)
            if not name or not level or len(level) > 3:
                break
            if cc and cc != "-":
                country = cc
            rows.append(BeanRow(f"{fname} › {grid.title} › row {row}", n, country, name, level))
            used.add((row, c))
            n, row = n + 1, row + 1
        if len(rows) >= 3:
            tables.append(rows)
    return tables


def _blend_name(text: str) -> str:
    """A recipe section's title → the blend it names (the bracketed name, else the title; examples in
    `themoon.reference_terms`)."""
    inside = re.findall(r"\(([^()]*)\)", text)
    for part in reversed(inside):
        if part.strip():
            return clean_text(part)
    return clean_text(text)


def _recipe_tables(grid: Grid, fname: str, notes: list[str]) -> list[Recipe]:
    """Header `bean name | portions…` under a section title naming the blend; rows until the first blank name."""
    recipes = []
    for (r, c), value in sorted(grid.cells.items()):
        if not isinstance(value, str) or normalise(value) != WORKBOOK_BEAN_NAME:
            continue
        parts_col = next(
            (cc for cc in range(c + 1, c + 4) if normalise(grid.value(r, cc) or "").startswith(WORKBOOK_PORTION)), None
        )
        if parts_col is None:
            continue
        title = ""
        for above in range(r - 1, max(r - 4, 0), -1):
            text = grid.text(above, c)
            if text and any(w in normalise(text) for w in _BLEND_WORDS):
                title = text
                break
        if not title:
            continue
        recipe = Recipe(f"{fname} › {grid.title} › row {r}", _blend_name(title))
        price_col = next(
            (cc for cc in range(c + 1, c + 5) if normalise(grid.value(r, cc) or "").startswith(WORKBOOK_PRICE)), None
        )
        ignored = []
        row = r + 1
        while grid.text(row, c):
            recipe.parts.append((grid.text(row, c), grid.value(row, parts_col), row))
            if price_col is not None and grid.value(row, price_col) not in (None, " "):
                ignored.append(grid.value(row, price_col))
            row += 1
        if ignored:
            notes.append(
                f"{grid.title} row {r}: column '{grid.text(r, price_col)}' of '{recipe.name}' ignored "
                f"({', '.join(str(v) for v in ignored)}): these are the calculator's batch sizes, not prices"
            )
        recipes.append(recipe)
    return recipes


def _calculators(grid: Grid, fname: str, notes: list[str]) -> list[Recipe]:
    """Blocks `green | roasted | (parts) | title` with the component rows below (the batch calculator)."""
    recipes = []
    for (r, c), value in sorted(grid.cells.items()):
        if not isinstance(value, str) or normalise(value) != WORKBOOK_GREEN:
            continue
        if normalise(grid.value(r, c + 1) or "") != WORKBOOK_ROASTED:
            continue
        title = grid.text(r, c + 3)
        if not title or not any(w in normalise(title) for w in _BLEND_WORDS):
            continue
        recipe = Recipe(f"{fname} › {grid.title} › row {r}", _blend_name(title), base_g=grid.value(r + 1, c + 3))
        yields = set()
        row = r + 1
        while grid.text(row, c - 1):
            recipe.parts.append((grid.text(row, c - 1), grid.value(row, c + 2), row))
            formula = grid.value(row, c)
            match = _YIELD.match(formula.text) if isinstance(formula, Formula) else None
            if match:
                yields.add(Decimal(match.group(1)))
            row += 1
        if len(yields) == 1:
            recipe.yield_ = yields.pop()
        elif len(yields) > 1:
            notes.append(f"{grid.title} row {r}: '{recipe.name}' uses several yields {sorted(yields)}; none recorded")
        if _is_int(recipe.base_g):
            notes.append(
                f"{grid.title} row {r}: the calculator's batch size for '{recipe.name}' is {int(recipe.base_g):,} g "
                "roasted (an input, not stored)"
            )
        recipes.append(recipe)
    return recipes


def _filled_form_lines(grid: Grid, notes: list[str]) -> None:
    """The printable form's green/roasted cells: report (not import) numbers written into them."""
    filled = 0
    for (r, c), value in grid.cells.items():
        if isinstance(value, str) and normalise(value) == WORKBOOK_GREEN and grid.text(r, c + 1) == WORKBOOK_ROASTED:
            for row in range(r + 1, r + 16):
                for col in (c, c + 1):
                    v = grid.value(row, col)
                    if isinstance(v, int | float) and not isinstance(v, bool):
                        filled += 1
    if filled:
        notes.append(
            f"{grid.title}: {filled} green/roasted weights are written on the printable form; they are not imported "
            "(the form has no reliable date per line) — record roasts with `themoon roast add` or Artisan logs"
        )


# --- import ----------------------------------------------------------------------------------


def import_cafe_workbook(
    conn: sqlite3.Connection,
    path: Any,
    *,
    dry_run: bool = False,
    mappings: Iterable[str] | None = None,
    create_missing: bool = False,
    progress: Progress | None = None,
    user: str = "system",
) -> ImportReport:
    """Import the bean list, blend recipes and calculator yield from the café's workbooks."""
    path = check_xlsx(path, max_uncompressed=MAX_UNPACKED_BYTES)
    report = ImportReport("workbook", path.name, dry_run=dry_run, sha256=file_sha256(path))
    seen = previous_import(conn, "workbook", report.sha256)
    if seen:
        report.note(f"this file was already imported on {seen}")
    pending = split_mappings(mappings)
    contents = read_contents(load_grids(path), path.name)
    if not contents.beans and not contents.recipes:
        raise ValidationError(
            path.name,
            "io.holds_no_bean_table_blend_recipe",
        )
    for note in contents.notes:
        report.note(note)

    def work() -> None:
        # Mappings to products that exist now are stored first (the bean rows use them); mappings
        # to beans this run creates (--create-missing, codes shown by a dry run) once they exist.
        later = []
        for name, ref in pending:
            try:
                product = catalog.get_product(conn, ref)
            except ValidationError:
                later.append((name, ref))
                continue
            for text in store_mappings(conn, SOURCE, {name: product}):
                report.note(f"mapping saved: {text}")
        importer = _Importer(conn, report, user, create_missing)
        importer.beans(contents.beans)
        if later:
            for name, ref in later:
                for text in store_mappings(conn, SOURCE, {name: catalog.get_product(conn, ref)}):
                    report.note(f"mapping saved: {text}")
            importer.matcher = ProductMatcher(conn, SOURCE)
        importer.blends(contents.recipes)
        if progress:
            progress(1, 1)

    return run_import(conn, report, work, user=user)


class _Importer:
    def __init__(self, conn: sqlite3.Connection, report: ImportReport, user: str, create_missing: bool):
        self.conn = conn
        self.report = report
        self.user = user
        self.create_missing = create_missing
        self.matcher = ProductMatcher(conn, SOURCE)

    def _match(self, name: str, kind: str) -> tuple[Product | None, str]:
        match = self.matcher.match(name)
        if match.product is not None and match.product.kind == kind:
            return match.product, match.how
        if match.product is not None:
            return None, f"'{name}' names the {match.product.kind} {match.product.code}, not a {kind}"
        if match.candidates:
            return None, f"'{name}' is ambiguous: " + ", ".join(p.code for p in match.candidates)
        return None, f"no {kind} named '{name}'"

    def beans(self, rows: list[BeanRow]) -> None:
        done: dict[str, BeanRow] = {}
        for row in rows:
            key = normalise(row.name)
            if key in done:
                other = done[key]
                if (other.roast_level, other.country.lower()) != (row.roast_level, row.country.lower()):
                    self.report.reject(
                        "beans",
                        row.where,
                        "roast_level",
                        f"'{row.name}' is {row.roast_level} here but {other.roast_level} at {other.where}",
                    )
                continue
            done[key] = row
            try:
                with row_savepoint(self.conn):
                    outcome = self._bean(row)
            except ValidationError as error:
                self.report.reject_error("beans", row.where, error)
                continue
            self.report.add("beans", outcome)
        self.matcher = ProductMatcher(self.conn, SOURCE)  # beans created above can now be matched

    def _bean(self, row: BeanRow) -> str:
        level = parse_text("roast_level", row.roast_level, max_len=10, required=True)
        product, how = self._match(row.name, "bean")
        if product is None:
            code = self._create(
                "bean",
                row.name,
                how,
                self._new_code("WB", row.no),
                country=COUNTRY_CODES.get(row.country.lower(), row.country),
                roast_level=level,
                notes=f"created from {row.where} (no {row.no}); give it a proper code and English name",
            )
            self.report.matched.append(f"{row.where}: '{row.name}' → new bean {code}")
            return "created"
        self.report.matched.append(f"{row.where}: '{row.name}' → bean:{product.code} ({how})")
        stored = catalog.get_bean(self.conn, product.id)
        if stored["roast_level"] == level:
            return "unchanged"
        catalog.update_bean(self.conn, product.id, user=self.user, roast_level=level)
        self.report.note(f"{product.code}: roast level {stored['roast_level'] or '(none)'} → {level}")
        return "updated"

    def _create(self, kind: str, name: str, how: str, code: str, **values: Any) -> str:
        """Add the bean or blend the workbook names and the store lacks (only with --create-missing),
        under `code`, a free code made for it; named as the workbook names it."""
        if not self.create_missing:
            if kind == "bean":
                raise ValidationError("name", "io.map_it_with_map_bean_or", how=how, name=name)
            raise ValidationError("blend", "io.map_it_with_map_blend_or", how=how, name=name)
        add = catalog.add_bean if kind == "bean" else catalog.add_blend
        add(self.conn, user=self.user, code=code, name_en=name, name_ko=name if _has_hangul(name) else "", **values)
        return code

    def _new_code(self, prefix: str, number: int) -> str:
        n = number
        while True:
            code = f"{prefix}-{n:02d}"
            if not self.conn.execute(
                "SELECT 1 FROM beans WHERE code = ? COLLATE NOCASE"
                " UNION SELECT 1 FROM blends WHERE code = ? COLLATE NOCASE",
                (code, code),
            ).fetchone():
                return code
            n += 100

    def blends(self, recipes: list[Recipe]) -> None:
        merged: dict[str, Recipe] = {}
        for recipe in recipes:
            try:
                with row_savepoint(self.conn):
                    outcome = self._blend(recipe, merged)
            except ValidationError as error:
                self.report.reject_error("blends", recipe.where, error)
                continue
            if outcome:
                self.report.add("blends", outcome)

    def _blend(self, recipe: Recipe, merged: dict[str, Recipe]) -> str | None:
        parts: dict[int, int] = {}
        codes: dict[int, str] = {}
        sheet_where = recipe.where.rsplit(" › row ", 1)[0]
        for name, value, row in recipe.parts:
            where = f"{sheet_where} › row {row}"
            bean, how = self._match(name, "bean")
            if bean is None:
                raise ValidationError(f"row {row} '{name}'", "io.map_it_with_map_bean", how=how, name=name)
            if bean.id in parts:
                raise ValidationError(f"row {row} '{name}'", "io.is_listed_twice_2", code=bean.code)
            parts[bean.id] = parse_int(f"row {row} parts", value, minimum=1, maximum=1000)
            codes[bean.id] = bean.code
            self.report.matched.append(f"{where}: '{name}' → bean:{bean.code} ({how})")
        blend, how = self._match(recipe.name, "blend")
        shown = ", ".join(f"{codes[b]} {p}" for b, p in parts.items())
        if blend is None:
            values: dict[str, Any] = {}
            if recipe.yield_ is not None:
                values["expected_loss_pct"] = str((1 - recipe.yield_) * 100)
            code = self._create(
                "blend",
                recipe.name,
                how,
                self._new_code("WB-BLEND", len(merged) + 1),
                description=f"created from {recipe.where}",
                components={codes[b]: p for b, p in parts.items()},
                **values,
            )
            self.report.matched.append(f"{recipe.where}: '{recipe.name}' → new blend {code}: {shown}")
            merged[code] = recipe
            return "created"
        if blend.code in merged:
            raise ValidationError(
                "blend",
                "io.has_a_second_recipe_in_this",
                blend=blend.code,
                first=merged[blend.code].where,
            )
        merged[blend.code] = recipe
        self.report.matched.append(f"{recipe.where}: '{recipe.name}' → blend:{blend.code} ({how}): {shown}")
        stored = catalog.get_blend(self.conn, blend.id)
        changes: dict[str, Any] = {}
        if {c["bean_id"]: c["parts"] for c in stored["components"]} != parts:
            old = ", ".join(f"{c['code']} {c['parts']}" for c in stored["components"])
            self.report.note(f"{blend.code}: recipe {old} → {shown}")
            changes["components"] = {codes[b]: p for b, p in parts.items()}
        if recipe.yield_ is not None:
            self._expected_loss(blend, stored, recipe, changes)
        if not changes:
            return "unchanged"
        catalog.update_blend(self.conn, blend.id, user=self.user, **changes)
        return "updated"

    def _expected_loss(self, blend: Product, stored: dict, recipe: Recipe, changes: dict[str, Any]) -> None:
        loss = (1 - recipe.yield_) * 100
        bp = int(loss * 100)
        text = f"{loss.normalize():f} %"
        where = f"the calculator's yield {recipe.yield_} (green = roasted / {recipe.yield_})"
        if stored["expected_loss_bp"] is None:
            changes["expected_loss_pct"] = str(loss)
            self.report.note(
                f"{blend.code}: expected loss set to {text} from {where} — recorded on the blend, not as a "
                "cost-settings version (that would change the café-wide expected loss for every product); "
                "past batches keep the expectation they were judged against"
            )
        elif stored["expected_loss_bp"] == bp:
            self.report.note(f"{blend.code}: expected loss already {text} ({where})")
        else:
            self.report.note(
                f"{blend.code}: expected loss kept at {Decimal(stored['expected_loss_bp']) / 100} % (the owner's "
                f"setting); {where} says {text}"
            )

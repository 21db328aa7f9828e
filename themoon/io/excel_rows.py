"""Importing our Excel format row by row: value parsing and the importer that matches each sheet's rows
to the store (by code, effective date, external_id or full contents)."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .. import catalog, cost_settings, inventory, roasting
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
from .excel_format import BULK_MIN_BATCHES, ORDER
from .outcome import (
    ImportReport,
    row_savepoint,
)


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


def _stored_key(row: Any, components: dict[int, int]) -> tuple:
    """`_batch_key` of a stored roast_batches row and its components (bean id -> green g)."""
    kind = "bean" if row["bean_id"] is not None else "blend"
    fields = ("roasted_on", "roasted_g", "minutes", "operator", "notes", "source")
    return _batch_key(kind, row["bean_id"] or row["blend_id"], *(row[f] for f in fields), components)


def _once(seen: set[str], code: str) -> None:  # a code stands once in a sheet, whatever its case
    if code.upper() in seen:
        raise ValidationError("code", "io.appears_twice_in_the_sheet", code=code)
    seen.add(code.upper())


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

    def _each_coded(self, sheet: str, rows: list[_Row], save: Callable[[_Row, set[str]], str]) -> None:
        """`save(row, seen)` every row of a sheet whose codes stand once (`seen`: the codes so far)."""
        seen: set[str] = set()
        for row in rows:
            self.attempt(sheet, self.where(sheet, row), lambda row=row: save(row, seen))

    def import_beans(self, rows: list[_Row]) -> None:
        self._each_coded("beans", rows, self._bean)

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
        _once(seen, clean["code"])
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
            key = _stored_key(r, components[r["id"]])
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
        self._each_coded("menu_items", rows, self._menu_item)

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
        _once(seen, clean["code"])
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

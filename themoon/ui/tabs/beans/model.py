"""Beans & blends: the state and actions behind the tab (no widgets of its own).

The catalogue with its filters; add, edit, (de)activate a bean or a blend (catalog right); the
live ratio and standard cost per kg of a recipe being typed; the cost breakdown of a product.
Standard costs come from `Context.reads`; the live figure and the breakdown's pieces use the
same `themoon.costing` functions and add up exactly to the price list's number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from .... import catalog, cost_settings, price_list, terms
from ....costing import CostSettings, processing_per_roasted_kg, ratios, standard_cost_per_kg
from ....models import ValidationError, parse_int, parse_pct_bp
from ... import format as fmt
from ...context import Context
from ...results import Result

STATUS = ("active", "inactive", "all")


@dataclass
class Piece:
    key: str  # 'green' | 'roasting' | 'labour' | 'energy' | 'misc'
    label_en: str
    label_ko: str
    won_per_kg: Fraction


def cost_breakdown(conn, product_ref: str, on: date, green: dict | None = None) -> dict[str, Any]:
    """The standard cost per roasted kg of a product in pieces: each bean's green cost grossed up
    for the expected loss, then roasting, labour, energy and misc per roasted kg. The pieces add
    up exactly to `price_list.product_cost`'s cost (returned as `total`)."""
    product = catalog.get_product(conn, product_ref)
    settings = cost_settings.settings_on(conn, on)
    green = price_list.green_costs_per_kg(conn, on) if green is None else green
    package = price_list.product_cost(conn, product, settings, green, on)
    loss = price_list.expected_loss(conn, product, settings, on)
    recipe = catalog.recipe(conn, product)
    names = {b["id"]: b for b in catalog.list_beans(conn)}
    pieces: list[Piece] = []
    if package["cost_per_kg"] is not None:
        shares = ratios([parts for _, parts in recipe])
        for (bean_id, _), share in zip(recipe, shares, strict=True):
            bean = names[bean_id]
            pieces.append(
                Piece(
                    "green",
                    bean["name_en"],
                    bean["name_ko"] or bean["name_en"],
                    share * green[bean_id] / (1 - loss / 100),
                )
            )
        planned_kg = Fraction(settings.planned_session_roasted_g, 1000)
        labour = Fraction(settings.labour_won_per_hour * settings.labour_minutes_per_session, 60)
        pieces += [
            Piece("roasting", "", "", Fraction(settings.roasting_won_per_kg)),
            Piece("labour", "", "", labour / planned_kg),
            Piece("energy", "", "", Fraction(settings.energy_won_per_session) / planned_kg),
            Piece("misc", "", "", Fraction(settings.misc_won_per_session) / planned_kg),
        ]
    return {"product": product, "package": package, "pieces": pieces, "total": package["cost_per_kg"], "loss": loss}


def loss_text(bp: int | None) -> str:
    """A stored expected loss (basis points) as the owner types it: '13.5'; '' for the default."""
    return "" if bp is None else fmt.number(Fraction(bp, 100), 2).rstrip("0").rstrip(".")


@dataclass
class Editing:
    """Which record an editor holds: None for a new one."""

    bean: int | None = None
    blend: int | None = None


class CatalogModel:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.origin: object = self  # who announces its writes (the view, which redraws itself)
        self.all_beans: list[dict] = []
        self.beans: list[dict] = []  # the beans the filters let through
        self.blends: list[dict] = []
        self.product_costs: dict[str, dict] = {}  # 'kind:CODE' → its standard cost row
        self.green: dict[int, Fraction | None] = {}
        self.settings: CostSettings | None = None
        self.term_names: dict = {}
        self.search = ""
        self.status = "active"
        self.country = ""
        self.breakdown_product = ""
        self.breakdown: dict[str, Any] | None = None
        self.editing = Editing()

    # --- reading ----------------------------------------------------------------------------------

    def load(self) -> None:
        conn, on, reads = self.ctx.conn(), self.ctx.today(), self.ctx.reads
        self.all_beans = catalog.list_beans(conn)
        self.blends = catalog.list_blends(conn)
        self.settings = reads.settings_on(on)
        self.green = reads.green_costs(on)
        self.product_costs = {f"{r['kind']}:{r['product']}": r for r in reads.product_costs(on)}
        self.term_names = terms.korean_names(conn)
        self.filter_beans()
        self.load_breakdown()

    def countries(self) -> list[str]:
        return sorted({b["country"] for b in self.all_beans if b["country"]})

    def set_filters(self, *, search: Any = None, status: Any = None, country: Any = None) -> None:
        """Narrow the bean list (values from the browser: an unknown status is ignored)."""
        if search is not None:
            self.search = str(search)[:80]
        if status in STATUS:
            self.status = status
        if country is not None:
            self.country = str(country)
        self.filter_beans()

    def filter_beans(self) -> None:
        active = {"active": True, "inactive": False}.get(self.status)
        beans = catalog.list_beans(self.ctx.conn(), search=self.search or None, active=active)
        self.beans = [b for b in beans if not self.country or b["country"] == self.country]

    def set_breakdown_product(self, product: str) -> None:
        self.breakdown_product = product or ""
        self.load_breakdown()

    def load_breakdown(self) -> None:
        product, on = self.breakdown_product, self.ctx.today()
        self.breakdown = cost_breakdown(self.ctx.conn(), product, on, self.green) if product else None

    def bean(self, bean_id: Any) -> dict | None:
        return next((b for b in self.all_beans if b["id"] == bean_id), None)

    def blend(self, blend_id: Any) -> dict | None:
        return next((b for b in self.blends if b["id"] == blend_id), None)

    # --- the recipe being typed --------------------------------------------------------------------

    def live_cost(self, rows: list[tuple[str, Any]], loss_typed: Any) -> dict[str, Any]:
        """Ratios and standard cost per kg of a recipe as typed ((bean code, parts) rows; None
        where not computable), at the loss typed (else the settings')."""
        parts = []
        for code, typed in rows:
            try:
                parts.append(parse_int("parts", typed, minimum=1, maximum=1000) if code else None)
            except ValidationError:
                parts.append(None)
        valid = [p for p in parts if p]
        total = sum(valid)
        shares = [None if not p else Fraction(p, total) for p in parts]
        settings = self.settings
        assert settings is not None, "load() first"
        try:
            loss = Fraction(parse_pct_bp("expected_loss_pct", loss_typed), 100)
        except ValidationError:
            loss = settings.expected_loss_pct
        cost = None
        missing = []
        if valid and len(valid) == len(parts):
            beans = {b["code"]: b["id"] for b in self.all_beans}
            components = []
            for (code, _), p in zip(rows, parts, strict=True):
                green = self.green.get(beans.get(code))  # type: ignore[arg-type]
                if green is None:
                    missing.append(code)
                components.append((p, green))
            if not missing:
                cost = standard_cost_per_kg(components, loss, settings)
        return {
            "shares": shares,
            "loss": loss,
            "cost": cost,
            "missing": missing,
            "processing": processing_per_roasted_kg(settings),
        }

    # --- writing ----------------------------------------------------------------------------------

    def _save(self, values: dict[str, Any], add: Callable, update: Callable, editing: int | None, where: str) -> Result:
        conn, user = self.ctx.conn(), self.ctx.username
        if editing:
            return self._write(lambda: update(conn, editing, user=user, **values), where)
        return self._write(lambda: add(conn, user=user, **values), where)

    def _write(self, fn: Callable[[], Any], where: str) -> Result:
        """One catalog write under the catalog right; the other tabs told once it went through."""
        return self.ctx.run(fn, action="catalog", where=where, changes="catalog", origin=self.origin)

    def save_bean(self, values: dict[str, Any]) -> Result:
        """Add a bean, or update the one being edited (`editing.bean`)."""
        return self._save(values, catalog.add_bean, catalog.update_bean, self.editing.bean, "catalog.save_bean")

    def save_blend(self, values: dict[str, Any]) -> Result:
        """Add a blend, or update the one being edited; `components` is {bean code: parts as typed}."""
        return self._save(values, catalog.add_blend, catalog.update_blend, self.editing.blend, "catalog.save_blend")

    def _toggle(self, update: Callable, record: dict, where: str) -> Result:
        conn, user = self.ctx.conn(), self.ctx.username
        return self._write(lambda: update(conn, record["id"], user=user, active=not record["active"]), where)

    def toggle_bean(self, bean: dict) -> Result:
        """Deactivate an active bean or reactivate an inactive one."""
        return self._toggle(catalog.update_bean, bean, "catalog.toggle_bean")

    def toggle_blend(self, blend: dict) -> Result:
        return self._toggle(catalog.update_blend, blend, "catalog.toggle_blend")

"""Standard costs and prices of every product and menu item, from the store and the cost model."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from . import catalog, cost_settings, inventory
from .costing import (
    CostSettings,
    bp_to_pct,
    loss_pct,
    margin_pct,
    processing_per_roasted_kg,
    recent_expected_pct,
    round_decimal,
    round_won,
    standard_cost_per_kg,
    suggested_price,
    unit_cost,
)
from .models import Product, parse_decimal, parse_int, parse_pct_bp, parse_won


def expected_loss(conn: sqlite3.Connection, product: Product, settings: CostSettings, on: date) -> Fraction:
    """The product's own expected loss, else the settings'; with the toggle on, the mean of its
    last 10 batches up to `on` (when it has any)."""
    if settings.use_recent_loss:
        column = "bean_id" if product.kind == "bean" else "blend_id"
        rows = conn.execute(
            f"SELECT b.roasted_g, SUM(c.green_g) AS green_g FROM roast_batches b"
            f" JOIN roast_components c ON c.batch_id = b.id WHERE b.{column} = ?"
            f" AND b.roasted_on <= ? GROUP BY b.id ORDER BY b.roasted_on DESC, b.id DESC LIMIT 10",
            (product.id, on.isoformat()),
        ).fetchall()
        recent = recent_expected_pct([loss_pct(r["green_g"], r["roasted_g"]) for r in rows])
        if recent is not None:
            return recent
    table = "beans" if product.kind == "bean" else "blends"
    own = conn.execute(f"SELECT expected_loss_bp FROM {table} WHERE id = ?", (product.id,)).fetchone()[0]
    return bp_to_pct(own or settings.expected_loss_bp)


def green_costs_per_kg(conn: sqlite3.Connection, on: date) -> dict[int, Fraction | None]:
    """Moving-average green cost ₩/kg of every bean on a date (None: never bought)."""
    result = {}
    for bean in catalog.list_beans(conn):
        avg = inventory.avg_cost_per_g(conn, bean["id"], on)
        result[bean["id"]] = None if avg is None else avg * 1000
    return result


def product_cost(
    conn: sqlite3.Connection,
    product: Product,
    settings: CostSettings,
    green_per_kg: dict[int, Fraction | None],
    on: date,
    loss_override: Fraction | None = None,
) -> dict[str, Any]:
    """Standard cost per roasted kg of one product, with its parts; None cost if a bean has no price."""
    components = [(parts, green_per_kg.get(bean_id)) for bean_id, parts in catalog.recipe(conn, product)]
    loss = loss_override if loss_override is not None else expected_loss(conn, product, settings, on)
    return product_cost_row(product, components, loss, settings)


def product_cost_row(
    product: Any, components: list[tuple[int, Fraction | None]], loss: Fraction, settings: CostSettings
) -> dict[str, Any]:
    """The cost row of a product (with `code`, `kind`, `name_en`, `name_ko`) from its recipe's
    (parts, green ₩/kg) and its expected loss; None costs if a bean has no price. The rows of
    `product_costs` and of `Analytics.product_costs` both."""
    processing = processing_per_roasted_kg(settings)
    row: dict[str, Any] = {
        "product": product.code,
        "kind": product.kind,
        "name_en": product.name_en,
        "name_ko": product.name_ko,
        "expected_loss_pct": float(round_decimal(loss, 2)),
        "processing_per_kg_won": round_won(processing),
        "cost_per_kg": None,
        "cost_per_kg_won": None,
        "green_per_kg_won": None,
        "suggested_price_per_kg_won": None,
    }
    if not components or any(cost is None for _, cost in components):
        return row
    cost = standard_cost_per_kg(components, loss, settings)
    row.update(
        cost_per_kg=cost,
        cost_per_kg_won=round_won(cost),
        green_per_kg_won=round_won(cost - processing),
        suggested_price_per_kg_won=round_won(suggested_price(cost, settings)),
    )
    return row


def product_costs(
    conn: sqlite3.Connection,
    *,
    on: date | None = None,
    settings: CostSettings | None = None,
    green_per_kg: dict[int, Fraction | None] | None = None,
    loss_override: Fraction | None = None,
) -> list[dict[str, Any]]:
    """Every active product's standard cost per roasted kg. `settings`/`green_per_kg` override the
    stored ones (the what-if panel passes changed values; nothing is written)."""
    on = on or date.today()
    settings = settings or cost_settings.settings_on(conn, on)
    green = green_per_kg if green_per_kg is not None else green_costs_per_kg(conn, on)
    return [product_cost(conn, p, settings, green, on, loss_override) for p in catalog.list_products(conn)]


def menu_costs(
    conn: sqlite3.Connection,
    *,
    on: date | None = None,
    settings: CostSettings | None = None,
    green_per_kg: dict[int, Fraction | None] | None = None,
    dose_override_g: dict[int, int] | None = None,
    loss_override: Fraction | None = None,
) -> list[dict[str, Any]]:
    """Cost, suggested price and margin of every menu item, each against its own unit."""
    on = on or date.today()
    settings = settings or cost_settings.settings_on(conn, on)
    by_key = {
        (row["kind"], row["product"]): row
        for row in product_costs(conn, on=on, settings=settings, green_per_kg=green_per_kg, loss_override=loss_override)
    }
    rows = []
    for item in catalog.list_menu_items(conn):
        kind = "bean" if item["bean_id"] is not None else "blend"
        product = catalog.product_by_id(conn, kind, item["bean_id"] or item["blend_id"])
        per_kg = by_key.get((kind, product.code), {}).get("cost_per_kg")
        dose = (dose_override_g or {}).get(item["id"], item["dose_g"])
        rows.append(menu_cost_row(item, product.code, dose, per_kg, settings))
    return rows


def menu_cost_row(
    item: Mapping[str, Any], product: str, dose_g: int, cost_per_kg: Fraction | None, settings: CostSettings
) -> dict[str, Any]:
    """The cost row of a menu item (`code`, `name_en`, `name_ko`, `channel`, `price_won`,
    `extra_cost_won`) at `dose_g` of its product: cost, suggested price and margin, None without a
    cost per kg. The rows of `menu_costs` and of `Analytics.menu_costs` both."""
    row = {
        "item": item["code"],
        "name_en": item["name_en"],
        "name_ko": item["name_ko"],
        "channel": item["channel"],
        "product": product,
        "dose_g": dose_g,
        "price_won": item["price_won"],
        "extra_cost_won": item["extra_cost_won"],
        "cost_won": None,
        "suggested_price_won": None,
        "margin_pct": None,
    }
    if cost_per_kg is not None:
        cost = unit_cost(cost_per_kg, dose_g, item["extra_cost_won"])
        margin = margin_pct(item["price_won"], cost)
        row.update(
            cost_won=round_won(cost),
            suggested_price_won=round_won(suggested_price(cost, settings)),
            margin_pct=None if margin is None else float(round_decimal(margin, 1)),
        )
    return row


def what_if(
    conn: sqlite3.Connection,
    *,
    green_price_change_pct: Any = 0,
    expected_loss_pct: Any = None,
    labour_won_per_hour: Any = None,
    energy_won_per_session: Any = None,
    dose_change_g: Any = 0,
    on: date | None = None,
) -> list[dict[str, Any]]:
    """Menu margins under changed inputs, computed in memory: nothing is written.

    The inputs come straight from widgets, so they are validated like any other input.
    """
    on = on or date.today()
    factor, loss, dose_change, changes = what_if_inputs(
        green_price_change_pct, expected_loss_pct, labour_won_per_hour, energy_won_per_session, dose_change_g
    )
    settings = replace(cost_settings.settings_on(conn, on), **changes)
    green = {k: None if v is None else v * factor for k, v in green_costs_per_kg(conn, on).items()}
    doses = None
    if dose_change:
        doses = {
            i["id"]: max(1, i["dose_g"] + dose_change) for i in catalog.list_menu_items(conn) if i["channel"] == "cup"
        }
    return menu_costs(conn, on=on, settings=settings, green_per_kg=green, dose_override_g=doses, loss_override=loss)


def what_if_inputs(
    green_price_change_pct: Any,
    expected_loss_pct: Any,
    labour_won_per_hour: Any,
    energy_won_per_session: Any,
    dose_change_g: Any,
) -> tuple[Fraction, Fraction | None, int, dict[str, Any]]:
    """The what-if inputs, validated: the factor on green prices, the expected loss of every
    product (None: each its own), the change of every cup's dose in g, and the cost settings to
    change. For `what_if` and `Analytics.what_if` both."""
    change = Fraction(
        parse_decimal("green_price_change_pct", green_price_change_pct, minimum=Decimal(-90), maximum=Decimal(500))
    )
    loss = None
    if expected_loss_pct not in (None, ""):
        loss = Fraction(parse_pct_bp("expected_loss_pct", expected_loss_pct), 100)
    dose_change = parse_int("dose_change_g", dose_change_g, minimum=-50, maximum=100)
    changes: dict[str, Any] = {}
    if labour_won_per_hour not in (None, ""):
        changes["labour_won_per_hour"] = parse_won("labour_won_per_hour", labour_won_per_hour)
    if energy_won_per_session not in (None, ""):
        changes["energy_won_per_session"] = parse_won("energy_won_per_session", energy_won_per_session)
    return 1 + change / 100, loss, dose_change, changes

"""Standard (planning) costs of every product and menu item on a date, and the what-if engine.

The inputs come from the snapshot (moving-average green prices, expected losses, recipes,
settings in force); the rows are made by `themoon.price_list` and `themoon.costing` themselves
(`product_cost_row`, `menu_cost_row`, `what_if_inputs`), so they equal the store-side
`price_list.product_costs` / `menu_costs` / `what_if` exactly.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction
from typing import Any

import pandas as pd

from ..costing import CostSettings, bp_to_pct, loss_pct, recent_expected_pct
from ..price_list import menu_cost_row, product_cost_row, what_if_inputs
from .snapshot import Snapshot, day
from .stock import green_costs_per_kg


def recent_losses(snap: Snapshot, on: date) -> dict[int, Fraction]:
    """Mean loss of each product's last 10 batches up to `on` (pkey → exact percent)."""
    rows = snap.query("recent_losses", on=on)
    return {
        int(pkey): recent_expected_pct([loss_pct(int(b["g"]), int(b["r"])) for b in recent])
        for pkey, recent in zip(rows["pkey"], rows["recent"], strict=True)
        if len(recent)
    }


def expected_loss(row: Any, settings: CostSettings, recent: dict[int, Fraction] | None) -> Fraction:
    if settings.use_recent_loss and recent and int(row.pkey) in recent:
        return recent[int(row.pkey)]
    own = None if pd.isna(row.own_bp) else int(row.own_bp)
    return bp_to_pct(own or settings.expected_loss_bp)


def recipe_of(snap: Snapshot, row: Any) -> list[tuple[int, int]]:
    return [(int(row.id), 1)] if row.kind == "bean" else snap.recipe.get(int(row.id), [])


def product_costs(
    snap: Snapshot,
    on: Any = None,
    *,
    settings: CostSettings | None = None,
    green_per_kg: dict[int, Fraction | None] | None = None,
    loss_override: Fraction | None = None,
) -> list[dict[str, Any]]:
    """Standard cost per roasted kg of every active product; equal to price_list.product_costs."""
    on = day(on, date.today())
    settings = settings or snap.settings_on(on)
    green = green_per_kg if green_per_kg is not None else green_costs_per_kg(snap, on)
    recent = recent_losses(snap, on) if settings.use_recent_loss and loss_override is None else None
    rows = []
    for product in snap.products[snap.products["active"]].itertuples():
        components = [(parts, green.get(bean_id)) for bean_id, parts in recipe_of(snap, product)]
        loss = loss_override if loss_override is not None else expected_loss(product, settings, recent)
        rows.append(product_cost_row(product, components, loss, settings))
    return rows


def menu_costs(
    snap: Snapshot,
    on: Any = None,
    *,
    settings: CostSettings | None = None,
    green_per_kg: dict[int, Fraction | None] | None = None,
    dose_override_g: dict[int, int] | None = None,
    loss_override: Fraction | None = None,
) -> list[dict[str, Any]]:
    """Cost, suggested price and margin of every active menu item; equal to price_list.menu_costs."""
    on = day(on, date.today())
    settings = settings or snap.settings_on(on)
    products = product_costs(snap, on, settings=settings, green_per_kg=green_per_kg, loss_override=loss_override)
    return menu_rows(snap, products, settings, dose_override_g)


def menu_rows(
    snap: Snapshot, products: list[dict[str, Any]], settings: CostSettings, dose_override_g: dict[int, int] | None
) -> list[dict[str, Any]]:
    per_kg = {(r["kind"], r["product"]): r["cost_per_kg"] for r in products}
    rows = []
    for item in snap.active_menu:
        kind, code = snap.kind_code[item.pkey]
        dose = (dose_override_g or {}).get(item.id, item.dose_g)
        rows.append(menu_cost_row(item._asdict(), code, dose, per_kg.get((kind, code)), settings))
    return rows


def what_if(
    snap: Snapshot,
    *,
    green_price_change_pct: Any = 0,
    expected_loss_pct: Any = None,
    labour_won_per_hour: Any = None,
    energy_won_per_session: Any = None,
    dose_change_g: Any = 0,
    on: Any = None,
) -> list[dict[str, Any]]:
    """Menu margins under changed inputs, in memory; equal to price_list.what_if (same arguments,
    validated the same way: the inputs come from widgets)."""
    on = day(on, date.today())
    factor, loss, dose_change, changes = what_if_inputs(
        green_price_change_pct, expected_loss_pct, labour_won_per_hour, energy_won_per_session, dose_change_g
    )
    settings = replace(snap.settings_on(on), **changes)
    green = {k: None if v is None else v * factor for k, v in green_costs_per_kg(snap, on).items()}
    doses = None
    if dose_change:
        cups = snap.menu[snap.menu["active"] & (snap.menu["channel"] == "cup")]
        doses = {int(i.id): max(1, int(i.dose_g) + dose_change) for i in cups.itertuples()}
    return menu_costs(snap, on, settings=settings, green_per_kg=green, dose_override_g=doses, loss_override=loss)

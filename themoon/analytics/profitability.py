"""Profitability: cost and margin of every menu item per period (standard or actual basis), and
per product and item the period's actual roast cost against prices and the standard cost.

Every money value is exact: actual cost per kg is the period's summed batch costs (integer won)
over its roasted grams, a unit's cost is `costing.unit_cost`, margins `costing.margin_pct`,
all rounded with `costing.round_won` / `round_decimal`; the standard basis is
`standard_costs.menu_costs` on each period's last day.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ..costing import margin_pct, round_decimal, round_won, unit_cost
from . import standard_costs
from .snapshot import Snapshot, day

MARGIN_GRAINS = ("week", "month", "quarter", "year")


def period_ends(grain: str, since: date, until: date) -> list[date]:
    """The last day of every week/month/quarter/year touching [since, until], capped at until."""
    ends = []
    current = since
    while current <= until:
        if grain == "week":
            end = current + timedelta(days=6 - current.weekday())
        else:
            months = {"month": 1, "quarter": 3, "year": 12}[grain]
            first_month = (current.month - 1) // months * months + 1
            year, month = divmod(first_month - 1 + months, 12)
            end = date(current.year + year, month + 1, 1) - timedelta(days=1)
        ends.append(min(end, until))
        current = end + timedelta(days=1)
    return ends


def margin_trend(snap: Snapshot, since: Any, until: Any, grain: str, basis: str) -> pd.DataFrame:
    """Cost and margin of every active menu item at the end of each period, as green prices move.

    basis 'standard': the standard cost on the period's last day (moving-average green prices and
    the settings then; equal to price_list.menu_costs(on=that day)); basis 'actual': the period's
    actual roast cost per kg of the item's product (no row when the product was not roasted).
    """
    if grain not in MARGIN_GRAINS:
        raise ValueError("grain must be week, month, quarter or year")
    if basis not in ("standard", "actual"):
        raise ValueError("basis must be 'standard' or 'actual'")
    first, last = snap.first_ledger_day or date.today(), snap.span[1] or date.today()
    since, until = day(since, first), day(until, last)
    if since > until:
        return pd.DataFrame()
    if basis == "actual":
        return _margin_trend_actual(snap, grain, since, until)
    return _margin_trend_standard(snap, period_ends(grain, since, until))


def _margin_trend_standard(snap: Snapshot, ends: list[date]) -> pd.DataFrame:
    """`standard_costs.menu_costs` on every period end, one row per (period end, active item)."""
    rows = []
    for end in ends:
        period_end = pd.Timestamp(end)
        settings = snap.settings_on(end)
        products = standard_costs.product_costs(snap, end, settings=settings)
        per_kg = {(r["kind"], r["product"]): r["cost_per_kg"] for r in products}
        menu = standard_costs.menu_rows(snap, products, settings, None)
        for item, row in zip(snap.active_menu, menu, strict=True):
            cost_per_kg = per_kg.get(snap.kind_code[item.pkey])
            rows.append(
                {
                    "basis": "standard",
                    "period_end": period_end,
                    "item": row["item"],
                    "channel": row["channel"],
                    "product": row["product"],
                    "price_won": row["price_won"],
                    "cost_per_kg": np.nan if cost_per_kg is None else float(cost_per_kg),
                    "cost_won": row["cost_won"],
                    "suggested_price_won": row["suggested_price_won"],
                    "margin_pct": np.nan if row["margin_pct"] is None else row["margin_pct"],
                }
            )
    columns = ["basis", "period_end", "item", "channel", "product", "price_won", "cost_per_kg"]
    frame = pd.DataFrame(rows, columns=[*columns, "cost_won", "suggested_price_won", "margin_pct"])
    frame["period_end"] = frame["period_end"].astype("datetime64[us]")
    frame["price_won"] = frame["price_won"].astype(np.int64)
    frame["cost_per_kg"] = frame["cost_per_kg"].astype(float)
    for column in ("cost_won", "suggested_price_won"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    frame["margin_pct"] = frame["margin_pct"].astype(float)
    return frame


def _unit_numbers(per_kg: Fraction, dose_g: int, extra_won: int, price_won: int) -> tuple[int, float, float]:
    """Cost (won), margin % and ROI % (one decimal; NaN without a price or a cost) of one unit."""
    cost = unit_cost(per_kg, dose_g, extra_won)
    margin = margin_pct(price_won, cost)
    roi = float(round_decimal((price_won - cost) / cost * 100, 1)) if cost else np.nan
    return round_won(cost), np.nan if margin is None else float(round_decimal(margin, 1)), roi


def _margin_trend_actual(snap: Snapshot, grain: str, since: date, until: date) -> pd.DataFrame:
    period = snap.query("product_period", grain=grain, since=since, until=until)
    if not len(period):
        return pd.DataFrame()
    products = snap.products.set_index("pkey")
    menu = snap.menu[snap.menu["active"]][["code", "channel", "pkey", "dose_g", "price_won", "extra_cost_won"]]
    frame = period.merge(menu, on="pkey").rename(columns={"code": "item"})
    frame["product"] = products.loc[frame["pkey"], "code"].to_numpy()
    frame["cost_per_kg"] = frame["roast_cost_won"] * 1000 / frame["roasted_g"]
    numbers = [
        _unit_numbers(Fraction(int(cost) * 1000, int(grams)), int(dose), int(extra), int(price))
        for cost, grams, dose, extra, price in zip(
            frame["roast_cost_won"], frame["roasted_g"], frame["dose_g"], frame["extra_cost_won"], frame["price_won"],
            strict=True,
        )
    ]  # fmt: skip
    frame["cost_won"] = np.array([n[0] for n in numbers], dtype=np.int64)
    frame["margin_pct"] = np.array([n[1] for n in numbers], dtype=float)
    frame["roi_pct"] = np.array([n[2] for n in numbers], dtype=float)
    frame.insert(0, "basis", "actual")
    return frame[
        ["basis", "period", "item", "channel", "product", "price_won", "batches", "roasted_g", "cost_per_kg"]
        + ["cost_won", "margin_pct", "roi_pct"]
    ].sort_values(["period", "item"], ignore_index=True)


def profitability(snap: Snapshot, since: Any = None, until: Any = None) -> dict[str, pd.DataFrame]:
    """Per product and per menu item: the period's actual cost against prices, and the standard
    cost on `until`.

    ROI is the gross margin over cost of the period: (price − unit cost) / unit cost × 100, with
    the unit cost from the period's actual roast cost per kg of the product (the store records
    no sales, so the period's volume is what was roasted). A product shows the range of ROI
    across the menu items that sell it and the actual-vs-standard cost gap.
    """
    first, last = snap.span
    since, until = day(since, first or date.today()), day(until, last or date.today())
    period = snap.query("product_period", grain="year", since=since, until=until)
    totals = period.groupby("pkey", as_index=False)[["batches", "roasted_g", "green_g", "roast_cost_won"]].sum()
    actual = {
        int(r.pkey): Fraction(int(r.roast_cost_won) * 1000, int(r.roasted_g))
        for r in totals.itertuples()
        if r.roasted_g
    }
    standard_rows = standard_costs.product_costs(snap, until)
    standard = {(r["kind"], r["product"]): r for r in standard_rows}
    std_menu = {r["item"]: r for r in standard_costs.menu_rows(snap, standard_rows, snap.settings_on(until), None)}
    items = []
    rois: dict[str, list[float]] = {}
    for item in snap.active_menu:
        code = snap.kind_code[item.pkey][1]
        per_kg = actual.get(item.pkey)
        std = std_menu[item.code]
        row = {
            "item": item.code,
            "name_en": item.name_en,
            "channel": item.channel,
            "product": code,
            "dose_g": item.dose_g,
            "price_won": item.price_won,
            "actual_cost_won": None,
            "actual_margin_pct": None,
            "roi_pct": None,
            "standard_cost_won": std["cost_won"],
            "standard_margin_pct": std["margin_pct"],
        }
        if per_kg is not None:
            cost = unit_cost(per_kg, item.dose_g, item.extra_cost_won)
            margin = margin_pct(item.price_won, cost)
            roi = float(round_decimal((item.price_won - cost) / cost * 100, 1)) if cost else None
            row.update(
                actual_cost_won=round_won(cost),
                actual_margin_pct=None if margin is None else float(round_decimal(margin, 1)),
                roi_pct=roi,
            )
            if roi is not None:
                rois.setdefault(code, []).append(roi)
        items.append(row)
    items_frame = pd.DataFrame(items)
    by_product = {int(r.pkey): r for r in totals.itertuples()}
    rows = []
    for product in snap.products.itertuples():
        t = by_product.get(int(product.pkey))
        std = standard.get((product.kind, product.code))
        if t is None and std is None:
            continue
        per_kg = actual.get(int(product.pkey))
        std_kg = None if std is None else std["cost_per_kg"]
        product_rois = rois.get(product.code, [])
        rows.append(
            {
                "product": product.code,
                "kind": product.kind,
                "name_en": product.name_en,
                "batches": 0 if t is None else int(t.batches),
                "roasted_kg": 0.0 if t is None else int(t.roasted_g) / 1000,
                "roast_cost_won": 0 if t is None else int(t.roast_cost_won),
                "actual_cost_per_kg_won": None if per_kg is None else round_won(per_kg),
                "standard_cost_per_kg_won": None if std is None else std["cost_per_kg_won"],
                "actual_vs_standard_pct": None
                if per_kg is None or std_kg is None
                else float(round_decimal((per_kg - std_kg) / std_kg * 100, 1)),
                "menu_items": len(product_rois),
                "roi_min_pct": min(product_rois) if product_rois else None,
                "roi_max_pct": max(product_rois) if product_rois else None,
            }
        )
    return {"products": pd.DataFrame(rows), "menu": items_frame}

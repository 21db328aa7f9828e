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

from ..costing import (
    CostSettings,
    as_ratio,
    check_standard_inputs,
    half_up,
    margin_pct,
    margin_pct_ratio,
    processing_per_roasted_kg,
    roi_pct_ratio,
    round_decimal,
    round_won,
    standard_cost_ratio,
    suggested_price_ratio,
    unit_cost,
    unit_cost_ratio,
    unit_roi_pct,
)
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


GREEN_BITS = 64  # green ₩/kg held as floor(value × 2**64): its float and its cost per kg decided exactly


def _green_fixed(snap: Snapshot) -> dict[int, np.ndarray]:
    """floor(moving-average ₩/kg × 2**GREEN_BITS) after each purchase day of every bean (Python
    ints), computed once per load: a lower bound, within 2**-GREEN_BITS, of the exact average."""
    cached = getattr(snap, "_green_fixed_cache", None)
    if cached is not None and cached[0] is snap.avg_exact:
        return cached[1]
    fixed = {
        bean: np.array([(a.numerator * 1000 << GREEN_BITS) // a.denominator for a in averages] or [0], dtype=object)
        for bean, averages in snap.avg_exact.items()
    }
    snap._green_fixed_cache = (snap.avg_exact, fixed)  # type: ignore[attr-defined]
    return fixed


def _item_bits(cost_per_kg_max: int, menu: list[Any], multipliers: list[int]) -> tuple[int, Any]:
    """Fixed-point bits (and dtype) for the per-item arithmetic: the most that keeps every
    intermediate of `unit_cost_ratio` / `suggested_price_ratio` / `margin_pct_ratio` and their
    `half_up` below 2**62 in int64; Python ints (dtype object) if fewer than 16 bits would fit."""
    dose = max((m.dose_g for m in menu), default=1)
    extra = max((abs(m.extra_cost_won) for m in menu), default=0)
    price = max((abs(m.price_won) for m in menu), default=0)
    unit = (cost_per_kg_max + 1) * dose + 1000 * extra + 1
    largest = 4 * max(unit * max(multipliers, default=1), 1000 * (price * 1000 + unit), 100_000)
    bits = 61 - largest.bit_length()
    return (min(bits, 40), np.int64) if bits >= 16 else (40, object)


class _Bounds:
    """Standard cost per roasted kg of every (period end, active product), bracketed: the exact
    cost lies in [lo_num / lo_den, hi_num / hi_den] (object arrays of exact ints), because the
    formula (`costing.standard_cost_ratio`) rises with the green prices, which are bracketed
    within 2**-GREEN_BITS ₩/kg. `missing` marks products with an unpriced bean."""

    def __init__(self, snap: Snapshot, ends: list[date], settings: list[CostSettings]):
        n_t = len(ends)
        offsets = np.array([(e - snap.day0).days for e in ends], dtype=np.int64)
        fixed = _green_fixed(snap)
        green: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # bean → (floor × 2**64 per end, priced)
        for bean, days in snap.avg_days.items():
            idx = np.searchsorted(np.asarray(days, dtype=np.int64), offsets, side="right") - 1
            priced = (idx >= 0) & (offsets >= 0)
            green[bean] = (np.where(priced, fixed[bean][np.maximum(idx, 0)], 0), priced)
        active = snap.products[snap.products["active"]]
        self.column = {int(pk): j for j, pk in enumerate(active["pkey"])}
        shape = (n_t, len(active))
        lo_green, parts_total = np.zeros(shape, dtype=object), np.ones(shape, dtype=object)
        parts_sum, self.missing = np.zeros(shape, dtype=object), np.zeros(shape, dtype=bool)
        loss_num, loss_den = np.ones(shape, dtype=object), np.ones(shape, dtype=object)
        recent = [
            standard_costs.recent_losses(snap, e) if s.use_recent_loss else None
            for e, s in zip(ends, settings, strict=True)
        ]
        for j, product in enumerate(active.itertuples()):
            components = standard_costs.recipe_of(snap, product)
            total = sum(parts for _, parts in components)
            self.missing[:, j] = not components
            for bean, parts in components:
                found = green.get(int(bean))
                if found is None:
                    self.missing[:, j] = True
                    continue
                lo_green[:, j] += parts * found[0]
                self.missing[:, j] |= ~found[1]
            parts_total[:, j], parts_sum[:, j] = max(total, 1), total
            losses: dict[Any, Fraction] = {}
            checked: set[Any] = set()
            for t, s in enumerate(settings):
                key = id(s) if recent[t] is None else (id(s), t)
                if key not in losses:
                    losses[key] = standard_costs.expected_loss(product, s, recent[t])
                if key not in checked and not self.missing[t, j]:  # as product_cost_row: only when priced
                    check_standard_inputs(total, losses[key])
                    checked.add(key)
                loss_num[t, j], loss_den[t, j] = as_ratio(losses[key])
        processing = [as_ratio(processing_per_roasted_kg(s)) for s in settings]
        proc = (
            np.array([p[0] for p in processing], dtype=object)[:, None],
            np.array([p[1] for p in processing], dtype=object)[:, None],
        )
        den = parts_total << GREEN_BITS
        loss = (loss_num, loss_den)
        self.lo = standard_cost_ratio((lo_green, den), loss, proc)
        self.hi = standard_cost_ratio((lo_green + parts_sum, den), loss, proc)  # each price + 2**-64

    def floats(self) -> tuple[np.ndarray, np.ndarray]:
        """float(cost per kg) where both bounds give the same float (so does the exact value), and
        the mask of where they do not."""
        lo = (self.lo[0] / self.lo[1]).astype(float)
        hi = (self.hi[0] / self.hi[1]).astype(float)
        return np.where(self.missing, np.nan, lo), (lo != hi) & ~self.missing

    def fixed(self, bits: int) -> tuple[np.ndarray, np.ndarray]:
        """floor(lower bound × 2**bits) and ceil(upper bound × 2**bits), Python ints."""
        lo = (self.lo[0] << bits) // self.lo[1]
        hi = -((-(self.hi[0] << bits)) // self.hi[1])
        return np.where(self.missing, 0, lo), np.where(self.missing, 0, hi)


def _margin_trend_standard(snap: Snapshot, ends: list[date]) -> pd.DataFrame:
    """Standard cost, suggested price and margin of every active menu item at every period end,
    equal to `standard_costs.menu_costs(on=that day)`: the costing ratio forms over integer arrays
    on the bracketing bounds (where the rounded bounds agree, so does the exact value); the few
    entries they cannot decide are computed exactly with menu_costs."""
    menu = snap.active_menu
    columns = ["basis", "period_end", "item", "channel", "product", "price_won", "cost_per_kg"]
    columns += ["cost_won", "suggested_price_won", "margin_pct"]
    if not ends or not menu:
        return _standard_frame(snap, ends, columns, *_standard_exact(snap, ends))
    settings = [snap.settings_on(e) for e in ends]
    bounds = _Bounds(snap, ends, settings)
    n_t, n_i = len(ends), len(menu)
    cols = np.array([bounds.column.get(m.pkey, -1) for m in menu], dtype=np.int64)
    has_product = cols >= 0
    cols = np.maximum(cols, 0)
    if not len(bounds.column):
        return _standard_frame(snap, ends, columns, *_standard_exact(snap, ends))
    missing = bounds.missing[:, cols] | ~has_product
    per_kg, unsure_kg = bounds.floats()
    cost_per_kg = np.where(missing, np.nan, per_kg[:, cols])
    multipliers = [s.price_multiplier_pct for s in settings]
    top = np.where(bounds.missing, 0, (bounds.hi[0] // bounds.hi[1])).max(initial=0)
    bits, dtype = _item_bits(int(top), menu, multipliers)
    lo_kg, hi_kg = bounds.fixed(bits)
    c = np.stack([lo_kg[:, cols], hi_kg[:, cols]]).astype(dtype)
    dose = np.array([m.dose_g for m in menu], dtype=np.int64).astype(dtype)
    extra = np.array([m.extra_cost_won for m in menu], dtype=np.int64).astype(dtype)
    price = np.array([m.price_won for m in menu], dtype=np.int64)
    priced = price > 0
    unit = unit_cost_ratio((c, 1 << bits if dtype is object else np.int64(1 << bits)), dose, extra)
    cost_won = half_up(*unit)
    multiplier = np.array(multipliers, dtype=np.int64).astype(dtype)[:, None]
    suggested = half_up(*suggested_price_ratio(unit, multiplier))
    margin_num, margin_den = margin_pct_ratio(np.where(priced, price, 1).astype(dtype), unit)
    margin10 = half_up(margin_num * 10, margin_den)
    unsure = (cost_won[0] != cost_won[1]) | (suggested[0] != suggested[1]) | ((margin10[0] != margin10[1]) & priced)
    unsure = (unsure | unsure_kg[:, cols]) & ~missing
    cost_won, suggested = cost_won[0].astype(np.int64), suggested[0].astype(np.int64)
    margin = np.where(priced, margin10[0].astype(np.int64) / 10, np.nan)
    for t in np.unique(np.nonzero(unsure)[0]):
        exact_kg, exact_rows = _standard_exact(snap, [ends[t]])
        for j in np.nonzero(unsure[t])[0]:
            cost_per_kg[t, j] = exact_kg[0][j]
            row = exact_rows[0][j]
            cost_won[t, j], suggested[t, j] = row["cost_won"], row["suggested_price_won"]
            margin[t, j] = np.nan if row["margin_pct"] is None else row["margin_pct"]
    frame = pd.DataFrame(
        {
            "basis": "standard",
            "period_end": np.repeat(np.array(ends, dtype="datetime64[D]"), n_i).astype("datetime64[us]"),
            "item": np.tile(np.array([m.code for m in menu], dtype=object), n_t),
            "channel": np.tile(np.array([m.channel for m in menu], dtype=object), n_t),
            "product": np.tile(np.array([snap.kind_code[m.pkey][1] for m in menu], dtype=object), n_t),
            "price_won": np.tile(price, n_t),
            "cost_per_kg": cost_per_kg.ravel(),
            "cost_won": pd.array(np.where(missing, np.nan, cost_won).ravel()).astype("Int64"),
            "suggested_price_won": pd.array(np.where(missing, np.nan, suggested).ravel()).astype("Int64"),
            "margin_pct": np.where(missing, np.nan, margin).ravel(),
        },
        columns=columns,
    )
    return frame


def _standard_exact(snap: Snapshot, ends: list[date]) -> tuple[list[list[float]], list[list[dict[str, Any]]]]:
    """Per period end, the cost per kg (float, NaN if none) and the row of `menu_costs` of every
    active item, exactly (Fractions): for what the bounds cannot decide."""
    per_kg_rows, menu_rows = [], []
    for end in ends:
        settings = snap.settings_on(end)
        products = standard_costs.product_costs(snap, end, settings=settings)
        per_kg = {(r["kind"], r["product"]): r["cost_per_kg"] for r in products}
        menu_rows.append(standard_costs.menu_rows(snap, products, settings, None))
        costs = [per_kg.get(snap.kind_code[item.pkey]) for item in snap.active_menu]
        per_kg_rows.append([np.nan if c is None else float(c) for c in costs])
    return per_kg_rows, menu_rows


def _standard_frame(
    snap: Snapshot, ends: list[date], columns: list[str], per_kg: list[list[float]], menu: list[list[dict[str, Any]]]
) -> pd.DataFrame:
    """The standard margin trend from exact rows (`_standard_exact`)."""
    rows = [
        {
            "basis": "standard",
            "period_end": pd.Timestamp(end),
            "item": row["item"],
            "channel": row["channel"],
            "product": row["product"],
            "price_won": row["price_won"],
            "cost_per_kg": cost,
            "cost_won": row["cost_won"],
            "suggested_price_won": row["suggested_price_won"],
            "margin_pct": np.nan if row["margin_pct"] is None else row["margin_pct"],
        }
        for end, costs, rows_t in zip(ends, per_kg, menu, strict=True)
        for cost, row in zip(costs, rows_t, strict=True)
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["period_end"] = frame["period_end"].astype("datetime64[us]")
    frame["price_won"] = frame["price_won"].astype(np.int64)
    frame["cost_per_kg"] = frame["cost_per_kg"].astype(float)
    for column in ("cost_won", "suggested_price_won"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    frame["margin_pct"] = frame["margin_pct"].astype(float)
    return frame


def _unit_numbers(
    per_kg: tuple[np.ndarray, np.ndarray], dose_g: np.ndarray, extra_won: np.ndarray, price_won: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cost (won), margin % and ROI % (one decimal; NaN without a price or a cost) of units whose
    cost per kg is the exact ratio `per_kg`: `costing.unit_cost_ratio`, `margin_pct_ratio` and
    `roi_pct_ratio` rounded with `half_up`, in int64 when every intermediate stays below 2**62,
    else in Python integers."""
    arrays = [np.asarray(a, dtype=np.int64) for a in (*per_kg, dose_g, extra_won, price_won)]
    tops = [int(np.abs(a).max(initial=0)) for a in arrays]
    unit = tops[0] * tops[2] + 1000 * tops[3] * tops[1]
    if 8000 * (tops[4] * 1000 * tops[1] + unit) >= 2**62:
        arrays = [a.astype(object) for a in arrays]
    num, den, dose, extra, price = arrays
    cost = unit_cost_ratio((num, den), dose, extra)
    cost_won = half_up(*cost)
    priced, costed = price > 0, cost[0] > 0
    margin_num, margin_den = margin_pct_ratio(np.where(priced, price, 1), cost)
    margin = np.where(priced, half_up(margin_num * 10, margin_den).astype(np.int64) / 10, np.nan)
    roi_num, roi_den = roi_pct_ratio(price, (np.where(costed, cost[0], 1), cost[1]))
    roi = np.where(costed, half_up(roi_num * 10, roi_den).astype(np.int64) / 10, np.nan)
    for i in np.nonzero(cost[0] < 0)[0]:  # a negative cost (never in the store): its exact ROI
        exact = unit_roi_pct(int(price[i]), Fraction(int(cost[0][i]), int(cost[1][i])))
        roi[i] = np.nan if exact is None else float(round_decimal(exact, 1))
    return cost_won.astype(np.int64), margin.astype(float), roi.astype(float)


def _margin_trend_actual(snap: Snapshot, grain: str, since: date, until: date) -> pd.DataFrame:
    period = snap.query("product_period", grain=grain, since=since, until=until)
    if not len(period):
        return pd.DataFrame()
    products = snap.products.set_index("pkey")
    menu = snap.menu[snap.menu["active"]][["code", "channel", "pkey", "dose_g", "price_won", "extra_cost_won"]]
    frame = period.merge(menu, on="pkey").rename(columns={"code": "item"})
    frame["product"] = products.loc[frame["pkey"], "code"].to_numpy()
    frame["cost_per_kg"] = frame["roast_cost_won"] * 1000 / frame["roasted_g"]
    cost_won, margin, roi = _unit_numbers(
        (frame["roast_cost_won"].to_numpy(np.int64) * 1000, frame["roasted_g"].to_numpy(np.int64)),
        frame["dose_g"].to_numpy(np.int64),
        frame["extra_cost_won"].to_numpy(np.int64),
        frame["price_won"].to_numpy(np.int64),
    )
    frame["cost_won"], frame["margin_pct"], frame["roi_pct"] = cost_won, margin, roi
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
            roi_exact = unit_roi_pct(item.price_won, cost)
            roi = None if roi_exact is None else float(round_decimal(roi_exact, 1))
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

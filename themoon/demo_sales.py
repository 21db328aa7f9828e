"""Daily sales per menu item for the demo and the bulk databases, consistent with what was roasted.

`add_sales` reads what the store roasted per product and month and sells it back through the
menu: each month a product's sold grams are its roasted grams less 3–8 % (tastings, waste, staff
drinks), spread over the open days by a weekly pattern (Friday and Saturday busiest, closed on
Sundays, New Year's day and around Seollal/Chuseok) and over the product's menu items by their
popularity (cold brew sells more in summer); quantities are Poisson draws around that, so
cups × dose ≈ roasted. Two prices rise part-way through (Full Moon hand drip +₩500, New Moon
200 g +₩1,000) and those items then sell about a quarter fewer units (the other items of the same
coffee take the difference). A few units get a 10 % discount.

Products roasted without a menu item of their own (Momora, Fazenda Carmo and Santos, roasted
as single origins for cupping and wholesale trials) are never sold: the reconciliation shows
where that coffee went, which is the point of it.

Deterministic for a given seed and store. The rows go in with `executemany` (the bulk database
of a million batches gets about two million rows: `target_rows` spreads the volume over that
many tills).
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

import numpy as np

from . import db, demo, sales

SALES_WEEKDAY_WEIGHTS = (0.8, 0.85, 0.9, 0.95, 1.25, 1.45, 0.0)  # Mon..Sun (closed on Sunday)
UNSOLD_SHARE = (0.03, 0.08)
DISCOUNT_RATE = 0.04  # share of units sold at 10 % off
PRICE_CHANGES = (("CUP-FULL-MOON", 0.4, 500), ("BAG-NEW-MOON-200", 0.7, 1000))  # item, when, + won
VOLUME_AFTER_RISE = 0.75


def _popularity(code: str, channel: str, dose_g: int) -> float:
    """Relative units sold per day of a menu item (the café's mix, ASSUMED)."""
    if channel == "wholesale":
        return 0.5
    if channel == "bag":
        if code.startswith("DRIPBAG"):
            return 2.0 if dose_g < 50 else 0.4
        if code.startswith("DUTCH"):
            return 0.3
        return 1.0 if dose_g <= 250 else 0.15
    if code.endswith("-L"):
        return 3.0
    if "AU-LAIT" in code:
        return 8.0
    if "CAPPUCCINO" in code:
        return 5.0
    if "COLD-BREW" in code:
        return 6.0
    return 10.0


def _closed(day: date) -> bool:
    if day.weekday() == 6 or (day.month, day.day) == (1, 1):
        return True
    return any(abs((day - holiday).days) <= 1 for holiday in demo.LUNAR_HOLIDAYS)


def _menu(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT i.id, i.code, i.channel, i.dose_g, i.price_won, COALESCE('blend:' || bl.code, 'bean:' || be.code)"
        " AS product FROM menu_items i LEFT JOIN blends bl ON bl.id = i.blend_id"
        " LEFT JOIN beans be ON be.id = i.bean_id WHERE i.active = 1 ORDER BY i.id"
    )
    return [dict(r) for r in rows]


def _roasted_by_month(conn: sqlite3.Connection, start: date, end: date) -> dict[tuple[str, str], int]:
    """{(product, 'YYYY-MM'): roasted g} of the batches between start and end."""
    rows = conn.execute(
        "SELECT substr(b.roasted_on, 1, 7) AS month, COALESCE('blend:' || bl.code, 'bean:' || be.code) AS product,"
        " SUM(b.roasted_g) AS grams FROM roast_batches b LEFT JOIN blends bl ON bl.id = b.blend_id"
        " LEFT JOIN beans be ON be.id = b.bean_id WHERE b.roasted_on BETWEEN ? AND ? GROUP BY 1, 2",
        (start.isoformat(), end.isoformat()),
    )
    return {(r["product"], r["month"]): r["grams"] for r in rows}


def _allocate(
    rng: np.random.Generator,
    expected: np.ndarray,
    target: np.ndarray,
    month_of: np.ndarray,
    product_of: np.ndarray,
    dose: np.ndarray,
) -> np.ndarray:
    """Whole units per day and item whose grams per product and month match the target within half
    a dose: the larger sizes are rounded (stochastically) from what they would sell, the smallest
    size of the product takes the rest; each item's month is then spread over its days."""
    units = np.zeros(expected.shape, dtype=np.int64)
    for month in range(target.shape[0]):
        in_month = np.flatnonzero(month_of == month)
        monthly = expected[in_month].sum(axis=0)
        for product in range(target.shape[1]):
            items = np.flatnonzero(product_of == product)
            if target[month, product] <= 0 or not len(items) or monthly[items].sum() <= 0:
                continue
            items = items[np.argsort(-dose[items], kind="stable")]
            left = target[month, product]
            for k, item in enumerate(items):
                if k < len(items) - 1:  # never more than the grams left
                    whole = min(int(monthly[item] + rng.random()), max(0, int(left // dose[item])))
                else:  # the smallest size: whatever grams are left
                    whole = max(0, int(left / dose[item] + 0.5))
                left -= whole * dose[item]
                weights = expected[in_month, item]
                if whole and weights.sum() > 0:
                    units[in_month, item] = rng.multinomial(whole, weights / weights.sum())
    return units


def add_sales(
    conn: sqlite3.Connection,
    *,
    start: date,
    end: date,
    seed: int = 7,
    target_rows: int | None = None,
) -> int:
    """Generate and write the sales of [start, end] from the store's roasts and menu; returns the
    number of rows written. `target_rows`: spread the volume over as many tills ('pos-1', …) as
    it takes to write about that many rows (one till, 'pos', otherwise)."""
    rng = np.random.default_rng(seed + 13)
    menu = _menu(conn)
    roasted = _roasted_by_month(conn, start, end)
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    if not menu or not days:
        return 0
    n_days = len(days)
    months = sorted({d.strftime("%Y-%m") for d in days})
    month_of = np.array([months.index(d.strftime("%Y-%m")) for d in days])
    products = sorted({item["product"] for item in menu})
    product_of = np.array([products.index(item["product"]) for item in menu])
    dose = np.array([item["dose_g"] for item in menu], dtype=float)
    price = np.tile(np.array([item["price_won"] for item in menu], dtype=np.int64), (n_days, 1))

    # sold grams per product and day: the month's roasted grams less 3–8 %, over its open days
    target = np.zeros((len(months), len(products)))
    for (product, month), grams in roasted.items():
        if product in products and month in months:
            target[months.index(month), products.index(product)] = grams * (1 - rng.uniform(*UNSOLD_SHARE))
    weekday = np.array([0.0 if _closed(d) else SALES_WEEKDAY_WEIGHTS[d.weekday()] for d in days])
    weight = weekday[:, None] * np.exp(rng.normal(0, 0.15, (n_days, len(products))))
    per_month = np.zeros((len(months), len(products)))
    np.add.at(per_month, month_of, weight)
    share = np.divide(weight, per_month[month_of], out=np.zeros_like(weight), where=per_month[month_of] > 0)
    grams = target[month_of] * share  # (days, products)

    # units per item and day: the product's grams by the items' popularity
    popularity = np.tile(np.array([_popularity(i["code"], i["channel"], i["dose_g"]) for i in menu]), (n_days, 1))
    summer = np.array([d.month in (6, 7, 8) for d in days])
    winter = np.array([d.month in (12, 1, 2) for d in days])
    for k, item in enumerate(menu):
        if "COLD-BREW" in item["code"]:
            popularity[summer, k] *= 1.8
            popularity[winter, k] *= 0.5
    codes = [item["code"] for item in menu]
    for code, when, rise in PRICE_CHANGES:
        if code in codes:
            k = codes.index(code)
            change = int(n_days * when)
            price[:change, k] -= rise
            popularity[change:, k] *= VOLUME_AFTER_RISE
    grams_weight = popularity * dose
    per_product = np.zeros((n_days, len(products)))
    np.add.at(per_product.T, product_of, grams_weight.T)
    expected = (
        grams[:, product_of] * popularity / np.where(per_product[:, product_of] > 0, per_product[:, product_of], 1)
    )

    units = _allocate(rng, expected, target, month_of, product_of, dose)

    tills = 1
    if target_rows:
        sold_per_day = int((expected > 0.5).sum(axis=1).mean()) or 1
        open_days = int((weekday > 0).sum()) or 1
        tills = max(1, round(target_rows / (sold_per_day * open_days)))
    sources = ["pos"] if tills == 1 else [f"pos-{k + 1}" for k in range(tills)]
    day_text = np.array([d.isoformat() for d in days])
    item_ids = np.array([item["id"] for item in menu])
    written = 0
    with db.transaction(conn):
        # many rows: the secondary indexes are built once at the end (as bulk.py does for batches)
        indexes = []
        if target_rows is not None and target_rows > 100_000:
            indexes = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sales_daily'"
                " AND sql IS NOT NULL"
            ).fetchall()
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
        left = units
        for number, source in enumerate(sources):
            qty = left if number == tills - 1 else rng.binomial(left, 1 / (tills - number))
            left = left - qty
            discounted = rng.binomial(qty, DISCOUNT_RATE)
            d_idx, i_idx = np.nonzero(qty)
            q = qty[d_idx, i_idx]
            gross = q * price[d_idx, i_idx]
            discount = discounted[d_idx, i_idx] * price[d_idx, i_idx] // 10
            rows = zip(
                day_text[d_idx].tolist(),
                item_ids[i_idx].tolist(),
                q.tolist(),
                gross.tolist(),
                discount.tolist(),
                (gross - discount).tolist(),
                strict=True,
            )
            written += sales.insert_many(conn, source, rows)
        for _, sql in indexes:
            conn.execute(sql)
    return written

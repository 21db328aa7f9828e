"""Sales and profit (issue #13): revenue, cost of goods sold, gross profit, margin and ROI by
day/week/month, item, channel and product; the previous period; where the roasted coffee went
(per product and month); menu-engineering classes per channel; the demand forecast from sales
and the roast plan it implies.

Every number equals `themoon.sales.period_profit`'s (the store-side reference), which is the
pure model of `themoon.costing`: the unit cost of a sold item on a day is
`costing.sold_unit_cost` — the product's actual cost per roasted kg over the 30 days before the
sale (`sales_cost_window`, `actual_cost_per_kg`), the standard cost on the day where it had no
batches — and a group's COGS is Σ qty × unit cost, exact, rounded once (`half_up`).

How that stays exact and fast (docs/analytics.md, "Sales and profit"). At load, each roasting
day's exact cost per product (`costing.batch_cost_ratios` of the day's summed batches: the cost is
linear in them within a day) is kept as whole won + a fraction bracketed to 2**-frac_bits, in
running sums over the days, so every 30-day window is two subtractions. The window's cost per kg
(`actual_cost_per_kg_ratio`), the standard cost where it is empty (`profitability._Bounds`, the
margin trend's brackets) and the unit cost (`sold_unit_cost_ratio`) are held as lower and upper
bounds in fixed point (2**-K won, K as large as int64 allows), so each (day, item) row of
`sales_facts` carries COGS bounds and DuckDB only sums them (HUGEINT, exact). The exact value lies
between the sums; where both round alike (half-up to the won, to 0.1 % for margin and ROI, the
class tests) so does it — the rest is recomputed exactly with Fractions (`_exact_cogs`).
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .. import sales as store_sales
from ..costing import (
    MENU_CLASSES,
    actual_cost_per_kg,
    actual_cost_per_kg_ratio,
    batch_cost_ratios,
    contribution_margin,
    green_for_roasted,
    gross_profit,
    half_up,
    margin_pct,
    margin_pct_ratio,
    menu_class_index,
    menu_engineering,
    menu_margin_sign,
    menu_popular,
    needs_attention,
    reconcile,
    reconcile_won_ratio,
    roi_pct,
    roi_pct_ratio,
    round_decimal,
    round_won,
    sales_cost_window,
    sold_unit_cost,
    sold_unit_cost_ratio,
    split_by_parts,
)
from . import forecast, standard_costs
from .snapshot import FAR_FUTURE, FAR_PAST, Snapshot, day, sql, statements

EPOCH = date(2000, 1, 1)  # day numbers (dnum) count from here
MAX_BITS = 40
MIN_BITS = 8  # fewer fixed-point bits than this: every figure the exact way
WINDOW = (sales_cost_window(EPOCH)[1] - sales_cost_window(EPOCH)[0]).days + 1  # 30 days
GRAINS = ("day", "week", "month")
DIMENSIONS = ("item", "channel", "product")
_PERIOD_SQL = {
    "day": "f.day",
    "week": "date_trunc('week', f.day)::DATE",
    "month": "date_trunc('month', f.day)::DATE",
}
_KEY_SQL = {"item": "f.item", "channel": "m.channel", "product": "f.pkey"}  # ids: codes after


# --- loading ---------------------------------------------------------------------------------------


def load_raw(duck: duckdb.DuckDBPyConnection) -> None:
    """`sales_raw` from the attached store (sales_refresh.sql): one row per day and item."""
    try:
        for statement in statements(sql("sales_refresh")):
            duck.execute(statement)
    except (duckdb.CatalogException, duckdb.BinderException):  # a store from before the sales tables
        duck.execute(
            "CREATE OR REPLACE TABLE sales_raw (dnum INTEGER, item INTEGER, qty BIGINT, gross_won BIGINT,"
            " discount_won BIGINT, net_won BIGINT)"
        )


def _roast_days(duck: duckdb.DuckDBPyConnection, pkey: int | None = None, lo: int = 0, hi: int = 2**31 - 1):
    """Per roasting day and product (one product and days [lo, hi] if given): green g, roasted g,
    frozen green cost, the day's session green g and the settings in force — the inputs of
    `costing.batch_cost_ratios`, summed (the cost is linear in them within a day)."""
    return duck.execute(
        "WITH d AS (SELECT day, pkey, sum(green_g)::BIGINT AS g, sum(roasted_g)::BIGINT AS r,"
        " sum(green_cost_won)::BIGINT AS c FROM daily GROUP BY day, pkey),"
        " s AS (SELECT day, sum(g)::BIGINT AS session_g FROM d GROUP BY day),"
        " x AS (SELECT datediff('day', DATE '2000-01-01', d.day)::INTEGER AS dnum, d.pkey, d.g, d.r, d.c,"
        " s.session_g, st.roasting_won_per_kg AS rate, st.sf60"
        " FROM d JOIN s ON s.day = d.day ASOF JOIN settings st ON d.day >= st.effective_from)"
        " SELECT * FROM x WHERE ($pkey IS NULL OR pkey = $pkey) AND dnum BETWEEN $lo AND $hi ORDER BY pkey, dnum",
        {"pkey": pkey, "lo": lo, "hi": hi},
    ).fetchnumpy()


def _day_costs(roast: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The exact summed cost of each row of `_roast_days`, as (numerator, denominator) Python ints."""
    obj = {k: np.asarray(roast[k]).astype(object) for k in ("c", "g", "r", "session_g", "rate", "sf60")}
    return batch_cost_ratios(obj["c"], obj["g"], obj["r"], obj["session_g"], obj["rate"], obj["sf60"]).total


def load(snap: Snapshot) -> None:
    """Cost every (day, item) of `sales_raw` into `sales_facts` (with COGS bounds) and keep the
    running sums of the days' roast costs (windows, periods)."""
    duck = snap.duck
    assert duck is not None
    snap.sales_threshold = store_sales.unexplained_threshold(snap.sqlite())
    snap.sales_standard_cache = {}
    snap.sales_exact_cache = {}
    snap.sales_menu = {
        int(r.id): (r.code, r.name_en, r.name_ko, r.channel, int(r.pkey)) for r in snap.menu.itertuples()
    }
    roast = _roast_days(duck)
    span = duck.execute("SELECT min(dnum), max(dnum), max(abs(qty)) FROM sales_raw").fetchone() or (None, None, None)
    pkeys = sorted({int(k) for k in roast["pkey"]} | {int(k) for k in snap.menu["pkey"]})
    snap.sales_cols = {k: j for j, k in enumerate(pkeys)}
    days = np.asarray(roast["dnum"], dtype=np.int64)
    first = [int(x) for x in (span[0], days.min() if len(days) else None) if x is not None]
    last = [int(x) for x in (span[1], days.max() if len(days) else None) if x is not None]
    snap.sales_g0 = min(first) - WINDOW if first else 0
    snap.sales_days = max(last) - snap.sales_g0 + 1 if last else 0
    snap.sales_frac_bits = 62 - (snap.sales_days + 2).bit_length()
    _roast_sums(snap, roast)
    del roast
    _cost_units(snap, duck, int(span[2] or 0))


def _roast_sums(snap: Snapshot, roast: dict[str, Any]) -> None:
    """Running sums over the grid days (row k sums the days before grid day k) per product of the
    roasted grams and of each day's exact cost split as whole won + [lo, hi] / 2**frac_bits."""
    n, fb = snap.sales_days, snap.sales_frac_bits
    grids = {k: np.zeros((n + 1, len(snap.sales_cols)), dtype=np.int64) for k in ("whole", "lo", "hi", "r")}
    pkey = np.asarray(roast["pkey"], dtype=np.int64)
    for key in np.unique(pkey):
        at = np.flatnonzero(pkey == key)
        rows = np.asarray(roast["dnum"], dtype=np.int64)[at] - snap.sales_g0 + 1
        num, den = _day_costs({k: np.asarray(v)[at] for k, v in roast.items()})
        whole = num // den
        scaled = (num - whole * den) * (1 << fb)
        frac = scaled // den
        j = snap.sales_cols[int(key)]
        grids["whole"][rows, j] = whole.astype(np.int64)
        grids["lo"][rows, j] = frac.astype(np.int64)
        grids["hi"][rows, j] = (frac + (scaled % den != 0)).astype(np.int64)
        grids["r"][rows, j] = np.asarray(roast["r"], dtype=np.int64)[at]
    snap.sales_cum = {k: np.cumsum(v, axis=0) for k, v in grids.items()}


def _cost_bounds(snap: Snapshot, j: int, k0: Any, k1: Any) -> tuple[Any, Any, Any]:
    """Summed roast cost of product column j over grid days [k0, k1) as lower and upper numerators
    over 2**frac_bits (object arrays or ints), and the roasted grams."""
    cum = snap.sales_cum
    whole = (cum["whole"][k1, j] - cum["whole"][k0, j]).astype(object) * (1 << snap.sales_frac_bits)
    lo = whole + (cum["lo"][k1, j] - cum["lo"][k0, j]).astype(object)
    hi = whole + (cum["hi"][k1, j] - cum["hi"][k0, j]).astype(object)
    return lo, hi, cum["r"][k1, j] - cum["r"][k0, j]


def _cost_units(snap: Snapshot, duck: duckdb.DuckDBPyConnection, qty_max: int) -> None:
    """The unit cost bounds of every grid day and menu item, then `sales_facts`."""
    n, n_cols, fb = snap.sales_days, len(snap.sales_cols), snap.sales_frac_bits
    menu = snap.menu
    items = menu["id"].to_numpy(np.int64)
    item_cols = np.array([snap.sales_cols[int(k)] for k in menu["pkey"]], dtype=np.int64)
    dose = menu["dose_g"].to_numpy(np.int64)
    extra = menu["extra_cost_won"].to_numpy(np.int64)
    k = np.arange(n)
    start = np.maximum(k - WINDOW, 0)
    cum = snap.sales_cum
    roasted = cum["r"][k] - cum["r"][start]
    has_actual = roasted > 0
    # an upper bound of every window's cost per kg (float, with a won to spare) for the bits
    upper = (cum["whole"][k] - cum["whole"][start] + (cum["hi"][k] - cum["hi"][start]) / 2.0**fb + 1) * 1000.0
    top = int((upper / np.where(has_actual, roasted, 1))[has_actual].max(initial=0)) + 2
    sold = duck.execute("SELECT DISTINCT r.dnum, m.pkey FROM sales_raw r JOIN menu m ON m.id = r.item").fetchnumpy()
    need = np.zeros((n, n_cols), dtype=bool)
    if len(sold["dnum"]):
        lookup = dict(snap.sales_cols)
        cols = np.vectorize(lookup.__getitem__, otypes=[np.int64])(np.asarray(sold["pkey"], dtype=np.int64))
        need[np.asarray(sold["dnum"], dtype=np.int64) - snap.sales_g0, cols] = True
    std_days = np.flatnonzero((need & ~has_actual).any(axis=1))
    bounds = _standard_bounds(snap, std_days)
    top = max(top, bounds[2] if bounds else 0)
    widest = (top + 1) * int(np.abs(dose).max(initial=1)) + 1000 * int(np.abs(extra).max(initial=0)) + 1
    bits = min(MAX_BITS, 61 - widest.bit_length() - max(qty_max, 1).bit_length())
    snap.sales_exact_only = bits < MIN_BITS
    bits = max(bits, 0)
    snap.sales_bits, snap.sales_den = bits, 1000 << bits
    p_lo, p_hi = np.zeros((n, n_cols), dtype=np.int64), np.zeros((n, n_cols), dtype=np.int64)
    std_lo, std_hi = np.zeros((n, n_cols), dtype=np.int64), np.zeros((n, n_cols), dtype=np.int64)
    has_std = np.zeros((n, n_cols), dtype=bool)
    if not snap.sales_exact_only:
        for j in range(n_cols):  # a column at a time: the exact integers stay small in memory
            has = has_actual[:, j]
            if not has.any():
                continue
            lo, hi, grams = _cost_bounds(snap, j, start, k)
            safe = np.where(has, grams, 1).astype(object)
            lo_num, lo_den = actual_cost_per_kg_ratio((lo, 1 << fb), safe)
            hi_num, hi_den = actual_cost_per_kg_ratio((hi, 1 << fb), safe)
            p_lo[:, j] = np.where(has, (lo_num << bits) // lo_den, 0).astype(np.int64)
            p_hi[:, j] = np.where(has, -((-(hi_num << bits)) // hi_den), 0).astype(np.int64)
        if bounds:
            lo_fixed, hi_fixed = bounds[0](bits), bounds[1](bits)
            for pkey, (column, priced) in bounds[3].items():
                j = snap.sales_cols.get(pkey)
                if j is not None:
                    std_lo[std_days, j] = lo_fixed[:, column].astype(np.int64)
                    std_hi[std_days, j] = hi_fixed[:, column].astype(np.int64)
                    has_std[std_days, j] = priced
    one = np.int64(1 << bits)
    unit_lo, unit_hi = np.zeros((n, len(items)), dtype=np.int64), np.zeros((n, len(items)), dtype=np.int64)
    for i, j in enumerate(item_cols):
        for out, actual, standard in ((unit_lo, p_lo, std_lo), (unit_hi, p_hi, std_hi)):
            unit_num, _ = sold_unit_cost_ratio(
                (actual[:, j], has_actual[:, j] * one), (standard[:, j], has_std[:, j] * one), dose[i], extra[i]
            )
            out[:, i] = unit_num
    del p_lo, p_hi, std_lo, std_hi
    duck.register(
        "sales_units",
        {
            "dnum": np.repeat((k + snap.sales_g0).astype(np.int32), len(items)),
            "item": np.tile(items.astype(np.int32), n),
            "unit_lo": unit_lo.ravel(),
            "unit_hi": unit_hi.ravel(),
        },
    )
    duck.execute(
        "CREATE OR REPLACE TABLE sales_facts AS"
        " SELECT (DATE '2000-01-01' + r.dnum) AS day, r.dnum, r.item, m.pkey, r.qty, r.gross_won, r.discount_won,"
        " r.net_won, r.qty * m.dose_g AS sold_g,"  # grams sold: quantity × dose or bag size
        # COGS = quantity × unit cost; a refund (qty < 0) takes the other bound
        " CASE WHEN r.qty >= 0 THEN r.qty * u.unit_lo ELSE r.qty * u.unit_hi END AS cogs_lo,"
        " CASE WHEN r.qty >= 0 THEN r.qty * u.unit_hi ELSE r.qty * u.unit_lo END AS cogs_hi"
        " FROM sales_raw r JOIN menu m ON m.id = r.item JOIN sales_units u ON u.dnum = r.dnum AND u.item = r.item"
        " ORDER BY r.dnum"  # periods read a day range: sorted, DuckDB skips the row groups outside it
    )
    duck.unregister("sales_units")
    duck.execute("DROP TABLE sales_raw")


def _standard_bounds(snap: Snapshot, days: np.ndarray) -> tuple[Any, Any, int, dict[int, tuple[int, Any]]] | None:
    """Standard cost per kg bounds on the grid days `days` (for products without batches in the
    window): (lo(bits), hi(bits), the largest ₩/kg, {pkey: (column, priced mask)})."""
    if not len(days):
        return None
    from .profitability import _Bounds

    ends = [EPOCH + timedelta(days=int(k) + snap.sales_g0) for k in days]
    bounds = _Bounds(snap, ends, [snap.settings_on(e) for e in ends])
    if not bounds.column:
        return None
    hi_won = np.where(bounds.missing, 0, bounds.hi[0] // bounds.hi[1])
    known = {pkey: (j, ~bounds.missing[:, j]) for pkey, j in bounds.column.items()}

    def fixed(which: int) -> Any:
        return lambda bits: bounds.fixed(bits)[which]

    return fixed(0), fixed(1), int(hi_won.max(initial=0)) + 1, known


# --- the exact path ---------------------------------------------------------------------------------


def _exact_days(snap: Snapshot, pkey: int, lo: int, hi: int) -> tuple[np.ndarray, list[tuple[Fraction, int]]]:
    """Day numbers and exact (cost, roasted g) of a product's roasting days in [lo, hi]: every day of
    the product is read and costed once per load (the exact path asks for thousands of windows)."""
    cache = snap.sales_exact_cache
    if pkey not in cache:
        with snap.lock:
            assert snap.duck is not None
            roast = _roast_days(snap.duck, pkey)
        num, den = _day_costs(roast)
        pairs = [(Fraction(int(a), int(b)), int(r)) for a, b, r in zip(num, den, roast["r"], strict=True)]
        cache[pkey] = (np.asarray(roast["dnum"], dtype=np.int64), pairs)
    days, pairs = cache[pkey]
    i0, i1 = int(np.searchsorted(days, lo, side="left")), int(np.searchsorted(days, hi, side="right"))
    return days[i0:i1], pairs[i0:i1]


def _exact_standard(snap: Snapshot, on: date, pkey: int) -> Fraction | None:
    """Standard cost per kg of a product on a day (`standard_costs.product_costs`), cached per load."""
    cache = snap.sales_standard_cache
    if on not in cache:
        codes = {(r.kind, r.code): int(r.pkey) for r in snap.products.itertuples()}
        cache[on] = {codes[(r["kind"], r["product"])]: r["cost_per_kg"] for r in standard_costs.product_costs(snap, on)}
    return cache[on].get(pkey)


def _exact_cogs(snap: Snapshot, rows: pd.DataFrame) -> Fraction:
    """Σ qty × `costing.sold_unit_cost` over rows (dnum, item, qty), exactly (no cost: 0, as the store's)."""
    menu = snap.menu.set_index("id")
    pkeys = menu.loc[rows["item"].to_numpy(), "pkey"].to_numpy(np.int64) if len(rows) else np.zeros(0, np.int64)
    total = Fraction(0)
    for pkey in np.unique(pkeys):
        mine = rows[pkeys == pkey]
        dnums = mine["dnum"].to_numpy(np.int64)
        days, pairs = _exact_days(snap, int(pkey), int(dnums.min()) - WINDOW, int(dnums.max()))
        per_kg: dict[int, tuple[Fraction | None, Fraction | None]] = {}
        for dnum, item, qty in zip(dnums, mine["item"], mine["qty"], strict=True):
            if dnum not in per_kg:
                start, end = sales_cost_window(EPOCH + timedelta(days=int(dnum)))
                i0 = int(np.searchsorted(days, (start - EPOCH).days, side="left"))
                i1 = int(np.searchsorted(days, (end - EPOCH).days, side="right"))
                actual = actual_cost_per_kg(pairs[i0:i1])
                standard = (
                    None if actual is not None else _exact_standard(snap, EPOCH + timedelta(days=int(dnum)), int(pkey))
                )
                per_kg[dnum] = (actual, standard)
            m = menu.loc[int(item)]
            unit = sold_unit_cost(*per_kg[dnum], int(m["dose_g"]), int(m["extra_cost_won"]))
            total += (unit or 0) * int(qty)
    return total


# --- money of a group -------------------------------------------------------------------------------


def _pct(value: Fraction | None) -> float | None:
    return None if value is None else float(round_decimal(value, 1))


def _from_bounds(net: Any, lo: Any, hi: Any, den: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """COGS (won), margin % and ROI % (NaN for None) of groups whose COGS lies in [lo, hi] / den
    (object arrays of ints), and the mask of groups where the bounds round apart (exact path).
    In int64 where the bounds, widened to a coarser fixed point (floor / ceil), keep every
    intermediate below 2**62 — still bounds, so still exact where they agree — else Python ints."""
    if len(net):
        top = max(int(np.abs(net).max()) * den, int(np.abs(lo).max()), int(np.abs(hi).max()))
        shift = max(0, (4000 * top).bit_length() - 61)
        if shift < (den // 1000).bit_length() - 4:  # keep at least 4 fractional bits
            den >>= shift
            lo, hi = lo >> shift, -((-hi) >> shift)
            net, lo, hi = (np.asarray(a, dtype=np.int64) for a in (net, lo, hi))
    priced = net > 0
    out = []
    for c in (lo, hi):
        cogs = half_up(c, den)
        m_num, m_den = margin_pct_ratio(net, (c, den))
        margin = half_up(m_num * 10, np.where(priced, m_den, 1))
        costed = c > 0
        r_num, r_den = roi_pct_ratio(net, (c, den))
        roi = half_up(r_num * 10, np.where(costed, r_den, 1))
        out.append((cogs, margin, costed, roi))
    (c0, m0, k0, r0), (c1, m1, k1, r1) = out
    unsure = (c0 != c1) | (priced & (m0 != m1)) | (k0 != k1) | (k0 & (r0 != r1))
    margin = np.where(priced, np.asarray(m0 * priced, dtype=float) / 10, np.nan)
    roi = np.where(k0, np.asarray(r0 * k0, dtype=float) / 10, np.nan)
    return np.asarray(c0).astype(object), margin, roi, np.asarray(unsure, dtype=bool)


def _where(since: date, until: date) -> tuple[str, dict[str, Any]]:
    return "f.day BETWEEN $since AND $until", {"since": since, "until": until}


def _aggregate(
    snap: Snapshot, since: date, until: date, grain: str | None, by: str | None, split: date | None = None
) -> pd.DataFrame:
    """Sales of [since, until] per period and/or key with their money (exact, see the module);
    `split`: per part of the range, before it and from it on (column `current`)."""
    if grain is not None and grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"by must be one of {', '.join(DIMENSIONS)}")
    keys = ([("period", _PERIOD_SQL[grain])] if grain else []) + ([(by, _KEY_SQL[by])] if by else [])
    keys += [("current", "(f.day >= $split)")] if split is not None else []
    where, params = _where(since, until)
    if split is not None:
        params["split"] = split
    select = "".join(f"{expr} AS {name}, " for name, expr in keys)
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    order = f" ORDER BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    halves = "".join(
        f", (sum(f.{c}) >> 62)::BIGINT AS {c}_high, (sum(f.{c}) & {2**62 - 1})::BIGINT AS {c}_low"
        for c in ("cogs_lo", "cogs_hi")
    )  # HUGEINT sums as two BIGINTs (value = high × 2**62 + low): read as numpy, exact
    query = (
        f"SELECT {select}sum(f.qty)::BIGINT AS qty, sum(f.gross_won)::BIGINT AS gross_won,"
        " sum(f.discount_won)::BIGINT AS discount_won, sum(f.net_won)::BIGINT AS revenue_won,"
        f" sum(f.sold_g)::BIGINT AS sold_g, count(*) AS n{halves}"
        f" FROM sales_facts f{_joins(by)} WHERE {where}{group}{order}"
    )
    with snap.lock:
        assert snap.duck is not None
        found = snap.duck.execute(query, params).fetchnumpy()
    names = [name for name, _ in keys]
    columns = [*names, "qty", "gross_won", "discount_won", "revenue_won", "sold_g", "cogs_won"]
    columns += ["gross_profit_won", "margin_pct", "roi_pct", "_lo", "_hi"]
    keep = np.asarray(found["n"]) > 0
    if not keep.any():
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({name: np.asarray(found[name])[keep] for name in names})
    for name in ("qty", "gross_won", "discount_won", "revenue_won", "sold_g"):
        frame[name] = np.asarray(found[name])[keep].astype(np.int64)
    big = 1 << 62

    def sums(c: str) -> np.ndarray:
        high = np.asarray(found[f"{c}_high"])[keep].astype(np.int64).astype(object)
        return high * big + np.asarray(found[f"{c}_low"])[keep].astype(np.int64).astype(object)

    net, lo, hi = frame["revenue_won"].to_numpy().astype(object), sums("cogs_lo"), sums("cogs_hi")
    cogs, margin, roi, unsure = _from_bounds(net, lo, hi, snap.sales_den)
    for i in np.flatnonzero(unsure | snap.sales_exact_only):
        key_filter = {name: _plain(frame[name].iloc[i]) for name in names} | {"split": split}
        exact = _exact_cogs(snap, _group_rows(snap, since, until, keys, key_filter))
        n_i = int(net[i])
        cogs[i] = round_won(exact)
        found_exact = (margin_pct(n_i, exact), roi_pct(gross_profit(n_i, exact), exact))
        margin[i], roi[i] = (np.nan if v is None else _pct(v) for v in found_exact)
    frame["cogs_won"] = cogs.astype(np.int64)
    frame["gross_profit_won"] = frame["revenue_won"] - frame["cogs_won"]
    frame["margin_pct"], frame["roi_pct"], frame["_lo"], frame["_hi"] = margin, roi, lo, hi
    if by == "item":
        frame["item"] = [snap.sales_menu[int(i)][0] for i in frame["item"]]
    elif by == "product":
        frame["product"] = [snap.kind_code[int(k)][1] for k in frame["product"]]
    return frame[columns]


def _plain(value: Any) -> Any:
    """A group's key as DuckDB binds it (a date, or a Python scalar)."""
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).date()
    return value.item() if isinstance(value, np.generic) else value


def _joins(by: str | None) -> str:
    """The dimension joins a key needs (none for totals and periods)."""
    return " JOIN menu m ON m.id = f.item" if by == "channel" else ""


def _group_rows(
    snap: Snapshot, since: date, until: date, keys: list[tuple[str, str]], values: dict[str, Any]
) -> pd.DataFrame:
    """The (dnum, item, qty) rows of one group, for the exact path."""
    where, params = _where(since, until)
    for n, (name, expr) in enumerate(keys):
        where += f" AND {expr} = $k{n}"
        params[f"k{n}"] = values[name]
        if name == "current":
            params["split"] = values["split"]
    with snap.lock:
        assert snap.duck is not None
        return snap.duck.execute(
            "SELECT f.dnum, f.item, f.qty FROM sales_facts f JOIN menu m ON m.id = f.item"
            f" JOIN products p ON p.pkey = f.pkey WHERE {where}",
            params,
        ).df()


# --- the queries ------------------------------------------------------------------------------------


def _summary_row(first: date, last: date, frame: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {"since": first, "until": last}
    row = frame.iloc[0] if len(frame) else None
    for key in ("qty", "gross_won", "discount_won", "revenue_won", "cogs_won", "gross_profit_won"):
        out[key] = 0 if row is None else int(row[key])
    for key in ("margin_pct", "roi_pct"):
        out[key] = None if row is None or pd.isna(row[key]) else float(row[key])
    return out


def summary(snap: Snapshot, since: Any = None, until: Any = None) -> dict[str, Any]:
    """Net sales (revenue), gross and discounts, units, COGS, gross profit, margin % and ROI % of a period."""
    first, last = day(since, FAR_PAST), day(until, FAR_FUTURE)
    return _summary_row(first, last, _aggregate(snap, first, last, None, None))


def previous_period(since: date, until: date) -> tuple[date, date]:
    """The period before [since, until]: the same number of whole months when it is whole months,
    else the same number of days just before."""
    next_day = until + timedelta(days=1)
    if since.day == 1 and next_day.day == 1:
        months = (next_day.year - since.year) * 12 + next_day.month - since.month
        year, month = divmod(since.year * 12 + since.month - 1 - months, 12)
        return date(year, month + 1, 1), since - timedelta(days=1)
    length = (until - since).days + 1
    return since - timedelta(days=length), since - timedelta(days=1)


def kpis(snap: Snapshot, since: Any, until: Any) -> dict[str, Any]:
    """Net sales and gross profit of a period and of the period before (the Overview cards)."""
    first, last = day(since, date.today()), day(until, date.today())
    before = previous_period(first, last)
    both = _aggregate(snap, before[0], last, None, None, split=first)  # one scan for the two periods
    current = _summary_row(first, last, both[both["current"].astype(bool)])
    previous = _summary_row(*before, both[~both["current"].astype(bool)])

    def change(key: str) -> float | None:
        old = previous[key]
        return None if not old else float(round_decimal(Fraction(current[key] - old, abs(old)) * 100, 1))

    return {
        "current": current,
        "previous": previous,
        "revenue_change_pct": change("revenue_won"),
        "gross_profit_change_pct": change("gross_profit_won"),
    }


def trend(
    snap: Snapshot, grain: str = "week", by: str | None = "channel", since: Any = None, until: Any = None
) -> pd.DataFrame:
    """Revenue, COGS, gross profit, margin and ROI per day/week/month (Monday weeks), optionally
    per item, channel or product."""
    frame = _aggregate(snap, day(since, FAR_PAST), day(until, FAR_FUTURE), grain, by)
    return frame.drop(columns=["_lo", "_hi"])


ITEM_COLUMNS = ["item", "name_en", "name_ko", "channel", "product", "qty", "revenue_won", "cogs_won"]
ITEM_COLUMNS += ["gross_profit_won", "margin_pct", "roi_pct", "contribution_margin_won", "class", "advice"]


def _item_records(snap: Snapshot, first: date, last: date) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per item sold in [first, last] (ranked by gross profit) its sums and money, contribution
    margin and class; and the period's totals. Plain Python: a month has a few dozen items."""
    with snap.lock:
        assert snap.duck is not None
        rows = snap.duck.execute(
            "SELECT f.item, sum(f.qty)::BIGINT, sum(f.gross_won)::BIGINT, sum(f.discount_won)::BIGINT,"
            " sum(f.net_won)::BIGINT, sum(f.sold_g)::BIGINT, sum(f.cogs_lo), sum(f.cogs_hi) FROM sales_facts f"
            " WHERE f.day BETWEEN $since AND $until GROUP BY 1",
            {"since": first, "until": last},
        ).fetchall()
    sums = list(zip(*rows, strict=True)) if rows else [()] * 8
    totals = {
        "qty": sum(sums[1]),
        "gross_won": sum(sums[2]),
        "discount_won": sum(sums[3]),
        "revenue_won": sum(sums[4]),
        "_lo": sum(sums[6]),
        "_hi": sum(sums[7]),
    }
    net = np.array([*sums[4], totals["revenue_won"]], dtype=object)
    lo = np.array([*sums[6], totals["_lo"]], dtype=object)
    hi = np.array([*sums[7], totals["_hi"]], dtype=object)
    cogs, margin, roi, unsure = _from_bounds(net, lo, hi, snap.sales_den)
    for i in np.flatnonzero(unsure | snap.sales_exact_only):
        keys, values = ([("item", "f.item")], {"item": rows[i][0]}) if i < len(rows) else ([], {})
        exact = _exact_cogs(snap, _group_rows(snap, first, last, keys, values))
        cogs[i] = round_won(exact)
        found = (margin_pct(int(net[i]), exact), roi_pct(gross_profit(int(net[i]), exact), exact))
        margin[i], roi[i] = (np.nan if v is None else _pct(v) for v in found)

    def num(value: float) -> float | None:
        return None if np.isnan(value) else float(value)

    records = []
    for i, row in enumerate(rows):
        code, name_en, name_ko, channel, pkey = snap.sales_menu[int(row[0])]
        records.append(
            {
                "id": int(row[0]),
                "item": code,
                "name_en": name_en,
                "name_ko": name_ko,
                "channel": channel,
                "product": snap.kind_code[pkey][1],
                "pkey": pkey,
                "qty": int(row[1]),
                "revenue_won": int(row[4]),
                "sold_g": int(row[5]),
                "cogs_won": int(cogs[i]),
                "gross_profit_won": int(row[4]) - int(cogs[i]),
                "margin_pct": num(margin[i]),
                "roi_pct": num(roi[i]),
                "_lo": int(row[6]),
                "_hi": int(row[7]),
            }
        )
    totals.update(
        cogs_won=int(cogs[-1]),
        gross_profit_won=totals["revenue_won"] - int(cogs[-1]),
        margin_pct=num(margin[-1]),
        roi_pct=num(roi[-1]),
    )
    classes = _classes(snap, first, last, records)
    for record in records:
        record["class"] = classes.get(record["id"])
        record["advice"] = None if record["class"] is None else f"sales.class.{record['class']}"
        record["contribution_margin_won"] = _contribution(snap, first, last, record)
    records.sort(key=lambda r: (-r["gross_profit_won"], r["item"]))
    return records, totals


def items(snap: Snapshot, since: Any = None, until: Any = None) -> pd.DataFrame:
    """Every item sold in the period, ranked by gross profit, with its contribution margin per
    unit, its menu-engineering class among the items of its channel and the advice's message id."""
    records, _ = _item_records(snap, day(since, FAR_PAST), day(until, FAR_FUTURE))
    frame = pd.DataFrame(records, columns=ITEM_COLUMNS)
    for column in ("margin_pct", "roi_pct"):
        frame[column] = frame[column].astype(float)
    return frame


def _contribution(snap: Snapshot, first: date, last: date, record: dict[str, Any]) -> int | None:
    """`costing.contribution_margin` of an item, half-up to the won (None without units)."""
    qty, net, den = record["qty"], record["revenue_won"], snap.sales_den
    if qty <= 0:
        return None
    values = {half_up(net * den - c, den * qty) for c in (record["_hi"], record["_lo"])}
    if len(values) == 1 and not snap.sales_exact_only:
        return int(values.pop())
    cogs = _exact_cogs(snap, _group_rows(snap, first, last, [("item", "f.item")], {"item": record["id"]}))
    margin = contribution_margin(net, cogs, qty)
    return None if margin is None else round_won(margin)


def _classes(snap: Snapshot, first: date, last: date, records: list[dict[str, Any]]) -> dict[int, str]:
    """Kasavana–Smith class of each item among the items of its channel (`costing.menu_engineering`),
    decided on the COGS bounds (the "high margin" test is linear in the costs, so its extremes over
    the bounds decide it) and exactly where they cannot."""
    classes: dict[int, str] = {}
    den = snap.sales_den
    for channel in sorted({r["channel"] for r in records}):
        sold = [r for r in records if r["channel"] == channel and r["qty"] > 0]
        if not sold:
            continue
        total_q, total_net = sum(r["qty"] for r in sold), sum(r["revenue_won"] for r in sold)
        total_lo, total_hi = sum(r["_lo"] for r in sold), sum(r["_hi"] for r in sold)
        decided: dict[int, str] = {}
        for r in sold:
            q, net, lo, hi = r["qty"], r["revenue_won"], r["_lo"], r["_hi"]
            low = menu_margin_sign(q, net, (hi, den), total_q, total_net, (total_lo - lo + hi, den))
            high = menu_margin_sign(q, net, (lo, den), total_q, total_net, (total_hi - hi + lo, den))
            if snap.sales_exact_only or (low < 0 <= high):
                break
            popular = int(menu_popular(q, len(sold), total_q))
            decided[r["id"]] = MENU_CLASSES[int(menu_class_index(popular, int(low >= 0)))]
        else:
            classes.update(decided)
            continue
        exact = {
            r["id"]: (
                r["qty"],
                r["revenue_won"],
                _exact_cogs(snap, _group_rows(snap, first, last, [("item", "f.item")], {"item": r["id"]})),
            )
            for r in sold
        }
        classes.update(menu_engineering(exact))
    return classes


def menu_points(snap: Snapshot, since: Any = None, until: Any = None) -> pd.DataFrame:
    """The menu-engineering chart: per item sold, units (popularity) against contribution margin
    per unit, its class and the advice's message id."""
    frame = items(snap, since, until)
    columns = ["item", "name_en", "name_ko", "channel", "qty", "contribution_margin_won", "class", "advice"]
    return frame[frame["class"].notna()][columns].reset_index(drop=True) if len(frame) else frame[columns]


def _month_ends(since: date, until: date) -> list[tuple[date, date]]:
    out = []
    current = since
    while current <= until:
        nxt = (current.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append((current, min(nxt - timedelta(days=1), until)))
        current = nxt
    return out


def _grid_index(snap: Snapshot, on: date) -> int:
    """Row of the running sums that sums the grid days before `on`, clipped to the grid."""
    return int(min(max((on - EPOCH).days - snap.sales_g0, 0), snap.sales_days))


def reconcile_period(
    snap: Snapshot, first: date, last: date, sold: dict[int, int] | None = None
) -> list[dict[str, Any]]:
    """Where the roasted coffee went in [first, last] per product (the rows of period_profit, with
    the owner's attention flag): roasted g against sold g (qty × dose or bag size), the rest in g,
    % of roasted and won at the period's actual cost per kg (the standard cost on `last` where
    nothing was roasted). `sold`: grams sold per product key, if already summed."""
    if sold is None:
        where, params = _where(first, last)
        with snap.lock:
            assert snap.duck is not None
            sold = dict(
                snap.duck.execute(
                    f"SELECT f.pkey, sum(f.sold_g)::BIGINT FROM sales_facts f WHERE {where} GROUP BY 1", params
                ).fetchall()
            )
    k0, k1 = _grid_index(snap, first), _grid_index(snap, last + timedelta(days=1))
    cum = snap.sales_cum
    rows = []
    threshold = snap.sales_threshold
    for pkey, j in snap.sales_cols.items():
        roasted = int(cum["r"][k1, j] - cum["r"][k0, j]) if snap.sales_days else 0
        sold_g = int(sold.get(pkey, 0))
        if roasted == 0 and pkey not in sold:
            continue
        found = reconcile(roasted, sold_g, None)
        won: int | None = None
        if roasted > 0:
            whole = int(cum["whole"][k1, j] - cum["whole"][k0, j]) << snap.sales_frac_bits
            bounds = {
                half_up(
                    *reconcile_won_ratio(
                        actual_cost_per_kg_ratio(
                            (whole + int(cum[b][k1, j] - cum[b][k0, j]), 1 << snap.sales_frac_bits), roasted
                        ),
                        found.unexplained_g,
                    )
                )
                for b in ("lo", "hi")
            }
            if len(bounds) == 1:
                won = int(bounds.pop())
            else:
                _, pairs = _exact_days(snap, pkey, (first - EPOCH).days, (last - EPOCH).days)
                won = round_won(reconcile(roasted, sold_g, actual_cost_per_kg(pairs)).unexplained_won or 0)
        else:
            per_kg = _exact_standard(snap, last, pkey)
            exact = reconcile(roasted, sold_g, per_kg).unexplained_won
            won = None if exact is None else round_won(exact)
        kind, code = snap.kind_code[pkey]
        rows.append(
            {
                "product": code,
                "kind": kind,
                "roasted_g": roasted,
                "sold_g": sold_g,
                "unexplained_g": found.unexplained_g,
                "unexplained_pct": _pct(found.unexplained_pct),
                "unexplained_won": won,
                "attention": needs_attention(found, threshold),
            }
        )
    rows.sort(key=lambda r: r["product"])
    return rows


def reconciliation(snap: Snapshot, since: Any = None, until: Any = None) -> pd.DataFrame:
    """`reconcile_period` per calendar month of [since, until] (clipped to it), with the owner's
    threshold: one row per month and product."""
    lo = EPOCH + timedelta(days=snap.sales_g0 + WINDOW) if snap.sales_days else date.today()
    hi = EPOCH + timedelta(days=snap.sales_g0 + snap.sales_days - 1) if snap.sales_days else date.today()
    first, last = day(since, lo), day(until, hi)
    threshold = float(snap.sales_threshold)
    where, params = _where(first, last)
    with snap.lock:
        assert snap.duck is not None
        found = snap.duck.execute(
            "SELECT date_trunc('month', f.day)::DATE, f.pkey, sum(f.sold_g)::BIGINT FROM sales_facts f"
            f" WHERE {where} GROUP BY 1, 2",
            params,
        ).fetchall()
    sold: dict[date, dict[int, int]] = {}
    for month, pkey, grams in found:
        sold.setdefault(month, {})[int(pkey)] = int(grams)
    rows = [
        {"month": start.replace(day=1), **row, "threshold_pct": threshold}
        for start, end in _month_ends(first, last)
        for row in reconcile_period(snap, start, end, sold.get(start.replace(day=1), {}))
    ]
    columns = ["month", "product", "kind", "roasted_g", "sold_g", "unexplained_g", "unexplained_pct"]
    columns += ["unexplained_won", "attention", "threshold_pct"]
    return pd.DataFrame(rows, columns=columns)


def period_profit(snap: Snapshot, first: Any, last: Any) -> dict[str, Any]:
    """The figures of `themoon profit --period` (equal to `themoon.sales.period_profit`): revenue,
    COGS, gross profit, margin, ROI; per item with its class; the reconciliation per product."""
    first, last = day(first, date.today()), day(last, date.today())
    records, total = _item_records(snap, first, last)
    sold: dict[int, int] = {}
    for r in records:
        sold[r["pkey"]] = sold.get(r["pkey"], 0) + r["sold_g"]
    keep = ("item", "qty", "revenue_won", "cogs_won", "gross_profit_won", "margin_pct", "class")
    recon = ("product", "roasted_g", "sold_g", "unexplained_g", "unexplained_pct", "unexplained_won")
    return {
        "revenue_won": total["revenue_won"],
        "cogs_won": total["cogs_won"],
        "gross_profit_won": total["gross_profit_won"],
        "margin_pct": total["margin_pct"],
        "roi_pct": total["roi_pct"],
        "items": [{k: r[k] for k in keep} for r in records],
        "reconciliation": [{k: r[k] for k in recon} for r in reconcile_period(snap, first, last, sold)],
    }


# --- demand forecast and roast plan ---------------------------------------------------------------------


def _history(snap: Snapshot, as_of: date, days: int, column: str, key: str) -> tuple[list[int], np.ndarray]:
    """(keys, days × keys matrix) of a summed column per calendar day up to `as_of` (zeros included)."""
    start = as_of - timedelta(days=days - 1)
    with snap.lock:
        assert snap.duck is not None
        found = snap.duck.execute(
            f"SELECT f.dnum, f.{key}, sum(f.{column})::BIGINT FROM sales_facts f"
            " WHERE f.day BETWEEN $since AND $until GROUP BY 1, 2",
            {"since": start, "until": as_of},
        ).fetchnumpy()
    keys, cols = np.unique(np.asarray(found[key], dtype=np.int64), return_inverse=True)
    matrix = np.zeros((days, len(keys)))
    rows = np.asarray(found["dnum"], dtype=np.int64) - (start - EPOCH).days
    np.add.at(matrix, (rows, cols), np.asarray(list(found.values())[2], dtype=float))
    return [int(k) for k in keys], matrix


def demand_forecast(
    snap: Snapshot, as_of: Any = None, *, horizon: int = 7, history_days: int = 7 * forecast.PROFILE_WEEKS
) -> pd.DataFrame:
    """Units per menu item expected over the `horizon` days after `as_of`, from the sales of the
    last `history_days` with the day-of-week profile model (`forecast.dow_profile`)."""
    as_of = day(as_of, date.today())
    keys, history = _history(snap, as_of, int(history_days), "qty", "item")
    predicted = forecast.dow_profile(history, as_of.weekday(), int(horizon)) if keys else np.zeros((horizon, 0))
    units = np.clip(predicted, 0, None).sum(axis=0)
    last_week = history[-7:].sum(axis=0)
    dose = dict(zip(snap.menu["id"].tolist(), snap.menu["dose_g"].tolist(), strict=True))
    rows = []
    for j, item in enumerate(keys):
        code, _, _, channel, pkey = snap.sales_menu[item]
        rows.append(
            {
                "item": code,
                "channel": channel,
                "product": snap.kind_code[pkey][1],
                "forecast_qty": round(float(units[j]), 1),
                "forecast_g": round(float(units[j]) * int(dose[item])),
                "last_week_qty": int(last_week[j]),
            }
        )
    columns = ["item", "channel", "product", "forecast_qty", "forecast_g", "last_week_qty"]
    return pd.DataFrame(rows, columns=columns).sort_values("forecast_g", ascending=False, ignore_index=True)


def roast_plan(
    snap: Snapshot, as_of: Any = None, *, days: int = 7, history_days: int = 7 * forecast.PROFILE_WEEKS
) -> dict[str, pd.DataFrame]:
    """What to roast and which green coffee it needs over the next `days`: per product, the sold
    grams forecast from sales (day-of-week profile) is the roasted grams needed; green grams =
    `costing.green_for_roasted` at the product's expected loss, split over a blend's beans by its
    parts (`costing.split_by_parts`); per bean, the green needed against the stock at `as_of`
    and the shortfall to buy."""
    as_of = day(as_of, date.today())
    keys, history = _history(snap, as_of, int(history_days), "sold_g", "pkey")
    predicted = forecast.dow_profile(history, as_of.weekday(), int(days)) if keys else np.zeros((days, 0))
    settings = snap.settings_on(as_of)
    recent = standard_costs.recent_losses(snap, as_of) if settings.use_recent_loss else None
    products = snap.products.set_index("pkey")
    need: dict[int, int] = {}
    product_rows = []
    for j, pkey in enumerate(keys):
        product = products.loc[pkey]
        roasted = int(np.ceil(np.clip(predicted[:, j], 0, None).sum()))
        if roasted <= 0:
            continue
        row = next(snap.products[snap.products["pkey"] == pkey].itertuples())
        loss = standard_costs.expected_loss(row, settings, recent)
        green = green_for_roasted(roasted, loss)
        components = standard_costs.recipe_of(snap, row)
        if components:
            for (bean, _), grams in zip(components, split_by_parts(green, [p for _, p in components]), strict=True):
                need[int(bean)] = need.get(int(bean), 0) + grams
        product_rows.append(
            {
                "product": product["code"],
                "kind": product["kind"],
                "roasted_g": roasted,
                "expected_loss_pct": float(round_decimal(loss, 2)),
                "green_g": green,
            }
        )
    from .stock import day_index

    i = day_index(snap, as_of) if len(snap.stock) else -1
    beans = snap.beans.set_index("bean_id")
    bean_rows = []
    for bean, grams in sorted(need.items()):
        stock = int(snap.stock[i, snap.bean_col[bean]]) if i >= 0 and bean in snap.bean_col else 0
        bean_rows.append(
            {
                "bean": beans.loc[bean, "code"],
                "name_en": beans.loc[bean, "name_en"],
                "name_ko": beans.loc[bean, "name_ko"],
                "green_needed_g": grams,
                "stock_g": stock,
                "shortfall_g": max(grams - max(stock, 0), 0),
            }
        )
    return {
        "products": pd.DataFrame(
            product_rows, columns=["product", "kind", "roasted_g", "expected_loss_pct", "green_g"]
        ),
        "beans": pd.DataFrame(
            bean_rows, columns=["bean", "name_en", "name_ko", "green_needed_g", "stock_g", "shortfall_g"]
        ),
    }

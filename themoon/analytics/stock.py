"""Green stock per bean and day, its moving-average cost and its value, from the snapshot.

The moving average is walked once, by `inventory.BeanLedger` (the store's own ledger order and
`costing.moving_average`), fed with the snapshot's purchases, daily roast totals and stocktake
adjustments; the value of each day's stock is `costing.stock_value_won` of that average, exact.
"""

from __future__ import annotations

import bisect
from datetime import date
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ..costing import round_won, stock_value_won
from ..inventory import ADJUSTMENT, PURCHASE, ROAST, BeanLedger
from .snapshot import FAR_FUTURE, Snapshot, day

GRAINS = ("day", "week", "month", "quarter", "year")


def grain_checked(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    return grain


def period_start(days: np.ndarray, grain: str) -> np.ndarray:
    """The first day of the day/week (Monday)/month/quarter/year each datetime64[D] falls in."""
    if grain == "day":
        return days
    if grain == "week":
        return days - ((days.astype(np.int64) + 3) % 7)  # 1970-01-01 was a Thursday
    months = days.astype("datetime64[M]")
    if grain == "quarter":
        months = months - (months.astype(np.int64) % 3)
    elif grain == "year":
        months = days.astype("datetime64[Y]").astype("datetime64[M]")
    return months.astype("datetime64[D]")


def _ledgers(purch: dict, use: dict, adj: dict, bean_ids: np.ndarray) -> dict[int, BeanLedger]:
    """One `BeanLedger` per bean, its roasts one row a day (as `BeanLedger.load` reads the store)."""
    events: dict[int, list[tuple]] = {int(b): [] for b in bean_ids}

    def iso(values: np.ndarray) -> list[str]:
        return list(np.datetime_as_string(np.asarray(values).astype("datetime64[D]")))

    for d, b, grams, won, ref in zip(
        iso(purch["day"]), purch["bean_id"].tolist(), purch["grams"].tolist(), purch["total_won"].tolist(),
        purch["id"].tolist(), strict=True,
    ):  # fmt: skip
        events[b].append((d, PURCHASE, ref, grams, won))
    for d, b, grams, won in zip(
        iso(use["day"]), use["bean_id"].tolist(), use["green_g"].tolist(), use["green_cost_won"].tolist(), strict=True
    ):
        events[b].append((d, ROAST, 0, -grams, -won))
    for d, b, delta, ref in zip(
        iso(adj["day"]), adj["bean_id"].tolist(), adj["delta_g"].tolist(), adj["id"].tolist(), strict=True
    ):
        events[b].append((d, ADJUSTMENT, ref, delta, None))
    return {b: BeanLedger(b, rows) for b, rows in events.items()}


def load(snap: Snapshot) -> None:
    """Stock per bean and day, the moving-average cost after each purchase day (exact), and value."""
    duck = snap.duck
    bean_ids = snap.beans["bean_id"].to_numpy()
    column = {int(b): k for k, b in enumerate(bean_ids)}
    purch = duck.execute("SELECT day, bean_id, grams, total_won, id FROM purchases ORDER BY day, id").fetchnumpy()
    use = duck.execute("SELECT day, bean_id, green_g, green_cost_won FROM bean_daily").fetchnumpy()
    adj = duck.execute("SELECT day, bean_id, delta_g, id FROM adjustments").fetchnumpy()
    days = [a["day"] for a in (purch, use, adj) if len(a["day"])]
    snap.avg_days = {int(b): [] for b in bean_ids}  # day offsets from day0 of each purchase day
    snap.avg_exact = {int(b): [] for b in bean_ids}  # the moving average ₩/g after that day's purchases
    snap.day0 = date(2000, 1, 1)
    snap.bean_ids = bean_ids.astype(np.int64)
    snap.bean_col = column
    n_beans = len(bean_ids)
    if not days or not n_beans:
        snap.first_ledger_day = None
        snap.stock = snap.value = np.zeros((0, n_beans), dtype=np.int64)
        snap.per_kg = snap.usage = np.zeros((0, n_beans))
        return
    stacked = np.concatenate(days).astype("datetime64[D]")
    first, last = stacked.min(), stacked.max()
    snap.first_ledger_day = snap.day0 = pd.Timestamp(first).date()
    n_days = int((last - first).astype(int)) + 1

    def index(values: Any) -> np.ndarray:
        return (np.asarray(values).astype("datetime64[D]") - first).astype(np.int64)

    def cols(values: Any) -> np.ndarray:
        return np.array([column[int(b)] for b in values], dtype=np.int64)

    delta = np.zeros((n_days, n_beans), dtype=np.int64)
    usage = np.zeros((n_days, n_beans))
    np.add.at(delta, (index(purch["day"]), cols(purch["bean_id"])), purch["grams"].astype(np.int64))
    u_day, u_col = index(use["day"]), cols(use["bean_id"])
    np.add.at(usage, (u_day, u_col), use["green_g"].astype(float))
    np.add.at(delta, (u_day, u_col), -use["green_g"].astype(np.int64))
    np.add.at(delta, (index(adj["day"]), cols(adj["bean_id"])), adj["delta_g"].astype(np.int64))
    stock = np.cumsum(delta, axis=0)

    value = np.zeros((n_days, n_beans), dtype=np.int64)
    per_kg = np.full((n_days, n_beans), np.nan)
    ledgers = _ledgers(purch, use, adj, bean_ids)
    lot_days = index(purch["day"])
    lot_beans = purch["bean_id"].astype(np.int64)
    for bean, ledger in ledgers.items():
        k = column[bean]
        offsets = sorted(set(lot_days[lot_beans == bean].tolist()))
        bounds = [*offsets, n_days]
        for j, offset in enumerate(offsets):
            avg = ledger.avg_cost_per_g(str(np.datetime64(first) + offset))
            snap.avg_days[bean].append(offset)
            snap.avg_exact[bean].append(avg)
            rows = slice(offset, bounds[j + 1])
            value[rows, k] = stock_value_won(avg, stock[rows, k].astype(object)).astype(np.int64)
            per_kg[rows, k] = round_won(avg * 1000)
    snap.stock, snap.value, snap.per_kg, snap.usage = stock, value, per_kg, usage


def day_index(snap: Snapshot, on: date) -> int:
    """Row of `on` in the daily matrices: −1 before the first ledger day, the last row after it."""
    return min((on - snap.day0).days, len(snap.stock) - 1) if on >= snap.day0 else -1


def avg_cost_per_g(snap: Snapshot, bean_id: int, on: Any = None) -> Fraction | None:
    """Moving-average green cost per gram after the purchases up to `on` (as inventory.avg_cost_per_g)."""
    on = day(on, FAR_FUTURE)
    days = snap.avg_days.get(int(bean_id), [])
    if not days or on < snap.day0:
        return None
    i = bisect.bisect_right(days, (on - snap.day0).days) - 1
    return snap.avg_exact[int(bean_id)][i] if i >= 0 else None


def green_costs_per_kg(snap: Snapshot, on: Any = None) -> dict[int, Fraction | None]:
    """Moving-average green cost ₩/kg of every bean on a date (as price_list.green_costs_per_kg)."""
    on = day(on, date.today())
    result = {}
    for bean_id in snap.beans["bean_id"]:
        avg = avg_cost_per_g(snap, int(bean_id), on)
        result[int(bean_id)] = None if avg is None else avg * 1000
    return result


def stock_on(snap: Snapshot, on: Any = None) -> pd.DataFrame:
    """Stock, average cost and value of every bean at the end of `on` (as inventory.stock)."""
    i = day_index(snap, day(on, FAR_FUTURE))
    frame = snap.beans[["bean_id", "code", "name_en", "name_ko", "active", "reorder_point_g"]].copy()
    n = len(frame)
    frame["stock_g"] = snap.stock[i] if i >= 0 else np.zeros(n, dtype=np.int64)
    per_kg = snap.per_kg[i] if i >= 0 else np.full(n, np.nan)
    frame["avg_cost_per_kg_won"] = pd.array(per_kg).astype("Int64")
    frame["value_won"] = snap.value[i] if i >= 0 else np.zeros(n, dtype=np.int64)
    frame["low"] = frame["active"] & (frame["stock_g"] <= frame["reorder_point_g"])
    return frame


def stock_value(snap: Snapshot, grain: str, since: date, until: date, *, by_bean: bool = False) -> pd.DataFrame:
    """Green stock (g, negatives as 0) and its value (₩) at the end of each period (its last
    day in range and in the ledger), in total or per bean."""
    grain = grain_checked(grain)
    n = len(snap.stock)
    lo = max((since - snap.day0).days, 0) if n else 0
    hi = min((until - snap.day0).days, n - 1) if n else -1
    columns = ["period", "as_of", "bean", "stock_g", "value_won"]
    if hi < lo:
        return pd.DataFrame(columns=columns)
    days = np.datetime64(snap.day0, "D") + np.arange(lo, hi + 1)
    keys = period_start(days, grain)
    last = np.flatnonzero(np.r_[keys[1:] != keys[:-1], True])
    rows = lo + last
    stock = np.maximum(snap.stock[rows], 0)
    value = snap.value[rows]
    if by_bean:
        codes = snap.beans["code"].to_numpy()
        frame = pd.DataFrame(
            {
                "period": np.repeat(keys[last], len(codes)),
                "as_of": np.repeat(days[last], len(codes)),
                "bean": np.tile(codes, len(rows)),
                "stock_g": stock.ravel(),
                "value_won": value.ravel(),
            }
        )
    else:
        frame = pd.DataFrame(
            {
                "period": keys[last],
                "as_of": days[last],
                "bean": None,
                "stock_g": stock.sum(axis=1),
                "value_won": value.sum(axis=1),
            }
        )
    frame["period"] = frame["period"].astype("datetime64[us]")
    frame["as_of"] = frame["as_of"].astype("datetime64[us]")
    return frame[columns]


def usage_matrix(snap: Snapshot, until: date, days: int) -> tuple[np.ndarray, np.ndarray]:
    """(bean ids, grams used per day and bean) for the `days` days ending with `until`."""
    matrix = np.zeros((days, len(snap.bean_ids)))
    end = (until - snap.day0).days + 1  # exclusive row index of `until`
    lo, hi = max(end - days, 0), min(end, len(snap.usage))
    if hi > lo:
        matrix[lo - (end - days) : hi - (end - days)] = snap.usage[lo:hi]
    return snap.bean_ids, matrix

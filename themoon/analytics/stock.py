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
from ..inventory import PURCHASE, ROAST, BeanLedger
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


def _ledgers(
    lots: dict, moves: tuple[np.ndarray, np.ndarray, np.ndarray], bean_ids: np.ndarray, first: Any
) -> dict[int, BeanLedger]:
    """One `BeanLedger` per bean: its purchases as stored, and the roasts and stocktake adjustments
    between two purchase days summed into one movement on the last day they happened (only the
    stock just before each lot weighs in the moving average, and that sum is the same)."""
    move_day, move_col, move_g = moves
    lot_day, lot_col = lots["offset"], lots["col"]
    ledgers = {}
    for k, bean in enumerate(bean_ids.tolist()):
        mine = lot_col == k
        days, grams, won, ref = lot_day[mine], lots["grams"][mine], lots["total_won"][mine], lots["id"][mine]
        events: list[tuple] = [
            (iso, PURCHASE, r, g, w)
            for iso, r, g, w in zip(_iso(first, days), ref.tolist(), grams.tolist(), won.tolist(), strict=True)
        ]
        moved = move_col == k
        if moved.any():
            at, g = move_day[moved], move_g[moved]
            group = np.searchsorted(np.unique(days), at, side="right")  # purchase days up to the movement
            n = int(group.max()) + 1
            total, last = np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
            np.add.at(total, group, g)
            np.maximum.at(last, group, at)
            used = last >= 0
            events += [
                (iso, ROAST, 0, t, None) for iso, t in zip(_iso(first, last[used]), total[used].tolist(), strict=True)
            ]
        ledgers[int(bean)] = BeanLedger(int(bean), events)
    return ledgers


def _iso(first: Any, offsets: np.ndarray) -> list[str]:
    return list(np.datetime_as_string(first + offsets.astype("timedelta64[D]")))


def load(snap: Snapshot) -> None:
    """Stock per bean and day, the moving-average cost after each purchase day (exact), and value."""
    duck = snap.duck
    bean_ids = snap.beans["bean_id"].to_numpy()
    column = {int(b): k for k, b in enumerate(bean_ids)}
    purch = duck.execute("SELECT day, bean_id, grams, total_won, id FROM purchases ORDER BY day, id").fetchnumpy()
    use = duck.execute("SELECT day, bean_id, green_g FROM bean_daily").fetchnumpy()
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

    lots = {"offset": index(purch["day"]), "col": cols(purch["bean_id"])}
    lots |= {k: purch[k].astype(np.int64) for k in ("grams", "total_won", "id")}
    moves = (
        np.concatenate([u_day, index(adj["day"])]),
        np.concatenate([u_col, cols(adj["bean_id"])]),
        np.concatenate([-use["green_g"].astype(np.int64), adj["delta_g"].astype(np.int64)]),
    )
    ledgers = _ledgers(lots, moves, bean_ids, first)
    epochs = np.full((n_days, n_beans), -1, dtype=np.int64)  # which average is in force (−1: none)
    averages: list[Fraction] = []
    for bean, ledger in ledgers.items():
        k = column[bean]
        for offset in np.unique(lots["offset"][lots["col"] == k]).tolist():
            avg = ledger.avg_cost_per_g(str(np.datetime64(first) + offset))
            snap.avg_days[bean].append(offset)
            snap.avg_exact[bean].append(avg)
            epochs[offset, k] = len(averages)
            averages.append(avg)
    epochs = np.maximum.accumulate(epochs, axis=0)
    snap.stock, snap.usage = stock, usage
    snap.value, snap.per_kg = _values(stock, epochs, averages)


def _values(stock: np.ndarray, epochs: np.ndarray, averages: list[Fraction]) -> tuple[np.ndarray, np.ndarray]:
    """Stock value (`costing.stock_value_won`) and average ₩/kg (`round_won`) of every day and bean.

    The values are those of the exact averages: `stock_value_won` runs over int64 on the averages
    bracketed to 2**-bits ₩/g (both bounds round alike almost everywhere; then so does the exact
    value, which lies between them); the rest are computed with the exact `Fraction`."""
    bought = epochs >= 0
    per_kg_epoch = np.array([round_won(a * 1000) for a in averages] + [0], dtype=float)
    per_kg = np.where(bought, per_kg_epoch[epochs], np.nan)
    held = np.maximum(stock, 0) * bought
    top = (2 * int(held.max(initial=0)) + 1) * (max((int(a) for a in averages), default=0) + 2)
    bits = min(61 - top.bit_length(), 40)
    if bits < 8:  # tonnes at fortunes a gram: exact Python integers, epoch by epoch
        value = np.zeros(stock.shape, dtype=np.int64)
        for e, avg in enumerate(averages):
            at = epochs == e
            value[at] = stock_value_won(avg, held[at].astype(object)).astype(np.int64)
        return value, per_kg
    fixed = np.array([(a.numerator << bits) // a.denominator for a in averages] + [0], dtype=np.int64)
    lower = fixed[epochs]
    scale = np.int64(1 << bits)
    value = stock_value_won((lower, scale), held)
    unsure = (stock_value_won((lower + 1, scale), held) != value) & bought
    for d, k in zip(*np.nonzero(unsure), strict=True):
        value[d, k] = stock_value_won(averages[epochs[d, k]], int(held[d, k]))
    return np.where(bought, value, 0).astype(np.int64), per_kg


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

"""Loss analysis: loss per product, operator or roast level with box-plot statistics, histograms,
the anomalous batches and their runs, the money of excess loss, and the 30-day status."""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ..costing import loss_pct, round_decimal, status_for_anomalies
from .snapshot import Snapshot, period, sql
from .stock import grain_checked
from .trends import r2

LOSS_DIMENSIONS = ("product", "operator", "roast_level")


def box(values: np.ndarray, counts: np.ndarray) -> dict[str, float]:
    """Box-plot statistics of a sample given as sorted distinct values and their counts:
    min, quartiles (linear interpolation, as numpy/DuckDB quantile_cont), max, whiskers at
    1.5 IQR and the number of values outside them."""
    cumulative = np.cumsum(counts)
    n = int(cumulative[-1])

    def nth(rank: int) -> float:  # the rank-th smallest value, 0-based
        return float(values[np.searchsorted(cumulative, rank, side="right")])

    def quantile(q: float) -> float:
        h = (n - 1) * q
        lo, hi = int(np.floor(h)), int(np.ceil(h))
        return nth(lo) + (h - lo) * (nth(hi) - nth(lo))

    q1, median, q3 = quantile(0.25), quantile(0.5), quantile(0.75)
    low_fence, high_fence = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    inside = (values >= low_fence - 1e-9) & (values <= high_fence + 1e-9)
    return {
        "min": float(values[0]),
        "q1": q1,
        "median": median,
        "q3": q3,
        "max": float(values[-1]),
        "whisker_low": float(values[inside][0]) if inside.any() else q1,
        "whisker_high": float(values[inside][-1]) if inside.any() else q3,
        "outliers": int(counts[~inside].sum()),
    }


def loss_by(snap: Snapshot, dimension: str, since: date, until: date) -> pd.DataFrame:
    """Loss per product, operator or roast level: batches, mean, weighted and expected loss, sd,
    quartiles and box-plot whiskers (1.5 IQR) with the outlier count, anomalies, and the grams
    and money of loss above the expected.

    Quartiles and whiskers are those of the batch losses rounded to 0.01 % (the shown precision;
    `quantile_cont` interpolation); mean and sd use the unrounded losses.
    """
    if dimension not in LOSS_DIMENSIONS:
        raise ValueError(f"dimension must be one of {LOSS_DIMENSIONS}")
    with snap.lock:
        found = snap.duck.execute(sql("loss_bins"), {"since": since, "until": until}).fetchnumpy()
        sums = snap.duck.execute(sql("loss_sums"), {"since": since, "until": until}).fetchall()
    key = found["loss_key"].astype(np.int64)
    bins = {
        "pkey": key // (65536 * 65536) - 1_000_000,
        "operator": snap.operators[(key // 65536) % 65536],
        "loss_bp": key % 65536 - 32768,
        "batches": found["batches"].astype(np.int64),
    }
    if dimension == "operator":
        key_of = None
    else:
        column = "code" if dimension == "product" else "roast_level"
        key_of = dict(zip(snap.products["pkey"], snap.products[column], strict=True))

    def keys(pkeys, operators) -> list:
        return [str(o) for o in operators] if key_of is None else [key_of[int(k)] for k in pkeys]

    names = ("batches", "sum_loss_pct", "sum_sq_loss_pct", "green_g", "roasted_g", "sum_bp", "anomalies")
    names += ("excess_lost_g", "excess_loss_won")
    totals: dict[str, list] = {}
    for key, row in zip(keys([r[0] for r in sums], [r[1] for r in sums]), sums, strict=True):
        acc = totals.setdefault(key, [0] * len(names))
        for j, value in enumerate(row[2:]):
            acc[j] += value
    if not totals:
        return pd.DataFrame()
    labels = np.array(keys(bins["pkey"], bins["operator"]), dtype=object)
    unique, inverse = np.unique(labels, return_inverse=True)
    order = np.lexsort((bins["loss_bp"], inverse))
    values, counts, groups = bins["loss_bp"][order] / 100, bins["batches"][order], inverse[order]
    bounds = np.searchsorted(groups, np.arange(len(unique) + 1))
    rows = []
    for g, key in enumerate(unique):
        lo, hi = bounds[g], bounds[g + 1]
        t = dict(zip(names, totals[key], strict=True))
        n, green, roasted = int(t["batches"]), int(t["green_g"]), int(t["roasted_g"])
        mean = t["sum_loss_pct"] / n
        variance = (t["sum_sq_loss_pct"] - n * mean**2) / (n - 1) if n > 1 else None
        rows.append(
            {
                dimension: key,
                "batches": n,
                "green_g": green,
                "roasted_g": roasted,
                "avg_loss_pct": r2(mean),
                "weighted_loss_pct": float(round_decimal(loss_pct(green, roasted), 2)),
                "expected_loss_pct": float(round_decimal(Fraction(int(t["sum_bp"]), 100 * n), 2)),
                "sd_pct": None if variance is None else math.sqrt(max(variance, 0.0)),
                **box(values[lo:hi], counts[lo:hi]),
                "anomalies": int(t["anomalies"]),
                "anomaly_rate": int(t["anomalies"]) / n,
                "excess_lost_g": float(t["excess_lost_g"]),
                "excess_loss_won": float(t["excess_loss_won"]),
            }
        )
    return pd.DataFrame(rows)


def loss_histogram(
    snap: Snapshot, since: date, until: date, *, bin_pct: float = 0.5, product: Any = None
) -> pd.DataFrame:
    """How many batches fall in each loss bin of `bin_pct` points (of the loss shown to 0.01 %)."""
    bin_bp = round(float(bin_pct) * 100)
    if not 1 <= bin_bp <= 5000:
        raise ValueError("bin_pct must be between 0.01 and 50")
    return snap.query("loss_histogram", bin_bp=bin_bp, since=since, until=until, product=snap.pkey(product))


def anomalies(
    snap: Snapshot,
    since: Any = None,
    until: Any = None,
    *,
    product: Any = None,
    open_only: bool = False,
    limit: int = 500,
) -> pd.DataFrame:
    """Anomalous batches (the loss alerts), newest first, with their excess-loss money."""
    since, until = period(since, until)
    limit = max(0, min(int(limit), 10_000_000))
    table = snap.anomaly_table
    days = snap.anomaly_arrays[0][::-1]  # the table is newest first, the arrays oldest first
    mask = (days >= np.datetime64(since, "D")) & (days <= np.datetime64(until, "D"))
    pkey = snap.pkey(product)
    if pkey is not None:
        mask &= table["pkey"].to_numpy() == pkey
    if open_only:
        mask &= ~table["resolved"].to_numpy()
    return table[mask].head(limit).drop(columns="pkey").reset_index(drop=True)


def anomaly_runs(snap: Snapshot, since: date, until: date, *, min_length: int = 2) -> pd.DataFrame:
    """Runs of at least `min_length` consecutive anomalous batches of a product that end in the
    period, newest first."""
    runs = snap.runs_table
    last = runs["last_day"].to_numpy().astype("datetime64[D]")
    mask = (runs["length"].to_numpy() >= max(1, int(min_length))) & (last >= np.datetime64(since, "D"))
    mask &= last <= np.datetime64(until, "D")
    return runs[mask].reset_index(drop=True)


def excess_loss(snap: Snapshot, grain: str, since: date, until: date) -> pd.DataFrame:
    """Money cost of loss above the expected per period and product."""
    return snap.query("excess_loss", grain=grain_checked(grain), since=since, until=until)


def loss_status(snap: Snapshot, today: date) -> pd.DataFrame:
    """30-day status per product (roasting.loss_status): anomalies in (today − 30 days, today],
    the longest run among them, and NORMAL / ATTENTION / CRITICAL."""
    lo = np.datetime64(today - timedelta(days=30), "D")
    hi = np.datetime64(today, "D")
    days, pkeys, runs = snap.anomaly_arrays
    inside = (days > lo) & (days <= hi)
    counts: dict[int, int] = {}
    longest: dict[int, int] = {}
    for pkey, run in zip(pkeys[inside].tolist(), runs[inside].tolist(), strict=True):
        counts[pkey] = counts.get(pkey, 0) + 1
        longest[pkey] = max(longest.get(pkey, 0), run)
    codes, kinds, active, keys = snap.product_lists
    anomalies = [counts.get(k, 0) for k in keys]
    return pd.DataFrame(
        {
            "product": codes,
            "kind": kinds,
            "active": active,
            "anomalies_30d": anomalies,
            "longest_run_30d": [longest.get(k, 0) for k in keys],
            "status": [status_for_anomalies(n) for n in anomalies],
        }
    )

"""The KPI cards of a period, trends per period (and product), and the per-batch cost columns."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ..costing import loss_pct, round_decimal, round_won
from . import stock as stock_topic
from .snapshot import Snapshot, sql


def r2(value: float) -> float:
    """Half-up to two decimals of a float statistic (as costing.round_decimal would show it)."""
    return float(round_decimal(Fraction(value), 2))


def kpis(snap: Snapshot, since: date, until: date) -> dict[str, Any]:
    """The KPI cards of a period (the numbers of kpis.overview, plus the money of excess loss)."""
    with snap.lock:
        cursor = snap.duck.execute(sql("kpis"), {"since": since, "until": until})
        names = [c[0] for c in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
    n = int(row["batches"])
    roasted, green, cost = int(row["roasted_g"]), int(row["green_g"]), int(row["roast_cost_won"])
    i = stock_topic.day_index(snap, until)
    stock = snap.stock[i] if i >= 0 else np.zeros(len(snap.bean_ids), dtype=np.int64)
    value = snap.value[i] if i >= 0 else np.zeros(len(snap.bean_ids), dtype=np.int64)
    low = snap.beans["active"].to_numpy() & (stock <= snap.beans["reorder_point_g"].to_numpy())
    expected = Fraction(int(row["sum_expected_bp"]), 100 * n) if n else snap.settings_on(until).expected_loss_pct
    avg_loss = float(row["avg_loss_pct"]) if n else None
    return {
        "since": since,
        "until": until,
        "batches": n,
        "sessions": int(row["sessions"]),
        "roasted_g": roasted,
        "roasted_kg": roasted / 1000,
        "green_g": green,
        "avg_loss_pct": None if avg_loss is None else r2(avg_loss),
        "weighted_loss_pct": float(round_decimal(loss_pct(green, roasted), 2)) if n else None,
        "expected_loss_pct": float(round_decimal(expected, 2)),
        "loss_variance_pts": None if avg_loss is None else r2(avg_loss - float(expected)),
        "green_cost_won": int(row["green_cost_won"]),
        "roast_cost_won": cost,
        "avg_cost_per_roasted_kg_won": round_won(Fraction(cost * 1000, roasted)) if n else None,
        "excess_lost_g": float(row["excess_lost_g"]),
        "excess_loss_won": round_won(Fraction(float(row["excess_loss_won"]))),
        "net_extra_loss_won": round_won(Fraction(float(row["net_extra_loss_won"]))),
        "anomalies": int(row["anomalies"]),
        "critical": int(row["critical"]),
        "stock_g": int(np.maximum(stock, 0).sum()),
        "stock_value_won": int(value.sum()),
        "beans_in_stock": int((stock > 0).sum()),
        "low_stock_count": int(low.sum()),
        "open_alerts": snap.open_alerts[0],
        "open_critical_alerts": snap.open_alerts[1],
    }


def trend(snap: Snapshot, grain: str, since: date, until: date, by_product: bool, product: Any) -> pd.DataFrame:
    """Per period (and product): batches, roasted kg, green used and its cost, roast cost and
    cost per roasted kg (actual), average / weighted / expected loss, excess-loss money, anomalies."""
    return snap.query(
        "trend",
        grain=stock_topic.grain_checked(grain),
        since=since,
        until=until,
        by_product=bool(by_product),
        product=snap.pkey(product),
    )


def batch_costs(snap: Snapshot, ids: list[int] | None, since: date, until: date) -> pd.DataFrame:
    """Per-batch loss and cost columns (the numbers roasting.list_batches shows), newest first."""
    return snap.query("batch_costs", since=since, until=until, ids=None if ids is None else [int(i) for i in ids])

"""Green coffee use per bean and day, its forecast (day-of-week profile, `forecast`), run-out and
reorder dates, and the forecast's backtest against the old app's flat average."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from . import forecast
from .snapshot import Snapshot, day
from .stock import day_index, usage_matrix


def daily_usage(snap: Snapshot, bean: Any, *, until: Any = None, days: int | None = None) -> pd.Series:
    """Green grams of a bean used per calendar day (zeros included) up to `until`."""
    bean_id = snap.bean_id(bean)
    until = day(until, date.today())
    start = snap.first_ledger_day or until
    if days is not None:
        start = max(start, until - timedelta(days=int(days) - 1))
    count = max((until - start).days + 1, 0)
    _, usage = usage_matrix(snap, until, count)
    index = pd.date_range(start, periods=count, freq="D")
    return pd.Series(usage[:, snap.bean_col[bean_id]], index=index, name="green_g")


def runout(
    snap: Snapshot,
    as_of: Any = None,
    *,
    lead_time_days: int = 7,
    cover_days: int = 28,
    level: float = 0.8,
    horizon: int = 365,
    active_only: bool = True,
    history_days: int = 7 * forecast.PROFILE_WEEKS,
) -> pd.DataFrame:
    """Per bean: stock at the end of `as_of`, forecast usage (day-of-week profile), the run-out
    date with its `level` interval, and the suggested reorder date and quantity."""
    as_of = day(as_of, date.today())
    lead_time_days, cover_days, horizon = int(lead_time_days), int(cover_days), int(horizon)
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    horizon = max(horizon, lead_time_days + cover_days)
    bean_ids, usage = usage_matrix(snap, as_of, int(history_days))
    i = day_index(snap, as_of)
    stock = snap.stock[i] if i >= 0 else np.zeros(len(bean_ids), dtype=np.int64)
    beans = snap.beans
    weekday = as_of.weekday()

    def on(days: int | None) -> date | None:
        return None if days is None else as_of + timedelta(days=days)

    predicted = forecast.dow_profile(usage, weekday, horizon)
    sds = forecast.weekly_sd(usage)
    recent = usage[-7 * forecast.LEVEL_WEEKS :].mean(axis=0)
    rows = []
    for k, info in enumerate(beans.itertuples()):
        if active_only and not info.active:
            continue
        stock_g = int(stock[k])
        runs = forecast.run_out(stock_g, predicted[:, k], sds[k], level=level)
        order = forecast.reorder(
            stock_g, predicted[:, k], sds[k], lead_time_days=lead_time_days, cover_days=cover_days, level=level
        )
        rows.append(
            {
                "bean_id": int(info.bean_id),
                "bean": info.code,
                "name_en": info.name_en,
                "name_ko": info.name_ko,
                "stock_g": stock_g,
                "reorder_point_g": int(info.reorder_point_g),
                "usage_per_day_g": float(recent[k]),
                "forecast_next_7d_g": float(predicted[:7, k].sum()),
                "runout_date": on(runs.point),
                "runout_early": on(runs.early),
                "runout_late": on(runs.late),
                "reorder_date": None if order is None else on(order.order_in_days),
                "reorder_qty_g": None if order is None else order.quantity_g,
            }
        )
    frame = pd.DataFrame(rows)
    for column in ("runout_date", "runout_early", "runout_late", "reorder_date"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame


def usage_forecast(
    snap: Snapshot, bean: Any, as_of: Any = None, *, horizon: int = 28, level: float = 0.8, history_days: int = 182
) -> pd.DataFrame:
    """Daily forecast of one bean after `as_of`, with the cumulative usage and its interval."""
    as_of = day(as_of, date.today())
    history = daily_usage(snap, bean, until=as_of, days=history_days).to_numpy()
    predicted = forecast.dow_profile(history, as_of.weekday(), int(horizon))
    sd = forecast.weekly_sd(history)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    cumulative = np.cumsum(predicted)
    spread = z * sd * np.sqrt(np.arange(1, len(predicted) + 1) / 7)
    return pd.DataFrame(
        {
            "day": pd.date_range(as_of + timedelta(days=1), periods=len(predicted), freq="D"),
            "forecast_g": predicted,
            "cumulative_g": cumulative,
            "cumulative_low_g": np.maximum(cumulative - spread, 0),
            "cumulative_high_g": cumulative + spread,
        }
    )


def forecast_backtest(
    snap: Snapshot, as_of: Any = None, *, weeks: int = 8, horizon: int = 7, history_days: int = 7 * 60
) -> pd.DataFrame:
    """Rolling-origin MAE (g/day) over the last `weeks` weeks per bean: the day-of-week profile
    model against the old app's flat average and the seasonal naive; plus an all-beans row."""
    as_of = day(as_of, date.today())
    bean_ids, usage = usage_matrix(snap, as_of, int(history_days))
    scores = forecast.backtest(usage, as_of.weekday(), weeks=weeks, horizon=horizon)
    mean_usage = usage[-7 * weeks :].mean(axis=0)
    rows = []
    for k, code in enumerate(snap.beans["code"]):
        row = {"bean": code, "mean_usage_g": float(mean_usage[k])}
        for name, mae in scores.items():
            row[name] = None if mae is None else float(mae[k])
        rows.append(row)
    frame = pd.DataFrame(rows)
    if len(frame):
        total = {"bean": "(all beans)", "mean_usage_g": frame["mean_usage_g"].mean()}
        for name in forecast.MODELS:
            total[name] = frame[name].mean() if frame[name].notna().any() else None
        frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
        frame["improvement_vs_flat_pct"] = (1 - frame["dow_profile"] / frame["flat_average"]) * 100
    return frame

"""Green-coffee usage forecasts with weekly seasonality, run-out dates and reorder suggestions.

Pure numpy over a daily usage series (grams per calendar day, oldest first, zeros included);
`themoon.analytics` feeds it from the store.

The model: a **day-of-week profile** (multiplicative seasonal naive with a smoothed level)

    forecast(day) = level × profile[weekday(day)]

- `level`: mean daily usage over the last `level_weeks` whole weeks (8): long enough to average
  out which products happened to be roasted, short enough to follow a change in pace;
- `profile[w]`: usage on weekday w over the last `profile_weeks` (26) divided by the mean
  usage over those weeks, so the seven factors average to 1. Sunday (closed) gets 0,
  Friday/Saturday (busy) more than 1.

Why this and not Holt-Winters: the café's usage per bean is intermittent (a single origin is
roasted on some days only) and exactly zero on closed days. Multiplicative Holt-Winters divides
by those zeros; additive Holt-Winters forecasts negative grams on Sundays and needs three
smoothing constants fitted per bean on a few months of noisy data. The profile model has two
window lengths, no fitting, cannot go negative, and is explainable to the owner ("an average
Saturday uses 1.3 × an average day"). The backtest (`backtest`) measures it against the flat
average the old app used and against the plain seasonal naive (same weekday last week); on the
demo history it halves the flat average's error on the blend beans (see docs/analytics.md).

Intervals: the spread of weekly totals over the profile window gives σ_week; cumulative usage
over h days is taken as normal with mean Σ forecast and sd σ_week·√(h/7) (weekly totals keep
the within-week correlation that a per-day σ would ignore).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

LEVEL_WEEKS = 8
PROFILE_WEEKS = 26
FLAT_WINDOW_DAYS = 7 * LEVEL_WEEKS  # the flat average over the same recent span as the level


def _columns(history: ArrayLike) -> tuple[np.ndarray, bool]:
    """(days × series) float array, and whether the input was a single series."""
    values = np.asarray(history, dtype=float)
    if values.ndim == 1:
        return values[:, None], True
    if values.ndim != 2:
        raise ValueError("history must be one series (days) or a days × series matrix")
    return values, False


def weekday_profile(history: ArrayLike, last_weekday: int, weeks: int = PROFILE_WEEKS) -> np.ndarray:
    """Seven factors (Mon..Sun) averaging 1 (7 × series for a matrix); flat for a series with no
    usage in the window.

    `last_weekday` is the weekday (0 = Monday) of the last day of `history`.
    """
    values, single = _columns(history)
    window = values[-7 * weeks :]
    m = values.shape[1]
    weekdays = (last_weekday - np.arange(len(window))[::-1]) % 7
    sums = np.zeros((7, m))
    np.add.at(sums, weekdays, window)
    counts = np.bincount(weekdays, minlength=7)[:, None]
    means = np.divide(sums, counts, out=np.zeros((7, m)), where=counts > 0)
    seen = counts[:, 0] > 0
    overall = means[seen].mean(axis=0) if seen.any() else np.zeros(m)
    profile: np.ndarray = np.divide(means, overall, out=np.ones((7, m)), where=overall > 0)
    profile[~seen] = 1.0
    profile = profile * 7 / profile.sum(axis=0)
    return profile[:, 0] if single else profile


def dow_profile(
    history: ArrayLike,
    last_weekday: int,
    horizon: int,
    *,
    level_weeks: int = LEVEL_WEEKS,
    profile_weeks: int = PROFILE_WEEKS,
) -> np.ndarray:
    """Forecast the next `horizon` days: level (mean of the last level_weeks) × weekday profile."""
    values, single = _columns(history)
    if not len(values):
        out = np.zeros((horizon, values.shape[1]))
    else:
        level = values[-7 * level_weeks :].mean(axis=0)
        profile = weekday_profile(values, last_weekday, profile_weeks)
        days = (last_weekday + 1 + np.arange(horizon)) % 7
        out = level * profile[days]
    return out[:, 0] if single else out


def flat_average(
    history: ArrayLike, last_weekday: int, horizon: int, *, window_days: int = FLAT_WINDOW_DAYS
) -> np.ndarray:
    """The old app's forecast: the same mean usage every day (over the last `window_days`)."""
    values, single = _columns(history)
    level = values[-window_days:].mean(axis=0) if len(values) else np.zeros(values.shape[1])
    out = np.tile(level, (horizon, 1))
    return out[:, 0] if single else out


def seasonal_naive(history: ArrayLike, last_weekday: int, horizon: int) -> np.ndarray:
    """Same weekday last week (a common baseline for weekly seasonality)."""
    values, single = _columns(history)
    if len(values) < 7:
        return flat_average(history, last_weekday, horizon)
    out = values[-7:][np.arange(horizon) % 7]
    return out[:, 0] if single else out


MODELS: dict[str, Callable[..., np.ndarray]] = {
    "dow_profile": dow_profile,
    "flat_average": flat_average,
    "seasonal_naive": seasonal_naive,
}


def backtest(
    history: ArrayLike, last_weekday: int, *, weeks: int = 8, horizon: int = 7, min_train_days: int = 28
) -> dict[str, Any]:
    """Rolling-origin MAE (grams/day) of each model over the last `weeks` weeks.

    Origins are one week apart; at each, a model sees only the days before it and forecasts the
    next `horizon` days (days beyond the series are not scored). Each value is a float (an
    array per series for a matrix), or None when the series is too short for a single origin.
    """
    values, single = _columns(history)
    n = len(values)
    errors: dict[str, list[np.ndarray]] = {name: [] for name in MODELS}
    for k in range(weeks, 0, -1):
        origin = n - 7 * k
        if origin < min_train_days:
            continue
        train = values[:origin]
        actual = values[origin : origin + horizon]
        train_weekday = (last_weekday - (n - origin)) % 7
        for name, model in MODELS.items():
            predicted = model(train, train_weekday, horizon)[: len(actual)]
            errors[name].append(np.abs(predicted - actual))
    result: dict[str, Any] = {}
    for name, found in errors.items():
        if not found:
            result[name] = None
            continue
        mae = np.concatenate(found).mean(axis=0)
        result[name] = float(mae[0]) if single else mae
    return result


def weekly_sd(history: ArrayLike, weeks: int = PROFILE_WEEKS) -> Any:
    """Standard deviation of the whole-week totals over the last `weeks` weeks (0 with fewer than
    two weeks); one value per series for a matrix."""
    values, single = _columns(history)
    usable = (min(len(values), 7 * weeks) // 7) * 7
    if usable < 14 or not values.shape[1]:
        sd = np.zeros(values.shape[1])
    else:
        totals = values[-usable:].reshape(-1, 7, values.shape[1]).sum(axis=1)
        sd = totals.std(axis=0, ddof=1)
    return float(sd[0]) if single else sd


@dataclass(frozen=True)
class RunOut:
    """Days after the forecast origin (1 = tomorrow) on which stock runs out; None: not within the horizon."""

    point: int | None
    early: int | None
    late: int | None


def _first_reaching(cumulative: np.ndarray, stock: float) -> int | None:
    hit = np.flatnonzero(cumulative >= stock)
    return int(hit[0]) + 1 if len(hit) else None


def run_out(stock_g: float, forecast: np.ndarray, sd_week: float, *, level: float = 0.8) -> RunOut:
    """When cumulative usage reaches the stock: expected, and the `level` central interval."""
    if stock_g <= 0:
        return RunOut(0, 0, 0)
    cumulative = np.cumsum(forecast)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    spread = z * sd_week * np.sqrt(np.arange(1, len(forecast) + 1) / 7)
    return RunOut(
        _first_reaching(cumulative, stock_g),
        _first_reaching(cumulative + spread, stock_g),
        _first_reaching(cumulative - spread, stock_g),
    )


@dataclass(frozen=True)
class Reorder:
    order_in_days: int  # 0 = order today
    quantity_g: int


def reorder(
    stock_g: float,
    forecast: np.ndarray,
    sd_week: float,
    *,
    lead_time_days: int,
    cover_days: int,
    level: float = 0.8,
    lot_g: int = 1000,
) -> Reorder | None:
    """When to order and how much, so a lot arrives before the stock runs out (at the upper
    `level` usage) and then covers `cover_days` with a safety stock.

    - order day = (early run-out day) − lead time, not before today; None when the stock lasts
      past the forecast horizon minus the lead time (nothing to order yet);
    - quantity = usage over cover_days after arrival + safety (z·σ_week·√((lead+cover)/7))
      − the expected stock left at arrival, rounded up to whole lots.
    """
    if lead_time_days < 0 or cover_days < 1:
        raise ValueError("lead_time_days must be >= 0 and cover_days >= 1")
    need = lead_time_days + cover_days
    if len(forecast) < need:
        raise ValueError("the forecast must reach lead time + cover days")
    runs = run_out(stock_g, forecast, sd_week, level=level)
    if runs.early is None:
        return None
    order_day = max(runs.early - lead_time_days, 0)
    if order_day + need > len(forecast):
        return None
    arrival = order_day + lead_time_days
    left_at_arrival = max(stock_g - float(np.sum(forecast[:arrival])), 0.0)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    safety = z * sd_week * math.sqrt(need / 7)
    wanted = float(np.sum(forecast[arrival : arrival + cover_days])) + safety - left_at_arrival
    quantity = max(0, math.ceil(wanted / lot_g)) * lot_g
    return Reorder(order_day, quantity)

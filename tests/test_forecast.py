"""Usage forecasts on synthetic series whose weekly pattern is known (themoon.analytics.forecast)."""

from __future__ import annotations

import numpy as np
import pytest

from themoon.analytics import forecast

# Mon..Sun grams: quiet Monday, busy Friday/Saturday, closed Sunday (the café's week).
WEEK = np.array([600, 800, 800, 900, 1300, 1400, 0], dtype=float)
MEAN = WEEK.sum() / 7  # 828.571…


def weeks(n: int) -> np.ndarray:
    """n whole weeks, Monday first: the last value is a Sunday."""
    return np.tile(WEEK, n)


def test_profile_of_a_perfectly_weekly_series_is_the_week_over_its_mean():
    profile = forecast.weekday_profile(weeks(26), last_weekday=6)
    assert profile == pytest.approx(WEEK / MEAN)
    assert profile.mean() == pytest.approx(1)
    assert profile[6] == 0  # closed Sunday


def test_profile_is_aligned_by_the_weekday_of_the_last_day():
    # the same series cut after a Wednesday: the last value is WEEK[2]
    series = np.concatenate([weeks(10), WEEK[:3]])
    assert forecast.weekday_profile(series, last_weekday=2) == pytest.approx(WEEK / MEAN)


def test_dow_profile_forecasts_the_weekly_pattern_exactly():
    series = np.concatenate([weeks(20), WEEK[:3]])  # ends on a Wednesday
    predicted = forecast.dow_profile(series, last_weekday=2, horizon=10)
    # Thursday, Friday, …, the next Saturday
    expected = np.array([900, 1300, 1400, 0, 600, 800, 800, 900, 1300, 1400], dtype=float)
    assert predicted == pytest.approx(expected)


def test_flat_average_is_the_recent_mean_every_day():
    predicted = forecast.flat_average(weeks(12), last_weekday=6, horizon=5)
    assert predicted == pytest.approx([MEAN] * 5)


def test_seasonal_naive_repeats_last_week():
    series = np.concatenate([weeks(3), WEEK[:4] * 2])  # last week doubled, ends Thursday
    predicted = forecast.seasonal_naive(series, last_weekday=3, horizon=8)
    # last 7 values: Fri..Sun of the previous week, then Mon..Thu doubled
    assert predicted == pytest.approx([1300, 1400, 0, 1200, 1600, 1600, 1800, 1300])


def test_backtest_on_a_weekly_series():
    """Rolling origins over 8 weeks: the weekday models are exact, the flat average misses by
    mean |x − mean| = (228.57 + 2·28.57 + 71.43 + 471.43 + 571.43 + 828.57) / 7 = 318.37 g/day."""
    scores = forecast.backtest(weeks(30), last_weekday=6, weeks=8, horizon=7)
    assert scores["dow_profile"] == pytest.approx(0, abs=1e-9)
    assert scores["seasonal_naive"] == pytest.approx(0, abs=1e-9)
    assert scores["flat_average"] == pytest.approx(2228.571428 / 7, rel=1e-6)


def test_backtest_with_noise_and_a_step_favours_the_profile():
    rng = np.random.default_rng(1)
    series = weeks(40) * rng.uniform(0.7, 1.3, size=280)
    series[-70:] *= 1.2  # the café got busier ten weeks ago
    scores = forecast.backtest(series, last_weekday=6)
    assert scores["dow_profile"] < 0.6 * scores["flat_average"]
    assert scores["dow_profile"] < scores["seasonal_naive"]


def test_backtest_too_short_gives_none():
    assert forecast.backtest(weeks(2), last_weekday=6, weeks=8)["dow_profile"] is None


def test_weekly_sd():
    assert forecast.weekly_sd(weeks(10)) == 0
    series = np.concatenate([weeks(1), weeks(1) * 2])  # weekly totals 5800 and 11600
    assert forecast.weekly_sd(series) == pytest.approx(np.std([5800, 11600], ddof=1))
    assert forecast.weekly_sd(weeks(1)) == 0  # a single week has no spread


def test_run_out_day_by_hand():
    """From a Sunday, cumulative use is 600, 1400, 2200, 3100, 4400, 5800, 5800, 6400, 7200, 8000,
    8900, 10200: 10,000 g last until the 12th day (a Friday)."""
    predicted = forecast.dow_profile(weeks(26), last_weekday=6, horizon=60)
    runs = forecast.run_out(10_000, predicted, sd_week=0)
    assert runs == forecast.RunOut(12, 12, 12)
    assert forecast.run_out(0, predicted, 0) == forecast.RunOut(0, 0, 0)
    assert forecast.run_out(10_000, np.zeros(30), 0) == forecast.RunOut(None, None, None)


def test_run_out_interval_widens_with_spread():
    predicted = forecast.dow_profile(weeks(26), last_weekday=6, horizon=90)
    runs = forecast.run_out(20_000, predicted, sd_week=2000, level=0.8)
    assert runs.early < runs.point < runs.late
    # the early bound is where mean + 1.2816·σ·√(h/7) first reaches the stock
    z = 1.2815515655446004
    cumulative = np.cumsum(predicted)
    day = runs.early
    assert cumulative[day - 1] + z * 2000 * np.sqrt(day / 7) >= 20_000
    assert cumulative[day - 2] + z * 2000 * np.sqrt((day - 1) / 7) < 20_000


def test_reorder_by_hand():
    """Stock 10,000 g runs out on day 12; with a 3-day lead time order on day 9; nothing is left
    when it arrives, so order the next 7 days' use (Sat 1400, Sun 0, Mon 600, Tue 800, Wed 800,
    Thu 900, Fri 1300 = 5,800 g), rounded up to whole kg: 6,000 g."""
    predicted = forecast.dow_profile(weeks(26), last_weekday=6, horizon=60)
    order = forecast.reorder(10_000, predicted, 0, lead_time_days=3, cover_days=7)
    assert order == forecast.Reorder(order_in_days=9, quantity_g=6000)
    # plenty of stock: nothing to order within the horizon
    assert forecast.reorder(10_000_000, predicted, 0, lead_time_days=3, cover_days=7) is None
    # already too late: order today
    urgent = forecast.reorder(1000, predicted, 0, lead_time_days=5, cover_days=7)
    assert urgent.order_in_days == 0
    with pytest.raises(ValueError):
        forecast.reorder(1000, predicted, 0, lead_time_days=-1, cover_days=7)


def test_a_matrix_of_series_gives_each_series_its_own_answer():
    rng = np.random.default_rng(3)
    matrix = np.column_stack([weeks(30) * rng.uniform(0.5, 1.5, 210), np.zeros(210), weeks(30)[::-1]])
    together = forecast.dow_profile(matrix, last_weekday=6, horizon=14)
    scores = forecast.backtest(matrix, last_weekday=6)
    sds = forecast.weekly_sd(matrix)
    for k in range(matrix.shape[1]):
        assert together[:, k] == pytest.approx(forecast.dow_profile(matrix[:, k], 6, 14))
        single = forecast.backtest(matrix[:, k], last_weekday=6)
        for name, mae in single.items():
            assert scores[name][k] == pytest.approx(mae)
        assert sds[k] == pytest.approx(forecast.weekly_sd(matrix[:, k]))
    assert (together[:, 1] == 0).all()  # a bean never used is forecast at zero

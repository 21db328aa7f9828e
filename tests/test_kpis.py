"""Dashboard figures against hand-computed numbers (see the table in browser_support.py)."""

from __future__ import annotations

from datetime import date

import pytest
from browser_support import SMALL_SINCE, SMALL_UNTIL, build_small_db

from themoon import catalog, db, kpis, roasting


@pytest.fixture()
def small(tmp_path):
    conn = build_small_db(tmp_path / "small.db")
    yield conn
    conn.close()


@pytest.fixture()
def empty(tmp_path):
    conn = db.connect(tmp_path / "empty.db")
    yield conn
    conn.close()


def test_overview_of_a_period(small):
    o = kpis.overview(small, SMALL_SINCE, SMALL_UNTIL)
    assert o["batches"] == 3
    assert o["roasted_g"] == 6580
    assert o["roasted_kg"] == 6.58
    assert o["green_g"] == 8000
    assert o["avg_loss_pct"] == 17.67  # (17 + 21 + 15) / 3
    assert o["weighted_loss_pct"] == 17.75  # 1,420 / 8,000
    assert o["expected_loss_pct"] == 17.0
    assert o["loss_variance_pts"] == 0.67
    assert o["roast_cost_won"] == 45_443 + 22_017 + 17_700
    assert o["avg_cost_per_roasted_kg_won"] == 12_942  # 85,160 / 6.58
    assert o["stock_value_won"] == 40_000
    assert o["stock_g"] == 6000
    assert o["beans_in_stock"] == 2
    assert o["low_stock_count"] == 1
    assert o["open_alerts"] == 1
    assert o["open_critical_alerts"] == 0


def test_overview_uses_the_package_batch_costs(small):
    """One place per number: the card's cost is the sum of list_batches' batch costs."""
    batches = roasting.list_batches(small, since=SMALL_SINCE, until=SMALL_UNTIL)
    assert sorted(b["batch_cost_won"] for b in batches) == [17_700, 22_017, 45_443]
    o = kpis.overview(small, SMALL_SINCE, SMALL_UNTIL)
    assert o["roast_cost_won"] == sum(b["batch_cost_won"] for b in batches)


def test_stock_is_as_of_the_end_of_the_period(small):
    october = kpis.overview(small, date(2026, 10, 1), date(2026, 10, 31))
    assert october["batches"] == 1
    assert october["roasted_g"] == 830
    assert october["avg_cost_per_roasted_kg_won"] == 23_687  # 19,660 / 0.83 = 23,686.7
    # ETH 10,000 g (₩60,000, not low), KEN 4,000 g (₩32,000)
    assert october["stock_value_won"] == 92_000
    assert october["low_stock_count"] == 0


def test_period_without_roasts(small):
    o = kpis.overview(small, date(2026, 9, 1), date(2026, 9, 30))
    assert o["batches"] == 0
    assert o["roasted_kg"] == 0
    assert o["avg_loss_pct"] is None
    assert o["weighted_loss_pct"] is None
    assert o["loss_variance_pts"] is None
    assert o["avg_cost_per_roasted_kg_won"] is None
    assert o["expected_loss_pct"] == 17.0  # from the settings in force
    assert o["stock_value_won"] == 0  # nothing bought before October


def test_weekly_roasted(small):
    rows = kpis.weekly_roasted(small, SMALL_SINCE, SMALL_UNTIL)
    assert [(r["week"], r["product"], r["roasted_g"], r["batches"]) for r in rows] == [
        (date(2026, 11, 2), "ETH", 4150, 1),
        (date(2026, 11, 2), "KEN", 1580, 1),
        (date(2026, 11, 9), "ETH", 850, 1),
    ]
    assert rows[0]["roasted_kg"] == 4.15
    assert rows[1]["name_ko"] == "마사이"


def test_weekly_roasted_sums_a_week(small):
    rows = kpis.weekly_roasted(small, date(2026, 10, 1), SMALL_UNTIL)
    assert [(r["week"], r["product"], r["roasted_g"]) for r in rows] == [
        (date(2026, 10, 19), "KEN", 830),
        (date(2026, 11, 2), "ETH", 4150),
        (date(2026, 11, 2), "KEN", 1580),
        (date(2026, 11, 9), "ETH", 850),
    ]


def test_stock_levels_and_low_stock(small):
    levels = kpis.stock_levels(small, SMALL_UNTIL)
    assert [(r["bean"], r["stock_g"], r["reorder_point_g"], r["low"]) for r in levels] == [
        ("ETH", 4000, 5000, True),
        ("KEN", 2000, 1500, False),
    ]
    assert levels[0]["stock_kg"] == 4.0 and levels[0]["reorder_point_kg"] == 5.0
    low = kpis.low_stock(small, SMALL_UNTIL)
    assert [(r["bean"], r["short_g"]) for r in low] == [("ETH", 1000)]


def test_inactive_beans_leave_the_stock_chart_but_keep_their_value(small):
    catalog.update_bean(small, "ETH", active=False)
    assert [r["bean"] for r in kpis.stock_levels(small, SMALL_UNTIL)] == ["KEN"]
    o = kpis.overview(small, SMALL_SINCE, SMALL_UNTIL)
    assert o["stock_value_won"] == 40_000
    assert o["low_stock_count"] == 0


def test_resolved_alerts_are_not_open(small):
    batch = roasting.list_alerts(small)[0]["batch_id"]
    roasting.resolve_alert(small, batch, "new green lot, checked")
    assert kpis.overview(small, SMALL_SINCE, SMALL_UNTIL)["open_alerts"] == 0


def test_dashboard_bundle_matches_the_parts(small):
    d = kpis.dashboard(small, SMALL_SINCE, SMALL_UNTIL)
    assert d["empty"] is False
    assert d["overview"] == kpis.overview(small, SMALL_SINCE, SMALL_UNTIL)
    assert d["weekly"] == kpis.weekly_roasted(small, SMALL_SINCE, SMALL_UNTIL)
    assert d["stock"] == kpis.stock_levels(small, SMALL_UNTIL)
    assert d["low_stock"] == kpis.low_stock(small, SMALL_UNTIL)


def test_empty_database(empty):
    assert kpis.is_empty(empty)
    d = kpis.dashboard(empty, SMALL_SINCE, SMALL_UNTIL)
    o = d["overview"]
    assert (o["batches"], o["roasted_g"], o["stock_value_won"], o["low_stock_count"], o["open_alerts"]) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert o["expected_loss_pct"] == 16.7  # the default settings
    assert d["weekly"] == d["stock"] == d["low_stock"] == []


@pytest.mark.parametrize(
    ("period", "since"),
    [
        ("month", date(2026, 11, 1)),
        ("30d", date(2026, 10, 30)),
        ("90d", date(2026, 8, 31)),
        ("year", date(2026, 1, 1)),
    ],
)
def test_period_bounds(period, since):
    assert kpis.period_bounds(period, date(2026, 11, 28)) == (since, date(2026, 11, 28))


def test_unknown_period():
    with pytest.raises(ValueError):
        kpis.period_bounds("decade", date(2026, 11, 28))


def test_week_start():
    assert kpis.week_start(date(2026, 11, 8)) == date(2026, 11, 2)  # Sunday → Monday before
    assert kpis.week_start(date(2026, 11, 9)) == date(2026, 11, 9)

"""Analytics on DuckDB (themoon.analytics): hand-computed numbers on a tiny café, and exact
equality with the Python model (roasting, kpis, inventory, costs) on a demo database."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from fractions import Fraction

import pandas as pd
import pytest
from conftest import build_small_cafe, db_checksum

from themoon import cost_settings, db, demo, inventory, kpis, roasting
from themoon import price_list as costs
from themoon.analytics import Analytics
from themoon.analytics.losses import box as _box
from themoon.models import ValidationError

# --- a tiny café with numbers worked out by hand --------------------------------------------------
#
# Beans bought 2025-10-01, 10 kg each at list price: Kenya AA ₩6.2/g, Antigua ₩6.0/g, Momora
# ₩4.5/g, Sidamo ₩4.3/g. Settings: expected loss 16.7 %, roasting ₩2,000/kg, one session costs
# 30,000 (labour 2 h) + 5,000 + 3,000 = ₩38,000, split by green grams over the day's batches.
#
#  id day         product  green  roasted  loss    variance  alert          operator
#  1  2025-10-10  KEN-AA   1000   830      17.0 %  +0.3      -              Kim
#  2  2025-10-10  KEN-AA   1000   800      20.0 %  +3.3      WARNING HIGH 1 Kim
#  3  2025-10-13  KEN-AA   2000   1560     22.0 %  +5.3      CRITICAL HIGH 2 Lee
#  4  2025-10-13  GUA-ANT  1000   835      16.5 %  −0.2      -              Lee
#  5  2025-10-20  KEN-AA   1000   870      13.0 %  −3.7      WARNING LOW 3  Kim
#  6  2025-10-20  KEN-AA   1000   833      16.7 %   0        -              Kim
#
# Costs (green + roasting 2 ₩/g roasted + session share):
#  1: 6200 + 1660 + 19000 = 26,860     2: 6200 + 1600 + 19000 = 26,800
#  3: 12400 + 3120 + 38000·2/3 = 40,853.33 → 40,853     4: 6000 + 1670 + 12,666.67 → 20,337
#  5: 6200 + 1740 + 19000 = 26,940     6: 6200 + 1666 + 19000 = 26,866

BATCHES = (
    ("2025-10-10", "KEN-AA", 1000, 830, "Kim"),
    ("2025-10-10", "KEN-AA", 1000, 800, "Kim"),
    ("2025-10-13", "KEN-AA", 2000, 1560, "Lee"),
    ("2025-10-13", "GUA-ANT", 1000, 835, "Lee"),
    ("2025-10-20", "KEN-AA", 1000, 870, "Kim"),
    ("2025-10-20", "KEN-AA", 1000, 833, "Kim"),
)
COSTS = (26_860, 26_800, 40_853, 20_337, 26_940, 26_866)


@pytest.fixture
def tiny(conn, db_path):
    build_small_cafe(conn)
    for day, product, green, roasted, operator in BATCHES:
        roasting.add_batch(
            conn, product=f"bean:{product}", roasted_on=day, green_g=green, roasted_g=roasted, operator=operator
        )
    with Analytics(db_path) as analytics:
        yield analytics


def test_batch_costs_by_hand(tiny):
    frame = tiny.batch_costs().sort_values("id")
    assert list(frame["batch_cost_won"]) == list(COSTS)
    assert list(frame["loss_pct"]) == [17.0, 20.0, 22.0, 16.5, 13.0, 16.7]
    assert list(frame["variance_pct"]) == [0.3, 3.3, 5.3, -0.2, -3.7, 0.0]
    assert list(frame["session_cost_won"]) == [19_000, 19_000, 25_333, 12_667, 19_000, 19_000]
    # 40,853.33 / 1.56 kg = 26,188.03 → 26,188
    assert frame.iloc[2]["cost_per_roasted_kg_won"] == 26_188


def test_weekly_trend_by_hand(tiny):
    trend = tiny.trend("week", "2025-10-01", "2025-10-31")
    assert [d.strftime("%Y-%m-%d") for d in trend["period"]] == ["2025-10-06", "2025-10-13", "2025-10-20"]
    assert list(trend["batches"]) == [2, 2, 2]
    assert list(trend["roasted_g"]) == [1630, 2395, 1703]
    assert list(trend["green_g"]) == [2000, 3000, 2000]
    assert list(trend["roast_cost_won"]) == [26_860 + 26_800, 40_853 + 20_337, 26_940 + 26_866]
    # week of the 13th: 61,190 / 2.395 kg = 25,549.06; loss (22 + 16.5)/2 = 19.25, weighted 605/3000
    week = trend.iloc[1]
    assert week["cost_per_roasted_kg_won"] == 25_549
    assert week["avg_loss_pct"] == 19.25
    assert week["weighted_loss_pct"] == 20.17
    assert week["expected_loss_pct"] == 16.7
    assert list(trend["anomalies"]) == [1, 1, 1]


def test_trend_by_product_and_filter(tiny):
    by_product = tiny.trend("month", by_product=True)
    assert sorted(zip(by_product["product"], by_product["batches"], strict=True)) == [("GUA-ANT", 1), ("KEN-AA", 5)]
    only = tiny.trend("month", product="bean:KEN-AA")
    assert list(only["batches"]) == [5]
    assert list(only["roasted_g"]) == [830 + 800 + 1560 + 870 + 833]
    with pytest.raises(ValueError):
        tiny.trend("fortnight")
    with pytest.raises(ValueError):
        tiny.trend("month", product="no-such-coffee")


def test_kpis_by_hand(tiny):
    k = tiny.kpis("2025-10-01", "2025-10-31")
    assert k["batches"] == 6
    assert k["sessions"] == 3
    assert k["roasted_g"] == 5728
    assert k["green_g"] == 7000
    assert k["roast_cost_won"] == sum(COSTS) == 168_656
    assert k["avg_cost_per_roasted_kg_won"] == 29_444  # 168,656 / 5.728 kg = 29,444.13
    assert k["weighted_loss_pct"] == 18.17  # 1,272 / 7,000
    assert k["avg_loss_pct"] == 17.53  # (17 + 20 + 22 + 16.5 + 13 + 16.7) / 6
    assert k["anomalies"] == 3 and k["critical"] == 1
    # excess loss: 3 g + 33 g + 106 g of Kenya above the expectation at ₩6.2/g
    assert k["excess_lost_g"] == pytest.approx(142)
    assert k["excess_loss_won"] == 880  # 18.6 + 204.6 + 657.2 = 880.4
    # net of the batches below the expectation: −2 g Antigua (₩12), −37 g Kenya (₩229.4)
    assert k["net_extra_loss_won"] == 639
    # stock: Kenya 4 kg × 6.2, Antigua 9 kg × 6.0, Momora 10 kg × 4.5, Sidamo 10 kg × 4.3
    assert k["stock_g"] == 33_000
    assert k["stock_value_won"] == 24_800 + 54_000 + 45_000 + 43_000
    assert k["open_alerts"] == 3


def test_loss_by_product_box_plot_by_hand(tiny):
    """Kenya losses sorted: 13, 16.7, 17, 20, 22 → q1 16.7, median 17, q3 20 (IQR 3.3, fences
    11.75 and 24.95: no outliers); weighted 1,107 / 6,000 = 18.45 %."""
    frame = tiny.loss_by("product").set_index("product")
    ken = frame.loc["KEN-AA"]
    assert ken["batches"] == 5
    assert (ken["min"], ken["q1"], ken["median"], ken["q3"], ken["max"]) == (13.0, 16.7, 17.0, 20.0, 22.0)
    assert (ken["whisker_low"], ken["whisker_high"], ken["outliers"]) == (13.0, 22.0, 0)
    assert ken["avg_loss_pct"] == 17.74
    assert ken["weighted_loss_pct"] == 18.45
    assert ken["anomalies"] == 3
    assert ken["sd_pct"] == pytest.approx(pd.Series([17, 20, 22, 13, 16.7]).std())
    assert frame.loc["GUA-ANT", "median"] == 16.5


def test_loss_by_operator_and_roast_level(tiny):
    ops = tiny.loss_by("operator").set_index("operator")
    assert ops.loc["Kim", "batches"] == 4 and ops.loc["Lee", "batches"] == 2
    assert ops.loc["Lee", "avg_loss_pct"] == 19.25
    levels = tiny.loss_by("roast_level").set_index("roast_level")
    assert levels.loc["W", "batches"] == 6  # both beans are roast level W
    with pytest.raises(ValueError):
        tiny.loss_by("colour")


def test_box_statistics_match_numpy():
    values = pd.Series([15.1, 15.1, 16.0, 16.2, 16.7, 17.3, 17.3, 17.3, 25.0])
    hist = values.value_counts().sort_index()
    box = _box(hist.index.to_numpy(), hist.to_numpy())
    for name, q in (("q1", 0.25), ("median", 0.5), ("q3", 0.75)):
        assert box[name] == pytest.approx(values.quantile(q))
    assert box["outliers"] == 1 and box["whisker_high"] == 17.3 and box["whisker_low"] == 15.1


def test_anomaly_runs_by_hand(tiny):
    runs = tiny.anomaly_runs()
    assert len(runs) == 1
    run = runs.iloc[0]
    assert (run["product"], run["length"], run["first_batch"], run["last_batch"]) == ("KEN-AA", 3, 2, 5)
    assert (run["first_day"].strftime("%Y-%m-%d"), run["last_day"].strftime("%Y-%m-%d")) == ("2025-10-10", "2025-10-20")
    assert (run["critical"], run["direction"], run["resolved"]) == (1, "HIGH", False)
    assert run["worst_abs_variance_pct"] == 5.3
    assert tiny.anomaly_runs(min_length=4).empty
    assert tiny.anomaly_runs("2025-10-21", "2025-12-31").empty  # the run ended on the 20th
    anomalies = tiny.anomalies()
    assert list(anomalies["batch_id"]) == [5, 3, 2]
    assert list(anomalies["level"]) == ["WARNING", "CRITICAL", "WARNING"]
    assert list(anomalies["direction"]) == ["LOW", "HIGH", "HIGH"]
    assert list(anomalies["run_length"]) == [3, 2, 1]


def test_excess_loss_by_hand(tiny):
    frame = tiny.excess_loss("month").set_index("product")
    assert frame.loc["KEN-AA", "excess_lost_g"] == pytest.approx(142)
    assert frame.loc["KEN-AA", "excess_loss_won"] == pytest.approx(880.4)
    assert frame.loc["KEN-AA", "net_extra_loss_won"] == pytest.approx(880.4 - 229.4)
    assert frame.loc["GUA-ANT", "excess_loss_won"] == 0
    assert frame.loc["KEN-AA", "batches_above"] == 3


def test_loss_histogram(tiny):
    hist = tiny.loss_histogram(bin_pct=5)
    assert list(zip(hist["bin_start"], hist["batches"], strict=True)) == [(10.0, 1), (15.0, 3), (20.0, 2)]
    assert tiny.loss_histogram(bin_pct=1, product="GUA-ANT")["batches"].tolist() == [1]
    with pytest.raises(ValueError):
        tiny.loss_histogram(bin_pct=0)


def test_stock_value_over_time(tiny):
    frame = tiny.stock_value("week", "2025-10-01", "2025-10-31")
    # week of Sep 29: bought on Oct 1, nothing roasted yet: 40 kg worth 62k + 60k + 45k + 43k
    assert frame.iloc[0]["stock_g"] == 40_000 and frame.iloc[0]["value_won"] == 210_000
    assert frame.iloc[-1]["stock_g"] == 33_000 and frame.iloc[-1]["value_won"] == 166_800
    by_bean = tiny.stock_value("month", by_bean=True).set_index("bean")
    assert by_bean.loc["KEN-AA", "stock_g"] == 4000


def test_forecast_tables_have_one_row_per_bean(tiny):
    runout = tiny.runout(date(2025, 10, 31), lead_time_days=5, cover_days=14)
    assert set(runout["bean"]) == {"KEN-AA", "GUA-ANT", "ETH-MOM", "ETH-SID"}
    ken = runout.set_index("bean").loc["KEN-AA"]
    assert ken["stock_g"] == 4000
    backtest = tiny.forecast_backtest(date(2025, 10, 31))
    assert "(all beans)" in set(backtest["bean"])
    usage = tiny.daily_usage("KEN-AA", until=date(2025, 10, 20), days=11)
    assert usage.sum() == 6000 and usage.loc["2025-10-13"] == 2000


def test_refresh_sees_changes_and_is_cheap_otherwise(tiny, conn):
    assert tiny.refresh() is False
    generation = tiny.generation
    roasting.add_batch(conn, product="bean:ETH-MOM", roasted_on="2025-10-21", green_g=1000, roasted_g=833)
    assert tiny.refresh() is True
    assert tiny.generation == generation + 1
    assert tiny.kpis()["batches"] == 7
    assert tiny.refresh() is False


def test_reads_only_and_writes_no_duckdb_file(tiny, conn, tmp_path):
    files = sorted(p.name for p in tmp_path.iterdir())
    checksum = db_checksum(conn)
    tiny.refresh(force=True)
    tiny.kpis()
    tiny.loss_by("operator")
    assert db_checksum(conn) == checksum
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # no DuckDB file next to the store


def test_empty_store(conn, db_path):
    with Analytics(db_path) as analytics:
        k = analytics.kpis()
        assert k["batches"] == 0 and k["roast_cost_won"] == 0 and k["avg_loss_pct"] is None
        assert analytics.trend("month").empty
        assert analytics.loss_by("product").empty
        assert analytics.anomaly_runs().empty
        assert analytics.stock_value("month").empty
        assert analytics.runout(date(2025, 1, 1)).empty
        assert analytics.menu_costs(date(2025, 1, 1)) == []


# --- equality with the Python model on a demo database ----------------------------------------------

TODAY = date(2026, 10, 31)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("analytics") / "demo.db"
    conn = db.connect(path)
    demo.build_demo(conn, months=3, today=TODAY)
    conn.close()
    return path


@pytest.fixture(scope="module")
def store(demo_db):
    conn = db.connect(demo_db, readonly=True)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def analytics(demo_db):
    with Analytics(demo_db) as a:
        yield a


COST_COLUMNS = (
    "green_g",
    "roasted_g",
    "green_cost_won",
    "loss_pct",
    "expected_loss_pct",
    "variance_pct",
    "roasting_cost_won",
    "session_cost_won",
    "batch_cost_won",
    "cost_per_roasted_kg_won",
)


def test_every_batch_costs_what_roasting_says(analytics, store):
    expected = {b["id"]: b for b in roasting.list_batches(store, limit=None)}
    frame = analytics.batch_costs()
    assert len(frame) == len(expected) > 200
    for row in frame.to_dict("records"):
        batch = expected[row["id"]]
        assert {c: row[c] for c in COST_COLUMNS} == {c: batch[c] for c in COST_COLUMNS}, row["id"]
        assert row["product"] == batch["product"]


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (date(2026, 8, 1), date(2026, 10, 30)),
        (date(2026, 10, 1), date(2026, 10, 31)),
        (date(2026, 9, 7), date(2026, 9, 13)),
    ],
)
def test_period_totals_equal_kpis_overview(analytics, store, since, until):
    ours = analytics.kpis(since, until)
    theirs = kpis.overview(store, since, until)
    for key, value in theirs.items():
        assert ours[key] == value, key


def test_trend_totals_equal_the_python_sums(analytics, store):
    batches = roasting.list_batches(store, limit=None)
    months = analytics.trend("month", by_product=True)
    for row in months.to_dict("records"):
        chosen = [
            b
            for b in batches
            if b["product"] == row["product"]
            and date.fromisoformat(b["roasted_on"]).replace(day=1) == row["period"].date()
        ]
        cost = sum(b["batch_cost_won"] for b in chosen)
        roasted = sum(b["roasted_g"] for b in chosen)
        assert (row["batches"], row["roasted_g"], row["roast_cost_won"]) == (len(chosen), roasted, cost)
        assert row["cost_per_roasted_kg_won"] == costs.round_won(Fraction(cost * 1000, roasted))


def test_stock_equals_inventory(analytics, store):
    for on in (date(2026, 8, 1), date(2026, 9, 15), TODAY):
        theirs = {r["bean_id"]: r for r in inventory.stock(store, on=on)}
        ours = analytics.stock(on=on).set_index("bean_id")
        for bean_id, row in theirs.items():
            mine = ours.loc[bean_id]
            avg = None if pd.isna(mine["avg_cost_per_kg_won"]) else int(mine["avg_cost_per_kg_won"])
            assert (int(mine["stock_g"]), int(mine["value_won"]), avg, bool(mine["low"])) == (
                row["stock_g"],
                row["value_won"],
                row["avg_cost_per_kg_won"],
                row["low"],
            )
            assert analytics.avg_cost_per_g(bean_id, on) == inventory.avg_cost_per_g(store, bean_id, on)


def test_standard_costs_menu_and_what_if_equal_costs(analytics, store):
    on = date(2026, 10, 15)
    assert analytics.product_costs(on) == costs.product_costs(store, on=on)
    assert analytics.menu_costs(on) == costs.menu_costs(store, on=on)
    scenarios = (
        {},
        {"green_price_change_pct": 10},
        {"green_price_change_pct": "-12.5", "dose_change_g": 2},
        {"expected_loss_pct": 18, "labour_won_per_hour": "20,000", "energy_won_per_session": 7_000},
        {"dose_change_g": -3, "expected_loss_pct": "15.55"},
    )
    for scenario in scenarios:
        assert analytics.what_if(on=on, **scenario) == costs.what_if(store, on=on, **scenario), scenario
    for bad in ({"green_price_change_pct": "abc"}, {"dose_change_g": 1000}, {"expected_loss_pct": 100}):
        with pytest.raises(ValidationError):
            analytics.what_if(on=on, **bad)


def test_margin_trend_equals_menu_costs_at_each_month_end(analytics, store):
    trend = analytics.margin_trend(grain="month")
    assert len(set(trend["period_end"])) >= 3
    for end in sorted(set(trend["period_end"])):
        theirs = {r["item"]: r for r in costs.menu_costs(store, on=end.date())}
        for row in trend[trend["period_end"] == end].to_dict("records"):
            expected = theirs[row["item"]]
            got = (row["cost_won"], row["suggested_price_won"], row["margin_pct"])
            assert got == (expected["cost_won"], expected["suggested_price_won"], expected["margin_pct"]), (end, row)


def test_actual_margin_trend_and_profitability(analytics, store):
    actual = analytics.margin_trend(basis="actual")
    assert set(actual["basis"]) == {"actual"} and (actual["cost_won"] > 0).all()
    since, until = date(2026, 8, 1), date(2026, 10, 30)
    result = analytics.profitability(since, until)
    menu = result["menu"].set_index("item")
    batches = [
        b for b in roasting.list_batches(store, since=since, until=until, limit=None) if b["product"] == "FULL-MOON"
    ]
    per_kg = Fraction(sum(b["batch_cost_won"] for b in batches) * 1000, sum(b["roasted_g"] for b in batches))
    cup = menu.loc["CUP-FULL-MOON"]
    unit = per_kg * 20 / 1000 + 150  # 20 g + ₩150 cup
    assert cup["actual_cost_won"] == costs.round_won(unit)
    assert cup["roi_pct"] == float(costs.round_decimal((5000 - unit) / unit * 100, 1))
    assert (
        cup["standard_margin_pct"]
        == {r["item"]: r for r in costs.menu_costs(store, on=until)}["CUP-FULL-MOON"]["margin_pct"]
    )
    products = result["products"].set_index("product")
    assert products.loc["FULL-MOON", "actual_cost_per_kg_won"] == costs.round_won(per_kg)
    assert products.loc["FULL-MOON", "roi_min_pct"] <= cup["roi_pct"] <= products.loc["FULL-MOON", "roi_max_pct"]


def test_loss_status_and_alerts_equal_roasting(analytics, store):
    ours = analytics.loss_status(TODAY)
    theirs = roasting.loss_status(store, today=TODAY)
    assert ours[["product", "kind", "anomalies_30d", "longest_run_30d", "status"]].to_dict("records") == theirs
    alerts = roasting.list_alerts(store, open_only=False, limit=100_000)
    mine = analytics.anomalies(limit=100_000)
    assert list(mine["batch_id"]) == [a["batch_id"] for a in alerts]
    assert list(mine["run_length"]) == [a["run_length"] for a in alerts]
    assert len(analytics.anomalies(open_only=True)) == len(roasting.list_alerts(store, open_only=True))


def test_forecast_backtest_beats_the_flat_average(analytics):
    frame = analytics.forecast_backtest(TODAY).set_index("bean")
    overall = frame.loc["(all beans)"]
    assert overall["dow_profile"] < overall["flat_average"]
    runout = analytics.runout(TODAY, lead_time_days=7, cover_days=28)
    dated = runout.dropna(subset=["runout_date"])
    assert (dated["runout_early"] <= dated["runout_date"]).all()
    assert ((dated["runout_date"] <= dated["runout_late"]) | dated["runout_late"].isna()).all()
    assert (runout["reorder_qty_g"].dropna() % 1000 == 0).all()


def test_refresh_after_an_edit_on_a_copy(demo_db, tmp_path):
    copy = tmp_path / "copy.db"
    shutil.copy(demo_db, copy)
    with Analytics(copy) as analytics:
        before = analytics.kpis()
        conn = db.connect(copy)
        batch = roasting.list_batches(conn, limit=1)[0]
        roasting.update_batch(conn, batch["id"], roasted_g=batch["roasted_g"] - 100)
        assert analytics.refresh() is True
        after = analytics.kpis()
        assert after["roasted_g"] == before["roasted_g"] - 100
        assert after["roast_cost_won"] == kpis.overview(conn, after["since"], after["until"])["roast_cost_won"]
        conn.close()


def test_kpis_until_today_with_no_batches(analytics):
    empty = analytics.kpis(TODAY + timedelta(days=1), TODAY + timedelta(days=10))
    assert empty["batches"] == 0 and empty["avg_cost_per_roasted_kg_won"] is None
    assert empty["stock_value_won"] == analytics.kpis(TODAY, TODAY)["stock_value_won"]


def test_recent_loss_toggle_equals_costs(demo_db, tmp_path):
    """With `use_recent_loss` on, the expected loss is the mean of each product's last 10 batches."""
    copy = tmp_path / "recent.db"
    shutil.copy(demo_db, copy)
    conn = db.connect(copy)
    cost_settings.save(conn, effective_from=date(2026, 10, 1), use_recent_loss=True)
    with Analytics(copy) as analytics:
        for on in (date(2026, 10, 1), date(2026, 10, 20)):
            assert analytics.product_costs(on) == costs.product_costs(conn, on=on)
            assert analytics.menu_costs(on) == costs.menu_costs(conn, on=on)
        trend = analytics.margin_trend("2026-10-01", "2026-10-30", grain="week")
        for end in sorted(set(trend["period_end"])):
            theirs = {r["item"]: r for r in costs.menu_costs(conn, on=end.date())}
            for row in trend[trend["period_end"] == end].to_dict("records"):
                assert (row["cost_won"], row["margin_pct"]) == (
                    theirs[row["item"]]["cost_won"],
                    theirs[row["item"]]["margin_pct"],
                )
    conn.close()


def test_the_first_load_happens_once(tmp_path):
    """Opening the store touches its -wal file: the first fingerprint is taken after opening it, or
    the engine loads everything twice on every kernel start (issue #12: time and memory)."""
    from browser_support import build_small_db

    from themoon.analytics import Analytics
    from themoon.analytics.snapshot import Snapshot

    path = tmp_path / "t.db"
    build_small_db(path).close()
    loads = []
    original = Snapshot._load

    def counting(self):
        loads.append(1)
        original(self)

    Snapshot._load = counting
    try:
        engine = Analytics(path)
    finally:
        Snapshot._load = original
    try:
        assert len(loads) == 1 and engine.generation == 1
        assert engine.refresh() is False  # nothing changed since
    finally:
        engine.close()


def test_batch_costs_stay_exact_when_products_pass_64_bits():
    """The engine rounds batch costs with themoon.costing over int64, or Python integers when a
    product could pass 2**61 (sessions of tonnes): both give costing.batch_cost rounded."""
    import numpy as np

    from themoon.analytics.snapshot import batch_cost_columns
    from themoon.costing import CostSettings, batch_cost, round_won

    settings = CostSettings(date(2025, 1, 1))
    rows = [(5, 10_000_000, 9_000_000, 40_000_000_000, 123_456_789_000), (6, 1000, 830, 2000, 6200)]
    inputs = {
        "id": np.array([r[0] for r in rows]),
        "green_g": np.array([r[1] for r in rows]),
        "roasted_g": np.array([r[2] for r in rows]),
        "session_green_g": np.array([r[3] for r in rows]),
        "green_cost_won": np.array([r[4] for r in rows]),
        "rate": np.full(2, settings.roasting_won_per_kg),
        "sf60": np.full(2, settings.session_fixed_won_x60),
        "bp": np.full(2, 1670),
    }
    frame = batch_cost_columns(inputs)
    for (_, green, roasted, session, cost), got in zip(rows, frame.itertuples(), strict=True):
        exact = batch_cost(cost, green, roasted, session, settings)
        assert got.batch_cost_won == round_won(exact.total_won)
        assert got.cost_per_kg_won == round_won(exact.per_roasted_kg)
        assert got.session_cost_won == round_won(exact.session_won)


def test_stock_values_over_bracketed_averages_equal_the_exact_ones():
    import random

    import numpy as np

    from themoon.analytics.stock import _values
    from themoon.costing import round_won, stock_value_won

    rng = random.Random(5)
    averages = [Fraction(rng.randint(1, 10**40), rng.randint(1, 10**39)) for _ in range(30)]
    averages += [Fraction(2 * k + 1, 2 * 1000) for k in range(1, 11)]  # values ending in exactly ₩0.5
    days, beans = 200, 5
    stock = np.array([[rng.randint(-5000, 10**7) for _ in range(beans)] for _ in range(days)], dtype=np.int64)
    stock[::7, 0] = 1000  # ties: 1000 g × (2k+1)/2000 ₩/g
    epochs = np.array([[rng.randint(-1, len(averages) - 1) for _ in range(beans)] for _ in range(days)])
    epochs[::7, 0] = len(averages) - 1 - np.arange(len(stock[::7, 0])) % 10
    value, per_kg = _values(stock, epochs, averages)
    for d in range(days):
        for k in range(beans):
            e = int(epochs[d, k])
            assert value[d, k] == (0 if e < 0 else stock_value_won(averages[e], int(stock[d, k])))
            assert np.isnan(per_kg[d, k]) if e < 0 else per_kg[d, k] == round_won(averages[e] * 1000)
    huge = np.full((2, 1), 2**60, dtype=np.int64)  # too large for the int64 bracket: exact Python ints
    value, _ = _values(huge, np.zeros((2, 1), dtype=np.int64), [Fraction(7, 3)])
    assert value.tolist() == [[stock_value_won(Fraction(7, 3), 2**60)]] * 2

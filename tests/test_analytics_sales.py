"""Sales and profit in the analytics engine (themoon/analytics/sales.py): every figure equals the
store-side model (`themoon.sales.period_profit`, the pure functions of `themoon.costing`), on the
demo database and on small hand-made stores; the bounded fast path and the exact path agree; how
the sales were split into imports never changes a figure; `themoon profit` runs through it."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import build_small_cafe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from themoon import db, demo, roasting, sales
from themoon.analytics import Analytics, forecast
from themoon.analytics import sales as engine_sales
from themoon.costing import green_for_roasted, round_won, split_by_parts
from themoon.io.sales import import_sales

TODAY = date(2026, 11, 20)
THEMOON = str(Path(sys.executable).parent / "themoon")


# --- the demo database ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("analytics-sales") / "demo.db"
    conn = db.connect(path)
    demo.build_demo(conn, months=6, today=TODAY)
    conn.close()
    return path


@pytest.fixture(scope="module")
def store(demo_db):
    conn = db.connect(demo_db, readonly=True)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def engine(demo_db):
    with Analytics(demo_db) as a:
        yield a


def months_of(conn) -> list[str]:
    first, last = conn.execute("SELECT min(sold_on), max(sold_on) FROM sales_daily").fetchone()
    out, current = [], date.fromisoformat(first).replace(day=1)
    while current <= date.fromisoformat(last):
        out.append(current.strftime("%Y-%m"))
        current = (current + timedelta(days=32)).replace(day=1)
    return out


def test_period_profit_equals_the_store_model_every_month(engine, store):
    months = months_of(store)
    assert len(months) >= 6
    for month in months:  # the first month sells before anything was roasted: standard costs
        first, last = sales.parse_period("period", month, today=TODAY)
        assert engine.period_profit(first, last) == sales.period_profit(store, first, last), month
    assert engine.snapshot.sales_bits >= 16 and not engine.snapshot.sales_exact_only


def test_a_period_across_months_and_an_empty_one(engine, store):
    first, last = date(2026, 7, 15), date(2026, 9, 3)
    assert engine.period_profit(first, last) == sales.period_profit(store, first, last)
    empty = engine.period_profit(date(2019, 1, 1), date(2019, 1, 31))
    assert empty == sales.period_profit(store, date(2019, 1, 1), date(2019, 1, 31))
    assert empty["revenue_won"] == 0 and empty["items"] == [] and empty["roi_pct"] is None


@pytest.mark.parametrize("limits", [(3, 8), (2, 0)], ids=["exact-only", "coarse-bounds"])
def test_the_exact_path_gives_the_same_figures(demo_db, engine, monkeypatch, limits):
    """Fixed point of 2 bits: most bounds round apart and go the exact way; fewer than MIN_BITS:
    everything does. Same figures either way."""
    monkeypatch.setattr(engine_sales, "MAX_BITS", limits[0])
    monkeypatch.setattr(engine_sales, "MIN_BITS", limits[1])
    with Analytics(demo_db) as slow:
        assert slow.snapshot.sales_bits == limits[0]
        assert slow.snapshot.sales_exact_only == (limits[1] > limits[0])
        for month in ("2026-06", "2026-10"):
            first, last = sales.parse_period("period", month, today=TODAY)
            assert slow.period_profit(first, last) == engine.period_profit(first, last)
            assert slow.sales_items(first, last).equals(engine.sales_items(first, last))
        since, until = date(2026, 8, 1), date(2026, 10, 31)
        for grain in engine_sales.GRAINS:
            for by in (None, *engine_sales.DIMENSIONS):
                assert slow.sales_trend(grain, by, since, until).equals(engine.sales_trend(grain, by, since, until))
        assert slow.sales_kpis("2026-10-01", "2026-10-31") == engine.sales_kpis("2026-10-01", "2026-10-31")


def test_trends_add_up_to_the_months_of_the_model(engine, store):
    months = engine.sales_trend("month", None)
    by_item = engine.sales_trend("month", "item")
    for row in months.itertuples():
        first = row.period.date()
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        model = sales.period_profit(store, first, last)
        assert (row.revenue_won, row.cogs_won, row.gross_profit_won) == (
            model["revenue_won"],
            model["cogs_won"],
            model["gross_profit_won"],
        )
        assert (row.margin_pct, row.roi_pct) == (model["margin_pct"], model["roi_pct"])
        items = by_item[by_item["period"] == row.period].set_index("item")
        for item in model["items"]:  # each item's month: its own exact COGS, rounded once
            assert items.loc[item["item"], "cogs_won"] == item["cogs_won"]
            assert items.loc[item["item"], "qty"] == item["qty"]
    weekly = engine.sales_trend("week", "channel", "2026-09-07", "2026-10-25")  # Monday to Sunday
    assert set(weekly["channel"]) <= {"cup", "bag", "wholesale"}
    assert (weekly["period"].dt.day_of_week == 0).all()  # Monday weeks
    seven_weeks = sales.period_profit(store, date(2026, 9, 7), date(2026, 10, 25))
    assert weekly["revenue_won"].sum() == seven_weeks["revenue_won"]
    daily = engine.sales_trend("day", "product", "2026-09-07", "2026-10-25")
    assert daily["revenue_won"].sum() == seven_weeks["revenue_won"]
    assert daily["qty"].sum() == sum(i["qty"] for i in seven_weeks["items"])
    with pytest.raises(ValueError):
        engine.sales_trend("fortnight")
    with pytest.raises(ValueError):
        engine.sales_trend("week", "operator; DROP TABLE sales_facts")


def test_kpis_compare_with_the_previous_period(engine, store):
    kpis = engine.sales_kpis("2026-10-01", "2026-10-31")
    october = sales.period_profit(store, date(2026, 10, 1), date(2026, 10, 31))
    september = sales.period_profit(store, date(2026, 9, 1), date(2026, 9, 30))
    assert kpis["current"]["revenue_won"] == october["revenue_won"]
    assert kpis["current"]["gross_profit_won"] == october["gross_profit_won"]
    assert kpis["previous"]["gross_profit_won"] == september["gross_profit_won"]
    assert kpis["previous"]["since"] == date(2026, 9, 1) and kpis["previous"]["until"] == date(2026, 9, 30)
    change = Fraction(october["revenue_won"] - september["revenue_won"], september["revenue_won"]) * 100
    assert (
        kpis["revenue_change_pct"] == float(round(change, 1)) or abs(kpis["revenue_change_pct"] - float(change)) < 0.051
    )
    assert engine_sales.previous_period(date(2026, 10, 5), date(2026, 10, 11)) == (date(2026, 9, 28), date(2026, 10, 4))
    assert engine_sales.previous_period(date(2026, 1, 1), date(2026, 3, 31)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert engine.sales_summary("2026-10-01", "2026-10-31") == kpis["current"]


def test_items_ranked_with_classes_and_menu_points(engine, store):
    first, last = date(2026, 10, 1), date(2026, 10, 31)
    frame = engine.sales_items(first, last)
    model = sales.period_profit(store, first, last)["items"]
    assert frame["item"].tolist() == [i["item"] for i in model]
    assert frame["class"].tolist() == [i["class"] for i in model]
    assert (frame["gross_profit_won"].diff().dropna() <= 0).all()
    assert set(frame["advice"].dropna()) <= {f"sales.class.{c}" for c in ("star", "plowhorse", "puzzle", "dog")}
    for row in frame.itertuples():  # contribution margin: (net − exact COGS) / qty, half-up
        assert abs(row.contribution_margin_won - (row.revenue_won - row.cogs_won) / row.qty) <= 0.5 + 0.5 / row.qty
    points = engine.menu_engineering(first, last)
    assert list(points.columns) == [
        "item", "name_en", "name_ko", "channel", "qty", "contribution_margin_won", "class", "advice"
    ]  # fmt: skip
    assert len(points) == frame["class"].notna().sum()


def test_reconciliation_per_month_with_the_owners_threshold(engine, store):
    rows = engine.sales_reconciliation("2026-08-01", "2026-10-31")
    assert sorted(set(rows["month"])) == [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
    for month, part in rows.groupby("month"):
        last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        model = sales.period_profit(store, month, last)["reconciliation"]
        columns = ["product", "roasted_g", "sold_g", "unexplained_g", "unexplained_pct", "unexplained_won"]
        got = [{k: (None if v != v else v) for k, v in r.items()} for r in part[columns].to_dict("records")]
        assert got == model
    assert (rows["threshold_pct"] == 15.0).all()
    assert rows["attention"].tolist() == [
        r.unexplained_pct is not None and r.unexplained_pct == r.unexplained_pct and r.roasted_g > 0
        and Fraction(r.unexplained_g * 100, r.roasted_g) > 15
        for r in rows.itertuples()
    ]  # fmt: skip
    assert rows["attention"].any()  # the beans roasted for cupping are never sold


def test_the_owners_threshold_is_read_at_load(tmp_path, demo_db):
    copy = tmp_path / "copy.db"
    shutil.copy(demo_db, copy)
    with Analytics(copy) as a:
        before = a.sales_reconciliation("2026-10-01", "2026-10-31")
        conn = db.connect(copy)
        sales.set_unexplained_threshold(conn, "100", user="owner")
        conn.close()
        assert a.refresh()
        after = a.sales_reconciliation("2026-10-01", "2026-10-31")
    assert (after["threshold_pct"] == 100.0).all()
    assert before["attention"].sum() > 0 and after["attention"].sum() == 0  # never more than all of it


def test_demand_forecast_is_the_day_of_week_model_over_sales(engine, store):
    as_of = date(2026, 10, 31)
    found = engine.demand_forecast(as_of, horizon=7).set_index("item")
    rows = sales.list_sales(store, since=as_of - timedelta(days=181), until=as_of)
    item = "CUP-NEW-MOON"
    series = np.zeros(182)
    for r in rows:
        if r["item"] == item:
            series[(date.fromisoformat(r["sold_on"]) - (as_of - timedelta(days=181))).days] += r["qty"]
    expected = forecast.dow_profile(series, as_of.weekday(), 7).sum()
    assert found.loc[item, "forecast_qty"] == round(float(expected), 1)
    assert found.loc[item, "last_week_qty"] == int(series[-7:].sum())


def test_roast_plan_turns_sold_grams_into_green_per_bean(engine):
    as_of = date(2026, 10, 31)
    plan = engine.roast_plan(as_of, days=7)
    products, beans = plan["products"], plan["beans"]
    assert len(products) and len(beans)
    snap = engine.snapshot
    need: dict[str, int] = {}
    codes = dict(zip(snap.beans["bean_id"], snap.beans["code"], strict=True))
    for row in products.itertuples():
        loss = Fraction(str(row.expected_loss_pct))
        assert row.green_g == green_for_roasted(row.roasted_g, loss)
        key = snap.products[snap.products["code"] == row.product].iloc[0]
        parts = engine_sales.standard_costs.recipe_of(snap, key)
        for (bean, _), grams in zip(parts, split_by_parts(row.green_g, [p for _, p in parts]), strict=True):
            need[codes[bean]] = need.get(codes[bean], 0) + grams
    stock = engine.stock(as_of).set_index("code")["stock_g"]
    for row in beans.itertuples():
        assert row.green_needed_g == need[row.bean]
        assert row.stock_g == stock[row.bean]
        assert row.shortfall_g == max(row.green_needed_g - max(row.stock_g, 0), 0)


def test_themoon_profit_runs_through_the_engine_and_equals_the_model(demo_db, store):
    done = subprocess.run(
        [THEMOON, "profit", "--period", "2026-10", "--json", "--db", str(demo_db)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    model = sales.period_profit(store, date(2026, 10, 1), date(2026, 10, 31))
    assert json.loads(done.stdout) == json.loads(json.dumps(model))


# --- small hand-made stores --------------------------------------------------------------------------


def cup(qty: int, net: int | None = None) -> dict:
    net = 5000 * qty if net is None else net
    return {
        "menu_item": "DRIP-FM",
        "qty": qty,
        "gross_won": 5000 * qty,
        "discount_won": 5000 * qty - net,
        "net_won": net,
    }


def bag(qty: int) -> dict:
    return {
        "menu_item": "BAG-FM-200",
        "qty": qty,
        "gross_won": 15_000 * qty,
        "discount_won": 0,
        "net_won": 15_000 * qty,
    }


def test_a_hand_made_store_by_hand(small_cafe, db_path):
    """docs/costing.md's session (Full Moon 5,000 → 4,165 g on 2025-10-10): a cup sold on the roast
    day takes the standard cost, later ones the actual; a refund; the month's reconciliation."""
    conn = small_cafe.conn
    day = date(2025, 10, 10)
    roasting.add_batch(conn, product="FULL-MOON", roasted_on=day, green_g=5000, roasted_g=4165)
    roasting.add_batch(conn, product="KEN-AA", roasted_on=day, green_g=3000, roasted_g=2500)
    roasting.add_batch(conn, product="GUA-ANT", roasted_on=day, green_g=1000, roasted_g=830)
    sales.record_day(conn, day, [cup(10)])
    sales.record_day(conn, date(2025, 10, 20), [cup(30, 140_000), bag(4)])
    sales.record_day(conn, date(2025, 10, 21), [{**cup(-2), "net_won": -10_000}])  # a refund
    with Analytics(db_path) as a:
        got = a.period_profit(date(2025, 10, 1), date(2025, 10, 31))
        assert got == sales.period_profit(conn, date(2025, 10, 1), date(2025, 10, 31))
        standard = Fraction(10591400, 833)  # docs/costing.md §7
        actual = Fraction(104834000, 7497)  # §5
        cogs = 10 * (standard * 20 / 1000 + 150) + 28 * (actual * 20 / 1000 + 150) + 4 * (actual * 200 / 1000 + 800)
        assert got["cogs_won"] == round_won(cogs)
        recon = {r["product"]: r for r in a.sales_reconciliation("2025-10-01", "2025-10-31").to_dict("records")}
        assert recon["FULL-MOON"]["sold_g"] == 38 * 20 + 4 * 200
        assert recon["KEN-AA"]["attention"] and recon["KEN-AA"]["unexplained_pct"] == 100.0


def test_an_empty_store_and_a_store_without_sales(tmp_path):
    path = tmp_path / "empty.db"
    db.connect(path).close()
    with Analytics(path) as a:
        assert a.period_profit("2025-01-01", "2025-01-31")["items"] == []
        assert a.sales_trend("week", "channel").empty
        assert a.sales_items().empty and a.menu_engineering().empty
        assert a.sales_reconciliation("2025-01-01", "2025-01-31").empty
        assert a.demand_forecast("2025-01-31").empty
        assert a.roast_plan("2025-01-31")["beans"].empty
    cafe = tmp_path / "cafe.db"
    conn = db.connect(cafe)
    build_small_cafe(conn)
    roasting.add_batch(conn, product="FULL-MOON", roasted_on=date(2025, 10, 10), green_g=5000, roasted_g=4165)
    with Analytics(cafe) as a:
        got = a.period_profit("2025-10-01", "2025-10-31")
        assert got == sales.period_profit(conn, date(2025, 10, 1), date(2025, 10, 31))
        assert got["reconciliation"][0]["sold_g"] == 0
    conn.close()


# --- any split of the sales into imports gives the same figures ------------------------------------------

SALE_DAYS = [date(2025, 10, 10) + timedelta(days=k) for k in range(0, 40, 3)]
SOURCES = ("pos", "kiosk", "online")


@pytest.fixture(scope="module")
def roasted_cafe(tmp_path_factory):
    """The small café with a few roasting days and the reference sales, imported whole from one file."""
    folder = tmp_path_factory.mktemp("splits")
    base = folder / "base.db"
    conn = db.connect(base)
    build_small_cafe(conn)
    for k, day in enumerate((date(2025, 10, 10), date(2025, 10, 24), date(2025, 11, 7))):
        roasting.add_batch(conn, product="FULL-MOON", roasted_on=day, green_g=5000 + 100 * k, roasted_g=4150 + 91 * k)
    conn.close()
    rng = random.Random(5)
    rows = []
    for day in SALE_DAYS:
        rows.append((day, "DRIP-FM", rng.randint(5, 60), 5000))
        if rng.random() < 0.7:
            rows.append((day, "BAG-FM-200", rng.randint(1, 9), 15_000))
    whole = folder / "whole.db"
    shutil.copy(base, whole)
    _import(whole, {("pos", day): [r for r in rows if r[0] == day] for day in SALE_DAYS}, [list(SALE_DAYS)], folder)
    with Analytics(whole) as a:
        reference = _figures(a)
    assert reference["october"]["revenue_won"] > 0 and len(reference["items"]) == 2
    assert reference["november"]["cogs_won"] > 0 and reference["reconciliation"]
    return base, rows, reference


def _import(path: Path, by_source_day: dict, files: list[list], folder: Path) -> None:
    """Write each file's (source, day) groups as POS exports and import them, file by file."""
    conn = db.connect(path)
    try:
        for n, keys in enumerate(files):
            by_source: dict[str, list] = {}
            for key in keys:
                source, day = key if isinstance(key, tuple) else ("pos", key)
                by_source.setdefault(source, []).extend(by_source_day.get((source, day), []))
            for source, lines in by_source.items():
                export = folder / f"export-{path.stem}-{n}-{source}.csv"
                export.write_text(
                    "date,item,qty,gross,discount,net\n"
                    + "".join(f"{d.isoformat()},{item},{q},{q * price},0,{q * price}\n" for d, item, q, price in lines),
                    encoding="utf-8",
                )
                report = import_sales(conn, export, source=source, today=date(2026, 1, 1))
                assert report.ok, report.as_dict()
    finally:
        conn.close()


def _figures(a: Analytics) -> dict:
    return {
        "october": a.period_profit("2025-10-01", "2025-10-31"),
        "november": a.period_profit("2025-11-01", "2025-11-30"),
        "weeks": a.sales_trend("week", "channel").to_dict("records"),
        "items": a.sales_items().to_dict("records"),
        "reconciliation": a.sales_reconciliation("2025-10-01", "2025-11-30").to_dict("records"),
    }


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6))
def test_any_split_of_the_sales_into_imports_gives_the_same_figures(roasted_cafe, tmp_path_factory, seed):
    base, rows, reference = roasted_cafe
    rng = random.Random(seed)
    by_source_day: dict = {}
    for day, item, qty, price in rows:  # a day's units of an item spread over the tills
        cuts = sorted(rng.randint(0, qty) for _ in range(len(SOURCES) - 1))
        for source, part in zip(SOURCES, np.diff([0, *cuts, qty]), strict=True):
            if part:
                by_source_day.setdefault((source, day), []).append((day, item, int(part), price))
    keys = list(by_source_day)
    rng.shuffle(keys)
    files = [keys[i::3] for i in range(3)]  # three exports, any order
    folder = tmp_path_factory.mktemp("split")
    path = folder / "split.db"
    shutil.copy(base, path)
    _import(path, by_source_day, files, folder)
    _import(path, by_source_day, [files[0]], folder)  # one of them imported twice: replaced, not doubled
    with Analytics(path) as a:
        assert _figures(a) == reference

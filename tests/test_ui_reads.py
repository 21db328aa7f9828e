"""The one read interface of the tabs (themoon/ui/reads.py): chosen once per Context, the engine's
and the store's readers give the same numbers in the same shapes, and what only the engine can
compute comes back as UNAVAILABLE, which every tab says the same way."""

from __future__ import annotations

import pytest
from browser_support import DEMO_TODAY, OWNER, signed_in
from test_ui_overview import SHARED as OVERVIEW_SHARED

from themoon import kpis
from themoon.ui.context import Context
from themoon.ui.reads import UNAVAILABLE, EngineReads, StoreReads, available

# the Overview's numbers both readers give (test_ui_overview's list), and the menu margins
SHARED = (*OVERVIEW_SHARED, "cup_margin_pct", "target_margin_pct", "low_margin_count")


def _no_engine(self, *args, **kwargs):
    raise RuntimeError("no DuckDB here")


@pytest.fixture()
def readers(demo_path):
    ctx = Context(demo_path, today=DEMO_TODAY)
    engine = ctx.reads
    store = StoreReads(ctx.conn)
    yield engine, store
    ctx.close()


def test_the_reader_is_chosen_once(demo_path, monkeypatch):
    ctx = Context(demo_path, today=DEMO_TODAY)
    assert isinstance(ctx.reads, EngineReads) and ctx.reads is ctx.reads
    ctx.close()
    monkeypatch.setattr("themoon.analytics.Analytics.__init__", _no_engine)
    ctx = Context(demo_path, today=DEMO_TODAY)
    assert isinstance(ctx.reads, StoreReads) and not ctx.reads.engine
    ctx.close()


def test_both_readers_give_the_same_numbers(readers):
    engine, store = readers
    assert engine.engine and not store.engine
    assert engine.settings_on(DEMO_TODAY) == store.settings_on(DEMO_TODAY)
    assert engine.green_costs(DEMO_TODAY) == store.green_costs(DEMO_TODAY)
    assert engine.stock() == store.stock()
    assert engine.product_costs(DEMO_TODAY) == store.product_costs(DEMO_TODAY)
    assert engine.menu_costs(DEMO_TODAY) == store.menu_costs(DEMO_TODAY)
    values = {"green_price_change_pct": "15", "dose_change_g": 1, "labour_won_per_hour": "20,000"}
    assert engine.what_if(DEMO_TODAY, **values) == store.what_if(DEMO_TODAY, **values)


@pytest.mark.parametrize("period", ["month", "90d", "year"])
def test_both_readers_give_the_same_overview(readers, period):
    engine, store = readers
    since, until = kpis.period_bounds(period, DEMO_TODAY)
    mine, theirs = engine.overview(since, until), store.overview(since, until)
    assert {k: mine["overview"][k] for k in SHARED} == {k: theirs["overview"][k] for k in SHARED}
    assert mine["menu"] == theirs["menu"] and mine["low_margins"] == theirs["low_margins"]
    assert sorted((r["week"], r["product"], r["roasted_g"]) for r in mine["weekly"]) == sorted(
        (r["week"], r["product"], r["roasted_g"]) for r in theirs["weekly"]
    )  # the charts order the products themselves
    pick = ("bean", "stock_g", "reorder_point_g", "value_won", "low", "short_g")
    assert [{k: r[k] for k in pick} for r in mine["stock"]] == [{k: r[k] for k in pick} for r in theirs["stock"]]
    assert [r["bean"] for r in mine["low_stock"]] == [r["bean"] for r in theirs["low_stock"]]
    assert mine["empty"] is theirs["empty"] is False


def test_what_only_the_engine_computes_is_unavailable_from_the_store(readers):
    engine, store = readers
    assert isinstance(engine.runout(DEMO_TODAY), dict) and engine.runout(DEMO_TODAY)
    assert store.runout(DEMO_TODAY) is UNAVAILABLE and not available(UNAVAILABLE)
    assert list(UNAVAILABLE) == [] and len(UNAVAILABLE) == 0 and not UNAVAILABLE
    data = store.overview(*kpis.period_bounds("month", DEMO_TODAY))
    for key in ("cost_trend", "cost_overall", "loss", "anomalies", "runout"):
        assert not available(data[key]), key
    assert available(data["weekly"]) and available(data["stock"])


def test_without_the_engine_every_tab_reads_and_says_what_is_missing(demo_path, monkeypatch):
    monkeypatch.setattr("themoon.analytics.Analytics.__init__", _no_engine)
    app = signed_in(demo_path, OWNER)
    assert not app.ctx.reads.engine
    overview = app.tab("overview")
    assert overview.message.value == "" and overview.data["overview"]["batches"] > 0
    for key in ("cost", "loss", "stock"):
        assert "analytics engine" in overview.chart_titles[key].value, key
    assert "analytics engine" not in overview.chart_titles["weekly"].value
    assert "analytics engine" in overview.attention.value
    costs = app.tab("costs")
    assert costs.message.value == "" and costs.model.menu and costs.model.set_inputs(green_price_change_pct=10).ok
    catalog = app.tab("catalog")
    assert catalog.message.value == "" and catalog.model.product_costs
    inventory = app.tab("inventory")
    assert inventory.message.value == "" and "analytics engine" in inventory.stock_note.value
    app.set_language("ko")
    assert "분석 엔진" in inventory.stock_note.value and "분석 엔진" in overview.attention.value


def test_with_the_engine_nothing_is_said_missing(demo_path):
    app = signed_in(demo_path, OWNER)
    assert app.ctx.reads.engine
    overview, inventory = app.tab("overview"), app.tab("inventory")
    assert all("analytics engine" not in overview.chart_titles[k].value for k in overview.chart_titles)
    assert "analytics engine" not in overview.attention.value and "analytics engine" not in inventory.stock_note.value

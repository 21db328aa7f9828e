"""The Overview tab without a browser: KPI cards, charts, the attention list, filters, language.
The numbers and judgements are `OverviewModel`'s; a few tests check that the view draws them."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from browser_support import (
    DEMO_TODAY,
    SMALL_SINCE,
    SMALL_UNTIL,
    build_small_db,
)

from themoon import db, kpis
from themoon.ui import charts
from themoon.ui.context import Context
from themoon.ui.forms import is_hidden
from themoon.ui.tabs.overview import CHART_KEYS, KPI_KEYS, OverviewModel, OverviewTab

OWNER = {"id": 1, "username": "owner", "display_name": "Owner", "role": "owner"}
# the numbers the store API gives and the analytics must give too (one place per number)
SHARED = (
    "batches",
    "roasted_g",
    "green_g",
    "avg_loss_pct",
    "weighted_loss_pct",
    "expected_loss_pct",
    "loss_variance_pts",
    "roast_cost_won",
    "avg_cost_per_roasted_kg_won",
    "stock_g",
    "stock_value_won",
    "beans_in_stock",
    "low_stock_count",
    "open_alerts",
    "open_critical_alerts",
)


@pytest.fixture()
def small_path(tmp_path) -> Path:
    path = tmp_path / "small.db"
    build_small_db(path).close()
    return path


def overview(path: Path, today: date, lang: str = "en") -> OverviewTab:
    return OverviewTab(Context(path, lang=lang, today=today, user=OWNER))


@pytest.fixture()
def view(small_path) -> OverviewTab:
    # "this month" on 2026-11-15 is the period the KPI tests worked out by hand
    return overview(small_path, SMALL_UNTIL)


def card(view: OverviewTab, key: str) -> str:
    return view.cards[key]


@pytest.fixture()
def model(small_path) -> OverviewModel:
    m = OverviewModel(Context(small_path, today=SMALL_UNTIL, user=OWNER))
    m.load()
    return m


def test_the_model_holds_the_hand_computed_kpis_and_judges_them(model):
    assert model.bounds() == (SMALL_SINCE, SMALL_UNTIL)
    o = model.data["overview"]
    assert (o["batches"], o["roasted_g"], o["green_g"], o["roast_cost_won"]) == (3, 6580, 8000, 85160)
    assert (o["avg_loss_pct"], o["expected_loss_pct"], o["loss_variance_pts"]) == (17.67, 17.0, 0.67)
    assert (o["avg_cost_per_roasted_kg_won"], o["stock_value_won"], o["beans_in_stock"]) == (12942, 40000, 2)
    assert (o["low_stock_count"], o["open_alerts"], o["cup_margin_pct"]) == (1, 1, None)
    states = model.card_states()
    assert states["low_stock"] == states["alerts"] == "warn" and states["loss"] == "good"
    assert states["cup_margin"] is None and states["roasted"] is None


def test_the_model_filters_and_refuses_unknown_values(model):
    assert not model.set_period("decade") and model.period == "month"
    assert model.set_period("90d") and model.bounds()[0] == date(2026, 8, 18)
    model.load()
    assert model.data["overview"]["batches"] == 4  # the October batch joins
    assert not model.set_product("blend:NO-SUCH") and model.product == ""
    assert model.set_product("bean:KEN")
    model.load()
    assert {r["product"] for r in model.data["weekly"]} == {"KEN"}
    assert model.data["overview"]["batches"] == 4  # the cards are every product's
    with pytest.raises(ValueError):
        OverviewModel(model.ctx, period="decade")


def test_the_model_lists_what_needs_attention(model):
    att = model.attention()
    assert [(a["batch_id"], a["level"], a["direction"]) for a in att.anomalies] == [(3, "WARNING", "HIGH")]
    assert [r["name_en"] for r in att.low_stock] == ["Yirgacheffe"] and att.low_margins == [] and att.more == 0


def test_cards_show_the_hand_computed_kpis(view):
    assert view.message.value == "" and not is_hidden(view.body)
    assert view.bounds() == (SMALL_SINCE, SMALL_UNTIL)
    assert "6.6 kg" in card(view, "roasted") and "from 8.0 kg of green coffee" in card(view, "roasted")
    assert ">3<" in card(view, "batches") and "₩85,160" in card(view, "batches")
    assert "17.7%" in card(view, "loss") and "expected 17.0% · +0.7 pt" in card(view, "loss")
    assert "₩12,942" in card(view, "cost_kg")
    assert "₩40,000" in card(view, "stock_value") and "6.0 kg in 2 beans" in card(view, "stock_value")
    assert ">1<" in card(view, "low_stock") and ">1<" in card(view, "alerts")
    assert "no priced cup items" in card(view, "cup_margin")  # the tiny café has no menu
    assert view.card_states["low_stock"] == view.card_states["alerts"] == "warn"
    assert view.card_states["loss"] == "good"
    assert 'class="themoon-kpi themoon-kpi-low_stock themoon-kpi--warn"' in view.kpis.value


def test_the_analytics_numbers_are_the_store_numbers(demo_path):
    """The Overview reads the analytics engine; its numbers equal the store API's (kpis.overview)."""
    view = overview(demo_path, DEMO_TODAY)
    conn = db.connect(demo_path)
    for period in ("month", "30d", "90d", "year"):
        view.set_period(period)
        since, until = view.bounds()
        store = kpis.overview(conn, since, until)
        shown = view.data["overview"]
        assert {k: shown[k] for k in SHARED} == {k: store[k] for k in SHARED}, period
    conn.close()


def test_every_part_has_its_dom_hook(view):
    assert "themoon-kpis" in view.kpis._dom_classes
    for key in KPI_KEYS:
        assert f'class="themoon-kpi themoon-kpi-{key}' in view.kpis.value
    for key, box in view.chart_cards.items():
        assert {"themoon-chart", f"themoon-chart-{key}"} <= set(box._dom_classes)
    assert {"themoon-tab", "themoon-tab-overview"} <= set(view.widget._dom_classes)
    assert "themoon-attention" in view.attention._dom_classes


def test_four_charts_are_plain_figures_in_outputs(view):
    assert set(view.figures) == set(CHART_KEYS)
    for key in CHART_KEYS:
        charts.as_go(view.figures[key])  # valid plotly
        value = view.chart_outputs[key].value
        assert value.startswith('<div class="themoon-plotly"') and "data-figure=" in value
    weekly = view.figures["weekly"]
    assert weekly["layout"]["barmode"] == "stack"
    assert [trace["name"] for trace in weekly["data"]] == ["Yirgacheffe", "Kenya Masai AA"]
    assert weekly["data"][0]["y"] == [4.15, 0.85]  # weeks of 11/02, 11/09 (the 10/26 week holds only Sunday 11/01)
    stock = view.figures["stock"]
    assert [trace["type"] for trace in stock["data"]] == ["bar", "bar", "scatter"]
    assert stock["data"][2]["x"] == [5.0, 1.5]  # reorder points
    assert stock["data"][0]["orientation"] == "h"  # names readable on a phone
    loss = view.figures["loss"]
    assert {trace["name"] for trace in loss["data"]} == {"Yirgacheffe", "Kenya Masai AA"}
    assert loss["layout"]["shapes"][0]["y0"] == 17.0  # the expected loss line
    cost = view.figures["cost"]
    assert cost["data"][-1]["name"] == "All products"


def test_the_attention_list(view):
    text = view.attention.value
    assert "Needs attention" in text
    assert "Kenya Masai AA · batch #3 on 2026-11-02" in text  # the +4 pt batch: an open warning
    assert "Warning high" in text
    assert "Yirgacheffe" in text and "4.0 kg left, reorder point 5.0 kg" in text


def test_period_change_updates_the_kpis(view):
    view.ctx.lang = "ko"
    view.period_toggle.value = "90d"  # 2026-08-18 … 2026-11-15: the October batch joins
    assert view.period == "90d"
    assert view.data["overview"]["batches"] == 4
    assert ">4<" in card(view, "batches") and "7.4 kg" in card(view, "roasted")
    assert "로스팅량" in card(view, "roasted")  # the language survives the period change
    assert "2026-08-18" in view.footer.value


def test_product_filter_narrows_the_charts_not_the_cards(view):
    cards = dict(view.data["overview"])
    view.product_filter.value = "bean:KEN"
    assert view.product == "bean:KEN"
    assert [trace["name"] for trace in view.figures["weekly"]["data"]] == ["Kenya Masai AA"]
    assert [trace["name"] for trace in view.figures["loss"]["data"]] == ["Kenya Masai AA"]
    assert view.data["overview"]["batches"] == cards["batches"]


def test_values_from_the_browser_are_never_trusted(view):
    view.set_period("decade")
    assert view.period == "month"
    view.set_product("blend:NO-SUCH")
    assert view.product == ""
    with pytest.raises(ValueError):
        OverviewTab(view.ctx, period="decade")


def test_period_without_roasts(small_path):
    view = overview(small_path, date(2026, 9, 30))
    assert ">0<" in card(view, "batches")
    assert "no roasts in this period" in card(view, "roasted")
    assert "expected 17.0%" in card(view, "loss")
    assert "No roasts in this period." in view.chart_titles["weekly"].value


def test_empty_store(tmp_path):
    path = tmp_path / "empty.db"
    db.connect(path).close()
    view = overview(path, date(2026, 11, 15))
    assert "No data yet" in view.message.value and is_hidden(view.body)


def test_language_relabels_from_what_was_read(view):
    view.ctx.lang = "ko"
    view.set_language("ko")
    assert "로스팅량" in card(view, "roasted") and "+0.7%p" in card(view, "loss")
    assert [label for label, _ in view.period_toggle.options][:2] == ["이번 달", "최근 30일"]
    assert "주별 로스팅량" in view.chart_titles["weekly"].value
    assert [trace["name"] for trace in view.figures["weekly"]["data"]] == ["예가체프", "마사이"]
    assert "확인이 필요한 항목" in view.attention.value
    assert view.refresh_button.description == "새로고침"


def test_an_unchanged_chart_is_not_sent_again(view):
    sent = {key: view.chart_outputs[key].value for key in CHART_KEYS}
    view.refresh()
    assert all(view.chart_outputs[key].value is sent[key] for key in CHART_KEYS)
    view.set_period("90d")
    assert view.chart_outputs["weekly"].value != sent["weekly"]  # a changed chart is sent


def test_filter_changes_are_fast(demo_path):
    view = overview(demo_path, DEMO_TODAY)
    for period in ("90d", "year", "month"):
        started = time.perf_counter()
        view.set_period(period)
        assert time.perf_counter() - started < 1.5  # ~50 ms here; the 1M-batch figure is in benchmarks/
    view.set_product("blend:FULL-MOON")
    assert view.timings["refresh"] < 1.5


def test_cup_margin_and_low_margins_on_the_demo(demo_path):
    view = overview(demo_path, DEMO_TODAY)
    o = view.data["overview"]
    menu = view.data["menu"]
    assert o["cup_margin_pct"] == kpis.average_margin(menu, "cup") and o["target_margin_pct"] == 60.0
    assert o["low_margin_count"] == len(kpis.low_margins(menu, 60.0))
    assert "target 60.0%" in card(view, "cup_margin")

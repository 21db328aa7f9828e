"""The Costs & prices tab without a browser: product and menu costs, margins against the target,
and the what-if panel (validated inputs, nothing written). The tests drive `CostsModel`; a few
check that the view binds its widgets to it."""

from __future__ import annotations

import pytest
from browser_support import DEMO_TODAY, OWNER, VIEWER, signed_in
from conftest import db_checksum

from themoon import db
from themoon import price_list as costs
from themoon.analytics import Analytics
from themoon.models import ValidationError
from themoon.ui import charts
from themoon.ui.tabs.costs import CostsModel


@pytest.fixture()
def tab(demo_path):
    return signed_in(demo_path, OWNER).tab("costs")


@pytest.fixture()
def model(tab) -> CostsModel:
    return tab.model


def test_product_and_menu_costs_are_the_package_numbers(model, tab, demo_path):
    conn = db.connect(demo_path)
    assert model.menu == costs.menu_costs(conn, on=DEMO_TODAY)
    store = {r["product"]: r for r in costs.product_costs(conn, on=DEMO_TODAY)}
    conn.close()
    for row in model.products:
        assert row["cost_per_kg"] == store[row["product"]]["cost_per_kg"]
    assert model.target == 60.0
    assert any(model.margin_state(r["margin_pct"]) in ("low", "bad") for r in model.menu)  # items under 60 %
    assert "Full Moon" in tab.products_table.value and "200 g bag" in tab.products_table.value
    assert "below target" in tab.menu_table.value


def test_channel_filter(model, tab):
    model.set_channel("cup")
    assert {r["channel"] for r, _ in model.shown_menu()} == {"cup"}
    model.set_channel("<script>")  # a value from the browser: ignored
    assert model.channel == "cup"
    tab.channel.value = "bag"  # the view binds its toggle to the model
    assert model.channel == "bag" and {r["channel"] for r, _ in model.shown_menu()} == {"bag"}


def test_what_if_recomputes_every_margin_and_writes_nothing(model, tab, demo_path):
    conn = db.connect(demo_path)
    before = db_checksum(conn)
    assert model.set_inputs(green_price_change_pct=20, dose_change_g=2).ok
    expected = costs.what_if(conn, green_price_change_pct=20, dose_change_g=2, on=DEMO_TODAY)
    assert model.scenario == expected
    cups_now = [r["margin_pct"] for r, _ in model.shown_menu() if r["channel"] == "cup"]
    cups_then = [w["margin_pct"] for r, w in model.shown_menu() if r["channel"] == "cup"]
    assert all(then < now for now, then in zip(cups_now, cups_then, strict=True))
    summary = model.summary()
    assert summary is not None and summary.avg_cup[1] < summary.avg_cup[0]
    tab.w_green.value = 20  # the widgets drive the same model: the view shows it
    tab.w_dose.value = 2
    assert model.scenario == expected
    assert "→" in tab.w_summary.value and "What-if margin" in tab.menu_table.value
    charts.as_go(tab.figure)
    model.set_inputs(expected_loss_pct="18.5", labour_won_per_hour="20,000", energy_won_per_session="6000")
    assert model.scenario == costs.what_if(
        conn,
        green_price_change_pct=20,
        dose_change_g=2,
        expected_loss_pct="18.5",
        labour_won_per_hour="20,000",
        energy_won_per_session="6000",
        on=DEMO_TODAY,
    )
    assert db_checksum(conn) == before
    conn.close()
    assert model.reset().ok
    assert [w["margin_pct"] for _, w in model.shown_menu()] == [r["margin_pct"] for r, _ in model.shown_menu()]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("expected_loss_pct", "abc"),
        ("expected_loss_pct", "100"),
        ("labour_won_per_hour", "-5"),
        ("energy_won_per_session", "lots"),
        ("labour_won_per_hour", "1e99"),
    ],
)
def test_a_bad_what_if_input_comes_back_naming_its_field(model, name, value):
    outcome = model.set_inputs(**{name: value})
    assert not outcome.ok and outcome.error is not None and outcome.error.field == name
    assert model.scenario is None and model.summary() is None
    assert model.set_inputs(**{name: ""}).ok and model.scenario is not None  # corrected: margins again


@pytest.mark.parametrize(("field", "value"), [("w_loss", "abc"), ("w_labour", "-5")])
def test_the_view_shows_a_bad_what_if_input_next_to_its_field(tab, field, value):
    getattr(tab, field).value = value
    name = getattr(tab, field).name
    assert tab.whatif_form.errors.keys() == {name}
    assert tab.model.scenario is None and tab.w_summary.value == "" and tab.w_out.value == ""
    assert tab.message.value == ""  # a bad input is not a failed read (it used to be, with a stale chart)
    getattr(tab, field).value = ""
    assert tab.whatif_form.errors == {} and tab.w_summary.value != "" and "data-figure=" in tab.w_out.value


@pytest.mark.parametrize(
    "values",
    [
        {"green_price_change_pct": "-95"},
        {"green_price_change_pct": "x"},
        {"expected_loss_pct": "0"},
        {"expected_loss_pct": "16.725"},
        {"labour_won_per_hour": "1.5"},
        {"energy_won_per_session": ""},
        {"dose_change_g": "200"},
        {"dose_change_g": 2},
    ],
)
def test_the_engine_validates_what_if_inputs_exactly_as_costs_what_if(demo_path, values):
    """The tab hands widget values to Analytics.what_if: same answers, same refusals as the store's."""
    conn, engine = db.connect(demo_path), Analytics(demo_path)
    results = []
    try:
        for fn in (
            lambda: costs.what_if(conn, on=DEMO_TODAY, **values),
            lambda: engine.what_if(on=DEMO_TODAY, **values),
        ):
            try:
                results.append(("ok", fn()))
            except ValidationError as error:
                results.append(("error", (error.field, error.message)))
    finally:
        conn.close()
        engine.close()
    assert results[0] == results[1]


def test_viewer_may_use_the_what_if(demo_path):
    model = signed_in(demo_path, VIEWER).tab("costs").model
    assert model.set_inputs(green_price_change_pct=-10).ok
    assert model.scenario is not None


def test_korean_labels(tab):
    tab.ctx.lang = "ko"
    tab.set_language("ko")
    assert "가정 시뮬레이션" in tab.w_title.value and "마진율" in tab.menu_table.value
    assert [label for label, _ in tab.channel.options] == ["전체", "음료", "원두 판매", "납품"]

"""The Costs & prices tab without a browser: product and menu costs, margins against the target,
and the what-if panel (validated inputs, nothing written)."""

from __future__ import annotations

import pytest
from browser_support import DEMO_TODAY, OWNER, VIEWER, signed_in
from conftest import db_checksum

from themoon import db
from themoon import price_list as costs
from themoon.analytics import Analytics
from themoon.models import ValidationError
from themoon.ui import charts


@pytest.fixture()
def tab(demo_path):
    return signed_in(demo_path, OWNER).tab("costs")


def test_product_and_menu_costs_are_the_package_numbers(tab, demo_path):
    conn = db.connect(demo_path)
    assert tab.menu == costs.menu_costs(conn, on=DEMO_TODAY)
    store = {r["product"]: r for r in costs.product_costs(conn, on=DEMO_TODAY)}
    conn.close()
    for row in tab.products:
        assert row["cost_per_kg"] == store[row["product"]]["cost_per_kg"]
    assert tab.target == 60.0
    assert "Full Moon" in tab.products_table.value and "200 g bag" in tab.products_table.value
    assert "below target" in tab.menu_table.value  # the demo has items under 60 %


def test_channel_filter(tab):
    tab.channel.value = "cup"
    assert {r["channel"] for r, _ in tab.shown_menu()} == {"cup"}
    assert "Bag" not in tab.menu_table.value.replace("Bags", "")


def test_what_if_recomputes_every_margin_and_writes_nothing(tab, demo_path):
    conn = db.connect(demo_path)
    before = db_checksum(conn)
    tab.w_green.value = 20
    tab.w_dose.value = 2
    expected = costs.what_if(conn, green_price_change_pct=20, dose_change_g=2, on=DEMO_TODAY)
    assert tab.scenario == expected
    cups_now = [r["margin_pct"] for r, _ in tab.shown_menu() if r["channel"] == "cup"]
    cups_then = [w["margin_pct"] for r, w in tab.shown_menu() if r["channel"] == "cup"]
    assert all(then < now for now, then in zip(cups_now, cups_then, strict=True))
    assert "→" in tab.w_summary.value and "What-if margin" in tab.menu_table.value
    charts.as_go(tab.figure)
    tab.w_loss.value, tab.w_labour.value, tab.w_energy.value = "18.5", "20,000", "6000"
    assert tab.scenario == costs.what_if(
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
    tab.reset()
    assert [w["margin_pct"] for _, w in tab.shown_menu()] == [r["margin_pct"] for r, _ in tab.shown_menu()]


@pytest.mark.parametrize(
    ("field", "value"),
    [("w_loss", "abc"), ("w_loss", "100"), ("w_labour", "-5"), ("w_energy", "lots"), ("w_labour", "1e99")],
)
def test_a_bad_what_if_input_is_shown_next_to_its_field(tab, field, value):
    getattr(tab, field).value = value
    name = getattr(tab, field).name
    assert tab.whatif_form.errors.keys() == {name}
    assert tab.scenario is None and tab.w_summary.value == ""


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
    tab = signed_in(demo_path, VIEWER).tab("costs")
    tab.w_green.value = -10
    assert tab.scenario is not None and tab.whatif_form.errors == {}


def test_korean_labels(tab):
    tab.ctx.lang = "ko"
    tab.set_language("ko")
    assert "가정 시뮬레이션" in tab.w_title.value and "마진율" in tab.menu_table.value
    assert [label for label, _ in tab.channel.options] == ["전체", "음료", "원두 판매", "납품"]

"""The Green inventory tab without a browser: stock, purchases, stocktakes, the ledger. The tests
drive `InventoryModel` and look at the store from another process; a few click the view's
buttons to check the binding (every bad field marked at once)."""

from __future__ import annotations

from datetime import date

import pytest
from browser_support import OWNER, STAFF, VIEWER, count, count_outside, outside, signed_in

from themoon import db, inventory
from themoon.ui.forms import is_hidden
from themoon.ui.tabs.inventory import InventoryModel

DAY = date(2026, 11, 14)


PURCHASE = {"bean": "ETH-URAGA", "purchased_on": DAY, "grams": "1000", "total_won": "5000"}


@pytest.fixture()
def tab(demo_path):
    return signed_in(demo_path, OWNER).tab("inventory")


@pytest.fixture()
def model(tab) -> InventoryModel:
    return tab.model


def test_stock_is_the_store_stock_with_run_out_dates(model, tab, demo_path):
    conn = db.connect(demo_path)
    store = {r["bean"]: r for r in inventory.stock(conn)}
    conn.close()
    shown = {r["bean"]: r for r in model.stock_rows}
    assert shown.keys() == store.keys()
    for code, row in store.items():
        for key in ("stock_g", "value_won", "avg_cost_per_kg_won", "reorder_point_g", "low"):
            assert shown[code][key] == row[key], (code, key)
    assert model.runout_known and model.runout
    assert all(d is None or d >= date(2026, 11, 15) for d in model.runout.values())
    lines = model.stock_lines()
    assert any(line.runout is not None and line.days_left >= 0 for line in lines)
    assert any(line.status == "low" for line in lines)  # the demo leaves beans low
    assert "Runs out" in tab.stock_table.value and "at moving-average cost" in tab.stock_note.value
    assert "themoon-row--low" in tab.stock_table.value


def test_record_a_purchase(model, demo_path):
    before = count(demo_path, "purchases")
    assert model.unit_price(10_000, 62_000) == 6200 and model.unit_price(None, 62_000) is None
    outcome = model.save_purchase({**PURCHASE, "bean": "ETH-YIRGACHEFFE", "grams": "10,000", "total_won": "62000"})
    assert outcome.ok and isinstance(outcome.value, int)
    assert count(demo_path, "purchases") == before + 1
    assert outside(demo_path, "SELECT id, grams FROM purchases ORDER BY id DESC LIMIT 1") == [(outcome.value, 10000)]


def test_the_purchase_form_is_bound_to_the_model(tab, demo_path):
    before = count(demo_path, "purchases")
    tab.p_bean.value, tab.p_day.value = "ETH-YIRGACHEFFE", DAY
    tab.p_grams.value, tab.p_total.value = "10,000", "62000"
    assert "₩6,200 per kg" in tab.p_unit.value
    tab.p_supplier.value = "Seoul Green"
    tab.p_save.click()
    assert "Purchase #" in tab.purchase_form.status.value
    assert count(demo_path, "purchases") == before + 1
    assert tab.p_grams.value == "" and tab.p_supplier.value == "Seoul Green"


@pytest.mark.parametrize(("field", "value"), [("bean", ""), ("grams", "ten kilos"), ("total_won", "-5")])
def test_bad_purchases_are_refused_naming_the_field(model, demo_path, field, value):
    before = count(demo_path, "purchases")
    outcome = model.save_purchase({**PURCHASE, field: value})
    assert not outcome.ok and outcome.error.field == field
    assert count(demo_path, "purchases") == before
    assert model.save_purchase(PURCHASE).ok  # corrected, it saves: seen from another process (the positive control)
    assert count(demo_path, "purchases") == before + 1


def test_a_stocktake_books_the_difference(model, tab, demo_path):
    conn = db.connect(demo_path)
    book = inventory.stock_g(conn, 4, DAY)
    conn.close()
    assert model.book_stock("ETH-URAGA", DAY) == book
    before = count(demo_path, "stock_adjustments")
    count_values = {"bean": "ETH-URAGA", "on": DAY, "counted_g": str(book - 120), "reason": ""}
    outcome = model.save_stocktake(count_values, "stocktake")
    assert outcome.ok and outcome.value is not None
    assert count(demo_path, "stock_adjustments") == before + 1
    assert outside(demo_path, "SELECT delta_g FROM stock_adjustments ORDER BY id DESC LIMIT 1") == [(-120,)]
    outcome = model.save_stocktake(count_values, "stocktake")  # the same count again: nothing to adjust
    assert outcome.ok and outcome.value is None
    assert count(demo_path, "stock_adjustments") == before + 1
    tab.s_bean.value, tab.s_day.value = "ETH-URAGA", DAY  # the view shows the book and the difference
    tab.s_counted.value = str(book - 220)
    assert f"{book - 120:,} g" in tab.s_book.value and "difference -100 g" in tab.s_book.value
    tab.s_save.click()
    assert "difference was booked" in tab.stocktake_form.status.value
    assert count(demo_path, "stock_adjustments") == before + 2


def test_a_bad_count_is_refused_naming_the_field(model, demo_path):
    before = count(demo_path, "stock_adjustments")
    outcome = model.save_stocktake({"bean": "ETH-URAGA", "on": DAY, "counted_g": "about 5 kg"}, "stocktake")
    assert not outcome.ok and outcome.error.field == "counted_g"
    assert count(demo_path, "stock_adjustments") == before
    outcome = model.save_stocktake({"bean": "ETH-URAGA", "on": DAY, "counted_g": "1"}, "stocktake")
    assert outcome.ok  # corrected (and not the book stock), it saves: the positive control
    assert count(demo_path, "stock_adjustments") == before + 1


def test_the_ledger_of_one_bean(model, tab, demo_path):
    model.set_ledger_bean("ETH-URAGA")
    conn = db.connect(demo_path)
    ledger = inventory.ledger(conn, "ETH-URAGA")
    conn.close()
    assert model.ledger_rows[0] == ledger[-1] and model.ledger_total == len(ledger)  # newest first
    tab.l_bean.value = "ETH-URAGA"
    assert "Purchase" in tab.ledger_table.value and "Roast" in tab.ledger_table.value


def test_staff_records_purchases_and_counts_viewer_does_not(demo_path):
    staff = signed_in(demo_path, STAFF).tab("inventory")
    assert not is_hidden(staff.purchase_card) and not is_hidden(staff.stocktake_card)
    viewer = signed_in(demo_path, VIEWER).tab("inventory")
    assert is_hidden(viewer.purchase_card) and is_hidden(viewer.stocktake_card)
    before = count(demo_path, "purchases")
    outcome = viewer.model.save_purchase(PURCHASE)
    assert not outcome.ok and outcome.said is not None and outcome.said.key == "err.denied"
    assert count(demo_path, "purchases") == before
    assert staff.model.save_purchase(PURCHASE).ok  # the same purchase by staff is saved (the positive control)
    assert count(demo_path, "purchases") == before + 1


def test_without_the_engine_run_out_dates_are_said_to_be_unavailable(demo_path, monkeypatch):
    monkeypatch.setattr("themoon.analytics.Analytics.__init__", _broken)
    app = signed_in(demo_path, OWNER)
    assert not app.ctx.reads.engine
    tab = app.tab("inventory")
    assert not tab.model.runout_known and all(line.runout is None for line in tab.model.stock_lines())
    assert "analytics engine" in tab.stock_note.value
    conn = db.connect(demo_path)
    assert [r["stock_g"] for r in tab.model.stock_rows] == [r["stock_g"] for r in inventory.stock(conn)]
    conn.close()


def _broken(self, *args, **kwargs):
    raise RuntimeError("no DuckDB here")


def test_korean_labels(tab):
    tab.ctx.lang = "ko"
    tab.set_language("ko")
    assert "원두별 생두 재고" in tab.stock_title.value and "소진 예상" in tab.stock_table.value
    assert tab.p_save.description == "입고 저장"


# --- every whole-number field as typed (issue #11) ----------------------------------------------------


def fill_purchase(tab, grams="1000", total="5000"):
    tab.p_bean.value, tab.p_day.value, tab.p_grams.value, tab.p_total.value = "ETH-URAGA", DAY, grams, total


def test_every_bad_purchase_field_is_marked_at_once(tab, demo_path):
    before = count_outside(demo_path, "purchases")
    fill_purchase(tab, grams="10kg", total="abc")
    tab.p_bean.value = ""
    tab.p_save.click()
    assert tab.purchase_form.errors.keys() == {"bean", "grams", "total_won"}
    assert "whole number" in tab.p_total.error.value and "whole number" in tab.p_grams.error.value
    assert count_outside(demo_path, "purchases") == before
    tab.p_total.value = "62,000"  # fixed: its error goes at once, the others stay
    assert tab.purchase_form.errors.keys() == {"bean", "grams"}
    tab.p_bean.value, tab.p_grams.value = "ETH-URAGA", "5,000"
    assert tab.purchase_form.errors == {}
    tab.p_save.click()
    assert count_outside(demo_path, "purchases") == before + 1
    assert outside(demo_path, "SELECT grams, total_won FROM purchases ORDER BY id DESC LIMIT 1") == [(5000, 62000)]


@pytest.mark.parametrize("field", ["p_grams", "p_total"])
@pytest.mark.parametrize("typed", ["abc", "3000.7", "-5", "1e3", "99999999999", "5,00"])
def test_whole_number_purchase_fields_refuse_text_fractions_negatives_and_absurd_values(tab, demo_path, field, typed):
    before = count_outside(demo_path, "purchases")
    fill_purchase(tab)
    getattr(tab, field).value = typed
    tab.p_save.click()
    assert tab.purchase_form.errors.keys() == {getattr(tab, field).name}
    assert count_outside(demo_path, "purchases") == before
    getattr(tab, field).value = "1,000"  # the positive control: the same form then saves
    tab.p_save.click()
    assert count_outside(demo_path, "purchases") == before + 1


def test_a_stocktake_count_is_whole_grams_as_typed(tab, demo_path):
    before = count_outside(demo_path, "stock_adjustments")
    tab.s_bean.value, tab.s_day.value = "ETH-URAGA", DAY
    for bad in ("abc", "7499.5", "-1", "7.5kg"):
        tab.s_counted.value = bad
        tab.s_save.click()
        assert tab.stocktake_form.errors.keys() == {"counted_g"}, bad
    assert count_outside(demo_path, "stock_adjustments") == before
    tab.s_counted.value = "7,400"
    assert tab.stocktake_form.errors == {}
    tab.s_save.click()
    assert count_outside(demo_path, "stock_adjustments") == before + 1
    assert outside(demo_path, "SELECT delta_g FROM stock_adjustments ORDER BY id DESC LIMIT 1") == [(-100,)]


def test_a_model_action_tells_the_other_tabs_itself(demo_path):
    """A purchase saved through the model alone (no view, as a script or the kernel worker would)
    is announced through the Context; a refused one is not. The app's own Costs tab redraws."""
    app = signed_in(demo_path, OWNER)
    model = InventoryModel(app.ctx)
    heard: list[tuple[str, object]] = []
    app.ctx.subscribe(lambda what, origin: heard.append((what, origin)))
    before = count_outside(demo_path, "purchases")
    assert not model.save_purchase({**PURCHASE, "grams": "ten kilos"}).ok
    assert heard == [] and count_outside(demo_path, "purchases") == before
    assert model.save_purchase(PURCHASE).ok  # the positive control: saved, seen from another process
    assert count_outside(demo_path, "purchases") == before + 1
    assert heard == [("stock", model)]  # the origin is the model itself: every tab reads again


def test_the_view_is_the_origin_of_its_models_news(tab, demo_path):
    """Clicking Save announces the change once, from the tab (which redraws itself, once)."""
    heard: list[tuple[str, object]] = []
    tab.ctx.subscribe(lambda what, origin: heard.append((what, origin)))
    tab.p_bean.value, tab.p_day.value = "ETH-URAGA", DAY
    tab.p_grams.value, tab.p_total.value = "1000", "5000"
    before = count_outside(demo_path, "purchases")
    tab.p_save.click()
    assert count_outside(demo_path, "purchases") == before + 1
    assert heard == [("stock", tab)]

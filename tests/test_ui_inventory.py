"""The Green inventory tab without a browser: stock, purchases, stocktakes, the ledger."""

from __future__ import annotations

from datetime import date

import pytest
from browser_support import OWNER, STAFF, VIEWER, count, count_outside, outside, signed_in

from themoon import db, inventory
from themoon.ui.forms import is_hidden

DAY = date(2026, 11, 14)


@pytest.fixture()
def tab(demo_path):
    return signed_in(demo_path, OWNER).tab("inventory")


def test_stock_is_the_store_stock_with_run_out_dates(tab, demo_path):
    conn = db.connect(demo_path)
    store = {r["bean"]: r for r in inventory.stock(conn)}
    conn.close()
    shown = {r["bean"]: r for r in tab.stock_rows}
    assert shown.keys() == store.keys()
    for code, row in store.items():
        for key in ("stock_g", "value_won", "avg_cost_per_kg_won", "reorder_point_g", "low"):
            assert shown[code][key] == row[key], (code, key)
    assert tab.runout and all(d is None or d >= date(2026, 11, 15) for d in tab.runout.values())
    assert "Runs out" in tab.stock_table.value and "at moving-average cost" in tab.stock_note.value
    assert "themoon-row--low" in tab.stock_table.value  # the demo leaves two beans low


def test_record_a_purchase(tab, demo_path):
    before = count(demo_path, "purchases")
    tab.p_bean.value, tab.p_day.value = "ETH-YIRGACHEFFE", DAY
    tab.p_grams.value, tab.p_total.value = "10,000", "62000"
    assert "₩6,200 per kg" in tab.p_unit.value
    tab.p_supplier.value = "Seoul Green"
    tab._save_purchase()
    assert "Purchase #" in tab.purchase_form.status.value
    assert count(demo_path, "purchases") == before + 1
    assert tab.p_grams.value == "" and tab.p_supplier.value == "Seoul Green"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [("p_bean", "", "bean"), ("p_grams", "ten kilos", "grams"), ("p_total", "-5", "total_won")],
)
def test_bad_purchases_are_refused_next_to_the_field(tab, demo_path, field, value, error):
    before = count(demo_path, "purchases")
    tab.p_bean.value, tab.p_day.value, tab.p_grams.value, tab.p_total.value = "ETH-URAGA", DAY, "1000", "5000"
    getattr(tab, field).value = value
    tab._save_purchase()
    assert tab.purchase_form.errors.keys() == {error}
    assert count(demo_path, "purchases") == before
    getattr(tab, field).value = {"p_bean": "ETH-URAGA", "p_grams": "1000", "p_total": "5000"}[field]
    tab._save_purchase()  # corrected, it saves: seen from another process (the positive control)
    assert "Purchase #" in tab.purchase_form.status.value
    assert count(demo_path, "purchases") == before + 1


def test_a_stocktake_books_the_difference(tab, demo_path):
    tab.s_bean.value, tab.s_day.value = "ETH-URAGA", DAY
    conn = db.connect(demo_path)
    book = inventory.stock_g(conn, 4, DAY)
    conn.close()
    assert f"{book:,} g" in tab.s_book.value
    tab.s_counted.value = str(book - 120)
    assert "difference -120 g" in tab.s_book.value
    before = count(demo_path, "stock_adjustments")
    tab._save_stocktake()
    assert "difference was booked" in tab.stocktake_form.status.value
    assert count(demo_path, "stock_adjustments") == before + 1
    tab.s_counted.value = str(book - 120)  # the same count again: nothing to adjust
    tab._save_stocktake()
    assert "matches the book" in tab.stocktake_form.status.value


def test_a_bad_count_is_refused_next_to_the_field(tab, demo_path):
    before = count(demo_path, "stock_adjustments")
    tab.s_bean.value, tab.s_counted.value = "ETH-URAGA", "about 5 kg"
    tab._save_stocktake()
    assert tab.stocktake_form.errors.keys() == {"counted_g"}
    assert count(demo_path, "stock_adjustments") == before
    tab.s_counted.value = "1"  # corrected (and not the book stock), it saves: the positive control
    tab._save_stocktake()
    assert "difference was booked" in tab.stocktake_form.status.value
    assert count(demo_path, "stock_adjustments") == before + 1


def test_the_ledger_of_one_bean(tab, demo_path):
    tab.l_bean.value = "ETH-URAGA"
    conn = db.connect(demo_path)
    ledger = inventory.ledger(conn, "ETH-URAGA")
    conn.close()
    assert tab.ledger_rows[0] == ledger[-1]  # newest first
    assert "Purchase" in tab.ledger_table.value and "Roast" in tab.ledger_table.value


def test_staff_records_purchases_and_counts_viewer_does_not(demo_path):
    staff = signed_in(demo_path, STAFF).tab("inventory")
    assert not is_hidden(staff.purchase_card) and not is_hidden(staff.stocktake_card)
    viewer = signed_in(demo_path, VIEWER).tab("inventory")
    before = count(demo_path, "purchases")
    viewer.p_bean.value, viewer.p_grams.value, viewer.p_total.value = "ETH-URAGA", "1000", "5000"
    viewer._save_purchase()
    assert "does not allow" in viewer.purchase_form.status.value
    assert count(demo_path, "purchases") == before
    staff.p_bean.value, staff.p_day.value, staff.p_grams.value, staff.p_total.value = "ETH-URAGA", DAY, "1000", "5000"
    staff._save_purchase()  # the same purchase by staff is saved (the positive control)
    assert count(demo_path, "purchases") == before + 1


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
    tab._save_purchase()
    assert tab.purchase_form.errors.keys() == {"bean", "grams", "total_won"}
    assert "whole number" in tab.p_total.error.value and "whole number" in tab.p_grams.error.value
    assert count_outside(demo_path, "purchases") == before
    tab.p_total.value = "62,000"  # fixed: its error goes at once, the others stay
    assert tab.purchase_form.errors.keys() == {"bean", "grams"}
    tab.p_bean.value, tab.p_grams.value = "ETH-URAGA", "5,000"
    assert tab.purchase_form.errors == {}
    tab._save_purchase()
    assert count_outside(demo_path, "purchases") == before + 1
    assert outside(demo_path, "SELECT grams, total_won FROM purchases ORDER BY id DESC LIMIT 1") == [(5000, 62000)]


@pytest.mark.parametrize("field", ["p_grams", "p_total"])
@pytest.mark.parametrize("typed", ["abc", "3000.7", "-5", "1e3", "99999999999", "5,00"])
def test_whole_number_purchase_fields_refuse_text_fractions_negatives_and_absurd_values(tab, demo_path, field, typed):
    before = count_outside(demo_path, "purchases")
    fill_purchase(tab)
    getattr(tab, field).value = typed
    tab._save_purchase()
    assert tab.purchase_form.errors.keys() == {getattr(tab, field).name}
    assert count_outside(demo_path, "purchases") == before
    getattr(tab, field).value = "1,000"  # the positive control: the same form then saves
    tab._save_purchase()
    assert count_outside(demo_path, "purchases") == before + 1


def test_a_stocktake_count_is_whole_grams_as_typed(tab, demo_path):
    before = count_outside(demo_path, "stock_adjustments")
    tab.s_bean.value, tab.s_day.value = "ETH-URAGA", DAY
    for bad in ("abc", "7499.5", "-1", "7.5kg"):
        tab.s_counted.value = bad
        tab._save_stocktake()
        assert tab.stocktake_form.errors.keys() == {"counted_g"}, bad
    assert count_outside(demo_path, "stock_adjustments") == before
    tab.s_counted.value = "7,400"
    assert tab.stocktake_form.errors == {}
    tab._save_stocktake()
    assert count_outside(demo_path, "stock_adjustments") == before + 1
    assert outside(demo_path, "SELECT delta_g FROM stock_adjustments ORDER BY id DESC LIMIT 1") == [(-100,)]

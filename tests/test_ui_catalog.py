"""The Beans & blends tab without a browser: search and filters, add/edit/deactivate, the blend
recipe editor with its live ratio and cost, the cost breakdown."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from browser_support import DEMO_TODAY, OWNER, STAFF, count, outside, signed_in

from themoon import catalog, db
from themoon import price_list as costs
from themoon.ui import charts
from themoon.ui.forms import is_hidden
from themoon.ui.tabs.beans import CatalogModel, cost_breakdown


@pytest.fixture()
def tab(demo_path):
    return signed_in(demo_path, OWNER).tab("catalog")


@pytest.fixture()
def model(tab) -> CatalogModel:
    return tab.model


BEAN = {"code": "PAN-GEISHA", "name_en": "Geisha", "name_ko": "게이샤", "country": "Panama"}


def test_search_and_filters(model, tab):
    assert len(model.beans) == 15
    model.set_filters(search="kenya")
    assert {b["code"] for b in model.beans} == {"KEN-MASAI-AA", "KEN-KIRINYAGA"}
    model.set_filters(search="예가")
    assert [b["code"] for b in model.beans] == ["ETH-YIRGACHEFFE"]
    model.set_filters(search="", country="Brazil")
    assert {b["country"] for b in model.beans} == {"Brazil"}
    model.set_filters(status="everything")  # a value from the browser: ignored
    assert model.status == "active"
    model.set_filters(country="", status="inactive")
    assert model.beans == []
    tab.search.value = "kenya"  # the view's filters drive the model
    assert model.search == "kenya" and "Kenya" in tab.beans_table.value
    tab.search.value, tab.status.value = "", "inactive"
    assert model.beans == [] and "No beans match" in tab.beans_table.value


def test_add_a_bean_and_a_duplicate_code_is_refused_naming_the_field(model, demo_path):
    before = count(demo_path, "beans")
    assert model.save_bean({**BEAN, "reorder_point_g": "2000", "expected_loss_pct": "15.5"}).ok
    assert count(demo_path, "beans") == before + 1
    outcome = model.save_bean({**BEAN, "code": "pan-geisha", "name_en": "Another"})
    assert not outcome.ok and outcome.error.field == "code" and "already used" in outcome.error.message
    outcome = model.save_bean({**BEAN, "code": "PAN-2", "reorder_point_g": "two kilos"})
    assert not outcome.ok and outcome.error.field == "reorder_point_g"
    assert count(demo_path, "beans") == before + 1


def test_the_bean_editor_is_bound_to_the_model(tab, demo_path):
    tab.bean_new.click()
    assert not is_hidden(tab.bean_form_box)
    f = tab.b_fields
    f["code"].value, f["name_en"].value, f["name_ko"].value = "PAN-GEISHA", "Geisha", "게이샤"
    f["country"].value, f["reorder_point_g"].value, f["expected_loss_pct"].value = "Panama", "2000", "15.5"
    before = count(demo_path, "beans")
    tab.bean_save.click()
    assert count(demo_path, "beans") == before + 1 and is_hidden(tab.bean_form_box)
    assert "Bean PAN-GEISHA saved" in tab.bean_tools_form.status.value
    tab.bean_new.click()
    f["code"].value, f["name_en"].value = "pan-geisha", "Another"
    tab.bean_save.click()
    assert tab.bean_form.errors.keys() == {"code"} and "already used" in f["code"].error.value
    assert count(demo_path, "beans") == before + 1


def test_edit_and_deactivate_a_bean(model, tab, demo_path):
    bean = next(b for b in model.all_beans if b["code"] == "CRI-EL-TANQUE")
    tab.bean_pick.value = bean["id"]
    tab.bean_edit.click()
    assert tab.b_fields["name_en"].value == "El Tanque" and "Edit bean" in tab.bean_form_title.value
    assert model.editing.bean == bean["id"]
    tab.b_fields["reorder_point_g"].value = "4500"
    tab.bean_save.click()
    assert outside(demo_path, "SELECT reorder_point_g FROM beans WHERE code = 'CRI-EL-TANQUE'") == [(4500,)]
    assert model.toggle_bean(model.bean(bean["id"])).ok
    assert outside(demo_path, "SELECT active FROM beans WHERE code = 'CRI-EL-TANQUE'") == [(0,)]
    tab.refresh()
    assert "CRI-EL-TANQUE" not in {b["code"] for b in model.beans}  # the list shows active beans
    tab.bean_pick.value = bean["id"]
    assert tab.bean_toggle.description == "Reactivate"
    tab.bean_toggle.click()
    assert outside(demo_path, "SELECT active FROM beans WHERE code = 'CRI-EL-TANQUE'") == [(1,)]


def test_the_live_cost_of_a_recipe_as_typed(model):
    live = model.live_cost([("KEN-MASAI-AA", "3"), ("BRA-SANTOS", "1")], "")
    assert live["shares"] == [Fraction(3, 4), Fraction(1, 4)] and live["cost"] is not None
    half = model.live_cost([("KEN-MASAI-AA", "3"), ("BRA-SANTOS", "half")], "")
    assert half["shares"] == [Fraction(1), None] and half["cost"] is None
    assert model.live_cost([("KEN-MASAI-AA", "1")], "20")["loss"] == 20


def test_the_recipe_editor_shows_ratio_and_the_standard_cost(tab, demo_path):
    tab.blend_new.click()
    rows = tab.recipe_rows
    assert len(rows) == 2
    rows[0]["bean"].value, rows[0]["parts"].value = "KEN-MASAI-AA", "3"
    rows[1]["bean"].value, rows[1]["parts"].value = "BRA-SANTOS", "1"
    assert [r["ratio"].value for r in rows] == ["75.0%", "25.0%"]
    assert "Standard cost ₩" in tab.recipe_live.value
    live = tab.live_cost()["cost"]
    f = tab.k_fields
    f["code"].value, f["name_en"].value, f["name_ko"].value = "HALF-MOON", "Half Moon", "반달"
    tab.blend_save.click()
    assert "Blend HALF-MOON saved" in tab.blend_tools_form.status.value
    conn = db.connect(demo_path)
    stored = next(r for r in costs.product_costs(conn, on=DEMO_TODAY) if r["product"] == "HALF-MOON")
    conn.close()
    assert stored["cost_per_kg"] == live  # the live figure is the package's number, exactly


def test_recipe_errors_come_back_naming_the_recipe(model, demo_path):
    before = count(demo_path, "blends")
    blend = {"code": "BAD", "name_en": "Bad"}
    outcome = model.save_blend({**blend, "components": {}})
    assert not outcome.ok and outcome.error.field == "components"
    outcome = model.save_blend({**blend, "components": {"ETH-URAGA": "half", "ETH-MOMORA": "1"}})
    assert not outcome.ok and outcome.error.field == "parts[ETH-URAGA]"
    assert count(demo_path, "blends") == before
    assert model.save_blend({**blend, "components": {"ETH-URAGA": "2", "ETH-MOMORA": "1"}}).ok
    assert count(demo_path, "blends") == before + 1  # corrected, it saves (the positive control)


def test_recipe_errors_go_next_to_the_recipe(tab, demo_path):
    before = count(demo_path, "blends")
    tab.blend_new.click()
    f = tab.k_fields
    f["code"].value, f["name_en"].value = "BAD", "Bad"
    tab.blend_save.click()  # no bean chosen
    assert tab.blend_form.errors.keys() == {"components"} and "at least one bean" in f["components"].error.value
    rows = tab.recipe_rows
    rows[0]["bean"].value, rows[0]["parts"].value = "ETH-URAGA", "half"
    rows[1]["bean"].value, rows[1]["parts"].value = "ETH-MOMORA", "1"
    tab.blend_save.click()
    assert tab.blend_form.errors.keys() == {rows[0]["parts"].name}
    assert "whole number" in rows[0]["parts"].error.value
    assert count(demo_path, "blends") == before
    rows[0]["parts"].value = "2"
    tab.blend_save.click()  # corrected, it saves: seen from another process (the positive control)
    assert "Blend BAD saved" in tab.blend_tools_form.status.value
    assert count(demo_path, "blends") == before + 1


def test_edit_a_blend_recipe(tab, demo_path):
    blend = next(b for b in tab.model.blends if b["code"] == "SEASONAL")
    tab.blend_pick.value = blend["id"]
    tab.blend_edit.click()
    assert [(r["bean"].value, r["parts"].value) for r in tab.recipe_rows] == [
        ("ETH-YIRGACHEFFE", "2"),
        ("KEN-MASAI-AA", "2"),
        ("BRA-FAZENDA-CARMO", "1"),
    ]
    tab.recipe_rows[2]["remove"].click()
    tab.blend_save.click()
    conn = db.connect(demo_path)
    assert [c["code"] for c in catalog.get_blend(conn, "SEASONAL")["components"]] == ["ETH-YIRGACHEFFE", "KEN-MASAI-AA"]
    conn.close()


def test_the_cost_breakdown_adds_up_to_the_package_cost(tab, demo_path):
    conn = db.connect(demo_path)
    for product in ("blend:FULL-MOON", "bean:ETH-YIRGACHEFFE"):
        b = cost_breakdown(conn, product, DEMO_TODAY)
        assert sum(p.won_per_kg for p in b["pieces"]) == b["total"]  # exactly, in fractions
        assert b["total"] == b["package"]["cost_per_kg"]
    conn.close()
    tab.breakdown_product.value = "blend:FULL-MOON"
    charts.as_go(tab.figure)
    assert [bar for bar in tab.figure["data"][0]["y"]][:2] == ["Kenya Masai AA", "Antigua"]
    assert "Standard cost ₩" in tab.breakdown_note.value


def test_staff_cannot_change_the_catalogue(demo_path):
    tab = signed_in(demo_path, STAFF).tab("catalog")
    assert is_hidden(tab.bean_tools) and is_hidden(tab.blend_tools)
    before = count(demo_path, "beans")
    tab.b_fields["code"].value, tab.b_fields["name_en"].value = "X-1", "X"
    tab.bean_save.click()
    assert "does not allow" in tab.bean_form.status.value
    outcome = tab.model.save_bean({"code": "X-1", "name_en": "X"})
    assert not outcome.ok and outcome.said is not None and outcome.said.key == "err.denied"
    assert count(demo_path, "beans") == before
    owner = signed_in(demo_path, OWNER).tab("catalog")  # the owner saving the same bean: saved
    owner.bean_new.click()
    owner.b_fields["code"].value, owner.b_fields["name_en"].value = "X-1", "X"
    owner.bean_save.click()
    assert count(demo_path, "beans") == before + 1
    tab.bean_new.click()
    assert is_hidden(tab.bean_form_box)


def test_a_date_is_not_needed_for_the_live_cost(tab):
    assert tab.model.settings.effective_from <= date(2026, 11, 15)

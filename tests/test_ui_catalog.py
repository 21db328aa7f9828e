"""The Beans & blends tab without a browser: search and filters, add/edit/deactivate, the blend
recipe editor with its live ratio and cost, the cost breakdown."""

from __future__ import annotations

from datetime import date

import pytest
from browser_support import DEMO_TODAY, OWNER, STAFF, count, signed_in

from themoon import catalog, db
from themoon import price_list as costs
from themoon.ui import charts
from themoon.ui.catalog import cost_breakdown
from themoon.ui.forms import is_hidden


@pytest.fixture()
def tab(demo_path):
    return signed_in(demo_path, OWNER).tab("catalog")


def test_search_and_filters(tab):
    assert len(tab.beans) == 15 and "Yirgacheffe" in tab.beans_table.value
    tab.search.value = "kenya"
    assert {b["code"] for b in tab.beans} == {"KEN-MASAI-AA", "KEN-KIRINYAGA"}
    tab.search.value = "예가"
    assert [b["code"] for b in tab.beans] == ["ETH-YIRGACHEFFE"]
    tab.search.value = ""
    tab.country.value = "Brazil"
    assert {b["country"] for b in tab.beans} == {"Brazil"}
    tab.country.value, tab.status.value = "", "inactive"
    assert tab.beans == [] and "No beans match" in tab.beans_table.value


def test_add_a_bean_and_a_duplicate_code_is_refused_next_to_the_field(tab, demo_path):
    tab._new_bean()
    assert not is_hidden(tab.bean_form_box)
    f = tab.b_fields
    f["code"].value, f["name_en"].value, f["name_ko"].value = "PAN-GEISHA", "Geisha", "게이샤"
    f["country"].value, f["reorder_point_g"].value, f["expected_loss_pct"].value = "Panama", "2000", "15.5"
    before = count(demo_path, "beans")
    tab._save_bean()
    assert count(demo_path, "beans") == before + 1 and is_hidden(tab.bean_form_box)
    assert "Bean PAN-GEISHA saved" in tab.bean_tools_form.status.value
    tab._new_bean()
    f["code"].value, f["name_en"].value = "pan-geisha", "Another"
    tab._save_bean()
    assert tab.bean_form.errors.keys() == {"code"} and "already used" in f["code"].error.value
    f["code"].value, f["reorder_point_g"].value = "PAN-2", "two kilos"
    tab._save_bean()
    assert tab.bean_form.errors.keys() == {"reorder_point_g"}
    assert count(demo_path, "beans") == before + 1


def test_edit_and_deactivate_a_bean(tab, demo_path):
    bean = next(b for b in tab.all_beans if b["code"] == "CRI-EL-TANQUE")
    tab.bean_pick.value = bean["id"]
    tab._edit_bean()
    assert tab.b_fields["name_en"].value == "El Tanque" and "Edit bean" in tab.bean_form_title.value
    tab.b_fields["reorder_point_g"].value = "4500"
    tab._save_bean()
    conn = db.connect(demo_path)
    assert catalog.get_bean(conn, "CRI-EL-TANQUE")["reorder_point_g"] == 4500
    tab.bean_pick.value = bean["id"]
    assert tab.bean_toggle.description == "Deactivate"
    tab._toggle_bean()
    assert catalog.get_bean(conn, "CRI-EL-TANQUE")["active"] == 0
    conn.close()
    assert "CRI-EL-TANQUE" not in {b["code"] for b in tab.beans}  # the list shows active beans
    tab.bean_pick.value = bean["id"]
    assert tab.bean_toggle.description == "Reactivate"


def test_the_recipe_editor_shows_ratio_and_the_standard_cost(tab, demo_path):
    tab._new_blend()
    rows = tab.recipe_rows
    assert len(rows) == 2
    rows[0]["bean"].value, rows[0]["parts"].value = "KEN-MASAI-AA", "3"
    rows[1]["bean"].value, rows[1]["parts"].value = "BRA-SANTOS", "1"
    assert [r["ratio"].value for r in rows] == ["75.0%", "25.0%"]
    assert "Standard cost ₩" in tab.recipe_live.value
    live = tab.live_cost()["cost"]
    f = tab.k_fields
    f["code"].value, f["name_en"].value, f["name_ko"].value = "HALF-MOON", "Half Moon", "반달"
    tab._save_blend()
    assert "Blend HALF-MOON saved" in tab.blend_tools_form.status.value
    conn = db.connect(demo_path)
    stored = next(r for r in costs.product_costs(conn, on=DEMO_TODAY) if r["product"] == "HALF-MOON")
    conn.close()
    assert stored["cost_per_kg"] == live  # the live figure is the package's number, exactly


def test_recipe_errors_go_next_to_the_recipe(tab, demo_path):
    before = count(demo_path, "blends")
    tab._new_blend()
    f = tab.k_fields
    f["code"].value, f["name_en"].value = "BAD", "Bad"
    tab._save_blend()  # no bean chosen
    assert tab.blend_form.errors.keys() == {"components"} and "at least one bean" in f["components"].error.value
    rows = tab.recipe_rows
    rows[0]["bean"].value, rows[0]["parts"].value = "ETH-URAGA", "half"
    rows[1]["bean"].value, rows[1]["parts"].value = "ETH-MOMORA", "1"
    tab._save_blend()
    assert tab.blend_form.errors.keys() == {rows[0]["parts"].name}
    assert "whole number" in rows[0]["parts"].error.value
    assert count(demo_path, "blends") == before
    rows[0]["parts"].value = "2"
    tab._save_blend()  # corrected, it saves: seen from another process (the positive control)
    assert "Blend BAD saved" in tab.blend_tools_form.status.value
    assert count(demo_path, "blends") == before + 1


def test_edit_a_blend_recipe(tab, demo_path):
    blend = next(b for b in tab.blends if b["code"] == "SEASONAL")
    tab.blend_pick.value = blend["id"]
    tab._edit_blend()
    assert [(r["bean"].value, r["parts"].value) for r in tab.recipe_rows] == [
        ("ETH-YIRGACHEFFE", "2"),
        ("KEN-MASAI-AA", "2"),
        ("BRA-FAZENDA-CARMO", "1"),
    ]
    tab._remove_recipe_row(tab.recipe_rows[2])
    tab._save_blend()
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
    tab._save_bean()
    assert "does not allow" in tab.bean_form.status.value
    assert count(demo_path, "beans") == before
    owner = signed_in(demo_path, OWNER).tab("catalog")  # the owner saving the same bean: saved
    owner._new_bean()
    owner.b_fields["code"].value, owner.b_fields["name_en"].value = "X-1", "X"
    owner._save_bean()
    assert count(demo_path, "beans") == before + 1
    tab._new_bean()
    assert is_hidden(tab.bean_form_box)


def test_a_date_is_not_needed_for_the_live_cost(tab):
    assert tab.settings.effective_from <= date(2026, 11, 15)

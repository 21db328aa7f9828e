"""The Roasting tab without a browser: the live preview, logging a batch or a whole session,
errors next to their field with nothing saved, the batch table, edit/delete/resolve (owner)."""

from __future__ import annotations

from datetime import date

import pytest
from browser_support import DEMO_TODAY, OWNER, STAFF, count, count_outside, outside, signed_in

from themoon import db, roasting
from themoon.models import ValidationError
from themoon.ui.forms import is_hidden

DAY = date(2026, 11, 14)


@pytest.fixture()
def app(demo_path):
    app = signed_in(demo_path, OWNER)
    app.open_tab("roasting")
    return app


@pytest.fixture()
def tab(app):
    return app.tabs["roasting"]


def fill(tab, product="blend:FULL-MOON", green="3000", roasted="2500", day=DAY, **extra):
    tab.product.value = product
    tab.roasted_on.value = day
    if green is not None:
        tab.green_total.value = green
    tab.roasted_g.value = roasted
    for name, value in extra.items():
        getattr(tab, name).value = value


def test_a_blend_shows_its_components_filled_by_parts(tab):
    fill(tab, roasted="")
    assert [c["code"] for c in tab.components] == ["KEN-MASAI-AA", "GTM-ANTIGUA", "ETH-MOMORA", "ETH-SIDAMO-G4"]
    assert [c["field"].value for c in tab.components] == ["1200", "1200", "300", "300"]  # 4:4:1:1
    assert not is_hidden(tab.component_box) and "Recipe (10 parts)" in tab.recipe_note.value
    tab.product.value = "bean:ETH-YIRGACHEFFE"  # a single origin: one green field
    assert tab.components == [] and is_hidden(tab.component_box)


def test_the_preview_is_what_the_store_then_saves(tab, demo_path):
    fill(tab)
    p = tab.preview
    assert p["valid"] and round(float(p["loss_pct"]), 2) == 16.67 and p["verdict"] is None
    assert "16.7%" in tab.preview_box.value and "Normal" in tab.preview_box.value
    assert (
        count(demo_path, "roast_batches") == tab.ctx.conn().execute("SELECT COUNT(*) FROM roast_batches").fetchone()[0]
    )
    before = count(demo_path, "roast_batches")
    preview_cost = round(p["batch_cost_won"])
    tab._save_batch()
    assert count(demo_path, "roast_batches") == before + 1
    saved = tab.batches[0]
    assert "Saved batch #" in tab.form.status.value and saved["green_g"] == 3000 and saved["roasted_g"] == 2500
    assert saved["batch_cost_won"] == preview_cost  # the preview computed what the store computes
    assert saved["roasted_on"] == DAY.isoformat() and saved["operator"] == "사장님 (owner)"


def test_the_preview_warns_before_an_alert(tab):
    fill(tab, green="3000", roasted="2300")  # 23.3 % loss: 6.6 pt above the expected 16.7 %
    assert tab.preview["verdict"].level == "CRITICAL"
    assert "Critical high" in tab.preview_box.value
    fill(tab, green="3000", roasted="3000")
    assert not tab.preview["valid"] and "must be less than the green weight" in tab.preview_box.value


def test_roasted_not_below_green_is_refused_next_to_the_field(tab, demo_path):
    before = count(demo_path, "roast_batches")
    fill(tab, green="3000", roasted="3000")
    tab._save_batch()
    assert tab.form.errors.keys() == {"roasted_g"}
    assert "must be less than the green weight (3,000 g)" in tab.roasted_g.error.value
    assert "nothing was saved" in tab.form.status.value
    assert count(demo_path, "roast_batches") == before
    saved_once_fixed(tab, demo_path, before, roasted_g="2500")


def saved_once_fixed(tab, demo_path, before: int, **fixed: str) -> None:
    """The positive control of a refusal: the same form, corrected, saves — seen from another
    process (a store that lost every write would pass a bare `count == before`)."""
    for name, value in fixed.items():
        getattr(tab, name).value = value
    tab._save_batch()
    assert "Saved batch #" in tab.form.status.value, tab.form.status.value
    assert count(demo_path, "roast_batches") == before + 1


def test_empty_product_is_refused_next_to_the_field(tab, demo_path):
    before = count(demo_path, "roast_batches")
    fill(tab, product="")
    tab._save_batch()
    assert tab.form.errors.keys() == {"product"} and "is required" in tab.product.error.value
    assert count(demo_path, "roast_batches") == before
    saved_once_fixed(tab, demo_path, before, product="blend:FULL-MOON")


@pytest.mark.parametrize("field", ["roasted_g", "green_total", "minutes"])
def test_text_in_a_number_is_refused_next_to_the_field(tab, demo_path, field):
    before = count(demo_path, "roast_batches")
    fill(tab, product="bean:ETH-YIRGACHEFFE", green="1000", roasted="850")
    getattr(tab, field).value = "abc"
    tab._save_batch()
    name = {"green_total": "green_g"}.get(field, field)
    assert tab.form.errors.keys() == {name}
    assert "must be" in tab.form[name].error.value
    assert count(demo_path, "roast_batches") == before
    saved_once_fixed(
        tab, demo_path, before, **{field: {"roasted_g": "850", "green_total": "1000", "minutes": "12"}[field]}
    )


def test_text_in_a_component_is_refused_next_to_that_component(tab, demo_path):
    fill(tab)
    tab.components[2]["field"].value = "lots"
    tab._save_batch()
    assert tab.form.errors.keys() == {"green_g[ETH-MOMORA]"}
    assert "whole number" in tab.components[2]["field"].error.value


def test_errors_in_korean(tab):
    tab.ctx.lang = "ko"
    fill(tab, green="3000", roasted="3100")
    tab._save_batch()
    assert "생두량(3,000 g)보다 적어야 합니다" in tab.roasted_g.error.value


def test_more_green_than_in_stock_is_refused(tab, demo_path):
    before = count(demo_path, "roast_batches")
    fill(tab, product="bean:ETH-SIDAMO-G4", green="900000", roasted="700000")
    assert tab.preview["short"]  # the preview already says so
    tab._save_batch()
    assert "in stock" in tab.green_total.error.value
    assert count(demo_path, "roast_batches") == before
    saved_once_fixed(tab, demo_path, before, green_total="500", roasted_g="415")


def test_a_whole_session_is_saved_all_or_nothing(tab, demo_path):
    tab.mode.value = "session"
    assert is_hidden(tab.single) and not is_hidden(tab.session)
    tab.s_day.value = DAY
    rows = tab.session_rows
    rows[0]["product"].value, rows[0]["green_g"].value, rows[0]["roasted_g"].value = "blend:NEW-MOON", "4000", "3340"
    # row 2 left blank (skipped); row 3 is wrong
    rows[2]["product"].value, rows[2]["green_g"].value, rows[2]["roasted_g"].value = "blend:FULL-MOON", "3000", "3500"
    before = count(demo_path, "roast_batches")
    tab._save_session()
    assert tab.session_form.errors.keys() == {"row 3 roasted_g"}  # the shown row number
    assert count(demo_path, "roast_batches") == before  # nothing of the session was saved
    rows[2]["roasted_g"].value = "2500"
    assert rows[2]["loss"].value == "16.7%"
    tab._save_session()
    assert "Saved the session: 2 batches" in tab.session_form.status.value
    assert count(demo_path, "roast_batches") == before + 2


def test_the_batch_table_and_its_filters(tab):
    assert tab.f_since.value == date(2026, 10, 17)  # the last 30 days
    assert len(tab.batches) > 10 and all(b["roasted_on"] >= "2026-10-17" for b in tab.batches)
    assert "themoon-batches-table" in tab.table.value
    tab.f_product.value = "blend:FULL-MOON"
    assert tab.batches and {b["product"] for b in tab.batches} == {"FULL-MOON"}
    tab.f_until.value = date(2026, 10, 20)
    assert all(b["roasted_on"] <= "2026-10-20" for b in tab.batches)
    tab.f_product.value = ""
    tab.f_since.value, tab.f_until.value = date(2026, 9, 1), None
    tab.f_alerts.value = True
    assert tab.batches and all(b["alert"] and not b["alert"]["resolved"] for b in tab.batches)


def test_owner_edits_a_batch(tab, demo_path):
    batch = tab.batches[0]
    tab.pick.value = batch["id"]
    tab._edit()
    assert tab.editing == batch["id"] and "Edit batch" in tab.entry_title.value
    assert tab.roasted_g.value == str(batch["roasted_g"])
    tab.roasted_g.value = str(batch["roasted_g"] - 50)
    tab._save_batch()
    conn = db.connect(demo_path)
    assert roasting.get_batch(conn, batch["id"])["roasted_g"] == batch["roasted_g"] - 50
    conn.close()
    assert tab.editing is None and "Log a roast" in tab.entry_title.value


def test_owner_deletes_a_batch_after_confirming(tab, demo_path):
    batch = tab.batches[0]
    before = count(demo_path, "roast_batches")
    tab.pick.value = batch["id"]
    tab._ask_delete()
    assert not is_hidden(tab.confirm) and f"#{batch['id']}" in tab.confirm_text.value
    assert count(demo_path, "roast_batches") == before  # not before the confirmation
    tab._delete()
    assert count(demo_path, "roast_batches") == before - 1
    assert batch["id"] not in [b["id"] for b in tab.batches]


def test_owner_resolves_an_alert_with_a_note(tab, demo_path):
    tab.f_since.value = date(2026, 9, 1)
    tab.f_alerts.value = True
    batch = tab.batches[0]
    tab.pick.value = batch["id"]
    assert not tab.resolve_button.disabled
    tab._resolve()
    assert "is required" in tab.alert_note.error.value  # a resolution needs its note
    tab.alert_note.value = "Probe recalibrated"
    tab._resolve()
    assert "resolved" in tab.actions_form.status.value
    conn = db.connect(demo_path)
    assert batch["id"] not in {a["batch_id"] for a in roasting.list_alerts(conn, open_only=True)}
    conn.close()


def test_staff_correct_their_own_batch_of_today_but_no_other(demo_path):
    """Issue #15 4b: staff see edit/delete for the batch they logged today; another's batch (or
    their own of an earlier day) shows neither, and a forged confirmation is refused by the store."""
    import json

    app = signed_in(demo_path, STAFF)
    tab = app.tab("roasting")
    assert not is_hidden(tab.actions)
    fill(tab)
    tab._save_batch()
    assert "Saved batch" in tab.form.status.value
    mine = max(b["id"] for b in tab.batches)
    others = next(b["id"] for b in tab.batches if b["id"] != mine)
    tab.pick.value = others
    assert is_hidden(tab.edit_button) and is_hidden(tab.delete_button) and is_hidden(tab.resolve_button)
    before = count(demo_path, "roast_batches")
    tab._pending_delete = others  # a forged confirmation for someone else's batch
    tab._delete()
    assert count(demo_path, "roast_batches") == before and "own entries" in tab.actions_form.status.value

    tab.pick.value = mine
    assert not is_hidden(tab.edit_button) and not tab.edit_button.disabled and not is_hidden(tab.delete_button)
    tab._edit()
    assert tab.editing == mine
    tab.roasted_g.value = "2450"
    tab._save_batch()
    assert "Saved batch" in tab.form.status.value
    conn = db.connect(demo_path)
    audit = conn.execute(
        "SELECT username, old_json, new_json FROM audit_log WHERE entity = 'roast_batch' AND entity_id = ?"
        " AND action = 'update'",
        (mine,),
    ).fetchone()
    assert audit["username"] == "staff"
    assert json.loads(audit["old_json"])["roasted_g"] == 2500 and json.loads(audit["new_json"])["roasted_g"] == 2450
    # the same batch, made "yesterday": no longer theirs to change
    conn.execute(
        "UPDATE audit_log SET at = datetime(at, '-1 day') WHERE entity = 'roast_batch' AND entity_id = ?", (mine,)
    )
    conn.commit()
    conn.close()
    tab.pick.value = others
    tab.pick.value = mine
    assert is_hidden(tab.delete_button)
    tab._pending_delete = mine
    tab._delete()
    assert count(demo_path, "roast_batches") == before + 0  # refused
    conn = db.connect(demo_path)
    conn.execute(
        "UPDATE audit_log SET at = datetime(at, '+1 day') WHERE entity = 'roast_batch' AND entity_id = ?", (mine,)
    )
    conn.commit()
    conn.close()
    tab._pending_delete = mine  # positive control: today again, the delete goes through
    tab._delete()
    assert count(demo_path, "roast_batches") == before - 1


def test_a_logged_batch_reaches_the_overview(app, demo_path):
    overview = app.tabs["overview"]
    batches = overview.data["overview"]["batches"]
    tab = app.tabs["roasting"]
    fill(tab, day=DEMO_TODAY)
    tab._save_batch()
    assert overview.stale  # not redrawn while hidden
    app.open_tab("overview")
    assert overview.data["overview"]["batches"] == batches + 1


# --- the form saves exactly what was typed (issue #11) ----------------------------------------------

LAST_BATCH = (
    "SELECT b.id, b.roasted_g, SUM(c.green_g) FROM roast_batches b JOIN roast_components c ON c.batch_id = b.id"
)
LAST_BATCH += " GROUP BY b.id ORDER BY b.id DESC LIMIT 1"


def last_components(path) -> dict[str, int]:
    rows = outside(
        path,
        "SELECT be.code, c.green_g FROM roast_components c JOIN beans be ON be.id = c.bean_id"
        " WHERE c.batch_id = (SELECT MAX(id) FROM roast_batches)",
    )
    return dict(rows)


@pytest.mark.parametrize("green", ["abc", "3000.7", "5,000g"])
def test_a_blends_green_weight_that_is_not_whole_grams_is_refused(tab, demo_path, green):
    before = count_outside(demo_path, "roast_batches")
    fill(tab, green="3000", roasted="2500")  # the per-bean boxes were filled from "3000" as it was typed
    tab.green_total.value = green
    assert [c["field"].value for c in tab.components] == ["", "", "", ""]  # not the stale 3,000 g split
    tab._save_batch()
    assert tab.form.errors.keys() == {"green_g"} and "whole number" in tab.green_total.error.value
    assert count_outside(demo_path, "roast_batches") == before
    tab.green_total.value = "3,000"  # the fix clears the error at once, and then it saves
    assert tab.form.errors == {}
    tab._save_batch()
    assert count_outside(demo_path, "roast_batches") == before + 1
    assert outside(demo_path, LAST_BATCH)[0][1:] == (2500, 3000)


def test_per_bean_grams_must_add_up_to_green(tab, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(tab, green="5000", roasted="4170")
    for comp, grams in zip(tab.components, ["2400", "2400", "600", "600"], strict=True):
        comp["field"].value = grams  # weighed per bean: 6,000 g
    assert "add up to 6,000 g" in tab.preview_box.value and not tab.preview["valid"]
    tab._save_batch()
    assert tab.form.errors.keys() == {"green_g"}
    assert "must equal the per-bean grams below, which add up to 6,000 g" in tab.green_total.error.value
    assert count_outside(demo_path, "roast_batches") == before
    tab.green_total.value = "6000"  # Green was the typo
    assert tab.form.errors == {} and tab.preview["valid"]
    tab._save_batch()
    assert tab.confirm_save.asking and "30.5%" in tab.confirm_save.text.value  # 6,000 → 4,170 g is odd too
    assert count_outside(demo_path, "roast_batches") == before
    tab.confirm_save.yes.click()
    assert count_outside(demo_path, "roast_batches") == before + 1
    assert last_components(demo_path) == {
        "KEN-MASAI-AA": 2400,
        "GTM-ANTIGUA": 2400,
        "ETH-MOMORA": 600,
        "ETH-SIDAMO-G4": 600,
    }


def test_per_bean_grams_typed_unevenly_are_saved_as_typed(tab, demo_path):
    fill(tab, green="5000", roasted="4170")
    tab.components[0]["field"].value = "2100"
    tab.components[1]["field"].value = "1900"
    tab._save_batch()
    assert "Saved batch #" in tab.form.status.value
    assert last_components(demo_path) == {
        "KEN-MASAI-AA": 2100,
        "GTM-ANTIGUA": 1900,
        "ETH-MOMORA": 500,
        "ETH-SIDAMO-G4": 500,
    }


def test_per_bean_boxes_follow_green_until_typed_in(tab):
    fill(tab, green="3000", roasted="")
    tab.components[2]["field"].value = "350"
    tab.green_total.value = "4000"  # typed boxes are the person's: not overwritten
    assert [c["field"].value for c in tab.components] == ["1200", "1200", "350", "300"]
    for comp in tab.components:
        comp["field"].value = ""  # all emptied: split Green again
    assert [c["field"].value for c in tab.components] == ["1600", "1600", "400", "400"]


def test_text_in_a_per_bean_box_names_that_box(tab, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(tab, green="3000", roasted="2500")
    tab.components[1]["field"].value = "1200.5"
    tab._save_batch()
    assert tab.form.errors.keys() == {"green_g[GTM-ANTIGUA]"}
    assert "whole number" in tab.components[1]["field"].error.value
    assert count_outside(demo_path, "roast_batches") == before
    tab.components[1]["field"].value = "1200"
    tab._save_batch()
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_every_bad_field_is_marked_at_once(tab, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(tab, product="", green="abc", roasted="eight hundred", minutes="long")
    tab._save_batch()
    assert tab.form.errors.keys() == {"product", "green_g", "roasted_g", "minutes"}
    assert count_outside(demo_path, "roast_batches") == before
    fill(tab, product="bean:ETH-YIRGACHEFFE", green="1000", roasted="850", minutes="12.5")
    assert tab.form.errors == {} and tab.form.status.value == ""
    tab._save_batch()
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_a_corrected_value_loses_its_error_at_once(tab):
    fill(tab, product="bean:ETH-YIRGACHEFFE", green="5000g", roasted="4170")
    tab._save_batch()
    assert "must be a whole number" in tab.green_total.error.value
    tab.green_total.value = "5,000"
    assert tab.form.errors == {} and "correct" not in tab.form.status.value


def test_a_korean_error_goes_when_the_other_field_is_fixed(tab, demo_path):
    tab.ctx.lang = "ko"
    fill(tab, product="bean:ETH-YIRGACHEFFE", green="4500", roasted="4600")
    tab._save_batch()
    assert "생두량(4,500 g)보다 적어야 합니다" in tab.roasted_g.error.value
    tab.green_total.value = "5000"
    assert tab.form.errors == {} and tab.form.status.value == ""
    before = count_outside(demo_path, "roast_batches")
    tab._save_batch()
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_a_stock_shortage_is_found_before_the_store_and_goes_when_fixed(tab, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(tab, product="bean:ETH-SIDAMO-G4", green="5000", roasted="4170")
    tab._save_batch()
    assert "only 3,600 g of ETH-SIDAMO-G4 in stock" in tab.green_total.error.value
    assert count_outside(demo_path, "roast_batches") == before
    tab.green_total.value = "3000"
    tab.roasted_g.value = "2500"
    assert tab.form.errors == {}
    tab._save_batch()
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_an_implausible_loss_asks_save_anyway(tab, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(tab, product="bean:GTM-ANTIGUA", green="4170", roasted="417")  # 417 typed for 4,170
    tab._save_batch()
    assert tab.confirm_save.asking
    assert "90.0%" in tab.confirm_save.text.value and "8%–25%" in tab.confirm_save.text.value
    assert count_outside(demo_path, "roast_batches") == before  # not before the answer
    tab.confirm_save.no.click()
    assert not tab.confirm_save.asking and count_outside(demo_path, "roast_batches") == before
    tab._save_batch()
    tab.roasted_g.value = "418"  # a change withdraws the question
    assert not tab.confirm_save.asking
    tab._save_batch_anyway()  # a stale click saves nothing
    assert count_outside(demo_path, "roast_batches") == before
    tab._save_batch()
    tab.confirm_save.yes.click()
    assert "Saved batch #" in tab.form.status.value and not tab.confirm_save.asking
    assert count_outside(demo_path, "roast_batches") == before + 1
    assert outside(demo_path, LAST_BATCH)[0][1:] == (418, 4170)


def test_a_plausible_loss_saves_without_asking(tab, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(tab, product="bean:GTM-ANTIGUA", green="4170", roasted="3500")  # 16.1 %
    tab._save_batch()
    assert not tab.confirm_save.asking
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_the_plausible_band_is_the_owners_setting(tab, demo_path):
    from themoon import cost_settings

    conn = db.connect(demo_path)
    cost_settings.save(conn, effective_from=DAY, plausible_loss_min_pct="5", plausible_loss_max_pct="12")
    conn.close()
    tab.refresh()
    before = count_outside(demo_path, "roast_batches")
    fill(tab, product="bean:GTM-ANTIGUA", green="4170", roasted="3500")  # 16.1 %: now outside
    tab._save_batch()
    assert tab.confirm_save.asking and "5%–12%" in tab.confirm_save.text.value
    assert count_outside(demo_path, "roast_batches") == before
    tab.confirm_save.yes.click()
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_a_session_row_with_an_implausible_loss_asks_save_anyway(tab, demo_path):
    tab.mode.value = "session"
    tab.s_day.value = DAY
    rows = tab.session_rows
    rows[0]["product"].value, rows[0]["green_g"].value, rows[0]["roasted_g"].value = "bean:GTM-ANTIGUA", "4170", "3500"
    rows[1]["product"].value, rows[1]["green_g"].value, rows[1]["roasted_g"].value = "bean:COL-HUILA", "4170", "417"
    before = count_outside(demo_path, "roast_batches")
    tab._save_session()
    assert tab.confirm_session.asking and "row 2 90.0%" in tab.confirm_session.text.value
    assert "row 1" not in tab.confirm_session.text.value
    assert count_outside(demo_path, "roast_batches") == before
    tab.confirm_session.yes.click()
    assert "Saved the session: 2 batches" in tab.session_form.status.value
    assert count_outside(demo_path, "roast_batches") == before + 2


def test_a_session_marks_every_bad_row_at_once_and_clears_fixed_ones(tab, demo_path):
    tab.mode.value = "session"
    tab.s_day.value = DAY
    rows = tab.session_rows
    rows[0]["product"].value, rows[0]["green_g"].value, rows[0]["roasted_g"].value = "bean:GTM-ANTIGUA", "abc", "3500"
    rows[2]["product"].value, rows[2]["green_g"].value, rows[2]["roasted_g"].value = "", "3000", "3500"
    before = count_outside(demo_path, "roast_batches")
    tab._save_session()
    assert tab.session_form.errors.keys() == {"row 1 green_g", "row 3 product", "row 3 roasted_g"}
    rows[0]["green_g"].value = "4,170"
    assert tab.session_form.errors.keys() == {"row 3 product", "row 3 roasted_g"}
    rows[2]["product"].value, rows[2]["roasted_g"].value = "bean:COL-HUILA", "2500"
    assert tab.session_form.errors == {}
    assert count_outside(demo_path, "roast_batches") == before
    tab._save_session()
    assert count_outside(demo_path, "roast_batches") == before + 2


def test_the_store_refuses_two_green_weights(demo_path):
    conn = db.connect(demo_path)
    before = count_outside(demo_path, "roast_batches")
    per_bean = {"KEN-MASAI-AA": 2400, "GTM-ANTIGUA": 2400, "ETH-MOMORA": 600, "ETH-SIDAMO-G4": 600}
    batch = {"product": "blend:FULL-MOON", "roasted_on": DAY, "roasted_g": "5000", "components": per_bean}
    with pytest.raises(ValidationError) as caught:
        roasting.add_batch(conn, green_g="5000", **batch)
    assert caught.value.field == "green_g" and "6,000 g" in caught.value.message
    assert count_outside(demo_path, "roast_batches") == before
    roasting.add_batch(conn, green_g="6,000", **batch)  # one weight, said twice the same
    assert count_outside(demo_path, "roast_batches") == before + 1
    conn.close()


# --- what a batch's cost is made of (issue #12) ---------------------------------------------------------


def test_the_preview_breaks_the_cost_down_and_says_the_session_is_shared(tab, demo_path):
    fill(tab, product="bean:GTM-ANTIGUA", green="5000", roasted="4170", day=DEMO_TODAY)  # no batch yet that day
    first = tab.preview
    assert first["batch_cost_won"] == first["green_cost_won"] + first["roasting_cost_won"] + first["session_cost_won"]
    assert first["session_cost_won"] == tab.inputs.settings.session_fixed_won  # alone: all of it
    box = tab.preview_box.value
    assert "Roasting" in box and "Session share" in box and "shared by all batches of that day" in box
    tab._save_batch()
    fill(tab, product="bean:GTM-ANTIGUA", green="5000", roasted="4170", day=DEMO_TODAY)
    second = tab.preview
    assert second["session_cost_won"] == first["session_cost_won"] / 2  # the same green weight: half each
    assert second["cost_per_kg_won"] < first["cost_per_kg_won"]
    assert "With the 1 other batch(es) of 2026-11-15" in tab.preview_box.value
    tab._save_batch()
    tab.f_until.value = DEMO_TODAY
    row = next(b for b in tab.batches if b["roasted_on"] == DEMO_TODAY.isoformat())
    assert row["session_batches"] == 2
    parts = row["green_cost_won"] + row["roasting_cost_won"] + row["session_cost_won"]
    assert abs(row["batch_cost_won"] - parts) <= 1  # each part rounded to the won on its own
    assert "session share" in tab.table.value and "(1 of 2 that day)" in tab.table.value
    assert "split by green weight" in tab.table_note.value


def test_korean_preview_explains_the_shared_session(tab):
    tab.ctx.lang = "ko"
    fill(tab, product="bean:GTM-ANTIGUA", green="5000", roasted="4170")
    tab.render()
    assert "세션 분담" in tab.preview_box.value and "생두 무게 비율로 나누어" in tab.preview_box.value


def test_editing_a_blends_green_splits_it_again(tab, demo_path):
    tab.f_product.value = "blend:FULL-MOON"
    batch = tab.batches[0]
    tab.pick.value = batch["id"]
    tab._edit()
    assert tab.green_total.value == str(batch["green_g"])
    tab.green_total.value = str(batch["green_g"] - 100)
    assert sum(int(c["field"].value) for c in tab.components) == batch["green_g"] - 100  # followed Green
    tab._save_batch()
    assert tab.form.errors == {}
    total = outside(demo_path, "SELECT SUM(green_g) FROM roast_components WHERE batch_id = ?", batch["id"])
    assert total == [(batch["green_g"] - 100,)]

"""The Roasting tab without a browser: the live preview, logging a batch or a whole session,
errors next to their field with nothing saved, the batch table, edit/delete/resolve (owner)."""

from __future__ import annotations

from datetime import date

import pytest
from browser_support import DEMO_TODAY, OWNER, STAFF, count, signed_in

from themoon import db, roasting
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

"""The Roasting tab's model without a browser (themoon/ui/tabs/roasting): the live preview,
logging a batch or a whole session, every bad field found at once with nothing saved, the "save
anyway?" question, the batch table and its filters, edit/delete/resolve. Writes are counted from
another process; a few view-binding tests click a button and check what the form shows."""

from __future__ import annotations

import json
from datetime import date

import pytest
from browser_support import DEMO_TODAY, OWNER, STAFF, count, count_outside, outside, signed_in

from themoon import cost_settings, db, roasting
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


@pytest.fixture()
def model(tab):
    return tab.model


@pytest.fixture()
def batch(model):
    return model.batch


def fill(batch, product="blend:FULL-MOON", green="3000", roasted="2500", day=DAY, **extra):
    batch.product = product
    batch.roasted_on = day
    if green is not None:
        batch.green_g = green
    batch.roasted_g = roasted
    for name, value in extra.items():
        setattr(batch, name, value)


def errors(result) -> dict[str, ValidationError]:
    assert result.status == "invalid", result
    return {e.field: e for e in result.errors}


def values(batch) -> list[str]:
    return [c["value"] for c in batch.components]


def saved_once_fixed(batch, demo_path, before: int, **fixed: str) -> None:
    """The positive control of a refusal: the same form, corrected, saves — seen from another
    process (a store that lost every write would pass a bare `count == before`)."""
    for name, value in fixed.items():
        setattr(batch, name, value)
    result = batch.save()
    assert result.ok and result.said.key == "roast.saved", result
    assert count(demo_path, "roast_batches") == before + 1


# --- the live preview ------------------------------------------------------------------------------


def test_a_blend_shows_its_components_filled_by_parts(batch, tab):
    fill(batch, roasted="")
    assert [c["code"] for c in batch.components] == ["KEN-MASAI-AA", "GTM-ANTIGUA", "ETH-MOMORA", "ETH-SIDAMO-G4"]
    assert values(batch) == ["1200", "1200", "300", "300"]  # 4:4:1:1
    assert [f.value for f in tab.component_fields.values()] == ["1200", "1200", "300", "300"]  # the view follows
    assert not is_hidden(tab.component_box) and "Recipe (10 parts)" in tab.recipe_note.value
    batch.product = "bean:ETH-YIRGACHEFFE"  # a single origin: one green field
    assert batch.components == [] and is_hidden(tab.component_box)


def test_the_preview_is_what_the_store_then_saves(batch, model, demo_path):
    fill(batch)
    p = batch.preview
    assert p["valid"] and round(float(p["loss_pct"]), 2) == 16.67 and p["verdict"] is None
    before = count(demo_path, "roast_batches")
    preview_cost = round(p["batch_cost_won"])
    result = batch.save()
    assert result.ok and count(demo_path, "roast_batches") == before + 1
    assert result.said.values["id"] == outside(demo_path, "SELECT MAX(id) FROM roast_batches")[0][0]
    model.history.load()
    saved = model.history.batches[0]
    assert saved["green_g"] == 3000 and saved["roasted_g"] == 2500
    assert (
        saved["batch_cost_won"] == preview_cost == result.said.values["cost"]
    )  # the preview computed what the store computes
    assert saved["roasted_on"] == DAY.isoformat() and saved["operator"] == "사장님 (owner)"


def test_the_preview_shows_in_the_view(batch, tab):
    fill(batch)
    assert "16.7%" in tab.preview_box.value and "Normal" in tab.preview_box.value
    fill(batch, green="3000", roasted="2300")
    assert "Critical high" in tab.preview_box.value
    fill(batch, green="3000", roasted="3000")
    assert "must be less than the green weight" in tab.preview_box.value


def test_the_preview_warns_before_an_alert(batch):
    fill(batch, green="3000", roasted="2300")  # 23.3 % loss: 6.6 pt above the expected 16.7 %
    assert batch.preview["verdict"].level == "CRITICAL" and batch.preview["verdict"].direction == "HIGH"
    fill(batch, green="3000", roasted="3000")
    assert not batch.preview["valid"] and batch.preview["roasted_g"] >= batch.preview["green_g"]


# --- every bad field at once, nothing saved -----------------------------------------------------------


def test_roasted_not_below_green_is_refused(batch, demo_path):
    before = count(demo_path, "roast_batches")
    fill(batch, green="3000", roasted="3000")
    found = errors(batch.save())
    assert found.keys() == {"roasted_g"}
    assert found["roasted_g"].message == "must be less than the green weight (3,000 g)"
    assert count(demo_path, "roast_batches") == before
    saved_once_fixed(batch, demo_path, before, roasted_g="2500")


def test_a_refusal_shows_next_to_the_field_when_save_is_clicked(batch, tab, demo_path):
    before = count(demo_path, "roast_batches")
    fill(batch, green="3000", roasted="3000")
    tab.save.click()
    assert tab.form.errors.keys() == {"roasted_g"}
    assert "must be less than the green weight (3,000 g)" in tab.roasted_g.error.value
    assert "nothing was saved" in tab.form.status.value
    assert count(demo_path, "roast_batches") == before
    tab.roasted_g.value = "2500"  # typed into the view: the model follows
    assert batch.roasted_g == "2500" and tab.form.errors == {}
    tab.save.click()
    assert "Saved batch #" in tab.form.status.value
    assert count(demo_path, "roast_batches") == before + 1


def test_empty_product_is_refused(batch, demo_path):
    before = count(demo_path, "roast_batches")
    fill(batch, product="")
    found = errors(batch.save())
    assert found.keys() == {"product"} and found["product"].message == "is required"
    assert count(demo_path, "roast_batches") == before
    saved_once_fixed(batch, demo_path, before, product="blend:FULL-MOON")


@pytest.mark.parametrize("field", ["roasted_g", "green_g", "minutes"])
def test_text_in_a_number_is_refused(batch, demo_path, field):
    before = count(demo_path, "roast_batches")
    fill(batch, product="bean:ETH-YIRGACHEFFE", green="1000", roasted="850")
    setattr(batch, field, "abc")
    found = errors(batch.save())
    assert found.keys() == {field} and "must be" in found[field].message
    assert count(demo_path, "roast_batches") == before
    saved_once_fixed(
        batch, demo_path, before, **{field: {"roasted_g": "850", "green_g": "1000", "minutes": "12"}[field]}
    )


def test_text_in_a_component_is_refused_naming_that_component(batch):
    fill(batch)
    batch.set_component("ETH-MOMORA", "lots")
    found = errors(batch.save())
    assert found.keys() == {"green_g[ETH-MOMORA]"} and "whole number" in found["green_g[ETH-MOMORA]"].message


def test_errors_in_korean(batch, tab):
    tab.ctx.lang = "ko"
    fill(batch, green="3000", roasted="3100")
    assert errors(batch.save())["roasted_g"].message_ko == "생두량(3,000 g)보다 적어야 합니다"
    tab.save.click()
    assert "생두량(3,000 g)보다 적어야 합니다" in tab.roasted_g.error.value


def test_more_green_than_in_stock_is_refused(batch, demo_path):
    before = count(demo_path, "roast_batches")
    fill(batch, product="bean:ETH-SIDAMO-G4", green="900000", roasted="700000")
    assert batch.preview["short"]  # the preview already says so
    assert "in stock" in errors(batch.save())["green_g"].message
    assert count(demo_path, "roast_batches") == before
    saved_once_fixed(batch, demo_path, before, green_g="500", roasted_g="415")


# --- a whole session -------------------------------------------------------------------------------------


def session_row(r, product: str, green: str, roasted: str) -> None:
    r.product, r.green_g, r.roasted_g = product, green, roasted


def test_a_whole_session_is_saved_all_or_nothing(model, tab, demo_path):
    model.mode = "session"
    assert is_hidden(tab.single) and not is_hidden(tab.session) and len(tab.session_rows) == 4
    session = model.session
    session.day = DAY
    rows = session.rows
    session_row(rows[0], "blend:NEW-MOON", "4000", "3340")
    # row 2 left blank (skipped); row 3 is wrong
    session_row(rows[2], "blend:FULL-MOON", "3000", "3500")
    before = count(demo_path, "roast_batches")
    assert errors(session.save()).keys() == {"row 3 roasted_g"}  # the shown row number
    assert count(demo_path, "roast_batches") == before  # nothing of the session was saved
    rows[2].roasted_g = "2500"
    assert round(float(rows[2].loss), 1) == 16.7 and tab.session_rows[2]["loss"].value == "16.7%"
    result = session.save()
    assert result.ok and result.said.key == "roast.session_saved" and result.said.values == {"n": 2}
    assert count(demo_path, "roast_batches") == before + 2
    assert rows[0].green_g == "" and rows[0].loss is None  # the amounts cleared for the next session


def test_a_session_row_with_an_implausible_loss_asks_save_anyway(model, tab, demo_path):
    model.mode = "session"
    session = model.session
    session.day = DAY
    session_row(session.rows[0], "bean:GTM-ANTIGUA", "4170", "3500")
    session_row(session.rows[1], "bean:COL-HUILA", "4170", "417")
    before = count_outside(demo_path, "roast_batches")
    asked = session.save()
    assert asked.status == "asking" and session.question is asked
    assert [n for n, _ in asked.said.values["rows"]] == [2] and round(float(asked.said.values["rows"][0][1]), 1) == 90.0
    assert tab.confirm_session.asking and "row 2 90.0%" in tab.confirm_session.text.value
    assert "row 1" not in tab.confirm_session.text.value
    assert count_outside(demo_path, "roast_batches") == before
    tab.confirm_session.yes.click()
    assert "Saved the session: 2 batches" in tab.session_form.status.value
    assert count_outside(demo_path, "roast_batches") == before + 2


def test_a_session_marks_every_bad_row_at_once_and_clears_fixed_ones(model, tab, demo_path):
    model.mode = "session"
    session = model.session
    session.day = DAY
    rows = session.rows
    session_row(rows[0], "bean:GTM-ANTIGUA", "abc", "3500")
    session_row(rows[2], "", "3000", "3500")
    before = count_outside(demo_path, "roast_batches")
    assert errors(session.save()).keys() == {"row 1 green_g", "row 3 product", "row 3 roasted_g"}
    tab.save_session.click()  # the view marks them, and re-checks on every change
    assert tab.session_form.errors.keys() == {"row 1 green_g", "row 3 product", "row 3 roasted_g"}
    rows[0].green_g = "4,170"
    assert tab.session_form.errors.keys() == {"row 3 product", "row 3 roasted_g"}
    rows[2].product, rows[2].roasted_g = "bean:COL-HUILA", "2500"
    assert tab.session_form.errors == {}
    assert count_outside(demo_path, "roast_batches") == before
    assert session.save().ok
    assert count_outside(demo_path, "roast_batches") == before + 2


def test_a_session_has_at_most_30_rows(model):
    model.mode = "session"
    while model.session.add_row() is not None:
        pass
    assert len(model.session.rows) == 30 and [r.number for r in model.session.rows] == list(range(1, 31))


# --- the batch table ------------------------------------------------------------------------------------


def test_the_batch_table_and_its_filters(model, tab):
    history = model.history
    assert history.since == date(2026, 10, 17) and tab.f_since.value == date(2026, 10, 17)  # the last 30 days
    assert len(history.batches) > 10 and all(b["roasted_on"] >= "2026-10-17" for b in history.batches)
    assert "themoon-batches-table" in tab.table.value
    assert history.filter(product="blend:FULL-MOON").ok
    assert history.batches and {b["product"] for b in history.batches} == {"FULL-MOON"}
    history.filter(until=date(2026, 10, 20))
    assert all(b["roasted_on"] <= "2026-10-20" for b in history.batches)
    history.filter(product=None, since=date(2026, 9, 1), until=None, alerts_only=True)
    assert history.batches and all(b["alert"] and not b["alert"]["resolved"] for b in history.batches)
    tab.f_alerts.value = False  # the view's filters drive the same model
    tab.f_product.value = "blend:FULL-MOON"
    assert {b["product"] for b in history.batches} == {"FULL-MOON"} and not history.alerts_only


def test_owner_edits_a_batch(model, batch, tab, demo_path):
    target = model.history.batches[0]
    model.history.pick(target["id"])
    result = model.edit()
    assert result.ok and batch.editing == target["id"] and result.said.values == {"id": target["id"]}
    assert batch.roasted_g == str(target["roasted_g"]) and tab.roasted_g.value == str(target["roasted_g"])
    batch.roasted_g = str(target["roasted_g"] - 50)
    assert batch.save().ok
    assert outside(demo_path, "SELECT roasted_g FROM roast_batches WHERE id = ?", target["id"]) == [
        (target["roasted_g"] - 50,)
    ]
    assert batch.editing is None


def test_the_view_shows_the_batch_being_edited(tab, demo_path):
    target = tab.model.history.batches[0]
    tab.pick.value = target["id"]
    tab.edit_button.click()
    assert "Edit batch" in tab.entry_title.value and not is_hidden(tab.cancel_edit)
    tab.save.click()
    assert "Saved batch" in tab.form.status.value and "Log a roast" in tab.entry_title.value
    assert is_hidden(tab.cancel_edit)


def test_owner_deletes_a_batch_after_confirming(model, demo_path):
    history = model.history
    target = history.batches[0]
    before = count(demo_path, "roast_batches")
    history.pick(target["id"])
    asked = history.ask_delete()
    assert (
        asked.status == "asking" and asked.said.values["id"] == target["id"] and history.pending_delete == target["id"]
    )
    assert count(demo_path, "roast_batches") == before  # not before the confirmation
    history.pick(0)  # picking again drops the question
    assert history.delete().status == "idle" and count(demo_path, "roast_batches") == before
    history.pick(target["id"])
    history.ask_delete()
    assert model.delete().ok
    assert count(demo_path, "roast_batches") == before - 1
    history.load()
    assert target["id"] not in [b["id"] for b in history.batches]


def test_the_view_asks_before_deleting(tab, demo_path):
    target = tab.model.history.batches[0]
    before = count(demo_path, "roast_batches")
    tab.pick.value = target["id"]
    tab.delete_button.click()
    assert not is_hidden(tab.confirm) and f"#{target['id']}" in tab.confirm_text.value
    assert count(demo_path, "roast_batches") == before
    tab.confirm_yes.click()
    assert count(demo_path, "roast_batches") == before - 1 and "deleted" in tab.actions_form.status.value


def test_owner_resolves_an_alert_with_a_note(model, demo_path):
    history = model.history
    history.filter(since=date(2026, 9, 1), alerts_only=True)
    target = history.batches[0]
    assert history.pick(target["id"]).resolve
    refused = history.resolve("")
    assert refused.status == "refused" and "is required" in refused.error.message  # a resolution needs its note
    result = history.resolve("Probe recalibrated")
    assert result.ok and result.said.key == "roast.resolved"
    still_open = outside(demo_path, "SELECT batch_id FROM loss_alerts WHERE resolved_at IS NULL")
    assert (target["id"],) not in [tuple(r) for r in still_open]


def test_staff_correct_their_own_batch_of_today_but_no_other(demo_path):
    """Issue #15 4b: staff may edit/delete the batch they logged today; another's batch (or their
    own of an earlier day) allows neither, and a forged confirmation is refused by the store."""
    app = signed_in(demo_path, STAFF)
    tab = app.tab("roasting")
    model, batch, history = tab.model, tab.model.batch, tab.model.history
    assert not is_hidden(tab.actions)
    fill(batch)
    assert batch.save().ok
    history.load()
    mine = max(b["id"] for b in history.batches)
    others = next(b["id"] for b in history.batches if b["id"] != mine)
    state = history.pick(others)
    assert not state.correct and not state.resolve and not state.may_resolve
    before = count(demo_path, "roast_batches")
    history.pending_delete = others  # a forged confirmation for someone else's batch
    refused = model.delete()
    assert refused.status == "refused" and "own entries" in refused.error.message
    assert count(demo_path, "roast_batches") == before

    assert history.pick(mine).correct
    assert model.edit().ok and batch.editing == mine
    batch.roasted_g = "2450"
    assert batch.save().ok
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
    assert not history.pick(mine).correct
    assert history.ask_delete().status == "failed"
    history.pending_delete = mine
    assert model.delete().status == "refused"
    assert count(demo_path, "roast_batches") == before + 0  # refused
    conn = db.connect(demo_path)
    conn.execute(
        "UPDATE audit_log SET at = datetime(at, '+1 day') WHERE entity = 'roast_batch' AND entity_id = ?", (mine,)
    )
    conn.commit()
    conn.close()
    history.pending_delete = mine  # positive control: today again, the delete goes through
    assert model.delete().ok
    assert count(demo_path, "roast_batches") == before - 1


def test_staff_see_edit_and_delete_only_for_their_own(demo_path):
    app = signed_in(demo_path, STAFF)
    tab = app.tab("roasting")
    fill(tab.model.batch)
    tab.save.click()
    mine = max(b["id"] for b in tab.model.history.batches)
    others = next(b["id"] for b in tab.model.history.batches if b["id"] != mine)
    tab.pick.value = others
    assert is_hidden(tab.edit_button) and is_hidden(tab.delete_button) and is_hidden(tab.resolve_button)
    tab.pick.value = mine
    assert not is_hidden(tab.edit_button) and not tab.edit_button.disabled and not is_hidden(tab.delete_button)


def test_a_logged_batch_reaches_the_overview(app, tab, demo_path):
    overview = app.tabs["overview"]
    batches = overview.data["overview"]["batches"]
    fill(tab.model.batch, day=DEMO_TODAY)
    tab.save.click()  # the view tells the other tabs
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
def test_a_blends_green_weight_that_is_not_whole_grams_is_refused(batch, tab, demo_path, green):
    before = count_outside(demo_path, "roast_batches")
    fill(batch, green="3000", roasted="2500")  # the per-bean boxes were filled from "3000" as it was typed
    batch.green_g = green
    assert values(batch) == ["", "", "", ""]  # not the stale 3,000 g split
    found = errors(batch.save())
    assert found.keys() == {"green_g"} and "whole number" in found["green_g"].message
    assert count_outside(demo_path, "roast_batches") == before
    tab.save.click()
    assert tab.form.errors.keys() == {"green_g"}
    batch.green_g = "3,000"  # the fix clears the error at once, and then it saves
    assert tab.form.errors == {} and batch.problems() == []
    assert batch.save().ok
    assert count_outside(demo_path, "roast_batches") == before + 1
    assert outside(demo_path, LAST_BATCH)[0][1:] == (2500, 3000)


def test_per_bean_grams_must_add_up_to_green(batch, tab, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(batch, green="5000", roasted="4170")
    for comp, grams in zip(list(batch.components), ["2400", "2400", "600", "600"], strict=True):
        batch.set_component(comp["code"], grams)  # weighed per bean: 6,000 g
    assert batch.preview["mismatch"] == (6000, 5000) and not batch.preview["valid"]
    assert "add up to 6,000 g" in tab.preview_box.value
    found = errors(batch.save())
    assert found.keys() == {"green_g"}
    assert found["green_g"].message == "must equal the per-bean grams below, which add up to 6,000 g"
    assert count_outside(demo_path, "roast_batches") == before
    batch.green_g = "6000"  # Green was the typo
    assert batch.problems() == [] and batch.preview["valid"]
    asked = batch.save()
    assert asked.status == "asking" and round(float(asked.said.values["loss"]), 1) == 30.5  # 6,000 → 4,170 g is odd too
    assert tab.confirm_save.asking and "30.5%" in tab.confirm_save.text.value
    assert count_outside(demo_path, "roast_batches") == before
    tab.confirm_save.yes.click()
    assert count_outside(demo_path, "roast_batches") == before + 1
    assert last_components(demo_path) == {
        "KEN-MASAI-AA": 2400,
        "GTM-ANTIGUA": 2400,
        "ETH-MOMORA": 600,
        "ETH-SIDAMO-G4": 600,
    }


def test_per_bean_grams_typed_unevenly_are_saved_as_typed(batch, demo_path):
    fill(batch, green="5000", roasted="4170")
    batch.set_component("KEN-MASAI-AA", "2100")
    batch.set_component("GTM-ANTIGUA", "1900")
    assert batch.save().ok
    assert last_components(demo_path) == {
        "KEN-MASAI-AA": 2100,
        "GTM-ANTIGUA": 1900,
        "ETH-MOMORA": 500,
        "ETH-SIDAMO-G4": 500,
    }


def test_per_bean_boxes_follow_green_until_typed_in(batch, tab):
    fill(batch, green="3000", roasted="")
    batch.set_component("ETH-MOMORA", "350")
    batch.green_g = "4000"  # typed boxes are the person's: not overwritten
    assert values(batch) == ["1200", "1200", "350", "300"]
    for comp in list(batch.components):
        batch.set_component(comp["code"], "")  # all emptied: split Green again
    assert values(batch) == ["1600", "1600", "400", "400"]
    tab.component_fields["ETH-MOMORA"].value = "410"  # typed into the view: the model's
    assert values(batch) == ["1600", "1600", "410", "400"] and batch.typed_components()


def test_text_in_a_per_bean_box_names_that_box(batch, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(batch, green="3000", roasted="2500")
    batch.set_component("GTM-ANTIGUA", "1200.5")
    found = errors(batch.save())
    assert found.keys() == {"green_g[GTM-ANTIGUA]"} and "whole number" in found["green_g[GTM-ANTIGUA]"].message
    assert count_outside(demo_path, "roast_batches") == before
    batch.set_component("GTM-ANTIGUA", "1200")
    assert batch.save().ok
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_every_bad_field_is_found_at_once(batch, tab, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(batch, product="", green="abc", roasted="eight hundred", minutes="long")
    assert errors(batch.save()).keys() == {"product", "green_g", "roasted_g", "minutes"}
    tab.save.click()
    assert tab.form.errors.keys() == {"product", "green_g", "roasted_g", "minutes"}
    assert count_outside(demo_path, "roast_batches") == before
    fill(batch, product="bean:ETH-YIRGACHEFFE", green="1000", roasted="850", minutes="12.5")
    assert tab.form.errors == {} and tab.form.status.value == ""
    assert batch.save().ok
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_a_corrected_value_loses_its_error_at_once(batch, tab):
    fill(batch, product="bean:ETH-YIRGACHEFFE", green="5000g", roasted="4170")
    tab.save.click()
    assert "must be a whole number" in tab.green_total.error.value
    batch.green_g = "5,000"
    assert tab.form.errors == {} and "correct" not in tab.form.status.value


def test_a_korean_error_goes_when_the_other_field_is_fixed(batch, tab, demo_path):
    tab.ctx.lang = "ko"
    fill(batch, product="bean:ETH-YIRGACHEFFE", green="4500", roasted="4600")
    tab.save.click()
    assert "생두량(4,500 g)보다 적어야 합니다" in tab.roasted_g.error.value
    batch.green_g = "5000"
    assert tab.form.errors == {} and tab.form.status.value == ""
    before = count_outside(demo_path, "roast_batches")
    assert batch.save().ok
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_a_stock_shortage_is_found_before_the_store_and_goes_when_fixed(batch, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(batch, product="bean:ETH-SIDAMO-G4", green="5000", roasted="4170")
    assert "only 3,600 g of ETH-SIDAMO-G4 in stock" in errors(batch.save())["green_g"].message
    assert count_outside(demo_path, "roast_batches") == before
    batch.green_g, batch.roasted_g = "3000", "2500"
    assert batch.problems() == []
    assert batch.save().ok
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_an_implausible_loss_asks_save_anyway(batch, tab, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(batch, product="bean:GTM-ANTIGUA", green="4170", roasted="417")  # 417 typed for 4,170
    asked = batch.save()
    assert asked.status == "asking" and batch.question is asked
    assert round(float(asked.said.values["loss"]), 1) == 90.0 and (
        asked.said.values["low"],
        asked.said.values["high"],
    ) == (8, 25)
    assert "90.0%" in tab.confirm_save.text.value and "8%–25%" in tab.confirm_save.text.value
    assert count_outside(demo_path, "roast_batches") == before  # not before the answer
    tab.confirm_save.no.click()
    assert batch.question is None and not tab.confirm_save.asking
    assert count_outside(demo_path, "roast_batches") == before
    batch.save()
    batch.roasted_g = "418"  # a change withdraws the question
    assert batch.question is None and not tab.confirm_save.asking
    assert batch.confirm().status == "idle"  # a stale click saves nothing
    assert count_outside(demo_path, "roast_batches") == before
    batch.save()
    assert batch.confirm().ok and batch.question is None
    assert count_outside(demo_path, "roast_batches") == before + 1
    assert outside(demo_path, LAST_BATCH)[0][1:] == (418, 4170)


def test_a_plausible_loss_saves_without_asking(batch, demo_path):
    before = count_outside(demo_path, "roast_batches")
    fill(batch, product="bean:GTM-ANTIGUA", green="4170", roasted="3500")  # 16.1 %
    assert batch.save().ok and batch.question is None
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_the_plausible_band_is_the_owners_setting(batch, tab, demo_path):
    conn = db.connect(demo_path)
    cost_settings.save(conn, effective_from=DAY, plausible_loss_min_pct="5", plausible_loss_max_pct="12")
    conn.close()
    tab.refresh()
    before = count_outside(demo_path, "roast_batches")
    fill(batch, product="bean:GTM-ANTIGUA", green="4170", roasted="3500")  # 16.1 %: now outside
    asked = batch.save()
    assert asked.status == "asking" and (asked.said.values["low"], asked.said.values["high"]) == (5, 12)
    assert "5%–12%" in tab.confirm_save.text.value
    assert count_outside(demo_path, "roast_batches") == before
    assert batch.confirm().ok
    assert count_outside(demo_path, "roast_batches") == before + 1


def test_the_store_refuses_two_green_weights(demo_path):
    conn = db.connect(demo_path)
    before = count_outside(demo_path, "roast_batches")
    per_bean = {"KEN-MASAI-AA": 2400, "GTM-ANTIGUA": 2400, "ETH-MOMORA": 600, "ETH-SIDAMO-G4": 600}
    fields = {"product": "blend:FULL-MOON", "roasted_on": DAY, "roasted_g": "5000", "components": per_bean}
    with pytest.raises(ValidationError) as caught:
        roasting.add_batch(conn, green_g="5000", **fields)
    assert caught.value.field == "green_g" and "6,000 g" in caught.value.message
    assert count_outside(demo_path, "roast_batches") == before
    roasting.add_batch(conn, green_g="6,000", **fields)  # one weight, said twice the same
    assert count_outside(demo_path, "roast_batches") == before + 1
    conn.close()


# --- what a batch's cost is made of (issue #12) ---------------------------------------------------------


def test_the_preview_breaks_the_cost_down_and_says_the_session_is_shared(batch, model, tab, demo_path):
    fill(batch, product="bean:GTM-ANTIGUA", green="5000", roasted="4170", day=DEMO_TODAY)  # no batch yet that day
    first = batch.preview
    assert first["batch_cost_won"] == first["green_cost_won"] + first["roasting_cost_won"] + first["session_cost_won"]
    assert first["session_cost_won"] == batch.inputs.settings.session_fixed_won  # alone: all of it
    box = tab.preview_box.value
    assert "Roasting" in box and "Session share" in box and "shared by all batches of that day" in box
    assert batch.save().ok
    fill(batch, product="bean:GTM-ANTIGUA", green="5000", roasted="4170", day=DEMO_TODAY)
    second = batch.preview
    assert second["session_cost_won"] == first["session_cost_won"] / 2  # the same green weight: half each
    assert second["cost_per_kg_won"] < first["cost_per_kg_won"] and batch.inputs.session_other_n == 1
    assert "With the 1 other batch(es) of 2026-11-15" in tab.preview_box.value
    tab.save.click()
    tab.f_until.value = DEMO_TODAY
    found = next(b for b in model.history.batches if b["roasted_on"] == DEMO_TODAY.isoformat())
    assert found["session_batches"] == 2
    parts = found["green_cost_won"] + found["roasting_cost_won"] + found["session_cost_won"]
    assert abs(found["batch_cost_won"] - parts) <= 1  # each part rounded to the won on its own
    assert "session share" in tab.table.value and "(1 of 2 that day)" in tab.table.value
    assert "split by green weight" in tab.table_note.value


def test_korean_preview_explains_the_shared_session(batch, tab):
    tab.ctx.lang = "ko"
    fill(batch, product="bean:GTM-ANTIGUA", green="5000", roasted="4170")
    tab.render()
    assert "세션 분담" in tab.preview_box.value and "생두 무게 비율로 나누어" in tab.preview_box.value


def test_editing_a_blends_green_splits_it_again(model, batch, demo_path):
    model.history.filter(product="blend:FULL-MOON")
    target = model.history.batches[0]
    model.history.pick(target["id"])
    assert model.edit().ok
    assert batch.green_g == str(target["green_g"])
    batch.green_g = str(target["green_g"] - 100)
    assert sum(int(v) for v in values(batch)) == target["green_g"] - 100  # followed Green
    assert batch.save().ok
    total = outside(demo_path, "SELECT SUM(green_g) FROM roast_components WHERE batch_id = ?", target["id"])
    assert total == [(target["green_g"] - 100,)]


def test_a_batch_deleted_elsewhere_while_edited_says_so(model, batch, demo_path):
    target = model.history.batches[0]
    model.history.pick(target["id"])
    assert model.edit().ok
    conn = db.connect(demo_path)
    roasting.delete_batch(conn, target["id"])
    conn.close()
    before = count_outside(demo_path, "roast_batches")
    result = batch.save()
    assert result.status == "gone" and result.said.values == {"id": target["id"]} and batch.editing is None
    assert count_outside(demo_path, "roast_batches") == before
    fill(batch)  # positive control: the form logs a new batch again
    assert batch.save().ok and count_outside(demo_path, "roast_batches") == before + 1


def test_a_viewer_is_refused_by_the_model(demo_path):
    from browser_support import VIEWER

    tab = signed_in(demo_path, VIEWER).tab("roasting")
    tab.product.widget.options = [("x", "blend:FULL-MOON")]
    fill(tab.model.batch)
    before = count_outside(demo_path, "roast_batches")
    result = tab.model.batch.save()
    assert result.status == "failed" and "does not allow" in result.said.text("en")
    assert count_outside(demo_path, "roast_batches") == before
    owner = signed_in(demo_path, OWNER).tab("roasting").model.batch  # positive control
    fill(owner)
    assert owner.save().ok and count_outside(demo_path, "roast_batches") == before + 1

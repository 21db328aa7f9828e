"""Staff correct their own entries of the same day (issue #15, 4b): the permission layer
(`users.may_correct` / `require_correction`), the store calls that enforce it with the signed-in
role (purchases, stocktakes), the audit of old → new, and the Green inventory tab's card of
today's entries. Counts are read from another process."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest
from browser_support import OWNER, STAFF, signed_in

from themoon import db, inventory, users
from themoon.models import ValidationError
from themoon.ui.corrections import todays_entries
from themoon.ui.forms import is_hidden


def count(path, table: str) -> int:
    out = subprocess.check_output(
        [
            sys.executable,
            "-c",
            f"import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM {table}')"
            ".fetchone()[0])",
            str(path),
        ],
        text=True,
    )
    return int(out)


def age_entry(conn, entity: str, entity_id: int, days: int) -> None:
    """Move the record's creation `days` back (as if it was entered then)."""
    conn.execute(
        "UPDATE audit_log SET at = datetime(at, ?) WHERE entity = ? AND entity_id = ? AND action = 'create'",
        (f"-{days} day", entity, entity_id),
    )
    conn.commit()


def test_who_may_correct_what(demo_path):
    conn = db.connect(demo_path)
    mine = inventory.add_purchase(conn, bean="ETH-MOMORA", grams=1000, total_won=5000, user="staff")
    theirs = inventory.add_purchase(conn, bean="ETH-MOMORA", grams=1000, total_won=5000, user="owner")

    def may(username, role, entity_id, today=None):
        return users.may_correct(
            conn, username=username, role=role, entity="purchase", entity_id=entity_id, today=today
        )

    assert may("staff", "staff", mine) and not may("staff", "staff", theirs)
    assert may("owner", "owner", mine) and may("owner", "owner", theirs)
    assert not may("viewer", "viewer", mine) and not may("staff", None, mine)
    assert not may("staff", "staff", mine, today=date.today() + timedelta(days=1))
    age_entry(conn, "purchase", mine, 1)
    assert not may("staff", "staff", mine) and may("owner", "owner", mine)
    assert not users.may_correct(conn, username="staff", role="staff", entity="user", entity_id=1)
    conn.close()


def test_a_staff_correction_of_a_purchase_is_audited_old_to_new(demo_path):
    conn = db.connect(demo_path)
    mine = inventory.add_purchase(conn, bean="ETH-MOMORA", grams=1000, total_won=5000, user="staff")
    theirs = inventory.add_purchase(conn, bean="ETH-MOMORA", grams=1000, total_won=5000, user="owner")
    with pytest.raises(ValidationError, match="own entries"):
        inventory.update_purchase(conn, theirs, user="staff", role="staff", grams=2000)
    with pytest.raises(ValidationError, match="is not an editable field"):
        inventory.update_purchase(conn, mine, user="staff", role="staff", bean_id=1)
    with pytest.raises(ValidationError) as error:
        inventory.update_purchase(conn, mine, user="staff", role="staff", grams="-5")
    assert error.value.field == "grams"
    inventory.update_purchase(conn, mine, user="staff", role="staff", grams=1200, total_won=6000)
    row = conn.execute(
        "SELECT username, old_json, new_json FROM audit_log WHERE entity = 'purchase' AND entity_id = ?"
        " AND action = 'update'",
        (mine,),
    ).fetchone()
    assert row["username"] == "staff"
    assert json.loads(row["old_json"])["grams"] == 1000 and json.loads(row["new_json"]) == {
        "grams": 1200,
        "total_won": 6000,
    }
    conn.close()
    seen = subprocess.check_output(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("
            "'SELECT grams FROM purchases WHERE id = ?', (int(sys.argv[2]),)).fetchone()[0])",
            str(demo_path),
            str(mine),
        ],
        text=True,
    )
    assert int(seen) == 1200


def test_staff_undo_their_stocktake_of_today_only(demo_path):
    conn = db.connect(demo_path)
    mine = inventory.stocktake(conn, bean="ETH-MOMORA", counted_g=1, user="staff")
    theirs = inventory.stocktake(conn, bean="ETH-MOMORA", counted_g=2, user="owner")
    before = count(demo_path, "stock_adjustments")
    with pytest.raises(ValidationError, match="own entries"):
        inventory.delete_adjustment(conn, theirs, user="staff", role="staff")
    assert count(demo_path, "stock_adjustments") == before
    inventory.delete_adjustment(conn, theirs, user="owner", role="owner")
    inventory.delete_adjustment(conn, mine, user="staff", role="staff")
    assert count(demo_path, "stock_adjustments") == before - 2
    old = conn.execute(
        "SELECT old_json FROM audit_log WHERE entity = 'stock_adjustment' AND entity_id = ? AND action = 'delete'",
        (mine,),
    ).fetchone()[0]
    assert json.loads(old)["id"] == mine
    conn.close()


def test_the_inventory_card_lists_and_deletes_only_todays_own_entries(demo_path):
    app = signed_in(demo_path, STAFF)
    tab = app.tab("inventory")
    card = tab.todays
    assert not is_hidden(card.box) and card.entries == [] and "Nothing entered today" in card.empty.value
    tab.p_bean.value = "ETH-MOMORA"
    tab.p_grams.value = "1000"
    tab.p_total.value = "5000"
    tab._save_purchase()
    conn = db.connect(demo_path)
    other = inventory.add_purchase(conn, bean="ETH-MOMORA", grams=1000, total_won=5000, user="owner")
    tab.refresh()
    assert [(e["entity"], e["grams"]) for e in card.entries] == [("purchase", 1000)]
    assert other not in {e["id"] for e in card.entries}
    before = count(demo_path, "purchases")
    refused = card.model.delete(f"purchase:{other}")  # a forged choice: the store refuses it
    assert refused.status == "refused" and "own entries" in refused.error.message
    assert count(demo_path, "purchases") == before
    card.pick.widget.options = [("forged", f"purchase:{other}")]  # the same through the card
    card.pick.widget.value = f"purchase:{other}"
    card.confirm_yes.click()
    assert count(demo_path, "purchases") == before, card.pick.value
    assert "own entries" in card.pick.error.value and "nothing was saved" in card.form.status.value
    assert card.model.delete("nonsense:1").status == "idle"
    tab.refresh()
    assert len(card.entries) == 1  # theirs, still there
    card.delete_button.click()
    assert not is_hidden(card.confirm)
    card.confirm_yes.click()  # positive control: their own entry of today goes
    assert count(demo_path, "purchases") == before - 1 and "deleted" in card.form.status.value
    assert card.entries == []
    # the owner sees every entry made today, the viewer no card
    owner = signed_in(demo_path, OWNER).tab("inventory").todays
    assert other in [e["id"] for e in owner.entries if e["entity"] == "purchase"]  # (the demo was made today too)
    assert todays_entries(conn, username="x", role="viewer", today=date.today()) == []
    conn.close()

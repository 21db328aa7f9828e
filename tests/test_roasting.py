"""Roast batches, their costs and their loss alerts (themoon.roasting, SPEC §3–§4)."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from conftest import ROAST_DAY, db_checksum, ledger_never_negative

from themoon import audit, catalog, cost_settings, inventory, roasting
from themoon.costing import round_won
from themoon.models import ValidationError

D = date.fromisoformat


def batch(conn, product="KEN-AA", green=1000, roasted=833, on="2025-10-10", **extra):
    return roasting.add_batch(conn, product=product, green_g=green, roasted_g=roasted, roasted_on=on, **extra)


def alert_of(conn, batch_id):
    row = conn.execute("SELECT * FROM loss_alerts WHERE batch_id = ?", (batch_id,)).fetchone()
    return None if row is None else dict(row)


def runs(conn, ids):
    return [(alert_of(conn, i) or {}).get("run_length", 0) for i in ids]


# --- recording ---------------------------------------------------------------------------------------


def test_add_batch_of_a_bean(small_cafe):
    conn = small_cafe.conn
    saved = batch(conn, green=1000, roasted=833, operator="지민", minutes="12.5", notes="first crack 9:10")
    assert saved["product"] == "KEN-AA" and saved["product_kind"] == "bean"
    assert saved["green_g"] == 1000 and saved["roasted_g"] == 833
    assert saved["loss_pct"] == 16.7 and saved["variance_pct"] == 0.0 and saved["expected_loss_pct"] == 16.7
    assert saved["alert"] is None
    assert saved["components"] == [{"bean": "KEN-AA", "green_g": 1000, "green_cost_won": 6200}]
    assert saved["minutes"] == 12.5 and saved["operator"] == "지민" and saved["source"] == "manual"
    assert inventory.stock_g(conn, small_cafe.beans["KEN-AA"]) == 9000
    assert [e["action"] for e in audit.entries(conn, entity="roast_batch")] == ["create"]


def test_add_batch_of_a_blend_splits_by_recipe(small_cafe):
    saved = batch(small_cafe.conn, product="FULL-MOON", green=1234, roasted=1000)
    grams = {c["bean"]: c["green_g"] for c in saved["components"]}
    assert grams == {"KEN-AA": 494, "GUA-ANT": 494, "ETH-MOM": 123, "ETH-SID": 123}
    costs = {c["bean"]: c["green_cost_won"] for c in saved["components"]}
    # frozen at the moving average, half-up: 494 × 6.2 = 3062.8; 123 × 4.3 = 528.9
    assert costs == {"KEN-AA": 3063, "GUA-ANT": 2964, "ETH-MOM": 554, "ETH-SID": 529}
    assert saved["green_cost_won"] == sum(costs.values())


def test_add_batch_of_a_blend_with_explicit_components(small_cafe):
    saved = roasting.add_batch(
        small_cafe.conn,
        product="FULL-MOON",
        roasted_g=2500,
        roasted_on="2025-10-10",
        components={"KEN-AA": 1300, "GUA-ANT": 1200, "ETH-MOM": 300, "ETH-SID": 200},
    )
    assert saved["green_g"] == 3000
    with pytest.raises(ValidationError) as caught:
        roasting.add_batch(
            small_cafe.conn,
            product="FULL-MOON",
            roasted_g=100,
            roasted_on="2025-10-10",
            components={"KEN-AA": 100, "NOPE": 50},
        )
    assert caught.value.field == "bean"


def test_component_not_in_the_recipe_is_refused(small_cafe):
    catalog.add_bean(small_cafe.conn, code="ETH-YIR", name_en="Yirgacheffe")
    with pytest.raises(ValidationError) as caught:
        roasting.add_batch(
            small_cafe.conn, product="FULL-MOON", roasted_g=100, roasted_on="2025-10-10", components={"ETH-YIR": 200}
        )
    assert caught.value.field == "components"


def test_batch_field_errors(small_cafe):
    conn = small_cafe.conn
    before = db_checksum(conn)
    cases = [
        (dict(product="NOPE", green_g=1000, roasted_g=800), "product"),
        (dict(product="KEN-AA", green_g=1000, roasted_g=1000), "roasted_g"),
        (dict(product="KEN-AA", green_g=1000, roasted_g=1200), "roasted_g"),
        (dict(product="KEN-AA", green_g=0, roasted_g=1), "green_g"),
        (dict(product="KEN-AA", green_g=1000, roasted_g=0), "roasted_g"),
        (dict(product="FULL-MOON", green_g=3, roasted_g=1), "green_g"),  # cannot split 3 g four ways
        (dict(product="KEN-AA", green_g=1000, roasted_g=800, minutes="0"), "minutes"),
        (dict(product="KEN-AA", green_g=1000, roasted_g=800, minutes="241"), "minutes"),
        (dict(product="KEN-AA", green_g=1000, roasted_g=800, source="hack"), "source"),
        (dict(product="KEN-AA", green_g=1000, roasted_g=800, colour="dark"), "colour"),
        (
            dict(product="KEN-AA", green_g=1000, roasted_g=800, roasted_on=date.today() + timedelta(days=1)),
            "roasted_on",
        ),
    ]
    for values, field in cases:
        values.setdefault("roasted_on", "2025-10-10")
        with pytest.raises(ValidationError) as caught:
            roasting.add_batch(conn, **values)
        assert caught.value.field == field, values
    assert db_checksum(conn) == before


# --- cost of a batch (docs/costing.md §4–§5) -----------------------------------------------------------


def test_session_costs_are_split_by_green_grams_across_the_day(small_cafe):
    conn = small_cafe.conn
    fm = batch(conn, product="FULL-MOON", green=5000, roasted=4165)
    ke = batch(conn, product="KEN-AA", green=3000, roasted=2490)
    gu = batch(conn, product="GUA-ANT", green=1000, roasted=830)
    other_day = batch(conn, product="ETH-MOM", green=1000, roasted=830, on="2025-10-11")
    by_id = {b["id"]: b for b in roasting.list_batches(conn)}
    fm, ke, gu, other_day = (by_id[b["id"]] for b in (fm, ke, gu, other_day))
    assert [fm["session_cost_won"], ke["session_cost_won"], gu["session_cost_won"]] == [21_111, 12_667, 4_222]
    assert other_day["session_cost_won"] == 38_000  # alone on its day
    # the worked example of docs/costing.md §5
    assert fm["green_cost_won"] == 28_800
    assert fm["roasting_cost_won"] == 8_330
    assert fm["batch_cost_won"] == 58_241
    assert fm["cost_per_roasted_kg_won"] == 13_983
    # roasting ₩/kg is charged on ROASTED kg
    assert ke["roasting_cost_won"] == 4_980


def test_a_new_batch_on_the_same_day_reshares_the_session(small_cafe):
    conn = small_cafe.conn
    first = batch(conn, green=3000, roasted=2500)
    assert roasting.get_batch(conn, first["id"])["session_cost_won"] == 38_000
    batch(conn, product="GUA-ANT", green=3000, roasted=2500)
    assert roasting.get_batch(conn, first["id"])["session_cost_won"] == 19_000


def test_costs_use_the_settings_in_force_on_the_batch_date(small_cafe):
    conn = small_cafe.conn
    past = batch(conn, green=3000, roasted=2500, on="2025-10-10")
    before = roasting.get_batch(conn, past["id"])
    # the owner raises labour today: the past batch keeps its cost
    cost_settings.save(conn, labour_won_per_hour=30_000, roasting_won_per_kg=3000)
    after = roasting.get_batch(conn, past["id"])
    for key in ("batch_cost_won", "cost_per_roasted_kg_won", "session_cost_won", "roasting_cost_won"):
        assert after[key] == before[key], key
    # a version effective from the batch date itself does apply to it
    cost_settings.save(conn, effective_from="2025-10-10", labour_won_per_hour=30_000)
    assert roasting.get_batch(conn, past["id"])["session_cost_won"] == 30_000 * 2 + 8000


def test_first_settings_saved_today_do_not_recost_the_past(conn):
    """Before any version was saved the defaults applied; saving the first one today must not
    change what the past batches cost (SPEC §3: past costs never change)."""
    catalog.add_bean(conn, code="KEN-AA", name_en="Kenya Masai AA")
    inventory.add_purchase(conn, bean="KEN-AA", grams=10_000, total_won=62_000, purchased_on="2025-10-01")
    past = batch(conn, green=3000, roasted=2500)
    before = roasting.get_batch(conn, past["id"])["batch_cost_won"]
    cost_settings.save(conn, labour_won_per_hour=30_000)
    assert roasting.get_batch(conn, past["id"])["batch_cost_won"] == before


def test_green_cost_is_frozen_at_roast_time(small_cafe):
    conn = small_cafe.conn
    saved = batch(conn, green=2000, roasted=1660)
    assert saved["green_cost_won"] == 12_400
    # a dearer lot bought later (or on a later day) does not touch the recorded batch
    inventory.add_purchase(conn, bean="KEN-AA", grams=10_000, total_won=100_000, purchased_on="2025-10-11")
    assert roasting.get_batch(conn, saved["id"])["green_cost_won"] == 12_400


def test_editing_a_batch_refreezes_its_cost_without_counting_itself(conn):
    """Moving a batch past a purchase freezes it at the average that purchase really makes."""
    catalog.add_bean(conn, code="KEN-AA", name_en="Kenya Masai AA")
    inventory.add_purchase(conn, bean="KEN-AA", grams=10_000, total_won=62_000, purchased_on="2025-10-01")
    saved = batch(conn, green=6000, roasted=5000, on="2025-10-02")
    inventory.add_purchase(conn, bean="KEN-AA", grams=4000, total_won=40_000, purchased_on="2025-10-05")
    moved = roasting.update_batch(conn, saved["id"], roasted_on="2025-10-06")
    # with the batch on 10-06, the 10-05 lot meets 10 kg at 6.2: avg = (62000 + 40000) / 14000
    assert moved["green_cost_won"] == round_won(Fraction(6000 * 102_000, 14_000)) == 43_714
    fresh = batch(conn, green=1000, roasted=830, on="2025-10-06")
    assert fresh["green_cost_won"] == round_won(Fraction(1000 * 102_000, 14_000))


# --- loss alerts -------------------------------------------------------------------------------------


def test_alert_levels_and_directions(small_cafe):
    conn = small_cafe.conn
    ok = batch(conn, green=1000, roasted=833)  # 16.7
    high = batch(conn, green=1000, roasted=800)  # 20.0 → +3.3
    critical = batch(conn, green=1000, roasted=780)  # 22.0 → +5.3
    edge = batch(conn, green=1000, roasted=863)  # 13.7 → −3.0 exactly: no alert
    low = batch(conn, green=1000, roasted=870)  # 13.0 → −3.7
    assert alert_of(conn, ok["id"]) is None
    assert alert_of(conn, edge["id"]) is None
    a = alert_of(conn, high["id"])
    assert (a["level"], a["direction"], a["loss_bp"], a["expected_bp"], a["run_length"]) == (
        "WARNING",
        "HIGH",
        2000,
        1670,
        1,
    )
    a = alert_of(conn, critical["id"])
    assert (a["level"], a["direction"], a["run_length"]) == ("CRITICAL", "HIGH", 2)
    a = alert_of(conn, low["id"])
    assert (a["level"], a["direction"], a["run_length"]) == ("WARNING", "LOW", 1)
    listed = roasting.get_batch(conn, critical["id"])
    assert listed["alert"] == {"level": "CRITICAL", "direction": "HIGH", "run_length": 2, "resolved": False}
    assert listed["variance_pct"] == 5.3
    assert {a["batch_id"] for a in roasting.list_alerts(conn)} == {high["id"], critical["id"], low["id"]}


def test_exactly_five_points_is_a_warning(small_cafe):
    conn = small_cafe.conn
    saved = batch(conn, green=1000, roasted=783)  # 21.7 → +5.0
    assert alert_of(conn, saved["id"])["level"] == "WARNING"


def test_an_edit_that_fixes_the_loss_removes_its_alert(small_cafe):
    conn = small_cafe.conn
    saved = batch(conn, green=1000, roasted=800)
    assert alert_of(conn, saved["id"]) is not None
    fixed = roasting.update_batch(conn, saved["id"], roasted_g=835)
    assert fixed["alert"] is None and alert_of(conn, saved["id"]) is None
    broken = roasting.update_batch(conn, saved["id"], green_g=1100)  # 835 of 1100 → 24.1 %
    assert broken["alert"]["level"] == "CRITICAL"
    assert [e["action"] for e in audit.entries(conn, entity="roast_batch")] == ["update", "update", "create"]


def test_run_lengths_follow_deletes_in_the_middle(small_cafe):
    conn = small_cafe.conn
    ids = [batch(conn, green=1000, roasted=800, on=f"2025-10-1{i}")["id"] for i in range(4)]
    assert runs(conn, ids) == [1, 2, 3, 4]
    roasting.delete_batch(conn, ids[1])
    assert runs(conn, [ids[0], ids[2], ids[3]]) == [1, 2, 3]
    assert alert_of(conn, ids[1]) is None  # gone with its batch


def test_deleting_a_normal_batch_joins_two_runs(small_cafe):
    conn = small_cafe.conn
    a = batch(conn, green=1000, roasted=800, on="2025-10-10")["id"]
    normal = batch(conn, green=1000, roasted=833, on="2025-10-11")["id"]
    b = batch(conn, green=1000, roasted=800, on="2025-10-12")["id"]
    assert runs(conn, [a, normal, b]) == [1, 0, 1]
    roasting.delete_batch(conn, normal)
    assert runs(conn, [a, b]) == [1, 2]
    # and a backdated normal batch splits them again
    batch(conn, green=1000, roasted=833, on="2025-10-11")
    assert runs(conn, [a, b]) == [1, 1]


def test_runs_are_counted_per_product(small_cafe):
    conn = small_cafe.conn
    k1 = batch(conn, product="KEN-AA", green=1000, roasted=800, on="2025-10-10")["id"]
    batch(conn, product="GUA-ANT", green=1000, roasted=833, on="2025-10-11")
    k2 = batch(conn, product="KEN-AA", green=1000, roasted=800, on="2025-10-12")["id"]
    assert runs(conn, [k1, k2]) == [1, 2]


def test_moving_a_batch_to_another_product_rejudges_both(small_cafe):
    conn = small_cafe.conn
    k1 = batch(conn, product="KEN-AA", green=1000, roasted=800, on="2025-10-10")["id"]
    k2 = batch(conn, product="KEN-AA", green=1000, roasted=800, on="2025-10-11")["id"]
    g1 = batch(conn, product="GUA-ANT", green=1000, roasted=800, on="2025-10-12")["id"]
    roasting.update_batch(conn, k1, product="GUA-ANT")
    assert runs(conn, [k2]) == [1]
    assert runs(conn, [k1, g1]) == [1, 2]
    assert roasting.get_batch(conn, k1)["components"][0]["bean"] == "GUA-ANT"


def test_resolution_is_kept_while_the_verdict_is_unchanged(small_cafe):
    conn = small_cafe.conn
    saved = batch(conn, green=1000, roasted=800)
    roasting.resolve_alert(conn, saved["id"], "scale was off", user="owner")
    assert roasting.list_alerts(conn) == []
    assert roasting.list_alerts(conn, open_only=False)[0]["resolution_note"] == "scale was off"
    # edits that keep the verdict (notes, a nearby loss, a batch before it) keep the resolution
    roasting.update_batch(conn, saved["id"], notes="checked")
    roasting.update_batch(conn, saved["id"], roasted_g=795)  # 20.5 %: still WARNING HIGH
    batch(conn, green=1000, roasted=833, on="2025-10-09")
    kept = alert_of(conn, saved["id"])
    assert (kept["resolved_by"], kept["resolution_note"]) == ("owner", "scale was off")
    assert roasting.get_batch(conn, saved["id"])["alert"]["resolved"] is True
    # a different verdict is a new alert, open again
    roasting.update_batch(conn, saved["id"], roasted_g=770)
    reopened = alert_of(conn, saved["id"])
    assert reopened["level"] == "CRITICAL" and reopened["resolved_at"] is None


def test_resolve_needs_an_alert_and_a_note(small_cafe):
    conn = small_cafe.conn
    saved = batch(conn, green=1000, roasted=833)
    with pytest.raises(ValidationError) as caught:
        roasting.resolve_alert(conn, saved["id"], "fine")
    assert caught.value.field == "batch_id"
    bad = batch(conn, green=1000, roasted=800)
    with pytest.raises(ValidationError) as caught:
        roasting.resolve_alert(conn, bad["id"], "   ")
    assert caught.value.field == "note"


def test_expected_loss_of_the_product_and_the_recent_toggle(small_cafe):
    conn = small_cafe.conn
    catalog.update_bean(conn, "GUA-ANT", expected_loss_pct="20")
    own = batch(conn, product="GUA-ANT", green=1000, roasted=800)  # 20 % against its own 20 %
    assert own["alert"] is None and own["expected_loss_pct"] == 20.0
    # toggle on: judged against the mean of the previous (up to 10) batches of the product
    cost_settings.save(conn, effective_from="2025-10-11", use_recent_loss=True)
    for day in range(11, 14):
        batch(conn, green=1000, roasted=780, on=f"2025-10-{day}")  # 22 % each
    first = roasting.list_batches(conn, product="KEN-AA", since=D("2025-10-11"))[-1]
    # the first KEN-AA batch has no history: the settings' 16.7 % applies → CRITICAL
    assert first["expected_loss_pct"] == 16.7 and first["alert"]["level"] == "CRITICAL"
    later = roasting.list_batches(conn, product="KEN-AA", since=D("2025-10-12"))
    assert all(b["expected_loss_pct"] == 22.0 and b["alert"] is None for b in later)


def test_thirty_day_status(small_cafe):
    conn = small_cafe.conn
    start = ROAST_DAY + timedelta(days=25)
    today = start + timedelta(days=6)  # the window is (today − 30, today]
    for i in range(5):
        batch(conn, product="KEN-AA", green=1000, roasted=800, on=(start + timedelta(days=i)).isoformat())
    for i in range(2):
        batch(conn, product="GUA-ANT", green=1000, roasted=800, on=(start + timedelta(days=i)).isoformat())
    batch(conn, product="ETH-MOM", green=1000, roasted=800, on=(today - timedelta(days=30)).isoformat())  # just out
    batch(conn, product="ETH-SID", green=1000, roasted=800, on=(today - timedelta(days=29)).isoformat())  # just in
    status = {s["product"]: s for s in roasting.loss_status(conn, today=today)}
    assert status["KEN-AA"]["status"] == "CRITICAL" and status["KEN-AA"]["anomalies_30d"] == 5
    assert status["KEN-AA"]["longest_run_30d"] == 5
    assert status["GUA-ANT"]["status"] == "ATTENTION"
    assert status["ETH-MOM"]["status"] == "NORMAL" and status["ETH-MOM"]["anomalies_30d"] == 0
    assert status["ETH-SID"]["anomalies_30d"] == 1 and status["ETH-SID"]["status"] == "NORMAL"
    assert status["FULL-MOON"]["status"] == "NORMAL"
    # one KEN-AA batch deleted: 4 anomalies → ATTENTION
    first = roasting.list_batches(conn, product="KEN-AA")[-1]
    roasting.delete_batch(conn, first["id"])
    status = {s["product"]: s for s in roasting.loss_status(conn, today=today)}
    assert status["KEN-AA"]["status"] == "ATTENTION"


# --- sessions, edits and deletes ------------------------------------------------------------------------


def test_session_is_all_or_nothing(small_cafe):
    conn = small_cafe.conn
    before = db_checksum(conn)
    rows = [
        {"product": "KEN-AA", "green_g": 3000, "roasted_g": 2500, "roasted_on": "2025-10-10"},
        {"product": "GUA-ANT", "green_g": 3000, "roasted_g": 3000, "roasted_on": "2025-10-10"},
        {"product": "ETH-MOM", "green_g": 1000, "roasted_g": 830, "roasted_on": "2025-10-10"},
    ]
    with pytest.raises(ValidationError) as caught:
        roasting.add_session(conn, rows)
    assert caught.value.field.startswith("row 2")
    assert "row 2" in str(caught.value) and "roasted_g" in caught.value.field
    assert db_checksum(conn) == before
    assert conn.execute("SELECT COUNT(*) FROM roast_batches").fetchone()[0] == 0
    with pytest.raises(ValidationError) as caught:
        roasting.add_session(conn, [])
    assert caught.value.field == "batches"


def test_session_checks_stock_across_its_rows(small_cafe):
    conn = small_cafe.conn
    rows = [{"product": "KEN-AA", "green_g": 6000, "roasted_g": 5000, "roasted_on": "2025-10-10"}] * 2
    with pytest.raises(ValidationError) as caught:
        roasting.add_session(conn, rows)
    assert caught.value.field == "row 2 green_g" and "4,000 g" in str(caught.value)
    assert conn.execute("SELECT COUNT(*) FROM roast_batches").fetchone()[0] == 0
    saved = roasting.add_session(conn, rows[:1] + [{**rows[0], "green_g": 4000, "roasted_g": 3300}])
    assert [b["session_cost_won"] for b in saved] == [22_800, 15_200]
    assert inventory.stock_g(conn, small_cafe.beans["KEN-AA"]) == 0


# --- many batches at once ---------------------------------------------------------------------------


def test_add_batches_is_all_or_nothing_and_names_the_row(small_cafe):
    conn = small_cafe.conn
    before = db_checksum(conn)
    good = {"product": "KEN-AA", "green_g": 3000, "roasted_g": 2500, "roasted_on": "2025-10-10"}
    cases = [
        ([good, good, {**good, "green_g": 5000}], "row 3 green_g", "only 4,000 g of Kenya Masai AA"),
        ([good, {**good, "roasted_g": 3000}], "row 2 roasted_g", "less than the green weight"),
        ([{**good, "colour": "brown"}, good], "row 1 colour", "not a batch field"),
        ([good, {**good, "product": "NOPE"}], "row 2 product", "unknown product"),
        ([good, {**good, "roasted_on": "2999-01-01"}], "row 2 roasted_on", "future"),
        # rows are judged in order: row 2's stock before row 3's bad date
        ([good, {**good, "green_g": 8000}, {**good, "roasted_on": "soon"}], "row 2 green_g", "only 7,000 g"),
    ]
    for rows, field, message in cases:
        with pytest.raises(ValidationError) as caught:
            roasting.add_batches(conn, rows)
        assert caught.value.field == field and message in caught.value.message, (field, caught.value)
        assert db_checksum(conn) == before
    assert roasting.add_batches(conn, []) == []
    ids = roasting.add_batches(conn, [good, {**good, "product": "FULL-MOON"}], user="지민")
    assert [roasting.get_batch(conn, i)["product"] for i in ids] == ["KEN-AA", "FULL-MOON"]
    entries = audit.entries(conn, entity="roast_batch")
    assert sorted(e["entity_id"] for e in entries) == ids and {e["username"] for e in entries} == {"지민"}


def test_add_batches_reports_every_rejected_row_when_asked(small_cafe):
    conn = small_cafe.conn
    good = {"product": "KEN-AA", "green_g": 2000, "roasted_g": 1700, "roasted_on": "2025-10-10"}
    seen = []
    ids = roasting.add_batches(
        conn,
        [good, {**good, "green_g": 9000}, {**good, "roasted_g": 1}, {**good, "roasted_g": 1600}, good],
        rejected=lambda index, error: seen.append((index, error.field)),
    )
    # a skipped row takes nothing: rows 4 and 5 still find what row 2 did not take
    assert seen == [(1, "green_g")]
    assert ids[1] is None and all(ids[i] for i in (0, 2, 3, 4))
    assert inventory.stock_g(conn, small_cafe.beans["KEN-AA"]) == 10_000 - 4 * 2000


def _tables(conn) -> dict[str, list[tuple]]:
    columns = {"audit_log": "username, action, entity, entity_id, old_json, new_json"}
    result = {}
    for table in ("roast_batches", "roast_components", "loss_alerts", "audit_log", "purchases"):
        select = columns.get(table, "*")
        rows = conn.execute(f"SELECT {select} FROM {table} ORDER BY 1, 2").fetchall()
        result[table] = [tuple(v for k, v in dict(r).items() if k != "created_at") for r in rows]
    return result


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_add_batches_equals_add_batch_one_by_one(tmp_path, seed):
    """A random ledger (stock of unknown cost, purchases between roasts, stocktake corrections), then
    random rows in any date order — back-dated ones, blends given by total or by component, rows the
    stock cannot cover: add_batches gives exactly what add_batch gives row by row."""
    import random

    from themoon import db

    rng = random.Random(seed)
    start = date(2025, 3, 1)

    def store(name):
        conn = db.connect(tmp_path / name)
        r = random.Random(seed)
        cost_settings.save(conn, effective_from=date(2025, 1, 1), expected_loss_pct="16.7")
        cost_settings.save(conn, effective_from=date(2025, 4, 1), use_recent_loss=True, labour_won_per_hour=16_000)
        for code in ("A", "B", "C"):
            catalog.add_bean(conn, code=code, name_en=f"Bean {code}")
        catalog.add_blend(conn, code="AB", name_en="A and B", components={"A": 3, "B": 1})
        catalog.add_blend(conn, code="ABC", name_en="All", components={"A": 1, "B": 1, "C": 2})
        inventory.add_adjustment(conn, bean="C", delta_g=4000, reason="found in the back", adjusted_on=start)
        for day in range(60):
            for code in ("A", "B", "C"):
                if r.random() < 0.1:
                    grams = r.randint(5, 20) * 1000
                    on = start + timedelta(days=day)
                    inventory.add_purchase(
                        conn, bean=code, grams=grams, total_won=grams * r.randint(4, 7), purchased_on=on
                    )
            if r.random() < 0.3:
                try:
                    batch(conn, product=r.choice(["A", "B", "AB"]), green=r.randint(500, 2000), roasted=400,
                          on=start + timedelta(days=day))  # fmt: skip
                except ValidationError:
                    pass
        return conn

    rows = []
    for _ in range(80):
        product = rng.choice(["A", "B", "C", "AB", "ABC"])
        green = rng.randint(300, 4000)
        row = {
            "product": product,
            "roasted_on": start + timedelta(days=rng.randint(-5, 70)),
            "roasted_g": int(green * rng.uniform(0.74, 0.9)),
            "operator": rng.choice(["", "지민"]),
        }
        if product == "ABC" and rng.random() < 0.5:
            row["components"] = {"A": green // 4, "B": green // 4, "C": green - 2 * (green // 4)}
        else:
            row["green_g"] = green
        rows.append(row)

    one_by_one = store("one.db")
    refused = []
    for index, row in enumerate(rows):
        try:
            roasting.add_batch(one_by_one, **row)
        except ValidationError as error:
            refused.append((index, error.field, error.message))
    assert 10 < len(refused) < 70, len(refused)  # some of each

    reported = store("reported.db")
    seen = []
    roasting.add_batches(reported, rows, rejected=lambda i, e: seen.append((i, e.field, e.message)))
    assert seen == refused

    at_once = store("at-once.db")
    skipped = {i for i, *_ in refused}
    roasting.add_batches(at_once, [r for i, r in enumerate(rows) if i not in skipped])

    expected = _tables(one_by_one)
    assert len(expected["roast_batches"]) > 40 and expected["loss_alerts"]
    for conn in (reported, at_once):
        got = _tables(conn)
        for table in expected:
            assert got[table] == expected[table], table
        assert ledger_never_negative(conn)


def test_update_batch(small_cafe):
    conn = small_cafe.conn
    saved = batch(conn, green=2000, roasted=1660, operator="A")
    updated = roasting.update_batch(
        conn, saved["id"], green_g=2500, roasted_g=2080, operator="B", roasted_on="2025-10-11"
    )
    assert (updated["green_g"], updated["roasted_g"], updated["operator"], updated["roasted_on"]) == (
        2500,
        2080,
        "B",
        "2025-10-11",
    )
    assert inventory.stock_g(conn, small_cafe.beans["KEN-AA"]) == 7500
    # switching the product keeps the total green weight and splits it by the new recipe
    blended = roasting.update_batch(conn, saved["id"], product="FULL-MOON")
    assert blended["green_g"] == 2500 and blended["product"] == "FULL-MOON"
    assert {c["bean"]: c["green_g"] for c in blended["components"]}["KEN-AA"] == 1000
    before = db_checksum(conn)
    for changes, field in (
        ({"roasted_g": 3000}, "roasted_g"),
        ({"source": "demo"}, "source"),
        ({"green_g": "abc"}, "green_g"),
    ):
        with pytest.raises(ValidationError) as caught:
            roasting.update_batch(conn, saved["id"], **changes)
        assert caught.value.field == field
    with pytest.raises(ValidationError):
        roasting.update_batch(conn, saved["id"], green_g=30_000)  # more than the stock
    with pytest.raises(ValidationError) as caught:
        roasting.update_batch(conn, 999, notes="x")
    assert caught.value.field == "batch_id"
    assert db_checksum(conn) == before


def test_an_edit_may_reuse_its_own_grams(small_cafe):
    conn = small_cafe.conn
    saved = batch(conn, green=10_000, roasted=8330)
    updated = roasting.update_batch(conn, saved["id"], roasted_g=8300)  # all 10 kg again: fine
    assert updated["green_g"] == 10_000


def test_delete_batch_returns_its_coffee(small_cafe):
    conn = small_cafe.conn
    saved = batch(conn, green=2000, roasted=1600)
    assert alert_of(conn, saved["id"]) is not None
    roasting.delete_batch(conn, saved["id"])
    assert inventory.stock_g(conn, small_cafe.beans["KEN-AA"]) == 10_000
    assert conn.execute("SELECT COUNT(*) FROM roast_components").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM loss_alerts").fetchone()[0] == 0
    with pytest.raises(ValidationError):
        roasting.delete_batch(conn, saved["id"])
    assert ledger_never_negative(conn)


def test_list_batches_filters(small_cafe):
    conn = small_cafe.conn
    a = batch(conn, on="2025-10-10")
    b = batch(conn, product="FULL-MOON", green=1000, roasted=833, on="2025-10-11")
    assert [x["id"] for x in roasting.list_batches(conn)] == [b["id"], a["id"]]  # newest first
    assert [x["id"] for x in roasting.list_batches(conn, product="FULL-MOON")] == [b["id"]]
    assert [x["id"] for x in roasting.list_batches(conn, until=D("2025-10-10"))] == [a["id"]]
    assert [x["id"] for x in roasting.list_batches(conn, since=D("2025-10-11"))] == [b["id"]]
    assert len(roasting.list_batches(conn, limit=1)) == 1
    # the session of a day is the whole day, even when the listing is filtered by product
    assert roasting.list_batches(conn, product="FULL-MOON")[0]["session_cost_won"] == 38_000

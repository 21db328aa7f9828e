"""The demo database: reference data, deterministic history, invariants the dashboard relies on."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest

from themoon import catalog, demo, inventory, reference, roasting, users
from themoon import price_list as costs
from themoon.db import connect

TODAY = date(2026, 4, 15)  # two months back reaches over Seollal 2026 (16–18 Feb)
MONTHS = 2
# Clock columns and salted hashes differ between otherwise identical builds.
VOLATILE = {"created_at", "updated_at", "at", "resolved_at", "password_hash"}


def _build(path, *, seed: int = 7, months: int = MONTHS, today: date = TODAY):
    conn = connect(path)
    summary = demo.build_demo(conn, months=months, seed=seed, today=today)
    return conn, summary


def checksum(conn) -> str:
    """SHA-256 over every table's rows (in id order), without the volatile columns."""
    digest = hashlib.sha256()
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    for table in tables:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in VOLATILE]
        digest.update(f"{table}:{columns}".encode())
        for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid"):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    conn, summary = _build(tmp_path_factory.mktemp("demo") / "demo.db")
    yield conn, summary
    conn.close()


@pytest.fixture
def db(built):
    return built[0]


def test_same_seed_same_content_other_seed_different(built, tmp_path):
    conn, summary = built
    again, again_summary = _build(tmp_path / "again.db")
    other, _ = _build(tmp_path / "other.db", seed=8)
    assert again_summary == summary
    assert checksum(again) == checksum(conn)
    assert checksum(other) != checksum(conn)


def test_summary_counts(built):
    conn, summary = built
    assert summary["beans"] == 15
    assert summary["blends"] == 4
    assert summary["menu_items"] == len(reference.MENU)
    assert summary["users"] == 2
    assert summary["cost_settings_versions"] == 2
    assert summary["batches"] > 100
    assert summary["purchases"] >= 15
    assert summary["stock_adjustments"] >= 1
    assert summary["last_roast"] <= (TODAY - timedelta(days=1)).isoformat()
    assert summary["first_roast"] >= date(2026, 2, 15).isoformat()


def test_beans_match_reference(db):
    beans = {b["code"]: b for b in catalog.list_beans(db)}
    assert list(beans) == [b.code for b in reference.BEANS]
    assert len(reference.BEANS) == 15
    for ref in reference.BEANS:
        bean = beans[ref.code]
        assert (bean["name_en"], bean["name_ko"], bean["country"]) == (ref.name_en, ref.name_ko, ref.country)
        assert (bean["roast_level"], bean["process"]) == (ref.roast_level, ref.process)
        assert bean["reorder_point_g"] == ref.reorder_point_g
    assert {b.roast_level for b in reference.BEANS} == {"W", "N", "Pb", "Rh", "SD", "SC"}
    assert [b.code for b in reference.BEANS if b.green_won_per_kg is None] == list(reference.DECAF_BEANS)
    assert reference.BEANS_BY_CODE["KEN-MASAI-AA"].green_won_per_kg == 6_200
    assert reference.BEANS_BY_CODE["ETH-SIDAMO-G4"].name_ko == "시다모G4"
    assert reference.BEANS_BY_CODE["BRA-SANTOS"].country == "Brazil"


def test_blends_match_reference(db):
    parts = {b["code"]: {c["code"]: c["parts"] for c in b["components"]} for b in catalog.list_blends(db)}
    assert parts == {b.code: b.components for b in reference.BLENDS}
    assert parts["FULL-MOON"] == {"KEN-MASAI-AA": 4, "GTM-ANTIGUA": 4, "ETH-MOMORA": 1, "ETH-SIDAMO-G4": 1}
    assert parts["NEW-MOON"] == {"BRA-FAZENDA-CARMO": 6, "COL-HUILA": 3, "ETH-SIDAMO-G4": 1}
    assert parts["ECLIPSE-MOON"] == {"COL-DECAF-SM": 1, "BRA-DECAF-SWISS-WATER": 1}
    assert parts["SEASONAL"] == {"ETH-YIRGACHEFFE": 2, "KEN-MASAI-AA": 2, "BRA-FAZENDA-CARMO": 1}
    names = {b["code"]: b["name_ko"] for b in catalog.list_blends(db)}
    assert names == {"FULL-MOON": "풀문", "NEW-MOON": "뉴문", "ECLIPSE-MOON": "이클립스문", "SEASONAL": "시즈널"}


def test_menu_matches_reference(db):
    items = {i["code"]: i for i in catalog.list_menu_items(db)}
    assert set(items) == {m.code for m in reference.MENU}
    for ref in reference.MENU:
        item = items[ref.code]
        product = catalog.product_by_id(db, "bean" if item["bean_id"] else "blend", item["bean_id"] or item["blend_id"])
        assert f"{product.kind}:{product.code}" == ref.product
        assert (item["channel"], item["dose_g"], item["price_won"], item["extra_cost_won"]) == (
            ref.channel,
            ref.dose_g,
            ref.price_won,
            ref.extra_cost_won,
        )
    drips = [m for m in reference.MENU if m.channel == "cup" and m.code + "-L" in items and m.extra_cost_won == 150]
    assert len(drips) >= 8, "hand-drip cups per blend and a few single origins"
    for cup in drips:
        assert 3_000 <= cup.price_won <= 6_000 and 18 <= cup.dose_g <= 20
        large = items[cup.code + "-L"]
        assert large["price_won"] == cup.price_won + 1_000 and large["dose_g"] == cup.dose_g + 5
    bags = [m for m in reference.MENU if m.code.startswith("BAG-") and m.code.endswith("-200")]
    assert len(bags) >= 4
    for bag in bags:
        assert 12_000 <= bag.price_won <= 18_500 and bag.dose_g == 200
        kilo = items[bag.code.removesuffix("-200") + "-1KG"]
        assert kilo["price_won"] * 2 == bag.price_won * 5 and kilo["dose_g"] == 1000
    assert items["CUP-COLD-BREW"]["price_won"] == 5_000
    assert (items["DRIPBAG-NEW-MOON"]["price_won"], items["DRIPBAG-NEW-MOON"]["dose_g"]) == (1_500, 10)


def test_cost_settings_change_partway(db):
    rows = db.execute("SELECT * FROM cost_settings ORDER BY effective_from").fetchall()
    assert [r["labour_won_per_hour"] for r in rows] == [15_000, 16_000]
    first = rows[0]
    assert first["expected_loss_bp"] == 1670
    assert (first["roasting_won_per_kg"], first["labour_minutes_per_session"]) == (2_000, 120)
    assert (first["energy_won_per_session"], first["misc_won_per_session"]) == (5_000, 3_000)
    assert (first["price_multiplier_pct"], first["planned_session_roasted_g"]) == (250, 12_000)
    roasts = db.execute("SELECT MIN(roasted_on), MAX(roasted_on) FROM roast_batches").fetchone()
    assert roasts[0] < rows[1]["effective_from"] <= roasts[1]


def test_stock_never_negative(db):
    lowest = db.execute(
        "SELECT MIN(balance) FROM (SELECT SUM(delta_g) OVER (PARTITION BY bean_id"
        " ORDER BY on_date, kind_order, ref_id) AS balance FROM stock_ledger)"
    ).fetchone()[0]
    assert lowest >= 0
    bought = db.execute("SELECT COUNT(DISTINCT bean_id) FROM purchases").fetchone()[0]
    assert bought == len(reference.BEANS)  # every bean has a price, so every product a cost


def test_some_beans_low_on_stock(db):
    low = {row["bean"] for row in inventory.stock(db) if row["low"]}
    assert set(demo.LOW_AT_END) <= low


def test_loss_alerts_planted(db):
    alerts = roasting.list_alerts(db, open_only=False)
    assert any(a["direction"] == "HIGH" for a in alerts)  # the mis-calibrated probe week
    assert any(a["direction"] == "LOW" for a in alerts)  # under-roasted batches
    assert roasting.list_alerts(db, open_only=True)  # something for the dashboard to show
    losses = [b["loss_pct"] for b in roasting.list_batches(db, limit=None) if b["alert"] is None]
    assert 16.0 < sum(losses) / len(losses) < 17.4


def test_sessions_mon_to_sat_and_closed_on_holidays(db):
    days = [date.fromisoformat(r[0]) for r in db.execute("SELECT DISTINCT roasted_on FROM roast_batches")]
    assert days and all(d.weekday() != 6 for d in days)
    assert not {date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18)} & set(days)  # Seollal
    per_day = db.execute("SELECT roasted_on, COUNT(*) AS n FROM roast_batches GROUP BY roasted_on").fetchall()
    assert all(3 <= r["n"] <= 8 for r in per_day)
    green = db.execute(
        "SELECT MIN(g), MAX(g) FROM (SELECT SUM(green_g) AS g FROM roast_components GROUP BY batch_id)"
    ).fetchone()
    assert 1_000 <= green[0] and green[1] <= 5_000
    minutes = db.execute("SELECT MIN(minutes), MAX(minutes) FROM roast_batches").fetchone()
    assert 11 <= minutes[0] and minutes[1] <= 16


def test_rows_are_marked_as_demo(db):
    assert db.execute("SELECT COUNT(*) FROM roast_batches WHERE source <> 'demo'").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM roast_batches WHERE external_id NOT LIKE 'demo:%'").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM purchases WHERE external_id NOT LIKE 'demo:%'").fetchone()[0] == 0
    assert demo.is_demo(db)


def test_is_demo_false_without_demo_rows(tmp_path):
    conn = connect(tmp_path / "empty.db")
    assert not demo.is_demo(conn)
    catalog.add_bean(conn, code="X", name_en="X")
    inventory.add_purchase(conn, bean="X", grams=1000, total_won=5000, purchased_on=date(2026, 1, 5))
    assert not demo.is_demo(conn)
    with pytest.raises(ValueError):
        demo.build_demo(conn, months=1, today=TODAY)


def test_demo_users_authenticate(db):
    owner = users.authenticate(db, "owner", "moon")
    staff = users.authenticate(db, "staff", "moon")
    assert owner is not None and owner["role"] == "owner"
    assert staff is not None and staff["role"] == "staff"
    assert users.authenticate(db, "owner", "wrong") is None


def test_every_product_and_menu_item_has_a_cost(db):
    on = TODAY - timedelta(days=1)
    assert all(row["cost_per_kg_won"] for row in costs.product_costs(db, on=on))
    for row in costs.menu_costs(db, on=on):
        assert row["cost_won"] and row["margin_pct"] is not None, row["item"]

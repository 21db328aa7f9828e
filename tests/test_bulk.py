"""The bulk generator (themoon.bulk): fast, and every row as the API would have written it."""

from __future__ import annotations

import random
import shutil
import sqlite3
import time
from datetime import date

import pytest
from conftest import db_checksum, ledger_never_negative

from themoon import bulk, catalog, costing, db, inventory, roasting
from themoon.analytics import Analytics

TODAY = date(2026, 10, 31)
BATCHES = 3000


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("bulk") / "bulk.db"
    summary = bulk.build_bulk(path, batches=BATCHES, seed=7, today=TODAY)
    return path, summary


@pytest.fixture(scope="module")
def store(built):
    conn = db.connect(built[0], readonly=True)
    yield conn
    conn.close()


def test_summary_and_shape(built, store):
    _, summary = built
    assert summary["batches"] == BATCHES
    assert store.execute("SELECT COUNT(*) FROM roast_batches").fetchone()[0] == BATCHES
    assert summary["last_roast"] == "2026-10-30" and summary["first_roast"] >= "2000-01-01"
    assert summary["beans"] == 15 and summary["blends"] == 4 and summary["menu_items"] > 40
    assert store.execute("SELECT COUNT(*) FROM roast_batches WHERE strftime('%w', roasted_on) = '0'").fetchone()[0] == 0
    # every batch has components, green > roasted > 0, and a product
    bad = store.execute(
        "SELECT COUNT(*) FROM roast_batches b JOIN (SELECT batch_id, SUM(green_g) AS g FROM roast_components"
        " GROUP BY batch_id) c ON c.batch_id = b.id WHERE NOT (0 < b.roasted_g AND b.roasted_g < c.g)"
    ).fetchone()[0]
    assert bad == 0
    assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.execute("PRAGMA foreign_key_check").fetchall() == []
    assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # the schema is the migrated one, indexes included
    indexes = {r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    assert {"roast_batches_date", "roast_components_bean", "purchases_bean_date"} <= indexes


def test_stock_never_negative(store):
    assert ledger_never_negative(store)


def test_frozen_costs_are_the_moving_average_of_the_api(store):
    """A sample of components, recomputed with inventory.avg_cost_per_g (the slow exact path)."""
    rows = store.execute(
        "SELECT c.bean_id, c.green_g, c.green_cost_won, b.roasted_on FROM roast_components c"
        " JOIN roast_batches b ON b.id = c.batch_id"
    ).fetchall()
    sample = random.Random(1).sample(rows, 250)
    # plus the last roast of every bean: its average carries the bean's whole chain of purchases,
    # each weighed against the stock left by the roasts and stocktakes before it
    last = {}
    for row in rows:
        if row["roasted_on"] >= last.get(row["bean_id"], {"roasted_on": ""})["roasted_on"]:
            last[row["bean_id"]] = row
    assert len(last) == 15
    sample += list(last.values())
    averages: dict[tuple, object] = {}
    for row in sample:
        key = (row["bean_id"], row["roasted_on"])
        if key not in averages:
            averages[key] = inventory.avg_cost_per_g(store, row["bean_id"], date.fromisoformat(row["roasted_on"]))
        assert row["green_cost_won"] == costing.green_cost_won(row["green_g"], averages[key]), row


def test_near_half_roundings_are_decided_exactly():
    values = [2.5, 3.4999999999, 7.0, 0.5000000001]
    decided = bulk._round_half_up_checked(__import__("numpy").array(values), lambda i: -1)
    assert list(decided) == [-1, -1, 7, -1]  # every value near a half is handed to the exact path


def test_alerts_and_expectations_are_what_reevaluate_writes(built, tmp_path):
    path, _ = built
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)
    conn = db.connect(copy)
    before_alerts = conn.execute("SELECT * FROM loss_alerts ORDER BY batch_id").fetchall()
    before_expected = conn.execute("SELECT id, expected_loss_bp FROM roast_batches ORDER BY id").fetchall()
    assert len(before_alerts) > 10
    assert any(a["resolved_at"] for a in before_alerts)  # the probe weeks' alerts were resolved
    with db.transaction(conn):
        conn.execute("UPDATE roast_batches SET expected_loss_bp = NULL")
        conn.execute("DELETE FROM loss_alerts WHERE resolved_at IS NULL")
        for product in catalog.list_products(conn, active=None):
            roasting.reevaluate_alerts(conn, product, date(2000, 1, 1))
    assert [tuple(r) for r in conn.execute("SELECT * FROM loss_alerts ORDER BY batch_id")] == [
        tuple(r) for r in before_alerts
    ]
    assert [tuple(r) for r in conn.execute("SELECT id, expected_loss_bp FROM roast_batches ORDER BY id")] == [
        tuple(r) for r in before_expected
    ]
    conn.close()


def test_batch_costs_through_the_api_equal_analytics(built, store):
    api = {b["id"]: b for b in roasting.list_batches(store, since=date(2026, 9, 1), limit=None)}
    with Analytics(built[0]) as analytics:
        ours = analytics.batch_costs(since=date(2026, 9, 1))
        assert len(ours) == len(api) > 100
        for row in ours.to_dict("records"):
            assert row["batch_cost_won"] == api[row["id"]]["batch_cost_won"]
            assert row["cost_per_roasted_kg_won"] == api[row["id"]]["cost_per_roasted_kg_won"]


def test_deterministic(built, tmp_path):
    again = tmp_path / "again.db"
    bulk.build_bulk(again, batches=BATCHES, seed=7, today=TODAY)
    ignore = {"created_at", "at", "resolved_at", "password_hash"}

    def rows(path):
        conn = sqlite3.connect(path)
        out = {}
        for table in ("purchases", "roast_batches", "roast_components", "stock_adjustments", "loss_alerts"):
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in ignore]
            out[table] = conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY rowid").fetchall()
        conn.close()
        return out

    assert rows(again) == rows(built[0])
    other = tmp_path / "other.db"
    bulk.build_bulk(other, batches=BATCHES, seed=8, today=TODAY)
    assert rows(other)["roast_batches"] != rows(built[0])["roast_batches"]


def test_refuses_a_database_with_data_and_bad_arguments(built, tmp_path):
    conn = db.connect(built[0], readonly=True)
    checksum = db_checksum(conn)
    with pytest.raises(ValueError):
        bulk.build_bulk(built[0], batches=10, today=TODAY)
    assert db_checksum(conn) == checksum
    conn.close()
    with pytest.raises(ValueError):
        bulk.build_bulk(tmp_path / "x.db", batches=0)
    with pytest.raises(ValueError):
        bulk.build_bulk(tmp_path / "y.db", batches=10, today=date(2999, 1, 1))


def test_small_and_busy_histories(tmp_path):
    tiny = bulk.build_bulk(tmp_path / "tiny.db", batches=1, today=TODAY)
    assert tiny["batches"] == 1
    conn = db.connect(tmp_path / "tiny.db", readonly=True)
    assert ledger_never_negative(conn)
    conn.close()


@pytest.mark.slow
def test_hundred_thousand_batches_fast_and_valid(tmp_path):
    started = time.perf_counter()
    summary = bulk.build_bulk(tmp_path / "big.db", batches=100_000, today=TODAY)
    elapsed = time.perf_counter() - started
    assert summary["batches"] == 100_000
    assert elapsed < 30, f"100k batches took {elapsed:.1f}s (the target is 1M in under 2 minutes)"
    conn = db.connect(tmp_path / "big.db", readonly=True)
    assert ledger_never_negative(conn)
    # 100k batches at six a day would start before 2000: the days got busier instead
    assert conn.execute("SELECT MIN(roasted_on) FROM roast_batches").fetchone()[0] < "2000-02-01"
    conn.close()

"""The demo's and the bulk database's sales (themoon.demo_sales): consistent with the roasts,
weekly pattern, price changes with a volume effect, deterministic by seed."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest

from themoon import bulk, db, demo, demo_sales, sales

TODAY = date(2026, 10, 31)
MONTHS = 12


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo_sales") / "demo.db"
    conn = db.connect(path)
    demo.build_demo(conn, months=MONTHS, seed=7, today=TODAY)
    yield conn
    conn.close()


def _rows(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT * FROM sales_daily ORDER BY source, sold_on, menu_item_id")]


def test_sales_cover_the_history_on_open_days_only(built):
    first, last, rows = built.execute("SELECT MIN(sold_on), MAX(sold_on), COUNT(*) FROM sales_daily").fetchone()
    start = demo._months_before(TODAY, MONTHS)
    assert first <= (start + timedelta(days=3)).isoformat() and last == (TODAY - timedelta(days=1)).isoformat()
    assert rows > 5_000
    sundays = built.execute("SELECT COUNT(*) FROM sales_daily WHERE strftime('%w', sold_on) = '0'").fetchone()[0]
    assert sundays == 0
    days = {date.fromisoformat(r[0]) for r in built.execute("SELECT DISTINCT sold_on FROM sales_daily")}
    assert not any(abs((d - h).days) <= 1 for d in days for h in demo.LUNAR_HOLIDAYS)
    bad = built.execute(
        "SELECT COUNT(*) FROM sales_daily WHERE qty <= 0 OR net_won <> gross_won - discount_won"
        " OR discount_won < 0 OR discount_won > gross_won / 10"
    ).fetchone()[0]
    assert bad == 0


def test_cups_times_dose_match_what_was_roasted_less_three_to_eight_percent(built):
    sold = dict(
        built.execute(
            "SELECT substr(s.sold_on, 1, 7) || ' ' || COALESCE(i.blend_id, -i.bean_id), SUM(s.qty * i.dose_g)"
            " FROM sales_daily s JOIN menu_items i ON i.id = s.menu_item_id GROUP BY 1"
        ).fetchall()
    )
    roasted = built.execute(
        "SELECT substr(roasted_on, 1, 7) || ' ' || COALESCE(blend_id, -bean_id), SUM(roasted_g) FROM roast_batches"
        " GROUP BY 1"
    ).fetchall()
    smallest = dict(
        built.execute("SELECT COALESCE(blend_id, -bean_id), MIN(dose_g) FROM menu_items GROUP BY 1").fetchall()
    )
    checked = 0
    for key, grams in roasted:
        product = int(key.split()[1])
        if product not in smallest:  # roasted for cupping and trials, never on the menu
            assert key not in sold
            continue
        half = smallest[product] / 2
        got = sold.get(key, 0)
        assert grams * 0.92 - half - 1 <= got <= grams * 0.97 + half + 1, (key, grams, got)
        checked += 1
    assert checked > 50


def test_weekly_pattern(built):
    by_weekday = dict(built.execute("SELECT strftime('%w', sold_on), SUM(qty) FROM sales_daily GROUP BY 1").fetchall())
    assert by_weekday["6"] > 1.4 * by_weekday["1"]  # Saturday against Monday
    assert by_weekday["5"] > by_weekday["3"]


def test_price_rises_with_a_visible_volume_effect(built):
    def share(code: str) -> list[tuple]:
        """(price, units of the item per 1,000 units of its coffee's items), per price."""
        return built.execute(
            "SELECT s.gross_won / s.qty AS price, 1000.0 * SUM(s.qty) / SUM(t.all_qty) FROM sales_daily s"
            " JOIN menu_items i ON i.id = s.menu_item_id"
            " JOIN (SELECT s2.sold_on, i2.blend_id, SUM(s2.qty) AS all_qty FROM sales_daily s2"
            "       JOIN menu_items i2 ON i2.id = s2.menu_item_id GROUP BY 1, 2) t"
            "   ON t.sold_on = s.sold_on AND t.blend_id = i.blend_id"
            " WHERE i.code = ? GROUP BY 1 ORDER BY 1",
            (code,),
        ).fetchall()

    for code, rise in (("CUP-FULL-MOON", 500), ("BAG-NEW-MOON-200", 1000)):
        (old_price, before), (new_price, after) = share(code)
        price = built.execute("SELECT price_won FROM menu_items WHERE code = ?", (code,)).fetchone()[0]
        assert (old_price, new_price) == (price - rise, price)
        assert after < 0.9 * before, (code, before, after)  # a quarter fewer, in a share


def test_profit_of_a_demo_month(built):
    result = sales.period_profit(built, date(2026, 9, 1), date(2026, 9, 30))
    assert result["revenue_won"] > 10_000_000
    assert 50 < result["margin_pct"] < 95
    assert {i["class"] for i in result["items"]} >= {"star", "plowhorse", "puzzle"}
    recon = {r["product"]: r for r in result["reconciliation"]}
    assert 0 < recon["NEW-MOON"]["unexplained_pct"] < 12
    assert recon["ETH-MOMORA"]["sold_g"] == 0  # never on the menu: where did it go?


def test_same_seed_same_sales_other_seed_different(tmp_path):
    def build(seed: int) -> list[tuple]:
        conn = db.connect(tmp_path / f"d{seed}-{len(list(tmp_path.iterdir()))}.db")
        demo.build_demo(conn, months=3, seed=seed, today=TODAY)
        rows = _rows(conn)
        conn.close()
        return rows

    first = build(11)
    assert first and build(11) == first
    assert build(12) != first


def test_bulk_sales_are_spread_over_tills_and_keep_the_indexes(tmp_path):
    path = tmp_path / "bulk.db"
    summary = bulk.build_bulk(path, batches=60_000, seed=3, today=TODAY)
    conn = db.connect(path)
    try:
        rows, tills = conn.execute("SELECT COUNT(*), COUNT(DISTINCT source) FROM sales_daily").fetchone()
        assert rows == summary["sales_rows"] and 100_000 < rows
        assert tills == 1  # 2 × 60,000 rows fit one till
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'sales_daily'")}
        assert {"sales_daily_day", "sales_daily_item"} <= indexes
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # more rows wanted than one till gives: more tills, the same units
        units = conn.execute("SELECT SUM(qty) FROM sales_daily").fetchone()[0]
        conn.execute("DELETE FROM sales_daily")
        first, last = conn.execute("SELECT MIN(roasted_on), MAX(roasted_on) FROM roast_batches").fetchone()
        written = demo_sales.add_sales(
            conn, start=date.fromisoformat(first), end=TODAY - timedelta(days=1), seed=60_000, target_rows=3 * rows
        )
        tills, again = conn.execute("SELECT COUNT(DISTINCT source), SUM(qty) FROM sales_daily").fetchone()
        assert tills == 3 and written > 2 * rows
        assert abs(again - units) < 0.01 * units
        assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'sales_daily'")} == indexes
    finally:
        conn.close()

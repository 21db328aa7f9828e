"""The sales store (themoon.sales): whole days replaced, never doubled; mappings; period profit."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from fractions import Fraction

import pytest

from themoon import roasting, sales
from themoon.costing import round_won
from themoon.models import ValidationError

DAY = date(2025, 11, 5)


def seen_from_another_process(db_path, sql: str) -> list:
    code = (
        "import sqlite3, sys, json; c = sqlite3.connect(sys.argv[1]);"
        " print(json.dumps(c.execute(sys.argv[2]).fetchall()))"
    )
    out = subprocess.check_output([sys.executable, "-c", code, str(db_path), sql], text=True)
    import json

    return json.loads(out)


def cup(qty: int, net: int | None = None, **extra) -> dict:
    net = 5000 * qty if net is None else net
    return {"menu_item": "DRIP-FM", "qty": qty, "gross_won": 5000 * qty, "discount_won": 5000 * qty - net, **extra}


def test_record_day_writes_and_another_process_sees_it(small_cafe, db_path):
    conn = small_cafe.conn
    counts = sales.record_day(conn, DAY, [{**cup(10), "net_won": 50_000}], user="tester")
    assert counts == {"created": 1, "updated": 0, "unchanged": 0, "removed": 0}
    rows = seen_from_another_process(db_path, "SELECT source, sold_on, qty, net_won FROM sales_daily")
    assert rows == [["pos", "2025-11-05", 10, 50_000]]
    audit = seen_from_another_process(db_path, "SELECT username, entity FROM audit_log WHERE entity = 'sales_day'")
    assert audit == [["tester", "sales_day"]]


def test_a_day_is_replaced_whole_never_doubled(small_cafe, db_path):
    conn = small_cafe.conn
    bag = {"menu_item": "BAG-FM-200", "qty": 2, "gross_won": 30_000, "net_won": 30_000}
    sales.record_day(conn, DAY, [{**cup(10), "net_won": 50_000}, bag])
    again = sales.record_day(conn, DAY, [{**cup(10), "net_won": 50_000}, bag])
    assert again == {"created": 0, "updated": 0, "unchanged": 2, "removed": 0}
    changed = sales.record_day(conn, DAY, [{**cup(12), "net_won": 60_000}])
    assert changed == {"created": 0, "updated": 1, "unchanged": 0, "removed": 1}
    assert seen_from_another_process(db_path, "SELECT COUNT(*), SUM(qty) FROM sales_daily") == [[1, 12]]
    # another source's day is its own
    sales.record_day(conn, DAY, [{**cup(3), "net_won": 15_000}], source="online")
    assert sales.totals(conn)["qty"] == 15
    assert [r["source"] for r in sales.list_sales(conn)] == ["online", "pos"]


def test_bad_rows_write_nothing(small_cafe, db_path):
    conn = small_cafe.conn
    future = date.today() + timedelta(days=1)
    cases = [
        (future, [{**cup(1), "net_won": 5000}], "sold_on"),
        (DAY, [{**cup(1), "net_won": "abc"}], "net_won"),
        (DAY, [{**cup(1), "net_won": 5000, "menu_item": "NOPE"}], "menu_item"),
        (DAY, [{**cup(1), "net_won": 5000}, {**cup(2), "net_won": 10_000}], "menu_item_id"),
        (DAY, [{**cup(1), "net_won": 5000, "qty": 1.5}], "qty"),
    ]
    for day, rows, field in cases:
        with pytest.raises(ValidationError) as caught:
            sales.record_day(conn, day, rows)
        assert caught.value.field == field
        assert caught.value.message_ko != caught.value.message
    with pytest.raises(ValidationError) as caught:
        sales.record_day(conn, DAY, [{**cup(1), "net_won": 5000}], source="bad source!")
    assert caught.value.field == "source"
    assert seen_from_another_process(db_path, "SELECT COUNT(*) FROM sales_daily") == [[0]]
    sales.record_day(conn, DAY, [{**cup(1), "net_won": 5000}])  # positive control
    assert seen_from_another_process(db_path, "SELECT COUNT(*) FROM sales_daily") == [[1]]


def test_list_since_until(small_cafe):
    conn = small_cafe.conn
    for offset in range(5):
        sales.record_day(conn, DAY + timedelta(days=offset), [{**cup(offset + 1), "net_won": 5000 * (offset + 1)}])
    rows = sales.list_sales(conn, since=DAY + timedelta(days=1), until=DAY + timedelta(days=3))
    assert [r["sold_on"] for r in rows] == ["2025-11-06", "2025-11-07", "2025-11-08"]
    assert rows[0]["item"] == "DRIP-FM" and rows[0]["channel"] == "cup"
    assert sales.totals(conn, since=DAY, until=DAY)["net_won"] == 5000
    with pytest.raises(ValidationError):
        sales.list_sales(conn, since=DAY, until=DAY - timedelta(days=1))


def test_mappings_are_stored_per_source(small_cafe):
    conn = small_cafe.conn
    assert sales.save_mapping(conn, "pos", "핸드드립 풀문", "DRIP-FM") == "DRIP-FM"
    assert sales.save_mapping(conn, "pos", "핸드드립 풀문", "DRIP-FM") is None
    assert sales.mappings(conn, "pos") == {"핸드드립풀문": conn.execute("SELECT id FROM menu_items").fetchone()[0]}
    assert sales.mappings(conn, "other") == {}
    with pytest.raises(ValidationError) as caught:
        sales.save_mapping(conn, "pos", "x", "NOPE")
    assert caught.value.field == "map"
    assert sales.split_mapping(" 아메리카노  (HOT) = DRIP-FM") == ("아메리카노 (HOT)", "DRIP-FM")
    with pytest.raises(ValidationError):
        sales.split_mapping("no equals sign")


def test_period_parsing():
    assert sales.parse_period("period", "2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert sales.parse_period("period", "2025-12") == (date(2025, 12, 1), date(2025, 12, 31))
    for bad in ("2025-13", "2025-1", "25-01", "", "1999-12", "2025-01-01"):
        with pytest.raises(ValidationError) as caught:
            sales.parse_period("period", bad)
        assert caught.value.field == "period"
    with pytest.raises(ValidationError):
        sales.parse_period("period", f"{date.today().year + 1}-01")


def _roast_the_doc_session(cafe) -> None:
    """docs/costing.md §4/§5: Full Moon 5,000 → 4,165 g, Kenya 3,000 g, Antigua 1,000 g on 2025-10-10."""
    conn = cafe.conn
    day = date(2025, 10, 10)
    roasting.add_batch(conn, product="FULL-MOON", roasted_on=day, green_g=5000, roasted_g=4165)
    roasting.add_batch(conn, product="KEN-AA", roasted_on=day, green_g=3000, roasted_g=2500)
    roasting.add_batch(conn, product="GUA-ANT", roasted_on=day, green_g=1000, roasted_g=830)


def test_period_profit_uses_the_actual_cost_of_the_30_days_before(small_cafe):
    conn = small_cafe.conn
    _roast_the_doc_session(small_cafe)
    sales.record_day(conn, DAY, [{**cup(100), "net_won": 480_000}])  # some discount
    result = sales.period_profit(conn, date(2025, 11, 1), date(2025, 11, 30))
    assert set(result) == {"revenue_won", "cogs_won", "gross_profit_won", "margin_pct", "roi_pct", "items",
                           "reconciliation"}  # fmt: skip
    per_kg = Fraction(104834000, 7497)  # the Full Moon batch of docs/costing.md §5
    unit = per_kg * 20 / 1000 + 150
    assert result["revenue_won"] == 480_000
    assert result["cogs_won"] == round_won(100 * unit)
    assert result["gross_profit_won"] == 480_000 - result["cogs_won"]
    [item] = result["items"]
    assert item == {
        "item": "DRIP-FM",
        "qty": 100,
        "revenue_won": 480_000,
        "cogs_won": round_won(100 * unit),
        "gross_profit_won": 480_000 - round_won(100 * unit),
        "margin_pct": item["margin_pct"],
        "class": "star",
    }
    # nothing roasted in November: everything sold came from before
    recon = {r["product"]: r for r in result["reconciliation"]}
    assert recon["FULL-MOON"]["roasted_g"] == 0 and recon["FULL-MOON"]["sold_g"] == 2000
    assert recon["FULL-MOON"]["unexplained_g"] == -2000 and recon["FULL-MOON"]["unexplained_pct"] is None


def test_period_profit_falls_back_to_standard_cost_and_reconciles_the_month(small_cafe):
    conn = small_cafe.conn
    _roast_the_doc_session(small_cafe)
    # sold on the roast day itself: no batch in the 30 days before → the standard cost
    sales.record_day(conn, date(2025, 10, 10), [{**cup(10), "net_won": 50_000}])
    sales.record_day(
        conn, date(2025, 10, 20), [{"menu_item": "BAG-FM-200", "qty": 15, "gross_won": 225_000, "net_won": 225_000}]
    )
    result = sales.period_profit(conn, date(2025, 10, 1), date(2025, 10, 31))
    standard = Fraction(10591400, 833)  # docs/costing.md §7 (the purchases were at list price)
    actual = Fraction(104834000, 7497)
    cogs = 10 * (standard * 20 / 1000 + 150) + 15 * (actual * 200 / 1000 + 800)
    assert result["cogs_won"] == round_won(cogs)
    # each item is classed among its own channel: alone there, each is a star
    assert {i["item"]: i["class"] for i in result["items"]} == {"DRIP-FM": "star", "BAG-FM-200": "star"}
    recon = {r["product"]: r for r in result["reconciliation"]}
    full = recon["FULL-MOON"]
    assert (full["roasted_g"], full["sold_g"], full["unexplained_g"]) == (4165, 3200, 965)
    assert full["unexplained_pct"] == 23.2  # 965 / 4165 = 23.17 %
    assert full["unexplained_won"] == round_won(actual * 965 / 1000)
    assert recon["KEN-AA"]["sold_g"] == 0 and recon["KEN-AA"]["unexplained_pct"] == 100.0


def test_attention_threshold_is_the_owners_and_flags_unexplained_coffee(small_cafe, db_path):
    conn = small_cafe.conn
    _roast_the_doc_session(small_cafe)
    sales.record_day(conn, date(2025, 10, 20), [{**cup(100), "net_won": 500_000}])  # 2,000 g of 4,165 g
    today = date(2025, 11, 1)
    assert sales.unexplained_threshold(conn) == 15
    flagged = {r["product"]: r for r in sales.attention(conn, today=today)}
    assert set(flagged) == {"FULL-MOON", "KEN-AA", "GUA-ANT"}  # 52 %, 100 %, 100 % unexplained
    assert flagged["FULL-MOON"]["unexplained_g"] == 2165 and flagged["FULL-MOON"]["threshold_pct"] == 15
    for bad in ("-1", "101", "abc", "15.123"):
        with pytest.raises(ValidationError) as caught:
            sales.set_unexplained_threshold(conn, bad)
        assert caught.value.field == "unexplained_pct"
    assert seen_from_another_process(db_path, "SELECT COUNT(*) FROM app_settings WHERE key LIKE 'sales%'") == [[0]]
    assert sales.set_unexplained_threshold(conn, "60", user="owner") == 60
    assert seen_from_another_process(
        db_path, "SELECT value, updated_by FROM app_settings WHERE key = 'sales_unexplained_pct'"
    ) == [["60", "owner"]]
    assert set(r["product"] for r in sales.attention(conn, today=today)) == {"KEN-AA", "GUA-ANT"}
    assert sales.attention(conn, today=date(2025, 12, 31)) == []  # nothing roasted in the last 30 days

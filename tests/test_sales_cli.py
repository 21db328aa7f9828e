"""`themoon import sales`, `themoon sales list`, `themoon profit`, run as the owner runs them (a
subprocess), with the store checked from yet another process."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from themoon import db, demo, roasting

FIXTURES = Path(__file__).parent / "fixtures" / "sales"
THEMOON = str(Path(sys.executable).parent / "themoon")


def themoon(*args: str, db_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [THEMOON, *args, "--db", str(db_path)], capture_output=True, text=True, timeout=120, env=_env()
    )


def _env() -> dict:
    import os

    return {**os.environ, "THEMOON_LANG": "en"}


def count(db_path: Path, sql: str = "SELECT COUNT(*) FROM sales_daily") -> int:
    code = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])"
    return int(subprocess.check_output([sys.executable, "-c", code, str(db_path), sql], text=True))


@pytest.fixture
def cafe_db(tmp_path) -> Path:
    """The café's menu, two Full Moon batches in October 2025 and green bought for them."""
    path = tmp_path / "cafe.db"
    conn = db.connect(path)
    demo._write_reference(conn, date(2025, 1, 1))
    from themoon import inventory

    for bean, parts in (("KEN-MASAI-AA", 4), ("GTM-ANTIGUA", 4), ("ETH-MOMORA", 1), ("ETH-SIDAMO-G4", 1)):
        inventory.add_purchase(conn, bean=bean, grams=parts * 2000, total_won=parts * 12_000, purchased_on="2025-10-01")
    roasting.add_batch(conn, product="FULL-MOON", roasted_on=date(2025, 10, 10), green_g=10_000, roasted_g=8_330)
    conn.close()
    return path


def test_import_list_and_profit(cafe_db):
    done = themoon("import", "sales", str(FIXTURES / "pos_daily_cp949.csv"), "--json", db_path=cafe_db)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"]["sales_daily"]["created"] == 5
    assert count(cafe_db) == 5
    again = themoon("import", "sales", str(FIXTURES / "pos_daily_cp949.csv"), "--json", db_path=cafe_db)
    assert json.loads(again.stdout)["counts"]["sales_daily"]["unchanged"] == 5 and count(cafe_db) == 5

    listed = themoon("sales", "list", "--since", "2025-11-02", "--until", "2025-11-02", "--json", db_path=cafe_db)
    rows = json.loads(listed.stdout)
    assert [r["item"] for r in rows] == ["CUP-COLD-BREW", "CUP-FULL-MOON"]
    assert set(rows[0]) >= {"sold_on", "source", "item", "channel", "qty", "gross_won", "discount_won", "net_won"}

    profit = themoon("profit", "--period", "2025-11", "--json", db_path=cafe_db)
    assert profit.returncode == 0, profit.stderr
    result = json.loads(profit.stdout)
    assert list(result) == ["revenue_won", "cogs_won", "gross_profit_won", "margin_pct", "roi_pct", "items",
                            "reconciliation"]  # fmt: skip
    assert result["revenue_won"] == 227_000
    assert result["gross_profit_won"] == result["revenue_won"] - result["cogs_won"]
    for item in result["items"]:
        assert list(item) == ["item", "qty", "revenue_won", "cogs_won", "gross_profit_won", "margin_pct", "class"]
        assert item["class"] in ("star", "plowhorse", "puzzle", "dog")
    for row in result["reconciliation"]:
        assert list(row) == ["product", "roasted_g", "sold_g", "unexplained_g", "unexplained_pct", "unexplained_won"]
    full = next(r for r in result["reconciliation"] if r["product"] == "FULL-MOON")
    assert full["sold_g"] == 12 * 20 + 2 * 200 + 15 * 20  # cups and a 200 g bag of Full Moon
    text = themoon("profit", "--period", "2025-11", db_path=cafe_db)
    assert text.returncode == 0 and "revenue_won" in text.stdout and "CUP-FULL-MOON" in text.stdout


def test_a_refused_import_exits_2_and_writes_nothing(cafe_db):
    done = themoon("import", "sales", str(FIXTURES / "pos_bad_row.csv"), db_path=cafe_db)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: pos_bad_row.csv › row 4 › qty:")
    assert count(cafe_db) == 0
    dry = themoon("import", "sales", str(FIXTURES / "pos_daily.xlsx"), "--dry-run", db_path=cafe_db)
    assert dry.returncode == 0 and "DRY RUN" in dry.stdout and count(cafe_db) == 0
    mapped = themoon(
        "import", "sales", str(FIXTURES / "pos_receipts_utf8bom.csv"), "--map", "ICE 콜드브루=CUP-COLD-BREW",
        "--source", "kiosk-1", db_path=cafe_db,
    )  # fmt: skip
    assert mapped.returncode == 0, mapped.stderr
    assert count(cafe_db) == 5  # positive control
    assert count(cafe_db, "SELECT COUNT(*) FROM sales_name_map WHERE source = 'kiosk-1'") == 1


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("profit", "--period", "2025-13"), "period"),
        (("profit", "--period", "2025-1"), "period"),
        (("profit", "--period", f"{date.today().year + 1}-01"), "period"),
        (("sales", "list", "--since", "2025-11-05", "--until", "2025-11-01"), "since"),
        (("sales", "list", "--since", "someday"), "since"),
        (("sales", "list", "--source", "a b"), "source"),
        (("sales", "list", "--limit", "0"), "limit"),
        (("import", "sales", str(FIXTURES / "make_fixtures.py")), "path"),
        (("import", "sales", str(FIXTURES / "missing.csv")), "path"),
        (("import", "sales", str(FIXTURES / "pos_totals.csv"), "--source", "a b"), "source"),
        (("import", "sales", str(FIXTURES / "pos_totals.csv"), "--map", "no equals"), "map"),
    ],
)
def test_bad_parameters_exit_2_with_one_line_before_any_work(cafe_db, tmp_path, args, field):
    before = cafe_db.read_bytes()
    done = themoon(*args, db_path=cafe_db)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: {field}:"), line
    assert cafe_db.read_bytes() == before
    if args[0] == "import":  # an import may create a database, but not when a value is bad
        fresh = tmp_path / "never.db"
        assert themoon(*args, db_path=fresh).returncode == 2
        assert not fresh.exists()


def test_a_store_without_sales_says_so(cafe_db):
    listed = themoon("sales", "list", db_path=cafe_db)
    assert listed.returncode == 0 and listed.stdout.strip() == "(no sales)"
    with sqlite3.connect(cafe_db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sales_daily").fetchone()[0] == 0

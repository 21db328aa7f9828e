"""The legacy importer against the café's two real old databases (tests/fixtures/legacy_*.db)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from themoon import catalog, cost_settings, db, inventory, roasting
from themoon.io import legacy
from themoon.io.legacy import import_legacy
from themoon.models import ValidationError

FIXTURES = Path(__file__).parent / "fixtures"
V2 = FIXTURES / "legacy_v2_roasting_data.db"
V014 = FIXTURES / "legacy_v0_14_roasting_data.db"

COUNTS_V2 = {
    "beans": 14,  # the 13 old beans + Sidamo G4 (needed by Full Moon / New Moon)
    "blends": 3,  # Full Moon, New Moon, Seasonal; the 4 one-row "blends" are single origins
    "cost_settings": 1,
    "purchases": 0,
    "stock_adjustments": 0,
    "roast_batches": 0,
}
COUNTS_V014 = {
    "beans": 14,
    "blends": 3,
    "cost_settings": 1,
    # 30 입고 + opening balances for Antigua, Fazenda Carmo and Huila (priced)
    "purchases": 33,
    # 30 출고 + two opening balances for Sidamo G4 (no known price)
    "stock_adjustments": 32,
    "roast_batches": 7,
}
ZERO = dict.fromkeys(COUNTS_V2, 0)

# README quirks (code each must be reported under) per database
README_QUIRKS_V2 = {
    "blend-total-portion-is-row-count",
    "masai-mapped-to-yirgacheffe",
    "g4-mapped-to-swiss-water",
    "blend-suggested-price-is-batch-size",
    "money-columns-real",
}
README_QUIRKS_V014 = README_QUIRKS_V2 | {
    "roasting-log-grams-in-kg-columns",
    "roasting-log-invented-dates",
    "roasting-log-no-product-link",
    "transaction-types-mixed",
    "empty-tables",
}


def checksum(conn: sqlite3.Connection) -> str:
    """Every row of every table, in rowid order."""
    digest = hashlib.sha256()
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for table in tables:
        digest.update(table.encode())
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def conn(tmp_path):
    connection = db.connect(tmp_path / "t.db")
    yield connection
    connection.close()


def parts(conn, code: str) -> dict[str, int]:
    return {c["code"]: c["parts"] for c in catalog.get_blend(conn, code)["components"]}


def stock_by_code(conn) -> dict[str, int]:
    return {row["bean"]: row["stock_g"] for row in inventory.stock(conn)}


# --- v2.0.0 ------------------------------------------------------------------------------------


def test_v2_imports_catalog_and_settings(conn):
    before = file_hash(V2)
    report = import_legacy(conn, V2)
    assert report.created == COUNTS_V2
    assert report.unchanged == ZERO
    assert report.rejected == []
    assert file_hash(V2) == before  # the old database is never touched

    beans = {b["code"]: b for b in catalog.list_beans(conn)}
    assert len(beans) == 14
    assert "BRA-SANTOS" not in beans  # no blend or log needs it
    aa = beans["KEN-MASAI-AA"]
    # English name from the café's reference data, Korean name and roast level as the old DB has them
    assert (aa["name_en"], aa["name_ko"], aa["country"], aa["roast_level"]) == (
        "Kenya Masai AA",
        "AA FAQ",
        "Kenya",
        "W",
    )
    assert beans["ETH-MOMORA"]["country"] == "Ethiopia"  # country_code empty, taken from the name
    assert beans["CRI-EL-TANQUE"]["roast_level"] == "Rh"
    assert beans["KEN-KIRINYAGA"]["roast_level"] == "Pb"
    assert beans["ETH-YIRGACHEFFE"]["reorder_point_g"] == 5000  # inventory.min_quantity_kg
    assert beans["ETH-SIDAMO-G4"]["name_ko"] == "시다모G4"

    assert parts(conn, "FULL-MOON") == {"KEN-MASAI-AA": 4, "GTM-ANTIGUA": 4, "ETH-MOMORA": 1, "ETH-SIDAMO-G4": 1}
    assert parts(conn, "NEW-MOON") == {"BRA-FAZENDA-CARMO": 6, "COL-HUILA": 3, "ETH-SIDAMO-G4": 1}
    assert parts(conn, "SEASONAL") == {"ETH-YIRGACHEFFE": 2, "KEN-MASAI-AA": 2, "BRA-FAZENDA-CARMO": 1}
    assert [b["code"] for b in catalog.list_blends(conn)] == ["FULL-MOON", "NEW-MOON", "SEASONAL"]

    (version,) = cost_settings.history(conn)
    assert version.effective_from == date(2025, 10, 24)
    assert version.expected_loss_bp == 1670
    assert version.roasting_won_per_kg == 2000
    assert version.labour_won_per_hour == 15_000
    assert version.labour_minutes_per_session == 120
    assert version.energy_won_per_session == 5000
    assert version.misc_won_per_session == 3000
    assert version.price_multiplier_pct == 250

    # all prices are 0 = unknown: no cost anywhere
    assert conn.execute("SELECT COUNT(*) FROM purchases").fetchone()[0] == 0
    assert all(row["avg_cost_per_kg_won"] is None for row in inventory.stock(conn))


def test_v2_report_names_its_quirks(conn):
    report = import_legacy(conn, V2)
    codes = set(report.quirk_codes)
    assert README_QUIRKS_V2 <= codes
    assert {"bean-price-zero", "blend-single-origin", "country-code-missing", "inventory-stored-stock"} <= codes
    assert "roasting-log-grams-in-kg-columns" not in codes  # v2 has no roasting logs
    text = report.text()
    for code in README_QUIRKS_V2:
        assert f"[{code}]" in text
    text = " ".join(text.split())  # undo the wrapping
    assert "13 beans have price_per_kg 0" in text
    assert "마사이" in text and "예가체프" in text and "스위스워터" in text
    assert "22000" in text and "batch sizes" in text
    assert "total_portion holds the number of recipe rows" in text


# --- v0.14 -------------------------------------------------------------------------------------


def test_v014_imports_stock_and_roasts(conn):
    before = file_hash(V014)
    report = import_legacy(conn, V014)
    assert report.created == COUNTS_V014
    assert report.unchanged == ZERO
    assert report.rejected == []
    assert file_hash(V014) == before

    # 입고 #1: 5.0 kg Yirgacheffe, no amount → valued at the last entered ₩5,500/kg
    first = conn.execute("SELECT * FROM purchases WHERE external_id LIKE 'legacy:%:transactions:1'").fetchone()
    assert (first["purchased_on"], first["grams"], first["total_won"]) == ("2025-09-29", 5000, 27_500)
    assert first["external_id"] == f"legacy:{file_hash(V014)[:12]}:transactions:1"
    # 출고 #12: 3.3 kg → −3,300 g exactly (no float residue)
    release = conn.execute("SELECT * FROM stock_adjustments WHERE external_id LIKE '%:transactions:12'").fetchone()
    assert (release["adjusted_on"], release["delta_g"]) == ("2025-10-07", -3300)
    assert "출고" in release["reason"]
    assert conn.execute("SELECT MIN(total_won) FROM purchases").fetchone()[0] > 0  # never a ₩0 cost

    batches = roasting.list_batches(conn, limit=None)
    assert len(batches) == 7
    assert {b["source"] for b in batches} == {"legacy"}
    by_log = {b["external_id"].rsplit(":", 1)[1]: b for b in batches}
    masai = by_log["1"]
    assert (masai["product"], masai["roasted_on"], masai["green_g"], masai["roasted_g"]) == (
        "KEN-MASAI-AA",
        "2025-10-24",
        10_602,
        8_800,
    )
    assert masai["green_cost_won"] == 65_732  # 10,602 g × ₩6.2/g (moving average of priced purchases)
    assert [by_log[str(i)]["product"] for i in range(1, 8)] == [
        "KEN-MASAI-AA",
        "GTM-ANTIGUA",
        "ETH-MOMORA",
        "ETH-SIDAMO-G4",
        "BRA-FAZENDA-CARMO",
        "COL-HUILA",
        "ETH-SIDAMO-G4",
    ]
    assert [by_log[str(i)]["green_g"] for i in range(1, 8)] == [10_602, 10_602, 2_651, 2_651, 2_892, 1_446, 482]
    assert by_log["2"]["green_cost_won"] == 63_612  # the Antigua opening balance at ₩6,000/kg
    assert by_log["4"]["green_cost_won"] == 0  # Sidamo G4: no known price (reported)

    # opening balances: explicit, traceable, the day before the roast
    openings = conn.execute(
        "SELECT external_id, purchased_on, grams, total_won, lot_code FROM purchases"
        " WHERE external_id LIKE '%:opening' ORDER BY purchased_on"
    ).fetchall()
    assert [(r["purchased_on"], r["grams"], r["total_won"]) for r in openings] == [
        ("2025-10-24", 10_602, 63_612),
        ("2025-10-27", 2_892, 13_592),
        ("2025-10-28", 1_446, 8_531),
    ]
    assert {r["lot_code"] for r in openings} == {"LEGACY-OPENING"}
    g4 = conn.execute(
        "SELECT adjusted_on, delta_g, reason FROM stock_adjustments WHERE external_id LIKE '%:opening'"
        " ORDER BY adjusted_on"
    ).fetchall()
    assert [(r["adjusted_on"], r["delta_g"]) for r in g4] == [("2025-10-26", 2_651), ("2025-10-29", 482)]
    assert all(r["reason"].startswith("opening balance from legacy roasting log") for r in g4)

    stock = stock_by_code(conn)
    assert stock["ETH-YIRGACHEFFE"] == 15_000  # 37.5 kg in − 22.5 kg out
    assert stock["ETH-KOKE-HONEY"] == 15_000
    assert stock["KEN-MASAI-AA"] == 15_000 - 10_602
    assert stock["ETH-MOMORA"] == 15_000 - 2_651
    assert stock["GTM-ANTIGUA"] == stock["ETH-SIDAMO-G4"] == stock["COL-HUILA"] == 0
    assert stock["ETH-DECAF-SDM"] == 0

    assert conn.execute("SELECT kind, summary FROM imports").fetchone()["kind"] == "legacy"


def test_v014_report_names_every_readme_quirk(conn):
    report = import_legacy(conn, V014)
    codes = set(report.quirk_codes)
    assert README_QUIRKS_V014 <= codes
    assert {
        "roasting-log-computed-green",
        "stock-opening-balance",
        "green-cost-unknown",
        "transaction-sample-data",
        "bean-price-last-entered",
        "bean-not-in-old-table",
    } <= codes
    assert len(codes) == len(report.quirks)  # one entry per quirk
    text = report.text()
    for code in README_QUIRKS_V014:
        assert f"[{code}]" in text
    text = " ".join(text.split())  # undo the wrapping
    assert "10602.41 → 10,602 g" in text
    assert "'마사이' → KEN-MASAI-AA" in text and "'g4' → ETH-SIDAMO-G4" in text
    assert "'브라질' → BRA-FAZENDA-CARMO" in text and "'콜롬비아' → COL-HUILA" in text
    assert "'모모라' → ETH-MOMORA" in text and "'안티구아' → GTM-ANTIGUA" in text
    assert "입고 ×30, 출고 ×30" in text and "사용" in text
    assert "users, user_permissions, audit_logs, loss_rate_warnings" in text
    assert "#7 dated 2025-10-30 but written 2025-10-29" in text
    assert "opening balance" in text
    assert "Full Moon 22,000 g = 8800 + 8800 + 2200 + 2200" in text


# --- idempotency, dry run, order -----------------------------------------------------------------


@pytest.mark.parametrize(("path", "counts"), [(V2, COUNTS_V2), (V014, COUNTS_V014)])
def test_second_import_is_a_no_op(conn, path, counts):
    import_legacy(conn, path)
    before = checksum(conn)
    again = import_legacy(conn, path)
    assert checksum(conn) == before
    assert again.created == ZERO
    assert again.unchanged == counts
    assert again.rejected == []


@pytest.mark.parametrize(("path", "counts"), [(V2, COUNTS_V2), (V014, COUNTS_V014)])
def test_dry_run_writes_nothing_and_reports_the_same(conn, path, counts):
    before = checksum(conn)
    dry = import_legacy(conn, path, dry_run=True)
    assert checksum(conn) == before
    assert dry.dry_run and "DRY RUN" in dry.text()
    assert dry.created == counts
    real = import_legacy(conn, path)
    assert real.created == dry.created
    assert real.quirks == dry.quirks
    assert real.text().split("\n", 2)[2] == dry.text().split("\n", 3)[3].replace("Would create", "Created", 1)


def test_v2_then_v014_does_not_duplicate(conn):
    import_legacy(conn, V2)
    report = import_legacy(conn, V014)
    assert report.created == {**ZERO, "purchases": 33, "stock_adjustments": 32, "roast_batches": 7}
    assert report.unchanged == {**ZERO, "beans": 14, "blends": 3, "cost_settings": 1}
    assert report.rejected == []
    assert conn.execute("SELECT COUNT(*) FROM beans").fetchone()[0] == 14
    assert conn.execute("SELECT COUNT(*) FROM blends").fetchone()[0] == 3
    # the v0.14 settings equal the version already in force from 2025-10-24: no second version
    assert [v.effective_from for v in cost_settings.history(conn)] == [date(2025, 10, 24)]
    assert conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 2
    before = checksum(conn)
    import_legacy(conn, V2)
    import_legacy(conn, V014)
    assert checksum(conn) == before


def test_v014_then_v2_adds_the_older_settings_only(conn):
    import_legacy(conn, V014)
    report = import_legacy(conn, V2)
    assert report.created == {**ZERO, "cost_settings": 1}
    assert report.unchanged == {**ZERO, "beans": 14, "blends": 3}
    assert [v.effective_from for v in cost_settings.history(conn)] == [date(2025, 10, 24), date(2025, 10, 29)]


def test_a_snapshot_copy_is_not_imported_twice(conn, tmp_path):
    """A byte-different copy of the same old database (same rows) adds nothing."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(V014, copy)
    with sqlite3.connect(copy) as other:
        other.execute("CREATE TABLE note (x)")  # changes the file's hash, not its data
    other.close()
    import_legacy(conn, V014)
    report = import_legacy(conn, copy)
    assert report.created == ZERO
    assert report.unchanged == COUNTS_V014
    assert "already-imported-from-other-snapshot" in report.quirk_codes
    assert "unknown-tables" in report.quirk_codes


# --- bad input -------------------------------------------------------------------------------


def test_junk_file_is_refused_and_writes_nothing(conn, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(bytes(range(100)))
    before = checksum(conn)
    with pytest.raises(ValidationError, match="not a readable SQLite database"):
        import_legacy(conn, junk)
    assert checksum(conn) == before


def test_foreign_sqlite_file_is_refused(conn, tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE beans (id INTEGER PRIMARY KEY, name TEXT)")
    c.close()
    before = checksum(conn)
    with pytest.raises(ValidationError, match="not a database of the old roasting app") as error:
        import_legacy(conn, other)
    assert "blends" in str(error.value)
    assert checksum(conn) == before


def test_our_own_database_is_refused(conn, tmp_path):
    ours = tmp_path / "ours.db"
    db.connect(ours).close()
    with pytest.raises(ValidationError, match="not a database of the old roasting app"):
        import_legacy(conn, ours)


def test_missing_file_is_refused(conn, tmp_path):
    with pytest.raises(ValidationError, match="does not exist"):
        import_legacy(conn, tmp_path / "nope.db")


def test_an_unexpected_error_rolls_everything_back(conn, monkeypatch):
    before = checksum(conn)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(roasting, "add_batch", boom)
    with pytest.raises(RuntimeError):
        import_legacy(conn, V014)
    assert checksum(conn) == before
    assert not conn.in_transaction


def test_bad_rows_are_rejected_with_a_reason(conn, tmp_path):
    copy = tmp_path / "bad.db"
    shutil.copyfile(V014, copy)
    with sqlite3.connect(copy) as c:
        c.execute("UPDATE transactions SET total_amount = 27500.5 WHERE id = 1")  # not whole won
        c.execute("UPDATE roasting_logs SET notes = '자동 마이그레이션 - 뭔지모름' WHERE id = 3")
        c.execute("UPDATE transactions SET transaction_type = '반품' WHERE id = 60")
    c.close()
    report = import_legacy(conn, copy)
    rejected = dict(report.rejected)
    assert "not a whole number of won" in rejected["transactions #1 (입고)"]
    # without that stock-in, the first release of Yirgacheffe would take stock below zero
    assert "would fall to" in rejected["transactions #2 (출고)"]
    assert "cannot tell the bean" in rejected["roasting_logs #3"]
    assert "unknown transaction type" in rejected["transactions #60 (반품)"]
    assert report.created["purchases"] == 32
    assert report.created["roast_batches"] == 6
    text = report.text()
    assert "Rejected (4):" in text and "transactions #1 (입고)" in text


def test_dry_run_inside_an_open_transaction_is_refused(conn):
    conn.execute("BEGIN")
    try:
        with pytest.raises(ValidationError, match="own transaction"):
            import_legacy(conn, V2, dry_run=True)
    finally:
        conn.execute("ROLLBACK")


def test_report_dataclasses():
    quirk = legacy.Quirk("code", "found", "resolution")
    report = legacy.ImportReport(source="x.db", quirks=[quirk])
    assert report.created == ZERO and report.rejected == []
    assert "[code] found" in report.text()


def test_beans_entered_from_the_reference_data_are_reused(conn):
    """The catalogue entered from themoon.reference (e.g. by hand or the demo) uses the same codes."""
    from themoon import reference

    ref = reference.BEANS_BY_CODE["KEN-MASAI-AA"]
    catalog.add_bean(conn, code=ref.code, name_en=ref.name_en, name_ko=ref.name_ko, country=ref.country)
    report = import_legacy(conn, V2)
    assert report.created["beans"] == 13
    assert report.unchanged["beans"] == 1
    assert catalog.get_bean(conn, "KEN-MASAI-AA")["name_ko"] == "마사이 AA"  # the existing bean is left alone
    codes = {b["code"] for b in catalog.list_beans(conn)}
    assert codes <= set(reference.BEANS_BY_CODE)
    assert {b["code"] for b in catalog.list_blends(conn)} <= set(reference.BLENDS_BY_CODE)

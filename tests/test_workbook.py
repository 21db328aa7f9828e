"""The café's roasting-log and analysis workbooks: beans, blend recipes, the calculator's yield."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from conftest import db_checksum, reference_store

from themoon import catalog, db
from themoon.io import workbook
from themoon.io.outcome import ImportRejected
from themoon.models import ValidationError

FIXTURES = Path(__file__).parent / "fixtures"
LOG = FIXTURES / "moon_roasting_log.xlsx"
ANALYSIS = FIXTURES / "roasting_log_analysis.xlsx"
# The names the café's files use that are not our bean names (asked once, then stored).
MAPS = ["AA FAQ=KEN-MASAI-AA", "브라질=BRA-FAZENDA-CARMO", "콜롬비아=COL-HUILA"]


@pytest.fixture
def store(tmp_path) -> sqlite3.Connection:
    conn = reference_store(tmp_path / "wb.db")
    yield conn
    conn.close()


def test_contents_of_the_two_workbooks():
    log = workbook.read_contents(workbook.load_grids(LOG), LOG.name)
    assert [b.name for b in log.beans][:5] == ["예가체프", "모모라", "코케허니", "우라가", "AA FAQ"]
    assert len(log.beans) == 13  # four identical copies of the form's table, read once
    assert [(b.no, b.country, b.roast_level) for b in log.beans][4] == (5, "K", "W")
    assert log.beans[1].country == "Eth"  # merged country cell over the Ethiopian rows
    calculator = {r.name: r for r in log.recipes}
    full = calculator["풀문 블랜딩"]
    assert [(n, p) for n, p, _ in full.parts] == [("마사이", 4), ("안티구아", 4), ("모모라", 1), ("g4", 1)]
    assert str(full.yield_) == "0.83" and full.base_g == 22000
    assert [(n, p) for n, p, _ in calculator["뉴문 블랜딩"].parts] == [("브라질", 6), ("콜롬비아", 3), ("g4", 1)]

    analysis = workbook.read_contents(workbook.load_grids(ANALYSIS), ANALYSIS.name)
    assert len(analysis.beans) == 13 and analysis.beans[1].country == "Eth"  # '-' = as above
    assert {r.name for r in analysis.recipes} == {"풀문 블렌드", "뉴문 블렌딩"}
    assert all(r.yield_ is None for r in analysis.recipes)
    assert any("batch sizes, not prices" in n for n in analysis.notes)


def test_roasting_log_imports_with_mappings(store):
    before_alerts = store.execute("SELECT COUNT(*) FROM loss_alerts").fetchone()[0]
    report = workbook.import_cafe_workbook(store, LOG, mappings=MAPS)
    assert report.counts["beans"] == {"created": 0, "updated": 0, "unchanged": 13, "rejected": 0}
    assert report.counts["blends"] == {"created": 0, "updated": 2, "unchanged": 0, "rejected": 0}
    # the calculator's yield 0.83 → 17 % expected loss, recorded on the two blends it covers
    for code in ("FULL-MOON", "NEW-MOON"):
        assert catalog.get_blend(store, code)["expected_loss_bp"] == 1700
    assert catalog.get_blend(store, "SEASONAL")["expected_loss_bp"] is None
    assert not store.execute("SELECT COUNT(*) FROM cost_settings").fetchone()[0]
    notes = "\n".join(report.notes)
    assert "expected loss set to 17 %" in notes and "not as a cost-settings version" in notes
    assert "batch size for '풀문 블랜딩' is 22,000 g" in notes
    assert store.execute("SELECT COUNT(*) FROM import_name_map WHERE source = 'workbook'").fetchone()[0] == 3
    assert store.execute("SELECT COUNT(*) FROM loss_alerts").fetchone()[0] == before_alerts
    # re-running the same file (mappings now stored) changes nothing
    before = db_checksum(store)
    again = workbook.import_cafe_workbook(store, LOG)
    assert not again.changed and again.counts["blends"]["unchanged"] == 2
    assert db_checksum(store) == before


def test_analysis_workbook_matches_the_reference_recipes(store):
    report = workbook.import_cafe_workbook(store, ANALYSIS, mappings=MAPS)
    assert report.counts["beans"]["unchanged"] == 13 and report.counts["blends"]["unchanged"] == 2
    matched = "\n".join(report.matched)
    assert "'마사이' → bean:KEN-MASAI-AA (partial name '마사이')" in matched
    assert "'g4' → bean:ETH-SIDAMO-G4" in matched
    assert "'AA FAQ' → bean:KEN-MASAI-AA (mapped)" in matched


def test_unknown_names_are_reported_never_guessed(store):
    before = db_checksum(store)
    dry = workbook.import_cafe_workbook(store, LOG, dry_run=True)
    reasons = [r.text() for r in dry.rejected]
    assert any("no bean named 'AA FAQ'" in r and '--map "AA FAQ=BEAN"' in r for r in reasons)
    assert any("'브라질'" in r for r in reasons)
    assert db_checksum(store) == before
    with pytest.raises(ImportRejected, match="AA FAQ"):
        workbook.import_cafe_workbook(store, LOG)
    assert db_checksum(store) == before


def test_recipe_and_roast_level_changes_are_updates(store):
    catalog.update_blend(store, "FULL-MOON", components={"KEN-MASAI-AA": 5, "GTM-ANTIGUA": 3, "ETH-MOMORA": 2})
    catalog.update_bean(store, "ETH-URAGA", roast_level="N")
    catalog.update_blend(store, "NEW-MOON", expected_loss_pct="16")
    report = workbook.import_cafe_workbook(store, LOG, mappings=MAPS)
    assert report.counts["beans"]["updated"] == 1
    assert report.counts["blends"] == {"created": 0, "updated": 1, "unchanged": 1, "rejected": 0}
    parts = {c["code"]: c["parts"] for c in catalog.get_blend(store, "FULL-MOON")["components"]}
    assert parts == {"KEN-MASAI-AA": 4, "GTM-ANTIGUA": 4, "ETH-MOMORA": 1, "ETH-SIDAMO-G4": 1}
    assert catalog.get_bean(store, "ETH-URAGA")["roast_level"] == "W"
    # the owner's own expected loss is kept, the workbook's is reported
    assert catalog.get_blend(store, "NEW-MOON")["expected_loss_bp"] == 1600
    assert any("NEW-MOON: expected loss kept at 16" in n for n in report.notes)


def test_empty_store_with_create_missing(tmp_path):
    conn = db.connect(tmp_path / "empty.db")
    report = workbook.import_cafe_workbook(conn, ANALYSIS, create_missing=True, dry_run=True)
    assert report.counts["beans"]["created"] == 13
    assert "'AA FAQ' → new bean WB-05" in "\n".join(report.matched)
    # the recipes say '마사이', 'g4', '브라질': the bean table does not say which beans those are
    assert report.counts["blends"]["rejected"] == 2
    assert not conn.execute("SELECT COUNT(*) FROM beans").fetchone()[0]

    # Sidamo G4 is not in the café's table: add it; map the recipe names to the codes the dry run showed
    catalog.add_bean(conn, code="ETH-SIDAMO-G4", name_en="Sidamo G4", name_ko="시다모G4")
    maps = ["마사이=WB-05", "브라질=WB-10", "콜롬비아=WB-07"]
    done = workbook.import_cafe_workbook(conn, ANALYSIS, create_missing=True, mappings=maps)
    assert done.counts["beans"]["created"] == 13 and done.counts["blends"]["created"] == 2
    blend = catalog.get_blend(conn, "풀문 블렌드")
    assert {c["code"]: c["parts"] for c in blend["components"]} == {
        "WB-05": 4, "WB-08": 4, "WB-02": 1, "ETH-SIDAMO-G4": 1,
    }  # fmt: skip
    assert catalog.get_bean(conn, "WB-05")["country"] == "Kenya"
    before = db_checksum(conn)
    assert not workbook.import_cafe_workbook(conn, ANALYSIS, create_missing=True).changed
    assert db_checksum(conn) == before


def test_bad_files_are_refused(store, tmp_path):
    before = db_checksum(store)
    truncated = tmp_path / "log.xlsx"
    truncated.write_bytes(LOG.read_bytes()[:3000])
    with pytest.raises(ValidationError, match="log.xlsx"):
        workbook.import_cafe_workbook(store, truncated)
    blank = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(blank)
    with pytest.raises(ValidationError, match="no bean table"):
        workbook.import_cafe_workbook(store, blank)
    wb = openpyxl.load_workbook(ANALYSIS)
    wb["분석 결과"]["B24"] = "four"
    wrong = tmp_path / "wrong.xlsx"
    wb.save(wrong)
    with pytest.raises(ImportRejected, match="parts"):
        workbook.import_cafe_workbook(store, wrong, mappings=MAPS)
    assert db_checksum(store) == before

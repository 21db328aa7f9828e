"""The café's menu workbook (tests/fixtures/moon_menu.xlsx) → menu items, matched by name."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from conftest import db_checksum, reference_store

from themoon import catalog, db
from themoon.io import menu
from themoon.io.outcome import ImportRejected
from themoon.models import ValidationError

FIXTURE = Path(__file__).parent / "fixtures" / "moon_menu.xlsx"


@pytest.fixture
def store(tmp_path) -> sqlite3.Connection:
    conn = reference_store(tmp_path / "menu.db")
    yield conn
    conn.close()


def item(conn, external_id: str) -> dict:
    row = conn.execute("SELECT * FROM menu_items WHERE external_id = ?", (external_id,)).fetchone()
    assert row is not None, external_id
    return dict(row)


def test_menu_workbook_imports(store):
    report = menu.import_menu(store, FIXTURE)
    assert report.ok
    # 36 priced lines matched a bean (9 beans × 2 price lists + 9 × 2 hand-drip boards), 2 prices each
    assert len(report.matched) == 36
    assert report.counts["menu_items"]["created"] == 72
    assert len(report.unmatched) == 42
    assert any("78 priced lines: 36 matched (72 prices), 42 not matched" in n for n in report.notes)

    # retail bags from the two price lists (light roast = 신, dark roast = 탄)
    bag = item(store, "menu:원두가격표(신):5:200g")
    assert (bag["channel"], bag["dose_g"], bag["price_won"]) == ("bag", 200, 18_500)
    assert bag["bean_id"] == catalog.get_bean(store, "KEN-KIRINYAGA")["id"]
    assert bag["code"] == "BAG-KEN-KIRINYAGA-LIGHT-200G"
    assert item(store, "menu:원두가격표(신):5:1kg")["price_won"] == 46_250
    assert item(store, "menu:원두가격표(신):15:200g")["price_won"] == 12_000  # Yirgacheffe G2, light
    assert item(store, "menu:원두가격표 (탄):15:200g")["price_won"] == 14_000  # the same bean, dark
    # cups: regular 20 g, large 25 g; the large price is the cached value of =SUM(G5+1000)
    cup = item(store, "menu:탄콩 (3):5:regular")
    large = item(store, "menu:탄콩 (3):5:large")
    assert (cup["channel"], cup["dose_g"], cup["price_won"]) == ("cup", 20, 5_500)
    assert (large["dose_g"], large["price_won"]) == (25, 6_500)
    assert cup["bean_id"] == catalog.get_bean(store, "CRI-EL-TANQUE")["id"]
    # every 1 kg price is 2.5 × its 200 g price in this workbook, every large = regular + ₩1,000
    assert not [n for n in report.notes if "is not 2.5" in n or "is not regular" in n]

    unmatched = "\n".join(report.unmatched)
    assert "코케허니 예가체프" in unmatched and "ambiguous: bean:ETH-KOKE-HONEY, bean:ETH-YIRGACHEFFE" in unmatched
    assert "시다모 G2/ Swiss Water" in unmatched and "Sugarcane Decaf" in unmatched
    assert "Raspberry Tea" in unmatched and "café au lait" in unmatched
    assert "더치커피 Dutch coffee' [500ml] ₩25,000: a retail item" in unmatched
    notes = "\n".join(report.notes)
    assert "'탄콩 (2)': an older copy of '탄콩 (3)'" in notes
    assert "'드립커피(신콩,탄콩)': a combined 신콩/탄콩 board" in notes
    assert "'원두메뉴판': no price columns" in notes


def test_reimport_is_a_no_op_and_dry_run_writes_nothing(store):
    before = db_checksum(store)
    dry = menu.import_menu(store, FIXTURE, dry_run=True)
    assert dry.counts["menu_items"]["created"] == 72
    assert db_checksum(store) == before
    menu.import_menu(store, FIXTURE)
    after_first = db_checksum(store)
    again = menu.import_menu(store, FIXTURE)
    assert again.counts["menu_items"] == {"created": 0, "updated": 0, "unchanged": 72, "rejected": 0}
    assert db_checksum(store) == after_first


def test_mappings_resolve_lines_and_are_stored(store):
    maps = [
        "에티오피아 코케허니 예가체프 G1 / Natural=ETH-KOKE-HONEY",
        "시다모 G2/ Swiss Water=ETH-DECAF-SDM",  # a part of the line works as an alias
        "부드러운 카페오레 café au lait=NEW-MOON",
    ]
    report = menu.import_menu(store, FIXTURE, mappings=maps)
    koke = item(store, "menu:원두가격표(신):9:200g")
    assert koke["bean_id"] == catalog.get_bean(store, "ETH-KOKE-HONEY")["id"] and koke["price_won"] == 18_500
    decaf = item(store, "menu:신콩 (3):27:large")
    assert decaf["bean_id"] == catalog.get_bean(store, "ETH-DECAF-SDM")["id"] and decaf["price_won"] == 6_000
    latte = item(store, "menu:우유음료 (2):8:regular")
    assert latte["blend_id"] == catalog.get_blend(store, "NEW-MOON")["id"] and latte["name_en"].startswith("부드러운")
    assert len(report.matched) == 36 + 4 + 4 + 1
    stored = store.execute("SELECT COUNT(*) FROM import_name_map WHERE source = 'menu'").fetchone()[0]
    assert stored == 3
    # asked once: the next run uses the stored mappings
    before = db_checksum(store)
    again = menu.import_menu(store, FIXTURE)
    assert again.counts["menu_items"]["unchanged"] == report.counts["menu_items"]["created"]
    assert db_checksum(store) == before


def test_price_change_updates_the_item_and_formula_without_cache_is_computed(store, tmp_path):
    menu.import_menu(store, FIXTURE)
    edited = tmp_path / "menu.xlsx"
    wb = openpyxl.load_workbook(FIXTURE)  # saving with openpyxl drops the formulas' cached values
    wb["탄콩 (3)"]["G5"] = 6000
    wb.save(edited)
    report = menu.import_menu(store, edited)
    assert report.counts["menu_items"]["updated"] == 2
    assert item(store, "menu:탄콩 (3):5:regular")["price_won"] == 6_000
    assert item(store, "menu:탄콩 (3):5:large")["price_won"] == 7_000  # =SUM(G5+1000) computed
    assert any("computed =SUM(G5+1000)" in n for n in report.notes)


def test_a_bad_price_refuses_the_whole_import(store, tmp_path):
    edited = tmp_path / "menu.xlsx"
    wb = openpyxl.load_workbook(FIXTURE)
    wb["원두가격표(신)"]["G7"] = "ask the barista"
    wb.save(edited)
    before = db_checksum(store)
    with pytest.raises(ImportRejected) as refused:
        menu.import_menu(store, edited)
    assert "원두가격표(신) › row 7" in str(refused.value) and "200 g price" in str(refused.value)
    assert db_checksum(store) == before


def test_unreadable_files_are_refused(store, tmp_path):
    before = db_checksum(store)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(FIXTURE.read_bytes()[:5000])
    with pytest.raises(ValidationError, match="broken.xlsx"):
        menu.import_menu(store, broken)
    with pytest.raises(ValidationError, match="no sheet named"):
        menu.import_menu(store, FIXTURE, sheets=["Menu 2030"])
    with pytest.raises(ValidationError, match="NAME=PRODUCT"):
        menu.import_menu(store, FIXTURE, mappings=["no equals sign"])
    with pytest.raises(ValidationError, match="unknown product"):
        menu.import_menu(store, FIXTURE, mappings=["x=NO-SUCH-BEAN"])
    assert db_checksum(store) == before


def test_explicit_sheets(store):
    report = menu.import_menu(store, FIXTURE, sheets=["드립커피(신콩,탄콩)"], dry_run=True)
    # the combined board still lists Gelena Abaya (a Yirgacheffe lot) and sold-out coffees
    assert len(report.matched) == 7 and len(report.unmatched) == 5


def test_matcher_rules(store):
    matcher = menu.ProductMatcher(store, "menu")
    assert menu.normalise(" [Kenya]  Masai AA ") == "kenyamasaiaa"
    assert matcher.match("마사이 AA").how == "name"
    match = matcher.match("케냐  마사이 AA / Washed")
    assert match.product.code == "KEN-MASAI-AA" and match.how.startswith("partial")
    assert matcher.match("g4").product.code == "ETH-SIDAMO-G4"  # 'g4' is part of one name only
    assert matcher.match("시다모G4 + 시다모").product.code == "ETH-SIDAMO-G4"  # the longer name wins
    ambiguous = matcher.match("코케허니 예가체프")
    assert ambiguous.product is None and len(ambiguous.candidates) == 2
    assert matcher.match("Raspberry tea").product is None
    mapped = menu.ProductMatcher(store, "menu", {"코케허니 예가체프": catalog.get_product(store, "ETH-KOKE-HONEY")})
    assert mapped.match("에티오피아 코케허니 예가체프 G1").product.code == "ETH-KOKE-HONEY"


def test_sheet_summary_describes_the_workbook():
    summary = {s["sheet"]: s for s in menu.sheet_summary(FIXTURE)}
    assert len(summary) == 26
    assert summary["원두가격표(신)"]["merged"] == 59 and summary["탄콩 (3)"]["formulas"] == 10
    assert summary["원두가격표 (탄)"]["formulas"] == 0


def test_demo_database_gets_duplicate_notes(tmp_path):
    """On the demo store the owner already has menu items for some of these bags: reported, not merged."""
    from datetime import date

    from themoon import demo

    conn = db.connect(tmp_path / "demo.db")
    demo.build_demo(conn, months=1, today=date(2026, 10, 31))
    shutil.copy(FIXTURE, tmp_path / "m.xlsx")
    report = menu.import_menu(conn, tmp_path / "m.xlsx", dry_run=True)
    assert report.counts["menu_items"]["created"] == 72
    assert any("the menu already has BAG-KIRINYAGA-200" in n for n in report.notes)


def test_cli(tmp_path, capsys):
    from test_excel import run

    path = tmp_path / "cli.db"
    reference_store(path).close()
    assert run("import", "menu", str(FIXTURE), "--db", str(path), "--dry-run") == 0
    assert "36 matched (72 prices)" in capsys.readouterr().out
    assert run("import", "menu", str(FIXTURE), "--db", str(path), "--map", "코케허니 예가체프=ETH-KOKE-HONEY") == 0
    assert "BAG-ETH-KOKE-HONEY" not in capsys.readouterr().err
    assert run("import", "workbook", str(FIXTURE.parent / "roasting_log_analysis.xlsx"), "--db", str(path)) == 2
    assert "AA FAQ" in capsys.readouterr().err


def test_a_merged_range_over_the_whole_sheet_is_refused_before_loading(store, tmp_path):
    """openpyxl's normal mode would create a cell object for each of its 17 billion cells."""
    import zipfile

    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "보통컵"
    wb.active.merge_cells("A1:B2")
    wb.save(plain)
    bomb = tmp_path / "merged.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename).replace(b'ref="A1:B2"', b'ref="A1:XFD1048576"'))
    before = db_checksum(store)
    with pytest.raises(ValidationError, match="too many merged cells"):
        menu.import_menu(store, bomb)
    assert db_checksum(store) == before
    assert menu.load_grids(plain)["Sheet"].ranges == [(1, 1, 2, 2)]

"""Our Excel format: export, import, round trip, add_batches == add_batch, and every way a file can be bad."""

from __future__ import annotations

import argparse
import csv
import re
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import BOUGHT_ON, build_small_cafe, db_checksum

from themoon import catalog, db, inventory, roasting
from themoon.io import cli as io_cli
from themoon.io import excel, xlsx
from themoon.io.outcome import ImportRejected
from themoon.models import ValidationError

DEMO_TODAY = date(2026, 10, 31)
DANGEROUS = ('=HYPERLINK("http://evil","x")', "+SUM(1,2)", "-2+3", "@cmd")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """A realistic store (two months of the demo café), plus text a spreadsheet would evaluate."""
    from themoon import demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    conn = db.connect(path)
    demo.build_demo(conn, months=2, today=DEMO_TODAY)
    catalog.add_bean(conn, code="INJ-1", name_en=DANGEROUS[0], name_ko=DANGEROUS[1], notes=DANGEROUS[2])
    catalog.add_bean(conn, code="INJ-2", name_en=DANGEROUS[3], process="-natural")
    conn.close()
    return path


def copy_db(source: Path, target: Path) -> sqlite3.Connection:
    src = db.connect(source)
    db.backup_copy(src, target)
    src.close()
    return db.connect(target)


def cells(path: Path) -> dict[str, list[list]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def small_export(tmp_path: Path) -> tuple[sqlite3.Connection, Path]:
    """A small café with two roasts, exported; returns (its connection, the file)."""
    conn = db.connect(tmp_path / "small.db")
    build_small_cafe(conn)
    roasting.add_batch(conn, product="FULL-MOON", green_g=5000, roasted_g=4150, roasted_on=date(2025, 10, 10))
    roasting.add_batch(conn, product="KEN-AA", green_g=2000, roasted_g=1660, roasted_on=date(2025, 10, 11))
    path = tmp_path / "small.xlsx"
    excel.export_workbook(conn, path)
    return conn, path


# --- round trip ------------------------------------------------------------------------------


def test_round_trip_gives_identical_cells(demo_db, tmp_path):
    source = copy_db(demo_db, tmp_path / "a.db")
    first = tmp_path / "first.xlsx"
    written = excel.export_workbook(source, first)
    assert written["roast_batches"] > 500 and written["menu_items"] > 40

    target = db.connect(tmp_path / "b.db")
    report = excel.import_workbook(target, first)
    assert report.ok, report.text()
    assert (
        report.counts["roast_batches"]["created"] == source.execute("SELECT COUNT(*) FROM roast_batches").fetchone()[0]
    )
    second = tmp_path / "second.xlsx"
    excel.export_workbook(target, second)

    a, b = cells(first), cells(second)
    assert list(a) == list(b) == ["about", *excel.SHEETS]
    for sheet in a:
        assert a[sheet] == b[sheet], sheet


def test_reimport_changes_nothing(demo_db, tmp_path):
    conn = copy_db(demo_db, tmp_path / "a.db")
    path = tmp_path / "x.xlsx"
    excel.export_workbook(conn, path)
    before = db_checksum(conn)
    report = excel.import_workbook(conn, path)
    assert not report.changed and report.total("unchanged") > 300
    assert db_checksum(conn) == before


def test_dry_run_writes_nothing(demo_db, tmp_path):
    conn = copy_db(demo_db, tmp_path / "a.db")
    path = tmp_path / "x.xlsx"
    excel.export_workbook(conn, path)
    empty = db.connect(tmp_path / "empty.db")
    before = db_checksum(empty)
    report = excel.import_workbook(empty, path, dry_run=True)
    assert report.dry_run and report.counts["beans"]["created"] == 17
    assert "DRY RUN" in report.text()
    assert db_checksum(empty) == before


def _dump(conn: sqlite3.Connection) -> dict[str, list[dict]]:
    result = {}
    for table in ("roast_batches", "roast_components", "loss_alerts", "audit_log", "purchases", "stock_adjustments"):
        rows = [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
        for row in rows:
            row.pop("created_at", None), row.pop("at", None)
        result[table] = rows
    return result


def test_bulk_path_equals_per_row_path(demo_db, tmp_path):
    source = copy_db(demo_db, tmp_path / "a.db")
    path = tmp_path / "x.xlsx"
    excel.export_workbook(source, path)
    dumps = []
    for bulk in (True, False):
        conn = db.connect(tmp_path / f"{bulk}.db")
        report = excel.import_workbook(conn, path, bulk=bulk)
        assert report.ok
        dumps.append(_dump(conn))
    assert len(dumps[0]["roast_batches"]) > 200 and len(dumps[0]["loss_alerts"]) > 10
    for table in dumps[0]:
        assert dumps[0][table] == dumps[1][table], table
    # and the frozen green costs equal the ones the demo recorded through the API
    assert dumps[0]["roast_components"] == _dump(source)["roast_components"]


def test_bulk_path_refuses_what_the_per_row_path_refuses(tmp_path):
    conn, path = small_export(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["roast_batches"]
    header = [c.value for c in ws[1]]
    # a third roast of KEN-AA larger than what is left (10 kg bought, 4 kg used by the two roasts)
    row = [None] * len(header)
    values = {"batch": 99, "roasted_on": date(2025, 10, 12), "product": "KEN-AA", "kind": "bean",
              "roasted_g": 7000, "source": "excel", "bean": "KEN-AA", "green_g": 8500}  # fmt: skip
    for key, value in values.items():
        row[header.index(key)] = value
    ws.append(row)
    wb.save(path)
    messages = []
    for bulk in (True, False):
        empty = db.connect(tmp_path / f"e{bulk}.db")
        before = db_checksum(empty)
        with pytest.raises(ImportRejected) as refused:
            excel.import_workbook(empty, path, bulk=bulk)
        assert db_checksum(empty) == before
        messages.append([r.text() for r in refused.value.report.rejected])
    assert messages[0] == messages[1]
    assert "only" in messages[0][0] and "Kenya Masai AA" in messages[0][0]


def test_refused_batches_are_named_in_one_pass(tmp_path, monkeypatch):
    """add_batches reports every bad batch where the file has it, as add_batch one by one would,
    without replaying anything row by row."""
    conn, path = small_export(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["roast_batches"]
    header = [c.value for c in ws[1]]
    for number, (day, green) in enumerate(((12, 8500), (13, 3000), (14, 9000)), start=99):
        row = [None] * len(header)
        values = {"batch": number, "roasted_on": date(2025, 10, day), "product": "KEN-AA", "kind": "bean",
                  "roasted_g": green - 1500, "source": "excel", "bean": "KEN-AA", "green_g": green}  # fmt: skip
        for key, value in values.items():
            row[header.index(key)] = value
        ws.append(row)
    wb.save(path)
    empty = db.connect(tmp_path / "empty.db")
    before = db_checksum(empty)

    def no_replay(*args, **kwargs):
        raise AssertionError("add_batch called")

    monkeypatch.setattr(roasting, "add_batch", no_replay)
    with pytest.raises(ImportRejected) as refused:
        excel.import_workbook(empty, path, bulk=True)
    assert db_checksum(empty) == before
    texts = [r.text() for r in refused.value.report.rejected]
    # 6 kg of KEN-AA left: the first is too big, the second fits, the third is too big for what is left
    assert len(texts) == 2
    assert "roast_batches › row 7: green_g: only 6,000 g of Kenya Masai AA in stock on 2025-10-12" in texts[0]
    assert "roast_batches › row 9: green_g: only 3,000 g of Kenya Masai AA in stock on 2025-10-14" in texts[1]
    assert refused.value.report.counts["roast_batches"]["created"] == 3  # the two old ones and the one that fits


# --- the written file ---------------------------------------------------------------------------


def test_export_formats_and_neutralised_text(demo_db, tmp_path):
    conn = copy_db(demo_db, tmp_path / "a.db")
    path = tmp_path / "x.xlsx"
    excel.export_workbook(conn, path)
    wb = openpyxl.load_workbook(path)
    for title in excel.SHEETS:
        ws = wb[title]
        assert ws.freeze_panes == "A2", title
        assert ws.column_dimensions["A"].width > 5
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{title}!{cell.coordinate} is a formula"
    purchases = wb["purchases"]
    header = [c.value for c in purchases[1]]
    second = purchases[2]
    assert second[header.index("total_won")].number_format == excel.WON
    assert isinstance(second[header.index("total_won")].value, int)
    assert second[header.index("grams")].number_format == excel.GRAMS
    assert second[header.index("purchased_on")].is_date
    settings = wb["cost_settings"]
    loss = settings[2][[c.value for c in settings[1]].index("expected_loss_pct")]
    assert loss.number_format == excel.PCT and loss.value == pytest.approx(0.167)
    found = {}
    for row in wb["beans"].iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(excel.DANGEROUS_START):
                found[cell.value] = cell
    assert set(DANGEROUS) | {"-natural"} <= set(found)
    for value, cell in found.items():
        assert cell.data_type == "s" and cell.quotePrefix, value
    with zipfile.ZipFile(path) as archive:
        assert b'quotePrefix="1"' in archive.read("xl/styles.xml")


def test_csv_export(demo_db, tmp_path):
    conn = copy_db(demo_db, tmp_path / "a.db")
    path = tmp_path / "beans.csv"
    count = excel.export_csv(conn, "beans", path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert len(rows) == count + 1 and rows[0][0] == "code"
    flat = [value for row in rows for value in row]
    for text in DANGEROUS:
        assert "'" + text in flat and text not in flat
    assert "예가체프" in flat
    settings = tmp_path / "s.csv"
    excel.export_csv(conn, "cost_settings", settings)
    srows = list(csv.DictReader(settings.open(encoding="utf-8-sig")))
    assert srows[0]["expected_loss_pct"] == "16.7" and srows[0]["use_recent_loss"] == "no"
    with pytest.raises(ValidationError):
        excel.export_csv(conn, "users", tmp_path / "u.csv")


# --- bad files ---------------------------------------------------------------------------------


def _refused(conn, path, *fragments: str) -> str:
    before = db_checksum(conn)
    with pytest.raises(ValidationError) as error:
        excel.import_workbook(conn, path)
    assert db_checksum(conn) == before
    text = str(error.value)
    for fragment in fragments:
        assert fragment in text, text
    return text


def test_truncated_and_corrupted_files(tmp_path):
    conn, path = small_export(tmp_path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    _refused(conn, truncated, "truncated.xlsx", "corrupted or truncated")
    # corrupt the compressed bytes of the roast_batches sheet (the zip directory stays intact)
    with zipfile.ZipFile(path) as archive:
        info = next(
            i for i in archive.infolist() if archive.read(i.filename).find(b"roasted_g") > 0 and "sheet" in i.filename
        )
    corrupted = tmp_path / "corrupted.xlsx"
    broken = bytearray(data)
    start = info.header_offset + 30 + len(info.filename) + 10
    broken[start : start + 40] = b"\x00" * 40
    corrupted.write_bytes(bytes(broken))
    _refused(conn, corrupted, "corrupted.xlsx")
    text_file = tmp_path / "notes.xlsx"
    text_file.write_text("just some text", encoding="utf-8")
    _refused(conn, text_file, "notes.xlsx")


def test_oversized_file_is_refused_before_parsing(tmp_path):
    conn = db.connect(tmp_path / "x.db")
    big = tmp_path / "big.xlsx"
    with open(big, "wb") as handle:  # sparse: no 50 MB actually written
        handle.truncate(excel.MAX_XLSX_BYTES + 1)
    _refused(conn, big, "big.xlsx", "limit is 50 MB")


def test_zip_bomb_is_refused(tmp_path):
    conn = db.connect(tmp_path / "x.db")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (30 * 1024 * 1024))
    _refused(conn, bomb, "bomb.xlsx", "zip bomb")


def _edit(path: Path, sheet: str, change) -> Path:
    wb = openpyxl.load_workbook(path)
    change(wb[sheet])
    out = path.with_name(f"edited-{sheet}.xlsx")
    wb.save(out)
    return out


def _column(ws, name: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter([c.value for c in ws[1]].index(name) + 1)


def test_formula_cells_are_refused(tmp_path):
    conn, path = small_export(tmp_path)
    empty = db.connect(tmp_path / "empty.db")

    def change(ws):
        ws[f"{_column(ws, 'roasted_g')}3"] = "=4000+150"

    text = _refused(empty, _edit(path, "roast_batches", change), "roast_batches", "row 3", "roasted_g", "formula")
    assert "=4000+150" in text


def test_wrong_types_name_sheet_row_and_field(tmp_path):
    conn, path = small_export(tmp_path)
    empty = db.connect(tmp_path / "empty.db")

    def grams(ws):
        ws[f"{_column(ws, 'grams')}2"] = "ten kilos"

    _refused(empty, _edit(path, "purchases", grams), "purchases", "row 2", "grams", "whole number")

    def day(ws):  # row 6 is the single-origin batch (rows 2-5 are the Full Moon's components)
        ws[f"{_column(ws, 'roasted_on')}6"] = "yesterday"

    _refused(empty, _edit(path, "roast_batches", day), "roast_batches", "row 6", "roasted_on", "date")

    def one_component(ws):
        ws[f"{_column(ws, 'roasted_g')}3"] = 999

    _refused(
        empty, _edit(path, "roast_batches", one_component), "row 3 roasted_g", "differs from the batch's first row"
    )

    def future(ws):
        ws[f"{_column(ws, 'purchased_on')}3"] = date(2999, 1, 1)

    _refused(empty, _edit(path, "purchases", future), "purchases › row 3", "future")


def test_merged_cells_are_refused(tmp_path):
    conn, path = small_export(tmp_path)
    empty = db.connect(tmp_path / "empty.db")
    _refused(empty, _edit(path, "beans", lambda ws: ws.merge_cells("B2:C2")), "beans", "B2:C2", "merged")


def test_missing_columns_and_foreign_workbooks(tmp_path):
    conn, path = small_export(tmp_path)
    empty = db.connect(tmp_path / "empty.db")
    _refused(empty, _edit(path, "beans", lambda ws: ws.delete_cols(2)), "beans", "missing column", "name_en")
    _refused(empty, _edit(path, "about", lambda ws: ws.cell(1, 2, "something-else")), "not a themoon export")
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    _refused(empty, other, "other.xlsx", "none of the sheets")


def test_dtd_is_refused(tmp_path):
    conn, path = small_export(tmp_path)
    empty = db.connect(tmp_path / "empty.db")
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(evil, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + data.split(b"?>", 1)[-1]
            dst.writestr(info, data)
    _refused(empty, evil, "DTD")


def test_dtd_in_any_part_and_error_cells_are_refused(tmp_path):
    conn, path = small_export(tmp_path)
    empty = db.connect(tmp_path / "empty.db")
    with zipfile.ZipFile(path) as src:
        sheet = next(n for n in src.namelist() if n.startswith("xl/worksheets/") and b"roasted_g" in src.read(n))
    evil = tmp_path / "evil-sheet.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(evil, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == sheet:
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + data.split(b"?>", 1)[-1]
            dst.writestr(info, data)
    _refused(empty, evil, "evil-sheet.xlsx", sheet, "DTD")

    def error(ws):
        ws[f"{_column(ws, 'grams')}2"] = "#DIV/0!"
        ws[f"{_column(ws, 'grams')}2"].data_type = "e"

    _refused(empty, _edit(path, "purchases", error), "purchases › row 2", "grams", "the error #DIV/0!")


def test_text_round_trips_exactly(tmp_path):
    """Carriage returns (XML would read them back as line feeds), text that looks like OOXML's own
    escape, runs of spaces, Korean, and text a spreadsheet would evaluate."""
    conn = db.connect(tmp_path / "a.db")
    notes = ["line one\r\nline two", "literal _x000D_ and _x005F_ text", "a\rb", "=1+1\r\n=2"]
    for i, text in enumerate(notes):
        catalog.add_bean(conn, code=f"B{i}", name_en=f"Bean {i}", name_ko="예가체프  G1", notes=text)
    path = tmp_path / "x.xlsx"
    excel.export_workbook(conn, path)
    target = db.connect(tmp_path / "b.db")
    assert excel.import_workbook(target, path).ok
    assert [catalog.get_bean(target, f"B{i}")["notes"] for i in range(len(notes))] == notes
    assert catalog.get_bean(target, "B0")["name_ko"] == "예가체프  G1"
    assert not excel.import_workbook(target, path).changed
    cell = openpyxl.load_workbook(path)["beans"]["J5"]
    assert cell.data_type == "s" and cell.quotePrefix and cell.value.startswith("=1+1")


def test_claimed_sizes_and_far_away_cells_cost_nothing(tmp_path):
    """A sheet that claims A1:XFD1048576 and holds a cell in the last column is read as the cells it holds."""
    conn, path = small_export(tmp_path)
    big = tmp_path / "claims.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/") and b"<sheetData>" in data:
                data = data.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>', 1)
                data = data.replace(
                    b"</row></sheetData>", b'<c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
                )
            dst.writestr(info, data)
    empty = db.connect(tmp_path / "empty.db")
    report = excel.import_workbook(empty, big)
    assert report.ok and report.counts["roast_batches"]["created"] == 2


def test_updates_by_code_and_conflicts_in_the_ledger(tmp_path):
    conn, path = small_export(tmp_path)

    def rename(ws):
        ws[f"{_column(ws, 'name_en')}2"] = "Kenya AA (renamed)"

    report = excel.import_workbook(conn, _edit(path, "beans", rename))
    assert report.counts["beans"] == {"created": 0, "updated": 1, "unchanged": 3, "rejected": 0}
    assert catalog.get_bean(conn, "KEN-AA")["name_en"] == "Kenya AA (renamed)"

    inventory.add_purchase(conn, bean="KEN-AA", grams=1000, total_won=7000, purchased_on=BOUGHT_ON, external_id="po-1")
    path2 = tmp_path / "with-po.xlsx"
    excel.export_workbook(conn, path2)

    def change_po(ws):
        for row in ws.iter_rows(min_row=2):
            if row[[c.value for c in ws[1]].index("external_id")].value == "po-1":
                row[[c.value for c in ws[1]].index("grams")].value = 2000

    _refused(conn, _edit(path2, "purchases", change_po), "purchases", "external_id", "never rewrites")


def test_progress_is_reported(demo_db, tmp_path):
    conn = copy_db(demo_db, tmp_path / "a.db")
    path = tmp_path / "x.xlsx"
    calls: list[tuple[int, int]] = []
    excel.export_workbook(conn, path, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1]
    calls.clear()
    excel.import_workbook(db.connect(tmp_path / "b.db"), path, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1] > 600
    assert all(d <= t for d, t in calls)


# --- the command line -----------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    """The same wiring themoon.cli.build_parser uses, with only the groups register() fills."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db")
    common.add_argument("--user", default="cli")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true")
    top = argparse.ArgumentParser(prog="themoon")
    sub = top.add_subparsers(dest="command", required=True)

    def command(parent, name, handler, help_, *, json_out=False):
        p = parent.add_parser(name, parents=[common, as_json] if json_out else [common], help=help_)
        p.set_defaults(handler=handler)
        return p

    def group(name):
        return sub.add_parser(name).add_subparsers(dest="action", required=True)

    io_cli.register(group("import"), group("export"), command)
    return top


def run(*argv: str) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


def test_cli_export_and_import(demo_db, tmp_path, capsys):
    source = tmp_path / "a.db"
    copy_db(demo_db, source).close()
    book = tmp_path / "x.xlsx"
    assert run("export", "excel", str(book), "--db", str(source)) == 0
    assert run("export", "csv", "roast_batches", str(tmp_path / "r.csv"), "--db", str(source)) == 0
    target = tmp_path / "b.db"
    assert run("import", "excel", str(book), "--db", str(target), "--dry-run") == 0
    assert "DRY RUN" in capsys.readouterr().out
    assert run("import", "excel", str(book), "--db", str(target), "--json") == 0
    assert '"created": 17' in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(book.read_bytes()[:1000])
    with pytest.raises(ValidationError):
        run("import", "excel", str(bad), "--db", str(target))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_equals_per_row_on_random_ledgers(tmp_path, seed):
    """Purchases between roasts, stock counted before the first purchase (unknown cost), blends,
    same-day purchases and roasts: the bulk path freezes exactly the per-row costs and alerts."""
    import random
    from datetime import timedelta

    from themoon import cost_settings

    rng = random.Random(seed)
    conn = db.connect(tmp_path / "source.db")
    cost_settings.save(conn, effective_from=date(2025, 1, 1), expected_loss_pct="16.7")
    for code in ("A", "B", "C"):
        catalog.add_bean(conn, code=code, name_en=f"Bean {code}")
    catalog.add_blend(conn, code="AB", name_en="A and B", components={"A": 3, "B": 1})
    start = date(2025, 3, 1)
    inventory.add_adjustment(conn, bean="C", delta_g=4000, reason="found in the back", adjusted_on=start)
    for day in range(90):
        on = start + timedelta(days=day)
        for code in ("A", "B", "C"):
            if rng.random() < 0.12:
                grams = rng.randint(5, 30) * 1000
                inventory.add_purchase(
                    conn, bean=code, grams=grams, total_won=grams * rng.randint(4, 7), purchased_on=on
                )
        for _ in range(rng.randint(0, 3)):
            product = rng.choice(["A", "B", "C", "AB"])
            green = rng.randint(500, 3000)
            try:
                roasting.add_batch(
                    conn, product=product, green_g=green, roasted_g=int(green * rng.uniform(0.76, 0.88)), roasted_on=on
                )
            except ValidationError:
                pass  # not enough stock that day
        if rng.random() < 0.05:
            bean = rng.choice(["A", "B", "C"])
            delta = -min(200, inventory.stock_g(conn, catalog.get_bean(conn, bean)["id"])) or 100
            inventory.add_adjustment(conn, bean=bean, delta_g=delta, reason="count", adjusted_on=on)
    assert conn.execute("SELECT COUNT(*) FROM roast_batches").fetchone()[0] > 60
    path = tmp_path / "ledger.xlsx"
    excel.export_workbook(conn, path)
    dumps = []
    for bulk in (True, False):
        target = db.connect(tmp_path / f"{bulk}.db")
        assert excel.import_workbook(target, path, bulk=bulk).ok
        dumps.append(_dump(target))
    for table in dumps[0]:
        assert dumps[0][table] == dumps[1][table], table
    assert dumps[0]["roast_components"] == _dump(conn)["roast_components"]


# --- the cell reader ------------------------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures"


def _replace_part(path: Path, target: Path, part: str, data: bytes) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == part else src.read(info.filename))
    return target


def _openpyxl_cells(path: Path) -> dict[str, dict]:
    """{sheet: {(row, column): (type, value) or 'refused'}} as openpyxl's read-only mode reads them."""
    wb = openpyxl.load_workbook(path, read_only=True)
    found = {}
    for ws in wb.worksheets:
        ws.reset_dimensions()
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type in ("f", "e"):
                    cells[cell.row, cell.column] = "refused"
                elif cell.value is not None:
                    cells[cell.row, cell.column] = (type(cell.value).__name__, cell.value)
        found[ws.title] = cells
    wb.close()
    return found


def _our_cells(path: Path) -> dict[str, dict]:
    found = {}
    with xlsx.open_xlsx(path) as reader:
        for title in reader.parts:
            cells = {}
            for row in reader.rows(title, title):
                for column, value in row.values.items():
                    if value is not None:
                        cells[row.number, column] = (type(value).__name__, value)
                for column in row.refused:
                    cells[row.number, column] = "refused"
            found[title] = cells
    return found


def test_cell_reader_reads_what_openpyxl_reads(demo_db, tmp_path):
    """The café's workbooks (Excel: shared strings, formulas, dates, merged cells), our export
    (inline strings, number formats), dates in the 1904 epoch, and odd but valid XML (no cell
    references, rich text, a row without a number, cached formula text, booleans, errors,
    exponents, escapes, unpreserved spaces): calamine's sheets and the exact reader's alike."""
    from datetime import datetime, time, timedelta

    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    conn = copy_db(demo_db, tmp_path / "a.db")
    export = tmp_path / "export.xlsx"
    excel.export_workbook(conn, export)
    books = [FIXTURES / "moon_menu.xlsx", FIXTURES / "moon_roasting_log.xlsx", FIXTURES / "roasting_log_analysis.xlsx"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([1, 2.5, "  spaced  ", True, False, date(2025, 1, 2), datetime(2025, 1, 2, 3, 4, 5), time(6, 30)])
    ws.append(["=SUM(A1:B1)", "#N/A", None, -7, 1e300, "예가체프"])
    ws["C2"].data_type = "e"
    ws["B2"].data_type = "e"
    ws["A3"] = timedelta(hours=30)
    ws["A3"].number_format = "[h]:mm:ss"
    made = tmp_path / "made.xlsx"
    wb.save(made)
    odd = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><r><t>rich </t></r>'
        b'<r><t>text</t></r><rPh sb="0" eb="1"><t>x</t></rPh></is></c><c r="D1" t="b"><v>1</v></c></row>'
        b'<row><c><v>2.5</v></c><c t="str"><v>cached</v></c><c r="E2"><f>1+1</f><v>2</v></c></row>'
        b'<row r="5" spans="1:3"><c r="A5" t="e"><v>#N/A</v></c><c r="C5" s="0"><v>1E3</v></c>'
        b'<c r="D5" t="inlineStr"><is><t/></is></c><c r="AA5"><v>-0.5</v></c></row>'
        b"</sheetData></worksheet>"
    )
    with zipfile.ZipFile(made) as archive:
        part = next(n for n in archive.namelist() if n.startswith("xl/worksheets/"))
    books += [export, made, _replace_part(made, tmp_path / "odd.xlsx", part, odd)]
    # plain rows (calamine reads them) with dates in the 1904 epoch, times, durations, shared strings
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["text", 3, 0.25, True, date(1999, 12, 31), datetime(2030, 6, 1, 23, 59, 59), time(12, 0)])
    ws.append(["text", -4000000, 0.001, False, date(1904, 1, 2), timedelta(days=3, minutes=5)])
    ws["F2"].number_format = "[h]:mm:ss"
    wb.save(tmp_path / "plain1904.xlsx")
    # rows that look plain but hold what calamine reads differently: the exact reader takes them
    looks_plain = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1"><v>2.0</v></c><c r="B1"><v>1E3</v></c><c r="C1"><v>12345678901234567890</v></c>'
        b'<c r="D1" t="inlineStr"><is><t>a_x000D_b</t></is></c><c r="E1" t="inlineStr"><is><t> trimmed? </t></is></c>'
        b'<c r="F1" t="b"><v>2</v></c></row></sheetData></worksheet>'
    )
    books += [tmp_path / "plain1904.xlsx", _replace_part(made, tmp_path / "looks-plain.xlsx", part, looks_plain)]
    plain: dict[str, dict[str, bool]] = {}
    for book in books:
        ours, theirs = _our_cells(book), _openpyxl_cells(book)
        assert list(ours) == list(theirs), book.name
        for title in theirs:
            assert ours[title] == theirs[title], (book.name, title)
            assert theirs[title] or book.name != "export.xlsx"
        with xlsx.open_xlsx(book) as reader:
            plain[book.name] = {title: reader.plain(title) for title in reader.parts}
    # both readers were compared: calamine on our export and the café's plain sheets, the exact
    # reader on sheets with formulas, errors, far-away cells and odd XML
    assert all(plain["export.xlsx"].values()) and all(plain["plain1904.xlsx"].values())
    assert plain["moon_menu.xlsx"]["원두가격표 (탄)"] and not plain["moon_menu.xlsx"]["탄콩 (3)"]
    assert not plain["moon_menu.xlsx"]["원두메뉴판"]  # a value on row 1,048,576: 800 MB in calamine
    assert not any(plain[name]["Sheet"] for name in ("made.xlsx", "odd.xlsx", "looks-plain.xlsx"))
    odd_cells = _our_cells(tmp_path / "odd.xlsx")["Sheet"]
    assert (
        odd_cells[1, 2] == ("str", "rich text") and odd_cells[2, 5] == "refused" and odd_cells[5, 27] == ("float", -0.5)
    )


def test_rows_out_of_order_and_non_utf8_parts_are_refused(tmp_path):
    conn, path = small_export(tmp_path)
    empty = db.connect(tmp_path / "empty.db")
    with zipfile.ZipFile(path) as archive:
        part = next(n for n in archive.namelist() if b"<t>roasted_on</t>" in archive.read(n))
        data = archive.read(part)
    swapped = data.replace(b'<row r="3"', b'<row r="9"', 1)
    _refused(
        empty, _replace_part(path, tmp_path / "order.xlsx", part, swapped), "roast_batches › row 4", "out of order"
    )
    # a DTD in UTF-16 does not show as the bytes '<!DOCTYPE': the part is refused for its encoding
    text = data.decode("utf-8").split("?>", 1)[-1]
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + text).encode("utf-16")
    assert b"<!DOCTYPE" not in utf16
    _refused(empty, _replace_part(path, tmp_path / "utf16.xlsx", part, utf16), part, "not UTF-8")
    declared = b'<?xml version="1.0" encoding="cp037"?>' + data.split(b"?>", 1)[-1]
    _refused(empty, _replace_part(path, tmp_path / "ebcdic.xlsx", part, declared), part, "not UTF-8")


def _sheet_part(path: Path, header: bytes) -> tuple[str, bytes]:
    """(name, XML) of the export's sheet whose header row holds `header`."""
    with zipfile.ZipFile(path) as archive:
        part = next(n for n in archive.namelist() if header in archive.read(n) and n.startswith("xl/worksheets/"))
        return part, archive.read(part)


def test_formula_and_error_cells_in_plain_rows_are_refused_not_read_for_their_cached_value(tmp_path):
    """calamine reads a formula cell as its cached value: the byte scan finds it first."""
    conn, path = small_export(tmp_path)
    empty = db.connect(tmp_path / "empty.db")
    part, data = _sheet_part(path, b"<t>roasted_g</t>")
    with xlsx.open_xlsx(path) as reader:
        assert reader.plain("roast_batches")  # the export itself goes to calamine
    cell = re.search(rb'<c r="E3"( s="[0-9]+")?><v>([0-9]+)</v></c>', data)
    assert cell is not None
    cached = cell.group(0).replace(b"<v>", b"<f>4000+150</f><v>")
    book = _replace_part(path, tmp_path / "cached.xlsx", part, data.replace(cell.group(0), cached))
    text = _refused(empty, book, "roast_batches › row 3", "roasted_g", "the formula =4000+150")
    assert "an import file holds values" in text
    shared = cell.group(0).replace(b"<v>", b'<f t="shared" si="0"/><v>')
    book = _replace_part(path, tmp_path / "shared.xlsx", part, data.replace(cell.group(0), shared))
    _refused(empty, book, "roast_batches › row 3", "roasted_g", "the formula =")
    error = b'<c r="E3" t="e"><v>#REF!</v></c>'
    book = _replace_part(path, tmp_path / "error.xlsx", part, data.replace(cell.group(0), error))
    _refused(empty, book, "roast_batches › row 3", "roasted_g", "the error #REF!")
    # the same file without the formula imports (the positive control)
    assert excel.import_workbook(empty, path).ok
    assert empty.execute("SELECT COUNT(*) FROM roast_batches").fetchone()[0] == 2


def test_plain_rows_out_of_order_are_refused(tmp_path):
    """Rows renumbered with their cells (still plain, so calamine would read them): refused."""
    conn, path = small_export(tmp_path)
    empty = db.connect(tmp_path / "empty.db")
    part, data = _sheet_part(path, b"<t>roasted_g</t>")
    row = re.search(rb'<row r="3".*?</row>', data).group(0)
    moved = re.sub(rb'r="([A-Z]+)3"', rb'r="\g<1>9"', row).replace(b'<row r="3"', b'<row r="9"')
    book = _replace_part(path, tmp_path / "order.xlsx", part, data.replace(row, moved))
    with xlsx.open_xlsx(book) as reader:
        with pytest.raises(ValidationError, match="comes after row 9: rows out of order"):
            reader.plain("roast_batches")
    _refused(empty, book, "roast_batches › row 4", "out of order")


def test_far_away_cells_never_reach_calamine(tmp_path, monkeypatch):
    """A1 and XFD1048576 alone: calamine would allocate 17 billion cells (550 GB) and abort the
    process; the exact reader reads the two cells."""
    conn, path = small_export(tmp_path)
    part, data = _sheet_part(path, b"<t>code</t>")
    far = re.sub(
        rb"<sheetData>.*</sheetData>",
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
        b'<row r="1048576"><c r="XFD1048576"><v>7</v></c></row></sheetData>',
        data,
        flags=re.S,
    )
    book = _replace_part(path, tmp_path / "far.xlsx", part, far)

    def no_calamine(*args, **kwargs):
        raise AssertionError("calamine opened the file")

    monkeypatch.setattr(xlsx.CalamineWorkbook, "from_path", no_calamine)
    with xlsx.open_xlsx(book) as reader:
        title = next(t for t, p in reader.parts.items() if p == part)
        assert not reader.plain(title)
        rows = list(reader.rows(title, title))
    assert [(r.number, r.values) for r in rows] == [(1, {1: "code"}), (1048576, {16384: 7})]


def test_text_in_xlsxwriters_rich_text_form_stays_text(tmp_path):
    """XlsxWriter copies a string that starts with <r> and ends with </r> into the XML unescaped:
    the export writes it as plain runs, so it cannot inject a cell, and it reads back unchanged."""
    conn = db.connect(tmp_path / "a.db")
    injected = '<r><t>a</t></r></is></c><c r="K5"><f>HYPERLINK("http://evil","x")</f></c><c t="inlineStr"><is><r>'
    notes = [injected, "<r>=1+1</r>", "<r></r>"]
    for i, text in enumerate(notes):
        catalog.add_bean(conn, code=f"R{i}", name_en=f"Bean {i}", notes=text)
    path = tmp_path / "x.xlsx"
    excel.export_workbook(conn, path)
    wb = openpyxl.load_workbook(path)
    assert all(cell.data_type != "f" for row in wb["beans"].iter_rows() for cell in row)
    assert [wb["beans"].cell(r, 10).value for r in range(2, 5)] == notes
    target = db.connect(tmp_path / "b.db")
    assert excel.import_workbook(target, path).ok
    assert [catalog.get_bean(target, f"R{i}")["notes"] for i in range(len(notes))] == notes

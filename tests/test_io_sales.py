"""POS sales exports → sales_daily (themoon.io.sales): encodings, headers, totals, refunds, bad
rows, mappings; all or nothing, idempotent, and any split of the same sales gives the same totals."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from themoon import db, demo, sales
from themoon.io.outcome import ImportRejected
from themoon.io.sales import find_header, header_key, import_sales, parse_sale_date
from themoon.models import ValidationError

FIXTURES = Path(__file__).parent / "fixtures" / "sales"
CP949 = FIXTURES / "pos_daily_cp949.csv"
RECEIPTS = FIXTURES / "pos_receipts_utf8bom.csv"
XLSX = FIXTURES / "pos_daily.xlsx"
TOTALS = FIXTURES / "pos_totals.csv"
BAD = FIXTURES / "pos_bad_row.csv"


def menu_store(path: Path):
    conn = db.connect(path)
    demo._write_reference(conn, date(2025, 1, 1))
    return conn


@pytest.fixture
def store(tmp_path):
    conn = menu_store(tmp_path / "sales.db")
    yield conn
    conn.close()


def db_file(conn) -> str:
    return conn.execute("PRAGMA database_list").fetchone()["file"]


def outside(conn, sql: str) -> list:
    """Rows as another process sees them."""
    code = "import sqlite3, sys, json; print(json.dumps(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall()))"
    return json.loads(subprocess.check_output([sys.executable, "-c", code, db_file(conn), sql], text=True))


def fingerprint(conn) -> list:
    """Everything an import could change, read from another process."""
    return outside(
        conn,
        "SELECT (SELECT json_group_array(json_array(source, sold_on, menu_item_id, qty, gross_won,"
        " discount_won, net_won)) FROM sales_daily), (SELECT COUNT(*) FROM imports),"
        " (SELECT COUNT(*) FROM audit_log), (SELECT COUNT(*) FROM sales_name_map)",
    )


def rows_by_item(conn) -> dict:
    found = outside(
        conn,
        "SELECT s.sold_on, i.code, s.qty, s.gross_won, s.discount_won, s.net_won FROM sales_daily s"
        " JOIN menu_items i ON i.id = s.menu_item_id ORDER BY 1, 2",
    )
    return {(r[0], r[1]): tuple(r[2:]) for r in found}


def test_a_cp949_csv_with_korean_headers_imports(store):
    report = import_sales(store, CP949, user="tester")
    assert report.total("created") == 5 and report.ok
    assert any("CP949" in n for n in report.notes)
    assert any("rows 9" in n for n in report.notes)  # the 합계 row, skipped and reported
    rows = rows_by_item(store)
    assert rows[("2025-11-01", "CUP-CAFE-AU-LAIT")] == (8, 36_000, 1_000, 35_000)  # discount written −1,000
    assert rows[("2025-11-02", "CUP-FULL-MOON")] == (15, 75_000, 0, 75_000)
    assert outside(store, "SELECT SUM(net_won), COUNT(*) FROM sales_daily") == [[227_000, 5]]
    assert outside(store, "SELECT kind FROM imports") == [["sales"]]


def test_importing_the_same_file_twice_changes_nothing(store):
    import_sales(store, CP949)
    before = fingerprint(store)
    again = import_sales(store, CP949)
    assert again.total("created") == again.total("updated") == 0 and again.total("unchanged") == 5
    assert any("already imported" in n for n in again.notes)
    assert fingerprint(store) == before


def test_a_file_with_one_bad_row_writes_nothing_and_names_the_row(store):
    before = fingerprint(store)
    with pytest.raises(ImportRejected) as refused:
        import_sales(store, BAD)
    [rejected] = refused.value.report.rejected
    assert rejected.where == "pos_bad_row.csv › row 4" and rejected.field == "qty"
    assert "refund" in rejected.reason and rejected.reason_ko != rejected.reason
    assert fingerprint(store) == before
    import_sales(store, XLSX)  # positive control: a good file does write
    assert outside(store, "SELECT COUNT(*) FROM sales_daily") == [[4]]


def test_receipt_lines_are_summed_refunds_subtracted_unknown_names_listed(store):
    with pytest.raises(ImportRejected) as refused:
        import_sales(store, RECEIPTS)
    report = refused.value.report
    assert report.unmatched == ["'ICE 콜드브루' (rows: 2) is not a menu item; map it: --map \"ICE 콜드브루=ITEM\""]
    assert report.rejected[0].where == "pos_receipts_utf8bom.csv › rows 3, 8"
    assert outside(store, "SELECT COUNT(*) FROM sales_daily") == [[0]]
    report = import_sales(store, RECEIPTS, mappings=["ICE 콜드브루=CUP-COLD-BREW"])
    assert any("1 refund lines" in n for n in report.notes) and any("blank" in n for n in report.notes)
    rows = rows_by_item(store)
    assert rows[("2025-11-03", "CUP-FULL-MOON")] == (2, 10_000, 0, 10_000)  # 1 + 2 − 1 (반품)
    assert rows[("2025-11-03", "CUP-COLD-BREW")] == (2, 10_000, 500, 9_500)
    assert rows[("2025-11-04", "CUP-FULL-MOON")] == (3, 15_000, 1_500, 13_500)
    assert outside(store, "SELECT source, name FROM sales_name_map") == [["pos", "ICE 콜드브루"]]
    # the mapping is remembered for the next export of the same till, not for another till
    assert import_sales(store, RECEIPTS).total("unchanged") == 5
    with pytest.raises(ImportRejected):
        import_sales(store, RECEIPTS, source="kiosk")


def test_xlsx_and_totals_rows(store):
    report = import_sales(store, XLSX)
    assert report.total("created") == 4 and any("rows 8" in n for n in report.notes)
    assert rows_by_item(store)[("2025-11-05", "CUP-COLD-BREW")] == (4, 20_000, 2_000, 18_000)
    report = import_sales(store, TOTALS)
    assert any("3 totals rows (rows 4, 6, 7)" in n for n in report.notes)
    assert rows_by_item(store)[("2025-11-07", "DRIPBAG-NEW-MOON")] == (4, 6_000, 0, 6_000)


def test_dry_run_writes_nothing_and_reports_what_would_change(store):
    before = fingerprint(store)
    report = import_sales(store, CP949, dry_run=True, mappings=["풀문 드립=CUP-FULL-MOON"])
    assert report.dry_run and report.total("created") == 5
    assert fingerprint(store) == before
    report = import_sales(store, BAD, dry_run=True)  # a dry run reports rejected rows, never raises
    assert len(report.rejected) == 1


def test_a_corrected_export_replaces_its_days(store, tmp_path):
    first = tmp_path / "day.csv"
    first.write_text("date,item,qty,net\n2025-11-01,Cold brew,3,15000\n2025-11-01,Drip bag,2,3000\n", encoding="utf-8")
    import_sales(store, first)
    first.write_text("date,item,qty,net\n2025-11-01,Cold brew,4,20000\n", encoding="utf-8")
    report = import_sales(store, first)
    assert report.total("updated") == 1 and any("removed" in n for n in report.notes)
    assert rows_by_item(store) == {("2025-11-01", "CUP-COLD-BREW"): (4, 20_000, 0, 20_000)}


def _write(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def test_bad_values_are_named_by_row(store, tmp_path):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    path = _write(
        tmp_path / "bad.csv",
        "date,item,qty,gross\n"
        "2025-13-01,Cold brew,1,5000\n"
        f"{tomorrow},Cold brew,1,5000\n"
        "2025-11-01,Cold brew,1.5,5000\n"
        "2025-11-01,Cold brew,1,5천원\n"
        "2025-11-01,,1,5000\n"
        "1999-12-31,Cold brew,1,5000\n"
        "2025-11-02,Cold brew,-1,-5000\n",
    )
    with pytest.raises(ImportRejected) as refused:
        import_sales(store, path)
    found = [(r.where.rsplit(" ", 1)[-1], r.field) for r in refused.value.report.rejected]
    assert found == [("2", "date"), ("3", "date"), ("4", "qty"), ("5", "gross"), ("6", "item"), ("7", "date"),
                     ("8", "qty")]  # fmt: skip
    assert "future" in refused.value.report.rejected[1].reason
    assert outside(store, "SELECT COUNT(*) FROM sales_daily") == [[0]]


def test_refund_marker_in_a_flag_column_and_odd_date_forms(store, tmp_path):
    path = _write(
        tmp_path / "flags.csv",
        "판매일,메뉴,수량,금액,취소여부\n"
        '2025년 11월 1일,콜드브루,3,"15,000원",N\n'
        "2025.11.01,콜드브루,-1,-5000,Y\n"
        "20251102,콜드브루,2,₩10000,\n",
    )
    import_sales(store, path)
    rows = rows_by_item(store)
    assert rows[("2025-11-01", "CUP-COLD-BREW")] == (2, 10_000, 0, 10_000)
    assert rows[("2025-11-02", "CUP-COLD-BREW")] == (2, 10_000, 0, 10_000)


def test_files_that_cannot_be_read_are_refused_before_any_work(store, tmp_path):
    cases = {
        "garbage.csv": b"date,item,qty,net\n\x80\xff\x80\n",
        "binary.csv": b"date\x00item\n",
        "noheader.csv": b"a,b,c\n1,2,3\n",
        "empty.csv": b"",
        "sales.json": b"{}",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValidationError) as caught:
            import_sales(store, tmp_path / name)
        assert caught.value.field == name, name
    # an .xlsx with a DTD goes through the same checks as every other importer
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(XLSX) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                data = b"<!DOCTYPE x [<!ENTITY a 'b'>]>" + data
            dst.writestr(item, data)
    with pytest.raises(ValidationError) as caught:
        import_sales(store, evil)
    assert "DTD" in caught.value.message
    with pytest.raises(ValidationError):
        import_sales(store, CP949, source="no spaces allowed")
    assert outside(store, "SELECT COUNT(*) FROM sales_daily") == [[0]]


def test_header_words_and_dates():
    assert header_key(" 판매 수량(개) ") == "판매수량" and header_key("Gross_Sales") == "grosssales"
    rows = [(1, ["shop"]), (2, []), (3, ["Sale Date", "Menu Item", "Units", "Net Sales"])]
    index, columns, _ = find_header(rows)
    assert index == 2 and columns == {"date": 0, "item": 1, "qty": 2, "net": 3}
    assert find_header([(1, ["date", "item", "qty"])]) is None  # no amount
    today = date(2026, 1, 1)
    assert parse_sale_date("2025-11-03 09:12:44", today) == date(2025, 11, 3)
    assert parse_sale_date("2025/1/5", today) == date(2025, 1, 5)
    for bad in ("11/03/2025", "2025-02-30", "yesterday", "2026-01-02"):
        with pytest.raises(ValidationError):
            parse_sale_date(bad, today)


def test_progress_is_reported(store):
    calls = []
    import_sales(store, CP949, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1]


# --- any split of the same sales, imported in any order, gives the same totals -------------------------

ITEMS = ("Full Moon hand drip", "Cold brew", "Drip bag", "New Moon beans 200 g")
DAYS = [date(2025, 10, 1) + timedelta(days=k) for k in range(6)]


def _csv(lines: list[tuple]) -> str:
    return "date,item,qty,gross,discount,net,type\n" + "".join(
        f"{d.isoformat()} 10:00,{item},{q},{g},{disc},{g - disc},{'refund' if r else 'sale'}\n"
        for d, item, q, g, disc, r in lines
    )


lines_strategy = st.lists(
    st.tuples(
        st.sampled_from(DAYS),
        st.sampled_from(ITEMS),
        st.integers(1, 20),
        st.integers(0, 100_000),
        st.integers(0, 500),
        st.booleans(),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=lines_strategy, data=st.data())
def test_any_split_into_files_in_any_order_gives_the_same_totals(lines, data):
    lines = [(d, i, q, max(g, disc), disc, r) for d, i, q, g, disc, r in lines]
    days = sorted({line[0] for line in lines})
    # each day's lines go wholly into one file (an export covers whole days); some files twice
    n_files = data.draw(st.integers(1, len(days)))
    owner = {day: data.draw(st.integers(0, n_files - 1)) for day in days}
    files = [[line for line in lines if owner[line[0]] == k] for k in range(n_files)]
    files = [f for f in files if f]
    files += data.draw(st.lists(st.sampled_from(files), max_size=2))
    order = data.draw(st.permutations(files))
    workdir = Path(tempfile.mkdtemp())
    try:
        whole = menu_store(workdir / "whole.db")
        _write(workdir / "all.csv", _csv(lines))
        import_sales(whole, workdir / "all.csv")
        split = menu_store(workdir / "split.db")
        for k, part in enumerate(order):
            import_sales(split, _write(workdir / f"part{k}.csv", _csv(part)))
        expected = sales.list_sales(whole)
        assert sales.list_sales(split) == expected
        assert sales.totals(split) == sales.totals(whole)
        assert sales.totals(whole)["qty"] == sum(-q if r else q for _, _, q, _, _, r in lines)
        whole.close()
        split.close()
    finally:
        shutil.rmtree(workdir)


def test_shuffled_receipt_lines_of_the_same_days_give_the_same_rows(store, tmp_path):
    text = RECEIPTS.read_text(encoding="utf-8-sig").splitlines()
    body = text[1:]
    random.Random(3).shuffle(body)
    shuffled = _write(tmp_path / "shuffled.csv", "\n".join([text[0], *body]) + "\n")
    import_sales(store, RECEIPTS, mappings=["ICE 콜드브루=CUP-COLD-BREW"])
    before = rows_by_item(store)
    report = import_sales(store, shuffled)
    assert report.total("unchanged") == 5 and rows_by_item(store) == before


# --- untrusted files: a refusal, never a traceback ---------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=400))
def test_any_bytes_are_refused_cleanly_or_imported(store, tmp_path_factory, body):
    path = tmp_path_factory.mktemp("bytes") / "pos.csv"
    path.write_bytes(body)
    try:
        import_sales(store, path, dry_run=True)
    except ValidationError:
        pass
    assert not store.in_transaction


cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["2025-11-01", "2025.11.02 10:00", "-3", "1,000", "₩5,000", "반품", "합계", "Cold brew", ""]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=8), max_size=12))
def test_any_cells_under_a_good_header_give_a_report_or_a_refusal(store, tmp_path_factory, rows):
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "item", "qty", "gross", "discount", "net", "type"])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("cells") / "pos.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    before = outside(store, "SELECT COUNT(*) FROM sales_daily")
    try:
        report = import_sales(store, path)
    except ValidationError as refused:
        assert refused.field and refused.message and refused.message_ko
        assert outside(store, "SELECT COUNT(*) FROM sales_daily") == before
    else:
        assert report.ok

"""Import benchmarks: 100k roast-batch rows from our .xlsx export format, and 10k Artisan logs.

    .venv/bin/python benchmarks/imports.py [--rows 100000] [--alogs 10000] [--per-row 2000] [--profile]
                                           [--profile-import] [--no-baselines]

Everything is generated in a temporary directory: a workbook in themoon's export format (beans,
blends, purchases and `--rows` rows of roast batches, mostly single origins, some blends with one
row per component) and `--alogs` Artisan logs (half Python-literal, half JSON, realistic curves).
Timings are wall-clock and CPU seconds in this process (CPU time is the steadier figure on a
busy machine); the baselines in the same run are `pandas.read_excel` of the same workbook (all
sheets), openpyxl's read-only cells of every sheet (how the import read before issue #6),
themoon's own ElementTree cell reader as it was before #14 (now: a byte scan, then
python-calamine), the export as it was written before #6 and before #14 (openpyxl write-only;
now XlsxWriter), and parsing the .alog files alone; `read:` and `export:` lines put the
before/after figures side by side. The workbook is generated with openpyxl's write-only mode, as
themoon's export wrote it before #14 (its sheets are plain rows: calamine reads them).
`--profile-import` prints cProfile's top entries for the big import and export instead.
`--per-row N` also times the per-row API path (`roasting.add_batch` for each batch) on the first N
batches against `roasting.add_batches`, and `--profile` prints where its time goes (cProfile). The
line before the last is `export_100k_s=X`; the last line is exactly
`xlsx_100k_s=X alog_10k_s=Y peak_mb=Z` (peak resident memory of the whole run).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import random
import re
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from themoon import db  # noqa: E402
from themoon.io import artisan, excel, xlsx  # noqa: E402

BEANS = [
    ("ETH-YIRG", "Yirgacheffe", "예가체프", 5500),
    ("ETH-MOM", "Momora", "모모라", 4500),
    ("ETH-SID", "Sidamo G4", "시다모G4", 4200),
    ("KEN-AA", "Kenya Masai AA", "마사이 AA", 6200),
    ("KEN-KIR", "Kirinyaga", "키린야가", 5800),
    ("COL-HUI", "Huila", "후일라", 5900),
    ("GTM-ANT", "Antigua", "안티구아", 6000),
    ("CRI-ELT", "El Tanque", "엘탄케", 5400),
    ("BRA-FAZ", "Fazenda Carmo", "파젠다카르모", 4700),
    ("BRA-SAN", "Santos", "산토스", 4000),
]
BLENDS = {
    "FULL-MOON": ("Full Moon", "풀문", {"KEN-AA": 4, "GTM-ANT": 4, "ETH-MOM": 1, "ETH-SID": 1}),
    "NEW-MOON": ("New Moon", "뉴문", {"BRA-FAZ": 6, "COL-HUI": 3, "ETH-SID": 1}),
}
START = date(2008, 1, 1)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_workbook(path: Path, rows: int, seed: int = 7) -> dict[str, int]:
    """Write a workbook in our format with `rows` roast-batch rows (stock bought ahead of use)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    rng = random.Random(seed)
    wb = Workbook(write_only=True)

    def sheet(name: str, size: int):
        """A sheet as themoon's export writes it: its size in <dimension>, and the header row."""
        ws = wb.create_sheet(name)
        columns = excel.SHEETS.get(name, (None, None))
        set_dimension(ws, len(columns), size)
        if name in excel.SHEETS:
            ws.append([c.name for c in columns])
        return ws

    about = sheet("about", 2)
    for row in (("format", excel.FORMAT_NAME), ("version", excel.FORMAT_VERSION)):
        about.append(list(row))
    beans = sheet("beans", len(BEANS) + 1)
    for code, en, ko, _price in BEANS:
        beans.append([code, en, ko, "", "", "W", 5000, None, True, ""])
    blends = sheet("blends", sum(len(parts) for _en, _ko, parts in BLENDS.values()) + 1)
    for code, (en, ko, parts) in BLENDS.items():
        for bean, p in parts.items():
            blends.append([code, en, ko, "", None, True, bean, p])

    # Plan the batches first, then buy each bean ahead of its use (every ~60 days).
    batches = []
    count, day, n = 0, START, 0
    per_day = max(1, rows // 5000)
    while count < rows:
        for _ in range(per_day):
            n += 1
            if rng.random() < 0.75:
                bean = rng.choice(BEANS)[0]
                green = rng.randint(1000, 5000)
                comps = {bean: green}
                product, kind = bean, "bean"
            else:
                product = rng.choice(list(BLENDS))
                kind = "blend"
                total = rng.randint(2000, 8000)
                parts = BLENDS[product][2]
                whole = sum(parts.values())
                comps = {b: total * p // whole for b, p in parts.items()}
            loss = rng.gauss(0.167, 0.008)
            green_total = sum(comps.values())
            roasted = int(green_total * (1 - loss))
            batches.append((n, day, product, kind, roasted, comps))
            count += len(comps)
            if count >= rows:
                break
        day += timedelta(days=1)
    need: dict[str, dict[date, int]] = {}
    for _n, d, _p, _k, _r, comps in batches:
        for bean, g in comps.items():
            window = START + timedelta(days=((d - START).days // 60) * 60)
            need.setdefault(bean, {}).setdefault(window, 0)
            need[bean][window] += g
    price = {code: p for code, _en, _ko, p in BEANS}
    lots = []
    for bean, windows in need.items():
        for window, grams in sorted(windows.items()):
            grams = int(grams * 1.05) + 1000
            won = grams * price[bean] // 1000
            lots.append([window, bean, grams, won, None, "bench", "", "", f"bench:{bean}:{window}"])
    purchases = sheet("purchases", len(lots) + 1)
    for lot in lots:
        purchases.append(lot)
    ws = sheet("roast_batches", count + 1)
    day_cells = {}
    for number, d, product, kind, roasted, comps in batches:
        if d not in day_cells:
            day_cells[d] = d
        for bean, g in comps.items():
            cell = WriteOnlyCell(ws, value=d)
            cell.number_format = excel.DAY
            ws.append([number, cell, product, kind, roasted, 12.5, "bench", "", "excel", None, bean, g, None, None])
    wb.save(path)
    return {"batches": len(batches), "rows": count, "purchases": len(lots), "days": len(day_cells)}


def make_alogs(folder: Path, count: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    names = ["Full Moon blend", "New Moon blend", "Kenya Masai AA", "Ethiopia Yirgacheffe"]
    base = date(2025, 1, 1)
    for i in range(count):
        total = rng.uniform(600, 780)
        timex = [round(t * 3.0, 1) for t in range(int(total // 3) + 10)]
        bt = [round(200 - 110 * math.exp(-t / 40) + 0.16 * t - 0.00006 * t * t, 1) for t in timex]
        et = [round(235 + 10 * math.sin(t / 200), 1) for t in timex]
        green = rng.randint(2000, 6000)
        profile = {
            "version": "3.1.0",
            "mode": "C",
            "title": f"batch {i}",
            "beans": names[i % len(names)],
            "weight": [float(green), float(int(green * rng.uniform(0.81, 0.85))), "g"],
            "roastisodate": (base + timedelta(days=i // 20)).isoformat(),
            "roasttime": f"{8 + (i % 20) // 2:02d}:{(i * 7) % 60:02d}:00",
            "roastbatchnr": i + 1,
            "roastbatchprefix": "BM",
            "roastUUID": f"{i:032x}",
            "operator": "bench",
            "timeindex": [0, 80, 190, 0, 0, 0, len(timex) - 10, 0],
            "timex": timex,
            "temp1": et,
            "temp2": bt,
            "computed": {"totaltime": round(total, 1), "BTU_batch": 15000.0, "KWH_batch_per_green_kg": 0.9},
        }
        path = folder / f"roast-{i:05d}.alog"
        path.write_text(json.dumps(profile) if i % 2 else str(profile), encoding="utf-8")


def alog_db(path: Path):
    """A store with the beans/blends the generated logs name, mapped, and plenty of stock."""
    from themoon import catalog, cost_settings, inventory

    conn = db.connect(path)
    cost_settings.save(conn, effective_from=date(2000, 1, 1))
    for code, en, ko, price in BEANS:
        catalog.add_bean(conn, code=code, name_en=en, name_ko=ko)
        for lot in range(4):  # 36 t of each: more than 10,000 logs can use
            inventory.add_purchase(
                conn, bean=code, grams=9_000_000, total_won=9_000 * price + lot, purchased_on=date(2024, 12, 31)
            )
    for code, (en, ko, parts) in BLENDS.items():
        catalog.add_blend(conn, code=code, name_en=en, name_ko=ko, components=parts)
    return conn


def timed(label: str, fn, results: list):
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    seconds = time.perf_counter() - start
    results.append((label, seconds, time.process_time() - cpu, peak_mb()))
    return value, seconds


def openpyxl_cells(book: Path) -> int:
    """Baseline: every cell of every sheet through openpyxl's read-only mode (a cell object per
    cell; worksheets parsed by defusedxml's pure-Python parser): how the import read before #6."""
    from openpyxl import load_workbook

    wb = load_workbook(book, read_only=True)
    count = 0
    for ws in wb.worksheets:
        ws.reset_dimensions()
        for row in ws.iter_rows():
            count += sum(1 for cell in row if cell.value is not None or cell.data_type in ("f", "e"))
    wb.close()
    return count


def themoon_cells(book: Path) -> int:
    """The same cells through themoon's reader (`xlsx.open_xlsx`: the byte scan, then calamine for
    plain sheets), after the same file checks."""
    path = excel.check_xlsx(book)
    count = 0
    with xlsx.open_xlsx(path) as reader, excel.gc_paused():
        for title in reader.parts:
            for row in reader.rows(title, title):
                count += sum(1 for v in row.values.values() if v is not None) + len(row.refused)
    return count


def export_before(conn, path: Path) -> None:
    """Baseline: the export as written before #6, on the same rows: openpyxl write-only, a new
    styled cell (its number format set) per formatted value, the garbage collector on."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    for sheet, columns in excel.SHEETS.items():
        ws = wb.create_sheet(sheet)
        set_dimension(ws, len(columns), 2)
        ws.freeze_panes = "A2"
        ws.append([c.name for c in columns])
        formats = [None if c.kind in ("date", "bool", "int", "text") else c.number_format for c in columns]
        for values in excel.sheet_rows(conn, sheet):
            row = []
            for value, fmt in zip(values, formats, strict=True):
                if fmt is not None and value is not None and not isinstance(value, bool | str):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = fmt
                    value = cell
                row.append(value)
            ws.append(row)
    wb.save(path)


# --- baselines of #14: themoon's own reader and the openpyxl export, as they were before --------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW_TAG, _CELL_TAG, _VALUE_TAG, _FORMULA_TAG, _INLINE_TAG = (_MAIN + t for t in ("row", "c", "v", "f", "is"))
_READ_CHUNK = 1 << 16


def cell_rows_before_14(ws, archive, where: str):
    """Baseline: themoon's cell reader before #14 (ElementTree's C parser over every cell, with
    openpyxl's shared strings and date styles read from its private attributes); yields (row
    number, {column: value}, {column: refused})."""
    from xml.etree.ElementTree import XMLPullParser

    from openpyxl.utils import column_index_from_string
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    # openpyxl's own reading of the workbook (private names, as its read-only worksheet uses them)
    part = ws._worksheet_path
    shared = ws._shared_strings
    date_styles = ws.parent._date_formats  # style ids with a date/time number format
    span_styles = ws.parent._timedelta_formats
    epoch = ws.parent.epoch
    columns: dict[str, int] = {}
    dates: dict[tuple[Any, int], Any] = {}
    digits = "0123456789"
    parser = XMLPullParser(("end",))
    number = 0
    head = True
    with archive.open(part) as stream:
        while True:
            try:
                chunk = stream.read(_READ_CHUNK)
            except Exception as error:  # corrupted or truncated zip data
                raise RuntimeError(where) from error
            if head:
                xlsx.require_utf8(chunk, where)
                head = False
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
            for _event, element in parser.read_events():
                if element.tag != _ROW_TAG:
                    continue
                r = element.get("r")
                previous, number = number, (number + 1 if r is None else xlsx._row_number(r))
                if number <= previous:
                    raise RuntimeError(f"{where}: rows out of order")
                values: dict[int, Any] = {}
                refused: dict[int, str] = {}
                column = 0
                for cell in element:
                    if cell.tag != _CELL_TAG:
                        continue
                    ref = cell.get("r")
                    if ref is None:
                        column += 1
                    else:
                        letters = ref.rstrip(digits)
                        column = columns.get(letters) or columns.setdefault(letters, column_index_from_string(letters))
                    kind = cell.get("t", "n")
                    formula = cell.find(_FORMULA_TAG)
                    if formula is not None:
                        refused[column] = f"the formula ={formula.text or ''}"[:52]
                        values[column] = None
                        continue
                    value = None if kind == "inlineStr" else (cell.findtext(_VALUE_TAG) or None)
                    if value is not None:
                        if kind == "n":
                            value = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                            style = cell.get("s")
                            style = int(style) if style else 0
                            if style in date_styles:
                                key = (value, style)
                                found = dates.get(key)
                                if found is None:
                                    try:
                                        found = from_excel(value, epoch, timedelta=style in span_styles)
                                    except (OverflowError, ValueError):
                                        found = "#VALUE!"  # openpyxl: an error cell
                                    if len(dates) > 50_000:
                                        dates.clear()
                                    dates[key] = found
                                value = found
                                if found == "#VALUE!":
                                    kind = "e"
                        elif kind == "s":
                            value = shared[int(value)]
                        elif kind == "b":
                            value = bool(int(value))
                        elif kind == "d":
                            value = from_ISO8601(value)
                    elif kind == "inlineStr":
                        inline = cell.find(_INLINE_TAG)
                        if inline is not None:
                            value = xlsx._text_content(inline)
                    if kind == "e":
                        refused[column] = f"the error {value}"
                        values[column] = None
                        continue
                    values[column] = value
                    if refused:
                        refused.pop(column, None)  # a later cell for the same column replaces it
                element.clear()
                yield number, values, refused
            if not chunk:
                return


def themoon_cells_before_14(book: Path) -> int:
    """The cells of every sheet through the reader before #14, after the same file checks."""
    import zipfile

    path = excel.check_xlsx(book)
    count = 0
    with excel.open_workbook(path, read_only=True) as wb, zipfile.ZipFile(path) as archive, excel.gc_paused():
        for ws in wb.worksheets:
            for _number, values, refused in cell_rows_before_14(ws, archive, ws.title):
                count += sum(1 for v in values.values() if v is not None) + len(refused)
    return count


def set_dimension(ws, columns: int, rows: int) -> None:
    """Give an openpyxl write-only sheet its <dimension> (as themoon's export did before #14)."""
    from openpyxl.utils import get_column_letter

    ref = f"A1:{get_column_letter(columns)}{rows}"
    ws.calculate_dimension = lambda: ref


def export_before_14(conn, path: Path) -> None:
    """Baseline: the export before #14 (openpyxl write-only; one styled cell per formatted column,
    reused row after row; the garbage collector paused)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    def widths(ws, sizes):
        for i, width in enumerate(sizes, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width

    def styled_cell(ws, column):
        number_format = excel.DAY if column.kind == "date" else column.number_format
        if number_format is None:
            return None
        cell = WriteOnlyCell(ws)
        cell.number_format = number_format
        return cell

    def write(ws, value, styled):
        if value is None or value == "":
            return None
        if isinstance(value, str):
            dangerous = value.startswith(excel.DANGEROUS_START)
            if ILLEGAL_CHARACTERS_RE.search(value):
                value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            if "\r" in value or "_x" in value:
                value = re.sub(r"_x[0-9A-Fa-f]{4}_", lambda m: "_x005F" + m.group(0), value).replace("\r", "_x000D_")
            if not dangerous:
                return value
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            return cell
        if styled is None or isinstance(value, bool):
            return value
        styled.value = value
        return styled

    wb = Workbook(write_only=True)
    conn.execute("BEGIN")
    try:
        with excel.gc_paused():
            about = wb.create_sheet("about")
            set_dimension(about, 2, 4)
            widths(about, [16, 60])
            for row in (("format", excel.FORMAT_NAME), ("version", excel.FORMAT_VERSION), ("note", "…")):
                about.append(list(row))
            for sheet, columns in excel.SHEETS.items():
                ws = wb.create_sheet(sheet)
                set_dimension(ws, len(columns), 2)
                ws.freeze_panes = "A2"
                widths(ws, [c.width for c in columns])
                header = []
                for c in columns:
                    cell = WriteOnlyCell(ws, value=c.name)
                    cell.font = Font(bold=True)
                    cell.fill = PatternFill("solid", fgColor="E8E2D0")
                    cell.alignment = Alignment(horizontal="center")
                    header.append(cell)
                ws.append(header)
                styled = [styled_cell(ws, c) for c in columns]
                for values in excel.sheet_rows(conn, sheet):
                    ws.append([write(ws, value, cell) for value, cell in zip(values, styled, strict=True)])
            wb.active = 1
            wb.save(path)
    finally:
        conn.execute("COMMIT")


def profiled(fn, top: int = 25):
    """Run fn under cProfile; print the top entries by own time and by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return fn()
    finally:
        profiler.disable()
        for order in ("tottime", "cumulative"):
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(top)
            print(stream.getvalue(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--alogs", type=int, default=10_000, help="Artisan logs to import (0: skip)")
    parser.add_argument("--per-row", type=int, default=2_000, help="batches for the per-row API comparison (0: skip)")
    parser.add_argument("--profile", action="store_true", help="cProfile the per-row path")
    parser.add_argument(
        "--profile-import", action="store_true", help="cProfile the big import and export (slower; no timings)"
    )
    parser.add_argument(
        "--big-per-row", type=int, default=200, help="per-row add_batch calls on top of the big import (0: skip)"
    )
    parser.add_argument("--no-baselines", action="store_true", help="skip the pandas/openpyxl/old-export baselines")
    args = parser.parse_args()
    results: list[tuple[str, float, float, float]] = []
    alog_s = 0.0
    with tempfile.TemporaryDirectory(prefix="themoon-bench-") as tmp:
        tmp = Path(tmp)
        book = tmp / "bench.xlsx"
        shape, _ = timed("generate workbook", lambda: make_workbook(book, args.rows), results)
        print(
            f"workbook: {shape['rows']:,} batch rows ({shape['batches']:,} batches over {shape['days']:,} days), "
            f"{shape['purchases']:,} purchases, {book.stat().st_size / 1e6:.1f} MB",
            flush=True,
        )
        if args.profile_import:
            conn = db.connect(tmp / "profile.db")
            profiled(lambda: excel.import_workbook(conn, book))
            profiled(lambda: excel.export_workbook(conn, tmp / "profile.xlsx"))
            conn.close()
            return

        if not args.no_baselines:
            import pandas as pd

            timed("baseline: pandas.read_excel (all sheets)", lambda: pd.read_excel(book, sheet_name=None), results)
            timed("baseline: openpyxl read-only cells (all sheets)", lambda: openpyxl_cells(book), results)
            timed("baseline: themoon cell reader before #14", lambda: themoon_cells_before_14(book), results)
        timed("themoon cell reader (all sheets)", lambda: themoon_cells(book), results)

        conn = db.connect(tmp / "xlsx.db")
        report, xlsx_s = timed("themoon import excel", lambda: excel.import_workbook(conn, book), results)
        assert report.ok and report.counts["roast_batches"]["created"] == shape["batches"], report.text()
        again, _ = timed("themoon import excel again (no-op)", lambda: excel.import_workbook(conn, book), results)
        assert not again.changed
        if not args.no_baselines:
            timed("baseline: export as before #6", lambda: export_before(conn, tmp / "before.xlsx"), results)
            timed(
                "baseline: export before #14 (openpyxl)",
                lambda: export_before_14(conn, tmp / "before14.xlsx"),
                results,
            )
        out = tmp / "roundtrip.xlsx"
        _, export_s = timed("themoon export excel", lambda: excel.export_workbook(conn, out), results)
        if args.big_per_row:
            # the per-row API on top of the imported history: what one more batch costs at this size
            from themoon import inventory, roasting

            last = date.fromisoformat(conn.execute("SELECT MAX(roasted_on) FROM roast_batches").fetchone()[0])
            inventory.add_purchase(conn, bean="KEN-AA", grams=2_000_000, total_won=12_400_000, purchased_on=last)
            n = args.big_per_row

            def more():
                for i in range(n):
                    roasting.add_batch(conn, product="KEN-AA", green_g=3000, roasted_g=2500 + i % 7, roasted_on=last)

            _, big_s = timed(f"per-row API: {n} more batches on top", more, results)
            print(
                f"per-row API with {shape['batches']:,} batches in the store: {big_s / n * 1000:.1f} ms per batch "
                f"(→ {big_s / n * shape['batches'] / 60:.0f} min for {shape['batches']:,} batches one by one)",
                flush=True,
            )
        conn.close()

        if args.per_row:
            small = tmp / "small.xlsx"
            make_workbook(small, args.per_row)
            conn = db.connect(tmp / "per-row.db")
            profiler = cProfile.Profile() if args.profile else None

            def per_row():
                if profiler:
                    profiler.enable()
                try:
                    return excel.import_workbook(conn, small, bulk=False)
                finally:
                    if profiler:
                        profiler.disable()

            _, per_row_s = timed(f"per-row API path, {args.per_row:,} rows", per_row, results)
            conn.close()
            conn = db.connect(tmp / "bulk-small.db")
            _, bulk_small_s = timed(
                f"add_batches, same {args.per_row:,} rows", lambda: excel.import_workbook(conn, small), results
            )
            conn.close()
            print(
                f"per-row path: {per_row_s / args.per_row * 1000:.2f} ms/row at {args.per_row:,} rows "
                f"(add_batches {bulk_small_s / args.per_row * 1000:.2f} ms/row); add_batch loads each bean's "
                "ledger for every batch, add_batches once per bean",
                flush=True,
            )
            if profiler:
                stream = io.StringIO()
                pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(18)
                print(stream.getvalue())

        if args.alogs:
            logs = tmp / "alogs"
            timed(f"generate {args.alogs:,} .alog files", lambda: make_alogs(logs, args.alogs), results)
            files = sorted(logs.iterdir())
            timed("baseline: parse the .alog files only", lambda: [artisan.load_alog(f) for f in files], results)
            conn = alog_db(tmp / "alog.db")
            maps = [
                "Full Moon blend=FULL-MOON",
                "New Moon blend=NEW-MOON",
                "Kenya Masai AA=KEN-AA",
                "Ethiopia Yirgacheffe=ETH-YIRG",
            ]
            areport, alog_s = timed(
                "themoon import artisan", lambda: artisan.import_artisan(conn, [logs], mappings=maps), results
            )
            assert areport.ok and areport.counts["roast_batches"]["created"] == args.alogs, areport.text()
            conn.close()

    width = max(len(label) for label, *_ in results)
    print(f"{'step':<{width}}  {'wall s':>8}  {'cpu s':>8}  {'peak MB':>8}")
    for label, seconds, cpu, mb in results:
        print(f"{label:<{width}}  {seconds:>8.2f}  {cpu:>8.2f}  {mb:>8.0f}")
    by_label = {label: (seconds, cpu) for label, seconds, cpu, _mb in results}
    for what, issue, before, after in (
        ("read", "#6", "baseline: openpyxl read-only cells (all sheets)", "themoon cell reader (all sheets)"),
        ("read", "#14", "baseline: themoon cell reader before #14", "themoon cell reader (all sheets)"),
        ("export", "#6", "baseline: export as before #6", "themoon export excel"),
        ("export", "#14", "baseline: export before #14 (openpyxl)", "themoon export excel"),
    ):
        if before in by_label:
            (bw, bc), (aw, ac) = by_label[before], by_label[after]
            print(
                f"{what}: before {issue} {bw:.2f} s wall / {bc:.2f} s cpu, now {aw:.2f} s / {ac:.2f} s "
                f"({bc / max(ac, 1e-9):.1f}× less cpu)"
            )
    print(f"export_100k_s={export_s:.2f}")
    print(f"xlsx_100k_s={xlsx_s:.2f} alog_10k_s={alog_s:.2f} peak_mb={peak_mb():.0f}")


if __name__ == "__main__":
    main()

"""The reports for real: papermill runs each notebook on the fixture café (3 months ending
2026-10-31); the workbook's numbers are the store API's for the same period, the HTML has
drawn plots and nothing from the network, the HTML and the PDF show no internal key and no `₩-`
in either language, and a bad period is refused before anything runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections import defaultdict
from datetime import date, timedelta
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from themoon import db, demo, inventory, kpis, roasting
from themoon import price_list as costs
from themoon.costing import round_won
from themoon.ops import health
from themoon.reports import index, runner

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PERIODS = {"monthly_cost": "2026-10", "weekly_roasting": "2026-W43", "inventory": "2026-10-31"}
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
SEPTEMBER = (date(2026, 9, 1), date(2026, 9, 30))
WEEK = (date(2026, 10, 19), date(2026, 10, 25))


@pytest.fixture(scope="module")
def cafe(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cafe") / "themoon.db"
    conn = db.connect(path)
    demo.build_demo(conn, months=3, today=date(2026, 10, 31))
    conn.close()
    return path


@pytest.fixture(scope="module")
def runs(cafe, tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """Each report once; the weekly one from a worker thread, as the dashboard runs it."""
    root = tmp_path_factory.mktemp("reports")
    entries: dict[str, dict] = {}
    steps: list[tuple[int, int]] = []

    def in_a_thread(name: str, period: str) -> None:
        entries[name] = runner.run_report(
            name, period, None, lambda d, t: steps.append((d, t)), db=cafe, reports_root=root, trigger="dashboard"
        )

    for name, period in PERIODS.items():
        if name == "weekly_roasting":
            worker = threading.Thread(target=in_a_thread, args=(name, period))
            worker.start()
            worker.join(600)
        else:
            entries[name] = runner.run_report(name, period, db=cafe, reports_root=root)
    entries["_steps"] = steps  # type: ignore[assignment]
    korean = tmp_path_factory.mktemp("reports-ko")
    entries["monthly_cost_ko"] = runner.run_report(
        "monthly_cost", "2026-10", {"lang": "ko"}, db=cafe, reports_root=korean
    )
    entries["monthly_cost_ko"]["_root"] = str(korean)
    return root, entries


@pytest.fixture(scope="module")
def store(cafe):
    conn = db.connect(cafe, readonly=True)
    yield conn
    conn.close()


def keys(book, name: str) -> list[str]:
    """The column keys of a sheet: its headers are words, the `columns` sheet maps them to keys."""
    found = {(r[0], r[1]): r[2] for r in book["columns"].iter_rows(min_row=2, values_only=True)}
    return [found[(name, c.value)] for c in book[name][1]]


def sheet(root: Path, entry: dict, name: str) -> list[dict]:
    """A sheet of a report's workbook as dicts (column key → values)."""
    book = load_workbook(root / entry["files"]["xlsx"])
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(keys(book, name), row, strict=True)) for row in rows[1:]]


def formats(root: Path, entry: dict, name: str) -> dict[str, str]:
    book = load_workbook(root / entry["files"]["xlsx"])
    return {h: c.number_format for h, c in zip(keys(book, name), book[name][2], strict=True)}


def test_every_report_ran_and_is_published(runs):
    root, entries = runs
    for name, period in PERIODS.items():
        entry = entries[name]
        assert entry["status"] == "ok", entry["error"]
        folder = root / name / period
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            f"{name}_{period}.{k}" for k in ("html", "ipynb", "pdf", "xlsx")
        )
        assert entry["html_path"] == str(folder / f"{name}_{period}.html")
        assert entry["pdf_path"] == str(folder / f"{name}_{period}.pdf") and "pdf_error" not in entry
        assert (folder / f"{name}_{period}.pdf").read_bytes().startswith(b"%PDF-")
    assert not [p for p in root.rglob(".staging-*")]
    recorded = index.read_index(root)
    assert [e["name"] for e in recorded] == list(PERIODS) and all(e["status"] == "ok" for e in recorded)
    assert recorded[1]["trigger"] == "dashboard"
    steps = entries["_steps"]
    assert steps[-1][0] == steps[-1][1] and len(steps) > 10  # every cell, the HTML, the publishing
    assert health.last_report(root)["status"] == "ok"


def test_monthly_workbook_equals_the_api(runs, store):
    root, entries = runs
    entry = entries["monthly_cost"]
    summary = {r["metric"]: r for r in sheet(root, entry, "summary")}
    for (since, until), column in ((OCTOBER, "this_period"), (SEPTEMBER, "previous_period")):
        overview = kpis.overview(store, since, until)
        assert summary["batches"][column] == overview["batches"]
        assert summary["roast_cost_won"][column] == overview["roast_cost_won"]
        assert summary["avg_cost_per_roasted_kg_won"][column] == overview["avg_cost_per_roasted_kg_won"]
        assert summary["roasted_kg"][column] == pytest.approx(overview["roasted_g"] / 1000)
        assert summary["weighted_loss_pct"][column] == pytest.approx(overview["weighted_loss_pct"] / 100)
        assert summary["stock_value_won"][column] == overview["stock_value_won"]
    batches = roasting.list_batches(store, since=OCTOBER[0], until=OCTOBER[1], limit=None)
    by_product = defaultdict(lambda: [0, 0, 0])
    for b in batches:
        by_product[b["product"]][0] += b["batch_cost_won"]
        by_product[b["product"]][1] += b["roasted_g"]
        by_product[b["product"]][2] += b["green_cost_won"]
    breakdown = {r["product"]: r for r in sheet(root, entry, "cost_breakdown")}
    assert {p: r["roast_cost_won"] for p, r in breakdown.items()} == {p: v[0] for p, v in by_product.items()}
    assert {p: r["green_cost_won"] for p, r in breakdown.items()} == {p: v[2] for p, v in by_product.items()}
    for row in sheet(root, entry, "costs_by_product"):
        if row["batches"]:
            cost, roasted, _ = by_product[row["product"]]
            assert row["actual_cost_per_kg_won"] == round_won(Fraction(cost * 1000, roasted))
    menu = {r["item"]: r for r in costs.menu_costs(store, on=OCTOBER[1])}
    for row in sheet(root, entry, "menu_margins"):
        assert row["cost_won"] == menu[row["item"]]["cost_won"]
        assert row["margin_pct"] == pytest.approx(menu[row["item"]]["margin_pct"] / 100)
    stock = {r["bean"]: r for r in inventory.stock(store, on=OCTOBER[1])}
    for row in sheet(root, entry, "stock"):
        assert row["closing_value_won"] == stock[row["bean"]]["value_won"]
    alerts = {b["id"] for b in batches if b["alert"]}
    assert {int(r["batch_id"]) for r in sheet(root, entry, "anomalies")} == alerts
    shown = formats(root, entry, "cost_breakdown")
    assert shown["roast_cost_won"] == '"₩"#,##0' and shown["batches"] == "#,##0"
    assert formats(root, entry, "loss_by_product")["weighted_loss_pct"] == "0.00%"
    assert formats(root, entry, "costs_by_product")["roasted_kg"] == '#,##0.000" kg"'
    book = load_workbook(root / entry["files"]["xlsx"])
    assert all(book[name].freeze_panes == "A2" for name in book.sheetnames)
    assert book["menu_margins"].column_dimensions["B"].width > 10


def test_weekly_workbook_equals_the_api(runs, store):
    root, entries = runs
    entry = entries["weekly_roasting"]
    batches = {b["id"]: b for b in roasting.list_batches(store, since=WEEK[0], until=WEEK[1], limit=None)}
    rows = sheet(root, entry, "batches")
    assert {int(r["batch_id"]) for r in rows} == set(batches)
    for row in rows:
        batch = batches[int(row["batch_id"])]
        assert row["roasted_on"].date().isoformat() == batch["roasted_on"]
        assert row["batch_cost_won"] == batch["batch_cost_won"]
        assert row["loss_pct"] == pytest.approx(batch["loss_pct"] / 100)
        assert row["variance_pct"] == pytest.approx(batch["variance_pct"])  # points, not a fraction
    status = {r["product"]: r["status"] for r in roasting.loss_status(store, today=WEEK[1])}
    for row in sheet(root, entry, "loss_status"):
        assert row["status"] == status[row["product"]]
    operators = {r["operator"]: r["batches"] for r in sheet(root, entry, "loss_by_operator")}
    assert sum(operators.values()) == len(batches)


def test_inventory_workbook_equals_the_api(runs, store):
    root, entries = runs
    entry = entries["inventory"]
    stock = {r["bean"]: r for r in inventory.stock(store, on=OCTOBER[1])}
    for row in sheet(root, entry, "stock"):
        assert row["value_won"] == stock[row["bean"]]["value_won"]
        assert row["stock_kg"] == pytest.approx(stock[row["bean"]]["stock_g"] / 1000)
    reorder = sheet(root, entry, "reorder")
    assert reorder and all(r["order_by"].date() <= OCTOBER[1] + timedelta(days=7) for r in reorder)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.graph_divs = 0
        self.inputs = 0

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("src", "href") and value:
                self.urls.append((tag, key, value))
            if key == "class" and value and "plotly-graph-div" in value.split():
                self.graph_divs += 1
            if key == "class" and value and {"jp-InputArea", "jp-InputPrompt"} & set(value.split()):
                self.inputs += 1


CHARTS = {"monthly_cost": 6, "weekly_roasting": 4, "inventory": 3}


@pytest.mark.parametrize("name", list(PERIODS))
def test_html_has_drawn_plots_no_code_and_nothing_from_the_network(runs, name):
    root, entries = runs
    text = (root / entries[name]["files"]["html"]).read_text(encoding="utf-8")
    links = _Links()
    links.feed(text)
    assert links.graph_divs == CHARTS[name]
    assert text.count("* plotly.js v") == 1, "plotly.js embedded exactly once"
    assert text.count("Plotly.newPlot(") >= CHARTS[name]
    external = [u for u in links.urls if u[2].startswith(("http:", "https:", "//", "ftp:"))]
    assert external == [], external
    assert "from themoon.reports import" not in text and "report.to_xlsx" not in text, "code is hidden"
    assert links.inputs == 0
    assert f"<title>{entries[name]['title']} {entries[name]['period']}</title>" in text


def test_a_bad_period_is_refused_before_papermill_and_changes_nothing(runs, cafe):
    """Issue #15: a typo is not a failed run. Exit 2, one line, no folder, no index entry,
    and `themoon health` does not turn unhealthy."""
    root, _ = runs
    before = sorted((str(p.relative_to(root)), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file())
    entries = index.read_index(root)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "themoon.cli",
            "report",
            "monthly_cost",
            "--period",
            "2026-13",
            "--db",
            str(cafe),
            "--reports-dir",
            str(root),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "THEMOON_LOG_DIR": str(root / "logs")},
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "error: period: '2026-13' is not a month like 2026-10, 'previous' or 'current'"
    assert not (root / "monthly_cost" / "2026-13").exists() and not (root / "monthly_cost" / "invalid").exists()
    assert index.read_index(root) == entries
    after = sorted((str(p.relative_to(root)), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file())
    assert after == before
    assert health.last_report(root)["status"] == "ok"


def test_the_kernel_is_this_virtualenvs_python(tmp_path):
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell("import sys, os\nprint(sys.executable)\nprint(os.getcwd())")]
    source, output = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(notebook, source)
    runner._execute(source, output, {}, cwd=tmp_path, steps=runner._Steps(None))
    printed = nbformat.read(output, as_version=4).cells[0].outputs[0]["text"].split()
    assert printed == [sys.executable, str(tmp_path)]


@pytest.mark.browser
def test_the_html_draws_its_plots_in_chromium_offline(runs):
    chromium = Path("/usr/bin/chromium")
    assert chromium.exists(), "Debian's chromium is missing: `make test` installs it (make browser)"
    from playwright import sync_api

    root, entries = runs
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            requested, errors = [], []
            page.on("pageerror", lambda e: errors.append(str(e)))

            def block(route):
                requested.append(route.request.url)
                route.abort()

            page.route(lambda url: not url.startswith(("file:", "data:", "blob:")), block)
            for name, expected in CHARTS.items():
                page.goto((root / entries[name]["files"]["html"]).as_uri())
                page.wait_for_function(
                    f"document.querySelectorAll('.plotly-graph-div .main-svg').length >= {expected}", timeout=120_000
                )
                drawn = page.evaluate(
                    "Array.from(document.querySelectorAll('.plotly-graph-div'))"
                    ".filter(d => d.querySelectorAll('.main-svg .trace').length > 0).length"
                )
                assert drawn == expected, name
            assert requested == [] and errors == []
        finally:
            browser.close()


SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


class _Visible(HTMLParser):
    """The text a reader sees: everything outside <script>, <style> and <head>."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style", "head")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style", "head")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _files(runs, name: str) -> tuple[Path, Path]:
    root, entries = runs
    entry = entries[name]
    folder = Path(entry.get("_root") or root)
    return folder / entry["files"]["html"], folder / entry["files"]["pdf"]


@pytest.mark.parametrize("name", [*PERIODS, "monthly_cost_ko"])
def test_html_and_pdf_show_no_internal_key_and_no_won_minus(runs, name):
    """Issue #13: the owner reads words, not keys, and money as −₩134,627, never ₩-134,627."""
    html_file, pdf_file = _files(runs, name)
    page = html_file.read_text(encoding="utf-8")
    assert "₩-" not in page and "₩−" not in page
    visible = _Visible()
    visible.feed(page)
    shown = " ".join(visible.parts)
    assert SNAKE.findall(shown) == [], SNAKE.findall(shown)[:10]
    printed = pdf_text(pdf_file)
    assert len(printed) > 2000, "the PDF holds the report's text"
    assert SNAKE.findall(printed) == [], SNAKE.findall(printed)[:10]
    assert "₩-" not in printed and "₩−" not in printed
    if name.startswith("monthly_cost"):
        assert "₩" in printed and "−₩" in shown, "the fixture month has a fall in money, written sign first"


def test_the_monthly_letter_speaks_the_reports_language(runs):
    english, _ = _files(runs, "monthly_cost")
    korean, korean_pdf = _files(runs, "monthly_cost_ko")
    assert "Cost per roasted kg" in english.read_text(encoding="utf-8")
    page = korean.read_text(encoding="utf-8")
    assert "원두 kg당 원가가" in page and "Cost per roasted kg" not in page
    assert "<title>월간 원가 보고서 2026-10</title>" in page
    assert "매출총이익" in pdf_text(korean_pdf).replace(" ", "")

"""Everything the owner can see, written as plain files, to compare two commits of a refactor.

    .venv/bin/python scripts/outputs_snapshot.py OUT [--skip-browser | --pages-only]

Run it in each checkout (each with its own venv), then `diff -r OUT_BEFORE OUT_AFTER`.
It writes, for a demo database built with a fixed seed and a fixed today:

- db/<table>.tsv     every row of every table, clock and hash columns blanked;
- cli/<command>.txt  the read commands' output (JSON where they have it) and their messages for
                     bad input (each with its exit code);
- report/<name>/     every report's xlsx as sheet/cell=value lines (HTML carries timestamps);
- export/            the whole-database Excel export as cell lines, and a CSV export;
- page/<lang>-<tab>.txt and .png  each dashboard tab's visible text and a screenshot.

Screenshots are compared by `--compare BEFORE AFTER`; text files by diff.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

TODAY = date(2026, 11, 15)
VOLATILE = {"created_at", "updated_at", "at", "resolved_at", "password_hash", "started_at", "finished_at"}
ROOT = Path(__file__).resolve().parent.parent
# This checkout's package, even when the venv's editable install points at another checkout.
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
THEMOON = [sys.executable, "-m", "themoon.cli"]

READS = {
    "bean-list": ["bean", "list", "--json"],
    "blend-list": ["blend", "list", "--json"],
    "roast-list": ["roast", "list", "--json"],
    "stock": ["stock", "--json", "--all"],
    "cost": ["cost", "--json"],
    "menu-list": ["menu", "list", "--json"],
    "settings-show": ["settings", "show", "--json"],
    "user-list": ["user", "list", "--json"],
    "report-list": ["report", "list", "--json"],
    # bad input: the message and the exit code
    "bad-period": ["report", "monthly_cost", "--period", "2026-13"],
    "bad-roast": ["roast", "add", "--product", "NOPE", "--green-g", "abc", "--roasted-g", "1"],
    "bad-purchase": ["purchase", "add", "--bean", "KEN-AA", "--grams", "-5", "--total-won", "x"],
    "bad-cost": ["cost", "--product", "NOPE"],
}
REPORTS = {"monthly_cost": "2026-10", "weekly_roasting": "2026-W44", "inventory": "2026-10-31"}


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([*THEMOON, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    text = f"$ themoon {' '.join(args)}\nexit {done.returncode}\n{done.stdout}{done.stderr}"
    return re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?", "<time>", text)


def dump_tables(db: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    tables = [
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
    ]
    for table in sorted(tables):
        cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')
        names = [d[0] for d in cursor.description]
        lines = ["\t".join(names)]
        for row in cursor:
            lines.append("\t".join("~" if n in VOLATILE else repr(v) for n, v in zip(names, row, strict=True)))
        (out / f"{table}.tsv").write_text("\n".join(lines) + "\n")
    conn.close()


def xlsx_cells(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    lines = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None and getattr(cell, "coordinate", None):
                    value = (
                        "<time>" if isinstance(cell.value, datetime) else re.sub(r"/tmp/\S+", "<tmp>", repr(cell.value))
                    )
                    lines.append(f"{sheet.title}!{cell.coordinate}={value}")
    return "\n".join(lines) + "\n"


def reports(env: dict[str, str], work: Path, out: Path) -> None:
    for name, period in REPORTS.items():
        folder = work / "reports"
        text = run(["report", name, "--period", period, "--reports-dir", str(folder)], env)
        (out / name).mkdir(parents=True, exist_ok=True)
        kept = [re.sub(r"in [0-9.]+ s", "in … s", line) for line in text.splitlines()[:4] if "/" not in line]
        (out / name / "run.txt").write_text("\n".join(kept) + "\n")
        for book in sorted(folder.glob(f"{name}/**/*.xlsx")):
            (out / name / f"{book.stem}.cells").write_text(xlsx_cells(book))


def exports(env: dict[str, str], work: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    book, csv = work / "all.xlsx", work / "batches.csv"
    (out / "excel.txt").write_text(run(["export", "excel", str(book)], env).splitlines()[1] + "\n")
    (out / "excel.cells").write_text("\n".join(line for line in xlsx_cells(book).splitlines() if "_at" not in line))
    run(["export", "csv", "roast_batches", str(csv)], env)
    if csv.exists():
        (out / "batches.csv").write_bytes(csv.read_bytes())


def pages(db: Path, work: Path, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    from themoon.ui import browser

    out.mkdir(parents=True, exist_ok=True)
    tabs = ["overview", "roasting", "inventory", "catalog", "costs", "reports", "imports", "settings"]
    env = {"THEMOON_TODAY": TODAY.isoformat()}
    with (
        browser.voila_server(db, work / "server", as_served=True, env=env, timeout=180) as server,
        sync_playwright() as p,
    ):
        url = server.url
        chromium = browser.launch_chromium(p)
        for lang in ("ko", "en"):
            context = chromium.new_context(viewport={"width": 1366, "height": 900})  # its own cookies
            page = context.new_page()
            page.goto(f"{url}?lang={lang}", timeout=180_000)
            browser.wait_for_dashboard(page)
            every_tab(page, tabs, out, lang)
            if lang == "en":  # the same page as staff, after signing out (a fresh page)
                page.locator(".themoon-sign-out").click()
                signin = page.locator(".themoon-signin")
                signin.wait_for(state="visible", timeout=180_000)
                signin.locator(".themoon-input-username input").fill("staff")
                signin.locator(".themoon-input-password input").fill("moon")
                signin.locator(".themoon-sign-in").click()
                page.locator(".themoon-nav-overview").wait_for(state="visible", timeout=180_000)
                browser.wait_for_dashboard(page)
                every_tab(page, [t for t in tabs if t != "imports"], out, "staff-en")  # staff may not import
            context.close()
        chromium.close()


def every_tab(page, tabs: list[str], out: Path, prefix: str) -> None:
    from themoon.ui import browser

    for tab in tabs:
        page.locator(f".themoon-nav-{tab}").click()
        page.locator(f".themoon-tab-{tab}").first.wait_for(state="visible", timeout=120_000)
        page.wait_for_timeout(1500)
        # the Overview's footer says when the figures were read: the one line that must differ
        page.add_style_tag(content=".themoon-tab-overview .themoon-footer {visibility: hidden}")
        browser.screenshot_full(page, out / f"{prefix}-{tab}.png")
        text = page.locator(f".themoon-tab-{tab}").first.inner_text()
        (out / f"{prefix}-{tab}.txt").write_text(re.sub(r"(updated|갱신) ?\d\d:\d\d|\d\d:\d\d ?(갱신)", "<time>", text))


def compare_images(before: Path, after: Path) -> int:
    """Screenshots are equal when their PNG bytes are (Chromium encodes the same pixels the same way)."""
    differ = 0
    for image in sorted(before.glob("page/*.png")):
        other = after / "page" / image.name
        same = other.exists() and other.read_bytes() == image.read_bytes()
        print(f"{image.name}: {'same' if same else 'DIFFERENT'}")
        differ += not same
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--pages-only", action="store_true", help="only the dashboard's pages (a UI change)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    options = parser.parse_args()
    if options.compare:
        return compare_images(*options.compare)
    out: Path = options.out
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "demo.db"
        env = {**os.environ, "THEMOON_DB": str(db), "THEMOON_TODAY": TODAY.isoformat(), "THEMOON_LANG": "en"}
        env.pop("THEMOON_REPORTS_DIR", None)
        from themoon import db as store
        from themoon.demo import build_demo

        conn = store.connect(db)
        build_demo(conn, today=TODAY)
        conn.close()
        if not options.pages_only:
            dump_tables(db, out / "db")
            (out / "cli").mkdir(parents=True, exist_ok=True)
            for name, args in READS.items():
                (out / "cli" / f"{name}.txt").write_text(run(args, env))
            for lang in ("ko",):
                (out / "cli" / f"bad-roast-{lang}.txt").write_text(
                    run(READS["bad-roast"], {**env, "THEMOON_LANG": lang})
                )
            reports(env, work, out / "report")
            exports(env, work, out / "export")
        if not options.skip_browser:
            pages(db, work, out / "page")
    return 0


if __name__ == "__main__":
    sys.exit(main())

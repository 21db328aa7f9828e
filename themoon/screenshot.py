"""A screenshot of the dashboard's Overview for the README: `python -m themoon.screenshot PATH`.

Builds a demo database in a temporary directory (or uses `--db`), serves it with Voilà on a free
127.0.0.1 port exactly as `themoon serve` does (a demo database served locally opens signed in
as the demo owner), loads it in Debian's Chromium at 1366 px wide, waits until every chart is
drawn and saves a full-page PNG. `make screenshot` runs it for docs/img/overview.png.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from . import db
from .demo import build_demo
from .ui import browser

WIDTH = 1366
HEIGHT = 900


def demo_database(path: Path, *, months: int = 6, today: date | None = None) -> Path:
    conn = db.connect(path)
    try:
        build_demo(conn, months=months, today=today)
    finally:
        conn.close()
    return path


def take(
    out: str | Path,
    *,
    db_path: str | Path | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
    lang: str = "en",
    months: int = 6,
) -> Path:
    """Serve the dashboard, load it in Chromium and save the Overview as a PNG at `out`."""
    from playwright.sync_api import sync_playwright

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="themoon-shot-") as tmp:
        work = Path(tmp)
        path = Path(db_path) if db_path else demo_database(work / "demo.db", months=months)
        env = {"THEMOON_LANG": lang, "THEMOON_DATA_DIR": str(work)}
        with browser.voila_server(path, work, env=env) as server, sync_playwright() as p:
            chromium = browser.launch_chromium(p)
            try:
                page = chromium.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
                page.goto(server.url, wait_until="domcontentloaded", timeout=browser.LOAD_TIMEOUT_MS)
                try:
                    browser.wait_for_dashboard(page)
                except Exception:
                    raise RuntimeError("the dashboard did not load; voila log:\n" + server.log_tail()) from None
                # the last 30 days: early in a month "this month" has little to show
                page.locator(".themoon-tab-overview .themoon-period button").nth(1).click()
                page.wait_for_timeout(4000)
                browser.wait_for_dashboard(page)
                page.wait_for_timeout(600)  # let plotly finish laying out
                browser.screenshot_full(page, out)
            finally:
                chromium.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m themoon.screenshot", description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="docs/img/overview.png", help="PNG to write")
    parser.add_argument("--db", help="database to show (default: a fresh demo database)")
    parser.add_argument("--width", type=int, default=WIDTH)
    parser.add_argument("--height", type=int, default=HEIGHT)
    parser.add_argument("--lang", choices=("en", "ko"), default="en")
    parser.add_argument("--months", type=int, default=6, help="months of demo history (default 6)")
    args = parser.parse_args(argv)
    try:
        path = take(args.out, db_path=args.db, width=args.width, height=args.height, lang=args.lang, months=args.months)
    except Exception as error:
        print(f"screenshot failed: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The dashboard in a real browser: Voilà started as `themoon serve` starts it, Debian's Chromium
driven by Playwright. One server and one page load for the whole module (a page load starts a
kernel: seconds on a small machine)."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_support import (
    NOTEBOOK,
    SCREENSHOTS,
    free_port,
    stop_process_group,
    wait_for_url,
)
from playwright import sync_api

from themoon import db, serve
from themoon.demo import build_demo
from themoon.ui.app import build_view

expect = sync_api.expect

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TODAY = date(2026, 11, 15)  # pinned in the server (THEMOON_TODAY) and in the expectations
LOAD_TIMEOUT_MS = 120_000
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
HARMLESS_ERRORS = ("setData is not a function",)  # plotly inside Voilà, see DESIGN.md


def _build_database(path: Path) -> None:
    """Two months of the demo café, ending on the pinned day."""
    conn = db.connect(path)
    try:
        build_demo(conn, months=2, today=TODAY)
    finally:
        conn.close()


@pytest.fixture(scope="session")
def dashboard_server(tmp_path_factory):
    """A Voilà server on a free port over a fresh database; stopped (process group) at the end."""
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    root = tmp_path_factory.mktemp("dashboard")
    db_path = root / "themoon.db"
    _build_database(db_path)
    port = free_port()
    env = serve.env_for_voila(db_path)
    env.update(
        THEMOON_TODAY=TODAY.isoformat(),
        THEMOON_LANG="en",
        THEMOON_DATA_DIR=str(root),
        THEMOON_LOG_DIR=str(root / "logs"),
    )
    log_path = root / "voila.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            serve.voila_command(NOTEBOOK, port=port),
            env=env,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
        )
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for_url(base + serve.PROBE_PATH, process, timeout=60)
        yield {"url": base, "db": db_path, "log": log_path, "process": process}
    finally:
        stop_process_group(process)


@pytest.fixture(scope="module")
def page(dashboard_server):
    """The dashboard loaded once, with every request, page error and console error recorded."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 1200}, locale="en-US")
        pg = context.new_page()
        pg.set_default_timeout(LOAD_TIMEOUT_MS)
        pg.requests, pg.page_errors, pg.console_errors = [], [], []
        pg.on("request", lambda r: pg.requests.append(r.url))
        pg.on("pageerror", lambda e: pg.page_errors.append(str(e)))
        pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
        started = time.monotonic()
        response = pg.goto(dashboard_server["url"], wait_until="domcontentloaded")
        pg.document_html = response.text()
        try:
            pg.wait_for_selector("#loading", state="detached")
            pg.wait_for_selector("#rendered_cells", state="visible")
            pg.wait_for_function("() => window.jupyterapp !== undefined")
            pg.wait_for_selector(".themoon-kpi")
            pg.wait_for_selector(".themoon-chart .js-plotly-plot .main-svg", state="attached")
        except Exception:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(SCREENSHOTS / "dashboard-failed-load.png"), full_page=True)
            log = dashboard_server["log"].read_text(errors="replace")[-4000:]
            raise AssertionError(f"the dashboard did not finish loading; voila log:\n{log}") from None
        pg.load_seconds = time.monotonic() - started
        pg.set_default_timeout(30_000)
        yield pg
        context.close()
        browser.close()


def _expected(dashboard_server, period="month", lang="en"):
    """What the same code shows in-process for the same database and date."""
    view = build_view(dashboard_server["db"], lang, today=TODAY)
    if period != "month":
        view.set_period(period)
    return view


def _card_values(pg) -> dict[str, str]:
    return pg.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.themoon-kpi')].map(card => [
               [...card.classList].find(c => c.startsWith('themoon-kpi-')).slice('themoon-kpi-'.length),
               card.querySelector('.themoon-kpi-value')?.textContent.trim()]))"""
    )


def _value_in(html: str) -> str:
    return re.search(r'class="themoon-kpi-value">([^<]*)<', html).group(1)


def test_page_loads_in_reasonable_time(page):
    assert page.load_seconds < 120
    print(f"dashboard loaded in {page.load_seconds:.1f} s")


def test_served_html_links_nothing_external(page):
    tags = re.findall(r"<(?:script|link)\b[^>]*>", page.document_html, flags=re.IGNORECASE)
    assert tags, "no script/link tags in the served page?"
    external = [tag for tag in tags if re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", tag)]
    assert external == []
    assert "cdn.jsdelivr.net" not in page.document_html
    assert "cdnjs.cloudflare.com" not in page.document_html
    assert "<title>The Moon Drip BAR</title>" in page.document_html


def test_kpis_show_the_real_numbers(page, dashboard_server):
    expected = _expected(dashboard_server)
    shown = _card_values(page)
    assert set(shown) == {"roasted", "batches", "loss", "stock_value", "low_stock", "alerts"}
    for key, card in expected.cards.items():
        assert shown[key] == _value_in(card.value), key
    assert re.fullmatch(r"[\d,]+\.\d kg", shown["roasted"])
    assert re.fullmatch(r"₩[\d,]+", shown["stock_value"])
    assert int(shown["batches"].replace(",", "")) > 0
    assert page.locator(".themoon-header").inner_text().startswith("The Moon Drip BAR · 더문드립바")


def test_both_charts_are_drawn(page):
    for key in ("weekly", "stock"):
        chart = page.locator(f".themoon-chart-{key}")
        assert chart.locator(".js-plotly-plot").count() == 1
        assert chart.locator(".js-plotly-plot .main-svg").first.bounding_box()["height"] > 200
    assert page.locator(".themoon-chart-weekly .barlayer .point").count() > 0
    assert page.locator(".themoon-chart-stock .barlayer .point").count() > 0


def test_no_page_errors_and_nothing_leaves_the_machine(page):
    errors = [e for e in page.page_errors if not any(h in e for h in HARMLESS_ERRORS)]
    assert errors == []
    outside = []
    for url in page.requests:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        if parts.hostname not in LOCAL_HOSTS:
            outside.append(url)
    assert outside == []
    assert len(page.requests) > 5


def test_screenshot_english(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-en.png"), full_page=True)


def test_language_switch_to_korean(page, dashboard_server):
    page.locator(".themoon-lang button", has_text="한국어").click()
    page.wait_for_function(
        "() => document.querySelector('.themoon-kpi-roasted .themoon-kpi-label')?.textContent === '로스팅량'"
    )
    app = page.locator(".themoon-app")
    for label in ("로스팅 비용 대시보드", "배치 수", "평균 손실률", "생두 재고 가치", "미해결 손실 경고", "이번 달"):
        expect(app).to_contain_text(label)  # widget updates arrive one message at a time
    page.wait_for_function("() => document.querySelector('.themoon-chart-weekly .xtitle')?.textContent === '주 시작일'")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-ko.png"), full_page=True)
    page.locator(".themoon-lang button", has_text="English").click()
    page.wait_for_function(
        "() => document.querySelector('.themoon-kpi-roasted .themoon-kpi-label')?.textContent === 'Roasted'"
    )


def _choose_period(page, dashboard_server, period: str, label: str) -> dict[str, str]:
    """Click a period and wait until every card shows what the same code computes in-process
    (widget updates arrive one message at a time)."""
    expected = {key: _value_in(card.value) for key, card in _expected(dashboard_server, period=period).cards.items()}
    page.locator(".themoon-period button", has_text=label).click()
    page.wait_for_function(
        """expected => Object.entries(expected).every(([k, v]) =>
             document.querySelector(`.themoon-kpi-${k} .themoon-kpi-value`)?.textContent.trim() === v)""",
        arg=expected,
    )
    return expected


def test_period_switch_updates_the_kpis(page, dashboard_server):
    month = _card_values(page)
    assert _choose_period(page, dashboard_server, "90d", "Last 90 days") != month
    assert _choose_period(page, dashboard_server, "month", "This month") == month


def test_tablet_layout(page):
    page.set_viewport_size({"width": 820, "height": 1600})
    try:
        page.wait_for_timeout(500)
        boxes = [page.locator(f".themoon-chart-{k}").bounding_box() for k in ("weekly", "stock")]
        assert boxes[1]["y"] > boxes[0]["y"] + boxes[0]["height"] - 1  # charts stack on a tablet
        assert max(b["x"] + b["width"] for b in boxes) <= 820
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dashboard-tablet.png"), full_page=True)
    finally:
        page.set_viewport_size({"width": 1366, "height": 1200})

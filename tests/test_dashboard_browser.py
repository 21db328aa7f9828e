"""The dashboard in a real browser: Voilà started as `themoon serve` starts it, Debian's Chromium
driven by Playwright. One server and one page for the whole module (a page load starts a kernel:
seconds on a small machine); the tests run in order on that page, like a visit: look around,
log a batch, make mistakes, switch to Korean, sign in as staff.

Missing Chromium fails these tests (never skips them): `make test` installs it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
from browser_support import DEMO_TODAY, count, demo_copy
from outside import query, themoon_json
from page_support import open_tab, shot
from playwright import sync_api

from themoon.ui import browser
from themoon.ui.app import TABS

expect = sync_api.expect

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
HARMLESS_ERRORS = ("setData is not a function",)  # plotly inside Voilà, see DESIGN.md


@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory):
    """`themoon serve` itself (preheated pool, our config) on a free port over a fresh demo database;
    stopped (process group) at the end."""
    assert browser.CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    root = tmp_path_factory.mktemp("dashboard")
    db_path = demo_copy(root, "themoon.db")
    env = {"THEMOON_TODAY": DEMO_TODAY.isoformat(), "THEMOON_LANG": "en", "THEMOON_DATA_DIR": str(root)}
    with browser.voila_server(db_path, root, env=env, as_served=True, timeout=120) as server:
        yield server


@pytest.fixture(scope="module")
def page(dashboard_server):
    """The dashboard loaded once, with every request, page error and console error recorded."""
    with sync_api.sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        context = chromium.new_context(viewport={"width": 1366, "height": 1000}, locale="en-US")
        pg = context.new_page()
        pg.set_default_timeout(browser.LOAD_TIMEOUT_MS)
        pg.requests, pg.page_errors = [], []
        pg.on("request", lambda r: pg.requests.append(r.url))
        pg.on("pageerror", lambda e: pg.page_errors.append(str(e)))
        started = time.monotonic()
        response = pg.goto(dashboard_server.url, wait_until="domcontentloaded")
        pg.document_html = response.text()
        try:
            browser.wait_for_dashboard(pg)
        except Exception:
            shot(pg, "failed-load")
            raise AssertionError("the dashboard did not load; voila log:\n" + dashboard_server.log_tail()) from None
        pg.load_seconds = time.monotonic() - started
        pg.set_default_timeout(30_000)
        yield pg
        context.close()
        chromium.close()


def kpi(page, key: str) -> str:
    return page.locator(f".themoon-kpi-{key} .themoon-kpi-value").inner_text().strip()


def field(page, name: str):
    return page.locator(f".themoon-tab-roasting .themoon-field-{name}")


def errors_ok(page) -> list[str]:
    return [e for e in page.page_errors if not any(h in e for h in HARMLESS_ERRORS)]


# --- looking around ------------------------------------------------------------------------------


def test_opens_signed_in_as_the_demo_owner_with_a_banner(page):
    assert page.load_seconds < 120
    print(f"dashboard loaded in {page.load_seconds:.1f} s")
    expect(page.locator(".themoon-demo-banner")).to_contain_text("Demo data")
    expect(page.locator(".themoon-user")).to_contain_text("owner")
    assert page.locator(".themoon-header").inner_text().startswith("The Moon Drip BAR · 더문드립바")
    expect(page.locator(".themoon-signin")).to_be_hidden()


def test_served_html_links_nothing_external(page):
    tags = re.findall(r"<(?:script|link)\b[^>]*>", page.document_html, flags=re.IGNORECASE)
    assert tags, "no script/link tags in the served page?"
    external = [tag for tag in tags if re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", tag)]
    assert external == []
    assert "cdn.jsdelivr.net" not in page.document_html and "cdnjs.cloudflare.com" not in page.document_html
    assert "<title>The Moon Drip BAR</title>" in page.document_html


def kpis_from_outside(db_path) -> dict[str, str]:
    """This month's KPIs computed without the dashboard's code: SQL over the file and the CLI, each
    in another process, formatted as the cards show them."""
    month = query(
        db_path,
        "SELECT COUNT(*) AS n, COALESCE(SUM(roasted_g), 0) AS g FROM roast_batches WHERE roasted_on BETWEEN ? AND ?",
        [DEMO_TODAY.replace(day=1).isoformat(), DEMO_TODAY.isoformat()],
    )[0]
    alerts = query(db_path, "SELECT COUNT(*) AS n FROM loss_alerts WHERE resolved_at IS NULL")[0]["n"]
    stock = themoon_json("stock", "--all", db=db_path)
    return {
        "batches": f"{month['n']:,}",
        "roasted": f"{month['g'] / 1000:,.1f} kg",
        "stock_value": f"₩{sum(r['value_won'] for r in stock):,}",
        "low_stock": f"{sum(1 for r in stock if r['low']):,}",
        "alerts": f"{alerts:,}",
    }


def test_kpis_show_the_real_numbers(page, dashboard_server):
    expected = kpis_from_outside(dashboard_server.db_path)
    assert {key: kpi(page, key) for key in expected} == expected


def test_all_four_charts_are_drawn(page):
    for key in ("weekly", "cost", "loss", "stock"):
        chart = page.locator(f".themoon-chart-{key}")
        assert chart.locator(".js-plotly-plot").count() == 1
        assert chart.locator(".js-plotly-plot .main-svg").first.bounding_box()["height"] > 200
    assert page.locator(".themoon-chart-weekly .barlayer .point").count() > 0
    assert page.locator(".themoon-chart-loss .boxlayer path").count() > 0
    expect(page.locator(".themoon-attention")).to_contain_text("Needs attention")


CHARTS_OF_TAB = {
    "overview": ".themoon-chart-stock",
    "catalog": ".themoon-chart-breakdown",
    "costs": ".themoon-whatif-chart",
}


def test_every_tab_renders_without_errors(page):
    for key in TABS:
        open_tab(page, key)
        expect(page.locator(f".themoon-tab-{key} .themoon-tab-message")).to_be_hidden()
        if key in CHARTS_OF_TAB:
            expect(page.locator(f".themoon-tab-{key} {CHARTS_OF_TAB[key]} .main-svg").first).to_be_attached()
        page.wait_for_timeout(300)
        shot(page, f"tab-{key}-en")
    assert errors_ok(page) == []


def loaded_libraries(process: psutil.Process) -> set[str]:
    """Which of pandas, numpy and duckdb `process` has loaded (their compiled parts in its memory
    map: read from outside the process)."""
    maps = Path(f"/proc/{process.pid}/maps").read_text()
    marks = {"pandas": "/pandas/_libs/", "numpy": "/numpy/_core/", "duckdb": "/_duckdb"}
    return {name for name, mark in marks.items() if mark in maps}


def test_the_kernels_ask_the_servers_one_engine_and_load_no_pandas_numpy_or_duckdb(page, dashboard_server):
    """Every tab was opened above: the page's kernel still holds none of the engine's libraries; the
    server's one engine process holds them (the positive control)."""
    children = psutil.Process(dashboard_server.process.pid).children(recursive=True)
    kernels = [c for c in children if "ipykernel_launcher" in " ".join(c.cmdline())]
    engines = [c for c in children if "themoon.ui.engine_service" in " ".join(c.cmdline())]
    assert kernels and len(engines) == 1
    assert all(loaded_libraries(k) == set() for k in kernels)
    assert loaded_libraries(engines[0]) == {"pandas", "numpy", "duckdb"}
    assert max(k.memory_info().rss for k in kernels) < 150 * 2**20  # issue #12: kernel_mb ≤ 150


def test_period_switch_redraws_the_kpis(page):
    open_tab(page, "overview")
    month = kpi(page, "batches")
    page.locator(".themoon-period button", has_text="Last 90 days").click()
    page.wait_for_function(
        "m => document.querySelector('.themoon-kpi-batches .themoon-kpi-value').textContent.trim() !== m", arg=month
    )
    page.locator(".themoon-period button", has_text="This month").click()
    expect(page.locator(".themoon-kpi-batches .themoon-kpi-value")).to_have_text(month)


# --- writing -------------------------------------------------------------------------------------


def test_log_a_batch_and_see_the_overview_and_the_table_change(page, dashboard_server):
    open_tab(page, "overview")
    batches_before = int(kpi(page, "batches").replace(",", ""))
    rows_before = count(dashboard_server.db_path, "roast_batches")
    open_tab(page, "roasting")
    field(page, "product").locator("select").select_option(label="Yirgacheffe")
    field(page, "green_g").locator("input").fill("1500")
    field(page, "roasted_g").locator("input").fill("1250")
    field(page, "minutes").locator("input").fill("12.5")
    expect(page.locator(".themoon-preview")).to_contain_text("16.7%")  # the live preview
    page.locator(".themoon-save-batch").click()
    status = page.locator(".themoon-batch-status")
    expect(status).to_contain_text("Saved batch #")
    batch_id = re.search(r"#(\d+)", status.inner_text()).group(1)
    first_row = page.locator(".themoon-batches-table tbody tr").first
    expect(first_row).to_contain_text(batch_id)
    expect(first_row).to_contain_text("1,500 g")
    expect(first_row).to_contain_text("1,250 g")
    assert count(dashboard_server.db_path, "roast_batches") == rows_before + 1  # from another process
    open_tab(page, "overview")
    expect(page.locator(".themoon-kpi-batches .themoon-kpi-value")).to_have_text(f"{batches_before + 1:,}")
    assert kpi(page, "batches") == kpis_from_outside(dashboard_server.db_path)["batches"]
    shot(page, "after-logging-a-batch")


@pytest.mark.parametrize(
    ("product", "green", "roasted", "bad_field", "message"),
    [
        ("Yirgacheffe", "1000", "1000", "roasted_g", "must be less than the green weight"),
        ("— choose —", "1000", "800", "product", "is required"),
        ("Yirgacheffe", "1000", "eight hundred", "roasted_g", "must be a whole number"),
        ("Yirgacheffe", "1 kg", "800", "green_g", "must be a whole number"),
    ],
)
def test_bad_input_shows_the_error_next_to_the_field_and_saves_nothing(
    page, dashboard_server, product, green, roasted, bad_field, message
):
    open_tab(page, "roasting")
    before = count(dashboard_server.db_path, "roast_batches")
    field(page, "product").locator("select").select_option(label=product)
    field(page, "green_g").locator("input").fill(green)
    field(page, "roasted_g").locator("input").fill(roasted)
    page.locator(".themoon-save-batch").click()
    error = field(page, bad_field).locator(".themoon-field-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)
    expect(page.locator(".themoon-tab-roasting .themoon-field-error:visible")).to_have_count(1)
    assert count(dashboard_server.db_path, "roast_batches") == before
    if bad_field == "roasted_g" and "less" in message:
        shot(page, "error-next-to-the-field")
    # the positive control: corrected, the same form saves, as another process sees
    if bad_field == "product":
        field(page, "product").locator("select").select_option(label="Yirgacheffe")
    else:
        field(page, bad_field).locator("input").fill({"roasted_g": "800", "green_g": "1000"}[bad_field])
    page.locator(".themoon-save-batch").click()
    expect(page.locator(".themoon-batch-status")).to_contain_text("Saved batch #")
    assert count(dashboard_server.db_path, "roast_batches") == before + 1


# --- Korean ----------------------------------------------------------------------------------------


def test_switch_to_korean(page):
    page.locator(".themoon-lang button", has_text="한국어").click()
    expect(page.locator(".themoon-nav-overview")).to_have_text("개요")
    expect(page.locator(".themoon-nav-roasting")).to_have_text("로스팅")
    expect(page.locator(".themoon-header")).to_contain_text("로스팅 비용 대시보드")
    for key in TABS:
        open_tab(page, key)
        page.wait_for_timeout(300)
        shot(page, f"tab-{key}-ko")
    open_tab(page, "overview")
    app = page.locator(".themoon-app")
    for label in (
        "로스팅량",
        "배치 수",
        "평균 손실률",
        "생두 재고 가치",
        "미해결 손실 경고",
        "이번 달",
        "확인이 필요한 항목",
    ):
        expect(app).to_contain_text(label)
    expect(page.locator(".themoon-chart-weekly .g-xtitle")).to_contain_text("주 시작일")  # inside the plot too
    open_tab(page, "roasting")
    expect(page.locator(".themoon-tab-roasting")).to_contain_text("로스팅 기록")
    page.locator(".themoon-lang button", has_text="English").click()
    expect(page.locator(".themoon-nav-overview")).to_have_text("Overview")


def test_tablet_layout(page):
    open_tab(page, "overview")
    page.set_viewport_size({"width": 820, "height": 1180})
    try:
        page.wait_for_timeout(600)
        boxes = [page.locator(f".themoon-chart-{k}").bounding_box() for k in ("weekly", "cost")]
        assert boxes[1]["y"] > boxes[0]["y"] + boxes[0]["height"] - 1  # charts stack on a tablet
        assert max(b["x"] + b["width"] for b in boxes) <= 820
        shot(page, "tablet-overview")
        open_tab(page, "roasting")
        shot(page, "tablet-roasting")
    finally:
        page.set_viewport_size({"width": 1366, "height": 1000})


# --- staff -----------------------------------------------------------------------------------------


def test_staff_cannot_open_owner_only_actions(page):
    page.locator(".themoon-sign-out").click()  # ends the kernel: a fresh page opens at sign-in
    page.wait_for_url(re.compile(r"\?signed_out=signed_out$"), timeout=browser.LOAD_TIMEOUT_MS)
    browser.wait_for_dashboard(page, timeout_ms=browser.LOAD_TIMEOUT_MS)
    signin = page.locator(".themoon-signin")
    expect(signin).to_be_visible()
    expect(page.locator(".themoon-main")).to_be_hidden()
    shot(page, "sign-in")
    signin.locator(".themoon-input-username input").fill("staff")
    signin.locator(".themoon-input-password input").fill("wrong")
    signin.locator(".themoon-sign-in").click()
    expect(signin.locator(".themoon-form-status")).to_contain_text("Wrong username or password")
    signin.locator(".themoon-input-password input").fill("moon")
    signin.locator(".themoon-sign-in").click()
    expect(page.locator(".themoon-user")).to_contain_text("Staff")
    open_tab(page, "roasting")
    expect(page.locator(".themoon-save-batch")).to_be_visible()  # staff log batches
    expect(page.locator(".themoon-edit-batch")).to_be_hidden()
    expect(page.locator(".themoon-delete-batch")).to_be_hidden()
    expect(page.locator(".themoon-resolve-alert")).to_be_hidden()
    open_tab(page, "inventory")
    expect(page.locator(".themoon-save-purchase")).to_be_visible()
    open_tab(page, "catalog")
    expect(page.locator(".themoon-new-bean")).to_be_hidden()
    expect(page.locator(".themoon-edit-blend")).to_be_hidden()
    open_tab(page, "settings")
    expect(page.locator(".themoon-save-settings")).to_be_hidden()
    expect(page.locator(".themoon-users")).to_be_hidden()
    expect(page.locator(".themoon-new-menu")).to_be_hidden()
    expect(page.locator(".themoon-settings-history")).to_be_visible()  # staff read the rest
    shot(page, "staff-settings")
    expect(page.locator(".themoon-nav-imports")).to_be_hidden()  # importing is the owner's
    open_tab(page, "reports")
    expect(page.locator(".themoon-reports-run-card")).to_be_visible()  # staff run reports
    expect(page.locator(".themoon-reports-export-card")).to_be_hidden()  # not whole-store exports


def test_no_page_errors_and_nothing_left_the_machine(page):
    assert errors_ok(page) == []
    draws = page.evaluate("() => window.themoonCharts.draws")
    # the page is the fresh one a sign-out loaded (a new kernel): its four Overview charts at least
    assert len(draws) >= 4 and all(n == 1 for n in draws.values()), draws  # no chart drawn twice
    outside = []
    for url in page.requests:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        if parts.hostname not in LOCAL_HOSTS:
            outside.append(url)
    assert outside == []
    assert len(page.requests) > 5

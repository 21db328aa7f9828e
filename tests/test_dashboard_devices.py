"""The dashboard on a phone and a tablet, in the owner's language, with lean kernels (issue #12).

One Voilà server (as `themoon serve` starts it, with the idle-kernel culling shortened so a closed
tab's kernel goes within seconds) over the demo café; Debian's Chromium. Each test opens its own
browser context: a phone (390×844), a tablet (1024×768), a reload in Korean, a closed tab.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import page_support
import psutil
import pytest
from browser_support import DEMO_TODAY, SCREENSHOTS, demo_copy
from playwright import sync_api

from themoon import serve
from themoon.ui import browser
from themoon.ui.app import TABS

expect = sync_api.expect

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DEVICES = {"phone": (390, 844), "tablet": (1024, 768)}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
CULL_S = 8  # the shortened idle timeout of this module's server (serve.IDLE_KERNEL_TIMEOUT_S is 90)

NO_PAGE_SCROLL = """() => {
  const boxes = [document.documentElement, document.body,
    ...document.querySelectorAll('#main, #jp-main-content-panel, #rendered_cells')];
  return boxes.filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.id || b.tagName);
}"""
CUT_KPIS = """() => [...document.querySelectorAll('.themoon-kpi-value')]
  .filter(v => v.offsetParent !== null && v.scrollWidth > v.clientWidth)
  .map(v => v.textContent.trim())"""
# every visible table either fits its box or scrolls sideways inside it, within the screen
UNREACHABLE_TABLES = """() => [...document.querySelectorAll('.themoon-table-wrap')]
  .filter(w => w.offsetParent !== null)
  .filter(w => {
    const box = w.getBoundingClientRect();
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(w).overflowX);
    return box.right > window.innerWidth + 1 || (w.scrollWidth > w.clientWidth + 1 && !scrolls);
  })
  .map(w => w.querySelector('th') ? w.querySelector('th').textContent : '?')"""
DRAWN_TWICE = """() => Object.entries((window.themoonCharts || {draws: {}}).draws)
  .filter(([id, n]) => n > 1).map(([id]) => id)"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    assert browser.CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    root = tmp_path_factory.mktemp("devices")
    db_path = demo_copy(root, "themoon.db")
    env = {"THEMOON_TODAY": DEMO_TODAY.isoformat(), "THEMOON_LANG": "en", "THEMOON_DATA_DIR": str(root)}
    saved = serve.IDLE_KERNEL_TIMEOUT_S, serve.CULL_INTERVAL_S
    serve.IDLE_KERNEL_TIMEOUT_S, serve.CULL_INTERVAL_S = CULL_S, 2
    try:
        with browser.voila_server(db_path, root, env=env) as running:
            yield running
    finally:
        serve.IDLE_KERNEL_TIMEOUT_S, serve.CULL_INTERVAL_S = saved


def visit(chromium, server, size=(1366, 1000)):
    """A fresh context and page on the dashboard, loaded; requests and page errors recorded."""
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(browser.LOAD_TIMEOUT_MS)
    page.requests, page.page_errors = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.page_errors.append(str(e)))
    page.goto(server.url, wait_until="domcontentloaded")
    try:
        browser.wait_for_dashboard(page)
    except Exception:
        raise AssertionError("the dashboard did not load; voila log:\n" + server.log_tail()) from None
    page.set_default_timeout(60_000)
    return context, page


def open_tab(page, key: str) -> None:
    """Open the tab and wait until every chart it shows is drawn."""
    page_support.open_tab(page, key)
    page.wait_for_function(
        """key => [...document.querySelectorAll('.themoon-tab-' + key + ' .themoon-plotly')]
             .filter(p => p.offsetParent !== null).every(p => p.querySelector('.main-svg'))""",
        arg=key,
    )
    page.wait_for_timeout(300)


def kernel_pids(server) -> set[int]:
    pids = set()
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                pids.add(child.pid)
        except psutil.Error:
            continue
    return pids


def nothing_left_the_machine(page) -> None:
    outside = [
        u
        for u in page.requests
        if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname not in LOCAL_HOSTS
    ]
    assert outside == []
    assert page.evaluate(DRAWN_TWICE) == []  # every chart drawn once
    assert [e for e in page.page_errors if "setData is not a function" not in e] == []


@pytest.mark.parametrize("device", DEVICES)
def test_every_tab_fits_the_device(chromium, server, device):
    context, page = visit(chromium, server, DEVICES[device])
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for key in TABS:
            open_tab(page, key)
            assert page.evaluate(NO_PAGE_SCROLL) == [], f"{key}: the page scrolls sideways"
            assert page.evaluate(CUT_KPIS) == [], f"{key}: a KPI value is cut"
            assert page.evaluate(UNREACHABLE_TABLES) == [], f"{key}: a table's columns cannot be reached"
            browser.screenshot_full(page, SCREENSHOTS / f"{device}-{key}.png")
        open_tab(page, "overview")
        assert page.locator(".themoon-tab-overview .themoon-kpi-value").count() == 10
        open_tab(page, "roasting")
        preview = page.locator(".themoon-tab-roasting .themoon-preview").bounding_box()
        save = page.locator(".themoon-save-batch").bounding_box()
        assert preview["y"] + preview["height"] <= save["y"] + 1, "the preview must come before Save"
        batches = page.locator(".themoon-tab-roasting .themoon-table-wrap").first
        batches.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
        last = batches.locator("th").last.bounding_box()
        assert last["x"] + last["width"] <= DEVICES[device][0] + 1  # the last column can be scrolled to
        nothing_left_the_machine(page)
    finally:
        context.close()


def test_korean_survives_a_reload_and_names_everything_in_korean(chromium, server):
    context, page = visit(chromium, server)
    try:
        page.locator(".themoon-lang button", has_text="한국어").click()
        expect(page.locator(".themoon-nav-overview")).to_have_text("개요")
        page.reload(wait_until="domcontentloaded")
        browser.wait_for_dashboard(page)
        expect(page.locator(".themoon-nav-overview")).to_have_text("개요")  # still Korean
        open_tab(page, "catalog")
        cells = page.locator(".themoon-beans-table tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.children].slice(2, 5).map(c => c.textContent.trim()))"
        )
        assert len(cells) >= 10
        latin = [c for row in cells for c in row if re.search(r"[A-Za-z]", c)]
        assert latin == [], "country, process and roast level must be Korean"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.screenshot_full(page, SCREENSHOTS / "catalog-ko-after-reload.png")
        page.locator(".themoon-lang button", has_text="English").click()
        expect(page.locator(".themoon-nav-overview")).to_have_text("Overview")
        page.reload(wait_until="domcontentloaded")
        browser.wait_for_dashboard(page)
        expect(page.locator(".themoon-nav-overview")).to_have_text("Overview")  # the choice, not always Korean
    finally:
        context.close()


def test_a_closed_tab_frees_its_kernel(chromium, server):
    before = kernel_pids(server)
    context, page = visit(chromium, server)
    mine = kernel_pids(server) - before
    assert len(mine) == 1, mine
    time.sleep(CULL_S + 4)
    assert mine <= kernel_pids(server), "an open page keeps its kernel"
    context.close()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and mine & kernel_pids(server):
        time.sleep(1)
    assert not mine & kernel_pids(server), "the closed tab's kernel is still running"

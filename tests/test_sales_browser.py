"""The Sales & profit tab in a real browser (issue #13: "a browser test opens the new tab in both
languages without page errors"): one Voilà server over the demo café, one page in English and
one in Korean (`?lang=ko`), each opening the tab the way a person does. No page error and no
console error; both charts drawn once; the items and where-the-coffee-went tables have rows; the
Overview's sales cards are there. And a POS export imported through the Import tab, checked
from another process. A screenshot of each under tests/screenshots/.

Missing Chromium fails these tests (never skips them): `make test` installs it.
"""

from __future__ import annotations

from pathlib import Path

import outside
import pytest
from browser_support import DEMO_TODAY, demo_copy
from page_support import open_tab, shot
from playwright import sync_api

from themoon.ui import browser
from themoon.ui.tabs.imports.runs import KINDS

expect = sync_api.expect

pytestmark = [pytest.mark.slow, pytest.mark.browser]

HARMLESS = ("setData is not a function",)  # plotly inside Voilà (DESIGN.md)
DRAWN_TWICE = """() => Object.entries((window.themoonCharts || {draws: {}}).draws)
  .filter(([id, n]) => n > 1).map(([id]) => id)"""
SALES_CHARTS_DRAWN = """() => {
  const cards = [...document.querySelectorAll('.themoon-tab-sales .themoon-chart')];
  return cards.length === 2 && cards.every(card => card.querySelector('.js-plotly-plot .main-svg') !== null);
}"""
WORDS = {
    "en": {"tab": "Sales & profit", "card": "Net sales", "recon": "Where the coffee went", "class": "Star"},
    "ko": {"tab": "매출·이익", "card": "순매출", "recon": "로스팅한 커피의 행방", "class": "스타"},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    assert browser.CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    root = tmp_path_factory.mktemp("sales-browser")
    db_path = demo_copy(root, "themoon.db")
    env = {"THEMOON_TODAY": DEMO_TODAY.isoformat(), "THEMOON_LANG": "en", "THEMOON_DATA_DIR": str(root)}
    with browser.voila_server(db_path, root, env=env, timeout=120) as running:
        yield running


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_sales_tab_opens_without_page_errors(chromium, server, lang):
    words = WORDS[lang]
    context = chromium.new_context(
        viewport={"width": 1366, "height": 1000}, locale="ko-KR" if lang == "ko" else "en-US"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    try:
        page.set_default_timeout(browser.LOAD_TIMEOUT_MS)
        page.goto(server.url + ("?lang=ko" if lang == "ko" else ""), wait_until="domcontentloaded")
        try:
            browser.wait_for_dashboard(page)
        except Exception:
            shot(page, f"sales-{lang}-failed-load")
            raise AssertionError("the dashboard did not load; voila log:\n" + server.log_tail()) from None
        page.set_default_timeout(90_000)
        # the Overview's two sales cards, against the period before
        for key in ("net_sales", "gross_profit"):
            expect(page.locator(f".themoon-tab-overview .themoon-kpi-{key} .themoon-kpi-value")).to_contain_text("₩")
        expect(page.locator(".themoon-tab-overview .themoon-kpi-net_sales")).to_contain_text(words["card"])

        expect(page.locator(".themoon-nav-sales")).to_have_text(words["tab"])
        open_tab(page, "sales", timeout_ms=90_000)
        tab = page.locator(".themoon-tab-sales")
        page.wait_for_function(SALES_CHARTS_DRAWN, timeout=120_000)
        for key in ("sales-weekly", "sales-menu"):
            plot = tab.locator(f".themoon-chart-{key} .js-plotly-plot")
            assert plot.count() == 1, key
            assert plot.locator(".main-svg").first.bounding_box()["height"] > 200, key
        assert tab.locator(".themoon-chart-sales-weekly .barlayer .point").count() > 0
        assert tab.locator(".themoon-chart-sales-menu .scatterlayer .point").count() > 0
        expect(tab.locator(".themoon-sales-kpis .themoon-kpi")).to_have_count(4)
        expect(tab.locator(".themoon-sales-kpis")).to_contain_text(words["card"])
        assert tab.locator(".themoon-sales-items tbody tr").count() > 5
        assert tab.locator(".themoon-sales-recon tbody tr").count() > 3
        expect(tab.locator(".themoon-sales-items")).to_contain_text(words["class"])
        expect(tab.locator(".themoon-sales-recon-card")).to_contain_text(words["recon"])
        expect(tab.locator(".themoon-sales-threshold")).to_be_visible()  # the demo owner's
        assert "₩-" not in tab.inner_text()
        assert page.evaluate(DRAWN_TWICE) == []
        shot(page, f"sales-{lang}")
        assert [e for e in errors if not any(h in e for h in HARMLESS)] == []
    finally:
        context.close()


FIXTURES = Path(__file__).parent / "fixtures" / "sales"
IMPORTED = "SELECT COUNT(*) FROM sales_daily WHERE sold_on BETWEEN '2025-11-01' AND '2025-11-02'"


def test_a_pos_export_imports_through_the_page(chromium, server):
    """The owner's way in Korean on a tablet: choose 판매 (POS), pick a CP949 export in the file
    chooser, preview (nothing written), confirm (written) — each seen from another process."""
    context = chromium.new_context(viewport={"width": 1024, "height": 1366}, locale="ko-KR")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    try:
        page.set_default_timeout(browser.LOAD_TIMEOUT_MS)
        page.goto(server.url + "?lang=ko", wait_until="domcontentloaded")
        browser.wait_for_dashboard(page)
        page.set_default_timeout(90_000)
        open_tab(page, "imports", timeout_ms=90_000)
        tab = page.locator(".themoon-tab-imports")
        tab.locator(".themoon-field-kind select").select_option(index=KINDS.index("sales"))
        expect(tab.locator(".themoon-imports-help")).to_contain_text("POS")
        with page.expect_file_chooser() as chooser:
            tab.locator(".themoon-imports-upload").click()
        chooser.value.set_files(str(FIXTURES / "pos_daily_cp949.csv"))
        expect(tab.locator(".themoon-imports-chosen")).to_contain_text("pos_daily_cp949.csv")
        tab.locator(".themoon-imports-preview").click()
        expect(tab.locator(".themoon-imports-confirm")).to_be_enabled(timeout=120_000)
        assert outside.scalar(server.db_path, IMPORTED) == 0  # a preview writes nothing
        tab.locator(".themoon-imports-confirm").click()
        expect(tab.locator(".themoon-imports-result")).to_contain_text("신규 5", timeout=120_000)
        assert outside.scalar(server.db_path, IMPORTED) == 5  # the positive control, from outside
        shot(page, "sales-import-ko")
        assert errors == []
    finally:
        context.close()

"""The roasting and purchase forms in a real browser save exactly what was typed (issue #11):
a blend's Green (g) that is not whole grams is refused with the field marked, per-bean grams
that do not add up to it are refused, an error goes as soon as its value is fixed (English and
Korean), a 91.7 % loss asks "save anyway?" and is saved only after the answer, and "abc" in Total
paid is refused. One Voilà server over the demo café and one page, in order, like a visit; every
"nothing saved" is counted from another process, with a save that does count as its control.

Missing Chromium fails these tests (never skips them): `make test` installs it.
"""

from __future__ import annotations

import re

import pytest
from browser_support import DEMO_TODAY, count_outside, demo_copy, outside
from page_support import open_tab, shot
from playwright import sync_api

from themoon.ui import browser

expect = sync_api.expect

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LAST_BATCH = (
    "SELECT b.roasted_g, SUM(c.green_g) FROM roast_batches b JOIN roast_components c ON c.batch_id = b.id"
    " GROUP BY b.id ORDER BY b.id DESC LIMIT 1"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    assert browser.CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    root = tmp_path_factory.mktemp("roasting-form")
    db_path = demo_copy(root, "themoon.db")
    env = {"THEMOON_TODAY": DEMO_TODAY.isoformat(), "THEMOON_LANG": "en", "THEMOON_DATA_DIR": str(root)}
    with browser.voila_server(db_path, root, env=env) as running:
        yield running


@pytest.fixture(scope="module")
def page(server):
    with sync_api.sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        context = chromium.new_context(viewport={"width": 1366, "height": 1000}, locale="en-US")
        pg = context.new_page()
        pg.set_default_timeout(browser.LOAD_TIMEOUT_MS)
        pg.goto(server.url, wait_until="domcontentloaded")
        try:
            browser.wait_for_dashboard(pg)
        except Exception:
            shot(pg, "form-failed-load")
            raise AssertionError("the dashboard did not load; voila log:\n" + server.log_tail()) from None
        pg.set_default_timeout(60_000)
        yield pg
        context.close()
        chromium.close()


def field(page, name: str):
    return page.locator(f".themoon-tab-roasting .themoon-entry .themoon-field-{name}")


def typed(page, name: str, value: str) -> None:
    field(page, name).locator("input").fill(value)


def error_of(page, name: str):
    return field(page, name).locator(".themoon-field-error")


def shown_errors(page):
    return page.locator(".themoon-tab-roasting .themoon-entry .themoon-field-error:visible")


def save(page) -> None:
    page.locator(".themoon-save-batch").click()


def batches(server) -> int:
    return count_outside(server.db_path, "roast_batches")


def test_a_blends_green_that_is_not_whole_grams_is_refused_with_the_field_marked(page, server):
    open_tab(page, "roasting")
    field(page, "product").locator("select").select_option(label="Full Moon · blend")
    expect(field(page, "green_g-ken-masai-aa")).to_be_visible()  # the per-bean boxes of the recipe
    typed(page, "roasted_g", "2500")
    before = batches(server)
    for bad in ("abc", "3000.7"):
        typed(page, "green_g", bad)
        save(page)
        expect(error_of(page, "green_g")).to_be_visible()
        expect(error_of(page, "green_g")).to_contain_text("must be a whole number")
        expect(field(page, "green_g")).to_have_class(re.compile("themoon-field--invalid"))
        expect(page.locator(".themoon-batch-status")).to_contain_text("nothing was saved")
        assert batches(server) == before, bad
    shot(page, "form-green-not-whole-grams")
    typed(page, "green_g", "3,000")  # fixed: the error goes without saving
    expect(error_of(page, "green_g")).to_be_hidden()
    expect(shown_errors(page)).to_have_count(0)
    save(page)
    expect(page.locator(".themoon-batch-status")).to_contain_text("Saved batch #")
    assert batches(server) == before + 1
    assert outside(server.db_path, LAST_BATCH) == [(2500, 3000)]


def test_per_bean_grams_that_do_not_add_up_to_green_are_refused(page, server):
    open_tab(page, "roasting")
    field(page, "product").locator("select").select_option(label="Full Moon · blend")
    typed(page, "green_g", "5000")
    typed(page, "roasted_g", "4170")
    expect(field(page, "green_g-ken-masai-aa").locator("input")).to_have_value("2000")  # split by parts
    for code, grams in (("ken-masai-aa", "2400"), ("gtm-antigua", "2400"), ("eth-momora", "600")):
        typed(page, f"green_g-{code}", grams)
    typed(page, "green_g-eth-sidamo-g4", "600")  # 6,000 g weighed per bean
    expect(page.locator(".themoon-preview")).to_contain_text("add up to 6,000 g")
    before = batches(server)
    save(page)
    expect(error_of(page, "green_g")).to_contain_text("add up to 6,000 g")
    expect(shown_errors(page)).to_have_count(1)
    assert batches(server) == before
    shot(page, "form-per-bean-mismatch")
    typed(page, "green_g-ken-masai-aa", "2000")
    typed(page, "green_g-gtm-antigua", "2000")
    typed(page, "green_g-eth-momora", "500")
    typed(page, "green_g-eth-sidamo-g4", "500")  # now they add up to 5,000 g
    expect(shown_errors(page)).to_have_count(0)
    save(page)
    expect(page.locator(".themoon-batch-status")).to_contain_text("Saved batch #")
    assert batches(server) == before + 1
    assert outside(server.db_path, LAST_BATCH) == [(4170, 5000)]


def test_every_bad_field_is_marked_at_once_and_each_goes_when_fixed(page, server):
    open_tab(page, "roasting")
    field(page, "product").locator("select").select_option(label="Yirgacheffe")
    typed(page, "green_g", "5000g")
    typed(page, "roasted_g", "eight hundred")
    typed(page, "minutes", "long")
    save(page)
    expect(shown_errors(page)).to_have_count(3)
    typed(page, "green_g", "5,000")
    expect(error_of(page, "green_g")).to_be_hidden()
    expect(shown_errors(page)).to_have_count(2)
    typed(page, "roasted_g", "4,170")
    typed(page, "minutes", "12.5")
    expect(shown_errors(page)).to_have_count(0)
    expect(page.locator(".themoon-batch-status")).to_be_hidden()


def test_a_korean_error_goes_when_the_green_weight_is_fixed(page, server):
    open_tab(page, "roasting")
    page.locator(".themoon-lang button", has_text="한국어").click()
    expect(page.locator(".themoon-nav-roasting")).to_have_text("로스팅")
    typed(page, "green_g", "4500")
    typed(page, "roasted_g", "4600")
    before = batches(server)
    page.locator(".themoon-save-batch").click()
    expect(error_of(page, "roasted_g")).to_contain_text("생두량(4,500 g)보다 적어야 합니다")
    shot(page, "form-korean-error")
    typed(page, "green_g", "5000")  # the fix is in the other field
    expect(error_of(page, "roasted_g")).to_be_hidden()
    expect(shown_errors(page)).to_have_count(0)
    assert batches(server) == before
    page.locator(".themoon-lang button", has_text="English").click()
    expect(page.locator(".themoon-nav-roasting")).to_have_text("Roasting")


def test_an_implausible_loss_asks_save_anyway_and_saves_only_after_the_answer(page, server):
    open_tab(page, "roasting")
    field(page, "product").locator("select").select_option(label="Yirgacheffe")
    typed(page, "green_g", "5000")
    typed(page, "roasted_g", "417")  # 417 typed for 4,170
    typed(page, "minutes", "")
    before = batches(server)
    save(page)
    confirm = page.locator(".themoon-confirm-batch")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("91.7%")
    expect(confirm).to_contain_text("Save anyway?")
    shot(page, "form-save-anyway")
    page.wait_for_timeout(1500)  # time enough for a save that should not happen
    assert batches(server) == before
    confirm.locator(".themoon-confirm-no").click()
    expect(confirm).to_be_hidden()
    assert batches(server) == before
    save(page)
    expect(confirm).to_be_visible()
    confirm.locator(".themoon-confirm-yes").click()
    expect(page.locator(".themoon-batch-status")).to_contain_text("Saved batch #")
    expect(confirm).to_be_hidden()
    assert batches(server) == before + 1
    assert outside(server.db_path, LAST_BATCH) == [(417, 5000)]


def test_the_preview_and_the_table_break_the_cost_down(page, server):
    open_tab(page, "roasting")
    field(page, "product").locator("select").select_option(label="Yirgacheffe")
    typed(page, "green_g", "1500")
    typed(page, "roasted_g", "1250")
    preview = page.locator(".themoon-preview")
    expect(preview).to_contain_text("Session share")
    expect(preview).to_contain_text("shared by all batches of that day")
    expect(page.locator(".themoon-batches-table tbody tr").first).to_contain_text("session share")
    expect(page.locator(".themoon-tab-roasting .themoon-table-note")).to_contain_text("split by green weight")


def test_abc_in_total_paid_is_refused_in_purchases(page, server):
    open_tab(page, "inventory")
    purchase = page.locator(".themoon-tab-inventory .themoon-purchase")
    purchase.locator(".themoon-field-bean select").select_option(label="Yirgacheffe · ETH-YIRGACHEFFE")
    purchase.locator(".themoon-field-grams input").fill("10kg")
    purchase.locator(".themoon-field-total_won input").fill("abc")
    before = count_outside(server.db_path, "purchases")
    page.locator(".themoon-save-purchase").click()
    total_error = purchase.locator(".themoon-field-total_won .themoon-field-error")
    expect(total_error).to_contain_text("must be a whole number")
    expect(purchase.locator(".themoon-field-grams .themoon-field-error")).to_be_visible()  # both at once
    assert count_outside(server.db_path, "purchases") == before
    shot(page, "form-purchase-abc")
    purchase.locator(".themoon-field-total_won input").fill("62,000")
    expect(total_error).to_be_hidden()
    purchase.locator(".themoon-field-grams input").fill("10,000")
    expect(purchase.locator(".themoon-field-error:visible")).to_have_count(0)
    page.locator(".themoon-save-purchase").click()
    expect(purchase.locator(".themoon-form-status")).to_contain_text("Purchase #")
    assert count_outside(server.db_path, "purchases") == before + 1
    assert outside(server.db_path, "SELECT grams, total_won FROM purchases ORDER BY id DESC LIMIT 1") == [
        (10000, 62000)
    ]

"""The Sales & profit tab and the Overview's sales cards without a browser (issue #13 point 9).

The numbers are the readers' (themoon/ui/reads.py): the engine's and the store's give the same
on the demo café (two months of roasts and sales before 2026-11-15). The tests drive the tab's
model (themoon/ui/tabs/sales/model.py); writes (the owner's attention threshold) are checked
from another process, each refusal with a save that does go through as its control.
"""

from __future__ import annotations

import html
import re
from fractions import Fraction

import pytest
from browser_support import DEMO_TODAY, OWNER, STAFF, VIEWER, signed_in
from outside import scalar

from themoon import db, kpis
from themoon import sales as store_sales
from themoon.costing import POPULARITY_SHARE
from themoon.ui import charts
from themoon.ui import format as fmt
from themoon.ui.context import Context
from themoon.ui.forms import is_hidden
from themoon.ui.reads import UNAVAILABLE, StoreReads
from themoon.ui.tabs.sales import SalesModel, SalesTab

THRESHOLD_SQL = "SELECT value FROM app_settings WHERE key = 'sales_unexplained_pct'"


def _no_engine(self, *args, **kwargs):
    raise RuntimeError("no DuckDB here")


def text(value: str) -> str:
    """An HTML widget's value as the text a person reads."""
    return html.unescape(re.sub(r"<[^>]+>", " ", value))


@pytest.fixture()
def readers(demo_path):
    ctx = Context(demo_path, today=DEMO_TODAY)
    yield ctx.reads, StoreReads(ctx.conn)
    ctx.close()


@pytest.mark.parametrize("period", kpis.PERIODS)
def test_both_readers_give_the_same_sales(readers, period):
    engine, store = readers
    assert engine.engine and not store.engine
    since, until = kpis.period_bounds(period, DEMO_TODAY)
    mine, theirs = engine.sales(since, until), store.sales(since, until)
    assert mine["items"] and mine["reconciliation"] and not mine["empty"]
    for key in ("summary", "items", "reconciliation", "threshold_pct", "empty"):
        assert mine[key] == theirs[key], key
    assert engine.sales_kpis(since, until) == store.sales_kpis(since, until)
    # the weekly series is the engine's only; every week of the engine's adds up to the period
    assert theirs["weekly"] is UNAVAILABLE
    assert sum(r["revenue_won"] for r in mine["weekly"]) == mine["summary"]["revenue_won"]
    assert sum(r["gross_profit_won"] for r in mine["weekly"]) == pytest.approx(
        mine["summary"]["gross_profit_won"], abs=len(mine["weekly"])
    )  # each week and channel rounds its own cost of goods to the won


def test_the_figures_agree_with_the_profit_command(readers, demo_path):
    """The tab's month is `themoon profit`'s month (the store's reference, sales.period_profit)."""
    engine, _ = readers
    since, until = kpis.period_bounds("month", DEMO_TODAY)
    data = engine.sales(since, until)
    conn = db.connect(demo_path, migrate=False)
    try:
        profit = store_sales.period_profit(conn, since, until)
    finally:
        conn.close()
    assert data["summary"]["revenue_won"] == profit["revenue_won"]
    assert data["summary"]["gross_profit_won"] == profit["gross_profit_won"]
    assert [(r["item"], r["gross_profit_won"], r["class"]) for r in data["items"]] == [
        (r["item"], r["gross_profit_won"], r["class"]) for r in profit["items"]
    ]
    ranked = [r["gross_profit_won"] for r in data["items"]]
    assert ranked == sorted(ranked, reverse=True)


def test_the_tab_shows_the_period_in_english_and_korean(demo_path):
    app = signed_in(demo_path, OWNER)
    tab = app.tab("sales")
    assert isinstance(tab, SalesTab) and tab.message.value == ""
    s = tab.model.data["summary"]
    cards = text(tab.kpis.value)
    assert fmt.won(s["revenue_won"]) in cards and fmt.won(s["gross_profit_won"]) in cards
    assert fmt.pct(s["roi_pct"]) in cards
    top = tab.model.items()[0]
    items = text(tab.items_table.value)
    assert top["name_en"] in items and fmt.won(top["gross_profit_won"]) in items
    assert items.count("₩") >= 3 * len(tab.model.items())  # revenue, COGS, gross profit per row
    recon = text(tab.recon_table.value)
    assert "Where the coffee went" in tab.recon_title.value and "Full Moon" in recon
    assert tab.model.channels()[0] == "cup" and "star" in tab.menu_advice.value
    for key in ("weekly", "menu"):
        charts.as_go(tab.figures[key])  # a valid plotly figure
        assert tab.figures[key]["data"], key
    app.set_language("ko")
    assert "순매출" in tab.kpis.value and "매출총이익" in tab.items_table.value
    assert top["name_ko"] in text(tab.items_table.value) and "풀문" in text(tab.recon_table.value)
    assert "스타" in text(tab.menu_advice.value) and "로스팅한 커피의 행방" in tab.recon_title.value
    names = [t["name"] for t in tab.figures["weekly"]["data"]]
    assert "음료 순매출" in names and "음료 매출총이익" in names


def test_money_shows_its_sign_before_the_currency():
    assert fmt.won(-134_627) == "−₩134,627" and fmt.won(134_627) == "₩134,627"
    assert fmt.signed_pct(-11.84) == "−11.8%" and fmt.signed_pct(3.25) == "+3.3%" and fmt.signed_pct(0) == "±0.0%"


def test_a_loss_making_item_shows_its_negative_profit_with_the_sign_first(demo_path):
    tab = signed_in(demo_path, OWNER).tab("sales")
    row = dict(tab.model.items()[0], revenue_won=1000, cogs_won=135_627, gross_profit_won=-134_627)
    cells = tab._item_row(row)
    assert "−₩134,627" in cells and not any("₩-" in c for c in cells)


def test_periods_and_channels_are_choices_from_a_list(demo_path):
    tab = signed_in(demo_path, OWNER).tab("sales")
    month = tab.model.data["summary"]["revenue_won"]
    tab.set_period("year")
    assert tab.model.period == "year" and tab.model.data["summary"]["revenue_won"] > month
    tab.set_period("'; DROP TABLE sales_daily; --")  # a value from the browser
    assert tab.model.period == "year"
    assert not tab.model.set_channel("nonsense") and tab.model.channel == "cup"
    assert tab.model.set_channel("bag")
    assert {p["channel"] for p in tab.model.menu_points()} == {"bag"}


def test_the_menu_chart_puts_each_class_in_its_quadrant(demo_path):
    model = signed_in(demo_path, OWNER).tab("sales").model
    for channel in model.channels():
        model.set_channel(channel)
        points = model.menu_points()
        qty_line, margin_line = model.menu_lines()
        assert qty_line == pytest.approx(float(POPULARITY_SHARE * Fraction(sum(p["qty"] for p in points), len(points))))
        for p in points:
            popular = p["qty"] >= qty_line
            high = p["contribution_margin_won"] >= round(margin_line)
            expected = {(True, True): "star", (True, False): "plowhorse", (False, True): "puzzle"}.get(
                (popular, high), "dog"
            )
            assert p["class"] == expected, (channel, p["item"], p["qty"], p["contribution_margin_won"])


def test_the_overview_compares_sales_with_the_period_before(demo_path):
    app = signed_in(demo_path, OWNER)
    overview = app.tab("overview")
    found = app.ctx.reads.sales_kpis(*kpis.period_bounds("month", DEMO_TODAY))
    assert found["current"]["revenue_won"] > 0 and found["previous"]["revenue_won"] > 0
    card = text(overview.cards["net_sales"])
    assert fmt.won(found["current"]["revenue_won"]) in card
    assert fmt.won(found["previous"]["revenue_won"]) in card and fmt.signed_pct(found["revenue_change_pct"]) in card
    assert fmt.won(found["current"]["gross_profit_won"]) in text(overview.cards["gross_profit"])
    fell = found["revenue_change_pct"] < 0
    assert overview.card_states["net_sales"] == ("warn" if fell else "good")
    app.set_language("ko")
    assert "순매출" in overview.cards["net_sales"] and "직전 기간" in overview.cards["net_sales"]


def test_without_sales_the_cards_say_so(demo_path):
    tab = signed_in(demo_path, OWNER, today=DEMO_TODAY.replace(year=2024)).tab("overview")
    assert "no sales in this period" in tab.cards["net_sales"]


def test_without_the_engine_the_tab_reads_the_store_and_says_what_is_missing(demo_path, monkeypatch):
    monkeypatch.setattr("themoon.analytics.Analytics.__init__", _no_engine)
    app = signed_in(demo_path, OWNER)
    assert not app.ctx.reads.engine
    tab = app.tab("sales")
    assert tab.message.value == "" and tab.model.items()
    assert "analytics engine" in tab.weekly_head.value and "analytics engine" not in tab.menu_head.value
    assert "net_sales" in app.tab("overview").cards


def test_staff_and_viewers_read_the_tab_but_only_the_owner_sets_the_threshold(demo_path):
    for who in (STAFF, VIEWER):
        app = signed_in(demo_path, who)
        assert app.allowed("sales") and not is_hidden(app.nav_buttons["sales"])
        tab = app.tab("sales")
        assert tab.model.items() and is_hidden(tab.threshold_box) and not tab.model.can_set_threshold
        result = tab.model.set_threshold("5")
        assert not result.ok and result.said.key == "err.denied"
        assert scalar(demo_path, THRESHOLD_SQL) is None  # nothing saved, as another process sees it
    owner = signed_in(demo_path, OWNER).tab("sales")  # the control: the owner's save is seen
    assert not is_hidden(owner.threshold_box)
    assert owner.model.set_threshold("5").ok
    assert scalar(demo_path, THRESHOLD_SQL) == "5"


def test_the_owner_sets_the_threshold_and_the_flags_follow(demo_path):
    app = signed_in(demo_path, OWNER)
    tab = app.tab("sales")
    flagged = len(tab.model.attention())
    assert tab.model.data["threshold_pct"] == 15.0
    tab.threshold.value = "abc"
    tab.save_threshold()
    assert tab.threshold.has_error and scalar(demo_path, THRESHOLD_SQL) is None
    tab.threshold.value = "101"
    tab.save_threshold()
    assert tab.threshold.has_error and scalar(demo_path, THRESHOLD_SQL) is None
    tab.threshold.value = "4.5"
    tab.save_threshold()
    assert scalar(demo_path, THRESHOLD_SQL) == "4.5"
    assert "Threshold saved: 4.5%." in tab.threshold_form.status.value
    assert tab.model.data["threshold_pct"] == 4.5 and len(tab.model.attention()) > flagged
    assert "over 4.5%" in text(tab.recon_table.value)
    assert all(r["unexplained_pct"] > 4.5 for r in tab.model.attention())


def test_a_sales_change_elsewhere_reaches_the_tab(demo_path):
    app = signed_in(demo_path, OWNER)
    tab = app.tab("sales")
    app.tab("overview")  # the tab is hidden now: it reads again when shown
    since, until = tab.model.bounds()
    before = tab.model.data["summary"]["revenue_won"]
    conn = app.ctx.conn()
    item = conn.execute("SELECT id FROM menu_items WHERE code = 'CUP-COLD-BREW'").fetchone()[0]
    store_sales.replace_days(conn, "test", [store_sales.SaleRow(until, item, 10, 50_000, 0, 50_000)])
    app.ctx.changed("sales")
    app.open_tab("sales")
    assert tab.model.data["summary"]["revenue_won"] == before + 50_000


def test_an_unknown_period_is_refused_by_the_model():
    with pytest.raises(ValueError):
        SalesModel(Context(":memory:", today=DEMO_TODAY), period="decade")

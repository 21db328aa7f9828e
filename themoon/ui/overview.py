"""The overview page: header, language and period selectors, KPI cards, two charts, low stock.

`Overview(db_path)` builds the widgets and reads the figures (`kpis.dashboard`); `.widget`
is what the notebook displays. Everything a test needs is an attribute: `.cards[key]`
(ipywidgets.HTML), `.figures[key]` (the last plotly figures), `.lang_toggle`,
`.period_toggle`, `.message`, `.data`. Every part carries a `themoon-*` CSS class, the
hooks of the template's stylesheet and of the browser tests.

A view never writes SQL: it reads through `themoon.kpis` and shows what comes back. A
missing, empty, outdated or unreadable database becomes a friendly message, never a traceback.
"""

from __future__ import annotations

import html
import importlib
import logging
import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from .. import catalog, db, kpis
from . import charts
from . import format as fmt
from .i18n import CAFE_NAME, LANGUAGES, normalize, t

log = logging.getLogger("themoon.ui")

KPI_KEYS = ("roasted", "batches", "loss", "stock_value", "low_stock", "alerts")
CHART_KEYS = ("weekly", "stock")
_STATES = ("themoon-kpi--good", "themoon-kpi--warn", "themoon-kpi--bad")


def demo_check() -> Callable[[sqlite3.Connection], bool] | None:
    """`themoon.demo.is_demo` when that module exists (it may land later), else None."""
    try:
        module = importlib.import_module("themoon.demo")
    except ImportError:
        return None
    check = getattr(module, "is_demo", None)
    return check if callable(check) else None


def _card(key: str) -> widgets.HTML:
    card = widgets.HTML()
    card.add_class("themoon-kpi")
    card.add_class(f"themoon-kpi-{key}")
    return card


def _card_html(label: str, value: str, sub: str) -> str:
    return (
        f'<div class="themoon-kpi-label">{html.escape(label)}</div>'
        f'<div class="themoon-kpi-value">{html.escape(value)}</div>'
        f'<div class="themoon-kpi-sub">{html.escape(sub)}</div>'
    )


class Overview:
    """The dashboard's first page over one SQLite database."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        lang: str = "en",
        period: str = "month",
        today: date | None = None,
    ) -> None:
        if period not in kpis.PERIODS:
            raise ValueError(f"unknown period {period!r}")
        self.db_path = Path(db_path)
        self.lang = normalize(lang)
        self.period = period
        self._today = today
        self._relabeling = False
        self.state = "ok"  # ok | empty | missing | upgrade | error
        self.state_detail: dict[str, Any] = {}
        self.data: dict[str, Any] | None = None
        self.is_demo = False
        self.product_order: list[str] = []
        self.figures: dict[str, Any] = {}
        self.updated_at: datetime | None = None
        self._build()
        self.refresh()

    # --- widgets --------------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = widgets.HTML(
            f'<div class="themoon-title">{html.escape(CAFE_NAME)}</div><div class="themoon-subtitle"></div>'
        )
        self.title.add_class("themoon-brand")
        self.period_toggle = widgets.ToggleButtons(options=self._period_options(), value=self.period)
        self.period_toggle.add_class("themoon-period")
        self.period_toggle.observe(self._on_period, names="value")
        self.lang_toggle = widgets.ToggleButtons(options=list(LANGUAGES), value=self.lang)
        self.lang_toggle.add_class("themoon-lang")
        self.lang_toggle.observe(self._on_lang, names="value")
        self.refresh_button = widgets.Button()
        self.refresh_button.add_class("themoon-refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        controls = widgets.HBox([self.period_toggle, self.lang_toggle, self.refresh_button])
        controls.add_class("themoon-controls")
        header = widgets.HBox([self.title, controls])
        header.add_class("themoon-header")

        self.demo_banner = widgets.HTML()
        self.demo_banner.add_class("themoon-demo-banner")
        self.message = widgets.HTML()
        self.message.add_class("themoon-message")

        self.cards = {key: _card(key) for key in KPI_KEYS}
        kpi_grid = widgets.Box(list(self.cards.values()))
        kpi_grid.add_class("themoon-kpis")

        self.chart_titles = {key: widgets.HTML() for key in CHART_KEYS}
        self.chart_outputs = {key: widgets.Output() for key in CHART_KEYS}
        self.chart_notes = {key: widgets.HTML() for key in CHART_KEYS}
        self.chart_cards = {}
        for key in CHART_KEYS:
            self.chart_titles[key].add_class("themoon-card-title")
            self.chart_notes[key].add_class("themoon-chart-note")
            self.chart_outputs[key].add_class("themoon-chart-plot")
            card = widgets.VBox([self.chart_titles[key], self.chart_notes[key], self.chart_outputs[key]])
            card.add_class("themoon-card")
            card.add_class("themoon-chart")
            card.add_class(f"themoon-chart-{key}")
            self.chart_cards[key] = card
        chart_grid = widgets.Box(list(self.chart_cards.values()))
        chart_grid.add_class("themoon-charts")

        self.low_stock = widgets.HTML()
        self.low_stock.add_class("themoon-card")
        self.low_stock.add_class("themoon-lowstock")

        self.footer = widgets.HTML()
        self.footer.add_class("themoon-footer")

        self.body = widgets.VBox([kpi_grid, chart_grid, self.low_stock])
        self.body.add_class("themoon-body")
        self.widget = widgets.VBox([header, self.demo_banner, self.message, self.body, self.footer])
        self.widget.add_class("themoon-app")
        self.widget.add_class("themoon-overview")

    def _period_options(self) -> list[tuple[str, str]]:
        return [(t(f"period.{p}", self.lang), p) for p in kpis.PERIODS]

    # --- events ---------------------------------------------------------------------------------

    def _on_period(self, change: dict) -> None:
        if not self._relabeling:
            self.set_period(change["new"])

    def _on_lang(self, change: dict) -> None:
        if not self._relabeling:
            self.set_language(change["new"])

    def set_period(self, period: str) -> None:
        if period not in kpis.PERIODS:  # a value from the browser: never trust it
            log.warning("ignored unknown period %r", period)
            return
        self.period = period
        if self.period_toggle.value != period:
            self.period_toggle.value = period
        self.refresh()

    def set_language(self, lang: str) -> None:
        """Relabel everything at once, from the data already read (no database round trip)."""
        self.lang = normalize(lang)
        if self.lang_toggle.value != self.lang:
            self._relabeling = True
            try:
                self.lang_toggle.value = self.lang
            finally:
                self._relabeling = False
        self.render()

    # --- data -----------------------------------------------------------------------------------

    def today(self) -> date:
        return self._today or date.today()

    def bounds(self) -> tuple[date, date]:
        return kpis.period_bounds(self.period, self.today())

    def refresh(self) -> None:
        """Read the figures of the chosen period again and show them."""
        self.load()
        self.render()

    def load(self) -> None:
        self.data, self.is_demo, self.state_detail = None, False, {}
        if not self.db_path.is_file():
            self.state = "missing"
            return
        conn = None
        try:
            conn = db.connect(self.db_path, migrate=False)
            have, want = db.current_version(conn), db.schema_version()
            if have != want:
                self.state, self.state_detail = "upgrade", {"have": have, "want": want}
                return
            since, until = self.bounds()
            self.data = kpis.dashboard(conn, since, until)
            self.product_order = [p.code for p in catalog.list_products(conn, active=None)]
            check = demo_check()
            if check is not None:
                try:
                    self.is_demo = bool(check(conn))
                except Exception:  # a broken demo check must not take the dashboard down
                    log.exception("themoon.demo.is_demo failed")
            self.state = "empty" if self.data["empty"] else "ok"
        except Exception as error:
            log.exception("dashboard could not read %s", self.db_path)
            self.state = "error"
            self.state_detail = {"error": type(error).__name__}
        finally:
            if conn is not None:
                conn.close()
            self.updated_at = datetime.now()

    # --- rendering ------------------------------------------------------------------------------

    def render(self) -> None:
        lang = self.lang
        self._relabel_controls()
        self.title.value = (
            f'<div class="themoon-title">{html.escape(CAFE_NAME)}</div>'
            f'<div class="themoon-subtitle">{html.escape(t("subtitle", lang))}</div>'
        )
        self.refresh_button.description = t("refresh", lang)
        self.refresh_button.tooltip = t("refresh", lang)
        self._show(self.demo_banner, self.is_demo)
        self.demo_banner.value = f"<span>{html.escape(t('demo', lang))}</span>" if self.is_demo else ""

        message = self._message_html()
        self.message.value = message
        self._show(self.message, bool(message))
        self._show(self.body, self.state == "ok")
        since, until = self.bounds()
        stamp = self.updated_at.strftime("%H:%M") if self.updated_at else ""
        self.footer.value = html.escape(t("footer", lang, since=since.isoformat(), until=until.isoformat(), time=stamp))
        if self.state != "ok" or self.data is None:
            self.figures = {}
            for out in self.chart_outputs.values():
                out.outputs = ()
            return
        self._render_cards(self.data["overview"])
        self._render_charts()
        self._render_low_stock(self.data["low_stock"])

    def _relabel_controls(self) -> None:
        self._relabeling = True
        try:
            self.period_toggle.options = self._period_options()
            self.period_toggle.value = self.period
        finally:
            self._relabeling = False

    @staticmethod
    def _show(widget: widgets.Widget, visible: bool) -> None:
        widget.layout.display = None if visible else "none"

    def _message_html(self) -> str:
        path = html.escape(str(self.db_path))
        if self.state == "missing":
            text = t("msg.missing", self.lang, path=path)
        elif self.state == "upgrade":
            text = t("msg.upgrade", self.lang, path=path, **self.state_detail)
        elif self.state == "error":
            text = t("msg.error", self.lang, error=html.escape(self.state_detail.get("error", "")))
        elif self.state == "empty":
            text = t("msg.empty", self.lang)
        else:
            return ""
        return f'<div class="themoon-message-{self.state}">{text}</div>'

    def _set_card(self, key: str, value: str, sub: str, state: str | None = None) -> None:
        card = self.cards[key]
        card.value = _card_html(t(f"kpi.{key}", self.lang), value, sub)
        for name in _STATES:
            card.remove_class(name)
        if state:
            card.add_class(f"themoon-kpi--{state}")

    def _render_cards(self, o: dict[str, Any]) -> None:
        lang = self.lang
        if o["batches"]:
            roasted_sub = t("kpi.roasted.sub", lang, cost=fmt.won(o["avg_cost_per_roasted_kg_won"]))
        else:
            roasted_sub = t("kpi.roasted.none", lang)
        self._set_card("roasted", fmt.kg(o["roasted_kg"]), roasted_sub)
        self._set_card(
            "batches", fmt.count(o["batches"]), t("kpi.batches.sub", lang, cost=fmt.won(o["roast_cost_won"]))
        )
        expected = fmt.pct(o["expected_loss_pct"])
        if o["avg_loss_pct"] is None:
            self._set_card("loss", fmt.DASH, t("kpi.loss.none", lang, expected=expected))
        else:
            variance = o["loss_variance_pts"]
            state = "bad" if abs(variance) > 5 else "warn" if abs(variance) > 3 else "good"
            sub = t("kpi.loss.sub", lang, expected=expected, variance=fmt.points(variance, lang))
            self._set_card("loss", fmt.pct(o["avg_loss_pct"]), sub, state)
        self._set_card(
            "stock_value",
            fmt.won(o["stock_value_won"]),
            t("kpi.stock_value.sub", lang, kg=fmt.grams_as_kg(o["stock_g"]), beans=o["beans_in_stock"]),
        )
        self._set_card(
            "low_stock",
            fmt.count(o["low_stock_count"]),
            t("kpi.low_stock.sub", lang),
            "warn" if o["low_stock_count"] else "good",
        )
        alerts_state = "bad" if o["open_critical_alerts"] else "warn" if o["open_alerts"] else "good"
        self._set_card(
            "alerts",
            fmt.count(o["open_alerts"]),
            t("kpi.alerts.sub", lang, critical=o["open_critical_alerts"]),
            alerts_state,
        )

    def _render_charts(self) -> None:
        lang, data = self.lang, self.data
        since, until = self.bounds()
        self.chart_titles["weekly"].value = html.escape(t("chart.weekly", lang))
        self.chart_titles["stock"].value = html.escape(t("chart.stock", lang))
        self.figures = {
            "weekly": charts.weekly_figure(data["weekly"], since, until, lang, self.product_order),
            "stock": charts.stock_figure(data["stock"], lang),
        }
        notes = {
            "weekly": "" if data["weekly"] else t("chart.weekly.none", lang),
            "stock": "" if data["stock"] else t("chart.stock.none", lang),
        }
        for key in CHART_KEYS:
            self.chart_notes[key].value = html.escape(notes[key])
            self._show(self.chart_notes[key], bool(notes[key]))
            self.chart_outputs[key].outputs = charts.output_of(self.figures[key])

    def _render_low_stock(self, rows: list[dict]) -> None:
        lang = self.lang
        title = f'<div class="themoon-card-title">{html.escape(t("low.title", lang))}</div>'
        if not rows:
            self.low_stock.value = title + f'<div class="themoon-empty-note">{html.escape(t("low.none", lang))}</div>'
            return
        head = "".join(
            f"<th>{html.escape(t(k, lang))}</th>" for k in ("low.bean", "low.stock", "low.reorder", "low.short")
        )
        body = "".join(
            "<tr>"
            f"<td>{charts.product_name(r, lang)} <span class='themoon-code'>{html.escape(r['bean'])}</span></td>"
            f"<td class='num'>{fmt.grams_as_kg(r['stock_g'])}</td>"
            f"<td class='num'>{fmt.grams_as_kg(r['reorder_point_g'])}</td>"
            f"<td class='num themoon-short'>{fmt.grams_as_kg(r['short_g'])}</td>"
            "</tr>"
            for r in rows
        )
        self.low_stock.value = (
            f'{title}<table class="themoon-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )

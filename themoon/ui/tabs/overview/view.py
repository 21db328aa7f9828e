"""Overview tab: KPI cards for a chosen period, four charts (roasted kg per week by product, cost
per roasted kg by product, loss distribution per product, stock against reorder points with
run-out dates) and the list of what needs attention (loss anomalies, low stock, low margins).

Every number comes from `kpis.overview_data` over `themoon.analytics.Analytics` (DuckDB over the
store, fast at a million batches); this module only formats and draws. What does not depend on
the filters (stock, run-out, margins, open alerts) is read once per data change, and a chart is
sent to the browser again only when its figure changed.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

import ipywidgets as widgets

from .. import kpis
from . import charts
from . import format as fmt
from .base import Tab, local_name, product_options, set_options
from .forms import Column, badge, classes, esc, hide, table_html

KPI_KEYS = ("roasted", "batches", "loss", "cost_kg", "stock_value", "low_stock", "alerts", "cup_margin")
CHART_KEYS = ("weekly", "cost", "loss", "stock")
ATTENTION_LIMIT = 8
ATTENTION_COLUMNS = (Column("col.kind"), Column("col.what"), Column("col.detail"))


def _card_html(key: str, label: str, value: str, sub: str, state: str | None) -> str:
    """One KPI card (all eight live in one HTML widget: fewer widget models for the page to load)."""
    klass = f"themoon-kpi themoon-kpi-{key}" + (f" themoon-kpi--{state}" if state else "")
    return (
        f'<div class="{klass}">'
        f'<div class="themoon-kpi-label">{esc(label)}</div>'
        f'<div class="themoon-kpi-value">{esc(value)}</div>'
        f'<div class="themoon-kpi-sub">{esc(sub)}</div></div>'
    )


class OverviewTab(Tab):
    key = "overview"
    watches = frozenset({"batches", "stock", "catalog", "settings", "menu"})

    def __init__(self, ctx, *, period: str = "month") -> None:
        super().__init__(ctx)
        if period not in kpis.PERIODS:
            raise ValueError(f"unknown period {period!r}")
        self.period = period
        self.product = ""
        self.data: dict[str, Any] | None = None
        self.figures: dict[str, Any] = {}
        self.cache = kpis.OverviewCache()
        self.updated_at: datetime | None = None
        self.timings: dict[str, float] = {}
        self._build()
        self.refresh()

    # --- widgets ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.period_toggle = classes(
            widgets.ToggleButtons(options=self._period_options(), value=self.period), "themoon-period"
        )
        self.on_change(self.period_toggle, lambda: self.set_period(self.period_toggle.value), "period")
        self.product_filter = classes(widgets.Dropdown(options=[("", "")], value=""), "themoon-product-filter")
        self.on_change(self.product_filter, lambda: self.set_product(self.product_filter.value), "product")
        self.refresh_button = classes(widgets.Button(), "themoon-btn", "themoon-btn--secondary", "themoon-refresh")
        self.on_click(self.refresh_button, self.refresh, "refresh")
        self.range_label = classes(widgets.HTML(), "themoon-range")
        toolbar = classes(
            widgets.Box([self.period_toggle, self.product_filter, self.range_label, self.refresh_button]),
            "themoon-toolbar",
        )
        self.cards: dict[str, str] = {}  # key → the card's HTML
        self.card_states: dict[str, str | None] = {}
        self.kpis = classes(widgets.HTML(), "themoon-kpis")
        self.chart_titles = {key: classes(widgets.HTML(), "themoon-chart-head") for key in CHART_KEYS}
        self.chart_outputs = {key: charts.chart_widget() for key in CHART_KEYS}
        self.chart_cards = {
            key: classes(
                widgets.VBox([self.chart_titles[key], self.chart_outputs[key]]),
                "themoon-card",
                "themoon-chart",
                f"themoon-chart-{key}",
            )
            for key in CHART_KEYS
        }
        chart_grid = classes(widgets.Box(list(self.chart_cards.values())), "themoon-charts")
        self.attention = classes(widgets.HTML(), "themoon-card", "themoon-attention")
        self.footer = classes(widgets.HTML(), "themoon-footer")
        self.body = classes(widgets.VBox([self.kpis, chart_grid, self.attention]), "themoon-body")
        self.finish([toolbar, self.body, self.footer])

    def _period_options(self) -> list[tuple[str, str]]:
        return [(self.tr(f"period.{p}"), p) for p in kpis.PERIODS]

    # --- filters ---------------------------------------------------------------------------------

    def set_period(self, period: str) -> None:
        if period not in kpis.PERIODS:  # a value from the browser: never trust it
            return
        self.period = period
        if self.period_toggle.value != period:
            self.quietly(lambda: setattr(self.period_toggle, "value", period))
        self.refresh()

    def set_product(self, product: str) -> None:
        known = {value for _, value in self.product_filter.options}
        if product not in known:
            return
        self.product = product
        self.refresh()

    def bounds(self) -> tuple[date, date]:
        return kpis.period_bounds(self.period, self.ctx.today())

    # --- data --------------------------------------------------------------------------------------

    def refresh(self) -> None:
        started = time.perf_counter()
        super().refresh()
        self.timings["refresh"] = time.perf_counter() - started

    def load(self) -> None:
        started = time.perf_counter()
        analytics = self.ctx.analytics()
        if analytics is None:
            raise RuntimeError("the analytics engine could not start")
        since, until = self.bounds()
        self.data = kpis.overview_data(analytics, since, until, product=self.product or None, cache=self.cache)
        self.updated_at = datetime.now()
        self.timings["load"] = time.perf_counter() - started
        self.show_message("", "")

    # --- rendering -----------------------------------------------------------------------------------

    def render(self) -> None:
        started = time.perf_counter()
        lang = self.lang
        self.quietly(self._relabel_controls)
        self.refresh_button.description = self.tr("refresh")
        self.refresh_button.tooltip = self.tr("refresh")
        since, until = self.bounds()
        self.range_label.value = esc(f"{since.isoformat()} – {until.isoformat()}")
        stamp = self.updated_at.strftime("%H:%M") if self.updated_at else ""
        self.footer.value = esc(self.tr("footer", since=since.isoformat(), until=until.isoformat(), time=stamp))
        data = self.data
        if data is None:
            hide(self.body)
            return
        if data["empty"]:
            self.show_message("info", self.tr("msg.empty"))
            hide(self.body)
            return
        hide(self.body, False)
        self._render_cards(data["overview"])
        html = "".join(self.cards[key] for key in KPI_KEYS)
        if self.kpis.value != html:
            self.kpis.value = html
        self._render_charts(data, lang)
        self._render_attention(data)
        self.timings["render"] = time.perf_counter() - started

    def _relabel_controls(self) -> None:
        self.period_toggle.options = self._period_options()
        self.period_toggle.value = self.period
        if self.data is not None:
            options = [(self.tr("f.all_products"), "")] + [
                (label, key) for label, key in product_options(self.ctx.conn(), self.lang)
            ]
            set_options(self.product_filter, options, self.product)
            self.product = self.product_filter.value

    def _set_card(self, key: str, value: str, sub: str, state: str | None = None) -> None:
        self.cards[key] = _card_html(key, self.tr(f"kpi.{key}"), value, sub, state)
        self.card_states[key] = state

    def _render_cards(self, o: dict[str, Any]) -> None:
        lang = self.lang
        tr = self.tr
        if o["batches"]:
            roasted_sub = tr("kpi.roasted.sub", green=fmt.grams_as_kg(o["green_g"]))
        else:
            roasted_sub = tr("kpi.roasted.none")
        self._set_card("roasted", fmt.kg(o["roasted_kg"]), roasted_sub)
        self._set_card("batches", fmt.count(o["batches"]), tr("kpi.batches.sub", cost=fmt.won(o["roast_cost_won"])))
        expected = fmt.pct(o["expected_loss_pct"])
        if o["avg_loss_pct"] is None:
            self._set_card("loss", fmt.DASH, tr("kpi.loss.none", expected=expected))
        else:
            variance = o["loss_variance_pts"]
            state = "bad" if abs(variance) > 5 else "warn" if abs(variance) > 3 else "good"
            sub = tr("kpi.loss.sub", expected=expected, variance=fmt.points(variance, lang))
            self._set_card("loss", fmt.pct(o["avg_loss_pct"]), sub, state)
        self._set_card(
            "cost_kg",
            fmt.won(o["avg_cost_per_roasted_kg_won"]),
            tr("kpi.cost_kg.sub") if o["batches"] else tr("kpi.roasted.none"),
        )
        self._set_card(
            "stock_value",
            fmt.won(o["stock_value_won"]),
            tr("kpi.stock_value.sub", kg=fmt.grams_as_kg(o["stock_g"]), beans=o["beans_in_stock"]),
        )
        low = o["low_stock_count"]
        self._set_card("low_stock", fmt.count(low), tr("kpi.low_stock.sub"), "warn" if low else "good")
        alerts, critical = o["open_alerts"], o["open_critical_alerts"]
        state = "bad" if critical else "warn" if alerts else "good"
        self._set_card("alerts", fmt.count(alerts), tr("kpi.alerts.sub", critical=critical), state)
        margin, target = o["cup_margin_pct"], o["target_margin_pct"]
        if margin is None:
            self._set_card("cup_margin", fmt.DASH, tr("kpi.cup_margin.none"))
        else:
            state = "good" if margin >= target else "warn"
            sub = tr("kpi.cup_margin.sub", target=fmt.pct(target), n=o["low_margin_count"])
            self._set_card("cup_margin", fmt.pct(margin), sub, state)

    def _render_charts(self, data: dict[str, Any], lang: str) -> None:
        order = data["product_order"]
        since, until = data["since"], data["until"]
        self.figures = {
            "weekly": charts.weekly_figure(data["weekly"], since, until, lang, order),
            "cost": charts.cost_trend_figure(data["cost_trend"], data["cost_overall"], data["cost_grain"], lang, order),
            "loss": charts.loss_figure(data["loss"], data["overview"]["expected_loss_pct"], lang),
            "stock": charts.stock_figure(data["stock"], lang),
        }
        notes = {
            "weekly": "" if data["weekly"] else self.tr("chart.weekly.none"),
            "cost": "" if data["cost_trend"] else self.tr("chart.weekly.none"),
            "loss": "" if data["loss"] else self.tr("chart.weekly.none"),
            "stock": "" if data["stock"] else self.tr("chart.stock.none"),
        }
        for key in CHART_KEYS:
            head = f'<div class="themoon-card-title">{esc(self.tr(f"chart.{key}"))}</div>'
            if notes[key]:
                head += f'<div class="themoon-chart-note">{esc(notes[key])}</div>'
            if self.chart_titles[key].value != head:
                self.chart_titles[key].value = head
            self.set_chart(self.chart_outputs[key], self.figures[key])  # only if changed

    def _render_attention(self, data: dict[str, Any]) -> None:
        lang, tr = self.lang, self.tr
        rows: list[list[str]] = []
        for a in data["anomalies"][:ATTENTION_LIMIT]:
            kind = "bad" if a["level"] == "CRITICAL" else "warn"
            label = tr(f"alert.{a['level'].lower()}") + " " + tr(f"alert.{a['direction'].lower()}")
            rows.append(
                [
                    badge(label, kind),
                    esc(
                        tr(
                            "att.batch",
                            product=charts.product_name(a, lang),
                            id=a["batch_id"],
                            day=fmt.day(a["roasted_on"]),
                        )
                    ),
                    esc(
                        tr(
                            "att.loss",
                            loss=fmt.pct(a["loss_pct"]),
                            expected=fmt.pct(a["expected_loss_pct"]),
                            variance=fmt.points(a["variance_pct"], lang),
                        )
                    ),
                ]
            )
        for r in data["low_stock"][:ATTENTION_LIMIT]:
            detail = tr("att.stock", stock=fmt.grams_as_kg(r["stock_g"]), reorder=fmt.grams_as_kg(r["reorder_point_g"]))
            if r.get("runout_date"):
                detail += " · " + tr("att.runout", day=fmt.day(r["runout_date"]))
            rows.append([badge(tr("low.title"), "warn"), esc(charts.product_name(r, lang)), esc(detail)])
        for m in data["low_margins"][:ATTENTION_LIMIT]:
            name = local_name(m, lang)
            detail = tr(
                "att.margin",
                margin=fmt.pct(m["margin_pct"]),
                target=fmt.pct(data["target_margin_pct"]),
                price=fmt.won(m["price_won"]),
                suggested=fmt.won(m["suggested_price_won"]),
            )
            rows.append([badge(tr("att.low_margin"), "warn"), esc(name), esc(detail)])
        more = (
            max(len(data["anomalies"]) - ATTENTION_LIMIT, 0)
            + max(len(data["low_stock"]) - ATTENTION_LIMIT, 0)
            + max(len(data["low_margins"]) - ATTENTION_LIMIT, 0)
        )
        title = f'<div class="themoon-card-title">{esc(tr("att.title"))}</div>'
        table = table_html(ATTENTION_COLUMNS, rows, lang, empty=tr("att.none"), css="themoon-attention-table")
        tail = f'<div class="themoon-note">{esc(tr("att.more", n=more))}</div>' if more else ""
        value = title + table + tail
        if self.attention.value != value:
            self.attention.value = value

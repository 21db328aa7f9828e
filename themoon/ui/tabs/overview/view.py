"""Overview tab, the view: KPI cards for a chosen period, four charts (roasted kg per week by
product, cost per roasted kg by product, loss distribution per product, stock against reorder
points with run-out dates) and the list of what needs attention, bound to `OverviewModel`
(model.py). It only formats and draws; a chart is sent to the browser again only when its
figure changed.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as widgets

from ... import charts
from ... import format as fmt
from ...base import local_name, product_options, set_options
from ...forms import badge, classes, columns, esc, hide, table_html
from ...reads import available
from ..period import PeriodTab
from .model import CHART_DATA, CHART_KEYS, KPI_KEYS, SALES_CARDS, OverviewModel

ATTENTION_COLUMNS = columns("col.kind", "col.what", "col.detail")


def _card_html(key: str, label: str, value: str, sub: str, state: str | None) -> str:
    """One KPI card (all eight live in one HTML widget: fewer widget models for the page to load)."""
    klass = f"themoon-kpi themoon-kpi-{key}" + (f" themoon-kpi--{state}" if state else "")
    return (
        f'<div class="{klass}">'
        f'<div class="themoon-kpi-label">{esc(label)}</div>'
        f'<div class="themoon-kpi-value">{esc(value)}</div>'
        f'<div class="themoon-kpi-sub">{esc(sub)}</div></div>'
    )


class OverviewTab(PeriodTab):
    key = "overview"
    watches = frozenset({"batches", "stock", "catalog", "settings", "menu", "sales"})

    def __init__(self, ctx, *, period: str = "month") -> None:
        super().__init__(ctx)
        self.model = OverviewModel(ctx, period=period)
        self.figures: dict[str, Any] = {}
        self._build()
        self.refresh()

    # --- what other code reads of the tab ------------------------------------------------------------

    @property
    def data(self) -> dict[str, Any] | None:
        return self.model.data

    @property
    def timings(self) -> dict[str, float]:
        return self.model.timings

    def bounds(self):
        return self.model.bounds()

    # --- widgets ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.cards: dict[str, str] = {}  # key → the card's HTML (all eight in one HTML widget)
        self.card_states: dict[str, str | None] = {}
        self.kpis = classes(widgets.HTML(), "themoon-kpis")
        self.attention = classes(widgets.HTML(), "themoon-card", "themoon-attention")
        self.footer = classes(widgets.HTML(), "themoon-footer")
        self.body = classes(widgets.VBox([self.kpis, self._build_charts(), self.attention]), "themoon-body")
        self.finish([self._build_toolbar(), self.body, self.footer])

    def _build_toolbar(self) -> widgets.Widget:
        self.period_toggle = classes(
            widgets.ToggleButtons(options=self._period_options(), value=self.model.period), "themoon-period"
        )
        self.on_change(self.period_toggle, lambda: self.set_period(self.period_toggle.value), "period")
        self.product_filter = classes(widgets.Dropdown(options=[("", "")], value=""), "themoon-product-filter")
        self.on_change(self.product_filter, lambda: self.set_product(self.product_filter.value), "product")
        self.refresh_button = classes(widgets.Button(), "themoon-btn", "themoon-btn--secondary", "themoon-refresh")
        self.on_click(self.refresh_button, self.refresh, "refresh")
        self.range_label = classes(widgets.HTML(), "themoon-range")
        return classes(
            widgets.Box([self.period_toggle, self.product_filter, self.range_label, self.refresh_button]),
            "themoon-toolbar",
        )

    def _build_charts(self) -> widgets.Widget:
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
        return classes(widgets.Box(list(self.chart_cards.values())), "themoon-charts")

    # --- filters ---------------------------------------------------------------------------------

    def set_product(self, product: str) -> None:
        if self.model.set_product(product):
            self.refresh()

    @property
    def period(self) -> str:
        return self.model.period

    @property
    def product(self) -> str:
        return self.model.product

    # --- data --------------------------------------------------------------------------------------

    def refresh(self) -> None:
        started = time.perf_counter()
        super().refresh()
        self.model.timings["refresh"] = time.perf_counter() - started

    def load(self) -> None:
        self.model.load()
        self.show_message("", "")

    # --- rendering -----------------------------------------------------------------------------------

    def render(self) -> None:
        started = time.perf_counter()
        self.quietly(self._relabel_controls)
        self.refresh_button.description = self.tr("refresh")
        self.refresh_button.tooltip = self.tr("refresh")
        since, until = self.bounds()
        self.range_label.value = esc(f"{since.isoformat()} – {until.isoformat()}")
        updated = self.model.updated_at
        stamp = updated.strftime("%H:%M") if updated else ""
        self.footer.value = esc(self.tr("footer", since=since.isoformat(), until=until.isoformat(), time=stamp))
        data = self.model.data
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
        self._render_charts(data, self.lang)
        self._render_attention(data)
        self.model.timings["render"] = time.perf_counter() - started

    def _relabel_controls(self) -> None:
        self.period_toggle.options = self._period_options()
        self.period_toggle.value = self.model.period
        if self.model.data is not None:
            options = [(self.tr("f.all_products"), "")] + [
                (label, key) for label, key in product_options(self.ctx.conn(), self.lang)
            ]
            set_options(self.product_filter, options, self.model.product)
            self.model.product = self.product_filter.value  # one of the options just offered

    def _set_card(self, key: str, value: str, sub: str) -> None:
        state = self.model.card_states().get(key)
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
            sub = tr("kpi.loss.sub", expected=expected, variance=fmt.points(o["loss_variance_pts"], lang))
            self._set_card("loss", fmt.pct(o["avg_loss_pct"]), sub)
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
        self._set_card("low_stock", fmt.count(o["low_stock_count"]), tr("kpi.low_stock.sub"))
        alerts, critical = o["open_alerts"], o["open_critical_alerts"]
        self._set_card("alerts", fmt.count(alerts), tr("kpi.alerts.sub", critical=critical))
        margin, target = o["cup_margin_pct"], o["target_margin_pct"]
        if margin is None:
            self._set_card("cup_margin", fmt.DASH, tr("kpi.cup_margin.none"))
        else:
            sub = tr("kpi.cup_margin.sub", target=fmt.pct(target), n=o["low_margin_count"])
            self._set_card("cup_margin", fmt.pct(margin), sub)
        self._render_sales_cards()

    def _render_sales_cards(self) -> None:
        """Net sales and gross profit of the period, each against the period before."""
        sales = self.model.sales or {}
        current, previous = sales.get("current") or {}, sales.get("previous") or {}
        for key, (figure, change) in SALES_CARDS.items():
            if not current.get("qty") and not current.get(figure):
                self._set_card(key, fmt.DASH, self.tr("kpi.sales.none"))
            elif sales.get(change) is None:
                self._set_card(key, fmt.won(current[figure]), self.tr("kpi.sales.no_before"))
            else:
                sub = self.tr("kpi.sales.sub", change=fmt.signed_pct(sales[change]), previous=fmt.won(previous[figure]))
                self._set_card(key, fmt.won(current[figure]), sub)

    def _figures(self, data: dict[str, Any], lang: str) -> dict[str, Any]:
        order = data["product_order"]
        cost_trend = list(data["cost_trend"])
        return {
            "weekly": charts.weekly_figure(data["weekly"], data["since"], data["until"], lang, order),
            "cost": charts.cost_trend_figure(cost_trend, list(data["cost_overall"]), data["cost_grain"], lang, order),
            "loss": charts.loss_figure(list(data["loss"]), data["overview"]["expected_loss_pct"], lang),
            "stock": charts.stock_figure(data["stock"], lang),
        }

    def _chart_note(self, key: str, data: dict[str, Any]) -> str:
        """Why a chart is empty (or lacks its run-out dates): no data, or no engine to compute it."""
        rows = data[CHART_DATA[key]]
        if not available(rows) or (key == "stock" and not available(data.get("runout"))):
            return self.unavailable_text()
        if rows:
            return ""
        return self.tr("chart.stock.none" if key == "stock" else "chart.weekly.none")

    def _render_charts(self, data: dict[str, Any], lang: str) -> None:
        self.figures = self._figures(data, lang)
        for key in CHART_KEYS:
            head = f'<div class="themoon-card-title">{esc(self.tr(f"chart.{key}"))}</div>'
            note = self._chart_note(key, data)
            if note:
                head += f'<div class="themoon-chart-note">{esc(note)}</div>'
            if self.chart_titles[key].value != head:
                self.chart_titles[key].value = head
            self.set_chart(self.chart_outputs[key], self.figures[key])  # only if changed

    def _anomaly_row(self, a: dict[str, Any]) -> list[str]:
        lang, tr = self.lang, self.tr
        label = tr(f"alert.{a['level'].lower()}") + " " + tr(f"alert.{a['direction'].lower()}")
        what = tr("att.batch", product=charts.product_name(a, lang), id=a["batch_id"], day=fmt.day(a["roasted_on"]))
        detail = tr(
            "att.loss",
            loss=fmt.pct(a["loss_pct"]),
            expected=fmt.pct(a["expected_loss_pct"]),
            variance=fmt.points(a["variance_pct"], lang),
        )
        return [badge(label, "bad" if a["level"] == "CRITICAL" else "warn"), esc(what), esc(detail)]

    def _low_stock_row(self, r: dict[str, Any]) -> list[str]:
        tr = self.tr
        detail = tr("att.stock", stock=fmt.grams_as_kg(r["stock_g"]), reorder=fmt.grams_as_kg(r["reorder_point_g"]))
        if r.get("runout_date"):
            detail += " · " + tr("att.runout", day=fmt.day(r["runout_date"]))
        return [badge(tr("low.title"), "warn"), esc(charts.product_name(r, self.lang)), esc(detail)]

    def _low_margin_row(self, m: dict[str, Any], target: float) -> list[str]:
        detail = self.tr(
            "att.margin",
            margin=fmt.pct(m["margin_pct"]),
            target=fmt.pct(target),
            price=fmt.won(m["price_won"]),
            suggested=fmt.won(m["suggested_price_won"]),
        )
        return [badge(self.tr("att.low_margin"), "warn"), esc(local_name(m, self.lang)), esc(detail)]

    def _render_attention(self, data: dict[str, Any]) -> None:
        lang, tr = self.lang, self.tr
        att = self.model.attention()
        rows = [self._anomaly_row(a) for a in att.anomalies]
        rows += [self._low_stock_row(r) for r in att.low_stock]
        rows += [self._low_margin_row(m, data["target_margin_pct"]) for m in att.low_margins]
        title = f'<div class="themoon-card-title">{esc(tr("att.title"))}</div>'
        table = table_html(ATTENTION_COLUMNS, rows, lang, empty=tr("att.none"), css="themoon-attention-table")
        tail = f'<div class="themoon-note">{esc(tr("att.more", n=att.more))}</div>' if att.more else ""
        if not available(data["anomalies"]):
            tail += f'<div class="themoon-note">{esc(self.unavailable_text())}</div>'
        value = title + table + tail
        if self.attention.value != value:
            self.attention.value = value

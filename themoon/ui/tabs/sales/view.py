"""Sales & profit tab, the view: the period's money in four cards, net sales and gross profit per
week by channel, the menu-engineering chart of one channel (with what to do about each class),
the items ranked by gross profit, and where the roasted coffee went — bound to `SalesModel`
(model.py). It only formats and draws; the owner's threshold form is shown to the owner only.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as widgets

from ... import charts
from ... import format as fmt
from ...base import local_name
from ...forms import Field, Form, badge, button, card, classes, columns, esc, hide, note, num, row, table_html, title
from ...reads import available
from ..period import PeriodTab
from .model import ITEM_LIMIT, SalesModel, threshold_text

ITEM_COLUMNS = columns(
    "sp.col.item",
    "sp.col.channel",
    num("sp.col.qty"),
    num("sp.col.revenue"),
    num("sp.col.cogs"),
    num("sp.col.gross_profit"),
    num("sp.col.margin"),
    num("sp.col.roi"),
    "sp.col.class",
)
RECON_COLUMNS = columns(
    "sp.col.product",
    num("sp.col.roasted"),
    num("sp.col.sold"),
    num("sp.col.unexplained"),
    num("sp.col.unexplained_pct"),
    num("sp.col.unexplained_won"),
    "sp.col.attention",
)
CARD_KEYS = ("revenue", "cogs", "gross_profit", "roi")
CLASS_BADGE = {"star": "ok", "plowhorse": "muted", "puzzle": "warn", "dog": "bad"}


def _card_html(key: str, label: str, value: str, sub: str) -> str:
    return (
        f'<div class="themoon-kpi themoon-kpi-sales-{key}">'
        f'<div class="themoon-kpi-label">{esc(label)}</div>'
        f'<div class="themoon-kpi-value">{esc(value)}</div>'
        f'<div class="themoon-kpi-sub">{esc(sub)}</div></div>'
    )


class SalesTab(PeriodTab):
    key = "sales"
    watches = frozenset({"sales", "batches", "catalog", "settings", "menu"})

    def __init__(self, ctx, *, period: str = "month") -> None:
        super().__init__(ctx)
        self.model = SalesModel(ctx, period=period)
        self.model.origin = self
        self.figures: dict[str, Any] = {}
        self._build()
        self.refresh()

    # --- widgets ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.intro = note("themoon-sales-intro")
        self.kpis = classes(widgets.HTML(), "themoon-kpis", "themoon-sales-kpis")
        charts_box = classes(widgets.Box([self._build_weekly(), self._build_menu()]), "themoon-charts")
        self.body = classes(
            widgets.VBox([self.kpis, charts_box, self._build_items(), self._build_recon()]), "themoon-body"
        )
        self.footer = classes(widgets.HTML(), "themoon-footer")
        self.finish([self._build_toolbar(), self.intro, self.body, self.footer])

    def _build_toolbar(self) -> widgets.Widget:
        self.period_toggle = classes(
            widgets.ToggleButtons(options=self._period_options(), value=self.model.period), "themoon-sales-period"
        )
        self.on_change(self.period_toggle, lambda: self.set_period(self.period_toggle.value), "period")
        self.refresh_button = classes(
            widgets.Button(), "themoon-btn", "themoon-btn--secondary", "themoon-sales-refresh"
        )
        self.on_click(self.refresh_button, self.refresh, "refresh")
        self.range_label = classes(widgets.HTML(), "themoon-range")
        return classes(widgets.Box([self.period_toggle, self.range_label, self.refresh_button]), "themoon-toolbar")

    def _chart_card(self, key: str, *middle: widgets.Widget) -> tuple[widgets.HTML, widgets.HTML, widgets.VBox]:
        head = classes(widgets.HTML(), "themoon-chart-head")
        plot = charts.chart_widget()
        box = classes(widgets.VBox([head, *middle, plot]), "themoon-card", "themoon-chart", f"themoon-chart-{key}")
        return head, plot, box

    def _build_weekly(self) -> widgets.Widget:
        self.weekly_head, self.weekly_plot, box = self._chart_card("sales-weekly")
        return box

    def _build_menu(self) -> widgets.Widget:
        self.channel_toggle = classes(widgets.ToggleButtons(options=[("", "")], value=""), "themoon-sales-channel")
        self.on_change(self.channel_toggle, lambda: self.set_channel(self.channel_toggle.value), "channel")
        self.menu_head, self.menu_plot, box = self._chart_card("sales-menu", self.channel_toggle)
        self.menu_advice = classes(widgets.HTML(), "themoon-sales-advice")
        box.children = [*box.children, self.menu_advice]
        return box

    def _build_items(self) -> widgets.Widget:
        self.items_title = title()
        self.items_table = classes(widgets.HTML(), "themoon-sales-items")
        return card([self.items_title, self.items_table], "themoon-sales-items-card")

    def _build_recon(self) -> widgets.Widget:
        self.recon_title = title()
        self.recon_note = note()
        self.recon_table = classes(widgets.HTML(), "themoon-sales-recon")
        self.threshold = Field("unexplained_pct", widgets.Text(continuous_update=False), "sp.threshold")
        self.threshold_form = Form([self.threshold])
        self.threshold_save = button("secondary", "themoon-sales-threshold-save")
        self.on_click(self.threshold_save, self.save_threshold, "threshold")
        self.threshold_box = classes(
            widgets.VBox(
                [row([self.threshold.box, self.threshold_save], "themoon-actions"), self.threshold_form.status]
            ),
            "themoon-owner-only",
            "themoon-sales-threshold",
        )
        hide(self.threshold_box, not self.model.can_set_threshold)
        return card(
            [self.recon_title, self.recon_note, self.recon_table, self.threshold_box], "themoon-sales-recon-card"
        )

    # --- choices ---------------------------------------------------------------------------------

    def set_channel(self, channel: str) -> None:
        if self.model.set_channel(channel):
            self.safe(self.render, "render")

    def save_threshold(self) -> None:
        result = self.model.set_threshold(self.threshold.value)
        if self.show_result(self.threshold_form, result):
            self.after_write(self.threshold_form, result.said.text(self.lang) if result.said else "")

    # --- data --------------------------------------------------------------------------------------

    def load(self) -> None:
        self.model.load()
        self.show_message("", "")
        threshold = (self.model.data or {}).get("threshold_pct")
        if threshold is not None:
            self.quietly(
                lambda: setattr(self.threshold.widget, "value", fmt.number(threshold, 2).rstrip("0").rstrip("."))
            )

    # --- rendering -----------------------------------------------------------------------------------

    def render(self) -> None:
        started = time.perf_counter()
        self.quietly(self._relabel_controls)
        since, until = self.model.bounds()
        self.range_label.value = esc(f"{since.isoformat()} – {until.isoformat()}")
        stamp = self.model.updated_at.strftime("%H:%M") if self.model.updated_at else ""
        self.footer.value = esc(self.tr("sp.footer", since=since.isoformat(), until=until.isoformat(), time=stamp))
        data = self.model.data
        if data is None:
            hide(self.body)
            return
        hide(self.body, False)
        if data["empty"]:
            self.show_message("info", self.tr("sp.empty"))
        self._render_cards(data["summary"])
        self._render_weekly(data)
        self._render_menu()
        self._render_items()
        self._render_recon(data)
        self.model.timings["render"] = time.perf_counter() - started

    def _relabel_controls(self) -> None:
        self.period_toggle.options = self._period_options()
        self.period_toggle.value = self.model.period
        self.refresh_button.description = self.tr("refresh")
        self.refresh_button.tooltip = self.tr("refresh")
        self.intro.value = esc(self.tr("sp.intro"))
        channels = self.model.channels()
        options = [(self.tr(f"channel.{c}"), c) for c in channels] or [("", "")]
        self.channel_toggle.options = options
        self.channel_toggle.value = self.model.channel if channels else ""
        hide(self.channel_toggle, len(channels) < 2)
        self.threshold_form.relabel(self.lang)
        self.threshold_save.description = self.tr("sp.threshold.save")

    def _render_cards(self, s: dict[str, Any]) -> None:
        tr = self.tr
        cards = {
            "revenue": (fmt.won(s["revenue_won"]), tr("sp.kpi.revenue.sub", qty=fmt.count(s["qty"]))),
            "cogs": (fmt.won(s["cogs_won"]), tr("sp.kpi.cogs.sub")),
            "gross_profit": (
                fmt.won(s["gross_profit_won"]),
                tr("sp.kpi.gross_profit.sub", margin=fmt.pct(s["margin_pct"])),
            ),
            "roi": (fmt.pct(s["roi_pct"]), tr("sp.kpi.roi.sub")),
        }
        html = "".join(_card_html(key, tr(f"sp.kpi.{key}"), *cards[key]) for key in CARD_KEYS)
        if self.kpis.value != html:
            self.kpis.value = html

    def _head(self, widget: widgets.HTML, heading: str, note_text: str = "") -> None:
        head = f'<div class="themoon-card-title">{esc(heading)}</div>'
        if note_text:
            head += f'<div class="themoon-chart-note">{esc(note_text)}</div>'
        if widget.value != head:
            widget.value = head

    def _render_weekly(self, data: dict[str, Any]) -> None:
        rows = data["weekly"]
        note_text = "" if available(rows) else self.unavailable_text()
        if available(rows) and not rows:
            note_text = self.tr("sp.empty")
        self._head(self.weekly_head, self.tr("sp.chart.weekly"), note_text)
        self.figures["weekly"] = charts.sales_weekly_figure(list(rows), data["since"], data["until"], self.lang)
        self.set_chart(self.weekly_plot, self.figures["weekly"])

    def _render_menu(self) -> None:
        points = self.model.menu_points()
        self._head(self.menu_head, self.tr("sp.chart.menu"), "" if points else self.tr("sp.chart.menu.none"))
        qty_line, margin_line = self.model.menu_lines()
        self.figures["menu"] = charts.menu_engineering_figure(points, qty_line, margin_line, self.lang)
        self.set_chart(self.menu_plot, self.figures["menu"])
        lines = "".join(
            f'<li class="themoon-sales-advice-{c}">{esc(self.tr(f"sales.class.{c}"))}</li>'
            for c in self.model.classes_shown()
        )
        advice = f'<ul class="themoon-sales-advice-list">{lines}</ul>' if lines else ""
        advice += f'<div class="themoon-note">{esc(self.tr("sp.chart.menu.note"))}</div>'
        if self.menu_advice.value != advice:
            self.menu_advice.value = advice

    def _item_row(self, r: dict[str, Any]) -> list[str]:
        klass = r["class"]
        label = badge(self.tr(f"sp.class.{klass}"), CLASS_BADGE[klass]) if klass else esc(fmt.DASH)
        return [
            esc(local_name(r, self.lang)),
            esc(self.tr(f"channel.{r['channel']}")),
            esc(fmt.count(r["qty"])),
            esc(fmt.won(r["revenue_won"])),
            esc(fmt.won(r["cogs_won"])),
            esc(fmt.won(r["gross_profit_won"])),
            esc(fmt.pct(r["margin_pct"])),
            esc(fmt.pct(r["roi_pct"])),
            label,
        ]

    def _render_items(self) -> None:
        items = self.model.items()
        self.items_title.value = esc(self.tr("sp.items"))
        html = table_html(
            ITEM_COLUMNS, [self._item_row(r) for r in items[:ITEM_LIMIT]], self.lang, empty=self.tr("sp.empty")
        )
        if len(items) > ITEM_LIMIT:
            html += f'<div class="themoon-note">{esc(self.tr("sp.items.more", n=len(items) - ITEM_LIMIT))}</div>'
        if self.items_table.value != html:
            self.items_table.value = html

    def _recon_row(self, r: dict[str, Any], threshold: str) -> list[str]:
        mark = badge(self.tr("sp.attention", threshold=threshold), "warn") if r["attention"] else ""
        return [
            esc(charts.product_name(r, self.lang)),
            esc(fmt.grams_as_kg(r["roasted_g"])),
            esc(fmt.grams_as_kg(r["sold_g"])),
            esc(fmt.grams_as_kg(r["unexplained_g"])),
            esc(fmt.pct(r["unexplained_pct"])),
            esc(fmt.won(r["unexplained_won"])),
            mark,
        ]

    def _render_recon(self, data: dict[str, Any]) -> None:
        threshold = threshold_text(data["threshold_pct"])
        self.recon_title.value = esc(self.tr("sp.recon"))
        self.recon_note.value = esc(self.tr("sp.recon.note", threshold=threshold))
        rows = [self._recon_row(r, threshold) for r in data["reconciliation"]]
        html = table_html(RECON_COLUMNS, rows, self.lang, empty=self.tr("sp.recon.none"))
        if self.recon_table.value != html:
            self.recon_table.value = html

"""Costs & prices tab, the view: the what-if inputs, the menu list with its what-if columns and
the product list, bound to `CostsModel` (model.py), which holds the numbers and the actions."""

from __future__ import annotations

from fractions import Fraction

import ipywidgets as widgets

from .... import kpis
from ....costing import unit_cost
from ... import charts
from ... import format as fmt
from ...base import Tab, local_name
from ...forms import (
    Field,
    Form,
    badge,
    button,
    card,
    classes,
    columns,
    esc,
    hide,
    note,
    num,
    row,
    table_html,
    text_input,
    title,
)
from ...results import Result
from .model import BAG_G, CHANNEL_FILTER, CUP_G, CostsModel

PRODUCT_COLUMNS = columns(
    "col.product",
    num("col.expected_loss"),
    num("col.green_kg"),
    num("col.processing_kg"),
    num("col.cost_kg"),
    num("col.per_bag"),
    num("col.per_cup"),
    num("col.suggested_kg"),
)
MENU_COLUMNS = columns(
    "col.item",
    "col.channel",
    "col.product",
    num("col.dose"),
    num("col.unit_cost"),
    num("col.suggested"),
    num("col.price"),
    num("col.margin"),
    num("col.whatif_cost"),
    num("col.whatif_margin"),
    num("col.change"),
    "col.status",
)


def whatif_figure(base: list[dict], changed: list[dict], lang: str, label) -> dict:
    """Average margin per channel, now and under the what-if (horizontal bars)."""
    channels = [c for c in ("cup", "bag", "wholesale") if any(r["channel"] == c for r in base)]
    return charts.grouped_hbar_figure(
        [label(f"channel.{c}") for c in channels],
        [
            (label("costs.now"), [kpis.average_margin(base, c) for c in channels], charts.BLUE_DARK),
            (label("costs.whatif"), [kpis.average_margin(changed, c) for c in channels], charts.ORANGE),
        ],
        x_title=label("costs.avg_margin_axis"),
        ticksuffix="%",
        left=110,
    )


class CostsTab(Tab):
    key = "costs"
    watches = frozenset({"batches", "stock", "catalog", "settings", "menu"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.model = CostsModel(ctx)
        self.figure: dict | None = None
        self._build()
        self.refresh()

    # --- building ----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.finish([self._build_whatif(), self._build_menu(), self._build_products()])

    def _build_whatif(self) -> widgets.Widget:
        self.w_title = title()
        self.w_note = note()
        self.w_green = Field(
            "green_price_change_pct",
            classes(widgets.IntSlider(value=0, min=-50, max=100, step=1, continuous_update=False), "themoon-slider"),
            "f.green_change",
        )
        self.w_loss = Field(
            "expected_loss_pct", text_input("%", continuous=False), "f.whatif_loss", hint_key="f.blank_own"
        )
        self.w_labour = Field("labour_won_per_hour", text_input("₩", continuous=False), "f.labour_won_per_hour")
        self.w_energy = Field("energy_won_per_session", text_input("₩", continuous=False), "f.energy_won_per_session")
        self.w_dose = Field(
            "dose_change_g",
            classes(widgets.IntSlider(value=0, min=-5, max=10, step=1, continuous_update=False), "themoon-slider"),
            "f.dose_change",
        )
        self.whatif_form = Form([self.w_green, self.w_loss, self.w_labour, self.w_energy, self.w_dose])
        for field in self.whatif_form.fields.values():
            self.on_change(field.widget, self.recompute, "whatif")
        self.w_reset = button("secondary", "themoon-whatif-reset")
        self.on_click(self.w_reset, self.reset, "whatif_reset")
        self.w_out = charts.chart_widget("themoon-whatif-chart")
        self.w_summary = classes(widgets.HTML(), "themoon-whatif-summary")
        inputs = [self.w_green.box, self.w_dose.box, self.w_loss.box, self.w_labour.box, self.w_energy.box]
        return card(
            [
                self.w_title,
                self.w_note,
                classes(widgets.Box(inputs), "themoon-whatif-inputs"),
                row([self.w_reset], "themoon-actions"),
                self.whatif_form.status,
                classes(widgets.Box([self.w_summary, self.w_out]), "themoon-whatif-results"),
            ],
            "themoon-whatif",
        )

    def _build_menu(self) -> widgets.Widget:
        self.menu_title = title()
        self.menu_note = note()
        self.channel = classes(
            widgets.ToggleButtons(options=[("", c) for c in CHANNEL_FILTER], value="all"),
            "themoon-mode",
            "themoon-channel",
        )
        self.on_change(self.channel, self._pick_channel, "channel")
        self.menu_table = classes(widgets.HTML(), "themoon-menu-table")
        return card(
            [
                classes(widgets.HBox([self.menu_title, self.channel]), "themoon-card-head"),
                self.menu_note,
                self.menu_table,
            ],
            "themoon-menu-costs",
        )

    def _build_products(self) -> widgets.Widget:
        self.products_title = title()
        self.products_note = note()
        self.products_table = classes(widgets.HTML(), "themoon-products-table")
        return card([self.products_title, self.products_note, self.products_table], "themoon-product-costs")

    # --- binding ------------------------------------------------------------------------------------

    def load(self) -> None:
        self.model.inputs = {name: f.value for name, f in self.whatif_form.fields.items()}
        self._show_whatif_outcome(self.model.load())

    def _show_whatif_outcome(self, result: Result) -> None:
        self.whatif_form.clear()
        self.show_result(self.whatif_form, result)

    def recompute(self) -> None:
        """A what-if input changed: recompute every margin (nothing is written)."""
        values = {name: f.value for name, f in self.whatif_form.fields.items()}
        self._show_whatif_outcome(self.model.set_inputs(**values))
        self._render_whatif()
        self._render_menu()

    def reset(self) -> None:
        def clear() -> None:
            self.w_green.value = 0
            self.w_dose.value = 0
            for field in (self.w_loss, self.w_labour, self.w_energy):
                field.value = ""

        self.quietly(clear)
        self.recompute()

    def _pick_channel(self) -> None:
        self.model.set_channel(self.channel.value)
        self._render_menu()

    # --- rendering ------------------------------------------------------------------------------------

    def render(self) -> None:
        lang = self.lang
        s = self.model.settings
        assert s is not None
        self.products_title.value = esc(self.tr("costs.products_title"))
        self.products_note.value = esc(
            self.tr(
                "costs.products_note",
                bag=BAG_G,
                cup=CUP_G,
                multiplier=fmt.number(Fraction(s.price_multiplier_pct, 100), 2),
            )
        )
        self.menu_title.value = esc(self.tr("costs.menu_title"))
        self.menu_note.value = esc(self.tr("costs.menu_note", target=fmt.pct(self.model.target)))
        self.quietly(
            lambda: setattr(self.channel, "options", [(self.tr(f"costs.channel.{c}"), c) for c in CHANNEL_FILTER])
        )
        self.w_title.value = esc(self.tr("costs.whatif_title"))
        self.w_note.value = esc(self.tr("costs.whatif_note"))
        self.w_reset.description = self.tr("btn.reset")
        self.whatif_form.relabel(lang)
        self.w_labour.widget.placeholder = fmt.won(s.labour_won_per_hour)
        self.w_energy.widget.placeholder = fmt.won(s.energy_won_per_session)
        self.w_loss.widget.placeholder = self.tr("f.own_loss")
        self._render_products()
        self._render_menu()
        self._render_whatif()

    def _render_products(self) -> None:
        lang = self.lang
        rows = []
        for r in self.model.products:
            per_kg = r["cost_per_kg"]
            kind = f" <span class='themoon-code'>{esc(self.tr('kind.blend'))}</span>" if r["kind"] == "blend" else ""
            rows.append(
                [
                    esc(local_name(r, lang)) + kind,
                    esc(fmt.pct(r["expected_loss_pct"])),
                    esc(fmt.won(r["green_per_kg_won"])),
                    esc(fmt.won(r["processing_per_kg_won"])),
                    f"<b>{esc(fmt.won(r['cost_per_kg_won']))}</b>",
                    esc(fmt.won(None if per_kg is None else unit_cost(per_kg, BAG_G))),
                    esc(fmt.won(None if per_kg is None else unit_cost(per_kg, CUP_G))),
                    esc(fmt.won(r["suggested_price_per_kg_won"])),
                ]
            )
        self.products_table.value = table_html(PRODUCT_COLUMNS, rows, lang, empty=self.tr("costs.no_products"))

    def _margin_badge(self, margin: float | None) -> str:
        state = self.model.margin_state(margin)
        if state == "none":
            return badge(self.tr("costs.no_price"), "muted")
        if state in ("bad", "low"):
            return badge(self.tr("costs.below_target"), "bad" if state == "bad" else "warn")
        return badge(self.tr("status.ok"), "ok")

    def _render_menu(self) -> None:
        lang = self.lang
        rows, row_classes = [], []
        for r, w in self.model.shown_menu():
            change = None
            if w is not None and w["margin_pct"] is not None and r["margin_pct"] is not None:
                change = round(w["margin_pct"] - r["margin_pct"], 1)
            cls = "themoon-up" if change and change > 0 else ("themoon-down" if change and change < 0 else "")
            shown_margin = w["margin_pct"] if w is not None else r["margin_pct"]
            rows.append(
                [
                    esc(local_name(r, lang)),
                    esc(self.tr(f"channel.{r['channel']}")),
                    f"<span class='themoon-code'>{esc(r['product'])}</span>",
                    esc(fmt.grams(r["dose_g"])),
                    esc(fmt.won(r["cost_won"])),
                    esc(fmt.won(r["suggested_price_won"])),
                    esc(fmt.won(r["price_won"])),
                    f"<b>{esc(fmt.pct(r['margin_pct']))}</b>",
                    esc(fmt.won(w["cost_won"]) if w else fmt.DASH),
                    f"<b>{esc(fmt.pct(w['margin_pct']) if w else fmt.DASH)}</b>",
                    f"<span class='{cls}'>{esc(fmt.points(change, lang))}</span>",
                    self._margin_badge(shown_margin),
                ]
            )
            low = self.model.margin_state(shown_margin) in ("bad", "low")
            row_classes.append("themoon-row--low" if low else "")
        self.menu_table.value = table_html(
            MENU_COLUMNS, rows, lang, empty=self.tr("costs.no_menu"), row_classes=row_classes
        )

    def _render_whatif(self) -> None:
        summary = self.model.summary()
        if summary is None:
            self.w_summary.value = ""
            self.set_output(self.w_out, ())
            self.figure = None
            return
        target = self.model.target
        stats = [(self.tr("costs.avg_cup"), *summary.avg_cup), (self.tr("costs.avg_bag"), *summary.avg_bag)]
        html = "".join(
            f"<div class='themoon-stat'><span class='themoon-stat-label'>{esc(label)}</span>"
            f"<span class='themoon-stat-value'>{esc(fmt.pct(now))} → {esc(fmt.pct(then))}</span></div>"
            for label, now, then in stats
            if now is not None
        )
        worse = "themoon-stat--warn" if summary.below > summary.below_now else ""
        html += (
            f"<div class='themoon-stat {worse}'>"
            f"<span class='themoon-stat-label'>{esc(self.tr('costs.below_count', target=fmt.pct(target)))}</span>"
            f"<span class='themoon-stat-value'>{summary.below_now} → {summary.below}</span></div>"
        )
        self.w_summary.value = html
        self.figure = whatif_figure(summary.base, summary.changed, self.lang, self.tr)
        self.set_chart(self.w_out, self.figure)
        hide(self.w_out, not summary.base)

"""Beans & blends tab: the catalogue with search and filters; add, edit, deactivate (owner); the
blend recipe editor in parts with the live ratio and standard cost per kg; a cost breakdown chart
per product.

The standard cost is `costs.product_cost` (the cost model of docs/costing.md); the recipe
editor's live figure and the breakdown's pieces use the same `themoon.costing` functions on the
recipe being typed, and the pieces add up exactly to the package's number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import ipywidgets as widgets

from .. import catalog, cost_settings, terms
from .. import price_list as costs
from ..costing import CostSettings, processing_per_roasted_kg, ratios, standard_cost_per_kg
from ..models import ValidationError, parse_int, parse_pct_bp
from . import charts
from . import format as fmt
from .base import Tab, bean_name, bean_options, product_options, set_options
from .forms import (
    Column,
    Field,
    Form,
    button,
    card,
    classes,
    esc,
    hide,
    note,
    row,
    table_html,
    text_input,
    title,
)
from .i18n import term

BEAN_COLUMNS = (
    Column("col.code"),
    Column("col.name"),
    Column("col.country"),
    Column("col.process"),
    Column("col.roast_level"),
    Column("col.reorder", num=True),
    Column("col.expected_loss", num=True),
    Column("col.status"),
)
BLEND_COLUMNS = (
    Column("col.code"),
    Column("col.name"),
    Column("col.recipe"),
    Column("col.expected_loss", num=True),
    Column("col.cost_kg", num=True),
    Column("col.status"),
)
STATUS = ("active", "inactive", "all")


@dataclass
class Piece:
    key: str  # 'green' | 'roasting' | 'labour' | 'energy' | 'misc'
    label_en: str
    label_ko: str
    won_per_kg: Fraction


def cost_breakdown(conn, product_ref: str, on: date, green: dict | None = None) -> dict[str, Any]:
    """The standard cost per roasted kg of a product in pieces: each bean's green cost grossed up
    for the expected loss, then roasting, labour, energy and misc per roasted kg. The pieces add
    up exactly to `costs.product_cost`'s cost (returned as `total`)."""
    product = catalog.get_product(conn, product_ref)
    settings = cost_settings.settings_on(conn, on)
    green = costs.green_costs_per_kg(conn, on) if green is None else green
    package = costs.product_cost(conn, product, settings, green, on)
    loss = costs.expected_loss(conn, product, settings, on)
    recipe = catalog.recipe(conn, product)
    names = {b["id"]: b for b in catalog.list_beans(conn)}
    pieces: list[Piece] = []
    if package["cost_per_kg"] is not None:
        shares = ratios([parts for _, parts in recipe])
        for (bean_id, _), share in zip(recipe, shares, strict=True):
            bean = names[bean_id]
            pieces.append(
                Piece(
                    "green",
                    bean["name_en"],
                    bean["name_ko"] or bean["name_en"],
                    share * green[bean_id] / (1 - loss / 100),
                )
            )
        planned_kg = Fraction(settings.planned_session_roasted_g, 1000)
        labour = Fraction(settings.labour_won_per_hour * settings.labour_minutes_per_session, 60)
        pieces += [
            Piece("roasting", "", "", Fraction(settings.roasting_won_per_kg)),
            Piece("labour", "", "", labour / planned_kg),
            Piece("energy", "", "", Fraction(settings.energy_won_per_session) / planned_kg),
            Piece("misc", "", "", Fraction(settings.misc_won_per_session) / planned_kg),
        ]
    return {"product": product, "package": package, "pieces": pieces, "total": package["cost_per_kg"], "loss": loss}


def breakdown_figure(breakdown: dict[str, Any], lang: str, label: Any) -> dict:
    """Horizontal bars: ₩ per roasted kg of each piece (green coffee in blue, processing in orange)."""
    pieces = breakdown["pieces"]
    names = [
        (p.label_ko if lang == "ko" else p.label_en) if p.key == "green" else label(f"piece.{p.key}") for p in pieces
    ]
    return charts.hbar_figure(
        names,
        [float(p.won_per_kg) for p in pieces],
        [charts.BLUE if p.key == "green" else charts.ORANGE for p in pieces],
        text=[fmt.won(p.won_per_kg) for p in pieces],
        hover="%{y}: ₩%{x:,.0f}/kg<extra></extra>",
        x_title="₩ / kg",
        left=140,
    )


def _loss_text(bp: int | None) -> str:
    """A stored expected loss (basis points) as the owner types it: '13.5'; '' for the default."""
    return "" if bp is None else fmt.number(Fraction(bp, 100), 2).rstrip("0").rstrip(".")


class CatalogTab(Tab):
    key = "catalog"
    watches = frozenset({"catalog", "stock", "settings", "batches"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.beans: list[dict] = []
        self.blends: list[dict] = []
        self.product_costs: dict[str, dict] = {}
        self.editing_bean: int | None = None
        self.editing_blend: int | None = None
        self.recipe_rows: list[dict] = []
        self.breakdown: dict[str, Any] | None = None
        self.figure: dict | None = None
        self._build()
        self.refresh()

    # --- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        # beans
        self.beans_title = title()
        self.search = Field("search", text_input(), "f.search")
        self.status = Field("status", widgets.Dropdown(options=[("", s) for s in STATUS], value="active"), "f.status")
        self.country = Field("country", widgets.Dropdown(), "f.country")
        self.filters = Form([self.search, self.status, self.country])
        for field in (self.search, self.status, self.country):
            self.on_change(field.widget, self._filter_beans, "filter")
        self.beans_table = classes(widgets.HTML(), "themoon-beans-table")
        self.bean_pick, self.bean_edit, self.bean_toggle, self.bean_new, self.bean_tools_form, self.bean_tools = (
            self.record_tools(
                "bean",
                "f.bean",
                edit=self._edit_bean,
                toggle=self._toggle_bean,
                new=self._new_bean,
                pick=self._on_bean_pick,
            )
        )
        self.bean_form_title = title("themoon-subtitle-card")
        self.b_fields = {
            name: Field(name, text_input(), f"f.{name}")
            for name in ("code", "name_en", "name_ko", "country", "process", "roast_level")
        }
        self.b_fields["reorder_point_g"] = Field("reorder_point_g", text_input("g"), "f.reorder_point_g")
        self.b_fields["expected_loss_pct"] = Field(
            "expected_loss_pct", text_input("%"), "f.expected_loss_pct", hint_key="f.blank_default"
        )
        self.b_fields["notes"] = Field("notes", widgets.Textarea(rows=2), "f.notes")
        self.bean_form = Form(self.b_fields.values(), aliases={"bean": "code"})
        self.bean_save = button("primary", "themoon-save-bean")
        self.bean_cancel = button("secondary", "themoon-cancel-bean")
        self.on_click(self.bean_save, self._save_bean, "save_bean")
        self.on_click(self.bean_cancel, self._close_bean_form, "cancel_bean")
        f = self.b_fields
        self.bean_form_box = classes(
            widgets.VBox(
                [
                    self.bean_form_title,
                    row([f["code"].box, f["name_en"].box, f["name_ko"].box], "themoon-row-3"),
                    row([f["country"].box, f["process"].box, f["roast_level"].box], "themoon-row-3"),
                    row([f["reorder_point_g"].box, f["expected_loss_pct"].box], "themoon-row-3"),
                    f["notes"].box,
                    row([self.bean_save, self.bean_cancel], "themoon-actions"),
                    self.bean_form.status,
                ]
            ),
            "themoon-form",
            "themoon-bean-form",
        )
        hide(self.bean_form_box)
        beans_card = card(
            [
                self.beans_title,
                row([self.search.box, self.status.box, self.country.box], "themoon-filters"),
                self.beans_table,
                self.bean_tools,
                self.bean_form_box,
            ],
            "themoon-beans",
        )

        # blends
        self.blends_title = title()
        self.blends_table = classes(widgets.HTML(), "themoon-blends-table")
        self.blend_pick, self.blend_edit, self.blend_toggle, self.blend_new, self.blend_tools_form, self.blend_tools = (
            self.record_tools(
                "blend",
                "f.blend",
                edit=self._edit_blend,
                toggle=self._toggle_blend,
                new=self._new_blend,
                pick=self._on_blend_pick,
            )
        )
        self.blend_form_title = title("themoon-subtitle-card")
        self.k_fields = {name: Field(name, text_input(), f"f.{name}") for name in ("code", "name_en", "name_ko")}
        self.k_fields["expected_loss_pct"] = Field(
            "expected_loss_pct", text_input("%"), "f.expected_loss_pct", hint_key="f.blank_default"
        )
        self.k_fields["description"] = Field("description", widgets.Textarea(rows=2), "f.description")
        self.recipe_grid = classes(widgets.VBox(), "themoon-recipe-rows")
        self.recipe_field = Field("components", self.recipe_grid, "f.recipe")
        self.k_fields["components"] = self.recipe_field
        self.blend_form = Form(self.k_fields.values(), aliases={"blend": "code", "bean": "components"})
        self.recipe_add = button("secondary", "themoon-add-component")
        self.recipe_live = classes(widgets.HTML(), "themoon-recipe-live")
        self.blend_save = button("primary", "themoon-save-blend")
        self.blend_cancel = button("secondary", "themoon-cancel-blend")
        self.on_click(self.recipe_add, self._add_recipe_row, "add_component")
        self.on_click(self.blend_save, self._save_blend, "save_blend")
        self.on_click(self.blend_cancel, self._close_blend_form, "cancel_blend")
        self.on_change(self.k_fields["expected_loss_pct"].widget, self._recipe_live, "recipe_live")
        k = self.k_fields
        self.blend_form_box = classes(
            widgets.VBox(
                [
                    self.blend_form_title,
                    row([k["code"].box, k["name_en"].box, k["name_ko"].box], "themoon-row-3"),
                    row([k["expected_loss_pct"].box, k["description"].box], "themoon-row-2"),
                    self.recipe_field.box,
                    row([self.recipe_add], "themoon-actions"),
                    self.recipe_live,
                    row([self.blend_save, self.blend_cancel], "themoon-actions"),
                    self.blend_form.status,
                ]
            ),
            "themoon-form",
            "themoon-blend-form",
        )
        hide(self.blend_form_box)
        blends_card = card(
            [self.blends_title, self.blends_table, self.blend_tools, self.blend_form_box], "themoon-blends"
        )

        # cost breakdown
        self.breakdown_title = title()
        self.breakdown_product = Field("breakdown_product", widgets.Dropdown(), "f.product")
        self.on_change(self.breakdown_product.widget, self._draw_breakdown, "breakdown")
        self.breakdown_note = note("themoon-breakdown-note")
        self.breakdown_out = charts.chart_widget()
        breakdown_card = card(
            [
                self.breakdown_title,
                row([self.breakdown_product.box], "themoon-filters"),
                self.breakdown_note,
                self.breakdown_out,
            ],
            "themoon-chart",
            "themoon-chart-breakdown",
        )
        self.finish([beans_card, blends_card, breakdown_card])

    # --- data -----------------------------------------------------------------------------------------

    def load(self) -> None:
        conn = self.ctx.conn()
        self.all_beans = catalog.list_beans(conn)
        self.blends = catalog.list_blends(conn)
        on = self.ctx.today()
        self.settings = cost_settings.settings_on(conn, on)
        self.green = self.ctx.green_costs(on)
        self.product_costs = {
            f"{r['kind']}:{r['product']}": r for r in costs.product_costs(conn, on=on, green_per_kg=self.green)
        }
        self.term_names = terms.korean_names(conn)
        countries = sorted({b["country"] for b in self.all_beans if b["country"]})
        self.quietly(
            lambda: set_options(
                self.country.widget,
                [(self.tr("f.all"), "")] + [(term("country", c, self.lang, self.term_names), c) for c in countries],
            )
        )
        self.quietly(lambda: set_options(self.breakdown_product.widget, product_options(conn, self.lang)))
        self._filter_beans_data()
        self._load_breakdown()

    def _filter_beans_data(self) -> None:
        status = self.status.value
        active = {"active": True, "inactive": False}.get(status)
        search = str(self.search.value or "")[:80]
        beans = catalog.list_beans(self.ctx.conn(), search=search or None, active=active)
        if self.country.value:
            beans = [b for b in beans if b["country"] == self.country.value]
        self.beans = beans

    def _filter_beans(self) -> None:
        self._filter_beans_data()
        self._render_beans()

    def _load_breakdown(self) -> None:
        product = self.breakdown_product.value
        self.breakdown = cost_breakdown(self.ctx.conn(), product, self.ctx.today(), self.green) if product else None

    def _draw_breakdown(self) -> None:
        self._load_breakdown()
        self._render_breakdown()

    # --- rendering ------------------------------------------------------------------------------------

    def render(self) -> None:
        lang = self.lang
        self.beans_title.value = esc(self.tr("cat.beans_title"))
        self.blends_title.value = esc(self.tr("cat.blends_title"))
        self.breakdown_title.value = esc(self.tr("cat.breakdown_title"))
        self.quietly(lambda: setattr(self.status.widget, "options", [(self.tr(f"f.status.{s}"), s) for s in STATUS]))
        self.search.widget.placeholder = self.tr("cat.search_placeholder")
        for form in (self.filters, self.bean_form, self.blend_form, self.bean_tools_form, self.blend_tools_form):
            form.relabel(lang)
        self.breakdown_product.relabel(lang)
        self.bean_edit.description = self.tr("btn.edit")
        self.bean_new.description = self.tr("cat.new_bean")
        self.blend_edit.description = self.tr("btn.edit")
        self.blend_new.description = self.tr("cat.new_blend")
        self.bean_save.description = self.tr("btn.save")
        self.blend_save.description = self.tr("btn.save")
        self.bean_cancel.description = self.tr("btn.cancel")
        self.blend_cancel.description = self.tr("btn.cancel")
        self.recipe_add.description = self.tr("cat.add_component")
        self.bean_form_title.value = esc(
            self.tr("cat.edit_bean", code=self.b_fields["code"].value) if self.editing_bean else self.tr("cat.new_bean")
        )
        self.blend_form_title.value = esc(
            self.tr("cat.edit_blend", code=self.k_fields["code"].value)
            if self.editing_blend
            else self.tr("cat.new_blend")
        )
        for r in self.recipe_rows:
            r["bean"].relabel(lang)
            r["parts"].relabel(lang)
            r["remove"].description = self.tr("btn.remove")
        self._render_beans()
        self._render_blends()
        self._recipe_live()
        self._render_breakdown()

    def _render_beans(self) -> None:
        lang = self.lang
        rows = []
        for b in self.beans:
            name = esc(b["name_en"]) + (f" <span class='themoon-ko'>{esc(b['name_ko'])}</span>" if b["name_ko"] else "")
            loss = fmt.pct(Fraction(b["expected_loss_bp"], 100)) if b["expected_loss_bp"] else self.tr("cat.default")
            rows.append(
                [
                    f"<span class='themoon-code'>{esc(b['code'])}</span>",
                    name,
                    esc(term("country", b["country"], lang, self.term_names)),
                    esc(term("process", b["process"], lang, self.term_names)),
                    esc(term("roast_level", b["roast_level"], lang, self.term_names)),
                    esc(fmt.grams_as_kg(b["reorder_point_g"])),
                    esc(loss),
                    self.active_badge(b["active"]),
                ]
            )
        self.beans_table.value = table_html(BEAN_COLUMNS, rows, lang, empty=self.tr("cat.no_beans"))
        self.fill_pick(self.bean_pick, self.all_beans)
        self._on_bean_pick()

    def _render_blends(self) -> None:
        lang = self.lang
        rows = []
        for blend in self.blends:
            total = sum(c["parts"] for c in blend["components"]) or 1
            recipe = ", ".join(
                f"{esc(bean_name(c, lang))} {c['parts']} ({fmt.pct(Fraction(c['parts'] * 100, total), 0)})"
                for c in blend["components"]
            )
            cost = self.product_costs.get(f"blend:{blend['code']}", {})
            name = esc(blend["name_en"]) + (
                f" <span class='themoon-ko'>{esc(blend['name_ko'])}</span>" if blend["name_ko"] else ""
            )
            loss = (
                fmt.pct(cost["expected_loss_pct"])
                if cost
                else (
                    fmt.pct(Fraction(blend["expected_loss_bp"], 100))
                    if blend["expected_loss_bp"]
                    else self.tr("cat.default")
                )
            )
            rows.append(
                [
                    f"<span class='themoon-code'>{esc(blend['code'])}</span>",
                    name,
                    recipe,
                    esc(loss),
                    esc(fmt.won(cost.get("cost_per_kg_won"))),
                    self.active_badge(blend["active"]),
                ]
            )
        self.blends_table.value = table_html(BLEND_COLUMNS, rows, lang, empty=self.tr("cat.no_blends"))
        self.fill_pick(self.blend_pick, self.blends)
        self._on_blend_pick()

    def _render_breakdown(self) -> None:
        b = self.breakdown
        if b is None or b["total"] is None:
            self.breakdown_note.value = esc(self.tr("cat.breakdown_none")) if b is not None else ""
            self.figure = None
            self.set_output(self.breakdown_out, ())
            return
        self.breakdown_note.value = esc(
            self.tr("cat.breakdown_total", cost=fmt.won(b["total"]), loss=fmt.pct(b["loss"]))
        )
        self.figure = breakdown_figure(b, self.lang, self.tr)
        self.set_chart(self.breakdown_out, self.figure)

    # --- beans: add, edit, deactivate -------------------------------------------------------------------

    def selected_bean(self) -> dict | None:
        return next((b for b in self.all_beans if b["id"] == self.bean_pick.value), None)

    def _on_bean_pick(self) -> None:
        self.show_pick(self.selected_bean(), self.bean_edit, self.bean_toggle)

    def _new_bean(self) -> None:
        if not self.ctx.can("catalog"):
            return
        self.editing_bean = None

        def clear() -> None:
            for name, field in self.b_fields.items():
                field.value = "0" if name == "reorder_point_g" else ""

        self.open_editor(self.bean_form, self.bean_form_box, clear)

    def _edit_bean(self) -> None:
        bean = self.selected_bean()
        if bean is None or not self.ctx.can("catalog"):
            return
        self.editing_bean = bean["id"]

        def fill() -> None:
            for name, field in self.b_fields.items():
                if name == "expected_loss_pct":
                    field.value = _loss_text(bean["expected_loss_bp"])
                elif name == "reorder_point_g":
                    field.value = str(bean["reorder_point_g"])
                else:
                    field.value = bean[name] or ""

        self.open_editor(self.bean_form, self.bean_form_box, fill)

    def _close_bean_form(self) -> None:
        self.editing_bean = None
        self.bean_form.clear()
        hide(self.bean_form_box)

    def bean_values(self) -> dict[str, Any]:
        return {name: field.value for name, field in self.b_fields.items()}

    def _save_bean(self) -> None:
        values = self.bean_values()
        add, update = catalog.add_bean, catalog.update_bean
        if self.save_record(
            self.bean_form, values, add=add, update=update, editing=self.editing_bean, where="catalog.save_bean"
        ):
            self._close_bean_form()
            self.after_write("catalog", self.bean_tools_form, self.tr("cat.bean_saved", code=values["code"]))

    def _toggle_bean(self) -> None:
        form, bean = self.bean_tools_form, self.selected_bean()
        self.toggle_active(form, catalog.update_bean, bean, what="catalog", where="catalog.toggle_bean")

    # --- blends: recipe editor ----------------------------------------------------------------------------

    def selected_blend(self) -> dict | None:
        return next((b for b in self.blends if b["id"] == self.blend_pick.value), None)

    def _on_blend_pick(self) -> None:
        self.show_pick(self.selected_blend(), self.blend_edit, self.blend_toggle)

    def _add_recipe_row(self, code: str = "", parts: Any = "") -> dict:
        self._recipe_serial = getattr(self, "_recipe_serial", 0) + 1
        number = self._recipe_serial
        bean = Field(f"component {number} bean", widgets.Dropdown(), "f.bean")
        bean.widget.options = bean_options(self.ctx.conn(), self.lang, blank_key="f.choose")
        bean.widget.value = code if code in [v for _, v in bean.widget.options] else ""
        part = Field(f"component {number} parts", text_input(), "f.parts")
        part.value = str(parts)
        ratio = classes(widgets.HTML(), "themoon-ratio")
        remove = button("secondary", "themoon-remove-component")
        r = {"bean": bean, "parts": part, "ratio": ratio, "remove": remove}
        for field in (bean, part):
            field.relabel(self.lang)
            field.box.add_class("themoon-field--bare")
            self.blend_form.add(field)
            self.on_change(field.widget, self._recipe_live, "recipe_live")
        remove.description = self.tr("btn.remove")
        self.on_click(remove, lambda r=r: self._remove_recipe_row(r), "remove_component")
        r["box"] = classes(widgets.Box([bean.box, part.box, ratio, remove]), "themoon-recipe-row")
        self.recipe_rows.append(r)
        self.recipe_grid.children = [x["box"] for x in self.recipe_rows]
        self._recipe_live()
        return r

    def _remove_recipe_row(self, r: dict) -> None:
        self.recipe_rows.remove(r)
        self.blend_form.remove(r["bean"].name)
        self.blend_form.remove(r["parts"].name)
        self.recipe_grid.children = [x["box"] for x in self.recipe_rows]
        self._recipe_live()

    def _set_recipe(self, components: list[tuple[str, Any]]) -> None:
        for r in list(self.recipe_rows):
            self.blend_form.remove(r["bean"].name)
            self.blend_form.remove(r["parts"].name)
        self.recipe_rows = []
        self.recipe_grid.children = []
        for code, parts in components:
            self._add_recipe_row(code, parts)

    def recipe_values(self) -> dict[str, Any]:
        """{bean code: parts as typed}; a repeated bean keeps its first row (the store refuses none)."""
        recipe: dict[str, Any] = {}
        for r in self.recipe_rows:
            code = r["bean"].value
            if code and code not in recipe:
                recipe[code] = r["parts"].value
        return recipe

    def live_cost(self) -> dict[str, Any]:
        """Ratios and standard cost per kg of the recipe as typed (None where not computable)."""
        parts = []
        for r in self.recipe_rows:
            try:
                parts.append(parse_int("parts", r["parts"].value, minimum=1, maximum=1000) if r["bean"].value else None)
            except ValidationError:
                parts.append(None)
        valid = [p for p in parts if p]
        total = sum(valid)
        shares = [None if not p else Fraction(p, total) for p in parts]
        settings: CostSettings = self.settings
        try:
            loss = Fraction(parse_pct_bp("expected_loss_pct", self.k_fields["expected_loss_pct"].value), 100)
        except ValidationError:
            loss = settings.expected_loss_pct
        cost = None
        missing = []
        if valid and len(valid) == len(parts):
            beans = {b["code"]: b["id"] for b in self.all_beans}
            components = []
            for r, p in zip(self.recipe_rows, parts, strict=True):
                green = self.green.get(beans.get(r["bean"].value))
                if green is None:
                    missing.append(r["bean"].value)
                components.append((p, green))
            if not missing:
                cost = standard_cost_per_kg(components, loss, settings)
        return {
            "shares": shares,
            "loss": loss,
            "cost": cost,
            "missing": missing,
            "processing": processing_per_roasted_kg(settings),
        }

    def _recipe_live(self) -> None:
        if not self.recipe_rows:
            self.recipe_live.value = ""
            return
        live = self.live_cost()
        for r, share in zip(self.recipe_rows, live["shares"], strict=True):
            r["ratio"].value = esc(fmt.pct(share * 100 if share is not None else None))
        if live["cost"] is not None:
            text = self.tr("cat.live_cost", cost=fmt.won(live["cost"]), loss=fmt.pct(live["loss"]))
        elif live["missing"]:
            text = self.tr("cat.live_missing", codes=", ".join(live["missing"]))
        else:
            text = self.tr("cat.live_need")
        self.recipe_live.value = esc(text)

    def _new_blend(self) -> None:
        if not self.ctx.can("catalog"):
            return
        self.editing_blend = None

        def clear() -> None:
            for name, field in self.k_fields.items():
                if name != "components":
                    field.value = ""
            self._set_recipe([("", 1), ("", 1)])

        self.open_editor(self.blend_form, self.blend_form_box, clear)

    def _edit_blend(self) -> None:
        blend = self.selected_blend()
        if blend is None or not self.ctx.can("catalog"):
            return
        self.editing_blend = blend["id"]

        def fill() -> None:
            for name in ("code", "name_en", "name_ko", "description"):
                self.k_fields[name].value = blend[name] or ""
            self.k_fields["expected_loss_pct"].value = _loss_text(blend["expected_loss_bp"])
            self._set_recipe([(c["code"], c["parts"]) for c in blend["components"]])

        self.open_editor(self.blend_form, self.blend_form_box, fill)

    def _close_blend_form(self) -> None:
        self.editing_blend = None
        self.blend_form.clear()
        hide(self.blend_form_box)

    def blend_values(self) -> dict[str, Any]:
        values = {
            name: self.k_fields[name].value
            for name in ("code", "name_en", "name_ko", "description", "expected_loss_pct")
        }
        # errors about a bean's parts (parts[CODE]) go next to that bean's row
        self.blend_form.aliases = {"blend": "code", "bean": "components"}
        for r in self.recipe_rows:
            if r["bean"].value:
                self.blend_form.aliases.setdefault(f"parts[{r['bean'].value}]", r["parts"].name)
        return values

    def _save_blend(self) -> None:
        values = {**self.blend_values(), "components": self.recipe_values()}
        add, update = catalog.add_blend, catalog.update_blend
        if self.save_record(
            self.blend_form, values, add=add, update=update, editing=self.editing_blend, where="catalog.save_blend"
        ):
            self._close_blend_form()
            self.after_write("catalog", self.blend_tools_form, self.tr("cat.blend_saved", code=values["code"]))

    def _toggle_blend(self) -> None:
        form, blend = self.blend_tools_form, self.selected_blend()
        self.toggle_active(form, catalog.update_blend, blend, what="catalog", where="catalog.toggle_blend")

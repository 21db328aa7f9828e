"""Beans & blends tab, the view: the catalogue with search and filters, the bean and blend
editors with the recipe rows and their live ratio and cost, the cost breakdown chart, bound to
`CatalogModel` (model.py), which reads and writes."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import ipywidgets as widgets

from ... import charts
from ... import format as fmt
from ...base import Tab, bean_name, bean_options, product_options, set_options
from ...forms import (
    Field,
    Form,
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
from ...i18n import term
from .model import STATUS, CatalogModel, loss_text

BEAN_COLUMNS = columns(
    "col.code",
    "col.name",
    "col.country",
    "col.process",
    "col.roast_level",
    num("col.reorder"),
    num("col.expected_loss"),
    "col.status",
)
BLEND_COLUMNS = columns(
    "col.code", "col.name", "col.recipe", num("col.expected_loss"), num("col.cost_kg"), "col.status"
)


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


class CatalogTab(Tab):
    key = "catalog"
    watches = frozenset({"catalog", "stock", "settings", "batches"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.model = CatalogModel(ctx)
        self.model.origin = self
        self.recipe_rows: list[dict] = []
        self.figure: dict | None = None
        self._build()
        self.refresh()

    # --- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.finish([self._build_beans(), self._build_blends(), self._build_breakdown()])

    def _build_beans(self) -> widgets.Widget:
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
        return card(
            [
                self.beans_title,
                row([self.search.box, self.status.box, self.country.box], "themoon-filters"),
                self.beans_table,
                self.bean_tools,
                self._build_bean_form(),
            ],
            "themoon-beans",
        )

    def _build_bean_form(self) -> widgets.Widget:
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
        f = self.b_fields
        rows = [
            row([f["code"].box, f["name_en"].box, f["name_ko"].box], "themoon-row-3"),
            row([f["country"].box, f["process"].box, f["roast_level"].box], "themoon-row-3"),
            row([f["reorder_point_g"].box, f["expected_loss_pct"].box], "themoon-row-3"),
            f["notes"].box,
        ]
        self.bean_form_title, self.bean_save, self.bean_cancel, self.bean_form_box = self.editor(
            "bean", self.bean_form, rows, save=self._save_bean, cancel=self._close_bean_form
        )
        return self.bean_form_box

    def _build_blends(self) -> widgets.Widget:
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
        form = self._build_blend_form()
        return card([self.blends_title, self.blends_table, self.blend_tools, form], "themoon-blends")

    def _build_blend_form(self) -> widgets.Widget:
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
        self.on_click(self.recipe_add, self._add_recipe_row, "add_component")
        self.on_change(self.k_fields["expected_loss_pct"].widget, self._recipe_live, "recipe_live")
        k = self.k_fields
        rows = [
            row([k["code"].box, k["name_en"].box, k["name_ko"].box], "themoon-row-3"),
            row([k["expected_loss_pct"].box, k["description"].box], "themoon-row-2"),
            self.recipe_field.box,
            row([self.recipe_add], "themoon-actions"),
            self.recipe_live,
        ]
        self.blend_form_title, self.blend_save, self.blend_cancel, self.blend_form_box = self.editor(
            "blend", self.blend_form, rows, save=self._save_blend, cancel=self._close_blend_form
        )
        return self.blend_form_box

    def _build_breakdown(self) -> widgets.Widget:
        self.breakdown_title = title()
        self.breakdown_product = Field("breakdown_product", widgets.Dropdown(), "f.product")
        self.on_change(self.breakdown_product.widget, self._draw_breakdown, "breakdown")
        self.breakdown_note = note("themoon-breakdown-note")
        self.breakdown_out = charts.chart_widget()
        return card(
            [
                self.breakdown_title,
                row([self.breakdown_product.box], "themoon-filters"),
                self.breakdown_note,
                self.breakdown_out,
            ],
            "themoon-chart",
            "themoon-chart-breakdown",
        )

    # --- data -----------------------------------------------------------------------------------------

    def load(self) -> None:
        conn, m = self.ctx.conn(), self.model
        m.search, m.country = str(self.search.value or "")[:80], self.country.value or ""
        m.status = self.status.value if self.status.value in STATUS else "active"
        m.breakdown_product = self.breakdown_product.value or ""
        m.load()
        countries = [(term("country", c, self.lang, m.term_names), c) for c in m.countries()]
        self.quietly(lambda: set_options(self.country.widget, [(self.tr("f.all"), "")] + countries))
        self.quietly(lambda: set_options(self.breakdown_product.widget, product_options(conn, self.lang)))
        if (self.country.value or "") != m.country or (self.breakdown_product.value or "") != m.breakdown_product:
            m.country, m.breakdown_product = self.country.value or "", self.breakdown_product.value or ""
            m.filter_beans()
            m.load_breakdown()

    def _filter_beans(self) -> None:
        self.model.set_filters(search=self.search.value or "", status=self.status.value, country=self.country.value)
        self._render_beans()

    def _draw_breakdown(self) -> None:
        self.model.set_breakdown_product(self.breakdown_product.value)
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
            self.tr("cat.edit_bean", code=self.b_fields["code"].value)
            if self.model.editing.bean
            else self.tr("cat.new_bean")
        )
        self.blend_form_title.value = esc(
            self.tr("cat.edit_blend", code=self.k_fields["code"].value)
            if self.model.editing.blend
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
        for b in self.model.beans:
            name = esc(b["name_en"]) + (f" <span class='themoon-ko'>{esc(b['name_ko'])}</span>" if b["name_ko"] else "")
            loss = fmt.pct(Fraction(b["expected_loss_bp"], 100)) if b["expected_loss_bp"] else self.tr("cat.default")
            rows.append(
                [
                    f"<span class='themoon-code'>{esc(b['code'])}</span>",
                    name,
                    esc(term("country", b["country"], lang, self.model.term_names)),
                    esc(term("process", b["process"], lang, self.model.term_names)),
                    esc(term("roast_level", b["roast_level"], lang, self.model.term_names)),
                    esc(fmt.grams_as_kg(b["reorder_point_g"])),
                    esc(loss),
                    self.active_badge(b["active"]),
                ]
            )
        self.beans_table.value = table_html(BEAN_COLUMNS, rows, lang, empty=self.tr("cat.no_beans"))
        self.fill_pick(self.bean_pick, self.model.all_beans)
        self._on_bean_pick()

    def _render_blends(self) -> None:
        lang = self.lang
        rows = []
        for blend in self.model.blends:
            total = sum(c["parts"] for c in blend["components"]) or 1
            recipe = ", ".join(
                f"{esc(bean_name(c, lang))} {c['parts']} ({fmt.pct(Fraction(c['parts'] * 100, total), 0)})"
                for c in blend["components"]
            )
            cost = self.model.product_costs.get(f"blend:{blend['code']}", {})
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
        self.fill_pick(self.blend_pick, self.model.blends)
        self._on_blend_pick()

    def _render_breakdown(self) -> None:
        b = self.model.breakdown
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
        return self.model.bean(self.bean_pick.value)

    def _on_bean_pick(self) -> None:
        self.show_pick(self.selected_bean(), self.bean_edit, self.bean_toggle)

    def _new_bean(self) -> None:
        if not self.ctx.can("catalog"):
            return
        self.model.editing.bean = None

        def clear() -> None:
            for name, field in self.b_fields.items():
                field.value = "0" if name == "reorder_point_g" else ""

        self.open_editor(self.bean_form, self.bean_form_box, clear)

    def _edit_bean(self) -> None:
        bean = self.selected_bean()
        if bean is None or not self.ctx.can("catalog"):
            return
        self.model.editing.bean = bean["id"]

        def fill() -> None:
            for name, field in self.b_fields.items():
                if name == "expected_loss_pct":
                    field.value = loss_text(bean["expected_loss_bp"])
                elif name == "reorder_point_g":
                    field.value = str(bean["reorder_point_g"])
                else:
                    field.value = bean[name] or ""

        self.open_editor(self.bean_form, self.bean_form_box, fill)

    def _close_bean_form(self) -> None:
        self.model.editing.bean = None
        self.bean_form.clear()
        hide(self.bean_form_box)

    def bean_values(self) -> dict[str, Any]:
        return {name: field.value for name, field in self.b_fields.items()}

    def _save_bean(self) -> None:
        values = self.bean_values()
        self.bean_form.clear()
        if self.show_result(self.bean_form, self.model.save_bean(values)):
            self._close_bean_form()
            self.after_write(self.bean_tools_form, self.tr("cat.bean_saved", code=values["code"]))

    def _toggled(self, record: dict | None, toggle: Any) -> None:
        """(De)activate a picked record through the model, and say so."""
        if record is None:
            return
        form = self.bean_tools_form if toggle == self.model.toggle_bean else self.blend_tools_form
        form.clear()
        if self.show_result(form, toggle(record)):
            key = "cat.deactivated" if record["active"] else "cat.reactivated"
            self.after_write(form, self.tr(key, code=record["code"]))

    def _toggle_bean(self) -> None:
        self._toggled(self.selected_bean(), self.model.toggle_bean)

    # --- blends: recipe editor ----------------------------------------------------------------------------

    def selected_blend(self) -> dict | None:
        return self.model.blend(self.blend_pick.value)

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
        rows = [(r["bean"].value, r["parts"].value) for r in self.recipe_rows]
        return self.model.live_cost(rows, self.k_fields["expected_loss_pct"].value)

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
        self.model.editing.blend = None

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
        self.model.editing.blend = blend["id"]

        def fill() -> None:
            for name in ("code", "name_en", "name_ko", "description"):
                self.k_fields[name].value = blend[name] or ""
            self.k_fields["expected_loss_pct"].value = loss_text(blend["expected_loss_bp"])
            self._set_recipe([(c["code"], c["parts"]) for c in blend["components"]])

        self.open_editor(self.blend_form, self.blend_form_box, fill)

    def _close_blend_form(self) -> None:
        self.model.editing.blend = None
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
        self.blend_form.clear()
        if self.show_result(self.blend_form, self.model.save_blend(values)):
            self._close_blend_form()
            self.after_write(self.blend_tools_form, self.tr("cat.blend_saved", code=values["code"]))

    def _toggle_blend(self) -> None:
        self._toggled(self.selected_blend(), self.model.toggle_blend)

"""The Roasting tab's widgets, bound to its model (model.py): the one-batch form with its live
preview, the session table, the batch table with its filters, and the row of actions on a picked
batch. Each input is linked to the model's field; buttons call the model's actions and the view
shows the `Result` on the form it belongs to."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from typing import Any

import ipywidgets as widgets

from ... import format as fmt
from ...base import Tab, local_name, product_options, set_options
from ...forms import Confirm, Field, Form, button, card, classes, date_input, esc, hide, note, row, text_input, title
from ...results import Result
from .batch import component_field
from .history import DEFAULT_DAYS
from .html import batch_table_html, preview_html, words
from .model import RoastingModel
from .session import ROW_FIELDS, SessionRow

ROW_LABELS = {"product": "f.product", "green_g": "f.green_g", "roasted_g": "f.roasted_g", "minutes": "f.minutes"}


class RoastingTab(Tab):
    key = "roasting"
    watches = frozenset({"batches", "stock", "catalog", "settings"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.model = RoastingModel(ctx)
        self.model.origin = self
        self.component_fields: dict[str, Field] = {}
        self.session_rows: list[dict] = []  # the widgets of each SessionRow
        self._build()
        self.refresh()

    # --- building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self._build_batch_fields()
        self._build_batch_form()
        self._build_session()
        self.readonly_note = note("themoon-readonly")
        self.entry_title = title()
        self.mode = classes(
            widgets.ToggleButtons(options=[("", "single"), ("", "session")], value="single"), "themoon-mode"
        )
        widgets.link((self.mode, "value"), (self.model, "mode"))
        self.model.observe(lambda _c: self.safe(self._on_mode, "mode"), names="mode")
        head = classes(widgets.HBox([self.entry_title, self.mode]), "themoon-card-head")
        self.entry = card([head, self.single, self.session], "themoon-entry-card")
        if not self.model.can_log:
            self.entry = card([self.readonly_note], "themoon-entry-card")
        self.finish([self.entry, self._build_table()])

    def _link(self, field: Field, model: Any, name: str) -> Field:
        """The input drives the model's field and follows it (the model's value wins later)."""
        widgets.link((field.widget, "value"), (model, name))
        return field

    def _build_batch_fields(self) -> None:
        batch = self.model.batch
        with batch.filling():
            self.product = self._link(Field("product", widgets.Dropdown(), "f.product"), batch, "product")
            self.roasted_on = self._link(
                Field("roasted_on", date_input(self.ctx.today()), "f.roasted_on"), batch, "roasted_on"
            )
            self.operator = self._link(Field("operator", text_input(), "f.operator"), batch, "operator")
            self.green_total = self._link(Field("green_g", text_input("g"), "f.green_g"), batch, "green_g")
            self.roasted_g = self._link(Field("roasted_g", text_input("g"), "f.roasted_g"), batch, "roasted_g")
            self.minutes = self._link(Field("minutes", text_input(), "f.minutes"), batch, "minutes")
            self.notes = self._link(Field("notes", widgets.Textarea(rows=2), "f.notes"), batch, "notes")
        self.form = Form(
            [self.product, self.roasted_on, self.operator, self.green_total, self.roasted_g, self.minutes, self.notes],
            aliases={"roasted_on": "roasted_on", "components": "green_g", "batch_id": "product"},
            checks=[batch.problems],
        )
        self.form.status.add_class("themoon-batch-status")
        self.on_change(self.product.widget, self.form.clear, "product")
        batch.observe(lambda _c: self.safe(self._build_components, "components"), names="components")
        batch.observe(lambda _c: self.safe(self._show_component_values, "components"), names="component_values")
        batch.observe(lambda _c: self.safe(self._render_preview, "preview"), names="preview")

    def _build_batch_form(self) -> None:
        self.component_box = classes(widgets.Box(), "themoon-components")
        hide(self.component_box)  # until a blend is chosen
        self.recipe_note = note("themoon-recipe-note")
        hide(self.recipe_note)
        self.preview_box = classes(widgets.HTML(), "themoon-preview")
        self.save = button("primary", "themoon-save-batch")
        self.clear_button = button("secondary", "themoon-clear-batch")
        self.cancel_edit = button("secondary", "themoon-cancel-edit")
        hide(self.cancel_edit)
        self.confirm_save = Confirm(self.form, "themoon-confirm-batch")
        self._bind_question(self.model.batch, self.confirm_save)
        self.on_click(self.confirm_save.yes, lambda: self._save_batch(self.model.batch.confirm), "save_batch")
        self.on_click(self.confirm_save.no, self.model.batch.withdraw, "save_batch")
        self.on_click(self.save, lambda: self._save_batch(self.model.batch.save), "save_batch")
        self.on_click(self.clear_button, self._clear_clicked, "clear")
        self.on_click(self.cancel_edit, self._cancel_edit, "cancel_edit")
        fields = classes(
            widgets.VBox(
                [
                    row([self.product.box, self.roasted_on.box, self.operator.box], "themoon-row-3"),
                    row([self.green_total.box, self.roasted_g.box, self.minutes.box], "themoon-row-3"),
                    self.recipe_note,
                    self.component_box,
                    self.notes.box,
                    row([self.save, self.clear_button, self.cancel_edit], "themoon-actions"),
                    self.confirm_save.box,
                    self.form.status,
                ]
            ),
            "themoon-form",
        )
        self.single = classes(widgets.Box([fields, self.preview_box]), "themoon-entry")

    def _bind_question(self, model: Any, confirm: Confirm) -> None:
        """The model's pending "save anyway?" shows as the form's question (withdrawn with it)."""

        def show(_change: dict) -> None:
            question = model.question
            if question is None:
                confirm.withdraw()
            else:
                confirm.ask(words(question, self.tr), self.lang)

        model.observe(show, names="question")

    def _build_session(self) -> None:
        session = self.model.session
        with session.hold_trait_notifications():
            self.s_day = self._link(Field("session_day", date_input(self.ctx.today()), "f.roasted_on"), session, "day")
            self.s_operator = self._link(Field("session_operator", text_input(), "f.operator"), session, "operator")
        self.session_form = Form(
            [self.s_day, self.s_operator], aliases={"roasted_on": "session_day"}, checks=[session.problems]
        )
        self.session_form.status.add_class("themoon-session-status")
        self.session_head = classes(widgets.HTML(), "themoon-session-head")
        self.session_grid = classes(widgets.VBox(), "themoon-session-rows")
        self.add_row = button("secondary", "themoon-add-row")
        self.save_session = button("primary", "themoon-save-session")
        self.on_click(self.add_row, session.add_row, "add_row")
        self.on_click(self.save_session, lambda: self._save_session(session.save), "save_session")
        self.confirm_session = Confirm(self.session_form, "themoon-confirm-session")
        self._bind_question(session, self.confirm_session)
        self.on_click(self.confirm_session.yes, lambda: self._save_session(session.confirm), "save_session")
        self.on_click(self.confirm_session.no, session.withdraw, "save_session")
        session.observe(lambda _c: self.safe(self._build_rows, "rows"), names="rows")
        self.session = classes(
            widgets.VBox(
                [
                    row([self.s_day.box, self.s_operator.box], "themoon-row-3"),
                    self.session_head,
                    self.session_grid,
                    row([self.add_row, self.save_session], "themoon-actions"),
                    self.confirm_session.box,
                    self.session_form.status,
                ]
            ),
            "themoon-form",
            "themoon-session",
        )
        hide(self.session)

    def _build_table(self) -> widgets.Widget:
        self.table_title = title()
        self.f_since = Field("since", date_input(self.ctx.today() - timedelta(days=DEFAULT_DAYS - 1)), "f.since")
        self.f_until = Field("until", date_input(), "f.until")
        self.f_product = Field("filter_product", widgets.Dropdown(), "f.product")
        self.f_alerts = classes(widgets.Checkbox(value=False, indent=False), "themoon-filter-alerts")
        self.filters = Form([self.f_since, self.f_until, self.f_product])
        for widget in (self.f_since.widget, self.f_until.widget, self.f_product.widget, self.f_alerts):
            self.on_change(widget, self._reload_table, "filter")
        self.table = classes(widgets.HTML(), "themoon-batch-table")
        self.table_note = note("themoon-table-note")
        return card(
            [
                self.table_title,
                row([self.f_since.box, self.f_until.box, self.f_product.box, self.f_alerts], "themoon-filters"),
                self.table,
                self.table_note,
                self._build_actions(),
            ],
            "themoon-batches",
        )

    def _build_actions(self) -> widgets.Widget:
        self.pick = Field("batch", widgets.Dropdown(), "f.batch")
        self.edit_button = button("secondary", "themoon-edit-batch")
        self.delete_button = button("danger", "themoon-delete-batch")
        self.alert_note = Field("note", text_input(), "f.alert_note")
        self.resolve_button = button("secondary", "themoon-resolve-alert")
        self.confirm_text = classes(widgets.HTML(), "themoon-confirm-text")
        self.confirm_yes = button("danger", "themoon-confirm-delete")
        self.confirm_no = button("secondary", "themoon-confirm-cancel")
        self.confirm = classes(widgets.HBox([self.confirm_text, self.confirm_yes, self.confirm_no]), "themoon-confirm")
        hide(self.confirm)
        self.actions_form = Form([self.pick, self.alert_note], aliases={"batch_id": "batch"})
        self.actions_form.status.add_class("themoon-actions-status")
        self.on_click(self.edit_button, self._edit, "edit")
        self.on_click(self.delete_button, self._ask_delete, "delete")
        self.on_click(self.confirm_yes, self._delete, "delete")
        self.on_click(self.confirm_no, self._cancel_delete, "delete")
        self.on_click(self.resolve_button, self._resolve, "resolve")
        self.on_change(self.pick.widget, self._on_pick, "pick")
        tools = [self.pick.box, self.edit_button, self.delete_button, self.alert_note.box, self.resolve_button]
        self.actions = classes(
            widgets.VBox([row(tools, "themoon-batch-actions"), self.confirm, self.actions_form.status]),
            "themoon-owner-only",
        )
        hide(self.actions, not self.model.has_actions)
        return self.actions

    # --- data ---------------------------------------------------------------------------------------

    def load(self) -> None:
        conn, lang, batch = self.ctx.conn(), self.lang, self.model.batch
        choose = product_options(conn, lang, blank_key="f.choose")
        with batch.filling():
            self.quietly(lambda: set_options(self.product.widget, choose, self.product.value))
        everything = product_options(conn, lang, blank_key="f.all_products", active=None)
        self.quietly(lambda: set_options(self.f_product.widget, everything))
        for r in self.session_rows:
            self.quietly(lambda r=r: set_options(r["product"].widget, choose, r["product"].value))
        for name, value in self._filters().items():
            setattr(self.model.history, name, value)
        self.quietly(self.model.load)

    def _filters(self) -> dict[str, Any]:
        return {
            "since": self.f_since.value,
            "until": self.f_until.value,
            "product": self.f_product.value or None,
            "alerts_only": bool(self.f_alerts.value),
        }

    def _reload_table(self) -> None:
        self.filters.clear()
        self._show(self.model.history.filter(**self._filters()), self.filters, written=False)
        self._render_table()

    # --- rendering ------------------------------------------------------------------------------------

    def render(self) -> None:
        lang, editing = self.lang, self.model.batch.editing
        self.entry_title.value = esc(self.tr("roast.edit_title", id=editing) if editing else self.tr("roast.title"))
        modes = [(self.tr("roast.mode.single"), "single"), (self.tr("roast.mode.session"), "session")]
        self.quietly(lambda: setattr(self.mode, "options", modes))
        for form in (self.form, self.session_form, self.filters, self.actions_form):
            form.relabel(lang)
        self._relabel_components()
        for widget, key in (
            (self.save, "roast.save_edit" if editing else "roast.save"),
            (self.clear_button, "btn.clear"),
            (self.cancel_edit, "btn.cancel_edit"),
            (self.add_row, "roast.add_row"),
            (self.save_session, "roast.save_session"),
            (self.edit_button, "btn.edit"),
            (self.delete_button, "btn.delete"),
            (self.resolve_button, "roast.resolve"),
            (self.confirm_yes, "btn.confirm_delete"),
            (self.confirm_no, "btn.cancel"),
            (self.f_alerts, "roast.open_alerts_only"),
        ):
            widget.description = self.tr(key)
        self.readonly_note.value = esc(self.tr("roast.readonly"))
        self.table_title.value = esc(self.tr("roast.table_title"))
        heads = (*ROW_LABELS.values(), "f.notes", "col.loss")
        self.session_head.value = "".join(f"<span>{esc(self.tr(k))}</span>" for k in heads)
        for r in self.session_rows:
            for name in ROW_FIELDS:
                r[name].relabel(lang)
        self._render_table()
        self._render_preview()

    def _render_preview(self) -> None:
        batch = self.model.batch
        self.preview_box.value = preview_html(batch.preview, batch.inputs, self.tr, self.lang)

    def _render_table(self) -> None:
        history = self.model.history
        self.table.value = batch_table_html(history.batches, self.tr, self.lang)
        shown = len(history.batches)
        count = self.tr("roast.more", n=shown) if history.more else self.tr("roast.count", n=shown)
        self.table_note.value = esc(count + " " + self.tr("roast.cost_note"))
        options = [(self.tr("f.choose_batch"), 0)] + [
            (f"#{b['id']} · {b['roasted_on']} · {b['product']}", b["id"]) for b in history.batches
        ]
        self.quietly(lambda: set_options(self.pick.widget, options))
        self._on_pick()

    def _show(self, result: Result, form: Form, *, written: bool = True) -> None:
        """A result on its form: saved (the model told the other tabs; everything read again, then
        said), or why not (`Tab.show_result`)."""
        if self.show_result(form, result):
            form.clear()
            if written:
                self.after_write(form, words(result, self.tr))

    # --- the one-batch form -------------------------------------------------------------------------

    def _on_mode(self) -> None:
        single = self.model.mode == "single"
        hide(self.single, not single)
        hide(self.session, single)

    def _build_components(self) -> None:
        """A field per bean of the chosen blend (none for a single origin)."""
        for name in list(self.component_fields):
            self.form.remove(component_field(name))
        self.component_fields = {}
        for comp in self.model.batch.components:
            code = comp["code"]
            field = Field(component_field(code), text_input("g"), "f.component")
            self.on_change(
                field.widget, lambda f=field, c=code: self.model.batch.set_component(c, f.value), "component"
            )
            self.form.add(field)
            self.component_fields[code] = field
        self.component_box.children = [f.box for f in self.component_fields.values()]
        hide(self.component_box, not self.component_fields)
        self._relabel_components()

    def _show_component_values(self) -> None:
        values = self.model.batch.component_values

        def fill() -> None:
            for code, field in self.component_fields.items():
                if field.value != values.get(code, ""):
                    field.value = values.get(code, "")

        self.quietly(fill)

    def _relabel_components(self) -> None:
        components = self.model.batch.components
        total = sum(c["parts"] for c in components)
        for comp in components:
            share = fmt.pct(Fraction(comp["parts"] * 100, total), 0)
            self.component_fields[comp["code"]].relabel(self.lang, name=local_name(comp, self.lang), share=share)
        if components:
            recipe = " · ".join(f"{esc(local_name(c, self.lang))} {c['parts']}" for c in components)
            self.recipe_note.value = f"{esc(self.tr('roast.recipe', parts=total))} {recipe}"
        else:
            self.recipe_note.value = ""
        hide(self.recipe_note, not components)

    def _save_batch(self, action: Any) -> None:
        result = self.quietly(action)
        if result.ok or result.status == "gone":
            hide(self.cancel_edit)
        if result.status == "gone":
            self.render()
            self.refresh()
        self._show(result, self.form)

    def _clear_clicked(self) -> None:
        self.form.clear()
        self.quietly(self.model.batch.clear)
        hide(self.cancel_edit)

    def _cancel_edit(self) -> None:
        self.quietly(self.model.batch.cancel_edit)
        self.form.clear()
        hide(self.cancel_edit)
        self.render()

    # --- the session table --------------------------------------------------------------------------

    def _build_rows(self) -> None:
        """Widgets for the session rows the model has and the view has not (a row once made stays)."""
        first = not self.session_rows
        for r in self.model.session.rows[len(self.session_rows) :]:
            self.session_rows.append(self._row_widgets(r))
        self.session_grid.children = [x["box"] for x in self.session_rows]
        if first:
            self.render()

    def _row_widgets(self, r: SessionRow) -> dict:
        widgets_ = {"number": r.number}
        product = Field(r.field("product"), widgets.Dropdown(), "f.product")
        set_options(product.widget, product_options(self.ctx.conn(), self.lang, blank_key="f.choose"), "")
        widgets_["product"] = product
        for name in ROW_FIELDS[1:]:
            widgets_[name] = Field(r.field(name), text_input("g" if name.endswith("_g") else ""), f"f.{name}")
        loss = classes(widgets.HTML(), "themoon-row-loss")
        r.observe(lambda _c: setattr(loss, "value", "" if r.loss is None else esc(fmt.pct(r.loss))), names="loss")
        for name in ROW_FIELDS:
            self._link(widgets_[name], r, name)
            widgets_[name].relabel(self.lang)
            widgets_[name].box.add_class("themoon-field--bare")
            self.session_form.add(widgets_[name])
        widgets_["loss"] = loss
        widgets_["box"] = classes(widgets.Box([*(widgets_[n].box for n in ROW_FIELDS), loss]), "themoon-session-row")
        return widgets_

    def _save_session(self, action: Any) -> None:
        self._show(self.quietly(action), self.session_form)

    # --- actions on a listed batch ------------------------------------------------------------------

    def _on_pick(self) -> None:
        state = self.model.history.pick(self.pick.value)
        self.edit_button.disabled = self.delete_button.disabled = not state.correct
        self.resolve_button.disabled = not state.resolve
        self.alert_note.widget.disabled = self.resolve_button.disabled
        hide(self.edit_button, not state.correct)
        hide(self.delete_button, not state.correct)
        hide(self.alert_note.box, not state.may_resolve)
        hide(self.resolve_button, not state.may_resolve)
        hide(self.confirm)

    def _edit(self) -> None:
        self.actions_form.clear()
        result = self.quietly(self.model.edit)
        if not result.ok:
            self._show(result, self.actions_form, written=False)
            return
        self.form.clear()  # errors and questions about what was typed before do not carry over
        hide(self.cancel_edit, False)
        self.render()
        self.form.set_status("info", words(result, self.tr))

    def _ask_delete(self) -> None:
        result = self.model.history.ask_delete()
        if result.status == "asking":
            self.confirm_text.value = esc(words(result, self.tr))
            hide(self.confirm, False)
        elif result.status == "failed":
            self.actions_form.set_status("error", words(result, self.tr))

    def _cancel_delete(self) -> None:
        self.model.history.cancel_delete()
        hide(self.confirm)

    def _delete(self) -> None:
        editing = self.model.batch.editing
        result = self.quietly(self.model.delete)
        hide(self.confirm)
        if result.ok and editing is not None and self.model.batch.editing is None:
            self.form.clear()
            hide(self.cancel_edit)
        self._show(result, self.actions_form)

    def _resolve(self) -> None:
        result = self.model.history.resolve(self.alert_note.value)
        if result.ok:
            self.alert_note.value = ""
        self._show(result, self.actions_form)


__all__ = ["RoastingTab"]

"""Roasting tab: log a batch with a live preview of loss, variance and cost; log a whole session
as a table (all or nothing); the batch table with filters; edit and delete (the owner any batch,
staff their own of today: `users.may_correct`) and alert resolution (owner only).

Every write is one store call (`roasting.add_batch`, `add_session`, `update_batch`,
`delete_batch`, `resolve_alert`), made after `users.can(role, action)`. The preview reads the
same inputs the store will use (settings in force that day, the product's expected loss, the
moving-average green cost, the day's other batches) and computes with `themoon.costing`, the
functions the store itself uses: it writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ipywidgets as widgets

from .. import catalog, cost_settings, inventory, roasting, users
from .. import price_list as costs
from ..costing import batch_cost, classify_variance, green_cost_won, implausible_loss, loss_pct, split_by_parts
from ..models import Product, ValidationError, parse_decimal, parse_text
from . import format as fmt
from .base import Tab, local_name, product_label, product_options, set_options
from .forms import (
    Column,
    Confirm,
    Field,
    Form,
    a_date,
    badge,
    button,
    card,
    classes,
    date_input,
    esc,
    hide,
    note,
    optional,
    parsed_or_none,
    required_choice,
    row,
    table_html,
    text_input,
    title,
    whole_grams,
)

LIMIT = 100  # batches shown in the table (the newest matching the filters)
SESSION_ROWS = 4
DEFAULT_DAYS = 30  # the batch table opens on the last 30 days
_ROW_ERROR = re.compile(r"^row (\d+) (.+)$")

BATCH_COLUMNS = (
    Column("col.id", num=True),
    Column("col.date", css="nowrap"),
    Column("col.product"),
    Column("col.green", num=True),
    Column("col.roasted", num=True),
    Column("col.loss", num=True),
    Column("col.variance", num=True),
    Column("col.cost", num=True),
    Column("col.cost_kg", num=True),
    Column("col.operator"),
    Column("col.alert"),
)


# --- the live preview (pure arithmetic over what the store would use) -----------------------------


@dataclass
class PreviewInputs:
    """What a batch of `product` on `day` would be costed and judged with."""

    product: Product
    day: date
    components: list[dict]  # {bean_id, code, name_en, name_ko, parts}
    settings: Any
    expected_pct: Fraction
    avg_cost_per_g: dict[int, Fraction | None]
    available_g: dict[int, int]
    session_other_g: int  # green grams of the day's other batches
    session_other_n: int = 0  # how many other batches that day (they share its session costs)


def preview_inputs(conn, product_ref: str, day: date, *, batch_id: int | None = None) -> PreviewInputs:
    product = catalog.get_product(conn, product_ref)
    if product.kind == "blend":
        components = catalog.blend_components(conn, product.id)
    else:
        components = [
            {"bean_id": product.id, "code": product.code, "name_en": product.name_en, "name_ko": product.name_ko}
        ]
        components[0]["parts"] = 1
    settings = cost_settings.settings_on(conn, day)
    same_day = roasting.list_batches(conn, since=day, until=day, limit=None)
    return PreviewInputs(
        product=product,
        day=day,
        components=components,
        settings=settings,
        expected_pct=costs.expected_loss(conn, product, settings, day),
        avg_cost_per_g={c["bean_id"]: inventory.avg_cost_per_g(conn, c["bean_id"], day) for c in components},
        available_g={
            c["bean_id"]: inventory.available_g(conn, c["bean_id"], day, batch_id=batch_id) for c in components
        },
        session_other_g=sum(b["green_g"] for b in same_day if b["id"] != batch_id),
        session_other_n=sum(1 for b in same_day if b["id"] != batch_id),
    )


def compute_preview(inputs: PreviewInputs, green_by_bean: dict[int, int], roasted_g: int) -> dict[str, Any]:
    """Loss, variance, verdict and cost of a batch before it is saved (nothing is written)."""
    green = sum(green_by_bean.values())
    result: dict[str, Any] = {"green_g": green, "roasted_g": roasted_g, "expected_pct": inputs.expected_pct}
    short = {
        bean: (grams, inputs.available_g.get(bean, 0))
        for bean, grams in green_by_bean.items()
        if grams > inputs.available_g.get(bean, 0)
    }
    result["short"] = short
    if green <= 0 or roasted_g <= 0 or roasted_g >= green:
        result["valid"] = False
        return result
    loss = loss_pct(green, roasted_g)
    variance = loss - inputs.expected_pct
    green_won = sum(
        green_cost_won(grams, inputs.avg_cost_per_g.get(bean) or Fraction(0)) for bean, grams in green_by_bean.items()
    )
    cost = batch_cost(green_won, green, roasted_g, inputs.session_other_g + green, inputs.settings)
    result.update(
        valid=True,
        loss_pct=loss,
        variance_pts=variance,
        verdict=classify_variance(variance),
        green_cost_won=green_won,
        batch_cost_won=cost.total_won,
        roasting_cost_won=cost.roasting_won,
        session_cost_won=cost.session_won,
        cost_per_kg_won=cost.per_roasted_kg,
        loss_band=implausible_loss(loss, inputs.settings),
        unpriced=[b for b in green_by_bean if inputs.avg_cost_per_g.get(b) is None],
    )
    return result


def _int_or_none(text: Any) -> int | None:
    """Whole grams as typed, or None ("3000.7" and "abc" are not grams: the form says why)."""
    return parsed_or_none(whole_grams, text)


def _minutes(field: str, value: Any) -> Decimal:
    return parse_decimal(field, value, minimum=Decimal("0.1"), maximum=Decimal(240))


def _text(max_len: int):
    return lambda field, value: parse_text(field, value, max_len=max_len)


def _roasted_vs_green(field: str, green: int | None, roasted: int | None) -> ValidationError | None:
    """The store's rule, checked as the person types (same words as `roasting`)."""
    if green is not None and roasted is not None and roasted >= green:
        return ValidationError(
            field,
            f"must be less than the green weight ({green:,} g)",
            f"생두량({green:,} g)보다 적어야 합니다",
        )
    return None


def plausible_band(settings: Any) -> dict[str, str]:
    """The owner's plausible loss band as the "save anyway?" questions show it."""
    return {
        "low": fmt.pct(Fraction(settings.plausible_loss_min_bp, 100), 0),
        "high": fmt.pct(Fraction(settings.plausible_loss_max_bp, 100), 0),
    }


class RoastingTab(Tab):
    key = "roasting"
    watches = frozenset({"batches", "stock", "catalog", "settings"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.batches: list[dict] = []
        self.more = False
        self.editing: int | None = None
        self.inputs: PreviewInputs | None = None
        self.preview: dict[str, Any] | None = None
        self.components: list[dict] = []
        self.session_rows: list[dict] = []
        self._pending_delete: int | None = None
        self._build()
        self.refresh()

    # --- building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        can_log = self.ctx.can("log_batch")
        self.entry_title = title()
        self.mode = classes(
            widgets.ToggleButtons(options=[("", "single"), ("", "session")], value="single"), "themoon-mode"
        )
        self.on_change(self.mode, self._on_mode, "mode")
        head = classes(widgets.HBox([self.entry_title, self.mode]), "themoon-card-head")

        # one batch
        self.product = Field("product", widgets.Dropdown(), "f.product", check=required_choice)
        self.roasted_on = Field("roasted_on", date_input(self.ctx.today()), "f.roasted_on", check=a_date)
        self.operator = Field("operator", text_input(), "f.operator", check=_text(60))
        self.green_total = Field("green_g", text_input("g"), "f.green_g", check=whole_grams)
        self.roasted_g = Field("roasted_g", text_input("g"), "f.roasted_g", check=whole_grams)
        self.minutes = Field("minutes", text_input(), "f.minutes", check=optional(_minutes))
        self.notes = Field("notes", widgets.Textarea(rows=2), "f.notes", check=_text(2000))
        self.form = Form(
            [self.product, self.roasted_on, self.operator, self.green_total, self.roasted_g, self.minutes, self.notes],
            aliases={"roasted_on": "roasted_on", "components": "green_g", "batch_id": "product"},
            checks=[self.batch_problems],
        )
        self.form.status.add_class("themoon-batch-status")
        self.component_box = classes(widgets.Box(), "themoon-components")
        self.recipe_note = note("themoon-recipe-note")
        self.preview_box = classes(widgets.HTML(), "themoon-preview")
        self.save = button("primary", "themoon-save-batch")
        self.clear_button = button("secondary", "themoon-clear-batch")
        self.cancel_edit = button("secondary", "themoon-cancel-edit")
        hide(self.cancel_edit)
        self.confirm_save = Confirm(self.form, "themoon-confirm-batch")
        self.on_click(self.confirm_save.yes, self._save_batch_anyway, "save_batch")
        self.on_click(self.confirm_save.no, self.confirm_save.withdraw, "save_batch")
        self.on_click(self.save, self._save_batch, "save_batch")
        self.on_click(self.clear_button, self._clear_clicked, "clear")
        self.on_click(self.cancel_edit, self._cancel_edit, "cancel_edit")
        self.on_change(self.product.widget, self._on_product, "product")
        self.on_change(self.roasted_on.widget, self._on_day, "day")
        self.on_change(self.green_total.widget, self._on_total, "total")
        self.on_change(self.roasted_g.widget, self._update_preview, "preview")
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

        # a whole session
        self.s_day = Field("session_day", date_input(self.ctx.today()), "f.roasted_on", check=a_date)
        self.s_operator = Field("session_operator", text_input(), "f.operator", check=_text(60))
        self.session_form = Form(
            [self.s_day, self.s_operator], aliases={"roasted_on": "session_day"}, checks=[self.session_problems]
        )
        self.session_form.status.add_class("themoon-session-status")
        self.session_head = classes(widgets.HTML(), "themoon-session-head")
        self.session_grid = classes(widgets.VBox(), "themoon-session-rows")
        self.add_row = button("secondary", "themoon-add-row")
        self.save_session = button("primary", "themoon-save-session")
        self.on_click(self.add_row, self._add_session_row, "add_row")
        self.on_click(self.save_session, self._save_session, "save_session")
        self.confirm_session = Confirm(self.session_form, "themoon-confirm-session")
        self.on_click(self.confirm_session.yes, self._save_session_anyway, "save_session")
        self.on_click(self.confirm_session.no, self.confirm_session.withdraw, "save_session")
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
        self.readonly_note = note("themoon-readonly")
        self.entry = card([head, self.single, self.session], "themoon-entry-card")
        if not can_log:
            self.entry = card([self.readonly_note], "themoon-entry-card")

        # the batch table
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

        # owner: edit, delete, resolve
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
        self.actions = classes(
            widgets.VBox(
                [
                    row(
                        [self.pick.box, self.edit_button, self.delete_button, self.alert_note.box, self.resolve_button],
                        "themoon-batch-actions",
                    ),
                    self.confirm,
                    self.actions_form.status,
                ]
            ),
            "themoon-owner-only",
        )
        if not (self.ctx.can("edit_batch") or self.ctx.can("resolve_alert") or self.ctx.can("correct_own")):
            hide(self.actions)
        table_card = card(
            [
                self.table_title,
                row([self.f_since.box, self.f_until.box, self.f_product.box, self.f_alerts], "themoon-filters"),
                self.table,
                self.table_note,
                self.actions,
            ],
            "themoon-batches",
        )
        self.finish([self.entry, table_card])

    # --- data ---------------------------------------------------------------------------------------

    def load(self) -> None:
        conn = self.ctx.conn()
        lang = self.lang
        keep = self.product.value
        self.quietly(lambda: set_options(self.product.widget, product_options(conn, lang, blank_key="f.choose"), keep))
        self.quietly(
            lambda: set_options(
                self.f_product.widget, product_options(conn, lang, blank_key="f.all_products", active=None)
            )
        )
        for r in self.session_rows:
            self.quietly(
                lambda r=r: set_options(
                    r["product"].widget, product_options(conn, lang, blank_key="f.choose"), r["product"].value
                )
            )
        if not self.operator.value and self.ctx.user:
            self.operator.value = self.ctx.user.get("display_name") or self.ctx.user["username"]
            self.s_operator.value = self.operator.value
        self._load_table()
        self._load_components()

    def _load_table(self) -> None:
        conn = self.ctx.conn()
        since, until = self.f_since.value, self.f_until.value
        product = self.f_product.value or None
        if self.f_alerts.value:
            open_ids = [a["batch_id"] for a in roasting.list_alerts(conn, open_only=True, limit=LIMIT + 1)]
            rows = [roasting.get_batch(conn, i) for i in open_ids]
            rows = [
                b
                for b in rows
                if (since is None or b["roasted_on"] >= since.isoformat())
                and (until is None or b["roasted_on"] <= until.isoformat())
                and (product is None or f"{b['product_kind']}:{b['product']}" == product)
            ]
        else:
            rows = roasting.list_batches(conn, since=since, until=until, product=product, limit=LIMIT + 1)
        self.more = len(rows) > LIMIT
        self.batches = rows[:LIMIT]

    def _reload_table(self) -> None:
        self.filters.clear()
        ok, _ = self.ctx.run(self.filters, self._load_table, where="roasting.filter")
        if ok:
            self._render_table()

    def _load_components(self) -> None:
        """The preview's inputs and the component fields for the chosen product and day."""
        product = self.product.value
        day = self.roasted_on.value or self.ctx.today()
        if not product:
            self.inputs = None
        else:
            try:
                self.inputs = preview_inputs(self.ctx.conn(), product, day, batch_id=self.editing)
            except ValidationError:
                self.inputs = None
        wanted = self.inputs.components if (self.inputs and self.inputs.product.kind == "blend") else []
        if [c["code"] for c in wanted] != [c["code"] for c in self.components]:
            for c in self.components:
                self.form.remove(c["field"].name)
            self.components = []
            for comp in wanted:
                field = Field(f"green_g[{comp['code']}]", text_input("g"), "f.component", check=self._component_check)
                entry = {**comp, "field": field, "touched": False}
                self.on_change(field.widget, lambda entry=entry: self._on_component(entry), "component")
                self.form.add(field)
                self.components.append(entry)
            self.component_box.children = [c["field"].box for c in self.components]
        hide(self.component_box, not self.components)
        self._relabel_components()
        self._update_preview()

    # --- rendering ------------------------------------------------------------------------------------

    def render(self) -> None:
        lang = self.lang
        self.entry_title.value = esc(
            self.tr("roast.edit_title", id=self.editing) if self.editing else self.tr("roast.title")
        )
        self.quietly(
            lambda: setattr(
                self.mode,
                "options",
                [(self.tr("roast.mode.single"), "single"), (self.tr("roast.mode.session"), "session")],
            )
        )
        self.form.relabel(lang)
        self.session_form.relabel(lang)
        self.filters.relabel(lang)
        self.actions_form.relabel(lang)
        self._relabel_components()
        self.save.description = self.tr("roast.save_edit" if self.editing else "roast.save")
        self.clear_button.description = self.tr("btn.clear")
        self.cancel_edit.description = self.tr("btn.cancel_edit")
        self.add_row.description = self.tr("roast.add_row")
        self.save_session.description = self.tr("roast.save_session")
        self.edit_button.description = self.tr("btn.edit")
        self.delete_button.description = self.tr("btn.delete")
        self.resolve_button.description = self.tr("roast.resolve")
        self.confirm_yes.description = self.tr("btn.confirm_delete")
        self.confirm_no.description = self.tr("btn.cancel")
        self.f_alerts.description = self.tr("roast.open_alerts_only")
        self.readonly_note.value = esc(self.tr("roast.readonly"))
        self.table_title.value = esc(self.tr("roast.table_title"))
        self.session_head.value = "".join(
            f"<span>{esc(self.tr(k))}</span>"
            for k in ("f.product", "f.green_g", "f.roasted_g", "f.minutes", "f.notes", "col.loss")
        )
        for r in self.session_rows:
            for name in ("product", "green_g", "roasted_g", "minutes", "notes"):
                r[name].relabel(lang)
        self._render_table()
        self._render_preview()

    def _relabel_components(self) -> None:
        for comp in self.components:
            name = local_name(comp, self.lang)
            total = sum(c["parts"] for c in self.components)
            comp["field"].relabel(self.lang, name=name, share=fmt.pct(Fraction(comp["parts"] * 100, total), 0))
        if self.components:
            total = sum(c["parts"] for c in self.components)
            recipe = " · ".join(f"{esc(local_name(c, self.lang))} {c['parts']}" for c in self.components)
            self.recipe_note.value = f"{esc(self.tr('roast.recipe', parts=total))} {recipe}"
        else:
            self.recipe_note.value = ""
        hide(self.recipe_note, not self.components)

    def _render_table(self) -> None:
        lang = self.lang
        rows, classes_ = [], []
        for b in self.batches:
            name = (b["product_name_ko"] or b["product_name_en"]) if lang == "ko" else b["product_name_en"]
            alert = b["alert"]
            if alert is None:
                alert_html = ""
            else:
                kind = "ok" if alert["resolved"] else ("bad" if alert["level"] == "CRITICAL" else "warn")
                label = (
                    self.tr(f"alert.{alert['level'].lower()}") + " " + self.tr(f"alert.{alert['direction'].lower()}")
                )
                if alert["resolved"]:
                    label += " · " + self.tr("alert.resolved")
                alert_html = badge(label, kind)
            variance = b["variance_pct"]
            rows.append(
                [
                    esc(b["id"]),
                    esc(fmt.date_text(b["roasted_on"], lang)),
                    esc(name),
                    esc(fmt.grams(b["green_g"])),
                    esc(fmt.grams(b["roasted_g"])),
                    esc(fmt.pct(b["loss_pct"])),
                    esc(fmt.points(variance, lang)),
                    self._cost_cell(b),
                    esc(fmt.won(b["cost_per_roasted_kg_won"])),
                    esc(b["operator"]),
                    alert_html,
                ]
            )
            classes_.append("themoon-row--alert" if alert and not alert["resolved"] else "")
        self.table.value = table_html(
            BATCH_COLUMNS, rows, lang, empty=self.tr("roast.none"), css="themoon-batches-table", row_classes=classes_
        )
        shown = len(self.batches)
        self.table_note.value = esc(
            (self.tr("roast.more", n=shown) if self.more else self.tr("roast.count", n=shown))
            + " "
            + self.tr("roast.cost_note")
        )
        options = [(self.tr("f.choose_batch"), 0)] + [
            (f"#{b['id']} · {b['roasted_on']} · {b['product']}", b["id"]) for b in self.batches
        ]
        self.quietly(lambda: set_options(self.pick.widget, options))
        self._on_pick()

    def _cost_cell(self, b: dict) -> str:
        """The batch cost and what it is made of, as the store costed it (`roasting.list_batches`)."""
        parts = self.tr(
            "roast.cost_parts",
            green=fmt.won(b["green_cost_won"]),
            roasting=fmt.won(b["roasting_cost_won"]),
            session=fmt.won(b["session_cost_won"]),
            n=b["session_batches"],
        )
        return f'{esc(fmt.won(b["batch_cost_won"]))}<div class="themoon-cost-parts">{esc(parts)}</div>'

    def _render_preview(self) -> None:
        p, lang = self.preview, self.lang
        head = f'<div class="themoon-preview-title">{esc(self.tr("preview.title"))}</div>'
        if not p or self.inputs is None:
            body = f'<div class="themoon-preview-empty">{esc(self.tr("preview.empty"))}</div>'
            self.preview_box.value = head + body
            return
        expected = fmt.pct(p["expected_pct"])
        lines = []
        if not p.get("valid"):
            if p.get("mismatch"):
                beans, green = p["mismatch"]
                text = self.tr("preview.mismatch", beans=fmt.grams(beans), green=fmt.grams(green))
                lines.append(f'<div class="themoon-preview-warn">{esc(text)}</div>')
            elif p["green_g"] and p["roasted_g"] and p["roasted_g"] >= p["green_g"]:
                lines.append(f'<div class="themoon-preview-warn">{esc(self.tr("preview.roasted_ge"))}</div>')
            else:
                lines.append(f'<div class="themoon-preview-empty">{esc(self.tr("preview.need"))}</div>')
            stats = [(self.tr("preview.expected"), expected, "")]
        else:
            verdict = p["verdict"]
            state = "good" if verdict is None else ("bad" if verdict.level == "CRITICAL" else "warn")
            verdict_text = (
                self.tr("preview.normal")
                if verdict is None
                else self.tr(f"alert.{verdict.level.lower()}") + " " + self.tr(f"alert.{verdict.direction.lower()}")
            )
            stats = [
                (self.tr("preview.loss"), fmt.pct(p["loss_pct"]), state),
                (self.tr("preview.expected"), expected, ""),
                (self.tr("preview.variance"), fmt.points(p["variance_pts"], lang), state),
                (self.tr("preview.verdict"), verdict_text, state),
                (self.tr("preview.green_cost"), fmt.won(p["green_cost_won"]), ""),
                (self.tr("preview.roasting_cost"), fmt.won(p["roasting_cost_won"]), ""),
                (self.tr("preview.session_cost"), fmt.won(p["session_cost_won"]), ""),
                (self.tr("preview.batch_cost"), fmt.won(p["batch_cost_won"]), ""),
                (self.tr("preview.cost_kg"), fmt.won(p["cost_per_kg_won"]), ""),
            ]
            shared = self.tr(
                "preview.shared",
                session=fmt.won(self.inputs.settings.session_fixed_won),
                n=self.inputs.session_other_n,
                day=self.inputs.day.isoformat(),
                share=fmt.won(p["session_cost_won"]),
            )
            lines.append(f'<div class="themoon-preview-note themoon-preview-shared">{esc(shared)}</div>')
            if p.get("unpriced"):
                lines.append(f'<div class="themoon-preview-warn">{esc(self.tr("preview.unpriced"))}</div>')
        for bean, (want, have) in p.get("short", {}).items():
            code = next((c["code"] for c in self.inputs.components if c["bean_id"] == bean), bean)
            lines.append(
                f'<div class="themoon-preview-warn">'
                f"{esc(self.tr('preview.short', code=code, have=fmt.grams(max(have, 0)), want=fmt.grams(want)))}</div>"
            )
        grid = "".join(
            f'<div class="themoon-stat {("themoon-stat--" + s) if s else ""}">'
            f'<span class="themoon-stat-label">{esc(label)}</span>'
            f'<span class="themoon-stat-value">{esc(value)}</span></div>'
            for label, value, s in stats
        )
        self.preview_box.value = head + f'<div class="themoon-stats">{grid}</div>' + "".join(lines)

    # --- the single-batch form -------------------------------------------------------------------------

    def _on_mode(self) -> None:
        single = self.mode.value == "single"
        if not single and not self.session_rows:  # built when first used: fewer widgets to start
            for _ in range(SESSION_ROWS):
                self._new_session_row()
            self.render()
        hide(self.single, not single)
        hide(self.session, single)

    def _on_product(self) -> None:
        self.form.clear()
        self._load_components()

    def _on_day(self) -> None:
        self._load_components()

    def _on_total(self) -> None:
        """Green (g) is the batch's one green weight: while no per-bean box was typed in, the
        boxes show it split by the recipe's parts (exact grams), or nothing while it is not a
        whole number."""
        if self.components and not self.typed_components():
            self._derive_components()
        self._update_preview()

    def _derive_components(self) -> None:
        total = _int_or_none(self.green_total.value)
        shares = split_by_parts(total, [c["parts"] for c in self.components]) if total else None

        def fill() -> None:
            for i, comp in enumerate(self.components):
                comp["touched"] = False
                comp["field"].value = str(shares[i]) if shares else ""

        self.quietly(fill)

    def _on_component(self, comp: dict) -> None:
        """A per-bean box typed in: from now on the boxes are the person's, checked against Green;
        all of them emptied again means "split Green by the recipe" once more."""
        comp["touched"] = True
        if not self.typed_components():
            self._derive_components()
        self._update_preview()

    def typed_components(self) -> bool:
        """Whether the per-bean boxes hold grams the person typed (not derived from Green)."""
        return any(c["touched"] and str(c["field"].value).strip() for c in self.components)

    def _component_check(self, field: str, value: Any) -> int | None:
        return whole_grams(field, value) if self.typed_components() else None

    def green_by_bean(self) -> dict[int, int] | None:
        """Green grams per bean id of the one green weight (None while it is not whole grams, or
        while typed per-bean grams do not add up to Green)."""
        if self.inputs is None:
            return None
        total = _int_or_none(self.green_total.value)
        if total is None:
            return None
        if self.components:
            if self.typed_components():
                values = {c["bean_id"]: _int_or_none(c["field"].value) for c in self.components}
                if any(v is None for v in values.values()) or sum(values.values()) != total:
                    return None
                return values
            shares = split_by_parts(total, [c["parts"] for c in self.components])
            return {c["bean_id"]: g for c, g in zip(self.components, shares, strict=True)}
        return {self.inputs.product.id: total}

    def batch_problems(self) -> list[ValidationError]:
        """What the store would refuse, found before asking it: per-bean grams that do not add up
        to Green, a Green too small to split, roasted not below green, more green than in stock."""
        errors: list[ValidationError] = []
        if self.inputs is None:
            return errors
        total = _int_or_none(self.green_total.value)
        if self.components and total is not None:
            if self.typed_components():
                grams = [_int_or_none(c["field"].value) for c in self.components]
                if None not in grams and sum(grams) != total:
                    errors.append(
                        ValidationError(
                            "green_g",
                            f"must equal the per-bean grams below, which add up to {sum(grams):,} g",
                            f"아래 원두별 무게의 합({sum(grams):,} g)과 같아야 합니다",
                        )
                    )
            elif min(split_by_parts(total, [c["parts"] for c in self.components])) <= 0:
                errors.append(
                    ValidationError(
                        "green_g",
                        f"{total:,} g is too little to split by the recipe's parts",
                        f"{total:,} g은 레시피 비율로 나누기에 너무 적습니다",
                    )
                )
        error = _roasted_vs_green("roasted_g", total, _int_or_none(self.roasted_g.value))
        if error:
            errors.append(error)
        green = self.green_by_bean() or {}
        typed = self.typed_components()
        for comp in self.components or [{"bean_id": self.inputs.product.id, "code": self.inputs.product.code}]:
            want, have = green.get(comp["bean_id"], 0), self.inputs.available_g.get(comp["bean_id"], 0)
            if want > have:
                errors.append(
                    ValidationError(
                        comp["field"].name if typed else "green_g",
                        f"only {max(have, 0):,} g of {comp['code']} in stock on {self.inputs.day}"
                        f" (asked for {want:,} g)",
                        f"{self.inputs.day} 기준 {comp['code']} 재고는 {max(have, 0):,} g 뿐입니다 (요청 {want:,} g)",
                    )
                )
        return errors

    def _update_preview(self) -> None:
        green = self.green_by_bean()
        roasted = _int_or_none(self.roasted_g.value)
        if self.inputs is None or green is None or roasted is None:
            self.preview = {"green_g": sum((green or {}).values()), "roasted_g": roasted, "valid": False}
            self.preview["expected_pct"] = self.inputs.expected_pct if self.inputs else None
            self.preview["mismatch"] = self._mismatch()
            if self.inputs is None:
                self.preview = None
        else:
            self.preview = compute_preview(self.inputs, green, roasted)
        self._render_preview()

    def _mismatch(self) -> tuple[int, int] | None:
        """(per-bean sum, Green) when typed per-bean grams do not add up to Green."""
        if not (self.components and self.typed_components()):
            return None
        total = _int_or_none(self.green_total.value)
        grams = [_int_or_none(c["field"].value) for c in self.components]
        if total is None or None in grams or sum(grams) == total:
            return None
        return sum(grams), total

    def batch_values(self) -> dict[str, Any]:
        """What the form sends to the store, as typed: the one green weight, and the per-bean grams
        when the person typed them (the store checks they add up to it)."""
        values: dict[str, Any] = {
            "product": self.product.value,
            "roasted_on": self.roasted_on.value,
            "roasted_g": self.roasted_g.value,
            "minutes": self.minutes.value,
            "operator": self.operator.value,
            "notes": self.notes.value,
            "green_g": self.green_total.value,
            "components": None,
        }
        if self.typed_components():
            values["components"] = {c["code"]: c["field"].value for c in self.components}
        return values

    def _save_batch(self, confirmed: bool = False) -> None:
        """Check every field (all bad ones marked at once); a loss outside the owner's plausible
        band asks "save anyway?" first; then one store call."""
        values = self.batch_values()
        conn = self.ctx.conn()
        editing = self.editing

        def save() -> dict | None:
            self.form.require_valid(self.lang)
            if not confirmed and self._ask_implausible():
                return None
            if editing:
                return roasting.update_batch(conn, editing, user=self.ctx.username, role=self.ctx.role, **values)
            return roasting.add_batch(conn, user=self.ctx.username, **values)

        action = self._correct_action() if editing else "log_batch"
        where = "roasting.update_batch" if editing else "roasting.add_batch"
        self.confirm_save.withdraw()
        ok, saved = self.ctx.run(self.form, save, action=action, where=where)
        if not ok or saved is None:  # refused, or asking "save anyway?"
            if not ok and editing and not roasting.batch_exists(conn, editing):  # deleted on another page
                self._cancel_edit()
                self.refresh()
                self.form.set_status("error", self.tr("roast.gone", id=editing))
            return
        message = self.tr(
            "roast.saved",
            id=saved["id"],
            loss=fmt.pct(saved["loss_pct"]),
            cost=fmt.won(saved["batch_cost_won"]),
        )
        self.editing = None
        self._clear_amounts()
        self.after_write("batches", self.form, message)

    def _ask_implausible(self) -> bool:
        """Ask "save anyway?" when the typed loss is outside the plausible band; True if asked."""
        green = self.green_by_bean()
        roasted = _int_or_none(self.roasted_g.value)
        if self.inputs is None or green is None or roasted is None:
            return False
        preview = compute_preview(self.inputs, green, roasted)
        if not preview.get("valid") or preview["loss_band"] is None:
            return False
        s = self.inputs.settings
        self.confirm_save.ask(
            self.tr(
                "roast.implausible",
                loss=fmt.pct(preview["loss_pct"]),
                green=fmt.grams(preview["green_g"]),
                roasted=fmt.grams(roasted),
                **plausible_band(s),
            ),
            self.lang,
        )
        return True

    def _save_batch_anyway(self) -> None:
        if self.confirm_save.asking:  # a stale or forged click saves nothing
            self._save_batch(confirmed=True)

    def _clear_amounts(self) -> None:
        def clear() -> None:
            for field in (self.green_total, self.roasted_g, self.minutes, self.notes):
                field.value = ""
            for comp in self.components:
                comp["field"].value = ""
                comp["touched"] = False

        self.quietly(clear)
        self.confirm_save.withdraw()
        hide(self.cancel_edit)

    def _clear_clicked(self) -> None:
        self.form.clear()
        self._clear_amounts()
        self._update_preview()

    def _cancel_edit(self) -> None:
        self.editing = None
        self.form.clear()
        self._clear_amounts()
        self._load_components()
        self.render()

    # --- session (table) entry ---------------------------------------------------------------------------

    def _new_session_row(self) -> dict:
        number = len(self.session_rows) + 1
        product = Field(f"row {number} product", widgets.Dropdown(), "f.product")
        set_options(product.widget, product_options(self.ctx.conn(), self.lang, blank_key="f.choose"), "")
        r = {
            "product": product,
            "green_g": Field(f"row {number} green_g", text_input("g"), "f.green_g"),
            "roasted_g": Field(f"row {number} roasted_g", text_input("g"), "f.roasted_g"),
            "minutes": Field(f"row {number} minutes", text_input(), "f.minutes"),
            "notes": Field(f"row {number} notes", text_input(), "f.notes"),
            "loss": classes(widgets.HTML(), "themoon-row-loss"),
            "number": number,
        }
        for name in ("product", "green_g", "roasted_g", "minutes", "notes"):
            r[name].relabel(self.lang)
            r[name].box.add_class("themoon-field--bare")
            self.session_form.add(r[name])
        for name in ("green_g", "roasted_g"):
            self.on_change(r[name].widget, lambda r=r: self._row_loss(r), "row_loss")
        r["box"] = classes(
            widgets.Box(
                [r["product"].box, r["green_g"].box, r["roasted_g"].box, r["minutes"].box, r["notes"].box, r["loss"]]
            ),
            "themoon-session-row",
        )
        self.session_rows.append(r)
        self.session_grid.children = [x["box"] for x in self.session_rows]
        return r

    def _add_session_row(self) -> None:
        if len(self.session_rows) < 30:
            self._new_session_row()

    def _row_loss(self, r: dict) -> None:
        green, roasted = _int_or_none(r["green_g"].value), _int_or_none(r["roasted_g"].value)
        if green and roasted and roasted < green:
            r["loss"].value = esc(fmt.pct(loss_pct(green, roasted)))
        else:
            r["loss"].value = ""

    def _used(self, r: dict) -> bool:
        return any(str(r[n].value or "").strip() for n in ("product", "green_g", "roasted_g", "minutes", "notes"))

    def session_problems(self) -> list[ValidationError]:
        """Each row that holds anything, checked like the one-batch form (an empty row is skipped)."""
        errors: list[ValidationError] = []
        for r in self.session_rows:
            if not self._used(r):
                continue
            n = r["number"]
            checks = (
                ("product", required_choice),
                ("green_g", whole_grams),
                ("roasted_g", whole_grams),
                ("minutes", optional(_minutes)),
                ("notes", _text(2000)),
            )
            for name, check in checks:
                try:
                    check(f"row {n} {name}", r[name].value)
                except ValidationError as error:
                    errors.append(error)
            error = _roasted_vs_green(
                f"row {n} roasted_g", _int_or_none(r["green_g"].value), _int_or_none(r["roasted_g"].value)
            )
            if error:
                errors.append(error)
        return errors

    def session_values(self) -> tuple[list[dict], list[int]]:
        """The rows that hold anything, as typed, and their shown row numbers."""
        rows, numbers = [], []
        for number, r in enumerate(self.session_rows, start=1):
            typed = [r[n].value for n in ("product", "green_g", "roasted_g", "minutes", "notes")]
            if not any(str(v or "").strip() for v in typed):
                continue
            rows.append(
                {
                    "product": r["product"].value,
                    "roasted_on": self.s_day.value,
                    "green_g": r["green_g"].value,
                    "roasted_g": r["roasted_g"].value,
                    "minutes": r["minutes"].value,
                    "notes": r["notes"].value,
                    "operator": self.s_operator.value,
                }
            )
            numbers.append(number)
        return rows, numbers

    def _save_session(self, confirmed: bool = False) -> None:
        rows, numbers = self.session_values()
        conn = self.ctx.conn()

        def save() -> list[dict] | None:
            self.session_form.require_valid(self.lang)
            if not confirmed and self._ask_implausible_rows():
                return None
            try:
                return roasting.add_session(conn, rows, user=self.ctx.username)
            except ValidationError as error:
                match = _ROW_ERROR.match(error.field)
                if match and 0 < int(match.group(1)) <= len(numbers):
                    shown = numbers[int(match.group(1)) - 1]
                    raise ValidationError(f"row {shown} {match.group(2)}", error.message, error.message_ko) from None
                raise

        self.confirm_session.withdraw()
        ok, saved = self.ctx.run(self.session_form, save, action="log_batch", where="roasting.add_session")
        if not ok or saved is None:  # refused, or asking "save anyway?"
            return

        def clear() -> None:
            for r in self.session_rows:
                for name in ("green_g", "roasted_g", "minutes", "notes"):
                    r[name].value = ""
                r["loss"].value = ""

        self.quietly(clear)
        self.after_write("batches", self.session_form, self.tr("roast.session_saved", n=len(saved)))

    def _ask_implausible_rows(self) -> bool:
        """Ask "save anyway?" when any row's loss is outside the plausible band; True if asked."""
        settings = cost_settings.settings_on(self.ctx.conn(), self.s_day.value or self.ctx.today())
        odd = []
        for r in self.session_rows:
            green, roasted = _int_or_none(r["green_g"].value), _int_or_none(r["roasted_g"].value)
            if self._used(r) and green and roasted and roasted < green:
                loss = loss_pct(green, roasted)
                if implausible_loss(loss, settings):
                    odd.append(self.tr("roast.row_loss", n=r["number"], loss=fmt.pct(loss)))
        if not odd:
            return False
        self.confirm_session.ask(
            self.tr(
                "roast.implausible_rows",
                rows=", ".join(odd),
                **plausible_band(settings),
            ),
            self.lang,
        )
        return True

    def _save_session_anyway(self) -> None:
        if self.confirm_session.asking:  # a stale or forged click saves nothing
            self._save_session(confirmed=True)

    # --- owner actions on a listed batch --------------------------------------------------------------------

    def selected(self) -> dict | None:
        return next((b for b in self.batches if b["id"] == self.pick.value), None)

    def _correct_action(self) -> str:
        """The role check for editing or deleting: the owner's, or staff's own-entries one (the
        store then checks the batch is theirs and of today: `users.require_correction`)."""
        return "edit_batch" if self.ctx.can("edit_batch") else "correct_own"

    def _may_correct(self, batch: dict | None) -> bool:
        if batch is None:
            return False
        try:
            return users.may_correct(
                self.ctx.conn(),
                username=self.ctx.username,
                role=self.ctx.role,
                entity="roast_batch",
                entity_id=batch["id"],
            )
        except Exception:
            return False

    def _on_pick(self) -> None:
        batch = self.selected()
        owner = self._may_correct(batch)
        self.edit_button.disabled = batch is None or not owner
        self.delete_button.disabled = batch is None or not owner
        has_open = bool(batch and batch["alert"] and not batch["alert"]["resolved"])
        self.resolve_button.disabled = not (has_open and self.ctx.can("resolve_alert"))
        self.alert_note.widget.disabled = self.resolve_button.disabled
        hide(self.edit_button, not owner)
        hide(self.delete_button, not owner)
        hide(self.alert_note.box, not self.ctx.can("resolve_alert"))
        hide(self.resolve_button, not self.ctx.can("resolve_alert"))
        self._cancel_delete()

    def _edit(self) -> None:
        self.actions_form.clear()
        batch_id = self.pick.value
        ok, batch = self.ctx.run(
            self.actions_form,
            lambda: roasting.get_batch(self.ctx.conn(), batch_id),
            action=self._correct_action(),
            where="roasting.edit",
        )
        if not ok:
            return
        self.editing = batch["id"]
        self.mode.value = "single"
        self.form.clear()  # errors and questions about what was typed before do not carry over
        self.confirm_save.withdraw()

        def fill() -> None:
            self.product.value = f"{batch['product_kind']}:{batch['product']}"
            self.roasted_on.value = date.fromisoformat(batch["roasted_on"])
            self.roasted_g.value = str(batch["roasted_g"])
            self.minutes.value = "" if batch["minutes"] is None else fmt.number(batch["minutes"], 1).replace(",", "")
            self.operator.value = batch["operator"] or ""
            self.notes.value = batch["notes"] or ""
            self.green_total.value = str(batch["green_g"])

        self.quietly(fill)
        self._load_components()
        grams = {c["bean"]: c["green_g"] for c in batch["components"]}

        derived = split_by_parts(batch["green_g"], [c["parts"] for c in self.components]) if self.components else []

        def fill_components() -> None:
            for comp, share in zip(self.components, derived, strict=True):
                comp["field"].value = str(grams.get(comp["code"], ""))
                comp["touched"] = grams.get(comp["code"]) != share  # weighed per bean: the person's

        self.quietly(fill_components)
        self._update_preview()
        hide(self.cancel_edit, False)
        self.render()
        self.form.set_status("info", self.tr("roast.editing", id=batch["id"]))

    def _ask_delete(self) -> None:
        batch = self.selected()
        if batch is None:
            return
        if not self._may_correct(batch):
            self.actions_form.set_status("error", self.tr("err.denied"))
            return
        self._pending_delete = batch["id"]
        self.confirm_text.value = esc(self.tr("roast.confirm_delete", id=batch["id"], day=batch["roasted_on"]))
        hide(self.confirm, False)

    def _cancel_delete(self) -> None:
        self._pending_delete = None
        hide(self.confirm)

    def _delete(self) -> None:
        batch_id = self._pending_delete
        if batch_id is None:
            return
        ok, _ = self.ctx.run(
            self.actions_form,
            lambda: roasting.delete_batch(self.ctx.conn(), batch_id, user=self.ctx.username, role=self.ctx.role),
            action=self._correct_action(),
            where="roasting.delete_batch",
        )
        self._cancel_delete()
        if ok:
            if self.editing == batch_id:
                self._cancel_edit()
            self.after_write("batches", self.actions_form, self.tr("roast.deleted", id=batch_id))

    def _resolve(self) -> None:
        batch_id = self.pick.value
        text = self.alert_note.value
        ok, _ = self.ctx.run(
            self.actions_form,
            lambda: roasting.resolve_alert(self.ctx.conn(), batch_id, text, user=self.ctx.username),
            action="resolve_alert",
            where="roasting.resolve_alert",
        )
        if ok:
            self.alert_note.value = ""
            self.after_write("batches", self.actions_form, self.tr("roast.resolved", id=batch_id))


__all__ = ["RoastingTab", "compute_preview", "preview_inputs", "product_label"]

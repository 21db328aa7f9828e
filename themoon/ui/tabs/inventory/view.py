"""Green inventory tab, the view: the stock table, the purchase and stocktake forms, today's own
entries and the ledger of one bean, bound to `InventoryModel` (model.py), which reads and writes."""

from __future__ import annotations

from datetime import date

import ipywidgets as widgets

from ... import format as fmt
from ...base import Tab, bean_name, bean_options, set_options
from ...corrections import TodaysEntries
from ...forms import (
    Column,
    Field,
    Form,
    badge,
    button,
    card,
    classes,
    columns,
    date_input,
    esc,
    hide,
    note,
    num,
    parsed_or_none,
    row,
    table_html,
    text_input,
    title,
    whole_grams,
    whole_grams_or_zero,
    whole_won,
)
from ...results import Result
from .model import PURCHASE_CHECKS as P
from .model import STOCKTAKE_CHECKS as S
from .model import InventoryModel

STOCK_COLUMNS = columns(
    "col.bean",
    num("col.stock"),
    num("col.reorder"),
    num("col.avg_cost"),
    num("col.value"),
    num("col.runout"),
    "col.status",
)
LEDGER_COLUMNS = columns(
    Column("col.date", css="nowrap"),
    "col.movement",
    num("col.ref"),
    num("col.change"),
    num("col.value"),
    num("col.balance"),
)


class InventoryTab(Tab):
    key = "inventory"
    watches = frozenset({"batches", "stock", "catalog"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.model = InventoryModel(ctx)
        self.model.origin = self
        self._build()
        self.refresh()

    # --- building ------------------------------------------------------------------------------------

    def _build(self) -> None:
        stock_card = self._build_stock()
        self.purchase_card = self._build_purchase()
        self.stocktake_card = self._build_stocktake()
        hide(self.purchase_card, not self.ctx.can("purchase"))
        hide(self.stocktake_card, not self.ctx.can("stocktake"))
        forms = classes(widgets.Box([self.purchase_card, self.stocktake_card]), "themoon-grid-2")
        ledger_card = self._build_ledger()
        self.todays = TodaysEntries(self)  # take back today's own purchases / counts (ui/corrections.py)
        self.finish([stock_card, forms, self.todays.box, ledger_card])

    def _build_stock(self) -> widgets.Widget:
        self.stock_title = title()
        self.show_inactive = classes(widgets.Checkbox(value=False, indent=False), "themoon-show-inactive")
        self.on_change(self.show_inactive, self._toggle_inactive, "inactive")
        self.stock_table = classes(widgets.HTML(), "themoon-stock-table")
        self.stock_note = note()
        head = classes(widgets.HBox([self.stock_title, self.show_inactive]), "themoon-card-head")
        return card([head, self.stock_table, self.stock_note], "themoon-stock")

    def _build_purchase(self) -> widgets.Widget:
        self.p_title = title()
        self.p_bean = Field("bean", widgets.Dropdown(), "f.bean", check=P["bean"])
        self.p_day = Field("purchased_on", date_input(self.ctx.today()), "f.purchased_on", check=P["purchased_on"])
        self.p_grams = Field("grams", text_input("g"), "f.grams", check=P["grams"])
        self.p_total = Field("total_won", text_input("₩"), "f.total_won", check=P["total_won"])
        self.p_supplier = Field("supplier", text_input(), "f.supplier", check=P["supplier"])
        self.p_lot = Field("lot_code", text_input(), "f.lot_code", check=P["lot_code"])
        self.p_notes = Field("notes", text_input(), "f.notes", check=P["notes"])
        self.p_unit = note("themoon-unit-price")
        self.purchase_form = Form(
            [self.p_bean, self.p_day, self.p_grams, self.p_total, self.p_supplier, self.p_lot, self.p_notes]
        )
        self.p_save = button("primary", "themoon-save-purchase")
        self.on_click(self.p_save, self._save_purchase, "save_purchase")
        for field in (self.p_grams, self.p_total):
            self.on_change(field.widget, self._unit_price, "unit_price")
        return card(
            [
                self.p_title,
                row([self.p_bean.box, self.p_day.box], "themoon-row-2"),
                row([self.p_grams.box, self.p_total.box], "themoon-row-2"),
                self.p_unit,
                row([self.p_supplier.box, self.p_lot.box], "themoon-row-2"),
                self.p_notes.box,
                row([self.p_save], "themoon-actions"),
                self.purchase_form.status,
            ],
            "themoon-purchase",
        )

    def _build_stocktake(self) -> widgets.Widget:
        self.s_title = title()
        self.s_bean = Field("bean", widgets.Dropdown(), "f.bean", check=S["bean"])
        self.s_day = Field("on", date_input(self.ctx.today()), "f.counted_on", check=S["on"])
        self.s_counted = Field("counted_g", text_input("g"), "f.counted_g", check=S["counted_g"])
        self.s_reason = Field("reason", text_input(), "f.reason", check=S["reason"])
        self.s_book = note("themoon-book-stock")
        self.stocktake_form = Form(
            [self.s_bean, self.s_day, self.s_counted, self.s_reason],
            aliases={"delta_g": "counted_g", "grams": "counted_g", "adjusted_on": "on"},
        )
        self.s_save = button("primary", "themoon-save-stocktake")
        self.on_click(self.s_save, self._save_stocktake, "save_stocktake")
        for widget in (self.s_bean.widget, self.s_day.widget, self.s_counted.widget):
            self.on_change(widget, self._book_stock, "book_stock")
        return card(
            [
                self.s_title,
                row([self.s_bean.box, self.s_day.box], "themoon-row-2"),
                row([self.s_counted.box, self.s_reason.box], "themoon-row-2"),
                self.s_book,
                row([self.s_save], "themoon-actions"),
                self.stocktake_form.status,
            ],
            "themoon-stocktake",
        )

    def _build_ledger(self) -> widgets.Widget:
        self.l_title = title()
        self.l_bean = Field("ledger_bean", widgets.Dropdown(), "f.bean")
        self.on_change(self.l_bean.widget, self._pick_ledger_bean, "ledger")
        self.ledger_table = classes(widgets.HTML(), "themoon-ledger-table")
        self.ledger_note = note()
        return card(
            [self.l_title, row([self.l_bean.box], "themoon-filters"), self.ledger_table, self.ledger_note],
            "themoon-ledger",
        )

    # --- binding ---------------------------------------------------------------------------------------

    def load(self) -> None:
        conn, lang = self.ctx.conn(), self.lang
        for field in (self.p_bean, self.s_bean):
            self.quietly(lambda f=field: set_options(f.widget, bean_options(conn, lang, blank_key="f.choose")))
        self.quietly(lambda: set_options(self.l_bean.widget, bean_options(conn, lang, active=None)))
        self.model.ledger_bean = self.l_bean.value or ""
        self.model.load()
        self._book_stock()
        self.todays.load()

    def _toggle_inactive(self) -> None:
        self.model.show_inactive = bool(self.show_inactive.value)
        self.render()

    def _pick_ledger_bean(self) -> None:
        self.model.set_ledger_bean(self.l_bean.value)
        self._render_ledger()

    # --- rendering -----------------------------------------------------------------------------------

    def render(self) -> None:
        lang = self.lang
        self.stock_title.value = esc(self.tr("inv.stock_title"))
        self.show_inactive.description = self.tr("inv.show_inactive")
        self.p_title.value = esc(self.tr("inv.purchase_title"))
        self.s_title.value = esc(self.tr("inv.stocktake_title"))
        self.l_title.value = esc(self.tr("inv.ledger_title"))
        self.p_save.description = self.tr("inv.save_purchase")
        self.s_save.description = self.tr("inv.save_stocktake")
        if not self.s_reason.value:
            self.s_reason.widget.placeholder = self.tr("inv.reason_default")
        for form in (self.purchase_form, self.stocktake_form):
            form.relabel(lang)
        self.l_bean.relabel(lang)
        self._render_stock()
        self._render_ledger()
        self._unit_price()
        self._book_stock()
        self.todays.render()

    def _stock_row(self, line) -> list[str]:
        r = line.row
        runout = fmt.DASH
        if line.runout is not None:
            runout = f"{fmt.day(line.runout)} ({self.tr('inv.days', n=line.days_left)})"
        kind = {"inactive": "muted", "low": "warn", "ok": "ok"}[line.status]
        return [
            f"{esc(bean_name(r, self.lang))} <span class='themoon-code'>{esc(r['bean'])}</span>",
            esc(fmt.grams_as_kg(r["stock_g"])),
            esc(fmt.grams_as_kg(r["reorder_point_g"])),
            esc(fmt.won(r["avg_cost_per_kg_won"])),
            esc(fmt.won(r["value_won"])),
            esc(runout),
            badge(self.tr(f"status.{line.status}"), kind),
        ]

    def _render_stock(self) -> None:
        lines = self.model.stock_lines()
        rows = [self._stock_row(line) for line in lines]
        low = ["themoon-row--low" if line.row["low"] and line.active else "" for line in lines]
        self.stock_table.value = table_html(STOCK_COLUMNS, rows, self.lang, empty=self.tr("inv.none"), row_classes=low)
        total, grams = self.model.stock_total()
        text = self.tr("inv.total", value=fmt.won(total), kg=fmt.grams_as_kg(grams))
        if not self.model.runout_known:
            text += " · " + self.unavailable_text()
        self.stock_note.value = esc(text)

    def _render_ledger(self) -> None:
        rows = [
            [
                esc(r["on_date"]),
                esc(self.tr(f"ledger.{r['kind']}")),
                esc(f"#{r['ref_id']}"),
                esc(("+" if r["delta_g"] > 0 else "") + fmt.grams(r["delta_g"])),
                esc(fmt.won(abs(r["value_won"])) if r["value_won"] is not None else fmt.DASH),
                esc(fmt.grams(r["balance_g"])),
            ]
            for r in self.model.ledger_rows
        ]
        self.ledger_table.value = table_html(LEDGER_COLUMNS, rows, self.lang, empty=self.tr("inv.ledger_none"))
        shown, total = len(self.model.ledger_rows), self.model.ledger_total
        self.ledger_note.value = esc(self.tr("inv.ledger_more", n=shown, total=total)) if total > shown else ""
        hide(self.ledger_note, total <= shown)

    def _unit_price(self) -> None:
        grams = parsed_or_none(whole_grams, self.p_grams.value)
        price = self.model.unit_price(grams, parsed_or_none(whole_won, self.p_total.value))
        self.p_unit.value = "" if price is None else esc(self.tr("inv.unit_price", price=fmt.won(price)))
        hide(self.p_unit, not self.p_unit.value)

    def _book_stock(self) -> None:
        code, day = self.s_bean.value, self.s_day.value or self.ctx.today()
        if not code or not isinstance(day, date):
            self.s_book.value = ""
            hide(self.s_book)
            return
        book = self.model.book_stock(code, day)
        counted = parsed_or_none(whole_grams_or_zero, self.s_counted.value)
        text = self.tr("inv.book", book=fmt.grams(book), day=day.isoformat())
        if counted is not None:
            diff = counted - book
            text += " · " + self.tr("inv.diff", diff=("+" if diff > 0 else "") + fmt.grams(diff))
        self.s_book.value = esc(text)
        hide(self.s_book, False)

    # --- writes ---------------------------------------------------------------------------------------

    def _shown(self, form: Form, result: Result) -> bool:
        """A result on its form: a bad field marks every bad field at once; True if saved."""
        if not result.ok and result.error is not None and not form.validate(self.lang):
            return False
        return self.show_result(form, result)

    def _save_purchase(self) -> None:
        self.purchase_form.clear()
        values = {name: field.value for name, field in self.purchase_form.fields.items()}
        result = self.model.save_purchase(values)
        if not self._shown(self.purchase_form, result):
            return

        def clear() -> None:
            for field in (self.p_grams, self.p_total, self.p_lot, self.p_notes):
                field.value = ""

        self.quietly(clear)
        self.after_write(self.purchase_form, self.tr("inv.purchase_saved", id=result.value))

    def _save_stocktake(self) -> None:
        self.stocktake_form.clear()
        values = {name: field.value for name, field in self.stocktake_form.fields.items()}
        result = self.model.save_stocktake(values, self.tr("inv.reason_default"))
        if not self._shown(self.stocktake_form, result):
            return
        self.quietly(lambda: setattr(self.s_counted.widget, "value", ""))
        message = self.tr("inv.stocktake_none") if result.value is None else self.tr("inv.stocktake_saved")
        self.after_write(self.stocktake_form, message)

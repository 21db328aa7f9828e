"""Green inventory tab: stock per bean (kg, value, average cost, run-out date), record a purchase,
record a stocktake count, and the ledger of one bean.

Stock, value and average cost are `inventory.stock` (derived from the ledger, never stored); the
run-out date is `Analytics.runout` (day-of-week usage forecast); writes are
`inventory.add_purchase` and `inventory.stocktake`, one call each, after the role check.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import ipywidgets as widgets

from .. import catalog, inventory
from ..costing import round_won
from ..models import parse_text
from . import format as fmt
from .base import Tab, bean_name, bean_options, set_options
from .corrections import TodaysEntries
from .forms import (
    Column,
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
    parsed_or_none,
    required_choice,
    row,
    table_html,
    text_input,
    title,
    whole_grams,
    whole_grams_or_zero,
    whole_won,
)

LEDGER_LIMIT = 200


def _text(max_len: int):
    return lambda field, value: parse_text(field, value, max_len=max_len)


STOCK_COLUMNS = (
    Column("col.bean"),
    Column("col.stock", num=True),
    Column("col.reorder", num=True),
    Column("col.avg_cost", num=True),
    Column("col.value", num=True),
    Column("col.runout", num=True),
    Column("col.status"),
)
LEDGER_COLUMNS = (
    Column("col.date", css="nowrap"),
    Column("col.movement"),
    Column("col.ref", num=True),
    Column("col.change", num=True),
    Column("col.value", num=True),
    Column("col.balance", num=True),
)


class InventoryTab(Tab):
    key = "inventory"
    watches = frozenset({"batches", "stock", "catalog"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.stock_rows: list[dict] = []
        self.runout: dict[str, Any] = {}
        self.ledger_rows: list[dict] = []
        self._build()
        self.refresh()

    def _build(self) -> None:
        today = self.ctx.today()
        self.stock_title = title()
        self.show_inactive = classes(widgets.Checkbox(value=False, indent=False), "themoon-show-inactive")
        self.on_change(self.show_inactive, self.render, "inactive")
        self.stock_table = classes(widgets.HTML(), "themoon-stock-table")
        self.stock_note = note()
        stock_card = card(
            [
                classes(widgets.HBox([self.stock_title, self.show_inactive]), "themoon-card-head"),
                self.stock_table,
                self.stock_note,
            ],
            "themoon-stock",
        )

        # purchase
        self.p_title = title()
        self.p_bean = Field("bean", widgets.Dropdown(), "f.bean", check=required_choice)
        self.p_day = Field("purchased_on", date_input(today), "f.purchased_on", check=a_date)
        self.p_grams = Field("grams", text_input("g"), "f.grams", check=whole_grams)
        self.p_total = Field("total_won", text_input("₩"), "f.total_won", check=whole_won)
        self.p_supplier = Field("supplier", text_input(), "f.supplier", check=_text(120))
        self.p_lot = Field("lot_code", text_input(), "f.lot_code", check=_text(60))
        self.p_notes = Field("notes", text_input(), "f.notes", check=_text(2000))
        self.p_unit = note("themoon-unit-price")
        self.purchase_form = Form(
            [self.p_bean, self.p_day, self.p_grams, self.p_total, self.p_supplier, self.p_lot, self.p_notes]
        )
        self.p_save = button("primary", "themoon-save-purchase")
        self.on_click(self.p_save, self._save_purchase, "save_purchase")
        for field in (self.p_grams, self.p_total):
            self.on_change(field.widget, self._unit_price, "unit_price")
        self.purchase_card = card(
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

        # stocktake
        self.s_title = title()
        self.s_bean = Field("bean", widgets.Dropdown(), "f.bean", check=required_choice)
        self.s_day = Field("on", date_input(today), "f.counted_on", check=a_date)
        self.s_counted = Field("counted_g", text_input("g"), "f.counted_g", check=whole_grams_or_zero)
        self.s_reason = Field("reason", text_input(), "f.reason", check=_text(500))
        self.s_book = note("themoon-book-stock")
        self.stocktake_form = Form(
            [self.s_bean, self.s_day, self.s_counted, self.s_reason],
            aliases={"delta_g": "counted_g", "grams": "counted_g", "adjusted_on": "on"},
        )
        self.s_save = button("primary", "themoon-save-stocktake")
        self.on_click(self.s_save, self._save_stocktake, "save_stocktake")
        for widget in (self.s_bean.widget, self.s_day.widget, self.s_counted.widget):
            self.on_change(widget, self._book_stock, "book_stock")
        self.stocktake_card = card(
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
        hide(self.purchase_card, not self.ctx.can("purchase"))
        hide(self.stocktake_card, not self.ctx.can("stocktake"))
        forms = classes(widgets.Box([self.purchase_card, self.stocktake_card]), "themoon-grid-2")

        # ledger
        self.l_title = title()
        self.l_bean = Field("ledger_bean", widgets.Dropdown(), "f.bean")
        self.on_change(self.l_bean.widget, self._load_ledger_and_render, "ledger")
        self.ledger_table = classes(widgets.HTML(), "themoon-ledger-table")
        self.ledger_note = note()
        ledger_card = card(
            [self.l_title, row([self.l_bean.box], "themoon-filters"), self.ledger_table, self.ledger_note],
            "themoon-ledger",
        )
        self.todays = TodaysEntries(self)  # take back today's own purchases / counts (ui/corrections.py)
        self.finish([stock_card, forms, self.todays.box, ledger_card])

    # --- data -------------------------------------------------------------------------------------

    def load(self) -> None:
        conn = self.ctx.conn()
        lang = self.lang
        self.stock_rows = self.ctx.stock()
        self.active = {b["code"]: bool(b["active"]) for b in catalog.list_beans(conn)}
        self.runout = {}
        analytics = self.ctx.analytics()
        if analytics is not None:
            frame = analytics.runout(self.ctx.today(), active_only=False)
            if len(frame):
                for r in frame.itertuples():
                    self.runout[r.bean] = None if r.runout_date != r.runout_date else r.runout_date.date()
        for field in (self.p_bean, self.s_bean):
            self.quietly(lambda f=field: set_options(f.widget, bean_options(conn, lang, blank_key="f.choose")))
        self.quietly(lambda: set_options(self.l_bean.widget, bean_options(conn, lang, active=None)))
        self._load_ledger()
        self._book_stock()
        self.todays.load()

    def _load_ledger(self) -> None:
        code = self.l_bean.value
        rows = inventory.ledger(self.ctx.conn(), code) if code else []
        self.ledger_total = len(rows)
        self.ledger_rows = list(reversed(rows))[:LEDGER_LIMIT]

    def _load_ledger_and_render(self) -> None:
        self._load_ledger()
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

    def _render_stock(self) -> None:
        lang, today = self.lang, self.ctx.today()
        rows, classes_ = [], []
        shown = [r for r in self.stock_rows if self.show_inactive.value or self.active.get(r["bean"], True)]
        for r in shown:
            active = self.active.get(r["bean"], True)
            runout = self.runout.get(r["bean"])
            if runout is None:
                runout_text = fmt.DASH
            else:
                runout_text = f"{fmt.day(runout)} ({self.tr('inv.days', n=max((runout - today).days, 0))})"
            if not active:
                status = badge(self.tr("status.inactive"), "muted")
            elif r["low"]:
                status = badge(self.tr("status.low"), "warn")
            else:
                status = badge(self.tr("status.ok"), "ok")
            rows.append(
                [
                    f"{esc(bean_name(r, lang))} <span class='themoon-code'>{esc(r['bean'])}</span>",
                    esc(fmt.grams_as_kg(r["stock_g"])),
                    esc(fmt.grams_as_kg(r["reorder_point_g"])),
                    esc(fmt.won(r["avg_cost_per_kg_won"])),
                    esc(fmt.won(r["value_won"])),
                    esc(runout_text),
                    status,
                ]
            )
            classes_.append("themoon-row--low" if r["low"] and active else "")
        self.stock_table.value = table_html(STOCK_COLUMNS, rows, lang, empty=self.tr("inv.none"), row_classes=classes_)
        total = sum(r["value_won"] for r in shown)
        kg = sum(max(r["stock_g"], 0) for r in shown)
        self.stock_note.value = esc(self.tr("inv.total", value=fmt.won(total), kg=fmt.grams_as_kg(kg)))

    def _render_ledger(self) -> None:
        lang = self.lang
        rows = [
            [
                esc(r["on_date"]),
                esc(self.tr(f"ledger.{r['kind']}")),
                esc(f"#{r['ref_id']}"),
                esc(("+" if r["delta_g"] > 0 else "") + fmt.grams(r["delta_g"])),
                esc(fmt.won(abs(r["value_won"])) if r["value_won"] is not None else fmt.DASH),
                esc(fmt.grams(r["balance_g"])),
            ]
            for r in self.ledger_rows
        ]
        self.ledger_table.value = table_html(LEDGER_COLUMNS, rows, lang, empty=self.tr("inv.ledger_none"))
        more = self.ledger_total > len(self.ledger_rows)
        self.ledger_note.value = (
            esc(self.tr("inv.ledger_more", n=len(self.ledger_rows), total=self.ledger_total)) if more else ""
        )
        hide(self.ledger_note, not more)

    def _unit_price(self) -> None:
        grams = parsed_or_none(whole_grams, self.p_grams.value)
        total = parsed_or_none(whole_won, self.p_total.value)
        if grams and total is not None:
            self.p_unit.value = esc(self.tr("inv.unit_price", price=fmt.won(round_won(Fraction(total * 1000, grams)))))
        else:
            self.p_unit.value = ""
        hide(self.p_unit, not self.p_unit.value)

    def _book_stock(self) -> None:
        code, day = self.s_bean.value, self.s_day.value or self.ctx.today()
        if not code or not isinstance(day, date):
            self.s_book.value = ""
            hide(self.s_book)
            return
        conn = self.ctx.conn()
        book = inventory.stock_g(conn, catalog.get_bean(conn, code)["id"], day)
        counted = parsed_or_none(whole_grams_or_zero, self.s_counted.value)
        text = self.tr("inv.book", book=fmt.grams(book), day=day.isoformat())
        if counted is not None:
            diff = counted - book
            text += " · " + self.tr("inv.diff", diff=("+" if diff > 0 else "") + fmt.grams(diff))
        self.s_book.value = esc(text)
        hide(self.s_book, False)

    # --- writes ---------------------------------------------------------------------------------------

    def _save_purchase(self) -> None:
        values = {
            "bean": self.p_bean.value,
            "purchased_on": self.p_day.value,
            "grams": self.p_grams.value,
            "total_won": self.p_total.value,
            "supplier": self.p_supplier.value,
            "lot_code": self.p_lot.value,
            "notes": self.p_notes.value,
        }
        conn = self.ctx.conn()

        def add() -> int:
            self.purchase_form.require_valid(self.lang)  # every bad field marked at once
            return inventory.add_purchase(conn, user=self.ctx.username, **values)

        ok, purchase_id = self.ctx.run(
            self.purchase_form,
            add,
            action="purchase",
            where="inventory.add_purchase",
        )
        if not ok:
            return

        def clear() -> None:
            for field in (self.p_grams, self.p_total, self.p_lot, self.p_notes):
                field.value = ""

        self.quietly(clear)
        self.after_write("stock", self.purchase_form, self.tr("inv.purchase_saved", id=purchase_id))

    def _save_stocktake(self) -> None:
        values = {
            "bean": self.s_bean.value or None,
            "on": self.s_day.value,
            "counted_g": self.s_counted.value,
            "reason": self.s_reason.value.strip() or self.tr("inv.reason_default"),
        }
        conn = self.ctx.conn()

        def count() -> int | None:
            self.stocktake_form.require_valid(self.lang)
            return inventory.stocktake(conn, user=self.ctx.username, **values)

        ok, adjustment = self.ctx.run(
            self.stocktake_form,
            count,
            action="stocktake",
            where="inventory.stocktake",
        )
        if not ok:
            return
        self.quietly(lambda: setattr(self.s_counted.widget, "value", ""))
        message = self.tr("inv.stocktake_none") if adjustment is None else self.tr("inv.stocktake_saved")
        self.after_write("stock", self.stocktake_form, message)

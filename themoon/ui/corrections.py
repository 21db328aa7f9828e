"""Today's purchases and stocktakes that the signed-in user may take back (issue #15, 4b).

A card for the Green inventory tab: staff see the entries they made themselves today, the
owner every entry made today; each can be deleted after a confirmation (a wrong count or a
typo: delete it, enter it again). The store decides — `inventory.delete_purchase` /
`delete_adjustment` with the signed-in role call `users.require_correction` inside their
transaction and audit the old values — so a forged widget value changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import ipywidgets as widgets

from .. import inventory, users
from . import format as fmt
from .forms import Field, Form, button, card, classes, esc, hide, note, row, title

ENTITIES = ("purchase", "stock_adjustment")


def todays_entries(conn, *, username: str, role: str | None, today) -> list[dict[str, Any]]:
    """Purchases and stock adjustments created today that this user may correct, newest first."""
    start = datetime.combine(today, time.min).astimezone().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    rows = conn.execute(
        "SELECT DISTINCT a.entity, a.entity_id FROM audit_log a WHERE a.action = 'create'"
        " AND a.entity IN ('purchase', 'stock_adjustment') AND a.at >= ? ORDER BY a.id DESC LIMIT 200",
        (start,),
    ).fetchall()
    found = []
    for entity, entity_id in rows:
        if not users.may_correct(conn, username=username, role=role, entity=entity, entity_id=entity_id, today=today):
            continue
        if entity == "purchase":
            record = conn.execute(
                "SELECT p.id, p.purchased_on AS day, b.code AS bean, p.grams AS grams, p.total_won"
                " FROM purchases p JOIN beans b ON b.id = p.bean_id WHERE p.id = ?",
                (entity_id,),
            ).fetchone()
        else:
            record = conn.execute(
                "SELECT s.id, s.adjusted_on AS day, b.code AS bean, s.delta_g AS grams, NULL AS total_won"
                " FROM stock_adjustments s JOIN beans b ON b.id = s.bean_id WHERE s.id = ?",
                (entity_id,),
            ).fetchone()
        if record is not None:
            found.append({"entity": entity, **dict(record)})
    return found


class TodaysEntries:
    """The card; the tab calls `load()` from its load and `render()` from its render."""

    def __init__(self, tab) -> None:
        self.tab = tab
        self.ctx = tab.ctx
        self.entries: list[dict[str, Any]] = []
        self.title = title()
        self.pick = Field("entry", widgets.Dropdown(), "fix.f_entry")
        self.form = Form([self.pick], aliases={"purchase_id": "entry", "adjustment_id": "entry", "user": "entry"})
        self.delete_button = button("danger", "themoon-fix-delete")
        self.confirm_yes = button("danger", "themoon-fix-confirm")
        self.confirm_no = button("secondary", "themoon-fix-cancel")
        self.confirm_text = classes(widgets.HTML(), "themoon-fix-confirm-text")
        self.confirm = classes(widgets.HBox([self.confirm_text, self.confirm_yes, self.confirm_no]), "themoon-confirm")
        hide(self.confirm)
        self.empty = note("themoon-fix-none")
        tab.on_click(self.delete_button, self._ask, "fix_ask")
        tab.on_click(self.confirm_yes, self._delete, "fix_delete")
        tab.on_click(self.confirm_no, lambda: hide(self.confirm), "fix_cancel")
        self.box = card(
            [
                self.title,
                self.empty,
                row([self.pick.box, self.delete_button], "themoon-fix-actions"),
                self.confirm,
                self.form.status,
            ],
            "themoon-todays-entries",
        )
        self.visible = self.ctx.can("correct_own") or self.ctx.can("edit_batch")
        hide(self.box, not self.visible)

    def load(self) -> None:
        if self.visible:
            # the wall-clock day, like the store's check: "today" is when the entry was made
            self.entries = todays_entries(
                self.ctx.conn(), username=self.ctx.username, role=self.ctx.role, today=date.today()
            )

    def _label(self, entry: dict[str, Any]) -> str:
        kind = self.tab.tr("fix.purchase" if entry["entity"] == "purchase" else "fix.stocktake")
        amount = fmt.grams(entry["grams"])
        return f"{kind} #{entry['id']} · {entry['bean']} · {entry['day']} · {amount}"

    def render(self) -> None:
        if not self.visible:
            return
        self.title.value = esc(self.tab.tr("fix.title"))
        self.delete_button.description = self.tab.tr("fix.delete")
        self.confirm_yes.description = self.tab.tr("fix.confirm")
        self.confirm_no.description = self.tab.tr("fix.cancel")
        self.form.relabel(self.tab.lang)
        options = [(self._label(e), f"{e['entity']}:{e['id']}") for e in self.entries]
        self.tab.quietly(lambda: setattr(self.pick.widget, "options", options))
        self.empty.value = "" if options else esc(self.tab.tr("fix.none"))
        hide(self.pick.box, not options)
        hide(self.delete_button, not options)

    def _ask(self) -> None:
        if not self.pick.value:
            return
        self.confirm_text.value = esc(self.tab.tr("fix.confirm_text", entry=self.pick.widget.label or ""))
        hide(self.confirm, False)

    def _delete(self) -> None:
        hide(self.confirm)
        entity, _, entry_id = str(self.pick.value or "").partition(":")
        if entity not in ENTITIES:
            return
        delete = inventory.delete_purchase if entity == "purchase" else inventory.delete_adjustment
        ok, _ = self.ctx.run(
            self.form,
            lambda: delete(self.ctx.conn(), entry_id, user=self.ctx.username, role=self.ctx.role),
            action="edit_batch" if self.ctx.can("edit_batch") else "correct_own",
            where=f"inventory.delete_{entity}",
        )
        if ok:
            self.tab.after_write("stock", self.form, self.tab.tr("fix.deleted", id=entry_id))

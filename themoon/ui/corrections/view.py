"""The card of today's own entries (model.py), for the Green inventory tab: pick an entry, delete
it after a confirmation."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from .. import format as fmt
from ..forms import Field, Form, button, card, classes, esc, hide, note, row, title
from .model import TodaysEntriesModel, entry_key


class TodaysEntries:
    """The card; the tab calls `load()` from its load and `render()` from its render."""

    def __init__(self, tab) -> None:
        self.tab = tab
        self.ctx = tab.ctx
        self.model = TodaysEntriesModel(tab.ctx)
        self.model.origin = tab  # the tab redraws itself
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
        self.visible = self.model.visible
        hide(self.box, not self.visible)

    @property
    def entries(self) -> list[dict[str, Any]]:
        return self.model.entries

    def load(self) -> None:
        self.model.load()

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
        options = [(self._label(e), entry_key(e)) for e in self.entries]
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
        result = self.model.delete(self.pick.value)
        if self.tab.show_result(self.form, result) and result.said is not None:
            self.form.clear()
            self.tab.after_write(self.form, result.said.text(self.tab.lang))

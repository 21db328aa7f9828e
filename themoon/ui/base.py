"""What every tab has: its widget, a message line for read errors, relabelling, refreshing when
data it shows has changed, and callbacks that never leak a traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import ipywidgets as widgets

from .context import Context
from .forms import (
    Field,
    Form,
    badge,
    button,
    classes,
    hide,
    quiet_forms,
    report_unexpected,
    rich,
    row,
    show_line,
    title,
)
from .i18n import t
from .results import Result, show_result


class RecordTools(NamedTuple):
    """The owner's row under a list of records: pick one, edit, (de)activate, or start a new one."""

    pick: Field
    edit: widgets.Button
    toggle: widgets.Button
    new: widgets.Button
    form: Form  # its status line says what was saved or toggled
    box: widgets.VBox


class Editor(NamedTuple):
    """A record's editor (`Tab.editor`)."""

    title: widgets.HTML
    save: widgets.Button
    cancel: widgets.Button
    box: widgets.VBox


class Tab:
    key = "tab"
    # kinds of change (Context.changed) after which this tab reads its data again
    watches: frozenset[str] = frozenset()

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.stale = False
        self.visible = True  # the app hides tabs it is not showing
        self._pending: dict[int, tuple] = {}
        self.message = classes(widgets.HTML(), "themoon-message", "themoon-tab-message")
        hide(self.message)
        ctx.subscribe(self._on_changed)

    @property
    def lang(self) -> str:
        return self.ctx.lang

    def tr(self, key: str, **values: Any) -> str:
        return t(key, self.ctx.lang, **values)

    def finish(self, children: Iterable[widgets.Widget]) -> widgets.VBox:
        """The tab's top-level box (call at the end of building)."""
        self.widget = classes(widgets.VBox([self.message, *children]), "themoon-tab", f"themoon-tab-{self.key}")
        return self.widget

    # --- lifecycle --------------------------------------------------------------------------------

    def _on_changed(self, what: str, origin: object = None) -> None:
        if what in self.watches and origin is not self:
            self.stale = True
            if self.visible:
                self.refresh()

    def show(self) -> None:
        """The tab came into view: catch up on changes made elsewhere, draw the charts that
        changed while it was hidden (plotly cannot lay out a plot in a hidden box)."""
        self.visible = True
        if self.stale:
            self.refresh()
        pending, self._pending = self._pending, {}
        for out, outputs in pending.values():
            _put(out, outputs)

    def hide(self) -> None:
        self.visible = False

    def set_output(self, out: widgets.Output, outputs: tuple) -> None:
        """Show a figure in an Output: now if the tab is in view (and the figure changed), else
        when it comes into view."""
        if self.visible:
            self._pending.pop(id(out), None)
            _put(out, outputs)
        else:
            self._pending[id(out)] = (out, outputs)

    def set_chart(self, out: widgets.HTML, fig: dict) -> None:
        """Show a figure (charts.py) in a chart widget (`charts.chart_widget`): sent to the browser
        only if it changed, and only once the tab is in view."""
        from . import charts

        self.set_output(out, _Chart(charts.figure_json(fig)))

    def refresh(self) -> None:
        """Read the data again and draw it."""
        self.stale = False
        self.safe(self.load, "load")
        self.safe(self.render, "render")

    def set_language(self, lang: str) -> None:
        self.safe(self.render, "render")

    def load(self) -> None:  # read from the store
        pass

    def render(self) -> None:  # (re)label and draw from what load() read
        pass

    # --- callbacks ----------------------------------------------------------------------------------

    def safe(self, fn: Callable[[], Any], where: str) -> Any:
        """Run a read/draw step; anything unexpected becomes a friendly line on the tab, logged."""
        try:
            result = fn()
        except Exception as error:
            report_unexpected(f"{self.key}.{where}", self.ctx.username)
            self.show_message("error", self.tr("err.read", error=type(error).__name__))
            return None
        return result

    def show_message(self, kind: str, text: str) -> None:
        show_line(self.message, "themoon-message-", ("error", "info"), kind, text and f"<div>{rich(text)}</div>")

    def on_click(self, button: widgets.Button, fn: Callable[[], Any], where: str) -> None:
        button.on_click(lambda _b: self.safe(fn, where))

    def on_change(self, widget: widgets.Widget, fn: Callable[[], Any], where: str) -> None:
        def handler(_change: dict) -> None:
            if not getattr(self, "_quiet", False):
                self.safe(fn, where)

        widget.observe(handler, names="value")

    def unavailable_text(self) -> str:
        """What a tab shows in place of a figure its reader could not compute (`reads.UNAVAILABLE`)."""

        return t("reads.unavailable", self.lang)

    def show_result(self, form: Form, result: Result) -> bool:
        """Why a model's action did not go through, on its form; True (nothing drawn) if it did."""
        return show_result(form, result, self.lang)

    def after_write(self, form: Form, message: str) -> None:
        """A write went through (its model told the other tabs): read again, then say so (after
        the redraw)."""
        self.refresh()
        form.set_status("ok", message)

    def quietly(self, fn: Callable[[], Any]) -> Any:
        """Set widget values without their observers reacting."""
        previous = getattr(self, "_quiet", False)
        self._quiet = True
        try:
            with quiet_forms():
                return fn()
        finally:
            self._quiet = previous

    # --- records the owner edits and (de)activates: beans, blends, menu items ---------------------------

    def editor(
        self, slug: str, form: Form, rows: Iterable[widgets.Widget], *, save: Callable, cancel: Callable
    ) -> Editor:
        """A record's editor, hidden until opened: its title, the `rows` of its fields, Save and
        Cancel, and the form's status line (`slug` names its CSS classes and callbacks)."""
        heading = title("themoon-subtitle-card")
        save_button = button("primary", f"themoon-save-{slug}")
        cancel_button = button("secondary", f"themoon-cancel-{slug}")
        self.on_click(save_button, save, f"save_{slug}")
        self.on_click(cancel_button, cancel, f"cancel_{slug}")
        children = [heading, *rows, row([save_button, cancel_button], "themoon-actions"), form.status]
        box = classes(widgets.VBox(children), "themoon-form", f"themoon-{slug}-form")
        hide(box)
        return Editor(heading, save_button, cancel_button, box)

    def active_badge(self, active: Any) -> str:
        return badge(self.tr("status.active"), "ok") if active else badge(self.tr("status.inactive"), "muted")

    def record_tools(
        self, slug: str, label_key: str, *, edit: Callable, toggle: Callable, new: Callable, pick: Callable
    ) -> RecordTools:
        """The pick row of one kind of record (`slug` names its CSS classes and callbacks); shown
        only with the catalog right."""
        field = Field(f"{slug}_pick", widgets.Dropdown(), label_key)
        buttons = [button("secondary", f"themoon-{name}-{slug}") for name in ("edit", "toggle", "new")]
        form = Form([field])
        for b, fn, name in zip(buttons, (edit, toggle, new), ("edit", "toggle", "new"), strict=True):
            self.on_click(b, fn, f"{name}_{slug}")
        self.on_change(field.widget, pick, f"{slug}_pick")
        box = classes(
            widgets.VBox([row([field.box, *buttons], "themoon-batch-actions"), form.status]), "themoon-owner-only"
        )
        hide(box, not self.ctx.can("catalog"))
        return RecordTools(field, *buttons, form, box)

    def fill_pick(self, pick: Field, records: list[dict]) -> None:
        """Offer `records` in a pick dropdown as 'name · CODE' (keeping the pick if still there)."""
        options = [(self.tr("f.choose"), 0)] + [(f"{local_name(r, self.lang)} · {r['code']}", r["id"]) for r in records]
        self.quietly(lambda: set_options(pick.widget, options))

    def show_pick(self, record: dict | None, edit: widgets.Button, toggle: widgets.Button) -> None:
        """Enable edit/toggle for a picked record; the toggle says which way it goes."""
        edit.disabled = record is None
        toggle.disabled = record is None
        active = record is None or record["active"]
        toggle.description = self.tr("btn.deactivate" if active else "btn.reactivate")

    def open_editor(self, form: Form, box: widgets.Widget, fill: Callable[[], Any]) -> None:
        """Show a record's editor without the last errors, `fill`ed with its observers quiet."""
        form.clear()
        self.quietly(fill)
        hide(box, False)
        self.render()


# --- choices shared by the forms -------------------------------------------------------------------


def product_label(product, lang: str) -> str:
    """'Full Moon · blend' (the Korean name and word in Korean); a single origin is its name."""
    name = product.name(lang)
    return f"{name} · {t('kind.blend', lang)}" if product.kind == "blend" else name


def product_options(conn, lang: str, *, blank_key: str | None = None, active: bool | None = True) -> list:
    """Dropdown options (label, 'blend:CODE' / 'bean:CODE'): blends first, then single origins."""
    from .. import catalog

    options = [(product_label(p, lang), p.key) for p in catalog.list_products(conn, active=active)]
    return ([(t(blank_key, lang), "")] if blank_key else []) + options


def local_name(record: dict, lang: str) -> str:
    """A record's name in `lang`: the Korean one when there is one, else the English."""
    return (record.get("name_ko") or record["name_en"]) if lang == "ko" else record["name_en"]


def bean_name(row: dict, lang: str) -> str:
    return local_name(row, lang)


def bean_options(conn, lang: str, *, blank_key: str | None = None, active: bool | None = True) -> list:
    """Dropdown options (label, code) of the beans."""
    from .. import catalog

    options = [(f"{bean_name(b, lang)} · {b['code']}", b["code"]) for b in catalog.list_beans(conn, active=active)]
    return ([(t(blank_key, lang), "")] if blank_key else []) + options


def set_options(dropdown: widgets.Dropdown, options: list, keep: Any = None) -> None:
    """Replace a dropdown's options, keeping its value when it is still offered."""
    value = dropdown.value if keep is None else keep
    values = [v for _, v in options]
    dropdown.options = options
    if value in values:
        dropdown.value = value
    elif values:
        dropdown.value = values[0]


class _Chart(str):
    """A figure's JSON on its way to a chart widget (see `Tab.set_chart`)."""


def _put(out: widgets.Widget, content: Any) -> None:
    """Put outputs into an Output, or a figure into a chart widget, unless it is already there."""
    if isinstance(content, _Chart):
        if getattr(out, "themoon_figure", None) != content:
            from . import charts

            out.themoon_figure = str(content)
            out.value = charts.chart_html(content)
    elif not isinstance(out, widgets.Output):  # a chart widget and no figure: empty it
        if out.value:
            out.themoon_figure = None
            out.value = ""
    elif out.outputs != content:
        out.outputs = content

"""What every tab has: its widget, a message line for read errors, relabelling, refreshing when
data it shows has changed, and callbacks that never leak a traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as widgets

from .context import Context
from .forms import classes, hide, report_unexpected, rich
from .i18n import t


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
            if out.outputs != outputs:
                out.outputs = outputs

    def hide(self) -> None:
        self.visible = False

    def set_output(self, out: widgets.Output, outputs: tuple) -> None:
        """Show a figure in an Output: now if the tab is in view (and the figure changed), else
        when it comes into view."""
        if self.visible:
            self._pending.pop(id(out), None)
            if out.outputs != outputs:
                out.outputs = outputs
        else:
            self._pending[id(out)] = (out, outputs)

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
        for name in ("error", "info"):
            self.message.remove_class(f"themoon-message-{name}")
        if not text:
            self.message.value = ""
            hide(self.message)
            return
        self.message.add_class(f"themoon-message-{kind}")
        self.message.value = f"<div>{rich(text)}</div>"
        hide(self.message, False)

    def on_click(self, button: widgets.Button, fn: Callable[[], Any], where: str) -> None:
        button.on_click(lambda _b: self.safe(fn, where))

    def on_change(self, widget: widgets.Widget, fn: Callable[[], Any], where: str) -> None:
        def handler(_change: dict) -> None:
            if not getattr(self, "_quiet", False):
                self.safe(fn, where)

        widget.observe(handler, names="value")

    def quietly(self, fn: Callable[[], Any]) -> Any:
        """Set widget values without their observers reacting."""
        previous = getattr(self, "_quiet", False)
        self._quiet = True
        try:
            return fn()
        finally:
            self._quiet = previous


# --- choices shared by the forms -------------------------------------------------------------------


def product_label(product, lang: str) -> str:
    """'Full Moon · blend' / '풀문 · 블렌드'; a single origin is its name."""
    name = product.name(lang)
    return f"{name} · {t('kind.blend', lang)}" if product.kind == "blend" else name


def product_options(conn, lang: str, *, blank_key: str | None = None, active: bool | None = True) -> list:
    """Dropdown options (label, 'blend:CODE' / 'bean:CODE'): blends first, then single origins."""
    from .. import catalog

    options = [(product_label(p, lang), p.key) for p in catalog.list_products(conn, active=active)]
    return ([(t(blank_key, lang), "")] if blank_key else []) + options


def bean_name(row: dict, lang: str) -> str:
    return (row.get("name_ko") or row["name_en"]) if lang == "ko" else row["name_en"]


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

"""Form building blocks shared by the tabs: labelled fields with their error line, forms that
put a `ValidationError` next to the field it names, HTML tables, and the guard every callback
runs in (permission check, validation errors, unexpected errors logged, never a traceback).

Widget values are untrusted: numbers are typed into `Text` widgets and handed to the store API
as typed, which validates them again. Before that, a form checks what it can without the store
(each field's own `check`, then the form's cross-field `checks`) and marks every bad field at
once; after a refused save it re-checks on every change of any field, so an error disappears as
soon as its value is fixed (and the store's own errors, which only a save can re-check, go as
soon as anything is changed).
"""

from __future__ import annotations

import html
import logging
import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import ipywidgets as widgets

from ..models import ValidationError
from .field_checks import (  # noqa: F401  (re-exported: the tabs import the field checks from here)
    Check,
    a_date,
    optional,
    parsed_or_none,
    required_choice,
    typed_int,
    whole_grams,
    whole_grams_or_zero,
    whole_number,
    whole_won,
)
from .i18n import t

log = logging.getLogger("themoon.ui")

_BRACKETS = re.compile(r"\[.*\]$")


class PermissionDenied(Exception):
    """The signed-in user's role does not allow this action (`message_key`: what the form says)."""

    message_key = "err.denied"

    def __init__(self, action: str):
        self.action = action
        super().__init__(action)


# Which Field each input widget belongs to: a value the widget itself rejects (themoon.ui.session)
# is reported on that field's error line.
_FIELDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def field_of(widget: widgets.Widget) -> Field | None:
    return _FIELDS.get(widget)


HIDDEN = "themoon-hidden"  # display: none (themoon.css); not the layout: layouts are shared (lean_widgets)


def hide(widget: widgets.Widget, hidden: bool = True) -> None:
    if hidden:
        widget.add_class(HIDDEN)
    else:
        widget.remove_class(HIDDEN)


def is_hidden(widget: widgets.Widget) -> bool:
    return HIDDEN in widget._dom_classes


def classes(widget: widgets.Widget, *names: str) -> widgets.Widget:
    for name in names:
        widget.add_class(name)
    return widget


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def rich(text: str) -> str:
    """Escaped text where `code` (between backticks) shows as code."""
    parts = esc(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def show_line(line: widgets.HTML, css: str, kinds: Iterable[str], kind: str, html: str) -> None:
    """Show `html` on a message line, marked with its kind's class (`css` + kind); no html hides
    the line."""
    for name in kinds:
        line.remove_class(f"{css}{name}")
    if not html:
        line.value = ""
        hide(line)
        return
    line.add_class(f"{css}{kind}")
    line.value = html
    hide(line, False)


def text_input(placeholder: str = "", *, continuous: bool = True) -> widgets.Text:
    return widgets.Text(placeholder=placeholder, continuous_update=continuous)


def date_input(value: date | None = None) -> widgets.DatePicker:
    return widgets.DatePicker(value=value)


class Field:
    """A label, an input and the line under it where its error shows; `check` is the field's
    own rule (see `whole_grams`, `whole_won`, ...), run by its form before a save."""

    def __init__(
        self,
        name: str,
        widget: widgets.Widget,
        label_key: str,
        *,
        hint_key: str | None = None,
        check: Check | None = None,
    ):
        self.name = name
        self.widget = widget
        self.label_key = label_key
        self.hint_key = hint_key
        self.check = check
        self.label = classes(widgets.HTML(), "themoon-field-label")
        self.error = classes(widgets.HTML(), "themoon-field-error")
        hide(self.error)
        slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")
        classes(widget, "themoon-input", f"themoon-input-{slug}")
        _FIELDS[widget] = self
        self.box = classes(widgets.VBox([self.label, widget, self.error]), "themoon-field", f"themoon-field-{slug}")
        self.lang = "en"

    @property
    def value(self) -> Any:
        return self.widget.value

    @value.setter
    def value(self, new: Any) -> None:
        self.widget.value = new

    def relabel(self, lang: str, **values: Any) -> None:
        self.lang = lang
        label = esc(t(self.label_key, lang, **values))
        if self.hint_key:
            label += f' <span class="themoon-hint">{esc(t(self.hint_key, lang))}</span>'
        self.label.value = label

    def set_error(self, message: str) -> None:
        self.error.value = f"<span>{esc(message)}</span>"
        hide(self.error, False)
        self.box.add_class("themoon-field--invalid")

    def clear(self) -> None:
        if self.error.value:
            self.error.value = ""
        hide(self.error)
        self.box.remove_class("themoon-field--invalid")

    @property
    def has_error(self) -> bool:
        return not is_hidden(self.error)


_QUIET = [0]  # > 0 while code (not a person) sets widget values: forms do not react


@contextmanager
def quiet_forms() -> Iterator[None]:
    """Values set inside are the program's (a fill, a reset), not a person's fix: no form re-checks
    or withdraws its question because of them (`Tab.quietly` uses this)."""
    _QUIET[0] += 1
    try:
        yield
    finally:
        _QUIET[0] -= 1


class FormInvalid(Exception):
    """A form found bad fields before the store was asked; they are already marked."""


def error_message(error: ValidationError, lang: str) -> str:
    return error.message_ko if lang == "ko" else error.message


class Form:
    """Fields plus a status line; `show_error` puts a ValidationError next to the field it names.

    A field is found by the error's name as is (`roasted_g`, `row 2 roasted_g`), then without
    its bracketed part (`green_g[ETH]` → `green_g`), then through `aliases`; an error naming no
    field shown here goes to the status line, with the field's name.

    `validate()` runs every field's own check and then `checks` (callables returning the
    cross-field errors, e.g. "roasted must be less than green") and marks every bad field at
    once. Once a save was refused the form is *live*: every change of any field validates again,
    marking what is now wrong and clearing what is now right; an error that came from the store
    (which only a save can re-check) is cleared by any change. `listeners` are called on every
    change (e.g. to withdraw a "save anyway?" question asked about the old values).
    """

    def __init__(
        self,
        fields: Iterable[Field] = (),
        *,
        aliases: dict[str, str] | None = None,
        checks: Iterable[Callable[[], Iterable[ValidationError]]] = (),
    ):
        self.fields: dict[str, Field] = {}
        self.aliases = dict(aliases or {})
        self.checks = list(checks)
        self.listeners: list[Callable[[], Any]] = []
        self.live = False
        self._store_error = False
        self.status_kind = ""
        for field in fields:
            self.add(field)
        self.status = classes(widgets.HTML(), "themoon-form-status")
        hide(self.status)
        self.lang = "en"

    def add(self, field: Field) -> Field:
        self.fields[field.name] = field
        field.widget.observe(self._changed, names="value")
        return field

    def remove(self, name: str) -> None:
        field = self.fields.pop(name, None)
        if field is not None:
            field.widget.unobserve(self._changed, names="value")

    def __getitem__(self, name: str) -> Field:
        return self.fields[name]

    def relabel(self, lang: str) -> None:
        self.lang = lang
        for field in self.fields.values():
            field.relabel(lang)
        if self.live and not self._store_error:
            self.validate()  # the marked errors in the new language

    def find(self, name: str) -> Field | None:
        for candidate in (name, _BRACKETS.sub("", name)):
            if candidate in self.fields:
                return self.fields[candidate]
            alias = self.aliases.get(candidate)
            if alias in self.fields:
                return self.fields[alias]
        return None

    def clear(self) -> None:
        for field in self.fields.values():
            field.clear()
        self.set_status("", "")
        self.live = False
        self._store_error = False

    # --- checking before the store --------------------------------------------------------------

    def problems(self) -> list[ValidationError]:
        """Every error found without the store: each field's own check, then the form's checks
        (one error per field: a field that is wrong on its own is not judged against others)."""
        errors: list[ValidationError] = []
        for field in list(self.fields.values()):
            if field.check is None:
                continue
            try:
                field.check(field.name, field.value)
            except ValidationError as error:
                errors.append(error)
        wrong = {self._key(e) for e in errors}
        for check in self.checks:
            for error in check():
                if self._key(error) not in wrong:
                    errors.append(error)
                    wrong.add(self._key(error))
        return errors

    def _key(self, error: ValidationError) -> str:
        field = self.find(error.field)
        return field.name if field is not None else error.field

    def validate(self, lang: str | None = None) -> bool:
        """Mark every bad field at once and clear the others; True when nothing is wrong."""
        self.lang = lang or self.lang
        errors = self.problems()
        shown: dict[str, str] = {}
        unplaced: list[str] = []
        for error in errors:
            field = self.find(error.field)
            if field is None:
                unplaced.append(f"{error.field}: {error_message(error, self.lang)}")
            elif field.name not in shown:
                shown[field.name] = error_message(error, self.lang)
        for name, field in self.fields.items():
            if name in shown:
                field.set_error(shown[name])
            elif field.has_error:
                field.clear()
        self._store_error = False
        if errors:
            self.live = True
            self.set_status("error", unplaced[0] if unplaced and not shown else t("form.fix", self.lang))
        elif self.status_kind == "error":
            self.set_status("", "")
        return not errors

    def require_valid(self, lang: str | None = None) -> None:
        """Raise FormInvalid (the bad fields marked) unless every check passes."""
        if not self.validate(lang):
            raise FormInvalid()

    def _changed(self, _change: dict | None = None) -> None:
        if _QUIET[0]:
            return
        try:
            for listener in list(self.listeners):
                listener()
            if self.live:
                self.validate()
        except Exception:  # a check must never take the page down
            report_unexpected("form.changed", None)

    # --- showing --------------------------------------------------------------------------------

    def show_error(self, error: ValidationError, lang: str) -> Field | None:
        """Show an error the store found (cleared by the next change of any field)."""
        self.lang = lang
        field = self.find(error.field)
        message = error_message(error, lang)
        if field is not None:
            field.set_error(message)
            self.set_status("error", t("form.fix", lang))
        else:
            self.set_status("error", f"{error.field}: {message}")
        self.live = True
        self._store_error = True
        return field

    def set_status(self, kind: str, text: str) -> None:
        self.status_kind = kind if text else ""
        show_line(
            self.status, "themoon-form-status--", ("ok", "error", "info"), kind, text and f"<span>{esc(text)}</span>"
        )

    @property
    def errors(self) -> dict[str, str]:
        """{field name: shown error} (for tests)."""
        return {name: f.error.value for name, f in self.fields.items() if f.has_error}


class Confirm:
    """A "save anyway?" step inside a form: `ask` shows the question with its two buttons; the
    form's next change withdraws it (the answer was about the old values)."""

    def __init__(self, form: Form, *names: str):
        self.text = classes(widgets.HTML(), "themoon-confirm-text")
        self.yes = button("primary", "themoon-confirm-yes")
        self.no = button("secondary", "themoon-confirm-no")
        self.box = classes(
            widgets.HBox([self.text, self.yes, self.no]), "themoon-confirm", "themoon-confirm-save", *names
        )
        hide(self.box)
        form.listeners.append(self.withdraw)

    @property
    def asking(self) -> bool:
        return not is_hidden(self.box)

    def ask(self, text: str, lang: str) -> None:
        self.text.value = f"<span>{esc(text)}</span>"
        self.yes.description = t("confirm.save_anyway", lang)
        self.no.description = t("confirm.go_back", lang)
        hide(self.box, False)

    def withdraw(self) -> None:
        if self.asking:
            hide(self.box)


def button(kind: str = "primary", *names: str) -> widgets.Button:
    """A button in the app's style: kind is primary, secondary or danger."""
    return classes(widgets.Button(), "themoon-btn", f"themoon-btn--{kind}", *names)


def card(children: Sequence[widgets.Widget], *names: str) -> widgets.VBox:
    return classes(widgets.VBox(list(children)), "themoon-card", *names)


def title(*names: str) -> widgets.HTML:
    return classes(widgets.HTML(), "themoon-card-title", *names)


def note(*names: str) -> widgets.HTML:
    return classes(widgets.HTML(), "themoon-note", *names)


def row(children: Sequence[widgets.Widget], *names: str) -> widgets.Box:
    return classes(widgets.Box(list(children)), "themoon-row", *names)


# --- tables ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # the i18n key of the header
    num: bool = False
    css: str = ""


def num(key: str, css: str = "") -> Column:
    """A column of numbers (right-aligned)."""
    return Column(key, num=True, css=css)


def columns(*specs: str | Column) -> tuple[Column, ...]:
    """A table's columns in order: a header key is a text column; `num(key)` one of numbers."""
    return tuple(spec if isinstance(spec, Column) else Column(spec) for spec in specs)


def table_html(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    lang: str,
    *,
    empty: str = "",
    css: str = "",
    row_classes: Sequence[str] | None = None,
) -> str:
    """An HTML table; cells are already-escaped HTML (use `esc`)."""
    if not rows:
        return f'<div class="themoon-empty-note">{esc(empty)}</div>'
    head = "".join(f'<th class="{"num " if c.num else ""}{c.css}">{esc(t(c.key, lang))}</th>' for c in columns)
    body = []
    for i, cells in enumerate(rows):
        klass = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        tds = "".join(
            f'<td class="{"num " if c.num else ""}{c.css}">{cell}</td>' for c, cell in zip(columns, cells, strict=True)
        )
        body.append(f"<tr{klass}>{tds}</tr>")
    return (
        f'<div class="themoon-table-wrap"><table class="themoon-table {css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def badge(text: str, kind: str) -> str:
    return f'<span class="themoon-badge themoon-badge--{kind}">{esc(text)}</span>'


# --- the guard around every callback ---------------------------------------------------------------


def report_unexpected(where: str, user: str | None) -> None:
    """Log an unexpected exception (with its traceback) to the server log, never to the page."""
    try:
        from ..ops import logs

        logs.event("ui.error", logging.ERROR, logger="ui", exc=True, where=where, user=user or "-")
    except Exception:  # logging must never take the dashboard down
        log.exception("ui error in %s", where)


def guarded(
    *,
    lang: Callable[[], str],
    user: Callable[[], str | None],
    form: Form | None,
    where: str,
    fn: Callable[[], Any],
    check: Callable[[], None] | None = None,
) -> tuple[bool, Any]:
    """Run `fn` after `check` (a permission check that raises PermissionDenied); show what went
    wrong on `form` and return (False, None), else (True, result)."""
    from .results import caught, show_result  # built on this module

    if form is not None:
        form.clear()

    def checked() -> Any:
        if check is not None:
            check()
        return fn()

    result = caught(checked, where=where, user=user)
    if form is not None and result.status != "invalid":  # invalid: the form marked its fields
        show_result(form, result, lang())
    return result.ok, result.value

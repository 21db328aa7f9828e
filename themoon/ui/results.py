"""What a tab model's action came to, and how a form shows it: the one result type of the UI.

An action runs through `Context.run` (the signed-in person re-read, the role checked, a write in
one transaction with that check), which catches what went wrong and hands it back as a `Result`
instead of raising into a callback: the store's `ValidationError` (shown next to the field it
names), a refusal or an unexpected failure (a status line by message id). A model may also
return a `Result` of its own (bad fields found before the store, a "save anyway?" question).

`Said` is a message by id (`t(key, lang, **values)`), so what a model said follows the page's
language; a value may itself be a `Said`, or a `Both`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..models import ValidationError
from .forms import Form, FormInvalid, PermissionDenied, report_unexpected
from .i18n import t


class Both(NamedTuple):
    """A value in both languages (a report's title), chosen when the message is put into words."""

    en: str
    ko: str


@dataclass(frozen=True)
class Said:
    """A status line by message id: kind is 'ok', 'info', 'error' (or '' for none); `then`
    follows it after a space."""

    kind: str
    key: str
    values: dict[str, Any] = field(default_factory=dict)
    then: Said | None = None

    def text(self, lang: str) -> str:
        text = t(self.key, lang, **{k: _word(v, lang) for k, v in self.values.items()})
        return f"{text} {self.then.text(lang)}" if self.then is not None else text


def _word(value: Any, lang: str) -> Any:
    if isinstance(value, Said):
        return value.text(lang)
    if isinstance(value, Both):
        return value.ko if lang == "ko" else value.en
    return value


@dataclass
class Result:
    """An action's outcome.

    status: done (written or read: `value`), invalid (bad fields found before the store:
    `errors`), asking (a question waits for an answer: `said`), refused (the store's
    ValidationError: `error`), failed (denied or unexpected: `said` says why), gone (what was
    being edited was deleted elsewhere), idle (nothing to do, e.g. a stale click). `said` is the
    message the view words (a done result's too, where the model names it)."""

    status: str = "done"
    value: Any = None
    error: ValidationError | None = None
    errors: list[ValidationError] = field(default_factory=list)
    said: Said | None = None

    @property
    def ok(self) -> bool:
        return self.status == "done"


def caught(fn: Callable[[], Any], *, where: str, user: Callable[[], str | None]) -> Result:
    """`fn()` as a Result: its own Result as is, any other value as done; a refusal, the store's
    ValidationError or anything unexpected (logged with `where`, never shown) as why not."""
    try:
        value = fn()
    except FormInvalid:
        return Result("invalid")  # the form marked its bad fields and said so
    except PermissionDenied as denied:
        return Result("failed", said=Said("error", denied.message_key))
    except ValidationError as error:
        return Result("refused", error=error)
    except Exception:
        report_unexpected(where, user())
        return Result("failed", said=Said("error", "err.unexpected"))
    return value if isinstance(value, Result) else Result(value=value)


def show_result(form: Form, result: Result, lang: str) -> bool:
    """Why an action did not go through, on its form (cleared first): the bad fields marked, the
    store's error next to its field, or the status line (a question is the view's to ask). True
    (nothing drawn) when it went through: the view says what was done."""
    if result.ok or result.status == "idle":
        return result.ok
    if result.status == "invalid":
        form.clear()
        form.validate(lang)
    elif result.status != "asking":
        show_said(form, lang, said=result.said, error=result.error)
    else:
        form.clear()
    return False


def show_said(form: Form, lang: str, *, said: Said | None = None, error: ValidationError | None = None) -> None:
    """A model's status on a form (cleared first): an error next to its field, else the line."""
    form.clear()
    if error is not None:
        form.show_error(error, lang)
    elif said is not None:
        form.set_status(said.kind, said.text(lang))

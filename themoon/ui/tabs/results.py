"""What a tab model's action returns, and how a view shows it on a form.

A model runs its store call through `run_action`, which is `Context.run` (the signed-in person
re-read, the role checked, a write in one transaction with that check) with the problems
recorded instead of drawn: a ValidationError (to be shown next to the field it names) or a
status line (permission denied, "that did not work"). Nothing raises into a callback.

`Said` is a message by id (`t(key, lang, **values)`), so what a model said follows the language;
a value may itself be a `Said`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from ...models import ValidationError
from ..i18n import t

if TYPE_CHECKING:
    from ..context import Context
    from ..forms import Form


class Both(NamedTuple):
    """A value in both languages (a report's title), chosen when the message is put into words."""

    en: str
    ko: str


@dataclass(frozen=True)
class Said:
    """A status line by message id: kind is 'ok', 'info', 'error' (or '' for none); an empty key
    means `values['text']` as is (a line Context.run already put into words); `then` follows it
    after a space."""

    kind: str
    key: str
    values: dict[str, Any] = field(default_factory=dict)
    then: Said | None = None

    def text(self, lang: str) -> str:
        if not self.key:
            text = str(self.values.get("text", ""))
        else:
            text = t(self.key, lang, **{k: _word(v, lang) for k, v in self.values.items()})
        return f"{text} {self.then.text(lang)}" if self.then is not None else text


def _word(value: Any, lang: str) -> Any:
    if isinstance(value, Said):
        return value.text(lang)
    if isinstance(value, Both):
        return value.ko if lang == "ko" else value.en
    return value


@dataclass
class ActionResult:
    """ok and the action's value; else the field's error, or the status line, saying why."""

    ok: bool
    value: Any = None
    error: ValidationError | None = None
    said: Said | None = None


class _Recorder:
    """Stands in for a Form inside Context.run: keeps what it would have drawn."""

    def __init__(self) -> None:
        self.error: ValidationError | None = None
        self.said: Said | None = None

    def clear(self) -> None:
        self.error, self.said = None, None

    def set_status(self, kind: str, text: str) -> None:
        self.said = Said(kind, "", {"text": text}) if text else None

    def show_error(self, error: ValidationError, lang: str) -> None:
        self.error = error


def run_action(ctx: Context, fn: Callable[[], Any], *, action: str | None = None, where: str) -> ActionResult:
    """`ctx.run(fn)` with its problems returned in the result."""
    recorder = _Recorder()
    ok, value = ctx.run(cast("Form", recorder), fn, action=action, where=where)
    return ActionResult(ok, value, recorder.error, recorder.said)


def show_result(form: Form, result: ActionResult, lang: str, ok: Said | None = None) -> None:
    """Draw a result on a form: the error next to its field, else the status line (`ok` when it
    went through)."""
    form.clear()
    if result.error is not None:
        form.show_error(result.error, lang)
    said = result.said if not result.ok else ok
    if said is not None:
        form.set_status(said.kind, said.text(lang))

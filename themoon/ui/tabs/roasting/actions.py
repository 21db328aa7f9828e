"""What an action of the Roasting tab's model returns, and how it runs: through `Context.run` (the
signed-in person re-read and the role checked inside the write's own transaction), with whatever
went wrong caught and handed back as a `Result` the view renders, never raised into a callback."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ....models import ValidationError


@dataclass
class Result:
    """An action's outcome.

    status: done (written or read), invalid (bad fields, nothing asked of the store), asking (a
    question waits for an answer), refused (the store's ValidationError), failed (denied or
    unexpected: `text` already says why, in the page's language), gone (the batch being edited was
    deleted elsewhere), idle (nothing to do, e.g. a stale click). `key` and `values` are the message
    the view words (values raw: grams, won, percent as numbers)."""

    status: str
    key: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[ValidationError] = field(default_factory=list)
    error: ValidationError | None = None
    text: str = ""
    value: Any = None

    @property
    def ok(self) -> bool:
        return self.status == "done"


class _Sink:
    """Stands in for a form in `Context.run`: keeps what the guard would have shown."""

    def __init__(self) -> None:
        self.error: ValidationError | None = None
        self.text = ""

    def clear(self) -> None:
        self.error, self.text = None, ""

    def set_status(self, kind: str, text: str) -> None:
        self.text = text

    def show_error(self, error: ValidationError, lang: str) -> None:
        self.error = error


def run(ctx: Any, fn: Any, *, action: str | None = None, where: str) -> Result:
    """`fn()` under `ctx.run` (role `action` checked first); its Result as is, any other value as
    done, a store refusal as refused, a denial or an unexpected error as failed."""
    sink = _Sink()
    ok, value = ctx.run(sink, fn, action=action, where=where)
    if ok:
        return value if isinstance(value, Result) else Result("done", value=value)
    if sink.error is not None:
        return Result("refused", error=sink.error)
    return Result("failed", text=sink.text)


def correct_action(ctx: Any) -> str:
    """The role check for editing or deleting: the owner's, or staff's own-entries one (the store
    then checks the batch is theirs and of today: `users.require_correction`)."""
    return "edit_batch" if ctx.can("edit_batch") else "correct_own"

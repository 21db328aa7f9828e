"""Messages of the Settings tab waiting to join the message catalogue (themoon/ui/i18n.py): the
lead folds them in at merge. `PENDING[key] = (English, Korean)`, with `{name}` placeholders."""

from __future__ import annotations

from typing import Any

PENDING: dict[str, tuple[str, str]] = {
    "set.err.password_repeat": ("does not match the password", "비밀번호가 일치하지 않습니다"),
}


def both(key: str, **values: Any) -> tuple[str, str]:
    """The English and Korean of a pending message (a ValidationError's two messages)."""
    english, korean = PENDING[key]
    return english.format(**values), korean.format(**values)

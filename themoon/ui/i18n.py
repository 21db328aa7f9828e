"""The dashboard's words: `t(key, lang, **values)` looks one up in the message catalogue.

The words themselves live in `themoon.messages` (one catalogue for the dashboard, the CLI and
validation errors); this module keeps the names the dashboard calls.
"""

from __future__ import annotations

from .. import messages
from ..messages import CAFE_NAME, LANGUAGES, normalize
from ..messages.terms import TERMS_KO

__all__ = ["CAFE_NAME", "LANGUAGES", "STRINGS", "TERMS_KO", "normalize", "t", "term"]

STRINGS: dict[str, dict[str, str]] = {
    "en": {key: pair[0] for key, pair in messages.CATALOGUE.items()},
    "ko": {key: pair[1] for key, pair in messages.CATALOGUE.items()},
}


def term(kind: str, value: str | None, lang: str | None = "en", names: dict | None = None) -> str:
    """A stored country, process or roast-level word in the language: in Korean the owner's name
    (`names`, from themoon.terms.korean_names) if any, else the built-in one, else as stored."""
    text = str(value or "")
    if normalize(lang) != "ko" or not text:
        return text
    own = (names or {}).get(kind, {}).get(text)
    if own:
        return own
    table = TERMS_KO.get(kind, {})
    return (
        table.get(text)
        or table.get(text.strip().title())
        or next((ko for en, ko in table.items() if en.lower() == text.strip().lower()), text)
    )


def t(key: str, lang: str | None = "en", **values: object) -> str:
    """The text of `key` in `lang`, with `values` filled in. An unknown key raises in strict mode
    (the test suite) and otherwise is logged and shown as the key."""
    return messages.text(key, lang, **values)

"""The one message catalogue: every text the owner reads, by id, in English and Korean.

`CATALOGUE` maps an id to its pair (English, 한국어), so a text cannot exist in one language only.
The pairs live by area in the modules of this package (dashboard words, domain errors, import
errors, report words, command-line words); `text(id, lang, **values)` renders one. Domain code
raises `ValidationError(field, id, **values)` and the dashboard, CLI and reports render it in the
language they speak.

An unknown id is a bug: with `THEMOON_STRICT_MESSAGES=1` (the test suite sets it) `text` raises
`UnknownMessage`; otherwise it logs a warning and shows the id, so the owner still sees a page.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import NamedTuple

from . import cli, errors_core, errors_io, reports, sales, ui_common, ui_forms, ui_jobs, ui_sales, ui_tabs

LANGUAGES = (("English", "en"), ("한국어", "ko"))
CAFE_NAME = "The Moon Drip BAR · 더문드립바"

log = logging.getLogger(__name__)


def _merge(*parts: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for part in parts:
        twice = merged.keys() & part.keys()
        if twice:
            raise RuntimeError(f"message ids defined twice: {sorted(twice)}")
        merged.update(part)
    return merged


CATALOGUE: dict[str, tuple[str, str]] = _merge(
    ui_common.PAIRS,
    ui_tabs.PAIRS,
    ui_forms.PAIRS,
    ui_jobs.PAIRS,
    errors_core.PAIRS,
    errors_io.PAIRS,
    reports.PAIRS,
    cli.PAIRS,
    sales.PAIRS,
    ui_sales.PAIRS,
)

# Ids whose Korean leaves out a value the English names (today's wording, kept as it reads; the
# Korean sentence is shown next to the field or file it is about). Any other id has the same
# {placeholders} in both languages (tests/test_messages.py).
KO_OMITS: frozenset[str] = errors_core.KO_OMITS | errors_io.KO_OMITS | reports.KO_OMITS | cli.KO_OMITS


class UnknownMessage(KeyError):
    """A message id that is not in the catalogue (raised only in strict mode)."""


class Localized(NamedTuple):
    """A value that is itself already in both languages (e.g. a reason carried over from another
    error); `text` picks the half of the language it renders."""

    en: str
    ko: str


def strict() -> bool:
    """Unknown ids raise (tests) instead of showing the id (production)."""
    return os.environ.get("THEMOON_STRICT_MESSAGES", "") == "1"


def normalize(lang: str | None) -> str:
    """'ko', 'ko-KR', 'KO' → 'ko'; anything unknown → 'en'."""
    code = (lang or "en").strip().lower().replace("_", "-").split("-")[0]
    return code if code in ("en", "ko") else "en"


def default_lang() -> str:
    """The language THEMOON_LANG names (English when unset)."""
    return normalize(os.environ.get("THEMOON_LANG"))


def known(key: str) -> bool:
    return key in CATALOGUE


def text(key: str, lang: str | None = "en", **values: object) -> str:
    """The text of `key` in `lang`, with `values` filled in."""
    pair = CATALOGUE.get(key)
    if pair is None:
        if strict():
            raise UnknownMessage(key)
        log.warning("unknown message id %r", key)
        return key
    ko = normalize(lang) == "ko"
    template = pair[1] if ko else pair[0]
    if not values:
        return template
    filled = {k: (v.ko if ko else v.en) if isinstance(v, Localized) else v for k, v in values.items()}
    return template.format(**filled)


def pair(key: str, **values: object) -> tuple[str, str]:
    """(English, Korean) of `key`: for outputs that show both languages side by side."""
    return text(key, "en", **values), text(key, "ko", **values)

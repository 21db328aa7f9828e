"""UI text waiting for the message catalogue (issue #14): the lead folds these pairs into it at
merge. Shared by the tabs that read through `Context.reads`."""

from __future__ import annotations

from typing import Any

PENDING = {
    "reads.unavailable": (
        "Needs the analytics engine, which could not start here.",
        "분석 엔진이 필요하지만 여기서 시작하지 못했습니다.",
    ),
}


def pending(key: str, lang: str, **values: Any) -> str:
    """A pending message in `lang` (Korean for 'ko', else English)."""
    en, ko = PENDING[key]
    return (ko if lang == "ko" else en).format(**values)

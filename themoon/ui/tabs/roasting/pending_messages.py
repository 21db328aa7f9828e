"""Messages of the Roasting tab (and the shared field checks, ui/checks.py) waiting for the message
catalogue: {key: (English, Korean)}. The lead folds them into the catalogue at merge."""

from __future__ import annotations

from typing import Any

from ....models import ValidationError

PENDING: dict[str, tuple[str, str]] = {
    "check.required": ("is required", "필수 입력입니다"),
    "check.whole_number": ("must be a whole number, like 5000 or 5,000", "5000 또는 5,000처럼 정수로 입력하세요"),
    "roast.err.roasted_ge_green": (
        "must be less than the green weight ({green:,} g)",
        "생두량({green:,} g)보다 적어야 합니다",
    ),
    "roast.err.green_vs_beans": (
        "must equal the per-bean grams below, which add up to {total:,} g",
        "아래 원두별 무게의 합({total:,} g)과 같아야 합니다",
    ),
    "roast.err.too_little_to_split": (
        "{total:,} g is too little to split by the recipe's parts",
        "{total:,} g은 레시피 비율로 나누기에 너무 적습니다",
    ),
    "roast.err.short": (
        "only {have:,} g of {code} in stock on {day} (asked for {want:,} g)",
        "{day} 기준 {code} 재고는 {have:,} g 뿐입니다 (요청 {want:,} g)",
    ),
}


def pending(key: str, **values: Any) -> tuple[str, str]:
    """The (English, Korean) text of a pending message with its values filled in."""
    english, korean = PENDING[key]
    return english.format(**values), korean.format(**values)


def invalid(field: str, key: str, **values: Any) -> ValidationError:
    """A ValidationError naming `field`, in both languages, from a pending message."""
    return ValidationError(field, *pending(key, **values))

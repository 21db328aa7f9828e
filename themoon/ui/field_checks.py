"""The fields' own rules, shared by the tabs' forms and models: check(field name, value) returns
the clean value or raises a ValidationError naming the field. No widgets here (a tab's model
checks what was typed with these; ui/forms.py re-exports them for the views)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from ..models import ValidationError, parse_date, parse_grams, parse_int, parse_won

# A field's own rule: check(field name, value) returns the clean value or raises ValidationError.
Check = Callable[[str, Any], Any]


def required_choice(field: str, value: Any) -> Any:
    """A dropdown left on "— choose —" (the store would say "unknown ''"): the store's own words."""
    if value in (None, ""):
        raise ValidationError(field, "error.is_required")
    return value


def parsed_or_none(parse: Callable[[str, Any], Any], text: Any) -> Any:
    """A typed number for a live figure, or None while it does not parse (saving reports why)."""
    try:
        return parse("x", text)
    except ValidationError:
        return None


_WHOLE = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)$")


def typed_int(field: str, value: Any) -> str:
    """The digits of a whole number as a person types it ('5000', '5,000', '₩5,000'); anything
    else ('abc', '3000.7', '10kg', '1e3', '5,00') is refused naming the field."""
    text = ("" if value is None else str(value)).strip().removeprefix("₩").strip()
    if not text:
        raise ValidationError(field, "error.is_required")
    if not _WHOLE.match(text):
        raise ValidationError(field, "check.whole_number")
    return text


def whole_grams(field: str, value: Any) -> int:
    """Whole grams as typed: text, fractions, negatives and more than the store holds are errors."""
    return parse_grams(field, typed_int(field, value))


def whole_grams_or_zero(field: str, value: Any) -> int:
    return parse_grams(field, typed_int(field, value), allow_zero=True)


def whole_won(field: str, value: Any) -> int:
    return parse_won(field, typed_int(field, value))


def whole_number(minimum: int | None = None, maximum: int | None = None) -> Check:
    def check(field: str, value: Any) -> int:
        return parse_int(field, typed_int(field, value), minimum=minimum, maximum=maximum)

    return check


def optional(check: Check) -> Check:
    """`check`, except that an empty field is fine (None)."""

    def maybe(field: str, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return check(field, value)

    return maybe


def a_date(field: str, value: Any) -> Any:
    """A date picker left empty is an error (the store would quietly take today)."""
    if value is None or value == "":
        raise ValidationError(field, "error.is_required")
    return parse_date(field, value, today=date(9999, 12, 31))

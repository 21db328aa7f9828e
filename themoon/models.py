"""What is valid: the one place that turns untrusted values into typed ones.

Every parser takes whatever a widget, a CLI flag, a spreadsheet cell or a JSON field gave us
and either returns a clean value or raises `ValidationError` naming the field and the rule,
in English and Korean.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from . import messages

MAX_GRAMS = 10_000_000  # 10 t: far above any café lot, far below integer trouble
MAX_WON = 10_000_000_000  # ₩10 bn
MAX_SQLITE_INT = 2**63 - 1  # what an SQLite INTEGER holds
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ValidationError(ValueError):
    """Bad input: which field, which rule. The rule is a message id of `themoon.messages` with its
    values (`ValidationError("grams", "error.at_least", minimum=1)`), rendered in English
    (`message`), Korean (`message_ko`) or the language asked (`text(lang)`).

    The older literal form `ValidationError(field, "english", "korean")` still works for callers
    not yet moved to ids (a text that is not an id is shown as it is)."""

    def __init__(self, field: str, key: str, message_ko: str | None = None, /, **values: object):
        self.field = field
        literal = message_ko is not None or not messages.known(key)
        self.key: str | None = None if literal else key
        self.values = values
        self.message = key if literal else messages.text(key, "en", **values)
        self.message_ko = (message_ko or key) if literal else messages.text(key, "ko", **values)
        super().__init__(f"{field}: {self.message}")

    def text(self, lang: str = "en") -> str:
        return f"{self.field}: {self.message_ko if lang == 'ko' else self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "message_ko": self.message_ko}

    def for_field(self, field: str) -> ValidationError:
        """The same rule about another field name (e.g. prefixed with the row it came from)."""
        if self.key is None:
            return ValidationError(field, self.message, self.message_ko)
        return ValidationError(field, self.key, **self.values)


def _number_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip().replace(",", "").replace("_", "").removeprefix("₩")
    return str(value)


def _decimal(field: str, value: Any, *, whole: bool) -> Decimal:
    """A finite Decimal of a required value ('1,200', '₩5,000', 12.5; '16.7%' unless `whole`)."""
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        raise ValidationError(field, "error.is_required")
    text = _number_text(value) if whole else _number_text(value).removesuffix("%")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")  # not a number: refused as 'nan' is, below
    if not number.is_finite():
        raise ValidationError(field, "error.must_be_a_whole_number" if whole else "error.must_be_a_number")
    return number


def parse_int(field: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number; '1,200' and 1200.0 are fine, 12.5 and 'abc' are not."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(field, "error.must_be_a_number")
    number = _decimal(field, value, whole=True)
    # Bounds are checked on the Decimal, before to_integral_value() (raises decimal.Overflow
    # on '1e999999999') and int() (takes a minute of CPU on '1e999999').
    if minimum is not None and number < minimum:
        raise ValidationError(field, "error.must_be_at_least", minimum=minimum)
    if maximum is not None and number > maximum:
        raise ValidationError(field, "error.must_be_at_most", maximum=maximum)
    if number.copy_abs() > MAX_SQLITE_INT:
        raise ValidationError(field, "error.is_too_large")
    if number != number.to_integral_value():
        raise ValidationError(field, "error.must_be_a_whole_number")
    return int(number)


def parse_grams(field: str, value: Any, *, allow_zero: bool = False) -> int:
    return parse_int(field, value, minimum=0 if allow_zero else 1, maximum=MAX_GRAMS)


def parse_won(field: str, value: Any) -> int:
    return parse_int(field, value, minimum=0, maximum=MAX_WON)


def parse_decimal(field: str, value: Any, *, minimum: Decimal | None = None, maximum: Decimal | None = None) -> Decimal:
    number = _decimal(field, value, whole=False)
    if minimum is not None and number < minimum:
        raise ValidationError(field, "error.must_be_at_least_2", minimum=minimum)
    if maximum is not None and number > maximum:
        raise ValidationError(field, "error.must_be_at_most_2", maximum=maximum)
    return number


def parse_pct_bp(field: str, value: Any) -> int:
    """A percentage (e.g. '16.7') as integer basis points (1670), strictly between 0 and 100."""
    pct = parse_decimal(field, value, minimum=Decimal("0.01"), maximum=Decimal("99.99"))
    bp = pct * 100
    if bp != bp.to_integral_value():
        raise ValidationError(field, "error.has_at_most_two_decimals")
    return int(bp)


def parse_date(field: str, value: Any, *, today: date | None = None) -> date:
    """A calendar date, not in the future."""
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, str) and value.strip():
        try:
            text = value.strip()
            # A date, or a timestamp (legacy rows, Artisan logs) whose day is taken.
            result = date.fromisoformat(text) if len(text) <= 10 else datetime.fromisoformat(text).date()
        except ValueError:
            raise ValidationError(field, "error.must_be_a_date_like_2026") from None
    else:
        raise ValidationError(field, "error.is_required")
    if result > (today or date.today()):
        raise ValidationError(field, "error.cannot_be_in_the_future")
    if result.year < 2000:
        raise ValidationError(field, "error.must_be_in_2000_or_later")
    return result


def parse_text(field: str, value: Any, *, max_len: int = 120, required: bool = False) -> str:
    """Trimmed single-line-safe text; control characters are refused, not stripped silently."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError(field, "error.is_required")
    if len(text) > max_len:
        raise ValidationError(field, "error.must_be_at_most_characters", max_len=max_len)
    if _CONTROL.search(text):
        raise ValidationError(field, "error.contains_control_characters")
    return text


def parse_code(field: str, value: Any) -> str:
    """Short identifier: letters, digits, '-', '_', '.'."""
    code = parse_text(field, value, max_len=40, required=True)
    if not _CODE.match(code):
        raise ValidationError(
            field,
            "error.may_only_hold_letters_digits_and",
        )
    return code


def parse_choice(field: str, value: Any, choices: tuple[str, ...]) -> str:
    text = parse_text(field, value, max_len=40, required=True)
    if text not in choices:
        allowed = ", ".join(choices)
        raise ValidationError(field, "error.must_be_one_of", allowed=allowed)
    return text


def truth(value: Any) -> bool | None:
    """A bool, 0 / 1 or a yes / no word ('y', 'on', 'False' …) as a bool; None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on"):
        return True
    if text in ("0", "false", "no", "n", "off"):
        return False
    return None


def parse_bool(field: str, value: Any) -> bool:
    answer = truth(value)
    if answer is None:
        raise ValidationError(field, "error.must_be_yes_or_no")
    return answer


@dataclass(frozen=True)
class Product:
    """What a batch roasts or a menu item sells: a single-origin bean or a blend."""

    kind: str  # 'bean' | 'blend'
    id: int
    code: str
    name_en: str
    name_ko: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.code}"

    def name(self, lang: str = "en") -> str:
        return (self.name_ko or self.name_en) if lang == "ko" else self.name_en

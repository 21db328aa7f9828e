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

MAX_GRAMS = 10_000_000  # 10 t: far above any café lot, far below integer trouble
MAX_WON = 10_000_000_000  # ₩10 bn
MAX_SQLITE_INT = 2**63 - 1  # what an SQLite INTEGER holds
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ValidationError(ValueError):
    """Bad input: which field, which rule (English and Korean)."""

    def __init__(self, field: str, message: str, message_ko: str | None = None):
        self.field = field
        self.message = message
        self.message_ko = message_ko or message
        super().__init__(f"{field}: {message}")

    def text(self, lang: str = "en") -> str:
        return f"{self.field}: {self.message_ko if lang == 'ko' else self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "message_ko": self.message_ko}


def _number_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip().replace(",", "").replace("_", "").removeprefix("₩")
    return str(value)


def parse_int(field: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number; '1,200' and 1200.0 are fine, 12.5 and 'abc' are not."""
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        raise ValidationError(field, "is required", "필수 입력입니다")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(field, "must be a number", "숫자여야 합니다")
    try:
        number = Decimal(_number_text(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(field, "must be a whole number", "정수여야 합니다") from None
    if not number.is_finite():
        raise ValidationError(field, "must be a whole number", "정수여야 합니다")
    # Bounds are checked on the Decimal, before to_integral_value() (raises decimal.Overflow
    # on '1e999999999') and int() (takes a minute of CPU on '1e999999').
    if minimum is not None and number < minimum:
        raise ValidationError(field, f"must be at least {minimum:,}", f"{minimum:,} 이상이어야 합니다")
    if maximum is not None and number > maximum:
        raise ValidationError(field, f"must be at most {maximum:,}", f"{maximum:,} 이하여야 합니다")
    if number.copy_abs() > MAX_SQLITE_INT:
        raise ValidationError(field, "is too large", "너무 큰 수입니다")
    if number != number.to_integral_value():
        raise ValidationError(field, "must be a whole number", "정수여야 합니다")
    return int(number)


def parse_grams(field: str, value: Any, *, allow_zero: bool = False) -> int:
    return parse_int(field, value, minimum=0 if allow_zero else 1, maximum=MAX_GRAMS)


def parse_won(field: str, value: Any) -> int:
    return parse_int(field, value, minimum=0, maximum=MAX_WON)


def parse_decimal(field: str, value: Any, *, minimum: Decimal | None = None, maximum: Decimal | None = None) -> Decimal:
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        raise ValidationError(field, "is required", "필수 입력입니다")
    try:
        number = Decimal(_number_text(value).removesuffix("%"))
    except (InvalidOperation, ValueError):
        raise ValidationError(field, "must be a number", "숫자여야 합니다") from None
    if not number.is_finite():
        raise ValidationError(field, "must be a number", "숫자여야 합니다")
    if minimum is not None and number < minimum:
        raise ValidationError(field, f"must be at least {minimum}", f"{minimum} 이상이어야 합니다")
    if maximum is not None and number > maximum:
        raise ValidationError(field, f"must be at most {maximum}", f"{maximum} 이하여야 합니다")
    return number


def parse_pct_bp(field: str, value: Any) -> int:
    """A percentage (e.g. '16.7') as integer basis points (1670), strictly between 0 and 100."""
    pct = parse_decimal(field, value, minimum=Decimal("0.01"), maximum=Decimal("99.99"))
    bp = pct * 100
    if bp != bp.to_integral_value():
        raise ValidationError(field, "has at most two decimals", "소수점 둘째 자리까지 입력하세요")
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
            raise ValidationError(
                field, "must be a date like 2026-10-31", "2026-10-31 형식의 날짜여야 합니다"
            ) from None
    else:
        raise ValidationError(field, "is required", "필수 입력입니다")
    if result > (today or date.today()):
        raise ValidationError(field, "cannot be in the future", "미래 날짜는 입력할 수 없습니다")
    if result.year < 2000:
        raise ValidationError(field, "must be in 2000 or later", "2000년 이후여야 합니다")
    return result


def parse_text(field: str, value: Any, *, max_len: int = 120, required: bool = False) -> str:
    """Trimmed single-line-safe text; control characters are refused, not stripped silently."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError(field, "is required", "필수 입력입니다")
    if len(text) > max_len:
        raise ValidationError(field, f"must be at most {max_len} characters", f"{max_len}자 이하여야 합니다")
    if _CONTROL.search(text):
        raise ValidationError(field, "contains control characters", "제어 문자를 포함할 수 없습니다")
    return text


def parse_code(field: str, value: Any) -> str:
    """Short identifier: letters, digits, '-', '_', '.'."""
    code = parse_text(field, value, max_len=40, required=True)
    if not _CODE.match(code):
        raise ValidationError(
            field,
            "may only hold letters, digits, '-', '_' and '.'",
            "영문, 숫자, '-', '_', '.'만 쓸 수 있습니다",
        )
    return code


def parse_choice(field: str, value: Any, choices: tuple[str, ...]) -> str:
    text = parse_text(field, value, max_len=40, required=True)
    if text not in choices:
        allowed = ", ".join(choices)
        raise ValidationError(field, f"must be one of {allowed}", f"{allowed} 중 하나여야 합니다")
    return text


def parse_bool(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on"):
        return True
    if text in ("0", "false", "no", "n", "off"):
        return False
    raise ValidationError(field, "must be yes or no", "예/아니오 중 하나여야 합니다")


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

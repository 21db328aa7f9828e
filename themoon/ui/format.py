"""How numbers are shown: won with thousands separators, kg, %, percentage points.

Rounding is half-up (as everywhere in themoon), never Python's round-half-even. `None`
(a figure that does not exist, e.g. the loss of a period without roasts) shows as a dash.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from ..formatting import half_up as _decimal
from ..formatting import won as won
from .i18n import t

DASH = "—"


def number(value: int | float | Fraction | Decimal | None, places: int = 0) -> str:
    """1234567.891 → '1,234,567.9' (places=1)."""
    if value is None:
        return DASH
    return f"{_decimal(value, places):,.{places}f}"


def kg(value_kg: int | float | Fraction | Decimal | None, places: int = 1) -> str:
    """6.58 → '6.6 kg'."""
    return DASH if value_kg is None else f"{number(value_kg, places)} kg"


def grams_as_kg(grams: int | None, places: int = 1) -> str:
    """6580 → '6.6 kg'."""
    return DASH if grams is None else kg(Fraction(grams, 1000), places)


def pct(value: int | float | Fraction | Decimal | None, places: int = 1) -> str:
    """17.666 → '17.7%'."""
    return DASH if value is None else f"{number(value, places)}%"


def points(value: int | float | Fraction | Decimal | None, lang: str = "en", places: int = 1) -> str:
    """Percentage points with a sign: +0.7 pt (English), +0.7%p (Korean)."""
    if value is None:
        return DASH
    amount = _decimal(value, places)
    sign = "+" if amount > 0 else ("−" if amount < 0 else "±")
    unit = t("points", lang)
    space = "" if unit.startswith("%") else " "
    return f"{sign}{abs(amount):,.{places}f}{space}{unit}"


def signed_pct(value: int | float | Fraction | Decimal | None, places: int = 1) -> str:
    """A change in % with its sign: +3.2%, −11.8%, ±0.0%."""
    if value is None:
        return DASH
    amount = _decimal(value, places)
    sign = "+" if amount > 0 else ("−" if amount < 0 else "±")
    return f"{sign}{abs(amount):,.{places}f}%"


def count(value: int | None) -> str:
    return number(value, 0)


def grams(value: int | None) -> str:
    """4150 → '4,150 g'."""
    return DASH if value is None else f"{number(value, 0)} g"


def day(value) -> str:
    """A date (or ISO text, or pandas Timestamp) as YYYY-MM-DD; None → dash."""
    if value is None or value != value:  # NaT / NaN
        return DASH
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:10]


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_text(value, lang: str = "en") -> str:
    """A date the way the language writes it: "Dec 6, 2026" / "2026. 12. 6." (ISO text or a date;
    None → dash; anything unreadable as it came)."""
    from datetime import date as _date

    if value is None or value != value:
        return DASH
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    try:
        d = _date.fromisoformat(text[:10])
    except ValueError:
        return text
    if lang == "ko":
        return f"{d.year}. {d.month}. {d.day}."
    return f"{_MONTHS_EN[d.month - 1]} {d.day}, {d.year}"

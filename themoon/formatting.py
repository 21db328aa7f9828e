"""How money reads, for every output the owner sees (the dashboard, the reports): the sign before
the currency (−₩134,627, never ₩-134,627), thousands separators, rounded half-up to the won.

Kept outside `themoon.ui` so the reports, which never import the dashboard, write money the
same way (`themoon.ui.format.won` is this function).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

DASH = "—"
MINUS = "−"  # U+2212, the minus sign (not the hyphen)


def half_up(value: int | float | Fraction | Decimal, places: int) -> Decimal:
    """`value` rounded half-up to `places` decimals (never Python's round-half-even); −0 → 0."""
    if isinstance(value, Fraction):
        number = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        number = Decimal(str(value))
    result = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return result + 0


def won(value: int | float | Fraction | Decimal | None) -> str:
    """12942 → '₩12,942'; −1500 → '−₩1,500'; None → a dash."""
    if value is None:
        return DASH
    amount = half_up(value, 0)
    sign = MINUS if amount < 0 else ""
    return f"{sign}₩{abs(amount):,.0f}"

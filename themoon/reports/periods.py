"""Report periods: a month (`2026-10`), an ISO week (`2026-W43`) or a day (`2026-10-31`).

Each report has one kind of period. Besides the literal forms, every kind takes two words that
are resolved against today's date, which is what the schedules use:

| kind  | `previous`                    | `current`                 |
|-------|-------------------------------|---------------------------|
| month | last calendar month           | this month, up to today   |
| week  | last ISO week (Monday–Sunday) | this week, up to today    |
| day   | yesterday                     | today                     |

A period that starts after today is refused (the store holds no future dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .. import messages
from ..models import ValidationError

KINDS = ("month", "week", "day")
PREVIOUS = ("previous", "last")
CURRENT = ("current", "this")
EARLIEST_YEAR = 2000

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_EXAMPLE = {"month": "2026-10", "week": "2026-W43", "day": "2026-10-31"}


@dataclass(frozen=True)
class Period:
    """A closed date range [start, end] with its canonical label."""

    kind: str
    start: date
    end: date
    label: str

    def previous(self) -> Period:
        """The period of the same kind just before this one (a whole month or week)."""
        if self.kind == "month":
            return month(_first_of_previous_month(self.start))
        if self.kind == "week":
            return week(self.start - timedelta(days=7))
        return day(self.start - timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def describe(self, lang: str = "en") -> str:
        """'October 2026', 'week 43 of 2026 (2026-10-19 – 2026-10-25)', '31 October 2026'."""
        year, number, _ = self.start.isocalendar()
        key = {"month": "report.period.month", "week": "report.period.week"}.get(self.kind, "report.period.day")
        return messages.text(key, lang, start=self.start, end=self.end, year=year, number=number)

    def describe_ko(self) -> str:
        return self.describe("ko")


def month(first_day: date) -> Period:
    start = first_day.replace(day=1)
    end = _first_of_next_month(start) - timedelta(days=1)
    return Period("month", start, end, f"{start.year:04d}-{start.month:02d}")


def week(any_day: date) -> Period:
    start = any_day - timedelta(days=any_day.weekday())
    year, number, _ = start.isocalendar()
    return Period("week", start, start + timedelta(days=6), f"{year:04d}-W{number:02d}")


def day(value: date) -> Period:
    return Period("day", value, value, value.isoformat())


def _first_of_next_month(value: date) -> date:
    return date(value.year + value.month // 12, value.month % 12 + 1, 1)


def _first_of_previous_month(value: date) -> date:
    return date(value.year - (value.month == 1), (value.month - 2) % 12 + 1, 1)


_NO_REASON = messages.Localized("", "")


def _bad(kind: str, text: str, why: messages.Localized = _NO_REASON) -> ValidationError:
    return ValidationError(
        "period",
        "report.period_not_understood",
        text=text,
        kind=messages.Localized(*messages.pair(f"report.kind.{kind}")),
        example=_EXAMPLE[kind],
        why=why,
    )


def parse_period(text: object, kind: str, *, today: date | None = None) -> Period:
    """The period of `kind` that `text` names; ValidationError when it names none."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    today = today or date.today()
    raw = "" if text is None else str(text).strip()
    word = raw.lower()
    if word in PREVIOUS or word == "yesterday" and kind == "day":
        if kind == "month":
            return month(_first_of_previous_month(today))
        if kind == "week":
            return week(today - timedelta(days=7))
        return day(today - timedelta(days=1))
    if word in CURRENT or word == "today" and kind == "day":
        return {"month": month, "week": week, "day": day}[kind](today)
    pattern = {"month": _MONTH, "week": _WEEK, "day": _DAY}[kind]
    found = pattern.match(raw)
    if not found or len(raw) > 12:
        raise _bad(kind, raw[:40])
    numbers = [int(g) for g in found.groups()]
    if not EARLIEST_YEAR <= numbers[0] <= 9999:
        raise _bad(kind, raw, messages.Localized(*messages.pair("report.period_years", earliest=EARLIEST_YEAR)))
    try:
        if kind == "month":
            period = month(date(numbers[0], numbers[1], 1))
        elif kind == "week":
            period = week(date.fromisocalendar(numbers[0], numbers[1], 1))
        else:
            period = day(date(*numbers))
    except (ValueError, OverflowError):  # OverflowError: the last week of 9999 ends in year 10000
        raise _bad(kind, raw) from None
    if period.start > today:
        raise ValidationError(
            "period",
            "report.has_not_started_yet_today_is",
            period=period.label,
            today=today.isoformat(),
        )
    return period

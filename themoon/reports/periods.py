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

from ..models import ValidationError

KINDS = ("month", "week", "day")
PREVIOUS = ("previous", "last")
CURRENT = ("current", "this")
EARLIEST_YEAR = 2000

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_EXAMPLE = {"month": "2026-10", "week": "2026-W43", "day": "2026-10-31"}
_KIND_KO = {"month": "월", "week": "주", "day": "날짜"}


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

    def describe(self) -> str:
        """'October 2026', 'week 43 of 2026 (2026-10-19 – 2026-10-25)', '31 October 2026'."""
        if self.kind == "month":
            return self.start.strftime("%B %Y")
        if self.kind == "week":
            year, number, _ = self.start.isocalendar()
            return f"week {number} of {year} ({self.start.isoformat()} – {self.end.isoformat()})"
        return f"{self.start.day} {self.start.strftime('%B %Y')}"

    def describe_ko(self) -> str:
        if self.kind == "month":
            return f"{self.start.year}년 {self.start.month}월"
        if self.kind == "week":
            year, number, _ = self.start.isocalendar()
            return f"{year}년 {number}주차 ({self.start.isoformat()} – {self.end.isoformat()})"
        return f"{self.start.year}년 {self.start.month}월 {self.start.day}일"


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


def _bad(kind: str, text: str, why: str = "", why_ko: str = "") -> ValidationError:
    example = _EXAMPLE[kind]
    return ValidationError(
        "period",
        f"'{text}' is not a {kind} like {example}, 'previous' or 'current'{why}",
        f"'{text}'은(는) {example} 같은 {_KIND_KO[kind]} 또는 'previous'/'current'가 아닙니다{why_ko}",
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
        raise _bad(kind, raw, f" (years {EARLIEST_YEAR}–9999)", f" ({EARLIEST_YEAR}–9999년)")
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
            f"{period.label} has not started yet (today is {today.isoformat()})",
            f"{period.label}은(는) 아직 시작되지 않았습니다 (오늘 {today.isoformat()})",
        )
    return period

"""The monthly report's first lines: a few sentences the owner reads before any table.

`headlines(facts, lang)` is pure: it turns the month's figures (`MonthFacts`, taken from the
report's own tables by `builders`) into sentences from the catalogue (report.letter.*), so the
letter never says a number the tables do not show. Money reads as the tables write it
(`themoon.formatting.won`), changes as relative percent with one decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from .. import formatting
from ..costing import round_decimal
from ..messages import Localized, text
from .periods import Period

MAX_NAMES = 5  # a sentence names at most this many items; the tables list them all


@dataclass
class MonthFacts:
    """The figures the letter speaks of (None: the figure does not exist, e.g. no roasts)."""

    period: Period
    previous: Period
    cost_per_kg: int | None = None
    prev_cost_per_kg: int | None = None
    revenue: int | None = None  # net sales; None: no sales recorded in the month
    prev_revenue: int | None = None
    gross_profit: int | None = None
    prev_gross_profit: int | None = None
    margin_pct: float | None = None
    roi_pct: float | None = None
    target_margin_pct: float | None = None
    below_target: list[Localized] = field(default_factory=list)  # menu items under the target margin
    fell_below: list[Localized] = field(default_factory=list)  # ... of which were at or above it last month
    stars: list[Localized] = field(default_factory=list)
    unexplained: list[tuple[Localized, float, int | None]] = field(default_factory=list)  # (product, %, won)
    unexplained_threshold_pct: float | None = None
    anomalies: int = 0
    critical: int = 0
    loss_pct: float | None = None
    expected_loss_pct: float | None = None


def _pct(value: float | Fraction | None) -> str:
    return "–" if value is None else f"{round_decimal(Fraction(str(value)), 1):,.1f} %"


def _change(new: int, old: int) -> Fraction | None:
    return None if not old else (Fraction(new) - Fraction(old)) / abs(Fraction(old)) * 100


def _names(items: list[Localized], lang: str) -> str:
    shown = [(i.ko if lang == "ko" else i.en) for i in items[:MAX_NAMES]]
    more = len(items) - len(shown)
    return ", ".join(shown) + (text("report.letter.and_more", lang, count=more) if more > 0 else "")


def _cost(f: MonthFacts, lang: str) -> str:
    if f.cost_per_kg is None:
        return text("report.letter.no_roasts", lang)
    values = {"cost": formatting.won(f.cost_per_kg), "previous": f.previous.describe(lang)}
    change = _change(f.cost_per_kg, f.prev_cost_per_kg) if f.prev_cost_per_kg is not None else None
    if change is None:
        return text("report.letter.cost_only", lang, **values)
    values["before"] = formatting.won(f.prev_cost_per_kg)
    values["change"] = _pct(abs(change))
    if round_decimal(change, 1) == 0:
        return text("report.letter.cost_same", lang, **values)
    return text("report.letter.cost_rose" if change > 0 else "report.letter.cost_fell", lang, **values)


def _profit(f: MonthFacts, lang: str) -> str:
    if not f.revenue or f.gross_profit is None:
        return text("report.letter.no_sales", lang)
    values = {
        "profit": formatting.won(f.gross_profit),
        "revenue": formatting.won(f.revenue),
        "margin": _pct(f.margin_pct),
        "roi": _pct(f.roi_pct),
        "previous": f.previous.describe(lang),
    }
    change = _change(f.gross_profit, f.prev_gross_profit) if f.prev_gross_profit else None
    if change is None or round_decimal(change, 1) == 0:
        return text("report.letter.profit", lang, **values)
    key = "report.letter.profit_up" if change > 0 else "report.letter.profit_down"
    return text(key, lang, change=_pct(abs(change)), **values)


def _margins(f: MonthFacts, lang: str) -> list[str]:
    if f.target_margin_pct is None:
        return []
    target = _pct(f.target_margin_pct)
    if not f.below_target:
        return [text("report.letter.margins_ok", lang, target=target)]
    key = "report.letter.below_target_one" if len(f.below_target) == 1 else "report.letter.below_target"
    lines = [text(key, lang, count=len(f.below_target), target=target, names=_names(f.below_target, lang))]
    if f.fell_below:
        lines.append(text("report.letter.fell_below", lang, names=_names(f.fell_below, lang)))
    return lines


def _coffee(f: MonthFacts, lang: str) -> list[str]:
    if not f.revenue or f.unexplained_threshold_pct is None:
        return []
    threshold = _pct(f.unexplained_threshold_pct)
    if not f.unexplained:
        return [text("report.letter.coffee_ok", lang, threshold=threshold)]
    names = [
        Localized(
            f"{p.en} ({_pct(pct)}, {formatting.won(won)})" if won is not None else f"{p.en} ({_pct(pct)})",
            f"{p.ko} ({_pct(pct)}, {formatting.won(won)})" if won is not None else f"{p.ko} ({_pct(pct)})",
        )
        for p, pct, won in f.unexplained
    ]
    return [text("report.letter.coffee", lang, count=len(names), threshold=threshold, names=_names(names, lang))]


def _loss(f: MonthFacts, lang: str) -> list[str]:
    if f.loss_pct is None:
        return []
    values = {"loss": _pct(f.loss_pct), "expected": _pct(f.expected_loss_pct)}
    if not f.anomalies:
        return [text("report.letter.loss_ok", lang, **values)]
    return [text("report.letter.loss", lang, anomalies=f.anomalies, critical=f.critical, **values)]


def headlines(facts: MonthFacts, lang: str = "en") -> list[str]:
    """The letter's sentences in `lang`: cost, profit, margins, where the coffee went, loss, stars."""
    lines = [_cost(facts, lang), _profit(facts, lang)]
    lines += _margins(facts, lang)
    lines += _coffee(facts, lang)
    lines += _loss(facts, lang)
    if facts.stars and facts.revenue:
        lines.append(text("report.letter.stars", lang, names=_names(facts.stars, lang)))
    return lines

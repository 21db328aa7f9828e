"""The shapes of the sales reads (issue #13), shared by both readers of themoon/ui/reads.py: the
engine's frames and the store's `sales.period_profit` rows come out as the same plain dicts, so
the Overview's sales cards and the Sales & profit tab never ask which reader they have.

- `kpis(current, previous)`: net sales and gross profit of a period and the one before, with
  the change in % (as `Analytics.sales_kpis` words it);
- `sales_data(...)`: the period's summary, net sales and gross profit per week and channel,
  the items ranked by gross profit (with ROI, contribution margin per unit, class and advice),
  and where the roasted coffee went per product with the owner's attention flag.

The store reader has no weekly series (one `period_profit` per week would be slow on a long
period): it gives `UNAVAILABLE` there, as for the other trends only the engine computes. Both
readers' other numbers are equal (tests/test_ui_sales.py).
"""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction
from typing import Any

from ..costing import contribution_margin, gross_profit, needs_attention, reconcile, roi_pct, round_decimal, round_won

SUMMARY_KEYS = ("qty", "revenue_won", "cogs_won", "gross_profit_won", "margin_pct", "roi_pct")
ITEM_KEYS = (
    "item",
    "name_en",
    "name_ko",
    "channel",
    "product",
    "qty",
    "revenue_won",
    "cogs_won",
    "gross_profit_won",
    "margin_pct",
    "roi_pct",
    "contribution_margin_won",
    "class",
    "advice",
)
RECON_KEYS = ("product", "roasted_g", "sold_g", "unexplained_g", "unexplained_pct", "unexplained_won")


def _none(value: Any) -> Any:
    """None for NaN / NA (the engine's frames); numpy scalars as Python numbers."""
    if value is None:
        return None
    try:
        if value != value:
            return None
    except TypeError:  # pandas' NA refuses to compare
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _int(value: Any) -> int | None:
    value = _none(value)
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    value = _none(value)
    return None if value is None else float(value)


def _pct(value: Fraction | None) -> float | None:
    return None if value is None else float(round_decimal(value, 1))


def previous_period(since: date, until: date) -> tuple[date, date]:
    """The period the cards compare with: the analytics engine's rule (`analytics.sales`), so
    both readers compare with the same days."""
    from ..analytics.sales import previous_period as rule

    return rule(since, until)


def summary(found: dict[str, Any]) -> dict[str, Any]:
    """A period's totals in one shape (either reader)."""
    out: dict[str, Any] = {key: _int(found.get(key)) or 0 for key in SUMMARY_KEYS[:4]}
    out["margin_pct"], out["roi_pct"] = _float(found.get("margin_pct")), _float(found.get("roi_pct"))
    return out


def store_summary(profit: dict[str, Any]) -> dict[str, Any]:
    """`sales.period_profit`'s totals (its units summed from its items)."""
    return summary({**profit, "qty": sum(r["qty"] for r in profit["items"])})


def _change(current: int, previous: int) -> float | None:
    return None if not previous else float(round_decimal(Fraction(current - previous, abs(previous)) * 100, 1))


def kpis(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """The Overview's sales cards: this period, the one before, and the change of each in %."""
    now, before = summary(current), summary(previous)
    return {
        "current": now,
        "previous": before,
        "revenue_change_pct": _change(now["revenue_won"], before["revenue_won"]),
        "gross_profit_change_pct": _change(now["gross_profit_won"], before["gross_profit_won"]),
    }


def store_items(
    rows: list[dict],
    exact: dict[str, tuple[int, int, Fraction]],
    menu: dict[str, dict],
    products: dict[tuple[str, int], str],
) -> list[dict]:
    """`sales.period_profit`'s item rows with the engine's columns: names, channel, product, ROI %
    and contribution margin per unit (from the exact COGS, `sales.item_cogs`), the advice's id."""
    out = []
    for r in rows:
        m = menu.get(r["item"], {})
        kind_id = ("bean", m.get("bean_id")) if m.get("bean_id") is not None else ("blend", m.get("blend_id"))
        qty, net, cogs = exact[r["item"]]
        cm = contribution_margin(net, cogs, qty)
        out.append(
            {
                **r,
                "name_en": m.get("name_en"),
                "name_ko": m.get("name_ko"),
                "channel": m.get("channel"),
                "product": products.get(kind_id),  # type: ignore[arg-type]
                "roi_pct": _pct(roi_pct(gross_profit(net, cogs), cogs)),
                "contribution_margin_won": None if cm is None else round_won(cm),
                "advice": None if r.get("class") is None else f"sales.class.{r['class']}",
            }
        )
    return out


def _item(r: dict[str, Any]) -> dict[str, Any]:
    out = {key: _none(r.get(key)) for key in ITEM_KEYS}
    for key in ("qty", "revenue_won", "cogs_won", "gross_profit_won", "contribution_margin_won"):
        out[key] = _int(out[key])
    for key in ("margin_pct", "roi_pct"):
        out[key] = _float(out[key])
    return out


def _weekly(rows: Any) -> Any:
    from .reads import available

    if not available(rows):
        return rows
    out = [
        {
            "week": r["period"],
            "channel": r["channel"],
            "revenue_won": int(r["revenue_won"]),
            "cogs_won": int(r["cogs_won"]),
            "gross_profit_won": int(r["gross_profit_won"]),
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (r["week"], r["channel"]))


def _reconciliation(rows: list[dict], products: list[dict], threshold: Fraction) -> list[dict]:
    names = {p["code"]: p for p in products}
    out = []
    for r in rows:
        p = names.get(r["product"], {})
        row = {key: _none(r.get(key)) for key in RECON_KEYS}
        row["unexplained_pct"] = _float(row["unexplained_pct"])
        row.update(
            kind=p.get("kind"),
            name_en=p.get("name_en") or r["product"],
            name_ko=p.get("name_ko"),
            attention=needs_attention(reconcile(int(r["roasted_g"]), int(r["sold_g"]), None), threshold),
        )
        out.append(row)
    return sorted(out, key=lambda r: (-int(r["unexplained_g"]), r["product"]))


def sales_data(
    since: date,
    until: date,
    *,
    totals: dict[str, Any],
    weekly: Any,
    items: list[dict],
    reconciliation: list[dict],
    products: list[dict],
    threshold: Fraction,
) -> dict[str, Any]:
    """Everything the Sales & profit tab shows for [since, until]."""
    ranked = sorted((_item(r) for r in items), key=lambda r: (-(r["gross_profit_won"] or 0), r["item"]))
    return {
        "since": since,
        "until": until,
        "empty": not ranked,
        "summary": summary(totals),
        "weekly": _weekly(weekly),
        "items": ranked,
        "reconciliation": _reconciliation(reconciliation, products, Fraction(threshold)),
        "threshold_pct": float(threshold),
    }

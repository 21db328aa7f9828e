"""The profit model of themoon.costing (section "Sales and profit") and its worked examples.

Every ```example-sales block of docs/costing.md is parsed and recomputed here, exactly as
tests/test_costing.py does for the ```example blocks, so the doc cannot drift from the code.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_costing import _as_list, assert_example
from test_costing import parse_examples as parse_doc_examples

from themoon.costing import (
    COST_WINDOW_DAYS,
    MENU_CLASSES,
    POPULARITY_SHARE,
    Reconciliation,
    actual_cost_per_kg,
    contribution_margin,
    green_return_pct,
    gross_profit,
    margin_pct,
    menu_engineering,
    needs_attention,
    reconcile,
    roi_pct,
    round_decimal,
    round_won,
    sales_cost_window,
    sold_unit_cost,
    unit_cost,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "costing.md"
F = Fraction


def parse_examples(text: str) -> list[dict]:
    return parse_doc_examples(text, "example-sales")


def _maybe(value):
    return "none" if value is None else value


def _sold_unit_cost(ex):
    sold_on = date.fromisoformat(ex["sold_on"])
    first, last = sales_cost_window(sold_on)
    batches = zip(_as_list(ex["batch_days"]), _as_list(ex["batch_costs"]), _as_list(ex["batch_roasted_g"]), strict=True)
    window = [(cost, int(g)) for day, cost, g in batches if first <= date.fromisoformat(day) <= last]
    actual = actual_cost_per_kg(window)
    cost = sold_unit_cost(actual, ex["standard_per_kg"], int(ex["grams"]), int(ex["extra_won"]))
    return {
        "window_first": first.isoformat(),
        "window_last": last.isoformat(),
        "actual_per_kg": _maybe(actual),
        "actual_per_kg_won": _maybe(actual and round_won(actual)),
        "cost": cost,
        "cost_won": round_won(cost),
    }


def _profit(ex):
    cogs = int(ex["qty"]) * ex["unit_cost"]
    net = int(ex["net_won"])
    profit = gross_profit(net, cogs)
    roi = roi_pct(profit, cogs)
    return {
        "cogs": cogs,
        "cogs_won": round_won(cogs),
        "gross_profit": profit,
        "gross_profit_won": net - round_won(cogs),
        "margin_pct_1dp": round_decimal(margin_pct(net, cogs), 1),
        "roi_pct": roi,
        "roi_pct_1dp": round_decimal(roi, 1),
        "green_return_pct_1dp": round_decimal(green_return_pct(profit, int(ex["green_bought_won"])), 1),
    }


def _reconciliation(ex):
    found = reconcile(int(ex["roasted_g"]), int(ex["sold_g"]), ex["cost_per_kg"])
    return {
        "unexplained_g": found.unexplained_g,
        "unexplained_pct": found.unexplained_pct,
        "unexplained_won": found.unexplained_won,
        "unexplained_won_won": round_won(found.unexplained_won),
        "attention": "yes" if needs_attention(found, ex["threshold_pct"]) else "no",
    }


def _menu_engineering(ex):
    keys = _as_list(ex["items"])
    rows = zip(_as_list(ex["qty"]), _as_list(ex["net_won"]), _as_list(ex["cogs"]), strict=True)
    items = {k: (int(q), int(n), c) for k, (q, n, c) in zip(keys, rows, strict=True)}
    classes = menu_engineering(items)
    total_qty = sum(q for q, _, _ in items.values())
    return {
        "popular_share_pct": POPULARITY_SHARE / len(items) * 100,
        "average_contribution": sum(gross_profit(n, c) for _, n, c in items.values()) / total_qty,
        "contribution": [contribution_margin(n, c, q) for q, n, c in items.values()],
        "classes": [classes[k] for k in keys],
    }


# kind -> (input keys, recompute)
KINDS = {
    "sold_unit_cost": (
        {"sold_on", "batch_days", "batch_costs", "batch_roasted_g", "standard_per_kg", "grams", "extra_won"},
        _sold_unit_cost,
    ),
    "profit": ({"qty", "unit_cost", "net_won", "green_bought_won"}, _profit),
    "reconciliation": ({"roasted_g", "sold_g", "cost_per_kg", "threshold_pct"}, _reconciliation),
    "menu_engineering": ({"items", "qty", "net_won", "cogs"}, _menu_engineering),
}


EXAMPLES = parse_examples(DOC.read_text(encoding="utf-8"))


def test_the_doc_has_sales_examples_for_every_kind():
    assert {e["kind"] for e in EXAMPLES} == set(KINDS)
    assert len(EXAMPLES) >= 6


def test_the_sales_section_is_last_and_keeps_the_fence_apart():
    text = DOC.read_text(encoding="utf-8")
    assert text.index("## Sales and profit") > text.index("## Where each formula lives")
    assert "```example\nkind = sold_unit_cost" not in text  # test_costing.py parses ```example blocks


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.get("example", "?") for e in EXAMPLES])
def test_doc_sales_example_matches_the_code(example):
    assert_example(example, KINDS)


# --- by hand -----------------------------------------------------------------------------------------


def test_cost_window_is_the_thirty_days_before_the_sale():
    first, last = sales_cost_window(date(2026, 3, 1))
    assert (first, last) == (date(2026, 1, 30), date(2026, 2, 28))
    assert (last - first).days + 1 == COST_WINDOW_DAYS


def test_actual_cost_is_weighted_by_roasted_grams():
    # ₩10,000/kg for 1 kg and ₩20,000/kg for 3 kg: (10000 + 60000) / 4 kg, not the mean of the rates
    assert actual_cost_per_kg([(10_000, 1000), (60_000, 3000)]) == 17_500
    assert actual_cost_per_kg([]) is None


def test_sold_unit_cost_prefers_actual_and_needs_some_cost():
    assert sold_unit_cost(F(12_000), F(10_000), 20, 150) == unit_cost(12_000, 20, 150) == 390
    assert sold_unit_cost(None, F(10_000), 200, 800) == 2800
    assert sold_unit_cost(None, None, 20, 150) is None


def test_profit_edges():
    assert gross_profit(0, 0) == 0
    assert roi_pct(100, 0) is None
    assert margin_pct(0, F(5)) is None
    assert green_return_pct(100, 0) is None
    assert roi_pct(-50, 100) == -50  # a loss is a negative ROI


def test_reconciliation_of_more_sold_than_roasted_and_of_nothing_roasted():
    found = reconcile(1000, 1500, F(20_000))
    assert found == Reconciliation(1000, 1500, -500, F(-50), F(-10_000))
    assert not needs_attention(found)
    empty = reconcile(0, 200, None)
    assert empty.unexplained_pct is None and empty.unexplained_won is None and not needs_attention(empty)


def test_menu_engineering_thresholds_are_inclusive():
    # n = 2: popular at ≥ 35 % of the volume; the average contribution is (350 + 650) / 100 = 10
    items = {"x": (35, 35 * 10 + 35 * 10, 35 * 10), "y": (65, 650 + 650, 650)}
    assert menu_engineering(items) == {"x": "star", "y": "star"}
    items = {"x": (34, 340 + 341, 340), "y": (66, 660 + 659, 660)}
    classes = menu_engineering(items)
    assert classes["x"] == "puzzle" and classes["y"] == "plowhorse"


def test_menu_engineering_leaves_out_items_not_sold():
    assert menu_engineering({"a": (0, 0, 0), "b": (-1, -5000, -400)}) == {}
    assert menu_engineering({"a": (10, 50_000, 4_000), "b": (0, 0, 0)}) == {"a": "star"}


@given(
    st.lists(
        st.tuples(st.integers(1, 5000), st.integers(0, 10_000_000), st.integers(0, 5_000_000)),
        min_size=1,
        max_size=12,
    )
)
def test_menu_engineering_classes_every_sold_item_consistently(rows):
    items = {f"i{k}": row for k, row in enumerate(rows)}
    classes = menu_engineering(items)
    assert set(classes) == set(items)
    assert set(classes.values()) <= set(MENU_CLASSES)
    total = sum(q for q, _, _ in rows)
    average = sum(F(n - c) for _, n, c in rows) / total
    for key, (qty, net, cogs) in items.items():
        popular = F(qty, total) >= POPULARITY_SHARE / len(items)
        high = F(net - cogs, qty) >= average
        assert (classes[key] in ("star", "plowhorse")) == popular
        assert (classes[key] in ("star", "puzzle")) == high
    # at least one item is at or above the quantity-weighted average
    assert any(classes[k] in ("star", "puzzle") for k in items)


@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 10**6)), min_size=1, max_size=20))
def test_actual_cost_lies_between_the_cheapest_and_dearest_batch(batches):
    cost = actual_cost_per_kg(batches)
    rates = [F(c * 1000, g) for c, g in batches]
    assert min(rates) <= cost <= max(rates)


def test_window_ends_the_day_before():
    sold = date(2025, 1, 1)
    first, last = sales_cost_window(sold)
    assert last == sold - timedelta(days=1) and first == sold - timedelta(days=30)


# --- the array ("ratio") forms the analytics engine uses equal the scalar forms ----------------------


def _value(pair, i=None):
    num, den = pair
    num, den = (num, den) if i is None else (num[i], den[i])
    return None if den == 0 else Fraction(int(num), int(den))


def test_actual_and_sold_unit_cost_ratio_forms_over_arrays_equal_the_scalar_forms():
    import random

    import numpy as np

    from themoon.costing import actual_cost_per_kg_ratio, sold_unit_cost_ratio

    rng = random.Random(13)
    n = 400
    cost = [Fraction(rng.randint(0, 10**9), rng.randint(1, 10**6)) for _ in range(n)]
    roasted = [rng.choice([0, rng.randint(1, 10**6)]) for _ in range(n)]
    standard = [rng.choice([None, Fraction(rng.randint(1, 10**8), rng.randint(1, 10**4))]) for _ in range(n)]
    grams = [rng.randint(0, 1000) for _ in range(n)]
    extra = [rng.randint(0, 3000) for _ in range(n)]
    num = np.array([c.numerator for c in cost], dtype=object)
    den = np.array([c.denominator for c in cost], dtype=object)
    actual = actual_cost_per_kg_ratio((num, den), np.array(roasted, dtype=object))
    std = (
        np.array([0 if s is None else s.numerator for s in standard], dtype=object),
        np.array([0 if s is None else s.denominator for s in standard], dtype=object),
    )
    unit = sold_unit_cost_ratio(actual, std, np.array(grams, dtype=object), np.array(extra, dtype=object))
    for i in range(n):
        per_kg = actual_cost_per_kg([(cost[i], roasted[i])])
        assert _value(actual, i) == per_kg
        assert _value(unit, i) == sold_unit_cost(per_kg, standard[i], grams[i], extra[i])
    # int64 arrays (the engine's fixed-point bounds) give the same as Python ints
    small = sold_unit_cost_ratio(
        (np.array([5, 7, 0]), np.array([4, 4, 0])),
        (np.array([1, 1, 9]), np.array([0, 0, 4])),
        np.array([18, 200, 30]),
        3,
    )
    assert [_value(small, i) for i in range(3)] == [
        sold_unit_cost(Fraction(5, 4), None, 18, 3),
        sold_unit_cost(Fraction(7, 4), None, 200, 3),
        sold_unit_cost(None, Fraction(9, 4), 30, 3),
    ]


@given(
    st.lists(
        st.tuples(st.integers(1, 500), st.integers(-(10**5), 10**7), st.fractions(0, 10**7, max_denominator=10**4)),
        min_size=1,
        max_size=12,
    )
)
def test_menu_tests_in_integers_give_the_classes_of_menu_engineering(rows):
    from math import lcm

    from themoon.costing import menu_class_index, menu_margin_sign, menu_popular

    items = {i: row for i, row in enumerate(rows)}
    expected = menu_engineering(items)
    den = lcm(*(Fraction(c).denominator for _, _, c in rows))
    cogs = [int(Fraction(c) * den) for _, _, c in rows]
    total_q, total_net, total_c = sum(q for q, _, _ in rows), sum(n for _, n, _ in rows), sum(cogs)
    for i, (q, net, _) in enumerate(rows):
        high = menu_margin_sign(q, net, (cogs[i], den), total_q, total_net, (total_c, den)) >= 0
        popular = menu_popular(q, len(rows), total_q)
        assert MENU_CLASSES[menu_class_index(int(popular), int(high))] == expected[i]


def test_reconcile_won_ratio_and_green_for_roasted():
    from themoon.costing import green_for_roasted, reconcile_won_ratio

    for per_kg, grams in ((Fraction(23_456_789, 2000), 1234), (Fraction(11_000), -250), (Fraction(1, 3), 0)):
        num, den = reconcile_won_ratio((per_kg.numerator, per_kg.denominator), grams)
        assert Fraction(num, den) == reconcile(10_000, 10_000 - grams, per_kg).unexplained_won
    assert green_for_roasted(8300, Fraction(17)) == 10_000  # the café's calculator: roasted / 0.83
    assert green_for_roasted(8301, Fraction(17)) == 10_002  # 10,001.2 g: rounded up, never short
    assert green_for_roasted(0, Fraction(167, 10)) == 0
    with pytest.raises(ValueError):
        green_for_roasted(1000, Fraction(100))

"""The pure cost model (themoon.costing) and the worked examples of docs/costing.md.

Every ```example block of the doc is parsed and recomputed here, so the doc cannot drift from
the code; a few of the numbers are also asserted by hand below.
"""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from themoon import cost_settings
from themoon.costing import (
    BP_PER_UNIT,
    RECENT_BATCHES,
    BatchCost,
    CostSettings,
    LossAlert,
    batch_cost,
    batch_cost_ratios,
    batch_cost_won,
    bp_to_pct,
    classify_variance,
    green_cost_won,
    half_up,
    loss_and_variance_bp,
    loss_pct,
    margin_pct,
    moving_average,
    processing_per_roasted_kg,
    ratios,
    recent_expected_pct,
    round_decimal,
    round_won,
    run_lengths,
    split_by_parts,
    standard_cost_per_kg,
    status_for_anomalies,
    stock_value_won,
    suggested_price,
    unit_cost,
    variance_pct,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "costing.md"
CAFE = CostSettings(effective_from=date(2025, 1, 1))  # the defaults are the café's own numbers
SETTING_FIELDS = {f.name for f in fields(CostSettings)} - {"effective_from"}
F = Fraction

# --- the doc's worked examples --------------------------------------------------------------------


def _scalar(text: str) -> Fraction | str:
    try:
        return Fraction(text)
    except ValueError:
        return text


def _value(text: str):
    items = [t.strip() for t in text.split(",")]
    return [_scalar(t) for t in items] if len(items) > 1 else _scalar(items[0])


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def parse_examples(text: str, fence: str = "example") -> list[dict]:
    """The `key = value` blocks of a doc fenced as ```<fence> (test_costing_sales reads 'example-sales')."""
    blocks = re.findall(rf"^```{re.escape(fence)}\n(.*?)^```", text, flags=re.S | re.M)
    examples = []
    for block in blocks:
        entry: dict = {}
        for line in block.strip().splitlines():
            key, sep, value = line.partition(" = ")
            assert sep, f"not a 'key = value' line: {line!r}"
            assert key.strip() not in entry, f"duplicate key {key!r}"
            entry[key.strip()] = value.strip() if key.strip() in ("example", "kind") else _value(value.strip())
        examples.append(entry)
    return examples


def _settings_of(example: dict) -> CostSettings:
    return CostSettings(
        effective_from=date(2000, 1, 1), **{k: int(v) for k, v in example.items() if k in SETTING_FIELDS}
    )


def _verdict(variance: Fraction) -> str:
    alert = classify_variance(variance)
    return "none" if alert is None else f"{alert.level} {alert.direction}"


def _rounding(ex):
    values = _as_list(ex["values"])
    return {"values_won": [round_won(v) for v in values], "values_1dp": [round_decimal(v, 1) for v in values]}


def _loss(ex):
    loss = loss_pct(int(ex["green_g"]), int(ex["roasted_g"]))
    variance = variance_pct(loss, ex["expected_pct"])
    return {
        "loss_pct": loss,
        "loss_pct_2dp": round_decimal(loss, 2),
        "variance_pct": variance,
        "variance_pct_2dp": round_decimal(variance, 2),
        "verdict": _verdict(variance),
    }


def _alerts(ex):
    verdicts = [_verdict(v) for v in ex["variances"]]
    anomalous = [v != "none" for v in verdicts]
    return {
        "verdicts": verdicts,
        "run_lengths": run_lengths(anomalous),
        "anomalies": sum(anomalous),
        "status": status_for_anomalies(sum(anomalous)),
    }


def _status(ex):
    return {"status": [status_for_anomalies(int(n)) for n in _as_list(ex["anomalies"])]}


def _moving_average(ex):
    avg = moving_average(int(ex["stock_g"]), ex["avg_won_per_g"], int(ex["qty_g"]), int(ex["total_won"]))
    return {"avg_after": avg, "avg_per_kg_won": round_won(avg * 1000)}


def _frozen_green(ex):
    grams = int(ex["green_g"])
    return {"green_cost": grams * ex["avg_won_per_g"], "green_cost_won": green_cost_won(grams, ex["avg_won_per_g"])}


def _split(ex):
    total, parts = int(ex["total_g"]), [int(p) for p in _as_list(ex["parts"])]
    return {"shares": [total * r for r in ratios(parts)], "grams": split_by_parts(total, parts)}


def _session(ex):
    settings = _settings_of(ex)
    grams = [int(g) for g in _as_list(ex["batch_green_g"])]
    day = sum(grams)
    shares = [batch_cost(0, g, 1, day, settings).session_won for g in grams]
    return {
        "session_fixed": settings.session_fixed_won,
        "shares": shares,
        "shares_won": [round_won(s) for s in shares],
    }


def _batch_cost(ex):
    green_g, roasted_g = int(ex["green_g"]), int(ex["roasted_g"])
    cost = batch_cost(int(ex["green_cost_won"]), green_g, roasted_g, int(ex["session_green_g"]), _settings_of(ex))
    return {
        "loss_pct": loss_pct(green_g, roasted_g),
        "roasting": cost.roasting_won,
        "session": cost.session_won,
        "total": cost.total_won,
        "total_won": round_won(cost.total_won),
        "per_roasted_kg": cost.per_roasted_kg,
        "per_roasted_kg_won": round_won(cost.per_roasted_kg),
    }


def _processing(ex):
    settings = _settings_of(ex)
    return {"session_fixed": settings.session_fixed_won, "processing_per_kg": processing_per_roasted_kg(settings)}


def _standard_cost(ex):
    settings = _settings_of(ex)
    parts = [int(p) for p in _as_list(ex["parts"])]
    prices = _as_list(ex["green_won_per_kg"])
    loss = ex["expected_loss_pct"]
    cost = standard_cost_per_kg(list(zip(parts, prices, strict=True)), loss, settings)
    green = sum((r * p for r, p in zip(ratios(parts), prices, strict=True)), Fraction(0))
    return {
        "green_per_kg": green,
        "green_per_roasted_kg": cost - processing_per_roasted_kg(settings),
        "processing_per_kg": processing_per_roasted_kg(settings),
        "cost_per_kg": cost,
        "cost_per_kg_won": round_won(cost),
        "suggested_per_kg_won": round_won(suggested_price(cost, settings)),
    }


def _recent_loss(ex):
    expected = recent_expected_pct(_as_list(ex["losses"]))
    return {"expected_pct": expected, "expected_pct_2dp": round_decimal(expected, 2)}


def _unit(ex):
    settings = _settings_of(ex)
    cost = unit_cost(ex["cost_per_kg"], int(ex["grams"]), int(ex["extra_won"]))
    suggested = suggested_price(cost, settings)
    margin = margin_pct(int(ex["price_won"]), cost)
    return {
        "cost": cost,
        "cost_won": round_won(cost),
        "suggested": suggested,
        "suggested_won": round_won(suggested),
        "margin_pct": margin,
        "margin_pct_1dp": round_decimal(margin, 1),
        "suggested_margin_pct": (suggested - cost) / suggested * 100,
    }


def _settings_on(ex):
    versions = [
        CostSettings(effective_from=date.fromisoformat(d), labour_won_per_hour=int(w))
        for d, w in zip(_as_list(ex["version_from"]), _as_list(ex["version_labour_won_per_hour"]), strict=True)
    ]
    chosen = cost_settings.pick(versions, date.fromisoformat(ex["on"]))
    return {
        "in_force": chosen.effective_from.isoformat(),
        "session_fixed": chosen.session_fixed_won,
        "processing_per_kg": processing_per_roasted_kg(chosen),
    }


# kind -> (input keys, recompute)
KINDS = {
    "rounding": ({"values"}, _rounding),
    "loss": ({"green_g", "roasted_g", "expected_pct"}, _loss),
    "alerts": ({"variances"}, _alerts),
    "status": ({"anomalies"}, _status),
    "moving_average": ({"stock_g", "avg_won_per_g", "qty_g", "total_won"}, _moving_average),
    "frozen_green": ({"green_g", "avg_won_per_g"}, _frozen_green),
    "split": ({"total_g", "parts"}, _split),
    "session": ({"batch_green_g"} | SETTING_FIELDS, _session),
    "batch_cost": ({"green_cost_won", "green_g", "roasted_g", "session_green_g"} | SETTING_FIELDS, _batch_cost),
    "processing": (SETTING_FIELDS, _processing),
    "standard_cost": ({"parts", "green_won_per_kg", "expected_loss_pct"} | SETTING_FIELDS, _standard_cost),
    "recent_loss": ({"losses"}, _recent_loss),
    "unit": ({"cost_per_kg", "grams", "extra_won", "price_won"} | SETTING_FIELDS, _unit),
    "settings_on": ({"version_from", "version_labour_won_per_hour", "on"}, _settings_on),
}


def _normal(value):
    """Computed values as the doc writes them: numbers as exact Fractions, lists elementwise."""
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Fraction | Decimal):
        return Fraction(value)
    return value


EXAMPLES = parse_examples(DOC.read_text(encoding="utf-8"))


def test_the_doc_has_worked_examples_for_every_section():
    kinds = {e["kind"] for e in EXAMPLES}
    assert kinds == set(KINDS), f"kinds without an example: {set(KINDS) - kinds}"
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.get("example", "?") for e in EXAMPLES])
def test_doc_example_matches_the_code(example):
    assert_example(example, KINDS)


def assert_example(example: dict, kinds: dict) -> None:
    """Every result a worked example states equals what its kind's recomputation gives
    (test_costing_sales checks the sales section's examples with it too)."""
    inputs, recompute = kinds[example["kind"]]
    computed = recompute(example)
    outputs = {k: v for k, v in example.items() if k not in inputs | {"example", "kind"}}
    assert outputs, "an example must state at least one result"
    for key, stated in outputs.items():
        assert key in computed, f"{key!r} is not a result of kind {example['kind']!r}"
        got = _normal(computed[key])
        if isinstance(got, list) or isinstance(stated, list):
            got, stated = _as_list(got), _as_list(stated)
        assert got == stated, f"{example['example']}: {key} is {got}, the doc says {stated}"


# --- the café's numbers, by hand ------------------------------------------------------------------


def test_full_moon_standard_cost_by_hand():
    components = [(4, 6200), (4, 6000), (1, 4500), (1, 4300)]
    cost = standard_cost_per_kg(components, F(167, 10), CAFE)
    assert cost == F(5760 * 1000, 833) + 5800 == F(10591400, 833)
    assert round_won(cost) == 12715
    cup = unit_cost(cost, 20, 150)
    assert round_won(cup) == 404
    assert round_won(suggested_price(cup, CAFE)) == 1011
    assert round_decimal(margin_pct(5000, cup), 1) == Decimal("91.9")
    bag = unit_cost(cost, 200, 800)
    assert round_won(bag) == 3343
    assert round_decimal(margin_pct(15000, bag), 1) == Decimal("77.7")


def test_actual_batch_cost_by_hand():
    cost = batch_cost(28800, 5000, 4165, 9000, CAFE)
    assert cost.green_won == 28800
    assert cost.roasting_won == 8330
    assert cost.session_won == F(190000, 9)
    assert round_won(cost.total_won) == 58241
    assert round_won(cost.per_roasted_kg) == 13983


def test_settings_of_the_cafe():
    assert CAFE.session_fixed_won == 15000 * 2 + 5000 + 3000 == 38000
    assert processing_per_roasted_kg(CAFE) == 5800
    assert CAFE.multiplier == F(5, 2)
    assert CAFE.expected_loss_pct == F(167, 10)
    assert bp_to_pct(1670) == F(167, 10) and BP_PER_UNIT == 10_000


def test_session_fixed_with_odd_minutes():
    settings = CostSettings(effective_from=date(2025, 1, 1), labour_won_per_hour=15000, labour_minutes_per_session=50)
    assert settings.session_fixed_won == F(15000 * 50, 60) + 8000 == 20500
    settings = CostSettings(effective_from=date(2025, 1, 1), labour_won_per_hour=10001, labour_minutes_per_session=1)
    assert settings.session_fixed_won == F(10001, 60) + 8000


# --- rounding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "won"),
    [
        (F(5, 2), 3),
        (F(-5, 2), -3),
        (F(1, 2), 1),
        (F(-1, 2), -1),
        (F(3, 2), 2),
        (F(7, 2), 4),
        (F(49999, 100), 500),
        (F(-49999, 100), -500),
        (F(4999, 10), 500),
        (F(4994, 10), 499),
        (0, 0),
        (12, 12),
        (-12, -12),
        (F(1, 3), 0),
        (F(-1, 3), 0),
    ],
)
def test_round_won_half_up_away_from_zero(value, won):
    assert round_won(value) == won
    assert isinstance(round_won(value), int)


def test_round_won_of_zero_is_not_negative_zero():
    assert str(round_decimal(F(-1, 3), 0)) in ("0", "-0")  # Decimal may keep the sign...
    assert round_won(F(-1, 3)) == 0  # ...the won never does


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (F(333, 20), 1, "16.7"),
        (F(-13, 4), 1, "-3.3"),
        (F(1, 8), 2, "0.13"),
        (F(-1, 8), 2, "-0.13"),
        (F(1, 3), 2, "0.33"),
        (F(2, 3), 2, "0.67"),
        (F(10), 1, "10.0"),
        (F(5, 1000), 2, "0.01"),
        (F(1234567, 1), 0, "1234567"),
    ],
)
def test_round_decimal(value, places, shown):
    assert round_decimal(value, places) == Decimal(shown)
    assert round_decimal(value, places).as_tuple().exponent == -places


@given(st.fractions(max_denominator=10**6).filter(lambda f: abs(f) < 10**9))
@settings(max_examples=200, deadline=None)
def test_round_won_is_within_half_a_won_and_odd(value):
    won = round_won(value)
    assert abs(value - won) <= F(1, 2)
    assert round_won(-value) == -won  # symmetric: ties go away from zero both ways


@given(st.integers(-(10**9), 10**9))
@settings(max_examples=100, deadline=None)
def test_round_won_ties(n):
    tie = F(2 * n + 1, 2)  # n + 0.5
    assert round_won(tie) == (n + 1 if tie > 0 else n)


# --- loss -----------------------------------------------------------------------------------------


def test_loss_pct_exact():
    assert loss_pct(5000, 4165) == F(167, 10)
    assert loss_pct(1000, 1000) == 0
    assert loss_pct(3, 1) == F(200, 3)
    assert variance_pct(F(20), F(167, 10)) == F(33, 10)


def test_loss_pct_needs_green():
    with pytest.raises(ValueError):
        loss_pct(0, 0)
    with pytest.raises(ValueError):
        loss_pct(-5, 1)


@pytest.mark.parametrize(
    ("variance", "expected"),
    [
        (F(0), None),
        (F(3), None),  # exactly 3 points is not an alert
        (F(-3), None),
        (F(3) + F(1, 10**9), LossAlert("WARNING", "HIGH")),
        (F(-3) - F(1, 10**9), LossAlert("WARNING", "LOW")),
        (F(5), LossAlert("WARNING", "HIGH")),  # exactly 5 is still only a warning
        (F(-5), LossAlert("WARNING", "LOW")),
        (F(5) + F(1, 10**9), LossAlert("CRITICAL", "HIGH")),
        (F(-501, 100), LossAlert("CRITICAL", "LOW")),
        (F(40), LossAlert("CRITICAL", "HIGH")),
    ],
)
def test_classify_variance_thresholds(variance, expected):
    assert classify_variance(variance) == expected


def test_run_lengths():
    assert run_lengths([]) == []
    assert run_lengths([False, False]) == [0, 0]
    assert run_lengths([True, True, True]) == [1, 2, 3]
    assert run_lengths([True, False, True, True, False, True]) == [1, 0, 1, 2, 0, 1]
    assert run_lengths(iter([True, True])) == [1, 2]  # any iterable


@pytest.mark.parametrize(
    ("count", "status"),
    [
        (0, "NORMAL"),
        (1, "NORMAL"),
        (2, "ATTENTION"),
        (3, "ATTENTION"),
        (4, "ATTENTION"),
        (5, "CRITICAL"),
        (50, "CRITICAL"),
    ],
)
def test_status_for_anomalies(count, status):
    assert status_for_anomalies(count) == status


def test_recent_expected_pct():
    assert recent_expected_pct([]) is None
    assert recent_expected_pct([F(17)]) == 17
    assert recent_expected_pct([F(16), F(17), F(91, 5)]) == F(256, 15)
    many = [F(50)] * 5 + [F(i) for i in range(10)]
    assert recent_expected_pct(many) == F(45, 10)  # only the last RECENT_BATCHES
    assert RECENT_BATCHES == 10


# --- moving average and frozen cost ----------------------------------------------------------------


def test_moving_average_weighs_stock_and_lot():
    assert moving_average(4000, F(31, 5), 5000, 34000) == F(98, 15)
    assert moving_average(10000, F(6), 10000, 80000) == 7


def test_moving_average_zero_or_negative_stock_takes_the_lot_cost():
    assert moving_average(0, F(0), 5000, 34000) == F(34, 5)
    assert moving_average(0, F(999), 5000, 34000) == F(34, 5)
    assert moving_average(-200, F(31, 5), 5000, 34000) == F(34, 5)


def test_moving_average_free_lot_and_bad_quantity():
    assert moving_average(1000, F(6), 1000, 0) == 3  # a free sample halves the average
    with pytest.raises(ValueError):
        moving_average(1000, F(6), 0, 100)
    with pytest.raises(ValueError):
        moving_average(1000, F(6), -1, 100)


def test_green_cost_won_is_frozen_half_up():
    assert green_cost_won(2500, F(98, 15)) == 16333
    assert green_cost_won(1, F(1, 2)) == 1  # tie rounds up
    assert green_cost_won(3, F(1, 6)) == 1
    assert green_cost_won(1000, F(0)) == 0
    assert isinstance(green_cost_won(2500, F(98, 15)), int)


unit_costs = st.fractions(min_value=0, max_value=100, max_denominator=1000)


@given(
    st.lists(st.tuples(st.integers(1, 100_000), st.integers(0, 3_000_000)), min_size=1, max_size=12),
)
@settings(max_examples=200, deadline=None)
def test_moving_average_stays_between_min_and_max_unit_cost(lots):
    """Buying lots one after another (stock never consumed): the average is a weighted mean of
    the lots' unit costs, so it stays within their range."""
    stock, avg = 0, F(0)
    for i, (qty, total) in enumerate(lots):
        avg = moving_average(stock, avg, qty, total)
        stock += qty
        seen = [F(t, q) for q, t in lots[: i + 1]]
        assert min(seen) <= avg <= max(seen)
    assert avg == F(sum(t for _, t in lots), sum(q for q, _ in lots))


@given(
    st.integers(-50_000, 100_000),
    unit_costs,
    st.integers(1, 100_000),
    st.integers(0, 3_000_000),
)
@settings(max_examples=200, deadline=None)
def test_moving_average_between_old_average_and_lot_cost(stock, avg, qty, total):
    new = moving_average(stock, avg, qty, total)
    lot = F(total, qty)
    if stock <= 0:
        assert new == lot
    else:
        assert min(avg, lot) <= new <= max(avg, lot)


# --- split by parts ----------------------------------------------------------------------------------


def test_split_by_parts_examples():
    assert split_by_parts(5000, [4, 4, 1, 1]) == [2000, 2000, 500, 500]
    assert split_by_parts(1234, [4, 4, 1, 1]) == [494, 494, 123, 123]
    assert split_by_parts(10, [1, 1, 1]) == [4, 3, 3]  # ties: the earlier component
    assert split_by_parts(0, [1, 2]) == [0, 0]
    assert split_by_parts(7, [1]) == [7]
    assert split_by_parts(1000, [6, 3, 1]) == [600, 300, 100]


def test_split_by_parts_refuses_no_parts():
    with pytest.raises(ValueError):
        split_by_parts(100, [])
    with pytest.raises(ValueError):
        split_by_parts(100, [0, 0])
    with pytest.raises(ValueError):
        ratios([])


def test_ratios():
    assert ratios([4, 4, 1, 1]) == [F(2, 5), F(2, 5), F(1, 10), F(1, 10)]
    assert sum(ratios([3, 7, 11])) == 1


@given(st.integers(0, 10_000_000), st.lists(st.integers(1, 1000), min_size=1, max_size=8))
@settings(max_examples=300, deadline=None)
def test_split_by_parts_sums_exactly_and_stays_within_a_gram(total, parts):
    pieces = split_by_parts(total, parts)
    assert sum(pieces) == total
    assert len(pieces) == len(parts)
    for piece, share in zip(pieces, ratios(parts), strict=True):
        exact = total * share
        assert abs(piece - exact) < 1
        assert piece >= 0


# --- settings, processing, batch cost ----------------------------------------------------------------


def test_processing_per_roasted_kg():
    assert processing_per_roasted_kg(CAFE) == 5800
    small = CostSettings(effective_from=date(2025, 1, 1), planned_session_roasted_g=7500)
    assert processing_per_roasted_kg(small) == 2000 + F(38000 * 1000, 7500)
    free = CostSettings(
        effective_from=date(2025, 1, 1),
        roasting_won_per_kg=0,
        labour_won_per_hour=0,
        energy_won_per_session=0,
        misc_won_per_session=0,
    )
    assert processing_per_roasted_kg(free) == 0


def test_batch_cost_parts_and_totals():
    cost = batch_cost(37200, 6000, 5000, 6000, CAFE)
    assert isinstance(cost, BatchCost)
    assert cost.roasting_won == 10000  # ₩2,000 per ROASTED kg × 5 kg
    assert cost.session_won == 38000  # alone in its session: all of it
    assert cost.total_won == 37200 + 10000 + 38000
    assert cost.per_roasted_kg == F(85200 * 1000, 5000)


def test_batch_cost_refuses_bad_grams():
    with pytest.raises(ValueError):
        batch_cost(100, 1000, 0, 1000, CAFE)
    with pytest.raises(ValueError):
        batch_cost(100, 0, 10, 1000, CAFE)
    with pytest.raises(ValueError):
        batch_cost(100, 1000, 800, 999, CAFE)  # a session holds at least this batch


@given(st.lists(st.integers(1, 20_000), min_size=1, max_size=10))
@settings(max_examples=100, deadline=None)
def test_session_shares_add_up_to_the_session_cost(greens):
    day = sum(greens)
    shares = [batch_cost(0, g, max(1, g - 1), day, CAFE).session_won for g in greens]
    assert sum(shares) == CAFE.session_fixed_won


# --- standard cost, unit cost, price, margin ------------------------------------------------------------


def test_standard_cost_needs_parts_and_a_sane_loss():
    with pytest.raises(ValueError):
        standard_cost_per_kg([], F(16), CAFE)
    with pytest.raises(ValueError):
        standard_cost_per_kg([(0, 6000)], F(16), CAFE)
    for loss in (F(0), F(100), F(-1), F(101)):
        with pytest.raises(ValueError):
            standard_cost_per_kg([(1, 6000)], loss, CAFE)


def test_standard_cost_of_parts_is_scale_free():
    one = standard_cost_per_kg([(4, 6200), (4, 6000), (1, 4500), (1, 4300)], F(167, 10), CAFE)
    ten = standard_cost_per_kg([(40, 6200), (40, 6000), (10, 4500), (10, 4300)], F(167, 10), CAFE)
    assert one == ten


def test_unit_cost_and_margin():
    assert unit_cost(F(10000), 20) == 200
    assert unit_cost(F(10000), 200, 800) == 2800
    assert margin_pct(5000, F(404)) == F(5000 - 404, 5000) * 100
    assert margin_pct(0, F(404)) is None  # no price, no margin
    assert margin_pct(-1, F(404)) is None
    assert margin_pct(100, F(150)) == -50  # selling below cost


prices = st.fractions(min_value=0, max_value=50_000, max_denominator=100)
losses = st.fractions(min_value=F(1, 100), max_value=F(9999, 100), max_denominator=100)
multipliers = st.integers(100, 10_000)


@given(st.fractions(min_value=F(1, 100), max_value=10**6, max_denominator=1000), multipliers)
@settings(max_examples=200, deadline=None)
def test_margin_at_the_suggested_price_is_one_minus_one_over_multiplier(cost, multiplier_pct):
    settings_ = CostSettings(effective_from=date(2025, 1, 1), price_multiplier_pct=multiplier_pct)
    price = suggested_price(cost, settings_)
    # margin_pct takes integer won; use the exact formula on the exact price as well
    assert (price - cost) / price * 100 == (1 - 1 / settings_.multiplier) * 100
    whole = round_won(price)
    if whole > 0:
        assert margin_pct(whole, cost) == (whole - cost) / whole * 100


@given(prices, prices, losses)
@settings(max_examples=200, deadline=None)
def test_standard_cost_is_monotone_in_green_price(a, b, loss):
    low, high = sorted((a, b))
    assert standard_cost_per_kg([(1, low)], loss, CAFE) <= standard_cost_per_kg([(1, high)], loss, CAFE)
    blend_low = standard_cost_per_kg([(4, low), (1, 5000)], loss, CAFE)
    blend_high = standard_cost_per_kg([(4, high), (1, 5000)], loss, CAFE)
    assert blend_low <= blend_high


@given(prices, losses, losses)
@settings(max_examples=200, deadline=None)
def test_standard_cost_is_monotone_in_loss(price, a, b):
    low, high = sorted((a, b))
    assume(price > 0)
    assert standard_cost_per_kg([(1, price)], low, CAFE) <= standard_cost_per_kg([(1, price)], high, CAFE)
    if low < high:
        assert standard_cost_per_kg([(1, price)], low, CAFE) < standard_cost_per_kg([(1, price)], high, CAFE)


@given(prices, losses)
@settings(max_examples=100, deadline=None)
def test_standard_cost_is_at_least_green_plus_processing(price, loss):
    cost = standard_cost_per_kg([(1, price)], loss, CAFE)
    assert cost >= price + processing_per_roasted_kg(CAFE)


# --- effective-dated settings (pure pick) ------------------------------------------------------------


def test_pick_versions():
    v1 = CostSettings(effective_from=date(2025, 1, 1), labour_won_per_hour=15000)
    v2 = CostSettings(effective_from=date(2025, 11, 1), labour_won_per_hour=18000)
    assert cost_settings.pick([v1, v2], date(2025, 10, 31)) is v1
    assert cost_settings.pick([v1, v2], date(2025, 11, 1)) is v2
    assert cost_settings.pick([v1, v2], date(2030, 1, 1)) is v2
    assert cost_settings.pick([v1, v2], date(2024, 12, 31)) == CostSettings(effective_from=date(2000, 1, 1))
    assert cost_settings.pick([], date(2025, 1, 1)) == CostSettings(effective_from=date(2000, 1, 1))


def test_implausible_loss_is_outside_the_owners_band():
    from themoon.costing import implausible_loss

    band = CostSettings(effective_from=date(2026, 1, 1))  # 8 %–25 %
    assert implausible_loss(loss_pct(4170, 417), band) == "HIGH"  # 417 typed for 4,170
    assert implausible_loss(loss_pct(5000, 4700), band) == "LOW"
    assert implausible_loss(Fraction(8), band) is None and implausible_loss(Fraction(25), band) is None
    assert implausible_loss(loss_pct(5000, 4170), band) is None


# --- the same formulas over integer arrays (the analytics engine's million batches) ----------------


def test_half_up_is_round_decimal_to_the_unit_for_ints_and_arrays():
    import numpy as np

    pairs = [(n, d) for n in range(-41, 42) for d in (1, 2, 3, 4, 7, 10, 20)]
    expected = [int(round_decimal(Fraction(n, d), 0)) for n, d in pairs]
    assert [half_up(n, d) for n, d in pairs] == expected  # ties (e.g. ±5/2, ±7/2) away from zero
    numerators, denominators = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    assert half_up(numerators, denominators).tolist() == expected
    assert half_up(numerators.astype(object), denominators.astype(object)).tolist() == expected


def test_batch_cost_won_over_arrays_equals_batch_cost_rounded():
    import random

    import numpy as np

    rng = random.Random(3)
    chosen = CostSettings(date(2025, 1, 1), labour_minutes_per_session=97, roasting_won_per_kg=2150)
    rows = []
    for _ in range(400):
        green = rng.randint(1, 30_000)
        roasted = rng.randint(1, green)
        rows.append((rng.randint(0, 400_000), green, roasted, green + rng.choice([0, rng.randint(1, 90_000)])))
    expected = []
    for cost, green, roasted, session in rows:
        c = batch_cost(cost, green, roasted, session, chosen)
        expected.append((round_won(c.total_won), round_won(c.per_roasted_kg), round_won(c.roasting_won)))
        expected[-1] += (round_won(c.session_won),)
    for dtype in (np.int64, object):
        columns = [np.array([r[i] for r in rows], dtype=dtype) for i in range(4)]
        n = len(rows)
        rate = np.full(n, chosen.roasting_won_per_kg, dtype=dtype)
        sf60 = np.full(n, chosen.session_fixed_won_x60, dtype=dtype)
        won = batch_cost_won(batch_cost_ratios(*columns, rate, sf60))
        names = ("batch_cost_won", "cost_per_kg_won", "roasting_cost_won", "session_cost_won")
        assert list(zip(*(won[k].tolist() for k in names), strict=True)) == expected
    assert chosen.session_fixed_won == Fraction(chosen.session_fixed_won_x60, 60)


def test_loss_and_variance_bp_are_the_shown_loss_and_variance():
    import numpy as np

    cases = [(1000, 830, 1670), (3, 2, 1670), (7, 5, 2000), (2000, 1560, 1670), (1000, 833, 1670), (800, 801, 100)]
    green, roasted, bp = (np.array(c) for c in zip(*cases, strict=True))
    loss, variance = loss_and_variance_bp(green, roasted, bp)
    for (g, r, b), lo, va in zip(cases, loss.tolist(), variance.tolist(), strict=True):
        assert lo == round_decimal(loss_pct(g, r), 2) * 100
        assert va == round_decimal(variance_pct(loss_pct(g, r), bp_to_pct(b)), 2) * 100


def test_stock_value_won_is_the_rounded_value_and_ignores_negative_stock():
    import numpy as np

    avg = Fraction(62_345, 9_999)
    stock = [-500, 0, 1, 3, 9_999, 123_457]
    expected = [round_won(avg * max(s, 0)) for s in stock]
    assert [stock_value_won(avg, s) for s in stock] == expected
    assert stock_value_won(avg, np.array(stock, dtype=object)).tolist() == expected


def test_menu_ratio_forms_over_arrays_equal_the_scalar_forms():
    import random

    import numpy as np

    from themoon.costing import (
        as_ratio,
        margin_pct_ratio,
        roi_pct_ratio,
        standard_cost_ratio,
        suggested_price_ratio,
        unit_cost_ratio,
        unit_roi_pct,
    )

    rng = random.Random(11)
    rows = []
    for _ in range(300):
        settings = CostSettings(
            date(2025, 1, 1),
            roasting_won_per_kg=rng.randint(0, 5000),
            labour_won_per_hour=rng.randint(0, 40_000),
            labour_minutes_per_session=rng.randint(1, 300),
            planned_session_roasted_g=rng.randint(1, 30_000),
            price_multiplier_pct=rng.randint(1, 500),
        )
        parts = [rng.randint(1, 9) for _ in range(rng.randint(1, 4))]
        green = [Fraction(rng.randint(1, 10**7), rng.randint(1, 10**4)) for _ in parts]
        loss = Fraction(rng.randint(1, 9_999), rng.choice([1, 100, 7]))
        loss = loss if 0 < loss < 100 else Fraction(167, 10)
        rows.append((settings, parts, green, loss, rng.randint(1, 1000), rng.randint(0, 3000), rng.randint(0, 60_000)))
    expected, inputs = [], []
    for settings, parts, green, loss, grams, extra, price in rows:
        per_kg = standard_cost_per_kg(list(zip(parts, green, strict=True)), loss, settings)
        cost = unit_cost(per_kg, grams, extra)
        margin = margin_pct(price, cost)
        expected.append(
            (
                round_won(per_kg),
                round_won(cost),
                round_won(suggested_price(cost, settings)),
                None if margin is None else round_decimal(margin, 1) * 10,
                round_decimal(unit_roi_pct(price, cost), 1) * 10,
            )
        )
        total = sum(parts)
        weighted = sum((Fraction(p, total) * g for p, g in zip(parts, green, strict=True)), Fraction(0))
        inputs.append((as_ratio(weighted), as_ratio(loss), as_ratio(processing_per_roasted_kg(settings))))
    column = lambda values: np.array(values, dtype=object)  # noqa: E731 - products pass 2**63
    green_r = (column([i[0][0] for i in inputs]), column([i[0][1] for i in inputs]))
    loss_r = (column([i[1][0] for i in inputs]), column([i[1][1] for i in inputs]))
    proc_r = (column([i[2][0] for i in inputs]), column([i[2][1] for i in inputs]))
    per_kg = standard_cost_ratio(green_r, loss_r, proc_r)
    grams, extra, price = (column([r[k] for r in rows]) for k in (4, 5, 6))
    multiplier = column([r[0].price_multiplier_pct for r in rows])
    cost = unit_cost_ratio(per_kg, grams, extra)
    suggested = suggested_price_ratio(cost, multiplier)
    priced = price > 0
    margin = margin_pct_ratio(np.where(priced, price, 1), cost)
    roi = roi_pct_ratio(price, cost)
    got = zip(
        half_up(*per_kg).tolist(),
        half_up(*cost).tolist(),
        half_up(*suggested).tolist(),
        np.where(priced, half_up(margin[0] * 10, margin[1]), None).tolist(),
        half_up(roi[0] * 10, roi[1]).tolist(),
        strict=True,
    )
    assert [tuple(g) for g in got] == expected
    assert unit_roi_pct(5000, Fraction(0)) is None

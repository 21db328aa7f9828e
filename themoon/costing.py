"""The cost model (SPEC §3, docs/costing.md): pure, exact, no I/O.

Inputs are integer won and integer grams; everything derived is an exact `Fraction` and is
rounded half-up to the won (or to a shown number of decimals) only for display or when a
value is frozen into the ledger (`round_won`). Percentages travel as integer basis points
(1 bp = 0.01 %) where they are stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

BP_PER_UNIT = 10_000  # basis points in 100 %
WARNING_POINTS = 3
CRITICAL_POINTS = 5
RECENT_BATCHES = 10


def round_won(value: Fraction | int) -> int:
    """Half-up to the whole won (KRW has no minor unit)."""
    return int(round_decimal(value, 0))


def round_decimal(value: Fraction | int, places: int = 1) -> Decimal:
    """Half-up (ties away from zero) to `places` decimals, in exact integer arithmetic."""
    scaled = Fraction(value) * 10**places
    whole = int(abs(scaled) + Fraction(1, 2))
    return Decimal(-whole if scaled < 0 else whole).scaleb(-places)


def half_up(numerator: Any, denominator: Any) -> Any:
    """`round_decimal(numerator / denominator, 0)` in integer arithmetic (denominator > 0): ties
    away from zero. Works alike on ints and on integer numpy arrays (int64, or dtype object for
    exact big products), so the analytics engine rounds a million batches the same way."""
    sign = (numerator >= 0) * 2 - 1
    return sign * ((2 * abs(numerator) + denominator) // (2 * denominator))


def bp_to_pct(bp: int | Fraction) -> Fraction:
    return Fraction(bp) / 100


# --- loss ------------------------------------------------------------------------------------


def loss_pct(green_g: int, roasted_g: int) -> Fraction:
    """(green − roasted) / green × 100."""
    if green_g <= 0:
        raise ValueError("green_g must be positive")
    return Fraction(green_g - roasted_g, green_g) * 100


def variance_pct(loss: Fraction, expected_pct: Fraction) -> Fraction:
    """Percentage points above (+) or below (−) the expected loss."""
    return loss - expected_pct


def recent_expected_pct(losses_pct: Sequence[Fraction]) -> Fraction | None:
    """Mean loss of the last RECENT_BATCHES batches (oldest first), or None without history."""
    recent = list(losses_pct)[-RECENT_BATCHES:]
    if not recent:
        return None
    return sum(recent, Fraction(0)) / len(recent)


@dataclass(frozen=True)
class LossAlert:
    level: str  # WARNING | CRITICAL
    direction: str  # HIGH | LOW


def classify_variance(variance: Fraction) -> LossAlert | None:
    """abs(variance) > 3 points → WARNING, > 5 → CRITICAL; HIGH when loss is above expected."""
    size = abs(variance)
    if size <= WARNING_POINTS:
        return None
    level = "CRITICAL" if size > CRITICAL_POINTS else "WARNING"
    return LossAlert(level, "HIGH" if variance > 0 else "LOW")


def run_lengths(anomalous: Iterable[bool]) -> list[int]:
    """For each batch in date order, how many anomalous batches in a row end at it (0 if normal)."""
    runs, current = [], 0
    for flag in anomalous:
        current = current + 1 if flag else 0
        runs.append(current)
    return runs


def loss_and_variance_bp(green_g: Any, roasted_g: Any, expected_bp: Any) -> tuple[Any, Any]:
    """Loss and its variance from the expected, half-up to a basis point (= `round_decimal(…, 2)`
    of `loss_pct` and `variance_pct`, × 100), of ints or integer numpy arrays alike."""
    lost = (green_g - roasted_g) * BP_PER_UNIT
    return half_up(lost, green_g), half_up(lost - expected_bp * green_g, green_g)


def status_for_anomalies(count: int) -> str:
    """30-day status of a product from its number of anomalous batches."""
    if count >= 5:
        return "CRITICAL"
    if count >= 2:
        return "ATTENTION"
    return "NORMAL"


# --- green cost --------------------------------------------------------------------------------


def moving_average(stock_g: int, avg_won_per_g: Fraction, qty_g: int, total_won: int) -> Fraction:
    """Weighted-average cost per gram after buying qty_g for total_won.

    avg = (stock·avg + qty·unit) / (stock + qty). With nothing in stock the lot's own unit cost
    is the new average (a negative book stock never weighs in).
    """
    if qty_g <= 0:
        raise ValueError("qty_g must be positive")
    stock_g = max(stock_g, 0)
    return (stock_g * Fraction(avg_won_per_g) + total_won) / (stock_g + qty_g)


def green_cost_won(green_g: int, avg_won_per_g: Fraction) -> int:
    """The green cost frozen onto a batch component."""
    return round_won(green_g * Fraction(avg_won_per_g))


def stock_value_won(avg_won_per_g: Fraction | tuple[Any, Any], stock_g: Any) -> Any:
    """Book value of green stock at its moving-average cost, half-up to the won; a negative book
    stock is worth nothing. `stock_g` may be an int or an integer numpy array; the average an exact
    number, or a (numerator, denominator) pair of integer arrays aligned with `stock_g`."""
    num, den = avg_won_per_g if isinstance(avg_won_per_g, tuple) else as_ratio(avg_won_per_g)
    return half_up(num * (stock_g * (stock_g > 0)), den)


# --- settings and processing --------------------------------------------------------------------


@dataclass(frozen=True)
class CostSettings:
    """The owner's cost settings in force from `effective_from`."""

    effective_from: date
    expected_loss_bp: int = 1670
    use_recent_loss: bool = False
    roasting_won_per_kg: int = 2000  # per roasted kg
    labour_won_per_hour: int = 15_000
    labour_minutes_per_session: int = 120
    energy_won_per_session: int = 5000
    misc_won_per_session: int = 3000
    planned_session_roasted_g: int = 10_000
    price_multiplier_pct: int = 250
    # a batch's loss outside [min, max] is probably a typo: the form asks "save anyway?"
    plausible_loss_min_bp: int = 800
    plausible_loss_max_bp: int = 2500

    @property
    def session_fixed_won(self) -> Fraction:
        """Labour + energy + misc of one roasting session."""
        return Fraction(self.session_fixed_won_x60, 60)

    @property
    def session_fixed_won_x60(self) -> int:
        """60 × `session_fixed_won`: a whole number of won (labour is priced per hour, spent in minutes)."""
        labour = self.labour_won_per_hour * self.labour_minutes_per_session
        return labour + 60 * (self.energy_won_per_session + self.misc_won_per_session)

    @property
    def multiplier(self) -> Fraction:
        return Fraction(self.price_multiplier_pct, 100)

    @property
    def expected_loss_pct(self) -> Fraction:
        return bp_to_pct(self.expected_loss_bp)


def implausible_loss(loss: Fraction, settings: CostSettings) -> str | None:
    """'LOW' or 'HIGH' when a loss (%) is outside the owner's plausible band, else None."""
    if loss < bp_to_pct(settings.plausible_loss_min_bp):
        return "LOW"
    if loss > bp_to_pct(settings.plausible_loss_max_bp):
        return "HIGH"
    return None


def processing_per_roasted_kg(settings: CostSettings) -> Fraction:
    """Planning rate: roasting ₩/kg + one session's fixed costs spread over a planned session."""
    planned_kg = Fraction(settings.planned_session_roasted_g, 1000)
    return settings.roasting_won_per_kg + settings.session_fixed_won / planned_kg


@dataclass(frozen=True)
class BatchCost:
    green_won: Fraction
    roasting_won: Fraction
    session_won: Fraction
    roasted_g: int

    @property
    def total_won(self) -> Fraction:
        return self.green_won + self.roasting_won + self.session_won

    @property
    def per_roasted_kg(self) -> Fraction:
        return self.total_won * 1000 / self.roasted_g


class BatchCostRatios(NamedTuple):
    """A batch's actual cost as exact (numerator, denominator) pairs of ints or integer arrays."""

    roasting: tuple[Any, Any]  # roasting ₩ per roasted kg × roasted kg
    session: tuple[Any, Any]  # its share, by green grams, of the session's fixed costs
    total: tuple[Any, Any]  # frozen green cost + roasting + session share
    per_roasted_kg: tuple[Any, Any]  # total / roasted kg


def batch_cost_ratios(
    green_cost_won: Any,
    green_g: Any,
    roasted_g: Any,
    session_green_g: Any,
    roasting_won_per_kg: Any,
    session_fixed_won_x60: Any,
) -> BatchCostRatios:
    """The actual cost of a batch as exact integer ratios: plain ints for `batch_cost`, integer
    numpy arrays (one entry a batch) for the analytics engine, which rounds them with
    `batch_cost_won`."""
    roasting = (roasting_won_per_kg * roasted_g, 1000)
    session = (session_fixed_won_x60 * green_g, 60 * session_green_g)
    # over the common denominator 60000·S: C·60000·S + 60·S·rate·r + 1000·sf60·g
    common = 60000 * session_green_g
    total = green_cost_won * common + 60 * session_green_g * roasting[0] + 1000 * session[0]
    # total × 1000 / roasted_g, the 1000 cancelled against the common denominator
    return BatchCostRatios(roasting, session, (total, common), (total, 60 * session_green_g * roasted_g))


def batch_cost_won(ratios: BatchCostRatios) -> dict[str, Any]:
    """The shown costs of batches (as `roasting.list_batches` rounds `batch_cost`), each half-up to
    the won: arrays in, arrays out (the analytics engine's million batches in one pass)."""
    return {
        "batch_cost_won": half_up(*ratios.total),
        "cost_per_kg_won": half_up(*ratios.per_roasted_kg),
        "roasting_cost_won": half_up(*ratios.roasting),
        "session_cost_won": half_up(*ratios.session),
    }


def batch_cost(
    green_cost_won: int,
    green_g: int,
    roasted_g: int,
    session_green_g: int,
    settings: CostSettings,
) -> BatchCost:
    """Actual cost of one batch: its frozen green cost, roasting per roasted kg, and its share
    (by green grams) of the fixed costs of the day's roasting session."""
    if roasted_g <= 0 or green_g <= 0:
        raise ValueError("grams must be positive")
    if session_green_g < green_g:
        raise ValueError("the session holds at least this batch")
    ratios = batch_cost_ratios(
        green_cost_won,
        green_g,
        roasted_g,
        session_green_g,
        settings.roasting_won_per_kg,
        settings.session_fixed_won_x60,
    )
    return BatchCost(
        green_won=Fraction(green_cost_won),
        roasting_won=Fraction(*ratios.roasting),
        session_won=Fraction(*ratios.session),
        roasted_g=roasted_g,
    )


# --- standard (planning) cost and prices --------------------------------------------------------


def as_ratio(value: Fraction | int) -> tuple[int, int]:
    """An exact number as the (numerator, denominator) pair the `_ratio` forms take."""
    value = Fraction(value)
    return value.numerator, value.denominator


def _value(ratio: tuple[Any, Any]) -> Fraction:
    """The exact number of a ratio form's pair. The scalar forms pass Fractions through the ratio
    forms (numerator a `Fraction`, denominator 1), so Python's Fraction arithmetic keeps the
    huge moving-average denominators reduced step by step."""
    return Fraction(ratio[0]) / Fraction(ratio[1])


def check_standard_inputs(total_parts: int, expected_loss_pct: Fraction) -> None:
    """What a standard cost needs: a recipe with parts, and a loss strictly between 0 and 100 %."""
    if total_parts <= 0:
        raise ValueError("a product needs at least one component with parts > 0")
    if not 0 < expected_loss_pct < 100:
        raise ValueError("expected loss must be between 0 and 100 %")


def standard_cost_ratio(
    green_per_kg: tuple[Any, Any], expected_loss_pct: tuple[Any, Any], processing: tuple[Any, Any]
) -> tuple[Any, Any]:
    """green per green kg / (1 − expected loss % / 100) + processing per roasted kg, each an exact
    (numerator, denominator) pair of ints or integer numpy arrays (one entry a product and date)."""
    (gn, gd), (ln, ld), (pn, pd) = green_per_kg, expected_loss_pct, processing
    kept = 100 * ld - ln  # (1 − loss/100) = kept / (100·ld)
    return gn * 100 * ld * pd + pn * gd * kept, gd * kept * pd


def standard_cost_per_kg(
    components: Sequence[tuple[int, Fraction]],
    expected_loss_pct: Fraction,
    settings: CostSettings,
) -> Fraction:
    """Σ ratio_i × green cost per kg_i / (1 − expected loss) + processing per roasted kg.

    `components` are (parts, green cost ₩/kg); a single-origin bean is [(1, cost)].
    """
    total_parts = sum(parts for parts, _ in components)
    check_standard_inputs(total_parts, expected_loss_pct)
    green = sum((Fraction(p, total_parts) * Fraction(c) for p, c in components), Fraction(0))
    return _value(
        standard_cost_ratio((green, 1), as_ratio(expected_loss_pct), (processing_per_roasted_kg(settings), 1))
    )


def unit_cost_ratio(cost_per_kg: tuple[Any, Any], grams: Any, extra_won: Any = 0) -> tuple[Any, Any]:
    """cost ₩/kg × grams / 1000 + extras as an exact (numerator, denominator) pair, of ints or
    integer arrays alike."""
    num, den = cost_per_kg
    return num * grams + extra_won * 1000 * den, 1000 * den


def unit_cost(cost_per_kg: Fraction, grams: int, extra_won: int = 0) -> Fraction:
    """Cost of a cup (dose) or a bag (size) of roasted coffee plus its extras (cup, milk, bag)."""
    return _value(unit_cost_ratio((Fraction(cost_per_kg), 1), grams, extra_won))


def suggested_price_ratio(cost: tuple[Any, Any], price_multiplier_pct: Any) -> tuple[Any, Any]:
    """cost × multiplier (stored in percent) as an exact pair, of ints or integer arrays."""
    return cost[0] * price_multiplier_pct, cost[1] * 100


def suggested_price(cost: Fraction, settings: CostSettings) -> Fraction:
    return _value(suggested_price_ratio((Fraction(cost), 1), settings.price_multiplier_pct))


def margin_pct_ratio(price_won: Any, cost: tuple[Any, Any]) -> tuple[Any, Any]:
    """(price − cost) / price × 100 as an exact pair, for prices > 0 (ints or integer arrays)."""
    num, den = cost
    return (price_won * den - num) * 100, price_won * den


def margin_pct(price_won: int, cost: Fraction) -> Fraction | None:
    """(price − cost) / price × 100 against the cost of the same unit; None without a price."""
    if price_won <= 0:
        return None
    return _value(margin_pct_ratio(price_won, (Fraction(cost), 1)))


def roi_pct_ratio(price_won: Any, cost: tuple[Any, Any]) -> tuple[Any, Any]:
    """Gross margin over cost, (price − cost) / cost × 100, as an exact pair (for costs > 0, so
    that the denominator is positive as `half_up` wants)."""
    num, den = cost
    return (price_won * den - num) * 100, num


def unit_roi_pct(price_won: int, cost: Fraction) -> Fraction | None:
    """`roi_pct` of one unit: (price − cost) / cost × 100; None without a cost."""
    if cost == 0:
        return None
    return _value(roi_pct_ratio(price_won, (Fraction(cost), 1)))


def ratios(parts: Sequence[int]) -> list[Fraction]:
    """Share of each component of a recipe in parts."""
    total = sum(parts)
    if total <= 0:
        raise ValueError("parts must add up to more than zero")
    return [Fraction(p, total) for p in parts]


def split_by_parts(total_g: int, parts: Sequence[int]) -> list[int]:
    """Split whole grams by parts so the pieces add up exactly (largest remainders get the rest)."""
    shares = [total_g * r for r in ratios(parts)]
    floors = [int(s) for s in shares]
    rest = total_g - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: (shares[i] - floors[i], -i), reverse=True)
    for i in order[:rest]:
        floors[i] += 1
    return floors


# === Sales and profit (issue #13; docs/costing.md "Sales and profit") ===========================
# Pure functions over what the till sold: the cost of a sold unit on its date, gross profit,
# margin, ROI, the return on green coffee bought, where the roasted coffee went, and the
# Kasavana–Smith menu-engineering classes. Exact Fractions; rounding only for display.

# imported here, not at the top: this section is appended to the module (issue #13)
from collections.abc import Mapping  # noqa: E402
from datetime import timedelta  # noqa: E402
from typing import TypeVar  # noqa: E402

Key = TypeVar("Key")

COST_WINDOW_DAYS = 30  # a unit sold on day d is costed from the batches of d−30 … d−1
UNEXPLAINED_ATTENTION_PCT = 15  # default owner threshold for roasted coffee not sold
POPULARITY_SHARE = Fraction(7, 10)  # popular: at least 70 % of an even share (1/n) of the volume
MENU_CLASSES = ("star", "plowhorse", "puzzle", "dog")


def sales_cost_window(sold_on: date) -> tuple[date, date]:
    """The first and last roast day whose batches cost a unit sold on `sold_on` (the 30 days
    before the sale: coffee is sold after it was roasted, never from the day's own roast)."""
    return sold_on - timedelta(days=COST_WINDOW_DAYS), sold_on - timedelta(days=1)


def actual_cost_per_kg(batches: Iterable[tuple[Fraction | int, int]]) -> Fraction | None:
    """Σ batch cost × 1000 / Σ roasted g over (actual batch cost, roasted g) pairs: the cost of a
    roasted kg weighted by what each batch yielded; None when nothing was roasted."""
    total_won, total_g = Fraction(0), 0
    for cost, roasted_g in batches:
        total_won += Fraction(cost)
        total_g += roasted_g
    if total_g <= 0:
        return None
    return total_won * 1000 / total_g


def sold_unit_cost(
    actual_per_kg: Fraction | None, standard_per_kg: Fraction | None, grams: int, extra_won: int = 0
) -> Fraction | None:
    """Cost of one sold cup or bag: the product's actual cost per roasted kg over the cost window,
    else its standard cost, × dose or bag size / 1000 + the item's extras (SPEC §3)."""
    per_kg = actual_per_kg if actual_per_kg is not None else standard_per_kg
    if per_kg is None:
        return None
    return unit_cost(per_kg, grams, extra_won)


def gross_profit(net_won: int, cogs: Fraction | int) -> Fraction:
    """Net sales − cost of goods sold."""
    return Fraction(net_won) - Fraction(cogs)


def roi_pct(profit: Fraction | int, cogs: Fraction | int) -> Fraction | None:
    """Gross profit ÷ cost of goods sold × 100; None without a cost."""
    if cogs <= 0:
        return None
    return Fraction(profit) / Fraction(cogs) * 100


def green_return_pct(profit: Fraction | int, green_bought_won: int) -> Fraction | None:
    """Gross profit of a period ÷ what the green coffee bought in it cost × 100; None if none was bought."""
    if green_bought_won <= 0:
        return None
    return Fraction(profit) / green_bought_won * 100


@dataclass(frozen=True)
class Reconciliation:
    """Roasted coffee against coffee sold (quantity × dose or bag size) for a product and period."""

    roasted_g: int
    sold_g: int
    unexplained_g: int  # tastings, waste, staff drinks, stock change
    unexplained_pct: Fraction | None  # of roasted
    unexplained_won: Fraction | None  # at the cost per roasted kg


def reconcile(roasted_g: int, sold_g: int, cost_per_kg: Fraction | None) -> Reconciliation:
    """Where the roasted coffee went: roasted − sold in grams, % of roasted, and won."""
    unexplained = roasted_g - sold_g
    pct = Fraction(unexplained, roasted_g) * 100 if roasted_g > 0 else None
    won = None if cost_per_kg is None else Fraction(cost_per_kg) * unexplained / 1000
    return Reconciliation(roasted_g, sold_g, unexplained, pct, won)


def needs_attention(found: Reconciliation, threshold_pct: Fraction | int = UNEXPLAINED_ATTENTION_PCT) -> bool:
    """More than `threshold_pct` % of the roasted coffee is not explained by sales."""
    return found.unexplained_pct is not None and found.unexplained_pct > threshold_pct


def contribution_margin(net_won: int, cogs: Fraction | int, qty: int) -> Fraction | None:
    """Gross profit per unit sold (average net price − unit cost); None without units."""
    if qty <= 0:
        return None
    return gross_profit(net_won, cogs) / qty


def menu_engineering(items: Mapping[Key, tuple[int, int, Fraction | int]]) -> dict[Key, str]:
    """Kasavana–Smith classes of items {key: (qty, net won, cogs)} sold in one period.

    Popular: qty ≥ 70 % of an even share (qty / Σ qty ≥ 0.7 / n). High margin: contribution
    margin per unit ≥ the quantity-weighted average (Σ gross profit / Σ qty). Star = popular and
    high, plowhorse = popular and low, puzzle = unpopular and high, dog = unpopular and low.
    Items without units sold (qty ≤ 0) are not classed.
    """
    sold = {k: v for k, v in items.items() if v[0] > 0}
    if not sold:
        return {}
    n = len(sold)
    total_qty = sum(q for q, _, _ in sold.values())
    average = sum((gross_profit(net, cogs) for _, net, cogs in sold.values()), Fraction(0)) / total_qty
    classes = {}
    for key, (qty, net, cogs) in sold.items():
        popular = qty * n >= POPULARITY_SHARE * total_qty
        high = gross_profit(net, cogs) / qty >= average
        classes[key] = MENU_CLASSES[(0 if high else 1) if popular else (2 if high else 3)]
    return classes


# --- array ("ratio") forms of the profit model, for the analytics engine ---------------------------
# Exact (numerator, denominator) pairs of ints or integer numpy arrays, as the other `_ratio`
# forms; a denominator of 0 stands for None ("no cost"). tests/test_costing_sales.py asserts each
# equals its scalar form on random inputs.


def actual_cost_per_kg_ratio(total_cost: tuple[Any, Any], roasted_g: Any) -> tuple[Any, Any]:
    """`actual_cost_per_kg` of a summed cost (num, den) over roasted grams: Σ cost × 1000 / Σ g
    (denominator 0 where nothing was roasted)."""
    num, den = total_cost
    return num * 1000, den * roasted_g


def sold_unit_cost_ratio(
    actual_per_kg: tuple[Any, Any], standard_per_kg: tuple[Any, Any], grams: Any, extra_won: Any = 0
) -> tuple[Any, Any]:
    """`sold_unit_cost` over arrays: the actual cost per kg where its denominator is not 0, else
    the standard one, × grams / 1000 + extras; denominator 0 where neither is known."""
    (an, ad), (sn, sd) = actual_per_kg, standard_per_kg
    has_actual = ad != 0
    num = an * has_actual + sn * (1 - has_actual)
    den = ad * has_actual + sd * (1 - has_actual)
    unit_num, unit_den = unit_cost_ratio((num, den), grams, extra_won)
    known = den != 0
    return unit_num * known, unit_den * known


def menu_margin_sign(
    qty: Any, net_won: Any, cogs: tuple[Any, Any], total_qty: Any, total_net: Any, total_cogs: tuple[Any, Any]
) -> Any:
    """The sign of (an item's contribution margin − the quantity-weighted average), the "high
    margin" test of `menu_engineering`, in integers: ≥ 0 is high. `cogs` and `total_cogs` share
    one denominator; quantities > 0."""
    (c, d), (total_c, total_d) = cogs, total_cogs
    return (net_won * d - c) * total_qty * total_d - (total_net * total_d - total_c) * qty * d


def menu_popular(qty: Any, items: Any, total_qty: Any) -> Any:
    """The "popular" test of `menu_engineering` in integers: qty ≥ 70 % of an even share."""
    return qty * items * POPULARITY_SHARE.denominator >= POPULARITY_SHARE.numerator * total_qty


def menu_class_index(popular: Any, high: Any) -> Any:
    """Index into MENU_CLASSES: star 0, plowhorse 1, puzzle 2, dog 3."""
    return (1 - popular) * 2 + (1 - high)


def reconcile_won_ratio(cost_per_kg: tuple[Any, Any], unexplained_g: Any) -> tuple[Any, Any]:
    """`reconcile`'s won of the unexplained grams at a cost per kg, as an exact pair."""
    num, den = cost_per_kg
    return num * unexplained_g, den * 1000


def green_for_roasted(roasted_g: int, expected_loss_pct: Fraction) -> int:
    """Whole green grams to load to roast `roasted_g` at the expected loss (rounded up):
    roasted / (1 − loss / 100), as the café's batch calculator (roasted / 0.83)."""
    if not 0 <= expected_loss_pct < 100:
        raise ValueError("expected loss must be between 0 and 100 %")
    exact = Fraction(roasted_g) * 100 / (100 - Fraction(expected_loss_pct))
    return -((-exact.numerator) // exact.denominator)

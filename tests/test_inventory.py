"""Green coffee stock, derived from the ledger, and its moving-average cost (themoon.inventory)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from conftest import BOUGHT_ON, db_checksum, ledger_never_negative

from themoon import catalog, inventory, roasting
from themoon.models import ValidationError

D = date.fromisoformat


@pytest.fixture
def kenya(conn):
    return catalog.add_bean(conn, code="KEN-AA", name_en="Kenya Masai AA", reorder_point_g=3000)


def test_stock_is_derived_from_the_ledger(conn, kenya):
    assert inventory.stock_g(conn, kenya) == 0
    inventory.add_purchase(conn, bean="KEN-AA", grams=10_000, total_won=62_000, purchased_on="2025-10-01")
    roasting.add_batch(conn, product="KEN-AA", green_g=6000, roasted_g=5000, roasted_on="2025-10-02")
    inventory.add_adjustment(conn, bean="KEN-AA", delta_g=-150, reason="spilled", adjusted_on="2025-10-03")
    assert inventory.stock_g(conn, kenya) == 10_000 - 6000 - 150
    assert inventory.stock_g(conn, kenya, D("2025-10-01")) == 10_000
    assert inventory.stock_g(conn, kenya, D("2025-10-02")) == 4000
    assert inventory.stock_g(conn, kenya, D("2025-09-30")) == 0
    rows = inventory.ledger(conn, "KEN-AA")
    assert [(r["kind"], r["delta_g"], r["balance_g"]) for r in rows] == [
        ("purchase", 10_000, 10_000),
        ("roast", -6000, 4000),
        ("adjustment", -150, 3850),
    ]
    assert rows[1]["value_won"] == -37_200  # the roast leaves at its frozen cost
    # no stock column anywhere: the ledger is the only truth
    columns = {r[1] for r in conn.execute("PRAGMA table_info(beans)")}
    assert not any("stock" in c for c in columns)


def test_ledger_order_within_a_day_is_purchase_roast_adjustment(conn, kenya):
    # recorded in the "wrong" order on one day: adjustment and roast first, purchase last
    inventory.add_purchase(conn, bean="KEN-AA", grams=1000, total_won=6200, purchased_on="2025-10-01")
    inventory.add_adjustment(conn, bean="KEN-AA", delta_g=-500, reason="count", adjusted_on="2025-10-05")
    roasting.add_batch(conn, product="KEN-AA", green_g=400, roasted_g=330, roasted_on="2025-10-05")
    inventory.add_purchase(conn, bean="KEN-AA", grams=2000, total_won=14_000, purchased_on="2025-10-05")
    kinds = [r["kind"] for r in inventory.ledger(conn, "KEN-AA") if r["on_date"] == "2025-10-05"]
    assert kinds == ["purchase", "roast", "adjustment"]
    assert ledger_never_negative(conn)


def test_moving_average_across_purchases(conn, kenya):
    inventory.add_purchase(conn, bean="KEN-AA", grams=10_000, total_won=62_000, purchased_on="2025-10-01")
    assert inventory.avg_cost_per_g(conn, kenya) == Fraction(31, 5)
    batch = roasting.add_batch(conn, product="KEN-AA", green_g=6000, roasted_g=5000, roasted_on="2025-10-02")
    assert batch["components"][0]["green_cost_won"] == 37_200
    inventory.add_purchase(conn, bean="KEN-AA", grams=5000, total_won=34_000, purchased_on="2025-10-05")
    # docs/costing.md §3: (4000 × 31/5 + 34000) / 9000 = 98/15
    assert inventory.avg_cost_per_g(conn, kenya) == Fraction(98, 15)
    assert inventory.avg_cost_per_g(conn, kenya, D("2025-10-04")) == Fraction(31, 5)
    assert inventory.avg_cost_per_g(conn, kenya, D("2025-09-30")) is None
    batch = roasting.add_batch(conn, product="KEN-AA", green_g=2500, roasted_g=2080, roasted_on="2025-10-06")
    assert batch["components"][0]["green_cost_won"] == 16_333
    row = next(r for r in inventory.stock(conn) if r["bean"] == "KEN-AA")
    assert row["stock_g"] == 6500
    assert row["avg_cost_per_kg_won"] == 6533
    assert row["value_won"] == 42_467  # 6500 × 98/15 = 42466.67
    assert row["low"] is False


def test_adjustments_do_not_move_the_average(conn, kenya):
    inventory.add_purchase(conn, bean="KEN-AA", grams=10_000, total_won=62_000, purchased_on="2025-10-01")
    inventory.add_adjustment(conn, bean="KEN-AA", delta_g=-2000, reason="damp sack", adjusted_on="2025-10-02")
    inventory.add_purchase(conn, bean="KEN-AA", grams=8000, total_won=56_000, purchased_on="2025-10-03")
    # (8000 × 6.2 + 56000) / 16000
    assert inventory.avg_cost_per_g(conn, kenya) == Fraction(8000 * 31 // 5 + 56_000, 16_000)


def test_stock_of_unknown_cost_does_not_count_as_free(conn, kenya):
    """Opening stock counted in before the first purchase takes the first lot's price."""
    inventory.add_adjustment(conn, bean="KEN-AA", delta_g=5000, reason="opening count", adjusted_on="2025-09-01")
    inventory.add_purchase(conn, bean="KEN-AA", grams=5000, total_won=31_000, purchased_on="2025-10-01")
    assert inventory.avg_cost_per_g(conn, kenya) == Fraction(31, 5)


def test_a_purchase_after_running_out_starts_a_fresh_average(conn, kenya):
    inventory.add_purchase(conn, bean="KEN-AA", grams=1000, total_won=6000, purchased_on="2025-10-01")
    roasting.add_batch(conn, product="KEN-AA", green_g=1000, roasted_g=830, roasted_on="2025-10-02")
    inventory.add_purchase(conn, bean="KEN-AA", grams=1000, total_won=9000, purchased_on="2025-10-03")
    assert inventory.avg_cost_per_g(conn, kenya) == 9


def test_stocktake(conn, kenya):
    inventory.add_purchase(conn, bean="KEN-AA", grams=10_000, total_won=62_000, purchased_on="2025-10-01")
    adjustment = inventory.stocktake(conn, bean="KEN-AA", counted_g="9,880", on="2025-10-04")
    row = conn.execute("SELECT * FROM stock_adjustments WHERE id = ?", (adjustment,)).fetchone()
    assert (row["delta_g"], row["reason"], row["adjusted_on"]) == (-120, "stocktake", "2025-10-04")
    assert inventory.stock_g(conn, kenya) == 9880
    assert inventory.stocktake(conn, bean="KEN-AA", counted_g=9880, on="2025-10-05") is None
    inventory.stocktake(conn, bean="KEN-AA", counted_g=10_000, on="2025-10-06", reason="found a sack")
    assert inventory.stock_g(conn, kenya) == 10_000
    assert inventory.avg_cost_per_g(conn, kenya) == Fraction(31, 5)
    inventory.stocktake(conn, bean="KEN-AA", counted_g=0, on="2025-10-07")
    assert inventory.stock_g(conn, kenya) == 0
    row = next(r for r in inventory.stock(conn) if r["bean"] == "KEN-AA")
    assert row["low"] is True and row["value_won"] == 0


def test_adjustment_may_not_drive_stock_negative(conn, kenya):
    inventory.add_purchase(conn, bean="KEN-AA", grams=1000, total_won=6200, purchased_on="2025-10-01")
    before = db_checksum(conn)
    with pytest.raises(ValidationError) as caught:
        inventory.add_adjustment(conn, bean="KEN-AA", delta_g=-1001, reason="count", adjusted_on="2025-10-02")
    assert "-1 g" in str(caught.value)
    with pytest.raises(ValidationError):  # before the purchase there is nothing to take
        inventory.add_adjustment(conn, bean="KEN-AA", delta_g=-1, reason="count", adjusted_on="2025-09-30")
    with pytest.raises(ValidationError) as caught:
        inventory.add_adjustment(conn, bean="KEN-AA", delta_g=0, reason="count")
    assert caught.value.field == "delta_g"
    with pytest.raises(ValidationError) as caught:
        inventory.add_adjustment(conn, bean="KEN-AA", delta_g=5, reason="  ")
    assert caught.value.field == "reason"
    assert db_checksum(conn) == before


def test_deleting_a_consumed_purchase_is_refused(conn, kenya):
    first = inventory.add_purchase(conn, bean="KEN-AA", grams=10_000, total_won=62_000, purchased_on="2025-10-01")
    spare = inventory.add_purchase(conn, bean="KEN-AA", grams=1000, total_won=7000, purchased_on="2025-10-01")
    roasting.add_batch(conn, product="KEN-AA", green_g=6000, roasted_g=5000, roasted_on="2025-10-02")
    before = db_checksum(conn)
    with pytest.raises(ValidationError) as caught:
        inventory.delete_purchase(conn, first)
    assert "KEN-AA" in str(caught.value)
    assert db_checksum(conn) == before
    inventory.delete_purchase(conn, spare)  # 10 kg still cover the roast
    assert inventory.stock_g(conn, kenya) == 4000
    with pytest.raises(ValidationError) as caught:
        inventory.delete_purchase(conn, spare)
    assert caught.value.field == "purchase_id"


def test_available_g_with_backdated_batches(conn, kenya):
    inventory.add_purchase(conn, bean="KEN-AA", grams=10_000, total_won=62_000, purchased_on="2025-10-01")
    later = roasting.add_batch(conn, product="KEN-AA", green_g=6000, roasted_g=5000, roasted_on="2025-10-10")
    # on 10-10 itself and after it: what is left
    assert inventory.available_g(conn, kenya, D("2025-10-10")) == 4000
    assert inventory.available_g(conn, kenya, D("2025-10-20")) == 4000
    # before 10-10 there are 10 kg on the shelf, but only 4 kg may go without starving 10-10
    assert inventory.available_g(conn, kenya, D("2025-10-05")) == 4000
    # the purchase day counts (purchases come first in a day); the day before has nothing
    assert inventory.available_g(conn, kenya, BOUGHT_ON) == 4000
    assert inventory.available_g(conn, kenya, D("2025-09-30")) == 0
    # an edited batch does not count against itself
    assert inventory.available_g(conn, kenya, D("2025-10-10"), batch_id=later["id"]) == 10_000
    # a later purchase frees up more for the days after it only
    inventory.add_purchase(conn, bean="KEN-AA", grams=3000, total_won=20_000, purchased_on="2025-10-15")
    assert inventory.available_g(conn, kenya, D("2025-10-05")) == 4000
    assert inventory.available_g(conn, kenya, D("2025-10-16")) == 7000
    # a backdated roast up to the limit is fine, and the ledger stays non-negative
    roasting.add_batch(conn, product="KEN-AA", green_g=4000, roasted_g=3300, roasted_on="2025-10-05")
    assert inventory.available_g(conn, kenya, D("2025-10-05")) == 0
    assert ledger_never_negative(conn)


def test_a_roast_larger_than_stock_is_refused_with_the_available_grams(conn, kenya):
    inventory.add_purchase(conn, bean="KEN-AA", grams=10_000, total_won=62_000, purchased_on="2025-10-01")
    roasting.add_batch(conn, product="KEN-AA", green_g=6000, roasted_g=5000, roasted_on="2025-10-10")
    before = db_checksum(conn)
    with pytest.raises(ValidationError) as caught:
        roasting.add_batch(conn, product="KEN-AA", green_g=4001, roasted_g=3300, roasted_on="2025-10-05")
    assert caught.value.field == "green_g"
    assert "4,000 g" in str(caught.value)
    assert "4,001 g" in str(caught.value)
    assert "4,000 g" in caught.value.text("ko")
    assert db_checksum(conn) == before


def test_purchase_fields(conn, kenya):
    purchase = inventory.add_purchase(
        conn,
        bean="Kenya Masai AA",
        grams="60,000",
        total_won="₩372,000",
        purchased_on="2025-10-01",
        supplier="Coffee Libre",
        lot_code="L-2025-10",
        notes="60 kg sack",
    )
    row = inventory.list_purchases(conn, bean="KEN-AA")[0]
    assert row["id"] == purchase
    assert (row["grams"], row["total_won"], row["supplier"], row["bean"]) == (60_000, 372_000, "Coffee Libre", "KEN-AA")
    assert inventory.list_purchases(conn) == [row]


def test_purchase_defaults_to_today(conn, kenya):
    inventory.add_purchase(conn, bean="KEN-AA", grams=1, total_won=0)
    assert inventory.list_purchases(conn)[0]["purchased_on"] == date.today().isoformat()


def test_stock_rows_for_every_bean(conn, kenya):
    catalog.add_bean(conn, code="ETH-YIR", name_en="Yirgacheffe", active=False)
    rows = {r["bean"]: r for r in inventory.stock(conn)}
    assert rows["KEN-AA"]["avg_cost_per_kg_won"] is None and rows["KEN-AA"]["low"] is True
    assert rows["ETH-YIR"]["low"] is False  # inactive beans never call for a reorder
    assert [r["bean"] for r in inventory.stock(conn, active_only=True)] == ["KEN-AA"]


# The rules as the store computed them in SQL before BeanLedger (window queries over the view): a
# reference for the one implementation.
_REFERENCE_AVAILABLE = """
    WITH l AS (SELECT on_date, kind_order, ref_id, delta_g FROM stock_ledger
                WHERE bean_id = :bean AND NOT (kind = 'roast' AND ref_id = :pos)),
         r AS (SELECT on_date, kind_order, ref_id,
                      SUM(delta_g) OVER (ORDER BY on_date, kind_order, ref_id) AS balance FROM l)
    SELECT (SELECT COALESCE(SUM(delta_g), 0) FROM l WHERE (on_date, kind_order, ref_id) < (:day, 1, :pos)),
           (SELECT MIN(balance) FROM r WHERE (on_date, kind_order, ref_id) > (:day, 1, :pos))
"""
_REFERENCE_LOTS = """
    SELECT delta_g, value_won, on_date, before_g FROM (
        SELECT kind, delta_g, value_won, on_date,
               COALESCE(SUM(delta_g) OVER (ORDER BY on_date, kind_order, ref_id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before_g
          FROM stock_ledger WHERE bean_id = ?) WHERE kind = 'purchase'
"""


@pytest.mark.parametrize("seed", [1, 2])
def test_bean_ledger_agrees_with_window_queries(conn, seed):
    import random
    from datetime import timedelta

    from themoon.costing import moving_average

    rng = random.Random(seed)
    bean = catalog.add_bean(conn, code="A", name_en="A")
    start = D("2025-03-01")
    inventory.add_adjustment(conn, bean="A", delta_g=3000, reason="opening count", adjusted_on=start)
    for day in range(40):
        on = start + timedelta(days=day)
        if rng.random() < 0.2:
            grams = rng.randint(2, 9) * 1000
            inventory.add_purchase(conn, bean="A", grams=grams, total_won=grams * rng.randint(4, 8), purchased_on=on)
        for _ in range(rng.randint(0, 2)):
            back = on - timedelta(days=rng.randint(0, 6))
            try:
                roasting.add_batch(conn, product="A", green_g=rng.randint(200, 2500), roasted_g=150, roasted_on=back)
            except ValidationError:
                pass
    assert conn.execute("SELECT COUNT(*) FROM roast_batches").fetchone()[0] > 10
    ledger = inventory.BeanLedger.load(conn, bean)
    batch_ids = [r[0] for r in conn.execute("SELECT id FROM roast_batches")]
    for day in range(-2, 45):
        on = start + timedelta(days=day)
        for pos in (inventory.LAST, *rng.sample(batch_ids, 3)):
            before, later = conn.execute(
                _REFERENCE_AVAILABLE, {"bean": bean, "day": on.isoformat(), "pos": pos}
            ).fetchone()
            expected = before if later is None else min(before, later)
            assert inventory.available_g(conn, bean, on, batch_id=None if pos == inventory.LAST else pos) == expected
            if pos == inventory.LAST:
                assert ledger.available(on) == expected, on
        avg = None
        for qty, won, lot_day, before_g in conn.execute(_REFERENCE_LOTS, (bean,)):
            if lot_day <= on.isoformat():
                avg = moving_average(before_g if avg is not None else 0, avg or Fraction(0), qty, won)
        assert ledger.avg_cost_per_g(on) == avg == inventory.avg_cost_per_g(conn, bean, on), on


# --- the daily roast totals (migrations/0002_roast_daily.sql) --------------------------------------

_DAILY_FROM_COMPONENTS = """
SELECT c.bean_id, b.roasted_on, SUM(c.green_g), SUM(c.green_cost_won), COUNT(*)
  FROM roast_components c JOIN roast_batches b ON b.id = c.batch_id
 GROUP BY c.bean_id, b.roasted_on ORDER BY 1, 2"""


def _daily(conn) -> list[tuple]:
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT bean_id, roasted_on, green_g, green_cost_won, components FROM roast_daily ORDER BY 1, 2"
        )
    ]


def test_daily_totals_and_summed_ledger_follow_every_kind_of_change(conn):
    """Random adds, sessions, edits (day, grams, product) and deletes: the trigger-kept totals
    always equal the components summed, and the summed ledger answers every stock check and
    average exactly as the ledger read roast by roast."""
    import random

    rng = random.Random(11)
    for code in ("A", "B", "C"):
        catalog.add_bean(conn, code=code, name_en=code)
    catalog.add_blend(conn, code="AB", name_en="A and B", components={"A": 3, "B": 1})
    days = [D("2025-10-01").toordinal() + i for i in range(12)]
    for code in ("A", "B", "C"):
        for day in days[::4]:
            inventory.add_purchase(
                conn,
                bean=code,
                grams=rng.randint(3, 9) * 1000,
                total_won=rng.randint(5, 9) * 6000,
                purchased_on=date.fromordinal(day),
            )
    products, ids, done = ("A", "B", "C", "AB"), [], 0
    for _ in range(120):
        op = rng.random()
        try:
            if op < 0.45 or not ids:
                green = rng.randint(200, 1500)
                batch = roasting.add_batch(
                    conn,
                    product=rng.choice(products),
                    green_g=green,
                    roasted_g=green * 83 // 100,
                    roasted_on=date.fromordinal(rng.choice(days)),
                )
                ids.append(batch["id"])
            elif op < 0.55:
                green = rng.randint(200, 900)
                session = [
                    {
                        "product": p,
                        "green_g": green,
                        "roasted_g": green * 4 // 5,
                        "roasted_on": date.fromordinal(rng.choice(days)),
                    }
                    for p in rng.sample(products, 2)
                ]
                ids.extend(b["id"] for b in roasting.add_session(conn, session))
            elif op < 0.85:
                change = rng.choice(
                    [
                        {"roasted_on": date.fromordinal(rng.choice(days))},
                        {"green_g": rng.randint(200, 1500), "roasted_g": 150},
                        {"product": rng.choice(products)},
                    ]
                )
                roasting.update_batch(conn, rng.choice(ids), **change)
            else:
                victim = ids.pop(rng.randrange(len(ids)))
                roasting.delete_batch(conn, victim)
            done += 1
        except ValidationError:
            pass  # refused (not enough stock): nothing written
        assert _daily(conn) == [tuple(r) for r in conn.execute(_DAILY_FROM_COMPONENTS)]
    assert done > 80 and len(ids) > 20

    probes = [date.fromordinal(d) for d in range(days[0] - 1, days[-1] + 2)]
    for bean_id in (r[0] for r in conn.execute("SELECT id FROM beans")):
        summed, detailed = inventory.BeanLedger.load(conn, bean_id), inventory.BeanLedger.load_detailed(conn, bean_id)
        assert len(summed._keys) < len(detailed._keys)
        for day in probes:
            assert summed.available(day) == detailed.available(day)
            assert summed.avg_cost_per_g(day) == detailed.avg_cost_per_g(day)
        assert summed.first_negative() is None and detailed.first_negative() is None
        # an edited batch checked without itself, at its own place in the day
        for batch_id, day in conn.execute(
            "SELECT b.id, b.roasted_on FROM roast_batches b JOIN roast_components c ON c.batch_id = b.id"
            " WHERE c.bean_id = ?",
            (bean_id,),
        ).fetchall():
            rows = [
                r
                for r in conn.execute(inventory._LEDGER_SQL, (bean_id,)).fetchall()
                if not (r[1] == inventory.ROAST and r[2] == batch_id)
            ]
            exact = inventory.BeanLedger(bean_id, [tuple(r) for r in rows])
            without = inventory.BeanLedger.load(conn, bean_id, exclude_batch=batch_id)
            assert without.available(day, batch_id) == exact.available(day, batch_id)
            assert without.avg_cost_per_g(day) == exact.avg_cost_per_g(day)


def test_daily_totals_follow_changes_made_in_sql(conn):
    """The triggers, not the API, keep the totals: a day moved or a batch deleted by hand too."""
    for code in ("A", "B"):
        catalog.add_bean(conn, code=code, name_en=code)
        inventory.add_purchase(conn, bean=code, grams=10_000, total_won=60_000, purchased_on="2025-10-01")
    catalog.add_blend(conn, code="AB", name_en="A and B", components={"A": 1, "B": 1})
    first = roasting.add_batch(conn, product="AB", green_g=1000, roasted_g=830, roasted_on="2025-10-02")["id"]
    second = roasting.add_batch(conn, product="A", green_g=700, roasted_g=600, roasted_on="2025-10-02")["id"]
    expected = lambda: [tuple(r) for r in conn.execute(_DAILY_FROM_COMPONENTS)]  # noqa: E731
    conn.execute("UPDATE roast_batches SET roasted_on = '2025-10-03' WHERE id = ?", (first,))
    assert _daily(conn) == expected() and {r[1] for r in _daily(conn)} == {"2025-10-02", "2025-10-03"}
    a, b = catalog.get_bean(conn, "A")["id"], catalog.get_bean(conn, "B")["id"]
    conn.execute("UPDATE roast_components SET green_g = 400, bean_id = ? WHERE batch_id = ?", (b, second))
    assert _daily(conn) == expected() and (a, "2025-10-02") not in {r[:2] for r in _daily(conn)}
    conn.execute("DELETE FROM roast_batches WHERE id = ?", (first,))
    assert _daily(conn) == expected() == [(b, "2025-10-02", 400, 4200, 1)]  # cost frozen for 700 g

"""Bad input never reaches the store: a ValidationError naming the field, and not one byte of
the database changed. Plus property tests over random (often garbage) input."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from conftest import build_small_cafe, db_checksum, ledger_never_negative
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from themoon import catalog, cost_settings, db, inventory, roasting, users
from themoon.models import ValidationError, parse_date, parse_grams, parse_int, parse_text, parse_won



def tomorrow() -> str:
    """Computed when a test runs, not at import: a suite that crosses midnight stays right."""
    return (date.today() + timedelta(days=1)).isoformat()

LONG = "가" * 10_000
INJECTION = "'; DROP TABLE beans; --"
NON_NUMBERS = ["abc", "12.5", "NaN", "inf", "-inf", "1e9999", "", "  ", "1 000", "0x10", "twelve"]


def purchase(conn, **change):
    values = {"bean": "KEN-AA", "grams": 1000, "total_won": 6200, "purchased_on": "2025-10-02", **change}
    return inventory.add_purchase(conn, **values)


def batch(conn, **change):
    values = {"product": "KEN-AA", "green_g": 1000, "roasted_g": 830, "roasted_on": "2025-10-10", **change}
    return roasting.add_batch(conn, **values)


def adjustment(conn, **change):
    values = {"bean": "KEN-AA", "delta_g": -100, "reason": "count", "adjusted_on": "2025-10-11", **change}
    return inventory.add_adjustment(conn, **values)


def bean(conn, **change):
    return catalog.add_bean(conn, **{"code": "NEW-BEAN", "name_en": "New bean", **change})


def blend(conn, **change):
    return catalog.add_blend(conn, **{"code": "NEW-BLEND", "name_en": "New", "components": {"KEN-AA": 1}, **change})


def menu(conn, **change):
    values = {
        "code": "NEW-CUP",
        "name_en": "Cup",
        "channel": "cup",
        "product": "FULL-MOON",
        "dose_g": 18,
        "price_won": 5000,
    }
    return catalog.add_menu_item(conn, **{**values, **change})


CASES = [
    # negative / zero grams
    (purchase, {"grams": 0}, "grams"),
    (purchase, {"grams": -1000}, "grams"),
    (batch, {"green_g": 0}, "green_g"),
    (batch, {"green_g": -1}, "green_g"),
    (batch, {"roasted_g": 0}, "roasted_g"),
    (batch, {"roasted_g": -5}, "roasted_g"),
    (adjustment, {"delta_g": 0}, "delta_g"),
    (adjustment, {"delta_g": -10_000_001}, "delta_g"),
    (adjustment, {"delta_g": -20_000}, "grams"),  # would drive the stock negative
    (batch, {"green_g": 20_000, "roasted_g": 16_000}, "green_g"),  # more than in stock
    # roasted ≥ green
    (batch, {"roasted_g": 1000}, "roasted_g"),
    (batch, {"roasted_g": 1001}, "roasted_g"),
    # unknown bean / product
    (purchase, {"bean": "NOPE"}, "bean"),
    (purchase, {"bean": 999}, "bean"),
    (purchase, {"bean": None}, "bean"),
    (purchase, {"bean": "FULL-MOON"}, "bean"),  # a blend is not a green bean
    (adjustment, {"bean": "NOPE"}, "bean"),
    (batch, {"product": "NOPE"}, "product"),
    (batch, {"product": ""}, "product"),
    (batch, {"product": INJECTION}, "product"),
    (menu, {"product": "NOPE"}, "product"),
    (blend, {"components": {"NOPE": 1}}, "bean"),
    # future dates
    (purchase, {"purchased_on": tomorrow}, "purchased_on"),
    (batch, {"roasted_on": tomorrow}, "roasted_on"),
    (adjustment, {"adjusted_on": tomorrow}, "adjusted_on"),
    (purchase, {"purchased_on": "2025-02-30"}, "purchased_on"),
    (batch, {"roasted_on": "yesterday"}, "roasted_on"),
    # parts ≤ 0
    (blend, {"components": {"KEN-AA": 0}}, "parts[KEN-AA]"),
    (blend, {"components": {"KEN-AA": -2}}, "parts[KEN-AA]"),
    (blend, {"components": {}}, "components"),
    # prices < 0
    (purchase, {"total_won": -1}, "total_won"),
    (menu, {"price_won": -5000}, "price_won"),
    (menu, {"extra_cost_won": -1}, "extra_cost_won"),
    # very long text
    (bean, {"name_en": LONG}, "name_en"),
    (bean, {"notes": LONG}, "notes"),
    (bean, {"code": "X" * 10_000}, "code"),
    (purchase, {"supplier": LONG}, "supplier"),
    (purchase, {"notes": LONG}, "notes"),
    (batch, {"operator": LONG}, "operator"),
    (batch, {"notes": LONG}, "notes"),
    (adjustment, {"reason": LONG}, "reason"),
    (blend, {"description": LONG}, "description"),
    (menu, {"name_en": LONG}, "name_en"),
    # control characters
    (bean, {"name_en": "Kenya\x00AA"}, "name_en"),
    (bean, {"name_ko": "마사이\x1b[31m"}, "name_ko"),
    (purchase, {"supplier": "Libre\x07"}, "supplier"),
    (batch, {"notes": "crack\x7f"}, "notes"),
    (adjustment, {"reason": "count\x08"}, "reason"),
    # SQL-looking codes are not codes
    (bean, {"code": INJECTION}, "code"),
    (menu, {"code": INJECTION}, "code"),
    # unknown fields
    (batch, {"bean_id": 1}, "bean_id"),
    (bean, {"stock_g": 100}, "stock_g"),
]
CASES += [(purchase, {"grams": bad}, "grams") for bad in NON_NUMBERS]
CASES += [(purchase, {"total_won": bad}, "total_won") for bad in NON_NUMBERS]
CASES += [(batch, {"green_g": bad}, "green_g") for bad in NON_NUMBERS]
CASES += [(batch, {"roasted_g": bad}, "roasted_g") for bad in NON_NUMBERS]
CASES += [(adjustment, {"delta_g": bad}, "delta_g") for bad in NON_NUMBERS]
CASES += [(menu, {"dose_g": bad}, "dose_g") for bad in NON_NUMBERS]
CASES += [(blend, {"components": {"KEN-AA": bad}}, "parts[KEN-AA]") for bad in NON_NUMBERS]
CASES += [(batch, {"minutes": bad}, "minutes") for bad in ("abc", "NaN", "inf", "1e9999", "-3")]


@pytest.mark.parametrize(
    ("action", "change", "field"), CASES, ids=[f"{a.__name__}-{sorted(c)[0]}-{i}" for i, (a, c, _) in enumerate(CASES)]
)
def test_bad_input_names_the_field_and_changes_nothing(small_cafe, action, change, field):
    conn = small_cafe.conn
    before = db_checksum(conn)
    with pytest.raises(ValidationError) as caught:
        action(conn, **{key: value() if callable(value) else value for key, value in change.items()})
    assert caught.value.field == field
    assert caught.value.message and caught.value.message_ko
    assert db_checksum(conn) == before


UPDATE_CASES = [
    (lambda c: catalog.update_bean(c, "KEN-AA", name_en=LONG), "name_en"),
    (lambda c: catalog.update_bean(c, "KEN-AA", code="GUA-ANT"), "code"),
    (lambda c: catalog.update_bean(c, "KEN-AA", reorder_point_g=-1), "reorder_point_g"),
    (lambda c: catalog.update_bean(c, "KEN-AA", expected_loss_pct="abc"), "expected_loss_pct"),
    (lambda c: catalog.update_bean(c, "NOPE", name_en="x"), "bean"),
    (lambda c: catalog.update_blend(c, "FULL-MOON", components={"KEN-AA": 0}), "parts[KEN-AA]"),
    (lambda c: catalog.update_menu_item(c, "DRIP-FM", price_won="-1"), "price_won"),
    (lambda c: catalog.update_menu_item(c, "DRIP-FM", code="BAG-FM-200"), "code"),
    (lambda c: roasting.update_batch(c, 1, roasted_g=5000), "roasted_g"),
    (lambda c: roasting.update_batch(c, 1, roasted_on=tomorrow()), "roasted_on"),
    (lambda c: roasting.update_batch(c, 1, green_g="12.5"), "green_g"),
    (lambda c: roasting.update_batch(c, "abc", notes="x"), "batch_id"),
    (lambda c: roasting.update_batch(c, "1e9999", notes="x"), "batch_id"),
    (lambda c: roasting.delete_batch(c, 999), "batch_id"),
    (lambda c: roasting.delete_batch(c, -1), "batch_id"),
    (lambda c: inventory.delete_purchase(c, "1e9999"), "purchase_id"),
    (lambda c: inventory.delete_purchase(c, 1), "grams"),  # its coffee was roasted
    (lambda c: inventory.stocktake(c, bean="KEN-AA", counted_g=-1), "counted_g"),
    (lambda c: inventory.stocktake(c, bean="KEN-AA", counted_g="NaN"), "counted_g"),
    (lambda c: roasting.resolve_alert(c, 1, "\x00"), "note"),
    (
        lambda c: roasting.add_session(c, [{"product": "KEN-AA", "green_g": 10, "roasted_g": 5}, {"product": "?"}]),
        "row 2 product",
    ),
    (lambda c: cost_settings.save(c, labour_won_per_hour=-1), "labour_won_per_hour"),
    (lambda c: users.add_user(c, username=INJECTION, password="abcd", role="owner"), "username"),
]


@pytest.mark.parametrize(("action", "field"), UPDATE_CASES, ids=[f"{f}-{i}" for i, (_, f) in enumerate(UPDATE_CASES)])
def test_bad_edits_name_the_field_and_change_nothing(small_cafe, action, field):
    conn = small_cafe.conn
    batch(conn, green_g=1000, roasted_g=800)  # batch 1, with an alert
    before = db_checksum(conn)
    with pytest.raises(ValidationError) as caught:
        action(conn)
    assert caught.value.field == field
    assert db_checksum(conn) == before


def test_sql_looking_text_is_stored_literally(small_cafe):
    conn = small_cafe.conn
    bean_id = bean(conn, code="INJ", name_en=INJECTION, name_ko="'); DELETE FROM purchases; --", notes='" OR ""="')
    stored = catalog.get_bean(conn, bean_id)
    assert (stored["name_en"], stored["name_ko"], stored["notes"]) == (
        INJECTION,
        "'); DELETE FROM purchases; --",
        '" OR ""="',
    )
    assert catalog.get_bean(conn, INJECTION)["id"] == bean_id  # findable by its literal name
    purchase(conn, bean=INJECTION, supplier=INJECTION, notes="1; DROP TABLE purchases")
    batch(conn, product="INJ", green_g=500, roasted_g=400, notes=INJECTION, operator="x' OR '1'='1")
    inventory.add_adjustment(conn, bean="INJ", delta_g=-1, reason=INJECTION, adjusted_on="2025-10-11")
    assert catalog.list_beans(conn, search=INJECTION)[0]["id"] == bean_id
    assert catalog.list_beans(conn, search="%") != []  # LIKE wildcards are just a search
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"beans", "purchases", "roast_batches"} <= tables
    assert conn.execute("SELECT COUNT(*) FROM purchases").fetchone()[0] == 5
    assert conn.execute("SELECT supplier FROM purchases WHERE bean_id = ?", (bean_id,)).fetchone()[0] == INJECTION


def test_unicode_text_is_kept(small_cafe):
    conn = small_cafe.conn
    bean_id = bean(conn, name_en="Kenya Masai AA ☕", name_ko="마사이 🌕", notes="line 1\nline 2")
    stored = catalog.get_bean(conn, bean_id)
    assert (stored["name_en"], stored["name_ko"], stored["notes"]) == (
        "Kenya Masai AA ☕",
        "마사이 🌕",
        "line 1\nline 2",
    )


def test_text_at_the_limit_is_accepted(small_cafe):
    conn = small_cafe.conn
    bean_id = bean(conn, name_en="가" * 120, notes="n" * 2000)
    assert len(catalog.get_bean(conn, bean_id)["name_en"]) == 120


# --- property tests ------------------------------------------------------------------------------------

VALID_DAYS = [(date(2025, 9, 28) + timedelta(days=i)).isoformat() for i in range(20)]
garbage_numbers = st.one_of(
    st.integers(-5_000, 15_000),
    st.integers(-(10**20), 10**20),
    st.sampled_from(NON_NUMBERS + ["1,000", "₩6,200", "1e3", "-0", "0.0", "5000.0", "1e-3"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.none(),
    st.booleans(),
)


def mostly(valid, garbage):
    """Three draws in four from `valid`, so that successes are common enough to matter.
    (Not st.one_of(valid, valid, valid, garbage): one_of flattens a nested one_of, and garbage
    has many branches.)"""
    return st.integers(0, 3).flatmap(lambda pick: valid if pick else garbage)


grams = mostly(st.integers(1, 12_000), garbage_numbers)
money = mostly(st.integers(0, 200_000), garbage_numbers)
deltas = mostly(st.integers(-3000, 3000).filter(bool), garbage_numbers)
days = mostly(
    st.sampled_from(VALID_DAYS), st.one_of(st.builds(tomorrow), st.sampled_from(["", "2025-13-01", "abc"]), st.none())
)
bean_refs = mostly(
    st.sampled_from(["KEN-AA", "GUA-ANT", "ETH-MOM", "ETH-SID", "Momora", "마사이", 1, 2]),
    st.sampled_from([999, "NOPE", "", None, INJECTION, "FULL-MOON"]),
)
product_refs = st.one_of(bean_refs, st.sampled_from(["FULL-MOON", "풀문", "blend:FULL-MOON", "bean:FULL-MOON"]))
texts = mostly(st.text(max_size=20), st.sampled_from([INJECTION, "a\x00b", "x" * 3000, "\x1b[0m"]))


@st.composite
def green_and_roasted(draw):
    """Mostly a plausible roast (60–99 % of the green comes out), sometimes garbage."""
    if draw(st.integers(0, 3)):
        green = draw(st.integers(1, 6000))
        return green, max(1, green * draw(st.integers(60, 99)) // 100)
    return draw(grams), draw(grams)


@pytest.fixture(scope="module")
def shared_cafe(tmp_path_factory):
    """One café for all examples of a property test: state piles up, the properties still hold."""
    conn = db.connect(tmp_path_factory.mktemp("prop") / "themoon.db")
    build_small_cafe(conn)
    yield conn
    conn.close()


def _attempt(conn: sqlite3.Connection, action, **values):
    """Run one action: it succeeds (returns its result) or raises ValidationError leaving the
    database exactly as it was. Anything else fails the test."""
    before = db_checksum(conn)
    try:
        result = action(conn, **values)
    except ValidationError as error:
        event(f"{action.__name__}: refused ({error.field.split('[')[0]})")
        assert error.field
        assert db_checksum(conn) == before, f"{action.__name__} failed but wrote: {values!r}"
        assert not conn.in_transaction
        return None
    event(f"{action.__name__}: saved")
    assert db_checksum(conn) != before, f"{action.__name__} succeeded but wrote nothing"
    assert ledger_never_negative(conn)
    return result


PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(bean_ref=bean_refs, qty=grams, total=money, on=days, supplier=texts)
def test_add_purchase_all_or_nothing(shared_cafe, bean_ref, qty, total, on, supplier):
    conn = shared_cafe
    purchase_id = _attempt(
        conn, inventory.add_purchase, bean=bean_ref, grams=qty, total_won=total, purchased_on=on, supplier=supplier
    )
    if purchase_id is not None:
        row = conn.execute("SELECT * FROM purchases WHERE id = ?", (purchase_id,)).fetchone()
        assert row["grams"] == parse_grams("grams", qty)
        assert row["total_won"] == parse_won("total_won", total)
        assert row["supplier"] == parse_text("supplier", supplier)
        assert row["purchased_on"] == parse_date("d", on or date.today()).isoformat()
    assert ledger_never_negative(conn)


@PROPERTY
@given(product=product_refs, weights=green_and_roasted(), on=days, notes=texts)
def test_add_batch_all_or_nothing(shared_cafe, product, weights, on, notes):
    conn = shared_cafe
    green, roasted = weights
    saved = _attempt(
        conn, roasting.add_batch, product=product, green_g=green, roasted_g=roasted, roasted_on=on, notes=notes
    )
    if saved is not None:
        assert saved["green_g"] == parse_grams("green_g", green)
        assert saved["roasted_g"] == parse_grams("roasted_g", roasted) < saved["green_g"]
        assert sum(c["green_g"] for c in saved["components"]) == saved["green_g"]
        assert saved["notes"] == parse_text("notes", notes)
    assert ledger_never_negative(conn)


@PROPERTY
@given(bean_ref=bean_refs, delta=deltas, on=days, reason=texts)
def test_add_adjustment_all_or_nothing(shared_cafe, bean_ref, delta, on, reason):
    conn = shared_cafe
    adjustment_id = _attempt(
        conn, inventory.add_adjustment, bean=bean_ref, delta_g=delta, reason=reason, adjusted_on=on
    )
    if adjustment_id is not None:
        row = conn.execute("SELECT * FROM stock_adjustments WHERE id = ?", (adjustment_id,)).fetchone()
        assert row["delta_g"] == parse_int("delta_g", delta) != 0
        assert row["reason"] == parse_text("reason", reason) != ""
    assert ledger_never_negative(conn)


class CafeMachine(RuleBasedStateMachine):
    """Random sequences of everything that moves stock — buy, roast, edit, delete, count —
    with garbage mixed in: every step is all-or-nothing, and no bean's stock ever dips below zero."""

    def __init__(self):
        super().__init__()
        self.conn = db.connect(":memory:")
        build_small_cafe(self.conn)

    def teardown(self):
        self.conn.close()

    def batch_ids(self):
        return [r[0] for r in self.conn.execute("SELECT id FROM roast_batches")]

    @rule(bean_ref=bean_refs, qty=grams, total=money, on=days)
    def buy(self, bean_ref, qty, total, on):
        _attempt(self.conn, inventory.add_purchase, bean=bean_ref, grams=qty, total_won=total, purchased_on=on)

    @rule(product=product_refs, weights=green_and_roasted(), on=days)
    def roast(self, product, weights, on):
        green, roasted = weights
        _attempt(self.conn, roasting.add_batch, product=product, green_g=green, roasted_g=roasted, roasted_on=on)

    @rule(bean_ref=bean_refs, delta=deltas, on=days)
    def adjust(self, bean_ref, delta, on):
        _attempt(self.conn, inventory.add_adjustment, bean=bean_ref, delta_g=delta, reason="count", adjusted_on=on)

    @rule(bean_ref=bean_refs, counted=mostly(st.integers(0, 20_000), garbage_numbers), on=days)
    def count(self, bean_ref, counted, on):
        before = db_checksum(self.conn)
        try:
            result = inventory.stocktake(self.conn, bean=bean_ref, counted_g=counted, on=on)
        except ValidationError:
            assert db_checksum(self.conn) == before
            return
        assert (result is None) == (db_checksum(self.conn) == before)

    @precondition(lambda self: self.batch_ids())
    @rule(data=st.data(), weights=green_and_roasted(), on=days)
    def edit(self, data, weights, on):
        green, roasted = weights
        batch_id = data.draw(st.sampled_from(self.batch_ids()))
        before = db_checksum(self.conn)
        try:
            roasting.update_batch(self.conn, batch_id, green_g=green, roasted_g=roasted, roasted_on=on)
        except ValidationError:
            assert db_checksum(self.conn) == before

    @precondition(lambda self: self.batch_ids())
    @rule(data=st.data())
    def delete_roast(self, data):
        _attempt(self.conn, roasting.delete_batch, batch_id=data.draw(st.sampled_from(self.batch_ids())))

    @rule(data=st.data())
    def delete_purchase(self, data):
        ids = [r[0] for r in self.conn.execute("SELECT id FROM purchases")]
        if ids:
            _attempt(self.conn, inventory.delete_purchase, purchase_id=data.draw(st.sampled_from(ids)))

    @invariant()
    def stock_never_negative(self):
        assert ledger_never_negative(self.conn)
        for row in inventory.stock(self.conn):
            assert row["stock_g"] >= 0

    @invariant()
    def alerts_match_the_batches(self):
        for b in roasting.list_batches(self.conn, limit=None):
            anomalous = abs(b["variance_pct"]) > 3
            # variance is shown rounded to 0.01; only a batch right at the edge may differ
            if abs(abs(b["variance_pct"]) - 3) > 0.01:
                assert (b["alert"] is not None) == anomalous, b


CafeMachine.TestCase.settings = settings(
    max_examples=30, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_cafe_machine = CafeMachine.TestCase

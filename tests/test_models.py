"""The parsers of themoon.models: clean values in, ValidationError naming the field out."""

from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from themoon.models import (
    MAX_GRAMS,
    MAX_WON,
    Product,
    ValidationError,
    parse_bool,
    parse_choice,
    parse_code,
    parse_date,
    parse_decimal,
    parse_grams,
    parse_int,
    parse_pct_bp,
    parse_text,
    parse_won,
)

TODAY = date(2026, 11, 28)


def test_validation_error_carries_field_and_both_languages():
    error = ValidationError("grams", "must be positive", "양수여야 합니다")
    assert error.field == "grams"
    assert str(error) == "grams: must be positive"
    assert error.text("ko") == "grams: 양수여야 합니다"
    assert error.text() == "grams: must be positive"
    assert error.as_dict() == {"field": "grams", "message": "must be positive", "message_ko": "양수여야 합니다"}
    assert isinstance(error, ValueError)
    assert ValidationError("x", "bad").message_ko == "bad"


@pytest.mark.parametrize(
    ("raw", "value"),
    [(1200, 1200), ("1200", 1200), ("1,200", 1200), (" 1_200 ", 1200), ("₩1,200", 1200), (1200.0, 1200), ("12.0", 12)],
)
def test_parse_int_accepts(raw, value):
    assert parse_int("n", raw) == value
    assert type(parse_int("n", raw)) is int


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        True,
        False,
        "abc",
        "12.5",
        12.5,
        "NaN",
        "nan",
        "inf",
        "-Infinity",
        float("nan"),
        float("inf"),
        "1 2",
        "0x10",
        "sNaN",
    ],
)
def test_parse_int_refuses(raw):
    with pytest.raises(ValidationError) as caught:
        parse_int("qty", raw)
    assert caught.value.field == "qty"


def test_parse_int_bounds():
    assert parse_int("n", 5, minimum=5, maximum=5) == 5
    with pytest.raises(ValidationError, match="at least 6"):
        parse_int("n", 5, minimum=6)
    with pytest.raises(ValidationError, match="at most 4"):
        parse_int("n", 5, maximum=4)


@pytest.mark.parametrize("raw", ["1e9999", "1e999999", "1e999999999", "-1e999999999", "9" * 5000, 2**70, -(2**70)])
def test_parse_int_huge_numbers_are_refused_quickly(raw):
    """Huge exponents must neither hang (int(Decimal('1e999999')) takes a minute) nor escape as
    decimal.Overflow / OverflowError from SQLite."""
    start = time.perf_counter()
    with pytest.raises(ValidationError):
        parse_int("id", raw, minimum=1)
    with pytest.raises(ValidationError):
        parse_int("id", raw)
    with pytest.raises(ValidationError):
        parse_grams("grams", raw)
    assert time.perf_counter() - start < 1


def test_parse_int_largest_sqlite_integer():
    assert parse_int("id", str(2**63 - 1)) == 2**63 - 1
    with pytest.raises(ValidationError):
        parse_int("id", str(2**63))


def test_parse_grams_and_won():
    assert parse_grams("g", "10,000") == 10_000
    assert parse_grams("g", 0, allow_zero=True) == 0
    assert parse_grams("g", MAX_GRAMS) == MAX_GRAMS
    for bad in (0, -1, MAX_GRAMS + 1, "12.5", "abc"):
        with pytest.raises(ValidationError) as caught:
            parse_grams("g", bad)
        assert caught.value.field == "g"
    with pytest.raises(ValidationError):
        parse_grams("g", -1, allow_zero=True)
    assert parse_won("w", 0) == 0
    assert parse_won("w", "₩62,000") == 62_000
    assert parse_won("w", MAX_WON) == MAX_WON
    for bad in (-1, MAX_WON + 1, "1.5"):
        with pytest.raises(ValidationError):
            parse_won("w", bad)


def test_parse_decimal():
    assert parse_decimal("x", "16.7") == Decimal("16.7")
    assert parse_decimal("x", "16.7%") == Decimal("16.7")
    assert parse_decimal("x", 3) == Decimal(3)
    for bad in ("NaN", "inf", "-inf", "abc", None, "", True):
        with pytest.raises(ValidationError):
            parse_decimal("x", bad)
    with pytest.raises(ValidationError):
        parse_decimal("x", "1e999999999", maximum=Decimal(240))
    with pytest.raises(ValidationError):
        parse_decimal("x", "0", minimum=Decimal("0.1"))


@pytest.mark.parametrize(
    ("raw", "bp"), [("16.7", 1670), ("17", 1700), (17, 1700), ("16.75%", 1675), ("0.01", 1), ("99.99", 9999)]
)
def test_parse_pct_bp(raw, bp):
    assert parse_pct_bp("loss", raw) == bp


@pytest.mark.parametrize("raw", ["0", "100", "-1", "16.705", "abc", "NaN", "", None])
def test_parse_pct_bp_refuses(raw):
    with pytest.raises(ValidationError) as caught:
        parse_pct_bp("loss", raw)
    assert caught.value.field == "loss"


def test_parse_date():
    assert parse_date("d", "2025-10-01", today=TODAY) == date(2025, 10, 1)
    assert parse_date("d", " 2025-10-01 ", today=TODAY) == date(2025, 10, 1)
    assert parse_date("d", "2025-10-01T09:30:00", today=TODAY) == date(2025, 10, 1)
    assert parse_date("d", datetime(2025, 10, 1, 9, 30), today=TODAY) == date(2025, 10, 1)
    assert parse_date("d", date(2025, 10, 1), today=TODAY) == date(2025, 10, 1)
    assert parse_date("d", TODAY, today=TODAY) == TODAY


@pytest.mark.parametrize(
    "raw", [None, "", "yesterday", "2025-13-01", "2025-02-30", "31/10/2025", 20251001, "1999-12-31"]
)
def test_parse_date_refuses(raw):
    with pytest.raises(ValidationError) as caught:
        parse_date("roasted_on", raw, today=TODAY)
    assert caught.value.field == "roasted_on"


def test_parse_date_refuses_the_future():
    with pytest.raises(ValidationError, match="future"):
        parse_date("d", date(2026, 11, 29), today=TODAY)
    with pytest.raises(ValidationError, match="future"):
        parse_date("d", "9999-12-31")


def test_parse_text():
    assert parse_text("t", "  Kenya  ") == "Kenya"
    assert parse_text("t", None) == ""
    assert parse_text("t", 12) == "12"
    assert parse_text("t", "예가체프") == "예가체프"
    assert parse_text("t", "line one\nline two\ttab") == "line one\nline two\ttab"
    assert parse_text("t", "x" * 120) == "x" * 120
    with pytest.raises(ValidationError, match="at most 120"):
        parse_text("t", "x" * 121)
    with pytest.raises(ValidationError, match="required"):
        parse_text("t", "   ", required=True)


@pytest.mark.parametrize("bad", ["a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f", "v\x0bt", "form\x0cfeed"])
def test_parse_text_refuses_control_characters(bad):
    with pytest.raises(ValidationError, match="control") as caught:
        parse_text("name_en", bad)
    assert caught.value.field == "name_en"


def test_parse_code():
    assert parse_code("code", "KEN-AA") == "KEN-AA"
    assert parse_code("code", "full_moon.2025") == "full_moon.2025"
    for bad in ("", "-lead", "has space", "풀문", "a;b", "'; DROP TABLE beans; --", "x" * 41, "new\nline"):
        with pytest.raises(ValidationError) as caught:
            parse_code("code", bad)
        assert caught.value.field == "code"


def test_parse_choice_and_bool():
    assert parse_choice("channel", " cup ", ("cup", "bag")) == "cup"
    with pytest.raises(ValidationError, match="one of cup, bag"):
        parse_choice("channel", "Cup", ("cup", "bag"))
    for raw in (True, 1, "yes", "Y", "on", "true", " 1 "):
        assert parse_bool("active", raw) is True
    for raw in (False, 0, "no", "N", "off", "false", "0"):
        assert parse_bool("active", raw) is False
    for raw in ("maybe", 2, None, ""):
        with pytest.raises(ValidationError):
            parse_bool("active", raw)


def test_product():
    product = Product("blend", 3, "FULL-MOON", "Full Moon", "풀문")
    assert product.key == "blend:FULL-MOON"
    assert product.name() == "Full Moon"
    assert product.name("ko") == "풀문"
    assert Product("bean", 1, "X", "X bean", "").name("ko") == "X bean"


@given(
    st.one_of(
        st.text(max_size=30), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.none(), st.booleans()
    )
)
@settings(max_examples=300, deadline=None)
def test_parse_grams_never_raises_anything_but_validation_error(raw):
    try:
        grams = parse_grams("grams", raw)
    except ValidationError as error:
        assert error.field == "grams"
    else:
        assert type(grams) is int and 1 <= grams <= MAX_GRAMS


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_parse_text_returns_clean_text_or_refuses(raw):
    try:
        text = parse_text("notes", raw, max_len=100)
    except ValidationError as error:
        assert error.field == "notes"
    else:
        assert text == raw.strip() and len(text) <= 100

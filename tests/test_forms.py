"""The form machinery every tab uses (themoon/ui/forms.py), without a browser: whole-number fields
as a person types them, every bad field marked at once, errors that go as soon as the value is
fixed (also the store's), the "save anyway?" step, and the guard around a save."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from themoon.models import ValidationError
from themoon.ui.forms import (
    Confirm,
    Field,
    Form,
    guarded,
    optional,
    typed_int,
    whole_grams,
    whole_grams_or_zero,
    whole_won,
)


@pytest.mark.parametrize(("typed", "grams"), [("5000", 5000), ("5,000", 5000), (" 12,345 ", 12345), ("1", 1)])
def test_whole_grams_as_typed(typed, grams):
    assert whole_grams("green_g", typed) == grams


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("abc", "whole number"),
        ("3000.7", "whole number"),
        ("3000.0", "whole number"),  # a fraction field is not a gram field: say so, do not round
        ("10kg", "whole number"),
        ("1e3", "whole number"),
        ("5,00", "whole number"),  # a misplaced separator is not a thousands separator
        ("5.000", "whole number"),
        ("-5", "at least 1"),
        ("0", "at least 1"),
        ("99999999999", "at most"),
        ("9" * 400, "at most"),
        ("", "is required"),
        (None, "is required"),
    ],
)
def test_whole_grams_refuses_text_fractions_negatives_and_absurd_values(typed, words):
    with pytest.raises(ValidationError) as caught:
        whole_grams("green_g", typed)
    assert caught.value.field == "green_g" and words in caught.value.message
    assert caught.value.message_ko != caught.value.message  # Korean too


def test_won_and_zero_grams():
    assert whole_won("total_won", "₩62,000") == 62000 and whole_won("total_won", "0") == 0
    assert whole_grams_or_zero("counted_g", "0") == 0
    for bad in ("abc", "-1", "1.5", "20000000000"):
        with pytest.raises(ValidationError):
            whole_won("total_won", bad)
    assert optional(whole_grams)("minutes", "  ") is None
    assert typed_int("x", " ₩ 1,234 ") == "1,234"


def make_form(**kwargs):
    a = Field("a", widgets.Text(), "f.green_g", check=whole_grams)
    b = Field("b", widgets.Text(), "f.roasted_g", check=whole_grams)
    c = Field("c", widgets.Text(), "f.notes")

    def b_below_a():
        try:
            av, bv = whole_grams("a", a.value), whole_grams("b", b.value)
        except ValidationError:
            return []
        if bv >= av:
            return [ValidationError("b", f"must be less than {av:,}", f"{av:,}보다 적어야 합니다")]
        return []

    return Form([a, b, c], checks=[b_below_a], **kwargs), a, b, c


def test_every_bad_field_is_marked_at_once():
    form, a, b, _ = make_form()
    a.value, b.value = "abc", "3000.7"
    assert not form.validate("en")
    assert form.errors.keys() == {"a", "b"}
    assert "whole number" in a.error.value and "whole number" in b.error.value
    assert "correct the marked fields" in form.status.value
    a.value, b.value = "5000", "4000"
    assert form.errors == {} and form.status.value == ""  # the positive control: all fixed, all gone


def test_an_error_disappears_as_soon_as_its_value_is_fixed():
    form, a, b, _ = make_form()
    a.value, b.value = "5000g", "4000"
    assert not form.validate("en") and form.errors.keys() == {"a"}
    a.value = "5,000"  # no save: the change alone re-checks
    assert form.errors == {} and form.status.value == ""
    a.value = "5,000 g"  # and a change that breaks it again marks it again
    assert form.errors.keys() == {"a"}


def test_a_cross_field_error_goes_when_the_other_field_is_fixed_in_korean():
    form, a, b, _ = make_form()
    a.value, b.value = "4500", "4600"
    assert not form.validate("ko")
    assert "4,500보다 적어야 합니다" in b.error.value and "표시된 항목" in form.status.value
    a.value = "5000"  # the fix is in the other field
    assert form.errors == {} and not form.status.value
    a.value = "4000"  # the rule still holds: marked again, with the new number
    assert "4,000보다 적어야 합니다" in b.error.value


def test_before_a_refused_save_typing_marks_nothing():
    form, a, _, _ = make_form()
    a.value = "ab"  # half-typed: not judged yet
    assert form.errors == {}


def test_the_stores_error_goes_with_the_next_change():
    form, a, b, c = make_form()
    a.value, b.value = "5000", "4000"
    form.show_error(ValidationError("a", "only 3,000 g in stock", "재고는 3,000 g 뿐입니다"), "en")
    assert form.errors.keys() == {"a"}
    c.value = "another day"  # the store's verdict was about the old values
    assert form.errors == {}
    form.show_error(ValidationError("nowhere", "is odd", "이상합니다"), "en")
    assert "nowhere: is odd" in form.status.value
    a.value = "4500"
    assert form.status.value == ""


def test_fields_added_later_are_watched_and_removed_ones_are_not():
    form, a, _, _ = make_form()
    d = form.add(Field("d", widgets.Text(), "f.component", check=whole_grams))
    d.value = "x"
    assert not form.validate("en") and "d" in form.errors
    d.value = "12"
    assert "d" not in form.errors
    form.remove("d")
    d.value = "y"
    assert "d" not in form.errors


def test_the_guard_stops_at_a_form_with_bad_fields():
    form, a, b, _ = make_form()
    a.value, b.value = "abc", "1"
    ran = []

    def save():
        form.require_valid("en")
        ran.append(1)
        return 7

    assert guarded(lang=lambda: "en", user=lambda: "owner", form=form, where="t", fn=save) == (False, None)
    assert ran == [] and form.errors.keys() == {"a"}
    a.value = "5"
    assert guarded(lang=lambda: "en", user=lambda: "owner", form=form, where="t", fn=save) == (True, 7)
    assert ran == [1]


def test_a_confirm_question_is_withdrawn_by_any_change():
    form, a, _, _ = make_form()
    confirm = Confirm(form)
    assert not confirm.asking
    confirm.ask("Loss 91.7% — save anyway?", "ko")
    assert confirm.asking and confirm.yes.description == "그래도 저장" and "91.7%" in confirm.text.value
    a.value = "4170"
    assert not confirm.asking


def test_values_the_program_sets_do_not_count_as_a_fix():
    from themoon.ui.forms import quiet_forms

    form, a, b, _ = make_form()
    confirm = Confirm(form)
    a.value, b.value = "abc", "1"
    form.show_error(ValidationError("a", "is not in stock", "재고가 없습니다"), "en")
    confirm.ask("save anyway?", "en")
    with quiet_forms():
        a.value = ""  # e.g. a refused upload emptied by the tab: its error must stay
    assert form.errors.keys() == {"a"} and confirm.asking
    a.value = "12"  # a person's change
    assert form.errors == {} and not confirm.asking

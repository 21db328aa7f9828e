"""Effective-dated cost settings (themoon.cost_settings)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from conftest import db_checksum

from themoon import audit, cost_settings
from themoon.costing import CostSettings
from themoon.models import ValidationError

D = date.fromisoformat
DEFAULTS = CostSettings(effective_from=date(2000, 1, 1))


def test_no_versions_means_the_defaults(conn):
    assert cost_settings.history(conn) == []
    assert cost_settings.settings_on(conn) == DEFAULTS
    assert cost_settings.settings_on(conn, D("2025-10-10")) == DEFAULTS
    # the defaults are the café's own numbers (SPEC §2)
    assert DEFAULTS.expected_loss_bp == 1670
    assert DEFAULTS.roasting_won_per_kg == 2000
    assert (DEFAULTS.labour_won_per_hour, DEFAULTS.labour_minutes_per_session) == (15_000, 120)
    assert (DEFAULTS.energy_won_per_session, DEFAULTS.misc_won_per_session) == (5000, 3000)
    assert DEFAULTS.price_multiplier_pct == 250 and DEFAULTS.use_recent_loss is False


def test_save_and_read_versions(conn):
    v1 = cost_settings.save(conn, effective_from="2025-01-01", expected_loss_pct="17", user="owner")
    assert v1.expected_loss_bp == 1700 and v1.labour_won_per_hour == 15_000  # the rest from the defaults
    v2 = cost_settings.save(conn, effective_from="2025-11-01", labour_won_per_hour="18,000")
    assert v2.expected_loss_bp == 1700  # a partial save copies the version in force on its date
    assert v2.labour_won_per_hour == 18_000
    assert [v.effective_from for v in cost_settings.history(conn)] == [D("2025-01-01"), D("2025-11-01")]
    assert cost_settings.settings_on(conn, D("2025-10-31")) == v1
    assert cost_settings.settings_on(conn, D("2025-11-01")) == v2
    assert cost_settings.settings_on(conn, D("2030-01-01")) == v2
    assert cost_settings.settings_on(conn, D("2024-12-31")) == DEFAULTS  # before the first version
    assert cost_settings.history(conn)[0] == v1  # stored and read back identically
    entries = audit.entries(conn, entity="cost_settings")
    assert [e["action"] for e in entries] == ["create", "create"]
    assert entries[-1]["username"] == "owner"


def test_saving_on_the_same_date_replaces_that_version(conn):
    cost_settings.save(conn, effective_from="2025-01-01", misc_won_per_session=3000)
    cost_settings.save(conn, effective_from="2025-01-01", misc_won_per_session=4000)
    history = cost_settings.history(conn)
    assert len(history) == 1 and history[0].misc_won_per_session == 4000
    entry = audit.entries(conn, entity="cost_settings")[0]
    assert entry["action"] == "update" and json.loads(entry["old_json"])["misc_won_per_session"] == 3000


def test_save_defaults_to_today_and_may_be_scheduled(conn):
    today = cost_settings.save(conn, energy_won_per_session=6000)
    assert today.effective_from == date.today()
    future = date.today() + timedelta(days=30)
    cost_settings.save(conn, effective_from=future, energy_won_per_session=7000)
    assert cost_settings.settings_on(conn).energy_won_per_session == 6000
    assert cost_settings.settings_on(conn, future).energy_won_per_session == 7000


def test_every_setting_round_trips(conn):
    saved = cost_settings.save(
        conn,
        effective_from="2025-06-01",
        expected_loss_bp=1550,
        use_recent_loss="yes",
        roasting_won_per_kg=2500,
        labour_won_per_hour=16_000,
        labour_minutes_per_session=90,
        energy_won_per_session=5500,
        misc_won_per_session=2500,
        planned_session_roasted_g=12_000,
        price_multiplier_pct=300,
    )
    assert cost_settings.settings_on(conn, D("2025-06-01")) == saved
    assert saved.use_recent_loss is True and saved.multiplier == 3
    assert saved.session_fixed_won == 16_000 * 90 / 60 + 5500 + 2500


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("expected_loss_pct", "0"),
        ("expected_loss_pct", "100"),
        ("expected_loss_pct", "abc"),
        ("expected_loss_bp", 0),
        ("expected_loss_bp", 10_000),
        ("use_recent_loss", "maybe"),
        ("roasting_won_per_kg", -1),
        ("labour_won_per_hour", "1.5"),
        ("labour_minutes_per_session", 24 * 60 + 1),
        ("energy_won_per_session", "NaN"),
        ("misc_won_per_session", "inf"),
        ("planned_session_roasted_g", 0),
        ("price_multiplier_pct", 99),
        ("price_multiplier_pct", 10_001),
        ("effective_from", "not a date"),
        ("effective_from", "1999-12-31"),
        ("colour", "red"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_written(conn, field, value):
    cost_settings.save(conn, effective_from="2025-01-01")
    before = db_checksum(conn)
    values = {"effective_from": "2025-06-01", field: value}
    with pytest.raises(ValidationError) as caught:
        cost_settings.save(conn, **values)
    assert caught.value.field == field
    assert db_checksum(conn) == before


def test_none_values_keep_the_base(conn):
    saved = cost_settings.save(conn, effective_from="2025-01-01", labour_won_per_hour=None, misc_won_per_session=100)
    assert saved.labour_won_per_hour == 15_000 and saved.misc_won_per_session == 100


def test_pick_matches_settings_on(conn):
    for day, labour in (("2025-01-01", 15_000), ("2025-05-01", 16_000), ("2025-11-01", 18_000)):
        cost_settings.save(conn, effective_from=day, labour_won_per_hour=labour)
    history = cost_settings.history(conn)
    for day in ("2024-12-31", "2025-01-01", "2025-04-30", "2025-05-01", "2025-10-31", "2025-11-01", "2026-01-01"):
        assert cost_settings.pick(history, D(day)) == cost_settings.settings_on(conn, D(day)), day


def test_the_plausible_loss_band_is_a_setting(conn):
    assert (DEFAULTS.plausible_loss_min_bp, DEFAULTS.plausible_loss_max_bp) == (800, 2500)
    saved = cost_settings.save(
        conn, effective_from=D("2026-01-01"), plausible_loss_min_pct="10", plausible_loss_max_pct="20.5"
    )
    assert (saved.plausible_loss_min_bp, saved.plausible_loss_max_bp) == (1000, 2050)
    assert cost_settings.settings_on(conn, D("2026-02-01")) == saved
    later = cost_settings.save(conn, effective_from=D("2026-03-01"), roasting_won_per_kg=2500)
    assert later.plausible_loss_max_bp == 2050  # a new version keeps the band
    for bad in ({"plausible_loss_min_pct": "21"}, {"plausible_loss_max_pct": "101"}, {"plausible_loss_min_pct": "x"}):
        with pytest.raises(ValidationError) as caught:
            cost_settings.save(conn, effective_from=D("2026-04-01"), **bad)
        assert caught.value.field in bad
    assert len(cost_settings.history(conn)) == 2

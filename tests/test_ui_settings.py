"""The Settings tab without a browser: effective-dated cost settings, menu items, users and
roles, language."""

from __future__ import annotations

from datetime import date

import pytest
from browser_support import DEMO_TODAY, OWNER, STAFF, count, signed_in

from themoon import catalog, cost_settings, db, roasting, users
from themoon.ui.forms import is_hidden
from themoon.ui.settings import multiplier_pct


@pytest.fixture()
def app(demo_path):
    return signed_in(demo_path, OWNER)


@pytest.fixture()
def tab(app):
    return app.tab("settings")


def test_the_form_starts_from_the_settings_in_force(tab):
    s = tab.current
    assert tab.cs_fields["labour_won_per_hour"].value == str(s.labour_won_per_hour)
    assert tab.cs_fields["price_multiplier"].value == "2.5" and tab.cs_fields["expected_loss_pct"].value == "16.7"
    assert "In force today" in tab.cs_current.value and "themoon-row--current" in tab.cs_history.value


def test_a_new_version_applies_from_its_date_and_past_costs_stay(tab, demo_path):
    conn = db.connect(demo_path)
    past = roasting.list_batches(conn, until=date(2026, 11, 10), limit=5)
    tab.cs_from.value = date(2026, 11, 12)
    tab.cs_fields["labour_won_per_hour"].value = "18,000"
    tab.cs_fields["price_multiplier"].value = "2.8"
    tab._save_settings()
    assert "apply from 2026-11-12" in tab.cs_form.status.value
    s = cost_settings.settings_on(conn, date(2026, 11, 12))
    assert s.labour_won_per_hour == 18_000 and s.price_multiplier_pct == 280
    assert roasting.list_batches(conn, until=date(2026, 11, 10), limit=5) == past  # the past never changes
    conn.close()
    assert "Nov 12, 2026" in tab.cs_history.value


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("price_multiplier", "abc", "price_multiplier"),
        ("price_multiplier", "0.5", "price_multiplier"),
        ("expected_loss_pct", "120", "expected_loss_pct"),
        ("labour_minutes_per_session", "two hours", "labour_minutes_per_session"),
        ("energy_won_per_session", "-1", "energy_won_per_session"),
    ],
)
def test_bad_settings_are_refused_next_to_the_field(tab, demo_path, field, value, error):
    before = count(demo_path, "cost_settings")
    tab.cs_fields[field].value = value
    tab._save_settings()
    assert tab.cs_form.errors.keys() == {error}
    assert count(demo_path, "cost_settings") == before
    good = {"price_multiplier": "2.6", "expected_loss_pct": "17", "labour_minutes_per_session": "90"}
    tab.cs_fields[field].value = good.get(field, "4000")
    tab.cs_from.value = date(2026, 11, 13)
    tab._save_settings()  # corrected, it saves: seen from another process (the positive control)
    assert "apply from 2026-11-13" in tab.cs_form.status.value
    assert count(demo_path, "cost_settings") == before + 1


def test_multiplier_as_the_owner_says_it():
    assert multiplier_pct("2.5") == 250
    assert multiplier_pct("×3") == 300
    assert multiplier_pct("2.555") == "255.500"  # not whole: the store refuses it
    assert multiplier_pct("abc") == "abc"


def test_add_and_edit_a_menu_item(tab, demo_path):
    tab._new_item()
    m = tab.m_fields
    m["code"].value, m["name_en"].value, m["name_ko"].value = "CUP-GEISHA", "Geisha hand drip", "게이샤 핸드드립"
    m["channel"].value, m["product"].value = "cup", "bean:ETH-YIRGACHEFFE"
    m["dose_g"].value, m["price_won"].value, m["extra_cost_won"].value = "18", "8,000", "150"
    before = count(demo_path, "menu_items")
    tab._save_item()
    assert "CUP-GEISHA saved" in tab.m_tools_form.status.value
    assert count(demo_path, "menu_items") == before + 1
    item = next(i for i in tab.menu_items if i["code"] == "CUP-GEISHA")
    tab.m_pick.value = item["id"]
    tab._edit_item()
    assert m["price_won"].value == "8000" and m["product"].value == "bean:ETH-YIRGACHEFFE"
    m["price_won"].value = "eight thousand"
    tab._save_item()
    assert tab.m_form.errors.keys() == {"price_won"}
    m["price_won"].value = "8500"
    tab._save_item()
    conn = db.connect(demo_path)
    assert catalog.get_menu_item(conn, "CUP-GEISHA")["price_won"] == 8500
    conn.close()


def test_a_new_item_needs_a_product(tab, demo_path):
    tab._new_item()
    m = tab.m_fields
    m["code"].value, m["name_en"].value, m["dose_g"].value, m["price_won"].value = "X", "X", "18", "5000"
    tab._save_item()
    assert tab.m_form.errors.keys() == {"product"}


def test_menu_changes_reach_the_costs_tab(app):
    app.open_tab("costs")
    costs_tab = app.tabs["costs"]
    app.open_tab("settings")
    tab = app.tabs["settings"]
    item = next(i for i in tab.menu_items if i["channel"] == "cup")
    tab.m_pick.value = item["id"]
    tab._toggle_item()
    assert costs_tab.stale
    app.open_tab("costs")
    assert item["code"] not in {r["item"] for r in costs_tab.menu}


def test_users_and_roles(tab, demo_path):
    u = tab.u_fields
    u["username"].value, u["display_name"].value, u["role"].value = "minji", "김민지", "staff"
    u["password"].value, u["password_repeat"].value = "secret1", "secret2"
    tab._add_user()
    assert tab.u_form.errors.keys() == {"password_repeat"}
    u["password_repeat"].value = "secret1"
    tab._add_user()
    assert "User minji added" in tab.u_form.status.value and "minji" in tab.u_table.value
    u["username"].value, u["password"].value, u["password_repeat"].value = "minji", "secret1", "secret1"
    tab._add_user()
    assert tab.u_form.errors.keys() == {"username"} and "already taken" in u["username"].error.value
    tab.uc_user.value = "minji"
    tab.uc_role.value = "viewer"
    tab._update_user()
    conn = db.connect(demo_path)
    assert next(x for x in users.list_users(conn) if x["username"] == "minji")["role"] == "viewer"
    conn.close()


def test_the_last_owner_stays_an_owner(tab, demo_path):
    tab.uc_user.value = "owner"
    tab.uc_role.value = "staff"
    tab._update_user()
    assert tab.uc_form.errors.keys() == {"role"} and "last owner" in tab.uc_role.error.value
    conn = db.connect(demo_path)
    assert users.has_owner(conn)
    conn.close()


def test_changing_your_own_role_signs_you_out(app, demo_path):
    conn = db.connect(demo_path)
    users.add_user(conn, username="boss2", password="secret", role="owner")
    conn.close()
    tab = app.tab("settings")
    tab.uc_user.value = "owner"
    tab.uc_role.value = "staff"
    tab._update_user()
    assert app.screen == "signin" and app.ctx.user is None
    assert "sign in again" in app.message.value


def test_staff_sees_settings_but_cannot_change_them(demo_path):
    tab = signed_in(demo_path, STAFF).tab("settings")
    assert is_hidden(tab.cs_form_box) and is_hidden(tab.users_card) and is_hidden(tab.m_tools)
    assert "2026" in tab.cs_history.value  # the settings are readable
    before = count(demo_path, "users")
    for name, value in (("username", "x1"), ("password", "secret"), ("password_repeat", "secret")):
        tab.u_fields[name].value = value
    tab._add_user()
    assert "does not allow" in tab.u_form.status.value and count(demo_path, "users") == before
    owner = signed_in(demo_path, OWNER).tab("settings")  # the owner adding the same user: saved
    for name, value in (("username", "x1"), ("password", "secret"), ("password_repeat", "secret")):
        owner.u_fields[name].value = value
    owner._add_user()
    assert count(demo_path, "users") == before + 1
    tab._new_item()
    assert is_hidden(tab.m_form_box)


def test_language_from_settings(app):
    tab = app.tab("settings")
    tab.language.value = "ko"
    assert app.ctx.lang == "ko" and app.lang_toggle.value == "ko"
    assert "사용자와 권한" in tab.u_title.value
    assert DEMO_TODAY.year == 2026


def test_the_owner_sets_the_plausible_loss_band(tab, demo_path):
    from browser_support import outside

    assert tab.cs_fields["plausible_loss_min_pct"].value == "8"
    assert tab.cs_fields["plausible_loss_max_pct"].value == "25"
    tab.cs_from.value = date(2026, 11, 12)
    tab.cs_fields["plausible_loss_min_pct"].value = "30"  # above the top of the band
    tab._save_settings()
    assert tab.cs_form.errors.keys() == {"plausible_loss_min_pct"}
    assert outside(demo_path, "SELECT COUNT(*) FROM cost_settings WHERE effective_from = '2026-11-12'") == [(0,)]
    tab.cs_fields["plausible_loss_min_pct"].value = "10"
    assert tab.cs_form.errors == {}  # the store's error goes with the change
    tab.cs_fields["plausible_loss_max_pct"].value = "22.5"
    tab._save_settings()
    assert outside(
        demo_path,
        "SELECT plausible_loss_min_bp, plausible_loss_max_bp FROM cost_settings WHERE effective_from = '2026-11-12'",
    ) == [(1000, 2250)]

"""The Settings tab without a browser: effective-dated cost settings, menu items, users and
roles, the idle sign-out, language.

The tests drive the tab's model (themoon/ui/tabs/settings/model.py) and read the store from
another process; a few click the view's buttons to see that they reach the model."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from browser_support import DEMO_TODAY, OWNER, STAFF, count, outside, signed_in

from themoon.ui.forms import is_hidden
from themoon.ui.tabs.settings.model import SettingsModel, multiplier_pct, settings_form_values


@pytest.fixture()
def app(demo_path):
    return signed_in(demo_path, OWNER)


@pytest.fixture()
def tab(app):
    return app.tab("settings")


@pytest.fixture()
def model(tab) -> SettingsModel:
    return tab.model


def typed(model: SettingsModel, **changes: str) -> dict[str, str]:
    """The cost-settings form as it starts (the settings in force), with `changes` typed."""
    return {**settings_form_values(model.current), **changes}


def save_settings(model: SettingsModel, on: date, **changes: str):
    return model.save_settings(typed(model, **changes), use_recent_loss=False, effective_from=on)


ITEM = {
    "code": "CUP-GEISHA",
    "name_en": "Geisha hand drip",
    "name_ko": "게이샤 핸드드립",
    "channel": "cup",
    "product": "bean:ETH-YIRGACHEFFE",
    "dose_g": "18",
    "price_won": "8,000",
    "extra_cost_won": "150",
}
NEW_USER = {
    "username": "minji",
    "display_name": "김민지",
    "role": "staff",
    "password": "secret1",
    "password_repeat": "secret2",
}


def test_the_form_starts_from_the_settings_in_force(tab, model):
    s = model.current
    shown = settings_form_values(s)
    assert shown["labour_won_per_hour"] == str(s.labour_won_per_hour)
    assert shown["price_multiplier"] == "2.5" and shown["expected_loss_pct"] == "16.7"
    assert tab.cs_fields["price_multiplier"].value == "2.5"  # the view shows them
    assert "In force today" in tab.cs_current.value and "themoon-row--current" in tab.cs_history.value


def test_a_new_version_applies_from_its_date_and_past_costs_stay(model, demo_path):
    sql = (
        "SELECT b.*, c.green_cost_won FROM roast_batches b JOIN roast_components c ON c.batch_id = b.id"
        " WHERE b.roasted_on <= '2026-11-10' ORDER BY b.id DESC LIMIT 5"
    )
    past = outside(demo_path, sql)
    before = count(demo_path, "cost_settings")
    result = save_settings(model, date(2026, 11, 12), labour_won_per_hour="18,000", price_multiplier="2.8")
    assert result.ok and result.value.effective_from == date(2026, 11, 12)
    assert count(demo_path, "cost_settings") == before + 1
    assert outside(
        demo_path,
        "SELECT labour_won_per_hour, price_multiplier_pct FROM cost_settings WHERE effective_from = '2026-11-12'",
    ) == [(18_000, 280)]
    assert outside(demo_path, sql) == past  # the past never changes


def test_saving_through_the_view(tab, demo_path):
    tab.cs_from.value = date(2026, 11, 12)
    tab.cs_fields["labour_won_per_hour"].value = "18,000"
    tab.cs_save.click()
    assert "apply from 2026-11-12" in tab.cs_form.status.value and "Nov 12, 2026" in tab.cs_history.value
    assert outside(demo_path, "SELECT COUNT(*) FROM cost_settings WHERE effective_from = '2026-11-12'") == [(1,)]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("price_multiplier", "abc", "price_multiplier_pct"),
        ("price_multiplier", "0.5", "price_multiplier_pct"),
        ("expected_loss_pct", "120", "expected_loss_pct"),
        ("labour_minutes_per_session", "two hours", "labour_minutes_per_session"),
        ("energy_won_per_session", "-1", "energy_won_per_session"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(model, demo_path, field, value, error):
    before = count(demo_path, "cost_settings")
    result = save_settings(model, DEMO_TODAY, **{field: value})
    assert not result.ok and result.error.field.startswith(error.removesuffix("_pct"))
    assert count(demo_path, "cost_settings") == before
    good = {"price_multiplier": "2.6", "expected_loss_pct": "17", "labour_minutes_per_session": "90"}
    result = save_settings(model, date(2026, 11, 13), **{field: good.get(field, "4000")})
    assert result.ok  # corrected, it saves: seen from another process (the positive control)
    assert count(demo_path, "cost_settings") == before + 1


def test_a_bad_setting_is_shown_next_to_its_field(tab):
    tab.cs_fields["price_multiplier"].value = "abc"
    tab.cs_save.click()
    assert tab.cs_form.errors.keys() == {"price_multiplier"}


def test_multiplier_as_the_owner_says_it():
    assert multiplier_pct("2.5") == 250
    assert multiplier_pct("×3") == 300
    assert multiplier_pct("2.555") == "255.500"  # not whole: the store refuses it
    assert multiplier_pct("abc") == "abc"


def test_add_and_edit_a_menu_item(model, demo_path):
    assert model.new_item() and model.editing_item is None
    before = count(demo_path, "menu_items")
    assert model.save_item(dict(ITEM)).ok
    assert count(demo_path, "menu_items") == before + 1
    model.load()
    item = next(i for i in model.menu_items if i["code"] == "CUP-GEISHA")
    values = model.edit_item(item["id"])
    assert values["price_won"] == "8000" and values["product"] == "bean:ETH-YIRGACHEFFE"
    result = model.save_item(dict(values, price_won="eight thousand"))
    assert not result.ok and result.error.field == "price_won"
    assert model.save_item(dict(values, price_won="8500")).ok
    assert outside(demo_path, "SELECT price_won FROM menu_items WHERE code = 'CUP-GEISHA'") == [(8500,)]
    assert count(demo_path, "menu_items") == before + 1


def test_the_menu_editor_in_the_view(tab, demo_path):
    tab.m_new.click()
    assert not is_hidden(tab.m_form_box)
    for name, value in ITEM.items():
        tab.m_fields[name].value = value
    tab.m_save.click()
    assert "CUP-GEISHA saved" in tab.m_tools_form.status.value and is_hidden(tab.m_form_box)
    assert outside(demo_path, "SELECT COUNT(*) FROM menu_items WHERE code = 'CUP-GEISHA'") == [(1,)]


def test_a_new_item_needs_a_product(model, demo_path):
    model.new_item()
    before = count(demo_path, "menu_items")
    result = model.save_item(dict(ITEM, product=""))
    assert not result.ok and result.error.field == "product" and count(demo_path, "menu_items") == before
    assert model.save_item(dict(ITEM)).ok and count(demo_path, "menu_items") == before + 1


def test_menu_changes_reach_the_costs_tab(app, demo_path):
    app.open_tab("costs")
    costs_tab = app.tabs["costs"]
    app.open_tab("settings")
    tab = app.tabs["settings"]
    item = next(i for i in tab.model.menu_items if i["channel"] == "cup" and i["active"])
    tab.m_pick.value = item["id"]
    tab.m_toggle.click()
    assert outside(demo_path, "SELECT active FROM menu_items WHERE id = ?", item["id"]) == [(0,)]
    assert costs_tab.stale
    app.open_tab("costs")
    assert item["code"] not in {r["item"] for r in costs_tab.model.menu}


def test_users_and_roles(model, demo_path):
    before = count(demo_path, "users")
    result = model.add_user(dict(NEW_USER))
    assert not result.ok and result.error.field == "password_repeat" and count(demo_path, "users") == before
    assert model.add_user(dict(NEW_USER, password_repeat="secret1")).ok
    assert count(demo_path, "users") == before + 1
    result = model.add_user(dict(NEW_USER, password_repeat="secret1"))
    assert not result.ok and result.error.field == "username" and "already taken" in result.error.message
    result = model.update_user("minji", role="viewer", password="", active=True)
    assert result.ok and result.value is False
    assert outside(demo_path, "SELECT role FROM users WHERE username = 'minji'") == [("viewer",)]


def test_adding_a_user_in_the_view(tab, demo_path):
    for name, value in dict(NEW_USER, password_repeat="secret1").items():
        tab.u_fields[name].value = value
    tab.u_add.click()
    assert "User minji added" in tab.u_form.status.value and "minji" in tab.u_table.value
    assert outside(demo_path, "SELECT COUNT(*) FROM users WHERE username = 'minji'") == [(1,)]


def test_the_last_owner_stays_an_owner(model, demo_path):
    result = model.update_user("owner", role="staff", password="", active=True)
    assert not result.ok and result.error.field == "role" and "last owner" in result.error.message
    assert outside(demo_path, "SELECT role FROM users WHERE username = 'owner'") == [("owner",)]


def test_changing_your_own_role_signs_you_out(app, demo_path):
    from themoon import db, users

    conn = db.connect(demo_path)
    users.add_user(conn, username="boss2", password="secret", role="owner")
    conn.close()
    tab = app.tab("settings")
    tab.uc_user.value = "owner"
    tab.uc_role.value = "staff"
    tab.uc_save.click()
    assert outside(demo_path, "SELECT role FROM users WHERE username = 'owner'") == [("staff",)]
    assert app.screen == "signin" and app.ctx.user is None
    assert "sign in again" in app.message.value


def test_staff_sees_settings_but_cannot_change_them(demo_path):
    tab = signed_in(demo_path, STAFF).tab("settings")
    assert is_hidden(tab.cs_form_box) and is_hidden(tab.users_card) and is_hidden(tab.m_tools)
    assert "2026" in tab.cs_history.value  # the settings are readable
    model = tab.model
    before = count(demo_path, "users")
    x1 = {"username": "x1", "display_name": "", "role": "staff", "password": "secret", "password_repeat": "secret"}
    result = model.add_user(dict(x1))
    assert not result.ok and "does not allow" in result.said.text("en") and count(demo_path, "users") == before
    owner = signed_in(demo_path, OWNER).tab("settings").model  # the owner adding the same user: saved
    assert owner.add_user(dict(x1)).ok
    assert count(demo_path, "users") == before + 1
    assert not model.new_item()
    tab.m_new.click()
    assert is_hidden(tab.m_form_box)


def test_language_from_settings(app):
    tab = app.tab("settings")
    tab.language.value = "ko"
    assert app.ctx.lang == "ko" and app.lang_toggle.value == "ko"
    assert "사용자와 권한" in tab.u_title.value
    assert DEMO_TODAY.year == 2026


def test_the_idle_sign_out(model, demo_path):
    """Seen from another process: the CLI reads the setting through a fresh connection."""
    read = "from themoon import db, sessions; c = db.connect(%r, migrate=False); print(sessions.idle_minutes(c))"
    before = subprocess.check_output([sys.executable, "-c", read % str(demo_path)], text=True).strip()
    result = model.save_idle("abc")
    assert not result.ok and result.error is not None
    assert subprocess.check_output([sys.executable, "-c", read % str(demo_path)], text=True).strip() == before
    assert model.save_idle("45").ok and model.idle_minutes == 45  # positive control
    assert subprocess.check_output([sys.executable, "-c", read % str(demo_path)], text=True).strip() == "45"


def test_the_owner_names_a_word_in_korean(model, demo_path):
    kind, word = next((k, w) for k, w in model.term_words if k == "roast_level")
    assert model.save_term(kind, word, "아주 약하게").ok
    assert model.own_name(kind, word) == "아주 약하게"


def test_the_owner_sets_the_plausible_loss_band(tab, model, demo_path):
    assert settings_form_values(model.current)["plausible_loss_min_pct"] == "8"
    assert settings_form_values(model.current)["plausible_loss_max_pct"] == "25"
    result = save_settings(model, date(2026, 11, 12), plausible_loss_min_pct="30")  # above the top of the band
    assert not result.ok and result.error.field == "plausible_loss_min_pct"
    assert outside(demo_path, "SELECT COUNT(*) FROM cost_settings WHERE effective_from = '2026-11-12'") == [(0,)]
    result = save_settings(model, date(2026, 11, 12), plausible_loss_min_pct="10", plausible_loss_max_pct="22.5")
    assert result.ok
    assert outside(
        demo_path,
        "SELECT plausible_loss_min_bp, plausible_loss_max_bp FROM cost_settings WHERE effective_from = '2026-11-12'",
    ) == [(1000, 2250)]


def test_a_store_error_clears_with_the_change(tab):
    tab.cs_from.value = date(2026, 11, 12)
    tab.cs_fields["plausible_loss_min_pct"].value = "30"
    tab.cs_save.click()
    assert tab.cs_form.errors.keys() == {"plausible_loss_min_pct"}
    tab.cs_fields["plausible_loss_min_pct"].value = "10"
    assert tab.cs_form.errors == {}  # the store's error goes with the change

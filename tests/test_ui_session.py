"""Sessions in a dashboard kernel, without a browser (themoon.ui.session, App.end_session,
Context.run): signing out closes every widget of the signed-in views; the idle timeout; a person
demoted or deactivated by another process is refused at the next action (nothing written, seen
from a subprocess, with a positive control); hostile widget values through the comm machinery
give a field message, never a traceback on the page."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import ipywidgets as widgets
import pytest
from browser_support import DEMO_TODAY, OWNER, STAFF, signed_in
from ipywidgets.widgets.widget import _instances

from themoon.ui import lean_widgets, session
from themoon.ui.app import TABS, App
from themoon.ui.forms import is_hidden

DAY = date(2026, 11, 14)


def themoon(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "themoon.cli", *args], check=True, capture_output=True, timeout=60)


def rows_seen_by_another_process(path: Path, table: str) -> int:
    code = (
        "import sqlite3, sys; "
        "print(sqlite3.connect(sys.argv[1]).execute(f'SELECT COUNT(*) FROM {sys.argv[2]}').fetchone()[0])"
    )
    return int(subprocess.check_output([sys.executable, "-c", code, str(path), table], text=True))


def open_widgets(app: App) -> set[str]:
    return {mid for mid, w in _instances.items() if w.comm is not None and w in session.tree([app.widget, *extra(app)])}


def extra(app: App) -> list:
    return [tab.widget for tab in app.tabs.values()]


def every_tab(app: App) -> None:
    for key in TABS:
        app.open_tab(key)
    assert set(app.tabs) == set(TABS)


# --- signing out -----------------------------------------------------------------------------------------


def test_sign_out_in_a_voila_kernel_closes_every_widget_and_ends_the_kernel(demo_path):
    app = signed_in(demo_path, OWNER)
    app.kernel_session = True  # as in a Voilà kernel; the exit itself is recorded, not done
    exits = []
    app.exit_kernel = lambda: exits.append(True)
    every_tab(app)
    reports = app.tabs["reports"]
    reports.e_link.value = '<a class="themoon-reports-download" href="data:x">export</a>'  # as after an export
    before = {id(w) for w in session.tree([app.widget, *extra(app)])}
    assert len(before) > 500
    held = [w for w in session.tree([app.widget, *extra(app)])]

    app.sign_out.click()

    assert exits == [True] and app.ended == "signed_out" and app.ctx.user is None
    still_open = [w for w in held if w.comm is not None]
    (notice,) = app.widget.children
    # the app's box, which now holds only the notice, and the shared Layout / Style they use
    kept = {id(w) for w in session.tree([app.widget])}
    assert {id(w) for w in still_open} == kept & {id(w) for w in held}
    assert app.widget in still_open and all(w is app.widget or lean_widgets.is_shared(w) for w in still_open)
    assert session.MARKER in notice.value and 'data-reason="signed_out"' in notice.value
    assert app.tabs == {} and app.ctx._conn is None
    assert reports.e_link.comm is None  # the export link's state left the kernel
    assert not app.check_session()  # and the page's next message is refused


def test_sign_out_elsewhere_goes_back_to_sign_in_in_place(demo_path):
    app = signed_in(demo_path, STAFF)
    app.open_tab("roasting")
    roasting = app.tabs["roasting"].widget
    app.do_sign_out()
    assert app.screen == "signin" and app.ctx.user is None and app.tabs == {}
    parts = session.tree([roasting])
    assert roasting.comm is None and all(w.comm is None for w in parts if not lean_widgets.is_shared(w))
    # the Layout / Style models every widget shares stay open: the sign-in screen uses them too
    assert all(w.comm is not None for w in parts if lean_widgets.is_shared(w))
    assert app.signin.layout is roasting.layout and app.signin.layout.comm is not None
    assert "You signed out" in app.message.value and app.ended is None
    app.si_user.value, app.si_password.value = STAFF
    assert app.do_sign_in() and app.screen == "app"
    assert is_hidden(app.message)  # the line about the last session goes with it


def test_a_fresh_page_after_sign_out_opens_at_sign_in_even_for_the_local_demo(demo_path):
    app = App(demo_path, today=DEMO_TODAY, autologin=True)
    assert app.screen == "app" and app.ctx.user["username"] == "owner"
    app.after_request(session.requested_reason("signed_out=idle"))
    assert app.screen == "signin" and app.ctx.user is None
    assert "30 min without activity" in app.message.value
    plain = App(demo_path, today=DEMO_TODAY, autologin=True)
    plain.after_request(session.requested_reason(""))
    assert plain.screen == "app"


@pytest.mark.parametrize(
    ("query", "reason"),
    [("", None), ("signed_out=idle", "idle"), ("a=1&signed_out=account", "account"), ("signed_out=<x>", "signed_out")],
)
def test_requested_reason_is_allow_listed(query, reason):
    assert session.requested_reason(query) == reason


def test_idle_timeout_is_the_owners_setting(demo_path):
    app = signed_in(demo_path, OWNER)
    themoon("settings", "session", "--db", str(demo_path), "--idle-minutes", "5")
    assert not app.check_idle(299) and app.ctx.user is not None
    assert app.check_idle(301)
    assert app.ctx.user is None and app.screen == "signin" and "5 min without activity" in app.message.value
    themoon("settings", "session", "--db", str(demo_path), "--idle-minutes", "0")  # never
    app = signed_in(demo_path, OWNER)
    assert not app.check_idle(10**7) and app.ctx.user is not None


def test_the_owner_sets_the_idle_timeout_in_settings(demo_path):
    app = signed_in(demo_path, OWNER)
    tab = app.tab("settings")
    assert tab.i_minutes.value == "30" and not is_hidden(tab.idle_card)
    tab.i_minutes.value = "1e999999"
    tab._save_idle()
    assert "idle_minutes" in tab.i_form.errors
    tab.i_minutes.value = "15"
    tab._save_idle()
    assert "15 idle minutes" in tab.i_form.status.value
    assert subprocess.check_output(
        [sys.executable, "-m", "themoon.cli", "settings", "session", "--db", str(demo_path), "--json"], text=True
    ).count("15")
    assert is_hidden(signed_in(demo_path, STAFF).tab("settings").idle_card)


# --- the acting user is read again at every action ----------------------------------------------------------


def fill_purchase(tab) -> None:
    tab.p_bean.value, tab.p_day.value = "ETH-YIRGACHEFFE", DAY
    tab.p_grams.value, tab.p_total.value = "1000", "6000"


@pytest.mark.parametrize("change", [("--role", "viewer"), ("--inactive",)], ids=["demoted", "deactivated"])
def test_a_changed_account_is_refused_at_the_next_save(demo_path, change):
    app = signed_in(demo_path, STAFF)
    tab = app.tab("inventory")
    before = rows_seen_by_another_process(demo_path, "purchases")
    fill_purchase(tab)
    tab._save_purchase()  # positive control: staff may record a purchase
    assert "Purchase #" in tab.purchase_form.status.value
    assert rows_seen_by_another_process(demo_path, "purchases") == before + 1

    themoon("user", "set", "--db", str(demo_path), "--username", "staff", *change)
    fill_purchase(tab)
    tab._save_purchase()
    assert "account was changed or deactivated" in tab.purchase_form.status.value
    assert rows_seen_by_another_process(demo_path, "purchases") == before + 1
    assert app.ctx.user is None and app.screen == "signin"  # sent back to sign-in, told why
    assert "sign in again" in app.message.value


def test_a_changed_account_is_refused_at_any_message_from_the_page(demo_path):
    app = signed_in(demo_path, STAFF)
    assert app.check_session()
    themoon("user", "set", "--db", str(demo_path), "--username", "staff", "--role", "viewer")
    assert not app.check_session()
    assert app.ctx.user is None and app.screen == "signin"


def test_the_check_and_the_write_share_one_transaction(demo_path, monkeypatch):
    """The user is read inside the write's transaction: a demotion cannot land between them."""
    app = signed_in(demo_path, STAFF)
    tab = app.tab("inventory")
    seen = []
    original = app.ctx._check_user
    monkeypatch.setattr(
        app.ctx, "_check_user", lambda conn, action: (seen.append(conn.in_transaction), original(conn, action))
    )
    fill_purchase(tab)
    tab._save_purchase()
    assert seen == [True] and "Purchase #" in tab.purchase_form.status.value


# --- hostile widget values through the comm machinery -------------------------------------------------------


class Manager:
    """The kernel's comm manager, as far as session.handle_comm_msg uses it."""

    def __init__(self) -> None:
        self.comms = {mid: w.comm for mid, w in _instances.items() if w.comm is not None}


def update(widget: widgets.Widget, state: dict) -> dict:
    return {"content": {"comm_id": widget.model_id, "data": {"method": "update", "state": state, "buffer_paths": []}}}


BAD_VALUES = {
    "value": [{"year": 99999, "month": 0, "date": 1}, {"year": 1, "month": 0, "date": 1}, "x" * 200_000, 10**30,
              -1e308, None, ["a"], {"a": 1}, "9" * 5000, "1e999999999", "2026-13-45"],
    "index": [10**9, -5, "x", None, [99]],
    "label": ["no such option", 5],
}  # fmt: skip
INPUTS = (
    widgets.Text, widgets.Textarea, widgets.Password, widgets.Dropdown, widgets.DatePicker,
    widgets.ToggleButtons, widgets.Checkbox, widgets.IntSlider, widgets.FileUpload,
)  # fmt: skip


def test_out_of_range_values_in_every_input_of_every_tab_give_no_traceback(demo_path, capfd):
    app = signed_in(demo_path, OWNER)
    every_tab(app)
    inputs = [w for w in session.tree([app.widget, *extra(app)]) if isinstance(w, INPUTS) and w.comm is not None]
    assert len(inputs) > 80
    manager = Manager()
    session.set_gate(app.check_session)
    rejected = 0
    try:
        for w in inputs:
            for trait, values in BAD_VALUES.items():
                if trait not in w.keys:
                    continue
                for value in values:
                    before = getattr(w, trait)
                    session.handle_comm_msg(manager, update(w, {trait: value}))
                    rejected += getattr(w, trait) == before
        session.handle_comm_msg(manager, {"content": {"comm_id": inputs[0].model_id, "data": {}}})  # malformed
        session.handle_comm_msg(manager, {"content": "nonsense"})
    finally:
        session.set_gate(None)
    assert rejected > 100
    out, err = capfd.readouterr()
    for text in (out, err):
        assert "Traceback" not in text and 'File "' not in text
    assert app.ctx.user is not None  # nothing of this signed anybody out


def test_a_rejected_date_is_a_field_message(demo_path):
    app = signed_in(demo_path, OWNER)
    tab = app.tab("inventory")
    manager = Manager()
    session.handle_comm_msg(manager, update(tab.p_day.widget, {"value": {"year": 99999, "month": 0, "date": 1}}))
    assert tab.p_day.value == DEMO_TODAY
    assert "cannot be used here" in tab.p_day.error.value and not is_hidden(tab.p_day.error)

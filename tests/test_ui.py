"""The dashboard shell without a browser: which screen opens, sign-in, first run, roles,
language, unexpected errors; the words and numbers; and how the dashboard is served."""

from __future__ import annotations

import ast
import json
import re
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import ipywidgets as widgets
import pytest
from browser_support import (
    DEMO_TODAY,
    NOTEBOOK,
    OWNER,
    REPO,
    STAFF,
    VIEWER,
    build_small_db,
    count,
    signed_in,
)

from themoon import db, roasting, serve, users
from themoon.messages import CATALOGUE
from themoon.models import ValidationError
from themoon.ui import app as app_module
from themoon.ui import charts, i18n
from themoon.ui import format as fmt
from themoon.ui.app import TABS, App, build, build_app, pinned_today, prepare, served_locally, setup_logging
from themoon.ui.forms import Field, Form, is_hidden
from themoon.ui.i18n import t

UI_DIR = REPO / "themoon" / "ui"
# Read one value from another process (a write is done when another process sees it).
SQL_ONE = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])"


@pytest.fixture()
def kernel_logging(tmp_path, monkeypatch):
    """build_app's logging set up as in a kernel, into tmp_path, and undone afterwards."""
    from themoon.ops import logs

    logs.reset()  # an earlier test's command (e.g. `serve` logging its setup code) set logging up elsewhere
    monkeypatch.setenv("THEMOON_LOG_DIR", str(tmp_path / "logs"))
    setup_logging()
    yield tmp_path / "logs"
    logs.reset()


def visible(widget: widgets.Widget) -> bool:
    return not is_hidden(widget)


# --- which screen opens ---------------------------------------------------------------------------


def test_missing_database_is_a_message_and_is_not_created(tmp_path):
    path = tmp_path / "nowhere" / "themoon.db"
    app = App(path, autologin=True)
    assert app.state == "missing"
    assert visible(app.message) and str(path) in app.message.value
    assert "<code>themoon init</code>" in app.message.value
    assert not visible(app.main) and not visible(app.auth)
    assert not path.exists() and not path.parent.exists()


def test_database_of_another_schema_version_is_never_migrated(tmp_path):
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()
    app = App(path, autologin=True)
    assert app.state == "upgrade"
    assert "themoon init" in app.message.value
    assert db.current_version(sqlite3.connect(path)) == 0


def test_demo_served_locally_opens_signed_in_as_the_demo_owner(demo_path):
    app = App(demo_path, today=DEMO_TODAY, autologin=True)
    assert app.screen == "app" and app.ctx.user["username"] == "owner" and app.ctx.role == "owner"
    assert visible(app.demo_banner) and "Demo data" in app.demo_banner.value
    assert app.current == "overview" and app.tabs["overview"].widget in app.content.children
    assert "OWNER" in app.user_chip.value.upper()


def test_signing_out_of_the_demo_ends_its_automatic_sign_in(demo_path):
    """On a shared tablet the next person must not find the owner signed in after a reload: the
    store remembers the sign-out (another process sees it), and every later page asks."""
    app = App(demo_path, today=DEMO_TODAY, autologin=True)
    assert app.screen == "app" and app.autologged_in
    assert App(demo_path, today=DEMO_TODAY, autologin=True).screen == "app"  # positive control
    app.do_sign_out()
    flag = subprocess.check_output(
        [sys.executable, "-c", SQL_ONE, str(demo_path), "SELECT value FROM auth_flags WHERE name = 'demo_autologin'"],
        text=True,
    )
    assert flag.strip() == "off"
    reload = App(demo_path, today=DEMO_TODAY, autologin=True)
    assert reload.screen == "signin" and reload.ctx.user is None
    reload.si_user.value, reload.si_password.value = OWNER  # signing in by hand still works
    assert reload.do_sign_in()
    reload.do_sign_out()
    assert App(demo_path, today=DEMO_TODAY, autologin=True).screen == "signin"


def test_demo_elsewhere_asks_to_sign_in(demo_path):
    app = App(demo_path, today=DEMO_TODAY, autologin=False)
    assert app.screen == "signin" and app.ctx.user is None
    assert visible(app.signin) and not visible(app.main)
    assert "owner / moon" in app.si_note.value  # the README's demo accounts
    assert visible(app.demo_banner)
    with pytest.raises(PermissionError):
        app.tab("roasting")
    app.open_tab("settings")  # from the browser: ignored while signed out
    assert app.tabs == {}


@pytest.mark.parametrize(
    ("env", "local"),
    [
        ({"THEMOON_SERVE_HOST": "127.0.0.1"}, True),
        ({"THEMOON_SERVE_HOST": "::1"}, True),
        ({"THEMOON_SERVE_HOST": "0.0.0.0"}, False),
        ({"THEMOON_SERVE_HOST": "192.168.0.10"}, False),
        ({"VOILA_KERNEL_ID": "x"}, False),  # a Voilà not started by `themoon serve`: unknown address
        ({}, True),  # a kernel outside Voilà (JupyterLab) belongs to its user
        # a token or a password on the server means sign-in is wanted, loopback or not (#18)
        ({"THEMOON_SERVE_HOST": "127.0.0.1", "THEMOON_SERVER_AUTH": "token"}, False),
        ({"THEMOON_SERVE_HOST": "127.0.0.1", "THEMOON_SERVER_AUTH": "password"}, False),
        ({"THEMOON_SERVE_HOST": "127.0.0.1", "THEMOON_SERVER_AUTH": "none"}, True),
        # the server stamps a request that came through a reverse proxy (themoon.server_guard)
        ({"THEMOON_SERVE_HOST": "127.0.0.1", "HTTP_X_THEMOON_PROXIED": "1"}, False),
        ({"THEMOON_SERVE_HOST": "127.0.0.1", "HTTP_X_THEMOON_PROXIED": "0"}, True),
    ],
)
def test_served_locally(monkeypatch, env, local):
    for name in ("THEMOON_SERVE_HOST", "THEMOON_SERVER_AUTH", "HTTP_X_THEMOON_PROXIED", *app_module._VOILA_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert served_locally() is local


def test_demo_on_the_network_is_not_signed_in(demo_path, monkeypatch):
    monkeypatch.setenv("THEMOON_SERVE_HOST", "0.0.0.0")
    assert App(demo_path, today=DEMO_TODAY).screen == "signin"


# --- sign-in ----------------------------------------------------------------------------------------


def test_sign_in_and_out(demo_path):
    app = signed_in(demo_path, STAFF, form=True)
    assert app.ctx.role == "staff" and app.screen == "app"
    assert "매니저" in app.user_chip.value
    app.open_tab("roasting")
    app.do_sign_out()
    assert app.screen == "signin" and app.ctx.user is None and app.tabs == {}
    assert not visible(app.sign_out)


def test_wrong_password_is_refused_without_saying_which_part(demo_path):
    app = App(demo_path, today=DEMO_TODAY, autologin=False)
    for who in (("owner", "sun"), ("nobody", "moon")):
        app.si_user.value, app.si_password.value = who
        assert not app.do_sign_in()
        assert "Wrong username or password" in app.si_form.status.value
        assert app.si_password.value == ""  # never left in the page
    assert app.ctx.user is None and app.screen == "signin"


def test_repeated_failures_lock_sign_in_across_pages(demo_path, monkeypatch):
    """The count lives in the store: a new page (a reload is a new kernel, so a new App) is still
    locked, and says for how long; the store's limits are tested in tests/test_signin.py."""
    monkeypatch.setenv("THEMOON_SIGNIN_DELAY_S", "0")
    monkeypatch.setenv("HTTP_X_THEMOON_CLIENT", "192.0.2.7")
    real = users.authenticate
    monkeypatch.setattr(users, "authenticate", lambda conn, u, p: None)  # argon2 is slow on purpose
    app = App(demo_path, today=DEMO_TODAY, autologin=False)
    for _ in range(10):
        app.si_user.value, app.si_password.value = "owner", "wrong"
        assert not app.do_sign_in()
    monkeypatch.setattr(users, "authenticate", real)
    again = App(demo_path, today=DEMO_TODAY, autologin=False)  # the reload
    again.si_user.value, again.si_password.value = OWNER
    assert not again.do_sign_in()  # even the right password waits out the lockout
    assert "Too many failed attempts" in again.si_form.status.value
    assert "15 min" in again.si_form.status.value or "14 min" in again.si_form.status.value
    from themoon import signin

    signin.unlock(db.connect(demo_path), username="owner", address="192.0.2.7")  # what the owner can do
    again.si_user.value, again.si_password.value = OWNER
    assert again.do_sign_in()


def test_first_run_creates_the_owner(tmp_path):
    from themoon import signin

    path = tmp_path / "new.db"
    conn = db.connect(path)
    code = signin.issue_setup_code(conn)
    conn.close()
    app = App(path, autologin=True)  # a real database: no auto sign-in, no users yet
    assert app.screen == "first_run" and visible(app.first_run)
    f = app.fr_fields
    assert "setup code" in app.fr_note.value and visible(f["setup_code"].box)
    f["username"].value, f["display_name"].value = "minji", "김민지"
    f["password"].value = f["password_repeat"].value = "moonlight"
    assert not app.do_create_owner()  # no code
    assert "not a valid setup code" in f["setup_code"].error.value and count(path, "users") == 0
    f["setup_code"].value = code.lower().replace("-", " ")  # as typed on a tablet: case and separators free
    f["password"].value, f["password_repeat"].value = "moonlight", "moonshine"
    assert not app.do_create_owner()
    assert "does not match" in f["password_repeat"].error.value and visible(f["password_repeat"].error)
    assert count(path, "users") == 0
    f["password"].value = f["password_repeat"].value = "abc"
    assert not app.do_create_owner()
    assert "at least 4 characters" in f["password"].error.value
    f["password"].value = f["password_repeat"].value = "moonlight"
    assert app.do_create_owner()
    assert app.ctx.user["username"] == "minji" and app.ctx.role == "owner" and app.screen == "app"
    conn = db.connect(path)
    assert users.has_owner(conn) and users.authenticate(conn, "minji", "moonlight")["role"] == "owner"
    conn.close()
    assert "No data yet" in app.tabs["overview"].message.value  # an empty store, explained
    assert App(path, autologin=True).screen == "signin"  # the next visitor signs in


def test_first_run_finished_elsewhere_meanwhile(tmp_path):
    path = tmp_path / "new.db"
    db.connect(path).close()
    app = App(path)
    conn = db.connect(path)
    users.add_user(conn, username="first", password="secret", role="owner")
    conn.close()
    f = app.fr_fields
    f["username"].value, f["password"].value, f["password_repeat"].value = "second", "secret", "secret"
    f["setup_code"].value = "AAAA-BBBB-CCCC"
    assert not app.do_create_owner()
    assert app.screen == "signin" and count(path, "users") == 1


# --- roles ---------------------------------------------------------------------------------------------


def test_staff_sees_no_owner_only_controls(demo_path):
    app = signed_in(demo_path, STAFF)
    roasting_tab = app.tab("roasting")
    assert visible(roasting_tab.single)  # staff log batches
    # the batch picker is there (staff correct their own batches of today), but with no batch of
    # theirs picked there is no edit or delete, and resolving alerts stays the owner's
    assert visible(roasting_tab.actions) and roasting_tab.pick.value == 0
    assert not visible(roasting_tab.edit_button) and not visible(roasting_tab.delete_button)
    assert not visible(roasting_tab.resolve_button)
    inventory_tab = app.tab("inventory")
    assert visible(inventory_tab.purchase_card) and visible(inventory_tab.stocktake_card)
    catalog_tab = app.tab("catalog")
    assert not visible(catalog_tab.bean_tools) and not visible(catalog_tab.blend_tools)
    settings_tab = app.tab("settings")
    assert not visible(settings_tab.cs_form_box) and not visible(settings_tab.users_card)
    assert not visible(settings_tab.m_tools)
    assert settings_tab.model.user_rows == []  # the users list is not even read


def test_viewer_reads_only(demo_path):
    app = signed_in(demo_path, VIEWER)
    roasting_tab = app.tab("roasting")
    assert "read the roasting log" in roasting_tab.readonly_note.value
    assert roasting_tab.single not in roasting_tab.entry.children
    inventory_tab = app.tab("inventory")
    assert not visible(inventory_tab.purchase_card) and not visible(inventory_tab.stocktake_card)
    for key in TABS:
        if key == "imports":  # the owner's only: no button, and refused if asked for anyway
            assert not visible(app.nav_buttons[key]) and not app.allowed(key)
            with pytest.raises(PermissionError):
                app.tab(key)
            app.open_tab(key)
            assert app.current != key
            continue
        assert app.tab(key).message.value == ""  # every tab reads fine


def test_the_view_refuses_what_the_role_may_not_do_even_if_a_control_is_reached(demo_path):
    """Hidden controls are not the protection: every write checks users.can first."""
    app = signed_in(demo_path, VIEWER)
    before = count(demo_path, "roast_batches")
    tab = app.tab("roasting")
    tab.product.widget.options = [("x", "blend:FULL-MOON")]
    tab.product.value = "blend:FULL-MOON"
    tab.green_total.value, tab.roasted_g.value = "3000", "2500"
    tab.save.click()
    assert "does not allow" in tab.form.status.value
    assert count(demo_path, "roast_batches") == before
    settings_tab = app.tab("settings")
    settings_tab.cs_save.click()  # hidden for a viewer; reached anyway
    assert "does not allow" in settings_tab.cs_form.status.value


# --- language ------------------------------------------------------------------------------------------


def test_language_toggle_relabels_everything_at_once(demo_path):
    app = signed_in(demo_path, OWNER)
    for key in TABS:
        app.open_tab(key)
    app.lang_toggle.value = "ko"
    assert app.ctx.lang == "ko"
    assert [b.description for b in app.nav_buttons.values()] == [
        "개요",
        "로스팅",
        "생두 재고",
        "원두·블렌드",
        "원가·가격",
        "매출·이익",
        "보고서",
        "가져오기",
        "설정",
    ]
    assert "로스팅 비용 대시보드" in app.title.value and app.sign_out.description == "로그아웃"
    assert "로스팅 기록" in app.tabs["roasting"].entry_title.value
    assert "원두별 생두 재고" in app.tabs["inventory"].stock_title.value
    assert "블렌드" in app.tabs["catalog"].blends_title.value
    assert "가정 시뮬레이션" in app.tabs["costs"].w_title.value
    assert "비용 설정" in app.tabs["settings"].cs_title.value
    assert app.tabs["settings"].language.value == "ko"
    assert "로스팅량" in app.tabs["overview"].cards["roasted"]
    app.tabs["settings"].language.value = "en"  # the settings tab's own switch does the same
    assert app.lang_toggle.value == "en" and app.nav_buttons["overview"].description == "Overview"


def test_every_word_exists_in_both_languages():
    assert set(i18n.STRINGS["en"]) == set(i18n.STRINGS["ko"])
    assert all(i18n.STRINGS["ko"][k] for k in i18n.STRINGS["ko"])


def test_every_key_the_ui_uses_is_defined():
    """Every string in themoon/ui/ (tabs included) shaped like an id of a family the catalogue has
    is defined: header keys of `columns(...)`, label keys of `Field(...)`, tables of ids. Read with
    ast, so an f-string's prefix (a family, checked by tests/test_messages.py with the ids passed
    to t()/tr() and ValidationError) and a `where` name (a log's, not a message) are not ids."""
    families = {key.split(".", 1)[0] for key in CATALOGUE}
    shaped = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
    missing, seen = [], 0
    for path in sorted(UI_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        not_ids = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                not_ids |= {id(k.value) for k in node.keywords if k.arg == "where"}
                if isinstance(node.func, ast.Name) and node.func.id == "report_unexpected" and node.args:
                    not_ids.add(id(node.args[0]))
            elif isinstance(node, ast.JoinedStr):
                not_ids |= {id(v) for v in node.values}
            elif isinstance(node, ast.BinOp):
                not_ids.add(id(node.left))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in not_ids:
                if shaped.fullmatch(node.value) and node.value.split(".", 1)[0] in families:
                    seen += path.parent != UI_DIR
                    if node.value not in CATALOGUE:
                        missing.append(f"{path.relative_to(UI_DIR)}:{node.lineno}: {node.value}")
    assert missing == []
    assert seen > 300  # the scan reaches the tabs (ids in themoon/ui/tabs/ and ui/corrections/)


def test_t():
    assert t("refresh", "ko") == "새로고침"
    assert t("refresh", "ko-KR") == "새로고침"
    assert t("refresh", "fr") == "Refresh"
    assert t("kpi.alerts.sub", "en", critical=2) == "2 critical"
    with pytest.raises(KeyError):  # strict in tests (tests/test_messages.py: production shows the key)
        t("no.such.key", "ko")


# --- forms and errors ------------------------------------------------------------------------------------


def test_form_puts_an_error_next_to_its_field():
    form = Form([Field("roasted_g", widgets.Text(), "f.roasted_g"), Field("green_g", widgets.Text(), "f.green_g")])
    form.show_error(ValidationError("green_g[ETH-SIDAMO-G4]", "is required", "필수 입력입니다"), "ko")
    assert "필수 입력입니다" in form["green_g"].error.value and visible(form["green_g"].error)
    assert "themoon-field--invalid" in form["green_g"].box._dom_classes
    form.clear()
    assert form.errors == {} and not visible(form.status)
    form.show_error(ValidationError("mystery", "went wrong"), "en")  # no such field: on the status line
    assert "mystery: went wrong" in form.status.value


def test_an_unexpected_error_is_a_friendly_line_and_a_log_entry(demo_path, monkeypatch, capsys, kernel_logging):
    app = signed_in(demo_path, OWNER)
    tab = app.tab("roasting")

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(roasting, "add_batch", broken)
    tab.product.value = "blend:FULL-MOON"
    tab.green_total.value, tab.roasted_g.value = "3000", "2500"
    tab.save.click()  # the real callback path: no exception escapes
    assert "nothing was saved" in tab.form.status.value
    assert "Traceback" not in tab.form.status.value
    assert "Traceback" not in capsys.readouterr().err  # in a kernel, sys.stderr is the page
    log = (kernel_logging / "themoon.log").read_text()
    assert "ui.error" in log and "disk I/O error" in log and "roasting.add_batch" in log


def test_a_failing_read_is_a_message_not_a_traceback(demo_path, monkeypatch, kernel_logging):
    app = signed_in(demo_path, OWNER)
    overview = app.tabs["overview"]
    monkeypatch.setattr(overview.ctx, "analytics", lambda: None)
    overview.refresh()
    assert "went wrong while reading" in overview.message.value
    assert "RuntimeError" in overview.message.value


# --- the notebook, the app builder ---------------------------------------------------------------------


def test_the_notebook_is_thin_and_has_no_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) <= 2
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    source = "".join(code[-1]["source"])
    assert "prepare()" in source and "wait_for_request()" in source and "build_app(" in source
    assert source.index("prepare()") < source.index("wait_for_request()") < source.index("build_app(")
    assert nb["metadata"]["title"] == "The Moon Drip BAR"


def test_build_app_reads_the_environment(demo_path, monkeypatch, kernel_logging):
    monkeypatch.setenv("THEMOON_DB", str(demo_path))
    monkeypatch.setenv("THEMOON_LANG", "ko")
    monkeypatch.delenv("THEMOON_SERVE_HOST", raising=False)
    prepared = prepare()
    assert prepared.analytics is not None and prepared.db_path == demo_path
    widget = build_app(prepared, today=DEMO_TODAY)
    assert isinstance(widget, widgets.Widget) and "themoon-app" in widget._dom_classes
    app = build(prepared=prepared, today=DEMO_TODAY)
    assert app.ctx.lang == "ko" and app.ctx.analytics() is prepared.analytics


def test_a_preheated_kernel_builds_the_app_ahead_and_catches_up(demo_path, monkeypatch, kernel_logging):
    """Built while the kernel waits for its visitor; a batch logged meanwhile is on the page the
    visitor gets; a new day means a new app."""
    monkeypatch.setenv("THEMOON_DB", str(demo_path))
    monkeypatch.setenv("THEMOON_TODAY", DEMO_TODAY.isoformat())
    monkeypatch.setenv("THEMOON_SERVE_HOST", "127.0.0.1")
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr("themoon.ui.prelaunch._renice", lambda step: None)
    prepared = prepare()
    ahead = prepared.app
    assert ahead is not None and ahead.screen == "app"
    before = ahead.tabs["overview"].kpis.value
    assert build_app(prepared) is ahead.widget and prepared.app is None  # taken once

    prepared = prepare()
    ahead = prepared.app
    conn = db.connect(demo_path, migrate=False)
    product = conn.execute("SELECT code FROM blends WHERE active = 1 ORDER BY id").fetchone()[0]
    roasting.add_batch(conn, product=product, green_g=5000, roasted_g=4150, roasted_on=DEMO_TODAY, user="owner")
    conn.close()
    assert build_app(prepared) is ahead.widget
    assert ahead.tabs["overview"].kpis.value != before  # read again before the page was sent

    prepared = prepare()
    ahead = prepared.app
    monkeypatch.setenv("THEMOON_TODAY", (DEMO_TODAY + timedelta(days=1)).isoformat())
    prepared.app.ctx._today = DEMO_TODAY + timedelta(days=1)  # midnight passed while waiting
    generation = prepared.analytics.generation
    widget = build_app(prepared)
    assert widget is not ahead.widget and "themoon-app" in widget._dom_classes
    assert prepared.analytics.generation == generation  # the new app uses the loaded engine as it is


def test_prepare_without_a_database(tmp_path):
    prepared = prepare(tmp_path / "none.db")
    assert prepared.analytics is None
    assert build(prepared=prepared).state == "missing"


def test_today_can_be_pinned_for_demos(monkeypatch):
    monkeypatch.setenv("THEMOON_TODAY", "2026-11-15")
    assert pinned_today() == date(2026, 11, 15)
    monkeypatch.setenv("THEMOON_TODAY", "someday")
    assert pinned_today() is None


# --- numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(12942, "₩12,942"), (1234567.5, "₩1,234,568"), (0, "₩0"), (-1500, "−₩1,500"), (None, "—")],
)
def test_won(value, text):
    assert fmt.won(value) == text


def test_numbers_round_half_up():
    assert fmt.number(2.5) == "3"
    assert fmt.number(0.125, 2) == "0.13"
    assert fmt.pct(17.666) == "17.7%"
    assert fmt.pct(17.25) == "17.3%"
    assert fmt.kg(6.58) == "6.6 kg"
    assert fmt.kg(1234.56) == "1,234.6 kg"
    assert fmt.grams_as_kg(6580) == "6.6 kg"
    assert fmt.grams(4150) == "4,150 g"
    assert fmt.pct(None) == "—"
    assert fmt.day(date(2026, 11, 2)) == "2026-11-02" and fmt.day(None) == "—"


def test_points():
    assert fmt.points(0.67) == "+0.7 pt"
    assert fmt.points(-3.25, "ko") == "−3.3%p"
    assert fmt.points(-0.04) == "±0.0 pt"


def test_every_chart_is_a_valid_plotly_figure():
    week = date(2026, 11, 2)
    rows = [
        {"week": week, "product": f"P{i:02d}", "name_en": f"Product {i}", "name_ko": f"제품 {i}", "roasted_g": 1000 * i}
        for i in range(1, 11)
    ]
    order = [f"P{i:02d}" for i in range(1, 11)]
    fig = charts.weekly_figure(rows, week, date(2026, 11, 8), "ko", order)
    charts.as_go(fig)  # plotly validates every property
    names = [trace["name"] for trace in fig["data"]]
    assert len(names) == charts.MAX_STACKED and names[-1] == "기타"
    assert fig["data"][-1]["y"] == [(1 + 2 + 3 + 4) * 1.0]  # the four smallest
    colours = [trace["marker"]["color"] for trace in fig["data"]]
    assert len(set(colours)) == len(colours)
    alone = charts.weekly_figure(rows[-1:], week, date(2026, 11, 8), "en", order)
    assert alone["data"][0]["marker"]["color"] == fig["data"][names.index("제품 10")]["marker"]["color"]
    payload = json.loads(charts.figure_json(fig))
    assert payload["config"]["displaylogo"] is False and payload["config"]["displayModeBar"] is False
    assert payload["data"] == json.loads(json.dumps(fig["data"]))
    html_value = charts.chart_html(charts.figure_json(fig))
    assert html_value.startswith('<div class="themoon-plotly" data-figure-id="c')
    assert "<script" not in html_value and "기타" in html_value


def test_chart_text_is_escaped_for_plotly():
    rows = [{"week": date(2026, 11, 2), "product": "X", "name_en": "<b>Bold & Co</b>", "roasted_g": 1000}]
    fig = charts.weekly_figure(rows, date(2026, 11, 2), date(2026, 11, 8))
    assert fig["data"][0]["name"] == "&lt;b&gt;Bold &amp; Co&lt;/b&gt;"


# --- serving ---------------------------------------------------------------------------------------------


def test_voila_command():
    command = serve.voila_command(NOTEBOOK, port=9123)
    assert command[:3] == [sys.executable, "-m", "voila"]
    assert str(NOTEBOOK) in command
    for flag in (
        "--no-browser",
        "--template=themoon",
        "--Voila.ip=127.0.0.1",
        "--Voila.port=9123",
        "--Voila.port_retries=0",
        "--show_tracebacks=False",
        "--MappingKernelManager.cull_idle_timeout=90",
        "--MappingKernelManager.cull_interval=30",
    ):
        assert flag in command
    assert not any("token" in part.lower() for part in command)
    assert not any("preheat" in part for part in command)


def test_voila_command_token_and_preheat():
    command = serve.voila_command(NOTEBOOK, token="s3cret", preheat=2)
    assert "--Voila.auto_token=True" in command
    assert not any("s3cret" in part for part in command)  # the token travels in the environment
    assert "--preheat_kernel=True" in command and "--pool_size=2" in command


@pytest.mark.parametrize("port", [0, 70000, "8866"])
def test_voila_command_rejects_bad_ports(port):
    with pytest.raises(serve.ServeError):
        serve.voila_command(NOTEBOOK, port=port)


def test_env_for_voila(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JUPYTER_TOKEN", "leftover")
    monkeypatch.delenv("THEMOON_DATA_DIR", raising=False)
    monkeypatch.setenv("THEMOON_LOG_DIR", "var/logs")
    env = serve.env_for_voila("data/x.db")
    assert env["THEMOON_DB"] == str(tmp_path / "data" / "x.db")
    assert env["THEMOON_DATA_DIR"] == str(tmp_path / "data")  # kernels run in notebooks/
    assert env["THEMOON_LOG_DIR"] == str(tmp_path / "var" / "logs")
    assert env["THEMOON_SERVE_HOST"] == "127.0.0.1"
    first = Path(env["JUPYTER_PATH"].split(":")[0])
    assert (first / "voila" / "templates" / "themoon" / "conf.json").is_file()
    assert "JUPYTER_TOKEN" not in env
    assert serve.env_for_voila("x.db", token="s3cret")["JUPYTER_TOKEN"] == "s3cret"
    assert serve.env_for_voila("x.db", host="0.0.0.0")["THEMOON_SERVE_HOST"] == "0.0.0.0"


def test_env_for_voila_passes_the_dotenv_on(tmp_path, monkeypatch):
    """Kernels start in notebooks/ and would not find ./.env: its settings travel in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("THEMOON_DB", "THEMOON_LANG"):  # set, then delete: restored after the test
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    (tmp_path / ".env").write_text("THEMOON_DB=cafe/moon.db\nTHEMOON_LANG=ko\n", encoding="utf-8")
    env = serve.env_for_voila()
    assert env["THEMOON_DB"] == str(tmp_path / "cafe" / "moon.db")
    assert env["THEMOON_LANG"] == "ko"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.1.1", True), ("0.0.0.0", False), ("", False)],
)
def test_is_loopback(host, loopback):
    assert serve.is_loopback(host) is loopback


@pytest.fixture()
def small_path(tmp_path) -> Path:
    path = tmp_path / "small.db"
    build_small_db(path).close()
    return path


def test_serve_refuses_an_open_network_address(tmp_path, monkeypatch):
    monkeypatch.delenv("THEMOON_TOKEN", raising=False)
    monkeypatch.delenv("THEMOON_PASSWORD_HASH", raising=False)
    monkeypatch.setattr(serve.os, "execve", lambda *a: pytest.fail("must not start voila"))
    with pytest.raises(serve.ServeError, match="token"):
        serve.serve(db_path=tmp_path / "x.db", host="0.0.0.0")


def test_serve_execs_voila(small_path, monkeypatch):
    calls = []
    monkeypatch.delenv("THEMOON_TOKEN", raising=False)
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append(args))
    serve.serve(db_path=small_path, port=9124)
    ((program, argv, env),) = calls
    assert program == sys.executable and argv == serve.voila_command(serve.default_notebook(), port=9124)
    assert env["THEMOON_DB"] == str(small_path) and env["THEMOON_SERVE_HOST"] == "127.0.0.1"


def test_serve_on_the_network_with_a_token(small_path, monkeypatch):
    calls = []
    monkeypatch.setenv("THEMOON_TOKEN", "s3cret")
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append(args))
    serve.serve(db_path=small_path, host="0.0.0.0")
    ((_, argv, env),) = calls
    assert "--Voila.ip=0.0.0.0" in argv and env["JUPYTER_TOKEN"] == "s3cret"
    assert env["THEMOON_SERVE_HOST"] == "0.0.0.0"  # a demo database there is not signed in


def test_serve_reads_the_token_from_dotenv(small_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THEMOON_TOKEN", "")
    monkeypatch.delenv("THEMOON_TOKEN")
    (tmp_path / ".env").write_text("THEMOON_TOKEN=from-dotenv\n", encoding="utf-8")
    calls = []
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append(args))
    serve.serve(db_path=small_path, host="0.0.0.0")
    assert calls[0][2]["JUPYTER_TOKEN"] == "from-dotenv"


def test_template_is_offline():
    root = REPO / "share" / "jupyter" / "voila" / "templates" / "themoon"
    assert json.loads((root / "conf.json").read_text())["base_template"] == "lab"
    for path in root.rglob("*"):
        if path.is_file() and "vendor" not in path.relative_to(root).parts:  # plotly.js: its licence comments
            text = path.read_text(encoding="utf-8")
            assert "http://" not in text and "https://" not in text, path


def test_screenshot_module_has_a_command_line():
    from themoon import screenshot

    assert screenshot.WIDTH == 1366
    with pytest.raises(SystemExit):
        screenshot.main(["--help"])


@pytest.mark.parametrize(
    ("chosen", "query", "expected"),
    [
        ("ko", "", "ko"),
        ("en", "", "en"),
        ("ko", "lang=en", "en"),  # the query string wins
        ("fr", "", None),
        ("<script>", "lang=../../x", None),
        ("", "", None),
        ("", "lang=ko", "ko"),
    ],
)
def test_requested_language(monkeypatch, chosen, query, expected):
    """The cookie's language arrives as the server guard's header (themoon.server_guard.chosen_language)."""
    from themoon.ui.app import requested_language

    monkeypatch.setenv("HTTP_X_THEMOON_LANG", chosen)
    monkeypatch.setenv("QUERY_STRING", query)
    assert requested_language() == expected


def test_the_app_marks_its_language_for_the_page(tmp_path):
    from browser_support import build_small_db

    from themoon.ui.app import App

    build_small_db(tmp_path / "t.db").close()
    app = App(tmp_path / "t.db", lang="en", autologin=False)
    assert "themoon-lang-en" in app.widget._dom_classes
    app.set_language("ko")
    assert "themoon-lang-ko" in app.widget._dom_classes and "themoon-lang-en" not in app.widget._dom_classes


def test_the_kernel_never_imports_voila_utils():
    """voila.utils loads jupyter_server (43 MB in every kernel): app.wait_for_request speaks its
    request-info websocket itself."""
    import inspect

    from themoon.ui import app, prelaunch, request

    source = "".join(inspect.getsource(m) for m in (app, prelaunch, request))
    assert "from voila" not in source and "import voila" not in source

"""The dashboard application the Voilà notebook displays: `prepare()` then `build_app()`.

`App` is the shell: the header (café name, language toggle, who is signed in), the demo banner,
sign-in against the users table (argon2, `users.authenticate`), first-run creation of the owner
on a new real database, and the six tabs — built when first opened, for the signed-in role.

A demo database served on this machine only (127.0.0.1, no token or password, not through a
proxy) opens signed in as the demo owner, so a newcomer sees the app at once — until someone signs
out of it; anywhere else, or on a real database, people sign in. Failed sign-ins and wrong setup
codes are counted in the store (themoon.signin), so a reload does not reset them.

Beside it: ui/signin_screens.py (the sign-in and first-run widgets), ui/prelaunch.py (what a
kernel does before its visitor arrives) and ui/request.py (what the page's request says).
"""

from __future__ import annotations

import logging
import os
import time
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from .. import config, db, sessions, signin, users
from . import lean_widgets, session
from .base import Tab
from .context import Context
from .forms import classes, esc, hide, report_unexpected, rich
from .i18n import CAFE_NAME, LANGUAGES, normalize, t
from .jobs import running_loop
from .prelaunch import Prepared, event, preheating, prepare, setup_logging, take_prebuilt, wait_for_request
from .request import _VOILA_ENV, client_address, pinned_today, requested_language, served_locally
from .results import show_result
from .signin_screens import FirstRunScreen, SignInScreen

log = logging.getLogger("themoon.ui")

TABS = ("overview", "roasting", "inventory", "catalog", "costs", "sales", "reports", "imports", "settings")
# tabs only some roles may open (users.can): the others never see their button
TAB_ACTION = {"imports": "import"}
DEMO_OWNER = "owner"
# what the notebook and the tests import from here (defined in the modules they come from)
__all__ = [
    "TABS",
    "App",
    "Prepared",
    "build",
    "build_app",
    "client_address",
    "pinned_today",
    "preheating",
    "prepare",
    "requested_language",
    "served_locally",
    "setup_logging",
    "wait_for_request",
    "_VOILA_ENV",
]


def wait_text(seconds: int, lang: str) -> str:
    """'14 min 59 s', in `lang`."""
    minutes, rest = divmod(max(0, int(seconds)), 60)
    return t("auth.wait_min", lang, m=minutes, s=rest) if minutes else t("auth.wait_s", lang, s=rest)


def _tab_class(key: str) -> type[Tab]:
    if key == "overview":
        from .tabs.overview import OverviewTab as cls
    elif key == "roasting":
        from .tabs.roasting import RoastingTab as cls
    elif key == "inventory":
        from .tabs.inventory import InventoryTab as cls
    elif key == "catalog":
        from .tabs.beans import CatalogTab as cls
    elif key == "costs":
        from .tabs.costs import CostsTab as cls
    elif key == "sales":
        from .tabs.sales import SalesTab as cls
    elif key == "reports":
        from .tabs.reports import ReportsTab as cls
    elif key == "imports":
        from .tabs.imports import ImportsTab as cls
    elif key == "settings":
        from .tabs.settings import SettingsTab as cls
    else:
        raise ValueError(key)
    return cls


class App:
    """The whole dashboard over one store. `.widget` is what the notebook displays."""

    def __init__(
        self,
        db_path: str | os.PathLike,
        *,
        lang: str = "en",
        today: date | None = None,
        analytics: Any = None,
        autologin: bool | None = None,
    ) -> None:
        lean_widgets.share()  # one Layout and one Style of each kind for all its widgets
        self.ctx = Context(db_path, lang=lang, today=today, analytics=analytics)
        self.ctx.set_language = self.set_language
        self.ctx.subscribe(self._on_changed)
        self.state = "ok"  # ok | missing | upgrade | error
        self.state_detail: dict[str, Any] = {}
        self.tabs: dict[str, Tab] = {}
        self._screen = "none"
        self.current = "overview"
        self._autologin = served_locally() if autologin is None else autologin
        self.autologged_in = False  # signed in as the demo owner without asking
        # In a Voilà kernel, ending a session ends the kernel and the page loads a fresh one
        # (themoon.ui.session); elsewhere (JupyterLab, tests) the app goes back to sign-in in place.
        self.kernel_session = session.in_voila_kernel()
        self.exit_kernel: Any = session.exit_kernel_later
        self.ended: str | None = None
        self.idle_watch: session.IdleWatch | None = None
        self.ctx.on_account_changed = lambda: self.end_session("account")
        with lean_widgets.batched():  # each widget reaches the page once, as first shown
            self._build()
            self._start()

    # --- building --------------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = classes(widgets.HTML(), "themoon-brand")
        self.user_chip = classes(widgets.HTML(), "themoon-user")
        self.sign_out = classes(widgets.Button(), "themoon-btn", "themoon-sign-out")
        self.sign_out.on_click(lambda _b: self._guard(self.do_sign_out, "sign_out"))
        self.lang_toggle = classes(widgets.ToggleButtons(options=list(LANGUAGES), value=self.ctx.lang), "themoon-lang")
        self.lang_toggle.observe(self._on_lang, names="value")
        controls = classes(widgets.HBox([self.user_chip, self.sign_out, self.lang_toggle]), "themoon-controls")
        header = classes(widgets.HBox([self.title, controls]), "themoon-header")
        self.demo_banner = classes(widgets.HTML(), "themoon-demo-banner")
        hide(self.demo_banner)
        self.message = classes(widgets.HTML(), "themoon-message", "themoon-app-message")
        hide(self.message)

        # sign-in and first run: built when first needed (fewer widgets for a signed-in page)
        self.signin = self.first_run = None
        self.auth = classes(widgets.Box(), "themoon-auth-wrap")
        hide(self.auth)

        # the signed-in app
        self.nav_buttons = {}
        for key in TABS:
            b = classes(widgets.Button(), "themoon-nav-btn", f"themoon-nav-{key}")
            b.on_click(lambda _b, key=key: self._guard(lambda: self.open_tab(key), f"open.{key}"))
            self.nav_buttons[key] = b
        self.nav = classes(widgets.HBox(list(self.nav_buttons.values())), "themoon-nav")
        self.content = classes(widgets.Box(), "themoon-content")
        self.main = classes(widgets.VBox([self.nav, self.content]), "themoon-main")
        hide(self.main)
        self.footer = classes(widgets.HTML(), "themoon-footer", "themoon-app-footer")
        self.widget = classes(
            widgets.VBox([header, self.demo_banner, self.message, self.auth, self.main, self.footer]),
            "themoon-app",
        )

    def _build_signin(self) -> None:
        self.signin_screen = screen = SignInScreen(lambda: self._guard(self.do_sign_in, "sign_in"))
        self.si_user, self.si_password, self.si_form, self.si_note = (
            screen.user,
            screen.password,
            screen.form,
            screen.note,
        )
        self.signin = screen.box

    def _build_first_run(self) -> None:
        self.first_run_screen = screen = FirstRunScreen(lambda: self._guard(self.do_create_owner, "create_owner"))
        self.fr_fields, self.fr_form, self.fr_note = screen.fields, screen.form, screen.note
        self.first_run = screen.box

    # --- start: which screen ------------------------------------------------------------------------

    def _start(self) -> None:
        path = self.ctx.db_path
        if not path.is_file():
            self.state = "missing"
        else:
            try:
                conn = db.connect(path, migrate=False)
                try:
                    have, want = db.current_version(conn), db.schema_version()
                finally:
                    conn.close()
                if have != want:
                    self.state, self.state_detail = "upgrade", {"have": have, "want": want}
                else:
                    self._open()
            except Exception as error:
                report_unexpected("app.start", None)
                self.state, self.state_detail = "error", {"error": type(error).__name__}
        self.render()

    def _open(self) -> None:
        conn = self.ctx.conn()
        try:
            from ..demo import is_demo

            self.ctx.is_demo = bool(is_demo(conn))
        except Exception:
            report_unexpected("app.is_demo", None)
        if self.ctx.is_demo and self._autologin and signin.demo_autologin(conn):
            owner = next(
                (
                    u
                    for u in users.list_users(conn)
                    if u["username"] == DEMO_OWNER and u["role"] == "owner" and u["active"]
                ),
                None,
            )
            if owner is not None:
                self._signed_in({k: owner[k] for k in ("id", "username", "display_name", "role")})
                self.autologged_in = True
                return
        self.screen = "signin" if users.has_owner(conn) or self.ctx.is_demo else "first_run"

    @property
    def screen(self) -> str:
        return self._screen

    @screen.setter
    def screen(self, value: str) -> None:
        self._screen = value
        if value == "signin" and self.signin is None:
            self._build_signin()
        if value == "first_run" and self.first_run is None:
            self._build_first_run()
        self.auth.children = [w for w in (self.signin, self.first_run) if w is not None]
        hide(self.auth, value not in ("signin", "first_run"))
        for panel, name in ((self.signin, "signin"), (self.first_run, "first_run")):
            if panel is not None:
                hide(panel, value != name)
        hide(self.main, value != "app")

    # --- sign-in -------------------------------------------------------------------------------------

    def _guard(self, fn, where: str) -> None:
        try:
            fn()
        except Exception:
            report_unexpected(f"app.{where}", self.ctx.username)
            self._show_message("error", t("err.unexpected", self.ctx.lang))

    def do_sign_in(self) -> bool:
        """Sign in through the store's limits (themoon.signin): counted per username and address,
        so a reload or a restart does not start the count again."""
        lang = self.ctx.lang
        self.si_form.clear()
        username, password = self.si_user.value, self.si_password.value
        self.si_password.value = ""
        attempt = signin.sign_in(self.ctx.conn(), username, password, address=client_address())
        if attempt.user is None:
            if attempt.wait_s:
                self.si_form.set_status("error", t("auth.locked_for", lang, wait=wait_text(attempt.wait_s, lang)))
            else:
                self.si_form.set_status("error", t("auth.wrong", lang))
            return False
        user = attempt.user
        self._show_message("info", "")  # why the last session ended: said, and now over
        self._signed_in(user)
        self.render()
        return True

    def do_create_owner(self) -> bool:
        lang = self.ctx.lang
        values = {name: f.value for name, f in self.fr_fields.items()}
        conn = self.ctx.conn()

        def create() -> dict:
            signin.create_first_owner(conn, address=client_address(), **values)
            return users.authenticate(conn, values["username"], values["password"])

        self.fr_form.clear()
        result = self.ctx.run(create, where="app.create_owner")
        if not show_result(self.fr_form, result, self.ctx.lang):
            if users.has_owner(conn):
                self.screen = "signin"
                self.render()
            return False
        user = result.value
        self.first_run_screen.forget_secrets()
        self._signed_in(user)
        self.render()
        self._show_message("info", t("auth.owner_created", lang, username=user["username"]))
        return True

    def do_sign_out(self) -> None:
        self.end_session("signed_out")

    def end_session(self, reason: str = "signed_out") -> None:
        """Sign out (`reason`: signed_out, idle, account, self): every widget of the signed-in
        views is closed and every result, link and pending confirmation they held dropped. In a
        Voilà kernel the page then keeps only a notice that makes it load a fresh page (a new
        kernel, at the sign-in screen), and this kernel exits; elsewhere the sign-in screen shows."""
        if self.ended:
            return
        who = self.ctx.username if self.ctx.user else None
        self._end_demo_autologin()
        self.ctx.user = None
        if self.idle_watch is not None:
            self.idle_watch.stop()
            self.idle_watch = None
        self._drop_tabs()
        event("ui.signed_out", reason=reason, user=who or "-")
        if self.kernel_session:
            self.ended = reason
            notice = session.ended_notice(reason, self.ctx.lang)
            self.widget.children = [notice]
            session.close_all_but([self.widget])
            self.ctx.close()
            self.exit_kernel()
            return
        self.screen = "signin"
        self.render()
        self.show_ended(reason)

    def show_ended(self, reason: str | None) -> None:
        """Say on the sign-in screen why the last session ended (a fresh page's `?signed_out=`)."""
        if reason not in session.REASONS:
            return
        values = {}
        if reason == "idle":
            try:
                values["minutes"] = sessions.idle_minutes(self.ctx.conn())
            except Exception:
                reason = "idle_any"
            if values.get("minutes") == 0:
                reason = "idle_any"
        self._show_message("info", t(f"auth.ended.{reason}", self.ctx.lang, **values))

    def after_request(self, reason: str | None) -> None:
        """The page's request arrived: a fresh page after a sign-out opens at the sign-in screen
        (even where a demo would sign in by itself) and says why."""
        if reason is None:
            return
        if self.ctx.user is not None:
            self.ctx.user = None
            self._drop_tabs()
            self.screen = "signin"
            self.render()
        if self.screen == "signin":
            self.show_ended(reason)

    def check_session(self) -> bool:
        """Before each message from the page: is the signed-in person still who they were at
        sign-in? If not, the session ends and the message is refused."""
        if self.ended:
            return False
        if self.ctx.user is None:
            return True
        try:
            ok = self.ctx.still_signed_in()
        except Exception:  # the store is unreadable: the action itself will say so
            report_unexpected("app.check_session", self.ctx.username)
            return True
        if not ok:
            self.end_session("account")
        return ok

    def check_idle(self, idle_seconds: float | None = None) -> bool:
        """Sign out when the page has been idle longer than the owner's setting; True if it did."""
        if self.ctx.user is None or self.ended:
            return False
        try:
            minutes = sessions.idle_minutes(self.ctx.conn())
        except Exception:
            minutes = sessions.DEFAULT_IDLE_MINUTES
        idle = session.activity.idle_seconds() if idle_seconds is None else idle_seconds
        if minutes and idle >= minutes * 60:
            self.end_session("idle")
            return True
        return False

    def watch_idle(self) -> None:
        """Check the idle timeout from the kernel's event loop (a Voilà kernel only)."""
        if not self.kernel_session or self.idle_watch is not None or self.ctx.user is None:
            return
        loop = running_loop()
        if loop is not None:
            self.idle_watch = session.IdleWatch(lambda: self._guard(self.check_idle, "idle"), loop)

    def _end_demo_autologin(self) -> None:
        """Signing out of the demo ends its automatic sign-in for every later page (themoon.signin):
        on a shared tablet the next person must not find the owner signed in after a reload."""
        if self.ctx.is_demo and self.ctx.user is not None:
            try:
                signin.stop_demo_autologin(self.ctx.conn(), self.ctx.username or DEMO_OWNER)
            except Exception:
                report_unexpected("app.demo_sign_out", self.ctx.username)
        self.autologged_in = False

    def _signed_in(self, user: dict) -> None:
        self.ctx.user = user
        self._drop_tabs()
        self.screen = "app"
        self.open_tab("overview")
        session.activity.touch()
        self.watch_idle()

    def _drop_tabs(self) -> None:
        tabs = [tab.widget for tab in self.tabs.values() if getattr(tab, "widget", None) is not None]
        self.tabs = {}
        self.content.children = []
        self.ctx._listeners = [self._on_changed]
        session.close_tree(tabs)  # their state (tables, links, confirmations) leaves the kernel

    # --- tabs ----------------------------------------------------------------------------------------

    def allowed(self, key: str) -> bool:
        """May the signed-in user open this tab?"""
        return self.ctx.user is not None and key in TABS and (key not in TAB_ACTION or self.ctx.can(TAB_ACTION[key]))

    def tab(self, key: str) -> Tab:
        """The tab (built on first use, for the signed-in role)."""
        if key not in TABS:
            raise ValueError(f"unknown tab {key!r}")
        if not self.allowed(key):
            raise PermissionError(f"not allowed: {key}")
        if key not in self.tabs:
            self.tabs[key] = _tab_class(key)(self.ctx)
        return self.tabs[key]

    def open_tab(self, key: str) -> None:
        if not self.allowed(key):  # a value from the browser: never trust it
            return
        with lean_widgets.batched():  # a new tab reaches the page once, drawn (not drawn, then updated)
            tab = self.tab(key)
            for other in self.tabs.values():
                if other is not tab:
                    other.hide()
                    hide(other.widget)
            self.current = key
            tab.show()
            # every built tab stays in the page (hidden): switching back redraws nothing
            if tab.widget not in self.content.children:
                self.content.children = [*self.content.children, tab.widget]
            hide(tab.widget, False)
        for name, b in self.nav_buttons.items():
            if name == key:
                b.add_class("themoon-nav-btn--active")
            else:
                b.remove_class("themoon-nav-btn--active")

    def _on_changed(self, what: str, origin: object = None) -> None:
        if what == "self":
            self.end_session("self")

    # --- language and rendering -------------------------------------------------------------------------

    def _on_lang(self, change: dict) -> None:
        self._guard(lambda: self.set_language(change["new"]), "language")

    def set_language(self, lang: str) -> None:
        """Relabel everything at once (built tabs redraw from what they already read)."""
        lang = normalize(lang)
        if lang == self.ctx.lang and self.lang_toggle.value == lang:
            return
        self.ctx.lang = lang
        if self.lang_toggle.value != lang:
            self.lang_toggle.value = lang
        self.render()
        for tab in self.tabs.values():
            tab.set_language(lang)

    def render(self) -> None:
        lang = self.ctx.lang
        for _label, code in LANGUAGES:  # static/themoon-lang.js keeps the choice in a cookie for the next visit
            (self.widget.add_class if code == lang else self.widget.remove_class)(f"themoon-lang-{code}")
        self.title.value = (
            f'<div class="themoon-title">{esc(CAFE_NAME)}</div>'
            f'<div class="themoon-subtitle">{esc(t("subtitle", lang))}</div>'
        )
        user = self.ctx.user
        if user:
            name = user.get("display_name") or user["username"]
            role = esc(user["role"])
            self.user_chip.value = (
                f'<span class="themoon-user-name">{esc(name)}</span>'
                f'<span class="themoon-role themoon-role--{role}">{esc(t("role." + user["role"], lang))}</span>'
            )
        else:
            self.user_chip.value = ""
        hide(self.user_chip, not user)
        hide(self.sign_out, not user)
        self.sign_out.description = t("auth.sign_out", lang)
        hide(self.demo_banner, not self.ctx.is_demo)
        self.demo_banner.value = f"<span>{esc(t('demo', lang))}</span>" if self.ctx.is_demo else ""
        for key, b in self.nav_buttons.items():
            b.description = t(f"tab.{key}", lang)
            hide(b, not self.allowed(key))
        # sign-in and first run
        if self.signin is not None:
            self.signin_screen.relabel(lang, is_demo=self.ctx.is_demo)
        if self.first_run is not None:
            self.first_run_screen.relabel(lang)
        if self.state != "ok":
            self._show_message("error" if self.state == "error" else "info", self._state_message())
            hide(self.auth)
            hide(self.main)
        self.footer.value = esc(t("app.footer", lang, db=self.ctx.db_path.name))

    def _state_message(self) -> str:
        lang = self.ctx.lang
        path = str(self.ctx.db_path)
        if self.state == "missing":
            return t("msg.missing", lang, path=path)
        if self.state == "upgrade":
            return t("msg.upgrade", lang, path=path, **self.state_detail)
        return t("msg.error", lang, error=self.state_detail.get("error", ""))

    def _show_message(self, kind: str, text: str) -> None:
        for name in ("error", "info"):
            self.message.remove_class(f"themoon-message-{name}")
        if not text:
            hide(self.message)
            return
        self.message.add_class(f"themoon-message-{kind}")
        self.message.value = f"<div>{rich(text)}</div>"
        hide(self.message, False)


# --- what the notebook calls (and prelaunch.prepare) -------------------------------------------------------


def build(
    db_path: str | os.PathLike | None = None,
    lang: str | None = None,
    *,
    today: date | None = None,
    prepared: Prepared | None = None,
    autologin: bool | None = None,
) -> App:
    """The app over `db_path` (default: $THEMOON_DB, else data/themoon.db) in `lang` (default:
    $THEMOON_LANG, else English)."""
    path = Path(config.db_path(db_path)) if prepared is None else prepared.db_path
    analytics = prepared.analytics if prepared is not None else None
    return App(
        path,
        lang=lang or (prepared.lang if prepared else None) or config.language(),
        today=today or pinned_today(),
        analytics=analytics,
        autologin=autologin,
    )


def build_app(
    prepared: Prepared | None = None,
    *,
    db_path: str | os.PathLike | None = None,
    lang: str | None = None,
    today: date | None = None,
) -> widgets.Widget:
    """The dashboard widget (display it, or leave it as a cell's last expression)."""
    setup_logging()
    started = time.perf_counter()
    asked_for_other = db_path is not None or lang is not None or today is not None
    app = None if prepared is None or asked_for_other else take_prebuilt(prepared)
    if app is None:
        app = build(db_path, lang, today=today, prepared=prepared)
    app.after_request(session.requested_reason())
    session.activity.touch()  # the visitor is here (a preheated kernel built the app long before)
    # only a Voilà kernel is guarded: an analyst's JupyterLab kernel keeps its tracebacks
    if app.kernel_session and session.install_guards(app.check_session):
        app.watch_idle()
    wanted = None if lang is not None else requested_language()
    if wanted:
        app.set_language(wanted)
    event("ui.built", seconds=round(time.perf_counter() - started, 3), screen=app.screen, state=app.state)
    return app.widget

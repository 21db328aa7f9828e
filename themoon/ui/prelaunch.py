"""A dashboard kernel before its visitor arrives: Voilà keeps a pool of preheated kernels, each of
which runs the notebook up to `wait_for_request()` ahead of time. `prepare()` imports the tab
modules, loads an analytics engine of its own when the server runs no shared one
(themoon/ui/engine_service.py) and (preheated) builds the app itself at a lower CPU priority;
`take_prebuilt` hands that app to the visitor once it is known to be still right for them.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import config, db, signin
from .forms import report_unexpected
from .remote_reads import engine_folder
from .request import _voila_request_info, served_locally

if TYPE_CHECKING:
    from .app import App


def setup_logging() -> None:
    """Send the kernel's `themoon` log records to the shared log file (themoon.ops.logs).

    In a kernel, sys.stderr is the page: a record that reached logging's last-resort handler
    would print a traceback under the dashboard. Without the ops logs, records go to the
    kernel process's own stderr (the Voilà server's log) instead.
    """
    try:
        from ..ops import logs

        logs.setup()
    except Exception:  # a log directory or module problem must not stop the dashboard
        pass
    logger = logging.getLogger("themoon")
    if not logger.handlers:
        from ..ops.logs import real_stderr

        logger.addHandler(logging.StreamHandler(real_stderr()))


class Prepared:
    """What a kernel can do before a visitor arrives (a preheated kernel does it ahead): imports,
    the settings, and (without the server's shared engine) an analytics engine over the store."""

    def __init__(self, db_path: str | os.PathLike | None = None, lang: str | None = None) -> None:
        self.db_path = Path(config.db_path(db_path))
        self.lang = lang
        self.analytics = None
        self.load_seconds = 0.0
        self.app: App | None = None  # built ahead by a preheated kernel (see `prepare`)
        self.app_stamp: tuple = ()
        from .app import TABS, _tab_class

        started = time.perf_counter()
        # A preheated kernel imports every tab module while nobody waits; a cold one only the
        # first tab's (the others are imported when first opened). None imports openpyxl, pandas
        # or numpy: the readers and the analytics engine load those where they are used.
        for key in TABS if preheating() else TABS[:1]:
            _tab_class(key)
        try:
            if self.db_path.is_file():
                conn = db.connect(self.db_path, migrate=False)
                try:
                    current = db.current_version(conn) == db.schema_version()
                finally:
                    conn.close()
                if current and engine_folder() is None:  # else the server's engine answers
                    from ..analytics import Analytics

                    self.analytics = Analytics(self.db_path)
        except Exception:
            report_unexpected("app.prepare", None)
            self.analytics = None
        self.load_seconds = time.perf_counter() - started


PREHEAT_NICENESS = 10


def preheating() -> bool:
    return os.environ.get("VOILA_PREHEAT", "False") == "True"


def wait_for_request() -> None:
    """In a preheated kernel, wait for its visitor and their request data (what
    `voila.utils.wait_for_request()` does); nothing otherwise. Not by importing voila.utils: that
    loads jupyter_server and its dependencies, 43 MB held by every kernel (and ~4 s of imports).

    A preheated kernel prepares at a lower CPU priority (see `prepare`): Voilà refills its pool the
    moment a visitor takes a kernel, and that refill must not slow the visitor's page down. Once its
    own visitor arrives, the kernel takes its normal priority back (where the OS allows it)."""
    if not preheating():
        return
    try:
        os.environ.update(_voila_request_info())
    except Exception:  # the page still opens, in the default language
        report_unexpected("app.wait_for_request", None)
    _renice(-PREHEAT_NICENESS)


def event(name: str, **fields: Any) -> None:
    try:
        from ..ops import logs

        logs.event(name, logger="ui", **fields)
    except Exception:
        pass


def _renice(step: int) -> None:
    try:
        os.nice(step)
    except (OSError, AttributeError):  # lowering niceness needs privileges; not on every OS
        pass


def prepare(db_path: str | os.PathLike | None = None, lang: str | None = None) -> Prepared:
    """Everything that can be done before a visitor arrives. A preheated kernel also builds the
    app itself (nothing in it depends on the request), so the visitor's page only waits for a
    check that the data and the date are still the ones it was built with."""
    from .app import build

    setup_logging()
    if preheating():
        _renice(PREHEAT_NICENESS)
    prepared = Prepared(db_path, lang)
    if preheating():
        try:
            prepared.app = build(prepared=prepared)
            prepared.app_stamp = _stamp(prepared.app)
        except Exception:
            report_unexpected("app.prebuild", None)
            prepared.app = None
    event("ui.prepared", seconds=round(prepared.load_seconds, 3), analytics=prepared.analytics is not None)
    return prepared


def _stamp(app: App) -> tuple:
    """What an app built ahead depends on: the day and the store's contents."""
    return (app.ctx.today(), app.ctx.fingerprint())


def take_prebuilt(prepared: Prepared) -> App | None:
    """The app a preheated kernel built, brought up to date (None: build a new one)."""
    app, prepared.app = prepared.app, None
    if app is None:
        return None
    try:
        day, fingerprint = _stamp(app)
        stale_autologin = app.autologged_in and not _autologin_still_allowed(app)
        if day != prepared.app_stamp[0] or app.state != "ok" or stale_autologin:
            app.ctx._analytics = None  # the prepared engine serves the app built instead
            app.ctx.close()
            return None
        if fingerprint != prepared.app_stamp[1]:
            for tab in app.tabs.values():  # written to while the kernel waited: read again
                tab.refresh()
        return app
    except Exception:
        report_unexpected("app.prebuilt", None)
        return None


def _autologin_still_allowed(app: App) -> bool:
    """An app built ahead signed in as the demo owner: still right for the visitor who came (not
    proxied; nobody signed out of the demo meanwhile)?"""
    return served_locally() and signin.demo_autologin(app.ctx.conn())

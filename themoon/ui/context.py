"""What every tab shares: the database, the signed-in user and role, the language, "today",
the analytics engine, and the news that data changed (so other tabs redraw).

A tab never writes SQL: it calls the store API with `ctx.conn()` inside `ctx.run(...)`, which
re-reads the signed-in person from the store (active, same role: `sessions.current_user`) and
checks the role (`users.can`) inside the action's own transaction, and turns errors into
messages on the form. A person deactivated or given another role since signing in is refused
(nothing written) and their page ends its session (`on_account_changed`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from .. import db, sessions, users
from .forms import Form, PermissionDenied, guarded, report_unexpected
from .i18n import normalize

log = logging.getLogger("themoon.ui")

# Actions that write through the kernel's own connection: the user check and the write share one
# transaction. The others (reading, running a report, exporting, importing) start work of their
# own or write nothing; they check the user first.
WRITE_ACTIONS = frozenset(
    {"log_batch", "edit_batch", "purchase", "stocktake", "catalog", "settings", "users", "resolve_alert"}
)


class AccountChanged(PermissionDenied):
    """The signed-in person was deactivated or given another role since signing in."""

    message_key = "err.account_changed"


class Context:
    def __init__(
        self,
        db_path: str | Path,
        *,
        lang: str = "en",
        today: date | None = None,
        user: dict | None = None,
        analytics: Any = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.lang = normalize(lang)
        self._today = today
        self.user = user
        self.is_demo = False
        self._conn: sqlite3.Connection | None = None
        self._inode: int | None = None
        self._analytics = analytics
        self._analytics_failed = False
        self._listeners: list[Callable[[str, object], None]] = []
        # called (once the form shows why) when the store no longer holds the signed-in person as
        # they signed in; the app ends the session
        self.on_account_changed: Callable[[], None] | None = None

    # --- time, language, user -------------------------------------------------------------------

    def today(self) -> date:
        return self._today or date.today()

    @property
    def role(self) -> str | None:
        return self.user["role"] if self.user else None

    @property
    def username(self) -> str:
        return self.user["username"] if self.user else "system"

    def can(self, action: str) -> bool:
        return users.can(self.role, action)

    def require(self, action: str) -> None:
        if not self.can(action):
            raise PermissionDenied(action)

    def still_signed_in(self, conn: sqlite3.Connection | None = None) -> bool:
        """Does the store still hold the signed-in person as they signed in (active, same role)?
        True when nobody is signed in."""
        if self.user is None:
            return True
        return sessions.current_user(conn or self.conn(), self.user) is not None

    def _check_user(self, conn: sqlite3.Connection, action: str | None) -> None:
        if self.user is not None and not self.still_signed_in(conn):
            raise AccountChanged(action or "read")
        if action:
            self.require(action)

    # --- data -------------------------------------------------------------------------------------

    def conn(self) -> sqlite3.Connection:
        """The kernel's connection to the store (opened once; never migrates: `themoon serve` did)."""
        try:
            inode = os.stat(self.db_path).st_ino
        except FileNotFoundError:
            raise FileNotFoundError(self.db_path) from None
        if self._conn is not None and inode != self._inode:  # replaced (a restore): reopen
            self._conn.close()
            self._conn = None
        if self._conn is None:
            self._conn = db.connect(self.db_path, migrate=False)
            self._inode = inode
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._analytics is not None:
            try:
                self._analytics.close()
            except Exception:
                pass
            self._analytics = None

    def analytics(self):
        """The DuckDB analytics over the store (themoon.analytics), brought up to date; None when it
        cannot run here (the caller then reads through the store API)."""
        if self._analytics is None and not self._analytics_failed:
            try:
                from ..analytics import Analytics

                self._analytics = Analytics(self.db_path)
            except Exception:
                self._analytics_failed = True
                report_unexpected("analytics.load", self.username)
                return None
        if self._analytics is not None:
            try:
                self._analytics.refresh()
            except Exception:
                report_unexpected("analytics.refresh", self.username)
        return self._analytics

    def green_costs(self, on: date) -> dict:
        """Moving-average green ₩/kg of every bean on a day: `Analytics.green_costs_per_kg` (equal to
        `costs.green_costs_per_kg`, and fast on a big store), else the store's."""
        analytics = self.analytics()
        if analytics is not None:
            return analytics.green_costs_per_kg(on)
        from .. import price_list as costs

        return costs.green_costs_per_kg(self.conn(), on)

    def stock(self) -> list[dict]:
        """Stock of every bean after everything recorded, as `inventory.stock` rows (from the
        analytics engine when it runs: same numbers, fast on a big store)."""
        analytics = self.analytics()
        if analytics is None:
            from .. import inventory

            return inventory.stock(self.conn())
        return [
            {
                "bean": r["code"],
                "bean_id": int(r["bean_id"]),
                "name_en": r["name_en"],
                "name_ko": r["name_ko"],
                "stock_g": int(r["stock_g"]),
                "avg_cost_per_kg_won": None
                if r["avg_cost_per_kg_won"] is None or r["avg_cost_per_kg_won"] != r["avg_cost_per_kg_won"]
                else int(r["avg_cost_per_kg_won"]),
                "value_won": int(r["value_won"]),
                "reorder_point_g": int(r["reorder_point_g"]),
                "low": bool(r["low"]),
            }
            for r in analytics.stock().to_dict("records")
        ]

    # --- change notification -----------------------------------------------------------------------

    def subscribe(self, listener: Callable[[str, object], None]) -> None:
        self._listeners.append(listener)

    def changed(self, what: str, origin: object = None) -> None:
        """Data changed (`what`: batches, stock, catalog, settings, menu, users): tell every tab
        (but `origin`, which redraws itself)."""
        for listener in list(self._listeners):
            try:
                listener(what, origin)
            except Exception:
                report_unexpected(f"changed.{what}", self.username)

    # --- running an action -------------------------------------------------------------------------

    def run(
        self,
        form: Form | None,
        fn: Callable[[], Any],
        *,
        action: str | None = None,
        where: str = "action",
    ) -> tuple[bool, Any]:
        """Run a callback's work: the signed-in person re-read from the store and the role checked
        for `action` first (for a write, inside the same transaction as the write), ValidationError
        shown next to its field, anything unexpected logged and shown as a friendly line.
        Returns (ok, result)."""
        changed: list[bool] = []

        def work() -> Any:
            try:
                if action in WRITE_ACTIONS and threading.current_thread() is threading.main_thread():
                    conn = self.conn()
                    with db.transaction(conn):  # the store API's own transaction joins this one
                        self._check_user(conn, action)
                        return fn()
                if self.user is not None and threading.current_thread() is not threading.main_thread():
                    conn = db.connect(self.db_path, migrate=False)  # a worker: its own connection
                    try:
                        self._check_user(conn, action)
                    finally:
                        conn.close()
                elif self.user is not None or action:
                    self._check_user(self.conn(), action)
            except AccountChanged:
                changed.append(True)
                raise
            return fn()

        result = guarded(lang=lambda: self.lang, user=lambda: self.username, form=form, where=where, fn=work)
        if changed and self.on_account_changed is not None:
            self.on_account_changed()
        return result

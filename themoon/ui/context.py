"""What every tab shares: the database, the signed-in user and role, the language, "today",
the analytics engine, and the news that data changed (so other tabs redraw).

A tab never writes SQL: its model calls the store API with `ctx.conn()` inside `ctx.run(...)`,
which re-reads the signed-in person from the store (active, same role: `sessions.current_user`)
and checks the role (`users.can`) inside the action's own transaction, hands back what happened
as a `Result` (themoon/ui/results.py) and, once a write went through, tells the other tabs. A
person deactivated or given another role since signing in is refused (nothing written) and their
page ends its session (`on_account_changed`).
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
from .forms import PermissionDenied, report_unexpected
from .i18n import normalize
from .reads import EngineReads, Reads, StoreReads
from .remote_reads import RemoteReads, engine_folder
from .results import Result, caught

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
        self._reads: Reads | None = None
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
        if isinstance(self._reads, RemoteReads):
            self._reads.close()
        if self._analytics is not None:
            try:
                self._analytics.close()
            except Exception:
                pass
            self._analytics = None

    def analytics(self):
        """The DuckDB analytics over the store (themoon.analytics), brought up to date; None when it
        cannot run here. Tabs read through `reads`, never this."""
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

    @property
    def reads(self) -> Reads:
        """The one read interface of the tabs (themoon/ui/reads.py), chosen once: the server's
        shared analytics engine when the kernel was started with one (themoon/ui/remote_reads.py),
        else an engine of this kernel's own when it starts here, else the store API with the same
        return shapes."""
        if self._reads is None:
            folder = engine_folder()
            if folder is not None and self._analytics is None:
                self._reads = RemoteReads(folder, fallback=self._own_reads)
                log.info("ui reads: the shared analytics engine")
            else:
                self._reads = self._own_reads()
        return self._reads

    def _own_reads(self) -> Reads:
        reads: Reads = EngineReads(lambda: self.analytics()) if self.analytics() is not None else StoreReads(self.conn)
        log.info("ui reads: %s", "analytics engine" if reads.engine else "store only")
        return reads

    def fingerprint(self) -> Any:
        """What tells the app built ahead that the store changed meanwhile (None: not known)."""
        if self._analytics is not None:
            return self._analytics.fingerprint()
        if isinstance(self._reads, RemoteReads):
            return self._reads.fingerprint()
        return None

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
        fn: Callable[[], Any],
        *,
        action: str | None = None,
        where: str = "action",
        changes: str | None = None,
        origin: object = None,
    ) -> Result:
        """The one way a tab's model runs an action: the signed-in person re-read from the store
        and the role checked for `action` first (for a write, inside the same transaction as the
        write), then `fn()`; what went wrong comes back in the Result (a ValidationError naming
        its field, a refusal, anything unexpected logged and said as a friendly line). Once it
        went through, `changes` (a kind of data) is announced to the tabs, but `origin`'s."""
        changed: list[bool] = []
        result = caught(lambda: self._checked(fn, action, changed), where=where, user=lambda: self.username)
        if changed and self.on_account_changed is not None:
            self.on_account_changed()
        if result.ok and changes:
            self.changed(changes, origin)
        return result

    def correct_action(self) -> str:
        """The role check for editing or deleting an entry: the owner's, or staff's own-entries one
        (the store then checks the entry is theirs and of today: `users.require_correction`)."""
        return "edit_batch" if self.can("edit_batch") else "correct_own"

    def _checked(self, fn: Callable[[], Any], action: str | None, changed: list[bool]) -> Any:
        """`fn()` after the signed-in person and the role were checked (a write: in one transaction)."""
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

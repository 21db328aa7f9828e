"""Sign-in limits, the first-run setup code and the demo's automatic sign-in, kept in the store.

A dashboard page is a kernel, and a reload is a new kernel: anything a kernel remembers about
failed sign-ins is forgotten by the next page. So failures are counted here, in the database, per
username and per client address (`signin_limits`): after `free_failures` each further failure
makes the next attempt wait longer (delay_s, doubled each time), and at `max_failures` the key is
locked for `lockout_s`. A success clears the keys it used; the owner clears a lockout with
`themoon user unlock`. Failures and lockouts are audited (audit_log) and logged.

Creating the first owner needs a setup code (`issue_setup_code`): printed by `themoon init` and
`themoon serve` to the console and the log, kept only as a SHA-256, single-use, expiring, compared
in constant time, and rate-limited by the same counters (per address, and for the code as a whole).

Settings (environment): THEMOON_SIGNIN_MAX_FAILURES (10), THEMOON_SIGNIN_LOCKOUT_S (900),
THEMOON_SIGNIN_DELAY_S (2), THEMOON_SETUP_CODE_MINUTES (60).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import os
import secrets
import sqlite3
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import audit, users
from .db import transaction
from .models import ValidationError

FREE_FAILURES = 3
SETUP_CODE_MINUTES = 60
# No 0/O, 1/I/L: a code read from a terminal and typed on a tablet.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_GROUPS, _CODE_GROUP_LEN = 3, 4
SETUP_KEY = ("setup", "first-run")
ANONYMOUS = "anonymous"
log = logging.getLogger("themoon.signin")


@dataclass(frozen=True)
class Limits:
    max_failures: int = 10
    lockout_s: float = 900.0
    delay_s: float = 2.0
    free_failures: int = FREE_FAILURES

    def wait_after(self, failures: int) -> float:
        """How long a key waits after its `failures`-th failure in a row."""
        if failures >= self.max_failures:
            return self.lockout_s
        if failures < self.free_failures:
            return 0.0
        return min(self.delay_s * 2 ** (failures - self.free_failures), self.lockout_s)


def limits(env: Mapping[str, str] | None = None) -> Limits:
    """The limits from the environment (a value that is not a number ≥ 0 is ignored, and logged)."""
    env = os.environ if env is None else env
    default = Limits()
    return Limits(
        max_failures=max(1, int(_number(env.get("THEMOON_SIGNIN_MAX_FAILURES"), "max_failures", default.max_failures))),
        lockout_s=_number(env.get("THEMOON_SIGNIN_LOCKOUT_S"), "lockout_s", default.lockout_s),
        delay_s=_number(env.get("THEMOON_SIGNIN_DELAY_S"), "delay_s", default.delay_s),
    )


def _number(text: str | None, name: str, default: float) -> float:
    """A number ≥ 0 from a setting, else the default (and a warning naming the setting)."""
    text = (text or "").strip()
    if not text:
        return float(default)
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        log.warning("ignored sign-in limit %s=%r (expected a number ≥ 0)", name, text)
        return float(default)
    return value


def normalize_address(address: Any) -> str:
    """An IP address as text, or 'unknown' (the value comes through HTTP headers: never trusted)."""
    text = str(address or "").strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return "unknown"


def _username_key(username: Any) -> str:
    return (str(username or "").strip().lower() or "-")[:100]


def keys_for(username: Any, address: Any) -> list[tuple[str, str]]:
    return [("username", _username_key(username)), ("address", normalize_address(address))]


def wait_seconds(conn: sqlite3.Connection, keys: Iterable[tuple[str, str]], *, now: float | None = None) -> int:
    """Whole seconds before any of `keys` may try again (0: now)."""
    now = time.time() if now is None else now
    longest = 0.0
    for kind, key in keys:
        row = conn.execute("SELECT blocked_until FROM signin_limits WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        if row is not None:
            longest = max(longest, row[0] - now)
    return math.ceil(longest) if longest > 0 else 0


def record_failure(
    conn: sqlite3.Connection,
    keys: Iterable[tuple[str, str]],
    *,
    what: str,
    details: dict[str, Any],
    now: float | None = None,
    rules: Limits | None = None,
) -> int:
    """Count one failure on every key (one transaction, audited); returns the wait it caused (s)."""
    now = time.time() if now is None else now
    rules = rules or limits()
    keys = list(keys)
    counts: dict[str, int] = {}
    longest = 0.0
    with transaction(conn):
        for kind, key in keys:
            row = conn.execute("SELECT failures FROM signin_limits WHERE kind = ? AND key = ?", (kind, key)).fetchone()
            failures = (row[0] if row else 0) + 1
            if failures > rules.max_failures:  # a lockout served: start counting again from there
                failures = rules.max_failures
            wait = rules.wait_after(failures)
            longest = max(longest, wait)
            conn.execute(
                "INSERT INTO signin_limits (kind, key, failures, last_failure, blocked_until) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (kind, key) DO UPDATE SET failures = excluded.failures,"
                " last_failure = excluded.last_failure, blocked_until = excluded.blocked_until",
                (kind, key, failures, now, now + wait if wait else 0),
            )
            counts[f"{kind}:{key}"] = failures
        locked = any(n >= rules.max_failures for n in counts.values())
        new = {**details, "failures": counts, "wait_s": int(longest), "locked": locked}
        audit.record(conn, ANONYMOUS, "create", what, None, None, new)
    _event(f"{what}.locked" if locked else what, logging.WARNING, **details, wait_s=int(longest))
    return math.ceil(longest)


def record_success(conn: sqlite3.Connection, keys: Iterable[tuple[str, str]]) -> None:
    """A right password or code: its keys start from zero again."""
    with transaction(conn):
        for kind, key in keys:
            conn.execute("DELETE FROM signin_limits WHERE kind = ? AND key = ?", (kind, key))


def blocked(conn: sqlite3.Connection, *, now: float | None = None) -> list[dict]:
    """Every counted key: kind, key, failures, seconds left (0: counted, not waiting)."""
    now = time.time() if now is None else now
    rows = conn.execute(
        "SELECT kind, key, failures, last_failure, blocked_until FROM signin_limits ORDER BY kind, key"
    ).fetchall()
    return [
        {
            "kind": r["kind"],
            "key": r["key"],
            "failures": r["failures"],
            "last_failure": _iso(r["last_failure"]),
            "wait_s": math.ceil(r["blocked_until"] - now) if r["blocked_until"] > now else 0,
        }
        for r in rows
    ]


def unlock(
    conn: sqlite3.Connection,
    *,
    username: Any = None,
    address: Any = None,
    everything: bool = False,
    user: str = "cli",
) -> int:
    """Clear the counters of a username, an address, or all of them (audited); returns how many."""
    if not everything and username is None and address is None:
        raise ValidationError("username", "error.name_a_username_an_address_or")
    where, params = [], []
    if username is not None:
        where.append("(kind = 'username' AND key = ?)")
        params.append(_username_key(username))
    if address is not None:
        text = str(address).strip()
        where.append("(kind = 'address' AND key = ?)")
        params.append(normalize_address(text) if text != "unknown" else "unknown")
    sql_where = "1 = 1" if everything else " OR ".join(where)
    with transaction(conn):
        old = [
            dict(r) for r in conn.execute(f"SELECT kind, key, failures FROM signin_limits WHERE {sql_where}", params)
        ]
        if everything:
            conn.execute("DELETE FROM signin_limits WHERE kind IN ('username', 'address', 'setup')")
        else:
            conn.execute(f"DELETE FROM signin_limits WHERE {sql_where}", params)
        if old:
            audit.record(conn, str(user)[:40], "delete", "signin_lockout", None, {"cleared": old}, None)
    return len(old)


# --- signing in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """What a sign-in attempt came to: the user, or why not (`wait_s` > 0: refused unchecked)."""

    user: dict | None
    wait_s: int = 0


def sign_in(
    conn: sqlite3.Connection, username: Any, password: Any, *, address: Any, now: float | None = None
) -> Attempt:
    """`users.authenticate` behind the limits: a waiting key is refused before any password check
    (a right password does not open a locked account); a failure is counted; a success clears."""
    keys = keys_for(username, address)
    wait = wait_seconds(conn, keys, now=now)
    if wait:
        return Attempt(None, wait)
    user = users.authenticate(conn, username, password)
    if user is None:
        details = {"username": str(username or "")[:40], "address": normalize_address(address)}
        record_failure(conn, keys, what="signin_failure", details=details, now=now)
        return Attempt(None, 0)
    record_success(conn, keys)
    return Attempt(user, 0)


# --- the first-run setup code --------------------------------------------------------------------------


def _hash_code(code: Any) -> str:
    text = "".join(ch for ch in str(code or "").upper() if ch.isalnum())
    return hashlib.sha256(text.encode()).hexdigest()


def setup_code_minutes(env: Mapping[str, str] | None = None) -> float:
    env = os.environ if env is None else env
    text = (env.get("THEMOON_SETUP_CODE_MINUTES") or "").strip()
    try:
        value = float(text) if text else SETUP_CODE_MINUTES
        return value if 0 < value < 10**6 else SETUP_CODE_MINUTES
    except ValueError:
        return SETUP_CODE_MINUTES


def issue_setup_code(conn: sqlite3.Connection, *, now: float | None = None) -> str | None:
    """A new one-time code for creating the first owner (None when an owner exists). Every code
    issued stays valid until it expires or any code is used; only its SHA-256 is stored."""
    now = time.time() if now is None else now
    if users.has_owner(conn):
        return None
    code = "-".join(
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_GROUP_LEN)) for _ in range(_CODE_GROUPS)
    )
    with transaction(conn):
        conn.execute("DELETE FROM setup_codes WHERE expires_at <= ? OR used_at IS NOT NULL", (now,))
        conn.execute(
            "INSERT INTO setup_codes (code_hash, created_at, expires_at) VALUES (?, ?, ?)",
            (_hash_code(code), now, now + setup_code_minutes() * 60),
        )
    return code


def announce_setup_code(conn: sqlite3.Connection, db_label: str) -> str | None:
    """Issue a code and print it to stderr and the log (what `themoon init` and `serve` do)."""
    code = issue_setup_code(conn)
    if code is None:
        return None
    minutes = setup_code_minutes()
    print(
        f"themoon: no owner yet in {db_label}. First-run setup code: {code}\n"
        f"themoon: enter it on the dashboard's 'create the owner account' page within {minutes:g} minutes "
        "(it works once; `themoon init` prints a new one). Or: themoon user add --role owner ...",
        file=sys.stderr,
        flush=True,
    )
    try:
        from .ops import logs

        logs.setup()
        logs.event("setup_code.issued", logging.WARNING, logger="signin", code=code, minutes=minutes, db=db_label)
    except Exception:  # the console has it; a log problem must not stop init or serve
        pass
    return code


def _matching_code(conn: sqlite3.Connection, code: Any, now: float) -> int | None:
    """The id of the live code that `code` is, compared in constant time against every live one."""
    given = _hash_code(code)
    found = None
    for row in conn.execute("SELECT id, code_hash FROM setup_codes WHERE used_at IS NULL AND expires_at > ?", (now,)):
        if hmac.compare_digest(given, row["code_hash"]) and found is None:
            found = row["id"]
    return found


def create_first_owner(
    conn: sqlite3.Connection,
    *,
    setup_code: Any,
    address: Any,
    username: Any,
    password: Any,
    password_repeat: Any,
    display_name: Any = "",
    now: float | None = None,
) -> int:
    """The first owner, for whoever holds a live setup code. A wrong code is counted (per address and
    for the code as a whole) and refused; the right one is used up in the same transaction that
    creates the owner, so it works once; a refused password leaves it usable."""
    now = time.time() if now is None else now
    keys = [("address", normalize_address(address)), SETUP_KEY]
    wait = wait_seconds(conn, keys, now=now)
    if wait:
        raise ValidationError(
            "setup_code",
            "error.too_many_wrong_codes_try_again",
            wait=wait,
        )
    if not str(setup_code or "").strip() or _matching_code(conn, setup_code, now) is None:
        if str(setup_code or "").strip():
            record_failure(
                conn, keys, what="setup_code_failure", details={"address": normalize_address(address)}, now=now
            )
        raise ValidationError(
            "setup_code",
            "error.is_not_a_valid_setup_code",
        )
    with transaction(conn):
        code_id = _matching_code(conn, setup_code, now)
        used = conn.execute(
            "UPDATE setup_codes SET used_at = ? WHERE id = ? AND used_at IS NULL", (now, code_id)
        ).rowcount
        if not used:
            raise ValidationError("setup_code", "error.was_used_meanwhile")
        user_id = users.create_first_owner(
            conn, username=username, password=password, password_repeat=password_repeat, display_name=display_name
        )
        conn.execute("UPDATE setup_codes SET used_at = ? WHERE used_at IS NULL", (now,))
        audit.record(conn, str(username)[:40], "update", "setup_code", code_id, None, {"used": True})
    record_success(conn, keys[:1])
    return user_id


# --- the demo's automatic sign-in ------------------------------------------------------------------------


def demo_autologin(conn: sqlite3.Connection) -> bool:
    """False once someone signed out of the demo (see `stop_demo_autologin`)."""
    row = conn.execute("SELECT value FROM auth_flags WHERE name = 'demo_autologin'").fetchone()
    return row is None or row[0] != "off"


def stop_demo_autologin(conn: sqlite3.Connection, user: str) -> None:
    """Someone signed out of the demo: from now on every page asks who is there (on a shared
    tablet the next person must not find the owner signed in). `themoon demo --force` starts over."""
    with transaction(conn):
        if demo_autologin(conn):
            conn.execute(
                "INSERT INTO auth_flags (name, value) VALUES ('demo_autologin', 'off')"
                " ON CONFLICT (name) DO UPDATE SET value = 'off'"
            )
            audit.record(conn, str(user)[:40], "update", "demo_autologin", None, {"value": "on"}, {"value": "off"})


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    try:
        from .ops import logs

        logs.event(name, level, logger="signin", **fields)
    except Exception:  # logging never stops a sign-in
        pass

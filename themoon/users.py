"""People who sign in: argon2-hashed passwords and the three roles."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import audit
from .db import transaction
from .models import ValidationError, parse_choice, parse_code, parse_text

ROLES = ("owner", "staff", "viewer")
MIN_PASSWORD = 4
_hasher = PasswordHasher()

# What each role may do; the dashboard and the CLI ask `can(role, action)`.
PERMISSIONS = {
    "owner": {
        "read",
        "log_batch",
        "edit_batch",
        "purchase",
        "stocktake",
        "catalog",
        "settings",
        "users",
        "import",
        "resolve_alert",
        "report",  # run a report now (dashboard)
        "export",  # download the whole store (Excel / CSV exports)
        "correct_own",  # (the owner corrects any entry: edit_batch)
    },
    # correct_own: edit or delete a batch, purchase or stocktake they entered themselves today
    "staff": {"read", "log_batch", "purchase", "stocktake", "report", "correct_own"},
    "viewer": {"read"},
}


def can(role: str | None, action: str) -> bool:
    return action in PERMISSIONS.get(role or "", set())


# The records staff may correct (audit entity → what the owner needs to change any of them).
CORRECTABLE = {"roast_batch": "edit_batch", "purchase": "edit_batch", "stock_adjustment": "edit_batch"}


def entry_author(conn: sqlite3.Connection, entity: str, entity_id: int) -> tuple[str | None, date | None]:
    """Who created the record and on which (local) day, from its newest `create` audit entry (ids
    of deleted rows can be reused; the newest creation is the record that exists now)."""
    row = conn.execute(
        "SELECT username, at FROM audit_log WHERE entity = ? AND entity_id = ? AND action = 'create'"
        " ORDER BY id DESC LIMIT 1",
        (entity, entity_id),
    ).fetchone()
    if row is None:
        return None, None
    moment = datetime.fromisoformat(row["at"]).replace(tzinfo=UTC).astimezone()
    return row["username"], moment.date()


def may_correct(
    conn: sqlite3.Connection, *, username: str, role: str | None, entity: str, entity_id: int, today: date | None = None
) -> bool:
    """The owner may edit or delete any batch, purchase or stocktake; staff only their own
    entries, and only on the day they made them (a typo need not wait for the owner)."""
    if entity not in CORRECTABLE:
        return False
    if can(role, CORRECTABLE[entity]):
        return True
    if not can(role, "correct_own"):
        return False
    author, made_on = entry_author(conn, entity, entity_id)
    return author is not None and author == username and made_on == (today or date.today())


def require_correction(
    conn: sqlite3.Connection, *, username: str, role: str | None, entity: str, entity_id: int, today: date | None = None
) -> None:
    """ValidationError unless `may_correct` (the store API calls this inside its transaction)."""
    if not may_correct(conn, username=username, role=role, entity=entity, entity_id=entity_id, today=today):
        raise ValidationError(
            "user",
            "error.staff_can_correct_only_their_own",
        )


def hash_password(password: Any) -> str:
    text = "" if password is None else str(password)
    if len(text) < MIN_PASSWORD:
        raise ValidationError("password", "error.must_be_at_least_characters", minimum=MIN_PASSWORD)
    if len(text) > 200:
        raise ValidationError("password", "error.must_be_at_most_200_characters")
    return _hasher.hash(text)


def add_user(
    conn: sqlite3.Connection,
    *,
    username: Any,
    password: Any,
    role: Any,
    display_name: Any = "",
    user: str = "system",
) -> int:
    row = {
        "username": parse_code("username", username),
        "display_name": parse_text("display_name", display_name, max_len=80),
        "role": parse_choice("role", role, ROLES),
        "password_hash": hash_password(password),
    }
    with transaction(conn):
        if conn.execute("SELECT 1 FROM users WHERE username = ?", (row["username"],)).fetchone():
            raise ValidationError("username", "error.is_already_taken")
        user_id = conn.execute(
            "INSERT INTO users (username, display_name, role, password_hash)"
            " VALUES (:username, :display_name, :role, :password_hash)",
            row,
        ).lastrowid
        audit.record(
            conn, user, "create", "user", user_id, None, {k: v for k, v in row.items() if k != "password_hash"}
        )
    return user_id


def authenticate(conn: sqlite3.Connection, username: Any, password: Any) -> dict | None:
    """The active user whose password matches, else None (same answer for unknown users)."""
    row = conn.execute(
        "SELECT id, username, display_name, role, password_hash FROM users WHERE username = ? AND active = 1",
        (str(username or "").strip(),),
    ).fetchone()
    if row is None:
        _hasher.hash("timing-equaliser")
        return None
    try:
        _hasher.verify(row["password_hash"], str(password or ""))
    except (VerificationError, InvalidHashError):
        return None
    return {k: row[k] for k in ("id", "username", "display_name", "role")}


def update_user(
    conn: sqlite3.Connection,
    username: Any,
    *,
    user: str = "system",
    role: Any = None,
    password: Any = None,
    active: bool | None = None,
) -> None:
    with transaction(conn):
        old = conn.execute(
            "SELECT id, username, role, active FROM users WHERE username = ?", (str(username),)
        ).fetchone()
        if old is None:
            raise ValidationError("username", "error.unknown_user", username=username)
        changes: dict[str, Any] = {}
        if role is not None:
            changes["role"] = parse_choice("role", role, ROLES)
        if password is not None:
            changes["password_hash"] = hash_password(password)
        if active is not None:
            changes["active"] = int(bool(active))
        for column, value in changes.items():
            conn.execute(f"UPDATE users SET {column} = ? WHERE id = ?", (value, old["id"]))
        owners = conn.execute("SELECT COUNT(*) FROM users WHERE role = 'owner' AND active = 1").fetchone()[0]
        if owners == 0:
            raise ValidationError("role", "error.the_last_owner_cannot_be_removed")
        audit.record(
            conn,
            user,
            "update",
            "user",
            old["id"],
            dict(old),
            {k: v for k, v in changes.items() if k != "password_hash"},
        )


def list_users(conn: sqlite3.Connection) -> list[dict]:
    return [
        dict(r)
        for r in conn.execute("SELECT id, username, display_name, role, active, created_at FROM users ORDER BY id")
    ]


def has_owner(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM users WHERE role = 'owner' AND active = 1").fetchone() is not None


def create_first_owner(
    conn: sqlite3.Connection, *, username: Any, password: Any, password_repeat: Any, display_name: Any = ""
) -> int:
    """The first run's owner account. The check that no owner exists and the insert share one
    write transaction, so two first-run pages opened at once cannot both create an owner."""
    if password != password_repeat:
        raise ValidationError("password_repeat", "error.does_not_match_the_password")
    with transaction(conn):
        if has_owner(conn):
            raise ValidationError("username", "error.an_owner_already_exists_sign_in")
        return add_user(
            conn,
            username=username,
            password=password,
            role="owner",
            display_name=display_name,
            user=str(username or "system")[:40],
        )

"""Sessions in the store: the owner's idle timeout (app_settings, migration 0003), who is still
signed in as they signed in, and the CLI that changes both — seen from other processes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from themoon import db, sessions, users
from themoon.models import ValidationError


def themoon(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "themoon.cli", *args], input=stdin, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def store(db_path):
    conn = db.connect(db_path)
    users.add_user(conn, username="owner", password="moon", role="owner")
    users.add_user(conn, username="minji", password="moon", role="staff")
    yield conn
    conn.close()


def test_idle_minutes_default_to_30_and_are_bounded(store, db_path):
    assert sessions.idle_minutes(store) == 30
    assert sessions.set_idle_minutes(store, "12", user="owner") == 12
    for bad in ("-1", "1441", "ten", "1.5", "", None, "1e999999"):
        with pytest.raises(ValidationError) as refused:
            sessions.set_idle_minutes(store, bad)
        assert refused.value.field == "idle_minutes"
    assert sessions.set_idle_minutes(store, 0) == 0  # never
    out = themoon("settings", "session", "--db", str(db_path), "--json")
    assert out.returncode == 0 and json.loads(out.stdout) == {"idle_minutes": 0}
    assert store.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'app_setting'").fetchone()[0] == 2


def test_cli_sets_idle_minutes_seen_by_another_process(store, db_path):
    assert themoon("settings", "session", "--db", str(db_path), "--idle-minutes", "45").returncode == 0
    check = subprocess.check_output(
        [sys.executable, "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
         "print(c.execute(\"SELECT value FROM app_settings WHERE key='session_idle_minutes'\").fetchone()[0])",
         str(db_path)], text=True)  # fmt: skip
    assert check.strip() == "45"
    refused = themoon("settings", "session", "--db", str(db_path), "--idle-minutes", "99999")
    assert refused.returncode == 2 and "idle_minutes" in refused.stderr and "Traceback" not in refused.stderr


def test_current_user_sees_changes_made_by_another_process(store, db_path):
    minji = users.authenticate(store, "minji", "moon")
    assert sessions.current_user(store, minji) == minji
    assert themoon("user", "set", "--db", str(db_path), "--username", "minji", "--role", "viewer").returncode == 0
    assert sessions.current_user(store, minji) is None  # demoted
    viewer = {**minji, "role": "viewer"}
    assert sessions.current_user(store, viewer) == viewer
    assert themoon("user", "set", "--db", str(db_path), "--username", "minji", "--inactive").returncode == 0
    assert sessions.current_user(store, viewer) is None  # deactivated
    listed = json.loads(themoon("user", "list", "--db", str(db_path), "--json").stdout)
    assert [(u["username"], u["role"], u["active"]) for u in listed] == [("owner", "owner", 1), ("minji", "viewer", 0)]
    assert "password_hash" not in listed[0]


def test_user_set_refuses_removing_the_last_owner(store, db_path):
    out = themoon("user", "set", "--db", str(db_path), "--username", "owner", "--role", "staff")
    assert out.returncode == 2 and "last owner" in out.stderr
    assert users.list_users(store)[0]["role"] == "owner"
    assert themoon("user", "set", "--db", str(db_path), "--username", "nobody", "--active").returncode == 2

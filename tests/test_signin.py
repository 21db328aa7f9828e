"""Sign-in limits, first-run setup codes and the demo's sign-out, in the store (themoon.signin).

Counts live in the database, so they are checked from another process (the `themoon` CLI or a
plain sqlite3 subprocess): a reload is a new kernel, a restart a new server; only the store is
shared. The browser tests (tests/test_signin_browser.py) drive the same through a served page.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import subprocess
import sys

import pytest

from themoon import audit, db, signin, users
from themoon.models import ValidationError

NOW = 1_800_000_000.0
ADDRESS = "203.0.113.7"
SQL_ONE = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])"


@pytest.fixture(autouse=True)
def _reset_logs():
    yield
    from themoon.ops import logs

    logs.reset()


@pytest.fixture
def store(tmp_path, monkeypatch):
    for name in ("THEMOON_SIGNIN_MAX_FAILURES", "THEMOON_SIGNIN_LOCKOUT_S", "THEMOON_SIGNIN_DELAY_S"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "store.db"
    conn = db.connect(path)
    yield path, conn
    conn.close()


@pytest.fixture
def fast_hash(monkeypatch):
    """users.authenticate without argon2's deliberate slowness (the limits are what is tested)."""
    monkeypatch.setattr(users, "authenticate", lambda conn, u, p: {"id": 1, "username": u} if p == "moon" else None)


def other_process(path, sql: str) -> str:
    return subprocess.check_output([sys.executable, "-c", SQL_ONE, str(path), sql], text=True).strip()


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "themoon.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


# --- the limits -----------------------------------------------------------------------------------


def test_delays_grow_then_a_lockout_window():
    rules = signin.Limits(max_failures=10, lockout_s=900, delay_s=2)
    waits = [rules.wait_after(n) for n in range(1, 12)]
    assert waits == [0, 0, 2, 4, 8, 16, 32, 64, 128, 900, 900]
    assert signin.Limits(max_failures=10, lockout_s=20, delay_s=2).wait_after(9) == 20  # never above the window


def test_limits_come_from_the_environment_and_bad_values_are_ignored():
    env = {"THEMOON_SIGNIN_MAX_FAILURES": "5", "THEMOON_SIGNIN_LOCKOUT_S": "30", "THEMOON_SIGNIN_DELAY_S": "0"}
    assert signin.limits(env) == signin.Limits(max_failures=5, lockout_s=30, delay_s=0)
    bad = {"THEMOON_SIGNIN_MAX_FAILURES": "-1", "THEMOON_SIGNIN_LOCKOUT_S": "soon", "THEMOON_SIGNIN_DELAY_S": "nan"}
    assert signin.limits(bad) == signin.Limits()


def test_failures_are_counted_in_the_store_per_username_and_address(store, fast_hash, monkeypatch):
    path, conn = store
    monkeypatch.setenv("THEMOON_SIGNIN_DELAY_S", "0")
    for n in range(1, 10):
        attempt = signin.sign_in(conn, "owner", "sun", address=ADDRESS, now=NOW + n)
        assert attempt.user is None and attempt.wait_s == 0  # refused as wrong, not as locked
    # another process sees the count (a reload or a restart reads the same)
    assert other_process(path, "SELECT failures FROM signin_limits WHERE kind = 'username' AND key = 'owner'") == "9"
    assert other_process(path, f"SELECT failures FROM signin_limits WHERE key = '{ADDRESS}'") == "9"
    signin.sign_in(conn, "owner", "sun", address=ADDRESS, now=NOW + 10)  # the tenth: locked
    locked = signin.sign_in(conn, "owner", "moon", address=ADDRESS, now=NOW + 11)
    assert locked.user is None and locked.wait_s == 899  # the right password does not open it
    # the same username from elsewhere is locked too; another username from the same address too
    assert signin.sign_in(conn, "OWNER ", "moon", address="198.51.100.1", now=NOW + 12).wait_s > 0
    assert signin.sign_in(conn, "staff", "moon", address=ADDRESS, now=NOW + 12).wait_s > 0
    # positive control: someone else, elsewhere, signs in meanwhile
    assert signin.sign_in(conn, "staff", "moon", address="198.51.100.1", now=NOW + 12).user is not None
    # after the window the right password works and clears both keys
    assert signin.sign_in(conn, "owner", "moon", address=ADDRESS, now=NOW + 10 + 901).user is not None
    assert other_process(path, "SELECT COUNT(*) FROM signin_limits") == "0"


def test_growing_delays_refuse_attempts_before_their_time(store, fast_hash):
    _, conn = store
    for _ in range(3):
        signin.sign_in(conn, "owner", "sun", address=ADDRESS, now=NOW)
    waiting = signin.sign_in(conn, "owner", "moon", address=ADDRESS, now=NOW + 1)
    assert waiting.user is None and waiting.wait_s == 1  # 2 s after the third failure
    assert signin.sign_in(conn, "owner", "moon", address=ADDRESS, now=NOW + 2.5).user is not None


def test_failures_and_lockouts_are_audited_and_the_owner_clears_them_from_the_cli(store, fast_hash, monkeypatch):
    path, conn = store
    monkeypatch.setenv("THEMOON_SIGNIN_DELAY_S", "0")
    for n in range(10):
        signin.sign_in(conn, "owner", "sun", address=ADDRESS, now=NOW + n)
    failures = audit.entries(conn, entity="signin_failure")
    assert len(failures) == 10 and failures[0]["username"] == "anonymous"
    newest = json.loads(failures[0]["new_json"])
    assert newest["username"] == "owner" and newest["address"] == ADDRESS and newest["locked"] is True
    # the owner looks, then lifts the lockout of the username only (another process)
    shown = cli("user", "locks", "--db", str(path), "--json")
    assert shown.returncode == 0, shown.stderr
    rows = {(r["kind"], r["key"]): r for r in json.loads(shown.stdout)}
    assert rows[("username", "owner")]["failures"] == 10
    done = cli("user", "unlock", "--db", str(path), "--username", "owner", "--user", "minji")
    assert done.returncode == 0 and "cleared 1" in done.stdout, done.stderr
    left = json.loads(cli("user", "locks", "--db", str(path), "--json").stdout)
    assert [(r["kind"], r["key"]) for r in left] == [("address", ADDRESS)]  # the address is still counted
    cleared = json.loads(audit.entries(conn, entity="signin_lockout")[0]["old_json"])
    assert cleared["cleared"][0]["key"] == "owner"
    assert cli("user", "unlock", "--db", str(path)).returncode == 2  # says what to name
    assert cli("user", "unlock", "--db", str(path), "--all").returncode == 0
    assert other_process(path, "SELECT COUNT(*) FROM signin_limits") == "0"


def test_addresses_are_never_taken_as_given():
    assert signin.normalize_address(" 203.0.113.7 ") == "203.0.113.7"
    assert signin.normalize_address("::ffff:1.2.3.4") == "::ffff:102:304"
    for hostile in ("", None, "'; DROP TABLE users; --", "1.2.3.4, 5.6.7.8", "x" * 500):
        assert signin.normalize_address(hostile) == "unknown"


# --- the first-run setup code -------------------------------------------------------------------------------


def owner_form(code: str, username: str = "minji") -> dict:
    return {
        "setup_code": code,
        "address": ADDRESS,
        "username": username,
        "password": "moonlight",
        "password_repeat": "moonlight",
    }


def test_the_setup_code_is_stored_hashed_works_once_and_never_again(store):
    path, conn = store
    code = signin.issue_setup_code(conn, now=NOW)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    stored = other_process(path, "SELECT code_hash FROM setup_codes")
    assert code not in stored and code.replace("-", "") not in stored and len(stored) == 64
    signin.create_first_owner(conn, **owner_form(code), now=NOW + 60)
    assert other_process(path, "SELECT username FROM users WHERE role = 'owner'") == "minji"
    with pytest.raises(ValidationError) as again:
        signin.create_first_owner(conn, **owner_form(code, "mallory"), now=NOW + 61)
    assert again.value.field == "setup_code"
    assert other_process(path, "SELECT COUNT(*) FROM users") == "1"
    assert signin.issue_setup_code(conn) is None  # an owner exists: no more codes


def test_a_wrong_or_expired_code_is_refused_and_counted(store, monkeypatch):
    path, conn = store
    monkeypatch.setenv("THEMOON_SIGNIN_DELAY_S", "0")
    code = signin.issue_setup_code(conn, now=NOW)
    with pytest.raises(ValidationError, match="not a valid setup code"):
        signin.create_first_owner(conn, **owner_form("AAAA-BBBB-CCCC"), now=NOW + 1)
    assert other_process(path, "SELECT failures FROM signin_limits WHERE kind = 'setup'") == "1"
    with pytest.raises(ValidationError, match="not a valid setup code"):  # 60 minutes by default
        signin.create_first_owner(conn, **owner_form(code), now=NOW + 3601)
    assert other_process(path, "SELECT COUNT(*) FROM users") == "0"
    # the limiter: ten wrong codes lock the first run (per address and for the code as a whole)
    for n in range(8):
        with pytest.raises(ValidationError):
            signin.create_first_owner(conn, **owner_form(f"WRNG-{n:04d}-CODE"), now=NOW + 2)
    with pytest.raises(ValidationError, match="too many wrong codes"):
        signin.create_first_owner(conn, **owner_form(code), now=NOW + 3)
    assert other_process(path, "SELECT COUNT(*) FROM users") == "0"
    assert len(audit.entries(conn, entity="setup_code_failure")) == 10
    # positive control: after the window a fresh code works
    fresh = signin.issue_setup_code(conn, now=NOW + 1000)
    signin.create_first_owner(conn, **{**owner_form(fresh), "address": "198.51.100.2"}, now=NOW + 1000)
    assert other_process(path, "SELECT COUNT(*) FROM users") == "1"


def test_a_refused_password_leaves_the_code_usable(store):
    path, conn = store
    code = signin.issue_setup_code(conn, now=NOW)
    with pytest.raises(ValidationError) as short:
        signin.create_first_owner(conn, **{**owner_form(code), "password": "abc", "password_repeat": "abc"}, now=NOW)
    assert short.value.field == "password"
    assert other_process(path, "SELECT COUNT(*) FROM setup_codes WHERE used_at IS NULL") == "1"
    signin.create_first_owner(conn, **owner_form(code), now=NOW + 1)
    assert other_process(path, "SELECT COUNT(*) FROM setup_codes WHERE used_at IS NULL") == "0"


def test_codes_are_compared_in_constant_time(store, monkeypatch):
    _, conn = store
    signin.issue_setup_code(conn, now=NOW)
    signin.issue_setup_code(conn, now=NOW)
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(signin.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    assert signin._matching_code(conn, "AAAA-BBBB-CCCC", NOW) is None
    assert len(calls) == 2  # every live code, with hmac.compare_digest


def test_init_prints_a_code_to_the_console_and_the_log(tmp_path):
    path, logs = tmp_path / "new.db", tmp_path / "logs"
    first = cli("init", "--db", str(path), env={"THEMOON_LOG_DIR": str(logs)})
    assert first.returncode == 0, first.stderr
    code = re.search(r"setup code: ([A-Z2-9-]{14})", first.stderr).group(1)
    assert f"code={code}" in (logs / "themoon.log").read_text()
    # the owner made at the command line needs no code; then init prints none
    add = subprocess.run(
        [sys.executable, "-m", "themoon.cli", "user", "add", "--db", str(path), "--username", "minji"]
        + ["--role", "owner", "--password-stdin"],
        input="moonlight\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert add.returncode == 0, add.stderr
    again = cli("init", "--db", str(path), env={"THEMOON_LOG_DIR": str(logs)})
    assert again.returncode == 0 and "setup code" not in again.stderr


# --- the demo's automatic sign-in ---------------------------------------------------------------------------


def test_signing_out_of_the_demo_is_remembered_and_audited(store):
    path, conn = store
    assert signin.demo_autologin(conn)
    signin.stop_demo_autologin(conn, "owner")
    signin.stop_demo_autologin(conn, "owner")  # twice: one audit row
    assert other_process(path, "SELECT value FROM auth_flags WHERE name = 'demo_autologin'") == "off"
    assert not signin.demo_autologin(conn)
    assert len(audit.entries(conn, entity="demo_autologin")) == 1

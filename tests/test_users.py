"""People who sign in: argon2 hashes, roles, the last owner (themoon.users)."""

from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher
from conftest import db_checksum

from themoon import audit, users
from themoon.models import ValidationError


@pytest.fixture
def owner(conn):
    users.add_user(conn, username="owner", password="moon-2025", role="owner", display_name="사장님")
    return conn


def test_password_is_stored_as_an_argon2_hash(owner):
    row = owner.execute("SELECT password_hash FROM users WHERE username = 'owner'").fetchone()
    assert row["password_hash"].startswith("$argon2id$")
    assert "moon-2025" not in row["password_hash"]
    assert PasswordHasher().verify(row["password_hash"], "moon-2025")
    # the audit trail never sees the hash or the password
    entry = audit.entries(owner, entity="user")[0]
    assert "password" not in entry["new_json"] and "moon-2025" not in entry["new_json"]
    assert json.loads(entry["new_json"])["role"] == "owner"


def test_the_same_password_hashes_differently():
    assert users.hash_password("moon-2025") != users.hash_password("moon-2025")


def test_authenticate(owner):
    found = users.authenticate(owner, "owner", "moon-2025")
    assert found == {"id": 1, "username": "owner", "display_name": "사장님", "role": "owner"}
    assert users.authenticate(owner, " owner ", "moon-2025")["username"] == "owner"
    assert users.authenticate(owner, "owner", "wrong") is None
    assert users.authenticate(owner, "owner", "") is None
    assert users.authenticate(owner, "owner", None) is None
    assert users.authenticate(owner, "nobody", "moon-2025") is None
    assert users.authenticate(owner, None, None) is None
    assert users.authenticate(owner, "' OR 1=1 --", "x") is None


def test_inactive_users_cannot_sign_in(owner):
    users.add_user(owner, username="barista", password="beans!", role="staff")
    assert users.authenticate(owner, "barista", "beans!")["role"] == "staff"
    users.update_user(owner, "barista", active=False)
    assert users.authenticate(owner, "barista", "beans!") is None


def test_change_password(owner):
    users.update_user(owner, "owner", password="new-moon")
    assert users.authenticate(owner, "owner", "moon-2025") is None
    assert users.authenticate(owner, "owner", "new-moon") is not None


def test_the_last_owner_cannot_be_removed(owner):
    before = db_checksum(owner)
    with pytest.raises(ValidationError, match="last owner"):
        users.update_user(owner, "owner", role="staff")
    with pytest.raises(ValidationError, match="last owner"):
        users.update_user(owner, "owner", active=False)
    assert db_checksum(owner) == before
    assert users.has_owner(owner)
    # with a second owner, the first may step down
    users.add_user(owner, username="partner", password="full-moon", role="owner")
    users.update_user(owner, "owner", role="staff")
    assert {u["username"]: u["role"] for u in users.list_users(owner)} == {"owner": "staff", "partner": "owner"}
    with pytest.raises(ValidationError):
        users.update_user(owner, "partner", active=False)


def test_add_user_validation(owner):
    before = db_checksum(owner)
    cases = [
        ({"username": "owner", "password": "abcd", "role": "staff"}, "username"),  # taken
        ({"username": "", "password": "abcd", "role": "staff"}, "username"),
        ({"username": "bad name", "password": "abcd", "role": "staff"}, "username"),
        ({"username": "x" * 41, "password": "abcd", "role": "staff"}, "username"),
        ({"username": "kim", "password": "abc", "role": "staff"}, "password"),
        ({"username": "kim", "password": None, "role": "staff"}, "password"),
        ({"username": "kim", "password": "x" * 201, "role": "staff"}, "password"),
        ({"username": "kim", "password": "abcd", "role": "admin"}, "role"),
        ({"username": "kim", "password": "abcd", "role": "staff", "display_name": "a\x00b"}, "display_name"),
    ]
    for values, field in cases:
        with pytest.raises(ValidationError) as caught:
            users.add_user(owner, **values)
        assert caught.value.field == field, values
    with pytest.raises(ValidationError) as caught:
        users.update_user(owner, "nobody", role="staff")
    assert caught.value.field == "username"
    with pytest.raises(ValidationError) as caught:
        users.update_user(owner, "owner", role="root")
    assert caught.value.field == "role"
    assert db_checksum(owner) == before


def test_list_users_hides_hashes(owner):
    listed = users.list_users(owner)
    assert listed[0]["username"] == "owner" and "password_hash" not in listed[0]


def test_has_owner(conn):
    assert not users.has_owner(conn)
    users.add_user(conn, username="viewer", password="look", role="viewer")
    assert not users.has_owner(conn)


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        ("owner", ["read", "log_batch", "edit_batch", "settings", "users", "import", "resolve_alert"], ["fly"]),
        ("staff", ["read", "log_batch", "purchase", "stocktake"], ["edit_batch", "settings", "users", "catalog"]),
        ("viewer", ["read"], ["log_batch", "purchase", "settings", "users"]),
        (None, [], ["read"]),
        ("admin", [], ["read"]),
    ],
)
def test_permissions(role, allowed, refused):
    for action in allowed:
        assert users.can(role, action), (role, action)
    for action in refused:
        assert not users.can(role, action), (role, action)


def test_roles_nest():
    assert users.PERMISSIONS["viewer"] < users.PERMISSIONS["staff"] < users.PERMISSIONS["owner"]
    assert set(users.ROLES) == set(users.PERMISSIONS)


def _first_owner_in_process(path: str, name: str, start, results) -> None:
    from themoon import db

    conn = db.connect(path, migrate=False)
    start.wait()
    try:
        users.create_first_owner(conn, username=name, password="moon-2025", password_repeat="moon-2025")
        results.put(("created", name))
    except ValidationError as error:
        results.put((error.field, name))
    finally:
        conn.close()


def test_first_owner_is_created_once_even_by_two_pages_at_once(tmp_path):
    """Two first-run pages submitted together: one owner, the other told to sign in."""
    import multiprocessing

    from themoon import db

    path = str(tmp_path / "themoon.db")
    db.connect(path).close()
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=_first_owner_in_process, args=(path, n, start, results)) for n in ("ann", "bob")]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(60)
    outcomes = sorted(results.get(timeout=5)[0] for _ in workers)
    assert outcomes == ["created", "username"]
    conn = db.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM users WHERE role = 'owner'").fetchone()[0] == 1
    conn.close()


def test_first_owner_refuses_a_mismatch_and_a_second_owner(conn):
    before = db_checksum(conn)
    with pytest.raises(ValidationError) as error:
        users.create_first_owner(conn, username="ann", password="moon-2025", password_repeat="moon-2026")
    assert error.value.field == "password_repeat" and db_checksum(conn) == before
    users.create_first_owner(conn, username="ann", password="moon-2025", password_repeat="moon-2025")
    assert users.authenticate(conn, "ann", "moon-2025")["role"] == "owner"
    with pytest.raises(ValidationError) as error:
        users.create_first_owner(conn, username="bob", password="moon-2025", password_repeat="moon-2025")
    assert error.value.field == "username"

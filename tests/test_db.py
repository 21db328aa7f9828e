"""Connections and schema migrations (themoon.db)."""

from __future__ import annotations

import sqlite3
from importlib import resources

import pytest

from themoon import catalog, db

NEXT = db.schema_version() + 1
EXTRA = (
    NEXT,
    f"{NEXT:04d}_test_extra.sql",
    "-- a test migration\nCREATE TABLE extra (id INTEGER PRIMARY KEY, note TEXT);\n",
)


def migration_files() -> list[str]:
    return sorted(
        e.name
        for e in resources.files("themoon.migrations").iterdir()
        if e.name.endswith(".sql") and e.name[0].isdigit()
    )


def with_extra_migration(monkeypatch, extra=EXTRA):
    real = db.migrations()
    monkeypatch.setattr(db, "migrations", lambda: [*real, extra])


def test_fresh_db_gets_every_migration(db_path):
    conn = db.connect(db_path)
    assert db.current_version(conn) == len(migration_files()) == db.schema_version()
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"beans", "blends", "blend_components", "purchases", "roast_batches", "roast_components"} <= tables
    assert {"cost_settings", "menu_items", "users", "audit_log", "loss_alerts", "stock_adjustments"} <= tables
    views = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert "stock_ledger" in views
    conn.close()


def test_fresh_db_has_no_backup(db_path):
    db.connect(db_path).close()
    assert sorted(p.name for p in db_path.parent.iterdir() if ".pre-v" in p.name) == []


def test_migrations_are_numbered_without_gaps():
    found = db.migrations()
    assert [v for v, _, _ in found] == list(range(1, len(found) + 1))
    assert [name for _, name, _ in found] == migration_files()


def test_reopening_applies_nothing(db_path):
    conn = db.connect(db_path)
    catalog.add_bean(conn, code="KEN-AA", name_en="Kenya Masai AA")
    conn.close()
    conn = db.connect(db_path, migrate=False)
    assert db.apply_migrations(conn, db_path) == []
    conn.close()
    conn = db.connect(db_path)
    assert db.current_version(conn) == db.schema_version()
    assert catalog.get_bean(conn, "KEN-AA")["name_en"] == "Kenya Masai AA"
    conn.close()
    assert not any(".pre-v" in p.name for p in db_path.parent.iterdir())


def test_wal_foreign_keys_and_busy_timeout(conn):
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
    assert isinstance(conn.execute("SELECT 1 AS one").fetchone(), sqlite3.Row)


def test_foreign_keys_are_enforced(conn):
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO purchases (purchased_on, bean_id, grams, total_won) VALUES ('2025-10-01', 999, 1, 1)")


def test_older_db_is_backed_up_then_migrated(db_path, monkeypatch):
    conn = db.connect(db_path)
    catalog.add_bean(conn, code="KEN-AA", name_en="Kenya Masai AA")
    conn.close()

    with_extra_migration(monkeypatch)
    conn = db.connect(db_path)
    assert db.current_version(conn) == NEXT
    conn.execute("INSERT INTO extra (note) VALUES ('ok')")
    assert catalog.get_bean(conn, "KEN-AA")["code"] == "KEN-AA"
    conn.close()

    backups = [p for p in db_path.parent.iterdir() if p.name.startswith(f"themoon.pre-v{NEXT}-") and p.suffix == ".db"]
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    try:
        assert old.execute("PRAGMA user_version").fetchone()[0] == NEXT - 1
        assert old.execute("SELECT code FROM beans").fetchall() == [("KEN-AA",)]
        assert old.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'extra'").fetchone()[0] == 0
    finally:
        old.close()


def test_a_failing_migration_changes_nothing(db_path, monkeypatch):
    conn = db.connect(db_path)
    catalog.add_bean(conn, code="KEN-AA", name_en="Kenya Masai AA")
    conn.close()

    broken = (
        NEXT,
        f"{NEXT:04d}_broken.sql",
        "CREATE TABLE extra (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);\n",
    )
    with_extra_migration(monkeypatch, broken)
    with pytest.raises(sqlite3.OperationalError):
        db.connect(db_path)

    monkeypatch.undo()
    conn = db.connect(db_path)
    assert db.current_version(conn) == NEXT - 1
    assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'extra'").fetchone()[0] == 0
    assert catalog.get_bean(conn, "KEN-AA")["code"] == "KEN-AA"
    conn.close()


def test_newer_db_raises_schema_too_new(db_path):
    conn = db.connect(db_path)
    conn.execute(f"PRAGMA user_version = {db.schema_version() + 1}")
    conn.close()
    with pytest.raises(db.SchemaTooNew, match="newer"):
        db.connect(db_path)
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == db.schema_version() + 1  # left alone
    raw.close()


def test_migrations_must_not_have_gaps(monkeypatch):
    monkeypatch.setattr(
        db.resources,
        "files",
        lambda _pkg: _FakeDir({"0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 1;", "README.txt": ""}),
    )
    with pytest.raises(RuntimeError, match="without gaps"):
        db.migrations()


class _FakeEntry:
    def __init__(self, name, text):
        self.name, self._text = name, text

    def read_text(self, encoding="utf-8"):
        return self._text


class _FakeDir:
    def __init__(self, files):
        self._files = files

    def iterdir(self):
        return [_FakeEntry(n, t) for n, t in self._files.items()]


def test_statement_splitter_keeps_triggers_and_skips_comments():
    sql = (
        "-- leading comment\n"
        "CREATE TABLE a (x INTEGER);\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n"
        "  UPDATE a SET x = x + 1;\n"
        "END;\n"
        "INSERT INTO a VALUES (';');\n"
    )
    statements = db._statements(sql)
    assert len(statements) == 3
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    with pytest.raises(RuntimeError, match="incomplete"):
        db._statements("CREATE TABLE b (x INTEGER)")


def test_readonly_connection_cannot_write(db_path):
    db.connect(db_path).close()
    ro = db.connect(db_path, readonly=True)
    assert ro.execute("SELECT COUNT(*) FROM beans").fetchone()[0] == 0
    with pytest.raises(sqlite3.OperationalError):
        ro.execute("INSERT INTO beans (code, name_en) VALUES ('X', 'X')")
    ro.close()


def test_transaction_commits_or_rolls_back_everything(conn):
    with pytest.raises(ZeroDivisionError):
        with db.transaction(conn):
            conn.execute("INSERT INTO beans (code, name_en) VALUES ('A', 'A')")
            with db.transaction(conn):  # nested: joins the outer one
                conn.execute("INSERT INTO beans (code, name_en) VALUES ('B', 'B')")
            1 / 0  # noqa: B018
    assert conn.execute("SELECT COUNT(*) FROM beans").fetchone()[0] == 0
    assert not conn.in_transaction
    with db.transaction(conn):
        conn.execute("INSERT INTO beans (code, name_en) VALUES ('A', 'A')")
    assert conn.execute("SELECT COUNT(*) FROM beans").fetchone()[0] == 1


def test_backup_copy_is_consistent(conn, tmp_path):
    catalog.add_bean(conn, code="KEN-AA", name_en="Kenya Masai AA")
    target = db.backup_copy(conn, tmp_path / "copies" / "b.db")
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT code FROM beans").fetchall() == [("KEN-AA",)]
    assert copy.execute("PRAGMA user_version").fetchone()[0] == db.schema_version()
    copy.close()

"""Encrypted off-site backups (themoon/ops/crypto.py, `themoon backup --encrypt --copy-to`):
the key file is private, every backup is verified before it takes its name, a wrong key or any
change to the file is refused with the live database byte-for-byte unchanged, and the newest
encrypted backup restores."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from themoon import cli, db, inventory
from themoon.ops import backup, crypto, logs


@pytest.fixture(autouse=True)
def ops_env(tmp_path, monkeypatch):
    monkeypatch.setenv("THEMOON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("THEMOON_BACKUP_DIR", str(tmp_path / "backups"))
    monkeypatch.setenv("THEMOON_LOG_DIR", str(tmp_path / "logs"))
    for name in ("THEMOON_DB", "THEMOON_BACKUP_KEY_FILE", "THEMOON_BACKUP_ENCRYPT", "THEMOON_BACKUP_KEEP"):
        monkeypatch.delenv(name, raising=False)
    yield
    logs.reset()


@pytest.fixture
def live(tmp_path) -> Path:
    path = tmp_path / "live.db"
    conn = db.connect(path)
    from themoon import catalog

    catalog.add_bean(conn, code="KEN-AA", name_en="Kenya AA")
    inventory.add_purchase(conn, bean="KEN-AA", grams=10_000, total_won=62_000, purchased_on="2026-01-05")
    conn.close()
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files(path: Path) -> dict[str, str]:
    """The database and its sidecars, hashed: "nothing changed" means none of them did."""
    return {p.name: sha(p) for p in sorted(path.parent.glob(path.name + "*"))}


def purchases_seen_by_another_process(path: Path) -> int:
    out = subprocess.check_output(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM purchases')"
            ".fetchone()[0])",
            str(path),
        ],
        text=True,
    )
    return int(out)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_encrypt_decrypt_round_trip_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(crypto, "CHUNK", 1000)  # many chunks from a small file
    key = crypto.load_key(tmp_path / "k.key", create=True)
    source = tmp_path / "plain.bin"
    source.write_bytes(os.urandom(4500))
    encrypted = tmp_path / "x.enc"
    digest = crypto.encrypt_file(source, encrypted, key)
    assert source.read_bytes() not in encrypted.read_bytes() and crypto.is_encrypted(encrypted)
    back = tmp_path / "back.bin"
    assert crypto.decrypt_file(encrypted, back, key) == digest == crypto.file_digest(source)
    assert back.read_bytes() == source.read_bytes()
    assert oct(back.stat().st_mode & 0o777) == oct(0o600) == oct(encrypted.stat().st_mode & 0o777)


def _frames(path: Path) -> tuple[bytes, list[bytes]]:
    data = path.read_bytes()
    head, rest, frames = data[:24], data[24:], []
    while rest:
        size = int.from_bytes(rest[:4], "big")
        frames.append(rest[: 4 + size])
        rest = rest[4 + size :]
    return head, frames


@pytest.mark.parametrize("change", ["flip", "drop-last", "reorder", "truncate", "append", "splice"])
def test_any_change_to_an_encrypted_file_is_refused(tmp_path, monkeypatch, change):
    monkeypatch.setattr(crypto, "CHUNK", 1000)
    key = crypto.load_key(tmp_path / "k.key", create=True)
    source = tmp_path / "plain.bin"
    source.write_bytes(os.urandom(3500))
    encrypted = tmp_path / "x.enc"
    crypto.encrypt_file(source, encrypted, key)
    head, frames = _frames(encrypted)
    assert len(frames) == 4
    if change == "flip":
        data = bytearray(encrypted.read_bytes())
        data[len(data) // 2] ^= 0x01
        encrypted.write_bytes(bytes(data))
    elif change == "drop-last":
        encrypted.write_bytes(head + b"".join(frames[:-1]))
    elif change == "reorder":
        encrypted.write_bytes(head + frames[1] + frames[0] + b"".join(frames[2:]))
    elif change == "truncate":
        encrypted.write_bytes(encrypted.read_bytes()[:-10])
    elif change == "append":
        encrypted.write_bytes(encrypted.read_bytes() + frames[-1])
    else:  # a chunk of another file made with the same key
        other = tmp_path / "other.enc"
        crypto.encrypt_file(source, other, key)
        encrypted.write_bytes(head + _frames(other)[1][0] + b"".join(frames[1:]))
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_file(encrypted, tmp_path / "out.bin", key)
    assert not (tmp_path / "out.bin").exists()


def test_the_key_file_is_made_once_with_mode_600_and_refused_when_others_can_read_it(tmp_path):
    path = tmp_path / "data" / "backup.key"
    key = crypto.load_key(path, create=True)
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert crypto.load_key(path, create=True) == key  # made once
    path.chmod(0o640)
    with pytest.raises(crypto.CryptoError, match="readable by others"):
        crypto.load_key(path)
    path.chmod(0o600)
    path.write_bytes(b"not a key\n")
    with pytest.raises(crypto.CryptoError, match="does not hold a Fernet key"):
        crypto.load_key(path)


def test_backup_encrypt_copy_to_and_restore(tmp_path, live, capsys):
    nas = tmp_path / "nas"
    nas.mkdir()
    code, out, err = run(capsys, "backup", "--encrypt", "--copy-to", str(nas), "--db", str(live))
    assert code == 0, err
    (made,) = backup.list_backups()
    assert made.encrypted and made.name.endswith(".db.enc") and "(encrypted)" in out
    assert not crypto.is_encrypted(live) and crypto.is_encrypted(made.path)
    assert b"KEN-AA" not in made.path.read_bytes()  # the data is not readable in the file
    assert [p.name for p in nas.iterdir()] == [made.name] and sha(nas / made.name) == sha(made.path)
    assert oct((tmp_path / "data" / "backup.key").stat().st_mode & 0o777) == oct(0o600)
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [made.name]  # no plaintext left
    code, out, _ = run(capsys, "backup", "verify")
    assert code == 0 and out.startswith("ok ")

    conn = db.connect(live)  # a later purchase, then restore the encrypted backup
    inventory.add_purchase(conn, bean="KEN-AA", grams=1000, total_won=7000, purchased_on="2026-01-06")
    conn.close()
    assert purchases_seen_by_another_process(live) == 2
    code, _, err = run(capsys, "restore", str(nas / made.name), "--db", str(live), "--force")
    assert code == 0, err
    assert purchases_seen_by_another_process(live) == 1
    leftovers = [p.name for p in tmp_path.rglob("*.decrypted")]
    assert leftovers == []


def test_environment_turns_encryption_on_and_retention_applies_to_the_copies(tmp_path, live, capsys, monkeypatch):
    monkeypatch.setenv("THEMOON_BACKUP_ENCRYPT", "1")
    nas = tmp_path / "nas"
    nas.mkdir()
    (nas / "holiday.jpg").write_bytes(b"not ours")
    for _ in range(4):
        assert run(capsys, "backup", "--keep", "2", "--copy-to", str(nas), "--db", str(live))[0] == 0
    kept = sorted(p.name for p in nas.iterdir())
    assert len(kept) == 3 and "holiday.jpg" in kept  # 2 newest (same month) + other files untouched
    assert all(b.encrypted for b in backup.list_backups())
    assert run(capsys, "backup", "--no-encrypt", "--db", str(live))[0] == 0
    assert not backup.list_backups()[0].encrypted


@pytest.mark.parametrize("how", ["wrong-key", "tampered", "key-readable-by-others", "no-key"])
def test_a_restore_that_cannot_decrypt_changes_nothing(tmp_path, live, capsys, how):
    assert run(capsys, "backup", "--encrypt", "--db", str(live))[0] == 0
    (made,) = backup.list_backups()
    conn = db.connect(live)
    inventory.add_purchase(conn, bean="KEN-AA", grams=1000, total_won=7000, purchased_on="2026-01-06")
    conn.close()
    key_file = tmp_path / "data" / "backup.key"
    target, argv = made.path, []
    if how == "wrong-key":
        other = tmp_path / "other.key"
        crypto.load_key(other, create=True)
        argv = ["--key-file", str(other)]
    elif how == "tampered":
        data = bytearray(made.path.read_bytes())
        data[len(data) // 2] ^= 0x40
        target = tmp_path / "tampered.db.enc"
        target.write_bytes(bytes(data))
    elif how == "key-readable-by-others":
        key_file.chmod(0o644)
    else:
        key_file.rename(tmp_path / "elsewhere.key")
    before, listed = files(live), sorted(p.name for p in (tmp_path / "backups").iterdir())
    code, _, err = run(capsys, "restore", str(target), "--db", str(live), "--force", *argv)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    expected = {
        "wrong-key": "wrong key, or the file was changed",
        "tampered": "wrong key, or the file was changed",
        "key-readable-by-others": "readable by others",
        "no-key": "no backup key",
    }[how]
    assert expected in err
    assert files(live) == before  # checksum of the live database (and its WAL) before/after
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == listed  # no safety copy taken
    assert list(tmp_path.rglob("*.decrypted")) == []
    assert purchases_seen_by_another_process(live) == 2
    if how == "key-readable-by-others":
        key_file.chmod(0o600)
    if how == "no-key":
        (tmp_path / "elsewhere.key").rename(key_file)
    if how != "tampered":  # positive control: with the right key the same file restores
        assert run(capsys, "restore", str(made.path), "--db", str(live), "--force")[0] == 0
        assert purchases_seen_by_another_process(live) == 1


def test_a_big_database_is_encrypted_in_bounded_memory(tmp_path):
    """Fernet holds one message in memory; chunking keeps that to CHUNK whatever the size."""
    import tracemalloc

    key = crypto.load_key(tmp_path / "k.key", create=True)
    source = tmp_path / "big.bin"
    with open(source, "wb") as handle:
        for _ in range(6):
            handle.write(os.urandom(crypto.CHUNK))
    tracemalloc.start()
    crypto.encrypt_file(source, tmp_path / "big.enc", key)
    crypto.decrypt_file(tmp_path / "big.enc", tmp_path / "back.bin", key)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * crypto.CHUNK, peak  # a few chunks' worth, not the 24 MiB file
    assert crypto.file_digest(tmp_path / "back.bin") == crypto.file_digest(source)


def test_integrity_check_of_a_decrypted_backup(tmp_path, live):
    result = backup.create_backup(live, encrypt=True)
    found = backup.inspect_backup(result.path)
    assert found.ok and found.counts["purchases"] == 1 and found.path == result.path
    with backup.plaintext(result.path) as readable:
        assert sqlite3.connect(readable).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not readable.exists()

"""Verified backups of the live store, retention, and an atomic, reversible restore.

A backup is taken with SQLite's online backup API inside one read transaction, so it is the
exact state of the database at one instant while the app keeps writing (WAL: the reader
blocks no writer). The row count of every table is read in that same transaction; the copy
must pass `PRAGMA integrity_check` and have the same counts and schema version before it is
renamed to its final name. Until then it is a hidden `.….partial` file: a backup killed
half-way never looks like a backup. The copy is switched to rollback-journal mode, so each
backup is one self-contained file.

Names: `themoon-YYYYMMDD-HHMMSS[-N][-kind].db` (local time; N when two land in one second;
kind is `pre-restore` or `damaged` for the copies a restore takes of the database it replaces).
An encrypted backup (`--encrypt` or THEMOON_BACKUP_ENCRYPT=1, themoon/ops/crypto.py) is the
same name plus `.enc`: the verified plaintext copy is encrypted, the encrypted file is
decrypted again and compared (SHA-256) before it takes its final name, and the plaintext copy
is removed. `copy_to` then puts the finished file into another folder (a synced folder, a
NAS mount) under a temp name, compares it byte for byte, renames it, and applies the same
retention there.

Retention: the newest N (THEMOON_BACKUP_KEEP, default 14) plus the newest of every calendar
month; everything else matching the name pattern is deleted. Other files are never touched.

Restore: the file must be a themoon database (SQLite, schema version 1..this code's, the core
tables present) that passes integrity_check. The current database is backed up first (a raw
copy if it is too damaged to back up), the file is copied beside the database, fsynced, the
current database is checkpointed and its -wal/-shm removed, and the copy is moved over it with
os.replace. A database still open in another process (psutil) is refused unless forced.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import config
from .. import db as store
from ..durable import fsync_dir, fsync_file
from . import backup_dir, backup_keep, crypto
from .backup_inspect import (
    BackupError,
    DatabaseBusy,
    Inspection,
    NotThemoonDatabase,
    RestoreRefused,
    _counts,
    _open_ro,
    _remove_with_sidecars,
    inspect,
    inspect_backup,
    is_sqlite_file,
    plaintext,
)
from .logs import event

# Reading files lives in backup_inspect; callers and tests reach it through this module too.
__all__ = [
    "BackupError",
    "DatabaseBusy",
    "Inspection",
    "NotThemoonDatabase",
    "RestoreRefused",
    "create_backup",
    "inspect",
    "inspect_backup",
    "latest_backup",
    "list_backups",
    "plaintext",
    "prune",
    "restore",
]

NAME = re.compile(
    r"^themoon-(?P<stamp>\d{8}-\d{6})(?:-(?P<seq>\d{1,4}))?(?:-(?P<kind>[a-z][a-z-]*))?\.db(?P<enc>\.enc)?$"
)
_PARTIAL = re.compile(r"^\.themoon-.+\.db(?:\.enc)?\.(?P<pid>\d+)\.partial(?:-journal|-wal|-shm)?$")
STALE_PARTIAL = timedelta(days=1)
KINDS = ("", "pre-restore", "damaged")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    created: datetime
    seq: int
    kind: str
    size_bytes: int
    encrypted: bool = False

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def sort_key(self) -> tuple[datetime, int]:
        return (self.created, self.seq)

    def age_seconds(self, now: datetime | None = None) -> float:
        return max(((now or datetime.now()) - self.created).total_seconds(), 0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "created": self.created.isoformat(timespec="seconds"),
            "kind": self.kind or "backup",
            "size_bytes": self.size_bytes,
            "encrypted": self.encrypted,
        }


@dataclass
class BackupResult:
    path: Path
    size_bytes: int
    schema_version: int
    counts: dict[str, int]
    seconds: float
    pruned: list[Path] = field(default_factory=list)
    encrypted: bool = False
    copied_to: Path | None = None
    copy_pruned: list[Path] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data["pruned"] = [str(p) for p in self.pruned]
        data["copied_to"] = None if self.copied_to is None else str(self.copied_to)
        data["copy_pruned"] = [str(p) for p in self.copy_pruned]
        data["rows"] = sum(self.counts.values())
        data["seconds"] = round(self.seconds, 3)
        data["integrity"] = "ok"
        return data


@dataclass
class RestoreResult:
    database: Path
    restored_from: Path
    safety_backup: Path | None
    schema_version: int
    counts: dict[str, int]
    migrations_pending: bool
    in_use_checked: bool = True  # False: psutil missing (or --force), nobody checked for other processes

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("database", "restored_from", "safety_backup"):
            data[key] = None if data[key] is None else str(data[key])
        data["rows"] = sum(self.counts.values())
        return data


# --- files ----------------------------------------------------------------------------------


def parse_name(path: str | os.PathLike) -> BackupFile | None:
    """The backup a file name stands for, or None if it is not one of ours."""
    path = Path(path)
    match = NAME.match(path.name)
    if not match:
        return None
    try:
        created = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S")
        size = path.stat().st_size
    except (ValueError, OSError):
        return None
    return BackupFile(path, created, int(match["seq"] or 0), match["kind"] or "", size, bool(match["enc"]))


def list_backups(directory: str | os.PathLike | None = None) -> list[BackupFile]:
    """Every finished backup in the directory, newest first (partial files never appear)."""
    directory = backup_dir(directory)
    if not directory.is_dir():
        return []
    found = [b for b in (parse_name(p) for p in directory.iterdir() if p.is_file()) if b]
    return sorted(found, key=lambda b: b.sort_key, reverse=True)


def latest_backup(directory: str | os.PathLike | None = None) -> BackupFile | None:
    backups = list_backups(directory)
    return backups[0] if backups else None


def retention_plan(backups: list[BackupFile], keep: int) -> dict[Path, str]:
    """{path: why it is kept}: the newest `keep`, then the newest of each calendar month."""
    ordered = sorted(backups, key=lambda b: b.sort_key, reverse=True)
    kept = {b.path: "recent" for b in ordered[:keep]}
    months: set[tuple[int, int]] = set()
    for b in ordered:
        month = (b.created.year, b.created.month)
        if month not in months:
            months.add(month)
            kept.setdefault(b.path, "monthly")
    return kept


def prune(directory: str | os.PathLike | None = None, keep: int | str | None = None) -> list[Path]:
    """Delete the backups the retention plan does not keep; return what was deleted."""
    keep = backup_keep(keep)
    backups = list_backups(directory)
    kept = retention_plan(backups, keep)
    removed = []
    for b in backups:
        if b.path in kept:
            continue
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{b.path}{suffix}").unlink(missing_ok=True)
        removed.append(b.path)
        event("backup.pruned", path=str(b.path), logger="ops")
    return removed


def cleanup_partials(directory: Path) -> list[Path]:
    """Remove temp files left by backups that died (their process is gone, or a day old)."""
    removed = []
    if not directory.is_dir():
        return removed
    for path in directory.iterdir():
        match = _PARTIAL.match(path.name)
        if not match:
            continue
        try:
            old = datetime.now() - datetime.fromtimestamp(path.stat().st_mtime) > STALE_PARTIAL
        except OSError:
            continue
        if old or not _alive(int(match["pid"])):
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        event("backup.partials_removed", count=len(removed), logger="ops")
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _free_name(directory: Path, when: datetime, kind: str = "") -> Path:
    stamp = when.strftime("%Y%m%d-%H%M%S")
    tail = f"-{kind}" if kind else ""
    # After the newest of this second: a name freed by pruning must not be reused, or the new
    # backup would sort as the oldest of its second and be pruned at once.
    used = [b.seq for b in list_backups(directory) if b.created.strftime("%Y%m%d-%H%M%S") == stamp]
    for seq in range(max(used, default=-1) + 1, 10_000):
        name = f"themoon-{stamp}{f'-{seq}' if seq else ''}{tail}.db"
        taken = (directory / name).exists() or (directory / f"{name}.enc").exists()
        if not taken and not any(directory.glob(f".{name}.*.partial")):
            return directory / name
    raise BackupError(f"too many backups named themoon-{stamp}* in {directory}")


# --- backup ---------------------------------------------------------------------------------


def _open_source(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=rw", uri=True, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA query_only = ON")
    return conn


def _copy_snapshot(src: sqlite3.Connection, target: Path) -> tuple[int, dict[str, int]]:
    """Copy src into target inside one read transaction; return (version, counts) of that snapshot."""
    src.execute("BEGIN")
    try:
        version = src.execute("PRAGMA user_version").fetchone()[0]
        counts = _counts(src)  # starts the read transaction: the copy below sees the same snapshot
        store.backup_copy(src, target)
    finally:
        src.execute("ROLLBACK")
    return version, counts


def create_backup(
    db_path: str | os.PathLike | None = None,
    directory: str | os.PathLike | None = None,
    *,
    keep: int | str | None = None,
    kind: str = "",
    prune_old: bool = True,
    encrypt: bool | None = None,
    key_file: str | os.PathLike | None = None,
    copy_to: str | os.PathLike | None = None,
) -> BackupResult:
    """Back up the live database into the backup directory, verify it, then apply retention.

    `encrypt` (default THEMOON_BACKUP_ENCRYPT) stores it encrypted (the key file is made on
    first use); `copy_to` also puts the verified file into that folder, with the same retention.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown backup kind {kind!r}")
    db_path = config.db_path(db_path)
    directory = backup_dir(directory)
    keep = backup_keep(keep)  # validate before doing any work
    encrypt = crypto.encrypt_by_default() if encrypt is None else encrypt
    if copy_to is not None and not Path(copy_to).is_dir():
        raise BackupError(f"--copy-to {copy_to} is not an existing directory")
    try:
        key = crypto.load_key(key_file, create=True) if encrypt else None
    except (crypto.CryptoError, OSError) as error:
        raise BackupError(str(error)) from None
    if not db_path.is_file():
        raise BackupError(f"no database at {db_path}")
    if not is_sqlite_file(db_path):
        raise BackupError(f"{db_path} is not an SQLite database")
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    cleanup_partials(directory)
    when = datetime.now()
    final = _free_name(directory, when, kind)
    partial = directory / f".{final.name}.{os.getpid()}.partial"
    try:
        src = _open_source(db_path)
        try:
            version, counts = _copy_snapshot(src, partial)
        finally:
            src.close()
        check = inspect(partial)
        if not check.ok:
            raise BackupError(f"the copy failed integrity_check: {'; '.join(check.integrity[:5])}")
        if check.schema_version != version or check.counts != counts:
            diff = {t: (counts.get(t), check.counts.get(t)) for t in counts.keys() | check.counts.keys()}
            diff = {t: v for t, v in diff.items() if v[0] != v[1]}
            raise BackupError(f"the copy does not match the database (table: source, copy): {diff}")
        fsync_file(partial)
        source = partial
        if key is not None:
            source = _encrypt_verified(partial, key)
        if final.exists() or Path(f"{final}{crypto.SUFFIX}").exists():  # another backup took the name
            final = _free_name(directory, when, kind)
        if key is not None:
            final = final.with_name(final.name + crypto.SUFFIX)
        os.replace(source, final)
        fsync_dir(directory)
    except BaseException as error:
        _remove_with_sidecars(partial)
        _enc_partial(partial).unlink(missing_ok=True)
        if isinstance(error, Exception):
            event("backup.failed", logging.ERROR, db=str(db_path), error=str(error), logger="ops")
        if isinstance(error, sqlite3.Error):
            raise BackupError(f"cannot back up {db_path}: {error}") from error
        raise
    _remove_with_sidecars(partial)  # the plaintext copy of an encrypted backup
    seconds = time.monotonic() - started
    result = BackupResult(final, final.stat().st_size, version, counts, seconds, encrypted=key is not None)
    event(
        "backup.created",
        path=str(final),
        db=str(db_path),
        size_bytes=result.size_bytes,
        schema=version,
        rows=sum(counts.values()),
        seconds=round(seconds, 3),
        logger="ops",
    )
    if prune_old:
        result.pruned = prune(directory, keep)
    if copy_to is not None:
        result.copied_to = copy_verified(final, Path(copy_to))
        result.copy_pruned = prune(copy_to, keep)
    return result


def _encrypt_verified(partial: Path, key: bytes) -> Path:
    """Encrypt the verified plaintext copy beside it and check that the encrypted file
    decrypts to exactly the same bytes; returns the encrypted temp file."""
    target = _enc_partial(partial)
    digest = crypto.encrypt_file(partial, target, key)
    if crypto.plaintext_digest(target, key) != digest or crypto.file_digest(partial) != digest:
        target.unlink(missing_ok=True)
        raise BackupError("the encrypted copy does not decrypt to the verified backup")
    return target


def _enc_partial(partial: Path) -> Path:
    """`.themoon-X.db.PID.partial` → `.themoon-X.db.enc.PID.partial` (cleanup_partials knows both)."""
    return partial.with_name(partial.name.replace(".db.", f".db{crypto.SUFFIX}.", 1))


def copy_verified(path: Path, directory: Path) -> Path:
    """Copy a finished backup into `directory` (temp name, fsync, compare SHA-256, rename): a
    synced folder or NAS never picks up half a file."""
    target = directory / path.name
    if target.exists():
        return target if crypto.file_digest(target) == crypto.file_digest(path) else _copy_new(path, directory)
    return _copy_new(path, directory)


def _copy_new(path: Path, directory: Path) -> Path:
    temp = directory / f".{path.name}.{os.getpid()}.partial"
    try:
        shutil.copyfile(path, temp)
        os.chmod(temp, 0o600)
        fsync_file(temp)
        if crypto.file_digest(temp) != crypto.file_digest(path):
            raise BackupError(f"the copy in {directory} does not match {path.name}")
        target = directory / path.name
        os.replace(temp, target)
        fsync_dir(directory)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    event("backup.copied", path=str(target), logger="ops")
    return target


# --- restore --------------------------------------------------------------------------------


def db_holders(path: str | os.PathLike) -> list[dict[str, Any]] | None:
    """Other processes that have the database (or its -wal/-shm) open; None if psutil is missing."""
    try:
        import psutil
    except ImportError:  # pragma: no cover (psutil comes with jupyter)
        return None
    base = os.path.realpath(path)
    targets = {base, f"{base}-wal", f"{base}-shm"}
    me = os.getpid()
    found = []
    for proc in psutil.process_iter(["pid", "name"]):
        if proc.pid == me:
            continue
        try:
            files = proc.open_files()
        except (psutil.Error, OSError):
            continue
        if any(f.path in targets for f in files):
            found.append({"pid": proc.pid, "name": proc.info.get("name") or "?"})
    return found


def _raw_copy(db_path: Path, directory: Path) -> Path:
    """Keep the files of a database too damaged to back up, byte for byte."""
    directory.mkdir(parents=True, exist_ok=True)
    target = _free_name(directory, datetime.now(), "damaged")
    for suffix in ("-wal", "-shm", ""):  # the main file last: its name is what lists it
        source = Path(f"{db_path}{suffix}")
        if source.exists():
            shutil.copy2(source, f"{target}{suffix}")
    fsync_file(target)
    fsync_dir(directory)
    return target


def _checkpoint(db_path: Path) -> None:
    """Fold the WAL into the main file so removing -wal loses nothing if we stop here."""
    try:
        conn = sqlite3.connect(db_path, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # a damaged database: the safety copy holds it


def _copy_owner_and_mode(reference: Path, target: Path) -> None:
    try:
        st = reference.stat()
    except OSError:
        return
    try:
        os.chmod(target, st.st_mode & 0o777)
        if os.geteuid() == 0:
            os.chown(target, st.st_uid, st.st_gid)
    except OSError:
        pass


def restore(
    file: str | os.PathLike,
    db_path: str | os.PathLike | None = None,
    directory: str | os.PathLike | None = None,
    *,
    force: bool = False,
    key_file: str | os.PathLike | None = None,
) -> RestoreResult:
    """Replace the database with a verified backup, after backing up the current one. An
    encrypted backup is decrypted into a private temp file and verified like any other before
    anything is touched: a wrong key or a changed file is refused with nothing changed."""
    file = Path(file)
    db_path = config.db_path(db_path)
    if db_path.exists() and file.exists() and os.path.samefile(file, db_path):
        raise RestoreRefused(f"{file} is the database itself")
    if not file.is_file():
        raise RestoreRefused(f"{file} does not exist or is not a file")
    with plaintext(file, key_file, temp_dir=db_path.parent if db_path.parent.is_dir() else None) as readable:
        result = _restore(readable, db_path, backup_dir(directory), force=force)
    result.restored_from = file
    return result


def _restore(file: Path, db_path: Path, directory: Path, *, force: bool) -> RestoreResult:
    source = inspect(file)
    if source.schema_version > store.schema_version():
        raise store.SchemaTooNew(
            f"{file} has schema {source.schema_version}, newer than this themoon ({store.schema_version()});"
            " upgrade themoon first"
        )
    if not source.ok:
        raise RestoreRefused(f"{file} failed integrity_check: {'; '.join(source.integrity[:5])}")
    checked = not db_path.exists()  # nothing to check without a database
    if db_path.exists() and not force:
        holders = db_holders(db_path)
        checked = holders is not None
        if holders:
            pids = ", ".join(f"{h['pid']} ({h['name']})" for h in holders)
            raise DatabaseBusy(
                f"{db_path} is open in other processes: {pids}; stop themoon first"
                " (systemctl stop themoon / docker compose stop app) or pass --force"
            )

    safety = None
    if db_path.exists():
        try:
            safety = create_backup(db_path, directory, kind="pre-restore", prune_old=False).path
        except (BackupError, sqlite3.DatabaseError) as error:
            safety = _raw_copy(db_path, directory)
            event(
                "restore.damaged_copy",
                logging.WARNING,
                db=str(db_path),
                copy=str(safety),
                error=str(error),
                logger="ops",
            )

    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.restore-{os.getpid()}.tmp")
    try:
        _remove_with_sidecars(tmp)
        src = _open_ro(file)
        try:
            store.backup_copy(src, tmp)
        finally:
            src.close()
        copy = inspect(tmp)
        if not copy.ok or copy.counts != source.counts or copy.schema_version != source.schema_version:
            raise BackupError(f"the copy of {file} did not verify; the database was not touched")
        _copy_owner_and_mode(db_path, tmp)
        fsync_file(tmp)
        if db_path.exists():
            _checkpoint(db_path)
        for suffix in ("-wal", "-shm", "-journal"):  # stale sidecars must never meet the new file
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, db_path)
        fsync_dir(db_path.parent)
    except BaseException:
        _remove_with_sidecars(tmp)
        raise
    result = RestoreResult(
        db_path,
        file,
        safety,
        source.schema_version,
        source.counts,
        source.schema_version < store.schema_version(),
        checked,
    )
    event(
        "restore.done",
        db=str(db_path),
        source=str(file),
        safety_backup=str(safety) if safety else None,
        schema=source.schema_version,
        rows=sum(source.counts.values()),
        logger="ops",
    )
    return result

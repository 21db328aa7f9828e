"""`themoon backup | restore | health | metrics`: the operations commands.

`register(sub, command, group)` adds them to the `themoon` parser (themoon/cli.py calls it with
its own helpers).

Exit codes: 0 done / healthy; 1 failed (a backup that did not verify, an unhealthy check, a
database still in use); 2 bad input (a file that is not a themoon database or is newer than
this code, a bad --keep).
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import db as store
from ..cli_output import print_json, wants_json
from ..models import ValidationError
from . import backup, backup_dir, backup_keep, crypto, health, logs, metrics

Handler = Callable[[argparse.Namespace], int]


def _print(args: argparse.Namespace, data: Any, text: str | Sequence[str]) -> None:
    if wants_json(args):
        print_json(data)
    else:
        print(text if isinstance(text, str) else "\n".join(text))


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _size(n: int) -> str:
    return health._human_bytes(n)


# --- backup ---------------------------------------------------------------------------------


# --- checks made before any work (no log line, no folder, no key file made) -------------------


def check_backup(args: argparse.Namespace) -> None:
    from .. import checks

    if args.file and args.action != "verify":
        raise ValidationError("file", "cli.only_themoon_backup_verify_takes_a")
    if args.file:
        checks.existing_file("file", args.file)
    if args.keep is not None:
        backup_keep(args.keep)
    else:
        backup_keep()  # THEMOON_BACKUP_KEEP, if set, must be a number too
    checks.not_a_file("backup_dir", backup_dir(args.backup_dir))
    if args.copy_to is not None:
        if args.action != "create":
            raise ValidationError("copy_to", "cli.only_themoon_backup_create_takes_copy")
        checks.existing_dir("copy_to", args.copy_to)
        if Path(args.copy_to).resolve() == backup_dir(args.backup_dir).resolve():
            raise ValidationError("copy_to", "cli.must_be_another_folder_than_the")
    if args.encrypt and args.no_encrypt:
        raise ValidationError("encrypt", "cli.give_encrypt_or_no_encrypt_not")
    _check_key(args.key_file)


def _check_key(key_file: str | None) -> None:
    """A key file that is there must be private and hold a key (a missing one is made later)."""
    path = crypto.key_path(key_file)
    if path.exists():
        try:
            crypto.load_key(path)
        except crypto.CryptoError as error:
            raise ValidationError("key_file", "cli.key_file_unusable", reason=str(error)) from None
    elif key_file:
        parent = path.parent
        if not parent.is_dir():
            raise ValidationError("key_file", "error.folder_does_not_exist", folder=parent)


def check_restore(args: argparse.Namespace) -> None:
    from .. import checks

    checks.existing_file("file", args.file)
    checks.not_a_file("backup_dir", backup_dir(args.backup_dir))
    if crypto.is_encrypted(args.file):
        path = crypto.key_path(args.key_file)
        try:
            crypto.load_key(path)
        except crypto.CryptoError as error:
            raise ValidationError("key_file", "cli.key_file_unusable", reason=str(error)) from None


def check_reports_and_backups(args: argparse.Namespace) -> None:
    from .. import checks

    checks.not_a_file("backup_dir", backup_dir(args.backup_dir))
    checks.not_a_file("reports_dir", args.reports_dir)
    if getattr(args, "textfile", None):
        target = Path(args.textfile)
        if target.is_dir():
            raise ValidationError("textfile", "error.is_a_directory", path=target)
        checks.not_a_file("textfile", target.parent)


def _encrypt(args: argparse.Namespace) -> bool | None:
    return True if args.encrypt else False if args.no_encrypt else None


def cmd_backup(args: argparse.Namespace) -> int:
    logs.setup()
    return {"create": _backup_create, "list": _backup_list, "verify": _backup_verify, "prune": _backup_prune}[
        args.action
    ](args)


def _backup_create(args: argparse.Namespace) -> int:
    try:
        result = backup.create_backup(
            args.db,
            args.backup_dir,
            keep=args.keep,
            prune_old=not args.no_prune,
            encrypt=_encrypt(args),
            key_file=args.key_file,
            copy_to=args.copy_to,
        )
    except backup.BackupError as error:
        _error(f"backup failed: {error}")
        return 1
    lines = [
        f"backup: {result.path}" + (" (encrypted)" if result.encrypted else ""),
        f"  {_size(result.size_bytes)}, schema v{result.schema_version}, {sum(result.counts.values()):,} rows"
        f" in {len(result.counts)} tables, integrity ok, {result.seconds:.2f} s",
    ]
    if result.pruned:
        lines.append(f"pruned {len(result.pruned)}: " + ", ".join(p.name for p in result.pruned))
    if result.copied_to:
        lines.append(f"copied (verified) to {result.copied_to}")
    if result.copy_pruned:
        lines.append(f"pruned {len(result.copy_pruned)} there: " + ", ".join(p.name for p in result.copy_pruned))
    _print(args, result.as_dict(), lines)
    return 0


def _backup_list(args: argparse.Namespace) -> int:
    directory = backup_dir(args.backup_dir)
    found = backup.list_backups(directory)
    plan = backup.retention_plan(found, backup_keep(args.keep))
    now = datetime.now()
    rows = []
    for item in found:
        try:
            version = backup.inspect_backup(item.path, key_file=args.key_file, integrity=False).schema_version
        except backup.BackupError:
            version = None
        rows.append(
            item.as_dict()
            | {
                "age_seconds": round(item.age_seconds(now)),
                "schema_version": version,
                "retention": plan.get(item.path, "prune"),
            }
        )
    if not rows:
        _print(args, [], f"no backups in {directory}")
        return 0
    table = [("name", "created", "age", "size", "schema", "kind", "retention")]
    for row in rows:
        table.append(
            (
                row["name"],
                row["created"].replace("T", " "),
                health._human_age(row["age_seconds"]),
                _size(row["size_bytes"]),
                "?" if row["schema_version"] is None else f"v{row['schema_version']}",
                row["kind"],
                row["retention"],
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table]
    _print(args, rows, lines + [f"{len(rows)} backups in {directory}"])
    return 0


def _backup_verify(args: argparse.Namespace) -> int:
    targets = [args.file] if args.file else [b.path for b in backup.list_backups(args.backup_dir)]
    if not targets:
        _print(args, [], f"no backups in {backup_dir(args.backup_dir)}")
        return 0
    results, lines, worst = [], [], 0
    for target in targets:
        try:
            found = backup.inspect_backup(target, key_file=args.key_file)
        except backup.NotThemoonDatabase as error:
            results.append({"path": str(target), "ok": False, "error": str(error)})
            lines.append(f"NOT A THEMOON DATABASE  {target}: {error}")
            worst = max(worst, 2)
            continue
        except backup.RestoreRefused as error:
            results.append({"path": str(target), "ok": False, "error": str(error)})
            lines.append(f"REFUSED  {target}: {error}")
            worst = max(worst, 2)
            continue
        newer = found.schema_version > store.schema_version()
        results.append(found.as_dict() | {"ok": found.ok, "newer_than_code": newer})
        if found.ok:
            note = " (newer than this themoon: cannot be restored by it)" if newer else ""
            rows = sum(found.counts.values())
            lines.append(f"ok  {target}: schema v{found.schema_version}, {rows:,} rows{note}")
        else:
            lines.append(f"DAMAGED  {target}: {'; '.join(found.integrity[:3])}")
            worst = max(worst, 1)
    _print(args, results if args.file is None else results[0], lines)
    return worst


def _backup_prune(args: argparse.Namespace) -> int:
    removed = backup.prune(args.backup_dir, args.keep)
    _print(
        args,
        [str(p) for p in removed],
        [f"pruned {p.name}" for p in removed] or ["nothing to prune"],
    )
    return 0


# --- restore --------------------------------------------------------------------------------


def cmd_restore(args: argparse.Namespace) -> int:
    logs.setup()
    try:
        result = backup.restore(args.file, args.db, args.backup_dir, force=args.force, key_file=args.key_file)
    except (backup.RestoreRefused, store.SchemaTooNew) as error:
        logs.event("restore.refused", logging.WARNING, file=str(args.file), error=str(error), logger="ops")
        _error(f"restore refused: {error}")
        return 2
    except (backup.BackupError, sqlite3.Error, OSError) as error:
        logs.event("restore.failed", logging.ERROR, file=str(args.file), error=str(error), logger="ops")
        _error(f"restore failed: {error}; the database was not replaced")
        return 1
    lines = [
        f"restored {result.database} from {result.restored_from}"
        f" (schema v{result.schema_version}, {sum(result.counts.values()):,} rows)",
        f"the database it replaced is kept as {result.safety_backup}"
        if result.safety_backup
        else "there was no database before: nothing to keep",
    ]
    if not result.in_use_checked and not args.force:
        lines.append("note: psutil is not installed, so nobody checked that the database was not in use")
    if result.migrations_pending:
        lines.append(
            f"schema v{result.schema_version} is older than this themoon (v{store.schema_version()}):"
            " `themoon init` migrates it (taking its own backup first)"
        )
    lines.append("restart the dashboard (systemctl restart themoon / docker compose restart app)")
    _print(args, result.as_dict(), lines)
    return 0


# --- health and metrics ---------------------------------------------------------------------


def cmd_health(args: argparse.Namespace) -> int:
    logs.setup()
    result = health.check(args.db, backups=args.backup_dir, reports=args.reports_dir)
    failing = [name for name, item in result["checks"].items() if item["status"] == "fail"]
    logs.event(
        "health.checked",
        logging.INFO if result["healthy"] else logging.WARNING,
        status=result["status"],
        failing=",".join(failing) or None,
        logger="ops",
    )
    _print(args, result, health.render_text(result))
    return 0 if result["healthy"] else 1


def cmd_metrics(args: argparse.Namespace) -> int:
    logs.setup()
    text = metrics.render(args.db, backups=args.backup_dir, reports=args.reports_dir)
    if args.textfile:
        path = metrics.write_textfile(args.textfile, text)
        logs.event("metrics.written", logging.DEBUG, path=str(path), logger="ops")
        if not path.name.endswith(".prom"):
            print(f"warning: node-exporter only reads *.prom files; wrote {path}", file=sys.stderr)
        return 0
    sys.stdout.write(text)
    return 0


# --- parser ---------------------------------------------------------------------------------


def register(sub, command, group) -> None:
    """Add the operations commands to themoon's parser (`command`/`group` are cli.py's helpers)."""
    del group  # the commands are flat: `themoon backup [ACTION]`, `themoon restore FILE`, …
    p = command(
        sub,
        "backup",
        cmd_backup,
        "back up the database (verified; keeps the newest N plus one per month); list, verify or prune backups",
        json_out=True,
    )
    p.add_argument(
        "action",
        nargs="?",
        default="create",
        choices=("create", "list", "verify", "prune"),
        help="create (default), list, verify [FILE] (all backups without FILE), prune",
    )
    p.add_argument("file", nargs="?", help="the backup file to verify")
    p.add_argument("--backup-dir", "--dir", dest="backup_dir", help="default $THEMOON_BACKUP_DIR or data/backups")
    p.add_argument("--keep", help="newest backups to keep (default $THEMOON_BACKUP_KEEP or 14), plus one per month")
    p.add_argument("--no-prune", action="store_true", help="keep every backup this time")
    p.add_argument(
        "--encrypt",
        action="store_true",
        help="encrypt the backup (Fernet; default $THEMOON_BACKUP_ENCRYPT); the key file is made on first use",
    )
    p.add_argument("--no-encrypt", dest="no_encrypt", action="store_true", help="do not encrypt this backup")
    p.add_argument("--key-file", dest="key_file", help="default $THEMOON_BACKUP_KEY_FILE or data/backup.key (mode 600)")
    p.add_argument(
        "--copy-to",
        dest="copy_to",
        metavar="DIR",
        help="also put the verified file into DIR (a synced folder, a NAS mount), with the same retention",
    )
    p.set_defaults(check=check_backup)

    p = command(
        sub,
        "restore",
        cmd_restore,
        "replace the database with a verified backup (the current database is backed up first)",
        json_out=True,
    )
    p.add_argument("file", help="a backup file (see `themoon backup list`)")
    p.add_argument("--backup-dir", "--dir", dest="backup_dir", help="where the safety backup goes")
    p.add_argument("--force", action="store_true", help="restore even though other processes have the database open")
    p.add_argument("--key-file", dest="key_file", help="the key of an encrypted backup (default as for `backup`)")
    p.set_defaults(check=check_restore)

    p = command(sub, "health", cmd_health, "check database, schema, disk, backups, kernels, reports", json_out=True)
    p.add_argument("--backup-dir", dest="backup_dir")
    p.add_argument("--reports-dir", dest="reports_dir", help="default $THEMOON_REPORTS_DIR or reports")
    p.set_defaults(check=check_reports_and_backups)

    p = command(sub, "metrics", cmd_metrics, "Prometheus metrics (stdout, or a node-exporter textfile)")
    p.add_argument("--textfile", metavar="PATH", help="write atomically to PATH (*.prom) instead of stdout")
    p.add_argument("--backup-dir", dest="backup_dir")
    p.add_argument("--reports-dir", dest="reports_dir")
    p.set_defaults(check=check_reports_and_backups)

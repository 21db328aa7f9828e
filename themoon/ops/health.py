"""Is themoon healthy? One function that checks everything an operator looks at.

`check()` returns {"healthy": bool, "status": "ok" | "warn" | "fail", "checks": {...}}; each check
has a status and a one-line detail. Unhealthy (status "fail") when: the database is missing,
unreadable or fails `PRAGMA quick_check`; its schema is newer than the code (or it is not a
themoon database); free disk space is below THEMOON_HEALTH_MIN_FREE_MB (default 500); the newest
backup is older than THEMOON_BACKUP_MAX_AGE_HOURS (default 36, i.e. a missed nightly run); the
newest scheduled run of a report failed (and no later run of it succeeded) or the reports index
is unreadable. Warnings (healthy, but look): no backup yet, pending migrations, disk below twice
the limit, the newest report run failed but was started by hand. Kernels are counted for
information (psutil; "unknown" without it).

Nothing here writes: the database is opened query-only and never created or migrated.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import config
from .. import db as store
from . import backup_dir, env_int, reports_dir
from .backup import latest_backup

DEFAULT_MIN_FREE_MB = 500
DEFAULT_BACKUP_MAX_AGE_HOURS = 36
_ORDER = {"ok": 0, "warn": 1, "fail": 2}
SCHEDULED = "schedule"  # the trigger `themoon report --scheduled` records (reports/runner.py)


# --- pieces also used by metrics ------------------------------------------------------------


def jupyter_processes() -> dict[str, list[int]] | None:
    """Pids of this user's Jupyter kernels and Voilà servers (None if psutil is not installed)."""
    try:
        import psutil
    except ImportError:
        return None
    me = os.getpid()
    try:
        user = psutil.Process(me).username()
    except psutil.Error:  # pragma: no cover
        return None
    found: dict[str, list[int]] = {"kernels": [], "voila": []}
    for proc in psutil.process_iter(["pid", "username", "cmdline"]):
        if proc.pid == me or proc.info.get("username") != user:
            continue
        args = proc.info.get("cmdline") or []
        if _is_kernel(args):
            found["kernels"].append(proc.pid)
        elif _is_voila(args):
            found["voila"].append(proc.pid)
    return found


def running_kernels() -> dict[str, int] | None:
    """How many kernels and Voilà servers this user runs (None: unknown, psutil missing)."""
    found = jupyter_processes()
    return None if found is None else {kind: len(pids) for kind, pids in found.items()}


def _is_kernel(args: list[str]) -> bool:
    launcher = any(a == "ipykernel_launcher" or a.endswith("/ipykernel_launcher.py") for a in args)
    return launcher or _module(args, "ipykernel_launcher") or _module(args, "ipykernel")


def _is_voila(args: list[str]) -> bool:
    return _module(args, "voila") or any(Path(a).name == "voila" for a in args[:2])


def _module(args: list[str], name: str) -> bool:
    """`python -m NAME …` (the interpreter's own options may come first)."""
    return any(a == "-m" and i + 1 < len(args) and args[i + 1] == name for i, a in enumerate(args[:4]))


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.astimezone()


def _summary(entry: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The fields health and metrics show of one index entry (reports/index.py writes them)."""
    moment = _parse_time(entry.get("finished_at")) or _parse_time(entry.get("started_at"))
    duration = entry.get("duration_seconds")
    return {
        "status": "ok" if entry.get("status") == "ok" else "failed",
        "name": entry.get("name"),
        "period": entry.get("period"),
        "trigger": entry.get("trigger"),
        "scheduled": entry.get("trigger") == SCHEDULED,
        "error": entry.get("error"),
        "at": moment.isoformat(timespec="seconds") if moment else None,
        "timestamp": moment.timestamp() if moment else None,
        "age_seconds": round((now - moment).total_seconds(), 1) if moment else None,
        "duration_seconds": float(duration) if isinstance(duration, int | float) else None,
    }


def last_report(
    directory: str | os.PathLike | None = None, now: datetime | None = None, *, scheduled_only: bool = False
) -> dict[str, Any]:
    """The newest run in reports/index.json, read with the reports module's own reader
    (`themoon.reports.index.read_index`, oldest first): status "ok" or "failed", name, period,
    trigger, when it finished, how long it ran. "none" before the first run, "unreadable" when
    the index is not valid JSON. `scheduled_only`: the newest run a schedule started."""
    from ..reports import index as report_index

    path = report_index.index_path(reports_dir(directory))
    try:
        entries = report_index.read_index(path.parent)
    except (OSError, ValueError) as error:
        return {"status": "unreadable", "index": str(path), "error": str(error)}
    if scheduled_only:
        entries = [e for e in entries if e.get("trigger") == SCHEDULED]
    if not entries:
        return {"status": "none", "index": str(path)}
    now = (now or datetime.now()).astimezone()
    return {**_summary(entries[-1], now), "index": str(path)}


def failing_schedules(directory: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """Scheduled reports whose newest scheduled run failed and that no later run of the same
    report and period has put right (a manual re-run that succeeded clears it)."""
    from ..reports import index as report_index

    entries = report_index.read_index(reports_dir(directory))
    newest: dict[Any, int] = {}
    for i, entry in enumerate(entries):
        if entry.get("trigger") == SCHEDULED:
            newest[entry.get("name")] = i
    failing = []
    for name, i in newest.items():
        entry = entries[i]
        if entry.get("status") == "ok":
            continue
        fixed = any(
            later.get("status") == "ok" and later.get("name") == name and later.get("period") == entry.get("period")
            for later in entries[i + 1 :]
        )
        if not fixed:
            failing.append(entry)
    return failing


def db_size_bytes(db_path: Path) -> int:
    return sum(Path(f"{db_path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db_path}{s}").exists())


def open_readonly(db_path: Path) -> sqlite3.Connection:
    """A connection that reads only and never creates or migrates the database.

    Opened read-write (`mode=rw` never creates a file) with `query_only`: a `mode=ro` connection
    to a WAL database would leave -wal/-shm files behind, owned by whoever ran the check (root's
    would lock the app out); this one removes them on close like any app connection.
    """
    from urllib.parse import quote

    conn = sqlite3.connect(f"file:{quote(str(db_path.absolute()))}?mode=rw", uri=True, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA query_only = ON")
    return conn


def _free_bytes(path: Path) -> int:
    for candidate in (path, *path.absolute().parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free
    return 0  # pragma: no cover


def _human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"  # pragma: no cover


def _human_age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


# --- the check ------------------------------------------------------------------------------


def check(
    db_path: str | os.PathLike | None = None,
    *,
    backups: str | os.PathLike | None = None,
    reports: str | os.PathLike | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    db_path = config.db_path(db_path)
    now = now or datetime.now()
    checks: dict[str, dict[str, Any]] = {}

    # database + schema
    version = None
    if not db_path.is_file():
        checks["database"] = {"status": "fail", "detail": f"{db_path} does not exist (run `themoon init`)"}
    else:
        try:
            conn = open_readonly(db_path)
            try:
                result = [r[0] for r in conn.execute("PRAGMA quick_check")]
                version = conn.execute("PRAGMA user_version").fetchone()[0]
            finally:
                conn.close()
            ok = result == ["ok"]
            checks["database"] = {
                "status": "ok" if ok else "fail",
                "detail": f"{db_path}: quick_check " + ("ok" if ok else "; ".join(result[:3])),
                "quick_check": "ok" if ok else result[:10],
            }
        except sqlite3.Error as error:
            checks["database"] = {"status": "fail", "detail": f"{db_path}: {error}", "quick_check": str(error)}
        checks["database"]["path"] = str(db_path)
        checks["database"]["size_bytes"] = db_size_bytes(db_path)
    code = store.schema_version()
    if version is None:
        checks["schema"] = {"status": "fail", "detail": "unknown (database unreadable)", "version": None, "code": code}
    elif version == code:
        checks["schema"] = {"status": "ok", "detail": f"v{version}", "version": version, "code": code}
    elif version == 0:
        checks["schema"] = {"status": "fail", "detail": "not a themoon database", "version": 0, "code": code}
    elif version < code:
        detail = f"v{version}, code v{code}: migrations pending (run `themoon init`)"
        checks["schema"] = {"status": "warn", "detail": detail, "version": version, "code": code}
    else:
        detail = f"v{version} is newer than this themoon (v{code}): upgrade themoon"
        checks["schema"] = {"status": "fail", "detail": detail, "version": version, "code": code}

    # disk
    min_free = env_int("THEMOON_HEALTH_MIN_FREE_MB", DEFAULT_MIN_FREE_MB) * 1_000_000
    free = _free_bytes(db_path.parent)
    status = "fail" if free < min_free else "warn" if free < 2 * min_free else "ok"
    checks["disk"] = {
        "status": status,
        "detail": f"{_human_bytes(free)} free (minimum {_human_bytes(min_free)})",
        "free_bytes": free,
        "min_free_bytes": min_free,
    }

    # backup
    directory = backup_dir(backups)
    max_age = env_int("THEMOON_BACKUP_MAX_AGE_HOURS", DEFAULT_BACKUP_MAX_AGE_HOURS, minimum=1) * 3600
    newest = latest_backup(directory)
    if newest is None:
        checks["backup"] = {"status": "warn", "detail": f"no backup yet in {directory}", "age_seconds": None}
    else:
        age = newest.age_seconds(now)
        checks["backup"] = {
            "status": "fail" if age > max_age else "ok",
            "detail": f"{newest.name}, {_human_age(age)} old" + (" (too old)" if age > max_age else ""),
            "path": str(newest.path),
            "age_seconds": round(age, 1),
            "max_age_seconds": max_age,
        }

    # kernels (information)
    running = running_kernels()
    if running is None:
        checks["kernels"] = {"status": "ok", "detail": "unknown (psutil not installed)", "running": "unknown"}
    else:
        checks["kernels"] = {
            "status": "ok",
            "detail": f"{running['kernels']} kernels, {running['voila']} Voilà servers",
            "running": running["kernels"],
            "voila_servers": running["voila"],
        }

    checks["report"] = _report_check(reports, now)

    worst = max((c["status"] for c in checks.values()), key=_ORDER.__getitem__)
    return {
        "healthy": worst != "fail",
        "status": worst,
        "checked_at": now.astimezone().isoformat(timespec="seconds"),
        "checks": checks,
    }


def _report_check(reports: str | os.PathLike | None, now: datetime) -> dict[str, Any]:
    """Fail: the newest scheduled run of a report failed (and nothing put it right) or the index
    is unreadable. Warn: the newest run was started by hand and failed. Otherwise ok."""
    report = last_report(reports, now)
    if report["status"] == "unreadable":
        return {
            **report,
            "status": "fail",
            "report_status": "unreadable",
            "failing_scheduled": [],
            "detail": f"{report['index']} is unreadable: {report['error']}",
        }
    failing = failing_schedules(reports)
    parts = [report["status"], report.get("name") or "", report.get("period") or "", report.get("at") or ""]
    if report.get("trigger"):
        parts.append("(scheduled)" if report.get("scheduled") else f"({report['trigger']})")
    if report.get("duration_seconds") is not None:
        parts.append(f"{report['duration_seconds']:.1f} s")
    status = "ok"
    if failing:
        status = "fail"
        names = ", ".join(f"{e.get('name')} {e.get('period')}" for e in failing)
        parts = [f"scheduled report failed: {names};", *parts]
    elif report["status"] == "failed":
        status = "warn"
    return {
        **{k: v for k, v in report.items() if k != "status"},
        "status": status,
        "report_status": report["status"],
        "failing_scheduled": [
            {
                "name": e.get("name"),
                "period": e.get("period"),
                "finished_at": e.get("finished_at"),
                "error": e.get("error"),
            }
            for e in failing
        ],
        "detail": " ".join(p for p in parts if p),
    }


def render_text(result: dict[str, Any]) -> str:
    lines = [f"themoon health: {result['status'].upper()}"]
    width = max(map(len, result["checks"]), default=0)
    for name, item in result["checks"].items():
        lines.append(f"  {name:<{width}}  {item['status']:<4}  {item['detail']}")
    return "\n".join(lines)

"""Prometheus metrics in the text exposition format (0.0.4).

`render()` returns the text; `write_textfile(path)` writes it atomically for node-exporter's
textfile collector (`--collector.textfile.directory`; the file name must end in `.prom`).
`themoon metrics --textfile /var/lib/node_exporter/textfile/themoon.prom` from a timer keeps it
fresh. Nothing here writes to the database: it is opened query-only.

A value that cannot be known is left out (never exported as a fake 0): e.g. no kernel count
without psutil, no backup age before the first backup.
"""

from __future__ import annotations

import math
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from .. import config, inventory
from . import backup_dir
from .backup import list_backups
from .health import db_size_bytes, last_report, open_readonly, running_kernels

PREFIX = "themoon"


class _Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, help_: str, samples: Iterable[tuple[dict[str, str], float]], kind: str = "gauge"):
        samples = [(labels, value) for labels, value in samples if value is not None]
        if not samples:
            return
        full = f"{PREFIX}_{name}"
        self.lines.append(f"# HELP {full} {help_}")
        self.lines.append(f"# TYPE {full} {kind}")
        for labels, value in samples:
            label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            self.lines.append(f"{full}{{{label_text}}} {_number(value)}" if labels else f"{full} {_number(value)}")

    def one(self, name: str, help_: str, value: float | None, kind: str = "gauge") -> None:
        self.add(name, help_, [({}, value)], kind)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def render(
    db_path: str | os.PathLike | None = None,
    *,
    backups: str | os.PathLike | None = None,
    reports: str | os.PathLike | None = None,
    now: datetime | None = None,
    today: date | None = None,
) -> str:
    """The metrics text. Counts are read in one read transaction of the database."""
    db_path = config.db_path(db_path)
    now = now or datetime.now()
    today = today or now.date()
    out = _Exposition()

    values: dict[str, float | None] = {}
    up = 0
    if db_path.is_file():
        try:
            conn = open_readonly(db_path)
            try:
                conn.execute("BEGIN")
                values["schema"] = conn.execute("PRAGMA user_version").fetchone()[0]
                values["batches_today"] = conn.execute(
                    "SELECT count(*) FROM roast_batches WHERE roasted_on = ?", (today.isoformat(),)
                ).fetchone()[0]
                values["roasted_today"] = conn.execute(
                    "SELECT coalesce(sum(roasted_g), 0) FROM roast_batches WHERE roasted_on = ?",
                    (today.isoformat(),),
                ).fetchone()[0]
                values["batches_total"] = conn.execute("SELECT count(*) FROM roast_batches").fetchone()[0]
                values["open_alerts"] = conn.execute(
                    "SELECT count(*) FROM loss_alerts WHERE resolved_at IS NULL"
                ).fetchone()[0]
                stock = inventory.stock(conn, on=today)
                values["stock_value"] = sum(row["value_won"] for row in stock)
                values["stock_grams"] = sum(max(row["stock_g"], 0) for row in stock)
                values["low_stock"] = sum(1 for row in stock if row["low"])
                conn.execute("COMMIT")
                up = 1
            finally:
                conn.close()
        except sqlite3.Error:
            up = 0
    out.one("up", "1 if the database could be read, else 0", up)
    if db_path.exists():
        out.one("db_size_bytes", "Size of the SQLite database file plus its WAL, in bytes", db_size_bytes(db_path))
    out.one("db_schema_version", "PRAGMA user_version of the database", values.get("schema"))
    out.one("batches_today", "Roast batches recorded for today", values.get("batches_today"))
    out.one("roasted_grams_today", "Roasted coffee recorded for today, in grams", values.get("roasted_today"))
    out.one("batches_total", "Roast batches in the database", values.get("batches_total"))
    out.one("stock_value_won", "Green-coffee stock at moving-average cost, in won", values.get("stock_value"))
    out.one("stock_grams", "Green-coffee stock, in grams", values.get("stock_grams"))
    out.one("low_stock_beans", "Active beans at or below their reorder point", values.get("low_stock"))
    out.one("open_loss_alerts", "Loss alerts not yet resolved", values.get("open_alerts"))

    running = running_kernels()
    if running is not None:
        out.one(
            "kernels_running",
            "Jupyter kernels of this user (one per open Voila page)",
            running["kernels"],
        )
        out.one("voila_servers_running", "Voilà server processes running as this user", running["voila"])

    found = list_backups(backup_dir(backups))
    out.one("backups", "Backup files kept in the backup directory", len(found))
    if found:
        newest = found[0]
        out.one("last_backup_timestamp_seconds", "When the newest backup was taken", newest.created.timestamp())
        out.one("last_backup_age_seconds", "Age of the newest backup, in seconds", round(newest.age_seconds(now), 1))
        out.one("last_backup_size_bytes", "Size of the newest backup, in bytes", newest.size_bytes)

    report = last_report(reports, now)
    out.add(
        "last_report_status",
        'Status of the newest report run, scheduled or not (the label; "none" before the first)',
        [({"status": report["status"]}, 1)],
    )
    if report["status"] != "none":
        out.one("last_report_success", "1 if the newest report succeeded, else 0", int(report["status"] == "ok"))
        out.one("last_report_duration_seconds", "How long the newest report ran", report.get("duration_seconds"))
        out.one("last_report_timestamp_seconds", "When the newest report finished (Unix time)", report.get("timestamp"))
    out.one("metrics_generated_timestamp_seconds", "When these metrics were computed (Unix time)", now.timestamp())
    return out.text()


def write_textfile(path: str | os.PathLike, text: str | None = None, **render_args) -> Path:
    """Write the metrics to `path` atomically (temp file in the same directory, fsync, rename)."""
    path = Path(path)
    text = render(**render_args) if text is None else text
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # node-exporter usually runs as another user
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

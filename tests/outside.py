"""Looking at the store from outside: a fresh Python process for every read, the `themoon` CLI as a
subprocess, and a kernel-like worker process (tests/kernel_worker.py) driven over JSON lines.

A write is done when another process sees it (issue #11: every dashboard save was lost while the
process that made it still saw it). So these helpers never read through the test's own process:
each read is a new `python -c` that opens the file with Python's sqlite3 read-write (as the CLI,
timers and new kernels do), reads, and closes it — the close is what used to delete the WAL under
a kernel that had lost its locks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).resolve().parent / "kernel_worker.py"
THEMOON = Path(sys.executable).parent / "themoon"

_READ = r"""
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=30)
conn.row_factory = sqlite3.Row
try:
    rows = [dict(r) for r in conn.execute(sys.argv[2], json.loads(sys.argv[3]))]
finally:
    conn.close()
print(json.dumps(rows, default=str))
"""


def query(path: str | os.PathLike, sql: str, params: tuple | list = ()) -> list[dict[str, Any]]:
    """Rows of `sql` over the database at `path`, read by a fresh Python process."""
    out = subprocess.run(
        [sys.executable, "-c", _READ, str(path), sql, json.dumps(list(params))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode != 0:
        raise AssertionError(f"reading {path} from another process failed:\n{out.stderr}")
    return json.loads(out.stdout)


def scalar(path: str | os.PathLike, sql: str, params: tuple | list = ()) -> Any:
    rows = query(path, sql, params)
    return next(iter(rows[0].values())) if rows else None


def count(path: str | os.PathLike, table: str, where: str = "", params: tuple | list = ()) -> int:
    """COUNT(*) of `table` (a name from the test, never from input) as another process sees it."""
    return scalar(path, f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else ""), params)


def ids(path: str | os.PathLike, table: str) -> set[int]:
    return {r["id"] for r in query(path, f"SELECT id FROM {table}")}


def row(path: str | os.PathLike, table: str, **match: Any) -> dict[str, Any] | None:
    """The one row of `table` with these column values (None if there is none)."""
    where = " AND ".join(f"{column} = ?" for column in match)
    rows = query(path, f"SELECT * FROM {table} WHERE {where}", list(match.values()))
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def integrity(path: str | os.PathLike) -> str:
    return scalar(path, "PRAGMA integrity_check")


def open_and_close(path: str | os.PathLike) -> None:
    """Another process opens the store, reads, and closes it (as the CLI, timers, kernels do)."""
    count(path, "roast_batches")


def themoon(
    *args: str, db: str | os.PathLike | None = None, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    """`themoon ARGS --db DB` as a subprocess (the installed console script)."""
    command = [str(THEMOON), *args]
    if db is not None:
        command += ["--db", str(db)]
    environment = {**os.environ, **(env or {})}
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300, cwd=REPO)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def themoon_json(*args: str, db: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Any:
    return json.loads(themoon(*args, "--json", db=db, env=env).stdout)


class Worker:
    """A process built like a dashboard kernel (tests/kernel_worker.py): the prepared analytics
    engine and the real App signed in as the owner. `call(op, **args)` sends one JSON line and
    returns the `result` of its answer (an error answer raises)."""

    def __init__(self, db_path: str | os.PathLike, *, today: str = "2026-11-15", env: dict[str, str] | None = None):
        environment = {**os.environ, "THEMOON_TODAY": today, **(env or {})}
        environment.pop("VOILA_PREHEAT", None)
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), str(db_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=environment,
        )
        self.pid = self.process.pid
        self.ready = self._answer()

    def _answer(self) -> Any:
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"the kernel-like worker exited ({self.process.wait(30)})")
        answer = json.loads(line)
        if not answer["ok"]:
            raise AssertionError(f"the kernel-like worker failed: {answer['error']}")
        return answer["result"]

    def call(self, op: str, **args: Any) -> Any:
        self.process.stdin.write(json.dumps({"op": op, "args": args}) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> int:
        """Ask the worker to close its app and exit; its exit code."""
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"op": "exit", "args": {}}) + "\n")
                self.process.stdin.flush()
            except BrokenPipeError:
                pass
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        return self.process.returncode

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

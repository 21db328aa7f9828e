"""`reports/index.json`: one entry per report run, successful or not.

The file is a JSON list, oldest first; `themoon health` and `themoon metrics` read its newest
entry (docs/operations.md). An entry:

```json
{"id": "20261101-060002-monthly_cost-2026-10-4f1c", "name": "monthly_cost",
 "title": "Monthly cost report", "period": "2026-10",
 "parameters": {"db_path": "/var/lib/themoon/themoon.db", "period": "2026-10", "trend_months": 12},
 "trigger": "schedule", "started_at": "2026-11-01T06:00:02+09:00",
 "finished_at": "2026-11-01T06:00:14+09:00", "duration_seconds": 11.84, "status": "ok",
 "files": {"ipynb": "monthly_cost/2026-10/monthly_cost_2026-10.ipynb", "html": "…", "xlsx": "…"},
 "error": null}
```

`status` is `ok` or `failed`; file paths are relative to the reports directory (a failed run
lists `failed_ipynb` and `error`). Writers take an exclusive lock (`.index.lock`), read, append
and replace the file atomically (temp file, fsync, rename), so concurrent runs never lose an
entry and a reader never sees half a file. The newest `MAX_ENTRIES` are kept.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import config
from ..durable import fsync_dir

INDEX_NAME = "index.json"
MAX_ENTRIES = 5000
FILE_KINDS = ("html", "pdf", "xlsx", "ipynb", "failed_ipynb", "error")


def reports_root(root: str | os.PathLike | None = None) -> Path:
    return Path(root) if root else config.reports_dir()


def index_path(root: str | os.PathLike | None = None) -> Path:
    return reports_root(root) / INDEX_NAME


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on `path` (created if missing) for the duration of the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temp file in the same directory, fsynced, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def read_index(root: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """Every recorded run, oldest first ([] when there is no index yet)."""
    path = index_path(root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    if isinstance(data, dict):
        data = data.get("reports", [])
    return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []


def record_run(entry: dict[str, Any], root: str | os.PathLike | None = None) -> None:
    """Append one run to the index (atomically, under the index lock)."""
    directory = reports_root(root)
    with locked(directory / ".index.lock"):
        try:
            entries = read_index(directory)
        except ValueError:  # unreadable: keep it for inspection, start a new one
            path = index_path(directory)
            path.replace(path.with_name(f"index.corrupt-{os.getpid()}.json"))
            entries = []
        entries.append(entry)
        text = json.dumps(entries[-MAX_ENTRIES:], ensure_ascii=False, indent=1, default=str)
        write_atomic(index_path(directory), (text + "\n").encode("utf-8"))


def with_paths(entry: dict[str, Any], root: str | os.PathLike | None = None) -> dict[str, Any]:
    """The entry plus `<kind>_path`: the absolute path of each of its files that exists now."""
    directory = reports_root(root)
    result = dict(entry)
    for kind in FILE_KINDS:
        relative = (entry.get("files") or {}).get(kind)
        path = directory / relative if relative else None
        result[f"{kind}_path"] = str(path) if path is not None and path.is_file() else None
    return result


def list_reports(
    root: str | os.PathLike | None = None,
    *,
    name: str | None = None,
    status: str | None = None,
    published_only: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Recorded runs, newest first, each with the absolute paths of its files that still exist
    (`html_path`, `xlsx_path`, `ipynb_path`; `failed_ipynb_path`, `error_path` for failures).

    `published_only`: what is on disk now — per (report, period) the newest successful run
    whose HTML still exists (a later failed run does not replace a published report).
    """
    entries = list(reversed(read_index(root)))
    if name:
        entries = [e for e in entries if e.get("name") == name]
    if status:
        entries = [e for e in entries if e.get("status") == status]
    if published_only:
        seen: set[tuple[Any, Any]] = set()
        unique = []
        for entry in entries:
            key = (entry.get("name"), entry.get("period"))
            if key in seen or entry.get("status") != "ok" or not with_paths(entry, root)["html_path"]:
                continue
            seen.add(key)
            unique.append(entry)
        entries = unique
    if limit is not None:
        entries = entries[: max(int(limit), 0)]
    return [with_paths(e, root) for e in entries]

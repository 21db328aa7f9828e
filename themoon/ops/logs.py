"""Rotating file logs, one line per event in a grep-friendly key=value format.

    ts=2026-11-28T06:34:55.123+09:00 level=INFO pid=4242 logger=themoon.ops event=backup.created path=...

Values that are not plain words are JSON-quoted (so a newline, a quote or a space never splits a
line and Korean stays readable); `grep 'event=backup.'` or `grep 'user=minji'` finds events.

Settings (environment or `.env`): THEMOON_LOG_DIR (default $THEMOON_DATA_DIR/logs), LOG_LEVEL
(default INFO), THEMOON_LOG_MAX_BYTES (default 5 MB), THEMOON_LOG_BACKUPS (default 5 rotated
files), THEMOON_LOG_STDERR=1 to also write every line to stderr (journald, `docker logs`).

Several processes (Voilà kernels, the CLI, the backup timer) append to the same file. The
handler appends with O_APPEND, rotates under an flock and reopens when another process rotated
the file underneath it, so lines are neither lost nor written into a file about to be deleted.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from . import env, env_int, log_dir

try:  # POSIX; without it rotation is unlocked (one process per log file then)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

LOGGER = "themoon"
FILE_NAME = "themoon.log"
DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_BACKUPS = 5

_BARE = re.compile(r"^[\w.:/@+,\-]+$")
_KEY = re.compile(r"[^a-z0-9_.]+")
_RESERVED = ("ts", "level", "pid", "logger", "event")
_handlers: list[logging.Handler] = []


def format_value(value: Any) -> str:
    """A value as it appears after `key=`: bare when safe to grep, else a JSON string."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    text = value if isinstance(value, str) else str(value)
    if text and _BARE.match(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def format_pairs(fields: dict[str, Any]) -> str:
    parts = []
    for key, value in fields.items():
        clean = _KEY.sub("_", str(key).lower()).strip("_") or "field"
        if clean in _RESERVED:
            clean = f"{clean}_"
        parts.append(f"{clean}={format_value(value)}")
    return " ".join(parts)


class KeyValueFormatter(logging.Formatter):
    """`ts=… level=… pid=… logger=… event=… key=value …` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")
        head = f"ts={ts} level={record.levelname} pid={record.process} logger={record.name}"
        event = getattr(record, "event", None) or "log"
        fields: dict[str, Any] = dict(getattr(record, "fields", None) or {})
        message = record.getMessage()
        if message and message != event:
            fields["msg"] = message
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            fields["exc"] = record.exc_text
        tail = format_pairs(fields)
        return f"{head} event={format_value(event)}" + (f" {tail}" if tail else "")


class SharedRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler that several processes can append to and rotate safely."""

    def __init__(self, filename: str | os.PathLike, max_bytes: int, backups: int):
        super().__init__(filename, mode="a", maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
        self.lock_path = f"{self.baseFilename}.lock"

    def _rotated_elsewhere(self) -> bool:
        if self.stream is None:
            return False
        try:
            on_disk = os.stat(self.baseFilename)
        except FileNotFoundError:
            return True
        mine = os.fstat(self.stream.fileno())
        return (on_disk.st_ino, on_disk.st_dev) != (mine.st_ino, mine.st_dev)

    def _reopen(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.stream = self._open()

    def shouldRollover(self, record: logging.LogRecord) -> bool:  # noqa: N802 (logging's name)
        if self._rotated_elsewhere():
            self._reopen()
        if self.stream is None:
            self.stream = self._open()
        if self.maxBytes <= 0 or self.backupCount <= 0:  # as logging's own: no limits, no rotation
            return False
        size = os.fstat(self.stream.fileno()).st_size
        line = len(self.format(record).encode("utf-8")) + 1
        return size > 0 and size + line > self.maxBytes

    def doRollover(self) -> None:  # noqa: N802 (logging's name)
        lock = open(self.lock_path, "a")  # noqa: SIM115 (held across the rotation below)
        try:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            if self._rotated_elsewhere():  # another process rotated while we waited
                self._reopen()
                return
            super().doRollover()
            if self.stream is None:
                self.stream = self._open()
        finally:
            lock.close()  # releases the flock


def _level(name: str | None) -> int:
    value = logging.getLevelName((name or "INFO").strip().upper())
    return value if isinstance(value, int) else logging.INFO


def real_stderr():
    """The process's own stderr, never the page: in a Jupyter kernel sys.stderr is the page, and
    ipykernel also pipes file descriptor 2 (sys.__stderr__) to it (`capture_fd_output`), keeping
    the original in `_original_stdstream_copy` — the server's log."""
    copy = getattr(sys.stderr, "_original_stdstream_copy", None)
    if isinstance(copy, int):
        global _REAL_STDERR
        if _REAL_STDERR is None:
            _REAL_STDERR = os.fdopen(os.dup(copy), "w", buffering=1, encoding="utf-8", errors="replace")
        return _REAL_STDERR
    return sys.__stderr__


_REAL_STDERR = None


def setup(
    *,
    directory: str | os.PathLike | None = None,
    level: str | None = None,
    max_bytes: int | None = None,
    backups: int | None = None,
    stderr: bool | None = None,
    force: bool = False,
) -> logging.Logger:
    """Configure the `themoon` logger once per process (again with force=True); returns it.

    A log directory that cannot be written falls back to stderr with one warning: logging
    never stops the app.
    """
    logger = logging.getLogger(LOGGER)
    if _handlers and not force:
        return logger
    reset()
    logger.setLevel(_level(level or env("LOG_LEVEL")))
    formatter = KeyValueFormatter()
    directory = log_dir(directory)
    max_bytes = env_int("THEMOON_LOG_MAX_BYTES", DEFAULT_MAX_BYTES) if max_bytes is None else max_bytes
    backups = env_int("THEMOON_LOG_BACKUPS", DEFAULT_BACKUPS) if backups is None else backups
    if stderr is None:
        stderr = (env("THEMOON_LOG_STDERR", "0") or "0").lower() in ("1", "true", "yes", "on")
    problem = None
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = SharedRotatingFileHandler(Path(directory) / FILE_NAME, max_bytes, backups)
        handler.stream = handler._open()  # fail here, not on the first event
    except OSError as error:
        problem = error
        handler = logging.StreamHandler(real_stderr())  # inside a kernel, sys.stderr is the page
        stderr = False
    handler.setFormatter(formatter)
    _handlers.append(handler)
    if stderr:
        extra = logging.StreamHandler(real_stderr())
        extra.setFormatter(formatter)
        _handlers.append(extra)
    for h in _handlers:
        logger.addHandler(h)
    if problem is not None:
        event("log.fallback", logging.WARNING, directory=str(directory), error=str(problem))
    return logger


def reset() -> None:
    """Remove the handlers setup() added (tests; a process that changes its log settings)."""
    logger = logging.getLogger(LOGGER)
    for handler in _handlers:
        logger.removeHandler(handler)
        handler.close()
    _handlers.clear()


def log_file() -> Path | None:
    """The file the `themoon` logger writes to, if setup() configured one."""
    for handler in _handlers:
        if isinstance(handler, RotatingFileHandler):
            return Path(handler.baseFilename)
    return None


def event(name: str, level: int = logging.INFO, /, *, logger: str | None = None, exc: bool = False, **fields: Any):
    """Log one event: `event("backup.created", path=p, size=n)`."""
    log = logging.getLogger(f"{LOGGER}.{logger}" if logger else LOGGER)
    log.log(level, name, extra={"event": name, "fields": fields}, exc_info=exc)


def log_write(user: str, action: str, entity: str, entity_id: Any = None, **fields: Any) -> None:
    """One line for a write the app made on someone's behalf (the audit_log table holds the
    old and new values; this line is for grep and log shipping)."""
    event("write", logging.INFO, logger="store", user=user, action=action, entity=entity, entity_id=entity_id, **fields)

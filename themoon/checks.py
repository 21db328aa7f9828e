"""Checks of command-line values made before any work starts (issue #15).

A bad value must never start papermill, open (and so create or migrate) a database, make a
directory or write a log line: each function here only looks (stat, parse) and raises
`ValidationError` naming the field and the rule. `themoon.cli.main` runs the command's
`check(args)` (set with `set_defaults(check=...)`) before its handler.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .messages import Localized
from .models import ValidationError, parse_date, parse_int

# Paths and names that end up inside systemd units or cron lines: nothing a shell or the unit
# parser would read as syntax (no spaces, quotes, newlines, `;`, `$`, `%`, backslashes).
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._/-]{0,200}$")
_SAFE_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def existing_db(field: str, path: Path) -> None:
    """The database must already be there: a command that is not `init`/`demo`/an import never
    creates one by accident (a typo in --db would otherwise leave an empty database behind)."""
    if path.is_dir():
        raise ValidationError(field, "error.is_a_directory_not_a_database", path=path)
    if not path.is_file():
        raise ValidationError(field, "error.no_database_at_run_themoon_init", path=path)


def not_a_file(field: str, value: Any) -> Path | None:
    """A directory that may not exist yet, but is not an existing file."""
    if value in (None, ""):
        return None
    path = Path(str(value))
    if path.exists() and not path.is_dir():
        raise ValidationError(field, "error.exists_and_is_not_a_directory", path=path)
    return path


def existing_dir(field: str, value: Any) -> Path:
    path = Path(str(value))
    if not path.is_dir():
        raise ValidationError(field, "error.is_not_an_existing_directory", path=path)
    return _may(field, path, os.W_OK | os.X_OK)


def existing_file(field: str, value: Any) -> Path:
    path = Path(str(value))
    if not path.is_file():
        raise ValidationError(field, "error.does_not_exist_or_is_not", path=path)
    return _may(field, path, os.R_OK)


def _may(field: str, path: Path, mode: int) -> Path:
    """`path` when this process may use it as `mode` asks (write into a directory, read a file)."""
    if not os.access(path, mode):
        raise ValidationError(field, "error.is_not_readable" if mode == os.R_OK else "error.is_not_writable", path=path)
    return path


def output_file(field: str, value: Any, suffixes: tuple[str, ...], *, protect: Path | None = None) -> Path:
    """A file to write: the right suffix, its folder exists, not a directory, not the database."""
    path = Path(str(value))
    if path.suffix.lower() not in suffixes:
        raise ValidationError(
            field, "error.must_end_with", suffixes=Localized(" or ".join(suffixes), "/".join(suffixes))
        )
    if path.is_dir():
        raise ValidationError(field, "error.is_a_directory", path=path)
    if not path.parent.is_dir():
        raise ValidationError(field, "error.folder_does_not_exist", folder=path.parent)
    if protect is not None and path.exists() and protect.exists() and os.path.samefile(path, protect):
        raise ValidationError(field, "error.would_overwrite_the_database_itself")
    return path


def bounded_int(field: str, value: Any, minimum: int, maximum: int) -> int:
    return parse_int(field, value, minimum=minimum, maximum=maximum)


def optional_date(field: str, value: Any) -> None:
    if value not in (None, ""):
        parse_date(field, value)


def safe_path(field: str, value: Any) -> str:
    """An absolute path that is safe to write into a systemd unit or a cron line."""
    text = str(value or "")
    if not _SAFE_PATH.match(text) or "/../" in f"{text}/":
        raise ValidationError(
            field,
            "error.must_be_an_absolute_path_of",
        )
    return text


def safe_user(field: str, value: Any) -> str:
    text = str(value or "")
    if not _SAFE_USER.match(text):
        raise ValidationError(field, "error.must_be_a_system_user_name")
    return text

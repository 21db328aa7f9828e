"""Operations: verified backups and restore, health, Prometheus metrics, structured logs.

Every path and limit comes from the environment (or `.env`), with defaults under the data
directory so one `THEMOON_DATA_DIR` moves everything:

| variable              | default                    |
|-----------------------|----------------------------|
| THEMOON_DATA_DIR      | data/ of the project      |
| THEMOON_BACKUP_DIR    | $THEMOON_DATA_DIR/backups  |
| THEMOON_BACKUP_KEEP   | 14 (plus one per month)    |
| THEMOON_LOG_DIR       | $THEMOON_DATA_DIR/logs     |
| THEMOON_REPORTS_DIR   | reports/ of the project   |
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import config
from ..models import ValidationError

DEFAULT_BACKUP_KEEP = 14


def env(name: str, default: str | None = None) -> str | None:
    """An environment setting (`.env` in the working directory fills the gaps); blank means unset."""
    config.load_dotenv()
    value = os.environ.get(name, "").strip()
    return value or default


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = env(name)
    if raw is None:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise ValidationError(name, "cli.is_not_a_whole_number", raw=raw) from None
    if value < minimum:
        raise ValidationError(name, "error.must_be_at_least_2", minimum=minimum)
    return value


def data_dir() -> Path:
    return config.data_dir()


def backup_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(env("THEMOON_BACKUP_DIR") or data_dir() / "backups")


def log_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(env("THEMOON_LOG_DIR") or data_dir() / "logs")


def reports_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    return config.reports_dir()


def backup_keep(explicit: int | str | None = None) -> int:
    """How many of the newest backups to keep (one per month is kept on top of these)."""
    if explicit is None:
        return env_int("THEMOON_BACKUP_KEEP", DEFAULT_BACKUP_KEEP, minimum=1)
    try:
        value = int(str(explicit).replace("_", ""))
    except ValueError:
        raise ValidationError("keep", "cli.is_not_a_whole_number_2", explicit=explicit) from None
    if value < 1:
        raise ValidationError("keep", "cli.must_be_at_least_1")
    return value

"""Settings from the environment and an optional `.env` file.

Relative defaults (data/themoon.db, .env) are taken from the project directory when running
from a source checkout — so a notebook whose kernel starts in notebooks/ finds the same
database as `make run` — and from the working directory otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def project_dir() -> Path:
    """The source checkout this package runs from, else the working directory."""
    return _SOURCE_ROOT if (_SOURCE_ROOT / "pyproject.toml").is_file() else Path.cwd()


def load_dotenv(path: Path | None = None) -> None:
    """Fill os.environ from KEY=VALUE lines of `.env` (the working directory's, then the project's)
    without overriding what is already set."""
    paths = [path] if path else [Path.cwd() / ".env", project_dir() / ".env"]
    for candidate in paths:
        if candidate.is_file():
            _read_dotenv(candidate)


def _read_dotenv(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def data_dir() -> Path:
    """$THEMOON_DATA_DIR, else data/ in the project directory."""
    load_dotenv()
    return Path(os.environ.get("THEMOON_DATA_DIR") or project_dir() / "data")


def reports_dir() -> Path:
    """$THEMOON_REPORTS_DIR, else reports/ in the project directory."""
    load_dotenv()
    return Path(os.environ.get("THEMOON_REPORTS_DIR") or project_dir() / "reports")


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database: an explicit path, else $THEMOON_DB, else themoon.db in $THEMOON_DATA_DIR,
    else data/themoon.db in the project directory."""
    if explicit:
        return Path(explicit)
    load_dotenv()
    if os.environ.get("THEMOON_DB"):
        return Path(os.environ["THEMOON_DB"])
    return data_dir() / "themoon.db"


def language() -> str:
    load_dotenv()
    lang = os.environ.get("THEMOON_LANG", "en").lower()
    return lang if lang in ("en", "ko") else "en"


def env_flag(name: str, default: bool = False) -> bool:
    """An on/off setting: 1, true, yes or on (any case) is on; anything else is off; unset or
    empty, `default`."""
    load_dotenv()
    value = (os.environ.get(name) or "").strip().lower()
    return default if not value else value in ("1", "true", "yes", "on")

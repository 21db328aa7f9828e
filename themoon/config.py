"""Settings read from the environment (and an optional `.env` in the working directory)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = Path("data") / "themoon.db"


def _load_dotenv(path: Path = Path(".env")) -> None:
    """Fill os.environ from KEY=VALUE lines without overriding what is already set."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database: an explicit path, else $THEMOON_DB, else themoon.db in $THEMOON_DATA_DIR
    (default data/)."""
    if explicit:
        return Path(explicit)
    _load_dotenv()
    if os.environ.get("THEMOON_DB"):
        return Path(os.environ["THEMOON_DB"])
    data_dir = os.environ.get("THEMOON_DATA_DIR")
    return Path(data_dir) / DEFAULT_DB.name if data_dir else DEFAULT_DB


def language() -> str:
    _load_dotenv()
    lang = os.environ.get("THEMOON_LANG", "en").lower()
    return lang if lang in ("en", "ko") else "en"

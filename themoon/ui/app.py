"""The dashboard application the Voilà notebook displays: `build_app()`."""

from __future__ import annotations

import logging
import os
import sys
from datetime import date
from pathlib import Path

import ipywidgets as widgets

from .. import config
from .overview import Overview

log = logging.getLogger("themoon.ui")


def pinned_today() -> date | None:
    """$THEMOON_TODAY (YYYY-MM-DD) pins the dashboard's "today" — for demos and browser tests;
    unset (the normal case) or invalid means the real date."""
    text = os.environ.get("THEMOON_TODAY", "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        log.warning("ignored THEMOON_TODAY=%r (expected YYYY-MM-DD)", text)
        return None


def build_view(
    db_path: str | os.PathLike | None = None, lang: str | None = None, *, today: date | None = None
) -> Overview:
    """The overview over `db_path` (default: $THEMOON_DB, else data/themoon.db) in `lang`
    (default: $THEMOON_LANG, else English)."""
    return Overview(Path(config.db_path(db_path)), lang=lang or config.language(), today=today or pinned_today())


def setup_logging() -> None:
    """Send the kernel's `themoon` log records to the shared log file (themoon.ops.logs).

    In a kernel, sys.stderr is the page: a record that reached logging's last-resort handler
    would print a traceback under the dashboard. Without the ops logs, records go to the
    kernel process's own stderr (the Voilà server's log) instead.
    """
    try:
        from ..ops import logs

        logs.setup()
    except Exception:  # a log directory or module problem must not stop the dashboard
        pass
    logger = logging.getLogger("themoon")
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler(sys.__stderr__))


def build_app(
    db_path: str | os.PathLike | None = None, lang: str | None = None, *, today: date | None = None
) -> widgets.Widget:
    """The dashboard widget (display it, or leave it as a cell's last expression)."""
    setup_logging()
    return build_view(db_path, lang, today=today).widget

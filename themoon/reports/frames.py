"""Where a report's numbers come from and how its frames are shaped: the database opened for the
analytics engine and a read-only connection, period-over-period changes, kg from grams, plain dates."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

from .. import config, db, inventory
from ..costing import round_decimal, round_won
from .periods import Period
from .tables import Report, Table

_ALL = 10_000_000


@contextmanager
def _sources(db_path: str | os.PathLike | None) -> Iterator[tuple[Path, Any, Any]]:
    """(path, Analytics engine, read-only sqlite3 connection) of the database, closed afterwards."""
    from ..analytics import Analytics

    path = config.db_path(db_path)
    if not Path(path).is_file():
        raise FileNotFoundError(f"no database at {path}")
    engine = Analytics(path)
    try:
        with closing(db.connect(path, readonly=True)) as conn:
            yield path, engine, conn
    finally:
        engine.close()


def _report(
    name: str, title: tuple[str, str], period: Period, tables: list[Table], path: Path, lang: str, /, **parameters: Any
) -> Report:
    return Report(
        name, *title, period, {t.name: t for t in tables}, parameters=parameters, database=str(path), lang=lang
    )


def _select(found: pd.DataFrame, columns: list[str], dates: tuple[str, ...] = (), **assign: Any) -> pd.DataFrame:
    """`columns` of an engine result after `found.assign(**assign)`, the `dates` as dates (no rows: an
    empty frame of those columns)."""
    if found.empty:
        return pd.DataFrame(columns=columns)
    return _dates(found.assign(**assign)[columns].copy(), *dates)


def _whole(frame: pd.DataFrame, *columns: str) -> None:
    """Columns of whole numbers with gaps → nullable Int64."""
    for column in columns:
        frame[column] = pd.array([None if pd.isna(v) else int(v) for v in frame[column]], dtype="Int64")


def _kg(grams: Any) -> float | None:
    if grams is None or pd.isna(grams):
        return None
    return int(grams) / 1000


def _change_pct(new: Any, old: Any) -> float | None:
    """Relative change new vs old in percent, half-up to 0.1 (None without a base)."""
    if new is None or old is None or pd.isna(new) or pd.isna(old) or old == 0:
        return None
    return float(round_decimal((Fraction(str(new)) - Fraction(str(old))) / abs(Fraction(str(old))) * 100, 1))


def _difference(new: Any, old: Any) -> float | int | None:
    if new is None or old is None or pd.isna(new) or pd.isna(old):
        return None
    if isinstance(new, int) and isinstance(old, int):
        return new - old
    return float(round_decimal(Fraction(str(new)) - Fraction(str(old)), 2))


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """datetime64 columns → datetime.date (NaT → None), so tables hold plain dates."""
    for column in columns:
        if column in frame:
            frame[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[column]]
    return frame


def _purchases(conn, since: date, until: date) -> pd.DataFrame:
    rows = [
        p
        for p in inventory.list_purchases(conn, limit=_ALL)
        if since.isoformat() <= p["purchased_on"] <= until.isoformat()
    ]
    columns = ["purchased_on", "bean", "supplier", "lot_code", "purchased_kg", "total_won", "price_per_kg_won"]
    if not rows:
        return pd.DataFrame(columns=columns)  # the columns of a month with purchases
    rows.sort(key=lambda p: (p["purchased_on"], p["id"]))
    return pd.DataFrame(
        {
            "purchased_on": [date.fromisoformat(p["purchased_on"]) for p in rows],
            "bean": [p["bean"] for p in rows],
            "supplier": [p["supplier"] for p in rows],
            "lot_code": [p["lot_code"] for p in rows],
            "grams_kg": [p["grams"] / 1000 for p in rows],
            "total_won": [int(p["total_won"]) for p in rows],
            "price_per_kg_won": [round_won(Fraction(p["total_won"] * 1000, p["grams"])) for p in rows],
        }
    ).rename(columns={"grams_kg": "purchased_kg"})

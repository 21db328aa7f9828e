"""Analytics over the store in DuckDB: trends, loss analysis, forecasts, profitability, what-if.

One `Analytics(db_path)` per kernel owns one in-memory DuckDB connection with the SQLite file
attached read-only (`themoon.duck.connect_sqlite`: the sqlite scanner is loaded offline from its
wheel; no DuckDB file exists, so nothing is shared or locked between processes).

`refresh()` materialises the store once into DuckDB-native columnar tables (the SQL is in
`themoon/sql/refresh.sql`): one row per batch (`batch_facts`: day, product, operator, green and
roasted grams, frozen green cost, the expectation it was judged against, its exact cost and its
alert), the same summed per day × product × operator (`daily`), the anomalous batches, green
used per bean and day, purchases and adjustments; and, in numpy, stock, stock value and green
used per day × bean and the exact moving-average cost after every purchase. Every dashboard
query then reads those only (docs/analytics.md).
`refresh()` is cheap when nothing changed: it compares `PRAGMA data_version` of a read-only
sqlite3 connection and the file's identity/size/mtime (and the WAL's) with the last load, and
reloads everything when they differ (a million batches load in a few seconds).

Numbers follow the cost model (`themoon.costing`) exactly:

- batch cost and cost per roasted kg are `costing.batch_cost` (session costs split by green
  grams over the day's batches, settings in force on the day) in integer arithmetic in SQL,
  rounded half-up like `roasting.list_batches`; period totals add the per-batch rounded costs
  like `kpis.overview`;
- stock value is `round_won(moving-average cost × stock)` with the average of
  `inventory.avg_cost_per_g`, carried as an exact `Fraction` per purchase;
- standard costs, menu costs and the what-if engine gather their inputs here (green prices,
  losses, recipes) and turn them into rows with `themoon.costs` itself (`product_cost_row`,
  `menu_cost_row`, `what_if_inputs`: `costing.standard_cost_per_kg`, `unit_cost`,
  `suggested_price`, `margin_pct` with exact fractions);
- the monthly margin trend runs vectorised in float64 and recomputes exactly any value that
  lands within 1e-6 of a rounding boundary, so it equals `costs.menu_costs(on=month end)`.

Averages of percentages (mean loss, box-plot quartiles, money cost of excess loss) are float64
statistics, rounded for display.

All SQL lives in `themoon/sql/*.sql` and takes bound parameters only. Dates are `datetime.date`
or ISO strings; products are codes (`FULL-MOON`, `bean:ETH-YIRGACHEFFE`); results are pandas
DataFrames (or dicts for single records).
"""

from __future__ import annotations

import bisect
import math
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from statistics import NormalDist
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pandas as pd

from . import cost_settings, forecast
from . import duck as duck_engine
from .costing import (
    CostSettings,
    bp_to_pct,
    loss_pct,
    margin_pct,
    moving_average,
    processing_per_roasted_kg,
    recent_expected_pct,
    round_decimal,
    round_won,
    status_for_anomalies,
    unit_cost,
)
from .costs import menu_cost_row, product_cost_row, what_if_inputs

GRAINS = ("day", "week", "month", "quarter", "year")
LOSS_DIMENSIONS = ("product", "operator", "roast_level")
_FAR_PAST = date(1900, 1, 1)
_FAR_FUTURE = date(9999, 12, 31)
_TIE = 1e-6  # float results closer than this to a rounding boundary are recomputed exactly


@cache
def sql(name: str) -> str:
    """The text of `themoon/sql/<name>.sql`."""
    return resources.files("themoon").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def _statements(text: str) -> list[str]:
    out, buffer = [], []
    for line in text.splitlines():
        if line.strip().startswith("--"):
            continue
        buffer.append(line)
        if line.rstrip().endswith(";"):
            out.append("\n".join(buffer).strip().rstrip(";"))
            buffer = []
    if "".join(buffer).strip():
        out.append("\n".join(buffer).strip())
    return out


def _day(value: Any, default: date) -> date:
    if value is None or value == "":
        return default
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def _round_half_up(values: np.ndarray, places: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Half-up (ties away from zero) of float64 values; also the mask of near-ties to redo exactly."""
    scaled = np.abs(values) * 10**places
    floor = np.floor(scaled)
    frac = scaled - floor
    rounded = np.sign(values) * (floor + (frac >= 0.5)) / 10**places
    return rounded, np.abs(frac - 0.5) < _TIE


def _box(values: np.ndarray, counts: np.ndarray) -> dict[str, float]:
    """Box-plot statistics of a sample given as sorted distinct values and their counts:
    min, quartiles (linear interpolation, as numpy/DuckDB quantile_cont), max, whiskers at
    1.5 IQR and the number of values outside them."""
    cumulative = np.cumsum(counts)
    n = int(cumulative[-1])

    def nth(rank: int) -> float:  # the rank-th smallest value, 0-based
        return float(values[np.searchsorted(cumulative, rank, side="right")])

    def quantile(q: float) -> float:
        h = (n - 1) * q
        lo, hi = int(np.floor(h)), int(np.ceil(h))
        return nth(lo) + (h - lo) * (nth(hi) - nth(lo))

    q1, median, q3 = quantile(0.25), quantile(0.5), quantile(0.75)
    low_fence, high_fence = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    inside = (values >= low_fence - 1e-9) & (values <= high_fence + 1e-9)
    return {
        "min": float(values[0]),
        "q1": q1,
        "median": median,
        "q3": q3,
        "max": float(values[-1]),
        "whisker_low": float(values[inside][0]) if inside.any() else q1,
        "whisker_high": float(values[inside][-1]) if inside.any() else q3,
        "outliers": int(counts[~inside].sum()),
    }


class _MenuItem(NamedTuple):
    id: int
    code: str
    name_en: str
    name_ko: str
    channel: str
    pkey: int
    dose_g: int
    price_won: int = 0
    extra_cost_won: int = 0


def _period_start(days: np.ndarray, grain: str) -> np.ndarray:
    """The first day of the day/week (Monday)/month/quarter/year each datetime64[D] falls in."""
    if grain == "day":
        return days
    if grain == "week":
        return days - ((days.astype(np.int64) + 3) % 7)  # 1970-01-01 was a Thursday
    months = days.astype("datetime64[M]")
    if grain == "quarter":
        months = months - (months.astype(np.int64) % 3)
    elif grain == "year":
        months = days.astype("datetime64[Y]").astype("datetime64[M]")
    return months.astype("datetime64[D]")


_SPILL_PREFIX = "themoon-duckdb-"


def _remove_orphaned_spill_dirs() -> None:
    """Spill folders (and snapshots: the size of the store) of processes that died without closing
    their engine, e.g. a kernel killed while loading."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_SPILL_PREFIX}*-*"):
        pid = folder.name[len(_SPILL_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def _r2(value: float) -> float:
    """Half-up to two decimals of a float statistic (as costing.round_decimal would show it)."""
    return float(round_decimal(Fraction(value), 2))


class Analytics:
    """DuckDB analytics over one SQLite store, read-only. Use one per kernel (or process)."""

    def __init__(self, db_path: str | Path, *, threads: int = 2, memory_limit: str = "320MB"):
        self.db_path = Path(db_path)
        if not self.db_path.is_file():
            raise FileNotFoundError(self.db_path)
        self._threads = int(threads)
        self._memory_limit = str(memory_limit)
        self._lock = threading.RLock()
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._sqlite: sqlite3.Connection | None = None
        self._fingerprint: tuple | None = None
        self._inode: int | None = None
        self.load_seconds: dict[str, float] = {}  # time per refresh step of the last load
        _remove_orphaned_spill_dirs()
        self._spill_dir = Path(tempfile.gettempdir()) / f"{_SPILL_PREFIX}{os.getpid()}-{id(self):x}"
        self.generation = 0  # bumped by every reload
        # Read the store once before the first fingerprint: the first read makes or touches its
        # -wal file, so a fingerprint taken before would differ from every later one and the first
        # refresh would load everything twice (double the start time, and the memory of two loads).
        self._inode = os.stat(self.db_path).st_ino
        self._sqlite_conn().execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        self.refresh()

    # --- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._duck is not None:
                self._duck.close()
                self._duck = None
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None
            shutil.rmtree(self._spill_dir, ignore_errors=True)

    def __enter__(self) -> Analytics:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sqlite_conn(self) -> sqlite3.Connection:
        if self._sqlite is None:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 10000")
            self._sqlite = conn
        return self._sqlite

    def fingerprint(self) -> tuple:
        """What tells us the store changed: data_version, and the files' identity/size/mtime."""
        parts: list[Any] = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{self.db_path}{suffix}")
                parts += [st.st_ino, st.st_size, st.st_mtime_ns]
            except FileNotFoundError:
                parts += [None, None, None]
        if self._sqlite is not None and parts[0] != self._inode:
            self._sqlite.close()  # the file was replaced (a restore): reopen
            self._sqlite = None
        self._inode = parts[0]
        version = self._sqlite_conn().execute("PRAGMA data_version").fetchone()[0]
        return (version, *parts)

    def refresh(self, *, force: bool = False) -> bool:
        """Reload from the store if it changed since the last load (or if `force`); True if reloaded."""
        with self._lock:
            before = self.fingerprint()
            if not force and before == self._fingerprint and self._duck is not None:
                return False
            for _ in range(3):
                self._load()
                after = self.fingerprint()
                if after == before:
                    break
                before = after  # written to while loading: load again for a consistent picture
            self._fingerprint = before
            self.generation += 1
            return True

    def _load(self) -> None:
        if self._duck is not None:
            self._duck.close()
            self._duck = None
        duck = duck_engine.connect()
        duck.execute(f"SET threads = {self._threads}")
        duck.execute("SET memory_limit = ?", [self._memory_limit])
        duck.execute("SET preserve_insertion_order = false")
        duck.execute("SET enable_progress_bar = false")
        # an in-memory DuckDB spills to '.tmp' in the working directory by default: use our own
        duck.execute("SET temp_directory = ?", [str(self._spill_dir)])
        self._history = cost_settings.history(self._sqlite_conn())
        self._create_settings(duck)
        started = time.perf_counter()
        # refresh() reloads if the store changed meanwhile, so settings and snapshot agree
        with duck_engine.attached_snapshot(duck, self._sqlite_conn(), self._spill_dir):
            self.load_seconds["00 snapshot (sqlite3 backup)"] = time.perf_counter() - started
            try:
                self._run_refresh(duck, "BIGINT")
            except duckdb.OutOfRangeException:  # sums beyond 64 bits (sessions of tonnes): exact in 128
                self._run_refresh(duck, "HUGEINT")
        self._duck = duck
        started = time.perf_counter()
        self._load_dimensions()
        self._load_stock()
        self.load_seconds["stock (python)"] = time.perf_counter() - started

    def _create_settings(self, duck: duckdb.DuckDBPyConnection) -> None:
        versions = [cost_settings.DEFAULTS, *self._history]
        duck.execute(
            "CREATE TABLE settings (v SMALLINT, effective_from DATE, expected_loss_bp INTEGER,"
            " use_recent_loss BOOLEAN, roasting_won_per_kg BIGINT, sf60 BIGINT)"
        )
        duck.executemany(
            "INSERT INTO settings VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    date(1, 1, 1) if i == 0 else s.effective_from,
                    s.expected_loss_bp,
                    s.use_recent_loss,
                    s.roasting_won_per_kg,
                    s.labour_won_per_hour * s.labour_minutes_per_session
                    + 60 * (s.energy_won_per_session + s.misc_won_per_session),
                )
                for i, s in enumerate(versions)
            ],
        )

    def _run_refresh(self, duck: duckdb.DuckDBPyConnection, integer_type: str) -> None:
        for number, statement in enumerate(_statements(sql("refresh").replace("{INT}", integer_type)), start=1):
            started = time.perf_counter()
            duck.execute(statement)
            self.load_seconds[f"{number:02d} {statement.splitlines()[0][:60]}"] = time.perf_counter() - started

    def _load_dimensions(self) -> None:
        duck = self._duck
        products = duck.execute("SELECT * FROM products ORDER BY p").df()
        self._products = products
        self._p_by_key: dict[str, int] = {}
        for row in products.itertuples():
            self._p_by_key[f"{row.kind}:{row.code}".lower()] = int(row.pkey)
        for row in products.sort_values("kind", ascending=False).itertuples():  # a bare code prefers the blend
            self._p_by_key.setdefault(row.code.lower(), int(row.pkey))
        self._recipe: dict[int, list[tuple[int, int]]] = {}
        for row in duck.execute("SELECT blend_id, bean_id, parts FROM recipe ORDER BY blend_id").fetchall():
            self._recipe.setdefault(row[0], []).append((row[1], row[2]))
        self._beans = duck.execute("SELECT * FROM beans ORDER BY bean_id").df()
        self._menu = duck.execute("SELECT * FROM menu ORDER BY channel, id").df()
        self._active_menu = [
            _MenuItem(
                int(r.id),
                r.code,
                r.name_en,
                r.name_ko,
                r.channel,
                int(r.pkey),
                int(r.dose_g),
                int(r.price_won),
                int(r.extra_cost_won),
            )
            for r in self._menu[self._menu["active"]].itertuples()
        ]
        self._kind_code = {int(r.pkey): (r.kind, r.code) for r in products.itertuples()}
        self._product_lists = (
            products["code"].tolist(),
            products["kind"].tolist(),
            products["active"].astype(bool).tolist(),
            [int(k) for k in products["pkey"]],
        )
        span = duck.execute("SELECT min(day), max(day), count(*) FROM batch_facts").fetchone()
        self._span = (span[0], span[1])
        self.batch_count = int(span[2])
        alerts = duck.execute(
            "SELECT count(*) FILTER (WHERE NOT resolved), count(*) FILTER (WHERE NOT resolved AND alert_level = 2)"
            " FROM anomaly_facts"
        ).fetchone()
        self._open_alerts = (int(alerts[0]), int(alerts[1]))
        names = duck.execute("SELECT enum_range(NULL::operator_name)").fetchone()[0] or []
        self._operators = np.array(list(names) or [""], dtype=object)
        self._anomaly_table = duck.execute(sql("anomalies")).df()
        self._runs_table = duck.execute(sql("anomaly_runs")).df()
        found = duck.execute("SELECT day, pkey, run_length FROM anomaly_facts ORDER BY day, id").fetchnumpy()
        self._anomaly_arrays = (
            found["day"].astype("datetime64[D]"),
            found["pkey"].astype(np.int64),
            found["run_length"].astype(np.int64),
        )

    # --- stock and moving-average cost ------------------------------------------------------------

    def _load_stock(self) -> None:
        """Stock per bean and day, the moving-average cost after each purchase (exact), and value."""
        duck = self._duck
        bean_ids = self._beans["bean_id"].to_numpy()
        column = {int(b): k for k, b in enumerate(bean_ids)}
        purch = duck.execute("SELECT day, bean_id, grams, total_won, id FROM purchases ORDER BY day, id").fetchnumpy()
        use = duck.execute("SELECT day, bean_id, green_g FROM bean_daily").fetchnumpy()
        adj = duck.execute("SELECT day, bean_id, delta_g FROM adjustments").fetchnumpy()
        days = [a["day"] for a in (purch, use, adj) if len(a["day"])]
        self._avg_days: dict[int, list[int]] = {int(b): [] for b in bean_ids}
        self._avg_exact: dict[int, list[Fraction]] = {int(b): [] for b in bean_ids}
        self._day0 = date(2000, 1, 1)
        self._bean_ids = bean_ids.astype(np.int64)
        self._bean_col = column
        n_beans = len(bean_ids)
        if not days or not n_beans:
            self._first_ledger_day = None
            self._stock = self._value = np.zeros((0, n_beans), dtype=np.int64)
            self._per_kg = self._usage = np.zeros((0, n_beans))
            return
        stacked = np.concatenate(days).astype("datetime64[D]")
        first, last = stacked.min(), stacked.max()
        self._first_ledger_day = self._day0 = pd.Timestamp(first).date()
        n_days = int((last - first).astype(int)) + 1

        def index(values) -> np.ndarray:
            return (np.asarray(values).astype("datetime64[D]") - first).astype(np.int64)

        def cols(values) -> np.ndarray:
            return np.array([column[int(b)] for b in values], dtype=np.int64)

        delta = np.zeros((n_days, n_beans), dtype=np.int64)
        usage = np.zeros((n_days, n_beans))
        p_day, p_col = index(purch["day"]), cols(purch["bean_id"])
        np.add.at(delta, (p_day, p_col), purch["grams"].astype(np.int64))
        u_day, u_col = index(use["day"]), cols(use["bean_id"])
        np.add.at(usage, (u_day, u_col), use["green_g"].astype(float))
        np.add.at(delta, (u_day, u_col), -use["green_g"].astype(np.int64))
        np.add.at(delta, (index(adj["day"]), cols(adj["bean_id"])), adj["delta_g"].astype(np.int64))
        stock = np.cumsum(delta, axis=0)

        # the moving average, purchase by purchase in ledger order (as inventory.avg_cost_per_g)
        epochs = np.full((n_days, n_beans), -1, dtype=np.int64)
        exact: list[Fraction] = []
        running: dict[int, Fraction | None] = {}
        same_day: dict[tuple[int, int], int] = {}
        grams, won = purch["grams"].astype(np.int64).tolist(), purch["total_won"].astype(np.int64).tolist()
        for i, (d, k) in enumerate(zip(p_day.tolist(), p_col.tolist(), strict=True)):
            before = (int(stock[d - 1, k]) if d > 0 else 0) + same_day.get((d, k), 0)
            same_day[(d, k)] = same_day.get((d, k), 0) + grams[i]
            avg = running.get(k)
            avg = moving_average(before if avg is not None else 0, avg or Fraction(0), grams[i], won[i])
            running[k] = avg
            exact.append(avg)
            epochs[d, k] = i
            bean = int(bean_ids[k])
            if self._avg_days[bean] and self._avg_days[bean][-1] == d:
                self._avg_exact[bean][-1] = avg
            else:
                self._avg_days[bean].append(d)
                self._avg_exact[bean].append(avg)
        epochs = np.maximum.accumulate(epochs, axis=0)
        avg_float = np.array([float(a) for a in exact] + [np.nan])
        avg = avg_float[epochs]  # NaN: never bought
        bought = epochs >= 0
        value, tie_v = _round_half_up(np.where(bought, avg * np.maximum(stock, 0), 0.0))
        per_kg, tie_k = _round_half_up(np.where(bought, avg * 1000, 0.0))
        for d, k in zip(*np.nonzero(tie_v & bought), strict=True):
            value[d, k] = round_won(exact[epochs[d, k]] * max(int(stock[d, k]), 0))
        for d, k in zip(*np.nonzero(tie_k & bought), strict=True):
            per_kg[d, k] = round_won(exact[epochs[d, k]] * 1000)
        self._stock, self._value = stock, value.astype(np.int64)
        self._per_kg = np.where(bought, per_kg, np.nan)
        self._usage = usage

    def _day_index(self, on: date) -> int:
        """Row of `on` in the daily matrices: −1 before the first ledger day, the last row after it."""
        return min((on - self._day0).days, len(self._stock) - 1) if on >= self._day0 else -1

    def avg_cost_per_g(self, bean_id: int, on: Any = None) -> Fraction | None:
        """Moving-average green cost per gram after the purchases up to `on` (as inventory.avg_cost_per_g)."""
        on = _day(on, _FAR_FUTURE)
        days = self._avg_days.get(int(bean_id), [])
        if not days or on < self._day0:
            return None
        i = bisect.bisect_right(days, (on - self._day0).days) - 1
        return self._avg_exact[int(bean_id)][i] if i >= 0 else None

    # --- plumbing -----------------------------------------------------------------------------

    def _query(self, name: str, **params: Any) -> pd.DataFrame:
        with self._lock:
            if self._duck is None:
                raise RuntimeError("analytics is closed")
            return self._duck.execute(sql(name), params).df()

    def _product(self, product: Any) -> int | None:
        if product is None or product == "":
            return None
        p = self._p_by_key.get(str(product).strip().lower())
        if p is None:
            raise ValueError(f"unknown product {product!r}")
        return p

    def _range(self, since: Any, until: Any) -> tuple[date, date]:
        return _day(since, _FAR_PAST), _day(until, _FAR_FUTURE)

    @staticmethod
    def _grain(grain: str) -> str:
        if grain not in GRAINS:
            raise ValueError(f"grain must be one of {GRAINS}")
        return grain

    def settings_on(self, on: Any = None) -> CostSettings:
        return cost_settings.pick(self._history, _day(on, date.today()))

    def data_span(self) -> tuple[date | None, date | None]:
        """First and last roast day in the store (None, None when there are no batches)."""
        return self._span

    def products(self) -> pd.DataFrame:
        return self._products.copy()

    # --- KPIs and trends ---------------------------------------------------------------------------

    def kpis(self, since: Any = None, until: Any = None) -> dict[str, Any]:
        """The KPI cards of a period (the numbers of kpis.overview, plus the money of excess loss)."""
        since, until = self._range(since, until)
        with self._lock:
            cursor = self._duck.execute(sql("kpis"), {"since": since, "until": until})
            names = [c[0] for c in cursor.description]
            row = dict(zip(names, cursor.fetchone(), strict=True))
        n = int(row["batches"])
        roasted, green, cost = int(row["roasted_g"]), int(row["green_g"]), int(row["roast_cost_won"])
        i = self._day_index(until)
        stock = self._stock[i] if i >= 0 else np.zeros(len(self._bean_ids), dtype=np.int64)
        value = self._value[i] if i >= 0 else np.zeros(len(self._bean_ids), dtype=np.int64)
        low = self._beans["active"].to_numpy() & (stock <= self._beans["reorder_point_g"].to_numpy())
        expected = Fraction(int(row["sum_expected_bp"]), 100 * n) if n else self.settings_on(until).expected_loss_pct
        avg_loss = float(row["avg_loss_pct"]) if n else None
        return {
            "since": since,
            "until": until,
            "batches": n,
            "sessions": int(row["sessions"]),
            "roasted_g": roasted,
            "roasted_kg": roasted / 1000,
            "green_g": green,
            "avg_loss_pct": None if avg_loss is None else _r2(avg_loss),
            "weighted_loss_pct": float(round_decimal(loss_pct(green, roasted), 2)) if n else None,
            "expected_loss_pct": float(round_decimal(expected, 2)),
            "loss_variance_pts": None if avg_loss is None else _r2(avg_loss - float(expected)),
            "green_cost_won": int(row["green_cost_won"]),
            "roast_cost_won": cost,
            "avg_cost_per_roasted_kg_won": round_won(Fraction(cost * 1000, roasted)) if n else None,
            "excess_lost_g": float(row["excess_lost_g"]),
            "excess_loss_won": round_won(Fraction(float(row["excess_loss_won"]))),
            "net_extra_loss_won": round_won(Fraction(float(row["net_extra_loss_won"]))),
            "anomalies": int(row["anomalies"]),
            "critical": int(row["critical"]),
            "stock_g": int(np.maximum(stock, 0).sum()),
            "stock_value_won": int(value.sum()),
            "beans_in_stock": int((stock > 0).sum()),
            "low_stock_count": int(low.sum()),
            "open_alerts": self._open_alerts[0],
            "open_critical_alerts": self._open_alerts[1],
        }

    def trend(
        self,
        grain: str = "month",
        since: Any = None,
        until: Any = None,
        *,
        by_product: bool = False,
        product: Any = None,
    ) -> pd.DataFrame:
        """Per period (and product): batches, roasted kg, green used and its cost, roast cost and
        cost per roasted kg (actual), average / weighted / expected loss, excess-loss money, anomalies."""
        since, until = self._range(since, until)
        return self._query(
            "trend",
            grain=self._grain(grain),
            since=since,
            until=until,
            by_product=bool(by_product),
            product=self._product(product),
        )

    def stock(self, on: Any = None) -> pd.DataFrame:
        """Stock, average cost and value of every bean at the end of `on` (as inventory.stock)."""
        i = self._day_index(_day(on, _FAR_FUTURE))
        frame = self._beans[["bean_id", "code", "name_en", "name_ko", "active", "reorder_point_g"]].copy()
        n = len(frame)
        frame["stock_g"] = self._stock[i] if i >= 0 else np.zeros(n, dtype=np.int64)
        per_kg = self._per_kg[i] if i >= 0 else np.full(n, np.nan)
        frame["avg_cost_per_kg_won"] = pd.array(per_kg).astype("Int64")
        frame["value_won"] = self._value[i] if i >= 0 else np.zeros(n, dtype=np.int64)
        frame["low"] = frame["active"] & (frame["stock_g"] <= frame["reorder_point_g"])
        return frame

    def stock_value(
        self, grain: str = "month", since: Any = None, until: Any = None, *, by_bean: bool = False
    ) -> pd.DataFrame:
        """Green stock (g, negatives as 0) and its value (₩) at the end of each period (its last
        day in range and in the ledger), in total or per bean."""
        grain = self._grain(grain)
        since, until = self._range(since, until)
        n = len(self._stock)
        lo = max((since - self._day0).days, 0) if n else 0
        hi = min((until - self._day0).days, n - 1) if n else -1
        columns = ["period", "as_of", "bean", "stock_g", "value_won"]
        if hi < lo:
            return pd.DataFrame(columns=columns)
        days = np.datetime64(self._day0, "D") + np.arange(lo, hi + 1)
        keys = _period_start(days, grain)
        last = np.flatnonzero(np.r_[keys[1:] != keys[:-1], True])
        rows = lo + last
        stock = np.maximum(self._stock[rows], 0)
        value = self._value[rows]
        if by_bean:
            codes = self._beans["code"].to_numpy()
            frame = pd.DataFrame(
                {
                    "period": np.repeat(keys[last], len(codes)),
                    "as_of": np.repeat(days[last], len(codes)),
                    "bean": np.tile(codes, len(rows)),
                    "stock_g": stock.ravel(),
                    "value_won": value.ravel(),
                }
            )
        else:
            frame = pd.DataFrame(
                {
                    "period": keys[last],
                    "as_of": days[last],
                    "bean": None,
                    "stock_g": stock.sum(axis=1),
                    "value_won": value.sum(axis=1),
                }
            )
        frame["period"] = frame["period"].astype("datetime64[us]")
        frame["as_of"] = frame["as_of"].astype("datetime64[us]")
        return frame[columns]

    def batch_costs(self, ids: list[int] | None = None, since: Any = None, until: Any = None) -> pd.DataFrame:
        """Per-batch loss and cost columns (the numbers roasting.list_batches shows), newest first."""
        since, until = self._range(since, until)
        return self._query("batch_costs", since=since, until=until, ids=None if ids is None else [int(i) for i in ids])

    # --- loss analysis ----------------------------------------------------------------------------

    def loss_by(self, dimension: str = "product", since: Any = None, until: Any = None) -> pd.DataFrame:
        """Loss per product, operator or roast level: batches, mean, weighted and expected loss, sd,
        quartiles and box-plot whiskers (1.5 IQR) with the outlier count, anomalies, and the grams
        and money of loss above the expected.

        Quartiles and whiskers are those of the batch losses rounded to 0.01 % (the shown precision;
        `quantile_cont` interpolation); mean and sd use the unrounded losses.
        """
        if dimension not in LOSS_DIMENSIONS:
            raise ValueError(f"dimension must be one of {LOSS_DIMENSIONS}")
        since, until = self._range(since, until)
        with self._lock:
            found = self._duck.execute(sql("loss_bins"), {"since": since, "until": until}).fetchnumpy()
            sums = self._duck.execute(sql("loss_sums"), {"since": since, "until": until}).fetchall()
        key = found["loss_key"].astype(np.int64)
        bins = {
            "pkey": key // (65536 * 65536) - 1_000_000,
            "operator": self._operators[(key // 65536) % 65536],
            "loss_bp": key % 65536 - 32768,
            "batches": found["batches"].astype(np.int64),
        }
        if dimension == "operator":
            key_of = None
        else:
            column = "code" if dimension == "product" else "roast_level"
            key_of = dict(zip(self._products["pkey"], self._products[column], strict=True))

        def keys(pkeys, operators) -> list:
            return [str(o) for o in operators] if key_of is None else [key_of[int(k)] for k in pkeys]

        names = ("batches", "sum_loss_pct", "sum_sq_loss_pct", "green_g", "roasted_g", "sum_bp", "anomalies")
        names += ("excess_lost_g", "excess_loss_won")
        totals: dict[str, list] = {}
        for key, row in zip(keys([r[0] for r in sums], [r[1] for r in sums]), sums, strict=True):
            acc = totals.setdefault(key, [0] * len(names))
            for j, value in enumerate(row[2:]):
                acc[j] += value
        if not totals:
            return pd.DataFrame()
        labels = np.array(keys(bins["pkey"], bins["operator"]), dtype=object)
        unique, inverse = np.unique(labels, return_inverse=True)
        order = np.lexsort((bins["loss_bp"], inverse))
        values, counts, groups = bins["loss_bp"][order] / 100, bins["batches"][order], inverse[order]
        bounds = np.searchsorted(groups, np.arange(len(unique) + 1))
        rows = []
        for g, key in enumerate(unique):
            lo, hi = bounds[g], bounds[g + 1]
            t = dict(zip(names, totals[key], strict=True))
            n, green, roasted = int(t["batches"]), int(t["green_g"]), int(t["roasted_g"])
            mean = t["sum_loss_pct"] / n
            variance = (t["sum_sq_loss_pct"] - n * mean**2) / (n - 1) if n > 1 else None
            rows.append(
                {
                    dimension: key,
                    "batches": n,
                    "green_g": green,
                    "roasted_g": roasted,
                    "avg_loss_pct": _r2(mean),
                    "weighted_loss_pct": float(round_decimal(loss_pct(green, roasted), 2)),
                    "expected_loss_pct": float(round_decimal(Fraction(int(t["sum_bp"]), 100 * n), 2)),
                    "sd_pct": None if variance is None else math.sqrt(max(variance, 0.0)),
                    **_box(values[lo:hi], counts[lo:hi]),
                    "anomalies": int(t["anomalies"]),
                    "anomaly_rate": int(t["anomalies"]) / n,
                    "excess_lost_g": float(t["excess_lost_g"]),
                    "excess_loss_won": float(t["excess_loss_won"]),
                }
            )
        return pd.DataFrame(rows)

    def loss_histogram(
        self, since: Any = None, until: Any = None, *, bin_pct: float = 0.5, product: Any = None
    ) -> pd.DataFrame:
        """How many batches fall in each loss bin of `bin_pct` points (of the loss shown to 0.01 %)."""
        bin_bp = round(float(bin_pct) * 100)
        if not 1 <= bin_bp <= 5000:
            raise ValueError("bin_pct must be between 0.01 and 50")
        since, until = self._range(since, until)
        return self._query("loss_histogram", bin_bp=bin_bp, since=since, until=until, product=self._product(product))

    def anomalies(
        self,
        since: Any = None,
        until: Any = None,
        *,
        product: Any = None,
        open_only: bool = False,
        limit: int = 500,
    ) -> pd.DataFrame:
        """Anomalous batches (the loss alerts), newest first, with their excess-loss money."""
        since, until = self._range(since, until)
        limit = max(0, min(int(limit), 10_000_000))
        table = self._anomaly_table
        days = self._anomaly_arrays[0][::-1]  # the table is newest first, the arrays oldest first
        mask = (days >= np.datetime64(since, "D")) & (days <= np.datetime64(until, "D"))
        pkey = self._product(product)
        if pkey is not None:
            mask &= table["pkey"].to_numpy() == pkey
        if open_only:
            mask &= ~table["resolved"].to_numpy()
        return table[mask].head(limit).drop(columns="pkey").reset_index(drop=True)

    def anomaly_runs(self, since: Any = None, until: Any = None, *, min_length: int = 2) -> pd.DataFrame:
        """Runs of at least `min_length` consecutive anomalous batches of a product that end in the
        period, newest first."""
        since, until = self._range(since, until)
        runs = self._runs_table
        last = runs["last_day"].to_numpy().astype("datetime64[D]")
        mask = (runs["length"].to_numpy() >= max(1, int(min_length))) & (last >= np.datetime64(since, "D"))
        mask &= last <= np.datetime64(until, "D")
        return runs[mask].reset_index(drop=True)

    def excess_loss(self, grain: str = "month", since: Any = None, until: Any = None) -> pd.DataFrame:
        """Money cost of loss above the expected per period and product."""
        since, until = self._range(since, until)
        return self._query("excess_loss", grain=self._grain(grain), since=since, until=until)

    def loss_status(self, today: Any = None) -> pd.DataFrame:
        """30-day status per product (roasting.loss_status): anomalies in (today − 30 days, today],
        the longest run among them, and NORMAL / ATTENTION / CRITICAL."""
        today = _day(today, date.today())
        lo = np.datetime64(today - timedelta(days=30), "D")
        hi = np.datetime64(today, "D")
        days, pkeys, runs = self._anomaly_arrays
        inside = (days > lo) & (days <= hi)
        counts: dict[int, int] = {}
        longest: dict[int, int] = {}
        for pkey, run in zip(pkeys[inside].tolist(), runs[inside].tolist(), strict=True):
            counts[pkey] = counts.get(pkey, 0) + 1
            longest[pkey] = max(longest.get(pkey, 0), run)
        codes, kinds, active, keys = self._product_lists
        anomalies = [counts.get(k, 0) for k in keys]
        return pd.DataFrame(
            {
                "product": codes,
                "kind": kinds,
                "active": active,
                "anomalies_30d": anomalies,
                "longest_run_30d": [longest.get(k, 0) for k in keys],
                "status": [status_for_anomalies(n) for n in anomalies],
            }
        )

    # --- inventory forecasts --------------------------------------------------------------------

    def daily_usage(self, bean: Any, *, until: Any = None, days: int | None = None) -> pd.Series:
        """Green grams of a bean used per calendar day (zeros included) up to `until`."""
        bean_id = self._bean_id(bean)
        until = _day(until, date.today())
        start = self._first_ledger_day or until
        if days is not None:
            start = max(start, until - timedelta(days=int(days) - 1))
        count = max((until - start).days + 1, 0)
        _, usage = self._usage_matrix(until, count)
        index = pd.date_range(start, periods=count, freq="D")
        return pd.Series(usage[:, self._bean_col[bean_id]], index=index, name="green_g")

    def _bean_id(self, bean: Any) -> int:
        beans = self._beans
        if isinstance(bean, (int, np.integer)) and int(bean) in set(beans["bean_id"]):
            return int(bean)
        text = str(bean).strip().lower().removeprefix("bean:")
        for row in beans.itertuples():
            if text in (row.code.lower(), row.name_en.lower(), row.name_ko.lower()):
                return int(row.bean_id)
        raise ValueError(f"unknown bean {bean!r}")

    def _usage_matrix(self, until: date, days: int) -> tuple[np.ndarray, np.ndarray]:
        """(bean ids, grams used per day and bean) for the `days` days ending with `until`."""
        matrix = np.zeros((days, len(self._bean_ids)))
        end = (until - self._day0).days + 1  # exclusive row index of `until`
        lo, hi = max(end - days, 0), min(end, len(self._usage))
        if hi > lo:
            matrix[lo - (end - days) : hi - (end - days)] = self._usage[lo:hi]
        return self._bean_ids, matrix

    def runout(
        self,
        as_of: Any = None,
        *,
        lead_time_days: int = 7,
        cover_days: int = 28,
        level: float = 0.8,
        horizon: int = 365,
        active_only: bool = True,
        history_days: int = 7 * forecast.PROFILE_WEEKS,
    ) -> pd.DataFrame:
        """Per bean: stock at the end of `as_of`, forecast usage (day-of-week profile), the run-out
        date with its `level` interval, and the suggested reorder date and quantity."""
        as_of = _day(as_of, date.today())
        lead_time_days, cover_days, horizon = int(lead_time_days), int(cover_days), int(horizon)
        if not 0 < level < 1:
            raise ValueError("level must be between 0 and 1")
        horizon = max(horizon, lead_time_days + cover_days)
        bean_ids, usage = self._usage_matrix(as_of, int(history_days))
        i = self._day_index(as_of)
        stock = self._stock[i] if i >= 0 else np.zeros(len(bean_ids), dtype=np.int64)
        beans = self._beans
        weekday = as_of.weekday()

        def on(days: int | None) -> date | None:
            return None if days is None else as_of + timedelta(days=days)

        predicted = forecast.dow_profile(usage, weekday, horizon)
        sds = forecast.weekly_sd(usage)
        recent = usage[-7 * forecast.LEVEL_WEEKS :].mean(axis=0)
        rows = []
        for k, info in enumerate(beans.itertuples()):
            if active_only and not info.active:
                continue
            stock_g = int(stock[k])
            runs = forecast.run_out(stock_g, predicted[:, k], sds[k], level=level)
            order = forecast.reorder(
                stock_g, predicted[:, k], sds[k], lead_time_days=lead_time_days, cover_days=cover_days, level=level
            )
            rows.append(
                {
                    "bean_id": int(info.bean_id),
                    "bean": info.code,
                    "name_en": info.name_en,
                    "name_ko": info.name_ko,
                    "stock_g": stock_g,
                    "reorder_point_g": int(info.reorder_point_g),
                    "usage_per_day_g": float(recent[k]),
                    "forecast_next_7d_g": float(predicted[:7, k].sum()),
                    "runout_date": on(runs.point),
                    "runout_early": on(runs.early),
                    "runout_late": on(runs.late),
                    "reorder_date": None if order is None else on(order.order_in_days),
                    "reorder_qty_g": None if order is None else order.quantity_g,
                }
            )
        frame = pd.DataFrame(rows)
        for column in ("runout_date", "runout_early", "runout_late", "reorder_date"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column])
        return frame

    def usage_forecast(
        self, bean: Any, as_of: Any = None, *, horizon: int = 28, level: float = 0.8, history_days: int = 182
    ) -> pd.DataFrame:
        """Daily forecast of one bean after `as_of`, with the cumulative usage and its interval."""
        as_of = _day(as_of, date.today())
        history = self.daily_usage(bean, until=as_of, days=history_days).to_numpy()
        predicted = forecast.dow_profile(history, as_of.weekday(), int(horizon))
        sd = forecast.weekly_sd(history)
        z = NormalDist().inv_cdf(0.5 + level / 2)
        cumulative = np.cumsum(predicted)
        spread = z * sd * np.sqrt(np.arange(1, len(predicted) + 1) / 7)
        return pd.DataFrame(
            {
                "day": pd.date_range(as_of + timedelta(days=1), periods=len(predicted), freq="D"),
                "forecast_g": predicted,
                "cumulative_g": cumulative,
                "cumulative_low_g": np.maximum(cumulative - spread, 0),
                "cumulative_high_g": cumulative + spread,
            }
        )

    def forecast_backtest(
        self, as_of: Any = None, *, weeks: int = 8, horizon: int = 7, history_days: int = 7 * 60
    ) -> pd.DataFrame:
        """Rolling-origin MAE (g/day) over the last `weeks` weeks per bean: the day-of-week profile
        model against the old app's flat average and the seasonal naive; plus an all-beans row."""
        as_of = _day(as_of, date.today())
        bean_ids, usage = self._usage_matrix(as_of, int(history_days))
        scores = forecast.backtest(usage, as_of.weekday(), weeks=weeks, horizon=horizon)
        mean_usage = usage[-7 * weeks :].mean(axis=0)
        rows = []
        for k, code in enumerate(self._beans["code"]):
            row = {"bean": code, "mean_usage_g": float(mean_usage[k])}
            for name, mae in scores.items():
                row[name] = None if mae is None else float(mae[k])
            rows.append(row)
        frame = pd.DataFrame(rows)
        if len(frame):
            total = {"bean": "(all beans)", "mean_usage_g": frame["mean_usage_g"].mean()}
            for name in forecast.MODELS:
                total[name] = frame[name].mean() if frame[name].notna().any() else None
            frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
            frame["improvement_vs_flat_pct"] = (1 - frame["dow_profile"] / frame["flat_average"]) * 100
        return frame

    # --- standard costs, menu, what-if --------------------------------------------------------------

    def green_costs_per_kg(self, on: Any = None) -> dict[int, Fraction | None]:
        """Moving-average green cost ₩/kg of every bean on a date (as costs.green_costs_per_kg)."""
        on = _day(on, date.today())
        result = {}
        for bean_id in self._beans["bean_id"]:
            avg = self.avg_cost_per_g(int(bean_id), on)
            result[int(bean_id)] = None if avg is None else avg * 1000
        return result

    def _recent_losses(self, on: date) -> dict[int, Fraction]:
        """Mean loss of each product's last 10 batches up to `on` (pkey → exact percent)."""
        rows = self._query("recent_losses", on=on)
        return {
            int(pkey): recent_expected_pct([loss_pct(int(b["g"]), int(b["r"])) for b in recent])
            for pkey, recent in zip(rows["pkey"], rows["recent"], strict=True)
            if len(recent)
        }

    def _expected_loss(self, row: Any, settings: CostSettings, recent: dict[int, Fraction] | None) -> Fraction:
        if settings.use_recent_loss and recent and int(row.pkey) in recent:
            return recent[int(row.pkey)]
        own = None if pd.isna(row.own_bp) else int(row.own_bp)
        return bp_to_pct(own or settings.expected_loss_bp)

    def _components(self, row: Any) -> list[tuple[int, int]]:
        return [(int(row.id), 1)] if row.kind == "bean" else self._recipe.get(int(row.id), [])

    def product_costs(
        self,
        on: Any = None,
        *,
        settings: CostSettings | None = None,
        green_per_kg: dict[int, Fraction | None] | None = None,
        loss_override: Fraction | None = None,
    ) -> list[dict[str, Any]]:
        """Standard cost per roasted kg of every active product; equal to costs.product_costs."""
        on = _day(on, date.today())
        settings = settings or self.settings_on(on)
        green = green_per_kg if green_per_kg is not None else self.green_costs_per_kg(on)
        recent = self._recent_losses(on) if settings.use_recent_loss and loss_override is None else None
        rows = []
        for product in self._products[self._products["active"]].itertuples():
            components = [(parts, green.get(bean_id)) for bean_id, parts in self._components(product)]
            loss = loss_override if loss_override is not None else self._expected_loss(product, settings, recent)
            rows.append(product_cost_row(product, components, loss, settings))
        return rows

    def menu_costs(
        self,
        on: Any = None,
        *,
        settings: CostSettings | None = None,
        green_per_kg: dict[int, Fraction | None] | None = None,
        dose_override_g: dict[int, int] | None = None,
        loss_override: Fraction | None = None,
    ) -> list[dict[str, Any]]:
        """Cost, suggested price and margin of every active menu item; equal to costs.menu_costs."""
        on = _day(on, date.today())
        settings = settings or self.settings_on(on)
        products = self.product_costs(on, settings=settings, green_per_kg=green_per_kg, loss_override=loss_override)
        return self._menu_rows(products, settings, dose_override_g)

    def _menu_rows(
        self, products: list[dict[str, Any]], settings: CostSettings, dose_override_g: dict[int, int] | None
    ) -> list[dict[str, Any]]:
        per_kg = {(r["kind"], r["product"]): r["cost_per_kg"] for r in products}
        rows = []
        for item in self._active_menu:
            kind, code = self._kind_code[item.pkey]
            dose = (dose_override_g or {}).get(item.id, item.dose_g)
            rows.append(menu_cost_row(item._asdict(), code, dose, per_kg.get((kind, code)), settings))
        return rows

    def what_if(
        self,
        *,
        green_price_change_pct: Any = 0,
        expected_loss_pct: Any = None,
        labour_won_per_hour: Any = None,
        energy_won_per_session: Any = None,
        dose_change_g: Any = 0,
        on: Any = None,
    ) -> list[dict[str, Any]]:
        """Menu margins under changed inputs, in memory; equal to costs.what_if (same arguments,
        validated the same way: the inputs come from widgets)."""
        on = _day(on, date.today())
        factor, loss, dose_change, changes = what_if_inputs(
            green_price_change_pct, expected_loss_pct, labour_won_per_hour, energy_won_per_session, dose_change_g
        )
        settings = replace(self.settings_on(on), **changes)
        green = {k: None if v is None else v * factor for k, v in self.green_costs_per_kg(on).items()}
        doses = None
        if dose_change:
            cups = self._menu[self._menu["active"] & (self._menu["channel"] == "cup")]
            doses = {int(i.id): max(1, int(i.dose_g) + dose_change) for i in cups.itertuples()}
        return self.menu_costs(on, settings=settings, green_per_kg=green, dose_override_g=doses, loss_override=loss)

    # --- profitability --------------------------------------------------------------------------------

    @staticmethod
    def _period_ends(grain: str, since: date, until: date) -> list[date]:
        """The last day of every week/month/quarter/year touching [since, until], capped at until."""
        ends = []
        day = since
        while day <= until:
            if grain == "week":
                end = day + timedelta(days=6 - day.weekday())
            else:
                months = {"month": 1, "quarter": 3, "year": 12}[grain]
                first_month = (day.month - 1) // months * months + 1
                year, month = divmod(first_month - 1 + months, 12)
                end = date(day.year + year, month + 1, 1) - timedelta(days=1)
            ends.append(min(end, until))
            day = end + timedelta(days=1)
        return ends

    def margin_trend(
        self, since: Any = None, until: Any = None, *, grain: str = "month", basis: str = "standard"
    ) -> pd.DataFrame:
        """Cost and margin of every active menu item at the end of each period, as green prices move.

        basis 'standard': the standard cost on the period's last day (moving-average green prices and
        the settings then; equal to costs.menu_costs(on=that day)); basis 'actual': the period's
        actual roast cost per kg of the item's product (no row when the product was not roasted).
        """
        if grain not in ("week", "month", "quarter", "year"):
            raise ValueError("grain must be week, month, quarter or year")
        if basis not in ("standard", "actual"):
            raise ValueError("basis must be 'standard' or 'actual'")
        first, last = self._first_ledger_day or date.today(), self._span[1] or date.today()
        since, until = _day(since, first), _day(until, last)
        if since > until:
            return pd.DataFrame()
        if basis == "actual":
            return self._margin_trend_actual(grain, since, until)
        ends = self._period_ends(grain, since, until)
        return self._margin_trend_standard(grain, ends)

    def _menu_arrays(self) -> dict[str, Any]:
        menu = self._menu[self._menu["active"]]
        products = self._products[self._products["active"]]
        by_pkey = {int(r.pkey): r for r in self._products.itertuples()}
        return {"menu": menu, "products": products, "by_pkey": by_pkey}

    def _margin_trend_standard(self, grain: str, ends: list[date]) -> pd.DataFrame:
        """Vectorised over (period end × menu item) in float64; values within 1e-6 of a rounding
        boundary are replaced by the exact ones of menu_costs(on=that day)."""
        parts = self._menu_arrays()
        menu, products = parts["menu"], parts["products"]
        n_t = len(ends)
        offsets = np.array([(e - self._day0).days for e in ends])
        # green ₩/kg per period end and bean (NaN: never bought)
        green = np.full((n_t, len(self._bean_ids)), np.nan)
        for b, k in self._bean_col.items():
            days = self._avg_days[b]
            if days:
                values = np.array([float(a) * 1000 for a in self._avg_exact[b]])
                idx = np.searchsorted(np.array(days), offsets, side="right") - 1
                green[:, k] = np.where(idx >= 0, values[np.maximum(idx, 0)], np.nan)
        settings = [self.settings_on(e) for e in ends]
        processing = np.array([float(processing_per_roasted_kg(s)) for s in settings])
        multiplier = np.array([float(s.multiplier) for s in settings])
        recent = [self._recent_losses(e) if s.use_recent_loss else None for e, s in zip(ends, settings, strict=True)]
        per_kg: dict[int, np.ndarray] = {}
        for product in products.itertuples():
            comps = self._components(product)
            if not comps:
                continue
            loss = np.array([float(self._expected_loss(product, s, r)) for s, r in zip(settings, recent, strict=True)])
            total = sum(p for _, p in comps)
            g = sum(p / total * green[:, self._bean_col[b]] for b, p in comps)
            per_kg[int(product.pkey)] = g / (1 - loss / 100) + processing
        nan = np.full(n_t, np.nan)
        cost_kg = np.column_stack([per_kg.get(int(k), nan) for k in menu["pkey"]]) if len(menu) else np.zeros((n_t, 0))
        dose = menu["dose_g"].to_numpy(dtype=float)
        extra = menu["extra_cost_won"].to_numpy(dtype=float)
        price = menu["price_won"].to_numpy(dtype=float)
        cost = cost_kg * dose / 1000 + extra
        missing = np.isnan(cost)
        cost_won, tie_c = _round_half_up(np.nan_to_num(cost))
        suggested, tie_s = _round_half_up(np.nan_to_num(cost * multiplier[:, None]))
        with np.errstate(divide="ignore", invalid="ignore"):
            margin, tie_m = _round_half_up(np.nan_to_num((price - cost) / price * 100), 1)
        no_margin = missing | (price <= 0)
        ties = (tie_c | tie_s | (tie_m & ~no_margin)) & ~missing
        for t, j in zip(*np.nonzero(ties), strict=True):
            exact = {r["item"]: r for r in self.menu_costs(ends[t])}[menu["code"].iloc[j]]
            cost_won[t, j], suggested[t, j] = exact["cost_won"], exact["suggested_price_won"]
            margin[t, j] = np.nan if exact["margin_pct"] is None else exact["margin_pct"]
        n_items = len(menu)
        product_code = [parts["by_pkey"][int(k)].code for k in menu["pkey"]]
        frame = pd.DataFrame(
            {
                "basis": "standard",
                "period_end": np.repeat(np.array(ends, dtype="datetime64[D]"), n_items).astype("datetime64[us]"),
                "item": np.tile(menu["code"].to_numpy(), n_t),
                "channel": np.tile(menu["channel"].to_numpy(), n_t),
                "product": np.tile(np.array(product_code, dtype=object), n_t),
                "price_won": np.tile(menu["price_won"].to_numpy(), n_t),
                "cost_per_kg": cost_kg.ravel(),
                "cost_won": pd.array(np.where(missing, np.nan, cost_won).ravel()).astype("Int64"),
                "suggested_price_won": pd.array(np.where(missing, np.nan, suggested).ravel()).astype("Int64"),
                "margin_pct": np.where(no_margin, np.nan, margin).ravel(),
            }
        )
        return frame

    def _margin_trend_actual(self, grain: str, since: date, until: date) -> pd.DataFrame:
        period = self._query("product_period", grain=grain, since=since, until=until)
        if not len(period):
            return pd.DataFrame()
        parts = self._menu_arrays()
        products = self._products.set_index("pkey")
        menu = parts["menu"][["code", "channel", "pkey", "dose_g", "price_won", "extra_cost_won"]]
        frame = period.merge(menu, on="pkey").rename(columns={"code": "item"})
        frame["product"] = products.loc[frame["pkey"], "code"].to_numpy()
        frame["cost_per_kg"] = frame["roast_cost_won"] * 1000 / frame["roasted_g"]
        cost = frame["cost_per_kg"] * frame["dose_g"] / 1000 + frame["extra_cost_won"]
        frame["cost_won"] = _round_half_up(cost.to_numpy())[0].astype(np.int64)
        price = frame["price_won"].astype(float)
        frame["margin_pct"] = np.where(price > 0, ((price - cost) / price.where(price > 0) * 100).round(1), np.nan)
        frame["roi_pct"] = ((price - cost) / cost * 100).round(1)
        frame.insert(0, "basis", "actual")
        return frame[
            ["basis", "period", "item", "channel", "product", "price_won", "batches", "roasted_g", "cost_per_kg"]
            + ["cost_won", "margin_pct", "roi_pct"]
        ].sort_values(["period", "item"], ignore_index=True)

    def profitability(self, since: Any = None, until: Any = None) -> dict[str, pd.DataFrame]:
        """Per product and per menu item: the period's actual cost against prices, and the standard
        cost on `until`.

        ROI is the gross margin over cost of the period: (price − unit cost) / unit cost × 100, with
        the unit cost from the period's actual roast cost per kg of the product (the store records
        no sales, so the period's volume is what was roasted). A product shows the range of ROI
        across the menu items that sell it and the actual-vs-standard cost gap.
        """
        first, last = self._span
        since, until = _day(since, first or date.today()), _day(until, last or date.today())
        period = self._query("product_period", grain="year", since=since, until=until)
        totals = period.groupby("pkey", as_index=False)[["batches", "roasted_g", "green_g", "roast_cost_won"]].sum()
        actual = {
            int(r.pkey): Fraction(int(r.roast_cost_won) * 1000, int(r.roasted_g))
            for r in totals.itertuples()
            if r.roasted_g
        }
        standard_rows = self.product_costs(until)
        standard = {(r["kind"], r["product"]): r for r in standard_rows}
        std_menu = {r["item"]: r for r in self._menu_rows(standard_rows, self.settings_on(until), None)}
        items = []
        rois: dict[str, list[float]] = {}
        for item in self._active_menu:
            code = self._kind_code[item.pkey][1]
            per_kg = actual.get(item.pkey)
            std = std_menu[item.code]
            row = {
                "item": item.code,
                "name_en": item.name_en,
                "channel": item.channel,
                "product": code,
                "dose_g": item.dose_g,
                "price_won": item.price_won,
                "actual_cost_won": None,
                "actual_margin_pct": None,
                "roi_pct": None,
                "standard_cost_won": std["cost_won"],
                "standard_margin_pct": std["margin_pct"],
            }
            if per_kg is not None:
                cost = unit_cost(per_kg, item.dose_g, item.extra_cost_won)
                margin = margin_pct(item.price_won, cost)
                roi = float(round_decimal((item.price_won - cost) / cost * 100, 1)) if cost else None
                row.update(
                    actual_cost_won=round_won(cost),
                    actual_margin_pct=None if margin is None else float(round_decimal(margin, 1)),
                    roi_pct=roi,
                )
                if roi is not None:
                    rois.setdefault(code, []).append(roi)
            items.append(row)
        items_frame = pd.DataFrame(items)
        by_product = {int(r.pkey): r for r in totals.itertuples()}
        rows = []
        for product in self._products.itertuples():
            t = by_product.get(int(product.pkey))
            std = standard.get((product.kind, product.code))
            if t is None and std is None:
                continue
            per_kg = actual.get(int(product.pkey))
            std_kg = None if std is None else std["cost_per_kg"]
            product_rois = rois.get(product.code, [])
            rows.append(
                {
                    "product": product.code,
                    "kind": product.kind,
                    "name_en": product.name_en,
                    "batches": 0 if t is None else int(t.batches),
                    "roasted_kg": 0.0 if t is None else int(t.roasted_g) / 1000,
                    "roast_cost_won": 0 if t is None else int(t.roast_cost_won),
                    "actual_cost_per_kg_won": None if per_kg is None else round_won(per_kg),
                    "standard_cost_per_kg_won": None if std is None else std["cost_per_kg_won"],
                    "actual_vs_standard_pct": None
                    if per_kg is None or std_kg is None
                    else float(round_decimal((per_kg - std_kg) / std_kg * 100, 1)),
                    "menu_items": len(product_rois),
                    "roi_min_pct": min(product_rois) if product_rois else None,
                    "roi_max_pct": max(product_rois) if product_rois else None,
                }
            )
        return {"products": pd.DataFrame(rows), "menu": items_frame}

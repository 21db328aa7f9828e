"""The analytics engine's private copy of the store: loading, refreshing and the loaded tables.

`Snapshot(db_path)` owns one in-memory DuckDB connection per kernel (or process). `refresh()`
materialises the store into DuckDB-native columnar tables (`themoon/sql/refresh.sql`, then the
batch costs computed with `themoon.costing`, then `refresh_facts.sql`), loads the small
dimensions (products, beans, recipes, menu) and the stock ledger (`stock.load`); every topic
module of `themoon.analytics` then reads these only. `refresh()` is cheap when nothing changed:
it compares `PRAGMA data_version` of a read-only sqlite3 connection and the file's
identity/size/mtime (and the WAL's) with the last load.

DuckDB cannot download extensions here, so `duckdb` and `duckdb-extension-sqlite-scanner` are
pinned to the same version and the extension file shipped in the wheel is LOADed by path.

The scanner carries its own copy of SQLite. Two SQLite libraries must never open the same file
in one process: POSIX locks belong to the process, so when one library closes its descriptor
the other's locks vanish; another process then deletes the WAL under the live connection and
every later commit of ours is lost (sqlite.org, "How To Corrupt An SQLite Database File" §2.2).
So DuckDB only ever attaches a *private snapshot*: Python's `sqlite3` (the store's own library)
copies the store with the backup API into a file nobody else knows, the scanner reads that, and
the file is deleted when DuckDB lets go of it. This module is the only one that attaches a file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import duckdb_extension_sqlite_scanner
import numpy as np
import pandas as pd

from .. import catalog, cost_settings
from ..costing import CostSettings, batch_cost_ratios, batch_cost_won, loss_and_variance_bp
from ..db import backup_copy

SNAPSHOT_PREFIX = "themoon-snapshot-"


def scanner_path() -> Path:
    """The sqlite scanner built for the installed duckdb (a mismatch fails loudly here)."""
    path = (
        Path(duckdb_extension_sqlite_scanner.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "sqlite_scanner.duckdb_extension"
    )
    if not path.is_file():
        raise RuntimeError(
            f"no sqlite scanner for duckdb {duckdb.__version__} in {path.parent.parent}; "
            "install duckdb-extension-sqlite-scanner of exactly the same version"
        )
    return path


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the sqlite scanner loaded (nothing attached)."""
    conn = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    conn.execute(f"LOAD '{scanner_path()}'")
    return conn


@contextmanager
def attached_snapshot(
    duck: duckdb.DuckDBPyConnection, source: sqlite3.Connection, workdir: Path, *, alias: str = "store"
) -> Iterator[Path]:
    """While inside, a private snapshot of `source`'s database is attached read-only to `duck` as
    `alias`; afterwards it is detached and deleted."""
    if not alias.isidentifier():
        raise ValueError(f"bad alias {alias!r}")
    workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = workdir / f"{SNAPSHOT_PREFIX}{uuid.uuid4().hex}.db"
    try:
        backup_copy(source, path)  # Python's sqlite3: the store's own library
        # ATTACH takes no bound parameters: quote the path as an SQL string literal.
        literal = "'" + str(path).replace("'", "''") + "'"
        duck.execute(f"ATTACH {literal} AS {alias} (TYPE sqlite, READ_ONLY)")
        try:
            yield path
        finally:
            duck.execute(f"DETACH {alias}")
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(f"{path}{suffix}")
            except FileNotFoundError:
                pass


# --- the loaded snapshot ---------------------------------------------------------------------------

FAR_PAST = date(1900, 1, 1)
FAR_FUTURE = date(9999, 12, 31)
SPILL_PREFIX = "themoon-duckdb-"
_INT64_SAFE = 2**61  # products below this stay exact in int64 (half_up doubles them once)
BATCH_COST_SLICE = 250_000  # batches costed at a time (ids)


@cache
def sql(name: str) -> str:
    """The text of `themoon/sql/<name>.sql`."""
    return resources.files("themoon").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def statements(text: str) -> list[str]:
    """The statements of an SQL file (each ends with ';' at the end of a line; comments dropped)."""
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


def day(value: Any, default: date) -> date:
    """A date from a date or an ISO string; `default` for None or ''."""
    if value is None or value == "":
        return default
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def period(since: Any, until: Any) -> tuple[date, date]:
    """[since, until] as dates; open ends reach the far past / far future."""
    return day(since, FAR_PAST), day(until, FAR_FUTURE)


def remove_orphaned_spill_dirs() -> None:
    """Spill folders (and snapshots: the size of the store) of processes that died without closing
    their engine, e.g. a kernel killed while loading."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SPILL_PREFIX}*-*"):
        pid = folder.name[len(SPILL_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


class MenuItem(NamedTuple):
    id: int
    code: str
    name_en: str
    name_ko: str
    channel: str
    pkey: int
    dose_g: int
    price_won: int = 0
    extra_cost_won: int = 0


def batch_cost_columns(inputs: dict[str, np.ndarray]) -> pd.DataFrame:
    """`batch_cost_arrays` as a frame."""
    return pd.DataFrame(batch_cost_arrays(inputs))


def batch_cost_arrays(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Costs and rounded loss of every batch with `costing.batch_cost_won` and
    `costing.loss_and_variance_bp`, vectorised: int64 when every product stays below 2**61, else
    Python integers (dtype object), so the result is exact either way."""
    names = ("green_cost_won", "green_g", "roasted_g", "session_green_g", "rate", "sf60", "bp")
    columns = {k: np.asarray(inputs[k]).astype(np.int64, copy=False) for k in names}
    if len(columns["green_g"]):
        top = {k: int(v.max()) for k, v in columns.items()}
        largest = 60000 * top["session_green_g"] * (top["green_cost_won"] + top["rate"] * top["roasted_g"])
        largest += 1000 * top["sf60"] * top["green_g"] + 10_000 * top["green_g"] * (1 + top["bp"])
        if largest >= _INT64_SAFE:
            columns = {k: v.astype(object) for k, v in columns.items()}
    won = batch_cost_won(
        batch_cost_ratios(
            columns["green_cost_won"],
            columns["green_g"],
            columns["roasted_g"],
            columns["session_green_g"],
            columns["rate"],
            columns["sf60"],
        )
    )
    loss_bp, variance_bp = loss_and_variance_bp(columns["green_g"], columns["roasted_g"], columns["bp"])
    frame = {"id": inputs["id"]} | won | {"loss_bp": loss_bp, "variance_bp": variance_bp}
    return {k: np.asarray(v).astype(np.int64, copy=False) for k, v in frame.items()}


class Snapshot:
    """DuckDB over a private copy of one SQLite store, read-only, with the loaded dimensions."""

    def __init__(self, db_path: str | Path, *, threads: int = 2, memory_limit: str = "320MB"):
        self.db_path = Path(db_path)
        if not self.db_path.is_file():
            raise FileNotFoundError(self.db_path)
        self._threads = int(threads)
        self._memory_limit = str(memory_limit)
        self.lock = threading.RLock()
        self.duck: duckdb.DuckDBPyConnection | None = None
        self._sqlite: sqlite3.Connection | None = None
        self._fingerprint: tuple[Any, ...] | None = None
        self._inode: int | None = None
        self.load_seconds: dict[str, float] = {}  # time per refresh step of the last load
        remove_orphaned_spill_dirs()
        self._spill_dir = Path(tempfile.gettempdir()) / f"{SPILL_PREFIX}{os.getpid()}-{id(self):x}"
        self.generation = 0  # bumped by every reload
        # Read the store once before the first fingerprint: the first read makes or touches its
        # -wal file, so a fingerprint taken before would differ from every later one and the first
        # refresh would load everything twice (double the start time, and the memory of two loads).
        self._inode = os.stat(self.db_path).st_ino
        self.sqlite().execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        self.refresh()

    # --- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        with self.lock:
            if self.duck is not None:
                self.duck.close()
                self.duck = None
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None
            shutil.rmtree(self._spill_dir, ignore_errors=True)

    def sqlite(self) -> sqlite3.Connection:
        """The read-only sqlite3 connection to the store (fingerprints, settings, catalog lookups)."""
        if self._sqlite is None:
            # any thread may read through the engine (the shared engine answers each kernel's
            # connection in its own thread), one at a time: themoon/ui/engine_service.py's lock
            conn = sqlite3.connect(
                f"file:{self.db_path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 10000")
            self._sqlite = conn
        return self._sqlite

    def fingerprint(self) -> tuple[Any, ...]:
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
        version = self.sqlite().execute("PRAGMA data_version").fetchone()[0]
        return (version, *parts)

    def refresh(self, *, force: bool = False) -> bool:
        """Reload from the store if it changed since the last load (or if `force`); True if reloaded."""
        with self.lock:
            before = self.fingerprint()
            if not force and before == self._fingerprint and self.duck is not None:
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
        if self.duck is not None:
            self.duck.close()
            self.duck = None
        duck = connect()
        duck.execute(f"SET threads = {self._threads}")
        duck.execute("SET memory_limit = ?", [self._memory_limit])
        duck.execute("SET preserve_insertion_order = false")
        duck.execute("SET enable_progress_bar = false")
        # an in-memory DuckDB spills to '.tmp' in the working directory by default: use our own
        duck.execute("SET temp_directory = ?", [str(self._spill_dir)])
        self.history = cost_settings.history(self.sqlite())
        self._create_settings(duck)
        started = time.perf_counter()
        # refresh() reloads if the store changed meanwhile, so settings and snapshot agree
        with attached_snapshot(duck, self.sqlite(), self._spill_dir):
            self.load_seconds["00 snapshot (sqlite3 backup)"] = time.perf_counter() - started
            self._run(duck, "refresh", 1)
            started = time.perf_counter()
            self._batch_costs(duck)
            self.load_seconds["batch costs (costing, numpy)"] = time.perf_counter() - started
            self._run(duck, "refresh_facts", 50)
            # the sales are read last, once the batches' temporaries are gone (the load's peak)
            from . import sales  # sales reads this module's helpers

            started = time.perf_counter()
            sales.load_raw(duck)
            self.load_seconds["sales (read)"] = time.perf_counter() - started
        self.duck = duck
        started = time.perf_counter()
        self._load_dimensions(duck)
        from . import stock  # stock reads this module's helpers

        stock.load(self)
        self.load_seconds["stock (python)"] = time.perf_counter() - started
        started = time.perf_counter()
        sales.load(self)
        self.load_seconds["sales (costing, numpy)"] = time.perf_counter() - started

    def _batch_costs(self, duck: duckdb.DuckDBPyConnection) -> None:
        """`batch_facts` (batch_facts.sql), a slice of ids at a time: `batch_cost_arrays` of the
        slice's `batch_inputs`, registered as `batch_costs` and joined, so the arithmetic's
        temporaries and the join stay small."""
        low, high = duck.execute("SELECT min(id), max(id) FROM batch_inputs").fetchone() or (None, None)
        versions = [cost_settings.DEFAULTS, *self.history]  # as _create_settings numbers them
        rates = np.array([v.roasting_won_per_kg for v in versions], dtype=np.int64)
        sf60 = np.array([v.session_fixed_won_x60 for v in versions], dtype=np.int64)
        starts = list(range(int(low), int(high) + 1, BATCH_COST_SLICE)) if high is not None else [0]
        for n, start in enumerate(starts):
            bounds = {"lo": start, "hi": start + BATCH_COST_SLICE}
            inputs = duck.execute(
                "SELECT id, green_cost_won, green_g, roasted_g, session_green_g, bp, v FROM batch_inputs"
                " WHERE id >= $lo AND id < $hi",
                bounds,
            ).fetchnumpy()
            version = np.asarray(inputs["v"]).astype(np.int64)
            inputs["rate"], inputs["sf60"] = rates[version], sf60[version]
            duck.register("batch_costs", batch_cost_arrays(inputs))
            into = "INSERT INTO batch_facts " if n else "CREATE OR REPLACE TABLE batch_facts AS "
            duck.execute(into + sql("batch_facts"), bounds)
            duck.unregister("batch_costs")

    def _create_settings(self, duck: duckdb.DuckDBPyConnection) -> None:
        versions = [cost_settings.DEFAULTS, *self.history]
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
                    s.session_fixed_won_x60,
                )
                for i, s in enumerate(versions)
            ],
        )

    def _run(self, duck: duckdb.DuckDBPyConnection, name: str, first: int) -> None:
        for number, statement in enumerate(statements(sql(name)), start=first):
            started = time.perf_counter()
            duck.execute(statement)
            self.load_seconds[f"{number:02d} {statement.splitlines()[0][:60]}"] = time.perf_counter() - started

    def _load_dimensions(self, duck: duckdb.DuckDBPyConnection) -> None:
        products = duck.execute("SELECT * FROM products ORDER BY p").df()
        self.products = products
        self.recipe: dict[int, list[tuple[int, int]]] = {}
        for row in duck.execute("SELECT blend_id, bean_id, parts FROM recipe ORDER BY blend_id").fetchall():
            self.recipe.setdefault(row[0], []).append((row[1], row[2]))
        self.beans = duck.execute("SELECT * FROM beans ORDER BY bean_id").df()
        self.menu = duck.execute("SELECT * FROM menu ORDER BY channel, id").df()
        self.active_menu = [
            MenuItem(
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
            for r in self.menu[self.menu["active"]].itertuples()
        ]
        self.kind_code = {int(r.pkey): (r.kind, r.code) for r in products.itertuples()}
        self.product_lists = (
            products["code"].tolist(),
            products["kind"].tolist(),
            products["active"].astype(bool).tolist(),
            [int(k) for k in products["pkey"]],
        )
        span = duck.execute("SELECT min(day), max(day), count(*) FROM batch_facts").fetchone() or (None, None, 0)
        self.span = (span[0], span[1])
        self.batch_count = int(span[2])
        alerts = duck.execute(
            "SELECT count(*) FILTER (WHERE NOT resolved), count(*) FILTER (WHERE NOT resolved AND alert_level = 2)"
            " FROM anomaly_facts"
        ).fetchone() or (0, 0)
        self.open_alerts = (int(alerts[0]), int(alerts[1]))
        names = (duck.execute("SELECT enum_range(NULL::operator_name)").fetchone() or [None])[0] or []
        self.operators = np.array(list(names) or [""], dtype=object)
        self.anomaly_table = duck.execute(sql("anomalies")).df()
        self.runs_table = duck.execute(sql("anomaly_runs")).df()
        found = duck.execute("SELECT day, pkey, run_length FROM anomaly_facts ORDER BY day, id").fetchnumpy()
        self.anomaly_arrays = (
            found["day"].astype("datetime64[D]"),
            found["pkey"].astype(np.int64),
            found["run_length"].astype(np.int64),
        )

    # --- reading --------------------------------------------------------------------------------

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """The frame of `themoon/sql/<name>.sql` with bound parameters."""
        with self.lock:
            if self.duck is None:
                raise RuntimeError("analytics is closed")
            return self.duck.execute(sql(name), params).df()

    def settings_on(self, on: Any = None) -> CostSettings:
        return cost_settings.pick(self.history, day(on, date.today()))

    def pkey(self, product: Any) -> int | None:
        """The key (bean id, or −blend id) of a product as `catalog.get_product` finds it; None for
        no product (every product)."""
        if product is None or product == "":
            return None
        found = catalog.get_product(self.sqlite(), product)
        return found.id if found.kind == "bean" else -found.id

    def bean_id(self, bean: Any) -> int:
        """The id of a bean as `catalog.get_bean` finds it (also 'bean:CODE')."""
        if isinstance(bean, (int, np.integer)) and not isinstance(bean, bool):
            bean = int(bean)
        else:
            bean = str(bean).strip().removeprefix("bean:")
        return int(catalog.get_bean(self.sqlite(), bean)["id"])

"""A large, valid database fast: the café's reference data plus N generated roast batches.

`themoon.demo` writes its history through the public API, one validated row at a time (about a
millisecond per batch). That is right for 18 months of a café and far too slow for a million
batches, which is what the analytics benchmarks need. `build_bulk` writes the reference data
through the API (so it is exactly the demo's), then generates the history with numpy and
writes it with `executemany` in one transaction, with the secondary indexes built afterwards.

The rows satisfy every invariant the API guarantees, computed the same way:

- stock never goes negative at any ledger point: purchases are planned ahead of the known
  demand (delivered Mon–Fri, covering at least a week plus the reorder point; an emergency lot
  on a Saturday if ever needed), and stocktake adjustments stay small;
- the frozen green cost of every component is `round_half_up(green_g × moving-average cost)`
  where the average is the one `inventory.avg_cost_per_g` computes (ledger order within a day:
  purchases, roasts, adjustments; the first lot's price for stock of unknown cost). The
  average is carried as an exact `Fraction`; the rounding runs vectorised in float64 and every
  value within 1e-6 of a half is recomputed exactly with `costing.green_cost_won`;
- `roast_batches.expected_loss_bp` and `loss_alerts` (level, direction, loss_bp, expected_bp,
  run_length) are what `roasting.reevaluate_alerts` writes; alerts of the planted
  "mis-calibrated probe" weeks are resolved (a resolution survives re-evaluation).

History shape: batches are spread over open days (Mon–Sat, closed on New Year's day and around
Seollal/Chuseok) ending yesterday, about six per day like the demo; when N does not fit between
2000-01-01 (the earliest date the store accepts) and yesterday, days get busier instead
(1,000,000 batches ≈ 120 a day over 26 years). Friday and Saturday are the busiest days, Monday
the quietest, so usage forecasts have a weekly pattern to find.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from . import cost_settings, db, demo, reference, users
from .costing import green_cost_won, moving_average, split_by_parts

EARLIEST = date(2000, 1, 1)
BATCHES_PER_DAY = 6  # the café's own pace; only exceeded when N does not fit since 2000
# Relative number of batches per weekday (Mon..Sat); Sunday is closed.
WEEKDAY_WEIGHTS = (0.65, 0.9, 0.85, 0.95, 1.3, 1.35)
MAX_LOT_G = 10_000_000  # what the API accepts for one purchase
PROBE_EVERY_WEEKS = 40  # roughly one mis-calibrated-probe week per 40 weeks of history
UNDER_ROAST_RATE = 0.0015
# operator name, username, share of history after which they roast, loss offset (points)
# (name, role, share, loss offset): the demo's roasters (demo.OPERATORS), each with a loss habit
OPERATORS = tuple((*op, offset) for op, offset in zip(demo.OPERATORS, (0.0, 0.35, -0.25), strict=True))
PROBE_NOTE = "Bean-temperature probe read low that week; recalibrated. Not a bean problem."


def _closed(day: date) -> bool:
    if day.weekday() == 6 or (day.month, day.day) == (1, 1):
        return True
    return any(abs((day - holiday).days) <= 1 for holiday in demo.LUNAR_HOLIDAYS)


def _open_days(batches: int, end: date) -> list[date]:
    """The open days the history spans: enough for BATCHES_PER_DAY a day, never before 2000."""
    wanted = math.ceil(batches / BATCHES_PER_DAY)
    days: list[date] = []
    day = end
    while day >= EARLIEST and len(days) < wanted:
        if not _closed(day):
            days.append(day)
        day -= timedelta(days=1)
    days.reverse()
    return days


def _empty(conn: sqlite3.Connection) -> bool:
    tables = ("beans", "blends", "menu_items", "purchases", "roast_batches", "stock_adjustments", "cost_settings")
    return not any(conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in tables)


def _round_half_up_checked(values: np.ndarray, exact) -> np.ndarray:
    """floor(x + ½) of non-negative float64 values; near-halves are decided by `exact(i)`."""
    rounded = np.floor(values + 0.5).astype(np.int64)
    frac = values - np.floor(values)
    for i in np.flatnonzero(np.abs(frac - 0.5) < 1e-6):
        rounded[i] = exact(int(i))
    return rounded


class _Plan:
    """Everything generated, as numpy columns (ids are 1-based positions)."""


def _generate(batches: int, seed: int, end: date) -> _Plan:
    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    plan = _Plan()
    days = _open_days(batches, end)
    if not days:
        raise ValueError("no open day to roast on before the end date")
    start = days[0]
    n_days = (end - start).days + 1
    day_index = np.array([(d - start).days for d in days], dtype=np.int64)
    weights = np.array([WEEKDAY_WEIGHTS[d.weekday()] for d in days])
    per_day = rng.multinomial(batches, weights / weights.sum())
    batch_day = np.repeat(day_index, per_day)  # calendar index from `start`, sorted
    n = batches

    # products ----------------------------------------------------------------------------
    products = [p for p, _ in demo.PRODUCT_WEIGHTS]
    w_all = np.array([w for _, w in demo.PRODUCT_WEIGHTS], dtype=float)
    seasonal = products.index("blend:SEASONAL")
    w_off = w_all.copy()
    w_off[seasonal] = 0
    month_of_day = np.array([(start + timedelta(days=int(i))).month for i in range(n_days)])
    in_season = np.isin(month_of_day[batch_day], demo.SEASONAL_MONTHS)
    product = np.where(
        in_season,
        rng.choice(len(products), size=n, p=w_all / w_all.sum()),
        rng.choice(len(products), size=n, p=w_off / w_off.sum()),
    )
    # a product's batches back to back within a day, in the demo's product order
    order = np.lexsort((product, batch_day))
    product = product[order]
    weekday = np.array([(start + timedelta(days=int(i))).weekday() for i in range(n_days)])[batch_day]
    busy = weekday >= 4

    # green sizes -------------------------------------------------------------------------
    decaf = np.isin(product, [products.index("blend:ECLIPSE-MOON"), products.index("bean:ETH-DECAF-SDM")])
    is_blend = np.array([p.startswith("blend:") for p in products])[product]
    green = np.where(
        decaf,
        rng.choice([1000, 1500, 2000], size=n),
        np.where(
            is_blend,
            np.where(busy, rng.choice([3500, 4000, 4500, 5000], size=n), rng.choice([3000, 3500, 4000, 4500], size=n)),
            rng.choice([1000, 1500, 2000, 2500, 3000], size=n),
        ),
    ).astype(np.int64)

    # operators: one per session; the third joins after 40 % of the history
    share = (np.arange(n_days) / max(n_days - 1, 1))[batch_day]
    day_op = np.where(rng.random(n_days) < 0.55, 0, np.where(rng.random(n_days) < 0.5, 1, 2))
    op = day_op[batch_day]
    op = np.where((op == 2) & (share < OPERATORS[2][2]), 1, op)

    # losses (percent) ---------------------------------------------------------------------
    offsets = rng.uniform(-0.6, 0.6, size=len(products))
    noise = np.clip(rng.normal(0, demo.LOSS_SD, size=n), -demo.LOSS_NOISE_CAP, demo.LOSS_NOISE_CAP)
    loss = demo.EXPECTED_LOSS + offsets[product] + np.array([o[3] for o in OPERATORS])[op] + noise
    week = (batch_day + start.weekday()) // 7
    n_weeks = int(week.max()) + 1
    probe_weeks = np.flatnonzero(rng.random(n_weeks) < 1 / PROBE_EVERY_WEEKS)
    probe = np.isin(week, probe_weeks)
    loss = np.where(probe, loss + rng.uniform(4.0, 6.0, size=n), loss)
    under = (rng.random(n) < UNDER_ROAST_RATE) & ~probe
    loss = np.where(under, demo.EXPECTED_LOSS - rng.uniform(3.7, 4.4, size=n), loss)
    roasted = np.rint(green * (100 - loss) / 100).astype(np.int64)
    roasted = np.clip(roasted, 1, green - 1)
    minutes = 11.5 + (green / 1000 - 1) * 0.9 + (loss - demo.EXPECTED_LOSS) * 0.3 + rng.normal(0, 0.4, size=n)
    minutes = np.round(np.clip(minutes, 11.0, 16.0), 1)

    # components: split by the recipe's parts, exactly as the API splits a total --------------
    bean_codes = [b.code for b in reference.BEANS]
    bean_no = {code: i for i, code in enumerate(bean_codes)}
    comp_batch, comp_bean, comp_g = [], [], []
    for p, name in enumerate(products):
        kind, _, code = name.partition(":")
        recipe = [(code, 1)] if kind == "bean" else list(reference.BLENDS_BY_CODE[code].components.items())
        rows = np.flatnonzero(product == p)
        if not len(rows):
            continue
        sizes = green[rows]
        for size in np.unique(sizes):
            pick = rows[sizes == size]
            for (bean, _), grams in zip(recipe, split_by_parts(int(size), [pt for _, pt in recipe]), strict=True):
                comp_batch.append(pick)
                comp_bean.append(np.full(len(pick), bean_no[bean]))
                comp_g.append(np.full(len(pick), grams))
    cb = np.concatenate(comp_batch)
    ck = np.concatenate(comp_bean)
    cg = np.concatenate(comp_g).astype(np.int64)
    corder = np.lexsort((ck, cb))
    plan.comp_batch, plan.comp_bean, plan.comp_g = cb[corder], ck[corder], cg[corder]

    # purchases and stocktakes, day by day, ahead of the known demand ------------------------------
    n_beans = len(bean_codes)
    demand = np.zeros((n_days + 1, n_beans), dtype=np.int64)
    np.add.at(demand, (batch_day[plan.comp_batch], plan.comp_bean), plan.comp_g)
    left = np.vstack([np.cumsum(demand[:n_days][::-1], axis=0)[::-1], np.zeros((1, n_beans), dtype=np.int64)])
    cal = [start + timedelta(days=i) for i in range(n_days)]
    delivery = [i for i in range(n_days) if i == 0 or (cal[i].weekday() < 5 and not _closed(cal[i]))]
    horizon = {i: max(nxt - i, 7) for i, nxt in zip(delivery, delivery[1:] + [n_days], strict=True)}
    daily_kg = np.maximum(left[0] / 1000 / n_days, 0.1)
    stocktakes = set()
    for year in range(start.year, end.year + 1):
        for month in (3, 6, 9, 12):
            last = max((i for i in day_index.tolist() if cal[i].year == year and cal[i].month == month), default=None)
            if last is not None:
                stocktakes.add(last)
    # green prices: 2 %/year cheaper going back, a mean-reverting wobble, today ≈ the owner's price
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    wobble = np.zeros((months, n_beans))
    for m in range(1, months):
        wobble[m] = 0.95 * wobble[m - 1] + rng.normal(0, 0.03, size=n_beans)
    base = np.array([demo._green_price(code) for code in bean_codes], dtype=float)

    stock = [0] * n_beans
    p_day, p_bean, p_grams, p_won, p_before, p_note = [], [], [], [], [], []
    a_day, a_bean, a_delta = [], [], []
    reorder = [b.reorder_point_g for b in reference.BEANS]
    for i in range(n_days):
        h = horizon.get(i)
        for k in range(n_beans):
            if h is None:
                shortfall = int(demand[i, k]) - stock[k]
            else:
                ahead = max(h, 7 + prng.randint(0, 5))
                shortfall = reorder[k] + int(left[i, k] - left[min(i + ahead, n_days), k]) - stock[k]
            if shortfall <= 0:
                continue
            kg = min(max(10, 5 * round(daily_kg[k] * prng.uniform(21, 42) / 5)), MAX_LOT_G // 1000)
            grams = max(kg * 1000, 5000 * math.ceil(shortfall / 5000))
            if grams > MAX_LOT_G:
                raise ValueError("demand too high for one lot a day; use fewer batches per day")
            m = (cal[i].year - start.year) * 12 + cal[i].month - start.month
            years_back = (n_days - 1 - i) / 365.25
            factor = math.exp(-0.02 * years_back + wobble[m, k] - wobble[-1, k]) * prng.uniform(0.98, 1.02)
            won_per_kg = 10 * round(base[k] * factor / 10)
            kgs = grams // 1000
            freight = 5_000 if kgs <= 20 else 8_000 if kgs <= 40 else 12_000 if kgs <= 60 else 12_000 + 150 * (kgs - 60)
            p_day.append(i)
            p_bean.append(k)
            p_grams.append(grams)
            p_won.append(kgs * won_per_kg + freight)
            p_before.append(stock[k])
            p_note.append(f"₩{won_per_kg:,}/kg + freight ₩{freight:,}")
            stock[k] += grams
        for k in range(n_beans):
            stock[k] -= int(demand[i, k])
            if stock[k] < 0:  # cannot happen: every day's lot covers that day
                raise AssertionError("negative stock planned")
        if i in stocktakes:
            for k in range(n_beans):
                if stock[k] > 1000 and prng.random() < 0.4:
                    delta = -prng.randint(20, 250) if prng.random() < 0.8 else prng.randint(30, 120)
                    a_day.append(i)
                    a_bean.append(k)
                    a_delta.append(delta)
                    stock[k] += delta

    plan.start, plan.end, plan.n_days, plan.cal = start, end, n_days, cal
    plan.products, plan.bean_codes = products, bean_codes
    plan.batch_day, plan.product, plan.green, plan.roasted = batch_day, product, green, roasted
    plan.minutes, plan.op, plan.probe, plan.under = minutes, op, probe, under
    plan.p_day, plan.p_bean, plan.p_grams = np.array(p_day), np.array(p_bean), np.array(p_grams, dtype=np.int64)
    plan.p_won, plan.p_before, plan.p_note = np.array(p_won, dtype=np.int64), p_before, p_note
    plan.a_day, plan.a_bean, plan.a_delta = a_day, a_bean, a_delta
    plan.final_stock = stock
    return plan


def _frozen_costs(plan: _Plan) -> np.ndarray:
    """Each component's green cost at the moving average of its bean on its roast day."""
    n_beans = len(plan.bean_codes)
    # moving averages per purchase, exactly as inventory.avg_cost_per_g (one lot per bean a day)
    exact: list[Fraction] = []
    avg_by_bean: list[Fraction | None] = [None] * n_beans
    for k, grams, won, before in zip(
        plan.p_bean.tolist(), plan.p_grams.tolist(), plan.p_won.tolist(), plan.p_before, strict=True
    ):
        avg = avg_by_bean[k]
        avg = moving_average(before if avg is not None else 0, avg or Fraction(0), grams, won)
        avg_by_bean[k] = avg
        exact.append(avg)
    as_float = np.array([float(a) for a in exact] + [0.0])
    # epoch[day, bean]: the last purchase of the bean on or before the day (-1: none yet)
    epoch = np.full((plan.n_days, n_beans), -1, dtype=np.int64)
    epoch[plan.p_day, plan.p_bean] = np.arange(len(exact))
    epoch = np.maximum.accumulate(epoch, axis=0)
    comp_epoch = epoch[plan.batch_day[plan.comp_batch], plan.comp_bean]
    values = plan.comp_g * as_float[comp_epoch]

    def exact_cost(i: int) -> int:
        e = int(comp_epoch[i])
        return green_cost_won(int(plan.comp_g[i]), exact[e] if e >= 0 else Fraction(0))

    return _round_half_up_checked(values, exact_cost)


def _alerts(plan: _Plan, expected_bp: np.ndarray) -> tuple[np.ndarray, ...]:
    """What reevaluate_alerts decides for every batch (without the `use_recent_loss` toggle)."""
    green_by_batch = np.bincount(plan.comp_batch, weights=plan.comp_g, minlength=len(plan.green)).astype(np.int64)
    g, r = green_by_batch, plan.roasted
    # variance in points = d / (100 g), d in bp·g: exact integer comparisons
    d = (g - r) * 10_000 - expected_bp * g
    size = np.abs(d)
    anomalous = size > 300 * g
    critical = size > 500 * g
    high = d > 0
    loss_bp = (2 * (g - r) * 10_000 + g) // (2 * g)
    # runs of consecutive anomalous batches per product, in (day, id) order = id order
    order = np.lexsort((np.arange(len(g)), plan.product))
    flag = anomalous[order]
    idx = np.arange(len(g))
    marker = np.where(flag, -1, idx)
    starts = np.flatnonzero(np.r_[True, plan.product[order][1:] != plan.product[order][:-1]])
    marker[starts] = np.maximum(marker[starts], starts - 1)
    last_reset = np.maximum.accumulate(marker)
    runs_sorted = np.where(flag, idx - last_reset, 0)
    runs = np.empty_like(runs_sorted)
    runs[order] = runs_sorted
    return anomalous, critical, high, loss_bp, runs


def build_bulk(path: str | Path, *, batches: int, seed: int = 7, today: date | None = None) -> dict[str, Any]:
    """Create (or fill an empty) database at `path` with the café's reference data and `batches`
    generated roast batches ending yesterday; return the demo-style summary counts.

    Deterministic for a given (batches, seed, today) apart from clock columns and password salts.
    1,000,000 batches take about a minute on two cores.
    """
    if batches < 1:
        raise ValueError("batches must be at least 1")
    today = today or date.today()
    if today > date.today():
        raise ValueError("today cannot be in the future: the store refuses future dates")
    plan = _generate(batches, seed, today - timedelta(days=1))
    path = Path(path)
    created = not path.exists()
    conn = db.connect(path)
    try:
        if not _empty(conn):
            raise ValueError("build_bulk needs an empty database")
        return _write(conn, plan, journal=not created)
    except BaseException:
        conn.close()
        if created:  # written without a journal: a half-built file is useless, remove it
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    finally:
        conn.close()


def _write(conn: sqlite3.Connection, plan: _Plan, *, journal: bool) -> dict[str, Any]:
    with db.transaction(conn):
        for spec in reference.DEMO_USERS:
            if not conn.execute("SELECT 1 FROM users WHERE username = ?", (spec["username"],)).fetchone():
                users.add_user(conn, user="system", **spec)
        demo._write_reference(conn, plan.start)
        change = plan.cal[int(plan.n_days * 0.55)].replace(day=1)
        if change > plan.start:
            cost_settings.save(
                conn, user="owner", effective_from=change, labour_won_per_hour=demo.NEW_LABOUR_WON_PER_HOUR
            )
    bean_id = {r["code"]: r["id"] for r in conn.execute("SELECT id, code FROM beans")}
    blend_id = {r["code"]: r["id"] for r in conn.execute("SELECT id, code FROM blends")}
    history = cost_settings.history(conn)

    day_text = [d.isoformat() for d in plan.cal]
    n = len(plan.green)
    ids = np.arange(1, n + 1)
    kinds = [p.partition(":") for p in plan.products]
    prod_bean = np.array([bean_id[c] if k == "bean" else 0 for k, _, c in kinds])[plan.product]
    prod_blend = np.array([blend_id[c] if k == "blend" else 0 for k, _, c in kinds])[plan.product]
    # expected loss each batch is judged against: the settings in force (no product has its own)
    version_of_day = np.array([cost_settings.pick(history, d).expected_loss_bp for d in plan.cal], dtype=np.int64)
    if any(v.use_recent_loss for v in history):
        raise AssertionError("bulk histories do not use the recent-loss toggle")
    expected_bp = version_of_day[plan.batch_day]
    anomalous, critical, high, loss_bp, runs = _alerts(plan, expected_bp)
    costs = _frozen_costs(plan)
    bean_db_id = np.array([bean_id[c] for c in plan.bean_codes])
    stamp = datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
    notes = np.where(plan.under, "under-roasted: first batch, drum not fully preheated", "")

    # One big transaction: on a file we created, without a journal (a failed build is deleted);
    # an existing (empty) database keeps its WAL, so a failure rolls back cleanly.
    if not journal:
        conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    indexes = [
        (name, sql)
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('roast_batches', 'roast_components', 'purchases', 'stock_adjustments')"
        )
    ]
    with db.transaction(conn):
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        purchases = [
            (
                day_text[d],
                int(bean_db_id[k]),
                g,
                won,
                demo.SUPPLIERS[demo.SUPPLIER_BY_COUNTRY.get(reference.BEANS[k].country, 0)][1],
                f"{demo.SUPPLIERS[demo.SUPPLIER_BY_COUNTRY.get(reference.BEANS[k].country, 0)][0]}-{i + 1:06d}",
                note,
                stamp,
            )
            for i, (d, k, g, won, note) in enumerate(
                zip(
                    plan.p_day.tolist(),
                    plan.p_bean.tolist(),
                    plan.p_grams.tolist(),
                    plan.p_won.tolist(),
                    plan.p_note,
                    strict=True,
                )
            )
        ]
        conn.executemany(
            "INSERT INTO purchases (purchased_on, bean_id, grams, total_won, supplier, lot_code, notes, created_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            purchases,
        )
        conn.executemany(
            "INSERT INTO stock_adjustments (adjusted_on, bean_id, delta_g, reason, created_at) VALUES (?,?,?,?,?)",
            [
                (day_text[d], int(bean_db_id[k]), delta, "quarterly stocktake: spills, cupping samples", stamp)
                for d, k, delta in zip(plan.a_day, plan.a_bean, plan.a_delta, strict=True)
            ],
        )
        operators = [o[0] for o in OPERATORS]
        conn.executemany(
            "INSERT INTO roast_batches (id, roasted_on, bean_id, blend_id, roasted_g, minutes, operator, notes,"
            " source, expected_loss_bp, created_at) VALUES (?,?,?,?,?,?,?,?,'demo',?,?)",
            zip(
                ids.tolist(),
                [day_text[d] for d in plan.batch_day.tolist()],
                [None if b == 0 else b for b in prod_bean.tolist()],
                [None if b == 0 else b for b in prod_blend.tolist()],
                plan.roasted.tolist(),
                plan.minutes.tolist(),
                [operators[o] for o in plan.op.tolist()],
                notes.tolist(),
                expected_bp.tolist(),
                [stamp] * n,
                strict=True,
            ),
        )
        conn.executemany(
            "INSERT INTO roast_components (batch_id, bean_id, green_g, green_cost_won) VALUES (?,?,?,?)",
            zip(
                (plan.comp_batch + 1).tolist(),
                bean_db_id[plan.comp_bean].tolist(),
                plan.comp_g.tolist(),
                costs.tolist(),
                strict=True,
            ),
        )
        alert_rows = np.flatnonzero(anomalous)
        resolved = plan.probe[alert_rows]
        conn.executemany(
            "INSERT INTO loss_alerts (batch_id, level, direction, loss_bp, expected_bp, run_length,"
            " resolved_at, resolved_by, resolution_note) VALUES (?,?,?,?,?,?,?,?,?)",
            zip(
                (alert_rows + 1).tolist(),
                np.where(critical[alert_rows], "CRITICAL", "WARNING").tolist(),
                np.where(high[alert_rows], "HIGH", "LOW").tolist(),
                loss_bp[alert_rows].tolist(),
                expected_bp[alert_rows].tolist(),
                runs[alert_rows].tolist(),
                [stamp if r else None for r in resolved.tolist()],
                ["owner" if r else None for r in resolved.tolist()],
                [PROBE_NOTE if r else None for r in resolved.tolist()],
                strict=True,
            ),
        )
        for _, sql in indexes:
            conn.execute(sql)
        summary = {
            "batches": n,
            "components": len(plan.comp_g),
            "purchases": len(purchases),
            "stock_adjustments": len(plan.a_day),
            "loss_alerts": len(alert_rows),
            "first_roast": day_text[int(plan.batch_day[0])],
            "last_roast": day_text[int(plan.batch_day[-1])],
        }
        conn.execute(
            "INSERT INTO audit_log (username, action, entity, entity_id, new_json)"
            " VALUES ('system', 'import', ?, NULL, ?)",
            ("bulk_history", json.dumps(summary)),
        )
    from .demo_sales import add_sales

    summary["sales_rows"] = add_sales(conn, start=plan.start, end=plan.end, seed=n, target_rows=2 * n)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("ANALYZE")
    low = [
        code
        for code, k, ref in zip(plan.bean_codes, plan.final_stock, reference.BEANS, strict=True)
        if k <= ref.reorder_point_g
    ]
    return {
        **summary,
        "beans": len(reference.BEANS),
        "blends": len(reference.BLENDS),
        "menu_items": len(reference.MENU),
        "cost_settings_versions": len(history),
        "green_bought_g": int(plan.p_grams.sum()),
        "green_roasted_g": int(plan.comp_g.sum()),
        "sessions": int(len(np.unique(plan.batch_day))),
        "open_loss_alerts": int((~resolved).sum()),
        "low_stock": low,
    }

"""Roast batches: record, edit, delete, cost, and the loss alerts that follow them (SPEC §4)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from . import audit, catalog, cost_settings, inventory, messages, users
from .costing import (
    batch_cost,
    bp_to_pct,
    classify_variance,
    green_cost_won,
    loss_pct,
    recent_expected_pct,
    round_decimal,
    round_won,
    split_by_parts,
    status_for_anomalies,
)
from .db import transaction
from .models import (
    Product,
    ValidationError,
    parse_date,
    parse_decimal,
    parse_grams,
    parse_int,
    parse_text,
)

_EDITABLE = ("product", "roasted_on", "roasted_g", "green_g", "components", "minutes", "operator", "notes")
_NEW_FIELDS = frozenset(_EDITABLE) | {"source", "external_id"}
SOURCES = ("manual", "demo", "legacy", "artisan", "workbook", "excel")


class _Lookups:
    """Catalog look-ups for one call (the catalog does not change while its batches are written)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._products: dict[Any, Product] = {}
        self._beans: dict[Any, dict] = {}
        self._recipes: dict[Product, dict[int, int]] = {}

    def _cached(self, cache: dict[Any, Any], ref: Any, find: Callable[[sqlite3.Connection, Any], Any]) -> Any:
        """`find(conn, ref)`, remembered for a hashable `ref` (an unhashable one is looked up each time)."""
        try:
            key = (type(ref), ref)
            hash(key)
        except TypeError:
            return find(self.conn, ref)
        if key not in cache:
            cache[key] = find(self.conn, ref)
        return cache[key]

    def product(self, ref: Any) -> Product:
        return self._cached(self._products, ref, catalog.get_product)

    def bean(self, ref: Any) -> dict:
        return self._cached(self._beans, ref, catalog.get_bean)

    def recipe(self, product: Product) -> dict[int, int]:
        if product not in self._recipes:
            self._recipes[product] = dict(catalog.recipe(self.conn, product))
        return self._recipes[product]


def _components(look: _Lookups, product: Product, green_g: Any, components: Mapping[Any, Any] | None) -> dict[int, int]:
    """{bean id: green grams}: given per component (adding up to `green_g` when that is given
    too), or a total split by the recipe's parts."""
    recipe = look.recipe(product)
    if components:
        clean: dict[int, int] = {}
        for ref, grams in components.items():
            bean = look.bean(ref)
            if bean["id"] not in recipe:
                raise ValidationError(
                    "components",
                    "error.is_not_in",
                    bean=bean["code"],
                    product=product.code,
                )
            clean[bean["id"]] = parse_grams(f"green_g[{bean['code']}]", grams)
        if green_g not in (None, ""):  # both given: one green weight per batch, never two
            total = parse_grams("green_g", green_g)
            if sum(clean.values()) != total:
                raise ValidationError(
                    "green_g",
                    "error.must_equal_the_per_bean_grams",
                    total=sum(clean.values()),
                )
        return clean
    if not recipe:
        raise ValidationError("product", "error.has_no_recipe", product=product.code)
    total = parse_grams("green_g", green_g)
    shares = split_by_parts(total, list(recipe.values()))
    if min(shares) <= 0:
        raise ValidationError(
            "green_g",
            "error.g_is_too_little_to_split",
            total=total,
        )
    return dict(zip(recipe, shares, strict=True))


def _validate(look: _Lookups, values: Mapping[str, Any]) -> tuple[Product, date, dict, dict[int, int]]:
    """A batch's inputs, checked without the ledger: (product, day, row, {bean id: green g})."""
    product = look.product(values.get("product"))
    roasted_on = parse_date("roasted_on", values.get("roasted_on") or date.today())
    roasted_g = parse_grams("roasted_g", values.get("roasted_g"))
    components = _components(look, product, values.get("green_g"), values.get("components"))
    total_green = sum(components.values())
    if roasted_g >= total_green:
        raise ValidationError(
            "roasted_g",
            "error.must_be_less_than_the_green",
            total_green=total_green,
        )
    minutes = values.get("minutes")
    if minutes not in (None, ""):
        minutes = float(parse_decimal("minutes", minutes, minimum=Decimal("0.1"), maximum=Decimal(240)))
    else:
        minutes = None
    source = values.get("source") or "manual"
    if source not in SOURCES:
        raise ValidationError("source", "error.is_not_a_known_source")
    row = {
        "roasted_on": roasted_on.isoformat(),
        "bean_id": product.id if product.kind == "bean" else None,
        "blend_id": product.id if product.kind == "blend" else None,
        "roasted_g": roasted_g,
        "minutes": minutes,
        "operator": parse_text("operator", values.get("operator"), max_len=60),
        "notes": parse_text("notes", values.get("notes"), max_len=2000),
        "source": source,
        "external_id": parse_text("external_id", values.get("external_id"), max_len=200) or None,
    }
    return product, roasted_on, row, components


def _freeze(
    look: _Lookups,
    ledgers: Mapping[int, inventory.BeanLedger],
    roasted_on: date,
    components: Mapping[int, int],
    batch_id: int,
) -> dict[int, tuple[int, int]]:
    """Check the stock for each component at the batch's ledger position and freeze its green cost:
    {bean id: (green g, cost won)}."""
    frozen = {}
    day = roasted_on.isoformat()
    for bean_id, grams in components.items():
        ledger = ledgers[bean_id]
        available = ledger.available(day, batch_id)
        if grams > available:
            bean = look.bean(bean_id)  # named as the owner knows it, not by its code
            name_en = bean["name_en"] or bean["code"]
            name_ko = bean["name_ko"] or name_en
            raise ValidationError(
                "green_g",
                "error.only_g_of_in_stock_on",
                available=max(available, 0),
                bean=messages.Localized(name_en, name_ko),
                roasted_on=roasted_on,
                grams=grams,
            )
        avg = ledger.avg_cost_per_g(day) or Fraction(0)
        frozen[bean_id] = (grams, green_cost_won(grams, avg))
    return frozen


def _prepare(conn: sqlite3.Connection, values: Mapping[str, Any], batch_id: int) -> tuple:
    """An edited batch's inputs checked against the ledger without it: (product, row, frozen components)."""
    look = _Lookups(conn)
    product, roasted_on, row, components = _validate(look, values)
    ledgers = {b: inventory.BeanLedger.load(conn, b, exclude_batch=batch_id) for b in components}
    return product, row, _freeze(look, ledgers, roasted_on, components, batch_id)


def _write_components(conn: sqlite3.Connection, batch_id: int, frozen: dict[int, tuple]) -> None:
    conn.executemany(
        "INSERT INTO roast_components (batch_id, bean_id, green_g, green_cost_won) VALUES (?,?,?,?)",
        [(batch_id, bean_id, g, won) for bean_id, (g, won) in frozen.items()],
    )


def add_batch(conn: sqlite3.Connection, *, user: str = "system", **values: Any) -> dict:
    """Record one roast; returns it with loss, variance, cost and alert."""

    def refuse(_index: int, error: ValidationError) -> None:
        raise error

    with transaction(conn):
        (batch_id,) = _record(conn, [values], user, refuse)
        return get_batch(conn, batch_id)


def add_batches(
    conn: sqlite3.Connection,
    rows: Sequence[Mapping[str, Any]],
    *,
    user: str = "system",
    rejected: Callable[[int, ValidationError], None] | None = None,
) -> list[int]:
    """Record many roasts in one transaction, all or nothing; returns their ids in row order.

    Each row is validated exactly as `add_batch` validates it, against the ledger as the rows
    before it left it (rows may be in any date order), so the result is the same as calling
    `add_batch` row by row. An error names the row it came from ("row 3 green_g").

    `rejected` is for importers that list every bad row: it is called with (index, error)
    instead of raising, the row is skipped (its id is None) and the caller rolls back.
    """
    if rejected is None:

        def rejected(index: int, error: ValidationError) -> None:
            raise error.for_field(f"row {index + 1} {error.field}") from None

    return _record(conn, rows, user, rejected)


def _record(
    conn: sqlite3.Connection,
    rows: Sequence[Mapping[str, Any]],
    user: str,
    rejected: Callable[[int, ValidationError], None],
) -> list:
    """The one path that writes new batches: validate, check the stock and freeze the green cost
    per row in order (each bean's ledger loaded once), then write everything at once."""
    with transaction(conn):
        look = _Lookups(conn)
        checked: list[tuple | ValidationError] = []
        for values in rows:
            try:
                unknown = set(values) - _NEW_FIELDS
                if unknown:
                    raise ValidationError(sorted(unknown)[0], "error.is_not_a_batch_field")
                checked.append(_validate(look, values))
            except ValidationError as error:
                checked.append(error)
        beans = sorted({b for item in checked if not isinstance(item, ValidationError) for b in item[3]})
        ledgers = {b: inventory.BeanLedger.load(conn, b) for b in beans}
        next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM roast_batches").fetchone()[0]
        ids: list[int | None] = []
        batches, components, entries = [], [], []
        since: dict[Product, date] = {}
        for index, item in enumerate(checked):
            try:
                if isinstance(item, ValidationError):
                    raise item
                product, roasted_on, row, grams = item
                frozen = _freeze(look, ledgers, roasted_on, grams, next_id)
            except ValidationError as error:
                rejected(index, error)
                ids.append(None)
                continue
            for bean_id, (g, won) in frozen.items():
                ledgers[bean_id].add_roast(row["roasted_on"], next_id, g, won)
                components.append((next_id, bean_id, g, won))
            batches.append({**row, "id": next_id})
            entries.append((next_id, {**row, "components": frozen}))
            since[product] = min(since.get(product, roasted_on), roasted_on)
            ids.append(next_id)
            next_id += 1
        conn.executemany(
            "INSERT INTO roast_batches (id, roasted_on, bean_id, blend_id, roasted_g, minutes, operator,"
            " notes, source, external_id) VALUES (:id, :roasted_on, :bean_id, :blend_id, :roasted_g,"
            " :minutes, :operator, :notes, :source, :external_id)",
            batches,
        )
        conn.executemany(
            "INSERT INTO roast_components (batch_id, bean_id, green_g, green_cost_won) VALUES (?,?,?,?)", components
        )
        for batch_id, entry in entries:
            audit.record(conn, user, "create", "roast_batch", batch_id, None, entry)
        for product, day in since.items():
            reevaluate_alerts(conn, product, day)
    return ids


def add_session(conn: sqlite3.Connection, batches: Sequence[Mapping[str, Any]], *, user: str = "system") -> list[dict]:
    """A whole roasting session, all or nothing; an error names the row it came from."""
    if not batches:
        raise ValidationError("batches", "error.the_session_has_no_batches")
    with transaction(conn):
        ids = add_batches(conn, batches, user=user)
        # read back with their final costs (each batch's share of the day's session costs)
        return [get_batch(conn, batch_id) for batch_id in ids]


def _current_values(conn: sqlite3.Connection, batch_id: int) -> tuple[dict, Product]:
    row = conn.execute("SELECT * FROM roast_batches WHERE id = ?", (batch_id,)).fetchone()
    if row is None:
        raise ValidationError(
            "batch_id",
            "error.batch_no_longer_exists_it_was",
            batch_id=batch_id,
        )
    kind = "bean" if row["bean_id"] is not None else "blend"
    product = catalog.product_by_id(conn, kind, row["bean_id"] or row["blend_id"])
    components = {
        r["bean_id"]: r["green_g"]
        for r in conn.execute("SELECT bean_id, green_g FROM roast_components WHERE batch_id = ?", (batch_id,))
    }
    values = {**dict(row), "product": f"{kind}:{product.code}", "components": components}
    return values, product


def update_batch(
    conn: sqlite3.Connection, batch_id: Any, *, user: str = "system", role: str | None = None, **changes: Any
) -> dict:
    """Edit a batch; its green cost is frozen again at its (possibly new) date. With `role` (the
    dashboard passes the signed-in user's), staff may only correct their own batch of today."""
    batch_id = parse_int("batch_id", batch_id, minimum=1)
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ValidationError(sorted(unknown)[0], "error.is_not_an_editable_field")
    with transaction(conn):
        old, old_product = _current_values(conn, batch_id)
        if role is not None:
            users.require_correction(conn, username=user, role=role, entity="roast_batch", entity_id=batch_id)
        values = {**old, **changes}
        if "green_g" in changes and "components" not in changes:
            values["components"] = None
        if "product" in changes and "components" not in changes and "green_g" not in changes:
            values["green_g"], values["components"] = sum(old["components"].values()), None
        # Take the batch's old consumption out of the ledger first, so the moving average it is
        # frozen at does not count it (it would, for a purchase between the old and new date).
        conn.execute("DELETE FROM roast_components WHERE batch_id = ?", (batch_id,))
        product, row, frozen = _prepare(conn, values, batch_id)
        row.pop("source"), row.pop("external_id")
        conn.execute(
            "UPDATE roast_batches SET roasted_on = :roasted_on, bean_id = :bean_id,"
            " blend_id = :blend_id, roasted_g = :roasted_g, minutes = :minutes,"
            " operator = :operator, notes = :notes WHERE id = :id",
            {**row, "id": batch_id},
        )
        _write_components(conn, batch_id, frozen)
        old_day = date.fromisoformat(old["roasted_on"])
        new_day = date.fromisoformat(row["roasted_on"])
        reevaluate_alerts(conn, old_product, min(old_day, new_day))
        if product != old_product:
            reevaluate_alerts(conn, product, new_day)
        audit.record(conn, user, "update", "roast_batch", batch_id, old, {**row, "components": frozen})
        return get_batch(conn, batch_id)


def delete_batch(conn: sqlite3.Connection, batch_id: Any, *, user: str = "system", role: str | None = None) -> None:
    """Delete a batch (audited with its old values); `role` as for `update_batch`."""
    batch_id = parse_int("batch_id", batch_id, minimum=1)
    with transaction(conn):
        old, product = _current_values(conn, batch_id)
        if role is not None:
            users.require_correction(conn, username=user, role=role, entity="roast_batch", entity_id=batch_id)
        conn.execute("DELETE FROM roast_batches WHERE id = ?", (batch_id,))
        reevaluate_alerts(conn, product, date.fromisoformat(old["roasted_on"]))
        audit.record(conn, user, "delete", "roast_batch", batch_id, old, None)


# --- loss alerts --------------------------------------------------------------------------------


def _product_column(product: Product) -> str:
    return "bean_id" if product.kind == "bean" else "blend_id"


def _product_expected_bp(conn: sqlite3.Connection, product: Product) -> int | None:
    table = "beans" if product.kind == "bean" else "blends"
    return conn.execute(f"SELECT expected_loss_bp FROM {table} WHERE id = ?", (product.id,)).fetchone()[0]


def reevaluate_alerts(conn: sqlite3.Connection, product: Product, since: date) -> None:
    """Judge every batch of a product from `since` on against its expected loss.

    Earlier batches cannot change (their expectation and runs depend only on what came before),
    so only the tail is rewritten. A resolution stays with an alert whose verdict is unchanged.
    """
    column = _product_column(product)
    history = cost_settings.history(conn)
    own_bp = _product_expected_bp(conn, product)
    totals = (
        f"SELECT b.id, b.roasted_on, b.roasted_g, SUM(c.green_g) AS green_g"
        f" FROM roast_batches b JOIN roast_components c ON c.batch_id = b.id"
        f" WHERE b.{column} = ? AND b.roasted_on {{op}} ? GROUP BY b.id"
    )
    earlier = conn.execute(
        totals.format(op="<") + " ORDER BY b.roasted_on DESC, b.id DESC LIMIT 10",
        (product.id, since.isoformat()),
    ).fetchall()
    recent = [loss_pct(r["green_g"], r["roasted_g"]) for r in reversed(earlier)]
    run = 0
    if earlier:
        last = conn.execute("SELECT run_length FROM loss_alerts WHERE batch_id = ?", (earlier[0]["id"],)).fetchone()
        run = last[0] if last else 0
    rows = conn.execute(
        totals.format(op=">=") + " ORDER BY b.roasted_on, b.id",
        (product.id, since.isoformat()),
    ).fetchall()
    resolutions = {
        r["batch_id"]: r
        for r in conn.execute(
            f"SELECT a.* FROM loss_alerts a JOIN roast_batches b ON b.id = a.batch_id"
            f" WHERE b.{column} = ? AND b.roasted_on >= ? AND a.resolved_at IS NOT NULL",
            (product.id, since.isoformat()),
        )
    }
    expectations, alerts = [], []
    settings_by_day: dict[str, Any] = {}
    for row in rows:
        day = row["roasted_on"]
        settings = settings_by_day.get(day)
        if settings is None:
            settings = settings_by_day[day] = cost_settings.pick(history, date.fromisoformat(day))
        if settings.use_recent_loss and recent:
            expected_bp = int(round_decimal(recent_expected_pct(recent) * 100, 0))
        else:
            expected_bp = own_bp or settings.expected_loss_bp
        loss = loss_pct(row["green_g"], row["roasted_g"])
        verdict = classify_variance(loss - bp_to_pct(expected_bp))
        run = run + 1 if verdict else 0
        expectations.append((expected_bp, row["id"]))
        if verdict:
            kept = resolutions.get(row["id"])
            same = kept and (kept["level"], kept["direction"]) == (verdict.level, verdict.direction)
            alerts.append(
                (
                    row["id"],
                    verdict.level,
                    verdict.direction,
                    int(round_decimal(loss * 100, 0)),
                    expected_bp,
                    run,
                    kept["resolved_at"] if same else None,
                    kept["resolved_by"] if same else None,
                    kept["resolution_note"] if same else None,
                )
            )
        recent = (recent + [loss])[-10:]
    conn.executemany("UPDATE roast_batches SET expected_loss_bp = ? WHERE id = ?", expectations)
    conn.executemany("DELETE FROM loss_alerts WHERE batch_id = ?", [(r["id"],) for r in rows])
    conn.executemany("INSERT INTO loss_alerts VALUES (?,?,?,?,?,?,?,?,?)", alerts)


def resolve_alert(conn: sqlite3.Connection, batch_id: Any, note: Any, *, user: str = "system") -> None:
    batch_id = parse_int("batch_id", batch_id, minimum=1)
    note = parse_text("note", note, max_len=2000, required=True)
    with transaction(conn):
        old = conn.execute("SELECT * FROM loss_alerts WHERE batch_id = ?", (batch_id,)).fetchone()
        if old is None:
            raise ValidationError("batch_id", "error.batch_has_no_loss_alert", batch_id=batch_id)
        conn.execute(
            "UPDATE loss_alerts SET resolved_at = strftime('%Y-%m-%dT%H:%M:%S', 'now'),"
            " resolved_by = ?, resolution_note = ? WHERE batch_id = ?",
            (user, note, batch_id),
        )
        audit.record(conn, user, "update", "loss_alert", batch_id, dict(old), {"note": note})


def list_alerts(conn: sqlite3.Connection, *, open_only: bool = True, limit: int = 500) -> list[dict]:
    where = "WHERE a.resolved_at IS NULL" if open_only else ""
    return [
        dict(r)
        for r in conn.execute(
            f"SELECT a.*, b.roasted_on, COALESCE(bl.code, be.code) AS product"
            f" FROM loss_alerts a JOIN roast_batches b ON b.id = a.batch_id"
            f" LEFT JOIN beans be ON be.id = b.bean_id LEFT JOIN blends bl ON bl.id = b.blend_id"
            f" {where} ORDER BY b.roasted_on DESC, b.id DESC LIMIT ?",
            (limit,),
        )
    ]


def loss_status(conn: sqlite3.Connection, *, today: date | None = None) -> list[dict]:
    """30-day status per product: anomalies counted, longest current run, NORMAL/ATTENTION/CRITICAL."""
    today = today or date.today()
    since = (today - timedelta(days=30)).isoformat()
    counts = {
        (r["kind"], r["pid"]): r
        for r in conn.execute(
            "SELECT CASE WHEN b.bean_id IS NULL THEN 'blend' ELSE 'bean' END AS kind,"
            " COALESCE(b.bean_id, b.blend_id) AS pid, COUNT(*) AS anomalies,"
            " MAX(a.run_length) AS longest_run"
            " FROM loss_alerts a JOIN roast_batches b ON b.id = a.batch_id"
            " WHERE b.roasted_on > ? AND b.roasted_on <= ? GROUP BY kind, pid",
            (since, today.isoformat()),
        )
    }
    result = []
    for product in catalog.list_products(conn, active=None):
        found = counts.get((product.kind, product.id))
        anomalies = found["anomalies"] if found else 0
        result.append(
            {
                "product": product.code,
                "kind": product.kind,
                "anomalies_30d": anomalies,
                "longest_run_30d": found["longest_run"] if found else 0,
                "status": status_for_anomalies(anomalies),
            }
        )
    return result


# --- reading batches with their costs -------------------------------------------------------------


# The sums are correlated subqueries, so they are computed only for the rows returned (a page of
# the newest batches), never for the whole store.
_BATCH_SQL = """
SELECT b.*, CASE WHEN b.bean_id IS NULL THEN 'blend' ELSE 'bean' END AS product_kind,
       COALESCE(bl.code, be.code) AS product,
       COALESCE(bl.name_en, be.name_en) AS product_name_en,
       COALESCE(bl.name_ko, be.name_ko) AS product_name_ko,
       (SELECT SUM(green_g) FROM roast_components WHERE batch_id = b.id) AS green_g,
       (SELECT SUM(green_cost_won) FROM roast_components WHERE batch_id = b.id) AS green_cost_won,
       (SELECT SUM(rc.green_g) FROM roast_batches rb JOIN roast_components rc ON rc.batch_id = rb.id
         WHERE rb.roasted_on = b.roasted_on) AS session_green_g,
       (SELECT COUNT(*) FROM roast_batches rb WHERE rb.roasted_on = b.roasted_on) AS session_batches,
       a.level AS alert_level, a.direction AS alert_direction, a.run_length,
       a.resolved_at, a.resolution_note
  FROM roast_batches b
  LEFT JOIN beans be ON be.id = b.bean_id
  LEFT JOIN blends bl ON bl.id = b.blend_id
  LEFT JOIN loss_alerts a ON a.batch_id = b.id
 WHERE b.roasted_on BETWEEN :since AND :until
"""


def _with_costs(row: sqlite3.Row, history: list) -> dict:
    batch = dict(row)
    settings = cost_settings.pick(history, date.fromisoformat(batch["roasted_on"]))
    cost = batch_cost(batch["green_cost_won"], batch["green_g"], batch["roasted_g"], batch["session_green_g"], settings)
    loss = loss_pct(batch["green_g"], batch["roasted_g"])
    expected_bp = batch["expected_loss_bp"] or settings.expected_loss_bp
    batch.update(
        loss_pct=float(round_decimal(loss, 2)),
        expected_loss_pct=float(round_decimal(bp_to_pct(expected_bp), 2)),
        variance_pct=float(round_decimal(loss - bp_to_pct(expected_bp), 2)),
        roasting_cost_won=round_won(cost.roasting_won),
        session_cost_won=round_won(cost.session_won),
        batch_cost_won=round_won(cost.total_won),
        cost_per_roasted_kg_won=round_won(cost.per_roasted_kg),
        alert=None
        if batch["alert_level"] is None
        else {
            "level": batch["alert_level"],
            "direction": batch["alert_direction"],
            "run_length": batch["run_length"],
            "resolved": batch["resolved_at"] is not None,
        },
    )
    for key in ("alert_level", "alert_direction", "run_length", "session_green_g"):
        batch.pop(key)
    return batch


def list_batches(
    conn: sqlite3.Connection,
    *,
    since: date | None = None,
    until: date | None = None,
    product: Any = None,
    limit: int | None = 500,
) -> list[dict]:
    """Batches newest first, each with loss, variance, cost and alert."""
    sql = _BATCH_SQL
    params: dict[str, Any] = {
        "since": (since or date(2000, 1, 1)).isoformat(),
        "until": (until or date(9999, 12, 31)).isoformat(),
    }
    if product not in (None, ""):
        chosen = catalog.get_product(conn, product)
        sql += f" AND b.{_product_column(chosen)} = :pid"
        params["pid"] = chosen.id
    sql += " ORDER BY b.roasted_on DESC, b.id DESC"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = int(limit)
    history = cost_settings.history(conn)
    return [_with_costs(r, history) for r in conn.execute(sql, params)]


def batch_exists(conn: sqlite3.Connection, batch_id: Any) -> bool:
    """Is there (still) a batch with this id? (Another page may have deleted it.)"""
    try:
        batch_id = parse_int("batch_id", batch_id, minimum=1)
    except ValidationError:
        return False
    return conn.execute("SELECT 1 FROM roast_batches WHERE id = ?", (batch_id,)).fetchone() is not None


def get_batch(conn: sqlite3.Connection, batch_id: int) -> dict:
    row = conn.execute("SELECT roasted_on FROM roast_batches WHERE id = ?", (batch_id,)).fetchone()
    if row is None:
        raise ValidationError("batch_id", "error.no_batch", batch_id=batch_id)
    day = row["roasted_on"]
    found = conn.execute(_BATCH_SQL + " AND b.id = :id", {"since": day, "until": day, "id": batch_id}).fetchone()
    batch = _with_costs(found, cost_settings.history(conn))
    batch["components"] = [
        dict(r)
        for r in conn.execute(
            "SELECT be.code AS bean, c.green_g, c.green_cost_won FROM roast_components c"
            " JOIN beans be ON be.id = c.bean_id WHERE c.batch_id = ? ORDER BY c.green_g DESC",
            (batch_id,),
        )
    ]
    return batch

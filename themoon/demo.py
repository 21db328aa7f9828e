"""The demo database: the café's reference data plus months of realistic, made-up history.

`build_demo` writes everything through the public API (catalog, inventory, roasting,
cost_settings, users), so every row is validated and every frozen cost and loss alert is
computed exactly as when the owner types it in. The history is deterministic: it depends only
on `seed`, `months` and `today` (two builds with the same arguments hold the same rows, apart
from the `created_at`/`at`/`resolved_at` clock columns and the salted password hashes).

What the history holds:

- roasting sessions Mon–Sat (none on Sunday, none on Seollal/Chuseok/New Year and a summer
  week), 3–5 batches early in the week and 5–8 on Friday/Saturday, 1–5 kg green each, mostly
  blends; losses around the expected 16.7 % (sd 0.8 pt), a week with a mis-calibrated probe
  (+4..+6 pt, its alerts resolved afterwards) and two under-roasted batches (about −4 pt);
- green purchases per bean every few weeks (10–60 kg, freight included, prices drifting
  10–15 % towards the owner's last price), always ahead of the roasts that need them; two beans
  (`LOW_AT_END`) end at or below their reorder point, so the low-stock list is not empty;
- one or two stocktakes with small differences, and a labour-rate change (₩15,000 → ₩16,000/h)
  part-way through, so effective-dated costs show.
"""

from __future__ import annotations

import calendar
import math
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from . import catalog, cost_settings, inventory, reference, roasting, users
from .costing import split_by_parts
from .db import transaction

EXTERNAL_PREFIX = "demo:"
SOURCE = "demo"

# The two beans the demo leaves at or below their reorder point on its last day.
LOW_AT_END = ("KEN-KIRINYAGA", "ETH-SIDAMO-G4")

# Green prices for the decafs, which the café's files leave unknown (ASSUMED: decaf lots cost
# more than the regular Ethiopian/Colombian/Brazilian beans).
ASSUMED_GREEN_WON_PER_KG = {"ETH-DECAF-SDM": 7_500, "COL-DECAF-SM": 7_200, "BRA-DECAF-SWISS-WATER": 6_800}

EXPECTED_LOSS = 16.7
LOSS_SD = 0.8
LOSS_NOISE_CAP = 2.3  # keeps ordinary batches inside the ±3 pt band: alerts only where planted
NEW_LABOUR_WON_PER_HOUR = 16_000

SUPPLIERS = (
    ("SGC", "Seoul Green Coffee Co. (서울생두)"),
    ("BPT", "Busan Port Coffee Traders (부산항커피)"),
    ("BBK", "BeanBridge Korea (빈브릿지)"),
    ("HSG", "Hansol Green Beans (한솔생두)"),
)
# The usual importer per origin; a lot sometimes comes from another one.
SUPPLIER_BY_COUNTRY = {
    "Ethiopia": 0,
    "Kenya": 2,
    "Colombia": 1,
    "Guatemala": 1,
    "Costa Rica": 2,
    "Brazil": 3,
}

# (name, username for the audit trail, the share of history after which they roast)
OPERATORS = (("김문수", "owner", 0.0), ("이하늘", "staff", 0.0), ("박소라", "staff", 0.4))

# Relative roasting frequency of each product (blends dominate).
PRODUCT_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("blend:NEW-MOON", 32),
    ("blend:FULL-MOON", 28),
    ("blend:ECLIPSE-MOON", 6),
    ("blend:SEASONAL", 8),
    ("bean:KEN-KIRINYAGA", 4),
    ("bean:ETH-YIRGACHEFFE", 3),
    ("bean:ETH-KOKE-HONEY", 3),
    ("bean:ETH-URAGA", 3),
    ("bean:KEN-MASAI-AA", 2),
    ("bean:CRI-EL-TANQUE", 3),
    ("bean:ETH-MOMORA", 2),
    ("bean:GTM-ANTIGUA", 1),
    ("bean:COL-HUILA", 1),
    ("bean:BRA-FAZENDA-CARMO", 1),
    ("bean:ETH-DECAF-SDM", 2),
    ("bean:BRA-SANTOS", 1),
)
SEASONAL_MONTHS = (3, 4, 5, 9, 10, 11)  # the limited blend is roasted in spring and autumn
SESSION_CHANCE = {0: 0.55, 1: 0.8, 2: 0.7, 3: 0.8, 4: 1.0, 5: 0.9}  # Mon..Sat

# Seollal and Chuseok (the café closes the day before, the day and the day after).
LUNAR_HOLIDAYS = (
    date(2022, 2, 1),
    date(2022, 9, 10),
    date(2023, 1, 22),
    date(2023, 9, 29),
    date(2024, 2, 10),
    date(2024, 9, 17),
    date(2025, 1, 29),
    date(2025, 10, 6),
    date(2026, 2, 17),
    date(2026, 9, 25),
    date(2027, 2, 7),
    date(2027, 9, 15),
    date(2028, 1, 26),
    date(2028, 10, 3),
    date(2029, 2, 13),
    date(2029, 9, 22),
)


@dataclass
class _Batch:
    product: str  # 'blend:CODE' | 'bean:CODE'
    components: dict[str, int]  # bean code -> green g
    loss_pct: float
    roasted_g: int = 0
    minutes: float = 0.0
    notes: str = ""
    probe: bool = False

    @property
    def green_g(self) -> int:
        return sum(self.components.values())


@dataclass
class _Session:
    day: date
    operator: str
    username: str
    batches: list[_Batch] = field(default_factory=list)


# --- calendar -------------------------------------------------------------------------------------


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _closed_days(start: date, end: date, rng: random.Random) -> set[date]:
    closed: set[date] = set()
    for holiday in LUNAR_HOLIDAYS:
        closed.update(holiday + timedelta(days=k) for k in (-1, 0, 1))
    for year in range(start.year, end.year + 1):
        closed.add(date(year, 1, 1))
        # a summer week off: Monday to Saturday, late July or early August
        monday = date(year, 7, 20) + timedelta(days=rng.randint(0, 14))
        monday -= timedelta(days=monday.weekday())
        closed.update(monday + timedelta(days=k) for k in range(6))
    return {d for d in closed if start <= d <= end}


# --- the roasting plan (independent of stock) -------------------------------------------------------


def _recipe(product: str) -> list[tuple[str, int]]:
    kind, _, code = product.partition(":")
    if kind == "bean":
        return [(code, 1)]
    return list(reference.BLENDS_BY_CODE[code].components.items())


def _green_size(rng: random.Random, product: str, busy: bool) -> int:
    if product in ("blend:ECLIPSE-MOON", "bean:ETH-DECAF-SDM"):
        return rng.choice((1000, 1500, 2000))
    if product.startswith("blend:"):
        sizes = (3500, 4000, 4500, 5000) if busy else (3000, 3500, 4000, 4500)
        return rng.choice(sizes)
    return rng.choice((1000, 1500, 2000, 2500, 3000))


def _plan(rng: random.Random, start: date, end: date, closed: set[date]) -> list[_Session]:
    offsets = {product: rng.uniform(-0.6, 0.6) for product, _ in PRODUCT_WEIGHTS}
    span = max((end - start).days, 1)
    sessions: list[_Session] = []
    day = start
    while day <= end:
        weekday = day.weekday()
        if weekday == 6 or day in closed or rng.random() >= SESSION_CHANCE[weekday]:
            day += timedelta(days=1)
            continue
        busy = weekday >= 4
        share = (day - start).days / span
        crew = [op for op in OPERATORS if op[2] <= share]
        # the owner roasts most sessions; staff take the rest
        name, username, _ = crew[0] if rng.random() < 0.55 else rng.choice(crew[1:])
        weights = [(p, w) for p, w in PRODUCT_WEIGHTS if p != "blend:SEASONAL" or day.month in SEASONAL_MONTHS]
        count = rng.randint(5, 8) if busy else rng.randint(3, 5)
        chosen = rng.choices([p for p, _ in weights], weights=[w for _, w in weights], k=count)
        order = {p: i for i, (p, _) in enumerate(PRODUCT_WEIGHTS)}
        chosen.sort(key=lambda p: order[p])  # a product's batches back to back, blends first
        session = _Session(day, name, username)
        for product in chosen:
            green = _green_size(rng, product, busy)
            recipe = _recipe(product)
            grams = split_by_parts(green, [parts for _, parts in recipe])
            noise = max(-LOSS_NOISE_CAP, min(LOSS_NOISE_CAP, rng.gauss(0, LOSS_SD)))
            loss = EXPECTED_LOSS + offsets[product] + noise
            components = {code: g for (code, _), g in zip(recipe, grams, strict=True)}
            session.batches.append(_Batch(product, components, loss))
        sessions.append(session)
        day += timedelta(days=1)
    _plant_anomalies(rng, sessions)
    for session in sessions:
        for batch in session.batches:
            green = batch.green_g
            batch.roasted_g = round(green * (100 - batch.loss_pct) / 100)
            minutes = 11.5 + (green / 1000 - 1) * 0.9 + (batch.loss_pct - EXPECTED_LOSS) * 0.3 + rng.gauss(0, 0.4)
            batch.minutes = round(min(16.0, max(11.0, minutes)), 1)
    return sessions


def _plant_anomalies(rng: random.Random, sessions: list[_Session]) -> None:
    """A week with a mis-calibrated probe (+4..+6 pt) and two under-roasted batches (about −4 pt)."""
    if len(sessions) < 8:
        return
    probe_day = sessions[int(len(sessions) * rng.uniform(0.6, 0.7))].day
    week = probe_day - timedelta(days=probe_day.weekday())
    in_week = [s for s in sessions if week <= s.day < week + timedelta(days=7)]
    for session in in_week:
        for batch in session.batches:
            batch.loss_pct += rng.uniform(4.0, 6.0)
            batch.probe = True
    after = next((s for s in sessions if s.day >= week + timedelta(days=7)), None)
    if after is not None:
        after.batches[0].notes = "BT probe recalibrated (it read low all last week: roasts ran long)"
    early = sessions[int(len(sessions) * 0.35)]
    late = sessions[-rng.randint(2, min(5, len(sessions) - 1))]
    for session in (early, late):
        if session.batches[0].probe:
            continue
        session.batches[0].loss_pct = EXPECTED_LOSS - rng.uniform(3.7, 4.4)
        session.batches[0].notes = "under-roasted: first batch, drum not fully preheated"


# --- purchases ----------------------------------------------------------------------------------------


def _green_price(code: str) -> int:
    ref = reference.BEANS_BY_CODE[code]
    return ref.green_won_per_kg if ref.green_won_per_kg is not None else ASSUMED_GREEN_WON_PER_KG[code]


def _freight(kg: int) -> int:
    return 5_000 if kg <= 20 else 8_000 if kg <= 40 else 12_000


class _Buyer:
    """Decides the green purchases from the known roasting plan, so stock never runs out."""

    COVER_DAYS = 7

    def __init__(self, rng: random.Random, sessions: list[_Session], start: date, end: date, closed: set[date]):
        self.rng = rng
        self.start, self.end = start, end
        days = (end - start).days + 1
        # Lots are delivered Mon–Fri on open days (and on the first day: the opening stock).
        # Each delivery day covers COVER_DAYS, or up to the next delivery day if that is later.
        delivery = [
            i
            for i in range(days)
            if i == 0 or ((start + timedelta(days=i)).weekday() < 5 and start + timedelta(days=i) not in closed)
        ]
        self.horizon = {
            i: max(nxt - i, self.COVER_DAYS) for i, nxt in zip(delivery, delivery[1:] + [days], strict=True)
        }
        self.demand = {b.code: [0] * (days + 1) for b in reference.BEANS}
        for session in sessions:
            for batch in session.batches:
                for code, grams in batch.components.items():
                    self.demand[code][(session.day - start).days] += grams
        # suffix sums: grams needed from day i to the end
        self.left = {}
        for code, per_day in self.demand.items():
            suffix = [0] * (days + 1)
            for i in range(days - 1, -1, -1):
                suffix[i] = suffix[i + 1] + per_day[i]
            self.left[code] = suffix
        self.daily_kg = {code: max(self.left[code][0] / 1000 / days, 0.1) for code in self.demand}
        # prices drift towards the owner's last price: mostly up, by 10–15 % over the history
        self.drift = {}
        for bean in reference.BEANS:
            change = rng.uniform(0.10, 0.15) * (1 if rng.random() < 0.8 else -1)
            self.drift[bean.code] = 1 / (1 + change)
        self.stock = {b.code: 0 for b in reference.BEANS}
        self.lots = 0

    def need(self, code: str, day: date, days: int) -> int:
        i = (day - self.start).days
        j = min(i + days, len(self.left[code]) - 1)
        return self.left[code][i] - self.left[code][j]

    def purchases(self, day: date) -> list[dict[str, Any]]:
        """The purchases to record on `day`, before its roasts."""
        orders = []
        horizon = self.horizon.get((day - self.start).days)
        for bean in reference.BEANS:
            code = bean.code
            stock = self.stock[code]
            if horizon is None:  # no deliveries today; never needed, but never run out either
                shortfall = self.need(code, day, 1) - stock
            else:
                # the owner looks a few days further ahead some weeks than others
                ahead = max(horizon, self.COVER_DAYS + self.rng.randint(0, 5))
                shortfall = bean.reorder_point_g + self.need(code, day, ahead) - stock
            if shortfall <= 0:
                continue
            kg = self.daily_kg[code] * self.rng.uniform(21, 42)
            kg = min(60, max(10, 5 * round(kg / 5)))
            kg = max(kg, 5 * math.ceil(shortfall / 5000))
            grams = kg * 1000
            if code in LOW_AT_END:
                # The owner lets these run down: never buy so much that more than the reorder
                # point would be left on the last day (whole kg), and nothing once the stock
                # lasts to the end. Either way the last day ends at or below the reorder point.
                left = self.left[code][(day - self.start).days]
                if stock >= left:
                    continue
                grams = min(grams, 1000 * ((left + bean.reorder_point_g - stock) // 1000))
            orders.append(self._order(bean, day, grams))
        return orders

    def _order(self, bean: reference.BeanRef, day: date, grams: int) -> dict[str, Any]:
        rng = self.rng
        share = (day - self.start).days / max((self.end - self.start).days, 1)
        factor = self.drift[bean.code] + (1 - self.drift[bean.code]) * share + rng.uniform(-0.02, 0.02)
        won_per_kg = 10 * round(_green_price(bean.code) * factor / 10)
        kg = grams / 1000
        freight = _freight(math.ceil(kg))
        supplier = SUPPLIER_BY_COUNTRY.get(bean.country, 0)
        if rng.random() < 0.2:
            supplier = rng.randrange(len(SUPPLIERS))
        prefix, name = SUPPLIERS[supplier]
        self.lots += 1
        self.stock[bean.code] += grams
        return {
            "bean": bean.code,
            "grams": grams,
            "total_won": round(kg * won_per_kg) + freight,
            "purchased_on": day,
            "supplier": name,
            "lot_code": f"{prefix}-{day:%y%m}-{self.lots:04d}",
            "notes": f"₩{won_per_kg:,}/kg + freight ₩{freight:,}",
            "external_id": f"{EXTERNAL_PREFIX}purchase:{day.isoformat()}:{bean.code}",
        }


# --- the build ------------------------------------------------------------------------------------


def _is_empty(conn: sqlite3.Connection) -> bool:
    tables = ("beans", "blends", "menu_items", "purchases", "roast_batches", "stock_adjustments", "cost_settings")
    return not any(conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in tables)


# What the catalog keeps of the reference beans, blends (+ components) and menu items.
_BEAN_FIELDS = ("code", "name_en", "name_ko", "country", "process", "roast_level", "reorder_point_g", "notes")
_BLEND_FIELDS = ("code", "name_en", "name_ko", "description")
_MENU_FIELDS = ("code", "name_en", "name_ko", "channel", "product", "dose_g", "price_won", "extra_cost_won")


def _fields(ref: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(ref, name) for name in names}


def _write_reference(conn: sqlite3.Connection, start: date) -> None:
    cost_settings.save(conn, user="owner", effective_from=start, **reference.COST_SETTINGS)
    for bean in reference.BEANS:
        catalog.add_bean(conn, user="owner", **_fields(bean, _BEAN_FIELDS))
    for blend in reference.BLENDS:
        catalog.add_blend(conn, user="owner", components=blend.components, **_fields(blend, _BLEND_FIELDS))
    for item in reference.MENU:
        catalog.add_menu_item(conn, user="owner", **_fields(item, _MENU_FIELDS))


def _stocktake_days(sessions: list[_Session], months: int) -> list[date]:
    """The last session of a month, one third and two thirds through (one only for short demos)."""
    if len(sessions) < 10:
        return []
    shares = (0.5,) if months < 6 else (1 / 3, 2 / 3)
    days = []
    for share in shares:
        month = sessions[int(len(sessions) * share)].day.replace(day=1)
        in_month = [s.day for s in sessions if s.day.replace(day=1) == month]
        days.append(in_month[-1])
    return days


def build_demo(conn: sqlite3.Connection, *, months: int = 18, seed: int = 7, today: date | None = None) -> dict:
    """Fill an empty, migrated database with the reference data and `months` of history ending
    yesterday; return summary counts. Raises ValueError when the database already holds data.

    `today` must not be later than the real date (the API refuses future dates).
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    today = today or date.today()
    if today > date.today():
        raise ValueError("today cannot be in the future: the store refuses future dates")
    end = today - timedelta(days=1)
    start = _months_before(today, months)
    rng = random.Random(seed)
    if not _is_empty(conn):
        raise ValueError("the demo needs an empty database (it already holds beans, purchases or roasts)")
    closed = _closed_days(start, end, rng)
    sessions = _plan(rng, start, end, closed)
    buyer = _Buyer(rng, sessions, start, end, closed)
    stocktakes = _stocktake_days(sessions, months)
    by_day = {s.day: s for s in sessions}
    change_day = sessions[int(len(sessions) * 0.55)].day.replace(day=1) if sessions else None
    if change_day is not None and change_day <= start:
        change_day = None
    probe_batches: list[int] = []
    with transaction(conn):
        for spec in reference.DEMO_USERS:
            if not conn.execute("SELECT 1 FROM users WHERE username = ?", (spec["username"],)).fetchone():
                users.add_user(conn, user="system", **spec)
        _write_reference(conn, start)
        day = start
        while day <= end:
            if day == change_day:
                cost_settings.save(conn, user="owner", effective_from=day, labour_won_per_hour=NEW_LABOUR_WON_PER_HOUR)
            for order in buyer.purchases(day):
                inventory.add_purchase(conn, user="owner", **order)
            session = by_day.get(day)
            if session is not None:
                if probe_batches and not session.batches[0].probe:
                    _resolve_probe_alerts(conn, probe_batches, day)
                    probe_batches = []
                # The session at once (add_session would only re-read every batch at the end).
                saved = roasting.add_batches(conn, _batch_values(session), user=session.username)
                for batch, batch_id in zip(session.batches, saved, strict=True):
                    for code, grams in batch.components.items():
                        buyer.stock[code] -= grams
                    if batch.probe:
                        probe_batches.append(batch_id)
            if day in stocktakes:
                _stocktake(conn, rng, buyer, day)
            day += timedelta(days=1)
    from .demo_sales import add_sales

    add_sales(conn, start=start, end=end, seed=seed)  # what the till sold of it (issue #13)
    return summary(conn)


def _batch_values(session: _Session) -> list[dict[str, Any]]:
    return [
        {
            "product": batch.product,
            "roasted_on": session.day,
            "components": batch.components,
            "roasted_g": batch.roasted_g,
            "minutes": batch.minutes,
            "operator": session.operator,
            "notes": batch.notes,
            "source": SOURCE,
            "external_id": f"{EXTERNAL_PREFIX}batch:{session.day.isoformat()}:{number}",
        }
        for number, batch in enumerate(session.batches, start=1)
    ]


def _resolve_probe_alerts(conn: sqlite3.Connection, batch_ids: list[int], day: date) -> None:
    note = f"Bean-temperature probe read low that week; recalibrated on {day.isoformat()}. Not a bean problem."
    open_ids = {a["batch_id"] for a in roasting.list_alerts(conn, open_only=True, limit=100_000)}
    for batch_id in batch_ids:
        if batch_id in open_ids:
            roasting.resolve_alert(conn, batch_id, note, user="owner")


def _stocktake(conn: sqlite3.Connection, rng: random.Random, buyer: _Buyer, day: date) -> None:
    """Count every bean: most agree with the book, a few are off by a little (spills, samples)."""
    for bean in reference.BEANS:
        book = buyer.stock[bean.code]
        delta = 0
        if bean.code not in LOW_AT_END and book > 1000 and rng.random() < 0.4:
            delta = -rng.randint(20, 250) if rng.random() < 0.8 else rng.randint(30, 120)
        counted = book + delta
        reason = "monthly stocktake" if delta == 0 else "monthly stocktake: spills, cupping samples"
        inventory.stocktake(conn, bean=bean.code, counted_g=counted, reason=reason, on=day, user="owner")
        buyer.stock[bean.code] = counted


def summary(conn: sqlite3.Connection) -> dict:
    """Counts of what the database holds (the demo's or anyone's)."""

    def count(sql: str) -> int:
        return conn.execute(sql).fetchone()[0]

    span = conn.execute("SELECT MIN(roasted_on), MAX(roasted_on) FROM roast_batches").fetchone()
    low = [row["bean"] for row in inventory.stock(conn) if row["low"]]
    return {
        "beans": count("SELECT COUNT(*) FROM beans"),
        "blends": count("SELECT COUNT(*) FROM blends"),
        "menu_items": count("SELECT COUNT(*) FROM menu_items"),
        "users": count("SELECT COUNT(*) FROM users"),
        "cost_settings_versions": count("SELECT COUNT(*) FROM cost_settings"),
        "purchases": count("SELECT COUNT(*) FROM purchases"),
        "green_bought_g": count("SELECT COALESCE(SUM(grams), 0) FROM purchases"),
        "stock_adjustments": count("SELECT COUNT(*) FROM stock_adjustments"),
        "sessions": count("SELECT COUNT(DISTINCT roasted_on) FROM roast_batches"),
        "batches": count("SELECT COUNT(*) FROM roast_batches"),
        "green_roasted_g": count("SELECT COALESCE(SUM(green_g), 0) FROM roast_components"),
        "loss_alerts": count("SELECT COUNT(*) FROM loss_alerts"),
        "open_loss_alerts": count("SELECT COUNT(*) FROM loss_alerts WHERE resolved_at IS NULL"),
        "low_stock_beans": len(low),
        "low_stock": low,
        "first_roast": span[0],
        "last_roast": span[1],
    }


def is_demo(conn: sqlite3.Connection) -> bool:
    """Whether the database holds demo data (purchases or batches the demo wrote)."""
    try:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM purchases WHERE external_id LIKE 'demo:%')"
            " OR EXISTS (SELECT 1 FROM roast_batches WHERE source = 'demo')"
        ).fetchone()
    except sqlite3.OperationalError:  # not migrated
        return False
    return bool(row[0])

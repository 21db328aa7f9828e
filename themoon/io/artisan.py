"""Artisan roast logs (`.alog`) → roast batches.

Artisan saves a profile as the `repr()` of a Python dict (older versions and most files) or as
JSON (newer exports). We read it with `json`, then `ast.literal_eval` — never `eval`: anything
that is not a plain dict of literals (a call such as `__import__(...)`, a name, a lambda, an
operator) is refused with a clean error, and so is a file over 5 MB (checked before reading).

Fields used: `roastisodate` (else `roastepoch` with `roasttzoffset`, else `roastdate`) and
`roasttime`; `beans` (the bean text, mapped to one of our products through `import_name_map`,
source 'artisan' — asked once: `--map "BEANS TEXT=PRODUCT"`; a text equal to a product's
code or name needs no mapping); `weight` = [in, out, unit] with unit g / kg / lb / oz, converted
to whole grams (half-up); `roastbatchnr` / `roastbatchprefix`; `operator`; roast time from
`computed.totaltime` (seconds), else the DROP time; energy (`computed` BTU / kWh / CO₂) when
present, kept in the batch notes. A batch's identity is `artisan:<roastUUID>`, else
`artisan:<date>:<prefix><nr>`, else the file's content hash, so a re-import changes nothing and
a re-saved file with new weights updates its batch.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .. import catalog, roasting
from ..costing import split_by_parts
from ..models import Product, ValidationError, parse_date, parse_decimal, parse_grams, parse_text
from .excel_format import BULK_MIN_BATCHES
from .excel_rows import _Batch, _stored_key, create_batches
from .limits import MAX_ALOG_BYTES
from .menu import ProductMatcher, clean_text, parse_mappings, store_mappings
from .outcome import ImportReport, Progress, row_savepoint, run_import

SOURCE = "artisan"
MAX_FILES = 100_000
UNIT_GRAMS = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "lb": Decimal("453.59237"),
    "lbs": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}
_UUID = re.compile(r"^[0-9A-Za-z\-]{8,64}$")
_DATE_FORMATS = ("%Y-%m-%d", "%a %b %d %Y", "%a %b %d %H:%M:%S %Y", "%d.%m.%Y", "%m/%d/%Y", "%Y/%m/%d", "%d/%m/%Y")
ENERGY_KEYS = (
    ("BTU_batch", "BTU per batch", "{:,.0f}"),
    ("KWH_batch_per_green_kg", "kWh per green kg", "{:.2f}"),
    ("CO2_batch", "g CO₂ per batch", "{:,.0f}"),
)


# --- reading one file -------------------------------------------------------------------------


def load_alog(path: Any) -> dict[str, Any]:
    """The profile dict of one .alog file; anything but a plain dict of literals is refused."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ValidationError(name, "io.file_not_found")
    size = path.stat().st_size
    if size > MAX_ALOG_BYTES:
        mb = 1024 * 1024
        raise ValidationError(
            name,
            "io.is_mb_an_artisan_log_is",
            size_mb=size / mb,
            limit_mb=MAX_ALOG_BYTES / mb,
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(name, "io.is_not_utf_8_text_not") from None
    return parse_alog_text(name, text)


def parse_alog_text(name: str, text: str) -> dict[str, Any]:
    if not text.strip():
        raise ValidationError(name, "io.is_empty")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = _literal(name, text)
    if not isinstance(data, dict):
        raise ValidationError(name, "io.holds_a_not_an_artisan_profile", type_name=type(data).__name__)
    bad = [k for k in data if not isinstance(k, str)]
    if bad:
        raise ValidationError(name, "io.has_a_non_text_key", key=bad[0])
    return data


_LITERAL_NODES = (ast.Expression, ast.Constant, ast.Dict, ast.List, ast.Tuple, ast.Set, ast.Load, ast.USub, ast.UAdd)


def _why_not_literal(text: str) -> str:
    """What in the text is not a literal (for the error message; the text is never executed)."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        return f"not valid Python or JSON: {error.msg} on line {error.lineno}"
    except (ValueError, MemoryError, RecursionError) as error:
        return f"cannot be parsed ({type(error).__name__})"
    nodes = [
        n
        for n in ast.walk(tree)
        if not isinstance(n, _LITERAL_NODES)
        and not (isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub | ast.UAdd))
    ]
    for kind in (ast.Lambda, ast.Call, ast.Name):
        for node in nodes:
            if not isinstance(node, kind):
                continue
            line = getattr(node, "lineno", "?")
            if isinstance(node, ast.Lambda):
                return f"a lambda on line {line}"
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else ast.unparse(func)[:40]
                return f"a function call ({called}(…)) on line {line}"
            return f"the name '{node.id}' on line {line}"
    if nodes:
        return f"{type(nodes[0]).__name__} on line {getattr(nodes[0], 'lineno', '?')}"
    return "not a literal"


# The tokens of a Python literal that has a JSON twin: strings (with an optional u prefix), JSON
# numbers, True/False/None, brackets, braces, commas and colons. No parentheses (a tuple, or a
# parenthesised scalar, is left to ast.literal_eval so its meaning stays exactly Python's).
_PY_STRING = r"[uU]?(?:'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\")"
_PY_TOKENS = re.compile(
    r"(?:\s+|" + _PY_STRING + r"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|True|False|None|[\[\]{},:])*"
)
_PY_SPECIAL = re.compile(_PY_STRING + r"|True|False|None")
_JSON_WORDS = {"True": "true", "False": "false", "None": "null"}


def _as_json(match: re.Match) -> str:
    token = match.group(0)
    word = _JSON_WORDS.get(token)
    if word is not None:
        return word
    if "\\" not in token:  # no escapes: the characters between the quotes are the string
        return json.dumps(token[2:-1] if token[0] in "uU" else token[1:-1], ensure_ascii=False)
    return json.dumps(ast.literal_eval(token), ensure_ascii=False)  # Python's own escapes


def _fast_literal(text: str) -> Any:
    """A Python literal made only of JSON-like tokens, read as JSON (about 6× faster than
    ast.literal_eval on an Artisan log); None when the text needs the real literal parser."""
    if _PY_TOKENS.fullmatch(text) is None:
        return None
    try:
        return json.loads(_PY_SPECIAL.sub(_as_json, text))
    except (ValueError, RecursionError):
        return None


def _literal(name: str, text: str) -> Any:
    fast = _fast_literal(text)
    if fast is not None:
        return fast
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        detail = _why_not_literal(text)
        raise ValidationError(
            name,
            "io.is_not_an_artisan_profile_only",
            detail=detail,
        ) from None


@dataclass
class Roast:
    file: str  # the path as given (where errors point)
    external_id: str
    roasted_on: date
    beans: str
    green_g: int
    roasted_g: int
    minutes: float | None
    operator: str
    notes: str
    sort_key: tuple


def _get(data: dict, key: str, kinds: tuple[type, ...], default: Any) -> Any:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds:
        names = "/".join(k.__name__ for k in kinds)
        raise ValidationError(key, "io.must_be_not", names=names, type_name=type(value).__name__)
    return value


def _grams(field: str, value: Any, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(field, "error.must_be_a_number")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError(field, "error.must_be_a_number") from None
    if not amount.is_finite():
        raise ValidationError(field, "error.must_be_a_number")
    grams = (amount * UNIT_GRAMS[unit]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return parse_grams(field, int(grams), allow_zero=True)


def _roast_date(data: dict) -> tuple[date, str]:
    iso = _get(data, "roastisodate", (str,), "").strip()
    if iso:
        return parse_date("roastisodate", iso), _get(data, "roasttime", (str,), "").strip()
    epoch = _get(data, "roastepoch", (int, float), 0)
    if epoch and epoch > 0:
        offset = _get(data, "roasttzoffset", (int, float), 0)
        try:
            moment = datetime.fromtimestamp(epoch, UTC) - timedelta(seconds=offset)
        except (OverflowError, OSError, ValueError):
            raise ValidationError("roastepoch", "io.is_not_a_valid_time") from None
        return parse_date("roastepoch", moment.date()), moment.strftime("%H:%M:%S")
    text = _get(data, "roastdate", (str,), "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return parse_date("roastdate", datetime.strptime(text, fmt).date()), _get(data, "roasttime", (str,), "")
        except ValueError:
            continue
    raise ValidationError(
        "roastisodate",
        "io.the_log_has_no_roast_date",
    )


def _minutes(data: dict) -> float | None:
    computed = _get(data, "computed", (dict,), {})
    seconds = computed.get("totaltime")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds <= 0:
        seconds = None
        timex = _get(data, "timex", (list,), [])
        index = _get(data, "timeindex", (list,), [])
        if len(index) > 6 and all(isinstance(i, int) and not isinstance(i, bool) for i in index[:7]):
            drop, charge = index[6], max(index[0], 0)
            if 0 < drop < len(timex) and charge < len(timex):
                start, end = timex[charge], timex[drop]
                if isinstance(start, int | float) and isinstance(end, int | float) and end > start:
                    seconds = end - start
        if seconds is None:
            drop_time = computed.get("DROP_time")
            if isinstance(drop_time, int | float) and not isinstance(drop_time, bool) and drop_time > 0:
                seconds = drop_time
    if seconds is None:
        return None
    minutes = Decimal(str(seconds)) / 60
    return float(parse_decimal("minutes", minutes.quantize(Decimal("0.01")), minimum=Decimal("0.1"), maximum=240))


def _energy(data: dict) -> str:
    computed = data.get("computed") if isinstance(data.get("computed"), dict) else {}
    parts = []
    for key, label, fmt in ENERGY_KEYS:
        value = computed.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            parts.append(f"{fmt.format(value)} {label}")
    return ", ".join(parts)


def parse_profile(name: str, data: dict, digest: str) -> Roast:
    """The roast a profile describes; a ValidationError names the file and the field."""
    try:
        return _parse_profile(name, data, digest)
    except ValidationError as error:
        raise error.for_field(f"{name} › {error.field}") from None


def _parse_profile(name: str, data: dict, digest: str) -> Roast:
    roasted_on, clock = _roast_date(data)
    beans = clean_text(_get(data, "beans", (str,), ""))
    if not beans:
        raise ValidationError("beans", "io.the_log_does_not_say_which")
    weight = _get(data, "weight", (list, tuple), [])
    if len(weight) < 3:
        raise ValidationError("weight", "io.must_be_in_out_unit")
    unit = str(weight[2]).strip().lower()
    if unit not in UNIT_GRAMS:
        raise ValidationError("weight", "io.unknown_unit_g_kg_lb_oz", unit=weight[2])
    green = _grams("weight in", weight[0], unit)
    roasted = _grams("weight out", weight[1], unit)
    if green <= 0:
        raise ValidationError("weight in", "io.is_missing_0")
    if roasted <= 0:
        raise ValidationError("weight out", "io.is_missing_0_weigh_the_roasted")
    if roasted >= green:
        raise ValidationError("weight out", "io.must_be_less_than_the_green", green=green)
    number = _get(data, "roastbatchnr", (int,), 0)
    prefix = clean_text(_get(data, "roastbatchprefix", (str,), ""))
    batch = f"{prefix}{number}" if number and number > 0 else ""
    uuid = clean_text(_get(data, "roastUUID", (str,), ""))
    if uuid and not _UUID.match(uuid):
        raise ValidationError("roastUUID", "io.is_not_a_roast_id")
    if uuid:
        external_id = f"artisan:{uuid}"
    elif batch:
        external_id = f"artisan:{roasted_on.isoformat()}:{batch}"
    else:
        external_id = f"artisan:sha256:{digest[:20]}"
    operator = parse_text("operator", _get(data, "operator", (str,), ""), max_len=60)
    details = [f"Artisan {name}"]
    title = clean_text(_get(data, "title", (str,), ""))
    if title:
        details.append(f"title {title}")
    if batch:
        details.append(f"batch {batch}")
    if clock:
        details.append(f"roasted at {clean_text(clock)}")
    if unit != "g":
        details.append(f"weights {weight[0]} → {weight[1]} {weight[2]}")
    energy = _energy(data)
    if energy:
        details.append(f"energy {energy}")
    notes = clean_text(_get(data, "roastingnotes", (str,), ""))
    if notes:
        details.append(notes)
    return Roast(
        file=name,
        external_id=parse_text("roastUUID", external_id, max_len=200),
        roasted_on=roasted_on,
        beans=beans,
        green_g=green,
        roasted_g=roasted,
        minutes=_minutes(data),
        operator=operator,
        notes=parse_text("notes", "; ".join(details)[:2000], max_len=2000),
        sort_key=(roasted_on.isoformat(), clean_text(clock), number or 0, name),
    )


# --- import ----------------------------------------------------------------------------------


def collect_files(paths: Iterable[Any]) -> list[Path]:
    """Files as given; a directory contributes the *.alog files directly in it (sorted)."""
    files: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() == ".alog" and p.is_file()))
        else:
            files.append(path)
        if len(files) > MAX_FILES:
            raise ValidationError("paths", "io.more_than_files", limit=MAX_FILES)
    return files


def import_artisan(
    conn: sqlite3.Connection,
    paths: Sequence[Any],
    *,
    dry_run: bool = False,
    mappings: Iterable[str] | None = None,
    progress: Progress | None = None,
    user: str = "system",
    bulk: bool | None = None,
) -> ImportReport:
    """Import Artisan logs as roast batches (all or nothing); `mappings` ('BEANS=PRODUCT') are stored first."""
    files = collect_files(paths)
    source = files[0].name if len(files) == 1 else f"{len(files):,} Artisan logs"
    report = ImportReport("artisan", source if files else "(mappings only)", dry_run=dry_run)
    extra = parse_mappings(conn, mappings)
    roasts: list[Roast] = []
    digest = hashlib.sha256()
    for number, path in enumerate(files, start=1):
        try:
            data = load_alog(path)
            raw_digest = hashlib.sha256(path.read_bytes()).hexdigest()
            digest.update(raw_digest.encode())
            roast = parse_profile(path.name, data, raw_digest)
            roast.file = str(path)
            roasts.append(roast)
        except ValidationError as error:
            field_ = "" if error.field == path.name else error.field.removeprefix(f"{path.name} › ")
            report.reject("roast_batches", str(path), field_, error.message, error.message_ko)
        if progress and (number % 100 == 0 or number == len(files)):
            progress(number, len(files))
    report.sha256 = digest.hexdigest()

    def work() -> None:
        for text in store_mappings(conn, SOURCE, extra):
            report.note(f"mapping saved: {text}")
        _Importer(conn, report, user, bulk).run(roasts)

    return run_import(conn, report, work, user=user)


class _Importer:
    def __init__(self, conn: sqlite3.Connection, report: ImportReport, user: str, bulk: bool | None):
        self.conn = conn
        self.report = report
        self.user = user
        self.bulk = bulk
        self.matcher = ProductMatcher(conn, SOURCE)
        self.recipes: dict[tuple[str, int], list[tuple[int, int]]] = {}

    def product(self, beans: str) -> Product | None:
        match = self.matcher.match(beans)
        if match.product is not None and (match.how == "name" or match.how.startswith("mapped")):
            return match.product
        return None

    def run(self, roasts: list[Roast]) -> None:
        unknown: dict[str, list[Roast]] = {}
        resolved: list[tuple[Roast, Product]] = []
        for roast in roasts:
            product = self.product(roast.beans)
            if product is None:
                unknown.setdefault(roast.beans, []).append(roast)
            else:
                resolved.append((roast, product))
        for beans, group in unknown.items():
            hint = self.matcher.match(beans)
            maybe = ""
            if hint.product is not None:
                maybe = f" (perhaps {hint.product.code}?)"
            elif hint.candidates:
                maybe = " (perhaps " + " or ".join(p.code for p in hint.candidates) + "?)"
            files = ", ".join(Path(r.file).name for r in group[:5]) + (
                f" and {len(group) - 5} more" if len(group) > 5 else ""
            )
            self.report.unmatched.append(
                f"beans '{beans}' in {len(group)} log(s) ({files}) needs a mapping{maybe}: "
                f'themoon import artisan --map "{beans}=PRODUCT"'
            )
            for roast in group:
                self.report.reject_error(
                    "roast_batches",
                    roast.file,
                    ValidationError("beans", "io.beans_not_mapped", beans=beans, maybe=maybe),
                )
        for beans in {r.beans for r, _ in resolved}:
            product = next(p for r, p in resolved if r.beans == beans)
            self.report.matched.append(f"beans '{beans}' → {product.kind}:{product.code}")
        self.create_or_update(sorted(resolved, key=lambda rp: rp[0].sort_key))

    def create_or_update(self, resolved: list[tuple[Roast, Product]]) -> None:
        stored = {
            r["external_id"]: r["id"]
            for r in self.conn.execute("SELECT id, external_id FROM roast_batches WHERE external_id LIKE 'artisan:%'")
        }
        new: list[_Batch] = []
        seen: dict[str, str] = {}
        for roast, product in resolved:
            if roast.external_id in seen:
                self.report.add("roast_batches", "unchanged")
                self.report.note(f"{roast.file}: the same roast as {seen[roast.external_id]} — skipped")
                continue
            seen[roast.external_id] = roast.file
            try:
                batch = self.batch(roast, product)
            except ValidationError as error:
                self.report.reject_error("roast_batches", roast.file, error)
                continue
            if roast.external_id in stored:
                self.attempt(roast, lambda b=batch, i=stored[roast.external_id]: self.update(b, i))
            else:
                new.append(batch)
        if not new:
            return
        use_bulk = self.bulk if self.bulk is not None else len(new) >= BULK_MIN_BATCHES
        create_batches(self.conn, new, self.report, user=self.user, bulk=use_bulk, create_one=self.create)

    def attempt(self, item: Any, action) -> None:
        where = item.file if isinstance(item, Roast) else item.where
        try:
            with row_savepoint(self.conn):
                outcome = action()
        except ValidationError as error:
            self.report.reject_error("roast_batches", where, error)
            return
        self.report.add("roast_batches", outcome)

    def batch(self, roast: Roast, product: Product) -> _Batch:
        """The batch as themoon would record it: a blend's green weight split by its recipe's parts."""
        key = (product.kind, product.id)
        if key not in self.recipes:
            self.recipes[key] = catalog.recipe(self.conn, product)
        recipe = self.recipes[key]
        if not recipe:
            raise ValidationError("product", "error.has_no_recipe", product=product.code)
        grams = split_by_parts(roast.green_g, [p for _, p in recipe])
        if min(grams) <= 0:  # as roasting.add_batch refuses it
            raise ValidationError(
                "green_g",
                "io.g_is_too_little_to_split",
                total=roast.green_g,
            )
        components = {bean: g for (bean, _), g in zip(recipe, grams, strict=True)}
        codes = {bean: catalog.get_bean(self.conn, bean)["code"] for bean in components}
        return _Batch(
            where=roast.file,
            rows=[],
            product=(product.kind, product.id, product.code),
            roasted_on=roast.roasted_on,
            roasted_g=roast.roasted_g,
            minutes=roast.minutes,
            operator=roast.operator,
            notes=roast.notes,
            source=SOURCE,
            external_id=roast.external_id,
            components=components,
            component_codes=codes,
        )

    def create(self, batch: _Batch) -> str:
        values = batch.api_values()
        values.pop("components")
        roasting.add_batch(
            self.conn,
            user=self.user,
            source=SOURCE,
            external_id=batch.external_id,
            green_g=sum(batch.components.values()),
            **values,
        )
        return "created"

    def update(self, batch: _Batch, batch_id: int) -> str:
        row = self.conn.execute("SELECT * FROM roast_batches WHERE id = ?", (batch_id,)).fetchone()
        components = {
            r[0]: r[1]
            for r in self.conn.execute("SELECT bean_id, green_g FROM roast_components WHERE batch_id = ?", (batch_id,))
        }
        if _stored_key(row, components) == batch.key():
            return "unchanged"
        values = batch.api_values()
        values.pop("components")
        roasting.update_batch(self.conn, batch_id, user=self.user, green_g=sum(batch.components.values()), **values)
        return "updated"

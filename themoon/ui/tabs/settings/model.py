"""The Settings tab's state and actions: cost settings with an effective date (owner), menu
items (owner), users and roles (owner), the idle sign-out, the owner's Korean names of stored
words, and the language.

Cost settings are effective-dated (`cost_settings.save`): a new version applies from its date on
and never changes a past cost. Every write is one store call under its right (`Context.run`:
the signed-in person re-read and the role checked in the write's own transaction); a refused
write comes back as a `Result` naming the field, a saved one is announced to the other tabs.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from .... import catalog, cost_settings, sessions, terms, users
from ....models import ValidationError
from ... import format as fmt
from ...i18n import TERMS_KO
from ...results import Result

SETTING_FIELDS = (
    ("expected_loss_pct", "%"),
    ("roasting_won_per_kg", "₩"),
    ("labour_won_per_hour", "₩"),
    ("labour_minutes_per_session", "min"),
    ("energy_won_per_session", "₩"),
    ("misc_won_per_session", "₩"),
    ("planned_session_roasted_g", "g"),
    ("price_multiplier", "×"),
    ("plausible_loss_min_pct", "%"),
    ("plausible_loss_max_pct", "%"),
)
ITEM_FIELDS = ("code", "name_en", "name_ko", "channel", "product", "dose_g", "price_won", "extra_cost_won")


def multiplier_pct(text: Any) -> Any:
    """'2.5' (× as the owner says it) → 250 (the store's percent); anything else is passed on as
    typed for the store to judge."""
    try:
        value = Decimal(str(text).strip().lstrip("×x").strip())
    except (InvalidOperation, ValueError):
        return text
    if not value.is_finite():
        return text
    pct = value * 100
    return int(pct) if pct == pct.to_integral_value() else str(pct)


def plain(value: Fraction | int, places: int = 2) -> str:
    return fmt.number(value, places).replace(",", "").rstrip("0").rstrip(".")


def settings_form_values(s: Any) -> dict[str, str]:
    """A settings version as the owner types it (percent and × rather than the store's units)."""
    values = asdict(s)
    shown = {}
    for name, _unit in SETTING_FIELDS:
        if name == "expected_loss_pct":
            shown[name] = plain(Fraction(s.expected_loss_bp, 100))
        elif name == "price_multiplier":
            shown[name] = plain(Fraction(s.price_multiplier_pct, 100))
        elif name.startswith("plausible_loss_"):
            shown[name] = plain(Fraction(values[name.removesuffix("_pct") + "_bp"], 100))
        else:
            shown[name] = str(values[name])
    return shown


def processing(s: Any) -> Fraction:
    from ....costing import processing_per_roasted_kg

    return processing_per_roasted_kg(s)


class SettingsModel:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.origin: object = self  # who announces its writes (the view, which redraws itself)
        self.history: list = []
        self.current: Any = None
        self.menu_items: list[dict] = []
        self.products: dict[int, Any] = {}  # beans by id
        self.blends: dict[int, Any] = {}
        self.offered: list = []  # the active products a menu item may use
        self.user_rows: list[dict] = []
        self.idle_minutes: int | None = None
        self.term_names: dict[str, dict[str, str]] = {}
        self.term_words: list[tuple[str, str]] = []
        self.editing_item: int | None = None

    # --- reading ----------------------------------------------------------------------------------

    def load(self) -> None:
        conn = self.ctx.conn()
        self.history = cost_settings.history(conn)
        self.current = cost_settings.settings_on(conn, self.ctx.today())
        self.menu_items = catalog.list_menu_items(conn, active=None)
        everything = catalog.list_products(conn, active=None)
        self.products = {p.id: p for p in everything if p.kind == "bean"}
        self.blends = {p.id: p for p in everything if p.kind == "blend"}
        self.offered = catalog.list_products(conn, active=True)
        self.user_rows = users.list_users(conn) if self.ctx.can("users") else []
        self.idle_minutes = sessions.idle_minutes(conn) if self.ctx.can("users") else None
        self.term_names = terms.korean_names(conn)
        words = {(kind, word) for kind, table in TERMS_KO.items() if kind == "roast_level" for word in table}
        for bean in catalog.list_beans(conn, active=None):
            words |= {(kind, bean[kind]) for kind in terms.KINDS if bean[kind]}
        words |= {(kind, word) for kind, table in self.term_names.items() for word in table}
        self.term_words = sorted(words, key=lambda kw: (terms.KINDS.index(kw[0]), kw[1].lower()))

    def item(self, item_id: Any) -> dict | None:
        return next((i for i in self.menu_items if i["id"] == item_id), None)

    def item_product(self, item: dict) -> Any:
        """The bean or blend a menu item uses."""
        if item["bean_id"] is not None:
            return self.products.get(item["bean_id"])
        return self.blends.get(item["blend_id"])

    def item_form_values(self, item: dict) -> dict[str, str]:
        """A menu item as its editor shows it."""
        product = self.item_product(item)
        values = {name: item[name] or "" for name in ("code", "name_en", "name_ko", "channel")}
        values["product"] = f"{product.kind}:{product.code}" if product is not None else ""
        values.update({name: str(item[name]) for name in ("dose_g", "price_won", "extra_cost_won")})
        return values

    def user(self, username: Any) -> dict | None:
        return next((u for u in self.user_rows if u["username"] == username), None)

    def _write(self, fn: Any, action: str, where: str, changes: str) -> Result:
        """One store call under the `action` right; `changes` announced once it went through."""
        return self.ctx.run(fn, action=action, where=where, changes=changes, origin=self.origin)

    # --- cost settings ------------------------------------------------------------------------------

    def save_settings(self, typed: dict[str, Any], *, use_recent_loss: bool, effective_from: Any) -> Result:
        """A new version of the cost settings from `effective_from` on (the "settings" right)."""
        values = {name: v for name, v in typed.items() if name != "price_multiplier"}
        values["price_multiplier_pct"] = multiplier_pct(typed.get("price_multiplier", ""))
        values["use_recent_loss"] = bool(use_recent_loss)
        values["effective_from"] = "" if effective_from is None else effective_from  # "is required"
        conn = self.ctx.conn()
        return self._write(
            lambda: cost_settings.save(conn, user=self.ctx.username, **values), "settings", "settings.save", "settings"
        )

    # --- menu items ---------------------------------------------------------------------------------

    def new_item(self) -> bool:
        """Start a new menu item (the catalog right); False without it."""
        if not self.ctx.can("catalog"):
            return False
        self.editing_item = None
        return True

    def edit_item(self, item_id: Any) -> dict | None:
        """Start editing a menu item; its values for the editor (None: no such item, or no right)."""
        item = self.item(item_id)
        if item is None or not self.ctx.can("catalog"):
            return None
        self.editing_item = item["id"]
        return self.item_form_values(item)

    def close_item(self) -> None:
        self.editing_item = None

    def save_item(self, values: dict[str, Any]) -> Result:
        """Add the menu item, or update the one being edited (the catalog right)."""
        conn, editing = self.ctx.conn(), self.editing_item
        if editing:
            fn = lambda: catalog.update_menu_item(conn, editing, user=self.ctx.username, **values)  # noqa: E731
        else:
            fn = lambda: catalog.add_menu_item(conn, user=self.ctx.username, **values)  # noqa: E731
        result = self._write(fn, "catalog", "settings.save_menu", "menu")
        if result.ok:
            self.editing_item = None
        return result

    def toggle_item(self, item_id: Any) -> Result:
        """Deactivate an active menu item or reactivate an inactive one (the catalog right)."""
        item = self.item(item_id)
        if item is None:
            return Result("idle")
        conn = self.ctx.conn()
        result = self._write(
            lambda: catalog.update_menu_item(conn, item["id"], user=self.ctx.username, active=not item["active"]),
            "catalog",
            "settings.toggle_menu",
            "menu",
        )
        result.value = item
        return result

    # --- users ----------------------------------------------------------------------------------------

    def add_user(self, values: dict[str, Any]) -> Result:
        """A new user (the "users" right); the password typed twice."""
        conn = self.ctx.conn()

        def add() -> int:
            if values["password"] != values["password_repeat"]:
                raise ValidationError("password_repeat", "set.err.password_repeat")
            return users.add_user(
                conn,
                username=values["username"],
                password=values["password"],
                role=values["role"],
                display_name=values["display_name"],
                user=self.ctx.username,
            )

        return self._write(add, "users", "settings.add_user", "users")

    def update_user(self, username: str, *, role: str, password: str, active: bool) -> Result:
        """Change a user's role, password (blank: keep) or activity. `value` is True when it took
        the signed-in person's own rights away (their session must end)."""
        conn = self.ctx.conn()
        result = self.ctx.run(
            lambda: users.update_user(
                conn, username, user=self.ctx.username, role=role, password=password or None, active=active
            ),
            action="users",
            where="settings.update_user",
        )
        if result.ok:
            result.value = username == self.ctx.username and (role != self.ctx.role or not active)
            # taken from the signed-in person: the app signs them out (their rights changed)
            self.ctx.changed("self" if result.value else "users", self.origin)
        return result

    def save_idle(self, text: Any) -> Result:
        """Minutes of no activity before a page signs out (0: never)."""
        conn = self.ctx.conn()
        result = self.ctx.run(
            lambda: sessions.set_idle_minutes(conn, text, user=self.ctx.username), action="users", where="settings.idle"
        )
        if result.ok:
            self.idle_minutes = result.value
        return result

    # --- Korean names of stored words -------------------------------------------------------------------

    def own_name(self, kind: str, word: str) -> str:
        return self.term_names.get(kind, {}).get(word, "")

    def save_term(self, kind: str, word: str, name: str) -> Result:
        """The owner's Korean name for an origin, process or roast level (the catalog right)."""
        conn = self.ctx.conn()
        result = self._write(
            lambda: terms.set_korean_name(conn, kind, word, name, user=self.ctx.username),
            "catalog",
            "settings.save_term",
            "catalog",
        )
        if result.ok:
            self.term_names = terms.korean_names(conn)
        return result

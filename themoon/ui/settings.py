"""Settings tab: cost settings with an effective date (owner), menu items (owner), users and
roles (owner), and the language.

Cost settings are effective-dated (`cost_settings.save`): a new version applies from its date on
and never changes a past cost. Every write is one store call after `users.can(role, action)`.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import ipywidgets as widgets

from .. import catalog, cost_settings, sessions, terms, users
from ..catalog import CHANNELS
from ..models import ValidationError
from . import format as fmt
from .base import Tab, local_name, product_options, set_options
from .forms import (
    Column,
    Field,
    Form,
    button,
    card,
    classes,
    date_input,
    esc,
    hide,
    note,
    row,
    table_html,
    text_input,
    title,
)
from .i18n import LANGUAGES, TERMS_KO, term

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
HISTORY_COLUMNS = (
    Column("col.effective_from"),
    Column("col.expected_loss", num=True),
    Column("col.recent_loss"),
    Column("col.roasting_kg", num=True),
    Column("col.labour_h", num=True),
    Column("col.labour_min", num=True),
    Column("col.energy", num=True),
    Column("col.misc", num=True),
    Column("col.planned", num=True),
    Column("col.multiplier", num=True),
)
MENU_COLUMNS = (
    Column("col.code"),
    Column("col.item"),
    Column("col.channel"),
    Column("col.product"),
    Column("col.dose", num=True),
    Column("col.price", num=True),
    Column("col.extras", num=True),
    Column("col.status"),
)
USER_COLUMNS = (
    Column("col.username"),
    Column("col.display_name"),
    Column("col.role"),
    Column("col.status"),
    Column("col.created"),
)


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


def _plain(value: Fraction | int, places: int = 2) -> str:
    return fmt.number(value, places).replace(",", "").rstrip("0").rstrip(".")


class SettingsTab(Tab):
    key = "settings"
    watches = frozenset({"settings", "menu", "catalog", "users"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.history: list = []
        self.menu_items: list[dict] = []
        self.user_rows: list[dict] = []
        self.editing_item: int | None = None
        self._build()
        self.refresh()

    # --- building ------------------------------------------------------------------------------------

    def _build(self) -> None:
        today = self.ctx.today()
        # cost settings
        self.cs_title = title()
        self.cs_current = classes(widgets.HTML(), "themoon-current-settings")
        self.cs_history = classes(widgets.HTML(), "themoon-settings-history")
        self.cs_from = Field("effective_from", date_input(today), "f.effective_from")
        self.cs_fields = {name: Field(name, text_input(unit), f"f.{name}") for name, unit in SETTING_FIELDS}
        self.cs_recent = Field(
            "use_recent_loss",
            classes(widgets.Checkbox(value=False, indent=False), "themoon-check"),
            "f.use_recent_loss",
        )
        self.cs_form = Form(
            [self.cs_from, *self.cs_fields.values(), self.cs_recent],
            aliases={"price_multiplier_pct": "price_multiplier", "expected_loss_bp": "expected_loss_pct"},
        )
        self.cs_save = button("primary", "themoon-save-settings")
        self.on_click(self.cs_save, self._save_settings, "save_settings")
        f = self.cs_fields
        self.cs_form_box = classes(
            widgets.VBox(
                [
                    self.cs_form_title(),
                    row([self.cs_from.box, f["expected_loss_pct"].box, self.cs_recent.box], "themoon-row-3"),
                    row(
                        [
                            f["roasting_won_per_kg"].box,
                            f["labour_won_per_hour"].box,
                            f["labour_minutes_per_session"].box,
                        ],
                        "themoon-row-3",
                    ),
                    row(
                        [
                            f["energy_won_per_session"].box,
                            f["misc_won_per_session"].box,
                            f["planned_session_roasted_g"].box,
                        ],
                        "themoon-row-3",
                    ),
                    row(
                        [f["price_multiplier"].box, f["plausible_loss_min_pct"].box, f["plausible_loss_max_pct"].box],
                        "themoon-row-3",
                    ),
                    row([self.cs_save], "themoon-actions"),
                    self.cs_form.status,
                ]
            ),
            "themoon-form",
            "themoon-settings-form",
            "themoon-owner-only",
        )
        hide(self.cs_form_box, not self.ctx.can("settings"))
        settings_card = card(
            [self.cs_title, self.cs_current, self.cs_history, self.cs_form_box], "themoon-cost-settings"
        )

        # menu items
        self.m_title = title()
        self.m_table = classes(widgets.HTML(), "themoon-menu-items-table")
        self.m_pick, self.m_edit, self.m_toggle, self.m_new, self.m_tools_form, self.m_tools = self.record_tools(
            "menu",
            "f.menu_item",
            edit=self._edit_item,
            toggle=self._toggle_item,
            new=self._new_item,
            pick=self._on_item_pick,
        )
        self.m_fields = {
            "code": Field("code", text_input(), "f.code"),
            "name_en": Field("name_en", text_input(), "f.name_en"),
            "name_ko": Field("name_ko", text_input(), "f.name_ko"),
            "channel": Field("channel", widgets.Dropdown(options=[(c, c) for c in CHANNELS], value="cup"), "f.channel"),
            "product": Field("product", widgets.Dropdown(), "f.product"),
            "dose_g": Field("dose_g", text_input("g"), "f.dose_g"),
            "price_won": Field("price_won", text_input("₩"), "f.price_won"),
            "extra_cost_won": Field("extra_cost_won", text_input("₩"), "f.extra_cost_won", hint_key="f.extras_hint"),
        }
        self.m_form = Form(self.m_fields.values(), aliases={"menu_item": "code"})
        self.m_form_title = title("themoon-subtitle-card")
        self.m_save = button("primary", "themoon-save-menu")
        self.m_cancel = button("secondary", "themoon-cancel-menu")
        self.on_click(self.m_save, self._save_item, "save_menu")
        self.on_click(self.m_cancel, self._close_item_form, "cancel_menu")
        m = self.m_fields
        self.m_form_box = classes(
            widgets.VBox(
                [
                    self.m_form_title,
                    row([m["code"].box, m["name_en"].box, m["name_ko"].box], "themoon-row-3"),
                    row([m["channel"].box, m["product"].box, m["dose_g"].box], "themoon-row-3"),
                    row([m["price_won"].box, m["extra_cost_won"].box], "themoon-row-3"),
                    row([self.m_save, self.m_cancel], "themoon-actions"),
                    self.m_form.status,
                ]
            ),
            "themoon-form",
            "themoon-menu-form",
        )
        hide(self.m_form_box)
        menu_card = card([self.m_title, self.m_table, self.m_tools, self.m_form_box], "themoon-menu-items")

        # users
        self.u_title = title()
        self.u_table = classes(widgets.HTML(), "themoon-users-table")
        self.u_add_title = title("themoon-subtitle-card")
        self.u_fields = {
            "username": Field("username", text_input(), "f.username"),
            "display_name": Field("display_name", text_input(), "f.display_name"),
            "role": Field("role", widgets.Dropdown(options=[(r, r) for r in users.ROLES], value="staff"), "f.role"),
            "password": Field("password", widgets.Password(), "f.password"),
            "password_repeat": Field("password_repeat", widgets.Password(), "f.password_repeat"),
        }
        self.u_form = Form(self.u_fields.values())
        self.u_add = button("primary", "themoon-add-user")
        self.on_click(self.u_add, self._add_user, "add_user")
        u = self.u_fields
        self.u_change_title = title("themoon-subtitle-card")
        self.uc_user = Field("username", widgets.Dropdown(), "f.username")
        self.uc_role = Field("role", widgets.Dropdown(options=[(r, r) for r in users.ROLES]), "f.role")
        self.uc_password = Field("password", widgets.Password(), "f.new_password", hint_key="f.blank_keep")
        self.uc_active = Field(
            "active", classes(widgets.Checkbox(value=True, indent=False), "themoon-check"), "f.active"
        )
        self.uc_form = Form([self.uc_user, self.uc_role, self.uc_password, self.uc_active])
        self.uc_save = button("primary", "themoon-save-user")
        self.on_click(self.uc_save, self._update_user, "update_user")
        self.on_change(self.uc_user.widget, self._on_user_pick, "user_pick")
        users_card = card(
            [
                self.u_title,
                self.u_table,
                classes(
                    widgets.Box(
                        [
                            classes(
                                widgets.VBox(
                                    [
                                        self.u_add_title,
                                        row([u["username"].box, u["display_name"].box], "themoon-row-2"),
                                        row([u["role"].box], "themoon-row-2"),
                                        row([u["password"].box, u["password_repeat"].box], "themoon-row-2"),
                                        row([self.u_add], "themoon-actions"),
                                        self.u_form.status,
                                    ]
                                ),
                                "themoon-form",
                            ),
                            classes(
                                widgets.VBox(
                                    [
                                        self.u_change_title,
                                        row([self.uc_user.box, self.uc_role.box], "themoon-row-2"),
                                        row([self.uc_password.box, self.uc_active.box], "themoon-row-2"),
                                        row([self.uc_save], "themoon-actions"),
                                        self.uc_form.status,
                                    ]
                                ),
                                "themoon-form",
                            ),
                        ]
                    ),
                    "themoon-grid-2",
                ),
            ],
            "themoon-users",
            "themoon-owner-only",
        )
        self.users_card = users_card
        hide(users_card, not self.ctx.can("users"))

        # sign-out when idle (themoon.sessions; the owner's, like the users)
        self.i_title = title()
        self.i_note = note()
        self.i_minutes = Field("idle_minutes", text_input(continuous=False), "set.idle_minutes")
        self.i_form = Form([self.i_minutes])
        self.i_save = button("primary", "themoon-save-idle")
        self.on_click(self.i_save, self._save_idle, "save_idle")
        self.idle_card = card(
            [self.i_title, self.i_note, row([self.i_minutes.box, self.i_save], "themoon-row-2"), self.i_form.status],
            "themoon-idle",
            "themoon-owner-only",
        )
        hide(self.idle_card, not self.ctx.can("users"))

        # language
        self.l_title = title()
        self.l_note = note()
        self.language = classes(
            widgets.ToggleButtons(options=list(LANGUAGES), value=self.ctx.lang), "themoon-lang-setting"
        )
        self.on_change(self.language, self._on_language, "language")
        language_card = card([self.l_title, self.language, self.l_note], "themoon-language")

        # the owner's Korean names for origins, processes and roast levels
        self.t_title = title()
        self.t_note = note()
        self.t_word = Field("term", widgets.Dropdown(), "f.term")
        self.t_name = Field("name_ko", text_input(), "f.name_ko")
        self.t_form = Form([self.t_word, self.t_name], aliases={"value": "term", "kind": "term"})
        self.t_save = button("primary", "themoon-save-term")
        self.on_click(self.t_save, self._save_term, "save_term")
        self.on_change(self.t_word.widget, self._on_term_pick, "term_pick")
        terms_card = card(
            [
                self.t_title,
                self.t_note,
                row([self.t_word.box, self.t_name.box], "themoon-row-2"),
                row([self.t_save], "themoon-actions"),
                self.t_form.status,
            ],
            "themoon-term-names",
            "themoon-owner-only",
        )
        hide(terms_card, not self.ctx.can("catalog"))
        self.finish([settings_card, menu_card, users_card, self.idle_card, language_card, terms_card])

    def cs_form_title(self) -> widgets.HTML:
        self._cs_form_title = title("themoon-subtitle-card")
        return self._cs_form_title

    # --- data -------------------------------------------------------------------------------------------

    def load(self) -> None:
        conn = self.ctx.conn()
        self.history = cost_settings.history(conn)
        self.current = cost_settings.settings_on(conn, self.ctx.today())
        self.menu_items = catalog.list_menu_items(conn, active=None)
        self.products = {p.id: p for p in catalog.list_products(conn, active=None) if p.kind == "bean"}
        self.blends = {p.id: p for p in catalog.list_products(conn, active=None) if p.kind == "blend"}
        self.quietly(
            lambda: set_options(self.m_fields["product"].widget, product_options(conn, self.lang, blank_key="f.choose"))
        )
        self.user_rows = users.list_users(conn) if self.ctx.can("users") else []
        if self.ctx.can("users"):
            minutes = sessions.idle_minutes(conn)
            self.quietly(lambda: setattr(self.i_minutes.widget, "value", str(minutes)))
        self.term_names = terms.korean_names(conn)
        words = {(kind, word) for kind, table in TERMS_KO.items() if kind == "roast_level" for word in table}
        for bean in catalog.list_beans(conn, active=None):
            words |= {(kind, bean[kind]) for kind in terms.KINDS if bean[kind]}
        words |= {(kind, word) for kind, table in self.term_names.items() for word in table}
        self.term_words = sorted(words, key=lambda kw: (terms.KINDS.index(kw[0]), kw[1].lower()))
        self._fill_settings_form()

    def _fill_settings_form(self) -> None:
        s = self.current

        def fill() -> None:
            values = asdict(s)
            for name, field in self.cs_fields.items():
                if name == "expected_loss_pct":
                    field.value = _plain(Fraction(s.expected_loss_bp, 100))
                elif name == "price_multiplier":
                    field.value = _plain(Fraction(s.price_multiplier_pct, 100))
                elif name.startswith("plausible_loss_"):
                    field.value = _plain(Fraction(values[name.removesuffix("_pct") + "_bp"], 100))
                else:
                    field.value = str(values[name])
            self.cs_recent.value = bool(s.use_recent_loss)

        self.quietly(fill)

    # --- rendering -----------------------------------------------------------------------------------------

    def render(self) -> None:
        lang = self.lang
        self.cs_title.value = esc(self.tr("set.cost_title"))
        self._cs_form_title.value = esc(self.tr("set.new_version"))
        self.cs_form.relabel(lang)
        self.cs_save.description = self.tr("set.save_settings")
        s = self.current
        self.cs_current.value = esc(
            self.tr(
                "set.in_force",
                since=s.effective_from.isoformat() if s.effective_from.year > 2000 else self.tr("set.builtin"),
                processing=fmt.won(self._processing(s)),
            )
        )
        rows = [
            [
                esc(fmt.date_text(v.effective_from, self.lang)),
                esc(fmt.pct(Fraction(v.expected_loss_bp, 100))),
                esc(self.tr("yes") if v.use_recent_loss else self.tr("no")),
                esc(fmt.won(v.roasting_won_per_kg)),
                esc(fmt.won(v.labour_won_per_hour)),
                esc(fmt.number(v.labour_minutes_per_session)),
                esc(fmt.won(v.energy_won_per_session)),
                esc(fmt.won(v.misc_won_per_session)),
                esc(fmt.grams_as_kg(v.planned_session_roasted_g)),
                esc("×" + _plain(Fraction(v.price_multiplier_pct, 100))),
            ]
            for v in reversed(self.history)
        ]
        current = [i for i, v in enumerate(reversed(self.history)) if v.effective_from == s.effective_from]
        self.cs_history.value = table_html(
            HISTORY_COLUMNS,
            rows,
            lang,
            empty=self.tr("set.no_history"),
            row_classes=["themoon-row--current" if i in current else "" for i in range(len(rows))],
        )
        # menu
        self.m_title.value = esc(self.tr("set.menu_title"))
        self.m_form.relabel(lang)
        self.m_tools_form.relabel(lang)
        self.quietly(
            lambda: setattr(
                self.m_fields["channel"].widget, "options", [(self.tr(f"channel.{c}"), c) for c in CHANNELS]
            )
        )
        self.m_edit.description = self.tr("btn.edit")
        self.m_new.description = self.tr("set.new_item")
        self.m_save.description = self.tr("btn.save")
        self.m_cancel.description = self.tr("btn.cancel")
        self.m_form_title.value = esc(
            self.tr("set.edit_item", code=self.m_fields["code"].value) if self.editing_item else self.tr("set.new_item")
        )
        self._render_menu()
        # users
        self.u_title.value = esc(self.tr("set.users_title"))
        self.u_add_title.value = esc(self.tr("set.add_user"))
        self.u_change_title.value = esc(self.tr("set.change_user"))
        self.u_form.relabel(lang)
        self.uc_form.relabel(lang)
        role_options = [(self.tr(f"role.{r}"), r) for r in users.ROLES]
        for dropdown in (self.u_fields["role"].widget, self.uc_role.widget):
            self.quietly(lambda d=dropdown: set_options(d, role_options))
        self.uc_active.widget.description = self.tr("status.active")
        self.u_add.description = self.tr("set.add_user")
        self.uc_save.description = self.tr("btn.save")
        self._render_users()
        # sign-out when idle
        self.i_title.value = esc(self.tr("set.idle_title"))
        self.i_note.value = esc(self.tr("set.idle_note"))
        self.i_form.relabel(lang)
        self.i_save.description = self.tr("set.idle_save")
        self._render_terms()
        # language
        self.l_title.value = esc(self.tr("set.language_title"))
        self.l_note.value = esc(self.tr("set.language_note"))
        if self.language.value != lang:
            self.quietly(lambda: setattr(self.language, "value", lang))

    @staticmethod
    def _processing(s) -> Fraction:
        from ..costing import processing_per_roasted_kg

        return processing_per_roasted_kg(s)

    def _render_menu(self) -> None:
        lang = self.lang
        names = {
            **{("bean", k): v for k, v in self.products.items()},
            **{("blend", k): v for k, v in self.blends.items()},
        }
        rows = []
        for item in self.menu_items:
            key = ("bean", item["bean_id"]) if item["bean_id"] is not None else ("blend", item["blend_id"])
            product = names.get(key)
            rows.append(
                [
                    f"<span class='themoon-code'>{esc(item['code'])}</span>",
                    esc(local_name(item, lang)),
                    esc(self.tr(f"channel.{item['channel']}")),
                    esc(product.name(lang) if product else ""),
                    esc(fmt.grams(item["dose_g"])),
                    esc(fmt.won(item["price_won"])),
                    esc(fmt.won(item["extra_cost_won"])),
                    self.active_badge(item["active"]),
                ]
            )
        self.m_table.value = table_html(MENU_COLUMNS, rows, lang, empty=self.tr("set.no_menu"))
        self.fill_pick(self.m_pick, self.menu_items)
        self._on_item_pick()

    def _render_users(self) -> None:
        rows = [
            [
                esc(u["username"]),
                esc(u["display_name"]),
                esc(self.tr(f"role.{u['role']}")),
                self.active_badge(u["active"]),
                esc(fmt.date_text((u["created_at"] or "")[:10] or None, self.lang)),
            ]
            for u in self.user_rows
        ]
        self.u_table.value = table_html(USER_COLUMNS, rows, self.lang, empty="")
        options = [(u["username"], u["username"]) for u in self.user_rows]
        self.quietly(lambda: set_options(self.uc_user.widget, options))
        self._on_user_pick()

    # --- cost settings -----------------------------------------------------------------------------------------

    def settings_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {name: f.value for name, f in self.cs_fields.items() if name != "price_multiplier"}
        values["price_multiplier_pct"] = multiplier_pct(self.cs_fields["price_multiplier"].value)
        values["use_recent_loss"] = bool(self.cs_recent.value)
        values["effective_from"] = self.cs_from.value
        if values["effective_from"] is None:
            values["effective_from"] = ""  # the store says "is required" next to the date
        return values

    def _save_settings(self) -> None:
        values = self.settings_values()
        conn = self.ctx.conn()
        ok, saved = self.ctx.run(
            self.cs_form,
            lambda: cost_settings.save(conn, user=self.ctx.username, **values),
            action="settings",
            where="settings.save",
        )
        if ok:
            self.after_write("settings", self.cs_form, self.tr("set.saved", since=saved.effective_from.isoformat()))

    # --- menu items --------------------------------------------------------------------------------------------

    def selected_item(self) -> dict | None:
        return next((i for i in self.menu_items if i["id"] == self.m_pick.value), None)

    def _on_item_pick(self) -> None:
        self.show_pick(self.selected_item(), self.m_edit, self.m_toggle)

    def _new_item(self) -> None:
        if not self.ctx.can("catalog"):
            return
        self.editing_item = None

        def clear() -> None:
            for name, field in self.m_fields.items():
                field.value = "cup" if name == "channel" else ""

        self.open_editor(self.m_form, self.m_form_box, clear)

    def _edit_item(self) -> None:
        item = self.selected_item()
        if item is None or not self.ctx.can("catalog"):
            return
        self.editing_item = item["id"]

        def fill() -> None:
            product = (
                f"bean:{self.products[item['bean_id']].code}"
                if item["bean_id"] is not None
                else f"blend:{self.blends[item['blend_id']].code}"
            )
            for name in ("code", "name_en", "name_ko", "channel"):
                self.m_fields[name].value = item[name] or ""
            self.m_fields["product"].value = product
            for name in ("dose_g", "price_won", "extra_cost_won"):
                self.m_fields[name].value = str(item[name])

        self.open_editor(self.m_form, self.m_form_box, fill)

    def _close_item_form(self) -> None:
        self.editing_item = None
        self.m_form.clear()
        hide(self.m_form_box)

    def item_values(self) -> dict[str, Any]:
        values = {name: f.value for name, f in self.m_fields.items()}
        return values

    def _save_item(self) -> None:
        values = self.item_values()
        add, update = catalog.add_menu_item, catalog.update_menu_item
        if self.save_record(
            self.m_form, values, add=add, update=update, editing=self.editing_item, where="settings.save_menu"
        ):
            self._close_item_form()
            self.after_write("menu", self.m_tools_form, self.tr("set.item_saved", code=values["code"]))

    def _toggle_item(self) -> None:
        form, item = self.m_tools_form, self.selected_item()
        self.toggle_active(form, catalog.update_menu_item, item, what="menu", where="settings.toggle_menu")

    # --- users ------------------------------------------------------------------------------------------------

    def _on_user_pick(self) -> None:
        user = next((u for u in self.user_rows if u["username"] == self.uc_user.value), None)
        if user is None:
            return

        def fill() -> None:
            self.uc_role.value = user["role"]
            self.uc_active.value = bool(user["active"])
            self.uc_password.value = ""

        self.quietly(fill)

    def _add_user(self) -> None:
        values = {name: f.value for name, f in self.u_fields.items()}
        conn = self.ctx.conn()

        def add() -> int:
            if values["password"] != values["password_repeat"]:
                raise ValidationError("password_repeat", "does not match the password", "비밀번호가 일치하지 않습니다")
            return users.add_user(
                conn,
                username=values["username"],
                password=values["password"],
                role=values["role"],
                display_name=values["display_name"],
                user=self.ctx.username,
            )

        ok, _ = self.ctx.run(self.u_form, add, action="users", where="settings.add_user")
        if ok:
            self.quietly(lambda: [setattr(f.widget, "value", "") for n, f in self.u_fields.items() if n != "role"])
            self.after_write("users", self.u_form, self.tr("set.user_added", username=values["username"]))

    def _update_user(self) -> None:
        username = self.uc_user.value
        role, password, active = self.uc_role.value, self.uc_password.value, bool(self.uc_active.value)
        conn = self.ctx.conn()
        ok, _ = self.ctx.run(
            self.uc_form,
            lambda: users.update_user(
                conn, username, user=self.ctx.username, role=role, password=password or None, active=active
            ),
            action="users",
            where="settings.update_user",
        )
        if not ok:
            return
        self.quietly(lambda: setattr(self.uc_password.widget, "value", ""))
        if username == self.ctx.username and (role != self.ctx.role or not active):
            self.ctx.changed("self", self)  # the app signs this person out: their rights changed
            return
        self.after_write("users", self.uc_form, self.tr("set.user_saved", username=username))

    # --- sign-out when idle ------------------------------------------------------------------------------------

    def _save_idle(self) -> None:
        text, conn = self.i_minutes.value, self.ctx.conn()
        ok, minutes = self.ctx.run(
            self.i_form,
            lambda: sessions.set_idle_minutes(conn, text, user=self.ctx.username),
            action="users",
            where="settings.idle",
        )
        if ok:
            self.quietly(lambda: setattr(self.i_minutes.widget, "value", str(minutes)))
            key = "set.idle_saved" if minutes else "set.idle_never"
            self.i_form.set_status("ok", self.tr(key, minutes=minutes))

    # --- Korean names of stored words -----------------------------------------------------------------------------

    def _render_terms(self) -> None:
        self.t_title.value = esc(self.tr("set.terms_title"))
        self.t_note.value = esc(self.tr("set.terms_note"))
        self.t_form.relabel(self.lang)
        self.t_save.description = self.tr("set.save_term")
        options = [
            (f"{self.tr('term.' + kind)} · {word} → {term(kind, word, 'ko', self.term_names)}", f"{kind}|{word}")
            for kind, word in self.term_words
        ]
        self.quietly(lambda: set_options(self.t_word.widget, options))
        self._on_term_pick()

    def _on_term_pick(self) -> None:
        kind, _, word = str(self.t_word.widget.value or "").partition("|")
        own = self.term_names.get(kind, {}).get(word, "")
        self.quietly(lambda: setattr(self.t_name.widget, "value", own))

    def _save_term(self) -> None:
        kind, _, word = str(self.t_word.widget.value or "").partition("|")
        name = self.t_name.value
        conn = self.ctx.conn()
        ok, _ = self.ctx.run(
            self.t_form,
            lambda: terms.set_korean_name(conn, kind, word, name, user=self.ctx.username),
            action="catalog",
            where="settings.save_term",
        )
        if ok:
            shown = term(kind, word, "ko", terms.korean_names(conn))
            self.after_write("catalog", self.t_form, self.tr("set.term_saved", value=word, name=shown))

    # --- language -----------------------------------------------------------------------------------------------

    def _on_language(self) -> None:
        setter = getattr(self.ctx, "set_language", None)
        if callable(setter):
            setter(self.language.value)

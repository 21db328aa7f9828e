"""The Settings tab's widgets, bound to its model (model.py): cost settings and their history,
menu items, users and roles, the idle sign-out, the language, the Korean names of stored words."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import ipywidgets as widgets

from ....catalog import CHANNELS
from ....users import ROLES
from ... import format as fmt
from ...base import Tab, local_name, product_label, set_options
from ...forms import (
    Field,
    Form,
    button,
    card,
    classes,
    columns,
    date_input,
    esc,
    hide,
    note,
    num,
    row,
    table_html,
    text_input,
    title,
)
from ...i18n import LANGUAGES, term
from .model import ITEM_FIELDS, SETTING_FIELDS, SettingsModel, multiplier_pct, plain, processing, settings_form_values

__all__ = ["SettingsTab", "multiplier_pct"]

HISTORY_COLUMNS = columns(
    "col.effective_from",
    num("col.expected_loss"),
    "col.recent_loss",
    num("col.roasting_kg"),
    num("col.labour_h"),
    num("col.labour_min"),
    num("col.energy"),
    num("col.misc"),
    num("col.planned"),
    num("col.multiplier"),
)
MENU_COLUMNS = columns(
    "col.code",
    "col.item",
    "col.channel",
    "col.product",
    num("col.dose"),
    num("col.price"),
    num("col.extras"),
    "col.status",
)
USER_COLUMNS = columns("col.username", "col.display_name", "col.role", "col.status", "col.created")
# the cost-settings form, row by row (after the date, the loss and "use the recent loss")
SETTING_ROWS = (
    ("roasting_won_per_kg", "labour_won_per_hour", "labour_minutes_per_session"),
    ("energy_won_per_session", "misc_won_per_session", "planned_session_roasted_g"),
    ("price_multiplier", "plausible_loss_min_pct", "plausible_loss_max_pct"),
)


class SettingsTab(Tab):
    key = "settings"
    watches = frozenset({"settings", "menu", "catalog", "users"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.model = SettingsModel(ctx)
        self.model.origin = self
        self._build()
        self.refresh()

    # --- building ------------------------------------------------------------------------------------

    def _build(self) -> None:
        settings_card = self._build_cost_settings()
        menu_card = self._build_menu()
        self.users_card = self._build_users()
        self.idle_card = self._build_idle()
        language_card = self._build_language()
        terms_card = self._build_terms()
        self.finish([settings_card, menu_card, self.users_card, self.idle_card, language_card, terms_card])

    def _build_cost_settings(self) -> widgets.VBox:
        self.cs_title = title()
        self.cs_current = classes(widgets.HTML(), "themoon-current-settings")
        self.cs_history = classes(widgets.HTML(), "themoon-settings-history")
        self.cs_from = Field("effective_from", date_input(self.ctx.today()), "f.effective_from")
        self.cs_fields = {name: Field(name, text_input(unit), f"f.{name}") for name, unit in SETTING_FIELDS}
        recent = classes(widgets.Checkbox(value=False, indent=False), "themoon-check")
        self.cs_recent = Field("use_recent_loss", recent, "f.use_recent_loss")
        self.cs_form = Form(
            [self.cs_from, *self.cs_fields.values(), self.cs_recent],
            aliases={"price_multiplier_pct": "price_multiplier", "expected_loss_bp": "expected_loss_pct"},
        )
        self.cs_save = button("primary", "themoon-save-settings")
        self.on_click(self.cs_save, self._save_settings, "save_settings")
        self._cs_form_title = title("themoon-subtitle-card")
        first = row([self.cs_from.box, self.cs_fields["expected_loss_pct"].box, self.cs_recent.box], "themoon-row-3")
        rows = [row([self.cs_fields[name].box for name in names], "themoon-row-3") for names in SETTING_ROWS]
        self.cs_form_box = classes(
            widgets.VBox(
                [self._cs_form_title, first, *rows, row([self.cs_save], "themoon-actions"), self.cs_form.status]
            ),
            "themoon-form",
            "themoon-settings-form",
            "themoon-owner-only",
        )
        hide(self.cs_form_box, not self.ctx.can("settings"))
        return card([self.cs_title, self.cs_current, self.cs_history, self.cs_form_box], "themoon-cost-settings")

    def _build_menu(self) -> widgets.VBox:
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
        channel = widgets.Dropdown(options=[(c, c) for c in CHANNELS], value="cup")
        self.m_fields = {
            "code": Field("code", text_input(), "f.code"),
            "name_en": Field("name_en", text_input(), "f.name_en"),
            "name_ko": Field("name_ko", text_input(), "f.name_ko"),
            "channel": Field("channel", channel, "f.channel"),
            "product": Field("product", widgets.Dropdown(), "f.product"),
            "dose_g": Field("dose_g", text_input("g"), "f.dose_g"),
            "price_won": Field("price_won", text_input("₩"), "f.price_won"),
            "extra_cost_won": Field("extra_cost_won", text_input("₩"), "f.extra_cost_won", hint_key="f.extras_hint"),
        }
        self.m_form = Form(self.m_fields.values(), aliases={"menu_item": "code"})
        m = self.m_fields
        rows = [
            row([m["code"].box, m["name_en"].box, m["name_ko"].box], "themoon-row-3"),
            row([m["channel"].box, m["product"].box, m["dose_g"].box], "themoon-row-3"),
            row([m["price_won"].box, m["extra_cost_won"].box], "themoon-row-3"),
        ]
        self.m_form_title, self.m_save, self.m_cancel, self.m_form_box = self.editor(
            "menu", self.m_form, rows, save=self._save_item, cancel=self._close_item_form
        )
        return card([self.m_title, self.m_table, self.m_tools, self.m_form_box], "themoon-menu-items")

    def _build_users(self) -> widgets.VBox:
        self.u_title = title()
        self.u_table = classes(widgets.HTML(), "themoon-users-table")
        forms = classes(widgets.Box([self._build_user_add(), self._build_user_change()]), "themoon-grid-2")
        users_card = card([self.u_title, self.u_table, forms], "themoon-users", "themoon-owner-only")
        hide(users_card, not self.ctx.can("users"))
        return users_card

    def _build_user_add(self) -> widgets.VBox:
        self.u_add_title = title("themoon-subtitle-card")
        self.u_fields = {
            "username": Field("username", text_input(), "f.username"),
            "display_name": Field("display_name", text_input(), "f.display_name"),
            "role": Field("role", widgets.Dropdown(options=[(r, r) for r in ROLES], value="staff"), "f.role"),
            "password": Field("password", widgets.Password(), "f.password"),
            "password_repeat": Field("password_repeat", widgets.Password(), "f.password_repeat"),
        }
        self.u_form = Form(self.u_fields.values())
        self.u_add = button("primary", "themoon-add-user")
        self.on_click(self.u_add, self._add_user, "add_user")
        u = self.u_fields
        parts = [
            self.u_add_title,
            row([u["username"].box, u["display_name"].box], "themoon-row-2"),
            row([u["role"].box], "themoon-row-2"),
            row([u["password"].box, u["password_repeat"].box], "themoon-row-2"),
            row([self.u_add], "themoon-actions"),
            self.u_form.status,
        ]
        return classes(widgets.VBox(parts), "themoon-form")

    def _build_user_change(self) -> widgets.VBox:
        self.u_change_title = title("themoon-subtitle-card")
        self.uc_user = Field("username", widgets.Dropdown(), "f.username")
        self.uc_role = Field("role", widgets.Dropdown(options=[(r, r) for r in ROLES]), "f.role")
        self.uc_password = Field("password", widgets.Password(), "f.new_password", hint_key="f.blank_keep")
        active = classes(widgets.Checkbox(value=True, indent=False), "themoon-check")
        self.uc_active = Field("active", active, "f.active")
        self.uc_form = Form([self.uc_user, self.uc_role, self.uc_password, self.uc_active])
        self.uc_save = button("primary", "themoon-save-user")
        self.on_click(self.uc_save, self._update_user, "update_user")
        self.on_change(self.uc_user.widget, self._on_user_pick, "user_pick")
        parts = [
            self.u_change_title,
            row([self.uc_user.box, self.uc_role.box], "themoon-row-2"),
            row([self.uc_password.box, self.uc_active.box], "themoon-row-2"),
            row([self.uc_save], "themoon-actions"),
            self.uc_form.status,
        ]
        return classes(widgets.VBox(parts), "themoon-form")

    def _build_idle(self) -> widgets.VBox:
        """Sign-out when idle (themoon.sessions; the owner's, like the users)."""
        self.i_title = title()
        self.i_note = note()
        self.i_minutes = Field("idle_minutes", text_input(continuous=False), "set.idle_minutes")
        self.i_form = Form([self.i_minutes])
        self.i_save = button("primary", "themoon-save-idle")
        self.on_click(self.i_save, self._save_idle, "save_idle")
        parts = [self.i_title, self.i_note, row([self.i_minutes.box, self.i_save], "themoon-row-2"), self.i_form.status]
        idle_card = card(parts, "themoon-idle", "themoon-owner-only")
        hide(idle_card, not self.ctx.can("users"))
        return idle_card

    def _build_language(self) -> widgets.VBox:
        self.l_title = title()
        self.l_note = note()
        toggle = widgets.ToggleButtons(options=list(LANGUAGES), value=self.ctx.lang)
        self.language = classes(toggle, "themoon-lang-setting")
        self.on_change(self.language, self._on_language, "language")
        return card([self.l_title, self.language, self.l_note], "themoon-language")

    def _build_terms(self) -> widgets.VBox:
        """The owner's Korean names for origins, processes and roast levels."""
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
        return terms_card

    # --- data -------------------------------------------------------------------------------------------

    def load(self) -> None:
        m = self.model
        m.load()
        options = [(self.tr("f.choose"), "")] + [(product_label(p, self.lang), p.key) for p in m.offered]
        self.quietly(lambda: set_options(self.m_fields["product"].widget, options))
        if m.idle_minutes is not None:
            self.quietly(lambda: setattr(self.i_minutes.widget, "value", str(m.idle_minutes)))
        self._fill_settings_form()

    def _fill_settings_form(self) -> None:
        shown = settings_form_values(self.model.current)

        def fill() -> None:
            for name, field in self.cs_fields.items():
                field.value = shown[name]
            self.cs_recent.value = bool(self.model.current.use_recent_loss)

        self.quietly(fill)

    @property
    def current(self) -> Any:
        return self.model.current

    @property
    def menu_items(self) -> list[dict]:
        return self.model.menu_items

    # --- rendering -----------------------------------------------------------------------------------------

    def render(self) -> None:
        self._render_settings()
        self._render_menu()
        self._render_users()
        self._render_idle()
        self._render_terms()
        self.l_title.value = esc(self.tr("set.language_title"))
        self.l_note.value = esc(self.tr("set.language_note"))
        if self.language.value != self.lang:
            self.quietly(lambda: setattr(self.language, "value", self.lang))

    def _render_settings(self) -> None:
        lang, s = self.lang, self.model.current
        self.cs_title.value = esc(self.tr("set.cost_title"))
        self._cs_form_title.value = esc(self.tr("set.new_version"))
        self.cs_form.relabel(lang)
        self.cs_save.description = self.tr("set.save_settings")
        since = s.effective_from.isoformat() if s.effective_from.year > 2000 else self.tr("set.builtin")
        self.cs_current.value = esc(self.tr("set.in_force", since=since, processing=fmt.won(processing(s))))
        history = list(reversed(self.model.history))
        rows = [
            [
                esc(fmt.date_text(v.effective_from, lang)),
                esc(fmt.pct(Fraction(v.expected_loss_bp, 100))),
                esc(self.tr("yes") if v.use_recent_loss else self.tr("no")),
                esc(fmt.won(v.roasting_won_per_kg)),
                esc(fmt.won(v.labour_won_per_hour)),
                esc(fmt.number(v.labour_minutes_per_session)),
                esc(fmt.won(v.energy_won_per_session)),
                esc(fmt.won(v.misc_won_per_session)),
                esc(fmt.grams_as_kg(v.planned_session_roasted_g)),
                esc("×" + plain(Fraction(v.price_multiplier_pct, 100))),
            ]
            for v in history
        ]
        current = {i for i, v in enumerate(history) if v.effective_from == s.effective_from}
        self.cs_history.value = table_html(
            HISTORY_COLUMNS,
            rows,
            lang,
            empty=self.tr("set.no_history"),
            row_classes=["themoon-row--current" if i in current else "" for i in range(len(rows))],
        )

    def _render_menu(self) -> None:
        lang = self.lang
        self.m_title.value = esc(self.tr("set.menu_title"))
        self.m_form.relabel(lang)
        self.m_tools_form.relabel(lang)
        channels = [(self.tr(f"channel.{c}"), c) for c in CHANNELS]
        self.quietly(lambda: setattr(self.m_fields["channel"].widget, "options", channels))
        self.m_edit.description = self.tr("btn.edit")
        self.m_new.description = self.tr("set.new_item")
        self.m_save.description = self.tr("btn.save")
        self.m_cancel.description = self.tr("btn.cancel")
        editing = self.model.editing_item
        code = self.m_fields["code"].value
        self.m_form_title.value = esc(self.tr("set.edit_item", code=code) if editing else self.tr("set.new_item"))
        rows = []
        for item in self.model.menu_items:
            product = self.model.item_product(item)
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
        self.fill_pick(self.m_pick, self.model.menu_items)
        self._on_item_pick()

    def _render_users(self) -> None:
        lang = self.lang
        self.u_title.value = esc(self.tr("set.users_title"))
        self.u_add_title.value = esc(self.tr("set.add_user"))
        self.u_change_title.value = esc(self.tr("set.change_user"))
        self.u_form.relabel(lang)
        self.uc_form.relabel(lang)
        role_options = [(self.tr(f"role.{r}"), r) for r in ROLES]
        for dropdown in (self.u_fields["role"].widget, self.uc_role.widget):
            self.quietly(lambda d=dropdown: set_options(d, role_options))
        self.uc_active.widget.description = self.tr("status.active")
        self.u_add.description = self.tr("set.add_user")
        self.uc_save.description = self.tr("btn.save")
        rows = [
            [
                esc(u["username"]),
                esc(u["display_name"]),
                esc(self.tr(f"role.{u['role']}")),
                self.active_badge(u["active"]),
                esc(fmt.date_text((u["created_at"] or "")[:10] or None, lang)),
            ]
            for u in self.model.user_rows
        ]
        self.u_table.value = table_html(USER_COLUMNS, rows, lang, empty="")
        options = [(u["username"], u["username"]) for u in self.model.user_rows]
        self.quietly(lambda: set_options(self.uc_user.widget, options))
        self._on_user_pick()

    def _render_idle(self) -> None:
        self.i_title.value = esc(self.tr("set.idle_title"))
        self.i_note.value = esc(self.tr("set.idle_note"))
        self.i_form.relabel(self.lang)
        self.i_save.description = self.tr("set.idle_save")

    def _render_terms(self) -> None:
        self.t_title.value = esc(self.tr("set.terms_title"))
        self.t_note.value = esc(self.tr("set.terms_note"))
        self.t_form.relabel(self.lang)
        self.t_save.description = self.tr("set.save_term")
        names = self.model.term_names
        options = [
            (f"{self.tr('term.' + kind)} · {word} → {term(kind, word, 'ko', names)}", f"{kind}|{word}")
            for kind, word in self.model.term_words
        ]
        self.quietly(lambda: set_options(self.t_word.widget, options))
        self._on_term_pick()

    # --- binding: cost settings --------------------------------------------------------------------------------

    def _save_settings(self) -> None:
        typed = {name: f.value for name, f in self.cs_fields.items()}
        result = self.model.save_settings(
            typed, use_recent_loss=self.cs_recent.value, effective_from=self.cs_from.value
        )
        if self.show_result(self.cs_form, result):
            since = result.value.effective_from.isoformat()
            self.after_write(self.cs_form, self.tr("set.saved", since=since))

    # --- binding: menu items ---------------------------------------------------------------------------------

    def _on_item_pick(self) -> None:
        self.show_pick(self.model.item(self.m_pick.value), self.m_edit, self.m_toggle)

    def _new_item(self) -> None:
        if not self.model.new_item():
            return

        def clear() -> None:
            for name, field in self.m_fields.items():
                field.value = "cup" if name == "channel" else ""

        self.open_editor(self.m_form, self.m_form_box, clear)

    def _edit_item(self) -> None:
        values = self.model.edit_item(self.m_pick.value)
        if values is None:
            return

        def fill() -> None:
            for name in ITEM_FIELDS:
                self.m_fields[name].value = values[name]

        self.open_editor(self.m_form, self.m_form_box, fill)

    def _close_item_form(self) -> None:
        self.model.close_item()
        self.m_form.clear()
        hide(self.m_form_box)

    def _save_item(self) -> None:
        values = {name: f.value for name, f in self.m_fields.items()}
        if self.show_result(self.m_form, self.model.save_item(values)):
            self._close_item_form()
            self.after_write(self.m_tools_form, self.tr("set.item_saved", code=values["code"]))

    def _toggle_item(self) -> None:
        result = self.model.toggle_item(self.m_pick.value)
        if result.value is not None and self.show_result(self.m_tools_form, result):
            key = "cat.deactivated" if result.value["active"] else "cat.reactivated"
            self.after_write(self.m_tools_form, self.tr(key, code=result.value["code"]))

    # --- binding: users and the idle sign-out ------------------------------------------------------------------

    def _on_user_pick(self) -> None:
        user = self.model.user(self.uc_user.value)
        if user is None:
            return

        def fill() -> None:
            self.uc_role.value = user["role"]
            self.uc_active.value = bool(user["active"])
            self.uc_password.value = ""

        self.quietly(fill)

    def _add_user(self) -> None:
        values = {name: f.value for name, f in self.u_fields.items()}
        if self.show_result(self.u_form, self.model.add_user(values)):
            self.quietly(lambda: [setattr(f.widget, "value", "") for n, f in self.u_fields.items() if n != "role"])
            self.after_write(self.u_form, self.tr("set.user_added", username=values["username"]))

    def _update_user(self) -> None:
        username = self.uc_user.value
        result = self.model.update_user(
            username, role=self.uc_role.value, password=self.uc_password.value, active=bool(self.uc_active.value)
        )
        if not self.show_result(self.uc_form, result):
            return
        self.quietly(lambda: setattr(self.uc_password.widget, "value", ""))
        if result.value:  # the model signed this person out: their rights changed
            return
        self.after_write(self.uc_form, self.tr("set.user_saved", username=username))

    def _save_idle(self) -> None:
        result = self.model.save_idle(self.i_minutes.value)
        if self.show_result(self.i_form, result):
            minutes = result.value
            self.quietly(lambda: setattr(self.i_minutes.widget, "value", str(minutes)))
            key = "set.idle_saved" if minutes else "set.idle_never"
            self.i_form.set_status("ok", self.tr(key, minutes=minutes))

    # --- binding: Korean names, language -------------------------------------------------------------------------

    def _picked_term(self) -> tuple[str, str]:
        kind, _, word = str(self.t_word.widget.value or "").partition("|")
        return kind, word

    def _on_term_pick(self) -> None:
        own = self.model.own_name(*self._picked_term())
        self.quietly(lambda: setattr(self.t_name.widget, "value", own))

    def _save_term(self) -> None:
        kind, word = self._picked_term()
        if self.show_result(self.t_form, self.model.save_term(kind, word, self.t_name.value)):
            shown = term(kind, word, "ko", self.model.term_names)
            self.after_write(self.t_form, self.tr("set.term_saved", value=word, name=shown))

    def _on_language(self) -> None:
        setter = getattr(self.ctx, "set_language", None)
        if callable(setter):
            setter(self.language.value)

"""The two screens before the app: sign-in, and the first run of a new real database (create the
owner with the setup code). Widgets and labels only: the shell (ui/app.py) signs people in
through the store's limits (themoon.signin) when a button is clicked."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from .forms import Field, Form, button, classes, esc, text_input
from .i18n import t


class SignInScreen:
    """Username, password, the sign-in button and its status line."""

    def __init__(self, on_sign_in: Callable[[], None]) -> None:
        self.title = classes(widgets.HTML(), "themoon-card-title")
        self.note = classes(widgets.HTML(), "themoon-note")
        self.user = Field("username", text_input(continuous=False), "f.username")
        self.password = Field("password", widgets.Password(), "f.password")
        self.form = Form([self.user, self.password])
        self.button = button("primary", "themoon-sign-in")
        self.button.on_click(lambda _b: on_sign_in())
        parts = [self.title, self.note, self.user.box, self.password.box, self.button, self.form.status]
        self.box = classes(widgets.VBox(parts), "themoon-card", "themoon-auth", "themoon-signin")

    def relabel(self, lang: str, *, is_demo: bool) -> None:
        self.title.value = esc(t("auth.title", lang))
        self.note.value = esc(t("auth.demo_hint" if is_demo else "auth.note", lang))
        self.form.relabel(lang)
        self.button.description = t("auth.sign_in", lang)


class FirstRunScreen:
    """The setup code, the owner's username, name and password (twice), and the create button."""

    def __init__(self, on_create: Callable[[], None]) -> None:
        self.title = classes(widgets.HTML(), "themoon-card-title")
        self.note = classes(widgets.HTML(), "themoon-note")
        self.fields = {
            "setup_code": Field("setup_code", text_input(), "f.setup_code"),
            "username": Field("username", text_input(), "f.username"),
            "display_name": Field("display_name", text_input(), "f.display_name"),
            "password": Field("password", widgets.Password(), "f.password"),
            "password_repeat": Field("password_repeat", widgets.Password(), "f.password_repeat"),
        }
        self.form = Form(self.fields.values())
        self.button = button("primary", "themoon-create-owner")
        self.button.on_click(lambda _b: on_create())
        parts = [self.title, self.note, *[f.box for f in self.fields.values()], self.button, self.form.status]
        self.box = classes(widgets.VBox(parts), "themoon-card", "themoon-auth", "themoon-first-run")

    def relabel(self, lang: str) -> None:
        self.title.value = esc(t("auth.first_title", lang))
        self.note.value = esc(t("auth.first_note", lang))
        self.form.relabel(lang)
        self.button.description = t("auth.create_owner", lang)

    def forget_secrets(self) -> None:
        """After the owner was created: the passwords and the setup code leave the page."""
        for name in ("password", "password_repeat", "setup_code"):
            self.fields[name].value = ""

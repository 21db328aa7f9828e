"""Two of Voilà's HTTP handlers, made to answer as a web server should (installed by
`themoon.serve.configure_voila` in the Voilà server process, through `configure`):

- `/logout` (jupyter_server's handler renders a page that needs a `static_path` setting standalone
  Voilà does not have: 500) clears the login cookie and redirects to the sign-in page, for token
  and password sessions alike;
- `/voila/templates/<template>/static/<file>`: a path that is not of that form, or that climbs out
  with `..` (typed, or encoded as `%2e%2e`), is a 404 instead of an AssertionError or ValueError
  inside Voilà's handler (500).
"""

from __future__ import annotations

import posixpath
from typing import Any

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web
from voila.static_file_handler import TemplateStaticFileHandler


class LogoutHandler(JupyterHandler):
    """Sign out of the server: the login cookie is cleared, then the sign-in page."""

    @allow_unauthenticated
    def get(self) -> None:
        self.identity_provider.clear_login_cookie(self)
        self.set_header("Cache-Control", "no-store")
        self.redirect(url_path_join(self.base_url, "login"))


def template_static_path(path: Any) -> str:
    """`<template>/static/<file>` as asked, or HTTPError 404: no `..`, no empty or dot segment, no
    backslash or NUL, nothing but a file under a template's static folder."""
    if not isinstance(path, str) or "\\" in path or "\x00" in path:
        raise web.HTTPError(404)
    parts = path.split("/")
    if len(parts) < 3 or parts[1] != "static" or any(p in ("", ".", "..") for p in parts):
        raise web.HTTPError(404)
    if posixpath.normpath(path) != path:
        raise web.HTTPError(404)
    return path


class TemplateStaticFiles(TemplateStaticFileHandler):
    """Voilà's template static files, with malformed and climbing paths answered 404."""

    def parse_url_path(self, url_path: str) -> str:
        return super().parse_url_path(template_static_path(url_path))

    @classmethod
    def get_absolute_path(cls, root: str, path: str) -> str:
        return super().get_absolute_path(root, template_static_path(path))


def configure(c: Any) -> None:
    """Use these handlers in the Voilà server being configured (`c` is its config), and let a
    kernel that ended itself stay ended.

    A dashboard kernel exits when its session ends (themoon.ui.session). jupyter_client would
    restart it — as an empty kernel that no page can use, since Voilà runs the notebook only at
    a page's request — and keep it until culled; with no restarts allowed, the server removes
    it from its kernels at once ("died, removing from map").
    """
    import voila.app

    c.IdentityProvider.logout_handler_class = LogoutHandler
    c.KernelRestarter.restart_limit = 0
    # Voilà builds its handler list from this module-level name when it starts (after config).
    voila.app.TemplateStaticFileHandler = TemplateStaticFiles

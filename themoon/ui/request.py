"""What a page's request tells its kernel: where it came from, the language it asks for, the
pinned "today". Voilà hands a kernel its request as environment variables (QUERY_STRING, the
allow-listed HTTP_* headers); a preheated kernel receives them late (`prelaunch.wait_for_request`).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import date

from .. import signin
from .i18n import LANGUAGES

log = logging.getLogger("themoon.ui")

_VOILA_ENV = ("VOILA_PREHEAT", "VOILA_KERNEL_ID", "VOILA_BASE_URL", "VOILA_REQUEST_URL")


def pinned_today() -> date | None:
    """$THEMOON_TODAY (YYYY-MM-DD) pins the dashboard's "today" — for demos and browser tests;
    unset (the normal case) or invalid means the real date."""
    text = os.environ.get("THEMOON_TODAY", "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        log.warning("ignored THEMOON_TODAY=%r (expected YYYY-MM-DD)", text)
        return None


def served_locally() -> bool:
    """True when only this machine can reach the page and nothing guards it: `themoon serve` says
    where it listens (THEMOON_SERVE_HOST) and what protects it (THEMOON_SERVER_AUTH: a token or a
    password means sign-in is wanted), and the server stamps each request that came through a
    proxy (HTTP_X_THEMOON_PROXIED, themoon.server_guard). A kernel outside Voilà (JupyterLab,
    tests) belongs to its user."""
    from ..serve import is_loopback

    if os.environ.get("HTTP_X_THEMOON_PROXIED", "0") != "0":
        return False
    if os.environ.get("THEMOON_SERVER_AUTH", "none") != "none":
        return False
    host = os.environ.get("THEMOON_SERVE_HOST")
    if host is not None:
        return is_loopback(host)
    return not any(name in os.environ for name in _VOILA_ENV)


def client_address() -> str:
    """The visitor's address as the server saw it (HTTP_X_THEMOON_CLIENT, stamped by
    themoon.server_guard; in a preheated kernel after `wait_for_request`): what sign-in limits count."""
    return signin.normalize_address(os.environ.get("HTTP_X_THEMOON_CLIENT"))


def _voila_request_info() -> dict[str, str]:
    """The visitor's request data, from the server's `voila/query/<kernel id>` websocket (one JSON
    message of environment variables: QUERY_STRING, the allow-listed HTTP_* headers…), which
    answers once the visitor has taken this kernel."""
    from websockets.sync.client import connect

    env = os.environ
    base = env.get("VOILA_WS_BASE_URL") or env.get("VOILA_SERVER_URL") or "/"
    url = (
        f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
        f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env.get('VOILA_KERNEL_ID', '')}"
    )
    with connect(url, open_timeout=30, max_size=2**20) as socket:
        message = socket.recv()
    info = json.loads(message)
    return {str(k): str(v) for k, v in info.items() if isinstance(k, str) and v is not None}


def requested_language() -> str | None:
    """The language the visitor asks for (`?lang=ko`) or chose before (the `themoon_lang` cookie,
    which the server hands the kernel as HTTP_X_THEMOON_LANG: themoon.server_guard), if valid."""
    from urllib.parse import parse_qs

    asked = parse_qs(os.environ.get("QUERY_STRING", "")).get("lang", [""])[-1]
    chosen = os.environ.get("HTTP_X_THEMOON_LANG", "")
    codes = {code for _label, code in LANGUAGES}
    for value in (asked, chosen):
        if value.strip().lower() in codes:
            return value.strip().lower()
    return None

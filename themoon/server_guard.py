"""Checks the Voilà server makes before any kernel is involved (runs in the server process only).

`GuardedIdentityProvider` is jupyter_server's password/token identity provider with three checks
in front. Voilà asks the identity provider who the visitor is in every Jupyter handler's
`prepare()` — before the page handler's `get()` starts or takes a kernel — so what it refuses
costs no kernel. `themoon.serve.configure_voila` installs it (`Voila.identity_provider_class`,
a documented Voilà setting; the preheat/prelaunch hooks would come too late or exclude preheat).

1. A request that came through a reverse proxy (it carries X-Forwarded-For, Forwarded or
   X-Real-IP) while the server has neither a token nor a password hash gets a page, in English
   and Korean, saying what to set and where (403). On 127.0.0.1 behind nginx "loopback" means
   nothing: without this, whoever reached the public URL first would create the owner account.
2. A page view that would start a kernel while `max_kernels()` visitors' kernels already run
   gets a "busy" page (503, Retry-After) instead of a machine that runs out of memory.
3. Every request is stamped with the client's address (X-Themoon-Client, what the kernel's
   sign-in limits count) and whether it came through a proxy (X-Themoon-Proxied). Both replace
   anything the browser sent; `configure_voila` passes them to kernels (`http_header_envs`), where
   they arrive as HTTP_X_THEMOON_CLIENT / HTTP_X_THEMOON_PROXIED.
"""

from __future__ import annotations

import html
import inspect
import ipaddress
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from jupyter_server.auth.identity import PasswordIdentityProvider
from tornado import web

from .ui.i18n import t

PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
CLIENT_HEADER = "X-Themoon-Client"
PROXIED_HEADER = "X-Themoon-Proxied"
# The visitor's language (cookie themoon_lang, written by static/themoon-lang.js): kernels get this
# header, never the Cookie header itself, which also carries the sign-in cookie.
LANG_HEADER = "X-Themoon-Lang"
LANG_COOKIE = "themoon_lang"
# What one dashboard kernel holds: 61 MB RSS once the Overview of the 18-month demo had drawn
# its charts, 87 MB with every tab opened (benchmarks/dashboard_load.py, Dec 2026), the analytics
# engine being the server's one process (themoon/ui/engine_service.py). A kernel that falls back to
# an engine of its own holds 185–400 MB; reading a big workbook takes more for a while. 150 MB.
KERNEL_RSS_MB = 150
RETRY_AFTER_S = 60
log = logging.getLogger("themoon.server")


def chosen_language(handler: web.RequestHandler) -> str:
    """The language code in the visitor's `themoon_lang` cookie: two lowercase letters, else ""."""
    value = handler.get_cookie(LANG_COOKIE) or ""
    return value if len(value) == 2 and value.isascii() and value.isalpha() and value.islower() else ""


def is_proxied(headers: Mapping[str, str]) -> bool:
    """Whether a reverse proxy forwarded the request (any of PROXY_HEADERS present)."""
    return any(headers.get(name) is not None for name in PROXY_HEADERS)


def trusted_proxies(env: Mapping[str, str] | None = None) -> list:
    """Networks whose proxies may name the client (THEMOON_TRUSTED_PROXIES: comma-separated
    addresses or CIDRs; default this machine only). Docker Compose adds its bridge networks: the
    app's port is published on the host's loopback only, so only the host reaches it through them."""
    env = os.environ if env is None else env
    text = (env.get("THEMOON_TRUSTED_PROXIES") or "").strip() or "127.0.0.0/8,::1"
    networks = []
    for part in text.split(","):
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            log.warning("ignored %r in THEMOON_TRUSTED_PROXIES (not an address or network)", part)
    return networks


def client_address(remote_ip: str | None, headers: Mapping[str, str], trusted: list | None = None) -> str:
    """Who is asking: the peer, or — when the peer is a trusted proxy (this machine, unless
    THEMOON_TRUSTED_PROXIES says more) — the address the proxy names (X-Real-IP, else the last
    X-Forwarded-For hop, which our proxy appended). Any other peer cannot name another address."""
    peer = (remote_ip or "").strip()
    try:
        peer_ip = ipaddress.ip_address(peer)
    except ValueError:
        return "unknown"
    trusted = trusted_proxies() if trusted is None else trusted
    if any(peer_ip.version == net.version and peer_ip in net for net in trusted) and is_proxied(headers):
        candidates = [headers.get("X-Real-IP") or ""]
        candidates.append((headers.get("X-Forwarded-For") or "").split(",")[-1])
        for candidate in candidates:
            try:
                return str(ipaddress.ip_address(candidate.strip()))
            except ValueError:
                continue
        return "unknown"
    return peer


def available_memory_bytes(
    meminfo: str | None = None, cgroup_max: str | None = None, cgroup_current: str | None = None
) -> int | None:
    """Memory a new kernel could use: MemAvailable, or less when our cgroup (systemd MemoryMax=,
    a container limit) leaves less. None when unknown."""
    if meminfo is None:
        meminfo = _read(Path("/proc/meminfo"))
        cgroup = _own_cgroup_dir()
        if cgroup is not None:
            cgroup_max, cgroup_current = _read(cgroup / "memory.max"), _read(cgroup / "memory.current")
    available = None
    for line in (meminfo or "").splitlines():
        if line.startswith("MemAvailable:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                available = int(parts[1]) * 1024
    limit, used = (cgroup_max or "").strip(), (cgroup_current or "").strip()
    if limit.isdigit() and used.isdigit():
        room = max(0, int(limit) - int(used))
        available = room if available is None else min(available, room)
    return available


def max_kernels(env: Mapping[str, str] | None = None, available: int | None = -1) -> int:
    """How many visitors' kernels may run at once: THEMOON_MAX_KERNELS, else the memory free now
    divided by one kernel's RSS (THEMOON_KERNEL_RSS_MB, default KERNEL_RSS_MB); at least 1."""
    env = os.environ if env is None else env
    text = (env.get("THEMOON_MAX_KERNELS") or "").strip()
    if text:
        if text.isdigit() and int(text) >= 1:
            return int(text)
        log.warning("ignored THEMOON_MAX_KERNELS=%r (expected a whole number ≥ 1)", text)
    rss_text = (env.get("THEMOON_KERNEL_RSS_MB") or "").strip()
    rss_mb = int(rss_text) if rss_text.isdigit() and int(rss_text) > 0 else KERNEL_RSS_MB
    if available == -1:
        available = available_memory_bytes()
    if available is None:
        return 8  # memory unknown (not Linux): a café's handful of tablets
    return max(1, available // (rss_mb * 2**20))


def visitor_kernels(kernel_manager) -> int:
    """Kernels serving visitors: all running kernels less the ones Voilà keeps ready (preheat)."""
    running = len(kernel_manager.list_kernel_ids())
    pools = getattr(kernel_manager, "_pools", None) or {}
    ready = sum(len(pool) for pool in pools.values())
    return max(0, running - ready)


def page(title_key: str, body_key: str, **values: object) -> str:
    """A small self-contained HTML page in English and Korean (no kernel, no script)."""
    sections = []
    for lang in ("en", "ko"):
        body = html.escape(t(body_key, lang, **values)).replace("\n", "<br>")
        sections.append(f'<section lang="{lang}"><h1>{html.escape(t(title_key, lang))}</h1><p>{body}</p></section>')
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(t(title_key, 'en'))}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;"
        "color:#1f1a17;line-height:1.5}h1{font-size:1.3rem}section+section{border-top:1px solid #ddd;"
        "margin-top:2rem}code{background:#f3efe9;padding:0 .2rem}</style></head>"
        f'<body class="themoon-server-page">{"".join(sections)}</body></html>'
    )


def refuse(handler: web.RequestHandler, status: int, title_key: str, body_key: str, **values: object) -> None:
    """End the request with one of our pages (raises tornado's Finish: nothing else runs)."""
    handler.clear()
    handler.set_status(status)
    handler.set_header("Content-Type", "text/html; charset=UTF-8")
    handler.set_header("Cache-Control", "no-store")
    if status == 503:
        handler.set_header("Retry-After", str(RETRY_AFTER_S))
    raise web.Finish(page(title_key, body_key, **values))


def _is_page_view(handler: web.RequestHandler) -> bool:
    """The dashboard page itself: the one request that starts (or takes) a kernel."""
    from voila.handler import VoilaHandler

    return (
        isinstance(handler, VoilaHandler)
        and handler.request.method == "GET"
        and not any(arg for arg in (handler.path_args or ()))
    )


class GuardedIdentityProvider(PasswordIdentityProvider):
    """jupyter_server's token/password identity, behind themoon's proxy and kernel checks."""

    _max_kernels: int | None = None
    _trusted: list | None = None

    def credentials_configured(self) -> bool:
        return bool(self.token) or bool(self.hashed_password)

    def kernel_limit(self) -> int:
        if self._max_kernels is None:
            self._max_kernels = max_kernels()
            log.info("themoon: at most %d dashboard kernels at once", self._max_kernels)
        return self._max_kernels

    async def get_user(self, handler: web.RequestHandler):
        headers = handler.request.headers
        proxied = is_proxied(headers)
        if self._trusted is None:
            self._trusted = trusted_proxies()
        headers[CLIENT_HEADER] = client_address(handler.request.remote_ip, headers, self._trusted)
        headers[PROXIED_HEADER] = "1" if proxied else "0"
        headers[LANG_HEADER] = chosen_language(handler)
        if proxied and not self.credentials_configured():
            handler.log.warning(
                "themoon: refused a proxied request (no token or password is set): %s", handler.request.path
            )
            refuse(handler, 403, "server.proxy_title", "server.proxy_body")
        user = super().get_user(handler)
        if inspect.isawaitable(user):
            user = await user
        if user is not None and _is_page_view(handler):
            limit = self.kernel_limit()
            running = visitor_kernels(handler.kernel_manager)
            if running >= limit:
                handler.log.warning("themoon: refused a page: %d of %d dashboard kernels running", running, limit)
                refuse(handler, 503, "server.busy_title", "server.busy_body", n=running, s=RETRY_AFTER_S)
        return user


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _own_cgroup_dir() -> Path | None:
    """This process's cgroup v2 directory, if there is one."""
    text = _read(Path("/proc/self/cgroup")) or ""
    for line in text.splitlines():
        if line.startswith("0::"):
            path = Path("/sys/fs/cgroup") / line[3:].strip().lstrip("/")
            return path if (path / "memory.max").is_file() else None
    return None

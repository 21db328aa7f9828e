"""Serving the dashboard: standalone Voilà with our offline template, kernels culled, safe defaults.

`themoon serve` (and `make run`) call `serve()`, which replaces the current process with
`voila_command(...)` run under `env_for_voila(...)`. Tests start the same command line as a
subprocess. Standalone Voilà only (never the Jupyter server extension, which would expose code
execution, file contents and terminals); the server listens on 127.0.0.1 unless told otherwise,
and refuses any other address without a token or a password.

What must stay off the command line (`ps` shows it to every local user) reaches Voilà another
way: the token in JUPYTER_TOKEN, the password hash in THEMOON_PASSWORD_HASH, and the cookie
secret in a file of mode 600 (`cookie_secret_file`). Voilà reads them in our config file
(`themoon/voila_config/voila.py`, the only Voilà config file it loads), which calls
`configure_voila` inside the server process.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import stat
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from . import config, db

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE = "themoon"
# A closed tab frees its kernel within IDLE_KERNEL_TIMEOUT_S + CULL_INTERVAL_S (2 minutes): a kernel
# with an open page stays (cull_connected=False), and Voilà never culls its preheated pool.
IDLE_KERNEL_TIMEOUT_S = 90
CULL_INTERVAL_S = 30
# The template's stylesheet: a kernel-free URL that answers once the server is up.
PROBE_PATH = f"voila/templates/{TEMPLATE}/static/themoon.css"
# Settings holding paths that kernels (started in the notebook's directory) must see absolute.
_PATH_SETTINGS = ("THEMOON_DATA_DIR", "THEMOON_LOG_DIR", "THEMOON_BACKUP_DIR", "THEMOON_REPORTS_DIR")
# Our Voilà config file (voila.py: Voilà looks for that name in each of Voila.config_file_paths).
VOILA_CONFIG_DIR = PACKAGE_DIR / "voila_config"
# Signs the login cookies: kept across restarts (a new one signs everyone out). In the data dir.
COOKIE_SECRET_NAME = "voila_cookie_secret"
COOKIE_SECRET_MIN_BYTES = 32
# Kernel websocket messages (a FileUpload travels as one): tornado's default, 10 MiB, would drop
# the connection on a big file before the importers can refuse it with a clear message. More than
# 100 MiB would not help: tornado's read buffer (max_buffer_size, which Voilà does not set) is that.
WEBSOCKET_MAX_MESSAGE_BYTES = 100 * 1024 * 1024
# What kernels are told one upload may hold (THEMOON_UPLOAD_MAX_MB, read by themoon.ui.imports):
# the message limit less 1 MiB for the message's own fields (header, file names and types).
UPLOAD_MAX_MB = WEBSOCKET_MAX_MESSAGE_BYTES // 2**20 - 1
# Non-secret marker on the command line: a password was asked for. Voilà ignores this setting;
# `configure_voila` refuses to start when it is there but no hash reached the server.
PASSWORD_REQUIRED_FLAG = "--PasswordIdentityProvider.password_required=True"
# What jupyter_server.auth.passwd makes: argon2:$argon2id$v=19$m=10240,t=10,p=8$<salt>$<hash>
_ARGON2_HASH = re.compile(r"argon2:\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{8,}\$[A-Za-z0-9+/]{16,}")


class ServeError(RuntimeError):
    """The dashboard cannot be served as asked."""


def jupyter_data_dir() -> Path:
    """The `share/jupyter` directory holding our template (source checkout or installed prefix)."""
    candidates = [PACKAGE_DIR.parent / "share" / "jupyter", Path(sys.prefix) / "share" / "jupyter"]
    for candidate in candidates:
        if (candidate / "voila" / "templates" / TEMPLATE / "conf.json").is_file():
            return candidate
    raise ServeError(f"the '{TEMPLATE}' Voilà template was not found in {', '.join(map(str, candidates))}")


def default_notebook() -> Path:
    return PACKAGE_DIR.parent / "notebooks" / "dashboard.ipynb"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None, password_hash: str | None) -> None:
    """Refuse to listen beyond this machine when nothing protects the dashboard."""
    if not is_loopback(host) and not token and not password_hash:
        raise ServeError(
            f"refusing to serve on {host!r} without a token or a password: anyone on the network could "
            "use the dashboard. Set THEMOON_TOKEN (or pass --token) or a password hash "
            "(THEMOON_PASSWORD_HASH, from jupyter_server.auth.passwd), or serve on 127.0.0.1 behind a "
            "reverse proxy that authenticates."
        )


def check_password_hash(password_hash: str) -> str:
    """The hash, stripped, if it is an argon2 hash from `jupyter_server.auth.passwd`."""
    value = password_hash.strip()
    if not _ARGON2_HASH.fullmatch(value):
        raise ServeError(
            "THEMOON_PASSWORD_HASH is not an argon2 hash: make one with "
            "python -c \"from jupyter_server.auth import passwd; print(passwd('the password'))\" "
            "(it starts with argon2:$argon2id$; in docker compose files keep it in single quotes, "
            "or every $ is expanded)"
        )
    return value


def cookie_secret_file(env: Mapping[str, str] | None = None) -> Path:
    """Where the cookie secret lives: $THEMOON_COOKIE_SECRET_FILE, else `voila_cookie_secret` in
    $THEMOON_DATA_DIR (else the default data directory); absolute."""
    env = os.environ if env is None else env
    explicit = (env.get("THEMOON_COOKIE_SECRET_FILE") or "").strip()
    if explicit:
        path = Path(explicit)
    else:
        data = (env.get("THEMOON_DATA_DIR") or "").strip()
        path = (Path(data) if data else config.data_dir()) / COOKIE_SECRET_NAME
    return path.expanduser().resolve()


def _read_cookie_secret(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY)  # FileNotFoundError: not made yet
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ServeError(f"the cookie secret {path} is not a regular file")
        if info.st_uid != os.getuid():
            raise ServeError(
                f"the cookie secret {path} belongs to another user (uid {info.st_uid}): run the server as "
                "its owner, or delete the file (a new one is made at the next start; everyone signs in again)"
            )
        if info.st_mode & 0o077:
            raise ServeError(
                f"the cookie secret {path} is readable by others (mode {stat.S_IMODE(info.st_mode):o}), so it "
                "may have leaked: delete it (a new one is made at the next start; everyone signs in again), "
                "or, if nobody else could read it, chmod 600 it"
            )
        data = os.read(fd, 4096)
    finally:
        os.close(fd)
    secret = data.strip()
    if len(secret) < COOKIE_SECRET_MIN_BYTES:
        raise ServeError(
            f"the cookie secret {path} holds {len(secret)} bytes, fewer than {COOKIE_SECRET_MIN_BYTES}: "
            "delete it (a new one is made at the next start; everyone signs in again)"
        )
    return secret


def cookie_secret(path: str | os.PathLike) -> bytes:
    """The secret that signs login cookies, read from `path`; made there first if missing.

    A new file gets 64 random hex digits (32 bytes of randomness) with mode 600, written to a
    temporary file (mode 600 from the start) and then hard-linked into place: never partial, never
    replacing a file another server made meanwhile (that one is used). An existing file must be a
    regular file of this user that nobody else can read (else ServeError, with what to do).
    """
    path = Path(path)
    try:
        return _read_cookie_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # O_EXCL, mode 600
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(secrets.token_hex(COOKIE_SECRET_MIN_BYTES).encode() + b"\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another server made it first: use that one
    finally:
        os.unlink(temporary)
    return _read_cookie_secret(path)


def configure_voila(c) -> None:
    """Fill the Voilà config `c` (called by themoon/voila_config/voila.py in the server process).

    Reads the cookie secret file (made if missing) and the password hash, which it then removes
    from the environment the kernels inherit; allows no password change, serves no files from
    /voila/files (nothing there is needed, and Voilà serves them without credentials), and lets
    kernel websocket messages be up to WEBSOCKET_MAX_MESSAGE_BYTES.
    """
    from . import server_guard

    path = os.environ.get("THEMOON_COOKIE_SECRET_FILE") or cookie_secret_file(os.environ)
    c.Voila.cookie_secret = cookie_secret(path)
    c.Voila.tornado_settings = {"websocket_max_message_size": WEBSOCKET_MAX_MESSAGE_BYTES}
    c.VoilaConfiguration.file_allowlist = []
    # Proxied requests without server credentials, and kernels beyond what memory allows, are
    # refused before any kernel starts; every request is stamped with the client's address,
    # which kernels receive for the sign-in limits (themoon.server_guard).
    c.Voila.identity_provider_class = "themoon.server_guard.GuardedIdentityProvider"
    c.VoilaConfiguration.http_header_envs = [
        server_guard.CLIENT_HEADER,
        server_guard.PROXIED_HEADER,
        server_guard.LANG_HEADER,  # the language kept across reloads (themoon.ui.app.requested_language)
    ]
    c.PasswordIdentityProvider.allow_password_change = False
    from . import web  # /logout that works, 404 for climbing template paths

    web.configure(c)
    password_hash = os.environ.pop("THEMOON_PASSWORD_HASH", "").strip()
    if password_hash:
        c.PasswordIdentityProvider.hashed_password = check_password_hash(password_hash)
    elif PASSWORD_REQUIRED_FLAG in sys.argv:
        raise ServeError("a password was asked for, but THEMOON_PASSWORD_HASH did not reach the server")
    configure_light_page(c)
    start_shared_engine()


def start_shared_engine() -> tuple[subprocess.Popen, Path] | None:
    """Start the analytics engine every kernel of this server asks (themoon/ui/engine_service.py),
    unless THEMOON_SHARED_ENGINE is 0 (then each kernel loads its own, as before issue #12)."""
    if not config.env_flag("THEMOON_SHARED_ENGINE", default=True):
        os.environ.pop("THEMOON_ENGINE", None)
        return None
    from .ui import engine_service

    return engine_service.start(config.db_path(None))


# --- a light page (issue #12) ---------------------------------------------------------------------------

# plotly.js the template loads for the charts: the npm cartesian partial bundle, fetched at install
# time by `make install` (Makefile reads this line), the same plotly.js version as the plotly wheel.
PLOTLY_JS_VERSION = "4.1.1"
PLOTLY_BUNDLE = f"vendor/plotly-cartesian-{PLOTLY_JS_VERSION}.min.js"  # under the template's static/
# Federated labextensions the page must not load: Voilà waits for every one before it starts, and
# jupyterlab-plotly is one 4.8 MB chunk (all of plotly.js, plus an off-screen PNG redraw of every
# figure); our template draws the charts itself (static/themoon-charts.js). Pygments only styles
# code, which the dashboard never shows.
EXTENSION_DENYLIST = ["jupyterlab-plotly", "jupyterlab_pygments", "@voila-dashboards/jupyterlab-preview"]
# Seconds Voilà waits before refilling its preheated pool after a visitor takes a kernel: the new
# kernel's start and app build would otherwise compete with that visitor's page for the CPU.
POOL_FILL_DELAY_S = 20.0


def light_page_config(page_config: dict, base_url: str = "/", **_: object) -> dict:
    """Voilà's `page_config_hook`: what the page's JavaScript is told.

    MathJax: with no MathJax URL the page loads MathJax 3 (two chunks, ~320 kB) and typesets every
    HTML widget; with `fullMathjaxUrl` naming our tiny no-op (static/no-mathjax.js, it typesets
    nothing: the dashboard shows no TeX), nothing of MathJax is fetched or run. `themoonPlotlyUrl`
    tells themoon-charts.js where plotly.js is.
    """
    static = f"{base_url.rstrip('/')}/voila/templates/{TEMPLATE}/static"
    page_config = dict(page_config)
    page_config["fullMathjaxUrl"] = f"{static}/no-mathjax.js"
    page_config["mathjaxConfig"] = "none"
    page_config["themoonPlotlyUrl"] = f"{static}/{PLOTLY_BUNDLE}"
    return page_config


def plotly_bundle_path() -> Path:
    """Where `make install` put plotly.js (ServeError, saying how to get it, when it is missing)."""
    path = jupyter_data_dir() / "voila" / "templates" / TEMPLATE / "static" / PLOTLY_BUNDLE
    if not path.is_file():
        raise ServeError(f"plotly.js for the charts is missing ({path}): run `make install` (it fetches it from npm)")
    return path


def configure_light_page(c) -> None:
    """The settings that keep the page light (called by `configure_voila`): no labextension the
    dashboard does not use, no MathJax, and no pool refill during a visitor's page render."""
    c.VoilaConfiguration.extension_denylist = list(EXTENSION_DENYLIST)
    c.VoilaConfiguration.page_config_hook = light_page_config
    c.VoilaKernelManager.fill_delay = POOL_FILL_DELAY_S


def voila_command(
    notebook: Path,
    *,
    port: int = 8866,
    host: str = "127.0.0.1",
    token: str | None = None,
    preheat: int = 0,
    password_hash: str | None = None,
) -> list[str]:
    """The Voilà command line serving `notebook`.

    A token never appears on the command line (where `ps` shows it): with a token, Voilà is told
    to use one (`auto_token`) and reads it from JUPYTER_TOKEN, which `env_for_voila(token=...)`
    sets. Nor does a password hash: it travels in THEMOON_PASSWORD_HASH, which
    `env_for_voila(password_hash=...)` sets (pass both the same); the command line only says that
    a password is required, and the server refuses to start if none arrives. Voilà loads only our
    config file (VOILA_CONFIG_DIR). `preheat` > 0 keeps that many kernels ready (pages in ~0.02 s
    instead of seconds).
    """
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ServeError(f"port must be 1–65535, got {port!r}")
    if not isinstance(preheat, int) or preheat < 0:
        raise ServeError(f"preheat must be a whole number ≥ 0, got {preheat!r}")
    if not host or any(c.isspace() for c in host):
        raise ServeError(f"invalid host {host!r}")
    plotly_bundle_path()  # the charts cannot draw without it
    if not (VOILA_CONFIG_DIR / "voila.py").is_file():
        # without it Voilà would start with a throwaway cookie secret and no password
        raise ServeError(f"themoon's Voilà config file is missing: {VOILA_CONFIG_DIR / 'voila.py'}")
    command = [
        sys.executable,
        "-m",
        "voila",
        str(Path(notebook)),
        "--no-browser",
        f"--template={TEMPLATE}",
        "--theme=light",
        f"--Voila.ip={host}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        "--show_tracebacks=False",
        # kernels outlive closed tabs: cull the idle ones; a tab left open keeps its kernel
        f"--MappingKernelManager.cull_idle_timeout={IDLE_KERNEL_TIMEOUT_S}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_S}",
        "--MappingKernelManager.cull_connected=False",
        # only our config file (cookie secret, password hash, no /voila/files, websocket size):
        # no voila.py / voila.json from the working directory or ~/.jupyter
        f"--Voila.config_file_paths={VOILA_CONFIG_DIR}",
    ]
    if token:
        command.append("--Voila.auto_token=True")
    if password_hash:
        command.append(PASSWORD_REQUIRED_FLAG)
    if preheat:
        command += ["--preheat_kernel=True", f"--pool_size={preheat}"]
    return command


def env_for_voila(
    db_path: str | os.PathLike | None = None,
    *,
    token: str | None = None,
    base: dict[str, str] | None = None,
    host: str = "127.0.0.1",
    password_hash: str | None = None,
) -> dict[str, str]:
    """The environment of the Voilà server and its kernels.

    `token` goes in JUPYTER_TOKEN, `password_hash` in THEMOON_PASSWORD_HASH (our Voilà config file
    takes it out again before kernels start); without them both are removed, so a hash in the
    environment or `.env` protects the server only when passed here (as `serve()` does).
    THEMOON_COOKIE_SECRET_FILE is set to where the cookie secret lives (`cookie_secret_file`), and
    THEMOON_UPLOAD_MAX_MB to the upload size the server's websocket takes (UPLOAD_MAX_MB).

    THEMOON_SERVE_HOST tells the kernels where the server listens and THEMOON_SERVER_AUTH what
    protects it (token, password or none): a demo database opens signed in as the demo owner only
    on a loopback address with no credentials (themoon.ui.app.served_locally), and never for a
    proxied request (the server refuses those without credentials).

    THEMOON_DB and the data/log/backup/report directories are made absolute (kernels run in the
    notebook's directory, and do not see this directory's `.env`), our `share/jupyter`
    goes first on JUPYTER_PATH so `--template=themoon` is found, and a source checkout goes on
    PYTHONPATH so kernels import this `themoon` even when it is not installed.
    """
    config.load_dotenv()  # kernels start in notebooks/ and would miss ./.env: pass it on
    database = Path(config.db_path(db_path)).expanduser().resolve()
    env = dict(os.environ if base is None else base)
    env["THEMOON_DB"] = str(database)
    env["THEMOON_SERVE_HOST"] = host
    env.setdefault("THEMOON_DATA_DIR", "data")
    for name in _PATH_SETTINGS:
        if env.get(name, "").strip():
            env[name] = str(Path(env[name].strip()).expanduser().resolve())
    env["THEMOON_COOKIE_SECRET_FILE"] = str(cookie_secret_file(env))
    env["THEMOON_UPLOAD_MAX_MB"] = str(UPLOAD_MAX_MB)  # the server's limit, not a setting
    env["JUPYTER_PATH"] = os.pathsep.join(
        [str(jupyter_data_dir()), *[p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]]
    )
    source_root = PACKAGE_DIR.parent
    if (source_root / "pyproject.toml").is_file():
        env["PYTHONPATH"] = os.pathsep.join(
            [str(source_root), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
        )
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # quiets the debugger warning of every kernel
    # what protects the server (not the secret itself): a demo opens signed in only without any
    env["THEMOON_SERVER_AUTH"] = "token" if token else "password" if password_hash else "none"
    if token:
        env["JUPYTER_TOKEN"] = token
    else:
        env.pop("JUPYTER_TOKEN", None)
        env.pop("JUPYTER_TOKEN_FILE", None)
    if password_hash:
        env["THEMOON_PASSWORD_HASH"] = password_hash
    else:
        env.pop("THEMOON_PASSWORD_HASH", None)
    return env


def serve(
    notebook: str | os.PathLike | None = None,
    *,
    db_path: str | os.PathLike | None = None,
    port: int = 8866,
    host: str = "127.0.0.1",
    token: str | None = None,
    password_hash: str | None = None,
    preheat: int = 0,
    behind_proxy: bool | None = None,
) -> None:
    """Replace this process with the Voilà server (does not return).

    `token` / `password_hash` default to $THEMOON_TOKEN / $THEMOON_PASSWORD_HASH. An existing
    database is migrated first (so no visitor's kernel ever has to); a missing one is left to
    the dashboard, which says how to create it. An existing cookie secret file is checked here
    (a missing one is made by Voilà's config file, `configure_voila`). A database without an owner
    gets a first-run setup code, printed to stderr and the log (themoon.signin).

    `behind_proxy` (default $THEMOON_BEHIND_PROXY, set by the systemd unit) refuses to start
    without a token or a password hash, whatever the host: a reverse proxy makes any host public.
    """
    config.load_dotenv()  # THEMOON_TOKEN & co. may live in .env
    token = token or os.environ.get("THEMOON_TOKEN") or None
    password_hash = password_hash or os.environ.get("THEMOON_PASSWORD_HASH") or None
    check_exposure(host, token, password_hash)
    if password_hash:
        password_hash = check_password_hash(password_hash)
    notebook = Path(notebook) if notebook else default_notebook()
    if not notebook.is_file():
        raise ServeError(f"dashboard notebook not found: {notebook}")
    if behind_proxy is None:
        behind_proxy = config.env_flag("THEMOON_BEHIND_PROXY")
    if behind_proxy and not token and not password_hash:
        raise ServeError(
            "THEMOON_BEHIND_PROXY is set but neither THEMOON_TOKEN nor THEMOON_PASSWORD_HASH is: behind a reverse "
            "proxy anyone who reaches the public address would use the dashboard. Set one of them (docs/operations.md, "
            "'Reverse proxy')."
        )
    path = Path(config.db_path(db_path)).expanduser().resolve()
    if path.is_file():
        conn = db.connect(path)
        try:
            from . import signin

            signin.announce_setup_code(conn, str(path))  # nothing when an owner exists (a demo has one)
        finally:
            conn.close()
    else:
        print(f"themoon: no database at {path} yet (create it with `themoon init`)", file=sys.stderr)
    command = voila_command(notebook, port=port, host=host, token=token, preheat=preheat, password_hash=password_hash)
    env = env_for_voila(path, token=token, host=host, password_hash=password_hash)
    try:  # refuse a bad cookie secret file before Voilà starts (Voilà makes a missing one)
        _read_cookie_secret(Path(env["THEMOON_COOKIE_SECRET_FILE"]))
    except FileNotFoundError:
        pass
    print(f"themoon: serving {notebook.name} on http://{host}:{port}/ (database {path})", file=sys.stderr)
    sys.stderr.flush()
    sys.stdout.flush()
    os.execve(command[0], command, env)

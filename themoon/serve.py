"""Serving the dashboard: standalone Voilà with our offline template, kernels culled, safe defaults.

`themoon serve` (and `make run`) call `serve()`, which replaces the current process with
`voila_command(...)` run under `env_for_voila(...)`. Tests start the same command line as a
subprocess. Standalone Voilà only (never the Jupyter server extension, which would expose code
execution, file contents and terminals); the server listens on 127.0.0.1 unless told otherwise,
and refuses any other address without a token or a password.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

from . import config, db

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE = "themoon"
IDLE_KERNEL_TIMEOUT_S = 600
CULL_INTERVAL_S = 60
# The template's stylesheet: a kernel-free URL that answers once the server is up.
PROBE_PATH = f"voila/templates/{TEMPLATE}/static/themoon.css"
# Settings holding paths that kernels (started in the notebook's directory) must see absolute.
_PATH_SETTINGS = ("THEMOON_DATA_DIR", "THEMOON_LOG_DIR", "THEMOON_BACKUP_DIR", "THEMOON_REPORTS_DIR")


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
    sets. `preheat` > 0 keeps that many kernels ready (pages in ~0.02 s instead of seconds).
    """
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ServeError(f"port must be 1–65535, got {port!r}")
    if not isinstance(preheat, int) or preheat < 0:
        raise ServeError(f"preheat must be a whole number ≥ 0, got {preheat!r}")
    if not host or any(c.isspace() for c in host):
        raise ServeError(f"invalid host {host!r}")
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
    ]
    if token:
        command.append("--Voila.auto_token=True")
    if password_hash:
        command += [
            f"--PasswordIdentityProvider.hashed_password={password_hash}",
            "--PasswordIdentityProvider.allow_password_change=False",
        ]
    if preheat:
        command += ["--preheat_kernel=True", f"--pool_size={preheat}"]
    return command


def env_for_voila(
    db_path: str | os.PathLike | None = None,
    *,
    token: str | None = None,
    base: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> dict[str, str]:
    """The environment of the Voilà server and its kernels.

    THEMOON_SERVE_HOST tells the kernels where the server listens: a demo database served on a
    loopback address only opens signed in as the demo owner (themoon.ui.app.served_locally).

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
    if token:
        env["JUPYTER_TOKEN"] = token
    else:
        env.pop("JUPYTER_TOKEN", None)
        env.pop("JUPYTER_TOKEN_FILE", None)
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
) -> None:
    """Replace this process with the Voilà server (does not return).

    `token` / `password_hash` default to $THEMOON_TOKEN / $THEMOON_PASSWORD_HASH. An existing
    database is migrated first (so no visitor's kernel ever has to); a missing one is left to
    the dashboard, which says how to create it.
    """
    config.load_dotenv()  # THEMOON_TOKEN & co. may live in .env
    token = token or os.environ.get("THEMOON_TOKEN") or None
    password_hash = password_hash or os.environ.get("THEMOON_PASSWORD_HASH") or None
    check_exposure(host, token, password_hash)
    notebook = Path(notebook) if notebook else default_notebook()
    if not notebook.is_file():
        raise ServeError(f"dashboard notebook not found: {notebook}")
    path = Path(config.db_path(db_path)).expanduser().resolve()
    if path.is_file():
        db.connect(path).close()
    else:
        print(f"themoon: no database at {path} yet (create it with `themoon init`)", file=sys.stderr)
    command = voila_command(notebook, port=port, host=host, token=token, preheat=preheat, password_hash=password_hash)
    env = env_for_voila(path, token=token, host=host)
    print(f"themoon: serving {notebook.name} on http://{host}:{port}/ (database {path})", file=sys.stderr)
    sys.stderr.flush()
    sys.stdout.flush()
    os.execve(command[0], command, env)

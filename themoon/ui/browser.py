"""The dashboard in a real browser: Voilà started the way `themoon serve` starts it (a free port,
its own process group, stopped as a whole), and Debian's Chromium driven by Playwright.

Shared by `python -m themoon.screenshot`, the browser tests and benchmarks/dashboard_load.py.
Never `playwright install` (no browser download here): Debian's /usr/bin/chromium is used.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .. import serve

CHROMIUM = Path(os.environ.get("THEMOON_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
LOAD_TIMEOUT_MS = 120_000
# Every Overview chart card holds a drawn plotly plot (or says it has nothing to draw).
CHARTS_DRAWN = """() => {
  const cards = [...document.querySelectorAll('.themoon-tab-overview .themoon-chart')];
  return cards.length > 0 && cards.every(card =>
    card.querySelector('.js-plotly-plot .main-svg') !== null);
}"""
SIGNED_IN_OR_AUTH = """() => document.querySelector('.themoon-tab-overview .themoon-kpi') !== null
  || [...document.querySelectorAll('.themoon-auth')].some(e => e.offsetParent !== null)
  || [...document.querySelectorAll('.themoon-app-message')].some(e => e.offsetParent !== null)"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_url(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Poll a (kernel-free) URL until it answers 200; fail early if the server died."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"voila exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as error:
            last = error
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s ({last})")


def stop_process_group(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM the server's process group (voila and its kernels), then SIGKILL if needed."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path
    db_path: Path

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def kernels(self) -> dict[str, int]:
        """The server's kernel processes: kernel id → pid (from each kernel's connection file name)."""
        import psutil

        found = {}
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            return found
        for child in children:
            try:
                command = " ".join(child.cmdline())
            except psutil.Error:
                continue
            match = _KERNEL_FILE.search(command)
            if "ipykernel_launcher" in command and match:
                found[match.group(1)] = child.pid
        return found


_KERNEL_FILE = re.compile(r"kernel-([0-9a-f-]{36})\.json")


def page_kernel_id(page) -> str:
    """The id of the kernel a loaded Voilà page talks to (from its page config)."""
    return json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]


@contextmanager
def voila_server(
    db_path: str | os.PathLike,
    workdir: str | os.PathLike,
    *,
    env: dict[str, str] | None = None,
    preheat: int = 0,
    notebook: Path | None = None,
    timeout: float = 60,
    token: str | None = None,
    password_hash: str | None = None,
    port: int | None = None,
    as_served: bool = False,
) -> Iterator[Server]:
    """A Voilà server over `db_path` on a free 127.0.0.1 port, logs in `workdir`; stopped (the whole
    process group: voila and its kernels) on exit. `token` / `password_hash` protect it as
    `themoon serve` does beyond loopback (both travel in the environment). `port`: a given one
    (a restart on the same port keeps login cookies, whose name holds the port). The cookie secret
    file is the one `env` names, else the one in `env`'s THEMOON_DATA_DIR, else one in `workdir`
    (never the real data directory's).

    `as_served=True` runs the `themoon serve` command itself (`--db`, `--port`, every other option
    at the CLI's default: the preheated pool, the store migrated first), so the server is exactly
    the one production runs; `preheat` is then ignored."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    environment = serve.env_for_voila(db_path, token=token, password_hash=password_hash)
    environment.setdefault("THEMOON_LOG_DIR", str(workdir / "logs"))
    environment.update(env or {})
    if not (env or {}).get("THEMOON_COOKIE_SECRET_FILE"):
        data_dir = (env or {}).get("THEMOON_DATA_DIR") or str(workdir)
        environment["THEMOON_COOKIE_SECRET_FILE"] = str(serve.cookie_secret_file({"THEMOON_DATA_DIR": data_dir}))
    log_path = workdir / f"voila-{port}.log"
    if as_served:
        if notebook is not None:
            raise ValueError("themoon serve serves the dashboard notebook only")
        environment = {**os.environ, **environment, **(env or {})}
        if "THEMOON_PREHEAT" not in (env or {}):
            environment.pop("THEMOON_PREHEAT", None)  # the CLI's own default
        for name, value in (("THEMOON_TOKEN", token), ("THEMOON_PASSWORD_HASH", password_hash)):
            if value:
                environment[name] = value
            else:
                environment.pop(name, None)
        command = [sys.executable, "-m", "themoon.cli", "serve", "--db", str(db_path), "--port", str(port)]
    else:
        command = serve.voila_command(
            notebook or serve.default_notebook(), port=port, preheat=preheat, token=token, password_hash=password_hash
        )
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, env=environment, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(f"http://127.0.0.1:{port}/", port, process, log_path, Path(db_path))
    try:
        wait_for_url(server.url + serve.PROBE_PATH, process, timeout=timeout)
        yield server
    finally:
        stop_process_group(process)


def launch_chromium(playwright, **kwargs):
    """Debian's Chromium, headless (fails clearly when it is not installed)."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: `make browser` installs Debian's chromium (apt-get install chromium)"
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, **kwargs)


def full_height(page, *, extra: int = 40) -> int:
    """The height the page needs to show everything without scrolling (Voilà's lab shell scrolls
    inside #main, so a "full page" screenshot would stop at the viewport)."""
    return int(
        page.evaluate(
            """() => Math.max(document.body.scrollHeight,
                 ...[...document.querySelectorAll('#rendered_cells, #main, #jp-main-content-panel')]
                    .map(e => e.scrollHeight))"""
        )
        + extra
    )


def screenshot_full(page, path: str | os.PathLike) -> None:
    """A screenshot of the whole app: the viewport grown to the content's height, then restored."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(full_height(page), size["height"])})
    page.wait_for_timeout(400)  # plotly re-lays out on resize
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)


def wait_for_dashboard(page, *, timeout_ms: int = LOAD_TIMEOUT_MS, charts: bool = True) -> None:
    """Until Voilà is done (#loading gone, cells rendered, the lab app up) and the app shows either
    the Overview with every chart drawn, the sign-in screen, or its message."""
    page.wait_for_selector("#loading", state="detached", timeout=timeout_ms)
    page.wait_for_selector("#rendered_cells", state="visible", timeout=timeout_ms)
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=timeout_ms)
    page.wait_for_selector(".themoon-app", timeout=timeout_ms)
    page.wait_for_function(SIGNED_IN_OR_AUTH, timeout=timeout_ms)
    if charts and page.locator(".themoon-tab-overview .themoon-kpi").count():
        page.wait_for_function(CHARTS_DRAWN, timeout=timeout_ms)

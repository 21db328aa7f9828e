"""One analytics engine for all the dashboard kernels of a server (issue #12: lean kernels).

Each kernel used to load its own DuckDB engine (`themoon.analytics`): pandas, numpy and duckdb
imported (≈ 80 MB) and the store loaded (≈ 45 MB on the demo, ≈ 250 MB at a million batches), in
every visitor's kernel and every preheated one. Now the Voilà server starts one engine process
(`start`, called by our Voilà config file, `serve.configure_voila`); kernels ask it through
`themoon.ui.remote_reads.RemoteReads`, which imports none of those libraries.

The engine answers only the `Reads` methods (`METHODS`), each with the store's latest data
(`Analytics.refresh` first, as a kernel's own engine did), and only with plain Python values
(`plain`): a kernel never unpickles a pandas or numpy object, so never imports them.

The socket lives in a private folder (mode 700, made by `tempfile.mkdtemp`); connections are
authenticated with a random key (`multiprocessing.connection`'s HMAC challenge, before anything is
unpickled) kept in a file of mode 600 beside it. The engine stops with the server: it watches its
parent process, and removes its folder on the way out.
"""

from __future__ import annotations

import argparse
import atexit
import ctypes
import dataclasses
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any

from ..models import ValidationError
from .reads import EngineReads, Reads, Unavailable

log = logging.getLogger("themoon.engine")

ENV = "THEMOON_ENGINE"  # the engine's folder, in the kernels' environment
SOCKET_NAME = "engine.sock"
KEY_NAME = "key"
FOLDER_PREFIX = "themoon-engine-"
# what a kernel may ask: the tabs' read interface (themoon/ui/reads.py), and the store's fingerprint
METHODS = frozenset({name for name, value in vars(Reads).items() if callable(value) and not name.startswith("_")}) | {
    "fingerprint"
}
_PLAIN_TYPES = (str, int, float, bool, type(None), date, datetime, Fraction, Decimal, Unavailable)


# --- plain values -------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """`value` with numpy scalars, pandas timestamps and missing markers turned into Python's own
    (int, float, bool, datetime, None), through dicts, lists, tuples and dataclasses."""
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return value
    if kind is dict:
        return {plain(k): plain(v) for k, v in value.items()}
    if kind in (list, tuple):
        return kind(plain(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    module = kind.__module__.split(".")[0]
    if module == "pandas":
        if kind.__name__ in ("NaTType", "NAType"):
            return None
        if kind.__name__ == "Timestamp":
            return value.to_pydatetime()
    if module == "numpy":
        if getattr(value, "shape", None) == ():
            return value.item()
        return [plain(v) for v in value.tolist()]
    return value  # pickled as it is (a kernel imports its module to read it: tests keep this out)


# --- the engine process ----------------------------------------------------------------------------


class Engine:
    """The server's analytics engine: loaded when it starts (else at the next question: the store
    may not exist yet when the server starts), then brought up to date before each answer."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.lock = threading.Lock()  # one question at a time: the engine and its caches are shared
        self.analytics: Any = None
        self.reads: EngineReads | None = None

    def load(self) -> str | None:
        """Load the engine if it is not; None when ready, else why it cannot run here."""
        if self.analytics is not None:
            return None
        from .. import db

        if not self.db_path.is_file():
            return "no database"
        conn = db.connect(self.db_path, migrate=False)
        try:
            if db.current_version(conn) != db.schema_version():
                return "schema version"
        finally:
            conn.close()
        from ..analytics import Analytics

        started = time.perf_counter()
        self.analytics = Analytics(self.db_path)
        self.reads = EngineReads(self._fresh)
        release_freed_memory()
        _event("engine.loaded", seconds=round(time.perf_counter() - started, 3), rss_mb=_rss_mb())
        return None

    def _fresh(self) -> Any:
        if self.analytics.refresh():
            release_freed_memory()
        return self.analytics

    def answer(self, request: Any) -> tuple:
        """The reply to one request `(method, args, kwargs)`: ("ok", value), ("invalid", …) for a
        ValidationError, ("unavailable", why) when the engine cannot run, ("error", text)."""
        try:
            method, args, kwargs = request
            if not isinstance(method, str) or method not in METHODS:
                return ("error", f"not a read: {method!r}")
            with self.lock:
                why = self.load()
                if why is not None:
                    return ("unavailable", why)
                if method == "fingerprint":
                    value = self._fresh().fingerprint()
                else:
                    value = getattr(self.reads, method)(*args, **dict(kwargs))
                return ("ok", plain(value))
        except ValidationError as error:
            return ("invalid", error.field, error.key, error.values, error.message, error.message_ko)
        except Exception as error:
            log.exception("engine: %s failed", request[0] if isinstance(request, tuple) and request else "?")
            return ("error", f"{type(error).__name__}: {error}")


def release_freed_memory() -> None:
    """Give memory freed by a load back to the system (glibc keeps it otherwise)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _rss_mb() -> int:
    try:
        import psutil

        return round(psutil.Process().memory_info().rss / 2**20)
    except Exception:
        return -1


def _event(name: str, **fields: Any) -> None:
    try:
        from ..ops import logs

        logs.event(name, logger="engine", **fields)
    except Exception:
        pass


def _serve_connection(engine: Engine, conn: Connection) -> None:
    with conn:
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                return
            try:
                conn.send(engine.answer(request))
            except (OSError, ValueError):
                return


def _watch_parent(parent: int, folder: Path) -> None:
    """Stop when the server that started us is gone (also when it was killed)."""
    while os.getppid() == parent:
        time.sleep(1)
    shutil.rmtree(folder, ignore_errors=True)
    os._exit(0)


def run(db_path: Path, folder: Path, parent: int | None = None) -> None:
    """Serve kernels' questions on `folder`'s socket until the parent process goes away. The store
    is loaded at once; questions that come meanwhile wait for it."""
    key = (folder / KEY_NAME).read_bytes()
    engine = Engine(db_path)
    if parent is not None:
        threading.Thread(target=_watch_parent, args=(parent, folder), daemon=True).start()
    with engine.lock:
        listener = Listener(str(folder / SOCKET_NAME), family="AF_UNIX", backlog=64, authkey=key)
        threading.Thread(target=_accept, args=(engine, listener), daemon=True).start()
        _event("engine.listening", folder=str(folder), db=str(db_path))
        try:
            engine.load()
        except Exception:
            log.exception("engine: load failed")
    try:
        while True:
            time.sleep(3600)
    finally:
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)


def _accept(engine: Engine, listener: Listener) -> None:
    while True:
        try:
            conn = listener.accept()
        except OSError:  # a peer without the key (AuthenticationError) or one gone meanwhile
            continue
        threading.Thread(target=_serve_connection, args=(engine, conn), daemon=True).start()


# --- starting it (in the Voilà server) ----------------------------------------------------------------


def make_folder() -> Path:
    """A private folder (mode 700) with a new key file (mode 600)."""
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
    fd = os.open(folder / KEY_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_bytes(32))
    return folder


def start(db_path: str | os.PathLike, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Path]:
    """Start the engine process for `db_path`; its folder goes in `env` (default os.environ) as
    THEMOON_ENGINE, so kernels started afterwards find it. Stopped when this process exits."""
    folder = make_folder()
    process = subprocess.Popen(
        [sys.executable, "-m", "themoon.ui.engine_service", "--db", str(db_path), "--folder", str(folder)]
        + ["--parent", str(os.getpid())],
        stdin=subprocess.DEVNULL,
        env={**os.environ, "THEMOON_ENGINE": ""},
    )
    atexit.register(stop, process, folder)
    (os.environ if env is None else env)[ENV] = str(folder)
    return process, folder


def stop(process: subprocess.Popen, folder: Path) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
    shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The dashboard kernels' shared analytics engine.")
    parser.add_argument("--db", required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--parent", type=int, help="stop when this process is gone (default: our parent)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # unwind: the folder is removed
    try:
        from ..ops import logs

        logs.setup()
    except Exception:
        pass
    run(Path(args.db), Path(args.folder), parent=args.parent or os.getppid())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The tabs' reads, answered by the server's shared analytics engine (themoon/ui/engine_service.py).

A kernel of a served dashboard finds the engine's folder in THEMOON_ENGINE and asks it every
`Reads` question over its socket; the answers are plain Python values, so this kernel never imports
pandas, numpy or duckdb. When the engine cannot answer (it is gone, or cannot load the store), the
kernel falls back for good to a reader of its own (`fallback`: its own engine, else the store) and
logs why: slower to start and heavier, but the page goes on.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from multiprocessing.connection import Client, Connection
from pathlib import Path
from typing import Any

from ..costing import CostSettings
from ..models import ValidationError
from .engine_service import ENV, KEY_NAME, SOCKET_NAME
from .reads import Reads, Unavailable

log = logging.getLogger("themoon.ui")

# A question waits this long for its answer: the engine may be loading a million batches.
ANSWER_TIMEOUT_S = 180.0
START_WAIT_S = 30.0  # for the socket of an engine that is starting (Python and its imports)


class EngineGone(RuntimeError):
    """The shared engine did not answer (or cannot run): use a reader of our own."""


def engine_folder(env: dict[str, str] | None = None) -> Path | None:
    """The shared engine's folder, if this kernel was started by a server that runs one."""
    value = (os.environ if env is None else env).get(ENV, "").strip()
    return Path(value) if value else None


class RemoteReads(Reads):
    """`Reads` over the shared engine; `fallback()` makes the reader used once it is gone."""

    engine = True

    def __init__(self, folder: Path, fallback: Callable[[], Reads]) -> None:
        self.folder = Path(folder)
        self._fallback = fallback
        self._local: Reads | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    @property
    def remote(self) -> bool:
        """Still asking the shared engine (False once fallen back to a reader of our own)."""
        return self._local is None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # --- asking ---------------------------------------------------------------------------------

    def _connect(self) -> Connection:
        """A connection to the engine; waits (START_WAIT_S) for a starting engine's socket."""
        socket = self.folder / SOCKET_NAME
        deadline = time.monotonic() + START_WAIT_S
        while not socket.exists() and self.folder.is_dir() and time.monotonic() < deadline:
            time.sleep(0.05)
        key = (self.folder / KEY_NAME).read_bytes()
        return Client(str(socket), family="AF_UNIX", authkey=key)

    def _ask(self, method: str, args: tuple, kwargs: dict) -> Any:
        with self._lock:
            for attempt in (1, 2):  # a connection the engine dropped: once more, on a new one
                try:
                    if self._conn is None:
                        self._conn = self._connect()
                    self._conn.send((method, args, kwargs))
                    if not self._conn.poll(ANSWER_TIMEOUT_S):
                        raise EngineGone(f"no answer to {method} in {ANSWER_TIMEOUT_S:.0f} s")
                    reply = self._conn.recv()
                    break
                except (OSError, EOFError) as error:
                    if self._conn is not None:
                        self._conn.close()
                        self._conn = None
                    if attempt == 2:
                        raise EngineGone(f"{type(error).__name__}: {error}") from error
                except EngineGone:
                    self._conn.close()  # type: ignore[union-attr]
                    self._conn = None
                    raise
        status = reply[0]
        if status == "ok":
            return reply[1]
        if status == "invalid":
            field, key, values, message, message_ko = reply[1:]
            raise ValidationError(field, key, **values) if key else ValidationError(field, message, message_ko)
        if status == "unavailable":
            raise EngineGone(reply[1])
        raise RuntimeError(f"the analytics engine failed: {reply[1]}")

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self._local is None:
            try:
                return self._ask(method, args, kwargs)
            except EngineGone as error:
                log.warning("ui reads: the shared analytics engine did not answer (%s); using our own", error)
                self.close()
                self._local = self._fallback()
        if method == "fingerprint":
            return None
        return getattr(self._local, method)(*args, **kwargs)

    # --- the reads ------------------------------------------------------------------------------

    def fingerprint(self) -> Any:
        """The store's fingerprint as the engine last loaded it (None once fallen back)."""
        return self._call("fingerprint")

    def settings_on(self, on: date) -> CostSettings:
        return self._call("settings_on", on)

    def green_costs(self, on: date) -> dict[int, Fraction | None]:
        return self._call("green_costs", on)

    def stock(self, on: date | None = None) -> list[dict]:
        return self._call("stock", on)

    def runout(self, on: date) -> dict[str, date | None] | Unavailable:
        return self._call("runout", on)

    def product_costs(self, on: date) -> list[dict]:
        return self._call("product_costs", on)

    def menu_costs(self, on: date) -> list[dict]:
        return self._call("menu_costs", on)

    def what_if(self, on: date, **values: Any) -> list[dict]:
        return self._call("what_if", on, **values)

    def overview(self, since: date, until: date, *, product: str | None = None) -> dict[str, Any]:
        return self._call("overview", since, until, product=product)

    def sales_kpis(self, since: date, until: date) -> dict[str, Any]:
        return self._call("sales_kpis", since, until)

    def sales(self, since: date, until: date) -> dict[str, Any]:
        return self._call("sales", since, until)

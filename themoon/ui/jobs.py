"""Background work for the tabs (an import, a report run, an export): one job at a time per tab.

A run takes seconds to minutes, so it happens in a daemon thread and the kernel stays responsive.
The work gets a `progress(done, total)` callback, called on the worker thread (a bar's value may be
set from there: ipywidgets sends it at once). Its end (the result, or the exception that stopped it)
is handed back to the kernel's thread: through the event loop that was running when the job
started (`call_soon_threadsafe`), or, without one (tests, plain Python), queued until `wait()` or
the next `start()` runs it. So a tab's `done`/`failed` never races the kernel's own callbacks (the
kernel's SQLite connection, other tabs redrawing).

There is no cancelling: the importers and report runners have no point at which to stop safely,
and none was offered before.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from .forms import report_unexpected

Progress = Callable[[int, int], None]


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running on this thread (the kernel's), or None."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Jobs:
    """A tab's one background job at a time: `start(work, done=…, failed=…)`, `busy`, `wait()`.

    `where` names the job in the log; `crashed` runs (on the kernel's thread) when `done` or
    `failed` itself raised, so the tab can unlock its buttons and say something went wrong."""

    def __init__(self, where: str, *, user: Callable[[], str | None] = lambda: None) -> None:
        self.where = where
        self.user = user
        self.thread: threading.Thread | None = None
        self.crashed: Callable[[], None] | None = None
        self._busy = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        """A job started and its end not yet handed back."""
        return self._busy

    def start(
        self,
        work: Callable[[Progress], Any],
        *,
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
        progress: Progress | None = None,
    ) -> bool:
        """Run `work(progress)` in a worker thread; `done(result)` or `failed(error)` later on the
        kernel's thread. False (nothing started) while another job of this tab is running."""
        self.drain()
        with self._lock:
            if self._busy:
                return False
            self._busy = True
        self._loop = running_loop()
        report: Progress = progress or (lambda _done, _total: None)
        self.thread = threading.Thread(
            target=self._work, args=(work, report, done, failed), name=f"themoon-{self.where}", daemon=True
        )
        try:
            self.thread.start()
        except BaseException:
            self._busy = False
            raise
        return True

    def _work(
        self,
        work: Callable[[Progress], Any],
        progress: Progress,
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None,
    ) -> None:
        try:
            result = work(progress)
        except Exception as error:
            report_unexpected(f"{self.where}.worker", self.user())
            self._post(lambda error=error: failed(error) if failed is not None else None)
        else:
            self._post(lambda: done(result))

    def _post(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the kernel's thread (see the module's docstring)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._finish, fn)
                return
            except RuntimeError:  # the loop closed meanwhile
                pass
        with self._lock:
            self._queue.append(fn)

    def _finish(self, fn: Callable[[], None]) -> None:
        self._busy = False
        try:
            fn()
        except Exception:
            report_unexpected(f"{self.where}.finish", self.user())
            if self.crashed is not None:
                try:
                    self.crashed()
                except Exception:
                    report_unexpected(f"{self.where}.crashed", self.user())

    def drain(self) -> None:
        """Run the ends that were queued for want of an event loop."""
        with self._lock:
            queued, self._queue = self._queue, []
        for fn in queued:
            self._finish(fn)

    def wait(self, timeout: float | None = 120) -> None:
        """Wait for the running job and hand its end back here (tests; a notebook without a loop)."""
        thread = self.thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                raise TimeoutError(f"{self.where} is still running")
        self.drain()

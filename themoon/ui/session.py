"""A dashboard page's session, inside its kernel: how it ends, and what the browser may send.

Ending a session (sign-out, the owner's idle timeout, an account changed by someone else) closes
every widget of the signed-in views, so their state leaves the kernel: a widget-state request from
the page gets nothing of them back. The app keeps one line of text with the class `MARKER`;
our template's script (static/themoon-session.js) sees it and loads a fresh page
(`?signed_out=<reason>`): a new kernel, which shows the sign-in screen and says why. Leaving the
old page makes Voilà's own script shut its kernel down; the kernel also exits by itself
`EXIT_GRACE_S` later (for a client that runs no script), taking every cached result with it.

Guards (`install_guards`, once per kernel): every comm message from the browser passes through
here first — it counts as activity for the idle timeout, the signed-in user is re-read from the
store (`gate`), and a value a widget rejects (a dropdown index out of range, a date in year
99999, a malformed message) is logged in the kernel while the page gets only the field's own
message and the widget's real state back. Nothing the kernel logs or any traceback it shows goes
to the page: in a kernel, sys.stderr (and file descriptor 2) *is* the page.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as widgets

from . import lean_widgets
from .forms import esc, field_of, report_unexpected
from .i18n import t

log = logging.getLogger("themoon.ui")

# Why a session ended: shown on the sign-in screen of the fresh page (auth.ended.<reason>).
REASONS = ("signed_out", "idle", "account", "self")
MARKER = "themoon-session-ended"
EXIT_GRACE_S = 5.0
IDLE_TICK_S = 20.0
_VOILA_ENV = ("VOILA_KERNEL_ID", "VOILA_PREHEAT", "VOILA_REQUEST_URL")


def in_voila_kernel() -> bool:
    """True in a kernel Voilà started for a page (there, ending a session ends the kernel)."""
    return any(name in os.environ for name in _VOILA_ENV)


def requested_reason(query: str | None = None) -> str | None:
    """The `signed_out` reason of the page's request (Voilà's QUERY_STRING), allow-listed."""
    query = os.environ.get("QUERY_STRING", "") if query is None else query
    values = parse_qs(query or "", keep_blank_values=True).get("signed_out")
    if not values:
        return None
    return values[0] if values[0] in REASONS else "signed_out"


# --- activity (for the idle timeout) -------------------------------------------------------------


class Activity:
    """When the browser last sent something (any comm message: a click, a keystroke, a pick)."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def touch(self) -> None:
        self.last = time.monotonic()

    def idle_seconds(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self.last


activity = Activity()


class IdleWatch:
    """A daemon thread that posts `tick` onto the kernel's event loop every IDLE_TICK_S (widgets
    and the store's connection belong to that thread); stops with `stop()`."""

    def __init__(self, tick: Callable[[], None], loop: Any, every: float = IDLE_TICK_S) -> None:
        self._tick, self._loop, self._every = tick, loop, every
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="themoon-idle", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._loop.call_soon_threadsafe(self._tick)
            except RuntimeError:  # the loop closed: the kernel is going away
                return

    def stop(self) -> None:
        self._stop.set()


# --- ending ----------------------------------------------------------------------------------------


def ended_notice(reason: str, lang: str) -> widgets.HTML:
    """The one widget a page keeps after its session ended: what our template's script looks for."""
    reason = reason if reason in REASONS else "signed_out"
    html = f'<div class="{MARKER}" data-reason="{reason}">{esc(t("auth.signing_out", lang))}</div>'
    return widgets.HTML(html)


def _parts(widget: widgets.Widget) -> Iterable[widgets.Widget]:
    """The widgets `widget` holds in its traits (children, layout, style, …)."""
    for name in widget.keys:
        value = getattr(widget, name, None)
        if isinstance(value, widgets.Widget):
            yield value
        elif isinstance(value, tuple | list):
            yield from (v for v in value if isinstance(v, widgets.Widget))


def _own(widget: widgets.Widget) -> bool:
    """Not one of the Layout / Style models every widget shares (lean_widgets): those stay open."""
    return not lean_widgets.is_shared(widget)


def tree(roots: Iterable[widgets.Widget]) -> list[widgets.Widget]:
    """Every widget reachable from `roots` (themselves included)."""
    seen: dict[int, widgets.Widget] = {}
    stack = list(roots)
    while stack:
        w = stack.pop()
        if id(w) in seen:
            continue
        seen[id(w)] = w
        stack.extend(_parts(w))
    return list(seen.values())


def close_tree(roots: Iterable[widgets.Widget]) -> int:
    """Close `roots` and every widget they hold; returns how many were open."""
    closed = 0
    for w in tree(roots):
        if w.comm is not None and _own(w):
            w.close()
            closed += 1
    return closed


def close_all_but(keep: Iterable[widgets.Widget]) -> int:
    """Close every widget of this process but `keep` and what they hold; returns how many."""
    from ipywidgets.widgets.widget import _instances

    kept = {id(w) for w in tree(keep)}
    closed = 0
    for w in list(_instances.values()):
        if id(w) not in kept and w.comm is not None:
            w.close()
            closed += 1
    return closed


def exit_kernel_later(delay: float = EXIT_GRACE_S) -> threading.Timer:
    """End this kernel process `delay` seconds from now (the page has reloaded by then, and
    Voilà's script asked the server to shut it down; this is for a client that did not)."""

    def _exit() -> None:
        try:
            from ..ops import logs

            logs.event("ui.kernel_exit", logger="ui", reason="session ended")
            for handler in logging.getLogger("themoon").handlers:
                handler.flush()
        finally:
            os._exit(0)

    timer = threading.Timer(delay, _exit)
    timer.daemon = True
    timer.start()
    return timer


# --- guards on what the browser sends ------------------------------------------------------------------

_gate: list[Callable[[], bool]] = []


def set_gate(gate: Callable[[], bool] | None) -> None:
    """`gate()` runs before each comm message from the browser; False refuses the message."""
    _gate[:] = [gate] if gate is not None else []


def _allowed() -> bool:
    for gate in _gate:
        try:
            return bool(gate())
        except Exception:
            report_unexpected("session.gate", None)
            return False
    return True


def rejected(widget: widgets.Widget | None, where: str) -> None:
    """A value the widget could not take: logged (with its traceback) here, the field says so on
    the page, and the widget's real state goes back so the page shows what the kernel holds."""
    report_unexpected(where, None)
    if widget is None or widget.comm is None:
        return
    field = field_of(widget)
    if field is not None:
        field.set_error(t("err.bad_value", field.lang))
    try:
        widget.send_state()
    except Exception:
        report_unexpected(f"{where}.resync", None)


def handle_comm_msg(manager: Any, msg: Any) -> None:
    """What the kernel does with a comm message from the browser (instead of the comm manager's
    own handler, which logs a rejected value's traceback where the page sees it)."""
    activity.touch()
    content = msg.get("content") if isinstance(msg, dict) else None
    comm_id = content.get("comm_id") if isinstance(content, dict) else None
    comm = manager.comms.get(comm_id) if isinstance(comm_id, str) else None
    if comm is None:
        return
    if not _allowed():
        return
    from ipywidgets.widgets.widget import _instances

    widget = _instances.get(comm_id)
    try:
        if widget is not None and widget.comm is comm:
            widget_msg(widget, msg)
        else:
            comm.handle_msg(msg)  # the widget control comm (request_states) and any other
    except Exception:
        rejected(widget, "widget.message")


_SingleChoice = (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons)


def widget_msg(widget: widgets.Widget, msg: dict) -> None:
    """Widget._handle_msg without its decorator (which shows the traceback on the page and
    swallows the error): what the widget rejects raises here, for `rejected`."""
    from ipywidgets.widgets.widget import _put_buffers

    data = msg["content"]["data"]
    method = data["method"]
    buffers = msg.get("buffers") or []
    if method == "update" and "state" in data:
        state = data["state"]
        if not isinstance(state, dict):
            raise TypeError(f"widget state must be a dict, got {type(state).__name__}")
        if "buffer_paths" in data:
            _put_buffers(state, data["buffer_paths"], buffers)
        if isinstance(widget, _SingleChoice) and any(state.get(k, 0) is None for k in ("index", "value", "label")):
            # a dropdown's choice is always one of its options: the page never clears it
            raise ValueError("a choice cannot be cleared")
        widget.set_state(state)
    elif method == "request_state":
        widget.send_state()
    elif method == "custom" and "content" in data:
        widget._handle_custom_msg(data["content"], buffers)
    else:
        raise ValueError(f"unknown widget message method {method!r}")


def _guarded(name: str, handler: Callable, manager: Any) -> Callable:
    if name == "comm_msg":

        def comm_msg(stream, ident, msg):
            handle_comm_msg(manager, msg)

        return comm_msg

    def other(stream, ident, msg):
        activity.touch()
        try:
            handler(stream, ident, msg)
        except Exception:
            report_unexpected(f"widget.{name}", None)

    return other


def _log_traceback(*_args: Any, **_kwargs: Any) -> None:
    """Replaces the shell's showtraceback once the dashboard is built: an exception in a widget
    callback (ipywidgets shows those as a traceback on the page) goes to the log instead."""
    report_unexpected("widget.callback", None)


def install_guards(gate: Callable[[], bool] | None = None) -> bool:
    """Guard this kernel's comm handlers (see the module's docstring); idempotent. Returns False
    outside a kernel (tests, scripts)."""
    set_gate(gate)
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except Exception:
        return False
    kernel = getattr(shell, "kernel", None)
    manager = getattr(kernel, "comm_manager", None)
    if kernel is None or manager is None:
        return False
    _quiet_logging()
    if getattr(kernel, "_themoon_guarded", False):
        return True
    for name in ("comm_open", "comm_msg", "comm_close"):
        handler = kernel.shell_handlers.get(name)
        if handler is not None:
            kernel.shell_handlers[name] = _guarded(name, handler, manager)
    shell.showtraceback = _log_traceback
    kernel._themoon_guarded = True
    return True


def _quiet_logging() -> None:
    """Log records of every library (the comm manager's "Comm" logger, warnings) go to the
    server's log, never through logging's last resort, which writes to sys.stderr: the page."""
    from ..ops.logs import real_stderr

    root = logging.getLogger()
    if not any(getattr(h, "_themoon", False) for h in root.handlers):
        handler = logging.StreamHandler(real_stderr())
        handler.setLevel(logging.WARNING)
        handler._themoon = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    logging.captureWarnings(True)

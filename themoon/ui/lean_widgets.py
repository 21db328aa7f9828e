"""Fewer widget models on the page (issue #12: a tab opens in under 400 ms on a tablet).

ipywidgets gives every widget its own `Layout` model and most kinds their own `Style` model too:
one `HTML` is three models, each a message through the websocket and a model (and its view) the
browser builds before the tab can draw. The dashboard never changes a widget's layout or style
once made: hiding is a CSS class (`forms.hide`) and the looks come from themoon.css. So one
`Layout`, and one `Style` of each kind, can serve every widget — about a third of the models.

`share()` makes those shared instances the defaults of widgets made afterwards in this process
(the dashboard's kernel: `themoon.ui.app.App`). A widget given its own `layout=` or `style=`
keeps it. Shared models are never closed with a tab (`is_shared`, used by themoon.ui.session).

`batched()` goes further while a screen is built: a widget made inside it opens its comm (the
message that creates its model in the browser) only at the end, or when something already in the
page refers to it, carrying its state as it is then. Without it, a widget is created with its
state at construction, then sent one update per class added and per value the render sets: two
messages in three were such updates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import ipywidgets as widgets
from ipywidgets.widgets.trait_types import InstanceDict
from ipywidgets.widgets.widget import Widget

_shared: dict[type, widgets.Widget] = {}
# while batched(): widgets made but not yet opened, in the order they were made
_pending: dict[int, Widget] | None = None
_depth = 0
_open = Widget.open
_model_id = Widget.model_id


def _shared_default(trait: InstanceDict) -> None:
    klass = trait.klass

    def make() -> widgets.Widget:
        instance = _shared.get(klass)  # type: ignore[arg-type]
        if instance is None or (instance.comm is None and not pending(instance)):  # first use, or closed
            instance = _shared[klass] = klass()  # type: ignore[operator, index]
        return instance

    trait.make_dynamic_default = make  # type: ignore[method-assign]


def share() -> None:
    """From now on, widgets of this process share one Layout and one Style of each kind, and
    `batched()` defers their comms."""
    Widget.open = _deferred_open  # type: ignore[method-assign]
    Widget.model_id = property(_model_id_opening)  # type: ignore[method-assign, assignment]
    for cls in _widget_classes(widgets.DOMWidget):
        for name in ("layout", "style"):
            trait = cls.class_traits().get(name)
            if isinstance(trait, InstanceDict) and not getattr(trait, "_themoon_shared", False):
                _shared_default(trait)
                trait._themoon_shared = True  # type: ignore[attr-defined]


def is_shared(widget: widgets.Widget) -> bool:
    """Is `widget` one of the shared Layout / Style models (closed with nobody's tab)?"""
    return _shared.get(type(widget)) is widget


@contextmanager
def batched() -> Iterator[None]:
    """Widgets made inside open their comms at the end, each with its state as it is then
    (after `share()`; nests)."""
    global _pending, _depth
    if _pending is None:
        _pending = {}
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            try:
                for widget in list(_pending.values()):
                    _open_now(widget)
            finally:
                _pending = None


def pending(widget: Widget) -> bool:
    """Made inside `batched()` and not opened yet."""
    return _pending is not None and id(widget) in _pending


def _deferred_open(self: Widget) -> None:
    if _pending is not None and self.comm is None:
        _pending[id(self)] = self
        return
    _open(self)


def _open_now(widget: Widget) -> None:
    """Open `widget`, after the widgets its state refers to (the browser resolves those first)."""
    if _pending is None or _pending.pop(id(widget), None) is None:
        return
    for name in widget.keys:
        value = getattr(widget, name, None)
        for part in value if isinstance(value, tuple | list) else (value,):
            if isinstance(part, Widget):
                _open_now(part)
    _open(widget)


def _model_id_opening(self: Widget) -> str:
    """The model id; a pending widget that something in the page refers to opens now."""
    if self.comm is None and pending(self):
        _open_now(self)
    return _model_id.fget(self)  # type: ignore[attr-defined]


def _widget_classes(base: type) -> list[type]:
    found, stack = [], [base]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found

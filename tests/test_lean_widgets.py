"""Fewer widget models (themoon/ui/lean_widgets.py): the dashboard's widgets share one Layout and
one Style of each kind, hiding is a class (so hiding one widget never hides another), and a tab
sends about one model per widget instead of three."""

from __future__ import annotations

import comm
import ipywidgets as widgets
from browser_support import OWNER, signed_in
from comm.base_comm import BaseComm

from themoon.ui import lean_widgets, session
from themoon.ui.app import TABS
from themoon.ui.forms import hide, is_hidden


def test_widgets_made_after_share_use_one_layout_and_one_style_of_each_kind():
    lean_widgets.share()
    a, b, button = widgets.HTML("a"), widgets.HTML("b"), widgets.Button()
    assert a.layout is b.layout is button.layout and lean_widgets.is_shared(a.layout)
    assert a.style is b.style and button.style is not a.style and lean_widgets.is_shared(button.style)
    own = widgets.HTML(layout=widgets.Layout(width="10px"))
    assert own.layout is not a.layout and own.layout.width == "10px" and not lean_widgets.is_shared(own.layout)
    assert not lean_widgets.is_shared(a)


def test_hiding_one_widget_hides_only_that_one():
    lean_widgets.share()
    a, b = widgets.HTML("a"), widgets.HTML("b")
    hide(a)
    assert is_hidden(a) and not is_hidden(b) and a.layout.display is None
    hide(a, False)
    assert not is_hidden(a)


def test_a_closed_shared_layout_is_not_handed_to_new_widgets():
    lean_widgets.share()
    old = widgets.HTML().layout
    old.close()
    fresh = widgets.HTML().layout
    assert fresh is not old and fresh.comm is not None and lean_widgets.is_shared(fresh)


def test_every_tab_sends_about_one_model_per_widget(demo_path):
    app = signed_in(demo_path, OWNER)
    for key in TABS:
        app.open_tab(key)
        parts = session.tree([app.tabs[key].widget])
        shared = [w for w in parts if lean_widgets.is_shared(w)]
        own = [w for w in parts if not lean_widgets.is_shared(w)]
        # without sharing, each widget would bring its Layout and most their Style: ~3 models each
        assert len(shared) <= 12 and all(not isinstance(w, widgets.Layout) for w in own), key


class CountingComm(BaseComm):
    """A comm that records what it would send to the browser."""

    sent: list[tuple[str, dict]] = []

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        CountingComm.sent.append((msg_type, data or {}))


def test_a_new_tab_reaches_the_page_in_one_message_per_model(demo_path, monkeypatch):
    monkeypatch.setattr(comm, "create_comm", lambda *a, **k: CountingComm(*a, **k))
    app = signed_in(demo_path, OWNER)
    for key in TABS[1:]:
        CountingComm.sent = []
        app.open_tab(key)
        opens = [data for kind, data in CountingComm.sent if kind == "comm_open"]
        updates = [data for kind, data in CountingComm.sent if kind == "comm_msg"]
        # each model is created with its classes and values as shown; the few updates are the
        # app's own (the tab added to the page, the previous tab hidden, the active tab button)
        assert len(opens) >= 30 and len(updates) <= 5, (key, len(opens), len(updates))
        assert all("themoon-hidden" not in str(u) or "themoon-tab" in str(u) for u in updates), key

"""A served kernel's reads (themoon/ui/remote_reads.py): asked of the server's shared engine, so the
kernel never imports pandas, numpy or duckdb; and when that engine is gone, the page goes on with a
reader of the kernel's own, with the same numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from browser_support import DEMO_TODAY
from test_engine_service import comparable

from themoon.ui import engine_service
from themoon.ui.context import Context
from themoon.ui.reads import EngineReads
from themoon.ui.remote_reads import RemoteReads, engine_folder

HEAVY = ("pandas", "numpy", "duckdb")


@pytest.fixture()
def engine(demo_path):
    process, folder = engine_service.start(demo_path, {})
    yield folder
    engine_service.stop(process, folder)


def kernel_shown(demo_path, log_dir, env: dict[str, str]) -> dict:
    """A kernel-shaped process over the demo (the dashboard app built, every tab but Import opened):
    what it imported, its reader, every tab's text and value, and the errors it logged."""
    code = textwrap.dedent(
        f"""
        import json, sys
        from datetime import date
        from themoon.ui.app import TABS, App

        def shown(widget):
            out = [str(getattr(widget, name)) for name in ("value", "options", "description") if hasattr(widget, name)]
            for child in getattr(widget, "children", ()):
                out += shown(child)
            return out

        app = App({str(demo_path)!r}, today=date.fromisoformat({DEMO_TODAY.isoformat()!r}), autologin=True)
        assert app.screen == "app", app.screen
        texts = {{}}
        for key in TABS:
            if key != "imports":  # the Import tab only reads spreadsheets
                app.open_tab(key)
                texts[key] = shown(app.tabs[key].widget)
        print(json.dumps({{"heavy": [m for m in {HEAVY!r} if m in sys.modules],
                          "reads": type(app.ctx.reads).__name__, "texts": texts}}))
        """
    )
    environment = {
        **os.environ,
        "THEMOON_SERVE_HOST": "127.0.0.1",
        "THEMOON_SERVER_AUTH": "none",
        "THEMOON_LOG_DIR": str(log_dir),
        **env,
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=300, check=True
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    found["errors"] = sum(p.read_text().count("event=ui.error") for p in log_dir.glob("*.log*"))
    return found


def test_a_kernel_with_the_shared_engine_shows_the_same_without_pandas_numpy_or_duckdb(engine, demo_path, tmp_path):
    shared = kernel_shown(demo_path, tmp_path / "shared", {"THEMOON_ENGINE": str(engine)})
    assert shared["reads"] == "RemoteReads" and shared["heavy"] == [] and shared["errors"] == 0
    own = kernel_shown(demo_path, tmp_path / "own", {"THEMOON_ENGINE": ""})  # the positive control
    assert own["reads"] == "EngineReads" and set(own["heavy"]) == set(HEAVY) and own["errors"] == 0
    assert len(shared["texts"]) == 8
    for key, texts in own["texts"].items():
        assert shared["texts"][key] == texts, key
        assert len("".join(texts)) > 500, key  # the tab drew its content


def test_without_its_engine_a_kernel_reads_with_its_own(engine, demo_path, tmp_path):
    assert engine_folder({"THEMOON_ENGINE": str(engine)}) == engine and engine_folder({}) is None
    ctx = Context(demo_path, today=DEMO_TODAY)
    shared = RemoteReads(engine, fallback=lambda: EngineReads(ctx.analytics))
    stock = shared.stock()
    assert shared.remote
    gone = RemoteReads(tmp_path / "no-engine", fallback=lambda: EngineReads(ctx.analytics))
    assert gone.stock() == stock and not gone.remote
    since = DEMO_TODAY.replace(day=1)
    assert comparable(gone.overview(since, DEMO_TODAY)) == comparable(shared.overview(since, DEMO_TODAY))
    ctx.close()

"""The server's shared analytics engine (themoon/ui/engine_service.py): one process answers every
kernel's reads, equal to a kernel's own engine, in plain Python values, sees writes made by other
processes, answers nobody without the key, and stops with the server that started it."""

from __future__ import annotations

import io
import os
import pickle
import signal
import stat
import subprocess
import sys
import textwrap
import time
from datetime import date, datetime
from fractions import Fraction
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
from browser_support import DEMO_TODAY

from themoon import costing, serve
from themoon.models import ValidationError
from themoon.ui import engine_service
from themoon.ui.context import Context
from themoon.ui.reads import EngineReads
from themoon.ui.remote_reads import RemoteReads

SINCE = date(2026, 10, 1)
# every read a tab makes, with its arguments
READS = [
    ("settings_on", (DEMO_TODAY,), {}),
    ("green_costs", (DEMO_TODAY,), {}),
    ("stock", (), {}),
    ("stock", (DEMO_TODAY,), {}),
    ("runout", (DEMO_TODAY,), {}),
    ("product_costs", (DEMO_TODAY,), {}),
    ("menu_costs", (DEMO_TODAY,), {}),
    ("what_if", (DEMO_TODAY,), {"green_price_change_pct": "10", "dose_change_g": "1"}),
    ("overview", (SINCE, DEMO_TODAY), {}),
    ("overview", (SINCE, DEMO_TODAY), {"product": "blend:FULL-MOON"}),
    ("sales_kpis", (SINCE, DEMO_TODAY), {}),
    ("sales", (SINCE, DEMO_TODAY), {}),
]


@pytest.fixture()
def engine(demo_path):
    env: dict[str, str] = {}
    process, folder = engine_service.start(demo_path, env)
    assert env == {"THEMOON_ENGINE": str(folder)}
    yield process, folder
    engine_service.stop(process, folder)


def remote(folder: Path, demo_path: Path) -> RemoteReads:
    def no_fallback():
        raise AssertionError("the shared engine should have answered")

    return RemoteReads(folder, fallback=no_fallback)


def globals_pickled(value) -> set[str]:
    """The top-level modules unpickling `value` imports."""
    found: set[str] = set()

    class Recording(pickle.Unpickler):
        def find_class(self, module: str, name: str):
            found.add(module.split(".")[0])
            return super().find_class(module, name)

    Recording(io.BytesIO(pickle.dumps(value))).load()
    return found


def comparable(value):
    """`plain(value)` with NaN as a string (NaN equals nothing, itself included)."""
    value = engine_service.plain(value)
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [comparable(v) for v in value]
    return value


def test_plain_turns_numpy_and_pandas_values_into_python_ones():
    value = {
        "n": np.int64(3),
        "x": np.float64(1.5),
        "ok": np.bool_(True),
        "when": pd.Timestamp("2026-11-15"),
        "missing": pd.NaT,
        "na": pd.NA,
        "rows": [(np.int32(1), "a")],
        "array": np.array([1, 2]),
        "settings": costing.CostSettings(effective_from=date(2025, 1, 1)),
        "exact": Fraction(1, 3),
        "day": date(2026, 1, 2),
    }
    out = engine_service.plain(value)
    assert out == {
        "n": 3,
        "x": 1.5,
        "ok": True,
        "when": datetime(2026, 11, 15),
        "missing": None,
        "na": None,
        "rows": [(1, "a")],
        "array": [1, 2],
        "settings": costing.CostSettings(effective_from=date(2025, 1, 1)),
        "exact": Fraction(1, 3),
        "day": date(2026, 1, 2),
    }
    assert type(out["n"]) is int and type(out["x"]) is float and type(out["ok"]) is bool
    assert globals_pickled(out) <= {"datetime", "fractions", "themoon"}


def test_the_engine_answers_every_read_as_a_kernels_own_engine_does(engine, demo_path):
    _process, folder = engine
    shared = remote(folder, demo_path)
    ctx = Context(demo_path, today=DEMO_TODAY)
    own = EngineReads(ctx.analytics)
    for method, args, kwargs in READS:
        answer = getattr(shared, method)(*args, **kwargs)
        assert comparable(answer) == comparable(getattr(own, method)(*args, **kwargs)), method
        # a kernel unpickles only Python's and our own types: it never imports pandas or numpy
        assert globals_pickled(answer) <= {"builtins", "datetime", "fractions", "themoon"}, method
    assert shared.remote and shared.fingerprint() is not None
    shared.close()
    ctx.close()


def test_a_bad_what_if_input_comes_back_as_the_same_validation_error(engine, demo_path):
    shared = remote(engine[1], demo_path)
    with pytest.raises(ValidationError) as refused:
        shared.what_if(DEMO_TODAY, expected_loss_pct="abc")
    assert refused.value.field == "expected_loss_pct" and refused.value.message and refused.value.message_ko
    assert shared.remote  # an input error is not an engine failure
    ctx = Context(demo_path, today=DEMO_TODAY)
    with pytest.raises(ValidationError) as own:
        EngineReads(ctx.analytics).what_if(DEMO_TODAY, expected_loss_pct="abc")
    assert own.value.as_dict() == refused.value.as_dict()
    ctx.close()


def test_a_write_by_another_process_is_in_the_next_answer(engine, demo_path):
    shared = remote(engine[1], demo_path)
    before = {r["bean"]: r["stock_g"] for r in shared.stock()}
    code = textwrap.dedent(
        f"""
        from themoon import db, inventory
        conn = db.connect({str(demo_path)!r})
        inventory.add_purchase(conn, bean="KEN-MASAI-AA", grams=12345, total_won=80000, purchased_on="2026-11-15")
        conn.close()
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    after = {r["bean"]: r["stock_g"] for r in shared.stock()}
    assert after["KEN-MASAI-AA"] == before["KEN-MASAI-AA"] + 12345
    assert {k: v for k, v in after.items() if k != "KEN-MASAI-AA"} == {
        k: v for k, v in before.items() if k != "KEN-MASAI-AA"
    }


def test_only_reads_are_answered_and_only_with_the_key(engine):
    _process, folder = engine
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / engine_service.KEY_NAME).stat().st_mode) == 0o600
    socket = str(folder / engine_service.SOCKET_NAME)
    deadline = time.monotonic() + 30
    while not os.path.exists(socket):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    key = (folder / engine_service.KEY_NAME).read_bytes()
    with Client(socket, family="AF_UNIX", authkey=key) as conn:
        for method in ("close", "__class__", "snapshot", ("stock",)):
            conn.send((method, (), {}))
            assert conn.recv()[0] == "error", method
        conn.send(("stock", (), {}))
        status, rows = conn.recv()
        assert status == "ok" and rows  # the positive control
    with pytest.raises((AuthenticationError, OSError, EOFError)):  # refused before any question
        with Client(socket, family="AF_UNIX", authkey=b"x" * 32) as conn:
            conn.send(("stock", (), {}))
            conn.recv()


def test_the_engine_stops_with_the_server_that_started_it(demo_path, tmp_path):
    """A server killed outright (no atexit) leaves no engine behind, nor its folder."""
    found = tmp_path / "engine.txt"
    code = textwrap.dedent(
        f"""
        import os, time
        from themoon.ui import engine_service
        process, folder = engine_service.start({str(demo_path)!r}, {{}})
        open({str(found)!r}, "w").write(f"{{process.pid}} {{folder}}")
        time.sleep(600)
        """
    )
    server = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        while not found.exists() or not found.read_text():
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.1)
        pid, folder = found.read_text().split(" ", 1)
        assert psutil.pid_exists(int(pid)) and Path(folder).is_dir()
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    deadline = time.monotonic() + 60
    while (alive := running(int(pid))) or Path(folder).exists():
        assert time.monotonic() < deadline, f"the engine outlived its server: running {alive}, folder {folder}"
        time.sleep(0.2)


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_the_voila_config_starts_one_engine_for_the_kernels(demo_path, monkeypatch):
    monkeypatch.setenv("THEMOON_DB", str(demo_path))
    monkeypatch.setenv("THEMOON_ENGINE", "")  # restored after the test
    monkeypatch.setenv("THEMOON_SHARED_ENGINE", "1")
    process, folder = serve.start_shared_engine()
    try:
        assert os.environ["THEMOON_ENGINE"] == str(folder)
        ctx = Context(demo_path, today=DEMO_TODAY)
        assert isinstance(ctx.reads, RemoteReads) and ctx.reads.stock() and ctx.reads.remote
        ctx.close()
    finally:
        engine_service.stop(process, folder)
    monkeypatch.setenv("THEMOON_SHARED_ENGINE", "0")
    assert serve.start_shared_engine() is None
    assert "THEMOON_ENGINE" not in os.environ  # each kernel loads its own

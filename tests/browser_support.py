"""Helpers shared by the dashboard tests: a tiny database built through the API, free ports,
and a Voilà server started the way `themoon serve` starts it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from datetime import date
from pathlib import Path

from themoon import catalog, cost_settings, db, inventory, roasting

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "dashboard.ipynb"
SCREENSHOTS = REPO / "tests" / "screenshots"

# The tiny café of the KPI tests; every expected number below is worked out by hand.
#
# settings from 2026-01-01: expected loss 17 %, roasting ₩2,000 per roasted kg, session fixed
# costs ₩10,000 (energy only; labour 0 min, misc 0), split over a day's batches by green grams.
# ETH: bought 10,000 g for ₩60,000 (₩6/g), reorder point 5,000 g.
# KEN: bought  5,000 g for ₩40,000 (₩8/g), reorder point 1,500 g.
#
# batch          green   roasted  loss   green ₩  roasting ₩  session ₩               cost ₩
# 10-20 KEN      1,000     830    17 %    8,000     1,660      10,000 (alone)          19,660
# 11-02 ETH      5,000   4,150    17 %   30,000     8,300      10,000·5/7 = 7,142.86   45,443
# 11-02 KEN      2,000   1,580    21 %   16,000     3,160      10,000·2/7 = 2,857.14   22,017
# 11-10 ETH      1,000     850    15 %    6,000     1,700      10,000 (alone)          17,700
#
# November 1–15: 3 batches, 6,580 g roasted of 8,000 g green; mean loss 53/3 = 17.67 %,
# weighted loss 1,420/8,000 = 17.75 %, expected 17 % → +0.67 pt; cost ₩85,160 →
# ₩85,160 / 6.58 kg = ₩12,942/kg. The 11-02 KEN batch is 4 pt above expected: one open WARNING.
# Stock on 11-15: ETH 4,000 g (₩24,000, low: ≤ 5,000), KEN 2,000 g (₩16,000) → ₩40,000, 1 low.
SMALL_SINCE = date(2026, 11, 1)
SMALL_UNTIL = date(2026, 11, 15)


def build_small_db(path: Path):
    """Create the tiny café above at `path`; returns the open connection."""
    conn = db.connect(path)
    cost_settings.save(
        conn,
        effective_from=date(2026, 1, 1),
        expected_loss_pct="17",
        roasting_won_per_kg=2000,
        labour_won_per_hour=0,
        labour_minutes_per_session=0,
        energy_won_per_session=10_000,
        misc_won_per_session=0,
    )
    catalog.add_bean(conn, code="ETH", name_en="Yirgacheffe", name_ko="예가체프", reorder_point_g=5000)
    catalog.add_bean(conn, code="KEN", name_en="Kenya Masai AA", name_ko="마사이", reorder_point_g=1500)
    inventory.add_purchase(conn, bean="ETH", grams=10_000, total_won=60_000, purchased_on=date(2026, 10, 1))
    inventory.add_purchase(conn, bean="KEN", grams=5_000, total_won=40_000, purchased_on=date(2026, 10, 1))
    roasting.add_batch(conn, product="KEN", roasted_on=date(2026, 10, 20), green_g=1000, roasted_g=830)
    roasting.add_batch(conn, product="ETH", roasted_on=date(2026, 11, 2), green_g=5000, roasted_g=4150)
    roasting.add_batch(conn, product="KEN", roasted_on=date(2026, 11, 2), green_g=2000, roasted_g=1580)
    roasting.add_batch(conn, product="ETH", roasted_on=date(2026, 11, 10), green_g=1000, roasted_g=850)
    return conn


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
        time.sleep(0.25)
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

"""A 20-second soak (benchmarks/soak.py): writers — one built like a dashboard kernel — a reader
drawing the real dashboard, health, metrics and backups at once, one writer SIGKILLed
mid-transaction; nothing acknowledged is lost, every backup verifies, the newest restores."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SOAK = Path(__file__).resolve().parents[1] / "benchmarks" / "soak.py"


def test_a_short_soak_loses_nothing():
    result = subprocess.run(
        [sys.executable, str(SOAK), "--seconds", "20", "--writers", "2", "--kernel-writers", "1", "--readers", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    last = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    found = dict(pair.split("=") for pair in last.split())
    assert re.fullmatch(r"writes_acked=\d+ writes_found=\d+ lost=0 backups=\d+ backup_ok=\d+ restore_ok=1", last)
    assert found["writes_acked"] == found["writes_found"] and int(found["writes_acked"]) > 20
    assert found["backups"] == found["backup_ok"] and int(found["backups"]) >= 2
    assert "killed the victim writer" in result.stdout and "ledger_ok=1" in result.stdout

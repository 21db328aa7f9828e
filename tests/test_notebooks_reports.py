"""The report notebooks run top to bottom under nbval (`--nbval-lax`) on the fixture café, with
their default parameters: the database from $THEMOON_DB, the previous period."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from themoon import db, demo

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks" / "reports"


@pytest.mark.slow
def test_report_notebooks_run_under_nbval(tmp_path):
    path = tmp_path / "themoon.db"
    conn = db.connect(path)
    demo.build_demo(conn, months=3, today=date(2026, 10, 31))
    conn.close()
    env = {
        **os.environ,
        "THEMOON_DB": str(path),
        "THEMOON_REPORTS_DIR": str(tmp_path / "reports"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    # -n 0: one process (the suite around it already runs two workers; a pool here doubles the work)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "--nbval-lax", "-p", "no:cacheprovider", str(NOTEBOOKS)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"{len(list(NOTEBOOKS.glob('*.ipynb')))} passed" in result.stdout or " passed" in result.stdout
    assert not list(tmp_path.glob("*.xlsx")), "without xlsx_path the notebooks write no workbook"

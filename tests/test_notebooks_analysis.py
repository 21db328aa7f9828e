"""The analyst notebooks (notebooks/analysis) run top to bottom on a small demo database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from themoon import db, demo

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks" / "analysis"


def test_notebooks_have_no_stored_outputs():
    found = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert len(found) >= 2
    for path in found:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [] and cell.get("execution_count") is None, path.name
                source = "".join(cell["source"])
                # the public API only: no private attributes, no SQL of their own
                assert "._" not in source and "SELECT" not in source.upper(), path.name


@pytest.mark.slow
def test_notebooks_run_under_nbval(tmp_path):
    path = tmp_path / "themoon.db"
    conn = db.connect(path)
    demo.build_demo(conn, months=3, today=date(2026, 10, 31))
    conn.close()
    env = {**os.environ, "THEMOON_DB": str(path), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    # -n 0: one process (the suite around it already runs two workers; a pool here doubles the work)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "--nbval-lax", "-p", "no:cacheprovider", str(NOTEBOOKS)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout

"""A small synthetic sample run once through the whole pipeline, shared by the integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCALE = 0.08  # about 900 children per round: fast, yet every kelurahan has data
RAKOR_DATE = "2025-04-09"  # the seed's rakor: day 48 of the 100 (issue 19)


def rakor(*args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed command line as a user would."""
    cmd = [sys.executable, "-m", "analysis.cli", *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}\n{proc.stderr[-4000:]}")
    return proc


@pytest.fixture(scope="session")
def cli():
    """The ``rakor`` command line, run in a subprocess."""
    return rakor


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("pipeline")
    raw, processed, reports = base / "raw", base / "processed", base / "reports"
    from analysis import pipeline
    from analysis.synthetic import world as sample_data

    sample_data.generate(raw, seed=7, scale=SCALE)
    (raw / pipeline.SYNTHETIC_MARKER).write_text("synthetic\n")
    key = {"RAKOR_PSEUDONYM_KEY": "integration-test-key"}
    proc = rakor("run", "--raw", str(raw), "--processed", str(processed), "--out", str(reports),
                 "--jobs", "2", "--date", RAKOR_DATE, env=key)
    periods = [p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(periods) == 1, [p.name for p in reports.iterdir()]
    return {"raw": raw, "processed": processed, "reports": reports, "report": periods[0],
            "stderr": proc.stderr, "env": key, "rakor_date": RAKOR_DATE}

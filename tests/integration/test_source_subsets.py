"""`rakor run` with any subset of sources: only the monthly report, only the survey, only e-PPGBM, or
all the real-format fixtures (HTML-as-xls, BIFF .xls, .ods, .dta, .sav). The briefs say which sources
are missing and leave those sections out; nothing crashes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats" / "ok"
KEY = {"RAKOR_PSEUDONYM_KEY": "subset-test-key"}


@pytest.mark.parametrize("sources", [("eppgbm_bulanan",), ("susenas",),
                                     ("eppgbm", "eppgbm_bulanan", "susenas")])
def test_run_with_a_subset_of_sources(cli, tmp_path, sources):
    raw = tmp_path / "raw"
    for source in sources:
        shutil.copytree(FIXTURES / source, raw / source)
    proc = cli("run", "--raw", str(raw), "--processed", str(tmp_path / "processed"),
               "--out", str(tmp_path / "reports"), "--jobs", "2", "--no-pdf", env=KEY)
    assert "Traceback" not in proc.stderr
    report = next(p for p in (tmp_path / "reports").iterdir() if p.is_dir() and not p.name.startswith("."))
    assert (report / "kota-bontang.html").exists()
    est = pd.read_parquet(report / "estimates.parquet")
    assert set(est["source"]) >= set(sources)
    missing = set(est.loc[est["indicator"] == "source_missing", "note"])
    assert not missing & {s for s in sources}
    intake = pd.read_parquet(tmp_path / "processed" / "intake.parquet")
    assert (intake["rows_in"] == intake["rows_kept"] + intake["rows_rejected"]).all()
    if "eppgbm_bulanan" in sources and "eppgbm" not in sources:
        # the headline comes from the monthly report when there is no by-name export
        html = (report / "kota-bontang.html").read_text(encoding="utf-8")
        assert "Laporan bulanan e-PPGBM" in html

"""The verification loop closed: a lurah's filled worklist, put back into the raw folder, moves the
zero-extreme-poverty tracker by exactly its results, with one log row per change."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

pytestmark = pytest.mark.integration

RESULTS = ["terverifikasi miskin ekstrem"] * 3 + ["tidak memenuhi kriteria"] * 2 + ["meninggal"]


def _tracker(processed, code):
    est = pd.read_parquet(processed / "estimates.parquet")
    rows = est[(est["area_code"] == code) & (est["breakdown"] == "total")
               & est["indicator"].str.startswith("extreme_families_")]
    return rows.set_index("indicator")["estimate"].to_dict()


def test_filled_worklist_moves_the_tracker_exactly(pipeline_run, cli, tmp_path):
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    shutil.copytree(pipeline_run["raw"], raw)
    shutil.copytree(pipeline_run["processed"], processed)
    from analysis import config

    code = config.focus_kelurahan()[1]  # Api-api: the tracker follows the focus kelurahan
    focus = pipeline_run["report"] / "restricted" / f"verifikasi_{code.replace('.', '_')}.xlsx"
    before = _tracker(processed, code)
    wb = openpyxl.load_workbook(focus)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[2]]  # row 1: the personal-data notice
    col = {name: header.index(name) for name in ("masalah", "hasil_verifikasi", "tanggal_verifikasi", "petugas")}
    filled = 0
    for row in ws.iter_rows(min_row=3):
        if row[col["masalah"]].value == "miskin_ekstrem_belum_diverifikasi" and filled < len(RESULTS):
            row[col["hasil_verifikasi"]].value = RESULTS[filled]
            row[col["tanggal_verifikasi"]].value = "2025-03-20"
            row[col["petugas"]].value = "Petugas Uji"
            filled += 1
    assert filled == len(RESULTS), f"{code} has only {filled} families awaiting verification"
    (raw / "verifikasi").mkdir()
    wb.save(raw / "verifikasi" / focus.name)
    cli("run", "--raw", str(raw), "--processed", str(processed), "--out", str(tmp_path / "reports"),
        "--jobs", "2", "--no-pdf", env=pipeline_run["env"])
    after = _tracker(processed, code)
    assert after["extreme_families_verified"] - before["extreme_families_verified"] == 3
    assert after["extreme_families_cleared"] - before["extreme_families_cleared"] == 2
    assert after["extreme_families_left"] - before.get("extreme_families_left", 0) == 1
    assert before["extreme_families_unverified"] - after["extreme_families_unverified"] == 6
    log = pd.read_parquet(processed / "verification_log.parquet")
    assert len(log) == 6
    assert sorted(log["new_status"]) == ["cleared", "cleared", "left", "verified", "verified", "verified"]

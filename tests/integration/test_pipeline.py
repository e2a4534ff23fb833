"""The whole pipeline on a small generated sample: every expected output exists and is usable."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import pipeline

from .conftest import rakor

pytestmark = pytest.mark.integration


def test_every_expected_output_exists(pipeline_run):
    report = pipeline_run["report"]
    slugs = list(pipeline.kecamatan_list()["slug"]) + ["kota-bontang"]
    for slug in slugs:
        for ext in ("html", "pdf"):
            path = report / f"{slug}.{ext}"
            assert path.exists() and path.stat().st_size > 1000, path
        assert (report / "executed" / f"{slug}.ipynb").exists()
    assert (report / "executed" / "01_clean.ipynb").exists()
    assert (report / "executed" / "02_estimate.ipynb").exists()
    assert (report / "estimates.parquet").exists()


def test_pdfs_open_and_are_a4(pipeline_run):
    import weasyprint  # noqa: F401  (the PDF engine is installed; read the files back with pypdf-free checks)

    for pdf in pipeline_run["report"].glob("*.pdf"):
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:], pdf.name
        # A4 = 595 x 842 points (WeasyPrint writes the MediaBox with decimals)
        assert b"/MediaBox [0 0 595" in data, pdf.name


def test_manifest_records_inputs_parameters_versions_and_timings(pipeline_run):
    manifest = json.loads((pipeline_run["report"] / "manifest.json").read_text())
    assert manifest["period"] == pipeline_run["report"].name
    assert manifest["inputs"] and all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["parameters"]["raw_dir"] == str(pipeline_run["raw"].resolve())
    assert manifest["packages"]["pandas"] != "not installed"
    assert "clean_s" in manifest["timings_s"]
    restricted = [o for o in manifest["outputs"] if o["restricted"]]
    assert all("sha256" not in o for o in restricted)


def test_rows_in_equal_rows_kept_plus_rejected(pipeline_run):
    intake = pd.read_parquet(pipeline_run["processed"] / "intake.parquet")
    assert (intake["rows_in"] == intake["rows_kept"] + intake["rows_rejected"]).all()
    rejects = pd.read_parquet(pipeline_run["processed"] / "rejects.parquet")
    per_file = rejects.drop_duplicates(["file", "row"]).groupby("file").size()
    for row in intake.itertuples():
        assert per_file.get(row.file, 0) == row.rows_rejected, row.file


def test_briefs_show_stunting_with_ci_for_every_kelurahan(pipeline_run):
    est = pd.read_parquet(pipeline_run["report"] / "estimates.parquet")
    period = pipeline_run["report"].name
    kel = est[(est["indicator"] == "stunting") & (est["area_level"] == "kelurahan")
              & (est["breakdown"] == "total")]
    latest = kel[kel["data_period"] == kel["data_period"].max()]
    assert latest["area_code"].nunique() == 15
    assert (latest["ci_low"] <= latest["estimate"]).all() and (latest["estimate"] <= latest["ci_high"]).all()
    assert set(est["period"]) == {period}


def test_second_run_replaces_the_report_atomically(pipeline_run, tmp_path):
    """A run that fails keeps the good report and leaves the failed staging folder for inspection."""
    reports = pipeline_run["reports"]
    good = pipeline_run["report"]
    before = (good / "manifest.json").read_text()
    proc = rakor("brief", "--processed", str(pipeline_run["processed"]), "--out", str(reports),
                 "--kecamatan", "64.74.99", check=False, env=pipeline_run["env"])
    assert proc.returncode == 2 and "64.74.99" in proc.stderr and "Traceback" not in proc.stderr
    assert (good / "manifest.json").read_text() == before


def test_bad_period_is_a_clear_error(pipeline_run):
    proc = rakor("estimate", "--processed", str(pipeline_run["processed"]), "--period", "March",
                 check=False, env=pipeline_run["env"])
    assert proc.returncode == 2
    assert "YYYY-MM" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_raw_folder_is_a_clear_error(tmp_path):
    proc = rakor("clean", "--raw", str(tmp_path / "nope"), "--processed", str(tmp_path / "p"), check=False)
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr

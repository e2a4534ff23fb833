"""The command line with a user's mistakes: exit code 2 and one message a clerk can act on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "messy" / "broken"


def test_a_broken_export_stops_cleaning_with_exit_2_and_names_file_and_closest_header(tmp_path, cli):
    raw = tmp_path / "raw"
    shutil.copytree(BROKEN, raw)
    proc = cli("clean", "--raw", str(raw), "--processed", str(tmp_path / "processed"), check=False,
               env={"RAKOR_PSEUDONYM_KEY": "cli-test"})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    message = proc.stderr
    assert "eppgbm/feb.csv" in message and "closest" in message and "config/sources.yml" in message


def test_unknown_option_value_is_rejected_by_the_parser(cli):
    proc = cli("run", "--raw", "x", "--lang", "fr", check=False)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_sample_data_refuses_a_folder_with_other_files(tmp_path, cli):
    (tmp_path / "eppgbm").mkdir()
    (tmp_path / "eppgbm" / "real_export.csv").write_text("NIK,Nama\n")
    proc = cli("sample-data", "--out", str(tmp_path), check=False)
    assert proc.returncode == 2 and "not empty" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "eppgbm" / "real_export.csv").exists()


def test_a_broken_settings_file_stops_with_exit_2_naming_the_key(tmp_path, cli):
    """config/settings.yml is checked once, before anything runs (RAKOR_ROOT points at a copy)."""
    import yaml

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "config", tmp_path / "config")
    settings = yaml.safe_load((tmp_path / "config" / "settings.yml").read_text(encoding="utf-8"))
    settings["privacy"]["min_cell"] = "lima"
    (tmp_path / "config" / "settings.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    proc = cli("clean", "--raw", str(tmp_path / "raw"), "--processed", str(tmp_path / "p"), check=False,
               env={"RAKOR_ROOT": str(tmp_path)})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "`privacy.min_cell` must be a positive whole number; got 'lima'" in proc.stderr
    assert "Traceback" not in proc.stderr
    del settings["estimation"]["reliability"]
    (tmp_path / "config" / "settings.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    proc = cli("run", "--raw", str(tmp_path / "raw"), check=False, env={"RAKOR_ROOT": str(tmp_path)})
    assert proc.returncode == 2 and "estimation.reliability" in proc.stderr and "Traceback" not in proc.stderr


def test_another_pseudonym_key_stops_cleaning_before_it_breaks_the_links(pipeline_run, tmp_path, cli):
    processed = tmp_path / "processed"
    shutil.copytree(pipeline_run["processed"], processed)
    before = {p: p.stat().st_mtime_ns for p in processed.rglob("*.parquet")}
    proc = cli("clean", "--raw", str(pipeline_run["raw"]), "--processed", str(processed), check=False,
               env={"RAKOR_PSEUDONYM_KEY": "not-the-key-of-the-earlier-periods"})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "not the key that pseudonymised the tables" in proc.stderr and "earlier periods" in proc.stderr
    assert "not-the-key" not in proc.stderr and "Traceback" not in proc.stderr
    assert {p: p.stat().st_mtime_ns for p in processed.rglob("*.parquet")} == before

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

"""The national gazetteer (package data) and `rakor init` for other regions.

Expected values come from the Kemendagri list itself (Kepmendagri 300.2.2-2138/2025), not from the code:
Kota Bontang has 3 kecamatan and 15 kelurahan (DOMAIN.md §2); 64.02 is Kabupaten Kutai Kartanegara,
64.72 Kota Samarinda; the fourth part of a code starts with 1 for a kelurahan, 2 for a desa."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from analysis import cli, config
from analysis.intake import gazetteer as gz


def test_levels_and_kinds_from_the_code():
    assert [gz.level_of(c) for c in ("64", "64.74", "64.74.01", "64.74.01.1003")] == [
        "province", "kabkota", "kecamatan", "desa_kelurahan"]
    assert gz.kind_of("64.74") == "kota" and gz.kind_of("64.02") == "kabupaten"
    assert gz.kind_of("64.74.01.1003") == "kelurahan" and gz.kind_of("64.02.01.2001") == "desa"


def test_bontang_rows_of_the_national_list():
    rows = gz.region_table("64.74")
    codes = set(rows.iloc[:, 0].astype(str))
    assert {"64.74.01", "64.74.02", "64.74.03"} <= codes
    assert sum(c.count(".") == 3 for c in codes) == 15
    assert "64.74.01.1003" in codes  # Lok Tuan


@pytest.mark.parametrize("code, name", [("64.02", "Kutai Kartanegara"), ("64.72", "Samarinda")])
def test_init_writes_a_valid_configuration(tmp_path, code, name):
    out = tmp_path / code
    assert cli.main(["init", "--region", code, "--config", str(out)]) == 0
    settings = yaml.safe_load((out / "settings.yml").read_text(encoding="utf-8"))
    assert settings["region"]["code"] == code and name in settings["region"]["name"]
    assert settings["focus_kelurahan"]["codes"] == []
    assert (out / "sources.yml").exists() and (out / "wilayah_aliases.yml").exists()
    assert (out / "kbm.csv").read_text() == (config.DEFAULT_CONFIG_DIR / "kbm.csv").read_text()  # national KBM


def test_a_focus_code_outside_the_region_exits_2_naming_the_key(tmp_path):
    out = tmp_path / "cfg"
    assert cli.main(["init", "--region", "64.72", "--config", str(out)]) == 0
    path = out / "settings.yml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["focus_kelurahan"]["codes"] = ["64.74.01.1003"]  # a Bontang kelurahan in Samarinda's config
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    # in a subprocess: --config switches the process's configuration
    proc = subprocess.run([sys.executable, "-m", "analysis.cli", "--config", str(out), "estimate",
                           "--processed", str(tmp_path / "p")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "focus_kelurahan" in proc.stderr and "Traceback" not in proc.stderr

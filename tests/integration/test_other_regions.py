"""Regions other than Bontang, as a user runs them: ``rakor init`` → ``sample-data`` → ``run``.

A kabupaten of desa and kelurahan mixed (Sukamara, 62.08: 5 kecamatan, 29 desa and 3 kelurahan)
and a kota (Sibolga, 12.73: 4 kecamatan, 17 kelurahan), generated here (nothing committed), small
(``--scale``) and with the region and kecamatan briefs only (``--levels``, ``--no-pdf``) to stay fast.
"""

from __future__ import annotations

import gzip
import json
import re

import pandas as pd
import pytest

from analysis import config

pytestmark = pytest.mark.integration

# Expected structure read from the national gazetteer file itself (not through the package code).
REGIONS = {
    "62.08": {"name": "Kabupaten Sukamara", "slug": "kab-sukamara", "word": "Kabupaten", "head": "Bupati"},
    "12.73": {"name": "Kota Sibolga", "slug": "kota-sibolga", "word": "Kota", "head": "Wali Kota"},
}


def _square_boundaries(rows: pd.DataFrame, path) -> None:
    """A GeoJSON of made-up squares, one per desa, side by side (real shapes are not shipped for
    these regions); properties as the cahyadsn/wilayah_boundaries export names them."""
    desa = rows[rows["kode"].str.count(r"\.") == 3].reset_index(drop=True)
    features = []
    for i, r in desa.iterrows():
        x, y = 100 + (i % 8) * 0.01, (i // 8) * 0.01
        ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
        features.append({"type": "Feature", "properties": {"kode": r["kode"], "nama": r["nama"]},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def _gazetteer_rows(code: str) -> pd.DataFrame:
    with gzip.open(config.PACKAGE_DATA / "kemendagri_wilayah.csv.gz", "rt", encoding="utf-8") as fh:
        t = pd.read_csv(fh, dtype=str)
    return t[t["kode"].str.startswith(code + ".")]


@pytest.mark.parametrize("code", sorted(REGIONS))
def test_init_sample_run(code, cli, tmp_path):
    want = REGIONS[code]
    cfg, raw, processed, reports = (tmp_path / d for d in ("config", "raw", "processed", "reports"))
    cli("init", "--region", code, "--config", str(cfg))
    cli("--config", str(cfg), "sample-data", "--out", str(raw), "--scale", "0.1", "--seed", "3")
    # The survey carries BPS codes (r101-r104), as Susenas does; clean maps them by name.
    (survey,) = (raw / "susenas").glob("*.csv")
    assert pd.read_csv(survey, nrows=0).columns[6:10].tolist() == ["r101", "r102", "r103", "r104"]
    rows = _gazetteer_rows(code)
    _square_boundaries(rows, tmp_path / "batas.geojson")
    cli("--config", str(cfg), "boundaries", "import", str(tmp_path / "batas.geojson"))
    cli("run", "--config", str(cfg), "--raw", str(raw), "--processed", str(processed),
        "--out", str(reports), "--levels", "region,kecamatan", "--no-pdf", "--date", "2025-04-09")
    out = reports / "2025-03"
    kec = rows[rows["kode"].str.count(r"\.") == 2]
    slugs = {re.sub(r"[^a-z0-9]+", "-", n.lower()).strip("-") for n in kec["nama"]}
    briefs = {p.stem for p in out.glob("*.html")}
    assert briefs == slugs | {want["slug"]}  # one per kecamatan, plus the region's
    assert not list((out / "kelurahan").glob("*.html"))  # --levels left the desa briefs out
    est = pd.read_parquet(out / "estimates.parquet")
    assert est["area_code"].str.startswith(code).all()
    desa = set(rows.loc[rows["kode"].str.count(r"\.") == 3, "kode"])
    assert set(est.loc[est["area_level"] == "kelurahan", "area_code"]) <= desa
    # The survey's BPS codes reached Kemendagri kecamatan of the region.
    survey_kec = est.loc[(est["source"] == "susenas") & (est["area_level"] == "kecamatan"), "area_code"]
    assert len(survey_kec) and set(survey_kec) <= set(kec["kode"])
    for brief in out.glob("*.html"):  # the imported boundaries put a map in every brief
        assert 'alt="Peta' in brief.read_text(encoding="utf-8"), brief.name
    html = (out / f"{want['slug']}.html").read_text(encoding="utf-8")
    assert f"{want['head']} {want['name'].split(' ', 1)[1]}" in html
    if want["word"] == "Kabupaten":
        assert "seluruh kabupaten" in html and "seluruh kota" not in html
        assert "Semua desa/kelurahan" in html


def test_bps_code_without_kemendagri_name_exits_2(cli, tmp_path):
    # Kepulauan Talaud: BPS MFD 2020 desa 7104020011 "Lirung I" has no Kemendagri desa of that name.
    cfg, raw = tmp_path / "config", tmp_path / "raw"
    cli("init", "--region", "71.04", "--config", str(cfg))
    (raw / "susenas").mkdir(parents=True)
    (raw / "susenas" / "susenas_talaud_202503.csv").write_text(
        "ID Ruta,Kode Strata,NKS,FXWT,Jumlah ART,Pengeluaran Perkapita Sebulan,r101,r102,r103,r104,Periode\n"
        "2,1,100001,50.5,4,800000,71,04,020,011,2025-03\n", encoding="utf-8")
    proc = cli("--config", str(cfg), "clean", "--raw", str(raw), "--processed", str(tmp_path / "p"),
               check=False, env={"RAKOR_PSEUDONYM_KEY": "integration-test-key"})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    for words in ("susenas_talaud_202503.csv", "row 2", "7104020011", "'Lirung I'"):
        assert words in proc.stderr, (words, proc.stderr[-2000:])

"""Any kab/kota: the BPS crosswalk by name, per-region spellings, sample sizes, slugs, levels, words."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

from analysis import config
from analysis.intake import bps_crosswalk as bx
from analysis.intake.gazetteer import Gazetteer, region_table
from analysis.synthetic.dirt import region_spellings


def test_matcher_reproduces_bontang_checked_crosswalk():
    checked = pd.read_csv(config.PACKAGE_DATA / "bontang_bps_kemendagri.csv", dtype=str)
    built = bx.build_crosswalk("64.74")
    cols = ["kode_bps", "nama_bps", "kode_kemendagri", "nama_kemendagri"]
    key = lambda t: t[cols].sort_values("kode_bps").reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(key(checked), key(built))


def test_crosswalk_when_bps_numbers_the_region_otherwise():
    # BPS 2020 numbers Kota Sibolga 1271 (1273 is Pematangsiantar); Kemendagri: 12.73.
    x = bx.build_crosswalk("12.73")
    assert x.loc[x["kode_kemendagri"] == "12.73", "kode_bps"].tolist() == ["1271"]
    assert x["kode_kemendagri"].notna().all()
    # Written together in Kemendagri, apart in BPS ("Banjar Baru"): the same kota.
    assert bx.build_crosswalk("63.72")["kode_bps"].iloc[0] == "6372"


def test_unmatched_bps_name_is_named():
    # Kepulauan Talaud: BPS 2020 "Lirung I" has no Kemendagri desa of that name.
    x = bx.build_crosswalk("71.04")
    assert x.loc[x["kode_bps"] == "7104020011", "kode_kemendagri"].isna().all()
    assert bx.unmatched_name("7104020011", "71.04") == "Lirung I"
    assert bx.unmatched_name("7104020001", "71.04") is None
    assert "7104020011" not in bx.crosswalk("71.04")


def test_region_spellings_match_back_single_desa_kecamatan_and_long_names():
    # Talaud has a kecamatan with a single desa; every generated spelling must lead to its desa.
    t = region_table("71.04")
    per_kec = t[t["level"] == "kelurahan"].groupby("kode_kecamatan").size()
    assert (per_kec == 1).any()
    gaz = Gazetteer(t, aliases={}, threshold=90)
    variants, typos, local = region_spellings(gaz)
    code = dict(zip(gaz.kelurahan["nama"], gaz.kelurahan["kode"], strict=False))
    pairs = [(n, v) for n, vs in variants.items() for v in vs] + list(typos.items()) + list(local.items())
    shared = set(gaz.kelurahan["nama"][gaz.kelurahan["nama"].str.lower().duplicated(keep=False)])
    pairs = [(n, v) for n, v in pairs if n not in shared]
    got = gaz.match(pd.Series([v for _, v in pairs], dtype="str"), "kelurahan").code.tolist()
    assert got == [code[n] for n, _ in pairs]
    assert all(t != n and len(t) in (len(n) - 1, len(n), len(n) + 1) for n, t in typos.items())
    long = pd.DataFrame({"kode": ["99.01", "99.01.01", "99.01.01.2001", "99.01.01.2002"],
                         "level": ["kota", "kecamatan", "kelurahan", "kelurahan"],
                         "nama": ["Kabupaten X", "Kec", "Sungai Pinang Dalam Ulu Hilir Raya", "Air-Batu"],
                         "kode_kecamatan": ["", "99.01.01", "99.01.01", "99.01.01"]})
    v, ty, loc = region_spellings(Gazetteer(long, aliases={}, threshold=90))
    assert "SungaiPinangDalamUluHilirRaya" in v["Sungai Pinang Dalam Ulu Hilir Raya"]
    assert loc["Air-Batu"] == "Air Batu"
    assert "Sungai Pinang Dalam Ulu Hilir Raya" in ty


def test_sample_size_follows_desa_and_survey_has_bps_codes(tmp_path):
    from analysis.synthetic.world import simulate

    w = simulate(seed=1, scale=0.05, region="62.08")
    kel = region_table("62.08").query("level == 'kelurahan'")
    n_kel = kel["kode"].str.split(".").str[3].str.startswith("1").sum()
    expected = 0.05 * (730 * n_kel + 300 * (len(kel) - n_kel))  # children per round at this scale
    per_round = pd.Series(w.facts["children_per_round"])
    assert ((per_round > 0.6 * expected) & (per_round < 1.4 * expected)).all()
    assert set(w.kelurahan["kel_code"]) == set(kel["kode"])
    assert w.kelurahan["focus"].any() and w.region_name == "Kabupaten Sukamara"
    # Each surveyed desa carries the BPS code the crosswalk gives it (looked up in the BPS file).
    xw = bx.crosswalk("62.08")
    coded = w.kelurahan.dropna(subset=["bps_desa"])
    assert (coded["bps_desa"].map(xw) == coded["kel_code"]).all()


def test_slugs_and_levels(monkeypatch):
    from analysis import cli, pipeline

    assert pipeline.region_slug("Kabupaten Kutai Timur") == "kab-kutai-timur"
    assert pipeline.region_slug("Kota Bontang") == "kota-bontang"
    kec = pipeline.kecamatan_list()
    assert kec["slug"].tolist() == ["bontang-utara", "bontang-selatan", "bontang-barat"]
    assert cli._levels("region,kecamatan") == ("region", "kecamatan")
    with pytest.raises(argparse.ArgumentTypeError, match="kelurahan"):
        cli._levels("region,kelurahan")
    table = pd.DataFrame({"kode": ["99.01.01", "99.01.02"], "nama": ["Kota Bontang", "Lestari"]})
    fake = type("G", (), {"kecamatan": table})()
    monkeypatch.setattr("analysis.intake.gazetteer.gazetteer", lambda: fake)
    assert pipeline.kecamatan_list()["slug"].tolist() == ["kecamatan-kota-bontang", "lestari"]


def test_region_words_of_a_kabupaten(monkeypatch):
    from analysis.briefs import labels

    assert labels.region_words("id", "62.08") == {"region": "Kabupaten", "head": "Bupati",
                                                  "village": "desa/kelurahan"}
    assert labels.region_words("id", "12.73")["head"] == "Wali Kota"
    assert labels.text("rejected_caption", "id").endswith("(seluruh kota), menurut alasan")
    settings = {**config.settings(), "region": {**config.settings()["region"], "code": "62.08"}}
    monkeypatch.setattr(config, "settings", lambda: settings)
    assert "(seluruh kabupaten)" in labels.text("rejected_caption", "id")
    assert "(whole regency)" in labels.text("rejected_caption", "en")
    assert labels.text("h_ranking", "id") == "Semua desa/kelurahan, menurut prevalensi stunting"


def test_survey_of_a_region_with_a_kecamatan_new_since_2020():
    """Kutai Barat (64.07) has kecamatan BPS does not code: the survey's households still take
    the expenditure level of their own desa (the index of the region's table, not a position)."""
    import numpy as np

    from analysis.synthetic.world import _susenas

    kel = pd.DataFrame({"kec_code": ["64.07.01", "64.07.02", "64.07.02"], "peri_urban": False,
                        "pop": [100.0, 100.0, 100.0], "bps_kec": [None, "6407020", "6407020"],
                        "log_exp_mu": [0.0, 10.0, 20.0]})
    hh = _susenas(np.random.default_rng(1), kel, 300.0, region="64.07")
    assert set(hh["kel_idx"]) <= {1, 2}
    low, high = (np.log(hh.loc[hh["kel_idx"] == k, "expenditure_pc"]) for k in (1, 2))
    assert len(low) and len(high) and low.max() < high.min()


def test_sample_of_kutai_barat():
    from analysis.synthetic.world import simulate

    w = simulate(seed=1, scale=0.02, region="64.07", within="64")
    assert w.kelurahan["bps_kec"].isna().any() and len(w.susenas)


def test_every_kabkota_has_its_bps_kabkota():
    """All 514 kab/kota of the gazetteer find their BPS kab/kota; the four BPS names otherwise
    are the ones whose kecamatan all match by name."""
    gaz = pd.read_csv(config.PACKAGE_DATA / "kemendagri_wilayah.csv.gz", dtype=str)
    kabkota = gaz[gaz["kode"].str.len() == 5]
    codes = {c: bx._bps_region(c, n) for c, n in zip(kabkota["kode"], kabkota["nama"], strict=True)}
    assert len(codes) == 514 and len(set(codes.values())) == 514
    for code in bx.BPS_NAMED_OTHERWISE:
        t = bx.build_crosswalk(code)
        kec = t[t["kode_bps"].str.len() == 7]
        assert len(kec) and kec["kode_kemendagri"].str.startswith(code + ".").all(), code

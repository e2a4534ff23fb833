"""A province as the region: kab/kota briefs and levels, words, the survey's kab/kota lines, the
crosswalk and the synthetic kab/kota of a province sample (Kalimantan Utara, 65: 5 kab/kota)."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from analysis import config

# Kalimantan Utara's kab/kota (Kepmendagri 300.2.2-2138/2025), written out by hand.
KALTARA = {"65.01": "kab-bulungan", "65.02": "kab-malinau", "65.03": "kab-nunukan",
           "65.04": "kab-tana-tidung", "65.71": "kota-tarakan"}


@pytest.fixture
def province(monkeypatch):
    """The configuration's region set to Provinsi Kalimantan Utara (65)."""
    region = {**config.settings()["region"], "code": "65", "name": "Provinsi Kalimantan Utara"}
    settings = {**config.settings(), "region": region}
    monkeypatch.setattr(config, "settings", lambda: settings)
    return settings


def test_province_levels_and_kabkota_slugs(province):
    from analysis import cli, pipeline

    assert pipeline.is_province() and not pipeline.is_province("64.74")
    assert pipeline.default_levels() == ("region", "kabkota")
    kk = pipeline.kabkota_list()
    assert dict(zip(kk["code"], kk["slug"], strict=True)) == KALTARA
    assert pipeline.region_slug() == "provinsi-kalimantan-utara"
    assert cli._levels("region,kabkota,kecamatan") == ("region", "kabkota", "kecamatan")


def test_kabkota_region_keeps_its_levels():
    from analysis import pipeline

    assert pipeline.default_levels() == ("region", "kecamatan", "desa")  # Bontang: as before
    assert pipeline.kabkota_list().empty


def test_province_words(province):
    from analysis.briefs import labels

    assert labels.region_words("id", "65")["head"] == "Gubernur"
    assert labels.region_words("en", "65")["region"] == "Province"
    assert "(seluruh provinsi)" in labels.text("rejected_caption", "id")
    # "kab/kota" names the province's kab/kota: not turned into "kab/provinsi"
    assert labels.text("h_kabkota", "id").startswith("Kabupaten/kota,")
    assert labels.text("level_kabkota", "en") == "regency/city"
    assert labels.text("audience", "id", head="Gubernur", region="Kalimantan Utara") == \
        "Bahan rakor koordinasi Gubernur Kalimantan Utara"


def test_province_crosswalk_is_its_kabkota_crosswalks():
    from analysis.intake import bps_crosswalk as bx

    whole = bx.crosswalk_table("65")
    parts = [bx.crosswalk_table(k) for k in KALTARA]
    assert len(whole) == sum(len(p) for p in parts)
    mapped = set(whole["kode_kemendagri"].dropna()) - {""}
    assert set(KALTARA) <= mapped and all(c.startswith("65.") for c in mapped)


def test_households_are_measured_against_their_own_kabkota_line():
    """Bontang (64.74) has lines of its own, Kutai Kartanegara (64.02) none: it takes the province's.
    Expected lines read from config/poverty_lines.csv here, not through the package."""
    from analysis.estimates.survey_poverty import _kabkota_lines
    from analysis.estimation.poverty import EXPENDITURE_COL

    lines = pd.read_csv(config.CONFIG_DIR / "poverty_lines.csv", dtype={"area_code": str})
    pov = lines[(lines["kind"] == "poverty") & (lines["year"] <= 2025)]
    bontang = float(pov[pov["area_code"] == "64.74"].sort_values("year")["value_idr_person_month"].iloc[-1])
    kaltim = float(pov[pov["area_code"] == "64"].sort_values("year")["value_idr_person_month"].iloc[-1])
    assert bontang != kaltim
    x = np.array([bontang - 1, bontang + 1, kaltim - 1, kaltim + 1, 0.5 * bontang, 0.5 * kaltim])
    hh = pd.DataFrame({"kecamatan_code": ["64.74.01", "64.74.02", "64.02.01", "64.02.03", "64.74.03", "64.02.05"],
                       EXPENDITURE_COL: x})
    reference = 600_000.0  # any line: the FGT measures depend on expenditure / line only
    out, items = _kabkota_lines(hh, "poverty", reference, "2025-03")
    own = np.array([bontang, bontang, kaltim, kaltim, bontang, kaltim])
    scaled = out[EXPENDITURE_COL].to_numpy()
    assert ((scaled < reference) == (x < own)).all()  # poor against their own line
    np.testing.assert_allclose(1 - scaled / reference, 1 - x / own)  # the same poverty gaps
    by = {i["code"]: i for i in items}
    assert by["64.74"]["estimate"] == bontang and by["64.02"]["estimate"] == kaltim
    assert by["64.02"]["level"] == "kabkota" and by["64.02"]["note"] == "province"


def test_a_kabkota_of_a_province_sample():
    """Tana Tidung (65.04) as part of Kalimantan Utara's sample: focus desa named once in the
    province (the RT listing names the desa alone), NIK serials in its own range, survey renumbered."""
    from analysis.synthetic.province import _renumber_survey
    from analysis.synthetic.world import simulate

    with gzip.open(config.PACKAGE_DATA / "kemendagri_wilayah.csv.gz", "rt", encoding="utf-8") as fh:
        t = pd.read_csv(fh, dtype=str)
    desa = t[t["kode"].str.startswith("65.") & (t["kode"].str.count(r"\.") == 3)]
    twice = set(desa["nama"].str.strip().str.lower().loc[lambda s: s.duplicated(keep=False)])
    w = simulate(seed=4, scale=0.02, region="65.04", within="65", serial_base=3200)
    focus = w.kelurahan.loc[w.kelurahan["focus"], "kel_name"].str.lower()
    assert len(focus) and not set(focus) & twice
    serial = w.members["nik"].str[-4:].astype(int)
    assert serial.min() > 3200
    _renumber_survey(w, 4)
    s = w.susenas
    assert (s["stratum"] // 1000 == 4).all() and (s["nks"] // 1_000_000 == 4).all()
    assert s["hh_id"].str.startswith("4").all() and s["hh_id"].is_unique


def test_init_and_brief_name_the_kabkota_whose_line_is_missing(tmp_path):
    """'To be replaced' notes name the area ("Kota Tarakan (65.71)"), not only its code."""
    from analysis.estimation.poverty_lines import line_sentence, resolve_line
    from analysis.init_config import write_config

    notes = write_config("65", tmp_path / "cfg")
    province_note = next(n for n in notes if n.startswith("province:"))
    for code, slug in KALTARA.items():
        kind, _, rest = slug.partition("-")
        name = {"kab": "Kabupaten", "kota": "Kota"}[kind] + " " + rest.replace("-", " ").title()
        assert f"{name} ({code})" in province_note
    settings = (tmp_path / "cfg" / "settings.yml").read_text(encoding="utf-8")
    assert "line of Provinsi Kalimantan Utara (65)" in settings
    # Tarakan has no line of its own in the default table: the brief's sentence names it
    line = resolve_line("poverty", "65.71", "2024-03")
    assert line.to_be_replaced
    assert "garis Kota Tarakan (65.71) untuk 2024" in line_sentence(line, "id")
    assert "Kota Tarakan (65.71)'s line for 2024" in line_sentence(line, "en")


def _province_context(province, est):
    from analysis.briefs.sections.context import BriefContext

    names = pd.Series({"65": "Kalimantan Utara", "65.01": "Kabupaten Bulungan", "65.71": "Kota Tarakan",
                       "65.01.01.1001": "Tanjung Palas Hulu", "65.01.01.2005": "Gunung Putih",
                       "65.71.01.1001": "Karang Anyar"})
    return BriefContext(est=est, period="2025-03", lang="id", level="kota", code="65", sub_level="kabkota",
                        names=names, focus=[], region_code="65", settings=province)


def _kabkota_stunting() -> pd.DataFrame:
    return pd.DataFrame({"period": "2025-03", "data_period": "2025-02", "area_level": "kabkota",
                         "area_code": ["65.01", "65.71"], "area_name": ["Kabupaten Bulungan", "Kota Tarakan"],
                         "indicator": "stunting", "breakdown": "total", "estimate": [0.31, 0.12],
                         "ci_low": [0.25, 0.09], "ci_high": [0.37, 0.15], "method": "direct:logit",
                         "source": "eppgbm", "reliability": "reliable", "suppressed": False, "note": None})


@pytest.mark.parametrize("with_boundaries", [True, False])
def test_province_brief_maps_or_ranks_its_kabkota(province, monkeypatch, with_boundaries):
    """The province's brief shows its kab/kota (desa shapes dissolved by kab/kota code), not its desa."""
    import geopandas as gpd
    from shapely.geometry import box

    from analysis.briefs import plots
    from analysis.briefs.sections import maps as section
    from analysis.intake import boundaries

    # three desa squares: two of Bulungan side by side (one kab/kota of width 2), one of Tarakan
    desa = gpd.GeoDataFrame({"kode": ["65.01.01.1001", "65.01.01.2005", "65.71.01.1001"],
                             "nama": ["Tanjung Palas Hulu", "Gunung Putih", "Karang Anyar"]},
                            geometry=[box(117.0, 3.0, 117.1, 3.1), box(117.1, 3.0, 117.2, 3.1),
                                      box(117.5, 3.3, 117.6, 3.4)], crs="EPSG:4326")
    monkeypatch.setattr(boundaries, "load_boundaries", lambda *a, **k: desa if with_boundaries else None)
    shown = []
    monkeypatch.setattr(plots, "show", lambda fig, *a, **k: shown.append(fig))
    monkeypatch.setattr(section, "md", lambda text: None)
    monkeypatch.setattr(section, "heading", lambda *a, **k: None)
    ctx = _province_context(province, _kabkota_stunting())
    if with_boundaries:
        shapes = section._kabkota_shapes(ctx, ["65.01", "65.71"])
        assert sorted(shapes["kode"]) == ["65.01", "65.71"]
        bulungan = shapes.set_index("kode").loc["65.01"]
        assert bulungan["nama"] == "Kabupaten Bulungan"
        assert bulungan.geometry.bounds == pytest.approx((117.0, 3.0, 117.2, 3.1))  # the two squares, one shape
    section.area_maps(ctx)
    assert len(shown) == 1
    alt = plots.alt_text(shown[0])
    assert alt.startswith("Peta") == with_boundaries
    assert "kabupaten/kota" in alt and "Kabupaten Bulungan" in alt
    assert "desa" not in alt.lower().replace("desa/", "")


def test_bontang_in_the_sample_of_its_province(monkeypatch):
    """Kalimantan Timur's configuration names no focus kelurahan of Bontang: its part of the
    province sample draws them as for the other kab/kota (the RT listing was empty: ValueError)."""
    from analysis.synthetic.world import simulate

    settings = {**config.settings(), "region": {**config.settings()["region"], "code": "64"},
                "focus_kelurahan": {**config.settings()["focus_kelurahan"], "codes": []}}
    monkeypatch.setattr(config, "settings", lambda: settings)
    w = simulate(seed=4, scale=0.02, region="64.74", within="64")
    assert w.kelurahan["focus"].sum() >= 1 and len(w.pendataan)


def test_bontang_sample_keeps_its_configured_focus():
    from analysis.synthetic.world import simulate

    w = simulate(seed=4, scale=0.02, region="64.74")
    assert sorted(w.kelurahan.loc[w.kelurahan["focus"], "kel_code"]) == sorted(config.focus_kelurahan())

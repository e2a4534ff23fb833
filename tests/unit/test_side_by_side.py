"""Unit tests of analysis.briefs.side_by_side on a hand-made estimates table: what is selected,
how it is formatted (id/en), and what the sentences say about the register against the survey."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis.briefs import plots
from analysis.briefs.narrative import parse_numbers
from analysis.briefs.side_by_side import COLUMNS, side_by_side
from analysis.estimation.poverty_lines import resolve_line

KOTA, KEC = "64.74", "64.74.01"


def row(indicator, data_period, estimate, *, code=KOTA, level="kota", name="Kota Bontang", source="eppgbm",
        method="direct:logit", unit="proportion", ci=(np.nan, np.nan), n=np.nan, note=None,
        suppressed=False, reliability=None, period="2025-03"):
    return dict(period=period, data_period=data_period, area_level=level, area_code=code, area_name=name,
                indicator=indicator, breakdown="total", n=n, estimate=estimate, ci_low=ci[0], ci_high=ci[1],
                method=method, source=source, unit=unit, reliability=reliability, suppressed=suppressed,
                note=note)


def estimates(ski_ci=(np.nan, np.nan)) -> pd.DataFrame:
    pub = dict(source="published")
    rows = [
        row("stunting", "2022-12", 0.210, method="published:SSGI 2022", note="Kemenkes SSGI 2022", **pub),
        row("stunting", "2023-12", 0.274, method="published:SKI 2023", ci=ski_ci, note="Kemenkes SKI 2023", **pub),
        row("stunting", "2023-12", 0.196, method="published:e-PPGBM 2023", note="Pemkot Bontang", **pub),
        row("stunting", "2024-08", 0.220, ci=(0.212, 0.228), n=10900),
        row("stunting", "2025-02", 0.214, ci=(0.206, 0.222), n=10950),
        row("stunting", "2025-02", 0.226, code=KEC, level="kecamatan", name="Bontang Utara", ci=(0.214, 0.238)),
        row("stunting", "2025-02", 0.230, method="direct:logit", source="eppgbm", ci=(0.2, 0.26),
            code=KEC, level="kecamatan", name="Bontang Utara", period="2024-08"),   # an older rakor: ignored
        row("weighing_participation", "2025-02", 0.55, method="ratio:register", n=20000, note="S: DTSEN <5"),
        row("stunting_population_bounds", "2025-02", np.nan, method="bounds:worst-case", ci=(0.118, 0.568),
            n=20000, note="p = measured/S"),
        row("poverty_p0", "2023-03", 0.0411, method="published:BPS 2023", **pub),
        row("poverty_p0", "2024-03", 0.0374, method="published:BPS 2024", **pub),
        row("extreme_poverty_p0", "2022-12", 0.0, method="published:BPS / TNP2K 2022", **pub),
        row("poverty_p0", "2025-03", 0.0412, source="susenas", ci=(0.0301, 0.0553), n=986, reliability="reliable"),
        row("poverty_p0", "2025-03", 0.05, source="susenas", method="fay-herriot"),  # not the direct estimate
        row("dtsen_desil1_share", "2025-02", 0.05, source="dtsen", method="ratio:register", n=50000),
        row("dtsen_desil1_families", "2025-02", 2500, source="dtsen", method="count", unit="count"),
        row("rt_extreme_candidates", "2025-03", 12, code="64.74.01.1003", level="kelurahan", name="Lok Tuan",
            source="pendataan_rt", method="count", unit="count"),
        row("rt_extreme_candidates", "2025-03", 3, code="64.74.01.1006", level="kelurahan", name="Api-api",
            source="pendataan_rt", method="count", unit="count", suppressed=True, note="<5"),
    ]
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def by_source(table: pd.DataFrame, source: str, when: str | None = None) -> pd.Series:
    sel = table[table[table.columns[1]] == source]
    if when is not None:
        sel = sel[sel[table.columns[4]] == when]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def test_table_selects_and_formats_id():
    table, fig, sentences = side_by_side(estimates(), KOTA, "id")
    assert list(table.columns) == COLUMNS["id"]
    assert table["Topik"].tolist()[:6] == ["Stunting"] * 6 and set(table["Topik"][6:]) == {"Kemiskinan"}
    ski = by_source(table, "SKI 2023")
    assert (ski["Jenis"], ski["Periode data"], ski["Angka"], ski["IK 95% / batas"]) == (
        "survei (dipublikasikan)", "2023", "27,4%", "")
    assert ski["Keterangan"] == ""  # the citation goes to the table's source note
    assert table.attrs["sources"] == {"SSGI 2022": "Kemenkes SSGI 2022", "SKI 2023": "Kemenkes SKI 2023",
                                      "e-PPGBM 2023": "Pemkot Bontang"}
    assert by_source(table, "e-PPGBM 2023")["Jenis"] == "register (dipublikasikan)"
    reg = by_source(table, "e-PPGBM", "Februari 2025")
    assert (reg["Angka"], reg["IK 95% / batas"]) == ("21,4%", "IK 95%: 20,6\u201322,2")
    assert reg["Keterangan"] == "partisipasi D/S 55,0% (sasaran: balita di DTSEN)"
    assert by_source(table, "e-PPGBM", "Agustus 2024")["Keterangan"] == ""  # no participation row that round
    bounds = by_source(table, "e-PPGBM dan sasaran balita")
    assert (bounds["Angka"], bounds["IK 95% / batas"]) == ("", "batas 11,8%\u201356,8%")
    assert by_source(table, "BPS 2024")["Angka"] == "3,74%"  # as BPS publishes it
    survey = by_source(table, "Survei rumah tangga")
    assert (survey["Angka"], survey["IK 95% / batas"], survey["Keterangan"]) == (
        "4,1%", "IK 95%: 3,0\u20135,5", "andal")
    desil = by_source(table, "DTSEN, keluarga desil 1")
    assert (desil["Angka"], desil["Keterangan"]) == ("5,0%", "2.500 dari 50.000 keluarga")
    rt = table[table["Sumber"] == "Pendataan RT"]
    assert rt["Wilayah"].tolist() == ["Lok Tuan", "Api-api"] and rt["Angka"].tolist() == ["12", "<5"]
    assert fig is not None and "SKI 2023 27,4%" in plots.alt_text(fig)
    assert "batas populasi (kasus terburuk) Februari 2025 11,8%\u201356,8%" in plots.alt_text(fig)
    assert isinstance(sentences, list) and all(isinstance(s, str) for s in sentences)


def test_sentences_compare_register_with_survey_of_the_same_year():
    _, _, sentences = side_by_side(estimates(), KOTA, "id")
    text = " ".join(sentences)
    # the survey of 2023 is compared with the register of 2023 (the published e-PPGBM figure)
    assert ("Menurut SKI 2023, prevalensi stunting Kota Bontang 27,4%; register e-PPGBM 2023 mencatat "
            "19,6% dari balita yang ditimbang.") in text
    assert "tidak memuat interval kepercayaan; angka register lebih rendah dari angka survei." in text
    assert "Perbedaan ini bisa terjadi karena register hanya mencakup balita yang ditimbang" in text
    assert "posyandu" in text and "pengukuran" in text
    assert ("prevalensi stunting seluruh balita sasaran Kota Bontang pada Februari 2025 berada antara 11,8% "
            "dan 56,8% (batas kasus terburuk).") in text
    assert "Angka kemiskinan resmi BPS untuk Kota Bontang: 3,74% (2024)." in text
    assert "Estimasi survei rumah tangga (Maret 2025): 4,1% (IK 95%: 3,0\u20135,5); tahunnya berbeda" in text
    assert "Di DTSEN, 5,0% keluarga Kota Bontang berada di desil 1 (2.500 keluarga)." in text
    assert "bukan angka kemiskinan" in text
    assert "Lok Tuan 12, Api-api <5" in text
    # every number written is one of the table's figures (or a year, or the 95 of IK 95%)
    allowed = {27.4, 19.6, 55.0, 11.8, 56.8, 3.74, 4.1, 3.0, 5.5, 5.0, 2500, 12, 95, 2023, 2024, 2025, 1}
    assert set(parse_numbers(text, "id")) <= allowed


def test_register_outside_and_inside_the_survey_interval():
    _, _, sentences = side_by_side(estimates(ski_ci=(0.241, 0.309)), KOTA, "id")
    text = " ".join(sentences)
    assert "Angka register berada di luar interval kepercayaan survei (lebih rendah dari batas bawah)." in text
    assert "Perbedaan ini bisa terjadi" in text
    _, _, sentences = side_by_side(estimates(ski_ci=(0.180, 0.309)), KOTA, "en")
    text = " ".join(sentences)
    assert "The register figure lies within the survey's confidence interval." in text
    assert "The difference can arise" not in text


def test_by_name_register_of_the_survey_year_is_preferred():
    est = estimates(ski_ci=(0.241, 0.309))
    est = pd.concat([est, pd.DataFrame([row("stunting", "2023-08", 0.231, ci=(0.22, 0.24)),
                                        row("weighing_participation", "2023-08", 0.48, method="ratio:register",
                                            n=21000, note="S: Sasaran_Balita")])], ignore_index=True)
    _, _, sentences = side_by_side(est, KOTA, "id")
    text = " ".join(sentences)
    assert "register e-PPGBM (Agustus 2023) mencatat 23,1%" in text
    assert "partisipasi D/S 48,0% pada Agustus 2023" in text
    assert "lebih rendah dari batas bawah" in text


def test_english_and_kecamatan_brief_uses_kota_published_figures():
    table, fig, sentences = side_by_side(estimates(), KEC, "en")
    assert list(table.columns) == COLUMNS["en"]
    ski = table[table["Source"] == "SKI 2023"].iloc[0]
    assert (ski["Area"], ski["Figure"], ski["Kind"]) == ("Kota Bontang", "27.4%", "survey (published)")
    reg = table[table["Source"] == "e-PPGBM"]
    assert reg["Area"].tolist() == ["Bontang Utara"] and reg["Figure"].tolist() == ["22.6%"]  # latest rakor only
    assert table[table["Source"] == "RT listing"]["Area"].tolist() == ["Lok Tuan", "Api-api"]
    text = " ".join(sentences)
    assert "According to SKI 2023, stunting prevalence in Kota Bontang was 27.4%" in text
    assert "worst-case bounds" not in text  # no bounds rows for the kecamatan in this table
    assert fig is not None


def test_poverty_line_sentence_and_missing_sections():
    line = resolve_line("poverty", KOTA, "2025-03")
    _, _, sentences = side_by_side(estimates(), KOTA, "id", poverty_line=line)
    assert ("Estimasi ini memakai garis kemiskinan Kota Bontang 2024, Rp801.945 \u2014 terbaru yang tersedia."
            in sentences)
    only_poverty = estimates()
    only_poverty = only_poverty[~only_poverty["indicator"].isin(["stunting", "stunting_population_bounds",
                                                                   "weighing_participation"])]
    table, fig, sentences = side_by_side(only_poverty, KOTA, "id")
    assert fig is None and set(table["Topik"]) == {"Kemiskinan"}
    bounds_only = estimates()
    bounds_only.loc[bounds_only["indicator"] == "stunting_population_bounds", ["ci_low", "ci_high", "note"]] = [
        np.nan, np.nan, "S=0"]
    _, _, sentences = side_by_side(bounds_only, KOTA, "id")
    assert "Batas populasi Februari 2025 tidak dapat dihitung: jumlah sasaran balita tidak tersedia." in sentences


def test_show_side_by_side_displays_heading_sentences_table_and_chart(monkeypatch):
    import IPython.display

    from analysis.briefs.side_by_side import show_side_by_side

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    show_side_by_side(estimates(), KOTA, "id")
    assert shown[0].data == "## Menyandingkan data"
    assert shown[1].data.startswith("Menurut SKI 2023")
    assert "<table" in shown[2].data and "SKI 2023" in shown[2].data
    assert "Sumber: SSGI 2022: Kemenkes SSGI 2022; SKI 2023: Kemenkes SKI 2023" in shown[2].data
    assert "image/png" in shown[3]  # plots.show passes the PNG with its alt text
    assert not plt.get_fignums()  # and closes the figure


def test_published_figure_to_be_confirmed_is_marked():
    est = pd.concat([estimates(), pd.DataFrame([row(
        "stunting", "2024-08", 0.206, source="published", method="published:e-PPGBM Agustus 2024",
        note="Pemkot Bontang, bulan timbang Agustus 2024 (local press; source to confirm)")])], ignore_index=True)
    table, _, _ = side_by_side(est, KOTA, "id")
    assert by_source(table, "e-PPGBM Agustus 2024")["Keterangan"] == "sumber perlu dikonfirmasi"
    assert "source to confirm" in table.attrs["sources"]["e-PPGBM Agustus 2024"]

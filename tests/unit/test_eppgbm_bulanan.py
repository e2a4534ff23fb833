"""The monthly e-PPGBM report (source eppgbm_bulanan): reading both header styles, recomputing
every Pct_ column, the denominator taken from the file's own Pct_, and the monthly estimates.

Fixture rows: tests/fixtures/formats/README.md. Wilson limits below were computed by hand from
the formula (centre (p + z²/2n)/(1 + z²/n), half-width z·sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n),
z = 1.959964), not by the code under test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from analysis.estimates.monthly import monthly_rows

OK = Path(__file__).parents[1] / "fixtures" / "formats" / "ok"
WEB = "eppgbm_bulanan/laporan_bulanan_2025.xls"
HUMAN = "eppgbm_bulanan/laporan_bulanan_manual_2025.csv"


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    from analysis.intake.clean import clean_all

    mp = pytest.MonkeyPatch()
    mp.setenv("RAKOR_PSEUDONYM_KEY", "unit-test-key")
    out = tmp_path_factory.mktemp("processed")
    res = clean_all(OK, out, today=dt.date(2025, 10, 1))
    yield res, out
    mp.undo()


def test_rows_in_equal_kept_plus_rejected(cleaned):
    res, out = cleaned
    intake = pd.read_parquet(out / "intake.parquet").set_index("file")
    assert tuple(intake.loc[WEB, ["rows_in", "rows_kept", "rows_rejected"]]) == (7, 7, 0)
    assert tuple(intake.loc[HUMAN, ["rows_in", "rows_kept", "rows_rejected"]]) == (3, 2, 1)
    rej = res.rejects.query("source == 'eppgbm_bulanan'")
    assert rej[["row", "column", "value", "reason"]].values.tolist() == [
        [4, "Tahun", "2O25", "invalid_number"]]


def test_canonical_names_codes_and_free_spellings(cleaned):
    _, out = cleaned
    t = pd.read_parquet(out / "eppgbm_bulanan.parquet")
    for c in ("period", "kecamatan_code", "kelurahan_code", "puskesmas", "children_target",
              "children_this_month", "children_weighed", "children_measured_height", "stunted",
              "wasted", "underweight", "overweight", "gained_n", "not_gained_t",
              "not_weighed_last_month_o", "new_b", "weighed_corrected_d"):
        assert c in t.columns, c
    # Columns not in the aliases are kept in snake_case.
    assert "other_jml_balita_gizi_buruk" in t.columns
    web = t[t["source_file"] == WEB].set_index("source_row")
    assert web.loc[3, "kelurahan_code"] == "64.74.02.1003"   # "BEREBAS PANTAI"
    assert web.loc[5, "kelurahan_code"] == "64.74.01.1003"   # "LOK TUAN"
    assert web.loc[7, "kelurahan_code"] == "64.74.02.1001"   # "Tanjung Laut"
    assert list(web["period"]) == ["2025-01", "2025-02", "2025-01", "2025-02", "2025-01",
                                   "2025-02", "2025-03"]
    assert web.loc[3, "children_target"] == 400 and web.loc[3, "gained_n"] == 150
    human = t[t["source_file"] == HUMAN].set_index("source_row")
    # Human headers; "Api-api" and "API API" are one kelurahan; "Pebruari" is February.
    assert set(human["kelurahan_code"]) == {"64.74.01.1006"}
    assert list(human["period"]) == ["2025-01", "2025-02"]
    assert human.loc[2, "children_measured_height"] == 118


def test_pct_differences_are_findings_with_file_row_and_column(cleaned):
    _, out = cleaned
    f = pd.read_parquet(out / "findings.parquet").query("source == 'eppgbm_bulanan'")
    pct = f[f["reason"] == "pct_disagrees"]
    # Row 4: 28 / 210 = 13.33 vs 13,40 (0.07 points); row 8: 205 / 350 = 58.57 vs 60,00.
    assert pct[["file", "row", "column"]].values.tolist() == [
        [WEB, 4, "Pct_Balita_Stunting"], [WEB, 8, "Pct_Balita_Ditimbang"]]
    assert "13.33" in pct["value"].iloc[0] and "58.57" in pct["value"].iloc[1]
    # 15,00 = 30/200 and 0,83 = 2/240 (0.833) are within 0.05 points: no finding.
    assert not ((f["row"] == 3) & (f["reason"] == "pct_disagrees")).any()


def test_empty_denominator_uses_the_count_the_file_divided_by(cleaned):
    res, out = cleaned
    t = pd.read_parquet(out / "eppgbm_bulanan.parquet").set_index(["source_file", "source_row"])
    # Row 5 (Lok Tuan, January): Balita_Diukur_PB_TB empty; Pct_Balita_Stunting 10,00 = 15/150
    # = Jml_Balita_Stunting / Balita_Ditimbang (not / Balita_Ditimbang_Diukur 148: 10.14).
    assert t.loc[(WEB, 5), "n_stunted"] == 150
    assert t.loc[(WEB, 5), "n_stunted_from"] == "children_weighed"
    assert t.loc[(WEB, 3), "n_stunted_from"] == "children_measured_height"
    assert any("Balita_Diukur_PB_TB empty" in n and "Balita_Ditimbang" in n for n in res.notes)
    # Overweight has no Pct_ column to tell: no denominator, said as a finding.
    f = pd.read_parquet(out / "findings.parquet")
    assert ((f["row"] == 5) & (f["reason"] == "denominator_missing")).sum() == 1
    assert pd.isna(t.loc[(WEB, 5), "n_overweight"])


def test_monthly_rows_wilson_by_hand(cleaned):
    _, out = cleaned
    t = pd.read_parquet(out / "eppgbm_bulanan.parquet")
    rows = monthly_rows(t, "2025-02")
    assert set(rows["data_period"]) == {"2025-01", "2025-02"}  # March is after the period
    assert set(rows["indicator"]) == {"stunting", "wasting", "underweight", "overweight"}
    assert (rows["source"] == "eppgbm_bulanan").all() and (rows["method"] == "count:wilson").all()
    assert (rows["period"] == "2025-02").all()

    def one(level, code, dp, ind="stunting"):
        r = rows[(rows["area_level"] == level) & (rows["area_code"] == code)
                 & (rows["data_period"] == dp) & (rows["indicator"] == ind)]
        assert len(r) == 1
        return r.iloc[0]

    r = one("kelurahan", "64.74.02.1003", "2025-01")  # Berbas Pantai: 30 / 200
    assert (r["n"], r["estimate"]) == (200, 0.15)
    assert r["ci_low"] == pytest.approx(0.107136, abs=1e-6)
    assert r["ci_high"] == pytest.approx(0.206056, abs=1e-6)
    r = one("kelurahan", "64.74.01.1003", "2025-01")  # Lok Tuan: 15 / 150 (Balita_Ditimbang)
    assert (r["n"], r["ci_low"], r["ci_high"]) == (150, pytest.approx(0.061541, abs=1e-6),
                                                   pytest.approx(0.158435, abs=1e-6))
    assert "children_weighed" in r["note"]
    r = one("kecamatan", "64.74.02", "2025-01")  # Berbas Pantai + Tanjung Laut: 49 / 390
    assert r["n"] == 390 and r["ci_low"] == pytest.approx(0.096356, abs=1e-6)
    assert r["ci_high"] == pytest.approx(0.162229, abs=1e-6)
    r = one("kota", "64.74", "2025-01")  # + Lok Tuan 15/150 + Api-api 12/118: 76 / 658
    assert r["n"] == 658 and r["estimate"] == pytest.approx(76 / 658)
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(0.09328, abs=1e-6),
                                           pytest.approx(0.142186, abs=1e-6))
    r = one("kota", "64.74", "2025-02")  # 28/210 + 16/155 + 20/200 + 13/125 = 77 / 690
    assert r["n"] == 690 and r["ci_low"] == pytest.approx(0.090218, abs=1e-6)
    # Lok Tuan January has no overweight denominator: the kota's January overweight omits it.
    r = one("kota", "64.74", "2025-01", "overweight")
    assert r["n"] == 200 + 190 + 118


def test_monthly_rows_of_nothing():
    assert monthly_rows(pd.DataFrame(), "2025-02").empty


# -- the app's z-scores verified (analysis.estimates.eppgbm_checks) -------------------------------

def _kids():
    """Hand-made children (compute_zscores columns that matter): see each comment."""
    rows = [  # period, kecamatan, kelurahan, puskesmas, app_haz, is_stunted
        ("2025-02", "64.74.01", "64.74.01.1003", "PKM A", -2.5, True),    # agree
        ("2025-02", "64.74.01", "64.74.01.1003", "PKM A", -1.5, True),    # differ
        ("2025-02", "64.74.01", "64.74.01.1004", "PKM A", -2.1, False),   # differ
        ("2025-02", "64.74.01", "64.74.01.1004", "PKM B", -1.0, False),   # agree
        ("2025-02", "64.74.02", "64.74.02.1001", "PKM C", None, True),    # no app value
        ("2025-02", "64.74.02", "64.74.02.1001", "PKM C", -3.0, None),    # no value of ours
        ("2025-02", "64.74.02", "64.74.02.1001", "PKM C", -2.0, False),   # -2.00 is not < -2
        ("2025-02", "64.74.02", "64.74.02.1001", "PKM C", -0.5, False),   # agree
        ("2024-08", "64.74.01", "64.74.01.1003", "PKM A", -2.2, True),    # earlier round, agree
        ("2025-08", "64.74.01", "64.74.01.1003", "PKM A", -1.0, True),    # after the period
    ]
    df = pd.DataFrame(rows, columns=["period", "kecamatan_code", "kelurahan_code", "puskesmas",
                                     "app_haz", "is_stunted"])
    return df.astype({"app_haz": float, "is_stunted": "boolean"})


def test_z_disagreement_rows_by_hand():
    from analysis.estimates.eppgbm_checks import z_disagreement_rows

    rows = z_disagreement_rows(_kids(), "2025-02")
    assert set(rows["indicator"]) == {"eppgbm_z_disagreement"}
    assert set(rows["data_period"]) == {"2024-08", "2025-02"}

    def one(level, code, dp="2025-02", breakdown="total"):
        r = rows[(rows["area_level"] == level) & (rows["area_code"] == code)
                 & (rows["data_period"] == dp) & (rows["breakdown"] == breakdown)]
        assert len(r) == 1, (level, code, dp, breakdown)
        return r.iloc[0]

    r = one("kota", "64.74")  # 6 compared, 2 differ
    assert (r["n"], r["estimate"]) == (6, pytest.approx(2 / 6))
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(0.096771, abs=1e-6),
                                           pytest.approx(0.700007, abs=1e-6))
    assert (one("kecamatan", "64.74.01")["n"], one("kecamatan", "64.74.01")["estimate"]) == (4, 0.5)
    assert one("kecamatan", "64.74.02")["estimate"] == 0.0
    r = one("kelurahan", "64.74.01.1003")
    assert (r["n"], r["ci_low"], r["ci_high"]) == (2, pytest.approx(0.094531, abs=1e-6),
                                                   pytest.approx(0.905469, abs=1e-6))
    r = one("kota", "64.74", breakdown="puskesmas=PKM A")
    assert (r["n"], r["estimate"]) == (3, pytest.approx(2 / 3))
    r = one("kota", "64.74", breakdown="puskesmas=PKM B")
    assert (r["n"], r["estimate"], r["ci_high"]) == (1, 0.0, pytest.approx(0.793451, abs=1e-6))
    assert one("kota", "64.74", dp="2024-08")["n"] == 1
    assert (rows["method"] == "count:wilson").all() and (rows["source"] == "eppgbm").all()


def test_z_disagreement_without_app_column_or_puskesmas():
    from analysis.estimates.eppgbm_checks import z_disagreement_rows

    assert z_disagreement_rows(_kids().drop(columns=["app_haz"]), "2025-02").empty
    rows = z_disagreement_rows(_kids().drop(columns=["puskesmas"]), "2025-02")
    assert set(rows["breakdown"]) == {"total"}


def test_z_disagreement_on_the_cleaned_web_export(cleaned):
    from analysis.anthropometry import compute_zscores
    from analysis.estimates.eppgbm_checks import z_disagreement_rows

    res, _ = cleaned
    kids = compute_zscores(res.tables["eppgbm"])
    rows = z_disagreement_rows(kids, "2025-02")
    kota = rows[(rows["area_level"] == "kota") & (rows["breakdown"] == "total")].iloc[0]
    # Web rows 5 (999,99) and 6 (83..9) carry no app value: of the 8 children kept, 6 compare.
    assert kota["n"] == 6
    # Web row 4: a boy of 1438 days (47 months), 94.5 cm; the WHO 2006 median at 47 months is
    # about 102.5 cm with an SD of about 4 cm, so about -2 (ours: stunted); the app says -1.20.
    # Every other child is far from -2 on both sides (app -1.00 and heights near the median, or
    # the girl of row 8 at 72 cm and 21 months: app -2.45 and ours far below -2).
    assert kota["estimate"] == pytest.approx(1 / 6)
    assert {b for b in rows["breakdown"] if b.startswith("puskesmas=")} >= {
        "puskesmas=Bontang Utara I", "puskesmas=Bontang Barat"}

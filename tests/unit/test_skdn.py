"""SKDN: a three-month panel written by hand, with the counts worked out by hand (docs/methods.md).

Kelurahan 64.74.01.1003, posyandu Mawar (and Melati for child H), months 2025-01 … 2025-03.
Ages in days; completed months = floor(days / 30.4375). KBM (Buku KIA 2023 p. 54): 1 mo 800 g,
2 mo 900, 3 mo 800, 4 mo 600, 5 mo 500, 6-7 mo 400, 8-10 mo 300, 11-60 mo 200.

| child | Jan (age d, kg) | Feb               | Mar               | by hand |
|-------|-----------------|-------------------|-------------------|---------|
| A     | 70, 5.0         | 100 (3 mo), 5.7   | 130 (4 mo), 6.3   | Feb +700 g < 800: T; Mar +600 g = 600: N |
| B     | 70, 5.0         | 100 (3 mo), 5.8   | (no row)          | Feb +800 g: N; Mar a target not weighed |
| C     | 65, 8.3         | 95 (3 mo), 9.1    | (no row)          | Feb 8.3 -> 9.1 = 800 g exactly: N |
| D     | 610, 10.0       | 640 (21 mo), 10.1 | 670, 10.2         | T, T: 2T in Mar |
| E     | 900, 12.0       | 930, 12.1         | 960, 12.4         | Feb T; Mar +300 g: N |
| F     | 400, 9.0        | (no row)          | 460, 9.3          | Feb a target not weighed; Mar O |
| G     | -               | 10, 3.2           | 40 (1 mo), 4.2    | Feb B; Mar +1000 g >= 800: N |
| H     | -               | -                 | 730, 11.0 Melati  | Mar O (first weighed, 24 mo) |
| I     | 1801 (59 mo), 15| 1832 (60 mo), 15.1| -                 | a target in Jan only |

Jan: S 7, D 7 (the first month: N/T/O/B unknown). Feb: S 7 (F carried, I aged out), D 6, N 2
(B, C), T 3 (A, D, E), O 0, B 1 (G). Mar: S 8, D 6, N 3 (A, E, G), T 1 (D), O 2 (F, H), B 0, 2T 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import RakorInputError
from analysis.estimates import skdn as est_skdn
from analysis.measures import skdn

KEL = "64.74.01.1003"
_ROWS = [  # child, period, age_days, weight_kg, posyandu
    ("A", "2025-01", 70, 5.0, "Mawar"), ("A", "2025-02", 100, 5.7, "Mawar"), ("A", "2025-03", 130, 6.3, "Mawar"),
    ("B", "2025-01", 70, 5.0, "Mawar"), ("B", "2025-02", 100, 5.8, "Mawar"),
    ("C", "2025-01", 65, 8.3, "Mawar"), ("C", "2025-02", 95, 9.1, "Mawar"),
    ("D", "2025-01", 610, 10.0, "Mawar"), ("D", "2025-02", 640, 10.1, "Mawar"), ("D", "2025-03", 670, 10.2, "Mawar"),
    ("E", "2025-01", 900, 12.0, "Mawar"), ("E", "2025-02", 930, 12.1, "Mawar"), ("E", "2025-03", 960, 12.4, "Mawar"),
    ("F", "2025-01", 400, 9.0, "Mawar"), ("F", "2025-03", 460, 9.3, "Mawar"),
    ("G", "2025-02", 10, 3.2, "Mawar"), ("G", "2025-03", 40, 4.2, "Mawar"),
    ("H", "2025-03", 730, 11.0, "Melati"),
    ("I", "2025-01", 1801, 15.0, "Mawar"), ("I", "2025-02", 1832, 15.1, "Mawar"),
]


@pytest.fixture
def panel() -> pd.DataFrame:
    p = pd.DataFrame(_ROWS, columns=["child_key", "period", "age_days", "weight_kg", "posyandu"])
    p["kelurahan_code"] = KEL
    p["kecamatan_code"] = "64.74.01"
    p["measure_date"] = pd.to_datetime(p["period"] + "-15")
    return p.sample(frac=1.0, random_state=3).reset_index(drop=True)  # order must not matter


def test_kbm_table_is_the_kia_book():
    expected = [800, 800, 900, 800, 600, 500, 400, 400, 300, 300, 300] + [200] * 50  # months 0..60
    assert skdn.load_kbm().tolist() == expected


def test_kbm_table_errors_name_row_and_column(tmp_path):
    (tmp_path / "kbm.csv").write_text("age_months_min,age_months_max,kbm_g\n1,5,800\n4,60,2x0\n")
    with pytest.raises(RakorInputError, match=r"row 3, column `kbm_g`"):
        skdn.load_kbm(tmp_path)
    (tmp_path / "kbm.csv").write_text("age_months_min,age_months_max,kbm_g\n1,5,800\n7,60,200\n")
    with pytest.raises(RakorInputError, match="first 6"):
        skdn.load_kbm(tmp_path)


def test_each_weighing_classified(panel):
    w = skdn.classify_weighings(panel).set_index(["child_key", "period"])
    expected = {("A", "2025-02"): "T", ("A", "2025-03"): "N", ("B", "2025-02"): "N", ("C", "2025-02"): "N",
                ("D", "2025-02"): "T", ("D", "2025-03"): "T", ("E", "2025-02"): "T", ("E", "2025-03"): "N",
                ("F", "2025-03"): "O", ("G", "2025-02"): "B", ("G", "2025-03"): "N", ("H", "2025-03"): "O"}
    for key, status in expected.items():
        assert w.loc[key, "status"] == status, key
    assert w.loc[("C", "2025-02"), "gain_g"] == 800  # 9.1 - 8.3 in floats is 0.79999...
    assert w.loc[("A", "2025-02"), "kbm_g"] == 800 and w.loc[("A", "2025-03"), "kbm_g"] == 600
    assert w.loc[("A", "2025-03"), "age_months"] == 4
    assert ("I", "2025-02") not in w.index  # 60 months: no longer a balita
    assert w["is_2t"].sum() == 1 and w.loc[("D", "2025-03"), "is_2t"]


def test_kbm_at_three_and_four_months():
    p = pd.DataFrame({"child_key": ["x", "x", "y", "y", "z", "z", "u", "u"],
                      "period": ["2025-01", "2025-02"] * 4,
                      # x, y 3 months at the later weighing; z 4 months; u 4 months one gram short
                      "age_days": [70, 100, 70, 100, 100, 130, 100, 130],
                      "weight_kg": [6.1, 6.8, 6.1, 6.9, 6.4, 7.0, 6.401, 7.0]})
    st = skdn.classify_weighings(p).set_index(["child_key", "period"])["status"]
    assert [st[("x", "2025-02")], st[("y", "2025-02")], st[("z", "2025-02")], st[("u", "2025-02")]] == \
        ["T", "N", "N", "T"]


def test_counts_by_hand(panel):
    c = skdn.skdn_counts(panel, ["kelurahan_code"]).set_index("period")
    assert c.loc["2025-01", ["s", "d"]].tolist() == [7, 7]
    assert not c.loc["2025-01", "has_previous"]
    feb = c.loc["2025-02"]
    assert [feb[k] for k in ("s", "d", "n", "t", "o", "b")] == [7, 6, 2, 3, 0, 1]
    assert feb["has_previous"] and not feb["has_two_previous"]
    mar = c.loc["2025-03"]
    assert [mar[k] for k in ("s", "d", "n", "t", "o", "b", "t2")] == [8, 6, 3, 1, 2, 0, 1]
    assert mar["has_two_previous"]
    for _, row in c.iterrows():  # D' = D - O - B = N + T
        if row["has_previous"]:
            assert row["d"] - row["o"] - row["b"] == row["n"] + row["t"]


def _get(rows, indicator, dp, breakdown="total", level="kelurahan", method=None):
    r = rows[(rows["indicator"] == indicator) & (rows["data_period"] == dp) & (rows["breakdown"] == breakdown)
             & (rows["area_level"] == level)]
    if method is not None:
        r = r[r["method"] == method]
    assert len(r) == 1, (indicator, dp, breakdown, level, len(r))
    return r.iloc[0]


def test_estimate_rows(panel):
    from analysis.estimates.table import validate_estimates
    from analysis.estimation.survey import proportion_ci

    rows = est_skdn.skdn_rows(panel, "2025-03")
    validate_estimates(rows)
    assert set(rows["source"]) == {"eppgbm"}
    assert _get(rows, "skdn_s", "2025-03")["estimate"] == 8
    assert _get(rows, "skdn_s", "2025-03", level="kota")["estimate"] == 8
    assert _get(rows, "growth_2t", "2025-03", level="kecamatan")["estimate"] == 1
    assert _get(rows, "skdn_o", "2025-03", "posyandu=Mawar")["estimate"] == 1
    assert _get(rows, "skdn_o", "2025-03", "posyandu=Melati")["estimate"] == 1
    assert _get(rows, "skdn_s", "2025-03", "posyandu=Mawar")["estimate"] == 7
    posyandu = rows[rows["breakdown"].str.startswith("posyandu=")]
    assert set(posyandu["data_period"]) == {"2025-01", "2025-02", "2025-03"}  # the posyandu: every month
    part_sum = posyandu[(posyandu["indicator"] == "skdn_s") & (posyandu["data_period"] == "2025-03")]["estimate"].sum()
    assert part_sum == _get(rows, "skdn_s", "2025-03")["estimate"]  # the parts add up to the total
    # N, T, O, B need the month before; 2T the two before
    assert rows[(rows["data_period"] == "2025-01") & rows["indicator"].isin(["skdn_n", "skdn_o", "skdn_n_d"])].empty
    assert rows[(rows["data_period"] == "2025-02") & (rows["indicator"] == "growth_2t")].empty
    ds = _get(rows, "skdn_d_s", "2025-02")
    assert ds["estimate"] == pytest.approx(6 / 7) and ds["n"] == 7
    nd = _get(rows, "skdn_n_d", "2025-03")
    low, high = proportion_ci(np.array([3.0]), np.array([4.0]), "wilson")
    assert nd["estimate"] == pytest.approx(0.75) and nd["n"] == 4
    # Wilson (1927) for 3 of 4 at 95%, by formula
    z, p, n = 1.959963984540054, 0.75, 4
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert nd["ci_low"] == pytest.approx(centre - half) and nd["ci_high"] == pytest.approx(centre + half)
    assert low[0] == pytest.approx(nd["ci_low"])
    assert rows["estimate"].notna().all()
    # rows later than the period are left out
    assert set(est_skdn.skdn_rows(panel, "2025-02")["data_period"]) == {"2025-01", "2025-02"}


def test_app_column_and_report_side_by_side(panel):
    from analysis.estimates.table import validate_estimates

    panel["weight_gain"] = np.where(panel["child_key"].isin(["A", "D"]), "N", None)  # the app says N for A, D
    ours = est_skdn.skdn_rows(panel, "2025-03")
    app = est_skdn.skdn_app_rows(panel, "2025-03")
    validate_estimates(app)
    assert _get(app, "skdn_n", "2025-02", method=est_skdn.APP_METHOD)["estimate"] == 2
    report = pd.DataFrame({"period": ["2025-02", "2025-03"], "kecamatan_code": "64.74.01", "kelurahan_code": KEL,
                           "children_target": [10.0, 10.0], "children_weighed": [6.0, 7.0],
                           "gained_n": [2.0, 5.0], "not_gained_t": [np.nan, 1.0],
                           "not_weighed_last_month_o": [0.0, 1.0], "new_b": [1.0, 0.0]})
    rep = est_skdn.skdn_report_rows(report, ours, "2025-03")
    validate_estimates(rep)
    assert _get(rep, "skdn_n", "2025-03", method=est_skdn.REPORT_METHOD)["source"] == "eppgbm_bulanan"
    assert _get(rep, "skdn_n", "2025-03", method=est_skdn.REPORT_METHOD)["estimate"] == 5
    assert _get(rep, "skdn_n_difference", "2025-03", level="kota")["estimate"] == 3 - 5
    assert _get(rep, "skdn_s_difference", "2025-02")["estimate"] == 7 - 10
    assert _get(rep, "skdn_o_difference", "2025-03")["estimate"] == 2 - 1
    assert rep[(rep["indicator"] == "skdn_t_difference") & (rep["data_period"] == "2025-02")].empty  # empty cell
    # ours and the report's are two figures of one (area, indicator, breakdown, month): their methods differ
    both = pd.concat([ours, rep], ignore_index=True)
    assert not both.duplicated(["data_period", "area_code", "indicator", "breakdown", "method"]).any()


def test_worklist_rows(panel):
    from analysis.linkage.verification import growth_worklist_rows

    panel["waz"] = np.where(panel["child_key"] == "E", -3.4, -1.0)
    panel["waz_flag"] = False
    panel["family_key"] = pd.NA
    panel["rt"] = "003"
    rows = growth_worklist_rows(panel, "2025-03")
    assert sorted(zip(rows["person_key"], rows["masalah"], strict=True)) == [
        ("D", "2T_rujuk"), ("E", "bb_u_sangat_kurang")]
    assert rows["what_to_verify"].str.contains("Mawar").all()
    assert set(rows["kelurahan_code"]) == {KEL}


def test_small_counts_suppressed_with_their_rates(panel):
    """N/D' = 3/4 reveals N = 3 and T = 1: under min_cell 5 the rate hides with its counts."""
    from analysis.estimates.suppression import suppress

    ours = est_skdn.skdn_rows(panel, "2025-03")
    rows = suppress(ours)
    for ind in ("skdn_n", "skdn_t", "skdn_n_d", "growth_2t", "skdn_o"):
        assert _get(rows, ind, "2025-03")["suppressed"], ind
    # ours minus the report's would give a hidden count away: hidden with it
    report = pd.DataFrame({"period": ["2025-03"], "kecamatan_code": "64.74.01", "kelurahan_code": KEL,
                           "gained_n": [40.0]})
    both = suppress(pd.concat([ours, est_skdn.skdn_report_rows(report, ours, "2025-03")], ignore_index=True))
    assert _get(both, "skdn_n_difference", "2025-03")["suppressed"]


def test_growth_rows_reach_the_restricted_worklist(panel, tmp_path):
    from analysis.linkage.reconcile import verification_worklists
    from analysis.linkage.verification import growth_worklist_rows

    panel["waz"], panel["waz_flag"], panel["family_key"], panel["rt"] = -1.0, False, pd.NA, "003"
    rows = growth_worklist_rows(panel, "2025-03")  # D: 2T
    identity = pd.DataFrame({"key": ["D"], "nama": ["Anak Contoh"]})  # a made-up name
    files = verification_worklists({"growth": rows}, identity, tmp_path / "restricted")
    assert [f.name for f in files] == ["verifikasi_64_74_01_1003.xlsx"]
    sheet = pd.read_excel(files[0], header=1, dtype=str, engine="openpyxl")
    assert sheet[["nama", "masalah"]].values.tolist() == [["Anak Contoh", "2T_rujuk"]]
    assert "Posyandu Mawar" in sheet["yang_perlu_diverifikasi"].iat[0]

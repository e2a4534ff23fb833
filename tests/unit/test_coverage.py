"""Unit tests of analysis.estimates.coverage: target children from DTSEN (age at the round's end)
and the monthly report, participation D/S by hand, worst-case bounds by hand (p > 1, S = 0,
nobody measured), consistency with the stunting rows of the same round, the desil-1 share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import RakorInputError
from analysis.estimates.coverage import (
    P_CAPPED,
    S_DTSEN,
    S_REPORT,
    children_target,
    dtsen_desil1_share_rows,
    dtsen_under_fives,
    stunting_population_bounds_rows,
    under_five_consistency,
    weighing_participation_rows,
    worst_case_bounds,
)
from analysis.estimates.growth import growth_rows
from analysis.estimates.table import ESTIMATE_COLUMNS, count_rows

K1, K2, K3 = "64.74.01.1001", "64.74.01.1002", "64.74.02.1001"


def members() -> pd.DataFrame:
    # Ages on 2025-02-28 (end of the 2025-02 round), counted by hand:
    #   2023-01-10 → 780 d; 2020-02-29 → 1826 d (the last day under 60 months); 2020-02-28 → 1827 d;
    #   2025-03-05 → not yet born; 1990 → adult; NaT → unknown; 2024-12-01 → 89 d.
    births = {
        K1: ["2023-01-10", "2020-02-29", "2020-02-28", "2025-03-05", "1990-05-01", None, "2024-12-01"],
        K2: ["2022-06-01", "2021-01-01", "1985-01-01"],
        K3: ["1980-01-01", "1979-01-01"],
    }
    rows = [(k, b) for k, bs in births.items() for b in bs]
    return pd.DataFrame({"kelurahan_code": [k for k, _ in rows],
                         "birth_date": pd.to_datetime([b for _, b in rows])})


def children() -> pd.DataFrame:
    rows = ([("2025-02", K1, a) for a in (100, 500, 1900)]      # D = 2 (1900 days: not under five)
            + [("2025-02", K2, a) for a in (30, 300, 600, 900, 1200)]
            + [("2025-02", K3, 400)]
            + [("2024-08", K1, 700)] + [("2024-08", K2, a) for a in (50, 60)]
            + [("2025-08", K1, 70)])                              # after the rakor: ignored
    return pd.DataFrame(rows, columns=["period", "kelurahan_code", "age_days"])


def targets() -> pd.DataFrame:
    return pd.DataFrame({"kelurahan_code": [K2], "period": ["2025-02"], "children_target": [4]})


def pick(rows: pd.DataFrame, code: str, data_period: str) -> pd.Series:
    sel = rows[(rows["area_code"] == code) & (rows["data_period"] == data_period)]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def test_dtsen_under_fives_at_round_end():
    s = dtsen_under_fives(members(), "2025-02")
    assert s.to_dict() == {K1: 3, K2: 2, K3: 0}
    # on 2024-08-31: 2020-02-28 is 1646 days (under five), 2024-12-01 and 2025-03-05 not born
    assert dtsen_under_fives(members(), "2024-08").to_dict() == {K1: 3, K2: 2, K3: 0}


def test_report_target_takes_precedence_per_kelurahan():
    s = children_target(["2025-02", "2024-08"], members(), targets()).set_index(["period", "kelurahan_code"])
    assert s.loc[("2025-02", K2), "children_target"] == 4 and s.loc[("2025-02", K2), "target_source"] == S_REPORT
    assert s.loc[("2025-02", K1), "target_source"] == S_DTSEN
    assert s.loc[("2024-08", K2), "children_target"] == 2  # the report has no 2024-08 row
    dup = pd.concat([targets(), targets()])
    with pytest.raises(RakorInputError, match="two Sasaran_Balita values for kelurahan 64.74.01.1002"):
        children_target(["2025-02"], members(), dup)


def test_participation_by_hand():
    rows = weighing_participation_rows(children(), "2025-02", members=members(), targets=targets())
    assert list(rows.columns) == ESTIMATE_COLUMNS
    assert set(rows["data_period"]) == {"2024-08", "2025-02"}
    assert (rows["indicator"] == "weighing_participation").all() and (rows["unit"] == "proportion").all()
    k1 = pick(rows, K1, "2025-02")
    assert (k1["estimate"], k1["n"], k1["note"], k1["area_level"]) == (pytest.approx(2 / 3), 3, S_DTSEN, "kelurahan")
    k2 = pick(rows, K2, "2025-02")  # more weighed than targeted: shown as is, with a note
    assert (k2["estimate"], k2["n"]) == (pytest.approx(5 / 4), 4) and k2["note"] == S_REPORT + "; D>S"
    k3 = pick(rows, K3, "2025-02")
    assert np.isnan(k3["estimate"]) and k3["n"] == 0 and k3["note"] == S_DTSEN + "; S=0"
    kec = pick(rows, "64.74.01", "2025-02")
    assert (kec["estimate"], kec["n"], kec["area_level"]) == (pytest.approx(7 / 7), 7, "kecamatan")
    assert kec["note"] == "S: Sasaran_Balita + DTSEN <5"
    kec2 = pick(rows, "64.74.02", "2025-02")  # its only kelurahan has S = 0: no ratio
    assert np.isnan(kec2["estimate"]) and kec2["note"] == "S=0 or unknown in 1 kelurahan"
    kota = pick(rows, "64.74", "2025-02")
    assert (kota["estimate"], kota["n"], kota["area_level"]) == (pytest.approx(1.0), 7, "kota")
    assert kota["note"].endswith("S=0 or unknown in 1 kelurahan")
    assert pick(rows, K1, "2024-08")["estimate"] == pytest.approx(1 / 3)
    assert pick(rows, "64.74", "2024-08")["estimate"] == pytest.approx(3 / 5)


def test_participation_without_a_target_source_or_round():
    assert weighing_participation_rows(children(), "2025-02").empty
    assert weighing_participation_rows(children(), "2023-01", members=members()).empty
    only_report = weighing_participation_rows(children(), "2025-02", targets=targets())
    assert pick(only_report, K1, "2025-02")["note"] == "S unknown"
    assert pick(only_report, "64.74", "2025-02")["estimate"] == pytest.approx(5 / 4)


def test_worst_case_bounds_by_hand():
    low, high, capped = worst_case_bounds([0.2, 0.25, 0.3, np.nan], [0.5, 1.2, np.nan, 0.0])
    np.testing.assert_allclose(low, [0.10, 0.25, np.nan, 0.0])
    np.testing.assert_allclose(high, [0.60, 0.25, np.nan, 1.0])
    assert capped.tolist() == [False, True, False, False]


def estimates_by_hand() -> pd.DataFrame:
    # area A: r 20%, 50 measured of S 100; B: r 25%, 120 measured of S 100 (p > 1);
    # C: S = 0; D: nobody measured of S 40.
    rows = []
    for code, r, measured, s in (("64.74.01.1001", 0.20, 50, 100), ("64.74.01.1002", 0.25, 120, 100),
                                 ("64.74.01.1003", 0.10, 10, 0), ("64.74.01.1004", np.nan, 0, 40)):
        common = dict(area_level="kelurahan", area_code=code, data_period="2025-02", breakdown="total")
        rows += [dict(common, indicator="stunting", method="direct:logit", estimate=r, n=measured),
                 dict(common, indicator="children_measured", method="count", estimate=measured, n=measured),
                 dict(common, indicator="weighing_participation", method="ratio:register",
                      estimate=np.nan, n=s)]
    return pd.DataFrame(rows)


def test_bounds_rows_by_hand():
    rows = stunting_population_bounds_rows(estimates_by_hand(), "2025-03")
    assert list(rows.columns) == ESTIMATE_COLUMNS
    assert (rows["indicator"] == "stunting_population_bounds").all()
    assert (rows["method"] == "bounds:worst-case").all() and rows["estimate"].isna().all()
    a = pick(rows, "64.74.01.1001", "2025-02")
    assert (a["ci_low"], a["ci_high"], a["n"]) == (pytest.approx(0.10), pytest.approx(0.60), 100)
    assert a["note"] == "p = measured/S" and a["period"] == "2025-03"
    b = pick(rows, "64.74.01.1002", "2025-02")
    assert (b["ci_low"], b["ci_high"]) == (pytest.approx(0.25), pytest.approx(0.25))
    assert P_CAPPED in b["note"]
    c = pick(rows, "64.74.01.1003", "2025-02")
    assert np.isnan(c["ci_low"]) and np.isnan(c["ci_high"]) and c["note"] == "S=0"
    d = pick(rows, "64.74.01.1004", "2025-02")
    assert (d["ci_low"], d["ci_high"]) == (0.0, 1.0)


def test_bounds_agree_with_stunting_rows_of_the_same_round():
    # 10 children in K1 (3 stunted, 1 without a usable HAZ), 4 in K2 (1 stunted), round 2025-02
    kids = pd.DataFrame({
        "period": "2025-02", "kelurahan_code": [K1] * 10 + [K2] * 4,
        "kecamatan_code": "64.74.01", "sex": [1, 2] * 7, "age_days": 400,
        "is_stunted": pd.array([True] * 3 + [False] * 6 + [None] + [True] + [False] * 3, dtype="boolean"),
    })
    for col in ("is_severely_stunted", "is_wasted", "is_underweight"):
        kids[col] = pd.array([False] * 14, dtype="boolean")
    growth = growth_rows(kids, "2025-03")
    dtsen = pd.DataFrame({"kelurahan_code": [K1] * 20 + [K2] * 2,
                          "birth_date": pd.to_datetime(["2023-06-01"] * 22)})
    part = weighing_participation_rows(kids, "2025-03", members=dtsen)
    bounds = stunting_population_bounds_rows(pd.concat([growth, part], ignore_index=True), "2025-03")
    count = count_rows(kids, "is_stunted", indicator="stunting_count", period="2025-03",
                       data_period="2025-02", source="eppgbm")
    k1 = pick(bounds, K1, "2025-02")
    assert k1["n"] == 20
    # r = 3/9 measured, p = 9/20: [3/20, 3/20 + 11/20]; ci_low·S is the register's stunted count
    assert (k1["ci_low"], k1["ci_high"]) == (pytest.approx(3 / 20), pytest.approx(14 / 20))
    assert k1["ci_low"] * 20 == pytest.approx(pick(count, K1, "2025-02")["estimate"])
    k2 = pick(bounds, K2, "2025-02")  # 4 measured of S 2: p capped at 1, the bounds close on r
    assert (k2["ci_low"], k2["ci_high"]) == (pytest.approx(1 / 4), pytest.approx(1 / 4)) and P_CAPPED in k2["note"]
    kota = pick(bounds, "64.74", "2025-02")  # 13 measured of S 22, 4 stunted
    assert (kota["ci_low"], kota["ci_high"]) == (pytest.approx(4 / 22), pytest.approx(4 / 22 + 9 / 22))
    assert pick(part, "64.74", "2025-02")["estimate"] == pytest.approx(14 / 22)  # D/S counts all 14 weighed


def test_desil1_share_from_register_counts():
    common = dict(breakdown="total", method="count", data_period="2025-02")
    est = pd.DataFrame([
        dict(common, indicator="dtsen_desil1_families", area_level="kota", area_code="64.74", estimate=30.0),
        dict(common, indicator="dtsen_families", area_level="kota", area_code="64.74", estimate=400.0),
        dict(common, indicator="dtsen_desil1_families", area_level="kelurahan", area_code=K1, estimate=0.0),
        dict(common, indicator="dtsen_families", area_level="kelurahan", area_code=K1, estimate=0.0),
    ])
    rows = dtsen_desil1_share_rows(est, "2025-03")
    kota = pick(rows, "64.74", "2025-02")
    assert (kota["estimate"], kota["n"], kota["indicator"], kota["source"]) == (
        pytest.approx(0.075), 400, "dtsen_desil1_share", "dtsen")
    assert np.isnan(pick(rows, K1, "2025-02")["estimate"])   # no families: no share


def test_under_five_consistency_table():
    t = under_five_consistency(children(), members(), "2025-02").set_index(["period", "kelurahan_code"])
    assert t.loc[("2025-02", K1), "ratio"] == pytest.approx(2 / 3)
    assert t.loc[("2025-02", K2), "ratio"] == pytest.approx(5 / 2)
    assert np.isnan(t.loc[("2025-02", K3), "ratio"])

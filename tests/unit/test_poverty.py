"""Unit tests of analysis.estimation.poverty: FGT values by hand, person weighting, lines from config, errors.
R reference values: tests/reference/test_survey_reference.py::test_fgt_matches_r."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import config
from analysis.errors import RakorInputError
from analysis.estimation.poverty import (
    estimate_fgt,
    estimate_poor_persons,
    fgt_values,
    resolve_line,
)
from analysis.estimation.survey import SurveyDesign


def households() -> pd.DataFrame:
    # 8 households, 2 strata x 2 PSUs; expenditure around the lines 391.000 / 595.242
    return pd.DataFrame({
        "hh_id": range(1, 9),
        "strata": [1, 1, 1, 1, 2, 2, 2, 2],
        "psu": [1, 1, 2, 2, 1, 1, 2, 2],
        "weight_hh": [10.0, 10.0, 12.0, 12.0, 8.0, 8.0, 20.0, 20.0],
        "hh_size": [4, 2, 5, 3, 1, 6, 2, 3],
        "expenditure_pc_idr_month": [300_000, 700_000, 500_000, 1_200_000, 380_000, 650_000,
                                     590_000, 2_000_000],
        "kecamatan_code": ["64.74.01"] * 4 + ["64.74.02"] * 4,
    })


def test_fgt_values_by_hand():
    x = np.array([300.0, 400.0, 500.0, np.nan])
    np.testing.assert_allclose(fgt_values(x, 400, 0), [1, 0, 0, np.nan])     # strictly below
    np.testing.assert_allclose(fgt_values(x, 400, 1), [0.25, 0, 0, np.nan])
    np.testing.assert_allclose(fgt_values(x, 400, 2), [0.0625, 0, 0, np.nan])
    with pytest.raises(RakorInputError, match="alpha_fgt"):
        fgt_values(x, 400, 3)


def test_lines_come_from_config():
    assert resolve_line("extreme") == config.poverty_line("extreme")
    assert resolve_line("poverty") == config.poverty_line("poverty")
    with pytest.raises(RakorInputError):
        resolve_line("ekstrem")


def test_p0_p1_p2_are_person_weighted():
    hh = households()
    z = 595_242.0
    wm = hh["weight_hh"] * hh["hh_size"]
    x = hh["expenditure_pc_idr_month"]
    poor = (x < z).astype(float)
    gap = np.where(x < z, (z - x) / z, 0.0)
    design = SurveyDesign(strata="strata", cluster="psu", weights="weight_hh")
    p0 = estimate_fgt(hh, z, 0, design=design)
    p1 = estimate_fgt(hh, z, 1, design=design)
    p2 = estimate_fgt(hh, z, 2, design=design)
    assert p0["estimate"].iloc[0] == pytest.approx((wm * poor).sum() / wm.sum())
    assert p1["estimate"].iloc[0] == pytest.approx((wm * gap).sum() / wm.sum())
    assert p2["estimate"].iloc[0] == pytest.approx((wm * gap**2).sum() / wm.sum())
    assert p0["n_weighted"].iloc[0] == pytest.approx(wm.sum())
    assert p0["n"].iloc[0] == len(hh)
    assert p2["estimate"].iloc[0] <= p1["estimate"].iloc[0] <= p0["estimate"].iloc[0]
    assert list(p0["indicator"]) == ["p0"]
    # linearised SE of the ratio Σ wm·poor / Σ wm, written out for 2 strata x 2 PSUs
    u = wm * (poor - p0["estimate"].iloc[0]) / wm.sum()
    tot = u.groupby([hh["strata"], hh["psu"]]).sum()
    v = sum(2 * ((t - t.mean()) ** 2).sum() for _, t in tot.groupby(level=0))
    assert p0["se"].iloc[0] == pytest.approx(np.sqrt(v))


def test_poor_persons_total_and_domains():
    hh = households()
    z = config.poverty_line("extreme")
    res = estimate_poor_persons(hh, "extreme", by="kecamatan_code").set_index("kecamatan_code")
    poor = hh["expenditure_pc_idr_month"] < z
    expected = (hh["weight_hh"] * hh["hh_size"] * poor).groupby(hh["kecamatan_code"]).sum()
    assert res["estimate"].to_dict() == pytest.approx(expected.to_dict())
    assert (res["line_idr"] == z).all()


def test_zero_poor_domain_keeps_an_upper_bound():
    hh = households()
    res = estimate_fgt(hh, 100_000, 0, by="kecamatan_code", ci_method="korn-graubard")
    assert (res["estimate"] == 0).all()
    assert (res["ci_low"] == 0).all() and (res["ci_high"] > 0).all()
    persons = estimate_poor_persons(hh, 100_000, ci_method="korn-graubard")
    assert persons["estimate"].iloc[0] == 0 and persons["ci_high"].iloc[0] > 0


def test_input_errors():
    hh = households()
    with pytest.raises(RakorInputError, match="hh_size"):
        estimate_fgt(hh.assign(hh_size=0), "poverty")
    with pytest.raises(RakorInputError, match="expenditure_pc_idr_month"):
        estimate_fgt(hh.assign(expenditure_pc_idr_month=-1), "poverty")
    with pytest.raises(RakorInputError, match="`weight_hh`"):
        estimate_fgt(hh.assign(weight_hh=0.0), "poverty")
    with pytest.raises(RakorInputError, match="hh_size"):
        estimate_fgt(hh.drop(columns="hh_size"), "poverty")


def test_missing_expenditure_is_outside_the_domain():
    hh = households()
    hh.loc[0, "expenditure_pc_idr_month"] = np.nan
    res = estimate_fgt(hh, "poverty", 0)
    assert res["n"].iloc[0] == 7
    assert res["df"].iloc[0] == 2   # 4 PSUs − 2 strata: the household stays in the design

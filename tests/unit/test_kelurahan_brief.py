"""Kelurahan brief: posyandu/RT rows, their suppression, slugs (all data below is made up)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.estimates import local, suppression
from analysis.estimates.table import ESTIMATE_COLUMNS

KEL = "64.74.01.1003"


def _children():
    # posyandu A: 4 children, 2 stunted, 1 without a usable HAZ; B: 3 children, 1 stunted; one with no posyandu
    return pd.DataFrame({
        "kelurahan_code": [KEL] * 8,
        "posyandu": ["A", "A", "A", "A", "B", "B", "B", None],
        "rt": ["001", "001", "002", "002", "002", "003", "003", "003"],
        "is_stunted": pd.array([True, True, False, None, True, False, False, True], dtype="boolean"),
    })


def test_stunting_by_posyandu_and_rt_by_hand():
    rows = local.stunting_local_rows(_children(), "2025-03", "2025-02")
    assert list(rows.columns) == ESTIMATE_COLUMNS
    get = rows.set_index(["indicator", "breakdown"])
    assert get.loc[("stunting_count", "posyandu=A"), "estimate"] == 2
    assert get.loc[("stunting_count", "posyandu=A"), "n"] == 4  # children weighed
    assert get.loc[("children_measured", "posyandu=A"), "estimate"] == 3
    assert get.loc[("stunting", "posyandu=A"), "estimate"] == 2 / 3
    assert get.loc[("stunting", "posyandu=A"), "n"] == 3  # children measured
    assert get.loc[("stunting_count", "posyandu=tidak_diketahui"), "estimate"] == 1  # kept: parts add up
    # RT 003: children 6, 7, 8 → stunted False, False, True = 1
    assert get.loc[("stunting_count", "rt=003"), "estimate"] == 1
    parts = rows[(rows["indicator"] == "stunting_count") & rows["breakdown"].str.startswith("rt=")]
    assert parts["estimate"].sum() == 4  # = stunted children of the kelurahan
    assert (rows["area_level"] == "kelurahan").all()


def test_extreme_by_rt_by_hand():
    fam = pd.DataFrame({
        "kelurahan_code": [KEL] * 5, "family_key": ["f1", "f2", "f3", "f4", "f5"],
        "verified_extreme": [True, False, False, False, False],
        "is_extreme_poor": [True, True, True, False, False],
        "cleared": [False, False, False, True, False],
    })
    dtsen = pd.DataFrame({"family_key": ["f1", "f2", "f3", "f4", "f5"], "rt": ["001", "001", "002", "002", "003"]})
    rt = local.family_rt(fam, dtsen, None)
    assert rt.tolist() == ["001", "001", "002", "002", "003"]
    rows = local.extreme_by_rt_rows(fam, rt, "2025-03", "2025-03").set_index(["indicator", "breakdown"])
    assert rows.loc[("extreme_families_verified", "rt=001"), "estimate"] == 1
    assert rows.loc[("extreme_families_unverified", "rt=001"), "estimate"] == 1
    assert rows.loc[("extreme_families_unverified", "rt=002"), "estimate"] == 1
    assert rows.loc[("extreme_families_cleared", "rt=002"), "estimate"] == 1
    assert "rt=003" not in rows.index.get_level_values("breakdown")  # nothing to tell there


def _row(indicator, estimate, breakdown="total", n=np.nan):
    return dict(period="2025-03", data_period="2025-02", area_level="kelurahan", area_code=KEL, area_name=None,
                indicator=indicator, breakdown=breakdown, n=n, n_weighted=np.nan, estimate=estimate, se=np.nan,
                ci_low=np.nan, ci_high=np.nan, df=np.nan, deff=np.nan, p_value=np.nan, method="count",
                source="pendataan_rt", unit="count", reliability=None, suppressed=False, note=None)


def test_rt_parts_get_complementary_suppression_within_the_kelurahan():
    # total 20 = 2 + 10 + 8: the 2 is hidden; total − 10 − 8 would give it back, so 8 (the smallest
    # other part) is hidden too
    est = pd.DataFrame([_row("extreme_families_unverified", 20),
                        _row("extreme_families_unverified", 2, "rt=001"),
                        _row("extreme_families_unverified", 10, "rt=002"),
                        _row("extreme_families_unverified", 8, "rt=003")])[ESTIMATE_COLUMNS]
    out = suppression.suppress(est, min_cell=5)
    assert out["suppressed"].tolist() == [False, True, False, True]
    assert out.loc[1, "note"] == "<5"
    assert out.loc[3, "note"] == "*"


def test_posyandu_parts_are_additive():
    assert {"posyandu", "rt"} <= set(suppression.ADDITIVE_BREAKDOWNS)


def test_every_kelurahan_has_a_unique_slug():
    from analysis.pipeline import kelurahan_list

    kel = kelurahan_list()
    assert len(kel) == 15
    assert kel["slug"].is_unique
    assert "lok-tuan" in set(kel["slug"])

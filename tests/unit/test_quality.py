"""Tests for ``analysis.measures.quality`` on constructed data whose result is known by construction.

Expected values are computed by hand (arithmetic in comments) or from textbook formulas,
never copied from the module's output.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.errors import RakorInputError
from analysis.measures.quality import (
    assess_quality,
    digit_preference_score,
    plausibility_class,
    poisson_dispersion,
)

N = 296  # 148 boys + 148 girls; 136 aged 6–29 months + 160 aged 30–59 (136/160 = 0.85)


def perfect(n_young: int = 136, n_old: int = 160) -> pd.DataFrame:
    """A survey that should score 0 points: every check at its ideal value."""
    n = n_young + n_old
    i = np.arange(n)
    # WHZ: normal quantiles (mean 0, SD ≈ 1, symmetric, max 2.93 < 3: no SMART flag)
    z = stats.norm.ppf((i + 0.5) / n)
    young_days = 6 * 30.4375 + (np.arange(n_young) % 24) * 30.4375 + 10
    old_days = 30 * 30.4375 + (np.arange(n_old) % 30) * 30.4375 + 10
    return pd.DataFrame(
        {
            "sex": np.where(i % 2 == 0, 1, 2),
            "age_days": np.concatenate([young_days, old_days]),
            "weight_kg": 10 + (i % 10) / 10,  # tenths digits 0..9 in turn
            "height_cm": 80 + ((3 * i) % 10) / 10,
            "haz": z,
            "waz": z[::-1],
            "whz": z,
            "haz_flag": False,
            "waz_flag": False,
            "whz_flag": False,
            # sorted by WHZ: the 7 children with WHZ < -2 fall in 7 different posyandu
            "posyandu": i % 7,
        }
    )


def value(q: pd.DataFrame, check: str, area="total", col="value"):
    row = q[(q["area"] == area) & (q["check"] == check)]
    assert len(row) == 1, check
    return row[col].iloc[0]


def test_perfect_survey_scores_zero():
    q = assess_quality(perfect())
    assert list(q.columns) == ["area", "check", "value", "p_value", "rating", "rating_id", "points"]
    assert value(q, "n_children") == N
    assert value(q, "completeness_pct") == 100.0
    assert value(q, "sex_ratio") == 1.0
    assert value(q, "sex_ratio", col="p_value") == pytest.approx(1.0)
    assert value(q, "age_ratio_6_29_30_59") == pytest.approx(0.85)
    assert value(q, "age_ratio_6_29_30_59", col="p_value") == pytest.approx(1.0)
    assert value(q, "flagged_whz_smart_pct") == 0.0
    assert value(q, "skewness_whz_smart") == pytest.approx(0.0, abs=1e-12)
    scored = q[q["points"].notna()]
    assert len(scored) == 9
    assert (scored["points"] == 0).all()
    assert (scored["rating"] == "excellent").all()
    assert value(q, "plausibility_score") == 0
    assert value(q, "plausibility_score", col="rating") == "excellent"
    assert value(q, "plausibility_score", col="rating_id") == "sangat baik"
    assert value(q, "plausibility_checks_scored") == 9


def test_digit_preference_all_zero_tenths_is_maximal():
    # all heights end in .0: observed counts (n, 0, ..., 0), expected n/10 each
    # χ² = (n - n/10)²/(n/10) + 9·(n/10) = 8.1n + 0.9n = 9n; DPS = 100·sqrt(9n/(n·9)) = 100
    df = perfect()
    df["height_cm"] = np.floor(df["height_cm"])
    df["weight_kg"] = np.floor(df["weight_kg"])
    q = assess_quality(df)
    assert value(q, "dps_height") == pytest.approx(100.0)
    assert value(q, "dps_height", col="p_value") == pytest.approx(stats.chi2.sf(9 * N, 9))
    assert value(q, "dps_height", col="points") == 10
    assert value(q, "dps_height", col="rating") == "problematic"
    # 10 (weight) + 10 (height) = 20 → acceptable
    assert value(q, "plausibility_score") == 20
    assert value(q, "plausibility_score", col="rating") == "acceptable"
    assert value(q, "plausibility_score", col="rating_id") == "cukup"


def test_digit_preference_uniform_is_zero():
    x = np.arange(100) / 10 + 50  # 50.0 .. 59.9: each tenths digit 10 times
    dps, p, n = digit_preference_score(x)
    assert n == 100 and dps == pytest.approx(0.0, abs=1e-9) and p == pytest.approx(1.0)
    # half .0, half .5 (n = 100): O = 50 at two digits, 0 at eight; E = 10
    # χ² = 2·(40²/10) + 8·(10²/10) = 320 + 80 = 400; DPS = 100·sqrt(400/900) = 66.67
    dps, _, _ = digit_preference_score(np.r_[np.full(50, 12.0), np.full(50, 12.5)])
    assert dps == pytest.approx(100 * math.sqrt(400 / 900))


def test_sex_ratio_60_40():
    # 60 boys, 40 girls: χ² = (60-50)²/50 + (40-50)²/50 = 4, df 1
    # p = P(χ²₁ > 4) = erfc(sqrt(4/2)) = 0.0455 → "acceptable" (> 0.001, ≤ 0.05), 4 points
    df = perfect().iloc[:100].copy()
    df["sex"] = [1] * 60 + [2] * 40
    q = assess_quality(df)
    assert value(q, "sex_ratio") == 1.5
    assert value(q, "sex_ratio", col="p_value") == pytest.approx(math.erfc(math.sqrt(2)))
    assert value(q, "sex_ratio", col="points") == 4
    assert value(q, "sex_ratio", col="rating_id") == "cukup"


def test_age_ratio_too_many_young_children():
    # 160 young, 136 old: ratio 1.176; expected shares 0.85/1.85 and 1/1.85 of 296
    df = perfect(n_young=160, n_old=136)
    q = assess_quality(df)
    e_young, e_old = 296 * 0.85 / 1.85, 296 / 1.85
    chi2 = (160 - e_young) ** 2 / e_young + (136 - e_old) ** 2 / e_old
    assert value(q, "age_ratio_6_29_30_59") == pytest.approx(160 / 136)
    assert value(q, "age_ratio_6_29_30_59", col="p_value") == pytest.approx(
        math.erfc(math.sqrt(chi2 / 2))
    )


def test_smart_flags_symmetric_outliers():
    # 10 children at -3.5 and 10 at +3.5 replace the extremes: the mean stays 0,
    # 20/296 = 6.76% flagged → "acceptable", 10 points
    df = perfect()
    df.loc[:9, "whz"] = -3.5
    df.loc[N - 10 :, "whz"] = 3.5
    q = assess_quality(df)
    assert value(q, "flagged_whz_smart_pct") == pytest.approx(100 * 20 / 296)
    assert value(q, "flagged_whz_smart_pct", col="points") == 10


def test_who_flag_percentage_and_warning():
    df = perfect().iloc[:100].copy()
    df.loc[[0], "haz_flag"] = True  # 1 of 100 = 1% → not above 1%: ok
    df.loc[[0, 1], "waz_flag"] = True  # 2% → warning
    q = assess_quality(df)
    assert value(q, "flagged_haz_pct") == 1.0
    assert value(q, "flagged_haz_pct", col="rating") == "ok"
    assert value(q, "flagged_waz_pct") == 2.0
    assert value(q, "flagged_waz_pct", col="rating_id") == "perlu diperiksa"


def test_two_point_distribution_moments():
    # WHZ half at -1, half at +1 (n = 40): mean 0, SD = sqrt(40/39) = 1.0127 (0 points),
    # skewness 0; biased g2 = m4/m2² - 3 = 1 - 3 = -2, bias-corrected
    # G2 = ((n+1)·g2 + 6)·(n-1)/((n-2)(n-3)) = (41·(-2) + 6)·39/(38·37) = -2964/1406 = -2.108
    n = 40
    df = perfect().iloc[:n].copy()
    df["whz"] = np.where(np.arange(n) % 2 == 0, -1.0, 1.0)
    q = assess_quality(df)
    assert value(q, "sd_whz_smart") == pytest.approx(math.sqrt(40 / 39))
    assert value(q, "sd_whz_smart", col="points") == 0
    assert value(q, "skewness_whz_smart") == pytest.approx(0.0, abs=1e-12)
    assert value(q, "kurtosis_whz_smart") == pytest.approx(-2964 / 1406)
    assert value(q, "kurtosis_whz_smart", col="points") == 5
    # the WHO row reports Pearson kurtosis (normal = 3): 3 - 2.108 = 0.892, outside 2–4
    assert value(q, "kurtosis_whz") == pytest.approx(3 - 2964 / 1406)
    assert value(q, "kurtosis_whz", col="rating") == "warning"


def test_sd_scoring_bands():
    # two-point WHZ ±a (n = 40): SD = a·sqrt(40/39); no value beyond the mean ± 3
    n = 40
    df = perfect().iloc[:n].copy()
    expected = {1.17: 10, 1.12: 5, 1.10: 0, 0.84: 10, 0.79: 20, 1.21: 20}
    for target, points in expected.items():
        a = target / math.sqrt(40 / 39)
        df["whz"] = np.where(np.arange(n) % 2 == 0, -a, a)
        q = assess_quality(df)
        assert value(q, "sd_whz_smart") == pytest.approx(target)
        assert value(q, "sd_whz_smart", col="points") == points, target


def test_poisson_dispersion_by_hand():
    # 10 clusters of 20, all 10 cases in the first: mean 1 case per cluster
    # χ² = (10-1)²/1 + 9·(0-1)²/1 = 81 + 9 = 90, df 9, index 90/9 = 10
    index, p, k = poisson_dispersion([10] + [0] * 9, [20] * 10)
    assert (index, k) == (10.0, 10)
    assert p == pytest.approx(stats.chi2.sf(90, 9))
    # equal counts: χ² = 0 → index 0, p = 1
    index, p, _ = poisson_dispersion([2] * 5, [20] * 5)
    assert index == 0.0 and p == 1.0
    # no case at all: nothing to cluster
    index, p, _ = poisson_dispersion([0] * 5, [20] * 5)
    assert np.isnan(index) and p == 1.0


def test_clustered_cases_score_five_points():
    df = perfect()
    df["posyandu"] = np.r_[np.zeros(7, dtype=int), 1 + np.arange(N - 7) % 6]  # all 7 cases in one
    q = assess_quality(df)
    assert value(q, "poisson_dispersion_whz", col="points") == 5


def test_by_area_blocks_and_total():
    a, b = perfect(), perfect()
    a["kelurahan_code"] = "64.74.01.1003"
    b["kelurahan_code"] = "64.74.01.1006"
    b["height_cm"] = np.floor(b["height_cm"])
    q = assess_quality(pd.concat([b, a], ignore_index=True), by="kelurahan_code")
    assert list(dict.fromkeys(q["area"])) == ["64.74.01.1003", "64.74.01.1006", "total"]
    assert q.groupby("area").size().nunique() == 1
    assert value(q, "n_children", area="64.74.01.1003") == N
    assert value(q, "n_children") == 2 * N
    assert value(q, "plausibility_score", area="64.74.01.1003") == 0
    assert value(q, "plausibility_score", area="64.74.01.1006") == 10


def test_missing_cluster_column_is_not_scored():
    df = perfect().drop(columns="posyandu")
    q = assess_quality(df)
    assert np.isnan(value(q, "poisson_dispersion_whz", col="points"))
    assert value(q, "plausibility_checks_scored") == 8


def test_no_class_from_too_few_checks():
    # 2 children without any measurement: only the sex ratio (1:1, p = 1, 0 points) and the
    # age ratio (both aged 6–29 months: χ² vs 0.85 gives a p-value) can be scored
    df = perfect().iloc[:2].copy()
    df[["weight_kg", "height_cm", "whz", "haz", "waz"]] = np.nan
    q = assess_quality(df)
    assert value(q, "plausibility_checks_scored") == 2
    assert pd.isna(value(q, "plausibility_score", col="rating"))


def test_plausibility_classes():
    assert [plausibility_class(x) for x in (0, 9, 10, 14, 15, 24, 25, 60)] == [
        "excellent",
        "excellent",
        "good",
        "good",
        "acceptable",
        "acceptable",
        "problematic",
        "problematic",
    ]


def test_input_errors():
    with pytest.raises(RakorInputError, match="`whz`"):
        assess_quality(perfect().drop(columns="whz"))
    with pytest.raises(RakorInputError, match="`kelurahan_code`"):
        assess_quality(perfect(), by="kelurahan_code")


def test_runs_on_compute_zscores_output():
    from analysis.measures.anthropometry import compute_zscores

    rng = np.random.default_rng(11)
    n = 500
    raw = pd.DataFrame(
        {
            "sex": rng.integers(1, 3, n),
            "age_days": rng.integers(0, 1827, n),
            "height_cm": rng.normal(85, 8, n).round(1),
            "weight_kg": rng.normal(11, 2, n).round(1),
            "kelurahan_code": rng.choice(["A", "B", "C"], n),
            "posyandu": rng.integers(0, 20, n),
        }
    )
    q = assess_quality(compute_zscores(raw), by="kelurahan_code")
    assert set(q["area"]) == {"A", "B", "C", "total"}
    assert q.loc[q["check"] == "plausibility_score", "rating"].notna().all()

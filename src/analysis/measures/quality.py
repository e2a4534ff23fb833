"""Data quality of anthropometry: WHO/UNICEF checks and the ENA-for-SMART plausibility score.

:func:`assess_quality` takes the output of :func:`analysis.measures.anthropometry.compute_zscores` and
returns ONE tidy table (``area, check, value, p_value, rating, rating_id, points``), one block of
rows per area (the ``by`` column's values) and one for ``"total"``. Reviewers read it to judge
whether a kelurahan's figures can be trusted before they read the prevalence (DOMAIN.md §7).

Check names (``check`` column) and what ``value`` holds:

============================  ===================================================================
``n_children``                rows in the area
``completeness_pct``          % of rows with sex, age, weight and height all present
``missing_<col>_pct``         % missing for each of sex, age_days, weight_kg, height_cm
``sex_ratio``                 boys / girls; p: χ² vs 1:1 (scored)
``age_ratio_6_29_30_59``      children 6–29 / 30–59 months; p: χ² vs 0.85 (scored)
``age_heaping_month``         heaping index of completed months 0–59, 100·sqrt(χ²/(n·59)); p: χ²
                              vs a flat distribution
``dps_weight``, ``dps_height``  digit preference score of the tenths digit (scored)
``flagged_<idx>_pct``         % of z-scores with a WHO flag (warning above 1%)
``sd_<idx>``, ``skewness_<idx>``, ``kurtosis_<idx>``  of HAZ, WAZ, WHZ without WHO flags;
                              Pearson kurtosis (normal = 3); warnings: |skew| > 0.5, kurtosis
                              outside 2–4
``flagged_whz_smart_pct``     % of WHZ outside the observed mean ± 3 (SMART flags; scored)
``sd_whz_smart``, ``skewness_whz_smart``, ``kurtosis_whz_smart``  WHZ without SMART flags;
                              kurtosis as excess (normal = 0) (scored)
``poisson_dispersion_whz``    index of dispersion of WHZ < −2 across clusters; p: χ² (scored)
``plausibility_score``        total points of the scored checks; rating = class
``plausibility_checks_scored``  how many of the 9 scored checks could be computed
============================  ===================================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import RakorInputError
from analysis.measures.anthropometry import DAYS_PER_MONTH

__all__ = [
    "RATING_ID",
    "assess_quality",
    "digit_preference_score",
    "plausibility_class",
    "poisson_dispersion",
]

REQUIRED_COLUMNS = (
    "sex",
    "age_days",
    "weight_kg",
    "height_cm",
    "haz",
    "waz",
    "whz",
    "haz_flag",
    "waz_flag",
    "whz_flag",
)
COLUMNS = ["area", "check", "value", "p_value", "rating", "rating_id", "points"]

EXCELLENT, GOOD, ACCEPTABLE, PROBLEMATIC = "excellent", "good", "acceptable", "problematic"
OK, WARNING = "ok", "warning"
RATING_ID = {
    EXCELLENT: "sangat baik",
    GOOD: "baik",
    ACCEPTABLE: "cukup",
    PROBLEMATIC: "bermasalah",
    OK: "wajar",
    WARNING: "perlu diperiksa",
}
SMART_CLASSES = (EXCELLENT, GOOD, ACCEPTABLE, PROBLEMATIC)

EXPECTED_AGE_RATIO = 0.85  # 6–29 vs 30–59 months (ENA for SMART)
FLAG_WARNING_PCT = 1.0
SKEW_WARNING = 0.5
KURTOSIS_PEARSON_RANGE = (2.0, 4.0)
SMART_FLAG_HALF_WIDTH = 3.0
MIN_N_MOMENT_TESTS = 20  # scipy's skewtest/kurtosistest are unreliable below this
MIN_CHECKS_FOR_CLASS = 8  # of the 9 scored checks: all but the Poisson dispersion (needs clusters)


# --------------------------------------------------------------------------------------
# Scoring rules (DOMAIN.md §7)
# --------------------------------------------------------------------------------------


def _classify(value: float, upper_bounds: tuple[float, float, float], points: tuple[int, ...]):
    """Class and points for 'smaller is better' checks: value ≤ bound k → class k."""
    if value is None or not np.isfinite(value):
        return None, np.nan
    for k, bound in enumerate(upper_bounds):
        if value <= bound:
            return SMART_CLASSES[k], points[k]
    return PROBLEMATIC, points[3]


def _score_p(p: float, bounds: tuple[float, float, float], points: tuple[int, ...]):
    """Class and points for 'larger p is better' checks: p > bound k → class k."""
    if p is None or not np.isfinite(p):
        return None, np.nan
    for k, bound in enumerate(bounds):
        if p > bound:
            return SMART_CLASSES[k], points[k]
    return PROBLEMATIC, points[3]


def _score_flagged_pct(pct):
    return _classify(pct, (2.5, 5.0, 7.5), (0, 5, 10, 20))


def _score_ratio_p(p):
    return _score_p(p, (0.1, 0.05, 0.001), (0, 2, 4, 10))


def _score_dps(dps):
    # ENA reports the score as a whole number: 0–7 / 8–12 / 13–20 / > 20
    if dps is None or not np.isfinite(dps):
        return None, np.nan
    return _classify(float(math.floor(dps + 0.5)), (7, 12, 20), (0, 2, 4, 10))


def _score_sd(sd):
    if sd is None or not np.isfinite(sd):
        return None, np.nan
    sd = round(sd, 2)
    for k, (lo, hi) in enumerate(((0.9, 1.1), (0.85, 1.15), (0.8, 1.2))):
        if lo <= sd <= hi:
            return SMART_CLASSES[k], (0, 5, 10)[k]
    return PROBLEMATIC, 20


def _score_moment(v):
    if v is None or not np.isfinite(v):
        return None, np.nan
    a = round(abs(v), 2)
    for k, bound in enumerate((0.2, 0.4, 0.6)):
        if a < bound:
            return SMART_CLASSES[k], (0, 1, 3)[k]
    return PROBLEMATIC, 5


def _score_dispersion_p(p):
    return _score_p(p, (0.05, 0.01, 0.001), (0, 1, 3, 5))


def plausibility_class(total_points: float) -> str | None:
    """ENA-for-SMART class of a total score: 0–9 excellent, 10–14 good, 15–24 acceptable, ≥ 25 problematic."""
    if total_points is None or not np.isfinite(total_points):
        return None
    if total_points <= 9:
        return EXCELLENT
    if total_points <= 14:
        return GOOD
    if total_points <= 24:
        return ACCEPTABLE
    return PROBLEMATIC


# --------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------


def digit_preference_score(values, decimals: int = 1) -> tuple[float, float, int]:
    """Digit preference score of the last recorded decimal digit.

    Parameters
    ----------
    values
        Measurements (NaN ignored), recorded to ``decimals`` decimals.
    decimals
        Position of the digit examined: 1 = tenths (weight in kg, height in cm).

    Returns
    -------
    tuple
        ``(dps, p_value, n)``; NaN when there are no values.

    Notes
    -----
    With observed counts :math:`O_d` of the digits 0–9 and :math:`E = n/10`,
    :math:`\\chi^2 = \\sum_d (O_d - E)^2 / E` (9 degrees of freedom) and
    :math:`DPS = 100\\sqrt{\\chi^2 / (n \\cdot 9)}`: 0 when every digit is equally frequent,
    100 when all values end in the same digit (then :math:`\\chi^2 = 9n`).

    References
    ----------
    Bilukha O, Couture A, McCain K, Leidman E (2020). Comparison of anthropometric data quality in
    children aged 6–23 and 24–59 months. *Emerging Themes in Epidemiology* 17:5.
    SMART (2017). *ENA for SMART software manual*, plausibility check.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return np.nan, np.nan, 0
    digits = np.mod(np.rint(np.abs(x) * 10**decimals), 10).astype(np.int64)
    observed = np.bincount(digits, minlength=10)
    expected = n / 10.0
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    return 100.0 * math.sqrt(chi2 / (n * 9)), float(stats.chi2.sf(chi2, 9)), n


def poisson_dispersion(cases, sizes) -> tuple[float, float, int]:
    """Index of dispersion of case counts across clusters, with its χ² test.

    Parameters
    ----------
    cases
        Number of cases (e.g. WHZ < −2) per cluster.
    sizes
        Number of children with a valid measurement per cluster (clusters with 0 are dropped).

    Returns
    -------
    tuple
        ``(index, p_value, n_clusters)``. With no case at all the index is NaN and p = 1 (no
        evidence of clustering); with fewer than 2 clusters both are NaN.

    Notes
    -----
    Expected cases :math:`e_i = n_i \\hat p` with :math:`\\hat p = \\sum x_i / \\sum n_i`;
    :math:`\\chi^2 = \\sum (x_i - e_i)^2 / e_i` with :math:`k - 1` degrees of freedom; the index
    is :math:`\\chi^2/(k-1)`, which for equal cluster sizes is the classic variance-to-mean ratio.
    The p-value is one-sided (over-dispersion: cases clustered more than a Poisson process would).

    References
    ----------
    Fisher RA (1950). The significance of deviations from expectation in a Poisson series.
    *Biometrics* 6:17–24. SMART (2017). *ENA for SMART software manual*.
    """
    x = np.asarray(cases, dtype=float)
    m = np.asarray(sizes, dtype=float)
    keep = m > 0
    x, m = x[keep], m[keep]
    k = x.size
    if k < 2:
        return np.nan, np.nan, k
    total = x.sum()
    if total == 0:
        return np.nan, 1.0, k
    e = m * total / m.sum()
    chi2 = float(((x - e) ** 2 / e).sum())
    return chi2 / (k - 1), float(stats.chi2.sf(chi2, k - 1)), k


def _chisq_p(observed, expected) -> float:
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if observed.sum() == 0:
        return np.nan
    return float(stats.chisquare(observed, expected).pvalue)


def _moments(x: np.ndarray) -> tuple[float, float, float, float, float]:
    """SD, skewness (G1), excess kurtosis (G2) and the tests' p-values."""
    n = x.size
    sd = float(np.std(x, ddof=1)) if n >= 2 else np.nan
    if n < 4 or not np.isfinite(sd) or sd == 0:
        return sd, np.nan, np.nan, np.nan, np.nan
    skew = float(stats.skew(x, bias=False))
    kurt = float(stats.kurtosis(x, fisher=True, bias=False))
    if n >= MIN_N_MOMENT_TESTS:
        p_skew = float(stats.skewtest(x).pvalue)
        p_kurt = float(stats.kurtosistest(x).pvalue)
    else:
        p_skew = p_kurt = np.nan
    return sd, skew, kurt, p_skew, p_kurt


# --------------------------------------------------------------------------------------
# One area
# --------------------------------------------------------------------------------------


def _row(check, value, p_value=np.nan, rating=None, points=np.nan) -> dict:
    return {
        "check": check,
        "value": np.nan if value is None else float(value),
        "p_value": np.nan if p_value is None else float(p_value),
        "rating": rating,
        "rating_id": RATING_ID.get(rating) if rating else None,
        "points": points,
    }


def _scored(check, value, p_value, scorer: Callable, on: str = "value") -> dict:
    rating, points = scorer(p_value if on == "p" else value)
    return _row(check, value, p_value, rating, points)


def _warn(condition: bool | None) -> str | None:
    if condition is None:
        return None
    return WARNING if condition else OK


def _assess_area(g: pd.DataFrame, cluster: str | None) -> list[dict]:
    rows: list[dict] = []
    n = len(g)
    rows.append(_row("n_children", n))

    # Completeness.
    present = pd.DataFrame({c: g[c].notna() for c in ("sex", "age_days", "weight_kg", "height_cm")})
    rows.append(_row("completeness_pct", 100.0 * present.all(axis=1).mean() if n else np.nan))
    for c in present.columns:
        rows.append(_row(f"missing_{c}_pct", 100.0 * (1 - present[c].mean()) if n else np.nan))

    # Sex ratio vs 1:1.
    sex = pd.to_numeric(g["sex"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    boys, girls = int((sex == 1).sum()), int((sex == 2).sum())
    ratio = boys / girls if girls else np.nan
    p = _chisq_p([boys, girls], [(boys + girls) / 2] * 2) if boys + girls else np.nan
    rows.append(_scored("sex_ratio", ratio, p, _score_ratio_p, on="p"))

    # Age ratio 6–29 vs 30–59 months (expected 0.85).
    months = pd.to_numeric(g["age_days"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    months = months / DAYS_PER_MONTH
    young = int(((months >= 6) & (months < 30)).sum())
    old = int(((months >= 30) & (months < 60)).sum())
    total = young + old
    ratio = young / old if old else np.nan
    share = EXPECTED_AGE_RATIO / (1 + EXPECTED_AGE_RATIO)
    p = _chisq_p([young, old], [total * share, total * (1 - share)]) if total else np.nan
    rows.append(_scored("age_ratio_6_29_30_59", ratio, p, _score_ratio_p, on="p"))

    # Age heaping by completed month 0–59 (no points: a summary for the reviewer).
    whole = np.floor(months[np.isfinite(months) & (months >= 0) & (months < 60)]).astype(np.int64)
    if whole.size:
        observed = np.bincount(whole, minlength=60).astype(float)
        expected = whole.size / 60.0
        chi2 = float(((observed - expected) ** 2 / expected).sum())
        rows.append(
            _row(
                "age_heaping_month",
                100.0 * math.sqrt(chi2 / (whole.size * 59)),
                stats.chi2.sf(chi2, 59),
            )
        )
    else:
        rows.append(_row("age_heaping_month", np.nan))

    # Digit preference of the tenths digit.
    for name, col in (("dps_weight", "weight_kg"), ("dps_height", "height_cm")):
        values = pd.to_numeric(g[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        dps, p, _ = digit_preference_score(values)
        rows.append(_scored(name, dps, p, _score_dps))

    # WHO flags and distribution of each index without flagged values.
    for idx in ("haz", "waz", "whz"):
        z = g[idx].to_numpy(dtype=float, na_value=np.nan)
        flag = g[f"{idx}_flag"].to_numpy(dtype=bool, na_value=False)
        has_z = np.isfinite(z)
        n_z = int(has_z.sum())
        pct = 100.0 * (flag & has_z).sum() / n_z if n_z else np.nan
        rows.append(
            _row(f"flagged_{idx}_pct", pct, rating=_warn(pct > FLAG_WARNING_PCT if n_z else None))
        )
        sd, skew, kurt, p_skew, p_kurt = _moments(z[has_z & ~flag])
        pearson = kurt + 3.0
        rows.append(_row(f"sd_{idx}", sd))
        rows.append(
            _row(
                f"skewness_{idx}",
                skew,
                p_skew,
                _warn(abs(skew) > SKEW_WARNING if np.isfinite(skew) else None),
            )
        )
        lo, hi = KURTOSIS_PEARSON_RANGE
        rows.append(
            _row(
                f"kurtosis_{idx}",
                pearson,
                p_kurt,
                _warn(not lo <= pearson <= hi if np.isfinite(pearson) else None),
            )
        )

    # SMART: flags at the observed mean ± 3, then the distribution without them.
    whz = g["whz"].to_numpy(dtype=float, na_value=np.nan)
    has_whz = np.isfinite(whz)
    n_whz = int(has_whz.sum())
    if n_whz:
        centre = whz[has_whz].mean()
        smart_flag = has_whz & (np.abs(whz - centre) > SMART_FLAG_HALF_WIDTH)
        pct = 100.0 * smart_flag.sum() / n_whz
    else:
        smart_flag = np.zeros(n, dtype=bool)
        pct = np.nan
    rows.append(_scored("flagged_whz_smart_pct", pct, np.nan, _score_flagged_pct))
    kept = has_whz & ~smart_flag
    sd, skew, kurt, p_skew, p_kurt = _moments(whz[kept])
    rows.append(_scored("sd_whz_smart", sd, np.nan, _score_sd))
    rows.append(_scored("skewness_whz_smart", skew, p_skew, _score_moment))
    rows.append(_scored("kurtosis_whz_smart", kurt, p_kurt, _score_moment))

    # Poisson dispersion of WHZ < -2 across clusters.
    if cluster is not None:
        clusters = g[cluster].to_numpy()[kept]
        cases = (whz[kept] < -2.0).astype(np.int64)
        per = (
            pd.DataFrame({"c": clusters, "x": cases})
            .groupby("c", dropna=True)["x"]
            .agg(["sum", "size"])
        )
        index, p, _ = poisson_dispersion(per["sum"], per["size"])
        rows.append(_scored("poisson_dispersion_whz", index, p, _score_dispersion_p, on="p"))
    else:
        rows.append(_row("poisson_dispersion_whz", np.nan))

    scored = [r for r in rows if r["rating"] in SMART_CLASSES]
    total_points = float(sum(r["points"] for r in scored)) if scored else np.nan
    # a class from a handful of checks would mislead: it needs all but the cluster check
    rating = plausibility_class(total_points) if len(scored) >= MIN_CHECKS_FOR_CLASS else None
    rows.append(_row("plausibility_score", total_points, rating=rating))
    rows.append(_row("plausibility_checks_scored", len(scored)))
    return rows


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------


def assess_quality(
    df: pd.DataFrame, by: str | None = None, cluster: str | None = "posyandu"
) -> pd.DataFrame:
    """WHO/UNICEF data-quality checks and the ENA-for-SMART plausibility score, per area.

    Parameters
    ----------
    df
        Output of :func:`analysis.measures.anthropometry.compute_zscores` (columns ``sex``, ``age_days``,
        ``weight_kg``, ``height_cm``, ``haz``, ``waz``, ``whz`` and their ``*_flag``), plus the
        ``by`` column and the ``cluster`` column.
    by
        Column naming the area (e.g. ``"kelurahan_code"``); ``None`` gives the total only.
        Rows with a missing area count in the total only.
    cluster
        Column naming the cluster for the Poisson dispersion check (posyandu by default). If the
        column is absent, or ``None``, that check is not scored.

    Returns
    -------
    pandas.DataFrame
        Tidy table with columns ``area, check, value, p_value, rating, rating_id, points``: one
        block of rows per area (sorted) then ``"total"``. ``rating`` is excellent / good /
        acceptable / problematic for the scored checks (``rating_id``: sangat baik / baik /
        cukup / bermasalah) and ok / warning (wajar / perlu diperiksa) for the WHO warnings;
        ``points`` only on scored checks. The ``plausibility_score`` row holds the total points
        and the class.

    Raises
    ------
    RakorInputError
        A required column, or the ``by`` column, is missing.

    Notes
    -----
    WHO/UNICEF (2019) checks: completeness, sex ratio, age distribution (ratio and heaping by
    month), digit preference, % flagged per index (> 1% is a warning), SD, skewness (warning
    beyond ±0.5) and Pearson kurtosis (warning outside 2–4) of each z-score without WHO flags.
    Skewness and kurtosis are the bias-corrected sample statistics (G1, G2).

    ENA-for-SMART plausibility score (points): WHZ outside the observed mean ± 3, % (≤ 2.5 / ≤ 5 /
    ≤ 7.5 / > 7.5: 0/5/10/20); sex ratio χ² p vs 1:1 and age ratio 6–29 vs 30–59 months χ² p vs
    0.85 (> 0.1 / > 0.05 / > 0.001 / ≤ 0.001: 0/2/4/10 each); digit preference score of weight
    and of height, rounded to a whole number (0–7 / 8–12 / 13–20 / > 20: 0/2/4/10 each); SD of
    WHZ without SMART flags, rounded to 2 decimals (0.9–1.1 / 0.85–1.15 / 0.8–1.2 / outside:
    0/5/10/20); |skewness| and |excess kurtosis| of that WHZ (< 0.2 / < 0.4 / < 0.6 / ≥ 0.6:
    0/1/3/5 each); Poisson dispersion of WHZ < −2 across clusters, p (> 0.05 / > 0.01 / > 0.001 /
    ≤ 0.001: 0/1/3/5). Total 0–9 excellent, 10–14 good, 15–24 acceptable, ≥ 25 problematic.
    A check that cannot be computed (too few children, no cluster column) scores nothing; the
    ``plausibility_checks_scored`` row says how many of the 9 were scored, and the class is
    given only when at least 8 were (all but the cluster check). SMART surveys cover
    6–59 months; here all children in the data are used, as the registers cover 0–59 months.

    References
    ----------
    WHO, UNICEF (2019). *Recommendations for data collection, analysis and reporting on
    anthropometric indicators in children under 5 years old.* Geneva: WHO.

    SMART (2017). *Standardized Monitoring and Assessment of Relief and Transitions, Plausibility
    check for anthropometry* (ENA for SMART software manual).
    """
    if not isinstance(df, pd.DataFrame):
        raise RakorInputError(
            "assess_quality expects a table (pandas DataFrame) of children with z-scores"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise RakorInputError(
            "the table lacks column(s) "
            + ", ".join(f"`{c}`" for c in missing)
            + "; run analysis.measures.anthropometry.compute_zscores first"
        )
    if by is not None and by not in df.columns:
        raise RakorInputError(
            f"`by` column `{by}` is not in the table; columns: {', '.join(map(str, df.columns))}"
        )
    cluster_col = cluster if cluster is not None and cluster in df.columns else None

    blocks = []
    if by is not None:
        for area, g in df.groupby(by, sort=True, dropna=True, observed=True):
            block = pd.DataFrame(_assess_area(g, cluster_col))
            block.insert(0, "area", area)
            blocks.append(block)
    total = pd.DataFrame(_assess_area(df, cluster_col))
    total.insert(0, "area", "total")
    blocks.append(total)
    out = pd.concat(blocks, ignore_index=True)[COLUMNS]
    out["area"] = out["area"].astype(object)
    out["points"] = out["points"].astype(float)
    return out

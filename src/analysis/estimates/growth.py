"""Child growth rows of the estimates table (e-PPGBM): WHO anthro's standard table per round, counts, change."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.estimates.table import (
    ESTIMATE_COLUMNS,
    count_rows,
    empty_estimates,
    estimate_by_levels,
)

# Growth indicators: column of compute_zscores → indicator name in the estimates table
GROWTH_INDICATORS = {
    "is_stunted": "stunting",
    "is_severely_stunted": "severe_stunting",
    "is_wasted": "wasting",
    "is_underweight": "underweight",
    "is_overweight": "overweight",
}
#: z-score column → (flag column, indicator prefix): mean z and SD of each index
ZSCORES = {"haz": ("haz_flag", "haz"), "waz": ("waz_flag", "waz"), "whz": ("whz_flag", "whz")}
#: WHO anthro's standard breakdowns beside ``total``: sex, age group, sex × age group
BREAKDOWNS = ("sex", "age", ("sex", "age"))
#: the levels that also get the sex × age cross. A kelurahan's cross cells hold a handful of
#: children each (most are 1-4 and hidden); with its margins (sex, age) and the kecamatan's cross
#: they made the small-count search (estimates/suppression.py) run for minutes, and hide more
#: of the margins. Every area gets sex and age. kabkota: a province region only.
CROSS_LEVELS = ("kota", "kabkota", "kecamatan")


def who_design(round_df: pd.DataFrame) -> pd.DataFrame:
    """The children of one round as WHO anthro's ``anthro_prevalence`` sees them.

    Rows with an age above 1826 days are left out (anthro: "age > 1826 days ... excluded for the
    prevalence computation"); every other row stays in the design, its outcome missing where the
    z-score is missing or flagged (outside the domain, not outside the design: it counts in n − 1
    degrees of freedom). Adds ``age`` (:func:`~analysis.measures.anthropometry.who_age_group`,
    as text) and ``haz_ok``/``waz_ok``/``whz_ok`` (the z-score, flagged values missing).
    """
    from analysis.measures.anthropometry import MAX_AGE_DAYS, who_age_group

    age = pd.to_numeric(round_df["age_days"], errors="coerce")
    kept = round_df[~(age > MAX_AGE_DAYS)]
    extra = {"age": np.asarray(who_age_group(kept["age_days"]).astype(object))}
    for z, (flag, _) in ZSCORES.items():
        if z in kept and flag in kept:  # a table of classifications only (no z-scores) has none
            extra[f"{z}_ok"] = kept[z].where(~kept[flag].astype(bool))
    return kept.assign(**extra)


def _who_rows(design: pd.DataFrame, estimator, **kw) -> list[pd.DataFrame]:
    """``total``, sex and age for every area; sex × age at :data:`CROSS_LEVELS`."""
    margins = [b for b in BREAKDOWNS if isinstance(b, str)]
    cross = [b for b in BREAKDOWNS if not isinstance(b, str)]
    out = estimate_by_levels(design, estimator, source="eppgbm", breakdowns=cross, levels=CROSS_LEVELS, **kw)
    return [estimate_by_levels(design, estimator, source="eppgbm", breakdowns=margins, **kw),
            out[out["breakdown"] != "total"]]


def growth_rows(children: pd.DataFrame, period: str) -> pd.DataFrame:
    """WHO anthro's standard table for every round ≤ period, per kota, kecamatan and kelurahan.

    Stunting, severe stunting, wasting, underweight and overweight prevalence with CIs, and the
    mean and SD of HAZ, WAZ and WHZ (indicators ``haz_mean``, ``haz_sd``, …): ``breakdown``
    ``total``, ``sex=1|2`` and ``age=0-5`` … ``age=48-59`` for every area, and the cross
    ``sex=1,age=0-5`` … for the kota and the kecamatan (:data:`CROSS_LEVELS`).
    Plus the exact counts ``stunting_count`` and ``children_measured``.

    Notes
    -----
    e-PPGBM is a near-census of the children weighed: counts are exact; the rate's CI treats the
    children as a sample of the process that generates stunting (each child its own unit, logit CI
    on n − 1 degrees of freedom of the whole round, the domains estimated on the full design), the
    interpretation WHO anthro's ``anthro_prevalence`` uses without cluster, strata or weights. The
    round is anthro's input (:func:`who_design`); age groups and cut-offs are anthro's (< −2, < −3,
    WHZ > +2 for overweight; oedema counts as < −3 for wasting and underweight, not overweight).
    One deliberate difference: at a prevalence of exactly 0 or 1 anthro reports the interval
    [0, 0] or [1, 1], we report the Korn-Graubard bound (DOMAIN.md §8).

    References
    ----------
    WHO (2019). anthro R package, ``R/prevalence.R`` and ``R/prevalence-simple.R``.
    """
    from analysis.estimation.survey import estimate_mean, estimate_proportion
    from analysis.measures.anthropometry import zscore_sd

    est = config.settings()["estimation"]
    parts = []
    rounds = sorted(p for p in children["period"].dropna().unique() if p <= period)
    for data_period in rounds:
        round_df = children[children["period"] == data_period]
        design = who_design(round_df)

        label = dict(period=period, data_period=data_period)
        for col, indicator in GROWTH_INDICATORS.items():
            if col not in design:
                continue
            parts += _who_rows(design, estimate_proportion, **label, y=col, indicator=indicator,
                              method=f"direct:{est['ci_method']}", ci_method=est["ci_method"],
                              alpha=est["alpha"], dof=est["dof"])
        for z, (_, prefix) in ZSCORES.items():
            if f"{z}_ok" not in design:
                continue
            parts += _who_rows(design, estimate_mean, **label, y=f"{z}_ok", indicator=f"{prefix}_mean", method="direct:wald",
                              unit="z", alpha=est["alpha"], dof=est["dof"])
            parts += _who_rows(design, zscore_sd, **label, y=f"{z}_ok", indicator=f"{prefix}_sd", method="sd", unit="z")
        parts += round_count_rows(round_df, period, data_period)
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()


def round_count_rows(round_df: pd.DataFrame, period: str, data_period: str) -> list[pd.DataFrame]:
    """The exact counts of a round beside its prevalence: ``stunting_count`` and ``children_measured``
    (children with a usable, unflagged HAZ: the denominator of the stunting prevalence)."""
    return [count_rows(round_df, "is_stunted", indicator="stunting_count", period=period,
                       data_period=data_period, source="eppgbm"),
            count_rows(round_df.assign(_measured=round_df["is_stunted"].notna()), "_measured",
                       indicator="children_measured", period=period, data_period=data_period,
                       source="eppgbm")]


def change_rows(growth: pd.DataFrame, period: str, indicator: str = "stunting") -> pd.DataFrame:
    """Change of ``indicator`` between the two latest rounds ≤ period, per area (0–1 scale).

    The rounds are treated as independent samples (``estimation.compare_periods``, the one
    formula of a change between periods).
    """
    from analysis.estimation.survey import compare_periods

    rows = growth[(growth["indicator"] == indicator) & (growth["breakdown"] == "total")]
    rounds = sorted(rows["data_period"].unique())
    if len(rounds) < 2:
        return empty_estimates()
    prev, last = rounds[-2], rounds[-1]
    keys = ["area_level", "area_code"]
    a = rows[rows["data_period"] == prev].set_index(keys)
    b = rows[rows["data_period"] == last].set_index(keys)
    common = a.index.intersection(b.index)
    # On the 0-1 scale like every proportion in the table (briefs format it as points).
    cmp = compare_periods(a.loc[common].reset_index(), b.loc[common].reset_index(), scale=1.0)
    out = b.loc[common].reset_index()[keys + ["area_name", "n"]].copy()
    out["period"] = period
    out["data_period"] = last
    out["indicator"] = f"{indicator}_change"
    out["breakdown"] = f"since={prev}"
    for col in ("estimate", "se", "ci_low", "ci_high", "p_value"):
        out[col] = cmp[col].to_numpy()
    out["n_weighted"] = np.nan
    out["df"] = np.nan
    out["deff"] = np.nan
    out["method"] = "difference:independent"
    out["source"] = "eppgbm"
    out["unit"] = "proportion"
    out["reliability"] = pd.NA
    out["suppressed"] = False
    out["note"] = pd.NA
    return out[ESTIMATE_COLUMNS]

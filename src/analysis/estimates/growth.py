"""Child growth rows of the estimates table (e-PPGBM): prevalence per round, counts, change between rounds."""

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
}


def growth_rows(children: pd.DataFrame, period: str) -> pd.DataFrame:
    """Stunting, severe stunting, wasting and underweight with CIs for every round ≤ period.

    e-PPGBM is a near-census of the children weighed: counts are exact; the rate's CI treats the
    children as a sample of the process that generates stunting (each child its own unit, logit CI),
    the interpretation WHO anthro uses for surveillance data without a design.
    """
    from analysis.estimation.survey import estimate_proportion

    est = config.settings()["estimation"]
    parts = []
    rounds = sorted(p for p in children["period"].dropna().unique() if p <= period)
    for data_period in rounds:
        round_df = children[children["period"] == data_period]
        for col, indicator in GROWTH_INDICATORS.items():
            parts.append(estimate_by_levels(
                round_df, estimate_proportion, y=col, indicator=indicator, period=period,
                data_period=data_period, method=f"direct:{est['ci_method']}", source="eppgbm",
                breakdowns=["sex"] if col == "is_stunted" else (),
                ci_method=est["ci_method"], alpha=est["alpha"], dof=est["dof"],
            ))
        parts.append(count_rows(round_df, "is_stunted", indicator="stunting_count", period=period,
                                data_period=data_period, source="eppgbm"))
        # children with a usable (unflagged) HAZ: the denominator of the stunting prevalence
        parts.append(count_rows(round_df.assign(_measured=round_df["is_stunted"].notna()), "_measured",
                                indicator="children_measured", period=period,
                                data_period=data_period, source="eppgbm"))
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()


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

"""Estimates from the monthly e-PPGBM report (source ``eppgbm_bulanan``): the monthly trend.

The report gives counts per kelurahan and month (``data/processed/eppgbm_bulanan.parquet``).
:func:`monthly_rows` turns them into estimates-table rows: stunting, wasting, underweight and
overweight for every kelurahan, kecamatan and the kota, for every month at or before the rakor
period, each with a Wilson 95% interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MONTHLY_INDICATORS", "monthly_rows"]

#: Indicator of the estimates table -> count column of ``eppgbm_bulanan`` (its denominator is
#: ``n_<count>``, chosen at cleaning: see ``analysis.intake.clean._check_percentages``).
MONTHLY_INDICATORS = {"stunting": "stunted", "wasting": "wasted", "underweight": "underweight",
                      "overweight": "overweight"}
_DEFAULT_DENOMINATOR = {"stunted": "children_measured_height", "wasted": "children_measured_height",
                        "underweight": "children_weighed", "overweight": "children_measured_height"}


def monthly_rows(table: pd.DataFrame, period: str) -> pd.DataFrame:
    """Estimates-table rows from the monthly report, for every month at or before ``period``.

    Parameters
    ----------
    table
        ``eppgbm_bulanan.parquet`` (one row per kelurahan and month).
    period
        The rakor period (``YYYY-MM``); months after it are left out.

    Returns
    -------
    DataFrame
        Rows of the estimates table (``analysis.estimates.build.ESTIMATE_COLUMNS``): indicators
        ``stunting``, ``wasting``, ``underweight``, ``overweight`` per kelurahan, kecamatan and
        kota and month; ``data_period`` = the month, ``n`` = the denominator used (summed over
        the kelurahan of an area), ``estimate`` = count / n, ``se`` = sqrt(p(1 - p)/n),
        ``ci_low``/``ci_high`` the Wilson 95% interval, ``method`` ``count:wilson``, ``source``
        ``eppgbm_bulanan``, ``unit`` ``proportion``. ``note`` names the denominator when it is
        not the usual one (a month whose denominator cell was empty, where the file's own Pct_
        showed which count it divided by).

    Notes
    -----
    The counts are a census of the children who came to the posyandu, not a sample: the interval
    describes the binomial uncertainty of a rate among n children, not a sampling design. A
    kelurahan month without a denominator (empty, zero, or below its count: findings at cleaning)
    is left out of every level for that indicator and month. The Wilson interval is
    :func:`analysis.estimation.survey.proportion_ci` with ``method="wilson"``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
    JASA 22(158), 209-212.
    """
    # Imported here: analysis.estimates.build is being split into modules.
    from analysis.estimates.table import (
        LEVELS,
        empty_estimates,
        to_estimate_rows,
        with_area_columns,
    )
    from analysis.estimation.survey import proportion_ci

    if table is None or table.empty:
        return empty_estimates()
    t = table.loc[table["period"] <= period]
    parts = []
    for indicator, col in MONTHLY_INDICATORS.items():
        x, n = t[col], t[f"n_{col}"]
        use = (x.notna() & n.notna() & (n > 0) & (x <= n)).to_numpy()
        d = t.loc[use, ["period", "kecamatan_code", "kelurahan_code"]].assign(
            _x=x[use].to_numpy(), _n=n[use].to_numpy(),
            _other=(t.loc[use, f"n_{col}_from"] != _DEFAULT_DENOMINATOR[col]).to_numpy(),
            _from=t.loc[use, f"n_{col}_from"].to_numpy())
        d = with_area_columns(d)
        if d.empty:
            continue
        for level, area_col in LEVELS.items():  # kab/kota too, in a province
            keys = ["period"] + ([area_col] if area_col else [])
            g = d.groupby(keys, sort=True).agg(
                count=("_x", "sum"), n=("_n", "sum"), other=("_other", "sum"),
                froms=("_from", lambda s: ", ".join(sorted(set(s))))).reset_index()
            low, high = proportion_ci(g["count"].to_numpy(), g["n"].to_numpy(), "wilson")
            p = g["count"] / g["n"]
            res = g.assign(estimate=p, se=np.sqrt(p * (1 - p) / g["n"]), ci_low=low, ci_high=high,
                           note=np.where(g["other"] > 0, "denominator: " + g["froms"], None))
            rows = to_estimate_rows(res, level=level, area_col=area_col, indicator=indicator,
                                    period=period, data_period="", method="count:wilson",
                                    source="eppgbm_bulanan")
            rows["data_period"] = res["period"].to_numpy()
            rows["note"] = res["note"].to_numpy()
            parts.append(rows)
    if not parts:
        return empty_estimates()
    return pd.concat(parts, ignore_index=True)

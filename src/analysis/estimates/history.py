"""History of estimates across rakor periods: the "since the previous rakor" rows and trends.

The history is the estimates table (docs/data_model.md) of every run, one row per
(period, area_code, indicator, breakdown, method). Appending a period replaces all of that
period's rows, so re-running a rakor is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import files, periods
from analysis.errors import RakorInputError

HISTORY_KEY = ["period", "area_code", "indicator", "breakdown", "method"]
#: (indicator, method prefix) of the figures shown "since the previous rakor" (a contract of the briefs)
SINCE_PREVIOUS = (("stunting", "direct"), ("stunting_count", "count"), ("poverty_p0", "direct"),
                  ("extreme_poverty_p0", "direct"), ("dtsen_desil1_families", "count"))
#: breakdown of the since-previous rows: ``rakor=<previous period>``
SINCE_BREAKDOWN = "rakor="
#: columns carried side by side in change_since_previous (those present are used)
VALUE_COLUMNS = ["data_period", "n", "n_weighted", "estimate", "se", "ci_low", "ci_high", "reliability", "suppressed"]
_SIDE_KEY = ["area_level", "area_code", "area_name", "indicator", "breakdown", "method", "source", "unit"]


def _check(estimates: pd.DataFrame, name: str) -> None:
    missing = [c for c in HISTORY_KEY if c not in estimates.columns]
    if missing:
        raise RakorInputError(f"{name} lacks column(s) {', '.join(missing)} (docs/data_model.md, estimates table).")
    bad = ~estimates["period"].astype(str).map(periods.is_period)
    if bad.any():
        first = estimates.loc[bad, "period"].iloc[0]
        raise RakorInputError(f"{name}: `period` must be YYYY-MM; got {first!r} in {int(bad.sum())} rows.")
    dup = estimates.duplicated(HISTORY_KEY, keep=False)
    if dup.any():
        raise RakorInputError(
            f"{name}: {int(dup.sum())} rows share (period, area_code, indicator, breakdown, method); "
            "each figure must appear once per period."
        )


def append_history(estimates: pd.DataFrame, history_path: str | Path) -> pd.DataFrame:
    """Add this run's estimates to the history file, replacing any rows of the same period(s).

    Parameters
    ----------
    estimates
        The estimates table of this run (one or more periods).
    history_path
        Parquet file of the history (created if missing), e.g. ``data/processed/history.parquet``.

    Returns
    -------
    DataFrame
        The whole history after the update, sorted by the key.

    Notes
    -----
    Idempotent: appending the same estimates twice gives the same file. The file is written to a
    temporary name and then renamed, so an interrupted run never leaves half a history.
    """
    _check(estimates, "estimates")
    path = Path(history_path)
    new = estimates.copy()
    new["period"] = new["period"].astype(str)
    if path.exists():
        old = pd.read_parquet(path)
        old = old[~old["period"].astype(str).isin(set(new["period"]))]
        hist = pd.concat([old, new], ignore_index=True) if len(old) else new
    else:
        hist = new
    _check(hist, "history")
    hist = hist.sort_values(HISTORY_KEY, kind="stable").reset_index(drop=True)
    files.write_parquet(hist, path)
    return hist


def read_history(path: str | Path) -> pd.DataFrame:
    """The history file, checked for the columns and keys every reader relies on.

    Raises
    ------
    RakorInputError
        Naming the file when it cannot be read or breaks the history's key.
    """
    path = Path(path)
    try:
        hist = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - a damaged file: say which
        raise RakorInputError(f"{path}: not a readable history table ({type(exc).__name__})") from None
    _check(hist, str(path))
    return hist


def previous_period(history: pd.DataFrame, period: str) -> str | None:
    """The latest period of the history strictly before ``period`` (None if there is none)."""
    return periods.previous(history["period"].astype(str), str(period))


def change_since_previous(history: pd.DataFrame, period: str, previous: str | None = None,
                          indicators: Iterable[str] | None = None) -> pd.DataFrame:
    """This period's estimates beside the previous period's, with the change.

    Parameters
    ----------
    history
        The history table (:func:`append_history`).
    period
        "YYYY-MM" of the current rakor.
    previous
        Period to compare with; default :func:`previous_period`.
    indicators
        Restrict to these indicators.

    Returns
    -------
    DataFrame
        One row per current estimate: ``area_level``, ``area_code``, ``area_name``, ``indicator``,
        ``breakdown``, ``method``, ``source``, ``unit`` (those present), ``period``,
        ``previous_period``, then ``<col>_current`` and ``<col>_previous`` for ``data_period``,
        ``n``, ``n_weighted``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``reliability``,
        ``suppressed`` (those present), ``change`` (current − previous estimate) and ``change_se``.
        Rows without a previous figure have missing ``*_previous`` and ``change``.

    Notes
    -----
    Figures are matched on area, indicator, breakdown and method: a direct estimate is never
    compared with a small-area one. ``change_se = sqrt(se_current² + se_previous²)`` assumes the
    two estimates are independent (different samples); for a panel or overlapping samples it
    overstates the error. Counts from registers have no SE and then no ``change_se``.
    """
    hist = history[history["indicator"].isin(list(indicators))] if indicators is not None else history
    hist = hist.assign(period=hist["period"].astype(str))
    if previous is None:
        previous = previous_period(history, period)
    key = [c for c in _SIDE_KEY if c in hist.columns and c not in ("area_name", "source", "unit")]
    labels = [c for c in ("area_name", "source", "unit") if c in hist.columns]
    vals = [c for c in VALUE_COLUMNS if c in hist.columns]
    cur = hist.loc[hist["period"] == str(period), key + labels + vals]
    prev = hist.loc[hist["period"] == str(previous), key + vals] if previous else pd.DataFrame(columns=key + vals)
    out = cur.merge(prev, how="left", on=key, suffixes=("_current", "_previous"), validate="1:1")
    out.insert(len(key) + len(labels), "period", str(period))
    out.insert(len(key) + len(labels) + 1, "previous_period", previous)
    if "estimate" in vals:
        # the one formula of a change between periods: estimation.survey.compare_periods
        from analysis.estimation.survey import compare_periods

        a = pd.DataFrame({"estimate": pd.to_numeric(out["estimate_previous"], errors="coerce"),
                          "se": (pd.to_numeric(out["se_previous"], errors="coerce") if "se" in vals
                                 else np.nan)})
        b = pd.DataFrame({"estimate": pd.to_numeric(out["estimate_current"], errors="coerce"),
                          "se": (pd.to_numeric(out["se_current"], errors="coerce") if "se" in vals
                                 else np.nan)})
        cmp = compare_periods(a, b, scale=1.0)
        out["change"] = cmp["estimate"].to_numpy()
        if "se" in vals:
            out["change_se"] = cmp["se"].to_numpy()
    order = [c for c in _SIDE_KEY if c in out.columns]
    return out[order + [c for c in out.columns if c not in order]].reset_index(drop=True)


def since_previous_rows(est: pd.DataFrame, history: pd.DataFrame, period: str) -> pd.DataFrame:
    """The "since the previous rakor" rows of the estimates table, from the history.

    Parameters
    ----------
    est
        This run's estimates table (before suppression).
    history
        The history of earlier rakor (:func:`read_history`); its latest period strictly before
        ``period`` is the previous rakor P.
    period
        "YYYY-MM" of this rakor.

    Returns
    -------
    pandas.DataFrame
        For each (indicator, method prefix) of :data:`SINCE_PREVIOUS` and each area with a
        ``total`` figure in the history at P: a row ``<indicator>_previous`` (the history's
        figure, breakdown ``rakor=P``, ``period`` this rakor, ``data_period`` the history's), and
        where this run has the same figure (area, indicator, breakdown ``total``, method; its latest
        data period) a row ``<indicator>_since_previous`` (estimate = current − previous, method
        ``difference:history``, the figure's unit and source, the current figure's data period,
        ``suppressed`` when either side is). No rows when the history has no earlier rakor.

    Notes
    -----
    The change is :func:`analysis.estimation.survey.compare_periods` (the two figures taken as
    independent: se = √(se₁² + se₂²), normal interval); register counts have no se, so no interval.
    """
    from analysis.estimates.table import ESTIMATE_COLUMNS, empty_estimates
    from analysis.estimation.survey import compare_periods

    previous = periods.previous(history["period"].astype(str), str(period))
    if previous is None:
        return empty_estimates()
    hist = history[(history["period"].astype(str) == previous) & (history["breakdown"] == "total")]
    parts = []
    for indicator, prefix in SINCE_PREVIOUS:
        prev = hist[(hist["indicator"] == indicator) & hist["method"].astype(str).str.startswith(prefix)]
        if prev.empty:
            continue
        prev = prev.reindex(columns=ESTIMATE_COLUMNS).reset_index(drop=True)
        prev_rows = prev.assign(indicator=f"{indicator}{'_previous'}", breakdown=f"{SINCE_BREAKDOWN}{previous}",
                                period=period)
        parts.append(prev_rows)
        cur = est[(est["indicator"] == indicator) & (est["breakdown"] == "total")]
        cur = cur[cur["data_period"] == cur.groupby(["area_code", "method"])["data_period"].transform("max")]
        pair = prev.merge(cur, on=["area_level", "area_code", "method"], how="inner",
                          suffixes=("_prev", ""), validate="1:1")
        if pair.empty:
            continue
        cmp = compare_periods(pair[["estimate_prev", "se_prev"]].set_axis(["estimate", "se"], axis=1),
                              pair[["estimate", "se"]], scale=1.0)
        diff = pair[ESTIMATE_COLUMNS].copy()
        diff["indicator"] = f"{indicator}_since_previous"
        diff["breakdown"] = f"{SINCE_BREAKDOWN}{previous}"
        diff["period"] = period
        for col in ("estimate", "se", "ci_low", "ci_high", "p_value"):
            diff[col] = cmp[col].to_numpy()
        for col in ("n", "n_weighted", "df", "deff"):
            diff[col] = np.nan
        diff["method"] = "difference:history"
        diff["reliability"] = pd.NA
        diff["note"] = pd.NA
        diff["suppressed"] = (pair["suppressed_prev"].fillna(False).astype(bool)
                              | pair["suppressed"].fillna(False).astype(bool)).to_numpy()
        parts.append(diff)
    if not parts:
        return empty_estimates()
    out = pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS]
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    return out

"""History of estimates across rakor periods: change since the previous rakor and trends.

The history is the estimates table (docs/data_model.md) of every run, one row per
(period, area_code, indicator, breakdown, method). Appending a period replaces all of that
period's rows, so re-running a rakor is idempotent.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import RakorInputError

HISTORY_KEY = ["period", "area_code", "indicator", "breakdown", "method"]
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: columns carried side by side in change_since_previous (those present are used)
VALUE_COLUMNS = ["data_period", "n", "n_weighted", "estimate", "se", "ci_low", "ci_high", "reliability", "suppressed"]
_SIDE_KEY = ["area_level", "area_code", "area_name", "indicator", "breakdown", "method", "source", "unit"]


def _check(estimates: pd.DataFrame, name: str) -> None:
    missing = [c for c in HISTORY_KEY if c not in estimates.columns]
    if missing:
        raise RakorInputError(f"{name} lacks column(s) {', '.join(missing)} (docs/data_model.md, estimates table).")
    bad = ~estimates["period"].astype(str).str.match(_PERIOD)
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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    hist.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return hist


def previous_period(history: pd.DataFrame, period: str) -> str | None:
    """The latest period of the history strictly before ``period`` (None if there is none)."""
    periods = history["period"].astype(str)
    earlier = periods[periods < str(period)]
    return None if earlier.empty else str(earlier.max())


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
        out["change"] = (pd.to_numeric(out["estimate_current"], errors="coerce")
                         - pd.to_numeric(out["estimate_previous"], errors="coerce"))
    if "se" in vals:
        out["change_se"] = np.sqrt(pd.to_numeric(out["se_current"], errors="coerce") ** 2
                                   + pd.to_numeric(out["se_previous"], errors="coerce") ** 2)
    order = [c for c in _SIDE_KEY if c in out.columns]
    return out[order + [c for c in out.columns if c not in order]].reset_index(drop=True)

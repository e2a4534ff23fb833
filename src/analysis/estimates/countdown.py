"""The 100-day countdown of the zero-extreme-poverty target (issue 19).

Day 1 is ``focus_kelurahan.start_date``; the deadline is start + ``target_days`` days. The
remaining extreme-poor families of a focus kelurahan are the tracker's verified plus awaiting
verification (``registers.tracker_rows``), so they are protected like the counts they add up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.estimates.table import ESTIMATE_COLUMNS, to_estimate_rows

_PARTS = ("extreme_families_verified", "extreme_families_unverified")
REMAINING, PACE = "extreme_families_remaining", "required_pace_per_week"
PASSED_NOTE = "terlewati"


def countdown_rows(estimates: pd.DataFrame, period: str, rakor_date, settings: dict) -> pd.DataFrame:
    """Days elapsed and left at the rakor date, and the remaining families and pace per focus kelurahan.

    Parameters
    ----------
    estimates
        The rows built so far (the tracker rows among them).
    period
        "YYYY-MM" of the rakor.
    rakor_date
        The rakor date (anything ``pandas.Timestamp`` reads).
    settings
        The validated settings (``focus_kelurahan.start_date``, ``target_days``).

    Returns
    -------
    pandas.DataFrame
        Kota rows ``programme_days_elapsed`` and ``programme_days_remaining`` (unit "days");
        per focus kelurahan ``extreme_families_remaining`` (count) and ``required_pace_per_week``
        (families per week; NaN with note "terlewati" once the deadline has passed).
    """
    fk = settings["focus_kelurahan"]
    start = pd.Timestamp(fk["start_date"])
    deadline = start + pd.Timedelta(days=int(fk["target_days"]))
    today = pd.Timestamp(rakor_date).normalize()
    elapsed = max(0, (today - start).days)
    left = max(0, (deadline - today).days)
    method = f"rule:start={start.date()},days={int(fk['target_days'])}"
    days = pd.DataFrame({"estimate": [float(elapsed), float(left)]})
    parts = [to_estimate_rows(days.iloc[[i]], level="kota", area_col=None, indicator=name, period=period,
                              data_period=period, method=method, source="rakor", unit="days")
             for i, name in enumerate(("programme_days_elapsed", "programme_days_remaining"))]
    t = estimates[estimates["indicator"].isin(_PARTS) & (estimates["area_level"] == "kelurahan")]
    if len(t):
        wide = t.pivot_table(index=["area_code", "data_period", "source"], columns="indicator",
                             values="estimate", aggfunc="first").reset_index()
        for col in _PARTS:
            if col not in wide:
                wide[col] = 0.0
        wide["estimate"] = wide[list(_PARTS)].fillna(0).sum(axis=1)
        for (dp, src), g in wide.groupby(["data_period", "source"]):
            parts.append(to_estimate_rows(g, level="kelurahan", area_col="area_code", indicator=REMAINING,
                                          period=period, data_period=dp, method="sum:verified+unverified",
                                          source=src, unit="count"))
            weeks = left / 7
            pace = g.assign(estimate=g["estimate"] / weeks if weeks > 0 else np.nan,
                            note=None if weeks > 0 else PASSED_NOTE)
            parts.append(to_estimate_rows(pace, level="kelurahan", area_col="area_code", indicator=PACE,
                                          period=period, data_period=dp, method=method + ",remaining/weeks_left",
                                          source=src, unit="families_per_week"))
    return pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS]


def link_suppression(est: pd.DataFrame) -> pd.DataFrame:
    """After ``suppression.suppress``: a remaining count is hidden when either of its parts is
    (remaining − shown part = hidden part), and the pace when its remaining count is (pace × weeks
    left = remaining)."""
    est = est.copy()
    key = ["area_code", "data_period"]
    parts_hidden = (est[est["indicator"].isin(_PARTS)].groupby(key)["suppressed"].any())
    rem = est["indicator"] == REMAINING
    by_part = pd.MultiIndex.from_frame(est.loc[rem, key]).map(parts_hidden.to_dict().get)
    newly = rem.copy()
    newly.loc[rem] = pd.Series(by_part, index=est.index[rem]).fillna(False).astype(bool) & ~est.loc[rem, "suppressed"]
    est.loc[newly, ["suppressed", "note"]] = [True, "*"]
    rem_hidden = est[rem].set_index(key)["suppressed"].to_dict()
    pace = est["indicator"] == PACE
    hide = pd.Series([bool(rem_hidden.get(k, False)) for k in zip(est.loc[pace, "area_code"],
                     est.loc[pace, "data_period"], strict=True)], index=est.index[pace], dtype=bool)
    hide = hide & ~est.loc[pace, "suppressed"]
    est.loc[hide[hide].index, ["suppressed", "note"]] = [True, "*"]
    return est

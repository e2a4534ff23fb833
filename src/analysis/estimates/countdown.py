"""The 100-day countdown of the zero-extreme-poverty target (issue 19).

Day 0 is ``focus_kelurahan.start_date`` (the inauguration); the deadline is start +
``target_days`` days. The remaining extreme-poor families of a focus kelurahan are the tracker's
verified plus awaiting verification (``registers.tracker_rows``).

The pace comes from dated events: a family the RT listing clears (``tidak_memenuhi``, or verified
with too few criteria) leaves the count on its listing date; a filled worklist result moves it on
its verification date (:mod:`analysis.linkage.verification`). Counted back from today's remaining
families, the events give the remaining count on every date since the start: the burn-down.

Small counts: the burn-down's steps are merged until each is 0 or at least ``min_cell`` families
(a step is the number of families cleared between two points), and every figure that, with the
remaining count, gives a hidden count away is hidden with it (:func:`link_suppression`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.estimates.table import ESTIMATE_COLUMNS, to_estimate_rows

_PARTS = ("extreme_families_verified", "extreme_families_unverified")
REMAINING, PACE = "extreme_families_remaining", "required_pace_per_week"
CLEARED = "extreme_families_cleared_since_start"
CURRENT_PACE = "clearing_pace_per_week"
PROJECTED = "projected_zero_date"
BURNDOWN = "extreme_families_burndown"
UPPER = "extreme_families_upper_bound"
#: figures that give a hidden count away, hidden with it: the remaining count (pace needed × weeks
#: left; the projected days; the burn-down ends there) and the cleared count (pace so far × weeks
#: elapsed; remaining ÷ projected days; the burn-down starts at remaining + cleared)
LINKED = {REMAINING: (PACE, PROJECTED, BURNDOWN), CLEARED: (CURRENT_PACE, PROJECTED, BURNDOWN)}
PASSED_NOTE = "terlewati"
NOT_REACHED_NOTE = "tidak tercapai dengan laju sekarang"
#: statuses of a family in the verification log that count as remaining (verified or awaiting)
REMAINING_STATUSES = ("verified", "unverified", "not_found")
DATE_BREAKDOWN = "date="


def programme_dates(settings: dict, rakor_date) -> dict:
    """Start, deadline, the rakor date and the days elapsed and left (never negative)."""
    fk = settings["focus_kelurahan"]
    start = pd.Timestamp(fk["start_date"]).normalize()
    deadline = start + pd.Timedelta(days=int(fk["target_days"]))
    today = pd.Timestamp(rakor_date).normalize()
    return {"start": start, "deadline": deadline, "today": today,
            "elapsed": max(0, (today - start).days), "left": max(0, (deadline - today).days)}


def clearing_events(fam: pd.DataFrame, log: pd.DataFrame | None, start, min_criteria: int) -> pd.DataFrame:
    """Dated changes of the remaining count since the start, per kelurahan.

    Parameters
    ----------
    fam
        The family frame after the verification results (``linkage.verification.apply_verifications``:
        ``unit_key``, ``kelurahan_code``, ``cleared``, ``dtsen_extreme``, ``rt_criteria``, ``listing_date``).
    log
        ``verification_log`` of the same frame (``family_key``, ``old_status``, ``new_status``, ``date``).
    start
        The programme's start date: earlier events are part of the starting count.
    min_criteria
        Criteria an RT household must meet to be a candidate (a family that never was one is not
        "cleared" by a listing).

    Returns
    -------
    DataFrame
        ``kelurahan_code``, ``date``, ``delta`` (−1: a family left the remaining count, +1: one
        came back), one row per event after the start day (day 0: what was settled by then is
        the starting count); events without a date are left out.
    """
    start = pd.Timestamp(start)
    log = log if log is not None else pd.DataFrame(columns=["family_key", "old_status", "new_status", "date"])
    first_old = log.drop_duplicates("family_key", keep="first").set_index("family_key")["old_status"]
    in_log = fam["unit_key"].isin(first_old.index)
    # the registers' own status: the log's first old status for a family it changed, else the frame's
    reg_cleared = np.where(in_log, fam["unit_key"].map(first_old).astype("string").eq("cleared").fillna(False),
                           fam["cleared"].to_numpy(bool))
    candidate = fam["dtsen_extreme"].to_numpy(bool) | (pd.to_numeric(fam["rt_criteria"], errors="coerce")
                                                       .fillna(-1).to_numpy() >= min_criteria)
    listing = pd.to_datetime(fam["listing_date"], errors="coerce") if "listing_date" in fam else pd.Series(
        pd.NaT, index=fam.index)
    hit = reg_cleared & candidate & (listing > start).to_numpy(bool)
    by_listing = pd.DataFrame({"kelurahan_code": fam.loc[hit, "kelurahan_code"].astype("string"),
                               "date": listing[hit], "delta": -1})
    kel = fam.set_index("unit_key")["kelurahan_code"]
    step = (log["new_status"].isin(REMAINING_STATUSES).astype(int)
            - log["old_status"].isin(REMAINING_STATUSES).astype(int))
    when = pd.to_datetime(log["date"], errors="coerce")
    keep = (step != 0) & (when > start)
    by_log = pd.DataFrame({"kelurahan_code": log.loc[keep, "family_key"].map(kel).astype("string"),
                           "date": when[keep], "delta": step[keep]})
    out = pd.concat([by_listing, by_log], ignore_index=True)
    out["date"] = pd.to_datetime(out["date"]).dt.normalize()
    return out.dropna(subset=["kelurahan_code", "date"]).sort_values(["kelurahan_code", "date"],
                                                                     kind="stable").reset_index(drop=True)


def burndown_points(now: float, events: pd.DataFrame, start, today, min_cell: int) -> pd.DataFrame:
    """The remaining count at the start, after each event date, and at the rakor date.

    Parameters
    ----------
    now
        The remaining families today (the tracker's).
    events
        :func:`clearing_events` of one kelurahan (events after ``today`` fold into today's point).
    start, today
        The programme's start and the rakor date.
    min_cell
        The small-count threshold: consecutive points differ by 0 or at least this many families
        (smaller steps are merged into the next point), so no point gives a small step away.

    Returns
    -------
    DataFrame
        ``date``, ``remaining`` (ascending dates; the last point is ``today`` with ``now``).
    """
    start, today = pd.Timestamp(start).normalize(), pd.Timestamp(today).normalize()
    daily = events[events["date"] <= today].groupby("date")["delta"].sum() if len(events) else pd.Series(dtype=float)
    total = float(events["delta"].sum()) if len(events) else 0.0
    value = now - total  # the count at the start
    points = [(start, value)]
    for day, delta in daily.items():
        value += delta
        if abs(value - points[-1][1]) >= min_cell:
            points.append((day, value))
    # the last step, to today's count, must not be small either: merge backwards until it is not
    points = [p for p in points if p[0] < today]
    while points and 0 < abs(now - points[-1][1]) < min_cell:
        points.pop()
    points.append((today, now))
    return pd.DataFrame(points, columns=["date", "remaining"])


def countdown_rows(estimates: pd.DataFrame, period: str, rakor_date, settings: dict,
                   fam: pd.DataFrame | None = None, log: pd.DataFrame | None = None,
                   focus_codes=None, min_cell: int | None = None) -> pd.DataFrame:
    """Days elapsed and left at the rakor date, and per focus kelurahan the remaining families,
    the pace needed and the pace so far, the projected date of zero and the burn-down.

    Parameters
    ----------
    estimates
        The rows built so far (the tracker rows, and the survey/small-area extreme poverty rows).
    period
        "YYYY-MM" of the rakor.
    rakor_date
        The rakor date (anything ``pandas.Timestamp`` reads).
    settings
        The validated settings (``focus_kelurahan.start_date``, ``target_days``,
        ``local_criteria.min_criteria_extreme``, ``privacy.min_cell``).
    fam, log
        The family frame after the verification results and the verification log
        (``linkage.targeting.verified_family_frame``); without them only the days, remaining
        families and required pace are made.
    focus_codes
        The focus kelurahan (default: every kelurahan with tracker rows).
    min_cell
        Default ``privacy.min_cell``.

    Returns
    -------
    pandas.DataFrame
        Kota rows ``programme_days_elapsed`` and ``programme_days_remaining`` (unit "days"); per
        focus kelurahan ``extreme_families_remaining``, ``extreme_families_cleared_since_start``
        (counts), ``required_pace_per_week`` (remaining ÷ weeks left; NaN with note "terlewati"
        once the deadline has passed), ``clearing_pace_per_week`` (cleared ÷ weeks since the
        start), ``projected_zero_date`` (days from the rakor date; ``note`` the ISO date, or
        "tidak tercapai dengan laju sekarang"), ``extreme_families_burndown`` (one row per
        point, breakdown ``date=YYYY-MM-DD``) and ``extreme_families_upper_bound`` (the upper
        confidence limit of the kelurahan's extreme poverty rate times its DTSEN families).

    Notes
    -----
    Pace so far = families cleared since the start ÷ (days elapsed ÷ 7); projected date = rakor
    date + remaining ÷ pace so far weeks (rounded up to a whole day). A kelurahan already at zero
    has its projected date on the rakor date (0 days).
    """
    d = programme_dates(settings, rakor_date)
    method = f"rule:start={d['start'].date()},days={int(settings['focus_kelurahan']['target_days'])}"
    days = pd.DataFrame({"estimate": [float(d["elapsed"]), float(d["left"])]})
    parts = [to_estimate_rows(days.iloc[[i]], level="kota", area_col=None, indicator=name, period=period,
                              data_period=period, method=method, source="rakor", unit="days")
             for i, name in enumerate(("programme_days_elapsed", "programme_days_remaining"))]
    t = estimates[estimates["indicator"].isin(_PARTS) & (estimates["area_level"] == "kelurahan")
                  & (estimates["breakdown"] == "total")]
    if focus_codes is not None:
        t = t[t["area_code"].isin(list(focus_codes))]
    if t.empty:
        return pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS]
    wide = t.pivot_table(index=["area_code", "data_period", "source"], columns="indicator",
                         values="estimate", aggfunc="first").reset_index()
    for col in _PARTS:
        if col not in wide:
            wide[col] = 0.0
    wide["estimate"] = wide[list(_PARTS)].fillna(0).sum(axis=1)
    weeks_left, weeks_gone = d["left"] / 7, d["elapsed"] / 7
    if min_cell is None:
        from analysis.estimates.suppression import configured_min_cell

        min_cell = configured_min_cell()
    events = None
    if fam is not None:
        k = int(settings["local_criteria"]["min_criteria_extreme"])
        events = clearing_events(fam, log, d["start"], k)
    for (dp, src), g in wide.groupby(["data_period", "source"]):
        def rows(frame, indicator, unit, how, breakdown="total", dp=dp, src=src):
            return to_estimate_rows(frame, level="kelurahan", area_col="area_code", indicator=indicator,
                                    period=period, data_period=dp, method=how, source=src, unit=unit,
                                    breakdown=breakdown)

        parts.append(rows(g, REMAINING, "count", "sum:verified+unverified"))
        pace = g.assign(estimate=g["estimate"] / weeks_left if weeks_left > 0 else np.nan,
                        note=None if weeks_left > 0 else PASSED_NOTE)
        parts.append(rows(pace, PACE, "families_per_week", method + ",remaining/weeks_left"))
        if events is None:
            continue
        ev = events[events["kelurahan_code"].isin(g["area_code"])]
        cleared = -ev.groupby("kelurahan_code")["delta"].sum()
        got = g.assign(estimate=g["area_code"].map(cleared).fillna(0.0).astype(float))
        parts.append(rows(got, CLEARED, "count", "events:listing+verifikasi,since_start"))
        speed = got.assign(estimate=got["estimate"] / weeks_gone if weeks_gone > 0 else np.nan)
        parts.append(rows(speed, CURRENT_PACE, "families_per_week", method + ",cleared/weeks_since_start"))
        parts.append(rows(_projection(g, speed, d["today"]), PROJECTED, "days",
                          method + ",today+remaining/pace"))
        for row in g.itertuples():
            pts = burndown_points(row.estimate, ev[ev["kelurahan_code"] == row.area_code], d["start"],
                                  d["today"], min_cell)
            frame = pd.DataFrame({"area_code": row.area_code, "estimate": pts["remaining"].to_numpy(float)})
            parts.append(rows(frame, BURNDOWN, "count", "events:listing+verifikasi",
                              breakdown=DATE_BREAKDOWN + pts["date"].dt.strftime("%Y-%m-%d")))
    if fam is not None:
        parts.append(_upper_bound_rows(estimates, fam, wide, period))
    return pd.concat([p for p in parts if len(p)], ignore_index=True)[ESTIMATE_COLUMNS]


def _projection(remaining: pd.DataFrame, speed: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """Days from the rakor date to zero at the current pace, and the date (ISO) in ``note``."""
    rem = remaining["estimate"].to_numpy(float)
    pace = speed["estimate"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.where(rem <= 0, 0.0, np.where(pace > 0, np.ceil(rem / pace * 7), np.nan))
    note = [(today + pd.Timedelta(days=int(x))).date().isoformat() if np.isfinite(x) else NOT_REACHED_NOTE
            for x in days]
    return remaining.assign(estimate=days, note=note)


def _upper_bound_rows(estimates: pd.DataFrame, fam: pd.DataFrame, wide: pd.DataFrame, period: str) -> pd.DataFrame:
    """The survey (or small-area) upper bound on extreme-poor families in each focus kelurahan."""
    p0 = estimates[(estimates["indicator"] == "extreme_poverty_p0") & (estimates["area_level"] == "kelurahan")
                   & estimates["area_code"].isin(wide["area_code"]) & (estimates["breakdown"] == "total")]
    if p0.empty:
        return pd.DataFrame(columns=ESTIMATE_COLUMNS)
    # the small-area (Fay-Herriot) estimate where there is one, else the direct survey estimate
    p0 = p0.assign(_fh=p0["method"].astype(str).str.startswith("fay-herriot"))
    p0 = p0.sort_values("_fh", ascending=False).drop_duplicates("area_code")
    families = fam[fam["in_dtsen"].astype(bool)].groupby("kelurahan_code").size()
    out = pd.DataFrame({"area_code": p0["area_code"].to_numpy(),
                        "estimate": p0["ci_high"].to_numpy(float) * p0["area_code"].map(families).to_numpy(float),
                        "n": p0["area_code"].map(families).to_numpy(float)})
    out = out[np.isfinite(out["estimate"])]
    method = [f"upper:{m}.ci_high*dtsen_families" for m in p0.loc[p0["area_code"].isin(out["area_code"]), "method"]]
    rows = to_estimate_rows(out, level="kelurahan", area_col="area_code", indicator=UPPER, period=period,
                            data_period=str(p0["data_period"].iloc[0]), method="upper", source="susenas",
                            unit="count")
    rows["method"] = method
    return rows


def link_suppression(est: pd.DataFrame) -> pd.DataFrame:
    """After ``suppression.suppress``: every figure derived from a hidden remaining count, or from a
    hidden cleared count, is hidden too (:data:`LINKED`)."""
    est = est.copy()
    for name, derived in LINKED.items():
        rows = est[(est["indicator"] == name) & (est["breakdown"] == "total")]
        hidden = rows.loc[rows["suppressed"].astype(bool), ["area_code", "data_period"]]
        if hidden.empty:
            continue
        keys = pd.MultiIndex.from_frame(hidden)
        hit = (est["indicator"].isin(derived).to_numpy()
               & pd.MultiIndex.from_frame(est[["area_code", "data_period"]]).isin(keys)
               & ~est["suppressed"].astype(bool).to_numpy())
        est.loc[hit, ["suppressed", "note"]] = [True, "*"]
    return est

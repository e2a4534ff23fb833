"""The 100-day countdown: hand-computed days, remaining families and pace."""

import numpy as np
import pandas as pd

from analysis.estimates.countdown import (
    burndown_points,
    clearing_events,
    countdown_rows,
    link_suppression,
)
from analysis.estimates.suppression import suppress
from analysis.estimates.table import ESTIMATE_COLUMNS, to_estimate_rows

SETTINGS = {"focus_kelurahan": {"start_date": "2025-02-20", "target_days": 100}}
K1, K2 = "64.74.01.1003", "64.74.01.1006"


def _tracker(verified, unverified):
    rows = []
    for name, vals in (("extreme_families_verified", verified), ("extreme_families_unverified", unverified)):
        df = pd.DataFrame({"kelurahan_code": [K1, K2], "estimate": vals})
        rows.append(to_estimate_rows(df, level="kelurahan", area_col="kelurahan_code", indicator=name,
                                     period="2025-03", data_period="2025-03", method="count",
                                     source="pendataan_rt", unit="count"))
    return pd.concat(rows, ignore_index=True)[ESTIMATE_COLUMNS]


def _get(rows, ind, area=None):
    r = rows[rows["indicator"] == ind]
    if area:
        r = r[r["area_code"] == area]
    return r.iloc[0]


def test_days_on_9_april_2025():
    # 20 Feb → 9 Apr: 8 (Feb) + 31 (Mar) + 9 (Apr) = 48; deadline 31 May: 100 − 48 = 52
    rows = countdown_rows(_tracker([10, 0], [4, 0]), "2025-03", "2025-04-09", SETTINGS)
    assert _get(rows, "programme_days_elapsed")["estimate"] == 48
    assert _get(rows, "programme_days_remaining")["estimate"] == 52
    assert _get(rows, "programme_days_remaining")["unit"] == "days"
    assert _get(rows, "extreme_families_remaining", K1)["estimate"] == 14
    # 14 families in 52/7 weeks: 14 × 7 / 52
    assert np.isclose(_get(rows, "required_pace_per_week", K1)["estimate"], 14 * 7 / 52)
    assert _get(rows, "required_pace_per_week", K2)["estimate"] == 0


def test_deadline_passed():
    rows = countdown_rows(_tracker([10, 0], [4, 0]), "2025-06", "2025-06-30", SETTINGS)
    assert _get(rows, "programme_days_remaining")["estimate"] == 0
    pace = _get(rows, "required_pace_per_week", K1)
    assert np.isnan(pace["estimate"]) and pace["note"] == "terlewati"


def test_remaining_stays_shown_when_a_part_is_small():
    # K1: 10 verified, 2 awaiting. 2 is a small count; 12 − 10 would give it away, so the rule hides
    # a part beside it (the verified 10), not the remaining total the countdown is about.
    rows = _tracker([10, 20], [2, 30])
    est = suppress(pd.concat([rows, countdown_rows(rows, "2025-03", "2025-04-09", SETTINGS)],
                             ignore_index=True), min_cell=5)
    out = link_suppression(est)
    assert bool(_get(out, "extreme_families_unverified", K1)["suppressed"])
    assert bool(_get(out, "extreme_families_verified", K1)["suppressed"])
    assert not bool(_get(out, "extreme_families_remaining", K1)["suppressed"])
    assert _get(out, "extreme_families_remaining", K1)["estimate"] == 12
    assert not bool(_get(out, "required_pace_per_week", K1)["suppressed"])


def test_pace_hidden_with_its_remaining_count():
    rows = _tracker([1, 20], [2, 30])  # K1 remaining 3: small
    est = suppress(pd.concat([rows, countdown_rows(rows, "2025-03", "2025-04-09", SETTINGS)],
                             ignore_index=True), min_cell=5)
    out = link_suppression(est)
    assert bool(_get(out, "extreme_families_remaining", K1)["suppressed"])
    assert bool(_get(out, "required_pace_per_week", K1)["suppressed"])  # pace × weeks left = 3


# -- dated events: the pace so far, the projected date and the burn-down --------------------------

FULL = {**SETTINGS, "local_criteria": {"min_criteria_extreme": 3}}


def _families(n_remaining, cleared_dates, kel=K1):
    """``n_remaining`` extreme-poor families still counted, and one family cleared by the RT listing
    on each of ``cleared_dates`` (DTSEN desil 1, listing says tidak_memenuhi)."""
    n = n_remaining + len(cleared_dates)
    return pd.DataFrame({
        "unit_key": [f"{kel}-{i}" for i in range(n)], "kelurahan_code": kel,
        "cleared": [False] * n_remaining + [True] * len(cleared_dates),
        "dtsen_extreme": True, "rt_criteria": 4.0, "in_dtsen": True,
        "listing_date": pd.to_datetime(["2025-01-10"] * n_remaining + list(cleared_dates)),
    })


def _log(rows):
    return pd.DataFrame(rows, columns=["family_key", "old_status", "new_status", "date"]).assign(
        date=lambda d: pd.to_datetime(d["date"]))


def test_events_from_listing_and_log():
    fam = _families(3, ["2025-01-15", "2025-03-01", "2025-03-01"])  # the January one is before day 0
    log = _log([(f"{K1}-0", "unverified", "cleared", "2025-03-10"),      # leaves: −1
                (f"{K1}-1", "unverified", "not_found", "2025-03-11"),    # still awaiting: no change
                (f"{K1}-2", "unverified", "verified", "2025-03-12"),     # still counted: no change
                (f"{K1}-0", "cleared", "verified", "2025-03-20")])       # comes back: +1
    ev = clearing_events(fam, log, "2025-02-20", 3)
    assert ev["delta"].tolist() == [-1, -1, -1, 1]
    assert ev["date"].dt.strftime("%m-%d").tolist() == ["03-01", "03-01", "03-10", "03-20"]


def test_pace_projection_and_burndown():
    # 20 families remain on 9 April; 14 were cleared since 20 Feb (7 on 1 Mar, 7 on 20 Mar):
    # 48 days = 48/7 weeks → 14 × 7/48 = 2.0417 a week; 20 more take 20/14 × 48 = 68.57 → 69 days:
    # 9 April + 69 days = 17 June 2025, after the deadline (31 May).
    fam = _families(20, ["2025-03-01"] * 7 + ["2025-03-20"] * 7)
    fam = pd.concat([fam, _families(0, [], kel=K2)], ignore_index=True)
    rows = _tracker([10, 0], [10, 0])
    out = countdown_rows(rows, "2025-03", "2025-04-09", FULL, fam=fam, log=_log([]), min_cell=5)
    assert _get(out, "extreme_families_cleared_since_start", K1)["estimate"] == 14
    assert np.isclose(_get(out, "clearing_pace_per_week", K1)["estimate"], 14 * 7 / 48)
    proj = _get(out, "projected_zero_date", K1)
    assert proj["estimate"] == 69 and proj["note"] == "2025-06-17"
    assert _get(out, "projected_zero_date", K2)["note"] == "2025-04-09"  # already at zero
    b = out[(out["indicator"] == "extreme_families_burndown") & (out["area_code"] == K1)]
    assert b["breakdown"].tolist() == ["date=2025-02-20", "date=2025-03-01", "date=2025-03-20", "date=2025-04-09"]
    assert b["estimate"].tolist() == [34, 27, 20, 20]


def test_no_pace_no_date():
    fam = _families(20, [])
    out = countdown_rows(_tracker([10, 0], [10, 0]), "2025-03", "2025-04-09", FULL, fam=fam, log=_log([]),
                         min_cell=5)
    proj = _get(out, "projected_zero_date", K1)
    assert np.isnan(proj["estimate"]) and proj["note"] == "tidak tercapai dengan laju sekarang"


def test_burndown_merges_small_steps():
    # steps of 2, 2, 3 and 1 families: no point may differ from the one before by 1–4
    pts = burndown_points(10, pd.DataFrame({"date": pd.to_datetime(["2025-03-01", "2025-03-02", "2025-03-05",
                                                                    "2025-03-07"]),
                                            "delta": [-2, -2, -3, -1]}), "2025-02-20", "2025-04-09", 5)
    # start 18; after 1 Mar 16 (step 2, merged), 2 Mar 14 (4, merged), 5 Mar 11 (7: a point),
    # 7 Mar 10 (1 from 11: not a point, and the last step 11 → 10 is small, so 11 is dropped too)
    assert pts["remaining"].tolist() == [18, 10]
    assert pts["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-20", "2025-04-09"]
    assert (pts["remaining"].diff().abs().dropna() >= 5).all()


def test_burndown_event_on_the_rakor_date_and_after_it():
    # 30 at the start; −10 on 1 Mar, −6 on the rakor date, −2 after it (folded into today: 12)
    ev = pd.DataFrame({"date": pd.to_datetime(["2025-03-01", "2025-04-09", "2025-04-20"]), "delta": [-10, -6, -2]})
    pts = burndown_points(12, ev, "2025-02-20", "2025-04-09", 5)
    assert pts["remaining"].tolist() == [30, 20, 12]
    assert pts["date"].dt.strftime("%m-%d").tolist() == ["02-20", "03-01", "04-09"]
    # −3 on the rakor date and −2 after it: today 15, and the last step 20 → 15 is 5: kept
    ev2 = ev.assign(delta=[-10, -3, -2])
    pts2 = burndown_points(15, ev2, "2025-02-20", "2025-04-09", 5)
    assert pts2["remaining"].tolist() == [30, 20, 15]
    ev3 = ev.assign(delta=[-10, -1, -2])  # today 17: 20 → 17 is a step of 3, so 20 goes
    pts3 = burndown_points(17, ev3, "2025-02-20", "2025-04-09", 5)
    assert pts3["remaining"].tolist() == [30, 17]


def test_a_small_cleared_count_hides_the_pace_so_far_not_the_pace_needed():
    fam = _families(20, ["2025-03-01"] * 3)  # 3 cleared: a small count
    rows = _tracker([10, 10], [10, 10])
    fam = pd.concat([fam, _families(20, ["2025-03-01"] * 9, kel=K2)], ignore_index=True)
    est = pd.concat([rows, countdown_rows(rows, "2025-03", "2025-04-09", FULL, fam=fam, log=_log([]),
                                          min_cell=5)], ignore_index=True)
    out = link_suppression(suppress(est, min_cell=5))
    assert bool(_get(out, "extreme_families_cleared_since_start", K1)["suppressed"])
    for hidden in ("clearing_pace_per_week", "projected_zero_date"):
        assert bool(_get(out, hidden, K1)["suppressed"]), hidden
    b = out[(out["indicator"] == "extreme_families_burndown") & (out["area_code"] == K1)]
    assert b["suppressed"].all()
    assert not bool(_get(out, "required_pace_per_week", K1)["suppressed"])  # remaining ÷ weeks left only
    assert not bool(_get(out, "extreme_families_remaining", K1)["suppressed"])

"""The 100-day countdown: hand-computed days, remaining families and pace."""

import numpy as np
import pandas as pd

from analysis.estimates.countdown import countdown_rows, link_suppression
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


def test_pace_hidden_with_its_remaining_count():
    rows = pd.concat([_tracker([10, 0], [2, 0]), ], ignore_index=True)
    est = pd.concat([rows, countdown_rows(rows, "2025-03", "2025-04-09", SETTINGS)], ignore_index=True)
    # the unverified count 2 of K1 is hidden: 12 − 10 would give it away, and so would the pace
    est.loc[(est["indicator"] == "extreme_families_unverified") & (est["area_code"] == K1), "suppressed"] = True
    out = link_suppression(est)
    assert bool(_get(out, "extreme_families_remaining", K1)["suppressed"])
    assert bool(_get(out, "required_pace_per_week", K1)["suppressed"])
    assert not bool(_get(out, "required_pace_per_week", K2)["suppressed"])

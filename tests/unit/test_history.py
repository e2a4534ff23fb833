"""Tests of analysis.estimates.history: idempotent appends keyed by period, and change since the previous rakor."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.errors import RakorInputError
from analysis.estimates.history import append_history, change_since_previous, previous_period

A = "64.74.01.1003"
KOTA = "64.74"


def _est(period, stunting_a, poverty_kota, *, extra=False):
    rows = [
        {"period": period, "data_period": period, "area_level": "kelurahan", "area_code": A, "area_name": "Lok Tuan",
         "indicator": "stunting", "breakdown": "total", "n": 100, "estimate": stunting_a, "se": 0.03,
         "ci_low": stunting_a - 0.06, "ci_high": stunting_a + 0.06, "method": "direct:logit", "source": "eppgbm",
         "unit": "proportion", "suppressed": False},
        {"period": period, "data_period": period, "area_level": "kota", "area_code": KOTA, "area_name": "Kota Bontang",
         "indicator": "extreme_poverty_count", "breakdown": "total", "n": 50, "estimate": poverty_kota, "se": None,
         "ci_low": None, "ci_high": None, "method": "count", "source": "dtsen", "unit": "count", "suppressed": False},
    ]
    if extra:
        rows.append({**rows[0], "indicator": "wasting", "estimate": 0.07})
    return pd.DataFrame(rows)


def test_append_is_idempotent_and_replaces_a_period(tmp_path):
    path = tmp_path / "history.parquet"
    h1 = append_history(_est("2025-01", 0.20, 40, extra=True), path)
    assert len(h1) == 3
    h2 = append_history(_est("2025-04", 0.18, 31), path)
    assert len(h2) == 5
    again = append_history(_est("2025-04", 0.18, 31), path)
    pd.testing.assert_frame_equal(again, h2)
    # re-running 2025-01 without the wasting row replaces all of that period's rows
    h3 = append_history(_est("2025-01", 0.21, 40), path)
    assert len(h3) == 4
    jan = h3[h3["period"] == "2025-01"]
    assert set(jan["indicator"]) == {"stunting", "extreme_poverty_count"}
    assert jan.loc[jan["indicator"] == "stunting", "estimate"].item() == 0.21
    assert len(pd.read_parquet(path)) == 4
    assert not h3.duplicated(["period", "area_code", "indicator", "breakdown", "method"]).any()


def test_duplicate_keys_and_bad_periods_are_refused(tmp_path):
    est = _est("2025-01", 0.2, 40)
    with pytest.raises(RakorInputError, match="share"):
        append_history(pd.concat([est, est.iloc[[0]]]), tmp_path / "h.parquet")
    with pytest.raises(RakorInputError, match="YYYY-MM"):
        append_history(est.assign(period="2025-13"), tmp_path / "h.parquet")


def test_previous_period():
    hist = pd.concat([_est("2024-10", 0.25, 60), _est("2025-01", 0.20, 40), _est("2025-04", 0.18, 31)])
    assert previous_period(hist, "2025-04") == "2025-01"
    assert previous_period(hist, "2025-02") == "2025-01"
    assert previous_period(hist, "2024-10") is None


def test_change_since_previous_side_by_side():
    hist = pd.concat([_est("2024-10", 0.25, 60), _est("2025-01", 0.20, 40), _est("2025-04", 0.18, 31, extra=True)])
    ch = change_since_previous(hist, "2025-04").set_index("indicator")
    assert (ch["previous_period"] == "2025-01").all()
    assert ch.loc["stunting", "estimate_current"] == 0.18 and ch.loc["stunting", "estimate_previous"] == 0.20
    assert ch.loc["stunting", "change"] == pytest.approx(-0.02)
    assert ch.loc["stunting", "change_se"] == pytest.approx(math.sqrt(2) * 0.03)
    assert ch.loc["extreme_poverty_count", "change"] == pytest.approx(31 - 40)
    assert math.isnan(ch.loc["extreme_poverty_count", "change_se"])
    assert math.isnan(ch.loc["wasting", "estimate_previous"])          # new indicator: no previous figure
    older = change_since_previous(hist, "2025-04", previous="2024-10", indicators=["stunting"])
    assert len(older) == 1 and older["change"].item() == pytest.approx(0.18 - 0.25)


def test_change_with_no_previous_period():
    ch = change_since_previous(_est("2025-01", 0.2, 40), "2025-01")
    assert ch["previous_period"].isna().all() and ch["change"].isna().all()

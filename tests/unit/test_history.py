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


# --------------------------------------------------------------------------------------------
# The since-previous rows of the estimates table (the contract the briefs read)
# --------------------------------------------------------------------------------------------

from analysis.estimates.history import since_previous_rows  # noqa: E402
from analysis.estimates.table import ESTIMATE_COLUMNS  # noqa: E402


def _fig(period, data_period, indicator, code, estimate, *, se=float("nan"), method="count", unit="count",
         source="dtsen", suppressed=False, breakdown="total", level=None):
    level = level or ("kota" if code == KOTA else "kelurahan")
    return dict(period=period, data_period=data_period, area_level=level, area_code=code, area_name="x",
                indicator=indicator, breakdown=breakdown, n=float("nan"), n_weighted=float("nan"),
                estimate=estimate, se=se, ci_low=float("nan"), ci_high=float("nan"), df=float("nan"),
                deff=float("nan"), p_value=float("nan"), method=method, source=source, unit=unit,
                reliability=None, suppressed=suppressed, note="<5" if suppressed else None)


def _stunting(period, data_period, code, p, se):
    return _fig(period, data_period, "stunting", code, p, se=se, method="direct:logit", unit="proportion",
                source="eppgbm")


def test_since_previous_rows_by_hand():
    # history: rakor 2024-09 and 2025-01; this rakor 2025-03 → previous P = 2025-01
    hist = pd.DataFrame([
        _stunting("2024-09", "2024-08", KOTA, 0.30, 0.01),
        _stunting("2025-01", "2024-08", KOTA, 0.25, 0.03),
        _stunting("2025-01", "2024-08", A, 0.40, 0.04),
        _fig("2025-01", "2025-01", "dtsen_desil1_families", KOTA, 120.0),
        _fig("2025-01", "2025-01", "dtsen_desil1_families", A, 3.0, suppressed=True),
        _fig("2025-01", "2025-01", "dtsen_families", KOTA, 999.0),                 # not a since-previous figure
        _stunting("2025-01", "2024-08", KOTA, 0.2, 0.01) | {"breakdown": "sex=1"},  # not a total
    ])[ESTIMATE_COLUMNS]
    est = pd.DataFrame([
        _stunting("2025-03", "2024-08", KOTA, 0.25, 0.03),   # an older round (the trend): not the current figure
        _stunting("2025-03", "2025-02", KOTA, 0.21, 0.04),
        _fig("2025-03", "2025-03", "dtsen_desil1_families", KOTA, 100.0),
        _fig("2025-03", "2025-03", "dtsen_desil1_families", A, 12.0),
    ])[ESTIMATE_COLUMNS]
    rows = since_previous_rows(est, hist, "2025-03")
    assert set(rows["breakdown"]) == {"rakor=2025-01"} and set(rows["period"]) == {"2025-03"}
    got = rows.set_index(["indicator", "area_code"])
    # previous rows: the history's figures as they were
    assert got.loc[("stunting_previous", KOTA), "estimate"] == 0.25
    assert got.loc[("stunting_previous", KOTA), "data_period"] == "2024-08"
    assert got.loc[("stunting_previous", A), "estimate"] == 0.40          # no current figure: previous only
    assert ("stunting_since_previous", A) not in got.index
    assert got.loc[("dtsen_desil1_families_previous", A), "suppressed"]
    # differences: 0.21 − 0.25 = −0.04, se √(0.03² + 0.04²) = 0.05; 100 − 120 = −20; 12 − 3 = 9 (hidden)
    s = got.loc[("stunting_since_previous", KOTA)]
    assert s["estimate"] == pytest.approx(-0.04) and s["se"] == pytest.approx(0.05)
    assert s["ci_low"] == pytest.approx(-0.04 - 1.959964 * 0.05, abs=1e-6)
    assert (s["method"], s["unit"], s["source"], s["data_period"]) == ("difference:history", "proportion",
                                                                       "eppgbm", "2025-02")
    d = got.loc[("dtsen_desil1_families_since_previous", KOTA)]
    assert d["estimate"] == -20 and d["unit"] == "count" and not d["suppressed"]
    h = got.loc[("dtsen_desil1_families_since_previous", A)]
    assert h["estimate"] == 9 and h["suppressed"]
    assert len(rows) == 7


def test_no_previous_rakor_no_rows():
    hist = pd.DataFrame([_stunting("2025-03", "2025-02", KOTA, 0.2, 0.01)])[ESTIMATE_COLUMNS]
    assert since_previous_rows(hist, hist, "2025-03").empty

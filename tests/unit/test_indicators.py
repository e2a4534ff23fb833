"""The estimates-table builder: periods, sums of counts, suppression, changes (hand-countable data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.estimates import build as indicators

KEL = ["64.74.01.1001", "64.74.01.1002", "64.74.01.1003", "64.74.02.1001"]


def test_snapshot_takes_the_latest_period_at_or_before_the_rakor():
    t = pd.DataFrame({"period": ["2024-08", "2025-02", "2025-04"], "x": [1, 2, 3]})
    rows, data_period = indicators.snapshot(t, "2025-03")
    assert data_period == "2025-02" and rows["x"].tolist() == [2]
    assert indicators.snapshot(t, "2024-01") == (None, None)


def test_snapshot_of_an_accumulating_listing_keeps_the_latest_row_per_family():
    t = pd.DataFrame({"period": ["2025-01", "2025-02", "2025-03", "2025-04"],
                      "family_key": ["a", "b", "a", "b"], "status": ["belum", "belum", "terverifikasi", "x"]})
    rows, data_period = indicators.snapshot(t, "2025-03", accumulate_by="family_key")
    assert data_period == "2025-03"
    assert dict(zip(rows["family_key"], rows["status"], strict=True)) == {"a": "terverifikasi", "b": "belum"}


def test_counts_add_up_from_kelurahan_to_kecamatan_and_kota():
    t = pd.DataFrame({"kelurahan_code": KEL, "n_x": [1, 2, 3, 10]})
    rows = indicators.counts_by_area(t, {"n_x": "recon_x"}, period="2025-03", data_period="2025-03",
                                     source="dtsen").set_index("area_code")["estimate"]
    assert rows["64.74.01"] == 6 and rows["64.74.02"] == 10 and rows["64.74"] == 16
    assert rows["64.74.01.1003"] == 3


def _count_rows(values, level="kelurahan", codes=KEL[:3]):
    return pd.DataFrame({
        "indicator": "stunting_count", "breakdown": "total", "data_period": "2025-02", "method": "count",
        "unit": "count", "area_level": level, "area_code": codes, "estimate": values, "note": pd.NA,
    })


def test_small_counts_are_hidden_with_a_complementary_cell():
    """3 is hidden as "<5"; the kecamatan total would reveal it, so the next smallest (10) is "*"."""
    est = indicators.suppress(_count_rows([3.0, 10.0, 20.0]))
    assert est["suppressed"].tolist() == [True, True, False]
    assert est["note"].tolist()[:2] == ["<5", "*"]


def test_zero_is_shown_and_two_small_cells_need_no_complement():
    est = indicators.suppress(_count_rows([0.0, 2.0, 4.0]))
    assert est["suppressed"].tolist() == [False, True, True]


def test_proportions_are_never_suppressed():
    rows = _count_rows([0.01, 0.02, 0.03]).assign(unit="proportion", indicator="stunting")
    assert not indicators.suppress(rows)["suppressed"].any()


def test_change_between_rounds_is_later_minus_earlier_on_the_proportion_scale():
    base = dict(period="2025-03", area_level="kota", area_code="64.74", area_name="Kota Bontang",
                indicator="stunting", breakdown="total", df=np.nan)
    growth = pd.DataFrame([{**base, "data_period": "2024-08", "estimate": 0.25, "se": 0.01, "n": 100},
                           {**base, "data_period": "2025-02", "estimate": 0.20, "se": 0.01, "n": 100}])
    change = indicators.change_rows(growth, "2025-03").iloc[0]
    assert change["estimate"] == pytest.approx(-0.05)
    assert change["se"] == pytest.approx(np.sqrt(2) * 0.01)
    assert change["breakdown"] == "since=2024-08"
    # two-sided normal test of -0.05 / 0.01414 = -3.54: p ≈ 0.0004
    assert change["p_value"] == pytest.approx(0.000407, abs=2e-5)


def test_compare_estimates_lists_only_real_differences():
    from analysis.pipeline import compare_estimates

    base = dict(period="2025-03", data_period="2025-02", area_level="kota", area_code="64.74",
                breakdown="total", method="count", n=10, n_weighted=np.nan, se=np.nan, ci_low=np.nan,
                ci_high=np.nan, df=np.nan, deff=np.nan)
    old = pd.DataFrame([{**base, "indicator": "a", "estimate": 1.0}, {**base, "indicator": "b", "estimate": 2.0}])
    assert compare_estimates(old, old.copy()) == []
    new = old.copy()
    new.loc[1, "estimate"] = 2.5
    diffs = compare_estimates(old, new)
    assert len(diffs) == 1 and "estimate 2.0 in the report, 2.5 in the re-run" in diffs[0]
    assert compare_estimates(old, new.iloc[:1])[0].startswith("only in the report: 2025-03 / 2025-02 / kota")


def test_undated_rows_count_as_current_data():
    """A register file without any period is the current snapshot, not silently dropped."""
    t = pd.DataFrame({"period": [None, None], "x": [1, 2]})
    rows, data_period = indicators.snapshot(t, "2025-03")
    assert data_period == "2025-03" and rows["x"].tolist() == [1, 2]


def test_published_estimates_blank_hidden_counts():
    from analysis.pipeline import published_estimates

    est = indicators.suppress(_count_rows([3.0, 10.0, 20.0]))
    out = published_estimates(est.assign(se=np.nan, ci_low=np.nan, ci_high=np.nan))
    assert out["estimate"].isna().tolist() == [True, True, False]


def test_reliability_needs_a_positive_finite_rse():
    got = indicators._reliability_from_rse(np.array([0.0, np.nan, 10.0, 30.0, 60.0]))
    assert got.tolist() == ["unreliable", "unreliable", "reliable", "caution", "unreliable"]

"""The estimate stage's builders: periods, sums of counts, changes (hand-countable data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.estimates import build, growth, survey_poverty
from analysis.estimates.table import counts_by_area

KEL = ["64.74.01.1001", "64.74.01.1002", "64.74.01.1003", "64.74.02.1001"]


def test_snapshot_takes_the_latest_period_at_or_before_the_rakor():
    t = pd.DataFrame({"period": ["2024-08", "2025-02", "2025-04"], "x": [1, 2, 3]})
    rows, data_period = build.snapshot(t, "2025-03")
    assert data_period == "2025-02" and rows["x"].tolist() == [2]
    assert build.snapshot(t, "2024-01") == (None, None)


def test_snapshot_of_an_accumulating_listing_keeps_the_latest_row_per_family():
    t = pd.DataFrame({"period": ["2025-01", "2025-02", "2025-03", "2025-04"],
                      "family_key": ["a", "b", "a", "b"], "status": ["belum", "belum", "terverifikasi", "x"]})
    rows, data_period = build.snapshot(t, "2025-03", accumulate_by="family_key")
    assert data_period == "2025-03"
    assert dict(zip(rows["family_key"], rows["status"], strict=True)) == {"a": "terverifikasi", "b": "belum"}


def test_undated_rows_count_as_current_data():
    """A register file without any period is the current snapshot, not silently dropped."""
    t = pd.DataFrame({"period": [None, None], "x": [1, 2]})
    rows, data_period = build.snapshot(t, "2025-03")
    assert data_period == "2025-03" and rows["x"].tolist() == [1, 2]


def test_counts_add_up_from_kelurahan_to_kecamatan_and_kota():
    t = pd.DataFrame({"kelurahan_code": KEL, "n_x": [1, 2, 3, 10]})
    rows = counts_by_area(t, {"n_x": "recon_x"}, period="2025-03", data_period="2025-03",
                          source="dtsen").set_index("area_code")["estimate"]
    assert rows["64.74.01"] == 6 and rows["64.74.02"] == 10 and rows["64.74"] == 16
    assert rows["64.74.01.1003"] == 3


def test_change_between_rounds_is_later_minus_earlier_on_the_proportion_scale():
    base = dict(period="2025-03", area_level="kota", area_code="64.74", area_name="Kota Bontang",
                indicator="stunting", breakdown="total", df=np.nan)
    rounds = pd.DataFrame([{**base, "data_period": "2024-08", "estimate": 0.25, "se": 0.01, "n": 100},
                           {**base, "data_period": "2025-02", "estimate": 0.20, "se": 0.01, "n": 100}])
    change = growth.change_rows(rounds, "2025-03").iloc[0]
    assert change["estimate"] == pytest.approx(-0.05)
    assert change["se"] == pytest.approx(np.sqrt(2) * 0.01)
    assert change["breakdown"] == "since=2024-08"
    # two-sided normal test of -0.05 / 0.01414 = -3.54: p ≈ 0.0004
    assert change["p_value"] == pytest.approx(0.000407, abs=2e-5)


def test_reliability_needs_a_positive_finite_rse():
    got = survey_poverty._reliability_from_rse(np.array([0.0, np.nan, 10.0, 30.0, 60.0]))
    assert got.tolist() == ["unreliable", "unreliable", "reliable", "caution", "unreliable"]


def test_kelurahan_without_a_haz_in_the_round_has_no_stunting_rate():
    # every child of one kelurahan lacks a HAZ (is_stunted missing): its covariate is NaN, the
    # others are their shares; a province run at a small scale stopped here with a TypeError
    codes = [c for c in survey_poverty.area_names().index if c.count(".") == 3]
    a, b = codes[0], codes[1]
    kids = pd.DataFrame({"period": "2025-02", "kelurahan_code": [a, a, a, b, b],
                         "is_stunted": pd.array([True, False, False, pd.NA, pd.NA], dtype="boolean")})
    got = survey_poverty.kelurahan_covariates(None, None, kids, "2025-02").set_index("kelurahan_code")
    assert got["stunting_rate"].dtype == float
    assert got.loc[a, "stunting_rate"] == pytest.approx(1 / 3)
    assert np.isnan(got.loc[b, "stunting_rate"]) and np.isnan(got.loc[codes[2], "stunting_rate"])


def test_build_all_reads_the_zero_target_from_config(monkeypatch):
    """focus_kelurahan.target_extreme_poor is passed to the tracker (it used the function's default)."""
    from analysis import config
    from analysis.linkage import reconcile, targeting

    seen = {}

    def fake_tracker(*args, target, **kwargs):
        seen["target"] = target
        raise RuntimeError("stop here")

    settings = config.settings()
    patched = {**settings, "focus_kelurahan": {**settings["focus_kelurahan"], "target_extreme_poor": 7}}
    monkeypatch.setattr(config, "settings", lambda: patched)
    monkeypatch.setattr(targeting, "zero_extreme_tracker", fake_tracker)
    # the steps before the tracker are tested in their own modules
    monkeypatch.setattr(reconcile, "link_families", lambda *a, **k: None)
    monkeypatch.setattr(reconcile, "reconciliation_tables", lambda *a, **k: {})
    monkeypatch.setattr(targeting, "poverty_flags", lambda *a, **k: None)
    family = pd.DataFrame({"period": ["2025-03"], "family_key": ["f1"], "kecamatan_code": ["64.74.01"],
                           "kelurahan_code": ["64.74.01.1003"], "rt": ["001"], "rw": ["01"], "desil": [1],
                           "n_members": [3], "penerima_pkh": [False], "penerima_bpnt": [False],
                           "penerima_pbi": [False], "resiko_stunting": [False]})
    with pytest.raises(RuntimeError, match="stop here"):
        build.build_all({"dtsen_family": family}, "2025-03")
    assert seen["target"] == 7


def test_survey_only_run_for_2024_uses_bontang_line_to_1e9():
    """A rakor of 2024 with only the household survey: the kota P0 is measured with Kota Bontang's
    own 2024 garis kemiskinan (Rp 801.945, config/poverty_lines.csv), not the national line, and
    equals the weighted share of persons below it computed here by hand."""
    rng = np.random.default_rng(7)
    n = 240
    kel = np.array(["64.74.01.1001", "64.74.02.1001", "64.74.03.1001"])[rng.integers(0, 3, n)]
    hh = pd.DataFrame({
        "period": "2024-03", "hh_id": [f"h{i}" for i in range(n)],
        "strata": rng.integers(1, 4, n).astype(str), "psu": [f"p{i // 8}" for i in range(n)],
        "weight_hh": rng.uniform(20, 80, n), "hh_size": rng.integers(1, 7, n),
        # around both lines, so that the national line (Rp 595.242) would give another answer
        "expenditure_pc_idr_month": rng.uniform(450_000, 1_100_000, n),
        "kecamatan_code": [k.rsplit(".", 1)[0] for k in kel], "kelurahan_code": kel,
    })
    out = build.build_all({"susenas": hh}, "2024-03")
    est = out.estimates
    p0 = est[(est["indicator"] == "poverty_p0") & (est["area_level"] == "kota")
             & (est["method"].str.startswith("direct")) & (est["breakdown"] == "total")]
    persons = hh["weight_hh"] * hh["hh_size"]
    expected = persons[hh["expenditure_pc_idr_month"] < 801_945].sum() / persons.sum()
    national = persons[hh["expenditure_pc_idr_month"] < 595_242].sum() / persons.sum()
    assert abs(expected - national) > 0.05
    assert p0["estimate"].iloc[0] == pytest.approx(expected, abs=1e-9)
    line = est[(est["indicator"] == "poverty_line") & (est["breakdown"] == "kind=poverty")]
    assert line["estimate"].iloc[0] == 801_945

"""Number formats and sentences of the briefs (expected strings written by hand)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.briefs import narrative as nv
from analysis.errors import RakorInputError


def parse_id(text: str) -> list[float]:
    """Independent reader of Indonesian-formatted numbers (thousands '.', decimal ',')."""
    text = text.replace("\u2013", " ").replace("\u2212", "-")
    toks = re.findall(r"-?\d+(?:\.\d{3})*(?:,\d+)?", text)
    return [float(t.replace(".", "").replace(",", ".")) for t in toks]


@pytest.mark.parametrize(("value", "lang", "expected"), [
    (0.182, "id", "18,2%"),
    (0.182, "en", "18.2%"),
    (0.1825, "id", "18,3%"),      # half up: 18.25 → 18.3
    (0.0, "id", "0,0%"),
    (1.0, "id", "100,0%"),
    (0.00049, "id", "0,0%"),
    (float("nan"), "id", "t.a."),
    (None, "en", "n/a"),
])
def test_fmt_pct(value, lang, expected):
    assert nv.fmt_pct(value, lang) == expected


def test_fmt_int_and_series():
    assert nv.fmt_int(12345, "id") == "12.345"
    assert nv.fmt_int(12345, "en") == "12,345"
    assert nv.fmt_int(1234567, "id") == "1.234.567"
    assert nv.fmt_int(999, "id") == "999"
    assert nv.fmt_int(2.5, "id") == "3"  # half up
    s = nv.fmt_int_series(pd.Series([0, 4, 12345, np.nan, 1_000_000]), "id")
    assert s.tolist() == ["0", "4", "12.345", None, "1.000.000"]
    assert nv.fmt_int_series(pd.Series([12345]), "en").tolist() == ["12,345"]


def test_fmt_ci_and_pp():
    assert nv.fmt_ci(0.151, 0.217, "id") == "IK 95%: 15,1\u201321,7"
    assert nv.fmt_ci(0.151, 0.217, "en") == "95% CI: 15.1\u201321.7"
    assert nv.fmt_ci(-0.03, 0.01, "id") == "IK 95%: \u22123,0 hingga 1,0"
    assert nv.fmt_pp(-0.021, "id") == "\u22122,1 poin"
    assert nv.fmt_pp(0.021, "id") == "+2,1 poin"
    assert nv.fmt_pp(-0.021, "id", signed=False) == "2,1 poin"
    assert nv.fmt_pp(0.021, "en") == "+2.1 points"


def test_fmt_idr():
    assert nv.fmt_idr(391000, "id") == "Rp391.000"
    assert nv.fmt_idr(595242, "en") == "IDR 595,242"
    assert nv.fmt_idr(391000, "id", compact=True) == "Rp391 ribu"
    assert nv.fmt_idr(1_250_000, "id", compact=True, decimals=2) == "Rp1,25 juta"
    assert nv.fmt_idr(2_500_000_000, "en", compact=True) == "IDR 2.5 billion"


def test_fmt_period():
    assert nv.fmt_period("2024-08", "id") == "Agustus 2024"
    assert nv.fmt_period("2025-05", "id") == "Mei 2025"
    assert nv.fmt_period("2024-08", "en") == "August 2024"
    assert nv.fmt_period("2024-08", "id", short=True) == "Agu 2024"
    for bad in ("2024-13", "08-2024", "Agustus"):
        with pytest.raises(RakorInputError, match="YYYY-MM"):
            nv.fmt_period(bad)
    with pytest.raises(RakorInputError, match="language"):
        nv.fmt_pct(0.1, "fr")


ROW = {"indicator": "stunting", "estimate": 0.182, "ci_low": 0.151, "ci_high": 0.217,
       "unit": "proportion", "data_period": "2025-02", "reliability": "reliable"}
PREV = {"indicator": "stunting", "estimate": 0.203, "ci_low": 0.17, "ci_high": 0.236,
        "data_period": "2024-08"}


def test_prevalence_sentence_matches_the_brief_example():
    s = nv.prevalence_sentence(ROW, PREV, lang="id",
                               change={"diff": -0.021, "ci_low": -0.06, "ci_high": 0.02,
                                       "p_value": 0.31})
    assert s == ("Prevalensi stunting 18,2% (IK 95%: 15,1\u201321,7), turun 2,1 poin dari "
                 "Agustus 2024; perubahan tidak bermakna secara statistik.")


def test_prevalence_sentence_english():
    s = nv.prevalence_sentence(ROW, PREV, lang="en", change={"diff": -0.021, "p_value": 0.01})
    assert s == ("Stunting prevalence 18.2% (95% CI: 15.1\u201321.7), down 2.1 points from "
                 "August 2024; the change is statistically significant.")


def test_significance_rules():
    up = {**ROW, "estimate": 0.30, "ci_low": 0.26, "ci_high": 0.34}
    # CI of the difference excludes 0 → significant
    s = nv.prevalence_sentence(up, PREV, change={"diff": 0.097, "ci_low": 0.05, "ci_high": 0.14})
    assert "naik 9,7 poin" in s and "perubahan bermakna secara statistik" in s
    # no change given: non-overlapping row CIs → significant
    s = nv.prevalence_sentence(up, PREV)
    assert "perubahan bermakna secara statistik" in s and "tidak bermakna" not in s
    # overlapping CIs are not called "not significant"
    s = nv.prevalence_sentence(ROW, PREV)
    assert "belum diuji" in s and "tidak bermakna" not in s
    # p-value wins over alpha
    s = nv.prevalence_sentence(ROW, PREV, change={"diff": -0.021, "p_value": 0.04}, alpha=0.01)
    assert "tidak bermakna" in s


def test_unchanged_unreliable_suppressed_missing():
    same = {**PREV, "estimate": 0.1824}
    s = nv.prevalence_sentence(ROW, same)
    assert "tidak berubah dari Agustus 2024" in s
    s = nv.prevalence_sentence({**ROW, "reliability": "unreliable"})
    assert "tidak andal" in s
    s = nv.prevalence_sentence({**ROW, "suppressed": True})
    assert "18,2" not in s and "kurang dari 5" in s
    s = nv.prevalence_sentence({**ROW, "estimate": np.nan})
    assert "tidak tersedia" in s
    s = nv.prevalence_sentence(ROW, indicator_label="gizi buruk")
    assert s.startswith("Prevalensi gizi buruk 18,2%")
    s = nv.prevalence_sentence({**ROW, "indicator": "extreme_poverty_p0"})
    assert s.startswith("Persentase penduduk miskin ekstrem 18,2%")


def test_every_number_in_a_sentence_equals_the_row():
    rng = np.random.default_rng(8)
    est = rng.uniform(0.001, 0.6, 40)
    half = rng.uniform(0.001, 0.1, 40)
    prev = np.clip(est + rng.normal(0, 0.05, 40), 0, 1)
    for e, h, p in zip(est, half, prev, strict=True):
        row = pd.Series({"indicator": "stunting", "estimate": e, "ci_low": max(e - h, 0),
                         "ci_high": e + h, "unit": "proportion"})
        s = nv.prevalence_sentence(row, {"estimate": p, "data_period": "2024-08"})
        nums = parse_id(s)
        # estimate, "95" of IK 95%, low, high, [change], year of the previous period
        assert nums[0] == pytest.approx(e * 100, abs=0.05 + 1e-9)
        assert nums[1] == 95
        assert nums[2] == pytest.approx(row["ci_low"] * 100, abs=0.05 + 1e-9)
        assert nums[3] == pytest.approx(row["ci_high"] * 100, abs=0.05 + 1e-9)
        if "berubah" not in s:
            assert nums[4] == pytest.approx(abs(e - p) * 100, abs=0.05 + 1e-9)
            assert ("turun" in s) == (e < p)
        assert nums[-1] == 2024
        # the module's own reader agrees with the independent one
        assert nv.parse_numbers(s, "id") == pytest.approx(nums)


def test_zero_target_sentence():
    base = {"area_name": "Lok Tuan", "indicator": "extreme_poverty_count", "unit": "count",
            "data_period": "2025-02"}
    s = nv.zero_target_sentence({**base, "estimate": 0})
    assert s == "Lok Tuan: target nol tercapai: tidak ada penduduk miskin ekstrem yang tercatat (Februari 2025)."
    s = nv.zero_target_sentence({**base, "estimate": 1234})
    assert "1.234 penduduk miskin ekstrem" in s and "belum tercapai" in s
    s = nv.zero_target_sentence({**base, "estimate": 3, "suppressed": True})
    assert "<5" in s and " 3 " not in s
    prop = {"area_name": "Api-api", "indicator": "extreme_poverty_p0", "unit": "proportion",
            "estimate": 0.0, "ci_low": 0.0, "ci_high": 0.023, "data_period": "2025-02"}
    s = nv.zero_target_sentence(prop)
    assert "2,3%" in s and "belum dapat dipastikan" in s
    s = nv.zero_target_sentence({**prop, "estimate": 0.012, "ci_low": 0.003, "ci_high": 0.045},
                                lang="en")
    assert "1.2%" in s and "95% CI: 0.3\u20134.5" in s and "not yet met" in s


def test_labels_both_languages_have_the_same_keys():
    id_, en = nv.labels("id"), nv.labels("en")
    assert id_["reliability"] == {"reliable": "andal", "caution": "hati-hati",
                                  "unreliable": "tidak andal"}
    for part in ("indicator", "reliability", "header", "text", "subject"):
        assert set(id_[part]) == set(en[part]), part
    assert nv.reliability_label("caution", "id") == "hati-hati"
    assert nv.indicator_label("stunting", "en") == "stunting"
    # a copy: changing it does not change the module's labels
    id_["reliability"]["caution"] = "x"
    assert nv.labels("id")["reliability"]["caution"] == "hati-hati"


def test_fmt_date_in_both_languages():
    from analysis.briefs.narrative import fmt_date

    assert fmt_date("2025-04-09") == "9 April 2025"
    assert fmt_date("2025-05-31", "en") == "May 31, 2025"
    assert fmt_date(None) == "t.a."

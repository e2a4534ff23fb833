"""Each child followed (estimates/transitions.py): a hand-made panel with known transitions.

Expected values are counted by hand from the table below and the Wilson interval is written out
from its formula (Wilson 1927), not taken from the code.

child  kel  2024-02 (round 1)            2024-08 (round 2)             what it tests
A      K1   not stunted, HAZ -1.0        stunted, HAZ -2.3             incidence
B      K1   not stunted, HAZ -0.5        not stunted, HAZ -0.4
C      K1   not stunted, HAZ  0.2        not stunted, HAZ  0.0
D      K2   stunted, HAZ -2.5            not stunted, HAZ -1.9         recovery
E      K2   stunted, HAZ -3.1            stunted, HAZ -2.9             persistent, no programme: worklist
K      K2   stunted, HAZ -2.2            stunted, HAZ -2.4             persistent, family in a programme
F      K2   stunted 90.0 cm standing     stunted 88.0 cm standing      height fell 2.0 cm: left out
G      K2   80.0 cm lying, 700 d         78.0 cm standing, 880 d       fell 2.0 ≤ 1.5 + 0.7: kept
H      K1   (not measured)               not stunted                   one round only: not followed
I      K1   flagged HAZ (-6.5)           stunted                       no status before: left out
J      K1   not stunted, HAZ -1.5        twice: -1.6 (1 Aug), -2.1 (20 Aug, kept: stunted)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.estimates.transitions import (
    child_pairs,
    persistent_stunting_worklist,
    transition_rows,
)

KEC = "64.74.01"
K1, K2 = "64.74.01.1001", "64.74.01.1002"
Z = 1.959963984540054  # the 97.5% normal quantile


def _wilson(x: int, n: int) -> tuple[float, float]:
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return centre - half, centre + half


def _row(key, kel, period, haz, height=85.0, measure="h", age=900, date=None, flag=False):
    return {"child_key": key, "family_key": f"fam-{key}", "kecamatan_code": KEC, "kelurahan_code": kel,
            "period": period, "measure_date": pd.Timestamp(date or period + "-15"), "age_days": age,
            "height_cm": height, "measure": measure, "haz": haz, "haz_flag": flag,
            "is_stunted": pd.NA if flag else haz < -2, "rt": "001", "source_file": "f.csv", "source_row": 2}


@pytest.fixture(scope="module")
def children():
    a, b = "2024-02", "2024-08"
    rows = [
        _row("A", K1, a, -1.0, 80.0), _row("A", K1, b, -2.3, 82.0),
        _row("B", K1, a, -0.5, 80.0), _row("B", K1, b, -0.4, 83.0),
        _row("C", K1, a, 0.2, 80.0), _row("C", K1, b, 0.0, 84.0),
        _row("D", K2, a, -2.5, 80.0), _row("D", K2, b, -1.9, 84.0),
        _row("E", K2, a, -3.1, 80.0), _row("E", K2, b, -2.9, 82.0),
        _row("K", K2, a, -2.2, 80.0), _row("K", K2, b, -2.4, 82.0),
        _row("F", K2, a, -2.6, 90.0), _row("F", K2, b, -2.8, 88.0),
        _row("G", K2, a, -1.2, 80.0, "l", 700), _row("G", K2, b, -1.3, 78.0, "h", 880),
        _row("H", K1, b, -1.0, 80.0),
        _row("I", K1, a, -6.5, 60.0, flag=True), _row("I", K1, b, -2.5, 70.0),
        _row("J", K1, a, -1.5, 80.0), _row("J", K1, b, -1.6, 82.0, date="2024-08-01"),
        _row("J", K1, b, -2.1, 82.5, date="2024-08-20"),
    ]
    return pd.DataFrame(rows).astype({"is_stunted": "boolean"})


@pytest.fixture(scope="module")
def rows(children):
    return transition_rows(child_pairs(children), "2024-08").set_index(["indicator", "area_code"])


def test_pairs_link_each_child_once(children):
    pairs = child_pairs(children).set_index("child_key")
    assert sorted(pairs.index) == ["A", "B", "C", "D", "E", "F", "G", "I", "J", "K"]  # H: one round
    assert bool(pairs.loc["J", "stunted_now"]) is True  # the later August measurement is kept
    assert pairs.loc["F", "height_fall"] and pairs.loc["F", "height_fall_mm"] == 20
    assert not pairs.loc["G", "height_fall"]  # lying to standing: 2.0 cm ≤ 2.2 cm
    assert pd.isna(pairs.loc["I", "stunted_before"]) and np.isnan(pairs.loc["I", "haz_change"])


def test_incidence_counts_and_wilson(rows):
    # not stunted before, trusted pair: A, B, C, J (K1) and G (K2); stunted now: A, J
    kota = rows.loc[("stunting_incidence", "64.74")]
    assert kota["n"] == 5 and kota["estimate"] == pytest.approx(2 / 5)
    lo, hi = _wilson(2, 5)
    assert kota["ci_low"] == pytest.approx(lo, abs=1e-12) and kota["ci_high"] == pytest.approx(hi, abs=1e-12)
    assert rows.loc[("stunting_incidence", K1), "n"] == 4
    assert rows.loc[("stunting_incidence", K1), "estimate"] == pytest.approx(2 / 4)
    assert rows.loc[("stunting_incidence", K2), "estimate"] == 0
    assert rows.loc[("stunting_incidence", KEC), "n"] == 5


def test_recovery_counts_and_wilson(rows):
    # stunted before, trusted pair: D, E, K (F left out: its height fell); recovered: D
    r = rows.loc[("stunting_recovery", K2)]
    assert r["n"] == 3 and r["estimate"] == pytest.approx(1 / 3)
    lo, hi = _wilson(1, 3)
    assert r["ci_low"] == pytest.approx(lo, abs=1e-12) and r["ci_high"] == pytest.approx(hi, abs=1e-12)
    assert rows.loc[("stunting_recovery", "64.74"), "data_period"] == "2024-08"


def test_mean_haz_change_and_height_falls(rows):
    # trusted pairs with two HAZ: A -1.3, B +0.1, C -0.2, D +0.6, E +0.2, K -0.2, G -0.1, J -0.6
    changes = np.array([-1.3, 0.1, -0.2, 0.6, 0.2, -0.2, -0.1, -0.6])
    kota = rows.loc[("haz_mean_change", "64.74")]
    assert kota["n"] == 8 and kota["estimate"] == pytest.approx(changes.mean())
    # the trusted pairs are the design (9 with I, whose change is missing: outside the domain, not
    # outside the design, DOMAIN.md §8): se = sqrt(N/(N - 1)) / n * sqrt(sum of squared deviations)
    ss = ((changes - changes.mean()) ** 2).sum()
    assert kota["se"] == pytest.approx(np.sqrt(9 / 8) / 8 * np.sqrt(ss))
    assert rows.loc[("height_fall_pairs", "64.74"), "estimate"] == 1
    assert rows.loc[("height_fall_pairs", K1), "estimate"] == 0


def test_worklist_lists_persistent_stunting_reached_by_no_programme(children):
    pairs = child_pairs(children)
    program = pd.DataFrame({"programme": ["pmt"], "person_key": [pd.NA], "family_key": ["fam-K"]})
    wl = persistent_stunting_worklist(pairs, program, "2024-08")
    assert list(wl["person_key"]) == ["E"]  # K's family is reached; F's pair is not trusted
    assert (wl["masalah"] == "stunting_menetap_tanpa_program").all()
    assert "Februari 2024" in wl["what_to_verify"].iloc[0]
    assert list(persistent_stunting_worklist(pairs, None, "2024-08")["person_key"]) == ["E", "K"]


def test_one_round_gives_no_pairs(children):
    assert child_pairs(children[children["period"] == "2024-02"]).empty


def test_mean_change_per_kelurahan_is_svymean_on_the_trusted_pairs(children, rows):
    # the same design through the survey estimator (R svymean without a design, areas as domains)
    from analysis.estimation.survey import estimate_mean

    pairs = child_pairs(children)
    trusted = pairs[~pairs["height_fall"]]
    ref = estimate_mean(trusted, "haz_change", by="kelurahan_code").set_index("kelurahan_code")
    for kel in (K1, K2):
        ours = rows.loc[("haz_mean_change", kel)]
        for col in ("n", "estimate", "se", "ci_low", "ci_high"):
            assert ours[col] == pytest.approx(ref.loc[kel, col], rel=1e-12), col

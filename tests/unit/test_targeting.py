"""Tests of analysis.linkage.targeting: coverage, leakage and exclusion known by construction, the
target-group grammar, convergence and the zero-extreme-poverty tracker."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import RakorInputError
from analysis.linkage.targeting import (
    convergence,
    parse_target_group,
    poverty_flags,
    programme_targeting,
    zero_extreme_tracker,
)

# The constructed world of test_reconcile (its docstring lists every family and record).
_spec = importlib.util.spec_from_file_location("_reconcile_world", Path(__file__).with_name("test_reconcile.py"))
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
world, links_of, A, B = _mod.world, _mod.links_of, _mod.A, _mod.B

SETTINGS = {
    "local_criteria": {"min_criteria_extreme": 3},
    "programmes": [
        {"key": "tengok_tetangga", "label_id": "Tengok Tetangga", "kind": "assistance",
         "target_group": "desil <= 1 or rt_criteria >= min_criteria_extreme", "agency": "DSPM"},
        {"key": "balai_kerja", "kind": "assistance", "target_group": "desil <= 2", "agency": "Disnaker"},
        {"key": "baznas_dspm", "kind": "assistance", "target_group": "desil <= 1", "agency": "Baznas"},
        {"key": "insentif_ketua_rt", "kind": "incentive", "agency": "Bagian Pemerintahan"},
    ],
}


# ---------------------------------------------------------------- grammar

def test_grammar_evaluates_by_hand():
    frame = pd.DataFrame({"desil": [1, 2, 3, np.nan, 5], "rt_criteria": [np.nan, 0, 3, 4, 2]})
    f = parse_target_group("desil <= 1 or rt_criteria >= k", {"k": 3})
    assert f(frame).tolist() == [True, False, True, True, False]
    g = parse_target_group("(desil <= 3) and (rt_criteria >= 2 or desil == 1)")
    assert g(frame).tolist() == [True, False, True, False, False]   # missing values compare False


@pytest.mark.parametrize("bad", [
    "__import__('os').system('x')", "desil <= 1; rm", "income <= 3", "desil <=", "1 <= 2",
    "(desil <= 1", "desil <= 1 or", "desil = 1",
])
def test_grammar_rejects_anything_else(bad):
    with pytest.raises(RakorInputError, match="target_group"):
        parse_target_group(bad, {"k": 3}, where="programmes[x]")


def test_config_target_groups_select_what_their_text_says():
    """Every assistance programme's rule, parsed, picks the families pandas' own parser picks.

    ``DataFrame.eval`` is an independent reading of the same text (its ``and``/``or`` and
    comparisons; a missing value compares False, as the rule says). The frame covers each desil
    and criteria count at and around the cut-offs, and missing values.
    """
    from analysis import config

    s = config.settings()
    consts = {k: v for k, v in s["local_criteria"].items() if isinstance(v, int | float)}
    frame = pd.DataFrame([{"desil": d, "rt_criteria": c}
                          for d in [np.nan, *range(1, 11)] for c in [np.nan, 0, 1, 2, 3, 4]])
    assistance = [p for p in s["programmes"] if p.get("kind") != "incentive"]
    assert assistance
    for p in assistance:
        rule = p["target_group"]
        picked = parse_target_group(rule, consts)(frame)
        text = rule
        for name, value in consts.items():
            text = re.sub(rf"\b{name}\b", str(value), text)
        expected = frame.eval(text).fillna(False).astype(bool)
        assert picked.tolist() == expected.tolist(), rule
        assert 0 < picked.sum() < len(frame), rule  # a rule that picks all or none is a typo
    # and by hand, for the rule of Tengok Tetangga as written in settings.yml
    tengok = next(p for p in assistance if p["key"] == "tengok_tetangga")
    assert tengok["target_group"] == "desil <= 1 or rt_criteria >= min_criteria_extreme"
    k = consts["min_criteria_extreme"]
    rows = pd.DataFrame({"desil": [1, 2, np.nan, 2, np.nan], "rt_criteria": [0, k, k - 1, k - 1, np.nan]})
    assert parse_target_group(tengok["target_group"], consts)(rows).tolist() == [True, True, False, False, False]


# ---------------------------------------------------------------- targeting

def _targeting():
    w = world()
    links = links_of(w, threshold=90)
    res = programme_targeting(w["program"], w["dtsen_family"], w["pendataan_rt"], SETTINGS, links=links)
    return res.set_index(["programme", "kelurahan_code"])


def test_tengok_tetangga_coverage_leakage_exclusion_by_hand():
    t = _targeting()
    # target (desil <= 1 or >= 3 criteria): A = F1, F2, F3, K9; B = F4, r5 (review, counted on its own)
    # beneficiaries: A = F1, F3, F6 (linked by NIK); B = F5
    a = t.loc[("tengok_tetangga", A)]
    assert (a["n_target"], a["n_beneficiaries"], a["n_reached"], a["n_excluded"], a["n_leakage"]) == (4, 3, 2, 2, 1)
    assert a["coverage"] == pytest.approx(2 / 4)
    assert a["exclusion_rate"] == pytest.approx(2 / 4)
    assert a["leakage_rate"] == pytest.approx(1 / 3)
    assert a["amount_idr"] == 3 * 300000   # g1, g2, g4
    b = t.loc[("tengok_tetangga", B)]
    assert (b["n_target"], b["n_beneficiaries"], b["n_reached"], b["n_leakage"]) == (2, 1, 0, 1)
    assert b["coverage"] == 0 and b["leakage_rate"] == 1


def test_other_programmes_and_incentives_by_hand():
    t = _targeting()
    bz = t.loc[("baznas_dspm", A)]
    assert (bz["n_target"], bz["n_reached"], bz["n_leakage"]) == (2, 1, 0)      # F1, F2; F2 reached
    assert t.loc[("baznas_dspm", B), "n_target"] == 1                           # F4, not reached
    bk = t.loc[("balai_kerja", A)]
    assert (bk["n_target"], bk["n_beneficiaries"], bk["n_reached"]) == (3, 0, 0)  # F1, F2, F6
    assert np.isnan(bk["leakage_rate"])                                          # no beneficiaries
    inc = t.loc[("insentif_ketua_rt", A)]
    assert inc["kind"] == "incentive" and inc["n_beneficiaries"] == 1 and inc["amount_idr"] == 500000
    assert np.isnan(inc["n_target"]) and np.isnan(inc["coverage"])


def test_without_links_the_nik_only_beneficiary_is_unidentified():
    w = world()
    t = programme_targeting(w["program"], w["dtsen_family"], w["pendataan_rt"], SETTINGS).set_index(
        ["programme", "kelurahan_code"])
    a = t.loc[("tengok_tetangga", A)]
    # no links: RT r2 (no KK) is its own family, not F3 -> target A = F1, F2, K9, r2 = 4, F3 no longer in
    # target (desil 3, no listing), so g2 is leakage; g4 has no KK -> unidentified
    assert (a["n_target"], a["n_beneficiaries"], a["n_reached"], a["n_leakage"], a["n_unidentified"]) == (4, 2, 1, 1, 1)


def test_unknown_programme_is_a_readable_error():
    w = world()
    prog = w["program"].copy()
    prog.loc[0, "programme"] = "bansos_x"
    with pytest.raises(RakorInputError, match="bansos_x"):
        programme_targeting(prog, w["dtsen_family"], w["pendataan_rt"], SETTINGS)


# ---------------------------------------------------------------- convergence

def test_convergence_by_hand():
    w = world()
    links = links_of(w, threshold=90)
    flags = poverty_flags(w["dtsen_family"], w["pendataan_rt"], links, min_criteria=3)
    f = flags.set_index("family_key")
    # F2: desil 1 but verified by the RT as meeting 1 criterion -> not extreme, still poor (desil <= 4)
    assert not f.loc["F2", "is_extreme_poor"] and f.loc["F2", "is_poor"]
    assert f.loc["F1", "is_extreme_poor"] and not f.loc["F5", "is_poor"]
    conv = convergence(w["eppgbm"], links, w["dtsen_family"], flags).set_index("kelurahan_code")
    # A: c1 (stunted, F1 extreme), c2 (stunted, F2 poor), c3 (not stunted, F6 poor); c5 flagged
    a = conv.loc[A]
    assert (a["n_children"], a["n_stunted"], a["n_stunted_extreme_poor"], a["n_stunted_poor"]) == (3, 2, 1, 2)
    assert a["share_stunted_extreme_poor"] == pytest.approx(0.5) and a["share_stunted_poor"] == pytest.approx(1.0)
    assert (a["n_families_resiko_stunting"], a["n_families_resiko_stunting_with_stunted_child"]) == (1, 1)
    b = conv.loc[B]  # c4 stunted, family unknown
    assert (b["n_children"], b["n_stunted"], b["n_stunted_extreme_poor"], b["n_stunted_family_unknown"]) == (1, 1, 0, 1)


# ---------------------------------------------------------------- tracker

C = "64.74.02.1001"   # Tanjung Laut
D = "64.74.02.1006"   # Tanjung Laut Indah
E = "64.74.01.1001"   # not a focus kelurahan


def _tracker_world():
    fam = pd.DataFrame({"family_key": ["G1", "G2", "G3", "G4", "G5", "G6"],
                        "kelurahan_code": [A, A, B, C, C, E], "desil": [1, 1, 1, 1, 4, 1]})
    rt = pd.DataFrame({
        "family_key": ["G1", "G2", "G4", "H1", "H2", "G5"],
        "kelurahan_code": [A, A, C, A, C, C],
        "n_criteria": [4, 3, 4, 3, 1, 4],
        "verification_status": ["terverifikasi", "belum", "tidak_memenuhi", "terverifikasi", "terverifikasi",
                                "tidak_memenuhi"],
        "source_file": "rt.csv", "source_row": range(3, 9),
    })
    return fam, rt


def test_tracker_counts_and_status_by_hand():
    fam, rt = _tracker_world()
    est = pd.DataFrame({
        "period": "2025-02", "area_code": [A, A, B, C], "indicator": "extreme_poverty_p0", "breakdown": "total",
        "method": ["direct:korn-graubard", "fay-herriot", "fay-herriot", "fay-herriot"],
        "estimate": [0.05, 0.04, 0.0, 0.01], "ci_high": [0.12, 0.08, 0.03, 0.02], "data_period": "2024-03",
    })
    tr = zero_extreme_tracker(fam, rt, est, focus_codes=[A, B, C, D], period="2025-02", min_criteria=3)
    assert tr["kelurahan_code"].tolist() == [A, B, C, D]
    t = tr.set_index("kelurahan_code")
    # A: G1 verified (4, terverifikasi), H1 verified; G2 desil 1 + 3 criteria belum -> unverified
    assert t.loc[A, ["n_verified", "n_unverified", "n_extreme_register", "n_cleared"]].tolist() == [2, 1, 3, 0]
    assert t.loc[A, "status"] == "belum tercapai"
    assert t.loc[A, "estimate"] == 0.04 and t.loc[A, "ci_high"] == 0.08 and t.loc[A, "estimate_method"] == "fay-herriot"
    # B: G3 desil 1, not listed -> unverified only
    assert t.loc[B, ["n_verified", "n_unverified"]].tolist() == [0, 1] and t.loc[B, "status"] == "perlu verifikasi"
    # C: G4 desil 1 cleared by the RT, H2 verified with 1 criterion, G5 desil 4 with 4 criteria but
    # tidak_memenuhi -> nothing left: met, although the estimate's upper bound is above zero
    assert t.loc[C, ["n_verified", "n_unverified", "n_cleared"]].tolist() == [0, 0, 3]
    assert t.loc[C, "status"] == "tercapai" and t.loc[C, "ci_high"] == 0.02
    # D: no family in either register
    assert t.loc[D, "status"] == "tidak ada data" and np.isnan(t.loc[D, "estimate"])
    # met only when the verified count is zero
    assert (tr.loc[tr["status"] == "tercapai", "n_verified"] == 0).all()


def test_tracker_without_estimates():
    fam, rt = _tracker_world()
    tr = zero_extreme_tracker(fam, rt, focus_codes=[E], period="2025-02", min_criteria=3)
    assert tr.iloc[0]["n_unverified"] == 1 and tr.iloc[0]["status"] == "perlu verifikasi"
    assert np.isnan(tr.iloc[0]["ci_high"])

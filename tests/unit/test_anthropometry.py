"""Reference tests for ``analysis.measures.anthropometry``.

Every expected z-score is derived here BY FORMULA from the WHO tables (read with pandas in this
file): the measurement at SD k is ``M·(1 + k·L·S)^(1/L)`` (``M·(1 + k·S)`` for height-for-age,
L = 1), so its z-score must be k. Nothing is copied from the module's own output. A few values
are computed by hand, with the arithmetic in comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.config import WHO2006_DIR
from analysis.errors import RakorInputError
from analysis.measures.anthropometry import (
    KATEGORI_BB_TB,
    KATEGORI_BB_U,
    KATEGORI_TB_U,
    categorise_bb_tb,
    categorise_bb_u,
    categorise_tb_u,
    compute_zscores,
    lms_parameters,
    lms_value,
    lms_zscore,
    round_age_days,
)

# --------------------------------------------------------------------------------------
# Independent access to the WHO tables
# --------------------------------------------------------------------------------------


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(WHO2006_DIR / f"{name}.txt", sep="\t")


LEN = _read("lenanthro").set_index(["sex", "age"])
WEI = _read("weianthro").set_index(["sex", "age"])
WFL = _read("wflanthro")
WFH = _read("wfhanthro")
WFL["key"] = (WFL["length"] * 10).round().astype(int)
WFH["key"] = (WFH["height"] * 10).round().astype(int)
WFL = WFL.set_index(["sex", "key"])
WFH = WFH.set_index(["sex", "key"])


def lms_age(table: pd.DataFrame, sex: int, day: int) -> tuple[float, float, float]:
    row = table.loc[(sex, day)]
    return float(row["l"]), float(row["m"]), float(row["s"])


def lms_cm(table: pd.DataFrame, sex: int, cm: float) -> tuple[float, float, float]:
    row = table.loc[(sex, int(round(cm * 10)))]
    return float(row["l"]), float(row["m"]), float(row["s"])


def sd(lms: tuple[float, float, float], k: float) -> float:
    """Measurement at SD k: M·(1 + k·L·S)^(1/L)."""
    L, M, S = lms
    return M * (1.0 + k * L * S) ** (1.0 / L)


def children(**cols) -> pd.DataFrame:
    n = max(len(v) if isinstance(v, list | np.ndarray) else 1 for v in cols.values())
    data = {k: (v if isinstance(v, list | np.ndarray) else [v] * n) for k, v in cols.items()}
    data.setdefault("measure", [None] * n)
    data.setdefault("height_cm", [np.nan] * n)
    data.setdefault("weight_kg", [np.nan] * n)
    return pd.DataFrame(data)


AGES = [0, 1, 45, 100, 273, 365, 500, 730, 731, 900, 1200, 1500, 1825, 1826]
KS = [-3, -2, -1, 0, 1, 2, 3]


# --------------------------------------------------------------------------------------
# Table points: z at SD k is k
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sex", [1, 2])
def test_haz_table_points(sex):
    rows = [(day, k, sd(lms_age(LEN, sex, day), k)) for day in AGES for k in KS]
    df = children(
        sex=sex, age_days=[r[0] for r in rows], height_cm=[r[2] for r in rows], weight_kg=np.nan
    )
    out = compute_zscores(df)
    np.testing.assert_array_equal(out["haz"].to_numpy(), [float(r[1]) for r in rows])
    # measure unknown → no adjustment
    np.testing.assert_array_equal(out["height_adj_cm"].to_numpy(), df["height_cm"].to_numpy())


@pytest.mark.parametrize("sex", [1, 2])
def test_waz_table_points(sex):
    rows = [(day, k, sd(lms_age(WEI, sex, day), k)) for day in AGES for k in KS]
    df = children(sex=sex, age_days=[r[0] for r in rows], weight_kg=[r[2] for r in rows])
    out = compute_zscores(df)
    np.testing.assert_array_equal(out["waz"].to_numpy(), [float(r[1]) for r in rows])


@pytest.mark.parametrize("sex", [1, 2])
def test_wfl_and_wfh_table_points(sex):
    # weight-for-length below 731 days (lying), weight-for-height from 731 days (standing)
    cases = [(300, "l", cm, WFL) for cm in (45.0, 52.3, 60.0, 75.5, 98.7, 110.0)]
    cases += [(1000, "h", cm, WFH) for cm in (65.0, 80.1, 87.0, 101.4, 120.0)]
    rows = [(day, m, cm, k, sd(lms_cm(tab, sex, cm), k)) for day, m, cm, tab in cases for k in KS]
    df = children(
        sex=sex,
        age_days=[r[0] for r in rows],
        measure=[r[1] for r in rows],
        height_cm=[r[2] for r in rows],
        weight_kg=[r[4] for r in rows],
    )
    out = compute_zscores(df)
    np.testing.assert_array_equal(out["whz"].to_numpy(), [float(r[3]) for r in rows])


def test_hand_computed_values():
    # HAZ, boy, day 0, 46.0 cm lying: lenanthro M = 49.8842, S = 0.03795 (L = 1)
    #   46 / 49.8842 = 0.922136; (0.922136 - 1) / 0.03795 = -0.077864 / 0.03795 = -2.0518 → -2.05
    # WAZ, boy, day 0, 2.5 kg: weianthro L = 0.3487, M = 3.3464, S = 0.14602
    #   2.5 / 3.3464 = 0.747071; ln = -0.291594; × L = -0.101679; exp = 0.903319
    #   S·L = 0.050917; (0.903319 - 1) / 0.050917 = -1.8988 → -1.90
    # WHZ, boy, 300 days, 75.05 cm lying (between the 75.0 and 75.1 rows of wflanthro):
    #   L = -0.3521; M = 9.5032 + 0.5 × (9.5235 - 9.5032) = 9.51335; S = 0.08295 + 0.5 × 0.00002 = 0.08296
    #   8.0 / 9.51335 = 0.840924; ln = -0.173255; × L = 0.061003; exp = 1.062902
    #   S·L = -0.029210; (1.062902 - 1) / -0.029210 = -2.1534 → -2.15
    # WAZ beyond +3 (restricted tail), girl, 365 days, 14.0 kg: L = -0.2022, M = 8.9462, S = 0.12267
    #   L·S = -0.024804; SD3 = 8.9462 × (1 - 0.074412)^(1/L) = 8.9462 × 1.465830 = 13.1136
    #   SD2 = 8.9462 × (1 - 0.049608)^(1/L) = 8.9462 × 1.286126 = 11.5059
    #   z = 3 + (14 - 13.1136) / (13.1136 - 11.5059) = 3 + 0.8864 / 1.6077 = 3.5514 → 3.55
    #   (the unrestricted LMS value would be 3.49)
    df = pd.DataFrame(
        {
            "sex": [1, 1, 1, 2],
            "age_days": [0, 0, 300, 365],
            "height_cm": [46.0, np.nan, 75.05, np.nan],
            "weight_kg": [np.nan, 2.5, 8.0, 14.0],
            "measure": ["l", None, "l", None],
        }
    )
    out = compute_zscores(df)
    assert out["haz"].iloc[0] == -2.05
    assert out["waz"].iloc[1] == -1.90
    assert out["whz"].iloc[2] == -2.15
    assert out["waz"].iloc[3] == 3.55
    assert out["is_stunted"].iloc[0] == True  # noqa: E712
    assert not out["is_severely_stunted"].iloc[0]
    assert out["kategori_tb_u"].iloc[0] == "pendek"
    assert out["kategori_bb_tb"].iloc[2] == "gizi kurang"
    assert out["kategori_bb_u"].iloc[3] == "risiko lebih"


# --------------------------------------------------------------------------------------
# Rounding before cut-offs and flags
# --------------------------------------------------------------------------------------


def test_rounding_boundary_for_stunting():
    lms = lms_age(LEN, 1, 500)
    df = children(sex=1, age_days=500, height_cm=[sd(lms, -2.003), sd(lms, -2.006)])
    out = compute_zscores(df)
    assert out["haz"].tolist() == [-2.00, -2.01]
    assert out["is_stunted"].tolist() == [False, True]
    assert out["kategori_tb_u"].tolist() == ["normal", "pendek"]


def test_haz_flags_on_rounded_z():
    lms = lms_age(LEN, 2, 800)
    ks = [6.004, 6.01, -6.004, -6.01]  # rounded: 6.00 (kept), 6.01 (flag), -6.00, -6.01
    df = children(sex=2, age_days=800, height_cm=[sd(lms, k) for k in ks])
    out = compute_zscores(df)
    assert out["haz"].tolist() == [6.00, 6.01, -6.00, -6.01]
    assert out["haz_flag"].tolist() == [False, True, False, True]
    assert out["haz_flag"].dtype == bool
    stunted = out["is_stunted"]
    assert stunted.iloc[0] == False  # noqa: E712
    assert stunted.iloc[2] == True  # noqa: E712
    assert stunted.isna().tolist() == [False, True, False, True]
    assert out["kategori_tb_u"].isna().tolist() == [False, True, False, True]


def test_waz_flags_at_minus6_and_plus5():
    lms = lms_age(WEI, 1, 400)
    sd3, sd2 = sd(lms, 3), sd(lms, 2)
    sd3n, sd2n = sd(lms, -3), sd(lms, -2)
    # restricted tails: z = 3 + (y - SD3)/(SD3 - SD2)  ⇒  y = SD3 + (z - 3)(SD3 - SD2)
    #                   z = -3 + (y - SD3neg)/(SD2neg - SD3neg) ⇒ y = SD3neg + (z + 3)(SD2neg - SD3neg)
    weights = [
        sd3 + 2.00 * (sd3 - sd2),  # z = 5.00 → not flagged
        sd3 + 2.01 * (sd3 - sd2),  # z = 5.01 → flagged
        sd3n - 3.00 * (sd2n - sd3n),  # z = -6.00 → not flagged
        sd3n - 3.01 * (sd2n - sd3n),  # z = -6.01 → flagged
    ]
    out = compute_zscores(children(sex=1, age_days=400, weight_kg=weights))
    assert out["waz"].tolist() == [5.00, 5.01, -6.00, -6.01]
    assert out["waz_flag"].tolist() == [False, True, False, True]
    assert out["is_underweight"].isna().tolist() == [False, True, False, True]
    assert out["is_underweight"].iloc[2] == True  # noqa: E712


def test_whz_flags_at_plus_minus_5():
    lms = lms_cm(WFH, 2, 95.0)
    sd3, sd2, sd3n, sd2n = sd(lms, 3), sd(lms, 2), sd(lms, -3), sd(lms, -2)
    weights = [
        sd3 + 2.0 * (sd3 - sd2),
        sd3 + 2.01 * (sd3 - sd2),
        sd3n - 2.0 * (sd2n - sd3n),
        sd3n - 2.01 * (sd2n - sd3n),
    ]
    out = compute_zscores(
        children(sex=2, age_days=1100, measure="h", height_cm=95.0, weight_kg=weights)
    )
    assert out["whz"].tolist() == [5.00, 5.01, -5.00, -5.01]
    assert out["whz_flag"].tolist() == [False, True, False, True]
    assert out["is_wasted"].isna().tolist() == [False, True, False, True]


def test_restricted_tails():
    lms = lms_age(WEI, 2, 600)
    sd2, sd3, sd4 = sd(lms, 2), sd(lms, 3), sd(lms, 4)
    sd2n, sd3n, sd4n = sd(lms, -2), sd(lms, -3), sd(lms, -4)
    weights = [sd3 + (sd3 - sd2), sd3n - (sd2n - sd3n), sd4, sd4n]
    out = compute_zscores(children(sex=2, age_days=600, weight_kg=weights))
    # one SD3−SD2 step beyond SD3 is exactly z = 4 (and -4 below)
    assert out["waz"].iloc[0] == 4.00
    assert out["waz"].iloc[1] == -4.00
    # the LMS SD4 point is NOT z = 4 under the restricted formula: z = 3 + (SD4-SD3)/(SD3-SD2)
    expected_hi = round(3 + (sd4 - sd3) / (sd3 - sd2), 2)
    expected_lo = round(-3 + (sd4n - sd3n) / (sd2n - sd3n), 2)
    assert out["waz"].iloc[2] == expected_hi
    assert out["waz"].iloc[3] == expected_lo
    assert expected_hi != 4.00 and expected_lo != -4.00


def test_haz_is_not_restricted():
    # height-for-age uses the plain formula (L = 1): SD4 gives 4.00
    lms = lms_age(LEN, 1, 1000)
    out = compute_zscores(children(sex=1, age_days=1000, height_cm=[sd(lms, 4), sd(lms, -4.5)]))
    assert out["haz"].tolist() == [4.00, -4.50]


# --------------------------------------------------------------------------------------
# Position, age rules and the table switch
# --------------------------------------------------------------------------------------


def test_position_adjustment_at_730_and_731_days():
    h = 85.0
    df = children(
        sex=1,
        age_days=[730, 730, 730, 731, 731, 731],
        measure=["h", "l", None, "l", "h", None],
        height_cm=h,
    )
    out = compute_zscores(df)
    expected_adj = [h + 0.7, h, h, h - 0.7, h, h]
    np.testing.assert_allclose(out["height_adj_cm"], expected_adj, rtol=0, atol=1e-9)
    expected = []
    for day, adj in zip(df["age_days"], expected_adj, strict=True):
        _, M, S = lms_age(LEN, 1, day)
        expected.append(round((adj / M - 1) / S, 2))
    assert out["haz"].tolist() == expected
    assert not out["position_flag"].any()


def test_nine_month_rule():
    # 9 months = 273.94 days: 273 days standing is implausible, 274 days is not
    df = children(sex=2, age_days=[273, 274], measure=["h", "h"], height_cm=68.0)
    out = compute_zscores(df)
    assert out["position_flag"].tolist() == [True, False]
    np.testing.assert_allclose(out["height_adj_cm"], [68.0, 68.7], atol=1e-9)
    _, M, S = lms_age(LEN, 2, 273)
    assert out["haz"].iloc[0] == round((68.0 / M - 1) / S, 2)  # still computed, unadjusted


def test_sixty_month_cut():
    lms_1826 = lms_age(LEN, 1, 1826)
    df = children(
        sex=1,
        age_days=[1826, 1827, 1826.2, 1826.4],
        height_cm=sd(lms_1826, -2.5),
        weight_kg=sd(lms_age(WEI, 1, 1826), 0),
    )
    out = compute_zscores(df)
    # 1826.2 rounds to 1826 and is 59.998 months: in. 1826.4 rounds to 1826 but is
    # 60.005 months (unrounded, WHO anthro's age_in_months < 60): out.
    assert out["haz"].tolist()[0] == -2.50
    assert out["haz"].tolist()[2] == -2.50
    assert np.isnan(out["haz"].iloc[1]) and np.isnan(out["haz"].iloc[3])
    assert np.isnan(out["waz"].iloc[1]) and np.isnan(out["whz"].iloc[1])
    assert out["is_stunted"].isna().tolist() == [False, True, False, True]
    assert out["waz"].iloc[0] == 0.0


def test_age_rounding_half_up():
    np.testing.assert_array_equal(
        round_age_days([0.5, 1.5, 2.5, 730.5, 730.49, 0.0]), [1, 2, 3, 731, 730, 0]
    )
    # 730.5 → 731: the 731-day row and the lying → height adjustment (−0.7 cm) apply
    _, M731, S731 = lms_age(LEN, 2, 731)
    _, M730, S730 = lms_age(LEN, 2, 730)
    df = children(sex=2, age_days=[730.5, 730.49], measure=["l", "l"], height_cm=[M731 + 0.7, M730])
    out = compute_zscores(df)
    assert out["haz"].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(out["height_adj_cm"], [M731, M730], atol=1e-8)


def test_interpolation_between_tenth_cm_rows():
    lo, hi = lms_cm(WFL, 1, 60.3), lms_cm(WFL, 1, 60.4)
    f = 0.7  # 60.37 cm
    lms = tuple(a + f * (b - a) for a, b in zip(lo, hi, strict=True))
    w2 = sd(lms, 2)
    out = compute_zscores(children(sex=1, age_days=200, measure="l", height_cm=60.37, weight_kg=w2))
    assert out["whz"].iloc[0] == 2.00
    # the same weight on either neighbouring row alone gives a different z
    for row in (lo, hi):
        L, M, S = row
        assert round(((w2 / M) ** L - 1) / (S * L), 2) != 2.00


def test_table_switch_at_731_days():
    h, w = 87.0, 11.5
    out = compute_zscores(children(sex=2, age_days=[730, 731], height_cm=h, weight_kg=w))
    expected = []
    for tab in (WFL, WFH):
        L, M, S = lms_cm(tab, 2, h)
        expected.append(round(((w / M) ** L - 1) / (S * L), 2))
    assert out["whz"].tolist() == expected
    assert expected[0] != expected[1]


def test_wfl_range_uses_adjusted_height():
    # 44.5 cm standing at 300 days → 45.2 cm lying: inside 45–110; 109.5 standing → 110.2: outside
    out = compute_zscores(
        children(sex=1, age_days=300, measure="h", height_cm=[44.5, 109.5, 44.2], weight_kg=3.0)
    )
    L, M, S = lms_cm(WFL, 1, 45.2)
    assert out["whz"].iloc[0] == round(((3.0 / M) ** L - 1) / (S * L), 2)
    assert np.isnan(out["whz"].iloc[1])
    # 44.2 + 0.7 = 44.9 < 45
    assert np.isnan(out["whz"].iloc[2])


def test_whz_without_age_follows_measure_or_87cm():
    out = compute_zscores(
        children(
            sex=1,
            age_days=np.nan,
            measure=[None, None, "l"],
            height_cm=[80.0, 90.0, 90.0],
            weight_kg=11.0,
        )
    )
    expected = []
    for tab, h in ((WFL, 80.0), (WFH, 90.0), (WFL, 90.0)):
        L, M, S = lms_cm(tab, 1, h)
        expected.append(round(((11.0 / M) ** L - 1) / (S * L), 2))
    assert out["whz"].tolist() == expected
    assert out[["haz", "waz"]].isna().all().all()


def test_oedema():
    lms = lms_age(LEN, 1, 500)
    df = children(
        sex=1, age_days=500, measure="l", height_cm=sd(lms, 0), weight_kg=10.0, oedema=[True, False]
    )
    out = compute_zscores(df)
    assert np.isnan(out["waz"].iloc[0]) and np.isnan(out["whz"].iloc[0])
    assert out["haz"].iloc[0] == 0.0
    assert out["is_wasted"].iloc[0] == True  # noqa: E712
    assert out["is_underweight"].iloc[0] == True  # noqa: E712
    assert out["kategori_bb_tb"].iloc[0] == "gizi buruk"
    assert out["kategori_bb_u"].iloc[0] == "sangat kurang"
    assert not out["whz_flag"].iloc[0] and not out["waz_flag"].iloc[0]
    assert not np.isnan(out["whz"].iloc[1])


# --------------------------------------------------------------------------------------
# Categories (Permenkes 2/2020 cut-offs from DOMAIN §6)
# --------------------------------------------------------------------------------------


def test_categories_at_boundaries():
    z = [-3.01, -3.00, -2.01, -2.00, 1.00, 1.01, 2.00, 2.01, 3.00, 3.01, np.nan]
    assert list(categorise_tb_u(z).astype(object)[:-1]) == [
        "sangat pendek",
        "pendek",
        "pendek",
        "normal",
        "normal",
        "normal",
        "normal",
        "normal",
        "normal",
        "tinggi",
    ]
    assert list(categorise_bb_u(z).astype(object)[:-1]) == [
        "sangat kurang",
        "kurang",
        "kurang",
        "normal",
        "normal",
        "risiko lebih",
        "risiko lebih",
        "risiko lebih",
        "risiko lebih",
        "risiko lebih",
    ]
    assert list(categorise_bb_tb(z).astype(object)[:-1]) == [
        "gizi buruk",
        "gizi kurang",
        "gizi kurang",
        "normal",
        "normal",
        "berisiko gizi lebih",
        "berisiko gizi lebih",
        "gizi lebih",
        "gizi lebih",
        "obesitas",
    ]
    for cat in (categorise_tb_u(z), categorise_bb_u(z), categorise_bb_tb(z)):
        assert pd.isna(cat[-1])
    assert list(categorise_tb_u(z).categories) == list(KATEGORI_TB_U)
    assert list(categorise_bb_u(z).categories) == list(KATEGORI_BB_U)
    assert list(categorise_bb_tb(z).categories) == list(KATEGORI_BB_TB)


# --------------------------------------------------------------------------------------
# Output shape, missing values, input errors
# --------------------------------------------------------------------------------------


def test_returns_copy_with_contract_columns_and_dtypes():
    df = pd.DataFrame(
        {"sex": [1, 2], "age_days": [100, 200], "height_cm": [60.0, 65.0], "weight_kg": [6.0, 7.0]},
        index=[10, 20],
    )
    before = df.copy()
    out = compute_zscores(df)
    pd.testing.assert_frame_equal(df, before)
    assert list(out.index) == [10, 20]
    for col in ("haz_flag", "waz_flag", "whz_flag", "position_flag"):
        assert out[col].dtype == bool
    for col in ("is_stunted", "is_severely_stunted", "is_wasted", "is_underweight"):
        assert out[col].dtype == "boolean"
    out.loc[10, "height_cm"] = 1.0
    assert df.loc[10, "height_cm"] == 60.0


def test_missing_values_give_missing_z():
    df = pd.DataFrame(
        {
            "sex": pd.array([None, 1, 1, 2], dtype="Int64"),
            "age_days": [100, np.nan, 100, 100],
            "height_cm": [60.0, 60.0, np.nan, 0.0],
            "weight_kg": [6.0, np.nan, 6.0, 6.0],
        }
    )
    out = compute_zscores(df)
    assert out["haz"].isna().all()
    assert out["is_stunted"].isna().all()
    assert not out["haz_flag"].any()
    assert out["waz"].isna().tolist() == [True, True, False, False]


def test_string_inputs_are_accepted_when_numeric():
    df = pd.DataFrame(
        {
            "sex": ["1", "2", ""],
            "age_days": ["100", "200", "300"],
            "height_cm": ["60.0", " ", "70"],
            "weight_kg": [6.0, 7.0, 8.0],
            "measure": ["L", "h ", None],
        }
    )
    out = compute_zscores(df)
    assert np.isnan(out["haz"].iloc[1])  # blank height = missing
    assert np.isnan(out["haz"].iloc[2])  # blank sex = missing
    assert not np.isnan(out["haz"].iloc[0])


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("sex", [1, "X", "X", 2, "X"], "`sex` must be 1 (male) or 2 (female); got 'X' in 3 rows"),
        ("sex", [1, 3, 2, 1, 2], "`sex` must be 1 (male) or 2 (female); got 3 in 1 row"),
        ("age_days", [1, -5, 2, -5, 3], "`age_days` must be 0 or more; got -5 in 2 rows"),
        (
            "height_cm",
            [80, "80,5", 80, 80, 80],
            "`height_cm` must be a number in centimetres; got '80,5' in 1 row",
        ),
        (
            "weight_kg",
            ["abc", 9, 9, 9, "abc"],
            "`weight_kg` must be a number in kilograms; got 'abc' in 2 rows",
        ),
        (
            "measure",
            ["l", "x", "h", None, "l"],
            '`measure` must be "l" (lying), "h" (standing) or missing; got \'x\' in 1 row',
        ),
    ],
)
def test_invalid_input_messages(column, values, message):
    df = pd.DataFrame(
        {
            "sex": [1, 2, 1, 2, 1],
            "age_days": [10, 20, 30, 40, 50],
            "height_cm": [50.0] * 5,
            "weight_kg": [4.0] * 5,
        }
    )
    df[column] = pd.Series(values, dtype=object)
    with pytest.raises(RakorInputError) as err:
        compute_zscores(df)
    assert message in str(err.value)


def test_missing_column_is_named():
    with pytest.raises(RakorInputError, match="`weight_kg`"):
        compute_zscores(pd.DataFrame({"sex": [1], "age_days": [1], "height_cm": [50.0]}))


def test_large_input_matches_small_batches():
    # vectorised result must not depend on the batch: same rows alone and together
    rng = np.random.default_rng(7)
    n = 2000
    df = pd.DataFrame(
        {
            "sex": rng.integers(1, 3, n),
            "age_days": rng.uniform(0, 1900, n),
            "height_cm": rng.uniform(40, 125, n).round(1),
            "weight_kg": rng.uniform(1.5, 30, n).round(1),
            "measure": rng.choice(["l", "h", None], n),
            "oedema": rng.random(n) < 0.02,
        }
    )
    whole = compute_zscores(df)
    parts = pd.concat([compute_zscores(df.iloc[i : i + 1]) for i in range(0, 50)])
    pd.testing.assert_frame_equal(whole.iloc[:50], parts)


# --------------------------------------------------------------------------------------
# The public LMS building blocks (lms_parameters, lms_value, lms_zscore)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sex", [1, 2])
def test_lms_parameters_are_the_table_rows(sex):
    days = np.array([0, 1, 100, 730, 731, 1826])
    lam, mu, sigma = lms_parameters("height_for_age", sex, days)
    assert np.array_equal(lam, np.ones(len(days)))
    assert np.array_equal(mu, [lms_age(LEN, sex, d)[1] for d in days])
    assert np.array_equal(sigma, [lms_age(LEN, sex, d)[2] for d in days])
    lam, mu, sigma = lms_parameters("weight_for_age", np.full(len(days), sex), days)
    assert np.array_equal(np.c_[lam, mu, sigma], [lms_age(WEI, sex, d) for d in days])
    cms = [45.0, 60.3, 87.5, 110.0]
    got = np.column_stack(lms_parameters("weight_for_length", sex, cms))
    assert np.allclose(got, [lms_cm(WFL, sex, c) for c in cms], rtol=0, atol=1e-12)
    cms = [65.0, 87.5, 120.0]
    got = np.column_stack(lms_parameters("weight_for_height", sex, cms))
    assert np.allclose(got, [lms_cm(WFH, sex, c) for c in cms], rtol=0, atol=1e-12)


def test_lms_parameters_interpolate_and_round_age_half_up():
    lo, hi = lms_cm(WFH, 2, 92.4), lms_cm(WFH, 2, 92.5)
    expected = [a + 0.25 * (b - a) for a, b in zip(lo, hi, strict=True)]  # 92.425 cm
    got = [float(v[0]) for v in lms_parameters("weight_for_height", [2], [92.425])]
    assert got == pytest.approx(expected, rel=0, abs=1e-12)
    # 100.5 days reads the row of day 101, 100.4 the row of day 100
    _, mu, _ = lms_parameters("weight_for_age", [1, 1], [100.5, 100.4])
    assert list(mu) == [lms_age(WEI, 1, 101)[1], lms_age(WEI, 1, 100)[1]]


def test_lms_parameters_outside_the_tables_are_missing():
    lam, mu, sigma = lms_parameters("weight_for_age", [1, 2, 3, 1, 1], [1827, -1, 100, np.nan, 0])
    assert np.isnan(mu[:4]).all() and np.isnan(lam[:4]).all() and np.isnan(sigma[:4]).all()
    assert mu[4] == lms_age(WEI, 1, 0)[1]
    _, mu, _ = lms_parameters("weight_for_length", [1, 1, 0], [44.9, 110.1, 60.0])
    assert np.isnan(mu).all()
    _, mu, _ = lms_parameters("weight_for_height", [2, 2], [64.9, 120.1])
    assert np.isnan(mu).all()
    lam, _, _ = lms_parameters("height_for_age", [1], [2000])
    assert np.isnan(lam).all()
    with pytest.raises(ValueError, match="indicator"):
        lms_parameters("bmi_for_age", [1], [10])


def test_lms_value_at_z0_is_the_median_and_at_k_the_sd_curve():
    lms = lms_age(WEI, 1, 400)
    for k in KS:
        assert lms_value(k, *lms) == pytest.approx(sd(lms, k), rel=1e-13)
    assert lms_value(0.0, *lms) == pytest.approx(lms[1], rel=1e-15)
    lms = lms_age(LEN, 2, 1000)
    assert lms_value(-2.0, *lms) == pytest.approx(lms[1] * (1 - 2 * lms[2]), rel=1e-15)  # L = 1


def test_lms_value_restricted_tails_by_formula():
    lms = lms_age(WEI, 2, 600)
    sd2, sd3 = sd(lms, 2), sd(lms, 3)
    sd2n, sd3n = sd(lms, -2), sd(lms, -3)
    assert lms_value(4.5, *lms) == pytest.approx(sd3 + 1.5 * (sd3 - sd2), rel=1e-13)
    assert lms_value(-4.5, *lms) == pytest.approx(sd3n - 1.5 * (sd2n - sd3n), rel=1e-13)
    # the plain formula beyond 3 SD is the LMS curve itself, a different value
    assert lms_value(4.5, *lms, restricted_tails=False) == pytest.approx(sd(lms, 4.5), rel=1e-13)
    assert sd(lms, 4.5) != pytest.approx(sd3 + 1.5 * (sd3 - sd2), rel=1e-6)
    # no value has z where 1 + L·S·z <= 0
    L, M, S = 0.5, 10.0, 0.5
    assert np.isnan(lms_value(-5.0, L, M, S, restricted_tails=False))


def test_lms_zscore_by_formula():
    L, M, S = lms_age(WEI, 1, 300)
    y = np.array([M, sd((L, M, S), 2), sd((L, M, S), -1)])
    assert lms_zscore(y, L, M, S) == pytest.approx([0.0, 2.0, -1.0], abs=1e-12)
    y4 = sd((L, M, S), 4)
    assert lms_zscore(y4, L, M, S, restricted_tails=False) == pytest.approx(4.0, abs=1e-12)
    sd3, sd2 = sd((L, M, S), 3), sd((L, M, S), 2)
    assert lms_zscore(y4, L, M, S) == pytest.approx(3 + (y4 - sd3) / (sd3 - sd2), abs=1e-12)


@pytest.mark.parametrize("sex", [1, 2])
def test_value_at_z_back_through_compute_zscores_gives_z(sex):
    rng = np.random.default_rng(5)
    n = 400
    z = np.round(rng.uniform(-4.8, 4.8, n), 2)
    age = rng.integers(0, 1827, n)
    # weight-for-age, restricted tails included
    weight = lms_value(z, *lms_parameters("weight_for_age", sex, age))
    out = compute_zscores(children(sex=sex, age_days=age, weight_kg=weight))
    assert np.array_equal(out["waz"].to_numpy(), z)
    # length/height-for-age: lying below 731 days, standing from 731 (no 0.7 cm adjustment)
    height = lms_value(z, *lms_parameters("height_for_age", sex, age))
    measure = np.where(age < 731, "l", "h")
    out = compute_zscores(children(sex=sex, age_days=age, height_cm=height, measure=measure))
    assert np.array_equal(out["haz"].to_numpy(), z)
    # weight-for-length at lengths between the 0.1 cm rows
    length = np.round(rng.uniform(46, 109, n), 2)
    weight = lms_value(z, *lms_parameters("weight_for_length", sex, length))
    out = compute_zscores(children(sex=sex, age_days=300, height_cm=length, measure="l", weight_kg=weight))
    assert np.array_equal(out["whz"].to_numpy(), z)

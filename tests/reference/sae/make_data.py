"""Make the synthetic area-level data sets used by the Fay-Herriot reference tests.

Run from the project root:  .venv/bin/python tests/reference/sae/make_data.py
Writes bontang_synthetic.csv and small_zero.csv beside this script. The numbers are made up
(15 kelurahan named after Bontang's, register covariates and survey direct estimates drawn from
a Fay-Herriot model); they are inputs, never expected values.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent

CODES = [
    "64.74.01.1001",
    "64.74.01.1002",
    "64.74.01.1003",
    "64.74.01.1004",
    "64.74.01.1005",
    "64.74.01.1006",
    "64.74.02.1001",
    "64.74.02.1002",
    "64.74.02.1003",
    "64.74.02.1004",
    "64.74.02.1005",
    "64.74.02.1006",
    "64.74.03.1001",
    "64.74.03.1002",
    "64.74.03.1003",
]


def bontang_synthetic(seed: int = 20250101) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    m = len(CODES)
    pop = rng.integers(6000, 30000, m)
    desil1 = np.round(rng.uniform(0.03, 0.20, m), 4)
    stunting = np.round(rng.uniform(0.08, 0.30, m), 4)
    n_hh = rng.integers(18, 60, m)
    theta = np.clip(0.01 + 0.55 * desil1 + 0.15 * stunting + rng.normal(0, 0.02, m), 0.001, 0.6)
    deff = 1.6
    p = np.round(rng.binomial(n_hh, theta) / n_hh, 6)
    p[4] = 0.0  # a kelurahan with no poor household in the sample
    var = np.round(deff * p * (1 - p) / n_hh, 8)
    df = pd.DataFrame(
        {
            "area": CODES,
            "kecamatan": [c[:8] for c in CODES],
            "population": pop,
            "desil1_share": desil1,
            "stunting_rate": stunting,
            "n_hh": n_hh,
            "p_direct": p,
            "var_direct": var,
        }
    )
    # Two kelurahan not in the survey sample.
    df.loc[[9, 13], ["n_hh", "p_direct", "var_direct"]] = np.nan
    # Smoothed variance (pooled design effect from areas with 0 < p < 1), rounded: an input.
    ok = (df.p_direct > 0) & (df.p_direct < 1)
    pbar = np.nansum(df.p_direct * df.n_hh) / np.nansum(df.n_hh)
    deff_pooled = np.sum(df.var_direct[ok] * df.n_hh[ok]) / np.sum(
        df.p_direct[ok] * (1 - df.p_direct[ok])
    )
    df["var_smooth"] = np.round(deff_pooled * pbar * (1 - pbar) / df.n_hh, 10)
    df["n_eff"] = np.round(df.n_hh / deff_pooled, 6)
    return df


def small_zero() -> pd.DataFrame:
    """Eight areas whose direct estimates lie close to a line: REML and ML put sigma2_u at 0."""
    x = np.array([0.05, 0.08, 0.10, 0.12, 0.15, 0.18, 0.20, 0.25])
    noise = np.array([0.004, -0.006, 0.003, -0.002, 0.005, -0.004, 0.001, -0.001])
    y = np.round(0.02 + 0.6 * x + noise, 6)
    d = np.array([0.0004, 0.0006, 0.0005, 0.0008, 0.0007, 0.0009, 0.0005, 0.0010])
    return pd.DataFrame({"area": [f"A{i + 1}" for i in range(8)], "x": x, "y": y, "d": d})


if __name__ == "__main__":
    bontang_synthetic().to_csv(HERE / "bontang_synthetic.csv", index=False)
    small_zero().to_csv(HERE / "small_zero.csv", index=False)
    print("wrote bontang_synthetic.csv, small_zero.csv")

"""The dask engine's one-pass group sums give the pandas estimator's figures (#18)."""
import numpy as np
import pandas as pd
import pytest

from analysis.engine.sums import combine_sums, estimates_from_sums, partition_sums
from analysis.estimation.survey import SurveyDesign, estimate_proportion


def _frame(seed=0, n=3000):
    rng = np.random.default_rng(seed)
    desa = rng.choice(["64.74.01.1001", "64.74.01.1002", "64.74.02.1001", "64.74.03.1003"], n)
    psu = np.char.add(desa.astype(str), rng.integers(0, 6, n).astype(str))
    y = (rng.random(n) < 0.25).astype(float)
    y[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({"desa": desa, "kec": [d[:8] for d in desa], "kota": [d[:5] for d in desa],
                         "stratum": np.where(rng.random(n) < 0.5, "A", "B"), "psu": psu,
                         "wt": rng.uniform(0.5, 3.0, n), "y": y})


@pytest.mark.parametrize("level", ["desa", "kec", "kota"])
def test_sums_match_pandas_estimator(level):
    data = _frame()
    design = SurveyDesign(strata="stratum", cluster="psu", weights="wt")
    ref = estimate_proportion(data, "y", by=level, design=design).sort_values(level)
    parts = [partition_sums(p, "y", [level], "stratum", "psu", "wt")
             for p in (data.iloc[i::5] for i in range(5))]
    got = estimates_from_sums(combine_sums(parts, ["stratum", "psu", level]), [level],
                              "stratum", "psu")
    assert list(got[level]) == list(ref[level])
    for col in ("n", "n_weighted", "estimate", "se", "df"):
        np.testing.assert_allclose(got[col].to_numpy(float), ref[col].to_numpy(float),
                                   rtol=1e-12, atol=1e-12, err_msg=col)


def test_sums_match_by_hand():
    # One stratum, two PSUs of one row each, weight 1: p = 0.5, z = ±0.25
    data = pd.DataFrame({"s": ["A", "A"], "c": ["1", "2"], "d": ["x", "x"], "y": [0.0, 1.0]})
    got = estimates_from_sums(partition_sums(data, "y", ["d"], "s", "c", None), ["d"], "s", "c")
    # z_i = (y_i - 0.5)/2 = ∓0.25; zbar 0; var = 2/(2-1) * (0.0625 * 2) = 0.25
    assert got["estimate"].iloc[0] == 0.5
    assert got["se"].iloc[0] == pytest.approx(0.5, abs=1e-15)


def test_domain_equal_to_stratum_is_a_clear_error():
    from analysis.errors import RakorInputError

    with pytest.raises(RakorInputError, match="must differ"):
        partition_sums(_frame(n=10), "y", ["stratum"], "stratum", "psu", "wt")

"""Tests of analysis.estimation.small_area (Fay-Herriot small-area estimation).

Expected values come from: the committed outputs of an independent R implementation
(tests/reference/sae/reference_fh.R) and of samplics' EblupAreaModel
(tests/reference/sae/reference_samplics.py); published R ``sae`` results for the ``milk`` data;
and formulas worked by hand below. Neither R nor samplics is needed to run these tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from analysis.errors import RakorInputError
from analysis.estimation import small_area as sae

REF = Path(__file__).resolve().parents[1] / "reference" / "sae"
COVS_BONTANG = ["desil1_share", "stunting_rate"]
METHODS = ["reml", "ml", "li-lahiri", "li-lahiri-reml"]


# ---------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def milk() -> pd.DataFrame:
    m = pd.read_csv(REF / "milk.csv")
    m["var"] = m["SD"] ** 2
    for k in (2, 3, 4):
        m[f"ma{k}"] = (m["MajorArea"] == k).astype(float)
    return m


@pytest.fixture(scope="module")
def bontang() -> pd.DataFrame:
    return pd.read_csv(REF / "bontang_synthetic.csv", dtype={"area": str})


@pytest.fixture(scope="module")
def small_zero() -> pd.DataFrame:
    return pd.read_csv(REF / "small_zero.csv")


@pytest.fixture(scope="module")
def r_params() -> pd.DataFrame:
    return pd.read_csv(REF / "r_params.csv")


@pytest.fixture(scope="module")
def r_areas() -> pd.DataFrame:
    return pd.read_csv(REF / "r_areas.csv", dtype={"area": str})


def _fit(name, data, method, **kw):
    if name == "milk":
        return sae.fay_herriot(
            data, "yi", "var", ["ma2", "ma3", "ma4"], "SmallArea", method=method, **kw
        )
    if name == "bontang":
        return sae.fay_herriot(
            data, "p_direct", "var_smooth", COVS_BONTANG, "area", method=method, **kw
        )
    return sae.fay_herriot(data, "y", "d", ["x"], "area", method=method, **kw)


def _param(params, dataset, method, name):
    sel = params[
        (params.dataset == dataset) & (params.method == method) & (params.parameter == name)
    ]
    assert len(sel) == 1, (dataset, method, name)
    return float(sel["value"].iloc[0])


# ---------------------------------------------------------------------------- reference: R


@pytest.mark.parametrize("dataset", ["milk", "bontang", "small_zero"])
@pytest.mark.parametrize("method", METHODS)
def test_matches_independent_r_implementation(
    dataset, method, milk, bontang, small_zero, r_params, r_areas
):
    data = {"milk": milk, "bontang": bontang, "small_zero": small_zero}[dataset]
    res = _fit(dataset, data, method)
    assert res.converged
    assert res.sigma2_u == pytest.approx(
        _param(r_params, dataset, method, "sigma2_u"), rel=1e-6, abs=1e-10
    )
    assert res.loglik == pytest.approx(_param(r_params, dataset, method, "loglik"), abs=1e-6)
    for i, b in enumerate(res.beta):
        assert b == pytest.approx(_param(r_params, dataset, method, f"beta_{i}"), abs=1e-6)
        assert res.beta_se.iloc[i] == pytest.approx(
            _param(r_params, dataset, method, f"beta_se_{i}"), rel=1e-6
        )
    ref = r_areas[(r_areas.dataset == dataset) & (r_areas.method == method)].reset_index(drop=True)
    t = res.table
    assert list(t["area"].astype(str)) == list(ref["area"])
    for col in ("eblup", "gamma", "synthetic"):
        np.testing.assert_allclose(t[col], ref[col], atol=1e-6, rtol=0, err_msg=col)
    np.testing.assert_allclose(t["mse"], ref["mse"], rtol=1e-6, atol=1e-12, err_msg="mse")
    assert (t["mse"] > 0).all() and np.isfinite(t["rse"]).all()


def test_arcsine_back_transformation_matches_r_integrate(bontang, r_params, r_areas):
    ref = r_areas[r_areas.dataset == "bontang_arcsin"].reset_index(drop=True)
    for bt, col in (("bc", "eblup_bc"), ("naive", "eblup_naive")):
        res = sae.fay_herriot(
            bontang,
            "p_direct",
            "var_direct",
            COVS_BONTANG,
            "area",
            transform="arcsin",
            n_eff="n_eff",
            backtransform=bt,
        )
        np.testing.assert_allclose(res.table["eblup"], ref[col], atol=1e-6, rtol=0, err_msg=bt)
        np.testing.assert_allclose(res.table["eblup_transformed"], ref["eblup"], atol=1e-6, rtol=0)
        np.testing.assert_allclose(res.table["mse_transformed"], ref["mse"], rtol=1e-6)
    assert res.sigma2_u == pytest.approx(
        _param(r_params, "bontang_arcsin", "reml", "sigma2_u"), rel=1e-6
    )
    # The kelurahan with no poor household in the sample still gets a positive estimate and MSE.
    row = res.table.loc[res.table["direct"] == 0].iloc[0]
    assert row["eblup"] > 0 and row["mse"] > 0 and row["gamma"] > 0
    # Delta method: mse = sin(2 theta)^2 mse_theta.
    np.testing.assert_allclose(
        res.table["mse"], np.sin(2 * ref["eblup"]) ** 2 * ref["mse"], rtol=1e-6
    )


# ---------------------------------------------------------------------------- reference: samplics


@pytest.mark.parametrize("dataset", ["milk", "bontang"])
def test_reml_matches_samplics(dataset, milk, bontang):
    params = pd.read_csv(REF / "samplics_params.csv")
    areas = pd.read_csv(REF / "samplics_areas.csv", dtype={"area": str})
    data = milk if dataset == "milk" else bontang
    res = _fit(dataset, data, "reml")
    assert res.sigma2_u == pytest.approx(_param(params, dataset, "reml", "sigma2_u"), rel=1e-6)
    for i in range(len(res.beta)):
        assert res.beta.iloc[i] == pytest.approx(
            _param(params, dataset, "reml", f"beta_{i}"), abs=1e-6
        )
        assert res.beta_se.iloc[i] == pytest.approx(
            _param(params, dataset, "reml", f"beta_se_{i}"), rel=1e-6
        )
    ref = areas[(areas.dataset == dataset) & (areas.method == "reml")].set_index("area")
    t = res.table.assign(area=res.table["area"].astype(str)).set_index("area").loc[ref.index]
    np.testing.assert_allclose(t["eblup"], ref["eblup"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(t["mse"], ref["mse"], rtol=1e-6)


def test_milk_matches_published_r_sae_values(milk):
    # R sae::eblupFH / mseFH output for the milk data as published with samplics' tests
    # (7 decimals for EBLUPs, 9 for MSEs; sae's own convergence tolerance is 1e-4).
    pub = pd.read_csv(REF / "sae_published_milk.csv")
    for method in ("reml", "ml"):
        t = _fit("milk", milk, method).table
        np.testing.assert_allclose(t["eblup"], pub[f"{method}_eblup"], atol=1e-6, rtol=0)
        np.testing.assert_allclose(t["mse"], pub[f"{method}_mse"], atol=1e-7, rtol=0)


# ---------------------------------------------------------------------------- model behaviour


def test_out_of_sample_areas_get_synthetic_and_its_mse(bontang):
    res = _fit("bontang", bontang, "reml")
    t = res.table
    out = t[~t["in_sample"]]
    assert len(out) == 2
    np.testing.assert_allclose(out["eblup"], out["synthetic"])
    assert (out["gamma"] == 0).all()
    # MSE = sigma2_u + x' Q x, Q = (X' V^-1 X)^-1 built here from the sampled rows.
    ins = bontang["p_direct"].notna()
    X = np.column_stack([np.ones(len(bontang)), bontang[COVS_BONTANG]])
    w = 1 / (res.sigma2_u + bontang.loc[ins, "var_smooth"].to_numpy())
    Q = np.linalg.inv(X[ins].T @ (X[ins] * w[:, None]))
    x_out = X[~ins.to_numpy()]
    expected = res.sigma2_u + np.einsum("ij,jk,ik->i", x_out, Q, x_out)
    np.testing.assert_allclose(out["mse"], expected, rtol=1e-10)


def test_zero_variance_component_and_li_lahiri_positive(small_zero):
    reml = _fit("small_zero", small_zero, "reml")
    assert reml.sigma2_u == 0.0
    np.testing.assert_allclose(reml.table["eblup"], reml.table["synthetic"])
    ll = _fit("small_zero", small_zero, "li-lahiri")
    assert ll.sigma2_u > 0
    assert (ll.table["gamma"] > 0).all()
    # Li-Lahiri MSE is never below g1 + g2 (the MSE with sigma2_u known).
    A, D = ll.sigma2_u, small_zero["d"].to_numpy()
    X = np.column_stack([np.ones(len(D)), small_zero["x"]])
    Q = np.linalg.inv(X.T @ (X / (A + D)[:, None]))
    g1 = A * D / (A + D)
    g2 = (D / (A + D)) ** 2 * np.einsum("ij,jk,ik->i", X, Q, X)
    assert (ll.table["mse"] >= g1 + g2 - 1e-15).all()
    assert ll.table["mse_floored"].any()
    assert (ll.table["mse"] > 0).all()


def test_reml_mse_is_g1_g2_2g3_by_formula(milk):
    res = _fit("milk", milk, "reml")
    A, D = res.sigma2_u, milk["var"].to_numpy()
    X = np.column_stack([np.ones(43), milk[["ma2", "ma3", "ma4"]]])
    v = A + D
    Q = np.linalg.inv(X.T @ (X / v[:, None]))
    B = D / v
    g1 = A * D / v
    g2 = B**2 * np.einsum("ij,jk,ik->i", X, Q, X)
    g3 = B**2 * (2 / np.sum(v**-2)) / v
    np.testing.assert_allclose(res.table["mse"], g1 + g2 + 2 * g3, rtol=1e-12)
    np.testing.assert_allclose(
        res.table["rse"], 100 * np.sqrt(g1 + g2 + 2 * g3) / res.table["eblup"], rtol=1e-10
    )


def _g_terms(A, D, X):
    """Prasad-Rao terms g1, g2, g3 of the REML Fay-Herriot model, by formula (Rao & Molina 6.2)."""
    v = A + D
    Q = np.linalg.inv(X.T @ (X / v[:, None]))
    B = D / v
    return A * D / v, B**2 * np.einsum("ij,jk,ik->i", X, Q, X), B**2 * (2 / np.sum(v**-2)) / v


def test_bootstrap_mse_per_area_matches_its_second_order_expectation(milk):
    """No transformation, where both the bootstrap and the analytic MSE apply.

    Given Â, the parametric bootstrap estimates g1(Â) + g2(Â) + g3(Â) (Butar & Lahiri 2003):
    the Prasad-Rao estimator adds a second g3 only to correct the bias of g1(Â), which the
    bootstrap does not. Each area's bootstrap MSE is a mean of B squared errors ≈ MSE·χ²₁, so its
    Monte Carlo relative SE is √(2/B) = 0.07 for B = 400: every area within 3.5 SE (0.25), the
    mean over the 43 areas within 0.05, and below Prasad-Rao on average (one g3 less).
    """
    pr = _fit("milk", milk, "reml")
    boot = _fit("milk", milk, "reml", mse="bootstrap", n_boot=400, seed=7)
    again = _fit("milk", milk, "reml", mse="bootstrap", n_boot=400, seed=7)
    np.testing.assert_array_equal(boot.table["mse"], again.table["mse"])  # seeded: re-runs agree
    X = np.column_stack([np.ones(43), milk[["ma2", "ma3", "ma4"]]])
    g1, g2, g3 = _g_terms(pr.sigma2_u, milk["var"].to_numpy(), X)
    ratio = boot.table["mse"].to_numpy() / (g1 + g2 + g3)
    assert np.all(np.abs(ratio - 1) < 0.25), np.round(ratio, 2)
    assert abs(ratio.mean() - 1) < 0.05
    assert boot.table["mse"].mean() < pr.table["mse"].mean()


def test_bootstrap_arcsin_production_path_against_theory(bontang):
    """The production path (arcsine, bias-corrected back-transform, bootstrap MSE), checked by
    what theory says, not only for being finite.

    - Seeded: the same seed gives the same MSE; another seed differs by Monte Carlo error only.
    - Delta method: p = sin²θ, dp/dθ = sin 2θ, so away from 0 and 1 the MSE on the proportion
      scale is ≈ sin²(2θ̂)·(g1 + g2 + g3) of the arcsine scale (D = 1/(4 n_eff); the same second
      order target as above). Interior areas (EBLUP between 5% and 95%): mean ratio within 0.2
      (MC error √(2/B) = 0.07 plus second-order terms of the back-transform), each within
      0.4–1.6 (13 areas with m = 13 in the fit: Â itself is uncertain).
    - Near zero the delta method gives almost nothing (sin 2θ → 0), which is why the bootstrap
      is used: there the bootstrap MSE is larger than the delta-method value.
    - The shrunk estimate does better than the direct one: MSE on the proportion scale below the
      direct variance on the arcsine scale, 1/(4 n_eff) (|dp/dθ| ≤ 1, and g1 < D).
    """
    def fit(seed):
        return sae.fay_herriot(bontang, "p_direct", "var_direct", COVS_BONTANG, "area", transform="arcsin",
                               n_eff="n_eff", mse="bootstrap", n_boot=400, seed=seed)

    res, same, other = fit(1), fit(1), fit(2)
    t = res.table
    np.testing.assert_array_equal(t["mse"], same.table["mse"])
    assert not np.array_equal(t["mse"], other.table["mse"])
    assert abs(other.table["mse"].mean() / t["mse"].mean() - 1) < 0.15
    ins = t["in_sample"].to_numpy()
    n_eff = bontang["n_eff"].to_numpy()[ins]
    X = np.column_stack([np.ones(ins.sum()), bontang.loc[ins, COVS_BONTANG]])
    g1, g2, g3 = _g_terms(res.sigma2_u, 1 / (4 * n_eff), X)
    np.testing.assert_allclose(g1 + g2 + 2 * g3, t["mse_transformed"][ins], rtol=1e-9)  # the analytic path
    theta = t["eblup_transformed"].to_numpy()[ins]
    delta = np.sin(2 * theta) ** 2 * (g1 + g2 + g3)
    boot = t["mse"].to_numpy()[ins]
    p_hat = np.sin(theta) ** 2
    interior = (p_hat > 0.05) & (p_hat < 0.95)
    assert interior.sum() >= 10
    ratio = boot[interior] / delta[interior]
    assert abs(ratio.mean() - 1) < 0.2, np.round(ratio, 2)
    assert np.all((ratio > 0.4) & (ratio < 1.6)), np.round(ratio, 2)
    nearest_zero = np.argmin(theta)
    assert p_hat[nearest_zero] < 0.05 and boot[nearest_zero] > delta[nearest_zero]
    assert np.all(boot < 1 / (4 * n_eff))
    assert np.isfinite(t["mse"]).all() and (t["mse"] > 0).all()


def test_arcsin_closed_form_matches_quadrature():
    mus = np.array([-0.2, 0.0, 0.05, 0.3, 0.8, 1.5, 1.7])
    vs = np.array([0.01, 0.002, 0.05, 0.0004, 0.2, 0.01, 0.3])
    got = sae._arcsin_bc_mean(mus, vs)
    for mu, v, g in zip(mus, vs, got, strict=True):
        want, _ = integrate.quad(
            lambda x, mu=mu, v=v: np.sin(x) ** 2 * stats.norm.pdf(x, mu, np.sqrt(v)),
            0,
            np.pi / 2,
            epsabs=1e-13,
            epsrel=1e-12,
        )
        assert g == pytest.approx(want, abs=1e-10)


# ---------------------------------------------------------------------------- benchmarking


def test_benchmark_by_hand():
    est = np.array([0.10, 0.20, 0.30])
    w = np.array([1.0, 1.0, 2.0])  # shares 0.25, 0.25, 0.5 -> weighted mean 0.225
    ratio = sae.benchmark(est, w, 0.18, "ratio")
    np.testing.assert_allclose(ratio, est * 0.18 / 0.225)
    rake = sae.benchmark(est, w, 0.18, "raking")
    np.testing.assert_allclose(rake, est - 0.045)
    by = sae.benchmark(est, w, {"a": 0.2, "b": 0.6}, "ratio", by=np.array(["a", "a", "b"]))
    np.testing.assert_allclose(by, [0.2 * 0.10 / 0.15, 0.2 * 0.20 / 0.15, 0.6])


def test_fay_herriot_benchmarked_columns_hit_target(bontang):
    res = sae.fay_herriot(
        bontang,
        "p_direct",
        "var_smooth",
        COVS_BONTANG,
        "area",
        benchmark=["ratio", "raking"],
        benchmark_target=0.09,
        benchmark_weights="population",
    )
    t = res.table
    share = bontang["population"] / bontang["population"].sum()
    for col in ("eblup_ratio", "eblup_raking"):
        assert float(np.sum(share * t[col])) == pytest.approx(0.09, abs=1e-12)
    assert "eblup" in t  # unbenchmarked kept beside
    kec = sae.fay_herriot(
        bontang,
        "p_direct",
        "var_smooth",
        COVS_BONTANG,
        "area",
        benchmark="ratio",
        benchmark_by="kecamatan",
        benchmark_weights="population",
        benchmark_target={"64.74.01": 0.08, "64.74.02": 0.1, "64.74.03": 0.07},
    )
    for code, target in {"64.74.01": 0.08, "64.74.02": 0.1, "64.74.03": 0.07}.items():
        sel = (bontang["kecamatan"] == code).to_numpy()
        s = bontang.loc[sel, "population"] / bontang.loc[sel, "population"].sum()
        assert float(np.sum(s.to_numpy() * kec.table.loc[sel, "eblup_ratio"])) == pytest.approx(
            target
        )


# ---------------------------------------------------------------------------- variance smoothing


def test_gvf_recovers_exact_power_law_and_fills_zero():
    n = np.array([20.0, 30, 40, 50, 60])
    p = np.array([0.1, 0.2, 0.0, 0.15, 0.12])
    pbar = np.sum(p * n) / np.sum(n)
    q = pbar * (1 - pbar)
    a, b = np.log(1.7), 1.1
    v = np.exp(a + b * np.log(q / n))
    v[2] = 0.0  # p = 0: direct variance zero
    df = pd.DataFrame({"p": p, "v": v, "n": n})
    out = sae.smooth_variance(df, "p", "v", "n", method="gvf")
    assert out.attrs["gvf"]["a"] == pytest.approx(a)
    assert out.attrs["gvf"]["b"] == pytest.approx(b)
    assert out.attrs["gvf"]["n_fit"] == 4
    np.testing.assert_allclose(out["var_smoothed"], np.exp(a + b * np.log(q / n)))
    assert out["var_smoothed"].iloc[2] > 0


def test_gvf_fixed_slope_is_geometric_mean_deff():
    n = np.array([20.0, 30, 40])
    p = np.array([0.1, 0.2, 0.3])
    v = np.array([0.008, 0.009, 0.006])
    df = pd.DataFrame({"p": p, "v": v, "n": n})
    out = sae.smooth_variance(df, "p", "v", "n", slope=1.0)
    pbar = np.sum(p * n) / np.sum(n)
    q = pbar * (1 - pbar)
    deff = np.exp(np.mean(np.log(v * n / q)))
    np.testing.assert_allclose(out["var_smoothed"], deff * q / n)


def test_effective_sample_size_pooled_and_area():
    df = pd.DataFrame({"p": [0.1, 0.2, 0.0], "v": [0.006, 0.008, 0.0], "n": [30.0, 40.0, 25.0]})
    pooled = (0.006 * 30 + 0.008 * 40) / (0.1 * 0.9 + 0.2 * 0.8)  # = 0.5 / 0.25 = 2.0
    out = sae.effective_sample_size(df, "p", "v", "n")
    np.testing.assert_allclose(out["deff"], pooled)
    np.testing.assert_allclose(out["n_eff"], np.array([30, 40, 25]) / 2.0)
    area = sae.effective_sample_size(df, "p", "v", "n", deff="area")
    np.testing.assert_allclose(area["deff"], [0.006 * 30 / 0.09, 0.008 * 40 / 0.16, 2.0])
    arc = sae.smooth_variance(df, "p", "v", "n", method="arcsin")
    np.testing.assert_allclose(arc["var_smoothed"], 1 / (4 * out["n_eff"]))


# ---------------------------------------------------------------------------- diagnostics


def test_diagnostics_by_formula(milk, r_params):
    res = _fit("milk", milk, "reml")
    diag = sae.fh_diagnostics(res)
    A = _param(r_params, "milk", "reml", "sigma2_u")
    beta = np.array([_param(r_params, "milk", "reml", f"beta_{i}") for i in range(4)])
    X = np.column_stack([np.ones(43), milk[["ma2", "ma3", "ma4"]]])
    D = milk["var"].to_numpy()
    resid = milk["yi"].to_numpy() - X @ beta
    std = resid / np.sqrt(A + D)
    np.testing.assert_allclose(diag.table["std_residual"], std, atol=1e-6)
    np.testing.assert_allclose(diag.table["shrinkage"], D / (A + D), atol=1e-7)
    assert diag.shapiro_residuals_p == pytest.approx(stats.shapiro(std).pvalue, abs=1e-5)
    assert diag.shapiro_random_effects_p == pytest.approx(
        stats.shapiro(A / (A + D) * resid).pvalue, abs=1e-5
    )
    np.testing.assert_allclose(diag.table["cv_direct"], 100 * milk["SD"] / milk["yi"])
    assert diag.summary["share_cv_reduced"] == 1.0  # every EBLUP is more precise than its direct


def test_direct_vs_model_sorted(bontang):
    res = _fit("bontang", bontang, "reml")
    plot = sae.direct_vs_model(res)
    assert list(plot["order"]) == list(range(1, 16))
    ins = plot[plot["in_sample"]]
    assert ins["direct_var"].is_monotonic_decreasing
    assert not plot["in_sample"].iloc[-1] and not plot["in_sample"].iloc[-2]


def test_estimates_rows(bontang):
    res = sae.fay_herriot(
        bontang,
        "p_direct",
        "var_smooth",
        COVS_BONTANG,
        "area",
        benchmark="ratio",
        benchmark_target=0.09,
        benchmark_weights="population",
    )
    rows = sae.estimates_rows(res, "poverty_p0")
    assert (rows["method"] == "fay-herriot").all()
    assert set(["area_code", "indicator", "estimate", "se", "ci_low", "ci_high"]).issubset(
        rows.columns
    )
    np.testing.assert_allclose(rows["se"], np.sqrt(res.table["mse"]))
    bench = sae.estimates_rows(res, "poverty_p0", column="eblup_ratio")
    assert (bench["method"] == "fay-herriot:ratio").all()


# ---------------------------------------------------------------------------- input errors


def test_zero_variance_is_a_clear_error(bontang):
    with pytest.raises(RakorInputError, match="var_direct.*smooth_variance"):
        sae.fay_herriot(bontang, "p_direct", "var_direct", COVS_BONTANG, "area")


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"covariates": ["nope"]}, "nope"),
        ({"method": "bayes"}, "method"),
        ({"mse": "jackknife"}, "mse"),
        ({"transform": "arcsin"}, "n_eff"),
        ({"benchmark": "scale"}, "benchmark"),
    ],
)
def test_input_errors(bontang, kwargs, pattern):
    args = {
        "y": "p_direct",
        "var": "var_smooth",
        "covariates": COVS_BONTANG,
        "area": "area",
    } | kwargs
    with pytest.raises(RakorInputError, match=pattern):
        sae.fay_herriot(bontang, **args)


def test_duplicate_area_and_bad_covariate(bontang):
    dup = pd.concat([bontang, bontang.iloc[[0]]])
    with pytest.raises(RakorInputError, match="one row per area"):
        sae.fay_herriot(dup, "p_direct", "var_smooth", COVS_BONTANG, "area")
    bad = bontang.copy()
    bad.loc[3, "stunting_rate"] = np.nan
    with pytest.raises(RakorInputError, match="stunting_rate.*1 row"):
        sae.fay_herriot(bad, "p_direct", "var_smooth", COVS_BONTANG, "area")
    txt = bontang.astype({"desil1_share": object})
    txt.loc[2, "desil1_share"] = "12,5%"
    with pytest.raises(RakorInputError, match="desil1_share.*12,5%"):
        sae.fay_herriot(txt, "p_direct", "var_smooth", COVS_BONTANG, "area")

"""Fay-Herriot small-area estimates (area-level EBLUP) of kelurahan poverty, with MSE and benchmarking.

The household survey has a few dozen households per kelurahan, so the direct estimate of a
kelurahan is noisy. The Fay-Herriot model borrows strength from covariates known for every
kelurahan (register desil-1 share, e-PPGBM stunting rate, population) and shrinks each direct
estimate towards a regression prediction, the more so the noisier the direct estimate is
(DOMAIN.md §9).

Public functions
----------------
fay_herriot
    Fit the model (REML, ML or the Li-Lahiri adjusted likelihood) and predict every area, with
    Prasad-Rao (or Datta-Lahiri / Li-Lahiri) or parametric-bootstrap MSE, an optional arcsine
    transformation and benchmarking.
smooth_variance, effective_sample_size
    Sampling variances that do not collapse to zero when a kelurahan's direct proportion is 0 or 1:
    a generalised variance function, or the arcsine scale with an effective sample size.
benchmark
    Ratio and raking (difference) benchmarking of area estimates to a known aggregate.
fh_diagnostics, direct_vs_model
    Shrinkage factors, standardised residuals with Shapiro-Wilk tests, CV of direct vs EBLUP, and
    the data for a direct-vs-model plot.
estimates_rows
    The rows of the estimates table (``method = "fay-herriot"``) for one indicator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis.errors import RakorInputError

__all__ = [
    "FayHerriotResult",
    "FHDiagnostics",
    "fay_herriot",
    "smooth_variance",
    "effective_sample_size",
    "benchmark",
    "fh_diagnostics",
    "direct_vs_model",
    "estimates_rows",
    "METHODS",
]

#: Accepted ``method`` names and what they mean (aliases map to the canonical name).
METHODS = {
    "reml": "reml",
    "ml": "ml",
    "li-lahiri": "li-lahiri",  # adjusted profile likelihood A * L_P(A) (emdi "ampl")
    "ampl": "li-lahiri",
    "li-lahiri-reml": "li-lahiri-reml",  # adjusted residual likelihood A * L_R(A) (emdi "amrl")
    "amrl": "li-lahiri-reml",
}
_MSE_METHODS = ("prasad-rao", "bootstrap", "none")
_BENCH_METHODS = ("ratio", "raking")
_LOG2PI = np.log(2.0 * np.pi)


# --------------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------------


@dataclass
class FayHerriotResult:
    """A fitted Fay-Herriot model and its per-area predictions.

    Attributes
    ----------
    table
        One row per area: ``area, direct, direct_var, eblup, mse, se, rse, ci_low, ci_high, gamma,
        synthetic, in_sample, mse_floored`` (``rse`` in percent, comparable with the reliability
        thresholds of ``config/settings.yml``; ``mse_floored`` marks a Li-Lahiri MSE raised to its
        lower bound g1 + g2), ``eblup_ratio`` / ``eblup_raking`` when benchmarking was asked,
        and ``eblup_transformed, mse_transformed, direct_transformed, var_transformed`` under the
        arcsine transformation.
    sigma2_u
        Variance of the area random effects (on the model scale).
    beta, beta_se
        Regression coefficients (indexed by covariate name, ``"intercept"`` first) and their
        standard errors ``sqrt(diag((X'V^-1 X)^-1))``.
    method, mse_method, transform
        What was fitted.
    converged, n_iter
        Whether the variance-component iteration converged, and after how many steps.
    loglik
        The maximised objective: the restricted log-likelihood (REML), the log-likelihood (ML), or
        the adjusted log-likelihood ``log A + l(A)`` (Li-Lahiri). Constants as in R's ``nlme``:
        REML uses ``(m - p) log(2 pi)``.
    n_areas, n_in_sample
        Areas in the table and areas with a direct estimate.
    """

    table: pd.DataFrame
    sigma2_u: float
    beta: pd.Series
    beta_se: pd.Series
    method: str
    mse_method: str
    converged: bool
    n_iter: int
    loglik: float
    transform: str | None = None
    n_areas: int = 0
    n_in_sample: int = 0
    covariates: list[str] = field(default_factory=list)
    # arrays kept for diagnostics (in-sample areas, model scale)
    _y: np.ndarray = field(default=None, repr=False)
    _X: np.ndarray = field(default=None, repr=False)
    _D: np.ndarray = field(default=None, repr=False)

    def __repr__(self) -> str:  # short, without the table
        return (
            f"FayHerriotResult(method={self.method!r}, sigma2_u={self.sigma2_u:.6g}, "
            f"areas={self.n_areas} ({self.n_in_sample} in sample), converged={self.converged})"
        )


@dataclass
class FHDiagnostics:
    """Diagnostics of a Fay-Herriot fit (see :func:`fh_diagnostics`)."""

    table: pd.DataFrame
    shapiro_residuals_p: float
    shapiro_random_effects_p: float
    summary: dict[str, Any]


# --------------------------------------------------------------------------------------------
# Core computations on in-sample arrays (diagonal V: everything is vectors)
# --------------------------------------------------------------------------------------------


def _gls(y: np.ndarray, X: np.ndarray, v: np.ndarray):
    """GLS pieces for V = diag(v): (beta, Q = (X'V^-1X)^-1, residuals, w = 1/v)."""
    w = 1.0 / v
    xtwx = X.T @ (X * w[:, None])
    Q = np.linalg.inv(xtwx)
    beta = Q @ (X.T @ (w * y))
    return beta, Q, y - X @ beta, w, xtwx


def _objective(A: float, y, X, D, method: str) -> float:
    """Log-likelihood of ``method`` at sigma2_u = A (the function that is maximised)."""
    if A < 0:
        return -np.inf
    if A == 0 and method.startswith("li-lahiri"):
        return -np.inf
    v = A + D
    beta, Q, r, w, xtwx = _gls(y, X, v)
    m, p = X.shape
    quad = np.sum(w * r * r)
    if method in ("ml", "li-lahiri"):
        ll = -0.5 * (m * _LOG2PI + np.sum(np.log(v)) + quad)
    else:
        _, logdet = np.linalg.slogdet(xtwx)
        ll = -0.5 * ((m - p) * _LOG2PI + np.sum(np.log(v)) + logdet + quad)
    if method.startswith("li-lahiri"):
        ll += np.log(A)
    return float(ll)


def _score_info(A: float, y, X, D, method: str) -> tuple[float, float]:
    """Score and (expected) information for sigma2_u under ``method``."""
    v = A + D
    beta, Q, r, w, _ = _gls(y, X, v)
    wr = w * r  # = P y
    if method in ("ml", "li-lahiri"):
        score = -0.5 * np.sum(w) + 0.5 * np.sum(wr * wr)
        info = 0.5 * np.sum(w * w)
    else:
        # tr(P) and tr(P^2) with P = W - W X Q X' W
        xw2x = X.T @ (X * (w * w)[:, None])
        xw3x = X.T @ (X * (w**3)[:, None])
        tr_p = np.sum(w) - np.trace(Q @ xw2x)
        tr_p2 = np.sum(w * w) - 2.0 * np.trace(Q @ xw3x) + np.trace(Q @ xw2x @ Q @ xw2x)
        score = -0.5 * tr_p + 0.5 * np.sum(wr * wr)
        info = 0.5 * tr_p2
    if method.startswith("li-lahiri"):
        score += 1.0 / A
        info += 1.0 / (A * A)
    return float(score), float(info)


def _fit_sigma2(y, X, D, method: str, tol: float, max_iter: int, start: float | None = None):
    """Fisher scoring on sigma2_u >= 0 with step halving; returns (A, converged, n_iter)."""
    positive_only = method.startswith("li-lahiri")
    A = float(np.median(D)) if start is None else float(start)
    if positive_only and A <= 0:
        A = float(np.median(D))
    obj = _objective(A, y, X, D, method)
    for it in range(1, max_iter + 1):
        score, info = _score_info(A, y, X, D, method)
        if A == 0.0 and score <= 0.0 and not positive_only:
            return 0.0, True, it  # maximum on the boundary
        step = score / info
        new = A + step
        if new < 0:
            new = A / 2.0 if positive_only else 0.0
        new_obj = _objective(new, y, X, D, method)
        halvings = 0
        while new_obj < obj - 1e-12 * (1 + abs(obj)) and halvings < 60:
            new = A + (new - A) / 2.0
            new_obj = _objective(new, y, X, D, method)
            halvings += 1
        if abs(new - A) <= tol * (1.0 + A):
            return new, True, it
        A, obj = new, new_obj
    return A, False, max_iter


def _mse_components(A, X_in, D, Q, method: str):
    """Analytic MSE for in-sample areas and the bias term used out of sample."""
    v = A + D
    w = 1.0 / v
    B = D * w  # shrinkage factor D/(A+D)
    sum_w2 = np.sum(w * w)
    g1 = A * D * w
    g2 = B * B * np.einsum("ij,jk,ik->i", X_in, Q, X_in)
    var_a = 2.0 / sum_w2  # asymptotic variance of A-hat (REML/ML information)
    g3 = B * B * var_a * w
    mse = g1 + g2 + 2.0 * g3
    bias = 0.0
    tr_qxw2x = np.trace(Q @ (X_in.T @ (X_in * (w * w)[:, None])))
    if method == "ml":
        bias = -tr_qxw2x / sum_w2  # Datta & Lahiri (2000) first-order bias of ML A-hat
        mse = mse - bias * B * B
    elif method == "li-lahiri":
        bias = (-tr_qxw2x + 2.0 / A) / sum_w2  # Li & Lahiri (2010), adjusted profile likelihood
        mse = mse - bias * B * B
    elif method == "li-lahiri-reml":
        bias = (2.0 / A) / sum_w2
        mse = mse - bias * B * B
    # The Li-Lahiri bias correction (positive bias of A-hat, ~ 2 / A) can push the estimate below
    # the MSE of the BLUP with A known, g1 + g2, which is a lower bound (Kackar and Harville
    # 1984); even below zero when A-hat is small. Floor it there.
    floored = mse < g1 + g2
    mse = np.where(floored, g1 + g2, mse)
    return mse, g1, g2, g3, bias, floored


def _fit_arrays(y, X, D, method, tol, max_iter, start=None):
    A, converged, n_iter = _fit_sigma2(y, X, D, method, tol, max_iter, start)
    beta, Q, r, w, _ = _gls(y, X, A + D)
    return A, converged, n_iter, beta, Q


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------


def _require_columns(data: pd.DataFrame, cols: Sequence[str]) -> None:
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise RakorInputError(
            f"fay_herriot: column(s) {missing} not found in the data; "
            f"available columns: {list(data.columns)}"
        )


def _numeric(data: pd.DataFrame, col: str) -> np.ndarray:
    values = pd.to_numeric(data[col], errors="coerce")
    bad = values.isna() & data[col].notna()
    if bad.any():
        example = data.loc[bad, col].iloc[0]
        raise RakorInputError(
            f"fay_herriot: column '{col}' must be numeric; got {example!r} in {int(bad.sum())} row(s)"
        )
    return values.to_numpy(dtype=float)


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


# --------------------------------------------------------------------------------------------
# Arcsine helpers
# --------------------------------------------------------------------------------------------


def _arcsin_bc_mean(mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """E[sin^2(T) 1{0 <= T <= pi/2}] for T ~ N(mu, var), in closed form.

    This is emdi's bias-corrected back-transformation (it integrates sin^2(x) times the normal
    density over [0, pi/2]). With sin^2 x = (1 - cos 2x)/2 and
    int_a^b cos(2x) phi(x) dx = Re[exp(2i mu - 2 var) (Phi(zb - 2i s) - Phi(za - 2i s))].
    """
    mu = np.asarray(mu, dtype=float)
    s = np.sqrt(np.asarray(var, dtype=float))
    out = np.sin(np.clip(mu, 0.0, np.pi / 2)) ** 2  # var = 0: naive value
    pos = s > 0
    if np.any(pos):
        m, sd = mu[pos], s[pos]
        za, zb = (0.0 - m) / sd, (np.pi / 2 - m) / sd

        def cphi(z):
            return 0.5 * special.erfc(-z / np.sqrt(2.0))

        mass = stats.norm.cdf(zb) - stats.norm.cdf(za)
        shift = 2j * sd
        cos_part = np.real(np.exp(2j * m - 2.0 * sd * sd) * (cphi(zb - shift) - cphi(za - shift)))
        out = out.copy()
        out[pos] = 0.5 * mass - 0.5 * cos_part
    return out


# --------------------------------------------------------------------------------------------
# Main entry point
# --------------------------------------------------------------------------------------------


def fay_herriot(
    data: pd.DataFrame,
    y: str,
    var: str | None,
    covariates: Sequence[str],
    area: str,
    method: str = "reml",
    mse: str = "prasad-rao",
    transform: str | None = None,
    benchmark: str | Sequence[str] | None = None,
    *,
    n_eff: str | None = None,
    backtransform: str = "bc",
    benchmark_target: float | Mapping[Any, float] | None = None,
    benchmark_weights: str | None = None,
    benchmark_by: str | None = None,
    intercept: bool = True,
    n_boot: int = 200,
    seed: int | None = None,
    alpha: float = 0.05,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> FayHerriotResult:
    """Fay-Herriot area-level EBLUP with MSE, for every area of ``data``.

    Parameters
    ----------
    data
        One row per area: the direct estimate ``y`` (missing for areas without sample), its
        sampling variance ``var`` and the covariates (known for every area).
    y, var
        Columns of the direct estimate and of its design variance. ``var`` must be positive for
        every area with a direct estimate (use :func:`smooth_variance` when some are zero); it may
        be ``None`` under ``transform="arcsin"``, where the variance is ``1/(4 n_eff)``.
    covariates
        Covariate columns (no missing values allowed).
    area
        Column identifying the area (unique).
    method
        ``"reml"`` (default), ``"ml"``, ``"li-lahiri"`` (adjusted profile likelihood
        ``A * L_P(A)``, Li and Lahiri 2010; alias ``"ampl"``) or ``"li-lahiri-reml"`` (adjusted
        residual likelihood ``A * L_R(A)``; alias ``"amrl"``). The adjusted likelihoods never give
        ``sigma2_u = 0``.
    mse
        ``"prasad-rao"`` (analytic second-order: REML g1 + g2 + 2 g3; ML and Li-Lahiri with the
        bias term of the variance estimator), ``"bootstrap"`` (parametric bootstrap) or ``"none"``.
    transform
        ``None`` or ``"arcsin"``: model ``asin(sqrt(p))`` with variance ``1/(4 n_eff)`` (as emdi's
        ``transformation="arcsin"``), then back-transform.
    benchmark
        ``None``, ``"ratio"``, ``"raking"`` or both (a list): adds ``eblup_ratio`` /
        ``eblup_raking`` beside ``eblup``. See :func:`benchmark` for the other ``benchmark_*``.
    n_eff
        Column of effective sample sizes (required with ``transform="arcsin"``).
    backtransform
        Under ``arcsin``: ``"bc"`` (bias-corrected, emdi's integral over [0, pi/2]) or ``"naive"``
        (``sin^2``).
    benchmark_target, benchmark_weights, benchmark_by
        Known aggregate (a number, or a mapping group -> number with ``benchmark_by``), the column
        of population weights (equal weights when ``None``) and the grouping column.
    intercept
        Add an intercept column.
    n_boot, seed
        Bootstrap replicates and random seed (``mse="bootstrap"``).
    alpha
        1 - confidence level of ``ci_low, ci_high`` (normal approximation; under ``arcsin`` built
        on the transformed scale and back-transformed with ``sin^2``).
    tol, max_iter
        Convergence of the Fisher scoring on ``sigma2_u``: stop when the step is below
        ``tol * (1 + sigma2_u)``.

    Returns
    -------
    FayHerriotResult

    Notes
    -----
    Model: ``y_i = x_i' beta + u_i + e_i`` with ``u_i ~ N(0, A)`` and ``e_i ~ N(0, D_i)``,
    ``D_i`` the (known) sampling variance. For fixed ``A`` the GLS estimate of ``beta`` and the
    BLUP ``gamma_i y_i + (1 - gamma_i) x_i' beta`` with ``gamma_i = A / (A + D_i)`` follow; ``A``
    is estimated by Fisher scoring on the chosen likelihood (restricted to ``A >= 0``, with step
    halving). Areas with no direct estimate get the synthetic ``x_i' beta`` and MSE
    ``A + x_i' Q x_i``, ``Q = (X' V^-1 X)^-1``; under ML ``A - b_ML + x_i' Q x_i`` (the limit of the
    in-sample formula as D -> infinity; emdi adds ``b_ML`` instead, which can turn negative).

    Analytic MSE (Prasad and Rao 1990; Datta and Lahiri 2000) with ``B_i = D_i / (A + D_i)``:
    ``g1 = gamma_i D_i``, ``g2 = B_i^2 x_i' Q x_i``, ``g3 = B_i^2 (2 / sum_j (A + D_j)^-2) / (A +
    D_i)``; REML ``g1 + g2 + 2 g3``; ML subtracts ``b_ML B_i^2`` with ``b_ML = -tr(Q X'V^-2 X) /
    sum_j (A + D_j)^-2`` (as R ``sae::mseFH``); Li-Lahiri subtracts ``B_i^2 (2/A - tr(Q X'V^-2
    X)) / sum_j (A + D_j)^-2`` (as R ``emdi``), floored at g1 + g2, the MSE with A known (Kackar
    and Harville 1984), because with a small A-hat the correction can make it negative. The bootstrap draws ``u* ~ N(0, A)``, ``e* ~ N(0,
    D)``, refits with the same method and averages ``(theta-hat* - theta*)^2`` (Gonzalez-Manteiga
    et al. 2008); under ``arcsin`` it works on the proportion scale (truncated at [0, pi/2]).
    Under ``arcsin`` the analytic MSE is carried to the proportion scale by the delta method,
    ``sin^2(2 theta) mse_theta``.

    References
    ----------
    Fay, R. E. and Herriot, R. A. (1979). Estimates of income for small places. JASA 74, 269-277.
    Prasad, N. G. N. and Rao, J. N. K. (1990). The estimation of the mean squared error of
    small-area estimators. JASA 85, 163-171.
    Datta, G. S. and Lahiri, P. (2000). A unified measure of uncertainty of estimated best linear
    unbiased predictors in small area estimation problems. Statistica Sinica 10, 613-627.
    Li, H. and Lahiri, P. (2010). An adjusted maximum likelihood method for solving small area
    estimation problems. J. Multivariate Analysis 101, 882-892.
    Gonzalez-Manteiga, W. et al. (2008). Bootstrap mean squared error of a small-area EBLUP.
    J. Statistical Computation and Simulation 78, 443-462.
    Rao, J. N. K. and Molina, I. (2015). Small Area Estimation, 2nd ed., Wiley, ch. 6.
    Kreutzmann, A.-K. et al. (2019). The R package emdi for estimating and mapping regionally
    disaggregated indicators. J. Statistical Software 91(7).
    """
    # Load inputs.
    if not isinstance(data, pd.DataFrame):
        raise RakorInputError("fay_herriot: `data` must be a pandas DataFrame, one row per area")
    canonical = METHODS.get(str(method).lower())
    if canonical is None:
        raise RakorInputError(
            f"fay_herriot: method must be one of {sorted(set(METHODS))}; got {method!r}"
        )
    if mse not in _MSE_METHODS:
        raise RakorInputError(f"fay_herriot: mse must be one of {_MSE_METHODS}; got {mse!r}")
    if transform not in (None, "arcsin"):
        raise RakorInputError(f"fay_herriot: transform must be None or 'arcsin'; got {transform!r}")
    if backtransform not in ("bc", "naive"):
        raise RakorInputError(
            f"fay_herriot: backtransform must be 'bc' or 'naive'; got {backtransform!r}"
        )
    bench_methods = _as_list(benchmark)
    for bm in bench_methods:
        if bm not in _BENCH_METHODS:
            raise RakorInputError(
                f"fay_herriot: benchmark must be among {_BENCH_METHODS}; got {bm!r}"
            )
    covariates = _as_list(covariates)
    cols = [area, y, *covariates]
    if transform == "arcsin":
        if n_eff is None:
            raise RakorInputError(
                "fay_herriot: transform='arcsin' needs n_eff= (column of effective sample sizes; "
                "see analysis.estimation.small_area.effective_sample_size)"
            )
        cols.append(n_eff)
    elif var is None:
        raise RakorInputError("fay_herriot: var= (column of sampling variances) is required")
    if var is not None:
        cols.append(var)
    for extra in (benchmark_weights, benchmark_by):
        if extra is not None and bench_methods:
            cols.append(extra)
    _require_columns(data, cols)

    dup = data[area].duplicated(keep=False)
    if dup.any():
        raise RakorInputError(
            f"fay_herriot: column '{area}' must identify one row per area; "
            f"{data.loc[dup, area].iloc[0]!r} and others repeat ({int(dup.sum())} rows)"
        )
    n_all = len(data)
    yv = _numeric(data, y)
    X_cov = (
        np.column_stack([_numeric(data, c) for c in covariates])
        if covariates
        else np.empty((n_all, 0))
    )
    if covariates:
        bad = np.isnan(X_cov).any(axis=1) | ~np.isfinite(X_cov).all(axis=1)
        if bad.any():
            j = int(
                np.where(np.isnan(X_cov[bad]).any(axis=0) | ~np.isfinite(X_cov[bad]).all(axis=0))[
                    0
                ][0]
            )
            raise RakorInputError(
                f"fay_herriot: covariate '{covariates[j]}' is missing or not finite in "
                f"{int(bad.sum())} row(s) (e.g. area {data.loc[bad, area].iloc[0]!r}); "
                "covariates must be known for every area"
            )
    X_all = np.column_stack([np.ones(n_all), X_cov]) if intercept else X_cov
    names = (["intercept"] if intercept else []) + covariates
    if X_all.shape[1] == 0:
        raise RakorInputError("fay_herriot: no covariates and no intercept: nothing to fit")
    in_sample = ~np.isnan(yv)
    m, p = int(in_sample.sum()), X_all.shape[1]
    if m < p + 2:
        raise RakorInputError(
            f"fay_herriot: {m} area(s) with a direct estimate in '{y}' for {p} coefficient(s); "
            "need at least p + 2"
        )

    direct_var = _numeric(data, var) if var is not None else np.full(n_all, np.nan)
    if transform == "arcsin":
        neff = _numeric(data, n_eff)
        bad = in_sample & ~(neff > 0)
        if bad.any():
            raise RakorInputError(
                f"fay_herriot: effective sample size '{n_eff}' must be > 0 where '{y}' is given; "
                f"got {neff[bad][0]!r} in {int(bad.sum())} row(s) (e.g. area {data.loc[bad, area].iloc[0]!r})"
            )
        bad = in_sample & ((yv < 0) | (yv > 1))
        if bad.any():
            raise RakorInputError(
                f"fay_herriot: transform='arcsin' needs proportions in [0, 1] in '{y}'; "
                f"got {yv[bad][0]!r} in {int(bad.sum())} row(s)"
            )
        y_model = np.arcsin(np.sqrt(np.clip(yv, 0, 1)))
        D_all = 1.0 / (4.0 * neff)
    else:
        bad = in_sample & ~(direct_var > 0)
        if bad.any():
            raise RakorInputError(
                f"fay_herriot: sampling variance '{var}' must be > 0 where '{y}' is given; got "
                f"{direct_var[bad][0]!r} in {int(bad.sum())} row(s) (e.g. area "
                f"{data.loc[bad, area].iloc[0]!r}). A zero variance (direct proportion 0 or 1) "
                "needs smoothing: analysis.estimation.small_area.smooth_variance"
            )
        y_model = yv
        D_all = direct_var

    # Process data.
    y_in, X_in, D_in = y_model[in_sample], X_all[in_sample], D_all[in_sample]
    if np.linalg.matrix_rank(X_in) < p:
        raise RakorInputError(
            f"fay_herriot: the covariates {covariates} are collinear over the {m} sampled areas"
        )
    A, converged, n_iter, beta, Q = _fit_arrays(y_in, X_in, D_in, canonical, tol, max_iter)
    loglik = _objective(A, y_in, X_in, D_in, canonical)

    synth = X_all @ beta
    gamma_in = A / (A + D_in)
    theta = synth.copy()
    theta[in_sample] = gamma_in * y_in + (1 - gamma_in) * synth[in_sample]
    gamma = np.zeros(n_all)
    gamma[in_sample] = gamma_in

    mse_theta = np.full(n_all, np.nan)
    mse_floored = np.zeros(n_all, dtype=bool)
    if mse != "none":
        mse_in, _, _, _, bias, floored_in = _mse_components(A, X_in, D_in, Q, canonical)
        mse_floored[in_sample] = floored_in
        h_all = np.einsum("ij,jk,ik->i", X_all, Q, X_all)
        mse_theta[in_sample] = mse_in
        # Out of sample the EBLUP is x' beta-hat; its MSE is A + x'Qx, with A-hat corrected for
        # its ML bias (A-hat - b), the limit of the in-sample formula as D -> infinity.
        out_bias = bias if canonical == "ml" else 0.0
        mse_theta[~in_sample] = A - out_bias + h_all[~in_sample]

    z = stats.norm.ppf(1 - alpha / 2)
    table = pd.DataFrame({area: data[area].to_numpy()})
    table = table.rename(columns={area: "area"})
    table["direct"] = yv
    table["direct_var"] = direct_var
    if transform == "arcsin":
        if backtransform == "bc":
            est = _arcsin_bc_mean(theta, np.where(in_sample, A * (1 - gamma), 0.0))
        else:
            est = np.sin(np.clip(theta, 0, np.pi / 2)) ** 2
        synth_out = np.sin(np.clip(synth, 0, np.pi / 2)) ** 2
        mse_out = np.sin(2 * np.clip(theta, 0, np.pi / 2)) ** 2 * mse_theta
        se_t = np.sqrt(mse_theta)
        ci_low = np.sin(np.clip(theta - z * se_t, 0, np.pi / 2)) ** 2
        ci_high = np.sin(np.clip(theta + z * se_t, 0, np.pi / 2)) ** 2
    else:
        est, synth_out, mse_out = theta, synth, mse_theta
        ci_low = theta - z * np.sqrt(mse_theta)
        ci_high = theta + z * np.sqrt(mse_theta)

    if mse == "bootstrap":
        mse_out = _bootstrap_mse(
            X_all,
            in_sample,
            D_all,
            A,
            beta,
            canonical,
            n_boot,
            seed,
            tol,
            max_iter,
            transform,
            backtransform,
        )
        if transform is None:
            ci_low = theta - z * np.sqrt(mse_out)
            ci_high = theta + z * np.sqrt(mse_out)

    table["eblup"] = est
    table["mse"] = mse_out
    table["se"] = np.sqrt(mse_out)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["rse"] = np.where(est != 0, 100.0 * np.sqrt(mse_out) / np.abs(est), np.inf)
    table.loc[np.isnan(mse_out), "rse"] = np.nan
    table["ci_low"] = ci_low
    table["ci_high"] = ci_high
    table["gamma"] = gamma
    table["synthetic"] = synth_out
    table["in_sample"] = in_sample
    table["mse_floored"] = mse_floored
    if transform == "arcsin":
        table["direct_transformed"] = np.where(in_sample, y_model, np.nan)
        table["var_transformed"] = D_all
        table["eblup_transformed"] = theta
        table["mse_transformed"] = mse_theta

    if bench_methods:
        wts = _numeric(data, benchmark_weights) if benchmark_weights is not None else np.ones(n_all)
        groups = data[benchmark_by].to_numpy() if benchmark_by is not None else None
        for bm in bench_methods:
            table[f"eblup_{bm}"] = _benchmark_arrays(
                est, wts, benchmark_target, bm, groups, direct=yv
            )

    # Save outputs.
    return FayHerriotResult(
        table=table,
        sigma2_u=float(A),
        beta=pd.Series(beta, index=names, name="beta"),
        beta_se=pd.Series(np.sqrt(np.diag(Q)), index=names, name="beta_se"),
        method=canonical,
        mse_method=mse,
        converged=bool(converged),
        n_iter=int(n_iter),
        loglik=float(loglik),
        transform=transform,
        n_areas=n_all,
        n_in_sample=m,
        covariates=covariates,
        _y=y_in,
        _X=X_in,
        _D=D_in,
    )


def _bootstrap_mse(
    X_all, in_sample, D_all, A, beta, method, n_boot, seed, tol, max_iter, transform, backtransform
) -> np.ndarray:
    """Parametric bootstrap MSE (Gonzalez-Manteiga et al. 2008) for every area."""
    if n_boot < 1:
        raise RakorInputError(f"fay_herriot: n_boot must be >= 1; got {n_boot}")
    rng = np.random.default_rng(seed)
    n_all = X_all.shape[0]
    X_in, D_in = X_all[in_sample], D_all[in_sample]
    xb = X_all @ beta
    sq = np.zeros(n_all)
    for _ in range(n_boot):  # replicates, not data rows: each is a full refit
        u = rng.normal(0.0, np.sqrt(A), n_all)
        e = rng.normal(0.0, np.sqrt(D_in))
        theta_true = xb + u
        y_star = theta_true[in_sample] + e
        A_b, _, _, beta_b, _ = _fit_arrays(
            y_star, X_in, D_in, method, tol, max_iter, start=max(A, 1e-8)
        )
        synth_b = X_all @ beta_b
        g = A_b / (A_b + D_in)
        est = synth_b.copy()
        est[in_sample] = g * y_star + (1 - g) * synth_b[in_sample]
        if transform == "arcsin":
            true_p = np.sin(np.clip(theta_true, 0, np.pi / 2)) ** 2
            if backtransform == "bc":
                var_b = np.zeros(n_all)
                var_b[in_sample] = A_b * (1 - g)
                est_p = _arcsin_bc_mean(est, var_b)
            else:
                est_p = np.sin(np.clip(est, 0, np.pi / 2)) ** 2
            sq += (est_p - true_p) ** 2
        else:
            sq += (est - theta_true) ** 2
    return sq / n_boot


# --------------------------------------------------------------------------------------------
# Benchmarking
# --------------------------------------------------------------------------------------------


def _benchmark_arrays(est, weights, target, method, groups=None, direct=None) -> np.ndarray:
    est = np.asarray(est, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if np.any(~np.isfinite(weights)) or np.any(weights < 0):
        raise RakorInputError(
            "benchmark: weights must be finite and >= 0; "
            f"got {weights[~np.isfinite(weights) | (weights < 0)][0]!r} "
            f"in {int(np.sum(~np.isfinite(weights) | (weights < 0)))} row(s)"
        )
    if groups is None:
        groups = np.zeros(len(est), dtype=int)
        targets = {0: target}
    else:
        if not isinstance(target, Mapping):
            raise RakorInputError(
                "benchmark: with benchmark_by, benchmark_target must map each group to its value"
            )
        targets = dict(target)
    out = np.full(len(est), np.nan)
    for g in pd.unique(groups):
        sel = groups == g
        if g not in targets or targets[g] is None or not np.isfinite(targets[g]):
            raise RakorInputError(f"benchmark: no target value for group {g!r}")
        w = weights[sel]
        if w.sum() <= 0:
            raise RakorInputError(f"benchmark: weights of group {g!r} sum to zero")
        share = w / w.sum()
        agg = float(np.sum(share * est[sel]))
        t = float(targets[g])
        if method == "ratio":
            if agg == 0:
                raise RakorInputError(
                    f"benchmark: ratio benchmarking of group {g!r} divides by zero"
                )
            out[sel] = est[sel] * t / agg
        else:
            out[sel] = est[sel] + (t - agg)
    return out


def benchmark(
    estimates: pd.Series | np.ndarray,
    weights: pd.Series | np.ndarray | None,
    target: float | Mapping[Any, float],
    method: str = "ratio",
    by: pd.Series | np.ndarray | None = None,
) -> np.ndarray:
    """Benchmark area estimates so that their population-weighted mean equals a known value.

    Parameters
    ----------
    estimates
        Area estimates (for example ``result.table["eblup"]``).
    weights
        Population of each area (shares are taken within each group); equal weights if ``None``.
    target
        The known aggregate: the city (or kecamatan) direct estimate of the same indicator, as a
        rate. With ``by``, a mapping from group to target.
    method
        ``"ratio"``: ``theta_i * T / sum_j w_j theta_j``; ``"raking"`` (difference benchmarking):
        ``theta_i + (T - sum_j w_j theta_j)``.
    by
        Group of each area (e.g. kecamatan code) when benchmarking to several aggregates.

    Returns
    -------
    numpy.ndarray
        Benchmarked estimates, in the order of ``estimates``.

    Notes
    -----
    Both methods make ``sum_i w_i theta_i^b = T`` within each group exactly. Ratio benchmarking
    keeps the estimates' proportions to each other (and zero stays zero); raking shifts all areas
    of a group by the same amount (which can leave [0, 1] for rare outcomes). The MSE is not
    adjusted: the table reports the unbenchmarked MSE beside the benchmarked estimate.

    References
    ----------
    Rao, J. N. K. and Molina, I. (2015). Small Area Estimation, 2nd ed., Wiley, sec. 6.3.
    Datta, G. S., Ghosh, M., Steorts, R. and Maples, J. (2011). Bayesian benchmarking with
    applications to small area estimation. TEST 20, 574-588.
    """
    if method not in _BENCH_METHODS:
        raise RakorInputError(f"benchmark: method must be one of {_BENCH_METHODS}; got {method!r}")
    est = np.asarray(estimates, dtype=float)
    w = np.ones(len(est)) if weights is None else np.asarray(weights, dtype=float)
    groups = None if by is None else np.asarray(by)
    return _benchmark_arrays(est, w, target, method, groups)


# --------------------------------------------------------------------------------------------
# Sampling variances that do not collapse at p = 0
# --------------------------------------------------------------------------------------------


def effective_sample_size(
    data: pd.DataFrame,
    p: str,
    var: str,
    n: str,
    deff: str = "pooled",
) -> pd.DataFrame:
    """Design effects and effective sample sizes per area, defined also where p is 0 or 1.

    Parameters
    ----------
    data
        One row per area.
    p, var, n
        Columns of the direct proportion (0-1), its design variance and the number of sampled
        units (households) in the area.
    deff
        ``"pooled"``: one design effect for all areas, ``sum_i v_i n_i / sum_i p_i (1 - p_i)``
        over areas with 0 < p < 1 and v > 0 (the default, stable with few households);
        ``"area"``: each area's own design effect where it is defined, the pooled one elsewhere.

    Returns
    -------
    pandas.DataFrame
        ``deff`` and ``n_eff = n / deff`` (same index as ``data``).

    Notes
    -----
    The design effect of a proportion is its design variance over the SRS variance
    ``p (1 - p) / n``. Where p = 0 or 1 the ratio is undefined (0/0), so a pooled value is used:
    a kelurahan with no poor household in the sample still has an effective sample size, hence a
    positive variance on the arcsine scale ``1 / (4 n_eff)`` (emdi's ``eff_smpsize``).

    References
    ----------
    Kish, L. (1965). Survey Sampling. Wiley (design effect, effective sample size).
    Casas-Cordero, C., Encina, J. and Lahiri, P. (2016). Poverty mapping for the Chilean comunas.
    In Analysis of Poverty Data by Small Area Estimation, Wiley, 379-404.
    """
    _check_smooth_inputs(data, [p, var, n])
    pv, vv, nv = (
        pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float) for c in (p, var, n)
    )
    q = pv * (1 - pv)
    ok = (q > 0) & (vv > 0) & (nv > 0)
    if ok.sum() == 0:
        raise RakorInputError(
            f"effective_sample_size: no area has 0 < '{p}' < 1 with '{var}' > 0: "
            "the design effect cannot be estimated"
        )
    pooled = float(np.sum(vv[ok] * nv[ok]) / np.sum(q[ok]))
    if deff == "pooled":
        d = np.full(len(pv), pooled)
    elif deff == "area":
        d = np.where(ok, vv * nv / np.where(q > 0, q, 1.0), pooled)
    else:
        raise RakorInputError(
            f"effective_sample_size: deff must be 'pooled' or 'area'; got {deff!r}"
        )
    return pd.DataFrame({"deff": d, "n_eff": nv / d}, index=data.index)


def _check_smooth_inputs(data: pd.DataFrame, cols: list[str]) -> None:
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise RakorInputError(
            f"smooth_variance: column(s) {missing} not found; available: {list(data.columns)}"
        )
    for c in cols:
        vals = pd.to_numeric(data[c], errors="coerce")
        bad = vals.isna() & data[c].notna()
        if bad.any():
            raise RakorInputError(
                f"smooth_variance: column '{c}' must be numeric; got {data.loc[bad, c].iloc[0]!r} "
                f"in {int(bad.sum())} row(s)"
            )


def smooth_variance(
    data: pd.DataFrame,
    p: str,
    var: str,
    n: str,
    method: str = "gvf",
    *,
    p_smooth: str | None = None,
    slope: float | None = None,
    deff: str = "pooled",
) -> pd.DataFrame:
    """Smoothed sampling variances of area proportions, positive also where p = 0 or 1.

    Parameters
    ----------
    data
        One row per area (areas without sample may be present; they get NaN where ``n`` is missing).
    p, var, n
        Columns of the direct proportion (0-1), its design variance, and the sample size (households).
    method
        ``"gvf"``: generalised variance function ``log v_i = a + b log(q_i / n_i)``, fitted by
        least squares over areas with 0 < p < 1 and v > 0, with ``q_i = p~_i (1 - p~_i)``;
        ``"arcsin"``: variance on the arcsine scale ``1 / (4 n_eff)`` with ``n_eff`` from
        :func:`effective_sample_size` (use with ``fay_herriot(..., transform="arcsin",
        n_eff="n_eff")``).
    p_smooth
        Column of a smoothed proportion ``p~`` used in ``q`` (for example a synthetic prediction
        from register covariates). Default: the pooled proportion ``sum n_i p_i / sum n_i``, so no
        area's own zero makes its variance zero.
    slope
        Fix ``b`` (``slope=1`` gives a pooled design effect: ``v_i = deff q_i / n_i`` with the
        geometric-mean design effect). ``None`` estimates it.
    deff
        ``"pooled"`` or ``"area"``, passed to :func:`effective_sample_size` (``arcsin`` only).

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``. ``gvf``: ``var_smoothed`` plus attributes ``attrs["gvf"] = {a, b,
        n_fit}``. ``arcsin``: ``deff, n_eff, var_smoothed`` (on the arcsine scale).

    Notes
    -----
    With a few dozen households per kelurahan, a kelurahan where no sampled household is poor
    has direct estimate 0 and design variance 0; Fay-Herriot would then take the zero as exact
    (gamma = 1). A GVF replaces each direct variance by a model prediction that depends on the
    sample size and a smoothed proportion only (Wolter 2007, ch. 7). The fit is by least squares on
    the log scale without a smearing correction (the GVF predicts the median variance).

    References
    ----------
    Wolter, K. M. (2007). Introduction to Variance Estimation, 2nd ed., Springer, ch. 7.
    Rao, J. N. K. and Molina, I. (2015). Small Area Estimation, 2nd ed., Wiley, sec. 6.4.
    """
    if method == "arcsin":
        out = effective_sample_size(data, p, var, n, deff=deff)
        out["var_smoothed"] = 1.0 / (4.0 * out["n_eff"])
        return out
    if method != "gvf":
        raise RakorInputError(f"smooth_variance: method must be 'gvf' or 'arcsin'; got {method!r}")
    cols = [p, var, n] + ([p_smooth] if p_smooth else [])
    _check_smooth_inputs(data, cols)
    pv, vv, nv = (
        pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float) for c in (p, var, n)
    )
    bad = (nv <= 0) & ~np.isnan(nv)
    if bad.any():
        raise RakorInputError(
            f"smooth_variance: sample size '{n}' must be > 0; got {nv[bad][0]!r} in {int(bad.sum())} row(s)"
        )
    if p_smooth is not None:
        ps = pd.to_numeric(data[p_smooth], errors="coerce").to_numpy(dtype=float)
    else:
        have = ~np.isnan(pv) & ~np.isnan(nv)
        ps = np.full(len(pv), np.sum(pv[have] * nv[have]) / np.sum(nv[have]))
    q = ps * (1 - ps)
    if np.any(q[~np.isnan(q)] <= 0):
        raise RakorInputError(
            "smooth_variance: the smoothed proportion must be strictly between 0 and 1 "
            f"(got {ps[q <= 0][0]!r}); with a pooled proportion of 0 no variance can be modelled"
        )
    xreg = np.log(q / nv)
    ok = (pv > 0) & (pv < 1) & (vv > 0) & np.isfinite(xreg)
    n_fit = int(ok.sum())
    need = 1 if slope is not None else 2
    if n_fit < need + 1:
        raise RakorInputError(
            f"smooth_variance: only {n_fit} area(s) with 0 < '{p}' < 1 and '{var}' > 0; "
            f"need at least {need + 1} to fit the GVF"
        )
    ly = np.log(vv[ok])
    if slope is None:
        b, a = np.polyfit(xreg[ok], ly, 1)
    else:
        b = float(slope)
        a = float(np.mean(ly - b * xreg[ok]))
    out = pd.DataFrame({"var_smoothed": np.exp(a + b * xreg)}, index=data.index)
    out.attrs["gvf"] = {"a": float(a), "b": float(b), "n_fit": n_fit}
    return out


# --------------------------------------------------------------------------------------------
# Diagnostics
# --------------------------------------------------------------------------------------------


def fh_diagnostics(result: FayHerriotResult) -> FHDiagnostics:
    """Diagnostics of a Fay-Herriot fit for the annex of the city brief.

    Parameters
    ----------
    result
        Output of :func:`fay_herriot`.

    Returns
    -------
    FHDiagnostics
        ``table`` with one row per area: ``area, in_sample, gamma, shrinkage`` (``1 - gamma``, the
        weight on the synthetic part), ``random_effect`` (``gamma (y - x' beta)``),
        ``std_residual`` (``(y - x' beta) / sqrt(sigma2_u + D)``, approximately N(0, 1) under the
        model), ``std_random_effect``, ``cv_direct`` and ``cv_eblup`` (percent);
        ``shapiro_residuals_p`` and ``shapiro_random_effects_p`` (Shapiro-Wilk); and ``summary``
        (sigma2_u, mean shrinkage, median CVs, the share of areas whose CV fell, the number of
        |std_residual| > 2, skewness and kurtosis of the residuals).

    Notes
    -----
    All quantities are on the model scale (the arcsine scale under ``transform="arcsin"``), except
    the CVs, which are on the reported scale. The Shapiro-Wilk statistic needs at least 3 areas,
    and is NaN when all random effects are zero (``sigma2_u = 0``).

    References
    ----------
    Shapiro, S. S. and Wilk, M. B. (1965). An analysis of variance test for normality. Biometrika
    52, 591-611.
    Kreutzmann, A.-K. et al. (2019). The R package emdi. J. Statistical Software 91(7), sec. 4.3.
    """
    t = result.table
    ins = t["in_sample"].to_numpy()
    y, X, D = result._y, result._X, result._D
    A = result.sigma2_u
    resid = y - X @ result.beta.to_numpy()
    std_res = resid / np.sqrt(A + D)
    g = A / (A + D)
    u = g * resid
    sd_u = np.std(u, ddof=1) if len(u) > 1 else np.nan
    std_u = (u - u.mean()) / sd_u if sd_u > 0 else np.full(len(u), np.nan)

    def _sw(x):
        x = x[np.isfinite(x)]
        if len(x) < 3 or np.ptp(x) == 0:
            return np.nan
        return float(stats.shapiro(x).pvalue)

    tab = pd.DataFrame({"area": t["area"], "in_sample": ins, "gamma": t["gamma"]})
    tab["shrinkage"] = np.where(ins, 1.0 - t["gamma"], 1.0)
    for name, vals in (
        ("random_effect", u),
        ("std_residual", std_res),
        ("std_random_effect", std_u),
    ):
        col = np.full(len(t), np.nan)
        col[ins] = vals
        tab[name] = col
    with np.errstate(divide="ignore", invalid="ignore"):
        tab["cv_direct"] = 100.0 * np.sqrt(t["direct_var"]) / t["direct"].abs()
        tab["cv_eblup"] = 100.0 * t["se"] / t["eblup"].abs()
    both = ins & np.isfinite(tab["cv_direct"]) & np.isfinite(tab["cv_eblup"])
    summary = {
        "sigma2_u": A,
        "n_in_sample": int(ins.sum()),
        "mean_shrinkage": float(np.mean(1 - g)),
        "median_cv_direct": float(np.nanmedian(tab.loc[both, "cv_direct"]))
        if both.any()
        else np.nan,
        "median_cv_eblup": float(np.nanmedian(tab.loc[ins, "cv_eblup"].replace(np.inf, np.nan)))
        if ins.any()
        else np.nan,
        "share_cv_reduced": float(np.mean(tab.loc[both, "cv_eblup"] < tab.loc[both, "cv_direct"]))
        if both.any()
        else np.nan,
        "n_abs_std_residual_gt_2": int(np.sum(np.abs(std_res) > 2)),
        "skewness_residuals": float(stats.skew(std_res)) if len(std_res) > 2 else np.nan,
        "kurtosis_residuals": float(stats.kurtosis(std_res, fisher=False))
        if len(std_res) > 3
        else np.nan,
    }
    return FHDiagnostics(
        table=tab,
        shapiro_residuals_p=_sw(std_res),
        shapiro_random_effects_p=_sw(u) if A > 0 else np.nan,
        summary=summary,
    )


def direct_vs_model(result: FayHerriotResult, alpha: float = 0.05) -> pd.DataFrame:
    """Data for a direct-vs-model plot: one row per area, sorted by decreasing direct variance.

    Returns ``area, in_sample, direct, direct_ci_low, direct_ci_high, eblup, eblup_ci_low,
    eblup_ci_high, synthetic, direct_var, mse, order`` (``order`` = 1 for the noisiest direct
    estimate; areas without sample last). The direct interval is the normal one,
    ``direct +/- z sqrt(direct_var)``; the EBLUP interval is ``ci_low, ci_high`` of the table.
    Plotting belongs to ``analysis.briefs.plots`` (scatter of direct against EBLUP with the 45-degree
    line, and both series against ``order``, as emdi's ``compare_plot``).
    """
    t = result.table
    z = stats.norm.ppf(1 - alpha / 2)
    out = pd.DataFrame(
        {
            "area": t["area"],
            "in_sample": t["in_sample"],
            "direct": t["direct"],
            "direct_ci_low": t["direct"] - z * np.sqrt(t["direct_var"]),
            "direct_ci_high": t["direct"] + z * np.sqrt(t["direct_var"]),
            "eblup": t["eblup"],
            "eblup_ci_low": t["ci_low"],
            "eblup_ci_high": t["ci_high"],
            "synthetic": t["synthetic"],
            "direct_var": t["direct_var"],
            "mse": t["mse"],
        }
    )
    out = out.sort_values(["in_sample", "direct_var"], ascending=[False, False], na_position="last")
    out["order"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


def estimates_rows(
    result: FayHerriotResult,
    indicator: str,
    *,
    column: str = "eblup",
    area_level: str = "kelurahan",
    source: str = "susenas",
    n: pd.Series | Mapping | None = None,
) -> pd.DataFrame:
    """Rows of the estimates table for one indicator from a Fay-Herriot result.

    Gives ``area_level, area_code, indicator, breakdown, n, estimate, se, ci_low, ci_high, df,
    deff, method, source, unit``; the caller adds ``period, data_period, area_name, n_weighted,
    reliability, suppressed``. ``method`` is ``"fay-herriot"`` (``"fay-herriot:ratio"`` /
    ``"fay-herriot:raking"`` when ``column`` is a benchmarked column). ``se`` is ``sqrt(mse)``
    (the unbenchmarked MSE also for benchmarked columns). ``n`` maps area code to sample size.
    """
    t = result.table
    if column not in t.columns:
        raise RakorInputError(f"estimates_rows: column {column!r} is not in the result table")
    method = "fay-herriot" if column == "eblup" else f"fay-herriot:{column.removeprefix('eblup_')}"
    out = pd.DataFrame(
        {
            "area_level": area_level,
            "area_code": t["area"].to_numpy(),
            "indicator": indicator,
            "breakdown": "total",
            "n": pd.Series(t["area"]).map(n).to_numpy() if n is not None else np.nan,
            "estimate": t[column].to_numpy(),
            "se": t["se"].to_numpy(),
            "ci_low": t["ci_low"].to_numpy(),
            "ci_high": t["ci_high"].to_numpy(),
            "df": np.nan,
            "deff": np.nan,
            "method": method,
            "source": source,
            "unit": "proportion",
        }
    )
    if column != "eblup":  # shift the interval with the estimate
        shift = out["estimate"] - t["eblup"].to_numpy()
        if column.endswith("ratio"):
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(t["eblup"] != 0, out["estimate"] / t["eblup"], 1.0)
            out["ci_low"] = t["ci_low"].to_numpy() * ratio
            out["ci_high"] = t["ci_high"].to_numpy() * ratio
            out["se"] = t["se"].to_numpy() * ratio
        else:
            out["ci_low"] = out["ci_low"] + shift
            out["ci_high"] = out["ci_high"] + shift
    return out

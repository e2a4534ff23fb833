"""Survey estimation: proportions, means and totals with confidence intervals, as R's ``survey``.

Taylor linearisation for stratified, clustered, weighted samples with an optional finite
population correction (DOMAIN.md §8). Domains (``by``) are estimated on the full design: units
outside the domain contribute zero, so PSUs without domain members still count in the
variance; rows whose outcome is missing are outside the domain but inside the design.

All domains are estimated in one vectorised pass (``np.bincount`` on dense integer codes), never a
Python loop per domain, so a thousand kelurahan-by-sex cells cost about as much as one.

Public API
----------
SurveyDesign            names the design columns (strata, cluster, weights, fpc, lonely_psu)
estimate_proportion     proportion of a 0/1 outcome per domain, with a CI (logit, Korn-Graubard, ...)
estimate_mean           mean per domain, t interval
estimate_total          weighted total per domain (e.g. persons below a poverty line)
proportion_ci           CI for plain counts (vectorised)
compare_periods         difference between two independent estimates, with CI and p-value
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis.errors import RakorInputError

CI_METHODS = ("logit", "korn-graubard", "wilson", "clopper-pearson", "jeffreys", "agresti-coull")
_CI_ALIASES = {
    "beta": "clopper-pearson",
    "exact": "clopper-pearson",
    "clopper_pearson": "clopper-pearson",
    "korn_graubard": "korn-graubard",
    "agresti_coull": "agresti-coull",
    "score": "wilson",
}
LONELY_PSU_OPTIONS = ("adjust", "certainty", "remove", "fail")
MEAN_CI_METHODS = ("wald", "t")
OUTPUT_COLUMNS = [
    "n", "n_weighted", "estimate", "se", "ci_low", "ci_high", "df", "deff", "ci_method", "rse",
    "reliability",
]

__all__ = [
    "CI_METHODS",
    "OUTPUT_COLUMNS",
    "SurveyDesign",
    "compare_periods",
    "estimate_mean",
    "estimate_proportion",
    "estimate_total",
    "proportion_ci",
]


# --------------------------------------------------------------------------------------------
# Design
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SurveyDesign:
    """Columns that describe a survey design (names, not data).

    Parameters
    ----------
    strata
        Stratum column, or None for an unstratified design.
    cluster
        Primary sampling unit (PSU) column, or None when every row is its own PSU. PSU codes are
        taken as nested in strata (R ``svydesign(..., nest=TRUE)``): PSU "1" of two strata are
        two PSUs.
    weights
        Sampling weight column (must be > 0), or None for weight 1.
    fpc
        Finite population correction per row, constant within a stratum: either the population
        number of PSUs in the stratum (all values ≥ 1) or the sampling fraction (all values ≤ 1),
        as R's ``fpc=``. None: sampling with replacement.
    lonely_psu
        What a stratum with a single PSU contributes to the variance, as R's
        ``options(survey.lonely.psu=)``: ``"adjust"`` (default; the PSU is centred on the grand
        mean, i.e. its linearised total enters uncentred), ``"certainty"`` and ``"remove"``
        (zero contribution; R computes both identically), ``"fail"`` (an input error).
    """

    strata: str | None = None
    cluster: str | None = None
    weights: str | None = None
    fpc: str | None = None
    lonely_psu: str = "adjust"

    def __post_init__(self) -> None:
        if self.lonely_psu not in LONELY_PSU_OPTIONS:
            raise RakorInputError(
                f"lonely_psu must be one of {', '.join(LONELY_PSU_OPTIONS)}; got {self.lonely_psu!r}"
            )
        for name in ("strata", "cluster", "weights", "fpc"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise RakorInputError(
                    f"SurveyDesign.{name} names a column and must be a string or None; got {value!r}"
                )

    def columns(self) -> list[str]:
        """The data columns this design uses."""
        return [c for c in (self.strata, self.cluster, self.weights, self.fpc) if c is not None]


@dataclass
class _Prepared:
    """A design resolved against one data frame: integer codes and per-stratum constants."""

    n_rows: int
    weights: np.ndarray            # float, > 0
    stratum_row: np.ndarray        # int stratum code per row
    psu_row: np.ndarray | None     # int PSU code per row (None: each row its own PSU)
    stratum_of_psu: np.ndarray | None
    n_strata: int
    n_psu: int
    nh: np.ndarray                 # PSUs per stratum (whole design)
    scale: np.ndarray              # f_h * n_h/(n_h-1) (f_h when n_h == 1; 0 if self-representing)
    centre: np.ndarray             # bool per stratum: centre PSU totals on the stratum mean
    df_design: int
    has_design: bool


_DENSE_LIMIT = 16_000_000


def _dense_codes(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k−1 of non-negative integer ``keys`` < ``size`` and the k distinct keys, ascending.

    Uses a presence table (O(n + size), no hashing) when ``size`` is moderate.
    """
    keys = np.asarray(keys, dtype=np.int64)
    if size <= _DENSE_LIMIT:
        present = np.bincount(keys, minlength=size) > 0
        uniq = np.flatnonzero(present)
        lookup = np.cumsum(present, dtype=np.int64) - 1
        return lookup[keys], uniq
    uniq, codes = np.unique(keys, return_inverse=True)
    return codes.astype(np.int64), uniq


def _factorize_sorted(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes (−1 for missing) and sorted levels of a column; fast path for integer columns."""
    if pd.api.types.is_integer_dtype(values.dtype) and not isinstance(
            values.dtype, pd.CategoricalDtype):
        arr = values.to_numpy(dtype=np.int64, na_value=np.iinfo(np.int64).min) if hasattr(
            values, "to_numpy") else np.asarray(values, dtype=np.int64)
        valid = arr != np.iinfo(np.int64).min
        if valid.any():
            lo = int(arr[valid].min())
            span = int(arr[valid].max()) - lo + 1
            if span <= _DENSE_LIMIT:
                codes = np.full(len(arr), -1, dtype=np.int64)
                c, uniq = _dense_codes(arr[valid] - lo, span)
                codes[valid] = c
                return codes, pd.Index(uniq + lo, dtype=values.dtype)
    codes, levels = pd.factorize(values, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64), pd.Index(levels)



def _missing_column(data: pd.DataFrame, col: str, role: str) -> RakorInputError:
    return RakorInputError(
        f"column `{col}` ({role}) is not in the data; the data has {data.shape[1]} columns: "
        f"{', '.join(map(str, list(data.columns)[:20]))}{' ...' if data.shape[1] > 20 else ''}"
    )


def _design_codes(data: pd.DataFrame, col: str, role: str) -> np.ndarray:
    values = data[col]
    codes, _ = _factorize_sorted(values)
    bad = codes < 0
    if bad.any():
        raise RakorInputError(
            f"design column `{col}` ({role}) has missing values in {int(bad.sum())} of "
            f"{len(values)} rows (first at row index {data.index[np.flatnonzero(bad)[0]]!r}); "
            "every row needs a value"
        )
    return codes.astype(np.int64)


def _numeric_design_column(data: pd.DataFrame, col: str, role: str) -> np.ndarray:
    raw = data[col]
    num = pd.to_numeric(raw, errors="coerce")
    arr = np.asarray(num, dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        first = raw[bad].iloc[0]
        raise RakorInputError(
            f"design column `{col}` ({role}) must be a finite number; got {first!r} in "
            f"{int(bad.sum())} of {len(arr)} rows"
        )
    return arr


def _prepare_design(data: pd.DataFrame, design: SurveyDesign | None) -> _Prepared:
    n = len(data)
    if design is None:
        return _Prepared(
            n_rows=n, weights=np.ones(n), stratum_row=np.zeros(n, dtype=np.int64), psu_row=None,
            stratum_of_psu=None, n_strata=1, n_psu=n, nh=np.array([n], dtype=float),
            scale=np.array([n / (n - 1) if n > 1 else 1.0]), centre=np.array([n > 1]),
            df_design=max(n - 1, 0), has_design=False,
        )
    if not isinstance(design, SurveyDesign):
        raise RakorInputError(f"design must be a SurveyDesign or None; got {type(design).__name__}")
    roles = {"strata": design.strata, "cluster": design.cluster, "weights": design.weights,
             "fpc": design.fpc}
    for role, col in roles.items():
        if col is not None and col not in data.columns:
            raise _missing_column(data, col, role)

    # Weights.
    if design.weights is not None:
        w = _numeric_design_column(data, design.weights, "weights")
        nonpos = w <= 0
        if nonpos.any():
            raise RakorInputError(
                f"weights column `{design.weights}` must be > 0; got {w[nonpos][0]!r} in "
                f"{int(nonpos.sum())} of {n} rows"
            )
    else:
        w = np.ones(n)

    # Strata.
    if design.strata is not None:
        s = _design_codes(data, design.strata, "strata")
        n_strata = int(s.max()) + 1 if n else 0
    else:
        s = np.zeros(n, dtype=np.int64)
        n_strata = 1 if n else 0

    # PSUs, nested in strata.
    if design.cluster is not None:
        c = _design_codes(data, design.cluster, "cluster")
        c_size = int(c.max()) + 1 if n else 1
        psu, _ = _dense_codes(s * c_size + c, n_strata * c_size) if n else (c, None)
        n_psu = int(psu.max()) + 1 if n else 0
        stratum_of_psu = np.empty(n_psu, dtype=np.int64)
        stratum_of_psu[psu] = s
        nh = np.bincount(stratum_of_psu, minlength=n_strata).astype(float)
    else:
        psu = None
        stratum_of_psu = None
        n_psu = n
        nh = np.bincount(s, minlength=n_strata).astype(float)

    # Finite population correction, per stratum.
    f = np.ones(n_strata)
    if design.fpc is not None:
        fpc = _numeric_design_column(data, design.fpc, "fpc")
        lo = np.full(n_strata, np.inf)
        hi = np.full(n_strata, -np.inf)
        np.minimum.at(lo, s, fpc)
        np.maximum.at(hi, s, fpc)
        varies = lo != hi
        if varies.any():
            raise RakorInputError(
                f"fpc column `{design.fpc}` must be constant within each stratum; it varies in "
                f"{int(varies.sum())} strata"
            )
        if (fpc <= 0).any():
            raise RakorInputError(f"fpc column `{design.fpc}` must be > 0; got {fpc[fpc <= 0][0]!r}")
        if (fpc > 1).any() and not (fpc >= 1).all():
            raise RakorInputError(
                f"fpc column `{design.fpc}` mixes population sizes (≥ 1) and sampling fractions "
                "(< 1); use one or the other"
            )
        popsize = lo if (fpc > 1).any() else nh / lo
        over = popsize < nh - 1e-9
        if over.any():
            raise RakorInputError(
                f"fpc column `{design.fpc}` implies more than 100% sampling in {int(over.sum())} "
                f"strata (population {popsize[over][0]:g} < {nh[over][0]:g} sampled PSUs)"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(np.isinf(popsize), 1.0, (popsize - nh) / popsize)

    lonely = nh == 1
    if lonely.any() and design.lonely_psu == "fail":
        raise RakorInputError(
            f"{int(lonely.sum())} strata have a single PSU and lonely_psu='fail'; choose "
            "'adjust', 'certainty' or 'remove', or collapse the strata"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(nh > 1, f * nh / (nh - 1), f)
    scale = np.where(f < 1e-7, 0.0, scale)   # self-representing stratum (R: all f < 1e-7)
    centre = ~(lonely & (design.lonely_psu == "adjust"))
    has_any = design.strata is not None or design.cluster is not None or design.weights is not None
    return _Prepared(
        n_rows=n, weights=w, stratum_row=s, psu_row=psu, stratum_of_psu=stratum_of_psu,
        n_strata=n_strata, n_psu=n_psu, nh=nh, scale=scale, centre=centre,
        df_design=max(n_psu - n_strata, 0), has_design=has_any or design.fpc is not None,
    )


# --------------------------------------------------------------------------------------------
# Domains
# --------------------------------------------------------------------------------------------

def _as_by_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def _domains(data: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Domain code per row (-1: outside every domain) and the key table (one row per domain)."""
    n = len(data)
    if not by:
        return np.zeros(n, dtype=np.int64), pd.DataFrame(index=range(1))
    codes_list, levels_list, is_cat = [], [], []
    for col in by:
        if col not in data.columns:
            raise _missing_column(data, col, "by")
        values = data[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = values.cat.codes.to_numpy().astype(np.int64)
            levels = values.cat.categories
            is_cat.append(True)
        else:
            codes, levels = _factorize_sorted(values)
            is_cat.append(False)
        codes_list.append(codes)
        levels_list.append(levels)
    sizes = [max(len(lv), 1) for lv in levels_list]
    combined = np.zeros(n, dtype=np.int64)
    valid = np.ones(n, dtype=bool)
    for codes, size in zip(codes_list, sizes, strict=True):
        combined = combined * size + np.where(codes >= 0, codes, 0)
        valid &= codes >= 0
    if all(is_cat):
        # Categorical by columns: every combination of categories is a domain (observed or not).
        n_dom = int(np.prod(sizes)) if all(len(lv) for lv in levels_list) else 0
        dom = np.where(valid, combined, -1)
        key_codes = np.unravel_index(np.arange(n_dom), sizes) if n_dom else [
            np.array([], dtype=np.int64) for _ in by]
    else:
        dom = np.full(n, -1, dtype=np.int64)
        dom[valid], uniq = _dense_codes(combined[valid], int(np.prod(sizes, dtype=float)))
        key_codes = np.unravel_index(uniq, sizes) if len(uniq) else [
            np.array([], dtype=np.int64) for _ in by]
    keys = {}
    for col, codes, levels, cat in zip(by, key_codes, levels_list, is_cat, strict=True):
        if cat:
            keys[col] = pd.Categorical.from_codes(codes, dtype=data[col].dtype)
        else:
            keys[col] = pd.Index(levels).take(codes)
    return dom, pd.DataFrame(keys)


# --------------------------------------------------------------------------------------------
# Outcome checks
# --------------------------------------------------------------------------------------------

def _outcome(data: pd.DataFrame, y: str, *, binary: bool) -> np.ndarray:
    if y not in data.columns:
        raise _missing_column(data, y, "outcome")
    s = data[y]
    try:
        if s.dtype == object:
            arr = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        else:
            arr = pd.to_numeric(s, errors="raise")
            arr = (arr.to_numpy(dtype=float, na_value=np.nan) if hasattr(arr, "to_numpy")
                   else np.asarray(arr, dtype=float))
    except (TypeError, ValueError):
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna() & s.notna()
        first = s[bad].iloc[0] if bad.any() else s.iloc[0]
        raise RakorInputError(
            f"outcome column `{y}` must be numeric"
            f"{' (0/1 or True/False)' if binary else ''}; got {first!r} in {int(bad.sum())} "
            f"of {len(s)} rows"
        ) from None
    if np.isinf(arr).any():
        raise RakorInputError(
            f"outcome column `{y}` has infinite values in {int(np.isinf(arr).sum())} rows"
        )
    if binary:
        bad = ~np.isnan(arr) & (arr != 0) & (arr != 1)
        if bad.any():
            raise RakorInputError(
                f"outcome column `{y}` must be 0/1 or True/False (missing allowed); got "
                f"{arr[bad][0]:g} in {int(bad.sum())} of {len(arr)} rows"
            )
    return arr


def _check_alpha(alpha: float) -> float:
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise RakorInputError(f"alpha must be between 0 and 1 (0.05 for a 95% CI); got {alpha!r}")
    return float(alpha)


def _check_dof(dof: Any) -> str | int:
    if isinstance(dof, str) and dof in ("design", "domain"):
        return dof
    if isinstance(dof, (int, np.integer)) and not isinstance(dof, bool) and dof >= 1:
        return int(dof)
    raise RakorInputError(f"dof must be 'design', 'domain' or a whole number ≥ 1; got {dof!r}")


def _check_ci_method(method: str) -> str:
    m = _CI_ALIASES.get(method, method) if isinstance(method, str) else method
    if m not in CI_METHODS:
        raise RakorInputError(
            f"ci_method must be one of {', '.join(CI_METHODS)}; got {method!r}"
        )
    return m


# --------------------------------------------------------------------------------------------
# Linearisation core: every domain in one pass
# --------------------------------------------------------------------------------------------

#: rows a group's sum adds one after another at most (within a block of the rows)
_BLOCK_ROWS = 1024
#: partial sums (groups × blocks) kept at most: 32 MB of float64
_MAX_PARTIALS = 1 << 22


class _GroupSum:
    """Grouped sums over one grouping of the rows (float even for empty input), accurate for
    large groups; the grouping is prepared once for the several sums of :func:`_domain_stats`.

    ``np.bincount`` adds a group's values one after another: its rounding error grows with the
    group's rows (2.2e-12 relative in the SE of a province's 213,182 children). The rows are cut
    into blocks holding about :data:`_BLOCK_ROWS` rows of the largest group; bincount adds a
    group's values within each block and numpy's pairwise sum adds the blocks (as many as
    :data:`_MAX_PARTIALS` allows), so the error stays near that of ``np.sum``. Groups of at most
    4 × :data:`_BLOCK_ROWS` rows are added by bincount alone.
    """

    def __init__(self, index: np.ndarray, size: int):
        self.index, self.size, self.blocks = index, size, 1
        n = len(index)
        largest = int(np.bincount(index, minlength=1).max()) if n and size > 1 else n
        blocks = min(-(-largest // _BLOCK_ROWS), max(1, _MAX_PARTIALS // max(size, 1)))
        if size > 1 and largest > 4 * _BLOCK_ROWS and blocks > 1:
            self.blocks = blocks
            self.index = np.asarray(index, dtype=np.int64) * blocks + np.arange(n, dtype=np.int64) // -(-n // blocks)

    def __call__(self, weights: np.ndarray) -> np.ndarray:
        if self.size == 1 and len(weights):  # one group: numpy's pairwise sum
            return np.array([np.sum(weights, dtype=float)])
        if self.blocks == 1:
            return np.bincount(self.index, weights, minlength=self.size).astype(float, copy=False)
        partial = np.bincount(self.index, weights, minlength=self.size * self.blocks)
        return partial.reshape(self.size, self.blocks).sum(axis=1)


def _bsum(index: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Grouped sums (:class:`_GroupSum`, for one sum)."""
    return _GroupSum(index, size)(weights)


@dataclass
class _DomainStats:
    n: np.ndarray           # rows in the domain with an outcome
    w_sum: np.ndarray       # sum of weights
    wy_sum: np.ndarray      # weighted total of y
    mean: np.ndarray
    var_mean: np.ndarray
    var_total: np.ndarray
    s2: np.ndarray          # weighted population variance estimate with n/(n-1) (R svyvar)
    n_psu: np.ndarray       # PSUs holding domain members
    n_strata: np.ndarray    # strata holding domain members


def _domain_stats(y: np.ndarray, dom: np.ndarray, n_dom: int, prep: _Prepared) -> _DomainStats:
    """Weighted sums and Taylor variances of the mean and the total for every domain.

    The linearised variable of the domain mean is z_i = w_i (y_i − ȳ_d) / W_d for members and
    0 otherwise; of the total z_i = w_i y_i. PSU totals of z are centred on their stratum mean
    over the n_h PSUs of the whole design (PSUs without members count as zeros), as R's
    ``onestrat`` does after subsetting.
    """
    D = n_dom
    m = (dom >= 0) & ~np.isnan(y)
    idx = np.flatnonzero(m)
    d = dom[idx]
    yy = y[idx]
    ww = prep.weights[idx]
    wy = ww * yy
    n = np.bincount(d, minlength=D)
    by_domain = _GroupSum(d, D)
    w_sum = by_domain(ww)
    wy_sum = by_domain(wy)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = wy_sum / w_sum
    r = yy - mean[d]
    wr = ww * r
    ssq = by_domain(wr * r)

    # Cells: (domain, PSU).
    if prep.psu_row is None:
        cell_d, cell_h = d, prep.stratum_row[idx]
        cell_wr, cell_wy = wr, wy
    else:
        key = d * np.int64(max(prep.n_psu, 1)) + prep.psu_row[idx]
        cell, uniq = _dense_codes(key, D * max(prep.n_psu, 1))
        cell_d = uniq // max(prep.n_psu, 1)
        cell_h = prep.stratum_of_psu[uniq % max(prep.n_psu, 1)]
        by_cell = _GroupSum(cell, len(uniq))
        cell_wr, cell_wy = by_cell(wr), by_cell(wy)
    n_psu_dom = np.bincount(cell_d, minlength=D)

    # Groups: (domain, stratum).
    H = max(prep.n_strata, 1)
    grp, g_uniq = _dense_codes(cell_d * np.int64(H) + cell_h, D * H)
    g_d = g_uniq // H
    g_h = g_uniq % H
    g_cells = np.bincount(grp, minlength=len(g_uniq))
    g_nh = prep.nh[g_h]
    g_scale = prep.scale[g_h]
    g_centre = prep.centre[g_h]
    n_strata_dom = np.bincount(g_d, minlength=D)

    by_group = _GroupSum(grp, len(g_uniq))

    def variance(z: np.ndarray) -> np.ndarray:
        total = by_group(z)
        zbar = np.where(g_centre, total / g_nh, 0.0)
        dev = z - zbar[grp]
        ss = by_group(dev * dev) + (g_nh - g_cells) * zbar**2
        return _bsum(g_d, g_scale * ss, D)

    with np.errstate(divide="ignore", invalid="ignore"):
        var_mean = variance(cell_wr / w_sum[cell_d])
        var_total = variance(cell_wy)
        s2 = np.where(n > 1, n / (n - 1.0) * ssq / w_sum, np.nan)
    empty = n == 0
    var_mean[empty] = np.nan
    var_total[empty] = np.nan
    return _DomainStats(n=n, w_sum=w_sum, wy_sum=wy_sum, mean=mean, var_mean=var_mean,
                        var_total=var_total, s2=s2, n_psu=n_psu_dom, n_strata=n_strata_dom)


def _srs_variance_of_mean(st: _DomainStats, deff_method: str) -> np.ndarray:
    """SRS variance of the mean as R ``svymean(deff=TRUE)`` (or ``deff="replace"``).

    Without replacement: s²·(N̂ − n)/(N̂·n) with N̂ the sum of weights; when the weights do not
    add up to more than n (unscaled weights, no design) that factor is meaningless and the
    with-replacement value s²/n is used.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        repl = st.s2 / st.n
        if deff_method == "replace":
            return repl
        wor = st.s2 * (st.w_sum - st.n) / (st.w_sum * st.n)
        return np.where(st.w_sum > st.n, wor, repl)


def _df_per_domain(st: _DomainStats, prep: _Prepared, dof: str | int) -> np.ndarray:
    D = len(st.n)
    if dof == "design":
        return np.full(D, float(prep.df_design))
    if dof == "domain":
        return (st.n_psu - st.n_strata).astype(float)
    return np.full(D, float(dof))


def _t_quantile(q: float, df: np.ndarray) -> np.ndarray:
    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    ok = df >= 1
    out[ok] = stats.t.ppf(q, df[ok])
    return out


# --------------------------------------------------------------------------------------------
# Intervals for proportions
# --------------------------------------------------------------------------------------------

def _beta_ppf(q: float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ok = (a > 0) & (b > 0)
    out = np.full(np.broadcast(a, b).shape, np.nan)
    out[ok] = special.betaincinv(a[ok], b[ok], q)
    return out


def _interval_from_effective_n(p: np.ndarray, n_star: np.ndarray, method: str,
                               alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Binomial-type intervals on effective counts x* = p·n*, n* (n* need not be whole)."""
    x = p * n_star
    # The beta bounds hold p; where the variance is next to nothing (n* of 1e30 and more) the
    # inverse beta rounds past p or gives up (NaN): the interval is then p itself (fmin/fmax).
    if method in ("korn-graubard", "clopper-pearson"):
        lo = np.fmin(np.where(p <= 0, 0.0, _beta_ppf(alpha / 2, x, n_star - x + 1)), p)
        hi = np.fmax(np.where(p >= 1, 1.0, _beta_ppf(1 - alpha / 2, x + 1, n_star - x)), p)
    elif method == "jeffreys":
        lo = np.fmin(np.where(p <= 0, 0.0, _beta_ppf(alpha / 2, x + 0.5, n_star - x + 0.5)), p)
        hi = np.fmax(np.where(p >= 1, 1.0, _beta_ppf(1 - alpha / 2, x + 0.5, n_star - x + 0.5)), p)
    elif method == "wilson":
        z = stats.norm.isf(alpha / 2)
        z2 = z * z
        denom = 1 + z2 / n_star
        centre = (p + z2 / (2 * n_star)) / denom
        half = z * np.sqrt(p * (1 - p) / n_star + z2 / (4 * n_star**2)) / denom
        lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    elif method == "agresti-coull":
        z = stats.norm.isf(alpha / 2)
        n_t = n_star + z * z
        p_t = (x + z * z / 2) / n_t
        half = z * np.sqrt(p_t * (1 - p_t) / n_t)
        lo, hi = np.clip(p_t - half, 0, 1), np.clip(p_t + half, 0, 1)
    else:  # pragma: no cover - guarded by _check_ci_method
        raise ValueError(method)
    return lo, hi


def _design_proportion_ci(p: np.ndarray, var: np.ndarray, n: np.ndarray, df: np.ndarray,
                          method: str, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p, dtype=float)
    var = np.asarray(var, dtype=float)
    n = np.asarray(n, dtype=float)
    df = np.asarray(df, dtype=float)
    se = np.sqrt(var)
    interior = (p > 0) & (p < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Effective sample size (Korn & Graubard 1998; R svyciprop method="beta").
        n_eff = np.where(interior & (var > 0), p * (1 - p) / var, n)
        t_n = _t_quantile(alpha / 2, n - 1)
        t_df = _t_quantile(alpha / 2, df)
        ratio = np.where(np.isfinite(t_n) & np.isfinite(t_df), (t_n / t_df) ** 2, 1.0)
        n_star = n_eff * ratio
        kg_lo, kg_hi = _interval_from_effective_n(p, n_star, "korn-graubard", alpha)
        if method == "logit":
            q = -_t_quantile(alpha / 2, df)
            eta = special.logit(np.where(interior, p, 0.5))
            half = q * se / (p * (1 - p))
            lo = np.where(interior, special.expit(eta - half), kg_lo)
            hi = np.where(interior, special.expit(eta + half), kg_hi)
        elif method == "korn-graubard":
            lo, hi = kg_lo, kg_hi
        else:
            lo, hi = _interval_from_effective_n(p, n_star, method, alpha)
    no_df = ~(df >= 1) & interior
    lo = np.where(no_df | (n == 0), np.nan, lo)
    hi = np.where(no_df | (n == 0), np.nan, hi)
    return lo, hi


def proportion_ci(count: Any, nobs: Any, method: str = "wilson",
                  alpha: float = 0.05) -> tuple[Any, Any]:
    """Confidence interval for a binomial proportion from plain counts.

    Parameters
    ----------
    count, nobs
        Number of successes and of trials; scalars or arrays (broadcast).
    method
        ``logit``, ``korn-graubard`` (= ``clopper-pearson`` for plain counts), ``wilson``,
        ``clopper-pearson`` (alias ``beta``), ``jeffreys``, ``agresti-coull``.
    alpha
        1 − confidence level.

    Returns
    -------
    (low, high)
        Floats for scalar input, arrays otherwise. ``nobs == 0`` gives NaN.

    Notes
    -----
    Clopper-Pearson, Wilson and Agresti-Coull equal statsmodels ``proportion_confint``
    (``beta``, ``wilson``, ``agresti_coull``). Jeffreys equals it except at the boundary, where
    the lower limit is 0 when count = 0 and the upper limit 1 when count = nobs (Brown, Cai &
    DasGupta 2001). ``logit`` is expit(logit(p̂) ± z/√(n p̂(1−p̂))); at p̂ = 0 or 1 the logit
    interval does not exist and the Clopper-Pearson limit is returned ([0, upper] or [lower, 1]).

    References
    ----------
    Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a binomial
    proportion. Statistical Science 16(2), 101-133.
    """
    method = _check_ci_method(method)
    alpha = _check_alpha(alpha)
    scalar = np.isscalar(count) and np.isscalar(nobs)
    c = np.asarray(count, dtype=float)
    nn = np.asarray(nobs, dtype=float)
    c, nn = np.broadcast_arrays(c, nn)
    if np.any(c < 0) or np.any(c > nn):
        raise RakorInputError("count must be between 0 and nobs")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = c / nn
        if method == "logit":
            interior = (p > 0) & (p < 1)
            z = stats.norm.isf(alpha / 2)
            eta = special.logit(np.where(interior, p, 0.5))
            half = z / np.sqrt(nn * p * (1 - p))
            cp_lo, cp_hi = _interval_from_effective_n(p, nn, "clopper-pearson", alpha)
            lo = np.where(interior, special.expit(eta - half), cp_lo)
            hi = np.where(interior, special.expit(eta + half), cp_hi)
        else:
            lo, hi = _interval_from_effective_n(p, nn, method, alpha)
    lo = np.where(nn > 0, lo, np.nan)
    hi = np.where(nn > 0, hi, np.nan)
    if scalar:
        return float(lo), float(hi)
    return lo, hi


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------

def reliability_label(rse: np.ndarray) -> np.ndarray:
    """"reliable" / "caution" / "unreliable" for relative standard errors given as fractions.

    Thresholds from ``config/settings.yml`` (``estimation.reliability``, in percent); a missing
    RSE is "unreliable".
    """
    from analysis import config

    thresholds = config.settings()["estimation"]["reliability"]
    rse = np.asarray(rse, dtype=float)
    return np.where(rse <= float(thresholds["reliable_max_rse"]) / 100, "reliable",
                    np.where(rse <= float(thresholds["caution_max_rse"]) / 100, "caution", "unreliable"))


def _reliability(estimate: np.ndarray, se: np.ndarray, n_psu: np.ndarray, df: np.ndarray,
                 n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        rse = np.where(np.abs(estimate) > 0, se / np.abs(estimate), np.nan)
    label = reliability_label(rse)
    label = np.where(np.isnan(rse) | (n_psu <= 1) | ~(df >= 1) | (n == 0), "unreliable", label)
    return rse, label.astype(object)


def _assemble(keys: pd.DataFrame, st: _DomainStats, estimate: np.ndarray, var: np.ndarray,
              lo: np.ndarray, hi: np.ndarray, df: np.ndarray, deff: np.ndarray,
              ci_method: str) -> pd.DataFrame:
    se = np.sqrt(var)
    rse, label = _reliability(estimate, se, st.n_psu, df, st.n)
    n_dom = len(st.n)
    columns: dict[str, Any] = {col: keys[col].reset_index(drop=True) for col in keys.columns}
    columns.update({
        "n": st.n.astype(np.int64),
        "n_weighted": st.w_sum,
        "estimate": estimate,
        "se": se,
        "ci_low": lo,
        "ci_high": hi,
        "df": df,
        "deff": deff,
        "ci_method": np.full(n_dom, ci_method, dtype=object),
        "rse": rse,
        "reliability": label,
    })
    out = pd.DataFrame(columns, index=pd.RangeIndex(n_dom))
    return out


def _run(data: pd.DataFrame, y: str, by, design, dof, *, binary: bool):
    if not isinstance(data, pd.DataFrame):
        raise RakorInputError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    dof = _check_dof(dof)
    by_cols = _as_by_list(by)
    yv = _outcome(data, y, binary=binary)
    prep = _prepare_design(data, design)
    dom, keys = _domains(data, by_cols)
    st = _domain_stats(yv, dom, len(keys), prep)
    df = _df_per_domain(st, prep, dof)
    return prep, keys, st, df


# --------------------------------------------------------------------------------------------
# Public estimators
# --------------------------------------------------------------------------------------------

_ESTIMATOR_NOTES = """
    Variance: Taylor linearisation with PSUs nested in strata, weights and fpc, the
    ultimate-cluster formula of R ``survey`` (``svyrecvar``):
    v = Σ_h f_h n_h/(n_h−1) Σ_i (z_hi − z̄_h)², z_hi the PSU totals of the linearised
    variable, n_h the PSUs of stratum h in the whole design, f_h = 1 − n_h/N_h with an fpc.
    A domain is estimated on the full design (z = 0 outside it), rows with a missing outcome
    are outside the domain but inside the design (they count as PSUs and in ``df``), rows
    with a missing ``by`` value are in no domain. Single-PSU strata follow ``lonely_psu``
    (R ``survey.lonely.psu``, with ``survey.adjust.domain.lonely=FALSE``).

    Degrees of freedom: ``"design"`` (default) PSUs − strata of the whole design, for every
    domain (WHO anthro passes ``df=degf(design)``; Stata, SUDAAN); ``"domain"`` PSUs − strata
    holding domain members (R ``svyby(..., svyciprop)``); or a number. Without a design
    every row is a PSU and df = rows − 1.

    Design effect: v / v_srs with v_srs = s²(N̂−n)/(N̂n) (R ``svymean(deff=TRUE)``, sampling
    without replacement; s² the weighted variance with the n/(n−1) factor, N̂ = Σw of the
    domain). When N̂ ≤ n (weights not scaled to the population, or no design) the
    with-replacement v_srs = s²/n is used (R ``deff="replace"``); ``deff_method="replace"``
    forces it.

    Reliability: rse = se/|estimate|; "reliable" when rse ≤ reliable_max_rse, "caution" when
    ≤ caution_max_rse (``settings.yml: estimation.reliability``, percent), else
    "unreliable"; also "unreliable" when the domain has one PSU, df < 1, estimate 0 or n = 0.
"""
_NOTES_PLACEHOLDER = "    {estimator_notes}\n"
F = TypeVar("F", bound=Callable[..., Any])


def _shared_notes(func: F) -> F:
    """Put the notes the three estimators share into ``func.__doc__`` (at ``{estimator_notes}``).

    A docstring built with ``+`` is an expression, not a docstring, and leaves ``__doc__`` None;
    each estimator has a real docstring instead, and this fills in the common part.
    """
    doc = func.__doc__ or ""
    if _NOTES_PLACEHOLDER not in doc:
        raise ValueError(f"{func.__name__}: docstring has no {{estimator_notes}} line")
    func.__doc__ = doc.replace(_NOTES_PLACEHOLDER, _ESTIMATOR_NOTES.lstrip("\n"))
    return func


@_shared_notes


def estimate_proportion(data: pd.DataFrame, y: str, by: str | Sequence[str] | None = None,
                        design: SurveyDesign | None = None, ci_method: str = "logit",
                        alpha: float = 0.05, dof: str | int = "design", *,
                        deff_method: str = "without-replacement") -> pd.DataFrame:
    """Proportion of a 0/1 outcome per domain, with standard error, CI and design effect.

    Parameters
    ----------
    data
        One row per sampled unit.
    y
        0/1, bool or nullable column; missing values are outside the domain.
    by
        Column(s) defining domains; None for one row (the whole population).
    design
        A :class:`SurveyDesign`; None means simple random sampling of the rows (each row its
        own PSU, weight 1), so the overall SE is √(p(1−p)/(n−1)) as R.
    ci_method
        ``logit`` (R ``svyciprop`` default, WHO anthro), ``korn-graubard`` (R ``method="beta"``),
        ``wilson``, ``clopper-pearson``, ``jeffreys``, ``agresti-coull``.
    alpha
        1 − confidence level.
    dof
        ``"design"``, ``"domain"`` or a whole number (see Notes).
    deff_method
        ``"without-replacement"`` (R default) or ``"replace"``.

    Returns
    -------
    pandas.DataFrame
        One row per domain (sorted by ``by``): the ``by`` columns, ``n`` (rows with an
        outcome), ``n_weighted`` (Σw), ``estimate`` (0–1), ``se``, ``ci_low``, ``ci_high``,
        ``df``, ``deff``, ``ci_method``, ``rse``, ``reliability``. An empty domain (a category
        of a categorical ``by`` with no rows, or only missing outcomes) is a row with n = 0 and
        missing estimate.

    Notes
    -----
    A proportion is the weighted mean of the 0/1 outcome (a ratio of two totals), linearised
    as such.

    {estimator_notes}

    Confidence intervals, with t = t_{df, 1−α/2}:

    * ``logit``: expit(logit p̂ ± t·se/(p̂(1−p̂))), R ``svyciprop(method="logit")`` (its
      ``svyglm`` Wald interval reduces to this closed form).
    * ``korn-graubard``: Clopper-Pearson on the effective sample size
      n* = n_eff·(t_{n−1}/t_{df})², n_eff = p̂(1−p̂)/v, x* = p̂·n* (R ``method="beta"``,
      Korn & Graubard 1998), with t_{df} from ``dof`` (R itself always uses the domain's
      ``degf``; with ``dof="domain"`` the results are R's).
    * ``clopper-pearson``, ``wilson``, ``jeffreys``, ``agresti-coull``: the plain-count formulas
      applied to the same effective counts (x*, n*) with the normal quantile, as SAS
      SURVEYFREQ's "modified" limits and Dean & Pagano (2015). For a design,
      ``clopper-pearson`` therefore equals ``korn-graubard``.

    At p̂ = 0 or 1 (v = 0) n_eff is set to n, the number of rows in the domain (R would give
    NaN), and every method, ``logit`` included, returns the Korn-Graubard bound: [0, upper]
    or [lower, 1]. Zero cases thus keep an upper bound, on which a "zero" target is judged.
    When df < 1 the interval is missing except at p̂ = 0 or 1.

    References
    ----------
    Lumley, T. (2004). Analysis of complex survey samples. Journal of Statistical Software
    9(8); R package ``survey`` (``svymean``, ``svyciprop``, ``svyby``).
    Korn, E. L. & Graubard, B. I. (1998). Confidence intervals for proportions with small
    expected number of positive counts estimated from survey data. Survey Methodology 24.
    Dean, N. & Pagano, M. (2015). Evaluating confidence interval methods for binomial
    proportions in clustered surveys. J. Survey Statistics and Methodology 3(4), 484-503.
    """
    method = _check_ci_method(ci_method)
    alpha = _check_alpha(alpha)
    prep, keys, st, df = _run(data, y, by, design, dof, binary=True)
    lo, hi = _design_proportion_ci(st.mean, st.var_mean, st.n, df, method, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = st.var_mean / _srs_variance_of_mean(st, deff_method)
    return _assemble(keys, st, st.mean, st.var_mean, lo, hi, df, deff, method)


def _check_mean_ci(ci_method: str) -> str:
    if ci_method not in MEAN_CI_METHODS:
        raise RakorInputError(
            f"ci_method for a mean or total must be 'wald' (estimate ± t·se); got {ci_method!r}"
        )
    return "wald"


@_shared_notes
def estimate_mean(data: pd.DataFrame, y: str, by: str | Sequence[str] | None = None,
                  design: SurveyDesign | None = None, ci_method: str = "wald",
                  alpha: float = 0.05, dof: str | int = "design", *,
                  deff_method: str = "without-replacement") -> pd.DataFrame:
    """Weighted mean of ``y`` per domain with a t interval (R ``svymean`` + ``confint(df=)``).

    Parameters
    ----------
    data
        One row per sampled unit.
    y
        Any numeric column; missing values are outside the domain.
    by
        Column(s) defining domains; None for one row (the whole population).
    design
        A :class:`SurveyDesign`; None means simple random sampling of the rows.
    ci_method
        ``"wald"``: mean ± t_{df}·se (``"t"`` is accepted as a synonym).
    alpha
        1 − confidence level.
    dof
        ``"design"``, ``"domain"`` or a whole number (see Notes).
    deff_method
        ``"without-replacement"`` (R default) or ``"replace"``.

    Returns
    -------
    pandas.DataFrame
        Same columns as :func:`estimate_proportion`; ``estimate`` is the mean.

    Notes
    -----
    The mean is the ratio Σwy/Σw, linearised as such.

    {estimator_notes}

    References
    ----------
    Lumley, T. (2004). Analysis of complex survey samples. J. Statistical Software 9(8).
    """
    method = _check_mean_ci(ci_method)
    alpha = _check_alpha(alpha)
    prep, keys, st, df = _run(data, y, by, design, dof, binary=False)
    q = -_t_quantile(alpha / 2, df)
    se = np.sqrt(st.var_mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = st.var_mean / _srs_variance_of_mean(st, deff_method)
    return _assemble(keys, st, st.mean, st.var_mean, st.mean - q * se, st.mean + q * se, df,
                     deff, method)


def srs_estimates_from_moments(keys: pd.DataFrame, n: np.ndarray, total: np.ndarray, ssq: np.ndarray,
                               n_rows: int, *, kind: str, ci_method: str = "logit", alpha: float = 0.05,
                               dof: str | int = "design",
                               deff_method: str = "without-replacement") -> pd.DataFrame:
    """:func:`estimate_proportion` / :func:`estimate_mean` with ``design=None`` from domain moments.

    For the design without strata, clusters or weights (every row its own PSU) the Taylor variance
    of a domain mean needs only its n, Σy and Σ(y − ȳ)² and the rows of the whole design: each row
    is a PSU, z_i = (y_i − ȳ_d)/n_d, Σ_d z_i = 0, so v = N/(N−1)·Σ(y − ȳ)²/n². The distributed
    engine (``engine/estimate.py``) adds the moments of partitions; the intervals, design effect
    and reliability are this module's, so the rows equal the row-level estimators'.

    Parameters
    ----------
    keys
        One row per domain (the ``by`` columns); an empty frame of one row for the whole design.
    n, total, ssq
        Per domain: rows with an outcome, Σy, Σ(y − ȳ)².
    n_rows
        Rows of the whole design, outcome missing or not (the PSUs; ``df`` = n_rows − 1).
    kind
        ``"proportion"`` or ``"mean"``.
    ci_method, alpha, dof, deff_method
        As the estimators.
    """
    alpha = _check_alpha(alpha)
    dof = _check_dof(dof)
    n = np.asarray(n, dtype=np.int64)
    w_sum = n.astype(float)
    total = np.asarray(total, dtype=float)
    ssq = np.asarray(ssq, dtype=float)
    scale = n_rows / (n_rows - 1) if n_rows > 1 else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / w_sum
        var = np.where(n > 0, scale * ssq / (w_sum * w_sum), np.nan)
        s2 = np.where(n > 1, n / (n - 1.0) * ssq / w_sum, np.nan)
    st = _DomainStats(n=n, w_sum=w_sum, wy_sum=total, mean=mean, var_mean=var, var_total=var * w_sum ** 2,
                      s2=s2, n_psu=n, n_strata=(n > 0).astype(np.int64))
    prep = _prepare_design(pd.DataFrame(index=range(n_rows)), None)
    df = _df_per_domain(st, prep, dof)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = var / _srs_variance_of_mean(st, deff_method)
    if kind == "proportion":
        method = _check_ci_method(ci_method)
        lo, hi = _design_proportion_ci(mean, var, n, df, method, alpha)
    elif kind == "mean":
        method = _check_mean_ci(ci_method)
        q = -_t_quantile(alpha / 2, df)
        se = np.sqrt(var)
        lo, hi = mean - q * se, mean + q * se
    else:
        raise RakorInputError(f"kind must be 'proportion' or 'mean'; got {kind!r}")
    return _assemble(keys, st, mean, var, lo, hi, df, deff, method)


@_shared_notes
def estimate_total(data: pd.DataFrame, y: str, by: str | Sequence[str] | None = None,
                   design: SurveyDesign | None = None, ci_method: str = "wald",
                   alpha: float = 0.05, dof: str | int = "design", *,
                   deff_method: str = "without-replacement") -> pd.DataFrame:
    """Weighted total of ``y`` per domain (e.g. the number of extremely poor persons), with CI.

    Parameters
    ----------
    data
        One row per sampled unit.
    y
        Any numeric column (missing: outside the domain, contributing nothing to the total).
    by
        Column(s) defining domains; None for one row (the whole population).
    design
        A :class:`SurveyDesign`; None means simple random sampling of the rows.
    alpha
        1 − confidence level.
    dof
        ``"design"``, ``"domain"`` or a whole number (see Notes).
    deff_method
        ``"without-replacement"`` (R default) or ``"replace"``.
    ci_method
        ``"wald"``: total ± t_{df}·se (R ``svytotal`` + ``confint(df=)``). For a 0/1 ``y`` a
        proportion method (``korn-graubard``, ``logit``, ...) may be given instead: the
        interval is then N̂_d × the interval of the domain proportion, N̂_d = Σw of the domain
        taken as known. A domain with zero cases then still has an upper bound.

    Returns
    -------
    pandas.DataFrame
        Same columns as :func:`estimate_proportion`; ``estimate`` is the total.

    Notes
    -----
    Total: Σ w y over domain members; its linearised variable is w·y.

    {estimator_notes}

    For a total the design effect is v / (N̂² v_srs(mean)) (R ``svytotal(deff=TRUE)``).
    With ``lonely_psu="adjust"`` a single-PSU stratum contributes the square of its weighted
    total (R centres on zero, the "grand mean" of the total's linearised variable).

    References
    ----------
    Lumley, T. (2004). Analysis of complex survey samples. J. Statistical Software 9(8).
    """
    alpha = _check_alpha(alpha)
    if ci_method in MEAN_CI_METHODS:
        method = "wald"
        binary = False
    else:
        method = _check_ci_method(ci_method)
        binary = True
    prep, keys, st, df = _run(data, y, by, design, dof, binary=binary)
    se = np.sqrt(st.var_total)
    if method == "wald":
        q = -_t_quantile(alpha / 2, df)
        lo, hi = st.wy_sum - q * se, st.wy_sum + q * se
    else:
        p_lo, p_hi = _design_proportion_ci(st.mean, st.var_mean, st.n, df, method, alpha)
        lo, hi = st.w_sum * p_lo, st.w_sum * p_hi
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = st.var_total / (st.w_sum**2 * _srs_variance_of_mean(st, deff_method))
    total = np.where(st.n > 0, st.wy_sum, np.nan)
    return _assemble(keys, st, total, st.var_total, lo, hi, df, deff, method)


# --------------------------------------------------------------------------------------------
# Change between periods
# --------------------------------------------------------------------------------------------

def _as_frame(est: Any) -> pd.DataFrame:
    if isinstance(est, pd.DataFrame):
        return est.reset_index(drop=True)
    if isinstance(est, pd.Series):
        return est.to_frame().T.reset_index(drop=True)
    if isinstance(est, Mapping):
        return pd.DataFrame([dict(est)])
    raise RakorInputError(
        f"compare_periods takes estimate rows (DataFrame, Series or dict); got {type(est).__name__}"
    )


def compare_periods(est_a: Any, est_b: Any, on: str | Sequence[str] | None = None,
                    alpha: float = 0.05, scale: float = 100.0) -> pd.DataFrame:
    """Change from ``est_a`` (earlier) to ``est_b`` (later) of two independent estimates.

    Parameters
    ----------
    est_a, est_b
        Estimate rows with ``estimate`` and ``se`` (and ``df`` if known): DataFrames (one row
        per domain), Series or dicts, e.g. outputs of :func:`estimate_proportion` for two
        survey rounds.
    on
        Key column(s) to pair rows of ``est_a`` and ``est_b`` (1:1); None pairs them by position.
    alpha
        1 − confidence level.
    scale
        Multiplier of the difference: 100 (default) gives percentage points for proportions
        on the 0–1 scale; use 1 for means and totals.

    Returns
    -------
    pandas.DataFrame
        The ``on`` columns (if any), ``estimate_a``, ``estimate_b``, ``estimate`` (= (b − a) ×
        scale), ``se``, ``ci_low``, ``ci_high`` (same scale), ``df``, ``statistic`` (t) and
        ``p_value`` (two-sided).

    Notes
    -----
    The samples are taken as independent (different rounds, different PSUs):
    se = √(se_a² + se_b²). df by Welch-Satterthwaite from the two estimates' df,
    (v_a + v_b)² / (v_a²/df_a + v_b²/df_b); normal quantiles when no df is given.
    A difference with se = 0 has p = 1 if it is 0 and p = 0 otherwise.

    References
    ----------
    Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance
    components. Biometrics Bulletin 2(6), 110-114.
    """
    alpha = _check_alpha(alpha)
    a = _as_frame(est_a)
    b = _as_frame(est_b)
    for name, frame in (("est_a", a), ("est_b", b)):
        missing = [c for c in ("estimate", "se") if c not in frame.columns]
        if missing:
            raise RakorInputError(f"{name} lacks column(s) {', '.join(missing)}")
    keys = _as_by_list(on)
    if keys:
        cols = [*keys, "estimate", "se", *(["df"] if "df" in a and "df" in b else [])]
        try:
            merged = a[cols].merge(b[cols], on=keys, how="inner", suffixes=("_a", "_b"),
                                   validate="1:1")
        except pd.errors.MergeError as exc:
            raise RakorInputError(f"compare_periods: keys {keys} are not unique: {exc}") from None
        out = merged[keys].copy()
    else:
        if len(a) != len(b):
            raise RakorInputError(
                f"compare_periods pairs rows by position but est_a has {len(a)} rows and est_b "
                f"{len(b)}; give on= key columns"
            )
        merged = pd.DataFrame({
            "estimate_a": a["estimate"].to_numpy(), "se_a": a["se"].to_numpy(),
            "estimate_b": b["estimate"].to_numpy(), "se_b": b["se"].to_numpy(),
        })
        if "df" in a and "df" in b:
            merged["df_a"] = a["df"].to_numpy()
            merged["df_b"] = b["df"].to_numpy()
        out = pd.DataFrame(index=merged.index)
    ea = pd.to_numeric(merged["estimate_a"], errors="coerce").to_numpy(dtype=float)
    eb = pd.to_numeric(merged["estimate_b"], errors="coerce").to_numpy(dtype=float)
    va = pd.to_numeric(merged["se_a"], errors="coerce").to_numpy(dtype=float) ** 2
    vb = pd.to_numeric(merged["se_b"], errors="coerce").to_numpy(dtype=float) ** 2
    diff = eb - ea
    var = va + vb
    se = np.sqrt(var)
    if "df_a" in merged:
        dfa = pd.to_numeric(merged["df_a"], errors="coerce").to_numpy(dtype=float)
        dfb = pd.to_numeric(merged["df_b"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            den = np.where(va > 0, va**2 / dfa, 0.0) + np.where(vb > 0, vb**2 / dfb, 0.0)
            df = np.where(den > 0, var**2 / den, np.fmin(dfa, dfb))
        df = np.where(np.isnan(df), np.inf, df)
    else:
        df = np.full(len(diff), np.inf)
    q = np.where(np.isinf(df), stats.norm.isf(alpha / 2), stats.t.isf(alpha / 2, np.maximum(df, 1e-9)))
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.sign(diff) * np.inf))
    p_value = np.where(np.isinf(df), 2 * stats.norm.sf(np.abs(tstat)),
                       2 * stats.t.sf(np.abs(tstat), np.maximum(df, 1e-9)))
    p_value = np.where(np.isnan(diff) | np.isnan(se), np.nan, p_value)
    out["estimate_a"] = ea
    out["estimate_b"] = eb
    out["estimate"] = diff * scale
    out["se"] = se * scale
    out["ci_low"] = (diff - q * se) * scale
    out["ci_high"] = (diff + q * se) * scale
    out["df"] = df
    out["statistic"] = tstat
    out["p_value"] = p_value
    return out.reset_index(drop=True)

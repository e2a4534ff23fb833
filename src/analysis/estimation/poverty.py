"""Poverty indicators of persons from a household survey (Susenas-style): FGT P0, P1, P2.

A household table (``docs/data_model.md``: ``susenas``) has one row per household with its
weight ``weight_hh``, size ``hh_size`` and monthly per-capita expenditure
``expenditure_pc_idr_month``. Every member shares the household's per-capita expenditure, so
person-level indicators are household-level means with person weights w·hh_size. Lines come
from configuration (``analysis.config.poverty_line("poverty" | "extreme")``), never from code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import RakorInputError
from analysis.estimation.survey import (
    SurveyDesign,
    estimate_mean,
    estimate_proportion,
    estimate_total,
)

EXPENDITURE_COL = "expenditure_pc_idr_month"
HH_SIZE_COL = "hh_size"
WEIGHT_COL = "weight_hh"
_PERSON_WEIGHT = "_weight_person"
_FGT = "_fgt"

__all__ = ["default_design", "estimate_fgt", "estimate_poor_persons", "fgt_values", "resolve_line"]


def default_design() -> SurveyDesign:
    """The Susenas design of the processed table: strata, PSU (census block), household weight."""
    lonely = config.settings()["estimation"]["lonely_psu"]
    return SurveyDesign(strata="strata", cluster="psu", weights=WEIGHT_COL, lonely_psu=lonely)


def resolve_line(line_idr: float | str) -> float:
    """A poverty line in rupiah per person per month: a number, or "poverty" / "extreme"."""
    if isinstance(line_idr, str):
        if line_idr not in ("poverty", "extreme"):
            raise RakorInputError(
                f"line_idr must be a number of rupiah or 'poverty' / 'extreme'; got {line_idr!r}"
            )
        return config.poverty_line(line_idr)
    value = float(line_idr)
    if not np.isfinite(value) or value <= 0:
        raise RakorInputError(f"line_idr must be a positive number of rupiah; got {line_idr!r}")
    return value


def fgt_values(expenditure: pd.Series | np.ndarray, line_idr: float, alpha_fgt: int) -> np.ndarray:
    """Household FGT contribution: 1[x < z]·((z − x)/z)^α; missing expenditure stays missing.

    Notes
    -----
    Foster, Greer & Thorbecke (1984): P_α = (1/N) Σ_persons 1[x < z] ((z − x)/z)^α. α = 0 is
    the headcount ratio, 1 the poverty gap index, 2 the squared gap (severity). A person is
    poor when expenditure is strictly below the line (BPS convention).

    References
    ----------
    Foster, J., Greer, J. & Thorbecke, E. (1984). A class of decomposable poverty measures.
    Econometrica 52(3), 761-766.
    """
    if alpha_fgt not in (0, 1, 2):
        raise RakorInputError(f"alpha_fgt must be 0, 1 or 2; got {alpha_fgt!r}")
    x = np.asarray(expenditure, dtype=float)
    z = float(line_idr)
    poor = x < z
    if alpha_fgt == 0:
        out = poor.astype(float)
    else:
        out = np.where(poor, ((z - x) / z) ** alpha_fgt, 0.0)
    return np.where(np.isnan(x), np.nan, out)


def _person_table(households: pd.DataFrame, design: SurveyDesign | None,
                  line_idr: float, alpha_fgt: int) -> tuple[pd.DataFrame, SurveyDesign]:
    if not isinstance(households, pd.DataFrame):
        raise RakorInputError(f"households must be a DataFrame; got {type(households).__name__}")
    design = default_design() if design is None else design
    for col in (EXPENDITURE_COL, HH_SIZE_COL):
        if col not in households.columns:
            raise RakorInputError(
                f"household table lacks column `{col}` (see docs/data_model.md, susenas)"
            )
    weight_col = design.weights or WEIGHT_COL
    if weight_col not in households.columns:
        raise RakorInputError(
            f"household table lacks the weight column `{weight_col}` (see docs/data_model.md)"
        )
    size = pd.to_numeric(households[HH_SIZE_COL], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(size) | (size < 1) | (size != np.round(size))
    if bad.any():
        raise RakorInputError(
            f"`{HH_SIZE_COL}` must be a whole number ≥ 1; got "
            f"{households[HH_SIZE_COL][bad].iloc[0]!r} in {int(bad.sum())} of {len(size)} rows"
        )
    x = pd.to_numeric(households[EXPENDITURE_COL], errors="coerce")
    nonnum = x.isna() & households[EXPENDITURE_COL].notna()
    if nonnum.any():
        raise RakorInputError(
            f"`{EXPENDITURE_COL}` must be rupiah per person per month; got "
            f"{households[EXPENDITURE_COL][nonnum].iloc[0]!r} in {int(nonnum.sum())} rows"
        )
    if (x < 0).any():
        raise RakorInputError(
            f"`{EXPENDITURE_COL}` must be ≥ 0; got {x[x < 0].iloc[0]!r} in {int((x < 0).sum())} rows"
        )
    weight = pd.to_numeric(households[weight_col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(weight) | (weight <= 0)
    if bad.any():
        raise RakorInputError(
            f"weights column `{weight_col}` must be a number > 0; got "
            f"{households[weight_col][bad].iloc[0]!r} in {int(bad.sum())} of {len(weight)} rows"
        )
    table = households.assign(**{
        _PERSON_WEIGHT: weight * size,
        _FGT: fgt_values(x.to_numpy(dtype=float), line_idr, alpha_fgt),
    })
    return table, replace(design, weights=_PERSON_WEIGHT)


def estimate_fgt(households: pd.DataFrame, line_idr: float | str, alpha_fgt: int = 0,
                 by: str | Sequence[str] | None = None, design: SurveyDesign | None = None,
                 ci_method: str = "logit", alpha: float = 0.05,
                 dof: str | int = "design") -> pd.DataFrame:
    """FGT poverty indicator P_α of persons per domain, with SE, CI and design effect.

    Parameters
    ----------
    households
        One row per household with ``expenditure_pc_idr_month``, ``hh_size`` and the design
        columns (default: ``strata``, ``psu``, ``weight_hh``).
    line_idr
        Poverty line in rupiah per person per month, or ``"poverty"`` / ``"extreme"`` to read
        it from ``config/settings.yml``.
    alpha_fgt
        0 headcount ratio (P0), 1 poverty gap (P1), 2 squared poverty gap (P2).
    by
        Domain column(s), e.g. ``"kecamatan_code"``.
    design
        Household design; its ``weights`` are household weights (multiplied here by
        ``hh_size``). None: :func:`default_design`.
    ci_method
        For P0 any :func:`analysis.estimation.estimate_proportion` method (``logit`` default;
        ``korn-graubard`` for the rare extreme poverty); P1 and P2 always use the t interval.
    alpha, dof
        As :func:`analysis.estimation.estimate_proportion`.

    Returns
    -------
    pandas.DataFrame
        The estimator's columns (``n`` households, ``n_weighted`` persons, ``estimate`` 0–1,
        ``se``, ``ci_low``, ``ci_high``, ``df``, ``deff``, ``ci_method``, ``rse``,
        ``reliability``) plus ``indicator`` (``p0``/``p1``/``p2``) and ``line_idr``.

    Notes
    -----
    P_α = Σ_h w_h m_h g_h / Σ_h w_h m_h over households h (m = household size,
    g = FGT contribution): a ratio of two totals. Its linearised variable is
    w m (g − P_α) / Σ w m, which is exactly R ``svymean(~g, design)`` on a design with weights
    w·m, the computation used here (Taylor linearisation with the household design's strata and
    PSUs). Households with missing expenditure are outside every domain but stay in the design.

    References
    ----------
    Foster, J., Greer, J. & Thorbecke, E. (1984). Econometrica 52(3), 761-766.
    Lumley, T. (2004). Analysis of complex survey samples. J. Statistical Software 9(8).
    """
    z = resolve_line(line_idr)
    table, person_design = _person_table(households, design, z, alpha_fgt)
    if alpha_fgt == 0:
        res = estimate_proportion(table, _FGT, by=by, design=person_design, ci_method=ci_method,
                                  alpha=alpha, dof=dof)
    else:
        res = estimate_mean(table, _FGT, by=by, design=person_design, alpha=alpha, dof=dof)
    res["indicator"] = f"p{alpha_fgt}"
    res["line_idr"] = z
    return res


def estimate_poor_persons(households: pd.DataFrame, line_idr: float | str,
                          by: str | Sequence[str] | None = None,
                          design: SurveyDesign | None = None, ci_method: str = "wald",
                          alpha: float = 0.05, dof: str | int = "design") -> pd.DataFrame:
    """Estimated number of persons below the line per domain (Σ w·hh_size·1[x < z]), with CI.

    Parameters
    ----------
    households, line_idr, by, design, alpha, dof
        As :func:`estimate_fgt`.
    ci_method
        ``"wald"`` (R ``svytotal`` + ``confint``; default) or a proportion method such as
        ``"korn-graubard"``: the domain's estimated persons × the P0 interval, which keeps an
        upper bound when no poor household is sampled (the zero-extreme-poverty target).

    Returns
    -------
    pandas.DataFrame
        As :func:`analysis.estimation.estimate_total`, plus ``indicator`` (``"persons"``) and
        ``line_idr``; ``n_weighted`` is the estimated number of persons in the domain.

    Notes
    -----
    A total of the person-level 0/1 indicator with person weights w·hh_size (linearised
    variable w·hh_size·1[x < z], Taylor linearisation over strata and PSUs).

    References
    ----------
    Lumley, T. (2004). Analysis of complex survey samples. J. Statistical Software 9(8).
    """
    z = resolve_line(line_idr)
    table, person_design = _person_table(households, design, z, 0)
    res = estimate_total(table, _FGT, by=by, design=person_design, ci_method=ci_method,
                         alpha=alpha, dof=dof)
    res["indicator"] = "persons"
    res["line_idr"] = z
    return res

"""The estimates table itself: its columns, its declared schema, and the shaping helpers.

Every builder of the estimates table (``growth``, ``survey_poverty``, ``registers``,
``data_quality``, ``history``) turns results into rows with :func:`to_estimate_rows`; the
schema (:data:`ESTIMATES_SCHEMA`) is checked when the table is written and when it is read
(``analysis.estimates.store``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import numpy as np
import pandas as pd
import pandera.pandas as pa

from analysis import config
from analysis.errors import RakorInputError
from analysis.intake.gazetteer import level_of

ESTIMATE_COLUMNS = [
    "period", "data_period", "area_level", "area_code", "area_name", "indicator", "breakdown",
    "n", "n_weighted", "estimate", "se", "ci_low", "ci_high", "df", "deff", "p_value",
    "method", "source", "unit", "reliability", "suppressed", "note",
]
#: Kemendagri code of the region the workspace is configured for (``region.code`` in settings.yml)
KOTA_CODE = config.settings()["region"]["code"]
#: True when the region is a province (``region.code`` ``PP``): its kab/kota are a level between the
#: region (area_level ``kota``, the region's own level whatever its kind) and the kecamatan.
PROVINCE = level_of(KOTA_CODE) == "province"
#: Area levels of the estimates and the column holding each level's code (``None``: the region).
LEVELS = ({"kota": None, "kabkota": "kabkota_code"} if PROVINCE else {"kota": None}) | {
    "kecamatan": "kecamatan_code", "kelurahan": "kelurahan_code"}

AREA_LEVELS = ("province", "kabkota", "kota", "kecamatan", "kelurahan", "desa")
#: units used by the builders (a new unit is added here, on purpose)
UNITS = ("proportion", "count", "statistic", "score", "flag", "percent", "ratio", "z", "idr", "days", "families_per_week")
RELIABILITY = ("reliable", "caution", "unreliable")
_PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
_NUMERIC = ("n", "n_weighted", "estimate", "se", "ci_low", "ci_high", "df", "deff", "p_value")
# Intervals are compared with a tolerance: a CI computed on another scale (logit, arcsin) and
# transformed back can sit a rounding error away from its estimate.
_CI_TOLERANCE = 1e-9


def _ci_contains_estimate(df: pd.DataFrame) -> pd.Series:
    est, lo, hi = df["estimate"], df["ci_low"], df["ci_high"]
    present = est.notna() & lo.notna() & hi.notna()
    ok = (lo <= est + _CI_TOLERANCE) & (est <= hi + _CI_TOLERANCE)
    return ~present | ok


def _finite_or_nan(s: pd.Series) -> pd.Series:
    return s.isna() | np.isfinite(s.astype(float))


_text = dict(nullable=False)
ESTIMATES_SCHEMA = pa.DataFrameSchema(
    {
        "period": pa.Column(str, pa.Check.str_matches(_PERIOD), **_text),
        "data_period": pa.Column(str, pa.Check.str_matches(_PERIOD), **_text),
        "area_level": pa.Column(str, pa.Check.isin(AREA_LEVELS), **_text),
        "area_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}(\.\d{2}){0,2}(\.\d{4})?$"), **_text),
        "area_name": pa.Column(str, nullable=True),
        "indicator": pa.Column(str, pa.Check.str_length(min_value=1), **_text),
        "breakdown": pa.Column(str, pa.Check.str_length(min_value=1), **_text),
        **{c: pa.Column(float, nullable=True) for c in ("n", "n_weighted")},
        "estimate": pa.Column(float, pa.Check(_finite_or_nan, error="estimate finite or NaN"), nullable=True),
        **{c: pa.Column(float, nullable=True) for c in ("se", "ci_low", "ci_high", "df", "deff", "p_value")},
        "method": pa.Column(str, pa.Check.str_length(min_value=1), **_text),
        "source": pa.Column(str, **_text),
        "unit": pa.Column(str, pa.Check.isin(UNITS), **_text),
        "reliability": pa.Column(str, pa.Check.isin(RELIABILITY), nullable=True),
        "suppressed": pa.Column(bool, **_text),
        "note": pa.Column(str, nullable=True),
    },
    checks=[pa.Check(_ci_contains_estimate, error="ci_low <= estimate <= ci_high")],
    strict=True,
    ordered=True,
    name="estimates",
)


def validate_estimates(est: pd.DataFrame, where: str = "the estimates table") -> pd.DataFrame:
    """Check ``est`` against :data:`ESTIMATES_SCHEMA`; return it unchanged.

    Parameters
    ----------
    est
        An estimates table (docs/data_model.md).
    where
        What to name in the error (a file path, "the estimates table").

    Raises
    ------
    RakorInputError
        Naming ``where``, the column (or ``ci_low <= estimate <= ci_high``), the check, the
        number of failing rows and the first failing value.
    """
    try:
        ESTIMATES_SCHEMA.validate(est, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        lines = []
        for (column, check), g in cases.groupby(["column", "check"], dropna=False, sort=False):
            col = "the table" if pd.isna(column) else f"column {column!r}"
            first = g["failure_case"].iloc[0]
            lines.append(f"{col}: {check} ({len(g)} failing; first {first!r})")
        raise RakorInputError(f"{where} does not match the estimates schema (docs/data_model.md): "
                              + "; ".join(lines[:8])) from None
    return est


@cache
def area_names() -> pd.Series:
    """Official name of every area code of the region (kota, kecamatan, kelurahan), from the gazetteer."""
    from analysis.intake.gazetteer import gazetteer

    return pd.Series(gazetteer().names, name="nama").rename_axis("kode")


def with_area_columns(data: pd.DataFrame, province: bool | None = None) -> pd.DataFrame:
    """``data`` with a ``kabkota_code`` column (the first two parts of its kecamatan or kelurahan
    code) when the region is a province and the column is missing; else ``data`` unchanged.

    Parameters
    ----------
    data
        Rows with ``kecamatan_code`` or ``kelurahan_code``.
    province
        Whether the region is a province; default :data:`PROVINCE`. A dask worker is given the
        client's, whatever configuration the worker was started with.

    Returns
    -------
    pandas.DataFrame
    """
    if not (PROVINCE if province is None else province) or "kabkota_code" in data:
        return data
    source = data["kecamatan_code"] if "kecamatan_code" in data else data["kelurahan_code"]
    return data.assign(kabkota_code=source.astype("str").str.slice(0, 5))


def empty_estimates() -> pd.DataFrame:
    """An estimates table without rows, with the schema's columns and dtypes."""
    out = pd.DataFrame({c: pd.Series(dtype=float if c in _NUMERIC else "str") for c in ESTIMATE_COLUMNS})
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def to_estimate_rows(result: pd.DataFrame, *, level: str, area_col: str | None, indicator: str,
                     period: str, data_period: str, method: str, source: str, unit: str = "proportion",
                     breakdown: str | pd.Series = "total") -> pd.DataFrame:
    """Shape one estimation result (one row per domain) into estimates-table rows.

    Parameters
    ----------
    result
        One row per domain, with any of ``n, n_weighted, estimate, se, ci_low, ci_high, df, deff,
        p_value, reliability, note`` (the missing ones become NaN).
    level, area_col
        The ``area_level`` of the rows and the column of ``result`` holding the area code
        (``None``: the region itself).
    indicator, period, data_period, method, source, unit, breakdown
        The labels of the rows (``breakdown`` may be a Series, one label per row).

    Returns
    -------
    pandas.DataFrame
        The rows, in ``ESTIMATE_COLUMNS`` order, ``suppressed`` False.
    """
    out = pd.DataFrame(index=result.index)
    out["period"] = period
    out["data_period"] = data_period
    out["area_level"] = level
    out["area_code"] = KOTA_CODE if area_col is None else result[area_col].astype(str)
    out["area_name"] = out["area_code"].map(area_names())
    out["indicator"] = indicator
    out["breakdown"] = breakdown
    for col in _NUMERIC:
        out[col] = pd.to_numeric(result[col], errors="coerce") if col in result else np.nan
    out["method"] = method
    out["source"] = source
    out["unit"] = unit
    out["reliability"] = result["reliability"] if "reliability" in result else pd.NA
    out["suppressed"] = False
    out["note"] = result["note"] if "note" in result else pd.NA
    return out.reset_index(drop=True)


def estimate_by_levels(data: pd.DataFrame, estimator, *, indicator: str, period: str, data_period: str,
                       method: str, source: str, unit: str = "proportion",
                       breakdowns: Iterable[str | tuple[str, ...]] = (),
                       levels: Iterable[str] | None = None, **kwargs) -> pd.DataFrame:
    """Run ``estimator(data, by=...)`` for kota (the region), kab/kota (of a province), kecamatan and
    kelurahan, and each breakdown.

    A breakdown is a column (``"sex"`` → ``sex=1``) or a tuple of columns (``("sex", "age")`` →
    ``sex=1,age=0-5``). ``levels``: some of :data:`LEVELS` (default all). ``kwargs`` go to the
    estimator; the other parameters label the rows (:func:`to_estimate_rows`).
    """
    parts = []
    data = with_area_columns(data)
    for level, area_col in LEVELS.items():
        if levels is not None and level not in levels:
            continue
        by = [] if area_col is None else [area_col]
        res = estimator(data, by=by or None, **kwargs)
        parts.append(to_estimate_rows(res, level=level, area_col=area_col, indicator=indicator,
                                      period=period, data_period=data_period, method=method,
                                      source=source, unit=unit))
        for bd in breakdowns:
            cols = [bd] if isinstance(bd, str) else list(bd)
            res = estimator(data, by=[*by, *cols], **kwargs)
            label = breakdown_label(res, cols)
            parts.append(to_estimate_rows(res, level=level, area_col=area_col, indicator=indicator,
                                          period=period, data_period=data_period, method=method,
                                          source=source, unit=unit, breakdown=label))
    return pd.concat(parts, ignore_index=True)


def breakdown_label(res: pd.DataFrame, cols: Iterable[str]) -> pd.Series:
    """The ``breakdown`` of result rows by the columns ``cols``: ``sex=1``, ``sex=1,age=0-5``."""
    cols = list(cols)
    label = res[cols[0]].astype(str).radd(cols[0] + "=")
    for c in cols[1:]:
        label = label + "," + c + "=" + res[c].astype(str)
    return label


def count_rows(data: pd.DataFrame, flag: str, *, indicator: str, period: str, data_period: str,
               source: str) -> pd.DataFrame:
    """Exact register counts of ``flag`` per kota, kecamatan and kelurahan (unit: count).

    ``n`` is the number of rows (e.g. children weighed) in the area.
    """
    data = with_area_columns(data)
    values = data[flag].astype("boolean").fillna(False).astype(int)
    parts = []
    for level, area_col in LEVELS.items():
        if area_col is None:
            res = pd.DataFrame({"estimate": [values.sum()], "n": [len(values)]})
        else:
            res = (data.assign(_v=values).groupby(area_col, observed=True)
                   .agg(estimate=("_v", "sum"), n=("_v", "size")).reset_index())
        parts.append(to_estimate_rows(res, level=level, area_col=area_col, indicator=indicator,
                                      period=period, data_period=data_period, method="count",
                                      source=source, unit="count"))
    return pd.concat(parts, ignore_index=True)


def counts_by_area(table: pd.DataFrame, value_cols: dict[str, str], *, period: str, data_period: str,
                   source: str, breakdown_col: str | None = None, method: str = "count",
                   unit: str = "count", levels=tuple(LEVELS)) -> pd.DataFrame:
    """Sum per-kelurahan count columns up to kecamatan and kota; one indicator per column.

    ``value_cols`` maps a column of ``table`` (one row per kelurahan, or kelurahan × breakdown)
    to an indicator name. Counts add up exactly, so kecamatan and kota rows are sums.
    """
    t = table.copy()
    if "kecamatan_code" not in t:
        t["kecamatan_code"] = t["kelurahan_code"].str.rsplit(".", n=1).str[0]
    t = with_area_columns(t)
    parts = []
    extra = [breakdown_col] if breakdown_col else []
    for level in levels:
        area_col = LEVELS[level]
        keys = ([area_col] if area_col else []) + extra
        sums = (t.groupby(keys, observed=True)[list(value_cols)].sum().reset_index() if keys
                else t[list(value_cols)].sum().to_frame().T)
        for col, indicator in value_cols.items():
            res = sums.assign(estimate=sums[col].astype(float), n=np.nan)
            breakdown = (breakdown_col + "=" + res[breakdown_col].astype(str)) if breakdown_col else "total"
            parts.append(to_estimate_rows(res, level=level, area_col=area_col, indicator=indicator,
                                          period=period, data_period=data_period, method=method,
                                          source=source, unit=unit, breakdown=breakdown))
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()


def require_columns(est: pd.DataFrame, where: str) -> None:
    """Raise :class:`RakorInputError` naming ``where`` when ``est`` lacks estimates columns."""
    missing = [c for c in ESTIMATE_COLUMNS if c not in est.columns]
    if missing:
        raise RakorInputError(f"{where} lacks column(s) {', '.join(missing)} (docs/data_model.md, estimates table).")

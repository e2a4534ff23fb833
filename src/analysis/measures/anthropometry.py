"""WHO 2006 child-growth z-scores, flags and Permenkes 2/2020 categories.

The one public entry point for the pipeline is :func:`compute_zscores`; it follows the WHO
``anthro`` R package (the reference implementation) rule for rule, fully vectorised: the LMS
tables are read once into numpy arrays (module-level cache) and indexed by whole day (age
tables) or by tenth of a centimetre (weight-for-length/height), so a million children take well
under a second.

Rules (DOMAIN.md §6), in the order they are applied:

1. ``age_days`` may be fractional: rounded half **up** (730.5 → 731) to index the tables.
   z-scores that use age are computed only for rounded days 0–1826 and unrounded age below
   60 months (``age_days / 30.4375 < 60``), as WHO anthro does.
2. ``measure``: ``"l"`` lying, ``"h"`` standing (case-insensitive), missing = unknown.
   Standing below 9 months (unrounded age in months) is implausible: the position is treated as
   unknown (no adjustment; z still computed) and ``position_flag`` is set for review.
3. Position adjustment: standing below 731 days → +0.7 cm; lying at 731 days or more → −0.7 cm;
   unknown → none. The result is ``height_adj_cm`` and every z-score uses it.
4. HAZ: L = 1, plain LMS z. WAZ and WHZ: LMS z with WHO's restricted tails beyond ±3 SD.
   WHZ uses weight-for-length (45–110 cm) below 731 days and weight-for-height (65–120 cm) from
   731 days, with L, M, S interpolated linearly between the 0.1 cm rows; when age is missing,
   WHO's rule picks the table (measure if given, else length below 87 cm).
5. z rounded to 2 decimals, then flags (HAZ |z| > 6; WAZ z < −6 or z > 5; WHZ |z| > 5) and
   cut-offs. Flagged z-scores are kept in ``haz``/``waz``/``whz`` but the ``is_*`` indicators
   and categories are missing for them (excluded from prevalence).
6. Oedema: WAZ and WHZ missing, but the child counts below −3 SD: ``is_wasted`` and
   ``is_underweight`` True, categories "gizi buruk" and "sangat kurang"; ``is_overweight``
   (WHZ > +2) False, the child still in its denominator (WHO anthro's ``zwfl_aux`` = −3.1).

WHO anthro's standard breakdown by age (:func:`who_age_group`) and its z-score SD
(:func:`zscore_sd`) live here too, beside the z-scores they summarise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_integer_dtype, is_numeric_dtype

from analysis.config import WHO2006_DIR
from analysis.errors import RakorInputError

__all__ = [
    "DAYS_PER_MONTH",
    "KATEGORI_BB_TB",
    "KATEGORI_BB_U",
    "KATEGORI_TB_U",
    "MAX_AGE_DAYS",
    "AGE_GROUPS",
    "AGE_GROUP_BREAKS",
    "who_age_group",
    "zscore_sd",
    "WFH_RANGE_CM",
    "WFL_RANGE_CM",
    "categorise_bb_tb",
    "categorise_bb_u",
    "categorise_tb_u",
    "LMS_INDICATORS",
    "compute_zscores",
    "lms_parameters",
    "lms_value",
    "lms_zscore",
    "round_age_days",
]

DAYS_PER_MONTH = 30.4375
MAX_AGE_DAYS = 1826  # last row of the age tables; z only below 60 months
#: WHO anthro's age groups (``anthro_age_groups``): months = age_days / 30.4375, right-open bins
AGE_GROUP_BREAKS = (0, 6, 12, 24, 36, 48, 60)
AGE_GROUPS = ("0-5", "6-11", "12-23", "24-35", "36-47", "48-59")
HEIGHT_FROM_DAYS = 731  # length below, height from
POSITION_ADJUST_CM = 0.7
WFL_RANGE_CM = (45.0, 110.0)
WFH_RANGE_CM = (65.0, 120.0)
NO_AGE_LENGTH_BELOW_CM = 87.0  # WHO: with age missing and position unknown, < 87 cm is length

HAZ_FLAG = 6.0
WAZ_FLAG = (-6.0, 5.0)
WHZ_FLAG = 5.0

# Permenkes 2/2020 labels, from the lowest to the highest category (DOMAIN.md §6).
KATEGORI_TB_U = ("sangat pendek", "pendek", "normal", "tinggi")
KATEGORI_BB_U = ("sangat kurang", "kurang", "normal", "risiko lebih")
KATEGORI_BB_TB = (
    "gizi buruk",
    "gizi kurang",
    "normal",
    "berisiko gizi lebih",
    "gizi lebih",
    "obesitas",
)

REQUIRED_COLUMNS = ("sex", "age_days", "height_cm", "weight_kg")


# --------------------------------------------------------------------------------------
# Tables (loaded once)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tables:
    """LMS values as flat numpy arrays; the last element(s) are a NaN sentinel."""

    len_m: np.ndarray  # index (sex-1)*1827 + day; L = 1 for height-for-age
    len_s: np.ndarray
    wei_l: np.ndarray
    wei_m: np.ndarray
    wei_s: np.ndarray
    wlh_l: np.ndarray  # weight-for-length block then weight-for-height block, padded
    wlh_m: np.ndarray
    wlh_s: np.ndarray
    n_days: int
    wfl_stride: int  # rows per sex in the padded weight-for-length block
    wfh_stride: int
    wfh_offset: int
    age_sentinel: int
    wlh_sentinel: int


def _read_table(name: str, key: str) -> pd.DataFrame:
    table = pd.read_csv(WHO2006_DIR / f"{name}.txt", sep="\t")
    return table.sort_values(["sex", key], kind="stable").reset_index(drop=True)


def _age_block(table: pd.DataFrame, col: str, n_days: int) -> np.ndarray:
    values = table[col].to_numpy(dtype=float).reshape(2, n_days).ravel()
    return np.append(values, np.nan)  # sentinel for rows without a valid lookup


def _lenhei_block(table: pd.DataFrame, col: str, n_rows: int) -> np.ndarray:
    values = table[col].to_numpy(dtype=float).reshape(2, n_rows)
    # one padding row per sex (copy of the last) so that "row i + 1" always exists
    return np.hstack([values, values[:, -1:]]).ravel()


@cache
def _tables() -> _Tables:
    """Read the four WHO tables once and check their shape."""
    length = _read_table("lenanthro", "age")
    weight = _read_table("weianthro", "age")
    wfl = _read_table("wflanthro", "length")
    wfh = _read_table("wfhanthro", "height")
    n_days = MAX_AGE_DAYS + 1
    n_wfl = int(round((WFL_RANGE_CM[1] - WFL_RANGE_CM[0]) * 10)) + 1
    n_wfh = int(round((WFH_RANGE_CM[1] - WFH_RANGE_CM[0]) * 10)) + 1
    checks = {
        "lenanthro": (
            len(length),
            2 * n_days,
            length["age"].to_numpy(),
            np.tile(np.arange(n_days), 2),
        ),
        "weianthro": (
            len(weight),
            2 * n_days,
            weight["age"].to_numpy(),
            np.tile(np.arange(n_days), 2),
        ),
        "wflanthro": (
            len(wfl),
            2 * n_wfl,
            np.round(wfl["length"].to_numpy() * 10).astype(int),
            np.tile(np.arange(n_wfl) + 450, 2),
        ),
        "wfhanthro": (
            len(wfh),
            2 * n_wfh,
            np.round(wfh["height"].to_numpy() * 10).astype(int),
            np.tile(np.arange(n_wfh) + 650, 2),
        ),
    }
    for name, (n_found, n_expected, keys, expected_keys) in checks.items():
        if n_found != n_expected or not np.array_equal(keys, expected_keys):
            raise RuntimeError(
                f"WHO table {name}.txt in {WHO2006_DIR} is incomplete or out of order"
            )
    if not np.all(length["l"].to_numpy() == 1):
        raise RuntimeError("WHO table lenanthro.txt: expected L = 1 on every row")

    wlh = {
        col: np.concatenate(
            [_lenhei_block(wfl, col, n_wfl), _lenhei_block(wfh, col, n_wfh), [np.nan, np.nan]]
        )
        for col in ("l", "m", "s")
    }
    wfl_stride, wfh_stride = n_wfl + 1, n_wfh + 1
    tables = _Tables(
        len_m=_age_block(length, "m", n_days),
        len_s=_age_block(length, "s", n_days),
        wei_l=_age_block(weight, "l", n_days),
        wei_m=_age_block(weight, "m", n_days),
        wei_s=_age_block(weight, "s", n_days),
        wlh_l=wlh["l"],
        wlh_m=wlh["m"],
        wlh_s=wlh["s"],
        n_days=n_days,
        wfl_stride=wfl_stride,
        wfh_stride=wfh_stride,
        wfh_offset=2 * wfl_stride,
        age_sentinel=2 * n_days,
        wlh_sentinel=2 * wfl_stride + 2 * wfh_stride,
    )
    for arr in vars(tables).values():
        if isinstance(arr, np.ndarray):
            arr.setflags(write=False)
    return tables


# --------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------


def _fmt_values(values: pd.Series) -> str:
    uniq = pd.unique(values)
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in uniq[:3])
    return shown + (", …" if len(uniq) > 3 else "")


def _raise_bad(column: str, rule: str, bad: np.ndarray, series: pd.Series) -> None:
    n_bad = int(bad.sum())
    first = series.index[np.flatnonzero(bad)[0]]
    rows = "row" if n_bad == 1 else "rows"
    raise RakorInputError(
        f"`{column}` {rule}; got {_fmt_values(series[bad])} in {n_bad} {rows} "
        f"(first at index {first!r}). Fix the values or set them to missing."
    )


def _as_float(df: pd.DataFrame, column: str, rule: str) -> np.ndarray:
    """Column as float64 with NaN for missing; anything non-numeric raises RakorInputError."""
    series = df[column]
    if is_bool_dtype(series.dtype):
        _raise_bad(column, rule, series.notna().to_numpy(), series)
    if is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan)
    coerced = pd.to_numeric(series, errors="coerce")
    bad = coerced.isna().to_numpy() & series.notna().to_numpy()
    if bad.any():
        # blank strings are missing values, not mistakes
        blank = series[bad].astype(str).str.strip().eq("").to_numpy()
        bad[np.flatnonzero(bad)[blank]] = False
    if bad.any():
        _raise_bad(column, rule, bad, series)
    return coerced.to_numpy(dtype=float, na_value=np.nan)


def _sex_codes(df: pd.DataFrame) -> np.ndarray:
    """0 for missing, 1 male, 2 female; anything else raises."""
    rule = "must be 1 (male) or 2 (female)"
    series = df["sex"]
    if is_integer_dtype(series.dtype) and not series.hasnans:
        ints = series.to_numpy()
        bad = (ints != 1) & (ints != 2)
        if bad.any():
            _raise_bad("sex", rule, bad, series)
        return ints.astype(np.int8)
    values = _as_float(df, "sex", rule)
    bad = ~np.isnan(values) & (values != 1) & (values != 2)
    if bad.any():
        _raise_bad("sex", rule, bad, series)
    return np.nan_to_num(values, nan=0.0).astype(np.int8)


def _measure_codes(df: pd.DataFrame) -> np.ndarray:
    """0 unknown, 1 lying ("l"), 2 standing ("h")."""
    n = len(df)
    if "measure" not in df.columns:
        return np.zeros(n, dtype=np.int8)
    series = df["measure"]
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = np.zeros(len(uniques) + 1, dtype=np.int8)  # last slot: missing (code -1)
    bad_codes = []
    for k, value in enumerate(uniques):
        text = str(value).strip().lower()
        if text == "l":
            lookup[k] = 1
        elif text == "h":
            lookup[k] = 2
        elif text in ("", "nan", "<na>", "none"):
            lookup[k] = 0
        else:
            bad_codes.append(k)
    if bad_codes:
        bad = np.isin(codes, bad_codes)
        _raise_bad("measure", 'must be "l" (lying), "h" (standing) or missing', bad, series)
    return lookup[codes]


def _oedema_mask(df: pd.DataFrame) -> np.ndarray:
    n = len(df)
    if "oedema" not in df.columns:
        return np.zeros(n, dtype=bool)
    series = df["oedema"]
    if is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=bool, na_value=False)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = np.zeros(len(uniques) + 1, dtype=bool)
    bad_codes = []
    for k, value in enumerate(uniques):
        text = str(value).strip().lower()
        if text in ("true", "1", "1.0", "y", "ya"):
            lookup[k] = True
        elif text in ("false", "0", "0.0", "n", "tidak", ""):
            lookup[k] = False
        else:
            bad_codes.append(k)
    if bad_codes:
        bad = np.isin(codes, bad_codes)
        _raise_bad("oedema", "must be True, False or missing", bad, series)
    return lookup[codes]


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------


def round_age_days(age_days) -> np.ndarray:
    """Round ages in days half **up** (730.5 → 731), as WHO anthro does.

    Parameters
    ----------
    age_days
        Array-like of non-negative ages in days; NaN stays NaN.

    Returns
    -------
    numpy.ndarray
        Float array of whole days.

    Notes
    -----
    ``numpy.round`` rounds half to even (730.5 → 730); WHO anthro floors and adds one when the
    fractional part is at least 0.5.
    """
    age = np.asarray(age_days, dtype=float)
    whole = np.floor(age)
    return whole + ((age - whole) >= 0.5)


def lms_zscore(y, lam, mu, sigma, *, restricted_tails: bool = True) -> np.ndarray:
    """z-score of a measurement from its L, M and S (the LMS method), unrounded.

    Parameters
    ----------
    y
        Measurements (kg or cm), array-like.
    lam, mu, sigma
        L, M and S of each measurement, e.g. from :func:`lms_parameters`.
    restricted_tails
        Apply WHO's restricted tails beyond ±3 SD (weight-based indicators; with L = 1 they
        change nothing). ``False`` gives the plain LMS formula everywhere.

    Returns
    -------
    numpy.ndarray
        Float z-scores; NaN where an input is NaN.

    Notes
    -----
    ``z = ((y/M)^L − 1)/(S·L)``; with restricted tails, beyond +3 ``z = 3 + (y − SD3)/(SD3 − SD2)``
    and below −3 ``z = −3 + (y − SD3neg)/(SD2neg − SD3neg)``, where ``SDk = M(1 + L·S·k)^(1/L)``
    (DOMAIN.md §6). :func:`compute_zscores` uses this function and rounds the result to 2 decimals.

    References
    ----------
    WHO Multicentre Growth Reference Study Group (2006). *WHO Child Growth Standards: Methods and
    development.* Geneva: WHO. Chapter 7.
    """
    shape = np.broadcast_shapes(*(np.shape(v) for v in (y, lam, mu, sigma)))
    y, lam, mu, sigma = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float))
                                              for v in (y, lam, mu, sigma)))
    # in place: fewer temporary arrays of n floats
    z = np.divide(y, mu)
    np.power(z, lam, out=z)
    z -= 1.0
    z /= sigma * lam
    if not restricted_tails:
        return z.reshape(shape)
    for side in (1.0, -1.0):
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero(z > 3.0) if side > 0 else np.flatnonzero(z < -3.0)
        if rows.size == 0:
            continue
        L, M, S, Y = lam[rows], mu[rows], sigma[rows], y[rows]
        sd3 = M * np.power(1.0 + L * S * 3.0 * side, 1.0 / L)
        sd2 = M * np.power(1.0 + L * S * 2.0 * side, 1.0 / L)
        # above: 3 + (y - SD3)/(SD3 - SD2); below: -3 + (y - SD3neg)/(SD2neg - SD3neg)
        z[rows] = side * 3.0 + (Y - sd3) / (side * (sd3 - sd2))
    return z.reshape(shape)


def _wlh_interpolated(t: _Tables, idx: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """L, M, S of the weight-for-length/height rows ``idx``, interpolated ``frac`` of the way to the next row."""
    lam, mu, sigma = t.wlh_l[idx], t.wlh_m[idx], t.wlh_s[idx]
    # heights between two 0.1 cm rows (few: measurements are taken to 0.1 cm): interpolate
    between = np.flatnonzero(frac > 1e-7)
    if between.size:
        f, i0 = frac[between], idx[between]
        lam[between] += f * (t.wlh_l[i0 + 1] - t.wlh_l[i0])
        mu[between] += f * (t.wlh_m[i0 + 1] - t.wlh_m[i0])
        sigma[between] += f * (t.wlh_s[i0 + 1] - t.wlh_s[i0])
    return lam, mu, sigma


#: Indicators of :func:`lms_parameters`: the WHO 2006 table each reads and what ``x`` is.
LMS_INDICATORS = {
    "height_for_age": ("lenanthro", "age in days"),
    "weight_for_age": ("weianthro", "age in days"),
    "weight_for_length": ("wflanthro", "length in cm (45-110)"),
    "weight_for_height": ("wfhanthro", "height in cm (65-120)"),
}


def lms_parameters(indicator: str, sex, x) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """L, M and S of the WHO 2006 standards for each child, from the tables :func:`compute_zscores` reads.

    Parameters
    ----------
    indicator
        ``"height_for_age"`` (length/height-for-age, ``lenanthro``; L = 1),
        ``"weight_for_age"`` (``weianthro``), ``"weight_for_length"`` (``wflanthro``) or
        ``"weight_for_height"`` (``wfhanthro``); see :data:`LMS_INDICATORS`.
    sex
        1 male, 2 female, array-like.
    x
        Age in days for the age indicators (rounded half up to whole days, as in
        :func:`round_age_days`), or length/height in cm for the others (L, M and S
        interpolated linearly between the 0.1 cm rows). Broadcast against ``sex``.

    Returns
    -------
    (L, M, S) : tuple of numpy.ndarray
        Floats; NaN where ``sex`` is not 1 or 2 or ``x`` is missing or outside the table
        (days 0-1826; 45-110 cm for length, 65-120 cm for height).

    Raises
    ------
    ValueError
        ``indicator`` is not one of :data:`LMS_INDICATORS`.

    Notes
    -----
    With these values, ``y = M(1 + L·S·z)^(1/L)`` is the measurement at ``z``
    (:func:`lms_value`) and :func:`lms_zscore` the z of a measurement. No position adjustment
    and no choice between length and height is made here: :func:`compute_zscores` does that.

    References
    ----------
    WHO Multicentre Growth Reference Study Group (2006). *WHO Child Growth Standards: Methods and
    development.* Geneva: WHO. Tables in ``reference/who2006/`` (WHO anthro's files).

    Examples
    --------
    >>> lam, mu, sigma = lms_parameters("height_for_age", [1], [0])
    >>> float(mu[0])  # median length of boys at birth, cm
    49.8842
    """
    if indicator not in LMS_INDICATORS:
        raise ValueError(f"indicator must be one of {sorted(LMS_INDICATORS)}; got {indicator!r}")
    t = _tables()
    sex, x = np.broadcast_arrays(np.asarray(sex, dtype=float), np.asarray(x, dtype=float))
    sex_ok = (sex == 1) | (sex == 2)
    sex_base = np.where(sex_ok, sex, 1).astype(np.int64) - 1
    with np.errstate(invalid="ignore"):
        if indicator in ("height_for_age", "weight_for_age"):
            day = round_age_days(x)
            ok = sex_ok & (day >= 0) & (day <= MAX_AGE_DAYS)
            idx = np.where(ok, sex_base * t.n_days + np.where(ok, day, 0).astype(np.int64), t.age_sentinel)
            if indicator == "height_for_age":
                return np.where(ok, 1.0, np.nan), t.len_m[idx], t.len_s[idx]
            return t.wei_l[idx], t.wei_m[idx], t.wei_s[idx]
        low, high = WFL_RANGE_CM if indicator == "weight_for_length" else WFH_RANGE_CM
        ok = sex_ok & (x >= low) & (x <= high)
    tenths = np.where(ok, (x - low) * 10.0, 0.0)
    row = np.floor(tenths + 1e-7)  # guard: 252.99999999 means row 253
    if indicator == "weight_for_length":
        base = sex_base * t.wfl_stride
    else:
        base = t.wfh_offset + sex_base * t.wfh_stride
    idx = np.where(ok, base + row.astype(np.int64), t.wlh_sentinel)
    return _wlh_interpolated(t, idx, np.where(ok, tenths - row, 0.0))


def lms_value(z, lam, mu, sigma, *, restricted_tails: bool = True) -> np.ndarray:
    """The measurement at z-score ``z``: the inverse of :func:`lms_zscore`.

    Parameters
    ----------
    z
        z-scores, array-like.
    lam, mu, sigma
        L, M and S of each value, e.g. from :func:`lms_parameters`.
    restricted_tails
        Beyond ±3 SD, follow WHO's restricted tails (straight lines through SD2 and SD3), so
        that ``lms_zscore(lms_value(z, ...), ...) == z`` for weight-based indicators too.
        ``False`` gives the plain LMS formula everywhere.

    Returns
    -------
    numpy.ndarray
        Measurements (same unit as M); NaN where an input is NaN or, without restricted tails,
        where ``1 + L·S·z <= 0`` (no value has that z).

    Notes
    -----
    ``y = M(1 + L·S·z)^(1/L)`` (the centile formula of the WHO report, chapter 7); at z = 0 it is
    M. With restricted tails, above +3 ``y = SD3 + (z − 3)(SD3 − SD2)`` and below −3
    ``y = SD3neg + (z + 3)(SD2neg − SD3neg)``, ``SDk = M(1 + L·S·k)^(1/L)``.

    References
    ----------
    WHO Multicentre Growth Reference Study Group (2006). *WHO Child Growth Standards: Methods and
    development.* Geneva: WHO. Chapter 7.
    """
    z = np.asarray(z, dtype=float)
    lam = np.asarray(lam, dtype=float)
    mu = np.asarray(mu, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    with np.errstate(invalid="ignore"):
        base = 1 + lam * sigma * z
        y = mu * np.where(base > 0, base, np.nan) ** (1 / lam)
        if restricted_tails:
            for side in (1.0, -1.0):
                sd3 = mu * np.power(1.0 + lam * sigma * 3.0 * side, 1.0 / lam)
                sd2 = mu * np.power(1.0 + lam * sigma * 2.0 * side, 1.0 / lam)
                tail = (z > 3.0) if side > 0 else (z < -3.0)
                y = np.where(tail, sd3 + (z - 3.0 * side) * side * (sd3 - sd2), y)
    return y


@cache
def _category_dtype(labels: tuple[str, ...]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(labels), ordered=True)


def _categorical(codes: np.ndarray, labels: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int8), dtype=_category_dtype(labels))


def _category_codes(z: np.ndarray, upper_cuts: tuple[float, ...]) -> np.ndarray:
    """Codes for cut-offs ``< -3``, ``< -2`` (inclusive low end) then ``> cut`` for each upper cut."""
    with np.errstate(invalid="ignore"):
        codes = (z >= -3.0).astype(np.int8) + (z >= -2.0)
        for cut in upper_cuts:
            codes += z > cut
    codes[np.isnan(z)] = -1
    return codes


def categorise_tb_u(z) -> pd.Categorical:
    """Permenkes 2/2020 height-for-age (TB/U) category of rounded z-scores.

    "sangat pendek" z < −3; "pendek" −3 ≤ z < −2; "normal" −2 ≤ z ≤ +3; "tinggi" z > +3;
    missing z → missing.

    Parameters
    ----------
    z
        Height-for-age z-scores rounded to 2 decimals (flagged values set to missing).

    Returns
    -------
    pandas.Categorical
        Ordered, with the labels of :data:`KATEGORI_TB_U`.
    """
    z = np.asarray(z, dtype=float)
    return _categorical(_category_codes(z, (3.0,)), KATEGORI_TB_U)


def categorise_bb_u(z, oedema=None) -> pd.Categorical:
    """Permenkes 2/2020 weight-for-age (BB/U) category; oedema → "sangat kurang".

    "sangat kurang" z < −3; "kurang" −3 ≤ z < −2; "normal" −2 ≤ z ≤ +1; "risiko lebih" z > +1.

    Parameters
    ----------
    z
        Weight-for-age z-scores rounded to 2 decimals (flagged values set to missing).
    oedema
        Optional boolean per child: oedema puts the child in "sangat kurang" whatever ``z``.

    Returns
    -------
    pandas.Categorical
        Ordered, with the labels of :data:`KATEGORI_BB_U`.
    """
    z = np.asarray(z, dtype=float)
    codes = _category_codes(z, (1.0,))
    if oedema is not None:
        codes[np.asarray(oedema, dtype=bool)] = 0
    return _categorical(codes, KATEGORI_BB_U)


def categorise_bb_tb(z, oedema=None) -> pd.Categorical:
    """Permenkes 2/2020 weight-for-length/height (BB/TB) category; oedema → "gizi buruk".

    "gizi buruk" z < −3; "gizi kurang" −3 ≤ z < −2; "normal" −2 ≤ z ≤ +1;
    "berisiko gizi lebih" +1 < z ≤ +2; "gizi lebih" +2 < z ≤ +3; "obesitas" z > +3.

    Parameters
    ----------
    z
        Weight-for-length/height z-scores rounded to 2 decimals (flagged values set to missing).
    oedema
        Optional boolean per child: oedema puts the child in "gizi buruk" whatever ``z``.

    Returns
    -------
    pandas.Categorical
        Ordered, with the labels of :data:`KATEGORI_BB_TB`.
    """
    z = np.asarray(z, dtype=float)
    codes = _category_codes(z, (1.0, 2.0, 3.0))
    if oedema is not None:
        codes[np.asarray(oedema, dtype=bool)] = 0
    return _categorical(codes, KATEGORI_BB_TB)


def _nullable(values: np.ndarray, missing: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(values & ~missing, missing.copy())


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------


def compute_zscores(df: pd.DataFrame) -> pd.DataFrame:
    """WHO 2006 z-scores, flags, stunting/wasting indicators and Permenkes categories.

    Parameters
    ----------
    df
        One row per child measurement with columns ``sex`` (1 male, 2 female, or missing),
        ``age_days`` (days since birth, may be fractional), ``height_cm`` (length or height as
        measured), ``weight_kg``; optional ``measure`` ("l" lying, "h" standing, missing) and
        ``oedema`` (bool, missing = no). Missing values are allowed (the z-scores that need
        them are missing).

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` with added columns:

        - ``height_adj_cm``: height after the 0.7 cm position adjustment;
        - ``position_flag`` (bool): standing below 9 months, position treated as unknown;
        - ``haz``, ``waz``, ``whz``: z-scores rounded to 2 decimals (NaN when not computable;
          flagged values are kept);
        - ``haz_flag``, ``waz_flag``, ``whz_flag`` (bool): WHO implausible-value flags;
        - ``is_stunted`` (HAZ < −2), ``is_severely_stunted`` (HAZ < −3), ``is_wasted``
          (WHZ < −2 or oedema), ``is_underweight`` (WAZ < −2 or oedema), ``is_overweight``
          (WHZ > +2; oedema: False): pandas nullable booleans, ``<NA>`` where the z-score is
          missing or flagged;
        - ``kategori_tb_u``, ``kategori_bb_u``, ``kategori_bb_tb``: ordered categoricals with
          the Permenkes 2/2020 labels, missing where the z-score is missing or flagged.

    Raises
    ------
    RakorInputError
        A required column is absent, ``sex`` is not 1/2, ``age_days`` is negative or any of
        ``age_days``, ``height_cm``, ``weight_kg`` is not numeric, ``measure`` is not l/h, or
        ``oedema`` is not boolean. The message names the column, a bad value and the row count.

    Notes
    -----
    Follows WHO anthro (R) exactly: age rounded half up to whole days; z-scores only for days
    0–1826 and unrounded age below 60 months; position adjustment of 0.7 cm at 731 days;
    standing below 9 months treated as unknown position; HAZ with L = 1; WAZ and WHZ with the
    restricted tails ``z = ±3 + (y − SD±3)/(SD±3 − SD±2)`` beyond ±3 SD, where
    ``SDk = M(1 + L·S·k)^(1/L)``; weight-for-length (45–110 cm) below 731 days and
    weight-for-height (65–120 cm) from 731 days on the adjusted height, L, M and S linearly
    interpolated between 0.1 cm rows; when age is missing the table follows ``measure``, or
    length below 87 cm if the position is unknown; measurements ≤ 0 give missing z. z-scores
    are rounded to 2 decimals before flags and cut-offs. Oedema: WAZ and WHZ missing, the child
    counted below −3 SD for underweight and wasting (when age is in range).

    References
    ----------
    WHO Multicentre Growth Reference Study Group (2006). *WHO Child Growth Standards:
    Length/height-for-age, weight-for-age, weight-for-length, weight-for-height and body mass
    index-for-age: Methods and development.* Geneva: World Health Organization. Chapter 7
    (computation of centiles and z-scores).

    WHO anthro R package, github.com/WorldHealthOrganization/anthro (``anthro_zscores``).

    Peraturan Menteri Kesehatan No. 2 Tahun 2020 tentang Standar Antropometri Anak.

    Examples
    --------
    >>> kids = pd.DataFrame({"sex": [1], "age_days": [731], "height_cm": [87.1],
    ...                      "weight_kg": [12.2], "measure": ["h"]})
    >>> compute_zscores(kids)[["haz", "is_stunted"]]  # doctest: +SKIP
    """
    if not isinstance(df, pd.DataFrame):
        raise RakorInputError("compute_zscores expects a table (pandas DataFrame) of children")
    missing_cols = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing_cols:
        raise RakorInputError(
            "the children's table lacks column(s) "
            + ", ".join(f"`{c}`" for c in missing_cols)
            + f"; found: {', '.join(map(str, df.columns))}"
        )

    # Load inputs.
    t = _tables()
    sex = _sex_codes(df)
    raw_age = _as_float(df, "age_days", "must be a number of days (0 or more)")
    with np.errstate(invalid="ignore"):
        negative = raw_age < 0
    if negative.any():
        _raise_bad("age_days", "must be 0 or more", negative, df["age_days"])
    height = _as_float(df, "height_cm", "must be a number in centimetres")
    weight = _as_float(df, "weight_kg", "must be a number in kilograms")
    measure = _measure_codes(df)
    oedema = _oedema_mask(df)

    # Process data.
    n = len(df)
    age = raw_age if is_integer_dtype(df["age_days"].dtype) else round_age_days(raw_age)
    has_age = ~np.isnan(age)
    with np.errstate(invalid="ignore"):
        months = raw_age / DAYS_PER_MONTH
        age_ok = has_age & (age <= MAX_AGE_DAYS) & (months < 60.0)
        position_flag = (measure == 2) & (months < 9.0)
        below_switch = age < HEIGHT_FROM_DAYS
        at_or_above_switch = age >= HEIGHT_FROM_DAYS
    measure = np.where(position_flag, np.int8(0), measure)

    adjust = np.zeros(n)
    adjust[(measure == 2) & below_switch] = POSITION_ADJUST_CM
    adjust[(measure == 1) & at_or_above_switch] = -POSITION_ADJUST_CM
    height_adj = height + adjust
    if adjust.any():
        # remove binary artefacts of ±0.7 (e.g. 44.3 + 0.7 = 44.99999999999999)
        height_adj = np.round(height_adj, 9)

    sex_ok = sex > 0
    sex_base = sex.astype(np.int64) - 1  # 0 male, 1 female (-1 missing, never used)
    with np.errstate(invalid="ignore"):
        h_ok = height_adj > 0
        w_ok = weight > 0
    lookup_ok = sex_ok & age_ok
    age_whole = np.where(lookup_ok, age, 0.0).astype(np.int64)
    age_index = np.where(lookup_ok, sex_base * t.n_days + age_whole, t.age_sentinel)

    # Length/height-for-age: L = 1 → z = (y/M - 1)/S.
    idx = np.where(h_ok, age_index, t.age_sentinel)
    haz = np.divide(height_adj, t.len_m[idx])
    haz -= 1.0
    haz /= t.len_s[idx]

    # Weight-for-age, restricted tails.
    idx = np.where(w_ok & ~oedema, age_index, t.age_sentinel)
    waz = lms_zscore(weight, t.wei_l[idx], t.wei_m[idx], t.wei_s[idx])

    # Weight-for-length (< 731 d) / weight-for-height (≥ 731 d), interpolated by 0.1 cm.
    with np.errstate(invalid="ignore"):
        use_length = np.where(
            has_age,
            below_switch,
            np.where(measure == 0, height_adj < NO_AGE_LENGTH_BELOW_CM, measure == 1),
        )
        low = np.where(use_length, WFL_RANGE_CM[0], WFH_RANGE_CM[0])
        high = np.where(use_length, WFL_RANGE_CM[1], WFH_RANGE_CM[1])
        wlh_ok = (
            sex_ok
            & w_ok
            & ~oedema
            & (height_adj >= low)
            & (height_adj <= high)
            & (age_ok | ~has_age)
        )
    tenths = np.where(wlh_ok, (height_adj - low) * 10.0, 0.0)
    row = np.floor(tenths + 1e-7)  # guard: 252.99999999 means row 253
    base = np.where(use_length, sex_base * t.wfl_stride, t.wfh_offset + sex_base * t.wfh_stride)
    idx = np.where(wlh_ok, base + row.astype(np.int64), t.wlh_sentinel)
    lam, mu, sigma = _wlh_interpolated(t, idx, tenths - row)
    whz = lms_zscore(weight, lam, mu, sigma)

    # Round, then flag and classify on the rounded values.
    haz = np.round(haz, 2)
    waz = np.round(waz, 2)
    whz = np.round(whz, 2)
    with np.errstate(invalid="ignore"):
        haz_flag = np.abs(haz) > HAZ_FLAG
        waz_flag = (waz < WAZ_FLAG[0]) | (waz > WAZ_FLAG[1])
        whz_flag = np.abs(whz) > WHZ_FLAG
        haz_ok = np.where(haz_flag, np.nan, haz)
        waz_ok = np.where(waz_flag, np.nan, waz)
        whz_ok = np.where(whz_flag, np.nan, whz)
        oedema_waz = oedema & sex_ok & age_ok
        oedema_whz = oedema & sex_ok & (age_ok | ~has_age)
        is_stunted = _nullable(haz_ok < -2.0, np.isnan(haz_ok))
        is_sev_stunted = _nullable(haz_ok < -3.0, np.isnan(haz_ok))
        is_wasted = _nullable((whz_ok < -2.0) | oedema_whz, np.isnan(whz_ok) & ~oedema_whz)
        is_underweight = _nullable((waz_ok < -2.0) | oedema_waz, np.isnan(waz_ok) & ~oedema_waz)
        is_overweight = _nullable((whz_ok > 2.0) & ~oedema_whz, np.isnan(whz_ok) & ~oedema_whz)

    # Save outputs.
    new = {
        "height_adj_cm": height_adj,
        "position_flag": position_flag,
        "haz": haz,
        "waz": waz,
        "whz": whz,
        "haz_flag": haz_flag,
        "waz_flag": waz_flag,
        "whz_flag": whz_flag,
        "is_stunted": is_stunted,
        "is_severely_stunted": is_sev_stunted,
        "is_wasted": is_wasted,
        "is_underweight": is_underweight,
        "is_overweight": is_overweight,
        "kategori_tb_u": categorise_tb_u(haz_ok),
        "kategori_bb_u": categorise_bb_u(waz_ok, oedema_waz),
        "kategori_bb_tb": categorise_bb_tb(whz_ok, oedema_whz),
    }
    # pandas copy-on-write: the result shares nothing writable with ``df`` (a true copy as soon
    # as either side is written); the new arrays are ours alone, so they are wrapped, not copied.
    return df.assign(**{k: pd.Series(v, index=df.index, copy=False) for k, v in new.items()})


def who_age_group(age_days) -> pd.Categorical:
    """WHO anthro's age group of each child: "0-5", "6-11", "12-23", "24-35", "36-47", "48-59".

    Parameters
    ----------
    age_days
        Age in days (unrounded, as measured); missing allowed.

    Returns
    -------
    pandas.Categorical
        Categories :data:`AGE_GROUPS`; missing for a missing age or 60 months and over.

    Notes
    -----
    Months = age_days / 30.4375 on the full-precision age, cut into right-open bins
    [0, 6), [6, 12), [12, 24), [24, 36), [36, 48), [48, 60): R ``cut(..., right = FALSE)`` as in
    ``anthro:::anthro_age_groups``.

    References
    ----------
    WHO (2019). anthro R package, ``R/utils.R`` (``anthro_age_groups``).
    """
    months = np.asarray(age_days, dtype=float) / DAYS_PER_MONTH
    with np.errstate(invalid="ignore"):
        codes = np.searchsorted(np.asarray(AGE_GROUP_BREAKS, dtype=float), months, side="right") - 1
        codes = np.where(np.isnan(months) | (months < 0) | (codes >= len(AGE_GROUPS)), -1, codes)
    return pd.Categorical.from_codes(codes, categories=list(AGE_GROUPS))


def zscore_sd(data: pd.DataFrame, y: str, by: str | list[str] | None = None) -> pd.DataFrame:
    """Standard deviation of a z-score per domain, as WHO anthro reports it (``*_stdev``).

    Parameters
    ----------
    data
        One row per child.
    y
        The z-score column, flagged values already missing.
    by
        Column(s) defining domains; None for one row.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``n`` (children with a value) and ``estimate`` (the SD); domains with
        fewer than two values have a missing SD.

    Notes
    -----
    The unweighted sample SD (denominator n − 1) of the non-missing values, R ``sd(x)`` as in
    anthro's simple design (no cluster, strata or weights).
    """
    by = [by] if isinstance(by, str) else list(by or [])
    values = pd.to_numeric(data[y], errors="coerce").astype(float)
    if not by:
        return pd.DataFrame({"n": [int(values.notna().sum())], "estimate": [values.std(ddof=1)]})
    g = values.groupby([data[c] for c in by], observed=True, dropna=True)
    out = pd.DataFrame({"n": g.count(), "estimate": g.std(ddof=1)}).reset_index()
    return out[out["n"] > 0].reset_index(drop=True)

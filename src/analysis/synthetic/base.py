"""What the synthetic world and its exports share: the calendar, the random streams, text helpers.

Every random draw of the generator comes from :func:`stream`: one ``numpy`` generator per named
part (``"register"``, ``"export-eppgbm"``...) derived from the seed, so a part's draws do not move
when another part changes. The text helpers turn whole arrays into the strings an export holds,
without a Python loop body per row.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "PROGRAM_PERIODS",
    "REGISTER_PERIOD",
    "ROUNDS",
    "SURVEY_PERIOD",
    "as_text",
    "fmt_dates",
    "fmt_num",
    "map_text",
    "objectify",
    "pick",
    "stream",
    "survey_line",
    "to_day",
    "ymd",
]

# ---- the calendar of the synthetic world ------------------------------------------------------
#: e-PPGBM weighing rounds: (period, label as the app writes it).
ROUNDS = (("2024-02", "Februari 2024"), ("2024-08", "Agustus 2024"), ("2025-02", "Februari 2025"))
REGISTER_PERIOD = "2025-02"
SURVEY_PERIOD = "2025-03"
PROGRAM_PERIODS = ("2025-01", "2025-02", "2025-03")


def to_day(s: str) -> int:
    """Days since 1970-01-01 of an ISO date.

    Parameters
    ----------
    s
        ``"YYYY-MM-DD"``.

    Returns
    -------
    int
    """
    return int(np.datetime64(s, "D").astype(np.int64))


# ---- random streams -----------------------------------------------------------------------------

def stream(seed: int, name: str) -> np.random.Generator:
    """Independent random stream for one part of the generator (stable across code changes).

    Parameters
    ----------
    seed
        The seed of the whole sample.
    name
        The part (``"register"``, ``"export-dtsen"``...); its CRC-32 is the second seed word.

    Returns
    -------
    numpy.random.Generator
    """
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


def pick(rng: np.random.Generator, n: int, rate: float, eligible: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of exactly ``round(rate * n_eligible)`` rows drawn without replacement.

    Parameters
    ----------
    rng
        The stream to draw from.
    n
        Length of the mask.
    rate
        Share of the eligible rows to pick.
    eligible
        Boolean mask of the rows that may be picked; default all.

    Returns
    -------
    numpy.ndarray of bool
    """
    idx = np.arange(n) if eligible is None else np.flatnonzero(eligible)
    k = int(round(rate * len(idx)))
    mask = np.zeros(n, bool)
    if k:
        mask[rng.choice(idx, k, replace=False)] = True
    return mask


# ---- dates and text -----------------------------------------------------------------------------

def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of dates given as days since 1970-01-01.

    Parameters
    ----------
    days
        Whole days since 1970-01-01.

    Returns
    -------
    tuple of three numpy.ndarray of int64
        Year, month (1-12), day of the month (1-31).
    """
    d64 = np.asarray(days, dtype="int64").astype("M8[D]")
    y = d64.astype("M8[Y]").astype(np.int64) + 1970
    m = d64.astype("M8[M]").astype(np.int64) % 12 + 1
    d = (d64 - d64.astype("M8[M]")).astype(np.int64) + 1
    return y, m, d


def as_text(a: np.ndarray) -> np.ndarray:
    """Values as an object array of ``str`` (``map`` over a list: C-level, no Python loop body).

    Parameters
    ----------
    a
        Any array-like.

    Returns
    -------
    numpy.ndarray of object
    """
    return np.array(list(map(str, np.asarray(a).tolist())), dtype=object)


def map_text(func: Callable[[Any], Any], a: np.ndarray) -> np.ndarray:
    """``func`` applied to each value, as an object array.

    Parameters
    ----------
    func
        Function of one value (``str.upper``...).
    a
        Any array-like.

    Returns
    -------
    numpy.ndarray of object
    """
    return np.array(list(map(func, np.asarray(a, dtype=object).tolist())), dtype=object)


def objectify(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as object dtype, in place: repeated ``to_numpy()`` of Arrow strings is slow.

    Parameters
    ----------
    df
        Any table; changed in place.

    Returns
    -------
    pandas.DataFrame
        ``df``.
    """
    for c in df.columns:
        if pd.api.types.is_string_dtype(df[c].dtype) and df[c].dtype != object:
            df[c] = df[c].astype(object)
    return df


def fmt_dates(days: np.ndarray, style: str) -> np.ndarray:
    """Dates as text in one of the styles agency exports use.

    Parameters
    ----------
    days
        Whole days since 1970-01-01.
    style
        ``"dmy"`` dd/mm/yyyy (the default for any other value), ``"iso"`` yyyy-mm-dd,
        ``"dmy2"`` d-m-yy, ``"mdy"`` mm/dd/yyyy.

    Returns
    -------
    numpy.ndarray of object (str)
    """
    y, m, d = ymd(days)
    y, m, d = y.tolist(), m.tolist(), d.tolist()
    if style == "iso":
        parts, fmt = zip(y, m, d, strict=True), "%d-%02d-%02d"
    elif style == "dmy2":
        parts, fmt = zip(d, m, [v % 100 for v in y], strict=True), "%d-%d-%02d"
    elif style == "mdy":
        parts, fmt = zip(m, d, y, strict=True), "%02d/%02d/%d"
    else:
        parts, fmt = zip(d, m, y, strict=True), "%02d/%02d/%d"
    return np.array(list(map(fmt.__mod__, parts)), dtype=object)


def fmt_num(x: np.ndarray, decimals: int, comma: bool = False) -> np.ndarray:
    """Numbers as text with fixed decimals.

    Parameters
    ----------
    x
        Numbers; NaN becomes ``""``.
    decimals
        Digits after the decimal mark.
    comma
        Write a decimal comma (``85,3``) instead of a point.

    Returns
    -------
    numpy.ndarray of object (str)
    """
    x = np.asarray(x, dtype=float)
    out = list(map(f"{{:.{decimals}f}}".format, x.tolist()))
    if comma:
        out = list(map(str.replace, out, repeat("."), repeat(",")))
    arr = np.array(out, dtype=object)
    arr[np.isnan(x)] = ""
    return arr


def survey_line(kind: str, region: str | None = None) -> float:
    """The poverty line (``"poverty"`` or ``"extreme"``) the sample's survey period is measured with.

    The same resolution as the estimates (``analysis.estimation.poverty_lines.resolve_line``), so the
    sample is calibrated to the line its figures use: the region's own line for the survey year or
    the latest earlier one (else its province's or the national line). ``region`` defaults to the
    configured region.
    """
    from analysis import config
    from analysis.estimation.poverty_lines import resolve_line

    return resolve_line(kind, region or config.settings()["region"]["code"], SURVEY_PERIOD).value_idr


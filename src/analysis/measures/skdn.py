"""Growth monitoring at the posyandu (SKDN): each child-month classified N, T, O or B.

From the by-name e-PPGBM data of several months (one row per child and month, children linked
across months by their pseudonymous ``child_key``), :func:`classify_weighings` tells for every
weighing whether the child is N (gained at least the KBM), T (did not), O (weighed this month but
not last month) or B (newborn, first weighed this month, under one completed month), and whether
it is a second T in a row (2T, a referral criterion). :func:`target_months` says which children
are targets (S) of which posyandu in which month. :func:`skdn_counts` adds both up per posyandu
and month. The KBM table is ``config/kbm.csv`` (:func:`load_kbm`).

Everything is vectorised: the rows are sorted by child and month and compared with the row before
(``shift``); no loop over children.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import RakorInputError

__all__ = ["KBM_FILE", "MAX_AGE_MONTHS", "MONTH_DAYS", "age_months", "classify_weighings", "kbm_grams",
           "load_kbm", "month_number", "period_of_month", "skdn_counts", "target_months"]

KBM_FILE = "kbm.csv"
#: days of a month in "completed months of age" (WHO anthro: 365.25 / 12)
MONTH_DAYS = 30.4375
#: a target child (balita) is under 60 completed months
MAX_AGE_MONTHS = 60
#: the count columns of :func:`skdn_counts`
COUNTS = ("s", "d", "n", "t", "o", "b", "t2")


def load_kbm(config_dir: str | Path | None = None) -> np.ndarray:
    """The KBM in grams by completed month of age, from ``config/kbm.csv``.

    Parameters
    ----------
    config_dir
        The configuration folder; default :data:`analysis.config.CONFIG_DIR`.

    Returns
    -------
    numpy.ndarray
        ``kbm[m]`` = the minimum gain (whole grams) of a child ``m`` completed months old at the
        later weighing, for ``m = 0 … MAX_AGE_MONTHS``. The table starts at one month; a child
        weighed twice before completing its first month is held to the one-month KBM.

    Raises
    ------
    RakorInputError
        When the file is missing, a value is not a whole number of grams, or the age ranges leave a
        month between 1 and :data:`MAX_AGE_MONTHS` uncovered or covered twice (naming file, row and
        column).
    """
    from analysis import config

    path = Path(config_dir if config_dir is not None else config.CONFIG_DIR) / KBM_FILE
    if not path.is_file():
        raise RakorInputError(f"KBM table {path} is missing; restore config/{KBM_FILE} from git")
    table = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    missing = [c for c in ("age_months_min", "age_months_max", "kbm_g") if c not in table]
    if missing:
        raise RakorInputError(f"{path}: missing column(s) {', '.join(missing)}")
    kbm = np.full(MAX_AGE_MONTHS + 1, -1, dtype=np.int64)
    for i, row in table.iterrows():  # a handful of config rows, read once
        values = {}
        for col in ("age_months_min", "age_months_max", "kbm_g"):
            text = str(row[col]).strip()
            if not text.isdigit():
                raise RakorInputError(f"{path}, row {i + 2}, column `{col}`: a whole number is needed; got {text!r}")
            values[col] = int(text)
        lo, hi = values["age_months_min"], values["age_months_max"]
        if not 1 <= lo <= hi <= MAX_AGE_MONTHS or (kbm[lo:hi + 1] >= 0).any():
            raise RakorInputError(f"{path}, row {i + 2}, column `age_months_min`: the range {lo}-{hi} must lie "
                                  f"within 1-{MAX_AGE_MONTHS} months and not overlap another row")
        kbm[lo:hi + 1] = values["kbm_g"]
    gaps = np.flatnonzero(kbm[1:] < 0) + 1
    if len(gaps):
        raise RakorInputError(f"{path}: no KBM for {len(gaps)} month(s) of age, first {int(gaps[0])}")
    kbm[0] = kbm[1]
    return kbm


def age_months(age_days) -> np.ndarray:
    """Completed months of age: ``floor(age_days / 30.4375)``."""
    return np.floor(np.asarray(age_days, dtype=float) / MONTH_DAYS)


def kbm_grams(months, kbm: np.ndarray | None = None) -> np.ndarray:
    """The KBM (grams) for ages in completed months (0 is held to the one-month KBM)."""
    kbm = load_kbm() if kbm is None else kbm
    m = np.clip(np.asarray(months, dtype=float), 0, MAX_AGE_MONTHS)
    return kbm[np.nan_to_num(m, nan=0).astype(np.int64)]


def month_number(period: pd.Series) -> np.ndarray:
    """``"YYYY-MM"`` as a month count (year × 12 + month − 1): consecutive months differ by 1."""
    codes, uniques = pd.factorize(period.astype(str))
    u = pd.Series(uniques)
    num = u.str[:4].astype(int).to_numpy() * 12 + u.str[5:7].astype(int).to_numpy() - 1
    return num[codes]


def period_of_month(month: np.ndarray) -> np.ndarray:
    """Month numbers (:func:`month_number`) back to ``"YYYY-MM"``."""
    m = np.asarray(month, dtype=np.int64)
    uniq, inv = np.unique(m, return_inverse=True)
    text = np.array([f"{u // 12:04d}-{u % 12 + 1:02d}" for u in uniq], dtype=object)  # a few months
    return text[inv]


def _order(child: np.ndarray, month: np.ndarray, measure_ns: np.ndarray | None,
           perm: np.ndarray | None = None, mask: np.ndarray | None = None) -> np.ndarray:
    """Row positions sorted by child and month, one per child and month (the last measured).

    ``perm`` reuses a sort already made (``np.lexsort`` of measure, month, child); ``mask`` keeps
    only some rows (a subsequence of a sorted order is sorted).
    """
    if perm is None:
        keys = [month, child]  # np.lexsort: the last key sorts first
        if measure_ns is not None:
            keys.insert(0, measure_ns)
        perm = np.lexsort(keys)
    if mask is not None:
        perm = perm[mask[perm]]
    c, m = child[perm], month[perm]
    last = np.r_[(c[1:] != c[:-1]) | (m[1:] != m[:-1]), True]
    return perm[last]


def _codes(panel: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Integer child codes, month numbers and measurement times of the panel's rows."""
    child = pd.factorize(panel["child_key"])[0]
    measure = (panel["measure_date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
               if "measure_date" in panel else None)
    return child, month_number(panel["period"]), measure


def _status(child: np.ndarray, month: np.ndarray, months_age: np.ndarray, kg: np.ndarray,
            kbm: np.ndarray) -> tuple[np.ndarray, ...]:
    """N/T/O/B of weighings sorted by child and month (see :func:`classify_weighings`).

    Returns status codes (0 N, 1 T, 2 O, 3 B), the gain in grams (NaN without last month's
    weighing), the KBM and the 2T flag.
    """
    same = np.r_[False, child[1:] == child[:-1]]  # the row before is the same child's earlier weighing
    consecutive = same & (np.r_[-1, month[:-1]] == month - 1)
    gain = np.full(len(kg), np.nan)
    gain[1:] = np.rint((kg[1:] - kg[:-1]) * 1000.0)  # whole grams: 0.1-kg records compared exactly
    gain[~consecutive] = np.nan
    need = kbm_grams(months_age, kbm)
    status = np.where(~same & (months_age < 1), 3, np.where(~consecutive, 2, np.where(gain >= need, 0, 1)))
    is_t = status == 1
    is_2t = is_t & consecutive & np.r_[False, is_t[:-1]]
    return status.astype(np.int8), gain, need, is_2t


STATUS = np.array(["N", "T", "O", "B"], dtype=object)


def classify_weighings(panel: pd.DataFrame, kbm: np.ndarray | None = None) -> pd.DataFrame:
    """Every weighing of the panel as N, T, O or B, with the gain in grams and the 2T flag.

    Parameters
    ----------
    panel
        By-name rows of several months: ``child_key``, ``period`` ("YYYY-MM", the weighing month),
        ``age_days`` (at the weighing), ``weight_kg`` and any area columns (``kelurahan_code``,
        ``posyandu`` ...), which are kept. Two rows of one child in one month: the later
        ``measure_date`` is used.
    kbm
        :func:`load_kbm` output; default read from the configuration.

    Returns
    -------
    pandas.DataFrame
        One row per weighing of a child under :data:`MAX_AGE_MONTHS` months (rows without a weight
        are not weighings), sorted by child and month, with the panel's columns and ``month``
        (month number), ``age_months``, ``gain_g`` (whole grams since last month's weighing, else
        missing), ``kbm_g``, ``status`` ("N", "T", "O", "B") and ``is_2t`` (T this month and last).

    Notes
    -----
    B: the child's first weighing in the data and under one completed month. O: any other weighing
    without a weighing in the calendar month before (a new child, or one who missed last month).
    Otherwise N when ``gain_g >= kbm_g`` for the age in completed months at this weighing, else T.
    Weights are recorded to 0.1 kg; the difference is rounded to whole grams before it is compared
    (8.3 → 9.1 kg is 800 g, not 799.999… g). The first month of the data has no "last month": its
    weighings are all O or B, so a month's N/T/O are only meaningful when the month before is in
    the data too (:func:`skdn_counts` leaves them out otherwise).

    References
    ----------
    Kementerian Kesehatan RI (2023). Buku Kesehatan Ibu dan Anak, p. 54 (KBM); Kemenkes, Petunjuk
    teknis pemantauan pertumbuhan (SKDN).
    """
    kbm = load_kbm() if kbm is None else kbm
    weighed = panel[panel["weight_kg"].notna() & (age_months(panel["age_days"]) < MAX_AGE_MONTHS)]
    child, month, measure = _codes(weighed)
    keep = _order(child, month, measure)
    w = weighed.iloc[keep].reset_index(drop=True)
    child, month = child[keep], month[keep]
    months = age_months(w["age_days"])
    status, gain, need, is_2t = _status(child, month, months, w["weight_kg"].to_numpy(dtype=float), kbm)
    return w.assign(month=month, age_months=months.astype(np.int64),
                    gain_g=pd.array(np.where(np.isnan(gain), pd.NA, gain), dtype="Int64"),
                    kbm_g=need, status=STATUS[status], is_2t=is_2t)


def target_months(panel: pd.DataFrame, last_month: int | None = None) -> pd.DataFrame:
    """The target children (S) of every month: who is registered where, under 60 months.

    Parameters
    ----------
    panel
        By-name rows as for :func:`classify_weighings` (with or without a weight).
    last_month
        Month number (:func:`month_number`) up to which a child stays registered; default the
        panel's last month.

    Returns
    -------
    pandas.DataFrame
        One row per child and month: ``month`` and the area columns of the child's latest row at
        or before that month.

    Notes
    -----
    A child is a target (S) of a posyandu from the first month the register lists it there until
    it completes 60 months, moves (a later row elsewhere), or the data end: once registered, a child
    stays a target in the months it is not weighed (that is what D/S measures). Age in a later
    month is the age at the row plus the months since.
    """
    child, month, measure = _codes(panel)
    keep = _order(child, month, measure)
    rows = panel.iloc[keep].reset_index(drop=True)
    if last_month is None:
        last_month = int(month.max()) if len(month) else 0
    start, end = _spans(child[keep], month[keep], age_months(rows["age_days"]).astype(np.int64), last_month)
    span = end - start
    idx = np.repeat(np.arange(len(rows)), span)
    first = np.repeat(np.cumsum(span) - span, span)
    out = rows.drop(columns=[c for c in ("period",) if c in rows]).iloc[idx].reset_index(drop=True)
    out["month"] = start[idx] + (np.arange(len(idx)) - first)
    return out


def _spans(child: np.ndarray, month: np.ndarray, months_age: np.ndarray, last_month: int):
    """The months [start, end) each row (sorted by child and month) makes the child a target there."""
    nxt = np.where(np.r_[child[1:] == child[:-1], False], np.r_[month[1:], 0], last_month + 1)
    aged_out = month + (MAX_AGE_MONTHS - months_age)  # the month it completes 60 months
    end = np.maximum(np.minimum(nxt, aged_out), month)
    return month, end


def skdn_counts(panel: pd.DataFrame, keys: list[str], kbm: np.ndarray | None = None,
                months: np.ndarray | None = None) -> pd.DataFrame:
    """S, D, N, T, O, B and 2T per ``keys`` (e.g. kelurahan and posyandu) and month.

    Parameters
    ----------
    panel
        By-name rows of several months (see :func:`classify_weighings`), with the ``keys`` columns
        (no missing values).
    keys
        Area columns to count by.
    kbm
        :func:`load_kbm` output.
    months
        The month numbers (:func:`month_number`) of the whole data when ``panel`` is a part of it
        (the dask engine: the children of one partition); default the panel's own months.

    Returns
    -------
    pandas.DataFrame
        ``keys``, ``period``, ``s``, ``d``, ``n``, ``t``, ``o``, ``b``, ``t2`` (counts), and
        ``has_previous`` / ``has_two_previous`` (the month before, and the two before, are in the
        data: N, T, O are only known then, and 2T only with two). D′ = D − O − B = N + T.
    """
    kbm = load_kbm() if kbm is None else kbm
    cols = [*keys, "period", *COUNTS, "has_previous", "has_two_previous"]
    if panel.empty:
        return pd.DataFrame(columns=cols)
    # Integer codes once: child, month, and the cell (the keys); then bincount, no groupby on text.
    child, month, measure = _codes(panel)
    cell = panel.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
    n_cells = int(cell.max()) + 1
    cells = panel[keys].iloc[np.unique(cell, return_index=True)[1]].reset_index(drop=True)
    grid = month if months is None else np.asarray(months, dtype=month.dtype)
    m0, m1 = int(grid.min()), int(grid.max())
    width = m1 - m0 + 2  # the months of the data, and one past the end

    def count(positions: np.ndarray, weights=None) -> np.ndarray:
        return np.bincount(positions, weights=weights, minlength=n_cells * width).reshape(n_cells, width)

    age = age_months(panel["age_days"].to_numpy(dtype=float))
    kg = panel["weight_kg"].to_numpy(dtype=float)
    # S: +1 where a row starts making the child a target, -1 where it stops; summed along months.
    perm = np.lexsort([measure, month, child] if measure is not None else [month, child])
    keep = _order(child, month, measure, perm)
    start, end = _spans(child[keep], month[keep], age[keep].astype(np.int64), m1)
    span = end > start
    c = cell[keep][span]
    s = np.cumsum(count(c * width + start[span] - m0) - count(c * width + end[span] - m0), axis=1)
    # D, N, T, O, B, 2T of the weighings.
    wmask = ~np.isnan(kg) & (age < MAX_AGE_MONTHS)
    keep = _order(child, month, measure, perm, wmask)
    status, _, _, is_2t = _status(child[keep], month[keep], age[keep], kg[keep], kbm)
    at = cell[keep] * width + month[keep] - m0
    table = {"s": s, "d": count(at)}
    for code, name in enumerate(("n", "t", "o", "b")):
        table[name] = count(at[status == code])
    table["t2"] = count(at[is_2t])
    in_data = np.zeros(width, bool)
    in_data[np.unique(grid) - m0] = True
    months = np.flatnonzero(in_data)
    out = cells.iloc[np.repeat(np.arange(n_cells), len(months))].reset_index(drop=True)
    m = np.tile(months + m0, n_cells)
    out["period"] = period_of_month(m)
    for name in COUNTS:
        out[name] = table[name][:, months].ravel().astype(np.int64)
    prev = np.r_[False, in_data[:-1]]
    out["has_previous"] = np.tile(prev[months], n_cells)
    out["has_two_previous"] = out["has_previous"].to_numpy() & np.tile(np.r_[False, False, in_data[:-2]][months],
                                                                       n_cells)
    return out[cols]

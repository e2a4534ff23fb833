"""Small-cell suppression of counts of persons or families, with complementary suppression.

Counts from 1 to ``min_cell − 1`` are shown as ``"<5"`` (``min_cell`` from ``config/settings.yml``,
``privacy.min_cell``); where a published total and the other cells of the same group would let a
reader subtract their way to a hidden cell, the next-smallest cell of the group is hidden too
(complementary suppression, shown as ``"*"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.briefs import narrative
from analysis.errors import RakorInputError

COMPLEMENTARY_MARK = "*"


def _default_min_cell() -> int:
    try:
        from analysis import config

        return int(config.settings()["privacy"]["min_cell"])
    except Exception:  # outside a checkout: the documented default  # noqa: BLE001
        return 5


def suppress_small_counts(table: pd.DataFrame, count_cols: str | Sequence[str],
                          min_cell: int | None = None, group_cols: str | Sequence[str] | None = None,
                          lang: str = "id", complementary: bool = True) -> pd.DataFrame:
    """Hide small counts of persons or families, with complementary suppression.

    Parameters
    ----------
    table
        One row per cell of a published table (e.g. one row per kelurahan).
    count_cols
        Columns holding counts of persons or families. Each is treated separately.
    min_cell
        Counts ``1 … min_cell − 1`` are hidden (primary suppression). Zero is shown: it reveals
        nobody. Default: ``privacy.min_cell`` in ``config/settings.yml`` (5).
    group_cols
        Rows sharing these values add up to a total that is published (the kelurahan of one
        kecamatan add up to the kecamatan figure). ``None``: the whole table is one group (its
        column total is assumed to be shown somewhere, the safe default). Pass the total rows
        separately: they are not part of the table.
    lang
        Number format of the ``*_display`` columns.
    complementary
        Apply complementary suppression (default). Turn off only when no total of the group is
        published anywhere.

    Returns
    -------
    pandas.DataFrame
        A copy with, for each count column ``c``, a string column ``c_display`` (``"<5"`` for a
        primary suppression, ``"*"`` for a complementary one, otherwise the count formatted in
        ``lang``), and a bool column ``suppressed`` (any count of the row hidden).

    Notes
    -----
    Complementary rule, per count column and group: when exactly one cell is hidden, the group
    total minus the shown cells would give it away, so the smallest remaining positive cell is
    hidden too (a zero only if no positive cell remains; the reader cannot tell which hidden cell
    is zero). A group whose only cell is hidden is left as is: its total must be suppressed by
    whoever publishes it. One pass protects one-dimensional tables (rows adding to a total); a
    table with both row and column totals needs an iterative search, out of scope here.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*, ch. 5 (cell suppression).
    Wiley.
    """
    min_cell = _default_min_cell() if min_cell is None else int(min_cell)
    if min_cell < 1:
        raise RakorInputError(f"min_cell must be at least 1; got {min_cell}")
    cols = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    groups = [] if group_cols is None else ([group_cols] if isinstance(group_cols, str)
                                           else list(group_cols))
    missing = [c for c in [*cols, *groups] if c not in table.columns]
    if missing:
        raise RakorInputError(
            f"suppress_small_counts: column(s) {', '.join(missing)} not in the table "
            f"(columns: {', '.join(map(str, table.columns))})")
    out = table.copy()
    any_hidden = np.zeros(len(out), dtype=bool)
    # Group id per row (one group when group_cols is None); positional index throughout.
    if groups:
        gid = out[groups].astype("object").fillna("\x00<NA>").groupby(groups, sort=False).ngroup()
        gid = gid.to_numpy()
    else:
        gid = np.zeros(len(out), dtype=np.int64)
    for col in cols:
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.notna() & ((values < 0) | (values != values.round()))
        if bad.any():
            raise RakorInputError(
                f"suppress_small_counts: column {col!r} must hold whole counts ≥ 0; got "
                f"{values[bad].iloc[0]!r} in {int(bad.sum())} row(s)")
        v = values.to_numpy(dtype=float)
        present = ~np.isnan(v)
        primary = present & (v >= 1) & (v < min_cell)
        secondary = np.zeros(len(out), dtype=bool)
        if complementary and primary.any():
            frame = pd.DataFrame({"gid": gid, "v": v, "primary": primary, "present": present})
            n_primary = frame.groupby("gid")["primary"].transform("sum").to_numpy()
            candidate = present & ~primary & (n_primary == 1)
            if candidate.any():
                cand = frame[candidate].assign(
                    zero=lambda d: d["v"] == 0, pos=np.flatnonzero(candidate))
                # smallest positive cell first, zeros last; first row wins ties
                pick = cand.sort_values(["gid", "zero", "v", "pos"], kind="mergesort") \
                    .drop_duplicates("gid")["pos"].to_numpy()
                secondary[pick] = True
        shown = narrative.fmt_int_series(pd.Series(v, index=out.index), lang).fillna("")
        shown = shown.mask(primary, f"<{min_cell}")
        shown = shown.mask(secondary, COMPLEMENTARY_MARK)
        out[f"{col}_display"] = shown.astype(str)
        any_hidden |= primary | secondary
    out["suppressed"] = any_hidden
    return out



"""The e-PPGBM app's own z-scores, verified against ours (the rakor's "terverifikasi" check).

The by-name export carries the app's ``ZS TB/U`` (and ``ZS BB/U``, ``ZS BB/TB``), cleaned into
``app_haz`` (``app_waz``, ``app_whz``) of ``eppgbm.parquet``. :func:`z_disagreement_rows` compares
the app's stunting classification (``app_haz < -2``) with ours (``is_stunted`` of
:func:`analysis.anthropometry.compute_zscores`) child by child.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["INDICATOR", "z_disagreement_counts", "z_disagreement_rows", "z_disagreement_rows_from_counts"]

INDICATOR = "eppgbm_z_disagreement"
#: WHO 2006: stunted when height-for-age z < -2 (the same cut-off as ``compute_zscores``).
STUNTING_CUTOFF = -2.0


def z_disagreement_rows(children: pd.DataFrame, period: str) -> pd.DataFrame:
    """Share of children whose stunting classification by the app differs from ours.

    Parameters
    ----------
    children
        :func:`analysis.anthropometry.compute_zscores` output of ``eppgbm.parquet`` (columns
        ``period``, ``kecamatan_code``, ``kelurahan_code``, ``app_haz``, ``is_stunted`` and,
        when the export had it, ``puskesmas``).
    period
        The rakor period (``YYYY-MM``); rounds after it are left out.

    Returns
    -------
    DataFrame
        Estimates-table rows, indicator ``eppgbm_z_disagreement``: per kota, kecamatan and
        kelurahan and weighing round (``data_period``), breakdown ``total``; per kota and
        kecamatan also ``puskesmas=<name>``. ``n`` = children with both an app z-score and our
        classification, ``estimate`` = the share of them classified differently (stunted by one,
        not by the other), ``ci_low``/``ci_high`` Wilson 95%, ``method`` ``count:wilson``,
        ``source`` ``eppgbm``. Empty when no export carries the app's z-scores.

    Notes
    -----
    The app's value is stunted when ``ZS TB/U < -2``; its placeholders (``999,99``) and malformed
    values are missing at cleaning and so not compared. Ours is missing where our z-score is
    flagged implausible or cannot be computed; those children are not compared either. A
    difference points at the app's inputs (age in whole months, no 0.7 cm adjustment between
    lying and standing, a typing error) or at ours; either way the child's record is worth a look.
    """
    return z_disagreement_rows_from_counts(z_disagreement_counts(children, period), period)


#: the cells of :func:`z_disagreement_counts`: round, area codes and puskesmas (missing kept)
CELL_KEYS = ("period", "kabkota_code", "kecamatan_code", "kelurahan_code", "puskesmas")
#: its counts: classified differently, compared
COUNTS = ("count", "n")


def z_disagreement_counts(children: pd.DataFrame, period: str) -> pd.DataFrame | None:
    """Children compared (``n``) and classified differently (``count``) per finest cell
    (:data:`CELL_KEYS` present, a missing value a cell of its own), sorted by the cells.

    Counts of parts of the rows add up to the counts of all of them (the dask engine adds those
    of its partitions). None when the rows carry no app z-score column.
    """
    from analysis.estimates.table import with_area_columns

    if children is None or "app_haz" not in children.columns:
        return None
    c = children.loc[children["period"] <= period]
    ours = c["is_stunted"].astype("boolean")
    both = (c["app_haz"].notna() & ours.notna()).to_numpy()
    areas = [k for k in ("kabkota_code", "kecamatan_code", "kelurahan_code") if k in c.columns]
    d = with_area_columns(c.loc[both, ["period", *areas]])
    d = d.assign(puskesmas=(c.loc[both, "puskesmas"].to_numpy() if "puskesmas" in c.columns
                            else pd.Series(pd.NA, index=d.index, dtype="str")),
                 _differs=((c.loc[both, "app_haz"] < STUNTING_CUTOFF).to_numpy()
                           != ours[both].to_numpy(dtype=bool)).astype(np.int64))
    keys = [k for k in CELL_KEYS if k in d]
    return (d.groupby(keys, dropna=False, sort=True)["_differs"].agg(["sum", "size"])
            .reset_index().rename(columns={"sum": "count", "size": "n"}))


def z_disagreement_rows_from_counts(cells: pd.DataFrame | None, period: str) -> pd.DataFrame:
    """:func:`z_disagreement_rows` from the cells of :func:`z_disagreement_counts`."""
    from analysis.estimates.table import LEVELS, empty_estimates, to_estimate_rows
    from analysis.estimation.survey import proportion_ci

    if cells is None or cells.empty:
        return empty_estimates()
    has_pkm = bool(cells["puskesmas"].notna().any())
    parts = []
    for level, area_col in LEVELS.items():  # kab/kota too, in a province
        area = [area_col] if area_col else []
        splits = [(None, "total")] + ([("puskesmas", None)] if has_pkm and level != "kelurahan" else [])
        for extra, _ in splits:
            keys = ["period", *area, *([extra] if extra else [])]
            g = cells.dropna(subset=keys).groupby(keys, sort=True)[["count", "n"]].sum().reset_index()
            if g.empty:
                continue
            low, high = proportion_ci(g["count"].to_numpy(), g["n"].to_numpy(), "wilson")
            p = g["count"] / g["n"]
            g = g.assign(estimate=p, se=np.sqrt(p * (1 - p) / g["n"]), ci_low=low, ci_high=high)
            breakdown = ("puskesmas=" + g["puskesmas"].astype(str)) if extra else "total"
            rows = to_estimate_rows(g, level=level, area_col=area_col, indicator=INDICATOR,
                                    period=period, data_period="", method="count:wilson",
                                    source="eppgbm", breakdown=breakdown)
            rows["data_period"] = g["period"].to_numpy()
            parts.append(rows)
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()

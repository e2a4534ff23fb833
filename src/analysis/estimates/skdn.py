"""SKDN rows of the estimates table: growth monitoring per posyandu, kelurahan, kecamatan and kota.

:func:`skdn_rows` turns the by-name e-PPGBM months (:mod:`analysis.measures.skdn` classifies each
weighing) into rows for every month at or before the rakor period:

- counts ``skdn_s``, ``skdn_d``, ``skdn_n``, ``skdn_t``, ``skdn_o``, ``skdn_b`` and ``growth_2t``;
- proportions ``skdn_d_s`` (D/S, participation) and ``skdn_n_d`` (N/D′, growth), Wilson 95%.

A posyandu is a part of its kelurahan, as in :mod:`analysis.estimates.local`: ``area_level``
kelurahan, ``breakdown`` ``posyandu=<name>``, every month; the posyandu of a kelurahan add up to
its ``total``.

:func:`skdn_app_rows` counts the app's own ``Naik Berat Badan`` (N/T/O/B) column beside ours, and
:func:`skdn_report_rows` the monthly report's (``eppgbm_bulanan``) S, D, N, T, O, B with the
difference from ours (``skdn_<x>_difference``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.estimates.local import UNKNOWN, part_labels
from analysis.estimates.table import (
    ESTIMATE_COLUMNS,
    LEVELS,
    empty_estimates,
    to_estimate_rows,
    with_area_columns,
)

__all__ = ["APP_METHOD", "COUNT_INDICATORS", "REPORT_COLUMNS", "skdn_app_counts", "skdn_app_rows",
           "skdn_app_rows_from_counts", "skdn_report_rows", "skdn_rows"]

#: count column of ``measures.skdn.skdn_counts`` -> indicator
COUNT_INDICATORS = {"s": "skdn_s", "d": "skdn_d", "n": "skdn_n", "t": "skdn_t", "o": "skdn_o", "b": "skdn_b",
                    "t2": "growth_2t"}
#: counts known only when the month before is in the data (N, T, O) or the two before (2T)
_NEEDS_PREVIOUS = {"n", "t", "o", "b"}
_NEEDS_TWO = {"t2"}
#: the app's own classification (``weight_gain``, from ``Naik Berat Badan``)
APP_METHOD = "count:app_naik_berat_badan"
#: ``method`` of the monthly report's own SKDN counts (distinct from ours: one figure per method)
REPORT_METHOD = "count:monthly_report"
#: indicator -> column of ``eppgbm_bulanan``
REPORT_COLUMNS = {"skdn_s": "children_target", "skdn_d": "children_weighed", "skdn_n": "gained_n",
                  "skdn_t": "not_gained_t", "skdn_o": "not_weighed_last_month_o", "skdn_b": "new_b"}
DIFFERENCE_METHOD = "difference:eppgbm-eppgbm_bulanan"


def _by_levels(counts: pd.DataFrame, cols: list[str], posyandu: bool = False):
    """(level, area_col, breakdown, table) for the posyandu parts (if asked) and each area level, summed."""
    c = with_area_columns(counts.assign(kecamatan_code=counts["kelurahan_code"].str.rsplit(".", n=1).str[0]))
    if posyandu:
        p = c.reset_index(drop=True)
        yield "kelurahan", "kelurahan_code", "posyandu=" + p["posyandu"].astype(str), p
    for level, area_col in LEVELS.items():
        keys = [*([area_col] if area_col else []), "period"]
        agg = {k: "sum" for k in cols} | {k: "all" for k in ("has_previous", "has_two_previous") if k in c}
        yield level, area_col, "total", c.groupby(keys, observed=True).agg(agg).reset_index()


def _rows(t: pd.DataFrame, *, level, area_col, breakdown, indicator, period, method, source, unit="count",
          note=None) -> pd.DataFrame:
    rows = to_estimate_rows(t, level=level, area_col=area_col, indicator=indicator, period=period,
                            data_period="", method=method, source=source, unit=unit,
                            breakdown=breakdown if isinstance(breakdown, str) else breakdown.to_numpy())
    rows["data_period"] = t["period"].astype(str).to_numpy()
    if note is not None:
        rows["note"] = note
    return rows


def skdn_rows(children: pd.DataFrame, period: str, kbm: np.ndarray | None = None) -> pd.DataFrame:
    """SKDN per posyandu, kelurahan, kecamatan and kota, for every month at or before ``period``.

    Parameters
    ----------
    children
        By-name e-PPGBM rows (``eppgbm.parquet`` or its ``compute_zscores`` output): ``child_key``,
        ``period``, ``age_days``, ``weight_kg``, ``kelurahan_code``, ``posyandu``, ``measure_date``.
    period
        The rakor period; later months are left out.
    kbm
        The KBM table (:func:`analysis.measures.skdn.load_kbm`); default from the configuration.

    Returns
    -------
    pandas.DataFrame
        Estimates rows, ``source`` eppgbm, ``data_period`` the month: kota, kecamatan, kelurahan
        and its posyandu (breakdown ``posyandu=<name>``), every month. Counts (``unit`` count,
        ``method`` count, ``n`` empty): ``skdn_s``, ``skdn_d`` every month; ``skdn_n``, ``skdn_t``,
        ``skdn_o``, ``skdn_b`` in months whose previous month is in the data; ``growth_2t`` in
        months whose two previous months are. Proportions (``method`` count:wilson):
        ``skdn_d_s`` = D/S (``n`` = S) and ``skdn_n_d`` = N/D′ (``n`` = D′ = N + T).

    Notes
    -----
    S is every child the register lists at the posyandu, from its first row until it completes 60
    months or a later row places it elsewhere (:func:`analysis.measures.skdn.target_months`); the
    definitions of N, T, O, B and 2T are :func:`analysis.measures.skdn.classify_weighings`. The
    counts are a census of the register; the Wilson interval is the binomial uncertainty of a
    rate among n children (as in :mod:`analysis.estimates.monthly`).
    """
    from analysis.measures.skdn import skdn_counts

    if children is None or children.empty:
        return empty_estimates()
    panel = skdn_panel(children, period)
    if panel.empty:
        return empty_estimates()
    return skdn_rows_from_counts(skdn_counts(panel, list(SKDN_KEYS), kbm), period)


#: the cells SKDN is counted in (a posyandu of a kelurahan)
SKDN_KEYS = ("kelurahan_code", "posyandu")


def skdn_panel(children: pd.DataFrame, period: str) -> pd.DataFrame:
    """The rows of months ≤ ``period``, kelurahan codes as text, posyandu as breakdown labels.

    Row-wise (the labels are :func:`~analysis.estimates.local.part_labels` of each name), so a
    part of the children (one partition of the dask engine) gets the same labels.
    """
    panel = children.loc[children["period"].astype(str) <= period]
    codes, names = pd.factorize(panel["posyandu"] if "posyandu" in panel else pd.Series(pd.NA, index=panel.index))
    labels = np.append(part_labels(pd.Series(names, dtype=object)).to_numpy(object), UNKNOWN)  # -1: missing
    return panel.assign(kelurahan_code=panel["kelurahan_code"].astype(str), posyandu=labels[codes])


def skdn_rows_from_counts(counts: pd.DataFrame, period: str) -> pd.DataFrame:
    """The rows of :func:`skdn_rows` from ``measures.skdn.skdn_counts`` by :data:`SKDN_KEYS`."""
    from analysis.estimation.survey import proportion_ci

    # c_<x>: a count column named "n" or "t" would be read as the rows' n by to_estimate_rows
    counts = counts.rename(columns={k: f"c_{k}" for k in COUNT_INDICATORS})
    parts = []
    common = dict(period=period, source="eppgbm")
    for level, area_col, breakdown, t in _by_levels(counts, [f"c_{k}" for k in COUNT_INDICATORS], posyandu=True):
        prev, two = t["has_previous"].to_numpy(bool), t["has_two_previous"].to_numpy(bool)
        bd = breakdown if isinstance(breakdown, str) else breakdown.reset_index(drop=True)
        for col, indicator in COUNT_INDICATORS.items():
            keep = two if col in _NEEDS_TWO else prev if col in _NEEDS_PREVIOUS else np.ones(len(t), bool)
            sel = t[keep].assign(estimate=t.loc[keep, f"c_{col}"].astype(float))
            parts.append(_rows(sel, level=level, area_col=area_col, indicator=indicator, method="count",
                               breakdown=bd if isinstance(bd, str) else bd[keep], **common))
        for indicator, num, den, keep in (("skdn_d_s", t["c_d"], t["c_s"], np.ones(len(t), bool)),
                                          ("skdn_n_d", t["c_n"], t["c_n"] + t["c_t"], prev)):
            keep = keep & (den.to_numpy() > 0)
            x, n = num.to_numpy(float)[keep], den.to_numpy(float)[keep]
            low, high = proportion_ci(x, n, "wilson")
            p = x / n
            sel = t[keep].assign(estimate=p, n=n, se=np.sqrt(p * (1 - p) / n), ci_low=low, ci_high=high)
            parts.append(_rows(sel, level=level, area_col=area_col, indicator=indicator, method="count:wilson",
                               unit="proportion", breakdown=bd if isinstance(bd, str) else bd[keep], **common))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS] if parts else empty_estimates()


def skdn_app_rows(children: pd.DataFrame, period: str) -> pd.DataFrame:
    """The app's own N, T, O, B (``Naik Berat Badan``) counted per kelurahan, kecamatan, kota, month.

    Parameters
    ----------
    children
        By-name e-PPGBM rows with ``weight_gain`` (``eppgbm.parquet``).
    period
        The rakor period.

    Returns
    -------
    pandas.DataFrame
        Count rows ``skdn_n``, ``skdn_t``, ``skdn_o``, ``skdn_b`` with ``method``
        :data:`APP_METHOD` (ours have ``method`` count), ``source`` eppgbm, ``n`` the weighings
        with a value in the column. Empty when no export carries the column.
    """
    return skdn_app_rows_from_counts(skdn_app_counts(children, period), period)


#: the counts of :func:`skdn_app_counts`: the app's N, T, O, B and the weighings with a value
APP_COUNTS = ("n", "t", "o", "b", "rows")


def skdn_app_counts(children: pd.DataFrame, period: str) -> pd.DataFrame | None:
    """The app's N, T, O, B and the weighings with a value, per kelurahan and month (sorted).

    Counts of parts of the rows add up to the counts of all of them (the dask engine adds those
    of its partitions). None when the rows carry no ``weight_gain`` column.
    """
    if children is None or "weight_gain" not in children:
        return None
    c = children[(children["period"].astype(str) <= period) & children["weight_gain"].notna()]
    code = c["weight_gain"].astype(str)
    t = pd.DataFrame({"kelurahan_code": c["kelurahan_code"].astype(str).to_numpy(),
                      "period": c["period"].astype(str).to_numpy(),
                      **{k: (code == k.upper()).to_numpy().astype(np.int64) for k in APP_COUNTS[:4]},
                      "rows": np.ones(len(c), dtype=np.int64)})
    return t.groupby(["kelurahan_code", "period"], observed=True).sum().reset_index()


def skdn_app_rows_from_counts(t: pd.DataFrame | None, period: str) -> pd.DataFrame:
    """:func:`skdn_app_rows` from the counts of :func:`skdn_app_counts`."""
    if t is None or t.empty:
        return empty_estimates()
    parts = []
    for level, area_col, _bd, g in _by_levels(t, ["n", "t", "o", "b", "rows"]):
        for col in ("n", "t", "o", "b"):
            parts.append(_rows(g.assign(estimate=g[col].astype(float), n=g["rows"].astype(float)),
                               level=level, area_col=area_col, breakdown="total",
                               indicator=COUNT_INDICATORS[col], period=period, method=APP_METHOD,
                               source="eppgbm"))
    return pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS]


def skdn_report_rows(report: pd.DataFrame | None, ours: pd.DataFrame, period: str) -> pd.DataFrame:
    """The monthly report's S, D, N, T, O, B beside ours, and the difference.

    Parameters
    ----------
    report
        ``eppgbm_bulanan.parquet`` (one row per kelurahan and month).
    ours
        :func:`skdn_rows` output.
    period
        The rakor period.

    Returns
    -------
    pandas.DataFrame
        Count rows ``skdn_s`` … ``skdn_b`` with ``source`` eppgbm_bulanan and ``method``
        :data:`REPORT_METHOD` (the report's figures,
        kelurahan summed to kecamatan and kota, a kelurahan without the cell left out), and
        ``skdn_<x>_difference`` = ours − the report's, ``method`` :data:`DIFFERENCE_METHOD`,
        for every area and month where both exist (an area's difference sums the kelurahan that
        have both).
    """
    if report is None or report.empty:
        return empty_estimates()
    have = [ind for ind, col in REPORT_COLUMNS.items() if col in report and report[col].notna().any()]
    if not have:
        return empty_estimates()
    r = report.loc[report["period"].astype(str) <= period]
    mine = ours[(ours["area_level"] == "kelurahan") & (ours["breakdown"] == "total") & (ours["method"] == "count")
                & ours["indicator"].isin(have)]
    parts = []
    for ind in have:
        rep = pd.DataFrame({"kelurahan_code": r["kelurahan_code"].astype(str).to_numpy(),
                            "period": r["period"].astype(str).to_numpy(),
                            "rep": r[REPORT_COLUMNS[ind]].to_numpy(dtype=float)}).dropna(subset=["rep"])
        rep = rep.groupby(["kelurahan_code", "period"], observed=True)["rep"].sum().reset_index()
        own = mine.loc[mine["indicator"] == ind, ["area_code", "data_period", "estimate"]].set_axis(
            ["kelurahan_code", "period", "own"], axis=1)
        both = rep.merge(own, how="inner", on=["kelurahan_code", "period"], validate="1:1")
        both["diff"] = both["own"] - both["rep"]
        for level, area_col, _bd, g in _by_levels(rep, ["rep"]):
            parts.append(_rows(g.assign(estimate=g["rep"]), level=level, area_col=area_col, breakdown="total",
                               indicator=ind, period=period, method=REPORT_METHOD, source="eppgbm_bulanan"))
        if both.empty:
            continue
        for level, area_col, _bd, g in _by_levels(both, ["diff"]):
            parts.append(_rows(g.assign(estimate=g["diff"]), level=level, area_col=area_col, breakdown="total",
                               indicator=f"{ind}_difference", period=period, method=DIFFERENCE_METHOD,
                               source="eppgbm"))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS] if parts else empty_estimates()

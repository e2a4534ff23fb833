"""Rows the kelurahan brief needs below the kelurahan: stunted children by posyandu and by RT, and
extreme-poor families (verified / awaiting verification / cleared) by RT.

Every row is an exact register count (or a ratio of two), at ``area_level == "kelurahan"`` with a
breakdown ``posyandu=<name>`` or ``rt=<nn>``. Within a kelurahan the parts of one breakdown add up
to the kelurahan's ``total`` row (each child weighed at one posyandu and living in one RT; each
family in one RT), which is what :mod:`analysis.estimates.suppression` uses for complementary
suppression (``ADDITIVE_BREAKDOWNS``).
"""

from __future__ import annotations

import pandas as pd

from analysis.estimates.table import ESTIMATE_COLUMNS, empty_estimates, to_estimate_rows

#: the breakdown columns of :func:`stunting_local_rows`
LOCAL_BREAKDOWNS = ("posyandu", "rt")
#: the counts of :func:`stunting_local_counts` (the rest of its columns are its keys)
COUNTS = ("stunted", "measured", "weighed")
#: label of a child or family whose posyandu / RT the register leaves empty (kept, so parts still
#: add up to the kelurahan total)
UNKNOWN = "tidak_diketahui"


def part_labels(values: pd.Series) -> pd.Series:
    """Posyandu / RT labels of a breakdown: stripped, empty ones :data:`UNKNOWN` (so parts add up)."""
    return values.astype("string").str.strip().replace("", pd.NA).fillna(UNKNOWN)


_part = part_labels


def stunting_local_rows(children: pd.DataFrame, period: str, data_period: str) -> pd.DataFrame:
    """Stunted children, children measured and the stunting rate by posyandu and by RT.

    Parameters
    ----------
    children
        ``compute_zscores`` output of one e-PPGBM round (``is_stunted``, ``kelurahan_code``,
        ``posyandu``, ``rt``).
    period, data_period
        The rakor period and the round's period.

    Returns
    -------
    pandas.DataFrame
        Estimates rows, kelurahan level: ``stunting_count`` and ``children_measured`` (unit count,
        ``n`` the children weighed, as the kelurahan totals of ``growth.growth_rows``) and
        ``stunting`` (proportion, ``n`` the children measured, method ``ratio:register``: a
        posyandu is too small a domain for a useful CI; the kelurahan total carries it).
    """
    return stunting_local_rows_from_counts(stunting_local_counts(children), period, data_period)


def stunting_local_counts(children: pd.DataFrame | None) -> pd.DataFrame | None:
    """Stunted, measured and weighed children per breakdown column (``breakdown``: posyandu or
    rt), kelurahan and part, sorted.

    Counts of parts of the rows add up to the counts of all of them (the dask engine adds those
    of its partitions). None without rows.
    """
    if children is None or children.empty:
        return None
    stunted = children["is_stunted"].astype("boolean")
    base = pd.DataFrame({"kelurahan_code": children["kelurahan_code"].astype(str),
                         "stunted": stunted.fillna(False).astype(int),
                         "measured": stunted.notna().astype(int)})
    counts = []
    for col in LOCAL_BREAKDOWNS:
        if col not in children:
            continue
        g = (base.assign(part=_part(children[col]).to_numpy())
             .groupby(["kelurahan_code", "part"], observed=True)
             .agg(stunted=("stunted", "sum"), measured=("measured", "sum"), weighed=("stunted", "size"))
             .reset_index())
        counts.append(g.assign(breakdown=col)[["breakdown", "kelurahan_code", "part", *COUNTS]])
    return pd.concat(counts, ignore_index=True) if counts else None


def stunting_local_rows_from_counts(counts: pd.DataFrame | None, period: str, data_period: str) -> pd.DataFrame:
    """:func:`stunting_local_rows` from the counts of :func:`stunting_local_counts`."""
    if counts is None or counts.empty:
        return empty_estimates()
    parts = []
    for col in LOCAL_BREAKDOWNS:
        g = counts.loc[counts["breakdown"] == col].drop(columns="breakdown").reset_index(drop=True)
        if g.empty:
            continue
        bd = col + "=" + g["part"].astype(str)
        common = dict(level="kelurahan", area_col="kelurahan_code", period=period, data_period=data_period,
                      source="eppgbm", breakdown=bd)
        parts.append(to_estimate_rows(g.assign(estimate=g["stunted"], n=g["weighed"]),
                                      indicator="stunting_count", method="count", unit="count", **common))
        parts.append(to_estimate_rows(g.assign(estimate=g["measured"], n=g["weighed"]),
                                      indicator="children_measured", method="count", unit="count", **common))
        rate = g["stunted"] / g["measured"].where(g["measured"] > 0)
        parts.append(to_estimate_rows(g.assign(estimate=rate, n=g["measured"]),
                                      indicator="stunting", method="ratio:register", unit="proportion",
                                      **common))
    return pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS] if parts else empty_estimates()


def family_rt(families: pd.DataFrame, dtsen_family: pd.DataFrame, pendataan_rt: pd.DataFrame | None) -> pd.Series:
    """The RT of each family of ``reconcile.family_frame``: the RT listing's, else DTSEN's.

    Parameters
    ----------
    families
        ``reconcile.family_frame`` output (``family_key``, ``unit_key``).
    dtsen_family, pendataan_rt
        The processed tables it was built from.

    Returns
    -------
    pandas.Series
        RT labels aligned with ``families`` (``UNKNOWN`` where neither register has one).
    """
    rt = pd.Series(pd.NA, index=families.index, dtype="string")
    for table in (pendataan_rt, dtsen_family):  # the RT listing first: it is where the RT found the family
        if table is None or table.empty or "rt" not in table:
            continue
        look = table.dropna(subset=["family_key"]).drop_duplicates("family_key", keep="last") \
            .set_index("family_key")["rt"].astype("string")
        for key in ("unit_key", "family_key"):
            if key in families:
                rt = rt.fillna(families[key].map(look).astype("string"))
    return _part(rt)


def extreme_by_rt_rows(families: pd.DataFrame, rt: pd.Series, period: str, data_period: str) -> pd.DataFrame:
    """Extreme-poor families verified / awaiting verification / cleared, by RT of every kelurahan.

    Parameters
    ----------
    families
        ``reconcile.family_frame`` output (``kelurahan_code``, ``verified_extreme``,
        ``is_extreme_poor``, ``cleared``).
    rt
        The RT of each family (:func:`family_rt`).
    period, data_period
        The rakor period and the data period of the tracker.

    Returns
    -------
    pandas.DataFrame
        Count rows ``extreme_families_verified``, ``extreme_families_unverified`` and
        ``extreme_families_cleared`` (the tracker's definitions), breakdown ``rt=<nn>``, kelurahan level.
        RT with none of the three are left out (a zero there tells the lurah nothing).
    """
    if families is None or families.empty:
        return empty_estimates()
    verified = families["verified_extreme"].astype(bool)
    t = pd.DataFrame({
        "kelurahan_code": families["kelurahan_code"].astype(str), "part": rt.to_numpy(),
        "verified": verified.astype(int),
        "unverified": (families["is_extreme_poor"].astype(bool) & ~verified).astype(int),
        "cleared": families["cleared"].astype(bool).astype(int),
    }).groupby(["kelurahan_code", "part"], observed=True).sum().reset_index()
    t = t[t[["verified", "unverified", "cleared"]].sum(axis=1) > 0]
    parts = [to_estimate_rows(t.assign(estimate=t[col]), level="kelurahan", area_col="kelurahan_code",
                              indicator=f"extreme_families_{col}", period=period, data_period=data_period,
                              method="count", source="pendataan_rt", unit="count",
                              breakdown="rt=" + t["part"].astype(str))
             for col in ("verified", "unverified", "cleared")]
    return pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS] if len(t) else empty_estimates()


def extreme_totals_rows(families: pd.DataFrame, focus: list[str], period: str, data_period: str) -> pd.DataFrame:
    """Kelurahan totals of the three tracker counts for the kelurahan the tracker leaves out.

    The tracker (``registers.tracker_rows``) covers the focus kelurahan only; a kelurahan brief of
    any other kelurahan needs the same totals, by the same definitions, to show its RT parts.

    Parameters
    ----------
    families
        ``reconcile.family_frame`` output.
    focus
        Focus kelurahan codes (their totals are already in the table).
    period, data_period
        As in :func:`extreme_by_rt_rows`.

    Returns
    -------
    pandas.DataFrame
        Count rows, breakdown ``total``, kelurahan level.
    """
    if families is None or families.empty:
        return empty_estimates()
    rest = families[~families["kelurahan_code"].astype(str).isin(focus)]
    if rest.empty:
        return empty_estimates()
    verified = rest["verified_extreme"].astype(bool)
    t = pd.DataFrame({
        "kelurahan_code": rest["kelurahan_code"].astype(str), "verified": verified.astype(int),
        "unverified": (rest["is_extreme_poor"].astype(bool) & ~verified).astype(int),
        "cleared": rest["cleared"].astype(bool).astype(int),
    }).groupby("kelurahan_code").sum().reset_index()
    parts = [to_estimate_rows(t.assign(estimate=t[col]), level="kelurahan", area_col="kelurahan_code",
                              indicator=f"extreme_families_{col}", period=period, data_period=data_period,
                              method="count", source="pendataan_rt", unit="count")
             for col in ("verified", "unverified", "cleared")]
    return pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS]

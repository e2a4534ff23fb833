"""How much the registers cover: weighing participation D/S, worst-case bounds, the desil-1 share.

e-PPGBM describes the children who came to the posyandu. With participation p (children
weighed over target children) a register rate r says nothing about the children not weighed;
without assumptions the population rate lies in [r·p, r·p + (1 − p)] (worst-case bounds, Manski;
DOMAIN.md §10–11). These builders put participation, the bounds and the register's desil-1
share into the estimates table, so that the briefs only select and format them.

Target children S come from the monthly e-PPGBM report's ``Sasaran_Balita`` when given (a table
``kelurahan_code, period, children_target``), otherwise from the DTSEN family register: members
under five at the end of the round's month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import RakorInputError
from analysis.periods import is_period, month_end

UNDER_FIVE_MAX_DAYS = 1826  # age < 60 months: 60 × 30.4375 = 1826.25 days (WHO tables end at day 1826)
S_REPORT = "S: Sasaran_Balita"
S_DTSEN = "S: DTSEN <5"
P_CAPPED = "p>1 capped at 1"

__all__ = [
    "children_target", "dtsen_desil1_share_rows", "dtsen_under_fives", "stunting_population_bounds_rows",
    "under_five_consistency", "weighing_participation_rows", "worst_case_bounds",
]


def _require(df: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise RakorInputError(f"{what} lacks column(s) {', '.join(missing)} "
                              f"(columns: {', '.join(map(str, df.columns))})")


def _kecamatan(codes: pd.Series) -> pd.Series:
    return codes.astype(str).str.rsplit(".", n=1).str[0]


def dtsen_under_fives(members: pd.DataFrame, period: str) -> pd.Series:
    """DTSEN members under five at the end of ``period``'s month, per kelurahan.

    Parameters
    ----------
    members
        DTSEN member rows with ``birth_date`` and ``kelurahan_code`` (``dtsen_member``).
    period
        "YYYY-MM" of a weighing round.

    Returns
    -------
    pandas.Series
        Count per ``kelurahan_code`` (kelurahan with no member under five are 0 when they have
        members at all). Under five: 0 ≤ age in days ≤ 1826 on the month's last day (age < 60
        months, WHO's range); members born after that day are not counted; a missing birth date
        is not counted.
    """
    _require(members, ["birth_date", "kelurahan_code"], "DTSEN member table")
    end = month_end(period)
    age_days = (end - pd.to_datetime(members["birth_date"], errors="coerce")).dt.days
    under5 = age_days.between(0, UNDER_FIVE_MAX_DAYS).fillna(False).astype(int)
    return under5.groupby(members["kelurahan_code"].astype(str)).sum().rename("children_target")


def _rounds(children: pd.DataFrame, period: str) -> list[str]:
    return sorted(p for p in children["period"].dropna().astype(str).unique() if p <= period)


def children_target(rounds: list[str], members: pd.DataFrame | None = None,
                    targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Target children S per kelurahan and round, and where each S comes from.

    Parameters
    ----------
    rounds
        Weighing rounds ("YYYY-MM").
    members
        DTSEN member rows (the snapshot the rakor uses), for S = members under five.
    targets
        The monthly report's ``kelurahan_code, period, children_target`` (``Sasaran_Balita``).
        A kelurahan and round with a value here takes it; the others fall back to DTSEN.

    Returns
    -------
    pandas.DataFrame
        ``kelurahan_code, period, children_target, target_source`` (:data:`S_REPORT` or
        :data:`S_DTSEN`).
    """
    parts = []
    for rnd in rounds:
        frame = pd.DataFrame(columns=["kelurahan_code", "children_target", "target_source"])
        if members is not None and len(members):
            dt = dtsen_under_fives(members, rnd).reset_index()
            frame = dt.assign(target_source=S_DTSEN)
        if targets is not None and len(targets):
            _require(targets, ["kelurahan_code", "period", "children_target"], "monthly report (Sasaran_Balita)")
            rep = targets[targets["period"].astype(str) == rnd]
            value = pd.to_numeric(rep["children_target"], errors="coerce")
            rep = pd.DataFrame({"kelurahan_code": rep["kelurahan_code"].astype(str),
                                "children_target": value}).dropna()
            if rep["kelurahan_code"].duplicated().any():
                dup = rep["kelurahan_code"][rep["kelurahan_code"].duplicated()].iloc[0]
                raise RakorInputError(f"monthly report: two Sasaran_Balita values for kelurahan {dup} "
                                      f"in {rnd}; keep one row per kelurahan and month")
            rep = rep.assign(target_source=S_REPORT)
            frame = pd.concat([rep, frame[~frame["kelurahan_code"].isin(rep["kelurahan_code"])]],
                              ignore_index=True)
        parts.append(frame.assign(period=rnd))
    if not parts:
        return pd.DataFrame(columns=["kelurahan_code", "period", "children_target", "target_source"])
    out = pd.concat(parts, ignore_index=True)
    out["children_target"] = out["children_target"].astype(float)
    return out[["kelurahan_code", "period", "children_target", "target_source"]]


def _weighed(children: pd.DataFrame, rnd: str) -> pd.Series:
    """Children weighed (D) in round ``rnd`` per kelurahan: one row per child measured, under five."""
    kids = children[children["period"].astype(str) == rnd]
    if "age_days" in kids:  # S counts under-fives: D does too (the few older children are left out)
        kids = kids[pd.to_numeric(kids["age_days"], errors="coerce").between(0, UNDER_FIVE_MAX_DAYS)]
    return kids.groupby(kids["kelurahan_code"].astype(str)).size().rename("weighed")


def weighing_participation_rows(children: pd.DataFrame, period: str, *, members: pd.DataFrame | None = None,
                                targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """``weighing_participation`` D/S per area (kota, kecamatan, kelurahan) and weighing round.

    Parameters
    ----------
    children
        e-PPGBM by-name rows (``eppgbm`` or its z-scored copy): ``period``, ``kelurahan_code`` and
        optionally ``age_days``; one row per child measured in a round.
    period
        The rakor period; every round at or before it gets rows (the trend).
    members
        DTSEN members (the rakor's snapshot), for S when the monthly report has none.
    targets
        The monthly report's ``kelurahan_code, period, children_target`` (``Sasaran_Balita``).

    Returns
    -------
    pandas.DataFrame
        Estimates-table rows: ``estimate`` D/S (not capped: more children weighed than targeted is
        information on the target), ``n`` S, ``method`` "ratio:register", ``source`` "eppgbm",
        ``unit`` "proportion", ``note`` where S comes from (:data:`S_REPORT`, :data:`S_DTSEN`), and
        "S=0", "S unknown", "S=0 or unknown in k kelurahan" or "D>S" when so.

    Notes
    -----
    D: children under five (age ≤ 1826 days) measured in the round. S = 0 or an unknown S
    (a kelurahan neither in the report nor in DTSEN) gives no ratio; such kelurahan are left out
    of the kecamatan and kota sums, numerator and denominator alike, and the note says how many.
    Kecamatan and kota ratios are ratios of the summed counts.
    """
    from analysis.estimates.table import KOTA_CODE, PROVINCE, empty_estimates, with_area_columns

    _require(children, ["period", "kelurahan_code"], "e-PPGBM table")
    if not is_period(period):
        raise RakorInputError(f"period must be YYYY-MM; got {period!r}")
    rounds = _rounds(children, period)
    if not rounds or (members is None and targets is None):
        return empty_estimates()
    s_table = children_target(rounds, members, targets)
    parts = []
    for rnd in rounds:
        s = s_table[s_table["period"] == rnd].set_index("kelurahan_code")
        d = _weighed(children, rnd)
        kel = pd.DataFrame(index=pd.Index(sorted(set(s.index) | set(d.index)), name="kelurahan_code"))
        kel["weighed"] = d.reindex(kel.index).fillna(0).astype(float)
        kel["target"] = s["children_target"].reindex(kel.index)
        kel["source"] = s["target_source"].reindex(kel.index)
        kel = kel.reset_index()
        known = kel["target"] > 0
        kel["note"] = np.where(kel["target"] == 0, kel["source"] + "; S=0",
                               np.where(kel["target"].isna(), "S unknown", kel["source"]))
        kel["kecamatan_code"] = _kecamatan(kel["kelurahan_code"])
        kel = with_area_columns(kel)  # a province's kab/kota
        kel["kota_code"] = KOTA_CODE  # the region, kab/kota or province
        for level, col in (("kelurahan", "kelurahan_code"), ("kecamatan", "kecamatan_code"),
                           *([("kabkota", "kabkota_code")] if PROVINCE else []), ("kota", "kota_code")):
            if level == "kelurahan":
                agg = kel.rename(columns={col: "area_code"})
            else:
                agg = _sum_known(kel, col, known)
            agg = agg.assign(estimate=agg["weighed"] / agg["target"].where(agg["target"] > 0), n=agg["target"])
            agg["note"] = agg["note"].where(~(agg["estimate"] > 1), agg["note"] + "; D>S")
            parts.append(_to_rows(agg, level=level, indicator="weighing_participation", period=period,
                                  data_period=rnd, method="ratio:register", source="eppgbm"))
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()


def _sum_known(kel: pd.DataFrame, col: str, known: pd.Series) -> pd.DataFrame:
    """D and S summed over the kelurahan of each area whose S is known and > 0, with a note."""
    groups = sorted(kel[col].unique())
    use = kel[known]
    agg = use.groupby(col)[["weighed", "target"]].sum().reindex(groups)
    left_out = (~known).groupby(kel[col]).sum().reindex(groups)
    notes = []
    for code in groups:
        sources = sorted(set(use.loc[use[col] == code, "source"]))
        note = {(): "", (S_DTSEN,): S_DTSEN, (S_REPORT,): S_REPORT}.get(
            tuple(sources), "S: Sasaran_Balita + DTSEN <5")
        if left_out[code]:
            note = "; ".join(x for x in (note, f"S=0 or unknown in {int(left_out[code])} kelurahan") if x)
        notes.append(note)
    return agg.assign(note=notes).rename_axis("area_code").reset_index()


def _to_rows(frame: pd.DataFrame, *, level: str, indicator: str, period: str, data_period: str,
             method: str, source: str, unit: str = "proportion") -> pd.DataFrame:
    from analysis.estimates.table import ESTIMATE_COLUMNS, to_estimate_rows

    rows = to_estimate_rows(frame.reset_index(drop=True), level=level, area_col="area_code",
                            indicator=indicator, period=period, data_period=data_period, method=method,
                            source=source, unit=unit)
    return rows[ESTIMATE_COLUMNS]


def worst_case_bounds(rate, participation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Worst-case bounds of a population rate from a register rate r and participation p.

    Parameters
    ----------
    rate
        Register rate r (0–1) among the children with an outcome.
    participation
        p: the share of the target population with an observed outcome (≥ 0; NaN unknown).

    Returns
    -------
    (low, high, capped)
        ``low = r·p`` and ``high = r·p + (1 − p)``, with p capped at 1 (``capped`` marks where
        p > 1 was given: more observed than targeted, so the target is an undercount and the
        register is taken as complete); p = 0 gives [0, 1] whatever r.

    Notes
    -----
    The not-observed share 1 − p could all be cases (upper bound) or none (lower bound); the
    bounds assume nothing about them (Manski 1989; DOMAIN.md §11).

    References
    ----------
    Manski, C. F. (1989). Anatomy of the selection problem. Journal of Human Resources 24(3), 343-360.
    """
    r = np.asarray(rate, dtype=float)
    p = np.asarray(participation, dtype=float)
    capped = p > 1
    p = np.where(capped, 1.0, p)
    observed = np.where(p == 0, 0.0, r * p)  # nobody observed: r is irrelevant (and may be NaN)
    return observed, observed + (1.0 - p), capped


def _total_rows(estimates: pd.DataFrame, indicator: str, method_prefix: str | None = None) -> pd.DataFrame:
    rows = estimates[(estimates["indicator"] == indicator) & (estimates["breakdown"] == "total")]
    if method_prefix is not None:
        rows = rows[rows["method"].astype(str).str.startswith(method_prefix)]
    return rows


def stunting_population_bounds_rows(estimates: pd.DataFrame, period: str) -> pd.DataFrame:
    """``stunting_population_bounds``: worst-case bounds of stunting among all target children.

    Parameters
    ----------
    estimates
        The estimates table so far, with the e-PPGBM ``stunting`` (``direct:*``),
        ``children_measured`` and ``weighing_participation`` rows of the same rounds.
    period
        The rakor period.

    Returns
    -------
    pandas.DataFrame
        One row per area and round: ``estimate`` empty, ``ci_low = r·p``,
        ``ci_high = r·p + (1 − p)``, ``n`` S, ``method`` "bounds:worst-case", ``unit``
        "proportion", ``source`` "eppgbm", ``note`` "p = measured/S", with :data:`P_CAPPED`,
        "S=0" or "S unknown" when so (then the bounds are empty).

    Notes
    -----
    r is the register's stunting rate among children with a usable height-for-age z; p is
    those children over S (``children_measured / S``), not D/S: a child weighed without a usable
    length/height has no outcome either, and the bounds must leave that child open too. Where
    every weighed child is measured the two are equal. ``ci_low·S`` is the register's count of
    stunted children, so the bounds agree with the ``stunting_count`` of the round.
    """
    from analysis.estimates.table import empty_estimates

    keys = ["area_level", "area_code", "data_period"]
    st = _total_rows(estimates, "stunting", "direct").drop_duplicates(keys)
    ms = _total_rows(estimates, "children_measured")
    pa = _total_rows(estimates, "weighing_participation")
    if st.empty or pa.empty:
        return empty_estimates()
    t = (st[keys + ["estimate"]].rename(columns={"estimate": "rate"})
         .merge(ms[keys + ["estimate"]].rename(columns={"estimate": "measured"}), on=keys, how="left",
                validate="1:1")
         .merge(pa[keys + ["n", "estimate"]].rename(columns={"n": "target", "estimate": "participation"}),
                on=keys, how="inner", validate="1:1"))
    target = pd.to_numeric(t["target"], errors="coerce")
    p = pd.to_numeric(t["measured"], errors="coerce") / target.where(target > 0)
    low, high, capped = worst_case_bounds(t["rate"], p)
    t["ci_low"], t["ci_high"] = low, high
    t["estimate"] = np.nan
    t["n"] = target
    t["note"] = np.where(capped, f"p = measured/S; {P_CAPPED}", "p = measured/S")
    t.loc[target == 0, "note"] = "S=0"
    t.loc[target.isna(), "note"] = "S unknown"
    parts = []
    for (level, data_period), g in t.groupby(["area_level", "data_period"], sort=True):
        parts.append(_to_rows(g, level=level, indicator="stunting_population_bounds", period=period,
                              data_period=data_period, method="bounds:worst-case", source="eppgbm"))
    return pd.concat(parts, ignore_index=True)


def dtsen_desil1_share_rows(estimates: pd.DataFrame, period: str) -> pd.DataFrame:
    """``dtsen_desil1_share``: DTSEN families in desil 1 over DTSEN families, per area.

    Parameters
    ----------
    estimates
        The estimates table so far, with the ``dtsen_desil1_families`` and ``dtsen_families``
        count rows (``register_rows`` of the estimates builder).
    period
        The rakor period.

    Returns
    -------
    pandas.DataFrame
        Rows with ``estimate`` the share (an exact ratio of register counts, no CI), ``n`` the
        families, ``method`` "ratio:register", ``source`` "dtsen", ``unit`` "proportion".
        Desil 1 is the poorest tenth of the nation by a proxy-means test: the share is a ranking,
        not a poverty rate.
    """
    from analysis.estimates.table import empty_estimates

    keys = ["area_level", "area_code", "data_period"]
    d1 = _total_rows(estimates, "dtsen_desil1_families")
    fam = _total_rows(estimates, "dtsen_families")
    if d1.empty or fam.empty:
        return empty_estimates()
    t = d1[keys + ["estimate"]].rename(columns={"estimate": "desil1"}).merge(
        fam[keys + ["estimate"]].rename(columns={"estimate": "families"}), on=keys, validate="1:1")
    t["estimate"] = t["desil1"] / t["families"].where(t["families"] > 0)
    t["n"] = t["families"]
    parts = [_to_rows(g, level=level, indicator="dtsen_desil1_share", period=period, data_period=dp,
                      method="ratio:register", source="dtsen")
             for (level, dp), g in t.groupby(["area_level", "data_period"], sort=True)]
    return pd.concat(parts, ignore_index=True)


def under_five_consistency(children: pd.DataFrame, members: pd.DataFrame, period: str) -> pd.DataFrame:
    """DTSEN under-fives against e-PPGBM children per kelurahan and round (a check of the data).

    Returns
    -------
    pandas.DataFrame
        ``period, kelurahan_code, dtsen_under5, eppgbm_children, ratio`` (e-PPGBM children /
        DTSEN under-fives, i.e. D/S with S from DTSEN). Ratios near the known posyandu
        participation (often 0.4–0.6 in practice) say the two registers describe one population;
        ratios above 1 say DTSEN misses children.
    """
    parts = []
    for rnd in _rounds(children, period):
        s = dtsen_under_fives(members, rnd)
        d = _weighed(children, rnd)
        idx = s.index.union(d.index)
        frame = pd.DataFrame({"period": rnd, "kelurahan_code": idx,
                              "dtsen_under5": s.reindex(idx).fillna(0).to_numpy(dtype=float),
                              "eppgbm_children": d.reindex(idx).fillna(0).to_numpy(dtype=float)})
        frame["ratio"] = frame["eppgbm_children"] / frame["dtsen_under5"].where(frame["dtsen_under5"] > 0)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["period", "kelurahan_code", "dtsen_under5", "eppgbm_children", "ratio"])

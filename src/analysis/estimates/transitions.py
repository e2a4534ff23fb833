"""Each child followed: stunting incidence and recovery between rounds with a height.

e-PPGBM is by name: a child measured in a round and in the previous round with a height (monthly
weighing, or the February/August bulan timbang) is linked by its pseudonymous ``child_key``
(``intake.clean``). :func:`child_pairs` makes one row per child and pair of rounds, fully
vectorised (one sort, no join); :func:`transition_rows` turns the pairs into rows of the
estimates table, per kelurahan, kecamatan and kota, ``data_period`` the later round:

============================  ===============================================================
``stunting_incidence``        not stunted before, stunted now; ``n`` = children not stunted before
``stunting_recovery``         stunted before, not now; ``n`` = children stunted before
``haz_mean_change``           mean change in HAZ (z units, t interval)
``height_fall_pairs``         pairs left out: the height fell by more than the tolerance
============================  ===============================================================

A height that falls by more than 1.5 cm between measurements (2.2 cm when the child went from
lying to standing, the 0.7 cm step of the WHO standards) is a measurement error, not a growth
fact: the pair is counted as a data-quality finding and left out of every figure.
:func:`persistent_stunting_worklist` lists the children stunted in both rounds whom no programme
reaches, for the restricted worklists (``linkage.reconcile.verification_worklists``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.estimates.table import count_rows, empty_estimates, estimate_by_levels

#: a fall larger than this between two heights is a measurement error (issue 16), in millimetres
HEIGHT_FALL_MM = 15
#: lying length exceeds standing height by 0.7 cm (WHO 2006): allowed on top when the child stood up
LYING_TO_STANDING_MM = 7
#: ``masalah`` of a worklist row: stunted in both rounds and reached by no programme
PERSISTENT_STUNTING = "stunting_menetap_tanpa_program"
_HEIGHT_FROM_DAYS = 731  # lying below, standing from (WHO 2006), when the position is not recorded
_CARRIED = ("family_key", "kecamatan_code", "kelurahan_code", "rt", "source_file", "source_row")


def child_pairs(children: pd.DataFrame) -> pd.DataFrame:
    """One row per child measured in a round and in the previous round with a height.

    Parameters
    ----------
    children
        e-PPGBM rows with z-scores (``measures.anthropometry.compute_zscores``): ``child_key``,
        ``period``, ``height_cm``, ``age_days``, ``is_stunted``, ``haz``, ``haz_flag``, and
        ``measure``, ``measure_date``, ``kecamatan_code``, ``kelurahan_code`` (plus, carried
        when present, ``family_key``, ``rt``, ``source_file``, ``source_row``).

    Returns
    -------
    pandas.DataFrame
        ``child_key``, ``period_before``, ``data_period`` (the later round; categoricals of the
        rounds), the area and carried
        columns of the later measurement, ``stunted_before``, ``stunted_now`` (nullable booleans:
        missing where the HAZ is missing or flagged), ``haz_change`` (later minus earlier HAZ;
        missing where either is missing or flagged), ``height_fall_mm`` and ``height_fall``
        (True: the pair is a measurement error).

    Notes
    -----
    The rounds are the periods with at least one height; each is paired with the one before it.
    A child measured twice in a round keeps its latest measurement. Rows without a ``child_key``
    or a height are not followed. Position when not recorded: lying below 731 days, standing
    from 731 days.
    """
    # Load inputs.
    height = pd.to_numeric(children["height_cm"], errors="coerce").to_numpy(dtype=float)
    key = children["child_key"]
    use = np.flatnonzero(~np.isnan(height) & key.notna().to_numpy() & children["period"].notna().to_numpy())
    kids = children.iloc[use]
    rounds = np.sort(kids["period"].astype(str).unique())
    if len(rounds) < 2:
        return _empty_pairs(children)

    # Process data: one sort by (child, round, date), then neighbours are the pairs.
    rnd = np.searchsorted(rounds, kids["period"].astype(str).to_numpy())
    code = pd.factorize(kids["child_key"])[0]
    date = (pd.to_datetime(kids["measure_date"]).to_numpy("datetime64[ns]").astype(np.int64)
            if "measure_date" in kids else np.zeros(len(kids), np.int64))
    order = np.lexsort((date, rnd, code))
    code, rnd = code[order], rnd[order]
    last = np.ones(len(order), dtype=bool)  # the latest measurement of a child in a round
    last[:-1] = (code[1:] != code[:-1]) | (rnd[1:] != rnd[:-1])
    order, code, rnd = order[last], code[last], rnd[last]
    pair = np.flatnonzero((code[1:] == code[:-1]) & (rnd[1:] == rnd[:-1] + 1))
    now, before = order[pair + 1], order[pair]

    h = np.round(height[use] * 10).astype(np.int64)  # whole millimetres: never compare floats
    age = pd.to_numeric(kids["age_days"], errors="coerce").to_numpy(dtype=float)
    if "measure" in kids:
        pos = kids["measure"].astype("string").str.lower()
        lying = np.where(pos.eq("l").fillna(False).to_numpy(bool), True,
                         np.where(pos.eq("h").fillna(False).to_numpy(bool), False, age < _HEIGHT_FROM_DAYS))
    else:
        lying = age < _HEIGHT_FROM_DAYS
    fall = h[before] - h[now]
    allowed = HEIGHT_FALL_MM + LYING_TO_STANDING_MM * (lying[before] & ~lying[now])
    stunted = kids["is_stunted"].astype("boolean").array
    haz = pd.to_numeric(kids["haz"], errors="coerce").to_numpy(dtype=float)
    haz = np.where(kids["haz_flag"].astype(bool).to_numpy(), np.nan, haz)

    # Save outputs.
    carried = [c for c in ("child_key", *_CARRIED) if c in kids]
    out = kids[carried].take(now).reset_index(drop=True)
    out.insert(1, "period_before", pd.Categorical.from_codes(rnd[pair], categories=rounds))
    out.insert(2, "data_period", pd.Categorical.from_codes(rnd[pair + 1], categories=rounds))
    out["stunted_before"] = stunted.take(before)
    out["stunted_now"] = stunted.take(now)
    out["haz_change"] = haz[now] - haz[before]
    out["height_fall_mm"] = fall
    out["height_fall"] = fall > allowed
    return out


def _empty_pairs(children: pd.DataFrame) -> pd.DataFrame:
    cols = {"child_key": "str", "period_before": "category", "data_period": "category",
            **{c: children[c].dtype for c in _CARRIED if c in children},
            "stunted_before": "boolean", "stunted_now": "boolean", "haz_change": float,
            "height_fall_mm": "int64", "height_fall": bool}
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})


def wilson_proportion(data: pd.DataFrame, y: str, by: list[str] | None = None,
                      alpha: float = 0.05) -> pd.DataFrame:
    """Share of a 0/1 count per domain with the Wilson interval (register counts, not a survey).

    Parameters
    ----------
    data
        One row per child (pair); ``y`` boolean, missing rows left out.
    y
        The outcome column.
    by
        Domain columns; None for one row.
    alpha
        1 − confidence level.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``n``, ``estimate`` = count / n, ``se`` = √(p(1 − p)/n), ``ci_low``,
        ``ci_high`` (:func:`analysis.estimation.survey.proportion_ci`, ``method="wilson"``).
    """
    from analysis.estimation.survey import proportion_ci

    v = data[y].astype("boolean")
    d = data.loc[v.notna().to_numpy(), list(by or [])].assign(_x=v.dropna().astype(int).to_numpy())
    if by:
        g = d.groupby(list(by), observed=True)["_x"].agg(count="sum", n="size").reset_index()
    else:
        g = pd.DataFrame({"count": [int(d["_x"].sum())], "n": [len(d)]})
    g = g[g["n"] > 0]
    p = g["count"] / g["n"]
    low, high = proportion_ci(g["count"].to_numpy(), g["n"].to_numpy(), "wilson", alpha=alpha)
    return g.assign(estimate=p, se=np.sqrt(p * (1 - p) / g["n"]), ci_low=low, ci_high=high)


def transition_rows(pairs: pd.DataFrame, period: str) -> pd.DataFrame:
    """Incidence, recovery and mean HAZ change per kota, kecamatan and kelurahan, every later round.

    Parameters
    ----------
    pairs
        :func:`child_pairs`.
    period
        The rakor period ("YYYY-MM"); rounds after it are left out.

    Returns
    -------
    pandas.DataFrame
        Estimates-table rows (``source`` eppgbm, ``breakdown`` total, ``data_period`` the later
        round): ``stunting_incidence`` and ``stunting_recovery`` (``method`` ``cohort:wilson``),
        ``haz_mean_change`` (unit ``z``, ``method`` ``cohort:wald``, the pairs as a simple random
        sample, R ``svymean``), ``height_fall_pairs`` (count; ``n`` the pairs of the area).

    Notes
    -----
    A pair counts in incidence or recovery when both rounds have an unflagged HAZ and the height
    did not fall (``height_fall``); in the mean change when both HAZ are unflagged and the height did
    not fall. The pairs of an area are those whose later measurement is in it.
    """
    from analysis import config
    from analysis.estimation.survey import estimate_mean

    est = config.settings()["estimation"]
    parts = []
    for data_period, rnd in pairs.groupby("data_period", observed=True, sort=True):
        if data_period > period:
            continue
        ok = rnd[~rnd["height_fall"].to_numpy(bool)]
        before = ok["stunted_before"]
        label = dict(period=period, data_period=data_period, source="eppgbm")
        parts.append(estimate_by_levels(
            ok[before.eq(False).fillna(False).to_numpy(bool)], wilson_proportion, y="stunted_now",
            indicator="stunting_incidence", method="cohort:wilson", alpha=est["alpha"], **label))
        parts.append(estimate_by_levels(
            ok[before.fillna(False).to_numpy(bool)].assign(_recovered=lambda d: ~d["stunted_now"]),
            wilson_proportion, y="_recovered", indicator="stunting_recovery", method="cohort:wilson",
            alpha=est["alpha"], **label))
        parts.append(estimate_by_levels(ok, estimate_mean, y="haz_change", indicator="haz_mean_change",
                                        method="cohort:wald", unit="z", alpha=est["alpha"], dof=est["dof"],
                                        **label))
        parts.append(count_rows(rnd, "height_fall", indicator="height_fall_pairs", **label))
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()


def persistent_stunting_worklist(pairs: pd.DataFrame, program: pd.DataFrame | None,
                                 data_period: str | None, lang: str = "id") -> pd.DataFrame:
    """Children stunted in both rounds whom no programme reaches: rows for the restricted worklist.

    Parameters
    ----------
    pairs
        :func:`child_pairs`.
    program
        The programme rows of the rakor (``program.parquet`` snapshot: ``person_key``,
        ``family_key``), or None (then no child is reached).
    data_period
        The later round to list (the rakor's e-PPGBM round); None lists nothing.
    lang
        Language of ``what_to_verify``.

    Returns
    -------
    pandas.DataFrame
        Keys only (``unit_key`` and ``person_key`` the child, ``family_key``, ``kelurahan_code``,
        ``rt``, ``source_file``, ``source_row``), ``masalah`` :data:`PERSISTENT_STUNTING`,
        ``source`` eppgbm and ``what_to_verify`` (:data:`analysis.briefs.labels.TEXT`).

    Notes
    -----
    A child is reached when its ``child_key`` is a programme's ``person_key`` (both are the
    pseudonym of the NIK) or its ``family_key`` a programme's ``family_key``. Pairs whose height
    fell are left out (the status is not trusted).
    """
    from analysis.briefs import labels, narrative

    if data_period is None or pairs.empty:
        return pd.DataFrame(columns=["unit_key", "person_key", "family_key", "kelurahan_code", "rt",
                                     "source_file", "source_row", "masalah", "source", "what_to_verify"])
    both = pairs[(pairs["data_period"] == data_period) & pairs["stunted_before"].fillna(False).to_numpy(bool)
                 & pairs["stunted_now"].fillna(False).to_numpy(bool) & ~pairs["height_fall"].to_numpy(bool)]
    family = both["family_key"] if "family_key" in both else pd.Series(pd.NA, index=both.index)
    reached = np.zeros(len(both), dtype=bool)
    if program is not None and len(program):
        reached |= both["child_key"].isin(program["person_key"].dropna()).to_numpy()
        reached |= family.isin(program["family_key"].dropna()).to_numpy() & family.notna().to_numpy()
    rows = both[~reached]
    out = pd.DataFrame({"unit_key": rows["child_key"].astype("string"),
                        "person_key": rows["child_key"].astype("string"),
                        "family_key": family[~reached].astype("string"),
                        "kelurahan_code": rows["kelurahan_code"].astype("string")})
    for c in ("rt", "source_file", "source_row"):
        out[c] = rows[c].to_numpy() if c in rows else pd.NA
    out["masalah"] = PERSISTENT_STUNTING
    out["source"] = "eppgbm"
    out["what_to_verify"] = labels.text("worklist_persistent_stunting", lang,
                                        before=narrative.fmt_period(rows["period_before"].iloc[0], lang) if len(rows) else "")
    return out.reset_index(drop=True)

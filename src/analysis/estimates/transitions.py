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

from analysis.estimates.table import empty_estimates

#: a fall larger than this between two heights is a measurement error (issue 16), in millimetres
HEIGHT_FALL_MM = 15
#: lying length exceeds standing height by 0.7 cm (WHO 2006): allowed on top when the child stood up
LYING_TO_STANDING_MM = 7
#: ``masalah`` of a worklist row: stunted in both rounds and reached by no programme
PERSISTENT_STUNTING = "stunting_menetap_tanpa_program"
_HEIGHT_FROM_DAYS = 731  # lying below, standing from (WHO 2006), when the position is not recorded
_CARRIED = ("family_key", "kecamatan_code", "kelurahan_code", "rt", "source_file", "source_row")


def pair_rounds(children: pd.DataFrame) -> np.ndarray:
    """The rounds children are followed between: the periods with a height of a keyed child, sorted."""
    height = pd.to_numeric(children["height_cm"], errors="coerce").to_numpy(dtype=float)
    period_code, period_values = pd.factorize(children["period"])
    use = np.flatnonzero(~np.isnan(height) & children["child_key"].notna().to_numpy() & (period_code >= 0))
    return np.sort(np.asarray(period_values.astype(str), dtype=object)[np.unique(period_code[use])])


def child_pairs(children: pd.DataFrame, rounds: np.ndarray | None = None) -> pd.DataFrame:
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
        ``child_key``, ``period_before``, ``data_period`` (the later round), the area and carried
        columns of the later measurement, ``stunted_before``, ``stunted_now`` (nullable booleans:
        missing where the HAZ is missing or flagged), ``haz_change`` (later minus earlier HAZ;
        missing where either is missing or flagged), ``height_fall_mm`` and ``height_fall``
        (True: the pair is a measurement error). Text columns are categoricals.

    rounds
        :func:`pair_rounds` of the whole data when ``children`` is a part of it (the dask
        engine: the children of one partition); default the rounds of ``children``.

    Notes
    -----
    The rounds are the periods with at least one height; each is paired with the one before it.
    A child measured twice in a round keeps its latest measurement. Rows without a ``child_key``
    or a height are not followed. Position when not recorded: lying below 731 days, standing
    from 731 days.
    """
    # Load inputs: the few columns needed, as arrays (no copy of the whole table).
    height = pd.to_numeric(children["height_cm"], errors="coerce").to_numpy(dtype=float)
    period_code, period_values = pd.factorize(children["period"])
    use = np.flatnonzero(~np.isnan(height) & children["child_key"].notna().to_numpy() & (period_code >= 0))
    rounds = pair_rounds(children) if rounds is None else np.asarray(rounds, dtype=object)
    use = use[np.isin(np.asarray(period_values.astype(str), dtype=object)[period_code[use]], rounds)]
    if len(rounds) < 2:
        return _empty_pairs(children)
    # the round of each row: its period's place among the rounds
    where = np.full(len(period_values), -1, np.int64)
    present = np.isin(np.asarray(period_values.astype(str), dtype=object), rounds)
    where[present] = np.searchsorted(rounds, np.asarray(period_values.astype(str), dtype=object)[present])
    rnd = where[period_code[use]]

    # Process data: one sort by (child, round, date), then neighbours are the pairs.
    child_code, child_values = pd.factorize(children["child_key"])
    code = child_code[use]
    if "measure_date" in children:  # whole days since the first measurement (< 2^20 days)
        day = pd.to_datetime(children["measure_date"]).to_numpy("datetime64[D]").astype(np.int64)[use]
        day = np.where(day < np.iinfo(np.int64).min + 1, 0, day)  # NaT → 0
        day = np.clip(day - day.min(), 0, 2**20 - 1)
    else:
        day = np.zeros(len(use), np.int64)
    # one integer key (child, round, day): one stable sort instead of a lexsort over three keys
    order = np.argsort((code.astype(np.int64) * len(rounds) + rnd) * 2**20 + day, kind="stable")
    code, rnd = code[order], rnd[order]
    last = np.ones(len(order), dtype=bool)  # the latest measurement of a child in a round
    last[:-1] = (code[1:] != code[:-1]) | (rnd[1:] != rnd[:-1])
    order, code, rnd = order[last], code[last], rnd[last]
    pair = np.flatnonzero((code[1:] == code[:-1]) & (rnd[1:] == rnd[:-1] + 1))
    now, before = use[order[pair + 1]], use[order[pair]]  # row positions in ``children``

    h = np.round(height * 10)  # whole millimetres: never compare floats
    age = pd.to_numeric(children["age_days"], errors="coerce").to_numpy(dtype=float)
    if "measure" in children:
        m_code, m_values = pd.factorize(children["measure"])
        m_lower = pd.Index(m_values).astype(str).str.lower()
        lying_value = np.r_[np.asarray(m_lower == "l"), False]  # code -1 (missing) → last
        standing_value = np.r_[np.asarray(m_lower == "h"), False]
        lying = np.where(lying_value[m_code], True, np.where(standing_value[m_code], False,
                                                              age < _HEIGHT_FROM_DAYS))
    else:
        lying = age < _HEIGHT_FROM_DAYS
    fall = (h[before] - h[now]).astype(np.int64)
    allowed = HEIGHT_FALL_MM + LYING_TO_STANDING_MM * (lying[before] & ~lying[now])
    stunted = children["is_stunted"].astype("boolean").array
    haz = pd.to_numeric(children["haz"], errors="coerce").to_numpy(dtype=float)
    haz = np.where(children["haz_flag"].astype(bool).to_numpy(), np.nan, haz)
    kids = children
    rnd_before, rnd_now = rnd[pair], rnd[pair + 1]

    # Save outputs.
    # Carried columns as categoricals of their values (few kelurahan, many children): taking
    # integer codes is cheap where taking ten million strings is not.
    out = pd.DataFrame({"child_key": pd.Categorical.from_codes(child_code[now], categories=child_values)})
    for c in _CARRIED:
        if c in kids:
            codes, values = pd.factorize(kids[c])
            out[c] = pd.Categorical.from_codes(codes[now], categories=values)
    out.insert(1, "period_before", pd.Categorical.from_codes(rnd_before, categories=rounds))
    out.insert(2, "data_period", pd.Categorical.from_codes(rnd_now, categories=rounds))
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


def _domain_sums(key: np.ndarray, size: int, mask: np.ndarray, values: np.ndarray | None = None):
    """n, Σv and Σv² per domain code ``key`` over the rows in ``mask`` (``values`` None: n only)."""
    k = key[mask]
    n = np.bincount(k, minlength=size).astype(float)
    if values is None:
        return n
    v = values[mask]
    return n, np.bincount(k, weights=v, minlength=size), np.bincount(k, weights=v * v, minlength=size)


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
        ``haz_mean_change`` (unit ``z``, ``method`` ``cohort:wald``), ``height_fall_pairs``
        (count; ``n`` the pairs of the area).

    Notes
    -----
    A pair counts in incidence or recovery when both rounds have an unflagged HAZ and the height
    did not fall (``height_fall``); in the mean change when both HAZ are unflagged and the height
    did not fall. The pairs of an area are those whose later measurement is in it.

    Incidence and recovery are register counts: estimate x/n, se √(p(1 − p)/n), Wilson interval
    (:func:`analysis.estimation.survey.proportion_ci`). The mean change treats the trusted pairs
    of a round as a simple random sample (each pair its own unit) with the areas as domains on
    that design: se = √(N/(N − 1))·√(Σ(d − d̄)²)/n, N the trusted pairs of the round, interval
    d̄ ± t_{N−1}·se — what :func:`analysis.estimation.survey.estimate_mean` (R ``svymean``)
    gives without a design (checked in the tests), computed here for every round and area at
    once with ``bincount`` (a million children × 12 months in seconds).
    """
    from scipy import stats

    from analysis import config
    from analysis.estimates.table import LEVELS, to_estimate_rows, with_area_columns
    from analysis.estimation.survey import proportion_ci

    alpha = config.settings()["estimation"]["alpha"]
    # Load inputs.
    pairs = with_area_columns(pairs)
    rounds = np.asarray(pairs["data_period"].astype("category").cat.categories, dtype=object)
    rnd = pairs["data_period"].astype(pd.CategoricalDtype(rounds)).cat.codes.to_numpy()
    keep = np.isin(rnd, np.flatnonzero(rounds <= period)) if len(rounds) else np.zeros(len(pairs), bool)
    if not keep.any():
        return empty_estimates()
    fall = pairs["height_fall"].to_numpy(bool)
    ok = keep & ~fall
    before = pairs["stunted_before"].astype("boolean")
    now = pairs["stunted_now"].astype("boolean")
    known = (before.notna() & now.notna()).to_numpy()
    b = before.fillna(False).to_numpy(bool)
    s = now.fillna(False).to_numpy(bool)
    d = pairs["haz_change"].to_numpy(float)
    has_d = ~np.isnan(d)
    R = len(rounds)
    design_n = np.bincount(rnd[ok], minlength=R).astype(float)  # N of each round's design

    # Process data: one bincount per level and figure, over (round, area) codes.
    parts = []
    for level, area_col in LEVELS.items():
        if area_col is None:
            area, names = np.zeros(len(pairs), np.int64), np.array([None], dtype=object)
        else:
            area, names = pd.factorize(pairs[area_col])
            names = np.asarray(names, dtype=object)
        A = len(names)
        valid = area >= 0  # a pair without an area code of this level is outside its domains
        key = np.where(valid, rnd.astype(np.int64) * A + area, 0)
        size = R * A
        cells = pd.DataFrame({"_round": np.repeat(np.arange(R), A), "_area": np.tile(names, R)})
        for indicator, mask, hit in (("stunting_incidence", valid & ok & known & ~b, s),
                                     ("stunting_recovery", valid & ok & known & b, ~s)):
            n = _domain_sums(key, size, mask)
            x = _domain_sums(key, size, mask & hit)
            with np.errstate(invalid="ignore", divide="ignore"):
                p = x / n
            low, high = proportion_ci(x, n, "wilson", alpha=alpha)
            parts.append(_shaped(cells.assign(n=n, estimate=p, se=np.sqrt(p * (1 - p) / n), ci_low=low,
                                              ci_high=high), level, area_col, indicator, "cohort:wilson",
                                 "proportion", rounds, period, to_estimate_rows))
        n, sd, sd2 = _domain_sums(key, size, valid & ok & has_d, np.where(has_d, d, 0.0))
        N = design_n[cells["_round"].to_numpy()]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = sd / n
            ss = np.maximum(sd2 - sd * mean, 0.0)
            se = np.sqrt(N / (N - 1)) * np.sqrt(ss) / n
            q = np.where(N > 1, stats.t.ppf(1 - alpha / 2, np.maximum(N - 1, 1)), np.nan)
        parts.append(_shaped(cells.assign(n=n, estimate=mean, se=se, ci_low=mean - q * se, ci_high=mean + q * se,
                                          df=N - 1), level, area_col, "haz_mean_change", "cohort:wald", "z",
                             rounds, period, to_estimate_rows))
        n_all = _domain_sums(key, size, valid & keep)
        parts.append(_shaped(cells.assign(n=n_all, estimate=_domain_sums(key, size, valid & keep & fall)), level,
                             area_col, "height_fall_pairs", "count", "count", rounds, period, to_estimate_rows))
    # Save outputs.
    return pd.concat(parts, ignore_index=True)


def _shaped(cells: pd.DataFrame, level: str, area_col: str | None, indicator: str, method: str, unit: str,
            rounds: np.ndarray, period: str, to_rows) -> pd.DataFrame:
    """Rows of the areas and rounds that have pairs, shaped by ``to_estimate_rows``."""
    cells = cells[cells["n"] > 0].reset_index(drop=True)
    out = to_rows(cells.rename(columns={"_area": "area"}), level=level, area_col=None if area_col is None else "area",
                  indicator=indicator, period=period, data_period=period, method=method, source="eppgbm",
                  unit=unit)
    out["data_period"] = rounds[cells["_round"].to_numpy()].astype(str)
    return out


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

"""Programme targeting (coverage, leakage, exclusion), stunting–poverty convergence, and the
zero-extreme-poverty tracker of the focus kelurahan.

Families are the units of :func:`analysis.linkage.reconcile.family_frame`: a DTSEN family, or a family
only the RT self-listing knows. Pass the links of :func:`analysis.linkage.reconcile.link_families` so that
records without a usable No. KK are counted in the family they were linked to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import RakorInputError
from analysis.linkage.reconcile import _as_bool, _key, _records_of, _require, family_frame

# --------------------------------------------------------------------------------------------
# Target-group expressions: a tiny allow-listed grammar, never eval
# --------------------------------------------------------------------------------------------

#: variables a target_group may use → column of the family frame
TARGET_VARIABLES = {"desil": "desil", "rt_criteria": "rt_criteria"}
_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<op><=|>=|==|!=|<|>)|(?P<par>[()])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))")
_COMPARE = {"<=": np.less_equal, ">=": np.greater_equal, "<": np.less, ">": np.greater,
            "==": np.equal, "!=": np.not_equal}


def _tokens(text: str, where: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise RakorInputError(f"{where}: cannot read {text[pos:].strip()!r} in target_group {text!r}; "
                                  "allowed: desil, rt_criteria, numbers, config names, <= >= < > == !=, and, or, ( ).")
        kind = m.lastgroup
        val = m.group(kind)
        if kind == "name" and val in ("and", "or", "not"):
            kind = val
        out.append((kind, val))
        pos = m.end()
    return out


def parse_target_group(expression: str, constants: Mapping[str, float] | None = None,
                       where: str = "target_group") -> Callable[[pd.DataFrame], np.ndarray]:
    """Compile a programme's ``target_group`` string into a function of the family frame.

    Grammar (nothing else is accepted; no Python is evaluated)::

        expr   := term ("or" term)*
        term   := factor ("and" factor)*
        factor := "(" expr ")" | value OP value
        value  := "desil" | "rt_criteria" | number | a name in ``constants``
        OP     := "<=" | ">=" | "<" | ">" | "==" | "!="

    Parameters
    ----------
    expression
        E.g. ``"desil <= 1 or rt_criteria >= min_criteria_extreme"``.
    constants
        Names usable as numbers, e.g. ``{"min_criteria_extreme": 3}`` from ``local_criteria``.
    where
        Where the expression comes from, for the error message (e.g. ``programmes[tengok_tetangga]``).

    Returns
    -------
    callable
        ``f(frame) -> bool array``; a comparison with a missing value (a family not in DTSEN has no
        desil, one not listed by the RT has no rt_criteria) is False.
    """
    constants = dict(constants or {})
    toks = _tokens(str(expression), where)
    i = 0

    def peek() -> tuple[str, str] | None:
        return toks[i] if i < len(toks) else None

    def take(kind: str | None = None) -> tuple[str, str]:
        nonlocal i
        t = peek()
        if t is None or (kind is not None and t[0] != kind):
            found = "the end" if t is None else repr(t[1])
            raise RakorInputError(f"{where}: expected {kind or 'a value'} but found {found} in target_group "
                                  f"{expression!r}.")
        i += 1
        return t

    def value():
        kind, val = take()
        if kind == "num":
            return ("const", float(val))
        if kind == "name" and val in TARGET_VARIABLES:
            return ("var", TARGET_VARIABLES[val])
        if kind == "name" and val in constants:
            return ("const", float(constants[val]))
        raise RakorInputError(f"{where}: unknown name {val!r} in target_group {expression!r}; allowed variables "
                              f"{sorted(TARGET_VARIABLES)}, constants {sorted(constants)}.")

    def factor():
        if peek() and peek()[0] == "par" and peek()[1] == "(":
            take()
            node = expr()
            t = take("par")
            if t[1] != ")":
                raise RakorInputError(f"{where}: unbalanced parentheses in target_group {expression!r}.")
            return node
        left = value()
        op = take("op")[1]
        right = value()
        if left[0] == "const" and right[0] == "const":
            raise RakorInputError(f"{where}: comparison without a variable in target_group {expression!r}.")
        return ("cmp", op, left, right)

    def term():
        node = factor()
        while peek() and peek()[0] == "and":
            take()
            node = ("and", node, factor())
        return node

    def expr():
        node = term()
        while peek() and peek()[0] == "or":
            take()
            node = ("or", node, term())
        return node

    tree = expr()
    if peek() is not None:
        raise RakorInputError(f"{where}: unexpected {peek()[1]!r} in target_group {expression!r}.")

    def evaluate(node, frame: pd.DataFrame) -> np.ndarray:
        if node[0] in ("and", "or"):
            a, b = evaluate(node[1], frame), evaluate(node[2], frame)
            return (a & b) if node[0] == "and" else (a | b)
        _, op, left, right = node

        def arr(v):
            if v[0] == "const":
                return np.full(len(frame), v[1])
            return pd.to_numeric(frame[v[1]], errors="coerce").astype(float).to_numpy()

        x, y = arr(left), arr(right)
        ok = ~np.isnan(x) & ~np.isnan(y)
        return ok & _COMPARE[op](np.nan_to_num(x), np.nan_to_num(y))

    return lambda frame: evaluate(tree, frame)


# --------------------------------------------------------------------------------------------
# Programme targeting
# --------------------------------------------------------------------------------------------

def _programmes(settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    progs = settings.get("programmes") or []
    keys = [p.get("key") for p in progs]
    if not progs or any(k is None for k in keys):
        raise RakorInputError("config/settings.yml: `programmes` must be a list of entries with a `key`.")
    return list(progs)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype(float)
    return (num.astype(float) / den.where(den > 0)).astype(float)


def programme_targeting(program: pd.DataFrame, dtsen_family: pd.DataFrame, pendataan_rt: pd.DataFrame,
                        settings: Mapping[str, Any] | None = None, links: pd.DataFrame | None = None
                        ) -> pd.DataFrame:
    """Coverage, leakage and exclusion of each programme per kelurahan; incentive rosters counted.

    Parameters
    ----------
    program, dtsen_family, pendataan_rt
        Processed tables of one period (``program.programme`` holds the config keys).
    settings
        ``config/settings.yml`` as a dict (default: :func:`analysis.config.settings`); uses
        ``programmes`` (key, label_id, kind, target_group, agency) and ``local_criteria``
        (``min_criteria_extreme`` and any other number there may be named in a target_group).
    links
        Output of :func:`analysis.linkage.reconcile.link_families`; beneficiaries are then counted in the
        family they were linked to (else by their own ``family_key``).

    Returns
    -------
    DataFrame
        One row per programme × kelurahan: ``programme``, ``label_id``, ``kind``, ``agency``,
        ``kecamatan_code``, ``kelurahan_code``, ``n_target`` (families in the target group),
        ``n_beneficiaries`` (distinct beneficiary families; persons for incentive rosters),
        ``n_reached`` (target families among them), ``coverage`` (n_reached / n_target),
        ``n_excluded`` (target families not reached), ``exclusion_rate`` (n_excluded / n_target),
        ``n_leakage`` (beneficiary families outside the target), ``leakage_rate`` (n_leakage /
        n_beneficiaries), ``n_unidentified`` (beneficiary rows with neither a family link nor a
        No. KK; not in the rates), ``amount_idr``. For ``kind: incentive`` the target columns are
        missing: a roster has no target group.

    Notes
    -----
    A family's kelurahan is the RT listing's, else DTSEN's, else the programme list's. Target
    groups are judged on the family frame of :func:`analysis.linkage.reconcile.family_frame`: ``desil`` from
    DTSEN, ``rt_criteria`` = the number of local criteria met in the latest RT listing; a family
    missing from a source fails every comparison on that source's variable. Rates are shares of
    families (counts, not survey estimates: registers are near-censuses).
    """
    # Load inputs.
    if settings is None:
        from analysis import config

        settings = config.settings()
    progs = _programmes(settings)
    _require(program, ["programme", "family_key", "kelurahan_code", "source_file", "source_row"], "program")
    consts = {k: v for k, v in (settings.get("local_criteria") or {}).items() if isinstance(v, int | float)}
    known = {p["key"] for p in progs}
    unknown = program.loc[~program["programme"].isin(known), "programme"].astype("string")
    if len(unknown):
        vals = unknown.value_counts()
        raise RakorInputError(
            "program: `programme` values not in config/settings.yml programmes: "
            + ", ".join(f"{v!r} ({n} rows)" for v, n in vals.items())
            + f". Known keys: {', '.join(sorted(known))}."
        )

    # Process data.
    fam = family_frame(dtsen_family, pendataan_rt, links, consts.get("min_criteria_extreme"))
    ben = _records_of(program, "program", links)
    ben["identified"] = ben["linked_family_key"].notna() | _key(ben["family_key"]).notna()
    ben = ben.merge(fam[["unit_key", "kelurahan_code"]].rename(columns={"kelurahan_code": "fam_kel"}),
                    how="left", on="unit_key", validate="m:1")
    ben["kel"] = ben["fam_kel"].astype("string").fillna(ben["kelurahan_code"].astype("string"))
    ben["amount"] = pd.to_numeric(ben["amount_idr"], errors="coerce") if "amount_idr" in ben else np.nan
    person = _key(ben["person_key"]) if "person_key" in ben else pd.Series(pd.NA, index=ben.index, dtype="string")
    ben["person_unit"] = person.fillna(ben["unit_key"])

    parts = []
    for p in progs:  # a handful of programmes from config, not data rows
        key, kind = p["key"], p.get("kind", "assistance")
        rows = ben[ben["programme"] == key]
        amount = rows.groupby("kel")["amount"].sum(min_count=1).rename("amount_idr")
        if kind == "incentive":
            out = rows.groupby("kel").agg(n_beneficiaries=("person_unit", "nunique")).join(amount)
            for col in ("n_target", "n_reached", "n_excluded", "n_leakage", "n_unidentified"):
                out[col] = np.nan
        else:
            if not p.get("target_group"):
                raise RakorInputError(f"config/settings.yml: programme {key!r} (kind {kind}) has no target_group.")
            in_target = parse_target_group(p["target_group"], consts, where=f"programmes[{key}]")(fam)
            target = fam.loc[in_target, ["unit_key", "kelurahan_code"]]
            ident = rows[rows["identified"]].drop_duplicates("unit_key")[["unit_key", "kel"]]
            ident = ident.merge(target[["unit_key"]].assign(in_target=True), how="left", on="unit_key",
                                validate="1:1")
            ident["in_target"] = ident["in_target"].fillna(False).astype(bool)
            reached = target.merge(ident[["unit_key"]].assign(reached=True), how="left", on="unit_key",
                                   validate="1:1")
            reached["reached"] = reached["reached"].fillna(False).astype(bool)
            out = pd.concat([
                reached.groupby("kelurahan_code").agg(n_target=("unit_key", "size"), n_reached=("reached", "sum")),
                ident.groupby("kel").agg(n_beneficiaries=("unit_key", "size"),
                                         n_leakage=("in_target", lambda s: int((~s).sum()))),
                rows[~rows["identified"]].groupby("kel").size().rename("n_unidentified"),
                amount,
            ], axis=1)
            for col in ("n_target", "n_reached", "n_beneficiaries", "n_leakage", "n_unidentified"):
                out[col] = out[col].fillna(0).astype(int)
            out["n_excluded"] = out["n_target"] - out["n_reached"]
        out = out.rename_axis("kelurahan_code").reset_index()
        out["programme"], out["label_id"], out["kind"], out["agency"] = key, p.get("label_id", key), kind, p.get("agency")
        parts.append(out)

    res = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    res["kecamatan_code"] = res["kelurahan_code"].astype("string").str.slice(0, 8)
    res["coverage"] = _ratio(res["n_reached"], res["n_target"])
    res["exclusion_rate"] = _ratio(res["n_excluded"], res["n_target"])
    res["leakage_rate"] = _ratio(res["n_leakage"], res["n_beneficiaries"]).where(res["kind"] != "incentive")
    # Save outputs.
    cols = ["programme", "label_id", "kind", "agency", "kecamatan_code", "kelurahan_code", "n_target",
            "n_beneficiaries", "n_reached", "coverage", "n_excluded", "exclusion_rate", "n_leakage",
            "leakage_rate", "n_unidentified", "amount_idr"]
    return res[cols].sort_values(["programme", "kelurahan_code"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Poverty flags and convergence with stunting
# --------------------------------------------------------------------------------------------

def poverty_flags(dtsen_family: pd.DataFrame, pendataan_rt: pd.DataFrame, links: pd.DataFrame | None = None,
                  min_criteria: int | None = None, poor_max_desil: int = 4) -> pd.DataFrame:
    """Extreme-poor and poor flags of every family known to DTSEN or the RT listing.

    Parameters
    ----------
    dtsen_family, pendataan_rt, links, min_criteria
        As for :func:`analysis.linkage.reconcile.family_frame`.
    poor_max_desil
        DTSEN desil up to which a family counts as poor (default 4: desil 1–4, the P3KE
        welfare range).

    Returns
    -------
    DataFrame
        ``family_key`` (the family unit: DTSEN family, or the RT listing's own key),
        ``kelurahan_code``, ``desil``, ``rt_criteria``, ``is_extreme_poor``, ``is_poor``
        (includes the extreme poor), ``resiko_stunting``.

    Notes
    -----
    Extreme poor: DTSEN desil 1 or at least k local criteria in the RT listing, unless the RT
    verification cleared the family (see :func:`analysis.linkage.reconcile.family_frame`). Poor: extreme
    poor, or desil ≤ ``poor_max_desil``.
    """
    fam = family_frame(dtsen_family, pendataan_rt, links, min_criteria)
    poor = fam["is_extreme_poor"] | (fam["desil"] <= poor_max_desil).fillna(False).astype(bool)
    return pd.DataFrame({"family_key": fam["unit_key"], "kelurahan_code": fam["kelurahan_code"],
                         "desil": fam["desil"], "rt_criteria": fam["rt_criteria"],
                         "is_extreme_poor": fam["is_extreme_poor"].astype(bool), "is_poor": poor.astype(bool),
                         "resiko_stunting": fam["resiko_stunting"].astype(bool)})


def convergence(eppgbm_z: pd.DataFrame, links: pd.DataFrame | None, dtsen_family: pd.DataFrame,
                poverty_flags: pd.DataFrame) -> pd.DataFrame:
    """Stunted children in extremely poor and poor families, and families at risk of stunting.

    Parameters
    ----------
    eppgbm_z
        e-PPGBM rows of one period with ``is_stunted`` (from ``anthropometry.compute_zscores``),
        ``kelurahan_code``, ``family_key``, ``source_file``, ``source_row`` (``child_key`` and
        ``measure_date`` to keep one measurement per child).
    links
        Output of :func:`analysis.linkage.reconcile.link_families` (its e-PPGBM rows); ``None`` to use the
        children's own ``family_key`` only.
    dtsen_family
        For ``resiko_stunting`` (the register's at-risk-of-stunting flag) per family.
    poverty_flags
        Output of :func:`poverty_flags` (``family_key``, ``is_extreme_poor``, ``is_poor``).

    Returns
    -------
    DataFrame
        One row per kelurahan: ``kecamatan_code``, ``kelurahan_code``, ``n_children`` (with a
        stunting status), ``n_stunted``, ``n_stunted_extreme_poor``, ``share_stunted_extreme_poor``
        (of the stunted), ``n_stunted_poor``, ``share_stunted_poor``, ``n_stunted_family_unknown``
        (family in neither register), ``n_children_extreme_poor``, ``n_families_resiko_stunting``
        (DTSEN families flagged, by their kelurahan), ``n_families_resiko_stunting_with_stunted_child``.

    Notes
    -----
    Children are counted in the kelurahan of their e-PPGBM record; a child measured twice keeps the
    latest measurement. Children whose z-score is missing or flagged (``is_stunted`` missing) are not
    counted. Shares are of counted children (register counts, not survey estimates).
    """
    _require(eppgbm_z, ["is_stunted", "kelurahan_code", "family_key", "source_file", "source_row"], "eppgbm_z")
    _require(poverty_flags, ["family_key", "is_extreme_poor", "is_poor"], "poverty_flags")
    kids = _records_of(eppgbm_z, "eppgbm", links)
    if "child_key" in kids:
        sort = [c for c in ("measure_date", "source_row") if c in kids]
        kids = kids.sort_values(sort)
        ck = _key(kids["child_key"])
        kids = kids[ck.isna() | ~ck.duplicated(keep="last")]
    stunted = kids["is_stunted"].astype("boolean")
    kids = kids[stunted.notna()].assign(stunted=stunted[stunted.notna()].astype(bool))
    pf = poverty_flags[["family_key", "is_extreme_poor", "is_poor"]].rename(columns={"family_key": "unit_key"})
    kids = kids.merge(pf, how="left", on="unit_key", validate="m:1")
    known = kids["is_poor"].notna()
    ext = kids["is_extreme_poor"].fillna(False).astype(bool)
    poor = kids["is_poor"].fillna(False).astype(bool)
    kel = kids["kelurahan_code"].astype("string")
    per_kid = pd.DataFrame({
        "kelurahan_code": kel, "n_children": 1, "n_stunted": kids["stunted"].astype(int),
        "n_stunted_extreme_poor": (kids["stunted"] & ext).astype(int),
        "n_stunted_poor": (kids["stunted"] & poor).astype(int),
        "n_stunted_family_unknown": (kids["stunted"] & ~known).astype(int),
        "n_children_extreme_poor": ext.astype(int),
    })
    out = per_kid.groupby("kelurahan_code").sum()

    fam = pd.DataFrame({"unit_key": _key(dtsen_family["family_key"]),
                        "kelurahan_code": dtsen_family["kelurahan_code"].astype("string"),
                        "risk": (_as_bool(dtsen_family["resiko_stunting"]) if "resiko_stunting" in dtsen_family
                                 else False)})
    with_stunted = kids.loc[kids["stunted"], ["unit_key"]].drop_duplicates().assign(has_stunted=True)
    fam = fam.merge(with_stunted, how="left", on="unit_key", validate="1:1")
    fam["has_stunted"] = fam["has_stunted"].fillna(False).astype(bool)
    risk = pd.DataFrame({"kelurahan_code": fam["kelurahan_code"], "n_families_resiko_stunting": fam["risk"].astype(int),
                         "n_families_resiko_stunting_with_stunted_child": (fam["risk"] & fam["has_stunted"]).astype(int)})
    out = out.join(risk.groupby("kelurahan_code").sum(), how="outer").fillna(0).astype(int)
    out["share_stunted_extreme_poor"] = _ratio(out["n_stunted_extreme_poor"], out["n_stunted"])
    out["share_stunted_poor"] = _ratio(out["n_stunted_poor"], out["n_stunted"])
    out = out.rename_axis("kelurahan_code").reset_index()
    out.insert(0, "kecamatan_code", out["kelurahan_code"].str.slice(0, 8))
    cols = ["kecamatan_code", "kelurahan_code", "n_children", "n_stunted", "n_stunted_extreme_poor",
            "share_stunted_extreme_poor", "n_stunted_poor", "share_stunted_poor", "n_stunted_family_unknown",
            "n_children_extreme_poor", "n_families_resiko_stunting", "n_families_resiko_stunting_with_stunted_child"]
    return out[cols]


# --------------------------------------------------------------------------------------------
# Zero-extreme-poverty tracker
# --------------------------------------------------------------------------------------------

STATUS_MET = "tercapai"
STATUS_NOT_MET = "belum tercapai"
STATUS_PENDING = "perlu verifikasi"
STATUS_NO_DATA = "tidak ada data"

#: preference among estimate methods when several exist for an area (small-area first)
_METHOD_PREFERENCE = ("fay-herriot", "direct:korn-graubard", "direct:clopper-pearson", "direct:logit")


def zero_extreme_tracker(dtsen_family: pd.DataFrame, pendataan_rt: pd.DataFrame,
                         estimates: pd.DataFrame | None = None, *, focus_codes: Iterable[str], period: str,
                         links: pd.DataFrame | None = None, min_criteria: int | None = None,
                         target: int = 0, families: pd.DataFrame | None = None) -> pd.DataFrame:
    """Extremely poor families in the focus kelurahan against the target of zero.

    Parameters
    ----------
    dtsen_family, pendataan_rt
        Processed tables of the data period used for ``period``.
    estimates
        Optional estimates table (docs/data_model.md); its rows with ``indicator ==
        "extreme_poverty_p0"``, ``breakdown == "total"``, ``period == period`` and ``area_code`` a
        focus kelurahan give the survey / small-area estimate.
    focus_codes
        Kemendagri codes of the focus kelurahan (``config.focus_kelurahan()``).
    period
        "YYYY-MM" of the rakor run.
    links, min_criteria
        As for :func:`analysis.linkage.reconcile.family_frame`.
    target
        Target number of verified extremely poor families (``focus_kelurahan.target_extreme_poor``).
    families
        The family frame to count, when already built with the kelurahan's verification results
        (:func:`verified_family_frame`); default :func:`analysis.linkage.reconcile.family_frame`.

    Returns
    -------
    DataFrame
        One row per focus kelurahan, in the order given: ``period``, ``kecamatan_code``,
        ``kelurahan_code``, ``n_extreme_register`` (= verified + unverified), ``n_verified``
        (RT-verified, ≥ k criteria), ``n_unverified`` (desil 1 or ≥ k criteria, not yet verified),
        ``n_cleared`` (verified as not meeting the criteria), ``n_left`` (moved away or died, per
        the verification worklist: off the list), ``n_not_found`` (not found at the visit: still
        among the unverified), ``n_dtsen_desil1``, ``n_rt_candidates``,
        ``estimate`` (P0, 0–1), ``ci_high`` (its upper bound), ``estimate_method``,
        ``estimate_data_period``, ``target``, ``status``.

    Notes
    -----
    Status: "tercapai" (met) only when the verified count is at or below the target **and** no
    candidate awaits verification; "perlu verifikasi" when nothing verified remains but candidates
    are unverified; "belum tercapai" when verified extremely poor families remain; "tidak ada data"
    when neither register has a family in the kelurahan. The survey/small-area estimate is shown
    beside it, never used to declare the target met: with zero sample cases its upper bound is
    still above zero (DOMAIN.md §8).
    """
    focus = [str(c) for c in focus_codes]
    fam = families if families is not None else family_frame(dtsen_family, pendataan_rt, links, min_criteria)
    fam = fam[fam["kelurahan_code"].isin(focus)]
    none = pd.Series(False, index=fam.index)
    unverified = fam["is_extreme_poor"] & ~fam["verified_extreme"]
    per = pd.DataFrame({
        "kelurahan_code": fam["kelurahan_code"], "n_families": 1,
        "n_verified": fam["verified_extreme"].astype(int), "n_unverified": unverified.astype(int),
        "n_cleared": fam["cleared"].astype(int),
        "n_left": fam.get("left", none).astype(int), "n_not_found": fam.get("not_found", none).astype(int),
        "n_dtsen_desil1": fam["dtsen_extreme"].astype(int),
        "n_rt_candidates": fam["rt_extreme"].astype(int),
    }).groupby("kelurahan_code").sum()
    out = per.reindex(pd.Index(focus, name="kelurahan_code"), fill_value=0).reset_index()
    out["n_extreme_register"] = out["n_verified"] + out["n_unverified"]
    out.insert(0, "period", period)
    out.insert(1, "kecamatan_code", out["kelurahan_code"].str.slice(0, 8))

    est_cols = ["estimate", "ci_high", "estimate_method", "estimate_data_period"]
    if estimates is not None:
        _require(estimates, ["period", "area_code", "indicator", "breakdown", "method", "estimate", "ci_high"],
                 "estimates")
        e = estimates[(estimates["indicator"] == "extreme_poverty_p0") & (estimates["breakdown"] == "total")
                      & (estimates["period"] == period) & estimates["area_code"].isin(focus)].copy()
        rank = {m: i for i, m in enumerate(_METHOD_PREFERENCE)}
        e["_rank"] = e["method"].map(rank).fillna(len(rank))
        e = e.sort_values(["area_code", "_rank"]).drop_duplicates("area_code")
        e = pd.DataFrame({"kelurahan_code": e["area_code"].astype(str), "estimate": e["estimate"].astype(float),
                          "ci_high": e["ci_high"].astype(float), "estimate_method": e["method"],
                          "estimate_data_period": e["data_period"] if "data_period" in e else pd.NA})
        out = out.merge(e, how="left", on="kelurahan_code", validate="1:1")
    else:
        for c in est_cols:
            out[c] = np.nan
    out["target"] = target
    status = np.select(
        [out["n_families"] == 0, out["n_verified"] > target, out["n_unverified"] > 0],
        [STATUS_NO_DATA, STATUS_NOT_MET, STATUS_PENDING], default=STATUS_MET)
    out["status"] = status
    cols = ["period", "kecamatan_code", "kelurahan_code", "n_extreme_register", "n_verified", "n_unverified",
            "n_cleared", "n_left", "n_not_found", "n_dtsen_desil1", "n_rt_candidates", *est_cols, "target",
            "status"]
    return out[cols]


def verified_family_frame(dtsen_family: pd.DataFrame, pendataan_rt: pd.DataFrame,
                          links: pd.DataFrame | None = None, verifikasi: pd.DataFrame | None = None,
                          min_criteria: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The family frame with the kelurahan's verification results applied, and the change log.

    Parameters
    ----------
    dtsen_family, pendataan_rt, links, min_criteria
        As for :func:`analysis.linkage.reconcile.family_frame`.
    verifikasi
        The processed ``verifikasi`` table (filled worklists), or None.

    Returns
    -------
    (DataFrame, DataFrame)
        The frame of :func:`analysis.linkage.verification.apply_verifications` (with ``left`` and
        ``not_found``) and the log of :func:`analysis.linkage.verification.verification_log`.
    """
    from analysis.linkage import verification

    fam = family_frame(dtsen_family, pendataan_rt, links, min_criteria)
    log = verification.verification_log(fam, verifikasi)
    return verification.apply_verifications(fam, log), log

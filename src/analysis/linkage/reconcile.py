"""Matching families and persons across agency lists, and the reconciliation tables built on the links.

Every record of the RT self-listing (``pendataan_rt``), the programme lists (``program``) and
e-PPGBM (``eppgbm``) is linked to a DTSEN family by a cascade of methods, strongest first:

1. ``no_kk``       the record's pseudonymised No. KK (``family_key``) is a DTSEN family;
2. ``nik``         the record's person pseudonym (NIK of the head, beneficiary or child) is a DTSEN member;
3. ``parent_nik``  (e-PPGBM only) the mother's/parent's NIK (``parent_key``) is a DTSEN member;
4. ``name_birth_kelurahan``  fallback when the IDs are missing, invalid or unknown: same
   kelurahan, same birth date where both sides have one, and the same name — exactly on the
   hashed normalised name (``name_key``), or by rapidfuzz similarity of the real names when the
   restricted ``identity`` table is given. A fallback link is accepted only when its score reaches
   the threshold (``reconcile.fuzzy_match_threshold`` in config) and exactly one family does.

Nothing is merged silently: every input record gets one row in the links table with the method,
the score and a status (``linked``, ``review``, ``unmatched``); candidates that were not accepted
are kept as ``candidate_family_key`` for the verification worklists.

Personal data: this module works on pseudonyms. Only :func:`verification_worklists` reads the
restricted identity table, and it writes only into a folder whose path contains ``restricted``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import RakorInputError
from analysis.files import atomic_write
from analysis.intake.names import normalise_name

SOURCES = ("pendataan_rt", "program", "eppgbm")
METHODS = ("no_kk", "nik", "parent_nik", "name_birth_kelurahan")
STATUSES = ("linked", "review", "unmatched")
LIST_SOURCES = ("dtsen", *SOURCES)

#: score deducted from a fallback match when the birth date cannot be compared (missing on a side)
MISSING_BIRTH_DATE_PENALTY = 15.0
#: fallback candidates scoring within this margin below the threshold are kept for review;
#: lower scores are not candidates at all (the record stays unmatched)
REVIEW_MARGIN = 20.0

LINK_COLUMNS = [
    "source", "source_file", "source_row", "source_key", "source_family_key", "name_key",
    "programme", "kelurahan_code", "rt", "family_key", "dtsen_person_key", "method", "score",
    "status", "reason", "candidate_family_key", "n_candidates",
]

# What each source contributes to the link cascade: canonical role → column of the processed table.
_SOURCE_COLUMNS: dict[str, dict[str, str | None]] = {
    "pendataan_rt": {"source_key": "head_key", "person": "head_key", "parent": None,
                     "birth_date": None, "programme": None},
    "program": {"source_key": "person_key", "person": "person_key", "parent": None,
                "birth_date": None, "programme": "programme"},
    "eppgbm": {"source_key": "child_key", "person": "child_key", "parent": "parent_key",
               "birth_date": "birth_date", "programme": None},
}

_IDENTITY_ALIASES = {"name": "nama", "address": "alamat", "birthdate": "birth_date",
                     "nokk": "no_kk", "no. kk": "no_kk"}


# --------------------------------------------------------------------------------------------
# Input checks and small helpers
# --------------------------------------------------------------------------------------------

def _require(df: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise RakorInputError(
            f"table `{table}` lacks column(s) {', '.join(missing)}; it has: {', '.join(map(str, df.columns))}. "
            "See docs/data_model.md for the processed tables."
        )


def _unique(df: pd.DataFrame, columns: list[str], table: str) -> None:
    dup = df.duplicated(columns, keep=False)
    if dup.any():
        raise RakorInputError(
            f"table `{table}` must have one row per {' + '.join(columns)}; {int(dup.sum())} rows share a value "
            f"(pass one period of data at a time)."
        )


def _key(s: pd.Series) -> pd.Series:
    """Pseudonym column as nullable strings; empty strings are missing."""
    out = s.astype("string").str.strip()
    return out.mask(out == "")


def _as_bool(s: pd.Series) -> pd.Series:
    """Yes/no column (bool, 0/1, "ya"/"tidak", "true"/"false") as a plain bool; missing → False."""
    if pd.api.types.is_bool_dtype(s):
        return s.fillna(False).astype(bool)
    if pd.api.types.is_numeric_dtype(s):
        return s.fillna(0).astype(float) != 0
    txt = s.astype("string").str.strip().str.lower()
    return txt.isin(["1", "ya", "y", "true", "t", "yes", "benar"]).fillna(False).astype(bool)


def _record_id(df: pd.DataFrame, source: str) -> pd.Series:
    """Identity of a record that has no usable key: source, file and row (no personal data)."""
    return ("rec:" + source + ":" + df["source_file"].astype("string") + ":"
            + df["source_row"].astype("string"))


def _norm_date(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, errors="coerce").dt.normalize()


# --------------------------------------------------------------------------------------------
# Linking
# --------------------------------------------------------------------------------------------

def _records(source: str, df: pd.DataFrame) -> pd.DataFrame:
    """One source table in the canonical shape of the link cascade."""
    roles = _SOURCE_COLUMNS[source]
    needed = ["source_file", "source_row", "family_key", "name_key", "kelurahan_code"]
    needed += [c for c in roles.values() if c is not None]
    _require(df, needed, source)
    _unique(df, ["source_file", "source_row"], source)
    rec = pd.DataFrame({
        "source": source,
        "source_file": df["source_file"].astype("string").to_numpy(),
        "source_row": pd.to_numeric(df["source_row"]).astype("Int64").to_numpy(),
        "source_key": _key(df[roles["source_key"]]).to_numpy(),
        "source_family_key": _key(df["family_key"]).to_numpy(),
        "name_key": _key(df["name_key"]).to_numpy(),
        "programme": (df[roles["programme"]].astype("string").to_numpy() if roles["programme"]
                      else pd.array([pd.NA] * len(df), dtype="string")),
        "kelurahan_code": df["kelurahan_code"].astype("string").to_numpy(),
        "rt": (df["rt"].astype("string").to_numpy() if "rt" in df
               else pd.array([pd.NA] * len(df), dtype="string")),
        "person": _key(df[roles["person"]]).to_numpy(),
        "parent": (_key(df[roles["parent"]]).to_numpy() if roles["parent"]
                   else pd.array([pd.NA] * len(df), dtype="string")),
        "birth_date": (_norm_date(df[roles["birth_date"]]).to_numpy() if roles["birth_date"]
                       else pd.NaT),
    })
    if "nik_valid" in df:
        # An invalid NIK is not trusted for an exact match: the record goes to the fallback.
        invalid = ~df["nik_valid"].fillna(True).astype(bool).to_numpy()
        rec.loc[invalid, "person"] = pd.NA
    return rec


def _person_lookup(dtsen_member: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index]:
    """Valid DTSEN persons → their family; persons listed in several families are set apart."""
    mem = dtsen_member
    keep = mem["nik_valid"].fillna(True).astype(bool) if "nik_valid" in mem else pd.Series(True, index=mem.index)
    pairs = pd.DataFrame({"person_key": _key(mem["person_key"]), "family_key": _key(mem["family_key"])})[keep]
    pairs = pairs.dropna().drop_duplicates()
    n_fam = pairs.groupby("person_key")["family_key"].transform("size")
    return pairs[n_fam == 1], pd.Index(pairs.loc[n_fam > 1, "person_key"].unique())


def _exact_step(rec: pd.DataFrame, open_: pd.Series, key_col: str, lookup: pd.DataFrame,
                lookup_key: str, method: str, person_from_key: bool) -> None:
    """Fill family_key for still-open records whose ``key_col`` is found in ``lookup`` (in place)."""
    cand = rec.loc[open_ & rec[key_col].notna(), [key_col]].reset_index(names="_rid")
    hit = cand.merge(lookup, how="inner", left_on=key_col, right_on=lookup_key, validate="m:1")
    if hit.empty:
        return
    rid = hit["_rid"].to_numpy()
    rec.loc[rid, "family_key"] = hit["family_key"].to_numpy()
    rec.loc[rid, "dtsen_person_key"] = hit[key_col].to_numpy() if person_from_key else pd.NA
    rec.loc[rid, "method"] = method
    rec.loc[rid, "score"] = 100.0
    rec.loc[rid, "status"] = "linked"


def _similar_names(left: pd.DataFrame, right: pd.DataFrame, names: pd.Series, cutoff: float) -> pd.DataFrame:
    """(kelurahan_code, name_key, m_name_key, name_score) for name pairs scoring at least ``cutoff``.

    One rapidfuzz score matrix per kelurahan (and per chunk of the open records' names): the
    records left for the fallback are few, so each matrix is small.
    """
    from rapidfuzz import fuzz, process

    names = names[~names.index.duplicated()]
    # Compared as the pseudonyms hash them: one normaliser (case, punctuation, spaces).
    names = normalise_name(names, "person").fillna("")
    names.index = pd.Index(names.index.astype(object))
    lk = left[["kelurahan_code", "name_key"]].dropna().drop_duplicates()
    lk = lk[names.index.get_indexer(lk["name_key"].astype(object)) >= 0]
    rk = right[["kelurahan_code", "m_name_key"]].dropna().drop_duplicates()
    rk = rk[names.index.get_indexer(rk["m_name_key"].astype(object)) >= 0]
    rk_by_kel = dict(tuple(rk.groupby("kelurahan_code")))
    found = []
    for kel, lgrp in lk.groupby("kelurahan_code"):   # blocks: kelurahan, not rows
        rgrp = rk_by_kel.get(kel)
        if rgrp is None:
            continue
        lkeys, rkeys = lgrp["name_key"].to_numpy(), rgrp["m_name_key"].to_numpy()
        rnames = names.loc[rkeys].astype(str).tolist()
        for start in range(0, len(lkeys), 500):
            chunk = lkeys[start:start + 500]
            scores = process.cdist(names.loc[chunk].astype(str).tolist(), rnames, scorer=fuzz.token_sort_ratio,
                                   processor=None, score_cutoff=cutoff, dtype=np.float64)
            i, j = np.nonzero(scores >= cutoff)
            found.append(pd.DataFrame({"kelurahan_code": kel, "name_key": chunk[i], "m_name_key": rkeys[j],
                                       "name_score": scores[i, j]}))
    cols = ["kelurahan_code", "name_key", "m_name_key", "name_score"]
    return pd.concat(found, ignore_index=True)[cols] if found else pd.DataFrame(columns=cols)


def _fallback_candidates(rec_open: pd.DataFrame, members: pd.DataFrame,
                         identity: pd.DataFrame | None, cutoff: float) -> pd.DataFrame:
    """Candidate (record, member) pairs with a 0–100 score of at least ``cutoff``; one row per pair."""
    left = rec_open[["_rid", "name_key", "birth_date", "kelurahan_code"]]
    right = members[["person_key", "family_key", "m_name_key", "m_birth_date", "kelurahan_code"]]
    if identity is None:
        # Exact on the hashed normalised name within the kelurahan.
        pairs = left.dropna(subset=["name_key"]).merge(
            right, how="inner", left_on=["name_key", "kelurahan_code"],
            right_on=["m_name_key", "kelurahan_code"], validate="m:m")
        pairs["name_score"] = 100.0
    else:
        names = identity.dropna(subset=["nama"]).set_index("key")["nama"]
        similar = _similar_names(left, right, names, cutoff)
        pairs = (left.merge(similar, how="inner", on=["kelurahan_code", "name_key"], validate="m:m")
                 .merge(right, how="inner", on=["kelurahan_code", "m_name_key"], validate="m:m"))
    both_bd = pairs["birth_date"].notna() & pairs["m_birth_date"].notna()
    pairs = pairs[~both_bd | (pairs["birth_date"] == pairs["m_birth_date"])].copy()
    no_bd = pairs["birth_date"].isna() | pairs["m_birth_date"].isna()
    pairs["score"] = (pairs["name_score"].astype(float)
                      - np.where(no_bd, MISSING_BIRTH_DATE_PENALTY, 0.0)).clip(lower=0)
    pairs = pairs[pairs["score"] >= cutoff]
    return pairs[["_rid", "person_key", "family_key", "score"]]


def link_families(dtsen_family: pd.DataFrame, dtsen_member: pd.DataFrame, pendataan_rt: pd.DataFrame | None,
                  program: pd.DataFrame | None, eppgbm: pd.DataFrame | None, identity: pd.DataFrame | None = None,
                  threshold: float | None = None) -> pd.DataFrame:
    """Link every record of the RT listing, the programme lists and e-PPGBM to a DTSEN family.

    Parameters
    ----------
    dtsen_family, dtsen_member, pendataan_rt, program, eppgbm
        Processed tables of ONE period (docs/data_model.md); a list the run does not have may be
        ``None`` (or empty). Columns used: ``source_file``,
        ``source_row``, ``family_key``, ``name_key``, ``kelurahan_code`` and ``rt`` of every list;
        ``head_key`` (RT listing), ``person_key`` and ``programme`` (programme lists), ``child_key``,
        ``parent_key``, ``birth_date``, ``nik_valid`` (e-PPGBM); ``person_key``, ``family_key``,
        ``name_key``, ``birth_date``, ``kelurahan_code``, ``nik_valid`` (DTSEN members).
    identity
        Optional restricted lookup with columns ``key`` and ``nama`` (name); when given, the
        fallback compares real names with rapidfuzz (``token_sort_ratio`` of the names normalised
        by :func:`analysis.intake.names.normalise_name`, as the pseudonyms are) instead of the
        hashed names. The names never leave this function.
    threshold
        Minimum fallback score (0–100) for a link; default ``reconcile.fuzzy_match_threshold`` in
        ``config/settings.yml``.

    Returns
    -------
    DataFrame
        One row per input record: ``source`` (pendataan_rt, program, eppgbm), ``source_file``,
        ``source_row``, ``source_key`` (head_key / person_key / child_key), ``source_family_key``
        (the record's own No. KK pseudonym), ``name_key``, ``programme``, ``kelurahan_code``, ``rt``,
        ``family_key`` (the linked DTSEN family; missing unless ``status == "linked"``),
        ``dtsen_person_key`` (the DTSEN member matched, for nik/parent_nik/fallback links),
        ``method`` (no_kk, nik, parent_nik, name_birth_kelurahan), ``score`` (100 for exact links),
        ``status`` (linked, review, unmatched), ``reason`` (why a record is under review),
        ``candidate_family_key`` (the best family of a review), ``n_candidates`` (families
        reaching the threshold in the fallback).

    Notes
    -----
    The fallback score is the name similarity (100 for identical hashed names) minus
    ``MISSING_BIRTH_DATE_PENALTY`` (15) when the birth date is missing on either side; pairs
    whose birth dates are both known and differ are not candidates. With the default threshold
    of 90, a name + kelurahan match without a birth date (score 85) goes to review, not to a link.
    Candidates scoring below ``threshold - REVIEW_MARGIN`` (20) are dropped: the record is unmatched.
    A fallback link is accepted only if exactly one family reaches the threshold; two or more is
    ``reason == "ambiguous"``. A NIK found in two DTSEN families is ``reason ==
    "nik_in_several_families"``. Invalid NIKs (``nik_valid`` false) are not used for exact links.
    """
    # Load inputs.
    if threshold is None:
        from analysis import config

        threshold = float(config.settings()["reconcile"]["fuzzy_match_threshold"])
    _require(dtsen_family, ["family_key", "kelurahan_code"], "dtsen_family")
    _require(dtsen_member, ["person_key", "family_key", "name_key", "birth_date", "kelurahan_code"],
             "dtsen_member")
    _unique(dtsen_family, ["family_key"], "dtsen_family")
    if identity is not None:
        identity = _identity(identity)

    # Process data.
    tables = {"pendataan_rt": pendataan_rt, "program": program, "eppgbm": eppgbm}
    rec = pd.concat([_records(src, df) for src, df in tables.items() if df is not None], ignore_index=True)
    rec["family_key"] = pd.array([pd.NA] * len(rec), dtype="string")
    rec["dtsen_person_key"] = pd.array([pd.NA] * len(rec), dtype="string")
    rec["method"] = pd.array([pd.NA] * len(rec), dtype="string")
    rec["score"] = np.nan
    rec["status"] = "unmatched"
    rec["reason"] = pd.array([pd.NA] * len(rec), dtype="string")
    rec["candidate_family_key"] = pd.array([pd.NA] * len(rec), dtype="string")
    rec["n_candidates"] = 0

    families = pd.DataFrame({"dtsen_family_key": _key(dtsen_family["family_key"])}).dropna()
    families["family_key"] = families["dtsen_family_key"]
    persons, multi = _person_lookup(dtsen_member)

    def is_open() -> pd.Series:
        return rec["status"] == "unmatched"

    _exact_step(rec, is_open(), "source_family_key", families, "dtsen_family_key", "no_kk", False)
    _exact_step(rec, is_open(), "person", persons, "person_key", "nik", True)
    _exact_step(rec, is_open(), "parent", persons, "person_key", "parent_nik", True)
    # A NIK registered in two DTSEN families cannot say which one: review, not a guess.
    amb = is_open() & (rec["person"].isin(multi) | rec["parent"].isin(multi))
    rec.loc[amb, ["status", "reason"]] = ["review", "nik_in_several_families"]

    open_ = rec[is_open()].reset_index(names="_rid")
    members = pd.DataFrame({
        "person_key": _key(dtsen_member["person_key"]), "family_key": _key(dtsen_member["family_key"]),
        "m_name_key": _key(dtsen_member["name_key"]), "m_birth_date": _norm_date(dtsen_member["birth_date"]),
        "kelurahan_code": dtsen_member["kelurahan_code"].astype("string"),
    }).dropna(subset=["family_key"])
    pairs = _fallback_candidates(open_, members, identity, max(threshold - REVIEW_MARGIN, 0.0))
    if len(pairs):
        fam = (pairs.sort_values("score", ascending=False)
               .drop_duplicates(["_rid", "family_key"]))           # best member per (record, family)
        fam["above"] = fam["score"] >= threshold
        n_above = fam.groupby("_rid")["above"].sum()
        best = fam.drop_duplicates("_rid")                           # best family per record
        best = best.merge(n_above.rename("n_above"), left_on="_rid", right_index=True, validate="1:1")
        rid = best["_rid"].to_numpy()
        rec.loc[rid, "method"] = "name_birth_kelurahan"
        rec.loc[rid, "score"] = best["score"].to_numpy()
        rec.loc[rid, "n_candidates"] = best["n_above"].to_numpy()
        ok = (best["n_above"] == 1).to_numpy()
        rec.loc[rid[ok], "family_key"] = best.loc[ok, "family_key"].to_numpy()
        rec.loc[rid[ok], "dtsen_person_key"] = best.loc[ok, "person_key"].to_numpy()
        rec.loc[rid[ok], "status"] = "linked"
        rec.loc[rid[~ok], "candidate_family_key"] = best.loc[~ok, "family_key"].to_numpy()
        rec.loc[rid[~ok], "status"] = "review"
        rec.loc[rid[~ok], "reason"] = np.where(best.loc[~ok, "n_above"] > 1, "ambiguous", "below_threshold")

    # Save outputs.
    rec["n_candidates"] = rec["n_candidates"].astype(int)
    return rec[LINK_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Family units shared by reconciliation, targeting and the tracker
# --------------------------------------------------------------------------------------------

def unit_keys(links: pd.DataFrame) -> pd.Series:
    """The family a record stands for: its DTSEN family if linked, else its own No. KK pseudonym,
    else a record id (source, file, row) so that it still counts once."""
    return (links["family_key"].astype("string")
            .fillna(links["source_family_key"].astype("string"))
            .fillna(_record_id(links, links["source"].astype("string"))))


def _records_of(table: pd.DataFrame, source: str, links: pd.DataFrame | None) -> pd.DataFrame:
    """A source table with its ``unit_key`` (from the links when given, else its own family_key)."""
    out = table.copy()
    out["source_file"] = out["source_file"].astype("string")
    out["source_row"] = pd.to_numeric(out["source_row"]).astype("Int64")
    if links is not None:
        lk = links.loc[links["source"] == source, ["source_file", "source_row", "family_key", "status"]]
        lk = lk.rename(columns={"family_key": "linked_family_key", "status": "link_status"})
        out = out.merge(lk, how="left", on=["source_file", "source_row"], validate="1:1")
    else:
        out["linked_family_key"] = pd.array([pd.NA] * len(out), dtype="string")
    out["unit_key"] = (out["linked_family_key"].astype("string").fillna(_key(out["family_key"]))
                       .fillna(_record_id(out, source)))
    return out


def family_frame(dtsen_family: pd.DataFrame, pendataan_rt: pd.DataFrame, links: pd.DataFrame | None = None,
                 min_criteria: int | None = None) -> pd.DataFrame:
    """One row per family known to DTSEN or the RT listing, with both sources' view of it.

    Parameters
    ----------
    dtsen_family, pendataan_rt
        Processed tables of one period.
    links
        Output of :func:`link_families`; without it the RT listing is matched on ``family_key`` only.
    min_criteria
        Criteria an RT household must meet to be an extreme-poverty candidate; default
        ``local_criteria.min_criteria_extreme`` in config.

    Returns
    -------
    DataFrame
        ``unit_key``, ``family_key`` (DTSEN; missing if not in DTSEN), ``kecamatan_code``,
        ``kelurahan_code`` (the RT listing's, else DTSEN's), ``in_dtsen``, ``in_rt``, ``desil``,
        ``resiko_stunting``, ``rt_criteria`` (n_criteria of the latest listing of the family),
        ``rt_status`` (its verification_status), ``listing_date`` (its date), ``dtsen_extreme`` (desil 1), ``rt_extreme``
        (criteria ≥ k and not verified as ``tidak_memenuhi``), ``verified_extreme``
        (``terverifikasi`` and criteria ≥ k), ``cleared`` (verified as not meeting the criteria:
        ``tidak_memenuhi``, or ``terverifikasi`` with fewer than k), ``is_extreme_poor``
        ((dtsen_extreme or rt_extreme) and not cleared).

    Notes
    -----
    A family listed twice in the RT listing keeps its latest listing (``listing_date``, then
    ``source_row``). A family the RT listing places in another kelurahan than DTSEN is counted in
    the RT listing's (where the kelurahan found it); :func:`reconciliation_tables` lists it as a
    ``kelurahan_berbeda`` conflict. A local verification overrides the DTSEN desil for ``is_extreme_poor``: the
    rakor asks for verified figures, and the RT check is the verification.
    """
    if min_criteria is None:
        from analysis import config

        min_criteria = int(config.settings()["local_criteria"]["min_criteria_extreme"])
    _require(dtsen_family, ["family_key", "kelurahan_code", "desil"], "dtsen_family")
    _require(pendataan_rt, ["family_key", "kelurahan_code", "n_criteria", "verification_status",
                            "source_file", "source_row"], "pendataan_rt")
    _unique(dtsen_family, ["family_key"], "dtsen_family")
    dt = pd.DataFrame({
        "unit_key": _key(dtsen_family["family_key"]),
        "family_key": _key(dtsen_family["family_key"]),
        "dtsen_kelurahan_code": dtsen_family["kelurahan_code"].astype("string"),
        "desil": pd.to_numeric(dtsen_family["desil"], errors="coerce"),
        "resiko_stunting": (_as_bool(dtsen_family["resiko_stunting"]) if "resiko_stunting" in dtsen_family
                            else False),
        "in_dtsen": True,
    })
    rt = _records_of(pendataan_rt, "pendataan_rt", links)
    sort_cols = [c for c in ("listing_date", "source_row") if c in rt]
    rt = rt.sort_values(sort_cols).drop_duplicates("unit_key", keep="last")
    rt = pd.DataFrame({
        "unit_key": rt["unit_key"], "rt_kelurahan_code": rt["kelurahan_code"].astype("string"),
        "rt_criteria": pd.to_numeric(rt["n_criteria"], errors="coerce"),
        "rt_status": rt["verification_status"].astype("string").str.strip().str.lower(),
        "listing_date": (pd.to_datetime(rt["listing_date"], errors="coerce") if "listing_date" in rt
                         else pd.Series(pd.NaT, index=rt.index, dtype="datetime64[ns]")),
        "in_rt": True,
    })
    fam = dt.merge(rt, how="outer", on="unit_key", validate="1:1")
    fam["in_dtsen"] = fam["in_dtsen"].fillna(False).astype(bool)
    fam["in_rt"] = fam["in_rt"].fillna(False).astype(bool)
    fam["resiko_stunting"] = fam["resiko_stunting"].fillna(False).astype(bool)
    # The RT listing is the kelurahan's own visit: where it lists a family is where the family
    # lives now. DTSEN's registration may be older; a family DTSEN places elsewhere must not drop
    # out of the kelurahan that verified it (the zero-extreme tracker could show a false
    # "tercapai"). The disagreement stays visible as a ``kelurahan_berbeda`` conflict.
    fam["kelurahan_code"] = fam["rt_kelurahan_code"].fillna(fam["dtsen_kelurahan_code"])
    fam["kecamatan_code"] = fam["kelurahan_code"].str.slice(0, 8)
    crit = fam["rt_criteria"].fillna(-1) >= min_criteria
    fam["dtsen_extreme"] = (fam["desil"] == 1).fillna(False).astype(bool)
    fam["rt_extreme"] = (fam["in_rt"] & crit & (fam["rt_status"] != "tidak_memenuhi")).fillna(False).astype(bool)
    fam["verified_extreme"] = (crit & (fam["rt_status"] == "terverifikasi")).fillna(False).astype(bool)
    fam["cleared"] = ((fam["rt_status"] == "tidak_memenuhi")
                      | ((fam["rt_status"] == "terverifikasi") & ~crit)).fillna(False).astype(bool)
    fam["is_extreme_poor"] = (fam["dtsen_extreme"] | fam["rt_extreme"]) & ~fam["cleared"]
    return fam[["unit_key", "family_key", "kecamatan_code", "kelurahan_code", "in_dtsen", "in_rt", "desil",
                "resiko_stunting", "rt_criteria", "rt_status", "listing_date", "dtsen_extreme", "rt_extreme",
                "verified_extreme", "cleared", "is_extreme_poor"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Reconciliation tables
# --------------------------------------------------------------------------------------------

def _assistance_programmes(settings: Mapping[str, Any]) -> list[str]:
    return [p["key"] for p in settings.get("programmes", []) if p.get("kind", "assistance") != "incentive"]


_CONFLICT_TEXT = {
    "kelurahan_berbeda": "Keluarga yang sama tercatat di kelurahan berbeda antar-daftar; pastikan domisili.",
    "anak_tanpa_keluarga_di_register": "Anak di e-PPGBM tidak ditemukan keluarganya di DTSEN; "
                                       "periksa No. KK / NIK ibu, usulkan pendaftaran DTSEN bila perlu.",
    "pencocokan_perlu_ditinjau": "Kecocokan nama/tanggal lahir belum pasti; pastikan orang dan keluarga yang sama.",
}
_EXTREME_TEXT = {
    "rt_only_dtsen_other_desil": "Memenuhi kriteria lokal di pendataan RT tetapi DTSEN bukan desil 1; "
                                 "verifikasi kondisi dan usulkan pemutakhiran DTSEN.",
    "rt_only_not_in_dtsen": "Memenuhi kriteria lokal di pendataan RT tetapi tidak ada di DTSEN; "
                            "verifikasi dan usulkan pendaftaran DTSEN.",
    "dtsen_only_rt_not_extreme": "DTSEN desil 1 tetapi pendataan RT tidak memenuhi kriteria lokal; "
                                 "verifikasi kondisi keluarga.",
    "dtsen_only_not_listed": "DTSEN desil 1 tetapi belum ada di pendataan RT; kunjungi dan data keluarga.",
}


def reconciliation_tables(links: pd.DataFrame, dtsen_family: pd.DataFrame, pendataan_rt: pd.DataFrame,
                          *, dtsen_member: pd.DataFrame | None = None, min_criteria: int | None = None,
                          programmes: Iterable[str] | None = None,
                          settings: Mapping[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """Per-kelurahan overlaps, extreme-poverty disagreements and conflicts between the lists.

    Parameters
    ----------
    links
        Output of :func:`link_families`.
    dtsen_family, pendataan_rt
        Processed tables of the same period.
    dtsen_member
        Optional; used to name the head of a DTSEN-only family in the extreme-poverty worklist
        (member with ``hubungan`` containing "kepala" or equal to 1).
    min_criteria
        k: RT households meeting at least k local criteria are extreme-poor candidates; default
        ``local_criteria.min_criteria_extreme``.
    programmes
        Programme keys that count as the "program" list in the overlaps; default the
        non-incentive programmes of config (incentive rosters are not poverty lists).

    Returns
    -------
    dict of DataFrame
        ``link_summary``: kelurahan_code, source, n_records, n_linked, n_review, n_unmatched and
        n_<method> (links by method).
        ``overlaps`` (UpSet-style): kecamatan_code, kelurahan_code, in_dtsen, in_pendataan_rt,
        in_program, in_eppgbm, combination ("dtsen+program"), n_families.
        ``extreme_by_source``: kecamatan_code, kelurahan_code, n_dtsen_desil1, n_rt_extreme, n_both,
        n_rt_only_dtsen_other_desil, n_rt_only_not_in_dtsen, n_dtsen_only_rt_not_extreme,
        n_dtsen_only_not_listed.
        ``extreme_mismatch`` (one row per disagreeing family, keys only): unit_key, family_key,
        kelurahan_code, category, desil, rt_criteria, rt_status, person_key, name_key, rt,
        what_to_verify.
        ``conflicts`` (one row per record, keys only): conflict_type (kelurahan_berbeda,
        anak_tanpa_keluarga_di_register, pencocokan_perlu_ditinjau), source, source_file,
        source_row, source_key, name_key, unit_key, family_key, candidate_family_key,
        kelurahan_code, other_kelurahan_codes, rt, what_to_verify.
        ``conflict_counts``: kelurahan_code, conflict_type, n.

    Notes
    -----
    A family is its DTSEN family when linked, else its own No. KK pseudonym, else the record
    itself (:func:`unit_keys`). Its kelurahan in the overlaps is DTSEN's when it is in DTSEN,
    else the first list's (RT listing, then programmes, then e-PPGBM); in ``extreme_by_source``
    and ``extreme_mismatch`` a family in the RT listing counts in the listing's kelurahan
    (:func:`family_frame`). Families placed in different kelurahan by different lists are the
    ``kelurahan_berbeda`` conflicts.
    """
    if settings is None:
        from analysis import config

        settings = config.settings()
    if min_criteria is None:
        min_criteria = int(settings["local_criteria"]["min_criteria_extreme"])
    progs = set(programmes) if programmes is not None else set(_assistance_programmes(settings))
    _require(links, LINK_COLUMNS, "links")

    lk = links.copy()
    lk["unit_key"] = unit_keys(lk)
    lk = lk[(lk["source"] != "program") | lk["programme"].isin(progs)]

    # Link summary per kelurahan and source.
    summ = lk.assign(n=1, **{f"n_{s}": (lk["status"] == s).astype(int) for s in STATUSES},
                     **{f"n_{m}": ((lk["status"] == "linked") & (lk["method"] == m)).astype(int) for m in METHODS})
    link_summary = (summ.groupby(["kelurahan_code", "source"], as_index=False)
                    [["n", *[f"n_{s}" for s in STATUSES], *[f"n_{m}" for m in METHODS]]].sum()
                    .rename(columns={"n": "n_records"}))

    # Membership of each family in each list.
    dt = pd.DataFrame({"unit_key": _key(dtsen_family["family_key"]), "source": "dtsen",
                       "kelurahan_code": dtsen_family["kelurahan_code"].astype("string"),
                       "rt": dtsen_family["rt"].astype("string") if "rt" in dtsen_family else pd.NA})
    memb = pd.concat([dt, lk[["unit_key", "source", "kelurahan_code"]]], ignore_index=True)
    order = {s: i for i, s in enumerate(LIST_SOURCES)}
    memb["_order"] = memb["source"].map(order)
    home = (memb.sort_values("_order").drop_duplicates("unit_key")[["unit_key", "kelurahan_code"]])
    flags = pd.crosstab(memb["unit_key"], memb["source"]).reindex(columns=list(LIST_SOURCES), fill_value=0) > 0
    flags.columns = [f"in_{s}" for s in LIST_SOURCES]
    flags = flags.reset_index().merge(home, on="unit_key", how="left", validate="1:1")
    in_cols = [f"in_{s}" for s in LIST_SOURCES]
    combo = pd.Series("", index=flags.index, dtype="string")
    for s in LIST_SOURCES:  # four columns, not rows
        combo = combo + pd.Series(np.where(flags[f"in_{s}"], s + "+", ""), index=flags.index, dtype="string")
    flags["combination"] = combo.str.removesuffix("+")
    overlaps = (flags.groupby(["kelurahan_code", *in_cols, "combination"], as_index=False)
                .size().rename(columns={"size": "n_families"}))
    overlaps.insert(0, "kecamatan_code", overlaps["kelurahan_code"].str.slice(0, 8))

    # Extreme poverty by source.
    fam = family_frame(dtsen_family, pendataan_rt, links, min_criteria)
    cats = {
        "both": fam["dtsen_extreme"] & fam["rt_extreme"],
        "rt_only_dtsen_other_desil": fam["rt_extreme"] & fam["in_dtsen"] & ~fam["dtsen_extreme"],
        "rt_only_not_in_dtsen": fam["rt_extreme"] & ~fam["in_dtsen"],
        "dtsen_only_rt_not_extreme": fam["dtsen_extreme"] & fam["in_rt"] & ~fam["rt_extreme"],
        "dtsen_only_not_listed": fam["dtsen_extreme"] & ~fam["in_rt"],
    }
    counts = fam[["kelurahan_code"]].assign(n_dtsen_desil1=fam["dtsen_extreme"].astype(int),
                                            n_rt_extreme=fam["rt_extreme"].astype(int),
                                            **{f"n_{k}": v.astype(int) for k, v in cats.items()})
    extreme_by_source = counts.groupby("kelurahan_code", as_index=False).sum()
    extreme_by_source.insert(0, "kecamatan_code", extreme_by_source["kelurahan_code"].str.slice(0, 8))

    fam["category"] = pd.NA
    for name, mask in cats.items():
        if name != "both":
            fam.loc[mask, "category"] = name
    mism = fam[fam["category"].notna()].copy()
    # Who to name: the RT head when the family is in the listing, else the DTSEN head.
    rt_rec = _records_of(pendataan_rt, "pendataan_rt", links)
    rt_rec = rt_rec.sort_values([c for c in ("listing_date", "source_row") if c in rt_rec])
    rt_rec = rt_rec.drop_duplicates("unit_key", keep="last")
    rt_who = pd.DataFrame({"unit_key": rt_rec["unit_key"], "rt_person_key": _key(rt_rec["head_key"])
                           if "head_key" in rt_rec else pd.NA,
                           "rt_name_key": _key(rt_rec["name_key"]) if "name_key" in rt_rec else pd.NA,
                           "rt_rt": rt_rec["rt"].astype("string") if "rt" in rt_rec else pd.NA})
    mism = mism.merge(rt_who, how="left", on="unit_key", validate="1:1")
    mism = mism.merge(dt[["unit_key", "rt"]].rename(columns={"rt": "dt_rt"}), how="left", on="unit_key",
                      validate="m:1")
    if dtsen_member is not None and "hubungan" in dtsen_member:
        hub = dtsen_member["hubungan"].astype("string").str.strip().str.lower()
        heads = dtsen_member[hub.str.contains("kepala", na=False) | (hub == "1")]
        heads = pd.DataFrame({"unit_key": _key(heads["family_key"]), "dt_person_key": _key(heads["person_key"]),
                              "dt_name_key": _key(heads["name_key"])}).drop_duplicates("unit_key")
        mism = mism.merge(heads, how="left", on="unit_key", validate="m:1")
    else:
        mism["dt_person_key"] = pd.NA
        mism["dt_name_key"] = pd.NA
    extreme_mismatch = pd.DataFrame({
        "unit_key": mism["unit_key"], "family_key": mism["family_key"], "kelurahan_code": mism["kelurahan_code"],
        "category": mism["category"].astype("string"), "desil": mism["desil"], "rt_criteria": mism["rt_criteria"],
        "rt_status": mism["rt_status"],
        "person_key": mism["rt_person_key"].astype("string").fillna(mism["dt_person_key"].astype("string")),
        "name_key": mism["rt_name_key"].astype("string").fillna(mism["dt_name_key"].astype("string")),
        "rt": mism["rt_rt"].astype("string").fillna(mism["dt_rt"].astype("string")),
        "what_to_verify": mism["category"].map(_EXTREME_TEXT).astype("string"),
    }).reset_index(drop=True)

    # Conflicts.
    rec = pd.concat([dt.assign(source_file=pd.NA, source_row=pd.NA, source_key=dt["unit_key"], name_key=pd.NA,
                               family_key=dt["unit_key"], candidate_family_key=pd.NA, status="linked"),
                     lk], ignore_index=True)
    n_kel = rec.groupby("unit_key")["kelurahan_code"].transform("nunique")
    split = rec[n_kel > 1].copy()
    kels = split[["unit_key", "kelurahan_code"]].dropna().drop_duplicates()
    pairs = kels.merge(kels.rename(columns={"kelurahan_code": "other"}), on="unit_key", validate="m:m")
    pairs = pairs[pairs["kelurahan_code"] != pairs["other"]].sort_values("other")
    others = pairs.groupby(["unit_key", "kelurahan_code"], as_index=False)["other"].agg(",".join)
    split = split.merge(others.rename(columns={"other": "other_kelurahan_codes"}), how="left",
                        on=["unit_key", "kelurahan_code"], validate="m:1")
    split["other_kelurahan_codes"] = split["other_kelurahan_codes"].fillna("")
    split["conflict_type"] = "kelurahan_berbeda"
    child = lk[(lk["source"] == "eppgbm") & (lk["status"] != "linked")].assign(
        conflict_type="anak_tanpa_keluarga_di_register", other_kelurahan_codes="")
    review = lk[(lk["status"] == "review") & (lk["source"] != "eppgbm")].assign(
        conflict_type="pencocokan_perlu_ditinjau", other_kelurahan_codes="")
    conf_cols = ["conflict_type", "source", "source_file", "source_row", "source_key", "name_key", "unit_key",
                 "family_key", "candidate_family_key", "kelurahan_code", "other_kelurahan_codes", "rt"]
    conflicts = pd.concat([split[conf_cols], child[conf_cols], review[conf_cols]], ignore_index=True)
    conflicts["what_to_verify"] = conflicts["conflict_type"].map(_CONFLICT_TEXT)
    conflict_counts = (conflicts.groupby(["kelurahan_code", "conflict_type"], as_index=False).size()
                       .rename(columns={"size": "n"}))

    return {"link_summary": link_summary, "overlaps": overlaps, "extreme_by_source": extreme_by_source,
            "extreme_mismatch": extreme_mismatch, "conflicts": conflicts, "conflict_counts": conflict_counts}


# --------------------------------------------------------------------------------------------
# Restricted output: verification worklists by name
# --------------------------------------------------------------------------------------------

def _identity(identity: pd.DataFrame) -> pd.DataFrame:
    ident = identity.rename(columns={c: _IDENTITY_ALIASES.get(str(c).strip().lower(), c) for c in identity.columns})
    _require(ident, ["key", "nama"], "identity")
    ident = ident.copy()
    ident["key"] = _key(ident["key"])
    return ident.dropna(subset=["key"]).drop_duplicates("key")


#: rows below a worklist's own where the kelurahan may add families (the dropdown and date check reach them)
WORKLIST_SPARE_ROWS = 200


def _write_worklist(path: Path, columns: list[str], rows: list[list]) -> None:
    """One kelurahan's worklist, streamed (openpyxl's write-only workbook: a province writes one
    file per desa, 1.3x faster than ``DataFrame.to_excel`` per file). ``rows``: the sheet's
    values, None for an empty cell.

    Row 1 says the sheet holds personal data (UU 27/2022); the header is row 2, so a reader takes
    ``pd.read_excel(path, header=1)``. The result column has a dropdown of
    :data:`analysis.linkage.verification.RESULT_WORDS` and the date column a date check, down to
    :data:`WORKLIST_SPARE_ROWS` rows below the table; the date column is formatted DD/MM/YYYY as a
    column (its cells and any added below). A second sheet ``petunjuk`` explains the columns.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from analysis.briefs.labels import SHEET_WORDS
    from analysis.config import RESTRICTED_NOTICE
    from analysis.linkage.verification import RESULT_WORDS

    book = Workbook(write_only=True)
    ws = book.create_sheet("verifikasi")
    ws.freeze_panes = "A3"  # before the first row: a streamed sheet writes its view first
    last = max(len(rows) + 2, 3) + WORKLIST_SPARE_ROWS
    col = {c: get_column_letter(columns.index(c) + 1) for c in columns}
    dv = DataValidation(type="list", formula1='"' + ",".join(RESULT_WORDS) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle=SHEET_WORDS["result_error_title"][0],
                        error=SHEET_WORDS["result_error"][0])
    dv.add(f"{col['hasil_verifikasi']}3:{col['hasil_verifikasi']}{last}")
    dd = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                        showErrorMessage=True, error=SHEET_WORDS["date_error"][0])
    dd.add(f"{col['tanggal_verifikasi']}3:{col['tanggal_verifikasi']}{last}")
    ws.data_validations.append(dv)
    ws.data_validations.append(dd)

    # the date format on the column itself: the rows the kelurahan adds get it too, with no cell
    # written for them (a streamed sheet writes its columns first)
    ws.column_dimensions[col["tanggal_verifikasi"]].number_format = "DD/MM/YYYY"

    def dated(value) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        c.number_format = "DD/MM/YYYY"
        return c

    ws.append([RESTRICTED_NOTICE])
    ws.append(columns)
    at = columns.index("tanggal_verifikasi")
    for row in rows:
        ws.append([*row[:at], dated(row[at]), *row[at + 1:]])
    info = book.create_sheet("petunjuk")
    info.column_dimensions["A"].width = 110
    for line in SHEET_WORDS["worklist_instructions"][0]:
        info.append([line])
    book.save(path)


#: from this many kelurahan on, the worklists are written by a pool of processes, one a core: a
#: file costs ~11 ms, a process ~1 s to start (a province has ~1,000 desa, the nation 83,762)
WORKLIST_PROCESSES_FROM = 300


def _write_worklists(part: tuple[list[tuple[Path, list[list]]], list[str]]) -> None:
    """Write ``(path, rows)`` files of one part (``ProcessMapper``'s call), each atomically, owner-only."""
    jobs, columns = part
    for path, rows in jobs:
        atomic_write(path, lambda tmp, rows=rows: _write_worklist(tmp, columns, rows), mode=0o600)


def verification_worklists(tables: Mapping[str, pd.DataFrame] | pd.DataFrame, identity: pd.DataFrame,
                           out_dir: str | Path, issued: str | None = None) -> list[Path]:
    """Write one XLSX worklist per kelurahan, by name, of what the lurah and RT must verify.

    Parameters
    ----------
    tables
        The dict from :func:`reconciliation_tables` (its ``conflicts`` and ``extreme_mismatch``
        are used; ``awaiting`` and ``growth`` from :mod:`analysis.linkage.verification`, and
        ``persistent_stunting`` from :mod:`analysis.estimates.transitions`, when present), or one
        DataFrame with columns ``kelurahan_code``, ``what_to_verify`` and keys
        (``source_key``/``person_key``, ``name_key``, ``family_key``).
    identity
        Restricted lookup ``key`` → ``nama`` and, when present, ``nik``, ``no_kk``, ``alamat``,
        ``birth_date`` (``key`` is any pseudonym: person, head, child, family or name key).
    out_dir
        A restricted folder chosen by the caller (its path must contain a ``restricted`` part,
        e.g. ``data/processed/restricted/worklists/<period>``); created if needed.
    issued
        The worklist's issue date ("YYYY-MM-DD", the rakor date), written in ``tanggal_terbit``
        so that a returned file tells how long its verification took.

    Returns
    -------
    list of Path
        The files written (one per kelurahan with something to verify), for the manifest.
        Their content is personal data: list the files, never their rows. Each row has a stable
        ``id_baris`` (a hash of the family pseudonym ``kunci_keluarga`` and ``masalah``) and the
        columns the kelurahan fills: ``hasil_verifikasi`` (a dropdown of
        :data:`analysis.linkage.verification.RESULT_WORDS`), ``tanggal_verifikasi``, ``petugas``,
        ``catatan``; a second sheet ``petunjuk`` explains them. Each sheet's first row is :data:`analysis.config.RESTRICTED_NOTICE` and the table's header is row 2
        (read back with ``pd.read_excel(path, header=1)``); the folder is made ``0700``, the
        files ``0600``.
    """
    out_dir = Path(out_dir)
    if "restricted" not in out_dir.resolve().parts:
        raise RakorInputError(
            f"verification worklists hold names and may only be written to a folder named `restricted`; "
            f"got {out_dir}. Use e.g. reports/<period>/restricted/."
        )
    ident = _identity(identity)
    if isinstance(tables, pd.DataFrame):
        rows = tables.copy()
    else:
        parts = []  # without the family registers, only the growth rows (issue 16) may be there
        if "conflicts" in tables:
            parts.append(tables["conflicts"].rename(columns={"conflict_type": "masalah"}))
        if "extreme_mismatch" in tables:
            parts.append(tables["extreme_mismatch"].rename(columns={"category": "masalah"})
                         .assign(source="dtsen/pendataan_rt"))
        rows = (pd.concat(parts, ignore_index=True) if parts
                else pd.DataFrame(columns=["kelurahan_code", "what_to_verify", "masalah"]))
        if tables.get("awaiting") is not None and len(tables["awaiting"]):
            # Every family the tracker counts as awaiting verification (the verification loop).
            rows = pd.concat([rows, tables["awaiting"]], ignore_index=True)
        if tables.get("growth") is not None and len(tables["growth"]):
            # Children with 2T or below -3 SD weight-for-age, for the posyandu cadre (issue 16).
            rows = pd.concat([rows, tables["growth"]], ignore_index=True)
        if tables.get("persistent_stunting") is not None and len(tables["persistent_stunting"]):
            # Children stunted in two rounds running whom no programme reaches (estimates.transitions).
            rows = pd.concat([rows, tables["persistent_stunting"]], ignore_index=True)
    _require(rows, ["kelurahan_code", "what_to_verify"], "worklist rows")
    for col in ("masalah", "source", "source_key", "person_key", "name_key", "family_key", "rt",
                "source_file", "source_row", "candidate_family_key", "unit_key"):
        if col not in rows:
            rows[col] = pd.NA
    person = _key(rows["person_key"]).fillna(_key(rows["source_key"]))
    family = _key(rows["family_key"]).fillna(_key(rows["candidate_family_key"]))

    def look(keys: pd.Series, col: str) -> pd.Series:
        if col not in ident:
            return pd.Series(pd.NA, index=keys.index, dtype="object")
        lookup = ident[["key", col]].rename(columns={"key": "_k"})
        return keys.rename("_k").to_frame().merge(lookup, how="left", on="_k", validate="m:1")[col].set_axis(keys.index)

    from analysis.linkage.verification import row_id

    # The family the row is about (its pseudonym): what a filled worklist is read back by.
    unit = _key(rows["unit_key"]).fillna(family).fillna(person).fillna(_key(rows["source_key"]))
    sheet = pd.DataFrame({
        "id_baris": row_id(unit.fillna(rows["source_file"].astype("string") + ":"
                                       + rows["source_row"].astype("string")), rows["masalah"]),
        "kunci_keluarga": unit,
        "kelurahan_code": rows["kelurahan_code"].astype("string"),
        "rt": rows["rt"].astype("string"),
        "masalah": rows["masalah"].astype("string"),
        "sumber": rows["source"].astype("string"),
        "nama": look(person, "nama").fillna(look(_key(rows["name_key"]), "nama")),
        "nik": look(person, "nik"),
        "no_kk": look(family, "no_kk"),
        "alamat": look(person, "alamat").fillna(look(family, "alamat")),
        "yang_perlu_diverifikasi": rows["what_to_verify"].astype("string"),
        "baris_sumber": (rows["source_file"].astype("string") + ":" + rows["source_row"].astype("string")),
        "tanggal_terbit": issued or "",
        "hasil_verifikasi": "",
        "tanggal_verifikasi": "",
        "petugas": "",
        "catatan": "",
    }).sort_values(["kelurahan_code", "rt", "masalah", "id_baris"], na_position="last")
    from analysis.config import make_restricted_dir

    make_restricted_dir(out_dir)  # owner-only (0700): the sheets hold names, NIK and No. KK

    # the values as Python rows once (not a frame per kelurahan: a province has a thousand desa)
    sheet = sheet[sheet["kelurahan_code"].notna()]  # sorted by kelurahan above
    columns = [str(c) for c in sheet.columns]
    values = sheet.astype(object).where(sheet.notna(), None).to_numpy().tolist()
    codes, starts = np.unique(sheet["kelurahan_code"].to_numpy(dtype=object), return_index=True)
    bounds = np.r_[starts, len(values)]  # kelurahan i: rows bounds[i]:bounds[i + 1]
    jobs = [(out_dir / f"verifikasi_{str(code).replace('.', '_')}.xlsx", values[a:b])
            for code, a, b in zip(codes, bounds[:-1], bounds[1:], strict=True)]
    # a province's desa on a pool of this machine's processes (the names stay on it), a part a
    # process and core, every n-th file in a part so that the parts are alike
    from analysis.parallel import ProcessMapper

    mapper = ProcessMapper(from_size=WORKLIST_PROCESSES_FROM)  # in this process below that
    mapper(_write_worklists, [(jobs[i::mapper.workers], columns) for i in range(min(mapper.workers, len(jobs)))])
    return [path for path, _ in jobs]

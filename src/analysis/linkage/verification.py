"""The verification loop: a lurah's filled worklist moves the zero-extreme-poverty tracker.

The restricted worklist (:func:`analysis.linkage.reconcile.verification_worklists`) carries one
row per family awaiting verification and per reconciliation item, each with a stable ``id_baris``
(:func:`row_id`) and the family's pseudonymous key (``kunci_keluarga``). The kelurahan fills in
``hasil_verifikasi``; the filled file, put in ``data/raw/<...>/verifikasi/``, is cleaned as source
``verifikasi`` (``analysis.intake.clean``) and applied here to the family frame before the tracker
counts (:func:`apply_verifications`). Every change is logged (:func:`verification_log`).

Personal data: this module works on pseudonyms only.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

#: The words of the ``hasil_verifikasi`` dropdown (exactly as the sheet shows them) → status.
RESULT_STATUS = {
    "terverifikasi miskin ekstrem": "verified",
    "tidak memenuhi kriteria": "cleared",
    "pindah": "left",
    "meninggal": "left",
    "tidak ditemukan": "not_found",
}
RESULT_WORDS = list(RESULT_STATUS)

#: ``masalah`` of a worklist row for a family the tracker counts as awaiting verification.
AWAITING = "miskin_ekstrem_belum_diverifikasi"

#: Columns of ``data/processed/verification_log.parquet`` (contract with the kelurahan briefs).
LOG_COLUMNS = ["family_key", "kelurahan_code", "old_status", "new_status", "result", "date", "officer",
               "file", "row"]


def row_id(unit_key: pd.Series, masalah: pd.Series) -> pd.Series:
    """A stable row id for a worklist row: a short hash of the family's pseudonym and the problem.

    Parameters
    ----------
    unit_key
        The family's pseudonymous key (or, for a record without a family, the record's key).
    masalah
        The problem code of the row.

    Returns
    -------
    Series of str
        ``"V"`` + 10 hex digits; the same family and problem give the same id in every run (it
        does not depend on row order), and the id reveals nothing beyond the pseudonym.
    """
    text = unit_key.astype("string").fillna("") + "|" + masalah.astype("string").fillna("")
    return pd.Series(["V" + hashlib.sha256(t.encode()).hexdigest()[:10].upper() for t in text],
                     index=unit_key.index, dtype="string")


def _status_before(fam: pd.DataFrame) -> pd.Series:
    """A family's tracker status from the registers alone: verified, cleared or unverified."""
    status = np.select([fam["verified_extreme"].to_numpy(bool), fam["cleared"].to_numpy(bool)],
                       ["verified", "cleared"], default="unverified")
    return pd.Series(status, index=fam.index, dtype="string")


def verification_log(fam: pd.DataFrame, verifikasi: pd.DataFrame | None) -> pd.DataFrame:
    """One row per status change a filled worklist makes, oldest first.

    Parameters
    ----------
    fam
        :func:`analysis.linkage.reconcile.family_frame` (``unit_key``, ``kelurahan_code``,
        ``verified_extreme``, ``cleared``).
    verifikasi
        The processed ``verifikasi`` table (``family_key``, ``kelurahan_code``, ``result``,
        ``verification_date``, ``officer``, ``source_file``, ``source_row``); rows without a
        result and rows of families not in ``fam`` make no change.

    Returns
    -------
    DataFrame
        :data:`LOG_COLUMNS`. Rows are applied in order of verification date, then file and row:
        a later result for the same family starts from the status the earlier one left
        (``old_status``) and overrides it; both stay in the log.
    """
    empty = pd.DataFrame({c: pd.Series([], dtype="string") for c in LOG_COLUMNS}).astype(
        {"date": "datetime64[ns]", "row": "int64"})
    if verifikasi is None or verifikasi.empty:
        return empty
    v = verifikasi[verifikasi["result"].notna() & verifikasi["family_key"].isin(fam["unit_key"])].copy()
    if v.empty:
        return empty
    v["date"] = pd.to_datetime(v["verification_date"])
    v = v.sort_values(["date", "source_file", "source_row"], na_position="first", kind="stable")
    v["new_status"] = v["result"].map(RESULT_STATUS).astype("string")
    start = pd.Series(_status_before(fam).to_numpy(), index=fam["unit_key"].to_numpy())
    # The old status is the previous row's new status for the same family, else the registers'.
    prev = v.groupby("family_key", sort=False)["new_status"].shift(1)
    v["old_status"] = prev.astype("string").fillna(v["family_key"].map(start).astype("string"))
    return pd.DataFrame({
        "family_key": v["family_key"].astype("string"), "kelurahan_code": v["kelurahan_code"].astype("string"),
        "old_status": v["old_status"], "new_status": v["new_status"], "result": v["result"].astype("string"),
        "date": v["date"].astype("datetime64[ns]"), "officer": v["officer"].astype("string"),
        "file": v["source_file"].astype("string"), "row": v["source_row"].astype("int64"),
    }).reset_index(drop=True)


def apply_verifications(fam: pd.DataFrame, log: pd.DataFrame) -> pd.DataFrame:
    """The family frame after the kelurahan's verification results (the last result per family wins).

    Parameters
    ----------
    fam
        :func:`analysis.linkage.reconcile.family_frame`.
    log
        :func:`verification_log` of the same frame.

    Returns
    -------
    DataFrame
        ``fam`` with ``verified_extreme``, ``cleared`` and ``is_extreme_poor`` updated, and two
        new flags: ``left`` (moved away or died: off the list) and ``not_found`` (still awaiting
        verification). verified → extreme poor, verified; cleared → not extreme poor; left →
        neither counted nor awaiting; not_found → extreme poor, not verified.
    """
    fam = fam.copy()
    last = log.drop_duplicates("family_key", keep="last").set_index("family_key")["new_status"]
    st = fam["unit_key"].map(last).astype("string")
    for name in ("verified", "cleared", "left", "not_found"):
        hit = (st == name).fillna(False).to_numpy(bool)
        if name == "verified":
            fam.loc[hit, ["verified_extreme", "is_extreme_poor", "cleared"]] = [True, True, False]
        elif name == "cleared":
            fam.loc[hit, ["verified_extreme", "is_extreme_poor", "cleared"]] = [False, False, True]
        elif name == "left":
            fam.loc[hit, ["verified_extreme", "is_extreme_poor", "cleared"]] = [False, False, False]
        else:
            fam.loc[hit, ["verified_extreme", "is_extreme_poor", "cleared"]] = [False, True, False]
    fam["left"] = (st == "left").fillna(False).astype(bool)
    fam["not_found"] = (st == "not_found").fillna(False).astype(bool)
    for c in ("verified_extreme", "is_extreme_poor", "cleared"):
        fam[c] = fam[c].astype(bool)
    return fam


def awaiting_rows(fam: pd.DataFrame, heads: pd.DataFrame | None = None) -> pd.DataFrame:
    """Worklist rows for every family the tracker counts as awaiting verification.

    Parameters
    ----------
    fam
        The family frame after :func:`apply_verifications` (``is_extreme_poor``,
        ``verified_extreme``, ``unit_key``, ``family_key``, ``kelurahan_code``).
    heads
        Optional ``unit_key``, ``person_key``, ``name_key``, ``rt``: who to name per family.

    Returns
    -------
    DataFrame
        ``unit_key``, ``family_key``, ``kelurahan_code``, ``masalah`` (:data:`AWAITING`),
        ``person_key``, ``name_key``, ``rt``, ``what_to_verify``, ``source``; keys only.
    """
    wait = fam[fam["is_extreme_poor"] & ~fam["verified_extreme"]]
    out = pd.DataFrame({"unit_key": wait["unit_key"].astype("string"),
                        "family_key": wait["unit_key"].astype("string"),
                        "kelurahan_code": wait["kelurahan_code"].astype("string")})
    if heads is not None and len(heads):
        out = out.merge(heads.drop_duplicates("unit_key"), how="left", on="unit_key", validate="1:1")
    for c in ("person_key", "name_key", "rt"):
        if c not in out:
            out[c] = pd.NA
    not_found = wait["not_found"].to_numpy(bool) if "not_found" in wait else np.zeros(len(wait), bool)
    out["masalah"] = AWAITING
    out["source"] = "dtsen/pendataan_rt"
    out["what_to_verify"] = np.where(
        not_found, "Belum ditemukan pada kunjungan sebelumnya; kunjungi lagi dan isi hasil verifikasi.",
        "Dihitung miskin ekstrem tetapi belum diverifikasi; kunjungi keluarga dan isi hasil verifikasi.")
    return out.reset_index(drop=True)


#: ``masalah`` of the growth-monitoring rows (issue 16): 2T, and weight-for-age below -3 SD
GROWTH_PROBLEMS = ("2T_rujuk", "bb_u_sangat_kurang")
#: WHO 2006: severely underweight when weight-for-age z < -3
SEVERE_UNDERWEIGHT_Z = -3.0


#: the children's columns :func:`growth_worklist_rows` reads (``classify_weighings`` and the list)
_GROWTH_WORKLIST_COLUMNS = ("child_key", "family_key", "period", "age_days", "weight_kg", "measure_date",
                            "waz", "waz_flag", "kelurahan_code", "posyandu", "rt")


def growth_worklist_rows(children: pd.DataFrame, period: str, kbm: np.ndarray | None = None,
                         latest: str | None = None) -> pd.DataFrame:
    """Worklist rows for the posyandu cadre: children with 2T, and children below -3 SD weight-for-age.

    Parameters
    ----------
    children
        ``compute_zscores`` output of the by-name e-PPGBM months (``child_key``, ``family_key``,
        ``period``, ``age_days``, ``weight_kg``, ``waz``, ``waz_flag``, ``kelurahan_code``,
        ``posyandu``, ``rt``).
    period
        The rakor period: the children weighed in the latest month at or before it are listed.
    kbm
        The KBM table (:func:`analysis.measures.skdn.load_kbm`).
    latest
        The month listed; default the latest of ``children`` at or before ``period``. Give the
        whole data's when ``children`` is a part of it (whole children, as a partition of the dask
        engine's rows shuffled on ``child_key``).

    Returns
    -------
    DataFrame
        ``unit_key`` and ``person_key`` (the child: a row is about the child, so its ``id_baris``
        is the child's and a filled row never moves the poverty tracker), ``family_key``,
        ``kelurahan_code``, ``rt``, ``masalah`` (:data:`GROWTH_PROBLEMS`), ``what_to_verify``
        (naming the posyandu), ``source``; keys only. A child with both problems has two rows.
    """
    from analysis.briefs.labels import SHEET_WORDS
    from analysis.estimates.local import part_labels
    from analysis.measures.skdn import classify_weighings
    from analysis.periods import latest_at_or_before

    cols = ["unit_key", "family_key", "person_key", "kelurahan_code", "rt", "masalah", "what_to_verify", "source"]
    if children is None or children.empty:
        return pd.DataFrame(columns=cols)
    # only the columns read here: classify_weighings copies what it is given (a province's children)
    read = [c for c in children.columns if c in _GROWTH_WORKLIST_COLUMNS]
    upto = children.loc[children["period"].astype(str) <= period, read]
    if latest is None:
        latest = latest_at_or_before(upto["period"].astype(str), period)
    if latest is None or upto.empty:
        return pd.DataFrame(columns=cols)
    w = classify_weighings(upto, kbm)
    w = w[w["period"].astype(str) == latest]
    waz = pd.to_numeric(w["waz"], errors="coerce") if "waz" in w else pd.Series(np.nan, index=w.index)
    flagged = w["waz_flag"].astype(bool) if "waz_flag" in w else pd.Series(False, index=w.index)
    parts = []
    for masalah, hit in (("2T_rujuk", w["is_2t"].to_numpy(bool)),
                         ("bb_u_sangat_kurang", ((waz < SEVERE_UNDERWEIGHT_Z) & ~flagged).to_numpy(bool))):
        c = w[hit]
        child = c["child_key"].astype("string")
        family = c["family_key"].astype("string") if "family_key" in c else pd.Series(pd.NA, index=c.index,
                                                                                        dtype="string")
        posyandu = part_labels(c["posyandu"] if "posyandu" in c else pd.Series(pd.NA, index=c.index))
        text = SHEET_WORDS[masalah][0]
        parts.append(pd.DataFrame({
            "unit_key": child, "family_key": family, "person_key": child,
            "kelurahan_code": c["kelurahan_code"].astype("string"),
            "rt": c["rt"].astype("string") if "rt" in c else pd.NA, "masalah": masalah,
            "what_to_verify": [text.format(posyandu=p) for p in posyandu],
            "source": "eppgbm"}))
    return pd.concat(parts, ignore_index=True)[cols]


def family_heads(pendataan_rt: pd.DataFrame, links: pd.DataFrame | None, dtsen_family: pd.DataFrame,
                 dtsen_member: pd.DataFrame | None = None) -> pd.DataFrame:
    """Who to name for each family on a worklist: the RT listing's head, else DTSEN's head.

    Returns
    -------
    DataFrame
        ``unit_key``, ``person_key``, ``name_key``, ``rt`` (pseudonyms and RT only).
    """
    from analysis.linkage.reconcile import _key, _records_of

    if "family_key" not in pendataan_rt or pendataan_rt.empty:  # no RT listing this period
        pendataan_rt = pd.DataFrame({"family_key": pd.Series([], dtype="string"),
                                     "source_file": pd.Series([], dtype="string"), "source_row": []})
    rt_rec = _records_of(pendataan_rt, "pendataan_rt", links)
    rt_rec = rt_rec.sort_values([c for c in ("listing_date", "source_row") if c in rt_rec])
    rt_rec = rt_rec.drop_duplicates("unit_key", keep="last")
    none = pd.Series(pd.NA, index=rt_rec.index, dtype="string")
    rt_who = pd.DataFrame({"unit_key": rt_rec["unit_key"].astype("string"),
                           "person_key": _key(rt_rec["head_key"]) if "head_key" in rt_rec else none,
                           "name_key": _key(rt_rec["name_key"]) if "name_key" in rt_rec else none,
                           "rt": rt_rec["rt"].astype("string") if "rt" in rt_rec else none})
    dt = pd.DataFrame({"unit_key": _key(dtsen_family["family_key"]),
                       "rt": dtsen_family["rt"].astype("string") if "rt" in dtsen_family else pd.NA})
    if dtsen_member is not None and "hubungan" in dtsen_member:
        hub = dtsen_member["hubungan"].astype("string").str.strip().str.lower()
        h = dtsen_member[hub.str.contains("kepala", na=False) | (hub == "1")]
        h = pd.DataFrame({"unit_key": _key(h["family_key"]), "person_key": _key(h["person_key"]),
                          "name_key": _key(h["name_key"])}).drop_duplicates("unit_key")
        dt = dt.merge(h, how="left", on="unit_key", validate="1:1")
    else:
        dt["person_key"], dt["name_key"] = pd.NA, pd.NA
    both = rt_who.merge(dt, how="outer", on="unit_key", suffixes=("", "_dt"), validate="1:1")
    for c in ("person_key", "name_key", "rt"):
        both[c] = both[c].astype("string").fillna(both[f"{c}_dt"].astype("string"))
    return both[["unit_key", "person_key", "name_key", "rt"]]

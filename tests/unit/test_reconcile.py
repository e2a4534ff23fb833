"""Tests of analysis.linkage.reconcile on a small constructed world whose links, overlaps and
disagreements are counted by hand (see the comments of `world`)."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from analysis.errors import RakorInputError
from analysis.linkage.reconcile import (
    family_frame,
    link_families,
    reconciliation_tables,
    verification_worklists,
)

A = "64.74.01.1003"   # Lok Tuan
B = "64.74.01.1006"   # Api-api
NA = None


def _t(rows, cols, file):
    df = pd.DataFrame(rows, columns=cols)
    df["source_file"] = file
    df["source_row"] = range(3, 3 + len(df))
    df["period"] = "2025-01"
    df["kecamatan_code"] = df["kelurahan_code"].str.slice(0, 8)
    return df


def world():
    """Hand-built lists of one period.

    DTSEN families: F1 (A, desil 1, resiko_stunting), F2 (A, desil 1), F3 (A, desil 3),
    F4 (B, desil 1), F5 (B, desil 5), F6 (A, desil 2).
    RT listing (k = 3):  r1 F1 4 criteria terverifikasi  -> no_kk link
                         r2 no KK, head P3, 3 criteria belum -> nik link to F3
                         r3 KK K9 / head H9 unknown to DTSEN, 3 criteria belum -> unmatched
                         r4 F2, 1 criterion terverifikasi     -> no_kk link (cleared)
                         r5 no KK, no NIK, name N4 in B, 4 criteria terverifikasi
                            -> fallback name+kelurahan without birth date: score 85 (< 90) -> review
    Programmes: g1 tengok F1, g2 tengok F3, g3 tengok F5 (B), g4 tengok no KK but NIK P6 -> F6,
                g5 baznas F2, g6/g7 insentif_ketua_rt in A and B (500 000 each).
    e-PPGBM: c1 KK F1 stunted; c2 parent P2 -> F2 stunted; c3 invalid NIK, name N6c + birth date
             in A -> fallback to F6 (score 100), not stunted; c4 unknown, in B, stunted;
             c5 KK F4 but measured in A, z-score flagged (is_stunted missing).
    """
    fam = _t([["F1", A, "001", 1, 2, True], ["F2", A, "002", 1, 1, False], ["F3", A, "001", 3, 1, False],
              ["F4", B, "003", 1, 1, False], ["F5", B, "004", 5, 1, False], ["F6", A, "002", 2, 2, False]],
             ["family_key", "kelurahan_code", "rt", "desil", "n_members", "resiko_stunting"], "dtsen.csv")
    mem = _t([["P1", "F1", "N1", True, "1980-01-01", "Kepala Keluarga", A],
              ["P1m", "F1", "N1m", True, "1985-02-02", "Istri", A],
              ["P2", "F2", "N2", True, "1970-03-03", "Kepala Keluarga", A],
              ["P3", "F3", "N3", True, "1960-05-05", "Kepala Keluarga", A],
              ["P4", "F4", "N4", True, "1975-04-04", "Kepala Keluarga", B],
              ["P5", "F5", "N5", True, "1977-07-07", "Kepala Keluarga", B],
              ["P6", "F6", "N6", True, "1990-06-06", "Kepala Keluarga", A],
              ["P6c", "F6", "N6c", True, "2022-01-15", "Anak", A]],
             ["person_key", "family_key", "name_key", "nik_valid", "birth_date", "hubungan", "kelurahan_code"],
             "dtsen.csv")
    mem["birth_date"] = pd.to_datetime(mem["birth_date"])
    fam_desil = fam.set_index("family_key")["desil"]
    mem["desil"] = mem["family_key"].map(fam_desil)
    rt = _t([["F1", "P1", "N1", A, "001", 4, "terverifikasi", "2025-01-05"],
             [NA, "P3", "N3", A, "001", 3, "belum", "2025-01-05"],
             ["K9", "H9", "N9", A, "002", 3, "belum", "2025-01-06"],
             ["F2", "P2", "N2", A, "002", 1, "terverifikasi", "2025-01-06"],
             [NA, NA, "N4", B, "003", 4, "terverifikasi", "2025-01-07"]],
            ["family_key", "head_key", "name_key", "kelurahan_code", "rt", "n_criteria", "verification_status",
             "listing_date"], "rt.xlsx")
    prog = _t([["tengok_tetangga", "P1", "F1", "N1", A, 300000],
               ["tengok_tetangga", "P3", "F3", "N3", A, 300000],
               ["tengok_tetangga", "P5", "F5", "N5", B, 300000],
               ["tengok_tetangga", "P6", NA, "N6", A, 300000],
               ["baznas_dspm", "P2", "F2", "N2", A, 1000000],
               ["insentif_ketua_rt", "R1", "KR1", "NR1", A, 500000],
               ["insentif_ketua_rt", "R2", "KR2", "NR2", B, 500000]],
              ["programme", "person_key", "family_key", "name_key", "kelurahan_code", "amount_idr"], "program.csv")
    kids = _t([["C1", "F1", "P1m", "NC1", True, "2023-03-01", A, True],
               ["C2", NA, "P2", "NC2", True, "2023-04-01", A, True],
               ["P6c", NA, NA, "N6c", False, "2022-01-15", A, False],
               ["C4", NA, NA, "NC4", True, "2023-05-01", B, True],
               ["C5", "F4", NA, "NC5", True, "2022-08-01", A, pd.NA]],
              ["child_key", "family_key", "parent_key", "name_key", "nik_valid", "birth_date", "kelurahan_code",
               "is_stunted"], "eppgbm.csv")
    kids["birth_date"] = pd.to_datetime(kids["birth_date"])
    kids["is_stunted"] = kids["is_stunted"].astype("boolean")
    return {"dtsen_family": fam, "dtsen_member": mem, "pendataan_rt": rt, "program": prog, "eppgbm": kids}


def links_of(w, **kw):
    return link_families(w["dtsen_family"], w["dtsen_member"], w["pendataan_rt"], w["program"], w["eppgbm"], **kw)


def _by_row(links, source, row):
    sel = links[(links["source"] == source) & (links["source_row"] == row)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_every_record_gets_one_link_row_with_its_method():
    w = world()
    links = links_of(w, threshold=90)
    assert len(links) == 5 + 7 + 5
    assert not links.duplicated(["source", "source_file", "source_row"]).any()
    expect = {  # (source, row): (status, method, family)
        ("pendataan_rt", 3): ("linked", "no_kk", "F1"),
        ("pendataan_rt", 4): ("linked", "nik", "F3"),
        ("pendataan_rt", 5): ("unmatched", None, None),
        ("pendataan_rt", 6): ("linked", "no_kk", "F2"),
        ("pendataan_rt", 7): ("review", "name_birth_kelurahan", None),
        ("program", 6): ("linked", "nik", "F6"),
        ("eppgbm", 3): ("linked", "no_kk", "F1"),
        ("eppgbm", 4): ("linked", "parent_nik", "F2"),
        ("eppgbm", 5): ("linked", "name_birth_kelurahan", "F6"),
        ("eppgbm", 6): ("unmatched", None, None),
        ("eppgbm", 7): ("linked", "no_kk", "F4"),
    }
    for (src, row), (status, method, family) in expect.items():
        r = _by_row(links, src, row)
        assert r["status"] == status, (src, row)
        assert (r["method"] if pd.notna(r["method"]) else None) == method, (src, row)
        assert (r["family_key"] if pd.notna(r["family_key"]) else None) == family, (src, row)
    assert set(links["method"].dropna()) <= {"no_kk", "nik", "parent_nik", "name_birth_kelurahan"}
    # exact links score 100; the review carries its score and candidate, not a family
    assert (links.loc[links["method"].isin(["no_kk", "nik", "parent_nik"]), "score"] == 100).all()
    r5 = _by_row(links, "pendataan_rt", 7)
    assert r5["score"] == 100 - 15 and r5["candidate_family_key"] == "F4" and r5["reason"] == "below_threshold"
    assert _by_row(links, "eppgbm", 5)["score"] == 100
    assert _by_row(links, "eppgbm", 5)["dtsen_person_key"] == "P6c"
    assert _by_row(links, "eppgbm", 4)["dtsen_person_key"] == "P2"


def test_threshold_decides_the_fallback():
    w = world()
    r5 = _by_row(links_of(w, threshold=80), "pendataan_rt", 7)
    assert (r5["status"], r5["family_key"], r5["n_candidates"]) == ("linked", "F4", 1)


def test_default_threshold_comes_from_config():
    w = world()  # config: 90 -> the name-only match (85) stays a review
    assert _by_row(links_of(w), "pendataan_rt", 7)["status"] == "review"


def test_two_families_reaching_the_threshold_are_ambiguous_not_merged():
    w = world()
    extra = w["dtsen_member"].iloc[[4]].assign(person_key="P4b", family_key="F4b")
    w["dtsen_member"] = pd.concat([w["dtsen_member"], extra], ignore_index=True)
    w["dtsen_family"] = pd.concat([w["dtsen_family"], w["dtsen_family"].iloc[[3]].assign(family_key="F4b")],
                                  ignore_index=True)
    r5 = _by_row(links_of(w, threshold=80), "pendataan_rt", 7)
    assert (r5["status"], r5["reason"], r5["n_candidates"]) == ("review", "ambiguous", 2)
    assert pd.isna(r5["family_key"])


def test_different_birth_dates_are_never_candidates():
    w = world()
    w["eppgbm"].loc[2, "birth_date"] = pd.Timestamp("2022-01-16")
    r = _by_row(links_of(w, threshold=90), "eppgbm", 5)
    assert r["status"] == "unmatched" and r["n_candidates"] == 0


def test_identity_table_allows_fuzzy_names():
    w = world()
    # the child's hashed name differs (typo), the real names are close: "Siti Aminah" vs "Siti Aminahh"
    w["eppgbm"].loc[2, "name_key"] = "N6c_typo"
    identity = pd.DataFrame({"key": ["N6c", "N6c_typo"], "nama": ["Siti Aminah", "Siti Aminahh"]})
    assert _by_row(links_of(w, threshold=90), "eppgbm", 5)["status"] == "unmatched"
    r = _by_row(links_of(w, identity=identity, threshold=90), "eppgbm", 5)
    assert r["status"] == "linked" and r["family_key"] == "F6"
    # token_sort_ratio of the two names: 2*11/(11+12) = 95.65...
    assert r["score"] == pytest.approx(200 * 11 / 23)


def test_nik_in_two_families_goes_to_review():
    w = world()
    dup = w["dtsen_member"].iloc[[3]].assign(family_key="F6")   # P3 also in F6
    w["dtsen_member"] = pd.concat([w["dtsen_member"], dup], ignore_index=True)
    r = _by_row(links_of(w, threshold=90), "pendataan_rt", 4)
    assert (r["status"], r["reason"]) == ("review", "nik_in_several_families")


def test_missing_column_is_a_readable_error():
    w = world()
    with pytest.raises(RakorInputError, match="head_key"):
        link_families(w["dtsen_family"], w["dtsen_member"], w["pendataan_rt"].drop(columns="head_key"),
                      w["program"], w["eppgbm"])


def test_overlaps_by_combination_counted_by_hand():
    w = world()
    tabs = reconciliation_tables(links_of(w, threshold=90), w["dtsen_family"], w["pendataan_rt"],
                                 dtsen_member=w["dtsen_member"], min_criteria=3)
    ov = tabs["overlaps"].set_index(["kelurahan_code", "combination"])["n_families"].to_dict()
    assert ov == {
        (A, "dtsen+pendataan_rt+program+eppgbm"): 2,      # F1, F2
        (A, "dtsen+pendataan_rt+program"): 1,             # F3
        (A, "dtsen+program+eppgbm"): 1,                   # F6
        (A, "pendataan_rt"): 1,                           # K9
        (B, "dtsen+eppgbm"): 1,                           # F4 (its e-PPGBM child measured in A)
        (B, "dtsen+program"): 1,                          # F5
        (B, "pendataan_rt"): 1,                           # r5 under review
        (B, "eppgbm"): 1,                                 # c4
    }
    row = tabs["overlaps"].query("combination == 'dtsen+program'").iloc[0]
    assert (row["in_dtsen"], row["in_pendataan_rt"], row["in_program"], row["in_eppgbm"]) == (True, False, True, False)
    ls = tabs["link_summary"].set_index(["kelurahan_code", "source"])
    # incentive rosters are not poverty lists: 4 tengok/baznas rows in A, 1 in B
    assert ls.loc[(A, "program"), "n_records"] == 4 and ls.loc[(B, "program"), "n_records"] == 1
    assert ls.loc[(A, "pendataan_rt"), ["n_linked", "n_unmatched", "n_no_kk", "n_nik"]].tolist() == [3, 1, 2, 1]


def test_extreme_poverty_disagreements_counted_by_hand():
    w = world()
    tabs = reconciliation_tables(links_of(w, threshold=90), w["dtsen_family"], w["pendataan_rt"],
                                 dtsen_member=w["dtsen_member"], min_criteria=3)
    ex = tabs["extreme_by_source"].set_index("kelurahan_code")
    cols = ["n_dtsen_desil1", "n_rt_extreme", "n_both", "n_rt_only_dtsen_other_desil", "n_rt_only_not_in_dtsen",
            "n_dtsen_only_rt_not_extreme", "n_dtsen_only_not_listed"]
    assert ex.loc[A, cols].tolist() == [2, 3, 1, 1, 1, 1, 0]
    assert ex.loc[B, cols].tolist() == [1, 1, 0, 0, 1, 0, 1]
    mm = tabs["extreme_mismatch"]
    assert len(mm) == 5
    f4 = mm[mm["family_key"] == "F4"].iloc[0]
    assert f4["category"] == "dtsen_only_not_listed" and f4["person_key"] == "P4"  # DTSEN head named
    # with threshold 80 the RT household r5 is F4: B agrees
    tabs80 = reconciliation_tables(links_of(w, threshold=80), w["dtsen_family"], w["pendataan_rt"], min_criteria=3)
    assert tabs80["extreme_by_source"].set_index("kelurahan_code").loc[B, cols].tolist() == [1, 1, 1, 0, 0, 0, 0]


def test_k_is_configurable():
    w = world()
    links = links_of(w, threshold=90)
    ex = reconciliation_tables(links, w["dtsen_family"], w["pendataan_rt"], min_criteria=4)["extreme_by_source"]
    # with k = 4 only r1 (F1) in A and r5 in B meet it
    assert ex.set_index("kelurahan_code").loc[A, "n_rt_extreme"] == 1
    fam = family_frame(w["dtsen_family"], w["pendataan_rt"], links, min_criteria=4)
    assert int(fam["rt_extreme"].sum()) == 2


def test_conflicts_counted_by_hand():
    w = world()
    tabs = reconciliation_tables(links_of(w, threshold=90), w["dtsen_family"], w["pendataan_rt"], min_criteria=3)
    cc = tabs["conflict_counts"].set_index(["kelurahan_code", "conflict_type"])["n"].to_dict()
    assert cc == {
        (A, "kelurahan_berbeda"): 1,                  # c5 measured in A, family F4 in B
        (B, "kelurahan_berbeda"): 1,                  # the DTSEN record of F4
        (B, "anak_tanpa_keluarga_di_register"): 1,    # c4
        (B, "pencocokan_perlu_ditinjau"): 1,          # r5
    }
    c = tabs["conflicts"]
    assert c.loc[(c["conflict_type"] == "kelurahan_berbeda") & (c["kelurahan_code"] == A),
                 "other_kelurahan_codes"].tolist() == [B]


def test_worklists_only_in_restricted_folder(tmp_path):
    w = world()
    tabs = reconciliation_tables(links_of(w, threshold=90), w["dtsen_family"], w["pendataan_rt"],
                                 dtsen_member=w["dtsen_member"], min_criteria=3)
    identity = pd.DataFrame({"key": ["P4", "F4", "C4", "H9"], "nama": ["Budi", "x", "Ani", "Wati"],
                             "no_kk": [None, "6474010101010001", None, None], "nik": ["6474", None, None, None]})
    with pytest.raises(RakorInputError, match="restricted"):
        verification_worklists(tabs, identity, tmp_path / "reports")
    out = tmp_path / "reports" / "2025-01" / "restricted"
    files = verification_worklists(tabs, identity, out)
    assert sorted(f.name for f in files) == ["verifikasi_64_74_01_1003.xlsx", "verifikasi_64_74_01_1006.xlsx"]
    assert all(f.parent == out for f in files)
    # row 1 says the sheet holds personal data (UU 27/2022); the table is read from row 2
    from analysis.config import RESTRICTED_NOTICE

    first_row = pd.read_excel(out / "verifikasi_64_74_01_1006.xlsx", header=None, nrows=1, dtype=str,
                              engine="openpyxl")
    assert first_row.iloc[0, 0] == RESTRICTED_NOTICE and "27/2022" in RESTRICTED_NOTICE
    assert (out.stat().st_mode & 0o777) == 0o700
    sheet_b = pd.read_excel(out / "verifikasi_64_74_01_1006.xlsx", dtype=str, header=1, engine="openpyxl")
    # B: F4 kelurahan conflict (DTSEN row), c4, r5 review, r5 rt-only, F4 not listed = 5 rows
    assert len(sheet_b) == 5
    assert {"nama", "nik", "no_kk", "yang_perlu_diverifikasi", "hasil_verifikasi"} <= set(sheet_b.columns)
    assert "Ani" in set(sheet_b["nama"]) and "Budi" in set(sheet_b["nama"])
    assert sheet_b["yang_perlu_diverifikasi"].notna().all()


def test_missing_lists_may_be_none_and_links_hold_no_names():
    w = world()
    identity = pd.DataFrame({"key": ["N6c"], "nama": ["Siti Aminah"]})
    links = link_families(w["dtsen_family"], w["dtsen_member"], w["pendataan_rt"], None, None,
                          identity=identity, threshold=90)
    assert set(links["source"]) == {"pendataan_rt"} and len(links) == 5
    assert not links.astype(str).isin(["Siti Aminah"]).any().any()


def test_rt_verified_family_counts_where_the_rt_listing_places_it():
    from analysis.linkage.targeting import zero_extreme_tracker

    w = world()
    # F7: DTSEN registers it in B (desil 3); the RT of A (Lok Tuan) lists it with 4 criteria and
    # verified it (r6, linked by No. KK). The kelurahan knows where the family lives now.
    w["dtsen_family"] = pd.concat([w["dtsen_family"], _t([["F7", B, "005", 3, 1, False]],
                                  ["family_key", "kelurahan_code", "rt", "desil", "n_members",
                                   "resiko_stunting"], "dtsen.csv").assign(source_row=9)],
                                  ignore_index=True)
    w["pendataan_rt"] = pd.concat([w["pendataan_rt"], _t([["F7", "P7", "N7", A, "003", 4, "terverifikasi",
                                                           "2025-01-08"]],
                                  ["family_key", "head_key", "name_key", "kelurahan_code", "rt", "n_criteria",
                                   "verification_status", "listing_date"], "rt.xlsx").assign(source_row=8)],
                                  ignore_index=True)
    links = links_of(w, threshold=90)
    assert _by_row(links, "pendataan_rt", 8)["family_key"] == "F7"
    fam = family_frame(w["dtsen_family"], w["pendataan_rt"], links, min_criteria=3).set_index("unit_key")
    assert fam.loc["F7", "kelurahan_code"] == A and fam.loc["F7", "verified_extreme"]
    # A's tracker: verified F1 (4 criteria, terverifikasi) and F7 -> 2; unverified F3 (3 criteria
    # belum, linked by NIK) and K9 (RT only, 3 belum) -> 2; cleared F2 -> 1.
    # B's: verified only r5 (its own unit, under review); F4 desil 1 unlisted -> 1 unverified.
    tr = zero_extreme_tracker(w["dtsen_family"], w["pendataan_rt"], focus_codes=[A, B], period="2025-01",
                              links=links, min_criteria=3).set_index("kelurahan_code")
    assert tr.loc[A, ["n_verified", "n_unverified", "n_cleared"]].tolist() == [2, 2, 1]
    assert tr.loc[B, ["n_verified", "n_unverified"]].tolist() == [1, 1]
    assert tr.loc[A, "status"] != "tercapai"
    # The disagreement stays visible: both records of F7 are kelurahan conflicts.
    c = reconciliation_tables(links, w["dtsen_family"], w["pendataan_rt"], min_criteria=3)["conflicts"]
    f7 = c[(c["conflict_type"] == "kelurahan_berbeda") & (c["unit_key"] == "F7")]
    assert sorted(zip(f7["kelurahan_code"], f7["other_kelurahan_codes"], strict=True)) == [(A, B), (B, A)]


def test_fuzzy_names_compared_as_the_pseudonyms_normalise_them():
    w = world()
    w["eppgbm"].loc[2, "name_key"] = "N6c_caps"
    # case, hyphens and repeated spaces do not count (analysis.intake.names, kind "person")
    identity = pd.DataFrame({"key": ["N6c", "N6c_caps"], "nama": ["Siti Aminah", "  SITI-AMINAH "]})
    r = _by_row(links_of(w, identity=identity, threshold=90), "eppgbm", 5)
    assert r["status"] == "linked" and r["family_key"] == "F6" and r["score"] == 100.0


def test_worklists_are_written_atomically(tmp_path, monkeypatch):
    w = world()
    tabs = reconciliation_tables(links_of(w, threshold=90), w["dtsen_family"], w["pendataan_rt"],
                                 dtsen_member=w["dtsen_member"], min_criteria=3)
    identity = pd.DataFrame({"key": ["P4"], "nama": ["Budi"]})
    out = tmp_path / "restricted"
    files = verification_worklists(tabs, identity, out)
    before = {f.name: f.read_bytes() for f in files}
    import openpyxl

    real = openpyxl.Workbook.save

    def failing(self, path):
        real(self, path)
        with open(path, "r+b") as fh:  # a half-written file, then the failure
            fh.truncate(100)
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", failing)
    with pytest.raises(OSError, match="disk full"):
        verification_worklists(tabs, identity, out)
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before


def test_worklist_form_reaches_the_rows_a_kelurahan_adds(tmp_path):
    # The result dropdown and the date check from row 3 to 200 rows below the table, the dates
    # formatted DD/MM/YYYY on the column itself (cells written and rows added), the header row
    # frozen, and the instructions sheet.
    import openpyxl

    from analysis.linkage.reconcile import WORKLIST_SPARE_ROWS
    from analysis.linkage.verification import RESULT_WORDS

    w = world()
    tabs = reconciliation_tables(links_of(w, threshold=90), w["dtsen_family"], w["pendataan_rt"],
                                 dtsen_member=w["dtsen_member"], min_criteria=3)
    path = tmp_path / "restricted" / "verifikasi_64_74_01_1006.xlsx"
    verification_worklists(tabs, pd.DataFrame({"key": ["P4"], "nama": ["Budi"]}), path.parent)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["verifikasi", "petunjuk"]
    ws = book["verifikasi"]
    header = [c.value for c in ws[2]]
    n = len(pd.read_excel(path, header=1, engine="openpyxl"))
    assert n == 5 and ws.freeze_panes == "A3"
    res = openpyxl.utils.get_column_letter(header.index("hasil_verifikasi") + 1)
    day = openpyxl.utils.get_column_letter(header.index("tanggal_verifikasi") + 1)
    last = n + 2 + WORKLIST_SPARE_ROWS
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert set(dvs) == {f"{res}3:{res}{last}", f"{day}3:{day}{last}"}
    assert dvs[f"{res}3:{res}{last}"].type == "list"
    assert dvs[f"{res}3:{res}{last}"].formula1 == '"' + ",".join(RESULT_WORDS) + '"'
    assert dvs[f"{day}3:{day}{last}"].type == "date"
    assert ws.column_dimensions[day].number_format == "DD/MM/YYYY"
    assert {ws[f"{day}{r}"].number_format for r in range(3, n + 3)} == {"DD/MM/YYYY"}
    assert book["petunjuk"]["A1"].value and book["petunjuk"].column_dimensions["A"].width == 110


def test_worklists_of_nothing_to_verify_are_no_files(tmp_path):
    # rows without a kelurahan write no file (a run of some sources only can leave none)
    rows = pd.DataFrame({"kelurahan_code": pd.Series([None], dtype="string"), "what_to_verify": ["x"]})
    assert verification_worklists(rows, pd.DataFrame({"key": ["P4"], "nama": ["Budi"]}),
                                  tmp_path / "restricted") == []
    assert verification_worklists(rows.iloc[0:0], pd.DataFrame({"key": ["P4"], "nama": ["Budi"]}),
                                  tmp_path / "restricted") == []


def test_worklists_from_a_pool_of_processes_are_the_files_of_one(tmp_path, monkeypatch):
    # a province's desa are written by a pool of processes (forced here from the first file):
    # the same files with the same cells, owner-only
    import concurrent.futures

    import openpyxl

    from analysis.linkage import reconcile

    w = world()
    tabs = reconciliation_tables(links_of(w, threshold=90), w["dtsen_family"], w["pendataan_rt"],
                                 dtsen_member=w["dtsen_member"], min_criteria=3)
    identity = pd.DataFrame({"key": ["P4"], "nama": ["Budi"]})
    alone = verification_worklists(tabs, identity, tmp_path / "restricted" / "alone")
    pools = []
    real = concurrent.futures.ProcessPoolExecutor

    def counted(*args, **kwargs):
        pools.append(kwargs.get("max_workers"))
        return real(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counted)
    monkeypatch.setattr(reconcile, "WORKLIST_PROCESSES_FROM", 0)
    pooled = verification_worklists(tabs, identity, tmp_path / "restricted" / "pooled")
    cores = len(os.sched_getaffinity(0))
    assert len(alone) >= 2 and pools == ([min(cores, len(alone))] if cores > 1 else [])  # a process a core

    def cells(path):
        book = openpyxl.load_workbook(path)
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}

    assert [p.name for p in pooled] == [p.name for p in alone]
    for a, b in zip(alone, pooled, strict=True):
        assert cells(b) == cells(a)
        assert b.stat().st_mode & 0o777 == 0o600

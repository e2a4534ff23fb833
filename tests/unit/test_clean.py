"""Cleaning the hand-written messy fixtures end to end (analysis.intake.clean).

The fixture files under tests/fixtures/messy/raw/ were written row by row for one rule each; the
expected counts and reasons below follow from that design (see the README there), not from a
run of the code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import shutil
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from analysis.errors import RakorInputError
from analysis.intake import schemas
from analysis.intake.clean import clean_all

FIX = Path(__file__).parents[1] / "fixtures" / "messy"
TODAY = dt.date(2025, 10, 1)
KEY = "unit-test-key"


def nik_key(nik: str) -> str:
    return hmac.new(KEY.encode(), f"nik:{nik}".encode(), "sha256").hexdigest()[:16]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("RAKOR_PSEUDONYM_KEY", KEY)
    out = tmp_path_factory.mktemp("processed")
    res = clean_all(FIX / "raw", out, today=TODAY)
    yield res, out
    mp.undo()


def rejects_of(res, file):
    r = res.rejects.loc[res.rejects["file"] == file]
    return {(int(row), reason) for row, reason in zip(r["row"], r["reason"], strict=True)}


def test_intake_counts_and_nothing_lost(result):
    res, _ = result
    it = res.intake.set_index("file")
    expected = {  # file: (rows_in, kept, rejected)
        "eppgbm/feb.csv": (18, 6, 12),
        "eppgbm/aug.csv": (4, 2, 2),
        "eppgbm/us_dates.tsv": (4, 2, 2),
        "dtsen/dtsen_2025-01_a.csv": (9, 5, 4),
        "dtsen/dtsen_2025-01_b.csv": (2, 1, 1),
        "susenas/susenas_2024-03.csv": (5, 3, 2),
        "pendataan_rt/pendataan_loktuan.csv": (9, 5, 4),
        "program/program_2025-02.csv": (5, 2, 3),
    }
    for f, (n_in, kept, rej) in expected.items():
        assert tuple(it.loc[f, ["rows_in", "rows_kept", "rows_rejected"]]) == (n_in, kept, rej), f
        assert res.rejects.loc[res.rejects["file"] == f, "row"].nunique() == rej
    sha = hashlib.sha256((FIX / "raw" / "eppgbm" / "feb.csv").read_bytes()).hexdigest()
    assert it.loc["eppgbm/feb.csv", "sha256"] == sha
    assert it.loc["eppgbm/feb.csv", "columns_unused"] == "Keterangan"
    assert it.loc["eppgbm/aug.csv", "period_min"] == "2025-08"
    assert res.missing_sources == ["eppgbm_bulanan"]  # the messy fixtures have no monthly report


def test_eppgbm_rejects(result):
    res, _ = result
    assert rejects_of(res, "eppgbm/feb.csv") == {
        (5, "duplicate"), (8, "implausible_height"), (9, "measure_date_in_future"),
        (10, "measure_before_birth"), (11, "invalid_date"), (16, "missing_value"),
        (17, "unknown_kelurahan"), (18, "invalid_sex"), (19, "invalid_code"),
        (20, "invalid_number"), (21, "kelurahan_not_in_kecamatan"), (22, "missing_value"),
    }
    assert rejects_of(res, "eppgbm/aug.csv") == {(3, "duplicate"), (5, "invalid_period")}
    assert rejects_of(res, "eppgbm/us_dates.tsv") == {(2, "invalid_date"), (3, "ambiguous_date")}
    r = res.rejects.set_index(["file", "row", "reason"])
    # The column is the header as written; the value says which row was kept.
    assert r.loc[("eppgbm/feb.csv", 5, "duplicate"), "value"] == "kept: eppgbm/feb.csv row 13"
    assert r.loc[("eppgbm/aug.csv", 3, "duplicate"), "value"] == "kept: eppgbm/feb.csv row 6"
    assert r.loc[("eppgbm/feb.csv", 11, "invalid_date"), "column"] == "Tgl Lahir"
    assert r.loc[("eppgbm/feb.csv", 11, "invalid_date"), "value"] == "31/02/2023"
    assert r.loc[("eppgbm/feb.csv", 8, "implausible_height"), "column"] == "Tinggi Badan (cm)"


def test_eppgbm_values(result):
    res, _ = result
    e = res.tables["eppgbm"].set_index(["source_file", "source_row"])
    siti = e.loc[("eppgbm/feb.csv", 13)]
    assert siti["child_key"] == nik_key("6474015205230001")
    assert siti["age_days"] == (dt.date(2025, 2, 20) - dt.date(2023, 5, 12)).days
    assert siti["sex"] == 2 and siti["measure"] == "h" and siti["period"] == "2025-02"
    assert siti["kelurahan_code"] == "64.74.01.1003" and siti["kecamatan_code"] == "64.74.01"
    assert siti["rt"] == "005" and siti["rw"] == "002" and not siti["oedema"]
    andi = e.loc[("eppgbm/feb.csv", 6)]
    assert andi["height_cm"] == pytest.approx(71.5)  # 715 mm
    assert andi["measure"] == "l" and andi["rt"] == "007"
    assert andi["kelurahan_code"] == "64.74.01.1006"  # "API-API "
    putri = e.loc[("eppgbm/feb.csv", 7)]
    assert putri["weight_kg"] == pytest.approx(12.5)  # 12500 g
    assert putri["birth_date"] == pd.Timestamp("2023-03-15")  # Excel serial 45000
    assert putri["kelurahan_code"] == "64.74.02.1006"  # fuzzy "Tanjung Laut Indh"
    # Flagged, not rejected: serial 0000, no NIK (name-based key), sex mismatch.
    assert e.loc[("eppgbm/feb.csv", 14), "nik_valid"] == False  # noqa: E712
    assert e.loc[("eppgbm/feb.csv", 15), "nik_valid"] == False  # noqa: E712
    assert e.loc[("eppgbm/feb.csv", 23), "nik_valid"] == False  # noqa: E712
    assert e.loc[("eppgbm/feb.csv", 6), "nik_valid"] == True  # noqa: E712
    # The period comes from the Periode column when there is one.
    assert e.loc[("eppgbm/aug.csv", 2), "period"] == "2025-08"
    assert e.loc[("eppgbm/us_dates.tsv", 4), "birth_date"] == pd.Timestamp("2024-04-25")
    # A No. KK of zeros is no family key; a valid one is.
    assert pd.isna(e.loc[("eppgbm/us_dates.tsv", 4), "family_key"])
    assert e.loc[("eppgbm/us_dates.tsv", 5), "family_key"] == hmac.new(
        KEY.encode(), b"kk:6474011503200001", "sha256").hexdigest()[:16]


def test_corrections(result):
    res, _ = result
    c = res.corrections.set_index(["source", "value"])
    assert c.loc[("eppgbm", "Loktuan"), "n_rows"] == 2  # feb rows 5 and 13
    assert c.loc[("eppgbm", "Loktuan"), "method"] == "alias"
    assert c.loc[("eppgbm", "Tanjung Laut Indh"), "method"] == "fuzzy"
    assert c.loc[("eppgbm", "Tanjung Laut Indh"), "corrected_to"] == "Tanjung Laut Indah"
    assert c.loc[("dtsen", "Tj. Laut"), "code"] == "64.74.02.1001"


def test_dtsen(result):
    res, _ = result
    # Rows 5 and 6 are the same person: the last row (6) is kept. Family A (rows 2-4) is also
    # in file b with one member: kept from file a, where it has most members.
    assert rejects_of(res, "dtsen/dtsen_2025-01_a.csv") == {
        (5, "duplicate"), (7, "missing_value"), (8, "invalid_desil"), (9, "invalid_desil")}
    assert rejects_of(res, "dtsen/dtsen_2025-01_b.csv") == {(2, "duplicate")}
    m = res.tables["dtsen_member"]
    assert len(m) == 6 and set(m["period"]) == {"2025-01"}  # period from the file name
    fam = res.tables["dtsen_family"].set_index("family_key")
    a = fam.loc[hmac.new(KEY.encode(), b"kk:6474011503200001", "sha256").hexdigest()[:16]]
    assert a["n_members"] == 3 and a["penerima_pkh"] == True and a["desil"] == 1  # noqa: E712
    assert len(fam) == 4
    fani = m.loc[m["source_row"] == 10].iloc[0]
    assert fani["nik_valid"] == False and fani["kelurahan_code"] == "64.74.03.1003"  # noqa: E712


def test_other_sources(result):
    res, _ = result
    sus = res.tables["susenas"].set_index("hh_id")
    assert sus.loc["R001", "expenditure_pc_idr_month"] == 1_250_000
    assert sus.loc["R001", "weight_hh"] == pytest.approx(125.5)
    assert sus.loc["R002", "expenditure_pc_idr_month"] == 900_000  # the later row is kept
    assert sus.loc["R004", "expenditure_pc_idr_month"] == 400_000
    assert rejects_of(res, "susenas/susenas_2024-03.csv") == {(3, "duplicate"), (5, "invalid_value")}
    assert rejects_of(res, "pendataan_rt/pendataan_loktuan.csv") == {
        (2, "duplicate"), (4, "missing_value"), (5, "invalid_yes_no"), (10, "missing_value")}
    rt = res.tables["pendataan_rt"].set_index("source_row")
    assert rt.loc[6, "n_criteria"] == 4 and rt.loc[6, "verification_status"] == "tidak_memenuhi"
    assert rt.loc[6, "rt"] == "005" and rt.loc[7, "verification_status"] == "belum"
    assert rt.loc[3, "listing_date"] == pd.Timestamp("2025-01-11")
    # No No. KK but a head's name: kept, keyed by name | kelurahan | RT (normalised like a
    # name: upper case, punctuation to spaces).
    lina = hmac.new(KEY.encode(), b"household:LINA|64 74 01 1003|007", "sha256").hexdigest()[:16]
    assert rt.loc[9, "family_key"] == lina and isinstance(rt.loc[9, "name_key"], str)
    assert pd.isna(rt.loc[8, "head_key"]) and rt.loc[8, "n_criteria"] == 3
    assert rejects_of(res, "program/program_2025-02.csv") == {
        (2, "duplicate"), (4, "unknown_programme"), (6, "missing_value")}
    prog = res.tables["program"].set_index("source_row")
    assert prog.loc[5, "programme"] == "tengok_tetangga" and prog.loc[5, "amount_idr"] == 300_000
    assert prog.loc[3, "programme"] == "insentif_kader_posyandu" and prog.loc[3, "period"] == "2025-02"


def test_written_tables_follow_schemas_and_hold_no_personal_data(result):
    res, out = result
    for name in ["intake", "rejects", "corrections", "eppgbm", "dtsen_member", "dtsen_family",
                 "susenas", "pendataan_rt", "program"]:
        df = pd.read_parquet(out / f"{name}.parquet")
        assert list(df.columns) == schemas.columns_of(name)
        text = df.astype(str).to_csv()
        assert not re.search(r"\d{16}|647403120319", text), name  # no NIK / No. KK
        for person in ["Siti", "Aminah", "Andi", "Ahmad", "Bambang", "Rina", "Jl. "]:
            assert person not in text, (name, person)
    ident = pd.read_parquet(out / "restricted" / "identity.parquet")
    row = ident.loc[ident["key"] == nik_key("6474015205230001")].iloc[0]
    assert row["nik"] == "6474015205230001" and row["nama"] == "Siti Aminah"


def test_missing_sources_and_stale_tables(tmp_path, monkeypatch, result):
    monkeypatch.setenv("RAKOR_PSEUDONYM_KEY", KEY)
    raw = tmp_path / "raw"
    shutil.copytree(FIX / "raw" / "susenas", raw / "susenas")
    (raw / "susenas" / "catatan.docx").write_bytes(b"not a table")
    out = tmp_path / "processed"
    out.mkdir()
    (out / "eppgbm.parquet").write_bytes(b"stale")
    res = clean_all(raw, out, today=TODAY)
    assert res.missing_sources == ["eppgbm", "dtsen", "pendataan_rt", "program",
                                    "eppgbm_bulanan"]
    assert set(res.tables) == {"susenas"} and not (out / "eppgbm.parquet").exists()
    assert any("catatan.docx ignored" in n for n in res.notes)


def test_broken_file_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("RAKOR_PSEUDONYM_KEY", KEY)
    raw = tmp_path / "raw"
    shutil.copytree(FIX / "broken", raw)
    (raw / "eppgbm" / "kosong.csv").write_bytes(b"")
    with pytest.raises(RakorInputError) as e:
        clean_all(raw, tmp_path / "out", today=TODAY)
    msg = str(e.value)
    assert "closest: 'Tinggi Badn'" in msg and "eppgbm/feb.csv" in msg
    assert "eppgbm/kosong.csv is empty" in msg
    (tmp_path / "empty").mkdir()
    with pytest.raises(RakorInputError, match="no data files"):
        clean_all(tmp_path / "empty", None)
    with pytest.raises(RakorInputError, match="does not exist"):
        clean_all(tmp_path / "nowhere", None)


def test_schema_rejects_a_bad_table(result):
    res, _ = result
    bad = res.tables["eppgbm"].copy()
    bad.loc[0, "sex"] = 3
    with pytest.raises(pandera.errors.SchemaErrors):
        schemas.check(bad, "eppgbm")


# --- placeholder NIKs are not one person (review finding) -------------------------------------


def _clean_one(tmp_path, source, name, text):
    from analysis.intake.clean import clean_source

    p = tmp_path / source / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    res = clean_source(source, [p], today=TODAY, key=KEY.encode())
    r = res["rejects"]
    return res, {(int(row), reason) for row, reason in zip(r["row"], r["reason"], strict=True)}


def test_dtsen_placeholder_nik_is_no_duplicate_key(tmp_path):
    # One family. Rows 3, 4, 5, 7 share the placeholder NIK 0000000000000000, which says nothing
    # about who they are: Sri (3) and Wati (7) are other people than Rudi (4, 5). Rows 4 and 5
    # agree on name, birth date, sex and kelurahan (the e-PPGBM fallback key): 4 is a duplicate of
    # 5 (the last row is kept). Wati has no birth date, so no fallback key: never a duplicate.
    # Row 6 has no NIK at all: missing_value, as before.
    text = ("No KK,NIK,Nama Lengkap,JK,Tgl Lahir,Hubungan Keluarga,Kelurahan,Desil Nasional\n"
            "6474011503200001,6474010101800001,Ahmad,L,01/01/1980,Kepala Keluarga,Loktuan,1\n"
            "6474011503200001,0000000000000000,Sri,P,02/02/1985,Istri,Loktuan,1\n"
            "6474011503200001,0000000000000000,Rudi,L,15/06/2015,Anak,Loktuan,1\n"
            "6474011503200001,0000000000000000,Rudi,L,15/06/2015,Anak,Loktuan,1\n"
            "6474011503200001,,Tono,L,20/07/2017,Anak,Loktuan,1\n"
            "6474011503200001,0000000000000000,Wati,P,,Anak,Loktuan,1\n")
    res, rejects = _clean_one(tmp_path, "dtsen", "dtsen_2025-01.csv", text)
    assert rejects == {(4, "duplicate"), (6, "missing_value")}
    r = res["rejects"].set_index(["row", "reason"])
    assert r.loc[(4, "duplicate"), "value"] == "kept: dtsen/dtsen_2025-01.csv row 5"
    m = res["tables"]["dtsen_member"]
    assert sorted(m["source_row"].tolist()) == [2, 3, 5, 7]
    assert "_dup_key" not in m.columns
    assert res["tables"]["dtsen_family"]["n_members"].tolist() == [4]


def test_programme_placeholder_nik_is_no_duplicate_key(tmp_path):
    # Siti (2) and Rina (3) both carry the placeholder NIK: two beneficiaries, both kept.
    # Ahmad's usable NIK twice in the same programme and period: row 4 is the duplicate.
    text = ("Nama Program,NIK Penerima,Nama Penerima,Kelurahan,Periode\n"
            "Tengok Tetangga,0000000000000000,Siti,Api-api,2025-02\n"
            "Tengok Tetangga,0000000000000000,Rina,Api-api,2025-02\n"
            "Tengok Tetangga,6474010101800001,Ahmad,Api-api,2025-02\n"
            "Tengok Tetangga,6474010101800001,Ahmad,Api-api,2025-02\n")
    res, rejects = _clean_one(tmp_path, "program", "program_2025-02.csv", text)
    assert rejects == {(4, "duplicate")}
    assert sorted(res["tables"]["program"]["source_row"].tolist()) == [2, 3, 5]


def test_outputs_are_written_atomically(tmp_path, monkeypatch):
    """A failure while writing leaves the previous table whole and no temporary file behind."""
    monkeypatch.setenv("RAKOR_PSEUDONYM_KEY", KEY)
    raw = tmp_path / "raw"
    shutil.copytree(FIX / "raw" / "susenas", raw / "susenas")
    out = tmp_path / "processed"
    clean_all(raw, out, today=TODAY)
    before = {p.name: p.read_bytes() for p in out.glob("*.parquet")}
    assert {"intake.parquet", "rejects.parquet", "susenas.parquet"} <= set(before)

    real = pd.DataFrame.to_parquet
    calls = []

    def failing(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:  # the second table: write part of it, then fail
            Path(path).write_bytes(b"PAR1 half a file")
            raise OSError("disk full")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)
    with pytest.raises(OSError, match="disk full"):
        clean_all(raw, out, today=TODAY)
    assert {p.name: p.read_bytes() for p in out.glob("*.parquet")} == before
    assert [p.name for p in out.rglob("*") if p.name.endswith(".tmp")] == []


def test_a_cleaned_file_keeps_of_its_text_only_what_its_rejects_quote(monkeypatch):
    """A file's state waits, with every other file's, for the duplicates across all of them: it
    keeps only ``source_row`` of the raw text, so no name, NIK or address from the file is in it
    (bar the identity table), and its rejects quote the same cells as before."""
    import pickle

    from analysis import config
    from analysis.intake import clean as cl
    from analysis.intake.identifiers import pseudonym_key

    monkeypatch.setenv("RAKOR_PSEUDONYM_KEY", KEY)
    key = pseudonym_key()
    state = cl.clean_file("eppgbm", FIX / "raw" / "eppgbm" / "feb.csv", 0,
                          cl._source_cfg("eppgbm", config.sources()["eppgbm"]), cl.gazetteer(), TODAY, key)
    assert list(state.w.df.columns) == ["source_row"] and state.w.raw.data is state.w.df
    held = pickle.dumps((state.w, state.out))
    for text in ("Siti Aminah", "Rina", "Jl. Mawar 1", "6474015205230001", "Andi Saputra"):
        assert text.encode() not in held, text
    rej = cl.file_result(state, "eppgbm", key)["rejects"].set_index(["row", "reason"])
    assert rej.loc[(11, "invalid_date"), "value"] == "31/02/2023"  # a cell as written
    assert rej.loc[(18, "invalid_sex"), "value"] == "X"
    # a value made of two cells (kelurahan / kecamatan) when the reject was recorded
    assert rej.loc[(21, "kelurahan_not_in_kecamatan"), "value"] == "Kanaan / Bontang Utara"
    assert rej.loc[(11, "invalid_date"), "column"] == "Tgl Lahir"

"""The RT self-listing form (analysis.intake.templates) and its way back through intake.

A form is written, filled in here with openpyxl the way an RT head would (dropdown words, RT numbers
typed as numbers or as "005", a date cell), saved under the form's own file name in ``pendataan_rt/``
and read back by the intake function. The expected counts come from the rows below, counted by hand:

====  ==================  ==========================  ==============  =====  ===========
row   No KK / name        K1 K2 K3 K4                 status          RT     n criteria
====  ==================  ==========================  ==============  =====  ===========
3     6474011503200001    Ya    Ya    Ya    Tidak      belum           5      3
4     6474011208190002    Ya    Tidak Tidak Tidak      terverifikasi   7      1
5     6474011309190003    Ya    Ya    Ya    Ya         tidak memenuhi  "005"  4
6     (none) / SITI       Tidak Tidak Ya    Ya         (empty)         7      2
7     6474011410190005    Tidak Ya    Ya    Ya         belum           12     3
====  ==================  ==========================  ==============  =====  ===========

Yes per criterion: K1 3 (rows 3-5), K2 3 (rows 3, 5, 7), K3 4 (rows 3, 5-7), K4 3 (rows 5-7);
households with at least 3 criteria (``min_criteria_extreme`` = 3 in config): 3 (rows 3, 5, 7).
The names and numbers are made up.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from analysis import cli, config
from analysis.briefs.labels import SHEET_WORDS
from analysis.errors import RakorInputError
from analysis.intake.clean import clean_source
from analysis.intake.templates import (
    default_file_name,
    rt_numbers,
    template_columns,
    write_pendataan_template,
)

CODE = "64.74.01.1003"  # Lok Tuan
KEY = b"unit-test-key"
TODAY = dt.date(2025, 10, 1)
FIFTH = {"key": "kriteria_5", "label_id": "Tidak memiliki jamban sendiri"}
ROWS = [  # no_kk, nama, criteria (K1..K4), status, rt
    ("6474011503200001", "AHMAD", ["Ya", "Ya", "Ya", "Tidak"], "belum", 5),
    ("6474011208190002", "BUDI", ["Ya", "Tidak", "Tidak", "Tidak"], "terverifikasi", 7),
    ("6474011309190003", "CITRA", ["Ya", "Ya", "Ya", "Ya"], "tidak memenuhi", "005"),
    (None, "SITI", ["Tidak", "Tidak", "Ya", "Ya"], None, 7),
    ("6474011410190005", "DEDI", ["Tidak", "Ya", "Ya", "Ya"], "belum", 12),
]
HEADER = ["No KK", "NIK Kepala Keluarga", "Nama Kepala Keluarga", "RT", "RW", "Alamat",
          "Tidak mampu memenuhi makan dua kali sehari", "Rumah tidak layak huni",
          "Tidak ada anggota keluarga berpenghasilan tetap", "Tidak mampu berobat ke fasilitas kesehatan",
          "Status Verifikasi", "Petugas", "Tanggal Pendataan"]


def fill(path: Path, rows: list[tuple], fifth: list[str] | None = None) -> None:
    """Fill the form at ``path`` like an RT head: one row per household from row 3."""
    book = openpyxl.load_workbook(path)
    ws = book[SHEET_WORDS["template_sheet"][0]]
    head = [c.value for c in ws[2]]
    col = {h: i + 1 for i, h in enumerate(head)}
    for r, (kk, nama, crit, status, rt) in enumerate(rows, start=3):
        ws.cell(r, col["No KK"], kk)
        ws.cell(r, col["Nama Kepala Keluarga"], nama)
        ws.cell(r, col["RT"], rt)
        ws.cell(r, col["RW"], 1)
        for h, v in zip(HEADER[6:10], crit, strict=True):
            ws.cell(r, col[h], v)
        if fifth is not None:
            ws.cell(r, col[FIFTH["label_id"]], fifth[r - 3])
        ws.cell(r, col["Status Verifikasi"], status)
        ws.cell(r, col["Petugas"], "Kader A")
        ws.cell(r, col["Tanggal Pendataan"], dt.datetime(2025, 3, 10 + r))
    book.save(path)


@pytest.fixture
def fifth_config(tmp_path, monkeypatch):
    """A copy of config/ with a fifth criterion, in use for the test (and the previous one after)."""
    folder = tmp_path / "config"
    shutil.copytree(config.DEFAULT_CONFIG_DIR, folder)
    settings = yaml.safe_load((folder / "settings.yml").read_text(encoding="utf-8"))
    settings["local_criteria"]["criteria"].append(dict(FIFTH))
    (folder / "settings.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(config, "CONFIG_DIR", config.CONFIG_DIR)  # restored after the test
    monkeypatch.setenv("RAKOR_CONFIG", str(config.CONFIG_DIR))
    config.load_yaml.cache_clear()
    yield folder
    config.load_yaml.cache_clear()


def test_form_header_dropdowns_and_instructions(tmp_path):
    path = write_pendataan_template(CODE, tmp_path, processed_dir=tmp_path / "none")
    assert path.name == "pendataan_rt_64_74_01_1003.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Pendataan", "Petunjuk"]
    ws = book["Pendataan"]
    assert CODE in ws["A1"].value and "LOK TUAN" in ws["A1"].value
    assert [c.value for c in ws[2]] == HEADER
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    crit = dvs["G3:G502 H3:H502 I3:I502 J3:J502"]
    assert (crit.type, crit.formula1) == ("list", '"Ya,Tidak"')
    assert dvs["K3:K502"].formula1 == '"belum,terverifikasi,tidak memenuhi"'
    # No processed tables: the RT column takes whole numbers 1-999 (what intake reads as an RT).
    rt = dvs["D3:D502"]
    assert (rt.type, rt.formula1, rt.formula2) == ("whole", "1", "999")
    assert dvs["M3:M502"].type == "date"
    lines = [r[0] for r in book["Petunjuk"].iter_rows(values_only=True)]
    assert any("data pribadi" in line and "UU 27/2022" in line for line in lines)
    assert "  - Rumah tidak layak huni" in lines
    assert any(default_file_name(CODE) in line for line in lines)


def test_form_prints_one_page_wide_with_ruled_rows(tmp_path):
    ws = openpyxl.load_workbook(write_pendataan_template(CODE, tmp_path, processed_dir=tmp_path / "none"))["Pendataan"]
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$1:$2"  # the header on every printed page
    assert ws["A27"].border.bottom.style == "thin" and ws["M27"].border.left.style == "thin"  # 25 ruled rows
    assert ws["A28"].border.bottom.style is None


def test_rt_dropdown_lists_the_rts_known_for_the_kelurahan(tmp_path):
    proc = tmp_path / "processed"
    proc.mkdir()
    # RTs 1, 5 and 12 of Lok Tuan across two tables; RT 9 is of another kelurahan.
    pd.DataFrame({"kelurahan_code": [CODE, CODE, "64.74.01.1006", CODE],
                  "rt": ["005", "001", "009", None], "nik": ["x"] * 4}).to_parquet(proc / "dtsen_member.parquet")
    pd.DataFrame({"kelurahan_code": [CODE, CODE], "rt": ["012", "005"]}).to_parquet(proc / "program.parquet")
    assert rt_numbers(CODE, proc) == [1, 5, 12]
    book = openpyxl.load_workbook(write_pendataan_template(CODE, tmp_path, processed_dir=proc))
    rt = next(dv for dv in book["Pendataan"].data_validations.dataValidation if str(dv.sqref) == "D3:D502")
    assert rt.type == "list" and rt.errorStyle == "warning"  # a new RT is confirmed, not refused
    assert rt.formula1 == "'Daftar'!$A$2:$A$4"
    assert [r[0] for r in book["Daftar"].iter_rows(min_row=2, values_only=True)] == [1, 5, 12]
    assert book["Daftar"].sheet_state == "hidden"


def test_filled_form_is_read_back_by_intake(tmp_path):
    folder = tmp_path / "raw" / "pendataan_rt"
    path = write_pendataan_template(CODE, folder, processed_dir=tmp_path / "none")
    fill(path, ROWS)
    res = clean_source("pendataan_rt", [path], key=KEY, today=TODAY)
    it = res["intake"].iloc[0]
    assert (it["rows_in"], it["rows_kept"], it["rows_rejected"]) == (5, 5, 0)
    rt = res["tables"]["pendataan_rt"].set_index("source_row")
    assert set(rt["kelurahan_code"]) == {CODE} and set(rt["kecamatan_code"]) == {"64.74.01"}
    assert {k: int(rt[k].sum()) for k in ("kriteria_1", "kriteria_2", "kriteria_3", "kriteria_4")} == {
        "kriteria_1": 3, "kriteria_2": 3, "kriteria_3": 4, "kriteria_4": 3}
    k = config.settings()["local_criteria"]["min_criteria_extreme"]
    assert k == 3 and int((rt["n_criteria"] >= k).sum()) == 3
    assert rt["n_criteria"].to_dict() == {3: 3, 4: 1, 5: 4, 6: 2, 7: 3}
    assert rt["verification_status"].to_dict() == {
        3: "belum", 4: "terverifikasi", 5: "tidak_memenuhi", 6: "belum", 7: "belum"}
    assert rt["rt"].to_dict() == {3: "005", 4: "007", 5: "005", 6: "007", 7: "012"}
    assert rt.loc[3, "listing_date"] == pd.Timestamp("2025-03-13") and rt.loc[3, "period"] == "2025-03"


def test_form_renamed_without_the_code_loses_no_row(tmp_path):
    path = write_pendataan_template(CODE, tmp_path / "pendataan_rt", processed_dir=tmp_path / "none")
    fill(path, ROWS[:2])
    renamed = path.rename(path.with_name("pendataan rt lok tuan.xlsx"))
    res = clean_source("pendataan_rt", [renamed], key=KEY, today=TODAY)
    it = res["intake"].iloc[0]
    assert (it["rows_in"], it["rows_kept"] + it["rows_rejected"]) == (2, 2)
    assert it["rows_kept"] == 0 and set(res["rejects"]["column"]) == {"kelurahan"}
    assert any("no kelurahan code in the file name" in n for n in res["notes"])


def test_a_fifth_criterion_in_config_is_a_column_of_the_form_and_of_intake(tmp_path, fifth_config, capsys):
    # Through the command, as a user would: rakor --config DIR template pendataan-rt ...
    folder = tmp_path / "raw" / "pendataan_rt"
    assert cli.main(["--config", str(fifth_config), "template", "pendataan-rt", "--kelurahan", CODE,
                     "--out", str(folder), "--processed", str(tmp_path / "none")]) == 0
    path = folder / default_file_name(CODE)
    head = [c.value for c in openpyxl.load_workbook(path)["Pendataan"][2]]
    assert head == HEADER[:10] + [FIFTH["label_id"]] + HEADER[10:]
    assert [c for c, _ in template_columns()][10] == "kriteria_5"
    # Fifth criterion: Ya for rows 3, 4 and 6 -> n = 4, 2, 4, 3, 3: four households with >= 3.
    fill(path, ROWS, fifth=["Ya", "Ya", "Tidak", "Ya", "Tidak"])
    res = clean_source("pendataan_rt", [path], key=KEY, today=TODAY)
    rt = res["tables"]["pendataan_rt"].set_index("source_row")
    assert len(rt) == 5 and int(rt["kriteria_5"].sum()) == 3
    assert rt["n_criteria"].to_dict() == {3: 4, 4: 2, 5: 4, 6: 3, 7: 3}
    assert int((rt["n_criteria"] >= 3).sum()) == 4


def test_header_of_a_criterion_matches_by_label_or_key_in_any_case(tmp_path):
    # A listing typed by hand: criteria headed by label in other case/spacing, or by key.
    path = tmp_path / "pendataan_rt" / "listing_64_74_01_1003.csv"
    path.parent.mkdir()
    path.write_text(
        "No KK,Nama Kepala Keluarga,RT,  TIDAK MAMPU memenuhi makan  dua kali sehari ,kriteria_2,"
        "Kriteria_3,tidak mampu berobat ke fasilitas kesehatan,Status Verifikasi\n"
        "6474011503200001,AHMAD,5,Ya,Tidak,Ya,Ya,belum\n", encoding="utf-8")
    rt = clean_source("pendataan_rt", [path], key=KEY, today=TODAY)["tables"]["pendataan_rt"]
    assert rt[["kriteria_1", "kriteria_2", "kriteria_3", "kriteria_4"]].iloc[0].tolist() == [True, False, True, True]
    assert rt["n_criteria"].iloc[0] == 3


def test_cli_writes_the_form(tmp_path, capsys):
    out = tmp_path / default_file_name(CODE)
    assert cli.main(["template", "pendataan-rt", "--kelurahan", CODE, "--out", str(out),
                     "--processed", str(tmp_path / "none")]) == 0
    assert out.is_file() and str(out) in capsys.readouterr().out


@pytest.mark.parametrize("code", ["64.74.09.9999", "Lok Tuan", "64.71.01.1001"])
def test_cli_unknown_kelurahan_is_exit_2_without_traceback(tmp_path, capsys, code):
    assert cli.main(["template", "pendataan-rt", "--kelurahan", code, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"--kelurahan {code!r} is not a kelurahan of Kota Bontang (64.74)" in err
    assert "Traceback" not in err and not list(tmp_path.iterdir())


def test_out_name_without_the_code_is_refused(tmp_path):
    with pytest.raises(RakorInputError, match="must carry the kelurahan code 64.74.01.1003"):
        write_pendataan_template(CODE, tmp_path / "form.xlsx")
    with pytest.raises(RakorInputError, match="Excel workbook"):
        write_pendataan_template(CODE, tmp_path / "pendataan_rt_64_74_01_1003.csv")

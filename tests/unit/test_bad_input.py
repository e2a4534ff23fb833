"""Bad input for every source (issue 17, item 4): planted bad rows, broken files, odd workbooks.

The fixtures under tests/fixtures/bad/<source>/ were written row by row (README.md there): the
expected rows, reasons and counts below follow from that design, not from a run of the code.
The other cases are made in the test from a fixture's good rows (its header and the rows the
README marks "kept"): the same rows twice, two exports pasted together, a header written twice,
workbooks with hidden or empty sheets, a password-protected workbook, a gigabyte of garbage.
For every file that is read, rows in = kept + rejected; every file that cannot be used is one
RakorInputError (exit 2) naming it, never another exception.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from analysis import config
from analysis.errors import RakorInputError
from analysis.intake.clean import clean_source
from analysis.intake.read import read_table, sniff_format

FIX = Path(__file__).parents[1] / "fixtures" / "bad"
TODAY = dt.date(2025, 10, 1)
KEY = b"unit-test-key"


@dataclass(frozen=True)
class Planted:
    """One source's fixture: the file, its header row, what each row must become."""

    file: str
    foreign: str  # every row of another kab/kota (Kota Samarinda)
    delimiter: str
    header_row: int
    rejects: frozenset  # (row, reason)
    kept: tuple  # rows kept (1-based, as a person sees them)


PLANTED = {
    "dtsen": Planted(
        "dtsen_2025-01.csv", "samarinda_2025-01.csv", ",", 1,
        frozenset({(5, "invalid_desil"), (6, "repeated_header"), (7, "duplicate"),
                   (9, "outside_region"), (10, "invalid_desil"), (12, "invalid_desil")}),
        (2, 3, 4, 8, 11)),
    "susenas": Planted(
        "susenas_2024-03.csv", "samarinda_2024-03.csv", ",", 1,
        frozenset({(3, "invalid_value"), (4, "invalid_value"), (5, "invalid_value"),
                   (6, "invalid_value"), (7, "repeated_header"), (8, "duplicate"),
                   (10, "outside_region")}),
        (2, 9, 11)),
    "pendataan_rt": Planted(
        "pendataan_loktuan_2025-01.csv", "pendataan_samarinda_2025-01.csv", ",", 1,
        frozenset({(5, "missing_value"), (6, "invalid_yes_no"), (7, "repeated_header"),
                   (8, "duplicate"), (10, "outside_region")}),
        (2, 3, 4, 9, 11)),
    "program": Planted(
        "program_2025-02.csv", "program_samarinda_2025-02.csv", ",", 1,
        frozenset({(3, "invalid_value"), (4, "unknown_programme"), (5, "repeated_header"),
                   (6, "duplicate"), (8, "outside_region")}),
        (2, 7, 9)),
    "eppgbm_bulanan": Planted(
        "laporan_bulanan_2025.csv", "laporan_samarinda_2025.csv", ";", 1,
        frozenset({(3, "invalid_value"), (4, "invalid_value"), (5, "repeated_header"),
                   (6, "duplicate"), (8, "outside_region")}),
        (2, 7, 9)),
    "verifikasi": Planted(
        "verifikasi_64_74_01_1006.csv", "verifikasi_64_72_06_1001.csv", ",", 2,
        frozenset({(5, "unknown_result"), (6, "invalid_key"), (7, "kelurahan_lain"),
                   (8, "repeated_header"), (9, "duplicate"), (11, "outside_region")}),
        (3, 4, 10)),
}
SOURCES = list(PLANTED)


def clean(source: str, path: Path) -> dict:
    return clean_source(source, [path], today=TODAY, key=KEY)


def rejects_of(res: dict) -> set[tuple[int, str]]:
    r = res["rejects"]
    return {(int(row), reason) for row, reason in zip(r["row"], r["reason"], strict=True)}


def counts(res: dict) -> tuple[int, int, int]:
    it = res["intake"].iloc[0]
    return int(it["rows_in"]), int(it["rows_kept"]), int(it["rows_rejected"])


def table_of(source: str, res: dict) -> pd.DataFrame:
    return res["tables"]["dtsen_member" if source == "dtsen" else source]


def assert_exit2(source: str, path: Path, *words: str) -> str:
    """The file is refused with one RakorInputError naming it (and the given words)."""
    with pytest.raises(RakorInputError) as e:
        clean(source, path)
    msg = str(e.value)
    assert f"{source}/{path.name}" in msg
    for w in words:
        assert w in msg, (w, msg)
    assert "Traceback" not in msg
    return msg


# -- the planted rows ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_planted_rows_rejected_at_their_row_with_a_reason(source):
    p = PLANTED[source]
    res = clean(source, FIX / source / p.file)
    n_in = len(p.rejects) + len(p.kept)
    assert counts(res) == (n_in, len(p.kept), len(p.rejects))  # rows in = kept + rejected
    assert rejects_of(res) == set(p.rejects)
    assert sorted(table_of(source, res)["source_row"]) == list(p.kept)
    r = res["rejects"].set_index(["row", "reason"])
    label = f"{source}/{p.file}"
    dup_row = next(row for row, reason in p.rejects if reason == "duplicate")
    # The duplicate names the copy that was kept (the next row: the same row written twice).
    assert r.loc[(dup_row, "duplicate"), "value"] == f"kept: {label} row {dup_row + 1}"
    head_row = next(row for row, reason in p.rejects if reason == "repeated_header")
    assert r.loc[(head_row, "repeated_header"), "value"] == f"repeats the header of row {p.header_row}"
    out_row = next(row for row, reason in p.rejects if reason == "outside_region")
    # The foreign area is named with its own code and kab/kota (Kota Samarinda, 64.72).
    assert "64.72." in r.loc[(out_row, "outside_region"), "value"]


def test_dtsen_values():
    res = clean("dtsen", FIX / "dtsen" / PLANTED["dtsen"].file)
    m = table_of("dtsen", res).set_index("source_row")
    # Penerima PKH: Y, ya, ✓ -> yes; tidak -> no; empty -> unknown.
    assert m.loc[[2, 3, 4], "penerima_pkh"].tolist() == [True, True, True]
    assert m.loc[8, "penerima_pkh"] == False  # noqa: E712
    assert pd.isna(m.loc[11, "penerima_pkh"])
    assert m["desil"].between(1, 10).all()
    r = res["rejects"].set_index("row")
    assert r.loc[[5, 10, 12], "value"].tolist() == ["11", "0", "-1"]
    assert set(r.loc[[5, 10, 12], "column"]) == {"Desil Nasional"}


def test_susenas_values():
    res = clean("susenas", FIX / "susenas" / PLANTED["susenas"].file)
    s = table_of("susenas", res).set_index("source_row")
    assert s.loc[2, "weight_hh"] == pytest.approx(120.5)
    assert s.loc[2, "expenditure_pc_idr_month"] == 1_250_000
    assert s.loc[9, "expenditure_pc_idr_month"] == 400_000
    assert (s["weight_hh"] > 0).all() and (s["hh_size"] >= 1).all()
    r = res["rejects"].set_index("row")
    assert r.loc[[3, 4], "column"].tolist() == ["Penimbang"] * 2
    assert r.loc[[5, 6], "column"].tolist() == ["Jumlah ART"] * 2
    assert r.loc[[3, 4, 5, 6], "value"].tolist() == ["0", "-5", "-2", "0"]


def test_pendataan_criteria_values():
    res = clean("pendataan_rt", FIX / "pendataan_rt" / PLANTED["pendataan_rt"].file)
    rt = table_of("pendataan_rt", res).set_index("source_row")
    crit = ["kriteria_1", "kriteria_2", "kriteria_3", "kriteria_4"]
    # Row 2: Y, ya, 1, ✓ -> all yes. Row 3: T, tidak, 0, - -> all no.
    assert rt.loc[2, crit].tolist() == [True, True, True, True] and rt.loc[2, "n_criteria"] == 4
    assert rt.loc[3, crit].tolist() == [False] * 4 and rt.loc[3, "n_criteria"] == 0
    # Row 4: K4 is a tick column (✓ elsewhere in it), so its blank is "not ticked".
    assert rt.loc[4, crit].tolist() == [True, False, True, False]
    # Row 11: "Ya.", ✔, ✗, ✓.
    assert rt.loc[11, crit].tolist() == [True, True, False, True] and rt.loc[11, "n_criteria"] == 3
    r = res["rejects"].set_index("row")
    assert r.loc[5, "column"] == "K1"  # a blank in a Y/T column is an answer missing
    assert r.loc[6, "value"] == "mungkin"


def test_program_and_monthly_values():
    res = clean("program", FIX / "program" / PLANTED["program"].file)
    p = table_of("program", res).set_index("source_row")
    assert p.loc[2, "amount_idr"] == 300_000 and p.loc[9, "amount_idr"] == 500_000
    assert p.loc[9, "period"] == "2025-02" and p.loc[7, "programme"] == "balai_kerja"
    res = clean("eppgbm_bulanan", FIX / "eppgbm_bulanan" / PLANTED["eppgbm_bulanan"].file)
    b = table_of("eppgbm_bulanan", res).set_index("source_row")
    assert b.loc[2, "period"] == "2025-01" and b.loc[2, "stunted"] == 12
    assert b.loc[7, "kelurahan_code"] == "64.74.02.1004"  # Satimpo
    # Row 9: 4 of 40 is 10.0 %, the file says 10,5: kept, with a finding.
    f = res["findings"]
    assert set(zip(f["row"], f["reason"], strict=True)) == {(9, "pct_disagrees")}


def test_verifikasi_values():
    res = clean("verifikasi", FIX / "verifikasi" / PLANTED["verifikasi"].file)
    v = table_of("verifikasi", res).set_index("source_row")
    assert v.loc[3, "result"] == "terverifikasi miskin ekstrem" and pd.isna(v.loc[4, "result"])
    assert v.loc[10, "result"] == "tidak ditemukan"


@pytest.mark.parametrize("source", SOURCES)
def test_a_file_of_another_kabkota_is_refused(source):
    p = PLANTED[source]
    msg = assert_exit2(source, FIX / source / p.foreign, "Kota Bontang (64.74)", "another kab/kota")
    if source != "verifikasi":  # names: the foreign area is identified in the province
        assert "64.72.06.1001 Kota Samarinda" in msg


# -- cases made from a fixture's good rows ------------------------------------------------------


def good_rows(source: str) -> tuple[list[list[str]], list[list[str]]]:
    """(the rows down to the header, the good data rows) of a source's fixture, as cells."""
    p = PLANTED[source]
    rows = list(csv.reader(io.StringIO((FIX / source / p.file).read_text(encoding="utf-8")),
                           delimiter=p.delimiter))
    return rows[: p.header_row], [rows[r - 1] for r in p.kept]


def write_csv(path: Path, rows: list[list[str]], delimiter: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def case_path(tmp_path: Path, source: str, suffix: str) -> Path:
    """A file in a folder named like the source, with the fixture's stem (its period, its
    kelurahan code) and the given suffix."""
    return tmp_path / source / (Path(PLANTED[source].file).stem + suffix)


@pytest.mark.parametrize("source", SOURCES)
def test_the_same_rows_twice(tmp_path, source):
    p = PLANTED[source]
    top, good = good_rows(source)
    path = write_csv(case_path(tmp_path, source, ".csv"), top + good + good, p.delimiter)
    res = clean(source, path)
    n = len(good)
    assert counts(res) == (2 * n, n, n)
    first = p.header_row + 1
    # The first copy of each row is the duplicate; its value names the second copy, kept.
    assert rejects_of(res) == {(first + i, "duplicate") for i in range(n)}
    r = res["rejects"].set_index("row")
    for i in range(n):
        assert r.loc[first + i, "value"] == f"kept: {source}/{path.name} row {first + n + i}"


@pytest.mark.parametrize("source", SOURCES)
def test_two_exports_pasted_together(tmp_path, source):
    p = PLANTED[source]
    top, good = good_rows(source)
    k = 1
    rows = top + good[:k] + [top[-1]] + good[k:]
    res = clean(source, write_csv(case_path(tmp_path, source, ".csv"), rows, p.delimiter))
    n = len(good)
    assert counts(res) == (n + 1, n, 1)
    assert rejects_of(res) == {(p.header_row + k + 1, "repeated_header")}


def with_repeated_column(rows: list[list[str]], header_row: int, change_last: bool) -> list[list[str]]:
    """Every row with its first cell written again at the end, under the same header."""
    out = []
    for i, r in enumerate(rows):
        extra = r[0] if i >= header_row - 1 else ""
        if change_last and i == len(rows) - 1:
            extra = extra + "9"
        out.append([*r, extra])
    return out


@pytest.mark.parametrize("source", SOURCES)
def test_a_header_written_twice_with_the_same_values_is_read(tmp_path, source):
    p = PLANTED[source]
    top, good = good_rows(source)
    rows = with_repeated_column(top + good, p.header_row, change_last=False)
    res = clean(source, write_csv(case_path(tmp_path, source, ".csv"), rows, p.delimiter))
    assert counts(res) == (len(good), len(good), 0)
    name = top[-1][0]
    last = chr(ord("A") + len(top[-1]))  # the added column, after the fixture's own
    assert any(f"header '{name}' appears in columns A, {last} with the same values" in n
               for n in res["notes"])


@pytest.mark.parametrize("source", SOURCES)
def test_a_header_written_twice_with_different_values_stops_the_file(tmp_path, source):
    p = PLANTED[source]
    top, good = good_rows(source)
    rows = with_repeated_column(top + good, p.header_row, change_last=True)
    path = write_csv(case_path(tmp_path, source, ".csv"), rows, p.delimiter)
    last = chr(ord("A") + len(top[-1]))
    assert_exit2(source, path, f"the header '{top[-1][0]}' twice", f"columns A, {last}",
                 "different values")


@pytest.mark.parametrize("source", SOURCES)
def test_header_only_and_empty_file(tmp_path, source):
    p = PLANTED[source]
    top, _ = good_rows(source)
    assert_exit2(source, write_csv(case_path(tmp_path, source, ".csv"), top, p.delimiter),
                 "no data rows")
    empty = case_path(tmp_path / "empty", source, ".csv")
    empty.parent.mkdir(parents=True)
    empty.write_bytes(b"")
    assert_exit2(source, empty, "is empty")


# -- workbooks --------------------------------------------------------------------------------


def workbook(path: Path, sheets: list[tuple[str, list[list[str]], str]]) -> Path:
    """An .xlsx with the given (name, rows, state) sheets; state "visible" or "hidden"."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows, state in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        ws.sheet_state = state
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


@pytest.mark.parametrize("source", SOURCES)
def test_hidden_sheets_are_not_read(tmp_path, source):
    top, good = good_rows(source)
    # A hidden old copy (other rows, same header) beside the visible table: only the visible
    # sheet is read (reading both would stop the file: "several sheets hold data").
    path = workbook(case_path(tmp_path, source, ".xlsx"),
                    [("Data", top + good, "visible"), ("Lama", top + good + good, "hidden")])
    res = clean(source, path)
    assert counts(res) == (len(good), len(good), 0)
    assert any("hidden sheet(s) not read: Lama" in n for n in res["notes"])


@pytest.mark.parametrize("source", SOURCES)
def test_data_only_on_a_hidden_sheet_is_refused(tmp_path, source):
    top, good = good_rows(source)
    path = workbook(case_path(tmp_path, source, ".xlsx"),
                    [("Petunjuk", [["Isi data di lembar berikut"]], "visible"),
                     ("Data", top + good, "hidden")])
    assert_exit2(source, path, "Data (hidden)", "hidden sheets are not read")


@pytest.mark.parametrize("source", SOURCES)
def test_an_empty_sheet_is_skipped(tmp_path, source):
    top, good = good_rows(source)
    path = workbook(case_path(tmp_path, source, ".xlsx"),
                    [("Kosong", [], "visible"), ("Data", top + good, "visible")])
    res = clean(source, path)
    assert counts(res) == (len(good), len(good), 0)
    first = PLANTED[source].header_row + 1  # row numbers are the sheet's own
    assert sorted(table_of(source, res)["source_row"]) == list(range(first, first + len(good)))


@pytest.mark.parametrize("source", SOURCES)
def test_a_workbook_of_empty_sheets_is_refused(tmp_path, source):
    path = workbook(case_path(tmp_path, source, ".xlsx"),
                    [("Sheet1", [], "visible"), ("Sheet2", [], "visible")])
    assert_exit2(source, path, "no header row found", "Sheet1, Sheet2")


def encrypted_workbook() -> bytes:
    """A minimal OLE2 compound file shaped like an Excel workbook saved with a password.

    Excel writes an encrypted .xlsx as a compound file (MS-CFB) whose directory holds the
    streams ``EncryptionInfo`` and ``EncryptedPackage`` (MS-OFFCRYPTO 2.3.4). This one has a
    version-3 header (512-byte sectors), one FAT sector and one directory sector with the root
    entry and those two stream entries (empty streams: the reader must stop before any content).
    """
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 0x1000, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    assert len(header) == 512
    fat = struct.pack("<II", fat_sect, end) + struct.pack("<I", free) * 126

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", free, right, child) + bytes(16) + bytes(4) + bytes(16)
                + struct.pack("<IQ", end, 0))

    directory = (entry("Root Entry", 5, child=1) + entry("EncryptionInfo", 2, right=2)
                 + entry("EncryptedPackage", 2) + bytes(128))
    assert len(directory) == 512
    return header + fat + directory


@pytest.mark.parametrize("source", SOURCES)
def test_a_password_protected_workbook_is_refused(tmp_path, source):
    raw = encrypted_workbook()
    assert sniff_format(raw) == "encrypted"
    path = case_path(tmp_path, source, ".xlsx")
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    assert_exit2(source, path, "password-protected workbook")


# -- a gigabyte of garbage ----------------------------------------------------------------------

GB = 1 << 30


def timed_read(source: str, path: Path) -> tuple[str, float, int]:
    """read_table's refusal message, its time (s) and peak Python memory (bytes)."""
    cfg = config.sources()[source]
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(RakorInputError) as e:
            read_table(path, cfg, source=source)
        return str(e.value), time.perf_counter() - t0, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("source", SOURCES)
def test_a_gigabyte_of_garbage_is_refused_from_its_first_bytes(tmp_path, source):
    path = case_path(tmp_path, source, ".csv")
    path.parent.mkdir(parents=True)
    with path.open("wb") as fh:  # sparse: 1 GiB long, nothing written on disk
        fh.truncate(GB)
    assert path.stat().st_size == GB
    msg, seconds, peak = timed_read(source, path)
    assert "not a table (binary content)" in msg and path.name in msg
    assert seconds < 2 and peak < 16 * 2**20


@pytest.mark.parametrize("source", SOURCES)
def test_a_gigabyte_of_text_without_a_header_is_refused_from_its_first_bytes(tmp_path, source):
    path = case_path(tmp_path, source, ".csv")
    path.parent.mkdir(parents=True)
    line = b"qwxz;plmk,zzzz\tvvvv 12345 \xe9\xe8 lorem\n"
    with path.open("wb") as fh:
        fh.write(line * (2 * 2**20 // len(line)))  # 2 MB of text that is no table...
        fh.truncate(GB)  # ... then a sparse tail to 1 GiB
    msg, seconds, peak = timed_read(source, path)
    assert "no header row found" in msg and path.name in msg
    assert seconds < 2 and peak < 16 * 2**20


# -- the command line ---------------------------------------------------------------------------


def test_broken_files_exit_2_naming_each_file_without_a_traceback(tmp_path, monkeypatch, capsys):
    from analysis.cli import main

    monkeypatch.setenv("RAKOR_PSEUDONYM_KEY", "unit-test-key")
    raw = tmp_path / "raw"
    (raw / "dtsen").mkdir(parents=True)
    (raw / "dtsen" / "dtsen_2025-01.xlsx").write_bytes(encrypted_workbook())
    write_csv(raw / "susenas" / "susenas_2024-03.csv", good_rows("susenas")[0], ",")
    (raw / "program").mkdir()
    (raw / "program" / "program_samarinda_2025-02.csv").write_bytes(
        (FIX / "program" / "program_samarinda_2025-02.csv").read_bytes())
    code = main(["clean", "--raw", str(raw), "--processed", str(tmp_path / "processed")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    for name in ("dtsen/dtsen_2025-01.xlsx", "susenas/susenas_2024-03.csv",
                 "program/program_samarinda_2025-02.csv"):
        assert name in err

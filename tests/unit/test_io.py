"""Reading messy agency exports and parsing their values (analysis.intake.read)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import config
from analysis.errors import RakorInputError
from analysis.intake.read import (
    normalise_header,
    parse_bool,
    parse_date,
    parse_number,
    parse_period,
    parse_sex,
    read_table,
)

RAW = Path(__file__).parents[1] / "fixtures" / "messy" / "raw"
BROKEN = Path(__file__).parents[1] / "fixtures" / "messy" / "broken"
EPPGBM = config.sources()["eppgbm"]


def s(*values):
    return pd.Series(list(values), dtype="str")


# --- reading -------------------------------------------------------------------------------


def test_bom_semicolon_title_rows_and_empty_row():
    t = read_table(RAW / "eppgbm" / "feb.csv", EPPGBM)
    assert t.encoding == "utf-8-sig" and t.delimiter == ";"
    assert t.header_row == 4  # two title rows and a blank row above the header
    # Row 12 of the file is empty: skipped, and the numbering keeps what a person sees.
    assert t.data["source_row"].tolist() == [*range(5, 12), *range(13, 24)]
    assert t.rows_in == 18 and t.n_empty_rows == 1
    assert t.columns["height_cm"] == "Tinggi Badan (cm)"  # trailing space in the header
    assert t.columns["kelurahan"] == "Desa/Kel"
    assert t.unused == ["Keterangan"]
    assert t.data["nama"].iloc[1] == "Andi Saputra"  # trailing space in a value
    assert pd.isna(t.data["nik"].iloc[10])  # empty cell -> missing
    assert len(t.sha256) == 64


def test_cp1252_comma():
    t = read_table(RAW / "eppgbm" / "aug.csv", EPPGBM)
    assert t.encoding == "cp1252" and t.delimiter == ","
    assert t.data["nama"].iloc[1] == "Andi Renée"
    assert t.data["weight_kg"].iloc[0] == "12,0"  # quoted decimal comma kept as written


def test_tab_delimited():
    t = read_table(RAW / "eppgbm" / "us_dates.tsv", EPPGBM)
    assert t.delimiter == "\t" and t.header_row == 1
    assert t.data["source_row"].tolist() == [2, 3, 4, 5]


def test_ragged_and_whitespace_rows(tmp_path):
    p = tmp_path / "eppgbm" / "r.csv"
    p.parent.mkdir()
    p.write_text(
        "NIK,Nama,JK,Tgl Lahir,Kel,Tgl Ukur,Berat,Tinggi\n"
        "1,A,L,01/01/2024,Guntung,01/02/2025,9,70,extra,cells\n"
        "   \n"
        "2,B,P,01/01/2024,Guntung,01/02/2025,9,70\n",
        encoding="utf-8",
    )
    t = read_table(p, EPPGBM)
    assert t.data["source_row"].tolist() == [2, 4]
    assert t.data["nama"].tolist() == ["A", "B"]


def _workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws0 = wb.active
    ws0.title = "Petunjuk"
    ws0["A1"] = "Isi data pada sheet Data"
    ws = wb.create_sheet("Data")
    ws["A1"] = "DATA BALITA POSYANDU MELATI"
    ws.merge_cells("A1:H1")
    # Two-row header: NIK, Nama, JK, Desa/Kel merged over two rows; "Tanggal" over Lahir and
    # Pengukuran; "Antropometri" over Berat and Tinggi.
    for col, name in zip("ABCF", ["NIK", "Nama", "JK", "Desa/Kel"], strict=True):
        ws[f"{col}3"] = name
        ws.merge_cells(f"{col}3:{col}4")
    ws["D3"] = "Tanggal"
    ws.merge_cells("D3:E3")
    ws["D4"], ws["E4"] = "Lahir", "Pengukuran"
    ws["G3"] = "Antropometri"
    ws.merge_cells("G3:H3")
    ws["G4"], ws["H4"] = "Berat", "Tinggi"
    ws.append([6474015205230001, "Siti", "P", dt.datetime(2023, 5, 12), 45703, "Loktuan", 11.2, 85.3])
    ws.append([None] * 8)
    ws.append(["6474012001240002", "Andi", "L", "20/01/2024", "16/02/2025", "Api-api", 8, "71,5"])
    wb.save(path)


def test_xlsx_sheets_merged_header_serials(tmp_path):
    p = tmp_path / "eppgbm" / "posyandu.xlsx"
    p.parent.mkdir()
    _workbook(p)
    t = read_table(p, EPPGBM)
    assert t.sheet == "Data" and t.header_row == 4
    assert t.data["source_row"].tolist() == [5, 7]
    row = t.data.iloc[0]
    assert row["nik"] == "6474015205230001"  # a 16-digit number cell, digits intact
    assert row["birth_date"] == "2023-05-12"  # a date cell
    assert row["measure_date"] == "45703"  # an Excel serial left as a number
    assert row["weight_kg"] == "11.2" and row["height_cm"] == "85.3"
    assert t.columns["birth_date"] == "Tanggal Lahir"


def test_missing_column_names_closest_header():
    with pytest.raises(RakorInputError) as e:
        read_table(BROKEN / "eppgbm" / "feb.csv", EPPGBM)
    msg = str(e.value)
    assert "column 'height_cm'" in msg and "eppgbm/feb.csv" in msg
    assert "closest: 'Tinggi Badn'" in msg and "config/sources.yml" in msg


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "is empty"),
        (b"\x00\x01\x02binary\x00" * 50, "not a table"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"NIK,Nama,JK,Tgl Lahir,Kel,Tgl Ukur,Berat,Tinggi\n", "no data rows"),
        (b"foo,bar\n1,2\n", "no header row found"),
    ],
)
def test_unusable_files(tmp_path, content, words):
    p = tmp_path / "eppgbm" / "x.csv"
    p.parent.mkdir()
    p.write_bytes(content)
    with pytest.raises(RakorInputError) as e:
        read_table(p, EPPGBM)
    assert words in str(e.value) and "eppgbm/x.csv" in str(e.value)


def test_normalise_header():
    assert normalise_header(" Tgl. Lahir ") == "tgl lahir"
    assert normalise_header("TB/PB (cm)") == "tb pb cm"


# --- parsers -------------------------------------------------------------------------------


def test_parse_number_forms():
    v, r = parse_number(s("1.234,5", "85,3", "85.3", None, "abc", "1,234.5", "1.234.567", " 7 ", "1,2,3"))
    expected = [1234.5, 85.3, 85.3, np.nan, np.nan, 1234.5, 1234567.0, 7.0, np.nan]
    np.testing.assert_allclose(v.to_numpy(), expected)
    assert r.tolist()[4] == "invalid_number" and r.tolist()[8] == "invalid_number"
    assert r.isna().sum() == 7  # missing is not an error
    money, _ = parse_number(s("Rp 300.000", "1.250.000", "300000"), grouping=True)
    assert money.tolist() == [300000.0, 1250000.0, 300000.0]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 99)), min_size=1, max_size=60))
def test_parse_number_indonesian_roundtrip(pairs):
    # 1.234.567,89: dots group thousands, the comma is the decimal separator.
    text = [f"{w:,}".replace(",", ".") + f",{c:02d}" for w, c in pairs]
    v, r = parse_number(s(*text))
    assert r.isna().all()
    np.testing.assert_allclose(v.to_numpy(), [w + c / 100 for w, c in pairs], rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3)),
                min_size=1, max_size=60))
def test_parse_number_dot_decimal_roundtrip(xs):
    v, r = parse_number(s(*[f"{x:.3f}" for x in xs]))
    assert r.isna().all()
    np.testing.assert_allclose(v.to_numpy(), xs, atol=1e-9)


def test_parse_date_forms():
    v, r = parse_date(s("15/02/2024", "2024-02-15", "1-2-24", "31/02/2024", "45337", "2024",
                        "15 Februari 2024", "2024-02-15 00:00:00", None, "20240215", "29/02/2023"),
                      today=dt.date(2025, 10, 1))
    exp = [dt.date(2024, 2, 15), dt.date(2024, 2, 15), dt.date(2024, 2, 1), None,
           dt.date(2024, 2, 15), None, dt.date(2024, 2, 15), dt.date(2024, 2, 15), None,
           dt.date(2024, 2, 15), None]
    got = [None if pd.isna(x) else x.date() for x in v]
    assert got == exp
    assert r.tolist()[3] == "invalid_date" and r.tolist()[5] == "invalid_date"
    assert r.tolist()[10] == "invalid_date" and pd.isna(r.iloc[8])


def test_parse_date_month_first_makes_column_ambiguous():
    v, r = parse_date(s("25/04/2024", "02/15/2024", "03/04/2024", "05/05/2024"))
    assert r.tolist()[1:3] == ["invalid_date", "ambiguous_date"]
    assert v.iloc[0].date() == dt.date(2024, 4, 25) and v.iloc[3].date() == dt.date(2024, 5, 5)
    # Without a month-first value the same text is read day-first.
    v2, r2 = parse_date(s("03/04/2024"))
    assert v2.iloc[0].date() == dt.date(2024, 4, 3) and r2.isna().all()


def test_two_digit_year_pivot():
    v, _ = parse_date(s("01-05-45", "01-05-24"), today=dt.date(2025, 10, 1))
    assert [x.year for x in v] == [1945, 2024]


_dates = st.dates(dt.date(1928, 1, 1), dt.date(2099, 12, 31))


@settings(max_examples=15, deadline=None)
@given(st.lists(_dates, min_size=1, max_size=60))
def test_parse_date_roundtrip(ds):
    for fmt in (lambda d: d.strftime("%d/%m/%Y"), dt.date.isoformat,
                lambda d: f"{d.day}-{d.month}-{d.year}"):
        v, r = parse_date(s(*[fmt(d) for d in ds]))
        assert r.isna().all() and [x.date() for x in v] == ds
    # Excel serials (1900 date system), five digits only.
    serial = [(d - dt.date(1899, 12, 30)).days for d in ds]
    keep = [d for d, n in zip(ds, serial, strict=True) if 10000 <= n <= 99999]
    v, r = parse_date(s(*[str(n) for n in serial if 10000 <= n <= 99999]))
    assert [x.date() for x in v] == keep


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 2100), st.integers(29, 35))
def test_parse_date_rejects_impossible(month, year, day):
    import calendar

    if year < 1000:
        year += 1900
    if day <= calendar.monthrange(year, month)[1]:
        return
    v, r = parse_date(s(f"{day:02d}/{month:02d}/{year}"))
    assert pd.isna(v.iloc[0]) and r.iloc[0] == "invalid_date"


def test_parse_sex_and_bool():
    v, r = parse_sex(s("L", "P", "Laki-laki", "Perempuan", "1", "2", "M", "F", "x", None))
    assert v.tolist()[:8] == [1, 2, 1, 2, 1, 2, 1, 2]
    assert r.iloc[8] == "invalid_sex" and pd.isna(v.iloc[9]) and pd.isna(r.iloc[9])
    b, rb = parse_bool(s("Ya", "Tidak", "ya ", "TIDAK", "1", "0", "T", None))
    assert b.tolist()[:6] == [True, False, True, False, True, False]
    # "T" is Tidak on the Indonesian Y/T forms (issue 17); beside an "F" it could be True.
    assert b.iloc[6] == False and pd.isna(rb.iloc[6])  # noqa: E712
    b2, rb2 = parse_bool(s("T", "F", "Ya"))
    assert rb2.tolist()[:2] == ["ambiguous_yes_no"] * 2 and b2.iloc[2] == True  # noqa: E712


def test_parse_period():
    v, r = parse_period(s("2025-02", "Februari 2025", "02/2025", "15/08/2024", "Tahap 1", "Agt-25"),
                        today=dt.date(2025, 10, 1))
    assert v.tolist()[:4] == ["2025-02", "2025-02", "2025-02", "2024-08"]
    assert r.iloc[4] == "invalid_period" and v.iloc[5] == "2025-08"


# --- quotes and sheets (review findings) -------------------------------------------------

HEADER = "NIK,Nama,JK,Tgl Lahir,Kel,Tgl Ukur,Berat,Tinggi\n"


def _csv(tmp_path, body: str, name: str = "q.csv") -> Path:
    p = tmp_path / "eppgbm" / name
    p.parent.mkdir(exist_ok=True)
    p.write_text(body, encoding="utf-8")
    return p


def test_stray_quote_swallowing_lines_is_an_error_naming_the_line(tmp_path):
    # Line 3 opens a quote that only a quote on line 5 closes: lines 4 and 5 would be swallowed
    # into line 3's record (rows lost without a reject, later row numbers shifted).
    p = _csv(tmp_path, HEADER
             + "1,Siti,P,01/01/2024,Guntung,01/02/2025,9,70\n"
             + '2,"Rina,P,01/01/2024,Guntung,01/02/2025,9,70\n'
             + "3,Andi,L,01/01/2024,Guntung,01/02/2025,9,70\n"
             + '4,"Dewi",P,01/01/2024,Guntung,01/02/2025,9,70\n'
             + "5,Budi,L,01/01/2024,Guntung,01/02/2025,9,70\n")
    with pytest.raises(RakorInputError) as e:
        read_table(p, EPPGBM)
    msg = str(e.value)
    assert "eppgbm/q.csv" in msg and 'unmatched quote (")' in msg and "line 3" in msg
    assert "save" in msg
    for personal in ("Rina", "Andi", "Dewi", "Siti"):
        assert personal not in msg


def test_unclosed_quote_to_the_end_is_an_error_not_a_traceback(tmp_path):
    p = _csv(tmp_path, HEADER
             + "1,Siti,P,01/01/2024,Guntung,01/02/2025,9,70\n"
             + "2,Rina,P,01/01/2024,Guntung,01/02/2025,9,70\n"
             + '3,"Andi,L,01/01/2024,Guntung,01/02/2025,9,70\n'
             + "4,Budi,L,01/01/2024,Guntung,01/02/2025,9,70\n")
    with pytest.raises(RakorInputError) as e:
        read_table(p, EPPGBM)
    msg = str(e.value)
    assert "eppgbm/q.csv" in msg and 'unmatched quote (")' in msg and "line 4" in msg
    assert "Andi" not in msg and "Budi" not in msg


def test_quotes_closed_on_their_line_are_fine(tmp_path):
    p = _csv(tmp_path, HEADER
             + '1,"Siti, A",P,01/01/2024,Guntung,01/02/2025,"9,5",70\n'
             + '2,Rina,P,01/01/2024,"Guntung",01/02/2025,9,70\n')
    t = read_table(p, EPPGBM)
    assert t.data["source_row"].tolist() == [2, 3]
    assert t.data["nama"].tolist() == ["Siti, A", "Rina"]


def test_parser_error_becomes_a_readable_error(tmp_path, monkeypatch):
    # A ragged file goes to pandas' parser; any ParserError it raises names the file.
    p = _csv(tmp_path, HEADER + "1,A,L,01/01/2024,Guntung,01/02/2025,9,70,extra\n"
             + "2,B,P,01/01/2024,Guntung,01/02/2025,9,70\n")

    def broken(*args, **kwargs):
        raise pd.errors.ParserError("Error tokenizing data")

    monkeypatch.setattr(pd, "read_csv", broken)
    with pytest.raises(RakorInputError) as e:
        read_table(p, EPPGBM)
    assert "eppgbm/q.csv" in str(e.value) and "save it again" in str(e.value)


def _data_sheet(ws, names):
    ws.append(["NIK", "Nama", "JK", "Tgl Lahir", "Desa/Kel", "Tgl Ukur", "Berat", "Tinggi"])
    for i, n in enumerate(names):
        ws.append([f"647401520523000{i + 1}", n, "P", "12/05/2023", "Guntung", "16/02/2025", 11, 85])


def test_two_data_sheets_stop_naming_the_sheets(tmp_path):
    p = tmp_path / "eppgbm" / "two.xlsx"
    p.parent.mkdir()
    wb = openpyxl.Workbook()
    wb.active.title = "Petunjuk"
    wb.active["A1"] = "Isi data per posyandu"
    _data_sheet(wb.create_sheet("Melati"), ["Siti", "Rina"])
    _data_sheet(wb.create_sheet("Mawar"), ["Andi"])
    wb.save(p)
    with pytest.raises(RakorInputError) as e:
        read_table(p, EPPGBM)
    msg = str(e.value)
    assert "eppgbm/two.xlsx" in msg and "Melati" in msg and "Mawar" in msg
    assert "own file" in msg and "Petunjuk" not in msg
    assert "Siti" not in msg and "Andi" not in msg


def test_one_data_sheet_beside_a_partial_or_empty_one_is_read(tmp_path):
    p = tmp_path / "eppgbm" / "one.xlsx"
    p.parent.mkdir()
    wb = openpyxl.Workbook()
    rekap = wb.active
    rekap.title = "Rekap"
    rekap.append(["Desa/Kel", "Berat"])  # a summary: not the required columns
    rekap.append(["Guntung", 11])
    _data_sheet(wb.create_sheet("Data"), ["Siti", "Rina"])
    _data_sheet(wb.create_sheet("Template"), [])  # header only, no data
    wb.save(p)
    t = read_table(p, EPPGBM)
    assert t.sheet == "Data" and t.data["nama"].tolist() == ["Siti", "Rina"]

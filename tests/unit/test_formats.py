"""The real export formats (issue 12): content sniffing, one reader per format, the real headers
and values of the e-PPGBM web download and BPS microdata.

The fixtures under tests/fixtures/formats/ were written row by row (make_fixtures.py, README.md);
every expected value below follows from that design (ages by calendar arithmetic done by hand,
BPS codes looked up by hand in shared/reference/bontang_bps_kemendagri.csv), not from a run.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import config
from analysis.errors import RakorInputError
from analysis.intake.clean import clean_all
from analysis.intake.read import (
    html_rows,
    parse_age_text,
    parse_month_name,
    read_table,
    sniff_format,
    subtract_age,
)

FIX = Path(__file__).parents[1] / "fixtures" / "formats"
OK = FIX / "ok"
TODAY = dt.date(2025, 10, 1)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("RAKOR_PSEUDONYM_KEY", "unit-test-key")
    out = tmp_path_factory.mktemp("processed")
    res = clean_all(OK, out, today=TODAY)
    yield res, out
    mp.undo()


# -- sniffing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, kind", [
    ("eppgbm/eppgbm_web_202502.xls", "html"),
    ("eppgbm/eppgbm_register_202502.xls", "xls"),
    ("eppgbm/eppgbm_register_barat_202502.ods", "ods"),
    ("susenas/susenas_202503.dta", "dta"),
    ("susenas/susenas_lama_202503.sav", "sav"),
])
def test_format_is_sniffed_from_content(name, kind):
    assert sniff_format((OK / name).read_bytes()) == kind


def test_extension_is_not_trusted(tmp_path):
    # The same bytes under the wrong names read the same way.
    cfg = config.sources()["eppgbm"]
    src = (OK / "eppgbm" / "eppgbm_web_202502.xls").read_bytes()
    (tmp_path / "eppgbm").mkdir()
    for name in ("a.csv", "b.xlsx", "c.html"):
        (tmp_path / "eppgbm" / name).write_bytes(src)
        t = read_table(tmp_path / "eppgbm" / name, cfg, source="eppgbm")
        assert t.rows_in == 6 and t.header_row == 3
    biff = (OK / "eppgbm" / "eppgbm_register_202502.xls").read_bytes()
    (tmp_path / "eppgbm" / "d.csv").write_bytes(biff)
    assert read_table(tmp_path / "eppgbm" / "d.csv", cfg, source="eppgbm").rows_in == 3


# -- rows read per format -------------------------------------------------------------------------

@pytest.mark.parametrize("name, rows_in, kept, rejected, header_row", [
    ("eppgbm/eppgbm_web_202502.xls", 6, 4, 2, 3),        # HTML-as-xls, 2 title rows
    ("eppgbm/eppgbm_register_202502.xls", 3, 2, 1, 3),   # BIFF8, title + empty row
    ("eppgbm/eppgbm_register_barat_202502.ods", 3, 2, 1, 2),  # ODS, merged title
    ("susenas/susenas_202503.dta", 5, 3, 2, 1),          # Stata, BPS names
    ("susenas/susenas_lama_202503.sav", 3, 3, 0, 1),     # SPSS, older BPS names
    ("eppgbm_bulanan/laporan_bulanan_2025.xls", 7, 7, 0, 2),        # monthly report, HTML
    ("eppgbm_bulanan/laporan_bulanan_manual_2025.csv", 3, 2, 1, 1),  # human headers, CSV
])
def test_rows_in_equal_kept_plus_rejected(result, name, rows_in, kept, rejected, header_row):
    res, _ = result
    row = res.intake.set_index("file").loc[name]
    assert (row.rows_in, row.rows_kept, row.rows_rejected) == (rows_in, kept, rejected)
    assert row.rows_in == row.rows_kept + row.rows_rejected
    src = name.split("/")[0]
    assert read_table(OK / name, config.sources()[src], source=src).header_row == header_row


def test_rejects_name_the_rows_as_seen(result):
    res, _ = result
    got = set(zip(res.rejects["file"], res.rejects["row"], res.rejects["reason"], strict=True))
    assert got == {
        ("eppgbm/eppgbm_web_202502.xls", 7, "missing_value"),        # no Tgl Lahir, age unreadable
        ("eppgbm/eppgbm_web_202502.xls", 9, "implausible_height"),   # 180 cm
        ("eppgbm/eppgbm_register_202502.xls", 6, "invalid_sex"),     # "X"
        ("eppgbm/eppgbm_register_barat_202502.ods", 5, "measure_before_birth"),
        ("susenas/susenas_202503.dta", 4, "missing_value"),          # fwt missing
        ("susenas/susenas_202503.dta", 5, "invalid_value"),          # r301 = 0
        ("eppgbm_bulanan/laporan_bulanan_manual_2025.csv", 4, "invalid_number"),  # Tahun "2O25"
    }


# -- e-PPGBM values -------------------------------------------------------------------------------

def _child(res, file, row):
    e = res.tables["eppgbm"]
    return e.loc[(e["source_file"] == file) & (e["source_row"] == row)].iloc[0]


def test_birth_date_from_usia_saat_ukur(result):
    res, _ = result
    # 2025-02-10 minus 1 year 2 months = 2023-12-10, minus 3 days = 2023-12-07.
    c = _child(res, "eppgbm/eppgbm_web_202502.xls", 5)
    assert c["birth_date"] == pd.Timestamp("2023-12-07")
    assert c["age_days"] == (dt.date(2025, 2, 10) - dt.date(2023, 12, 7)).days


def test_age_text_disagreement_is_a_finding_and_the_row_is_kept(result):
    res, out = result
    f = pd.read_parquet(out / "findings.parquet")
    age = f[f["reason"] == "age_text_disagrees"]
    # Row 6: Tgl Lahir 2022-06-01; 2 Tahun 2 Bulan 0 Hari before 2025-02-10 is 2022-12-10.
    assert list(age["row"]) == [6]
    assert str((dt.date(2022, 12, 10) - dt.date(2022, 6, 1)).days) + " days" in age["value"].iloc[0]
    c = _child(res, "eppgbm/eppgbm_web_202502.xls", 6)
    assert c["birth_date"] == pd.Timestamp("2022-06-01")  # the given date is used


def test_weight_gain_kept_and_bad_code_is_a_finding(result):
    res, out = result
    web = res.tables["eppgbm"].query("source_file == 'eppgbm/eppgbm_web_202502.xls'")
    assert dict(zip(web["source_row"], web["weight_gain"].fillna("-"), strict=True)) == {
        4: "N", 5: "T", 6: "O", 8: "-"}
    f = pd.read_parquet(out / "findings.parquet")
    assert f.loc[f["reason"] == "invalid_code", ["row", "value"]].values.tolist() == [[8, "X"]]


def test_app_z_comma_decimals_placeholders_and_malformed(result):
    res, _ = result
    web = res.tables["eppgbm"].query("source_file == 'eppgbm/eppgbm_web_202502.xls'")
    haz = dict(zip(web["source_row"], web["app_haz"], strict=True))
    assert haz[4] == -1.20 and haz[8] == -2.45
    assert np.isnan(haz[5])  # 999,99 placeholder
    assert np.isnan(haz[6])  # 83..9 malformed


def test_measure_position_area_names_and_puskesmas(result):
    res, _ = result
    web = res.tables["eppgbm"].query("source_file == 'eppgbm/eppgbm_web_202502.xls'")
    by_row = web.set_index("source_row")
    assert by_row.loc[5, "measure"] == "l"          # Telentang
    assert by_row.loc[8, "measure"] == "l"          # Terlentang
    assert by_row.loc[4, "measure"] == "h"          # Berdiri
    assert by_row.loc[4, "kelurahan_code"] == "64.74.01.1003"  # "LOK TUAN"
    assert by_row.loc[5, "kelurahan_code"] == "64.74.02.1003"  # "BEREBAS PANTAI"
    assert by_row.loc[4, "puskesmas"] == "Bontang Utara I"     # header "Pukesmas"
    assert set(web["period"]) == {"2025-02"}


def test_registry_layout_dates_as_serials_and_date_cells(result):
    res, _ = result
    c = _child(res, "eppgbm/eppgbm_register_202502.xls", 4)
    assert (c["birth_date"], c["measure_date"]) == (pd.Timestamp("2022-04-20"),
                                                    pd.Timestamp("2025-02-12"))
    assert c["kelurahan_code"] == "64.74.01.1005"
    c = _child(res, "eppgbm/eppgbm_register_barat_202502.ods", 3)
    assert (c["birth_date"], c["measure_date"]) == (pd.Timestamp("2022-08-08"),
                                                    pd.Timestamp("2025-02-14"))


# -- Susenas ------------------------------------------------------------------------------------

def test_bps_codes_mapped_through_the_crosswalk(result):
    res, _ = result
    s = res.tables["susenas"].set_index(["source_file", "source_row"])
    new = "susenas/susenas_202503.dta"
    # 64 74 010 003: BPS Bontang Selatan / Berbas Pantai = Kemendagri 64.74.02 / .1003
    assert tuple(s.loc[(new, 1), ["kecamatan_code", "kelurahan_code"]]) == ("64.74.02", "64.74.02.1003")
    # 64 74 020 005: BPS Bontang Utara / Lok Tuan = 64.74.01 / .1003
    assert tuple(s.loc[(new, 2), ["kecamatan_code", "kelurahan_code"]]) == ("64.74.01", "64.74.01.1003")
    # no desa code: kecamatan only (Bontang Barat, BPS 030 = Kemendagri 03), kept
    assert s.loc[(new, 3), "kecamatan_code"] == "64.74.03"
    assert pd.isna(s.loc[(new, 3), "kelurahan_code"])
    assert s.loc[(new, 1), "weight_hh"] == 120.5 and s.loc[(new, 1), "hh_size"] == 4


def test_old_bps_names(result):
    res, _ = result
    s = res.tables["susenas"].query("source_file == 'susenas/susenas_lama_202503.sav'")
    assert list(s["hh_id"]) == ["640001-1", "640001-2", "640002-1"]
    assert set(s["strata"]) == {"74-1"}
    # b1r3 020 b1r4 003 = Api-Api (64.74.01.1006); 010 006 = Tanjung Laut Indah (64.74.02.1006)
    assert list(s["kelurahan_code"]) == ["64.74.01.1006", "64.74.01.1006", "64.74.02.1006"]
    assert list(s["weight_hh"]) == [80.0, 82.5, 95.0]


# -- parsers --------------------------------------------------------------------------------------

def test_parse_age_text_and_calendar_subtraction():
    a = parse_age_text(pd.Series(["4 Tahun - 3 Bulan - 15 Hari", "11 Bulan", "x", None]))
    assert a.loc[0, ["years", "months", "days"]].tolist() == [4, 3, 15]
    assert a.loc[1, ["years", "months", "days"]].tolist() == [0, 11, 0]
    assert a["reason"].tolist()[2] == "invalid_age" and pd.isna(a["reason"].iloc[3])
    meas = pd.Series(pd.to_datetime(["2025-02-15", "2024-05-31"]))
    got = subtract_age(meas, pd.Series([4.0, 0.0]), pd.Series([3.0, 3.0]), pd.Series([15.0, 0.0]))
    # 2025-02-15 - 4y3m = 2020-11-15, - 15 d = 2020-10-31; 31 May - 3 months = 29 Feb 2024.
    assert got.tolist() == [pd.Timestamp("2020-10-31"), pd.Timestamp("2024-02-29")]


def test_parse_month_name():
    v, r = parse_month_name(pd.Series(["Februari", "PEBRUARI", "Agt", "Nopember", "12", "Febuary"]))
    assert v.tolist()[:5] == [2, 2, 8, 11, 12]
    assert pd.isna(v.iloc[5]) and r.iloc[5] == "invalid_month"


def test_html_colspan_and_rowspan():
    page = (b"<table><tr><td colspan='3'>Judul</td></tr>"
            b"<tr><th rowspan='2'>Nama</th><th colspan='2'>Tanggal</th></tr>"
            b"<tr><th>Lahir</th><th>Ukur</th></tr><tr><td>A</td><td>1</td><td>2</td></tr></table>")
    assert html_rows(page) == [["Judul"] * 3, ["Nama", "Tanggal", "Tanggal"],
                               ["Nama", "Lahir", "Ukur"], ["A", "1", "2"]]


def test_html_keeps_leading_zeros_and_entities(tmp_path):
    page = ("<html><body><table><tr><th>NIK</th><th>Nama</th><th>JK</th><th>Tgl Lahir</th>"
            "<th>Desa/Kel</th><th>Tanggal Pengukuran</th><th>Berat</th><th>Tinggi</th><th>RT</th></tr>"
            "<tr><td>0474010503210001</td><td>A &amp; B&nbsp;</td><td>L</td><td>2021-03-05</td>"
            "<td>Guntung</td><td>2025-02-10</td><td>14,2</td><td>94,5</td><td>005</td></tr>"
            "</table></body></html>")
    (tmp_path / "e").mkdir()
    p = tmp_path / "e" / "x.xls"
    p.write_text(page, encoding="utf-8")
    t = read_table(p, config.sources()["eppgbm"], source="eppgbm")
    assert t.data.loc[0, "nik"] == "0474010503210001"
    assert t.data.loc[0, "rt"] == "005"
    assert t.data.loc[0, "nama"] == "A & B"


# -- bad input: a clear message, exit 2 ---------------------------------------------------------

@pytest.mark.parametrize("case, words", [
    ("html_no_table", ["eppgbm/eppgbm_202502.xls", "HTML page without a table"]),
    ("dta_no_weight", ["susenas/susenas_202503.dta", "'weight'", "fwt"]),
    ("bad_month", ["eppgbm/eppgbm_web_202502.xls", "row 4", "Bulan Pengukuran", "'Febuary'"]),
    ("bps_unmatched", ["susenas/susenas_202503.dta", "row 3", "6472030", "no Kemendagri match"]),
    ("bad_month_bulanan", ["eppgbm_bulanan/laporan_bulanan_manual_2025.csv", "row 3", "'Bulan'",
                           "'Bulan 2'"]),
])
def test_bad_input_exits_2_naming_file_and_thing(case, words, tmp_path, monkeypatch, capsys):
    from analysis import cli, pipeline

    # The CLI runs 01_clean in a kernel; here clean_all runs in-process (same error path).
    def run_clean(raw, processed, force=False, engine=None):
        clean_all(raw, processed, today=TODAY)
        return 0.0

    monkeypatch.setattr(pipeline, "run_clean", run_clean)
    monkeypatch.setenv("RAKOR_PSEUDONYM_KEY", "unit-test-key")
    raw = tmp_path / "raw"
    shutil.copytree(FIX / "broken" / case, raw)
    code = cli.main(["clean", "--raw", str(raw), "--processed", str(tmp_path / "p")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    for w in words:
        assert w in err, (w, err)
    assert not (tmp_path / "p" / "intake.parquet").exists()  # nothing half-written


def test_bad_input_through_the_clean_notebook(tmp_path, capsys, monkeypatch):
    from analysis import cli

    monkeypatch.setenv("RAKOR_PSEUDONYM_KEY", "unit-test-key")
    raw = tmp_path / "raw"
    shutil.copytree(FIX / "broken" / "html_no_table", raw)
    code = cli.main(["clean", "--raw", str(raw), "--processed", str(tmp_path / "p")])
    err = capsys.readouterr().err
    assert code == 2 and "HTML page without a table" in err and "Traceback" not in err


def test_unreadable_statistical_file_is_a_message(tmp_path):
    (tmp_path / "susenas").mkdir()
    p = tmp_path / "susenas" / "x.dta"
    p.write_bytes(b"<stata_dta><header>broken")
    with pytest.raises(RakorInputError, match="cannot be opened as a Stata dataset"):
        read_table(p, config.sources()["susenas"], source="susenas")


@pytest.mark.parametrize("name", ["eppgbm/eppgbm_web_202502.xls",
                                  "eppgbm_bulanan/laporan_bulanan_2025.xls"])
def test_html_fast_path_equals_lxml(name):
    from analysis.intake.read import _html_body_fast, _nth_row_end

    raw = (OK / name).read_bytes()
    header_tr = 3 if name.startswith("eppgbm/") else 2
    fast = _html_body_fast(raw[_nth_row_end(raw, header_tr):], "utf-8")
    assert fast is not None  # plain markup: the fast path is taken
    slow = html_rows(raw)[header_tr:]
    assert [[str(v).strip() for v in r] for r in fast.itertuples(index=False)] == slow


@pytest.mark.parametrize("body", [
    b"<tr><td>a<td>b</tr>",                      # cells left unclosed (valid HTML)
    b"<tr><td colspan='2'>a</td></tr>",          # a span in the body
    b"<tr><td>a</td><td>b</td></tr><tr><td>c</td></tr>",  # ragged rows
])
def test_html_fast_path_steps_aside(body):
    from analysis.intake.read import _html_body_fast

    assert _html_body_fast(body, "utf-8") is None  # lxml reads these


def test_html_unclosed_cells_still_read(tmp_path):
    page = ("<table><tr><th>NIK</th><th>Nama</th><th>JK</th><th>Tgl Lahir</th><th>Desa/Kel</th>"
            "<th>Tanggal Pengukuran</th><th>Berat</th><th>Tinggi</th></tr>"
            "<tr><td>6474010503210001<td>A<td>L<td>2021-03-05<td>Guntung<td>2025-02-10<td>14,2"
            "<td>94,5</tr><tr><td>6474010503210002<td>B<td>P<td>2021-03-06<td>Guntung"
            "<td>2025-02-10<td>14<td>95</tr></table>")
    (tmp_path / "e").mkdir()
    p = tmp_path / "e" / "x.xls"
    p.write_text(page, encoding="utf-8")
    t = read_table(p, config.sources()["eppgbm"], source="eppgbm")
    assert t.rows_in == 2 and list(t.data["nama"]) == ["A", "B"]
    assert list(t.data["source_row"]) == [2, 3]


def test_html_rows_without_closing_tr_keep_their_numbers(tmp_path):
    # </tr> may be left out (valid HTML): the title row's missing </tr> must not shift the body.
    page = ("<table><tr><td>JUDUL<tr><th>NIK</th><th>Nama</th><th>JK</th><th>Tgl Lahir</th>"
            "<th>Desa/Kel</th><th>Tanggal Pengukuran</th><th>Berat</th><th>Tinggi</th></tr>"
            "<tr><td>6474010503210001</td><td>A</td><td>L</td><td>2021-03-05</td><td>Guntung</td>"
            "<td>2025-02-10</td><td>14,2</td><td>94,5</td></tr>"
            "<tr><td>6474010503210002</td><td>B</td><td>P</td><td>2021-03-06</td><td>Guntung</td>"
            "<td>2025-02-10</td><td>14</td><td>95</td></tr></table>")
    (tmp_path / "e").mkdir()
    p = tmp_path / "e" / "x.xls"
    p.write_text(page, encoding="utf-8")
    t = read_table(p, config.sources()["eppgbm"], source="eppgbm")
    assert t.header_row == 2 and list(t.data["nama"]) == ["A", "B"]
    assert list(t.data["source_row"]) == [3, 4]

"""Unit tests of analysis.estimates.published: the shipped Bontang figures, rows of the estimates
table, the period rule, analysts' extra files and the errors on bad rows."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import config
from analysis.errors import RakorInputError
from analysis.estimates.published import (
    published_data_period,
    published_paths,
    published_rows,
    read_published,
)
from analysis.estimates.table import ESTIMATE_COLUMNS

HEADER = "area_code,area_name,indicator,year,period,value_pct,ci_low_pct,ci_high_pct,survey,source,note\n"


def write(path, *lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_data_period_rule():
    assert published_data_period("2024-03") == "2024-03"
    assert published_data_period("2023") == "2023-12"   # an annual figure: known from the year's end
    with pytest.raises(RakorInputError, match="YYYY-MM or YYYY"):
        published_data_period("2023-Q1")


def test_shipped_bontang_figures_match_the_reference_values():
    # DOMAIN.md §4-5 / issue 14: SSGI 2021 26,3; SSGI 2022 21,0; SKI 2023 27,4; e-PPGBM 2023 19,6;
    # BPS P0 2019-2024; extreme 0,78 (2021) and 0 (2022)
    paths = published_paths("64.74")
    assert paths == [config.CONFIG_DIR / "published" / "64.74.csv"]
    t = read_published(paths)
    got = {(r.indicator, r.survey): r.value_pct for r in t.itertuples()}
    assert got[("stunting", "SSGI 2021")] == 26.3 and got[("stunting", "SSGI 2022")] == 21.0
    assert got[("stunting", "SKI 2023")] == 27.4 and got[("stunting", "e-PPGBM 2023")] == 19.6
    p0 = {s: v for (i, s), v in got.items() if i == "poverty_p0"}
    assert p0 == {"BPS 2019": 4.22, "BPS 2020": 4.38, "BPS 2021": 4.62, "BPS 2022": 4.54,
                  "BPS 2023": 4.11, "BPS 2024": 3.74}
    assert got[("extreme_poverty_p0", "BPS / TNP2K 2021")] == 0.78
    assert got[("extreme_poverty_p0", "BPS / TNP2K 2022")] == 0.0
    assert (t["source"].str.len() > 0).all()


def test_rows_are_estimates_table_rows():
    t = read_published(published_paths("64.74"))
    rows = published_rows(t, "2025-03", "64.74")
    assert list(rows.columns) == ESTIMATE_COLUMNS
    assert len(rows) == len(t)  # every shipped figure is before March 2025
    assert (rows["source"] == "published").all() and (rows["unit"] == "proportion").all()
    assert (rows["area_level"] == "kota").all() and (rows["area_name"] == "Kota Bontang").all()
    assert (rows["breakdown"] == "total").all() and rows["n"].isna().all()
    ski = rows[rows["method"] == "published:SKI 2023"].iloc[0]
    assert (ski["indicator"], ski["data_period"]) == ("stunting", "2023-12")
    assert ski["estimate"] == pytest.approx(0.274, abs=1e-12)
    assert np.isnan(ski["ci_low"]) and np.isnan(ski["ci_high"])
    assert "Survei Kesehatan Indonesia" in ski["note"]
    bps = rows[rows["method"] == "published:BPS 2024"].iloc[0]
    assert (bps["indicator"], bps["data_period"], bps["estimate"]) == ("poverty_p0", "2024-03", pytest.approx(0.0374))


def test_only_figures_at_or_before_the_rakor_period():
    t = read_published(published_paths("64.74"))
    rows = published_rows(t, "2023-06", "64.74")
    assert rows["data_period"].max() <= "2023-06"
    assert "published:SKI 2023" not in set(rows["method"])      # annual 2023 → 2023-12
    assert "published:BPS 2023" in set(rows["method"])          # March 2023
    assert set(published_rows(t, "2023-12", "64.74")["method"]) >= {"published:SKI 2023"}
    assert published_rows(t, "2018-12", "64.74").empty
    assert published_rows(t, "2025-03", "64.71").empty           # another kab/kota


def test_analyst_files_with_ci_comma_decimals_and_sub_areas(tmp_path):
    raw = tmp_path / "raw"
    extra = write(raw / "sample" / "published" / "ssgi_kecamatan.csv",
                  "64.74.01,Bontang Utara,stunting,,2022,\"23,5\",\"18,1\",\"29,8\",SSGI 2022,Kemenkes SSGI 2022,",
                  "64,Provinsi Kalimantan Timur,poverty_p0,2025,2025-03,5.17,,,BPS 2025,BPS Kaltim,")
    write(raw / "sample" / "other" / "ignored.csv", "not,a,published,file")
    paths = published_paths("64.74", raw_dir=raw)
    assert paths[1:] == [extra]
    t = read_published(paths)
    rows = published_rows(t, "2025-03", "64.74")
    kec = rows[rows["area_code"] == "64.74.01"].iloc[0]
    assert (kec["area_level"], kec["area_name"]) == ("kecamatan", "Bontang Utara")
    assert (kec["estimate"], kec["ci_low"], kec["ci_high"]) == (
        pytest.approx(0.235), pytest.approx(0.181), pytest.approx(0.298))
    assert "64" not in set(rows["area_code"])  # the province is not inside the kota
    prov = published_rows(t, "2025-03", "64")
    assert prov.loc[prov["area_code"] == "64", "area_level"].tolist() == ["province"]
    assert prov.loc[prov["area_code"] == "64", "area_name"].tolist() == ["Provinsi Kalimantan Timur"]


@pytest.mark.parametrize("line, column, value", [
    ("64.74,Kota Bontang,wasting,,2023,10.1,,,SKI 2023,Kemenkes,", "indicator", "wasting"),
    ("6474,Kota Bontang,stunting,,2023,10.1,,,SKI 2023,Kemenkes,", "area_code", "6474"),
    ("64.74,Kota Bontang,stunting,,2023,127,,,SKI 2023,Kemenkes,", "value_pct", "127"),
    ("64.74,Kota Bontang,stunting,,2023,abc,,,SKI 2023,Kemenkes,", "value_pct", "abc"),
    ("64.74,Kota Bontang,stunting,,2023/24,10.1,,,SKI 2023,Kemenkes,", "period", "2023/24"),
    ("64.74,Kota Bontang,stunting,2022,2023,10.1,,,SKI 2023,Kemenkes,", "year", "2022"),
    ("64.74,Kota Bontang,stunting,,2023,10.1,,,,Kemenkes,", "survey", ""),
    ("64.74,Kota Bontang,stunting,,2023,10.1,,,SKI 2023,,", "source", ""),
    ("64.74,Kota Bontang,stunting,,2023,10.1,9.0,,SKI 2023,Kemenkes,", "ci_high_pct", ""),
    ("64.74,Kota Bontang,stunting,,2023,10.1,11.0,12.0,SKI 2023,Kemenkes,", "ci_low_pct", "11.0"),
    ("64.74,Kota Bontang,stunting,,2023,10.1,8.0,9.0,SKI 2023,Kemenkes,", "ci_high_pct", "9.0"),
])
def test_bad_row_names_file_row_column_value(tmp_path, line, column, value):
    good = "64.74,Kota Bontang,stunting,,2022,21.0,,,SSGI 2022,Kemenkes,"
    path = write(tmp_path / "published" / "bad.csv", good, line)
    with pytest.raises(RakorInputError) as err:
        read_published([path])
    text = str(err.value)
    assert f"{path}, row 3, column `{column}`" in text and f"got {value!r}" in text


def test_missing_column_missing_file_and_duplicates(tmp_path):
    path = tmp_path / "published" / "short.csv"
    path.parent.mkdir()
    path.write_text("area_code,indicator,period,value_pct\n64.74,stunting,2023,27.4\n", encoding="utf-8")
    with pytest.raises(RakorInputError, match="short.csv: column.*survey, source missing"):
        read_published([path])
    with pytest.raises(RakorInputError, match="not found"):
        read_published([tmp_path / "none.csv"])
    again = write(tmp_path / "published" / "again.csv",
                  "64.74,Kota Bontang,stunting,2023,2023,27.5,,,SKI 2023,Kemenkes,")
    with pytest.raises(RakorInputError) as err:
        read_published([config.CONFIG_DIR / "published" / "64.74.csv", again])
    assert f"{again}, row 2" in str(err.value) and "64.74.csv, row 4" in str(err.value)
    assert read_published([]).empty

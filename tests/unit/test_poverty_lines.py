"""Unit tests of analysis.estimation.poverty_lines: every fallback branch on hand-written tables,
the shipped table against DOMAIN.md §5, the brief's phrase, and P0 with Bontang's 2024 line
against an independent numpy computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import config
from analysis.errors import RakorInputError
from analysis.estimation.poverty import estimate_fgt
from analysis.estimation.poverty_lines import (
    EARLIEST_AVAILABLE,
    LATEST_AVAILABLE,
    NATIONAL,
    PROVINCE,
    line_sentence,
    load_poverty_lines,
    read_poverty_lines,
    resolve_line,
    validate_poverty_lines,
)
from analysis.estimation.survey import SurveyDesign

COLUMNS = ["kind", "key", "area_code", "area_name", "year", "period", "value_idr_person_month", "source"]


def table(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=COLUMNS)


# Kota A (11.01) has lines for 2020 and 2022; its province (11) for 2021; the nation for 2019.
LINES = table(
    ("poverty", "a2020", "11.01", "Kota A", "2020", "2020-03", "500000", "src a2020"),
    ("poverty", "a2022", "11.01", "Kota A", "2022", "2022-03", "600000", "src a2022"),
    ("poverty", "p2021", "11", "Provinsi P", "2021", "2021-03", "450000", "src p2021"),
    ("poverty", "n2019", "00", "Indonesia", "2019", "2019-09", "400000", "src n2019"),
    ("extreme", "usd215", "00", "Indonesia", "2025", "2025-01", "391000", "src usd215"),
    ("extreme", "pmk32", "00", "Indonesia", "2022", "2022", "322170", "src pmk32"),
)


def test_exact_year_of_the_region():
    line = resolve_line("poverty", "11.01", "2022-09", table=LINES)
    assert (line.value_idr, line.year, line.area_code, line.fallback) == (600000.0, 2022, "11.01", None)
    assert line.source == "src a2022" and not line.to_be_replaced


def test_missing_year_uses_latest_earlier_line_of_the_region():
    line = resolve_line("poverty", "11.01", "2021-03", table=LINES)
    assert (line.value_idr, line.year, line.fallback) == (500000.0, 2020, LATEST_AVAILABLE)
    # a later year's line is never used for an earlier survey (2022 exists but is after 2021)
    line = resolve_line("poverty", "11.01", "2024-03", table=LINES)
    assert (line.value_idr, line.year, line.fallback) == (600000.0, 2022, LATEST_AVAILABLE)


def test_kecamatan_and_kelurahan_use_their_kota_line():
    assert resolve_line("poverty", "11.01.02", "2022-01", table=LINES).area_code == "11.01"
    assert resolve_line("poverty", "11.01.02.1003", "2022-01", table=LINES).value_idr == 600000.0


def test_region_without_earlier_line_falls_back_to_province():
    line = resolve_line("poverty", "11.02", "2021-06", table=LINES)  # Kota B: no line of its own
    assert (line.value_idr, line.area_code, line.fallback) == (450000.0, "11", PROVINCE)
    assert line.to_be_replaced
    # Kota A before its first line (2019): nor the province (2021) → the nation (2019)
    line = resolve_line("poverty", "11.01", "2019-12", table=LINES)
    assert (line.value_idr, line.area_code, line.fallback) == (400000.0, "00", NATIONAL)
    assert line.to_be_replaced


def test_national_line_marked_to_be_replaced():
    line = resolve_line("poverty", "12.01", "2024-03", table=LINES)  # another province entirely
    assert (line.value_idr, line.area_code, line.fallback, line.year) == (400000.0, "00", NATIONAL, 2019)
    assert line.to_be_replaced


def test_no_line_at_all_is_an_input_error():
    with pytest.raises(RakorInputError, match="no poverty line for 11.01.*2018"):
        resolve_line("poverty", "11.01", "2018-03", table=LINES)


def test_extreme_line_is_an_explicit_choice():
    bps = resolve_line("extreme", "11.01", "2025-03", table=LINES, choice="usd215")
    pmk = resolve_line("extreme", "11.01", "2025-03", table=LINES, choice="pmk32")
    assert (bps.value_idr, bps.fallback, bps.source) == (391000.0, None, "src usd215")
    assert (pmk.value_idr, pmk.year, pmk.fallback) == (322170.0, 2022, LATEST_AVAILABLE)
    early = resolve_line("extreme", "11.01", "2024-03", table=LINES, choice="usd215")
    assert (early.value_idr, early.fallback) == (391000.0, EARLIEST_AVAILABLE)
    assert not early.to_be_replaced  # an extreme line is national by definition
    with pytest.raises(RakorInputError, match="no extreme line with key 'usd300'.*usd215, pmk32"):
        resolve_line("extreme", "11.01", "2025-03", table=LINES, choice="usd300")


@pytest.mark.parametrize("column, value, message", [
    ("kind", "ekstrem", "must be one of poverty, extreme"),
    ("area_code", "6474", "Kemendagri code"),
    ("year", "24", "a year"),
    ("value_idr_person_month", "Rp 801.945", "a number > 0"),
    ("value_idr_person_month", "-5", "a number > 0"),
    ("source", "", "where the value comes from"),
    ("period", "2024-13", "YYYY-MM or YYYY"),
])
def test_bad_row_names_file_row_column_value(column, value, message):
    bad = LINES.copy()
    bad.loc[2, column] = value
    with pytest.raises(RakorInputError) as err:
        validate_poverty_lines(bad, name="lines.csv")
    text = str(err.value)
    assert "lines.csv, row 4" in text and f"`{column}`" in text and repr(value) in text
    assert message in text


def test_duplicate_key_and_duplicate_area_year_are_errors():
    dup = pd.concat([LINES, LINES.iloc[[0]]], ignore_index=True)
    with pytest.raises(RakorInputError, match="row 8, column `key`.*repeats row 2"):
        validate_poverty_lines(dup, name="lines.csv")
    twice = pd.concat([LINES, LINES.iloc[[0]].assign(key="a2020bis")], ignore_index=True)
    with pytest.raises(RakorInputError, match="row 8.*second poverty line for area 11.01"):
        validate_poverty_lines(twice, name="lines.csv")
    with pytest.raises(RakorInputError, match="column.*source missing"):
        validate_poverty_lines(LINES.drop(columns="source"), name="lines.csv")


def test_shipped_table_holds_domain_values():
    t = load_poverty_lines()
    bontang = t[(t["kind"] == "poverty") & (t["area_code"] == "64.74")].set_index("year")
    assert bontang["value_idr_person_month"].to_dict() == {
        2019: 582188.0, 2021: 665572.0, 2022: 697326.0, 2023: 763661.0, 2024: 801945.0}
    extreme = t[t["kind"] == "extreme"].set_index("key")["value_idr_person_month"].to_dict()
    assert extreme == {"bps_usd215_ppp2017": 391000.0, "kepmenko_pmk_32_2022": 322170.0}
    assert (t["source"].str.len() > 0).all()
    # Kepmenko PMK 32/2022: Rp 10.739 per day × 30 days
    assert extreme["kepmenko_pmk_32_2022"] == 10739 * 30
    # the configured choice is one of the table's extreme keys, and still the pipeline's value
    choice = config.settings()["poverty_line_table"]["extreme_choice"]
    assert extreme[choice] == config.poverty_line("extreme")


def test_bontang_lines_by_survey_year():
    t = load_poverty_lines()
    line = resolve_line("poverty", "64.74", "2024-03", table=t)
    assert (line.value_idr, line.fallback) == (801945.0, None)
    line = resolve_line("poverty", "64.74", "2025-03", table=t)  # the sample survey's period
    assert (line.value_idr, line.year, line.fallback) == (801945.0, 2024, LATEST_AVAILABLE)
    line = resolve_line("poverty", "64.74", "2020-03", table=t)  # no 2020 line: 2019's
    assert (line.value_idr, line.year, line.fallback) == (582188.0, 2019, LATEST_AVAILABLE)


def test_read_poverty_lines_from_file(tmp_path):
    path = tmp_path / "lines.csv"
    LINES.assign(note="").to_csv(path, index=False)
    t = read_poverty_lines(path)
    assert t["year"].dtype.kind == "i" and t.attrs["name"] == str(path)
    with pytest.raises(RakorInputError, match="not found"):
        read_poverty_lines(tmp_path / "none.csv")


def test_line_sentence_id_and_en():
    t = load_poverty_lines()
    latest = resolve_line("poverty", "64.74", "2025-03", table=t)
    assert line_sentence(latest, "id") == "garis kemiskinan Kota Bontang 2024, Rp801.945 \u2014 terbaru yang tersedia"
    assert line_sentence(latest, "en") == "poverty line of Kota Bontang for 2024, IDR 801,945 \u2014 the latest available"
    exact = resolve_line("poverty", "64.74", "2023-09", table=t)
    assert line_sentence(exact, "id") == "garis kemiskinan Kota Bontang 2023, Rp763.661"
    national = resolve_line("poverty", "11.01", "2019-12", table=LINES)
    text = line_sentence(national, "id")
    assert text.startswith("garis kemiskinan Indonesia 2019, Rp400.000 \u2014 garis nasional, sementara")
    assert "Kota A" in text and "ganti" in text
    assert "to be replaced" in line_sentence(national, "en")
    extreme = resolve_line("extreme", "64.74", "2025-03", table=t, choice="kepmenko_pmk_32_2022")
    assert line_sentence(extreme, "id") == "garis kemiskinan ekstrem 2022, Rp322.170 \u2014 terbaru yang tersedia"


def test_p0_2024_with_bontang_line_matches_independent_computation():
    """A survey-only computation for 2024: kota P0 with Bontang's line, to 1e-9."""
    line = resolve_line("poverty", "64.74", "2024-03")
    assert line.value_idr == 801945.0
    # 10 households, 2 strata × 2 PSUs; expenditures on both sides of Rp 801.945, including the
    # line itself (not poor: strictly below) and one between the national and the kota line.
    hh = pd.DataFrame({
        "strata": ["s1"] * 5 + ["s2"] * 5,
        "psu": ["a", "a", "b", "b", "b", "c", "c", "d", "d", "d"],
        "weight_hh": [12.0, 12.0, 9.5, 9.5, 9.5, 20.0, 20.0, 7.25, 7.25, 7.25],
        "hh_size": [4, 1, 6, 3, 2, 5, 2, 7, 3, 1],
        "expenditure_pc_idr_month": [650_000, 801_945, 801_944, 1_400_000, 590_000,
                                     2_100_000, 720_000, 500_000, 950_000, 801_946],
    })
    # Independent: weighted share of persons below the line (person weight = w × size).
    persons = hh["weight_hh"].to_numpy() * hh["hh_size"].to_numpy()
    below = hh["expenditure_pc_idr_month"].to_numpy() < 801_945
    expected = float(np.sum(persons * below) / np.sum(persons))
    # By hand: poor households 1 (48 persons), 3 (57), 5 (19), 7 (40), 8 (50.75) of 384.25
    assert np.isclose(expected, (48 + 57 + 19 + 40 + 50.75) / (48 + 12 + 57 + 28.5 + 19 + 100 + 40
                                                                + 50.75 + 21.75 + 7.25), atol=1e-12)
    design = SurveyDesign(strata="strata", cluster="psu", weights="weight_hh")
    res = estimate_fgt(hh, line.value_idr, 0, design=design)
    assert abs(float(res["estimate"].iloc[0]) - expected) <= 1e-9
    assert float(res["line_idr"].iloc[0]) == 801945.0
    # With the national line the same survey gives a far lower rate (the point)
    national = estimate_fgt(hh, 595_242.0, 0, design=design)
    assert float(national["estimate"].iloc[0]) == pytest.approx((19 + 50.75) / 384.25, abs=1e-12)

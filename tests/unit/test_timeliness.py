"""Timeliness (issue 19): data age, the monthly report's input delay, verification turnaround.

Expected days are counted on the calendar by hand: 31 January → 5 March 2025 is 33 days
(28 in February + 5), 28 February → 5 March is 5, 31 March → 5 March is −26.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.estimates.timeliness import data_age_rows, report_delay_rows, turnaround_rows

OK = Path(__file__).parents[1] / "fixtures" / "formats" / "ok"


@pytest.fixture(scope="module")
def bulanan(tmp_path_factory):
    from analysis.intake.clean import clean_all

    mp = pytest.MonkeyPatch()
    mp.setenv("RAKOR_PSEUDONYM_KEY", "unit-test-key")
    out = tmp_path_factory.mktemp("processed")
    clean_all(OK, out, today=dt.date(2025, 10, 1))
    yield pd.read_parquet(out / "eppgbm_bulanan.parquet")
    mp.undo()


def test_every_kelurahan_month_of_the_real_report_has_its_delay(bulanan):
    # the web export (HTML named .xls): 7 kelurahan-months, all entered 2025-03-05 10:00
    web = bulanan[bulanan["source_file"].str.endswith(".xls")]
    rows = report_delay_rows(web, "2025-03")
    delay = rows[rows["indicator"] == "report_delay_days"]
    assert len(delay) == 7
    by_month = delay.groupby("data_period")["estimate"].unique().to_dict()
    assert [list(v) for k, v in sorted(by_month.items())] == [[33.0], [5.0], [-26.0]]
    assert set(delay.loc[delay["data_period"] == "2025-01", "note"]) == {"diinput susulan"}
    assert set(delay.loc[delay["data_period"] == "2025-03", "note"]) == {"diinput sebelum akhir bulan"}
    assert delay["source"].eq("eppgbm_bulanan").all() and delay["unit"].eq("days").all()
    assert delay["area_level"].eq("kelurahan").all()
    med = rows[(rows["indicator"] == "report_delay_days_median") & (rows["data_period"] == "2025-02")]
    assert sorted(med["breakdown"]) == ["puskesmas=Bontang Selatan I", "puskesmas=Bontang Selatan II",
                                        "puskesmas=Bontang Utara I"]
    assert med["estimate"].eq(5.0).all()


def test_report_delay_median_per_puskesmas_and_reentry():
    b = pd.DataFrame({
        "period": ["2025-02"] * 4, "kelurahan_code": ["64.74.01.1001", "64.74.01.1002", "64.74.01.1003",
                                                      "64.74.01.1003"],
        "puskesmas": ["P1", "P1", "P1", "P1"],
        # 2, 10 and (re-entered) 20 days after 28 February: the later entry replaces the first
        "input_date": pd.to_datetime(["2025-03-02", "2025-03-10", "2025-03-01", "2025-03-20"]),
    })
    rows = report_delay_rows(b, "2025-03")
    med = rows[rows["indicator"] == "report_delay_days_median"].iloc[0]
    assert med["estimate"] == 10.0 and med["n"] == 3


def test_data_age_per_file_and_backfill_note():
    intake = pd.DataFrame({"source": ["eppgbm", "program"], "file": ["eppgbm/a.xlsx", "program/b.csv"],
                           "period_min": ["2025-02", "2025-01"], "period_max": ["2025-02", "2025-03"]})
    rows = data_age_rows(intake, "2025-03", "2025-04-09").set_index("breakdown")
    assert rows.loc["file=eppgbm/a.xlsx", "estimate"] == 40  # 28 Feb → 9 Apr: 31 + 9
    assert rows.loc["file=program/b.csv", "estimate"] == 9
    assert rows.loc["file=program/b.csv", "note"] == "memuat data susulan sejak 2025-01"
    assert pd.isna(rows.loc["file=eppgbm/a.xlsx", "note"])


def test_turnaround_median_per_kelurahan():
    v = pd.DataFrame({
        "kelurahan_code": ["64.74.01.1003"] * 5 + ["64.74.01.1006"] * 3 + ["64.74.02.1001"],
        "issued_date": pd.to_datetime(["2025-04-09"] * 9),
        "verification_date": pd.to_datetime(["2025-04-12", "2025-04-16", "2025-04-30", "2025-04-10",
                                             "2025-04-19", "2025-04-10", "2025-04-11", "2025-04-12", pd.NaT]),
        "result": ["pindah"] * 9,
    })
    rows = turnaround_rows(v, "2025-04").set_index("area_code")
    assert list(rows.index) == ["64.74.01.1003", "64.74.01.1006"]  # the third has no date: left out
    assert rows.loc["64.74.01.1003", "estimate"] == 7.0  # median of 3, 7, 21, 1, 10
    assert rows.loc["64.74.01.1003", "n"] == 5
    # 3 results: fewer than min_cell (5), so neither their number nor their timing is shown
    assert np.isnan(rows.loc["64.74.01.1006", "estimate"]) and np.isnan(rows.loc["64.74.01.1006", "n"])
    assert rows.loc["64.74.01.1006", "note"] == "<5"


def test_nothing_in_nothing_out():
    assert report_delay_rows(None, "2025-03").empty and turnaround_rows(None, "2025-03").empty
    assert data_age_rows(pd.DataFrame(), "2025-03", "2025-04-09").empty

"""Timeliness of the agencies' data (kedisiplinan waktu, issue 19).

Three figures, all in days and none of them a count of persons:

- ``data_age_days``: per source file, the days from the end of the file's latest data period to
  the rakor date (the age of what the rakor discusses);
- ``report_delay_days``: per kelurahan and month of the monthly e-PPGBM report, the days from
  the last day of the report month to the day it was entered (``Waktu_Input``), with
  ``report_delay_days_median`` per puskesmas and month;
- ``verification_turnaround_days``: per kelurahan, the median days from a worklist's issue
  (``tanggal_terbit``) to its returned result (``tanggal_verifikasi``).

Late and back-filled data is labelled in ``note``, never dropped: a file holding months before its
latest one ("memuat data susulan sejak …"), a report entered after the following month had ended
("diinput susulan"), and one dated before its month ended ("diinput sebelum akhir bulan").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.estimates.table import ESTIMATE_COLUMNS, to_estimate_rows
from analysis.periods import is_period

AGE, DELAY, DELAY_MEDIAN, TURNAROUND = ("data_age_days", "report_delay_days", "report_delay_days_median",
                                        "verification_turnaround_days")
#: a monthly report entered more than this many days after its month ended was back-filled
BACKFILL_DAYS = 31
BACKFILL_NOTE, EARLY_NOTE = "diinput susulan", "diinput sebelum akhir bulan"


def _month_ends(periods: pd.Series) -> pd.Series:
    """The last day of each "YYYY-MM" (NaT for anything else)."""
    ok = periods.astype("string").map(lambda p: is_period(p) if isinstance(p, str) else False).astype(bool)
    out = pd.Series(pd.NaT, index=periods.index, dtype="datetime64[ns]")
    out[ok] = pd.PeriodIndex(periods[ok].astype(str), freq="M").end_time.normalize()
    return out


def data_age_rows(intake: pd.DataFrame, period: str, rakor_date) -> pd.DataFrame:
    """The age of every input file's latest data at the rakor date.

    Parameters
    ----------
    intake
        The processed ``intake`` table (``source``, ``file``, ``period_min``, ``period_max``).
    period
        "YYYY-MM" of the rakor.
    rakor_date
        The rakor date.

    Returns
    -------
    DataFrame
        Kota rows ``data_age_days`` (unit "days"), breakdown ``file=<file>``, ``source`` the file's
        source and ``data_period`` its latest period; ``note`` says when the file also holds
        earlier months (back-filled data). Files without a period are left out.
    """
    if intake is None or intake.empty or "period_max" not in intake:
        return pd.DataFrame(columns=ESTIMATE_COLUMNS)
    t = intake[intake["period_max"].astype("string").map(
        lambda p: is_period(p) if isinstance(p, str) else False).astype(bool)].copy()
    if t.empty:
        return pd.DataFrame(columns=ESTIMATE_COLUMNS)
    today = pd.Timestamp(rakor_date).normalize()
    t["estimate"] = (today - _month_ends(t["period_max"])).dt.days.astype(float)
    earlier = t["period_min"].astype("string").fillna(t["period_max"]) < t["period_max"].astype("string")
    t["note"] = np.where(earlier, "memuat data susulan sejak " + t["period_min"].astype(str), None)
    parts = [to_estimate_rows(g, level="kota", area_col=None, indicator=AGE, period=period, data_period=dp,
                              method="rule:rakor_date-end_of_data_period", source=src, unit="days",
                              breakdown="file=" + g["file"].astype(str))
             for (src, dp), g in t.groupby(["source", "period_max"], sort=True)]
    return pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS]


def report_delay_rows(bulanan: pd.DataFrame, period: str) -> pd.DataFrame:
    """Days from the end of each report month to its entry, per kelurahan, and the median per puskesmas.

    Parameters
    ----------
    bulanan
        The processed ``eppgbm_bulanan`` table (``period``, ``kelurahan_code``, ``puskesmas``,
        ``input_date``); months after ``period`` are left out.
    period
        "YYYY-MM" of the rakor.

    Returns
    -------
    DataFrame
        Kelurahan rows ``report_delay_days`` (``data_period`` the report month, ``source``
        "eppgbm_bulanan", unit "days"; ``note`` "diinput susulan" after more than
        :data:`BACKFILL_DAYS` days, "diinput sebelum akhir bulan" when negative) and kota rows
        ``report_delay_days_median`` with breakdown ``puskesmas=<name>`` per month (``n`` the
        kelurahan reports it is the median of).
    """
    if bulanan is None or bulanan.empty or "input_date" not in bulanan:
        return pd.DataFrame(columns=ESTIMATE_COLUMNS)
    b = bulanan[(bulanan["period"].astype(str) <= period) & bulanan["input_date"].notna()].copy()
    if b.empty:
        return pd.DataFrame(columns=ESTIMATE_COLUMNS)
    b["estimate"] = (pd.to_datetime(b["input_date"]).dt.normalize() - _month_ends(b["period"])).dt.days.astype(float)
    # one report per kelurahan and month: the last entered (a corrected re-entry replaces the first)
    b = b.sort_values("input_date").drop_duplicates(["kelurahan_code", "period"], keep="last")
    b["note"] = np.select([b["estimate"] > BACKFILL_DAYS, b["estimate"] < 0], [BACKFILL_NOTE, EARLY_NOTE], None)
    parts = []
    for dp, g in b.groupby("period", sort=True):
        parts.append(to_estimate_rows(g, level="kelurahan", area_col="kelurahan_code", indicator=DELAY,
                                      period=period, data_period=str(dp), method="rule:input_date-end_of_month",
                                      source="eppgbm_bulanan", unit="days"))
        pk = g.assign(puskesmas=g["puskesmas"].astype("string").str.strip().fillna("(tanpa puskesmas)"))
        med = pk.groupby("puskesmas")["estimate"].agg(["median", "size"]).reset_index()
        med = med.rename(columns={"median": "estimate", "size": "n"})
        parts.append(to_estimate_rows(med, level="kota", area_col=None, indicator=DELAY_MEDIAN, period=period,
                                      data_period=str(dp), method="median:report_delay_days",
                                      source="eppgbm_bulanan", unit="days",
                                      breakdown="puskesmas=" + med["puskesmas"].astype(str)))
    return pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS]


def turnaround_rows(verifikasi: pd.DataFrame | None, period: str) -> pd.DataFrame:
    """Median days from a worklist's issue to its returned result, per kelurahan.

    Parameters
    ----------
    verifikasi
        The processed ``verifikasi`` table (``kelurahan_code``, ``issued_date``,
        ``verification_date``, ``result``); rows without a result or without both dates are left out.
    period
        "YYYY-MM" of the rakor.

    Returns
    -------
    DataFrame
        Kelurahan rows ``verification_turnaround_days`` (median; ``n`` the results it is the median
        of, source "verifikasi", unit "days", ``data_period`` the rakor period). With fewer than
        ``privacy.min_cell`` results both are blank and ``note`` says "<5".
    """
    if verifikasi is None or verifikasi.empty or "issued_date" not in verifikasi:
        return pd.DataFrame(columns=ESTIMATE_COLUMNS)
    v = verifikasi[verifikasi["result"].notna() & verifikasi["issued_date"].notna()
                   & verifikasi["verification_date"].notna()]
    if v.empty:
        return pd.DataFrame(columns=ESTIMATE_COLUMNS)
    days = (pd.to_datetime(v["verification_date"]) - pd.to_datetime(v["issued_date"])).dt.days.astype(float)
    med = days.groupby(v["kelurahan_code"]).agg(["median", "size"]).reset_index()
    med = med.rename(columns={"median": "estimate", "size": "n"})
    # fewer than min_cell results: neither the number of families nor their timings are published
    from analysis.estimates.suppression import configured_min_cell

    m = configured_min_cell()
    small = med["n"] < m
    med.loc[small, ["estimate", "n"]] = np.nan
    med["note"] = np.where(small, f"<{m}", None)
    return to_estimate_rows(med, level="kelurahan", area_col="kelurahan_code", indicator=TURNAROUND,
                            period=period, data_period=period, method="median:verification_date-issued_date",
                            source="verifikasi", unit="days")[ESTIMATE_COLUMNS]

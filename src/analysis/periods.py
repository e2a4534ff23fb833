"""Rakor and data periods ("YYYY-MM"): parse, compare, the latest at or before, the previous.

Periods are kept as "YYYY-MM" strings everywhere (in tables, file names and parameters), so that
string order is time order. This module is the one place that checks and compares them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from analysis.errors import RakorInputError

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def is_period(value: object) -> bool:
    """True when ``value`` is a "YYYY-MM" string with a month from 01 to 12."""
    return isinstance(value, str) and bool(_PERIOD.match(value))


def parse_period(value: str | None, what: str = "--period") -> str | None:
    """Check a period given by a user; return it unchanged (``None`` passes through).

    Raises
    ------
    RakorInputError
        When ``value`` is not "YYYY-MM" (the message names ``what``).
    """
    if value is None:
        return None
    if not is_period(value):
        raise RakorInputError(f"{what} must be YYYY-MM such as 2025-02; got '{value}'")
    return value


def latest_at_or_before(periods: Iterable[str] | pd.Series, period: str) -> str | None:
    """The latest of ``periods`` not after ``period`` (each source contributes its latest data)."""
    eligible = pd.Series(list(periods) if not isinstance(periods, pd.Series) else periods,
                         dtype="object").dropna().astype(str)
    eligible = eligible[eligible <= period]
    return None if eligible.empty else str(eligible.max())


def previous(periods: Iterable[str] | pd.Series, period: str) -> str | None:
    """The latest of ``periods`` strictly before ``period`` (``None`` if there is none)."""
    earlier = pd.Series(list(periods) if not isinstance(periods, pd.Series) else periods,
                        dtype="object").dropna().astype(str)
    earlier = earlier[earlier < str(period)]
    return None if earlier.empty else str(earlier.max())


def month_end(period: str) -> pd.Timestamp:
    """The last day of the month ``period``."""
    return pd.Period(parse_period(period, "period"), freq="M").end_time.normalize()


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str | None, what: str = "--date") -> str | None:
    """Check a calendar date given by a user; return it as "YYYY-MM-DD" (``None`` passes through).

    Raises
    ------
    RakorInputError
        When ``value`` is not a real "YYYY-MM-DD" date (the message names ``what``).
    """
    if value is None:
        return None
    text = str(value).strip()
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return pd.Timestamp(text).date().isoformat()
    except ValueError:
        raise RakorInputError(f"{what} must be a date YYYY-MM-DD such as 2025-04-09; got '{value}'") from None


def rakor_date(period: str, date: str | None = None) -> str:
    """The rakor date of ``period``: ``date`` when given, else the period's last day.

    Raises
    ------
    RakorInputError
        When ``date`` falls before the first day of ``period`` (a rakor discusses data it already has).
    """
    if date is None:
        return month_end(period).date().isoformat()
    day = parse_date(date)
    first = pd.Period(parse_period(period, "period"), freq="M").start_time.date().isoformat()
    if day < first:
        raise RakorInputError(f"--date {day} is before the rakor period {period} starts ({first}); "
                              "give a date in or after the period, or another --period")
    return day

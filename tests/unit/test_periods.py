"""analysis.periods: the one place that checks and compares "YYYY-MM" periods."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import periods
from analysis.errors import RakorInputError


def test_is_and_parse_period():
    assert periods.is_period("2025-03") and not periods.is_period("2025-13") and not periods.is_period("2025-3")
    assert periods.parse_period(None) is None and periods.parse_period("2024-12") == "2024-12"
    with pytest.raises(RakorInputError, match=r"--period must be YYYY-MM.*'2025-00'"):
        periods.parse_period("2025-00")


def test_latest_at_or_before_and_previous():
    ps = pd.Series(["2024-08", "2025-02", None, "2025-04", "2025-02"])
    assert periods.latest_at_or_before(ps, "2025-03") == "2025-02"
    assert periods.latest_at_or_before(ps, "2025-02") == "2025-02"   # at: included
    assert periods.previous(ps, "2025-02") == "2024-08"              # strictly before
    assert periods.latest_at_or_before(["2025-05"], "2025-03") is None
    assert periods.previous([], "2025-03") is None


def test_month_end():
    assert periods.month_end("2024-02") == pd.Timestamp("2024-02-29")

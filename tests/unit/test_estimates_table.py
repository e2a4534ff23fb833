"""The estimates table's declared schema: a good table passes, each kind of bad table fails naming the column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import RakorInputError
from analysis.estimates.table import ESTIMATE_COLUMNS, empty_estimates, validate_estimates


def _good() -> pd.DataFrame:
    rows = [
        dict(period="2025-03", data_period="2025-02", area_level="kelurahan", area_code="64.74.01.1003",
             area_name="Lok Tuan", indicator="stunting", breakdown="total", n=120.0, n_weighted=120.0,
             estimate=0.2, se=0.03, ci_low=0.15, ci_high=0.27, df=119.0, deff=1.0, p_value=np.nan,
             method="direct:logit", source="eppgbm", unit="proportion", reliability="reliable",
             suppressed=False, note=None),
        dict(period="2025-03", data_period="2025-03", area_level="kota", area_code="64.74",
             area_name="Kota Bontang", indicator="dtsen_desil1_families", breakdown="total", n=np.nan,
             n_weighted=np.nan, estimate=3.0, se=np.nan, ci_low=np.nan, ci_high=np.nan, df=np.nan,
             deff=np.nan, p_value=np.nan, method="count", source="dtsen", unit="count", reliability=None,
             suppressed=True, note="<5"),
    ]
    t = pd.DataFrame(rows)[ESTIMATE_COLUMNS]
    for c in ("reliability", "note"):
        t[c] = t[c].astype("str").where(t[c].notna(), None).astype("str")
    return t


def test_a_good_table_and_an_empty_one_pass():
    validate_estimates(_good())
    validate_estimates(empty_estimates())


@pytest.mark.parametrize(("change", "column"), [
    (lambda t: t.assign(period=["2025-3", "2025-03"]), "period"),
    (lambda t: t.assign(data_period=["2025-13", "2025-03"]), "data_period"),
    (lambda t: t.assign(area_level=["village", "kota"]), "area_level"),
    (lambda t: t.assign(unit=["percentage", "count"]), "unit"),
    (lambda t: t.assign(suppressed=["no", "yes"]), "suppressed"),
    (lambda t: t.assign(estimate=[np.inf, 3.0]), "estimate"),
    (lambda t: t.assign(n=["many", "few"]), "n"),
    (lambda t: t.drop(columns=["se"]), "se"),
    (lambda t: t[[*ESTIMATE_COLUMNS[1:], "period"]], "period"),
    (lambda t: t.assign(extra=1), "extra"),
])
def test_each_kind_of_bad_table_fails_naming_the_column(change, column):
    with pytest.raises(RakorInputError, match=rf"where\.parquet.*{column}"):
        validate_estimates(change(_good()), "where.parquet")


def test_an_estimate_outside_its_interval_fails():
    bad = _good()
    bad.loc[0, "estimate"] = 0.3  # above ci_high 0.27
    with pytest.raises(RakorInputError, match=r"ci_low <= estimate <= ci_high"):
        validate_estimates(bad)
    # a missing bound is not checked (counts have no interval)
    validate_estimates(_good().assign(ci_high=np.nan))

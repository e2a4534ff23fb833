"""Store of the estimates table: the comparison verify makes, the published copy, schema-checked reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import RakorInputError
from analysis.estimates import store
from analysis.estimates.suppression import suppress, suppress_with_plan
from analysis.estimates.table import ESTIMATE_COLUMNS


def _row(**kw):
    base = dict(period="2025-03", data_period="2025-02", area_level="kota", area_code="64.74",
                area_name="Kota Bontang", indicator="a", breakdown="total", n=10.0, n_weighted=np.nan,
                estimate=1.0, se=np.nan, ci_low=np.nan, ci_high=np.nan, df=np.nan, deff=np.nan,
                p_value=np.nan, method="count", source="dtsen", unit="count", reliability=None,
                suppressed=False, note=None)
    return {**base, **kw}


def _table(rows):
    t = pd.DataFrame(rows)[ESTIMATE_COLUMNS]
    for c in ("period", "data_period", "area_level", "area_code", "area_name", "indicator", "breakdown",
              "method", "source", "unit", "reliability", "note"):
        t[c] = t[c].astype("str").where(t[c].notna(), None).astype("str")
    return t


def test_compare_estimates_lists_only_real_differences():
    old = _table([_row(indicator="a", estimate=10.0), _row(indicator="b", estimate=20.0)])
    assert store.compare_estimates(old, old.copy()) == []
    new = old.copy()
    new.loc[1, "estimate"] = 25.0
    diffs = store.compare_estimates(old, new)
    assert len(diffs) == 1 and "estimate 20.0 in the report, 25.0 in the re-run" in diffs[0]
    assert store.compare_estimates(old, new.iloc[:1])[0].startswith("only in the report: 2025-03 / 2025-02 / kota")


def _programme_table():
    kel = ["64.74.01.1001", "64.74.01.1002", "64.74.01.1003"]
    rows = [_row(area_level="kelurahan", area_code=c, indicator="programme_target", breakdown="programme=x",
                 estimate=v, n=np.nan, source="program") for c, v in zip(kel, [3.0, 10.0, 20.0], strict=True)]
    # the coverage of the kelurahan whose target is 3: rate 2/3 with n = 3
    rows.append(_row(area_level="kelurahan", area_code=kel[0], indicator="programme_coverage",
                     breakdown="programme=x", estimate=2 / 3, n=3.0, n_weighted=3.0, unit="proportion",
                     method="ratio:register", source="program"))
    return _table(rows)


def test_published_estimates_blank_hidden_values_and_small_n():
    est = suppress(_programme_table(), min_cell=5)
    out = store.published_estimates(est)
    assert out["estimate"].isna().tolist() == [True, True, False, True]
    assert np.isnan(out["n"].iloc[3]) and np.isnan(out["n_weighted"].iloc[3])  # n = 3 is a small count
    assert est["estimate"].notna().all()  # the processed table keeps the values


def test_published_copy_from_the_plan_is_the_copy_solved_again():
    est, hide_n = suppress_with_plan(_programme_table(), min_cell=5)
    assert hide_n.tolist() == [False, False, False, True]
    pd.testing.assert_frame_equal(store.published_estimates(est, hide_n=hide_n), store.published_estimates(est))


def test_load_published_reads_the_stage_copy_and_solves_again_only_for_another_table(tmp_path, monkeypatch):
    from analysis.estimates import suppression

    est, hide_n = suppress_with_plan(_programme_table(), min_cell=5)
    est.to_parquet(tmp_path / "estimates.parquet")
    store.published_estimates(est, hide_n=hide_n).to_parquet(tmp_path / store.PUBLISHED_FILE)
    solved = []
    real = suppression.plan_suppression
    monkeypatch.setattr(suppression, "plan_suppression", lambda *a, **k: solved.append(1) or real(*a, **k))
    got = store.load_published(tmp_path)
    assert solved == [] and np.isnan(got["n"].iloc[3]) and got["estimate"].isna().sum() == 3
    # the processed table changed after the copy was written (a shown value): solved again
    est.loc[2, "estimate"] = 21.0
    est.to_parquet(tmp_path / "estimates.parquet")
    got = store.load_published(tmp_path)
    assert solved == [1] and got["estimate"].iloc[2] == 21.0
    # no copy (a processed folder of an older version): solved again
    (tmp_path / store.PUBLISHED_FILE).unlink()
    pd.testing.assert_frame_equal(store.load_published(tmp_path), store.published_estimates(est))


def test_read_estimates_names_the_file(tmp_path):
    good = _table([_row()])
    path = tmp_path / "estimates.parquet"
    good.to_parquet(path)
    pd.testing.assert_frame_equal(store.read_estimates(path), pd.read_parquet(path))
    good.drop(columns=["estimate"]).to_parquet(path)
    with pytest.raises(RakorInputError, match=r"estimates\.parquet.*estimate"):
        store.read_estimates(path)
    with pytest.raises(RakorInputError, match="no estimates table"):
        store.read_estimates(tmp_path / "missing.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet")
    with pytest.raises(RakorInputError, match="junk.parquet"):
        store.read_estimates(tmp_path / "junk.parquet")


def test_verify_gives_the_rerun_the_previous_rakor_of_the_history(tmp_path):
    """The re-run folder gets exactly the history rows of rakor P the report's since-previous rows name."""
    from analysis import pipeline
    from analysis.estimates.history import append_history

    report = _table([_row(indicator="stunting_count_previous", breakdown="rakor=2025-01")])
    source = tmp_path / "processed"
    append_history(_table([_row(period=p, data_period=p, indicator="stunting_count") for p in
                           ("2024-09", "2025-01", "2025-03")]), source / "history.parquet")
    rerun = tmp_path / "rerun"
    manifest = {"parameters": {"processed_dir": str(source)}}
    assert pipeline._history_for_verify(report, manifest, rerun) is None
    assert set(pd.read_parquet(rerun / "history.parquet")["period"]) == {"2025-01"}
    # history gone: nothing copied, and a message instead of spurious differences
    message = pipeline._history_for_verify(report, {"parameters": {"processed_dir": str(tmp_path / "gone")}},
                                           tmp_path / "rerun2")
    assert message.startswith("1 since-previous-rakor figures not checked") and "2025-01" in message
    assert not (tmp_path / "rerun2" / "history.parquet").exists()
    # a report without such rows needs no history
    assert pipeline._history_for_verify(_table([_row()]), manifest, tmp_path / "rerun3") is None

"""Data-quality rows of the estimates table: WHO/UNICEF and SMART checks of the weighing data,
rows rejected at cleaning, rows read per source, and the sources missing from a run."""

from __future__ import annotations

import pandas as pd

from analysis.estimates.table import (
    KOTA_CODE,
    LEVELS,
    PROVINCE,
    empty_estimates,
    to_estimate_rows,
    with_area_columns,
)


def quality_rows(children: pd.DataFrame, period: str, data_period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """WHO/UNICEF checks and the SMART plausibility score for the kota, each kab/kota of a province
    and each kecamatan."""
    from analysis.measures.quality import assess_quality

    kids = children[children["period"] == data_period]
    kids = with_area_columns(kids)
    levels = (["kabkota"] if PROVINCE else []) + ["kecamatan"]
    tables = [assess_quality(kids, by=None).assign(area_level="kota", area_code=KOTA_CODE),
              *(assess_quality(kids, by=LEVELS[level]).query("area != 'total'")
                .assign(area_level=level, area_code=lambda d: d["area"]) for level in levels)]
    q = pd.concat(tables, ignore_index=True)
    q["note"] = q["rating_id"]
    q["estimate"] = q["value"]
    parts = []
    for level, g in q.groupby("area_level"):
        area_col = None if level == "kota" else "area_code"
        score = g[g["check"] == "plausibility_score"]
        other = g[g["check"] != "plausibility_score"]
        parts.append(to_estimate_rows(other, level=level, area_col=area_col, indicator="quality_check",
                                      period=period, data_period=data_period, method="who-unicef/smart",
                                      source="eppgbm", unit="statistic",
                                      breakdown="check=" + other["check"]))
        parts.append(to_estimate_rows(score, level=level, area_col=area_col, indicator="plausibility_score",
                                      period=period, data_period=data_period, method="ena-smart",
                                      source="eppgbm", unit="score"))
    return pd.concat(parts, ignore_index=True), q


def rejects_rows(rejects: pd.DataFrame, intake: pd.DataFrame, period: str) -> pd.DataFrame:
    """Rows rejected at cleaning by source and reason (whole kota), and rows read per source."""
    parts = []
    if len(rejects):
        per = (rejects.drop_duplicates(["file", "row"]).groupby(["source", "reason"]).size()
               .rename("estimate").reset_index())
        parts.append(to_estimate_rows(per, level="kota", area_col=None, indicator="rejected_rows",
                                      period=period, data_period=period, method="count", source="intake",
                                      unit="count",
                                      breakdown="source=" + per["source"] + ";reason=" + per["reason"]))
    if len(intake):
        per = intake.groupby("source")[["rows_in", "rows_kept", "rows_rejected"]].sum().reset_index()
        for col in ("rows_in", "rows_kept", "rows_rejected"):
            parts.append(to_estimate_rows(per.assign(estimate=per[col]), level="kota", area_col=None,
                                          indicator=f"intake_{col}", period=period, data_period=period,
                                          method="count", source="intake", unit="count",
                                          breakdown="source=" + per["source"]))
    return pd.concat(parts, ignore_index=True) if parts else empty_estimates()


def source_missing_rows(missing_sources: list[str], period: str) -> pd.DataFrame:
    """One ``source_missing`` flag per source absent from the run (the briefs say which)."""
    if not missing_sources:
        return empty_estimates()
    missing = pd.DataFrame({"estimate": 1.0, "note": [s.removesuffix("_member") for s in missing_sources]})
    return to_estimate_rows(missing, level="kota", area_col=None, indicator="source_missing",
                            period=period, data_period=period, method="rule", source="intake",
                            unit="flag", breakdown="source=" + missing["note"])

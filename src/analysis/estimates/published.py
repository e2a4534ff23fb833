"""Published figures as a source: SSGI/SKI and e-PPGBM stunting, BPS poverty (DOMAIN.md §4, issue 14).

The region's figures ship in ``config/published/<region code>.csv`` (each row with its source);
analysts add rows there, or drop more CSV files in a ``published/`` folder under ``data/raw/``.
:func:`read_published` validates them; :func:`published_rows` turns them into estimates-table
rows with ``source = "published"`` and ``method = "published:<survey>"``.

A CSV has the columns ``area_code, indicator, period, value_pct, survey, source`` and optionally
``area_name, year, ci_low_pct, ci_high_pct, note``. ``period`` is ``YYYY-MM`` when the figure
refers to a month (BPS's March figures, an e-PPGBM round) or ``YYYY`` for an annual survey.

An annual figure gets the data period ``YYYY-12``: the figure describes the whole year, so it
belongs to a rakor only from the end of that year on (a rakor of March 2023 cannot cite SKI 2023),
and "YYYY-MM" strings keep sorting in time order with the monthly sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import RakorInputError
from analysis.periods import is_period

PUBLISHED_INDICATORS = ("stunting", "poverty_p0", "extreme_poverty_p0")
REQUIRED_COLUMNS = ("area_code", "indicator", "period", "value_pct", "survey", "source")
OPTIONAL_COLUMNS = ("area_name", "year", "ci_low_pct", "ci_high_pct", "note")
ANNUAL_MONTH = "12"
SOURCE = "published"
LEVEL_BY_PARTS = {1: "province", 2: "kota", 3: "kecamatan", 4: "kelurahan"}

_AREA_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_YEAR = re.compile(r"^\d{4}$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")

__all__ = ["published_data_period", "published_paths", "published_rows", "read_published"]


def published_data_period(period: str) -> str:
    """The data period of a published figure: ``"2024-03"`` stays, a year ``"2023"`` → ``"2023-12"``.

    Raises
    ------
    RakorInputError
        When ``period`` is neither ``YYYY-MM`` nor ``YYYY``.
    """
    text = str(period).strip()
    if is_period(text):
        return text
    if _YEAR.match(text):
        return f"{text}-{ANNUAL_MONTH}"
    raise RakorInputError(f"period must be YYYY-MM or YYYY; got {period!r}")


def published_paths(region_code: str, config_dir: str | Path | None = None,
                    raw_dir: str | Path | None = None) -> list[Path]:
    """The files of published figures: ``<config>/published/<region>.csv`` and ``<raw>/**/published/*.csv``.

    Parameters
    ----------
    region_code
        Kemendagri code of the region (``"64.74"``).
    config_dir
        Configuration folder; default ``analysis.config.CONFIG_DIR``.
    raw_dir
        The run's raw folder (``--raw``); ``None``: none searched.

    Returns
    -------
    list of pathlib.Path
        The configured file first (when present), then the analysts' files in name order.
    """
    from analysis import config

    folder = Path(config_dir) if config_dir is not None else config.CONFIG_DIR
    paths = []
    shipped = folder / "published" / f"{region_code}.csv"
    if shipped.is_file():
        paths.append(shipped)
    if raw_dir is not None and Path(raw_dir).is_dir():
        extra = [p for p in Path(raw_dir).rglob("*.csv") if p.parent.name == "published"]
        paths += sorted(extra)
    return paths


def _text(column: pd.Series) -> pd.Series:
    return column.astype("object").where(column.notna(), "").astype(str).str.strip()


def _number(column: pd.Series) -> pd.Series:
    """Numbers written either way (27.4 or 27,4 — a decimal comma from an Indonesian spreadsheet)."""
    text = _text(column)
    text = text.where(~text.str.match(_DECIMAL_COMMA), text.str.replace(",", ".", regex=False))
    return pd.to_numeric(text, errors="coerce")


def _validate(table: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise RakorInputError(
            f"{name}: column(s) {', '.join(missing)} missing; a file of published figures needs "
            f"{', '.join(REQUIRED_COLUMNS)} (optional: {', '.join(OPTIONAL_COLUMNS)}); "
            f"found {', '.join(map(str, table.columns))}"
        )
    t = table.reset_index(drop=True).copy()
    for col in OPTIONAL_COLUMNS:
        if col not in t.columns:
            t[col] = ""
    text = {c: _text(t[c]) for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}

    def fail(mask, col: str, why: str) -> None:
        i = int(np.flatnonzero(np.asarray(mask, dtype=bool))[0])
        raise RakorInputError(f"{name}, row {i + 2}, column `{col}`: {why}; got {t.loc[i, col]!r}")

    def check(col: str, ok: pd.Series, why: str) -> None:
        bad = ~ok.to_numpy(dtype=bool)
        if bad.any():
            fail(bad, col, why)

    check("area_code", text["area_code"].str.match(_AREA_CODE), "must be a Kemendagri code such as 64.74")
    check("indicator", text["indicator"].isin(PUBLISHED_INDICATORS),
          f"must be one of {', '.join(PUBLISHED_INDICATORS)}")
    check("period", text["period"].map(lambda p: is_period(p) or bool(_YEAR.match(p))),
          "must be YYYY-MM (a month) or YYYY (an annual survey)")
    year_given = text["year"] != ""
    check("year", ~year_given | (text["year"] == text["period"].str[:4]), "must be the year of `period`")
    check("survey", text["survey"] != "", "must name the survey or report (e.g. SKI 2023)")
    check("source", text["source"] != "", "must say where the figure was published")
    value = _number(t["value_pct"])
    check("value_pct", value.between(0, 100), "must be a percentage from 0 to 100")
    low, high = _number(t["ci_low_pct"]), _number(t["ci_high_pct"])
    for col, bound in (("ci_low_pct", low), ("ci_high_pct", high)):
        given = text[col] != ""
        check(col, ~given | bound.between(0, 100), "must be a percentage from 0 to 100 (or empty)")
    check("ci_high_pct", (text["ci_low_pct"] == "") == (text["ci_high_pct"] == ""),
          "give both bounds of the published interval, or neither")
    has_ci = low.notna() & high.notna()
    check("ci_low_pct", ~has_ci | (low <= value), "must not exceed `value_pct`")
    check("ci_high_pct", ~has_ci | (high >= value), "must not be below `value_pct`")
    out = pd.DataFrame({c: text[c] for c in ("area_code", "area_name", "indicator", "period", "survey",
                                             "source", "note")})
    out["value_pct"] = value.astype(float)
    out["ci_low_pct"] = low.astype(float)
    out["ci_high_pct"] = high.astype(float)
    out["data_period"] = out["period"].map(published_data_period)
    out["file"] = name
    out["row"] = np.arange(len(out)) + 2
    return out


def read_published(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Read and validate files of published figures into one table.

    Parameters
    ----------
    paths
        CSV files (UTF-8; see the module docstring for the columns), e.g. :func:`published_paths`.

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``area_code, area_name, indicator, period, survey, source, note,
        value_pct, ci_low_pct, ci_high_pct`` (floats, NaN when absent), ``data_period``
        ("YYYY-MM", see :func:`published_data_period`), ``file`` and ``row`` (the row as a
        spreadsheet shows it, the header being row 1).

    Raises
    ------
    RakorInputError
        A missing file or column, or a bad row: the message names file, row, column and value.
        The same figure (area, indicator, data period and survey) given twice is an error that
        names both places: which of the two values is right is the analyst's call.
    """
    parts = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise RakorInputError(f"file of published figures {path} not found")
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        parts.append(_validate(raw, str(path)))
    columns = ["area_code", "area_name", "indicator", "period", "survey", "source", "note", "value_pct",
               "ci_low_pct", "ci_high_pct", "data_period", "file", "row"]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    table = pd.concat(parts, ignore_index=True)[columns]
    key = ["area_code", "indicator", "data_period", "survey"]
    dup = table.duplicated(key, keep="first")
    if dup.any():
        again = table[dup].iloc[0]
        first = table[(table[key] == again[key]).all(axis=1)].iloc[0]
        raise RakorInputError(
            f"{again['file']}, row {again['row']}, column `survey`: {again['indicator']} of "
            f"{again['area_code']} from {again['survey']!r} for {again['period']} is already given in "
            f"{first['file']}, row {first['row']}; keep one of the two rows; got {again['survey']!r}"
        )
    return table


def published_rows(table: pd.DataFrame, period: str, region_code: str) -> pd.DataFrame:
    """Estimates-table rows of the published figures of ``region_code`` known at the rakor ``period``.

    Parameters
    ----------
    table
        From :func:`read_published`.
    period
        The rakor period ("YYYY-MM"); only figures with a data period at or before it are kept.
    region_code
        The region (``"64.74"``): its own figures and those of areas inside it.

    Returns
    -------
    pandas.DataFrame
        ``ESTIMATE_COLUMNS`` rows: ``source`` "published", ``method`` "published:<survey>",
        ``estimate`` the proportion (``value_pct / 100``), ``ci_low``/``ci_high`` the published
        interval when there is one, ``area_level`` from the code (``kota`` for a kab/kota, as the
        rest of the table names the region's level), ``breakdown`` "total", ``unit``
        "proportion", ``n`` empty and ``note`` the published source.
    """
    from analysis.estimates.table import ESTIMATE_COLUMNS, empty_estimates, to_estimate_rows

    if not is_period(period):
        raise RakorInputError(f"period must be YYYY-MM; got {period!r}")
    t = table[(table["area_code"] == region_code) | table["area_code"].str.startswith(region_code + ".")]
    t = t[t["data_period"] <= period]
    if t.empty:
        return empty_estimates()
    t = t.assign(
        _level=t["area_code"].str.count(r"\.").add(1).map(LEVEL_BY_PARTS),
        estimate=t["value_pct"] / 100.0, ci_low=t["ci_low_pct"] / 100.0, ci_high=t["ci_high_pct"] / 100.0,
        note=t["source"], n=np.nan,
    )
    parts = []
    for (level, indicator, survey, data_period), g in t.groupby(
            ["_level", "indicator", "survey", "data_period"], sort=True):
        rows = to_estimate_rows(g.reset_index(drop=True), level=level, area_col="area_code",
                                indicator=indicator, period=period, data_period=data_period,
                                method=f"published:{survey}", source=SOURCE, unit="proportion")
        # Areas outside the gazetteer (a province figure) keep the name the file gives.
        rows["area_name"] = rows["area_name"].fillna(pd.Series(g["area_name"].to_numpy())).replace("", pd.NA)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)[ESTIMATE_COLUMNS]

"""The Excel annex of a rakor for officials: ``reports/<period>/lampiran.xlsx``.

One formatted sheet per topic (stunting, poverty, tracker, programmes, data quality) plus a
``keterangan`` sheet, from the *published* estimates table (``store.published_estimates``: hidden
figures are already blank; their ``note`` says "<5" or "*"). Every sheet keeps the columns
``source``, ``estimate``, ``n`` and ``unit`` under those names so a reader can check a figure
against ``estimates.parquet``; the other headers are Indonesian (English with ``lang="en"``).

Numbers stay numbers: a percent cell holds 0.169 with the format ``0.0%``, a count ``#,##0``.
Excel renders the decimal and thousands separators of the reader's locale, so Excel in Indonesian
shows ``16,9%`` and ``1.004``; text cells would look right everywhere but could not be summed,
sorted or checked.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.briefs import labels, narrative
from analysis.files import atomic_write

#: sheet key → indicator prefixes it holds (first match wins; the rest go to data quality)
TOPICS: dict[str, tuple[str, ...]] = {
    "stunting": ("stunting", "severe_stunting", "wasting", "underweight", "children_measured",
                 "weighing_participation", "convergence_"),
    "poverty": ("poverty_", "extreme_poverty_", "sae_", "dtsen_", "published_"),
    "tracker": ("extreme_families_", "rt_extreme_candidates", "zero_target_status", "recon_"),
    "programmes": ("programme_", "incentive_"),
    "quality": (),
}
SHEET_KEYS = {"stunting": "annex_sheet_stunting", "poverty": "annex_sheet_poverty",
              "tracker": "annex_sheet_tracker", "programmes": "annex_sheet_programmes",
              "quality": "annex_sheet_quality"}
#: (column of the estimates table, header key of labels.HEADERS, or None: keep the column's name)
COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("data_period", "data_period"), ("area_level", "annex_area_level"), ("area_code", "annex_area_code"),
    ("area_name", "area_name"), ("label", "indicator"), ("indicator", None), ("breakdown", "annex_breakdown"),
    ("estimate", None), ("ci_low", "ci_low"), ("ci_high", "ci_high"), ("n", None), ("unit", None),
    ("source", None), ("method", "method"), ("reliability", "reliability"), ("note", "annex_note"),
)
PERCENT, COUNT, DECIMAL = "0.0%", "#,##0", "0.000"
#: rows of figures a sheet holds below its header (Excel's limit is 1,048,576 rows a sheet); a
#: topic with more (a national table's quality rows) goes on "<sheet> (2)", "<sheet> (3)", ...
MAX_SHEET_ROWS = 1_048_575
VALUE_COLS = ("estimate", "ci_low", "ci_high")


def topic_of(indicator: str) -> str:
    """The sheet an indicator goes to (see :data:`TOPICS`).

    Parameters
    ----------
    indicator
        ``indicator`` of the estimates table.

    Returns
    -------
    str
        A key of :data:`TOPICS`.
    """
    base = indicator.removesuffix("_previous")
    for topic, prefixes in TOPICS.items():
        if any(base.startswith(p) if p.endswith("_") else (base == p or base.startswith(p + "_"))
               for p in prefixes):
            return topic
    return "quality"


def annex_tables(published: pd.DataFrame, period: str, lang: str = "id") -> dict[str, pd.DataFrame]:
    """The rows of each sheet, in the sheet's column order (headers still the table's names).

    Parameters
    ----------
    published
        The published estimates table (hidden values already blank).
    period
        The rakor period: only its rows.
    lang
        Language of the indicator labels.

    Returns
    -------
    dict
        Sheet key → rows, sorted by indicator, area level, area code, breakdown, data period.
    """
    est = published[published["period"].astype(str) == period].copy()
    est["label"] = est["indicator"].map(lambda i: narrative.indicator_label(i, lang))
    est["topic"] = est["indicator"].map(topic_of)
    level_order = {"kota": 0, "kabkota": 1, "kecamatan": 2, "kelurahan": 3}  # kabkota: a province's
    est["_lvl"] = est["area_level"].map(level_order).fillna(9)
    est = est.sort_values(["topic", "indicator", "_lvl", "area_code", "breakdown", "data_period"], kind="mergesort")
    cols = [c for c, _ in COLUMNS]
    return {t: est.loc[est["topic"] == t, cols].reset_index(drop=True) for t in TOPICS}


def _sheets(tables: dict[str, pd.DataFrame], lang: str):
    """(sheet name, rows) of each topic, in parts of at most :data:`MAX_SHEET_ROWS` rows."""
    for topic, df in tables.items():
        name = labels.text(SHEET_KEYS[topic], lang)
        starts = range(0, max(len(df), 1), MAX_SHEET_ROWS)
        for k, start in enumerate(starts):
            suffix = "" if k == 0 else f" ({k + 1})"
            yield name[:31 - len(suffix)] + suffix, df.iloc[start:start + MAX_SHEET_ROWS].reset_index(drop=True)


def write_annex(published: pd.DataFrame, path: Path | str, period: str, lang: str = "id") -> Path:
    """Write ``lampiran.xlsx``: one formatted sheet per topic and a readme sheet.

    Parameters
    ----------
    published
        The published estimates table (``store.published_estimates``; never the processed one).
    path
        The file to write (atomically).
    period
        The rakor period.
    lang
        "id" (default) or "en": headers, sheet names, the readme.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    labels.check_lang(lang)
    tables = annex_tables(published, period, lang)
    headers = [c if key is None else labels.pick(labels.HEADERS[key], lang) for c, key in COLUMNS]
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
    wb = Workbook()
    readme = wb.active
    readme.title = labels.text("annex_sheet_readme", lang)
    readme["A1"] = labels.text("annex_title", lang, period=period)
    readme["A1"].font = Font(bold=True, size=13)
    readme["A3"] = labels.text("annex_readme", lang)
    readme["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    readme.column_dimensions["A"].width = 100
    readme.row_dimensions[3].height = 90
    for sheet, df in _sheets(tables, lang):
        ws = wb.create_sheet(sheet)
        ws.append(headers)
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        unit_col = df["unit"].astype(str).to_numpy()
        values = df.astype(object).where(df.notna(), None).to_numpy().tolist()
        names = [c for c, _ in COLUMNS]
        value_idx = [names.index(c) for c in VALUE_COLS]
        n_idx = names.index("n")
        for r, row in enumerate(values, start=2):
            ws.append(row)
            fmt = PERCENT if unit_col[r - 2] == "proportion" else COUNT if unit_col[r - 2] == "count" else DECIMAL
            for j in value_idx:
                ws.cell(row=r, column=j + 1).number_format = fmt
            ws.cell(row=r, column=n_idx + 1).number_format = COUNT
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(df) + 1)}"
        widths = {"area_name": 20, "label": 34, "indicator": 26, "breakdown": 24, "method": 18, "note": 22}
        for j, (col, _) in enumerate(COLUMNS, start=1):
            ws.column_dimensions[get_column_letter(j)].width = widths.get(col, 12)
    return atomic_write(path, lambda tmp: wb.save(tmp))

"""lampiran.xlsx: sheets per topic, checkable columns, formats, suppression kept (made-up data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from analysis.briefs import annex
from analysis.estimates.table import ESTIMATE_COLUMNS


def _row(indicator, estimate, unit, note=None, suppressed=False, source="eppgbm"):
    return dict(period="2025-03", data_period="2025-02", area_level="kelurahan", area_code="64.74.01.1003",
                area_name="Lok Tuan", indicator=indicator, breakdown="total", n=120.0, n_weighted=np.nan,
                estimate=estimate, se=np.nan, ci_low=0.1 if unit == "proportion" else np.nan,
                ci_high=0.3 if unit == "proportion" else np.nan, df=np.nan, deff=np.nan, p_value=np.nan,
                method="count", source=source, unit=unit, reliability=None, suppressed=suppressed, note=note)


def test_topics():
    assert annex.topic_of("stunting") == "stunting"
    assert annex.topic_of("stunting_count") == "stunting"
    assert annex.topic_of("extreme_poverty_p0") == "poverty"
    assert annex.topic_of("extreme_families_unverified") == "tracker"
    assert annex.topic_of("programme_coverage") == "programmes"
    assert annex.topic_of("plausibility_score") == "quality"


def test_annex_sheets_formats_and_blanked_cells(tmp_path):
    est = pd.DataFrame([
        _row("stunting", 0.2, "proportion"),
        _row("stunting_count", 24.0, "count"),
        _row("extreme_families_unverified", np.nan, "count", note="<5", suppressed=True, source="pendataan_rt"),
        _row("programme_reached", 1234.0, "count", source="program"),
        _row("stunting", 0.5, "proportion") | {"period": "2024-09"},  # another rakor: left out
    ])[ESTIMATE_COLUMNS]
    path = annex.write_annex(est, tmp_path / "lampiran.xlsx", "2025-03")
    wb = load_workbook(path)
    assert wb.sheetnames == ["keterangan", "stunting", "kemiskinan", "pelacak_miskin_ekstrem", "program",
                             "kualitas_data"]
    ws = wb["stunting"]
    head = [c.value for c in ws[1]]
    for col in ("source", "estimate", "n", "unit"):
        assert col in head
    assert "Batas bawah" in head and "Batas atas" in head  # CI columns, Indonesian headers
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 3  # header + two rows of 2025-03
    rows = [dict(zip(head, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=2)]
    rate = next(r for r in rows if r["indicator"] == "stunting")
    assert rate["estimate"] == 0.2  # a number, not text
    fmt = {r[head.index("indicator")].value: r[head.index("estimate")].number_format for r in ws.iter_rows(min_row=2)}
    assert fmt == {"stunting": "0.0%", "stunting_count": "#,##0"}
    tr = wb["pelacak_miskin_ekstrem"]
    head = [c.value for c in tr[1]]
    cells = [c.value for c in tr[2]]
    assert cells[head.index("estimate")] is None  # blanked stays blank
    assert cells[head.index("Catatan")] == "<5"


def test_a_topic_over_the_sheet_limit_goes_on_numbered_sheets(tmp_path, monkeypatch):
    # Excel holds 1,048,576 rows a sheet; a national table's topics have more: here the limit is 2
    monkeypatch.setattr(annex, "MAX_SHEET_ROWS", 2)
    est = pd.DataFrame([_row("stunting", v / 10, "proportion") | {"area_code": f"64.74.01.100{v}"}
                        for v in range(1, 6)])[ESTIMATE_COLUMNS]
    wb = load_workbook(annex.write_annex(est, tmp_path / "lampiran.xlsx", "2025-03"))
    assert wb.sheetnames[:4] == ["keterangan", "stunting", "stunting (2)", "stunting (3)"]
    head = [c.value for c in wb["stunting"][1]]
    at = [c for c, _ in annex.COLUMNS].index("area_code")
    codes = [r[at].value for name in ("stunting", "stunting (2)", "stunting (3)") for r in wb[name].iter_rows(min_row=2)]
    assert codes == [f"64.74.01.100{v}" for v in range(1, 6)]  # every row once, in order
    assert [c.value for c in wb["stunting (3)"][1]] == head  # each part has the header

"""Kelurahan briefs and the Excel annex in a full run (synthetic sample)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from pypdf import PdfReader


def test_every_kelurahan_has_a_brief_of_at_most_two_pages(pipeline_run):
    from analysis.pipeline import kelurahan_list

    folder = pipeline_run["report"] / "kelurahan"
    for slug in kelurahan_list()["slug"]:
        assert (folder / f"{slug}.html").is_file(), slug
        pages = len(PdfReader(folder / f"{slug}.pdf").pages)
        assert 1 <= pages <= 2, (slug, pages)


def test_annex_keeps_the_published_suppression(pipeline_run):
    report = pipeline_run["report"]
    wb = load_workbook(report / "lampiran.xlsx", read_only=True)
    assert wb.sheetnames[1:] == ["stunting", "kemiskinan", "pelacak_miskin_ekstrem", "program", "kualitas_data"]
    published = pd.read_parquet(report / "estimates.parquet")
    period = report.name
    total = 0
    for name in wb.sheetnames[1:]:
        rows = list(wb[name].iter_rows(values_only=True))
        head = list(rows[0])
        for col in ("source", "estimate", "n", "unit"):
            assert col in head, (name, col)
        df = pd.DataFrame(rows[1:], columns=head)
        total += len(df)
        hidden = df["Catatan"].isin(["<5", "*"])
        assert df.loc[hidden, "estimate"].isna().all(), name  # blanked stays blank
    assert total == int((published["period"] == period).sum())
    assert np.isfinite(published.loc[~published["suppressed"].astype(bool), "estimate"].dropna()).all()

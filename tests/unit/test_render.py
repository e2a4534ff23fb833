"""Rendering: offline self-contained HTML and an A4 PDF with page numbers (tiny hand-made notebook)."""

from __future__ import annotations

import base64
import io
import os
import re
import time

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis.briefs import render


def _png() -> str:
    """A small PNG made with Pillow (independent of analysis.briefs.plots), base64."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (0, 114, 178)).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


PNG_1PX = _png()

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def _notebook(n_rows: int = 6) -> nbformat.NotebookNode:
    table = pd.DataFrame({"Kelurahan": [f"Kelurahan {i}" for i in range(n_rows)],
                          "Prevalensi": ["18,2%"] * n_rows})
    return new_notebook(cells=[
        new_markdown_cell("# Ringkasan Kecamatan Contoh\n\nSumber: [BPS](https://www.bps.go.id/) "
                          "dan <https://example.org/data>"),
        new_code_cell("SECRET_CODE_MARKER = 1", outputs=[
            new_output("stream", name="stderr", text="FutureWarning: noise\n"),
            new_output("stream", name="stdout", text="teks keluaran\n")]),
        new_code_cell("display(html)", outputs=[new_output("display_data", data={
            "text/html": '<script src="https://cdn.example.com/require.js"></script>'
                         '<link rel="stylesheet" href="https://cdn.example.com/x.css">'
                         '<div style="background: url(https://example.com/bg.png)">isi</div>'})]),
        new_markdown_cell("## Gambar kelurahan"),
        new_code_cell("plots.show(fig)", outputs=[new_output(
            "display_data", data={"image/png": PNG_1PX, "text/plain": "Alt dari plots"},
            metadata={"image/png": {"alt": "Prevalensi per kelurahan, alt dari plots", "width": 300}})]),
        new_markdown_cell("## Gambar tanpa alt"),
        new_code_cell("fig", outputs=[new_output(
            "display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure size 640x480>"})]),
        new_code_cell("tabel", outputs=[new_output("display_data", data={
            "text/html": render.table_html(table, caption="Tabel kelurahan",
                                           numeric_cols=["Prevalensi"])})]),
        new_code_cell("tidak tampil", metadata={"tags": ["remove_cell"]},
                      outputs=[new_output("stream", name="stdout", text="HIDDEN_OUTPUT\n")]),
    ])


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("brief")
    ipynb = folder / "executed" / "contoh.ipynb"
    ipynb.parent.mkdir()
    nbformat.write(_notebook(), ipynb)
    html = render.notebook_to_html(ipynb, folder / "contoh.html", title="Ringkasan Contoh", lang="id")
    pdf = render.html_to_pdf(html, folder / "contoh.pdf")
    return folder, html, pdf


def test_html_is_offline_and_self_contained(rendered):
    _, html, _ = rendered
    text = html.read_text(encoding="utf-8")
    assert not EXTERNAL.findall(text)
    assert "<script" not in text.lower()
    assert "<link" not in text.lower()
    assert not re.search(r"url\(\s*['\"]?https?:", text)
    assert f"data:image/png;base64,{PNG_1PX}" in text
    assert "@font-face" in text and "data:font/ttf;base64," in text
    assert render.external_references(text) == []
    # the link text stays readable, without being a link
    assert "BPS" in text and "www.bps.go.id" in text


def test_html_hides_code_and_noise_and_keeps_outputs(rendered):
    _, html, _ = rendered
    text = html.read_text(encoding="utf-8")
    assert "SECRET_CODE_MARKER" not in text
    assert "In&nbsp;[" not in text and "Out[" not in text
    assert "FutureWarning" not in text
    assert "HIDDEN_OUTPUT" not in text
    assert "teks keluaran" in text
    assert '<html lang="id">' in text and "<title>Ringkasan Contoh</title>" in text


def test_images_have_alt_text(rendered):
    _, html, _ = rendered
    alts = re.findall(r'<img[^>]*\balt="([^"]*)"', html.read_text(encoding="utf-8"))
    assert alts == ["Prevalensi per kelurahan, alt dari plots", "Gambar 2: Gambar tanpa alt"]


def test_print_css(rendered):
    _, html, _ = rendered
    text = html.read_text(encoding="utf-8")
    assert re.search(r"@page\s*{[^}]*size:\s*A4", text)
    assert 'content: "Halaman " counter(page) " dari " counter(pages)' in text
    assert re.search(r"h1, h2, h3, h4, h5, h6 {[^}]*break-after: avoid", text)
    assert "thead { display: table-header-group; }" in text
    assert re.search(r"tr, td, th { break-inside: avoid", text)
    assert "celltag_keep-with-next" in text  # headings are tagged to stay with the next block


def test_pdf_exists_with_pages(rendered):
    folder, _, pdf = rendered
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert render.pdf_page_count(pdf) >= 1
    assert not list(folder.glob(".*.tmp"))  # atomic writes leave nothing behind
    text = "\n".join(_pdf_pages(pdf))  # pypdf: never skipped for want of a program
    assert "Halaman 1 dari" in text
    assert "Ringkasan Kecamatan Contoh" in text


def _pdf_pages(pdf) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


def test_long_table_repeats_its_header_in_english(tmp_path):
    ipynb = tmp_path / "long.ipynb"
    nbformat.write(_notebook(n_rows=70), ipynb)
    html = render.notebook_to_html(ipynb, tmp_path / "long.html", title="Long", lang="en")
    pdf = render.html_to_pdf(html, tmp_path / "long.pdf")
    pages = render.pdf_page_count(pdf)
    assert pages >= 2
    text = _pdf_pages(pdf)
    assert f"Page {pages} of {pages}" in text[pages - 1]
    with_table = [p for p in text if re.search(r"Kelurahan \d+", p)]
    assert len(with_table) >= 2
    assert all("Prevalensi" in p for p in with_table)  # the header row is repeated


def test_bad_inputs(tmp_path):
    from analysis.errors import RakorInputError

    with pytest.raises(RakorInputError, match="not found"):
        render.notebook_to_html(tmp_path / "nope.ipynb", tmp_path / "x.html", "t", "id")
    ipynb = tmp_path / "a.ipynb"
    nbformat.write(new_notebook(), ipynb)
    with pytest.raises(RakorInputError, match="language"):
        render.notebook_to_html(ipynb, tmp_path / "x.html", "t", "fr")


def test_the_same_html_prints_the_same_pdf_bytes_and_leaves_the_environment(rendered, monkeypatch):
    # fontTools stamps each embedded font subset with the time of printing unless SOURCE_DATE_EPOCH
    # is set: without the fixed stamp two prints of one HTML differ in the font streams.
    folder, html, pdf = rendered
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    time.sleep(1.1)  # the stamp has whole seconds: a print a second later would differ without it
    again = render.html_to_pdf(html, folder / "contoh-lagi.pdf")
    assert again.read_bytes() == pdf.read_bytes()
    assert "SOURCE_DATE_EPOCH" not in os.environ


def test_the_pdf_is_the_one_weasyprint_prints_from_the_html_alone(rendered, tmp_path, monkeypatch):
    # html_to_pdf gives WeasyPrint the fonts parsed once per process: the bytes must be those of a
    # plain print of the file, fonts read from its own <style> (same fixed font time stamp)
    import weasyprint

    folder, html, pdf = rendered
    monkeypatch.setenv("SOURCE_DATE_EPOCH", render.PDF_FONT_EPOCH)
    plain = weasyprint.HTML(filename=str(html), base_url=str(folder)).write_pdf()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert render._font_faces() in html.read_text(encoding="utf-8")  # the fonts were in the file
    assert pdf.read_bytes() == plain
    assert render.html_to_pdf(html, tmp_path / "again.pdf").read_bytes() == plain  # the fonts reused


@pytest.mark.parametrize("font_file", [
    render.SYSTEM_FONT_DIR / "DejaVuSans.ttf",  # kern, GSUB, GPOS, MATH and hinting tables
    render.SYSTEM_FONT_DIR / "DejaVuSansMono.ttf",
    render.ASSETS_DIR / "DejaVuSans-Bold-subset.ttf",
])
def test_the_print_subsets_fonts_to_the_bytes_of_fonttools_own_subsetter(font_file, monkeypatch):
    # WeasyPrint's fontTools subsetting, with the subsetter html_to_pdf gives it (which drops the
    # layout tables before reading them), must give the font fontTools' own subsetter gives
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from weasyprint.pdf import fonts as wp_fonts

    if not font_file.is_file():
        pytest.skip(f"{font_file} not installed")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", render.PDF_FONT_EPOCH)
    assert render._subset_fonts_without_layout_tables()
    replaced = wp_fonts.subset.Subsetter
    assert replaced is not subset.Subsetter and issubclass(replaced, subset.Subsetter)
    content = font_file.read_bytes()
    glyphs = TTFont(io.BytesIO(content)).getGlyphOrder()
    gids = {i: None for i in range(0, min(len(glyphs), 400), 3)}  # every third of the first glyphs

    def subset_with(subsetter_class, notdef_outline: bool) -> bytes:
        # the options of weasyprint.pdf.fonts.Font._fonttools_subset
        options = subset.Options(retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True,
                                 hinting=False, desubroutinize=True, notdef_outline=notdef_outline)
        options.drop_tables += ["GSUB", "GPOS", "SVG"]
        subsetter = subsetter_class(options)
        subsetter.populate(gids=gids)
        font = TTFont(io.BytesIO(content))
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()

    for notdef in (False, True):
        assert subset_with(replaced, notdef) == subset_with(subset.Subsetter, notdef)
    font = TTFont(io.BytesIO(content))
    options = subset.Options(hinting=False)
    options.drop_tables += ["GSUB", "GPOS", "SVG"]
    dropped = set(render._dropped_before_subsetting(subset.Subsetter(options), font))
    assert {"GSUB", "GPOS"} <= dropped or not {"GSUB", "GPOS"} & set(font.keys())
    assert ("kern" in dropped) == ("kern" in font.keys() and "GPOS" in font.keys())
    assert not dropped & {"glyf", "cmap", "hmtx", "head"}

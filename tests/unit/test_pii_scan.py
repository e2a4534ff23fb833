"""Small-cell suppression and the personal-data scanner (all data below is made up)."""

from __future__ import annotations

import json
import shutil
import warnings

import pandas as pd
import pytest

from analysis.briefs import pii_scan as privacy
from analysis.errors import RakorInputError

# ----------------------------------------------------------------------------------------------

NIK = "6474014508190003"       # made up: 64.74.01, born 05-08-2019 (female), serial 0003
NO_KK = "6474012001150007"
NAME = "Siti Rahmawati"
ADDRESS = "Jl. Pupuk Raya No. 12"
IDENTITY = {"nik": [NIK], "no_kk": [NO_KK], "name": [NAME, "Ani"], "address": [ADDRESS]}


def test_scan_html_finds_names_ids_and_alt_text(tmp_path):
    page = tmp_path / "brief.html"
    page.write_text(
        "<html><body><table><tr><td>SITI   rahmawati</td></tr></table>"
        f'<img alt="anak dengan NIK {NIK}" src="data:image/png;base64,AAAA1234567890123456BBB">'
        "<p>Lokasi: jl. pupuk raya no. 12, RT 03</p>"
        "<p>Prevalensi 0.1234567890123456 dan Analisis oleh tim</p>"
        "<p>nomor lain 1234 5678 9012 3456</p></body></html>", encoding="utf-8")
    findings = privacy.scan_for_pii([page], IDENTITY)
    kinds = sorted(f.kind for f in findings)
    assert kinds == ["16-digit number", "address", "name", "nik"]
    text = " ".join(str(f) for f in findings)
    for secret in (NIK, "rahmawati", "pupuk raya no. 12", "5678 9012 3456"):
        assert secret not in text.lower()
    assert all(f.file == page for f in findings)


def test_scan_notebook_json_skips_images_and_restricted(tmp_path):
    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["Keluarga ", "Siti Rahmawati\n"]},
        {"cell_type": "code", "metadata": {}, "source": "x", "execution_count": 1, "outputs": [
            {"output_type": "display_data", "metadata": {},
             "data": {"image/png": "iVBOR+Siti/Rahmawati+" + NO_KK, "text/plain": "Figure"}},
            {"output_type": "execute_result", "execution_count": 1, "metadata": {},
             "data": {"text/html": f"<td>{NO_KK}</td>"}}]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    out = tmp_path / "reports"
    (out / "executed").mkdir(parents=True)
    (out / "restricted").mkdir()
    (out / "executed" / "brief.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (out / "restricted" / "worklist.html").write_text(f"<p>{NAME} {NIK}</p>", encoding="utf-8")
    findings = privacy.scan_for_pii(out, IDENTITY)
    assert sorted(f.kind for f in findings) == ["name", "no_kk"]
    assert {f.file.name for f in findings} == {"brief.ipynb"}
    # a clean folder gives nothing
    (out / "executed" / "brief.ipynb").unlink()
    assert privacy.scan_for_pii(out, IDENTITY) == []


def test_scan_accepts_a_dataframe_of_identities(tmp_path):
    page = tmp_path / "a.html"
    page.write_text("<p>ani pergi</p><p>Anita</p>", encoding="utf-8")
    ident = pd.DataFrame({"name": ["Ani", None], "rt": ["03", "04"]})
    findings = privacy.scan_for_pii(page, ident)
    assert [f.kind for f in findings] == ["name"]  # "Anita" is another word; short "03" ignored


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
def test_scan_pdf_text(tmp_path):
    weasyprint = pytest.importorskip("weasyprint")
    pdf = tmp_path / "brief.pdf"
    weasyprint.HTML(string=f"<p>Alamat: {ADDRESS.upper()}</p><p>Tidak ada data lain.</p>").write_pdf(pdf)
    findings = privacy.scan_for_pii([pdf], IDENTITY)
    assert [f.kind for f in findings] == ["address"]


def test_scan_pdf_without_a_reader_warns(tmp_path, monkeypatch):
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    monkeypatch.setattr(privacy.shutil, "which", lambda name: None)
    monkeypatch.setitem(__import__("sys").modules, "pypdf", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert privacy.scan_for_pii([pdf], IDENTITY) == []
    assert any("not scanned" in str(w.message) for w in caught)


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(RakorInputError, match="does not exist"):
        privacy.scan_for_pii([tmp_path / "nope.html"], IDENTITY)


def test_a_name_that_is_part_of_an_area_name_is_not_a_finding(tmp_path):
    """A person called "Lestari" is not found in "Bontang Lestari" (public), but is found alone."""
    page = tmp_path / "brief.html"
    page.write_text("<p>Kelurahan Bontang Lestari: 12 keluarga</p>", encoding="utf-8")
    assert privacy.scan_for_pii([page], {"nama": ["Lestari"]}) == []
    page.write_text("<p>Kelurahan Bontang Lestari: keluarga Lestari</p>", encoding="utf-8")
    found = privacy.scan_for_pii([page], {"nama": ["Lestari"]})
    assert [f.kind for f in found] == ["nama"]

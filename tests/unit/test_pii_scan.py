"""The personal-data scanner and the restricted folders (all data below is made up)."""

from __future__ import annotations

import json

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


def test_scan_pdf_text(tmp_path):
    """PDF text comes from pypdf: the check runs wherever the package is installed (never skipped)."""
    import weasyprint

    pdf = tmp_path / "brief.pdf"
    weasyprint.HTML(string=f"<p>Alamat: {ADDRESS.upper()}</p><p>Tidak ada data lain.</p>").write_pdf(pdf)
    findings = privacy.scan_for_pii([pdf], IDENTITY)
    assert [f.kind for f in findings] == ["address"]
    assert "pupuk" not in findings[0].snippet  # the value is masked in the finding


def test_an_unreadable_file_is_a_finding_not_clean(tmp_path):
    """A damaged PDF, a file that is not UTF-8 and a file of unknown type cannot be called clean."""
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage without pages")
    (tmp_path / "latin1.html").write_bytes("<p>Siti Rahmawati \xe9</p>".encode("latin-1"))
    (tmp_path / "chart.webp").write_bytes(b"RIFF....WEBP")
    (tmp_path / "ok.html").write_text("<p>Prevalensi 12,3%</p>", encoding="utf-8")
    findings = privacy.scan_for_pii([tmp_path], IDENTITY, suffixes=None)
    assert sorted((f.file.name, f.kind) for f in findings) == [
        ("broken.pdf", privacy.UNREADABLE), ("chart.webp", privacy.UNREADABLE),
        ("latin1.html", privacy.UNREADABLE)]
    # with the default suffixes the unknown type is not looked at, the damaged PDF still is
    assert {f.file.name for f in privacy.scan_for_pii([tmp_path], IDENTITY)} == {"broken.pdf", "latin1.html"}
    assert len(privacy.files_to_scan([tmp_path])) == 4


def test_tables_json_and_workbooks_are_scanned(tmp_path):
    pd.DataFrame({"area": ["Lok Tuan"], "note": [f"kk {NO_KK}"], "x": [1.0]}).to_parquet(tmp_path / "t.parquet")
    pd.DataFrame({"nama": ["siti rahmawati"]}).to_excel(tmp_path / "lampiran.xlsx", index=False)
    (tmp_path / "m.json").write_text(json.dumps({"note": "Ani"}), encoding="utf-8")
    found = sorted((f.file.name, f.kind) for f in privacy.scan_for_pii([tmp_path], IDENTITY, suffixes=None))
    assert found == [("lampiran.xlsx", "name"), ("m.json", "name"), ("t.parquet", "no_kk")]


def test_hex_digests_are_not_16_digit_numbers(tmp_path):
    """A manifest's sha256 may hold 16 digits in a row; a digest is not a NIK (a bare number is)."""
    digest = "a2805292631767230e" + "0" * 46
    (tmp_path / "manifest.json").write_text(json.dumps({"sha256": digest, "n": 1234567890123456}),
                                            encoding="utf-8")
    found = privacy.scan_for_pii([tmp_path], {}, suffixes=None)
    assert [f.kind for f in found] == ["16-digit number"]
    assert "1234567890123456" not in found[0].snippet


def test_seal_restricted_makes_folders_owner_only_and_requires_the_notice(tmp_path):
    from analysis import config

    folder = tmp_path / "report" / "restricted"
    folder.mkdir(parents=True)
    pd.DataFrame({"nama": [NAME]}).to_parquet(folder / "identity.parquet")  # no notice yet
    (folder / "list.csv").write_text(config.RESTRICTED_NOTICE + "\nnama\n" + NAME + "\n", encoding="utf-8")
    files = privacy.seal_restricted(tmp_path / "report")
    assert sorted(f.name for f in files) == ["identity.parquet", "list.csv"]
    assert (folder.stat().st_mode & 0o777) == 0o700
    assert all((f.stat().st_mode & 0o777) == 0o600 for f in files)
    assert privacy.has_notice(folder / "identity.parquet")  # added to the Parquet metadata
    assert pd.read_parquet(folder / "identity.parquet")["nama"].tolist() == [NAME]
    (folder / "plain.txt").write_text("nama\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="plain.txt"):
        privacy.seal_restricted(tmp_path / "report")


def test_many_identity_values_are_matched_fast_and_exactly(tmp_path):
    """The word-index matcher gives what the whole-word regular expression rule gives."""
    import re
    import time

    names = [f"nama{i} orang{i % 97}" for i in range(20_000)] + ["Siti Rahmawati", "(Ani)", "Jl. A."]
    page = tmp_path / "p.html"
    page.write_text("<p>nama17 orang17 hadir; xnama18 orang18; nama19 orang19x; siti  rahmawati; (ani); "
                    "jl. a.</p>", encoding="utf-8")
    start = time.perf_counter()
    found = privacy.scan_for_pii([page], {"name": names}, public_phrases=[])
    assert time.perf_counter() - start < 10
    text = privacy.normalise_text(privacy._html_texts(page.read_text())[0])
    expected = {v for v in map(privacy.normalise_text, names)
                if re.search(r"(?<!\w)" + re.escape(v) + r"(?!\w)", text)}
    assert expected == {"nama17 orang17", "siti rahmawati", "(ani)", "jl. a."}
    assert len(found) == len(expected)


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

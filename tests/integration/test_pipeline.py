"""The whole pipeline on a small generated sample, run once: outputs exist, are usable, consistent and private."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from analysis import pipeline
from analysis.briefs import narrative
from analysis.briefs import pii_scan as privacy
from analysis.estimates.table import area_names

pytestmark = pytest.mark.integration


def test_every_expected_output_exists(pipeline_run):
    report = pipeline_run["report"]
    slugs = list(pipeline.kecamatan_list()["slug"]) + ["kota-bontang"]
    for slug in slugs:
        for ext in ("html", "pdf"):
            path = report / f"{slug}.{ext}"
            assert path.exists() and path.stat().st_size > 1000, path
        assert (report / "executed" / f"{slug}.ipynb").exists()
    assert (report / "executed" / "01_clean.ipynb").exists()
    assert (report / "executed" / "02_estimate.ipynb").exists()
    assert (report / "estimates.parquet").exists()


def test_pdfs_open_and_are_a4(pipeline_run):
    from pypdf import PdfReader

    for pdf in pipeline_run["report"].glob("*.pdf"):
        reader = PdfReader(pdf)
        assert len(reader.pages) >= 2, pdf.name
        for page in reader.pages:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1, (pdf.name, width, height)  # A4
        n = len(reader.pages)
        assert f"Halaman {n} dari {n}" in reader.pages[-1].extract_text()  # page numbers in the footer


def _latest_stunting(est: pd.DataFrame, code: str) -> pd.Series:
    st = est[(est["indicator"] == "stunting") & (est["area_code"] == code) & (est["breakdown"] == "total")]
    return st[st["data_period"] == st["data_period"].max()].iloc[0]


def test_pdf_headline_numbers_equal_the_estimates_table(pipeline_run):
    """The PDF (what is printed for the rakor) shows the table's stunting figure and CI."""
    from analysis.briefs.pii_scan import pdf_text

    est = pd.read_parquet(pipeline_run["report"] / "estimates.parquet")
    for row in [*pipeline.kecamatan_list().itertuples(), None]:
        slug, code = (row.slug, row.code) if row else ("kota-bontang", est.loc[est["area_level"] == "kota",
                                                                               "area_code"].iloc[0])
        text = re.sub(r"\s+", " ", pdf_text(pipeline_run["report"] / f"{slug}.pdf"))
        match = re.search(r"Prevalensi stunting \d[^.]*?\)", text)
        assert match, slug
        numbers = narrative.parse_numbers(match.group(0), "id")
        latest = _latest_stunting(est, code)
        expected = [round(100 * latest[c], 1) for c in ("estimate", "ci_low", "ci_high")]
        assert [numbers[0], numbers[-2], numbers[-1]] == pytest.approx(expected, abs=0.051), (slug, numbers)


def _sections(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", h).strip() for h in re.findall(r"<h2[^>]*>([^<]+)", html)]


def test_html_briefs_have_their_sections_and_every_image_has_alt_text(pipeline_run):
    report = pipeline_run["report"]
    core = ["Ringkasan", "Tren stunting", "Sejak rakor sebelumnya", "Kemiskinan", "Kualitas data",
            "Metode dan catatan"]
    for slug in [*pipeline.kecamatan_list()["slug"], "kota-bontang"]:
        html = (report / f"{slug}.html").read_text(encoding="utf-8")
        sections = _sections(html)
        assert [s for s in sections if s in core] == core, (slug, sections)  # all, in this order
        if slug != "kota-bontang":
            assert "Kelurahan" in sections
        images = re.findall(r"<img\b[^>]*>", html)
        assert images, slug
        for img in images:
            alt = re.search(r'\balt="([^"]*)"', img)
            assert alt and len(alt.group(1).split()) >= 5, (slug, img[:120])


def test_chart_alt_text_names_the_highest_kelurahan_of_the_table(pipeline_run):
    """The alt text of the kelurahan chart says what the table says (a screen reader's brief)."""
    est = pd.read_parquet(pipeline_run["report"] / "estimates.parquet")
    names = area_names()
    for row in pipeline.kecamatan_list().itertuples():
        html = (pipeline_run["report"] / f"{row.slug}.html").read_text(encoding="utf-8")
        alt = next(a for a in re.findall(r'alt="([^"]*)"', html) if a.startswith("Prevalensi stunting per kelurahan"))
        kel = est[(est["indicator"] == "stunting") & (est["area_level"] == "kelurahan") & (est["breakdown"] == "total")
                  & est["area_code"].str.startswith(row.code + ".")]
        kel = kel[kel["data_period"] == kel["data_period"].max()].dropna(subset=["estimate"])
        top = kel.loc[kel["estimate"].idxmax()]
        shown = re.search(r"Tertinggi (.+?) (\d+,\d)%", alt)
        assert shown, alt
        assert shown.group(1) == names[top["area_code"]], (row.slug, alt)
        assert float(shown.group(2).replace(",", ".")) == pytest.approx(round(100 * top["estimate"], 1), abs=0.051)


def test_manifest_records_inputs_parameters_versions_and_timings(pipeline_run):
    manifest = json.loads((pipeline_run["report"] / "manifest.json").read_text())
    assert manifest["period"] == pipeline_run["report"].name
    assert manifest["inputs"] and all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["parameters"]["raw_dir"] == str(pipeline_run["raw"].resolve())
    assert manifest["packages"]["pandas"] != "not installed"
    assert "clean_s" in manifest["timings_s"]
    restricted = [o for o in manifest["outputs"] if o["restricted"]]
    assert all("sha256" not in o for o in restricted)
    # the run scanned every output outside restricted/ (the manifest itself included) and found nothing
    scan = manifest["privacy_scan"]
    published = [p for p in pipeline_run["report"].rglob("*") if p.is_file() and "restricted" not in p.parts]
    assert scan["findings"] == 0 and scan["files"] == len(published) and scan["identity_values"] > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", scan["scanned_at"])
    assert len(manifest["pseudonym_key_id"]) == 64


def test_rows_in_equal_rows_kept_plus_rejected(pipeline_run):
    intake = pd.read_parquet(pipeline_run["processed"] / "intake.parquet")
    assert (intake["rows_in"] == intake["rows_kept"] + intake["rows_rejected"]).all()
    rejects = pd.read_parquet(pipeline_run["processed"] / "rejects.parquet")
    per_file = rejects.drop_duplicates(["file", "row"]).groupby("file").size()
    for row in intake.itertuples():
        assert per_file.get(row.file, 0) == row.rows_rejected, row.file


def test_briefs_show_stunting_with_ci_for_every_kelurahan(pipeline_run):
    est = pd.read_parquet(pipeline_run["report"] / "estimates.parquet")
    period = pipeline_run["report"].name
    kel = est[(est["indicator"] == "stunting") & (est["area_level"] == "kelurahan")
              & (est["breakdown"] == "total")]
    latest = kel[kel["data_period"] == kel["data_period"].max()]
    assert latest["area_code"].nunique() == 15
    # a rate that would give away 1-4 children is hidden (the small-count rule): no value published
    shown = latest[~latest["suppressed"]]
    assert (shown["ci_low"] <= shown["estimate"]).all() and (shown["estimate"] <= shown["ci_high"]).all()
    assert latest.loc[latest["suppressed"], "estimate"].isna().all()
    assert set(est["period"]) == {period}


def test_report_table_is_the_published_copy_solved_again(pipeline_run):
    # the report takes the copy the estimate stage wrote from its own plan: the same as solving
    # the small-count rule again on the processed table
    from analysis.estimates.store import published_estimates

    report = pd.read_parquet(pipeline_run["report"] / "estimates.parquet")
    again = published_estimates(pd.read_parquet(pipeline_run["processed"] / "estimates.parquet"))
    pd.testing.assert_frame_equal(report, again)


def test_failed_brief_run_keeps_the_good_report(pipeline_run, cli):
    """A run that fails keeps the good report and leaves the failed staging folder for inspection."""
    reports = pipeline_run["reports"]
    good = pipeline_run["report"]
    before = (good / "manifest.json").read_text()
    proc = cli("brief", "--processed", str(pipeline_run["processed"]), "--out", str(reports),
                 "--kecamatan", "64.74.99", check=False, env=pipeline_run["env"])
    assert proc.returncode == 2 and "64.74.99" in proc.stderr and "Traceback" not in proc.stderr
    assert (good / "manifest.json").read_text() == before


def test_city_brief_opens_with_the_countdown_of_the_rakor_date(pipeline_run):
    # 20 February 2025 (inauguration) → 9 April 2025: 8 + 31 + 9 = 48 days; day 100 is 31 May: 52 left
    manifest = json.loads((pipeline_run["report"] / "manifest.json").read_text())
    assert manifest["parameters"]["rakor_date"] == "2025-04-09"
    html = (pipeline_run["report"] / "kota-bontang.html").read_text(encoding="utf-8")
    first = html.index("100 hari: nol kemiskinan ekstrem")
    assert first < html.index("Ringkasan")  # the first section
    assert "Hari ke-48 dari 100" in html and "sisa 52 hari sampai 31 Mei 2025" in html
    est = pd.read_parquet(pipeline_run["report"] / "estimates.parquet")
    # the burn-down (its title is in the image's alt text) whenever a point of it may be published;
    # in this small sample the families cleared are few, so their points are hidden
    shown = est[(est["indicator"] == "extreme_families_burndown") & ~est["suppressed"].astype(bool)]
    assert ("Sisa keluarga miskin ekstrem menuju nol" in html) == (len(shown) > 0)
    remaining = est[(est["indicator"] == "extreme_families_remaining") & ~est["suppressed"].astype(bool)]
    assert len(remaining) == 4  # one sentence per focus kelurahan, with its pace or "hidden"
    assert html.count("keluarga per minggu") + html.count("angka disembunyikan") >= 4
    for code in remaining["area_code"]:  # each kelurahan's pace needed, as the table gives it
        need = est[(est["indicator"] == "required_pace_per_week") & (est["area_code"] == code)].iloc[0]
        assert f"perlu {need['estimate']:.1f}".replace(".", ",") + " keluarga per minggu" in html
    days = est[est["indicator"].isin(["programme_days_elapsed", "programme_days_remaining"])]
    assert sorted(days["estimate"]) == [48, 52]
    assert "Kedisiplinan waktu data" in html


def test_brief_with_another_date_rebuilds_the_countdown(pipeline_run, cli, tmp_path):
    import shutil

    processed = tmp_path / "processed"
    shutil.copytree(pipeline_run["processed"], processed)
    proc = cli("brief", "--processed", str(processed), "--out", str(tmp_path / "reports"), "--date", "2025-05-01",
               "--kecamatan", "64.74.03", "--no-pdf", env=pipeline_run["env"])
    html = next((tmp_path / "reports").glob("*/kota-bontang.html")).read_text(encoding="utf-8")
    assert "Hari ke-70 dari 100" in html, proc.stderr[-2000:]  # 20 Feb → 1 May: 8 + 31 + 30 + 1
    bad = cli("brief", "--processed", str(processed), "--out", str(tmp_path / "reports"), "--date", "9/4/2025",
              check=False, env=pipeline_run["env"])
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr


def test_bad_period_is_a_clear_error(pipeline_run, cli):
    proc = cli("estimate", "--processed", str(pipeline_run["processed"]), "--period", "March",
                 check=False, env=pipeline_run["env"])
    assert proc.returncode == 2
    assert "YYYY-MM" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_raw_folder_is_a_clear_error(tmp_path, cli):
    proc = cli("clean", "--raw", str(tmp_path / "nope"), "--processed", str(tmp_path / "p"), check=False)
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr

def _text(path) -> str:
    html = path.read_text(encoding="utf-8")
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"data:[^\"')]+", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")


def test_each_kelurahan_appears_in_its_kecamatan_brief(pipeline_run):
    names = area_names()
    for row in pipeline.kecamatan_list().itertuples():
        text = _text(pipeline_run["report"] / f"{row.slug}.html")
        kelurahan = [n for c, n in names.items() if c.startswith(row.code + ".")]
        assert len(kelurahan) in (3, 6)
        for name in kelurahan:
            assert name in text, (row.slug, name)
        others = [n for c, n in names.items() if c.count(".") == 3 and not c.startswith(row.code + ".")]
        assert not [n for n in others if f" {n} " in text], row.slug


def test_headline_numbers_equal_the_estimates_table(pipeline_run):
    """Every number of the stunting headline is the table's figure, formatted (no recomputation)."""
    est = pd.read_parquet(pipeline_run["report"] / "estimates.parquet")
    for row in pipeline.kecamatan_list().itertuples():
        text = _text(pipeline_run["report"] / f"{row.slug}.html")
        match = re.search(r"Prevalensi stunting [^.]*?\)", text)
        assert match, row.slug
        numbers = narrative.parse_numbers(match.group(0), "id")  # estimate, 95 (of "IK 95%"), low, high
        st = est[(est["indicator"] == "stunting") & (est["area_code"] == row.code) & (est["breakdown"] == "total")]
        latest = st[st["data_period"] == st["data_period"].max()].iloc[0]
        expected = [round(100 * latest[c], 1) for c in ("estimate", "ci_low", "ci_high")]
        shown = [numbers[0], numbers[-2], numbers[-1]]
        assert shown == pytest.approx(expected, abs=0.051), (row.slug, numbers, expected)


def test_no_personal_data_outside_restricted(pipeline_run):
    identity = pd.read_parquet(pipeline_run["processed"] / "restricted" / "identity.parquet")
    values = identity[["nik", "no_kk", "nama", "alamat"]]
    report = pipeline_run["report"]
    findings = privacy.scan_for_pii([report], values)
    assert findings == [], [str(f) for f in findings[:5]]
    worklists = list((report / "restricted").glob("*.xlsx"))
    assert worklists, "the by-name worklists are written under restricted/"
    # restricted/ is owner-only and every file there says that it holds personal data
    from analysis import config

    for folder in (report / "restricted", pipeline_run["processed"] / "restricted"):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
        for f in folder.rglob("*"):
            assert (f.stat().st_mode & 0o077) == 0, f
            if f.is_file():
                assert privacy.has_notice(f), f
    first = pd.read_excel(worklists[0], header=None, nrows=1, dtype=str, engine="openpyxl")
    assert first.iloc[0, 0] == config.RESTRICTED_NOTICE
    sheet = pd.read_excel(worklists[0], header=1, dtype=str, engine="openpyxl")  # the reader's side: row 2 is the header
    assert {"nama", "nik", "no_kk", "yang_perlu_diverifikasi"} <= set(sheet.columns) and len(sheet)


def test_no_personal_data_in_what_the_run_printed(pipeline_run, tmp_path):
    identity = pd.read_parquet(pipeline_run["processed"] / "restricted" / "identity.parquet",
                               columns=["nik", "no_kk", "nama", "alamat"])
    log = tmp_path / "stderr.txt"
    log.write_text(pipeline_run["stderr"], encoding="utf-8")
    assert privacy.scan_for_pii([log], identity) == []


def test_brief_notebooks_pass_nbval(pipeline_run, tmp_path):
    """The brief notebooks run cell by cell under nbval on the sample's estimates."""
    from papermill.iorw import load_notebook_node, write_ipynb
    from papermill.parameterize import parameterize_notebook

    from analysis import config

    period = pipeline_run["report"].name
    params = {"processed_dir": str(pipeline_run["processed"]), "period": period, "lang": "en",
              "synthetic": True}
    for name, extra in (("03_brief_kecamatan", {"kecamatan_code": "64.74.02"}), ("04_brief_kota", {})):
        nb = load_notebook_node(str(config.NOTEBOOKS_DIR / f"{name}.ipynb"))
        nb = parameterize_notebook(nb, {**params, **extra})
        write_ipynb(nb, str(tmp_path / f"{name}.ipynb"))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                           str(tmp_path)], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_verify_reproduces_every_figure(pipeline_run, cli):
    """A reviewer's re-run from the manifest gives an identical estimates table."""
    proc = cli("verify", str(pipeline_run["report"]), env=pipeline_run["env"])
    assert proc.returncode == 0
    assert re.search(r"\d+ figures compared; 0 differ", proc.stdout), proc.stdout[-2000:]


def test_history_keeps_one_figure_per_rakor_and_gives_the_change(pipeline_run, cli, tmp_path):
    """Two rakor periods in the history: the later one's change since the earlier.

    On a copy of the run's processed folder: re-estimating adds to its history, and other files'
    tests (on the same pytest worker, which shares the session's run) compare that folder's tables.
    """
    import shutil

    from analysis.estimates import history

    processed = tmp_path / "processed"
    shutil.copytree(pipeline_run["processed"], processed)
    cli("estimate", "--processed", str(processed), "--period", "2024-09", env=pipeline_run["env"])
    cli("estimate", "--processed", str(processed), env=pipeline_run["env"])
    hist = pd.read_parquet(processed / "history.parquet")
    assert {"2024-09", "2025-03"} <= set(hist["period"])
    ch = history.change_since_previous(hist, "2025-03", indicators=["stunting"])
    kota = ch[(ch["area_level"] == "kota") & (ch["breakdown"] == "total")].iloc[0]
    assert kota["data_period_previous"] == "2024-08" and kota["data_period_current"] == "2025-02"
    assert kota["change"] == pytest.approx(kota["estimate_current"] - kota["estimate_previous"])


def test_a_failing_notebook_exits_1_names_the_cell_and_keeps_the_good_report(pipeline_run, cli, tmp_path):
    import json
    import shutil

    from analysis import config

    processed = tmp_path / "processed"
    shutil.copytree(pipeline_run["processed"], processed)
    # A project whose kecamatan brief notebook breaks in a code cell (a bug, not the user's input:
    # a broken estimates table is the user's and stops earlier with exit 2).
    root = tmp_path / "project"
    shutil.copytree(config.CONFIG_DIR, root / "config")
    shutil.copytree(config.NOTEBOOKS_DIR, root / "notebooks")
    nb_path = root / "notebooks" / "03_brief_kecamatan.ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "broken", "metadata": {},
                        "outputs": [], "source": ["ctx.est['no such column']"]})
    nb_path.write_text(json.dumps(nb), encoding="utf-8")
    out = tmp_path / "reports"
    shutil.copytree(pipeline_run["report"], out / pipeline_run["report"].name)
    good = (out / pipeline_run["report"].name / "manifest.json").read_text()
    proc = cli("brief", "--processed", str(processed), "--out", str(out), "--kecamatan", "64.74.03",
               "--no-pdf", check=False, env={**pipeline_run["env"], "RAKOR_ROOT": str(root)})
    assert proc.returncode == 1, proc.stderr[-2000:]
    message = proc.stderr.strip().splitlines()[-1]
    assert re.search(r"notebook 0[34]_brief_\w+\.ipynb failed in cell \d+ with KeyError", message), message
    failed = out / f"{pipeline_run['report'].name}.failed"
    assert str(failed) in message and any((failed / "executed").glob("*.ipynb"))
    assert (out / pipeline_run["report"].name / "manifest.json").read_text() == good


def test_a_personal_data_finding_stops_publication(pipeline_run, cli, tmp_path):
    """`rakor brief` scans its own outputs: a finding exits 1, keeps `<period>.failed`, names the
    file and the kind, never the value, and leaves the published report as it was."""
    import shutil

    processed = tmp_path / "processed"
    shutil.copytree(pipeline_run["processed"], processed)
    identity = pd.read_parquet(processed / "restricted" / "identity.parquet")
    # a person whose name is words every brief prints (no real name would be, but a scan cannot know)
    planted = identity.iloc[:1].assign(nama="Metode dan catatan", nik=None, no_kk=None, alamat=None)
    pd.concat([identity, planted]).to_parquet(processed / "restricted" / "identity.parquet", index=False)
    period = pipeline_run["report"].name
    out = tmp_path / "reports"
    shutil.copytree(pipeline_run["report"], out / period)
    good = (out / period / "manifest.json").read_text()
    proc = cli("brief", "--processed", str(processed), "--out", str(out), "--kecamatan", "64.74.02",
               "--no-pdf", check=False, env=pipeline_run["env"])
    assert proc.returncode == 1, proc.stderr[-2000:]
    message = proc.stderr.strip().splitlines()[-1]
    assert "personal data found" in message and "not published" in message
    assert re.search(r"bontang-\w+\.html: name \(\d+\)", message), message
    assert "Metode dan catatan" not in proc.stderr and "Traceback" not in proc.stderr
    failed = out / f"{period}.failed"
    assert str(failed) in message
    scan = json.loads((failed / "manifest.json").read_text())["privacy_scan"]
    assert scan["findings"] >= 1 and any(f["file"].endswith(".html") for f in scan["found"])
    assert (out / period / "manifest.json").read_text() == good

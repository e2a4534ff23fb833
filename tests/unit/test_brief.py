"""Brief sections pick the right rows of the estimates table and format them (hand-made tables).

Every table here is small and written by hand; expected cells are typed out from the rows (e.g.
0.182 with CI 0.151–0.217 is "18,2 (15,1–21,7)"), never produced by the code under test.
"""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from analysis import config
from analysis.briefs import sections as brief
from analysis.briefs.sections import areas, comparison, context, overview

KOTA, KEC, KEC2 = "64.74", "64.74.01", "64.74.02"
KEL, KEL2 = "64.74.01.1001", "64.74.01.1002"
NAMES = pd.Series({KOTA: "Kota Bontang", KEC: "Bontang Selatan", KEC2: "Bontang Utara",
                   KEL: "Bontang Baru", KEL2: "Berbas Tengah"}, name="nama").rename_axis("kode")
LEVEL = {KOTA: "kota", KEC: "kecamatan", KEC2: "kecamatan", KEL: "kelurahan", KEL2: "kelurahan"}


def est_row(indicator: str, code: str, estimate: float, *, breakdown: str = "total", method: str = "direct:logit",
            data_period: str = "2025-02", period: str = "2025-03", unit: str = "proportion",
            ci: tuple[float, float] | None = None, suppressed: bool = False, note: str | None = None,
            reliability: str | None = "reliable", source: str = "eppgbm", p_value: float | None = None,
            n: float | None = 100.0) -> dict:
    """One row of the estimates table."""
    nan = float("nan")  # the table's numeric columns are floats (the schema checks dtypes)
    lo, hi = ci if ci is not None else (nan, nan)
    return {"period": period, "data_period": data_period, "area_level": LEVEL[code], "area_code": code,
            "area_name": NAMES[code], "indicator": indicator, "breakdown": breakdown,
            "n": nan if n is None else n, "n_weighted": nan if n is None else n, "estimate": estimate, "se": nan, "ci_low": lo, "ci_high": hi, "df": nan,
            "deff": 1.0, "p_value": nan if p_value is None else p_value, "method": method, "source": source, "unit": unit,
            "reliability": reliability, "suppressed": suppressed, "note": note}


def make_ctx(rows: list[dict], lang: str = "id", code: str | None = KEC, manifest: dict | None = None,
             settings: dict | None = None, focus: list[str] | None = None) -> brief.BriefContext:
    est = pd.DataFrame(rows)
    level, sub = ("kecamatan", "kelurahan") if code else ("kota", "kecamatan")
    return brief.BriefContext(est=est, period="2025-03", lang=lang, level=level, code=code or KOTA,
                              sub_level=sub, names=NAMES, focus=focus or [], region_code=KOTA,
                              manifest=manifest or {}, settings=settings or config.settings())


@pytest.fixture
def shown(monkeypatch):
    """Everything the sections display, as text (Markdown and HTML sources; alt text of images)."""
    out: list[str] = []

    def display(obj, *args, **kwargs):
        if isinstance(obj, dict):
            out.append(obj.get("text/plain", ""))
        else:
            out.append(getattr(obj, "data", str(obj)))

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(context, "display", display)
    monkeypatch.setattr(overview, "display", display)
    return out


# ------------------------------------------------------------------------------ area tables

def test_area_table_picks_area_breakdown_latest_period_and_method():
    rows = [
        est_row("stunting", KEL, 0.182, ci=(0.151, 0.217)),
        est_row("stunting", KEL, 0.300, ci=(0.2, 0.4), data_period="2024-08"),  # older weighing round
        est_row("stunting", KEL, 0.500, ci=(0.4, 0.6), breakdown="sex=1"),  # not the total
        est_row("stunting", KEC, 0.250, ci=(0.2, 0.3)),  # the kecamatan, not the kelurahan
        est_row("children_measured", KEL, 1234, unit="count", method="count"),
        est_row("stunting_count", KEL, 225, unit="count", method="count"),
        est_row("poverty_p0", KEL, 0.09, ci=(0.05, 0.13), method="direct:logit", source="susenas"),
        est_row("poverty_p0", KEL, 0.071, ci=(0.052, 0.096), method="fay-herriot:reml", source="susenas",
                reliability="caution"),
        est_row("extreme_poverty_p0", KEL, 0.012, ci=(0.004, 0.031), method="fay-herriot:reml",
                source="susenas", reliability="unreliable"),
        est_row("dtsen_desil1_families", KEL, 57, unit="count", method="count", source="dtsen"),
        est_row("stunting_change", KEL, -0.021, breakdown="since=2024-08", method="difference"),
    ]
    ctx = make_ctx(rows, focus=[KEL])
    table = areas.area_table(ctx, "kelurahan", NAMES[[KEL]])
    assert table.to_dict("records") == [{
        "Wilayah": "Bontang Baru ◆", "Jumlah diukur/sampel": "1.234", "Balita stunting": "225",
        "Stunting % (IK 95%)": "18,2 (15,1–21,7)", "Perubahan (poin)": "−2,1 poin",
        "Miskin % (IK 95%)": "7,1 (5,2–9,6) *", "Miskin ekstrem % (IK 95%)": "1,2 (0,4–3,1) †",
        "Keluarga desil 1": "57",
    }]
    # a kecamatan row takes the direct estimate, not a model one
    rows.append(est_row("poverty_p0", KEC, 0.08, ci=(0.06, 0.1), method="direct:logit"))
    rows.append(est_row("poverty_p0", KEC, 0.5, ci=(0.4, 0.6), method="fay-herriot:reml"))
    kec = areas.area_table(make_ctx(rows, lang="en"), "kecamatan", NAMES[[KEC]]).iloc[0]
    assert kec["Poor % (95% CI)"] == "8.0 (6.0–10.0)"
    assert kec["Stunting % (95% CI)"] == "25.0 (20.0–30.0)"
    assert kec["Stunted children"] == "–" and kec["Change (points)"] == "–"


def test_area_table_hides_small_counts_and_their_rate():
    rows = [
        est_row("stunting", KEL, 0.04, ci=(0.01, 0.1)),
        est_row("stunting_count", KEL, 3, unit="count", method="count", suppressed=True, note="<5"),
        est_row("children_measured", KEL, 75, unit="count", method="count"),
        est_row("stunting", KEL2, 0.1, ci=(0.05, 0.2)),
        # complementary suppression: a larger count hidden so the small one cannot be derived
        est_row("stunting_count", KEL2, 12, unit="count", method="count", suppressed=True, note="*"),
    ]
    for lang in ("id", "en"):
        table = areas.area_table(make_ctx(rows, lang=lang), "kelurahan", NAMES[[KEL, KEL2]])
        stunted, rate = table.columns[2], table.columns[3]
        assert table[stunted].tolist() == ["<5", "*"]
        assert table[rate].tolist() == ["<5", "<5"]  # the rate would give the hidden count away
        assert table.iloc[0, 1] == "75"


def test_kelurahan_ranking_orders_by_prevalence(shown):
    rows = [est_row("stunting", KEL, 0.10, ci=(0.05, 0.15)), est_row("stunting", KEL2, 0.20, ci=(0.15, 0.25))]
    brief.kelurahan_ranking(make_ctx(rows, lang="en", code=None))
    html = shown[-1]
    assert shown[0] == "## All kelurahan, ranked by stunting prevalence"
    assert html.index("Berbas Tengah") < html.index("Bontang Baru")
    assert "<th>Rank</th>" in html


# ------------------------------------------------------------------ since the previous rakor

def since_rows(code: str = KEC, previous: str = "2025-02") -> list[dict]:
    b = f"rakor={previous}"
    return [
        est_row("stunting", code, 0.169, ci=(0.14, 0.2)),
        est_row("stunting_previous", code, 0.182, ci=(0.15, 0.21), breakdown=b, data_period="2024-08"),
        est_row("stunting_since_previous", code, -0.013, breakdown=b, method="difference:history"),
        est_row("stunting_count", code, 1290, unit="count", method="count"),
        est_row("stunting_count_previous", code, 1305, unit="count", method="count", breakdown=b),
        est_row("stunting_count_since_previous", code, -15, unit="count", method="difference:history",
                breakdown=b),
        est_row("dtsen_desil1_families", code, 4, unit="count", method="count", suppressed=True, note="<5"),
        est_row("dtsen_desil1_families_previous", code, 7, unit="count", method="count", breakdown=b),
        est_row("dtsen_desil1_families_since_previous", code, None, unit="count", method="difference:history",
                breakdown=b, suppressed=True),
    ]


def test_since_previous_reads_previous_and_difference_rows():
    other = [dict(r, estimate=0.9) for r in since_rows(KEC2)]  # another kecamatan: never shown
    ctx = make_ctx(since_rows() + other)
    assert comparison.previous_rakor(ctx) == "2025-02"
    table = comparison.since_previous_table(ctx, "2025-02")
    assert list(table.columns) == ["Indikator", "Februari 2025", "Maret 2025", "Perubahan (poin)"]
    assert table.values.tolist() == [
        ["Stunting", "18,2%", "16,9%", "−1,3 poin"],
        ["Balita stunting", "1.305", "1.290", "−15"],
        ["Keluarga desil 1 DTSEN", "7", "<5", "–"],  # one side hidden: no change shown
    ]
    en = comparison.since_previous_table(make_ctx(since_rows(), lang="en"), "2025-02")
    assert list(en.columns) == ["Indicator", "February 2025", "March 2025", "Change (points)"]
    assert en.values.tolist()[0] == ["Stunting", "18.2%", "16.9%", "−1.3 points"]


def test_since_previous_ignores_rows_of_another_rakor_breakdown():
    # an older rakor's rows come first: the table must still take those of rakor=2025-02
    older = [dict(r, breakdown="rakor=2024-11", estimate=0.5) for r in since_rows(previous="2024-11")
             if r["breakdown"].startswith("rakor=")]
    rows = older + since_rows()
    rows.append(est_row("poverty_p0", KEC, 0.08, ci=(0.06, 0.1), source="susenas"))
    # a previous row without its difference row is not shown
    rows.append(est_row("poverty_p0_previous", KEC, 0.09, breakdown="rakor=2025-02", source="susenas"))
    table = comparison.since_previous_table(make_ctx(rows), "2025-02")
    assert "Kemiskinan" not in table["Indikator"].tolist()
    assert since_previous_rakor_is(rows) == "2025-02"
    assert table.values.tolist()[0] == ["Stunting", "18,2%", "16,9%", "−1,3 poin"]


def since_previous_rakor_is(rows: list[dict]) -> str | None:
    return comparison.previous_rakor(make_ctx(rows))


@pytest.mark.parametrize(("lang", "sentence"), [
    ("id", "Belum ada rakor sebelumnya dalam riwayat; perubahan akan tampil mulai rakor berikutnya."),
    ("en", "No earlier rakor in the history yet; changes will show from the next rakor on."),
])
def test_since_previous_without_rows_says_no_earlier_rakor(shown, lang, sentence):
    brief.since_previous(make_ctx([est_row("stunting", KEC, 0.169, ci=(0.14, 0.2))], lang=lang))
    assert shown[1:] == [sentence]


def test_since_previous_shows_table(shown):
    brief.since_previous(make_ctx(since_rows(), lang="en"))
    assert shown[0] == "## Since the previous rakor"
    assert "<th class=num>February 2025</th>" in shown[1]
    assert "Figures of this and the previous rakor (history)" in shown[1]


# ------------------------------------------------------------------------ other sections

def test_headlines_pick_the_area_and_speak_the_language(shown):
    rows = [est_row("stunting", KEC, 0.182, ci=(0.151, 0.217)),
            est_row("stunting", KEC2, 0.5, ci=(0.4, 0.6)),
            est_row("plausibility_score", KEC, 12, unit="score", method="smart", breakdown="total", note="baik")]
    brief.headlines(make_ctx(rows))
    assert shown == ["## Ringkasan",
                     "- Prevalensi stunting 18,2% (IK 95%: 15,1–21,7).\n"
                     "- Skor plausibilitas data antropometri 12 (baik)."]
    shown.clear()
    brief.headlines(make_ctx(rows, lang="en"))
    assert shown[1] == ("- Stunting prevalence 18.2% (95% CI: 15.1–21.7).\n"
                        "- Anthropometric plausibility score 12 (good).")


def test_reconciliation_reads_the_conflict_count_of_the_area(shown):
    rows = [est_row("recon_dtsen_desil1", KEL, 40, unit="count", method="count", source="dtsen"),
            est_row("recon_dtsen_desil1", KEL2, 2, unit="count", method="count", source="dtsen",
                    suppressed=True, note="<5"),
            est_row("recon_dtsen_desil1", KEC, 42, unit="count", method="count", source="dtsen"),
            est_row("recon_conflicts", KEC, 7, unit="count", method="count",
                    breakdown="kind=pencocokan_perlu_ditinjau"),
            est_row("recon_conflicts", KEC2, 99, unit="count", method="count",
                    breakdown="kind=pencocokan_perlu_ditinjau")]
    brief.reconciliation(make_ctx(rows, lang="en"))
    assert "<td class=\"num\">40</td><td class=\"num\">&lt;5</td><td class=\"num\">42</td>" in shown[1]
    assert shown[2] == "7 matches between lists need review (name score below threshold)."


def test_data_quality_labels_checks_and_ratings(shown):
    rows = [est_row("quality_check", KEC, 0.87, breakdown="check=sd_haz", method="smart", note="wajar",
                    unit="sd", p_value=None),
            est_row("quality_check", KEC, 1.04, breakdown="check=sex_ratio", method="smart",
                    note="perlu diperiksa", p_value=0.0123)]
    brief.data_quality(make_ctx(rows, lang="en"))
    html = shown[1]
    # in the order of labels.QUALITY_CHECKS, not of the table
    assert html.index("SD of HAZ") < html.index("SMART: sex ratio")
    assert "<td class=\"text\">SMART: sex ratio</td><td class=\"num\">1.04</td><td class=\"num\">0.012</td>" \
           "<td class=\"text\">warning</td>" in html


def test_footer_reads_the_manifest(shown):
    manifest = {"code_version": "abc123", "inputs": [
        {"source": "eppgbm", "file": "eppgbm/a<b>.csv", "sha256": "0123456789abcdef" * 4, "rows_in": 12345}]}
    brief.footer(make_ctx([], manifest=manifest))
    assert "<code>eppgbm/a&lt;b&gt;.csv</code> sha256 0123456789ab… (12.345 baris)" in shown[0]
    assert "Versi kode: <code>abc123</code>" in shown[0]
    assert "rakor verify reports/2025-03" in shown[0]


def test_policy_numbers_come_from_settings(shown):
    settings = copy.deepcopy(config.settings())
    settings["privacy"]["min_cell"] = 10
    settings["estimation"]["reliability"] = {"reliable_max_rse": 20, "caution_max_rse": 40}
    settings["estimation"]["ci_method_rare"] = "clopper-pearson"
    ctx = make_ctx([est_row("poverty_p0", KEC, 0.08, ci=(0.06, 0.1), source="susenas")], lang="en",
                   settings=settings)
    from analysis.briefs import labels

    real = labels.policy
    pol = real(settings)
    assert pol["min_cell"] == 10 and pol["small_range"] == "1–9"
    assert pol["ci_method_rare_name"] == "Clopper-Pearson"
    # sentences read the configuration through labels.policy()
    import unittest.mock

    with unittest.mock.patch.object(labels, "policy", lambda s=None: real(settings)):
        note = ctx.table_note()
        brief.poverty_section(ctx)
        brief.methods(ctx)
        assert ctx.hidden() == "<10"
    assert "(RSE 20–40%)" in note and "RSE > 40%" in note
    assert "<10: counts of 1–9 hidden" in note
    assert "extreme poverty with Clopper-Pearson CIs." in shown[1]
    assert "RSE ≤ 20% reliable, ≤ 40% use with caution" in shown[-1]
    assert 'Small cells (1–9 persons/families) are shown as "<10"' in shown[-1]


# ------------------------------------------------------------------------ context and rules

def test_load_estimates_and_manifest(tmp_path):
    pd.DataFrame([est_row("stunting", KEC, 0.2)]).to_parquet(tmp_path / "estimates.parquet")
    assert brief.load_estimates(tmp_path)["estimate"].tolist() == [0.2]
    assert brief.load_manifest(None) == {} and brief.load_manifest(tmp_path / "none.json") == {}
    (tmp_path / "manifest.json").write_text(json.dumps({"code_version": "x"}))
    assert brief.load_manifest(tmp_path / "manifest.json") == {"code_version": "x"}


def test_make_context_selects_the_period_and_rejects_unknown_areas(tmp_path):
    pd.DataFrame([est_row("stunting", KEC, 0.2), est_row("stunting", KEC, 0.3, period="2024-12")]
                 ).to_parquet(tmp_path / "estimates.parquet")
    ctx = brief.make_context(tmp_path, "2025-03", lang="en", area_code=KEC)
    assert ctx.est["estimate"].tolist() == [0.2] and ctx.level == "kecamatan" and ctx.sub_level == "kelurahan"
    city = brief.make_context(tmp_path, "2025-03")
    assert (city.level, city.code) == ("kota", config.settings()["region"]["code"])
    with pytest.raises(ValueError, match="unknown kecamatan code 99.99"):
        brief.make_context(tmp_path, "2025-03", area_code="99.99")


SECTIONS_DIR = Path(brief.__file__).parent


@pytest.mark.parametrize("path", sorted(SECTIONS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_sections_compute_nothing_and_do_not_import_the_pipeline(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m and m.startswith("analysis.pipeline") for m in imported)
    calls = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert not calls & {"sum", "mean", "diff", "agg", "apply", "to_parquet", "to_csv"}
    # no reading besides the estimates table (context.load_estimates) and the manifest
    reads = calls & {"read_parquet", "read_csv", "read_excel", "read_text"}
    assert path.name == "context.py" or not reads


def test_posyandu_ranked_by_participation_lowest_first(shown):
    from analysis.briefs.sections.growth import posyandu_participation

    rows = [
        est_row("skdn_d_s", KEL, 0.82, ci=(0.75, 0.87), breakdown="posyandu=Mawar 1", method="count:wilson"),
        est_row("skdn_d_s", KEL2, 0.55, ci=(0.45, 0.65), breakdown="posyandu=Melati 2", method="count:wilson"),
        est_row("skdn_d_s", KEL2, 0.61, breakdown="posyandu=Anggrek 3", method="count:wilson",
                suppressed=True, note="<5"),
        est_row("skdn_d_s", KEL, 0.70, ci=(0.6, 0.8), method="count:wilson"),  # the kelurahan total: not listed
    ]
    posyandu_participation(make_ctx(rows))
    html = "".join(shown)
    assert html.index("Melati 2") < html.index("Mawar 1") < html.index("Anggrek 3")  # hidden last
    assert "55,0 (45,0–65,0)" in html and "82,0 (75,0–87,0)" in html
    assert "3 dari 3 posyandu" in html


def test_age_profile_with_every_age_group_hidden_says_not_available(shown):
    from analysis.briefs.sections.growth import age_profile

    rows = [est_row("stunting", KEC, 0.2, breakdown=f"age={a}", suppressed=True, note="<5")
            for a in ("0-5", "6-11")]
    rows += [est_row("stunting", KOTA, 0.2, breakdown="age=0-5", suppressed=True, note="*")]
    age_profile(make_ctx(rows))
    assert "data tidak tersedia" in "".join(shown)


# ------------------------------------------------------------- selections (grouped once per brief)

def _plain_rows(est: pd.DataFrame, indicator, level=None, codes=None, breakdown="total", method=None,
                data_period="latest") -> pd.DataFrame:
    """The selection of BriefContext.rows written as one boolean filter after another (the reference)."""
    df = est[est["indicator"] == indicator]
    if level is not None:
        df = df[df["area_level"] == level]
    if codes is not None:
        df = df[df["area_code"].isin([codes] if isinstance(codes, str) else list(codes))]
    if breakdown is not None:
        df = df[df["breakdown"] == breakdown]
    if method is not None:
        df = df[df["method"].str.startswith(method)]
    if data_period == "latest" and len(df):
        df = df[df["data_period"] == df["data_period"].max()]
    elif data_period not in (None, "latest"):
        df = df[df["data_period"] == data_period]
    return df


def test_rows_and_row_select_as_a_plain_filter_does():
    rows = [est_row("stunting", KEL, 0.21), est_row("stunting", KEL, 0.25, data_period="2024-08"),
            est_row("stunting", KEL2, 0.18, method="fay-herriot"), est_row("stunting", KEL, 0.3, breakdown="sex:L"),
            est_row("stunting", KEC, 0.2), est_row("wasting", KEL, 0.05),
            est_row("stunting", KEL2, 0.19, data_period="2024-08"),
            est_row("extreme_poor_families", KEL, 12.0, method="count:register", unit="count"),
            est_row("extreme_poor_families", KEL, 14.0, method="count:register", unit="count", data_period=None)]
    ctx = make_ctx(rows)
    # by hand: the kelurahan's latest total stunting row is 0.21 (2025-02, not 2024-08)
    assert ctx.row("stunting", "kelurahan", KEL)["estimate"] == 0.21
    assert ctx.rows("stunting", "kelurahan", [KEL2, KEL])["estimate"].tolist() == [0.21, 0.18]
    assert ctx.rows("stunting", "kelurahan", KEL2, method="direct")["estimate"].tolist() == [0.19]
    assert ctx.row("stunting", "kelurahan", "64.74.01.9999") is None
    calls = [dict(level=lv, codes=c, **kw)
             for lv in (None, "kelurahan", "kecamatan")
             for c in (None, KEL, KEL2, [KEL2, KEL, KEL], [], ["none"])
             for kw in ({}, {"breakdown": None}, {"breakdown": "sex:L"}, {"method": "direct"},
                        {"method": "count"}, {"data_period": None}, {"data_period": "2024-08"})]
    for indicator in ("stunting", "wasting", "extreme_poor_families", "absent"):
        for call in calls:
            expected = _plain_rows(ctx.est, indicator, **call)
            pd.testing.assert_frame_equal(ctx.rows(indicator, **call), expected)
            if isinstance(call["codes"], str) and call["level"]:
                kw = {k: v for k, v in call.items() if k not in ("level", "codes")}
                got = ctx.row(indicator, call["level"], call["codes"], **kw)
                if expected.empty:
                    assert got is None
                else:
                    pd.testing.assert_series_equal(got, expected.iloc[0])
    # a table set after the first selection is the one selected from
    ctx.est = pd.DataFrame([est_row("wasting", KEL, 0.1), est_row("stunting", KEL, 0.4)])
    assert ctx.row("stunting", "kelurahan", KEL)["estimate"] == 0.4


def test_load_estimates_keeps_the_table_until_the_file_changes(tmp_path):
    path = tmp_path / "estimates.parquet"
    pd.DataFrame([est_row("stunting", KEC, 0.2)]).to_parquet(path)
    first = brief.load_estimates(tmp_path)
    first.loc[0, "estimate"] = 0.9  # a caller changing its copy changes nothing for the next
    assert brief.load_estimates(tmp_path)["estimate"].tolist() == [0.2]
    pd.DataFrame([est_row("stunting", KEC, 0.2), est_row("stunting", KEC2, 0.3)]).to_parquet(path)
    assert brief.load_estimates(tmp_path)["estimate"].tolist() == [0.2, 0.3]
    path.unlink()
    with pytest.raises(Exception, match="no estimates table"):
        brief.load_estimates(tmp_path)


def test_sources_name_the_latest_data_period_of_each_source_of_the_table():
    ctx = make_ctx([est_row("stunting", KEL, 0.2, data_period="2024-08"), est_row("stunting", KEC, 0.2),
                    est_row("poverty", KEC, 0.1, source="susenas", data_period="2024-03"),
                    est_row("poverty", KEL, 0.1, source="susenas", data_period=None)])
    assert ctx.sources() == {"e-PPGBM": "2025-02", "Susenas": "2024-03"}
    assert ctx.sources() == {"e-PPGBM": "2025-02", "Susenas": "2024-03"}  # the second call alike
    ctx.est = pd.DataFrame([est_row("stunting", KEC, 0.2, data_period="2025-01")])
    assert ctx.sources() == {"e-PPGBM": "2025-01"}

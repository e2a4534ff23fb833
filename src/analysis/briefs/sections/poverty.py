"""Poverty: direct survey estimates, small-area estimates by kelurahan, the focus kelurahan's zero
target, and the Fay-Herriot diagnostics annex."""

from __future__ import annotations

import pandas as pd

from analysis.briefs import labels, narrative
from analysis.briefs.sections.context import BriefContext, heading, md, table, upper_first
from analysis.briefs.side_by_side import show_side_by_side
from analysis.estimation.poverty_lines import line_sentence, resolve_line
from analysis.intake.gazetteer import level_of

POVERTY_INDICATORS = ("poverty_p0", "poverty_p1", "poverty_p2", "extreme_poverty_p0")
SAE_INDICATORS = ("poverty_p0", "extreme_poverty_p0")


def poverty_section(ctx: BriefContext) -> None:
    """FGT indices (P0, P1, P2) and extreme poverty of the area (and of the city), direct estimates.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    heading(ctx, "h_poverty")
    h = ctx.header
    rows = []
    for code in [ctx.code] + ([ctx.region_code] if ctx.level != "kota" else []):
        level = "kota" if code == ctx.region_code else ctx.level
        for ind in POVERTY_INDICATORS:
            r = ctx.row(ind, level, code, method="direct")
            if r is None:
                continue
            rows.append({h("area_name"): ctx.names[code], h("indicator"): ctx.label(ind),
                         h("estimate"): ctx.pct_ci(r), h("n"): narrative.fmt_int(r["n"], ctx.lang),
                         h("deff"): narrative.fmt_number(r["deff"], 2, ctx.lang),
                         h("reliability"): narrative.reliability_label(r["reliability"], ctx.lang)})
    if not rows:
        md(ctx.t("not_available"))
        return
    table(pd.DataFrame(rows), caption=ctx.source_note("susenas"), note=ctx.t("poverty_note", lines=_lines(ctx)))


def _line_area(ctx: BriefContext) -> str:
    """The area whose line the brief's survey figures use: the region's, or in a province the
    brief's kab/kota's (each household is measured against its own kab/kota's line)."""
    if level_of(ctx.region_code) == "province" and ctx.level != "kota":
        return ctx.code[:5]
    return ctx.region_code


def _lines(ctx: BriefContext) -> str:
    """The poverty lines the survey figures used: "Garis kemiskinan Kota Bontang 2024, Rp801.945 — …"."""
    survey = ctx.row("poverty_p0", "kota", ctx.region_code, method="direct")
    when = survey["data_period"] if survey is not None else ctx.period
    return upper_first("; ".join(line_sentence(resolve_line(kind, _line_area(ctx), when), ctx.lang)
                                 for kind in ("poverty", "extreme")))


def side_by_side(ctx: BriefContext) -> None:
    """The "Menyandingkan data" section: official, survey and register figures side by side.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    survey = ctx.row("poverty_p0", "kota", ctx.region_code, method="direct")
    line = None if survey is None else resolve_line("poverty", _line_area(ctx), survey["data_period"])
    show_side_by_side(ctx.est, ctx.code, ctx.lang, poverty_line=line)


def small_area(ctx: BriefContext) -> None:
    """Direct and Fay-Herriot poverty estimates of every kelurahan.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    heading(ctx, "h_small_area")
    h = ctx.header
    rows = []
    for code, name in ctx.names.items():
        if code.count(".") != 3:  # kelurahan codes: 64.74.01.1001
            continue
        fh = ctx.row("poverty_p0", "kelurahan", code, method="fay-herriot")
        direct = ctx.row("poverty_p0", "kelurahan", code, method="direct")
        efh = ctx.row("extreme_poverty_p0", "kelurahan", code, method="fay-herriot")
        if fh is None and direct is None:
            continue
        rows.append({h("area_name"): name + (" ◆" if code in ctx.focus else ""),
                     h("direct"): ctx.pct_ci(direct), h("fay_herriot"): ctx.pct_ci(fh),
                     h("extreme_fh"): ctx.pct_ci(efh)})
    if not rows:
        md(ctx.t("not_available"))
        return
    table(pd.DataFrame(rows), caption=ctx.source_note("susenas", "dtsen", "eppgbm"), note=ctx.table_note())


def focus_tracker(ctx: BriefContext) -> None:
    """The focus kelurahan's families in extreme poverty, verified and not, and their status.

    Parameters
    ----------
    ctx
        The brief's context (nothing shown without focus kelurahan in the area).
    """
    if not ctx.focus:
        return
    heading(ctx, "h_focus")
    h = ctx.header
    rows = []
    for code in ctx.focus:
        est = ctx.row("extreme_poverty_p0", "kelurahan", code, method="fay-herriot")
        rows.append({
            h("kelurahan"): ctx.names[code],
            h("verified_extreme"): ctx.count(ctx.row("extreme_families_verified", "kelurahan", code)),
            h("not_verified"): ctx.count(ctx.row("extreme_families_unverified", "kelurahan", code)),
            h("desil1_dtsen"): ctx.count(ctx.row("dtsen_desil1_families", "kelurahan", code)),
            h("extreme_ci_high"): "–" if est is None else narrative.fmt_pct(est["ci_high"], ctx.lang),
            h("status"): ctx.note(ctx.row("zero_target_status", "kelurahan", code)),
        })
    table(pd.DataFrame(rows), caption=ctx.source_note("pendataan_rt", "dtsen", "susenas"),
          note=ctx.t("focus_note"))


def sae_annex(ctx: BriefContext) -> None:
    """Fay-Herriot diagnostics per indicator: model variance, normality tests, shrinkage, residuals, CVs.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    heading(ctx, "h_sae_annex", level=2)
    d = ctx.est[ctx.est["indicator"].str.startswith("sae_")]
    if d.empty:
        md(ctx.t("not_available"))
        return
    fmt = narrative.fmt_number
    for indicator in SAE_INDICATORS:
        part = d[d["breakdown"] == f"indicator={indicator}"]
        if part.empty:
            continue
        md("### " + upper_first(ctx.label(indicator)))
        kota = part[part["area_level"] == "kota"].set_index("indicator")["estimate"]
        md(ctx.t("sae_model", method=part["method"].iloc[0].removeprefix("fay-herriot:"),
                 sigma2_u=fmt(kota.get("sae_sigma2_u"), 5, ctx.lang),
                 p_residuals=fmt(kota.get("sae_shapiro_residuals_p"), 3, ctx.lang),
                 p_effects=fmt(kota.get("sae_shapiro_random_effects_p"), 3, ctx.lang)))
        kel = part[part["area_level"] == "kelurahan"].pivot_table(
            index="area_name", columns="indicator", values="estimate", aggfunc="first")
        out = pd.DataFrame({ctx.header("kelurahan"): kel.index})
        for col, pair in labels.SAE_COLUMNS.items():
            if col in kel:
                decimals = 1 if col.startswith("sae_cv") else 2
                out[labels.pick(pair, ctx.lang)] = [fmt(v, decimals, ctx.lang) for v in kel[col].to_numpy()]
        table(out, caption=ctx.source_note("susenas"), note=ctx.t("sae_note"))

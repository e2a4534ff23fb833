"""Across the lists: reconciliation of DTSEN and the RT listing, convergence with stunting, and
programme targeting."""

from __future__ import annotations

import pandas as pd

from analysis.briefs import labels, narrative, plots
from analysis.briefs.sections.context import BriefContext, heading, md, table, upper_first

RECON_ROWS = ["recon_dtsen_desil1", "recon_rt_extreme", "recon_both", "recon_dtsen_only_not_listed",
              "recon_dtsen_only_rt_not_extreme", "recon_rt_only_dtsen_other_desil",
              "recon_rt_only_not_in_dtsen"]
CONFLICTS_TO_REVIEW = "kind=pencocokan_perlu_ditinjau"
TOP_OVERLAPS = 10


def reconciliation(ctx: BriefContext) -> None:
    """Extreme poverty by DTSEN desil 1 and by the RT listing, side by side, per area; matches to
    review; families by the lists they appear on.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    heading(ctx, "h_reconciliation")
    areas = ctx.sub_areas()
    rows = []
    for ind in RECON_ROWS:
        values = {name: ctx.count(ctx.row(ind, ctx.sub_level, code)) for code, name in areas.items()}
        if all(v == "–" for v in values.values()):
            continue
        rows.append({ctx.header("indicator"): upper_first(ctx.label(ind)), **values,
                     ctx.name: ctx.count(ctx.row(ind, ctx.level, ctx.code))})
    if not rows:
        md(ctx.t("not_available"))
        return
    table(pd.DataFrame(rows), caption=ctx.source_note("dtsen", "pendataan_rt"),
          note=ctx.t("reconciliation_note") + ctx.t("suppressed_note"))
    conflicts = ctx.row("recon_conflicts", ctx.level, ctx.code, breakdown=CONFLICTS_TO_REVIEW)
    if conflicts is not None:
        md(ctx.t("conflicts_sentence", n=narrative.fmt_int(conflicts["estimate"], ctx.lang)))
    overlaps = ctx.rows("recon_overlap", ctx.level, ctx.code, breakdown=None)
    if not overlaps.empty:
        df = overlaps.assign(sources=overlaps["breakdown"].str.removeprefix("sources="))
        df = df[df["estimate"] > 0].sort_values("estimate", ascending=False).head(TOP_OVERLAPS)
        names = {k: labels.pick(v, ctx.lang) for k, v in labels.OVERLAP_SOURCES.items()}
        df["label"] = df["sources"].str.split("+").map(lambda parts: " + ".join(names.get(p, p) for p in parts))
        df["display"] = [ctx.count(r) for _, r in df.iterrows()]
        fig = plots.bar_counts(df, "label", "estimate", display_col="display", title=ctx.t("overlap_title"),
                               xlabel=ctx.t("families"),
                               source_note=ctx.source_note("dtsen", "pendataan_rt", "program", "eppgbm"),
                               lang=ctx.lang)
        plots.show(fig)


def convergence(ctx: BriefContext) -> None:
    """Stunted children in extremely poor and poor families: where the two programmes meet.

    Parameters
    ----------
    ctx
        The brief's context (nothing shown without convergence rows).
    """
    stunted = ctx.row("convergence_stunted", ctx.level, ctx.code)
    if stunted is None:
        return
    heading(ctx, "h_convergence", level=3)

    def count(indicator: str) -> str:
        return ctx.count(ctx.row(indicator, ctx.level, ctx.code))

    md(ctx.t("convergence_text", stunted=ctx.count(stunted), extreme=count("convergence_stunted_extreme_poor"),
             poor=count("convergence_stunted_poor"), risk=count("convergence_families_resiko_stunting"),
             risk_stunted=count("convergence_families_resiko_stunting_with_stunted_child"),
             poor_max_desil=ctx.settings["convergence"]["poor_max_desil"]))


def targeting(ctx: BriefContext) -> None:
    """Per programme: beneficiaries, target families reached, coverage, leakage, families not reached.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    heading(ctx, "h_targeting")
    coverage = ctx.rows("programme_coverage", ctx.level, ctx.code, breakdown=None)
    if coverage.empty:
        md(ctx.t("not_available"))
        return
    progs = {p["key"]: p["label_id"] for p in ctx.settings["programmes"]}
    h = ctx.header
    out = []
    for _, r in coverage.iterrows():
        key = r["breakdown"].removeprefix("programme=")

        def pick(indicator: str, breakdown: str = r["breakdown"]) -> pd.Series | None:
            return ctx.row(indicator, ctx.level, ctx.code, breakdown=breakdown)

        reached = pick("programme_reached")
        out.append({
            h("programme"): progs.get(key, key),
            h("beneficiaries"): ctx.count(pick("programme_beneficiaries")),
            h("reached"): ctx.count(reached),
            h("coverage"): ctx.share(r, reached),
            h("leakage"): ctx.share(pick("programme_leakage"), pick("programme_leakage_count")),
            h("excluded"): ctx.count(pick("programme_excluded")),
        })
    table(pd.DataFrame(out), caption=ctx.source_note("program", "dtsen", "pendataan_rt"),
          note=ctx.t("targeting_note"))
    inc = ctx.rows("incentive_recipients", ctx.level, ctx.code, breakdown=None)
    if not inc.empty:
        items = [f"{progs.get(r['breakdown'].removeprefix('programme='), r['breakdown'])}: {ctx.count(r)}"
                 for _, r in inc.iterrows()]
        md(ctx.t("incentive_recipients") + "; ".join(items) + ".")

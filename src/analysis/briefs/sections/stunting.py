"""Stunting figures: prevalence by area with CIs (forest plot) and the trend over weighing rounds."""

from __future__ import annotations

from analysis.briefs import narrative, plots
from analysis.briefs.sections.context import MONTHLY_METHOD, BriefContext, heading, md


def _target(ctx: BriefContext) -> float:
    return ctx.settings["targets"]["stunting_pct"]["value"] / 100


def forest_plot(ctx: BriefContext) -> None:
    """Stunting prevalence of the areas one level below, with the city value and the target.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    df = ctx.rows("stunting", ctx.sub_level, list(ctx.sub_areas().index), method="direct")
    if df.empty:
        md(ctx.t("not_available"))
        return
    df = df.assign(label=df["area_name"]).sort_values("estimate", ascending=False)
    kota = ctx.row("stunting", "kota", ctx.region_code, method="direct")
    refs = {ctx.t("city"): float(kota["estimate"])} if kota is not None else {}
    refs[ctx.t("target")] = _target(ctx)
    title = ctx.t("forest_title", level=ctx.t("level_kabkota") if ctx.sub_level == "kabkota" else ctx.sub_level,
                  period=narrative.fmt_period(df["data_period"].iloc[0], ctx.lang))
    fig = plots.forest_plot(df, "label", ref_lines=refs, title=title, xlabel=ctx.t("stunting_prevalence"),
                            source_note=ctx.source_note("eppgbm"), lang=ctx.lang,
                            highlight=[ctx.names[c] for c in ctx.focus])
    plots.show(fig)


def trend(ctx: BriefContext) -> None:
    """Stunting prevalence by data period of the area (and of the city, in a kecamatan brief).

    Parameters
    ----------
    ctx
        The brief's context.
    """
    heading(ctx, "h_trend")
    codes = [ctx.code] if ctx.level == "kota" else [ctx.code, ctx.region_code]
    df = ctx.rows("stunting", codes=codes, data_period=None, method="direct")
    # The monthly kelurahan report (counts): a line per sub-area of the brief, every month
    monthly = ctx.rows("stunting", ctx.sub_level, list(ctx.sub_areas().index), data_period=None,
                       method=MONTHLY_METHOD)
    if df["data_period"].nunique() < 2 and monthly["data_period"].nunique() < 2:
        md(ctx.t("not_available"))
        return
    if df["data_period"].nunique() >= 2:
        fig = plots.trend_plot(df.sort_values("data_period"), group="area_name", title=ctx.t("trend_title"),
                               ylabel=ctx.t("stunting_prevalence"), source_note=ctx.source_note("eppgbm"),
                               lang=ctx.lang, ref_lines={ctx.t("target"): _target(ctx)})
        plots.show(fig)
    if monthly["data_period"].nunique() >= 2:
        fig = plots.trend_plot(monthly.sort_values("data_period"), group="area_name",
                               title=ctx.t("trend_monthly_title"), ylabel=ctx.t("stunting_prevalence"),
                               source_note=ctx.source_note("eppgbm_bulanan"), lang=ctx.lang,
                               ref_lines={ctx.t("target"): _target(ctx)})
        plots.show(fig)

"""Growth monitoring ("Pemantauan pertumbuhan"): the age profile of stunting, children followed
between rounds (incidence and recovery), and the posyandu SKDN trend when the table has it.

Every figure is a row of the estimates table: ``stunting`` by ``breakdown`` ``age=…``
(``estimates.growth``), ``stunting_incidence``, ``stunting_recovery``, ``haz_mean_change`` and
``height_fall_pairs`` (``estimates.transitions``), ``skdn_d_s`` and ``skdn_n_d``
(``estimates.skdn``). Nothing here computes a statistic.
"""

from __future__ import annotations

import pandas as pd

from analysis.briefs import narrative, plots
from analysis.briefs.sections.context import BriefContext, heading, md, table
from analysis.measures.anthropometry import AGE_GROUPS

#: WHO age groups within the first 1,000 days (conception to 24 months of age)
FIRST_1000_DAYS = ("0-5", "12-23")
#: the SKDN ratios drawn as a trend, with their titles (rows made by ``estimates.skdn``)
SKDN_TRENDS = {"skdn_d_s": "skdn_d_s_title", "skdn_n_d": "skdn_n_d_title"}


def growth_monitoring(ctx: BriefContext) -> None:
    """The section: heading, age profile, children followed, SKDN trend (each skipped without rows).

    Parameters
    ----------
    ctx
        The brief's context.
    """
    heading(ctx, "h_growth")
    age_profile(ctx)
    transitions(ctx)
    skdn_trend(ctx)
    posyandu_participation(ctx)


def age_profile(ctx: BriefContext) -> None:
    """Stunting prevalence by WHO age group in the latest round: where stunting starts.

    The area of the brief, and the city beside it in a kecamatan or kelurahan brief.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    codes = [ctx.code] if ctx.level == "kota" else [ctx.code, ctx.region_code]
    df = ctx.rows("stunting", codes=codes, breakdown=None, method="direct")
    df = df[df["breakdown"].str.fullmatch(r"age=[0-9-]+") & ~df["suppressed"].astype(bool)]  # hidden: not drawn
    if df.empty:
        md(ctx.t("not_available"))
        return
    df = df.assign(age=df["breakdown"].str.removeprefix("age="), area=df["area_code"].map(ctx.names))
    df = df.sort_values("area_code", key=lambda s: s != ctx.code, kind="stable")
    title = ctx.t("age_profile_title", period=narrative.fmt_period(df["data_period"].iloc[0], ctx.lang))
    fig = plots.age_profile_plot(df, "age", AGE_GROUPS, group="area", title=title,
                                 xlabel=ctx.t("age_profile_x"), ylabel=ctx.t("stunting_prevalence"),
                                 band=(*FIRST_1000_DAYS, ctx.t("first_1000_days")),
                                 source_note=ctx.source_note("eppgbm"), lang=ctx.lang)
    plots.show(fig)
    md(ctx.t("age_profile_note"))


def transitions(ctx: BriefContext) -> None:
    """Incidence and recovery of stunting between the two latest rounds, for the area and the
    areas one level below, with the mean change in HAZ.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    inc = ctx.rows("stunting_incidence")
    if inc.empty:
        return
    heading(ctx, "h_transitions", level=3)
    now = inc["data_period"].max()
    rounds = sorted(ctx.rows("stunting", method="direct", data_period=None)["data_period"].unique())
    before = [p for p in rounds if p < now]
    h, lang = ctx.header, ctx.lang
    rows = []
    for code in [ctx.code, *ctx.sub_areas().index]:
        level = ctx.level if code == ctx.code else ctx.sub_level
        i = ctx.row("stunting_incidence", level, code, data_period=now)
        r = ctx.row("stunting_recovery", level, code, data_period=now)
        if i is None and r is None:
            continue
        z = ctx.row("haz_mean_change", level, code, data_period=now)
        rows.append({
            h("area_name"): ctx.names.get(code, code),
            h("followed_not_stunted"): _n(ctx, i), h("incidence_ci"): ctx.pct_ci(i),
            h("followed_stunted"): _n(ctx, r), h("recovery_ci"): ctx.pct_ci(r),
            h("haz_change"): "–" if z is None or pd.isna(z["estimate"]) else (
                ctx.hidden_mark(z) if bool(z["suppressed"]) else narrative.fmt_number(z["estimate"], 2, lang)),
        })
    falls = ctx.row("height_fall_pairs", ctx.level, ctx.code, data_period=now)
    from analysis.estimates.transitions import HEIGHT_FALL_MM

    note = ctx.t("transitions_note", before=narrative.fmt_period(before[-1], lang) if before else "–",
                 now=narrative.fmt_period(now, lang), falls=ctx.count(falls),
                 fall_cm=narrative.fmt_number(HEIGHT_FALL_MM / 10, 1, lang))
    table(pd.DataFrame(rows), caption=ctx.source_note("eppgbm"), note=note + " " + ctx.t("suppressed_note"))


def _n(ctx: BriefContext, r: pd.Series | None) -> str:
    """Children followed (``n`` of a transition row): hidden with the row."""
    if r is None or pd.isna(r["n"]):
        return "–"
    if bool(r.get("suppressed", False)):
        return ctx.hidden_mark(r)
    return narrative.fmt_int(r["n"], ctx.lang)


def skdn_trend(ctx: BriefContext) -> None:
    """D/S and N/D′ by month for the areas one level below, when the table has SKDN rows.

    The hook for the posyandu SKDN figures (``skdn_d_s``, ``skdn_n_d`` with monthly
    ``data_period``); without such rows, or with a single month, nothing is shown.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    shown = False
    codes = [ctx.code] if ctx.level == "kelurahan" else list(ctx.sub_areas().index)
    for indicator, title in SKDN_TRENDS.items():
        df = ctx.rows(indicator, codes=codes, data_period=None)
        df = df[~df["suppressed"].astype(bool)]
        if df["data_period"].nunique() < 2:
            continue
        if not shown:
            heading(ctx, "h_skdn_trend", level=3)
            shown = True
        fig = plots.trend_plot(df.sort_values("data_period"), group="area_name", title=ctx.t(title),
                               ylabel=ctx.label(indicator), source_note=ctx.source_note("eppgbm"),
                               lang=ctx.lang)
        plots.show(fig)


#: posyandu listed in the participation table (the lowest D/S first: where to look)
POSYANDU_SHOWN = 10


def posyandu_participation(ctx: BriefContext) -> None:
    """The posyandu of the area ranked by weighing participation (D/S), lowest first, latest month.

    Rows ``skdn_d_s`` with breakdown ``posyandu=<name>`` (``estimates.skdn``); hidden cells show
    their mark and rank last. Nothing is shown without such rows.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    codes = [ctx.code] if ctx.level == "kelurahan" else [c for c in ctx.names.index
                                                        if c.startswith(ctx.code + ".") and c.count(".") == 3]
    df = ctx.rows("skdn_d_s", "kelurahan", codes, breakdown=None)
    df = df[df["breakdown"].str.startswith("posyandu=")]
    if df.empty:
        return
    df = df.assign(_hidden=df["suppressed"].astype(bool)).sort_values(["_hidden", "estimate"])
    h = ctx.header
    shown = df.head(POSYANDU_SHOWN)
    heading(ctx, "h_posyandu_participation", level=3)
    table(pd.DataFrame({
        h("kel_posyandu"): shown["breakdown"].str.removeprefix("posyandu=").to_numpy(),
        h("kelurahan"): shown["area_code"].map(ctx.names).to_numpy(),
        h("participation"): [ctx.pct_ci(r) for _, r in shown.iterrows()],
    }), caption=ctx.source_note("eppgbm"),
        note=ctx.t("posyandu_participation_note", shown=min(POSYANDU_SHOWN, len(df)), total=len(df),
                   month=narrative.fmt_period(df["data_period"].max(), ctx.lang)))

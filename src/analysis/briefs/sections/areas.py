"""Tables of the areas one level below the brief's: stunting, poverty and desil-1 families side by side."""

from __future__ import annotations

import pandas as pd

from analysis.briefs import narrative
from analysis.briefs.sections.context import BriefContext, heading, md, table


def area_table(ctx: BriefContext, level: str, codes: pd.Series) -> pd.DataFrame:
    """One formatted row per area: children measured, stunting, its change, poverty, desil-1 families.

    Parameters
    ----------
    ctx
        The brief's context.
    level
        ``area_level`` of the rows ("kecamatan" or "kelurahan").
    codes
        Area names indexed by code, in the order of the table.

    Returns
    -------
    pandas.DataFrame
        Display strings; a rate whose count is hidden is hidden with it.
    """
    h = ctx.header
    method = "fay-herriot" if level == "kelurahan" else "direct"
    rows = []
    for code, name in codes.items():
        st = ctx.row("stunting", level, code, method="direct")
        measured = ctx.row("children_measured", level, code)
        count = ctx.row("stunting_count", level, code)
        change = ctx.row("stunting_change", level, code, breakdown=None)
        pov = ctx.row("poverty_p0", level, code, method=method)
        ext = ctx.row("extreme_poverty_p0", level, code, method=method)
        d1 = ctx.row("dtsen_desil1_families", level, code)
        rows.append({
            h("area_name"): name + (" ◆" if code in ctx.focus else ""),
            h("n"): ctx.count(measured),
            h("stunted_children"): ctx.count(count),
            # a rate next to n would give a hidden count away: hide it with its count
            h("stunting_pct_ci"): ctx.hidden() if count is not None and bool(count["suppressed"])
            else ctx.pct_ci(st),
            h("change"): "–" if change is None else narrative.fmt_pp(change["estimate"], ctx.lang),
            h("poor_pct_ci"): ctx.pct_ci(pov),
            h("extreme_pct_ci"): ctx.pct_ci(ext),
            h("desil1_families"): ctx.count(d1),
        })
    return pd.DataFrame(rows)


def kelurahan_table(ctx: BriefContext) -> None:
    """The kelurahan of a kecamatan brief (the kecamatan of a kab/kota brief of a province).

    Parameters
    ----------
    ctx
        The brief's context.
    """
    if ctx.sub_level == "kecamatan":
        kecamatan_table(ctx)
        return
    heading(ctx, "h_kelurahan")
    table(area_table(ctx, "kelurahan", ctx.sub_areas()),
          caption=ctx.source_note("eppgbm", "susenas", "dtsen"), note=ctx.table_note())


def kecamatan_table(ctx: BriefContext) -> None:
    """The kecamatan of the region's brief; a province's brief ranks its kab/kota instead
    (highest stunting prevalence first).

    Parameters
    ----------
    ctx
        The brief's context.
    """
    if ctx.sub_level == "kabkota":
        heading(ctx, "h_kabkota")
        st = ctx.rows("stunting", "kabkota", list(ctx.sub_areas().index), method="direct")
        ranked = st.sort_values("estimate", ascending=False, kind="stable")["area_code"].tolist()
        names = ctx.sub_areas()
        names = names[ranked + [c for c in names.index if c not in ranked]]
        out = area_table(ctx, "kabkota", names)
        out.insert(0, ctx.header("rank"), range(1, len(out) + 1))
    else:
        heading(ctx, "h_kecamatan")
        out = area_table(ctx, "kecamatan", ctx.sub_areas())
    table(out, caption=ctx.source_note("eppgbm", "susenas", "dtsen"), note=ctx.table_note())


def kelurahan_ranking(ctx: BriefContext) -> None:
    """Every kelurahan of the region, highest stunting prevalence first.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    md("## " + ctx.village_t("h_ranking"))
    kel = ctx.rows("stunting", "kelurahan", method="direct").sort_values("estimate", ascending=False)
    names = ctx.names[[c for c in kel["area_code"] if c in ctx.names.index]]
    out = area_table(ctx, "kelurahan", names)
    out.insert(0, ctx.header("rank"), range(1, len(out) + 1))
    table(out, caption=ctx.source_note("eppgbm", "susenas", "dtsen"), note=ctx.table_note())

"""Maps: stunting prevalence and extreme-poor families by desa/kelurahan, where the reader would rather
look than read.

The region's brief maps every desa/kelurahan, a kecamatan brief those of the kecamatan. Given a
kelurahan brief's context it draws a small locator (the stunting of the kecamatan with the kelurahan
outlined), but ``05_brief_kelurahan`` does not call it: the lurah's brief keeps to two A4 pages
and its posyandu and RT tables say more to the lurah than where the kelurahan lies. Every value is a row of the estimates table: ``stunting`` (direct, latest
data period; hidden with its ``stunting_count`` as in the area tables) and the tracker's
``extreme_families_verified`` and ``extreme_families_unverified`` counts, side by side (the two
parts of the remaining families, never added up here). Without boundaries for the areas
(:func:`analysis.intake.boundaries.load_boundaries`), the same rows are shown as ranked charts.
"""

from __future__ import annotations

import pandas as pd

from analysis.briefs import maps as draw
from analysis.briefs import narrative, plots
from analysis.briefs.labels import region_words
from analysis.briefs.sections.context import BriefContext, heading, md
from analysis.intake.gazetteer import level_of

#: height (inches) of the kelurahan brief's map: where the kelurahan lies in its kecamatan
LOCATOR_HEIGHT = 2.8
#: the tracker's two parts of the remaining families, one panel each
FAMILY_PANELS = {"extreme_families_verified": "kel_verified", "extreme_families_unverified": "kel_unverified"}


#: rows of one ranked chart (where there are no boundaries): about a page of A4 at the brief's size
RANKED_ROWS_PER_CHART = 25


def _areas(ctx: BriefContext) -> list[str]:
    """Desa/kelurahan codes the brief's maps show."""
    if ctx.level == "kota":
        within = ctx.region_code
    elif ctx.level in ("kecamatan", "kabkota"):  # kabkota: the brief of a province's kab/kota
        within = ctx.code
    else:
        within = ctx.code.rsplit(".", 1)[0]
    return [c for c in ctx.names.index if c.count(".") == 3 and c.startswith(within + ".")]


def _shapes(ctx: BriefContext, codes: list[str]):
    from analysis.intake.boundaries import load_boundaries

    shapes = load_boundaries(ctx.region_code)
    if shapes is None:
        return None
    shapes = shapes[shapes["kode"].isin(codes)]
    return shapes if len(shapes) else None


def _stunting_rows(ctx: BriefContext, codes: list[str]) -> pd.DataFrame:
    rows = ctx.rows("stunting", "kelurahan", codes, method="direct")
    counts = ctx.rows("stunting_count", "kelurahan", codes, data_period=None)
    if rows.empty:
        return rows
    counts = counts[counts["data_period"] == rows["data_period"].iloc[0]]
    # a rate beside its children measured would give a hidden count away: hidden with its count
    hidden = set(counts.loc[counts["suppressed"].astype(bool), "area_code"])
    return rows.assign(suppressed=rows["suppressed"].astype(bool) | rows["area_code"].isin(hidden))


def _province_brief(ctx: BriefContext) -> bool:
    return ctx.level == "kota" and level_of(ctx.region_code) == "province"


def _kabkota_shapes(ctx: BriefContext, codes: list[str]):
    """The kab/kota of a province as shapes: its desa/kelurahan shapes dissolved by kab/kota code."""
    from analysis.intake.boundaries import load_boundaries

    shapes = load_boundaries(ctx.region_code)
    if shapes is None:
        return None
    desa = shapes[shapes["kode"].astype(str).str.count(r"\.") == 3]
    desa = desa.assign(kode=desa["kode"].astype(str).str.slice(0, 5))
    desa = desa[desa["kode"].isin(codes)]
    if desa.empty:
        return None
    out = desa[["kode", "geometry"]].dissolve(by="kode", as_index=False)
    return out.assign(nama=out["kode"].map(ctx.names))[["kode", "nama", "geometry"]]


def _province_maps(ctx: BriefContext) -> None:
    """A province's brief: its kab/kota, mapped (desa shapes dissolved) or ranked (one short chart),
    not its hundreds of desa (each kab/kota's brief maps those). The extreme-poor families are
    counted by desa only: mapped by desa where there are boundaries, else left to the kab/kota
    briefs (a ranked chart of hundreds of desa is no brief)."""
    codes = [c for c in ctx.sub_areas().index]
    st = ctx.rows("stunting", "kabkota", codes, method="direct")
    fam = pd.concat([ctx.rows(ind, "kabkota", codes) for ind in FAMILY_PANELS], ignore_index=True)
    desa_shapes, fam_desa = None, fam.iloc[0:0]
    if fam.empty:
        # the family tracker counts desa/kelurahan only (no kab/kota total is published, so none is
        # made up here): the province's desa on their own shapes, where there are boundaries
        desa = _areas(ctx)
        desa_shapes = _shapes(ctx, desa)
        if desa_shapes is not None:
            fam_desa = pd.concat([ctx.rows(ind, "kelurahan", desa) for ind in FAMILY_PANELS], ignore_index=True)
    if st.empty and fam.empty and fam_desa.empty:
        return
    heading(ctx, "h_maps")
    shapes = _kabkota_shapes(ctx, codes)
    level = ctx.t("level_kabkota")
    mapped = False
    if not st.empty:
        title = ctx.t("forest_title", level=level,
                      period=narrative.fmt_period(st["data_period"].iloc[0], ctx.lang))
        fig = draw.choropleth(shapes, st, title=title, source_note=ctx.source_note("eppgbm"), lang=ctx.lang,
                              legend_title=ctx.t("stunting_prevalence"))
        if fig is not None:
            mapped = True
            plots.show(fig)
        else:
            _ranked(st.assign(label=st["area_name"]), title, lambda part, t: plots.forest_plot(
                part, "label", title=t, xlabel=ctx.t("stunting_prevalence"), source_note=ctx.source_note("eppgbm"),
                lang=ctx.lang))
    if not fam.empty:
        mapped = _families(ctx, fam, shapes, [], title_key="map_families_title_kabkota") or mapped
    elif not fam_desa.empty:
        mapped = _families(ctx, fam_desa, desa_shapes, []) or mapped
    if mapped:
        md(ctx.t("maps_note"))


def area_maps(ctx: BriefContext) -> None:
    """The maps of a brief (a ranked chart of the same rows where the areas have no boundaries).

    Parameters
    ----------
    ctx
        The brief's context (region, kecamatan or kelurahan). A province's brief maps (or ranks)
        its kab/kota.
    """
    if _province_brief(ctx):
        _province_maps(ctx)
        return
    codes = _areas(ctx)
    st = _stunting_rows(ctx, codes)
    fam = pd.concat([ctx.rows(ind, "kelurahan", codes) for ind in FAMILY_PANELS], ignore_index=True)
    if st.empty and (fam.empty or ctx.level == "kelurahan"):
        return
    heading(ctx, "h_maps", level=3 if ctx.level == "kelurahan" else 2)
    shapes = _shapes(ctx, codes)
    focus = [c for c in ctx.settings["focus_kelurahan"]["codes"] if c in codes]
    highlight = [ctx.code] if ctx.level == "kelurahan" else []
    mapped = False
    if not st.empty:
        title = ctx.t("forest_title", level=region_words(ctx.lang, ctx.region_code)["village"],
                      period=narrative.fmt_period(st["data_period"].iloc[0], ctx.lang))
        fig = draw.choropleth(shapes, st, title=title, source_note=ctx.source_note("eppgbm"), lang=ctx.lang,
                              legend_title=ctx.t("stunting_prevalence"), focus=focus, highlight=highlight,
                              max_height=LOCATOR_HEIGHT if ctx.level == "kelurahan" else None)
        mapped = fig is not None
        if fig is not None:
            plots.show(fig)
        else:  # no boundaries: the areas ranked
            _ranked(st.assign(label=st["area_name"]), title, lambda part, t: plots.forest_plot(
                part, "label", title=t, xlabel=ctx.t("stunting_prevalence"), source_note=ctx.source_note("eppgbm"),
                lang=ctx.lang, highlight=[ctx.names[c] for c in focus + highlight]))
    if not fam.empty and ctx.level != "kelurahan":
        mapped = _families(ctx, fam, shapes, focus) or mapped
    if mapped and ctx.level != "kelurahan":  # the kelurahan brief's locator map: the legend says it
        md(ctx.t("maps_note"))



def _families(ctx: BriefContext, fam: pd.DataFrame, shapes, focus: list[str],
              title_key: str = "map_families_title") -> bool:
    """Verified and awaiting families side by side: a map (True), else ranked bars (False)."""
    fam = fam.assign(panel=fam["indicator"].map(lambda i: ctx.header(FAMILY_PANELS[i])))
    title = ctx.village_t(title_key, period=narrative.fmt_period(fam["data_period"].max(), ctx.lang))
    source = ctx.source_note("pendataan_rt", "dtsen")
    fig = draw.choropleth(shapes, fam, title=title, source_note=source, lang=ctx.lang, percent=False,
                          legend_title=ctx.t("families_legend"), focus=focus, panel_col="panel")
    if fig is not None:
        plots.show(fig)
        return True
    for panel, part in fam.groupby("panel", sort=False):
        shown = part.assign(label=part["area_name"].astype(str),
                            display=[ctx.count(r) for _, r in part.iterrows()])
        _ranked(shown, f"{title}:\n{panel}", lambda rows, t: plots.bar_counts(
            rows, "label", "estimate", title=t, source_note=source, lang=ctx.lang, display_col="display",
            xlabel=ctx.t("families_legend")))
    return False


def _ranked(rows: pd.DataFrame, title: str, chart) -> None:
    """``chart(rows, title)`` for the rows ranked by ``estimate``, hidden ones last in name order (their
    place must not hint at their value), a page-high chart at a time (:data:`RANKED_ROWS_PER_CHART`;
    a taller image is cut off at the page's foot in the PDF)."""
    hidden = rows["suppressed"].fillna(False).astype(bool)
    ranked = rows.assign(_h=hidden, _v=rows["estimate"].where(~hidden)).sort_values(
        ["_h", "_v", "label"], ascending=[True, False, True], kind="stable").drop(columns=["_h", "_v"])
    starts = range(0, len(ranked), RANKED_ROWS_PER_CHART)
    for k, start in enumerate(starts):
        part_title = title if len(starts) == 1 else f"{title}\n({k + 1}/{len(starts)})"
        plots.show(chart(ranked.iloc[start:start + RANKED_ROWS_PER_CHART], part_title))

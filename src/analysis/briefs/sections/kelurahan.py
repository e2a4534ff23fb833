"""The kelurahan/desa brief (one or two A4 pages for the lurah): stunting with its CI and trend,
stunted children by posyandu and RT, extreme-poor families by RT, programme coverage, and what to
verify this week (counts only: names stay in the restricted worklists).

Every figure is a row of the estimates table (the posyandu / RT rows from
:mod:`analysis.estimates.local`); hidden cells show their ``note`` ("<5", "*").
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from IPython.display import HTML, display

from analysis import config
from analysis.briefs import labels, narrative, plots
from analysis.briefs.sections.context import (
    BriefContext,
    area_names,
    heading,
    load_estimates,
    load_manifest,
    md,
    table,
)
from analysis.intake.gazetteer import level_of

#: rows of the posyandu / RT tables (the annex lampiran.xlsx has them all)
TOP_ROWS = 5


def make_kelurahan_context(processed_dir: Path | str, period: str, kelurahan_code: str, lang: str = "id",
                           synthetic: bool = False, manifest: Path | str | None = None,
                           est: pd.DataFrame | None = None) -> BriefContext:
    """The :class:`BriefContext` of one kelurahan brief.

    Parameters
    ----------
    processed_dir
        Folder holding ``estimates.parquet``.
    period
        The rakor period ("YYYY-MM").
    kelurahan_code
        Kemendagri code of the kelurahan/desa.
    lang
        "id" or "en".
    synthetic
        Show the synthetic-data banner.
    manifest
        The run's ``manifest.json``.
    est
        The estimates table already read (tests); default: read from ``processed_dir``.

    Returns
    -------
    BriefContext
        ``level == "kelurahan"``, ``sub_level == "rt"``.

    Raises
    ------
    ValueError
        When ``kelurahan_code`` is not a kelurahan code of the region.
    """
    labels.check_lang(lang)
    est = load_estimates(processed_dir) if est is None else est
    settings = config.settings()
    names = area_names()
    if kelurahan_code not in names.index or kelurahan_code.count(".") != 3:
        raise ValueError(f"unknown kelurahan code {kelurahan_code}")
    focus = [c for c in config.focus_kelurahan() if c == kelurahan_code]
    plots.set_theme()
    return BriefContext(est=est[est["period"] == period].copy(), period=period, lang=lang, level="kelurahan",
                        code=kelurahan_code, sub_level="rt", names=names, focus=focus,
                        region_code=settings["region"]["code"], synthetic=synthetic,
                        manifest=load_manifest(manifest), settings=settings)


def _kecamatan(ctx: BriefContext) -> str:
    return ctx.code.rsplit(".", 1)[0]


def kelurahan_header(ctx: BriefContext) -> None:
    """Title, kelurahan and kecamatan, period, the sources' data periods, the synthetic banner.

    Parameters
    ----------
    ctx
        The kelurahan brief's context.
    """
    banner = (f"<div class='banner'>{html.escape(ctx.t('synthetic_banner'))}</div>" if ctx.synthetic else "")
    sub = (f"{labels.village_prefix(ctx.code, ctx.lang)}{ctx.name} · {ctx.t('kecamatan_prefix')}{ctx.names[_kecamatan(ctx)]} · "
           f"{narrative.fmt_period(ctx.period, ctx.lang)}")
    focus = f"<p class='sources'>{html.escape(ctx.t('kel_focus_note'))}</p>" if ctx.focus else ""
    display(HTML(f"{banner}<h1>{html.escape(ctx.t('kel_title'))}</h1><p class='subtitle'>{html.escape(sub)}</p>"
                 f"<p class='sources'>{html.escape(narrative.source_line(ctx.sources(), ctx.lang))}</p>{focus}"))


def kelurahan_stunting(ctx: BriefContext) -> None:
    """Stunting of the kelurahan with its CI, beside the kecamatan and the city, and by round.

    Parameters
    ----------
    ctx
        The kelurahan brief's context.
    """
    heading(ctx, "kel_h_stunting")
    r = ctx.row("stunting", "kelurahan", ctx.code, method="direct")
    if r is None:
        md(ctx.t("not_available"))
        return
    change = ctx.row("stunting_change", "kelurahan", ctx.code, breakdown=None)
    ch = None
    if change is not None and not bool(change["suppressed"]):
        ch = {"diff": change["estimate"], "ci_low": change["ci_low"], "ci_high": change["ci_high"],
              "p_value": change["p_value"], "previous_period": change["breakdown"].removeprefix("since=")}
    md(narrative.prevalence_sentence(r, lang=ctx.lang, change=ch))
    h = ctx.header
    rounds = sorted(ctx.rows("stunting", "kelurahan", ctx.code, method="direct", data_period=None)["data_period"]
                    .unique())
    out = []
    kabkota = [("kabkota", ctx.code[:5])] if level_of(ctx.region_code) == "province" else []  # a province's
    for level, code in (("kelurahan", ctx.code), ("kecamatan", _kecamatan(ctx)), *kabkota, ("kota", ctx.region_code)):
        row = {h("area"): ctx.names.get(code, code)}
        for dp in rounds:
            row[narrative.fmt_period(dp, ctx.lang)] = ctx.pct_ci(
                ctx.row("stunting", level, code, method="direct", data_period=dp))
        out.append(row)
    table(pd.DataFrame(out), caption=ctx.source_note("eppgbm"), note=ctx.t("kel_stunting_note"))


def _parts(ctx: BriefContext, indicator: str, part: str) -> pd.DataFrame:
    df = ctx.rows(indicator, "kelurahan", ctx.code, breakdown=None)
    return df[df["breakdown"].str.startswith(part + "=")].assign(
        part=lambda d: d["breakdown"].str.removeprefix(part + "="))


def _part_label(value: str, ctx: BriefContext) -> str:
    return ctx.t("kel_unknown") if value == "tidak_diketahui" else value


def stunting_by_part(ctx: BriefContext, part: str = "posyandu") -> None:
    """Children measured and stunted by posyandu (all) or by RT (those with the most stunted children).

    Parameters
    ----------
    ctx
        The kelurahan brief's context.
    part
        ``"posyandu"`` or ``"rt"``.
    """
    heading(ctx, f"kel_h_stunting_{part}", level=3)
    count = _parts(ctx, "stunting_count", part)
    if count.empty:
        md(ctx.t("not_available"))
        return
    measured = _parts(ctx, "children_measured", part).set_index("part")
    rate = _parts(ctx, "stunting", part).set_index("part")
    # most stunted children first; hidden cells after the shown ones (their order would tell their size)
    count = count.assign(_hidden=count["suppressed"].astype(bool),
                         _v=count["estimate"].where(~count["suppressed"].astype(bool), -1))
    count = count.sort_values(["_hidden", "_v", "part"], ascending=[True, False, True])
    shown = count if part == "posyandu" else count.head(TOP_ROWS)
    h = ctx.header
    out = []
    for _, r in shown.iterrows():
        m = measured.loc[r["part"]] if r["part"] in measured.index else None
        rr = rate.loc[r["part"]] if r["part"] in rate.index else None
        out.append({h(f"kel_{part}"): _part_label(r["part"], ctx), h("kel_measured"): ctx.count(m),
                    h("kel_stunted"): ctx.count(r), h("kel_rate"): ctx.share(rr, r)})
    note = ctx.t("suppressed_note") if part == "posyandu" else ""  # said once per page is enough
    if len(count) > len(shown):
        note = ctx.t("kel_more_rows", n=narrative.fmt_int(len(count) - len(shown), ctx.lang)) + " " + note
    table(pd.DataFrame(out), caption=ctx.source_note("eppgbm"), note=note)


def extreme_by_rt(ctx: BriefContext) -> None:
    """Extreme-poor families verified / awaiting verification / cleared, kelurahan total and by RT.

    Parameters
    ----------
    ctx
        The kelurahan brief's context.
    """
    heading(ctx, "kel_h_extreme")
    kinds = ("verified", "unverified", "cleared")
    totals = {k: ctx.row(f"extreme_families_{k}", "kelurahan", ctx.code) for k in kinds}
    if all(v is None for v in totals.values()):
        md(ctx.t("not_available"))
        return
    h = ctx.header
    parts = {k: _parts(ctx, f"extreme_families_{k}", "rt").set_index("part") for k in kinds}
    order = parts["unverified"].assign(_hidden=parts["unverified"]["suppressed"].astype(bool),
                                       _v=parts["unverified"]["estimate"]
                                       .where(~parts["unverified"]["suppressed"].astype(bool), -1))
    order = order.sort_values(["_hidden", "_v"], ascending=[True, False]).index.tolist()
    rest = sorted(set().union(*[set(p.index) for p in parts.values()]) - set(order))
    keys = (order + rest)
    out = [{h("kel_rt"): ctx.t("kel_total"), **{h(f"kel_{k}"): ctx.count(totals[k]) for k in kinds}}]
    for key in keys[:TOP_ROWS]:
        out.append({h("kel_rt"): _part_label(key, ctx),
                    **{h(f"kel_{k}"): ctx.count(parts[k].loc[key]) if key in parts[k].index else "0"
                       for k in kinds}})
    note = ctx.t("kel_extreme_note")
    if len(keys) > TOP_ROWS:
        note = ctx.t("kel_more_rows", n=narrative.fmt_int(len(keys) - TOP_ROWS, ctx.lang)) + " " + note
    table(pd.DataFrame(out), caption=ctx.source_note("dtsen", "pendataan_rt"), note=note)


def kelurahan_programmes(ctx: BriefContext) -> None:
    """Programme coverage of the kelurahan's target families (assistance programmes).

    Parameters
    ----------
    ctx
        The kelurahan brief's context.
    """
    heading(ctx, "kel_h_programmes")
    coverage = ctx.rows("programme_coverage", "kelurahan", ctx.code, breakdown=None)
    if coverage.empty:
        md(ctx.t("not_available"))
        return
    progs = {p["key"]: p["label_id"] for p in ctx.settings["programmes"]}
    h = ctx.header
    out = []
    for _, r in coverage.iterrows():
        reached = ctx.row("programme_reached", "kelurahan", ctx.code, breakdown=r["breakdown"])
        key = r["breakdown"].removeprefix("programme=")
        out.append({h("programme"): progs.get(key, key),
                    h("kel_target"): ctx.count(ctx.row("programme_target", "kelurahan", ctx.code,
                                                       breakdown=r["breakdown"])),
                    h("reached"): ctx.count(reached), h("coverage"): ctx.share(r, reached),
                    h("excluded"): ctx.count(ctx.row("programme_excluded", "kelurahan", ctx.code,
                                                     breakdown=r["breakdown"]))})
    table(pd.DataFrame(out), caption=ctx.source_note("program", "dtsen", "pendataan_rt"),
          note=ctx.t("kel_programmes_note"))


def this_week(ctx: BriefContext) -> None:
    """What to verify this week, as counts (the names are in the restricted worklist).

    Parameters
    ----------
    ctx
        The kelurahan brief's context.
    """
    heading(ctx, "kel_h_week")
    items = []
    for indicator, key in (("extreme_families_unverified", "kel_week_unverified"),
                           ("recon_rt_only_not_in_dtsen", "kel_week_rt_only"),
                           ("recon_dtsen_only_not_listed", "kel_week_dtsen_only"),
                           ("recon_conflicts", "kel_week_conflicts")):
        df = ctx.rows(indicator, "kelurahan", ctx.code, breakdown=None)
        if df.empty:
            continue
        r = df[df["breakdown"] == "total"].iloc[0] if (df["breakdown"] == "total").any() else None
        if r is None:  # conflicts come by kind only: one item per kind
            for _, k in df.iterrows():
                kind = labels.note(k["breakdown"].split("=", 1)[-1], ctx.lang).replace("_", " ")
                items.append(ctx.t(key, n=ctx.count(k)) + f" ({kind})")
            continue
        items.append(ctx.t(key, n=ctx.count(r)))
    top = _parts(ctx, "extreme_families_unverified", "rt")
    top = top[~top["suppressed"].astype(bool) & (top["estimate"] > 0)].sort_values("estimate", ascending=False)
    if len(top):
        items.append(ctx.t("kel_week_top_rt", rt=", ".join(top["part"].head(3))))
    md("\n".join(f"- {s}" for s in items) if items else ctx.t("not_available"))
    md(ctx.t("kel_week_note", code=ctx.code.replace(".", "_")))


def kelurahan_footer(ctx: BriefContext) -> None:
    """Short provenance (the kelurahan brief stays within two pages): input count, code version,
    and where the full list is (``manifest.json`` of the report, the kecamatan brief's footer).

    Parameters
    ----------
    ctx
        The kelurahan brief's context.
    """
    inputs = ctx.manifest.get("inputs", [])
    version = ctx.manifest.get("code_version", "unknown")
    display(HTML(f"<div class='footer'><p>{ctx.t('footer_head', period=ctx.period)} "
                 f"{ctx.t('kel_footer', n=narrative.fmt_int(len(inputs), ctx.lang))} "
                 f"{ctx.t('code_version')}: <code>{version}</code></p></div>"))

"""Data quality: the ENA-SMART plausibility score and checks, rows rejected at cleaning, missing sources."""

from __future__ import annotations

import pandas as pd

from analysis.briefs import labels, narrative
from analysis.briefs.sections.context import BriefContext, heading, md, table


def data_quality(ctx: BriefContext) -> None:
    """Plausibility score, the quality checks of :data:`analysis.briefs.labels.QUALITY_CHECKS`, the
    city's rejected rows by source and reason, and sources missing for the period.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    heading(ctx, "h_quality")
    lang = ctx.lang
    h = ctx.header
    q = ctx.rows("quality_check", ctx.level, ctx.code, breakdown=None)
    score = ctx.row("plausibility_score", ctx.level, ctx.code)
    if score is not None:
        md(ctx.t("plausibility_text", score=narrative.fmt_int(score["estimate"], lang), rating=ctx.note(score)))
    if not q.empty:
        by_check = q.assign(check=q["breakdown"].str.removeprefix("check=")).set_index("check")
        rows = []
        for check, pair in labels.QUALITY_CHECKS.items():
            if check not in by_check.index:
                continue
            r = by_check.loc[check]
            decimals = 0 if check == "n_children" else 2
            rows.append({
                h("check"): labels.pick(pair, lang),
                h("value"): narrative.fmt_number(r["estimate"], decimals, lang),
                h("p"): "–" if pd.isna(r["p_value"]) else narrative.fmt_number(r["p_value"], 3, lang),
                h("rating"): ctx.note(r),
            })
        table(pd.DataFrame(rows), caption=ctx.source_note("eppgbm"))
    _app_z_check(ctx)
    rej = ctx.rows("rejected_rows", "kota", ctx.region_code, breakdown=None, data_period=None)
    if not rej.empty:
        parts = rej["breakdown"].str.split(";", expand=True)
        out = pd.DataFrame({
            h("source"): parts[0].str.removeprefix("source=").map(lambda s: labels.source_name(s, lang)),
            h("reason"): parts[1].str.removeprefix("reason=").str.replace("_", " "),
            h("rows"): [narrative.fmt_int(v, lang) for v in rej["estimate"]],
        }).sort_values([h("source"), h("reason")])
        table(out, caption=ctx.t("rejected_caption"), note=ctx.t("rejected_note"))
    missing = ctx.est[ctx.est["indicator"] == "source_missing"]
    for _, r in missing.iterrows():
        md(ctx.t("source_missing") + labels.source_name(r["note"], lang))


def _app_z_check(ctx: BriefContext) -> None:
    """The app's stunting classification against ours, by puskesmas (``eppgbm_z_disagreement``)."""
    z = ctx.rows("eppgbm_z_disagreement", ctx.level, ctx.code, breakdown=None)
    z = z[z["breakdown"].str.startswith("puskesmas=")]
    if z.empty:
        return
    h = ctx.header
    out = pd.DataFrame({
        h("puskesmas"): z["breakdown"].str.removeprefix("puskesmas="),
        # n is hidden with a suppressed rate (the published table blanks it too)
        h("z_both"): ["–" if s else narrative.fmt_int(v, ctx.lang) for v, s in zip(z["n"], z["suppressed"], strict=True)],
        h("z_differ"): [ctx.pct_ci(r) for _, r in z.iterrows()],
    }).sort_values(h("puskesmas"))
    table(out, caption=ctx.t("z_check_caption"), note=ctx.table_note())


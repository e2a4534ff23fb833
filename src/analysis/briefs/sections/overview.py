"""The brief's frame: title, headlines, methods and the provenance footer."""

from __future__ import annotations

import html

from IPython.display import HTML, display

from analysis.briefs import narrative
from analysis.briefs.sections.context import MONTHLY_METHOD, BriefContext, heading, md
from analysis.intake.gazetteer import level_of


def header(ctx: BriefContext) -> None:
    """Title, area and period, the sources' data periods, and the synthetic-data banner.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    kind = (ctx.t("kecamatan_prefix") if ctx.level == "kecamatan" else "") + ctx.name
    if ctx.level == "kota" and level_of(ctx.code) == "province":  # the gazetteer names a province without its word
        from analysis.briefs.labels import region_words

        kind = f"{region_words(ctx.lang)['region']} {ctx.name}"
    banner = (f"<div class='banner'>{html.escape(ctx.t('synthetic_banner'))}</div>"
              if ctx.synthetic else "")
    sub = f"{kind} · {narrative.fmt_period(ctx.period, ctx.lang)}"
    if ctx.level == "kota":  # the region's brief is the head's (Wali Kota, Bupati)
        sub += " · " + ctx.t("audience", **_audience(ctx))
    display(HTML(f"{banner}<h1>{html.escape(ctx.t('title'))}</h1><p class='subtitle'>{html.escape(sub)}</p>"
                 f"<p class='sources'>{html.escape(narrative.source_line(ctx.sources(), ctx.lang))}</p>"))


def _audience(ctx: BriefContext) -> dict[str, str]:
    """``head`` and bare ``region`` name of the audience line ("Bupati", "Sukamara")."""
    from analysis.briefs.labels import region_words
    from analysis.intake.gazetteer import bare_name

    return {"head": region_words(ctx.lang)["head"], "region": bare_name(ctx.name)}


def headlines(ctx: BriefContext) -> None:
    """Up to six sentences: stunting (with its change), poverty, focus kelurahan, data quality.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    heading(ctx, "h_headlines")
    sentences = []
    stunting = ctx.row("stunting", ctx.level, ctx.code, method="direct")
    if stunting is None:  # no by-name export: the monthly kelurahan report's latest month
        stunting = ctx.row("stunting", ctx.level, ctx.code, method=MONTHLY_METHOD)
    if stunting is not None:
        change = ctx.row("stunting_change", ctx.level, ctx.code, breakdown=None)
        ch = None
        if change is not None:
            ch = {"diff": change["estimate"], "ci_low": change["ci_low"], "ci_high": change["ci_high"],
                  "p_value": change["p_value"],
                  "previous_period": change["breakdown"].removeprefix("since=")}
        sentences.append(narrative.prevalence_sentence(stunting, lang=ctx.lang, change=ch))
    for ind in ("poverty_p0", "extreme_poverty_p0"):
        r = ctx.row(ind, ctx.level, ctx.code, method="direct")
        if r is not None:
            sentences.append(narrative.prevalence_sentence(r, lang=ctx.lang))
    for code in ctx.focus:
        r = ctx.row("extreme_families_verified", "kelurahan", code)
        if r is not None:
            sentences.append(narrative.zero_target_sentence(r, lang=ctx.lang))
    q = ctx.row("plausibility_score", ctx.level, ctx.code, breakdown=None)
    if q is not None:
        sentences.append(ctx.t("plausibility_headline", score=narrative.fmt_int(q["estimate"], ctx.lang),
                               rating=ctx.note(q)))
    md("\n".join(f"- {s}" for s in sentences[:6]) or ctx.t("not_available"))


def methods(ctx: BriefContext) -> None:
    """Methods and caveats; CI methods, reliability thresholds and the small-cell rule from config.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    heading(ctx, "h_methods")
    md(ctx.t("methods_text"))


def footer(ctx: BriefContext) -> None:
    """Provenance from the run's manifest: input files with sha256 and rows, and the code version.

    Parameters
    ----------
    ctx
        The brief's context (its ``manifest`` holds ``inputs`` and ``code_version``).
    """
    lines = [ctx.t("footer_input", file=html.escape(str(r["file"])), sha=str(r["sha256"])[:12],
                   rows=narrative.fmt_int(r["rows_in"], ctx.lang))
             for r in ctx.manifest.get("inputs", [])]
    version = ctx.manifest.get("code_version", "unknown")
    display(HTML(f"<div class='footer'><p>{ctx.t('footer_head', period=ctx.period)}</p><ul>{''.join(lines)}</ul>"
                 f"<p>{ctx.t('code_version')}: <code>{version}</code></p></div>"))

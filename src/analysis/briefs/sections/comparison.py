"""Key figures of this rakor beside those of the previous one, read from rows of the estimates table.

For each indicator of :data:`SINCE_PREVIOUS` the estimates table holds (built in ``estimates/``):

- the current figure: the ordinary row (``breakdown = "total"``);
- ``<indicator>_previous``: the figure of the previous rakor P, ``breakdown = "rakor=P"``, same
  ``unit`` and ``method`` as the current figure;
- ``<indicator>_since_previous``: current − previous, ``breakdown = "rakor=P"``, method
  ``difference:history``, suppressed when either side is.

Without such rows (the first rakor in the history) the section says so.
"""

from __future__ import annotations

import pandas as pd

from analysis.briefs import narrative
from analysis.briefs.sections.context import BriefContext, heading, md, table, upper_first

SINCE_PREVIOUS = {  # indicator → method prefix of the figure compared with the previous rakor
    "stunting": "direct", "stunting_count": "count", "poverty_p0": "direct",
    "extreme_poverty_p0": "direct", "dtsen_desil1_families": "count",
}
RAKOR_PREFIX = "rakor="


def previous_rakor(ctx: BriefContext) -> str | None:
    """The previous rakor period named by the ``*_previous`` rows, or None when there are none.

    Parameters
    ----------
    ctx
        The brief's context.

    Returns
    -------
    str or None
        "YYYY-MM".
    """
    wanted = [f"{ind}_previous" for ind in SINCE_PREVIOUS]
    prev = ctx.est[ctx.est["indicator"].isin(wanted)
                   & ctx.est["breakdown"].astype(str).str.startswith(RAKOR_PREFIX)]
    if prev.empty:
        return None
    return max(prev["breakdown"].str.removeprefix(RAKOR_PREFIX))


def since_previous_table(ctx: BriefContext, previous: str) -> pd.DataFrame:
    """One formatted row per indicator with a current, a previous and a difference row.

    Parameters
    ----------
    ctx
        The brief's context.
    previous
        The previous rakor period (see :func:`previous_rakor`).

    Returns
    -------
    pandas.DataFrame
        Columns: indicator, the previous period, this period, change. A hidden side shows
        "<5" and hides the change ("–").
    """
    breakdown = RAKOR_PREFIX + previous
    rows = []
    for ind, method in SINCE_PREVIOUS.items():
        current = ctx.row(ind, ctx.level, ctx.code, method=method)
        before = ctx.row(f"{ind}_previous", ctx.level, ctx.code, breakdown=breakdown, method=method)
        diff = ctx.row(f"{ind}_since_previous", ctx.level, ctx.code, breakdown=breakdown)
        if current is None or before is None or diff is None:
            continue
        is_count = current.get("unit") == "count"

        def fmt(r: pd.Series, is_count: bool = is_count) -> str:
            if bool(r.get("suppressed")) is True:
                return ctx.hidden()
            value = r["estimate"]
            return narrative.fmt_int(value, ctx.lang) if is_count else narrative.fmt_pct(value, ctx.lang)

        hidden = any(bool(r.get("suppressed")) is True for r in (current, before, diff))
        change = ("–" if hidden else narrative.fmt_int(diff["estimate"], ctx.lang) if is_count
                  else narrative.fmt_pp(diff["estimate"], ctx.lang))
        rows.append({
            ctx.header("indicator"): upper_first(ctx.label(ind)),
            narrative.fmt_period(previous, ctx.lang): fmt(before),
            narrative.fmt_period(ctx.period, ctx.lang): fmt(current),
            ctx.header("change"): change,
        })
    return pd.DataFrame(rows)


def since_previous(ctx: BriefContext) -> None:
    """Key figures beside those of the previous rakor (the "no earlier rakor" sentence without them).

    Parameters
    ----------
    ctx
        The brief's context.
    """
    heading(ctx, "h_since_previous")
    previous = previous_rakor(ctx)
    if previous is None:
        md(ctx.t("no_previous"))
        return
    out = since_previous_table(ctx, previous)
    if len(out):
        table(out, caption=ctx.t("since_previous_caption"))

"""The 100 days (issue 19): the countdown to zero extreme poverty in the focus kelurahan, and the
timeliness of each agency's data.

Every figure is a row of the estimates table (``estimates/countdown.py``, ``estimates/timeliness.py``);
this module only selects and formats them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.briefs import labels, narrative, plots
from analysis.briefs.sections.context import BriefContext, heading, md, table
from analysis.estimates.countdown import (
    BURNDOWN,
    CLEARED,
    CURRENT_PACE,
    DATE_BREAKDOWN,
    PACE,
    PROJECTED,
    REMAINING,
    UPPER,
    programme_dates,
)
from analysis.estimates.timeliness import AGE, DELAY_MEDIAN, TURNAROUND


def hundred_days(ctx: BriefContext) -> None:
    """The "100 hari" section: days elapsed and left, a burn-down per focus kelurahan, and one
    sentence per kelurahan (on track, or the pace it needs).

    Shown in the city brief and in the briefs of areas that hold focus kelurahan; nothing otherwise.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    focus = [c for c in ctx.focus if ctx.row(REMAINING, "kelurahan", c) is not None]
    elapsed = ctx.row("programme_days_elapsed", "kota", ctx.region_code)
    if not focus or elapsed is None:
        return
    fk = ctx.settings["focus_kelurahan"]
    # the rakor date of the run (manifest); without one, the day the elapsed days give
    rakor = ctx.manifest.get("parameters", {}).get("rakor_date")
    d = programme_dates(ctx.settings, rakor or pd.Timestamp(fk["start_date"])
                        + pd.Timedelta(days=int(elapsed["estimate"])))
    when = lambda x: narrative.fmt_date(x, ctx.lang)  # noqa: E731
    heading(ctx, "h_hundred_days")
    lead = ctx.t("hundred_days_lead", elapsed=d["elapsed"], days=int(fk["target_days"]), start=when(d["start"]),
                 left=d["left"], deadline=when(d["deadline"]), today=when(d["today"]))
    if d["left"] == 0:
        lead += " " + ctx.t("hundred_days_passed", days=int(fk["target_days"]), deadline=when(d["deadline"]))
    md(lead)
    _burndown(ctx, focus, d)
    md("\n\n".join(_sentence(ctx, code, d) for code in focus))
    h = ctx.header
    rows = []
    for code in focus:
        proj = ctx.row(PROJECTED, "kelurahan", code)
        rows.append({
            h("kelurahan"): ctx.names[code],
            h("hd_remaining"): ctx.count(ctx.row(REMAINING, "kelurahan", code)),
            h("hd_cleared"): ctx.count(ctx.row(CLEARED, "kelurahan", code)),
            h("hd_pace"): _rate(ctx, ctx.row(CURRENT_PACE, "kelurahan", code)),
            h("hd_needed"): _rate(ctx, ctx.row(PACE, "kelurahan", code)),
            h("hd_projected"): _projected(ctx, proj),
            h("hd_upper"): _bound(ctx, ctx.row(UPPER, "kelurahan", code)),
        })
    table(pd.DataFrame(rows), caption=ctx.source_note("pendataan_rt", "dtsen", "susenas"),
          note=ctx.t("hundred_days_note"))


def _burndown(ctx: BriefContext, focus: list[str], d: dict) -> None:
    pts = ctx.rows(BURNDOWN, "kelurahan", focus, breakdown=None)
    pts = pts[pts["breakdown"].str.startswith(DATE_BREAKDOWN) & ~pts["suppressed"].astype(bool)]
    if pts.empty:
        return
    data = pd.DataFrame({"area_name": pts["area_code"].map(ctx.names).to_numpy(),
                         "date": pd.to_datetime(pts["breakdown"].str.removeprefix(DATE_BREAKDOWN)).to_numpy(),
                         "remaining": pts["estimate"].to_numpy(float)})
    order = {ctx.names[c]: i for i, c in enumerate(focus)}
    data = data.sort_values(["area_name", "date"], key=lambda s: s.map(order) if s.name == "area_name" else s)
    upper = {}
    for code in focus:
        r = ctx.row(UPPER, "kelurahan", code)
        if r is not None and not bool(r["suppressed"]) and np.isfinite(r["estimate"]):
            upper[ctx.names[code]] = float(r["estimate"])
    fig = plots.burndown_plot(data, d["start"], d["deadline"], d["today"],
                              title=ctx.t("burndown_title", days=int(ctx.settings["focus_kelurahan"]["target_days"])),
                              source_note=ctx.source_note("pendataan_rt", "susenas"), lang=ctx.lang, upper=upper)
    plots.show(fig)


def _sentence(ctx: BriefContext, code: str, d: dict) -> str:
    name = ctx.names[code]
    rem, need = ctx.row(REMAINING, "kelurahan", code), ctx.row(PACE, "kelurahan", code)
    pace, proj = ctx.row(CURRENT_PACE, "kelurahan", code), ctx.row(PROJECTED, "kelurahan", code)
    if rem is None or bool(rem["suppressed"]):
        return ctx.t("track_hidden", name=name)
    if rem["estimate"] == 0:
        return ctx.t("at_zero", name=name)
    if pace is None or bool(pace["suppressed"]):  # the families cleared so far are a small count
        return ctx.t("pace_hidden", name=name, need=_rate(ctx, need))
    date = proj["note"] if proj is not None and isinstance(proj["note"], str) and proj["note"][:2] == "20" else None
    on_track = date is not None and pd.Timestamp(date) <= d["deadline"]
    if on_track:
        return ctx.t("on_track", name=name, pace=_rate(ctx, pace), date=narrative.fmt_date(date, ctx.lang))
    projection = (ctx.t("projection_date", date=narrative.fmt_date(date, ctx.lang)) if date
                  else ctx.t("projection_never"))
    return ctx.t("off_track", name=name, need=_rate(ctx, need), pace=_rate(ctx, pace), projection=projection)


def _rate(ctx: BriefContext, r: pd.Series | None) -> str:
    if r is None:
        return "–"
    if bool(r["suppressed"]):
        return ctx.hidden_mark(r)
    if pd.isna(r["estimate"]):
        return ctx.note(r)
    return narrative.fmt_number(r["estimate"], 1, ctx.lang)


def _projected(ctx: BriefContext, r: pd.Series | None) -> str:
    if r is None:
        return "–"
    if bool(r["suppressed"]):
        return ctx.hidden_mark(r)
    note = r["note"]
    if isinstance(note, str) and note[:2] == "20":
        return narrative.fmt_date(note, ctx.lang)
    return ctx.note(r)


def _bound(ctx: BriefContext, r: pd.Series | None) -> str:
    if r is None or pd.isna(r["estimate"]):
        return "–"
    return narrative.fmt_int(np.ceil(r["estimate"]), ctx.lang)


def timeliness(ctx: BriefContext) -> None:
    """The "Kedisiplinan waktu data" section of the city brief: the age of every input file at the
    rakor date, the monthly report's delay per puskesmas, and the verification turnaround.

    Parameters
    ----------
    ctx
        The brief's context.
    """
    age = ctx.rows(AGE, "kota", ctx.region_code, breakdown=None, data_period=None)
    if age.empty:
        return
    heading(ctx, "h_timeliness")
    h = ctx.header
    age = age.sort_values(["source", "breakdown"])
    out = pd.DataFrame({
        h("source"): [labels.source_name(s, ctx.lang) for s in age["source"]],
        h("tl_file"): age["breakdown"].str.removeprefix("file=").to_numpy(),
        h("data_period"): [narrative.fmt_period(p, ctx.lang) for p in age["data_period"]],
        h("tl_age"): [narrative.fmt_int(v, ctx.lang) for v in age["estimate"]],
        h("note"): [ctx.note(r) if isinstance(r["note"], str) else "" for _, r in age.iterrows()],
    })
    table(out, note=ctx.t("timeliness_note"))
    delay = ctx.rows(DELAY_MEDIAN, "kota", ctx.region_code, breakdown=None)
    if len(delay):
        table(pd.DataFrame({
            h("puskesmas"): delay["breakdown"].str.removeprefix("puskesmas=").to_numpy(),
            h("data_period"): [narrative.fmt_period(p, ctx.lang) for p in delay["data_period"]],
            h("tl_delay"): [narrative.fmt_number(v, 0, ctx.lang) for v in delay["estimate"]],
            h("tl_reports"): [narrative.fmt_int(v, ctx.lang) for v in delay["n"]],
        }), caption=ctx.source_note("eppgbm_bulanan"), note=ctx.t("report_delay_note"))
    turn = ctx.rows(TURNAROUND, "kelurahan", breakdown="total")
    if len(turn):
        table(pd.DataFrame({
            h("kelurahan"): turn["area_code"].map(ctx.names).to_numpy(),
            h("tl_turnaround"): [narrative.fmt_number(v, 0, ctx.lang) for v in turn["estimate"]],
            h("tl_results"): [narrative.fmt_int(v, ctx.lang) for v in turn["n"]],
        }), note=ctx.t("turnaround_note"))


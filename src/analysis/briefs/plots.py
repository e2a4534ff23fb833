"""Figures of the briefs: one seaborn theme, one colour-blind-safe palette (Okabe-Ito).

Every figure has a title, axis labels with units and a source line, and carries an alt text
(``fig._alt_text``, read with :func:`alt_text`). In a notebook, show a figure with
:func:`show`: it displays the PNG with the alt text in the output metadata, which
``analysis.briefs.render`` writes into ``<img alt="...">``.

Percent axes take proportions (0–1) and are labelled in the language's number format
(``12,5%`` in Bahasa Indonesia).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from analysis.briefs import labels, narrative
from analysis.errors import RakorInputError

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. Order: the series colours used first.
OKABE_ITO = {
    "blue": "#0072B2", "orange": "#E69F00", "bluish_green": "#009E73", "vermillion": "#D55E00",
    "sky_blue": "#56B4E9", "reddish_purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000",
}
PALETTE = list(OKABE_ITO.values())
ESTIMATE_COLOUR = OKABE_ITO["blue"]
REF_STYLES = [  # reference lines: city value, target, then others
    {"color": "#333333", "linestyle": "--"},
    {"color": OKABE_ITO["vermillion"], "linestyle": ":"},
    {"color": OKABE_ITO["bluish_green"], "linestyle": "-."},
    {"color": OKABE_ITO["reddish_purple"], "linestyle": (0, (5, 1, 1, 1))},
]
FIG_WIDTH_IN = 6.8  # A4 text width with 18 mm margins (174 mm)
SOURCE_FONTSIZE = 8

_TEXT = {lang: {k: labels.pick(v, lang) for k, v in labels.PLOT_TEXT.items()} for lang in labels.LANGS}


def set_theme() -> None:
    """The seaborn theme and Okabe-Ito palette of every brief figure (call once per notebook).

    Inside IPython it also registers a PNG formatter for figures that puts the alt text into
    the output metadata, so a figure left as a cell's last expression keeps its alt text too
    (prefer :func:`show`, which also closes the figure).
    """
    _register_ipython_formatter()
    sns.set_theme(
        context="notebook", style="whitegrid", palette=PALETTE, font="DejaVu Sans",
        rc={
            "figure.figsize": (FIG_WIDTH_IN, 4.2), "figure.dpi": 100, "savefig.dpi": 150,
            "axes.titlesize": 12, "axes.titleweight": "bold", "axes.titlelocation": "left",
            "axes.labelsize": 10, "xtick.labelsize": 9, "ytick.labelsize": 9,
            "legend.fontsize": 8.5, "axes.spines.top": False, "axes.spines.right": False,
            "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans", "Arial", "Liberation Sans", "sans-serif"],
        },
    )


class PercentFormatter(Formatter):
    """Tick labels for proportions (0–1) as percentages in the language's format (``12,5%``)."""

    def __init__(self, lang: str = "id"):
        self.lang = lang
        self._decimals: int | None = None

    def _tick_decimals(self) -> int:
        """Decimals the axis's tick spacing needs (0 for steps of 1 point or more)."""
        lo, hi = self.axis.get_view_interval() if self.axis is not None else (0.0, 1.0)
        ticks = [t for t in self.axis.get_majorticklocs()] if self.axis is not None else []
        step = np.min(np.diff(ticks)) if len(ticks) > 1 else abs(hi - lo)
        return 0 if step * 100 >= 1 - 1e-9 else (1 if step * 100 >= 0.1 - 1e-9 else 2)

    def format_ticks(self, values) -> list[str]:
        """The labels of all ticks of the axis, its spacing worked out once for them (not per label:
        the axis's tick locations are computed anew at each request)."""
        self._decimals = self._tick_decimals()
        try:
            return super().format_ticks(values)
        finally:
            self._decimals = None

    def __call__(self, x: float, pos: int | None = None) -> str:
        decimals = self._tick_decimals() if self._decimals is None else self._decimals
        return narrative.fmt_pct(x, self.lang, decimals=decimals)


class IntFormatter(Formatter):
    """Tick labels for counts with the language's thousands separator (``12.345``)."""

    def __init__(self, lang: str = "id"):
        self.lang = lang

    def __call__(self, x: float, pos: int | None = None) -> str:
        return narrative.fmt_int(x, self.lang)


def alt_text(fig: Figure) -> str:
    """The alt text attached to a figure by this module.

    Parameters
    ----------
    fig
        A figure made by this module.

    Returns
    -------
    str
        The alt text, ``""`` if none.
    """
    return getattr(fig, "_alt_text", "") or ""


def _source(source_note: str | None, lang: str) -> str:
    if not source_note:
        raise RakorInputError("every figure needs a source line: pass source_note='…' "
                              "(e.g. 'e-PPGBM Dinkes Kota Bontang, Agustus 2024')")
    return narrative.source_line(source_note, lang)


def _unit_label(label: str | None, default: str, percent: bool) -> str:
    label = label or default
    if percent and "%" not in label:
        label += " (%)"
    return label


def _finish(fig: Figure, ax, title: str, source: str, alt: str, title_pad: float = 10) -> Figure:
    if not title:
        raise RakorInputError("every figure needs a title: pass title='…'")
    ax.set_title(title, loc="left", pad=title_pad, fontsize=12, fontweight="bold")
    fig.text(0.01, 0.01, source, ha="left", va="bottom", fontsize=SOURCE_FONTSIZE, color="#444444",
             wrap=True)
    # leave room for the source line: about two text lines at 8 pt
    bottom = min(0.3, 0.36 / fig.get_figheight())
    tight_layout(fig, rect=(0, bottom, 1, 1))
    fig._alt_text = alt
    fig._title = title
    return fig


def tight_layout(fig: Figure, rect: tuple[float, float, float, float]) -> None:
    """``fig.tight_layout(rect=rect)``, each Axes' layout box measured once.

    Given a ``rect``, matplotlib fits the subplots twice (the second time inside the rect, from the
    margins found the first time), and both times measures every Axes with its tick labels and
    titles (``get_tightbbox``, the costly part: a text layout of every label), though nothing moves
    between the two. Here the second measure of an Axes, with the same renderer and arguments, is the
    first one's box: the same subplot parameters, a third less work.

    Parameters
    ----------
    fig
        The figure.
    rect
        ``(left, bottom, right, top)`` in figure coordinates, as for ``Figure.tight_layout``.
    """
    boxes: dict[tuple, Any] = {}
    axes = list(fig.axes)
    own = {id(ax): vars(ax).get("get_tightbbox") for ax in axes}  # an instance's own, put back below
    for ax in axes:
        def measured_once(renderer=None, *args, _ax=ax, _measure=ax.get_tightbbox, **kwargs):
            key = (id(_ax), id(renderer), args, tuple(sorted(kwargs.items(), key=lambda kv: kv[0])))
            try:
                hash(key)
            except TypeError:  # e.g. a list of extra artists: measured each time
                return _measure(renderer, *args, **kwargs)
            if key not in boxes:
                boxes[key] = _measure(renderer, *args, **kwargs)
            return boxes[key]

        ax.get_tightbbox = measured_once  # an instance attribute over the method, removed below
    try:
        fig.tight_layout(rect=rect)
    finally:
        for ax in axes:
            if own[id(ax)] is None:
                del ax.get_tightbbox
            else:
                ax.get_tightbbox = own[id(ax)]


def _check_cols(df: pd.DataFrame, cols: Sequence[str], fn: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise RakorInputError(f"{fn}: column(s) {', '.join(missing)} not in the table "
                              f"(columns: {', '.join(map(str, df.columns))})")


def _fmt(value: Any, percent: bool, lang: str) -> str:
    return narrative.fmt_pct(value, lang) if percent else narrative.fmt_number(value, 1, lang)


def _ref_lines(ax, ref_lines: Mapping[str, float] | None, percent: bool, lang: str,
               vertical: bool) -> list[str]:
    described = []
    for i, (label, value) in enumerate((ref_lines or {}).items()):
        if value is None or pd.isna(value):
            continue
        style = REF_STYLES[i % len(REF_STYLES)]
        text = f"{label} {_fmt(value, percent, lang)}"
        line = ax.axvline if vertical else ax.axhline
        line(value, linewidth=1.4, label=text, zorder=1, **style)
        described.append(text)
    return described


def forest_plot(df: pd.DataFrame, label_col: str, est: str = "estimate", low: str = "ci_low",
                high: str = "ci_high", ref_lines: Mapping[str, float] | None = None,
                title: str = "", xlabel: str | None = None, source_note: str = "",
                lang: str = "id", percent: bool = True, reliability_col: str | None = "reliability",
                highlight: Sequence[str] = ()) -> Figure:
    """Estimates with their 95% CIs, one row per area, and reference lines (city, target).

    Parameters
    ----------
    df
        One row per area, in the order to show (top to bottom).
    label_col, est, low, high
        Columns: row label, estimate and CI bounds (proportions 0–1 when ``percent``).
    ref_lines
        ``{label: value}``, e.g. ``{"Kota": 0.182, "Target": 0.14}``; drawn as vertical lines.
    title, xlabel, source_note
        Title, x-axis label (units added: ``(%)``) and source line (required).
    lang
        ``"id"`` or ``"en"``: number format and words.
    reliability_col
        If present in ``df``: ``unreliable`` rows get a hollow marker, ``caution`` a grey one.
    highlight
        Labels set in bold (the focus kelurahan).

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig._alt_text``.
    """
    set_theme()
    _check_cols(df, [label_col, est, low, high], "forest_plot")
    t = _TEXT[narrative._check_lang(lang)]
    data = df.reset_index(drop=True)
    n = len(data)
    y = np.arange(n)[::-1]
    fig, ax = plt.subplots(figsize=(FIG_WIDTH_IN, 1.7 + 0.32 * max(n, 1)))
    values = pd.to_numeric(data[est], errors="coerce").to_numpy(dtype=float)
    lo = pd.to_numeric(data[low], errors="coerce").to_numpy(dtype=float)
    hi = pd.to_numeric(data[high], errors="coerce").to_numpy(dtype=float)
    rel = (data[reliability_col].astype("object") if reliability_col and reliability_col in data
           else pd.Series([None] * n, dtype="object"))
    unreliable = (rel == "unreliable").to_numpy()
    caution = (rel == "caution").to_numpy()
    ax.hlines(y, lo, hi, color=ESTIMATE_COLOUR, linewidth=2, zorder=2)
    solid = ~unreliable
    ax.scatter(values[solid & ~caution], y[solid & ~caution], s=40, color=ESTIMATE_COLOUR, zorder=3,
               label=t["estimate"] + f" ({t['ci']})")
    if caution.any():
        ax.scatter(values[caution], y[caution], s=40, color="#7f7f7f", zorder=3,
                   label=f"{t['estimate']}, {t['caution']}")
    if unreliable.any():
        ax.scatter(values[unreliable], y[unreliable], s=40, facecolor="white",
                   edgecolor=ESTIMATE_COLOUR, linewidth=1.5, zorder=3,
                   label=f"{t['estimate']}, {t['unreliable']}")
    refs = _ref_lines(ax, ref_lines, percent, lang, vertical=True)
    ax.set_yticks(y, data[label_col].astype(str))
    for tick, label in zip(ax.get_yticklabels(), data[label_col].astype(str), strict=True):
        if label in set(highlight):
            tick.set_fontweight("bold")
    ax.set_ylim(-0.7, n - 0.3)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(_unit_label(xlabel, t["percent"], percent))
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(lang))
        left = np.nanmin(np.r_[lo, values, list((ref_lines or {}).values()) or [np.nan]])
        ax.set_xlim(left=min(0.0, left) if np.isfinite(left) else 0.0)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False,
              borderaxespad=0.2, handletextpad=0.4, columnspacing=1.2)
    finite = np.isfinite(values)
    summary = ""
    if finite.any():
        i_max, i_min = int(np.nanargmax(values)), int(np.nanargmin(values))
        names = data[label_col].astype(str)
        summary = (f" {t['highest'].capitalize()} {names[i_max]} {_fmt(values[i_max], percent, lang)}"
                   f" ({t['ci']}: {_fmt(lo[i_max], percent, lang)}–{_fmt(hi[i_max], percent, lang)});"
                   f" {t['lowest']} {names[i_min]} {_fmt(values[i_min], percent, lang)}.")
    alt = f"{title}. {t['forest']} {n} {t['rows']}.{summary}"
    if refs:
        alt += f" {t['refs'].capitalize()}: " + "; ".join(refs) + "."
    n_entries = 1 + int(caution.any()) + int(unreliable.any()) + len(refs)
    legend_rows = (n_entries + 2) // 3
    return _finish(fig, ax, title, _source(source_note, lang), alt, title_pad=8 + 15 * legend_rows)


def trend_plot(history_df: pd.DataFrame, x: str = "data_period", y: str = "estimate",
               low: str | None = "ci_low", high: str | None = "ci_high", group: str | None = None,
               title: str = "", ylabel: str | None = None, source_note: str = "", lang: str = "id",
               percent: bool = True, ref_lines: Mapping[str, float] | None = None) -> Figure:
    """An indicator over periods, one line per group, with its 95% CI as a band.

    Parameters
    ----------
    history_df
        One row per period (and group): ``x`` as "YYYY-MM", ``y`` and optional CI columns.
    x, y, low, high
        Columns: period, value and CI bounds (``None``: no band).
    group
        Column with the series name (e.g. ``area_name``); ``None`` for one series.
    title, ylabel, source_note
        Title, y-axis label and source line (required).
    lang
        ``"id"`` or ``"en"``: number format and words.
    percent
        Values are proportions shown as percentages.
    ref_lines
        ``{label: value}`` drawn as horizontal lines (e.g. the target).

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig._alt_text``.
    """
    set_theme()
    cols = [x, y] + [c for c in (low, high, group) if c]
    _check_cols(history_df, cols, "trend_plot")
    t = _TEXT[narrative._check_lang(lang)]
    data = history_df.copy()
    data[x] = data[x].astype(str)
    periods = sorted(data[x].unique())
    pos = {p: i for i, p in enumerate(periods)}
    data["_x"] = data[x].map(pos)
    fig, ax = plt.subplots(figsize=(FIG_WIDTH_IN, 4.0))
    groups = [(None, data)] if group is None else list(data.groupby(group, sort=False))
    described = []
    for i, (name, part) in enumerate(groups):
        part = part.sort_values("_x")
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(part["_x"], part[y], marker="o", color=colour, linewidth=2,
                label=None if name is None else str(name))
        if low and high:
            ax.fill_between(part["_x"], part[low].astype(float), part[high].astype(float),
                            color=colour, alpha=0.18, linewidth=0)
        first, last = part.iloc[0], part.iloc[-1]
        who = "" if name is None else f"{name}: "
        described.append(f"{who}{narrative.fmt_period(first[x], lang)} {_fmt(first[y], percent, lang)}"
                         f" → {narrative.fmt_period(last[x], lang)} {_fmt(last[y], percent, lang)}")
    refs = _ref_lines(ax, ref_lines, percent, lang, vertical=False)
    ax.set_xticks(range(len(periods)), [narrative.fmt_period(p, lang, short=True) for p in periods])
    ax.set_xlim(-0.3, len(periods) - 0.7)
    ax.set_xlabel(labels.text("period_axis", lang))
    ax.set_ylabel(_unit_label(ylabel, t["percent"], percent))
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(lang))
        ax.set_ylim(bottom=0)
    if group is not None or refs:
        ax.legend(frameon=False, loc="best")
    alt = f"{title}. {t['trend']}: " + "; ".join(described[:8]) + "."
    if refs:
        alt += f" {t['refs'].capitalize()}: " + "; ".join(refs) + "."
    return _finish(fig, ax, title, _source(source_note, lang), alt)


def _day_month(lang: str):
    """Tick labels "1 Mar" of a date axis, in the brief's language."""
    def fmt(value, _pos=None) -> str:
        d = mdates.num2date(value)
        return f"{d.day} {labels.MONTHS_SHORT[lang][d.month - 1]}"
    return fmt


def burndown_plot(points: pd.DataFrame, start, deadline, today, title: str = "", source_note: str = "",
                  lang: str = "id", upper: Mapping[str, float] | None = None, ncols: int = 2) -> Figure:
    """Remaining families against the straight line to zero on the deadline, one panel per area.

    Parameters
    ----------
    points
        ``area_name``, ``date``, ``remaining``: the burn-down points (ascending dates per area).
    start, deadline, today
        The programme's start and deadline (the straight line runs from the first point's count
        at ``start`` to zero at ``deadline``) and the rakor date (a vertical line).
    title, source_note
        Title and source line (required).
    lang
        ``"id"`` or ``"en"``.
    upper
        ``{area_name: value}``: the survey or small-area upper bound, a dotted horizontal line.
    ncols
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig._alt_text``.
    """
    set_theme()
    _check_cols(points, ["area_name", "date", "remaining"], "burndown_plot")
    t = _TEXT[narrative._check_lang(lang)]
    start, deadline, today = (pd.Timestamp(x) for x in (start, deadline, today))
    names = list(dict.fromkeys(points["area_name"]))
    nrows = max(1, -(-len(names) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(FIG_WIDTH_IN, 2.3 * nrows + 0.9), squeeze=False,
                             sharex=True)
    described = []
    for ax, name in zip(axes.flat, names, strict=False):
        part = points[points["area_name"] == name].sort_values("date")
        dates = pd.to_datetime(part["date"])
        first = float(part["remaining"].iloc[0])
        ax.plot(dates, part["remaining"], drawstyle="steps-post", marker="o", markersize=3,
                color=ESTIMATE_COLOUR, linewidth=2, label=t["remaining"])
        ax.plot([start, deadline], [first, 0], color="#333333", linestyle="--", linewidth=1.2,
                label=t["to_zero"])
        ax.axvline(today, color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1.2, label=t["rakor"])
        bound = (upper or {}).get(name)
        if bound is not None and np.isfinite(bound):
            ax.axhline(bound, color=OKABE_ITO["bluish_green"], linestyle="-.", linewidth=1.2,
                       label=t["upper_bound"])
        ax.set_title(str(name), loc="left", fontsize=10)
        ax.set_ylim(bottom=0)
        ax.set_xlim(start - pd.Timedelta(days=3), deadline + pd.Timedelta(days=3))
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonthday=1))
        ax.xaxis.set_major_formatter(FuncFormatter(_day_month(lang)))
        last = part.iloc[-1]
        described.append(f"{name}: {narrative.fmt_int(first, lang)} → {narrative.fmt_int(last['remaining'], lang)}")
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    handles, labels_ = axes.flat[0].get_legend_handles_labels()
    # the title over all panels, the legend under it (each panel keeps its kelurahan's name)
    top = 1 - 0.62 / fig.get_figheight()
    fig.suptitle(title, x=0.01, y=0.995, ha="left", fontsize=12, fontweight="bold")
    fig.legend(handles, labels_, loc="upper left", ncol=4, frameon=False, fontsize=8,
               bbox_to_anchor=(0.0, top + 0.36 / fig.get_figheight()))
    fig.text(0.01, 0.01, _source(source_note, lang), ha="left", va="bottom", fontsize=SOURCE_FONTSIZE,
             color="#444444", wrap=True)
    tight_layout(fig, rect=(0, min(0.3, 0.36 / fig.get_figheight()), 1, top))
    fig._alt_text = f"{title}. " + "; ".join(described) + "."
    fig._title = title
    return fig


def age_profile_plot(df: pd.DataFrame, age_col: str, ages: Sequence[str], est: str = "estimate",
                     low: str = "ci_low", high: str = "ci_high", group: str | None = None,
                     title: str = "", xlabel: str | None = None, ylabel: str | None = None,
                     band: tuple[str, str, str] | None = None, source_note: str = "",
                     lang: str = "id") -> Figure:
    """A prevalence by age group, one series per group, each point with its 95% CI.

    Parameters
    ----------
    df
        One row per age group (and group); proportions 0–1.
    age_col
        Column holding the age group label (one of ``ages``).
    ages
        The age groups in order, left to right (e.g. WHO's "0-5" … "48-59").
    est, low, high
        Columns: estimate and CI bounds.
    group
        Column with the series name (e.g. the sex); ``None`` for one series.
    title, xlabel, ylabel, source_note
        Title, axis labels and source line (required).
    band
        ``(first age, last age, label)``: a shaded span over those groups (the first 1,000 days).
    lang
        ``"id"`` or ``"en"``: number format and words.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig._alt_text``.
    """
    set_theme()
    _check_cols(df, [age_col, est, low, high] + ([group] if group else []), "age_profile_plot")
    t = _TEXT[narrative._check_lang(lang)]
    pos = {a: i for i, a in enumerate(ages)}
    data = df[df[age_col].isin(pos)].assign(_x=lambda d: d[age_col].map(pos))
    fig, ax = plt.subplots(figsize=(FIG_WIDTH_IN, 3.6))
    if band is not None:
        ax.axvspan(pos[band[0]] - 0.45, pos[band[1]] + 0.45, color="#eeeeee", zorder=0, label=band[2])
    groups = [(None, data)] if group is None else list(data.groupby(group, sort=False))
    width = 0.5 / max(len(groups), 1)
    described = []
    for i, (name, part) in enumerate(groups):
        part = part.sort_values("_x")
        x = part["_x"].to_numpy(float) + (i - (len(groups) - 1) / 2) * width
        colour = PALETTE[i % len(PALETTE)]
        values = part[est].astype(float).to_numpy()
        ax.vlines(x, part[low].astype(float), part[high].astype(float), color=colour, linewidth=2, zorder=2)
        ax.plot(x, values, marker="o", color=colour, linewidth=1, zorder=3,
                label=t["estimate"] + f" ({t['ci']})" if name is None else str(name))
        who = "" if name is None else f"{name}: "
        described.append(who + ", ".join(f"{a} {_fmt(v, True, lang)}"
                                          for a, v in zip(part[age_col], values, strict=True)))
    ax.set_xticks(range(len(ages)), list(ages))
    ax.set_xlim(-0.6, len(ages) - 0.4)
    ax.set_xlabel(xlabel or "")
    ax.set_ylabel(_unit_label(ylabel, t["percent"], True))
    ax.yaxis.set_major_formatter(PercentFormatter(lang))
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, loc="upper left", ncol=3)
    alt = f"{title}. {t['age_profile']}: " + "; ".join(described) + "."
    return _finish(fig, ax, title, _source(source_note, lang), alt)


def bar_counts(df: pd.DataFrame, label_col: str, count_col: str, title: str = "",
               xlabel: str | None = None, source_note: str = "", lang: str = "id",
               display_col: str | None = None, colour: str = ESTIMATE_COLOUR,
               sort: bool = True, min_cell: int | None = None) -> Figure:
    """Horizontal bars of counts, labelled with the (possibly suppressed) displayed value.

    Parameters
    ----------
    df
        One row per bar.
    label_col, count_col
        Bar label and count.
    title, xlabel, source_note
        Title, x-axis label and source line (required).
    lang
        ``"id"`` or ``"en"``.
    display_col
        The text to print at each bar, from :func:`analysis.estimates.suppression.suppress_small_counts`
        (``f"{count_col}_display"``). A bar whose displayed text is not its plain count (``"<5"``,
        ``"*"``) is not drawn, so its length cannot give the hidden count away. Without it,
        the counts are suppressed here (whole table as one group, ``min_cell`` from config):
        a chart of persons or families never shows a count below ``min_cell``.
    colour
        Bar colour.
    sort
        Largest count on top (hidden bars at the bottom).
    min_cell
        Smallest count shown when suppressing here (default ``privacy.min_cell``).

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig._alt_text``.
    """
    set_theme()
    _check_cols(df, [label_col, count_col] + ([display_col] if display_col else []), "bar_counts")
    t = _TEXT[narrative._check_lang(lang)]
    data = df.reset_index(drop=True).copy()
    if display_col is None:
        from analysis.estimates.suppression import suppress_small_counts

        data = suppress_small_counts(data, count_col, min_cell=min_cell, lang=lang)
        display_col = f"{count_col}_display"
    counts = pd.to_numeric(data[count_col], errors="coerce")
    plain = narrative.fmt_int_series(counts, lang)
    shown = data[display_col].astype(str)
    hidden = (shown != plain.fillna("")).to_numpy()
    data["_count"] = counts.where(~hidden)
    data["_shown"] = shown
    if sort:
        data = data.assign(_h=hidden).sort_values(["_h", "_count"], ascending=[True, False],
                                                  kind="mergesort").reset_index(drop=True)
        hidden = data["_h"].to_numpy()
    n = len(data)
    yy = np.arange(n)[::-1]
    fig, ax = plt.subplots(figsize=(FIG_WIDTH_IN, 1.6 + 0.3 * max(n, 1)))
    ax.barh(yy, data["_count"].fillna(0), color=colour, height=0.65)
    xmax = float(np.nanmax(data["_count"])) if data["_count"].notna().any() else 1.0
    for yi, txt, val in zip(yy, data["_shown"], data["_count"].fillna(0), strict=True):
        ax.text(val + xmax * 0.01, yi, txt, va="center", ha="left", fontsize=8.5)
    ax.set_yticks(yy, data[label_col].astype(str))
    ax.set_xlim(0, xmax * 1.12 if xmax > 0 else 1)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(IntFormatter(lang))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel or t["count"])
    items = "; ".join(f"{a} {b}" for a, b in zip(data[label_col].astype(str).head(12),
                                                   data["_shown"].head(12), strict=True))
    alt = f"{title}. {t['bars']}: {items}."
    if hidden.any():
        alt += f" (<{labels.policy()['min_cell']}, *: {t['hidden']})"
    return _finish(fig, ax, title, _source(source_note, lang), alt)


def upset_like(df: pd.DataFrame, set_cols: Sequence[str], count_col: str = "n",
               set_labels: Mapping[str, str] | None = None, title: str = "",
               xlabel: str | None = None, source_note: str = "", lang: str = "id",
               display_col: str | None = None, top: int | None = 12,
               min_cell: int | None = None) -> Figure:
    """How many households/people appear in each combination of sources (simple UpSet-style bars).

    Parameters
    ----------
    df
        One row per combination: boolean membership columns ``set_cols`` and a count.
    set_cols
        The membership columns.
    count_col
        The count column.
    set_labels
        Display name of each set column (``{"in_dtsen": "DTSEN"}``); default the column name.
    title, xlabel, source_note
        Title, x-axis label and source line (required).
    lang
        ``"id"`` or ``"en"``.
    display_col
        Suppressed display text (see :func:`bar_counts`).
    top
        Show only the ``top`` largest combinations (``None``: all).
    min_cell
        As in :func:`bar_counts`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_cols(df, [*set_cols, count_col], "upset_like")
    t = _TEXT[narrative._check_lang(lang)]
    names = {c: (set_labels or {}).get(c, c) for c in set_cols}
    member = df[list(set_cols)].astype("boolean").fillna(False)
    label = pd.Series("", index=df.index, dtype="object")
    for c in set_cols:
        label = label + np.where(member[c], " + " + names[c], "")
    label = label.str.removeprefix(" + ")
    single = member.sum(axis=1) == 1
    label = label.where(~single, label.map(lambda s: t["only"].format(x=s)))
    data = df.assign(_combo=label)
    if top is not None:
        data = data.sort_values(count_col, ascending=False, kind="mergesort").head(top)
    return bar_counts(data, "_combo", count_col, title=title, xlabel=xlabel, lang=lang,
                      source_note=source_note, display_col=display_col, min_cell=min_cell)


def png_bytes(fig: Figure, dpi: int = 150) -> bytes:
    """The figure as PNG bytes (metadata stripped so the bytes are reproducible).

    Parameters
    ----------
    fig
        The figure.
    dpi
        Resolution.

    Returns
    -------
    bytes
    """
    buf = io.BytesIO()
    engine = fig.get_layout_engine()
    # After ``tight_layout`` a figure keeps a placeholder layout engine, which does nothing; yet
    # savefig draws a figure with any engine once without rendering before the real draw (so that a
    # real engine could lay it out). For the placeholder that first draw is wasted (~8 ms of a
    # 60 ms savefig): the engine is set aside for the call. Not when the rcParams would make ``None`` an
    # engine again (figure.autolayout, constrained layout).
    idle = (isinstance(engine, PlaceHolderLayoutEngine) and not matplotlib.rcParams["figure.autolayout"]
            and not matplotlib.rcParams["figure.constrained_layout.use"])
    if idle:
        fig.set_layout_engine(None)
    try:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        if idle:
            fig.set_layout_engine(engine)
    return buf.getvalue()


def _png_with_metadata(fig: Figure) -> tuple[bytes, dict[str, Any]]:
    md: dict[str, Any] = {"width": int(round(fig.get_figwidth() * 96))}
    if alt_text(fig):
        md["alt"] = alt_text(fig)
    return png_bytes(fig), md


def _register_ipython_formatter() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    ip = get_ipython()
    if ip is not None:
        ip.display_formatter.formatters["image/png"].for_type(Figure, _png_with_metadata)


def show(fig: Figure, alt: str | None = None, dpi: int = 150, close: bool = True) -> None:
    """Display a figure in a notebook as PNG with its alt text in the output metadata.

    The output carries ``metadata["image/png"]["alt"]`` (read by :mod:`analysis.briefs.render` into
    ``<img alt>``) and ``width`` in CSS pixels (so the figure prints at the A4 text width); its
    ``text/plain`` is the alt text.

    Parameters
    ----------
    fig
        The figure.
    alt
        Alt text; default the figure's own (:func:`alt_text`), else its title.
    dpi
        Resolution of the PNG.
    close
        Close the figure afterwards, so the inline backend does not show it a second time.
    """
    from IPython.display import display

    alt = alt or alt_text(fig) or getattr(fig, "_title", "") or labels.text("figure", "id")
    data = base64.b64encode(png_bytes(fig, dpi)).decode("ascii")
    width = int(round(fig.get_figwidth() * 96))
    display({"image/png": data, "text/plain": alt}, raw=True,
            metadata={"image/png": {"alt": alt, "width": width}})
    if close:
        plt.close(fig)

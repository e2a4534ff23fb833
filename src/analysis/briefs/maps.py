"""Maps of the briefs: desa/kelurahan choropleths drawn from rows of the estimates table.

A map follows the conventions of :mod:`analysis.briefs.plots`: a title and a source line are
required, the alt text (``fig._alt_text``) starts with "Peta" (Bahasa Indonesia) or "Map"
(English), and :func:`analysis.briefs.plots.show` puts it into the HTML and the PDF.

What a reader sees:

- a few classes with round limits (:func:`class_breaks`), from light to dark Okabe-Ito blue, and a
  legend in the brief's language (``10–15%``, ``2,5–5%`` with a decimal comma in Indonesian);
  a count map has its own class for zero (the target);
- an estimate marked ``unreliable`` (RSE above ``estimation.reliability.caution_max_rse``) hatched;
- a value hidden by the suppression rule grey; an area without a row white ("no data");
- focus kelurahan outlined in black, the brief's own kelurahan (``highlight``) in vermillion;
- the name of every area (with many areas, of the focus and highlighted ones and the highest
  few only, so that labels stay readable).

Without shapes for the areas, :func:`choropleth` returns ``None`` and the section shows its
ranked chart instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import matplotlib.patheffects as path_effects
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis.briefs import labels, narrative, plots
from analysis.errors import RakorInputError

#: light to dark, through Okabe-Ito blue: one hue, so that the order reads with any colour vision
RAMP = LinearSegmentedColormap.from_list("okabe_ito_blue", ["#deebf5", plots.OKABE_ITO["blue"], "#08385c"])
SUPPRESSED_GREY = "#9a9a9a"
NO_DATA = "#ffffff"
EDGE = "#ffffff"
HATCH = "////"
HATCH_COLOUR = "#333333"
FOCUS_COLOUR = plots.OKABE_ITO["black"]
HIGHLIGHT_COLOUR = plots.OKABE_ITO["vermillion"]
#: label every area up to this many; beyond, the focus and highlighted areas and the highest few
MAX_LABELS = 30
TOP_LABELS = 5

_TEXT = {lang: {k: labels.pick(v, lang) for k, v in labels.PLOT_TEXT.items()} for lang in labels.LANGS}


def _nice_step(span: float, k: int, integer: bool) -> float:
    """The smallest round width (1, 2, 2.5, 5 × 10ⁿ; 2.5 only where it keeps one decimal) that
    covers ``span`` in ``k`` classes."""
    raw = span / k
    mag = 10.0 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer or mag < 1 else (1, 2, 2.5, 5, 10)
    step = next(m * mag for m in steps if m * mag >= raw * (1 - 1e-9))
    return max(step, 1.0) if integer else step


def class_breaks(values: Sequence[float] | np.ndarray, k: int = 5, integer: bool = False,
                 scale: float = 1.0) -> np.ndarray:
    """Class limits with round numbers: at most ``k`` classes of equal width covering the values.

    Parameters
    ----------
    values
        The values to class (missing values ignored).
    k
        Largest number of classes.
    integer
        Counts: limits and widths are whole numbers (1, 2, 5 × 10ⁿ), and zero is left to a class of
        its own (the limits cover the positive values; the first limit is at least 1).
    scale
        The limits are round in ``values × scale`` (100 for proportions shown in percent).

    Returns
    -------
    numpy.ndarray
        Increasing limits ``e0 < e1 < … < em`` (``m ≤ k``) in the units of ``values``; class ``i`` is
        ``[e_i, e_{i+1})`` and the largest value lies below ``em``. Empty without a value to class.

    Examples
    --------
    >>> class_breaks([0.136, 0.19, 0.288], scale=100).tolist()
    [0.1, 0.15, 0.2, 0.25, 0.3]
    """
    v = np.asarray(values, dtype=float) * scale
    v = v[np.isfinite(v)]
    if integer:
        v = v[v > 0]
    if v.size == 0:
        return np.array([])
    lo, hi = float(v.min()), float(v.max())
    span = max(hi - lo, 1.0 if integer else (abs(hi) * 0.1 or 0.01))
    step = _nice_step(span, k, integer)
    while True:
        start = math.floor(lo / step + 1e-9) * step
        n = math.floor((hi - start) / step + 1e-9) + 1
        if n <= k:
            break
        step = _nice_step(step * 1.01 * k, k, integer)
    edges = np.round(start + step * np.arange(n + 1), 6)
    if integer:
        edges[0] = max(edges[0], 1.0)
    return edges / scale


def class_labels(edges: np.ndarray, lang: str = "id", percent: bool = True, integer: bool = False) -> list[str]:
    """Legend text of each class: ``"10–15%"``, ``"2,5–5%"``; counts ``"5–9"`` (whole numbers, inclusive).

    Parameters
    ----------
    edges
        Limits from :func:`class_breaks` (proportions when ``percent``).
    lang
        ``"id"`` or ``"en"``: decimal separator.
    percent
        Limits are proportions shown as percentages.
    integer
        Limits of counts: class ``[a, b)`` reads ``a–(b−1)``.

    Returns
    -------
    list of str
    """
    def num(x: float) -> str:
        x = x * (100 if percent else 1)
        return narrative.fmt_number(x, 0 if abs(x - round(x)) < 1e-9 else 1, lang)

    out = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if integer:
            lo, hi = int(a), int(b) - 1
            out.append(narrative.fmt_int(lo, lang) if lo == hi
                       else f"{narrative.fmt_int(lo, lang)}{labels.DASH}{narrative.fmt_int(hi, lang)}")
        else:
            out.append(f"{num(a)}{labels.DASH}{num(b)}{'%' if percent else ''}")
    return out


def _value_text(value: float, lang: str, percent: bool) -> str:
    return narrative.fmt_pct(value, lang) if percent else narrative.fmt_int(value, lang)


def choropleth(shapes: gpd.GeoDataFrame | None, data: pd.DataFrame, title: str = "", source_note: str = "",
               lang: str = "id", percent: bool = True, legend_title: str = "", focus: Sequence[str] = (),
               highlight: Sequence[str] = (), panel_col: str | None = None, k: int = 5,
               max_height: float | None = None) -> Figure | None:
    """A desa/kelurahan choropleth of estimates-table rows, or ``None`` without shapes for them.

    Parameters
    ----------
    shapes
        ``kode, nama, geometry`` (:func:`analysis.intake.boundaries.load_boundaries`) of the areas
        to draw; ``None`` or empty: no map.
    data
        Rows of the estimates table: ``area_code``, ``estimate``, and ``reliability`` and
        ``suppressed`` when present. An area of ``shapes`` without a row is drawn as "no data".
    title, source_note
        Title and source line (required).
    lang
        ``"id"`` or ``"en"``.
    percent
        Estimates are proportions (classes in percent); else counts (whole-number classes and a
        class of its own for zero).
    legend_title
        Heading of the legend (what the classes measure).
    focus, highlight
        Area codes outlined in black (focus kelurahan) and in vermillion (the brief's own area).
    panel_col
        A column of ``data`` naming panels (small multiples sharing one set of classes), in order
        of appearance; ``None`` for one map.
    k
        Largest number of classes.
    max_height
        Largest height of the map itself, in inches; default 4 for one map, 3.2 for panels (so that a
        brief's maps share an A4 page where they can; a locator map is smaller).

    Returns
    -------
    matplotlib.figure.Figure or None
        With ``fig._alt_text``; ``None`` when no row of ``data`` has a shape.

    Notes
    -----
    An area too small for its name (the name wider than its largest part on the page) gets a
    number, and the key beside the legend names it.
    """
    if shapes is None or len(shapes) == 0 or data.empty:
        return None
    plots._check_cols(data, ["area_code", "estimate"], "choropleth")
    if not data["area_code"].isin(set(shapes["kode"])).any():
        return None
    plots.set_theme()
    t = _TEXT[narrative._check_lang(lang)]
    source = plots._source(source_note, lang)
    if not title:
        raise RakorInputError("every figure needs a title: pass title='…'")
    shapes = shapes[["kode", "nama", "geometry"]].reset_index(drop=True)
    d = data.copy()
    d["_hidden"] = (d["suppressed"].astype("boolean").fillna(False).to_numpy(bool) if "suppressed" in d
                    else np.zeros(len(d), bool))
    d["_value"] = pd.to_numeric(d["estimate"], errors="coerce").where(~d["_hidden"])
    d["_unreliable"] = ((d["reliability"].astype("object") == "unreliable").to_numpy() if "reliability" in d
                        else np.zeros(len(d), bool)) & ~d["_hidden"].to_numpy(bool)
    integer = not percent
    edges = class_breaks(d["_value"], k=k, integer=integer, scale=100 if percent else 1)
    names = class_labels(edges, lang, percent, integer) if len(edges) else []
    zero_class = integer and bool((d["_value"] == 0).any())
    ramp = [to_hex(RAMP(x)) for x in np.linspace(0.0, 1.0, len(names) + int(zero_class))]
    zero_colour = ramp[0] if zero_class else None
    colours = ramp[int(zero_class):]
    panels = [None] if panel_col is None else list(dict.fromkeys(d[panel_col]))
    focus, highlight = set(focus), set(highlight)

    # Layout: maps side by side; legend and key at the right of one map, under several.
    n_panels = len(panels)
    x0, y0, x1, y1 = shapes.total_bounds
    aspect = (y1 - y0) / max(x1 - x0, 1e-9) / math.cos(math.radians((y0 + y1) / 2))
    side = 0.36 if n_panels == 1 else 0.0
    map_w = plots.FIG_WIDTH_IN * (1 - side) / n_panels - 0.1
    max_height = max_height or (4.0 if n_panels == 1 else 3.2)
    map_h = float(np.clip(map_w * aspect, min(2.2, max_height), max_height))
    below = 0.0 if n_panels == 1 else 1.05
    head = 0.5 + (0.3 if n_panels > 1 else 0.0)
    fig = plt.figure(figsize=(plots.FIG_WIDTH_IN, map_h + head + below + 0.4))
    fh = fig.get_figheight()
    bottom = (0.4 + below) / fh
    axes = []
    for i in range(n_panels):
        left = i * (1 - side) / n_panels
        axes.append(fig.add_axes((left + 0.01, bottom, (1 - side) / n_panels - 0.02, map_h / fh)))

    described: list[str] = []
    label_of: dict[str, str] = {}  # area code -> number, for areas too small for their name
    merged = []
    for ax, panel in zip(axes, panels, strict=True):
        part = d if panel is None else d[d[panel_col] == panel]
        m = shapes.merge(part.drop(columns=[c for c in ("geometry",) if c in part]), left_on="kode",
                         right_on="area_code", how="left", validate="1:1")
        m = gpd.GeoDataFrame(m, geometry="geometry", crs=shapes.crs)
        value = m["_value"].to_numpy(float)
        finite = np.isfinite(value)
        fill = np.full(len(m), NO_DATA, dtype=object)
        if len(edges):
            cls = np.clip(np.searchsorted(edges, value[finite], side="right") - 1, 0, len(names) - 1)
            fill[finite] = np.asarray(colours, dtype=object)[cls]
        if zero_class:
            fill[finite & (value == 0)] = zero_colour
        hidden = m["_hidden"].astype("boolean").fillna(False).to_numpy(bool)
        fill[hidden] = SUPPRESSED_GREY
        unreliable = m["_unreliable"].astype("boolean").fillna(False).to_numpy(bool)
        with _no_redraw(fig):
            _draw_panel(ax, m, fill, unreliable, focus, highlight)
        for a in axes:  # what the last of those drawings did that the names below depend on: the
            a.apply_aspect()  # box of each map at its aspect (transData), with the limits of then
        ax.set_xlim(x0 - (x1 - x0) * 0.02, x1 + (x1 - x0) * 0.02)
        ax.set_ylim(y0 - (y1 - y0) * 0.02, y1 + (y1 - y0) * 0.02)
        ax.set_axis_off()
        if panel is not None:
            ax.set_title(str(panel), loc="left", fontsize=10, fontweight="bold")
        merged.append((ax, m, value, finite))
        described.append(_describe(m, value, hidden, unreliable, panel, lang, percent, t))

    # Names: every area when they are few, else the focus, highlighted and highest few.
    fontsize = 6.5 if len(shapes) <= 20 else 5.5
    for ax, m, _value, finite in merged:
        top = set(m.loc[finite].nlargest(TOP_LABELS, "_value")["kode"]) if finite.any() else set()
        for row in m.itertuples():
            if not (len(shapes) <= MAX_LABELS or row.kode in focus or row.kode in highlight or row.kode in top):
                continue
            part = max(getattr(row.geometry, "geoms", [row.geometry]), key=lambda g: g.area)
            (px0, py0), (px1, py1) = ax.transData.transform([part.bounds[:2], part.bounds[2:]])
            text_w = len(str(row.nama)) * fontsize * 0.56 * fig.dpi / 72
            if text_w <= (px1 - px0) * 0.95 and fontsize * 1.3 * fig.dpi / 72 <= (py1 - py0) * 0.8:
                text = str(row.nama)
            else:
                text = label_of.setdefault(row.kode, str(len(label_of) + 1))
            pt = part.representative_point()
            ax.annotate(text, (pt.x, pt.y), ha="center", va="center", fontsize=fontsize, color="#111111",
                        path_effects=[path_effects.withStroke(linewidth=2.2, foreground="white")])

    handles = []
    if zero_class:
        handles.append(Patch(facecolor=zero_colour, edgecolor="#bbbbbb", label="0"))
    handles += [Patch(facecolor=c, edgecolor="#bbbbbb", label=lab) for c, lab in zip(colours, names, strict=True)]
    if d["_hidden"].any():
        handles.append(Patch(facecolor=SUPPRESSED_GREY, edgecolor="#bbbbbb",
                             label=f"<{labels.policy()['min_cell']}: {t['hidden']}"))
    if (~shapes["kode"].isin(set(d["area_code"]))).any():
        handles.append(Patch(facecolor=NO_DATA, edgecolor="#999999", label=t["no_data"]))
    if bool(np.asarray(d["_unreliable"]).any()):
        handles.append(Patch(facecolor="white", edgecolor=HATCH_COLOUR, hatch=HATCH, linewidth=0.6,
                             label=t["unreliable"]))
    if shapes["kode"].isin(list(focus)).any():
        handles.append(Patch(facecolor="white", edgecolor=FOCUS_COLOUR, linewidth=1.8, label=t["focus_area"]))
    if shapes["kode"].isin(list(highlight)).any():
        handles.append(Patch(facecolor="white", edgecolor=HIGHLIGHT_COLOUR, linewidth=2.4, label=t["this_area"]))
    name_by_code = dict(zip(shapes["kode"], shapes["nama"], strict=True))
    key = [f"{n}  {name_by_code[c]}" for c, n in label_of.items()]
    legend_kw = dict(frameon=False, fontsize=7.5, title_fontsize=8, alignment="left", handlelength=1.5,
                     handleheight=1.1, borderaxespad=0.0)
    if n_panels == 1:
        top_y = (0.4 + map_h) / fh
        leg = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(1 - side + 0.01, top_y),
                         title=legend_title or None, **legend_kw)
        if key:
            fig.draw_without_rendering()  # the legend's place, as a draw finds it, unpainted
            box = leg.get_window_extent().transformed(fig.transFigure.inverted())
            fig.text(1 - side + 0.01, box.y0 - 0.03, "\n".join(key), ha="left", va="top", fontsize=6.5,
                     color="#222222", linespacing=1.25)
    else:
        leg = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, bottom - 0.01), ncol=4,
                         title=legend_title or None, **legend_kw)
        if key:
            fig.draw_without_rendering()  # the legend's place, as a draw finds it, unpainted
            box = leg.get_window_extent().transformed(fig.transFigure.inverted())
            per_col = -(-len(key) // 4)
            for j in range(4):
                chunk = key[j * per_col:(j + 1) * per_col]
                if chunk:
                    fig.text(0.01 + j * 0.25, box.y0 - 0.02, "\n".join(chunk), ha="left", va="top",
                             fontsize=6.5, color="#222222", linespacing=1.25)
    fig.text(0.01, 1 - 0.12 / fh, title, ha="left", va="top", fontsize=12, fontweight="bold")
    fig.text(0.01, 0.08 / fh, source, ha="left", va="bottom", fontsize=plots.SOURCE_FONTSIZE, color="#444444",
             wrap=True)
    classes = ", ".join((["0"] if zero_class else []) + names)
    alt = f"{t['map']}: {title}. {t['classes'].format(k=len(names) + int(zero_class), classes=classes)}"
    alt += " " + " ".join(x for x in described if x)
    outlined = [f"{t['focus_area']} ({', '.join(shapes.loc[shapes['kode'].isin(list(focus)), 'nama'])})"
                if shapes["kode"].isin(list(focus)).any() else "",
                f"{t['this_area']} ({', '.join(shapes.loc[shapes['kode'].isin(list(highlight)), 'nama'])})"
                if shapes["kode"].isin(list(highlight)).any() else ""]
    if any(outlined):
        alt += f" {t['outlined'].capitalize()}: " + "; ".join(x for x in outlined if x) + "."
    fig._alt_text = alt.strip()
    fig._title = title
    return fig


def _no_redraw(fig: Figure):
    """A context in which ``fig.canvas.draw_idle()`` does nothing.

    geopandas asks for a redraw after each layer it adds, and a canvas without an event loop (the
    kernel's, Agg) then draws the whole figure at once, several times per map. The figure is drawn
    when it is saved; of those drawings only the boxes of the maps at their aspect are used (to fit
    the names), and :func:`choropleth` sets them itself (``apply_aspect``), as the last one did.
    """
    import contextlib

    cntx = getattr(fig.canvas, "_idle_draw_cntx", None)  # matplotlib's own guard of draw_idle
    return cntx() if cntx is not None else contextlib.nullcontext()


def _draw_panel(ax, m: gpd.GeoDataFrame, fill: np.ndarray, unreliable: np.ndarray, focus: set[str],
                highlight: set[str]) -> None:
    """The layers of one map panel: fill, "no data" outlines, hatching, focus and own-area outlines."""
    m.plot(ax=ax, color=list(fill), edgecolor=EDGE, linewidth=0.7)
    no_row = m["area_code"].isna().to_numpy()
    if no_row.any():
        m.loc[no_row].plot(ax=ax, facecolor="none", edgecolor="#999999", linewidth=0.6)
    if unreliable.any():
        # dark lines with a white edge: visible on the lightest and the darkest class
        for colour, width in (("white", 2.4), (HATCH_COLOUR, 0.9)):
            n_before = len(ax.collections)
            m.loc[unreliable].plot(ax=ax, facecolor="none", edgecolor=colour, hatch=HATCH, linewidth=0)
            for coll in ax.collections[n_before:]:
                coll.set_hatch_linewidth(width)
    # outlines with a white halo, so that they show on light and dark classes alike
    for codes, colour, width in ((focus, FOCUS_COLOUR, 1.8), (highlight, HIGHLIGHT_COLOUR, 2.4)):
        sel = m["kode"].isin(list(codes)).to_numpy()
        if sel.any():
            m.loc[sel].plot(ax=ax, facecolor="none", edgecolor="white", linewidth=width + 1.8)
            m.loc[sel].plot(ax=ax, facecolor="none", edgecolor=colour, linewidth=width)


#: areas named in an alt text's list before "and N more" (a province's map has hundreds)
ALT_NAMES = 12


def _names(names: pd.Series, t: dict[str, str]) -> str:
    """The first :data:`ALT_NAMES` names, then how many more."""
    shown = ", ".join(names.iloc[:ALT_NAMES])
    more = len(names) - ALT_NAMES
    return shown if more <= 0 else f"{shown} {t['and_more'].format(n=more)}"


def _describe(m: pd.DataFrame, value: np.ndarray, hidden: np.ndarray, unreliable: np.ndarray, panel,
              lang: str, percent: bool, t: dict[str, str]) -> str:
    """One panel in words: highest and lowest (or the one value of all), hatched and grey areas."""
    parts = []
    finite = np.isfinite(value)
    if finite.any():
        hi, lo = int(np.nanargmax(np.where(finite, value, -np.inf))), int(np.nanargmin(np.where(finite, value, np.inf)))
        if value[hi] == value[lo] and finite.sum() > 1:  # one value everywhere: no highest to name
            parts.append(f"{t['all_areas'].capitalize()} {_value_text(value[hi], lang, percent)}.")
        else:
            parts.append(f"{t['highest'].capitalize()} {m['nama'].iloc[hi]} {_value_text(value[hi], lang, percent)}; "
                         f"{t['lowest']} {m['nama'].iloc[lo]} {_value_text(value[lo], lang, percent)}.")
    if unreliable.any():
        parts.append(f"{t['hatched'].capitalize()} ({t['unreliable']}): {_names(m.loc[unreliable, 'nama'], t)}.")
    if hidden.any():
        parts.append(f"{t['grey'].capitalize()} ({t['hidden']}): {_names(m.loc[hidden, 'nama'], t)}.")
    text = " ".join(parts)
    return f"{panel}: {text[:1].lower()}{text[1:]}" if panel is not None and text else text

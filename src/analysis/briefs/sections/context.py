"""What every brief section is given: the estimates of one period seen from one area.

:func:`load_estimates` is the one place the briefs read the estimates table; :func:`load_manifest`
reads the run's ``manifest.json`` (inputs with sha256 and rows, code version) for the footer.
:class:`BriefContext` holds both plus the area, period and language, and offers the selections
(:meth:`BriefContext.rows`, :meth:`BriefContext.row`) and formats (:meth:`BriefContext.pct_ci`,
:meth:`BriefContext.count`, …) the sections share. Nothing here computes a statistic.
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from analysis import config, files
from analysis.briefs import labels, narrative, plots, render
from analysis.estimates.suppression import COMPLEMENTARY_MARK
from analysis.intake.gazetteer import level_of

ESTIMATES_FILE = "estimates.parquet"
MONTHLY_METHOD = "count:wilson"
COMPLEMENTARY = "*"  # the mark of a complementary suppression (estimates/suppression.py)  # method of the monthly kelurahan report's rows (estimates/monthly.py)
_KELURAHAN = re.compile(r"(?<![/\w])kelurahan\b")  # the word alone, not in "desa/kelurahan"
_NUMERIC = re.compile(r"^([<>+\-−]?\s?[0-9]|–$|\*$|t\.a\.|n/a)")


def load_estimates(processed_dir: Path | str) -> pd.DataFrame:
    """The estimates table of a processed folder (the briefs' only data input).

    Parameters
    ----------
    processed_dir
        Folder holding ``estimates.parquet`` (written by ``rakor estimate``).

    Returns
    -------
    pandas.DataFrame
        The whole table, every period, checked against its declared schema
        (:func:`analysis.estimates.store.read_estimates`).

    Notes
    -----
    A kernel kept across briefs (:mod:`analysis.briefs.executor`) reads the table once: the checked
    table is kept while the file's content stays the same (:func:`analysis.files.reread_when_changed`), and
    each call returns a copy of it.
    """
    return _read_estimates(Path(processed_dir) / ESTIMATES_FILE)


@files.reread_when_changed
def _read_estimates(path: Path) -> pd.DataFrame:
    from analysis.estimates.store import read_estimates

    return read_estimates(path)


def load_manifest(path: Path | str | None) -> dict[str, Any]:
    """The run's manifest (``inputs``, ``code_version``), or an empty dict when there is none.

    Parameters
    ----------
    path
        ``manifest.json`` in the report's staging folder (the pipeline writes it before the briefs
        run); ``None`` or ``""`` for a brief run by hand without a manifest.

    Returns
    -------
    dict
    """
    if not path:
        return {}
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def area_names() -> pd.Series:
    """Official name of every area code of the region (kota, kecamatan, kelurahan), from the gazetteer.

    Returns
    -------
    pandas.Series
        Names indexed by Kemendagri code.
    """
    from analysis.intake.gazetteer import gazetteer

    return pd.Series(gazetteer().names, name="nama").rename_axis("kode")


@dataclass
class BriefContext:
    """The estimates of one rakor period seen from one area (a kecamatan, or the region).

    Parameters
    ----------
    est
        Rows of the estimates table for ``period``.
    period
        The rakor period ("YYYY-MM").
    lang
        "id" or "en".
    level, code, sub_level
        Area level and code of the brief, and the level of the areas one below.
    names
        Area names by code (gazetteer).
    focus
        Focus kelurahan codes within the area.
    region_code
        Code of the region (the city) from the configuration.
    synthetic
        Show the synthetic-data banner.
    manifest
        The run's manifest (see :func:`load_manifest`).
    settings
        ``config/settings.yml``.
    """

    est: pd.DataFrame
    period: str
    lang: str
    level: str
    code: str
    sub_level: str
    names: pd.Series
    focus: list[str]
    region_code: str
    synthetic: bool = False
    manifest: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    _index: tuple | None = field(default=None, init=False, repr=False, compare=False)
    _latest: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def _select(self, indicator: str, level: str | None, codes, breakdown: str | None, method: str | None,
                data_period: str | None) -> np.ndarray:
        """Positions in :attr:`est` of the rows :meth:`rows` selects, in table order.

        A brief selects a few hundred times from one table of arrow-backed strings, where every
        filtered frame costs a take of each column: the table is grouped once by indicator, level
        and area, the other conditions are tested on numpy copies of their columns, and a selection
        takes its rows once.
        """
        if self._index is None or self._index[0] is not self.est:  # (a table set after the first use)
            keys = ["indicator", "area_level", "area_code"]
            groups = {**self.est.groupby(keys, sort=False).indices,
                      **{(k,): v for k, v in self.est.groupby("indicator", sort=False).indices.items()}}
            cols = {c: self.est[c].to_numpy(dtype=object, na_value=None)
                    for c in ("area_level", "area_code", "breakdown", "method", "data_period")}
            self._index = (self.est, groups, cols)
        _, groups, cols = self._index
        none = np.array([], dtype=np.intp)
        wanted = None if codes is None else [codes] if isinstance(codes, str) else list(dict.fromkeys(codes))
        if level is not None and wanted is not None:
            parts = [groups.get((indicator, level, c), none) for c in wanted]
            pos = parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts + [none]))
        else:
            pos = groups.get((indicator,), none)
            if level is not None:
                pos = pos[cols["area_level"][pos] == level]
            if wanted is not None:
                keep = set(wanted)
                pos = pos[np.fromiter((c in keep for c in cols["area_code"][pos]), bool, len(pos))]
        if breakdown is not None:
            pos = pos[cols["breakdown"][pos] == breakdown]
        if method is not None:
            pos = pos[np.fromiter((isinstance(m, str) and m.startswith(method) for m in cols["method"][pos]),
                                  bool, len(pos))]
        if data_period == "latest" and len(pos):
            periods = cols["data_period"][pos]
            present = [v for v in periods if v is not None]
            pos = pos[periods == max(present)] if present else pos[:0]
        elif data_period not in (None, "latest"):
            pos = pos[cols["data_period"][pos] == data_period]
        return pos

    @property
    def name(self) -> str:
        """Name of the brief's area.

        Returns
        -------
        str
        """
        return self.names[self.code]

    # ------------------------------------------------------------------ words
    def t(self, key: str, **values: Any) -> str:
        """A word or sentence of :data:`analysis.briefs.labels.TEXT` in the brief's language.

        Parameters
        ----------
        key
            Key of :data:`analysis.briefs.labels.TEXT`.
        **values
            Values of the template (policy values are filled in from the configuration).

        Returns
        -------
        str
        """
        return labels.text(key, self.lang, **values)

    def village_t(self, key: str, **values: Any) -> str:
        """:meth:`t` with the word "kelurahan" of the text replaced by the region's word for its
        villages ("desa", "desa/kelurahan"; a region of kelurahan only, such as Bontang, reads as
        before).

        Parameters
        ----------
        key, **values
            As in :meth:`t`.

        Returns
        -------
        str
        """
        text = self.t(key, **values)
        word = labels.region_words(self.lang, self.region_code)["village"]
        return text if word == "kelurahan" else _KELURAHAN.sub(word, text)

    def header(self, key: str) -> str:
        """A table header of :data:`analysis.briefs.labels.HEADERS` in the brief's language.

        Parameters
        ----------
        key
            Key of :data:`analysis.briefs.labels.HEADERS`.

        Returns
        -------
        str
        """
        return labels.pick(labels.HEADERS[key], self.lang)

    def label(self, indicator: str) -> str:
        """Name of an indicator in the brief's language.

        Parameters
        ----------
        indicator
            ``indicator`` of the estimates table.

        Returns
        -------
        str
        """
        return narrative.indicator_label(indicator, self.lang)

    # -------------------------------------------------------------- selection
    def rows(self, indicator: str, level: str | None = None, codes=None, breakdown: str | None = "total",
             method: str | None = None, data_period: str | None = "latest") -> pd.DataFrame:
        """Rows of one indicator.

        Parameters
        ----------
        indicator
            ``indicator`` of the estimates table.
        level
            ``area_level`` (None: any).
        codes
            One ``area_code`` or several (None: any).
        breakdown
            ``breakdown`` (default ``"total"``; None: any).
        method
            Prefix of ``method`` ("direct", "fay-herriot", "count"; None: any).
        data_period
            ``"latest"`` keeps the latest data period of the selected rows; None keeps all; a
            period keeps that one.

        Returns
        -------
        pandas.DataFrame
        """
        return self.est.iloc[self._select(indicator, level, codes, breakdown, method, data_period)]

    def row(self, indicator: str, level: str, code: str, **kw: Any) -> pd.Series | None:
        """The first row :meth:`rows` selects, or None.

        Parameters
        ----------
        indicator, level, code
            As in :meth:`rows`.
        **kw
            ``breakdown``, ``method``, ``data_period`` as in :meth:`rows`.

        Returns
        -------
        pandas.Series or None
        """
        kw = {**_ROWS_DEFAULTS, **kw}  # the one row, without the frame of all of them
        where = self._select(indicator, level, code, kw["breakdown"], kw["method"], kw["data_period"])
        return None if len(where) == 0 else self.est.iloc[int(where[0])]

    def sub_areas(self) -> pd.Series:
        """Codes and names of the areas one level below (kelurahan of the kecamatan, or kecamatan).

        Returns
        -------
        pandas.Series
            Names indexed by code, in gazetteer order.
        """
        codes = [c for c in self.names.index
                 if c.count(".") == self.code.count(".") + 1 and c.startswith(self.code + ".")]
        return self.names[codes]

    def sources(self) -> dict[str, str]:
        """Latest data period of each named source in the table, by display name.

        Returns
        -------
        dict
            ``{"e-PPGBM": "2025-02", ...}`` in the order of the table's sources.
        """
        if self._latest is None or self._latest[0] is not self.est:  # once per table (~17 calls a brief)
            self._latest = (self.est, self.est.dropna(subset=["data_period"]).groupby("source")["data_period"].max())
        return {labels.source_name(s, self.lang): p for s, p in self._latest[1].items() if s in labels.SOURCES}

    def source_note(self, *sources: str) -> str:
        """The "Sumber: …" line of some sources.

        Parameters
        ----------
        *sources
            ``source`` keys of the estimates table ("eppgbm", "susenas", …).

        Returns
        -------
        str
        """
        wanted = {labels.source_name(s, self.lang) for s in sources}
        return narrative.source_line({k: v for k, v in self.sources().items() if k in wanted}, self.lang)

    # ------------------------------------------------------------------ cells
    def pct_ci(self, r: pd.Series | None) -> str:
        """"16,9 (13,6–20,7)" in percent, marked * (caution) or † (unreliable); "–" without a row.

        Parameters
        ----------
        r
            An estimates-table row, or None.

        Returns
        -------
        str
        """
        if r is None or pd.isna(r["estimate"]):
            return "–"
        if bool(r.get("suppressed", False)):  # a register rate that would reveal a small count
            return self.hidden_mark(r)
        num = lambda v: narrative.fmt_number(100 * v, 1, self.lang)  # noqa: E731
        text = f"{num(r['estimate'])} ({num(r['ci_low'])}–{num(r['ci_high'])})"
        if r.get("reliability") == "unreliable":
            text += " †"
        elif r.get("reliability") == "caution":
            text += " *"
        return text

    def note(self, r: pd.Series | None) -> str:
        """The label in ``note`` (a status, a rating) in the brief's language; "–" without one.

        Parameters
        ----------
        r
            An estimates-table row, or None.

        Returns
        -------
        str
        """
        if r is None or not isinstance(r.get("note"), str):
            return "–"
        return labels.note(r["note"], self.lang)

    def hidden_mark(self, r: pd.Series) -> str:
        """What a cell hidden by the suppression rule shows: its ``note`` ("<5", or "*" for a
        complementary suppression), else "<5".

        Parameters
        ----------
        r
            A suppressed estimates-table row.

        Returns
        -------
        str
        """
        note = r.get("note")
        return note if isinstance(note, str) and note in (COMPLEMENTARY_MARK, self.hidden()) else self.hidden()

    def hidden(self) -> str:
        """The text of a hidden small count ("<5", from ``privacy.min_cell``).

        Returns
        -------
        str
        """
        return f"<{labels.policy(self.settings or None)['min_cell']}"

    def share(self, r: pd.Series | None, numerator: pd.Series | None) -> str:
        """A share, hidden ("<5") when its numerator count is hidden.

        Parameters
        ----------
        r
            The share's row, or None ("–").
        numerator
            The row of its numerator count, or None.

        Returns
        -------
        str
        """
        if r is not None and bool(r.get("suppressed", False)):  # the suppression rule hid the share itself
            return self.hidden_mark(r)
        if numerator is not None and bool(numerator["suppressed"]):
            return self.hidden()
        return "–" if r is None or pd.isna(r["estimate"]) else narrative.fmt_pct(r["estimate"], self.lang)

    def count(self, r: pd.Series | None) -> str:
        """A count; a suppressed one shows its ``note`` ("<5", or "*" for a complementary suppression).

        Parameters
        ----------
        r
            An estimates-table row, or None.

        Returns
        -------
        str
        """
        if r is None or pd.isna(r["estimate"]):
            return "–"
        if bool(r.get("suppressed", False)):
            return self.hidden_mark(r)
        return narrative.fmt_int(r["estimate"], self.lang)

    def table_note(self) -> str:
        """Note under the area tables: focus marker, reliability marks (RSE thresholds from config),
        hidden cells.

        Returns
        -------
        str
        """
        return self.village_t("table_note") + self.t("suppressed_note")


#: the defaults of :meth:`BriefContext.rows` (``breakdown``, ``method``, ``data_period``), for :meth:`~BriefContext.row`
_ROWS_DEFAULTS = {k: v.default for k, v in inspect.signature(BriefContext.rows).parameters.items()
                  if k in ("breakdown", "method", "data_period")}

def make_context(processed_dir: Path | str, period: str, lang: str = "id", synthetic: bool = False,
                 area_code: str | None = None, manifest: Path | str | None = None) -> BriefContext:
    """Build the :class:`BriefContext` of one brief (the notebooks' first cell).

    Parameters
    ----------
    processed_dir
        Folder holding ``estimates.parquet``.
    period
        The rakor period ("YYYY-MM").
    lang
        "id" (default) or "en".
    synthetic
        Show the synthetic-data banner.
    area_code
        A kecamatan code for a kecamatan brief, a kab/kota code of a province region for a kab/kota
        brief; None for the region's brief.
    manifest
        Path of the run's ``manifest.json`` (for the provenance footer).

    Returns
    -------
    BriefContext

    Raises
    ------
    ValueError
        When ``area_code`` is not a code of the region.
    """
    labels.check_lang(lang)
    est = load_estimates(processed_dir)
    settings = config.settings()
    names = area_names()
    region_code = settings["region"]["code"]
    if area_code is None:  # the region's brief ranks the areas one level below (a province's: kab/kota)
        level, code = "kota", region_code
        sub_level = "kabkota" if level_of(region_code) == "province" else "kecamatan"
    else:
        if area_code not in names.index or area_code.count(".") not in (1, 2) or area_code == region_code:
            raise ValueError(f"unknown kecamatan code {area_code} (nor a kab/kota of a province region)")
        level, sub_level = ("kabkota", "kecamatan") if area_code.count(".") == 1 else ("kecamatan", "kelurahan")
        code = area_code
    focus = [c for c in config.focus_kelurahan() if level == "kota" or c.startswith(code + ".")]
    plots.set_theme()
    return BriefContext(est=est[est["period"] == period].copy(), period=period, lang=lang, level=level,
                        code=code, sub_level=sub_level, names=names, focus=focus, region_code=region_code,
                        synthetic=synthetic, manifest=load_manifest(manifest), settings=settings)


def upper_first(text: str) -> str:
    """``text`` with its first letter upper case (the rest unchanged).

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    str
    """
    return text[:1].upper() + text[1:]


def md(text: str) -> None:
    """Display Markdown.

    Parameters
    ----------
    text
        Markdown source.
    """
    display(Markdown(text))


def heading(ctx: BriefContext, key: str, level: int = 2) -> None:
    """Display a section heading of :data:`analysis.briefs.labels.TEXT`.

    Parameters
    ----------
    ctx
        The brief's context (its language).
    key
        Key of the heading.
    level
        Markdown heading level.
    """
    md("#" * level + " " + ctx.t(key))


def table(df: pd.DataFrame, caption: str | None = None, note: str | None = None) -> None:
    """Show a formatted table; columns whose every cell is a number (or "–", "<5") align right.

    Parameters
    ----------
    df
        Display strings, first column the row labels.
    caption
        Source line above the table.
    note
        Note under the table.
    """
    numeric = [c for c in df.columns[1:]
               if len(df) and df[c].astype(str).str.strip().str.match(_NUMERIC).all()]
    render.show_table(df, caption=caption, note=note, numeric_cols=numeric)

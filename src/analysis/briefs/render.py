"""Rendering of executed brief notebooks: self-contained offline HTML and an A4 PDF.

The HTML has no code, no prompts, no scripts and no external references: images are data URIs,
the stylesheet and the fonts (subsets of DejaVu Sans, ``assets/``) are embedded, links to other
sites are turned into plain text. The PDF is printed from that HTML by WeasyPrint with page
numbers ("Halaman N dari M"), headings kept with what follows and table headers repeated.

Both files are written atomically with :func:`analysis.files.atomic_write` (the one atomic-write helper),
so a reader never sees a half-written brief.

Notebook side (see also :mod:`analysis.briefs.plots`): figures shown with ``plots.show(fig)`` carry
their alt text; tables and call-outs can be shown with :func:`show_table` and :func:`callout`.
"""

from __future__ import annotations

import base64
import html as html_lib
import logging
import os
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import nbformat

from analysis.briefs.labels import PAGE_WORDS
from analysis.briefs.labels import text as label_text
from analysis.errors import RakorInputError
from analysis.files import atomic_write

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
ASSETS_DIR = HERE / "assets"
SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FAMILY = "DejaVu Sans Brief"
# (file in assets/, fallback system file, weight, style)
FONTS = [
    ("DejaVuSans-subset.ttf", "DejaVuSans.ttf", "normal", "normal"),
    ("DejaVuSans-Bold-subset.ttf", "DejaVuSans-Bold.ttf", "bold", "normal"),
    ("DejaVuSans-Oblique-subset.ttf", "DejaVuSans-Oblique.ttf", "normal", "italic"),
]
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")
KEEP_WITH_NEXT = "keep-with-next"
REMOVE_TAGS = {"remove_cell", "remove-cell", "hide", "hide-cell"}
REMOVE_OUTPUT_TAGS = {"remove_output", "remove-output", "hide-output"}

# Anything that would make a browser or WeasyPrint reach the network.
_EXTERNAL_ATTR = re.compile(
    r"""\b(?:src|href|srcset|action|poster|data|background)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc\s*=", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?\s*(?:https?:)?//|@import\b""", re.I)


# ----------------------------------------------------------------------------------------------
# Helpers used from the notebooks
# ----------------------------------------------------------------------------------------------

def callout(text: str, kind: str = "note") -> Any:
    """A highlighted paragraph for display.

    Parameters
    ----------
    text
        Plain text (escaped, not HTML); e.g. ``labels.text("synthetic_banner", lang)`` gives the
        synthetic-data banner.
    kind
        ``note``, ``warning`` or ``synthetic``.

    Returns
    -------
    IPython.display.HTML

    Raises
    ------
    RakorInputError
        For another ``kind``.
    """
    from IPython.display import HTML

    if kind not in {"note", "warning", "synthetic"}:
        raise RakorInputError(f"callout kind must be note, warning or synthetic; got {kind!r}")
    return HTML(f'<div class="callout callout-{kind}">{html_lib.escape(text)}</div>')


def table_html(df: Any, caption: str | None = None, note: str | None = None,
               numeric_cols: Sequence[str] = (), keep_together: bool | None = None) -> str:
    """HTML of a small display table: no index, escaped cells, numbers right-aligned.

    Parameters
    ----------
    df
        The table; cells are shown as given: format them first with :mod:`analysis.briefs.narrative`
        (``fmt_pct``, ``fmt_int``, suppressed ``*_display`` columns).
    caption
        Caption above the table (the source line).
    note
        Note under the table.
    numeric_cols
        Columns to align right.
    keep_together
        Keep the table on one page (default: up to 25 rows).

    Returns
    -------
    str
    """
    cols = list(df.columns)
    num = set(numeric_cols)
    head = "".join(f'<th{" class=num" if c in num else ""}>{html_lib.escape(str(c))}</th>'
                   for c in cols)
    body_rows = df.astype("object").where(df.notna(), "").astype(str).to_numpy()
    classes = [("num" if c in num else "text") for c in cols]
    rows = "\n".join(
        "<tr>" + "".join(f'<td class="{k}">{html_lib.escape(v)}</td>'
                         for k, v in zip(classes, r, strict=True)) + "</tr>"
        for r in body_rows
    )
    keep = len(df) <= 25 if keep_together is None else keep_together
    cap = f"<caption>{html_lib.escape(caption)}</caption>" if caption else ""
    # the wrapper carries break-inside: avoid (WeasyPrint splits a table's caption from its grid)
    block = "table-block " + ("keep-together" if keep else "allow-split")
    out = (f'<div class="{block}"><table class="brief-table">{cap}<thead><tr>{head}</tr></thead>'
           f'<tbody>\n{rows}\n</tbody></table>')
    if note:
        out += f'<p class="table-note">{html_lib.escape(note)}</p>'
    return out + "</div>"


def show_table(df: Any, caption: str | None = None, note: str | None = None,
               numeric_cols: Sequence[str] = (), keep_together: bool | None = None) -> None:
    """Display :func:`table_html` in a notebook.

    Parameters
    ----------
    df, caption, note, numeric_cols, keep_together
        As in :func:`table_html`.
    """
    from IPython.display import HTML, display

    display(HTML(table_html(df, caption, note, numeric_cols, keep_together)))


# ----------------------------------------------------------------------------------------------
# HTML
# ----------------------------------------------------------------------------------------------

@cache
def _font_faces() -> str:
    faces = []
    for bundled, system, weight, style in FONTS:
        path = ASSETS_DIR / bundled
        if not path.is_file():
            path = SYSTEM_FONT_DIR / system
        if not path.is_file():
            log.warning("font %s not found; the brief uses the reader's sans-serif font", bundled)
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        faces.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
            f'font-style: {style}; src: url(data:font/ttf;base64,{data}) format("truetype"); }}')
    return "\n".join(faces)


def _css_string(text: str) -> str:
    """Text safe inside a CSS double-quoted string inside <style>."""
    text = " ".join(str(text).split())
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
            .replace(">", "\\3e "))


def brief_css(lang: str = "id", title: str = "") -> str:
    """The embedded stylesheet: fonts, A4 page with page numbers in ``lang``, running title.

    Parameters
    ----------
    lang
        ``"id"`` or ``"en"`` (the page-number words, :data:`analysis.briefs.labels.PAGE_WORDS`).
    title
        Running title of the printed pages.

    Returns
    -------
    str
    """
    page, of = PAGE_WORDS[_check_lang(lang)]
    css = (TEMPLATES_DIR / "brief.css").read_text(encoding="utf-8")
    css = (css.replace("__PAGE_LABEL__", page).replace("__OF_LABEL__", of)
           .replace("__RUNNING_TITLE__", _css_string(title)))
    return _font_faces() + "\n" + css


def _check_lang(lang: str) -> str:
    if lang not in PAGE_WORDS:
        raise RakorInputError(f"language must be 'id' or 'en'; got {lang!r}")
    return lang


_HEADING_LINE = re.compile(r"^\s{0,3}#{1,6}\s")


def _prepare(nb: nbformat.NotebookNode, lang: str, keep_stderr: bool) -> nbformat.NotebookNode:
    """Drop hidden cells and noise, tag headings to keep with what follows, fill alt texts."""
    default_alt = label_text("figure", lang)
    cells = []
    last_heading = ""
    n_figure = 0
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVE_TAGS:
            continue
        if cell.cell_type == "markdown":
            lines = [ln for ln in cell.source.strip().splitlines() if ln.strip()]
            heads = [ln for ln in lines if _HEADING_LINE.match(ln)]
            if heads:
                last_heading = heads[-1].lstrip().lstrip("#").strip()
            if lines and _HEADING_LINE.match(lines[-1]):
                cell.metadata.setdefault("tags", [])
                if KEEP_WITH_NEXT not in cell.metadata["tags"]:
                    cell.metadata["tags"].append(KEEP_WITH_NEXT)
        elif cell.cell_type == "code":
            if tags & REMOVE_OUTPUT_TAGS:
                cell.outputs = []
            outputs = []
            seen_images: set[str] = set()
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stderr" \
                        and not keep_stderr:
                    continue  # warnings and progress bars are not part of a brief
                data = out.get("data", {})
                payload = next((str(data[m]) for m in IMAGE_MIMES if m in data), None)
                if payload is not None:
                    if payload in seen_images:
                        continue  # a figure left as the last expression is shown twice by Jupyter
                    seen_images.add(payload)
                for mime in IMAGE_MIMES:
                    if mime not in data:
                        continue
                    n_figure += 1
                    md = out.setdefault("metadata", {})
                    if not isinstance(md.get(mime), dict):
                        md[mime] = {}
                    sub = md[mime]  # NotebookNode copies dicts on assignment: re-read it
                    if not (sub.get("alt") or md.get("alt")):
                        plain = str(data.get("text/plain", ""))
                        sub["alt"] = (cell.metadata.get("alt")
                                      or (plain if plain and not plain.startswith("<") else "")
                                      or (f"{default_alt} {n_figure}: {last_heading}" if last_heading
                                          else f"{default_alt} {n_figure}"))
                outputs.append(out)
            cell.outputs = outputs
            if not outputs:
                continue  # nothing to show: no empty blocks in the page flow
        cells.append(cell)
    nb.cells = cells
    return nb


_ANCHOR_EXT = re.compile(
    r"""<a\b[^>]*?\bhref\s*=\s*(["'])((?:https?:)?//[^"']*)\1[^>]*>(.*?)</a>""", re.I | re.S)
_SCRIPT_BLOCK = re.compile(r"<script\b.*?</script\s*>", re.I | re.S)
_LINK_EXT = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//[^>]*>""", re.I)
_IMG_EXT = re.compile(
    r"""<img\b[^>]*?\bsrc\s*=\s*["']?\s*(?:https?:)?//[^>]*>""", re.I)
_CSS_IMPORT = re.compile(r"""@import\b[^;]*;""", re.I)
_CSS_URL_EXT = re.compile(r"""url\(\s*["']?\s*(?:https?:)?//[^)]*\)""", re.I)
_ALT = re.compile(r"""\balt\s*=\s*(["'])(.*?)\1""", re.I | re.S)


def _make_offline(html: str) -> str:
    """Remove or neutralise every reference that would reach the network."""
    html = _SCRIPT_BLOCK.sub("", html)
    html = _LINK_EXT.sub("", html)

    def anchor(m: re.Match) -> str:
        url, text = m.group(2), m.group(3)
        bare = re.sub(r"^(?:https?:)?//", "", html_lib.unescape(url)).rstrip("/")
        plain = re.sub(r"<[^>]+>", "", text).strip()
        if not plain or plain.rstrip("/") in (url.rstrip("/"), bare):
            return f'<span class="external-url">{html_lib.escape(bare)}</span>'
        return f'{text} <span class="external-url">({html_lib.escape(bare)})</span>'

    html = _ANCHOR_EXT.sub(anchor, html)

    def image(m: re.Match) -> str:
        alt = _ALT.search(m.group(0))
        log.warning("external image removed from the brief")
        return f'<span class="missing-image">[{alt.group(2) if alt else "gambar"}]</span>'

    html = _IMG_EXT.sub(image, html)
    html = _CSS_IMPORT.sub("", html)
    html = _CSS_URL_EXT.sub("none", html)
    return html


def external_references(html: str) -> list[str]:
    """Every reference in ``html`` that would load something from the network (should be none).

    Parameters
    ----------
    html
        A rendered brief.

    Returns
    -------
    list of str
        Each reference with a little context around it.
    """
    found = []
    for pat in (_EXTERNAL_ATTR, _SCRIPT_SRC, _CSS_URL):
        for m in pat.finditer(html):
            found.append(html[max(0, m.start() - 20):m.end() + 40])
    return found


@cache
def _html_exporter() -> Any:
    """The brief's nbconvert exporter, its template loaded once per process."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="classic",
        extra_template_paths=[str(TEMPLATES_DIR)],
        template_file="brief.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )


def notebook_to_html(executed_ipynb: Path, html_path: Path, title: str, lang: str = "id",
                     keep_stderr: bool = False) -> Path:
    """Render an executed notebook as one self-contained, offline HTML file.

    Parameters
    ----------
    executed_ipynb
        Notebook executed by papermill.
    html_path
        Output file (written atomically; parent folders created).
    title
        Document title (``<title>``, running page header of the PDF).
    lang
        ``"id"`` or ``"en"``: ``<html lang>`` and the page-number words.
    keep_stderr
        Keep stderr streams (warnings); dropped by default.

    Returns
    -------
    pathlib.Path
        ``html_path``.

    Notes
    -----
    Code cells, prompts and cells tagged ``remove_cell``/``hide`` are left out; cells tagged
    ``remove_output`` show nothing. Every image gets an ``alt``: from the output metadata
    (``plots.show``), else the cell metadata ``alt``, else the last heading above it.
    """
    executed_ipynb = Path(executed_ipynb)
    if not executed_ipynb.is_file():
        raise RakorInputError(f"notebook to render not found: {executed_ipynb}")
    _check_lang(lang)
    nb = _prepare(nbformat.read(executed_ipynb, as_version=4), lang, keep_stderr)
    exporter = _html_exporter()
    resources = {"brief": {"title": title, "lang": lang, "css": brief_css(lang, title)},
                 "metadata": {"name": title}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    body = _make_offline(body)
    left = external_references(body)
    if left:  # pragma: no cover - _make_offline removes every pattern external_references finds
        raise RuntimeError(f"the brief still refers to the network: {left[:3]}")
    return atomic_write(Path(html_path), lambda tmp: tmp.write_text(body, encoding="utf-8"))


# ----------------------------------------------------------------------------------------------
# PDF
# ----------------------------------------------------------------------------------------------

def _offline_fetcher():
    """A WeasyPrint URL fetcher that loads only ``data:`` and ``file:`` URLs (never the network)."""
    import weasyprint.urls as wurls

    if hasattr(wurls, "URLFetcher"):  # WeasyPrint ≥ 67
        return wurls.URLFetcher(allowed_protocols={"data", "file"})

    def fetch(url: str, *args, **kwargs):  # pragma: no cover - older WeasyPrint
        if not url.startswith(("data:", "file:")):
            raise ValueError(f"network access refused while printing a brief: {url[:60]}")
        return wurls.default_url_fetcher(url, *args, **kwargs)

    return fetch


def html_to_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print a brief's HTML to an A4 PDF with WeasyPrint (atomically; no network access).

    Page size, margins, page numbers ("Halaman N dari M"), kept-together headings and repeated
    table headers come from the embedded stylesheet (``templates/brief.css``).

    Parameters
    ----------
    html_path
        The brief's HTML (from :func:`notebook_to_html`).
    pdf_path
        The PDF to write.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Raises
    ------
    RakorInputError
        When ``html_path`` does not exist.
    """
    import weasyprint

    html_path = Path(html_path)
    if not html_path.is_file():
        raise RakorInputError(f"HTML to print not found: {html_path}")
    text = html_path.read_text(encoding="utf-8")
    faces = _font_faces()
    options: dict[str, Any] = {}
    if faces and faces in text:
        # the fonts (190 kB of data URLs in every brief) parsed and registered once per process
        font_config, font_css = _print_fonts()
        text = text.replace(faces, "", 1)
        options = {"stylesheets": [font_css], "font_config": font_config}
    _subset_fonts_without_layout_tables()
    document = weasyprint.HTML(string=text, base_url=str(html_path.parent), url_fetcher=_offline_fetcher())
    return atomic_write(Path(pdf_path), lambda tmp: _write_pdf_reproducibly(document, tmp, options))


@cache
def _print_fonts() -> tuple[Any, Any]:
    """WeasyPrint's font configuration with the brief's fonts, and their parsed ``@font-face`` rules.

    Made once per process and given to every print (WeasyPrint otherwise parses the fonts' data URLs
    and registers them with fontconfig for each document). ``@font-face`` rules take no part in the
    cascade, so printing them from this stylesheet rather than from the brief's ``<style>`` gives
    the same PDF, byte for byte (tests/unit/test_render.py compares with a plain print).
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    css = weasyprint.CSS(string=_font_faces(), font_config=font_config, url_fetcher=_offline_fetcher())
    return font_config, css


@cache
def _subset_fonts_without_layout_tables() -> bool:
    """Let WeasyPrint's fontTools subsetting skip reading the layout tables it drops (once per process).

    Without HarfBuzz's subsetter WeasyPrint subsets each embedded font with fontTools, telling it to
    drop ``GSUB`` and ``GPOS``. fontTools (4.68) first reads and decompiles both tables all the same
    (to convert their formats for the subsetting) and only then drops them: for DejaVu Sans that is
    most of a subset's time, in every font of every PDF. The subsetter given to WeasyPrint here
    first drops, in fontTools' own order and by its own rules (``drop_tables``, the hinting tables
    without hinting, ``kern`` when there is a ``GPOS``), the tables that the subsetting would drop
    before touching any other, then subsets as fontTools does: the same font bytes
    (tests/unit/test_render.py compares them with fontTools' own subsetter), 2 to 10 times faster
    (DejaVu Sans Mono, 343 kB: 0.13 s to 0.01 s). The subsetter is replaced in WeasyPrint's font
    module, so for every print of this process.

    Returns
    -------
    bool
        Whether WeasyPrint's subsetter was replaced (not when WeasyPrint or fontTools lack what is
        replaced; then printing works as before).
    """
    try:
        import fontTools.subset as ft_subset
        import weasyprint.pdf.fonts as wp_fonts
    except ImportError:  # pragma: no cover - both come with WeasyPrint
        return False
    if getattr(wp_fonts, "subset", None) is not ft_subset or not hasattr(ft_subset.Subsetter, "_sort_tables"):
        return False  # pragma: no cover - another WeasyPrint or fontTools: nothing replaced
    import types

    proxy = types.ModuleType(ft_subset.__name__, ft_subset.__doc__)
    proxy.__dict__.update(vars(ft_subset))
    proxy.Subsetter = _dropping_first_subsetter()
    wp_fonts.subset = proxy
    return True


def _dropped_before_subsetting(subsetter: Any, font: Any) -> list[str]:
    """The tables of ``font`` that ``subsetter`` drops by name first (``Subsetter._prune_pre_subset``'s
    rules, in its order: ``kern`` goes when ``GPOS`` is still there, as there)."""
    options, present, dropped = subsetter.options, set(font.keys()), []
    for tag in subsetter._sort_tables(font):
        name = tag.strip()
        if (name in options.drop_tables or (name in options.hinting_tables and not options.hinting)
                or (tag == "kern" and not options.legacy_kern and "GPOS" in present)):
            present.discard(tag)
            dropped.append(tag)
    return dropped


def _dropping_first_subsetter():
    import fontTools.subset as ft_subset

    class Subsetter(ft_subset.Subsetter):
        """fontTools' subsetter that deletes the tables it would drop before it reads any (see
        :func:`_subset_fonts_without_layout_tables`)."""

        def subset(self, font):
            for tag in _dropped_before_subsetting(self, font):
                del font[tag]
            return super().subset(font)

    return Subsetter


#: The timestamp fontTools writes into each embedded font subset (``head.modified``) when
#: ``SOURCE_DATE_EPOCH`` is not set: otherwise it is the time of printing, and the same HTML gives a
#: different PDF at each run. The PDF itself carries no date.
PDF_FONT_EPOCH = "946684800"  # 2000-01-01T00:00:00Z


def _write_pdf_reproducibly(document: Any, target: Path, options: dict[str, Any] | None = None) -> None:
    """``document.write_pdf(target, **options)`` with ``SOURCE_DATE_EPOCH`` set for the call only (the
    process environment is restored: a kept brief kernel is restarted when it changes)."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = before or PDF_FONT_EPOCH
    try:
        document.write_pdf(target=str(target), **(options or {}))
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]


def pdf_page_count(pdf_path: Path) -> int:
    """Number of pages of a PDF (``pdfinfo`` if installed, else ``pypdf``, else a byte count).

    Parameters
    ----------
    pdf_path
        The PDF.

    Returns
    -------
    int
    """
    import shutil
    import subprocess

    pdf_path = Path(pdf_path)
    exe = shutil.which("pdfinfo")
    if exe:
        res = subprocess.run([exe, str(pdf_path)], capture_output=True, text=True, check=False)
        m = re.search(r"^Pages:\s+(\d+)", res.stdout, re.M)
        if m:
            return int(m.group(1))
    try:
        import pypdf

        return len(pypdf.PdfReader(str(pdf_path)).pages)
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page(?!s)", pdf_path.read_bytes()))

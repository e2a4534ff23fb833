"""Privacy of the briefs: small-cell suppression of counts, and a scanner for personal data.

Counts of persons or families from 1 to ``min_cell − 1`` are shown as ``"<5"`` (``min_cell`` from
``config/settings.yml``, ``privacy.min_cell``); where a published total and the other cells of the
same group would let a reader subtract their way to a hidden cell, the next-smallest cell of the
group is hidden too (complementary suppression, shown as ``"*"``).

:func:`scan_for_pii` looks through rendered briefs (HTML, PDF text) and executed notebooks for
any NIK, No. KK, name or address of the raw data, and for any 16-digit number.
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.briefs import narrative
from analysis.errors import RakorInputError

log = logging.getLogger(__name__)

COMPLEMENTARY_MARK = "*"


def _default_min_cell() -> int:
    try:
        from analysis import config

        return int(config.settings()["privacy"]["min_cell"])
    except Exception:  # outside a checkout: the documented default  # noqa: BLE001
        return 5


def suppress_small_counts(table: pd.DataFrame, count_cols: str | Sequence[str],
                          min_cell: int | None = None, group_cols: str | Sequence[str] | None = None,
                          lang: str = "id", complementary: bool = True) -> pd.DataFrame:
    """Hide small counts of persons or families, with complementary suppression.

    Parameters
    ----------
    table
        One row per cell of a published table (e.g. one row per kelurahan).
    count_cols
        Columns holding counts of persons or families. Each is treated separately.
    min_cell
        Counts ``1 … min_cell − 1`` are hidden (primary suppression). Zero is shown: it reveals
        nobody. Default: ``privacy.min_cell`` in ``config/settings.yml`` (5).
    group_cols
        Rows sharing these values add up to a total that is published (the kelurahan of one
        kecamatan add up to the kecamatan figure). ``None``: the whole table is one group (its
        column total is assumed to be shown somewhere, the safe default). Pass the total rows
        separately: they are not part of the table.
    lang
        Number format of the ``*_display`` columns.
    complementary
        Apply complementary suppression (default). Turn off only when no total of the group is
        published anywhere.

    Returns
    -------
    pandas.DataFrame
        A copy with, for each count column ``c``, a string column ``c_display`` (``"<5"`` for a
        primary suppression, ``"*"`` for a complementary one, otherwise the count formatted in
        ``lang``), and a bool column ``suppressed`` (any count of the row hidden).

    Notes
    -----
    Complementary rule, per count column and group: when exactly one cell is hidden, the group
    total minus the shown cells would give it away, so the smallest remaining positive cell is
    hidden too (a zero only if no positive cell remains; the reader cannot tell which hidden cell
    is zero). A group whose only cell is hidden is left as is: its total must be suppressed by
    whoever publishes it. One pass protects one-dimensional tables (rows adding to a total); a
    table with both row and column totals needs an iterative search, out of scope here.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*, ch. 5 (cell suppression).
    Wiley.
    """
    min_cell = _default_min_cell() if min_cell is None else int(min_cell)
    if min_cell < 1:
        raise RakorInputError(f"min_cell must be at least 1; got {min_cell}")
    cols = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    groups = [] if group_cols is None else ([group_cols] if isinstance(group_cols, str)
                                           else list(group_cols))
    missing = [c for c in [*cols, *groups] if c not in table.columns]
    if missing:
        raise RakorInputError(
            f"suppress_small_counts: column(s) {', '.join(missing)} not in the table "
            f"(columns: {', '.join(map(str, table.columns))})")
    out = table.copy()
    any_hidden = np.zeros(len(out), dtype=bool)
    # Group id per row (one group when group_cols is None); positional index throughout.
    if groups:
        gid = out[groups].astype("object").fillna("\x00<NA>").groupby(groups, sort=False).ngroup()
        gid = gid.to_numpy()
    else:
        gid = np.zeros(len(out), dtype=np.int64)
    for col in cols:
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.notna() & ((values < 0) | (values != values.round()))
        if bad.any():
            raise RakorInputError(
                f"suppress_small_counts: column {col!r} must hold whole counts ≥ 0; got "
                f"{values[bad].iloc[0]!r} in {int(bad.sum())} row(s)")
        v = values.to_numpy(dtype=float)
        present = ~np.isnan(v)
        primary = present & (v >= 1) & (v < min_cell)
        secondary = np.zeros(len(out), dtype=bool)
        if complementary and primary.any():
            frame = pd.DataFrame({"gid": gid, "v": v, "primary": primary, "present": present})
            n_primary = frame.groupby("gid")["primary"].transform("sum").to_numpy()
            candidate = present & ~primary & (n_primary == 1)
            if candidate.any():
                cand = frame[candidate].assign(
                    zero=lambda d: d["v"] == 0, pos=np.flatnonzero(candidate))
                # smallest positive cell first, zeros last; first row wins ties
                pick = cand.sort_values(["gid", "zero", "v", "pos"], kind="mergesort") \
                    .drop_duplicates("gid")["pos"].to_numpy()
                secondary[pick] = True
        shown = narrative.fmt_int_series(pd.Series(v, index=out.index), lang).fillna("")
        shown = shown.mask(primary, f"<{min_cell}")
        shown = shown.mask(secondary, COMPLEMENTARY_MARK)
        out[f"{col}_display"] = shown.astype(str)
        any_hidden |= primary | secondary
    out["suppressed"] = any_hidden
    return out


# ----------------------------------------------------------------------------------------------
# PII scanner
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """One piece of personal data found in an output file.

    ``snippet`` is the surrounding text with every identity value and 16-digit number masked:
    a finding can be printed or logged without leaking what it found.
    """

    file: Path
    kind: str
    snippet: str

    def __str__(self) -> str:
        return f"{self.file}: {self.kind}: …{self.snippet}…"


_WS = re.compile(r"\s+")
# 16 digits not part of a longer number or a decimal fraction; or written in groups of four.
_DIGITS16 = re.compile(r"(?<![\d.,])\d{16}(?!\d|[.,]\d)|(?<!\d)\d{4}(?: \d{4}){3}(?!\d)")
_DATA_URI = re.compile(r"data:[\w/+.-]+(?:;[\w=.-]+)*,[A-Za-z0-9+/=%_.~-]*")
_TAG = re.compile(r"<[^>]*>")
_ATTR_TEXT = re.compile(r"""\b(?:alt|title|aria-label)\s*=\s*("[^"]*"|'[^']*')""", re.I)
SCAN_SUFFIXES = (".html", ".htm", ".pdf", ".ipynb")
_MIN_TEXT_LEN = 3  # identity strings shorter than this are ignored (they would match everywhere)


def normalise_text(text: str) -> str:
    """Case-fold and collapse whitespace (the form both values and documents are compared in)."""
    return _WS.sub(" ", html_lib.unescape(text).replace("\u00a0", " ")).casefold().strip()


def _identity_map(identity_values: Any) -> dict[str, str]:
    """Normalised value → kind, from a mapping kind → values, a DataFrame or a plain iterable."""
    if isinstance(identity_values, pd.DataFrame):
        items = {c: identity_values[c] for c in identity_values.columns
                 if identity_values[c].dtype == object or pd.api.types.is_string_dtype(identity_values[c])}
    elif isinstance(identity_values, Mapping):
        items = dict(identity_values)
    else:
        items = {"identity": identity_values}
    out: dict[str, str] = {}
    for kind, values in items.items():
        if isinstance(values, str):
            values = [values]
        for value in pd.Series(list(values), dtype="object").dropna().astype(str):
            norm = normalise_text(value)
            if len(norm) >= _MIN_TEXT_LEN:
                out.setdefault(norm, str(kind))
    return out


def _compile(values: Iterable[str], chunk: int = 2000) -> list[re.Pattern]:
    ordered = sorted(set(values), key=len, reverse=True)  # longest first: "budi santoso" before "budi"
    pats = []
    for i in range(0, len(ordered), chunk):
        alt = "|".join(re.escape(v) for v in ordered[i:i + chunk])
        pats.append(re.compile(rf"(?<!\w)(?:{alt})(?!\w)"))
    return pats


def _mask(value: str) -> str:
    keep = 4 if value.replace(" ", "").isdigit() else 1  # region digits of a NIK are not personal
    return value[:keep] + "*" * max(len(value) - keep, 3)


def _masked_snippet(text: str, start: int, end: int, patterns: list[re.Pattern],
                    width: int = 40) -> str:
    lo, hi = max(0, start - width), min(len(text), end + width)
    window = text[lo:hi]
    for pat in [*patterns, _DIGITS16]:
        window = pat.sub(lambda m: _mask(m.group(0)), window)
    return window


def _html_texts(raw: str) -> list[str]:
    no_data = _DATA_URI.sub(" ", raw)
    attrs = " ".join(m.group(1)[1:-1] for m in _ATTR_TEXT.finditer(no_data))
    visible = _TAG.sub(" ", re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", no_data))
    return [visible, attrs]


def _ipynb_texts(raw: str) -> list[str]:
    nb = json.loads(raw)
    parts: list[str] = []

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k.startswith("image/") or k == "application/pdf":
                    continue  # base64 payload: random letters would match short names
                walk(v, k)
        elif isinstance(node, list):
            if node and all(isinstance(x, str) for x in node):
                parts.append("".join(node))
            else:
                for x in node:
                    walk(x, key)
        elif isinstance(node, str):
            parts.append(_html_texts(node)[0] + " " + _html_texts(node)[1]
                         if key == "text/html" else _DATA_URI.sub(" ", node))

    walk(nb)
    return ["\n".join(parts)]


def _pdf_texts(path: Path) -> list[str] | None:
    exe = shutil.which("pdftotext")
    if exe:
        res = subprocess.run([exe, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                             check=False, timeout=120)
        if res.returncode == 0:
            return [res.stdout.decode("utf-8", "replace")]
    try:
        import pypdf  # optional
    except ImportError:
        warnings.warn(f"cannot read the text of {path.name}: neither pdftotext nor pypdf is "
                      "available; PDF not scanned", stacklevel=3)
        return None
    reader = pypdf.PdfReader(str(path))
    return ["\n".join(page.extract_text() or "" for page in reader.pages)]


def _files(paths: Iterable[Path | str], exclude_dirs: Sequence[str]) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            cands = sorted(f for f in p.rglob("*") if f.suffix.lower() in SCAN_SUFFIXES and f.is_file())
            files.extend(f for f in cands
                         if not set(f.relative_to(p).parts[:-1]) & set(exclude_dirs))
        elif p.is_file():
            files.append(p)
        else:
            raise RakorInputError(f"scan_for_pii: {p} does not exist")
    return files


def scan_for_pii(paths: Iterable[Path | str] | Path | str, identity_values: Any,
                 exclude_dirs: Sequence[str] = ("restricted",), check_digits: bool = True,
                 public_phrases: Iterable[str] | None = None) -> list[Finding]:
    """Find personal data in rendered briefs and executed notebooks.

    Parameters
    ----------
    paths
        Files, or folders searched recursively for ``.html``, ``.htm``, ``.pdf`` and ``.ipynb``.
    identity_values
        The identities of the raw data: a mapping ``kind → values`` (``{"nik": [...],
        "no_kk": [...], "name": [...], "address": [...]}``), a DataFrame (every text column is a
        kind) or a plain iterable. Compared after case-folding and collapsing whitespace, as
        whole words; values shorter than 3 characters are ignored.
    exclude_dirs
        Folder names skipped when walking a folder (by-name worklists live in ``restricted/``).
    check_digits
        Also report every 16-digit number (``kind="16-digit number"``), known or not.
    public_phrases
        Public words blanked out of the text before matching, so that a person called "Lestari"
        is not found in the kelurahan name "Bontang Lestari". Default: the official names of the
        region's areas (the gazetteer).

    Returns
    -------
    list of Finding
        ``file``, ``kind`` (the key of ``identity_values``, or ``"16-digit number"``) and a
        masked snippet. Empty when the outputs are clean.

    Notes
    -----
    HTML is scanned as visible text plus ``alt``/``title`` attributes, with data URIs (embedded
    images, fonts) removed; PDF text comes from ``pdftotext`` (else ``pypdf``; else the PDF is
    skipped with a warning); notebooks are read as JSON with base64 image outputs skipped.
    """
    ident = _identity_map(identity_values)
    patterns = _compile(ident) if ident else []
    if public_phrases is None:
        from analysis.intake.gazetteer import gazetteer

        public_phrases = list(gazetteer().names.values())
    public = [normalise_text(p) for p in public_phrases if normalise_text(p)]
    public_re = (re.compile(r"(?<!\w)(" + "|".join(map(re.escape, sorted(public, key=len, reverse=True)))
                            + r")(?!\w)") if public else None)
    findings: list[Finding] = []
    for f in _files(paths, exclude_dirs):
        suffix = f.suffix.lower()
        if suffix == ".pdf":
            texts = _pdf_texts(f)
            if texts is None:
                continue
        else:
            raw = f.read_text(encoding="utf-8", errors="replace")
            texts = _ipynb_texts(raw) if suffix == ".ipynb" else _html_texts(raw)
        seen: set[tuple[str, str]] = set()
        for text in map(normalise_text, texts):
            if public_re is not None:  # same length, so snippets stay aligned
                text = public_re.sub(lambda m: " " * len(m.group(0)), text)
            hits: list[tuple[int, int, str]] = []
            for pat in patterns:
                hits.extend((m.start(), m.end(), ident[m.group(0)]) for m in pat.finditer(text))
            if check_digits:
                hits.extend((m.start(), m.end(), ident.get(m.group(0).replace(" ", ""), "16-digit number"))
                            for m in _DIGITS16.finditer(text))
            for start, end, kind in sorted(hits):
                key = (kind, text[start:end])
                if key in seen:
                    continue
                seen.add(key)
                findings.append(Finding(f, kind, _masked_snippet(text, start, end, patterns)))
    if findings:
        log.warning("personal data found: %d finding(s) in %d file(s)", len(findings),
                    len({x.file for x in findings}))
    return findings

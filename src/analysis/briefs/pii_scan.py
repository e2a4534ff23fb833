"""The personal-data scan of published outputs.

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

import pandas as pd

from analysis.errors import RakorInputError

log = logging.getLogger(__name__)

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

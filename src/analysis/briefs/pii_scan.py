"""The personal-data scan of published outputs, and the marking of restricted ones.

:func:`scan_for_pii` looks through rendered briefs (HTML, PDF text), executed notebooks and
published tables for any NIK, No. KK, name or address of the raw data, and for any 16-digit
number; a file it cannot read is a finding too, never "clean". :func:`seal_restricted` makes
every ``restricted/`` folder owner-only and checks that each file there says it holds personal
data.
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import os
import re
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
_HEX_DIGEST = re.compile(r"(?<![0-9a-f])[0-9a-f]{32,}(?![0-9a-f])")  # md5/sha1/sha256 digests
_DATA_URI = re.compile(r"data:[\w/+.-]+(?:;[\w=.-]+)*,[A-Za-z0-9+/=%_.~-]*")
_TAG = re.compile(r"<[^>]*>")
_ATTR_TEXT = re.compile(r"""\b(?:alt|title|aria-label)\s*=\s*("[^"]*"|'[^']*')""", re.I)
SCAN_SUFFIXES = (".html", ".htm", ".pdf", ".ipynb")
#: Every format the scan can read; ``scan_for_pii(..., suffixes=None)`` reports any other file
#: as ``"unreadable file"`` (what cannot be read cannot be called clean).
READABLE_SUFFIXES = (*SCAN_SUFFIXES, ".json", ".txt", ".md", ".csv", ".svg", ".parquet", ".xlsx")
UNREADABLE = "unreadable file"
_MIN_TEXT_LEN = 3  # identity strings shorter than this are ignored (they would match everywhere)


def normalise_text(text: str) -> str:
    """Case-fold and collapse whitespace (the form both values and documents are compared in)."""
    return _WS.sub(" ", html_lib.unescape(text).replace("\u00a0", " ")).casefold().strip()


def _normalise_values(values: pd.Series) -> pd.Series:
    """:func:`normalise_text` for many values at once (vectorised; identity tables are large)."""
    t = values.astype(str)
    has_entity = t.str.contains("&", regex=False)
    if has_entity.any():
        t = t.where(~has_entity, t[has_entity].map(html_lib.unescape))
    # only values with other whitespace than single spaces need the (slower) regular expression
    odd_space = t.str.contains(r"\s\s|[^\S ]", regex=True)
    if odd_space.any():
        t = t.where(~odd_space, t[odd_space].str.replace(r"\s+", " ", regex=True))
    return t.str.casefold().str.strip()


def _identity_map(identity_values: Any) -> dict[str, str]:
    """Normalised value → kind, from a mapping kind → values, a DataFrame or a plain iterable."""
    if isinstance(identity_values, pd.DataFrame):
        items = {c: identity_values[c] for c in identity_values.columns
                 if identity_values[c].dtype == object or pd.api.types.is_string_dtype(identity_values[c])}
    elif isinstance(identity_values, Mapping):
        items = dict(identity_values)
    else:
        items = {"identity": identity_values}
    parts = []
    for kind, values in items.items():
        if isinstance(values, str):
            values = [values]
        series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="object")
        norm = _normalise_values(series.dropna().drop_duplicates())
        parts.append(pd.DataFrame({"value": norm[norm.str.len() >= _MIN_TEXT_LEN], "kind": str(kind)}))
    if not parts:
        return {}
    both = pd.concat(parts, ignore_index=True).drop_duplicates("value")  # the first kind wins
    return dict(zip(both["value"], both["kind"], strict=True))


_TOKEN = re.compile(r"\w+")


class _Matcher:
    r"""Every identity value in a text, as a whole word sequence.

    A regular expression of a million alternatives is slow; instead each value is indexed by its
    first word, and the text's words are looked up one by one: a match starts at the start of a
    word and ends at the end of one (the ``(?<!\w)…(?!\w)`` rule). The few values that begin or
    end with punctuation are matched with a regular expression.
    """

    def __init__(self, values: Iterable[str]) -> None:
        self.by_first: dict[str, list[tuple[int, str]]] = {}
        odd: list[str] = []
        for v in values:
            words = _TOKEN.findall(v)
            if not words or not _TOKEN.fullmatch(v[0]) or not _TOKEN.fullmatch(v[-1]):
                odd.append(v)
                continue
            self.by_first.setdefault(words[0], []).append((len(words), v))
        ordered = sorted(odd, key=len, reverse=True)
        self.odd = [re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered[i:i + 2000])) + r")(?!\w)")
                    for i in range(0, len(ordered), 2000)]

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, value) of every occurrence (overlapping ones included)."""
        words = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
        hits: list[tuple[int, int, str]] = []
        for i, (start, _, word) in enumerate(words):
            for n, value in self.by_first.get(word, ()):
                if i + n <= len(words):
                    end = words[i + n - 1][1]
                    if end - start == len(value) and text[start:end] == value:
                        hits.append((start, end, value))
        for pat in self.odd:
            hits.extend((m.start(), m.end(), m.group(0)) for m in pat.finditer(text))
        return hits


def _mask(value: str) -> str:
    keep = 4 if value.replace(" ", "").isdigit() else 1  # region digits of a NIK are not personal
    return value[:keep] + "*" * (len(value) - keep)  # same length: snippets stay aligned


def _masked(text: str, hits: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with every hit and every 16-digit number masked."""
    chars = list(text)
    spans = [(a, b) for a, b, _ in hits] + [(m.start(), m.end()) for m in _DIGITS16.finditer(text)]
    for a, b in spans:
        chars[a:b] = _mask(text[a:b])
    return "".join(chars)


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


def pdf_text(path: Path | str) -> str:
    """The text of every page of a PDF, with pypdf (no external program, so no silent skip).

    Parameters
    ----------
    path
        The PDF.

    Returns
    -------
    str
        The pages' text, one page after another.

    Raises
    ------
    Exception
        Whatever pypdf raises for a damaged or encrypted file (the scan turns it into a finding).
    """
    import pypdf

    reader = pypdf.PdfReader(str(path))
    if reader.is_encrypted:
        raise ValueError("the PDF is encrypted")
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _parquet_texts(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    parts = [" ".join(table.column_names)]
    for name in table.column_names:
        col = table.column(name)
        if str(col.type) in ("string", "large_string") or str(col.type).startswith("dictionary"):
            parts.append("\n".join(str(v) for v in col.to_pylist() if v is not None))
    return ["\n".join(parts)]


def _xlsx_texts(path: Path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        parts = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                 for v in row if v is not None]
    finally:
        wb.close()
    return ["\n".join(parts)]


def _texts(path: Path) -> list[str]:
    """The texts of one file to scan; raises when the file cannot be read as its suffix says."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return [pdf_text(path)]
    if suffix == ".parquet":
        return _parquet_texts(path)
    if suffix == ".xlsx":
        return _xlsx_texts(path)
    if suffix not in READABLE_SUFFIXES:
        raise ValueError(f"no reader for {suffix or 'files without a suffix'}")
    raw = path.read_bytes().decode("utf-8")  # strict: undecodable bytes are not "clean"
    if suffix == ".ipynb":
        return _ipynb_texts(raw)
    if suffix in (".html", ".htm", ".svg"):
        return _html_texts(raw)
    return [_DATA_URI.sub(" ", raw)]


def _files(paths: Iterable[Path | str], exclude_dirs: Sequence[str],
           suffixes: Sequence[str] | None = SCAN_SUFFIXES) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            cands = sorted(f for f in p.rglob("*") if f.is_file()
                           and (suffixes is None or f.suffix.lower() in suffixes))
            files.extend(f for f in cands
                         if not set(f.relative_to(p).parts[:-1]) & set(exclude_dirs))
        elif p.is_file():
            files.append(p)
        else:
            raise RakorInputError(f"scan_for_pii: {p} does not exist")
    return files


def files_to_scan(paths: Iterable[Path | str] | Path | str, exclude_dirs: Sequence[str] = ("restricted",),
                  suffixes: Sequence[str] | None = None) -> list[Path]:
    """The files :func:`scan_for_pii` reads for the same arguments (the count in the manifest).

    Parameters
    ----------
    paths, exclude_dirs
        As :func:`scan_for_pii`.
    suffixes
        As :func:`scan_for_pii`, but the default here is ``None`` (every file).

    Returns
    -------
    list of Path
    """
    return _files(paths, exclude_dirs, suffixes)


def scan_for_pii(paths: Iterable[Path | str] | Path | str, identity_values: Any,
                 exclude_dirs: Sequence[str] = ("restricted",), check_digits: bool = True,
                 public_phrases: Iterable[str] | None = None,
                 suffixes: Sequence[str] | None = SCAN_SUFFIXES) -> list[Finding]:
    """Find personal data in rendered briefs, executed notebooks and published tables.

    Parameters
    ----------
    paths
        Files, or folders searched recursively for files whose suffix is in ``suffixes``.
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
    suffixes
        The file types searched in folders (default: briefs and notebooks, :data:`SCAN_SUFFIXES`);
        ``None``: every file, so that a file of a type the scan cannot read is reported.

    Returns
    -------
    list of Finding
        ``file``, ``kind`` (the key of ``identity_values``, ``"16-digit number"``, or
        ``"unreadable file"`` with the reason as snippet) and a masked snippet. Empty when the
        outputs are clean.

    Notes
    -----
    HTML is scanned as visible text plus ``alt``/``title`` attributes, with data URIs (embedded
    images, fonts) removed; PDF text comes from ``pypdf``; notebooks are read as JSON with base64
    image outputs skipped; Parquet as column names and text columns; XLSX as every cell of every
    sheet; JSON, CSV, Markdown and text as UTF-8 text. A file that cannot be read (damaged,
    encrypted, not UTF-8, no reader for its type) is a finding of kind ``"unreadable file"``.
    """
    ident = _identity_map(identity_values)
    matcher = _Matcher(ident)
    if public_phrases is None:
        from analysis.intake.gazetteer import gazetteer

        names = list(gazetteer().names.values())
        # ...and their file-name forms: kelurahan/bontang-lestari.html names a place, not a person
        public_phrases = names + [re.sub(r"[^a-z0-9]+", "-", str(n).lower()).strip("-") for n in names]
    public = [normalise_text(p) for p in public_phrases if normalise_text(p)]
    public_re = (re.compile(r"(?<!\w)(" + "|".join(map(re.escape, sorted(public, key=len, reverse=True)))
                            + r")(?!\w)") if public else None)
    findings: list[Finding] = []
    for f in _files(paths, exclude_dirs, suffixes):
        try:
            texts = _texts(f)
        except Exception as exc:  # noqa: BLE001 - any reader failure is reported, never "clean"
            # the reason names the error type only: a message could quote the file's content
            findings.append(Finding(f, UNREADABLE, f"cannot be read ({type(exc).__name__})"))
            continue
        seen: set[tuple[str, str]] = set()
        for text in map(normalise_text, texts):
            # Blanked with spaces of the same length, so that positions stay aligned: public
            # area names, and hex digests (sha256 in a manifest) whose digit runs are no NIK.
            if public_re is not None:
                text = public_re.sub(lambda m: " " * len(m.group(0)), text)
            text = _HEX_DIGEST.sub(lambda m: " " * len(m.group(0)), text)
            hits = [(a, b, ident[v]) for a, b, v in matcher.find(text)]
            if check_digits:
                hits.extend((m.start(), m.end(), ident.get(m.group(0).replace(" ", ""), "16-digit number"))
                            for m in _DIGITS16.finditer(text))
            masked = None
            for start, end, kind in sorted(hits):
                key = (kind, text[start:end])
                if key in seen:
                    continue
                seen.add(key)
                masked = masked if masked is not None else _masked(text, hits)
                findings.append(Finding(f, kind, masked[max(0, start - 40):end + 40]))
    if findings:
        log.warning("personal data found: %d finding(s) in %d file(s)", len(findings),
                    len({x.file for x in findings}))
    return findings


# ----------------------------------------------------------------------------------------------
# Restricted outputs
# ----------------------------------------------------------------------------------------------

NOTICE_METADATA_KEY = b"rakor_notice"


def has_notice(path: Path | str) -> bool:
    """Whether a restricted file carries :data:`analysis.config.RESTRICTED_NOTICE`.

    Parameters
    ----------
    path
        A file under a ``restricted/`` folder.

    Returns
    -------
    bool
        Text files (``.txt``, ``.csv``, ``.md``): the first line (``#`` allowed); XLSX: cell A1 of
        every sheet; Parquet: the file's key-value metadata ``rakor_notice``. Other types: False.
    """
    from analysis.config import RESTRICTED_NOTICE

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
        return meta.get(NOTICE_METADATA_KEY, b"").decode("utf-8") == RESTRICTED_NOTICE
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            return all(next(ws.iter_rows(min_row=1, max_row=1, max_col=1, values_only=True), (None,))[0]
                       == RESTRICTED_NOTICE for ws in wb.worksheets)
        finally:
            wb.close()
    if suffix in (".txt", ".csv", ".md"):
        with open(path, encoding="utf-8") as fh:
            return fh.readline().rstrip("\n").lstrip("# ") == RESTRICTED_NOTICE
    return False


def write_restricted_parquet(df: pd.DataFrame, path: Path | str) -> Path:
    """Write ``df`` as Parquet, atomically, with the personal-data notice in the file metadata.

    Parameters
    ----------
    df
        A restricted table (e.g. the identity lookup).
    path
        Where to write it (under a ``restricted/`` folder).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from analysis.config import RESTRICTED_NOTICE
    from analysis.files import atomic_write

    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           NOTICE_METADATA_KEY: RESTRICTED_NOTICE.encode("utf-8")})
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def _add_xlsx_notice(path: Path) -> None:
    """Insert the personal-data notice as row 1 of each sheet that lacks it (rewritten atomically)."""
    import openpyxl

    from analysis.config import RESTRICTED_NOTICE
    from analysis.files import atomic_write

    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws["A1"].value != RESTRICTED_NOTICE:  # only the sheets that lack it
            ws.insert_rows(1)
            ws["A1"] = RESTRICTED_NOTICE
    atomic_write(path, wb.save)


def seal_restricted(root: Path | str) -> list[Path]:
    """Make every ``restricted`` folder under ``root`` owner-only and check each file's notice.

    Folders named ``restricted`` and everything below them get mode ``0700``, their files
    ``0600``. A Parquet file without the notice (the identity table as the cleaning stage writes
    it) is rewritten with it, and so is a workbook written before the notice existed (the notice
    becomes row 1); any other file without it is an error.

    Parameters
    ----------
    root
        A processed folder or a report (staging) folder.

    Returns
    -------
    list of Path
        The restricted files (for the manifest: names only, never content).

    Raises
    ------
    RuntimeError
        When a restricted file does not carry the notice and cannot be given one.
    """
    from analysis.config import RESTRICTED_MODE

    root = Path(root)
    files: list[Path] = []
    for folder in sorted(p for p in root.rglob("restricted") if p.is_dir()):
        for path in sorted([folder, *folder.rglob("*")]):
            if path.is_dir():
                os.chmod(path, RESTRICTED_MODE)
                continue
            if not has_notice(path):
                suffix = path.suffix.lower()
                if suffix == ".parquet":
                    write_restricted_parquet(pd.read_parquet(path), path)
                elif suffix == ".xlsx":  # a worklist written before the notice existed
                    _add_xlsx_notice(path)
                else:
                    raise RuntimeError(
                        f"{path} is in a restricted folder but does not say that it holds personal data "
                        "(first line, first row or file metadata); write it with the notice")
            os.chmod(path, 0o600)
            files.append(path)
    return files

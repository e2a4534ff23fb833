"""Reading agency exports as they arrive (CSV, XLSX, HTML-as-XLS, BIFF XLS, ODS, Stata, SPSS), and
parsing their values.

Reading keeps every value as a string: :func:`read_table` finds the header row (below any title
rows), maps headers to canonical names through the aliases of ``config/sources.yml`` and records,
for every data row, the row number a person sees when opening the file. Parsing happens later,
column by column, with the vectorised parsers of this module (:func:`parse_number`,
:func:`parse_date`, :func:`parse_sex`, :func:`parse_bool`, :func:`parse_period`), which return the
parsed values and, for every value that could not be read, a short reason. A parser never guesses:
an ambiguous or impossible value gets a reason and becomes a reject in :mod:`analysis.intake.clean`.

Parsers work on the distinct values of a column (a register of a million rows holds a few thousand
distinct dates or weights), so their cost grows with the number of distinct values, not rows.

The format of a file is recognised by its content (:func:`sniff_format`), never by its name: the
e-PPGBM web app's "Excel" download is an HTML table saved as ``.xls``, other apps write real
Excel 97-2003 (BIFF) ``.xls``, and BPS microdata comes as Stata ``.dta`` or SPSS ``.sav``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io as _io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from analysis.errors import RakorInputError

__all__ = [
    "RawTable",
    "read_table",
    "normalise_header",
    "parse_number",
    "parse_date",
    "parse_sex",
    "parse_bool",
    "TICKS",
    "parse_period",
    "TABLE_SUFFIXES",
    "take_str",
    "sniff_format",
    "html_rows",
    "parse_month_name",
    "parse_age_text",
    "subtract_age",
]

#: File suffixes read as tables; other files in a source folder are ignored (and noted). The suffix
#: only decides whether a file is looked at: how it is read follows its content (:func:`sniff_format`).
TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods", ".htm", ".html",
                  ".dta", ".sav", ".zsav")
#: How many non-empty rows at the top of a file/sheet are searched for the header.
HEADER_SEARCH_ROWS = 15
_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class RawTable:
    """One agency file as read: strings only, headers mapped to canonical names.

    Attributes
    ----------
    data
        One row per non-empty data row; one column per canonical name found (values are stripped
        strings, missing where the cell is empty) plus ``source_row``, the 1-based row number a
        person sees when opening the file (title and header rows counted).
    path
        The file read.
    label
        ``<source folder>/<file name>``, used in messages and in the rejects table.
    header_row
        1-based row number of the (last) header row.
    columns
        Canonical name -> original header as written in the file.
    unused
        Headers present in the file but not used (not in the source's aliases, or repeated).
    sheet, encoding, delimiter
        Where and how the table was read (sheet for XLSX, encoding/delimiter for CSV).
    n_empty_rows
        Empty rows below the header (skipped; not data).
    sha256
        Hash of the file's bytes (which exact file was read).
    dropped
        Rows read but not data, rejected by the reader itself (``row, column, value, reason``):
        the header repeated further down (two exports pasted together, reason
        ``repeated_header``). They count in :attr:`rows_in`, so that rows in = kept + rejected.
    notes
        Plain-language notes of the reader (hidden sheets skipped, a repeated identical column).
    """

    data: pd.DataFrame
    path: Path
    label: str
    header_row: int
    columns: dict[str, str]
    unused: list[str] = field(default_factory=list)
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    n_empty_rows: int = 0
    sha256: str = ""
    dropped: pd.DataFrame = field(default_factory=lambda: _no_rows())
    notes: list[str] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        """Number of non-empty rows below the header: the data rows and the :attr:`dropped` ones."""
        return len(self.data) + len(self.dropped)


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series([], dtype="int64"), "column": pd.Series([], dtype=object),
                         "value": pd.Series([], dtype=object), "reason": pd.Series([], dtype=object)})


# --------------------------------------------------------------------------------------------
# Header matching
# --------------------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_PARENS = re.compile(r"\([^)]*\)")


def normalise_header(text: Any) -> str:
    """Lower-case, punctuation and repeated spaces removed: ``" Tgl. Lahir "`` -> ``"tgl lahir"``."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return _NON_ALNUM.sub(" ", str(text).lower()).strip()


def _alias_table(source_cfg: dict[str, Any]) -> dict[str, str]:
    """Normalised alias -> canonical name, for all required and optional columns of a source."""
    table: dict[str, str] = {}
    aliases = source_cfg.get("aliases", {}) or {}
    columns = list(source_cfg.get("required", [])) + list(source_cfg.get("optional", []))
    for canon in columns:
        for alias in [canon, *aliases.get(canon, [])]:
            table.setdefault(normalise_header(alias), canon)
    return table


def _match_header_cell(cell: str, table: dict[str, str]) -> str | None:
    norm = normalise_header(cell)
    if not norm:
        return None
    if norm in table:
        return table[norm]
    # "Berat (kg)" -> "Berat": a unit in brackets does not change the column.
    bare = normalise_header(_PARENS.sub(" ", str(cell)))
    return table.get(bare) if bare else None


def _map_header(cells: list[str], table: dict[str, str]) -> dict[str, int]:
    """Canonical name -> column position; the leftmost header wins when a name repeats."""
    found: dict[str, int] = {}
    for pos, cell in enumerate(cells):
        canon = _match_header_cell(cell, table)
        if canon is not None and canon not in found:
            found[canon] = pos
    return found


def _combine_rows(upper: list[str], lower: list[str], table: dict[str, str]) -> list[str]:
    """A two-row header (merged group cells above sub-headers) as one row of best labels."""
    width = max(len(upper), len(lower))
    upper = list(upper) + [""] * (width - len(upper))
    lower = list(lower) + [""] * (width - len(lower))
    # A merged group cell exported to CSV leaves its label in the first column only.
    filled, last = [], ""
    for cell in upper:
        last = cell if cell else last
        filled.append(cell if cell else last)
    out = []
    for up, low, up_f in zip(upper, lower, filled, strict=True):
        candidates = [low, f"{up_f} {low}".strip(), up] if low else [up]
        chosen = next((c for c in candidates if c and _match_header_cell(c, table)), None)
        out.append(chosen if chosen is not None else (low or up))
    return out


def _score(mapping: dict[str, int], required: list[str]) -> tuple[int, int]:
    return (sum(c in mapping for c in required), len(mapping))


@dataclass
class _Header:
    index: int  # 0-based index in the rows list of the last header row
    cells: list[str]
    mapping: dict[str, int]
    score: tuple[int, int]


def _find_header(rows: list[list[str]], source_cfg: dict[str, Any]) -> _Header | None:
    """Best-matching header among the first non-empty rows (single or two-row header)."""
    table = _alias_table(source_cfg)
    required = list(source_cfg.get("required", []))
    candidates = [i for i, r in enumerate(rows) if any(c for c in r)][:HEADER_SEARCH_ROWS]
    best: _Header | None = None
    for i in candidates:
        cells = rows[i]
        mapping = _map_header(cells, table)
        options = [_Header(i, cells, mapping, _score(mapping, required))]
        for up, low in ((i - 1, i), (i, i + 1)):
            if up >= 0 and low < len(rows) and any(rows[up]) and any(rows[low]):
                comb = _combine_rows(rows[up], rows[low], table)
                m = _map_header(comb, table)
                options.append(_Header(low, comb, m, _score(m, required)))
        for opt in options:
            if opt.score[1] and (best is None or opt.score > best.score):
                best = opt
    return best


def _closest(missing: str, headers: list[str], source_cfg: dict[str, Any]) -> str | None:
    aliases = [missing, *(source_cfg.get("aliases", {}) or {}).get(missing, [])]
    best, best_score = None, 0.0
    for h in headers:
        nh = normalise_header(h)
        if not nh:
            continue
        s = max(fuzz.ratio(nh, normalise_header(a)) for a in aliases)
        if s > best_score:
            best, best_score = h, s
    return best if best_score >= 50 else None


def _missing_message(label: str, missing: list[str], header: _Header, source: str,
                     source_cfg: dict[str, Any]) -> str:
    used = set(header.mapping.values())
    free = [c for i, c in enumerate(header.cells) if i not in used and c]
    parts = []
    for col in missing:
        aliases = (source_cfg.get("aliases", {}) or {}).get(col, [])
        shown = aliases[0] if aliases else col
        closest = _closest(col, free, source_cfg)
        near = f"closest: '{closest}'" if closest else "no similar header"
        parts.append(
            f"column '{col}' ({shown}) not found in {label} (header on row {header.index + 1}); "
            f"expected one of {', '.join(repr(a) for a in aliases) or repr(col)}; {near} — "
            f"add an alias in config/sources.yml under {source}.aliases.{col}"
        )
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------


def _decode(raw: bytes, label: str) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # cp1252 (Excel on Windows "CSV"); bytes it leaves undefined are read as latin-1.
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return raw.decode("latin-1"), "latin-1"


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter giving the most lines with the same (>1) number of fields."""
    best, best_key = ",", (-1, -1)
    for d in _DELIMITERS:
        counts = [len(_cells(ln, d)) for ln in lines if ln.strip()]
        counts = [c for c in counts if c > 1]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        key = (counts.count(mode), mode)
        if key > best_key:
            best, best_key = d, key
    return best


def _cells(line: str, delim: str) -> list[str]:
    """One line split into cells; a line the csv module refuses (a cell over its size limit)
    is one cell, so that it matches no header rather than stopping the reader."""
    try:
        return next(csv.reader([line], delimiter=delim), [])
    except csv.Error:
        return [line]


def _is_binary(raw: bytes) -> bool:
    head = raw[:8192]
    return b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _read_csv(raw: bytes, path: Path, label: str, source: str, cfg: dict[str, Any]) -> RawTable:
    text, encoding = _decode(raw, label)
    delim, rows, header = _text_header(text[:200_000], path, label, source, cfg)
    ncols = max(len(header.cells), max((len(r) for r in rows), default=0))
    read = dict(
        sep=delim, header=None, skiprows=header.index + 1, dtype=str, keep_default_na=False,
        na_filter=False, skip_blank_lines=False, quotechar='"', engine="c",
    )
    skip = header.index + 1
    df = _read_body(raw, text, encoding, delim, skip, ncols, read, label)
    # A stray quote at the start of a cell makes the parser read on over the line ends until
    # the next quote: the swallowed lines vanish without a reject and every later row number
    # shifts. One record per physical line is what the row numbers assume, so check it.
    if len(df) < _count_lines(text) - skip:
        line = _quote_break(text, skip, delim)
        if line is not None:
            raise RakorInputError(_quote_message(label, line))
    first_row = header.index + 2  # 1-based row number of the first line below the header
    return _finish(df, first_row, path, label, header, source, cfg, None, encoding, delim)


def _read_body(raw: bytes, text: str, encoding: str, delim: str, skip: int, ncols: int,
               read: dict[str, Any], label: str) -> pd.DataFrame:
    """All rows below the header as strings, one row per CSV record (empty lines included).

    The multi-threaded pyarrow reader is tried first; a file it rejects (ragged rows,
    whitespace-only lines) is read again by pandas' C parser, which tolerates them. A file that
    parser cannot read either (an unclosed quote, ...) is a :class:`RakorInputError` naming it.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    body = raw[3:] if encoding == "utf-8-sig" else raw if encoding == "utf-8" else text.encode()
    names = [str(i) for i in range(ncols)]
    try:
        tbl = pcsv.read_csv(
            _io.BytesIO(body),
            read_options=pcsv.ReadOptions(skip_rows=skip, column_names=names),
            parse_options=pcsv.ParseOptions(delimiter=delim, ignore_empty_lines=False,
                                            newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )
        df = tbl.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)
        df.columns = range(ncols)
        return df
    except (pa.ArrowInvalid, pa.ArrowException):
        pass
    try:
        try:
            return pd.read_csv(_io.StringIO(text), names=list(range(ncols)), **read)
        except pd.errors.ParserError:
            # A data row wider than the header: count the widest row, then read again.
            width = max(len(r) for r in csv.reader(_io.StringIO(text), delimiter=delim))
            return pd.read_csv(_io.StringIO(text), names=list(range(width)), **read)
    except (pd.errors.ParserError, csv.Error):
        line = _quote_break(text, skip, delim)
        if line is not None:
            raise RakorInputError(_quote_message(label, line)) from None
        # The parser's own message is not shown: it may quote a cell (personal data).
        raise RakorInputError(
            f"{label} cannot be read as a table of {_DELIM_NAMES.get(delim, repr(delim))}-separated "
            "values: its rows do not split into columns consistently; open it in Excel or "
            "LibreOffice, check the quotes (\") and separators, and save it again as CSV"
        ) from None


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _split_lines(text: str) -> list[str]:
    """Physical lines as the CSV parsers count them (``\\r\\n``, ``\\r`` or ``\\n``), without ends."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the line break at the end of the last line
    return lines


def _count_lines(text: str) -> int:
    """``len(_split_lines(text))`` without building the list."""
    n = text.count("\n") + text.count("\r") - text.count("\r\n")
    return n + (1 if text and not text.endswith(("\n", "\r")) else 0)


def _quote_break(text: str, skip: int, delim: str) -> int | None:
    """1-based line of the first record (below ``skip`` lines) whose quoted cell runs over a line end.

    Each physical line is given to the reader on its own, so a cell holding a line break is one
    whose quote is not closed on the line where it opens (a stray ``"`` at the start of a cell,
    or a line break typed inside a quoted cell). Returns None when every record is one line.
    """
    lines = _split_lines(text)[skip:]
    reader = csv.reader((ln + "\n" for ln in lines), delimiter=delim, quotechar='"')
    start = skip + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return None
        except csv.Error:  # e.g. a swallowed cell above the field size limit
            return start
        if any("\n" in cell for cell in record):
            return start
        start = skip + reader.line_num + 1


def _quote_message(label: str, line: int) -> str:
    # The line's cells are not quoted: they may be personal data.
    return (
        f'{label} has an unmatched quote (") on line {line}: the cell it opens runs on over the '
        "following lines, so their rows would be lost and later row numbers shifted; fix or "
        "remove it (or a line break typed inside that cell) and save again"
    )


def _cell_to_str(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if np.isnan(v):
            return None
        if v.is_integer() and abs(v) < 1e17:
            return str(int(v))
        return repr(v)
    if isinstance(v, dt.datetime):
        if v.time() == dt.time(0):
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _sheet_rows(values: list[list[Any]], merges) -> list[list[str]]:
    """Cell values as stripped strings, with merged ranges filled from their top-left cell.

    ``merges`` are python-calamine's ``((first_row, first_col), (last_row, last_col))``, zero-based
    and inclusive; a merged header cell ("Tanggal" over "Lahir" and "Pengukuran") keeps its value
    in the top-left cell only, so it is copied over the range before the header is matched.
    """
    rows = [[(c.strip() if isinstance(c, str) else "") for c in (_cell_to_str(v) for v in r)]
            for r in values]
    for (r0, c0), (r1, c1) in merges or ():
        if r0 >= len(rows):
            continue
        top = rows[r0]
        value = top[c0] if c0 < len(top) else ""
        for r in range(r0, min(r1 + 1, len(rows))):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = value
    return rows


def _read_xlsx(path: Path, label: str, source: str, cfg: dict[str, Any], *,
               raw: bytes | None = None, kind: str = "xlsx") -> RawTable:
    """A workbook (``.xlsx``, ``.ods`` or BIFF ``.xls``, as sniffed) read with python-calamine."""
    # python-calamine (Rust) reads a 5,000-row export in tens of milliseconds; openpyxl took
    # seconds, most of the intake time of the sample data. It reads BIFF .xls and .ods too; it
    # is given the bytes, so that the content, not the file name, decides the format.
    from python_calamine import CalamineWorkbook

    def damaged(exc: BaseException) -> RakorInputError:
        return RakorInputError(
            f"{label} cannot be opened as an {_FORMAT_NAMES.get(kind, 'Excel workbook')} "
            f"({type(exc).__name__}); expected a workbook saved by Excel or LibreOffice — open "
            "and save it again as .xlsx or .csv"
        )

    try:
        wb = (CalamineWorkbook.from_filelike(_io.BytesIO(raw)) if raw is not None
              else CalamineWorkbook.from_path(str(path)))
        sheets = list(wb.sheet_names)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001
        # The reader raises several types for a damaged workbook, and when its Rust code panics
        # (a truncated file) pyo3's PanicException, a BaseException that ``except Exception`` misses.
        raise damaged(exc) from None
    best = None
    required = list(cfg.get("required", []))
    full: list[str] = []  # sheets with every required column and data below the header
    # Hidden sheets are not read: they hold lookup lists, old copies or the app's own workings,
    # not the table the person who sent the file sees. They are named in the notes.
    hidden = _hidden_sheets(wb)
    notes = [f"{label}: hidden sheet(s) not read: {', '.join(hidden)}"] if hidden else []
    for name in [n for n in sheets if n not in hidden]:
        try:
            ws = wb.get_sheet_by_name(name)
            rows = _sheet_rows(ws.to_python(skip_empty_area=False), ws.merged_cell_ranges)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - a damaged sheet, as above
            raise damaged(exc) from None
        header = _find_header(rows[: HEADER_SEARCH_ROWS * 3], cfg)
        if header is None:
            continue
        if (header.score[0] == len(required)
                and any(any(c for c in r) for r in rows[header.index + 1:])):
            full.append(name)
        if best is None or header.score > best[1].score:
            best = (name, header, rows)
    if len(full) > 1:
        # Reading only the best sheet would silently lose the others' rows.
        raise RakorInputError(
            f"several sheets of {label} hold data: {', '.join(full)}; only one table per file "
            "can be read — save each sheet as its own file in the same folder (and remove it "
            "from this workbook), then run again"
        )
    if best is None:
        shown = ", ".join(f"{n} (hidden)" if n in hidden else n for n in sheets) or "none"
        raise RakorInputError(
            f"no header row found in {label} (sheets: {shown}); expected headers such as "
            f"{_expected_examples(cfg)} in the first {HEADER_SEARCH_ROWS} rows of a visible sheet"
            + (" — hidden sheets are not read: unhide the sheet that holds the data, or save it "
               "as its own file" if hidden else "")
        )
    title, header, rows = best
    body = rows[header.index + 1:]
    width = max([len(header.cells), *(len(r) for r in body)]) if body else len(header.cells)
    df = _rows_frame(body, width)
    table = _finish(df, header.index + 2, path, label, header, source, cfg, title, None, None)
    table.notes[:0] = notes
    return table


def _hidden_sheets(wb: Any) -> list[str]:
    """Names of the hidden (and "very hidden") sheets of a python-calamine workbook."""
    try:
        meta = wb.sheets_metadata
    except Exception:  # a format without sheet states: every sheet is visible
        return []
    return [m.name for m in meta if not str(m.visible).endswith(".Visible")]


def _expected_examples(cfg: dict[str, Any]) -> str:
    aliases = cfg.get("aliases", {}) or {}
    ex = [repr((aliases.get(c) or [c])[0]) for c in cfg.get("required", [])]
    return ", ".join(ex)


def _no_header_message(label: str, rows: list[list[str]], source: str, cfg: dict[str, Any]) -> str:
    # The file's own cells are not quoted: without a header they may be personal data.
    return (
        f"no header row found in {label}: none of the first {HEADER_SEARCH_ROWS} rows has a known "
        f"column name for source '{source}'; expected headers such as {_expected_examples(cfg)}"
        " — check the file is the right export, or add aliases in config/sources.yml"
    )


def _finish(df: pd.DataFrame, first_row: int, path: Path, label: str, header: _Header,
            source: str, cfg: dict[str, Any], sheet: str | None, encoding: str | None,
            delim: str | None) -> RawTable:
    required = list(cfg.get("required", []))
    missing = [c for c in required if c not in header.mapping]
    if missing:
        raise RakorInputError(_missing_message(label, missing, header, source, cfg))
    notes = _repeated_columns(df, label, header, _alias_table(cfg))
    source_row = np.arange(first_row, first_row + len(df), dtype=np.int64)
    cols = {}
    for canon, pos in header.mapping.items():
        if pos < df.shape[1]:
            s = df[pos].astype("str").str.strip()
            cols[canon] = s.where(s != "", None)
        else:
            cols[canon] = pd.Series([None] * len(df), dtype="str")
    # A row is empty when every cell is empty, used columns or not.
    stripped = df.astype("str").apply(lambda c: c.str.strip().fillna("") != "")
    nonempty = stripped.any(axis=1).to_numpy() if len(df) else np.zeros(0, bool)
    out = pd.DataFrame(cols, index=pd.RangeIndex(len(df)))
    for c in out.columns:
        out[c] = out[c].astype("str")
    out["source_row"] = source_row
    out = out.loc[nonempty].reset_index(drop=True)
    used = set(header.mapping.values())
    unused = [c for i, c in enumerate(header.cells) if i not in used and c]
    if cfg.get("keep_other_columns"):
        # Sources whose every column is data (the monthly report's ~75 counts): the headers not
        # in the aliases are kept too, as ``other:<header in snake_case>``.
        for i, cell in enumerate(header.cells):
            name = "other:" + normalise_header(cell).replace(" ", "_")
            if i in used or not cell or name in out.columns or i >= df.shape[1]:
                continue
            s = df[i].astype("str").str.strip().loc[nonempty].reset_index(drop=True)
            out[name] = s.where(s != "", None).astype("str")
            header.mapping[name] = i
        unused = [c for i, c in enumerate(header.cells) if i not in header.mapping.values() and c]
    again = _repeated_header_rows(out, header)
    dropped = _no_rows()
    if again.any():
        dropped = pd.DataFrame({"row": out.loc[again, "source_row"].to_numpy(dtype=np.int64),
                                "column": None, "value": f"repeats the header of row {header.index + 1}",
                                "reason": "repeated_header"}).astype({"column": object})
        out = out.loc[~again].reset_index(drop=True)
    if out.empty:
        raise RakorInputError(
            f"{label} has a header (row {header.index + 1}) but no data rows; "
            "expected one row per record below the header — export the data again"
        )
    return RawTable(
        data=out, path=path, label=label, header_row=header.index + 1,
        columns={c: header.cells[p] for c, p in header.mapping.items()}, unused=unused,
        sheet=sheet, encoding=encoding, delimiter=delim, n_empty_rows=int((~nonempty).sum()),
        dropped=dropped, notes=notes,
    )


def _column_letter(pos: int) -> str:
    """0-based column position as a spreadsheet letter (0 -> A, 26 -> AA)."""
    out = ""
    pos += 1
    while pos:
        pos, r = divmod(pos - 1, 26)
        out = chr(65 + r) + out
    return out


def _repeated_columns(df: pd.DataFrame, label: str, header: _Header,
                      table: dict[str, str]) -> list[str]:
    """Check headers written twice (the same text in two columns of the header row).

    Two columns with the same header and the same values are one column exported twice: the
    first is used and a note says so. With different values the reader cannot tell which one is
    meant, so the file stops, naming the header and both columns. Different aliases of one field
    ("Nama", "Nama Anak") are not repeats: the leftmost is used, as before.
    """
    notes: list[str] = []
    by_text: dict[str, list[int]] = {}
    for pos, cell in enumerate(header.cells):
        if _match_header_cell(cell, table) is not None:
            by_text.setdefault(normalise_header(cell), []).append(pos)
    for positions in by_text.values():
        if len(positions) < 2:
            continue
        first, *others = positions
        name = header.cells[first]
        letters = ", ".join(_column_letter(p) for p in positions)

        def col(p: int) -> pd.Series:
            if p >= df.shape[1]:
                return pd.Series("", index=df.index, dtype="str")
            return df[p].astype("str").str.strip().fillna("")

        if all(col(p).equals(col(first)) for p in others):
            notes.append(f"{label}: header '{name}' appears in columns {letters} with the same "
                         f"values; column {_column_letter(first)} is used")
            continue
        raise RakorInputError(
            f"{label} has the header '{name}' twice (row {header.index + 1}, columns {letters}) "
            "with different values, so it cannot be told which column is meant; expected one "
            "column per field — delete or rename the extra column and save again")
    return notes


def _repeated_header_rows(out: pd.DataFrame, header: _Header) -> np.ndarray:
    """Data rows that repeat the header (two exports pasted into one file).

    A row repeats the header when at least half of the columns used (and at least two) hold
    that column's own header text (compared after :func:`normalise_header`). The first three
    used columns are compared first, so that a million-row file costs three string compares
    per row.
    """
    used = [(c, p) for c, p in header.mapping.items() if not c.startswith("other:") and c in out]
    if len(used) < 2 or out.empty:
        return np.zeros(len(out), dtype=bool)

    def same(canon: str, pos: int, rows: pd.Index, loose: bool) -> np.ndarray:
        s = out.loc[rows, canon].str.lower()
        hit = (s == header.cells[pos].strip().lower()).fillna(False).to_numpy(dtype=bool)
        if loose:
            hit = hit | (s.str.replace(_NON_ALNUM, " ", regex=True).str.strip()
                         == normalise_header(header.cells[pos])).fillna(False).to_numpy(dtype=bool)
        return hit

    first = used[:3]
    hits = sum(same(c, p, out.index, False) for c, p in first)
    cand = out.index[hits >= 2]
    mask = np.zeros(len(out), dtype=bool)
    if len(cand):
        total = sum(same(c, p, cand, True) for c, p in used)
        mask[cand[total >= max(2, -(-len(used) // 2))]] = True
    return mask


def sniff_format(raw: bytes) -> str:
    """The format of a file from its first bytes, whatever its name.

    Returns
    -------
    str
        ``"xlsx"`` (Office Open XML workbook), ``"ods"`` (OpenDocument spreadsheet), ``"xls"``
        (OLE2 compound file: Excel 97-2003 BIFF), ``"dta"`` (Stata 8-18), ``"sav"`` (SPSS,
        also compressed ``.zsav``), ``"html"`` (an HTML page, such as the e-PPGBM "Excel"
        download), ``"encrypted"`` (a password-protected Office workbook: an OLE2 compound
        file holding an ``EncryptedPackage`` stream), ``"binary"`` (anything else with NUL bytes)
        or ``"text"`` (delimited text).
    """
    if raw[:4] == b"PK\x03\x04" and zipfile.is_zipfile(_io.BytesIO(raw)):
        try:
            with zipfile.ZipFile(_io.BytesIO(raw)) as zf:
                if "mimetype" in zf.namelist() and zf.read("mimetype").startswith(
                        b"application/vnd.oasis.opendocument.spreadsheet"):
                    return "ods"
        except Exception:  # noqa: BLE001 - a damaged archive: the workbook reader says so
            pass
        return "xlsx"
    if raw[:8] == _OLE2_MAGIC:
        # An encrypted OOXML workbook (a password set in Excel) is an OLE2 compound file holding
        # the streams EncryptionInfo and EncryptedPackage (MS-OFFCRYPTO 2.3.4); their names are
        # stored in UTF-16LE in the compound file's directory.
        if any(name in raw for name in _ENCRYPTED_STREAMS):
            return "encrypted"
        return "xls"
    if raw.startswith(b"<stata_dta>") or (
            len(raw) > 4 and 102 <= raw[0] <= 115 and raw[1] in (1, 2) and raw[2] == 1 and raw[3] == 0):
        # Stata 13+ starts with an XML-like tag; Stata 8-12 with (version, byte order, 1, 0).
        return "dta"
    if raw[:4] in (b"$FL2", b"$FL3"):
        return "sav"
    head = raw[:65536].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") and any(t in head for t in (b"<html", b"<table", b"<!doctype html",
                                                          b"<tr")):
        return "html"
    if _is_binary(raw):
        return "binary"
    return "text"


_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
#: Bytes read first to recognise a file (:func:`read_table` reads the rest only if they look right).
SNIFF_BYTES = 256 * 1024


def _check_text_head(head: bytes, size: int, path: Path, label: str, source: str,
                     cfg: dict[str, Any]) -> None:
    """Stop a text file whose first bytes hold no header row, before the whole file is read."""
    if size > len(head):  # the last line of the head may be cut: leave it out
        cut = max(head.rfind(b"\n"), head.rfind(b"\r"))
        head = head[:cut] if cut > 0 else head
    _text_header(_decode(head, label)[0], path, label, source, cfg)


def _text_header(text: str, path: Path, label: str, source: str, cfg: dict[str, Any]
                 ) -> tuple[str, list[list[str]], _Header]:
    """(delimiter, first rows as cells, header) of delimited text; no header stops the file."""
    lines = _split_lines(text)[: HEADER_SEARCH_ROWS * 3]
    delim = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(lines)
    rows = [[c.strip() for c in _cells(ln, delim)] for ln in lines]
    header = _find_header(rows, cfg)
    if header is None:
        raise RakorInputError(_no_header_message(label, rows, source, cfg))
    return delim, rows, header


_FORMAT_NAMES = {"xlsx": "Excel workbook (.xlsx)", "ods": "OpenDocument spreadsheet (.ods)",
                 "xls": "Excel 97-2003 workbook (.xls)", "dta": "Stata dataset (.dta)",
                 "sav": "SPSS dataset (.sav)", "html": "HTML table (a web download)"}


def read_table(path: str | Path, source_cfg: dict[str, Any], *, source: str | None = None,
               label: str | None = None) -> RawTable:
    """Read one agency export into a :class:`RawTable` of strings, whatever its format.

    Parameters
    ----------
    path
        The file. Its format is sniffed from its content (:func:`sniff_format`): delimited text
        (``.csv``/``.tsv``), Excel ``.xlsx``/``.xlsm``, OpenDocument ``.ods``, Excel 97-2003 ``.xls``
        (BIFF), an HTML table (the e-PPGBM "Excel" download, an HTML page named ``.xls``), Stata
        ``.dta`` or SPSS ``.sav``. A workbook saved with a ``.csv`` name is read as a workbook.
    source_cfg
        The source's entry of ``config/sources.yml`` (``required``, ``optional``, ``aliases``).
    source
        Name of the source, for messages (default: ``source_cfg["folder"]``).
    label
        How the file is named in messages and rejects (default ``<folder>/<file name>``).

    Returns
    -------
    RawTable

    Raises
    ------
    RakorInputError
        When the file cannot be used at all: empty, binary or not a table (an HTML page without
        a ``<table>``), no header row, required columns missing (the message names the closest
        header), or no data rows.

    Notes
    -----
    The first 256 KiB are looked at before the rest is read (:data:`SNIFF_BYTES`): binary content,
    or text without a header row there, stops the file at once, however large it is. A
    password-protected workbook (an OLE2 file with an ``EncryptedPackage`` stream) stops with
    that said. A header written twice is one column when both hold the same values (a note),
    else the file stops; a data row repeating the header (two exports pasted together) is not
    data: it is in :attr:`RawTable.dropped` (reason ``repeated_header``). Hidden sheets are
    never read (named in :attr:`RawTable.notes`); empty sheets are skipped.

    Encodings: UTF-8 with or without BOM, UTF-16 with BOM, else cp1252 (for HTML, the page's
    ``charset`` when it declares one). Delimiters ``,`` ``;`` tab ``|`` are sniffed from the first
    lines. The header is the row (or pair of rows, for merged group headers) among the first 15
    non-empty rows that matches the most required, then most known, column names; rows above it
    are titles. In a workbook the sheet whose header matches best is used, and merged cells take
    the value of their top-left cell; when several sheets have every required column and data
    below it, the file stops (one table per file). An HTML page is read as one sheet: the rows
    (``<tr>``) of all its tables in page order, ``colspan``/``rowspan`` cells repeated over their
    range, ``row`` = the ``<tr>`` number from 1. In a Stata or SPSS file the variable names are the
    header and ``row`` is the observation number (1 = the first observation); value labels are
    not applied (the codes are read), dates become ``yyyy-mm-dd``.
    """
    path = Path(path)
    source = source or source_cfg.get("folder", "")
    label = label or f"{path.parent.name}/{path.name}"
    if not path.is_file():
        raise RakorInputError(f"{label} does not exist or is not a file")
    # The first bytes decide whether the rest is worth reading: a large file of garbage (a disk
    # image, a damaged download) is refused from its head, without reading it all into memory.
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head.strip() and size <= len(head):
        raise RakorInputError(f"{label} is empty (0 data rows); expected a CSV or XLSX export with a header row")
    head_kind = sniff_format(head) if head[:4] != b"PK\x03\x04" else "xlsx"
    if head_kind == "binary" or not head.strip():
        raise RakorInputError(
            f"{label} is not a table (binary content); expected a CSV, Excel, OpenDocument, "
            "Stata or SPSS export with a header row"
        )
    if head_kind == "text":
        _check_text_head(head, size, path, label, source, source_cfg)
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    kind = sniff_format(raw)
    if kind == "encrypted":
        raise RakorInputError(
            f"{label} is a password-protected workbook (an encrypted Office file): it cannot be "
            "read without its password — open it in Excel, remove the password (File > Info > "
            "Protect Workbook > Encrypt with Password, empty), save it and run again"
        )
    if kind in ("xlsx", "ods", "xls"):
        table = _read_xlsx(path, label, source, source_cfg, raw=raw, kind=kind)
    elif kind == "html":
        table = _read_html(raw, path, label, source, source_cfg)
    elif kind in ("dta", "sav"):
        table = _read_stats(path, label, source, source_cfg, kind)
    elif path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        raise RakorInputError(
            f"{label} has a spreadsheet name but is not a spreadsheet; expected an .xlsx or .ods "
            "file — open it and save it again as .xlsx or .csv"
        )
    elif kind == "binary":
        raise RakorInputError(
            f"{label} is not a table (binary content); expected a CSV, Excel, OpenDocument, "
            "Stata or SPSS export with a header row"
        )
    else:
        table = _read_csv(raw, path, label, source, source_cfg)
    table.sha256 = digest
    return table


# --------------------------------------------------------------------------------------------
# HTML tables (the e-PPGBM "Excel" download)
# --------------------------------------------------------------------------------------------

_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def _html_encoding(raw: bytes) -> str:
    """The page's declared charset, else UTF-8 when the bytes are UTF-8, else cp1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    m = _CHARSET.search(raw[:8192])
    if m:
        name = m.group(1).decode("ascii").lower()
        try:
            import codecs

            return codecs.lookup(name).name
        except LookupError:
            pass
    if raw.isascii():  # fast, and no decoded copy of a 300 MB page
        return "utf-8"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def html_rows(raw: bytes) -> list[list[str]]:
    """Every table row (``<tr>``) of an HTML page, in page order, as stripped cell strings.

    Parameters
    ----------
    raw
        The page's bytes.

    Returns
    -------
    list of list of str
        One list per ``<tr>`` (``<td>`` and ``<th>`` cells); a cell spanning several columns
        or rows (``colspan``/``rowspan``) is repeated over its range, as merged cells of a
        workbook are (:func:`_sheet_rows`).

    Notes
    -----
    lxml's ``iterparse`` reads the page as a stream and each row is dropped once read, so a
    million-row download does not build a million-row tree. ``pandas.read_html`` is not used:
    it infers column types, which turns a NIK or an RT "005" into a number (leading zeros and
    digits lost), while every value here stays the text of its cell.
    """
    from lxml import etree

    rows: list[list[str]] = []
    carry: dict[int, tuple[int, str]] = {}  # column -> (rows still spanned, value) from rowspan
    parser = etree.iterparse(_io.BytesIO(raw), events=("end",), tag="tr", html=True,
                             recover=True, huge_tree=True, encoding=_html_encoding(raw))
    for _, tr in parser:
        cells: list[str] = []
        simple = True
        for td in tr:
            tag = td.tag
            if tag != "td" and tag != "th":
                continue
            text = td.text if len(td) == 0 else "".join(td.itertext())
            text = text.strip() if text else ""
            if td.attrib and ("colspan" in td.attrib or "rowspan" in td.attrib):
                simple = False
                cs = _span(td.get("colspan"))
                rs = _span(td.get("rowspan"))
                cells.append((text, cs, rs))  # type: ignore[arg-type]
            else:
                cells.append(text)
        if simple and not carry:
            rows.append(cells)
        else:
            rows.append(_expand_spans(cells, carry))
        # Free the row (and rows before it) as soon as it is read.
        tr.clear()
        parent = tr.getparent()
        if parent is not None:
            while tr.getprevious() is not None:
                del parent[0]
    return rows


def _span(v: str | None) -> int:
    try:
        return max(1, min(int(str(v).strip()), 1000))
    except (TypeError, ValueError):
        return 1


def _expand_spans(cells: list, carry: dict[int, tuple[int, str]]) -> list[str]:
    """One row's cells with colspan repeated and the rowspans of rows above filled in."""
    out: list[str] = []
    col = 0
    pending = list(cells)
    while pending or any(c >= col for c in carry):
        if col in carry:
            left, value = carry[col]
            out.append(value)
            if left <= 1:
                del carry[col]
            else:
                carry[col] = (left - 1, value)
            col += 1
            continue
        if not pending:
            # Only rowspans from above remain to the right.
            out.append("")
            col += 1
            continue
        cell = pending.pop(0)
        text, cs, rs = cell if isinstance(cell, tuple) else (cell, 1, 1)
        for k in range(cs):
            out.append(text)
            if rs > 1:
                carry[col + k] = (rs - 1, text)
        col += cs
    return out


_TR = re.compile(rb"<tr[\s>/]", re.IGNORECASE)


def _read_html(raw: bytes, path: Path, label: str, source: str, cfg: dict[str, Any]) -> RawTable:
    if _TR.search(raw) is None:
        raise RakorInputError(
            f"{label} is an HTML page without a table (no <table>/<tr> rows); expected the "
            "e-PPGBM download (an HTML table saved as .xls), a CSV or an Excel file — download "
            "the export again, or open it in a browser to see what it holds"
        )
    encoding = _html_encoding(raw)
    # The header is looked for in the first rows, parsed by lxml; the body (a million rows in a
    # big download) is read by the fast path when its markup is plain, else by lxml too.
    head_end = _nth_row_end(raw, HEADER_SEARCH_ROWS * 3)
    head_rows = html_rows(raw if head_end is None else raw[:head_end])
    if not any(any(c for c in r) for r in head_rows):
        raise RakorInputError(
            f"{label} is an HTML page whose tables are empty; expected the e-PPGBM download with "
            "a header row and one row per record — download the export again"
        )
    header = _find_header(head_rows, cfg)
    if header is None:
        raise RakorInputError(_no_header_message(label, head_rows, source, cfg))
    body_start = _nth_row_end(raw, header.index + 1)
    # The body starts after the header's </tr> only if every row above was closed (HTML allows
    # leaving </tr> out): else the whole page is read by lxml.
    plain_head = (body_start is not None
                  and len(re.findall(rb"<tr[\s>]", raw[:body_start], re.IGNORECASE))
                  == header.index + 1)
    df = _html_body_fast(raw, encoding, body_start) if plain_head else None
    if df is None:
        rows = html_rows(raw)
        body = rows[header.index + 1:]
        width = max([len(header.cells), *(len(r) for r in body)]) if body else len(header.cells)
        df = _rows_frame(body, width)
    return _finish(df, header.index + 2, path, label, header, source, cfg, None, encoding, None)


_TR_END = re.compile(rb"</tr\s*>", re.IGNORECASE)


def _nth_row_end(raw: bytes, n: int) -> int | None:
    """Byte offset just after the ``n``-th ``</tr>`` (None when the page has fewer)."""
    for i, m in enumerate(_TR_END.finditer(raw), start=1):
        if i == n:
            return m.end()
    return None


# Plain machine-written rows: <tr ...><td ...>text</td>...</tr>. The fast path finds every tag
# (each ``<`` and the first ``>`` after it) with numpy, a few MB of the page at a time (the
# arrays stay in cache), names it from its first bytes, checks that the row and cell tags
# follow each other as plain rows do, and takes each cell's text straight out of the page's
# bytes with pyarrow: no rewritten copy of the page, no second parse.
_LT, _GT, _SLASH = ord("<"), ord(">"), ord("/")
_TAG_END = np.zeros(256, dtype=bool)  # bytes that end a tag name: white space, ">" and "/"
_TAG_END[[ord(c) for c in " \t\n\r\f>/"]] = True
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[ord("A"):ord("Z") + 1] += 32
_TR_OPEN, _TD_OPEN, _TD_CLOSE, _TR_CLOSE = 1, 2, 3, 4
# (previous, next) structural tags of plain rows: <tr> (<td> </td>)* </tr>, row after row;
# flattened as previous * 5 + next, previous 0 = the start of the body.
_NEXT_OK = np.zeros((5, 5), dtype=bool)
_NEXT_OK[0, _TR_OPEN] = True
_NEXT_OK[_TR_OPEN, [_TD_OPEN, _TR_CLOSE]] = True
_NEXT_OK[_TD_OPEN, _TD_CLOSE] = True
_NEXT_OK[_TD_CLOSE, [_TD_OPEN, _TR_CLOSE]] = True
_NEXT_OK[_TR_CLOSE, _TR_OPEN] = True
_NEXT_OK = _NEXT_OK.ravel()
# A tag's kind from its first four bytes (any case): the first two say "<tr", "<td"/"<th" or
# "</t"; the next two end the name (white space, ">" or "/") or, after "</t", end "r"/"d"/"h".
_FIRST_TWO = np.zeros(1 << 16, dtype=np.uint8)  # index: byte 1 | byte 2 << 8
_LAST_TWO = np.zeros(1 << 16, dtype=np.uint8)   # index: byte 3 | byte 4 << 8
for _t in b"tT":
    _FIRST_TWO[[_t | (b << 8) for b in b"rR"]] = 1
    _FIRST_TWO[[_t | (b << 8) for b in b"dDhH"]] = 2
    _FIRST_TWO[_SLASH | (_t << 8)] = 3
for _e in np.flatnonzero(_TAG_END):
    _LAST_TWO[[b | (int(_e) << 8) for b in b"rR"]] = 1
    _LAST_TWO[[b | (int(_e) << 8) for b in b"dDhH"]] = 2
_KIND = np.zeros(4 * 3 * 2, dtype=np.int8)  # index: (first two * 3 + last two) * 2 + name ends
for _l in range(3):  # "<tr"/"<td": the name ends at byte 3, whatever bytes 3-4 are
    _KIND[(1 * 3 + _l) * 2 + 1] = _TR_OPEN
    _KIND[(2 * 3 + _l) * 2 + 1] = _TD_OPEN
for _e in range(2):  # "</t" and "r"/"d"/"h" with the name's end at byte 4
    _KIND[(3 * 3 + 1) * 2 + _e] = _TR_CLOSE
    _KIND[(3 * 3 + 2) * 2 + _e] = _TD_CLOSE
del _t, _e, _l
# Other tags the fast path removes, as lxml's text of a cell leaves them out. Inline ones may be
# inside a cell or between rows; table sections, </table> and the page's closing tags only
# between rows. Anything else (a nested <table>, <script>, <style>, a comment, <caption>...)
# goes to lxml.
_INLINE_TAGS = frozenset(
    "a abbr b big br center code del div em font i ins mark nobr p s small span strike strong "
    "sub sup u wbr".split())
_BETWEEN_ROWS_TAGS = frozenset("tbody thead tfoot body html".split())
_TAG_KEY = 12  # bytes of a tag looked at to name it ("</strong>" fits)
_CHUNK = 1 << 22


@dataclass
class _Chunk:
    """The row and cell tags of one chunk of a body (offsets from the body's start)."""

    first: int                 # its first row/cell tag (0: none in the chunk)
    last: int                  # its last one
    n_seq: int                 # how many
    starts: np.ndarray         # where each cell's text starts
    ends: np.ndarray           # and ends (a cell may begin in one chunk and end in the next)
    row_seq: np.ndarray        # per row: its <tr>'s number among the chunk's row/cell tags
    row_at: np.ndarray         # per row: the offset just after its <tr ...>
    attr_tags: np.ndarray      # <tr>/<td> with attributes: start, end, start, end...
    other: dict[bytes, set[int]]  # other tags' first bytes -> the row/cell tag before them
    #                                (-1: before the chunk's first one)


def _scan_chunk(a: np.ndarray, lo: int, hi: int, dtype: type = np.int32) -> _Chunk | None:
    """The tags of ``a[lo:hi]`` (which ends just before a ``<``), offsets as ``dtype``; None
    when not plain."""
    c = a[lo:hi]
    lt, gt = np.flatnonzero(c == _LT), np.flatnonzero(c == _GT)
    # Plain markup: every "<" is closed by the next ">" before the next "<".
    if len(lt) != len(gt) or not ((lt < gt).all() and (gt[:-1] < lt[1:]).all()):
        gt = _tag_ends(c, lt, gt)
        if gt is None:
            return None
    c1, c2, c3, c4 = (c.take(lt + k, mode="clip").astype(np.uint16) for k in (1, 2, 3, 4))
    kind = _KIND[(_FIRST_TWO[c1 | (c2 << 8)] * 3 + _LAST_TWO[c3 | (c4 << 8)]) * 2
                 + _TAG_END[c3]]
    del c1, c2, c3, c4
    struct = np.flatnonzero(kind)
    seq = kind[struct]
    if len(seq) > 1 and not _NEXT_OK[seq[:-1] * 5 + seq[1:]].all():
        return None
    s_lt, s_gt = lt[struct], gt[struct]
    other: dict[bytes, set[int]] = {}
    if len(struct) < len(kind):
        others = np.flatnonzero(kind == 0)
        before = np.searchsorted(struct, others) - 1
        state = np.where(before >= 0, seq[np.maximum(before, 0)] if len(seq) else 0, -1)
        idx = np.minimum(lt[others, None] + np.arange(1, _TAG_KEY + 1), gt[others, None])
        keys = np.ascontiguousarray(_LOWER[c[idx]]).view(f"S{_TAG_KEY}").ravel()
        for key, where in np.unique(np.rec.fromarrays([keys, state])).tolist():
            other.setdefault(key, set()).add(int(where))
    attrs = np.flatnonzero((s_gt - s_lt > 3) & (seq <= _TD_OPEN))  # "<td" + more than ">"
    # A self-closing <td/> or <tr/> (lxml opens the element and closes it later).
    if len(attrs) and (c[s_gt[attrs] - 1] == _SLASH).any():
        return None
    rows = np.flatnonzero(seq == _TR_OPEN)

    def offsets(x: np.ndarray, shift: int) -> np.ndarray:
        return x.astype(dtype) + dtype(lo + shift)  # small while in cache, then joined

    return _Chunk(
        first=int(seq[0]) if len(seq) else 0, last=int(seq[-1]) if len(seq) else 0,
        n_seq=len(seq), starts=offsets(s_gt[seq == _TD_OPEN], 1),
        ends=offsets(s_lt[seq == _TD_CLOSE], 0), row_seq=rows, row_at=offsets(s_gt[rows], 1),
        attr_tags=offsets(np.column_stack([s_lt[attrs], s_gt[attrs]]).ravel(), 0), other=other)


def _join_chunks(scanned: Iterable[_Chunk | None]) -> dict[str, Any] | None:
    """The chunks' tags as one body (row numbers counted on), checked across the chunks'
    edges; None (at the first chunk that is not plain) when not plain."""
    last, n_seq = 0, 0
    other: dict[bytes, set[int]] = {}
    row_seq, chunks = [], []
    for ch in scanned:
        if ch is None or (ch.n_seq and not _NEXT_OK[last * 5 + ch.first]):
            return None
        chunks.append(ch)
        for key, where in ch.other.items():
            other.setdefault(key, set()).update(last if w == -1 else w for w in where)
        row_seq.append(ch.row_seq + n_seq)
        n_seq += ch.n_seq
        last = ch.last if ch.n_seq else last
    if last not in (0, _TR_CLOSE) or not _other_tags_ok(other):
        return None
    joined = {name: np.concatenate([getattr(ch, name) for ch in chunks]) if chunks
              else np.zeros(0, np.int32) for name in ("starts", "ends", "row_at", "attr_tags")}
    return {**joined, "n_seq": n_seq, "row_seq": np.concatenate(row_seq or [np.zeros(0, int)]),
            "other": other}


def _other_tags_ok(other: dict[bytes, set[int]]) -> bool:
    """Whether every non-row, non-cell tag is one the fast path may drop where it stands."""
    for key, where in other.items():
        m = re.match(rb"(/?)([a-z][a-z0-9]*)[\s/>]", key + b">")
        name = m.group(2).decode() if m and m.end() <= len(key) else None
        in_row = bool(where & {_TR_OPEN, _TD_CLOSE})
        between_rows = not in_row and _TD_OPEN not in where
        if name in _INLINE_TAGS and not in_row:
            continue
        if between_rows and (name in _BETWEEN_ROWS_TAGS or (name == "table" and m.group(1))):
            continue  # </table> closes; a <table> (nested, or a second table) goes to lxml
        return False
    return True


_QUOTES_CLOSED = re.compile(rb"""[^"']*(?:"[^"]*"[^"']*|'[^']*'[^"']*)*""")


def _tag_ends(c: np.ndarray, lt: np.ndarray, gt: np.ndarray) -> np.ndarray | None:
    """Where each tag of ``c`` ends when some ``>`` are text ("BB > 2 SD"): the first ``>``
    after its ``<``, the others being text, as lxml reads them. None when that is not sure: a
    ``<`` before the tag's end (a ``<`` as text), or a quote left open before it (the ``>`` may
    be inside a quoted attribute value, ``title="a>b"``)."""
    if len(gt) < len(lt) or not len(lt):
        return None
    k = np.searchsorted(gt, lt)
    if k[-1] >= len(gt):
        return None
    ends = gt[k]
    if not (ends[:-1] < lt[1:]).all():
        return None
    quotes = np.flatnonzero((c == ord('"')) | (c == ord("'")))
    tag = np.searchsorted(lt, quotes, side="right") - 1
    inside = (tag >= 0) & (quotes < ends[np.maximum(tag, 0)])
    for t in np.unique(tag[inside]).tolist():
        if _QUOTES_CLOSED.fullmatch(c[lt[t]:ends[t]].tobytes()) is None:
            return None
    return ends


def _html_body_fast(body: bytes, encoding: str, start: int = 0) -> pd.DataFrame | None:
    """The rows below the header of a plainly written HTML table, read at CSV speed.

    Parameters
    ----------
    body
        The page's bytes; the rows read are those after offset ``start`` (just after the header
        row's ``</tr>``).
    encoding
        The page's encoding (:func:`_html_encoding`).
    start
        Where the body begins in ``body`` (so that a large page is not copied to cut it).

    Returns
    -------
    DataFrame or None
        One row per ``<tr>`` (a row without cells is all empty), columns ``0..width-1``, each
        cell's text as lxml gives it (entities decoded, tags inside the cell such as ``<b>`` or
        ``<br>`` left out, line ends ``\\r\\n``/``\\r`` read as ``\\n``), not yet stripped. None,
        and the caller parses with lxml, whenever the markup is not plain enough for that to be
        exact: a ``colspan``/``rowspan``, a ``<table>`` (nested or a second one), a tag that is
        neither a row, a cell nor an inline one (``<script>``, a comment), a self-closing
        ``<td/>`` or a cell left unclosed (HTML allows both), a tag inside a row but outside its
        cells, a ``<`` that is text, not markup, a ``>`` that may be inside a quoted attribute,
        invalid UTF-8, or rows of different widths.

    Notes
    -----
    Tag names are matched in any case (``<TD>``). A ``>`` outside tags is text ("BB > 2 SD").
    Text between rows or between cells is left out, as lxml's text of the cells leaves it out.
    """
    import html as _html

    import pyarrow as pa
    import pyarrow.compute as pc

    if encoding not in ("utf-8", "ascii"):
        body, start = body[start:].decode(encoding, errors="replace").encode("utf-8"), 0
    view = memoryview(body)[start:]
    a = np.frombuffer(view, dtype=np.uint8)
    # Chunks end just before a "<", so that no tag is cut.
    bounds, lo = [], 0
    while lo < len(a):
        hi = body.find(b"<", start + lo + _CHUNK) - start if lo + _CHUNK < len(a) else len(a)
        hi = len(a) if hi < 0 else hi
        bounds.append((lo, hi))
        lo = hi
    large = len(a) >= 2**31 - 1
    dtype = np.int64 if large else np.int32  # Arrow's (large) string offsets
    scan = _join_chunks(_scan_chunk(a, lo, hi, dtype) for lo, hi in bounds)
    if scan is None:
        return None
    if not len(scan["row_seq"]):
        return pd.DataFrame(columns=range(1), dtype=object)
    if len(scan["attr_tags"]):
        offsets = scan["attr_tags"]
        tags = pa.BinaryArray.from_buffers(pa.large_binary() if large else pa.binary(),
                                           len(offsets) - 1,
                                           [None, pa.py_buffer(offsets), pa.py_buffer(view)])
        if pc.any(pc.match_substring_regex(tags[::2], "(?i)colspan|rowspan")).as_py():
            return None
    # Cells per row: every row has the same number, or none (an empty <tr></tr>).
    # A row is <tr>, its cells' <td> and </td>, </tr>: the tags from one <tr> to the next.
    n_cells = (np.diff(np.append(scan["row_seq"], scan["n_seq"])) - 2) // 2
    cells_before = np.cumsum(n_cells) - n_cells
    width = int(n_cells.max())
    if width == 0:
        return pd.DataFrame("", index=range(len(n_cells)), columns=range(1), dtype=object)
    if ((n_cells != width) & (n_cells != 0)).any():
        return None
    offsets = np.empty(2 * int(n_cells.sum()), dtype=dtype)
    offsets[0::2], offsets[1::2] = scan["starts"], scan["ends"]
    empty = np.flatnonzero(n_cells == 0)
    if len(empty):
        # An empty row: ``width`` empty cells where it stands (offsets stay in page order).
        pos = np.repeat(scan["row_at"][empty], 2 * width)
        offsets = np.insert(offsets, np.repeat(2 * cells_before[empty], 2 * width), pos)
    n = len(offsets) // 2
    # Value 2k is cell k, value 2k+1 the markup up to the next cell; each column takes its own.
    values = (pa.LargeStringArray if large else pa.StringArray).from_buffers(
        2 * n - 1, pa.py_buffer(offsets), pa.py_buffer(view))
    step = np.arange(0, 2 * n, 2 * width, dtype=np.int64)
    ascii_only = body.isascii()  # the whole page: then every cell is valid UTF-8
    has_cr = body.find(b"\r", start) >= 0
    tags_in_cells = any(_TD_OPEN in w for w in scan["other"].values())
    cols = {}
    for j in range(width):
        col = values.take(pa.array(step + 2 * j))
        if not ascii_only:
            try:
                col.validate(full=True)
            except pa.ArrowInvalid:
                return None  # not UTF-8: lxml reads it (replacing what cannot be decoded)
        if tags_in_cells and pc.any(pc.match_substring(col, "<")).as_py():
            col = pc.replace_substring_regex(col, "<[^>]*>", "")
        if has_cr and pc.any(pc.match_substring(col, "\r")).as_py():
            col = pc.replace_substring(pc.replace_substring(col, "\r\n", "\n"), "\r", "\n")
        cols[str(j)] = col
    del values, offsets
    df = pa.table(cols).to_pandas(types_mapper={
        pa.string(): pd.StringDtype("pyarrow", na_value=np.nan),
        pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)
    df.columns = range(df.shape[1])
    if body.find(b"&", start) >= 0:
        for c in df.columns:
            col = df[c]
            has = col.str.contains("&", regex=False)
            if has.any():
                df.loc[has, c] = col[has].map(_html.unescape)
    return df


def _rows_frame(body: list[list[str]], width: int) -> pd.DataFrame:
    """Rows of strings (ragged) as a DataFrame with columns 0..width-1 (short rows padded)."""
    if not body:
        return pd.DataFrame(columns=range(width), dtype=object)
    if all(len(r) == width for r in body):
        return pd.DataFrame(body, columns=range(width), dtype=object)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in body], columns=range(width),
                        dtype=object)


# --------------------------------------------------------------------------------------------
# Statistical packages (BPS microdata: Stata .dta, SPSS .sav)
# --------------------------------------------------------------------------------------------


def _read_stats(path: Path, label: str, source: str, cfg: dict[str, Any], kind: str) -> RawTable:
    try:
        if kind == "dta":
            # Codes, not value labels: BPS area and category codes are what the cleaning maps.
            df = pd.read_stata(path, convert_categoricals=False, convert_missing=False,
                               preserve_dtypes=True)
        else:
            import pyreadstat

            df, _meta = pyreadstat.read_sav(str(path), apply_value_formats=False,
                                            user_missing=False)
    except Exception as exc:  # the readers raise many types for a damaged file
        raise RakorInputError(
            f"{label} cannot be opened as a {_FORMAT_NAMES[kind]} ({type(exc).__name__}); "
            "export it again from Stata/SPSS, or save it as .csv"
        ) from None
    names = [str(c) for c in df.columns]
    table = _alias_table(cfg)
    mapping = _map_header(names, table)
    header = _Header(0, names, mapping, _score(mapping, list(cfg.get("required", []))))
    body = pd.DataFrame({i: _column_strings(df[c]) for i, c in enumerate(df.columns)},
                        index=pd.RangeIndex(len(df)))
    if body.empty:
        body = pd.DataFrame(columns=range(len(names)), dtype=object)
    return _finish(body, 1, path, label, header, source, cfg, None, None, None)


def _column_strings(s: pd.Series) -> pd.Series:
    """A column of a statistical dataset as strings (once per distinct value): 1.0 -> "1",
    a date -> "yyyy-mm-dd", missing -> None."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    text = [_cell_to_str(v.to_pydatetime() if isinstance(v, pd.Timestamp) else
                         (v.item() if hasattr(v, "item") else v)) for v in uniques]
    return take_str(text, codes, s.index).astype(object).where(lambda x: x.notna(), "")


# --------------------------------------------------------------------------------------------
# Parsers (vectorised; each works on the distinct values of a column)
# --------------------------------------------------------------------------------------------


def _by_distinct(s: pd.Series, func: Callable[[pd.Series], tuple[pd.Series, pd.Series]],
                 ) -> tuple[np.ndarray, pd.Series]:
    """Apply ``func`` (values -> (parsed, reason)) to the distinct non-missing values of ``s``."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    u = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    parsed, reason = func(u)
    return codes, parsed, reason


def take_str(values: Any, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``values[codes]`` as a string Series (code -1 -> missing), without a per-row Python step."""
    arr = pd.array(np.asarray(values, dtype=object), dtype="str")
    return pd.Series(arr.take(np.asarray(codes, dtype=np.int64), allow_fill=True), index=index)


def _expand(codes: np.ndarray, values: pd.Series, index: pd.Index, dtype, fill) -> pd.Series:
    if dtype == "str":
        return take_str(values.astype(object).where(values.notna(), None), codes, index)
    arr = np.asarray(values)
    if len(arr) == 0:
        return pd.Series(fill, index=index, dtype=dtype)
    taken = arr[np.where(codes >= 0, codes, 0)]
    out = pd.Series(taken, index=index).astype(dtype)
    out[codes < 0] = fill
    return out


def _expand_reason(codes: np.ndarray, reason: pd.Series, index: pd.Index) -> pd.Series:
    r = reason.astype(object).where(reason.notna(), None)
    return take_str(r, codes, index)


_NUM_PLAIN = r"[+-]?\d+(?:\.\d+)?"
_NUM_COMMA_DEC = r"[+-]?\d+,\d+"
_NUM_DOT_THOU = r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?"
_NUM_COMMA_THOU = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"


def _parse_number_distinct(u: pd.Series, grouping: bool) -> tuple[pd.Series, pd.Series]:
    t = u.str.replace(r"[\s\u00a0]+", "", regex=True).str.replace(r"^(?i:rp)\.?", "", regex=True)
    out = pd.Series(np.nan, index=u.index)
    norm = pd.Series(None, index=u.index, dtype="str")
    dot_thou = t.str.fullmatch(_NUM_DOT_THOU)
    plain = t.str.fullmatch(_NUM_PLAIN)
    if grouping:
        # Money: "300.000" is three hundred thousand rupiah.
        plain = plain & ~dot_thou
    norm[plain] = t[plain]
    comma_dec = ~plain & t.str.fullmatch(_NUM_COMMA_DEC)
    norm[comma_dec] = t[comma_dec].str.replace(",", ".", regex=False)
    dt_ = ~plain & ~comma_dec & dot_thou
    norm[dt_] = t[dt_].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    ct_ = ~plain & ~comma_dec & ~dt_ & t.str.fullmatch(_NUM_COMMA_THOU)
    norm[ct_] = t[ct_].str.replace(",", "", regex=False)
    ok = norm.notna()
    out[ok] = pd.to_numeric(norm[ok], errors="coerce").astype(float)
    reason = pd.Series(None, index=u.index, dtype="str")
    reason[~ok] = "invalid_number"
    return out, reason


def parse_number(s: pd.Series, *, grouping: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse numbers as Indonesian exports write them.

    Parameters
    ----------
    s
        Strings (missing values stay missing, with no reason).
    grouping
        For money and counts: a dot followed by groups of three digits is a thousands separator
        ("300.000" -> 300000). Otherwise a single dot is a decimal point ("85.3" -> 85.3).

    Returns
    -------
    values : Series of float
    reason : Series of str, ``"invalid_number"`` where a value is present but not a number.

    Notes
    -----
    Accepted: ``85``, ``85.3`` and ``85,3`` (a single comma is a decimal comma, the Indonesian
    convention, so ``1,234`` is 1.234), ``1.234,5`` and ``1.234.567`` (dots as thousands
    separators in groups of three), ``1,234.5`` and ``1,234,567`` (commas as thousands separators
    with a dot decimal), an optional leading ``Rp`` and spaces. Anything else is invalid.
    """
    codes, parsed, reason = _by_distinct(s, lambda u: _parse_number_distinct(u, grouping))
    return (_expand(codes, parsed, s.index, float, np.nan), _expand_reason(codes, reason, s.index))


_MONTHS = {
    "jan": 1, "januari": 1, "january": 1, "feb": 2, "februari": 2, "pebruari": 2, "february": 2,
    "peb": 2, "mar": 3, "maret": 3, "march": 3, "apr": 4, "april": 4, "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7, "agu": 8, "agt": 8,
    "agus": 8, "agustus": 8, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oct": 10, "oktober": 10, "october": 10, "nov": 11, "nop": 11, "november": 11,
    "nopember": 11, "des": 12, "dec": 12, "desember": 12, "december": 12,
}
_RE_ISO = r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
_RE_DMY = r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4}|\d{2})"
_RE_DMONY = r"(?P<d>\d{1,2})[-/. ]+(?P<mon>[A-Za-z]+)\.?[-/. ]+(?P<y>\d{4}|\d{2})"
_RE_YMD8 = r"(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})"
_RE_SERIAL = r"(?P<n>\d{5})(?:\.\d+)?"
_EXCEL_EPOCH = np.datetime64("1899-12-30")


def _pivot_year(y: pd.Series, two_digit: pd.Series, today: dt.date) -> pd.Series:
    y = y.copy()
    yy = y[two_digit]
    y[two_digit] = np.where(2000 + yy <= today.year, 2000 + yy, 1900 + yy)
    return y


def _ymd_to_date(y: pd.Series, m: pd.Series, d: pd.Series) -> pd.Series:
    frame = pd.DataFrame({"year": y, "month": m, "day": d}).astype("float")
    ok = frame.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=y.index, dtype="datetime64[ns]")
    if ok.any():
        f = frame[ok].astype("int64")
        out[ok] = pd.to_datetime(f, errors="coerce").astype("datetime64[ns]")
    return out


def _parse_date_distinct(u: pd.Series, today: dt.date) -> tuple[pd.Series, pd.Series]:
    t = u.str.replace(r"(?:[ T]00:00(?::00(?:\.0+)?)?)$", "", regex=True).str.strip()
    out = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    reason = pd.Series(None, index=u.index, dtype="str")
    done = pd.Series(False, index=u.index)

    iso = t.str.fullmatch(_RE_ISO) | t.str.fullmatch(_RE_YMD8)
    if iso.any():
        parts = t[iso].str.extract(f"^(?:{_RE_ISO}|{_RE_YMD8.replace('?P<', '?P<x')})$")
        y = parts["y"].fillna(parts["xy"]).astype(float)
        m = parts["m"].fillna(parts["xm"]).astype(float)
        d = parts["d"].fillna(parts["xd"]).astype(float)
        out[iso] = _ymd_to_date(y, m, d)
        done |= iso

    dmy = ~done & t.str.fullmatch(_RE_DMY)
    dmon = ~done & ~dmy & t.str.fullmatch(_RE_DMONY)
    if dmon.any():
        p = t[dmon].str.extract(f"^{_RE_DMONY}$")
        mon = p["mon"].str.lower().map(_MONTHS)
        y = p["y"].astype(float)
        y = _pivot_year(y, p["y"].str.len() == 2, today)
        out[dmon] = _ymd_to_date(y, mon.astype(float), p["d"].astype(float))
        done |= dmon
    if dmy.any():
        p = t[dmy].str.extract(f"^{_RE_DMY}$")
        d, m = p["d"].astype(float), p["m"].astype(float)
        y = _pivot_year(p["y"].astype(float), p["y"].str.len() == 2, today)
        # Day-first is the Indonesian order. A value only readable month-first (02/15/2024)
        # shows that the column mixes orders: then every value whose day and month are both
        # <= 12 and differ could be either date, and is rejected as ambiguous.
        month_first = (m > 12) & (d <= 12)
        ambiguous = (d <= 12) & (m <= 12) & (d != m) & bool(month_first.any())
        parsed = _ymd_to_date(y, m, d)
        parsed[ambiguous] = pd.NaT
        out[dmy] = parsed
        amb_idx = ambiguous[ambiguous].index
        reason[amb_idx] = "ambiguous_date"
        done |= dmy

    serial = ~done & t.str.fullmatch(_RE_SERIAL)
    if serial.any():
        n = t[serial].str.extract(f"^{_RE_SERIAL}$")["n"].astype("int64")
        out[serial] = (_EXCEL_EPOCH + n.to_numpy().astype("timedelta64[D]")).astype("datetime64[ns]")
        done |= serial

    bad = out.isna() & reason.isna()
    reason[bad] = "invalid_date"
    return out, reason


def parse_date(s: pd.Series, *, today: dt.date | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse dates as Indonesian exports write them; never guess an ambiguous one.

    Parameters
    ----------
    s
        Strings of one column of one file (the ambiguity rule looks at the whole column).
    today
        Reference date for two-digit years (default: today).

    Returns
    -------
    values : Series of datetime64[ns]
    reason : Series of str: ``"invalid_date"`` (impossible or unreadable, e.g. 31/02/2024,
        2024 alone) or ``"ambiguous_date"``.

    Notes
    -----
    Accepted forms: ``yyyy-mm-dd`` (also with ``/`` or ``.``, and with a ``00:00:00`` time),
    ``yyyymmdd``, ``dd/mm/yyyy`` and ``d-m-yy`` (separators ``/ - .``), ``15 Feb 2024`` and
    ``15-Agustus-2024`` (Indonesian or English month names), and Excel day serials of five digits
    (10000–99999, i.e. 1927–2173, in the 1900 date system: serial 45337 is 2024-02-15).

    Rules: day-month-year is the order (Indonesian convention). A value that is impossible in
    that order (month > 12 as in ``02/15/2024``, day 31 in a 30-day month, 29/02 in a non-leap
    year) is ``invalid_date``; it is never swapped. If a column contains such a month-first value,
    the column's order is in doubt and every value with day and month both <= 12 and different
    becomes ``ambiguous_date``. A two-digit year yy is 20yy when that is not after the current
    year, else 19yy.
    """
    today = today or dt.date.today()
    codes, parsed, reason = _by_distinct(s, lambda u: _parse_date_distinct(u, today))
    return (_expand(codes, parsed, s.index, "datetime64[ns]", pd.NaT),
            _expand_reason(codes, reason, s.index))


_SEX = {
    "l": 1, "lk": 1, "laki": 1, "laki laki": 1, "lakilaki": 1, "pria": 1, "1": 1, "m": 1,
    "male": 1, "p": 2, "pr": 2, "perempuan": 2, "wanita": 2, "2": 2, "f": 2, "female": 2,
}


def parse_sex(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Sex codes to 1 (male) / 2 (female).

    Accepted (any case, spaces and hyphens ignored): L, LK, Laki-laki, Pria, 1, M, Male ->
    1; P, PR, Perempuan, Wanita, 2, F, Female -> 2. Other values get ``"invalid_sex"``.

    Returns
    -------
    values : Series of Int64, reason : Series of str
    """
    def f(u: pd.Series) -> tuple[pd.Series, pd.Series]:
        key = u.str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
        key = key.str.replace(r"^(\d)(?: 0+)?$", r"\1", regex=True)  # "1.0" from a workbook
        v = key.map(_SEX)
        r = pd.Series(np.where(v.isna(), "invalid_sex", None), index=u.index, dtype="str")
        return v.astype("Float64"), r

    codes, parsed, reason = _by_distinct(s, f)
    return _expand(codes, parsed, s.index, "Int64", pd.NA), _expand_reason(codes, reason, s.index)


#: Tick marks that mean "yes" on a checklist form (a blank beside them means "no": see
#: :mod:`analysis.intake.clean`, the RT listing).
TICKS = ("\u2713", "\u2714", "\u221a", "\u2611", "\u2705")  # ✓ ✔ √ ☑ ✅
_BOOL = {
    "ya": True, "y": True, "yes": True, "1": True, "true": True, "benar": True, "ada": True,
    "iya": True, "v": True, "tidak": False, "tdk": False, "n": False, "no": False, "0": False,
    "false": False, "salah": False, "tidak ada": False, "bukan": False, "-": False,
    "t": False, "\u2717": False, "\u2718": False,  # T (Tidak), ✗ ✘
    "1.0": True, "0.0": False,  # a workbook's number cells
    **dict.fromkeys(TICKS, True),
}


def parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Ya/Tidak answers to booleans.

    Accepted (any case): Ya, Y, Yes, Iya, Ada, Benar, 1, TRUE, V and the tick marks ✓ ✔ √ ☑ ✅
    -> True; Tidak, Tdk, T, N, No, Tidak Ada, Bukan, Salah, 0, FALSE, "-", ✗ ✘ -> False.
    Other values get ``"invalid_yes_no"``. Empty stays missing (no reason).

    Notes
    -----
    "T" is *Tidak* on Indonesian Y/T forms. In a column that also holds "F", T/F is the
    True/False convention instead, and the reader cannot know which one the form used: then
    both "T" and "F" get ``"ambiguous_yes_no"`` (never guessed).

    Returns
    -------
    values : Series of boolean (nullable), reason : Series of str
    """
    def f(u: pd.Series) -> tuple[pd.Series, pd.Series]:
        key = u.str.lower().str.replace(r"[\s_]+", " ", regex=True).str.strip().str.rstrip(".")
        v = key.map(_BOOL)
        r = pd.Series(np.where(v.isna(), "invalid_yes_no", None), index=u.index, dtype="str")
        if (key == "f").any():
            tf = key.isin(["t", "f"])
            v[tf] = np.nan
            r[tf] = "ambiguous_yes_no"
        return v.astype("boolean"), r

    codes, parsed, reason = _by_distinct(s, f)
    return _expand(codes, parsed, s.index, "boolean", pd.NA), _expand_reason(codes, reason, s.index)


def parse_period(s: pd.Series, *, today: dt.date | None = None) -> tuple[pd.Series, pd.Series]:
    """A data round as ``"YYYY-MM"``.

    Accepted: ``2025-02``, ``2025/2``, ``02/2025``, ``02-2025``, ``Februari 2025``, ``Feb-25``
    (month name and two-digit year) and any full date accepted by :func:`parse_date` (its month).
    Others get ``"invalid_period"``.

    Returns
    -------
    values : Series of str, reason : Series of str
    """
    today = today or dt.date.today()

    def f(u: pd.Series) -> tuple[pd.Series, pd.Series]:
        t = u.str.strip()
        y = pd.Series(np.nan, index=u.index)
        m = pd.Series(np.nan, index=u.index)
        p = t.str.extract(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$")
        y, m = y.fillna(p["y"].astype(float)), m.fillna(p["m"].astype(float))
        p = t.str.extract(r"^(?P<m>\d{1,2})[-/.](?P<y>\d{4})$")
        y, m = y.fillna(p["y"].astype(float)), m.fillna(p["m"].astype(float))
        p = t.str.extract(r"^(?P<mon>[A-Za-z]+)\.?[-/. ]+(?P<y>\d{4}|\d{2})$")
        mon = p["mon"].str.lower().map(_MONTHS).astype(float)
        py = p["y"].astype(float)
        py = _pivot_year(py, p["y"].str.len() == 2, today)
        y, m = y.fillna(py.where(mon.notna())), m.fillna(mon)
        need = y.isna() | m.isna()
        if need.any():
            d, _ = _parse_date_distinct(t[need], today)
            y[need] = d.dt.year.astype(float)
            m[need] = d.dt.month.astype(float)
        ok = y.notna() & m.between(1, 12)
        out = pd.Series(None, index=u.index, dtype="str")
        out[ok] = (y[ok].astype(int).astype(str) + "-"
                   + m[ok].astype(int).astype(str).str.zfill(2))
        r = pd.Series(np.where(ok, None, "invalid_period"), index=u.index, dtype="str")
        return out, r

    codes, parsed, reason = _by_distinct(s, f)
    return _expand(codes, parsed, s.index, "str", None), _expand_reason(codes, reason, s.index)


def parse_month_name(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A month written as a name (``"Februari"``, ``"Feb"``, ``"AGUSTUS"``) or a number 1–12.

    Accepted: the Indonesian and English month names and abbreviations of :func:`parse_date`
    (``Pebruari``, ``Nopember``, ``Agt`` included), any case, and ``1``–``12``. Others get
    ``"invalid_month"``.

    Returns
    -------
    values : Series of Int64 (1–12), reason : Series of str
    """
    def f(u: pd.Series) -> tuple[pd.Series, pd.Series]:
        key = u.str.lower().str.replace(r"[^a-z0-9]+", "", regex=True)
        v = key.map(_MONTHS).astype(float)
        num = pd.to_numeric(key.where(key.str.fullmatch(r"\d{1,2}")), errors="coerce")
        v = v.fillna(num.where(num.between(1, 12)))
        r = pd.Series(np.where(v.isna(), "invalid_month", None), index=u.index, dtype="str")
        return v.astype("Float64"), r

    codes, parsed, reason = _by_distinct(s, f)
    return _expand(codes, parsed, s.index, "Int64", pd.NA), _expand_reason(codes, reason, s.index)


_AGE_TEXT = re.compile(
    r"^\s*(?:(?P<y>\d{1,2})\s*(?:tahun|thn|th|t)\b)?[\s,\-]*(?:(?P<m>\d{1,2})\s*(?:bulan|bln|bl|b)\b)?"
    r"[\s,\-]*(?:(?P<d>\d{1,2})\s*(?:hari|hr|h)\b)?\s*$", re.IGNORECASE)


def parse_age_text(s: pd.Series) -> pd.DataFrame:
    """e-PPGBM's ``Usia Saat Ukur`` (``"4 Tahun - 3 Bulan - 15 Hari"``) as years, months, days.

    Returns
    -------
    DataFrame with float columns ``years``, ``months``, ``days`` (a part not written is 0) and
    ``reason`` (``"invalid_age"`` where a value is present but not of that form).
    """
    def f(u: pd.Series) -> tuple[pd.Series, pd.Series]:
        p = u.str.extract(_AGE_TEXT)
        ok = p.notna().any(axis=1)
        packed = (p["y"].astype(float).fillna(0) * 10000 + p["m"].astype(float).fillna(0) * 100
                  + p["d"].astype(float).fillna(0)).where(ok)
        r = pd.Series(np.where(ok, None, "invalid_age"), index=u.index, dtype="str")
        return packed, r

    codes, packed, reason = _by_distinct(s, f)
    v = _expand(codes, packed, s.index, float, np.nan)
    return pd.DataFrame({"years": v // 10000, "months": (v // 100) % 100, "days": v % 100,
                         "reason": _expand_reason(codes, reason, s.index)}, index=s.index)


def subtract_age(measure: pd.Series, years: pd.Series, months: pd.Series,
                 days: pd.Series) -> pd.Series:
    """Birth date by calendar arithmetic: the measure date minus years and months, then days.

    ``2025-02-15`` minus 4 years 3 months 15 days is ``2020-11-15`` minus 15 days =
    ``2020-10-31``. A day that does not exist in the month reached (31 May minus 3 months) is
    the last day of that month (28/29 February), as :class:`dateutil.relativedelta` does.
    Missing in any input gives NaT.
    """
    out = pd.Series(pd.NaT, index=measure.index, dtype="datetime64[ns]")
    ok = measure.notna() & years.notna() & months.notna() & days.notna()
    if not ok.any():
        return out
    m = measure[ok]
    total = m.dt.year * 12 + (m.dt.month - 1) - (years[ok] * 12 + months[ok]).astype("int64")
    first = pd.to_datetime(pd.DataFrame({"year": total // 12, "month": total % 12 + 1, "day": 1}))
    day = np.minimum(m.dt.day.to_numpy(), first.dt.days_in_month.to_numpy())
    out[ok] = (first + pd.to_timedelta(day - 1, unit="D")
               - pd.to_timedelta(days[ok].to_numpy(), unit="D")).astype("datetime64[ns]")
    return out

"""The sample's own CSV and XLSX writers: byte-identical files for a seed, and fast.

They write what an agency export looks like (title rows, a download date, text and number cells,
``;`` or ``,``, BOM, CRLF), not what pandas would write. Workbooks: ``openpyxl`` (write-only
mode) writes the package, title rows and header; the data rows are serialised as sheet XML in
vectorised form and spliced in, because openpyxl needs ~20 us per cell on this machine (several
seconds per e-PPGBM workbook). Workbook metadata and zip timestamps are fixed
(:data:`FIXED_TIMESTAMP`, :data:`ZIP_DATE`), so the same content gives the same bytes. Every
file is written through :func:`analysis.files.atomic_write`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.files import atomic_write
from analysis.synthetic.base import as_text, map_text

__all__ = ["EXCEL_OFFSET", "FIXED_TIMESTAMP", "ZIP_DATE", "write_csv", "write_xlsx"]

#: Creation and modification time written in every workbook's metadata (determinism).
FIXED_TIMESTAMP = "2025-03-05T08:00:00Z"
#: Date and time of every zip entry of a workbook (determinism).
ZIP_DATE = (2025, 3, 5, 8, 0, 0)
#: Days from 1899-12-30 (Excel's day 0) to 1970-01-01: a date cell holds days since 1970 + this.
EXCEL_OFFSET = 25569


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _xml_escape(v: np.ndarray) -> np.ndarray:
    joined = "".join(v.tolist())
    if "&" in joined or "<" in joined or ">" in joined:
        v = map_text(lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), v)
    return v.astype(object)


def write_xlsx(path: Path, sheet: str, titles: list[list[Any]], header: list[str],
               cols: list[tuple[str, np.ndarray]]) -> int:
    """Write a workbook: openpyxl (write-only) for package, titles and header; data rows spliced.

    Parameters
    ----------
    path
        The ``.xlsx`` file to write.
    sheet
        Name of the one worksheet.
    titles
        Title rows above the header (each a list of cells); a ``Tanggal unduh:`` row with a
        date cell follows them.
    header
        The header row.
    cols
        One ``(kind, values as text)`` per column, kind ``"s"`` (text), ``"n"`` (number) or
        ``"d"`` (date serial shown with a dd/mm/yyyy format). ``""`` leaves the cell empty; a
        value that is not a number in an ``n``/``d`` column is written as text, as clerks type it.

    Returns
    -------
    int
        Data rows written.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    wb.properties.creator = "analysis.synthetic.world (synthetic)"
    ws = wb.create_sheet(sheet)
    for t in titles:
        ws.append(t)
    stamp = WriteOnlyCell(ws, value=dt.date(2025, 3, 5))
    stamp.number_format = "DD/MM/YYYY"
    ws.append(["Tanggal unduh:", stamp])
    ws.append(header)
    buf = io.BytesIO()
    wb.save(buf)
    n_title = len(titles) + 1
    n = len(cols[0][1]) if cols else 0
    rownum = as_text(np.arange(n) + n_title + 2)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    sheet_name = next(nm for nm in src.namelist() if nm.startswith("xl/worksheets/sheet"))
    sheet_xml = src.read(sheet_name).decode("utf-8")
    date_style = re.search(rf'<c r="B{n_title}" s="(\d+)"', sheet_xml).group(1)
    # Text cells go to a shared-string table (as Excel writes them): readers parse each distinct
    # string once instead of an inline string per cell.
    kinds, masks = [], []
    for kind, vals in cols:
        vals = np.asarray(vals, dtype=object)
        present = vals != ""
        is_num = np.zeros(n, bool)
        if kind != "s":
            # A cell typed as text in a numeric/date column (e.g. "05/03/2020") stays text.
            is_num = present & pd.Series(vals, dtype=object).str.fullmatch(r"-?\d+(?:\.\d+)?").fillna(False).to_numpy(bool)
        kinds.append((kind, vals, is_num))
        masks.append(present & ~is_num)
    all_text = np.concatenate([v[m] for (_, v, _), m in zip(kinds, masks, strict=True)]) if n else np.array([], object)
    codes, uniques = pd.factorize(pd.Series(all_text, dtype=object), sort=False)
    cells = [np.array(list(map('<row r="%s">'.__mod__, rownum.tolist())), dtype=object)]
    start = 0
    for j, ((kind, vals, is_num), text_mask) in enumerate(zip(kinds, masks, strict=True)):
        col = _col_letter(j)
        out = np.full(n, "", dtype=object)
        if is_num.any():
            style = f' s="{date_style}"' if kind == "d" else ""
            num_t = '<c r="' + col + '%s"' + style + ' t="n"><v>%s</v></c>'
            out[is_num] = list(map(num_t.__mod__, zip(rownum[is_num], vals[is_num], strict=True)))
        k = int(text_mask.sum())
        text_t = '<c r="' + col + '%s" t="s"><v>%d</v></c>'
        out[text_mask] = list(map(text_t.__mod__, zip(rownum[text_mask], codes[start:start + k].tolist(), strict=True)))
        start += k
        cells.append(out)
    cells.append(np.full(n, "</row>", dtype=object))
    rows_xml = "".join(map("".join, zip(*cells, strict=True)))
    sheet_xml = sheet_xml.replace("</sheetData>", rows_xml + "</sheetData>", 1)
    esc = _xml_escape(np.asarray(uniques, dtype=object))
    sst = (f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(codes)}" '
           f'uniqueCount="{len(uniques)}">'
           + "".join(map('<si><t xml:space="preserve">%s</t></si>'.__mod__, esc.tolist())) + "</sst>")
    names = src.namelist()
    patch = {
        sheet_name: sheet_xml.encode("utf-8"),
        "xl/sharedStrings.xml": sst.encode("utf-8"),
        "[Content_Types].xml": src.read("[Content_Types].xml").replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
        "xl/_rels/workbook.xml.rels": src.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdSst"/></Relationships>'),
        "docProps/core.xml": re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", FIXED_TIMESTAMP.encode(),
                                    src.read("docProps/core.xml")),
    }
    # Rebuild the archive with fixed timestamps (metadata and zip entries) for byte identity.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for nm in [*names, "xl/sharedStrings.xml"]:
            data = patch.get(nm) or src.read(nm)
            info = zipfile.ZipInfo(nm, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data, compresslevel=1)
    data = out.getvalue()
    atomic_write(path, lambda tmp: tmp.write_bytes(data))
    return n


def _csv_quote(col: np.ndarray, sep: str) -> np.ndarray:
    """Quote the cells that hold the separator or a quote (RFC 4180), leave the rest."""
    col = np.asarray(col, dtype=object)
    joined = "\x00".join(col.tolist())
    if sep not in joined and '"' not in joined:
        return col
    s = pd.Series(col, dtype=object)
    need = (s.str.contains(sep, regex=False) | s.str.contains('"', regex=False)).to_numpy(bool)
    out = col.copy()
    out[need] = '"' + s[need].str.replace('"', '""', regex=False).to_numpy(object) + '"'
    return out


def write_csv(path: Path, header: list[str], cols: list[np.ndarray], sep: str = ",",
              bom: bool = False, crlf: bool = False) -> int:
    """Write text columns as a CSV (minimal quoting, optional BOM and CRLF line ends).

    Parameters
    ----------
    path
        The file to write.
    header
        Column names.
    cols
        One array of text per column, all of the same length.
    sep
        Field separator; cells holding it or a quote are quoted (RFC 4180).
    bom
        Start with a UTF-8 byte-order mark, as some Windows tools write.
    crlf
        End lines with CR LF instead of LF.

    Returns
    -------
    int
        Data rows written.
    """
    nl = "\r\n" if crlf else "\n"
    quoted = [_csv_quote(c, sep) for c in cols]
    body = nl.join(map(sep.join, zip(*quoted, strict=True)))
    text = sep.join(header) + nl + body + nl
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    atomic_write(path, lambda tmp: tmp.write_bytes(data))
    return len(cols[0])


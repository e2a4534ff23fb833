"""Forms a kelurahan fills in and hands back: the RT self-listing template (``rakor template pendataan-rt``).

The form is an XLSX workbook an RT head fills in Excel (or prints and fills by hand, the admin typing it
in). A filled form dropped in ``data/raw/<...>/pendataan_rt/`` is read like any other listing of the
source ``pendataan_rt`` (:mod:`analysis.intake.clean`), so everything the form writes is something intake
already knows:

- the headers are aliases of ``config/sources.yml: pendataan_rt`` and, for the criteria, the ``label_id``
  of each criterion of ``settings.yml: local_criteria.criteria`` (:func:`analysis.intake.clean.
  pendataan_source_cfg` makes those aliases): a criterion added in config is a column of the form and of
  the processed table, with no change of code;
- the form has no kelurahan column: the kelurahan is the code in the file name
  (:func:`analysis.intake.clean.kelurahan_from_name`), so the default name is
  ``pendataan_rt_64_74_01_1003.xlsx`` and a name without the code is refused. The code is also in the
  title row, for the people who handle the file;
- the dropdown words (Ya/Tidak, the verification status) are words intake reads.

Every word of the workbook is in :data:`analysis.briefs.labels.SHEET_WORDS`.

RT numbers: the RT dropdown lists the RTs the processed tables already know for the kelurahan (DTSEN,
e-PPGBM, programme lists, earlier listings; only the ``kelurahan_code`` and ``rt`` columns are read).
An RT split or created since is not lost: the list only warns and lets the RT head confirm a new number.
Without processed tables (a new workspace) the RT column accepts any whole number from 1 to 999, the RT
numbers intake reads (``RT 5``, ``05``, ``005``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import config
from analysis.errors import RakorInputError
from analysis.files import atomic_write

__all__ = ["FORMS", "default_file_name", "template_columns", "rt_numbers", "write_pendataan_template"]

#: ``rakor template <form>``: the forms that can be written.
FORMS = ("pendataan-rt",)
#: Rows below the header that carry the dropdowns (an RT rarely lists more households).
FORM_ROWS = 500
#: Ruled rows of the printed form (the dropdowns cover FORM_ROWS).
PRINT_ROWS = 25
#: Processed tables with ``kelurahan_code`` and ``rt`` (where the RT numbers of a kelurahan are known).
_RT_TABLES = ("dtsen_member", "pendataan_rt", "eppgbm", "program")
_HEAD = ("no_kk", "nik_kepala", "nama_kepala", "rt", "rw", "alamat")
_TAIL = ("status_verifikasi", "petugas", "tanggal_pendataan")


def _words() -> dict[str, tuple]:
    from analysis.briefs.labels import SHEET_WORDS

    return SHEET_WORDS


def default_file_name(code: str) -> str:
    """The file name of a kelurahan's form: ``pendataan_rt_64_74_01_1003.xlsx``.

    The code is written with underscores (no dots that look like a file extension); intake reads it
    back with :func:`analysis.intake.clean.kelurahan_from_name`.
    """
    return f"pendataan_rt_{code.replace('.', '_')}.xlsx"


def template_columns(settings: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """The form's columns in order, as (canonical name, header).

    Parameters
    ----------
    settings
        The settings (default: the current ``config/settings.yml``); one column per criterion of
        ``local_criteria.criteria``, headed by its ``label_id`` (its key when it has none).

    Returns
    -------
    list of (str, str)
        ``No KK``, ``NIK Kepala Keluarga``, ``Nama Kepala Keluarga``, ``RT``, ``RW``, ``Alamat``, the
        criteria, ``Status Verifikasi``, ``Petugas``, ``Tanggal Pendataan``.
    """
    if settings is None:
        settings = config.settings()
    headers = _words()["template_headers"][0]
    crit = [(str(c["key"]), str(c.get("label_id") or c["key"]))
            for c in (settings.get("local_criteria") or {}).get("criteria") or []]
    return [(c, headers[c]) for c in _HEAD] + crit + [(c, headers[c]) for c in _TAIL]


def _kelurahan_name(code: str) -> str:
    """The gazetteer name of a kelurahan of the configured region, or a clear error."""
    from analysis.intake.gazetteer import gazetteer

    kel = gazetteer().kelurahan
    hit = kel.loc[kel["kode"] == str(code).strip(), "nama"]
    if hit.empty:
        region = config.settings()["region"]
        example = kel.iloc[0] if len(kel) else None
        hint = f"; e.g. {example['kode']} ({example['nama']})" if example is not None else ""
        raise RakorInputError(
            f"--kelurahan {code!r} is not a kelurahan of {region.get('name', '')} ({region['code']}) in the "
            f"Kemendagri gazetteer: write its code as PP.KK.CC.DDDD{hint}")
    return str(hit.iloc[0])


def rt_numbers(code: str, processed_dir: str | Path | None = None) -> list[int]:
    """The RT numbers the processed tables know for a kelurahan, sorted.

    Parameters
    ----------
    code
        Kemendagri kelurahan code.
    processed_dir
        Folder of the processed tables (default ``data/processed``); only the columns
        ``kelurahan_code`` and ``rt`` of the tables that have them are read.

    Returns
    -------
    list of int
        Distinct RT numbers (``"005"`` -> 5); empty when no table is there or none names the kelurahan.
    """
    folder = Path(processed_dir) if processed_dir is not None else config.PROCESSED_DIR
    found = []
    for table in _RT_TABLES:
        path = folder / f"{table}.parquet"
        if path.is_file():
            t = pd.read_parquet(path, columns=["kelurahan_code", "rt"])
            found.append(t.loc[t["kelurahan_code"] == code, "rt"])
    if not found:
        return []
    rt = pd.to_numeric(pd.concat(found, ignore_index=True), errors="coerce").dropna()
    return sorted({int(v) for v in rt if 1 <= v <= 999})


def _check_out(out: Path, code: str) -> Path:
    """The file to write: ``out`` itself, or the default name inside ``out`` when it is a folder."""
    from analysis.intake.clean import kelurahan_from_name

    if out.is_dir() or not out.suffix:
        return out / default_file_name(code)
    if out.suffix.lower() != ".xlsx":
        raise RakorInputError(f"--out {out}: the form is an Excel workbook; name it {default_file_name(code)}")
    if kelurahan_from_name(out.stem) != code:
        # Intake takes the kelurahan from the file name: a form without the code would be unreadable.
        raise RakorInputError(
            f"--out {out.name}: the file name must carry the kelurahan code {code} (intake reads the "
            f"kelurahan from it), e.g. {out.with_name(default_file_name(code))}")
    return out


def write_pendataan_template(code: str, out: str | Path, *, processed_dir: str | Path | None = None,
                             settings: dict[str, Any] | None = None) -> Path:
    """Write the empty RT self-listing form of one kelurahan.

    Parameters
    ----------
    code
        Kemendagri code of a kelurahan of the configured region (``64.74.01.1003``).
    out
        The ``.xlsx`` file (its name must carry the code, see :func:`default_file_name`) or a folder
        (the default name is used).
    processed_dir
        Where the RT numbers of the kelurahan are looked up (:func:`rt_numbers`).
    settings
        Default: the current configuration (criteria from ``local_criteria.criteria``).

    Returns
    -------
    pathlib.Path
        The file written (atomically).

    Raises
    ------
    RakorInputError
        The code is not a kelurahan of the region, or ``out`` is not a usable file name.

    Notes
    -----
    Sheet ``Pendataan``: row 1 the title (kelurahan name and code), row 2 the header, rows 3 to
    ``2 + FORM_ROWS`` with dropdowns: Ya/Tidak on each criterion, the status words, the RT numbers
    (list from ``Daftar``, a warning for a new number) or whole numbers 1-999, and a date check.
    Sheet ``Petunjuk``: the instructions, with the personal-data notice (UU 27/2022). The form holds
    no personal data until it is filled.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    # Load inputs.
    code = str(code).strip()
    name = _kelurahan_name(code)
    path = _check_out(Path(out), code)
    settings = settings if settings is not None else config.settings()
    cols = template_columns(settings)
    rts = rt_numbers(code, processed_dir)
    words = {k: v[0] for k, v in _words().items()}
    keys = [c for c, _ in cols]
    crit = [c for c in keys if c not in _HEAD + _TAIL]
    letter = {c: get_column_letter(i) for i, c in enumerate(keys, start=1)}
    first, last = 3, 2 + FORM_ROWS

    def rng(col: str) -> str:
        return f"{letter[col]}{first}:{letter[col]}{last}"

    def listed(values: list[str], error: str) -> DataValidation:
        return DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                              showErrorMessage=True, errorTitle=words["result_error_title"], error=error)

    # Process data.
    book = Workbook()
    ws = book.active
    ws.title = words["template_sheet"]
    ws.cell(row=1, column=1, value=words["template_title"].format(name=name.upper(), code=code)).font = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for i, (_, header) in enumerate(cols, start=1):
        cell = ws.cell(row=2, column=i, value=header)
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(i)].width = 15 if i > len(_HEAD) else 19
    for col, width in (("rt", 6), ("rw", 6), ("alamat", 26), ("tanggal_pendataan", 13)):
        ws.column_dimensions[letter[col]].width = width  # narrow where the answer is short
    ws.freeze_panes = "A3"
    for col in ("no_kk", "nik_kepala"):  # 16 digits: as text, or Excel shows 6.47E+15 and drops the last digit
        for r in range(first, last + 1):
            ws[f"{letter[col]}{r}"].number_format = "@"

    yes_no = listed([words["yes"], words["no"]], words["yes_no_error"])
    for c in crit:
        yes_no.add(rng(c))
    status = listed(list(words["status_values"]), words["result_error"])
    status.add(rng("status_verifikasi"))
    if rts:
        lists = book.create_sheet(words["lists_sheet"])
        lists.sheet_state = "hidden"  # the dropdown's source, not for printing
        lists.cell(row=1, column=1, value=words["rt_list_header"]).font = Font(bold=True)
        for i, n in enumerate(rts, start=2):
            lists.cell(row=i, column=1, value=n)
        # A sheet range, not an inline list: no 255-character limit however many RTs there are.
        rt = DataValidation(type="list", formula1=f"'{lists.title}'!$A$2:$A${len(rts) + 1}", allow_blank=True,
                            showErrorMessage=True, errorStyle="warning", errorTitle=words["result_error_title"],
                            error=words["rt_error"])
        rt_hint = words["template_rt_listed"].format(rts=", ".join(str(n) for n in rts))
    else:
        rt = DataValidation(type="whole", operator="between", formula1="1", formula2="999", allow_blank=True,
                            showErrorMessage=True, errorTitle=words["result_error_title"],
                            error=words["rt_number_error"])
        rt_hint = words["template_rt_free"]
    rt.add(rng("rt"))
    date = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                          showErrorMessage=True, error=words["date_error"])
    date.add(rng("tanggal_pendataan"))
    for r in range(first, last + 1):
        ws[f"{letter['tanggal_pendataan']}{r}"].number_format = "DD/MM/YYYY"
    for dv in (yes_no, status, rt, date):
        ws.add_data_validation(dv)
    # Printed for the RT head to fill by hand: A4 landscape, one page wide, the header on every
    # page, and ruled rows tall enough to write in.
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:2"
    ws.print_area = f"A1:{letter[keys[-1]]}{2 + PRINT_ROWS}"
    ws.row_dimensions[2].height = 64  # four lines of a long criterion
    thin = Side(style="thin", color="808080")
    for r in range(2, 3 + PRINT_ROWS):
        if r > 2:
            ws.row_dimensions[r].height = 22
        for i in range(1, len(keys) + 1):
            ws.cell(row=r, column=i).border = Border(left=thin, right=thin, top=thin, bottom=thin)

    info = book.create_sheet(words["instructions_sheet"], index=1)
    labels = [h for c, h in cols if c in crit]
    lines = []
    for line in words["template_instructions"]:
        if line == "{criteria}":
            lines += [f"  - {lab}" for lab in labels]
        else:
            lines.append(line.format(rt_hint=rt_hint, code_file=default_file_name(code)))
    # Lines folded to a printed page's width (spreadsheet programs differ in wrapping cell text).
    row = 0
    for i, line in enumerate(lines):
        indent = "    " if line.startswith("  - ") else ""
        for part in textwrap.wrap(line, 80, subsequent_indent=indent) or [""]:
            row += 1
            info.cell(row=row, column=1, value=part).font = Font(bold=i < 2)
    info.column_dimensions["A"].width = 100
    info.print_area = f"A1:A{row}"
    info.page_setup.paperSize = info.PAPERSIZE_A4
    info.sheet_properties.pageSetUpPr.fitToPage = True
    info.page_setup.fitToWidth, info.page_setup.fitToHeight = 1, 0

    # Save outputs.
    return atomic_write(path, book.save)

"""Poverty lines as a dated table per region and year, each with its source (DOMAIN.md §5).

The table (``config/poverty_lines.csv``, named by ``poverty_line_table.table`` in
``config/settings.yml``) has one row per line: ``kind`` (``poverty`` or ``extreme``), ``key`` (a
unique name), ``area_code`` (Kemendagri: ``"64.74"`` a kab/kota, ``"64"`` a province, ``"00"``
the nation), ``area_name``, ``year``, ``period``, ``value_idr_person_month``, ``source``, ``note``.

:func:`resolve_line` picks the line a survey of a given period uses: the region's line for the
period's year; when that year is missing, the latest earlier line of the same region; else the
province's; else the national line, which the result marks as to be replaced (a kab/kota with its
own garis kemiskinan must never be measured with the national one). The extreme-poverty line is a
configured choice between keys (``poverty_line_table.extreme_choice``), both values kept with
their sources. :func:`line_sentence` says in the brief which line and year were used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import files
from analysis.errors import RakorInputError
from analysis.periods import is_period

KINDS = ("poverty", "extreme")
REQUIRED_COLUMNS = ("kind", "key", "area_code", "year", "value_idr_person_month", "source")
OPTIONAL_COLUMNS = ("area_name", "period", "note")
NATIONAL_CODE = "00"

# ResolvedLine.fallback values
LATEST_AVAILABLE = "latest available"
EARLIEST_AVAILABLE = "earliest available"
PROVINCE = "province"
NATIONAL = "national"

_AREA_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_YEAR = re.compile(r"^\d{4}$")

__all__ = [
    "ResolvedLine", "extreme_choice", "line_sentence", "load_poverty_lines", "read_poverty_lines",
    "resolve_line", "validate_poverty_lines",
]


@dataclass(frozen=True)
class ResolvedLine:
    """The poverty line a survey uses, and where it came from.

    Attributes
    ----------
    kind
        ``"poverty"`` or ``"extreme"``.
    value_idr
        Rupiah per person per month.
    year, period
        Year of the line and its reference period as written in the table (``"2024-03"``).
    area_code, area_name
        The area whose line it is (may be the province or the nation: see ``fallback``).
    source, key, note
        The table row's source, key and note.
    fallback
        ``None`` when the region's line for the requested year was found; otherwise
        ``"latest available"`` (an earlier year of the same region), ``"province"``,
        ``"national"`` or, for the extreme line only, ``"earliest available"`` (no line of the
        chosen key at or before the year: the earliest later one).
    requested_area_code, requested_area_name, requested_year
        What was asked for; the name is the table's, else the gazetteer's (``None`` when neither
        holds the area).
    """

    kind: str
    value_idr: float
    year: int
    period: str
    area_code: str
    area_name: str
    source: str
    fallback: str | None
    key: str
    note: str
    requested_area_code: str
    requested_area_name: str | None
    requested_year: int

    @property
    def to_be_replaced(self) -> bool:
        """True when a poverty line is not the region's own (province or national line).

        The national line is the issue's "to be replaced" case; a province line is flagged too,
        because BPS publishes a garis kemiskinan for every kab/kota and a P0 measured with
        another area's line is not comparable with the official one.
        """
        return self.kind == "poverty" and self.fallback in (PROVINCE, NATIONAL)


def _where(name: str, row: int | None, column: str | None) -> str:
    parts = [name]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column `{column}`")
    return ", ".join(parts)


def validate_poverty_lines(table: pd.DataFrame, name: str = "poverty lines table") -> pd.DataFrame:
    """Check a poverty-line table and return it typed (``year`` int, ``value_idr_person_month`` float).

    Parameters
    ----------
    table
        Rows as read from the CSV (strings are fine).
    name
        What to call the table in error messages (the file path).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`REQUIRED_COLUMNS` + :data:`OPTIONAL_COLUMNS` (missing optional ones empty),
        ``area_code``/``key``/``kind`` stripped strings.

    Raises
    ------
    RakorInputError
        Naming the file, the row (1-based, counting the header as row 1, as a spreadsheet shows it),
        the column and the value: a missing column, an unknown kind, an area code that is not
        Kemendagri-shaped, a year that is not four digits, a value that is not a positive number,
        an empty source, a duplicate key, or two lines of one kind for the same area and year.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise RakorInputError(
            f"{name}: column(s) {', '.join(missing)} missing; a poverty-line table needs "
            f"{', '.join(REQUIRED_COLUMNS)} (optional: {', '.join(OPTIONAL_COLUMNS)}); "
            f"found {', '.join(map(str, table.columns))}"
        )
    t = table.reset_index(drop=True).copy()
    for col in OPTIONAL_COLUMNS:
        if col not in t.columns:
            t[col] = ""
    text = {c: t[c].astype("object").where(t[c].notna(), "").astype(str).str.strip()
            for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}

    def fail(i: int, col: str, why: str) -> None:
        raise RakorInputError(f"{_where(name, i + 2, col)}: {why}; got {t.loc[i, col]!r}")

    checks = [
        ("kind", lambda s: s.isin(KINDS), f"must be one of {', '.join(KINDS)}"),
        ("key", lambda s: s != "", "must name the line (e.g. bps_gk_6474_2024)"),
        ("area_code", lambda s: s.str.match(_AREA_CODE), "must be a Kemendagri code such as 64.74, 64 or 00"),
        ("year", lambda s: s.str.match(_YEAR), "must be a year such as 2024"),
        ("source", lambda s: s != "", "must say where the value comes from"),
    ]
    for col, ok, why in checks:
        bad = ~ok(text[col]).to_numpy(dtype=bool)
        if bad.any():
            fail(int(np.flatnonzero(bad)[0]), col, why)
    value = pd.to_numeric(text["value_idr_person_month"].str.replace("_", ""), errors="coerce")
    bad = ~(np.isfinite(value.to_numpy(dtype=float)) & (value.to_numpy(dtype=float) > 0))
    if bad.any():
        fail(int(np.flatnonzero(bad)[0]), "value_idr_person_month",
             "must be rupiah per person per month, a number > 0")
    period_ok = (text["period"] == "") | text["period"].map(lambda p: is_period(p) or bool(_YEAR.match(p)))
    if not period_ok.all():
        fail(int(np.flatnonzero(~period_ok.to_numpy(dtype=bool))[0]), "period", "must be YYYY-MM or YYYY")
    dup = text["key"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((text["key"] == text["key"][i]).to_numpy())[0])
        fail(i, "key", f"key repeats row {first + 2}")
    # Two lines of one kind for one area and year would make the choice arbitrary; extreme
    # lines differ by definition (key), so for them the key is part of the identity.
    ident = pd.DataFrame({"kind": text["kind"], "area": text["area_code"], "year": text["year"],
                          "key": np.where(text["kind"] == "extreme", text["key"], "")})
    dup = ident.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        fail(i, "year", f"a second {text['kind'][i]} line for area {text['area_code'][i]} in this year")
    out = pd.DataFrame({c: text[c] for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)})
    out["year"] = text["year"].astype(int)
    out["value_idr_person_month"] = value.astype(float)
    out.attrs["name"] = name
    return out


@files.reread_when_changed
def read_poverty_lines(path: str | Path) -> pd.DataFrame:
    """Read and validate a poverty-line CSV (see :func:`validate_poverty_lines`); read once while the
    file stays the same (a brief resolves several lines: :func:`analysis.files.reread_when_changed`).

    Raises
    ------
    RakorInputError
        When the file is missing or a row is bad (file, row, column, value named).
    """
    path = Path(path)
    if not path.is_file():
        raise RakorInputError(f"poverty-line table {path} not found (config poverty_line_table.table)")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return validate_poverty_lines(table, name=str(path))


def load_poverty_lines(config_dir: str | Path | None = None) -> pd.DataFrame:
    """The configured table: ``<config_dir>/<poverty_line_table.table>`` (default ``config/``)."""
    from analysis import config

    folder = Path(config_dir) if config_dir is not None else config.CONFIG_DIR
    name = config.settings().get("poverty_line_table", {}).get("table", "poverty_lines.csv")
    return read_poverty_lines(folder / name)


def extreme_choice() -> str:
    """The key of the extreme-poverty line in force (``poverty_line_table.extreme_choice``)."""
    from analysis import config

    block = config.settings().get("poverty_line_table") or {}
    choice = block.get("extreme_choice")
    if not choice:
        raise RakorInputError("config/settings.yml: poverty_line_table.extreme_choice is not set; "
                              "choose a key of the table's extreme lines (e.g. bps_usd215_ppp2017)")
    return str(choice)


def _year_of(period: str | int) -> int:
    if isinstance(period, (int, np.integer)):
        return int(period)
    text = str(period)
    if is_period(text):
        return int(text[:4])
    if _YEAR.match(text):
        return int(text)
    raise RakorInputError(f"period must be YYYY-MM (or a year); got {period!r}")


def _chain(region_code: str) -> list[tuple[str, str | None]]:
    """Areas to look in, in order, with the fallback each implies (kab/kota, province, nation)."""
    parts = region_code.split(".")
    chain: list[tuple[str, str | None]] = []
    if len(parts) >= 2:  # a kecamatan or kelurahan uses its kab/kota's line
        chain.append((".".join(parts[:2]), None))
        chain.append((parts[0], PROVINCE))
    elif parts[0] != NATIONAL_CODE:
        chain.append((parts[0], None))
    chain.append((NATIONAL_CODE, NATIONAL if chain else None))
    return chain


def _gazetteer_name(code: str) -> str | None:
    """The Kemendagri name of a kab/kota or province ("Kota Tarakan", "Provinsi Kalimantan Utara"),
    ``None`` for a code the gazetteer does not hold."""
    from analysis.intake.gazetteer import kind_of, region_table

    try:
        t = region_table(code)
    except RakorInputError:
        return None
    name = t.loc[t["kode"] == code, "nama"].iloc[0]
    return f"Provinsi {name}" if kind_of(code) == "provinsi" else name


def resolve_line(kind: str, region_code: str, period: str | int, table: pd.DataFrame | None = None,
                 choice: str | None = None) -> ResolvedLine:
    """The poverty line of ``kind`` that a survey of ``region_code`` in ``period`` uses.

    Parameters
    ----------
    kind
        ``"poverty"`` (garis kemiskinan) or ``"extreme"``.
    region_code
        Kemendagri code of the region (``"64.74"``); a kecamatan or kelurahan code uses its
        kab/kota's line.
    period
        The survey's period ``"YYYY-MM"`` (or a year); its year selects the line.
    table
        A poverty-line table (validated here); default the configured one
        (:func:`load_poverty_lines`).
    choice
        For ``kind="extreme"``: the key of the line; default :func:`extreme_choice`.

    Returns
    -------
    ResolvedLine

    Raises
    ------
    RakorInputError
        Unknown kind, an extreme choice that is not in the table, or no line at all.

    Notes
    -----
    Poverty: the region's line of the period's year (``fallback=None``); else its latest earlier
    line (``"latest available"``); else the province's latest line at or before the year
    (``"province"``); else the nation's (``"national"``, to be replaced). A later year's line is
    never used for an earlier survey: lines rise with prices.

    Extreme: the lines are national by definition (a PPP dollar amount in rupiah), so only the
    year is resolved among the rows of the chosen key: that year, else the latest earlier
    (``"latest available"``), else the earliest later one (``"earliest available"``: a
    purchasing-power line in constant dollars, its rupiah value of a later year is the nearest
    available).
    """
    if kind not in KINDS:
        raise RakorInputError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    year = _year_of(period)
    region_code = str(region_code).strip()
    if not _AREA_CODE.match(region_code):
        raise RakorInputError(f"region_code must be a Kemendagri code such as 64.74; got {region_code!r}")
    t = load_poverty_lines() if table is None else validate_poverty_lines(
        table, name=table.attrs.get("name", "poverty lines table"))
    name = t.attrs.get("name", "poverty lines table")
    line_area = ".".join(region_code.split(".")[:2])
    own = t[t["area_code"] == line_area]
    requested_name = (own["area_name"].iloc[0] if len(own) and own["area_name"].iloc[0]
                      else _gazetteer_name(line_area))
    lines = t[t["kind"] == kind]

    def result(row: pd.Series, fallback: str | None) -> ResolvedLine:
        return ResolvedLine(kind=kind, value_idr=float(row["value_idr_person_month"]), year=int(row["year"]),
                            period=row["period"] or str(row["year"]), area_code=row["area_code"],
                            area_name=row["area_name"] or row["area_code"], source=row["source"],
                            fallback=fallback, key=row["key"], note=row["note"],
                            requested_area_code=region_code, requested_area_name=requested_name,
                            requested_year=year)

    if kind == "extreme":
        key = choice or extreme_choice()
        rows = lines[lines["key"] == key]
        if rows.empty:
            keys = ", ".join(lines["key"]) or "none"
            raise RakorInputError(f"{name}: no extreme line with key {key!r} (poverty_line_table."
                                  f"extreme_choice); the table's extreme lines are: {keys}")
        exact, earlier = rows[rows["year"] == year], rows[rows["year"] < year]
        if len(exact):
            return result(exact.iloc[0], None)
        if len(earlier):
            return result(earlier.sort_values("year").iloc[-1], LATEST_AVAILABLE)
        return result(rows.sort_values("year").iloc[0], EARLIEST_AVAILABLE)

    for code, fallback in _chain(region_code):
        rows = lines[(lines["area_code"] == code) & (lines["year"] <= year)]
        if rows.empty:
            continue
        best = rows.sort_values("year").iloc[-1]
        if fallback is None and best["year"] != year:
            fallback = LATEST_AVAILABLE
        return result(best, fallback)
    raise RakorInputError(
        f"{name}: no {kind} line for {region_code}, its province or the nation (00) in or before "
        f"{year}; add the region's garis kemiskinan for {year} with its source"
    )


_KIND_WORDS = {
    "id": {"poverty": "garis kemiskinan", "extreme": "garis kemiskinan ekstrem"},
    "en": {"poverty": "poverty line", "extreme": "extreme-poverty line"},
}


def line_sentence(line: ResolvedLine, lang: str = "id") -> str:
    """The phrase a brief shows for the line used, e.g. "garis kemiskinan Kota Bontang 2024, Rp801.945 — terbaru yang tersedia".

    Parameters
    ----------
    line
        From :func:`resolve_line`.
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
        A phrase without a final full stop (en: "poverty line of Kota Bontang for 2024, IDR 801,945 —
        the latest available") (the caller builds the sentence around it). The rupiah
        amount is formatted by :func:`analysis.briefs.narrative.fmt_idr`; the fallback is said in
        words; a province or national poverty line says that it stands in for the region's own.
    """
    from analysis.briefs.narrative import fmt_idr

    if lang not in ("id", "en"):
        raise RakorInputError(f"language must be one of id, en; got {lang!r}")
    word = _KIND_WORDS[lang][line.kind]
    if lang == "id":
        area = "" if line.kind == "extreme" else f" {line.area_name}"
        head = f"{word}{area} {line.year}, {fmt_idr(line.value_idr, lang)}"
    else:
        area = "" if line.kind == "extreme" else f" of {line.area_name}"
        head = f"{word}{area} for {line.year}, {fmt_idr(line.value_idr, lang)}"
    code = ".".join(line.requested_area_code.split(".")[:2])
    own = f"{line.requested_area_name} ({code})" if line.requested_area_name else code
    if line.fallback is None:
        return head
    if line.fallback == LATEST_AVAILABLE:
        tail = {"id": "terbaru yang tersedia", "en": "the latest available"}[lang]
    elif line.fallback == EARLIEST_AVAILABLE:
        tail = {"id": f"belum ada nilai untuk {line.requested_year}; dipakai nilai paling awal yang tersedia",
                "en": f"no value for {line.requested_year} yet; the earliest available is used"}[lang]
    else:
        which = {("id", PROVINCE): "garis provinsi", ("id", NATIONAL): "garis nasional",
                 ("en", PROVINCE): "the province's line", ("en", NATIONAL): "the national line"}
        tail = {"id": f"{which[('id', line.fallback)]}, sementara: garis {own} untuk "
                      f"{line.requested_year} belum ada di konfigurasi; ganti bila tersedia",
                "en": f"{which[('en', line.fallback)]}, provisional: {own}'s line for "
                      f"{line.requested_year} is not configured yet; to be replaced"}[lang]
    return f"{head} \u2014 {tail}"

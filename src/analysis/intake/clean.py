"""Per-source cleaning of agency exports into the processed tables of ``docs/data_model.md``.

``clean_all(raw_dir, processed_dir)`` reads every file of every source folder present under
``raw_dir`` (``eppgbm/``, ``dtsen/``, ``susenas/``, ``pendataan_rt/``, ``program/``,
``eppgbm_bulanan/``), in any format :mod:`analysis.intake.read` recognises, parses
and validates each value, maps area names to Kemendagri codes, replaces NIK, No. KK and names by
keyed pseudonyms and writes:

- one table per source (``eppgbm.parquet``, ``dtsen_member.parquet``, ``dtsen_family.parquet``,
  ``susenas.parquet``, ``pendataan_rt.parquet``, ``program.parquet``, ``eppgbm_bulanan.parquet``);
- ``findings.parquet``: data-quality findings on rows that were kept (an age text that disagrees
  with the birth date, a ``Pct_`` of the monthly report that disagrees with its counts...);
- ``intake.parquet`` (one row per file: rows in, kept, rejected), ``rejects.parquet`` (every
  rejected row with the column, value and reason; a row with several problems has several
  reject rows), ``corrections.parquet`` (area names corrected by alias or fuzzy match);
- ``restricted/identity.parquet`` (pseudonym -> NIK, No. KK, name, address, birth date), read
  only by the restricted verification worklists.

Nothing is lost: for every file ``rows_in = rows_kept + rows_rejected`` (checked), and every row
not kept is in the rejects with a reason. Values in the rejects that identify a person (NIK,
No. KK, names, addresses) are written as their pseudonym (``key:<hex>``), never in clear.

Rules (each is a reason code in ``rejects.reason``)
---------------------------------------------------
- ``missing_value``: a value the table cannot do without is empty (see each source below).
- ``invalid_number``, ``invalid_date``, ``ambiguous_date``, ``invalid_sex``, ``invalid_yes_no``,
  ``invalid_period``, ``invalid_code``, ``invalid_rt``: a value that cannot be read (parsers in
  :mod:`analysis.intake.read`; dates are never guessed).
- ``unknown_kelurahan``/``unknown_kecamatan``/``ambiguous_*``/``kelurahan_not_in_kecamatan``:
  area names (:mod:`analysis.intake.gazetteer`).
- ``implausible_weight``/``implausible_height``: outside what a unit conversion can explain.
  Height above 300 is read as millimetres (÷10) and weight above 200 as grams (÷1000); after that a
  height outside 30–150 cm or a weight outside 0.5–60 kg is rejected (e.g. 180 cm: neither cm of a
  child nor mm).
- ``measure_date_in_future``, ``measure_before_birth`` (e-PPGBM).
- ``invalid_desil`` (not a whole number 1–10), ``invalid_value`` (negative or zero where that
  is impossible), ``unknown_programme`` (not a programme of ``settings.yml``).
- ``duplicate``: see each source; the value says which row was kept. A returned worklist
  (``verifikasi``) has a duplicate only when a row is repeated exactly within one file.
- ``repeated_header``: the header written again below (two exports pasted into one file), found
  by the reader (:attr:`analysis.intake.read.RawTable.dropped`).
- ``outside_region``: a kelurahan of another kab/kota of the province (the value names its code
  and kab/kota), or a worklist row whose code lies outside the region. A file in which no row
  lies in the region stops (:class:`RakorInputError`): it is another region's export.
- ``ambiguous_yes_no``: ``T`` in a yes/no column that also holds ``F`` (:func:`parse_bool`).

An invalid NIK is flagged (``nik_valid = False``) and kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import RakorInputError
from analysis.files import replace_path, write_parquet
from analysis.intake import schemas
from analysis.intake.gazetteer import Gazetteer, gazetteer
from analysis.intake.identifiers import (
    normalise_identifier,
    pseudonymise,
    validate_kk,
    validate_nik,
)
from analysis.intake.names import normalise_name
from analysis.intake.read import (
    TABLE_SUFFIXES,
    TICKS,
    RawTable,
    parse_age_text,
    parse_bool,
    parse_date,
    parse_month_name,
    parse_number,
    parse_period,
    parse_sex,
    read_table,
    subtract_age,
    take_str,
)

__all__ = ["CleanResult", "clean_all", "clean_source", "SOURCES", "TABLES"]

#: Sources cleaned, in order, and the processed tables each one writes.
SOURCES = {
    "eppgbm": ["eppgbm"],
    "dtsen": ["dtsen_member", "dtsen_family"],
    "susenas": ["susenas"],
    "pendataan_rt": ["pendataan_rt"],
    "program": ["program"],
    "eppgbm_bulanan": ["eppgbm_bulanan"],
    "verifikasi": ["verifikasi"],
}
TABLES = [t for ts in SOURCES.values() for t in ts]

# Unit conversion and plausibility bounds for children under five (see module docstring).
HEIGHT_MM_ABOVE = 300.0
WEIGHT_G_ABOVE = 200.0
HEIGHT_RANGE_CM = (30.0, 150.0)
WEIGHT_RANGE_KG = (0.5, 60.0)

#: Columns holding personal data: their values go to the rejects only as pseudonyms.
PII_COLUMNS = {"nik": "nik", "nik_ortu": "nik", "nik_kepala": "nik", "no_kk": "kk",
               "nama": "name", "nama_ortu": "name", "nama_kepala": "name", "alamat": "name"}

_POSITION = {
    "l": "l", "terlentang": "l", "telentang": "l", "berbaring": "l", "tidur": "l",
    "lying": "l", "recumbent": "l", "pb": "l", "panjang badan": "l",
    "h": "h", "berdiri": "h", "standing": "h", "tb": "h", "tinggi badan": "h",
}
_STATUS = {
    "terverifikasi": "terverifikasi", "sudah": "terverifikasi", "sudah diverifikasi": "terverifikasi",
    "sudah verifikasi": "terverifikasi", "valid": "terverifikasi", "ya": "terverifikasi",
    "diverifikasi": "terverifikasi", "terverifikasi valid": "terverifikasi",
    "belum": "belum", "belum diverifikasi": "belum", "belum verifikasi": "belum",
    "proses": "belum", "menunggu": "belum",
    "tidak memenuhi": "tidak_memenuhi", "tidak layak": "tidak_memenuhi",
    "tidak memenuhi kriteria": "tidak_memenuhi", "tidak valid": "tidak_memenuhi",
    "ditolak": "tidak_memenuhi",
}


@dataclass
class CleanResult:
    """What :func:`clean_all` produced.

    Attributes
    ----------
    tables
        Processed table name -> DataFrame (only the sources present).
    intake, rejects, corrections, identity
        The bookkeeping tables (``identity`` is restricted: never show or log it).
    missing_sources
        Sources of ``config/sources.yml`` with no file under ``raw_dir``.
    notes
        Plain-language notes (unit conversions, ignored files, rows flagged but kept).
    findings
        Data-quality findings on rows that were kept (``findings.parquet``: source, file, row,
        column, value, reason), e.g. an age text that disagrees with the birth date, a
        ``Pct_`` column of the monthly report that disagrees with its counts.
    written
        Table name -> path written (empty when ``write=False``).
    """

    tables: dict[str, pd.DataFrame]
    intake: pd.DataFrame
    rejects: pd.DataFrame
    corrections: pd.DataFrame
    identity: pd.DataFrame
    missing_sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: dict[str, Path] = field(default_factory=dict)
    findings: pd.DataFrame | None = None

    def summary(self) -> pd.DataFrame:
        """Per source: files, rows in/kept/rejected and the three most frequent reject reasons."""
        if self.intake.empty:
            return pd.DataFrame(columns=["source", "files", "rows_in", "rows_kept",
                                         "rows_rejected", "top_reasons"])
        agg = self.intake.groupby("source", sort=False).agg(
            files=("file", "size"), rows_in=("rows_in", "sum"), rows_kept=("rows_kept", "sum"),
            rows_rejected=("rows_rejected", "sum")).reset_index()
        top = (self.rejects.groupby(["source", "reason"]).size().rename("n").reset_index()
               .sort_values(["source", "n"], ascending=[True, False]))
        text = top.groupby("source").apply(
            lambda g: ", ".join(f"{r} ({n})" for r, n in zip(g["reason"].head(3), g["n"].head(3),
                                                               strict=True)),
            include_groups=False).rename("top_reasons")
        return agg.merge(text, on="source", how="left", validate="1:1")


# --------------------------------------------------------------------------------------------
# One file at work
# --------------------------------------------------------------------------------------------


class _Work:
    """A raw table being parsed, with the problems found so far (row positions, not copies)."""

    def __init__(self, raw: RawTable, source: str, gaz: Gazetteer, today: dt.date):
        self.raw, self.source, self.gaz, self.today = raw, source, gaz, today
        self.df = raw.data
        self.n = len(self.df)
        # (row positions, canonical column, reason, value: None = the cell's text,
        #  a Series aligned with the table, or an array with one value per position)
        self.problems: list[tuple[np.ndarray, str, str, Any]] = []
        self.corrections: list[pd.DataFrame] = []
        self.notes: list[str] = list(raw.notes)
        # Data-quality findings: the row is kept, the finding is recorded (findings.parquet).
        self.findings: list[pd.DataFrame] = []

    # -- bookkeeping --------------------------------------------------------------------------
    def has(self, col: str) -> bool:
        return col in self.df.columns

    def text(self, col: str) -> pd.Series:
        if col in self.df.columns:
            return self.df[col]
        return pd.Series(None, index=self.df.index, dtype="str")

    def reject(self, mask: pd.Series | np.ndarray, col: str, reason: str,
               value: pd.Series | None = None) -> None:
        m = np.asarray(mask, dtype=bool)
        if m.any():
            self.problems.append((np.flatnonzero(m), col, reason, value))

    def reject_reasons(self, reason: pd.Series, col: str) -> None:
        """Record a parser's per-row reasons (one reject per distinct reason)."""
        r = reason.astype(object)
        present = reason.notna().to_numpy()
        if not present.any():
            return
        for code in pd.unique(r[present]):
            self.reject((r == code).to_numpy() & present, col, str(code))

    def require(self, cols: Iterable[str]) -> None:
        for c in cols:
            self.reject(self.text(c).isna(), c, "missing_value")

    def finding(self, mask: pd.Series | np.ndarray, col: str, reason: str,
                value: pd.Series | None = None) -> None:
        """Record a data-quality finding for the rows of ``mask`` (kept, not rejected)."""
        _record_finding(self, mask, col, reason, value)

    def rejected_mask(self) -> np.ndarray:
        m = np.zeros(self.n, dtype=bool)
        for idx, *_ in self.problems:
            m[idx] = True
        return m

    def _reject_values(self, idx: np.ndarray, col: str, value: Any, key: bytes | None) -> np.ndarray:
        """The rejects' ``value`` of the rows ``idx`` (a personal column's as its pseudonym)."""
        if value is None:
            val = self.text(col).iloc[idx]
            if col in PII_COLUMNS:
                hashed = pseudonymise(val, PII_COLUMNS[col], key=key)
                val = ("key:" + hashed).where(hashed.notna(), None)
        elif isinstance(value, np.ndarray):
            val = value  # already one value per rejected row, in the order of idx
        else:
            val = value.iloc[idx]
        return np.asarray(val, dtype=object)

    def compact(self, key: bytes | None) -> None:
        """Keep of the file's text only what its rejects will quote, once the cleaner is done.

        Each problem's values become an array of the rejected rows' values, and the raw text
        table is dropped but for ``source_row``. A file's state then holds about half the memory
        while it waits for the duplicates across all files of its source (every file's state is
        held at once, on the dask workers or in this process), and no raw name, NIK or address
        is kept in it: personal columns are in the rejects only as pseudonyms.
        """
        self.problems = [(idx, col, reason, self._reject_values(idx, col, value, key))
                         for idx, col, reason, value in self.problems]
        self.df = self.raw.data = self.df[["source_row"]]

    def rejects_frame(self, key: bytes | None = None) -> pd.DataFrame:
        frames = []
        src_row = self.df["source_row"].to_numpy()
        for idx, col, reason, value in self.problems:
            frames.append(pd.DataFrame({
                "row": src_row[idx], "column": self.raw.columns.get(col, col),
                "value": self._reject_values(idx, col, value, key), "reason": reason}))
        if not frames:
            return pd.DataFrame({"row": pd.Series([], dtype="int64"), "column": [], "value": [],
                                 "reason": []})
        return pd.concat(frames, ignore_index=True)

    # -- parsing ------------------------------------------------------------------------------
    def number(self, col: str, *, grouping: bool = False) -> pd.Series:
        v, r = parse_number(self.text(col), grouping=grouping)
        self.reject_reasons(r, col)
        return v

    def date(self, col: str) -> pd.Series:
        v, r = parse_date(self.text(col), today=self.today)
        self.reject_reasons(r, col)
        return v

    def sex(self, col: str) -> pd.Series:
        v, r = parse_sex(self.text(col))
        self.reject_reasons(r, col)
        return v

    def boolean(self, col: str) -> pd.Series:
        v, r = parse_bool(self.text(col))
        self.reject_reasons(r, col)
        return v

    def rt(self, col: str, *, required: bool = False) -> pd.Series:
        """RT/RW numbers as three-digit strings ("RT 5", "05", "005" -> "005")."""
        t = self.text(col)
        digits = _distinct(t, lambda u: u.str.extract(r"^(?:R[TW]\.?\s*)?0*(\d{1,3})$",
                                                      flags=re.IGNORECASE)[0].str.zfill(3))
        bad = t.notna() & digits.isna()
        if required:
            self.reject(bad, col, "invalid_rt")
        elif bad.any():
            self.notes.append(f"{self.raw.label}: {int(bad.sum())} unreadable {col} values left empty")
        return digits

    def period(self, fallback: pd.Series | None = None) -> pd.Series:
        """``YYYY-MM``: the Periode column, else a period in the file name (``..._202502...``),
        else ``fallback`` (e.g. the measurement month)."""
        out = pd.Series(None, index=self.df.index, dtype="str")
        if self.has("period"):
            v, r = parse_period(self.text("period"), today=self.today)
            self.reject_reasons(r, "period")
            out = v
        from_name = period_from_name(self.raw.path.stem)
        if from_name is not None:
            out = out.fillna(from_name)
        if fallback is not None:
            out = out.fillna(fallback)
        return out.astype("str")

    def areas(self) -> tuple[pd.Series, pd.Series]:
        """(kecamatan_code, kelurahan_code); the kecamatan is derived from the kelurahan when absent."""
        kec_code = None
        if self.has("kecamatan"):
            m = self.gaz.match(self.text("kecamatan"), "kecamatan")
            self.reject_reasons(m.reason, "kecamatan")
            self._corrections(m.corrections, "kecamatan")
            kec_code = m.code
        m = self.gaz.match(self.text("kelurahan"), "kelurahan", kecamatan_code=kec_code)
        outside = _outside_region(self.text("kelurahan").where(m.reason == "unknown_kelurahan"))
        self.reject(outside.notna(), "kelurahan", "outside_region",
                    self.text("kelurahan") + " = " + outside.fillna(""))
        m.reason[outside.notna()] = None
        self.reject_reasons(m.reason.where(m.reason != "kelurahan_not_in_kecamatan"), "kelurahan")
        self.reject(m.reason == "kelurahan_not_in_kecamatan", "kelurahan",
                    "kelurahan_not_in_kecamatan",
                    self.text("kelurahan") + " / " + self.text("kecamatan").fillna(""))
        self._corrections(m.corrections, "kelurahan")
        kel = m.code
        kec = kel.map(self.gaz.parent).astype("str")
        return kec, kel

    def _corrections(self, corr: pd.DataFrame, col: str) -> None:
        if not corr.empty:
            self.corrections.append(corr.assign(source=self.source, column=col))

    def keys(self, col: str, kind: str, key: bytes) -> pd.Series:
        return pseudonymise(self.text(col), kind, key=key)


def _outside_region(names: pd.Series) -> pd.Series:
    """For area names not in the region: the code and kab/kota of the one desa/kelurahan of that
    name elsewhere in the region's province (``"64.72.06.1001 Kota Samarinda"``), else missing.

    A name several areas of the province share, or none, stays missing (``unknown_kelurahan``).
    """
    out = pd.Series(None, index=names.index, dtype="str")
    if not names.notna().any():
        return out
    table = _province_elsewhere(config.settings()["region"]["code"])
    return _distinct(names, lambda u: normalise_name(u, "area").map(table)).astype("str")


@cache
def _province_elsewhere(region_code: str) -> dict[str, str]:
    """Normalised name -> ``"<code> <kab/kota>"`` for the desa/kelurahan of the province outside
    the region whose name is unique there (empty for a province-level region)."""
    from analysis.intake.gazetteer import region_table

    province = region_code.split(".")[0]
    if province == region_code:
        return {}
    t = region_table(province)
    kab = dict(zip(t["kode"], t["nama"], strict=True))
    kel = t.loc[(t["level"] == "kelurahan") & ~t["kode"].str.startswith(region_code + ".")]
    norm = normalise_name(kel["nama"], "area")
    unique = ~norm.duplicated(keep=False)
    return {n: f"{c} {kab.get(c[:5], '')}".strip()
            for n, c in zip(norm[unique], kel["kode"][unique], strict=True)}


#: Reasons saying a row's area is not one of the region's.
FOREIGN_REASONS = ("outside_region", "unknown_kelurahan", "unknown_kecamatan")


def _foreign_file(w: _Work) -> str | None:
    """A message when no row of the file lies in the region (another kab/kota's export), else None."""
    foreign = np.zeros(w.n, dtype=bool)
    examples: list[str] = []
    for idx, _col, reason, value in w.problems:
        if reason in FOREIGN_REASONS:
            foreign[idx] = True
            if reason == "outside_region" and len(examples) < 3 and value is not None:
                examples.extend(str(v) for v in pd.unique(value.iloc[idx])[: 3 - len(examples)])
    if not w.n or not foreign.all():
        return None
    region = config.settings()["region"]
    seen = f" (e.g. {'; '.join(examples)})" if examples else ""
    return (f"{w.raw.label}: none of its {w.n} rows names an area of {region['name']} "
            f"({region['code']}){seen}; is it another kab/kota's export? Expected the region's "
            "kelurahan — move the file out of data/raw/, or run with the config of its region")


def period_from_name(stem: str) -> str | None:
    """A period written in a file name: ``dtsen_2025-01``, ``eppgbm 202502``, ``program_feb_2025``."""
    m = re.search(r"(?<!\d)(20\d{2})[-_ .]?(0[1-9]|1[0-2])(?!\d)", stem)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    m = re.search(r"([A-Za-z]{3,9})[-_ .]?(20\d{2})(?!\d)", stem)
    if m:
        v, _ = parse_period(pd.Series([f"{m.group(1)} {m.group(2)}"], dtype="str"))
        if v.notna().iloc[0]:
            return str(v.iloc[0])
    return None


def _distinct(s: pd.Series, func) -> pd.Series:
    """``func`` (str Series -> str Series) applied once per distinct value of ``s``."""
    codes, uniques = pd.factorize(s.astype("str"), use_na_sentinel=True)
    out = func(pd.Series(np.asarray(uniques, dtype=object), dtype="str"))
    return take_str(out.astype(object).where(out.notna(), None), codes, s.index)


def _collapse(text: pd.Series) -> pd.Series:
    """Coded answers as labels ("Sudah  Diverifikasi" -> "sudah diverifikasi"); "-" stays ""."""
    return _distinct(text, lambda u: normalise_name(u, "label", blank_as_missing=False))


def _month(dates: pd.Series) -> pd.Series:
    """``YYYY-MM`` of dates (formatted once per distinct month)."""
    y = dates.dt.year.to_numpy(dtype=float, na_value=np.nan)
    m = dates.dt.month.to_numpy(dtype=float, na_value=np.nan)
    code = np.where(np.isnan(y), -1, np.nan_to_num(y) * 12 + np.nan_to_num(m) - 1).astype(np.int64)
    uniq, inv = np.unique(code, return_inverse=True)
    labels = [f"{u // 12:04d}-{u % 12 + 1:02d}" if u >= 0 else None for u in uniq]
    return take_str(labels, inv.reshape(-1), dates.index)


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------


def _clean_eppgbm(w: _Work, key: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """e-PPGBM: one row per child measurement.

    Required values: sex, birth and measurement dates, kelurahan, and at least one of weight and
    height; a child needs a NIK or a name (for the key). ``child_key`` is the pseudonym of the
    NIK when it is usable as a key (16 digits, plausible region; see
    ``identifiers.KEY_USABLE_REASONS``), else of name | birth date | sex | kelurahan
    (kind ``child``). ``parent_key`` is the pseudonym of NIK Ortu when usable, else of Nama Ortu
    (kind ``name``). ``family_key`` is the pseudonym of a valid No. KK, else empty. ``age_days`` is the number
    of days from birth to measurement. ``period`` is the Periode column, else a period in the
    file name, else the Bulan Pengukuran month, else the measurement month. ``oedema`` missing
    means no oedema recorded (False).

    The real web export adds (see :func:`_eppgbm_birth_date`, :func:`_eppgbm_round`,
    :func:`_eppgbm_weight_gain`, :func:`_eppgbm_app_z`): a birth date from ``Usia Saat Ukur``
    when Tgl Lahir is missing or unreadable, ``Naik Berat Badan`` kept as ``weight_gain``, the
    app's own z-scores kept as ``app_waz``/``app_haz``/``app_whz`` (placeholders and malformed
    numbers missing) and the puskesmas.
    """
    w.require(["sex", "measure_date", "kelurahan"])
    sex = w.sex("sex")
    meas = w.date("measure_date")
    birth = _eppgbm_birth_date(w, meas)
    today = np.datetime64(w.today, "ns")
    w.reject(meas > today, "measure_date", "measure_date_in_future")
    w.reject(meas < birth, "measure_date", "measure_before_birth")

    weight = w.number("weight_kg")
    grams = weight > WEIGHT_G_ABOVE
    weight = weight.where(~grams, weight / 1000.0)
    height = w.number("height_cm")
    mm = height > HEIGHT_MM_ABOVE
    height = height.where(~mm, height / 10.0)
    if grams.any() or mm.any():
        w.notes.append(f"{w.raw.label}: {int(grams.sum())} weights read as grams, "
                       f"{int(mm.sum())} heights read as millimetres")
    w.reject(~weight.between(*WEIGHT_RANGE_KG) & weight.notna(), "weight_kg", "implausible_weight")
    w.reject(~height.between(*HEIGHT_RANGE_CM) & height.notna(), "height_cm", "implausible_height")
    w.reject(w.text("weight_kg").isna() & w.text("height_cm").isna(), "weight_kg", "missing_value")

    kec, kel = w.areas()
    nik = normalise_identifier(w.text("nik"))
    nikcheck = validate_nik(nik, sex=sex, birth_date=birth)
    usable = _usable_nik(nikcheck)
    w.reject(~usable & w.text("nama").isna(), "nik", "missing_value")
    child = pseudonymise(nik.where(usable), "nik", key=key)
    need = child.isna() & w.text("nama").notna()
    if need.any():
        fallback = (w.text("nama")[need] + "|" + birth[need].dt.strftime("%Y-%m-%d").fillna("")
                    + "|" + sex[need].astype("str").fillna("") + "|" + kel[need].fillna(""))
        child[need] = pseudonymise(fallback, "child", key=key)

    pos_text = _collapse(w.text("measure_position"))
    measure = pos_text.map(_POSITION).astype("str")
    w.reject(pos_text.notna() & measure.isna(), "measure_position", "invalid_code")
    oedema = w.boolean("oedema").fillna(False).astype(bool)

    nik_ortu = normalise_identifier(w.text("nik_ortu"))
    parent = pseudonymise(nik_ortu.where(_usable_nik(validate_nik(nik_ortu))), "nik", key=key)
    parent = parent.fillna(w.keys("nama_ortu", "name", key))
    kk = normalise_identifier(w.text("no_kk"))
    kk_ok = validate_kk(kk)["kk_valid"]
    n_kk = int((kk.notna() & ~kk_ok).sum())
    if n_kk:
        w.notes.append(f"{w.raw.label}: {n_kk} No. KK invalid (family_key left empty)")
    family = pseudonymise(kk.where(kk_ok), "kk", key=key)

    period = w.period(fallback=_eppgbm_round(w, meas))
    age = (meas - birth).dt.days
    out = pd.DataFrame({
        "period": period, "child_key": child, "family_key": family,
        "parent_key": parent, "name_key": w.keys("nama", "name", key),
        "nik_valid": nikcheck["nik_valid"].astype(bool), "sex": sex,
        "birth_date": birth, "measure_date": meas, "age_days": age,
        "weight_kg": weight.astype(float), "height_cm": height.astype(float), "measure": measure,
        "oedema": oedema, "kecamatan_code": kec, "kelurahan_code": kel,
        "posyandu": w.text("posyandu"), "rt": w.rt("rt"), "rw": w.rt("rw"),
        "puskesmas": w.text("puskesmas"), "weight_gain": _eppgbm_weight_gain(w),
        **_eppgbm_app_z(w),
    })
    n_bad = int((~nikcheck["nik_valid"] & nik.notna()).sum())
    if n_bad:
        w.notes.append(f"{w.raw.label}: {n_bad} NIK flagged invalid (kept, nik_valid=False)")
    ident = pd.DataFrame({"key": child, "nik": nik, "no_kk": normalise_identifier(w.text("no_kk")),
                          "nama": w.text("nama"), "alamat": w.text("alamat"), "birth_date": birth})
    ident_parent = pd.DataFrame({"key": parent, "nik": nik_ortu, "no_kk": ident["no_kk"],
                                 "nama": w.text("nama_ortu"), "alamat": w.text("alamat"),
                                 "birth_date": pd.Series(pd.NaT, index=w.df.index, dtype="datetime64[ns]")})
    names = _ident(out["name_key"], w.text("nama"))
    return out, pd.concat([ident, ident_parent, names], ignore_index=True)


# -- the real e-PPGBM web export (issue 12) -------------------------------------------------------

#: Days a birth date may differ from the one ``Usia Saat Ukur`` gives before it is a finding.
AGE_TEXT_TOLERANCE_DAYS = 31
#: An app z-score further from 0 than this is a placeholder (``999,99``), not a z-score: WHO
#: flags |z| > 5 or 6 as implausible, so no real value comes near.
APP_Z_PLACEHOLDER_ABOVE = 20.0
_WEIGHT_GAIN = {"n": "N", "naik": "N", "t": "T", "tidak naik": "T", "tidak": "T",
                "o": "O", "tidak ditimbang bulan lalu": "O", "b": "B", "baru": "B"}


def _eppgbm_birth_date(w: _Work, meas: pd.Series) -> pd.Series:
    """Tgl Lahir; where it is missing or unreadable, the measure date minus ``Usia Saat Ukur``.

    ``Usia Saat Ukur`` ("4 Tahun - 3 Bulan - 15 Hari") is subtracted by calendar arithmetic
    (:func:`analysis.intake.read.subtract_age`). A row with neither a readable birth date nor a
    readable age is rejected (``missing_value``, or the birth date's ``invalid_date`` /
    ``ambiguous_date``). Where both exist and differ by more than
    :data:`AGE_TEXT_TOLERANCE_DAYS` days, the given birth date is used and the row gets the
    finding ``age_text_disagrees`` (value: the age text and the difference in days).
    """
    given, reason = parse_date(w.text("birth_date"), today=w.today)
    derived = pd.Series(pd.NaT, index=w.df.index, dtype="datetime64[ns]")
    if w.has("usia_saat_ukur"):
        age = parse_age_text(w.text("usia_saat_ukur"))
        derived = subtract_age(meas, age["years"], age["months"], age["days"])
        diff = (given - derived).dt.days.abs()
        far = (diff > AGE_TEXT_TOLERANCE_DAYS).fillna(False).to_numpy(dtype=bool)
        w.finding(far, "usia_saat_ukur", "age_text_disagrees",
                  w.text("usia_saat_ukur") + ": " + diff.astype("Int64").astype("str")
                  + " days from " + w.raw.columns.get("birth_date", "birth_date"))
        n_used = int((given.isna() & derived.notna()).sum())
        if n_used:
            w.notes.append(f"{w.raw.label}: {n_used} birth dates computed from "
                           f"{w.raw.columns.get('usia_saat_ukur')} (Tgl Lahir missing or unreadable)")
    birth = given.fillna(derived)
    unusable = birth.isna()
    w.reject(unusable & w.text("birth_date").isna(), "birth_date", "missing_value")
    for code in pd.unique(reason[unusable & reason.notna()].astype(object)):
        w.reject(unusable & (reason == code), "birth_date", str(code))
    return birth


def _eppgbm_round(w: _Work, meas: pd.Series) -> pd.Series:
    """The weighing round from ``Bulan Pengukuran`` (a month name), else the measure month.

    The year is the measure date's, moved by one when the month named is more than six months
    away (a December round measured in January). A month name that cannot be read stops the
    file (:class:`RakorInputError` naming file, row, column and value): the round decides which
    figures a child counts in, and is never guessed.
    """
    month_of_meas = _month(meas)
    if not w.has("bulan_pengukuran"):
        return month_of_meas
    month, reason = parse_month_name(w.text("bulan_pengukuran"))
    bad = reason.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        col = w.raw.columns.get("bulan_pengukuran", "bulan_pengukuran")
        raise RakorInputError(
            f"{w.raw.label} row {int(w.df['source_row'].iloc[i])}, column '{col}': month name "
            f"{w.text('bulan_pengukuran').iloc[i]!r} cannot be read ({int(bad.sum())} row(s)); "
            "expected an Indonesian or English month name such as 'Februari' or 'Agustus' — "
            "correct it and run again")
    y = meas.dt.year.astype("Float64")
    gap = month.astype("Float64") - meas.dt.month.astype("Float64")
    y = y - (gap > 6).astype("Float64") + (gap < -6).astype("Float64")
    ok = y.notna() & month.notna()
    out = pd.Series(None, index=w.df.index, dtype="str")
    out[ok] = (y[ok].astype(int).astype(str) + "-" + month[ok].astype(int).astype(str).str.zfill(2))
    return out.fillna(month_of_meas)


def _eppgbm_weight_gain(w: _Work) -> pd.Series:
    """``Naik Berat Badan`` as N (gained), T (did not gain), O (not weighed last month), B (new).

    Kept for growth monitoring (SKDN). Another value is left empty and recorded as the finding
    ``invalid_code`` (the measurement itself is fine).
    """
    t = _collapse(w.text("weight_gain"))
    v = t.map(_WEIGHT_GAIN).astype("str")
    w.finding((t.notna() & v.isna()).to_numpy(dtype=bool), "weight_gain", "invalid_code")
    return v


def _eppgbm_app_z(w: _Work) -> dict[str, pd.Series]:
    """The app's own z-scores (ZS BB/U, ZS TB/U, ZS BB/TB) as ``app_waz``, ``app_haz``, ``app_whz``.

    Comma decimals are read (``-2,31``); a malformed number (``83..9``) or a placeholder (|z| >
    :data:`APP_Z_PLACEHOLDER_ABOVE`, e.g. ``999,99``) is missing, never a number, and the row is
    kept: these columns are only compared with our own z-scores
    (:mod:`analysis.estimates.eppgbm_checks`), never used as ours.
    """
    out = {}
    n_missing = 0
    for col, name in (("zs_bbu", "app_waz"), ("zs_tbu", "app_haz"), ("zs_bbtb", "app_whz")):
        v, reason = parse_number(w.text(col).str.replace("\u2212", "-", regex=False))
        placeholder = v.abs() > APP_Z_PLACEHOLDER_ABOVE
        n_missing += int(reason.notna().sum() + placeholder.sum())
        out[name] = v.where(~placeholder).astype("float64")
    if n_missing:
        w.notes.append(f"{w.raw.label}: {n_missing} app z-scores malformed or placeholders "
                       "(such as 999,99), left empty")
    return out


def _record_finding(w: _Work, mask: pd.Series | np.ndarray, col: str, reason: str,
                    value: pd.Series | None = None) -> None:
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return
    idx = np.flatnonzero(m)
    if col in PII_COLUMNS:
        raise ValueError(f"a finding never quotes a personal column ({col})")
    val = (w.text(col) if value is None else value).iloc[idx]
    w.findings.append(pd.DataFrame({
        "row": w.df["source_row"].to_numpy()[idx], "column": w.raw.columns.get(col, col),
        "value": np.asarray(val.astype(object).where(val.notna(), None), dtype=object),
        "reason": reason}))


# -- the monthly e-PPGBM report (counts per kelurahan and month) ----------------------------------

#: A Pct_ value further than this (percentage points) from 100 x its counts is a finding.
PCT_TOLERANCE = 0.05
#: Counts of the monthly report and their canonical names (``docs/data_model.md``).
BULANAN_COUNTS = ["children_target", "children_this_month", "children_weighed",
                  "children_weighed_measured", "children_measured_height", "children_with_kia",
                  "gained_n", "not_gained_t", "not_weighed_last_month_o", "new_b",
                  "weighed_corrected_d", "stunted", "wasted", "underweight", "overweight"]


def _clean_eppgbm_bulanan(w: _Work, key: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The monthly e-PPGBM report: one row per kelurahan and month, counts only (no person).

    Required values: kelurahan, Bulan (a month name; one that cannot be read stops the file, as
    for the by-name export), Tahun (a year). Counts are whole numbers >= 0 (``invalid_value``
    otherwise); an empty count is missing. Every ``Pct_`` column is recomputed from its counts
    (:func:`_check_percentages`). The report's other columns are kept as ``other_<header>`` when
    they hold numbers. The same kelurahan and month twice is a duplicate (the last file kept).
    """
    cfg = config.sources()["eppgbm_bulanan"]
    w.require(["kelurahan", "bulan", "tahun"])
    month, reason = parse_month_name(w.text("bulan"))
    _stop_on_month(w, reason, "bulan")
    year = w.number("tahun")
    w.reject(year.notna() & ~(year.between(2000, 2100) & (year % 1 == 0)), "tahun", "invalid_value")
    ok = month.notna() & year.between(2000, 2100)
    period = pd.Series(None, index=w.df.index, dtype="str")
    period[ok] = (year[ok].astype(int).astype(str) + "-" + month[ok].astype(int).astype(str).str.zfill(2))
    kec, kel = w.areas()
    counts = {}
    for c in BULANAN_COUNTS:
        v = w.number(c, grouping=True) if w.has(c) else pd.Series(np.nan, index=w.df.index)
        w.reject(v.notna() & ((v < 0) | (v % 1 != 0)), c, "invalid_value")
        counts[c] = v
    pcts = {c: _percent(w, c) for c in ("pct_children_weighed", "pct_stunted", "pct_wasted",
                                        "pct_underweight", "pct_overweight")}
    other = _other_numbers(w)
    n_used = _check_percentages(w, cfg, counts, pcts, other)
    out = pd.DataFrame({"period": period, "kecamatan_code": kec, "kelurahan_code": kel,
                        "puskesmas": w.text("puskesmas"), "input_date": _input_date(w),
                        **counts, **pcts, **n_used, **other})
    return out, pd.DataFrame()


def _input_date(w: _Work) -> pd.Series:
    """The day the report was entered (``Waktu_Input``, a date and time): the timeliness of the
    report (issue 19). An unreadable value is a finding, never a rejected row: the counts stand."""
    if not w.has("input_time"):
        return pd.Series(pd.NaT, index=w.df.index, dtype="datetime64[ns]")
    day = w.text("input_time").str.strip().str.split(r"[ T]", n=1, regex=True).str[0]
    value, reason = parse_date(day, today=w.today)
    _record_finding(w, reason.notna(), "input_time", "unreadable_input_time")
    return value


def _stop_on_month(w: _Work, reason: pd.Series, col: str) -> None:
    bad = reason.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise RakorInputError(
            f"{w.raw.label} row {int(w.df['source_row'].iloc[i])}, column "
            f"'{w.raw.columns.get(col, col)}': month name {w.text(col).iloc[i]!r} cannot be read "
            f"({int(bad.sum())} row(s)); expected an Indonesian or English month name such as "
            "'Februari' or 'Agustus', or 1-12 — correct it and run again")


def _percent(w: _Work, col: str) -> pd.Series:
    """A percentage cell ("12,5", "12.5 %") as a number; unreadable -> missing (and a finding)."""
    if not w.has(col):
        return pd.Series(np.nan, index=w.df.index)
    v, reason = parse_number(w.text(col).str.replace("%", "", regex=False).str.strip())
    w.finding(reason.notna().to_numpy(), col, "invalid_number")
    return v


def _other_numbers(w: _Work) -> dict[str, pd.Series]:
    """The report's other columns that hold numbers, as ``other_<header>`` (text columns are
    left out and named in the notes)."""
    out, text_cols = {}, []
    for col in [c for c in w.df.columns if c.startswith("other:")]:
        t = w.text(col)
        is_pct = col.startswith("other:pct_")
        v, reason = parse_number(t.str.replace("%", "", regex=False).str.strip() if is_pct else t,
                                 grouping=not is_pct)
        if reason.notna().any():
            text_cols.append(w.raw.columns.get(col, col))
            continue
        out["other_" + col.removeprefix("other:")] = v.astype("float64")
    if text_cols:
        w.notes.append(f"{w.raw.label}: columns not kept (not numbers): {', '.join(text_cols)}")
    return out


def _check_percentages(w: _Work, cfg: dict[str, Any], counts: dict[str, pd.Series],
                       pcts: dict[str, pd.Series], other: dict[str, pd.Series]
                       ) -> dict[str, pd.Series]:
    """Recompute every Pct_ column from its counts; differences over :data:`PCT_TOLERANCE`
    points are findings (``pct_disagrees``, value: the file's and the recomputed value).

    The configured ``percentages`` of ``config/sources.yml`` name each Pct_ column's numerator
    and denominator. When a row's denominator is empty, the count among the listed alternatives
    that reproduces the file's own Pct_ (within the tolerance) is used, and the notes say so;
    with none, the row has no denominator for that indicator (finding ``denominator_missing``).
    A count above its denominator is the finding ``count_exceeds_denominator`` (the monthly
    estimates leave that row out). Other ``Pct_`` columns (``other_pct_*``) are checked against
    ``Jml_<name>`` or ``<name>`` divided by the listed denominator that reproduces most of the
    file's values.

    Returns
    -------
    dict
        ``n_<indicator>`` (the denominator used) and ``n_<indicator>_from`` (its canonical name)
        for stunted, wasted, underweight, overweight.
    """
    used = {}
    for pct, (num, den, *alts) in (cfg.get("percentages") or {}).items():
        fpct, x = pcts[pct], counts[num]
        n = counts[den].copy()
        src = pd.Series(np.where(n.notna(), den, None), index=n.index, dtype="str")
        for alt in alts:
            need = n.isna() & fpct.notna() & x.notna() & counts[alt].gt(0)
            match = need & ((100 * x / counts[alt] - fpct).abs() <= PCT_TOLERANCE)
            if match.any():
                n[match], src[match] = counts[alt][match], alt
                w.notes.append(
                    f"{w.raw.label}: {int(match.sum())} row(s) with {w.raw.columns.get(den, den)} "
                    f"empty: {w.raw.columns.get(pct, pct)} divided by "
                    f"{w.raw.columns.get(alt, alt)}, which is used as the denominator")
        w.finding((n.isna() & x.notna()).to_numpy(), den if w.has(den) else num,
                  "denominator_missing", x.astype("Int64").astype("str"))
        _pct_findings(w, pct, fpct, x, n, num, src)
        w.finding((x > n).fillna(False).to_numpy(), num, "count_exceeds_denominator",
                  x.astype("Int64").astype("str") + " > " + n.astype("Int64").astype("str"))
        if pct != "pct_children_weighed":
            used[f"n_{num}"] = n.astype("float64")
            used[f"n_{num}_from"] = src.astype("str")
    dens = [d for d in cfg.get("denominators", []) if counts[d].notna().any()]
    for name in [c for c in other if c.startswith("other_pct_")]:
        rest = name.removeprefix("other_pct_")
        num = next((other[c] for c in (f"other_jml_{rest}", f"other_{rest}") if c in other), None)
        fpct = other[name]
        if num is None or not dens:
            w.notes.append(f"{w.raw.label}: {w.raw.columns.get('other:' + name[6:], name)} not "
                           "checked (no count of the same name)")
            continue
        hits = {d: int(((100 * num / counts[d] - fpct).abs() <= PCT_TOLERANCE).sum()) for d in dens}
        best = max(hits, key=hits.get)
        if hits[best] == 0:
            w.notes.append(f"{w.raw.label}: {w.raw.columns.get('other:' + name[6:], name)} not "
                           "checked (no count reproduces it)")
            continue
        src = pd.Series(best, index=w.df.index, dtype="str")
        _pct_findings(w, "other:" + name[6:], fpct, num, counts[best], None, src)
    return used


def _pct_findings(w: _Work, pct_col: str, fpct: pd.Series, x: pd.Series, n: pd.Series,
                  num: str | None, src: pd.Series) -> None:
    with np.errstate(divide="ignore", invalid="ignore"):
        recomputed = 100 * x / n.where(n > 0)
    bad = (fpct.notna() & recomputed.notna() & ((recomputed - fpct).abs() > PCT_TOLERANCE))
    if not bad.any():
        return
    shown = fpct.map(lambda v: f"{v:g}").astype("str")
    value = (shown + " in the file; " + recomputed.round(2).map(lambda v: f"{v:.2f}").astype("str")
             + " = 100 x " + (w.raw.columns.get(num, num) if num else "count") + " / "
             + src.map(lambda d: w.raw.columns.get(d, d) if isinstance(d, str) else "").astype("str"))
    w.finding(bad.to_numpy(), pct_col, "pct_disagrees", value)


def _ident(key: pd.Series, nama: pd.Series, nik: pd.Series | None = None,
           kk: pd.Series | None = None, alamat: pd.Series | None = None,
           birth: pd.Series | None = None) -> pd.DataFrame:
    """Rows of the restricted identity table: pseudonym -> who it is."""
    none = pd.Series(None, index=key.index, dtype="str")
    return pd.DataFrame({
        "key": key, "nik": none if nik is None else nik, "no_kk": none if kk is None else kk,
        "nama": nama, "alamat": none if alamat is None else alamat,
        "birth_date": (pd.Series(pd.NaT, index=key.index, dtype="datetime64[ns]")
                       if birth is None else birth)})


def _usable_nik(check: pd.DataFrame) -> pd.Series:
    from analysis.intake.identifiers import KEY_USABLE_REASONS

    return (check["nik_valid"] | check["nik_reason"].isin(KEY_USABLE_REASONS)).astype(bool)


def _duplicate_key(person: pd.Series, usable: pd.Series, key: bytes, *, nama: pd.Series,
                   kel: pd.Series, birth: pd.Series | None = None,
                   sex: pd.Series | None = None) -> pd.Series:
    """Who a row is, for the duplicate check only (the e-PPGBM rule for ``child_key``).

    The person key when the NIK is usable as a key; else, when name, birth date and sex are all
    known, the pseudonym of name | birth date | sex | kelurahan (kind ``child``); else missing.
    A placeholder NIK (0000000000000000, a 12-digit legacy number...) is shared by people who
    are not the same, so rows with an unusable NIK are never duplicates by NIK alone; a row with
    a missing duplicate key is never a duplicate.
    """
    dup = person.where(usable.to_numpy()).astype("str")
    if birth is None or sex is None:
        return dup
    need = dup.isna() & nama.notna() & birth.notna() & sex.notna()
    if need.any():
        fallback = (nama[need] + "|" + birth[need].dt.strftime("%Y-%m-%d") + "|"
                    + sex[need].astype("str") + "|" + kel[need].fillna(""))
        dup[need] = pseudonymise(fallback, "child", key=key)
    return dup


def _clean_dtsen(w: _Work, key: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DTSEN/P3KE/DTKS: one row per family member.

    Required values: No. KK and NIK (the keys), kelurahan, desil (a whole number 1–10). An
    invalid NIK is flagged; No. KK structure problems are counted in the notes. A member twice
    in a family and period is a duplicate when the NIK is usable as a key, or else name, birth
    date, sex and kelurahan agree; members sharing a placeholder NIK are not (``_duplicate_key``).
    """
    w.require(["no_kk", "nik", "kelurahan", "desil"])
    sex = w.sex("sex") if w.has("sex") else pd.Series(pd.NA, index=w.df.index, dtype="Int64")
    birth = w.date("birth_date") if w.has("birth_date") else pd.Series(
        pd.NaT, index=w.df.index, dtype="datetime64[ns]")
    desil = w.number("desil")
    w.reject(desil.notna() & ~(desil.between(1, 10) & (desil % 1 == 0)), "desil", "invalid_desil")
    kec, kel = w.areas()
    nik = normalise_identifier(w.text("nik"))
    kk = normalise_identifier(w.text("no_kk"))
    nikcheck = validate_nik(nik, sex=sex, birth_date=birth)
    kkcheck = validate_kk(kk)
    n_kk = int((~kkcheck["kk_valid"] & kk.notna()).sum())
    if n_kk:
        w.notes.append(f"{w.raw.label}: {n_kk} No. KK with an invalid structure (kept)")
    flags = {c: (w.boolean(c) if w.has(c) else pd.Series(pd.NA, index=w.df.index, dtype="boolean"))
             for c in ("penerima_pkh", "penerima_bpnt", "penerima_pbi", "resiko_stunting")}
    person = pseudonymise(nik, "nik", key=key)
    family = pseudonymise(kk, "kk", key=key)
    out = pd.DataFrame({
        "period": w.period(), "person_key": person, "family_key": family,
        "name_key": w.keys("nama", "name", key), "nik_valid": nikcheck["nik_valid"].astype(bool),
        "sex": sex.astype("Int64"), "birth_date": birth, "hubungan": w.text("hubungan"),
        "kecamatan_code": kec, "kelurahan_code": kel, "rt": w.rt("rt"), "rw": w.rt("rw"),
        "desil": desil.round().astype("Int64"), **flags,
        "_dup_key": _duplicate_key(person, _usable_nik(nikcheck), key, nama=w.text("nama"),
                                   kel=kel, birth=birth, sex=sex),
    })
    ident = pd.DataFrame({"key": person, "nik": nik, "no_kk": kk, "nama": w.text("nama"),
                          "alamat": w.text("alamat"), "birth_date": birth})
    head = _collapse(w.text("hubungan")).str.contains("kepala").fillna(False).astype(bool)
    ident_fam = ident.loc[head].assign(key=family[head])
    names = _ident(out["name_key"], w.text("nama"))
    return out, pd.concat([ident, ident_fam, names], ignore_index=True)


def _clean_susenas(w: _Work, key: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Household survey: one row per household.

    Required values: household id, strata, PSU, weight, household size, expenditure per capita,
    and an area: weight and household size must be positive, expenditure not negative (money:
    "1.250.000" is 1 250 000). BPS microdata (names ``urut, r101-r105, psu, strata, fwt, r301,
    kapita``, older ``b1r1-b1r8, weind``) is read as it comes: see :func:`_susenas_areas`,
    :func:`_susenas_design`. The kelurahan is optional (a survey rarely carries a desa code).
    """
    hh_id, strata = _susenas_design(w)
    w.require(["psu", "weight", "hh_size", "expenditure_pc"])
    w.reject(hh_id.isna(), "hh_id" if w.has("hh_id") else "hh_no", "missing_value")
    w.reject(strata.isna() & ~w.text("psu").isna(), "strata", "missing_value")
    weight = w.number("weight")
    size = w.number("hh_size")
    exp = w.number("expenditure_pc", grouping=True)
    w.reject(weight.notna() & (weight <= 0), "weight", "invalid_value")
    w.reject(size.notna() & ((size < 1) | (size % 1 != 0)), "hh_size", "invalid_value")
    w.reject(exp.notna() & (exp < 0), "expenditure_pc", "invalid_value")
    kec, kel = _susenas_areas(w)
    out = pd.DataFrame({
        "period": w.period(), "hh_id": hh_id, "strata": strata,
        "psu": w.text("psu"), "weight_hh": weight, "hh_size": size.round().astype("Int64"),
        "expenditure_pc_idr_month": exp, "kecamatan_code": kec, "kelurahan_code": kel,
    })
    return out, pd.DataFrame()


def _susenas_design(w: _Work) -> tuple[pd.Series, pd.Series]:
    """(household id, stratum) of a survey file, BPS names old and new.

    The household id is ``hh_id`` (``urut`` since about 2015); older files number households
    within the PSU (``b1r8``), so the id is ``<psu>-<b1r8>``. The stratum is ``strata``; older
    files have none, and Susenas stratifies by kab/kota and urban/rural, so the stratum is
    ``<kab code>-<urban/rural>`` from ``b1r2`` and ``b1r5`` (said in the notes). A file with
    neither stops with a message naming the variable.
    """
    if w.has("hh_id"):
        hh_id = w.text("hh_id")
    elif w.has("hh_no"):
        hh_id = (w.text("psu") + "-" + w.text("hh_no")).astype("str")
        w.notes.append(f"{w.raw.label}: household id = PSU + household number "
                       f"({w.raw.columns['psu']}-{w.raw.columns['hh_no']})")
    else:
        raise RakorInputError(
            f"{w.raw.label} has no household id: expected a variable 'urut' (or 'ID Ruta', "
            "'No Ruta'), or the household number 'b1r8' beside the PSU — add an alias in "
            "config/sources.yml under susenas.aliases.hh_id")
    if w.has("strata"):
        return hh_id, w.text("strata")
    if w.has("urban_rural"):
        kab = w.text("bps_kab") if w.has("bps_kab") else pd.Series("", index=w.df.index, dtype="str")
        strata = (kab.fillna("") + "-" + w.text("urban_rural")).where(w.text("urban_rural").notna())
        w.notes.append(f"{w.raw.label}: no strata variable; strata = kab/kota x urban/rural "
                       f"({w.raw.columns['urban_rural']}), as Susenas stratifies")
        return hh_id, strata.astype("str")
    raise RakorInputError(
        f"{w.raw.label} has no strata variable: expected 'strata' (or 'Strata', 'Kode Strata'), "
        "or the urban/rural classification 'r105'/'b1r5' to stratify by — add an alias in "
        "config/sources.yml under susenas.aliases.strata")


def bps_crosswalk() -> dict[str, str]:
    """BPS area code (``6474010``) -> Kemendagri code (``64.74.02``) of the configured region
    (:func:`analysis.intake.bps_crosswalk.crosswalk`: Bontang's checked file, else BPS MFD 2020
    names matched within the kab/kota to the gazetteer; cached per region)."""
    from analysis.intake.bps_crosswalk import crosswalk

    return crosswalk()


def _bps_part(s: pd.Series, width: int) -> pd.Series:
    """One part of a BPS code as digits of ``width`` ("10" -> "010"; "64.0" from a workbook -> "64")."""
    return _distinct(s, lambda u: u.str.strip().str.replace(r"\.0+$", "", regex=True)
                     .where(lambda x: x.str.fullmatch(rf"\d{{1,{width}}}")).str.zfill(width))


def _bps_unmatched(w: _Work, code: pd.Series, mapped: pd.Series, parts: list[str]) -> None:
    """Stop the file at the first readable BPS code that has no Kemendagri match."""
    bad = (code.notna() & mapped.isna()).to_numpy()
    if not bad.any():
        return
    from analysis.intake.bps_crosswalk import unmatched_name

    i = int(np.flatnonzero(bad)[0])
    names = ", ".join(f"{w.raw.columns.get(c, c)}={w.text(c).iloc[i]}" for c in parts if w.has(c))
    bps_name = unmatched_name(str(code.iloc[i]))
    named = f" '{bps_name}' (BPS MFD 2020 name, no Kemendagri area of that name)" if bps_name else ""
    raise RakorInputError(
        f"{w.raw.label} row {int(w.df['source_row'].iloc[i])}: BPS area code {code.iloc[i]}{named} "
        f"({names}) has no Kemendagri match in the BPS-Kemendagri crosswalk "
        f"({int(bad.sum())} row(s) with such codes); expected a kecamatan or kelurahan of the "
        "region (BPS MFD 2020 codes) — check the codes, or that the file is of this region")


def _susenas_areas(w: _Work) -> tuple[pd.Series, pd.Series]:
    """(kecamatan_code, kelurahan_code) from BPS codes when the file has them, else from names.

    BPS codes (``r101`` prov, ``r102`` kab, ``r103`` kec, ``r104`` desa; older ``b1r1-b1r4``)
    are not Kemendagri codes (Bontang Selatan is BPS 010, Kemendagri 02): they are mapped through
    :func:`bps_crosswalk`. A code with no match stops the file with a message naming the file,
    row, variables and code; the kelurahan may be empty (the survey then counts for its kecamatan
    and the kota only). Without codes, kecamatan and kelurahan names are matched as for every
    source; a row with neither is rejected (``missing_value``).

    Notes
    -----
    Kota Bontang's crosswalk is a checked file of the package; other regions' are built from the BPS
    MFD 2020 names matched within the kab/kota (:mod:`analysis.intake.bps_crosswalk`).
    """
    none = pd.Series(None, index=w.df.index, dtype="str")
    if w.has("bps_kec"):
        xw = bps_crosswalk()
        prov, kab = _bps_part(w.text("bps_prov"), 2), _bps_part(w.text("bps_kab"), 2)
        kec_bps = (prov + kab + _bps_part(w.text("bps_kec"), 3)).astype("str")
        desa = _bps_part(w.text("bps_desa"), 3) if w.has("bps_desa") else none
        desa = desa.where(desa != "000")
        kel_bps = (kec_bps + desa).astype("str")
        kec = kec_bps.map(xw).astype("str")
        kel = kel_bps.map(xw).astype("str")
        # Unreadable parts (empty, not digits) are a reject of the row; a readable code that is
        # not in the crosswalk means the file is of another region or the crosswalk is wrong:
        # the file stops, naming the code.
        w.reject(kec_bps.isna(), "bps_kec", "invalid_code")
        _bps_unmatched(w, kec_bps, kec, ["bps_prov", "bps_kab", "bps_kec"])
        _bps_unmatched(w, kel_bps.where(desa.notna() & kec.notna()), kel,
                       ["bps_prov", "bps_kab", "bps_kec", "bps_desa"])
        return kec, kel
    if not (w.has("kecamatan") or w.has("kelurahan")):
        raise RakorInputError(
            f"{w.raw.label} has no area: expected BPS codes (r101, r102, r103[, r104]) or the "
            "columns 'Kecamatan'/'Kelurahan' — add an alias in config/sources.yml under susenas.aliases")
    if w.has("kelurahan"):
        kec, kel = w.areas()  # also matches (and records) the kecamatan column
        if w.has("kecamatan"):
            # Rows without a kelurahan count for the kecamatan they name.
            only_kec = w.text("kelurahan").isna()
            kec = kec.where(~only_kec, w.gaz.match(w.text("kecamatan"), "kecamatan").code)
    else:
        m = w.gaz.match(w.text("kecamatan"), "kecamatan")
        w.reject_reasons(m.reason, "kecamatan")
        w._corrections(m.corrections, "kecamatan")
        kec, kel = m.code, none
    kec = kec.astype("str")
    w.reject(kec.isna() & w.text("kelurahan").isna() & w.text("kecamatan").isna(),
             "kecamatan" if w.has("kecamatan") else "kelurahan", "missing_value")
    return kec, kel


def _clean_pendataan(w: _Work, key: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """RT self-listing: one row per listed household.

    Required values: kelurahan, RT, the criteria of ``local_criteria`` (Ya/Tidak), and a No. KK or a
    head's name: without a No. KK the ``family_key`` is the pseudonym (kind ``household``) of head
    name | kelurahan | RT. An empty verification status means not yet verified (``belum``). A file
    without a kelurahan column (the ``rakor template pendataan-rt`` form) takes the kelurahan code
    from its file name (:func:`kelurahan_from_name`).
    """
    crit = schemas.criteria_keys()
    # The RT template (intake.templates) has no kelurahan column: its file name carries the code.
    file_code = None if w.has("kelurahan") else kelurahan_from_name(w.raw.path.stem)
    if not w.has("kelurahan"):
        w.df = w.df.assign(kelurahan=pd.Series(file_code, index=w.df.index, dtype="str"))
        if file_code is None:
            w.notes.append(f"{w.raw.label}: no Kelurahan column and no kelurahan code in the file name "
                           "(e.g. pendataan_rt_64_74_01_1003.xlsx): its rows are rejected")
    # On a checklist with tick marks (✓) a blank cell is a criterion not ticked: "no". In other
    # columns a blank is an answer missing, and the household is rejected until it is given.
    ticked = [c for c in crit if w.text(c).isin(TICKS).any()]
    w.require(["kelurahan", "rt", *[c for c in crit if c not in ticked]])
    # Households without a family card are exactly those a listing must not lose: they are keyed
    # by head name | kelurahan | RT instead; only a row with neither KK nor name is unusable.
    w.reject(w.text("no_kk").isna() & w.text("nama_kepala").isna(), "no_kk", "missing_value")
    k = {c: w.boolean(c) for c in crit}
    listing = w.date("tanggal_pendataan") if w.has("tanggal_pendataan") else pd.Series(
        pd.NaT, index=w.df.index, dtype="datetime64[ns]")
    status_text = _collapse(w.text("status_verifikasi"))
    status = status_text.map(_STATUS).astype("str")
    w.reject(status_text.notna() & status.isna(), "status_verifikasi", "invalid_code")
    status = status.fillna("belum")
    if file_code is None:
        kec, kel = w.areas()
    else:  # a code, not a name to match
        known = file_code in w.gaz.parent
        w.reject(np.full(w.n, not known), "kelurahan", "unknown_kelurahan")
        kel = pd.Series(file_code if known else None, index=w.df.index, dtype="str")
        kec = kel.map(w.gaz.parent).astype("str")
    kk = normalise_identifier(w.text("no_kk"))
    family = pseudonymise(kk, "kk", key=key)
    rt = w.rt("rt", required=True)
    need = family.isna() & w.text("nama_kepala").notna()
    if need.any():
        family[need] = pseudonymise(w.text("nama_kepala")[need] + "|" + kel[need].fillna("") + "|"
                                    + rt[need].fillna(""), "household", key=key)
        w.notes.append(f"{w.raw.label}: {int(need.sum())} households without No. KK keyed by "
                       "head name, kelurahan and RT")
    head = w.keys("nik_kepala", "nik", key)
    kb = {c: v.fillna(False).astype(bool) for c, v in k.items()}
    out = pd.DataFrame({
        "period": w.period(fallback=_month(listing)),
        "family_key": family, "head_key": head, "name_key": w.keys("nama_kepala", "name", key),
        "kecamatan_code": kec, "kelurahan_code": kel, "rt": rt,
        "rw": w.rt("rw"), **kb, "n_criteria": sum(v.astype("int64") for v in kb.values()),
        "listing_date": listing, "verification_status": status,
    })
    nik_kepala = normalise_identifier(w.text("nik_kepala"))
    ident = pd.concat([
        _ident(family, w.text("nama_kepala"), nik_kepala, kk, w.text("alamat")),
        _ident(head, w.text("nama_kepala"), nik_kepala, kk, w.text("alamat")),
        _ident(out["name_key"], w.text("nama_kepala")),
    ], ignore_index=True)
    return out, ident


def kelurahan_from_name(stem: str) -> str | None:
    """A Kemendagri kelurahan code in a file name (``verifikasi_64_74_01_1001``, ``rt_64.74.01.1001``)."""
    m = re.search(r"(?<!\d)(\d{2})[._-](\d{2})[._-](\d{2})[._-](\d{4})(?!\d)", stem)
    return ".".join(m.groups()) if m else None


def pendataan_source_cfg(cfg: dict[str, Any], settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``pendataan_rt`` entry of sources.yml with one required column per configured criterion.

    Each criterion of ``local_criteria.criteria`` is required, with its aliases: its ``label_id``
    (the RT template's header), its key, any ``aliases`` listed with it, and for keys
    ``kriteria_<i>`` the headers "Kriteria i" and "Ki". The kelurahan becomes optional: the
    template takes it from the file name.
    """
    if settings is None:
        settings = config.settings()
    keys = schemas.criteria_keys(settings)
    cfg = {**cfg, "aliases": {k: list(v) for k, v in (cfg.get("aliases") or {}).items()
                              if not k.startswith("kriteria_")}}
    cfg["required"] = [c for c in cfg["required"] if not c.startswith("kriteria_") and c != "kelurahan"] + keys
    cfg["optional"] = [c for c in cfg.get("optional", []) if c not in keys] + ["kelurahan"]
    for c in (settings.get("local_criteria") or {}).get("criteria") or []:
        names = [str(c["key"]), str(c.get("label_id", "")), *[str(a) for a in c.get("aliases") or []]]
        m = re.fullmatch(r"kriteria_(\d+)", str(c["key"]))
        if m:
            names += [f"Kriteria {m.group(1)}", f"K{m.group(1)}"]
        cfg["aliases"][str(c["key"])] = [n for n in names if n]
    return cfg


def _source_cfg(source: str, cfg: dict[str, Any]) -> dict[str, Any]:
    return pendataan_source_cfg(cfg) if source == "pendataan_rt" else cfg


def _clean_verifikasi(w: _Work, key: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A filled verification worklist (``reconcile.verification_worklists``): one row per worklist row.

    Required: ``id_baris``, ``kunci_keluarga`` (the family's pseudonym, as written), the
    kelurahan code, and a known ``hasil_verifikasi`` word when one is filled in (an empty result
    is kept: the row was not visited). A row of another kelurahan than the file's (its name
    carries the code) is rejected. Names, NIK, No. KK and notes in the sheet are not kept.
    """
    from analysis.linkage.verification import RESULT_STATUS

    w.require(["id_baris", "kunci_keluarga", "kelurahan_code"])
    result = _collapse(w.text("hasil_verifikasi")).str.lower()
    w.reject(result.notna() & ~result.isin(list(RESULT_STATUS)), "hasil_verifikasi", "unknown_result")
    code = w.text("kelurahan_code").str.strip()
    known = code.isin(list(w.gaz.parent.keys())) if isinstance(w.gaz.parent, dict) else code.notna()
    region = str(config.settings()["region"]["code"])
    outside = code.notna() & ~known & ~code.str.startswith(region + ".").fillna(False)
    w.reject(outside, "kelurahan_code", "outside_region")
    w.reject(code.notna() & ~known & ~outside, "kelurahan_code", "unknown_kelurahan")
    file_code = kelurahan_from_name(w.raw.path.stem)
    if file_code is not None:
        w.reject(code.notna() & known & (code != file_code), "kelurahan_code", "kelurahan_lain",
                 code + " (berkas " + file_code + ")")
    fam = w.text("kunci_keluarga").str.strip().str.lower()
    w.reject(fam.notna() & ~fam.str.fullmatch(r"[0-9a-f]{16}", na=False), "kunci_keluarga", "invalid_key")
    date = w.date("tanggal_verifikasi") if w.has("tanggal_verifikasi") else pd.Series(
        pd.NaT, index=w.df.index, dtype="datetime64[ns]")
    out = pd.DataFrame({
        "period": w.period(fallback=_month(date)), "row_id": w.text("id_baris").str.strip(),
        "family_key": fam, "kecamatan_code": code.str.slice(0, 8), "kelurahan_code": code,
        "masalah": w.text("masalah"), "result": result.where(result.isin(list(RESULT_STATUS))),
        "verification_date": date, "officer": _collapse(w.text("petugas")),
        "issued_date": (w.date("tanggal_terbit") if w.has("tanggal_terbit")
                        else pd.Series(pd.NaT, index=w.df.index, dtype="datetime64[ns]")),
        # The same row twice in one file (every cell read equal): one is a duplicate.
        "_dup_key": _row_text(w),
    })
    return out, pd.DataFrame()


def _row_text(w: _Work) -> pd.Series:
    """Every cell read of each row, joined: equal for rows that are exact copies."""
    out = pd.Series("", index=w.df.index, dtype="str")
    for c in (c for c in w.df.columns if c != "source_row"):
        out = out + "\x1f" + w.df[c].fillna("")
    return out


def reject_unknown_families(result: dict[str, Any], tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Move filled verification rows whose family is in neither DTSEN nor the RT listing to the rejects.

    Parameters
    ----------
    result
        :func:`clean_source` output for ``verifikasi``.
    tables
        The other processed tables of the run (``dtsen_family``, ``pendataan_rt``).

    Returns
    -------
    dict
        ``result`` with the table, the rejects (reason ``keluarga_tidak_ada``, column
        ``kunci_keluarga``) and the intake counts updated (rows in = kept + rejected still holds).
    """
    v = result["tables"]["verifikasi"]
    known = pd.concat([tables[t]["family_key"] for t in ("dtsen_family", "pendataan_rt") if t in tables]
                      or [pd.Series([], dtype="str")]).dropna().unique()
    gone = v["result"].notna() & ~v["family_key"].isin(known)
    if not gone.any():
        return result
    rej = pd.DataFrame({"row": v.loc[gone, "source_row"].astype("int64"), "column": "kunci_keluarga",
                        "value": v.loc[gone, "family_key"].astype(str), "reason": "keluarga_tidak_ada",
                        "source": "verifikasi", "file": v.loc[gone, "source_file"].astype(str)})
    intake = result["intake"].copy()
    per_file = rej.groupby("file").size()
    intake["rows_kept"] -= intake["file"].map(per_file).fillna(0).astype("int64")
    intake["rows_rejected"] += intake["file"].map(per_file).fillna(0).astype("int64")
    return {**result, "tables": {"verifikasi": v.loc[~gone].reset_index(drop=True)}, "intake": intake,
            "rejects": pd.concat([p for p in (result["rejects"], rej) if p is not None], ignore_index=True)}


def _programme_keys() -> dict[str, str]:
    table = {}
    for p in config.settings().get("programmes", []):
        for name in (p["key"], p.get("label_id", ""), p.get("label_en", "")):
            if name:
                table[normalise_name(str(name), "label", join="", blank_as_missing=False)] = p["key"]
    return table


def _clean_program(w: _Work, key: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Programme lists: one row per beneficiary, programme and period.

    Required values: programme (a key or label of ``settings.yml: programmes``), NIK (the key),
    kelurahan. Amounts are money ("Rp 300.000" is 300 000). The same usable NIK twice in a
    programme and period is a duplicate; rows with an unusable NIK (placeholder, wrong length)
    never are, as the lists carry no birth date and sex to tell people apart.
    """
    w.require(["program", "nik", "kelurahan"])
    prog_text = normalise_name(w.text("program"), "label", join="", blank_as_missing=False)
    programme = prog_text.map(_programme_keys()).astype("str")
    w.reject(w.text("program").notna() & programme.isna(), "program", "unknown_programme")
    amount = w.number("nominal", grouping=True) if w.has("nominal") else pd.Series(
        np.nan, index=w.df.index)
    w.reject(amount.notna() & (amount < 0), "nominal", "invalid_value")
    kec, kel = w.areas()
    nik = normalise_identifier(w.text("nik"))
    person = pseudonymise(nik, "nik", key=key)
    out = pd.DataFrame({
        "period": w.period(), "programme": programme, "person_key": person,
        "family_key": w.keys("no_kk", "kk", key), "name_key": w.keys("nama", "name", key),
        "kecamatan_code": kec, "kelurahan_code": kel, "rt": w.rt("rt"), "amount_idr": amount,
        # Lists carry no birth date or sex: an unusable NIK is never a duplicate.
        "_dup_key": _duplicate_key(person, _usable_nik(validate_nik(nik)), key,
                                   nama=w.text("nama"), kel=kel),
    })
    kk = normalise_identifier(w.text("no_kk"))
    ident = pd.concat([
        _ident(person, w.text("nama"), nik, kk, w.text("alamat")),
        _ident(out["family_key"], w.text("nama"), nik, kk, w.text("alamat")),
        _ident(out["name_key"], w.text("nama")),
    ], ignore_index=True)
    return out, ident


_CLEANERS = {"eppgbm": _clean_eppgbm, "dtsen": _clean_dtsen, "susenas": _clean_susenas,
             "pendataan_rt": _clean_pendataan, "program": _clean_program, "verifikasi": _clean_verifikasi,
             "eppgbm_bulanan": _clean_eppgbm_bulanan}


# --------------------------------------------------------------------------------------------
# Duplicates (across all files of a source)
# --------------------------------------------------------------------------------------------


def _mark_duplicates(df: pd.DataFrame, keys: list[str], order: list[str],
                     key_column: str) -> pd.DataFrame:
    """Rejects for rows sharing ``keys`` with a row that sorts after them by ``order``.

    ``df`` holds ``_file`` (label), ``_pos`` (row position in its file), ``source_row`` and
    ``_seq`` (file order, then row order). The row kept per group is the last by ``order``
    (missing first) then ``_seq``; the others are returned as (``_file``, ``_pos``, column,
    value, reason), the value naming the row kept.
    """
    empty = pd.DataFrame(columns=["_file", "_pos", "column", "value", "reason"])
    need = [k for k in keys if k != "period"]  # a missing period is a value of its own
    sub = df.loc[df[need].notna().all(axis=1), list(dict.fromkeys(
        [*keys, *order, "_seq", "_file", "_pos", "source_row"]))]
    if sub.empty:
        return empty
    gid = sub.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    sort_keys = [sub["_seq"].to_numpy()]
    for c in reversed(order):
        v = sub[c]
        arr = (v.to_numpy(dtype="datetime64[ns]").astype(np.int64) if v.dtype.kind == "M"
               else v.to_numpy(dtype=float, na_value=-np.inf))
        sort_keys.append(arr)  # NaT is the smallest int64: a missing date sorts first
    sort_keys.append(gid)
    perm = np.lexsort(sort_keys)
    g = gid[perm]
    last = np.r_[g[1:] != g[:-1], True]  # last row of each group in sorted order
    if last.all():
        return empty
    kept_of_group = np.empty(gid.max() + 1, dtype=np.int64)
    kept_of_group[g[last]] = perm[last]
    lost = perm[~last]
    kept = kept_of_group[gid[lost]]
    value = ("kept: " + sub["_file"].to_numpy(dtype=object)[kept] + " row "
             + sub["source_row"].to_numpy()[kept].astype(str).astype(object))
    return pd.DataFrame({"_file": sub["_file"].to_numpy(dtype=object)[lost],
                         "_pos": sub["_pos"].to_numpy()[lost], "column": key_column,
                         "value": value, "reason": "duplicate"})


def _duplicates(source: str, df: pd.DataFrame) -> pd.DataFrame:
    if source == "eppgbm":
        # Same child, same round: keep the latest measurement date, then the last row.
        return _mark_duplicates(df, ["child_key", "period"], ["measure_date"], "nik")
    if source == "dtsen":
        # Same family (No. KK) and period in two files: keep the family's rows of the file
        # holding most of its members (ties: the last file by name); the rows of the other
        # files are duplicates. Then the same person twice in a family: keep the last row.
        fam = df.dropna(subset=["family_key"])
        counts = (fam.groupby(["family_key", "period", "_fileno"], dropna=False).size()
                  .rename("_n").reset_index()
                  .sort_values(["_n", "_fileno"], kind="stable"))
        best = counts.drop_duplicates(["family_key", "period"], keep="last")
        files = df.drop_duplicates("_fileno").set_index("_fileno")["_file"]
        best = best.assign(_file_kept=best["_fileno"].map(files).to_numpy())
        chosen = fam.merge(best[["family_key", "period", "_fileno", "_file_kept"]],
                           on=["family_key", "period"], how="left", suffixes=("", "_best"),
                           validate="m:1")
        chosen.index = fam.index
        other = chosen.loc[chosen["_fileno"] != chosen["_fileno_best"]]
        out = []
        if not other.empty:
            out.append(pd.DataFrame({"_file": other["_file"], "_pos": other["_pos"],
                                     "column": "no_kk",
                                     "value": "same family kept from " + other["_file_kept"],
                                     "reason": "duplicate"}))
        rest = df.drop(index=other.index)
        # Keyed on the NIK only when it is usable (see _duplicate_key): two members with a
        # placeholder NIK are two people.
        out.append(_mark_duplicates(rest, ["_dup_key", "family_key", "period"], [], "nik"))
        return pd.concat(out, ignore_index=True)
    if source == "susenas":
        return _mark_duplicates(df, ["hh_id", "period"], [], "hh_id")
    if source == "pendataan_rt":
        return _mark_duplicates(df, ["family_key", "period"], ["listing_date"], "no_kk")
    if source == "program":
        return _mark_duplicates(df, ["programme", "_dup_key", "period"], [], "nik")
    if source == "eppgbm_bulanan":
        return _mark_duplicates(df, ["kelurahan_code", "period"], [], "kelurahan")
    if source == "verifikasi":
        # A later file overrides an earlier one (applied in order, not dropped); only a row
        # repeated exactly within one file is a duplicate.
        return _mark_duplicates(df, ["_file", "_dup_key"], [], "id_baris")
    raise ValueError(source)


def _derive_family(members: pd.DataFrame) -> pd.DataFrame:
    """DTSEN family table: areas, RT/RW and desil of the head's row (else the first member's),
    member count, and a programme flag true when any member's is."""
    head = _collapse(members["hubungan"]).str.contains("kepala").fillna(False).astype(bool)
    m = members.assign(_head=~head)  # heads sort first
    m = m.sort_values(["_head", "_seq"], kind="stable")
    keys = ["period", "family_key"]
    first = m.groupby(keys, dropna=False, sort=True).agg(
        kecamatan_code=("kecamatan_code", "first"), kelurahan_code=("kelurahan_code", "first"),
        rt=("rt", "first"), rw=("rw", "first"), desil=("desil", "first"),
        n_members=("person_key", "size"))
    flags = m.groupby(keys, dropna=False, sort=True)[
        ["penerima_pkh", "penerima_bpnt", "penerima_pbi", "resiko_stunting"]].max()
    fam = first.join(flags, validate="1:1").reset_index()
    fam["desil"] = fam["desil"].astype("int64")
    fam["n_members"] = fam["n_members"].astype("int64")
    for c in ("penerima_pkh", "penerima_bpnt", "penerima_pbi", "resiko_stunting"):
        fam[c] = fam[c].astype("boolean")
    for c in ("period", "family_key", "kecamatan_code", "kelurahan_code", "rt", "rw"):
        fam[c] = fam[c].astype("str")
    return fam[schemas.columns_of("dtsen_family")]


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

_DTYPES = {
    "eppgbm": {"sex": "int64", "age_days": "int64"},
    "dtsen_member": {"desil": "int64", "sex": "Int64"},
    "susenas": {"hh_size": "int64"},
    "pendataan_rt": {"n_criteria": "int64"},
}


def _finalise(table: str, df: pd.DataFrame) -> pd.DataFrame:
    # The monthly report keeps its other numeric columns (other_*) after the declared ones.
    extra = sorted(c for c in df.columns if c.startswith("other_")) if table == "eppgbm_bulanan" else []
    df = df[schemas.columns_of(table) + extra].reset_index(drop=True)
    for c in extra:
        df[c] = df[c].astype("float64")
    for c, col in schemas.schema_of(table).columns.items():
        if col.regex:  # a pattern for extra columns (handled above)
            continue
        want = _DTYPES.get(table, {}).get(c)
        if want:
            df[c] = df[c].astype(want)
        elif str(col.dtype) == "str":
            df[c] = df[c].astype("str")
        elif str(col.dtype) == "datetime64[ns]":
            df[c] = df[c].astype("datetime64[ns]")
        elif str(col.dtype) == "float64":
            df[c] = df[c].astype("float64")
        elif str(col.dtype) == "int64":
            df[c] = df[c].astype("int64")
    return df


def list_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(table files, other files) of a source folder, sorted by name; hidden and Excel lock files
    (``~$...``) are skipped."""
    files, other = [], []
    for p in sorted(folder.iterdir()) if folder.is_dir() else []:
        if not p.is_file() or p.name.startswith((".", "~$")):
            continue
        (files if p.suffix.lower() in TABLE_SUFFIXES else other).append(p)
    return files, other


@dataclass
class FileState:
    """One raw file after reading, its source cleaner and the foreign-file check (the heavy part).

    The first phase of :func:`clean_source` (and of each file's task on a dask cluster,
    :mod:`analysis.engine.clean`); the duplicates, judged across all files of the source, are
    then applied to it (:func:`apply_duplicates`) before :func:`file_result`.
    """

    w: _Work
    out: pd.DataFrame
    ident: pd.DataFrame | None

    @property
    def label(self) -> str:
        return self.w.raw.label


def file_label(path: Path) -> str:
    """The name a raw file goes by in the intake, rejects and messages (``folder/file``)."""
    return f"{path.parent.name}/{path.name}"


def clean_file(source: str, path: Path, fileno: int, cfg: dict[str, Any], gaz: Gazetteer,
               today: dt.date, key: bytes) -> FileState | str:
    """Read and clean one file of ``source`` (``cfg`` from :func:`_source_cfg`).

    Returns
    -------
    FileState, or str
        The message naming what makes the file unusable (read error, missing columns, another
        region's export).
    """
    label = file_label(path)
    try:
        raw = read_table(path, cfg, source=source, label=label)
    except RakorInputError as exc:
        return str(exc)
    schemas.raw_schema(source, cfg).validate(raw.data)  # strings + source_row, as read
    w = _Work(raw, source, gaz, today)
    try:
        out, ident = _CLEANERS[source](w, key)
    except RakorInputError as exc:
        return str(exc)
    foreign = _foreign_file(w)
    if foreign is not None:
        return foreign
    out = out.assign(source_file=label, source_row=raw.data["source_row"].to_numpy(),
                     _file=label, _fileno=fileno, _pos=np.arange(w.n))
    w.gaz = None  # not needed any more (and a task's state stays small)
    w.compact(key)
    ident = ident.assign(source=source).dropna(subset=["key"]) if not ident.empty else None
    return FileState(w, out, ident)


#: The columns :func:`_duplicates` reads, per source (besides the bookkeeping columns).
DUPLICATE_COLUMNS = {
    "eppgbm": ["child_key", "period", "measure_date"],
    "dtsen": ["family_key", "period", "_dup_key"],
    "susenas": ["hh_id", "period"],
    "pendataan_rt": ["family_key", "period", "listing_date"],
    "program": ["programme", "_dup_key", "period"],
    "eppgbm_bulanan": ["kelurahan_code", "period"],
    "verifikasi": ["_dup_key"],
}
_BOOKKEEPING = ["_file", "_fileno", "_pos", "source_row"]


def duplicate_input(state: FileState, source: str) -> pd.DataFrame:
    """The rows of a file still kept, with only the columns the duplicate rules read."""
    return state.out.loc[~state.w.rejected_mask(), DUPLICATE_COLUMNS[source] + _BOOKKEEPING]


def judge_duplicates(source: str, parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Duplicates among the kept rows of all files of a source (parts in file order)."""
    alive = pd.concat(parts, ignore_index=True)
    alive["_seq"] = np.arange(len(alive))
    return _duplicates(source, alive)


def apply_duplicates(state: FileState, dups: pd.DataFrame) -> None:
    """Add the duplicate rejects of this file (rows of :func:`judge_duplicates`) to its problems."""
    d = dups.loc[dups["_file"] == state.label]
    for col, g in d.groupby("column", sort=False):
        state.w.problems.append((g["_pos"].to_numpy(dtype=np.int64), str(col), "duplicate",
                                 g["value"].to_numpy(dtype=object)))


def file_result(state: FileState, source: str, key: bytes) -> dict[str, Any]:
    """A file's intake row, kept rows, rejects, findings, corrections, identity and notes.

    Raises
    ------
    RuntimeError
        When rows in != kept + rejected (a bug, never a user's mistake).
    """
    w, o = state.w, state.out
    bad = w.rejected_mask()
    kept = o.loc[~bad]
    # Rows the reader rejected itself (a header repeated below) count as rejected too.
    rej = w.rejects_frame(key)
    if len(w.raw.dropped):
        rej = pd.concat([rej, w.raw.dropped], ignore_index=True)
    rows_rejected, rows_kept = int(bad.sum()) + len(w.raw.dropped), len(kept)
    # Nothing lost: every row read is either kept or rejected (with a reason).
    if rows_kept + rows_rejected != w.raw.rows_in or rej["row"].nunique() != rows_rejected:
        raise RuntimeError(f"row accounting failed for {w.raw.label}: {w.raw.rows_in} in, "
                           f"{rows_kept} kept + {rows_rejected} rejected, "
                           f"{rej['row'].nunique()} rows in the rejects")
    periods = kept["period"].dropna()
    intake = {
        "source": source, "file": w.raw.label, "sha256": w.raw.sha256,
        "rows_in": w.raw.rows_in, "rows_kept": rows_kept, "rows_rejected": rows_rejected,
        "period_min": periods.min() if len(periods) else None,
        "period_max": periods.max() if len(periods) else None,
        "columns_unused": "; ".join(w.raw.unused) or None,
    }
    # Findings are about rows that are used: a rejected row has its reason already.
    gone = set(w.df["source_row"].to_numpy()[bad].tolist())
    findings = [f.loc[~f["row"].isin(gone)].assign(source=source, file=w.raw.label) for f in w.findings]
    return {"intake": intake, "kept": kept, "rejects": rej.assign(source=source, file=w.raw.label),
            "findings": findings, "corrections": list(w.corrections), "identity": state.ident,
            "notes": list(w.notes)}


def finalise_table(table: str, kept: pd.DataFrame, extra: list[str] | None = None, *,
                   empty_as_schema: bool = True) -> pd.DataFrame:
    """The processed table (columns and dtypes of its schema) of kept rows.

    ``empty_as_schema``: no kept rows give the schema's empty table (a whole table; a file's
    partition among others keeps the dtypes the cleaner gave). ``extra``: the ``other_*``
    columns of ``eppgbm_bulanan`` (default: those of ``kept``; a file without one of them gets
    it empty).
    """
    if not len(kept) and empty_as_schema:
        return schemas.empty(table)
    if extra is not None:
        kept = kept.reindex(columns=[*[c for c in kept.columns if not c.startswith("other_")], *extra])
    return _finalise(table, kept)


def clean_source(source: str, files: list[Path], *, gaz: Gazetteer | None = None,
                 today: dt.date | None = None, key: bytes | None = None,
                 source_cfg: dict[str, Any] | None = None) -> dict[str, Any]:
    """Clean the files of one source.

    Returns
    -------
    dict with ``tables`` (name -> DataFrame), ``intake``, ``rejects``, ``corrections``,
    ``identity``, ``notes`` and ``findings`` (data-quality findings of kept rows, or None).

    Raises
    ------
    RakorInputError
        One message for all files of the source that cannot be used at all.
    """
    from analysis.intake.identifiers import pseudonym_key

    gaz = gaz or gazetteer()
    today = today or dt.date.today()
    key = key if key is not None else pseudonym_key()
    cfg = _source_cfg(source, source_cfg or config.sources()[source])
    states = [clean_file(source, path, fileno, cfg, gaz, today, key) for fileno, path in enumerate(files)]
    errors = [s for s in states if isinstance(s, str)]
    if errors:
        raise RakorInputError("\n".join(errors))
    # Rows with a problem are out; duplicates are judged among the remaining rows of all files.
    if states:
        dups = judge_duplicates(source, [duplicate_input(s, source) for s in states])
        for s in states:
            apply_duplicates(s, dups)
    return combine_source(source, [file_result(s, source, key) for s in states])


def combine_source(source: str, parts: list[dict[str, Any]], tables: dict[str, pd.DataFrame] | None = None
                   ) -> dict[str, Any]:
    """The :func:`clean_source` output from the :func:`file_result` of each file (in file order).

    ``tables``: the processed tables when they were made elsewhere (the dask engine writes them
    per file); otherwise they are built here from the kept rows of ``parts``.
    """
    if tables is None:
        kept_all = pd.concat([p["kept"] for p in parts], ignore_index=True) if parts else pd.DataFrame()
        tables = {}
        if source == "dtsen":
            kept_all["_seq"] = np.arange(len(kept_all))
            tables["dtsen_member"] = _finalise("dtsen_member", kept_all)
            tables["dtsen_family"] = (_derive_family(kept_all) if len(kept_all)
                                      else schemas.empty("dtsen_family"))
        else:
            tables[SOURCES[source][0]] = finalise_table(SOURCES[source][0], kept_all)
    corr = [c for p in parts for c in p["corrections"]]
    idents = [p["identity"] for p in parts if p["identity"] is not None]
    idents = [unique_identity(idents)] if idents else []  # held until every source is done
    findings = [f for p in parts for f in p["findings"]]
    return {
        "tables": tables,
        "intake": pd.DataFrame([p["intake"] for p in parts]),
        "rejects": pd.concat([p["rejects"] for p in parts], ignore_index=True) if parts else None,
        "corrections": pd.concat(corr, ignore_index=True) if corr else None,
        "identity": pd.concat(idents, ignore_index=True) if idents else None,
        "notes": [n for p in parts for n in p["notes"]],
        "findings": pd.concat(findings, ignore_index=True) if findings else None,
    }


def unique_identity(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The identity rows of ``frames`` (in their order), each (key, source) once: the first.

    Keeping the first is the same taken in steps (frames in order, then their results) as at
    once, so the dask engine's batches of files shrink their rows as they come, and each source's
    table (:func:`combine_source`) is that of its files' rows.
    """
    return pd.concat(frames, ignore_index=True).drop_duplicates(["key", "source"], ignore_index=True)


def collect_findings(parts: list[pd.DataFrame | None]) -> pd.DataFrame:
    """The findings of all sources as one table, sorted by source, file and row."""
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return schemas.empty("findings")
    f = pd.concat(parts, ignore_index=True)[schemas.columns_of("findings")]
    return f.astype({"source": "str", "file": "str", "row": "int64", "column": "str",
                     "value": "str", "reason": "str"}).sort_values(
        ["source", "file", "row"], kind="stable", ignore_index=True)


def _aggregate_corrections(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return schemas.empty("corrections")
    c = pd.concat(parts, ignore_index=True)
    c = c.groupby(["source", "column", "value", "corrected_to", "code", "method"],
                  as_index=False, sort=True).agg(score=("score", "min"), n_rows=("n_rows", "sum"))
    return c[schemas.columns_of("corrections")].astype(
        {"source": "str", "column": "str", "value": "str", "corrected_to": "str", "code": "str",
         "method": "str", "score": "float64", "n_rows": "int64"})


def clean_all(raw_dir: str | Path, processed_dir: str | Path | None = None, *,
              today: dt.date | None = None, write: bool = True,
              gaz: Gazetteer | None = None, client: Any = None) -> CleanResult:
    """Clean every source folder present under ``raw_dir`` and write the processed tables.

    Parameters
    ----------
    raw_dir
        Folder with one subfolder per source (``eppgbm/``, ``dtsen/``, ...; see
        ``config/sources.yml``). A source with no file is noted in ``missing_sources``.
    processed_dir
        Where the tables are written (``intake.parquet``, ``rejects.parquet``,
        ``corrections.parquet``, one table per source, ``restricted/identity.parquet``).
        Tables of sources absent from this run are removed, so that no stale table remains.
    today
        Reference date for "measurement in the future" and two-digit years (default: today).
    write
        Set False to only return the tables.
    gaz
        Gazetteer (default: package CSV + config aliases + config threshold).
    client
        A ``distributed.Client``: each raw file is cleaned as a task on its workers and the
        source tables are written as partitioned Parquet, one partition per file
        (:mod:`analysis.engine.clean`); their rows are those of the pandas engine, in the same
        order, and they are absent from ``tables`` unless ``write`` is False. None: in this process.

    Returns
    -------
    CleanResult

    Raises
    ------
    RakorInputError
        When ``raw_dir`` has no source folder, or a file cannot be used at all (empty, not a
        table, binary, required columns missing). The message names every such file, what is
        wrong, what was expected and the closest header found.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise RakorInputError(f"raw data folder {raw_dir} does not exist; expected a folder with "
                              "subfolders eppgbm/, dtsen/, susenas/, pendataan_rt/, program/")
    from analysis.intake.identifiers import pseudonym_key

    cfg_all = config.sources()
    gaz = gaz or gazetteer()
    today = today or dt.date.today()
    key = pseudonym_key()
    results, missing, notes, errors, todo = {}, [], [], [], {}
    for source in SOURCES:
        cfg = cfg_all[source]
        files, other = list_files(raw_dir / cfg["folder"])
        for p in other:
            notes.append(f"{cfg['folder']}/{p.name} ignored (not a table file: .csv, .tsv, .xlsx, .xls, .ods, .html, .dta, .sav)")
        if not files:
            if source != "verifikasi":  # returned worklists are not a data source of their own
                missing.append(source)
            continue
        if client is not None:
            todo[source] = (files, cfg)
            continue
        try:
            results[source] = clean_source(source, files, gaz=gaz, today=today, key=key,
                                           source_cfg=cfg)
        except RakorInputError as exc:
            errors.append(str(exc))
    written: dict[str, Path] = {}
    if todo:
        from analysis.engine.clean import clean_sources

        out_dir = Path(processed_dir) if write and processed_dir is not None else None
        results, errors = clean_sources(client, todo, gaz=gaz, today=today, key=key,
                                        processed_dir=out_dir)
        if out_dir is not None:
            written = {SOURCES[s][0]: out_dir / f"{SOURCES[s][0]}.parquet" for s in results
                       if SOURCES[s][0] not in results[s]["tables"]}
    if errors:
        n = sum(e.count("\n") + 1 for e in errors)
        head = f"{n} file(s) in {raw_dir} cannot be used:\n" if n > 1 else ""
        raise RakorInputError(head + "\n".join(errors))
    if not results:
        raise RakorInputError(
            f"no data files found in {raw_dir}; expected CSV/XLSX files in one or more of the "
            f"subfolders {', '.join(c['folder'] + '/' for c in cfg_all.values())}")

    # Load inputs -> process -> save outputs.
    if "verifikasi" in results:
        done = {t: df for s_, r in results.items() if s_ != "verifikasi" for t, df in r["tables"].items()}
        done.update({t: pd.read_parquet(p, columns=["family_key"]) for t, p in written.items()
                     if t == "pendataan_rt"})  # written per file by the dask engine
        results["verifikasi"] = reject_unknown_families(results["verifikasi"], done)
    tables = {t: df for r in results.values() for t, df in r["tables"].items()}
    intake = pd.concat([r["intake"] for r in results.values()], ignore_index=True)
    intake = intake.astype({"source": "str", "file": "str", "sha256": "str", "rows_in": "int64",
                            "rows_kept": "int64", "rows_rejected": "int64", "period_min": "str",
                            "period_max": "str", "columns_unused": "str"})
    rej = [r["rejects"] for r in results.values() if r["rejects"] is not None]
    rejects = (pd.concat(rej, ignore_index=True) if rej else schemas.empty("rejects"))
    rejects = rejects[schemas.columns_of("rejects")].astype(
        {"source": "str", "file": "str", "row": "int64", "column": "str", "value": "str",
         "reason": "str"}).sort_values(["source", "file", "row"], kind="stable", ignore_index=True)
    corrections = _aggregate_corrections([r["corrections"] for r in results.values()
                                          if r["corrections"] is not None])
    ids = [r["identity"] for r in results.values() if r["identity"] is not None]
    # each source's are kept once already (combine_source), and no two sources share a row
    identity = pd.concat(ids, ignore_index=True) if ids else schemas.empty("identity")
    identity = identity[schemas.columns_of("identity")].reset_index(drop=True).astype(
        {"key": "str", "nik": "str", "no_kk": "str", "nama": "str", "alamat": "str",
         "birth_date": "datetime64[ns]", "source": "str"})
    for r in results.values():
        notes.extend(r["notes"])
    if missing:
        notes.append("no files for: " + ", ".join(missing))

    findings = collect_findings([r.get("findings") for r in results.values()])
    result = CleanResult(tables=tables, intake=intake, rejects=rejects, corrections=corrections,
                         identity=identity, missing_sources=missing, notes=notes,
                         findings=findings, written=dict(written))
    checked = {"intake": intake, "rejects": rejects, "corrections": corrections,
               "findings": findings, **tables}
    for name, df in checked.items():
        schemas.check(df, name)
    schemas.check(identity, "identity")
    if write and processed_dir is not None:
        out = Path(processed_dir)
        config.make_restricted_dir(out / "restricted")  # owner-only: it holds names, NIK and No. KK
        for name, df in checked.items():
            if (out / f"{name}.parquet").is_dir():  # partitions of the dask engine (a file is
                replace_path(out / f"{name}.parquet")  # replaced atomically by write_parquet)
            result.written[name] = write_parquet(df, out / f"{name}.parquet")
        for stale in set(TABLES) - set(tables) - set(written):
            replace_path(out / f"{stale}.parquet")
        path = out / "restricted" / "identity.parquet"
        from analysis.briefs.pii_scan import write_restricted_parquet

        write_restricted_parquet(identity, path)  # with the UU 27/2022 notice in its metadata
        result.written["identity"] = path
    return result

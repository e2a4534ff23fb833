"""Pandera schemas: the shape of every raw and processed table, declared once.

Processed tables follow ``docs/data_model.md`` exactly; :func:`check` validates a table before it
is written. Raw tables (as read by :func:`analysis.intake.read.read_table`) are strings plus
``source_row``; :func:`raw_schema` builds their schema from ``config/sources.yml``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa

from analysis import config

__all__ = ["PROCESSED", "IDENTITY", "check", "schema_of", "pendataan_schema", "criteria_keys", "raw_schema",
           "columns_of", "empty"]

_KEY = r"[0-9a-f]{16}"
_PERIOD = r"\d{4}-(0[1-9]|1[0-2])"


def _area_patterns(region_code: str) -> tuple[str, str]:
    """Patterns of the kecamatan and desa/kelurahan codes inside the region (``"64.74"`` or ``"64"``)."""
    parts = region_code.split(".")
    kec = r"\.".join(parts) + r"\.\d{2}" * (3 - len(parts))
    return kec, kec + r"\.\d{4}"


# Area codes of processed tables lie in the configured region (settings.yml: region.code).
_KEC, _KEL = _area_patterns(config.settings()["region"]["code"])


def _s(nullable: bool = False, regex: str | None = None, isin: list | None = None) -> pa.Column:
    checks = []
    if regex:
        checks.append(pa.Check.str_matches(f"^(?:{regex})$"))
    if isin:
        checks.append(pa.Check.isin(isin))
    return pa.Column("str", checks=checks, nullable=nullable)


def _key(nullable: bool = True) -> pa.Column:
    return _s(nullable, _KEY)


def _i(nullable: bool = False, ge: int | None = None, le: int | None = None,
       dtype: str = "int64") -> pa.Column:
    checks = []
    if ge is not None:
        checks.append(pa.Check.ge(ge))
    if le is not None:
        checks.append(pa.Check.le(le))
    return pa.Column(dtype, checks=checks, nullable=nullable)


def _f(nullable: bool = True, ge: float | None = None, le: float | None = None) -> pa.Column:
    checks = []
    if ge is not None:
        checks.append(pa.Check.ge(ge))
    if le is not None:
        checks.append(pa.Check.le(le))
    return pa.Column("float64", checks=checks, nullable=nullable)


def _d(nullable: bool = True) -> pa.Column:
    return pa.Column("datetime64[ns]", nullable=nullable)


def _schema(name: str, columns: dict[str, pa.Column]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(columns, name=name, strict=True, ordered=True, coerce=False)


_ORIGIN = {"source_file": _s(), "source_row": _i(ge=1)}

INTAKE = _schema("intake", {
    "source": _s(), "file": _s(), "sha256": _s(regex=r"[0-9a-f]{64}"),
    "rows_in": _i(ge=0), "rows_kept": _i(ge=0), "rows_rejected": _i(ge=0),
    "period_min": _s(True, _PERIOD), "period_max": _s(True, _PERIOD), "columns_unused": _s(True),
})
REJECTS = _schema("rejects", {
    "source": _s(), "file": _s(), "row": _i(ge=1), "column": _s(True), "value": _s(True),
    "reason": _s(),
})
#: Data-quality findings on rows that were kept (the row is used; the finding is reported).
FINDINGS = _schema("findings", {
    "source": _s(), "file": _s(), "row": _i(ge=1), "column": _s(True), "value": _s(True),
    "reason": _s(),
})
CORRECTIONS = _schema("corrections", {
    "source": _s(), "column": _s(), "value": _s(), "corrected_to": _s(), "code": _s(),
    "method": _s(isin=["alias", "fuzzy"]), "score": _f(False, 0, 100), "n_rows": _i(ge=1),
})
EPPGBM = _schema("eppgbm", {
    "period": _s(False, _PERIOD), "child_key": _key(False), "family_key": _key(),
    "parent_key": _key(), "name_key": _key(), "nik_valid": pa.Column("bool"),
    "sex": _i(False, 1, 2),
    "birth_date": _d(False), "measure_date": _d(False), "age_days": _i(ge=0),
    "weight_kg": _f(True, 0, 200), "height_cm": _f(True, 0, 300),
    "measure": _s(True, isin=["l", "h"]), "oedema": pa.Column("bool"),
    "kecamatan_code": _s(False, _KEC), "kelurahan_code": _s(False, _KEL),
    "posyandu": _s(True), "rt": _s(True), "rw": _s(True), "puskesmas": _s(True),
    "weight_gain": _s(True, isin=["N", "T", "O", "B"]),
    "app_waz": _f(), "app_haz": _f(), "app_whz": _f(), **_ORIGIN,
})
_FLAGS = {c: pa.Column("boolean", nullable=True)
          for c in ("penerima_pkh", "penerima_bpnt", "penerima_pbi", "resiko_stunting")}
DTSEN_MEMBER = _schema("dtsen_member", {
    "period": _s(True, _PERIOD), "person_key": _key(False), "family_key": _key(False),
    "name_key": _key(), "nik_valid": pa.Column("bool"), "sex": _i(True, 1, 2, "Int64"),
    "birth_date": _d(), "hubungan": _s(True), "kecamatan_code": _s(False, _KEC),
    "kelurahan_code": _s(False, _KEL), "rt": _s(True), "rw": _s(True),
    "desil": _i(False, 1, 10), **_FLAGS, **_ORIGIN,
})
DTSEN_FAMILY = _schema("dtsen_family", {
    "period": _s(True, _PERIOD), "family_key": _key(False), "kecamatan_code": _s(False, _KEC),
    "kelurahan_code": _s(False, _KEL), "rt": _s(True), "rw": _s(True), "desil": _i(False, 1, 10),
    "n_members": _i(ge=1), **_FLAGS,
})
SUSENAS = _schema("susenas", {
    "period": _s(True, _PERIOD), "hh_id": _s(), "strata": _s(), "psu": _s(),
    "weight_hh": _f(False, 0), "hh_size": _i(ge=1), "expenditure_pc_idr_month": _f(False, 0),
    # The survey rarely carries a desa code: kelurahan is optional (kecamatan and kota estimates).
    "kecamatan_code": _s(False, _KEC), "kelurahan_code": _s(True, _KEL), **_ORIGIN,
})
PENDATAAN_RT = _schema("pendataan_rt", {
    "period": _s(True, _PERIOD), "family_key": _key(False), "head_key": _key(),
    "name_key": _key(), "kecamatan_code": _s(False, _KEC), "kelurahan_code": _s(False, _KEL),
    "rt": _s(), "rw": _s(True),
    **{f"kriteria_{i}": pa.Column("bool") for i in range(1, 5)},
    "n_criteria": _i(ge=0, le=4), "listing_date": _d(),
    "verification_status": _s(isin=["terverifikasi", "belum", "tidak_memenuhi"]), **_ORIGIN,
})
#: Filled verification worklists (issue 15): one row per worklist row read back. Free-text
#: notes (catatan) are not kept: they may name people.
VERIFIKASI = _schema("verifikasi", {
    "period": _s(True, _PERIOD), "row_id": _s(), "family_key": _key(False),
    "kecamatan_code": _s(False, _KEC), "kelurahan_code": _s(False, _KEL), "masalah": _s(True),
    "result": _s(True, isin=["terverifikasi miskin ekstrem", "tidak memenuhi kriteria", "pindah",
                             "meninggal", "tidak ditemukan"]),
    "verification_date": _d(), "officer": _s(True), "issued_date": _d(), **_ORIGIN,
})
PROGRAM = _schema("program", {
    "period": _s(True, _PERIOD), "programme": _s(), "person_key": _key(False),
    "family_key": _key(), "name_key": _key(), "kecamatan_code": _s(False, _KEC),
    "kelurahan_code": _s(False, _KEL), "rt": _s(True), "amount_idr": _f(True, 0), **_ORIGIN,
})
_COUNT = {c: _f(True, 0) for c in (
    "children_target", "children_this_month", "children_weighed", "children_weighed_measured",
    "children_measured_height", "children_with_kia", "gained_n", "not_gained_t",
    "not_weighed_last_month_o", "new_b", "weighed_corrected_d", "stunted", "wasted",
    "underweight", "overweight")}
#: The monthly e-PPGBM report: one row per kelurahan and month. Besides these columns it keeps
#: every other column of the report (``other_*``: counts as float, ``other_pct_*`` percentages).
EPPGBM_BULANAN = pa.DataFrameSchema({
    "period": _s(False, _PERIOD), "kecamatan_code": _s(False, _KEC),
    "kelurahan_code": _s(False, _KEL), "puskesmas": _s(True), "input_date": _d(), **_COUNT,
    **{f"pct_{c}": _f() for c in ("children_weighed", "stunted", "wasted", "underweight",
                                  "overweight")},
    # The denominator each indicator used (the file's own when a cell is empty: see clean.py).
    **{f"n_{c}": _f(True, 0) for c in ("stunted", "wasted", "underweight", "overweight")},
    **{f"n_{c}_from": _s(True) for c in ("stunted", "wasted", "underweight", "overweight")},
    **_ORIGIN,
    r"^other_[a-z0-9_]+$": pa.Column("float64", nullable=True, regex=True, required=False),
}, name="eppgbm_bulanan", strict=True, ordered=False, coerce=False)

#: ``restricted/identity.parquet``: pseudonym -> the person, for verification worklists only.
IDENTITY = _schema("identity", {
    "key": _key(False), "nik": _s(True), "no_kk": _s(True), "nama": _s(True), "alamat": _s(True),
    "birth_date": _d(), "source": _s(),
})

#: Table name (file stem under ``data/processed/``) -> schema.
PROCESSED: dict[str, pa.DataFrameSchema] = {
    "intake": INTAKE, "rejects": REJECTS, "corrections": CORRECTIONS, "findings": FINDINGS,
    "eppgbm": EPPGBM,
    "dtsen_member": DTSEN_MEMBER, "dtsen_family": DTSEN_FAMILY, "susenas": SUSENAS,
    "pendataan_rt": PENDATAAN_RT, "program": PROGRAM, "eppgbm_bulanan": EPPGBM_BULANAN,
    "verifikasi": VERIFIKASI,
}


def criteria_keys(settings: dict[str, Any] | None = None) -> list[str]:
    """The keys of the local criteria in config (``local_criteria.criteria``), in order.

    The RT listing has one boolean column per key: a criterion added in config is a column of
    the listing, the template and the processed table with no change of code.
    """
    if settings is None:
        from analysis import config

        settings = config.settings()
    return [str(c["key"]) for c in (settings.get("local_criteria") or {}).get("criteria") or []]


def pendataan_schema(keys: list[str] | None = None) -> pa.DataFrameSchema:
    """The ``pendataan_rt`` schema for the criteria of config (default: the current config)."""
    keys = criteria_keys() if keys is None else keys
    cols = {c: col for c, col in PENDATAAN_RT.columns.items() if not c.startswith("kriteria_")}
    out: dict[str, pa.Column] = {}
    for c, col in cols.items():
        if c == "n_criteria":
            out.update({k: pa.Column("bool") for k in keys})
            col = _i(ge=0, le=len(keys))
        out[c] = col
    return _schema("pendataan_rt", out)


def schema_of(table: str) -> pa.DataFrameSchema:
    """The schema of a processed table (``pendataan_rt`` follows the criteria of config)."""
    if table == "identity":
        return IDENTITY
    if table == "pendataan_rt":
        return pendataan_schema()
    return PROCESSED[table]


def columns_of(table: str) -> list[str]:
    """Column names of a processed table, in order (without pattern-named extra columns)."""
    schema = schema_of(table)
    return [c for c, col in schema.columns.items() if not col.regex]


def empty(table: str) -> pd.DataFrame:
    """An empty table with the schema's columns and dtypes."""
    schema = schema_of(table)
    return pd.DataFrame({c: pd.Series([], dtype=col.dtype.type) for c, col in schema.columns.items()
                         if not col.regex})


def check(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Validate a processed table against its schema (all failures reported at once).

    Raises
    ------
    pandera.errors.SchemaErrors
        A failure here is a bug in the cleaning code, not a user mistake.
    """
    schema = schema_of(table)
    return schema.validate(df, lazy=True)


def raw_schema(source: str, source_cfg: dict[str, Any]) -> pa.DataFrameSchema:
    """Schema of a raw table as read: required columns (strings, may be empty), optional ones,
    and ``source_row`` (1-based row number in the file)."""
    cols: dict[str, pa.Column] = {c: pa.Column("str", nullable=True) for c in source_cfg["required"]}
    cols.update({c: pa.Column("str", nullable=True, required=False)
                 for c in source_cfg.get("optional", [])})
    cols["source_row"] = _i(ge=1)
    if source_cfg.get("keep_other_columns"):
        cols[r"^other:.+$"] = pa.Column("str", nullable=True, required=False, regex=True)
    return pa.DataFrameSchema(cols, name=f"raw_{source}", strict=True)

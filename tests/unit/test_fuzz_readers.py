"""Fuzzing the readers (issue 17, item 4): whatever bytes arrive, the outcome is a table or a
RakorInputError (exit 2 with a message), never another exception.

Inputs: random bytes under every table suffix, truncations and byte flips of valid files of
every format (CSV, XLSX, HTML-as-XLS, BIFF XLS, ODS, Stata, SPSS), and CSV files mixing
encodings (cp1252/latin-1 bytes inside UTF-8, BOMs of UTF-8 and UTF-16, NUL and stray quotes).
The examples are few and the files small, so the whole module runs in seconds.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import config
from analysis.errors import RakorInputError
from analysis.intake.clean import clean_source
from analysis.intake.read import TABLE_SUFFIXES, RawTable, read_table

FIXTURES = Path(__file__).parents[1] / "fixtures"
BAD = FIXTURES / "bad"
TODAY = dt.date(2025, 10, 1)
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _xlsx() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for line in (BAD / "program" / "program_2025-02.csv").read_text(encoding="utf-8").splitlines():
        ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


#: Valid files of every format, with the source whose columns they hold.
VALID = {
    "csv": ("program", (BAD / "program" / "program_2025-02.csv").read_bytes()),
    "csv;": ("eppgbm_bulanan", (BAD / "eppgbm_bulanan" / "laporan_bulanan_2025.csv").read_bytes()),
    "xlsx": ("program", _xlsx()),
    "html": ("eppgbm", (FIXTURES / "formats" / "ok" / "eppgbm" / "eppgbm_web_202502.xls").read_bytes()),
    "xls": ("eppgbm", (FIXTURES / "formats" / "ok" / "eppgbm" / "eppgbm_register_202502.xls").read_bytes()),
    "ods": ("eppgbm", (FIXTURES / "formats" / "ok" / "eppgbm" / "eppgbm_register_barat_202502.ods").read_bytes()),
    "dta": ("susenas", (FIXTURES / "formats" / "ok" / "susenas" / "susenas_202503.dta").read_bytes()),
    "sav": ("susenas", (FIXTURES / "formats" / "ok" / "susenas" / "susenas_lama_202503.sav").read_bytes()),
}


def outcome(raw: bytes, source: str, suffix: str) -> RawTable | None:
    """read_table on ``raw``: the table, or None for a RakorInputError; anything else fails."""
    cfg = config.sources()[source]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / source / f"fuzz{suffix}"
        path.parent.mkdir()
        path.write_bytes(raw)
        try:
            table = read_table(path, cfg, source=source)
        except RakorInputError as exc:
            assert str(exc) and "Traceback" not in str(exc)
            return None
    assert isinstance(table.data, pd.DataFrame)
    assert table.rows_in == len(table.data) + len(table.dropped)
    return table


@FUZZ
@given(raw=st.binary(max_size=3000), source=st.sampled_from(sorted(config.sources())),
       suffix=st.sampled_from(TABLE_SUFFIXES))
def test_random_bytes(raw, source, suffix):
    outcome(raw, source, suffix)


@FUZZ
@given(kind=st.sampled_from(sorted(VALID)), cut=st.floats(0, 1), data=st.data())
def test_truncated_and_flipped_valid_files(kind, cut, data):
    source, raw = VALID[kind]
    suffix = {"csv;": ".csv", "html": ".xls"}.get(kind, "." + kind)
    outcome(raw[: int(len(raw) * cut)], source, suffix)
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)),
                               max_size=6))
    flipped = bytearray(raw)
    for pos, byte in flips:
        flipped[pos] = byte
    outcome(bytes(flipped), source, suffix)


_FOREIGN = st.sampled_from([b"\xe9", b"\x93", b"\x94", b"\x96", b"\xa0", b"\xff", b"\x81",
                            b"\xc3", b"\x00", b'"', b"\r", "é".encode(), "✓".encode()])
_BOM = st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])
#: The planted fixture of each source (tests/fixtures/bad/README.md).
_TEXT_FILES = {"dtsen": "dtsen_2025-01.csv", "susenas": "susenas_2024-03.csv",
               "pendataan_rt": "pendataan_loktuan_2025-01.csv", "program": "program_2025-02.csv",
               "eppgbm_bulanan": "laporan_bulanan_2025.csv",
               "verifikasi": "verifikasi_64_74_01_1006.csv"}


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from(sorted(_TEXT_FILES)), bom=_BOM, data=st.data())
def test_mixed_encodings_are_cleaned_or_refused(source, bom, data):
    """Bytes of another encoding inside a UTF-8 CSV, after a BOM: cleaned (rows in = kept +
    rejected) or refused with a message, end to end through clean_source."""
    path0 = BAD / source / _TEXT_FILES[source]
    raw = bytearray(path0.read_bytes())
    inserts = data.draw(st.lists(st.tuples(st.integers(0, len(raw)), _FOREIGN), max_size=8))
    for pos, b in sorted(inserts, reverse=True):
        raw[pos:pos] = b
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / source / path0.name
        path.parent.mkdir()
        path.write_bytes(bom + bytes(raw))
        try:
            res = clean_source(source, [path], today=TODAY, key=b"fuzz-key")
        except RakorInputError as exc:
            assert str(exc)
            return
    it = res["intake"].iloc[0]
    assert it["rows_in"] == it["rows_kept"] + it["rows_rejected"]


@pytest.mark.parametrize("kind", sorted(VALID))
def test_the_valid_files_are_read(kind):
    """The seeds themselves are tables (so the fuzzing starts from readable files)."""
    source, raw = VALID[kind]
    suffix = {"csv;": ".csv", "html": ".xls"}.get(kind, "." + kind)
    assert outcome(raw, source, suffix) is not None

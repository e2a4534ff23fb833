"""NIK / No. KK checks and keyed pseudonyms (analysis.intake.identifiers)."""

from __future__ import annotations

import datetime as dt
import hmac
import os
import stat

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.intake import identifiers
from analysis.intake.identifiers import pseudonymise, validate_kk, validate_nik


def s(*values):
    return pd.Series(list(values), dtype="str")


def make_nik(prov, kab, kec, d: dt.date, female: bool, serial: int) -> str:
    """A NIK written from its definition (DOMAIN.md §3), independently of the code under test."""
    day = d.day + 40 if female else d.day
    return f"{prov:02d}{kab:02d}{kec:02d}{day:02d}{d.month:02d}{d.year % 100:02d}{serial:04d}"


def test_nik_cases():
    niks = s(
        "6474015205230001",  # woman born 12/05/2023: valid
        "6474011205230001",  # same, written as a man's -> sex mismatch for sex=2
        "647401520523000",  # 15 digits
        "6474015205230000",  # serial 0000
        "0974015205230001",  # province 09
        "6474013205230001",  # day 32
        None,
        "6.47401E+15",  # Excel scientific notation: digits lost
        "6474-0152-0523-0001",  # separators are removed
        "6474017002230001",  # 30 Feb (woman): not a date
    )
    out = validate_nik(niks, sex=pd.Series([2, 2, 1, 1, 1, 1, 1, 1, 2, 2]))
    assert out["nik_valid"].tolist() == [True, False, False, False, False, False, False, False,
                                         True, False]
    assert out["nik_reason"].tolist()[1:8] == [
        "sex_mismatch", "not_16_digits", "serial_0000", "region", "birth_date", "missing",
        "scientific_notation"]
    assert out["nik_reason"].iloc[9] == "birth_date"


def test_nik_birth_date_check():
    out = validate_nik(s("6474015205230001", "6474015205230001"),
                       birth_date=pd.Series(pd.to_datetime(["2023-05-12", "2023-05-13"])))
    assert out["nik_reason"].tolist()[1] == "birth_date_mismatch" and out["nik_valid"].iloc[0]


def test_leap_day_without_century():
    # 29/02/00 is a date in 2000 (leap); 29/02/01 is not.
    out = validate_nik(s("6474012902000001", "6474012902010001"))
    assert out["nik_valid"].tolist() == [True, False]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(11, 99), st.integers(1, 99), st.integers(1, 99),
                          st.dates(dt.date(1930, 1, 1), dt.date(2029, 12, 31)), st.booleans(),
                          st.integers(1, 9999)), min_size=1, max_size=40))
def test_nik_hypothesis(parts):
    niks = s(*[make_nik(*p) for p in parts])
    sex = pd.Series([2 if p[4] else 1 for p in parts])
    assert validate_nik(niks, sex=sex)["nik_valid"].all()
    wrong = validate_nik(niks, sex=3 - sex)
    assert (wrong["nik_reason"] == "sex_mismatch").all()
    zero = validate_nik(niks.str.slice(0, 12) + "0000")
    assert (zero["nik_reason"] == "serial_0000").all()
    short = validate_nik(niks.str.slice(0, 15))
    assert (short["nik_reason"] == "not_16_digits").all()


def test_kk():
    out = validate_kk(s("6474011503200001", "6474015503200001", "6474011503200000", "12"))
    assert out["kk_valid"].tolist() == [True, False, False, False]
    # A family card has no +40 day: 55/03/20 is not an issue date.
    assert out["kk_reason"].tolist()[1:] == ["issue_date", "serial_0000", "not_16_digits"]


def test_pseudonymise_is_hmac_sha256():
    key = b"a test key"
    got = pseudonymise(s("6474015205230001", None, " 6474015205230001 "), "nik", key=key)
    expected = hmac.new(key, b"nik:6474015205230001", "sha256").hexdigest()[:16]
    assert got.iloc[0] == expected and got.iloc[2] == expected and pd.isna(got.iloc[1])
    names = pseudonymise(s("Siti  Aminah", "SITI AMINAH", "siti aminah."), "name", key=key)
    assert names.nunique() == 1
    assert names.iloc[0] == hmac.new(key, b"name:SITI AMINAH", "sha256").hexdigest()[:16]
    # The kind separates a NIK from a KK with the same digits; another key gives other values.
    assert pseudonymise(s("6474015205230001"), "kk", key=key).iloc[0] != expected
    assert pseudonymise(s("6474015205230001"), "nik", key=b"other").iloc[0] != expected
    with pytest.raises(ValueError):
        pseudonymise(s("x"), "unknown", key=key)


def test_key_from_env_then_file(tmp_path, monkeypatch, capsys):
    keyfile = tmp_path / ".rakor" / "pseudonym.key"
    monkeypatch.setattr(identifiers, "_key_file", lambda: keyfile)
    monkeypatch.setenv(identifiers.KEY_ENV, "from-env")
    assert identifiers.pseudonym_key() == b"from-env"
    assert not keyfile.exists()
    monkeypatch.delenv(identifiers.KEY_ENV)
    k1 = identifiers.pseudonym_key()
    err = capsys.readouterr().err
    assert str(keyfile) in err and "keep" in err.lower()
    assert keyfile.is_file() and stat.S_IMODE(os.stat(keyfile).st_mode) == 0o600
    k2 = identifiers.pseudonym_key()
    assert k1 == k2 and len(k1) == 64 and capsys.readouterr().err == ""

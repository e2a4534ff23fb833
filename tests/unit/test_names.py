"""Tests of analysis.intake.names, the one name normaliser.

Expected values are written out by hand from the rules of the module docstring (case, which
characters separate, what a run of separators becomes, the area prefix).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.intake.identifiers import pseudonymise
from analysis.intake.names import normalise_name


@pytest.mark.parametrize(("value", "expected"), [
    ("  siti-aminah  binti h. ahmad ", "SITI AMINAH BINTI H AHMAD"),
    ("Siti\tAminah", "SITI AMINAH"),
    ("M. Rizki|2020-01-01|1", "M RIZKI|2020 01 01|1"),   # | kept for composite keys
    ("Ma'ruf", "MA RUF"),
    ("José", "JOS"),                                      # non-ASCII letters separate (stable keys)
    ("-", None),
    ("", None),
])
def test_person(value, expected):
    assert normalise_name(value) == expected
    assert normalise_name(value, "person") == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("Kel. Api-Api", "api api"),
    ("KECAMATAN Bontang Utara ", "bontang utara"),
    ("Desa  Lok_Tuan", "lok tuan"),
    ("Tj. Laut", "tj laut"),
    ("ds.Satimpo", "satimpo"),
    ("Kelapa", "kelapa"),             # "kel" is a prefix only as a whole word
    ("Api (Lama)", "api (lama)"),     # other characters of a name are kept
    ("Kelurahan", None),
    ("  ", None),
])
def test_area(value, expected):
    assert normalise_name(value, "area") == expected


def test_label_and_join():
    assert normalise_name("Sudah  Diverifikasi.", "label") == "sudah diverifikasi"
    assert normalise_name("-", "label") is None
    assert normalise_name("-", "label", blank_as_missing=False) == ""
    assert normalise_name("Tengok-Tetangga", "label", join="") == "tengoktetangga"
    assert normalise_name("Tanjung Laut Indah", "label", join="_") == "tanjung_laut_indah"
    assert normalise_name(" Api-api ", "label", join="_") == "api_api"


def test_series_keeps_index_and_missing_values():
    s = pd.Series(["Siti  Aminah", None, np.nan, "--", "SITI aminah"], index=[10, 11, 12, 13, 14], dtype=object)
    out = normalise_name(s)
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert out[10] == out[14] == "SITI AMINAH"
    assert out[[11, 12, 13]].isna().all()
    # one value and a Series give the same answer
    assert [normalise_name(v) for v in s] == [v if isinstance(v, str) else None for v in out]


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="kind"):
        normalise_name("x", "street")


def test_pseudonyms_ignore_what_the_normaliser_ignores():
    key = b"k" * 32
    names = pd.Series(["Siti  Aminah", "SITI-AMINAH ", "siti aminah", "Siti Aminah B"])
    p = pseudonymise(names, "name", key=key)
    assert p[0] == p[1] == p[2] != p[3]


def test_text_kind_folds_case_and_collapses_any_whitespace_only():
    # casefold: "ß" -> "ss"; no-break space, ideographic space and line separator are whitespace;
    # punctuation is kept (the scan looks for a value inside running text)
    assert normalise_name("  Straße\u00a0Api-Api\u3000\u2028SITI  ", "text") == "strasse api-api siti"
    assert normalise_name("\u00a0 ", "text") is None

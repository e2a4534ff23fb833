"""The one name normaliser: person names, area names and coded labels in a comparable form.

Names arrive as clerks type them: "Siti  Aminah", "SITI AMINAH ", "Kel. Api-Api", "API API",
"Tj. Laut". Before two names are compared, hashed or looked up they go through
:func:`normalise_name`, whose ``kind`` says which differences do not count:

=========  =====  ==============================================================  ================
kind       case   separators (a run of them becomes ``join``)                     also
=========  =====  ==============================================================  ================
person     upper  every character but an ASCII letter, a digit or ``|``           --
area       lower  whitespace and ``- _ . / , '`` (other characters are kept)      "Kel."/"Kec."
                                                                                  prefix dropped
label      lower  every character but an ASCII letter or a digit                  --
text       fold   whitespace only (Unicode, as Python's ``str.isspace``)          --
=========  =====  ==============================================================  ================

The kinds differ on purpose, and each rule is what its callers already relied on, so keys and
figures do not move:

- ``person`` feeds the keyed pseudonyms (:func:`analysis.intake.identifiers.pseudonymise`) and
  the fuzzy name comparison of :mod:`analysis.linkage.reconcile`. ``|`` survives because
  composite keys (``"NAME|birth date|sex|kelurahan"``) are built with it. Letters outside ASCII
  (accents) are separators too, as they always were: a stored pseudonym stays the same.
- ``area`` feeds the gazetteer (:mod:`analysis.intake.gazetteer`). It keeps the characters a
  Kemendagri name may hold and drops the area prefix a clerk adds.
- ``label`` is for coded answers, headers and programme names ("Terlentang", "Sudah
  Diverifikasi", "Tengok Tetangga"); ``join=""`` gives a key without spaces
  ("tengoktetangga"), ``join="_"`` a file-name slug ("api_api").
- ``text`` (case-folded, only whitespace collapsed) is the form in which the personal-data scan
  compares identity values with the text of a document (``briefs/pii_scan.py``: unescape the
  HTML first).

Text goes through the pandas string methods of the ``"str"`` dtype (Arrow, RE2 regular
expressions) for a Series and for a single value alike, so both give the same answer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

import pandas as pd

__all__ = ["KINDS", "PLACE_WORDS", "normalise_name", "spelled_out"]

#: Case and separators of each kind (RE2 patterns: ``\s`` is ASCII whitespace).
KINDS = {
    "person": ("upper", r"[^0-9A-Z|]+"),
    "area": ("lower", r"[\s\-_./,']+"),
    "label": ("lower", r"[^a-z0-9]+"),
    "text": ("casefold", r"[\s\v\x{1c}-\x{1f}\x{85}\pZ]+"),
}

#: Words of Indonesian place names as clerks shorten them ("Tj. Laut", "Gn Putih", "Sei Raja", "P.
#: Nibung"), and Roman numerals as digits ("Mara 1" for "Mara I"): a word of an *area*-normalised
#: name on the left reads as the word on the right (:func:`spelled_out`). Only shortenings with one
#: reading are here ("Pd" is Padang or Pondok, so it is not); a region's own spellings go in its
#: ``wilayah_aliases.yml``.
PLACE_WORDS = {
    **dict.fromkeys(("tj", "tg", "tjg"), "tanjung"), **dict.fromkeys(("gn", "gng"), "gunung"),
    **dict.fromkeys(("sei", "sg", "sgi", "sng"), "sungai"), **dict.fromkeys(("p", "pl"), "pulau"),
    **dict.fromkeys(("kp", "kpg", "kmp"), "kampung"), **dict.fromkeys(("ps", "psr"), "pasar"),
    **dict.fromkeys(("lb", "lbk"), "lubuk"), **dict.fromkeys(("tl", "tlk"), "teluk"),
    **dict.fromkeys(("sp", "spg", "smp"), "simpang"), "bkt": "bukit", "krg": "karang", "bt": "batu",
    "btg": "batang", "kl": "kuala", "pdk": "pondok", "sbr": "sumber",
    **{r: str(i) for i, r in enumerate(("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"), 1)},
}


def spelled_out(name: str | None) -> str | None:
    """An area-normalised name with its shortened words written out (:data:`PLACE_WORDS`).

    >>> spelled_out(normalise_name("Tj. Palas Hulu", "area"))
    'tanjung palas hulu'
    >>> spelled_out("mara i")
    'mara 1'
    """
    if not isinstance(name, str):
        return None
    return " ".join(PLACE_WORDS.get(w, w) for w in name.split(" "))


# A compiled pattern makes pandas use Python's re (the word boundary and the optional dot).
_AREA_PREFIX = re.compile(r"^(?:kelurahan|kel|desa|ds|kecamatan|kec)\b\.?\s*")


def normalise_name(values: pd.Series | str | None, kind: Literal["person", "area", "label", "text"] = "person", *,
                   join: str = " ", blank_as_missing: bool = True) -> pd.Series | str | None:
    """Names (or coded labels) in the form in which they are compared, hashed or looked up.

    Parameters
    ----------
    values
        A Series of text (any dtype; values are read as text) or one value.
    kind
        ``"person"``, ``"area"``, ``"label"`` or ``"text"``: case and separators, see the
        module docstring and :data:`KINDS`.
    join
        What a run of separators becomes: ``" "`` (default), ``""`` (a key without spaces) or
        ``"_"`` (a slug). Separators at either end are removed.
    blank_as_missing
        A value that normalises to ``""`` becomes missing (default). ``False`` keeps ``""``,
        so that a caller can tell a value made of punctuation only ("-") from a missing one.

    Returns
    -------
    pandas.Series or str or None
        For a Series: a ``"str"`` Series with the same index, missing where the value is
        missing. For one value: the normalised string, or ``None``.

    Raises
    ------
    ValueError
        ``kind`` is not one of :data:`KINDS`.

    Examples
    --------
    >>> normalise_name("  Siti-Aminah  binti H. Ahmad ")
    'SITI AMINAH BINTI H AHMAD'
    >>> normalise_name("Kel. Api-Api", "area")
    'api api'
    >>> normalise_name("Tengok Tetangga", "label", join="")
    'tengoktetangga'
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}; got {kind!r}")
    if not isinstance(values, pd.Series):
        if values is None or isinstance(values, str | int | float):
            return _normalise_one(values, kind, join, blank_as_missing)
        return _normalise_one.__wrapped__(values, kind, join, blank_as_missing)
    case, separators = KINDS[kind]
    text = values.astype("str")
    text = getattr(text.str, case)()
    text = text.str.replace(separators, join, regex=True)
    text = text.str.strip(join) if join.strip() else text.str.strip()
    if kind == "area":
        text = text.str.replace(_AREA_PREFIX, "", regex=True).str.strip()
    return text.where(text != "", None) if blank_as_missing else text


@lru_cache(maxsize=65536, typed=True)
def _normalise_one(value, kind: str, join: str, blank_as_missing: bool) -> str | None:
    """One value through the Series path (the same rules), kept: a Series of one costs ~1 ms, and
    the same names (a region's kab/kota, kecamatan, desa) are asked for again and again."""
    one = normalise_name(pd.Series([value], dtype="str"), kind, join=join,
                         blank_as_missing=blank_as_missing).iloc[0]
    return one if isinstance(one, str) else None

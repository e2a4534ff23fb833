"""NIK and No. KK checks, and keyed pseudonymisation of identifiers and names.

A NIK (16 digits) is ``PP KK CC`` (province, kabupaten/kota, kecamatan of first registration) +
``DDMMYY`` birth date (day + 40 for women) + a 4-digit serial from 0001. A No. KK is a 6-digit
region + ``DDMMYY`` date of issue + a 4-digit serial. Invalid and legacy numbers exist in real
lists: they are flagged with a reason, never dropped silently (DOMAIN.md §3).

Processed tables carry :func:`pseudonymise` keys (HMAC-SHA256, 16 hex characters) instead of
NIK, No. KK and names. The key is secret: ``$RAKOR_PSEUDONYM_KEY``, or the file
``.rakor/pseudonym.key`` in the project root, created on first use. The same key gives the same
pseudonyms in every run and every source, which is what lets lists be linked.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.intake.names import normalise_name

__all__ = [
    "validate_nik",
    "validate_kk",
    "normalise_identifier",
    "pseudonymise",
    "pseudonym_key",
    "key_fingerprint",
    "key_source",
    "KEY_ENV",
    "KINDS",
]

KEY_ENV = "RAKOR_PSEUDONYM_KEY"
#: Kinds of value that can be pseudonymised; the kind is part of the hashed message, so a NIK
#: and a name never share a key, while a NIK gives the same key in every source.
KINDS = ("nik", "kk", "name", "child", "household")
#: Reasons of :func:`validate_nik` under which a NIK is still a usable (unique) key; other
#: invalid NIKs (blank, wrong length, letters, region 00 such as "0000000000000000") are not.
KEY_USABLE_REASONS = ("sex_mismatch", "birth_date_mismatch", "birth_date", "serial_0000")


def normalise_identifier(s: pd.Series) -> pd.Series:
    """Strip spaces, dots, dashes and a leading apostrophe (Excel text marker) from NIK/KK strings.

    A value written by a workbook as ``64740145022000NN.0`` (a 16-digit number cell) loses its ``.0``.
    """
    t = s.astype("str")
    clean = t.str.fullmatch(r"\d{16}").fillna(True).astype(bool)
    if not clean.all():  # most values are already 16 digits: only touch the others
        o = t[~clean].str.strip().str.lstrip("'`")
        o = o.str.replace(r"\.0$", "", regex=True).str.replace(r"[\s.\-]", "", regex=True)
        t = t.copy()
        t[~clean] = o.where(o != "", None)
    return t


def _structure(t: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(is 16 digits, reason for the ones that are not)."""
    present = t.notna()
    digits = t.str.fullmatch(r"\d+").fillna(False).astype(bool)
    n16 = (t.str.len() == 16).fillna(False).astype(bool)
    reason = pd.Series(None, index=t.index, dtype="str")
    reason[~present] = "missing"
    reason[present & ~digits & t.str.contains(r"[eE]\+", regex=True).fillna(False).astype(bool)] = (
        "scientific_notation")
    reason[present & ~digits & reason.isna()] = "not_digits"
    reason[present & digits & ~n16] = "not_16_digits"
    return present & digits & n16, reason


def _date_ok(day: np.ndarray, month: np.ndarray, yy: np.ndarray) -> np.ndarray:
    """Whether day/month/yy is a calendar date (20yy; same leap years as 19yy except 00)."""
    ok = (month >= 1) & (month <= 12) & (day >= 1)
    year = 2000 + yy
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    mdays = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    last = np.where(ok, mdays[np.clip(month, 1, 12) - 1], 0) + ((month == 2) & leap)
    return ok & (day <= last)


def _slices(t: pd.Series, ok: pd.Series) -> dict[str, np.ndarray]:
    okv = np.asarray(ok, dtype=bool)
    n = np.zeros((len(t), 16), dtype=np.int64)
    if okv.any():
        buf = "".join(t.to_numpy(dtype=object)[okv]).encode("ascii")  # 16 ASCII digits each
        n[okv] = np.frombuffer(buf, dtype=np.uint8).reshape(-1, 16) - ord("0")

    def num(a: int, b: int) -> np.ndarray:
        out = np.zeros(len(n), dtype=np.int64)
        for i in range(a, b):
            out = out * 10 + n[:, i]
        return out

    return {"prov": num(0, 2), "kab": num(2, 4), "kec": num(4, 6), "dd": num(6, 8),
            "mm": num(8, 10), "yy": num(10, 12), "serial": num(12, 16)}


def _decode(s: pd.Series) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Per row: (is 16 digits, reason if not, digit groups), computed once per distinct value."""
    t = normalise_identifier(s)
    codes, uniques = pd.factorize(t, use_na_sentinel=True)
    u = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    ok_u, reason_u = _structure(u)
    parts_u = _slices(u, ok_u)
    has = codes >= 0
    take = np.where(has, codes, 0)
    if len(u) == 0:
        zeros = np.zeros(len(s), dtype=np.int64)
        return (np.zeros(len(s), bool), np.full(len(s), "missing", dtype=object),
                {k: zeros for k in parts_u})
    ok = ok_u.to_numpy()[take] & has
    reason = np.where(has, reason_u.to_numpy(dtype=object)[take], "missing")
    return ok, reason, {k: v[take] for k, v in parts_u.items()}


def validate_nik(nik: pd.Series, sex: pd.Series | None = None,
                 birth_date: pd.Series | None = None) -> pd.DataFrame:
    """Check NIKs; return whether each is valid and, if not, why.

    Parameters
    ----------
    nik
        NIK strings (cleaned with :func:`normalise_identifier` first).
    sex
        Optional 1 (male) / 2 (female) per row: checks the +40 day of women.
    birth_date
        Optional birth dates per row: checks the NIK's DDMMYY against them.

    Returns
    -------
    DataFrame with ``nik_valid`` (bool) and ``nik_reason`` (str, missing when valid): the first
    failing check of ``missing``, ``scientific_notation``, ``not_digits``, ``not_16_digits``,
    ``region`` (province outside 11–99, or kabupaten/kecamatan 00), ``birth_date`` (day not
    1–31 or 41–71 or not a calendar date), ``serial_0000``, ``sex_mismatch``,
    ``birth_date_mismatch``.

    Notes
    -----
    The year has no century, so a 29 February is accepted when 20yy is a leap year (which is
    also when 19yy is, except yy = 00). The region is that of first registration, not domicile,
    so only its plausibility is checked.
    """
    okv, r, p = _decode(nik)
    day = np.where(p["dd"] > 40, p["dd"] - 40, p["dd"])
    region_bad = okv & ((p["prov"] < 11) | (p["kab"] == 0) | (p["kec"] == 0))
    date_bad = okv & ~region_bad & (
        ((p["dd"] > 31) & (p["dd"] < 41)) | (p["dd"] > 71) | ~_date_ok(day, p["mm"], p["yy"]))
    serial_bad = okv & ~region_bad & ~date_bad & (p["serial"] == 0)
    r[region_bad] = "region"
    r[date_bad] = "birth_date"
    r[serial_bad] = "serial_0000"
    good = okv & ~region_bad & ~date_bad & ~serial_bad
    if sex is not None:
        sx = pd.to_numeric(sex, errors="coerce").to_numpy(dtype=float)
        female = p["dd"] > 40
        mism = good & (((sx == 1) & female) | ((sx == 2) & ~female))
        r[mism] = "sex_mismatch"
        good &= ~mism
    if birth_date is not None:
        bd = pd.to_datetime(birth_date, errors="coerce")
        has = bd.notna().to_numpy()
        bday = bd.dt.day.fillna(0).to_numpy(dtype=np.int64)
        bmon = bd.dt.month.fillna(0).to_numpy(dtype=np.int64)
        byy = (bd.dt.year.fillna(0).to_numpy(dtype=np.int64)) % 100
        mism = good & has & ((bday != day) | (bmon != p["mm"]) | (byy != p["yy"]))
        r[mism] = "birth_date_mismatch"
        good &= ~mism
    return pd.DataFrame({"nik_valid": good, "nik_reason": pd.Series(r, index=nik.index, dtype="str")},
                        index=nik.index)


def validate_kk(kk: pd.Series) -> pd.DataFrame:
    """Check No. KK (family card numbers); return ``kk_valid`` and ``kk_reason``.

    Checks: ``missing``, ``scientific_notation``, ``not_digits``, ``not_16_digits``, ``region``
    (province outside 11–99 or kabupaten/kecamatan 00), ``issue_date`` (DDMMYY not a calendar
    date; no +40 on a family card), ``serial_0000``.
    """
    okv, r, p = _decode(kk)
    region_bad = okv & ((p["prov"] < 11) | (p["kab"] == 0) | (p["kec"] == 0))
    date_bad = okv & ~region_bad & ~_date_ok(p["dd"], p["mm"], p["yy"])
    serial_bad = okv & ~region_bad & ~date_bad & (p["serial"] == 0)
    r[region_bad] = "region"
    r[date_bad] = "issue_date"
    r[serial_bad] = "serial_0000"
    good = okv & ~region_bad & ~date_bad & ~serial_bad
    return pd.DataFrame({"kk_valid": good, "kk_reason": pd.Series(r, index=kk.index, dtype="str")},
                        index=kk.index)


# --------------------------------------------------------------------------------------------
# Pseudonymisation
# --------------------------------------------------------------------------------------------


def _key_file() -> Path:
    from analysis.config import ROOT

    return ROOT / ".rakor" / "pseudonym.key"


def pseudonym_key(create: bool = True) -> bytes | None:
    """The secret key: ``$RAKOR_PSEUDONYM_KEY``, else ``.rakor/pseudonym.key`` (created on first use).

    The key file is created with 32 random bytes (hex) and permissions 600, and a message on
    stderr says where it is. Keep it safe and outside git (``.gitignore`` has ``.rakor/``): the
    same key is needed to link data across runs; a lost key means new pseudonyms.

    Parameters
    ----------
    create
        Create the key file when there is no key; with ``False`` return ``None`` instead (the
        pipeline asks first, so that a lost key is never silently replaced where earlier
        periods were pseudonymised with it).

    Returns
    -------
    bytes or None
        The key, or ``None`` when there is none and ``create`` is false.
    """
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8")
    path = _key_file()
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key.encode("utf-8")
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    print(
        f"rakor: created a new pseudonymisation key in {path}. Keep this file safe and out of "
        f"git (or set {KEY_ENV}); the same key is needed to link data across runs.",
        file=sys.stderr,
    )
    return key.encode("utf-8")


def key_source() -> str:
    """Where :func:`pseudonym_key` takes the key from, in words (for messages; never the key)."""
    return f"${KEY_ENV}" if os.environ.get(KEY_ENV) else str(_key_file())


def key_fingerprint(key: bytes | None = None) -> str:
    """Which key pseudonymised a table: HMAC-SHA256 of a constant under the key (hex).

    Parameters
    ----------
    key
        The secret (default :func:`pseudonym_key`, created if missing).

    Returns
    -------
    str
        64 hex characters. It identifies the key and reveals nothing about it or about any
        pseudonym: the constant is not an identifier.
    """
    key = key if key is not None else pseudonym_key()
    return hmac.new(key, b"rakor key id", "sha256").hexdigest()


def _normalise_for(kind: str, s: pd.Series) -> pd.Series:
    if kind in ("nik", "kk"):
        return normalise_identifier(s)
    return normalise_name(s, "person")


def pseudonymise(series: pd.Series, kind: str, *, key: bytes | None = None) -> pd.Series:
    """Keyed pseudonyms: HMAC-SHA256 of ``"<kind>:<normalised value>"``, first 16 hex characters.

    Parameters
    ----------
    series
        Values (NIK, No. KK, names, or a composite string for ``kind="child"``).
    kind
        One of :data:`KINDS` (``child`` and ``household`` are composite fallbacks such as
        ``"NAME|birth date|sex|kelurahan"`` when a NIK or No. KK is missing). NIK and KK values are normalised as in
        :func:`normalise_identifier`; names are upper-cased with punctuation and repeated spaces
        removed, so "Siti  Aminah" and "SITI AMINAH" give the same key.
    key
        The secret (default :func:`pseudonym_key`).

    Returns
    -------
    Series of str (missing where the value is missing), same index.

    Notes
    -----
    Hashing runs once per distinct value. HMAC has no vectorised form, so the distinct values go
    through a list comprehension using precomputed inner/outer SHA-256 states (RFC 2104),
    which is about twice as fast as calling :func:`hmac.new` per value.

    References
    ----------
    Krawczyk, Bellare, Canetti (1997). HMAC: Keyed-Hashing for Message Authentication. RFC 2104.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    key = key if key is not None else pseudonym_key()
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    prefix = f"{kind}:".encode()
    inner.update(prefix)

    def one(v: str) -> str:
        i = inner.copy()
        i.update(v.encode("utf-8"))
        o = outer.copy()
        o.update(i.digest())
        return o.hexdigest()[:16]

    from analysis.intake.read import take_str

    # Distinct raw values first (cheap), then normalise and hash only those.
    codes, uniques = pd.factorize(series.astype("str"), use_na_sentinel=True)
    norm = _normalise_for(kind, pd.Series(np.asarray(uniques, dtype=object), dtype="str"))
    hashed = [one(v) if isinstance(v, str) else None for v in norm.astype(object)]
    return take_str(hashed, codes, series.index)

"""BPS area codes -> Kemendagri codes for one kab/kota, by matching names within the region.

Susenas microdata carries BPS codes (``r101`` province, ``r102`` kab/kota, ``r103`` kecamatan,
``r104`` desa), and BPS numbers areas in its own order: Bontang Selatan is BPS ``6474010`` but
Kemendagri ``64.74.02``; even a kab/kota code can differ (BPS ``1273`` is Pematangsiantar,
Kemendagri ``12.73`` Kota Sibolga). The crosswalk of a region is built from the BPS Master File
Desa 2020 (``analysis/data/bps_mfd2020_wilayah.csv.gz``, afiiif/kode-wilayah, MIT) and the
Kemendagri gazetteer (:func:`analysis.intake.gazetteer.region_table`):

1. the kab/kota: the BPS kab/kota of the same kind (BPS, like Kemendagri, numbers kota from 71)
   whose name equals the Kemendagri name without its "Kabupaten"/"Kota" word, in the same
   province first, else anywhere (provinces split since 2020); four named otherwise by BPS are
   in :data:`BPS_NAMED_OTHERWISE`;
2. its kecamatan, matched by name to the region's kecamatan with the gazetteer's matcher
   (:meth:`analysis.intake.gazetteer.Gazetteer.match`: normalised names, then fuzzy, never a guess);
3. its desa, matched by name within their kecamatan (a desa moved to a new kecamatan since 2020 is
   matched within the region when its name is unique there).

A BPS area whose name finds no Kemendagri match stays in the table with an empty
``kode_kemendagri``: it is an error only when a survey file uses that code
(:func:`unmatched_name` names it). Kota Bontang keeps its checked file
(``analysis/data/bontang_bps_kemendagri.csv``); the matcher reproduces it (tested). Each region's
table is built once per process (cached).
"""

from __future__ import annotations

import gzip
import io
from functools import cache

import pandas as pd

from analysis import config
from analysis.errors import RakorInputError
from analysis.intake.gazetteer import BPS_CSV, kind_of, region_gazetteer, region_table
from analysis.intake.names import normalise_name

__all__ = ["PACKAGED", "build_crosswalk", "crosswalk", "crosswalk_table", "unmatched_name"]

#: Checked crosswalks that ship with the package (region code -> file).
PACKAGED = {"64.74": config.PACKAGE_DATA / "bontang_bps_kemendagri.csv"}
SOURCE = ("BPS MFD 2020 (afiiif/kode-wilayah, MIT) matched by name to Kemendagri "
          "(cahyadsn/wilayah, MIT) within the kab/kota by analysis.intake.bps_crosswalk")
COLUMNS = ["kode_bps", "nama_bps", "kode_kemendagri", "nama_kemendagri", "source"]
_REGION_WORDS = ("kabupaten administrasi", "kota administrasi", "kabupaten", "kota")
#: The four of the 514 kab/kota whose BPS MFD 2020 name is not their Kemendagri name, checked by
#: hand (and by their kecamatan, which match by name: tested): Kemendagri code -> BPS code.
BPS_NAMED_OTHERWISE = {
    "12.12": "1206",  # Kabupaten Toba: BPS "Toba Samosir", its name until 2020
    "12.77": "1277",  # Kota Padangsidimpuan: BPS "Padang Sidempuan"
    "64.11": "6411",  # Kabupaten Mahakam Ulu: BPS "Mahakam Hulu"
    "71.09": "7108",  # Kabupaten Kep. Siau Tagulandang Biaro: BPS "Siau Tagulandang Biaro"
}


@cache
def _bps_table() -> pd.DataFrame:
    """Province and kab/kota rows of the BPS MFD (a few hundred of its 91,760 rows)."""
    with gzip.open(BPS_CSV, "rt", encoding="utf-8") as fh:
        header = fh.readline()
        lines = [line for line in fh if len(line.split(",", 1)[0]) <= 4]
    return pd.read_csv(io.StringIO(header + "".join(lines)), dtype=str, keep_default_na=False)


def _bps_rows(prefix: str) -> pd.DataFrame:
    """The BPS MFD rows whose code starts with ``prefix`` (a kab/kota's kecamatan and desa)."""
    with gzip.open(BPS_CSV, "rt", encoding="utf-8") as fh:
        header = fh.readline()
        lines = [line for line in fh if line.startswith(prefix)]
    t = pd.read_csv(io.StringIO(header + "".join(lines)), dtype=str, keep_default_na=False)
    return t.assign(kode_bps=t["kode_bps"].str.strip(), nama=t["nama"].str.strip())


def _bare(name: str) -> str:
    """A kab/kota name without its kind word ("Kabupaten Kutai Timur" -> "kutai timur")."""
    n = normalise_name(name, "area") or ""
    for word in _REGION_WORDS:
        if n.startswith(word + " "):
            return n[len(word) + 1:]
    return n


def _bps_region(code: str, name: str) -> str:
    """The BPS kab/kota code (4 digits) of the Kemendagri kab/kota ``code`` named ``name``."""
    if code in BPS_NAMED_OTHERWISE:
        return BPS_NAMED_OTHERWISE[code]
    bps = _bps_table()
    kab = bps[bps["kode_bps"].str.len() == 4]
    kota = kind_of(code) == "kota"
    kab = kab[(kab["kode_bps"].str[2:].astype(int) >= 71) == kota]
    # Written together or apart counts the same ("Banjar Baru" in BPS, "Banjarbaru" in Kemendagri).
    same = kab["nama"].map(_bare).str.replace(" ", "") == _bare(name).replace(" ", "")
    for candidates in (kab[same & kab["kode_bps"].str.startswith(code[:2])], kab[same]):
        if len(candidates) == 1:
            return str(candidates["kode_bps"].iloc[0])
    raise RakorInputError(
        f"{name} ({code}) has no single BPS kab/kota of that name in {BPS_CSV.name} "
        f"({len(kab[same])} found); the BPS-Kemendagri crosswalk cannot be built for it")


def build_crosswalk(code: str) -> pd.DataFrame:
    """Match the BPS MFD 2020 areas of a kab/kota to its Kemendagri codes, by name.

    Parameters
    ----------
    code
        Kemendagri code of the kab/kota (``"62.08"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``kode_bps, nama_bps, kode_kemendagri, nama_kemendagri, source``: the kab/kota,
        each kecamatan, each desa (BPS order). ``kode_kemendagri`` and ``nama_kemendagri`` are
        missing where the BPS name has no match.

    Raises
    ------
    RakorInputError
        ``code`` is not a kab/kota, or BPS has no kab/kota of its name.
    """
    code = str(code).strip()
    if kind_of(code) not in ("kota", "kabupaten"):
        raise RakorInputError(f"the BPS crosswalk is per kab/kota; {code!r} is not a kab/kota code")
    table = region_table(code)
    names = dict(zip(table["kode"], table["nama"], strict=True))
    kab = _bps_region(code, names[code])
    bps = _bps_rows(kab)
    gaz = region_gazetteer(code)
    kec = bps[bps["kode_bps"].str.len() == 7].reset_index(drop=True)
    kec_code = gaz.match(kec["nama"], "kecamatan").code
    kec_map = dict(zip(kec["kode_bps"], kec_code, strict=True))
    desa = bps[bps["kode_bps"].str.len() == 10].reset_index(drop=True)
    parent = desa["kode_bps"].str[:7].map(kec_map).astype("str")
    within = gaz.match(desa["nama"], "kelurahan", kecamatan_code=parent)
    anywhere = gaz.match(desa["nama"], "kelurahan")
    moved = within.reason.eq("kelurahan_not_in_kecamatan") | parent.isna()
    desa_code = within.code.where(~moved, anywhere.code)
    out = pd.concat([
        pd.DataFrame({"kode_bps": [kab], "nama_bps": bps.loc[bps["kode_bps"] == kab, "nama"].tolist() or [""],
                      "kode_kemendagri": [code]}),
        pd.DataFrame({"kode_bps": kec["kode_bps"], "nama_bps": kec["nama"], "kode_kemendagri": kec_code}),
        pd.DataFrame({"kode_bps": desa["kode_bps"], "nama_bps": desa["nama"], "kode_kemendagri": desa_code}),
    ], ignore_index=True)
    out["kode_kemendagri"] = out["kode_kemendagri"].astype("str")
    out["nama_kemendagri"] = out["kode_kemendagri"].map(names).astype("str")
    out["source"] = SOURCE
    return out[COLUMNS]


@cache
def crosswalk_table(code: str) -> pd.DataFrame:
    """The region's crosswalk: the packaged checked file, else :func:`build_crosswalk` (cached).

    Parameters
    ----------
    code
        Kemendagri code of the kab/kota, or of a province (its kab/kota's crosswalks).

    Returns
    -------
    pandas.DataFrame
        As :func:`build_crosswalk`. Treat as read-only.
    """
    if kind_of(code) == "provinsi":  # a province: its kab/kota's crosswalks together
        kabkota = region_table(code).loc[lambda t: t["level"] == "kabkota", "kode"]
        return pd.concat([crosswalk_table(k) for k in kabkota], ignore_index=True)
    if code in PACKAGED:
        t = pd.read_csv(PACKAGED[code], dtype=str, keep_default_na=False)
        return t.assign(**{c: t[c].str.strip() for c in COLUMNS[:4]})
    return build_crosswalk(code)


def crosswalk(code: str | None = None) -> dict[str, str]:
    """BPS code -> Kemendagri code of the matched areas of a region.

    Parameters
    ----------
    code
        Kemendagri code of the kab/kota; default the configured region.

    Returns
    -------
    dict
        ``{"6474010": "64.74.02", ...}`` (unmatched BPS areas left out).
    """
    t = crosswalk_table(code or config.settings()["region"]["code"])
    t = t[t["kode_kemendagri"].fillna("") != ""]
    return dict(zip(t["kode_bps"], t["kode_kemendagri"], strict=True))


def unmatched_name(bps_code: str, code: str | None = None) -> str | None:
    """The BPS name of a code of the region that has no Kemendagri match (``None`` otherwise).

    Parameters
    ----------
    bps_code
        A BPS code (``"6208010001"``).
    code
        Kemendagri code of the kab/kota; default the configured region.

    Returns
    -------
    str or None
    """
    t = crosswalk_table(code or config.settings()["region"]["code"])
    hit = t[(t["kode_bps"] == bps_code) & (t["kode_kemendagri"].fillna("") == "")]
    return None if hit.empty else str(hit["nama_bps"].iloc[0])

"""The Kemendagri gazetteer of the configured region: area codes, names, aliases and fuzzy matching.

The national gazetteer (``analysis/data/kemendagri_wilayah.csv.gz``: every province, kab/kota,
kecamatan and desa/kelurahan, Kepmendagri 300.2.2-2138/2025 via cahyadsn/wilayah, MIT) ships with
the package; only the configured region's rows are read (:func:`region_table`, cached per region).
The level of an area follows from its code (:func:`level_of`, :func:`kind_of`): ``PP`` a province,
``PP.KK`` a kab/kota (``KK`` from 71 a kota), ``PP.KK.CC`` a kecamatan, ``PP.KK.CC.DDDD`` a
kelurahan when ``DDDD`` starts with 1, a desa when it starts with 2 (3: desa adat, a desa).

Names arrive spelled many ways ("Loktuan", "API-API ", "Tj. Laut"). A name is matched, in order:
exactly after normalisation (:func:`analysis.intake.names.normalise_name`, kind ``area``: case,
spaces, hyphens, dots, a "Kel."/"Kec." prefix), through the
local aliases of ``config/wilayah_aliases.yml``, with the shortened words of place names written
out on both sides (:data:`analysis.intake.names.PLACE_WORDS`: "Tj.", "Gn", "Sei", "P.", Roman
numerals as digits; every region), then by fuzzy matching (rapidfuzz) against the
official names. A fuzzy score below ``settings.yml: wilayah.fuzzy_threshold``, two official
names scoring about the same, or a name that is the start (or a part, by words) of other official
names than the one it would match ("Gunung" of Gunung Elai and Gunung Telihan, not "Guntung") is
a reject, never a guess. Matching runs once per distinct name.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from analysis import config
from analysis.errors import RakorInputError
from analysis.intake.names import normalise_name, spelled_out

__all__ = ["Gazetteer", "MatchResult", "area_words", "gazetteer", "kind_of", "level_of", "region_table"]

#: The national gazetteer (dotted Kemendagri codes, names), package data; see data/README.md.
NATIONAL_CSV = config.PACKAGE_DATA / "kemendagri_wilayah.csv.gz"
#: BPS Master File Desa 2020 codes and names (afiiif/kode-wilayah, MIT), package data.
BPS_CSV = config.PACKAGE_DATA / "bps_mfd2020_wilayah.csv.gz"

_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
#: Level (column ``level`` of :func:`region_table`) by number of code parts. The region's own
#: level and the village level keep the names the estimates use ("kota", "kelurahan") whatever the
#: area's kind; the kind (kabupaten/kota, desa/kelurahan) is in column ``jenis``.
_LEVELS = {1: "province", 2: "kota", 3: "kecamatan", 4: "kelurahan"}

#: Two official names within this many points of each other are too close to choose between.
AMBIGUITY_MARGIN = 3.0


def _norm(s: pd.Series) -> pd.Series:
    """Area names as compared here: :func:`analysis.intake.names.normalise_name`, kind ``area``."""
    return normalise_name(s, "area")


def _key(s: pd.Series) -> pd.Series:
    """The normalised name written together ("lok tuan" -> "loktuan"), for local spellings."""
    return _norm(s).str.replace(" ", "", regex=False)


def _spelled_key(name: str) -> str:
    """A normalised name with its shortened words written out, written together ("tj laut" -> "tanjunglaut")."""
    return spelled_out(name).replace(" ", "")


def _check_code(code: str) -> str:
    code = str(code).strip()
    if not _CODE.match(code):
        raise RakorInputError(f"{code!r} is not a Kemendagri area code (PP, PP.KK, PP.KK.CC or PP.KK.CC.DDDD)")
    return code


def level_of(code: str) -> str:
    """Level of a Kemendagri code from its number of parts.

    Parameters
    ----------
    code
        Dotted Kemendagri code (``"64"``, ``"64.74"``, ``"64.74.01"``, ``"64.74.01.1003"``).

    Returns
    -------
    str
        ``"province"``, ``"kabkota"``, ``"kecamatan"`` or ``"desa_kelurahan"``.

    Raises
    ------
    RakorInputError
        Not a dotted Kemendagri code.
    """
    n = _check_code(code).count(".") + 1
    return {1: "province", 2: "kabkota", 3: "kecamatan", 4: "desa_kelurahan"}[n]


def kind_of(code: str) -> str:
    """Kind of area a Kemendagri code names, as its word is chosen.

    Parameters
    ----------
    code
        Dotted Kemendagri code.

    Returns
    -------
    str
        ``"provinsi"``; ``"kota"`` (kab/kota part 71 or above) or ``"kabupaten"``; ``"kecamatan"``;
        ``"kelurahan"`` (fourth part starting with 1) or ``"desa"`` (2, and 3 for desa adat).

    Raises
    ------
    RakorInputError
        Not a dotted Kemendagri code.
    """
    parts = _check_code(code).split(".")
    if len(parts) == 1:
        return "provinsi"
    if len(parts) == 2:
        # Kemendagri numbers the kota of a province from 71 (all 98 kota of the 2025 list; no kabupaten).
        return "kota" if int(parts[1]) >= 71 else "kabupaten"
    if len(parts) == 3:
        return "kecamatan"
    return "kelurahan" if parts[3].startswith("1") else "desa"


def area_words(code: str) -> dict[str, str]:
    """Label keys (``briefs/labels.py``, group ``region_words``) of a region's words.

    Parameters
    ----------
    code
        Kemendagri code of the region (kab/kota or province).

    Returns
    -------
    dict
        ``{"region": "kota"|"kabupaten"|"provinsi", "head": "head_<kind>", "village": "village_<kind>"}``
        where the village kind is ``desa``, ``kelurahan`` or ``desa_kelurahan`` (both occur).
    """
    kind = kind_of(code)
    villages = set(region_table(code)["jenis"].loc[lambda j: j.isin(["desa", "kelurahan"])])
    village = villages.pop() if len(villages) == 1 else "desa_kelurahan"
    return {"region": f"region_{kind}", "head": f"head_{kind}", "village": f"village_{village}"}


@cache
def region_table(code: str) -> pd.DataFrame:
    """The region's rows of the national gazetteer, read once per region (cached).

    Parameters
    ----------
    code
        Kemendagri code of a province (``"64"``) or kab/kota (``"64.74"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``kode, level, nama, kode_kecamatan, nama_kecamatan, jenis`` (``level``: ``kota``
        for a kab/kota, ``province``, ``kecamatan``, ``kelurahan`` for every desa/kelurahan; ``jenis``
        from :func:`kind_of`), in the gazetteer's order. Treat as read-only.

    Raises
    ------
    RakorInputError
        Not a province or kab/kota code, or a code not in the gazetteer.
    """
    code = _check_code(code)
    if code.count(".") > 1:
        raise RakorInputError(f"region code {code!r} must be a province (PP) or kab/kota (PP.KK) code")
    head, own = code + ",", code + "."
    # Filter the lines before parsing: the region is a few hundred of the 91,599 rows.
    with gzip.open(NATIONAL_CSV, "rt", encoding="utf-8") as fh:
        header = fh.readline()
        lines = [line for line in fh if line.startswith(own) or line.startswith(head)]
    t = pd.read_csv(io.StringIO(header + "".join(lines)), dtype=str, keep_default_na=False)
    if not (t["kode"] == code).any():
        raise RakorInputError(f"region code {code!r} is not in the Kemendagri gazetteer ({NATIONAL_CSV.name})")
    t["kode"], t["nama"] = t["kode"].str.strip(), t["nama"].str.strip()
    n = t["kode"].str.count(r"\.") + 1
    t["level"] = n.map(_LEVELS)
    t.loc[(n == 2) & (t["kode"] != code), "level"] = "kabkota"  # kab/kota inside a province
    t["jenis"] = t["kode"].map(kind_of)
    kec = t["kode"].str.extract(r"^(\d{2}\.\d{2}\.\d{2})", expand=False)
    t["kode_kecamatan"] = kec.where(n >= 3, "")
    kec_names = dict(zip(t.loc[n == 3, "kode"], t.loc[n == 3, "nama"], strict=True))
    t["nama_kecamatan"] = t["kode_kecamatan"].map(kec_names).fillna("")
    return t[["kode", "level", "nama", "kode_kecamatan", "nama_kecamatan", "jenis"]].reset_index(drop=True)


@dataclass
class MatchResult:
    """Codes for a column of area names.

    Attributes
    ----------
    code
        Kemendagri code per row (missing where not matched or the value is missing).
    reason
        Per row: missing when matched or the value is empty; else ``unknown_<level>``,
        ``ambiguous_<level>`` or ``kelurahan_not_in_kecamatan``.
    corrections
        One row per distinct value corrected by alias or fuzzy match: value, corrected_to,
        code, method (``alias``/``fuzzy``), score (100 for an alias), n_rows.
    """

    code: pd.Series
    reason: pd.Series
    corrections: pd.DataFrame


class Gazetteer:
    """Official kecamatan and desa/kelurahan of the region with their codes.

    Parameters
    ----------
    table
        The gazetteer (columns ``kode, level, nama, kode_kecamatan``); default the configured
        region's rows of the national gazetteer (:func:`region_table` of ``settings.yml:
        region.code``).
    aliases
        ``{"kelurahan": {name: code}, "kecamatan": {name: code}}``; default
        ``config/wilayah_aliases.yml``.
    threshold
        Fuzzy score (0–100, rapidfuzz ``ratio`` on normalised names) below which a name is
        rejected; default ``settings.yml: wilayah.fuzzy_threshold``.
    """

    def __init__(self, table: pd.DataFrame | None = None, aliases: dict | None = None,
                 threshold: float | None = None):
        if table is None:
            table = region_table(config.settings()["region"]["code"])
        table = table.assign(nama=table["nama"].str.strip(), kode=table["kode"].str.strip())
        self.kecamatan = table.loc[table["level"] == "kecamatan", ["kode", "nama"]].reset_index(drop=True)
        kel = table.loc[table["level"] == "kelurahan", ["kode", "nama", "kode_kecamatan"]]
        self.kelurahan = kel.reset_index(drop=True)
        self.names = dict(zip(table["kode"], table["nama"], strict=True))
        self.parent = dict(zip(kel["kode"], kel["kode_kecamatan"].str.strip(), strict=True))
        aliases = aliases if aliases is not None else config.wilayah_aliases()
        self.aliases = {lvl: {k: str(v) for k, v in (aliases.get(lvl) or {}).items()}
                        for lvl in ("kelurahan", "kecamatan")}
        if threshold is None:
            threshold = float(config.settings()["wilayah"]["fuzzy_threshold"])
        self.threshold = float(threshold)
        self._lookups: dict[str, tuple] = {}

    def name(self, code: str) -> str:
        """Official name of a code.

        Parameters
        ----------
        code
            Kemendagri code of a kecamatan or kelurahan (``"64.74.01.1003"``).

        Returns
        -------
        str
            The name, trimmed (``"Lok Tuan"``).

        Raises
        ------
        KeyError
            The code is not in the gazetteer.
        """
        return self.names[code]

    def _official(self, level: str) -> tuple:
        """The official names of ``level`` in the forms the matcher compares, and the lookups built
        from them and the aliases: built once per level (a province cleans a hundred files)."""
        if level in self._lookups:
            return self._lookups[level]
        official = self.kelurahan if level == "kelurahan" else self.kecamatan
        off_norm = _norm(official["nama"]).tolist()
        off_exact = dict(zip(off_norm, official["kode"], strict=True))
        alias = self.aliases[level]
        # Written together or apart ("Loktuan", "Lok Tuan") counts as a local spelling (alias).
        alias_key = dict(zip([n.replace(" ", "") for n in off_norm], official["kode"], strict=True))
        alias_key.update(zip(_key(pd.Series(list(alias), dtype="str")).tolist(), alias.values(),
                             strict=True))
        # Shortened words written out on both sides ("Tj. Palas" and "Tanjung Palas", "Mara 1" and
        # "Mara I"): a spelling of one official name only, so counted as an alias.
        spelled: dict[str, set[str]] = {}
        for o, code in zip(off_norm, official["kode"], strict=True):
            spelled.setdefault(_spelled_key(o), set()).add(code)
        spelled_key = {k: next(iter(v)) for k, v in spelled.items() if len(v) == 1}
        spelled_shared = {k for k, v in spelled.items() if len(v) > 1}  # "Sg Raya": Sungai or Sei Raya
        off_tokens = [set(o.split()) for o in off_norm]
        # Names that several official areas share (desa of one name in two kecamatan of a
        # kabupaten): ambiguous here, decided by the row's kecamatan in :meth:`match` when given.
        counts = pd.Series(off_norm, dtype="str").value_counts()
        shared = set(counts.index[counts > 1])
        self._lookups[level] = (official["kode"].tolist(), off_norm, off_exact, alias_key, spelled_key,
                                spelled_shared, off_tokens, shared)
        return self._lookups[level]

    def _match_distinct(self, values: pd.Series, level: str) -> pd.DataFrame:
        official_codes, off_norm, off_exact, alias_key, spelled_key, spelled_shared, off_tokens, shared = \
            self._official(level)
        keys = _key(values)
        norm = _norm(values)
        # One result per value, gathered in lists: a frame is built once (setting cells one by
        # one cost ~1 ms each, most of the matching time of a file).
        n_values = len(values)
        code_of: list[str | None] = [None] * n_values
        method: list[str | None] = [None] * n_values
        score = np.full(n_values, np.nan)
        reason: list[str | None] = [None] * n_values
        for i, (k, n) in enumerate(zip(keys.tolist(), norm.tolist(), strict=True)):
            if not isinstance(k, str):
                continue
            if n in shared:
                reason[i], score[i] = f"ambiguous_{level}", 100.0
            elif n in off_exact:
                code_of[i], method[i], score[i] = off_exact[n], "exact", 100.0
            elif k in alias_key:
                code_of[i], method[i], score[i] = alias_key[k], "alias", 100.0
            elif (sk := _spelled_key(n)) in spelled_key:
                code_of[i], method[i], score[i] = spelled_key[sk], "alias", 100.0
            elif sk in spelled_shared:
                reason[i], score[i] = f"ambiguous_{level}", 100.0
            else:
                scores = np.array([fuzz.ratio(n, o) for o in off_norm])
                order = np.argsort(-scores)
                best, second = scores[order[0]], scores[order[1]] if len(order) > 1 else 0.0
                # Official names this value could be cut from: it is their start ("gunung" of
                # "gunung elai") or a subset of their words ("laut" of "tanjung laut").
                toks = set(n.split())
                cut_from = [j for j, o in enumerate(off_norm)
                            if o != n and (o.startswith(n) or toks < off_tokens[j])]
                score[i] = best
                if best < self.threshold:
                    reason[i] = f"unknown_{level}"
                elif cut_from and cut_from != [order[0]]:
                    # A truncation of several names, or of another name than the closest one.
                    reason[i] = f"ambiguous_{level}"
                elif best - second < AMBIGUITY_MARGIN:
                    reason[i] = f"ambiguous_{level}"
                else:
                    code_of[i], method[i], score[i] = official_codes[order[0]], "fuzzy", float(best)
        return pd.DataFrame({"value": values, "code": pd.Series(code_of, index=values.index, dtype=object),
                             "method": pd.Series(method, index=values.index, dtype=object), "score": score,
                             "reason": pd.Series(reason, index=values.index, dtype=object)},
                            index=values.index)

    def match(self, values: pd.Series, level: str = "kelurahan",
              kecamatan_code: pd.Series | None = None) -> MatchResult:
        """Match a column of names to codes.

        Parameters
        ----------
        values
            Area names as written.
        level
            ``"kelurahan"`` or ``"kecamatan"``.
        kecamatan_code
            For kelurahan: the row's kecamatan code when the file gives one; a kelurahan outside
            that kecamatan gets ``kelurahan_not_in_kecamatan``.

        Returns
        -------
        MatchResult
        """
        if level not in ("kelurahan", "kecamatan"):
            raise ValueError(f"level must be 'kelurahan' or 'kecamatan'; got {level!r}")
        codes, uniques = pd.factorize(values.astype("str"), use_na_sentinel=True)
        u = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
        m = self._match_distinct(u, level)
        n_rows = np.bincount(codes[codes >= 0], minlength=len(u))
        take = np.where(codes >= 0, codes, 0)
        code = pd.Series(np.where(codes >= 0, m["code"].to_numpy(dtype=object)[take] if len(u) else None, None),
                         index=values.index, dtype="str")
        reason = pd.Series(np.where(codes >= 0, m["reason"].to_numpy(dtype=object)[take] if len(u) else None, None),
                           index=values.index, dtype="str")
        if kecamatan_code is not None and level == "kelurahan":
            kc = kecamatan_code.reindex(values.index).astype("str")
            shared = reason.eq("ambiguous_kelurahan") & kc.notna()
            if shared.any():
                within = dict(zip(zip(self.kelurahan["kode_kecamatan"].str.strip(), _norm(self.kelurahan["nama"]), strict=True),
                                  self.kelurahan["kode"], strict=True))
                found = pd.Series(list(zip(kc[shared], _norm(values[shared]), strict=True)),
                                  index=kc[shared].index).map(within)
                code[found.dropna().index] = found.dropna()
                reason[found.dropna().index] = None
            parent = code.map(self.parent)
            bad = code.notna() & kc.notna() & (parent != kc)
            reason[bad] = "kelurahan_not_in_kecamatan"
            code[bad] = None
        corr = m.assign(n_rows=n_rows).loc[m["method"].isin(["alias", "fuzzy"])]
        corr = corr.assign(corrected_to=corr["code"].map(self.names))
        corrections = corr[["value", "corrected_to", "code", "method", "score", "n_rows"]]
        corrections = corrections.reset_index(drop=True).astype(
            {"value": "str", "corrected_to": "str", "code": "str", "method": "str",
             "score": float, "n_rows": "int64"})
        return MatchResult(code=code, reason=reason, corrections=corrections)


@cache
def region_gazetteer(region: str) -> Gazetteer:
    """The gazetteer of ``region``: the configured one (with its aliases), else the region's rows
    of the national gazetteer without aliases (a new region has none yet).

    Parameters
    ----------
    region
        Kemendagri code of the kab/kota.

    Returns
    -------
    Gazetteer
    """
    if region == config.settings()["region"]["code"]:
        return gazetteer()
    return Gazetteer(region_table(region), aliases={})


#: Kind words in front of a region's name in the gazetteer, longest first.
KIND_PREFIXES = ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten ", "Kota ", "Provinsi ")


def bare_name(name: str) -> str:
    """A region's name without its kind word: ``"Kabupaten Sukamara"`` -> ``"Sukamara"``.

    Examples
    --------
    >>> bare_name("Kota Administrasi Jakarta Pusat"), bare_name("Bontang Utara")
    ('Jakarta Pusat', 'Bontang Utara')
    """
    for prefix in KIND_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def gazetteer() -> Gazetteer:
    """The default gazetteer (package CSV, config aliases and threshold), built once.

    Returns
    -------
    Gazetteer
        The same object on every call (cached).
    """
    return Gazetteer()

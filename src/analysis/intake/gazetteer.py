"""The Kemendagri gazetteer of Kota Bontang: area codes, names, aliases and fuzzy matching.

Names arrive spelled many ways ("Loktuan", "API-API ", "Tj. Laut"). A name is matched, in order:
exactly after normalisation (:func:`analysis.intake.names.normalise_name`, kind ``area``: case,
spaces, hyphens, dots, a "Kel."/"Kec." prefix), through the
local aliases of ``config/wilayah_aliases.yml``, then by fuzzy matching (rapidfuzz) against the
official names. A fuzzy score below ``settings.yml: wilayah.fuzzy_threshold``, two official
names scoring about the same, or a name that is the start (or a part, by words) of other official
names than the one it would match ("Gunung" of Gunung Elai and Gunung Telihan, not "Guntung") is
a reject, never a guess. Matching runs once per distinct name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from analysis import config
from analysis.intake.names import normalise_name

__all__ = ["Gazetteer", "MatchResult", "gazetteer"]

#: Two official names within this many points of each other are too close to choose between.
AMBIGUITY_MARGIN = 3.0


def _norm(s: pd.Series) -> pd.Series:
    """Area names as compared here: :func:`analysis.intake.names.normalise_name`, kind ``area``."""
    return normalise_name(s, "area")


def _key(s: pd.Series) -> pd.Series:
    """The normalised name written together ("lok tuan" -> "loktuan"), for local spellings."""
    return _norm(s).str.replace(" ", "", regex=False)


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
    """Official kecamatan and kelurahan of the city with their codes.

    Parameters
    ----------
    table
        The gazetteer (columns ``kode, level, nama, kode_kecamatan``); default
        ``analysis.config.WILAYAH_CSV``.
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
            table = pd.read_csv(config.WILAYAH_CSV, dtype=str)
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

    def _match_distinct(self, values: pd.Series, level: str) -> pd.DataFrame:
        official = self.kelurahan if level == "kelurahan" else self.kecamatan
        off_norm = _norm(official["nama"]).tolist()
        off_exact = dict(zip(off_norm, official["kode"], strict=True))
        alias = self.aliases[level]
        # Written together or apart ("Loktuan", "Lok Tuan") counts as a local spelling (alias).
        alias_key = dict(zip([n.replace(" ", "") for n in off_norm], official["kode"], strict=True))
        alias_key.update(zip(_key(pd.Series(list(alias), dtype="str")).tolist(), alias.values(),
                             strict=True))
        off_tokens = [set(o.split()) for o in off_norm]
        keys = _key(values)
        norm = _norm(values)
        out = pd.DataFrame({"value": values, "code": None, "method": None, "score": np.nan,
                            "reason": None}, index=values.index)
        for i, (k, n) in enumerate(zip(keys.tolist(), norm.tolist(), strict=True)):
            if not isinstance(k, str):
                continue
            if n in off_exact:
                out.iloc[i, 1:4] = [off_exact[n], "exact", 100.0]
            elif k in alias_key:
                out.iloc[i, 1:4] = [alias_key[k], "alias", 100.0]
            else:
                scores = np.array([fuzz.ratio(n, o) for o in off_norm])
                order = np.argsort(-scores)
                best, second = scores[order[0]], scores[order[1]] if len(order) > 1 else 0.0
                # Official names this value could be cut from: it is their start ("gunung" of
                # "gunung elai") or a subset of their words ("laut" of "tanjung laut").
                toks = set(n.split())
                cut_from = [j for j, o in enumerate(off_norm)
                            if o != n and (o.startswith(n) or toks < off_tokens[j])]
                if best < self.threshold:
                    out.iloc[i, 4] = f"unknown_{level}"
                    out.iloc[i, 3] = best
                elif cut_from and cut_from != [order[0]]:
                    # A truncation of several names, or of another name than the closest one.
                    out.iloc[i, 4] = f"ambiguous_{level}"
                    out.iloc[i, 3] = best
                elif best - second < AMBIGUITY_MARGIN:
                    out.iloc[i, 4] = f"ambiguous_{level}"
                    out.iloc[i, 3] = best
                else:
                    out.iloc[i, 1:4] = [official["kode"].iloc[order[0]], "fuzzy", float(best)]
        return out

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
            parent = code.map(self.parent)
            kc = kecamatan_code.reindex(values.index).astype("str")
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
def gazetteer() -> Gazetteer:
    """The default gazetteer (package CSV, config aliases and threshold), built once.

    Returns
    -------
    Gazetteer
        The same object on every call (cached).
    """
    return Gazetteer()

"""The dirt of the synthetic exports: the data-quality problems real agency files carry, at documented rates.

:data:`DIRT_RATES` lists every kind of dirt with its target rate (share of the rows of a file,
unless stated) and what it looks like; the README of the sample prints it next to the counts
actually written (:class:`DirtLog`). The functions here damage clean values the way clerks and
apps do: invalid identifiers, kelurahan spellings, sex codes, programme names. Dirt that belongs
to a measurement (position contrary to age, heights rounded to whole cm) is planted by the world
itself (:mod:`analysis.synthetic.world`), because it changes the value measured.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.synthetic.base import as_text, map_text, pick

__all__ = [
    "DIRT_RATES",
    "KEL_TYPOS",
    "KEL_VARIANTS",
    "SEX_CODES",
    "US_DATE_ROWS",
    "DirtLog",
    "corrupt_ids",
    "kelurahan_names",
    "programme_variants",
    "region_spellings",
    "sex_text",
]

#: Dirt added to the exports: fraction of rows (per file) unless stated. Written to the README.
DIRT_RATES: dict[str, tuple[float, str]] = {
    "kelurahan_variant": (0.10, "kelurahan written in a local/other spelling (Loktuan, Api Api, API-API, Tj. Laut, upper case...)"),
    "kelurahan_typo": (0.005, "kelurahan with a small typo (Tanjung Luat, Berbas Tenga...; fuzzy score >= 90)"),
    "trailing_space": (0.05, "kelurahan with trailing spaces"),
    "sex_other_code": (0.01, "sex written in another code than the rest of the file (L/P, Laki-laki/Perempuan, 1/2)"),
    "date_other_format": (0.02, "birth date in another unambiguous form: ISO inside a dd/mm/yyyy or d-m-yy column, dd/mm/yyyy inside an ISO column, dd/mm/yyyy text in a workbook date column"),
    "nik_invalid": (0.02, "invalid NIK: wrong length, impossible date part, letter O for zero, or blank (e-PPGBM)"),
    "kk_blank": (0.10, "e-PPGBM: No KK blank"),
    "kk_invalid": (0.05, "e-PPGBM: No KK invalid (short, '-', zeros)"),
    "nik_ortu_blank": (0.05, "e-PPGBM: NIK Ortu blank"),
    "duplicate_measurement": (0.01, "e-PPGBM: the same child entered twice in a round (identical, or 1-2 days / 0.1 kg apart)"),
    "height_mm": (0.002, "e-PPGBM: height typed in millimetres (853 for 85.3 cm)"),
    "height_missing": (0.003, "e-PPGBM: height blank"),
    "weight_decimal_slip": (0.001, "e-PPGBM: weight with a slipped decimal point (1.25 for 12.5 kg; WHO-flagged)"),
    "measure_after_period": (0.002, "e-PPGBM: measurement date 1-3 months after the file's period"),
    "measure_before_birth": (0.001, "e-PPGBM: measurement date before the birth date"),
    "position_wrong": (0.03, "e-PPGBM: Cara Ukur contrary to age (berdiri under 2 y / terlentang from 2 y), measured that way"),
    "position_blank": (0.02, "e-PPGBM: Cara Ukur blank"),
    "height_whole_cm": (0.08, "e-PPGBM: height rounded to a whole cm (digit preference)"),
    "name_abbreviated": (0.30, "e-PPGBM: 'Muhammad' written 'M.' or 'Muh.' (rate among names starting with Muhammad)"),
    "decimal_comma_quoted": (0.005, "e-PPGBM comma-separated CSV: a quoted decimal comma (\"85,3\")"),
    "duplicate_member": (0.003, "DTSEN: member row repeated"),
    "program_name_variant": (0.05, "programme name spelled differently from config label_id"),
}
#: Rows of one file with a month-first measurement date (day <= 12): they cannot be told apart.
US_DATE_ROWS = 5

#: Kelurahan spellings seen in exports (official name -> variants) and small typos.
KEL_VARIANTS = {
    "Lok Tuan": ["Loktuan", "LOKTUAN", "Lok tuan", "LOK TUAN", "Loktuan"],
    "Api-api": ["Api Api", "API-API", "Api-Api", "Apiapi", "Api api"],
    "Tanjung Laut": ["Tj. Laut", "TANJUNG LAUT", "Tanjung laut", "Tj Laut"],
    "Tanjung Laut Indah": ["Tj. Laut Indah", "TANJUNG LAUT INDAH", "Tanjung Laut indah"],
    "Gunung Elai": ["Gn. Elai", "GUNUNG ELAI", "Gunung elai"],
    "Gunung Telihan": ["Gn. Telihan", "GUNUNG TELIHAN", "Gunung telihan"],
}
KEL_TYPOS = {
    "Tanjung Laut": "Tanjung Luat", "Berbas Tengah": "Berbas Tenga", "Bontang Kuala": "Bontang Kuale",
    "Belimbing": "Belimbin", "Guntung": "Gutung", "Gunung Elai": "Gunung Elay",
    "Bontang Lestari": "Bontang Lestri", "Berbas Pantai": "Berbas Pantay", "Lok Tuan": "Lok Tuwan",
    "Tanjung Laut Indah": "Tanjung Laut Indh", "Bontang Baru": "Bontang Bartu",
    "Gunung Telihan": "Gunung Telihn", "Api-api": "Api-apii", "Kanaan": "Kanaaan",
    "Satimpo": "Satimpoo",
}


def corrupt_ids(rng: np.random.Generator, ids: np.ndarray, rate: float,
                blank_share: float = 0.0) -> tuple[np.ndarray, int]:
    """Make ``rate`` of the identifiers invalid (length, date part, letter, blank).

    Parameters
    ----------
    rng
        The export's random stream.
    ids
        NIK or No. KK as text; only 16-character values are eligible.
    rate
        Share of the eligible values to damage.
    blank_share
        Share of the damaged values left blank (e-PPGBM) instead of one of the four mistakes:
        15 digits, 17 digits, an impossible date part (day 00 or 35), letter O for a digit.

    Returns
    -------
    values : numpy.ndarray of object
    n_damaged : int
    """
    out = ids.astype(object).copy()
    full = np.array(list(map(len, out.tolist()))) == 16
    hit = np.flatnonzero(pick(rng, len(out), rate, eligible=full))
    kind = rng.integers(0, 4, len(hit))
    kind[rng.random(len(hit)) < blank_share] = 4
    s = pd.Series(out[hit], dtype=object).astype(str)
    digit = as_text(rng.integers(0, 10, len(hit)))
    new = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [s.str[:15].to_numpy(object),                                     # 15 digits
         (s + digit).to_numpy(object),                                    # 17 digits
         (s.str[:6] + np.where(rng.random(len(hit)) < 0.5, "00", "35") + s.str[8:]).to_numpy(object),
         (s.str[:12] + "O" + s.str[13:]).to_numpy(object)],              # letter O for a digit
        default="",
    )
    out[hit] = new
    return out, len(hit)


#: Bontang's local usage in files of the ``"local"`` style (official -> local spelling).
KEL_LOCAL = {"Lok Tuan": "Loktuan", "Api-api": "Api Api"}


def _typo_candidates(name: str) -> list[str]:
    """One-letter slips of a name, nearest the end first: a doubled, dropped or swapped letter."""
    out = []
    for i in range(len(name) - 1, 0, -1):
        if name[i].isalpha():
            out += [name[:i + 1] + name[i] + name[i + 1:], name[:i] + name[i + 1:]]
        if name[i].isalpha() and name[i - 1].isalpha() and name[i] != name[i - 1]:
            out.append(name[:i - 1] + name[i] + name[i - 1] + name[i + 1:])
    return out


def region_spellings(gaz) -> tuple[dict[str, list[str]], dict[str, str], dict[str, str]]:
    """Variants, typos and local spellings of a region's desa/kelurahan, from its own names.

    Every spelling is checked with the region's matcher (``gaz``, an
    :class:`analysis.intake.gazetteer.Gazetteer`): it must lead back to its own area without
    aliases (the configuration of a new region has none), so the dirt is what a cleaner corrects,
    not a reject. A name two desa share (in two kecamatan) only changes case: the row's kecamatan
    decides. Names too short for a one-letter slip to stay above the fuzzy threshold get no typo.

    Parameters
    ----------
    gaz
        The region's gazetteer.

    Returns
    -------
    variants : dict
        Official name -> other spellings (upper/lower case, hyphen or space, words joined, a
        "Desa"/"Kel." prefix).
    typos : dict
        Official name -> a one-letter slip the fuzzy matcher corrects.
    local : dict
        Official name -> the spelling of the ``"local"`` files (words joined or hyphens as spaces),
        for names that have one.
    """
    kel = gaz.kelurahan
    names = kel["nama"].tolist()
    codes = kel["kode"].tolist()
    kinds = ["Kel. " if c.split(".")[3].startswith("1") else "Desa " for c in codes]
    shared = set(pd.Series(names).loc[lambda s: s.str.lower().duplicated(keep=False)])
    variants: dict[str, list[str]] = {}
    local: dict[str, str] = {}
    cand: list[tuple[str, str, str]] = []  # (official, code, candidate)
    for name, code, prefix in zip(names, codes, kinds, strict=True):
        if name in shared:
            variants[name] = [name.upper(), name.lower()]
            continue
        opts = [name.upper(), name.lower(), name.title(), prefix + name]
        opts = [o for o in dict.fromkeys(opts) if o != name]
        if "-" in name:
            opts.append(name.replace("-", " "))
        if " " in name:
            opts.append(name.replace(" ", ""))
        cand += [(name, code, o) for o in opts]
    typo_cand = [(n, c, t) for n, c in zip(names, codes, strict=True) if n not in shared
                 for t in _typo_candidates(n)[:6]]
    allc = cand + typo_cand
    if allc:
        m = gaz.match(pd.Series([x[2] for x in allc], dtype="str"), "kelurahan")
        ok = (m.code.to_numpy(dtype=object) == np.array([x[1] for x in allc], dtype=object))
    else:
        ok = np.zeros(0, bool)
    for (name, _, o), good in zip(cand, ok[: len(cand)], strict=True):
        if good:
            variants.setdefault(name, []).append(o)
            if name not in local and o in (name.replace(" ", ""), name.replace("-", " ")):
                local[name] = o
    typos: dict[str, str] = {}
    for (name, _, t), good in zip(typo_cand, ok[len(cand):], strict=True):
        if good and name not in typos:
            typos[name] = t
    return variants, typos, local


def kelurahan_names(rng: np.random.Generator, official: np.ndarray, style: str,
                    variant_rate: float, typo_rate: float, space_rate: float,
                    spellings: tuple[dict, dict, dict] | None = None) -> tuple[np.ndarray, dict]:
    """Kelurahan names as an agency writes them, with variants, typos and trailing spaces.

    Parameters
    ----------
    rng
        The export's random stream.
    official
        Official (Kemendagri) names, one per row.
    style
        The file's own spelling: ``"title"`` (official), ``"upper"``, or ``"local"`` (Loktuan,
        Api Api).
    variant_rate, typo_rate, space_rate
        Shares of the rows written in a variant spelling (:data:`KEL_VARIANTS`), with a small
        typo (:data:`KEL_TYPOS`, never on a variant) and with trailing spaces.
    spellings
        ``(variants, typos, local)`` of the region (:func:`region_spellings`); default Bontang's
        (:data:`KEL_VARIANTS`, :data:`KEL_TYPOS`, :data:`KEL_LOCAL`). A name without a typo keeps
        its spelling where a typo is drawn.

    Returns
    -------
    names : numpy.ndarray of object
    counts : dict
        Rows affected per kind (``kelurahan_variant``, ``kelurahan_typo``, ``trailing_space``).
    """
    variants, typos, local = spellings or (KEL_VARIANTS, KEL_TYPOS, KEL_LOCAL)
    out = official.astype(object).copy()
    if style == "upper":
        out = map_text(str.upper, out)
    elif style == "local":  # local usage for the names that have one (Bontang: the two that differ most)
        for name, spelled in local.items():
            out[official == name] = spelled
    var = pick(rng, len(out), variant_rate)
    for name in np.unique(official[var]):
        rows = np.flatnonzero(var & (official == name))
        choices = variants.get(name, [name.upper(), name.lower()])
        out[rows] = np.array(choices, dtype=object)[rng.integers(0, len(choices), len(rows))]
    typo = pick(rng, len(out), typo_rate, eligible=~var)
    for name in np.unique(official[typo]):
        out[typo & (official == name)] = typos.get(name, name)
    space = pick(rng, len(out), space_rate)
    out[space] = out[space] + np.where(rng.random(space.sum()) < 0.7, " ", "  ")
    return out, {"kelurahan_variant": int(var.sum()), "kelurahan_typo": int(typo.sum()),
                 "trailing_space": int(space.sum())}


#: Sex codes of the exports (male, female), per file style.
SEX_CODES = {"LP": ("L", "P"), "word": ("Laki-laki", "Perempuan"), "num": ("1", "2")}


def sex_text(rng: np.random.Generator, sex: np.ndarray, style: str, other_rate: float) -> tuple[np.ndarray, int]:
    """Sex codes as a file writes them, a few rows in another file's code.

    Parameters
    ----------
    rng
        The export's random stream.
    sex
        1 male, 2 female.
    style
        A key of :data:`SEX_CODES`: ``"LP"``, ``"word"`` or ``"num"``.
    other_rate
        Share of the rows written in the next style of :data:`SEX_CODES` instead.

    Returns
    -------
    codes : numpy.ndarray of object
    n_other : int
    """
    out = np.where(sex == 1, SEX_CODES[style][0], SEX_CODES[style][1]).astype(object)
    other = pick(rng, len(sex), other_rate)
    alt = [k for k in SEX_CODES if k != style][0]
    out[other] = np.where(sex[other] == 1, SEX_CODES[alt][0], SEX_CODES[alt][1])
    return out, int(other.sum())


def programme_variants(label: str) -> list[str]:
    """Other spellings of a programme name: upper case, a doubled space, spaced hyphen or lower case.

    Parameters
    ----------
    label
        The ``label_id`` of ``settings.yml: programmes``.

    Returns
    -------
    list of str
    """
    return [label.upper(), label.replace(" ", "  ", 1), label.replace("-", " - ") if "-" in label else label.lower()]


class DirtLog:
    """Counts of dirt per source, file and kind (for the README).

    Attributes
    ----------
    rows
        ``(source, file, kind, n)`` per kind of dirt and file.
    files
        ``"<source>/<file>"`` -> data rows written.
    notes
        Kind -> the file that holds it, for dirt planted in one file only (``us_order_date``).
    """

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, int]] = []
        self.files: dict[str, int] = {}
        self.notes: dict[str, str] = {}

    def add(self, source: str, file: str, counts: dict[str, int]) -> None:
        """Record the rows affected per kind of dirt in one file.

        Parameters
        ----------
        source
            Raw source folder (``eppgbm``...).
        file
            File name within it.
        counts
            Kind of dirt (a key of :data:`DIRT_RATES`, or ``us_order_date``) -> rows affected.
        """
        for kind, n in counts.items():
            self.rows.append((source, file, kind, int(n)))


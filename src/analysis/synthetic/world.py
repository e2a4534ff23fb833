"""Synthetic Kota Bontang raw data: the data set that makes the workspace runnable out of the box.

:func:`generate` writes agency-style exports for every raw source (``eppgbm``, ``dtsen``,
``susenas``, ``pendataan_rt``, ``program``) plus a ``README.md`` into a folder. The people are
invented; the structure is Bontang's (3 kecamatan, 15 kelurahan with Kemendagri codes, about 100
posyandu, RT/RW), and the files carry the dirt real exports carry (spellings, date formats,
decimal commas, invalid NIKs, duplicates...) at documented rates.

How it is built
---------------
1. *World* (:func:`simulate`, this module): kelurahan with a deprivation index (higher in the
   focus kelurahan of ``config/settings.yml``), RT/RW, streets and posyandu; ~50,000 families
   with members, NIK and No. KK; a welfare latent that gives the DTSEN desil; a cohort of
   children under five who age across three weighing rounds, with a latent height-for-age
   z ~ N(mu_kelurahan, 1.1) turned into a length/height through the WHO 2006 LMS tables (L = 1),
   and a weight from a latent weight-for-length/height z ~ N(-0.3, 1.1) by inverting the LMS
   formula (both from :mod:`analysis.measures.anthropometry`); a Susenas-style sample (6 strata,
   ~100 PSU, ~1,000 households) whose per-capita expenditure is calibrated to the poverty lines
   of the configuration; a RT self-listing; programme lists.
2. *Exports* (:mod:`analysis.synthetic.exports`): each source written as the agencies write it,
   with the dirt of :mod:`analysis.synthetic.dirt` at the rates of its ``DIRT_RATES``, by the
   sample's own CSV/XLSX writers (:mod:`analysis.synthetic.writers`); then the README
   (:mod:`analysis.synthetic.readme`). Everything is drawn from ``numpy.random.default_rng``
   streams derived from the seed (:func:`analysis.synthetic.base.stream`), and workbook
   metadata and zip timestamps are fixed, so a seed gives byte-identical files.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import RakorInputError
from analysis.files import write_text
from analysis.intake.gazetteer import kind_of, region_gazetteer, region_table
from analysis.measures.anthropometry import (
    WFH_RANGE_CM,
    WFL_RANGE_CM,
    lms_parameters,
    lms_value,
    lms_zscore,
)
from analysis.synthetic.base import (
    PROGRAM_PERIODS,
    ROUNDS,
    as_text,
    objectify,
    stream,
    survey_line,
    to_day,
    ymd,
)
from analysis.synthetic.dirt import DIRT_RATES, region_spellings
from analysis.synthetic.exports import write_exports
from analysis.synthetic.readme import readme_text

__all__ = ["DIRT_RATES", "SyntheticBontang", "generate", "simulate"]

# ---------------------------------------------------------------------------------------------
# Constants of the synthetic world (assumptions of the generator, not official figures)
# ---------------------------------------------------------------------------------------------

#: Relative population of each kelurahan (rough shares; invented for the sample, not BPS figures).
KEL_POP = {
    "64.74.01.1001": 7, "64.74.01.1002": 16, "64.74.01.1003": 19, "64.74.01.1004": 10,
    "64.74.01.1005": 17, "64.74.01.1006": 17,
    "64.74.02.1001": 21, "64.74.02.1002": 13, "64.74.02.1003": 11, "64.74.02.1004": 7,
    "64.74.02.1005": 9, "64.74.02.1006": 22,
    "64.74.03.1001": 14, "64.74.03.1002": 13, "64.74.03.1003": 5,
}
#: Kelurahan counted as peri-urban for the survey strata (the rest are urban).
PERI_URBAN = {"64.74.01.1001", "64.74.01.1004", "64.74.02.1003", "64.74.02.1004",
              "64.74.02.1005", "64.74.03.1003"}
#: Puskesmas serving each kelurahan (synthetic assignment).
PUSKESMAS = {
    "64.74.01.1001": "Bontang Utara I", "64.74.01.1002": "Bontang Utara I",
    "64.74.01.1006": "Bontang Utara I", "64.74.01.1003": "Bontang Utara II",
    "64.74.01.1004": "Bontang Utara II", "64.74.01.1005": "Bontang Utara II",
    "64.74.02.1001": "Bontang Selatan I", "64.74.02.1006": "Bontang Selatan I",
    "64.74.02.1002": "Bontang Selatan I", "64.74.02.1003": "Bontang Selatan II",
    "64.74.02.1004": "Bontang Selatan II", "64.74.02.1005": "Bontang Lestari",
    "64.74.03.1001": "Bontang Barat", "64.74.03.1002": "Bontang Barat",
    "64.74.03.1003": "Bontang Barat",
}

#: Kota Bontang: its population shares, puskesmas and peri-urban kelurahan above are its own.
BONTANG = "64.74"
#: Other regions: children per round at scale 1 of a kelurahan (Bontang's mean, ~730) and of a
#: desa (rural, smaller); the region's families, posyandu and programme lists follow in proportion.
CHILDREN_PER_KELURAHAN, CHILDREN_PER_DESA = 730, 300
#: Share of a kota's kelurahan counted peri-urban (a kabupaten: its desa); share of desa made focus
#: (deprived) when the configuration names none for the region.
PERI_URBAN_SHARE, FOCUS_SHARE = 0.4, 0.2
#: Share of desa made focus in a kab/kota of a province sample (a province's rakor follows fewer).
PROVINCE_FOCUS_SHARE = 0.05
N_FAMILIES = 50_000          # DTSEN families at scale 1
N_CHILDREN_ROUND = 11_000    # expected children per weighing round at scale 1
N_POSYANDU = 100
RT_PER_POP = 1.9             # RT per unit of KEL_POP (largest kelurahan ~42 RT)
SUSENAS_PSU = 100
SUSENAS_HH_PER_PSU = 10

#: Latent z means: non-focus / focus kelurahan (P(z < -2) with SD 1.1: ~15% / ~27.5%).
HAZ_MU_BASE, HAZ_MU_FOCUS_SHIFT, HAZ_SD = -0.87, -0.50, 1.1
WHZ_MU, WHZ_SD = -0.3, 1.1
#: Person-weighted shares the survey expenditure is calibrated to.
TARGET_POVERTY_SHARE, TARGET_EXTREME_SHARE = 0.046, 0.010

#: Bontang's kelurahan (15) x CHILDREN_PER_KELURAHAN: the size the constants above are for.
_BONTANG_CHILDREN = 15 * CHILDREN_PER_KELURAHAN

#: "Today" of the synthetic world, and the birth dates of the under-five pool.
REF_DAY = to_day("2025-03-01")
POOL_START, POOL_END = to_day("2019-02-01"), to_day("2025-02-20")

# ---- names, streets, posyandu -------------------------------------------------------------
MALE_FIRST = np.array([
    "Muhammad", "Ahmad", "Andi", "Rizki", "Budi", "Agus", "Hendra", "Arif", "Fajar", "Dedi",
    "Eko", "Joko", "Hasan", "Rahmat", "Syamsul", "Irfan", "Yusuf", "Ilham", "Reza", "Dimas",
    "Bayu", "Aditya", "Fikri", "Hamzah", "Taufik", "Wahyu", "Ridwan", "Abdul", "Arman", "Basri",
    "Firman", "Haris", "Imran", "Kasim", "Lukman", "Mansur", "Rusdi", "Saiful", "Zainal", "Alif",
    "Farhan", "Raka", "Rafi", "Arkan", "Muhammad", "Muhammad", "Ahmad", "Muhammad",
])
MALE_SECOND = np.array([
    "Rizki", "Fauzi", "Hidayat", "Saputra", "Pratama", "Ramadhan", "Nugroho", "Setiawan",
    "Kurniawan", "Firmansyah", "Syahputra", "Hakim", "Akbar", "Maulana", "Rahman", "Gunawan",
    "Wijaya", "Santoso", "Hamid", "Latif", "Anwar", "Said", "Alamsyah", "Ardiansyah",
    "Iskandar", "Mustafa", "Prasetyo", "Hasanuddin", "Sudirman", "Jufri",
])
FEMALE_FIRST = np.array([
    "Siti", "Nur", "Sri", "Dewi", "Rina", "Ayu", "Fitri", "Putri", "Wulan", "Indah", "Nurul",
    "Dian", "Rini", "Yuni", "Eka", "Sari", "Ratna", "Fatimah", "Aisyah", "Hasnah", "Kartini",
    "Marlina", "Suryani", "Hartati", "Jumriah", "Hasni", "Zahra", "Nadia", "Aulia", "Salsabila",
    "Keisha", "Alya", "Naura", "Anisa", "Khadijah", "Maryam", "Rahma", "Siti", "Siti", "Nur",
])
FEMALE_SECOND = np.array([
    "Rahmawati", "Aisyah", "Lestari", "Wahyuni", "Handayani", "Sari", "Puspita", "Kurniasih",
    "Utami", "Rahayu", "Anggraini", "Maharani", "Safitri", "Amelia", "Permatasari",
    "Nurhaliza", "Fitriani", "Ningsih", "Hasanah", "Jannah", "Syahrani", "Febriani", "Astuti",
    "Susanti", "Yuliani", "Azzahra", "Ramadhani", "Khairunnisa", "Nuraini", "Wulandari",
])
STREETS = np.array([
    "Brigjend Katamso", "MT Haryono", "Ahmad Yani", "Pupuk Raya", "Cut Nyak Dien", "KS Tubun",
    "Pierre Tendean", "Imam Bonjol", "Kapal Selam", "Hayam Wuruk", "Slamet Riyadi",
    "Gajah Mada", "Urip Sumoharjo", "Mulawarman", "Awang Long", "Kakap", "Tenggiri",
    "Selat Makassar", "Selat Sulawesi", "Letjend S. Parman", "DI Panjaitan", "Moh. Roem",
    "Bhayangkara", "Jend. Sudirman", "RE Martadinata", "Yos Sudarso", "Pattimura", "Diponegoro",
    "Sultan Hasanuddin", "Arief Rahman Hakim", "Poros Bontang", "Nusantara", "Kutilang",
    "Cendrawasih", "Merak", "Rajawali", "Elang", "Lumba-Lumba", "Hiu", "Pesut", "Tongkol",
    "Bawal", "Gurami", "Kenari", "Cemara", "Flamboyan", "Sirih", "Teratai",
])
FLOWERS = np.array([
    "Melati", "Mawar", "Anggrek", "Kenanga", "Dahlia", "Cempaka", "Flamboyan", "Teratai",
    "Seruni", "Asoka", "Bougenville", "Kamboja", "Tulip", "Sakura", "Lili", "Anyelir",
])
#: NIK region codes of first registration outside Bontang (Samarinda, Balikpapan, Kutai,
#: Makassar, Bone, Surabaya, Semarang, Bandung, Mataram) -- migrants are common in Bontang.
OTHER_REGIONS = np.array([647101, 647201, 640201, 737101, 731701, 357801, 337401, 327301, 520101])


def _names(rng: np.random.Generator, sex: np.ndarray) -> np.ndarray:
    """Synthetic Indonesian names (title case); ~10% single names."""
    n = len(sex)
    male = sex == 1
    first = np.where(male, MALE_FIRST[rng.integers(0, len(MALE_FIRST), n)],
                     FEMALE_FIRST[rng.integers(0, len(FEMALE_FIRST), n)]).astype(object)
    second = np.where(male, MALE_SECOND[rng.integers(0, len(MALE_SECOND), n)],
                      FEMALE_SECOND[rng.integers(0, len(FEMALE_SECOND), n)]).astype(object)
    full = first + " " + second
    single = rng.random(n) < 0.10
    full[single] = second[single]
    same = first == second  # e.g. "Rizki Rizki"
    full[same] = first[same]
    return full


def _nik_region(kel: pd.DataFrame) -> np.ndarray:
    """The six-digit NIK region (PPKKCC) of each kelurahan's kecamatan (647401 in Bontang Utara)."""
    return kel["kec_code"].str.replace(".", "", regex=False).astype(int).to_numpy()


def _other_regions(kel: pd.DataFrame) -> np.ndarray:
    """NIK regions of first registration elsewhere: :data:`OTHER_REGIONS` outside the region."""
    own = kel["kec_code"].str[:5].str.replace(".", "", regex=False).iloc[0]
    keep = np.array([not str(r).startswith(own) for r in OTHER_REGIONS])
    return OTHER_REGIONS[keep]


def _make_ids(rng: np.random.Generator, region: np.ndarray, days: np.ndarray,
              female: np.ndarray, serial_base: int = 0) -> np.ndarray:
    """NIK-shaped numbers: region(6) + DD(+40 women) + MM + YY + serial(4), unique per call.

    With ``female`` all False and ``days`` the issue date, the same shape is a No. KK.
    """
    y, m, d = ymd(days)
    dd = d + 40 * female.astype(np.int64)
    key = region.astype(np.int64) * 1_000_000 + dd * 10_000 + m * 100 + (y % 100)
    codes, uniq = pd.factorize(key)
    offset = rng.integers(0, 40, len(uniq))[codes]
    serial = pd.Series(codes).groupby(codes).cumcount().to_numpy() + 1 + offset + serial_base
    return as_text(key * 10_000 + serial)



# ---------------------------------------------------------------------------------------------
# The synthetic world
# ---------------------------------------------------------------------------------------------

@dataclass
class SyntheticBontang:
    """Clean "truth" behind the exports (no dirt); tests and documentation read it.

    Attributes
    ----------
    kelurahan : one row per kelurahan with its latent parameters.
    rts : one row per RT (kelurahan, rt, rw, street, posyandu).
    posyandu : one row per posyandu.
    families, members : the register (members carry NIK, names, birth dates).
    children : the under-five cohort (one row per child, linked to ``members``).
    measurements : one row per child and round (latent ``haz``/``whz``, height, weight).
    susenas : survey households (strata, psu, weight, hh_size, expenditure).
    pendataan : listed households of the focus kelurahan with the four criteria.
    programmes : one row per beneficiary and period.
    """

    seed: int
    scale: float
    kelurahan: pd.DataFrame
    rts: pd.DataFrame
    posyandu: pd.DataFrame
    families: pd.DataFrame
    members: pd.DataFrame
    children: pd.DataFrame
    measurements: pd.DataFrame
    susenas: pd.DataFrame
    pendataan: pd.DataFrame
    programmes: pd.DataFrame
    facts: dict[str, Any] = field(default_factory=dict)
    region_code: str = BONTANG
    region_name: str = "Kota Bontang"
    province_name: str = "Kalimantan Timur"
    spellings: tuple | None = None  # (variants, typos, local) of the region; None: Bontang's
    file_unit: str = "kecamatan"  # e-PPGBM and DTSEN files per kecamatan, or per "kabkota" (a province's)


def _largest_remainder(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Integers >= minimum summing to ``total`` in proportion to ``weights`` (Hamilton method)."""
    w = np.asarray(weights, float)
    base = np.maximum(minimum, np.floor(total * w / w.sum())).astype(int)
    rem = total * w / w.sum() - np.floor(total * w / w.sum())
    short = total - base.sum()
    if short > 0:
        base[np.argsort(-rem, kind="stable")[:short]] += 1
    return base


def _region_profile(kel: pd.DataFrame, region: str, rng: np.random.Generator,
                    within: str | None = None) -> pd.DataFrame:
    """Population weights, peri-urban strata, puskesmas and focus of a region other than Bontang.

    Weights are children per round (a kelurahan ~730, a desa ~300, times a log-normal spread)
    in Bontang's units (its KEL_POP sums to 201 for 15 x 730 children). Focus: the configured
    focus desa of this region when the configuration names some, else a fifth of the desa whose
    names are unique in the region, or in ``within`` (the province whose sample this region is
    part of): the RT listing names the desa alone.
    """
    is_kel = kel["kel_code"].str.split(".").str[3].str.startswith("1").to_numpy()
    base = np.where(is_kel, CHILDREN_PER_KELURAHAN, CHILDREN_PER_DESA).astype(float)
    spread = np.exp(rng.normal(0, 0.35, len(kel)))
    kel["pop"] = np.round(base * spread * sum(KEL_POP.values()) / _BONTANG_CHILDREN, 2)
    if is_kel.all():
        kel["peri_urban"] = rng.random(len(kel)) < PERI_URBAN_SHARE
    else:
        kel["peri_urban"] = ~is_kel
    kel["puskesmas"] = kel["kec_name"]
    kel["focus"] = _focus(kel, region, rng, within)
    return kel


def _focus(kel: pd.DataFrame, region: str, rng: np.random.Generator, within: str | None) -> np.ndarray:
    """Which desa are focus: those the configuration names in ``region``; when it names none (a
    province's configuration, or a new region), a share of the desa whose names are unique in
    the region, or in ``within``, drawn from ``rng``."""
    focus = {c for c in config.focus_kelurahan() if c.startswith(region + ".")}
    if not focus:
        unique = ~kel["kel_name"].str.lower().duplicated(keep=False).to_numpy()
        if within is not None:
            names = region_table(within).loc[lambda t: t["level"] == "kelurahan", "nama"].str.lower()
            unique &= ~kel["kel_name"].str.lower().isin(set(names[names.duplicated()])).to_numpy()
        idx = np.flatnonzero(unique)
        k = max(1, int(round((FOCUS_SHARE if within is None else PROVINCE_FOCUS_SHARE) * len(kel))))
        focus = set(kel["kel_code"].to_numpy()[np.sort(rng.choice(idx, min(k, len(idx)), replace=False))])
    return kel["kel_code"].isin(focus).to_numpy()


def _geography(rng: np.random.Generator, region: str = BONTANG,
               profile_rng: np.random.Generator | None = None,
               within: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    # Load inputs: the official kelurahan and kecamatan (names trimmed by the gazetteer).
    gaz = region_gazetteer(region)
    kel = gaz.kelurahan.rename(columns={"kode": "kel_code", "nama": "kel_name", "kode_kecamatan": "kec_code"})
    kel["kec_code"] = kel["kec_code"].str.strip()
    kel["kec_name"] = kel["kec_code"].map(gaz.names).astype("str")
    if region == BONTANG:  # Bontang's own sizes; focus: its configured four (or, in a province, drawn)
        kel["focus"] = _focus(kel, region, profile_rng, within)
        kel["pop"] = kel["kel_code"].map(KEL_POP).fillna(10).astype(float)
        kel["peri_urban"] = kel["kel_code"].isin(PERI_URBAN)
        kel["puskesmas"] = kel["kel_code"].map(PUSKESMAS).fillna("Bontang")
    else:  # its own draws: Bontang's stream (and so its sample) does not move
        kel = _region_profile(kel, region, profile_rng, within)
    n = len(kel)
    n_posyandu = int(round(N_POSYANDU * kel["pop"].sum() / sum(KEL_POP.values())))
    # Deprivation index: ~1 in the focus kelurahan, ~0 elsewhere.
    kel["deprivation"] = np.where(kel["focus"], 1.0, 0.0) + rng.normal(0, 0.15, n)
    kel["haz_mu"] = HAZ_MU_BASE + HAZ_MU_FOCUS_SHIFT * kel["deprivation"]
    kel["welfare_mu"] = 0.55 - 0.5 * kel["deprivation"]
    kel["log_exp_mu"] = 14.60 - 0.40 * kel["deprivation"]
    kel["n_rt"] = np.maximum(6, np.round(kel["pop"] * RT_PER_POP)).astype(int)
    kel["n_pos"] = _largest_remainder(max(n_posyandu, 2 * n), kel["pop"].to_numpy(), 2)
    kel["rt_offset"] = np.concatenate([[0], np.cumsum(kel["n_rt"])[:-1]])
    kel["pos_offset"] = np.concatenate([[0], np.cumsum(kel["n_pos"])[:-1]])

    # Posyandu: globally unique "Posyandu <flower> <n>".
    n_pos = int(kel["n_pos"].sum())
    order = rng.permutation(n_pos)
    pos = pd.DataFrame({
        "kel_idx": np.repeat(np.arange(n), kel["n_pos"]),
        "posyandu": ("Posyandu " + FLOWERS[order % len(FLOWERS)].astype(object) + " "
                     + as_text(order // len(FLOWERS) + 1)),
    })
    # RT table: rw, street, posyandu.
    kel_idx = np.repeat(np.arange(n), kel["n_rt"])
    rt = np.concatenate([np.arange(1, k + 1) for k in kel["n_rt"]])
    n_rt_k = kel["n_rt"].to_numpy()[kel_idx]
    n_str = 8
    street_sets = np.stack([rng.choice(len(STREETS), n_str, replace=False) for _ in range(n)])
    street = STREETS[street_sets[kel_idx, (rt - 1) * n_str // n_rt_k]]
    pos_local = (rt - 1) * kel["n_pos"].to_numpy()[kel_idx] // n_rt_k
    rts = pd.DataFrame({
        "kel_idx": kel_idx, "rt": rt, "rw": (rt - 1) // 6 + 1, "street": street,
        "pos_idx": kel["pos_offset"].to_numpy()[kel_idx] + pos_local,
    })
    return kel, rts, pos


def _register(rng: np.random.Generator, kel: pd.DataFrame, rts: pd.DataFrame, n_fam: int,
              n_pool: int, serial_base: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Families and their members (head, spouse, children incl. the under-five pool, relatives).

    ``serial_base`` starts the NIK serials (the kab/kota of a province sample each take their own
    range, so that people first registered elsewhere never share a NIK across them)."""
    # Process data: families.
    p = kel["pop"].to_numpy() / kel["pop"].sum()
    k = np.sort(rng.choice(len(kel), n_fam, p=p))
    n_rt = kel["n_rt"].to_numpy()[k]
    rt = 1 + (rng.random(n_fam) * n_rt).astype(int)
    rt_row = kel["rt_offset"].to_numpy()[k] + rt - 1
    head_sex = np.where(rng.random(n_fam) < 0.87, 1, 2)
    head_age = np.clip(rng.normal(43, 12, n_fam), 19, 85)
    head_birth = REF_DAY - (head_age * 365.25).astype(np.int64)
    has_spouse = (head_sex == 1) & (rng.random(n_fam) < np.where(head_age < 70, 0.9, 0.7))
    spouse_age = np.clip(head_age - rng.normal(3.5, 3, n_fam), 18, head_age + 8)
    spouse_birth = REF_DAY - (spouse_age * 365.25).astype(np.int64)
    mother_birth = np.where(has_spouse, spouse_birth, np.where(head_sex == 2, head_birth, -10**6))
    mother_age = np.where(mother_birth > -10**6, (REF_DAY - mother_birth) / 365.25, np.nan)
    fam = pd.DataFrame({
        "fam_id": np.arange(n_fam), "kel_idx": k, "rt": rt,
        "rw": rts["rw"].to_numpy()[rt_row], "pos_idx": rts["pos_idx"].to_numpy()[rt_row],
        "alamat": ("Jl. " + rts["street"].to_numpy()[rt_row].astype(object) + " No. "
                   + as_text(rng.integers(1, 150, n_fam))),
    })

    # Members: heads and spouses.
    blocks = [pd.DataFrame({"fam_id": fam["fam_id"], "role": 0, "sex": head_sex, "birth": head_birth})]
    sp = np.flatnonzero(has_spouse)
    blocks.append(pd.DataFrame({"fam_id": sp, "role": 1, "sex": 2, "birth": spouse_birth[sp]}))
    # Older children (born before the pool window), at home up to ~27 years.
    parent_birth = np.where(mother_birth > -10**6, mother_birth, head_birth)
    parent_age = (REF_DAY - parent_birth) / 365.25
    lam = np.where((parent_age >= 28) & (parent_age <= 62), 2.7, 0.6)
    n_old = rng.poisson(lam)
    f_old = np.repeat(np.arange(n_fam), n_old)
    b_old = parent_birth[f_old] + (rng.uniform(19, 42, len(f_old)) * 365.25).astype(np.int64)
    keep = (b_old < POOL_START - 30) & (b_old > REF_DAY - 27 * 365.25)
    blocks.append(pd.DataFrame({"fam_id": f_old[keep], "role": 2,
                                "sex": np.where(rng.random(keep.sum()) < 0.51, 1, 2),
                                "birth": b_old[keep]}))
    # Under-five pool: families with a mother aged 20-46, bump around 31.
    w = np.where((mother_age >= 20) & (mother_age <= 46), np.exp(-0.5 * ((mother_age - 31) / 7) ** 2), 0.0)
    f_young = np.sort(rng.choice(n_fam, n_pool, p=w / w.sum()))
    b_young = rng.integers(POOL_START, POOL_END + 1, n_pool)
    b_young = np.maximum(b_young, mother_birth[f_young] + int(17 * 365.25))
    blocks.append(pd.DataFrame({"fam_id": f_young, "role": 2,
                                "sex": np.where(rng.random(n_pool) < 0.51, 1, 2),
                                "birth": b_young, "pool": True}))
    # Other relatives (parent of the head, or a young relative).
    rel = np.flatnonzero(rng.random(n_fam) < 0.06)
    rel_age = np.where(rng.random(len(rel)) < 0.6, rng.uniform(60, 85, len(rel)), rng.uniform(16, 30, len(rel)))
    blocks.append(pd.DataFrame({"fam_id": rel, "role": 3,
                                "sex": np.where(rng.random(len(rel)) < 0.4, 1, 2),
                                "birth": REF_DAY - (rel_age * 365.25).astype(np.int64)}))
    mem = pd.concat(blocks, ignore_index=True)
    mem["pool"] = mem["pool"].fillna(False).astype(bool)
    mem = mem.sort_values(["fam_id", "role", "birth"], kind="stable").reset_index(drop=True)
    mem["birth"] = mem["birth"].astype(np.int64)
    mem["sex"] = mem["sex"].astype(np.int64)
    m = len(mem)

    # Identifiers: NIK by region of first registration; No. KK by kecamatan and issue date.
    kec_region = _nik_region(kel)
    fam_region = kec_region[fam["kel_idx"].to_numpy()]
    born_here = np.where(mem["birth"].to_numpy() >= POOL_START, 0.95, 0.70)
    local = rng.random(m) < born_here
    others = _other_regions(kel)
    region = np.where(local, fam_region[mem["fam_id"].to_numpy()],
                      others[rng.integers(0, len(others), m)])
    mem["nik"] = _make_ids(rng, region, mem["birth"].to_numpy(), mem["sex"].to_numpy() == 2, serial_base)
    mem["nama"] = _names(rng, mem["sex"].to_numpy())
    issue_lo = np.maximum(head_birth + int(18 * 365.25), to_day("2006-01-01"))
    issue = issue_lo + (rng.random(n_fam) * (to_day("2024-12-20") - issue_lo)).astype(np.int64)
    fam["no_kk"] = _make_ids(rng, fam_region, issue, np.zeros(n_fam, bool))

    # Family size, desil and programme flags.
    size = np.bincount(mem["fam_id"], minlength=n_fam)
    fam["size"] = size
    welfare = kel["welfare_mu"].to_numpy()[k] + rng.normal(0, 1, n_fam) - 0.12 * (size - 3.5)
    cuts = np.array([-1.2816, -0.8416, -0.5244, -0.2533, 0.0, 0.2533, 0.5244, 0.8416, 1.2816])
    desil = 1 + np.searchsorted(cuts, welfare)
    fam["desil"] = desil
    fam["welfare"] = welfare
    n_young = np.bincount(mem["fam_id"][mem["pool"]], minlength=n_fam)
    fam["n_young"] = n_young
    u = rng.random((3, n_fam))
    fam["pkh"] = u[0] < np.select([desil == 1, desil == 2, desil == 3], [0.6, 0.4, 0.1], 0.02)
    fam["bpnt"] = u[1] < np.select([desil == 1, desil == 2, desil == 3, desil == 4], [0.7, 0.5, 0.25, 0.05], 0.01)
    fam["pbi"] = u[2] < np.select([desil <= 2, desil <= 4, desil == 5], [0.85, 0.6, 0.3], 0.1)
    fam["resiko_stunting"] = np.where((n_young > 0) & (desil <= 4), rng.random(n_fam) < 0.7,
                                      rng.random(n_fam) < 0.03)
    # Mother (or head) of each family, for the children's NIK Ortu / Nama Ortu.
    mother_row = np.full(n_fam, -1)
    is_mother = (mem["role"].to_numpy() == 1) | ((mem["role"].to_numpy() == 0) & (mem["sex"].to_numpy() == 2))
    mother_row[mem["fam_id"].to_numpy()[is_mother]] = np.flatnonzero(is_mother)
    head_row = np.flatnonzero(mem["role"].to_numpy() == 0)
    fam["head_row"] = head_row
    fam["mother_row"] = np.where(mother_row >= 0, mother_row, head_row)
    return fam, mem


def _children(rng: np.random.Generator, kel: pd.DataFrame, fam: pd.DataFrame,
              mem: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The under-five cohort and its measurements in the three rounds."""
    pool = mem[mem["pool"]].copy()
    n = len(pool)
    f = pool["fam_id"].to_numpy()
    kidx = fam["kel_idx"].to_numpy()[f]
    desil = fam["desil"].to_numpy()[f]
    # Desil gradient inside each kelurahan, centred so the kelurahan mean stays haz_mu.
    cen = desil - pd.Series(desil).groupby(kidx).transform("mean").to_numpy()
    mu = kel["haz_mu"].to_numpy()[kidx] + 0.06 * cen
    moved_in = rng.random(n) < 0.10
    entry = np.where(moved_in, rng.integers(pool["birth"], POOL_END + 1), pool["birth"])
    moved_out = rng.random(n) < 0.08
    exit_ = np.where(moved_out, rng.integers(to_day("2023-06-01"), to_day("2025-02-28"), n), 10**7)
    child = pd.DataFrame({
        "child_id": np.arange(n), "member_row": pool.index.to_numpy(), "fam_id": f,
        "kel_idx": kidx, "sex": pool["sex"].to_numpy(), "birth": pool["birth"].to_numpy(),
        "haz_mu": mu, "e_haz": rng.normal(0, 1, n), "e_whz": rng.normal(0, 1, n),
        "entry": entry, "exit": exit_,
        "birth_weight": np.round(rng.normal(3.1, 0.45, n).clip(1.6, 4.8), 2),
        "birth_length": np.round(rng.normal(48.5, 2.2, n).clip(40, 55), 1),
    })

    rows = []
    pos_idx = fam["pos_idx"].to_numpy()[f]
    n_pos = int(fam["pos_idx"].max()) + 1
    for r, (period, _) in enumerate(ROUNDS):
        month0 = to_day(period + "-01")
        pos_day = rng.integers(3, 25, n_pos)
        mday = np.where(rng.random(n) < 0.9, pos_day[pos_idx], rng.integers(1, 28, n))
        mdate = month0 + mday - 1
        age = mdate - child["birth"].to_numpy()
        attend = np.where(age <= 1825, 0.88, 0.15)
        present = ((age >= 0) & (age <= 1856) & (mdate >= entry) & (mdate < exit_)
                   & (rng.random(n) < attend))
        idx = np.flatnonzero(present)
        rows.append(pd.DataFrame({"round": r, "period": period, "child_id": idx,
                                  "mdate": mdate[idx], "age_days": age[idx],
                                  "e_haz_r": rng.normal(0, 1, len(idx)),
                                  "e_whz_r": rng.normal(0, 1, len(idx))}))
    meas = pd.concat(rows, ignore_index=True)
    c = meas["child_id"].to_numpy()
    sex = child["sex"].to_numpy()[c]
    age = meas["age_days"].to_numpy()
    a = np.minimum(age, 1826)
    # Latent z: persistent child part plus a round part (HAZ tracks strongly, WHZ less).
    haz = child["haz_mu"].to_numpy()[c] + HAZ_SD * (np.sqrt(0.9) * child["e_haz"].to_numpy()[c]
                                                    + np.sqrt(0.1) * meas["e_haz_r"].to_numpy())
    whz = WHZ_MU + WHZ_SD * (np.sqrt(0.5) * child["e_whz"].to_numpy()[c]
                             + np.sqrt(0.5) * meas["e_whz_r"].to_numpy())
    # The latent z are drawn on the LMS scale itself: the plain formula y = M(1 + L S z)^(1/L),
    # no restricted tails (the generator always drew them so; a seed keeps its bytes).
    # Length (< 731 days) or height from lenanthro (L = 1): y = M (1 + S z).
    std_h = lms_value(haz, *lms_parameters("height_for_age", sex, a), restricted_tails=False)
    # Weight: invert weight-for-length/height at that length/height.
    lying = age < 731
    wfl = lms_parameters("weight_for_length", sex, np.clip(std_h, *WFL_RANGE_CM))
    wfh = lms_parameters("weight_for_height", sex, np.clip(std_h, *WFH_RANGE_CM))
    L, Mw, Sw = (np.where(lying, v_l, v_h) for v_l, v_h in zip(wfl, wfh, strict=True))
    weight = lms_value(np.clip(whz, -4.5, 4.5), L, Mw, Sw, restricted_tails=False)
    # Position label and the value as measured in that position.
    pos_rng = rng.random(len(meas))
    correct = np.where(lying, "l", "h")
    wrong = np.where(lying, "h", "l")
    position = np.where(pos_rng < DIRT_RATES["position_wrong"][0], wrong,
                        np.where(pos_rng < DIRT_RATES["position_wrong"][0] + DIRT_RATES["position_blank"][0], "", correct))
    measured = std_h + np.where((position == "h") & lying, -0.7, 0.0) + np.where((position == "l") & ~lying, 0.7, 0.0)
    whole = rng.random(len(meas)) < DIRT_RATES["height_whole_cm"][0]
    height = np.where(whole, np.round(measured), np.round(measured, 1))
    weight = np.round(weight, 1)
    meas["haz"] = haz
    meas["whz"] = whz
    meas["height_cm"] = height
    meas["weight_kg"] = weight
    meas["position"] = position
    meas["height_whole_cm"] = whole

    # The app's own z-scores: age in completed months, no 0.7 cm rule, height to 0.5 cm, no
    # restricted tails beyond +-3 SD.
    months = np.floor(age / 30.4375)
    a_m = np.minimum(np.round(months * 30.4375).astype(int), 1826)
    zs_tbu = lms_zscore(height, *lms_parameters("height_for_age", sex, a_m), restricted_tails=False)
    zs_bbu = lms_zscore(weight, *lms_parameters("weight_for_age", sex, a_m), restricted_tails=False)
    h5 = np.round(height * 2) / 2
    under2 = months < 24
    z_wfl = lms_zscore(weight, *lms_parameters("weight_for_length", sex, np.clip(h5, *WFL_RANGE_CM)),
                       restricted_tails=False)
    z_wfh = lms_zscore(weight, *lms_parameters("weight_for_height", sex, np.clip(h5, *WFH_RANGE_CM)),
                       restricted_tails=False)
    zs_bbtb = np.where(under2, z_wfl, z_wfh)
    meas["zs_tbu"], meas["zs_bbu"], meas["zs_bbtb"] = zs_tbu, zs_bbu, zs_bbtb
    meas["age_months"] = months
    return child, meas


def _susenas(rng: np.random.Generator, kel: pd.DataFrame, n_households_total: float,
             region: str = BONTANG) -> pd.DataFrame:
    """Stratified two-stage sample: strata kecamatan x (urban/peri-urban), ~10 households per PSU."""
    kel = kel.copy()
    if region != BONTANG:  # the survey samples only areas BPS codes (a kecamatan new since 2020 has none)
        kel = kel[kel["bps_kec"].notna()]
    kel["stratum"] = (kel["kec_code"].str[-2:].astype(int) * 10 + np.where(kel["peri_urban"], 2, 1))
    hh_k = n_households_total * kel["pop"] / kel["pop"].sum()
    st = kel.groupby("stratum")["pop"].sum()
    alloc = pd.Series(_largest_remainder(SUSENAS_PSU, st.to_numpy(), 2), index=st.index)
    psu_rows = []
    for s, n_psu in alloc.items():  # Bontang: 6 strata. Allocation of PSUs to kelurahan
        ks = kel.index[kel["stratum"] == s].to_numpy()
        pk = kel.loc[ks, "pop"].to_numpy() / kel.loc[ks, "pop"].sum()
        psu_rows.append(pd.DataFrame({"stratum": s, "kel_idx": rng.choice(ks, n_psu, p=pk)}))
    psu = pd.concat(psu_rows, ignore_index=True).sort_values(["stratum", "kel_idx"], kind="stable")
    psu["nks"] = np.sort(rng.choice(np.arange(100001, 199999), len(psu), replace=False))
    psu["psu_eff"] = rng.normal(0, 0.15, len(psu))
    n_hh = SUSENAS_HH_PER_PSU - (rng.random(len(psu)) < 0.08)  # a few non-responding households
    hh = psu.loc[psu.index.repeat(n_hh)].reset_index(drop=True)
    hh["hh_no"] = hh.groupby("nks").cumcount() + 1
    n = len(hh)
    hh["hh_size"] = np.clip(1 + rng.poisson(2.6, n), 1, 12)
    k = hh["kel_idx"].to_numpy()  # labels of the region's kelurahan table, not positions in ``kel``
    log_e = (kel.loc[k, "log_exp_mu"].to_numpy() - 0.07 * (hh["hh_size"] - 3.6) + hh["psu_eff"]
             + rng.normal(0, 0.62, n))
    # Design weights (stratum households / sampled households) with a nonresponse adjustment,
    # rescaled so each stratum sums to its households.
    N_h = pd.Series(hh_k.to_numpy(), index=kel.index).groupby(kel["stratum"]).sum()
    w = rng.uniform(0.85, 1.15, n)
    w = w * (N_h.reindex(hh["stratum"]).to_numpy() / pd.Series(w).groupby(hh["stratum"].to_numpy()).transform("sum").to_numpy())
    hh["weight"] = w
    # Calibrate expenditure: an affine map in logs puts the person-weighted quantiles at the
    # poverty lines (TARGET_* shares below them); the ordering of households is unchanged.
    pw = w * hh["hh_size"].to_numpy()
    order = np.argsort(log_e, kind="stable")
    cum = np.cumsum(pw[order]) / pw.sum()

    def q(p: float) -> float:
        i = int(np.searchsorted(cum, p))
        lo = log_e[order[max(i - 1, 0)]]
        return 0.5 * (lo + log_e[order[i]]) if i > 0 else log_e[order[0]] - 1e-3

    lp, le = np.log(survey_line("poverty", region)), np.log(survey_line("extreme", region))
    qp, qe = q(TARGET_POVERTY_SHARE), q(TARGET_EXTREME_SHARE)
    slope = float(np.clip((lp - le) / max(qp - qe, 1e-9), 0.5, 2.0))
    log_e = lp + slope * (log_e - qp)
    hh["expenditure_pc"] = np.round(np.exp(log_e)).astype(np.int64)
    hh["hh_id"] = hh["nks"].astype(str) + hh["hh_no"].map("{:02d}".format)
    return hh


def _pendataan(rng: np.random.Generator, kel: pd.DataFrame, fam: pd.DataFrame, mem: pd.DataFrame,
               rts: pd.DataFrame) -> pd.DataFrame:
    """RT self-listing in the focus kelurahan: DTSEN families with desil 1-3 plus newcomers."""
    focus_idx = np.flatnonzero(kel["focus"].to_numpy())
    cand = fam[np.isin(fam["kel_idx"], focus_idx) & (fam["desil"] <= 3)]
    p_list = np.select([cand["desil"] == 1, cand["desil"] == 2], [0.85, 0.6], 0.35)
    listed = cand[rng.random(len(cand)) < p_list]
    heads = mem.loc[listed["head_row"].to_numpy()]
    out = pd.DataFrame({
        "fam_id": listed["fam_id"].to_numpy(), "in_dtsen": True, "kel_idx": listed["kel_idx"].to_numpy(),
        "rt": listed["rt"].to_numpy(), "rw": listed["rw"].to_numpy(), "alamat": listed["alamat"].to_numpy(),
        "no_kk": listed["no_kk"].to_numpy(), "nik_kepala": heads["nik"].to_numpy(),
        "nama_kepala": heads["nama"].to_numpy(), "desil": listed["desil"].to_numpy(),
    })
    # Households not in DTSEN (newcomers, never registered).
    n_new = int(round(0.06 * len(out)))
    kn = rng.choice(focus_idx, n_new, p=kel["pop"].to_numpy()[focus_idx] / kel["pop"].to_numpy()[focus_idx].sum())
    rt = 1 + (rng.random(n_new) * kel["n_rt"].to_numpy()[kn]).astype(int)
    rt_row = kel["rt_offset"].to_numpy()[kn] + rt - 1
    sex = np.where(rng.random(n_new) < 0.8, 1, 2)
    birth = REF_DAY - (rng.uniform(22, 70, n_new) * 365.25).astype(np.int64)
    region = _nik_region(kel)[kn]
    new = pd.DataFrame({
        "fam_id": -1, "in_dtsen": False, "kel_idx": kn, "rt": rt, "rw": rts["rw"].to_numpy()[rt_row],
        "alamat": "Jl. " + rts["street"].to_numpy()[rt_row].astype(object) + " No. " + as_text(rng.integers(1, 150, n_new)),
        "no_kk": np.where(rng.random(n_new) < 0.7,
                          _make_ids(rng, region, rng.integers(to_day("2015-01-01"), to_day("2024-12-01"), n_new),
                                    np.zeros(n_new, bool), serial_base=9000), ""),
        "nik_kepala": _make_ids(rng, np.where(rng.random(n_new) < 0.5, region,
                                              _other_regions(kel)[rng.integers(0, len(_other_regions(kel)), n_new)]),
                                birth, sex == 2, serial_base=9000),
        "nama_kepala": _names(rng, sex), "desil": 0,
    })
    out = pd.concat([out, new], ignore_index=True)
    n = len(out)
    # The four criteria: a shared severity latent makes them correlated.
    thr = np.array([NormalDist().inv_cdf(float(x)) for x in (0.58, 0.35, 0.2, 0.5)])[
        np.select([out["desil"] == 1, out["desil"] == 2, out["desil"] == 3], [0, 1, 2], 3)]
    sev = rng.normal(0, 1, n)
    for j in range(1, 5):
        out[f"kriteria_{j}"] = 0.6 * sev + 0.8 * rng.normal(0, 1, n) < thr
    ncrit = out[[f"kriteria_{j}" for j in range(1, 5)]].sum(axis=1).to_numpy()
    u = rng.random(n)
    out["status"] = np.where(
        ncrit >= 1,
        np.select([u < 0.6, u < 0.9], ["Terverifikasi", "Belum Diverifikasi"], "Tidak Memenuhi"),
        np.select([u < 0.15, u < 0.4], ["Terverifikasi", "Belum Diverifikasi"], "Tidak Memenuhi"))
    out["tanggal"] = rng.integers(to_day("2025-01-06"), to_day("2025-03-15"), n)
    # Enumerators: five per kelurahan, by RT block.
    pet_names = _names(rng, np.where(rng.random(len(kel) * 5) < 0.5, 1, 2)).reshape(len(kel), 5)
    n_rt = kel["n_rt"].to_numpy()[out["kel_idx"]]
    out["petugas"] = pet_names[out["kel_idx"], (out["rt"].to_numpy() - 1) * 5 // n_rt]
    return out.sort_values(["kel_idx", "rt", "nama_kepala"], kind="stable").reset_index(drop=True)


def _programmes(rng: np.random.Generator, fam: pd.DataFrame, mem: pd.DataFrame,
                listing: pd.DataFrame, scale: float) -> pd.DataFrame:
    """Beneficiary lists (with inclusion and exclusion errors) and incentive rosters."""
    cfg = {p["key"]: p for p in config.settings()["programmes"]}
    min_crit = int(config.settings()["local_criteria"]["min_criteria_extreme"])
    desil = fam["desil"].to_numpy()
    n_fam = len(fam)
    age = (REF_DAY - mem["birth"].to_numpy()) / 365.25
    out = []

    def families(target: np.ndarray, take: float, n_total: int | None) -> np.ndarray:
        """Covered target families + ~8% desil 2-4 near-misses + ~10% desil >= 5 (inclusion error)."""
        t_idx = np.flatnonzero(target)
        n_t = int(round(take * len(t_idx))) if n_total is None else int(round(0.82 * n_total))
        chosen = rng.choice(t_idx, min(n_t, len(t_idx)), replace=False)
        n_all = int(round(len(chosen) / 0.82))
        near = np.flatnonzero(~target & (desil >= 2) & (desil <= 4))
        rich = np.flatnonzero(~target & (desil >= 5))
        n_rich = int(round(0.10 * n_all))
        extra = [rng.choice(near, n_all - len(chosen) - n_rich, replace=False), rng.choice(rich, n_rich, replace=False)]
        return np.concatenate([chosen, *extra])

    def rows(key: str, person_rows: np.ndarray, periods: list[str], amount: int,
             churn: float = 0.0) -> pd.DataFrame:
        n = len(person_rows)
        per = []
        for p in periods:
            stay = rng.random(n) >= churn
            per.append(pd.DataFrame({"programme": key, "member_row": person_rows[stay], "period": p,
                                     "amount": amount}))
        return pd.concat(per, ignore_index=True)

    crit_fams = listing.loc[listing["in_dtsen"] & (listing[[f"kriteria_{j}" for j in range(1, 5)]].sum(axis=1) >= min_crit), "fam_id"]
    in_crit = np.zeros(n_fam, bool)
    in_crit[crit_fams.to_numpy()] = True
    head_row = fam["head_row"].to_numpy()
    # Tengok Tetangga: desil <= 1 or >= min criteria; 65% of the target covered.
    tt = families((desil <= 1) | in_crit, 0.65, None)
    out.append(rows("tengok_tetangga", head_row[tt], list(PROGRAM_PERIODS), 300_000, churn=0.05))
    # Balai kerja: desil <= 2, an adult member 18-45, capacity-limited.
    bk_fam = families(desil <= 2, 0.0, max(20, int(round(400 * scale))))
    cand = mem[np.isin(mem["fam_id"], bk_fam) & (age >= 18) & (age <= 45)]
    one = cand.sample(frac=1, random_state=rng.integers(2**31)).drop_duplicates("fam_id")
    half = len(one) // 2
    out.append(pd.concat([rows("balai_kerja", one.index.to_numpy()[:half], ["2025-01"], 500_000),
                          rows("balai_kerja", one.index.to_numpy()[half:], ["2025-03"], 500_000)]))
    # Baznas-DSPM empowerment: desil <= 1, one grant.
    bz = families(desil <= 1, 0.0, max(15, int(round(250 * scale))))
    out.append(rows("baznas_dspm", head_row[bz], ["2025-03"], 2_500_000))
    # Incentives. RT heads: one head of family per RT, richer families more likely.
    f = fam.assign(key=rng.random(n_fam) * (desil + 3)).sort_values("key", ascending=False)
    rt_heads = f.drop_duplicates(["kel_idx", "rt"])
    out.append(rows("insentif_ketua_rt", rt_heads["head_row"].to_numpy(), list(PROGRAM_PERIODS), 1_000_000))
    # Posyandu cadres: five women 20-60 per posyandu, living in its kelurahan.
    women = mem[(mem["sex"] == 2) & (age >= 20) & (age <= 60)]
    women = women.assign(pos_idx=fam["pos_idx"].to_numpy()[women["fam_id"]], key=rng.random(len(women)))
    cadres = women.sort_values("key").groupby("pos_idx").head(5)
    out.append(rows("insentif_kader_posyandu", cadres.index.to_numpy(), list(PROGRAM_PERIODS), 400_000))
    # Private-school teachers: adults 22-58 from desil >= 3.
    adults = np.flatnonzero((age >= 22) & (age <= 58) & (desil[mem["fam_id"]] >= 3))
    teachers = rng.choice(adults, max(20, int(round(650 * scale))), replace=False)
    out.append(rows("insentif_guru_swasta", teachers, list(PROGRAM_PERIODS), 700_000))
    prog = pd.concat(out, ignore_index=True)
    prog["label"] = prog["programme"].map({k: v["label_id"] for k, v in cfg.items()}).fillna(prog["programme"])
    return prog


def _bps_codes(kel: pd.DataFrame, region: str) -> pd.DataFrame:
    """BPS kecamatan (7 digits) and desa (10 digits) codes of each desa, from the region's
    crosswalk (:mod:`analysis.intake.bps_crosswalk`); missing where BPS has none."""
    from analysis.intake.bps_crosswalk import crosswalk_table

    x = crosswalk_table(region)
    x = x[x["kode_kemendagri"].fillna("") != ""].drop_duplicates("kode_kemendagri")
    to_bps = dict(zip(x["kode_kemendagri"], x["kode_bps"], strict=True))
    kel["bps_kec"] = kel["kec_code"].map(to_bps).astype("str")
    kel["bps_desa"] = kel["kel_code"].map(to_bps).astype("str")
    # A desa coded under another BPS kecamatan (moved since 2020) keeps only its kecamatan.
    kel.loc[kel["bps_desa"].str[:7] != kel["bps_kec"], "bps_desa"] = None
    return kel


@cache
def _spellings(code: str) -> tuple:
    """The desa spellings of a region (:func:`~analysis.synthetic.dirt.region_spellings`), once."""
    return region_spellings(region_gazetteer(code))


def simulate(seed: int = 2025, scale: float = 1.0, region: str | None = None, *,
             within: str | None = None, serial_base: int = 0) -> SyntheticBontang:
    """Build the synthetic world (clean truth, before any export dirt).

    Parameters
    ----------
    seed
        Seed of every random stream.
    scale
        Size multiplier: 1.0 gives ~50,000 families and ~11,000 children per round in Bontang;
        the geography (RT, posyandu) and the survey sample size do not scale.
    region
        Kemendagri code of the kab/kota; default the configured region. Any region other than Bontang
        takes its kecamatan and desa from the gazetteer, and its size from them (about 730 children
        per kelurahan and 300 per desa and round at scale 1).
    within
        The province whose sample ``region`` is part of (:mod:`analysis.synthetic.province`): the
        focus desa have names unique in it and the spellings are checked against its gazetteer.
    serial_base
        First NIK serial of the region's people (a range per kab/kota of a province).

    Returns
    -------
    SyntheticBontang
    """
    if not (isinstance(scale, int | float) and 0.005 <= float(scale) <= 4):
        raise RakorInputError(f"scale must be a number between 0.005 and 4; got {scale!r}")
    region = str(region or config.settings()["region"]["code"]).strip()
    if kind_of(region) not in ("kota", "kabupaten"):
        raise RakorInputError(f"a synthetic world is one kab/kota; {region!r} is not a kab/kota code "
                              "(e.g. 64.74; a province's sample is written by `generate`, one world per kab/kota)")
    # Load inputs.
    kel, rts, pos = _geography(stream(seed, "geography"), region, stream(seed, f"geography-{region}"), within)
    # Process data: the region's size relative to Bontang's (1 for Bontang).
    size = 1.0 if region == BONTANG else float(kel["pop"].sum() / sum(KEL_POP.values()))
    if region != BONTANG:
        kel = _bps_codes(kel, region)
    n_fam = int(round(N_FAMILIES * scale * size))
    # Expected share of the pool present in a round: 5-year window / pool window x attendance
    # x still in the city (moves in/out): solved for the pool size.
    share = 1826 / (POOL_END - POOL_START) * 0.88 * 0.93
    n_pool = int(round(N_CHILDREN_ROUND * scale * size / share))
    fam, mem = _register(stream(seed, "register"), kel, rts, n_fam, n_pool, serial_base)
    child, meas = _children(stream(seed, "children"), kel, fam, mem)
    sus = _susenas(stream(seed, "susenas"), kel, float(n_fam), region)
    listing = _pendataan(stream(seed, "pendataan"), kel, fam, mem, rts)
    prog = _programmes(stream(seed, "programmes"), fam, mem, listing, scale * size)

    focus_k = kel["focus"].to_numpy()
    latent = meas[meas["age_days"] <= 1825]
    stunted = latent["haz"] < -2
    in_focus = focus_k[child["kel_idx"].to_numpy()[latent["child_id"]]]
    pw = sus["weight"] * sus["hh_size"]
    facts = {
        "families": n_fam, "members": len(mem), "children": len(child),
        "children_per_round": meas.groupby("period").size().to_dict(),
        "stunting_latent_city": float(stunted.mean()),
        "stunting_latent_focus": float(stunted[in_focus].mean()),
        "stunting_latent_other": float(stunted[~in_focus].mean()),
        "wasting_latent_city": float((latent["whz"] < -2).mean()),
        "poverty_person_share": float(pw[sus["expenditure_pc"] < survey_line("poverty", region)].sum() / pw.sum()),
        "extreme_person_share": float(pw[sus["expenditure_pc"] < survey_line("extreme", region)].sum() / pw.sum()),
        "desil1_share_focus": float((fam["desil"][focus_k[fam["kel_idx"]]] == 1).mean()),
        "desil1_share_other": float((fam["desil"][~focus_k[fam["kel_idx"]]] == 1).mean()),
        "susenas_households": len(sus), "susenas_psu": int(sus["nks"].nunique()),
        "susenas_weight_sum": float(sus["weight"].sum()),
    }
    if region != BONTANG:
        facts["susenas_strata"] = int(sus["stratum"].nunique())
    for df in (kel, rts, pos, fam, mem, child, meas, sus, listing, prog):
        objectify(df)
    table = region_table(region)
    province = region_table(region.split(".")[0]).set_index("kode")["nama"].get(region.split(".")[0], "")
    return SyntheticBontang(seed=seed, scale=float(scale), kelurahan=kel, rts=rts, posyandu=pos,
                            families=fam, members=mem, children=child, measurements=meas,
                            susenas=sus, pendataan=listing, programmes=prog, facts=facts,
                            region_code=region, region_name=str(table.loc[table["kode"] == region, "nama"].iloc[0]),
                            province_name=str(province),
                            spellings=None if region == BONTANG else _spellings(within or region))


def generate(out_dir: Path | str, seed: int = 2025, scale: float = 1.0,
             region: str | None = None) -> dict[str, Any]:
    """Write the synthetic Bontang raw data set (all five sources and a README) into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if needed). Writes ``eppgbm/``, ``dtsen/``, ``susenas/``,
        ``pendataan_rt/``, ``program/`` and ``README.md``; existing files of the same names are
        overwritten, other files are left alone.
    seed
        Seed of every random stream; the same seed gives byte-identical files.
    scale
        Size multiplier (1.0: ~50,000 families, ~11,000 children per round). Small values
        (e.g. 0.1) make fast test data; the geography and the survey sample do not scale.
    region
        Kemendagri code of the kab/kota (default the configured region); see :func:`simulate`.

    Returns
    -------
    dict
        ``out_dir``, ``seed``, ``scale``, ``files`` (relative path -> data rows),
        ``facts`` (aggregate truth: latent stunting, poverty shares, sizes), ``seconds``.

    Examples
    --------
    >>> from analysis.synthetic.world import generate
    >>> summary = generate(Path("data/raw/sample"), seed=2025)  # doctest: +SKIP
    >>> summary["files"]["susenas/susenas_bontang_202503.csv"]  # doctest: +SKIP
    985
    """
    t0 = time.perf_counter()
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise RakorInputError(f"seed must be a whole number; got {seed!r}") from None
    if seed < 0:
        raise RakorInputError(f"seed must be zero or positive; got {seed}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise RakorInputError(f"--out must be a folder; {out} is a file")
    out.mkdir(parents=True, exist_ok=True)
    region = str(region or config.settings()["region"]["code"]).strip()
    if kind_of(region) == "provinsi":  # one sample per kab/kota, the survey of the province
        from analysis.synthetic.province import generate_province

        return generate_province(out, seed, scale, region) | {"seconds": round(time.perf_counter() - t0, 2)}
    # Load inputs / process data.
    world = simulate(seed, scale, region)
    # Save outputs.
    log = write_exports(world, out)
    write_text(readme_text(world, log), out / "README.md")
    return {"out_dir": str(out), "seed": seed, "scale": float(scale), "region": world.region_code,
            "files": dict(sorted(log.files.items())),
            "facts": world.facts, "seconds": round(time.perf_counter() - t0, 2)}

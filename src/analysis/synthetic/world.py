"""Synthetic Kota Bontang raw data: the data set that makes the workspace runnable out of the box.

:func:`generate` writes agency-style exports for every raw source (``eppgbm``, ``dtsen``,
``susenas``, ``pendataan_rt``, ``program``) plus a ``README.md`` into a folder. The people are
invented; the structure is Bontang's (3 kecamatan, 15 kelurahan with Kemendagri codes, about 100
posyandu, RT/RW), and the files carry the dirt real exports carry (spellings, date formats,
decimal commas, invalid NIKs, duplicates...) at documented rates.

How it is built
---------------
1. *World* (:func:`simulate`): kelurahan with a deprivation index (higher in the focus kelurahan
   of ``config/settings.yml``), RT/RW, streets and posyandu; ~50,000 families with members,
   NIK and No. KK; a welfare latent that gives the DTSEN desil; a cohort of children under five
   who age across three weighing rounds, with a latent height-for-age z ~ N(mu_kelurahan, 1.1)
   turned into a length/height through the WHO 2006 LMS tables (L = 1), and a weight from a
   latent weight-for-length/height z ~ N(-0.3, 1.1) by inverting the LMS formula; a
   Susenas-style sample (6 strata, ~100 PSU, ~1,000 households) whose per-capita expenditure is
   calibrated to the poverty lines of the configuration; a RT self-listing; programme lists.
2. *Exports* (:func:`generate`): each source written as the agencies write it (headers taken from
   the alias lists of ``config/sources.yml``, varied between files), with dirt added at the rates
   of :data:`DIRT_RATES`. Everything is drawn from ``numpy.random.default_rng`` streams derived
   from the seed, and workbook metadata and zip timestamps are fixed, so a seed gives
   byte-identical files.

Workbooks: ``openpyxl`` (write-only mode) writes the package, title rows and header; the data
rows are serialised as sheet XML in vectorised form and spliced in, because openpyxl needs
~20 us per cell on this machine (several seconds per e-PPGBM workbook).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import RakorInputError

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

ROUNDS = (("2024-02", "Februari 2024"), ("2024-08", "Agustus 2024"), ("2025-02", "Februari 2025"))
REGISTER_PERIOD = "2025-02"
SURVEY_PERIOD = "2025-03"
PROGRAM_PERIODS = ("2025-01", "2025-02", "2025-03")
FIXED_TIMESTAMP = "2025-03-05T08:00:00Z"      # workbook metadata (determinism)
ZIP_DATE = (2025, 3, 5, 8, 0, 0)


def _day(s: str) -> int:
    return int(np.datetime64(s, "D").astype(np.int64))


REF_DAY = _day("2025-03-01")        # "today" of the synthetic world
POOL_START, POOL_END = _day("2019-02-01"), _day("2025-02-20")
EXCEL_OFFSET = 25569                # days from 1899-12-30 to 1970-01-01

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
US_DATE_ROWS = 5   # rows with a month-first measurement date (day <= 12): cannot be told apart

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

# ---- per-file header choices (every header must be an alias in config/sources.yml) ----------
EXTRA_HEADERS = {"No"}  # extra columns some exports add (kept aside by the reader)

EPPGBM_HEADERS = {
    "A": ["No", "NIK", "Nama", "JK", "Tgl Lahir", "BB Lahir", "TB Lahir", "Nama Ortu", "NIK Ortu",
          "No KK", "Prov", "Kab/Kota", "Kec", "Puskesmas", "Desa/Kel", "Posyandu", "RT", "RW",
          "Alamat", "Usia Saat Ukur", "Tanggal Pengukuran", "Berat", "Tinggi", "Cara Ukur", "LiLA",
          "BB/U", "ZS BB/U", "TB/U", "ZS TB/U", "BB/TB", "ZS BB/TB"],
    "B": ["NIK Anak", "Nama Anak", "Jenis Kelamin", "Tanggal Lahir", "Berat Lahir", "Panjang Lahir",
          "Nama Ibu", "NIK Ibu", "No. KK", "Provinsi", "Kota", "Kecamatan", "Pkm", "Desa/Kelurahan",
          "Nama Posyandu", "RT", "RW", "Alamat Lengkap", "Umur", "Tgl Ukur", "Berat Badan (kg)",
          "Tinggi Badan (cm)", "Posisi Ukur", "LILA", "BB/U", "Z-Score BB/U", "TB/U",
          "Z-Score TB/U", "BB/TB", "Z-Score BB/TB", "Periode"],
    "C": ["No NIK", "Nama Balita", "L/P", "Tgl. Lahir", "BB Lahir (kg)", "TB Lahir (cm)",
          "Nama Orang Tua", "NIK Orang Tua", "Nomor KK", "Prov", "Kab/Kota", "Kec", "Puskesmas",
          "Kelurahan", "Posyandu", "RT", "RW", "Alamat", "Usia", "Tanggal Ukur", "BB (kg)",
          "TB/PB (cm)", "Cara Pengukuran", "LiLA", "BB/U", "ZS BB/U", "TB/U", "ZS TB/U", "BB/TB",
          "ZS BB/TB", "Bulan Penimbangan"],
}
EPPGBM_FIELDS = ["no", "nik", "nama", "sex", "birth_date", "birth_weight_kg", "birth_length_cm",
                 "nama_ortu", "nik_ortu", "no_kk", "provinsi", "kabkota", "kecamatan", "puskesmas",
                 "kelurahan", "posyandu", "rt", "rw", "alamat", "usia_saat_ukur", "measure_date",
                 "weight_kg", "height_cm", "measure_position", "muac_cm", "bbu", "zs_bbu", "tbu",
                 "zs_tbu", "bbtb", "zs_bbtb", "period"]
#: One file per round and kecamatan: format, header style, date style, sex style.
EPPGBM_FILES = {
    # (round index, kecamatan code): (format, sep, header, date style, sex style). Workbooks are
    # mostly the smaller kecamatan: openpyxl needs ~40 us per cell to read them back.
    (0, "64.74.01"): ("csv", ";", "B", "dmy", "LP"),
    (0, "64.74.02"): ("csv", ",", "C", "iso", "num"),
    (0, "64.74.03"): ("xlsx", None, "A", "xlsx_date", "LP"),
    (1, "64.74.01"): ("csv", ";", "B", "dmy", "LP"),
    (1, "64.74.02"): ("xlsx", None, "A", "xlsx_serial", "word"),
    (1, "64.74.03"): ("xlsx", None, "C", "xlsx_text", "LP"),
    (2, "64.74.01"): ("csv", ",", "C", "dmy2", "num"),
    (2, "64.74.02"): ("csv", ";", "B", "dmy", "word"),
    (2, "64.74.03"): ("xlsx", None, "A", "xlsx_date", "LP"),
}
US_DATE_FILE = (1, "64.74.01")

DTSEN_HEADERS = {
    "64.74.01": ["No KK", "NIK", "Nama", "JK", "Tgl Lahir", "Hubungan", "Alamat", "RT", "RW",
                 "Kecamatan", "Kelurahan", "Desil", "Penerima PKH", "Penerima BPNT",
                 "Penerima PBI", "Resiko Stunting", "Periode"],
    "64.74.02": ["nomor_kk", "nomor_nik", "nama", "Jenis Kelamin", "Tanggal Lahir", "SHDK",
                 "Alamat", "RT", "RW", "Kec", "Desa/Kel", "desil_kesejahteraan", "penerima_pkh",
                 "penerima_bpnt", "penerima_pbi", "resiko_stunting"],
    "64.74.03": ["No. KK", "No NIK", "Nama Lengkap", "JK", "Tgl Lahir", "Hub. KK", "Alamat", "RT",
                 "RW", "Kecamatan", "Kelurahan", "Desil Nasional", "PKH", "BPNT", "PBI JK",
                 "Risiko Stunting", "Periode Data"],
}
DTSEN_FIELDS = ["no_kk", "nik", "nama", "sex", "birth_date", "hubungan", "alamat", "rt", "rw",
                "kecamatan", "kelurahan", "desil", "penerima_pkh", "penerima_bpnt", "penerima_pbi",
                "resiko_stunting", "period"]
DTSEN_FILES = {  # kecamatan: (sep, date style, sex style, kelurahan style, bom, crlf)
    "64.74.01": (",", "dmy", "LP", "local", False, True),
    "64.74.02": (";", "iso", "num", "title", True, True),
    "64.74.03": (",", "dmy2", "word", "upper", False, False),
}
SUSENAS_HEADER = ["ID Ruta", "Kode Strata", "NKS", "FXWT", "Jumlah ART",
                  "Pengeluaran Perkapita Sebulan", "Kecamatan", "Kelurahan", "Periode"]
PENDATAAN_HEADERS = {
    0: ["No", "No KK", "NIK Kepala Keluarga", "Nama Kepala Keluarga", "Alamat", "RT", "RW",
        "Kelurahan", "Kriteria 1", "Kriteria 2", "Kriteria 3", "Kriteria 4", "Petugas",
        "Tanggal Pendataan", "Status Verifikasi"],
    1: ["No", "No. KK", "NIK KK", "Nama KK", "Alamat", "RT", "RW", "Desa/Kel", "K1", "K2", "K3",
        "K4", "Nama Petugas", "Tgl Pendataan", "Status", "Periode"],
}
PROGRAM_HEADERS = {
    0: ["No", "Program", "NIK", "No KK", "Nama", "Kecamatan", "Kelurahan", "RT", "Periode",
        "Nominal"],
    1: ["Nama Program", "NIK Penerima", "Nomor KK", "Nama Penerima", "Kec", "Desa/Kel", "RT",
        "Bulan", "Jumlah"],
    2: ["No", "Jenis Bantuan", "NIK", "No. KK", "Nama", "Kecamatan", "Kelurahan", "RT", "Tahap",
        "Nilai (Rp)"],
    3: ["Kegiatan", "NIK", "Nama", "Kecamatan", "Kelurahan", "RT", "Periode", "Besaran"],
}


# ---------------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------------

def _rng(seed: int, name: str) -> np.random.Generator:
    """Independent random stream for one part of the generator (stable across code changes)."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


def _pick(rng: np.random.Generator, n: int, rate: float, eligible: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of exactly round(rate * n_eligible) rows drawn without replacement."""
    idx = np.arange(n) if eligible is None else np.flatnonzero(eligible)
    k = int(round(rate * len(idx)))
    mask = np.zeros(n, bool)
    if k:
        mask[rng.choice(idx, k, replace=False)] = True
    return mask


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d64 = np.asarray(days, dtype="int64").astype("M8[D]")
    y = d64.astype("M8[Y]").astype(np.int64) + 1970
    m = d64.astype("M8[M]").astype(np.int64) % 12 + 1
    d = (d64 - d64.astype("M8[M]")).astype(np.int64) + 1
    return y, m, d


def _s(a: np.ndarray) -> np.ndarray:
    """Values as an object array of str (``map`` over a list: C-level, no Python loop body)."""
    return np.array(list(map(str, np.asarray(a).tolist())), dtype=object)


def _map(func, a: np.ndarray) -> np.ndarray:
    """``func`` applied to each value, as an object array."""
    return np.array(list(map(func, np.asarray(a, dtype=object).tolist())), dtype=object)


def _objectify(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as object dtype: repeated ``to_numpy()`` of Arrow strings is slow."""
    for c in df.columns:
        if pd.api.types.is_string_dtype(df[c].dtype) and df[c].dtype != object:
            df[c] = df[c].astype(object)
    return df


def _fmt_dates(days: np.ndarray, style: str) -> np.ndarray:
    """Dates (days since 1970) as text: dmy dd/mm/yyyy, iso, dmy2 d-m-yy, mdy mm/dd/yyyy."""
    y, m, d = _ymd(days)
    y, m, d = y.tolist(), m.tolist(), d.tolist()
    if style == "iso":
        parts, fmt = zip(y, m, d, strict=True), "%d-%02d-%02d"
    elif style == "dmy2":
        parts, fmt = zip(d, m, [v % 100 for v in y], strict=True), "%d-%d-%02d"
    elif style == "mdy":
        parts, fmt = zip(m, d, y, strict=True), "%02d/%02d/%d"
    else:
        parts, fmt = zip(d, m, y, strict=True), "%02d/%02d/%d"
    return np.array(list(map(fmt.__mod__, parts)), dtype=object)


def _fmt_num(x: np.ndarray, decimals: int, comma: bool = False) -> np.ndarray:
    """Numbers as text with fixed decimals (decimal comma if asked); NaN -> ''."""
    x = np.asarray(x, dtype=float)
    out = list(map(f"{{:.{decimals}f}}".format, x.tolist()))
    if comma:
        out = list(map(str.replace, out, repeat("."), repeat(",")))
    arr = np.array(out, dtype=object)
    arr[np.isnan(x)] = ""
    return arr


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


def _make_ids(rng: np.random.Generator, region: np.ndarray, days: np.ndarray,
              female: np.ndarray, serial_base: int = 0) -> np.ndarray:
    """NIK-shaped numbers: region(6) + DD(+40 women) + MM + YY + serial(4), unique per call.

    With ``female`` all False and ``days`` the issue date, the same shape is a No. KK.
    """
    y, m, d = _ymd(days)
    dd = d + 40 * female.astype(np.int64)
    key = region.astype(np.int64) * 1_000_000 + dd * 10_000 + m * 100 + (y % 100)
    codes, uniq = pd.factorize(key)
    offset = rng.integers(0, 40, len(uniq))[codes]
    serial = pd.Series(codes).groupby(codes).cumcount().to_numpy() + 1 + offset + serial_base
    return _s(key * 10_000 + serial)


def _corrupt_ids(rng: np.random.Generator, ids: np.ndarray, rate: float,
                 blank_share: float = 0.0) -> tuple[np.ndarray, int]:
    """Make ``rate`` of the identifiers invalid (length, date part, letter, blank)."""
    out = ids.astype(object).copy()
    full = np.array(list(map(len, out.tolist()))) == 16
    hit = np.flatnonzero(_pick(rng, len(out), rate, eligible=full))
    kind = rng.integers(0, 4, len(hit))
    kind[rng.random(len(hit)) < blank_share] = 4
    s = pd.Series(out[hit], dtype=object).astype(str)
    digit = _s(rng.integers(0, 10, len(hit)))
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


def _kel_names(rng: np.random.Generator, official: np.ndarray, style: str,
               variant_rate: float, typo_rate: float, space_rate: float) -> tuple[np.ndarray, dict]:
    """Kelurahan names as an agency writes them, with variants, typos and trailing spaces."""
    out = official.astype(object).copy()
    if style == "upper":
        out = _map(str.upper, out)
    elif style == "local":  # local usage for the two names that differ most
        out[official == "Lok Tuan"] = "Loktuan"
        out[official == "Api-api"] = "Api Api"
    var = _pick(rng, len(out), variant_rate)
    for name in np.unique(official[var]):
        rows = np.flatnonzero(var & (official == name))
        choices = KEL_VARIANTS.get(name, [name.upper(), name.lower()])
        out[rows] = np.array(choices, dtype=object)[rng.integers(0, len(choices), len(rows))]
    typo = _pick(rng, len(out), typo_rate, eligible=~var)
    for name in np.unique(official[typo]):
        out[typo & (official == name)] = KEL_TYPOS[name]
    space = _pick(rng, len(out), space_rate)
    out[space] = out[space] + np.where(rng.random(space.sum()) < 0.7, " ", "  ")
    return out, {"kelurahan_variant": int(var.sum()), "kelurahan_typo": int(typo.sum()),
                 "trailing_space": int(space.sum())}


SEX_CODES = {"LP": ("L", "P"), "word": ("Laki-laki", "Perempuan"), "num": ("1", "2")}


def _sex_text(rng: np.random.Generator, sex: np.ndarray, style: str, other_rate: float) -> tuple[np.ndarray, int]:
    out = np.where(sex == 1, SEX_CODES[style][0], SEX_CODES[style][1]).astype(object)
    other = _pick(rng, len(sex), other_rate)
    alt = [k for k in SEX_CODES if k != style][0]
    out[other] = np.where(sex[other] == 1, SEX_CODES[alt][0], SEX_CODES[alt][1])
    return out, int(other.sum())


def _lms(table: pd.DataFrame, key: str) -> dict[str, np.ndarray]:
    """LMS table as arrays indexed [sex - 1, row]."""
    t = table.sort_values(["sex", key])
    return {c: t[c].to_numpy(float).reshape(2, -1) for c in ("l", "m", "s")}


def _read_who() -> dict[str, Any]:
    d = config.WHO2006_DIR
    read = dict(sep="\t")
    out = {
        "len": _lms(pd.read_csv(d / "lenanthro.txt", **read), "age"),
        "wei": _lms(pd.read_csv(d / "weianthro.txt", **read), "age"),
        "wfl": _lms(pd.read_csv(d / "wflanthro.txt", **read), "length"),
        "wfh": _lms(pd.read_csv(d / "wfhanthro.txt", **read), "height"),
    }
    return out


def _interp_lms(tab: dict[str, np.ndarray], sex: np.ndarray, h: np.ndarray, h0: float):
    """L, M, S linearly interpolated between 0.1 cm rows (h already within the table)."""
    pos = (h - h0) * 10
    i = np.clip(np.floor(pos).astype(int), 0, tab["m"].shape[1] - 2)
    f = pos - i
    s = sex - 1
    return tuple(tab[c][s, i] * (1 - f) + tab[c][s, i + 1] * f for c in ("l", "m", "s"))


def _z_lms(y, lv, mv, sv):
    return ((y / mv) ** lv - 1) / (sv * lv)


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


def _largest_remainder(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Integers >= minimum summing to ``total`` in proportion to ``weights`` (Hamilton method)."""
    w = np.asarray(weights, float)
    base = np.maximum(minimum, np.floor(total * w / w.sum())).astype(int)
    rem = total * w / w.sum() - np.floor(total * w / w.sum())
    short = total - base.sum()
    if short > 0:
        base[np.argsort(-rem, kind="stable")[:short]] += 1
    return base


def _geography(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    wil = pd.read_csv(config.WILAYAH_CSV, dtype=str)
    kel = wil[wil["level"] == "kelurahan"][["kode", "nama", "kode_kecamatan", "nama_kecamatan"]]
    kel = kel.rename(columns={"kode": "kel_code", "nama": "kel_name", "kode_kecamatan": "kec_code",
                              "nama_kecamatan": "kec_name"}).reset_index(drop=True)
    kel["kel_name"] = kel["kel_name"].str.strip()
    kel["kec_name"] = kel["kec_name"].str.strip()
    focus = set(config.focus_kelurahan())
    kel["focus"] = kel["kel_code"].isin(focus)
    kel["pop"] = kel["kel_code"].map(KEL_POP).fillna(10).astype(float)
    kel["peri_urban"] = kel["kel_code"].isin(PERI_URBAN)
    kel["puskesmas"] = kel["kel_code"].map(PUSKESMAS).fillna("Bontang")
    n = len(kel)
    # Deprivation index: ~1 in the focus kelurahan, ~0 elsewhere.
    kel["deprivation"] = np.where(kel["focus"], 1.0, 0.0) + rng.normal(0, 0.15, n)
    kel["haz_mu"] = HAZ_MU_BASE + HAZ_MU_FOCUS_SHIFT * kel["deprivation"]
    kel["welfare_mu"] = 0.55 - 0.5 * kel["deprivation"]
    kel["log_exp_mu"] = 14.60 - 0.40 * kel["deprivation"]
    kel["n_rt"] = np.maximum(6, np.round(kel["pop"] * RT_PER_POP)).astype(int)
    kel["n_pos"] = _largest_remainder(N_POSYANDU, kel["pop"].to_numpy(), 2)
    kel["rt_offset"] = np.concatenate([[0], np.cumsum(kel["n_rt"])[:-1]])
    kel["pos_offset"] = np.concatenate([[0], np.cumsum(kel["n_pos"])[:-1]])

    # Posyandu: globally unique "Posyandu <flower> <n>".
    n_pos = int(kel["n_pos"].sum())
    order = rng.permutation(n_pos)
    pos = pd.DataFrame({
        "kel_idx": np.repeat(np.arange(n), kel["n_pos"]),
        "posyandu": ("Posyandu " + FLOWERS[order % len(FLOWERS)].astype(object) + " "
                     + _s(order // len(FLOWERS) + 1)),
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
              n_pool: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Families and their members (head, spouse, children incl. the under-five pool, relatives)."""
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
                   + _s(rng.integers(1, 150, n_fam))),
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
    kec_region = 647400 + kel["kec_code"].str[-2:].astype(int).to_numpy()
    fam_region = kec_region[fam["kel_idx"].to_numpy()]
    born_here = np.where(mem["birth"].to_numpy() >= POOL_START, 0.95, 0.70)
    local = rng.random(m) < born_here
    region = np.where(local, fam_region[mem["fam_id"].to_numpy()],
                      OTHER_REGIONS[rng.integers(0, len(OTHER_REGIONS), m)])
    mem["nik"] = _make_ids(rng, region, mem["birth"].to_numpy(), mem["sex"].to_numpy() == 2)
    mem["nama"] = _names(rng, mem["sex"].to_numpy())
    issue_lo = np.maximum(head_birth + int(18 * 365.25), _day("2006-01-01"))
    issue = issue_lo + (rng.random(n_fam) * (_day("2024-12-20") - issue_lo)).astype(np.int64)
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
              mem: pd.DataFrame, who: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
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
    exit_ = np.where(moved_out, rng.integers(_day("2023-06-01"), _day("2025-02-28"), n), 10**7)
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
        month0 = _day(period + "-01")
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
    # Length (< 731 days) or height from lenanthro (L = 1): y = M (1 + S z).
    M, S = who["len"]["m"][sex - 1, a], who["len"]["s"][sex - 1, a]
    std_h = M * (1 + S * haz)
    # Weight: invert weight-for-length/height at that length/height: y = M (1 + L S z)^(1/L).
    lying = age < 731
    h_l = np.clip(std_h, 45.0, 110.0)
    h_h = np.clip(std_h, 65.0, 120.0)
    ll, ml, sl = _interp_lms(who["wfl"], sex, h_l, 45.0)
    lh, mh, sh = _interp_lms(who["wfh"], sex, h_h, 65.0)
    L, Mw, Sw = np.where(lying, ll, lh), np.where(lying, ml, mh), np.where(lying, sl, sh)
    zc = np.clip(whz, -4.5, 4.5)
    weight = Mw * np.maximum(1 + L * Sw * zc, 0.05) ** (1 / L)
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

    # The app's own z-scores: age in completed months, no 0.7 cm rule, height to 0.5 cm.
    months = np.floor(age / 30.4375)
    a_m = np.minimum(np.round(months * 30.4375).astype(int), 1826)
    zs_tbu = (height / who["len"]["m"][sex - 1, a_m] - 1) / who["len"]["s"][sex - 1, a_m]
    zs_bbu = _z_lms(weight, who["wei"]["l"][sex - 1, a_m], who["wei"]["m"][sex - 1, a_m],
                    who["wei"]["s"][sex - 1, a_m])
    h5 = np.round(height * 2) / 2
    under2 = months < 24
    l1, m1, s1 = _interp_lms(who["wfl"], sex, np.clip(h5, 45.0, 110.0), 45.0)
    l2, m2, s2 = _interp_lms(who["wfh"], sex, np.clip(h5, 65.0, 120.0), 65.0)
    zs_bbtb = np.where(under2, _z_lms(weight, l1, m1, s1), _z_lms(weight, l2, m2, s2))
    meas["zs_tbu"], meas["zs_bbu"], meas["zs_bbtb"] = zs_tbu, zs_bbu, zs_bbtb
    meas["age_months"] = months
    return child, meas


def _susenas(rng: np.random.Generator, kel: pd.DataFrame, n_households_total: float) -> pd.DataFrame:
    """Stratified two-stage sample: strata kecamatan x (urban/peri-urban), ~10 households per PSU."""
    kel = kel.copy()
    kel["stratum"] = (kel["kec_code"].str[-1].astype(int) * 10 + np.where(kel["peri_urban"], 2, 1))
    hh_k = n_households_total * kel["pop"] / kel["pop"].sum()
    st = kel.groupby("stratum")["pop"].sum()
    alloc = pd.Series(_largest_remainder(SUSENAS_PSU, st.to_numpy(), 2), index=st.index)
    psu_rows = []
    for s, n_psu in alloc.items():  # 6 strata: allocation of PSUs to kelurahan
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
    k = hh["kel_idx"].to_numpy()
    log_e = (kel["log_exp_mu"].to_numpy()[k] - 0.07 * (hh["hh_size"] - 3.6) + hh["psu_eff"]
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

    lp, le = np.log(config.poverty_line("poverty")), np.log(config.poverty_line("extreme"))
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
    region = 647400 + kel["kec_code"].str[-2:].astype(int).to_numpy()[kn]
    new = pd.DataFrame({
        "fam_id": -1, "in_dtsen": False, "kel_idx": kn, "rt": rt, "rw": rts["rw"].to_numpy()[rt_row],
        "alamat": "Jl. " + rts["street"].to_numpy()[rt_row].astype(object) + " No. " + _s(rng.integers(1, 150, n_new)),
        "no_kk": np.where(rng.random(n_new) < 0.7,
                          _make_ids(rng, region, rng.integers(_day("2015-01-01"), _day("2024-12-01"), n_new),
                                    np.zeros(n_new, bool), serial_base=9000), ""),
        "nik_kepala": _make_ids(rng, np.where(rng.random(n_new) < 0.5, region, OTHER_REGIONS[rng.integers(0, len(OTHER_REGIONS), n_new)]),
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
    out["tanggal"] = rng.integers(_day("2025-01-06"), _day("2025-03-15"), n)
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


def simulate(seed: int = 2025, scale: float = 1.0) -> SyntheticBontang:
    """Build the synthetic world (clean truth, before any export dirt).

    Parameters
    ----------
    seed
        Seed of every random stream.
    scale
        Size multiplier: 1.0 gives ~50,000 families and ~11,000 children per round;
        the geography (RT, posyandu) and the survey sample size do not scale.

    Returns
    -------
    SyntheticBontang
    """
    if not (isinstance(scale, int | float) and 0.005 <= float(scale) <= 4):
        raise RakorInputError(f"scale must be a number between 0.005 and 4; got {scale!r}")
    # Load inputs.
    who = _read_who()
    kel, rts, pos = _geography(_rng(seed, "geography"))
    # Process data.
    n_fam = int(round(N_FAMILIES * scale))
    # Expected share of the pool present in a round: 5-year window / pool window x attendance
    # x still in the city (moves in/out): solved for the pool size.
    share = 1826 / (POOL_END - POOL_START) * 0.88 * 0.93
    n_pool = int(round(N_CHILDREN_ROUND * scale / share))
    fam, mem = _register(_rng(seed, "register"), kel, rts, n_fam, n_pool)
    child, meas = _children(_rng(seed, "children"), kel, fam, mem, who)
    sus = _susenas(_rng(seed, "susenas"), kel, float(n_fam))
    listing = _pendataan(_rng(seed, "pendataan"), kel, fam, mem, rts)
    prog = _programmes(_rng(seed, "programmes"), fam, mem, listing, scale)

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
        "poverty_person_share": float(pw[sus["expenditure_pc"] < config.poverty_line("poverty")].sum() / pw.sum()),
        "extreme_person_share": float(pw[sus["expenditure_pc"] < config.poverty_line("extreme")].sum() / pw.sum()),
        "desil1_share_focus": float((fam["desil"][focus_k[fam["kel_idx"]]] == 1).mean()),
        "desil1_share_other": float((fam["desil"][~focus_k[fam["kel_idx"]]] == 1).mean()),
        "susenas_households": len(sus), "susenas_psu": int(sus["nks"].nunique()),
        "susenas_weight_sum": float(sus["weight"].sum()),
    }
    for df in (kel, rts, pos, fam, mem, child, meas, sus, listing, prog):
        _objectify(df)
    return SyntheticBontang(seed=seed, scale=float(scale), kelurahan=kel, rts=rts, posyandu=pos,
                            families=fam, members=mem, children=child, measurements=meas,
                            susenas=sus, pendataan=listing, programmes=prog, facts=facts)


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------

def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _xml_escape(v: np.ndarray) -> np.ndarray:
    joined = "".join(v.tolist())
    if "&" in joined or "<" in joined or ">" in joined:
        v = _map(lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), v)
    return v.astype(object)


def _write_xlsx(path: Path, sheet: str, titles: list[list[Any]], header: list[str],
                cols: list[tuple[str, np.ndarray]]) -> int:
    """Write a workbook: openpyxl (write-only) for package, titles and header; data rows spliced.

    ``cols`` holds (kind, values as text) with kind ``s`` (text), ``n`` (number) or ``d`` (date
    serial shown with a dd/mm/yyyy format); '' leaves the cell empty.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    wb.properties.creator = "analysis.synthetic.world (synthetic)"
    ws = wb.create_sheet(sheet)
    for t in titles:
        ws.append(t)
    stamp = WriteOnlyCell(ws, value=dt.date(2025, 3, 5))
    stamp.number_format = "DD/MM/YYYY"
    ws.append(["Tanggal unduh:", stamp])
    ws.append(header)
    buf = io.BytesIO()
    wb.save(buf)
    n_title = len(titles) + 1
    n = len(cols[0][1]) if cols else 0
    rownum = _s(np.arange(n) + n_title + 2)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    sheet_name = next(nm for nm in src.namelist() if nm.startswith("xl/worksheets/sheet"))
    sheet_xml = src.read(sheet_name).decode("utf-8")
    date_style = re.search(rf'<c r="B{n_title}" s="(\d+)"', sheet_xml).group(1)
    # Text cells go to a shared-string table (as Excel writes them): readers parse each distinct
    # string once instead of an inline string per cell.
    kinds, masks = [], []
    for kind, vals in cols:
        vals = np.asarray(vals, dtype=object)
        present = vals != ""
        is_num = np.zeros(n, bool)
        if kind != "s":
            # A cell typed as text in a numeric/date column (e.g. "05/03/2020") stays text.
            is_num = present & pd.Series(vals, dtype=object).str.fullmatch(r"-?\d+(?:\.\d+)?").fillna(False).to_numpy(bool)
        kinds.append((kind, vals, is_num))
        masks.append(present & ~is_num)
    all_text = np.concatenate([v[m] for (_, v, _), m in zip(kinds, masks, strict=True)]) if n else np.array([], object)
    codes, uniques = pd.factorize(pd.Series(all_text, dtype=object), sort=False)
    cells = [np.array(list(map('<row r="%s">'.__mod__, rownum.tolist())), dtype=object)]
    start = 0
    for j, ((kind, vals, is_num), as_text) in enumerate(zip(kinds, masks, strict=True)):
        col = _col_letter(j)
        out = np.full(n, "", dtype=object)
        if is_num.any():
            style = f' s="{date_style}"' if kind == "d" else ""
            num_t = '<c r="' + col + '%s"' + style + ' t="n"><v>%s</v></c>'
            out[is_num] = list(map(num_t.__mod__, zip(rownum[is_num], vals[is_num], strict=True)))
        k = int(as_text.sum())
        text_t = '<c r="' + col + '%s" t="s"><v>%d</v></c>'
        out[as_text] = list(map(text_t.__mod__, zip(rownum[as_text], codes[start:start + k].tolist(), strict=True)))
        start += k
        cells.append(out)
    cells.append(np.full(n, "</row>", dtype=object))
    rows_xml = "".join(map("".join, zip(*cells, strict=True)))
    sheet_xml = sheet_xml.replace("</sheetData>", rows_xml + "</sheetData>", 1)
    esc = _xml_escape(np.asarray(uniques, dtype=object))
    sst = (f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(codes)}" '
           f'uniqueCount="{len(uniques)}">'
           + "".join(map('<si><t xml:space="preserve">%s</t></si>'.__mod__, esc.tolist())) + "</sst>")
    names = src.namelist()
    patch = {
        sheet_name: sheet_xml.encode("utf-8"),
        "xl/sharedStrings.xml": sst.encode("utf-8"),
        "[Content_Types].xml": src.read("[Content_Types].xml").replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
        "xl/_rels/workbook.xml.rels": src.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdSst"/></Relationships>'),
        "docProps/core.xml": re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", FIXED_TIMESTAMP.encode(),
                                    src.read("docProps/core.xml")),
    }
    # Rebuild the archive with fixed timestamps (metadata and zip entries) for byte identity.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for nm in [*names, "xl/sharedStrings.xml"]:
            data = patch.get(nm) or src.read(nm)
            info = zipfile.ZipInfo(nm, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data, compresslevel=1)
    path.write_bytes(out.getvalue())
    return n


def _csv_quote(col: np.ndarray, sep: str) -> np.ndarray:
    """Quote the cells that hold the separator or a quote (RFC 4180), leave the rest."""
    col = np.asarray(col, dtype=object)
    joined = "\x00".join(col.tolist())
    if sep not in joined and '"' not in joined:
        return col
    s = pd.Series(col, dtype=object)
    need = (s.str.contains(sep, regex=False) | s.str.contains('"', regex=False)).to_numpy(bool)
    out = col.copy()
    out[need] = '"' + s[need].str.replace('"', '""', regex=False).to_numpy(object) + '"'
    return out


def _write_csv(path: Path, header: list[str], cols: list[np.ndarray], sep: str = ",",
               bom: bool = False, crlf: bool = False) -> int:
    """Write text columns as a CSV (minimal quoting, optional BOM and CRLF line ends)."""
    nl = "\r\n" if crlf else "\n"
    quoted = [_csv_quote(c, sep) for c in cols]
    body = nl.join(map(sep.join, zip(*quoted, strict=True)))
    text = sep.join(header) + nl + body + nl
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return len(cols[0])


def _check_headers(source: str, header: list[str]) -> None:
    """Every header must be an alias of sources.yml (or a documented extra): guards drift."""
    src = config.sources()[source]
    known = {a for v in src["aliases"].values() for a in v} | EXTRA_HEADERS
    bad = [h for h in header if h not in known]
    if bad:
        raise RuntimeError(f"sample_data: headers {bad} of {source} are not aliases in config/sources.yml")


class _Log:
    """Counts of dirt per source, file and kind (for the README)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, int]] = []
        self.files: dict[str, int] = {}
        self.notes: dict[str, str] = {}

    def add(self, source: str, file: str, counts: dict[str, int]) -> None:
        for kind, n in counts.items():
            self.rows.append((source, file, kind, int(n)))


def _write_eppgbm(w: SyntheticBontang, out: Path, log: _Log) -> None:
    rng = _rng(w.seed, "export-eppgbm")
    kel, fam, mem, child = w.kelurahan, w.families, w.members, w.children
    m = w.measurements.copy()
    c = m["child_id"].to_numpy()
    f = child["fam_id"].to_numpy()[c]
    mrow = child["member_row"].to_numpy()[c]
    kidx = child["kel_idx"].to_numpy()[c]
    m["kec_code"] = kel["kec_code"].to_numpy()[kidx]
    m["posyandu"] = w.posyandu["posyandu"].to_numpy()[fam["pos_idx"].to_numpy()[f]]
    m["kel_name"] = kel["kel_name"].to_numpy()[kidx]
    m["nama"] = mem["nama"].to_numpy()[mrow]
    m = m.assign(_f=f, _mrow=mrow, _k=kidx)
    folder = out / "eppgbm"
    folder.mkdir(parents=True, exist_ok=True)
    for (r, kec), (fmt, sep, hstyle, dstyle, sstyle) in EPPGBM_FILES.items():
        period, label = ROUNDS[r]
        d = m[(m["round"] == r) & (m["kec_code"] == kec)].sort_values(["posyandu", "nama"], kind="stable")
        kec_name = kel.loc[kel["kec_code"] == kec, "kec_name"].iloc[0]
        fname = f"eppgbm_{period.replace('-', '')}_{kec_name.lower().replace(' ', '_')}.{fmt}"
        counts: dict[str, int] = {}
        # Duplicates (~1%): repeated next to the original, some a day or two / 0.1 kg apart.
        dup = _pick(rng, len(d), DIRT_RATES["duplicate_measurement"][0])
        reps = np.where(dup, 2, 1)
        d = d.loc[d.index.repeat(reps)].reset_index(drop=True)
        is_dup = d.duplicated(subset=["child_id", "round"], keep="first").to_numpy()
        shift = is_dup & (rng.random(len(d)) < 0.5)
        d.loc[shift, "mdate"] = d.loc[shift, "mdate"] + rng.integers(1, 3, shift.sum())
        d.loc[shift, "weight_kg"] = np.round(d.loc[shift, "weight_kg"] + rng.choice([-0.1, 0.1], shift.sum()), 1)
        counts["duplicate_measurement"] = int(is_dup.sum())
        n = len(d)
        cf, cm, ck = d["_f"].to_numpy(), d["_mrow"].to_numpy(), d["_k"].to_numpy()
        cc = d["child_id"].to_numpy()
        birth = child["birth"].to_numpy()[cc]
        mdate = d["mdate"].to_numpy().copy()
        # Dates out of place: after the period, before birth.
        after = _pick(rng, n, DIRT_RATES["measure_after_period"][0])
        mdate[after] = mdate[after] + rng.integers(30, 90, after.sum())
        before = _pick(rng, n, DIRT_RATES["measure_before_birth"][0], eligible=~after)
        mdate[before] = birth[before] - rng.integers(1, 60, before.sum())
        counts |= {"measure_after_period": int(after.sum()), "measure_before_birth": int(before.sum())}
        age = mdate - birth
        # Identifiers.
        nik, k1 = _corrupt_ids(rng, mem["nik"].to_numpy()[cm], DIRT_RATES["nik_invalid"][0], blank_share=0.25)
        # A duplicate entry is the same record typed twice: it carries the original's NIK, typos included.
        copies = np.flatnonzero(is_dup)
        nik[copies] = nik[copies - 1]
        kk = fam["no_kk"].to_numpy()[cf].astype(object).copy()
        u = rng.random(n)
        kk_blank = u < DIRT_RATES["kk_blank"][0]
        kk_bad = (u >= DIRT_RATES["kk_blank"][0]) & (u < DIRT_RATES["kk_blank"][0] + DIRT_RATES["kk_invalid"][0])
        kk[kk_blank] = ""
        kk_bad_idx = np.flatnonzero(kk_bad)
        kk[kk_bad_idx] = np.array(["-", "0", "0000000000000000"], dtype=object)[rng.integers(0, 3, len(kk_bad_idx))]
        short = kk_bad_idx[rng.random(len(kk_bad_idx)) < 0.5]
        kk[short] = pd.Series(fam["no_kk"].to_numpy()[cf[short]], dtype=object).str[:14].to_numpy(object)
        mother = fam["mother_row"].to_numpy()[cf]
        nik_ortu = mem["nik"].to_numpy()[mother].astype(object).copy()
        ortu_blank = _pick(rng, n, DIRT_RATES["nik_ortu_blank"][0])
        nik_ortu[ortu_blank] = ""
        counts |= {"nik_invalid": k1, "kk_blank": int(kk_blank.sum()), "kk_invalid": int(kk_bad.sum()),
                   "nik_ortu_blank": int(ortu_blank.sum())}
        # Names.
        nama = d["nama"].to_numpy().astype(object).copy()
        muh = np.array([s.startswith("Muhammad ") for s in nama])
        abbr = _pick(rng, n, DIRT_RATES["name_abbreviated"][0], eligible=muh)
        nama[abbr] = np.where(rng.random(abbr.sum()) < 0.5, "M.", "Muh.") + pd.Series(nama[abbr], dtype=object).str[8:].to_numpy(object)
        counts["name_abbreviated"] = int(abbr.sum())
        nama_ortu = mem["nama"].to_numpy()[mother].astype(object)
        upper = hstyle == "B"
        if upper:
            nama = _map(str.upper, nama)
            nama_ortu = _map(str.upper, nama_ortu)
        sex, k2 = _sex_text(rng, child["sex"].to_numpy()[cc], sstyle, DIRT_RATES["sex_other_code"][0])
        kel_txt, k3 = _kel_names(rng, kel["kel_name"].to_numpy()[ck], "title" if r != 1 else "local",
                                 DIRT_RATES["kelurahan_variant"][0], DIRT_RATES["kelurahan_typo"][0],
                                 DIRT_RATES["trailing_space"][0])
        counts |= {"sex_other_code": k2, **k3}
        # Measurements.
        height = d["height_cm"].to_numpy().copy()
        weight = d["weight_kg"].to_numpy().copy()
        missing_h = _pick(rng, n, DIRT_RATES["height_missing"][0])
        mm = _pick(rng, n, DIRT_RATES["height_mm"][0], eligible=~missing_h)
        counts |= {"height_missing": int(missing_h.sum()), "height_mm": int(mm.sum()),
                   "height_whole_cm": int(d["height_whole_cm"].sum()),
                   "position_wrong": int(((d["position"] == "h") & (d["age_days"] < 731)).sum()
                                         + ((d["position"] == "l") & (d["age_days"] >= 731)).sum()),
                   "position_blank": int((d["position"] == "").sum())}
        comma = sep == ";"
        h_txt = _fmt_num(np.where(missing_h, np.nan, height), 1, comma)
        h_txt[mm] = _s(np.round(height[mm] * 10).astype(int))
        w_txt = _fmt_num(weight, 1, comma)
        slip = _pick(rng, n, DIRT_RATES["weight_decimal_slip"][0])
        w_txt[slip] = _fmt_num(weight[slip] / 10, 2, comma)
        counts["weight_decimal_slip"] = int(slip.sum())
        if sep == ",":
            q = _pick(rng, n, DIRT_RATES["decimal_comma_quoted"][0], eligible=~missing_h & ~mm)
            h_txt[q] = _map(lambda v: v.replace(".", ","), h_txt[q])
            counts["decimal_comma_quoted"] = int(q.sum())
        pos_txt = pd.Series(d["position"].to_numpy()).map({"l": "terlentang", "h": "berdiri", "": ""}).to_numpy(object)
        if hstyle == "B":
            pos_txt = _map(str.capitalize, pos_txt)
        # Age text of the app, "2 Tahun - 3 Bulan - 12 Hari" (blank when negative).
        months = np.floor(age / 30.4375).astype(int)
        rem = age - np.round(months * 30.4375).astype(int)
        usia = (_s(months // 12) + " Tahun - " + _s(months % 12) + " Bulan - " + _s(np.maximum(rem, 0)) + " Hari")
        usia[age < 0] = ""
        # The app's own z-scores and categories (not to be trusted).
        zt, zb, zw = (d[c_].to_numpy() for c_ in ("zs_tbu", "zs_bbu", "zs_bbtb"))
        zt = np.where(missing_h, np.nan, zt)
        zw = np.where(missing_h, np.nan, zw)
        tbu = np.select([zt < -3, zt < -2, zt <= 3], ["Sangat Pendek", "Pendek", "Normal"], "Tinggi").astype(object)
        bbu = np.select([zb < -3, zb < -2, zb <= 1], ["Sangat Kurang", "Kurang", "Normal"], "Risiko Lebih").astype(object)
        bbtb = np.select([zw < -3, zw < -2, zw <= 1, zw <= 2, zw <= 3],
                         ["Gizi Buruk", "Gizi Kurang", "Normal", "Berisiko Gizi Lebih", "Gizi Lebih"], "Obesitas").astype(object)
        tbu[np.isnan(zt)] = ""
        bbtb[np.isnan(zw)] = ""
        muac = np.where((d["age_months"].to_numpy() >= 6) & (rng.random(n) < 0.4),
                        np.round(13.0 + 0.04 * d["age_months"].to_numpy() + rng.normal(0, 1.0, n) + 0.3 * d["whz"].to_numpy(), 1),
                        np.nan)
        bw = child["birth_weight"].to_numpy()[cc]
        bl = child["birth_length"].to_numpy()[cc]
        bw = np.where(rng.random(n) < 0.1, np.nan, bw)
        bl = np.where(rng.random(n) < 0.12, np.nan, bl)
        # Dates.
        b_txt, m_txt = _dates_for(rng, birth, mdate, dstyle, counts)
        if (r, kec) == US_DATE_FILE:
            _, mm_, dd_ = _ymd(mdate)
            ok = np.flatnonzero((dd_ <= 12) & (dd_ != mm_) & ~after & ~before)
            us = rng.choice(ok, min(US_DATE_ROWS, len(ok)), replace=False)
            m_txt[us] = _fmt_dates(mdate[us], "mdy")
            counts["us_order_date"] = len(us)
            log.notes["us_order_date"] = f"eppgbm/{fname}"
        fam_rt = fam["rt"].to_numpy()[cf]
        fam_rw = fam["rw"].to_numpy()[cf]
        values = {
            "no": _s(np.arange(1, n + 1)), "nik": nik, "nama": nama, "sex": sex,
            "birth_date": b_txt, "birth_weight_kg": _fmt_num(bw, 2, comma), "birth_length_cm": _fmt_num(bl, 1, comma),
            "nama_ortu": nama_ortu, "nik_ortu": nik_ortu, "no_kk": kk,
            "provinsi": np.full(n, "KALIMANTAN TIMUR", object), "kabkota": np.full(n, "KOTA BONTANG", object),
            "kecamatan": np.full(n, kec_name.upper(), object),
            "puskesmas": np.full(n, "", object) + kel["puskesmas"].to_numpy()[ck].astype(object),
            "kelurahan": kel_txt, "posyandu": d["posyandu"].to_numpy().astype(object),
            "rt": _s(fam_rt), "rw": _s(fam_rw), "alamat": fam["alamat"].to_numpy()[cf].astype(object),
            "usia_saat_ukur": usia, "measure_date": m_txt, "weight_kg": w_txt, "height_cm": h_txt,
            "measure_position": pos_txt, "muac_cm": _fmt_num(muac, 1, comma),
            "bbu": bbu, "zs_bbu": _fmt_num(zb, 2, comma), "tbu": tbu, "zs_tbu": _fmt_num(zt, 2, comma),
            "bbtb": bbtb, "zs_bbtb": _fmt_num(zw, 2, comma), "period": np.full(n, period, object),
        }
        header = EPPGBM_HEADERS[hstyle]
        fields = _fields_for(header)
        _check_headers("eppgbm", header)
        path = folder / fname
        if fmt == "xlsx":
            kinds = {"no": "n", "birth_weight_kg": "n", "birth_length_cm": "n", "rt": "n", "rw": "n",
                     "weight_kg": "n", "height_cm": "n", "muac_cm": "n", "zs_bbu": "n", "zs_tbu": "n", "zs_bbtb": "n"}
            if dstyle in ("xlsx_date", "xlsx_serial"):
                kinds |= {"birth_date": "d" if dstyle == "xlsx_date" else "n",
                          "measure_date": "d" if dstyle == "xlsx_date" else "n"}
            cols = [(kinds.get(fd, "s"), values[fd]) for fd in fields]
            titles = [["LAPORAN e-PPGBM KOTA BONTANG"], [f"Periode: {label}", f"Kecamatan: {kec_name}"]]
            rows_n = _write_xlsx(path, "Data Balita", titles, header, cols)
        else:
            rows_n = _write_csv(path, header, [values[fd] for fd in fields], sep=sep,
                                bom=(r == 2), crlf=(sep == ";"))
        log.files[f"eppgbm/{fname}"] = rows_n
        log.add("eppgbm", fname, counts)


def _fields_for(header: list[str]) -> list[str]:
    """Canonical field of each e-PPGBM header (via the alias lists; 'No' is the row number)."""
    aliases = config.sources()["eppgbm"]["aliases"]
    lookup = {a: k for k, v in aliases.items() for a in v}
    return ["no" if h == "No" else lookup[h] for h in header]


def _dates_for(rng: np.random.Generator, birth: np.ndarray, mdate: np.ndarray, style: str,
               counts: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Birth and measurement dates in the file's style (+ some birth dates in another format)."""
    n = len(birth)
    other = _pick(rng, n, DIRT_RATES["date_other_format"][0])
    counts["date_other_format"] = int(other.sum())
    if style in ("xlsx_date", "xlsx_serial"):
        b = _s(birth + EXCEL_OFFSET)
        mt = _s(mdate + EXCEL_OFFSET)
        b[other] = _fmt_dates(birth[other], "dmy")   # typed as text in a date column
        return b, mt
    base = "dmy" if style == "xlsx_text" else style
    b = _fmt_dates(birth, base)
    mt = _fmt_dates(mdate, base)
    b[other] = _fmt_dates(birth[other], "iso" if base != "iso" else "dmy")
    return b, mt


def _write_dtsen(w: SyntheticBontang, out: Path, log: _Log) -> None:
    rng = _rng(w.seed, "export-dtsen")
    kel, fam, mem = w.kelurahan, w.families, w.members
    folder = out / "dtsen"
    folder.mkdir(parents=True, exist_ok=True)
    f_of = mem["fam_id"].to_numpy()
    kec_of = kel["kec_code"].to_numpy()[fam["kel_idx"].to_numpy()[f_of]]
    hub = np.array(["Kepala Keluarga", "Istri", "Anak", "Famili Lain"], dtype=object)
    yn = np.array(["Tidak", "Ya"], dtype=object)
    for kec, (sep, dstyle, sstyle, kstyle, bom, crlf) in DTSEN_FILES.items():
        sel = np.flatnonzero(kec_of == kec)
        dup = _pick(rng, len(sel), DIRT_RATES["duplicate_member"][0])
        sel = np.sort(np.concatenate([sel, sel[dup]]), kind="stable")
        n = len(sel)
        counts = {"duplicate_member": int(dup.sum())}
        f = f_of[sel]
        k = fam["kel_idx"].to_numpy()[f]
        nik, c1 = _corrupt_ids(rng, mem["nik"].to_numpy()[sel], DIRT_RATES["nik_invalid"][0])
        copies = np.flatnonzero(np.r_[False, sel[1:] == sel[:-1]])  # a repeated row repeats its NIK
        nik[copies] = nik[copies - 1]
        sex, c2 = _sex_text(rng, mem["sex"].to_numpy()[sel], sstyle, DIRT_RATES["sex_other_code"][0])
        kel_txt, c3 = _kel_names(rng, kel["kel_name"].to_numpy()[k], kstyle,
                                 DIRT_RATES["kelurahan_variant"][0], DIRT_RATES["kelurahan_typo"][0] * 0.6,
                                 DIRT_RATES["trailing_space"][0] * 0.6)
        birth = mem["birth"].to_numpy()[sel]
        bd = _fmt_dates(birth, dstyle)
        other = _pick(rng, n, DIRT_RATES["date_other_format"][0])
        bd[other] = _fmt_dates(birth[other], "iso" if dstyle != "iso" else "dmy")
        counts |= {"nik_invalid": c1, "sex_other_code": c2, "date_other_format": int(other.sum()), **c3}
        values = {
            "no_kk": fam["no_kk"].to_numpy()[f].astype(object), "nik": nik,
            "nama": _map(str.upper, mem["nama"].to_numpy()[sel]),
            "sex": sex, "birth_date": bd, "hubungan": hub[mem["role"].to_numpy()[sel]],
            "alamat": _map(str.upper, fam["alamat"].to_numpy()[f]),
            "rt": _s(fam["rt"].to_numpy()[f]), "rw": _s(fam["rw"].to_numpy()[f]),
            "kecamatan": kel["kec_name"].to_numpy()[k].astype(object), "kelurahan": kel_txt,
            "desil": _s(fam["desil"].to_numpy()[f]),
            "penerima_pkh": yn[fam["pkh"].to_numpy()[f].astype(int)],
            "penerima_bpnt": yn[fam["bpnt"].to_numpy()[f].astype(int)],
            "penerima_pbi": yn[fam["pbi"].to_numpy()[f].astype(int)],
            "resiko_stunting": yn[fam["resiko_stunting"].to_numpy()[f].astype(int)],
            "period": np.full(n, REGISTER_PERIOD, object),
        }
        if kstyle == "upper":
            values["kecamatan"] = _map(str.upper, values["kecamatan"])
        header = DTSEN_HEADERS[kec]
        _check_headers("dtsen", header)
        fields = DTSEN_FIELDS[: len(header)]
        kec_name = kel.loc[kel["kec_code"] == kec, "kec_name"].iloc[0]
        fname = f"dtsen_{kec_name.lower().replace(' ', '_')}_{REGISTER_PERIOD.replace('-', '')}.csv"
        log.files[f"dtsen/{fname}"] = _write_csv(folder / fname, header, [values[x] for x in fields],
                                                 sep=sep, bom=bom, crlf=crlf)
        log.add("dtsen", fname, counts)


def _write_susenas(w: SyntheticBontang, out: Path, log: _Log) -> None:
    rng = _rng(w.seed, "export-susenas")
    kel, s = w.kelurahan, w.susenas
    folder = out / "susenas"
    folder.mkdir(parents=True, exist_ok=True)
    k = s["kel_idx"].to_numpy()
    official = kel["kel_name"].to_numpy()[k]
    kel_txt, c = _kel_names(rng, official, "upper", 0.03, 0.0, 0.02)
    header = SUSENAS_HEADER
    _check_headers("susenas", header)
    cols = [s["hh_id"].to_numpy(object), _s(s["stratum"]), _s(s["nks"]), _fmt_num(s["weight"], 4),
            _s(s["hh_size"]), _s(s["expenditure_pc"]),
            _map(str.upper, kel["kec_name"].to_numpy()[k]), kel_txt,
            np.full(len(s), SURVEY_PERIOD, object)]
    fname = f"susenas_bontang_{SURVEY_PERIOD.replace('-', '')}.csv"
    log.files[f"susenas/{fname}"] = _write_csv(folder / fname, header, cols)
    log.add("susenas", fname, c)


def _write_pendataan(w: SyntheticBontang, out: Path, log: _Log) -> None:
    rng = _rng(w.seed, "export-pendataan")
    kel, lst = w.kelurahan, w.pendataan
    folder = out / "pendataan_rt"
    folder.mkdir(parents=True, exist_ok=True)
    for j, ki in enumerate(np.flatnonzero(kel["focus"].to_numpy())):
        d = lst[lst["kel_idx"] == ki]
        n = len(d)
        style = j % 2
        header = PENDATAAN_HEADERS[style]
        _check_headers("pendataan_rt", header)
        name = kel["kel_name"].iloc[ki]
        nik, c1 = _corrupt_ids(rng, d["nik_kepala"].to_numpy(object), DIRT_RATES["nik_invalid"][0])
        kel_txt, c2 = _kel_names(rng, np.full(n, name, object), "local" if style else "title",
                                 DIRT_RATES["kelurahan_variant"][0], DIRT_RATES["kelurahan_typo"][0],
                                 DIRT_RATES["trailing_space"][0])
        yes, no = ("Ya", "Tidak") if j != 2 else ("YA", "TIDAK")
        crit = [np.where(d[f"kriteria_{i}"].to_numpy(), yes, no).astype(object) for i in range(1, 5)]
        tgl = d["tanggal"].to_numpy()
        if j == 0:
            tgl_col = ("d", _s(tgl + EXCEL_OFFSET))
        elif j == 1:
            tgl_col = ("s", _fmt_dates(tgl, "dmy"))
        elif j == 2:
            tgl_col = ("n", _s(tgl + EXCEL_OFFSET))
        else:
            tgl_col = ("s", _fmt_dates(tgl, "iso"))
        rt = _s(d["rt"].to_numpy())
        if j == 3:
            rt = _map(lambda v: v.zfill(3), rt)  # "005"
        cols = [("n", _s(np.arange(1, n + 1))), ("s", d["no_kk"].to_numpy(object)), ("s", nik),
                ("s", d["nama_kepala"].to_numpy(object)), ("s", d["alamat"].to_numpy(object)),
                ("s" if j == 3 else "n", rt), ("n", _s(d["rw"].to_numpy())), ("s", kel_txt),
                *[("s", c) for c in crit], ("s", d["petugas"].to_numpy(object)), tgl_col,
                ("s", d["status"].to_numpy(object))]
        if style == 1:
            cols.append(("s", np.full(n, "2025-03", object)))
        titles = [["PENDATAAN MANDIRI KELUARGA FAKIR MISKIN (4 KRITERIA KEARIFAN LOKAL)"],
                  [f"KELURAHAN {name.upper()} - KECAMATAN {kel['kec_name'].iloc[ki].upper()}"]][: 1 + style]
        fname = f"pendataan_rt_{name.lower().replace(' ', '_').replace('-', '_')}_2025q1.xlsx"
        log.files[f"pendataan_rt/{fname}"] = _write_xlsx(folder / fname, "Pendataan", titles, header, cols)
        log.add("pendataan_rt", fname, c2 | {"nik_invalid": c1})


PROGRAM_FILES = {  # key: (file stem, format, header style, sep, nominal as "Rp 300.000")
    "tengok_tetangga": ("tengok_tetangga_2025q1", "xlsx", 0, None, False),
    "balai_kerja": ("pelatihan_balai_kerja_2025", "csv", 1, ",", False),
    "baznas_dspm": ("baznas_dspm_pemberdayaan_2025", "xlsx", 2, None, False),
    "insentif_ketua_rt": ("insentif_ketua_rt_2025q1", "csv", 3, ";", True),
    "insentif_kader_posyandu": ("insentif_kader_posyandu_2025q1", "xlsx", 0, None, False),
    "insentif_guru_swasta": ("insentif_guru_swasta_2025q1", "csv", 1, ",", False),
}


def _program_variants(label: str) -> list[str]:
    return [label.upper(), label.replace(" ", "  ", 1), label.replace("-", " - ") if "-" in label else label.lower()]


def _write_program(w: SyntheticBontang, out: Path, log: _Log) -> None:
    rng = _rng(w.seed, "export-program")
    kel, fam, mem, prog = w.kelurahan, w.families, w.members, w.programmes
    folder = out / "program"
    folder.mkdir(parents=True, exist_ok=True)
    for key, (stem, fmt, hstyle, sep, rp) in PROGRAM_FILES.items():
        d = prog[prog["programme"] == key]
        n = len(d)
        mr = d["member_row"].to_numpy()
        f = mem["fam_id"].to_numpy()[mr]
        k = fam["kel_idx"].to_numpy()[f]
        label = d["label"].iloc[0]
        prog_txt = np.full(n, label, object)
        var = _pick(rng, n, DIRT_RATES["program_name_variant"][0])
        vs = np.array(_program_variants(label), dtype=object)
        prog_txt[var] = vs[rng.integers(0, len(vs), var.sum())]
        nik, c1 = _corrupt_ids(rng, mem["nik"].to_numpy()[mr], DIRT_RATES["nik_invalid"][0])
        kel_txt, c2 = _kel_names(rng, kel["kel_name"].to_numpy()[k], "title",
                                 DIRT_RATES["kelurahan_variant"][0], DIRT_RATES["kelurahan_typo"][0],
                                 DIRT_RATES["trailing_space"][0])
        amount = d["amount"].to_numpy()
        nominal = (("Rp " + pd.Series(amount).map("{:,}".format).str.replace(",", ".").to_numpy(object))
                   if rp else _s(amount))
        values = {
            "no": ("n", _s(np.arange(1, n + 1))), "program": ("s", prog_txt), "nik": ("s", nik),
            "no_kk": ("s", fam["no_kk"].to_numpy()[f].astype(object)),
            "nama": ("s", mem["nama"].to_numpy()[mr].astype(object)),
            "kecamatan": ("s", kel["kec_name"].to_numpy()[k].astype(object)), "kelurahan": ("s", kel_txt),
            "rt": ("n", _s(fam["rt"].to_numpy()[f])), "period": ("s", d["period"].to_numpy(object)),
            "nominal": ("s" if rp else "n", nominal),
        }
        header = PROGRAM_HEADERS[hstyle]
        _check_headers("program", header)
        aliases = config.sources()["program"]["aliases"]
        lookup = {a: kk for kk, v in aliases.items() for a in v}
        fields = ["no" if h == "No" else lookup[h] for h in header]
        fname = f"{stem}.{fmt}"
        if fmt == "xlsx":
            titles = [[f"DAFTAR PENERIMA {label.upper()}"], ["KOTA BONTANG TAHUN 2025"]]
            rows_n = _write_xlsx(folder / fname, "Penerima", titles, header, [values[x] for x in fields])
        else:
            rows_n = _write_csv(folder / fname, header, [values[x][1] for x in fields], sep=sep)
        log.files[f"program/{fname}"] = rows_n
        log.add("program", fname, {"program_name_variant": int(var.sum()), "nik_invalid": c1, **c2})


def _readme(w: SyntheticBontang, log: _Log) -> str:
    facts = w.facts
    dirt = pd.DataFrame(log.rows, columns=["source", "file", "kind", "n"])
    rows = pd.Series(log.files)
    dirt["rows"] = (dirt["source"] + "/" + dirt["file"]).map(rows)
    agg = dirt.groupby(["source", "kind"], sort=True)[["n", "rows"]].sum().reset_index()
    lines = [
        "# SYNTHETIC sample data — Kota Bontang (not real people)",
        "",
        "**Every record in this folder is SYNTHETIC.** Names, NIK, No. KK, addresses, measurements,",
        "expenditures and programme lists were generated by `analysis.synthetic.world.generate`; they",
        "describe no real person or household. NIK and No. KK are structurally valid look-alikes",
        "(region 64.74.0x or another region of first registration + date + serial). Never mix them",
        "with real data.",
        "",
        f"- Generator: `analysis.synthetic.world.generate(out_dir, seed={w.seed}, scale={w.scale:g})`",
        f"  (CLI: `rakor sample-data --out DIR --seed {w.seed}`). Same seed -> byte-identical files.",
        "- Structure is Kota Bontang's: 3 kecamatan, 15 kelurahan with Kemendagri codes, "
        f"{len(w.posyandu)} posyandu, {len(w.rts)} RT; population shares per kelurahan are rough "
        "assumptions, not official figures.",
        "",
        "## How the data were generated",
        "",
        f"- **dtsen/**: {facts['families']:,} families, {facts['members']:,} members (one CSV per kecamatan). "
        "Desil from a family welfare latent (kelurahan mean lower in the focus kelurahan, larger families poorer) "
        f"cut at national deciles: desil-1 share {facts['desil1_share_focus']:.1%} in the focus kelurahan, "
        f"{facts['desil1_share_other']:.1%} elsewhere. PKH/BPNT/PBI flags depend on desil.",
        f"- **eppgbm/**: three rounds ({', '.join(p for p, _ in ROUNDS)}), one file per kecamatan and round; "
        f"{facts['children']:,} children under five (members of DTSEN families) age across rounds, "
        "some move in or out, ~88% attend each round. Latent height-for-age z ~ N(mu_kelurahan, 1.1); "
        "length/height = M(1 + S z) from WHO `lenanthro` at the age in days; latent weight-for-length/height "
        "z ~ N(-0.3, 1.1) and weight = M(1 + L S z)^(1/L) from `wflanthro` (< 731 days) or `wfhanthro`. "
        f"Latent stunting (z < -2, age < 1826 d): city {facts['stunting_latent_city']:.1%}, focus kelurahan "
        f"{facts['stunting_latent_focus']:.1%}, others {facts['stunting_latent_other']:.1%}; latent wasting "
        f"{facts['wasting_latent_city']:.1%}. The files' own BB/U, TB/U, BB/TB and ZS columns are computed the "
        "way a faulty app would (age in completed months, no 0.7 cm rule, height to 0.5 cm): recompute them.",
        f"- **susenas/**: {facts['susenas_households']:,} households in {facts['susenas_psu']} PSU (census "
        "blocks, ~10 households each), 6 strata = kecamatan x (urban, peri-urban); weights sum to "
        f"{facts['susenas_weight_sum']:,.0f} households. Log per-capita expenditure ~ normal per kelurahan "
        "(+ PSU effect, larger households poorer), then an affine map in logs puts the person-weighted "
        f"(weight x household size) shares below the configured lines at {facts['poverty_person_share']:.2%} "
        f"(poverty, Rp {config.poverty_line('poverty'):,.0f}) and {facts['extreme_person_share']:.2%} "
        f"(extreme, Rp {config.poverty_line('extreme'):,.0f}).",
        "- **pendataan_rt/**: one workbook per focus kelurahan: DTSEN families with desil 1-3 (listed with "
        "probability 85/60/35%) plus ~6% households not in DTSEN; the four criteria (correlated Ya/Tidak), "
        "enumerator, date (Jan-Mar 2025), verification status.",
        "- **program/**: Tengok Tetangga, Balai Kerja training, Baznas-DSPM (about 82% of each list in the "
        "configured target group, ~8% desil 2-4 near-misses, ~10% desil >= 5 inclusion errors; only part of the "
        "target is covered), and incentive rosters (RT heads, posyandu cadres, private-school teachers), "
        "periods 2025-01..2025-03.",
        "",
        "## Files",
        "",
        "| file | data rows |",
        "|---|---|",
        *[f"| {k} | {v:,} |" for k, v in sorted(log.files.items())],
        "",
        "e-PPGBM formats vary on purpose: workbooks with 2-3 title rows above the header (dates as date",
        "cells, as bare Excel serial numbers, or as dd/mm/yyyy text), CSV with `;` and decimal commas",
        "(CRLF line ends), CSV with `,` (ISO or d-m-yy dates; the 2025-02 CSVs start with a UTF-8 BOM).",
        "Headers differ between files, always from the alias lists in `config/sources.yml`.",
        "",
        "## Dirt (documented rates)",
        "",
        "Target rate per file, then what was written (rows affected / data rows of the source).",
        "",
        "| kind | target | what | written |",
        "|---|---|---|---|",
    ]
    for kind, (rate, what) in DIRT_RATES.items():
        a = agg[agg["kind"] == kind]
        written = "; ".join(f"{s}: {n:,}/{r:,}" for s, n, r in zip(a["source"], a["n"], a["rows"], strict=True))
        lines.append(f"| {kind} | {rate:.1%} | {what} | {written or '-'} |")
    us_file = log.notes.get("us_order_date", "-")
    lines += [
        "",
        "Also, by design:",
        "",
        f"- **Ambiguous dates (the documented handful):** {US_DATE_ROWS} rows of `{us_file}` have the",
        "  measurement date written month-first (mm/dd/yyyy) with a day <= 12, so they read as a valid but",
        "  wrong day-first date (a measurement outside the file's period). Every other text date is",
        "  unambiguous (dd/mm/yyyy, yyyy-mm-dd or d-m-yy consistently within a column, ISO as the only mix).",
        "- Children aged 60-61 months (~0.3% of rows) appear in e-PPGBM, as in real exports.",
        "- e-PPGBM names are title case or upper case per file; DTSEN names and addresses are upper case.",
        "- Pendataan workbooks: tanggal as date cell, dd/mm/yyyy text, bare serial or ISO text (one per",
        "  file); one file writes criteria as YA/TIDAK and one writes RT zero-padded (\"005\").",
        "- `program/insentif_ketua_rt_2025q1.csv` writes the amount as \"Rp 1.000.000\".",
        "- Kelurahan spellings: official (Kemendagri), upper case, or local usage (Loktuan, Api Api) per",
        "  file, then the variant/typo/space rates above.",
        "",
    ]
    return "\n".join(lines)


def generate(out_dir: Path | str, seed: int = 2025, scale: float = 1.0) -> dict[str, Any]:
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
    # Load inputs / process data.
    world = simulate(seed, scale)
    # Save outputs.
    log = _Log()
    _write_eppgbm(world, out, log)
    _write_dtsen(world, out, log)
    _write_susenas(world, out, log)
    _write_pendataan(world, out, log)
    _write_program(world, out, log)
    (out / "README.md").write_text(_readme(world, log), encoding="utf-8")
    return {"out_dir": str(out), "seed": seed, "scale": float(scale), "files": dict(sorted(log.files.items())),
            "facts": world.facts, "seconds": round(time.perf_counter() - t0, 2)}

"""The agency exports of the synthetic world: one file layout per source, with the dirt applied.

Each source is written as the agencies write it: the headers are taken from the alias lists of
``config/sources.yml`` and vary between files, formats vary (CSV with ``;`` or ``,``, workbooks
with title rows), dates and sex codes are written in each file's own style, and the dirt of
:mod:`analysis.synthetic.dirt` is added at its documented rates. :func:`write_exports` writes
them all and returns the :class:`~analysis.synthetic.dirt.DirtLog` the README is built from.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis import config
from analysis.intake.gazetteer import bare_name
from analysis.intake.names import normalise_name
from analysis.synthetic.base import (
    REGISTER_PERIOD,
    ROUNDS,
    SURVEY_PERIOD,
    as_text,
    fmt_dates,
    fmt_num,
    map_text,
    pick,
    stream,
    ymd,
)
from analysis.synthetic.dirt import (
    DIRT_RATES,
    US_DATE_ROWS,
    DirtLog,
    corrupt_ids,
    kelurahan_names,
    programme_variants,
    sex_text,
)
from analysis.synthetic.writers import EXCEL_OFFSET, write_csv, write_xlsx

if TYPE_CHECKING:  # the world imports this module to write itself out
    from analysis.synthetic.world import SyntheticBontang

__all__ = ["write_exports"]

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
#: The e-PPGBM file that holds the month-first measurement dates (dirt.US_DATE_ROWS).
US_DATE_FILE = (1, "64.74.01")
#: Bontang's kecamatan, in order: another region's i-th kecamatan writes the files of Bontang's
#: (i mod 3)-th, so every format, header and date style occurs there too.
_STYLE_KEC = ("64.74.01", "64.74.02", "64.74.03")

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
#: Other regions' survey carries BPS area codes, as Susenas microdata does (r101-r104).
SUSENAS_BPS_HEADER = ["ID Ruta", "Kode Strata", "NKS", "FXWT", "Jumlah ART",
                      "Pengeluaran Perkapita Sebulan", "r101", "r102", "r103", "r104", "Periode"]
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


PROGRAM_FILES = {  # key: (file stem, format, header style, sep, nominal as "Rp 300.000")
    "tengok_tetangga": ("tengok_tetangga_2025q1", "xlsx", 0, None, False),
    "balai_kerja": ("pelatihan_balai_kerja_2025", "csv", 1, ",", False),
    "baznas_dspm": ("baznas_dspm_pemberdayaan_2025", "xlsx", 2, None, False),
    "insentif_ketua_rt": ("insentif_ketua_rt_2025q1", "csv", 3, ";", True),
    "insentif_kader_posyandu": ("insentif_kader_posyandu_2025q1", "xlsx", 0, None, False),
    "insentif_guru_swasta": ("insentif_guru_swasta_2025q1", "csv", 1, ",", False),
}


def _kec_codes(w: SyntheticBontang) -> list[str]:
    """The region's kecamatan codes in gazetteer order (those with kelurahan)."""
    return list(dict.fromkeys(w.kelurahan["kec_code"].tolist()))


def _per_region(w: SyntheticBontang) -> bool:
    """Whether e-PPGBM and DTSEN are one file per round for the whole kab/kota (a province's
    sample: ``file_unit`` ``kabkota``) rather than one per kecamatan."""
    return w.file_unit == "kabkota"


def _file_units(w: SyntheticBontang) -> list[str]:
    """The areas with a file each: the kecamatan, or the kab/kota itself (:func:`_per_region`)."""
    return [w.region_code] if _per_region(w) else _kec_codes(w)


def _eppgbm_files(w: SyntheticBontang) -> dict[tuple[int, str], tuple]:
    """(round, kecamatan) -> file style; Bontang's :data:`EPPGBM_FILES`, cycled over other regions
    (a kab/kota of a province sample: its one file per round takes the style of its number mod 3)."""
    if _per_region(w):
        style = _STYLE_KEC[int(w.region_code.split(".")[1]) % 3]
        return {(r, w.region_code): EPPGBM_FILES[(r, style)] for r in range(len(ROUNDS))}
    kecs = _kec_codes(w)
    return {(r, kec): EPPGBM_FILES[(r, _STYLE_KEC[i % 3])]
            for r in range(len(ROUNDS)) for i, kec in enumerate(kecs)}


def _dtsen_files(w: SyntheticBontang) -> dict[str, tuple[str, tuple]]:
    """Kecamatan (or the kab/kota, :func:`_per_region`) -> (Bontang kecamatan whose header it uses,
    file style of :data:`DTSEN_FILES`)."""
    if _per_region(w):
        style = _STYLE_KEC[int(w.region_code.split(".")[1]) % 3]
        return {w.region_code: (style, DTSEN_FILES[style])}
    return {kec: (_STYLE_KEC[i % 3], DTSEN_FILES[_STYLE_KEC[i % 3]]) for i, kec in enumerate(_kec_codes(w))}


def _region_words(w: SyntheticBontang) -> tuple[str, str]:
    """(region name, province name) in upper case, as export headers write them."""
    return w.region_name.upper(), w.province_name.upper()


def _short_slug(w: SyntheticBontang) -> str:
    """The region in a file name without its kind word ("Kabupaten Sukamara" -> ``sukamara``)."""
    return _slug(bare_name(w.region_name))


def _slug(name: str) -> str:
    """An area name in a file name: ``"Tanjung Laut Indah"`` -> ``tanjung_laut_indah``."""
    return normalise_name(name, "label", join="_")


def _check_headers(source: str, header: list[str]) -> None:
    """Every header must be an alias of sources.yml (or a documented extra): guards drift."""
    src = config.sources()[source]
    known = {a for v in src["aliases"].values() for a in v} | EXTRA_HEADERS
    bad = [h for h in header if h not in known]
    if bad:
        raise RuntimeError(f"synthetic sample: headers {bad} of {source} are not aliases in config/sources.yml")



def _write_eppgbm(w: SyntheticBontang, out: Path, log: DirtLog) -> None:
    rng = stream(w.seed, "export-eppgbm")
    kel, fam, mem, child = w.kelurahan, w.families, w.members, w.children
    m = w.measurements.copy()
    c = m["child_id"].to_numpy()
    f = child["fam_id"].to_numpy()[c]
    mrow = child["member_row"].to_numpy()[c]
    kidx = child["kel_idx"].to_numpy()[c]
    m["kec_code"] = kel["kec_code"].to_numpy()[kidx]
    m["unit"] = w.region_code if _per_region(w) else m["kec_code"]
    m["posyandu"] = w.posyandu["posyandu"].to_numpy()[fam["pos_idx"].to_numpy()[f]]
    m["kel_name"] = kel["kel_name"].to_numpy()[kidx]
    m["nama"] = mem["nama"].to_numpy()[mrow]
    m = m.assign(_f=f, _mrow=mrow, _k=kidx)
    folder = out / "eppgbm"
    folder.mkdir(parents=True, exist_ok=True)
    us_date_file = (US_DATE_FILE[0], _file_units(w)[0])
    region_upper, province_upper = _region_words(w)
    for (r, kec), (fmt, sep, hstyle, dstyle, sstyle) in _eppgbm_files(w).items():
        period, label = ROUNDS[r]
        d = m[(m["round"] == r) & (m["unit"] == kec)].sort_values(["posyandu", "nama"], kind="stable")
        if _per_region(w):
            kec_name = w.region_name
            fname = f"eppgbm_{period.replace('-', '')}.{fmt}"
        else:
            kec_name = kel.loc[kel["kec_code"] == kec, "kec_name"].iloc[0]
            fname = f"eppgbm_{period.replace('-', '')}_{_slug(kec_name)}.{fmt}"
        counts: dict[str, int] = {}
        # Duplicates (~1%): repeated next to the original, some a day or two / 0.1 kg apart.
        dup = pick(rng, len(d), DIRT_RATES["duplicate_measurement"][0])
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
        after = pick(rng, n, DIRT_RATES["measure_after_period"][0])
        mdate[after] = mdate[after] + rng.integers(30, 90, after.sum())
        before = pick(rng, n, DIRT_RATES["measure_before_birth"][0], eligible=~after)
        mdate[before] = birth[before] - rng.integers(1, 60, before.sum())
        counts |= {"measure_after_period": int(after.sum()), "measure_before_birth": int(before.sum())}
        age = mdate - birth
        # Identifiers.
        nik, k1 = corrupt_ids(rng, mem["nik"].to_numpy()[cm], DIRT_RATES["nik_invalid"][0], blank_share=0.25)
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
        ortu_blank = pick(rng, n, DIRT_RATES["nik_ortu_blank"][0])
        nik_ortu[ortu_blank] = ""
        counts |= {"nik_invalid": k1, "kk_blank": int(kk_blank.sum()), "kk_invalid": int(kk_bad.sum()),
                   "nik_ortu_blank": int(ortu_blank.sum())}
        # Names.
        nama = d["nama"].to_numpy().astype(object).copy()
        muh = np.array([s.startswith("Muhammad ") for s in nama])
        abbr = pick(rng, n, DIRT_RATES["name_abbreviated"][0], eligible=muh)
        nama[abbr] = np.where(rng.random(abbr.sum()) < 0.5, "M.", "Muh.") + pd.Series(nama[abbr], dtype=object).str[8:].to_numpy(object)
        counts["name_abbreviated"] = int(abbr.sum())
        nama_ortu = mem["nama"].to_numpy()[mother].astype(object)
        upper = hstyle == "B"
        if upper:
            nama = map_text(str.upper, nama)
            nama_ortu = map_text(str.upper, nama_ortu)
        sex, k2 = sex_text(rng, child["sex"].to_numpy()[cc], sstyle, DIRT_RATES["sex_other_code"][0])
        kel_txt, k3 = kelurahan_names(rng, kel["kel_name"].to_numpy()[ck], "title" if r != 1 else "local",
                                 DIRT_RATES["kelurahan_variant"][0], DIRT_RATES["kelurahan_typo"][0],
                                 DIRT_RATES["trailing_space"][0], w.spellings)
        counts |= {"sex_other_code": k2, **k3}
        # Measurements.
        height = d["height_cm"].to_numpy().copy()
        weight = d["weight_kg"].to_numpy().copy()
        missing_h = pick(rng, n, DIRT_RATES["height_missing"][0])
        mm = pick(rng, n, DIRT_RATES["height_mm"][0], eligible=~missing_h)
        counts |= {"height_missing": int(missing_h.sum()), "height_mm": int(mm.sum()),
                   "height_whole_cm": int(d["height_whole_cm"].sum()),
                   "position_wrong": int(((d["position"] == "h") & (d["age_days"] < 731)).sum()
                                         + ((d["position"] == "l") & (d["age_days"] >= 731)).sum()),
                   "position_blank": int((d["position"] == "").sum())}
        comma = sep == ";"
        h_txt = fmt_num(np.where(missing_h, np.nan, height), 1, comma)
        h_txt[mm] = as_text(np.round(height[mm] * 10).astype(int))
        w_txt = fmt_num(weight, 1, comma)
        slip = pick(rng, n, DIRT_RATES["weight_decimal_slip"][0])
        w_txt[slip] = fmt_num(weight[slip] / 10, 2, comma)
        counts["weight_decimal_slip"] = int(slip.sum())
        if sep == ",":
            q = pick(rng, n, DIRT_RATES["decimal_comma_quoted"][0], eligible=~missing_h & ~mm)
            h_txt[q] = map_text(lambda v: v.replace(".", ","), h_txt[q])
            counts["decimal_comma_quoted"] = int(q.sum())
        pos_txt = pd.Series(d["position"].to_numpy()).map({"l": "terlentang", "h": "berdiri", "": ""}).to_numpy(object)
        if hstyle == "B":
            pos_txt = map_text(str.capitalize, pos_txt)
        # Age text of the app, "2 Tahun - 3 Bulan - 12 Hari" (blank when negative).
        months = np.floor(age / 30.4375).astype(int)
        rem = age - np.round(months * 30.4375).astype(int)
        usia = (as_text(months // 12) + " Tahun - " + as_text(months % 12) + " Bulan - " + as_text(np.maximum(rem, 0)) + " Hari")
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
        if (r, kec) == us_date_file:
            _, mm_, dd_ = ymd(mdate)
            ok = np.flatnonzero((dd_ <= 12) & (dd_ != mm_) & ~after & ~before)
            us = rng.choice(ok, min(US_DATE_ROWS, len(ok)), replace=False)
            m_txt[us] = fmt_dates(mdate[us], "mdy")
            counts["us_order_date"] = len(us)
            log.notes["us_order_date"] = f"eppgbm/{fname}"
        fam_rt = fam["rt"].to_numpy()[cf]
        fam_rw = fam["rw"].to_numpy()[cf]
        values = {
            "no": as_text(np.arange(1, n + 1)), "nik": nik, "nama": nama, "sex": sex,
            "birth_date": b_txt, "birth_weight_kg": fmt_num(bw, 2, comma), "birth_length_cm": fmt_num(bl, 1, comma),
            "nama_ortu": nama_ortu, "nik_ortu": nik_ortu, "no_kk": kk,
            "provinsi": np.full(n, province_upper, object), "kabkota": np.full(n, region_upper, object),
            "kecamatan": map_text(str.upper, kel["kec_name"].to_numpy()[ck].astype(object)),
            "puskesmas": np.full(n, "", object) + kel["puskesmas"].to_numpy()[ck].astype(object),
            "kelurahan": kel_txt, "posyandu": d["posyandu"].to_numpy().astype(object),
            "rt": as_text(fam_rt), "rw": as_text(fam_rw), "alamat": fam["alamat"].to_numpy()[cf].astype(object),
            "usia_saat_ukur": usia, "measure_date": m_txt, "weight_kg": w_txt, "height_cm": h_txt,
            "measure_position": pos_txt, "muac_cm": fmt_num(muac, 1, comma),
            "bbu": bbu, "zs_bbu": fmt_num(zb, 2, comma), "tbu": tbu, "zs_tbu": fmt_num(zt, 2, comma),
            "bbtb": bbtb, "zs_bbtb": fmt_num(zw, 2, comma), "period": np.full(n, period, object),
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
            titles = [[f"LAPORAN e-PPGBM {region_upper}"],
                      [f"Periode: {label}", kec_name if _per_region(w) else f"Kecamatan: {kec_name}"]]
            rows_n = write_xlsx(path, "Data Balita", titles, header, cols)
        else:
            rows_n = write_csv(path, header, [values[fd] for fd in fields], sep=sep,
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
    other = pick(rng, n, DIRT_RATES["date_other_format"][0])
    counts["date_other_format"] = int(other.sum())
    if style in ("xlsx_date", "xlsx_serial"):
        b = as_text(birth + EXCEL_OFFSET)
        mt = as_text(mdate + EXCEL_OFFSET)
        b[other] = fmt_dates(birth[other], "dmy")   # typed as text in a date column
        return b, mt
    base = "dmy" if style == "xlsx_text" else style
    b = fmt_dates(birth, base)
    mt = fmt_dates(mdate, base)
    b[other] = fmt_dates(birth[other], "iso" if base != "iso" else "dmy")
    return b, mt


def _write_dtsen(w: SyntheticBontang, out: Path, log: DirtLog) -> None:
    rng = stream(w.seed, "export-dtsen")
    kel, fam, mem = w.kelurahan, w.families, w.members
    folder = out / "dtsen"
    folder.mkdir(parents=True, exist_ok=True)
    f_of = mem["fam_id"].to_numpy()
    kec_of = kel["kec_code"].to_numpy()[fam["kel_idx"].to_numpy()[f_of]]
    if _per_region(w):
        kec_of = np.full(len(kec_of), w.region_code, object)
    hub = np.array(["Kepala Keluarga", "Istri", "Anak", "Famili Lain"], dtype=object)
    yn = np.array(["Tidak", "Ya"], dtype=object)
    for kec, (style_kec, (sep, dstyle, sstyle, kstyle, bom, crlf)) in _dtsen_files(w).items():
        sel = np.flatnonzero(kec_of == kec)
        dup = pick(rng, len(sel), DIRT_RATES["duplicate_member"][0])
        sel = np.sort(np.concatenate([sel, sel[dup]]), kind="stable")
        n = len(sel)
        counts = {"duplicate_member": int(dup.sum())}
        f = f_of[sel]
        k = fam["kel_idx"].to_numpy()[f]
        nik, c1 = corrupt_ids(rng, mem["nik"].to_numpy()[sel], DIRT_RATES["nik_invalid"][0])
        copies = np.flatnonzero(np.r_[False, sel[1:] == sel[:-1]])  # a repeated row repeats its NIK
        nik[copies] = nik[copies - 1]
        sex, c2 = sex_text(rng, mem["sex"].to_numpy()[sel], sstyle, DIRT_RATES["sex_other_code"][0])
        kel_txt, c3 = kelurahan_names(rng, kel["kel_name"].to_numpy()[k], kstyle,
                                 DIRT_RATES["kelurahan_variant"][0], DIRT_RATES["kelurahan_typo"][0] * 0.6,
                                 DIRT_RATES["trailing_space"][0] * 0.6, w.spellings)
        birth = mem["birth"].to_numpy()[sel]
        bd = fmt_dates(birth, dstyle)
        other = pick(rng, n, DIRT_RATES["date_other_format"][0])
        bd[other] = fmt_dates(birth[other], "iso" if dstyle != "iso" else "dmy")
        counts |= {"nik_invalid": c1, "sex_other_code": c2, "date_other_format": int(other.sum()), **c3}
        values = {
            "no_kk": fam["no_kk"].to_numpy()[f].astype(object), "nik": nik,
            "nama": map_text(str.upper, mem["nama"].to_numpy()[sel]),
            "sex": sex, "birth_date": bd, "hubungan": hub[mem["role"].to_numpy()[sel]],
            "alamat": map_text(str.upper, fam["alamat"].to_numpy()[f]),
            "rt": as_text(fam["rt"].to_numpy()[f]), "rw": as_text(fam["rw"].to_numpy()[f]),
            "kecamatan": kel["kec_name"].to_numpy()[k].astype(object), "kelurahan": kel_txt,
            "desil": as_text(fam["desil"].to_numpy()[f]),
            "penerima_pkh": yn[fam["pkh"].to_numpy()[f].astype(int)],
            "penerima_bpnt": yn[fam["bpnt"].to_numpy()[f].astype(int)],
            "penerima_pbi": yn[fam["pbi"].to_numpy()[f].astype(int)],
            "resiko_stunting": yn[fam["resiko_stunting"].to_numpy()[f].astype(int)],
            "period": np.full(n, REGISTER_PERIOD, object),
        }
        if kstyle == "upper":
            values["kecamatan"] = map_text(str.upper, values["kecamatan"])
        header = DTSEN_HEADERS[style_kec]
        _check_headers("dtsen", header)
        fields = DTSEN_FIELDS[: len(header)]
        if _per_region(w):
            fname = f"dtsen_{REGISTER_PERIOD.replace('-', '')}.csv"
        else:
            kec_name = kel.loc[kel["kec_code"] == kec, "kec_name"].iloc[0]
            fname = f"dtsen_{_slug(kec_name)}_{REGISTER_PERIOD.replace('-', '')}.csv"
        log.files[f"dtsen/{fname}"] = write_csv(folder / fname, header, [values[x] for x in fields],
                                                 sep=sep, bom=bom, crlf=crlf)
        log.add("dtsen", fname, counts)


def _write_susenas(w: SyntheticBontang, out: Path, log: DirtLog) -> None:
    rng = stream(w.seed, "export-susenas")
    kel, s = w.kelurahan, w.susenas
    folder = out / "susenas"
    folder.mkdir(parents=True, exist_ok=True)
    k = s["kel_idx"].to_numpy()
    design = [s["hh_id"].to_numpy(object), as_text(s["stratum"]), as_text(s["nks"]), fmt_num(s["weight"], 4),
              as_text(s["hh_size"]), as_text(s["expenditure_pc"])]
    if "bps_kec" in kel:  # other regions: BPS codes (r101-r104), the desa part empty where BPS has none
        kec_bps = kel["bps_kec"].to_numpy(object)[k]
        desa_bps = pd.Series(kel["bps_desa"].to_numpy(object)[k], dtype="str").fillna("").to_numpy(object)
        header = SUSENAS_BPS_HEADER
        codes = pd.Series(kec_bps, dtype="str")
        cols = [*design, codes.str[:2].to_numpy(object), codes.str[2:4].to_numpy(object),
                codes.str[4:7].to_numpy(object), pd.Series(desa_bps, dtype="str").str[7:10].to_numpy(object),
                np.full(len(s), SURVEY_PERIOD, object)]
        c: dict[str, int] = {}
    else:
        official = kel["kel_name"].to_numpy()[k]
        kel_txt, c = kelurahan_names(rng, official, "upper", 0.03, 0.0, 0.02)
        header = SUSENAS_HEADER
        cols = [*design, map_text(str.upper, kel["kec_name"].to_numpy()[k]), kel_txt,
                np.full(len(s), SURVEY_PERIOD, object)]
    _check_headers("susenas", header)
    fname = f"susenas_{_short_slug(w)}_{SURVEY_PERIOD.replace('-', '')}.csv"
    log.files[f"susenas/{fname}"] = write_csv(folder / fname, header, cols)
    log.add("susenas", fname, c)


def _write_pendataan(w: SyntheticBontang, out: Path, log: DirtLog) -> None:
    rng = stream(w.seed, "export-pendataan")
    kel, lst = w.kelurahan, w.pendataan
    folder = out / "pendataan_rt"
    folder.mkdir(parents=True, exist_ok=True)
    for j, ki in enumerate(np.flatnonzero(kel["focus"].to_numpy())):
        d = lst[lst["kel_idx"] == ki]
        n = len(d)
        if n == 0:  # a small sample's focus desa may list no family: no listing is sent (an empty one is rejected)
            continue
        style = j % 2
        header = PENDATAAN_HEADERS[style]
        _check_headers("pendataan_rt", header)
        name = kel["kel_name"].iloc[ki]
        nik, c1 = corrupt_ids(rng, d["nik_kepala"].to_numpy(object), DIRT_RATES["nik_invalid"][0])
        kel_txt, c2 = kelurahan_names(rng, np.full(n, name, object), "local" if style else "title",
                                 DIRT_RATES["kelurahan_variant"][0], DIRT_RATES["kelurahan_typo"][0],
                                 DIRT_RATES["trailing_space"][0], w.spellings)
        yes, no = ("Ya", "Tidak") if j != 2 else ("YA", "TIDAK")
        crit = [np.where(d[f"kriteria_{i}"].to_numpy(), yes, no).astype(object) for i in range(1, 5)]
        tgl = d["tanggal"].to_numpy()
        if j == 0:
            tgl_col = ("d", as_text(tgl + EXCEL_OFFSET))
        elif j == 1:
            tgl_col = ("s", fmt_dates(tgl, "dmy"))
        elif j == 2:
            tgl_col = ("n", as_text(tgl + EXCEL_OFFSET))
        else:
            tgl_col = ("s", fmt_dates(tgl, "iso"))
        rt = as_text(d["rt"].to_numpy())
        if j == 3:
            rt = map_text(lambda v: v.zfill(3), rt)  # "005"
        cols = [("n", as_text(np.arange(1, n + 1))), ("s", d["no_kk"].to_numpy(object)), ("s", nik),
                ("s", d["nama_kepala"].to_numpy(object)), ("s", d["alamat"].to_numpy(object)),
                ("s" if j == 3 else "n", rt), ("n", as_text(d["rw"].to_numpy())), ("s", kel_txt),
                *[("s", c) for c in crit], ("s", d["petugas"].to_numpy(object)), tgl_col,
                ("s", d["status"].to_numpy(object))]
        if style == 1:
            cols.append(("s", np.full(n, "2025-03", object)))
        word = "KELURAHAN" if kel["kel_code"].iloc[ki].split(".")[3].startswith("1") else "DESA"
        titles = [["PENDATAAN MANDIRI KELUARGA FAKIR MISKIN (4 KRITERIA KEARIFAN LOKAL)"],
                  [f"{word} {name.upper()} - KECAMATAN {kel['kec_name'].iloc[ki].upper()}"]][: 1 + style]
        fname = f"pendataan_rt_{_slug(name)}_2025q1.xlsx"
        log.files[f"pendataan_rt/{fname}"] = write_xlsx(folder / fname, "Pendataan", titles, header, cols)
        log.add("pendataan_rt", fname, c2 | {"nik_invalid": c1})


def _write_program(w: SyntheticBontang, out: Path, log: DirtLog) -> None:
    rng = stream(w.seed, "export-program")
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
        var = pick(rng, n, DIRT_RATES["program_name_variant"][0])
        vs = np.array(programme_variants(label), dtype=object)
        prog_txt[var] = vs[rng.integers(0, len(vs), var.sum())]
        nik, c1 = corrupt_ids(rng, mem["nik"].to_numpy()[mr], DIRT_RATES["nik_invalid"][0])
        kel_txt, c2 = kelurahan_names(rng, kel["kel_name"].to_numpy()[k], "title",
                                 DIRT_RATES["kelurahan_variant"][0], DIRT_RATES["kelurahan_typo"][0],
                                 DIRT_RATES["trailing_space"][0], w.spellings)
        amount = d["amount"].to_numpy()
        nominal = (("Rp " + pd.Series(amount).map("{:,}".format).str.replace(",", ".").to_numpy(object))
                   if rp else as_text(amount))
        values = {
            "no": ("n", as_text(np.arange(1, n + 1))), "program": ("s", prog_txt), "nik": ("s", nik),
            "no_kk": ("s", fam["no_kk"].to_numpy()[f].astype(object)),
            "nama": ("s", mem["nama"].to_numpy()[mr].astype(object)),
            "kecamatan": ("s", kel["kec_name"].to_numpy()[k].astype(object)), "kelurahan": ("s", kel_txt),
            "rt": ("n", as_text(fam["rt"].to_numpy()[f])), "period": ("s", d["period"].to_numpy(object)),
            "nominal": ("s" if rp else "n", nominal),
        }
        header = PROGRAM_HEADERS[hstyle]
        _check_headers("program", header)
        aliases = config.sources()["program"]["aliases"]
        lookup = {a: kk for kk, v in aliases.items() for a in v}
        fields = ["no" if h == "No" else lookup[h] for h in header]
        fname = f"{stem}.{fmt}"
        if fmt == "xlsx":
            titles = [[f"DAFTAR PENERIMA {label.upper()}"], [f"{_region_words(w)[0]} TAHUN 2025"]]
            rows_n = write_xlsx(folder / fname, "Penerima", titles, header, [values[x] for x in fields])
        else:
            rows_n = write_csv(folder / fname, header, [values[x][1] for x in fields], sep=sep)
        log.files[f"program/{fname}"] = rows_n
        log.add("program", fname, {"program_name_variant": int(var.sum()), "nik_invalid": c1, **c2})


def write_exports(world: SyntheticBontang, out: Path) -> DirtLog:
    """Write every source of ``world`` into ``out`` as agency exports, with their dirt.

    Parameters
    ----------
    world
        The clean world from :func:`analysis.synthetic.world.simulate`.
    out
        The sample folder; writes ``eppgbm/``, ``dtsen/``, ``susenas/``, ``pendataan_rt/`` and
        ``program/`` in it (created if needed).

    Returns
    -------
    DirtLog
        Data rows per file and the dirt written per file and kind.
    """
    log = DirtLog()
    _write_eppgbm(world, out, log)
    _write_dtsen(world, out, log)
    _write_susenas(world, out, log)
    _write_pendataan(world, out, log)
    _write_program(world, out, log)
    return log

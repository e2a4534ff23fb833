"""Tests of the synthetic Bontang data generator (analysis.synthetic: world, dirt, exports, writers, readme).

Expectations come from the brief (target ranges), from config (poverty lines, aliases) and from
independent re-implementations here (header matching, NIK rules, WHO length-for-age z with L = 1);
never from the generator's own output.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis import config
from analysis.errors import RakorInputError
from analysis.synthetic import dirt, writers
from analysis.synthetic import world as sd

SEED = 2025
SCALE = 0.1
SOURCES = ["eppgbm", "dtsen", "susenas", "pendataan_rt", "program"]


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sample_a")
    sd.generate(d, seed=SEED, scale=SCALE)
    return d


@pytest.fixture(scope="module")
def world() -> sd.SyntheticBontang:
    return sd.simulate(SEED, SCALE)


@pytest.fixture(scope="module")
def dtsen(out) -> pd.DataFrame:
    return pd.concat([_frame(p, "dtsen") for p in _files(out, "dtsen")], ignore_index=True)


# ---- independent readers -----------------------------------------------------------------

def _norm(h: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(h).lower()).strip()


def _alias_map(source: str) -> dict[str, str]:
    cfg = config.sources()[source]
    return {_norm(a): canon for canon, aliases in cfg["aliases"].items() for a in aliases}


def _read_csv(path: Path) -> pd.DataFrame:
    text = path.read_bytes().decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)


def _read_xlsx(path: Path, source: str, max_row: int | None = None) -> tuple[int, list[list]]:
    """(index of the header row, rows) -- the header is the first row made of aliases."""
    wb = load_workbook(path, read_only=True)
    rows = [list(r) for r in wb.active.iter_rows(max_row=max_row, values_only=True)]
    wb.close()
    amap = _alias_map(source)
    for i, r in enumerate(rows):
        if sum(_norm(c) in amap for c in r if c is not None) >= 4:
            return i, rows
    raise AssertionError(f"{path.name}: no header row")


def _frame(path: Path, source: str) -> pd.DataFrame:
    """Data as text, columns renamed to canonical names (unknown headers kept as they are)."""
    amap = _alias_map(source)
    if path.suffix == ".csv":
        df = _read_csv(path)
    else:
        i, rows = _read_xlsx(path, source)
        df = pd.DataFrame(rows[i + 1:], columns=rows[i]).astype(object)
        df = df.map(lambda v: "" if v is None else v)
    return df.rename(columns=lambda h: amap.get(_norm(h), h))


def _files(out: Path, source: str) -> list[Path]:
    return sorted(p for p in (out / source).iterdir() if p.suffix in (".csv", ".xlsx"))


def _parse_dates(s: pd.Series) -> pd.Series:
    """dd/mm/yyyy, yyyy-mm-dd, d-m-yy (20yy if <= 25 else 19yy); anything else NaT."""
    s = s.astype(str).str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    iso = s.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    out[iso] = pd.to_datetime(s[iso], format="%Y-%m-%d")
    dmy = s.str.fullmatch(r"\d{2}/\d{2}/\d{4}")
    out[dmy] = pd.to_datetime(s[dmy], format="%d/%m/%Y", errors="coerce")
    short = s.str.fullmatch(r"\d{1,2}-\d{1,2}-\d{2}")
    if short.any():
        p = s[short].str.extract(r"(\d+)-(\d+)-(\d+)").astype(int)
        year = np.where(p[2] <= 25, 2000 + p[2], 1900 + p[2])
        out[short] = pd.to_datetime(pd.DataFrame({"year": year, "month": p[1], "day": p[0]}), errors="coerce")
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- tests ---------------------------------------------------------------------------------

def test_same_seed_gives_identical_files(out, tmp_path):
    sd.generate(tmp_path, seed=SEED, scale=SCALE)
    a = {p.relative_to(out): _sha(p) for p in out.rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path): _sha(p) for p in tmp_path.rglob("*") if p.is_file()}
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []


def test_other_seed_gives_other_data(out, tmp_path):
    sd.generate(tmp_path, seed=SEED + 1, scale=0.02)
    assert _sha(tmp_path / "susenas" / "susenas_bontang_202503.csv") != _sha(out / "susenas" / "susenas_bontang_202503.csv")


def test_layout(out):
    for src in SOURCES:
        assert _files(out, src), src
    epp = _files(out, "eppgbm")
    assert len(epp) == 9  # 3 rounds x 3 kecamatan
    assert {p.suffix for p in epp} == {".csv", ".xlsx"}
    assert {re.search(r"(\d{6})", p.name).group(1) for p in epp} == {"202402", "202408", "202502"}
    pend = _files(out, "pendataan_rt")
    assert len(pend) == len(config.focus_kelurahan()) == 4
    assert all(p.suffix == ".xlsx" for p in pend)
    assert len(_files(out, "dtsen")) == 3 and len(_files(out, "susenas")) == 1
    assert (out / "README.md").is_file()


def test_headers_are_aliases_and_required_present(out):
    for src in SOURCES:
        cfg = config.sources()[src]
        amap = _alias_map(src)
        seen_headers = set()
        for path in _files(out, src):
            if path.suffix == ".csv":
                header = list(_read_csv(path).columns)
            else:
                i, rows = _read_xlsx(path, src, max_row=10)
                assert i >= 1, f"{path.name}: workbooks carry title rows above the header"
                header = [h for h in rows[i] if h is not None]
            unknown = [h for h in header if _norm(h) not in amap and h != "No"]
            assert unknown == [], f"{path.name}: {unknown}"
            canon = {amap[_norm(h)] for h in header if _norm(h) in amap}
            assert set(cfg["required"]) <= canon, f"{path.name}: missing {set(cfg['required']) - canon}"
            seen_headers.add(tuple(header))
        if src in ("eppgbm", "dtsen", "program"):
            assert len(seen_headers) >= 3, f"{src}: headers should vary between files"


def test_eppgbm_workbooks_have_title_rows_and_fixed_metadata(out):
    for path in _files(out, "eppgbm"):
        if path.suffix != ".xlsx":
            continue
        i, rows = _read_xlsx(path, "eppgbm", max_row=10)
        assert 2 <= i <= 4
        assert rows[0][0] == "LAPORAN e-PPGBM KOTA BONTANG"
        assert str(rows[1][0]).startswith("Periode: ")
        with zipfile.ZipFile(path) as z:
            assert {zi.date_time for zi in z.infolist()} == {writers.ZIP_DATE}
            core = z.read("docProps/core.xml").decode()
        stamps = set(re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", core))
        assert stamps == {writers.FIXED_TIMESTAMP}


def _nik_valid(nik: pd.Series) -> pd.Series:
    """NIK rule of DOMAIN.md section 3, written independently: 16 digits, DD 1-31 or 41-71, MM 1-12."""
    ok = nik.str.fullmatch(r"\d{16}")
    dd = pd.to_numeric(nik.str[6:8].where(ok), errors="coerce")
    mm = pd.to_numeric(nik.str[8:10].where(ok), errors="coerce")
    serial = pd.to_numeric(nik.str[12:16].where(ok), errors="coerce")
    return ok & (((dd >= 1) & (dd <= 31)) | ((dd >= 41) & (dd <= 71))) & (mm >= 1) & (mm <= 12) & (serial >= 1)


def test_nik_and_kk_structure_in_dtsen(dtsen):
    df = dtsen
    nik = df["nik"].astype(str)
    valid = _nik_valid(nik)
    assert 0.01 <= 1 - valid.mean() <= 0.035  # ~2% invalid by design
    v = df[valid]
    dd = v["nik"].str[6:8].astype(int)
    female = dd > 40
    sex = v["sex"].str.upper().map({"L": 1, "P": 2, "LAKI-LAKI": 1, "PEREMPUAN": 2, "1": 1, "2": 2})
    assert sex.notna().all()
    assert ((sex == 2) == female).mean() > 0.985  # ~1% sex in another code is still mapped
    birth = _parse_dates(v["birth_date"])
    assert birth.notna().mean() > 0.99
    nik_date = pd.to_datetime(
        pd.DataFrame({"day": dd.where(~female, dd - 40), "month": v["nik"].str[8:10].astype(int),
                      "year": birth.dt.year}), errors="coerce")
    assert (nik_date == birth).mean() > 0.99
    assert (birth.dt.year % 100 == v["nik"].str[10:12].astype(int)).mean() > 0.99
    kk = df["no_kk"].astype(str)
    assert kk.str.fullmatch(r"6474\d{12}").all()
    assert kk.str[4:6].isin(["01", "02", "03"]).all()
    assert (nik.str[:6].isin(["647401", "647402", "647403"])).mean() > 0.6


def test_families_and_desil(dtsen):
    df = dtsen.drop_duplicates()
    fams = df.groupby("no_kk")
    assert 3.2 <= len(df) / fams.ngroups <= 3.8  # ~3.5 members per family
    assert abs(fams.ngroups - 50_000 * SCALE) / (50_000 * SCALE) < 0.02
    assert set(df["hubungan"]) == {"Kepala Keluarga", "Istri", "Anak", "Famili Lain"}
    desil = df.groupby("no_kk")["desil"].first().astype(int)
    assert desil.between(1, 10).all()
    assert set(df["penerima_pkh"]) <= {"Ya", "Tidak"}


def test_susenas_person_poverty_share(out):
    df = _frame(_files(out, "susenas")[0], "susenas")
    w = df["weight"].astype(float)
    size = df["hh_size"].astype(int)
    e = df["expenditure_pc"].astype(float)
    persons = w * size
    share = persons[e < config.poverty_line("poverty")].sum() / persons.sum()
    extreme = persons[e < config.poverty_line("extreme")].sum() / persons.sum()
    assert 0.04 <= share <= 0.05
    assert 0.005 <= extreme <= 0.015
    assert abs(w.sum() - 50_000 * SCALE) < 1  # weights sum to the households of the (scaled) city
    assert df["strata"].nunique() == 6
    assert 90 <= df["psu"].nunique() <= 110 and 900 <= len(df) <= 1100
    assert (df.groupby("psu")["strata"].nunique() == 1).all()  # PSUs nest in strata
    assert set(df["period"]) == {"2025-03"}
    kel = df["kelurahan"].str.strip().str.upper()
    focus_names = {"LOK TUAN", "API-API", "TANJUNG LAUT", "TANJUNG LAUT INDAH", "LOKTUAN", "API API"}
    foc = kel.isin(focus_names)
    poor = (e < config.poverty_line("poverty")).astype(float)
    assert (persons[foc] * poor[foc]).sum() / persons[foc].sum() > (persons[~foc] * poor[~foc]).sum() / persons[~foc].sum()


def test_latent_stunting_targets(world):
    m = world.measurements
    m = m[m["age_days"] <= 1825]
    focus = world.kelurahan["focus"].to_numpy()[world.children["kel_idx"].to_numpy()[m["child_id"]]]
    stunted = (m["haz"] < -2).to_numpy()
    assert 0.17 <= stunted.mean() <= 0.23
    assert 0.23 <= stunted[focus].mean() <= 0.33
    assert stunted[focus].mean() > stunted[~focus].mean()
    per_round = m.groupby("period").size()
    assert list(per_round.index) == ["2024-02", "2024-08", "2025-02"]
    assert ((per_round > 0.85 * 11_000 * SCALE) & (per_round < 1.15 * 11_000 * SCALE)).all()
    # The same children are re-measured across rounds.
    ids = [set(m.loc[m["period"] == p, "child_id"]) for p in per_round.index]
    assert len(ids[0] & ids[1]) > 0.5 * len(ids[1])


def test_stunting_recomputed_from_csv_files(out, world):
    """Length/height-for-age z from the written values, WHO formula with L = 1 (DOMAIN.md section 6)."""
    len_tab = pd.read_csv(config.WHO2006_DIR / "lenanthro.txt", sep="\t").set_index(["sex", "age"])
    frames = []
    for path in _files(out, "eppgbm"):
        if path.suffix != ".csv":
            continue
        df = _frame(path, "eppgbm")
        frames.append(pd.DataFrame({
            "sex": df["sex"].str.upper().map({"L": 1, "P": 2, "LAKI-LAKI": 1, "PEREMPUAN": 2, "1": 1, "2": 2}),
            "age": (_parse_dates(df["measure_date"]) - _parse_dates(df["birth_date"])).dt.days,
            "h": pd.to_numeric(df["height_cm"].str.replace(",", "."), errors="coerce"),
            "pos": df["measure_position"].str.lower(),
        }))
    d = pd.concat(frames, ignore_index=True).dropna()
    d = d[(d["age"] >= 0) & (d["age"] <= 1825) & (d["h"] < 200)]
    h = d["h"] + np.where((d["pos"] == "berdiri") & (d["age"] < 731), 0.7, 0.0) \
        - np.where((d["pos"] == "terlentang") & (d["age"] >= 731), 0.7, 0.0)
    lms = len_tab.loc[list(zip(d["sex"].astype(int), d["age"].astype(int), strict=True))]
    z = (h.to_numpy() / lms["m"].to_numpy() - 1) / lms["s"].to_numpy()
    share = float((np.round(z, 2) < -2).mean())
    assert len(d) > 1000
    assert 0.16 <= share <= 0.25


def test_children_link_to_dtsen_families(out, dtsen):
    dt = dtsen
    kk_set, nik_set = set(dt["no_kk"]), set(dt["nik"])
    epp = pd.concat([_frame(p, "eppgbm") for p in _files(out, "eppgbm") if p.suffix == ".csv"], ignore_index=True)
    assert 0.80 <= epp["no_kk"].isin(kk_set).mean() <= 0.90  # ~85% by design
    ortu = epp.loc[epp["nik_ortu"] != "", "nik_ortu"]
    assert ortu.isin(nik_set).mean() > 0.95  # mothers are DTSEN members (minus DTSEN's own invalid NIKs)
    assert epp["nik"].isin(nik_set).mean() > 0.93


def test_eppgbm_dirt_present(out):
    epp = pd.concat([_frame(p, "eppgbm").assign(_f=p.name) for p in _files(out, "eppgbm") if p.suffix == ".csv"],
                    ignore_index=True)
    kel = epp["kelurahan"]
    assert (kel != kel.str.strip()).mean() > 0.02          # trailing spaces
    assert kel.str.strip().isin(["Loktuan", "Api Api", "API-API", "LOKTUAN", "Lok tuan"]).any()
    dup = epp.duplicated(subset=["_f", "nik", "birth_date"], keep=False) & (epp["nik"] != "")
    assert 0.005 <= dup.mean() <= 0.04
    h = pd.to_numeric(epp["height_cm"].str.replace(",", "."), errors="coerce")
    assert (h > 200).any()                                  # heights in mm
    assert (epp["height_cm"] == "").any()
    assert (~_nik_valid(epp["nik"].astype(str))).mean() < 0.04


def test_kelurahan_typos_are_fuzzy_recoverable():
    from rapidfuzz import fuzz

    threshold = config.settings()["wilayah"]["fuzzy_threshold"]
    for official, typo in dirt.KEL_TYPOS.items():
        assert fuzz.ratio(official.lower(), typo.lower()) >= threshold, (official, typo)


def test_programme_lists_have_inclusion_errors(out, dtsen):
    dt = dtsen
    desil = dt.drop_duplicates("nik").set_index("nik")["desil"].astype(int)
    labels = {p["label_id"].lower() for p in config.settings()["programmes"]}
    for path in _files(out, "program"):
        df = _frame(path, "program")
        names = df["program"].str.lower().str.replace(r"\s+", " ", regex=True).str.replace(" - ", "-")
        assert names.isin(labels).mean() > 0.9, path.name
        assert set(df["period"]) <= {"2025-01", "2025-02", "2025-03"}
    tt = _frame(out / "program" / "tengok_tetangga_2025q1.xlsx", "program")
    d = tt["nik"].map(desil).dropna()
    assert 0.05 <= (d >= 5).mean() <= 0.16     # ~10% inclusion errors
    assert (d <= 1).mean() > 0.5


def test_pendataan_criteria_and_status(out):
    for path in _files(out, "pendataan_rt"):
        df = _frame(path, "pendataan_rt")
        for k in range(1, 5):
            assert set(df[f"kriteria_{k}"].str.lower()) <= {"ya", "tidak"}
        assert set(df["status_verifikasi"]) <= {"Terverifikasi", "Belum Diverifikasi", "Tidak Memenuhi"}
        assert len(df) > 20


def test_readme_says_synthetic_and_documents_dirt(out):
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text
    assert f"seed={SEED}" in text
    for kind in dirt.DIRT_RATES:
        assert kind in text


def test_bad_scale_is_an_input_error(tmp_path):
    with pytest.raises(RakorInputError, match="scale"):
        sd.generate(tmp_path, seed=1, scale=0)


def test_csv_files_parse_as_rectangular(out):
    for src in SOURCES:
        for path in _files(out, src):
            if path.suffix != ".csv":
                continue
            text = path.read_bytes().decode("utf-8-sig")
            sep = ";" if text.split("\n", 1)[0].count(";") > 1 else ","
            widths = {len(r) for r in csv.reader(io.StringIO(text), delimiter=sep) if r}
            assert len(widths) == 1, path.name


def test_csv_writer_quotes_minimally_with_bom_and_crlf(tmp_path):
    path = tmp_path / "x.csv"
    n = writers.write_csv(path, ["a", "b"], [np.array(["1", 'say "hi"'], dtype=object),
                                             np.array(["x;y", ""], dtype=object)], sep=";", bom=True, crlf=True)
    assert n == 2
    # RFC 4180: a cell holding the separator or a quote is quoted, inner quotes doubled
    assert path.read_bytes() == b'\xef\xbb\xbfa;b\r\n1;"x;y"\r\n"say ""hi""";\r\n'


def test_xlsx_writer_cells_read_back_with_their_types(tmp_path):
    path = tmp_path / "x.xlsx"
    cols = [("n", np.array(["1", "2.5", "-"], dtype=object)),
            ("s", np.array(["Siti & Ani", "<b>", ""], dtype=object)),
            ("d", np.array([str(19000 + writers.EXCEL_OFFSET), "05/03/2020", ""], dtype=object))]
    assert writers.write_xlsx(path, "Data", [["TITLE"]], ["N", "S", "D"], cols) == 3
    wb = load_workbook(path)
    rows = [list(r) for r in wb.active.iter_rows(values_only=True)]
    assert rows[0] == ["TITLE", None, None] and rows[1][0] == "Tanggal unduh:" and rows[2] == ["N", "S", "D"]
    # numbers stay numbers, text typed in a number or date column stays text, "" is an empty cell;
    # day 19000 after 1970-01-01 is 2022-01-08
    assert rows[3][:2] == [1, "Siti & Ani"] and str(rows[3][2])[:10] == "2022-01-08"
    assert rows[4] == [2.5, "<b>", "05/03/2020"]
    assert rows[5] == ["-", None, None]

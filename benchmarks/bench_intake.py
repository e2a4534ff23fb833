"""Benchmark: clean a large e-PPGBM export (default 1,000,000 rows) with ``clean_all``.

Builds a synthetic CSV in a temporary folder (children measured over several rounds, Indonesian
formats: ``;`` delimiter, decimal commas, dd/mm/yyyy dates, a few percent of dirt: misspelled
kelurahan, impossible dates, grams, duplicates), then times ``analysis.intake.clean.clean_all`` on it,
writing the processed tables. Goal: at most 30 s for 1,000,000 rows.

Usage::

    .venv/bin/python benchmarks/bench_intake.py            # 1,000,000 rows
    .venv/bin/python benchmarks/bench_intake.py --rows 20000   # smoke run

Timings are taken on whatever machine runs this; on a shared machine they vary with its load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

FIRST = np.array(["Siti", "Ahmad", "Nur", "Muhammad", "Dewi", "Rizky", "Putri", "Andi", "Aisyah",
                  "Budi", "Fajar", "Intan", "Rina", "Agus", "Wulan", "Dimas", "Ayu", "Bayu",
                  "Citra", "Eka", "Fitri", "Gilang", "Hana", "Indra", "Joko", "Kartika"])
LAST = np.array(["Saputra", "Lestari", "Hidayat", "Rahmawati", "Pratama", "Wijaya", "Sari",
                 "Nugroho", "Kusuma", "Ramadhan", "Permata", "Santoso", "Utami", "Halim"])
KEL = np.array(["Bontang Kuala", "Bontang Baru", "Loktuan", "Guntung", "Gunung Elai", "Api-api",
                "Tanjung Laut", "Berbas Tengah", "Berbas Pantai", "Satimpo", "Bontang Lestari",
                "Tanjung Laut Indah", "Belimbing", "Gunung Telihan", "Kanaan"])
DIRTY_KEL = np.array(["API-API ", "Tanjung Laut Indh", "Gn. Elai", "Berbas Tengh", "Bontang"])
ROUNDS = [dt.date(2023, 2, 10), dt.date(2023, 8, 10), dt.date(2024, 2, 10),
          dt.date(2024, 8, 10), dt.date(2025, 2, 10)]


def build(path: Path, rows: int, seed: int = 1) -> None:
    """Write a synthetic e-PPGBM CSV with ``rows`` rows (vectorised)."""
    rng = np.random.default_rng(seed)
    # Each child once per round; then 0.5% of rows repeat a measurement of the same round.
    n_child = max(-(-rows // len(ROUNDS)), 1)
    child = np.arange(rows) // len(ROUNDS)
    rnd = np.arange(rows) % len(ROUNDS)
    rep = rng.choice(rows, 2 * (rows // 200), replace=False)
    dst, src = rep[: rows // 200], rep[rows // 200:]
    child[dst], rnd[dst] = child[src], rnd[src]
    sex = rng.integers(1, 3, n_child)
    birth = (np.datetime64("2019-01-01") + rng.integers(0, 4 * 365, n_child)).astype("datetime64[D]")
    b = pd.DatetimeIndex(birth)
    day = np.where(sex == 2, b.day + 40, b.day)
    # Region 64.74.kk of first registration varies so that (region, date, serial) is unique.
    region = "6474" + pd.Series(np.arange(n_child) // 9999 % 99 + 1).astype(str).str.zfill(2)
    nik = (region + pd.Series(day).astype(str).str.zfill(2)
           + pd.Series(b.month).astype(str).str.zfill(2)
           + pd.Series(b.year % 100).astype(str).str.zfill(2)
           + pd.Series(np.arange(n_child) % 9999 + 1).astype(str).str.zfill(4)).to_numpy()
    round_dates = np.array(ROUNDS, dtype="datetime64[D]")
    meas = round_dates[rnd] + rng.integers(0, 20, rows)
    bd = birth[child]
    meas = np.where(meas < bd, bd + 1, meas)
    age = (meas - bd).astype(int)
    height = 50 + 45 * np.sqrt(age / 1800) + rng.normal(0, 3, rows)
    weight = 3.3 + 13 * np.sqrt(age / 1800) + rng.normal(0, 1, rows)
    kel = KEL[rng.integers(0, len(KEL), n_child)][child]
    name = (pd.Series(FIRST[rng.integers(0, len(FIRST), n_child)]) + " "
            + pd.Series(LAST[rng.integers(0, len(LAST), n_child)])).to_numpy()
    parent = (pd.Series(FIRST[rng.integers(0, len(FIRST), n_child)]) + " "
              + pd.Series(LAST[rng.integers(0, len(LAST), n_child)])).to_numpy()
    md = pd.DatetimeIndex(meas)
    df = pd.DataFrame({
        "NIK": nik[child],
        "Nama Anak": name[child],
        "JK": np.where(sex[child] == 1, "L", "P"),
        "Tgl Lahir": pd.DatetimeIndex(bd).strftime("%d/%m/%Y"),
        "Nama Ortu": parent[child],
        "Desa/Kel": kel,
        "Posyandu": "Posyandu " + pd.Series(rng.integers(1, 40, rows)).astype(str),
        "RT": rng.integers(1, 40, rows).astype(str),
        "RW": rng.integers(1, 9, rows).astype(str),
        "Alamat": "Jl. Contoh " + pd.Series(rng.integers(1, 500, rows)).astype(str),
        "Tanggal Pengukuran": md.strftime("%d/%m/%Y"),
        "Berat": pd.Series(np.round(weight, 1)).astype(str).str.replace(".", ",", regex=False),
        "Tinggi": pd.Series(np.round(height, 1)).astype(str).str.replace(".", ",", regex=False),
        "Cara Ukur": np.where(age < 731, "terlentang", "berdiri"),
        "Periode": md.strftime("%Y-%m"),
    })
    # Dirt: misspelled or unknown kelurahan, impossible dates, grams, repeated measurements.
    k = rows // 100
    idx = rng.choice(rows, k, replace=False)
    df.loc[idx, "Desa/Kel"] = DIRTY_KEL[rng.integers(0, len(DIRTY_KEL), k)]
    df.loc[rng.choice(rows, k // 5, replace=False), "Tgl Lahir"] = "31/02/2022"
    g = rng.choice(rows, k // 5, replace=False)
    df.loc[g, "Berat"] = (np.round(weight[g] * 1000)).astype(int).astype(str)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("DATA E-PPGBM KOTA BONTANG (SINTETIS)\n\n")
        df.to_csv(fh, sep=";", index=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    os.environ.setdefault("RAKOR_PSEUDONYM_KEY", "benchmark-key-not-secret")
    from analysis.intake.clean import clean_all

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw" / "eppgbm"
        raw.mkdir(parents=True)
        t0 = time.perf_counter()
        build(raw / "eppgbm_bench.csv", args.rows, args.seed)
        t_build = time.perf_counter() - t0
        size_mb = (raw / "eppgbm_bench.csv").stat().st_size / 1e6
        t0, c0 = time.perf_counter(), time.process_time()
        res = clean_all(raw.parent, Path(tmp) / "processed", today=dt.date(2025, 10, 1))
        t_clean, c_clean = time.perf_counter() - t0, time.process_time() - c0
    it = res.intake.iloc[0]
    top = res.rejects["reason"].value_counts().head(6)
    print(f"rows: {args.rows:,} ({size_mb:.0f} MB CSV, built in {t_build:.1f} s)")
    print(f"clean_all: {t_clean:.1f} s wall, {c_clean:.1f} s CPU  (goal <= 30 s for 1,000,000 "
          f"rows; {args.rows / t_clean:,.0f} rows/s)")
    print(f"kept {it.rows_kept:,}, rejected {it.rows_rejected:,}; reasons: "
          + ", ".join(f"{r} {n:,}" for r, n in top.items()))
    print("timings taken on a shared machine (2 cores, other jobs running): treat as indicative.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

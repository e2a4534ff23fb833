"""Write the reference children of the WHO anthro comparison as an e-PPGBM export.

Run from the worktree root::

    PYTHONPATH=src python tests/reference/who_anthro/make_children.py

It writes ``eppgbm_202402_reference.csv`` (the export the pipeline reads, headers of the real
web download) and ``children.csv`` (the same children as WHO anthro's inputs: sex, age in days,
weight, length/height, measure, oedema), which ``make_reference.R`` feeds to
``anthro::anthro_prevalence``. Names are made-up labels ("Anak Uji 001"); there is no NIK.

The children are drawn from the WHO standard shifted to a stunted population (HAZ ~ N(-1, 1.2),
WHZ ~ N(-0.3, 1.1)), measured to 0.1 cm and 0.1 kg, with on purpose: implausible heights and
weights (flagged z-scores), oedema, standing below 731 days and lying above it, unknown position,
and two children older than 1826 days (anthro leaves them out of the prevalence).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.measures.anthropometry import lms_parameters, lms_value

HERE = Path(__file__).parent
N = 600
MEASURE_DATE = pd.Timestamp("2024-02-15")


def main() -> None:
    rng = np.random.default_rng(16)
    sex = rng.integers(1, 3, N)
    age = rng.integers(0, 1827, N)
    age[:2] = [1830, 1900]  # older than anthro's limit
    measure = np.where(age < 731, "l", "h").astype(object)
    swap = rng.random(N) < 0.08
    measure[swap] = np.where(age[swap] < 731, "h", "l")
    measure[rng.random(N) < 0.05] = None
    table_age = np.minimum(age, 1826)
    haz = rng.normal(-1.0, 1.2, N)
    haz[2:5] = [-7.5, -6.8, 6.5]  # flagged HAZ
    lam, mu, sig = lms_parameters("height_for_age", sex, table_age)
    height = np.round(lms_value(haz, lam, mu, sig), 1)
    whz = rng.normal(-0.3, 1.1, N)
    whz[5:7] = [5.8, -5.6]  # flagged WHZ (and WAZ)
    ind = np.where(age < 731, "weight_for_length", "weight_for_height")
    weight = np.empty(N)
    for name in ("weight_for_length", "weight_for_height"):
        m = ind == name
        lo, hi = (45.0, 110.0) if name == "weight_for_length" else (65.0, 120.0)
        h = np.clip(np.round(height[m], 1), lo, hi)
        lam, mu, sig = lms_parameters(name, sex[m], h)
        weight[m] = lms_value(whz[m], lam, mu, sig)
    weight = np.round(np.clip(weight, 1.0, 40.0), 1)
    oedema = np.zeros(N, dtype=bool)
    oedema[[7, 8, 9]] = True

    birth = MEASURE_DATE - pd.to_timedelta(age, unit="D")
    children = pd.DataFrame({"sex": sex, "age_days": age, "weight_kg": weight, "height_cm": height,
                             "measure": measure, "oedema": np.where(oedema, "y", "n")})
    children.to_csv(HERE / "children.csv", index=False)

    position = pd.Series(measure).map({"l": "terlentang", "h": "berdiri"})
    export = pd.DataFrame({
        "No NIK": "", "Nama Balita": [f"Anak Uji {i:03d}" for i in range(1, N + 1)], "L/P": sex,
        "Tgl. Lahir": birth.strftime("%Y-%m-%d"), "Nama Orang Tua": "", "Kec": "BONTANG SELATAN",
        "Kelurahan": "Satimpo", "Posyandu": "Posyandu Uji", "Tanggal Ukur": MEASURE_DATE.strftime("%Y-%m-%d"),
        "BB (kg)": weight, "TB/PB (cm)": height, "Cara Pengukuran": position.fillna(""),
        "Edema": np.where(oedema, "Ya", "Tidak"), "Bulan Penimbangan": "2024-02",
    })
    export.to_csv(HERE / "eppgbm_202402_reference.csv", index=False)


if __name__ == "__main__":
    main()

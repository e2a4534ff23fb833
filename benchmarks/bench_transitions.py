"""Benchmark: each child followed (``estimates.transitions``) on 1,000,000 children × 12 months.

Usage::

    python benchmarks/bench_transitions.py [--children 1000000] [--months 12] [--kelurahan 15] [--seed 16]

Seeded synthetic children, each measured (height and z-score) in every month of 2024 with 95%
attendance, in ``--kelurahan`` kelurahan; the same sizes as ``bench_skdn.py``. Timed separately:
:func:`child_pairs` (linking every child to its previous month: one sort) and
:func:`transition_rows` (incidence, recovery, mean HAZ change and height falls per kota,
kecamatan and kelurahan, for all 11 later months). Goal: both together under 60 s.

Timings are wall-clock on whatever machine runs this; on a shared machine they vary between runs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from analysis.estimates.transitions import child_pairs, transition_rows

# Load inputs. ---------------------------------------------------------------------------


def synthetic_panel(children: int, months: int, kelurahan: int, seed: int) -> pd.DataFrame:
    """One row per child and month attended: key, area, period, height, HAZ, stunting status."""
    rng = np.random.default_rng(seed)
    kel = rng.integers(0, kelurahan, children)
    kec = kel // 5 + 1
    base_age = rng.integers(0, 1826 - 31 * months, children)
    haz0 = rng.normal(-1.0, 1.1, children)
    parts = []
    for m in range(months):
        here = np.flatnonzero(rng.random(children) < 0.95)
        age = base_age[here] + 30 * m
        haz = np.round(haz0[here] + rng.normal(0, 0.25, len(here)), 2)
        parts.append(pd.DataFrame({
            "child_key": here, "period": f"2024-{m + 1:02d}", "age_days": age,
            "measure_date": pd.Timestamp(f"2024-{m + 1:02d}-15"),
            "height_cm": np.round(50 + age * 0.03 + haz, 1), "measure": np.where(age < 731, "l", "h"),
            "haz": haz, "haz_flag": False, "is_stunted": haz < -2,
            "kecamatan_code": kec[here], "kelurahan_code": kel[here],
        }))
    df = pd.concat(parts, ignore_index=True)
    df["child_key"] = df["child_key"].map("{:016x}".format)  # pseudonyms are 16-hex strings
    df["kecamatan_code"] = df["kecamatan_code"].map("64.74.{:02d}".format)
    df["kelurahan_code"] = (df["kecamatan_code"] + "." + (1001 + df["kelurahan_code"] % 5).astype(str))
    return df.astype({"is_stunted": "boolean"})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--kelurahan", type=int, default=15)
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()

    t0 = time.perf_counter()
    panel = synthetic_panel(args.children, args.months, args.kelurahan, args.seed)
    t_setup = time.perf_counter() - t0

    # Process data.
    t0 = time.perf_counter()
    pairs = child_pairs(panel)
    t_pairs = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = transition_rows(pairs, f"2024-{args.months:02d}")
    t_rows = time.perf_counter() - t0

    # Save outputs.
    print(f"panel: {len(panel):,} rows ({args.children:,} children x {args.months} months), "
          f"built in {t_setup:.1f} s")
    print(f"child_pairs:     {t_pairs:6.1f} s  ({len(pairs):,} pairs)")
    print(f"transition_rows: {t_rows:6.1f} s  ({len(rows):,} estimates rows)")
    total = t_pairs + t_rows
    print(f"total:           {total:6.1f} s  (goal < 60 s: {'met' if total < 60 else 'NOT met'})")


if __name__ == "__main__":
    main()

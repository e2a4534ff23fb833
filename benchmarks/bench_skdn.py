"""Benchmark: SKDN for 1,000,000 children x 12 months (issue 16: under 60 s).

Usage::

    python benchmarks/bench_skdn.py [--children 1000000] [--months 12] [--seed 16] [--smoke]

Seeded synthetic by-name months: each child has a pseudonym-like key, a posyandu of one of 1,000
(in 10 kelurahan), a birth age 0-47 months at the first month, and is weighed in each month with
probability 0.8 (D/S about 80%), gaining 0-700 g a month in 0.1-kg records. Timed: the
classification of every weighing and the counts per posyandu and month
(``measures.skdn.skdn_counts``), then the estimates rows for every level
(``estimates.skdn.skdn_rows``, which repeats the counting). Timings are wall-clock on whatever
machine runs this; on a shared machine they vary between runs.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from analysis.estimates.skdn import skdn_rows
from analysis.measures.skdn import load_kbm, skdn_counts

GOAL_S = 60.0


# Load inputs. ---------------------------------------------------------------------------


def synthetic_months(children: int, months: int, seed: int) -> pd.DataFrame:
    """One row per child and weighed month (seeded), the shape of ``eppgbm.parquet``."""
    rng = np.random.default_rng(seed)
    keys = np.array([f"{k:016x}" for k in rng.integers(0, 2**63, children)], dtype=object)
    kel = np.array([f"64.74.0{1 + i // 4}.100{1 + i % 4}" for i in range(10)], dtype=object)
    posyandu = rng.integers(0, 1000, children)
    age0 = rng.integers(0, 48 * 30, children)
    w0 = np.round(3.0 + age0 / 30.4375 * 0.25, 1)
    child = np.repeat(np.arange(children), months)
    month = np.tile(np.arange(months), children)
    weighed = rng.random(children * months) < 0.8
    gain = rng.integers(0, 8, children * months) / 10.0  # 0.0 .. 0.7 kg a month
    cum = np.cumsum(gain.reshape(children, months), axis=1).ravel()
    child, month, cum = child[weighed], month[weighed], cum[weighed]
    period = np.array([f"2025-{m + 1:02d}" for m in range(months)], dtype=object) if months <= 12 else \
        np.array([f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(months)], dtype=object)
    return pd.DataFrame({
        "child_key": keys[child], "period": period[month],
        "age_days": age0[child] + np.round(month * 30.4375).astype(np.int64),
        "weight_kg": np.round(w0[child] + cum, 1),
        "kelurahan_code": kel[posyandu[child] % 10], "posyandu": "P" + pd.Series(posyandu[child]).astype(str).to_numpy(),
    })


# Process data. --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--smoke", action="store_true", help="10,000 children, to check the script runs")
    args = ap.parse_args(argv)
    n = 10_000 if args.smoke else args.children
    t0 = time.perf_counter()
    panel = synthetic_months(n, args.months, args.seed)
    t_gen = time.perf_counter() - t0
    kbm = load_kbm()
    t0 = time.perf_counter()
    counts = skdn_counts(panel, ["kelurahan_code", "posyandu"], kbm)
    t_counts = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = skdn_rows(panel, "2025-12" if args.months <= 12 else "2099-12", kbm)
    t_rows = time.perf_counter() - t0

    # Save outputs. ----------------------------------------------------------------------
    print(f"{n:,} children x {args.months} months: {len(panel):,} weighings (generated in {t_gen:.1f} s)")
    print(f"skdn_counts (classify + S per posyandu and month): {t_counts:.1f} s, {len(counts):,} cells")
    print(f"skdn_rows (all levels, estimates rows):           {t_rows:.1f} s, {len(rows):,} rows")
    ok = t_rows < GOAL_S
    print(f"goal: skdn_rows < {GOAL_S:.0f} s -> {'met' if ok else 'NOT met'}")
    return 0 if ok or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())

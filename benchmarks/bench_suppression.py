"""Benchmark: the small-count rule (``suppression.plan_suppression``) on the full sample estimates table.

Usage::

    rakor clean --raw data/raw/sample --processed /tmp/proc
    python benchmarks/bench_suppression.py --processed /tmp/proc [--months 12] [--save table.parquet]
    python benchmarks/bench_suppression.py --table table.parquet [--pool 2]

The table is the estimate stage's own (``estimates.build.build_all`` on the processed sample,
captured just before ``suppress``), with WHO's sex and age breakdowns at every level (the sex × age
cross for the kota and kecamatan) and the
SKDN rows computed on a seeded monthly panel made from the sample's latest round (each child of
the round weighed in each of the ``--months`` months up to it with probability 0.8, at the child's
own kelurahan and posyandu, gaining 0-400 g a month), posyandu parts in every month: the sample
itself has only the February/August rounds. Timed: ``plan_suppression`` on that table, and the
privacy check of its result (``determined_cells`` finds no hidden cell). Goal: ≤ 10 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

GOAL_S = 10.0


# Load inputs. ---------------------------------------------------------------------------


def monthly_panel(children: pd.DataFrame, months: int, seed: int) -> pd.DataFrame:
    """By-name monthly weighings (seeded) for the children of the latest round, ``months`` months."""
    rng = np.random.default_rng(seed)
    latest = str(children["period"].max())
    base = children[children["period"] == latest].drop_duplicates("child_key").reset_index(drop=True)
    parts = []
    for back in range(months):
        age = pd.to_numeric(base["age_days"], errors="coerce") - np.round(back * 30.4375)
        weighed = (rng.random(len(base)) < 0.8) & (age >= 0)
        loss = back * rng.integers(0, 5, len(base)) / 10.0
        month = base.assign(period=(pd.Period(latest, "M") - back).strftime("%Y-%m"), age_days=age,
                            weight_kg=np.round(np.maximum(pd.to_numeric(base["weight_kg"], errors="coerce")
                                                          - loss, 2.0), 1))
        parts.append(month[weighed])
    return pd.concat(parts, ignore_index=True)


def estimates_table(processed: Path, months: int, seed: int) -> pd.DataFrame:
    """The estimates table ``build_all`` hands to the small-count rule, with monthly SKDN (see the module)."""
    from analysis.estimates import build, skdn, store, suppression

    captured: dict[str, pd.DataFrame] = {}
    own_skdn, own_suppress = skdn.skdn_rows, suppression.suppress_with_plan

    def skdn_monthly(children, period, kbm=None):
        return own_skdn(monthly_panel(children, months, seed), period, kbm)

    class Captured(Exception):
        """The table is taken; the rest of the estimate stage is not needed."""

    def capture(est, min_cell=None, mapper=None):
        captured["est"] = est.copy()
        raise Captured

    skdn.skdn_rows, suppression.suppress_with_plan = skdn_monthly, capture
    try:
        tables = store.load_processed(processed)
        period = str(tables["eppgbm"]["period"].max())
        build.build_all(tables, period, processed)
    except Captured:
        pass
    finally:
        skdn.skdn_rows, suppression.suppress_with_plan = own_skdn, own_suppress
    return captured["est"]


# Process data. --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processed", type=Path, help="processed tables of the sample (rakor clean)")
    ap.add_argument("--table", type=Path, help="a table saved by --save (skips the estimate stage)")
    ap.add_argument("--save", type=Path, help="save the table before suppression here")
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--pool", type=int, default=0, metavar="N",
                    help="also settle the independent systems on a pool of N processes (ProcessMapper, "
                         "forced on), in the same run; the plans must be equal")
    args = ap.parse_args(argv)
    from analysis.estimates import suppression
    from analysis.parallel import ProcessMapper

    if args.table is not None:
        est = pd.read_parquet(args.table)
    elif args.processed is not None:
        t0 = time.perf_counter()
        est = estimates_table(args.processed, args.months, args.seed)
        print(f"estimate stage up to suppression: {time.perf_counter() - t0:.1f} s")
    else:
        ap.error("give --processed or --table")
    if args.save is not None:
        est.to_parquet(args.save)
    m = suppression.configured_min_cell()
    print(f"table: {len(est):,} rows, {est['indicator'].nunique()} indicators, "
          f"{est['breakdown'].nunique()} breakdowns, {est['data_period'].nunique()} data periods")
    t0, c0 = time.perf_counter(), time.process_time()
    plan = suppression.plan_suppression(est, m)
    took = time.perf_counter() - t0
    print(f"plan_suppression: {took:.2f} s (CPU {time.process_time() - c0:.2f} s); hidden {int(plan.hidden.sum()):,} rows "
          f"({int(plan.primary.sum()):,} primary)")
    if args.pool:
        t0 = time.perf_counter()
        pooled = suppression.plan_suppression(est, m, ProcessMapper(args.pool))
        pool_s = time.perf_counter() - t0
        same = all((getattr(pooled, k) == getattr(plan, k)).all() for k in ("hidden", "primary", "hide_n"))
        print(f"plan_suppression on {args.pool} processes: {pool_s:.2f} s ({pool_s / took:.2f}x the one "
              f"process); plan {'equal' if same else 'DIFFERENT'}")
        if not same:
            return 1

    # Report results. ------------------------------------------------------------------------
    t0 = time.perf_counter()
    est = est.reset_index(drop=True)
    cells, n_cell, values, rates, *_ = suppression._row_cells(est, m)
    relations = suppression._relations(values, rates)
    known = {c for i, cs in enumerate(cells) if not plan.hidden[i] for c in cs}
    known |= {c for i, c in enumerate(n_cell) if c is not None and not plan.hide_n[i]}
    small = {c for c, v in values.items() if 1 <= v < m}
    leaked = (small - known) & suppression.determined_cells(values, relations, known)
    print(f"check (no small count solvable): {'ok' if not leaked and not small & known else 'LEAK'} "
          f"in {time.perf_counter() - t0:.2f} s")
    print(f"goal ≤ {GOAL_S:.0f} s: {'met' if took <= GOAL_S else 'NOT met'}")
    return 0 if took <= GOAL_S and not leaked else 1


if __name__ == "__main__":
    sys.exit(main())

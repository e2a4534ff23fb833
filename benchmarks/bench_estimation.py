"""Benchmark: domain proportions with logit CIs, analysis.estimation vs samplics, svy and R survey.

    python benchmarks/bench_estimation.py                       # smoke size (seconds)
    python benchmarks/bench_estimation.py --rows 1000000 --strata 20 --psu 2000 --domains 1000

One synthetic stratified cluster sample (seeded); every tool estimates the proportion of a 0/1
outcome in every domain with a logit CI on the same data, and the results are checked against
ours (max |difference| of estimate, SE and CI limits). Peers run in a child process with a
time limit. R is timed inside R (``system.time`` around ``svydesign`` + ``svyby(svyciprop)``)
on a temporary CSV of the same data; reading the CSV is not timed.

Timings are wall-clock on whatever machine runs this: on a shared machine (other jobs running)
they are noisy; repeat runs take the best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.estimation.survey import SurveyDesign, estimate_proportion


def make_data(rows: int, strata: int, psu: int, domains: int, seed: int = 2025) -> pd.DataFrame:
    """Stratified cluster sample: PSUs nested in strata, PSU effects, domains across PSUs."""
    rng = np.random.default_rng(seed)
    psu_id = rng.integers(0, psu, rows)
    stratum = psu_id % strata
    effect = rng.normal(0, 0.5, psu)[psu_id]
    p = 1 / (1 + np.exp(-(-1.4 + effect)))
    return pd.DataFrame({
        "strata": stratum.astype(np.int64),
        "psu": psu_id.astype(np.int64),
        "w": rng.uniform(50, 500, rows).round(3),
        "y": (rng.random(rows) < p).astype(np.int64),
        "dom": rng.integers(0, domains, rows).astype(np.int64),
    })


def run_ours(data: pd.DataFrame, repeat: int) -> tuple[float, pd.DataFrame]:
    design = SurveyDesign(strata="strata", cluster="psu", weights="w")
    best = np.inf
    res = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = estimate_proportion(data, "y", by="dom", design=design, ci_method="logit")
        best = min(best, time.perf_counter() - t0)
    return best, res


# ---- Peers (each returns seconds and a frame dom, estimate, se, ci_low, ci_high) ---------------

def peer_samplics(data: pd.DataFrame):
    warnings.simplefilter("ignore")
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    t0 = time.perf_counter()
    est = TaylorEstimator(PopParam.prop, ciprop_method="logit")
    est.estimate(y=data["y"].to_numpy(), samp_weight=data["w"].to_numpy(),
                 stratum=data["strata"].to_numpy(), psu=data["psu"].to_numpy(),
                 domain=data["dom"].to_numpy())
    secs = time.perf_counter() - t0
    out = est.to_dataframe()
    out = out[out["_level"].astype(str) == "1"]
    out = out.rename(columns={"_domain": "dom", "_estimate": "estimate", "_stderror": "se",
                              "_lci": "ci_low", "_uci": "ci_high"})
    return secs, out[["dom", "estimate", "se", "ci_low", "ci_high"]]


def peer_svy(data: pd.DataFrame):
    warnings.simplefilter("ignore")
    import polars as pl
    import svy

    frame = pl.from_pandas(data)
    t0 = time.perf_counter()
    sample = svy.Sample(frame, svy.Design(stratum="strata", psu="psu", wgt="w"))
    est = sample.estimation.prop("y", by="dom", ci_method="logit")
    secs = time.perf_counter() - t0
    out = est.to_polars().to_pandas()
    level_col = [c for c in out.columns if c in ("y", "level", "_level")]
    if level_col:
        out = out[out[level_col[0]].astype(str).isin(["1", "True", "true"])]
    ren = {"est": "estimate", "estimate": "estimate", "se": "se", "lci": "ci_low",
           "uci": "ci_high", "lower_ci": "ci_low", "upper_ci": "ci_high"}
    out = out.rename(columns={c: ren[c] for c in out.columns if c in ren})
    return secs, out[[c for c in ["dom", "estimate", "se", "ci_low", "ci_high"] if c in out]]


def _child(fn_name: str, data: pd.DataFrame, queue) -> None:
    try:
        secs, out = globals()[fn_name](data)
        queue.put(("ok", secs, out))
    except Exception as exc:  # report, do not crash the benchmark
        queue.put(("error", f"{type(exc).__name__}: {exc}", None))


def run_peer(fn_name: str, data: pd.DataFrame, timeout: float):
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn_name, data, queue))
    proc.start()
    try:
        status, secs, out = queue.get(timeout=timeout)
    except Exception:
        proc.kill()
        proc.join()
        return None, f"did not finish within {timeout:.0f} s", None
    proc.join()
    if status != "ok":
        return None, secs, None
    return secs, "", out


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
tm <- system.time({
  des <- svydesign(ids = ~psu, strata = ~strata, weights = ~w, nest = TRUE, data = d)
  b <- svyby(~y, ~dom, des, svyciprop, vartype = c("se", "ci"), method = "logit",
             df = degf(des))
})
write.csv(data.frame(dom = b$dom, estimate = b$y, se = SE(b), ci_low = b$ci_l, ci_high = b$ci_u),
          args[2], row.names = FALSE)
cat(tm[["elapsed"]], "\n")
"""


def run_r(data: pd.DataFrame, timeout: float):
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None, "Rscript not found", None
    with tempfile.TemporaryDirectory() as tmp:
        csv_in, csv_out, script = (Path(tmp) / "d.csv", Path(tmp) / "out.csv", Path(tmp) / "b.R")
        data.to_csv(csv_in, index=False)
        script.write_text(R_SCRIPT)
        try:
            proc = subprocess.run([rscript, str(script), str(csv_in), str(csv_out)],
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, f"did not finish within {timeout:.0f} s", None
        if proc.returncode != 0:
            return None, proc.stderr.strip().splitlines()[-1:], None
        secs = float(proc.stdout.strip().split()[-1])
        return secs, "", pd.read_csv(csv_out)


def agreement(ours: pd.DataFrame, theirs: pd.DataFrame) -> str:
    if theirs is None or "dom" not in theirs:
        return ""
    a = ours.set_index("dom")
    b = theirs.assign(dom=theirs["dom"].astype(np.int64)).set_index("dom")
    common = a.index.intersection(b.index)
    parts = []
    for col in ("estimate", "se", "ci_low", "ci_high"):
        if col in b:
            diff = np.nanmax(np.abs(a.loc[common, col].to_numpy(float)
                                    - b.loc[common, col].to_numpy(float)))
            parts.append(f"{col} {diff:.1e}")
    return f"max|diff| vs ours over {len(common)} domains: " + ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--strata", type=int, default=10)
    ap.add_argument("--psu", type=int, default=200)
    ap.add_argument("--domains", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers", default="samplics,svy,r",
                    help="comma list of samplics, svy, r (empty: none)")
    ap.add_argument("--peer-timeout", type=float, default=600.0)
    args = ap.parse_args(argv)

    print(f"# bench_estimation: {args.rows:,} rows, {args.strata} strata, {args.psu} PSUs, "
          f"{args.domains} domains; logit CIs for every domain")
    print(f"# machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; timings are wall-clock on a SHARED machine "
          "(other jobs running): treat them as indicative")
    data = make_data(args.rows, args.strata, args.psu, args.domains)
    secs, ours = run_ours(data, args.repeat)
    print(f"analysis.estimation   {secs:9.3f} s   (best of {args.repeat}; {len(ours)} domains)")
    results = {"analysis.estimation": secs}
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    for peer in peers:
        if peer == "r":
            psecs, note, out = run_r(data, args.peer_timeout)
            label = "R survey (svyby)"
        else:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    __import__(peer)
            except Exception as exc:
                print(f"{peer:<21} not run: import failed ({type(exc).__name__}: {exc})")
                continue
            psecs, note, out = run_peer(f"peer_{peer}", data, args.peer_timeout)
            label = peer
        if psecs is None:
            print(f"{label:<21} not timed: {note}")
            continue
        results[label] = psecs
        print(f"{label:<21} {psecs:9.3f} s   x{psecs / secs:8.1f} slower   {agreement(ours, out)}")
    python_peers = {k: v for k, v in results.items() if k in ("samplics", "svy")}
    if python_peers:
        fastest = min(python_peers, key=python_peers.get)
        print(f"# speed-up over the fastest Python peer ({fastest}): "
              f"{python_peers[fastest] / secs:.1f}x")
    print(f"# goal <2 s for all domains: {'met' if secs < 2 else 'NOT met'} ({secs:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

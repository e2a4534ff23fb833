"""A province cleaned and estimated end to end, pandas against dask, in the same run (#18).

``rakor sample-data --region PROVINCE --scale S`` writes the province's agency exports: one
e-PPGBM file per kab/kota and round (CSV or Excel, the desa named as in the gazetteer, with the
misspellings, placeholders and title rows of the sample), DTSEN, the RT listing, programme lists
and one Susenas file. ``--sources`` keeps only some of them (default: e-PPGBM and Susenas; the
registers are ~5× the e-PPGBM rows and would dominate the run). Then, for each engine, in this
order (``--engines``, default pandas then dask): ``rakor clean`` and ``rakor estimate`` as a user
types them (the dask engine on a LocalCluster of ``--workers`` processes), each timed with the
peak of the summed RSS of its process tree (sampled every 0.1 s, ``bench_scale.PeakRSS``). The two
engines' processed tables and estimates must be equal (estimates to 1e-12; exit 1 otherwise). A
run of one engine is compared with the other's folder of an earlier run in the same ``--work``
(from the same project folder: the pseudonym key is its ``.rakor/pseudonym.key``).

    PYTHONPATH=src python benchmarks/bench_province.py --province 64 --scale 3.3 --work DIR

Kalimantan Timur (64: 10 kab/kota, 1,038 desa) has about 612,000 children a scale unit over its
three rounds (scale 0.5: 306,547 children, 646,227 e-PPGBM rows).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from bench_scale import PeakRSS  # the process tree's peak RSS, sampled every 0.1 s

ROOT = Path(__file__).resolve().parents[1]
RAKOR = [sys.executable, "-m", "analysis.cli"]
KEYS = ["period", "data_period", "area_level", "area_code", "indicator", "breakdown", "method", "source"]


def run(cmd: list[str], env: dict) -> tuple[float, int]:
    """Run ``cmd`` from the project folder; (wall seconds, peak summed RSS bytes of the process tree)."""
    t0 = time.perf_counter()
    with PeakRSS() as mem:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if proc.returncode:
        sys.exit(f"{' '.join(cmd[2:])} exited {proc.returncode}:\n{proc.stderr.decode()[-3000:]}")
    return time.perf_counter() - t0, mem.peak


def compare(a: Path, b: Path) -> str:
    """Check the two processed folders hold the same tables; a line saying what was compared."""
    for name in ("eppgbm", "rejects", "susenas"):
        if (a / f"{name}.parquet").exists():
            pd.testing.assert_frame_equal(pd.read_parquet(a / f"{name}.parquet").reset_index(drop=True),
                                          pd.read_parquet(b / f"{name}.parquet").reset_index(drop=True))
    ea = pd.read_parquet(a / "estimates.parquet").sort_values(KEYS).reset_index(drop=True)
    eb = pd.read_parquet(b / "estimates.parquet").sort_values(KEYS).reset_index(drop=True)
    pd.testing.assert_frame_equal(ea, eb, check_exact=False, rtol=1e-12, atol=1e-12)
    return f"{len(ea):,} estimate rows equal to 1e-12 ({int(ea['suppressed'].sum()):,} hidden)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--province", default="64")
    ap.add_argument("--scale", type=float, default=0.5)
    ap.add_argument("--sources", default="eppgbm,susenas", help="raw folders kept (comma-separated)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", required=True, help="an empty folder (a few GB at scale 3)")
    ap.add_argument("--engines", default="pandas,dask",
                    help="engines run, in this order (comma-separated); compared with an earlier run's other "
                         "engine in the same folder")
    args = ap.parse_args()
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "RAKOR_CONFIG": str(work / "config")}
    raw = work / "raw"
    if not (work / "config").exists():
        run([*RAKOR, "init", "--region", args.province, "--config", str(work / "config")], env)
    if not raw.exists():
        wall, peak = run([*RAKOR, "sample-data", "--out", str(raw), "--scale", str(args.scale),
                          "--region", args.province], env)
        print(f"sample-data: {wall:.1f} s, {peak / 2**30:.2f} GB")
        keep = set(args.sources.split(","))
        for folder in raw.iterdir():
            if folder.is_dir() and folder.name not in keep:
                shutil.rmtree(folder)
    files = sorted(p for p in raw.rglob("*") if p.is_file() and p.suffix != ".md")
    table = []
    engines = args.engines.split(",")
    for engine in engines:
        processed = work / f"processed-{engine}"
        shutil.rmtree(processed, ignore_errors=True)
        extra = ["--engine", engine] + (["--workers", str(args.workers)] if engine == "dask" else [])
        clean = run([*RAKOR, "clean", "--raw", str(raw), "--processed", str(processed), *extra], env)
        estimate = run([*RAKOR, "estimate", "--processed", str(processed), *extra], env)
        table.append((engine if engine == "pandas" else f"dask ({args.workers} workers)", clean, estimate))
    eppgbm = pd.read_parquet(work / f"processed-{engines[0]}" / "eppgbm.parquet", columns=["child_key"])
    print(f"Province {args.province}, scale {args.scale:g}: {len(files)} raw files, {len(eppgbm):,} e-PPGBM rows, "
          f"{eppgbm['child_key'].nunique():,} children; load average {os.getloadavg()}")
    print(compare(work / "processed-pandas", work / "processed-dask"))
    print("| engine | clean s | clean peak GB | estimate s | estimate peak GB | total s |\n|---|---|---|---|---|---|")
    for name, (cw, cp), (ew, ep) in table:
        print(f"| {name} | {cw:.1f} | {cp / 2**30:.2f} | {ew:.1f} | {ep / 2**30:.2f} | {cw + ew:.1f} |")


if __name__ == "__main__":
    main()

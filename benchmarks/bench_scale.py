"""Scale benchmark: pandas vs dask estimates on synthetic children of one province (#18).

Writes one CSV per kab/kota of the province with real desa codes from the national gazetteer,
then times the pandas estimator on the concatenated frame and the dask engine (one partition
per file, LocalCluster) in the same run. Peak memory is the sum of RSS over the process tree,
sampled every 0.1 s.

    PYTHONPATH=src python benchmarks/bench_scale.py --children 2000000 [--province 64]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from analysis.engine.client import dask_client
from analysis.engine.sums import dask_estimates
from analysis.estimation.survey import SurveyDesign, estimate_proportion

GAZETTEER = Path(__file__).resolve().parents[1] / "src/analysis/data/kemendagri_wilayah.csv.gz"


def write_children(out: Path, province: str, children: int, seed: int = 1) -> list[Path]:
    """One CSV per kab/kota; a child's desa is uniform over the province's desa."""
    gaz = pd.read_csv(GAZETTEER, dtype=str)
    desa = gaz.loc[gaz["kode"].str.startswith(province + ".") & (gaz["kode"].str.len() == 13), "kode"]
    rng = np.random.default_rng(seed)
    code = desa.to_numpy()[rng.integers(0, len(desa), children)]
    frame = pd.DataFrame({"desa": code, "kec": code.astype("U8"), "kota": code.astype("U5"),
                          "prov": code.astype("U2"), "stratum": code.astype("U5"), "psu": np.char.add(code.astype("U13"),
                          rng.integers(0, 4, children).astype("U1")),
                          "wt": rng.uniform(0.5, 2.0, children),
                          "stunted": (rng.random(children) < 0.2).astype(float)})
    paths = []
    for kota, part in frame.groupby("kota"):
        path = out / f"eppgbm_{kota.replace('.', '')}.csv"
        part.to_csv(path, index=False)
        paths.append(path)
    return paths


class PeakRSS:
    """Peak of the summed RSS of this process and its children."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process(os.getpid())
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.1)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--children", type=int, default=2_000_000, help="e.g. 2000000, 5000000, 20000000")
    ap.add_argument("--province", default="64", help="province code (default 64, Kalimantan Timur)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    dtypes = {"desa": str, "kec": str, "kota": str, "prov": str, "stratum": str, "psu": str}
    design = SurveyDesign(strata="stratum", cluster="psu", weights="wt")
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_children(Path(tmp), args.province, args.children)
        rows = []
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            data = pd.concat([pd.read_csv(p, dtype=dtypes) for p in paths], ignore_index=True)
            ref = {lv: estimate_proportion(data, "stunted", by=lv, design=design)
                   for lv in ("desa", "kec", "kota")}
            rows.append(("pandas", time.perf_counter() - t0, mem.peak))
            del data
        import dask.dataframe as dd
        with dask_client(None, workers=args.workers), PeakRSS() as mem:
            t0 = time.perf_counter()
            ddf = dd.read_csv([str(p) for p in paths], dtype=dtypes, blocksize=None)
            got = {lv: dask_estimates(ddf, "stunted", [lv], "stratum", "psu", "wt")
                   for lv in ("desa", "kec", "kota")}
            rows.append((f"dask ({args.workers} workers)", time.perf_counter() - t0, mem.peak))
        for lv in ref:
            r = ref[lv].sort_values(lv)
            diff = np.nanmax(np.abs(got[lv]["se"].to_numpy() - r["se"].to_numpy()))
            print(f"{lv}: {len(r)} areas, max |se diff| {diff:.2e}")
    print(f"{args.children} children, {len(paths)} files")
    print("| engine | wall s | peak RSS MB |\n|---|---|---|")
    for name, wall, peak in rows:
        print(f"| {name} | {wall:.1f} | {peak / 2**20:.0f} |")


if __name__ == "__main__":
    main()

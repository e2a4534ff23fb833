"""Scale benchmark: pandas vs dask estimates on synthetic children of one province (#18).

Writes one CSV per kab/kota of the province with real desa codes from the national gazetteer,
then times the pandas estimator on the concatenated frame and the dask engine (one partition
per file, LocalCluster) in the same run. Peak memory is the sum of RSS over the process tree,
sampled every 0.1 s.

    PYTHONPATH=src python benchmarks/bench_scale.py --children 2000000 [--province 64]

``--estimate``: the e-PPGBM parts of the estimate stage (``estimates.build.build_all``: z-scores,
the WHO growth table, SKDN, the child pairs and transitions), pandas against the dask engine
(``engine/estimate.py``) on a LocalCluster, in the same run. The rows are the cleaned built-in
sample's e-PPGBM rows repeated with new child keys up to ``--children`` children (about three
rows a child), written as a folder of part files ``eppgbm.parquet/part-*.parquet`` that the
workers read; the two engines' rows are compared.

    PYTHONPATH=src python benchmarks/bench_scale.py --estimate --children 2000000 --processed DIR

Measured 2026-12-02 on this 2-core machine, shared (load average 8.7, 6.9, 5.0): 2,000,000
children (4,228,608 rows), 8,564 estimate rows equal to 1e-12; pandas 99 s, 4.2 GB peak; dask
(2 workers) 200 s, 7.6 GB peak (the z-score columns gathered to the client and the shuffle cost
more than the growth table saves on two cores). On 2026-12-03, otherwise idle (load 1.3-1.6):
pandas 43.8 s, 4.3 GB; dask 33.7 s, 7.8 GB.
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


def write_eppgbm(processed: Path, sample: pd.DataFrame, children: int, parts: int = 8) -> int:
    """``processed/eppgbm.parquet/part-*.parquet``: the sample's rows with new child keys; the rows."""
    per_copy = sample["child_key"].nunique()
    copies = max(1, round(children / per_copy))
    folder = processed / "eppgbm.parquet"
    folder.mkdir(parents=True)
    rows = 0
    for i, chunk in enumerate(np.array_split(np.arange(copies), min(parts, copies))):
        frames = []
        for k in chunk:
            f = sample.copy()
            for col in ("child_key", "family_key", "parent_key", "name_key"):
                if col in f:
                    f[col] = f[col] + f"~{k}"
            frames.append(f)
        part = pd.concat(frames, ignore_index=True)
        part["source_row"] = np.arange(rows, rows + len(part))
        part.to_parquet(folder / f"part-{i:03d}.parquet", index=False)
        rows += len(part)
    return rows


def _eppgbm_rows(period: str, client=None, processed: Path | None = None) -> pd.DataFrame:
    """The e-PPGBM parts of ``build_all`` (pandas engine, or the dask engine with ``client``)."""
    from analysis.estimates import growth, skdn, transitions

    eppgbm = pd.read_parquet(processed / "eppgbm.parquet")
    if client is None:
        from analysis.measures.anthropometry import compute_zscores

        children = compute_zscores(eppgbm[eppgbm["period"] <= period])
        rows = [growth.growth_rows(children, period), skdn.skdn_rows(children, period)]
        pairs = transitions.child_pairs(children)
    else:
        from analysis.engine import estimate as engine

        zdf, children = engine.cluster_children(client, eppgbm, period, processed)
        rows = [engine.growth_rows(zdf, children, period)]
        shuffled = engine.by_child(zdf).persist()
        rows.append(engine.skdn_rows(shuffled, children, period))
        pairs = engine.child_pairs(shuffled, children)
        del shuffled, zdf
    rows.append(transitions.transition_rows(pairs, period))
    return pd.concat(rows, ignore_index=True)


def estimate_benchmark(args) -> None:
    from analysis.estimates import store

    keys = ["period", "data_period", "area_level", "area_code", "indicator", "breakdown", "method"]
    sample = store.load_processed(Path(args.processed))["eppgbm"]
    period = max(sample["period"])
    with tempfile.TemporaryDirectory() as tmp:
        n_rows = write_eppgbm(Path(tmp), sample, args.children)
        table = []
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            ref = _eppgbm_rows(period, processed=Path(tmp))
            table.append(("pandas", time.perf_counter() - t0, mem.peak))
        with dask_client(None, workers=args.workers) as client, PeakRSS() as mem:
            t0 = time.perf_counter()
            got = _eppgbm_rows(period, client, Path(tmp))
            table.append((f"dask ({args.workers} workers)", time.perf_counter() - t0, mem.peak))
    ref = ref.sort_values(keys).reset_index(drop=True)
    got = got.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref, check_exact=False, rtol=1e-12)
    print(f"{args.children} children asked, {n_rows} e-PPGBM rows; {len(ref)} estimate rows, equal to 1e-12; "
          f"load average {os.getloadavg()}")
    print("| engine | wall s | peak RSS MB (process tree) |\n|---|---|---|")
    for name, wall, peak in table:
        print(f"| {name} | {wall:.1f} | {peak / 2**20:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--estimate", action="store_true", help="time the e-PPGBM parts of build_all")
    ap.add_argument("--processed", help="--estimate: a processed folder of the built-in sample")
    ap.add_argument("--children", type=int, default=2_000_000, help="e.g. 2000000, 5000000, 20000000")
    ap.add_argument("--province", default="64", help="province code (default 64, Kalimantan Timur)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if args.estimate:
        if not args.processed:
            ap.error("--estimate needs --processed DIR (`rakor clean --raw data/raw/sample --processed DIR`)")
        estimate_benchmark(args)
        return
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

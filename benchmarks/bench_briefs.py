"""Benchmark: kecamatan briefs in a fresh papermill kernel each vs one kernel kept (issue 18).

Usage::

    python benchmarks/bench_briefs.py [--briefs 30] [--seed 2025] [--work DIR]

Builds the sample's processed tables and estimates once (``rakor clean`` and ``estimate`` on a
generated sample in ``--work``), then renders ``--briefs`` kecamatan briefs (the region's kecamatan
in turn) both ways, each executed, turned into HTML and into PDF: with a fresh papermill kernel
per brief (``RAKOR_BRIEF_KERNEL=fresh``, as before issue 18) and in one kernel kept across the
briefs and reset between them (the default). The two ways alternate brief by brief in this one
process, so a change of the machine's load falls on both. Goal: the kept kernel's time per brief
(execution, HTML and PDF) at most 0.35 × the fresh kernel's execution time of one brief (medians;
the kept kernel's first brief, which starts it, is in its median like any other).

Both ways read one manifest, so their briefs have the same inputs: the benchmark then checks that
each brief's executed notebook (without its timings, :func:`analysis.briefs.executor.comparable`)
and PDF are the same both ways, and exits with 1 when one is not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from analysis import pipeline
from analysis.briefs.executor import comparable

GOAL = 0.35


def prepare(work: Path, seed: int) -> tuple[Path, str, dict]:
    """Sample data, cleaned tables and estimates in ``work``; the processed folder, period, run info."""
    raw, processed = work / "raw", work / "processed"
    if not (raw / pipeline.SYNTHETIC_MARKER).exists():
        pipeline.make_sample_data(raw, seed)
    pipeline.run_clean(raw, processed)
    pipeline.run_estimate(processed)
    info = pipeline._read_json(processed / pipeline.RUN_INFO)
    return processed, pipeline.latest_period(processed), info


def jobs(processed: Path, period: str, info: dict, work: Path, count: int, way: str) -> list[pipeline.BriefJob]:
    """``count`` kecamatan brief jobs (the kecamatan in turn) staged in ``work/way``, all reading the
    manifest in ``work/manifest`` (written once, so that both ways have the same inputs)."""
    shared = work / "manifest"
    if not (shared / "manifest.json").exists():
        shared.mkdir(parents=True, exist_ok=True)
        pipeline._write_manifest(shared, processed, period, {
            "processed_dir": processed, "period": period, "lang": "id",
            "synthetic": bool(info.get("synthetic", False)), "rakor_date": info.get("rakor_date")}, {}, info)
    staging = work / way
    staging.mkdir(parents=True, exist_ok=True)
    common = {"processed_dir": processed, "period": period, "lang": "id",
              "synthetic": bool(info.get("synthetic", False)), "manifest": str(shared / "manifest.json")}
    kec = pipeline.kecamatan_list()
    out = []
    for i in range(count):
        row = kec.iloc[i % len(kec)]
        job = pipeline.BriefJob(
            pipeline.NOTEBOOKS["kecamatan"], f"{row['slug']}-{i:02d}", f"Brief rakor {row['name']} {period}",
            {**common, "kecamatan_code": row["code"]}, staging, "id", True)
        job.reuse_kernel = way == "kept"
        out.append(job)
    return out


def run(job: pipeline.BriefJob) -> dict:
    """Render one job in this process; its timings (execute, html, pdf, total)."""
    start = time.perf_counter()
    pipeline._run_brief(job)
    return {**job.timings, "total_s": time.perf_counter() - start}


def same_output(fresh: pipeline.BriefJob, kept: pipeline.BriefJob) -> tuple[bool, bool]:
    """Whether the two ways gave the same executed notebook (timings aside) and the same PDF."""
    def paths(job):
        return job.staging / "executed" / f"{job.slug}.ipynb", job.staging / f"{job.slug}.pdf"

    (nb_f, pdf_f), (nb_k, pdf_k) = paths(fresh), paths(kept)
    return comparable(nb_f) == comparable(nb_k), pdf_f.read_bytes() == pdf_k.read_bytes()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--briefs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--work", type=Path, default=None, help="folder for the sample (default: a temporary one)")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-briefs-"))
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    start = time.perf_counter()
    processed, period, info = prepare(work, args.seed)
    print(f"sample cleaned and estimated in {time.perf_counter() - start:.1f} s ({work})")
    fresh_jobs = jobs(processed, period, info, work, args.briefs, "fresh")
    kept_jobs = jobs(processed, period, info, work, args.briefs, "kept")
    fresh, kept = [], []
    try:
        for f_job, k_job in zip(fresh_jobs, kept_jobs, strict=True):
            fresh.append(run(f_job))
            kept.append(run(k_job))
    finally:
        pipeline._close_session()
    same = [same_output(f, k) for f, k in zip(fresh_jobs, kept_jobs, strict=True)]
    fresh_exec = statistics.median(t["execute_s"] for t in fresh)
    rows = [("fresh papermill kernel per brief", fresh), ("one kernel kept, reset between briefs", kept)]
    print(f"\n{args.briefs} kecamatan briefs, each executed + HTML + PDF, the two ways alternating")
    print(f"{'way':40s} {'execute':>9s} {'html':>7s} {'pdf':>7s} {'total':>7s} {'all':>8s}  (median s per brief)")
    for name, t in rows:
        med = {k: statistics.median(x[k] for x in t) for k in ("execute_s", "html_s", "pdf_s", "total_s")}
        print(f"{name:40s} {med['execute_s']:9.2f} {med['html_s']:7.2f} {med['pdf_s']:7.2f} "
              f"{med['total_s']:7.2f} {sum(x['total_s'] for x in t):8.1f}")
    # the first kept brief starts the kernel: the steady state is the median
    ratio = statistics.median(t["total_s"] for t in kept) / fresh_exec
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"\nkept kernel, whole brief / fresh kernel, execution only: {ratio:.2f} ({verdict} the goal ≤ {GOAL})")
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
          + f"; at the start {load_before}")
    n_nb, n_pdf = sum(nb for nb, _ in same), sum(pdf for _, pdf in same)
    print(f"same output both ways: executed notebooks {n_nb}/{len(same)}, PDFs {n_pdf}/{len(same)}")
    return 0 if n_nb == n_pdf == len(same) else 1


if __name__ == "__main__":
    sys.exit(main())

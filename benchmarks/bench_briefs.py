"""Benchmark: kecamatan briefs in a fresh papermill kernel each vs one kernel kept (issue 18).

Usage::

    python benchmarks/bench_briefs.py [--briefs 30] [--seed 2025] [--work DIR]

Builds the sample's processed tables and estimates once (``rakor clean`` and ``estimate`` on a
generated sample in ``--work``), then renders ``--briefs`` kecamatan briefs (the region's kecamatan
in turn), each executed, turned into HTML and into PDF, one after the other in this process:
first with a fresh papermill kernel per brief (``RAKOR_BRIEF_KERNEL=fresh``, as before issue 18),
then in one kernel kept across the briefs and reset between them (the default). Both ways run in
the same process, one after the other, so they see the same machine. Goal: the kept kernel's time
per brief (execution, HTML and PDF) at most 0.35 × the fresh kernel's execution time of one brief.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from analysis import pipeline

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


def jobs(processed: Path, period: str, info: dict, staging: Path, count: int) -> list[pipeline.BriefJob]:
    """``count`` kecamatan brief jobs (the kecamatan in turn), with the manifest the briefs read."""
    staging.mkdir(parents=True, exist_ok=True)
    common = {"processed_dir": processed, "period": period, "lang": "id",
              "synthetic": bool(info.get("synthetic", False))}
    pipeline._write_manifest(staging, processed, period, {**common, "rakor_date": info.get("rakor_date")}, {}, info)
    kec = pipeline.kecamatan_list()
    out = []
    for i in range(count):
        row = kec.iloc[i % len(kec)]
        out.append(pipeline.BriefJob(
            pipeline.NOTEBOOKS["kecamatan"], f"{row['slug']}-{i:02d}", f"Brief rakor {row['name']} {period}",
            {**common, "manifest": str(staging / "manifest.json"), "kecamatan_code": row["code"]},
            staging, "id", True))
    return out


def run(job_list: list[pipeline.BriefJob], reuse: bool) -> list[dict]:
    """Render every job in this process; the timings of each (execute, html, pdf, total)."""
    out = []
    for job in job_list:
        job.reuse_kernel = reuse
        start = time.perf_counter()
        pipeline._run_brief(job)
        out.append({**job.timings, "total_s": time.perf_counter() - start})
    pipeline._close_session()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--briefs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--work", type=Path, default=None, help="folder for the sample (default: a temporary one)")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-briefs-"))
    start = time.perf_counter()
    processed, period, info = prepare(work, args.seed)
    print(f"sample cleaned and estimated in {time.perf_counter() - start:.1f} s ({work})")
    fresh = run(jobs(processed, period, info, work / "fresh", args.briefs), reuse=False)
    kept = run(jobs(processed, period, info, work / "kept", args.briefs), reuse=True)
    fresh_exec = statistics.median(t["execute_s"] for t in fresh)
    rows = [("fresh papermill kernel per brief", fresh), ("one kernel kept, reset between briefs", kept)]
    print(f"\n{args.briefs} kecamatan briefs, each executed + HTML + PDF, one after the other")
    print(f"{'way':40s} {'execute':>9s} {'html':>7s} {'pdf':>7s} {'total':>7s} {'all':>8s}  (median s per brief)")
    for name, t in rows:
        med = {k: statistics.median(x[k] for x in t) for k in ("execute_s", "html_s", "pdf_s", "total_s")}
        print(f"{name:40s} {med['execute_s']:9.2f} {med['html_s']:7.2f} {med['pdf_s']:7.2f} "
              f"{med['total_s']:7.2f} {sum(x['total_s'] for x in t):8.1f}")
    # the first kept brief starts the kernel: the steady state is the median
    ratio = statistics.median(t["total_s"] for t in kept) / fresh_exec
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"\nkept kernel, whole brief / fresh kernel, execution only: {ratio:.2f} ({verdict} the goal ≤ {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the e-PPGBM web download (an HTML table named .xls) against the same rows as CSV.

Builds the synthetic e-PPGBM export of ``bench_intake.py`` (default 1,000,000 rows, Indonesian
formats and a few percent of dirt), writes the same rows a second time as the web app does (an
HTML page with a title row above a ``<table>``, saved as ``.xls``), then, in the same run, times
``read_table`` alone and ``analysis.intake.clean.clean_all`` on each, interleaved over
``--repeat`` rounds (CSV, HTML, CSV, HTML, ...) so that a change of load hits both, and reports
medians, the HTML / CSV ratio per round and each step's peak resident memory. Goal: cleaning the
HTML takes at most 2x the CSV. ``pandas.read_html`` (lxml) is timed on the first ``--peer-n``
rows for comparison and extrapolated linearly.

Usage::

    .venv/bin/python benchmarks/bench_html_xls.py                 # 1,000,000 rows, 2 rounds
    .venv/bin/python benchmarks/bench_html_xls.py --rows 200000   # under 2 minutes
    .venv/bin/python benchmarks/bench_html_xls.py --repeat 3 --data /tmp/bench  # inputs kept

Timings are taken on whatever machine runs this; on a shared machine they vary with its load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from functools import reduce
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_intake import build  # noqa: E402  (the same synthetic export)


def _esc(s: pd.Series) -> pd.Series:
    return (s.fillna("").str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False)
            .str.replace(">", "&gt;", regex=False))


def write_html(df: pd.DataFrame, path: Path, title: str) -> None:
    """``df`` as the web app writes it: a title row spanning the columns, a header row, one
    ``<tr>`` per record; the NIK cells carry Excel's text format, as PHP exports do."""
    cells = []
    for c in df.columns:
        open_td = ("<td style=\"mso-number-format:'\\@'\">" if c == "NIK" else "<td>")
        cells.append(open_td + _esc(df[c].astype("str")) + "</td>")
    body = "<tr>" + reduce(lambda a, b: a + b, cells) + "</tr>\n"
    head = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
            f"</head><body><table border=\"1\">\n<tr><td colspan=\"{len(df.columns)}\">{title}</td></tr>\n"
            + "<tr>" + "".join(f"<th>{c}</th>" for c in df.columns) + "</tr>\n")
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head)
        chunk = 200_000
        for i in range(0, len(body), chunk):
            fh.write("".join(body.iloc[i:i + chunk].tolist()))
        fh.write("</table></body></html>\n")


class _PeakRSS:
    """Peak resident memory of this process while the ``with`` block runs (sampled every 10 ms)."""

    def __enter__(self) -> _PeakRSS:
        import psutil

        self._proc = psutil.Process()
        self.start = self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def _time(func) -> tuple[float, object, int]:
    """Seconds, result, and peak resident memory above the start (bytes) of ``func()``."""
    gc.collect()
    with _PeakRSS() as mem:
        t0 = time.perf_counter()
        out = func()
        took = time.perf_counter() - t0
    return took, out, mem.peak - mem.start


def _build_inputs(folder: Path, rows: int, seed: int) -> tuple[Path, Path, float, float]:
    """The CSV and the HTML-as-xls of the same rows in ``folder`` (reused when already there)."""
    csv_path = folder / "csv" / "eppgbm" / "eppgbm_bench.csv"
    html_path = folder / "html" / "eppgbm" / "eppgbm_bench.xls"
    if csv_path.is_file() and html_path.is_file():
        return csv_path, html_path, 0.0, 0.0
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    t_build, _, _ = _time(lambda: build(csv_path, rows, seed))
    df = pd.read_csv(csv_path, sep=";", skiprows=2, dtype=str, keep_default_na=False)
    t_html, _, _ = _time(lambda: write_html(df, html_path, "DATA E-PPGBM KOTA BONTANG (SINTETIS)"))
    return csv_path, html_path, t_build, t_html


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2,
                    help="rounds of CSV then HTML, interleaved; medians are reported")
    ap.add_argument("--peer-n", type=int, default=20_000,
                    help="rows given to pandas.read_html (extrapolated); 0 to skip")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", type=Path, default=None,
                    help="folder for the two input files, kept and reused by later runs "
                         "(default: a temporary folder, removed)")
    args = ap.parse_args(argv)
    os.environ.setdefault("RAKOR_PSEUDONYM_KEY", "benchmark-key-not-secret")
    from analysis import config
    from analysis.intake.clean import clean_all
    from analysis.intake.read import read_table

    today = dt.date(2025, 10, 1)
    cfg = config.sources()["eppgbm"]
    times: dict[str, list[float]] = {k: [] for k in ("read_csv", "read_html", "clean_csv",
                                                      "clean_html")}
    peaks: dict[str, list[int]] = {k: [] for k in times}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = args.data or tmp / "in"
        csv_path, html_path, t_build, t_html = _build_inputs(folder, args.rows, args.seed)
        mb_csv = csv_path.stat().st_size / 1e6
        mb_html = html_path.stat().st_size / 1e6
        load = [os.getloadavg()[0]]

        def step(key: str, func) -> object:
            took, out, peak = _time(func)
            times[key].append(took)
            peaks[key].append(peak)
            print(f"  {key:<10} {took:6.1f} s  peak +{peak / 1e9:.2f} GB", flush=True)
            return out

        # Process data: read only, then the whole cleaning, for each format, interleaved
        # (CSV, HTML, CSV, HTML, ...) so that a change of load hits both.
        for r in range(args.repeat):
            print(f"round {r + 1}/{args.repeat} (load average {os.getloadavg()[0]:.1f})", flush=True)
            step("read_csv", lambda: read_table(csv_path, cfg, source="eppgbm"))
            step("read_html", lambda: read_table(html_path, cfg, source="eppgbm"))
            res_csv = step("clean_csv", lambda: clean_all(csv_path.parent.parent, tmp / "p_csv",
                                                          today=today))
            res_html = step("clean_html", lambda: clean_all(html_path.parent.parent,
                                                            tmp / "p_html", today=today))
            load.append(os.getloadavg()[0])
        peer = None
        if args.peer_n:
            df = pd.read_csv(csv_path, sep=";", skiprows=2, dtype=str, keep_default_na=False,
                             nrows=args.peer_n)
            small = tmp / "small.xls"
            write_html(df, small, "DATA E-PPGBM")
            t_peer, _, _ = _time(lambda: pd.read_html(io.StringIO(small.read_text(encoding="utf-8")),
                                                      flavor="lxml"))
            peer = t_peer * args.rows / args.peer_n
    same = (res_csv.intake[["rows_in", "rows_kept", "rows_rejected"]].values.tolist()
            == res_html.intake[["rows_in", "rows_kept", "rows_rejected"]].values.tolist())
    it = res_html.intake.iloc[0]
    med = {k: statistics.median(v) for k, v in times.items()}
    peak = {k: max(v) / 1e9 for k, v in peaks.items()}
    ratios = [h / c for h, c in zip(times["clean_html"], times["clean_csv"], strict=True)]
    print(f"rows: {args.rows:,}; CSV {mb_csv:.0f} MB, HTML-as-xls {mb_html:.0f} MB "
          f"(built in {t_build:.1f} s + {t_html:.1f} s)")
    print(f"medians of {args.repeat} interleaved rounds; load average "
          f"{min(load):.1f}-{max(load):.1f}; peak = most resident memory above the step's start")
    print(f"read_table: CSV {med['read_csv']:.1f} s ({peak['read_csv']:.2f} GB), "
          f"HTML {med['read_html']:.1f} s ({peak['read_html']:.2f} GB)")
    print(f"clean_all:  CSV {med['clean_csv']:.1f} s ({peak['clean_csv']:.2f} GB), "
          f"HTML {med['clean_html']:.1f} s ({peak['clean_html']:.2f} GB)  -> HTML / CSV = "
          f"{med['clean_html'] / med['clean_csv']:.2f} (goal <= 2; per round "
          + ", ".join(f"{x:.2f}" for x in ratios) + f", median {statistics.median(ratios):.2f})")
    print(f"same rows in/kept/rejected from both: {same} ({it.rows_in:,} in, {it.rows_kept:,} kept, "
          f"{it.rows_rejected:,} rejected)")
    if peer is not None:
        print(f"pandas.read_html (lxml) on {args.peer_n:,} rows, extrapolated to {args.rows:,}: "
              f"{peer:.1f} s (read only, and it turns NIK and RT into numbers)")
    print("timings taken on a shared machine (2 cores, other jobs running): treat as indicative.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

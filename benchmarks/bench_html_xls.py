"""Benchmark: the e-PPGBM web download (an HTML table named .xls) against the same rows as CSV.

Builds the synthetic e-PPGBM export of ``bench_intake.py`` (default 1,000,000 rows, Indonesian
formats and a few percent of dirt), writes the same rows a second time as the web app does (an
HTML page with a title row above a ``<table>``, saved as ``.xls``), then, in the same run, times
``analysis.intake.clean.clean_all`` on each, and ``read_table`` alone on each. Goal: cleaning
the HTML takes at most 2x the CSV. ``pandas.read_html`` (lxml) is timed on the first
``--peer-n`` rows for comparison and extrapolated linearly.

Usage::

    .venv/bin/python benchmarks/bench_html_xls.py                 # 1,000,000 rows
    .venv/bin/python benchmarks/bench_html_xls.py --rows 200000   # under 2 minutes

Timings are taken on whatever machine runs this; on a shared machine they vary with its load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
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


def _time(func) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = func()
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--peer-n", type=int, default=20_000,
                    help="rows given to pandas.read_html (extrapolated); 0 to skip")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    os.environ.setdefault("RAKOR_PSEUDONYM_KEY", "benchmark-key-not-secret")
    from analysis import config
    from analysis.intake.clean import clean_all
    from analysis.intake.read import read_table

    today = dt.date(2025, 10, 1)
    cfg = config.sources()["eppgbm"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv_dir, html_dir = tmp / "csv" / "eppgbm", tmp / "html" / "eppgbm"
        csv_dir.mkdir(parents=True)
        html_dir.mkdir(parents=True)
        # Load inputs: the same rows, twice.
        t_build, _ = _time(lambda: build(csv_dir / "eppgbm_bench.csv", args.rows, args.seed))
        df = pd.read_csv(csv_dir / "eppgbm_bench.csv", sep=";", skiprows=2, dtype=str,
                         keep_default_na=False)
        t_html, _ = _time(lambda: write_html(df, html_dir / "eppgbm_bench.xls",
                                             "DATA E-PPGBM KOTA BONTANG (SINTETIS)"))
        mb_csv = (csv_dir / "eppgbm_bench.csv").stat().st_size / 1e6
        mb_html = (html_dir / "eppgbm_bench.xls").stat().st_size / 1e6

        # Process data: read only, then the whole cleaning, for each format.
        read_csv_s, _ = _time(lambda: read_table(csv_dir / "eppgbm_bench.csv", cfg, source="eppgbm"))
        read_html_s, _ = _time(lambda: read_table(html_dir / "eppgbm_bench.xls", cfg,
                                                  source="eppgbm"))
        c_csv, res_csv = _time(lambda: clean_all(csv_dir.parent, tmp / "p_csv", today=today))
        c_html, res_html = _time(lambda: clean_all(html_dir.parent, tmp / "p_html", today=today))
        peer = None
        if args.peer_n:
            small = html_dir.parent / "small.xls"
            write_html(df.head(args.peer_n), small, "DATA E-PPGBM")
            t_peer, _ = _time(lambda: pd.read_html(io.StringIO(small.read_text(encoding="utf-8")),
                                                   flavor="lxml"))
            peer = t_peer * args.rows / args.peer_n
    same = (res_csv.intake[["rows_in", "rows_kept", "rows_rejected"]].values.tolist()
            == res_html.intake[["rows_in", "rows_kept", "rows_rejected"]].values.tolist())
    it = res_html.intake.iloc[0]
    print(f"rows: {args.rows:,}; CSV {mb_csv:.0f} MB, HTML-as-xls {mb_html:.0f} MB "
          f"(built in {t_build:.1f} s + {t_html:.1f} s)")
    print(f"read_table: CSV {read_csv_s:.1f} s, HTML {read_html_s:.1f} s")
    print(f"clean_all:  CSV {c_csv:.1f} s, HTML {c_html:.1f} s  -> HTML / CSV = {c_html / c_csv:.2f} "
          "(goal <= 2)")
    print(f"same rows in/kept/rejected from both: {same} ({it.rows_in:,} in, {it.rows_kept:,} kept, "
          f"{it.rows_rejected:,} rejected)")
    if peer is not None:
        print(f"pandas.read_html (lxml) on {args.peer_n:,} rows, extrapolated to {args.rows:,}: "
              f"{peer:.1f} s (read only, and it turns NIK and RT into numbers)")
    print("timings taken on a shared machine (2 cores, other jobs running): treat as indicative.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

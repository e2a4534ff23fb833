"""The ``rakor`` command: sample data, cleaning, estimation, briefs, verification, forms to fill and boundaries.

Exit codes: 0 success; 1 a notebook or the code failed (the message names the notebook, the cell
and the error, and the executed notebook is kept), or the outputs hold personal data (the message
names the file and the kind of finding, never the value); 2 bad input the user can fix (the message
names the file, row, column and value; also a broken ``config/settings.yml``, another run holding
the lock, or a pseudonym key that is not the key of the earlier tables). A user's mistake never
ends in a Python traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from analysis.errors import PipelineError, RakorInputError


def _add_common(p: argparse.ArgumentParser, *, raw: bool = False) -> None:
    from analysis import config

    if raw:
        p.add_argument("--raw", type=Path, required=True, help="folder with one subfolder per source")
    p.add_argument("--processed", type=Path, default=config.PROCESSED_DIR,
                   help="folder for the processed tables (default: data/processed)")


def _engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                   help="pandas: one process (default, for a kab/kota); dask: each raw file, group sum "
                        "and brief a task on a dask cluster (a province, the nation)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="with --engine dask: a running dask scheduler (tcp://HOST:PORT) whose workers see "
                        "the same folders; default: a local cluster on this machine")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="with --engine dask and no --scheduler: worker processes of the local cluster "
                        "(default 2)")


def _engine(args: argparse.Namespace, parser: argparse.ArgumentParser):
    from analysis.engine.client import Engine

    if args.engine != "dask" and (args.scheduler or args.workers is not None):
        parser.error("--scheduler and --workers need --engine dask")
    if args.workers is not None and args.workers < 1:
        parser.error(f"--workers must be at least 1; got {args.workers}")
    return Engine(args.engine, args.scheduler, args.workers)


def _add_brief_options(p: argparse.ArgumentParser) -> None:
    from analysis import config

    p.add_argument("--period", help="YYYY-MM of the rakor (default: the latest period in the data)")
    p.add_argument("--out", type=Path, default=config.REPORTS_DIR,
                   help="folder for the reports (default: reports/); briefs go to OUT/<period>/")
    p.add_argument("--kecamatan", nargs="+", metavar="CODE",
                   help="only these kecamatan (Kemendagri codes such as 64.74.01)")
    p.add_argument("--jobs", type=int, default=None, help="briefs rendered in parallel (default: cores)")
    p.add_argument("--lang", choices=["id", "en"], default="id", help="language of the briefs")
    p.add_argument("--no-pdf", action="store_true", help="HTML only (faster)")
    p.add_argument("--levels", type=_levels, default=None, metavar="LEVELS",
                   help="briefs of these levels, comma-separated among region,kabkota,kecamatan,desa "
                        "(default: all of a kab/kota; region,kabkota for a province; e.g. region,kecamatan "
                        "skips the desa/kelurahan briefs of a big region)")
    _date_option(p)


def _levels(value: str) -> tuple[str, ...]:
    from analysis.pipeline import BRIEF_LEVELS

    levels = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [v for v in levels if v not in BRIEF_LEVELS]
    if bad or not levels:
        raise argparse.ArgumentTypeError(
            f"unknown level(s) {', '.join(bad) or repr(value)}; choose among {','.join(BRIEF_LEVELS)}")
    return levels


def _date_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--date", metavar="YYYY-MM-DD", default=None,
                   help="the rakor date (the 100-day countdown); default the last day of the period")


def _config_option(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    # On the command and on every subcommand (``rakor --config D run`` or ``rakor run --config D``);
    # SUPPRESS keeps a subcommand's absent option from hiding the top-level one.
    p.add_argument("--config", type=Path, metavar="DIR", default=None if top else argparse.SUPPRESS,
                   help="configuration folder (default: $RAKOR_CONFIG, else config/)")


def _pre_config(argv: list[str] | None) -> Path | None:
    """The ``--config DIR`` of the command line, read before the parser (whose defaults read the config)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config", type=Path, default=None)
    known, _ = pre.parse_known_args(sys.argv[1:] if argv is None else argv)
    return known.config


def build_parser() -> argparse.ArgumentParser:
    from analysis import config

    parser = argparse.ArgumentParser(
        prog="rakor",
        description="Poverty and stunting figures with confidence intervals, and per-kecamatan rakor briefs.",
    )
    _config_option(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="write a complete configuration for a kab/kota or province")
    p.add_argument("--region", required=True, metavar="CODE",
                   help="Kemendagri code of the kab/kota (64.74) or province (64)")
    p.add_argument("--config", type=Path, required=True, metavar="DIR", help="the new configuration folder")
    p.add_argument("--force", action="store_true", help="overwrite an existing settings.yml in DIR")

    p = sub.add_parser("sample-data", help="write a synthetic sample data set for a kab/kota (default: the configured one)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--scale", type=float, default=1.0,
                   help="size multiplier (default 1: ~730 children per kelurahan and ~300 per desa and round)")
    p.add_argument("--region", metavar="CODE", default=None,
                   help="Kemendagri code of the kab/kota or province (default: region.code of the configuration); "
                        "a province gets one sample per kab/kota and one Susenas file")

    p = sub.add_parser("clean", help="read, validate and pseudonymise the raw exports (01_clean)")
    _add_common(p, raw=True)
    _engine_options(p)

    p = sub.add_parser("estimate", help="z-scores, prevalence and poverty with CIs (02_estimate)")
    _add_common(p)
    p.add_argument("--period", help="YYYY-MM (default: the latest period in the data)")
    _date_option(p)
    _engine_options(p)

    p = sub.add_parser("brief", help="render the briefs from the estimates (03, 04)")
    _add_common(p)
    _add_brief_options(p)

    p = sub.add_parser("run", help="the whole pipeline: clean → estimate → briefs")
    _add_common(p, raw=True)
    _add_brief_options(p)
    p.add_argument("--force", action="store_true",
                   help="re-run cleaning and estimation even when inputs, code and configuration are unchanged")
    _engine_options(p)

    p = sub.add_parser("template", help="write a form a kelurahan fills in (the RT self-listing)")
    p.add_argument("form", choices=["pendataan-rt"], help="pendataan-rt: the RT self-listing of the local criteria")
    p.add_argument("--kelurahan", required=True, metavar="CODE",
                   help="Kemendagri code of the kelurahan (64.74.01.1003)")
    p.add_argument("--out", type=Path, default=Path("."),
                   help="the .xlsx file (its name carries the kelurahan code) or a folder "
                        "(default: ./pendataan_rt_<code>.xlsx)")
    p.add_argument("--processed", type=Path, default=config.PROCESSED_DIR,
                   help="processed tables whose RT numbers fill the RT dropdown (default: data/processed)")

    p = sub.add_parser("boundaries", help="desa/kelurahan boundaries for the maps of the briefs")
    p.add_argument("action", choices=["import"], help="import: match a file's areas and store them in the configuration")
    p.add_argument("file", type=Path, help="GeoJSON, shapefile, or cahyadsn/wilayah_boundaries SQL dump")

    p = sub.add_parser("verify", help="re-run a report from its manifest and list every figure that differs")
    p.add_argument("report_dir", type=Path, help="reports/<period>")
    for name, subparser in sub.choices.items():
        if name != "init":
            _config_option(subparser)
    return parser


def _absolute_pythonpath() -> None:
    """Make ``PYTHONPATH``'s entries absolute: the notebook kernels start in ``notebooks/``, where a
    relative ``PYTHONPATH=src`` finds nothing and the kernel would import another copy of the package."""
    value = os.environ.get("PYTHONPATH")
    if value:
        os.environ["PYTHONPATH"] = os.pathsep.join(
            str(Path(p).resolve()) if p else p for p in value.split(os.pathsep))


def main(argv: list[str] | None = None) -> int:
    _absolute_pythonpath()
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        if "init" not in argv:
            # Before the parser: its defaults and the modules it imports read the configuration.
            folder = _pre_config(argv)
            if folder is not None:
                from analysis import config

                config.use_config_dir(folder)
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command in ("clean", "estimate", "run"):
            args.engine = _engine(args, parser)
        return _dispatch(args)
    except RakorInputError as exc:
        print(f"rakor: {exc}", file=sys.stderr)
        return 2
    except PipelineError as exc:
        print(f"rakor: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rakor: interrupted", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "init":
        from analysis.init_config import write_config

        for note in write_config(args.region, args.config, force=args.force):
            print(f"rakor init: {note}")
        return 0

    from analysis import config, pipeline

    config.settings()  # a broken or incomplete settings.yml stops here (exit 2), naming the key

    if args.command == "sample-data":
        pipeline.make_sample_data(args.out, args.seed, region=args.region, scale=args.scale)
    elif args.command == "clean":
        pipeline.run_clean(args.raw, args.processed, force=True, engine=args.engine)
    elif args.command == "estimate":
        pipeline.run_estimate(args.processed, period=args.period, force=True, rakor_date=args.date,
                              engine=args.engine)
    elif args.command == "brief":
        pipeline.run_briefs(args.processed, period=args.period, out=args.out, kecamatan=args.kecamatan,
                            jobs=args.jobs, lang=args.lang, pdf=not args.no_pdf, rakor_date=args.date,
                            levels=args.levels)
    elif args.command == "run":
        pipeline.run_all(args.raw, args.processed, period=args.period, out=args.out,
                         kecamatan=args.kecamatan, jobs=args.jobs, lang=args.lang, pdf=not args.no_pdf,
                         force=args.force, rakor_date=args.date, levels=args.levels, engine=args.engine)
    elif args.command == "template":
        from analysis.intake.templates import write_pendataan_template

        path = write_pendataan_template(args.kelurahan, args.out, processed_dir=args.processed)
        print(f"rakor template: {path}")
    elif args.command == "boundaries":
        from analysis.intake.boundaries import import_boundaries

        for line in import_boundaries(args.file).lines():
            print(f"rakor boundaries: {line}")
    elif args.command == "verify":
        differences = pipeline.verify(args.report_dir)
        return 0 if not differences else 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

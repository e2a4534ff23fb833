"""Orchestration: run the numbered notebooks with papermill and assemble the report folder.

``01_clean`` → ``02_estimate`` → ``03_brief_kecamatan`` (once per kecamatan, in parallel) →
``04_brief_kota``; then HTML and PDF rendering, the personal-data scan and a manifest.

Faults lose nothing:

- the report folder is built in a staging folder beside it and swapped in at the end, so a failed
  run never leaves a half-written report over a good one; the staging folder of a failed run is
  kept as ``<period>.failed`` for inspection;
- the clean and estimate stages work on a copy of the processed folder (``.staging-<stage>-<pid>``)
  that is committed with a journal (``.commit.json``) only when the stage succeeded: a run killed
  at any point leaves the previous tables as they were, and the next run finishes or discards
  what the killed one left;
- a lock file holding the pid (``.rakor.lock``) in the processed folder and in the report folder
  keeps a second run from writing at the same time; a lock whose process is gone is taken over;
- the pseudonym key's fingerprint is kept with the processed tables: another key, or a new key
  where earlier periods exist, stops the run before it breaks the links with earlier periods;
- every run scans its own outputs for personal data and does not publish when it finds any.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis import config, files, periods
from analysis.errors import PipelineError, RakorInputError
from analysis.estimates.store import compare_estimates, load_published, published_estimates  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from analysis.briefs.executor import KernelSession
    from analysis.engine.client import Engine

NOTEBOOKS = {
    "clean": "01_clean.ipynb",
    "estimate": "02_estimate.ipynb",
    "kecamatan": "03_brief_kecamatan.ipynb",
    "kota": "04_brief_kota.ipynb",
    "kelurahan": "05_brief_kelurahan.ipynb",
}
KELURAHAN_DIR = "kelurahan"  # reports/<period>/kelurahan/<slug>.html|pdf
#: Levels of briefs (``rakor run|brief --levels``): the region's, one per kab/kota (of a province),
#: one per kecamatan, one per desa/kelurahan.
BRIEF_LEVELS = ("region", "kabkota", "kecamatan", "desa")


def default_levels() -> tuple[str, ...]:
    """The briefs of a run without ``--levels``: a province's and one per kab/kota for a province
    (kecamatan and desa briefs on request), every level of a kab/kota.

    Returns
    -------
    tuple of str
        Among :data:`BRIEF_LEVELS`.
    """
    if is_province():
        return ("region", "kabkota")
    return tuple(level for level in BRIEF_LEVELS if level != "kabkota")


def is_province(code: str | None = None) -> bool:
    """Whether the region (default the configured one) is a province (code ``PP``)."""
    from analysis.intake.gazetteer import level_of

    return level_of(str(code if code is not None else config.settings()["region"]["code"])) == "province"
SYNTHETIC_MARKER = ".synthetic"
RUN_INFO = "run_info.json"  # written by the pipeline into the processed folder
KERNEL = "python3"
KERNEL_START_ATTEMPTS = 3
# the kernel listens on loopback only; its "TCP without encryption" warning is noise
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
PACKAGES = ("rakor-analysis", "pandas", "numpy", "scipy", "statsmodels", "pandera", "papermill",
            "nbconvert", "weasyprint", "seaborn", "matplotlib", "rapidfuzz", "pyarrow")


# --------------------------------------------------------------------------------------------
# Notebook execution
# --------------------------------------------------------------------------------------------

def execute_notebook(name: str, output: Path, parameters: dict[str, Any],
                     session: KernelSession | None = None) -> float:
    """Execute ``notebooks/<name>`` with papermill into ``output``; return the seconds it took.

    Parameters
    ----------
    name, output, parameters
        The notebook, the executed copy to write and papermill's parameters.
    session
        A kernel kept across briefs (:class:`analysis.briefs.executor.KernelSession`, reset before
        each notebook); ``None`` starts a fresh kernel for this notebook.

    Raises
    ------
    RakorInputError
        When the notebook stopped on a user's mistake (the message is passed on unchanged).
    PipelineError
        Any other failure, as one paragraph naming the notebook, the cell and the error.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    output.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    env_root = os.environ.get("RAKOR_ROOT")
    os.environ["RAKOR_ROOT"] = str(config.ROOT)  # inherited by the kernel
    params = {k: (str(v) if isinstance(v, Path) else v) for k, v in parameters.items()}
    try:
        if session is not None:
            session.execute(config.NOTEBOOKS_DIR / name, output, params)
        else:
            for attempt in range(KERNEL_START_ATTEMPTS):
                try:
                    pm.execute_notebook(
                        str(config.NOTEBOOKS_DIR / name),
                        str(output),
                        parameters=params,
                        kernel_name=KERNEL,
                        progress_bar=False,
                        log_output=False,
                        cwd=str(config.NOTEBOOKS_DIR),
                        extra_arguments=KERNEL_ARGUMENTS,
                    )
                    break
                except RuntimeError as exc:
                    # Kernels started at the same moment can race for the same free ports
                    # (jupyter_client picks them before binding): the kernel dies at start. Try again.
                    if "Kernel died before replying" not in str(exc) or attempt == KERNEL_START_ATTEMPTS - 1:
                        raise
                    time.sleep(1 + attempt)
    except PapermillExecutionError as exc:
        if exc.ename == "RakorInputError":
            raise RakorInputError(exc.evalue) from None
        raise PipelineError(
            f"notebook {name} failed in cell {exc.exec_count} with {exc.ename}: {exc.evalue}. "
            f"The executed notebook is kept for inspection at {output}."
        ) from None
    finally:
        if env_root is None:
            os.environ.pop("RAKOR_ROOT", None)
        else:
            os.environ["RAKOR_ROOT"] = env_root
    return time.perf_counter() - start


def brief_kernel_reused() -> bool:
    """Whether briefs share one kernel per worker (default) or each starts its own.

    ``RAKOR_BRIEF_KERNEL=fresh`` selects the old path (a papermill kernel per brief), kept for the
    benchmark and for comparisons; ``reuse`` (or unset) the kernel kept across briefs.
    """
    value = os.environ.get("RAKOR_BRIEF_KERNEL", "reuse").strip().lower()
    if value not in {"reuse", "fresh"}:
        raise RakorInputError(f"RAKOR_BRIEF_KERNEL must be 'reuse' or 'fresh'; got {value!r}")
    return value == "reuse"


_SESSION: KernelSession | None = None  # this process's brief kernel (worker processes keep theirs)


def _brief_session() -> KernelSession:
    """This process's kernel session, started on first use and shut down when the process ends."""
    global _SESSION
    if _SESSION is None:
        from analysis.briefs.executor import KernelSession

        _SESSION = KernelSession(KERNEL, config.NOTEBOOKS_DIR, KERNEL_ARGUMENTS, KERNEL_START_ATTEMPTS)
        # a pool worker ends through multiprocessing (atexit does not run there): both hooks
        import atexit
        import multiprocessing.util

        atexit.register(_close_session)
        multiprocessing.util.Finalize(None, _close_session, exitpriority=10)
    return _SESSION


def _close_session() -> None:
    global _SESSION
    if _SESSION is not None:
        _SESSION.close()
        _SESSION = None


# --------------------------------------------------------------------------------------------
# Stages
# --------------------------------------------------------------------------------------------

def make_sample_data(out: Path, seed: int, region: str | None = None, scale: float = 1.0) -> dict:
    """Write the synthetic sample of ``region`` (default the configured one) into ``out`` and mark
    the folder as synthetic."""
    from analysis.synthetic import world as sample_data

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not is_synthetic(out):
            raise RakorInputError(
                f"{out} is not empty and was not written by `rakor sample-data`; choose an empty "
                "folder so that synthetic files never mix with real exports"
            )
        shutil.rmtree(out)  # an earlier sample: rewrite it whole, no stale files left behind
    start = time.perf_counter()
    summary = sample_data.generate(out, seed=seed, region=region, scale=scale)
    flag = ("" if region is None else f" --region {region}") + ("" if scale == 1 else f" --scale {scale:g}")
    (Path(out) / SYNTHETIC_MARKER).write_text(
        f"Synthetic data generated by `rakor sample-data{flag} --seed {seed}`. Not real people.\n",
        encoding="utf-8",
    )
    print(f"sample data written to {out} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return summary


def is_synthetic(raw: Path) -> bool:
    """True when ``raw`` was written by ``rakor sample-data`` (briefs then carry a banner)."""
    return (Path(raw) / SYNTHETIC_MARKER).exists()


def code_fingerprint() -> str:
    """Hash of everything that decides the figures besides the data: code, notebooks, configuration."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    files = sorted([*package.rglob("*.py"), *package.glob("data/**/*.*"), *config.CONFIG_DIR.glob("*.yml"),
                    *config.NOTEBOOKS_DIR.glob("*.ipynb")])
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def raw_fingerprint(raw: Path) -> str:
    """Hash of the raw folder: every file's relative path and sha256."""
    h = hashlib.sha256()
    for path in sorted(p for p in Path(raw).rglob("*") if p.is_file()):
        h.update(path.relative_to(raw).as_posix().encode())
        h.update(sha256(path).encode())
    return h.hexdigest()


def _key(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def run_clean(raw: Path, processed: Path, force: bool = False, engine: Engine | None = None) -> float:
    """Stage 1: read, validate, pseudonymise (``01_clean``); skipped when nothing changed.

    Nothing changed means: the same raw files (paths and sha256), the same code, notebooks and
    configuration, and the same pseudonym key as the run that wrote ``processed``. The engine
    (:class:`analysis.engine.client.Engine`, default pandas; passed to the notebook as its
    parameters ``engine``, ``scheduler``, ``workers``) is not part of that: both engines give the
    same tables (the dask engine writes the source tables as folders of partitions, which every
    reader reads as it reads one file), so tables of one engine are reused by the other.
    """
    raw, processed = Path(raw).resolve(), Path(processed).resolve()
    if not raw.is_dir():
        raise RakorInputError(
            f"raw data folder {raw} does not exist; put agency exports in data/raw/<source>/ "
            "or run `make sample-data`"
        )
    processed.mkdir(parents=True, exist_ok=True)
    with folder_lock(processed, "the processed folder"):
        recover_processed(processed)  # finish or discard what a killed run left
        # which key pseudonymised the tables (an HMAC of a constant: identifies the key, reveals nothing)
        key_id = check_pseudonym_key(processed)
        clean_key = _key(raw_fingerprint(raw), code_fingerprint(), key_id)
        info = _read_json(processed / RUN_INFO)
        done = (processed / "intake.parquet").exists() and (processed / "executed" / NOTEBOOKS["clean"]).exists()
        if not force and done and info.get("clean_key") == clean_key and info.get("raw_dir") == str(raw):
            print("01 clean: raw files, code and configuration unchanged; cleaned tables reused", file=sys.stderr)
            return 0.0
        with processed_transaction(processed, "clean") as work:
            seconds = execute_notebook(
                NOTEBOOKS["clean"], work / "executed" / NOTEBOOKS["clean"],
                {"raw_dir": raw, "processed_dir": work, **_engine_parameters(engine)},
            )
            _write_json(work / RUN_INFO, {"raw_dir": str(raw), "synthetic": is_synthetic(raw),
                                          "clean_key": clean_key, "key_id": key_id})
        return seconds


def latest_period(processed: Path) -> str:
    """The latest ``period`` in any processed source table (the default rakor period)."""
    found: list[str] = []
    for table in ("eppgbm", "eppgbm_bulanan", "susenas", "dtsen_member", "pendataan_rt", "program"):
        path = Path(processed) / f"{table}.parquet"
        if path.exists():
            col = pd.read_parquet(path, columns=["period"])["period"].dropna()
            if len(col):
                found.append(str(col.max()))
    if not found:
        raise RakorInputError(f"no cleaned data in {processed}; run `rakor clean --raw DIR` first")
    return periods.latest_at_or_before(found, "9999-12")


def run_estimate(processed: Path, period: str | None = None, force: bool = False,
                 rakor_date: str | None = None, engine: Engine | None = None) -> float:
    """Stage 2: z-scores, estimates with CIs, reconciliation (``02_estimate``); skipped when unchanged.

    ``rakor_date`` ("YYYY-MM-DD", default the last day of the period) dates the 100-day countdown;
    it is recorded in ``run_info.json`` and is part of the key that decides whether to re-run.
    The engine is not (the figures are the same; see :func:`run_clean`).
    """
    processed = Path(processed).resolve()
    period = _check_period(period)
    with folder_lock(processed, "the processed folder"):
        recover_processed(processed)
        period = period or latest_period(processed)
        day = periods.rakor_date(period, rakor_date)
        info = _read_json(processed / RUN_INFO)
        estimate_key = _key(info.get("clean_key", "none"), code_fingerprint(), period, day)
        done = (processed / "estimates.parquet").exists() and (processed / "executed" / NOTEBOOKS["estimate"]).exists()
        if not force and done and info.get("clean_key") and info.get("estimate_key") == estimate_key:
            print("02 estimate: cleaned tables, code, period and date unchanged; estimates reused", file=sys.stderr)
            return 0.0
        with processed_transaction(processed, "estimate") as work:
            seconds = execute_notebook(
                NOTEBOOKS["estimate"], work / "executed" / NOTEBOOKS["estimate"],
                {"processed_dir": work, "period": period, "rakor_date": day, **_engine_parameters(engine)},
            )
            _write_json(work / RUN_INFO, {**info, "estimate_key": estimate_key, "rakor_date": day,
                                          "estimate_period": period})
        return seconds


def _engine_parameters(engine: Engine | None) -> dict[str, Any]:
    from analysis.engine.client import Engine

    return (engine or Engine()).parameters()


@contextmanager
def engine_cluster(engine: Engine | None) -> Iterator[tuple[Engine | None, Any]]:
    """The cluster of a whole run: ``(engine, client)``; ``client`` None for the pandas engine.

    Without a scheduler address a local cluster is started here, for all the stages of the run:
    the engine yielded names its scheduler, so that the notebooks connect to it (rather than each
    starting its own) and the briefs are tasks on the same workers.

    Raises
    ------
    RakorInputError
        The scheduler cannot be reached (the message names the address).
    """
    if engine is None or not engine.dask:
        yield engine, None
        return
    from dataclasses import replace

    from analysis.engine.client import dask_client

    with dask_client(engine.scheduler, engine.workers) as client:
        yield (engine if engine.scheduler else replace(engine, scheduler=client.scheduler.address)), client


@dataclass
class BriefJob:
    """One brief to execute and render (picklable for the process pool)."""

    notebook: str
    slug: str
    title: str
    parameters: dict[str, Any]
    staging: Path
    lang: str
    pdf: bool
    timings: dict[str, float] = field(default_factory=dict)
    reuse_kernel: bool = True  # one kernel per worker (see brief_kernel_reused)


def _run_brief(job: BriefJob) -> BriefJob:
    from analysis.briefs import render

    executed = job.staging / "executed" / f"{job.slug}.ipynb"
    session = _brief_session() if job.reuse_kernel else None
    job.timings["execute_s"] = execute_notebook(job.notebook, executed, job.parameters, session)
    start = time.perf_counter()
    html = render.notebook_to_html(executed, job.staging / f"{job.slug}.html", title=job.title, lang=job.lang)
    job.timings["html_s"] = time.perf_counter() - start
    if job.pdf:
        start = time.perf_counter()
        render.html_to_pdf(html, job.staging / f"{job.slug}.pdf")
        job.timings["pdf_s"] = time.perf_counter() - start
    return job


_TASK_LOCK = threading.Lock()


def _run_brief_task(job: BriefJob) -> BriefJob:
    """:func:`_run_brief` as a dask task: one at a time per worker process (one kept kernel)."""
    with _TASK_LOCK:
        return _run_brief(job)


#: File names of a report folder that a brief's slug must not take.
_RESERVED_SLUGS = {"manifest", "estimates", "lampiran", "restricted", "executed", KELURAHAN_DIR}


def region_slug(name: str | None = None) -> str:
    """File name of the region's brief: ``"Kota Bontang"`` → ``kota-bontang``,
    ``"Kabupaten Kutai Timur"`` → ``kab-kutai-timur``, a province ``provinsi-...``.

    Parameters
    ----------
    name
        The region's name; default ``settings.yml: region.name``.

    Returns
    -------
    str
    """
    slug = slugify(name if name is not None else config.settings()["region"]["name"])
    return re.sub(r"^kabupaten-", "kab-", slug)


def kabkota_list() -> pd.DataFrame:
    """Kab/kota of a province region (code, name, slug ``kab-bulungan``, ``kota-tarakan``); no rows
    for a kab/kota region."""
    from analysis.intake.gazetteer import region_table

    t = region_table(config.settings()["region"]["code"])
    kk = t.loc[t["level"] == "kabkota", ["kode", "nama"]].rename(columns={"kode": "code", "nama": "name"})
    kk["slug"] = kk["name"].map(region_slug)
    return kk.reset_index(drop=True)


def kecamatan_list() -> pd.DataFrame:
    """Kecamatan of the region (code, name, slug) from the gazetteer.

    A slug is the name (``sangatta-utara``); ``kecamatan-<name>`` only where the name would
    clash with the region's brief, a report file or another kecamatan (then the code is appended).
    """
    from analysis.intake.gazetteer import gazetteer

    kec = gazetteer().kecamatan.rename(columns={"kode": "code", "nama": "name"})
    kec["slug"] = kec["name"].map(slugify)
    taken = _RESERVED_SLUGS | {region_slug()} | set(kabkota_list()["slug"])
    clash = kec["slug"].isin(taken) | kec["slug"].duplicated(keep=False)
    kec.loc[clash, "slug"] = "kecamatan-" + kec.loc[clash, "slug"]
    dup = kec["slug"].duplicated(keep=False)
    kec.loc[dup, "slug"] = kec.loc[dup, "slug"] + "-" + kec.loc[dup, "code"].str.replace(".", "-", regex=False)
    return kec.reset_index(drop=True)


def kelurahan_list() -> pd.DataFrame:
    """Kelurahan/desa of the region (code, name, kecamatan_code, slug) from the gazetteer.

    Slugs are unique: a name used twice in the region gets its code appended.
    """
    from analysis.intake.gazetteer import gazetteer

    kel = gazetteer().kelurahan.rename(columns={"kode": "code", "nama": "name", "kode_kecamatan": "kecamatan_code"})
    kel["slug"] = kel["name"].map(slugify)
    dup = kel["slug"].duplicated(keep=False)
    kel.loc[dup, "slug"] = kel.loc[dup, "slug"] + "-" + kel.loc[dup, "code"].str.replace(".", "-", regex=False)
    return kel.reset_index(drop=True)


def slugify(name: str) -> str:
    """File name of an area's brief: ``"Kota Bontang"`` → ``"kota-bontang"``.

    Parameters
    ----------
    name
        Area name.

    Returns
    -------
    str
        Lower-case letters and digits, runs of anything else as one ``-``.
    """
    return re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")


def run_briefs(processed: Path, period: str | None = None, out: Path | None = None,
               kecamatan: Iterable[str] | None = None, jobs: int | None = None,
               lang: str = "id", pdf: bool = True, timings: dict | None = None,
               rakor_date: str | None = None, levels: Iterable[str] | None = None,
               engine: Engine | None = None, client: Any = None) -> Path:
    """Stage 3: execute and render the briefs into ``out/<period>/`` atomically.

    With ``rakor_date`` other than the one the estimates were built for, the estimates are
    rebuilt for that date first (the countdown is a figure of the estimates table). ``levels``
    (among :data:`BRIEF_LEVELS`, default :func:`default_levels`) chooses which briefs are rendered.
    With ``client`` (a ``distributed.Client``) each brief is a task on its workers (``jobs`` is
    then the cluster's); ``engine`` is that of a rebuild of the estimates.
    """
    processed = Path(processed).resolve()
    out = Path(out or config.REPORTS_DIR).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with folder_lock(processed, "the processed folder"), folder_lock(out, "the report folder"):
        recover_processed(processed)
        recover_reports(out)
        return _run_briefs_locked(processed, period, out, kecamatan, jobs, lang, pdf, timings, rakor_date,
                                  levels, engine, client)


def _run_briefs_locked(processed: Path, period: str | None, out: Path, kecamatan: Iterable[str] | None,
                       jobs: int | None, lang: str, pdf: bool, timings: dict | None,
                       rakor_date: str | None = None, levels: Iterable[str] | None = None,
                       engine: Engine | None = None, client: Any = None) -> Path:
    levels = set(levels or default_levels())
    estimates = processed / "estimates.parquet"
    if not estimates.exists():
        raise RakorInputError(f"no estimates in {processed}; run `rakor estimate` first")
    available = set(pd.read_parquet(estimates, columns=["period"])["period"].astype(str))
    period = _check_period(period) or max(available)
    if period not in available:
        raise RakorInputError(
            f"the estimates in {processed} are for {', '.join(sorted(available))}, not {period}; "
            f"run `rakor estimate --period {period}` first, or leave out --period"
        )
    info = _read_json(processed / RUN_INFO)
    day = periods.rakor_date(period, rakor_date) if rakor_date else info.get("rakor_date")
    if day is None or day != info.get("rakor_date") or period != info.get("estimate_period", period):
        run_estimate(processed, period, rakor_date=day, engine=engine)  # the countdown of this date (and period)
        info = _read_json(processed / RUN_INFO)
        day = info.get("rakor_date")
    kec = kecamatan_list()
    if kecamatan:
        unknown = sorted(set(kecamatan) - set(kec["code"]))
        if unknown:
            raise RakorInputError(
                f"unknown kecamatan code(s) {', '.join(unknown)}; known: "
                + ", ".join(f"{c} ({n})" for c, n in zip(kec["code"], kec["name"], strict=True))
            )
        kec = kec[kec["code"].isin(kecamatan)]

    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{period}.staging-", dir=out))
    common = {"processed_dir": processed, "period": period, "lang": lang,
              "synthetic": bool(info.get("synthetic", False))}
    # The briefs read their provenance footer (inputs, code version) from this manifest; the
    # complete one (outputs, timings) replaces it once the briefs are written.
    brief_params = {**common, "manifest": str(staging / "manifest.json")}
    brief_jobs = [
        BriefJob(NOTEBOOKS["kecamatan"], row.slug, f"Brief rakor {row.name} {period}",
                 {**brief_params, "kecamatan_code": row.code}, staging, lang, pdf)
        for row in kec.itertuples() if "kecamatan" in levels
    ]
    if "kabkota" in levels:  # a province: a brief per kab/kota (the area brief, one level up)
        brief_jobs += [
            BriefJob(NOTEBOOKS["kecamatan"], row.slug, f"Brief rakor {row.name} {period}",
                     {**brief_params, "kecamatan_code": row.code}, staging, lang, pdf)
            for row in kabkota_list().itertuples()
        ]
    region = config.settings()["region"]["name"]
    if "region" in levels:
        brief_jobs.append(BriefJob(NOTEBOOKS["kota"], region_slug(), f"Brief rakor {region} {period}",
                                   brief_params, staging, lang, pdf))
    (staging / KELURAHAN_DIR).mkdir()
    kel = kelurahan_list()
    kel = kel[kel["kecamatan_code"].isin(kec["code"]) & ("desa" in levels)]
    # kelurahan first: they are the many short jobs, the long kecamatan/kota jobs fill the tail
    brief_jobs[:0] = [
        BriefJob(NOTEBOOKS["kelurahan"], f"{KELURAHAN_DIR}/{row.slug}", f"Brief rakor {row.name} {period}",
                 {**brief_params, "kelurahan_code": row.code}, staging, lang, pdf)
        for row in kel.itertuples()
    ]
    timings = timings if timings is not None else {}
    try:
        _write_manifest(staging, processed, period, {**common, "rakor_date": day}, {}, info)
        done = _execute_jobs(brief_jobs, jobs, client)
        for job in done:
            timings[f"brief:{job.slug}"] = job.timings
        _copy_stage_outputs(processed, staging, period)
        from analysis.briefs.annex import write_annex

        start = time.perf_counter()
        write_annex(pd.read_parquet(staging / "estimates.parquet"), staging / "lampiran.xlsx", period, lang=lang)
        timings["annex_s"] = time.perf_counter() - start
        from analysis.briefs.pii_scan import seal_restricted

        seal_restricted(staging)  # restricted/ owner-only, each file with its personal-data notice
        _write_manifest(staging, processed, period, {**common, "rakor_date": day}, timings, info)
        publish_if_clean(staging, processed)
    except BaseException as exc:
        failed = out / f"{period}.failed"
        shutil.rmtree(failed, ignore_errors=True)
        staging.rename(failed)
        if isinstance(exc, PipelineError):  # point the message at where the notebook now is
            raise PipelineError(str(exc).replace(str(staging), str(failed))) from None
        raise
    final = out / period
    _swap_into_place(staging, final)
    return final


def run_all(raw: Path, processed: Path, period: str | None = None, out: Path | None = None,
            kecamatan: Iterable[str] | None = None, jobs: int | None = None, lang: str = "id",
            pdf: bool = True, force: bool = False, rakor_date: str | None = None,
            levels: Iterable[str] | None = None, engine: Engine | None = None) -> Path:
    """The whole pipeline with a progress bar: clean → estimate → briefs.

    With the dask engine the stages share one cluster (:func:`engine_cluster`): the files to clean,
    the group sums and the briefs are its tasks.
    """
    from tqdm import tqdm

    timings: dict[str, Any] = {}
    stages = ["01 clean", "02 estimate", "03/04 briefs"]
    processed = Path(processed).resolve()
    out = Path(out or config.REPORTS_DIR).resolve()
    processed.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    # Both locks for the whole run (the stages take them again: the locks are re-entrant), so that
    # no other run writes between the stages. Always processed first, then reports: no deadlock.
    with folder_lock(processed, "the processed folder"), folder_lock(out, "the report folder"), \
            engine_cluster(engine) as (engine, client), \
            tqdm(total=len(stages), desc="rakor", unit="stage", file=sys.stderr,
                 bar_format="{desc}: {n}/{total} {bar} {elapsed} {postfix}") as bar:
        bar.set_postfix_str(stages[0])
        timings["clean_s"] = run_clean(raw, processed, force=force, engine=engine)
        bar.update()
        bar.set_postfix_str(stages[1])
        timings["estimate_s"] = run_estimate(processed, period, force=force, rakor_date=rakor_date,
                                             engine=engine)
        bar.update()
        bar.set_postfix_str(stages[2])
        start = time.perf_counter()
        final = run_briefs(processed, period, out, kecamatan, jobs, lang, pdf, timings=timings,
                           rakor_date=rakor_date, levels=levels, engine=engine, client=client)
        timings["briefs_s"] = time.perf_counter() - start
        bar.update()
    print(f"briefs written to {final}", file=sys.stderr)
    return final



# --------------------------------------------------------------------------------------------
# Faults: locks, staged commits of the processed folder, the pseudonym key
# --------------------------------------------------------------------------------------------

LOCK_NAME = ".rakor.lock"
#: Seconds a run waits for another run's lock before it stops (``$RAKOR_LOCK_WAIT_S``).
LOCK_WAIT_S = 10.0
JOURNAL = ".commit.json"
_held_locks: dict[Path, int] = {}  # lock path -> depth, for this process (the locks are re-entrant)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


@contextmanager
def folder_lock(folder: Path, what: str, wait_s: float | None = None) -> Iterator[Path]:
    """Hold ``folder/.rakor.lock`` (holding this pid) while writing ``folder``.

    A second run waits up to ``wait_s`` seconds (default ``$RAKOR_LOCK_WAIT_S`` or
    :data:`LOCK_WAIT_S`), then stops with :class:`RakorInputError` (exit 2) naming the other run. A
    lock whose process is gone (a killed run) is taken over, with a note on stderr. Re-entrant
    within one process, so that ``run_all`` holds it across the stages that take it again.

    Parameters
    ----------
    folder
        The processed folder or the report folder (created if missing).
    what
        Named in the messages ("the processed folder").
    wait_s
        Seconds to wait for another run.

    Yields
    ------
    pathlib.Path
        The lock file.
    """
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    if path in _held_locks:
        _held_locks[path] += 1
        try:
            yield path
        finally:
            _held_locks[path] -= 1
        return
    wait_s = float(os.environ.get("RAKOR_LOCK_WAIT_S", LOCK_WAIT_S)) if wait_s is None else wait_s
    deadline = time.monotonic() + wait_s
    mine = json.dumps({"pid": os.getpid(), "host": platform.node(),
                       "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    waiting = False
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                text = path.read_text(encoding="utf-8")
                owner = json.loads(text)
                pid = int(owner["pid"])
            except FileNotFoundError:
                continue  # released meanwhile
            except (ValueError, KeyError, TypeError, OSError):
                # written half by a run killed at that very moment: after a grace period, stale
                if time.time() - path.stat().st_mtime < 2:
                    time.sleep(0.2)
                    continue
                owner, pid, text = {}, -1, None
            same_host = owner.get("host", platform.node()) == platform.node()
            if pid > 0 and (not same_host or _pid_alive(pid)):
                if time.monotonic() >= deadline:
                    raise RakorInputError(
                        f"another rakor run (pid {pid} on {owner.get('host')}, started {owner.get('started')}) "
                        f"is writing {what} {folder}; wait until it has finished and run again. If no rakor "
                        f"is running there, remove {path}."
                    ) from None
                if not waiting:
                    print(f"rakor: {what} {folder} is in use by another run (pid {pid}); waiting up to "
                          f"{wait_s:.0f} s", file=sys.stderr)
                    waiting = True
                time.sleep(0.2)
                continue
            # Stale: move it aside first, and check that what we moved is what we judged stale
            # (another run may have taken the lock over in between).
            aside = path.with_name(f"{LOCK_NAME}.stale-{os.getpid()}")
            try:
                os.replace(path, aside)
            except FileNotFoundError:
                continue
            if text is not None and aside.read_text(encoding="utf-8") != text:
                os.replace(aside, path)  # a live lock: put it back
                continue
            aside.unlink(missing_ok=True)
            print(f"rakor: note: took over the lock of {what} {folder} left by a run that is no longer "
                  f"running (pid {pid}, started {owner.get('started', 'unknown')})", file=sys.stderr)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(mine)
        break
    _held_locks[path] = 1
    try:
        yield path
    finally:
        del _held_locks[path]
        try:
            if path.read_text(encoding="utf-8") == mine:
                path.unlink()
        except FileNotFoundError:
            pass


def check_pseudonym_key(processed: Path) -> str:
    """The fingerprint of the pseudonym key, after checking it is the key of the existing tables.

    The fingerprint (an HMAC of a constant under the key) is recorded in ``run_info.json`` of the
    processed folder, beside the tables and the history it pseudonymised.

    Parameters
    ----------
    processed
        The processed folder.

    Returns
    -------
    str
        The key's fingerprint (64 hex characters; reveals nothing about the key).

    Raises
    ------
    RakorInputError
        When the key is not the one recorded with the tables, or when there is no key and the
        folder already holds tables or a history (a new key would be created silently): either
        would give every child and family new pseudonyms and break the links with earlier periods.
    """
    from analysis.intake.identifiers import KEY_ENV, key_fingerprint, key_source, pseudonym_key

    processed = Path(processed)
    recorded = _read_json(processed / RUN_INFO).get("key_id")
    existing = [name for name in ("history.parquet", "intake.parquet", "restricted/identity.parquet")
                if (processed / name).exists()]
    breaks = ("every child and family would get new pseudonyms, so this run could no longer be linked "
              "to the earlier periods in it: the history and the change since the previous rakor, the "
              "follow-up of the same children and families, and returned verification worklists")
    key = pseudonym_key(create=not existing and not recorded)
    if key is None:
        raise RakorInputError(
            f"there is no pseudonym key (${KEY_ENV} is not set and {key_source()} does not exist), but "
            f"{processed} holds tables pseudonymised with a key ({', '.join(existing)}). A new key would be "
            f"made: {breaks}. Restore the key file from its backup or set ${KEY_ENV} to the earlier key; "
            "to start afresh on purpose, give a new --processed folder."
        )
    fingerprint = key_fingerprint(key)
    if recorded and recorded != fingerprint:
        raise RakorInputError(
            f"the pseudonym key from {key_source()} is not the key that pseudonymised the tables in "
            f"{processed} (key fingerprint {fingerprint[:12]}…, recorded {recorded[:12]}… in {RUN_INFO}). "
            f"Going on with it: {breaks}. Use the earlier key (its file or ${KEY_ENV}); to start afresh on "
            "purpose, give a new --processed folder."
        )
    if existing and not recorded:
        print(f"rakor: note: {processed} has no record of its pseudonym key; this run records the key from "
              f"{key_source()} (fingerprint {fingerprint[:12]}…)", file=sys.stderr)
    return fingerprint


@contextmanager
def processed_transaction(processed: Path, stage: str) -> Iterator[Path]:
    """A working copy of ``processed`` for one stage, committed only when the stage succeeds.

    The stage writes into ``processed/.staging-<stage>-<pid>`` (a copy of the folder). On success the
    list of its files is written to a journal (``.commit.json``) and the files are moved into
    place (:func:`recover_processed` finishes that after a kill). On a failed notebook the copy is
    kept as ``.failed-<stage>`` for inspection; on any other error, or a kill, the previous
    tables are untouched.

    Parameters
    ----------
    processed
        The processed folder (its lock must be held).
    stage
        ``clean`` or ``estimate``.

    Yields
    ------
    pathlib.Path
        The working copy: give it to the stage's notebook as ``processed_dir``.
    """
    processed = Path(processed).resolve()
    recover_processed(processed)
    # one per process: a kernel orphaned by a killed run can never write into this run's copy
    work = processed / f".staging-{stage}-{os.getpid()}"

    def top_level_dot(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if n.startswith(".")] if Path(folder) == processed else []

    shutil.copytree(processed, work, ignore=top_level_dot, symlinks=True)
    try:
        yield work
    except BaseException as exc:
        if isinstance(exc, PipelineError):
            failed = processed / f".failed-{stage}"
            shutil.rmtree(failed, ignore_errors=True)
            work.rename(failed)
            _relocate_notebooks(failed, work, failed)
            raise PipelineError(str(exc).replace(str(work), str(failed))) from None
        shutil.rmtree(work, ignore_errors=True)
        raise
    # The executed notebook names the folder it ran in: name the one its tables now live in.
    _relocate_notebooks(work, work, processed)
    from analysis.briefs.pii_scan import seal_restricted

    seal_restricted(work)  # restricted/ owner-only, every file with its personal-data notice
    files = sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if not p.is_dir())
    dirs = sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_dir())
    _write_json(processed / JOURNAL, {"staging": work.name, "files": files, "dirs": dirs})
    recover_processed(processed)


def _relocate_notebooks(folder: Path, old: Path, new: Path) -> None:
    for nb in (folder / "executed").glob("*.ipynb"):
        text = nb.read_text(encoding="utf-8")
        if str(old) in text:
            _write_text(nb, text.replace(str(old), str(new)))


def recover_processed(processed: Path) -> None:
    """Finish a commit a killed run left half-done, and remove working copies of killed runs.

    With a journal (``.commit.json``) the stage had succeeded: its files are moved into place and
    files it removed are removed (rolled forward; doing it twice changes nothing). Without one,
    a ``.staging-*`` copy belongs to a run that stopped before it succeeded and is discarded.

    Parameters
    ----------
    processed
        The processed folder; its lock must be held (so no other run owns a copy in it).
    """
    processed = Path(processed)
    journal = _read_json(processed / JOURNAL)
    if journal:
        work = processed / journal["staging"]
        for rel in journal["dirs"]:
            target = processed / rel
            if target.is_file() or target.is_symlink():
                target.unlink()  # a table written whole before, now a folder of partitions (dask engine)
            target.mkdir(parents=True, exist_ok=True)
            if (work / rel).is_dir():
                os.chmod(target, (work / rel).stat().st_mode & 0o777)  # restricted/ stays 0700
        for rel in journal["files"]:
            src = work / rel
            if src.exists() or src.is_symlink():
                (processed / rel).parent.mkdir(parents=True, exist_ok=True)
                files.replace_path(processed / rel, src)  # (a folder of partitions there is removed)
        keep = set(journal["files"])
        for path in sorted(processed.rglob("*")):
            rel = path.relative_to(processed)
            if rel.parts[0].startswith(".") or path.is_dir():
                continue
            if rel.as_posix() not in keep:
                path.unlink()  # removed by the stage (a stale table, an old worklist)
        dirs = set(journal["dirs"])
        for path in sorted(processed.rglob("*"), reverse=True):  # deepest first
            rel = path.relative_to(processed)
            if not rel.parts[0].startswith(".") and path.is_dir() and rel.as_posix() not in dirs:
                with contextlib.suppress(OSError):
                    path.rmdir()  # emptied above: the partitions of a table now written whole
        shutil.rmtree(work, ignore_errors=True)
        (processed / JOURNAL).unlink()
    for work in processed.glob(".staging-*"):
        print(f"rakor: note: removing {work.name}, left in {processed} by a run that was stopped; "
              "the tables of the last complete run are kept", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


def recover_reports(out: Path) -> None:
    """Put back a report a killed swap left aside, and remove staging folders of killed runs.

    Parameters
    ----------
    out
        The report folder (``reports/``); its lock must be held, so every staging folder there
        belongs to a run that is gone.
    """
    out = Path(out)
    for old in sorted(out.glob(".*.old-*")):
        period = old.name[1:].rsplit(".old-", 1)[0]
        if not (out / period).exists():
            old.rename(out / period)
            print(f"rakor: note: restored the report {out / period}, left aside by a run that was stopped",
                  file=sys.stderr)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for staging in sorted(out.glob(".*.staging-*")):
        print(f"rakor: note: removing {staging.name}, left in {out} by a run that was stopped",
              file=sys.stderr)
        shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# The personal-data scan of a run's own outputs
# --------------------------------------------------------------------------------------------

IDENTITY_COLUMNS = {"nik": "NIK", "no_kk": "No. KK", "nama": "name", "alamat": "address"}


def scan_outputs(staging: Path, processed: Path) -> tuple[dict, list]:
    """Scan every file of a report (staging) folder except ``restricted/`` for personal data.

    Parameters
    ----------
    staging
        The report folder before it is published.
    processed
        The processed folder; its ``restricted/identity.parquet`` gives the NIK, No. KK, names and
        addresses of the raw data.

    Returns
    -------
    (dict, list of Finding)
        ``{"files", "findings", "scanned_at", "seconds", "identity_values"}`` for the manifest, and
        the findings (file and kind; their snippets are masked, but stay out of messages anyway).
    """
    from analysis.briefs import pii_scan

    start = time.perf_counter()
    identity_path = Path(processed) / "restricted" / "identity.parquet"
    if identity_path.exists():
        identity = pd.read_parquet(identity_path, columns=list(IDENTITY_COLUMNS))
        identity = identity.rename(columns=IDENTITY_COLUMNS)
        n_values = int(identity.notna().sum().sum())
    else:
        print(f"rakor: note: {identity_path} is missing: the outputs are scanned for 16-digit numbers only, "
              "not for the names of the raw data", file=sys.stderr)
        identity, n_values = {}, 0
    files = pii_scan.files_to_scan([staging])
    findings = pii_scan.scan_for_pii([staging], identity, suffixes=None)
    summary = {"files": len(files), "findings": len(findings),
               "scanned_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "seconds": round(time.perf_counter() - start, 2), "identity_values": n_values}
    return summary, findings


def publish_if_clean(staging: Path, processed: Path) -> dict:
    """Scan the staging folder, record ``privacy_scan`` in its manifest, and stop on any finding.

    Raises
    ------
    PipelineError
        When anything is found (exit 1): the message names each file and the kind of finding,
        never the value. The caller keeps the folder as ``<period>.failed``.
    """
    summary, findings = scan_outputs(staging, processed)
    manifest = _read_json(staging / "manifest.json")
    manifest["privacy_scan"] = summary
    if findings:
        by_file: dict[str, dict[str, int]] = {}
        for f in findings:
            kinds = by_file.setdefault(Path(f.file).relative_to(staging).as_posix(), {})
            kinds[f.kind] = kinds.get(f.kind, 0) + 1
        manifest["privacy_scan"]["found"] = [{"file": k, "kinds": v} for k, v in sorted(by_file.items())]
    _write_json(staging / "manifest.json", manifest)
    if findings:
        listed = "; ".join(f"{file}: " + ", ".join(f"{k} ({n})" for k, n in kinds.items())
                           for file, kinds in sorted(by_file.items()))
        raise PipelineError(
            f"personal data found in the outputs, so the report was not published: {listed}. The outputs "
            f"are kept for inspection at {staging} (do not share them)."
        )
    return summary

# --------------------------------------------------------------------------------------------
# Reviewer flow
# --------------------------------------------------------------------------------------------

def verify(report_dir: Path) -> list[str]:
    """Re-run clean and estimate from a report's manifest and list every figure that differs.

    The raw files must still hash to the manifest's sha256; the recomputed estimates table is
    compared with the one the briefs were built from, figure by figure.
    """
    report_dir = Path(report_dir).resolve()
    manifest = _read_json(report_dir / "manifest.json")
    if not manifest:
        raise RakorInputError(f"{report_dir} has no manifest.json; give a folder written by `rakor run`")
    raw_dir = manifest.get("parameters", {}).get("raw_dir")
    if not raw_dir:
        raise RakorInputError(
            f"the manifest in {report_dir} does not name its raw data folder (a report built by "
            "`rakor brief` alone); re-run it with `rakor run --raw DIR` to make it verifiable"
        )
    raw = Path(raw_dir)
    differences: list[str] = []
    for item in manifest["inputs"]:
        path = raw / item["file"]
        if not path.exists():
            differences.append(f"input missing: {item['file']}")
        elif sha256(path) != item["sha256"]:
            differences.append(f"input changed since the report: {item['file']}")
    if differences:
        for d in differences:
            print(d)
        return differences
    old = pd.read_parquet(report_dir / "estimates.parquet")
    with tempfile.TemporaryDirectory(prefix="rakor-verify-") as tmp:
        processed = Path(tmp) / "processed"
        run_clean(raw, processed)
        # The "since the previous rakor" rows come from the history of the processed folder the
        # report was built from: give the re-run that rakor's rows of it (and nothing later).
        unchecked = _history_for_verify(old, manifest, processed)
        run_estimate(processed, manifest["parameters"]["period"],
                     rakor_date=manifest["parameters"].get("rakor_date"))
        new = load_published(processed)
    if unchecked:
        print(unchecked)
        old = old[~old["breakdown"].astype(str).str.startswith("rakor=")]
    differences = compare_estimates(old, new)
    for d in differences:
        print(d)
    print(f"{len(old)} figures compared; {len(differences)} differ")
    return differences


def _history_for_verify(report_estimates: pd.DataFrame, manifest: dict, processed: Path) -> str | None:
    """Copy the previous rakor's rows of the report's history into the re-run's ``processed``.

    Returns a message (and copies nothing) when the report has since-previous rows but that
    history is no longer there: those rows cannot be recomputed and are left out of the comparison.
    """
    from analysis.estimates import history

    since = report_estimates["breakdown"].astype(str)
    previous = sorted(since[since.str.startswith(history.SINCE_BREAKDOWN)].str.removeprefix(
        history.SINCE_BREAKDOWN).unique())
    if not previous:
        return None
    source = Path(manifest.get("parameters", {}).get("processed_dir", "")) / "history.parquet"
    hist = history.read_history(source) if source.is_file() else None
    if hist is None or not hist["period"].astype(str).isin(previous).any():
        n = int(since.str.startswith(history.SINCE_BREAKDOWN).sum())
        return (f"{n} since-previous-rakor figures not checked: the history of rakor {', '.join(previous)} "
                f"is not in {source}")
    processed.mkdir(parents=True, exist_ok=True)
    files.write_parquet(hist[hist["period"].astype(str).isin(previous)], processed / "history.parquet")
    return None


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def _execute_jobs(jobs_list: list[BriefJob], jobs: int | None, client: Any = None) -> list[BriefJob]:
    """Execute and render the briefs: in this process, a process pool of ``jobs``, or as tasks of
    ``client`` (a ``distributed.Client``; each worker process keeps its own kernel, closed at the end)."""
    workers = max(1, min(jobs or os.cpu_count() or 1, len(jobs_list)))
    reuse = brief_kernel_reused()
    for job in jobs_list:
        job.reuse_kernel = reuse
    if client is not None and jobs_list:
        from distributed import as_completed as dask_completed

        futures = [client.submit(_run_brief_task, job, key=f"brief-{job.slug}-{os.getpid()}", pure=False)
                   for job in jobs_list]
        done: list[BriefJob] = []
        try:
            for fut in dask_completed(futures):
                done.append(fut.result())
        finally:
            client.cancel(futures)
            client.run(_close_session)  # the kernels' environment belongs to this run
        return done
    if workers == 1:
        try:
            return [_run_brief(job) for job in jobs_list]
        finally:
            _close_session()  # the kernel's environment belongs to this run
    done: list[BriefJob] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_run_brief, job) for job in jobs_list]
        for fut in as_completed(futures):
            done.append(fut.result())
    return done


def _copy_stage_outputs(processed: Path, staging: Path, period: str) -> None:
    """Executed 01/02 notebooks, the estimates table and the restricted worklists into the report."""
    for name in (NOTEBOOKS["clean"], NOTEBOOKS["estimate"]):
        src = processed / "executed" / name
        if src.exists():
            shutil.copy2(src, staging / "executed" / name)
    # The report's copy travels with the briefs: hidden small counts are blanked in it too.
    files.write_parquet(load_published(processed), staging / "estimates.parquet")
    worklists = processed / "restricted" / "worklists" / period
    if worklists.is_dir():
        shutil.copytree(worklists, staging / "restricted", dirs_exist_ok=True)


def _swap_into_place(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging`` with renames only (the old report survives any failure)."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        final.rename(old)
    staging.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def git_commit() -> str:
    """Commit of the code that ran, with ``-dirty`` when the work tree has changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=config.ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=config.ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _write_manifest(staging: Path, processed: Path, period: str, parameters: dict, timings: dict,
                    info: dict) -> None:
    intake_path = processed / "intake.parquet"
    inputs = []
    if intake_path.exists():
        intake = pd.read_parquet(intake_path)
        keep = [c for c in ("source", "file", "sha256", "rows_in", "rows_kept", "rows_rejected") if c in intake]
        inputs = intake[keep].to_dict(orient="records")
    outputs = []
    for path in sorted(staging.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(staging).as_posix()
        if rel == "manifest.json":  # the provisional one the briefs read; replaced below
            continue
        restricted = rel.startswith("restricted/")
        # restricted outputs are listed without content (no hash of personal data either)
        outputs.append({"file": rel, "restricted": restricted,
                        **({} if restricted else {"sha256": sha256(path), "bytes": path.stat().st_size})})
    manifest = {
        "period": period,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "code_version": git_commit(),
        "parameters": {**{k: str(v) if isinstance(v, Path) else v for k, v in parameters.items()},
                       "raw_dir": info.get("raw_dir")},
        "inputs": _json_safe(inputs),
        "outputs": outputs,
        "packages": package_versions(),
        "timings_s": timings,
        "pseudonym_key_id": info.get("key_id"),
    }
    _write_json(staging / "manifest.json", manifest)


def _json_safe(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def _write_json(path: Path, obj: Any) -> None:
    files.write_json(obj, path)


def _write_text(path: Path, text: str) -> None:
    files.write_text(text, path)


def _read_json(path: Path) -> dict:
    return files.read_json(path)


def _check_period(period: str | None) -> str | None:
    return periods.parse_period(period, "--period")

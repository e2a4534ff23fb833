"""Orchestration: run the numbered notebooks with papermill and assemble the report folder.

``01_clean`` → ``02_estimate`` → ``03_brief_kecamatan`` (once per kecamatan, in parallel) →
``04_brief_kota``; then HTML and PDF rendering and a manifest. The report folder is built in a
staging folder beside it and swapped in at the end, so a failed run never leaves a half-written
report over a good one; the staging folder of a failed run is kept as ``<period>.failed`` for
inspection.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import config, files, periods
from analysis.errors import PipelineError, RakorInputError
from analysis.estimates.store import compare_estimates, published_estimates  # noqa: F401 (re-exported)

NOTEBOOKS = {
    "clean": "01_clean.ipynb",
    "estimate": "02_estimate.ipynb",
    "kecamatan": "03_brief_kecamatan.ipynb",
    "kota": "04_brief_kota.ipynb",
}
SYNTHETIC_MARKER = ".synthetic"
RUN_INFO = "run_info.json"  # written by the pipeline into the processed folder
KERNEL = "python3"
KERNEL_START_ATTEMPTS = 3
PACKAGES = ("rakor-analysis", "pandas", "numpy", "scipy", "statsmodels", "pandera", "papermill",
            "nbconvert", "weasyprint", "seaborn", "matplotlib", "rapidfuzz", "pyarrow")


# --------------------------------------------------------------------------------------------
# Notebook execution
# --------------------------------------------------------------------------------------------

def execute_notebook(name: str, output: Path, parameters: dict[str, Any]) -> float:
    """Execute ``notebooks/<name>`` with papermill into ``output``; return the seconds it took.

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
    try:
        for attempt in range(KERNEL_START_ATTEMPTS):
            try:
                pm.execute_notebook(
                    str(config.NOTEBOOKS_DIR / name),
                    str(output),
                    parameters={k: (str(v) if isinstance(v, Path) else v) for k, v in parameters.items()},
                    kernel_name=KERNEL,
                    progress_bar=False,
                    log_output=False,
                    cwd=str(config.NOTEBOOKS_DIR),
                    # the kernel listens on loopback only; its "TCP without encryption" warning is noise
                    extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
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


# --------------------------------------------------------------------------------------------
# Stages
# --------------------------------------------------------------------------------------------

def make_sample_data(out: Path, seed: int) -> dict:
    """Write the synthetic Bontang sample into ``out`` and mark the folder as synthetic."""
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
    summary = sample_data.generate(out, seed=seed)
    (Path(out) / SYNTHETIC_MARKER).write_text(
        f"Synthetic data generated by `rakor sample-data --seed {seed}`. Not real people.\n",
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


def run_clean(raw: Path, processed: Path, force: bool = False) -> float:
    """Stage 1: read, validate, pseudonymise (``01_clean``); skipped when nothing changed.

    Nothing changed means: the same raw files (paths and sha256), the same code, notebooks and
    configuration, and the same pseudonym key as the run that wrote ``processed``.
    """
    raw, processed = Path(raw).resolve(), Path(processed).resolve()
    if not raw.is_dir():
        raise RakorInputError(
            f"raw data folder {raw} does not exist; put agency exports in data/raw/<source>/ "
            "or run `make sample-data`"
        )
    processed.mkdir(parents=True, exist_ok=True)
    from analysis.intake.identifiers import pseudonym_key

    # which key pseudonymised the tables (an HMAC of a constant: identifies the key, reveals nothing)
    key_id = hmac.new(pseudonym_key(), b"rakor key id", "sha256").hexdigest()
    clean_key = _key(raw_fingerprint(raw), code_fingerprint(), key_id)
    info = _read_json(processed / RUN_INFO)
    done = (processed / "intake.parquet").exists() and (processed / "executed" / NOTEBOOKS["clean"]).exists()
    if not force and done and info.get("clean_key") == clean_key and info.get("raw_dir") == str(raw):
        print("01 clean: raw files, code and configuration unchanged; cleaned tables reused", file=sys.stderr)
        return 0.0
    seconds = execute_notebook(
        NOTEBOOKS["clean"], processed / "executed" / NOTEBOOKS["clean"],
        {"raw_dir": raw, "processed_dir": processed},
    )
    _write_json(processed / RUN_INFO, {"raw_dir": str(raw), "synthetic": is_synthetic(raw),
                                       "clean_key": clean_key})
    return seconds


def latest_period(processed: Path) -> str:
    """The latest ``period`` in any processed source table (the default rakor period)."""
    found: list[str] = []
    for table in ("eppgbm", "susenas", "dtsen_member", "pendataan_rt", "program"):
        path = Path(processed) / f"{table}.parquet"
        if path.exists():
            col = pd.read_parquet(path, columns=["period"])["period"].dropna()
            if len(col):
                found.append(str(col.max()))
    if not found:
        raise RakorInputError(f"no cleaned data in {processed}; run `rakor clean --raw DIR` first")
    return periods.latest_at_or_before(found, "9999-12")


def run_estimate(processed: Path, period: str | None = None, force: bool = False) -> float:
    """Stage 2: z-scores, estimates with CIs, reconciliation (``02_estimate``); skipped when unchanged."""
    processed = Path(processed).resolve()
    period = _check_period(period) or latest_period(processed)
    info = _read_json(processed / RUN_INFO)
    estimate_key = _key(info.get("clean_key", "none"), code_fingerprint(), period)
    done = (processed / "estimates.parquet").exists() and (processed / "executed" / NOTEBOOKS["estimate"]).exists()
    if not force and done and info.get("clean_key") and info.get("estimate_key") == estimate_key:
        print("02 estimate: cleaned tables, code and period unchanged; estimates reused", file=sys.stderr)
        return 0.0
    seconds = execute_notebook(
        NOTEBOOKS["estimate"], processed / "executed" / NOTEBOOKS["estimate"],
        {"processed_dir": processed, "period": period},
    )
    _write_json(processed / RUN_INFO, {**info, "estimate_key": estimate_key})
    return seconds


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


def _run_brief(job: BriefJob) -> BriefJob:
    from analysis.briefs import render

    executed = job.staging / "executed" / f"{job.slug}.ipynb"
    job.timings["execute_s"] = execute_notebook(job.notebook, executed, job.parameters)
    start = time.perf_counter()
    html = render.notebook_to_html(executed, job.staging / f"{job.slug}.html", title=job.title, lang=job.lang)
    job.timings["html_s"] = time.perf_counter() - start
    if job.pdf:
        start = time.perf_counter()
        render.html_to_pdf(html, job.staging / f"{job.slug}.pdf")
        job.timings["pdf_s"] = time.perf_counter() - start
    return job


def kecamatan_list() -> pd.DataFrame:
    """Kecamatan of the region (code, name, slug) from the gazetteer."""
    from analysis.intake.gazetteer import gazetteer

    kec = gazetteer().kecamatan.rename(columns={"kode": "code", "nama": "name"})
    kec["slug"] = kec["name"].map(slugify)
    return kec.reset_index(drop=True)


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
               lang: str = "id", pdf: bool = True, timings: dict | None = None) -> Path:
    """Stage 3: execute and render the briefs into ``out/<period>/`` atomically."""
    processed = Path(processed).resolve()
    out = Path(out or config.REPORTS_DIR).resolve()
    estimates = processed / "estimates.parquet"
    if not estimates.exists():
        raise RakorInputError(f"no estimates in {processed}; run `rakor estimate` first")
    periods = set(pd.read_parquet(estimates, columns=["period"])["period"].astype(str))
    period = _check_period(period) or max(periods)
    if period not in periods:
        raise RakorInputError(
            f"the estimates in {processed} are for {', '.join(sorted(periods))}, not {period}; "
            f"run `rakor estimate --period {period}` first, or leave out --period"
        )
    info = _read_json(processed / RUN_INFO)
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
        for row in kec.itertuples()
    ]
    region = config.settings()["region"]["name"]
    brief_jobs.append(BriefJob(NOTEBOOKS["kota"], slugify(region), f"Brief rakor {region} {period}",
                               brief_params, staging, lang, pdf))
    timings = timings if timings is not None else {}
    try:
        _write_manifest(staging, processed, period, common, {}, info)
        done = _execute_jobs(brief_jobs, jobs)
        for job in done:
            timings[f"brief:{job.slug}"] = job.timings
        _copy_stage_outputs(processed, staging, period)
        _write_manifest(staging, processed, period, common, timings, info)
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
            pdf: bool = True, force: bool = False) -> Path:
    """The whole pipeline with a progress bar: clean → estimate → briefs."""
    from tqdm import tqdm

    timings: dict[str, Any] = {}
    stages = ["01 clean", "02 estimate", "03/04 briefs"]
    with tqdm(total=len(stages), desc="rakor", unit="stage", file=sys.stderr,
              bar_format="{desc}: {n}/{total} {bar} {elapsed} {postfix}") as bar:
        bar.set_postfix_str(stages[0])
        timings["clean_s"] = run_clean(raw, processed, force=force)
        bar.update()
        bar.set_postfix_str(stages[1])
        timings["estimate_s"] = run_estimate(processed, period, force=force)
        bar.update()
        bar.set_postfix_str(stages[2])
        start = time.perf_counter()
        final = run_briefs(processed, period, out, kecamatan, jobs, lang, pdf, timings=timings)
        timings["briefs_s"] = time.perf_counter() - start
        bar.update()
    print(f"briefs written to {final}", file=sys.stderr)
    return final


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
        run_estimate(processed, manifest["parameters"]["period"])
        new = published_estimates(pd.read_parquet(processed / "estimates.parquet"))
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

def _execute_jobs(jobs_list: list[BriefJob], jobs: int | None) -> list[BriefJob]:
    workers = max(1, min(jobs or os.cpu_count() or 1, len(jobs_list)))
    if workers == 1:
        return [_run_brief(job) for job in jobs_list]
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
    files.write_parquet(published_estimates(pd.read_parquet(processed / "estimates.parquet")),
                        staging / "estimates.parquet")
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
    }
    _write_json(staging / "manifest.json", manifest)


def _json_safe(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def _write_json(path: Path, obj: Any) -> None:
    files.write_json(obj, path)


def _read_json(path: Path) -> dict:
    return files.read_json(path)


def _check_period(period: str | None) -> str | None:
    return periods.parse_period(period, "--period")

"""Reading and writing the stage's tables: the processed inputs, the estimates table (checked
against its schema both ways), the published copy, and the comparison ``rakor verify`` makes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import files
from analysis.errors import RakorInputError
from analysis.estimates.table import validate_estimates

SOURCE_TABLES = ("eppgbm", "eppgbm_bulanan", "dtsen_member", "dtsen_family", "susenas", "pendataan_rt",
                 "program", "verifikasi", "intake", "rejects")
ESTIMATE_KEYS = ["period", "data_period", "area_level", "area_code", "indicator", "breakdown", "method"]
ESTIMATE_VALUES = ["n", "n_weighted", "estimate", "se", "ci_low", "ci_high", "df", "deff", "suppressed"]
#: what a hidden figure loses in the published copy
HIDDEN_VALUES = ["estimate", "se", "ci_low", "ci_high", "p_value"]
#: the published copy the estimate stage writes beside ``estimates.parquet`` (``save_outputs``)
PUBLISHED_FILE = "estimates_published.parquet"


def load_processed(processed_dir: Path) -> dict[str, pd.DataFrame]:
    """The processed tables present in ``processed_dir`` (a missing source is simply absent)."""
    processed_dir = Path(processed_dir)
    return {name: pd.read_parquet(processed_dir / f"{name}.parquet")
            for name in SOURCE_TABLES if (processed_dir / f"{name}.parquet").exists()}


def load_identity(processed_dir: Path) -> pd.DataFrame | None:
    """The restricted identity lookup, for by-name worklists only (never shown in a notebook)."""
    path = Path(processed_dir) / "restricted" / "identity.parquet"
    return pd.read_parquet(path) if path.exists() else None


def read_estimates(path: Path | str) -> pd.DataFrame:
    """The estimates table in ``path``, checked against its declared schema.

    Raises
    ------
    RakorInputError
        When the file is missing, unreadable, or does not match the schema (the message names the
        file, the column and the check).
    """
    path = Path(path)
    if not path.exists():
        raise RakorInputError(f"{path}: no estimates table there; run `rakor estimate` first")
    try:
        est = pd.read_parquet(path)
    except Exception as exc:  # a truncated or foreign file: say which  # noqa: BLE001
        raise RakorInputError(f"{path}: not a readable Parquet estimates table ({type(exc).__name__})") from None
    return validate_estimates(est, str(path))


def save_outputs(outputs, processed_dir: Path, period: str) -> dict[str, Path]:
    """Write the estimates table (schema-checked), z-scores, quality, history and the restricted worklists."""
    from analysis.estimates import history
    from analysis.linkage import reconcile

    processed_dir = Path(processed_dir)
    written = {}
    est = outputs.estimates.reset_index(drop=True)
    hide_n = outputs.hide_n
    order = est.sort_values(["indicator", "area_level", "area_code", "breakdown", "data_period", "method"],
                            kind="stable").index.to_numpy()
    est = est.iloc[order].reset_index(drop=True)
    validate_estimates(est, str(processed_dir / "estimates.parquet"))
    written["estimates"] = files.write_parquet(est, processed_dir / "estimates.parquet")
    # the published copy from the same plan (no second solve of the small-count rule at report time)
    hide_n = None if hide_n is None or len(hide_n) != len(order) else np.asarray(hide_n, dtype=bool)[order]
    written["published"] = files.write_parquet(published_estimates(est, hide_n=hide_n),
                                               processed_dir / PUBLISHED_FILE)
    if outputs.children is not None:
        keep = [c for c in outputs.children.columns if c not in ("name_key",)]
        written["zscores"] = files.write_parquet(outputs.children[keep], processed_dir / "eppgbm_z.parquet")
    if outputs.quality is not None:
        written["quality"] = files.write_parquet(outputs.quality, processed_dir / "quality.parquet")
    # The history keeps each figure once per rakor: the latest data period (older weighing
    # rounds in this run's table are the trend, already in the history of earlier rakor). The
    # since-previous rows are derived from the history itself: not added back to it.
    own = ~est["breakdown"].astype(str).str.startswith(history.SINCE_BREAKDOWN)
    key = ["indicator", "area_level", "area_code", "breakdown", "method"]
    latest = est["data_period"] == est.groupby(key, dropna=False)["data_period"].transform("max")
    history.append_history(est[latest & own], processed_dir / "history.parquet")
    written["history"] = processed_dir / "history.parquet"
    if outputs.worklist_input and outputs.worklist_input["identity"] is not None:
        folder = processed_dir / "restricted" / "worklists" / period
        if folder.exists():
            for old in folder.glob("*.xlsx"):
                old.unlink()
        files_ = reconcile.verification_worklists(outputs.worklist_input["tables"],
                                                  outputs.worklist_input["identity"], folder,
                                                  issued=getattr(outputs, "rakor_date", None))
        written["worklists"] = len(files_)
    return written


def published_estimates(est: pd.DataFrame, min_cell: int | None = None,
                        hide_n: np.ndarray | None = None) -> pd.DataFrame:
    """The estimates table as it may leave the analyst: hidden figures have no value.

    Rows with ``suppressed`` lose ``estimate, se, ci_low, ci_high, p_value``; ``n`` and
    ``n_weighted`` are blanked where ``n`` is itself a hidden count (the small-count rule,
    ``suppression.plan_suppression``; ``min_cell`` default ``privacy.min_cell``). ``hide_n``: that
    plan's flags by row when the caller has them (``suppression.suppress_with_plan``); otherwise
    the rule is solved again here.
    """
    from analysis.estimates.suppression import plan_suppression

    est = est.copy()
    # decided on the values, before any is blanked
    if hide_n is None:
        hide_n = (plan_suppression(est.reset_index(drop=True), min_cell).hide_n if len(est)
                  else np.zeros(0, dtype=bool))
    hidden = est["suppressed"].fillna(False).astype(bool)
    est.loc[hidden, HIDDEN_VALUES] = float("nan")
    est.loc[est.index[hide_n], ["n", "n_weighted"]] = float("nan")
    return est


def load_published(processed_dir: Path | str) -> pd.DataFrame:
    """The published copy of ``processed_dir/estimates.parquet``: the one the estimate stage wrote
    beside it (:data:`PUBLISHED_FILE`) when it is a copy of that very table, else made again
    (:func:`published_estimates`, which solves the small-count rule once more)."""
    processed_dir = Path(processed_dir)
    est = pd.read_parquet(processed_dir / "estimates.parquet")
    path = processed_dir / PUBLISHED_FILE
    if path.exists():
        pub = pd.read_parquet(path)
        if _is_published_copy(pub, est):
            return pub
    return published_estimates(est)


def _is_published_copy(pub: pd.DataFrame, est: pd.DataFrame) -> bool:
    """True when ``pub`` is ``est`` with hidden values and some ``n`` blanked, nothing else."""
    if list(pub.columns) != list(est.columns) or len(pub) != len(est):
        return False
    blanked = [*HIDDEN_VALUES, "n", "n_weighted"]
    rest = [c for c in est.columns if c not in blanked]
    if not pub[rest].reset_index(drop=True).equals(est[rest].reset_index(drop=True)):
        return False
    shown = ~est["suppressed"].fillna(False).astype(bool).to_numpy()
    for c in blanked:
        a = pd.to_numeric(pub[c], errors="coerce").to_numpy(float)
        b = pd.to_numeric(est[c], errors="coerce").to_numpy(float)
        keep = ~np.isnan(a) if c in ("n", "n_weighted") else shown
        if not np.array_equal(a[keep], b[keep], equal_nan=True):
            return False
        if c in HIDDEN_VALUES and not np.isnan(a[~shown]).all():
            return False
    return True


def compare_estimates(old: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """Every figure present in one table and not the other, or with a different value."""
    merged = old.merge(new, on=ESTIMATE_KEYS, how="outer", suffixes=("_old", "_new"),
                       indicator=True, validate="1:1")

    def keys(side: str) -> list[str]:
        rows = merged.loc[merged["_merge"] == side, ESTIMATE_KEYS].astype(str)
        return [" / ".join(r) for r in rows.itertuples(index=False)]

    diffs = [f"only in the report: {k}" for k in keys("left_only")]
    diffs += [f"only in the re-run: {k}" for k in keys("right_only")]
    both = merged[merged["_merge"] == "both"]
    for col in ESTIMATE_VALUES:
        if f"{col}_old" not in both:
            continue
        a = pd.to_numeric(both[f"{col}_old"], errors="coerce")
        b = pd.to_numeric(both[f"{col}_new"], errors="coerce")
        differ = ~((a == b) | (a.isna() & b.isna()))
        for idx in both.index[differ]:
            key = " / ".join(str(both.at[idx, k]) for k in ESTIMATE_KEYS)
            diffs.append(f"{key}: {col} {float(a[idx])!r} in the report, {float(b[idx])!r} in the re-run")
    return diffs

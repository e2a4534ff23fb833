"""The e-PPGBM part of the estimate stage on a dask cluster (#18).

:func:`cluster_children` reads the cleaned e-PPGBM rows on the workers (``eppgbm.parquet``, one
file or a folder of part files) and computes the z-scores by ``map_partitions``; the frame stays
on the cluster (persisted) and a copy is gathered for the parts of ``build_all`` that run on
the client.

:func:`growth_rows` gives ``estimates.growth.growth_rows`` from one pass of per-partition
moments: for each round, domain (area level × breakdown) and outcome, every partition returns
n, Σy and Σ(y − ȳ)² about its own mean; the client adds them (Chan et al.'s pairwise update,
no cancellation) and ``estimation.survey.srs_estimates_from_moments`` turns them into the same
rows as the row-level estimators (WHO anthro's design: every child its own unit, so these are
the Taylor sums per (stratum, PSU, domain) with one stratum). The SD rows come from the same
moments.

:func:`skdn_rows` and :func:`child_pairs` shuffle the rows on ``child_key`` so that each child
is in one partition, compute the per-child part on the workers and add the counts (or
concatenate the pairs) on the client.

:func:`growth_worklist_rows` lists the posyandu cadre's children from the same shuffled rows.

:func:`summed_counts` runs the builders whose figures are counts that add up (the app's
z-scores checked, the app's own N/T/O/B, stunted children by posyandu and RT): each partition's
counts (the builder's ``*_counts``) made on a worker, added on the client, turned into rows there
(its ``*_rows_from_counts``).

The memory limit that remains: every other builder of ``build_all`` (data quality, coverage,
the kelurahan covariates, the families' links, ...) runs on the client from the gathered children. The client
holds the cleaned e-PPGBM table (``tables["eppgbm"]``, about 360 bytes a row on the sample) and
the children (the same columns plus the z-scores, about 410 bytes a row): about 0.8 kB a
measurement, so some 16 GB for the 20 million measurements of a national round, on one
machine; a province of 2 million children (about 4 million rows) needs some 3 GB there.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: moments of one outcome in one domain: rows with a value, Σy, Σ(y − ȳ)²
_MOMENTS = ("n", "s", "m2")


def _as_float(s: pd.Series) -> np.ndarray:
    return s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


# --------------------------------------------------------------------------------------------
# Reading and z-scores on the workers
# --------------------------------------------------------------------------------------------

def cluster_children(client, eppgbm: pd.DataFrame, period: str, processed_dir: Path | None = None):
    """The e-PPGBM rows of rounds ≤ ``period`` with z-scores, on the cluster and on the client.

    Parameters
    ----------
    client
        A ``distributed.Client``.
    eppgbm
        The cleaned e-PPGBM table the client holds (``tables["eppgbm"]``).
    period
        The rakor period.
    processed_dir
        When it holds ``eppgbm.parquet`` with the same rows as ``eppgbm``, the workers read it
        (nothing is shipped from the client); otherwise the client's frame is scattered.

    Returns
    -------
    (dask.dataframe.DataFrame, pandas.DataFrame)
        The persisted z-scored frame on the cluster and the gathered copy, equal to
        ``compute_zscores(eppgbm[eppgbm["period"] <= period])`` (same rows, order and index).
    """
    import dask.dataframe as dd

    from analysis.measures.anthropometry import compute_zscores

    workers = max(len(client.scheduler_info()["workers"]), 1)
    ddf = None
    path = Path(processed_dir) / "eppgbm.parquet" if processed_dir is not None else None
    if path is not None and path.exists():
        ddf = dd.read_parquet(str(path))
        if ddf.npartitions < 2 * workers:
            ddf = ddf.repartition(npartitions=2 * workers)
    if ddf is None:
        ddf = dd.from_pandas(eppgbm, npartitions=2 * workers, sort=False)
    ddf = ddf[ddf["period"] <= period]
    meta = compute_zscores(eppgbm.iloc[0:0])
    added = [c for c in meta.columns if c not in eppgbm.columns]  # compute_zscores only adds columns
    local = eppgbm[eppgbm["period"] <= period]
    zdf = ddf.map_partitions(compute_zscores, meta=meta).persist()
    # Only the z-score columns come back (the client holds the rest): the same rows, checked.
    got = zdf[["source_file", "source_row", *added]].compute()
    same = (len(got) == len(local)
            and np.array_equal(got["source_row"].to_numpy(), local["source_row"].to_numpy())
            and np.array_equal(got["source_file"].astype(str).to_numpy(),
                               local["source_file"].astype(str).to_numpy()))
    if not same:  # the files on disk are not the client's table: use the client's
        zdf = dd.from_pandas(local, npartitions=2 * workers, sort=False).map_partitions(
            compute_zscores, meta=meta).persist()
        got = zdf[added].compute()
    children = pd.concat([local, got[added].set_axis(local.index)], axis=1)
    return zdf, children


# --------------------------------------------------------------------------------------------
# Growth: WHO anthro's table from per-partition moments
# --------------------------------------------------------------------------------------------

def _domain_specs():
    """(level, area_col, breakdown columns) of ``growth._who_rows``, in its row order."""
    from analysis.estimates.growth import BREAKDOWNS, CROSS_LEVELS
    from analysis.estimates.table import LEVELS

    margins = [(b,) for b in BREAKDOWNS if isinstance(b, str)]
    cross = [tuple(b) for b in BREAKDOWNS if not isinstance(b, str)]
    first = [(lv, col, bd) for lv, col in LEVELS.items() for bd in [(), *margins]]
    second = [(lv, col, bd) for lv, col in LEVELS.items() if lv in CROSS_LEVELS for bd in cross]
    return first, second


def _by(area_col, bd) -> tuple[str, ...]:
    return (*([area_col] if area_col else []), *bd)


def _outcomes(design: pd.DataFrame) -> list[str]:
    from analysis.estimates.growth import GROWTH_INDICATORS, ZSCORES

    return [c for c in GROWTH_INDICATORS if c in design] + [f"{z}_ok" for z in ZSCORES if f"{z}_ok" in design]


def partition_moments(part: pd.DataFrame, rounds: list[str], cells: list[str], kabkota: bool) -> dict:
    """Per round: the moments of every outcome in the finest cells of one partition.

    ``cells``: every domain column of the growth table (area codes, sex, age); a missing value is
    a cell of its own (the row is in the coarser domains, not in that column's). Returns
    ``{(round, "cells"): frame}`` (frame: the cell columns, ``n_<y>``, ``s_<y>``, ``m2_<y>``) and
    ``{(round, "rows"): rows}`` the rows of the round's design. ``kabkota``: the client's region
    is a province (``table.PROVINCE``), passed so that a worker started with another
    configuration adds the kab/kota column as the client does.
    """
    from analysis.estimates.growth import who_design
    from analysis.estimates.table import with_area_columns

    out = {}
    part = with_area_columns(part, province=kabkota)  # as on the client
    for rnd in rounds:
        d = who_design(part[part["period"] == rnd])
        out[(rnd, "rows")] = len(d)
        g = d.groupby(cells, sort=False, dropna=False).ngroup().to_numpy()
        first = np.unique(g, return_index=True)[1]
        frame = d[cells].iloc[first].reset_index(drop=True)
        size = len(frame)
        for y in _outcomes(d):
            v = _as_float(d[y])
            ok = ~np.isnan(v)
            gi, vi = g[ok], v[ok]
            n = np.bincount(gi, minlength=size)
            s = np.bincount(gi, vi, minlength=size)
            with np.errstate(divide="ignore", invalid="ignore"):
                r = vi - (s / n)[gi]
            frame[f"n_{y}"] = n
            frame[f"s_{y}"] = s
            frame[f"m2_{y}"] = np.bincount(gi, r * r, minlength=size)
        out[(rnd, "cells")] = frame
    return out


def combine_moments(frames: list[pd.DataFrame], by: tuple[str, ...], ys: list[str],
                    dropna: bool = True) -> pd.DataFrame:
    """Add the moments of the same domain: n and Σy add, Σ(y − ȳ)² by the pairwise update.

    ``dropna`` False keeps a missing key as a domain of its own (the finest cells).
    """
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True)
    keys = [frame[b] for b in by] if by else [np.zeros(len(frame), np.int64)]
    grouped = frame.groupby(keys, sort=True, dropna=dropna)
    tot = grouped[[f"{m}_{y}" for y in ys for m in ("n", "s")]].sum()
    out = tot.reset_index(drop=not by)
    for y in ys:
        n_k, s_k = frame[f"n_{y}"].to_numpy(float), frame[f"s_{y}"].to_numpy(float)
        n = tot[f"n_{y}"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = tot[f"s_{y}"].to_numpy(float) / n
            code = grouped.ngroup().to_numpy()
            dev = np.where(n_k > 0, n_k * (s_k / n_k - mean[code]) ** 2, 0.0)
        extra = np.bincount(code, dev, minlength=len(tot))
        out[f"m2_{y}"] = grouped[f"m2_{y}"].sum().to_numpy() + extra
    return out


def _estimator_rows(moments: pd.DataFrame, by, y: str, n_rows: int, kind: str, est: dict) -> pd.DataFrame:
    from analysis.estimation.survey import srs_estimates_from_moments

    keys = moments[list(by)] if by else pd.DataFrame(index=range(1))
    if kind == "sd":
        n = moments[f"n_{y}"].to_numpy(np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            sd = np.where(n > 1, np.sqrt(moments[f"m2_{y}"].to_numpy(float) / (n - 1.0)), np.nan)
        res = keys.reset_index(drop=True).assign(n=n, estimate=sd)
        return res[res["n"] > 0].reset_index(drop=True) if by else res
    ci = est["ci_method"] if kind == "proportion" else "wald"
    return srs_estimates_from_moments(keys, moments[f"n_{y}"].to_numpy(), moments[f"s_{y}"].to_numpy(),
                                      moments[f"m2_{y}"].to_numpy(), n_rows, kind=kind, ci_method=ci,
                                      alpha=est["alpha"], dof=est["dof"])


def _shaped(res: pd.DataFrame, level, area_col, bd, **labels) -> pd.DataFrame:
    from analysis.estimates.table import breakdown_label, to_estimate_rows

    if bd:
        labels["breakdown"] = breakdown_label(res, bd)
    return to_estimate_rows(res, level=level, area_col=area_col, **labels)


def _indicator_rows(combined: dict, n_rows: int, est: dict, label: dict, y: str, kind: str, method: str,
                    unit: str, indicator: str) -> list[pd.DataFrame]:
    """The rows of one indicator, in ``growth._who_rows`` order: every level's total, sex and age,
    then the sex × age cross of the cross levels."""
    first, second = _domain_specs()
    out = []
    for level, col, bd in first + [s for s in second if s[2]]:
        res = _estimator_rows(combined[_by(col, bd)], _by(col, bd), y, n_rows, kind, est)
        out.append(_shaped(res, level, col, bd, indicator=indicator, method=method, unit=unit, **label))
    return out


def growth_rows(zdf, children: pd.DataFrame, period: str) -> pd.DataFrame:
    """``estimates.growth.growth_rows`` with the estimates from per-partition moments.

    Parameters
    ----------
    zdf
        The z-scored e-PPGBM rows on the cluster (:func:`cluster_children`).
    children
        Their gathered copy (the exact counts ``stunting_count`` and ``children_measured`` are
        counted on it).
    period
        The rakor period.
    """
    import dask

    from analysis import config
    from analysis.estimates.growth import GROWTH_INDICATORS, ZSCORES, round_count_rows
    from analysis.estimates.table import PROVINCE, empty_estimates

    est = config.settings()["estimation"]
    rounds = sorted(p for p in children["period"].dropna().unique() if p <= period)
    if not rounds:
        return empty_estimates()
    first, second = _domain_specs()
    bys = list(dict.fromkeys(_by(col, bd) for _, col, bd in first + second))
    cells = list(dict.fromkeys(c for by in bys for c in by))
    tasks = [dask.delayed(partition_moments)(p, rounds, cells, PROVINCE) for p in zdf.to_delayed()]
    per_part = dask.compute(*tasks)
    parts = []
    for rnd in rounds:
        n_rows = int(sum(p[(rnd, "rows")] for p in per_part))
        ys = [c[2:] for c in per_part[0][(rnd, "cells")].columns if c.startswith("n_")]
        finest = combine_moments([p[(rnd, "cells")] for p in per_part], tuple(cells), ys, dropna=False)
        combined = {by: combine_moments([finest], by, ys) for by in bys}
        label = dict(period=period, data_period=rnd, source="eppgbm")

        for col, indicator in GROWTH_INDICATORS.items():
            if col in ys:
                parts += _indicator_rows(combined, n_rows, est, label, col, "proportion",
                                         f"direct:{est['ci_method']}", "proportion", indicator)
        for z, (_, prefix) in ZSCORES.items():
            if f"{z}_ok" in ys:
                parts += _indicator_rows(combined, n_rows, est, label, f"{z}_ok", "mean", "direct:wald", "z",
                                         f"{prefix}_mean")
                parts += _indicator_rows(combined, n_rows, est, label, f"{z}_ok", "sd", "sd", "z", f"{prefix}_sd")
        parts += round_count_rows(children[children["period"] == rnd], period, rnd)
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------------------------
# Builders whose counts add up: each partition counted on a worker, the counts added here
# --------------------------------------------------------------------------------------------

def add_counts(frames: list[pd.DataFrame | None], values: tuple[str, ...]) -> pd.DataFrame | None:
    """The counts of frames of the same builder added by their keys (every column not in
    ``values``; a missing key value a key of its own), sorted by the keys as a groupby sorts.

    A builder's counts (``*_counts``) are integer sums per key, sorted; the counts of parts of its
    rows added are its counts of all of them. None when every frame is None (the rows lack the
    builder's column).
    """
    given = [f for f in frames if f is not None]
    if not given:
        return None
    kept = [f for f in given if len(f)] or given[:1]
    frame = pd.concat(kept, ignore_index=True)
    keys = [c for c in frame.columns if c not in values]
    return frame.groupby(keys, dropna=False, sort=True)[list(values)].sum().reset_index()


@dataclass(frozen=True)
class Counts:
    """A builder's counts: ``fn(rows, *args)`` (a ``*_counts`` function), its count columns
    ``values``, and ``data_period``: only the rows of that round (None: every row)."""

    fn: Callable
    values: tuple[str, ...]
    args: tuple = ()
    data_period: str | None = None


def _partition_counts(part: pd.DataFrame, builders: tuple[Counts, ...], kabkota: bool) -> list:
    from analysis.estimates.table import with_area_columns

    part = with_area_columns(part, province=kabkota)  # as on the client
    return [b.fn(part if b.data_period is None else part[part["period"] == b.data_period], *b.args)
            for b in builders]


def summed_counts(zdf, *builders: Counts) -> list[pd.DataFrame | None]:
    """Each builder's counts of the whole z-scored rows, from its counts of each partition
    (:func:`add_counts`), all in one pass over the partitions. Only the counts come to the client."""
    import dask

    from analysis.estimates.table import PROVINCE

    per_part = dask.compute(*[dask.delayed(_partition_counts)(p, builders, PROVINCE) for p in zdf.to_delayed()])
    return [add_counts([counts[i] for counts in per_part], b.values) for i, b in enumerate(builders)]


# --------------------------------------------------------------------------------------------
# SKDN and the child pairs: a shuffle on the child key
# --------------------------------------------------------------------------------------------

#: the columns SKDN (``skdn_panel``, ``measures.skdn.skdn_counts``) and ``child_pairs`` read
BY_CHILD_COLUMNS = ("child_key", "period", "age_days", "weight_kg", "height_cm", "measure", "measure_date",
                    "posyandu", "is_stunted", "haz", "haz_flag", "waz", "waz_flag", "family_key",
                    "kecamatan_code", "kelurahan_code", "rt", "source_file", "source_row")


def by_child(zdf):
    """The z-scored rows SKDN and the pairs need, shuffled so that a child's rows are in one partition."""
    return zdf[[c for c in BY_CHILD_COLUMNS if c in zdf.columns]].shuffle(on="child_key")


def _partition_skdn(part: pd.DataFrame, period: str, kbm: np.ndarray, months: np.ndarray) -> pd.DataFrame:
    from analysis.estimates.skdn import SKDN_KEYS, skdn_panel
    from analysis.measures.skdn import skdn_counts

    panel = skdn_panel(part, period)
    return skdn_counts(panel, list(SKDN_KEYS), kbm, months=months)


def skdn_rows(shuffled, children: pd.DataFrame, period: str) -> pd.DataFrame:
    """``estimates.skdn.skdn_rows``: each child's months classified on a worker, counts added here.

    Every partition holds whole children (:func:`by_child`) and counts them on the month grid of
    the whole data; the counts of a (kelurahan, posyandu, month) cell are added on the client.
    """
    import dask

    from analysis.estimates.skdn import SKDN_KEYS, skdn_panel, skdn_rows_from_counts
    from analysis.estimates.table import empty_estimates
    from analysis.measures.skdn import COUNTS, load_kbm, month_number

    panel = skdn_panel(children, period)
    if panel.empty:
        return empty_estimates()
    months = np.unique(month_number(panel["period"]))
    kbm = load_kbm()
    counts = dask.compute(*[dask.delayed(_partition_skdn)(p, period, kbm, months) for p in shuffled.to_delayed()])
    counts = pd.concat([c for c in counts if len(c)], ignore_index=True)
    keys = [*SKDN_KEYS, "period"]
    agg = {c: "sum" for c in COUNTS} | {"has_previous": "first", "has_two_previous": "first"}
    total = counts.groupby(keys, sort=False).agg(agg).reset_index()
    # the cells in the order the pandas engine makes them (first row of the cell in the panel)
    first = panel.groupby(list(SKDN_KEYS), sort=False, observed=True).ngroup().rename("_cell")
    cells = panel[list(SKDN_KEYS)].assign(_cell=first.to_numpy()).drop_duplicates(list(SKDN_KEYS))
    total = total.merge(cells, on=list(SKDN_KEYS), how="left").sort_values(["_cell", "period"], kind="stable")
    return skdn_rows_from_counts(total.drop(columns="_cell").reset_index(drop=True), period)


def child_pairs(shuffled, children: pd.DataFrame) -> pd.DataFrame:
    """``estimates.transitions.child_pairs``: each child's pairs made on a worker, gathered here.

    The pairs come back in the pandas engine's order (child by first appearance, then round),
    their text columns categoricals as there.
    """
    import dask

    from analysis.estimates.transitions import _CARRIED, pair_rounds
    from analysis.estimates.transitions import child_pairs as pandas_pairs

    rounds = pair_rounds(children)
    if len(rounds) < 2:
        return pandas_pairs(children.iloc[0:0])
    parts = dask.compute(*[dask.delayed(pandas_pairs)(p, rounds) for p in shuffled.to_delayed()])
    pairs = pd.concat([p.astype({c: object for c in ("child_key", *_CARRIED) if c in p}) for p in parts if len(p)],
                      ignore_index=True)
    if pairs.empty:
        return pandas_pairs(children.iloc[0:0])
    child_code, child_values = pd.factorize(children["child_key"])
    order = np.lexsort([pairs["data_period"].cat.codes.to_numpy(),
                        pd.Index(child_values).get_indexer(pairs["child_key"])])
    pairs = pairs.iloc[order].reset_index(drop=True)
    # categoricals of the values in the order of the children's rows, as pandas_pairs makes them
    for c in ("child_key", *_CARRIED):
        if c in pairs:
            values = pd.factorize(children[c])[1] if c in children else pd.Index([])
            pairs[c] = pd.Categorical(pairs[c], categories=values)
    return pairs


def growth_worklist_rows(shuffled, children: pd.DataFrame, period: str, latest: str) -> pd.DataFrame:
    """``linkage.verification.growth_worklist_rows``: each child's months classified on a worker.

    ``latest`` is the whole data's latest month at or before ``period`` (a partition's may be
    earlier).

    The client gathers only the listed children's rows (keys, no names), not a classification of
    every weighing of the province. The rows are those of the pandas engine; their order is the
    partitions', which no reader depends on (the worklists sort them by kelurahan, RT, problem
    and row id).
    """
    import dask

    from analysis.linkage.verification import growth_worklist_rows as pandas_rows
    from analysis.measures.skdn import load_kbm

    kbm = load_kbm()
    parts = dask.compute(*[dask.delayed(pandas_rows)(p, period, kbm, latest) for p in shuffled.to_delayed()])
    kept = [p for p in parts if len(p)]
    return pd.concat(kept, ignore_index=True) if kept else pandas_rows(children.iloc[0:0], period)


def suppression_mapper(client):
    """A ``mapper`` of ``suppression.plan_suppression``: each independent system of the table
    settled as a task on the cluster, largest first, a new one given to a worker as it frees.

    At most one task per worker thread is in flight, each carrying its system: the next goes to
    whichever worker finishes first, as in a process pool. (Scattered first, the systems were
    spread over the workers before any ran and each task ran where its system was, so one worker
    could be left with the largest system and half of the others.) The scheduler holds at most
    one system per worker thread on its way.
    """

    def mapper(fn, parts: list[tuple]) -> list:
        import dask
        from distributed import as_completed

        slots = max(sum(client.nthreads().values()), 1)
        results: list = [None] * len(parts)
        where: dict = {}  # future key -> index of its system

        def submit(i: int):
            future = client.submit(fn, parts[i], pure=False)
            where[future.key] = i
            return future

        # a system travels with its task, once: dask's warning about a large graph is about data
        # repeated in a graph, not this
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "4GB"}):
            started = min(slots, len(parts))
            pending = as_completed([submit(i) for i in range(started)])
            for future in pending:
                results[where.pop(future.key)] = future.result()
                future.release()
                if started < len(parts):
                    pending.add(submit(started))
                    started += 1
        return results

    return mapper

"""Cleaning on a dask cluster: each raw file is a task, each processed table a partitioned Parquet.

:func:`clean_sources` runs the phases of :func:`analysis.intake.clean.clean_source` with the
heavy ones on the workers:

1. per file, a task reads the file and runs the source cleaner and the foreign-file check
   (:func:`~analysis.intake.clean.clean_file`). When the tables are written, the task writes
   the file's state to ``restricted/.clean-states-<pid>/`` of the processed folder (it holds
   the file's identity rows) and returns the kept rows' key columns
   (:data:`~analysis.intake.clean.DUPLICATE_COLUMNS`): a worker holds no file's state while
   the other files are read, so its memory is that of the files in hand, not of all of them.
   Otherwise the state stays on the worker and a second task returns the key columns;
2. the client judges the duplicates across all the files of a source from the key columns,
   exactly as the pandas engine does;
3. per file, a finishing task (on any worker when the state was written, else on the worker
   holding it) applies the file's duplicate rejects, checks the row accounting, finalises the
   rows kept and writes them as the file's partition ``<table>.parquet/part-NNNNN.parquet``
   (the file's number in name order), then returns the small tables: intake row, rejects,
   findings, corrections, identity, notes. A written state is removed once the client has the
   file's result (a finishing task run again, after a worker was lost, still finds it).

Partitions follow the file order, so ``pd.read_parquet(<table>.parquet)`` gives the pandas
engine's table row for row. Three tables are gathered and written whole by the client, as
today: ``dtsen_family`` (derived per file, a family being kept from one file only, then sorted
as the pandas engine sorts it), ``verifikasi`` (returned worklists, small, checked against the
families of the run) and the bookkeeping tables.

The workers must see the raw and processed folders at the same paths as the client (one machine,
or a shared file system) and run the same code and configuration (``RAKOR_CONFIG``): each task
checks the configuration folder. The pseudonym key travels to the workers with the tasks.
"""
from __future__ import annotations

import datetime as dt
import os
import pickle
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import config
from analysis.errors import RakorInputError
from analysis.files import replace_path, write_parquet
from analysis.intake import clean as cl
from analysis.intake import schemas

#: Tables written as a folder of one partition per raw file.
PARTITIONED = {"eppgbm", "dtsen_member", "susenas", "pendataan_rt", "program", "eppgbm_bulanan"}
PART_NAME = "part-{:05d}.parquet"


def _same_config(config_dir: str) -> None:
    if str(config.CONFIG_DIR) != config_dir:
        raise RakorInputError(
            f"a dask worker (pid {os.getpid()}) uses the configuration {config.CONFIG_DIR}, not "
            f"{config_dir}; start the workers with RAKOR_CONFIG={config_dir}")


def _read_task(source: str, path: str, fileno: int, cfg: dict[str, Any], gaz, today: dt.date,
               key: bytes, config_dir: str, spill: str | None):
    """The file's state; with ``spill`` (a path), the state written there and its key columns."""
    _same_config(config_dir)
    state = cl.clean_file(source, Path(path), fileno, cfg, gaz, today, key)
    if spill is None:
        return state
    keys = _keys_task(state, source)
    if keys[0] is None:
        with open(spill, "wb") as f:
            pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
    return keys


def _keys_task(state: cl.FileState | str, source: str) -> tuple[str | None, pd.DataFrame | None, list[str]]:
    """(error, kept rows' key columns, ``other_*`` columns) of a file: what the client needs."""
    if isinstance(state, str):
        return state, None, []
    other = [c for c in state.out.columns if c.startswith("other_")]
    return None, cl.duplicate_input(state, source), other


def _finish_task(state: cl.FileState, source: str, dups: pd.DataFrame, key: bytes,
                 part: str | None, extra: list[str] | None, any_kept: bool) -> dict[str, Any]:
    """Apply the duplicates, account for the rows, and write (or return) the file's partition.

    ``state``: the file's state, or the path it was written to by :func:`_read_task`.
    """
    if isinstance(state, str):
        with open(state, "rb") as f:
            state = pickle.load(f)  # noqa: S301 (this run's own file, in an owner-only folder)
    cl.apply_duplicates(state, dups)
    res = cl.file_result(state, source, key)
    kept = res.pop("kept")
    if source == "dtsen":
        kept = kept.assign(_seq=range(len(kept)))
        table = cl._finalise("dtsen_member", kept)
        res["family"] = cl._derive_family(kept) if len(kept) else None
        name = "dtsen_member"
    else:
        name = cl.SOURCES[source][0]
        table = cl.finalise_table(name, kept, extra, empty_as_schema=not any_kept)
    if part is None:
        res["table"] = table
    else:
        schemas.check(table, name)
        write_parquet(table, part)
    return res


def _parts_dir(out: Path, table: str) -> Path:
    return out / f".{table}.parquet.parts-{os.getpid()}"


def _spill_dir(out: Path) -> Path:
    """Where the files' states wait for the duplicates: owner-only, as they hold identity rows."""
    folder = config.make_restricted_dir(out / "restricted") / f".clean-states-{os.getpid()}"
    replace_path(folder)
    return config.make_restricted_dir(folder)


def clean_sources(client, todo: dict[str, tuple[list[Path], dict[str, Any]]], *, gaz, today: dt.date,
                  key: bytes, processed_dir: Path | None) -> tuple[dict[str, dict], list[str]]:
    """Clean the files of every source in ``todo`` (source -> (files, source config)) on ``client``.

    Returns
    -------
    (dict, list of str)
        Per source the :func:`~analysis.intake.clean.clean_source` output (its partitioned tables
        written under ``processed_dir`` and absent from ``tables``, unless ``processed_dir`` is
        None: then every table is gathered), and per source with unusable files one message
        naming them (the files of that source are then not finished).
    """
    config_dir = str(config.CONFIG_DIR)
    restricted = processed_dir / "restricted" if processed_dir is not None else None
    made = restricted is not None and not restricted.exists()
    spill = _spill_dir(processed_dir) if processed_dir is not None else None
    try:
        return _clean_sources(client, todo, gaz=gaz, today=today, key=key, processed_dir=processed_dir,
                              config_dir=config_dir, spill=spill)
    finally:
        if spill is not None:
            replace_path(spill)  # with the state of any file not finished (another was unusable)
            if made and not any(restricted.iterdir()):
                restricted.rmdir()  # a failed run leaves the processed folder as it found it


def _clean_sources(client, todo, *, gaz, today, key, processed_dir, config_dir, spill):
    from distributed import wait

    def spilled(s: str, i: int) -> str | None:
        return None if spill is None else str(spill / f"{s}-{i:05d}.pickle")

    gaz_f = client.scatter(gaz, broadcast=True)
    cfgs = {s: cl._source_cfg(s, cfg) for s, (_, cfg) in todo.items()}
    states = {s: [client.submit(_read_task, s, str(p), i, cfgs[s], gaz_f, today, key, config_dir, spilled(s, i),
                                key=f"clean-{s}-{i}", pure=False)
                  for i, p in enumerate(files)] for s, (files, _) in todo.items()}
    # Each source is finished as soon as its files are read (while the others are still read),
    # unless a file so far is unusable: then nothing is finished, and every broken file is named.
    errors: list[str] = []
    finish: dict[str, list] = {}
    parts_dirs: dict[str, Path] = {}
    for s, fs in states.items():
        if spill is None:  # the states stay on the workers, the finishing tasks go to them
            keys = client.gather([client.submit(_keys_task, f, s, pure=False) for f in fs])
            held = fs
        else:  # the tasks returned the key columns, the states are on disk
            keys = client.gather(fs)
            client.cancel(fs)
            held = [spilled(s, i) for i in range(len(fs))]
        broken = "\n".join(e for e, _, _ in keys if e)
        if broken:
            errors.append(broken)
        if errors:
            continue
        parts = [k for _, k, _ in keys]
        dups = cl.judge_duplicates(s, parts)
        any_kept = sum(len(p) for p in parts) > len(dups)
        extra = sorted({c for _, _, o in keys for c in o}) if s == "eppgbm_bulanan" else None
        del keys, parts
        name = cl.SOURCES[s][0]
        write = processed_dir is not None and name in PARTITIONED
        if write:
            parts_dirs[name] = _parts_dir(processed_dir, name)
            replace_path(parts_dirs[name])
            parts_dirs[name].mkdir(parents=True)
        finish[s] = [client.submit(
            _finish_task, f, s, dups.loc[dups["_file"] == cl.file_label(p)], key,
            str(parts_dirs[name] / PART_NAME.format(i)) if write else None, extra, any_kept,
            key=f"finish-{s}-{i}", pure=False)
            for i, (f, p) in enumerate(zip(held, todo[s][0], strict=True))]
    if errors:
        wait([f for fs in finish.values() for f in fs])  # their partitions are written, then removed
        for fs in [*finish.values(), *states.values()]:
            client.cancel(fs)
        for tmp in parts_dirs.values():
            replace_path(tmp)
        return {}, errors

    results = {}
    for s, fs in finish.items():
        res = _gather_results(client, fs, [spilled(s, i) for i in range(len(fs))])
        client.cancel(states[s])  # the workers may forget the files' states
        tables: dict[str, pd.DataFrame] = {}
        name = cl.SOURCES[s][0]
        if name not in parts_dirs:
            tables[name] = _whole(name, [r.pop("table") for r in res])
        if s == "dtsen":
            fams = [r.pop("family") for r in res]
            fams = [f for f in fams if f is not None]
            tables["dtsen_family"] = (pd.concat(fams, ignore_index=True).sort_values(
                ["period", "family_key"], kind="stable", ignore_index=True) if fams
                else schemas.empty("dtsen_family"))
        results[s] = cl.combine_source(s, res, tables)
    for name, tmp in parts_dirs.items():
        replace_path(processed_dir / f"{name}.parquet", tmp)
    return results, []


#: Files whose finishing results are gathered at once: their identity rows are then kept once
#: each (``clean.unique_identity``) before the next files' come. A child's rounds are files
#: next to each other in name order, and a child has a row per key (person, family, name) in
#: each, so the client holds a fraction of the rows it would gather at once.
GATHER_FILES = 8


def _gather_results(client, futures: list, states: list[str | None]) -> list[dict[str, Any]]:
    """The finishing tasks' results in file order, :data:`GATHER_FILES` at a time.

    Each batch's identity rows are kept once, the first of each key, on the batch's first
    result (the others then have none): ``clean.combine_source`` and ``clean_all``, which keep
    the first in the same order, give the identity table they give from every file's rows.
    ``states``: the files' written states (None: held on the workers), removed once gathered.
    """
    out: list[dict[str, Any]] = []
    for start in range(0, len(futures), GATHER_FILES):
        batch = futures[start:start + GATHER_FILES]
        res = client.gather(batch)
        client.cancel(batch)
        for path in states[start:start + GATHER_FILES]:
            if path is not None:
                Path(path).unlink(missing_ok=True)
        ids = [r["identity"] for r in res if r["identity"] is not None]
        for r in res:
            r["identity"] = None
        if ids:
            res[0]["identity"] = cl.unique_identity(ids)
        out += res
    return out


def _whole(name: str, parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One table from the partitions of its files (what the pandas engine builds at once)."""
    nonempty = [p for p in parts if len(p)]
    if not nonempty:
        return schemas.empty(name) if name != "dtsen_member" else parts[0]
    return pd.concat(nonempty, ignore_index=True)
